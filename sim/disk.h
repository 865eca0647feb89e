/* disk.h — one node's simulated disk: a flat directory of files with the
 * crash semantics of a real page cache.
 *
 * Every file has two contents: the *durable* bytes (what survives power
 * loss) and the *view* (what the node reads: the durable bytes with every
 * unsynced change applied in order). Writes and truncates change the view at
 * once and are kept, in submission order, as unsynced operations; creates,
 * renames and unlinks likewise change the view's namespace at once and are
 * kept as unsynced namespace changes. A file sync makes a file's unsynced
 * operations durable, a directory sync the namespace changes — each only up
 * to a *barrier*, the sequence number taken when the sync was submitted,
 * because an fsync covers only what was submitted before it. A crash decides
 * the fate of everything unsynced (kept, dropped or torn sector by sector;
 * each namespace change kept or undone) and the view becomes the durable
 * state. The full fault model is in docs/disk-model.md.
 *
 * The module is a plain deterministic data structure: it knows nothing of
 * the scheduler. sim/world.c implements the disk calls of pod_env.h with it
 * and schedules their completions as events, using pod_disk_latency_ns.
 * Every draw of randomness comes from the pod_rng passed in; a fault whose
 * probability is 0 draws nothing, so switching it off never shifts the
 * stream. The same calls with the same rng state give the same bytes.
 *
 * Programmer errors (a bad config, a barrier from the future) are asserts.
 * Operating errors — including a bad fd or name, which node code passes —
 * are pod_status results, and a failed call changes nothing. Memory is
 * bounded by the config; an allocation failure aborts the simulator with a
 * message (the run could not continue deterministically). */
#ifndef PODSIM_DISK_H
#define PODSIM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/pod_env.h"
#include "sim/rng.h"

/* Hard bounds on the config (pod_disk_config_check enforces them). */
#define POD_DISK_FILES_LIMIT 65536u     /* files_max */
#define POD_DISK_FDS_LIMIT 4096u        /* fds_max */
#define POD_DISK_OPS_LIMIT (1u << 24)   /* unsynced_ops_max, unsynced_names_max */
#define POD_DISK_SECTOR_MIN 512u
#define POD_DISK_SECTOR_MAX 65536u
#define POD_DISK_TRANSFER_NS_PER_KIB_MAX 1000000000000ull /* 1000 s per KiB */

/* File descriptors start here, as in a Unix process whose 0, 1 and 2 are
 * taken: a zero-initialised fd variable is never a valid file. */
#define POD_DISK_FD_BASE 3

/* Injected faults. Each is off at 0 ppm and then draws nothing. */
typedef struct pod_disk_faults {
    uint32_t read_eio_ppm;          /* per read: POD_EIO, nothing read */
    uint32_t write_enospc_ppm;      /* per write that would fit: POD_ENOSPC anyway */
    /* Per file sync: POD_EIO with Linux semantics — the covered unsynced
     * data is dropped from the view too and forgotten, so a later sync
     * succeeds without it (the PostgreSQL "fsyncgate" lesson, 2018). */
    uint32_t fsync_eio_ppm;
    uint32_t dir_fsync_eio_ppm;     /* per directory sync: POD_EIO, changes stay unsynced */
    uint32_t bitflip_on_crash_ppm;  /* per crash: one bit of durable data flips */
    uint32_t stall_ppm;             /* per latency draw: the op stalls */
    uint64_t stall_min_ns;          /* a stall adds a uniform [min, max] */
    uint64_t stall_max_ns;
} pod_disk_faults;

typedef struct pod_disk_config {
    /* --- shape and limits --- */
    uint32_t sector_size;           /* bytes; power of two, 512..65536; 4096 default */
    uint32_t files_max;             /* files alive at once, including unlinked ones still held */
    uint32_t fds_max;               /* open fds at once: POD_ELIMIT beyond */
    uint32_t unsynced_ops_max;      /* unsynced writes + truncates: POD_ELIMIT beyond */
    uint32_t unsynced_names_max;    /* unsynced creates, renames, unlinks: POD_ELIMIT beyond */
    uint64_t unsynced_bytes_max;    /* bytes held by unsynced writes: POD_ELIMIT beyond */
    uint64_t capacity_bytes;        /* space of all files: POD_ENOSPC beyond */
    uint64_t file_size_max_bytes;   /* offsets and sizes beyond: POD_EINVAL */

    /* --- what a crash does to what is unsynced (ppm) --- */
    uint32_t crash_keep_ppm;        /* an unsynced write survives whole */
    uint32_t crash_drop_ppm;        /* it vanishes whole; the rest of the time it tears */
    uint32_t tear_new_ppm;          /* a torn write's sector: new bytes */
    uint32_t tear_zero_ppm;         /* ... zeros */
    uint32_t tear_garbage_ppm;      /* ... random bytes; the rest of the time: old bytes */
    uint32_t crash_undo_truncate_ppm; /* an unsynced truncate is undone */
    uint32_t crash_undo_name_ppm;   /* an unsynced create, rename or unlink is undone */
    /* True (default): a torn sector damages only the bytes the write
     * covered ("powersafe overwrite", as SQLite assumes). False: a zeroed or
     * garbage sector is damaged whole, so an unsynced write can destroy
     * synced bytes that share its sector. */
    bool powersafe_overwrite;

    /* --- latency, for the world to schedule completions --- */
    uint64_t write_latency_min_ns;
    uint64_t write_latency_max_ns;
    uint64_t sync_latency_min_ns;   /* file and directory syncs */
    uint64_t sync_latency_max_ns;
    uint64_t transfer_ns_per_kib;   /* added per KiB moved */

    pod_disk_faults faults;         /* all off by default */
} pod_disk_config;

/* Cumulative counters and current sizes, for the trace and checkers. */
typedef struct pod_disk_stats {
    /* now */
    uint32_t files;                 /* files alive (named or held) */
    uint32_t names;                 /* names in the view */
    uint32_t durable_names;         /* names that would survive a crash now */
    uint32_t fds_open;
    uint32_t unsynced_writes;
    uint32_t unsynced_truncates;
    uint32_t unsynced_names;        /* namespace changes */
    uint64_t unsynced_bytes;
    uint64_t used_bytes;
    /* since creation */
    uint64_t crashes;
    uint64_t crash_writes_kept;
    uint64_t crash_writes_dropped;
    uint64_t crash_writes_torn;
    uint64_t crash_truncates_undone;
    uint64_t crash_names_undone;    /* drawn to be undone */
    uint64_t crash_names_lost;      /* kept, but an earlier undone change made them impossible */
    uint64_t read_eio;
    uint64_t write_enospc_injected;
    uint64_t write_enospc_full;
    uint64_t fsync_eio;
    uint64_t dir_fsync_eio;
    uint64_t bitflips;
    uint64_t stalls;
} pod_disk_stats;

/* A file that outlives its fd: what a sync submitted through an fd applies
 * to when it completes, even if the node closed the fd meanwhile. */
typedef struct pod_disk_file_ref {
    uint32_t slot;
    uint32_t generation;
} pod_disk_file_ref;

typedef struct pod_disk pod_disk;

/* --- configuration and lifetime --- */

/* The defaults: 4096-byte sectors, 256 files, 64 fds, 64 MiB, faults off. */
pod_disk_config pod_disk_config_default(void);
/* NULL when the config is usable, else what is wrong with it. */
const char *pod_disk_config_check(const pod_disk_config *config);
/* An empty disk. The config must pass pod_disk_config_check. */
pod_disk *pod_disk_create(const pod_disk_config *config);
/* Frees the disk and everything it holds. NULL is allowed. */
void pod_disk_destroy(pod_disk *disk);
/* Switches faults at run time (scenarios, swarm testing). */
void pod_disk_set_faults(pod_disk *disk, const pod_disk_faults *faults);
const pod_disk_config *pod_disk_config_of(const pod_disk *disk);

/* --- the node's operations (pod_env.h) --- */

/* Opens `name` (1..POD_FILE_NAME_MAX bytes, no '/', not "." or "..").
 * POD_OPEN_CREATE creates a missing file (an unsynced namespace change);
 * with POD_OPEN_EXCL an existing one is POD_EEXIST. */
pod_status pod_disk_open(pod_disk *disk, const char *name, uint32_t flags, pod_fd *fd_out);
pod_status pod_disk_close(pod_disk *disk, pod_fd fd);
/* A process exit: every open fd is closed, as the OS would; unsynced data
 * stays in the page cache, untouched. */
void pod_disk_close_all(pod_disk *disk);
/* Size of the view. */
pod_status pod_disk_size(const pod_disk *disk, pod_fd fd, uint64_t *size_out);
/* Reads the view; *got_out < len only at end of file. May fail with
 * POD_EIO (fault read_eio_ppm). */
pod_status pod_disk_read(pod_disk *disk, pod_rng *rng, pod_fd fd, uint64_t offset, void *buf,
                         uint32_t len, uint32_t *got_out);
/* Writes at `offset`, extending the file (a hole reads as zeros); visible
 * at once, durable after a covering sync. len 0 does nothing. */
pod_status pod_disk_write(pod_disk *disk, pod_rng *rng, pod_fd fd, uint64_t offset,
                          const void *bytes, uint32_t len);
/* Sets the size (growth reads as zeros); unsynced like a write. */
pod_status pod_disk_truncate(pod_disk *disk, pod_fd fd, uint64_t size);
/* Renames atomically, replacing `to` if it exists; from == to does nothing. */
pod_status pod_disk_rename(pod_disk *disk, const char *from, const char *to);
/* Removes a name; open fds keep the file alive until closed. */
pod_status pod_disk_unlink(pod_disk *disk, const char *name);
/* Calls visit(arg, name) for every name in the view, in byte-wise name
 * order, over a snapshot taken first (the visitor may change the disk). */
pod_status pod_disk_list(const pod_disk *disk, void (*visit)(void *arg, const char *name),
                         void *arg);

/* --- syncing, in two steps: barrier at submission, sync at completion --- */

/* The sequence number of the latest change; a sync given this barrier
 * covers every change made so far and none made later. */
uint64_t pod_disk_barrier(const pod_disk *disk);
/* The file behind an fd, for a sync that completes after a close. */
pod_status pod_disk_fd_file(const pod_disk *disk, pod_fd fd, pod_disk_file_ref *ref_out);
/* Makes durable every unsynced write and truncate of the fd's file with
 * sequence <= barrier. POD_EIO (fault fsync_eio_ppm) drops them instead. */
pod_status pod_disk_sync_file(pod_disk *disk, pod_rng *rng, pod_fd fd, uint64_t barrier);
/* The same by file reference. A file that no longer exists has nothing to
 * sync: POD_OK, no draw. */
pod_status pod_disk_sync_ref(pod_disk *disk, pod_rng *rng, pod_disk_file_ref ref,
                             uint64_t barrier);
/* Makes durable every unsynced create, rename and unlink with sequence <=
 * barrier. POD_EIO (fault dir_fsync_eio_ppm) leaves them unsynced. */
pod_status pod_disk_sync_dir(pod_disk *disk, pod_rng *rng, uint64_t barrier);

/* --- faults --- */

/* Power loss: closes every fd, decides each unsynced change (see
 * docs/disk-model.md), may flip a durable bit, and resets the view to the
 * new durable state. Files no durable name reaches are gone. */
void pod_disk_crash(pod_disk *disk, pod_rng *rng);
/* Flips one uniformly chosen bit of durable data (of durably named files).
 * The view keeps its cached copy until a crash or failed sync re-reads it.
 * POD_ENOENT when no durable byte exists; nothing is drawn then. */
pod_status pod_disk_inject_bitflip(pod_disk *disk, pod_rng *rng);
/* Flips bit `bit` (0..7) of durable byte `offset` of the durably named
 * file `name`. POD_ENOENT: no such durable file; POD_EINVAL: past its end. */
pod_status pod_disk_flip_bit(pod_disk *disk, const char *name, uint64_t offset, unsigned bit);
/* How long an operation takes: uniform in the op's [min, max], plus the
 * transfer of `bytes`, plus a stall (fault stall_ppm). Saturates. */
uint64_t pod_disk_latency_ns(pod_disk *disk, pod_rng *rng, pod_disk_op op, uint64_t bytes);

/* --- read-only introspection, for the world and checkers --- */

void pod_disk_stats_get(const pod_disk *disk, pod_disk_stats *out);
/* Bytes an fsync of this file would move now (unsynced write bytes). */
uint64_t pod_disk_file_unsynced_bytes(const pod_disk *disk, pod_disk_file_ref ref);
/* A counter that moves whenever what the durable reads below return may
 * have changed (a sync applied something, a crash, a bit flip): a checker
 * that judges only durable state can skip a disk whose version it has
 * already judged. Never moves backwards. */
uint64_t pod_disk_durable_version(const pod_disk *disk);
/* Size and bytes of `name` as a crash right now would find them if every
 * unsynced change were lost. POD_ENOENT when the name is not durable. */
pod_status pod_disk_durable_size(const pod_disk *disk, const char *name, uint64_t *size_out);
pod_status pod_disk_durable_read(const pod_disk *disk, const char *name, uint64_t offset,
                                 void *buf, uint32_t len, uint32_t *got_out);
/* The same for the view — what the node's own reads see now, unsynced
 * changes included (after a process exit, what recovery will read). No
 * fault applies and nothing changes. */
pod_status pod_disk_view_size(const pod_disk *disk, const char *name, uint64_t *size_out);
pod_status pod_disk_view_read(const pod_disk *disk, const char *name, uint64_t offset, void *buf,
                              uint32_t len, uint32_t *got_out);
/* Visits the durable names in byte-wise order. The visitor must not change
 * the disk. */
void pod_disk_durable_list(const pod_disk *disk, void (*visit)(void *arg, const char *name),
                           void *arg);
/* Checks every internal invariant (sorted names, link and reference
 * counts, byte accounting, and view == durable + unsynced changes). Slow:
 * for tests. */
bool pod_disk_invariants_hold(const pod_disk *disk);

#endif
