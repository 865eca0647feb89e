/* env_harness.c — the test pod_env over one pod_disk (env_harness.h). The
 * disk calls mirror sim/world_disk.c; only the scheduling differs: the
 * completions wait in a FIFO the test drains. */
#include "env_harness.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pending_op {
    pod_disk_op op;
    pod_fd fd;
    uint64_t cookie;
    pod_disk_file_ref ref;   /* fsync: the file, even if the fd is closed */
    uint64_t barrier;        /* syncs: what they cover */
} pending_op;

typedef struct harness_timer {
    uint64_t id;
    uint64_t due_ns;
    uint64_t cookie;
} harness_timer;

typedef struct name_count {
    char name[POD_FILE_NAME_MAX + 1];
    uint32_t opens;
} name_count;

struct harness {
    pod_env env;
    pod_disk *disk;
    pod_rng rng;
    uint64_t now_ns;
    pending_op pending[HARNESS_PENDING_MAX]; /* a ring */
    uint32_t pending_head;
    uint32_t pending_count;
    harness_timer timers[HARNESS_TIMERS_MAX];
    uint32_t timer_count;
    uint64_t next_timer_id;
    harness_disk_fn on_disk;
    void *on_disk_arg;
    harness_timer_fn on_timer;
    void *on_timer_arg;
    harness_send_fn on_send;
    void *on_send_arg;
    harness_counts counts;
    name_count names[HARNESS_NAMES_MAX];
    uint32_t name_count;
    char last_note[256];
    bool fail_stopped;
    char fail_stop_why[256];
};

static harness *of(pod_env *env) { return env->ctx; }

/* ------------------------------------------------------------------ */
/* The pod_env operations                                              */
/* ------------------------------------------------------------------ */

static uint64_t h_now(pod_env *env) { return of(env)->now_ns; }

static uint64_t h_timer_set(pod_env *env, uint64_t delay_ns, uint64_t cookie) {
    harness *h = of(env);
    if (h->timer_count == HARNESS_TIMERS_MAX) return 0;
    uint64_t due = delay_ns > UINT64_MAX - h->now_ns ? UINT64_MAX : h->now_ns + delay_ns;
    uint64_t id = ++h->next_timer_id;
    h->timers[h->timer_count++] = (harness_timer){.id = id, .due_ns = due, .cookie = cookie};
    return id;
}

static bool h_timer_cancel(pod_env *env, uint64_t timer_id) {
    harness *h = of(env);
    for (uint32_t i = 0; i < h->timer_count; i++) {
        if (h->timers[i].id != timer_id) continue;
        h->timers[i] = h->timers[--h->timer_count];
        return true;
    }
    return false;
}

static uint64_t h_random(pod_env *env) { return pod_rng_next(&of(env)->rng); }

static pod_status h_send(pod_env *env, pod_addr to, const void *bytes, uint32_t len) {
    harness *h = of(env);
    h->counts.sends++;
    if (len > POD_MSG_BYTES_MAX) return POD_EINVAL;
    return h->on_send ? h->on_send(h->on_send_arg, to, bytes, len) : POD_OK;
}

static void count_open(harness *h, const char *name) {
    for (uint32_t i = 0; i < h->name_count; i++) {
        if (strcmp(h->names[i].name, name) == 0) {
            h->names[i].opens++;
            return;
        }
    }
    if (h->name_count == HARNESS_NAMES_MAX) return;
    name_count *n = &h->names[h->name_count++];
    snprintf(n->name, sizeof n->name, "%s", name);
    n->opens = 1;
}

static pod_status h_open(pod_env *env, const char *name, uint32_t flags, pod_fd *fd_out) {
    harness *h = of(env);
    pod_disk_stats before;
    pod_disk_stats_get(h->disk, &before);
    pod_status st = pod_disk_open(h->disk, name, flags, fd_out);
    if (st == POD_OK) {
        h->counts.opens++;
        count_open(h, name);
        pod_disk_stats after;
        pod_disk_stats_get(h->disk, &after);
        if (after.names > before.names) h->counts.creates++;
    }
    return st;
}

static pod_status h_close(pod_env *env, pod_fd fd) {
    harness *h = of(env);
    pod_status st = pod_disk_close(h->disk, fd);
    if (st == POD_OK) h->counts.closes++;
    return st;
}

static pod_status h_size(pod_env *env, pod_fd fd, uint64_t *size_out) {
    return pod_disk_size(of(env)->disk, fd, size_out);
}

static pod_status h_read(pod_env *env, pod_fd fd, uint64_t offset, void *buf, uint32_t len,
                         uint32_t *got_out) {
    harness *h = of(env);
    h->counts.reads++;
    return pod_disk_read(h->disk, &h->rng, fd, offset, buf, len, got_out);
}

static pod_status enqueue(harness *h, pending_op op) {
    if (h->pending_count == HARNESS_PENDING_MAX) return POD_ELIMIT;
    h->pending[(h->pending_head + h->pending_count) % HARNESS_PENDING_MAX] = op;
    h->pending_count++;
    return POD_OK;
}

static pod_status h_write(pod_env *env, pod_fd fd, uint64_t offset, const void *bytes,
                          uint32_t len, uint64_t cookie) {
    harness *h = of(env);
    if (h->pending_count == HARNESS_PENDING_MAX) return POD_ELIMIT;
    pod_status st = pod_disk_write(h->disk, &h->rng, fd, offset, bytes, len);
    if (st != POD_OK) return st;
    h->counts.writes++;
    return enqueue(h, (pending_op){.op = POD_DISK_WRITE, .fd = fd, .cookie = cookie});
}

static pod_status h_truncate(pod_env *env, pod_fd fd, uint64_t size) {
    harness *h = of(env);
    pod_status st = pod_disk_truncate(h->disk, fd, size);
    if (st == POD_OK) h->counts.truncates++;
    return st;
}

static pod_status h_fsync(pod_env *env, pod_fd fd, uint64_t cookie) {
    harness *h = of(env);
    pod_disk_file_ref ref;
    pod_status st = pod_disk_fd_file(h->disk, fd, &ref);
    if (st != POD_OK) return st;
    st = enqueue(h, (pending_op){.op = POD_DISK_FSYNC, .fd = fd, .cookie = cookie, .ref = ref,
                                 .barrier = pod_disk_barrier(h->disk)});
    if (st == POD_OK) h->counts.fsyncs++;
    return st;
}

static pod_status h_dir_fsync(pod_env *env, uint64_t cookie) {
    harness *h = of(env);
    pod_status st = enqueue(h, (pending_op){.op = POD_DISK_DIR_FSYNC, .fd = -1, .cookie = cookie,
                                            .barrier = pod_disk_barrier(h->disk)});
    if (st == POD_OK) h->counts.dir_fsyncs++;
    return st;
}

static pod_status h_rename(pod_env *env, const char *from, const char *to) {
    harness *h = of(env);
    pod_status st = pod_disk_rename(h->disk, from, to);
    if (st == POD_OK) h->counts.renames++;
    return st;
}

static pod_status h_unlink(pod_env *env, const char *name) {
    harness *h = of(env);
    pod_status st = pod_disk_unlink(h->disk, name);
    if (st == POD_OK) h->counts.unlinks++;
    return st;
}

static pod_status h_list(pod_env *env, void (*visit)(void *arg, const char *name), void *arg) {
    harness *h = of(env);
    h->counts.lists++;
    return pod_disk_list(h->disk, visit, arg);
}

static void h_note(pod_env *env, const char *text) {
    harness *h = of(env);
    h->counts.notes++;
    snprintf(h->last_note, sizeof h->last_note, "%s", text ? text : "");
}

static void h_fail_stop(pod_env *env, const char *why) {
    harness *h = of(env);
    if (h->fail_stopped) return; /* the first reason stands */
    h->fail_stopped = true;
    snprintf(h->fail_stop_why, sizeof h->fail_stop_why, "%s", why ? why : "");
}

static const pod_env_ops harness_ops = {
    .now_ns = h_now,
    .timer_set = h_timer_set,
    .timer_cancel = h_timer_cancel,
    .random_u64 = h_random,
    .send = h_send,
    .open = h_open,
    .close = h_close,
    .size = h_size,
    .read = h_read,
    .write = h_write,
    .truncate = h_truncate,
    .fsync = h_fsync,
    .rename = h_rename,
    .unlink = h_unlink,
    .dir_fsync = h_dir_fsync,
    .list = h_list,
    .note = h_note,
    .fail_stop = h_fail_stop,
};

/* ------------------------------------------------------------------ */
/* The test's side                                                     */
/* ------------------------------------------------------------------ */

harness *harness_create(const pod_disk_config *config, uint64_t seed) {
    assert(config != NULL && pod_disk_config_check(config) == NULL);
    harness *h = calloc(1, sizeof *h);
    assert(h != NULL);
    h->disk = pod_disk_create(config);
    assert(h->disk != NULL);
    pod_rng_seed(&h->rng, seed);
    h->env = (pod_env){.ops = &harness_ops, .ctx = h, .self = 0, .cluster_size = 1};
    return h;
}

void harness_destroy(harness *h) {
    if (!h) return;
    pod_disk_destroy(h->disk);
    free(h);
}

pod_env *harness_env(harness *h) { return &h->env; }
pod_disk *harness_disk(harness *h) { return h->disk; }
pod_rng *harness_rng(harness *h) { return &h->rng; }

void harness_on_disk(harness *h, harness_disk_fn fn, void *arg) {
    h->on_disk = fn;
    h->on_disk_arg = arg;
}

void harness_on_timer(harness *h, harness_timer_fn fn, void *arg) {
    h->on_timer = fn;
    h->on_timer_arg = arg;
}

void harness_on_send(harness *h, harness_send_fn fn, void *arg) {
    h->on_send = fn;
    h->on_send_arg = arg;
}

uint32_t harness_pending(const harness *h) { return h->pending_count; }

pod_disk_op harness_pending_op(const harness *h, uint32_t i) {
    assert(i < h->pending_count);
    return h->pending[(h->pending_head + i) % HARNESS_PENDING_MAX].op;
}

bool harness_complete_at(harness *h, uint32_t i) {
    if (i >= h->pending_count) return false;
    /* Take it out of the ring first: the callback may submit more. */
    pending_op op = h->pending[(h->pending_head + i) % HARNESS_PENDING_MAX];
    for (uint32_t j = i; j > 0; j--) {
        h->pending[(h->pending_head + j) % HARNESS_PENDING_MAX] =
            h->pending[(h->pending_head + j - 1) % HARNESS_PENDING_MAX];
    }
    h->pending_head = (h->pending_head + 1) % HARNESS_PENDING_MAX;
    h->pending_count--;
    pod_status status = POD_OK; /* a write's status was decided at submission */
    if (op.op == POD_DISK_FSYNC) {
        status = pod_disk_sync_ref(h->disk, &h->rng, op.ref, op.barrier);
    } else if (op.op == POD_DISK_DIR_FSYNC) {
        status = pod_disk_sync_dir(h->disk, &h->rng, op.barrier);
    }
    pod_disk_done done = {.op = op.op, .status = status, .fd = op.fd, .cookie = op.cookie};
    h->counts.completions++;
    if (h->on_disk) h->on_disk(h->on_disk_arg, &done);
    return true;
}

bool harness_complete_one(harness *h) { return harness_complete_at(h, 0); }

uint32_t harness_complete_all(harness *h) {
    uint32_t n = 0;
    while (n < HARNESS_DRAIN_MAX && harness_complete_one(h)) n++;
    assert(h->pending_count == 0 && "completions keep coming: HARNESS_DRAIN_MAX reached");
    return n;
}

void harness_drop_pending(harness *h) {
    h->pending_count = 0;
    h->pending_head = 0;
    h->timer_count = 0;
    h->fail_stopped = false;
    h->fail_stop_why[0] = '\0';
}

void harness_set_faults(harness *h, const pod_disk_faults *faults) {
    pod_disk_set_faults(h->disk, faults);
}

void harness_crash(harness *h) {
    h->fail_stopped = false;
    h->fail_stop_why[0] = '\0';
    h->pending_count = 0;
    h->pending_head = 0;
    h->timer_count = 0;
    pod_disk_crash(h->disk, &h->rng);
}

uint64_t harness_now(const harness *h) { return h->now_ns; }

void harness_advance(harness *h, uint64_t delta_ns) {
    uint64_t target = delta_ns > UINT64_MAX - h->now_ns ? UINT64_MAX : h->now_ns + delta_ns;
    /* Bounded: each pass fires one timer; a callback may arm new ones, so
     * cap the passes as the drain does. */
    for (uint32_t pass = 0; pass < HARNESS_DRAIN_MAX; pass++) {
        int32_t best = -1;
        for (uint32_t i = 0; i < h->timer_count; i++) {
            const harness_timer *t = &h->timers[i];
            if (t->due_ns > target) continue;
            if (best < 0 || t->due_ns < h->timers[best].due_ns ||
                (t->due_ns == h->timers[best].due_ns && t->id < h->timers[best].id)) {
                best = (int32_t)i;
            }
        }
        if (best < 0) break;
        harness_timer t = h->timers[best];
        h->timers[best] = h->timers[--h->timer_count];
        h->now_ns = t.due_ns;
        if (h->on_timer) h->on_timer(h->on_timer_arg, t.id, t.cookie);
    }
    h->now_ns = target;
}

harness_counts harness_counts_get(const harness *h) { return h->counts; }

void harness_counts_reset(harness *h) {
    memset(&h->counts, 0, sizeof h->counts);
    h->name_count = 0;
}

uint32_t harness_opens_of(const harness *h, const char *name) {
    for (uint32_t i = 0; i < h->name_count; i++) {
        if (strcmp(h->names[i].name, name) == 0) return h->names[i].opens;
    }
    return 0;
}

const char *harness_last_note(const harness *h) { return h->last_note; }

bool harness_fail_stopped(const harness *h) { return h->fail_stopped; }

const char *harness_fail_stop_why(const harness *h) { return h->fail_stop_why; }
