/* test_liveness.c — the `liveness within=D` line and its checker
 * (sim/check_liveness.c): each of its conditions is seen to pass on a
 * healthy run and to fire on a run that cannot recover. (The breakage of a
 * node that never stands for election again is tests/teeth_rkv.c, built
 * with PODSIM_TEST_BREAK_NO_REELECTION.) */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "nodes/registry.h"
#include "tests/support.h"

static pod_verdict run_text(const char *text, uint64_t seed, pod_run_result *r) {
    pod_scenario *scn = test_scenario(text);
    const pod_node_type *type = pod_node_type_find(scn->node_type);
    cr_assert_not_null(type);
    pod_verdict v = test_run(scn, type, seed, r);
    free(scn);
    return v;
}

#define RKV3 "cluster nodes=3 type=rkv\nnode election_ms=150 heartbeat_ms=40\nrun 5s\n" \
             "workload clients=3 timeout=300ms\n"
#define KV1 "cluster nodes=1 type=kv\nrun 4s\nworkload clients=2 timeout=300ms\n"

Test(liveness, a_cluster_that_recovers_passes) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
        pod_run_result r;
        pod_verdict v = run_text(RKV3 "at 1s crash leader\nat 1.3s restart last_leader\nliveness within=1.5s\n",
                                 seed, &r);
        cr_assert_eq(v, POD_VERDICT_PASS, "seed %lu: %s: %s", (unsigned long)seed, r.check, r.message);
    }
    pod_run_result r;
    cr_assert_eq(run_text(KV1 "at 1s crash n1\nat 1.1s restart n1\nliveness within=1s\n", 1, &r), POD_VERDICT_PASS,
                 "%s: %s", r.check, r.message);
}

Test(liveness, no_majority_left_up_fires) {
    pod_run_result r;
    pod_verdict v = run_text(RKV3 "at 1s crash n1\nat 1s crash n2\nliveness within=1s\n", 1, &r);
    cr_assert_eq(v, POD_VERDICT_VIOLATION);
    cr_assert_str_eq(r.check, "liveness");
    cr_assert(strstr(r.message, "only 1 of 3 nodes are up, running and connected") != NULL, "%s", r.message);
    /* A partition left in place is no better than crashed nodes. */
    v = run_text(RKV3 "at 1s partition n1 | n2 | n3\nliveness within=1s\n", 1, &r);
    cr_assert_eq(v, POD_VERDICT_VIOLATION);
    cr_assert(strstr(r.message, "only 1 of 3 nodes") != NULL, "%s", r.message);
}

/* A single node whose every disk operation stalls for 2 s cannot answer
 * within a 1 s bound: the requests condition fires (no roles, so no leader
 * is asked of it). */
Test(liveness, clients_left_waiting_fire) {
    pod_run_result r;
    pod_verdict v = run_text(KV1 "disk stall=100% stall_time=2s\nat 1s crash n1\nat 1.1s restart n1\n"
                                 "liveness within=1s\n",
                             1, &r);
    cr_assert_eq(v, POD_VERDICT_VIOLATION);
    cr_assert_str_eq(r.check, "liveness");
    cr_assert(strstr(r.message, "expected every client answered within 1000 ms") != NULL, "%s", r.message);
}

/* Without the line the checker judges nothing, whatever the run does. */
Test(liveness, no_line_no_check) {
    pod_run_result r;
    cr_assert_eq(run_text(RKV3 "at 1s crash n1\nat 1s crash n2\n", 1, &r), POD_VERDICT_PASS, "%s: %s", r.check,
                 r.message);
}
