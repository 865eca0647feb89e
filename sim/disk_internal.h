/* disk_internal.h — the state of a simulated disk, shared by the files that
 * make up the module (disk.c: files, fds, namespace and syncs; disk_crash.c:
 * crashes, injected faults and latency; disk_check.c: invariants). Not for
 * anyone else: use sim/disk.h. */
#ifndef PODSIM_DISK_INTERNAL_H
#define PODSIM_DISK_INTERNAL_H

#include "sim/disk.h"

#define DISK_INO_NONE UINT32_MAX

/* A growable byte buffer; bytes [size, cap) are unspecified and are zeroed
 * whenever the size grows over them. */
typedef struct disk_bytes {
    uint8_t *data;
    uint64_t size;
    uint64_t cap;
} disk_bytes;

/* A file (an inode): alive while named (in the view or durably), open, or
 * named by an unsynced namespace change (which a crash may undo, bringing
 * the name back). A file that none of these reach can never be seen again:
 * it is freed with its unsynced writes. Slots are reused lowest first; the
 * generation tells a new file in an old slot from the old one. */
typedef struct disk_inode {
    disk_bytes durable;
    disk_bytes view;
    uint32_t generation;
    uint32_t open_count;
    uint32_t name_refs;      /* unsynced namespace changes naming it */
    uint32_t data_refs;      /* its unsynced writes and truncates */
    uint8_t view_links;      /* names in the view: 0 or 1 */
    uint8_t durable_links;   /* durable names: 0 or 1 */
    bool used;
    bool view_stale;         /* a bit flip under the cached view (see inject_bitflip) */
} disk_inode;

typedef struct disk_entry {
    char name[POD_FILE_NAME_MAX + 1];
    uint32_t ino;
} disk_entry;

/* A namespace: entries sorted by strcmp (byte-wise), names unique. */
typedef struct disk_names {
    disk_entry *entries;
    uint32_t count;
    uint32_t capacity;       /* files_max: one name per live file at most */
} disk_names;

typedef enum disk_data_kind {
    DISK_DATA_WRITE = 1,
    DISK_DATA_TRUNCATE = 2,
} disk_data_kind;

/* An unsynced write or truncate, in the disk's submission order. */
typedef struct disk_data_op {
    uint64_t seq;
    uint64_t offset;         /* WRITE: where; TRUNCATE: the new size */
    uint8_t *bytes;          /* WRITE: a private copy of len bytes */
    uint32_t len;
    uint32_t ino;
    disk_data_kind kind;
} disk_data_op;

typedef enum disk_name_kind {
    DISK_NAME_CREATE = 1,    /* name -> ino, name was absent */
    DISK_NAME_RENAME = 2,    /* name (from) -> to, replacing `replaced` */
    DISK_NAME_UNLINK = 3,    /* name removed */
} disk_name_kind;

/* An unsynced namespace change, in the disk's submission order. */
typedef struct disk_name_op {
    uint64_t seq;
    uint32_t ino;
    uint32_t replaced;       /* RENAME: what `to` named in the view, or DISK_INO_NONE */
    disk_name_kind kind;
    char name[POD_FILE_NAME_MAX + 1];
    char to[POD_FILE_NAME_MAX + 1];
} disk_name_op;

typedef struct disk_fd_slot {
    uint32_t ino;
    bool used;
} disk_fd_slot;

struct pod_disk {
    pod_disk_config config;
    disk_inode *inodes;      /* files_max slots */
    uint32_t inode_count;
    disk_names view_names;
    disk_names durable_names;
    disk_fd_slot *fds;       /* fds_max slots; fd = POD_DISK_FD_BASE + index */
    uint32_t fds_open;
    disk_data_op *data_ops;  /* unsynced writes and truncates, seq ascending */
    uint32_t data_op_count;
    uint32_t data_op_capacity;
    uint64_t unsynced_bytes;
    disk_name_op *name_ops;  /* unsynced namespace changes, seq ascending */
    uint32_t name_op_count;
    uint32_t name_op_capacity;
    uint64_t seq;            /* the last sequence number given out */
    uint64_t used_bytes;     /* sum of inode footprints */
    pod_disk_stats stats;    /* the cumulative part; current sizes are computed */
    uint64_t durable_version; /* bumped by every change to durable bytes or names */
};

/* --- helpers shared by the module's files (disk.c) --- */

/* realloc that aborts with a message instead of returning NULL. */
void *disk_xrealloc(void *ptr, size_t bytes);
void disk_bytes_free(disk_bytes *b);
/* Sets the size; growth reads as zeros. */
void disk_bytes_resize(disk_bytes *b, uint64_t size);
/* Writes len bytes at offset, growing (with zeros before offset) as needed. */
void disk_bytes_write(disk_bytes *b, uint64_t offset, const uint8_t *src, uint64_t len);
void disk_bytes_copy(disk_bytes *dst, const disk_bytes *src);
/* Applies a write or truncate to a content. */
void disk_data_op_apply(disk_bytes *b, const disk_data_op *op);
/* The space a file takes: the larger of its durable and view sizes. */
uint64_t disk_inode_footprint(const disk_inode *n);
/* Index of `name`, or -1; *pos_out (may be NULL) is where it would go. */
int64_t disk_names_find(const disk_names *names, const char *name, uint32_t *pos_out);
void disk_names_insert(disk_names *names, uint32_t pos, const char *name, uint32_t ino);
void disk_names_remove(disk_names *names, uint32_t pos);
/* Frees a file nothing reaches any more (no fd, no name, no unsynced
 * namespace change), dropping its unsynced writes; true when it did. */
bool disk_inode_release_if_unused(pod_disk *disk, uint32_t ino);
/* Rebuilds one file's view: durable bytes plus its unsynced ops in order. */
void disk_view_rebuild(pod_disk *disk, uint32_t ino);
/* Recomputes used_bytes from the inodes (after syncs and crashes). */
void disk_recount_used(pod_disk *disk);
/* Applies a namespace change to the durable names if it is possible there
 * (CREATE: name absent; RENAME: from names ino; UNLINK: name names ino).
 * False, changing nothing, when it is not. */
bool disk_name_op_replay_durable(pod_disk *disk, const disk_name_op *op);

#endif
