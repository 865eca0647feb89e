/* wal.h — the Write-Ahead Log (Patterns of Distributed Systems), on top of
 * the Segmented Log (segmented_log.h).
 *
 * Every state change is appended here as one record before it is applied;
 * a batch of commands is one record, so a transaction is all or nothing.
 * A record is durable — and only then may the node acknowledge it — once
 * the fsync that covers it has completed (and, for a record in a newly
 * rolled segment, the directory fsync that makes the segment's name
 * durable). Group commit: records appended while an fsync is in flight
 * share the next one.
 *
 * The WAL is asynchronous like the disk under it: appends return at once
 * with the record's index; the node forwards every pod_disk_done whose
 * cookie pod_wal_owns() to pod_wal_on_disk(), and reads
 * pod_wal_durable_index() to learn what it may acknowledge.
 *
 * Recovery (pod_wal_open) reads every segment: a torn or invalid record at
 * the tail is truncated away; an invalid record followed by valid ones is
 * corruption in the middle, reported as POD_WAL_CORRUPT and never skipped. */
#ifndef PODSIM_WAL_H
#define PODSIM_WAL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/pod_env.h"

#define POD_WAL_RECORD_BYTES_MAX (64u * 1024u) /* payload of one record */
#define POD_WAL_COOKIE_TAG 0x57ull            /* top byte of the WAL's cookies */

typedef enum pod_wal_result {
    POD_WAL_OK = 0,
    POD_WAL_CORRUPT,      /* an invalid record with valid ones after it */
    POD_WAL_IO,           /* the disk failed (EIO, ENOSPC, a failed fsync) */
    POD_WAL_LIMIT,        /* a record too large or a queue full */
    POD_WAL_NOMEM,
} pod_wal_result;

typedef struct pod_wal_config {
    const char *prefix;          /* segment files are PREFIX-<20 digits>.log */
    uint64_t segment_bytes_max;  /* roll when the active segment passes this */
} pod_wal_config;

/* A record as read back. `payload` points into the WAL's read buffer and
 * is valid until the next call on the WAL. */
typedef struct pod_wal_entry {
    uint64_t index;              /* 1-based, dense, never reused */
    uint64_t term;               /* the generation that wrote it */
    uint8_t type;                /* the node's record type */
    const uint8_t *payload;
    uint32_t len;
} pod_wal_entry;

typedef struct pod_wal pod_wal;

/* Opens (creating if empty) and recovers the log. On POD_WAL_CORRUPT,
 * *why says where (segment, offset, index) and *wal_out is NULL. Calls
 * visit for every valid record in order, so the node can rebuild its
 * state from exactly the durable log. */
pod_wal_result pod_wal_open(pod_env *env, const pod_wal_config *config,
                            void (*visit)(void *arg, const pod_wal_entry *entry), void *arg,
                            pod_wal **wal_out, char *why, size_t why_len);
void pod_wal_close(pod_wal *wal); /* frees memory; touches no disk (a crash may follow) */

/* Appends one record and returns its index in *index_out. Not durable
 * until pod_wal_durable_index() >= that index. */
pod_wal_result pod_wal_append(pod_wal *wal, uint8_t type, uint64_t term, const void *payload,
                              uint32_t len, uint64_t *index_out);

uint64_t pod_wal_last_index(const pod_wal *wal);    /* 0 when empty */
uint64_t pod_wal_durable_index(const pod_wal *wal); /* highest acknowledged-safe index */
uint64_t pod_wal_first_index(const pod_wal *wal);   /* lowest index still kept */

bool pod_wal_owns(const pod_disk_done *done);
/* Returns POD_WAL_IO once a write or fsync failed: the node must treat that
 * as fatal (stop, and recover from the log after a restart) — a failed
 * fsync may have dropped data that a later fsync would report as synced. */
pod_wal_result pod_wal_on_disk(pod_wal *wal, const pod_disk_done *done);

/* Reads records from `start_index` on, in order, calling visit for each;
 * stops early when visit returns false. Opens only the segments that hold
 * start_index and what follows. */
pod_wal_result pod_wal_read_from(pod_wal *wal, uint64_t start_index,
                                 bool (*visit)(void *arg, const pod_wal_entry *entry), void *arg);

/* Drops every record with index >= from_index (conflicting suffix). */
pod_wal_result pod_wal_truncate_suffix(pod_wal *wal, uint64_t from_index);
/* Deletes whole segments all of whose records are below `index` (the
 * Low-Water Mark); never the active segment. */
pod_wal_result pod_wal_drop_below(pod_wal *wal, uint64_t index);

#endif
