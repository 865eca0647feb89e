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
 * Recovery (pod_wal_open) reads every segment. An invalid or cut-short
 * record that a crash could have left (part of the last write, never
 * acknowledged) is cut away with everything after it. One that provably
 * was durable — a later segment exists, or a valid record after it was
 * appended once it was durable — is corruption, reported as
 * POD_WAL_CORRUPT and never skipped. The whole story is docs/wal.md. */
#ifndef PODSIM_WAL_H
#define PODSIM_WAL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/pod_env.h"

#define POD_WAL_RECORD_BYTES_MAX (64u * 1024u) /* payload of one record */
#define POD_WAL_COOKIE_TAG 0x57ull            /* top byte of the WAL's cookies */

typedef enum pod_wal_result {
    POD_WAL_OK = 0,
    POD_WAL_CORRUPT,      /* damage to records known durable (docs/wal.md, "Recovery") */
    POD_WAL_IO,           /* the disk failed (EIO, ENOSPC, a failed fsync) */
    POD_WAL_LIMIT,        /* a record too large or a queue full */
    POD_WAL_NOMEM,
    POD_WAL_RANGE,        /* an index outside [first_index, last_index + 1] */
} pod_wal_result;

const char *pod_wal_result_name(pod_wal_result result);

#define POD_WAL_PENDING_BYTES_DEFAULT (16u << 20)
#define POD_WAL_PENDING_BYTES_LIMIT (128u << 20)

typedef struct pod_wal_config {
    const char *prefix;          /* segment files are PREFIX-<20 digits>.log; 1..38 of [A-Za-z0-9_.-] */
    /* A record that would take a non-empty active segment past this many
     * bytes goes to a new segment; 32 .. 1 GiB. */
    uint64_t segment_bytes_max;
    /* Encoded bytes appended but not yet written (waiting for the fsync in
     * flight) before append says POD_WAL_LIMIT; 0: the default. At least
     * one largest record, at most POD_WAL_PENDING_BYTES_LIMIT. */
    uint64_t pending_bytes_max;
    /* The index of the first record of a log found empty; 0 means 1. A node
     * whose state below some index lives in a snapshot (Low-Water Mark)
     * passes snapshot index + 1, so that a log restarted after the snapshot
     * never hands out an index the snapshot already covers. */
    uint64_t start_index;
    /* Salvage instead of refusing (Replicated Log repair, docs/repair.md):
     * on damage to durable records, keep the valid prefix before the first
     * damaged record, discard that record and everything after it, and
     * report how far the log went (pod_wal_damage_get). The disk changes
     * that discard the rest are held until pod_wal_release(), so the
     * caller can first make durable what it must remember about the loss.
     * For a node that can fetch the lost entries from peers; a lone node
     * must refuse. */
    bool salvage;
} pod_wal_config;

/* What a salvaging recovery found. */
typedef struct pod_wal_damage {
    bool found;            /* damage to durable records was found and cut */
    uint64_t lost_from;    /* the first index discarded (the log now ends below it) */
    uint64_t seen_last;    /* the highest index the damaged log shows evidence of
                              (valid records and segment names past the damage):
                              what the node may have held, at least lost_from */
    char what[224];        /* where and what the damage was */
} pod_wal_damage;

/* Counters since open, for the node's view and for tests. */
typedef struct pod_wal_stats {
    uint64_t appends;
    uint64_t append_bytes;       /* encoded */
    uint64_t writes;             /* write submissions: one per group commit */
    uint64_t fsyncs;
    uint64_t dir_fsyncs;
    uint64_t unlinks;
    uint64_t truncates;
    uint64_t segments_created;
    uint64_t recovered_records;
    uint64_t torn_tails;         /* recoveries that cut an unfinished tail */
    uint64_t torn_bytes;
} pod_wal_stats;

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

/* Opens (creating if empty) and recovers the log. On any result but
 * POD_WAL_OK *wal_out is NULL and *why says what went wrong — for
 * POD_WAL_CORRUPT where (segment, offset, index). Only on POD_WAL_OK, and
 * only once every segment has been checked, calls visit for every record
 * in order, so the node can rebuild its state from exactly the recovered
 * log. Recovery ends with an fsync of the newest segment and a directory
 * fsync (the disk may hold writes a previous run never synced); until they
 * complete, durable_index() is first_index() - 1. */
pod_wal_result pod_wal_open(pod_env *env, const pod_wal_config *config,
                            void (*visit)(void *arg, const pod_wal_entry *entry), void *arg,
                            pod_wal **wal_out, char *why, size_t why_len);
void pod_wal_close(pod_wal *wal); /* frees memory; touches no disk (a crash may follow) */

/* Appends one record and returns its index in *index_out. Not durable
 * until pod_wal_durable_index() >= that index. POD_WAL_IO when the WAL has
 * failed — possibly at this very call, when the write submission it made
 * failed (*index_out is set then, but that record will never be durable).
 * POD_WAL_LIMIT: payload longer than POD_WAL_RECORD_BYTES_MAX, more than
 * pending_bytes_max waiting, or the segment limit reached. */
pod_wal_result pod_wal_append(pod_wal *wal, uint8_t type, uint64_t term, const void *payload,
                              uint32_t len, uint64_t *index_out);

/* first_index - 1 when empty (0 for a new log). */
uint64_t pod_wal_last_index(const pod_wal *wal);
/* Highest index such that it and every kept record before it are durable:
 * what the node may acknowledge. Never above last_index. */
uint64_t pod_wal_durable_index(const pod_wal *wal);
uint64_t pod_wal_first_index(const pod_wal *wal);   /* lowest index still kept */
/* True when nothing is in flight or waiting to be written. */
bool pod_wal_idle(const pod_wal *wal);
void pod_wal_stats_get(const pod_wal *wal, pod_wal_stats *out);
/* Why the last POD_WAL_IO or POD_WAL_CORRUPT was returned: the failure
 * that made the WAL fail for good, else the last failed read; "" if none. */
const char *pod_wal_failure(const pod_wal *wal);

bool pod_wal_owns(const pod_disk_done *done);
/* Returns POD_WAL_IO once a write or fsync failed: the node must treat that
 * as fatal (stop, and recover from the log after a restart) — a failed
 * fsync may have dropped data that a later fsync would report as synced.
 * From then on every call that changes or reads the log says POD_WAL_IO,
 * and durable_index() never moves again. */
pod_wal_result pod_wal_on_disk(pod_wal *wal, const pod_disk_done *done);

/* After a salvaging open: what was found (found false: nothing). */
void pod_wal_damage_get(const pod_wal *wal, pod_wal_damage *out);
/* Lets a salvaged WAL touch the disk: the discard, the recovery sync and
 * every write wait for this call. No effect when nothing is held. */
void pod_wal_release(pod_wal *wal);
/* True while a salvaged WAL waits for pod_wal_release(). */
bool pod_wal_held(const pod_wal *wal);

/* Reads records from `start_index` on, in order, calling visit for each —
 * durable or not yet — and stops early when visit returns false. Opens only
 * the segments that hold start_index and what follows. The visitor must
 * not call the WAL. POD_WAL_RANGE when start_index < first_index;
 * POD_WAL_CORRUPT (with pod_wal_failure saying where) when a kept record
 * no longer reads back valid. */
pod_wal_result pod_wal_read_from(pod_wal *wal, uint64_t start_index,
                                 bool (*visit)(void *arg, const pod_wal_entry *entry), void *arg);

/* Drops every record with index >= from_index (conflicting suffix);
 * from_index in [first_index, last_index + 1], else POD_WAL_RANGE. The
 * next append gets from_index. The cut reaches the disk before any record
 * appended after it, so a crash recovers a prefix of either the old log
 * or the new one, never a mix. */
pod_wal_result pod_wal_truncate_suffix(pod_wal *wal, uint64_t from_index);
/* Deletes whole segments all of whose records are below `index` (the
 * Low-Water Mark); never the active segment, nor one whose successor's
 * file is not durably named yet (call again later: it catches up).
 * first_index moves at once; the files go one by one, each unlink made
 * durable before the next. */
pod_wal_result pod_wal_drop_below(pod_wal *wal, uint64_t index);

/* Discards the whole log and makes the next append get `next_index` (>= 1):
 * what a follower does after installing a snapshot its log does not reach
 * (Low-Water Mark, docs/low-water-mark.md). On disk every segment is
 * unlinked, newest first, each unlink made durable before the next, and the
 * first new record's segment is created only after the last of them: a
 * crash leaves a prefix of the old log, nothing, or the new log — never a
 * mix. The caller must have made a snapshot covering next_index - 1
 * durable first. */
pod_wal_result pod_wal_restart_at(pod_wal *wal, uint64_t next_index);

/* The first indexes of the segments in the log, oldest first (the last
 * one is the active segment); returns how many, at most `max`. */
uint32_t pod_wal_segment_firsts(const pod_wal *wal, uint64_t *firsts, uint32_t max);

#endif
