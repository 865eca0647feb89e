/* bench_cluster.c — end-to-end speed of the simulator with every online
 * check on: a replicated key-value cluster (type rkv) under steady client
 * load, at several cluster sizes and run lengths. For each it prints events
 * per wall second, simulated seconds per wall second (the speed-up over
 * real time), and the peak memory of the run (each run in its own process,
 * measured with wait4's rusage). A benchmark, not a test: medians of a few
 * repeats, nothing judged.
 *
 *   usage: bench_cluster [REPEATS]   (default 3) */
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

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct run_out {
    double wall_s;
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
            double t0 = now_s();
            r.verdict = pod_world_run(scn, &opt, &res);
            r.wall_s = now_s() - t0;
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

static void scenario_text(char *out, size_t len, unsigned nodes, unsigned seconds) {
    snprintf(out, len,
             "cluster nodes=%u type=rkv\n"
             "node election_ms=150 heartbeat_ms=50\n"
             "workload clients=8 mix=put:40,get:30,delete:10,cas:10,txn:10 keys=64 value=16..64 "
             "think=1ms..5ms timeout=500ms\n"
             "network latency=1ms..5ms\n"
             "run %us\n"
             "budget events=500000000 pending=10000000\n",
             nodes, seconds);
}

static void measure(unsigned nodes, unsigned seconds, int repeats) {
    char text[1024];
    scenario_text(text, sizeof text, nodes, seconds);
    double eps[16], speed[16];
    long rss_max = 0;
    run_out r = {0};
    int ok = 0;
    for (int i = 0; i < repeats && i < 16; i++) {
        long rss = 0;
        if (!run_child(text, 1, &r, &rss) || r.verdict != POD_VERDICT_PASS) {
            printf("bench_cluster: nodes=%u run=%us: run failed (verdict %d)\n", nodes, seconds, r.verdict);
            return;
        }
        eps[ok] = (double)r.events / r.wall_s;
        speed[ok] = (double)r.sim_ns / 1e9 / r.wall_s;
        ok++;
        if (rss > rss_max) rss_max = rss;
    }
    qsort(eps, (size_t)ok, sizeof eps[0], cmp_double);
    qsort(speed, (size_t)ok, sizeof speed[0], cmp_double);
    printf("bench_cluster: nodes=%3u run=%3us events=%9" PRIu64 " median %.2f Mevents/s (%.2f..%.2f) "
           "%.0fx real time, peak %.1f MiB\n",
           nodes, seconds, r.events, eps[ok / 2] / 1e6, eps[0] / 1e6, eps[ok - 1] / 1e6, speed[ok / 2],
           (double)rss_max / 1024.0);
    fflush(stdout);
}

int main(int argc, char **argv) {
    int repeats = argc > 1 ? atoi(argv[1]) : 3;
    if (repeats < 1 || repeats > 16) {
        fprintf(stderr, "usage: bench_cluster [REPEATS 1..16]\n");
        return 2;
    }
    printf("# cluster size, 10 simulated seconds\n");
    unsigned sizes[] = {3, 5, 9, 33, 101};
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) measure(sizes[i], 10, repeats);
    printf("# run length, 5 nodes\n");
    unsigned lengths[] = {5, 10, 20, 40};
    for (unsigned i = 0; i < sizeof lengths / sizeof lengths[0]; i++) measure(5, lengths[i], repeats);
    return 0;
}
