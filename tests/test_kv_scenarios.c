/* test_kv_scenarios.c — every single-node key-value scenario, over many
 * seeds: each run must pass (every invariant and every `expect` line held),
 * and a run must be a pure function of its seed.
 *
 * A failing seed is printed with the command that replays it, e.g.
 *   podsim run scenarios/kv-roll-crash.scn --seed 17 --trace
 * and the test goes on through the remaining seeds, so one run of the test
 * lists every failing seed, not just the first.
 *
 * Seeds per scenario are chosen so the whole file takes a few seconds in a
 * Release build; a sanitizer build (several times slower) runs a fifth.
 * PODSIM_KV_SCENARIO_SEEDS=N in the environment sweeps N seeds of each
 * instead, for a deeper search by hand. */
#include <criterion/criterion.h>

#include <stdlib.h>

#include "sim/scenario.h"
#include "tests/scenario_sweep.h"
#include "tests/support.h"

/* Every scenarios/kv-*.scn file, listed explicitly: a new one must be added
 * here on purpose (see kv_scenarios::every_kv_file_is_listed). */
static const sweep_case kv_cases[] = {
    {"kv-crash-loop.scn", 100},
    {"kv-roll-crash.scn", 120},
    {"kv-fsync-failure.scn", 100},
    {"kv-bitflip.scn", 120},
    {"kv-disk-full.scn", 100},
    {"kv-slow-disk.scn", 200},
    {"kv-lwm-crash.scn", 100},
};

static const sweep_table kv_table = {
    .prefix = "kv-",
    .seeds_env = "PODSIM_KV_SCENARIO_SEEDS",
    .sanitized_div = 5,
    .cases = kv_cases,
    .count = sizeof kv_cases / sizeof kv_cases[0],
};

Test(kv_scenarios, crash_loop_every_seed_passes) { sweep_all_seeds(&kv_table, "kv-crash-loop.scn"); }
Test(kv_scenarios, roll_crash_every_seed_passes) { sweep_all_seeds(&kv_table, "kv-roll-crash.scn"); }
Test(kv_scenarios, fsync_failure_every_seed_passes) { sweep_all_seeds(&kv_table, "kv-fsync-failure.scn"); }
Test(kv_scenarios, bitflip_every_seed_passes) { sweep_all_seeds(&kv_table, "kv-bitflip.scn"); }
Test(kv_scenarios, disk_full_every_seed_passes) { sweep_all_seeds(&kv_table, "kv-disk-full.scn"); }
Test(kv_scenarios, slow_disk_every_seed_passes) { sweep_all_seeds(&kv_table, "kv-slow-disk.scn"); }
Test(kv_scenarios, lwm_crash_every_seed_passes) { sweep_all_seeds(&kv_table, "kv-lwm-crash.scn"); }

/* These are the single-node stories: one kv node, its WAL and its disk. */
Test(kv_scenarios, every_scenario_is_one_kv_node) {
    for (size_t i = 0; i < kv_table.count; i++) {
        pod_scenario *scn = test_scenario_file(kv_cases[i].file, NULL);
        cr_expect_str_eq(scn->node_type, "kv", "%s: expected a kv cluster", kv_cases[i].file);
        cr_expect_eq(scn->node_count, 1, "%s: expected a single node", kv_cases[i].file);
        free(scn);
    }
}

/* The same seed twice gives the same run, bit for bit — also with the
 * trace printed, which must not change what happens — and another seed
 * another run. Checked whatever the verdict: a failing run must replay too. */
Test(kv_scenarios, a_run_is_a_function_of_its_seed) { sweep_runs_are_functions_of_their_seeds(&kv_table); }

/* A kv-*.scn file nobody listed above would never be swept. */
Test(kv_scenarios, every_kv_file_is_listed) { sweep_every_file_is_listed(&kv_table); }
