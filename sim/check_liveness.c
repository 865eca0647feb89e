/* check_liveness.c — the scenario's `liveness within=D [after=T]` line:
 * once the faults stop, the cluster must recover and serve. Safety
 * checkers cannot see a cluster that simply stops working (a node that
 * never stands for election again is perfectly safe); this one can.
 *
 * The quiet point Q is when the last action's effect ends (a flap's end, a
 * clog's release), or T if that is later (sim/scenario.c,
 * pod_scenario_quiet_ns). From Q on, with the deadline Q + D:
 *
 *   majority    at the end, a majority of the nodes is up, not paused and
 *               able to talk to each other both ways;
 *   leader      for node types that report roles: by Q + D some node says
 *               it leads with a term no lower than any running node's
 *               (Leader and Followers: an election completes);
 *   requests    every client is answered within D of Q, and from then on
 *               at least every D: no request of it waits longer, and
 *               requests it gave up on (its retries are bounded) do not
 *               reset the wait — so "not the leader", "unavailable" and
 *               timeouts count by the time they cost;
 *   convergence at the end, every node of that majority has applied at
 *               least the highest commit index any node reported by Q + D
 *               (nodes that agree on the index must agree on the applied
 *               state: the same hash chain).
 *
 * Facts come from the client history and the nodes' read-only views; the
 * checker draws nothing and never changes the run. */
#include "sim/check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "sim/trace.h"

#define CHECK_NAME "liveness"

typedef struct liveness {
    uint64_t quiet_ns;       /* Q */
    uint64_t deadline_ns;    /* Q + D */
    uint64_t within_ns;      /* D */
    bool roles_seen;         /* some node reported a role: leaders are judged */
    bool leader_seen;        /* a leader with the highest term, in [Q, Q + D] */
    uint16_t leader;
    uint64_t leader_ns;
    uint64_t commit_max;     /* highest commit index reported in [Q, Q + D] */
} liveness;

static void *liveness_create(const pod_scenario *scn) {
    if (scn->liveness.within_ns == 0) return NULL;
    uint64_t quiet = pod_scenario_quiet_ns(scn);
    /* The parser refuses a bound past the run; a swarm's added faults may
     * still push Q too late. Then there is nothing to judge: no state. */
    if (quiet > scn->run_ns || scn->liveness.within_ns > scn->run_ns - quiet) return NULL;
    liveness *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->quiet_ns = quiet;
    l->within_ns = scn->liveness.within_ns;
    l->deadline_ns = quiet + scn->liveness.within_ns;
    return l;
}

static void liveness_destroy(void *state) { free(state); }

/* True when `node`, which says it leads in `term`, has a term no running
 * node has passed: not a deposed leader that has not heard the news. */
static bool leads_the_cluster(const pod_world *world, uint64_t term) {
    uint16_t n = pod_check_node_count(world);
    for (uint16_t other = 0; other < n; other++) {
        pod_node_view v;
        if (pod_check_node_view(world, other, &v) && v.term > term) return false;
    }
    return true;
}

static void liveness_after_event(void *state, pod_world *world, uint16_t node) {
    liveness *l = state;
    if (!l) return;
    uint64_t now = pod_check_now(world);
    if (now < l->quiet_ns || now > l->deadline_ns) return;
    pod_node_view v;
    if (!pod_check_node_view(world, node, &v)) return;
    if (v.role != POD_ROLE_NONE) l->roles_seen = true;
    if (v.commit_index > l->commit_max) l->commit_max = v.commit_index;
    if (!l->leader_seen && v.role == POD_ROLE_LEADER && pod_check_node_live(world, node) &&
        leads_the_cluster(world, v.term)) {
        l->leader_seen = true;
        l->leader = node;
        l->leader_ns = now;
    }
}

/* The live nodes that can all talk to each other both ways: start from
 * every live node and drop, one at a time, the node with the most broken
 * links among those left. Bounded: at most n passes of n * n. */
static uint16_t connected_live(const pod_world *world, bool *member) {
    uint16_t n = pod_check_node_count(world);
    uint16_t count = 0;
    for (uint16_t a = 0; a < n; a++) {
        member[a] = pod_check_node_live(world, a);
        count += member[a];
    }
    for (uint16_t pass = 0; pass < n; pass++) {
        uint16_t worst = 0, worst_broken = 0;
        for (uint16_t a = 0; a < n; a++) {
            if (!member[a]) continue;
            uint16_t broken = 0;
            for (uint16_t b = 0; b < n; b++) {
                if (b != a && member[b] && (!pod_check_link_open(world, a, b) || !pod_check_link_open(world, b, a))) {
                    broken++;
                }
            }
            if (broken > worst_broken) {
                worst = a;
                worst_broken = broken;
            }
        }
        if (worst_broken == 0) break;
        member[worst] = false;
        count--;
    }
    return count;
}

static bool answered(const pod_hist_op *o) {
    return o->outcome == POD_HIST_DONE && o->status != KV_REPLY_NOT_LEADER && o->status != KV_REPLY_UNAVAILABLE;
}

static const char *how_it_ended(const pod_hist_op *o) {
    if (o->outcome == POD_HIST_PENDING) return "still unanswered";
    if (o->outcome == POD_HIST_TIMEOUT) return "given up after timeouts";
    if (o->status == KV_REPLY_NOT_LEADER) return "answered 'not the leader' (given up)";
    if (o->status == KV_REPLY_UNAVAILABLE) return "answered 'unavailable'";
    return "answered late";
}

/* Every client is served again within D of Q, and then at least every D
 * while the run lasts: walking its requests in order, the time from Q or
 * from its previous answer to its next answer never exceeds D, and a
 * client still waiting at the end has not waited longer than D. A request
 * the client gave up on (its retries are bounded) earns no answer, so the
 * wait runs on over it: give-ups are judged by the time they cost, not by
 * the client's retry policy. */
static bool check_requests(liveness *l, pod_world *world) {
    const pod_history *h = pod_check_history(world);
    uint64_t end = pod_check_now(world);
    uint64_t last_answer[POD_WL_CLIENTS_MAX + 1];
    uint32_t waiting_op[POD_WL_CLIENTS_MAX + 1];
    for (uint32_t c = 0; c <= POD_WL_CLIENTS_MAX; c++) {
        last_answer[c] = l->quiet_ns;
        waiting_op[c] = UINT32_MAX;
    }
    /* Invocation order is each client's own order: it has one request out. */
    for (uint32_t i = 0; i < h->count; i++) {
        const pod_hist_op *o = &h->ops[i];
        if (o->client == 0 || o->client > POD_WL_CLIENTS_MAX) continue;
        bool ended = o->outcome != POD_HIST_PENDING;
        if (ended && o->complete_ns < l->quiet_ns) continue; /* over before Q */
        if (waiting_op[o->client] == UINT32_MAX) waiting_op[o->client] = i;
        if (!answered(o)) continue;
        uint64_t since = last_answer[o->client];
        if (o->complete_ns - since > l->within_ns) {
            const pod_hist_op *first = &h->ops[waiting_op[o->client]];
            char from[32], got[32], sent[32];
            pod_format_time(since, from, sizeof from);
            pod_format_time(o->complete_ns, got, sizeof got);
            pod_format_time(first->invoke_ns, sent, sizeof sent);
            pod_check_fail(world, CHECK_NAME,
                           "client c%" PRIu32 " waited from %ss to %ss for an answer (its request %" PRIu64
                           ", sent at %ss to n%u, was %s); expected every client answered within %" PRIu64
                           " ms once the faults stopped",
                           o->client, from, got, first->request_no, sent, first->node + 1u,
                           how_it_ended(first), l->within_ns / 1000000u);
            return false;
        }
        last_answer[o->client] = o->complete_ns;
        waiting_op[o->client] = UINT32_MAX;
    }
    for (uint32_t c = 1; c <= POD_WL_CLIENTS_MAX; c++) {
        if (waiting_op[c] == UINT32_MAX || end - last_answer[c] <= l->within_ns) continue;
        const pod_hist_op *first = &h->ops[waiting_op[c]];
        char from[32], sent[32];
        pod_format_time(last_answer[c], from, sizeof from);
        pod_format_time(first->invoke_ns, sent, sizeof sent);
        pod_check_fail(world, CHECK_NAME,
                       "client c%" PRIu32 " got no answer from %ss to the end (its request %" PRIu64
                       ", sent at %ss to n%u, was %s); expected every client answered within %" PRIu64
                       " ms once the faults stopped",
                       c, from, first->request_no, sent, first->node + 1u, how_it_ended(first),
                       l->within_ns / 1000000u);
        return false;
    }
    return true;
}

static void liveness_at_end(void *state, pod_world *world) {
    liveness *l = state;
    if (!l) return;
    uint16_t n = pod_check_node_count(world);
    char quiet[32], deadline[32];
    pod_format_time(l->quiet_ns, quiet, sizeof quiet);
    pod_format_time(l->deadline_ns, deadline, sizeof deadline);
    bool member[POD_NODES_MAX];
    uint16_t up = connected_live(world, member);
    uint16_t need = (uint16_t)(n / 2 + 1);
    if (up < need) {
        pod_check_fail(world, CHECK_NAME,
                       "after the faults stopped at %ss only %u of %u nodes are up, running and connected; "
                       "a liveness line needs a majority (%u) to recover",
                       quiet, up, n, need);
        return;
    }
    if (l->roles_seen && !l->leader_seen) {
        pod_check_fail(world, CHECK_NAME,
                       "no leader between %ss, when the faults stopped, and %ss; expected an election to "
                       "complete within the bound",
                       quiet, deadline);
        return;
    }
    if (!check_requests(l, world)) return;
    /* Convergence: the majority applied what was committed by the deadline. */
    uint64_t first_index = 0, first_chain = 0;
    uint16_t first_node = 0;
    bool have_first = false;
    for (uint16_t node = 0; node < n; node++) {
        pod_node_view v;
        if (!member[node] || !pod_check_node_view(world, node, &v)) continue;
        if (v.applied_index < l->commit_max) {
            pod_check_fail(world, CHECK_NAME,
                           "n%u applied up to index %" PRIu64 " by the end; %" PRIu64
                           " was committed by %ss: expected every live node to converge",
                           node + 1u, v.applied_index, l->commit_max, deadline);
            return;
        }
        if (have_first && v.applied_index == first_index && v.applied_chain != first_chain) {
            pod_check_fail(world, CHECK_NAME,
                           "n%u and n%u applied index %" PRIu64 " with different states (chains %016" PRIx64
                           " and %016" PRIx64 ")",
                           first_node + 1u, node + 1u, first_index, first_chain, v.applied_chain);
            return;
        }
        if (!have_first) {
            have_first = true;
            first_index = v.applied_index;
            first_chain = v.applied_chain;
            first_node = node;
        }
    }
}

const pod_checker pod_check_liveness = {
    .name = CHECK_NAME,
    .node_type = NULL,
    .create = liveness_create,
    .destroy = liveness_destroy,
    .after_event = liveness_after_event,
    .at_end = liveness_at_end,
};
