/* world_disk.c — the disk calls of pod_env.h, on each node's simulated disk
 * (sim/disk.h). Metadata calls and reads answer at once, as a page cache
 * would; writes, file syncs and directory syncs complete later, as events,
 * after a latency the disk model draws. A sync's barrier is taken when it is
 * submitted, so it covers only what was written before it. */
#include "sim/world_internal.h"

#include <assert.h>
#include <string.h>

static pod_world *world_of(pod_env *env) { return env->ctx; }
static pod_world_node *node_of(pod_env *env) { return &world_of(env)->nodes[env->self]; }

/* Trace codes of the synchronous calls (the asynchronous ones use
 * pod_disk_op's values). */
enum { TR_OPEN = 10, TR_CLOSE, TR_SIZE, TR_READ, TR_TRUNCATE, TR_RENAME, TR_UNLINK, TR_LIST };

static void trace_op(pod_env *env, uint64_t op, pod_status status, const char *text) {
    pod_world_trace(world_of(env), POD_TR_DISK_OP, env->self, 0, op, (uint64_t)status, text);
}

/* Takes a free slot of the node's in-flight table; NULL when it is full. */
static pod_disk_inflight *inflight_take(pod_world_node *n, uint32_t *index_out) {
    if (n->inflight_free == POD_INFLIGHT_NONE) return NULL;
    uint32_t i = n->inflight_free;
    pod_disk_inflight *f = &n->inflight[i];
    n->inflight_free = f->next_free;
    memset(f, 0, sizeof *f);
    f->in_use = true;
    *index_out = i;
    return f;
}

static void inflight_release(pod_world_node *n, uint32_t index) {
    pod_disk_inflight *f = &n->inflight[index];
    assert(f->in_use);
    f->in_use = false;
    f->next_free = n->inflight_free;
    n->inflight_free = index;
}

pod_disk_config pod_world_disk_config(const pod_disk_model *model) {
    pod_disk_config c = pod_disk_config_default();
    c.sector_size = model->sector_bytes;
    c.write_latency_min_ns = model->write_latency_min_ns;
    c.write_latency_max_ns = model->write_latency_max_ns;
    c.sync_latency_min_ns = model->sync_latency_min_ns;
    c.sync_latency_max_ns = model->sync_latency_max_ns;
    c.faults.read_eio_ppm = model->read_eio_ppm;
    c.faults.write_enospc_ppm = model->write_enospc_ppm;
    c.faults.fsync_eio_ppm = model->fsync_eio_ppm;
    c.faults.dir_fsync_eio_ppm = model->dir_fsync_eio_ppm;
    c.faults.bitflip_on_crash_ppm = model->bitflip_ppm;
    c.faults.stall_ppm = model->stall_ppm;
    c.faults.stall_min_ns = model->stall_min_ns;
    c.faults.stall_max_ns = model->stall_max_ns;
    return c;
}

void pod_world_disk_reset_inflight(pod_world_node *n) {
    n->inflight_free = POD_INFLIGHT_NONE;
    for (uint32_t i = POD_DISK_INFLIGHT_MAX; i-- > 0;) {
        n->inflight[i].in_use = false;
        n->inflight[i].next_free = n->inflight_free;
        n->inflight_free = i;
    }
}

/* Schedules the completion of an asynchronous op already in the table. */
static pod_status submit(pod_env *env, pod_disk_inflight *f, uint32_t index, uint64_t bytes) {
    pod_world *world = world_of(env);
    pod_world_node *n = node_of(env);
    uint64_t latency = pod_disk_latency_ns(n->disk, &n->disk_rng, f->op, bytes);
    uint64_t now = world->sched.now_ns;
    pod_event e = {.time_ns = latency > UINT64_MAX - now ? UINT64_MAX : now + latency,
                   .kind = POD_EV_DISK_DONE, .node = env->self, .a = index,
                   .b = n->incarnation};
    if (!pod_world_schedule(world, &e, NULL)) {
        inflight_release(n, index);
        return POD_ELIMIT;
    }
    return POD_OK;
}

void pod_world_disk_complete(pod_world *world, uint16_t node, uint32_t index, pod_disk_done *done) {
    pod_world_node *n = &world->nodes[node];
    pod_disk_inflight *f = &n->inflight[index];
    assert(f->in_use);
    pod_status status = f->status;
    if (f->op == POD_DISK_FSYNC) {
        status = pod_disk_sync_ref(n->disk, &n->disk_rng, f->ref, f->barrier);
    } else if (f->op == POD_DISK_DIR_FSYNC) {
        status = pod_disk_sync_dir(n->disk, &n->disk_rng, f->barrier);
    }
    *done = (pod_disk_done){.op = f->op, .status = status, .fd = f->fd, .cookie = f->cookie};
    inflight_release(n, index);
    /* Low-Water Mark: is disk usage bounded? (docs/low-water-mark.md) */
    pod_disk_stats st;
    pod_disk_stats_get(n->disk, &st);
    if (st.used_bytes > world->counters[POD_CTR_DISK_PEAK_BYTES]) world->counters[POD_CTR_DISK_PEAK_BYTES] = st.used_bytes;
    if (st.files > world->counters[POD_CTR_DISK_PEAK_FILES]) world->counters[POD_CTR_DISK_PEAK_FILES] = st.files;
}

pod_status pod_world_disk_open(pod_env *env, const char *name, uint32_t flags, pod_fd *fd_out) {
    pod_status s = pod_disk_open(node_of(env)->disk, name, flags, fd_out);
    trace_op(env, TR_OPEN, s, name);
    return s;
}

pod_status pod_world_disk_close(pod_env *env, pod_fd fd) {
    pod_status s = pod_disk_close(node_of(env)->disk, fd);
    trace_op(env, TR_CLOSE, s, NULL);
    return s;
}

pod_status pod_world_disk_size(pod_env *env, pod_fd fd, uint64_t *size_out) {
    return pod_disk_size(node_of(env)->disk, fd, size_out);
}

pod_status pod_world_disk_read(pod_env *env, pod_fd fd, uint64_t offset, void *buf, uint32_t len,
                           uint32_t *got_out) {
    pod_world_node *n = node_of(env);
    pod_status s = pod_disk_read(n->disk, &n->disk_rng, fd, offset, buf, len, got_out);
    trace_op(env, TR_READ, s, NULL);
    return s;
}

pod_status pod_world_disk_write(pod_env *env, pod_fd fd, uint64_t offset, const void *bytes,
                            uint32_t len, uint64_t cookie) {
    pod_world_node *n = node_of(env);
    uint32_t index;
    pod_disk_inflight *f = inflight_take(n, &index);
    if (!f) return POD_ELIMIT;
    pod_status s = pod_disk_write(n->disk, &n->disk_rng, fd, offset, bytes, len);
    trace_op(env, POD_DISK_WRITE, s, NULL);
    if (s != POD_OK) {
        inflight_release(n, index);
        return s;
    }
    *f = (pod_disk_inflight){.in_use = true, .op = POD_DISK_WRITE, .status = POD_OK, .fd = fd,
                             .cookie = cookie};
    return submit(env, f, index, len);
}

pod_status pod_world_disk_truncate(pod_env *env, pod_fd fd, uint64_t size) {
    pod_status s = pod_disk_truncate(node_of(env)->disk, fd, size);
    trace_op(env, TR_TRUNCATE, s, NULL);
    return s;
}

pod_status pod_world_disk_fsync(pod_env *env, pod_fd fd, uint64_t cookie) {
    pod_world_node *n = node_of(env);
    pod_disk_file_ref ref;
    pod_status s = pod_disk_fd_file(n->disk, fd, &ref);
    trace_op(env, POD_DISK_FSYNC, s, NULL);
    if (s != POD_OK) return s;
    uint32_t index;
    pod_disk_inflight *f = inflight_take(n, &index);
    if (!f) return POD_ELIMIT;
    *f = (pod_disk_inflight){.in_use = true, .op = POD_DISK_FSYNC, .fd = fd, .cookie = cookie,
                             .ref = ref, .barrier = pod_disk_barrier(n->disk)};
    return submit(env, f, index, pod_disk_file_unsynced_bytes(n->disk, ref));
}

pod_status pod_world_disk_dir_fsync(pod_env *env, uint64_t cookie) {
    pod_world_node *n = node_of(env);
    trace_op(env, POD_DISK_DIR_FSYNC, POD_OK, NULL);
    uint32_t index;
    pod_disk_inflight *f = inflight_take(n, &index);
    if (!f) return POD_ELIMIT;
    *f = (pod_disk_inflight){.in_use = true, .op = POD_DISK_DIR_FSYNC, .fd = -1, .cookie = cookie,
                             .barrier = pod_disk_barrier(n->disk)};
    return submit(env, f, index, 0);
}

pod_status pod_world_disk_rename(pod_env *env, const char *from, const char *to) {
    pod_status s = pod_disk_rename(node_of(env)->disk, from, to);
    trace_op(env, TR_RENAME, s, to);
    return s;
}

pod_status pod_world_disk_unlink(pod_env *env, const char *name) {
    pod_status s = pod_disk_unlink(node_of(env)->disk, name);
    trace_op(env, TR_UNLINK, s, name);
    return s;
}

pod_status pod_world_disk_list(pod_env *env, void (*visit)(void *arg, const char *name), void *arg) {
    pod_status s = pod_disk_list(node_of(env)->disk, visit, arg);
    trace_op(env, TR_LIST, s, NULL);
    return s;
}
