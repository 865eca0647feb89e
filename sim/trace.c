/* trace.c — canonical encoding, hashing and printing of trace records. */
#include "sim/trace.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Names and the meaning of the a and b fields, per kind, for printing.
 * NULL labels are not printed. */
static const struct {
    const char *name;
    const char *a_label;
    const char *b_label;
} kind_info[POD_TR_KIND_COUNT] = {
    [POD_TR_RUN_START] = {"run-start", "seed", "nodes"},
    [POD_TR_NODE_START] = {"node-start", "incarnation", NULL},
    [POD_TR_NODE_CRASH] = {"node-crash", "power_loss", NULL},
    [POD_TR_NODE_PAUSE] = {"node-pause", NULL, NULL},
    [POD_TR_NODE_RESUME] = {"node-resume", NULL, NULL},
    [POD_TR_MSG_SEND] = {"send", "len", "hash"},
    [POD_TR_MSG_DELIVER] = {"deliver", "len", "hash"},
    [POD_TR_MSG_DROP] = {"drop", "reason", "hash"},
    [POD_TR_MSG_DUP] = {"duplicate", NULL, "hash"},
    [POD_TR_TIMER_SET] = {"timer-set", "delay_ns", "cookie"},
    [POD_TR_TIMER_FIRE] = {"timer-fire", "id", "cookie"},
    [POD_TR_TIMER_CANCEL] = {"timer-cancel", "id", NULL},
    [POD_TR_NET_PARTITION] = {"partition", "groups", NULL},
    [POD_TR_NET_ISOLATE] = {"isolate", NULL, NULL},
    [POD_TR_NET_BLOCK] = {"block", NULL, NULL},
    [POD_TR_NET_HEAL] = {"heal", NULL, NULL},
    [POD_TR_DISK_OP] = {"disk-op", "op", "status"},
    [POD_TR_DISK_DONE] = {"disk-done", "op", "status"},
    [POD_TR_NOTE] = {"note", NULL, NULL},
    [POD_TR_VIOLATION] = {"VIOLATION", NULL, NULL},
    [POD_TR_BUDGET] = {"BUDGET", "events", "pending"},
    [POD_TR_RUN_END] = {"run-end", "events", NULL},
};

const char *pod_trace_kind_name(pod_trace_kind kind) {
    if (kind <= 0 || kind >= POD_TR_KIND_COUNT || !kind_info[kind].name) return "?";
    return kind_info[kind].name;
}

bool pod_trace_init(pod_trace *trace, pod_trace_format format, FILE *out) {
    memset(trace, 0, sizeof *trace);
    trace->format = out ? format : POD_TRACE_NONE;
    trace->out = out;
    trace->xxh = XXH3_createState();
    if (!trace->xxh) return false;
    XXH3_64bits_reset(trace->xxh);
    return true;
}

void pod_trace_free(pod_trace *trace) {
    if (trace->xxh) XXH3_freeState(trace->xxh);
    trace->xxh = NULL;
}

static void put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void flush_to_hash(pod_trace *trace) {
    if (trace->buf_used == 0) return;
    XXH3_64bits_update(trace->xxh, trace->buf, trace->buf_used);
    trace->buf_used = 0;
}

/* Canonical record: time u64, kind u16, node u16, peer u16, text length
 * u16, a u64, b u64 (all little-endian), then the text bytes. The buffer
 * only batches hash updates; the hashed byte stream is the same. */
static void compare_record(pod_trace *trace, const pod_trace_rec *rec, const uint8_t *bytes, uint32_t len);

static void hash_record(pod_trace *trace, const pod_trace_rec *rec, uint16_t text_len) {
    uint32_t need = 32u + text_len;
    assert(need <= POD_TRACE_BUF_BYTES);
    if (trace->buf_used + need > POD_TRACE_BUF_BYTES) flush_to_hash(trace);
    uint8_t *p = trace->buf + trace->buf_used;
    put_u64(p, rec->time_ns);
    put_u16(p + 8, (uint16_t)rec->kind);
    put_u16(p + 10, rec->node);
    put_u16(p + 12, rec->peer);
    put_u16(p + 14, text_len);
    put_u64(p + 16, rec->a);
    put_u64(p + 24, rec->b);
    if (text_len) memcpy(p + 32, rec->text, text_len);
    trace->buf_used += need;
    if (trace->compare) compare_record(trace, rec, p, need);
}

/* Record mode keeps each record's own hash; compare mode checks it against
 * the reference run's and keeps the first record that differs. */
static void compare_record(pod_trace *trace, const pod_trace_rec *rec, const uint8_t *bytes, uint32_t len) {
    pod_trace_compare *c = trace->compare;
    uint64_t h = XXH3_64bits(bytes, len);
    uint64_t i = trace->records; /* this record's number, 0-based */
    if (c->capture && i == c->capture_at) pod_trace_render(rec, c->captured_text, sizeof c->captured_text);
    if (c->reference) {
        bool differs = i >= c->reference_count || c->reference[i] != h;
        if (differs && !c->diverged && i < POD_TRACE_COMPARE_MAX) {
            c->diverged = true;
            c->diverged_at = i;
            pod_trace_render(rec, c->diverged_text, sizeof c->diverged_text);
        }
        return;
    }
    if (c->count == c->capacity) {
        if (c->capacity >= POD_TRACE_COMPARE_MAX) return;
        uint64_t want = c->capacity ? c->capacity * 2 : 4096;
        uint64_t *grown = realloc(c->hashes, (size_t)want * sizeof *grown);
        if (!grown) return;
        c->hashes = grown;
        c->capacity = want;
    }
    c->hashes[c->count++] = h;
}

void pod_format_time(uint64_t ns, char *out, size_t out_len) {
    snprintf(out, out_len, "%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

static void format_addr(uint16_t addr, char *out, size_t out_len) {
    if (addr == POD_TRACE_NODE_WORLD) {
        snprintf(out, out_len, "world");
    } else if (addr >= 0x8000u) {
        snprintf(out, out_len, "c%u", (unsigned)(addr - 0x8000u + 1));
    } else {
        snprintf(out, out_len, "n%u", (unsigned)addr + 1);
    }
}

static bool has_peer(pod_trace_kind kind) {
    return kind == POD_TR_MSG_SEND || kind == POD_TR_MSG_DELIVER || kind == POD_TR_MSG_DROP ||
           kind == POD_TR_MSG_DUP || kind == POD_TR_NET_BLOCK;
}

void pod_json_write_string(FILE *out, const char *text, size_t len) {
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c < 0x20 || c >= 0x7f) {
            fprintf(out, "\\u%04x", c);
        } else {
            fputc(c, out);
        }
    }
    fputc('"', out);
}

static bool passes_filter(const pod_trace *trace, const pod_trace_rec *rec) {
    const pod_trace_filter *f = trace->filter;
    if (!f || rec->kind == POD_TR_VIOLATION || rec->kind == POD_TR_BUDGET) return true;
    if (rec->time_ns < f->from_ns || (f->to_ns && rec->time_ns > f->to_ns)) return false;
    if (f->by_kind && !f->kinds[rec->kind]) return false;
    if (f->by_node) {
        uint32_t slot = rec->node == POD_TRACE_NODE_WORLD ? POD_TRACE_FILTER_NODES - 1 : rec->node;
        /* A message concerns both ends: show it for either. */
        bool peer_match = has_peer(rec->kind) && rec->peer < POD_TRACE_FILTER_NODES - 1 && f->nodes[rec->peer];
        if (slot >= POD_TRACE_FILTER_NODES || (!f->nodes[slot] && !peer_match)) return false;
    }
    return true;
}

static void print_record(pod_trace *trace, const pod_trace_rec *rec, uint16_t text_len) {
    char when[32], node[16], peer[16];
    pod_format_time(rec->time_ns, when, sizeof when);
    format_addr(rec->node, node, sizeof node);
    format_addr(rec->peer, peer, sizeof peer);
    const char *name = pod_trace_kind_name(rec->kind);
    const char *a_label = kind_info[rec->kind].a_label;
    const char *b_label = kind_info[rec->kind].b_label;
    FILE *out = trace->out;

    if (trace->format == POD_TRACE_JSONL) {
        fprintf(out, "{\"t_ns\":%" PRIu64 ",\"kind\":\"%s\",\"node\":\"%s\"", rec->time_ns, name,
                node);
        if (has_peer(rec->kind)) fprintf(out, ",\"peer\":\"%s\"", peer);
        if (a_label) fprintf(out, ",\"%s\":%" PRIu64, a_label, rec->a);
        if (b_label) fprintf(out, ",\"%s\":%" PRIu64, b_label, rec->b);
        if (text_len) {
            fputs(",\"text\":", out);
            pod_json_write_string(out, rec->text, text_len);
        }
        fputs("}\n", out);
        return;
    }
    if (rec->kind == POD_TR_VIOLATION) {
        /* The first violation, marked so that it cannot be missed. */
        fprintf(out, ">>> %s: the first violated invariant; what was expected and what was found:\n", when);
    }
    fprintf(out, "%14s %-6s %-12s", when, node, name);
    if (has_peer(rec->kind)) fprintf(out, " %s %s", rec->kind == POD_TR_MSG_DELIVER ? "<-" : "->", peer);
    if (a_label) fprintf(out, " %s=%" PRIu64, a_label, rec->a);
    if (b_label) {
        if (strcmp(b_label, "hash") == 0) {
            fprintf(out, " %s=%016" PRIx64, b_label, rec->b);
        } else {
            fprintf(out, " %s=%" PRIu64, b_label, rec->b);
        }
    }
    if (text_len) fprintf(out, " %.*s", (int)text_len, rec->text);
    if (text_len == POD_TRACE_TEXT_MAX) fputs(" [text cut at 1024 bytes]", out);
    fputc('\n', out);
}

void pod_trace_emit(pod_trace *trace, const pod_trace_rec *rec) {
    assert(rec->kind > 0 && rec->kind < POD_TR_KIND_COUNT);
    size_t len = rec->text ? strlen(rec->text) : 0;
    uint16_t text_len = (uint16_t)(len > POD_TRACE_TEXT_MAX ? POD_TRACE_TEXT_MAX : len);
    hash_record(trace, rec, text_len);
    trace->records++;
    if (trace->format != POD_TRACE_NONE && passes_filter(trace, rec)) print_record(trace, rec, text_len);
}

void pod_trace_render(const pod_trace_rec *rec, char *out, size_t out_len) {
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) {
        snprintf(out, out_len, "(no memory to render the record)");
        return;
    }
    pod_trace view = {.out = mem, .format = POD_TRACE_TEXT};
    size_t text_len = rec->text ? strlen(rec->text) : 0;
    print_record(&view, rec, (uint16_t)(text_len > POD_TRACE_TEXT_MAX ? POD_TRACE_TEXT_MAX : text_len));
    fclose(mem);
    if (len && buf[len - 1] == '\n') buf[--len] = '\0';
    snprintf(out, out_len, "%s", buf ? buf : "");
    free(buf);
}

uint64_t pod_trace_hash(pod_trace *trace) {
    flush_to_hash(trace);
    return XXH3_64bits_digest(trace->xxh);
}
