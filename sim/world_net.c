/* world_net.c — the simulated network: messages are byte buffers copied at
 * send, delayed by a latency drawn per message (jitter reorders them), and
 * lost to drops, partitions and down receivers. All draws come from the
 * network stream, in send order. */
#include "sim/world_internal.h"

#include <assert.h>
#include <string.h>

#include <xxhash.h>

static uint64_t payload_hash(const void *bytes, uint32_t len) { return XXH3_64bits(bytes, len); }

static bool link_blocked(const pod_world *world, pod_addr from, pod_addr to) {
    /* Clients are outside the cluster's partitions for now. */
    if (from >= world->node_count || to >= world->node_count) return false;
    return world->blocked[from][to];
}

/* Schedules the arrival of a message; false (and the buffer released) when
 * the queue is full, which has already stopped the run. */
static bool schedule_delivery(pod_world *world, pod_addr from, pod_addr to, uint32_t handle) {
    const pod_network_model *m = &world->scn->network;
    uint64_t latency = pod_rng_range(&world->net_rng, m->latency_min_ns, m->latency_max_ns);
    uint64_t now = world->sched.now_ns;
    /* Saturate: a latency past the end of time means "never", not a wrap. */
    uint64_t at = latency > UINT64_MAX - now ? UINT64_MAX : now + latency;
    pod_event e = {.time_ns = at, .kind = POD_EV_DELIVER, .node = to, .c = from, .a = handle};
    if (pod_world_schedule(world, &e, NULL)) return true;
    pod_msgpool_release(&world->msgs, handle);
    return false;
}

/* Copies bytes into the pool; a full pool is a budget, a failed allocation
 * the simulator's own error — never a silent network drop. */
static bool store_message(pod_world *world, const void *bytes, uint32_t len, uint32_t *handle) {
    if (world->msgs.in_use >= world->msgs.limit) {
        pod_world_budget_exhausted(world, "messages in flight exceed 'budget pending='; raise it or "
                                          "look for a runaway sender");
        return false;
    }
    if (!pod_msgpool_put(&world->msgs, bytes, len, handle)) {
        pod_world_internal_error(world, "out of memory storing a message");
        return false;
    }
    return true;
}

void pod_net_send(pod_world *world, pod_addr from, pod_addr to, const void *bytes, uint32_t len) {
    assert(len <= POD_MSG_BYTES_MAX);
    world->counters[POD_CTR_MSG_SENT]++;
    uint64_t hash = payload_hash(bytes, len);
    pod_world_trace(world, POD_TR_MSG_SEND, from, to, len, hash, NULL);

    const pod_network_model *m = &world->scn->network;
    if (pod_rng_chance(&world->net_rng, m->drop_ppm)) {
        world->counters[POD_CTR_MSG_DROPPED]++;
        pod_world_trace(world, POD_TR_MSG_DROP, from, to, POD_DROP_LOSS, hash, NULL);
        return;
    }
    uint32_t handle;
    if (!store_message(world, bytes, len, &handle)) return;
    if (!schedule_delivery(world, from, to, handle)) return;
    if (pod_rng_chance(&world->net_rng, m->dup_ppm)) {
        uint32_t copy;
        if (!store_message(world, bytes, len, &copy)) return;
        world->counters[POD_CTR_MSG_DUPLICATED]++;
        pod_world_trace(world, POD_TR_MSG_DUP, from, to, 0, hash, NULL);
        schedule_delivery(world, from, to, copy);
    }
}

/* Partitions are judged at delivery: a message in flight when the link
 * breaks is lost, as on a real network whose route went away. */
void pod_net_deliver(pod_world *world, const pod_event *event, pod_event_id id, bool held) {
    pod_addr from = (pod_addr)event->c;
    pod_addr to = event->node;
    uint32_t handle = (uint32_t)event->a;
    const pod_msgbuf *msg = pod_msgpool_get(&world->msgs, handle);
    uint64_t hash = payload_hash(msg->bytes, msg->len);

    int reason = 0;
    if (!held && link_blocked(world, from, to)) {
        reason = POD_DROP_PARTITION;
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
