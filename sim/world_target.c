/* world_target.c — the nemesis's run-time targets: `crash leader`,
 * `restart last_leader`, `partition leader | rest`, `block leader -> rest`…
 *
 * Who leads is learnt the way a checker learns it: from the read-only views
 * the nodes offer (role and term, pod_env.h), never from a node type's
 * insides — so any node type that reports a role can be targeted, and one
 * that reports none simply never has a leader. The resolution reads only
 * state, draws nothing and walks nodes in id order: deterministic. */
#include "sim/world_internal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The up node (paused or not: a paused leader still believes it leads)
 * whose view says leader with the highest term; the lowest id on a tie,
 * which election safety rules out anyway. False when no node leads. */
static bool find_leader(const pod_world *world, uint16_t *leader_out, uint64_t *term_out) {
    bool found = false;
    for (uint16_t id = 0; id < world->node_count; id++) {
        const pod_world_node *n = &world->nodes[id];
        if (!n->up || !n->mem || !world->type->view) continue;
        pod_node_view view;
        memset(&view, 0, sizeof view);
        world->type->view(n->mem, &view);
        if (view.role != POD_ROLE_LEADER) continue;
        if (!found || view.term > *term_out) {
            *leader_out = id;
            *term_out = view.term;
            found = true;
        }
    }
    return found;
}

static const char *target_name(uint16_t node) {
    return node == POD_NODE_LEADER ? "leader" : node == POD_NODE_LAST_LEADER ? "last_leader" : "rest";
}

bool pod_world_resolve_target(pod_world *world, uint16_t node, const char *verb, uint16_t *out) {
    if (!pod_node_is_target(node)) {
        assert(node < world->node_count);
        *out = node;
        return true;
    }
    char text[128];
    if (node == POD_NODE_LEADER) {
        uint64_t term = 0;
        if (find_leader(world, out, &term)) {
            world->last_leader = *out;
            world->has_last_leader = true;
            snprintf(text, sizeof text, "nemesis: %s leader: n%u (term %" PRIu64 ")", verb,
                     (unsigned)*out + 1u, term);
            pod_world_trace(world, POD_TR_NOTE, *out, 0, term, 0, text);
            return true;
        }
    } else if (world->has_last_leader) {
        *out = world->last_leader;
        snprintf(text, sizeof text, "nemesis: %s last_leader: n%u", verb, (unsigned)*out + 1u);
        pod_world_trace(world, POD_TR_NOTE, *out, 0, 0, 0, text);
        return true;
    }
    snprintf(text, sizeof text, "nemesis: %s %s: %s, nothing done", verb, target_name(node),
             node == POD_NODE_LEADER ? "no node leads" : "no leader resolved yet");
    pod_world_trace(world, POD_TR_NOTE, POD_TRACE_NODE_WORLD, 0, 0, 0, text);
    return false;
}

/* `block A -> B` with a target on one side and maybe `rest` on the other. */
static void block_targets(pod_world *world, const pod_action *act) {
    uint16_t from = act->node, to = act->peer;
    if (from != POD_NODE_REST && !pod_world_resolve_target(world, from, "block", &from)) return;
    if (to != POD_NODE_REST && !pod_world_resolve_target(world, to, "block", &to)) return;
    if (from == to) {
        pod_world_trace(world, POD_TR_NOTE, from, 0, 0, 0, "nemesis: block: both sides are one node, nothing done");
        return;
    }
    for (uint16_t other = 0; other < world->node_count; other++) {
        if (act->node == POD_NODE_REST && other != to) pod_net_block(world, other, to);
        if (act->peer == POD_NODE_REST && other != from) pod_net_block(world, from, other);
    }
    if (act->node != POD_NODE_REST && act->peer != POD_NODE_REST) pod_net_block(world, from, to);
}

bool pod_world_resolve_action(pod_world *world, const pod_action *act, pod_action *out) {
    *out = *act;
    switch (act->kind) {
    case POD_ACT_CRASH:
    case POD_ACT_RESTART:
    case POD_ACT_PAUSE:
    case POD_ACT_RESUME:
    case POD_ACT_ISOLATE: {
        static const char *const verbs[] = {[POD_ACT_CRASH] = "crash", [POD_ACT_RESTART] = "restart",
                                            [POD_ACT_PAUSE] = "pause", [POD_ACT_RESUME] = "resume",
                                            [POD_ACT_ISOLATE] = "isolate"};
        return pod_world_resolve_target(world, act->node, verbs[act->kind], &out->node);
    }
    case POD_ACT_PARTITION: {
        if (!pod_node_is_target(act->node)) return true;
        uint16_t alone;
        if (!pod_world_resolve_target(world, act->node, "partition", &alone)) return false;
        out->node = 0;
        out->group_count = 2;
        for (uint16_t id = 0; id < world->node_count; id++) out->group_of[id] = id == alone ? 0 : 1;
        return true;
    }
    case POD_ACT_BLOCK:
        if (!pod_node_is_target(act->node) && !pod_node_is_target(act->peer)) return true;
        block_targets(world, act);
        return false; /* done here: rest may stand for many links */
    case POD_ACT_HEAL:
    case POD_ACT_CLOG:
    case POD_ACT_FLAP:
        return true;
    }
    return true;
}
