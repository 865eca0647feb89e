/* bench_sched.c — scheduler throughput: events per second with a fixed
 * number of pending timers. Each event is popped and one new event is
 * scheduled after a delay drawn from xoshiro256**, so the queue holds its
 * size, as a simulation in steady state does. A benchmark, not a test:
 * it prints the median of several repetitions and judges nothing.
 *
 *   usage: bench_sched [PENDING] [EVENTS] [REPEATS]
 *   default: 1000 pending, 20,000,000 events, 7 repeats */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/rng.h"
#include "sim/sched.h"

static double now_s(void) {
    /* The wall clock is allowed here: benchmarks are outside sim/ and nodes/. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double run_once(uint32_t pending, uint64_t events, uint64_t *checksum) {
    pod_sched s;
    if (pod_sched_init(&s, pending + 1) != POD_SCHED_OK) exit(3);
    pod_rng rng;
    pod_rng_seed(&rng, 1);
    for (uint32_t i = 0; i < pending; i++) {
        pod_event e = {.time_ns = pod_rng_next(&rng) & 0xfffff, .a = i};
        pod_sched_add(&s, &e, NULL);
    }
    double t0 = now_s();
    pod_event e;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < events; i++) {
        pod_sched_pop(&s, &e, NULL);
        sum += e.a;
        e.time_ns = s.now_ns + 1 + (pod_rng_next(&rng) & 0xfffff); /* up to ~1 ms */
        pod_sched_add(&s, &e, NULL);
    }
    double t1 = now_s();
    *checksum ^= sum;
    pod_sched_free(&s);
    return (double)events / (t1 - t0);
}

int main(int argc, char **argv) {
    uint32_t pending = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000;
    uint64_t events = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000000ull;
    int repeats = argc > 3 ? atoi(argv[3]) : 7;
    if (pending == 0 || events == 0 || repeats <= 0 || repeats > 101) {
        fprintf(stderr, "usage: bench_sched [PENDING>0] [EVENTS>0] [REPEATS 1..101]\n");
        return 2;
    }
    double rates[101];
    uint64_t checksum = 0;
    for (int r = 0; r < repeats; r++) rates[r] = run_once(pending, events, &checksum);
    qsort(rates, (size_t)repeats, sizeof rates[0], cmp_double);
    printf("bench_sched: pending=%" PRIu32 " events=%" PRIu64 " repeats=%d "
           "median=%.2f Mevents/s min=%.2f max=%.2f (checksum %016" PRIx64 ")\n",
           pending, events, repeats, rates[repeats / 2] / 1e6, rates[0] / 1e6,
           rates[repeats - 1] / 1e6, checksum);
    return 0;
}
