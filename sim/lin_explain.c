/* lin_explain.c — the text that explains a failure: the keys, the
 * culprit operations (lin_shrink.c found them) with their clients, times,
 * commands and answers, and notes on values nobody wrote. */
#include "sim/lin_internal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"
#include "sim/trace.h"

/* --- what operations wrote and saw --------------------------------------------------- */

static uint64_t pair_of(uint32_t key, uint32_t value) { return (uint64_t)key << 32 | value; }

/* The (key, value) pairs operation o writes: up to POD_KV_TXN_PARTS_MAX. */
static uint32_t op_writes(const lin_prep *prep, const lin_op *o, uint64_t *out) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < o->part_count; i++) {
        const lin_part *w = &prep->parts[o->part_first + i];
        if (w->op == POD_KV_PUT || w->op == POD_KV_CAS) out[n++] = pair_of(w->key, w->value);
    }
    return n;
}

/* The (key, value) pairs an answered operation saw. */
static uint32_t op_observes(const lin_prep *prep, const lin_op *o, uint64_t *out) {
    if (!lin_op_answered(o) || o->status != POD_KV_OK) return 0;
    const lin_part *parts = &prep->parts[o->part_first];
    if (o->kind == POD_KV_GET) {
        out[0] = pair_of(parts[0].key, o->result);
        return 1;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < o->part_count; i++) {
        const lin_part *c = &parts[i];
        if ((c->op == POD_KV_CAS || c->op == POD_KV_CHECK) && !c->expect_absent) {
            out[n++] = pair_of(c->key, c->expected);
        }
    }
    return n;
}

/* --- text -------------------------------------------------------------------------- */

void lin_appendf(char *buf, size_t cap, size_t *at, const char *fmt, ...) {
    assert(cap > 0 && *at < cap);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *at, cap - *at, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    *at = (size_t)n >= cap - *at ? cap - 1 : *at + (size_t)n;
}

void lin_format_bytes(const uint8_t *bytes, uint32_t len, uint32_t shown, char *buf, size_t cap,
                      size_t *at) {
    lin_appendf(buf, cap, at, "\"");
    for (uint32_t i = 0; i < len && i < shown; i++) {
        uint8_t b = bytes[i];
        if (b == '"' || b == '\\') lin_appendf(buf, cap, at, "\\%c", b);
        else if (b >= 0x20 && b < 0x7f) lin_appendf(buf, cap, at, "%c", b);
        else lin_appendf(buf, cap, at, "\\x%02x", b);
    }
    lin_appendf(buf, cap, at, "\"");
    if (len > shown) lin_appendf(buf, cap, at, "(+%" PRIu32 " bytes)", len - shown);
}

static bool plain_key(const uint8_t *key, uint32_t len) {
    if (len == 0 || len > 64) return false;
    for (uint32_t i = 0; i < len; i++) {
        uint8_t b = key[i];
        bool ok = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' ||
                  b == '-' || b == '.' || b == ':' || b == '/';
        if (!ok) return false;
    }
    return true;
}

void lin_format_key(const lin_prep *prep, uint32_t key, char *buf, size_t cap, size_t *at) {
    const uint8_t *bytes = prep->keys.bytes[key];
    uint32_t len = prep->keys.lens[key];
    if (plain_key(bytes, len)) lin_appendf(buf, cap, at, "%.*s", (int)len, (const char *)bytes);
    else lin_format_bytes(bytes, len, 64, buf, cap, at);
}

#define LIN_VALUE_SHOWN 20u

static void format_value(const lin_prep *prep, uint32_t value, char *buf, size_t cap, size_t *at) {
    if (value == LIN_ABSENT) {
        lin_appendf(buf, cap, at, "absent");
        return;
    }
    lin_format_bytes(prep->values.bytes[value], prep->values.lens[value], LIN_VALUE_SHOWN, buf, cap, at);
}

static void format_part(const lin_prep *prep, const lin_part *part, char *buf, size_t cap, size_t *at) {
    static const char *const names[] = {"?", "put", "get", "delete", "cas", "txn", "check"};
    lin_appendf(buf, cap, at, "%s ", part->op < 7 ? names[part->op] : "?");
    lin_format_key(prep, part->key, buf, cap, at);
    if (part->op == POD_KV_CAS || part->op == POD_KV_CHECK) {
        lin_appendf(buf, cap, at, " ");
        format_value(prep, part->expect_absent ? LIN_ABSENT : part->expected, buf, cap, at);
        if (part->op == POD_KV_CAS) lin_appendf(buf, cap, at, "->");
    } else if (part->op == POD_KV_PUT) {
        lin_appendf(buf, cap, at, " ");
    }
    if (part->op == POD_KV_PUT || part->op == POD_KV_CAS) format_value(prep, part->value, buf, cap, at);
}

static void format_answer(const lin_prep *prep, const lin_op *o, char *buf, size_t cap, size_t *at) {
    if (o->told) {
        lin_appendf(buf, cap, at, "? (%s: another copy may take effect)",
                    o->told == KV_REPLY_UNAVAILABLE ? "unavailable" : "not the leader");
    } else if (o->outcome == POD_HIST_TIMEOUT) {
        lin_appendf(buf, cap, at, "? (timed out)");
    } else if (o->outcome != POD_HIST_DONE) {
        lin_appendf(buf, cap, at, "? (no answer by the end)");
    } else if (o->kind == POD_KV_GET && o->status == POD_KV_OK) {
        format_value(prep, o->result, buf, cap, at);
    } else if (o->status <= POD_KV_E_FULL) {
        lin_appendf(buf, cap, at, "%s", pod_kv_status_name((pod_kv_status)o->status));
    } else if (o->status == KV_REPLY_UNAVAILABLE) {
        lin_appendf(buf, cap, at, "unavailable");
    } else {
        lin_appendf(buf, cap, at, "status %u", (unsigned)o->status);
    }
}

static void format_times(const lin_op *o, char *buf, size_t cap, size_t *at) {
    char t1[32], t2[32];
    pod_format_time(o->invoke_ns, t1, sizeof t1);
    if (lin_op_answered(o)) {
        pod_format_time(o->complete_ns, t2, sizeof t2);
        lin_appendf(buf, cap, at, "[%ss, %ss]", t1, t2);
    } else if (o->told) {
        pod_format_time(o->gave_up_ns, t2, sizeof t2);
        lin_appendf(buf, cap, at, "[%ss, told %ss]", t1, t2);
    } else if (o->outcome == POD_HIST_TIMEOUT) {
        pod_format_time(o->gave_up_ns, t2, sizeof t2);
        lin_appendf(buf, cap, at, "[%ss, gave up %ss]", t1, t2);
    } else {
        lin_appendf(buf, cap, at, "[%ss, -]", t1);
    }
}

void lin_format_op(const lin_prep *prep, const lin_op *o, bool with_times, char *buf, size_t cap,
                   size_t *at) {
    const pod_hist_op *h = &prep->h->ops[o->hist];
    lin_appendf(buf, cap, at, "c%" PRIu32 " r%" PRIu64 " ", h->client, h->request_no);
    if (with_times) {
        format_times(o, buf, cap, at);
        lin_appendf(buf, cap, at, " ");
    }
    const lin_part *parts = &prep->parts[o->part_first];
    if (o->kind == POD_KV_TXN) {
        lin_appendf(buf, cap, at, "txn {");
        for (uint32_t i = 0; i < o->part_count; i++) {
            if (i) lin_appendf(buf, cap, at, "; ");
            format_part(prep, &parts[i], buf, cap, at);
        }
        lin_appendf(buf, cap, at, "}");
    } else {
        format_part(prep, &parts[0], buf, cap, at);
    }
    lin_appendf(buf, cap, at, " -> ");
    format_answer(prep, o, buf, cap, at);
}

#define LIN_KEYS_COUNTED 64u

/* The keys the culprits touch, in first-touched order: "k1, k3 (+2 more)". */
static void format_keys(const lin_prep *prep, const lin_culprits *c, uint32_t shown_max, char *buf, size_t cap,
                        size_t *at) {
    uint32_t keys[LIN_KEYS_COUNTED];
    uint32_t count = 0;
    bool overflow = false;
    for (uint32_t i = 0; i < c->count && !overflow; i++) {
        const lin_op *o = &prep->ops[c->ops[i]];
        for (uint32_t k = 0; k < o->part_count && !overflow; k++) {
            uint32_t key = prep->parts[o->part_first + k].key;
            bool seen = false;
            for (uint32_t j = 0; j < count && !seen; j++) seen = keys[j] == key;
            if (seen) continue;
            if (count == LIN_KEYS_COUNTED) overflow = true;
            else keys[count++] = key;
        }
    }
    for (uint32_t j = 0; j < count && j < shown_max; j++) {
        if (j) lin_appendf(buf, cap, at, ", ");
        lin_format_key(prep, keys[j], buf, cap, at);
    }
    if (count > shown_max) lin_appendf(buf, cap, at, " (+%" PRIu32 "%s more)", count - shown_max, overflow ? " or" : "");
}

/* Values culprits saw that no operation of the component writes. */
#define LIN_NOTES_MAX 4u

/* The first operation of `ops` (count of them) that writes `pair`, or
 * LIN_NONE; how many do in *writers. */
static uint32_t find_writer(const lin_prep *prep, const uint32_t *ops, uint32_t count, uint64_t pair,
                            uint32_t *writers) {
    uint64_t wrote[POD_KV_TXN_PARTS_MAX];
    uint32_t first = LIN_NONE;
    *writers = 0;
    for (uint32_t w = 0; w < count; w++) {
        uint32_t k = op_writes(prep, &prep->ops[ops[w]], wrote);
        bool writes = false;
        for (uint32_t x = 0; x < k; x++) writes = writes || wrote[x] == pair;
        if (!writes) continue;
        if (first == LIN_NONE) first = ops[w];
        ++*writers;
    }
    return first;
}

/* Notes on values culprits saw whose write is not among the culprits:
 * nobody wrote it, or who did (left out: the culprits leave it no room). */
static void format_notes(const lin_prep *prep, const lin_problem *component, const lin_culprits *c, char *buf,
                         size_t cap, size_t *at) {
    uint64_t seen[POD_KV_TXN_PARTS_MAX];
    uint32_t notes = 0;
    uint32_t shown = c->count < POD_LIN_CULPRITS_MAX ? c->count : POD_LIN_CULPRITS_MAX;
    for (uint32_t i = 0; i < shown && notes < LIN_NOTES_MAX; i++) {
        const lin_op *reader = &prep->ops[c->ops[i]];
        const pod_hist_op *h = &prep->h->ops[reader->hist];
        uint32_t n = op_observes(prep, reader, seen);
        for (uint32_t j = 0; j < n && notes < LIN_NOTES_MAX; j++) {
            uint32_t writers;
            if (find_writer(prep, c->ops, c->count, seen[j], &writers) != LIN_NONE) continue;
            uint32_t w = find_writer(prep, component->ops, component->count, seen[j], &writers);
            notes++;
            lin_appendf(buf, cap, at, "note: c%" PRIu32 " r%" PRIu64 " saw ", h->client, h->request_no);
            format_value(prep, (uint32_t)seen[j], buf, cap, at);
            lin_appendf(buf, cap, at, " in ");
            lin_format_key(prep, (uint32_t)(seen[j] >> 32), buf, cap, at);
            if (w == LIN_NONE) {
                lin_appendf(buf, cap, at, ", a value no operation writes there\n");
                continue;
            }
            lin_appendf(buf, cap, at, ", written by ");
            lin_format_op(prep, &prep->ops[w], true, buf, cap, at);
            if (writers > 1) lin_appendf(buf, cap, at, " (and %" PRIu32 " more)", writers - 1);
            lin_appendf(buf, cap, at, "; the operations above leave that write no place before the read\n");
        }
    }
}

/* Appends piece[0..len) if it fits with `reserve` bytes to spare. */
static bool append_fitting(char *buf, size_t cap, size_t *at, const char *piece, size_t len, size_t reserve) {
    if (*at + len + reserve >= cap) return false;
    memcpy(buf + *at, piece, len);
    *at += len;
    buf[*at] = '\0';
    return true;
}

static void format_summary(const lin_prep *prep, const lin_culprits *c, pod_lin_result *out) {
    char *buf = out->summary;
    size_t cap = sizeof out->summary, at = 0;
    buf[0] = '\0';
    lin_appendf(buf, cap, &at, "keys ");
    format_keys(prep, c, 4, buf, cap, &at);
    lin_appendf(buf, cap, &at, ": %" PRIu32 " operation%s cannot be ordered: ", c->count, c->count == 1 ? "" : "s");
    for (uint32_t i = 0; i < c->count; i++) {
        char piece[256];
        size_t n = 0;
        piece[0] = '\0';
        if (i) lin_appendf(piece, sizeof piece, &n, "; ");
        lin_format_op(prep, &prep->ops[c->ops[i]], true, piece, sizeof piece, &n);
        if (!append_fitting(buf, cap, &at, piece, n, 24)) {
            lin_appendf(buf, cap, &at, "; (+%" PRIu32 " more)", c->count - i);
            return;
        }
    }
}

static void format_explanation(const lin_prep *prep, const lin_problem *component, const lin_culprits *c,
                               pod_lin_result *out) {
    char *buf = out->explanation;
    size_t cap = sizeof out->explanation, at = 0;
    buf[0] = '\0';
    lin_appendf(buf, cap, &at, "not linearizable: keys ");
    format_keys(prep, c, 8, buf, cap, &at);
    lin_appendf(buf, cap, &at,
                " (a component of %" PRIu32 " operations)\nno order of these %" PRIu32
                " operations agrees with real time and their answers",
                component->count, c->count);
    if (c->minimal) {
        lin_appendf(buf, cap, &at, "; none can be left out (without it the rest could be ordered, "
                                   "or it is a write the others may have seen):\n");
    } else {
        lin_appendf(buf, cap, &at, " (shrinking stopped at its budget; the set may not be minimal):\n");
    }
    for (uint32_t i = 0; i < c->count; i++) {
        char piece[1024];
        size_t n = 0;
        piece[0] = '\0';
        lin_appendf(piece, sizeof piece, &n, "  ");
        lin_format_op(prep, &prep->ops[c->ops[i]], true, piece, sizeof piece, &n);
        lin_appendf(piece, sizeof piece, &n, "\n");
        if (!append_fitting(buf, cap, &at, piece, n, 1024)) {
            lin_appendf(buf, cap, &at, "  ... and %" PRIu32 " more operations\n", c->count - i);
            break;
        }
    }
    format_notes(prep, component, c, buf, cap, &at);
}

void lin_explain_format(const lin_prep *prep, const lin_problem *component, const lin_culprits *c,
                        pod_lin_result *out) {
    out->culprit_count = c->count;
    out->culprits_minimal = c->minimal;
    for (uint32_t i = 0; i < c->count && i < POD_LIN_CULPRITS_MAX; i++) out->culprits[i] = prep->ops[c->ops[i]].hist;
    format_summary(prep, c, out);
    format_explanation(prep, component, c, out);
}
