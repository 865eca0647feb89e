/* disk_crash.c — power loss, injected bit flips and latency of the simulated
 * disk. What each can do is documented in docs/disk-model.md; the order of
 * rng draws below is part of the behaviour (same draws, same bytes). */
#include "sim/disk_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Picks one of n outcomes; outcome i < n-1 has probability ppm[i], the last
 * one the rest. Draws nothing when the outcome is certain. */
static unsigned pick(pod_rng *rng, const uint32_t *ppm, unsigned n) {
    assert(n >= 2);
    uint64_t sum = 0;
    for (unsigned i = 0; i + 1 < n; i++) {
        if (ppm[i] == POD_PPM_ONE) return i;
        sum += ppm[i];
    }
    assert(sum <= POD_PPM_ONE);
    if (sum == 0) return n - 1;
    uint64_t r = pod_rng_below(rng, POD_PPM_ONE);
    uint64_t acc = 0;
    for (unsigned i = 0; i + 1 < n; i++) {
        acc += ppm[i];
        if (r < acc) return i;
    }
    return n - 1;
}

/* Fills bytes with rng output, byte by byte from each word's low end, so
 * the result does not depend on the host's endianness. */
static void fill_garbage(pod_rng *rng, uint8_t *bytes, uint64_t len) {
    uint64_t word = 0;
    for (uint64_t i = 0; i < len; i++) {
        if (i % 8 == 0) word = pod_rng_next(rng);
        bytes[i] = (uint8_t)(word >> (8 * (i % 8)));
    }
}

enum { TEAR_NEW, TEAR_ZERO, TEAR_GARBAGE, TEAR_OLD, TEAR_OUTCOMES };

/* A write torn by power loss: every sector it touches, independently, ends
 * up with the old bytes, the new bytes, zeros, or garbage. With powersafe
 * overwrite only the bytes the write covers in that sector can change;
 * without it a zeroed or garbage sector is damaged whole (clipped to the
 * file's end). The file grows to the write's end whatever the sectors do:
 * the size made it to disk, the data maybe not — old bytes past the old end
 * are the hole's zeros. */
static void tear_write(const pod_disk *disk, pod_rng *rng, disk_bytes *b, const disk_data_op *op) {
    assert(op->kind == DISK_DATA_WRITE && op->len > 0);
    uint64_t const sector = disk->config.sector_size;
    uint64_t const start = op->offset;
    uint64_t const end = op->offset + op->len;
    if (end > b->size) disk_bytes_resize(b, end);
    uint32_t const ppm[TEAR_OUTCOMES] = {disk->config.tear_new_ppm, disk->config.tear_zero_ppm,
                                         disk->config.tear_garbage_ppm, 0};
    uint64_t const first = start / sector;
    uint64_t const last = (end - 1) / sector;
    /* Bounded: len / sector + 2 sectors at most. */
    for (uint64_t s = first; s <= last; s++) {
        uint64_t const sec_lo = s * sector;
        uint64_t const sec_hi = sec_lo + sector < b->size ? sec_lo + sector : b->size;
        uint64_t const part_lo = start > sec_lo ? start : sec_lo;
        uint64_t const part_hi = end < sec_hi ? end : sec_hi;
        assert(part_lo < part_hi);
        uint64_t const lo = disk->config.powersafe_overwrite ? part_lo : sec_lo;
        uint64_t const hi = disk->config.powersafe_overwrite ? part_hi : sec_hi;
        switch (pick(rng, ppm, TEAR_OUTCOMES)) {
        case TEAR_NEW:
            memcpy(b->data + part_lo, op->bytes + (part_lo - start), (size_t)(part_hi - part_lo));
            break;
        case TEAR_ZERO:
            memset(b->data + lo, 0, (size_t)(hi - lo));
            break;
        case TEAR_GARBAGE:
            fill_garbage(rng, b->data + lo, hi - lo);
            break;
        default:
            break; /* old: the sector never left the cache */
        }
    }
}

/* Total durable bytes of durably named files. */
static uint64_t durable_bytes_total(const pod_disk *disk) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < disk->durable_names.count; i++) {
        total += disk->inodes[disk->durable_names.entries[i].ino].durable.size;
    }
    return total;
}

/* Flips the bit at global position `pos` (bytes, over durable names in
 * name order) and marks the file's view stale. */
static void flip_at(pod_disk *disk, uint64_t pos, unsigned bit) {
    for (uint32_t i = 0; i < disk->durable_names.count; i++) {
        disk_inode *n = &disk->inodes[disk->durable_names.entries[i].ino];
        if (pos < n->durable.size) {
            n->durable.data[pos] ^= (uint8_t)(1u << bit);
            n->view_stale = true;
            disk->stats.bitflips++;
            disk->durable_version++;
            return;
        }
        pos -= n->durable.size;
    }
    assert(!"bit flip position past the durable bytes");
}

pod_status pod_disk_inject_bitflip(pod_disk *disk, pod_rng *rng) {
    assert(disk != NULL && rng != NULL);
    uint64_t total = durable_bytes_total(disk);
    if (total == 0) return POD_ENOENT;
    uint64_t pos = pod_rng_below(rng, total);
    unsigned bit = (unsigned)pod_rng_below(rng, 8);
    flip_at(disk, pos, bit);
    return POD_OK;
}

pod_status pod_disk_flip_bit(pod_disk *disk, const char *name, uint64_t offset, unsigned bit) {
    assert(disk != NULL);
    if (bit > 7) return POD_EINVAL;
    uint64_t size = 0;
    pod_status st = pod_disk_durable_size(disk, name, &size);
    if (st != POD_OK) return st;
    if (offset >= size) return POD_EINVAL;
    /* Translate to a global position so one code path flips. */
    uint64_t pos = offset;
    for (uint32_t i = 0; i < disk->durable_names.count; i++) {
        if (strcmp(disk->durable_names.entries[i].name, name) == 0) break;
        pos += disk->inodes[disk->durable_names.entries[i].ino].durable.size;
    }
    flip_at(disk, pos, bit);
    return POD_OK;
}

void pod_disk_crash(pod_disk *disk, pod_rng *rng) {
    assert(disk != NULL && rng != NULL);
    pod_disk_config const *c = &disk->config;
    disk->stats.crashes++;
    disk->durable_version++; /* whatever the draws below keep or undo */

    /* 1. Every fd dies with the process. */
    for (uint32_t i = 0; i < c->fds_max; i++) disk->fds[i] = (disk_fd_slot){0};
    disk->fds_open = 0;
    for (uint32_t i = 0; i < c->files_max; i++) disk->inodes[i].open_count = 0;

    /* 2. Unsynced writes and truncates, in submission order, each decided
     * on its own and replayed onto the durable bytes. */
    uint32_t const write_ppm[3] = {c->crash_keep_ppm, c->crash_drop_ppm, 0};
    for (uint32_t i = 0; i < disk->data_op_count; i++) {
        disk_data_op *op = &disk->data_ops[i];
        disk_inode *n = &disk->inodes[op->ino];
        if (op->kind == DISK_DATA_WRITE) {
            switch (pick(rng, write_ppm, 3)) {
            case 0:
                disk_data_op_apply(&n->durable, op);
                disk->stats.crash_writes_kept++;
                break;
            case 1:
                disk->stats.crash_writes_dropped++;
                break;
            default:
                tear_write(disk, rng, &n->durable, op);
                disk->stats.crash_writes_torn++;
                break;
            }
        } else if (pod_rng_chance(rng, c->crash_undo_truncate_ppm)) {
            disk->stats.crash_truncates_undone++;
        } else {
            disk_data_op_apply(&n->durable, op);
        }
        free(op->bytes);
        assert(n->data_refs > 0);
        n->data_refs--;
    }
    disk->data_op_count = 0;
    disk->unsynced_bytes = 0;

    /* 3. Unsynced namespace changes, in submission order, each kept or
     * undone on its own; a kept change that an undone earlier one made
     * impossible (its name is not where it was) is lost too. The result is
     * always the synced namespace plus an in-order subsequence of the
     * changes, each valid where it was replayed. */
    for (uint32_t i = 0; i < disk->name_op_count; i++) {
        disk_name_op const *op = &disk->name_ops[i];
        if (pod_rng_chance(rng, c->crash_undo_name_ppm)) {
            disk->stats.crash_names_undone++;
        } else if (!disk_name_op_replay_durable(disk, op)) {
            disk->stats.crash_names_lost++;
        }
        disk->inodes[op->ino].name_refs--;
        if (op->replaced != DISK_INO_NONE) disk->inodes[op->replaced].name_refs--;
    }
    disk->name_op_count = 0;

    /* 4. Silent corruption of what is stored. */
    if (pod_rng_chance(rng, c->faults.bitflip_on_crash_ppm)) {
        (void)pod_disk_inject_bitflip(disk, rng);
    }

    /* 5. The view restarts from the disk: files without a durable name are
     * gone, every other file reads its durable bytes. */
    disk_recount_used(disk); /* durable sizes changed above */
    disk->view_names.count = disk->durable_names.count;
    memcpy(disk->view_names.entries, disk->durable_names.entries,
           (size_t)disk->durable_names.count * sizeof disk->durable_names.entries[0]);
    for (uint32_t i = 0; i < c->files_max; i++) {
        disk_inode *n = &disk->inodes[i];
        if (!n->used) continue;
        assert(n->name_refs == 0 && n->data_refs == 0);
        n->view_links = n->durable_links;
        if (!disk_inode_release_if_unused(disk, i)) {
            disk_bytes_copy(&n->view, &n->durable);
            n->view_stale = false;
        }
    }
    disk_recount_used(disk);
}

/* a + b, or UINT64_MAX when it does not fit. */
static uint64_t add_sat(uint64_t a, uint64_t b) {
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t draw_between(pod_rng *rng, uint64_t lo, uint64_t hi) {
    return lo == hi ? lo : pod_rng_range(rng, lo, hi); /* a fixed value draws nothing */
}

uint64_t pod_disk_latency_ns(pod_disk *disk, pod_rng *rng, pod_disk_op op, uint64_t bytes) {
    assert(disk != NULL && rng != NULL);
    pod_disk_config const *c = &disk->config;
    uint64_t ns;
    switch (op) {
    case POD_DISK_WRITE:
        ns = draw_between(rng, c->write_latency_min_ns, c->write_latency_max_ns);
        break;
    case POD_DISK_FSYNC:
    case POD_DISK_DIR_FSYNC:
        ns = draw_between(rng, c->sync_latency_min_ns, c->sync_latency_max_ns);
        break;
    default:
        assert(!"unknown disk op");
        return 0;
    }
    /* Whole KiB and the remainder apart, so the remainder's product fits
     * (transfer_ns_per_kib <= POD_DISK_TRANSFER_NS_PER_KIB_MAX); whole KiB
     * saturate. */
    uint64_t const per_kib = c->transfer_ns_per_kib;
    uint64_t const kib = bytes / 1024;
    uint64_t transfer = (per_kib != 0 && kib > UINT64_MAX / per_kib) ? UINT64_MAX : kib * per_kib;
    transfer = add_sat(transfer, (bytes % 1024) * per_kib / 1024);
    ns = add_sat(ns, transfer);
    if (pod_rng_chance(rng, c->faults.stall_ppm)) {
        disk->stats.stalls++;
        ns = add_sat(ns, draw_between(rng, c->faults.stall_min_ns, c->faults.stall_max_ns));
    }
    return ns;
}
