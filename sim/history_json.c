/* history_json.c — the JSON-lines history parser (docs/history-format.md).
 *
 * One line at a time: the line's object is read into a fixed-size record
 * (jline: every field it may hold, each string in a buffer of its limit),
 * then checked as a whole — which fields its type and op allow, what they
 * must hold — and only then added to the history. There is no general JSON
 * value parser: each field's value has one expected shape, so unknown
 * fields are rejected rather than skipped, and the only nesting, a
 * transaction's "parts", is a loop, not a recursion. */
#include "sim/history_json.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"

/* --- one line's record ------------------------------------------------------ */

enum {
    F_TYPE, F_CLIENT, F_ID, F_T, F_NODE, F_OP, F_KEY, F_VALUE, F_EXPECTED, F_PARTS, F_STATUS, F_INDEX,
    F_COUNT
};
static const char *const field_names[F_COUNT] = {"type", "client", "id", "t", "node", "op", "key",
                                                 "value", "expected", "parts", "status", "index"};
#define FIELD_LIST "type, client, id, t, node, op, key, value, expected, parts, status or index"

enum { PF_OP, PF_KEY, PF_VALUE, PF_EXPECTED, PF_COUNT };
static const char *const part_field_names[PF_COUNT] = {"op", "key", "value", "expected"};
#define PART_FIELD_LIST "op, key, value or expected"

#define NAME_MAX_BYTES 24u
#define TYPES "invoke, complete or timeout"
#define OPS "put, get, delete, cas or txn"
#define PART_OPS "put, delete or check"
#define STATUSES "ok, not-found, cas-mismatch, malformed, too-large, full, unavailable or a number" /* type, op and status names, field names */

typedef struct jpart {
    uint32_t seen;                 /* bit per PF_* */
    uint32_t col[PF_COUNT];
    char op[NAME_MAX_BYTES + 1];
    uint8_t key[POD_KV_KEY_BYTES_MAX];
    uint32_t key_len;
    uint8_t value[POD_KV_VALUE_BYTES_MAX];
    uint32_t value_len;
    uint8_t expected[POD_KV_VALUE_BYTES_MAX];
    uint32_t expected_len;
    bool expected_null;
} jpart;

typedef struct jline {
    uint32_t seen;                 /* bit per F_* */
    uint32_t col[F_COUNT];
    char type[NAME_MAX_BYTES + 1];
    char op[NAME_MAX_BYTES + 1];
    char status_name[NAME_MAX_BYTES + 1];
    bool status_is_number;
    uint64_t status_number;
    uint64_t client, id, t, node, index;
    uint8_t key[POD_KV_KEY_BYTES_MAX];
    uint32_t key_len;
    uint8_t value[POD_KV_VALUE_BYTES_MAX];
    uint32_t value_len;
    uint8_t expected[POD_KV_VALUE_BYTES_MAX];
    uint32_t expected_len;
    bool expected_null;
    jpart parts[POD_KV_TXN_PARTS_MAX];
    uint32_t part_count;
} jline;

/* --- the parser ------------------------------------------------------------------ */

typedef struct jp {
    const char *text;
    size_t len;
    size_t at;             /* next byte */
    size_t line_start;
    size_t line_end;       /* the line's '\n', or len */
    uint32_t line;
    uint64_t last_t;       /* lines are in time order */
    pod_history *h;
    pod_hist_json_error *err;
    uint32_t *lookup;      /* (client, id) -> op + 1; open addressing, for lookup only */
    uint32_t lookup_mask;
    jline *cur;
    bool too_long;         /* the last string failed for its length */
    uint8_t cmd[POD_KV_CMD_BYTES_MAX];
} jp;

static uint32_t col_of(const jp *p, size_t at) {
    size_t col = at - p->line_start + 1;
    return col > UINT32_MAX ? UINT32_MAX : (uint32_t)col;
}

static bool fail_at(jp *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail_at(jp *p, size_t at, const char *fmt, ...) {
    pod_hist_json_error *e = p->err;
    e->status = POD_HIST_JSON_E_INPUT;
    e->line = p->line;
    e->col = col_of(p, at);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return false;
}

static bool fail_nomem(jp *p) {
    p->err->status = POD_HIST_JSON_E_NOMEM;
    p->err->line = p->err->col = 0;
    snprintf(p->err->message, sizeof p->err->message, "out of memory reading the history");
    return false;
}

static int peek(const jp *p) { return p->at < p->line_end ? (unsigned char)p->text[p->at] : -1; }

/* What is at `at`, for "found ..." in messages. */
static const char *found(const jp *p, size_t at, char buf[16]) {
    if (at >= p->line_end) return "the end of the line";
    unsigned char c = (unsigned char)p->text[at];
    if (c >= 0x21 && c < 0x7f) snprintf(buf, 16, "'%c'", c);
    else snprintf(buf, 16, "byte 0x%02x", c);
    return buf;
}

static void skip_ws(jp *p) {
    while (p->at < p->line_end) {
        char c = p->text[p->at];
        if (c != ' ' && c != '\t' && c != '\r') return;
        p->at++;
    }
}

static bool expect_char(jp *p, char c, const char *what) {
    skip_ws(p);
    if (peek(p) == (unsigned char)c) {
        p->at++;
        return true;
    }
    char buf[16];
    return fail_at(p, p->at, "expected %s, found %s", what, found(p, p->at, buf));
}

static int hex_digit(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* After a backslash: one escaped byte into *out. */
static bool parse_escape(jp *p, uint8_t *out) {
    size_t start = p->at - 1;
    int c = peek(p);
    static const char plain[] = "\"\\/bfnrt";
    static const char bytes[] = "\"\\/\b\f\n\r\t";
    const char *k = c > 0 ? strchr(plain, c) : NULL;
    if (k) {
        p->at++;
        *out = (uint8_t)bytes[k - plain];
        return true;
    }
    if (c != 'u') return fail_at(p, start, "expected an escape \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\u00XX");
    p->at++;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(peek(p));
        if (d < 0) return fail_at(p, p->at, "expected 4 hex digits after \\u");
        v = v * 16 + (unsigned)d;
        p->at++;
    }
    if (v > 0xff) {
        return fail_at(p, start, "\\u%04x is not a byte: strings hold bytes, written \\u0000 to \\u00ff", v);
    }
    *out = (uint8_t)v;
    return true;
}

/* A string of at most cap bytes into out. */
static bool parse_bytes(jp *p, uint8_t *out, uint32_t cap, uint32_t *len_out, const char *what) {
    skip_ws(p);
    size_t start = p->at;
    if (peek(p) != '"') {
        char buf[16];
        return fail_at(p, p->at, "expected %s (a string), found %s", what, found(p, p->at, buf));
    }
    p->at++;
    uint32_t n = 0;
    for (;;) {
        int c = peek(p);
        if (c < 0) return fail_at(p, start, "%s: the string does not end on this line", what);
        if (c == '"') break;
        if (c < 0x20) return fail_at(p, p->at, "%s: control byte 0x%02x in a string; write it as \\u%04x", what, c, c);
        uint8_t b = (uint8_t)c;
        p->at++;
        if (c == '\\' && !parse_escape(p, &b)) return false;
        if (n == cap) {
            p->too_long = true;
            return fail_at(p, start, "%s longer than %" PRIu32 " bytes", what, cap);
        }
        out[n++] = b;
    }
    p->at++;
    *len_out = n;
    return true;
}

/* A short name (type, op, status, field name) as a C string; one longer
 * than any name is "unknown", with the list of names expected. */
static bool parse_name(jp *p, char *out, const char *what, const char *expected) {
    uint32_t n = 0;
    skip_ws(p);
    size_t start = p->at;
    p->too_long = false;
    if (!parse_bytes(p, (uint8_t *)out, NAME_MAX_BYTES, &n, what)) {
        return p->too_long ? fail_at(p, start, "unknown %s; expected %s", what, expected) : false;
    }
    if (memchr(out, '\0', n)) return fail_at(p, start, "unknown %s; expected %s", what, expected);
    out[n] = '\0';
    return true;
}

static bool parse_u64(jp *p, uint64_t *out, const char *what) {
    skip_ws(p);
    size_t start = p->at;
    int c = peek(p);
    if (c < '0' || c > '9') {
        char buf[16];
        return fail_at(p, p->at, "expected %s (an unsigned integer), found %s", what, found(p, p->at, buf));
    }
    uint64_t v = 0;
    while ((c = peek(p)) >= '0' && c <= '9') {
        if (v > (UINT64_MAX - (uint64_t)(c - '0')) / 10) return fail_at(p, start, "%s does not fit 64 bits", what);
        v = v * 10 + (uint64_t)(c - '0');
        p->at++;
    }
    if (p->at - start > 1 && p->text[start] == '0') return fail_at(p, start, "%s: no leading zeros", what);
    if (c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+') {
        return fail_at(p, p->at, "%s must be a whole number (no fraction, exponent or sign)", what);
    }
    *out = v;
    return true;
}

/* null, or a string of at most cap bytes. */
static bool parse_bytes_or_null(jp *p, uint8_t *out, uint32_t cap, uint32_t *len, bool *is_null,
                                const char *what) {
    skip_ws(p);
    if (p->line_end - p->at >= 4 && memcmp(p->text + p->at, "null", 4) == 0) {
        p->at += 4;
        *is_null = true;
        *len = 0;
        return true;
    }
    *is_null = false;
    return parse_bytes(p, out, cap, len, what);
}

/* --- objects ----------------------------------------------------------------------- */

/* The name of the next field; its index in names[0..count) into *field. */
static bool parse_field_name(jp *p, const char *const *names, int count, const char *list, int *field,
                             size_t *col_at) {
    char name[NAME_MAX_BYTES + 1];
    skip_ws(p);
    *col_at = p->at;
    if (!parse_name(p, name, "field name", list)) return false;
    for (int i = 0; i < count; i++) {
        if (strcmp(name, names[i]) == 0) {
            *field = i;
            return expect_char(p, ':', "':' after the field name");
        }
    }
    return fail_at(p, *col_at, "unknown field '%s'; expected %s", name, list);
}

static bool parse_part_field(jp *p, jpart *part, int field) {
    switch (field) {
    case PF_OP: return parse_name(p, part->op, "part op", PART_OPS);
    case PF_KEY: return parse_bytes(p, part->key, POD_KV_KEY_BYTES_MAX, &part->key_len, "key");
    case PF_VALUE: return parse_bytes(p, part->value, POD_KV_VALUE_BYTES_MAX, &part->value_len, "value");
    default:
        return parse_bytes_or_null(p, part->expected, POD_KV_VALUE_BYTES_MAX, &part->expected_len,
                                   &part->expected_null, "expected (a string, or null for absent)");
    }
}

/* Reads '{' ... '}' calling parse_field for each field; fields may come
 * once each. `seen` and `cols` record them. */
typedef bool (*field_fn)(jp *p, void *record, int field);

static bool parse_object(jp *p, const char *const *names, int count, const char *list, field_fn fn,
                         void *record, uint32_t *seen, uint32_t *cols) {
    if (!expect_char(p, '{', "'{'")) return false;
    skip_ws(p);
    if (peek(p) == '}') {
        p->at++;
        return true;
    }
    for (;;) {
        int field = 0;
        size_t at;
        if (!parse_field_name(p, names, count, list, &field, &at)) return false;
        if (*seen & (1u << field)) return fail_at(p, at, "field '%s' given twice", names[field]);
        *seen |= 1u << field;
        skip_ws(p);
        cols[field] = col_of(p, p->at);
        if (!fn(p, record, field)) return false;
        skip_ws(p);
        if (peek(p) == '}') {
            p->at++;
            return true;
        }
        if (!expect_char(p, ',', "',' or '}'")) return false;
    }
}

static bool part_field_fn(jp *p, void *record, int field) { return parse_part_field(p, record, field); }

static bool parse_parts(jp *p, jline *l) {
    if (!expect_char(p, '[', "'[' (a list of parts)")) return false;
    skip_ws(p);
    if (peek(p) == ']') {
        p->at++;
        return true;
    }
    for (;;) {
        skip_ws(p);
        if (l->part_count == POD_KV_TXN_PARTS_MAX) {
            return fail_at(p, p->at, "a transaction has at most %u parts", POD_KV_TXN_PARTS_MAX);
        }
        jpart *part = &l->parts[l->part_count++];
        memset(part, 0, offsetof(jpart, key)); /* seen, cols, op: the buffers need no clearing */
        part->key_len = part->value_len = part->expected_len = 0;
        part->expected_null = false;
        if (!parse_object(p, part_field_names, PF_COUNT, PART_FIELD_LIST, part_field_fn, part, &part->seen,
                          part->col)) {
            return false;
        }
        skip_ws(p);
        if (peek(p) == ']') {
            p->at++;
            return true;
        }
        if (!expect_char(p, ',', "',' or ']'")) return false;
    }
}

static bool line_field_fn(jp *p, void *record, int field) {
    jline *l = record;
    switch (field) {
    case F_TYPE: return parse_name(p, l->type, "type", TYPES);
    case F_CLIENT: return parse_u64(p, &l->client, "client");
    case F_ID: return parse_u64(p, &l->id, "id");
    case F_T: return parse_u64(p, &l->t, "t");
    case F_NODE: return parse_u64(p, &l->node, "node");
    case F_INDEX: return parse_u64(p, &l->index, "index");
    case F_OP: return parse_name(p, l->op, "op", OPS);
    case F_KEY: return parse_bytes(p, l->key, POD_KV_KEY_BYTES_MAX, &l->key_len, "key");
    case F_VALUE: return parse_bytes(p, l->value, POD_KV_VALUE_BYTES_MAX, &l->value_len, "value");
    case F_EXPECTED:
        return parse_bytes_or_null(p, l->expected, POD_KV_VALUE_BYTES_MAX, &l->expected_len, &l->expected_null,
                                   "expected (a string, or null for absent)");
    case F_PARTS: return parse_parts(p, l);
    default:
        skip_ws(p);
        if (peek(p) == '"') return parse_name(p, l->status_name, "status", STATUSES);
        l->status_is_number = true;
        return parse_u64(p, &l->status_number, "status");
    }
}

/* --- checking a line ------------------------------------------------------------------ */

static size_t at_col(const jp *p, uint32_t col) { return p->line_start + col - 1; }

static bool need(jp *p, uint32_t seen, int field, const char *why) {
    if (seen & (1u << field)) return true;
    return fail_at(p, p->line_start, "missing field '%s': %s", field_names[field], why);
}

/* Fields outside `allowed` are errors, at the first such field. */
static bool only(jp *p, uint32_t seen, const uint32_t *cols, uint32_t allowed, const char *const *names,
                 int count, const char *why) {
    for (int f = 0; f < count; f++) {
        if ((seen & (1u << f)) && !(allowed & (1u << f))) {
            return fail_at(p, at_col(p, cols[f]), "field '%s' does not belong %s", names[f], why);
        }
    }
    return true;
}

#define BIT(f) (1u << (f))

static pod_kv_part make_part(pod_kv_op op, const uint8_t *key, uint32_t key_len) {
    return (pod_kv_part){.op = op, .key = key, .key_len = key_len};
}

static bool key_nonempty(jp *p, uint32_t len, uint32_t col) {
    if (len == 0) return fail_at(p, at_col(p, col), "a key must not be empty");
    return true;
}

/* One part of a transaction into *out. */
static bool check_part(jp *p, const jpart *j, pod_kv_part *out) {
    const char *const *n = part_field_names;
    if (!(j->seen & BIT(PF_OP))) return fail_at(p, p->line_start, "a transaction part needs its 'op'");
    if (!(j->seen & BIT(PF_KEY))) return fail_at(p, at_col(p, j->col[PF_OP]), "a transaction part needs its 'key'");
    if (!key_nonempty(p, j->key_len, j->col[PF_KEY])) return false;
    uint32_t base = BIT(PF_OP) | BIT(PF_KEY);
    if (strcmp(j->op, "put") == 0) {
        if (!(j->seen & BIT(PF_VALUE))) return fail_at(p, at_col(p, j->col[PF_OP]), "a put part needs its 'value'");
        if (!only(p, j->seen, j->col, base | BIT(PF_VALUE), n, PF_COUNT, "to a put part")) return false;
        *out = make_part(POD_KV_PUT, j->key, j->key_len);
        out->value = j->value;
        out->value_len = j->value_len;
        return true;
    }
    if (strcmp(j->op, "delete") == 0) {
        if (!only(p, j->seen, j->col, base, n, PF_COUNT, "to a delete part")) return false;
        *out = make_part(POD_KV_DELETE, j->key, j->key_len);
        return true;
    }
    if (strcmp(j->op, "check") == 0) {
        if (!(j->seen & BIT(PF_EXPECTED))) {
            return fail_at(p, at_col(p, j->col[PF_OP]), "a check part needs 'expected' (a string, or null)");
        }
        if (!only(p, j->seen, j->col, base | BIT(PF_EXPECTED), n, PF_COUNT, "to a check part")) return false;
        *out = make_part(POD_KV_CHECK, j->key, j->key_len);
        out->expect_absent = j->expected_null;
        out->expected = j->expected;
        out->expected_len = j->expected_len;
        return true;
    }
    return fail_at(p, at_col(p, j->col[PF_OP]), "unknown part op '%s'; expected " PART_OPS, j->op);
}

static bool check_txn(jp *p, const jline *l, pod_kv_cmd *cmd) {
    if (!need(p, l->seen, F_PARTS, "a txn needs its parts")) return false;
    if (l->part_count == 0) return fail_at(p, at_col(p, l->col[F_PARTS]), "a transaction needs at least one part");
    cmd->op = POD_KV_TXN;
    cmd->part_count = l->part_count;
    for (uint32_t i = 0; i < l->part_count; i++) {
        if (!check_part(p, &l->parts[i], &cmd->parts[i])) return false;
    }
    return true;
}

/* The command of an invoke line into *cmd. */
static bool check_command(jp *p, const jline *l, pod_kv_cmd *cmd) {
    static const char *const ops[] = {"put", "get", "delete", "cas", "txn"};
    static const pod_kv_op codes[] = {POD_KV_PUT, POD_KV_GET, POD_KV_DELETE, POD_KV_CAS, POD_KV_TXN};
    static const uint32_t extra[] = {BIT(F_KEY) | BIT(F_VALUE), BIT(F_KEY), BIT(F_KEY),
                                     BIT(F_KEY) | BIT(F_VALUE) | BIT(F_EXPECTED), BIT(F_PARTS)};
    static const char *const needs[] = {"a put needs key and value", "a get needs key", "a delete needs key",
                                        "a cas needs key, expected (a string, or null) and value", ""};
    if (!need(p, l->seen, F_OP, "an invocation needs its op: " OPS)) return false;
    int k = 0;
    while (k < 5 && strcmp(l->op, ops[k]) != 0) k++;
    if (k == 5) return fail_at(p, at_col(p, l->col[F_OP]), "unknown op '%s'; expected " OPS, l->op);
    uint32_t base = BIT(F_TYPE) | BIT(F_CLIENT) | BIT(F_ID) | BIT(F_T) | BIT(F_NODE) | BIT(F_OP);
    char why[48];
    snprintf(why, sizeof why, "to a %s invocation", ops[k]);
    if (!only(p, l->seen, l->col, base | extra[k], field_names, F_COUNT, why)) return false;
    memset(cmd, 0, sizeof *cmd);
    if (codes[k] == POD_KV_TXN) return check_txn(p, l, cmd);
    for (int f = F_KEY; f <= F_EXPECTED; f++) {
        if ((extra[k] & BIT(f)) && !need(p, l->seen, f, needs[k])) return false;
    }
    if (!key_nonempty(p, l->key_len, l->col[F_KEY])) return false;
    cmd->op = codes[k];
    cmd->part_count = 1;
    cmd->parts[0] = make_part(codes[k], l->key, l->key_len);
    cmd->parts[0].value = l->value;
    cmd->parts[0].value_len = l->value_len;
    cmd->parts[0].expected = l->expected;
    cmd->parts[0].expected_len = l->expected_len;
    cmd->parts[0].expect_absent = l->expected_null;
    return true;
}

/* --- invocations and their outcomes ------------------------------------------------ */

static uint64_t lookup_hash(uint64_t client, uint64_t id) {
    uint64_t x = client * 0x9e3779b97f4a7c15u ^ (id + 0x632be59bd9b4e019u);
    x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9u;
    return x ^ (x >> 29);
}

/* The history index of (client, id), or UINT32_MAX. */
static uint32_t lookup_find(const jp *p, uint64_t client, uint64_t id) {
    if (!p->lookup) return UINT32_MAX;
    for (uint32_t at = (uint32_t)lookup_hash(client, id) & p->lookup_mask;; at = (at + 1) & p->lookup_mask) {
        uint32_t v = p->lookup[at];
        if (v == 0) return UINT32_MAX;
        const pod_hist_op *o = &p->h->ops[v - 1];
        if (o->client == client && o->request_no == id) return v - 1;
    }
}

static bool lookup_add(jp *p, uint32_t op) {
    if ((uint64_t)(op + 1) * 2 > (uint64_t)p->lookup_mask + 1 || !p->lookup) {
        uint32_t slots = p->lookup ? (p->lookup_mask + 1) * 2 : 4096;
        uint32_t *grown = calloc(slots, sizeof *grown);
        if (!grown) return false;
        free(p->lookup);
        p->lookup = grown;
        p->lookup_mask = slots - 1;
        for (uint32_t i = 0; i < op; i++) {
            uint32_t at = (uint32_t)lookup_hash(p->h->ops[i].client, p->h->ops[i].request_no) & p->lookup_mask;
            while (p->lookup[at]) at = (at + 1) & p->lookup_mask;
            p->lookup[at] = i + 1;
        }
    }
    uint32_t at = (uint32_t)lookup_hash(p->h->ops[op].client, p->h->ops[op].request_no) & p->lookup_mask;
    while (p->lookup[at]) at = (at + 1) & p->lookup_mask;
    p->lookup[at] = op + 1;
    return true;
}

static bool add_invoke(jp *p, const jline *l) {
    pod_kv_cmd cmd;
    if (!check_command(p, l, &cmd)) return false;
    if (l->seen & BIT(F_NODE) && (l->node == 0 || l->node > UINT16_MAX)) {
        return fail_at(p, at_col(p, l->col[F_NODE]), "node must be 1..%u (n1 is 1)", UINT16_MAX);
    }
    if (lookup_find(p, l->client, l->id) != UINT32_MAX) {
        return fail_at(p, at_col(p, l->col[F_ID]), "client %" PRIu64 " already invoked id %" PRIu64
                       "; expected each (client, id) once", l->client, l->id);
    }
    uint32_t len = pod_kv_cmd_encode(&cmd, p->cmd, sizeof p->cmd);
    if (len == 0) return fail_at(p, at_col(p, l->col[F_OP]), "the command does not encode (a value too large?)");
    pod_history *h = p->h;
    if (h->count == POD_HIST_OPS_MAX || (uint64_t)h->arena_used + len > POD_HIST_ARENA_BYTES_MAX) {
        return fail_at(p, p->line_start, "too many operations: a history holds at most %u operations and "
                       "%u bytes of commands and values", POD_HIST_OPS_MAX, POD_HIST_ARENA_BYTES_MAX);
    }
    uint16_t node = (l->seen & BIT(F_NODE)) ? (uint16_t)(l->node - 1) : 0;
    uint32_t op;
    if (!pod_history_invoke(h, (uint32_t)l->client, l->id, (uint8_t)cmd.op, node, p->cmd, len, l->t, &op)) {
        return fail_nomem(p);
    }
    if (!lookup_add(p, op)) return fail_nomem(p);
    return true;
}

/* The pending operation a complete or timeout line is about. */
static bool find_pending(jp *p, const jline *l, uint32_t *op) {
    *op = lookup_find(p, l->client, l->id);
    if (*op == UINT32_MAX) {
        return fail_at(p, at_col(p, l->col[F_ID]), "no invocation of client %" PRIu64 " id %" PRIu64
                       " before this line", l->client, l->id);
    }
    if (p->h->ops[*op].outcome != POD_HIST_PENDING) {
        return fail_at(p, at_col(p, l->col[F_ID]), "client %" PRIu64 " id %" PRIu64
                       " already completed or timed out; expected one outcome per invocation", l->client, l->id);
    }
    return true;
}

static bool status_code(jp *p, const jline *l, uint8_t *out) {
    static const char *const names[] = {"ok", "not-found", "cas-mismatch", "malformed", "too-large", "full"};
    if (l->status_is_number) {
        if (l->status_number > 255) return fail_at(p, at_col(p, l->col[F_STATUS]), "a status number is 0..255");
        *out = (uint8_t)l->status_number;
        return true;
    }
    for (uint8_t k = 0; k < 6; k++) {
        if (strcmp(l->status_name, names[k]) == 0) {
            *out = k;
            return true;
        }
    }
    if (strcmp(l->status_name, "unavailable") == 0) {
        *out = KV_REPLY_UNAVAILABLE;
        return true;
    }
    return fail_at(p, at_col(p, l->col[F_STATUS]), "unknown status '%s'; expected " STATUSES, l->status_name);
}

static bool add_complete(jp *p, const jline *l) {
    uint32_t allowed = BIT(F_TYPE) | BIT(F_CLIENT) | BIT(F_ID) | BIT(F_T) | BIT(F_STATUS) | BIT(F_VALUE) | BIT(F_INDEX);
    if (!only(p, l->seen, l->col, allowed, field_names, F_COUNT, "to a complete line")) return false;
    if (!need(p, l->seen, F_STATUS, "a complete line needs its status: " STATUSES)) return false;
    uint8_t status = 0;
    uint32_t op;
    if (!status_code(p, l, &status) || !find_pending(p, l, &op)) return false;
    pod_hist_op *o = &p->h->ops[op];
    if (o->op == POD_KV_GET && status == POD_KV_OK && !(l->seen & BIT(F_VALUE))) {
        return fail_at(p, at_col(p, l->col[F_STATUS]), "a get answered ok needs the 'value' it read");
    }
    if ((uint64_t)p->h->arena_used + l->value_len > POD_HIST_ARENA_BYTES_MAX) {
        return fail_at(p, p->line_start, "too many bytes: a history holds at most %u bytes of commands and values",
                       POD_HIST_ARENA_BYTES_MAX);
    }
    if (!pod_history_complete(p->h, op, l->t, status, l->index, l->value, l->value_len)) return fail_nomem(p);
    return true;
}

static bool add_timeout(jp *p, const jline *l) {
    uint32_t allowed = BIT(F_TYPE) | BIT(F_CLIENT) | BIT(F_ID) | BIT(F_T);
    if (!only(p, l->seen, l->col, allowed, field_names, F_COUNT, "to a timeout line")) return false;
    uint32_t op;
    if (!find_pending(p, l, &op)) return false;
    pod_history_timeout(p->h, op, l->t);
    return true;
}

/* The fields every line has, then the line by its type. */
static bool add_line(jp *p, const jline *l) {
    if (!need(p, l->seen, F_TYPE, "every line has a type: " TYPES)) return false;
    if (!need(p, l->seen, F_CLIENT, "every line names its client (a number from 1)")) return false;
    if (!need(p, l->seen, F_ID, "every line has the operation's id (a number, one per client's operation)")) return false;
    if (!need(p, l->seen, F_T, "every line has its time t (nanoseconds)")) return false;
    if (l->client == 0 || l->client > UINT32_MAX) {
        return fail_at(p, at_col(p, l->col[F_CLIENT]), "client must be 1..%" PRIu32, UINT32_MAX);
    }
    if (l->t < p->last_t) {
        return fail_at(p, at_col(p, l->col[F_T]), "time %" PRIu64 " is before the previous line's %" PRIu64
                       "; expected lines in time order", l->t, p->last_t);
    }
    p->last_t = l->t;
    if (strcmp(l->type, "invoke") == 0) return add_invoke(p, l);
    if (strcmp(l->type, "complete") == 0) return add_complete(p, l);
    if (strcmp(l->type, "timeout") == 0) return add_timeout(p, l);
    return fail_at(p, at_col(p, l->col[F_TYPE]), "unknown type '%s'; expected " TYPES, l->type);
}

/* --- lines ------------------------------------------------------------------------------- */

static bool parse_line(jp *p) {
    skip_ws(p);
    if (p->at == p->line_end || p->text[p->at] == '#') return true; /* blank, or a comment */
    jline *l = p->cur;
    memset(l, 0, offsetof(jline, key)); /* the buffers need no clearing */
    l->part_count = 0;
    l->key_len = l->value_len = l->expected_len = 0;
    l->expected_null = false;
    if (!parse_object(p, field_names, F_COUNT, FIELD_LIST, line_field_fn, l, &l->seen, l->col)) return false;
    skip_ws(p);
    if (p->at != p->line_end) {
        char buf[16];
        return fail_at(p, p->at, "expected the end of the line after '}', found %s", found(p, p->at, buf));
    }
    return add_line(p, l);
}

static bool parse_all(jp *p) {
    p->line = 0;
    size_t at = 0;
    while (at < p->len) {
        p->line++;
        const char *nl = memchr(p->text + at, '\n', p->len - at);
        size_t end = nl ? (size_t)(nl - p->text) : p->len;
        p->line_start = p->at = at;
        p->line_end = end;
        if (end - at > POD_HIST_JSON_LINE_MAX) {
            return fail_at(p, at, "line longer than %u bytes", POD_HIST_JSON_LINE_MAX);
        }
        if (!parse_line(p)) return false;
        at = end + 1;
    }
    return true;
}

bool pod_hist_json_parse(const char *text, size_t len, pod_history *out, pod_hist_json_error *err) {
    assert(out != NULL && err != NULL && (text != NULL || len == 0));
    memset(err, 0, sizeof *err);
    pod_history_init(out);
    if (len > POD_HIST_JSON_FILE_MAX) {
        err->status = POD_HIST_JSON_E_INPUT;
        snprintf(err->message, sizeof err->message, "history larger than %u bytes", POD_HIST_JSON_FILE_MAX);
        return false;
    }
    jp *p = calloc(1, sizeof *p);
    jline *line = malloc(sizeof *line);
    bool ok = false;
    if (!p || !line) {
        err->status = POD_HIST_JSON_E_NOMEM;
        snprintf(err->message, sizeof err->message, "out of memory reading the history");
    } else {
        *p = (jp){.text = text, .len = len, .h = out, .err = err, .cur = line};
        ok = parse_all(p);
        free(p->lookup);
    }
    free(line);
    free(p);
    if (!ok) pod_history_free(out);
    return ok;
}

/* --- files and messages --------------------------------------------------------------------- */

static bool io_error(pod_hist_json_error *err, const char *what) {
    err->status = POD_HIST_JSON_E_IO;
    err->line = err->col = 0;
    snprintf(err->message, sizeof err->message, "%s: %s", what, strerror(errno));
    return false;
}

bool pod_hist_json_load(const char *path, pod_history *out, pod_hist_json_error *err) {
    memset(err, 0, sizeof *err);
    pod_history_init(out);
    FILE *f = fopen(path, "rb");
    if (!f) return io_error(err, "cannot open the history");
    size_t cap = 1u << 16, len = 0;
    char *buf = malloc(cap);
    bool ok = buf != NULL;
    while (ok) {
        if (len == cap) {
            if (cap > POD_HIST_JSON_FILE_MAX) break; /* too large: the parser says so */
            size_t want = cap * 2 > (size_t)POD_HIST_JSON_FILE_MAX + 1 ? (size_t)POD_HIST_JSON_FILE_MAX + 1 : cap * 2;
            char *grown = realloc(buf, want);
            if (!grown) {
                ok = false;
                break;
            }
            buf = grown;
            cap = want;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (!ok) {
        free(buf);
        err->status = POD_HIST_JSON_E_NOMEM;
        snprintf(err->message, sizeof err->message, "out of memory reading the history");
        return false;
    }
    if (read_error) {
        free(buf);
        return io_error(err, "cannot read the history");
    }
    ok = pod_hist_json_parse(buf, len, out, err);
    free(buf);
    return ok;
}

void pod_hist_json_error_format(const pod_hist_json_error *err, const char *path, char *out, size_t out_len) {
    assert(err != NULL && path != NULL);
    if (out == NULL || out_len == 0) return;
    if (err->line == 0) {
        snprintf(out, out_len, "%s: error: %s", path, err->message);
    } else {
        snprintf(out, out_len, "%s:%" PRIu32 ":%" PRIu32 ": error: %s", path, err->line, err->col, err->message);
    }
}
