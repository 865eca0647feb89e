/* history_json_write.c — a history as JSON lines (docs/history-format.md),
 * the form pod_hist_json_parse reads back: writing and reading a history
 * gives the same history. */
#include "sim/history_json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"

typedef struct wevent {
    uint64_t t;
    uint32_t op;
    uint8_t is_outcome;
} wevent;

/* Time order; at equal times invocations first (an operation's own
 * invocation precedes its answer), then history order. */
static int wevent_cmp(const void *a, const void *b) {
    const wevent *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    if (x->is_outcome != y->is_outcome) return x->is_outcome < y->is_outcome ? -1 : 1;
    return (x->op > y->op) - (x->op < y->op);
}

/* A byte string: printable ASCII as it is, '"' and '\\' escaped, every
 * other byte as \u00XX. */
static void write_bytes(FILE *out, const uint8_t *bytes, uint32_t len) {
    fputc('"', out);
    for (uint32_t i = 0; i < len; i++) {
        uint8_t b = bytes[i];
        if (b == '"' || b == '\\') fprintf(out, "\\%c", b);
        else if (b >= 0x20 && b < 0x7f) fputc(b, out);
        else fprintf(out, "\\u%04x", b);
    }
    fputc('"', out);
}

static void write_field_bytes(FILE *out, const char *name, const uint8_t *bytes, uint32_t len) {
    fprintf(out, ",\"%s\":", name);
    write_bytes(out, bytes, len);
}

static void write_expected(FILE *out, const pod_kv_part *p) {
    if (p->expect_absent) {
        fputs(",\"expected\":null", out);
        return;
    }
    write_field_bytes(out, "expected", p->expected, p->expected_len);
}

static void write_part(FILE *out, const pod_kv_part *p) {
    const char *name = p->op == POD_KV_PUT ? "put" : p->op == POD_KV_DELETE ? "delete" : "check";
    fprintf(out, "{\"op\":\"%s\"", name);
    write_field_bytes(out, "key", p->key, p->key_len);
    if (p->op == POD_KV_PUT) write_field_bytes(out, "value", p->value, p->value_len);
    if (p->op == POD_KV_CHECK) write_expected(out, p);
    fputc('}', out);
}

static void write_command(FILE *out, const pod_kv_cmd *cmd) {
    static const char *const names[] = {"?", "put", "get", "delete", "cas", "txn"};
    fprintf(out, ",\"op\":\"%s\"", names[cmd->op]);
    if (cmd->op == POD_KV_TXN) {
        fputs(",\"parts\":[", out);
        for (uint32_t i = 0; i < cmd->part_count; i++) {
            if (i) fputc(',', out);
            write_part(out, &cmd->parts[i]);
        }
        fputc(']', out);
        return;
    }
    const pod_kv_part *p = &cmd->parts[0];
    write_field_bytes(out, "key", p->key, p->key_len);
    if (cmd->op == POD_KV_CAS) write_expected(out, p);
    if (cmd->op == POD_KV_PUT || cmd->op == POD_KV_CAS) write_field_bytes(out, "value", p->value, p->value_len);
}

static void write_head(FILE *out, const char *type, const pod_hist_op *o, uint64_t t) {
    fprintf(out, "{\"type\":\"%s\",\"client\":%" PRIu32 ",\"id\":%" PRIu64 ",\"t\":%" PRIu64, type, o->client,
            o->request_no, t);
}

static bool write_invoke(FILE *out, const pod_history *h, uint32_t i, char *err, size_t err_len) {
    const pod_hist_op *o = &h->ops[i];
    pod_kv_cmd cmd;
    if ((uint64_t)o->cmd_off + o->cmd_len > h->arena_used ||
        pod_kv_cmd_decode(pod_history_bytes(h, o->cmd_off), o->cmd_len, &cmd) != POD_KV_OK) {
        snprintf(err, err_len, "operation %" PRIu32 " (c%" PRIu32 " r%" PRIu64 "): its command does not decode, "
                 "so it has no JSON form", i, o->client, o->request_no);
        return false;
    }
    write_head(out, "invoke", o, o->invoke_ns);
    if (o->node) fprintf(out, ",\"node\":%u", (unsigned)o->node + 1u);
    write_command(out, &cmd);
    fputs("}\n", out);
    return true;
}

static void write_status(FILE *out, uint8_t status) {
    static const char *const names[] = {"ok", "not-found", "cas-mismatch", "malformed", "too-large", "full"};
    if (status <= POD_KV_E_FULL) fprintf(out, ",\"status\":\"%s\"", names[status]);
    else if (status == KV_REPLY_UNAVAILABLE) fputs(",\"status\":\"unavailable\"", out);
    else fprintf(out, ",\"status\":%u", (unsigned)status);
}

static bool write_outcome(FILE *out, const pod_history *h, uint32_t i, char *err, size_t err_len) {
    const pod_hist_op *o = &h->ops[i];
    if (o->outcome == POD_HIST_TIMEOUT) {
        write_head(out, "timeout", o, o->complete_ns);
        fputs("}\n", out);
        return true;
    }
    if ((uint64_t)o->result_off + o->result_len > h->arena_used) {
        snprintf(err, err_len, "operation %" PRIu32 ": its answer lies outside the history's arena", i);
        return false;
    }
    write_head(out, "complete", o, o->complete_ns);
    write_status(out, o->status);
    if (o->result_len || (o->op == POD_KV_GET && o->status == POD_KV_OK)) {
        write_field_bytes(out, "value", pod_history_bytes(h, o->result_off), o->result_len);
    }
    if (o->index) fprintf(out, ",\"index\":%" PRIu64, o->index);
    fputs("}\n", out);
    return true;
}

bool pod_hist_json_write(FILE *out, const pod_history *h, char *err, size_t err_len) {
    wevent *ev = malloc(((size_t)h->count * 2 + 1) * sizeof *ev);
    if (!ev) {
        snprintf(err, err_len, "out of memory writing the history");
        return false;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < h->count; i++) {
        /* Follower Reads are not linearizable by design: they stay out of
         * the history the linearizability checker reads (their own, weaker
         * check is sim/check_follower_reads.c). */
        if (h->ops[i].follower_read) continue;
        ev[n++] = (wevent){.t = h->ops[i].invoke_ns, .op = i, .is_outcome = 0};
        if (h->ops[i].outcome != POD_HIST_PENDING) {
            ev[n++] = (wevent){.t = h->ops[i].complete_ns, .op = i, .is_outcome = 1};
        }
    }
    qsort(ev, n, sizeof *ev, wevent_cmp);
    bool ok = true;
    for (uint32_t k = 0; k < n && ok; k++) {
        ok = ev[k].is_outcome ? write_outcome(out, h, ev[k].op, err, err_len)
                              : write_invoke(out, h, ev[k].op, err, err_len);
    }
    free(ev);
    if (ok && (fflush(out) != 0 || ferror(out))) {
        snprintf(err, err_len, "error writing the history");
        ok = false;
    }
    return ok;
}
