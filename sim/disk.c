/* disk.c — the simulated disk: files, fds, the namespace, unsynced
 * operations and syncs. Crashes, injected faults and latency live in
 * disk_crash.c, the invariant check in disk_check.c. */
#include "sim/disk_internal.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Memory and byte buffers                                             */
/* ------------------------------------------------------------------ */

void *disk_xrealloc(void *ptr, size_t bytes) {
    assert(bytes > 0);
    void *p = realloc(ptr, bytes);
    if (p == NULL) {
        /* The config bounds every buffer; running out anyway means the
         * host cannot run this configuration, and a run that continued
         * differently would not be deterministic. */
        fprintf(stderr, "podsim: disk: out of memory allocating %zu bytes\n", bytes);
        abort();
    }
    return p;
}

void disk_bytes_free(disk_bytes *b) {
    free(b->data);
    b->data = NULL;
    b->size = 0;
    b->cap = 0;
}

static void bytes_reserve(disk_bytes *b, uint64_t size) {
    if (size <= b->cap) return;
    uint64_t cap = b->cap < 4096 ? 4096 : b->cap;
    while (cap < size) {
        /* Doubling keeps appends amortised O(1); the config bounds size. */
        cap = cap > UINT64_MAX / 2 ? size : cap * 2;
    }
    assert(cap <= SIZE_MAX);
    b->data = disk_xrealloc(b->data, (size_t)cap);
    b->cap = cap;
}

void disk_bytes_resize(disk_bytes *b, uint64_t size) {
    if (size > b->size) {
        bytes_reserve(b, size);
        memset(b->data + b->size, 0, (size_t)(size - b->size));
    }
    b->size = size;
}

void disk_bytes_write(disk_bytes *b, uint64_t offset, const uint8_t *src, uint64_t len) {
    if (len == 0) return;
    assert(offset <= UINT64_MAX - len);
    uint64_t const end = offset + len;
    if (end > b->size) {
        /* Appends are the common write: zero only a hole before the
         * write, not the bytes it is about to cover. */
        bytes_reserve(b, end);
        if (offset > b->size) memset(b->data + b->size, 0, (size_t)(offset - b->size));
        b->size = end;
    }
    memcpy(b->data + offset, src, (size_t)len);
}

void disk_bytes_copy(disk_bytes *dst, const disk_bytes *src) {
    dst->size = 0;
    disk_bytes_resize(dst, src->size);
    if (src->size > 0) memcpy(dst->data, src->data, (size_t)src->size);
}

void disk_data_op_apply(disk_bytes *b, const disk_data_op *op) {
    switch (op->kind) {
    case DISK_DATA_WRITE:
        disk_bytes_write(b, op->offset, op->bytes, op->len);
        return;
    case DISK_DATA_TRUNCATE:
        disk_bytes_resize(b, op->offset);
        return;
    }
    assert(!"unknown data op kind");
}

uint64_t disk_inode_footprint(const disk_inode *n) {
    return n->durable.size > n->view.size ? n->durable.size : n->view.size;
}

/* ------------------------------------------------------------------ */
/* Namespaces: sorted arrays, byte-wise order                          */
/* ------------------------------------------------------------------ */

int64_t disk_names_find(const disk_names *names, const char *name, uint32_t *pos_out) {
    uint32_t lo = 0;
    uint32_t hi = names->count;
    while (lo < hi) { /* binary search: at most 32 rounds */
        uint32_t mid = lo + (hi - lo) / 2;
        /* strcmp compares as unsigned char: byte-wise order. */
        int c = strcmp(names->entries[mid].name, name);
        if (c == 0) {
            if (pos_out) *pos_out = mid;
            return mid;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    if (pos_out) *pos_out = lo;
    return -1;
}

void disk_names_insert(disk_names *names, uint32_t pos, const char *name, uint32_t ino) {
    assert(names->count < names->capacity);
    assert(pos <= names->count);
    assert(strlen(name) <= POD_FILE_NAME_MAX);
    memmove(&names->entries[pos + 1], &names->entries[pos],
            (size_t)(names->count - pos) * sizeof names->entries[0]);
    disk_entry *e = &names->entries[pos];
    memset(e->name, 0, sizeof e->name);
    memcpy(e->name, name, strlen(name));
    e->ino = ino;
    names->count++;
}

void disk_names_remove(disk_names *names, uint32_t pos) {
    assert(pos < names->count);
    memmove(&names->entries[pos], &names->entries[pos + 1],
            (size_t)(names->count - pos - 1) * sizeof names->entries[0]);
    names->count--;
}

/* A name the node passed: 1..POD_FILE_NAME_MAX bytes, no '/', not "." or
 * "..". Reads at most POD_FILE_NAME_MAX + 1 bytes of it. */
static pod_status name_check(const char *name) {
    if (name == NULL) return POD_EINVAL;
    size_t len = 0;
    while (len <= POD_FILE_NAME_MAX && name[len] != '\0') {
        if (name[len] == '/') return POD_EINVAL;
        len++;
    }
    if (len == 0 || len > POD_FILE_NAME_MAX) return POD_EINVAL;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return POD_EINVAL;
    return POD_OK;
}

/* ------------------------------------------------------------------ */
/* Inodes and fds                                                      */
/* ------------------------------------------------------------------ */

static uint32_t inode_alloc(pod_disk *disk) {
    for (uint32_t i = 0; i < disk->config.files_max; i++) {
        disk_inode *n = &disk->inodes[i];
        if (n->used) continue;
        uint32_t generation = n->generation + 1;
        memset(n, 0, sizeof *n);
        n->generation = generation;
        n->used = true;
        disk->inode_count++;
        return i;
    }
    return DISK_INO_NONE;
}

bool disk_inode_release_if_unused(pod_disk *disk, uint32_t ino) {
    if (ino == DISK_INO_NONE) return false;
    assert(ino < disk->config.files_max);
    disk_inode *n = &disk->inodes[ino];
    assert(n->used);
    if (n->open_count > 0 || n->name_refs > 0 || n->view_links > 0 || n->durable_links > 0) {
        return false;
    }
    if (n->data_refs > 0) {
        /* Unsynced writes of a file no name can ever reach again: a real
         * kernel discards such dirty pages too. Keep the rest in order. */
        uint32_t kept = 0;
        for (uint32_t i = 0; i < disk->data_op_count; i++) {
            disk_data_op *op = &disk->data_ops[i];
            if (op->ino == ino) {
                assert(disk->unsynced_bytes >= op->len);
                disk->unsynced_bytes -= op->len;
                free(op->bytes);
                continue;
            }
            disk->data_ops[kept++] = *op;
        }
        disk->data_op_count = kept;
        n->data_refs = 0;
    }
    uint64_t footprint = disk_inode_footprint(n);
    assert(disk->used_bytes >= footprint);
    disk->used_bytes -= footprint;
    disk_bytes_free(&n->durable);
    disk_bytes_free(&n->view);
    n->used = false;
    n->view_stale = false;
    assert(disk->inode_count > 0);
    disk->inode_count--;
    return true;
}

void disk_recount_used(pod_disk *disk) {
    uint64_t used = 0;
    for (uint32_t i = 0; i < disk->config.files_max; i++) {
        if (disk->inodes[i].used) used += disk_inode_footprint(&disk->inodes[i]);
    }
    disk->used_bytes = used;
}

void disk_view_rebuild(pod_disk *disk, uint32_t ino) {
    disk_inode *n = &disk->inodes[ino];
    assert(n->used);
    disk_bytes_copy(&n->view, &n->durable);
    for (uint32_t i = 0; i < disk->data_op_count; i++) {
        if (disk->data_ops[i].ino == ino) disk_data_op_apply(&n->view, &disk->data_ops[i]);
    }
    n->view_stale = false;
}

/* The inode behind an fd, or DISK_INO_NONE for anything not open. */
static uint32_t fd_inode(const pod_disk *disk, pod_fd fd) {
    if (fd < POD_DISK_FD_BASE) return DISK_INO_NONE;
    uint64_t index = (uint64_t)(fd - POD_DISK_FD_BASE);
    if (index >= disk->config.fds_max) return DISK_INO_NONE;
    const disk_fd_slot *slot = &disk->fds[index];
    if (!slot->used) return DISK_INO_NONE;
    assert(disk->inodes[slot->ino].used);
    return slot->ino;
}

/* ------------------------------------------------------------------ */
/* Configuration and lifetime                                          */
/* ------------------------------------------------------------------ */

pod_disk_config pod_disk_config_default(void) {
    return (pod_disk_config){
        .sector_size = 4096,
        .files_max = 256,
        .fds_max = 64,
        .unsynced_ops_max = 4096,
        .unsynced_names_max = 1024,
        .unsynced_bytes_max = 16u << 20,
        .capacity_bytes = 64u << 20,
        .file_size_max_bytes = 1ull << 30,
        .crash_keep_ppm = 400000,
        .crash_drop_ppm = 400000,
        .tear_new_ppm = 300000,
        .tear_zero_ppm = 200000,
        .tear_garbage_ppm = 200000,
        .crash_undo_truncate_ppm = 500000,
        .crash_undo_name_ppm = 500000,
        .powersafe_overwrite = true,
        .write_latency_min_ns = 10000,
        .write_latency_max_ns = 100000,
        .sync_latency_min_ns = 100000,
        .sync_latency_max_ns = 2000000,
        .transfer_ns_per_kib = 1000,
        .faults = {.stall_min_ns = 10000000, .stall_max_ns = 1000000000},
    };
}

static const char *faults_check(const pod_disk_faults *f) {
    if (f->read_eio_ppm > POD_PPM_ONE || f->write_enospc_ppm > POD_PPM_ONE ||
        f->fsync_eio_ppm > POD_PPM_ONE || f->dir_fsync_eio_ppm > POD_PPM_ONE ||
        f->bitflip_on_crash_ppm > POD_PPM_ONE || f->stall_ppm > POD_PPM_ONE) {
        return "a fault probability is above 1000000 ppm";
    }
    if (f->stall_min_ns > f->stall_max_ns) return "stall_min_ns is above stall_max_ns";
    return NULL;
}

const char *pod_disk_config_check(const pod_disk_config *c) {
    if (c->sector_size < POD_DISK_SECTOR_MIN || c->sector_size > POD_DISK_SECTOR_MAX ||
        (c->sector_size & (c->sector_size - 1)) != 0) {
        return "sector_size must be a power of two in 512..65536";
    }
    if (c->files_max < 1 || c->files_max > POD_DISK_FILES_LIMIT) {
        return "files_max must be in 1..65536";
    }
    if (c->fds_max < 1 || c->fds_max > POD_DISK_FDS_LIMIT) return "fds_max must be in 1..4096";
    if (c->unsynced_ops_max < 1 || c->unsynced_ops_max > POD_DISK_OPS_LIMIT) {
        return "unsynced_ops_max must be in 1..16777216";
    }
    if (c->unsynced_names_max < 1 || c->unsynced_names_max > POD_DISK_OPS_LIMIT) {
        return "unsynced_names_max must be in 1..16777216";
    }
    if (c->unsynced_bytes_max < 1) return "unsynced_bytes_max must be at least 1";
    if (c->file_size_max_bytes < 1 || c->file_size_max_bytes > (uint64_t)SIZE_MAX / 4) {
        return "file_size_max_bytes must be at least 1 and fit in memory";
    }
    if ((uint64_t)c->crash_keep_ppm + c->crash_drop_ppm > POD_PPM_ONE) {
        return "crash_keep_ppm + crash_drop_ppm must be at most 1000000";
    }
    if ((uint64_t)c->tear_new_ppm + c->tear_zero_ppm + c->tear_garbage_ppm > POD_PPM_ONE) {
        return "tear_new_ppm + tear_zero_ppm + tear_garbage_ppm must be at most 1000000";
    }
    if (c->crash_undo_truncate_ppm > POD_PPM_ONE || c->crash_undo_name_ppm > POD_PPM_ONE) {
        return "crash_undo_*_ppm must be at most 1000000";
    }
    if (c->transfer_ns_per_kib > POD_DISK_TRANSFER_NS_PER_KIB_MAX) {
        return "transfer_ns_per_kib must be at most 1000000000000";
    }
    if (c->write_latency_min_ns > c->write_latency_max_ns) {
        return "write_latency_min_ns is above write_latency_max_ns";
    }
    if (c->sync_latency_min_ns > c->sync_latency_max_ns) {
        return "sync_latency_min_ns is above sync_latency_max_ns";
    }
    return faults_check(&c->faults);
}

pod_disk *pod_disk_create(const pod_disk_config *config) {
    assert(config != NULL);
    assert(pod_disk_config_check(config) == NULL);
    pod_disk *disk = disk_xrealloc(NULL, sizeof *disk);
    memset(disk, 0, sizeof *disk);
    disk->config = *config;
    size_t files = config->files_max;
    disk->inodes = disk_xrealloc(NULL, files * sizeof disk->inodes[0]);
    memset(disk->inodes, 0, files * sizeof disk->inodes[0]);
    disk->view_names.entries = disk_xrealloc(NULL, files * sizeof(disk_entry));
    disk->view_names.capacity = config->files_max;
    disk->durable_names.entries = disk_xrealloc(NULL, files * sizeof(disk_entry));
    disk->durable_names.capacity = config->files_max;
    disk->fds = disk_xrealloc(NULL, (size_t)config->fds_max * sizeof disk->fds[0]);
    memset(disk->fds, 0, (size_t)config->fds_max * sizeof disk->fds[0]);
    return disk;
}

void pod_disk_destroy(pod_disk *disk) {
    if (disk == NULL) return;
    for (uint32_t i = 0; i < disk->data_op_count; i++) free(disk->data_ops[i].bytes);
    free(disk->data_ops);
    free(disk->name_ops);
    for (uint32_t i = 0; i < disk->config.files_max; i++) {
        disk_bytes_free(&disk->inodes[i].durable);
        disk_bytes_free(&disk->inodes[i].view);
    }
    free(disk->inodes);
    free(disk->view_names.entries);
    free(disk->durable_names.entries);
    free(disk->fds);
    free(disk);
}

void pod_disk_set_faults(pod_disk *disk, const pod_disk_faults *faults) {
    assert(faults_check(faults) == NULL);
    disk->config.faults = *faults;
}

const pod_disk_config *pod_disk_config_of(const pod_disk *disk) {
    return &disk->config;
}

/* ------------------------------------------------------------------ */
/* Unsynced operation lists                                            */
/* ------------------------------------------------------------------ */

/* Room for one more data op of len bytes, or POD_ELIMIT. */
static pod_status data_op_room(pod_disk *disk, uint32_t len) {
    if (disk->data_op_count >= disk->config.unsynced_ops_max) return POD_ELIMIT;
    if (len > disk->config.unsynced_bytes_max - disk->unsynced_bytes) return POD_ELIMIT;
    if (disk->data_op_count == disk->data_op_capacity) {
        uint32_t want = disk->data_op_capacity ? disk->data_op_capacity * 2 : 64;
        if (want > disk->config.unsynced_ops_max) want = disk->config.unsynced_ops_max;
        disk->data_ops = disk_xrealloc(disk->data_ops, (size_t)want * sizeof disk->data_ops[0]);
        disk->data_op_capacity = want;
    }
    return POD_OK;
}

static pod_status name_op_room(pod_disk *disk) {
    if (disk->name_op_count >= disk->config.unsynced_names_max) return POD_ELIMIT;
    if (disk->name_op_count == disk->name_op_capacity) {
        uint32_t want = disk->name_op_capacity ? disk->name_op_capacity * 2 : 32;
        if (want > disk->config.unsynced_names_max) want = disk->config.unsynced_names_max;
        disk->name_ops = disk_xrealloc(disk->name_ops, (size_t)want * sizeof disk->name_ops[0]);
        disk->name_op_capacity = want;
    }
    return POD_OK;
}

/* Appends a namespace change (room already checked). */
static void name_op_push(pod_disk *disk, disk_name_kind kind, uint32_t ino, uint32_t replaced,
                         const char *name, const char *to) {
    assert(disk->name_op_count < disk->name_op_capacity);
    disk_name_op *op = &disk->name_ops[disk->name_op_count++];
    memset(op, 0, sizeof *op);
    op->seq = ++disk->seq;
    op->kind = kind;
    op->ino = ino;
    op->replaced = replaced;
    memcpy(op->name, name, strlen(name));
    if (to) memcpy(op->to, to, strlen(to));
    disk->inodes[ino].name_refs++;
    if (replaced != DISK_INO_NONE) disk->inodes[replaced].name_refs++;
}

/* Whether a file's view may become view_size_after bytes: POD_ENOSPC when
 * the growth of its footprint does not fit the capacity. */
static pod_status space_for(const pod_disk *disk, const disk_inode *n, uint64_t view_size_after) {
    uint64_t before = disk_inode_footprint(n);
    uint64_t after = n->durable.size > view_size_after ? n->durable.size : view_size_after;
    if (after <= before) return POD_OK;
    uint64_t growth = after - before;
    uint64_t cap = disk->config.capacity_bytes;
    /* used_bytes may exceed the capacity after a sync or crash (see
     * docs/disk-model.md); then only writes that do not grow fit. */
    if (disk->used_bytes > cap || growth > cap - disk->used_bytes) return POD_ENOSPC;
    return POD_OK;
}

/* Applies a new data op to its file's view and the space accounting. */
static void data_op_push(pod_disk *disk, disk_data_op op) {
    assert(disk->data_op_count < disk->data_op_capacity);
    disk_inode *n = &disk->inodes[op.ino];
    uint64_t before = disk_inode_footprint(n);
    op.seq = ++disk->seq;
    disk->data_ops[disk->data_op_count++] = op;
    disk_data_op_apply(&n->view, &op);
    n->data_refs++;
    disk->unsynced_bytes += op.len;
    disk->used_bytes = disk->used_bytes - before + disk_inode_footprint(n);
}

/* ------------------------------------------------------------------ */
/* The node's operations                                               */
/* ------------------------------------------------------------------ */

pod_status pod_disk_open(pod_disk *disk, const char *name, uint32_t flags, pod_fd *fd_out) {
    assert(disk != NULL);
    if (fd_out == NULL) return POD_EINVAL;
    pod_status st = name_check(name);
    if (st != POD_OK) return st;
    if ((flags & ~(uint32_t)(POD_OPEN_CREATE | POD_OPEN_EXCL)) != 0) return POD_EINVAL;
    /* EXCL without CREATE is undefined in POSIX: refuse it. */
    if ((flags & POD_OPEN_EXCL) && !(flags & POD_OPEN_CREATE)) return POD_EINVAL;

    uint32_t pos = 0;
    int64_t found = disk_names_find(&disk->view_names, name, &pos);
    if (found >= 0 && (flags & POD_OPEN_EXCL)) return POD_EEXIST;
    if (found < 0 && !(flags & POD_OPEN_CREATE)) return POD_ENOENT;

    uint32_t fd_index = UINT32_MAX;
    for (uint32_t i = 0; i < disk->config.fds_max; i++) { /* lowest free, as POSIX */
        if (!disk->fds[i].used) {
            fd_index = i;
            break;
        }
    }
    if (fd_index == UINT32_MAX) return POD_ELIMIT;

    uint32_t ino;
    if (found >= 0) {
        ino = disk->view_names.entries[found].ino;
    } else {
        /* Out of inodes is ENOSPC, as on Linux. Check every limit before
         * changing anything. */
        if (disk->inode_count >= disk->config.files_max) return POD_ENOSPC;
        st = name_op_room(disk);
        if (st != POD_OK) return st;
        ino = inode_alloc(disk);
        assert(ino != DISK_INO_NONE);
        disk_names_insert(&disk->view_names, pos, name, ino);
        disk->inodes[ino].view_links = 1;
        name_op_push(disk, DISK_NAME_CREATE, ino, DISK_INO_NONE, name, NULL);
    }
    disk->fds[fd_index] = (disk_fd_slot){.ino = ino, .used = true};
    disk->fds_open++;
    disk->inodes[ino].open_count++;
    *fd_out = (pod_fd)(POD_DISK_FD_BASE + (int32_t)fd_index);
    return POD_OK;
}

pod_status pod_disk_close(pod_disk *disk, pod_fd fd) {
    assert(disk != NULL);
    uint32_t ino = fd_inode(disk, fd);
    if (ino == DISK_INO_NONE) return POD_EBADF;
    disk_fd_slot *slot = &disk->fds[fd - POD_DISK_FD_BASE];
    slot->used = false;
    slot->ino = 0;
    assert(disk->fds_open > 0);
    disk->fds_open--;
    disk_inode *n = &disk->inodes[ino];
    assert(n->open_count > 0);
    n->open_count--;
    disk_inode_release_if_unused(disk, ino);
    return POD_OK;
}

void pod_disk_close_all(pod_disk *disk) {
    for (uint32_t i = 0; i < disk->config.fds_max; i++) {
        if (disk->fds[i].used) pod_disk_close(disk, (pod_fd)(POD_DISK_FD_BASE + (int32_t)i));
    }
}

pod_status pod_disk_size(const pod_disk *disk, pod_fd fd, uint64_t *size_out) {
    assert(disk != NULL);
    uint32_t ino = fd_inode(disk, fd);
    if (ino == DISK_INO_NONE) return POD_EBADF;
    if (size_out == NULL) return POD_EINVAL;
    *size_out = disk->inodes[ino].view.size;
    return POD_OK;
}

pod_status pod_disk_read(pod_disk *disk, pod_rng *rng, pod_fd fd, uint64_t offset, void *buf,
                         uint32_t len, uint32_t *got_out) {
    assert(disk != NULL && rng != NULL);
    uint32_t ino = fd_inode(disk, fd);
    if (ino == DISK_INO_NONE) return POD_EBADF;
    if (got_out == NULL || (buf == NULL && len > 0)) return POD_EINVAL;
    *got_out = 0;
    if (pod_rng_chance(rng, disk->config.faults.read_eio_ppm)) {
        disk->stats.read_eio++;
        return POD_EIO;
    }
    const disk_bytes *view = &disk->inodes[ino].view;
    if (offset >= view->size) return POD_OK;
    uint64_t avail = view->size - offset;
    uint32_t got = avail < len ? (uint32_t)avail : len;
    if (got > 0) memcpy(buf, view->data + offset, got);
    *got_out = got;
    return POD_OK;
}

pod_status pod_disk_write(pod_disk *disk, pod_rng *rng, pod_fd fd, uint64_t offset,
                          const void *bytes, uint32_t len) {
    assert(disk != NULL && rng != NULL);
    uint32_t ino = fd_inode(disk, fd);
    if (ino == DISK_INO_NONE) return POD_EBADF;
    if (len == 0) return POD_OK;
    if (bytes == NULL) return POD_EINVAL;
    uint64_t const size_max = disk->config.file_size_max_bytes;
    if (offset > size_max || len > size_max - offset) return POD_EINVAL;
    pod_status st = data_op_room(disk, len);
    if (st != POD_OK) return st;
    disk_inode *n = &disk->inodes[ino];
    uint64_t end = offset + len;
    if (space_for(disk, n, end > n->view.size ? end : n->view.size) != POD_OK) {
        disk->stats.write_enospc_full++;
        return POD_ENOSPC;
    }
    /* Drawn only for a write that would otherwise succeed. */
    if (pod_rng_chance(rng, disk->config.faults.write_enospc_ppm)) {
        disk->stats.write_enospc_injected++;
        return POD_ENOSPC;
    }
    uint8_t *copy = disk_xrealloc(NULL, len);
    memcpy(copy, bytes, len);
    data_op_push(disk, (disk_data_op){
                           .offset = offset, .bytes = copy, .len = len, .ino = ino,
                           .kind = DISK_DATA_WRITE});
    return POD_OK;
}

pod_status pod_disk_truncate(pod_disk *disk, pod_fd fd, uint64_t size) {
    assert(disk != NULL);
    uint32_t ino = fd_inode(disk, fd);
    if (ino == DISK_INO_NONE) return POD_EBADF;
    if (size > disk->config.file_size_max_bytes) return POD_EINVAL;
    pod_status st = data_op_room(disk, 0);
    if (st != POD_OK) return st;
    if (space_for(disk, &disk->inodes[ino], size) != POD_OK) {
        disk->stats.write_enospc_full++;
        return POD_ENOSPC;
    }
    /* Recorded even when the size does not change: a crash replays it
     * against whatever survived before it. */
    data_op_push(disk, (disk_data_op){.offset = size, .ino = ino, .kind = DISK_DATA_TRUNCATE});
    return POD_OK;
}

pod_status pod_disk_rename(pod_disk *disk, const char *from, const char *to) {
    assert(disk != NULL);
    pod_status st = name_check(from);
    if (st != POD_OK) return st;
    st = name_check(to);
    if (st != POD_OK) return st;
    int64_t from_index = disk_names_find(&disk->view_names, from, NULL);
    if (from_index < 0) return POD_ENOENT;
    if (strcmp(from, to) == 0) return POD_OK; /* POSIX: same file, nothing to do */
    st = name_op_room(disk);
    if (st != POD_OK) return st;

    uint32_t const ino = disk->view_names.entries[from_index].ino;
    disk_names_remove(&disk->view_names, (uint32_t)from_index);
    uint32_t pos = 0;
    int64_t to_index = disk_names_find(&disk->view_names, to, &pos);
    uint32_t replaced = DISK_INO_NONE;
    if (to_index >= 0) {
        replaced = disk->view_names.entries[to_index].ino;
        disk->view_names.entries[to_index].ino = ino;
        assert(disk->inodes[replaced].view_links == 1);
        disk->inodes[replaced].view_links = 0;
    } else {
        disk_names_insert(&disk->view_names, pos, to, ino);
    }
    /* The replaced file stays alive: the change names it until synced. */
    name_op_push(disk, DISK_NAME_RENAME, ino, replaced, from, to);
    return POD_OK;
}

pod_status pod_disk_unlink(pod_disk *disk, const char *name) {
    assert(disk != NULL);
    pod_status st = name_check(name);
    if (st != POD_OK) return st;
    int64_t index = disk_names_find(&disk->view_names, name, NULL);
    if (index < 0) return POD_ENOENT;
    st = name_op_room(disk);
    if (st != POD_OK) return st;
    uint32_t const ino = disk->view_names.entries[index].ino;
    disk_names_remove(&disk->view_names, (uint32_t)index);
    assert(disk->inodes[ino].view_links == 1);
    disk->inodes[ino].view_links = 0;
    name_op_push(disk, DISK_NAME_UNLINK, ino, DISK_INO_NONE, name, NULL);
    return POD_OK;
}

pod_status pod_disk_list(const pod_disk *disk, void (*visit)(void *arg, const char *name),
                         void *arg) {
    assert(disk != NULL);
    if (visit == NULL) return POD_EINVAL;
    uint32_t const count = disk->view_names.count;
    if (count == 0) return POD_OK;
    /* A snapshot, so that a visitor that unlinks or creates files does not
     * shift the walk. */
    disk_entry *snap = disk_xrealloc(NULL, (size_t)count * sizeof snap[0]);
    memcpy(snap, disk->view_names.entries, (size_t)count * sizeof snap[0]);
    for (uint32_t i = 0; i < count; i++) visit(arg, snap[i].name);
    free(snap);
    return POD_OK;
}

/* ------------------------------------------------------------------ */
/* Syncs                                                               */
/* ------------------------------------------------------------------ */

uint64_t pod_disk_barrier(const pod_disk *disk) {
    return disk->seq;
}

pod_status pod_disk_fd_file(const pod_disk *disk, pod_fd fd, pod_disk_file_ref *ref_out) {
    uint32_t ino = fd_inode(disk, fd);
    if (ino == DISK_INO_NONE) return POD_EBADF;
    if (ref_out == NULL) return POD_EINVAL;
    *ref_out = (pod_disk_file_ref){.slot = ino, .generation = disk->inodes[ino].generation};
    return POD_OK;
}

pod_status pod_disk_sync_file(pod_disk *disk, pod_rng *rng, pod_fd fd, uint64_t barrier) {
    pod_disk_file_ref ref;
    pod_status st = pod_disk_fd_file(disk, fd, &ref);
    if (st != POD_OK) return st;
    return pod_disk_sync_ref(disk, rng, ref, barrier);
}

static bool ref_alive(const pod_disk *disk, pod_disk_file_ref ref) {
    return ref.slot < disk->config.files_max && disk->inodes[ref.slot].used &&
           disk->inodes[ref.slot].generation == ref.generation;
}

pod_status pod_disk_sync_ref(pod_disk *disk, pod_rng *rng, pod_disk_file_ref ref,
                             uint64_t barrier) {
    assert(disk != NULL && rng != NULL);
    assert(barrier <= disk->seq); /* a barrier is taken, never invented */
    if (!ref_alive(disk, ref)) return POD_OK;
    uint32_t const ino = ref.slot;
    disk_inode *n = &disk->inodes[ino];
    uint64_t const before = disk_inode_footprint(n);

    /* Linux semantics on failure: the covered dirty data is not written,
     * yet marked clean — it is gone from the page cache and from any later
     * fsync, which will report success. */
    bool const failed = pod_rng_chance(rng, disk->config.faults.fsync_eio_ppm);

    /* One ordered pass: covered ops of this file leave the list (applied
     * to the durable bytes unless the sync failed); the rest keep order. */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < disk->data_op_count; i++) {
        disk_data_op *op = &disk->data_ops[i];
        if (op->ino == ino && op->seq <= barrier) {
            if (!failed) {
                disk_data_op_apply(&n->durable, op);
                disk->durable_version++;
            }
            assert(disk->unsynced_bytes >= op->len);
            disk->unsynced_bytes -= op->len;
            assert(n->data_refs > 0);
            n->data_refs--;
            free(op->bytes);
            continue;
        }
        disk->data_ops[kept++] = *op;
    }
    disk->data_op_count = kept;

    if (failed) {
        disk_view_rebuild(disk, ino);
        disk->stats.fsync_eio++;
    }
    disk->used_bytes = disk->used_bytes - before + disk_inode_footprint(n);
    disk_inode_release_if_unused(disk, ino);
    return failed ? POD_EIO : POD_OK;
}

/* A file loses its (only) durable name. */
static void durable_link_drop(pod_disk *disk, uint32_t ino) {
    assert(disk->inodes[ino].durable_links == 1);
    disk->inodes[ino].durable_links = 0;
}

bool disk_name_op_replay_durable(pod_disk *disk, const disk_name_op *op) {
    disk_names *names = &disk->durable_names;
    uint32_t pos = 0;
    int64_t index = disk_names_find(names, op->name, &pos);
    switch (op->kind) {
    case DISK_NAME_CREATE:
        if (index >= 0) return false;
        assert(disk->inodes[op->ino].durable_links == 0);
        disk_names_insert(names, pos, op->name, op->ino);
        disk->inodes[op->ino].durable_links = 1;
        return true;
    case DISK_NAME_UNLINK:
        if (index < 0 || names->entries[index].ino != op->ino) return false;
        disk_names_remove(names, (uint32_t)index);
        durable_link_drop(disk, op->ino);
        return true;
    case DISK_NAME_RENAME: {
        if (index < 0 || names->entries[index].ino != op->ino) return false;
        disk_names_remove(names, (uint32_t)index);
        /* Whatever `to` names here is replaced — atomically, as rename(2). */
        int64_t to_index = disk_names_find(names, op->to, &pos);
        if (to_index >= 0) {
            durable_link_drop(disk, names->entries[to_index].ino);
            names->entries[to_index].ino = op->ino;
        } else {
            disk_names_insert(names, pos, op->to, op->ino);
        }
        return true;
    }
    }
    assert(!"unknown namespace op kind");
    return false;
}

pod_status pod_disk_sync_dir(pod_disk *disk, pod_rng *rng, uint64_t barrier) {
    assert(disk != NULL && rng != NULL);
    assert(barrier <= disk->seq);
    if (pod_rng_chance(rng, disk->config.faults.dir_fsync_eio_ppm)) {
        /* Unlike file data, the changes stay unsynced: a retry may work. */
        disk->stats.dir_fsync_eio++;
        return POD_EIO;
    }
    /* The covered changes are a prefix of the list (seq ascending); made in
     * order against the view, they replay in order against the durable
     * names without fail. */
    uint32_t covered = 0;
    while (covered < disk->name_op_count && disk->name_ops[covered].seq <= barrier) {
        disk_name_op const *op = &disk->name_ops[covered];
        bool replayed = disk_name_op_replay_durable(disk, op);
        assert(replayed);
        (void)replayed;
        covered++;
    }
    /* Release the references only after all replays, then free files that
     * nothing reaches any more, in list order. */
    for (uint32_t i = 0; i < covered; i++) {
        disk_name_op const *op = &disk->name_ops[i];
        disk->inodes[op->ino].name_refs--;
        if (op->replaced != DISK_INO_NONE) disk->inodes[op->replaced].name_refs--;
    }
    for (uint32_t i = 0; i < covered; i++) {
        disk_name_op const *op = &disk->name_ops[i];
        if (disk->inodes[op->ino].used) disk_inode_release_if_unused(disk, op->ino);
        if (op->replaced != DISK_INO_NONE && disk->inodes[op->replaced].used) {
            disk_inode_release_if_unused(disk, op->replaced);
        }
    }
    if (covered > 0) {
        disk->durable_version++;
        memmove(disk->name_ops, disk->name_ops + covered,
                (size_t)(disk->name_op_count - covered) * sizeof disk->name_ops[0]);
        disk->name_op_count -= covered;
    }
    return POD_OK;
}

/* ------------------------------------------------------------------ */
/* Introspection                                                       */
/* ------------------------------------------------------------------ */

void pod_disk_stats_get(const pod_disk *disk, pod_disk_stats *out) {
    *out = disk->stats;
    out->files = disk->inode_count;
    out->names = disk->view_names.count;
    out->durable_names = disk->durable_names.count;
    out->fds_open = disk->fds_open;
    out->unsynced_writes = 0;
    out->unsynced_truncates = 0;
    for (uint32_t i = 0; i < disk->data_op_count; i++) {
        if (disk->data_ops[i].kind == DISK_DATA_WRITE) out->unsynced_writes++;
        else out->unsynced_truncates++;
    }
    out->unsynced_names = disk->name_op_count;
    out->unsynced_bytes = disk->unsynced_bytes;
    out->used_bytes = disk->used_bytes;
}

uint64_t pod_disk_durable_version(const pod_disk *disk) { return disk->durable_version; }

uint64_t pod_disk_file_unsynced_bytes(const pod_disk *disk, pod_disk_file_ref ref) {
    if (!ref_alive(disk, ref)) return 0;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < disk->data_op_count; i++) {
        if (disk->data_ops[i].ino == ref.slot) bytes += disk->data_ops[i].len;
    }
    return bytes;
}

/* The durable file of a name, or NULL. */
static const disk_inode *durable_file(const pod_disk *disk, const char *name) {
    if (name_check(name) != POD_OK) return NULL;
    int64_t index = disk_names_find(&disk->durable_names, name, NULL);
    if (index < 0) return NULL;
    return &disk->inodes[disk->durable_names.entries[index].ino];
}

pod_status pod_disk_durable_size(const pod_disk *disk, const char *name, uint64_t *size_out) {
    if (name_check(name) != POD_OK || size_out == NULL) return POD_EINVAL;
    const disk_inode *n = durable_file(disk, name);
    if (n == NULL) return POD_ENOENT;
    *size_out = n->durable.size;
    return POD_OK;
}

pod_status pod_disk_durable_read(const pod_disk *disk, const char *name, uint64_t offset,
                                 void *buf, uint32_t len, uint32_t *got_out) {
    if (name_check(name) != POD_OK || got_out == NULL || (buf == NULL && len > 0)) {
        return POD_EINVAL;
    }
    *got_out = 0;
    const disk_inode *n = durable_file(disk, name);
    if (n == NULL) return POD_ENOENT;
    if (offset >= n->durable.size) return POD_OK;
    uint64_t avail = n->durable.size - offset;
    uint32_t got = avail < len ? (uint32_t)avail : len;
    if (got > 0) memcpy(buf, n->durable.data + offset, got);
    *got_out = got;
    return POD_OK;
}

/* The view of a file by name: what the node's own reads would return now. */
static const disk_inode *view_file(const pod_disk *disk, const char *name) {
    if (name_check(name) != POD_OK) return NULL;
    int64_t index = disk_names_find(&disk->view_names, name, NULL);
    if (index < 0) return NULL;
    return &disk->inodes[disk->view_names.entries[index].ino];
}

pod_status pod_disk_view_size(const pod_disk *disk, const char *name, uint64_t *size_out) {
    if (name_check(name) != POD_OK || size_out == NULL) return POD_EINVAL;
    const disk_inode *n = view_file(disk, name);
    if (n == NULL) return POD_ENOENT;
    *size_out = n->view.size;
    return POD_OK;
}

pod_status pod_disk_view_read(const pod_disk *disk, const char *name, uint64_t offset, void *buf,
                              uint32_t len, uint32_t *got_out) {
    if (name_check(name) != POD_OK || got_out == NULL || (buf == NULL && len > 0)) return POD_EINVAL;
    *got_out = 0;
    const disk_inode *n = view_file(disk, name);
    if (n == NULL) return POD_ENOENT;
    if (offset >= n->view.size) return POD_OK;
    uint64_t avail = n->view.size - offset;
    uint32_t got = avail < len ? (uint32_t)avail : len;
    if (got > 0) memcpy(buf, n->view.data + offset, got);
    *got_out = got;
    return POD_OK;
}

void pod_disk_durable_list(const pod_disk *disk, void (*visit)(void *arg, const char *name),
                           void *arg) {
    assert(visit != NULL);
    for (uint32_t i = 0; i < disk->durable_names.count; i++) {
        visit(arg, disk->durable_names.entries[i].name);
    }
}
