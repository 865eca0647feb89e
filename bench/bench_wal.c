/* bench_wal.c — Write-Ahead Log appends with group commit on the simulated
 * disk, in durable records per wall-second. A benchmark, not a test: it
 * prints medians of several repetitions and judges nothing.
 *
 * K closed-loop "clients" each keep one append outstanding: a client
 * appends a record of S payload bytes, waits until pod_wal_durable_index()
 * covers it, then appends its next one. Disk completions wait in a FIFO
 * and are delivered one at a time, in submission order, with zero
 * simulated latency — so the figures are the CPU cost of the WAL, the
 * record encoding and the disk model, not of any simulated delay. A
 * Low-Water Mark follows the durable index (pod_wal_drop_below), so the
 * disk holds about two segments however many records are written.
 *
 * The pod_env here is a minimal copy of tests/env_harness.c (benchmarks
 * link only podsim_core): metadata calls and reads answer at once; a
 * write changes the view at submission; a file or directory sync takes
 * its barrier at submission and syncs the disk at completion, exactly as
 * sim/world_disk.c does.
 *
 *   usage: bench_wal [RECORDS] [REPEATS] [CLIENTS BYTES]
 *   default: 200,000 records per run, 7 repeats, every configuration of
 *   CLIENTS in {1, 16, 256} x BYTES in {100, 1000}; CLIENTS BYTES picks one
 *   (for callgrind: --toggle-collect=bench_drive counts the timed loop). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nodes/wal.h"
#include "sim/disk.h"
#include "sim/pod_env.h"
#include "sim/rng.h"

#define BENCH_PENDING_MAX 64u              /* completions waiting; the WAL has at most 3 */
#define BENCH_REPEATS_MAX 101
#define BENCH_CLIENTS_MAX 65536u
#define BENCH_SEGMENT_BYTES (1u << 20)     /* segment_bytes_max: rolls every ~1 MiB */
#define BENCH_SEED 0x5741u

#if defined(__GNUC__) || defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
#define BENCH_NOINLINE
#endif

/* ------------------------------------------------------------------ */
/* A minimal pod_env over one pod_disk                                 */
/* ------------------------------------------------------------------ */

typedef struct bench_op {
    pod_disk_op op;
    pod_fd fd;
    uint64_t cookie;
    pod_disk_file_ref ref;   /* fsync: the file, even if the fd is closed meanwhile */
    uint64_t barrier;        /* syncs: what they cover, taken at submission */
} bench_op;

typedef struct bench_env {
    pod_env env;
    pod_disk *disk;
    pod_rng rng;
    bench_op ring[BENCH_PENDING_MAX];
    uint32_t head;
    uint32_t count;
    bool fail_stopped;
} bench_env;

static bench_env *of(pod_env *env) { return env->ctx; }

static uint64_t e_now(pod_env *env) { (void)env; return 0; }
static uint64_t e_timer_set(pod_env *env, uint64_t delay_ns, uint64_t cookie) {
    (void)env, (void)delay_ns, (void)cookie;
    return 0; /* the WAL sets no timers; "table full" if anything tried */
}
static bool e_timer_cancel(pod_env *env, uint64_t id) { (void)env, (void)id; return false; }
static uint64_t e_random(pod_env *env) { return pod_rng_next(&of(env)->rng); }
static pod_status e_send(pod_env *env, pod_addr to, const void *bytes, uint32_t len) {
    (void)env, (void)to, (void)bytes, (void)len;
    return POD_ECLOSED;
}

static pod_status e_open(pod_env *env, const char *name, uint32_t flags, pod_fd *fd_out) {
    return pod_disk_open(of(env)->disk, name, flags, fd_out);
}
static pod_status e_close(pod_env *env, pod_fd fd) { return pod_disk_close(of(env)->disk, fd); }
static pod_status e_size(pod_env *env, pod_fd fd, uint64_t *size_out) {
    return pod_disk_size(of(env)->disk, fd, size_out);
}
static pod_status e_read(pod_env *env, pod_fd fd, uint64_t offset, void *buf, uint32_t len,
                         uint32_t *got_out) {
    bench_env *b = of(env);
    return pod_disk_read(b->disk, &b->rng, fd, offset, buf, len, got_out);
}

static pod_status enqueue(bench_env *b, bench_op op) {
    if (b->count == BENCH_PENDING_MAX) return POD_ELIMIT;
    b->ring[(b->head + b->count) % BENCH_PENDING_MAX] = op;
    b->count++;
    return POD_OK;
}

static pod_status e_write(pod_env *env, pod_fd fd, uint64_t offset, const void *bytes,
                          uint32_t len, uint64_t cookie) {
    bench_env *b = of(env);
    if (b->count == BENCH_PENDING_MAX) return POD_ELIMIT;
    pod_status st = pod_disk_write(b->disk, &b->rng, fd, offset, bytes, len);
    if (st != POD_OK) return st;
    return enqueue(b, (bench_op){.op = POD_DISK_WRITE, .fd = fd, .cookie = cookie});
}

static pod_status e_truncate(pod_env *env, pod_fd fd, uint64_t size) {
    return pod_disk_truncate(of(env)->disk, fd, size);
}

static pod_status e_fsync(pod_env *env, pod_fd fd, uint64_t cookie) {
    bench_env *b = of(env);
    pod_disk_file_ref ref;
    pod_status st = pod_disk_fd_file(b->disk, fd, &ref);
    if (st != POD_OK) return st;
    return enqueue(b, (bench_op){.op = POD_DISK_FSYNC, .fd = fd, .cookie = cookie, .ref = ref,
                                 .barrier = pod_disk_barrier(b->disk)});
}

static pod_status e_dir_fsync(pod_env *env, uint64_t cookie) {
    bench_env *b = of(env);
    return enqueue(b, (bench_op){.op = POD_DISK_DIR_FSYNC, .fd = -1, .cookie = cookie,
                                 .barrier = pod_disk_barrier(b->disk)});
}

static pod_status e_rename(pod_env *env, const char *from, const char *to) {
    return pod_disk_rename(of(env)->disk, from, to);
}
static pod_status e_unlink(pod_env *env, const char *name) {
    return pod_disk_unlink(of(env)->disk, name);
}
static pod_status e_list(pod_env *env, void (*visit)(void *arg, const char *name), void *arg) {
    return pod_disk_list(of(env)->disk, visit, arg);
}
static void e_note(pod_env *env, const char *text) { (void)env, (void)text; }
static void e_fail_stop(pod_env *env, const char *why) {
    (void)why;
    of(env)->fail_stopped = true;
}

static const pod_env_ops bench_ops = {
    .now_ns = e_now,
    .timer_set = e_timer_set,
    .timer_cancel = e_timer_cancel,
    .random_u64 = e_random,
    .send = e_send,
    .open = e_open,
    .close = e_close,
    .size = e_size,
    .read = e_read,
    .write = e_write,
    .truncate = e_truncate,
    .fsync = e_fsync,
    .rename = e_rename,
    .unlink = e_unlink,
    .dir_fsync = e_dir_fsync,
    .list = e_list,
    .note = e_note,
    .fail_stop = e_fail_stop,
};

/* Completes the oldest pending op: the sync happens now, with the barrier
 * taken when it was submitted. False when none is pending. */
static bool complete_one(bench_env *b, pod_disk_done *done) {
    if (b->count == 0) return false;
    bench_op op = b->ring[b->head]; /* out of the ring first: the WAL may submit more */
    b->head = (b->head + 1) % BENCH_PENDING_MAX;
    b->count--;
    pod_status status = POD_OK; /* a write's status was decided at submission */
    if (op.op == POD_DISK_FSYNC) {
        status = pod_disk_sync_ref(b->disk, &b->rng, op.ref, op.barrier);
    } else if (op.op == POD_DISK_DIR_FSYNC) {
        status = pod_disk_sync_dir(b->disk, &b->rng, op.barrier);
    }
    *done = (pod_disk_done){.op = op.op, .status = status, .fd = op.fd, .cookie = op.cookie};
    return true;
}

/* ------------------------------------------------------------------ */
/* The benchmark                                                       */
/* ------------------------------------------------------------------ */

typedef struct bench_result {
    double seconds;
    pod_wal_stats stats;
} bench_result;

static double now_s(void) {
    /* The wall clock is allowed here: benchmarks are outside sim/ and nodes/. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "bench_wal: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(3);
}

static void append_one(pod_wal *wal, uint8_t *payload, uint32_t bytes, uint64_t *issued) {
    uint64_t n = ++*issued;
    memcpy(payload, &n, bytes < sizeof n ? bytes : sizeof n); /* records differ */
    uint64_t index;
    pod_wal_result r = pod_wal_append(wal, 1, 1, payload, bytes, &index);
    if (r != POD_WAL_OK) die("append failed", pod_wal_result_name(r));
    if (index != n) die("append got an unexpected index", NULL);
}

/* The timed loop: K appends outstanding until `records` are durable.
 * Not inlined, so callgrind --toggle-collect=bench_drive counts exactly it. */
BENCH_NOINLINE void bench_drive(bench_env *b, pod_wal *wal, uint32_t clients, uint32_t bytes,
                                uint64_t records, uint8_t *payload);
BENCH_NOINLINE void bench_drive(bench_env *b, pod_wal *wal, uint32_t clients, uint32_t bytes,
                                uint64_t records, uint8_t *payload) {
    uint64_t issued = 0, durable = 0;
    for (uint32_t c = 0; c < clients && issued < records; c++) {
        append_one(wal, payload, bytes, &issued);
    }
    while (durable < records) {
        pod_disk_done done;
        if (!complete_one(b, &done)) die("stalled: records outstanding, nothing in flight", NULL);
        if (!pod_wal_owns(&done)) die("a completion the WAL does not own", NULL);
        pod_wal_result r = pod_wal_on_disk(wal, &done);
        if (r != POD_WAL_OK) die("disk completion failed", pod_wal_failure(wal));
        uint64_t now_durable = pod_wal_durable_index(wal);
        if (now_durable == durable) continue;
        /* Each client whose record became durable appends its next one. */
        for (uint64_t i = durable; i < now_durable && issued < records; i++) {
            append_one(wal, payload, bytes, &issued);
        }
        durable = now_durable;
        /* Low-Water Mark: drop segments wholly durable once one has rolled. */
        pod_wal_stats st;
        pod_wal_stats_get(wal, &st);
        if (st.segments_created > st.unlinks + 1 &&
            pod_wal_drop_below(wal, durable + 1) != POD_WAL_OK) {
            die("drop_below failed", pod_wal_failure(wal));
        }
    }
    if (b->fail_stopped) die("the environment saw a fail_stop", NULL);
}

static void count_record(void *arg, const pod_wal_entry *entry) {
    uint64_t *last = arg;
    *last = entry->index;
}

static bench_result run_once(uint32_t clients, uint32_t bytes, uint64_t records, bool verify) {
    bench_env *b = calloc(1, sizeof *b);
    uint8_t *payload = malloc(bytes ? bytes : 1);
    if (!b || !payload) die("no memory", NULL);
    memset(payload, 0xA5, bytes);
    pod_disk_config config = pod_disk_config_default();
    const char *bad = pod_disk_config_check(&config);
    if (bad) die("disk config", bad);
    b->disk = pod_disk_create(&config);
    pod_rng_seed(&b->rng, BENCH_SEED);
    b->env = (pod_env){.ops = &bench_ops, .ctx = b, .self = 0, .cluster_size = 1};

    pod_wal_config wc = {.prefix = "wal", .segment_bytes_max = BENCH_SEGMENT_BYTES};
    pod_wal *wal = NULL;
    char why[256];
    pod_wal_result r = pod_wal_open(&b->env, &wc, NULL, NULL, &wal, why, sizeof why);
    if (r != POD_WAL_OK) die("open", why);

    double t0 = now_s();
    bench_drive(b, wal, clients, bytes, records, payload);
    double t1 = now_s();

    bench_result res = {.seconds = t1 - t0};
    pod_wal_stats_get(wal, &res.stats);
    if (pod_wal_durable_index(wal) != records || pod_wal_last_index(wal) != records) {
        die("the log does not end at the last durable record", NULL);
    }
    pod_wal_close(wal);

    if (verify) {
        /* A process restart: recovery must find the log ending at the last
         * record, with the records the Low-Water Mark kept. */
        pod_disk_close_all(b->disk);
        uint64_t last = 0;
        r = pod_wal_open(&b->env, &wc, count_record, &last, &wal, why, sizeof why);
        if (r != POD_WAL_OK) die("reopen", why);
        if (last != records) die("recovery did not find every durable record", NULL);
        pod_wal_close(wal);
    }
    pod_disk_destroy(b->disk);
    free(payload);
    free(b);
    return res;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_config(uint32_t clients, uint32_t bytes, uint64_t records, int repeats) {
    double rates[BENCH_REPEATS_MAX];
    bench_result first = {0};
    for (int i = 0; i < repeats; i++) {
        bench_result res = run_once(clients, bytes, records, i == 0);
        if (i == 0) {
            first = res;
        } else if (memcmp(&res.stats, &first.stats, sizeof res.stats) != 0) {
            die("two repeats did different work (not deterministic)", NULL);
        }
        rates[i] = (double)records / res.seconds;
    }
    qsort(rates, (size_t)repeats, sizeof rates[0], cmp_double);
    const pod_wal_stats *s = &first.stats;
    double mb = (double)bytes / 1e6; /* payload MB per record */
    printf("bench_wal: clients=%-3" PRIu32 " bytes=%-4" PRIu32 " records=%" PRIu64
           " repeats=%d median=%.0f rec/s (%.1f MB/s) min=%.0f max=%.0f"
           " rec/fsync=%.2f fsyncs=%" PRIu64 " dir_fsyncs=%" PRIu64 " segments=%" PRIu64
           " unlinks=%" PRIu64 "\n",
           clients, bytes, records, repeats, rates[repeats / 2], rates[repeats / 2] * mb,
           rates[0], rates[repeats - 1], s->fsyncs ? (double)records / (double)s->fsyncs : 0.0,
           s->fsyncs, s->dir_fsyncs, s->segments_created, s->unlinks);
    fflush(stdout);
}

int main(int argc, char **argv) {
    uint64_t records = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000ull;
    int repeats = argc > 2 ? atoi(argv[2]) : 7;
    if (records == 0 || records > (1ull << 40) || repeats <= 0 || repeats > BENCH_REPEATS_MAX ||
        argc == 4 || argc > 5) {
        fprintf(stderr, "usage: bench_wal [RECORDS>0] [REPEATS 1..%d] [CLIENTS BYTES]\n",
                BENCH_REPEATS_MAX);
        return 2;
    }
    if (argc == 5) {
        unsigned long clients = strtoul(argv[3], NULL, 10);
        unsigned long bytes = strtoul(argv[4], NULL, 10);
        /* Every outstanding record may wait in memory at once: keep them
         * within the WAL's default pending limit. */
        if (clients == 0 || clients > BENCH_CLIENTS_MAX || bytes > POD_WAL_RECORD_BYTES_MAX ||
            (uint64_t)clients * (bytes + 32u) > POD_WAL_PENDING_BYTES_DEFAULT) {
            fprintf(stderr,
                    "bench_wal: CLIENTS must be 1..%u, BYTES 0..%u, CLIENTS * (BYTES + 32) "
                    "at most %u\n",
                    BENCH_CLIENTS_MAX, POD_WAL_RECORD_BYTES_MAX, POD_WAL_PENDING_BYTES_DEFAULT);
            return 2;
        }
        run_config((uint32_t)clients, (uint32_t)bytes, records, repeats);
        return 0;
    }
    static const uint32_t clients_set[] = {1, 16, 256};
    static const uint32_t bytes_set[] = {100, 1000};
    for (size_t j = 0; j < sizeof bytes_set / sizeof bytes_set[0]; j++) {
        for (size_t i = 0; i < sizeof clients_set / sizeof clients_set[0]; i++) {
            run_config(clients_set[i], bytes_set[j], records, repeats);
        }
    }
    return 0;
}
