/* world_net.c — the simulated network: messages are byte buffers copied at
 * send, each directed link with its own settings (the `network` line, or a
 * `link` line's keys over it). A message may be lost (drop=), is delayed by
 * a latency drawn from the link's distribution (jitter reorders messages),
 * may have one bit flipped in flight (corrupt=) and may arrive twice
 * (dup=). Links are judged at delivery: partitions and blocks lose what
 * arrives, a clogged link holds it, a down receiver loses it.
 *
 * All draws come from the network stream, in send order and, per message,
 * in this order: drop; latency; corruption (then the bit); duplication;
 * for the copy, latency and corruption. A feature that is off (probability
 * 0 or 1) draws nothing, so a scenario that uses none of the new settings
 * draws exactly what it always drew. */
#include "sim/world_internal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* xxHash's inline build (the same values as the library: XXH3 is
 * specified bit for bit): every message is hashed for the trace,
 * mostly short inputs, where a call into the shared library costs as much
 * as the hashing. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "sim/net_latency.h"

static uint64_t payload_hash(const void *bytes, uint32_t len) { return XXH3_64bits(bytes, len); }

static uint64_t add_saturated(uint64_t a, uint64_t b) {
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

static bool is_node(const pod_world *world, pod_addr addr) { return addr < world->node_count; }

static bool link_blocked(const pod_world *world, pod_addr from, pod_addr to) {
    /* Clients are outside the cluster's partitions for now. */
    if (!is_node(world, from) || !is_node(world, to)) return false;
    return world->blocked[from][to];
}

/* Resolves each link's settings once, at the first message: a message
 * then costs one table lookup, whatever the number of `link` lines. */
static void net_prepare(pod_world *world) {
    if (world->net_ready) return;
    world->net_ready = true;
    const pod_scenario *scn = world->scn;
    world->net_models[0] = scn->network;
    assert(scn->link_count <= POD_SCN_LINKS_MAX);
    for (uint32_t i = 0; i < scn->link_count; i++) {
        const pod_link *l = &scn->links[i];
        assert(l->from < world->node_count && l->to < world->node_count);
        pod_scenario_link_model(scn, l->from, l->to, &world->net_models[i + 1]);
        world->link_model[l->from][l->to] = (uint16_t)(i + 1);
    }
}

/* Clients talk over the network line's settings. */
static const pod_network_model *link_settings(const pod_world *world, pod_addr from, pod_addr to) {
    assert(world->net_ready);
    if (!is_node(world, from) || !is_node(world, to)) return &world->net_models[0];
    return &world->net_models[world->link_model[from][to]];
}

/* Copies bytes into the pool; a full pool is a budget, a failed allocation
 * the simulator's own error — never a silent network drop. */
static bool store_message(pod_world *world, const void *bytes, uint32_t len, uint64_t hash,
                          uint32_t *handle) {
    if (world->msgs.in_use >= world->msgs.limit) {
        pod_world_budget_exhausted(world, "messages in flight exceed 'budget pending='; raise it or "
                                          "look for a runaway sender");
        return false;
    }
    if (!pod_msgpool_put(&world->msgs, bytes, len, hash, handle)) {
        pod_world_internal_error(world, "out of memory storing a message");
        return false;
    }
    return true;
}

/* corrupt=: flips one bit, drawn uniformly, of the copy in flight. The
 * sender's bytes and its send record are untouched; the delivery record
 * shows the changed hash. An empty message has no bit to flip (no draw). */
static void corrupt_in_flight(pod_world *world, pod_addr from, pod_addr to, uint32_t handle,
                              const pod_network_model *m) {
    const pod_msgbuf *msg = pod_msgpool_get(&world->msgs, handle);
    if (msg->len == 0 || !pod_rng_chance(&world->net_rng, m->corrupt_ppm)) return;
    uint64_t bit = pod_rng_below(&world->net_rng, (uint64_t)msg->len * 8u);
    msg->bytes[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
    uint64_t hash = payload_hash(msg->bytes, msg->len);
    pod_msgpool_set_hash(&world->msgs, handle, hash);
    char text[64];
    snprintf(text, sizeof text, "net: corrupt, bit %" PRIu64 " flipped in flight", bit);
    pod_world_trace(world, POD_TR_NOTE, from, to, bit, hash, text);
}

/* One stored copy of a message onto the wire: its latency, its
 * corruption, its arrival event. False (and the buffer released) when the
 * queue is full, which has already stopped the run. */
static bool launch(pod_world *world, pod_addr from, pod_addr to, uint32_t handle,
                   const pod_network_model *m) {
    uint64_t latency = pod_net_latency_draw(m, &world->net_rng);
    corrupt_in_flight(world, from, to, handle, m);
    /* Saturate: a latency past the end of time means "never", not a wrap. */
    uint64_t at = add_saturated(world->sched.now_ns, latency);
    pod_event e = {.time_ns = at, .kind = POD_EV_DELIVER, .node = to, .c = from, .a = handle};
    if (pod_world_schedule(world, &e, NULL)) return true;
    pod_msgpool_release(&world->msgs, handle);
    return false;
}

void pod_net_send(pod_world *world, pod_addr from, pod_addr to, const void *bytes, uint32_t len) {
    assert(len <= POD_MSG_BYTES_MAX);
    net_prepare(world);
    world->counters[POD_CTR_MSG_SENT]++;
    uint64_t hash = payload_hash(bytes, len);
    pod_world_trace(world, POD_TR_MSG_SEND, from, to, len, hash, NULL);

    const pod_network_model *m = link_settings(world, from, to);
    if (pod_rng_chance(&world->net_rng, m->drop_ppm)) {
        world->counters[POD_CTR_MSG_DROPPED]++;
        pod_world_trace(world, POD_TR_MSG_DROP, from, to, POD_DROP_LOSS, hash, NULL);
        return;
    }
    uint32_t handle;
    if (!store_message(world, bytes, len, hash, &handle)) return;
    if (!launch(world, from, to, handle, m)) return;
    if (pod_rng_chance(&world->net_rng, m->dup_ppm)) {
        uint32_t copy;
        if (!store_message(world, bytes, len, hash, &copy)) return;
        world->counters[POD_CTR_MSG_DUPLICATED]++;
        pod_world_trace(world, POD_TR_MSG_DUP, from, to, 0, hash, NULL);
        launch(world, from, to, copy, m);
    }
}

/* A clogged link keeps what arrives and hands it on at its release point,
 * in arrival order: the message is put back in the queue at release_ns,
 * marked (b) with the point it waited for. At the clog's end, a message
 * that waited for it goes on; one that just arrived waits behind the
 * others (the end is inclusive). True when the message was held. */
static bool clog_holds(pod_world *world, const pod_event *event, uint64_t hash) {
    pod_addr from = (pod_addr)event->c;
    pod_addr to = event->node;
    if (!is_node(world, from) || !is_node(world, to)) return false;
    pod_net_clog_state *c = &world->clog[from][to];
    uint64_t now = world->sched.now_ns;
    if (c->until_ns == 0 || now > c->until_ns) return false;
    /* An extended clog: the old release point has come, the next is the end. */
    if (now >= c->release_ns && c->release_ns < c->until_ns) c->release_ns = c->until_ns;
    if (event->b == now && now == c->until_ns) return false; /* released */
    assert(c->release_ns >= now);
    pod_event later = *event;
    later.time_ns = c->release_ns;
    later.b = c->release_ns;
    char when[32], text[96];
    pod_format_time(c->release_ns, when, sizeof when);
    snprintf(text, sizeof text, "net: held by the clog n%u -> n%u until %s", (unsigned)from + 1u,
             (unsigned)to + 1u, when);
    pod_world_trace(world, POD_TR_NOTE, from, to, c->release_ns, hash, text);
    if (!pod_world_schedule(world, &later, NULL)) {
        pod_msgpool_release(&world->msgs, (uint32_t)event->a);
    }
    return true;
}

/* Partitions are judged at delivery: a message in flight when the link
 * breaks is lost, as on a real network whose route went away. */
void pod_net_deliver(pod_world *world, const pod_event *event, pod_event_id id, bool held) {
    pod_addr from = (pod_addr)event->c;
    pod_addr to = event->node;
    uint32_t handle = (uint32_t)event->a;
    const pod_msgbuf *msg = pod_msgpool_get(&world->msgs, handle);
    /* Hashed at send (and again if corrupted in flight): the bytes in the
     * pool do not change otherwise, so the delivery record hashes the same
     * bytes without reading them again. */
    uint64_t hash = msg->hash;
    assert(hash == payload_hash(msg->bytes, msg->len));

    int reason = 0;
    if (!held && link_blocked(world, from, to)) {
        reason = POD_DROP_PARTITION;
    } else if (!held && clog_holds(world, event, hash)) {
        return;
    } else if (to < world->node_count && !world->nodes[to].up) {
        reason = POD_DROP_DOWN;
    }
    if (reason) {
        world->counters[POD_CTR_MSG_DROPPED]++;
        pod_world_trace(world, POD_TR_MSG_DROP, from, to, (uint64_t)reason, hash, NULL);
        pod_msgpool_release(&world->msgs, handle);
        return;
    }
    if (to >= world->node_count) {
        world->counters[POD_CTR_MSG_DELIVERED]++;
        pod_world_trace(world, POD_TR_MSG_DELIVER, to, from, msg->len, hash, NULL);
        pod_workload_on_response(world, to, msg->bytes, msg->len);
        pod_msgpool_release(&world->msgs, handle);
        return;
    }
    pod_world_node *n = &world->nodes[to];
    if (n->paused) {
        /* The message waits in the paused node's socket buffer. */
        pod_world_hold(world, to, event, id);
        return;
    }
    world->counters[POD_CTR_MSG_DELIVERED]++;
    pod_world_trace(world, POD_TR_MSG_DELIVER, to, from, msg->len, hash, NULL);
    for (uint32_t i = 0; i < world->checker_count && !world->violated; i++) {
        if (world->checkers[i]->on_deliver) {
            world->checkers[i]->on_deliver(world->checker_state[i], world, from, to, msg->bytes,
                                           msg->len);
        }
    }
    /* The receiver may send (and so grow the pool) while reading: it gets
     * the bytes, which never move; the handle is released after. */
    world->type->on_message(n->mem, from, msg->bytes, msg->len);
    pod_msgpool_release(&world->msgs, handle);
}

void pod_net_heal(pod_world *world) {
    memset(world->blocked, 0, sizeof world->blocked);
    pod_world_trace(world, POD_TR_NET_HEAL, POD_TRACE_NODE_WORLD, 0, 0, 0, NULL);
}

void pod_net_partition(pod_world *world, const uint8_t *group_of, uint8_t group_count) {
    for (uint16_t a = 0; a < world->node_count; a++) {
        for (uint16_t b = 0; b < world->node_count; b++) {
            world->blocked[a][b] = group_of[a] != group_of[b];
        }
    }
    pod_world_trace(world, POD_TR_NET_PARTITION, POD_TRACE_NODE_WORLD, 0, group_count, 0, NULL);
}

void pod_net_isolate(pod_world *world, uint16_t node) {
    for (uint16_t other = 0; other < world->node_count; other++) {
        if (other == node) continue;
        world->blocked[node][other] = true;
        world->blocked[other][node] = true;
    }
    pod_world_trace(world, POD_TR_NET_ISOLATE, node, 0, 0, 0, NULL);
}

void pod_net_block(pod_world *world, uint16_t from, uint16_t to) {
    world->blocked[from][to] = true;
    pod_world_trace(world, POD_TR_NET_BLOCK, from, to, 0, 0, NULL);
}

/* Clogs one direction until now + for_ns; a clog of a clogged link
 * extends it to the later end. */
static void clog_link(pod_world *world, uint16_t from, uint16_t to, uint64_t for_ns) {
    assert(from < world->node_count && to < world->node_count && from != to);
    pod_net_clog_state *c = &world->clog[from][to];
    uint64_t now = world->sched.now_ns;
    uint64_t until = add_saturated(now, for_ns);
    if (c->until_ns != 0 && now <= c->until_ns) {
        if (until > c->until_ns) c->until_ns = until;
    } else {
        c->until_ns = until;
        c->release_ns = until;
    }
    char when[32], text[96];
    pod_format_time(c->until_ns, when, sizeof when);
    snprintf(text, sizeof text, "net: clog n%u -> n%u until %s", (unsigned)from + 1u,
             (unsigned)to + 1u, when);
    pod_world_trace(world, POD_TR_NOTE, from, to, c->until_ns, 0, text);
}

void pod_net_clog(pod_world *world, const pod_action *act) {
    assert(act->kind == POD_ACT_CLOG);
    clog_link(world, act->node, act->peer, act->for_ns);
    if (act->both_ways) clog_link(world, act->peer, act->node, act->for_ns);
}

/* The state follows from the time alone: toggle k (at START + k * every)
 * partitions when k is even and heals when k is odd; at END it heals. The
 * next toggle is an action event of the same index, scheduled from here,
 * so it runs after the `at` lines of the same time (scheduled at the
 * start). No draws. */
void pod_net_flap(pod_world *world, const pod_action *act) {
    assert(act->kind == POD_ACT_FLAP && act->every_ns > 0 && act->until_ns > act->at_ns);
    uint64_t now = world->sched.now_ns;
    assert(now >= act->at_ns);
    if (now >= act->until_ns) {
        pod_net_heal(world);
        return;
    }
    uint64_t since = now - act->at_ns;
    if ((since / act->every_ns) % 2 == 0) {
        pod_net_partition(world, act->group_of, act->group_count);
    } else {
        pod_net_heal(world);
    }
    uint64_t step = act->every_ns - since % act->every_ns; /* to the next toggle, > 0 */
    uint64_t next = step < act->until_ns - now ? now + step : act->until_ns;
    ptrdiff_t index = act - world->scn->actions;
    assert(index >= 0 && (uint32_t)index < world->scn->action_count);
    pod_event e = {.time_ns = next, .kind = POD_EV_ACTION, .a = (uint64_t)index};
    pod_world_schedule(world, &e, NULL);
}
