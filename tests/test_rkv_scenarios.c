/* test_rkv_scenarios.c — every replicated key-value scenario
 * (scenarios/rkv-*.scn: Leader and Followers under the leader nemesis,
 * one-way partitions, flapping, slow disks, duplication, pauses, a crash of
 * every node, mid-log corruption repaired from peers), over many seeds: each run must pass (the replication and
 * liveness checkers and every `expect` line), and a run must be a pure
 * function of its seed.
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

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/registry.h"
#include "sim/scenario.h"
#include "sim/world.h"

#if defined(__SANITIZE_ADDRESS__)
#define RKV_SCN_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RKV_SCN_SANITIZED 1
#endif
#endif

/* Seeds swept per scenario: a Release run of these costs 5..40 ms, under
 * AddressSanitizer several times that. */
#ifdef RKV_SCN_SANITIZED
#define RKV_SCN_SCALE_DIV 10u
#else
#define RKV_SCN_SCALE_DIV 1u
#endif

#define RKV_SCN_SEEDS_LIMIT 100000u      /* for the environment override */
#define RKV_SCN_FAILURES_PRINTED_MAX 50u /* the rest are only counted */

typedef struct rkv_scn_case {
    const char *file;      /* under scenarios/ */
    uint32_t seeds;        /* seeds 1..seeds in a Release build */
} rkv_scn_case;

/* Every scenarios/rkv-*.scn file, listed explicitly: a new one must be added
 * here on purpose (see rkv_scenarios::every_rkv_file_is_listed). */
static const rkv_scn_case rkv_scn_cases[] = {
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
    {"rkv-fuzz.scn", 40},
    {"rkv-corrupt-repair.scn", 100},
};

#define RKV_SCN_CASE_COUNT (sizeof rkv_scn_cases / sizeof rkv_scn_cases[0])

static const rkv_scn_case *case_named(const char *file) {
    for (size_t i = 0; i < RKV_SCN_CASE_COUNT; i++) {
        if (strcmp(rkv_scn_cases[i].file, file) == 0) return &rkv_scn_cases[i];
    }
    cr_assert_fail("%s is not in rkv_scn_cases", file);
    return NULL;
}

static uint32_t seeds_for(const rkv_scn_case *c) {
    const char *env = getenv("PODSIM_RKV_SCENARIO_SEEDS");
    if (env && *env) {
        char *end = NULL;
        unsigned long n = strtoul(env, &end, 10);
        cr_assert(*end == '\0' && n >= 1 && n <= RKV_SCN_SEEDS_LIMIT,
                  "PODSIM_RKV_SCENARIO_SEEDS must be 1..%u, found '%s'", RKV_SCN_SEEDS_LIMIT, env);
        return (uint32_t)n;
    }
    uint32_t n = c->seeds / RKV_SCN_SCALE_DIV;
    return n ? n : 1;
}

/* Loads and validates scenarios/FILE; the result is heap-allocated (a
 * pod_scenario is too large for the stack): free() it. */
static pod_scenario *load(const char *file, const pod_node_type **type_out) {
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/%s", PODSIM_SOURCE_DIR, file);
    pod_scenario *scn = malloc(sizeof *scn);
    cr_assert_not_null(scn);
    pod_scn_error err;
    if (!pod_scenario_load(scn, path, &err)) {
        char msg[600];
        pod_scn_error_format(&err, path, msg, sizeof msg);
        cr_assert_fail("%s", msg);
    }
    cr_assert_str_eq(scn->node_type, "rkv", "%s: expected an rkv cluster", file);
    cr_assert_geq(scn->node_count, 3, "%s: expected a cluster of 3 nodes or more", file);
    const pod_node_type *type = pod_node_type_find(scn->node_type);
    cr_assert_not_null(type, "%s: unknown node type '%s'", file, scn->node_type);
    cr_assert(pod_world_validate(scn, type, &err), "%s:%" PRIu32 ":%" PRIu32 ": %s", path, err.line,
              err.col, err.message);
    *type_out = type;
    return scn;
}

static pod_verdict run_seed(const pod_scenario *scn, const pod_node_type *type, uint64_t seed,
                            pod_run_result *result) {
    pod_run_options opt = {.seed = seed, .node_type = type};
    memset(result, 0, sizeof *result);
    return pod_world_run(scn, &opt, result);
}

/* Runs seeds 1..N of one scenario; prints every failing seed with its
 * replay line, then fails with the count and the first one. */
static void sweep(const char *file) {
    const rkv_scn_case *c = case_named(file);
    const pod_node_type *type = NULL;
    pod_scenario *scn = load(file, &type);
    uint32_t seeds = seeds_for(c);
    uint32_t failures = 0;
    uint64_t first_failure = 0;
    pod_run_result first = {0};
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        pod_run_result r;
        pod_verdict v = run_seed(scn, type, seed, &r);
        if (v == POD_VERDICT_PASS) {
            cr_assert_eq(r.sim_ns, scn->run_ns, "%s seed %" PRIu64 ": a passing run must reach its end",
                         file, seed);
            continue;
        }
        if (failures == 0) {
            first_failure = seed;
            first = r;
        }
        if (failures < RKV_SCN_FAILURES_PRINTED_MAX) {
            fprintf(stderr,
                    "%s seed %" PRIu64 ": %s: %s: %s\n"
                    "  replay: podsim run scenarios/%s --seed %" PRIu64 " --trace\n",
                    file, seed, pod_verdict_name(v), r.check, r.message, file, seed);
        }
        failures++;
    }
    free(scn);
    cr_assert_eq(failures, 0,
                 "%s: %" PRIu32 " of %" PRIu32 " seeds failed; the first, seed %" PRIu64 ": %s: %s\n"
                 "  replay: podsim run scenarios/%s --seed %" PRIu64 " --trace",
                 file, failures, seeds, first_failure, first.check, first.message, file,
                 first_failure);
}

Test(rkv_scenarios, leader_crash_every_seed_passes) { sweep("rkv-leader-crash.scn"); }
Test(rkv_scenarios, leader_crash_5_every_seed_passes) { sweep("rkv-leader-crash-5.scn"); }
Test(rkv_scenarios, isolated_leader_every_seed_passes) { sweep("rkv-isolated-leader.scn"); }
Test(rkv_scenarios, one_way_every_seed_passes) { sweep("rkv-one-way.scn"); }
Test(rkv_scenarios, flapping_every_seed_passes) { sweep("rkv-flapping.scn"); }
Test(rkv_scenarios, slow_disk_every_seed_passes) { sweep("rkv-slow-disk.scn"); }
Test(rkv_scenarios, dup_reorder_every_seed_passes) { sweep("rkv-dup-reorder.scn"); }
Test(rkv_scenarios, paused_leader_every_seed_passes) { sweep("rkv-paused-leader.scn"); }
Test(rkv_scenarios, crash_all_every_seed_passes) { sweep("rkv-crash-all.scn"); }
/* Replicated Log repair (docs/repair.md): mid-log bit flips on one node,
 * as leader and as follower, repaired from the peers. */
Test(rkv_scenarios, corrupt_repair_every_seed_passes) { sweep("rkv-corrupt-repair.scn"); }
/* The seeds on which teeth_rkv_old_term_commit catches the Figure 8
 * breakage (about half of them) must all pass with the real rule. */
Test(rkv_scenarios, figure8_every_seed_passes) { sweep("rkv-figure8.scn"); }
Test(rkv_scenarios, fuzz_as_written_every_seed_passes) { sweep("rkv-fuzz.scn"); }

/* Every scenario here states a liveness bound, except the fuzz base (its
 * swarm faults run to the end). */
Test(rkv_scenarios, every_scenario_but_the_fuzz_base_states_a_liveness_bound) {
    for (size_t i = 0; i < RKV_SCN_CASE_COUNT; i++) {
        const char *file = rkv_scn_cases[i].file;
        if (strcmp(file, "rkv-fuzz.scn") == 0 || strcmp(file, "rkv-figure8.scn") == 0) continue;
        const pod_node_type *type = NULL;
        pod_scenario *scn = load(file, &type);
        cr_expect_gt(scn->liveness.within_ns, 0u, "%s has no liveness line", file);
        free(scn);
    }
}

/* The same seed twice gives the same run, bit for bit — also with the
 * trace printed, which must not change what happens — and another seed
 * another run. Checked whatever the verdict: a failing run must replay too. */
Test(rkv_scenarios, a_run_is_a_function_of_its_seed) {
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_not_null(sink);
    for (size_t i = 0; i < RKV_SCN_CASE_COUNT; i++) {
        const char *file = rkv_scn_cases[i].file;
        const pod_node_type *type = NULL;
        pod_scenario *scn = load(file, &type);
        uint64_t seed = 7 + i;
        pod_run_result a, b, other, traced;
        pod_verdict va = run_seed(scn, type, seed, &a);
        pod_verdict vb = run_seed(scn, type, seed, &b);
        run_seed(scn, type, seed + 1000, &other);
        pod_run_options opt = {.seed = seed, .node_type = type, .trace_format = POD_TRACE_TEXT,
                               .trace_out = sink};
        pod_world_run(scn, &opt, &traced);
        cr_assert_eq(va, vb, "%s seed %" PRIu64 ": verdicts differ", file, seed);
        cr_assert_eq(a.trace_hash, b.trace_hash,
                     "%s seed %" PRIu64 ": trace hashes differ: %016" PRIx64 " and %016" PRIx64, file,
                     seed, a.trace_hash, b.trace_hash);
        cr_assert_eq(a.events, b.events, "%s seed %" PRIu64 ": event counts differ", file, seed);
        cr_assert_eq(a.trace_hash, traced.trace_hash,
                     "%s seed %" PRIu64 ": printing the trace changed the run", file, seed);
        cr_assert_neq(a.trace_hash, other.trace_hash,
                      "%s: seeds %" PRIu64 " and %" PRIu64 " gave the same run", file, seed,
                      seed + 1000);
        cr_assert_gt(a.events, 1000u, "%s: the run did too little to be a test", file);
        free(scn);
    }
    fclose(sink);
}

/* An rkv-*.scn file nobody listed above would never be swept. */
Test(rkv_scenarios, every_rkv_file_is_listed) {
    DIR *dir = opendir(PODSIM_SOURCE_DIR "/scenarios");
    cr_assert_not_null(dir, "cannot list %s/scenarios", PODSIM_SOURCE_DIR);
    uint32_t found = 0;
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "rkv-", 4) != 0 || len < 5 || strcmp(e->d_name + len - 4, ".scn") != 0) {
            continue;
        }
        /* The Low-Water Mark scenarios are swept by tests/test_lwm_scenarios.c. */
        if (strncmp(e->d_name, "rkv-lwm-", 8) == 0) continue;
        found++;
        bool listed = false;
        for (size_t i = 0; i < RKV_SCN_CASE_COUNT; i++) {
            if (strcmp(rkv_scn_cases[i].file, e->d_name) == 0) listed = true;
        }
        cr_expect(listed, "scenarios/%s is not in rkv_scn_cases of %s", e->d_name, __FILE__);
    }
    closedir(dir);
    cr_assert_eq(found, RKV_SCN_CASE_COUNT, "rkv_scn_cases lists a file that scenarios/ does not hold");
}
