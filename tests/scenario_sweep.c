/* scenario_sweep.c — seed sweeps of scenario files (scenario_sweep.h). */
#include "tests/scenario_sweep.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/world.h"
#include "tests/support.h"

#if defined(__SANITIZE_ADDRESS__)
#define SWEEP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SWEEP_SANITIZED 1
#endif
#endif

#define SWEEP_SEEDS_LIMIT 100000u      /* for the environment override */
#define SWEEP_FAILURES_PRINTED_MAX 50u /* the rest are only counted */
#define UNDECIDED_SHARE_MAX_DIV 20u    /* at most 1 in 20 seeds undecided */

static const sweep_case *case_named(const sweep_table *t, const char *file) {
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->cases[i].file, file) == 0) return &t->cases[i];
    }
    cr_assert_fail("%s is not in the sweep table", file);
    return NULL;
}

static uint32_t seeds_for(const sweep_table *t, const sweep_case *c) {
    const char *env = getenv(t->seeds_env);
    if (env && *env) {
        char *end = NULL;
        unsigned long n = strtoul(env, &end, 10);
        cr_assert(*end == '\0' && n >= 1 && n <= SWEEP_SEEDS_LIMIT, "%s must be 1..%u, found '%s'", t->seeds_env,
                  SWEEP_SEEDS_LIMIT, env);
        return (uint32_t)n;
    }
#ifdef SWEEP_SANITIZED
    uint32_t n = c->seeds / t->sanitized_div;
#else
    uint32_t n = c->seeds;
#endif
    return n ? n : 1;
}

static pod_verdict run_seed(const pod_scenario *scn, const pod_node_type *type, uint64_t seed,
                            pod_run_result *result) {
    pod_run_options opt = {.seed = seed, .node_type = type};
    memset(result, 0, sizeof *result);
    return pod_world_run(scn, &opt, result);
}

void sweep_all_seeds(const sweep_table *t, const char *file) {
    const sweep_case *c = case_named(t, file);
    const pod_node_type *type = NULL;
    pod_scenario *scn = test_scenario_file(file, &type);
    uint32_t seeds = seeds_for(t, c);
    uint32_t failures = 0, undecided = 0;
    uint64_t first_failure = 0;
    pod_run_result first = {0};
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        pod_run_result r;
        pod_verdict v = run_seed(scn, type, seed, &r);
        if (v == POD_VERDICT_PASS) {
            cr_assert_eq(r.sim_ns, scn->run_ns, "%s seed %" PRIu64 ": a passing run must reach its end",
                         file, seed);
            if (r.undecided[0]) {
                fprintf(stderr, "%s seed %" PRIu64 ": %s\n", file, seed, r.undecided);
                undecided++;
            }
            continue;
        }
        if (failures == 0) {
            first_failure = seed;
            first = r;
        }
        if (failures < SWEEP_FAILURES_PRINTED_MAX) {
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
                 file, failures, seeds, first_failure, first.check, first.message, file, first_failure);
    /* The linearizability check may give up on a rare, costly history; a
     * scenario of the suite must stay decided for all but a few seeds, or
     * the check proves little. One is allowed in any sweep: the short
     * sanitizer sweeps run a prefix of the Release seeds. */
    uint32_t allowed = seeds / UNDECIDED_SHARE_MAX_DIV + 1;
    cr_assert_leq(undecided, allowed,
                  "%s: the linearizability check could not decide %" PRIu32 " of %" PRIu32
                  " seeds (at most 1 in %u, and one, may be undecided)",
                  file, undecided, seeds, UNDECIDED_SHARE_MAX_DIV);
}

void sweep_runs_are_functions_of_their_seeds(const sweep_table *t) {
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_not_null(sink);
    for (size_t i = 0; i < t->count; i++) {
        const char *file = t->cases[i].file;
        const pod_node_type *type = NULL;
        pod_scenario *scn = test_scenario_file(file, &type);
        uint64_t seed = 7 + i;
        pod_run_result a, b, other, traced;
        pod_verdict va = run_seed(scn, type, seed, &a);
        pod_verdict vb = run_seed(scn, type, seed, &b);
        run_seed(scn, type, seed + 1000, &other);
        pod_run_options opt = {.seed = seed, .node_type = type, .trace_format = POD_TRACE_TEXT, .trace_out = sink};
        pod_world_run(scn, &opt, &traced);
        cr_assert_eq(va, vb, "%s seed %" PRIu64 ": verdicts differ", file, seed);
        cr_assert_eq(a.trace_hash, b.trace_hash,
                     "%s seed %" PRIu64 ": trace hashes differ: %016" PRIx64 " and %016" PRIx64, file, seed,
                     a.trace_hash, b.trace_hash);
        cr_assert_eq(a.events, b.events, "%s seed %" PRIu64 ": event counts differ", file, seed);
        cr_assert_eq(a.trace_hash, traced.trace_hash, "%s seed %" PRIu64 ": printing the trace changed the run",
                     file, seed);
        cr_assert_neq(a.trace_hash, other.trace_hash, "%s: seeds %" PRIu64 " and %" PRIu64 " gave the same run",
                      file, seed, seed + 1000);
        cr_assert_gt(a.events, 1000u, "%s: the run did too little to be a test", file);
        free(scn);
    }
    fclose(sink);
}

void sweep_every_file_is_listed(const sweep_table *t) {
    DIR *dir = opendir(PODSIM_SOURCE_DIR "/scenarios");
    cr_assert_not_null(dir, "cannot list %s/scenarios", PODSIM_SOURCE_DIR);
    size_t plen = strlen(t->prefix);
    uint32_t found = 0;
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, t->prefix, plen) != 0 || len < plen + 4 || strcmp(e->d_name + len - 4, ".scn") != 0) {
            continue;
        }
        if (t->skip_prefix && strncmp(e->d_name, t->skip_prefix, strlen(t->skip_prefix)) == 0) continue;
        found++;
        bool listed = false;
        for (size_t i = 0; i < t->count; i++) {
            if (strcmp(t->cases[i].file, e->d_name) == 0) listed = true;
        }
        cr_expect(listed, "scenarios/%s is not in the sweep table of %s*.scn files", e->d_name, t->prefix);
    }
    closedir(dir);
    cr_assert_eq(found, t->count, "the sweep table of %s*.scn lists a file that scenarios/ does not hold", t->prefix);
}
