/* test_rkv_scenarios.c — every replicated key-value scenario
 * (scenarios/rkv-*.scn: Leader and Followers under the leader nemesis,
 * one-way partitions, flapping, slow disks, duplication, pauses, a crash of
 * every node, mid-log corruption repaired from peers), over many seeds:
 * each run must pass (the replication and liveness checkers and every
 * `expect` line), and a run must be a pure function of its seed.
 *
 * A failing seed is printed with the command that replays it, e.g.
 *   podsim run scenarios/rkv-one-way.scn --seed 17 --trace
 * and the test goes on through the remaining seeds, so one run of the test
 * lists every failing seed, not just the first.
 *
 * Seeds per scenario are chosen so the whole file takes a few seconds in a
 * Release build; a sanitizer build (several times slower) runs fewer.
 * PODSIM_RKV_SCENARIO_SEEDS=N in the environment sweeps N seeds of each
 * instead, for a deeper search by hand. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"
#include "tests/scenario_sweep.h"
#include "tests/support.h"

/* Every scenarios/rkv-*.scn file (the rkv-lwm-* ones are swept by
 * tests/test_lwm_scenarios.c), listed explicitly: a new one must be added
 * here on purpose (see rkv_scenarios::every_rkv_file_is_listed). Seeds in a
 * Release run cost 5..40 ms each. */
static const sweep_case rkv_cases[] = {
    {"rkv-leader-crash.scn", 50},
    {"rkv-leader-crash-5.scn", 40},
    {"rkv-isolated-leader.scn", 40},
    {"rkv-one-way.scn", 80},
    {"rkv-flapping.scn", 40},
    {"rkv-slow-disk.scn", 100},
    {"rkv-dup-reorder.scn", 60},
    {"rkv-paused-leader.scn", 80},
    {"rkv-crash-all.scn", 40},
    {"rkv-figure8.scn", 50},
    {"rkv-follower-reads.scn", 60},
    {"rkv-fuzz.scn", 40},
    {"rkv-corrupt-repair.scn", 100},
};

static const sweep_table rkv_table = {
    .prefix = "rkv-",
    .skip_prefix = "rkv-lwm-",
    .seeds_env = "PODSIM_RKV_SCENARIO_SEEDS",
    .sanitized_div = 10,
    .cases = rkv_cases,
    .count = sizeof rkv_cases / sizeof rkv_cases[0],
};

Test(rkv_scenarios, leader_crash_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-leader-crash.scn"); }
Test(rkv_scenarios, leader_crash_5_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-leader-crash-5.scn"); }
Test(rkv_scenarios, isolated_leader_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-isolated-leader.scn"); }
Test(rkv_scenarios, one_way_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-one-way.scn"); }
Test(rkv_scenarios, flapping_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-flapping.scn"); }
Test(rkv_scenarios, slow_disk_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-slow-disk.scn"); }
Test(rkv_scenarios, dup_reorder_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-dup-reorder.scn"); }
Test(rkv_scenarios, paused_leader_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-paused-leader.scn"); }
Test(rkv_scenarios, crash_all_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-crash-all.scn"); }
/* The seeds on which teeth_rkv_old_term_commit catches the Figure 8
 * breakage (about half of them) must all pass with the real rule. */
Test(rkv_scenarios, figure8_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-figure8.scn"); }
Test(rkv_scenarios, follower_reads_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-follower-reads.scn"); }
Test(rkv_scenarios, fuzz_as_written_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-fuzz.scn"); }
/* Replicated Log repair (docs/repair.md): mid-log bit flips on one node,
 * as leader and as follower, repaired from the peers. */
Test(rkv_scenarios, corrupt_repair_every_seed_passes) { sweep_all_seeds(&rkv_table, "rkv-corrupt-repair.scn"); }

/* Every scenario here states a liveness bound, except the fuzz base (its
 * swarm faults run to the end) and Figure 8 (its story ends with a node cut
 * off). */
Test(rkv_scenarios, every_scenario_but_the_fuzz_base_states_a_liveness_bound) {
    for (size_t i = 0; i < rkv_table.count; i++) {
        const char *file = rkv_cases[i].file;
        if (strcmp(file, "rkv-fuzz.scn") == 0 || strcmp(file, "rkv-figure8.scn") == 0) continue;
        pod_scenario *scn = test_scenario_file(file, NULL);
        cr_expect_gt(scn->liveness.within_ns, 0u, "%s has no liveness line", file);
        free(scn);
    }
}

/* The same seed twice gives the same run, bit for bit — also with the
 * trace printed, which must not change what happens — and another seed
 * another run. Checked whatever the verdict: a failing run must replay too. */
Test(rkv_scenarios, a_run_is_a_function_of_its_seed) { sweep_runs_are_functions_of_their_seeds(&rkv_table); }

/* An rkv-*.scn file nobody listed above would never be swept. */
Test(rkv_scenarios, every_rkv_file_is_listed) { sweep_every_file_is_listed(&rkv_table); }
