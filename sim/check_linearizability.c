/* check_linearizability.c — the `linearizability` invariant of a key-value
 * cluster: at the end of the run, the clients' whole history (every
 * invocation, answer and timeout the simulator saw) must be linearizable
 * against a sequential key-value store (sim/linearizability.h).
 *
 * It judges the system only by what clients saw, so it holds any design —
 * one node or a replicated log — to the same promise. A violation names
 * the keys and the few operations that cannot be ordered.
 *
 * Cost bound: the search is NP-complete in general, and histories with
 * many timed-out operations on keys joined by transactions can make it
 * explode. Online it runs with limits (ONLINE_* below) that keep a run's
 * check to a fraction of a second on these machines; when a limit is hit
 * the run is reported "undecided" (pod_check_undecided) — not failed, not
 * passed as checked. `podsim check-history` on a history written with
 * `podsim run --history FILE` decides it with the larger offline limits.
 *
 * Excused: a run whose disks got bit flips. A flip can turn a durable
 * record into what looks like a torn tail, which the node rightly drops —
 * an acknowledged write lost by the fault model's own admission
 * (docs/fault-model.md), not by the node. */
#include "sim/check.h"

#include <stdlib.h>

#include "sim/linearizability.h"

#define CHECK_NAME "linearizability"

/* At most about 0.4 s of search on these machines; the scenarios of the
 * suite need 1,000-50,000 steps (docs/invariants.md). */
#define ONLINE_STEPS_MAX 1000000u
#define ONLINE_MEMO_BYTES_MAX (64u << 20)
#define ONLINE_EXPLAIN_STEPS_MAX 2000000u
#define ONLINE_EXPLAIN_TRIALS_MAX 512u

static void *lin_create(const pod_scenario *scn) {
    (void)scn;
    return malloc(sizeof(pod_lin_result));
}

static void lin_destroy(void *state) { free(state); }

static bool bitflips_injected(const pod_world *world) {
    for (uint16_t n = 0; n < pod_check_node_count(world); n++) {
        pod_disk_stats st;
        pod_disk_stats_get(pod_check_node_disk(world, n), &st);
        if (st.bitflips > 0) return true;
    }
    return false;
}

static void lin_at_end(void *state, pod_world *world) {
    pod_lin_result *r = state;
    if (!r) { /* create ran out of memory */
        pod_check_undecided(world, CHECK_NAME, "out of memory");
        return;
    }
    if (bitflips_injected(world)) return;
    pod_lin_limits limits;
    pod_lin_limits_default(&limits);
    limits.steps_max = ONLINE_STEPS_MAX;
    limits.memo_bytes_max = ONLINE_MEMO_BYTES_MAX;
    limits.explain_steps_max = ONLINE_EXPLAIN_STEPS_MAX;
    limits.explain_trials_max = ONLINE_EXPLAIN_TRIALS_MAX;
    switch (pod_lin_check_with(pod_check_history(world), &limits, r)) {
    case POD_LIN_LINEARIZABLE:
        return;
    case POD_LIN_NOT_LINEARIZABLE:
        pod_check_fail(world, CHECK_NAME, "%s", r->summary);
        return;
    case POD_LIN_UNKNOWN:
        pod_check_undecided(world, CHECK_NAME, "%s", r->summary);
        return;
    }
}

/* One entry per key-value node type: a checker runs for one type. */
const pod_checker pod_check_linearizability_kv = {
    .name = CHECK_NAME,
    .node_type = "kv",
    .create = lin_create,
    .destroy = lin_destroy,
    .at_end = lin_at_end,
};

const pod_checker pod_check_linearizability_rkv = {
    .name = CHECK_NAME,
    .node_type = "rkv",
    .create = lin_create,
    .destroy = lin_destroy,
    .at_end = lin_at_end,
};
