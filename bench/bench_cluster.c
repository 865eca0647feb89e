/* bench_cluster.c — end-to-end speed of the simulator with every online
 * check on: a replicated key-value cluster (type rkv) under steady client
 * load, at several cluster sizes and run lengths. For each it prints events
 * per wall second, simulated seconds per wall second (the speed-up over
 * real time), and the peak memory of the run (each run in its own process,
 * measured with wait4's rusage). A benchmark, not a test: medians of a few
 * repeats, nothing judged.
 *
 * Two client loads: "steady" (the standard scenario: 8 clients thinking
 * 1-5 ms, about 500 operations per simulated second on 5 nodes) and
 * "light" (8 clients thinking 400-600 ms, about 16 operations per
 * simulated second), to show how the speed-up over real time depends on
 * the events a simulated second holds.
 *
 * Each repeat runs the next seed (1, 2, ...); the figures are medians over
 * the seeds; events is the median of the runs' counts (with an even number
 * of runs, the mean of the middle two).
 *
 *   usage: bench_cluster [REPEATS]                       the whole table (default 3)
 *          bench_cluster REPEATS NODES SECONDS [steady|light]   one row */
#define _DEFAULT_SOURCE /* wait4 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nodes/registry.h"
#include "sim/world.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this process: on a shared machine it moves less than the
 * wall clock, which also counts the time others ran. */
static double cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct run_out {
    double wall_s;
    double cpu_s; /* the run alone (user + system), measured in the child */
    uint64_t events;
    uint64_t sim_ns;
    int verdict;
} run_out;

/* Runs one scenario in a child process; fills *out and the child's peak
 * resident memory in KiB. */
static bool run_child(const char *text, uint64_t seed, run_out *out, long *maxrss_kib) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        close(fds[0]);
        pod_scenario *scn = malloc(sizeof *scn);
        pod_scn_error err;
        run_out r = {0};
        if (scn && pod_scenario_parse(scn, "bench.scn", text, strlen(text), &err)) {
            const pod_node_type *type = pod_node_type_find(scn->node_type);
            pod_run_options opt = {.seed = seed, .node_type = type};
            pod_run_result res;
            double t0 = now_s(), c0 = cpu_s();
            r.verdict = pod_world_run(scn, &opt, &res);
            r.wall_s = now_s() - t0;
            r.cpu_s = cpu_s() - c0;
            r.events = res.events;
            r.sim_ns = res.sim_ns;
        } else {
            r.verdict = -1;
        }
        ssize_t w = write(fds[1], &r, sizeof r);
        _exit(w == (ssize_t)sizeof r ? 0 : 1);
    }
    close(fds[1]);
    ssize_t got = read(fds[0], out, sizeof *out);
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) return false;
    *maxrss_kib = ru.ru_maxrss;
    return got == (ssize_t)sizeof *out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* bench/cluster-steady.scn and bench/cluster-light.scn are this text for 5
 * nodes (5 and 60 s), as files for callgrind: keep them in step. */
static void scenario_text(char *out, size_t len, unsigned nodes, unsigned seconds, bool light) {
    snprintf(out, len,
             "cluster nodes=%u type=rkv\n"
             "node election_ms=150 heartbeat_ms=50\n"
             "workload clients=8 mix=put:40,get:30,delete:10,cas:10,txn:10 keys=64 value=16..64 "
             "think=%s timeout=500ms\n"
             "network latency=1ms..5ms\n"
             "run %us\n"
             "budget events=500000000 pending=10000000\n",
             nodes, light ? "400ms..600ms" : "1ms..5ms", seconds);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void measure(unsigned nodes, unsigned seconds, bool light, int repeats) {
    char text[1024];
    scenario_text(text, sizeof text, nodes, seconds, light);
    double eps[16], speed[16], eps_cpu[16], speed_cpu[16], events[16];
    long rss_max = 0;
    run_out r = {0};
    int ok = 0;
    for (int i = 0; i < repeats && i < 16; i++) {
        long rss = 0;
        /* Repeat i runs seed i + 1: the end-of-run linearizability search
         * depends on the exact history, and one seed's can cost several
         * times the median, so a single seed repeated measures that seed. */
        uint64_t seed = (uint64_t)i + 1;
        if (!run_child(text, seed, &r, &rss) || r.verdict != POD_VERDICT_PASS) {
            printf("bench_cluster: nodes=%u run=%us seed=%" PRIu64 ": run failed (verdict %d)\n", nodes, seconds,
                   seed, r.verdict);
            return;
        }
        eps[ok] = (double)r.events / r.wall_s;
        speed[ok] = (double)r.sim_ns / 1e9 / r.wall_s;
        eps_cpu[ok] = (double)r.events / r.cpu_s;
        speed_cpu[ok] = (double)r.sim_ns / 1e9 / r.cpu_s;
        events[ok] = (double)r.events;
        ok++;
        if (rss > rss_max) rss_max = rss;
    }
    double lo = eps[0], hi = eps[0];
    for (int i = 1; i < ok; i++) {
        if (eps[i] < lo) lo = eps[i];
        if (eps[i] > hi) hi = eps[i];
    }
    double events_median = median(events, ok);
    printf("bench_cluster: %-6s nodes=%3u run=%3us seeds=1..%d events=%9.0f (%.0f/sim s) wall: median %.2f "
           "Mevents/s (%.2f..%.2f) %.0fx real time; cpu: %.2f Mevents/s %.0fx; peak %.1f MiB\n",
           light ? "light" : "steady", nodes, seconds, ok, events_median, events_median / ((double)r.sim_ns / 1e9),
           median(eps, ok) / 1e6, lo / 1e6, hi / 1e6, median(speed, ok), median(eps_cpu, ok) / 1e6,
           median(speed_cpu, ok), (double)rss_max / 1024.0);
    fflush(stdout);
}

int main(int argc, char **argv) {
    int repeats = argc > 1 ? atoi(argv[1]) : 3;
    bool one_row = argc == 4 || argc == 5;
    unsigned nodes = one_row ? (unsigned)atoi(argv[2]) : 0;
    unsigned seconds = one_row ? (unsigned)atoi(argv[3]) : 0;
    bool light = argc == 5 && strcmp(argv[4], "light") == 0;
    bool load_ok = argc != 5 || light || strcmp(argv[4], "steady") == 0;
    if (repeats < 1 || repeats > 16 || argc > 5 || argc == 3 || !load_ok ||
        (one_row && (nodes < 1 || nodes > 128 || seconds < 1 || seconds > 3600))) {
        fprintf(stderr, "usage: bench_cluster [REPEATS 1..16 [NODES 1..128 SECONDS 1..3600 [steady|light]]]\n");
        return 2;
    }
    if (one_row) {
        measure(nodes, seconds, light, repeats);
        return 0;
    }
    printf("# cluster size, 10 simulated seconds, steady load\n");
    unsigned sizes[] = {3, 5, 9, 33, 101};
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) measure(sizes[i], 10, false, repeats);
    printf("# run length, 5 nodes, steady load\n");
    unsigned lengths[] = {5, 10, 20, 40};
    for (unsigned i = 0; i < sizeof lengths / sizeof lengths[0]; i++) measure(5, lengths[i], false, repeats);
    printf("# light load, 10 simulated seconds\n");
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) measure(sizes[i], 10, true, repeats);
    printf("# light load, run length, 5 nodes\n");
    unsigned light_lengths[] = {60, 240};
    for (unsigned i = 0; i < 2; i++) measure(5, light_lengths[i], true, repeats);
    return 0;
}
