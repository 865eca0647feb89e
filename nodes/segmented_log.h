/* segmented_log.h — the Segmented Log (Patterns of Distributed Systems):
 * the Write-Ahead Log split into files of bounded size, so that old parts
 * can be deleted whole (Low-Water Mark) and a read opens only the files it
 * needs.
 *
 * A segment is the file PREFIX-<index of its first record, 20 digits>.log;
 * zero padding makes byte-wise name order (the order env->ops->list gives)
 * equal index order. The segments hold consecutive records: the first
 * record of each has the index its name says.
 *
 * This module keeps the table of segments in memory and performs the
 * synchronous environment calls (open, create, write submission, truncate,
 * unlink, reads). It submits no sync: the WAL (wal.c) decides when each
 * change is made and which fsync or directory fsync must complete before
 * the next, one step at a time. So every change here is *logical* first —
 * records wait in memory as `pending` bytes, a suffix cut or a dropped
 * segment is remembered as "due" — and the WAL asks for the physical
 * changes in the one order that keeps the disk recoverable:
 * unlinks (pod_seglog_unlink_next), then a due truncate
 * (pod_seglog_truncate_next), then writes (pod_seglog_write_next). */
#ifndef PODSIM_SEGMENTED_LOG_H
#define PODSIM_SEGMENTED_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes/wal.h"
#include "nodes/wal_record.h"
#include "sim/pod_env.h"

#define POD_SEGLOG_SEGMENTS_MAX 4096u /* files: live segments + those awaiting unlink */
#define POD_SEGLOG_DIGITS 20u         /* UINT64_MAX has 20 decimal digits */
#define POD_SEGLOG_SUFFIX ".log"
/* PREFIX + '-' + digits + ".log" must fit a file name. */
#define POD_SEGLOG_PREFIX_MAX (POD_FILE_NAME_MAX - 1u - POD_SEGLOG_DIGITS - 4u)
#define POD_SEGLOG_NAME_BYTES (POD_FILE_NAME_MAX + 1u)
#define POD_SEGLOG_SEGMENT_BYTES_LIMIT (1ull << 30) /* largest segment_bytes_max */

typedef struct pod_seglog_segment {
    uint64_t first_index;
    uint64_t last_index;   /* first_index - 1 while empty */
    uint64_t size;         /* logical bytes: disk_valid + pending_len */
    uint64_t disk_size;    /* bytes the file has, as we last wrote or truncated it */
    uint64_t disk_valid;   /* of those, bytes still in the log; < disk_size: a truncate is due */
    uint8_t *pending;      /* encoded records not yet written: bytes [disk_valid, size) */
    uint32_t pending_len;
    uint32_t pending_cap;
    pod_fd fd;             /* -1 when closed */
    bool created;          /* the file exists (we created or found it) */
    bool name_durable;     /* a directory fsync after its creation completed */
} pod_seglog_segment;

typedef struct pod_seglog {
    pod_env *env;
    char prefix[POD_SEGLOG_PREFIX_MAX + 1];
    uint64_t segment_bytes_max;
    pod_seglog_segment *segs; /* in index order; the last one is the active segment */
    uint32_t count;
    uint32_t capacity;
    /* Segments removed from the log whose files still exist, in the order
     * they must be unlinked: a ring of first indexes. */
    uint64_t unlink_due[POD_SEGLOG_SEGMENTS_MAX];
    uint32_t unlink_head;
    uint32_t unlink_count;
    uint64_t pending_bytes;   /* over all segments */
    pod_fd busy_fd;           /* used by a sync in flight: closed only after it */
    bool busy_fd_orphaned;    /* its segment left the log: close it when the sync is done */
    uint64_t opens;           /* files opened, for statistics and tests */
    uint64_t creates;         /* segment files created (rolls, and the first) */
    uint8_t *read_buf;        /* one record: POD_WALREC_BYTES_MAX bytes */
    char error[160];          /* what the last failed environment call was */
} pod_seglog;

/* What a read of one record found. */
typedef enum pod_seglog_read {
    POD_SEGLOG_READ_OK = 0,
    POD_SEGLOG_READ_END,        /* exactly at the end of the segment */
    POD_SEGLOG_READ_INCOMPLETE, /* the segment ends inside a record */
    POD_SEGLOG_READ_INVALID,    /* no valid record starts here */
    POD_SEGLOG_READ_IO,         /* the environment failed (log->error) */
} pod_seglog_read;

typedef struct pod_seglog_record {
    pod_walrec_header header;
    const uint8_t *payload;  /* into the log's read buffer or pending bytes */
} pod_seglog_record;

/* A write the WAL must now cover with an fsync (and a directory fsync when
 * name_durable is false). */
typedef struct pod_seglog_write {
    pod_fd fd;
    uint64_t segment_first;  /* which segment */
    uint64_t cover_index;    /* the last record the write holds */
    uint32_t bytes;
    bool name_durable;
} pod_seglog_write;

/* --- names --- */

/* 1..POD_SEGLOG_PREFIX_MAX bytes of [A-Za-z0-9_.-]. */
bool pod_seglog_prefix_valid(const char *prefix);
/* PREFIX-<first_index as 20 digits>.log into out; false if it does not fit. */
bool pod_seglog_name_format(const char *prefix, uint64_t first_index, char *out, size_t out_len);
/* True only for exactly PREFIX-<20 digits>.log with a value in
 * 1..UINT64_MAX; anything else is not a segment of this log. */
bool pod_seglog_name_parse(const char *prefix, const char *name, uint64_t *first_index_out);
/* The first indexes of this prefix's segments in the directory, ascending;
 * other names are ignored. *overflow is set when more than `max` exist. */
pod_status pod_seglog_list(pod_env *env, const char *prefix, uint64_t *firsts, uint32_t max,
                           uint32_t *count_out, bool *overflow_out);

/* --- lifetime --- */

/* An empty table (no segments); NULL when memory is short. */
pod_seglog *pod_seglog_create(pod_env *env, const char *prefix, uint64_t segment_bytes_max);
/* Frees memory only: no fd is closed, no file touched (a crash may follow). */
void pod_seglog_destroy(pod_seglog *log);

/* --- building the table --- */

/* Adds an existing file found by recovery, with `fd` open on it, as the
 * newest segment: its records are not known yet (last = first - 1). */
pod_wal_result pod_seglog_adopt(pod_seglog *log, uint64_t first_index, uint64_t size, pod_fd fd);
/* Recovery's verdict on the newest segment: its records end at last_index
 * and byte valid_size; bytes past that become a due truncate. */
void pod_seglog_settle(pod_seglog *log, uint64_t last_index, uint64_t valid_size);
/* Adds an empty segment that does not exist yet (a fresh log). */
pod_wal_result pod_seglog_start(pod_seglog *log, uint64_t first_index);

/* --- queries --- */

uint64_t pod_seglog_first_index(const pod_seglog *log);
uint64_t pod_seglog_last_index(const pod_seglog *log);
/* Position of the segment holding `index`, or -1. */
int32_t pod_seglog_find(const pod_seglog *log, uint64_t index);
/* Files this log has on disk or due to be unlinked: what the limit counts. */
uint32_t pod_seglog_files(const pod_seglog *log);
bool pod_seglog_unlink_is_due(const pod_seglog *log);
bool pod_seglog_truncate_is_due(const pod_seglog *log);
bool pod_seglog_write_is_due(const pod_seglog *log);

/* --- the log's changes (logical; the disk follows through the *_next calls) --- */

/* Room for the next record (index last + 1) of rec_bytes encoded bytes at
 * the end of the active segment, rolling to a new segment first when this
 * record would take a non-empty active segment past segment_bytes_max.
 * The caller encodes the record there at once. NULL with *result_out
 * POD_WAL_LIMIT (too many segments) or POD_WAL_NOMEM. */
uint8_t *pod_seglog_reserve(pod_seglog *log, uint32_t rec_bytes, pod_wal_result *result_out);

/* Reads the record at `offset` of segment `pos` (from the file, or from
 * the pending bytes past disk_valid). The payload stays valid until the
 * next read. */
pod_seglog_read pod_seglog_read_record(pod_seglog *log, uint32_t pos, uint64_t offset,
                                       pod_seglog_record *out);
/* Raw bytes of segment `pos`'s file, for recovery's scans. */
pod_wal_result pod_seglog_read_raw(pod_seglog *log, uint32_t pos, uint64_t offset, void *buf,
                                   uint32_t len, uint32_t *got_out);
/* Visits records from start_index on, until visit returns false or the log
 * ends. Opens only the segments that hold start_index and what follows.
 * POD_WAL_RANGE when start_index is below the first kept index. */
pod_wal_result pod_seglog_read_from(pod_seglog *log, uint64_t start_index,
                                    bool (*visit)(void *arg, const pod_wal_entry *entry),
                                    void *arg);

/* Cuts every record with index >= from_index: later segments become due
 * to be unlinked (newest first), the segment holding from_index is cut at
 * that record's offset (a due truncate if the cut reaches its file). */
pod_wal_result pod_seglog_truncate_suffix(pod_seglog *log, uint64_t from_index);
/* Removes the oldest segments all of whose records are below `index`,
 * never the active one, and only while the segment after the one removed
 * has a durable name (else a crash could find no file at all and restart
 * the log at index 1); they become due to be unlinked, oldest first.
 * Returns how many were removed. */
uint32_t pod_seglog_drop_below(pod_seglog *log, uint64_t index);
/* Retires every segment (unlinks due newest first) and starts an empty
 * log whose first record will be `next_index`; its file is created by the
 * first write, which the WAL submits only after every unlink is done. */
pod_wal_result pod_seglog_restart_at(pod_seglog *log, uint64_t next_index);
/* Recovery's salvage (docs/repair.md): the segment file `first_index`,
 * never adopted into the table, lies past damage and is due to be
 * unlinked. Call newest first. POD_WAL_LIMIT when the ring is full. */
pod_wal_result pod_seglog_discard_file(pod_seglog *log, uint64_t first_index);

/* --- physical steps, one at a time, in this order of priority --- */

/* Unlinks the next segment due. The WAL follows with a directory fsync. */
pod_wal_result pod_seglog_unlink_next(pod_seglog *log);
/* Truncates the file of the segment with a due truncate; *fd_out for the
 * WAL's fsync. */
pod_wal_result pod_seglog_truncate_next(pod_seglog *log, pod_fd *fd_out);
/* Writes the pending bytes of the oldest segment that has some, creating
 * its file first if needed; the write's completion carries `cookie`. */
pod_wal_result pod_seglog_write_next(pod_seglog *log, uint64_t cookie, pod_seglog_write *out);
/* The fd of the newest file, opened if needed (recovery's fsync). */
pod_wal_result pod_seglog_newest_fd(pod_seglog *log, pod_fd *fd_out);

/* Closes every fd the table holds (a failed open, before it is freed). */
void pod_seglog_close_fds(pod_seglog *log);

/* The WAL marks the fd a sync in flight uses, and clears it at completion
 * (closing it then if its segment left the log meanwhile). */
void pod_seglog_set_busy(pod_seglog *log, pod_fd fd);
void pod_seglog_clear_busy(pod_seglog *log);
/* A directory fsync covering every create so far completed. */
void pod_seglog_names_durable(pod_seglog *log);

#endif
