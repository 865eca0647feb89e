/* wal.c — the Write-Ahead Log over the Segmented Log: recovery, appends,
 * group commit and durability bookkeeping.
 *
 * The disk changes one *step* at a time, and a step is submitted only when
 * the one before has completed: unlink + directory fsync; truncate +
 * fsync; recovery's fsync + directory fsync; or write + fsync (+ create
 * and directory fsync for a new segment). Records appended meanwhile wait
 * in memory and go out together in the next write step — group commit,
 * with at most one fsync in flight. Serial steps are what make recovery
 * decidable: after a crash only the last step's changes can be unfinished,
 * so every older segment, every unlink and every truncate we waited for is
 * exactly as we left it (docs/wal.md). */
#include "nodes/wal.h"

#include "nodes/segmented_log.h"
#include "nodes/wal_record.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAL_SEQ_MASK 0xFFFFFFFFFFFFull /* low 48 bits of a cookie: the step */

#if defined(__GNUC__) || defined(__clang__)
#define WAL_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#else
#define WAL_PRINTF(fmt_index, args_index)
#endif

typedef enum step_kind {
    STEP_NONE = 0,
    STEP_UNLINK,
    STEP_TRUNCATE,
    STEP_RECOVERY,
    STEP_WRITE,
} step_kind;

typedef struct wal_step {
    step_kind kind;
    uint64_t seq;
    uint32_t outstanding;  /* completions still to come */
    bool failed;
    bool has_cover;
    uint64_t cover;        /* records <= cover are durable when the step succeeds */
    bool names;            /* it holds a directory fsync submitted after every create */
} wal_step;

struct pod_wal {
    pod_env *env;
    pod_seglog *log;
    uint64_t pending_bytes_max;
    uint64_t durable_index;
    bool recovery_sync_due;
    uint64_t recovered_last; /* what recovery's sync covers (not records appended since) */
    wal_step step;
    uint64_t next_seq;
    bool failed;           /* sticky: a write or sync failed */
    bool in_visit;         /* read_from's visitor is running */
    bool held;             /* salvaged: no disk step until pod_wal_release */
    pod_wal_damage damage;
    pod_wal_stats stats;
    char failure[224];
};

const char *pod_wal_result_name(pod_wal_result result) {
    switch (result) {
    case POD_WAL_OK: return "POD_WAL_OK";
    case POD_WAL_CORRUPT: return "POD_WAL_CORRUPT";
    case POD_WAL_IO: return "POD_WAL_IO";
    case POD_WAL_LIMIT: return "POD_WAL_LIMIT";
    case POD_WAL_NOMEM: return "POD_WAL_NOMEM";
    case POD_WAL_RANGE: return "POD_WAL_RANGE";
    }
    return "POD_WAL_?";
}

static void note(pod_wal *wal, const char *text) {
    if (wal->env->ops->note) wal->env->ops->note(wal->env, text);
}

/* Marks the WAL failed for good; the first reason is kept. */
static void fail(pod_wal *wal, const char *fmt, ...) WAL_PRINTF(2, 3);
static void fail(pod_wal *wal, const char *fmt, ...) {
    if (!wal->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(wal->failure, sizeof wal->failure, fmt, ap);
        va_end(ap);
        note(wal, wal->failure);
    }
    wal->failed = true;
    wal->step.failed = true;
}

/* ------------------------------------------------------------------ */
/* Steps                                                               */
/* ------------------------------------------------------------------ */

static uint64_t cookie_of(const pod_wal *wal, pod_disk_op op) {
    return POD_WAL_COOKIE_TAG << 56 | (uint64_t)op << 48 | (wal->step.seq & WAL_SEQ_MASK);
}

bool pod_wal_owns(const pod_disk_done *done) {
    return done != NULL && done->cookie >> 56 == POD_WAL_COOKIE_TAG;
}

static void step_begin(pod_wal *wal, step_kind kind) {
    assert(wal->step.kind == STEP_NONE);
    wal->step = (wal_step){.kind = kind, .seq = ++wal->next_seq};
}

static void submit_fsync(pod_wal *wal, pod_fd fd) {
    pod_status st = wal->env->ops->fsync(wal->env, fd, cookie_of(wal, POD_DISK_FSYNC));
    if (st != POD_OK) {
        fail(wal, "wal: fsync submission failed: %s", pod_status_name(st));
        return;
    }
    wal->step.outstanding++;
    wal->stats.fsyncs++;
}

static void submit_dir_fsync(pod_wal *wal) {
    pod_status st = wal->env->ops->dir_fsync(wal->env, cookie_of(wal, POD_DISK_DIR_FSYNC));
    if (st != POD_OK) {
        fail(wal, "wal: directory fsync submission failed: %s", pod_status_name(st));
        return;
    }
    wal->step.outstanding++;
    wal->stats.dir_fsyncs++;
    wal->step.names = true; /* submitted after every create made so far */
}

static void step_finish(pod_wal *wal) {
    wal_step *s = &wal->step;
    assert(s->kind != STEP_NONE && s->outstanding == 0);
    if (!s->failed && !wal->failed) {
        if (s->has_cover && s->cover > wal->durable_index) wal->durable_index = s->cover;
        if (s->names) pod_seglog_names_durable(wal->log);
        if (s->kind == STEP_RECOVERY) wal->recovery_sync_due = false;
    }
    if (wal->log->busy_fd >= 0) pod_seglog_clear_busy(wal->log);
    s->kind = STEP_NONE;
}

/* Submits the next step if none is in flight, in the one order that keeps
 * every crash recoverable: unlinks (a cut suffix's later segments, newest
 * first, or dropped ones, oldest first), then a cut's truncate, then
 * recovery's sync, then writes of appended records. */
static void pump(pod_wal *wal) {
    if (wal->failed || wal->held || wal->step.kind != STEP_NONE) return;
    pod_seglog *log = wal->log;
    pod_fd fd = -1;
    if (pod_seglog_unlink_is_due(log)) {
        step_begin(wal, STEP_UNLINK);
        if (pod_seglog_unlink_next(log) != POD_WAL_OK) {
            fail(wal, "wal: %s", log->error);
        } else {
            wal->stats.unlinks++;
            submit_dir_fsync(wal);
        }
    } else if (pod_seglog_truncate_is_due(log)) {
        step_begin(wal, STEP_TRUNCATE);
        if (pod_seglog_truncate_next(log, &fd) != POD_WAL_OK) {
            fail(wal, "wal: %s", log->error);
        } else {
            wal->stats.truncates++;
            pod_seglog_set_busy(log, fd);
            submit_fsync(wal, fd);
        }
    } else if (wal->recovery_sync_due) {
        step_begin(wal, STEP_RECOVERY);
        wal->step.has_cover = true;
        wal->step.cover = wal->recovered_last;
        if (pod_seglog_newest_fd(log, &fd) != POD_WAL_OK) {
            fail(wal, "wal: %s", log->error);
        } else {
            pod_seglog_set_busy(log, fd);
            submit_fsync(wal, fd);
            if (!wal->failed) submit_dir_fsync(wal);
        }
    } else if (pod_seglog_write_is_due(log)) {
        step_begin(wal, STEP_WRITE);
        uint64_t creates = log->creates;
        pod_seglog_write w;
        if (pod_seglog_write_next(log, cookie_of(wal, POD_DISK_WRITE), &w) != POD_WAL_OK) {
            fail(wal, "wal: %s", log->error);
        } else {
            wal->stats.segments_created += log->creates - creates;
            wal->stats.writes++;
            wal->step.outstanding++; /* the write's own completion */
            wal->step.has_cover = true;
            wal->step.cover = w.cover_index;
            pod_seglog_set_busy(log, w.fd);
            submit_fsync(wal, w.fd);
            /* A record in a file whose name is not durable is not durable. */
            if (!wal->failed && !w.name_durable) submit_dir_fsync(wal);
        }
    } else {
        return;
    }
    if (wal->step.outstanding == 0) step_finish(wal); /* nothing went out: it failed */
}

pod_wal_result pod_wal_on_disk(pod_wal *wal, const pod_disk_done *done) {
    assert(wal != NULL && pod_wal_owns(done));
    assert(wal->step.kind != STEP_NONE && wal->step.outstanding > 0);
    assert((done->cookie & WAL_SEQ_MASK) == (wal->step.seq & WAL_SEQ_MASK));
    if (done->status != POD_OK) {
        /* fsyncgate: a failed fsync may have dropped the data it covered
         * and a later fsync would succeed without it. Never retry. */
        const char *what = done->op == POD_DISK_WRITE   ? "write"
                           : done->op == POD_DISK_FSYNC ? "fsync"
                                                        : "directory fsync";
        fail(wal, "wal: %s failed: %s", what, pod_status_name(done->status));
    }
    wal->step.outstanding--;
    if (wal->step.outstanding == 0) {
        step_finish(wal);
        pump(wal);
    }
    return wal->failed ? POD_WAL_IO : POD_WAL_OK;
}

/* ------------------------------------------------------------------ */
/* Appending and changing the log                                      */
/* ------------------------------------------------------------------ */

/* The highest index that will be durable before a record appended now is
 * written: what its lag field records. */
static uint64_t durable_hint(const pod_wal *wal) {
    uint64_t hint = wal->durable_index;
    const wal_step *s = &wal->step;
    if (s->kind != STEP_NONE && s->has_cover && !s->failed && s->cover > hint) hint = s->cover;
    return hint;
}

pod_wal_result pod_wal_append(pod_wal *wal, uint8_t type, uint64_t term, const void *payload,
                              uint32_t len, uint64_t *index_out) {
    assert(wal != NULL && !wal->in_visit && index_out != NULL);
    assert(len == 0 || payload != NULL);
    if (wal->failed) return POD_WAL_IO;
    if (len > POD_WAL_RECORD_BYTES_MAX) return POD_WAL_LIMIT;
    uint32_t bytes = (uint32_t)pod_walrec_size(len);
    if (wal->log->pending_bytes + bytes > wal->pending_bytes_max) return POD_WAL_LIMIT;
    uint64_t index = pod_seglog_last_index(wal->log) + 1;
    pod_walrec_header h = {.len = len, .type = type, .index = index, .term = term,
                           .lag = pod_walrec_lag(index, durable_hint(wal))};
    pod_wal_result r;
    uint8_t *at = pod_seglog_reserve(wal->log, bytes, &r);
    if (!at) return r;
    pod_walrec_encode(at, &h, payload);
    assert(pod_seglog_last_index(wal->log) == index);
    wal->stats.appends++;
    wal->stats.append_bytes += bytes;
    *index_out = index;
    pump(wal);
    return wal->failed ? POD_WAL_IO : POD_WAL_OK; /* its write may have failed already */
}

pod_wal_result pod_wal_truncate_suffix(pod_wal *wal, uint64_t from_index) {
    assert(wal != NULL && !wal->in_visit);
    if (wal->failed) return POD_WAL_IO;
    pod_wal_result r = pod_seglog_truncate_suffix(wal->log, from_index);
    if (r != POD_WAL_OK) return r;
    /* Cut records are not durable any more, nor is a record that will
     * reuse their index until its own step completes. */
    if (wal->durable_index >= from_index) wal->durable_index = from_index - 1;
    if (wal->step.has_cover && wal->step.cover >= from_index) wal->step.cover = from_index - 1;
    if (wal->recovered_last >= from_index) wal->recovered_last = from_index - 1;
    pump(wal);
    return POD_WAL_OK;
}

pod_wal_result pod_wal_drop_below(pod_wal *wal, uint64_t index) {
    assert(wal != NULL && !wal->in_visit);
    if (wal->failed) return POD_WAL_IO;
    (void)pod_seglog_drop_below(wal->log, index);
    pump(wal);
    return POD_WAL_OK;
}

pod_wal_result pod_wal_restart_at(pod_wal *wal, uint64_t next_index) {
    assert(wal != NULL && !wal->in_visit && next_index >= 1);
    if (wal->failed) return POD_WAL_IO;
    pod_wal_result r = pod_seglog_restart_at(wal->log, next_index);
    if (r != POD_WAL_OK) return r;
    /* Nothing old is in the log any more; what a step in flight covers
     * must not be mistaken for the new records. */
    wal->durable_index = next_index - 1;
    if (wal->step.has_cover) wal->step.cover = next_index - 1;
    wal->recovered_last = next_index - 1;
    wal->recovery_sync_due = false;
    pump(wal);
    return POD_WAL_OK;
}

uint32_t pod_wal_segment_firsts(const pod_wal *wal, uint64_t *firsts, uint32_t max) {
    const pod_seglog *log = wal->log;
    uint32_t n = log->count < max ? log->count : max;
    for (uint32_t i = 0; i < n; i++) firsts[i] = log->segs[i].first_index;
    return n;
}

pod_wal_result pod_wal_read_from(pod_wal *wal, uint64_t start_index,
                                 bool (*visit)(void *arg, const pod_wal_entry *entry), void *arg) {
    assert(wal != NULL && !wal->in_visit && visit != NULL);
    if (wal->failed) return POD_WAL_IO;
    wal->in_visit = true;
    pod_wal_result r = pod_seglog_read_from(wal->log, start_index, visit, arg);
    wal->in_visit = false;
    if (r == POD_WAL_CORRUPT || r == POD_WAL_IO) {
        snprintf(wal->failure, sizeof wal->failure, "wal: read: %s", wal->log->error);
    }
    return r;
}

uint64_t pod_wal_last_index(const pod_wal *wal) {
    return pod_seglog_last_index(wal->log);
}

uint64_t pod_wal_durable_index(const pod_wal *wal) {
    return wal->durable_index;
}

uint64_t pod_wal_first_index(const pod_wal *wal) {
    return pod_seglog_first_index(wal->log);
}

void pod_wal_damage_get(const pod_wal *wal, pod_wal_damage *out) {
    *out = wal->damage;
}

void pod_wal_release(pod_wal *wal) {
    assert(wal != NULL && !wal->in_visit);
    if (!wal->held) return;
    wal->held = false;
    pump(wal);
}

bool pod_wal_held(const pod_wal *wal) {
    return wal->held;
}

bool pod_wal_idle(const pod_wal *wal) {
    const pod_seglog *log = wal->log;
    return !wal->held && wal->step.kind == STEP_NONE && !wal->recovery_sync_due &&
           !pod_seglog_unlink_is_due(log) && !pod_seglog_truncate_is_due(log) &&
           !pod_seglog_write_is_due(log);
}

void pod_wal_stats_get(const pod_wal *wal, pod_wal_stats *out) {
    *out = wal->stats;
}

const char *pod_wal_failure(const pod_wal *wal) {
    return wal->failure;
}

void pod_wal_close(pod_wal *wal) {
    if (!wal) return;
    pod_seglog_destroy(wal->log);
    free(wal);
}

/* ------------------------------------------------------------------ */
/* Recovery                                                            */
/* ------------------------------------------------------------------ */

typedef struct recovery {
    pod_wal *wal;
    uint64_t start_index; /* of a log found empty */
    char *why;
    size_t why_len;
    /* Where the last POD_WAL_CORRUPT verdict found damage, for salvage:
     * the index that belonged there, and the offset in the newest adopted
     * segment (dmg_adopted) or the start of a segment not adopted. */
    uint64_t dmg_index;
    uint64_t dmg_offset;
    bool dmg_adopted;
} recovery;

/* Records where damage was found; the caller then refuses with POD_WAL_CORRUPT. */
#define DAMAGE(rc, index, offset, adopted) \
    ((rc)->dmg_index = (index), (rc)->dmg_offset = (offset), (rc)->dmg_adopted = (adopted))

static pod_wal_result refuse(recovery *rc, pod_wal_result r, const char *fmt, ...) WAL_PRINTF(3, 4);
static pod_wal_result refuse(recovery *rc, pod_wal_result r, const char *fmt, ...) {
    if (rc->why && rc->why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rc->why, rc->why_len, fmt, ap);
        va_end(ap);
    }
    return r;
}

/* Looks, past an invalid record at `offset` that should have held index
 * k, for a valid record that proves k was durable: one appended after k
 * was known durable (its index - 1 - lag >= k). Such a record was written
 * only after k's step completed, so k's damage is not an interrupted
 * write. Records may hide at any byte offset past damage, so every offset
 * is tried; candidates are filtered cheaply first (a real record at p
 * after k can have an index of at most k + (p - offset) / header). */
static pod_wal_result find_proof(pod_wal *wal, uint32_t pos, uint64_t offset, uint64_t k,
                                 bool *found_out, uint64_t *proof_offset,
                                 pod_walrec_header *proof) {
    pod_seglog *log = wal->log;
    uint64_t const size = log->segs[pos].disk_size;
    uint32_t const window = 2 * POD_WALREC_BYTES_MAX;
    uint32_t const stride = window - POD_WALREC_BYTES_MAX; /* whole records fit past it */
    *found_out = false;
    uint8_t *buf = malloc(window);
    if (!buf) return POD_WAL_NOMEM;
    pod_wal_result r = POD_WAL_OK;
    /* Bounded: each pass moves `stride` bytes on. */
    for (uint64_t base = offset + 1; base + POD_WALREC_HEADER_BYTES <= size; base += stride) {
        uint32_t got = 0;
        r = pod_seglog_read_raw(log, pos, base, buf, window, &got);
        if (r != POD_WAL_OK) break;
        for (uint32_t i = 0; i < stride && i + POD_WALREC_HEADER_BYTES <= got; i++) {
            uint64_t p = base + i;
            uint64_t max_index = k + (p - offset) / POD_WALREC_HEADER_BYTES;
            uint64_t index = 0;
            for (unsigned b = 0; b < 8; b++) index |= (uint64_t)buf[i + 8 + b] << (8 * b);
            if (index <= k || index > max_index) continue;
            pod_walrec_header h;
            const uint8_t *payload;
            if (pod_walrec_decode(buf + i, got - i, &h, &payload) != POD_WALREC_OK) continue;
            if (pod_walrec_proves_durable(&h) >= k) {
                *found_out = true;
                *proof_offset = p;
                *proof = h;
                free(buf);
                return POD_WAL_OK;
            }
        }
    }
    free(buf);
    return r;
}

/* An invalid or cut-short record at `offset` of segment `pos` where index
 * k belonged: corruption if it provably was durable, else an unfinished
 * last write, cut away. */
static pod_wal_result judge_bad_record(recovery *rc, uint32_t pos, bool newest, uint64_t offset,
                                       uint64_t k, pod_seglog_read rs) {
    pod_wal *wal = rc->wal;
    pod_seglog_segment *s = &wal->log->segs[pos];
    char name[POD_SEGLOG_NAME_BYTES];
    pod_seglog_name_format(wal->log->prefix, s->first_index, name, sizeof name);
    const char *what = rs == POD_SEGLOG_READ_INVALID ? "invalid record" : "record cut short";
    if (!newest) {
        /* A segment is created only after every older one is durable. */
        DAMAGE(rc, k, offset, true);
        return refuse(rc, POD_WAL_CORRUPT,
                      "segment %s offset %" PRIu64 " index %" PRIu64
                      ": %s, and a later segment exists, so it was durable",
                      name, offset, k, what);
    }
    bool found = false;
    uint64_t at = 0;
    pod_walrec_header proof;
    pod_wal_result r = find_proof(wal, pos, offset, k, &found, &at, &proof);
    if (r != POD_WAL_OK) return refuse(rc, r, "segment %s: %s", name, wal->log->error);
    if (found) {
        DAMAGE(rc, k, offset, true);
        return refuse(rc, POD_WAL_CORRUPT,
                      "segment %s offset %" PRIu64 " index %" PRIu64
                      ": %s, but the record at offset %" PRIu64 " (index %" PRIu64
                      ") was appended after index %" PRIu64 " was durable",
                      name, offset, k, what, at, proof.index, k);
    }
    uint64_t cut = s->disk_size - offset;
    wal->stats.torn_tails++;
    wal->stats.torn_bytes += cut;
    char text[192];
    snprintf(text, sizeof text,
             "wal: %s offset %" PRIu64 " index %" PRIu64 ": %s, the last write unfinished; "
             "cutting %" PRIu64 " bytes",
             name, offset, k, what, cut);
    note(wal, text);
    return POD_WAL_OK;
}

/* Adopts and checks segment i of n (first index `first`); *next_index is
 * the index the next record must have. */
static pod_wal_result recover_segment(recovery *rc, uint32_t i, uint32_t n, uint64_t first,
                                      uint64_t *next_index) {
    pod_wal *wal = rc->wal;
    pod_env *env = wal->env;
    char name[POD_SEGLOG_NAME_BYTES];
    pod_seglog_name_format(wal->log->prefix, first, name, sizeof name);
    if (i > 0 && first != *next_index) {
        DAMAGE(rc, *next_index, 0, false);
        return refuse(rc, POD_WAL_CORRUPT,
                      "segment %s offset 0 index %" PRIu64 ": the previous segment ends at "
                      "index %" PRIu64 " (%s)",
                      name, first, *next_index - 1,
                      first > *next_index ? "a gap" : "indexes reused");
    }
    pod_fd fd;
    pod_status st = env->ops->open(env, name, 0, &fd);
    if (st != POD_OK) return refuse(rc, POD_WAL_IO, "open %s: %s", name, pod_status_name(st));
    wal->log->opens++;
    uint64_t size = 0;
    st = env->ops->size(env, fd, &size);
    if (st == POD_OK) {
        pod_wal_result r = pod_seglog_adopt(wal->log, first, size, fd);
        if (r != POD_WAL_OK) {
            (void)env->ops->close(env, fd);
            return refuse(rc, r, "segment %s: too many segments or no memory", name);
        }
    } else {
        (void)env->ops->close(env, fd);
        return refuse(rc, POD_WAL_IO, "size %s: %s", name, pod_status_name(st));
    }
    uint32_t const pos = wal->log->count - 1;
    bool const newest = i + 1 == n;
    uint64_t expected = first;
    uint64_t offset = 0;
    /* Bounded: every record takes at least a header's bytes. */
    for (uint64_t guard = 0; guard <= size / POD_WALREC_HEADER_BYTES; guard++) {
        pod_seglog_record rec;
        pod_seglog_read rs = pod_seglog_read_record(wal->log, pos, offset, &rec);
        if (rs == POD_SEGLOG_READ_END) break;
        if (rs == POD_SEGLOG_READ_IO) return refuse(rc, POD_WAL_IO, "%s", wal->log->error);
        if (rs == POD_SEGLOG_READ_OK) {
            if (rec.header.index != expected) {
                DAMAGE(rc, expected, offset, true);
                return refuse(rc, POD_WAL_CORRUPT,
                              "segment %s offset %" PRIu64 " index %" PRIu64
                              ": a valid record with index %" PRIu64 " (%s)",
                              name, offset, expected, rec.header.index,
                              rec.header.index > expected ? "a gap" : "indexes reused");
            }
            expected++;
            offset += pod_walrec_size(rec.header.len);
            continue;
        }
        pod_wal_result r = judge_bad_record(rc, pos, newest, offset, expected, rs);
        if (r != POD_WAL_OK) return r;
        break;
    }
    if (expected == first && !newest) {
        DAMAGE(rc, first, 0, true);
        return refuse(rc, POD_WAL_CORRUPT,
                      "segment %s offset 0 index %" PRIu64 ": empty, but a later segment exists",
                      name, first);
    }
#ifdef PODSIM_TEST_BREAK_KEEP_TORN_TAIL
    /* Test-only breakage, compiled only into tests/teeth_torn_tail (see
     * tests/CMakeLists.txt): keep the torn tail and append after it. */
    offset = size;
#endif
    pod_seglog_settle(wal->log, expected - 1, offset);
    wal->stats.recovered_records += expected - first;
    *next_index = expected;
    return POD_WAL_OK;
}

typedef struct replay_ctx {
    void (*visit)(void *arg, const pod_wal_entry *entry);
    void *arg;
} replay_ctx;

static bool replay_one(void *arg, const pod_wal_entry *entry) {
    replay_ctx *ctx = arg;
    ctx->visit(ctx->arg, entry);
    return true;
}

/* The highest index of a valid record in file `name` at or after byte
 * `from`, where a record at offset p can hold at most index base + (p -
 * from) / header: every byte offset is tried (damage may hide where
 * records start), candidates filtered before a checksum is computed.
 * Bounded by the file's size. */
static pod_wal_result scan_seen(pod_wal *wal, const char *name, uint64_t from, uint64_t base,
                                uint64_t *seen) {
    pod_env *env = wal->env;
    pod_fd fd;
    pod_status st = env->ops->open(env, name, 0, &fd);
    if (st != POD_OK) return POD_WAL_IO;
    uint64_t size = 0;
    st = env->ops->size(env, fd, &size);
    uint32_t const window = 2 * POD_WALREC_BYTES_MAX;
    uint32_t const stride = window - POD_WALREC_BYTES_MAX;
    uint8_t *buf = st == POD_OK ? malloc(window) : NULL;
    pod_wal_result r = st != POD_OK ? POD_WAL_IO : buf ? POD_WAL_OK : POD_WAL_NOMEM;
    for (uint64_t at = from; r == POD_WAL_OK && at + POD_WALREC_HEADER_BYTES <= size; at += stride) {
        uint32_t got = 0;
        uint64_t want = size - at < window ? size - at : window;
        if (env->ops->read(env, fd, at, buf, (uint32_t)want, &got) != POD_OK) {
            r = POD_WAL_IO;
            break;
        }
        for (uint32_t i = 0; i < stride && i + POD_WALREC_HEADER_BYTES <= got; i++) {
            uint64_t p = at + i;
            uint64_t index = 0;
            for (unsigned b = 0; b < 8; b++) index |= (uint64_t)buf[i + 8 + b] << (8 * b);
            if (index <= *seen || index < base || index > base + (p - from) / POD_WALREC_HEADER_BYTES) continue;
            pod_walrec_header h;
            const uint8_t *payload;
            if (pod_walrec_decode(buf + i, got - i, &h, &payload) == POD_WALREC_OK) *seen = h.index;
        }
    }
    free(buf);
    (void)env->ops->close(env, fd);
    return r;
}

/* Salvage after damage at rc->dmg_index in segment i of n (docs/repair.md):
 * keep the valid prefix, learn from what lies past the damage how far the
 * log went, and make the damaged record's segment end before it and every
 * later segment due to be unlinked (newest first) — held until
 * pod_wal_release(). */
static pod_wal_result salvage(recovery *rc, uint32_t i, uint32_t n, const uint64_t *firsts) {
    pod_wal *wal = rc->wal;
    pod_seglog *log = wal->log;
    uint64_t k = rc->dmg_index;
    uint64_t seen = k; /* the damaged record was durable: that is the verdict */
    char name[POD_SEGLOG_NAME_BYTES];
    pod_wal_result r = POD_WAL_OK;
    if (rc->dmg_adopted) {
        pod_seglog_name_format(log->prefix, firsts[i], name, sizeof name);
        r = scan_seen(wal, name, rc->dmg_offset + 1, k + 1, &seen);
        pod_seglog_settle(log, k - 1, rc->dmg_offset);
        i++;
    } else if (log->count == 0) {
        /* Damage before anything was adopted cannot happen: the first
         * segment is adopted before any verdict. */
        return refuse(rc, POD_WAL_CORRUPT, "salvage: nothing to keep");
    }
    for (uint32_t j = n; r == POD_WAL_OK && j-- > i;) {
        if (firsts[j] - 1 > seen) seen = firsts[j] - 1; /* its name: index first - 1 was durable */
        pod_seglog_name_format(log->prefix, firsts[j], name, sizeof name);
        r = scan_seen(wal, name, 0, firsts[j], &seen);
        if (r == POD_WAL_OK) r = pod_seglog_discard_file(log, firsts[j]);
    }
    if (r != POD_WAL_OK) return refuse(rc, r, "salvage: reading past the damage failed");
    wal->damage.found = true;
    wal->damage.lost_from = k;
    wal->damage.seen_last = seen;
    snprintf(wal->damage.what, sizeof wal->damage.what, "%s", rc->why ? rc->why : "");
    wal->held = true;
    char text[400];
    snprintf(text, sizeof text,
             "wal: repair: %s; keeping the valid prefix up to index %" PRIu64 ", discarding from %" PRIu64
             " (the log went at least to %" PRIu64 ")",
             wal->damage.what, k - 1, k, seen);
    note(wal, text);
    if (rc->why && rc->why_len > 0) rc->why[0] = '\0';
    return POD_WAL_OK;
}

static pod_wal_result recover(recovery *rc, void (*visit)(void *arg, const pod_wal_entry *entry),
                              void *arg, bool salvaging) {
    pod_wal *wal = rc->wal;
    uint64_t *firsts = malloc(POD_SEGLOG_SEGMENTS_MAX * sizeof *firsts);
    if (!firsts) return refuse(rc, POD_WAL_NOMEM, "no memory");
    uint32_t n = 0;
    bool overflow = false;
    pod_status st = pod_seglog_list(wal->env, wal->log->prefix, firsts, POD_SEGLOG_SEGMENTS_MAX,
                                    &n, &overflow);
    pod_wal_result r = POD_WAL_OK;
    if (st != POD_OK) {
        r = refuse(rc, POD_WAL_IO, "list: %s", pod_status_name(st));
    } else if (overflow) {
        r = refuse(rc, POD_WAL_LIMIT, "more than %u segments of '%s'", POD_SEGLOG_SEGMENTS_MAX,
                   wal->log->prefix);
    } else if (n == 0) {
        r = pod_seglog_start(wal->log, rc->start_index) == POD_WAL_OK ? POD_WAL_OK
                                                         : refuse(rc, POD_WAL_NOMEM, "no memory");
    } else {
        uint64_t next = firsts[0];
        for (uint32_t i = 0; i < n && r == POD_WAL_OK; i++) {
            r = recover_segment(rc, i, n, firsts[i], &next);
            if (r == POD_WAL_CORRUPT && salvaging && rc->dmg_index > 0) {
                r = salvage(rc, i, n, firsts);
                break;
            }
        }
        wal->recovery_sync_due = true;
    }
    free(firsts);
    if (r != POD_WAL_OK) return r;
    wal->durable_index = pod_seglog_first_index(wal->log) - 1;
    wal->recovered_last = pod_seglog_last_index(wal->log);
    if (visit) {
        /* Only now that every segment checked out: the node never sees a
         * record from a log that turns out corrupt. */
        replay_ctx ctx = {.visit = visit, .arg = arg};
        r = pod_seglog_read_from(wal->log, pod_seglog_first_index(wal->log), replay_one, &ctx);
        if (r != POD_WAL_OK) return refuse(rc, r, "replay: %s", wal->log->error);
    }
    return POD_WAL_OK;
}

pod_wal_result pod_wal_open(pod_env *env, const pod_wal_config *config,
                            void (*visit)(void *arg, const pod_wal_entry *entry), void *arg,
                            pod_wal **wal_out, char *why, size_t why_len) {
    assert(env != NULL && config != NULL && wal_out != NULL);
    assert(pod_seglog_prefix_valid(config->prefix));
    assert(config->segment_bytes_max >= POD_WALREC_HEADER_BYTES &&
           config->segment_bytes_max <= POD_SEGLOG_SEGMENT_BYTES_LIMIT);
    uint64_t pending_max =
        config->pending_bytes_max ? config->pending_bytes_max : POD_WAL_PENDING_BYTES_DEFAULT;
    /* The limit keeps every record's lag below the 24-bit field's range. */
    assert(pending_max >= POD_WALREC_BYTES_MAX && pending_max <= POD_WAL_PENDING_BYTES_LIMIT);
    *wal_out = NULL;
    if (why && why_len > 0) why[0] = '\0';
    recovery rc = {.why = why, .why_len = why_len,
                   .start_index = config->start_index ? config->start_index : 1};
    pod_wal *wal = calloc(1, sizeof *wal);
    if (!wal) return refuse(&rc, POD_WAL_NOMEM, "no memory");
    wal->env = env;
    wal->pending_bytes_max = pending_max;
    wal->log = pod_seglog_create(env, config->prefix, config->segment_bytes_max);
    if (!wal->log) {
        free(wal);
        return refuse(&rc, POD_WAL_NOMEM, "no memory");
    }
    rc.wal = wal;
    pod_wal_result r = recover(&rc, visit, arg, config->salvage);
    wal->stats.segments_created = 0;
    if (r != POD_WAL_OK) {
        pod_seglog_close_fds(wal->log);
        pod_wal_close(wal);
        return r;
    }
    pump(wal);
    *wal_out = wal;
    return POD_WAL_OK;
}
