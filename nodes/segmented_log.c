/* segmented_log.c — the Segmented Log's table of segments, its file names,
 * and the synchronous environment calls behind it. Ordering and syncing are
 * the WAL's job (wal.c); see segmented_log.h for the split. */
#include "nodes/segmented_log.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static bool prefix_char_ok(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

bool pod_seglog_prefix_valid(const char *prefix) {
    if (prefix == NULL) return false;
    size_t n = strnlen(prefix, POD_SEGLOG_PREFIX_MAX + 1);
    if (n == 0 || n > POD_SEGLOG_PREFIX_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        if (!prefix_char_ok(prefix[i])) return false;
    }
    return true;
}

bool pod_seglog_name_format(const char *prefix, uint64_t first_index, char *out, size_t out_len) {
    assert(pod_seglog_prefix_valid(prefix) && out != NULL);
    int n = snprintf(out, out_len, "%s-%020" PRIu64 POD_SEGLOG_SUFFIX, prefix, first_index);
    return n > 0 && (size_t)n < out_len;
}

bool pod_seglog_name_parse(const char *prefix, const char *name, uint64_t *first_index_out) {
    assert(pod_seglog_prefix_valid(prefix) && name != NULL && first_index_out != NULL);
    size_t plen = strlen(prefix);
    size_t const want = plen + 1 + POD_SEGLOG_DIGITS + strlen(POD_SEGLOG_SUFFIX);
    if (strnlen(name, want + 1) != want) return false;
    if (memcmp(name, prefix, plen) != 0 || name[plen] != '-') return false;
    const char *digits = name + plen + 1;
    uint64_t v = 0;
    for (unsigned i = 0; i < POD_SEGLOG_DIGITS; i++) {
        char c = digits[i];
        if (c < '0' || c > '9') return false;
        uint64_t d = (uint64_t)(c - '0');
        if (v > (UINT64_MAX - d) / 10) return false; /* more than UINT64_MAX */
        v = v * 10 + d;
    }
    if (strcmp(digits + POD_SEGLOG_DIGITS, POD_SEGLOG_SUFFIX) != 0) return false;
    if (v == 0) return false; /* indexes start at 1 */
    *first_index_out = v;
    return true;
}

typedef struct list_ctx {
    const char *prefix;
    uint64_t *firsts;
    uint32_t max;
    uint32_t count;
    bool overflow;
} list_ctx;

static void list_visit(void *arg, const char *name) {
    list_ctx *ctx = arg;
    uint64_t first;
    if (!pod_seglog_name_parse(ctx->prefix, name, &first)) return;
    if (ctx->count == ctx->max) {
        ctx->overflow = true;
        return;
    }
    ctx->firsts[ctx->count++] = first;
}

pod_status pod_seglog_list(pod_env *env, const char *prefix, uint64_t *firsts, uint32_t max,
                           uint32_t *count_out, bool *overflow_out) {
    assert(env != NULL && firsts != NULL && count_out != NULL && overflow_out != NULL);
    list_ctx ctx = {.prefix = prefix, .firsts = firsts, .max = max};
    pod_status st = env->ops->list(env, list_visit, &ctx);
    *count_out = ctx.count;
    *overflow_out = ctx.overflow;
    if (st != POD_OK) return st;
    /* Byte order of equal-length zero-padded names is numeric order; check
     * it rather than trust it, since everything after relies on it. */
    for (uint32_t i = 1; i < ctx.count; i++) assert(firsts[i - 1] < firsts[i]);
    return POD_OK;
}

/* ------------------------------------------------------------------ */
/* Lifetime and table                                                  */
/* ------------------------------------------------------------------ */

static void close_older_fds(pod_seglog *log, uint32_t keep);

pod_seglog *pod_seglog_create(pod_env *env, const char *prefix, uint64_t segment_bytes_max) {
    assert(env != NULL && pod_seglog_prefix_valid(prefix));
    assert(segment_bytes_max >= POD_WALREC_HEADER_BYTES &&
           segment_bytes_max <= POD_SEGLOG_SEGMENT_BYTES_LIMIT);
    pod_seglog *log = calloc(1, sizeof *log);
    if (!log) return NULL;
    log->read_buf = malloc(POD_WALREC_BYTES_MAX);
    if (!log->read_buf) {
        free(log);
        return NULL;
    }
    log->env = env;
    memcpy(log->prefix, prefix, strlen(prefix) + 1);
    log->segment_bytes_max = segment_bytes_max;
    log->busy_fd = -1;
    return log;
}

void pod_seglog_destroy(pod_seglog *log) {
    if (!log) return;
    for (uint32_t i = 0; i < log->count; i++) free(log->segs[i].pending);
    free(log->segs);
    free(log->read_buf);
    free(log);
}

static void name_of(const pod_seglog *log, uint64_t first, char *out) {
    bool ok = pod_seglog_name_format(log->prefix, first, out, POD_SEGLOG_NAME_BYTES);
    assert(ok); /* the prefix length limit guarantees it */
    (void)ok;
}

static void set_error(pod_seglog *log, const char *what, uint64_t first, pod_status st) {
    char name[POD_SEGLOG_NAME_BYTES];
    name_of(log, first, name);
    snprintf(log->error, sizeof log->error, "%s %s: %s", what, name, pod_status_name(st));
}

uint32_t pod_seglog_files(const pod_seglog *log) {
    return log->count + log->unlink_count;
}

/* A buffer the newest segment keeps between writes, at most this large. */
#define POD_SEGLOG_PENDING_KEEP_BYTES (64u * 1024u)

static void release_pending(pod_seglog_segment *s) {
    assert(s->pending_len == 0);
    free(s->pending);
    s->pending = NULL;
    s->pending_cap = 0;
}

/* Appends a segment record to the table; the caller fills it in. */
static pod_seglog_segment *push_segment(pod_seglog *log, uint64_t first, pod_wal_result *res) {
    if (pod_seglog_files(log) >= POD_SEGLOG_SEGMENTS_MAX) {
        *res = POD_WAL_LIMIT;
        return NULL;
    }
    if (log->count == log->capacity) {
        uint32_t cap = log->capacity ? log->capacity * 2 : 8;
        if (cap > POD_SEGLOG_SEGMENTS_MAX) cap = POD_SEGLOG_SEGMENTS_MAX;
        pod_seglog_segment *segs = realloc(log->segs, (size_t)cap * sizeof *segs);
        if (!segs) {
            *res = POD_WAL_NOMEM;
            return NULL;
        }
        log->segs = segs;
        log->capacity = cap;
    }
    pod_seglog_segment *s = &log->segs[log->count++];
    *s = (pod_seglog_segment){.first_index = first, .last_index = first - 1, .fd = -1};
    *res = POD_WAL_OK;
    return s;
}

pod_wal_result pod_seglog_adopt(pod_seglog *log, uint64_t first_index, uint64_t size, pod_fd fd) {
    assert(first_index >= 1);
    assert(log->count == 0 || log->segs[log->count - 1].first_index < first_index);
    pod_wal_result res;
    pod_seglog_segment *s = push_segment(log, first_index, &res);
    if (!s) return res;
    s->created = true;
    s->size = s->disk_size = s->disk_valid = size;
    s->fd = fd;
    close_older_fds(log, log->count - 1);
    return POD_WAL_OK;
}

void pod_seglog_settle(pod_seglog *log, uint64_t last_index, uint64_t valid_size) {
    assert(log->count > 0);
    pod_seglog_segment *s = &log->segs[log->count - 1];
    assert(last_index + 1 >= s->first_index && valid_size <= s->disk_size);
    assert(s->pending_len == 0);
    s->last_index = last_index;
    s->size = s->disk_valid = valid_size;
}

pod_wal_result pod_seglog_start(pod_seglog *log, uint64_t first_index) {
    assert(log->count == 0 && first_index >= 1);
    pod_wal_result res;
    return push_segment(log, first_index, &res) ? POD_WAL_OK : res;
}

uint64_t pod_seglog_first_index(const pod_seglog *log) {
    assert(log->count > 0);
    return log->segs[0].first_index;
}

uint64_t pod_seglog_last_index(const pod_seglog *log) {
    assert(log->count > 0);
    return log->segs[log->count - 1].last_index;
}

int32_t pod_seglog_find(const pod_seglog *log, uint64_t index) {
    /* The last segment whose first index <= index, by binary search. */
    uint32_t lo = 0, hi = log->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (log->segs[mid].first_index <= index) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return -1;
    const pod_seglog_segment *s = &log->segs[lo - 1];
    return index <= s->last_index ? (int32_t)(lo - 1) : -1;
}

bool pod_seglog_unlink_is_due(const pod_seglog *log) {
    return log->unlink_count > 0;
}

bool pod_seglog_truncate_is_due(const pod_seglog *log) {
    for (uint32_t i = 0; i < log->count; i++) {
        if (log->segs[i].disk_valid < log->segs[i].disk_size) return true;
    }
    return false;
}

bool pod_seglog_write_is_due(const pod_seglog *log) {
    return log->pending_bytes > 0;
}

/* ------------------------------------------------------------------ */
/* File descriptors                                                    */
/* ------------------------------------------------------------------ */

static pod_wal_result seg_open(pod_seglog *log, uint32_t pos, uint32_t flags, pod_fd *fd_out) {
    char name[POD_SEGLOG_NAME_BYTES];
    name_of(log, log->segs[pos].first_index, name);
    pod_status st = log->env->ops->open(log->env, name, flags, fd_out);
    if (st != POD_OK) {
        set_error(log, (flags & POD_OPEN_CREATE) ? "create" : "open", log->segs[pos].first_index,
                  st);
        return POD_WAL_IO;
    }
    log->opens++;
    return POD_WAL_OK;
}

/* Closes an fd we no longer need, unless a sync in flight uses it. */
static void fd_release(pod_seglog *log, pod_fd fd) {
    if (fd < 0) return;
    if (fd == log->busy_fd) {
        log->busy_fd_orphaned = true;
        return;
    }
    (void)log->env->ops->close(log->env, fd); /* nothing to do about a failed close */
}

static pod_wal_result seg_fd(pod_seglog *log, uint32_t pos, pod_fd *fd_out) {
    pod_seglog_segment *s = &log->segs[pos];
    assert(s->created);
    if (s->fd < 0) {
        pod_wal_result r = seg_open(log, pos, 0, &s->fd);
        if (r != POD_WAL_OK) return r;
    }
    *fd_out = s->fd;
    return POD_WAL_OK;
}

/* Keeps at most one segment fd open between steps: the newest created
 * file's. Older ones are opened again by reads when needed. */
static void close_older_fds(pod_seglog *log, uint32_t keep) {
    for (uint32_t i = 0; i < log->count; i++) {
        if (i == keep || log->segs[i].fd < 0) continue;
        fd_release(log, log->segs[i].fd);
        log->segs[i].fd = -1;
    }
}

void pod_seglog_close_fds(pod_seglog *log) {
    close_older_fds(log, UINT32_MAX);
}

void pod_seglog_set_busy(pod_seglog *log, pod_fd fd) {
    assert(log->busy_fd < 0 && fd >= 0);
    log->busy_fd = fd;
    log->busy_fd_orphaned = false;
}

void pod_seglog_clear_busy(pod_seglog *log) {
    pod_fd fd = log->busy_fd;
    bool orphaned = log->busy_fd_orphaned;
    log->busy_fd = -1;
    log->busy_fd_orphaned = false;
    if (orphaned) (void)log->env->ops->close(log->env, fd);
}

void pod_seglog_names_durable(pod_seglog *log) {
    for (uint32_t i = 0; i < log->count; i++) {
        if (log->segs[i].created) log->segs[i].name_durable = true;
    }
}

/* ------------------------------------------------------------------ */
/* Appending                                                           */
/* ------------------------------------------------------------------ */

uint8_t *pod_seglog_reserve(pod_seglog *log, uint32_t rec_bytes, pod_wal_result *result_out) {
    assert(log->count > 0 && rec_bytes >= POD_WALREC_HEADER_BYTES &&
           rec_bytes <= POD_WALREC_BYTES_MAX);
    pod_seglog_segment *s = &log->segs[log->count - 1];
    bool nonempty = s->last_index >= s->first_index;
    if (nonempty && s->size + rec_bytes > log->segment_bytes_max) {
        /* Roll: the new segment exists only in memory until the WAL writes
         * it, after every older segment is durable. */
        s = push_segment(log, s->last_index + 1, result_out);
        if (!s) return NULL;
        /* The segment before is no longer the newest: an empty buffer it
         * kept for appends goes back (a full one goes when written). */
        pod_seglog_segment *before = &log->segs[log->count - 2];
        if (before->pending_len == 0) release_pending(before);
    }
    if ((uint64_t)s->pending_len + rec_bytes > s->pending_cap) {
        uint64_t cap = s->pending_cap ? s->pending_cap : 4096;
        while (cap < (uint64_t)s->pending_len + rec_bytes) cap *= 2; /* at most 32 doublings */
        assert(cap <= UINT32_MAX);
        uint8_t *p = realloc(s->pending, (size_t)cap);
        if (!p) {
            *result_out = POD_WAL_NOMEM;
            return NULL;
        }
        s->pending = p;
        s->pending_cap = (uint32_t)cap;
    }
    uint8_t *at = s->pending + s->pending_len;
    s->pending_len += rec_bytes;
    s->size += rec_bytes;
    s->last_index++;
    log->pending_bytes += rec_bytes;
    *result_out = POD_WAL_OK;
    return at;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

/* Reads up to len bytes at offset of the segment's logical content into
 * dst, or points *src at pending bytes. *got_out < len only at its end. */
static pod_wal_result seg_bytes(pod_seglog *log, uint32_t pos, pod_fd fd, uint64_t offset,
                                uint8_t *dst, uint32_t len, const uint8_t **src,
                                uint32_t *got_out) {
    pod_seglog_segment *s = &log->segs[pos];
    *got_out = 0;
    *src = NULL;
    if (offset >= s->size) return POD_WAL_OK;
    /* A valid record never straddles the file and the pending bytes (a
     * write takes them all), so a read stops at the boundary: a damaged
     * length field reads as a record cut short. */
    uint64_t end = offset < s->disk_valid ? s->disk_valid : s->size;
    uint64_t avail = end - offset;
    uint32_t want = avail < len ? (uint32_t)avail : len;
    if (offset >= s->disk_valid) {
        *src = s->pending + (offset - s->disk_valid);
        *got_out = want;
        return POD_WAL_OK;
    }
    pod_status st = log->env->ops->read(log->env, fd, offset, dst, want, got_out);
    if (st != POD_OK) {
        set_error(log, "read", s->first_index, st);
        return POD_WAL_IO;
    }
    *src = dst;
    return POD_WAL_OK;
}

/* Reads a record with an fd the caller chose (-1: only pending bytes). */
static pod_seglog_read read_record_fd(pod_seglog *log, uint32_t pos, pod_fd fd, uint64_t offset,
                                      pod_seglog_record *out) {
    const pod_seglog_segment *s = &log->segs[pos];
    if (offset == s->size) return POD_SEGLOG_READ_END;
    assert(offset < s->size);
    const uint8_t *src;
    uint32_t got;
    if (seg_bytes(log, pos, fd, offset, log->read_buf, POD_WALREC_HEADER_BYTES, &src, &got) !=
        POD_WAL_OK) {
        return POD_SEGLOG_READ_IO;
    }
    pod_walrec_header h;
    const uint8_t *payload;
    pod_walrec_status ws = pod_walrec_decode(src, got, &h, &payload);
    if (ws == POD_WALREC_INCOMPLETE && got == POD_WALREC_HEADER_BYTES) {
        /* The header is whole and plausible: fetch the payload too. */
        uint32_t len = 0;
        for (unsigned i = 0; i < 4; i++) len |= (uint32_t)src[i] << (8 * i);
        assert(len <= POD_WAL_RECORD_BYTES_MAX);
        if (src != log->read_buf) {
            /* pending bytes: contiguous already */
            uint64_t left = s->size - offset;
            uint32_t more = left < POD_WALREC_HEADER_BYTES + len
                                ? (uint32_t)left
                                : POD_WALREC_HEADER_BYTES + len;
            ws = pod_walrec_decode(src, more, &h, &payload);
        } else {
            /* From the file only: a header that ends where the pending
             * bytes begin belongs to a record cut short (pgot 0). */
            const uint8_t *psrc = NULL;
            uint32_t pgot = 0;
            if (offset + POD_WALREC_HEADER_BYTES < s->disk_valid &&
                seg_bytes(log, pos, fd, offset + POD_WALREC_HEADER_BYTES,
                          log->read_buf + POD_WALREC_HEADER_BYTES, len, &psrc, &pgot) !=
                    POD_WAL_OK) {
                return POD_SEGLOG_READ_IO;
            }
            assert(pgot == 0 || psrc == log->read_buf + POD_WALREC_HEADER_BYTES);
            ws = pod_walrec_decode(log->read_buf, POD_WALREC_HEADER_BYTES + pgot, &h, &payload);
        }
    }
    if (ws == POD_WALREC_INCOMPLETE) return POD_SEGLOG_READ_INCOMPLETE;
    if (ws == POD_WALREC_INVALID) return POD_SEGLOG_READ_INVALID;
    out->header = h;
    out->payload = payload;
    return POD_SEGLOG_READ_OK;
}

pod_seglog_read pod_seglog_read_record(pod_seglog *log, uint32_t pos, uint64_t offset,
                                       pod_seglog_record *out) {
    assert(pos < log->count);
    pod_fd fd = -1;
    if (offset < log->segs[pos].disk_valid && seg_fd(log, pos, &fd) != POD_WAL_OK) {
        return POD_SEGLOG_READ_IO;
    }
    return read_record_fd(log, pos, fd, offset, out);
}

pod_wal_result pod_seglog_read_raw(pod_seglog *log, uint32_t pos, uint64_t offset, void *buf,
                                   uint32_t len, uint32_t *got_out) {
    assert(pos < log->count);
    pod_seglog_segment *s = &log->segs[pos];
    *got_out = 0;
    if (offset >= s->disk_size) return POD_WAL_OK;
    pod_fd fd;
    pod_wal_result r = seg_fd(log, pos, &fd);
    if (r != POD_WAL_OK) return r;
    uint64_t avail = s->disk_size - offset;
    uint32_t want = avail < len ? (uint32_t)avail : len;
    pod_status st = log->env->ops->read(log->env, fd, offset, buf, want, got_out);
    if (st != POD_OK) {
        set_error(log, "read", s->first_index, st);
        return POD_WAL_IO;
    }
    return POD_WAL_OK;
}

/* Names what went wrong reading a kept record: the log was validated at
 * recovery, so this is damage since (or a bug), never a torn tail. */
static pod_wal_result read_failure(pod_seglog *log, uint32_t pos, uint64_t offset, uint64_t index,
                                   pod_seglog_read rs) {
    if (rs == POD_SEGLOG_READ_IO) return POD_WAL_IO;
    char name[POD_SEGLOG_NAME_BYTES];
    name_of(log, log->segs[pos].first_index, name);
    snprintf(log->error, sizeof log->error, "%s offset %" PRIu64 " index %" PRIu64 ": %s", name,
             offset, index, rs == POD_SEGLOG_READ_INVALID ? "invalid record" : "record cut short");
    return POD_WAL_CORRUPT;
}

/* Finds the offset of record `index` in segment `pos` by walking its
 * records from the start (bounded by the segment's record count). */
static pod_wal_result seg_offset_of(pod_seglog *log, uint32_t pos, pod_fd fd, uint64_t index,
                                    uint64_t *offset_out) {
    const pod_seglog_segment *s = &log->segs[pos];
    assert(index >= s->first_index && index <= s->last_index + 1);
    uint64_t offset = 0;
    for (uint64_t want = s->first_index; want < index; want++) {
        pod_seglog_record rec;
        pod_seglog_read rs = read_record_fd(log, pos, fd, offset, &rec);
        if (rs != POD_SEGLOG_READ_OK) return read_failure(log, pos, offset, want, rs);
        if (rec.header.index != want) {
            return read_failure(log, pos, offset, want, POD_SEGLOG_READ_INVALID);
        }
        offset += pod_walrec_size(rec.header.len);
    }
    *offset_out = offset;
    return POD_WAL_OK;
}

/* Visits the records of segment pos from start_index; *stop_out when the
 * visitor asked to stop. */
static pod_wal_result read_segment(pod_seglog *log, uint32_t pos, uint64_t start_index,
                                   bool (*visit)(void *arg, const pod_wal_entry *entry), void *arg,
                                   bool *stop_out) {
    pod_seglog_segment *s = &log->segs[pos];
    /* Segments other than the newest file are opened for this read only. */
    pod_fd fd = s->fd;
    bool temporary = false;
    if (fd < 0 && s->created && s->disk_valid > 0) {
        pod_wal_result r = seg_open(log, pos, 0, &fd);
        if (r != POD_WAL_OK) return r;
        temporary = true;
    }
    uint64_t offset = 0;
    pod_wal_result r = POD_WAL_OK;
    if (start_index > s->first_index) r = seg_offset_of(log, pos, fd, start_index, &offset);
    for (uint64_t want = start_index; r == POD_WAL_OK && want <= s->last_index; want++) {
        pod_seglog_record rec;
        pod_seglog_read rs = read_record_fd(log, pos, fd, offset, &rec);
        if (rs != POD_SEGLOG_READ_OK) {
            r = read_failure(log, pos, offset, want, rs);
        } else if (rec.header.index != want) {
            r = read_failure(log, pos, offset, want, POD_SEGLOG_READ_INVALID);
        } else {
            pod_wal_entry e = {.index = rec.header.index, .term = rec.header.term,
                               .type = rec.header.type, .payload = rec.payload,
                               .len = rec.header.len};
            offset += pod_walrec_size(rec.header.len);
            if (!visit(arg, &e)) {
                *stop_out = true;
                break;
            }
        }
    }
    if (temporary) (void)log->env->ops->close(log->env, fd);
    return r;
}

pod_wal_result pod_seglog_read_from(pod_seglog *log, uint64_t start_index,
                                    bool (*visit)(void *arg, const pod_wal_entry *entry),
                                    void *arg) {
    assert(log->count > 0 && visit != NULL);
    if (start_index < pod_seglog_first_index(log)) return POD_WAL_RANGE;
    if (start_index > pod_seglog_last_index(log)) return POD_WAL_OK;
    int32_t pos = pod_seglog_find(log, start_index);
    assert(pos >= 0);
    bool stop = false;
    for (uint32_t p = (uint32_t)pos; p < log->count && !stop; p++) {
        const pod_seglog_segment *s = &log->segs[p];
        if (s->last_index < s->first_index) continue; /* empty */
        uint64_t from = p == (uint32_t)pos ? start_index : s->first_index;
        pod_wal_result r = read_segment(log, p, from, visit, arg, &stop);
        if (r != POD_WAL_OK) return r;
    }
    return POD_WAL_OK;
}

/* ------------------------------------------------------------------ */
/* Truncating and dropping                                             */
/* ------------------------------------------------------------------ */

/* Takes segment pos out of the table's memory; its file, if any, becomes
 * due to be unlinked (the caller removes the entry from the array). */
static void retire(pod_seglog *log, uint32_t pos) {
    pod_seglog_segment *s = &log->segs[pos];
    log->pending_bytes -= s->pending_len;
    free(s->pending);
    s->pending = NULL;
    if (s->fd >= 0) fd_release(log, s->fd);
    s->fd = -1;
    if (s->created) {
        assert(log->unlink_count < POD_SEGLOG_SEGMENTS_MAX);
        uint32_t slot = (log->unlink_head + log->unlink_count) % POD_SEGLOG_SEGMENTS_MAX;
        log->unlink_due[slot] = s->first_index;
        log->unlink_count++;
    }
}

pod_wal_result pod_seglog_truncate_suffix(pod_seglog *log, uint64_t from_index) {
    assert(log->count > 0);
    uint64_t last = pod_seglog_last_index(log);
    if (from_index < pod_seglog_first_index(log) || from_index > last + 1) return POD_WAL_RANGE;
    if (from_index == last + 1) return POD_WAL_OK;
    int32_t found = pod_seglog_find(log, from_index);
    assert(found >= 0);
    uint32_t pos = (uint32_t)found;
    /* Find the cut before changing anything: a failed read leaves the log
     * as it was. */
    uint64_t offset = 0;
    if (from_index > log->segs[pos].first_index) {
        pod_fd fd = -1;
        pod_wal_result r = POD_WAL_OK;
        if (log->segs[pos].disk_valid > 0) r = seg_fd(log, pos, &fd);
        if (r == POD_WAL_OK) r = seg_offset_of(log, pos, fd, from_index, &offset);
        if (r != POD_WAL_OK) {
            /* Keep the one-fd rule: only the newest file stays open. */
            if (pos + 1 < log->count && log->segs[pos].fd >= 0) {
                fd_release(log, log->segs[pos].fd);
                log->segs[pos].fd = -1;
            }
            return r;
        }
    }
    /* Newest first, so that a crash between two unlinks leaves a log
     * without a hole: each unlink is made durable before the next. */
    for (uint32_t p = log->count; p-- > pos + 1;) retire(log, p);
    log->count = pos + 1;
    pod_seglog_segment *s = &log->segs[pos];
    if (offset >= s->disk_valid) {
        uint64_t keep = offset - s->disk_valid;
        log->pending_bytes -= s->pending_len - keep;
        s->pending_len = (uint32_t)keep;
    } else {
        log->pending_bytes -= s->pending_len;
        s->pending_len = 0;
        s->disk_valid = offset; /* the file is longer: a truncate is due */
    }
    s->size = offset;
    s->last_index = from_index - 1;
    return POD_WAL_OK;
}

uint32_t pod_seglog_drop_below(pod_seglog *log, uint64_t index) {
    assert(log->count > 0);
    uint32_t n = 0;
    /* Only while the next segment's name is durable: with every file gone
     * a crash would restart the log at index 1 and reuse indexes. */
    while (n + 1 < log->count && log->segs[n + 1].first_index <= index &&
           log->segs[n + 1].name_durable) {
        retire(log, n); /* oldest first: each unlink durable before the next */
        n++;
    }
    if (n > 0) {
        memmove(log->segs, log->segs + n, (size_t)(log->count - n) * sizeof log->segs[0]);
        log->count -= n;
    }
    return n;
}

pod_wal_result pod_seglog_restart_at(pod_seglog *log, uint64_t next_index) {
    assert(log->count > 0 && next_index >= 1);
    if (log->unlink_count + log->count > POD_SEGLOG_SEGMENTS_MAX) return POD_WAL_LIMIT;
    /* Newest first, as a suffix cut: a crash between two unlinks leaves a
     * prefix of the old log, which the node can judge against its snapshot. */
    for (uint32_t p = log->count; p-- > 0;) retire(log, p);
    log->count = 0;
    assert(log->pending_bytes == 0);
    pod_wal_result res;
    return push_segment(log, next_index, &res) ? POD_WAL_OK : res;
}

pod_wal_result pod_seglog_discard_file(pod_seglog *log, uint64_t first_index) {
    if (log->unlink_count + log->count >= POD_SEGLOG_SEGMENTS_MAX) return POD_WAL_LIMIT;
    uint32_t slot = (log->unlink_head + log->unlink_count) % POD_SEGLOG_SEGMENTS_MAX;
    log->unlink_due[slot] = first_index;
    log->unlink_count++;
    return POD_WAL_OK;
}

/* ------------------------------------------------------------------ */
/* Physical steps                                                      */
/* ------------------------------------------------------------------ */

pod_wal_result pod_seglog_unlink_next(pod_seglog *log) {
    assert(log->unlink_count > 0);
    uint64_t first = log->unlink_due[log->unlink_head];
    log->unlink_head = (log->unlink_head + 1) % POD_SEGLOG_SEGMENTS_MAX;
    log->unlink_count--;
    char name[POD_SEGLOG_NAME_BYTES];
    name_of(log, first, name);
    pod_status st = log->env->ops->unlink(log->env, name);
    if (st != POD_OK && st != POD_ENOENT) { /* already gone is what we wanted */
        set_error(log, "unlink", first, st);
        return POD_WAL_IO;
    }
    return POD_WAL_OK;
}

pod_wal_result pod_seglog_truncate_next(pod_seglog *log, pod_fd *fd_out) {
    for (uint32_t i = 0; i < log->count; i++) {
        pod_seglog_segment *s = &log->segs[i];
        if (s->disk_valid >= s->disk_size) continue;
        pod_fd fd;
        pod_wal_result r = seg_fd(log, i, &fd);
        if (r != POD_WAL_OK) return r;
        pod_status st = log->env->ops->truncate(log->env, fd, s->disk_valid);
        if (st != POD_OK) {
            set_error(log, "truncate", s->first_index, st);
            return POD_WAL_IO;
        }
        s->disk_size = s->disk_valid;
        *fd_out = fd;
        return POD_WAL_OK;
    }
    assert(!"no truncate due");
    return POD_WAL_IO;
}

pod_wal_result pod_seglog_write_next(pod_seglog *log, uint64_t cookie, pod_seglog_write *out) {
    assert(log->unlink_count == 0 && !pod_seglog_truncate_is_due(log));
    uint32_t pos = 0;
    while (pos < log->count && log->segs[pos].pending_len == 0) pos++;
    assert(pos < log->count);
    pod_seglog_segment *s = &log->segs[pos];
    if (!s->created) {
        /* Exclusive: a file by this name now would be someone else's. */
        pod_wal_result r = seg_open(log, pos, POD_OPEN_CREATE | POD_OPEN_EXCL, &s->fd);
        if (r != POD_WAL_OK) return r;
        log->creates++;
        s->created = true;
        s->name_durable = false;
        close_older_fds(log, pos);
    }
    pod_fd fd;
    pod_wal_result r = seg_fd(log, pos, &fd);
    if (r != POD_WAL_OK) return r;
    pod_status st = log->env->ops->write(log->env, fd, s->disk_valid, s->pending, s->pending_len,
                                         cookie);
    if (st != POD_OK) {
        set_error(log, "write", s->first_index, st);
        return POD_WAL_IO;
    }
    *out = (pod_seglog_write){.fd = fd, .segment_first = s->first_index,
                              .cover_index = s->last_index, .bytes = s->pending_len,
                              .name_durable = s->name_durable};
    s->disk_valid += s->pending_len;
    s->disk_size = s->disk_valid;
    log->pending_bytes -= s->pending_len;
    s->pending_len = 0;
    /* The newest segment takes the next appends: it keeps a buffer of a
     * usual size for them instead of a free and a realloc per write. An
     * older one never grows again, and a large buffer goes back. */
    if (pos + 1 < log->count || s->pending_cap > POD_SEGLOG_PENDING_KEEP_BYTES) release_pending(s);
    return POD_WAL_OK;
}

pod_wal_result pod_seglog_newest_fd(pod_seglog *log, pod_fd *fd_out) {
    for (uint32_t p = log->count; p-- > 0;) {
        if (log->segs[p].created) return seg_fd(log, p, fd_out);
    }
    assert(!"no file");
    return POD_WAL_IO;
}
