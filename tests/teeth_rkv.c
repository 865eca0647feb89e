/* teeth_rkv.c — built twice (tests/CMakeLists.txt), each time with its own
 * copy of nodes/rkv_node.c broken by a build switch:
 *   PODSIM_TEST_BREAK_ACK_BEFORE_PERSIST  a follower acknowledges entries
 *                                         before they are durable: caught by
 *                                         fuzz seeds of scenarios/rkv-fuzz.scn
 *                                         with their swarm mixes;
 *   PODSIM_TEST_BREAK_OLD_TERM_COMMIT     the leader commits an older term's
 *                                         entry by counting replicas (the
 *                                         Raft paper's Figure 8): random mixes
 *                                         miss it, so it is driven by the
 *                                         leader nemesis of
 *                                         scenarios/rkv-figure8.scn, seeds as
 *                                         written;
 *   PODSIM_TEST_BREAK_NO_REELECTION       a node that has known a term never
 *                                         stands for election again: safe,
 *                                         but once the first leader is gone
 *                                         the cluster never serves again —
 *                                         for the liveness checker, on
 *                                         scenarios/rkv-leader-crash-5.scn;
 *   PODSIM_TEST_BREAK_FOLLOWER_READ_STALE a replica answers a Follower Read
 *                                         without having applied the
 *                                         client's session index: for the
 *                                         follower-reads checker, on
 *                                         scenarios/rkv-follower-reads.scn;
 *   PODSIM_TEST_BREAK_REPAIR_VOTES_EARLY  (a copy of nodes/rkv_repair.c) a
 *                                         node repairing its damaged log
 *                                         votes and stands as if its log
 *                                         were whole: for the repair
 *                                         checker, on
 *                                         scenarios/rkv-corrupt-repair.scn;
 *   PODSIM_TEST_BREAK_REPAIR_CLEARS_EARLY (a copy of nodes/rkv_repair.c) a
 *                                         repairing node drops its
 *                                         obligation before its log is
 *                                         refilled: for the repair checker's
 *                                         second rule, same scenario.
 *   PODSIM_TEST_BREAK_GEN_CLOCK_ONE_COPY  (a copy of nodes/gen_clock.c) each
 *                                         save goes to one slot only and is
 *                                         durable with that copy, as before
 *                                         the second copy: a flip in the
 *                                         newer slot sends a node back a
 *                                         term or a vote; for the
 *                                         replication checker, on
 *                                         tests/data/scenarios/rkv-clock-bitflip.scn.
 * The named checker must catch each within a few hundred seeds, on which
 * the real node passes (tests/test_rkv.c and tests/test_rkv_scenarios.c
 * sweep the same seeds). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz.h"
#include "tests/support.h"

#if defined(PODSIM_TEST_BREAK_ACK_BEFORE_PERSIST)
#define BREAKAGE "a follower acknowledging before persisting"
#define TEETH_SCENARIO "rkv-fuzz.scn"
#define TEETH_SWARM true
#define TEETH_CHECK "replication"
#elif defined(PODSIM_TEST_BREAK_OLD_TERM_COMMIT)
#define BREAKAGE "a leader committing an older term's entry by counting replicas"
#define TEETH_SCENARIO "rkv-figure8.scn"
#define TEETH_SWARM false
#define TEETH_CHECK "replication"
#elif defined(PODSIM_TEST_BREAK_FOLLOWER_READ_STALE)
#define BREAKAGE "a replica answering a Follower Read older than the client's session"
#define TEETH_SCENARIO "rkv-follower-reads.scn"
#define TEETH_SWARM false
#define TEETH_CHECK "follower-reads"
#elif defined(PODSIM_TEST_BREAK_NO_REELECTION)
#define BREAKAGE "a cluster whose nodes never stand for election a second time"
#define TEETH_SCENARIO "rkv-leader-crash-5.scn"
#define TEETH_SWARM false
#define TEETH_CHECK "liveness"
#elif defined(PODSIM_TEST_BREAK_REPAIR_VOTES_EARLY)
#define BREAKAGE "a repairing node voting before its log is refilled"
#define TEETH_SCENARIO "rkv-corrupt-repair.scn"
#define TEETH_SWARM false
#define TEETH_CHECK "repair"
#elif defined(PODSIM_TEST_BREAK_REPAIR_CLEARS_EARLY)
#define BREAKAGE "a repairing node dropping its obligation before its log is refilled"
#define TEETH_SCENARIO "rkv-corrupt-repair.scn"
#define TEETH_SWARM false
#define TEETH_CHECK "repair"
#elif defined(PODSIM_TEST_BREAK_GEN_CLOCK_ONE_COPY)
#define BREAKAGE "a Generation Clock that keeps one copy of each save"
#define TEETH_SCENARIO "../tests/data/scenarios/rkv-clock-bitflip.scn"
#define TEETH_SWARM false
#define TEETH_CHECK "replication"
#else
#error "teeth_rkv.c needs a breakage switch"
#endif

Test(rkv_teeth, the_breakage_is_caught_within_a_few_hundred_seeds) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file(TEETH_SCENARIO, &type);
    pod_run_result r;
    char mix[96];
    uint64_t found = 0;
    for (uint64_t seed = 1; seed <= 400 && !found; seed++) {
        pod_verdict v = pod_fuzz_run_seed(scn, type, seed, TEETH_SWARM, &r, mix, sizeof mix);
        if (v == POD_VERDICT_VIOLATION) found = seed;
    }
    cr_assert_neq(found, 0u, "%s escaped 400 seeds of %s", BREAKAGE, TEETH_SCENARIO);
    /* The named checker, not some other failure, must be what bites. */
    cr_assert_str_eq(r.check, TEETH_CHECK, "%s was caught by %s, not the %s checker: %s", BREAKAGE, r.check,
                     TEETH_CHECK, r.message);
    fprintf(stderr, "%s: caught at seed %lu of %s [%s] by %s: %s\n", BREAKAGE, (unsigned long)found,
            TEETH_SCENARIO, mix, r.check, r.message);
    free(scn);
}

#if defined(PODSIM_TEST_BREAK_REPAIR_VOTES_EARLY) || defined(PODSIM_TEST_BREAK_REPAIR_CLEARS_EARLY)
/* How often it bites: the seeds the real node passes in
 * tests/test_rkv_scenarios.c (1..100), each judged by the repair checker. */
Test(rkv_teeth, the_repair_breakage_is_caught_on_most_seeds) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file(TEETH_SCENARIO, &type);
    uint32_t caught = 0, other = 0;
    char first_other[700] = "";
    for (uint64_t seed = 1; seed <= 100; seed++) {
        pod_run_result r;
        char mix[96];
        pod_verdict v = pod_fuzz_run_seed(scn, type, seed, false, &r, mix, sizeof mix);
        if (v != POD_VERDICT_VIOLATION) continue;
        if (strcmp(r.check, TEETH_CHECK) == 0) {
            caught++;
        } else if (other++ == 0) {
            snprintf(first_other, sizeof first_other, "seed %lu: %s: %s", (unsigned long)seed, r.check, r.message);
        }
    }
    fprintf(stderr, "%s: caught by the %s checker on %u of 100 seeds of %s (%u by another check%s%s)\n", BREAKAGE,
            TEETH_CHECK, caught, TEETH_SCENARIO, other, other ? ", first: " : "", first_other);
    cr_assert_geq(caught, 40u, "%s was caught on only %u of 100 seeds", BREAKAGE, caught);
    free(scn);
}
#endif

#if defined(PODSIM_TEST_BREAK_GEN_CLOCK_ONE_COPY)
/* How often it bites, against the real node on the same seeds
 * (tests/test_rkv.c, gen_clock_scenario: at most 8 of 100 fail there, all
 * by a flip in a last WAL batch, none by election safety). */
Test(rkv_teeth, the_one_copy_clock_is_caught_on_most_seeds) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file(TEETH_SCENARIO, &type);
    uint32_t caught = 0, elections = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        pod_run_result r;
        char mix[96];
        pod_verdict v = pod_fuzz_run_seed(scn, type, seed, false, &r, mix, sizeof mix);
        if (v != POD_VERDICT_VIOLATION || strcmp(r.check, TEETH_CHECK) != 0) continue;
        caught++;
        if (strncmp(r.message, "election safety", 15) == 0) elections++;
    }
    fprintf(stderr, "%s: caught by the %s checker on %u of 100 seeds of %s (%u of them as two leaders in a term)\n",
            BREAKAGE, TEETH_CHECK, caught, TEETH_SCENARIO, elections);
    cr_assert_geq(caught, 50u, "%s was caught on only %u of 100 seeds", BREAKAGE, caught);
    cr_assert_gt(elections, 0u, "never two leaders in a term: the forgotten votes were never granted twice");
    free(scn);
}
#endif
