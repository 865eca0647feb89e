/* swarm.c — a seed's random fault mix, drawn from the swarm stream only. */
#include "sim/swarm.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/rng.h"

#define SWARM_NEW_ACTIONS_MAX 512u

typedef struct swarm_builder {
    pod_rng rng;
    const pod_scenario *base;
    pod_action added[SWARM_NEW_ACTIONS_MAX];
    uint32_t count;
} swarm_builder;

static uint64_t draw(swarm_builder *b, uint64_t lo, uint64_t hi) { return pod_rng_range(&b->rng, lo, hi); }

static bool coin(swarm_builder *b) { return pod_rng_below(&b->rng, 2) == 0; }

static void add(swarm_builder *b, pod_action a) {
    if (b->count < SWARM_NEW_ACTIONS_MAX && a.at_ns <= b->base->run_ns) b->added[b->count++] = a;
}

static uint16_t any_node(swarm_builder *b) {
    return (uint16_t)pod_rng_below(&b->rng, b->base->node_count);
}

#define MS 1000000ull

/* A moment in the run, in whole milliseconds (a replayed or shrunk scenario
 * reads better so), leaving the last tenth quiet so that the system can
 * settle before the end-of-run checks. */
static uint64_t any_time(swarm_builder *b) {
    uint64_t busy_ms = (b->base->run_ns - b->base->run_ns / 10) / MS;
    return draw(b, 0, busy_ms ? busy_ms - 1 : 0) * MS;
}

/* A fault's duration: lo_ms..hi_ms, whole milliseconds. */
static uint64_t any_span(swarm_builder *b, uint64_t lo_ms, uint64_t hi_ms) { return draw(b, lo_ms, hi_ms) * MS; }

static void add_crashes(swarm_builder *b, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        uint16_t node = any_node(b);
        uint64_t at = any_time(b);
        add(b, (pod_action){.at_ns = at, .kind = POD_ACT_CRASH, .node = node});
        add(b, (pod_action){.at_ns = at + any_span(b, 1, 1000), .kind = POD_ACT_RESTART, .node = node});
    }
}

static void add_pauses(swarm_builder *b, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        uint16_t node = any_node(b);
        uint64_t at = any_time(b);
        add(b, (pod_action){.at_ns = at, .kind = POD_ACT_PAUSE, .node = node});
        add(b, (pod_action){.at_ns = at + any_span(b, 1, 2000), .kind = POD_ACT_RESUME, .node = node});
    }
}

static void add_partitions(swarm_builder *b, uint32_t n) {
    uint16_t nodes = b->base->node_count;
    if (nodes < 2) return;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = any_time(b);
        pod_action a = {.at_ns = at};
        uint64_t shape = pod_rng_below(&b->rng, 3);
        if (shape == 0) {
            a.kind = POD_ACT_ISOLATE;
            a.node = any_node(b);
        } else if (shape == 1) {
            a.kind = POD_ACT_BLOCK;
            a.node = any_node(b);
            a.peer = (uint16_t)((a.node + 1 + pod_rng_below(&b->rng, nodes - 1)) % nodes);
        } else {
            /* Two groups, both non-empty: a random split, then one node
             * pinned to each side. */
            a.kind = POD_ACT_PARTITION;
            a.group_count = 2;
            for (uint16_t k = 0; k < nodes; k++) a.group_of[k] = (uint8_t)pod_rng_below(&b->rng, 2);
            uint16_t left = any_node(b);
            uint16_t right = (uint16_t)((left + 1 + pod_rng_below(&b->rng, nodes - 1)) % nodes);
            a.group_of[left] = 0;
            a.group_of[right] = 1;
        }
        add(b, a);
        add(b, (pod_action){.at_ns = at + any_span(b, 1, 2000), .kind = POD_ACT_HEAL});
    }
}

/* The nemesis aimed at Leader and Followers: faults on whichever node leads
 * when they strike (resolved by the world from the nodes' views; no leader
 * makes them no-ops). Each is undone for every node, not just the target —
 * another `leader` action may have moved last_leader meanwhile, and a
 * restart or resume of a running node does nothing. */
static void add_leader_faults(swarm_builder *b, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = any_time(b);
        uint64_t end = at + any_span(b, 1, 2000);
        uint64_t shape = pod_rng_below(&b->rng, 5);
        pod_action a = {.at_ns = at, .node = POD_NODE_LEADER};
        pod_action_kind undo = POD_ACT_HEAL;
        switch (shape) {
        case 0: a.kind = POD_ACT_CRASH; undo = POD_ACT_RESTART; break;
        case 1: a.kind = POD_ACT_PAUSE; undo = POD_ACT_RESUME; break;
        case 2: a.kind = POD_ACT_ISOLATE; break;
        case 3: a.kind = POD_ACT_PARTITION; a.group_count = 2; break;
        default: a.kind = POD_ACT_BLOCK; a.peer = POD_NODE_REST; break;
        }
        add(b, a);
        if (undo == POD_ACT_HEAL) {
            add(b, (pod_action){.at_ns = end, .kind = POD_ACT_HEAL});
            continue;
        }
        for (uint16_t node = 0; node < b->base->node_count; node++) {
            add(b, (pod_action){.at_ns = end, .kind = undo, .node = node});
        }
    }
}

/* Disk faults can fail-stop a node; restarts every ~second bring it back
 * (restarting a running node does nothing). */
static void add_restarts(swarm_builder *b) {
    uint64_t step = 1000000000;
    for (uint64_t at = step; at < b->base->run_ns; at += step) {
        for (uint16_t node = 0; node < b->base->node_count; node++) {
            add(b, (pod_action){.at_ns = at, .kind = POD_ACT_RESTART, .node = node});
        }
    }
}

/* Sorts the added actions by time; equal times keep their order. Insertion
 * sort: at most SWARM_NEW_ACTIONS_MAX actions. */
static void sort_added(swarm_builder *b) {
    for (uint32_t i = 1; i < b->count; i++) {
        pod_action a = b->added[i];
        uint32_t j = i;
        while (j > 0 && b->added[j - 1].at_ns > a.at_ns) {
            b->added[j] = b->added[j - 1];
            j--;
        }
        b->added[j] = a;
    }
}

static bool merge(const pod_scenario *base, const swarm_builder *b, pod_scenario *out) {
    if (base->action_count + b->count > POD_SCN_ACTIONS_MAX) return false;
    uint32_t i = 0, j = 0, n = 0;
    while (i < base->action_count || j < b->count) {
        bool take_base = j == b->count ||
                         (i < base->action_count && base->actions[i].at_ns <= b->added[j].at_ns);
        out->actions[n++] = take_base ? base->actions[i++] : b->added[j++];
    }
    out->action_count = n;
    return true;
}

static uint32_t raise_ppm(uint32_t current, uint32_t drawn) { return current > drawn ? current : drawn; }

bool pod_swarm_apply(const pod_scenario *base, uint64_t seed, pod_scenario *out,
                     pod_swarm_mix *mix_out) {
    swarm_builder *bp = calloc(1, sizeof *bp); /* ~80 KB: not on the stack */
    if (!bp) return false;
    swarm_builder *b = bp;
    b->base = base;
    pod_rng_seed_stream(&b->rng, seed, POD_STREAM_SWARM);
    pod_swarm_mix mix = {0};
    /* Every class is drawn, on or off, so the stream's use does not depend
     * on the scenario's other settings. */
    mix.crashes = coin(b);
    mix.pauses = coin(b);
    mix.partitions = coin(b);
    mix.network = coin(b);
    mix.disk = coin(b);
    uint32_t intensity = (uint32_t)draw(b, 1, 12);

    memcpy(out, base, sizeof *out);
    if (mix.crashes) add_crashes(b, intensity);
    if (mix.pauses) add_pauses(b, (intensity + 1) / 2);
    if (mix.partitions) add_partitions(b, intensity);
    if (mix.network) {
        out->network.drop_ppm = raise_ppm(out->network.drop_ppm, (uint32_t)draw(b, 0, 100000));
        out->network.dup_ppm = raise_ppm(out->network.dup_ppm, (uint32_t)draw(b, 0, 50000));
        /* Every node type checksums its messages (echo, kv, rkv): a
         * damaged one must be dropped like a lost one. */
        out->network.corrupt_ppm = raise_ppm(out->network.corrupt_ppm, (uint32_t)draw(b, 0, 20000));
    }
    if (mix.disk) {
        pod_disk_model *d = &out->disk;
        if (coin(b)) d->fsync_eio_ppm = raise_ppm(d->fsync_eio_ppm, (uint32_t)draw(b, 100, 20000));
        if (coin(b)) d->bitflip_ppm = raise_ppm(d->bitflip_ppm, (uint32_t)draw(b, 1000, 200000));
        if (coin(b)) d->write_enospc_ppm = raise_ppm(d->write_enospc_ppm, (uint32_t)draw(b, 100, 10000));
        if (coin(b)) d->stall_ppm = raise_ppm(d->stall_ppm, (uint32_t)draw(b, 100, 20000));
        if (coin(b)) d->sector_bytes = 512;
        add_restarts(b);
    }
    /* Drawn last, and only for clusters, so that the mixes of every other
     * class stay what they were for each seed. */
    if (base->node_count >= 2) {
        mix.leader = coin(b);
        if (mix.leader) add_leader_faults(b, (intensity + 1) / 2);
    }
    sort_added(b);
    mix.actions_added = b->count;
    bool fits = merge(base, b, out);
    free(bp);
    if (!fits) return false;
    if (mix_out) *mix_out = mix;
    return true;
}

void pod_swarm_describe(const pod_swarm_mix *mix, char *out, size_t out_len) {
    snprintf(out, out_len, "%s%s%s%s%s%s%s, %u actions", mix->crashes ? "crashes+" : "",
             mix->pauses ? "pauses+" : "", mix->partitions ? "partitions+" : "",
             mix->network ? "network+" : "", mix->disk ? "disk+" : "", mix->leader ? "leader+" : "",
             (mix->crashes || mix->pauses || mix->partitions || mix->network || mix->disk || mix->leader)
                 ? ""
                 : "none",
             mix->actions_added);
    /* "crashes+disk+, 12 actions" reads badly: drop a '+' before the comma. */
    char *plus = strstr(out, "+,");
    if (plus) memmove(plus, plus + 1, strlen(plus + 1) + 1);
}
