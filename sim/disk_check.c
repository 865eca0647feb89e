/* disk_check.c — the simulated disk's invariants, checked from scratch.
 * Slow (it rebuilds every view); tests call it after every step. */
#include "sim/disk_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static bool names_sane(const pod_disk *disk, const disk_names *names) {
    if (names->count > names->capacity) return false;
    for (uint32_t i = 0; i < names->count; i++) {
        const disk_entry *e = &names->entries[i];
        const char *nul = memchr(e->name, '\0', sizeof e->name);
        if (nul == NULL || nul == e->name) return false;
        if (e->ino >= disk->config.files_max || !disk->inodes[e->ino].used) return false;
        if (i > 0 && strcmp(names->entries[i - 1].name, e->name) >= 0) return false;
    }
    return true;
}

/* Replays a namespace change on a bare name table, as the view saw it when
 * it was made (so every precondition must hold). */
static bool replay_on(disk_names *names, const disk_name_op *op) {
    uint32_t pos = 0;
    int64_t index = disk_names_find(names, op->name, &pos);
    switch (op->kind) {
    case DISK_NAME_CREATE:
        if (index >= 0) return false;
        disk_names_insert(names, pos, op->name, op->ino);
        return true;
    case DISK_NAME_UNLINK:
        if (index < 0 || names->entries[index].ino != op->ino) return false;
        disk_names_remove(names, (uint32_t)index);
        return true;
    case DISK_NAME_RENAME: {
        if (index < 0 || names->entries[index].ino != op->ino) return false;
        disk_names_remove(names, (uint32_t)index);
        int64_t to_index = disk_names_find(names, op->to, &pos);
        uint32_t was = to_index >= 0 ? names->entries[to_index].ino : DISK_INO_NONE;
        if (was != op->replaced) return false;
        if (to_index >= 0) names->entries[to_index].ino = op->ino;
        else disk_names_insert(names, pos, op->to, op->ino);
        return true;
    }
    }
    return false;
}

/* The view's namespace must be the durable one plus every unsynced change. */
static bool namespace_replays(const pod_disk *disk) {
    disk_names scratch = {.count = disk->durable_names.count,
                          .capacity = disk->config.files_max};
    scratch.entries = disk_xrealloc(NULL, (size_t)scratch.capacity * sizeof(disk_entry));
    memcpy(scratch.entries, disk->durable_names.entries,
           (size_t)scratch.count * sizeof(disk_entry));
    bool ok = true;
    for (uint32_t i = 0; ok && i < disk->name_op_count; i++) {
        ok = replay_on(&scratch, &disk->name_ops[i]);
    }
    if (ok && scratch.count != disk->view_names.count) ok = false;
    for (uint32_t i = 0; ok && i < scratch.count; i++) {
        ok = strcmp(scratch.entries[i].name, disk->view_names.entries[i].name) == 0 &&
             scratch.entries[i].ino == disk->view_names.entries[i].ino;
    }
    free(scratch.entries);
    return ok;
}

/* Each file's view must be its durable bytes plus its unsynced ops. */
static bool view_replays(const pod_disk *disk, uint32_t ino) {
    const disk_inode *n = &disk->inodes[ino];
    disk_bytes scratch = {0};
    disk_bytes_copy(&scratch, &n->durable);
    for (uint32_t i = 0; i < disk->data_op_count; i++) {
        if (disk->data_ops[i].ino == ino) disk_data_op_apply(&scratch, &disk->data_ops[i]);
    }
    bool ok = scratch.size == n->view.size &&
              (scratch.size == 0 || memcmp(scratch.data, n->view.data, (size_t)scratch.size) == 0);
    disk_bytes_free(&scratch);
    return ok;
}

bool pod_disk_invariants_hold(const pod_disk *disk) {
    const pod_disk_config *c = &disk->config;
    if (!names_sane(disk, &disk->view_names) || !names_sane(disk, &disk->durable_names)) {
        return false;
    }
    if (!namespace_replays(disk)) return false;

    /* Sequence numbers ascend; counts and bytes add up. */
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < disk->data_op_count; i++) {
        const disk_data_op *op = &disk->data_ops[i];
        if (op->seq == 0 || op->seq > disk->seq) return false;
        if (i > 0 && disk->data_ops[i - 1].seq >= op->seq) return false;
        if (op->ino >= c->files_max || !disk->inodes[op->ino].used) return false;
        if (op->kind == DISK_DATA_WRITE && (op->len == 0 || op->bytes == NULL)) return false;
        if (op->kind == DISK_DATA_TRUNCATE && op->len != 0) return false;
        bytes += op->len;
    }
    if (bytes != disk->unsynced_bytes || bytes > c->unsynced_bytes_max) return false;
    if (disk->data_op_count > c->unsynced_ops_max) return false;
    if (disk->name_op_count > c->unsynced_names_max) return false;
    for (uint32_t i = 0; i < disk->name_op_count; i++) {
        const disk_name_op *op = &disk->name_ops[i];
        if (op->seq == 0 || op->seq > disk->seq) return false;
        if (i > 0 && disk->name_ops[i - 1].seq >= op->seq) return false;
    }

    /* Every live file: its counts match what names it, it is reachable,
     * and its view replays. */
    uint32_t live = 0;
    uint32_t fds_open = 0;
    uint64_t used = 0;
    for (uint32_t i = 0; i < c->fds_max; i++) {
        if (!disk->fds[i].used) continue;
        fds_open++;
        if (disk->fds[i].ino >= c->files_max || !disk->inodes[disk->fds[i].ino].used) return false;
    }
    if (fds_open != disk->fds_open) return false;
    for (uint32_t ino = 0; ino < c->files_max; ino++) {
        const disk_inode *n = &disk->inodes[ino];
        if (!n->used) continue;
        live++;
        used += disk_inode_footprint(n);
        uint32_t view_links = 0, durable_links = 0, open = 0, name_refs = 0, data_refs = 0;
        for (uint32_t i = 0; i < disk->view_names.count; i++) {
            view_links += disk->view_names.entries[i].ino == ino;
        }
        for (uint32_t i = 0; i < disk->durable_names.count; i++) {
            durable_links += disk->durable_names.entries[i].ino == ino;
        }
        for (uint32_t i = 0; i < c->fds_max; i++) {
            open += disk->fds[i].used && disk->fds[i].ino == ino;
        }
        for (uint32_t i = 0; i < disk->data_op_count; i++) data_refs += disk->data_ops[i].ino == ino;
        for (uint32_t i = 0; i < disk->name_op_count; i++) {
            name_refs += disk->name_ops[i].ino == ino;
            name_refs += disk->name_ops[i].replaced == ino;
        }
        if (view_links != n->view_links || durable_links != n->durable_links) return false;
        if (view_links > 1 || durable_links > 1) return false;
        if (open != n->open_count) return false;
        if (name_refs != n->name_refs || data_refs != n->data_refs) return false;
        /* Unreachable files are freed at once: anything else is a leak. */
        if (open + name_refs + view_links + durable_links == 0) return false;
        if (n->durable.size > c->file_size_max_bytes || n->view.size > c->file_size_max_bytes) {
            return false;
        }
        if (!n->view_stale && !view_replays(disk, ino)) return false;
    }
    if (live != disk->inode_count || used != disk->used_bytes) return false;
    return true;
}
