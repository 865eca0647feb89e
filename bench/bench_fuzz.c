/* bench_fuzz.c — fuzz throughput: seeds per minute on one core for a
 * scenario (default scenarios/fuzz.scn, the default fuzz scenario: one
 * key-value node, four clients, 10 simulated seconds), each seed with its
 * swarm fault mix, as `podsim fuzz -j 1` runs them. A benchmark, not a test:
 * it prints medians and judges nothing.
 *
 *   usage: bench_fuzz [SCENARIO] [SEEDS] [REPEATS]   (default 300 seeds, 5 repeats) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nodes/registry.h"
#include "sim/fuzz.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "scenarios/fuzz.scn";
    uint64_t seeds = argc > 2 ? strtoull(argv[2], NULL, 10) : 300;
    int repeats = argc > 3 ? atoi(argv[3]) : 5;
    if (seeds == 0 || repeats < 1 || repeats > 51) {
        fprintf(stderr, "usage: bench_fuzz [SCENARIO] [SEEDS>0] [REPEATS 1..51]\n");
        return 2;
    }
    pod_scenario *scn = malloc(sizeof *scn);
    pod_scn_error err;
    if (!scn || !pod_scenario_load(scn, path, &err)) {
        fprintf(stderr, "bench_fuzz: cannot load %s (line %u: %s)\n", path, err.line, err.message);
        return 2;
    }
    const pod_node_type *type = pod_node_type_find(scn->node_type);
    if (!type) return 2;
    double rates[51];
    uint64_t events = 0, sim_ns = 0, failed = 0;
    for (int r = 0; r < repeats; r++) {
        double t0 = now_s();
        for (uint64_t seed = 1; seed <= seeds; seed++) {
            pod_run_result res;
            char mix[96];
            if (pod_fuzz_run_seed(scn, type, seed, true, &res, mix, sizeof mix) != POD_VERDICT_PASS) failed++;
            if (r == 0) {
                events += res.events;
                sim_ns += res.sim_ns;
            }
        }
        rates[r] = (double)seeds / (now_s() - t0) * 60.0;
    }
    qsort(rates, (size_t)repeats, sizeof rates[0], cmp_double);
    double median = rates[repeats / 2];
    printf("bench_fuzz: %s seeds=%" PRIu64 " repeats=%d median=%.0f seeds/min/core (min %.0f, max %.0f) "
           "= %.2f M seeds/day/core; %.0f events/seed, %.1f simulated s/seed, %.0f events/s, "
           "%.0fx real time; %" PRIu64 " failed\n",
           path, seeds, repeats, median, rates[0], rates[repeats - 1], median * 60 * 24 / 1e6,
           (double)events / (double)seeds, (double)sim_ns / 1e9 / (double)seeds,
           median / 60.0 * (double)events / (double)seeds, median / 60.0 * (double)sim_ns / 1e9 / (double)seeds,
           failed);
    free(scn);
    return 0;
}
