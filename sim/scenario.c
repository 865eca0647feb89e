/* scenario.c — the scenario file parser: one function per directive, each
 * reading its line through the lexical layer (scn_lex.h) and reporting the
 * first problem as file:line:col with what was expected and what was
 * found. The format is documented in docs/scenarios.md.
 *
 * Parsing allocates nothing (pod_scenario_load allocates one buffer for
 * the file and frees it), never recurses, and every loop is bounded by the
 * input's length or a POD_SCN_*_MAX limit. */
#include "sim/scenario.h"

#include "sim/disk.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scn_lex.h"

#define SCN_RUN_NS_DEFAULT UINT64_C(10000000000)      /* 10s */
#define SCN_LATENCY_MIN_NS_DEFAULT UINT64_C(1000000)  /* 1ms */
#define SCN_LATENCY_MAX_NS_DEFAULT UINT64_C(5000000)  /* 5ms */
#define SCN_EVENTS_MAX_DEFAULT UINT64_C(50000000)
#define SCN_PENDING_MAX_DEFAULT UINT64_C(1000000)
#define SCN_NO_GROUP 0xffu
#define SCN_COUNT(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define SCN_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#else
#define SCN_PRINTF(fmt_index, args_index)
#endif

/* The keys of cluster, network and budget lines. Each may be set once in
 * the whole file, so the parser remembers the line that set it. */
typedef enum scn_key {
    SCN_KEY_NODES,
    SCN_KEY_TYPE,
    SCN_KEY_LATENCY,
    SCN_KEY_DROP,
    SCN_KEY_DUP,
    SCN_KEY_CORRUPT,
    SCN_KEY_EVENTS,
    SCN_KEY_PENDING,
    SCN_KEY_SECTOR,
    SCN_KEY_DISK_LATENCY,
    SCN_KEY_SYNC_LATENCY,
    SCN_KEY_READ_EIO,
    SCN_KEY_ENOSPC,
    SCN_KEY_FSYNC_EIO,
    SCN_KEY_DIR_FSYNC_EIO,
    SCN_KEY_BITFLIP,
    SCN_KEY_STALL,
    SCN_KEY_STALL_TIME,
    SCN_KEY_CLIENTS,
    SCN_KEY_MIX,
    SCN_KEY_KEYS,
    SCN_KEY_DIST,
    SCN_KEY_VALUE,
    SCN_KEY_THINK,
    SCN_KEY_TIMEOUT,
    SCN_KEY_COUNT
} scn_key;

typedef struct scn_parser {
    pod_scenario *scn;
    pod_scn_error *err;
    scn_line line;            /* the line being parsed */
    scn_cursor cur;           /* inside that line */
    uint32_t cluster_line;    /* 0 until the cluster line: node names need it */
    uint32_t seed_line;
    uint32_t run_line;
    uint32_t key_line[SCN_KEY_COUNT];
    uint32_t pair_col[SCN_KEY_COUNT]; /* column of each key on the line being parsed */
    /* Where the network keys' values go: the network line's model, or the
     * model of the `link` line being parsed. */
    pod_network_model *net_target;
    /* Line that set each key of each link (scn->links[i]): a key may be set
     * once per directed link. Indexed in scn_network_keys order. */
    uint32_t link_key_line[POD_SCN_LINKS_MAX][4];
    /* Column of each action's time, for the end-of-file check against the
     * run time (which may be set after the actions). */
    uint16_t at_time_col[POD_SCN_ACTIONS_MAX];
} scn_parser;

/* ---- reporting ---- */

static bool scn_vfail(pod_scn_error *err, uint32_t line, uint32_t col, const char *fmt, va_list ap)
    SCN_PRINTF(4, 0);

static bool scn_vfail(pod_scn_error *err, uint32_t line, uint32_t col, const char *fmt,
                      va_list ap) {
    err->line = line;
    err->col = col;
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    /* Quotes are bounded (scn_quote), so every message fits. */
    assert(n >= 0 && (size_t)n < sizeof err->message);
    (void)n;
    return false;
}

/* Records an error on the current line; returns false for `return
 * scn_fail(...)`. */
static bool scn_fail(scn_parser *p, uint32_t col, const char *fmt, ...) SCN_PRINTF(3, 4);

static bool scn_fail(scn_parser *p, uint32_t col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    scn_vfail(p->err, p->line.number, col, fmt, ap);
    va_end(ap);
    return false;
}

static bool scn_fail_at(pod_scn_error *err, uint32_t line, uint32_t col, const char *fmt, ...)
    SCN_PRINTF(4, 5);

static bool scn_fail_at(pod_scn_error *err, uint32_t line, uint32_t col, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    scn_vfail(err, line, col, fmt, ap);
    va_end(ap);
    return false;
}

static const char *scn_q(char buf[SCN_QUOTE_SIZE], const scn_token *tok) {
    scn_quote(buf, tok->ptr, tok->len);
    return buf;
}

/* The column just past the line's content, where a missing argument was
 * expected. */
static uint32_t scn_end_col(const scn_parser *p) {
    return scn_cursor_end_col(&p->cur);
}

#define SCN_NAMES_MAX 16u
#define SCN_NAME_LIST_SIZE 128u

static void scn_join(char out[SCN_NAME_LIST_SIZE], const char *const *names, size_t count) {
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        int n = snprintf(out + o, SCN_NAME_LIST_SIZE - o, "%s%s", i > 0 ? ", " : "", names[i]);
        assert(n > 0 && (size_t)n < SCN_NAME_LIST_SIZE - o);
        o += (size_t)n;
    }
}

/* "unknown WHAT 'X' (did you mean 'Y'?); expected one of A, B, C". */
static bool scn_fail_unknown(scn_parser *p, const scn_token *tok, const char *what,
                             const char *const *names, size_t count) {
    char q[SCN_QUOTE_SIZE], list[SCN_NAME_LIST_SIZE];
    scn_join(list, names, count);
    const char *guess = scn_suggest(tok->ptr, tok->len, names, count);
    if (guess != NULL)
        return scn_fail(p, tok->col, "unknown %s %s (did you mean '%s'?); expected one of %s", what,
                        scn_q(q, tok), guess, list);
    return scn_fail(p, tok->col, "unknown %s %s; expected one of %s", what, scn_q(q, tok), list);
}

/* After a complete line: only blanks or a comment may follow. */
static bool scn_expect_end(scn_parser *p, const scn_token *directive) {
    size_t done = p->cur.pos;
    if (scn_cursor_at_end(&p->cur))
        return true;
    scn_token junk = scn_peek_token(&p->cur);
    size_t start = directive->col - 1u;
    char q_junk[SCN_QUOTE_SIZE], q_line[SCN_QUOTE_SIZE];
    scn_quote(q_line, p->cur.ptr + start, done - start);
    return scn_fail(p, junk.col, "unexpected %s after %s; expected the end of the line",
                    scn_q(q_junk, &junk), q_line);
}

/* ---- values ---- */

static bool scn_want_u64(scn_parser *p, const scn_token *tok, const char *what, uint64_t *out) {
    char q[SCN_QUOTE_SIZE];
    switch (scn_parse_u64(tok->ptr, tok->len, out)) {
    case SCN_NUM_OK:
        return true;
    case SCN_NUM_OVERFLOW:
        return scn_fail(p, tok->col, "%s %s is too large; the limit is %" PRIu64, what,
                        scn_q(q, tok), UINT64_MAX);
    case SCN_NUM_SYNTAX:
        break;
    }
    return scn_fail(p, tok->col, "expected %s (a whole number like 42), found %s", what,
                    scn_q(q, tok));
}

/* The column of a duration's unit, for "unknown unit" messages. */
static uint32_t scn_unit_col(const scn_token *tok) {
    size_t i = 0;
    while (i < tok->len && ((tok->ptr[i] >= '0' && tok->ptr[i] <= '9') || tok->ptr[i] == '.'))
        i++;
    return tok->col + (uint32_t)i;
}

static bool scn_want_duration(scn_parser *p, const scn_token *tok, uint64_t *ns) {
    char q[SCN_QUOTE_SIZE], q_unit[SCN_QUOTE_SIZE];
    uint32_t unit_col = scn_unit_col(tok);
    switch (scn_parse_duration(tok->ptr, tok->len, ns)) {
    case SCN_DUR_OK:
        return true;
    case SCN_DUR_NO_UNIT:
        return scn_fail(p, unit_col, "duration %s needs a unit: ns, us, ms, s, m or h",
                        scn_q(q, tok));
    case SCN_DUR_BAD_UNIT:
        scn_quote(q_unit, tok->ptr + (unit_col - tok->col), tok->len - (unit_col - tok->col));
        return scn_fail(p, unit_col,
                        "unknown unit %s in duration %s; expected ns, us, ms, s, m or h", q_unit,
                        scn_q(q, tok));
    case SCN_DUR_TOO_PRECISE:
        return scn_fail(p, tok->col, "duration %s is finer than 1ns", scn_q(q, tok));
    case SCN_DUR_OVERFLOW:
        return scn_fail(p, tok->col,
                        "duration %s is too large; the limit is %" PRIu64 "ns (about 584 years)",
                        scn_q(q, tok), UINT64_MAX);
    case SCN_DUR_SYNTAX:
        break;
    }
    return scn_fail(p, tok->col, "expected a duration like 10s, 250ms or 1.5s, found %s",
                    scn_q(q, tok));
}

static bool scn_want_ppm(scn_parser *p, const scn_token *tok, uint32_t *ppm) {
    char q[SCN_QUOTE_SIZE];
    switch (scn_parse_ppm(tok->ptr, tok->len, ppm)) {
    case SCN_PROB_OK:
        return true;
    case SCN_PROB_TOO_PRECISE:
        return scn_fail(p, tok->col,
                        "probability %s is finer than 1 ppm; use at most 6 decimals (4 with '%%')",
                        scn_q(q, tok));
    case SCN_PROB_RANGE:
        return scn_fail(p, tok->col, "probability %s is above 1; expected 0..1 or 0%%..100%%",
                        scn_q(q, tok));
    case SCN_PROB_SYNTAX:
        break;
    }
    return scn_fail(p, tok->col, "expected a probability like 0, 1, 0.015 or 1.5%%, found %s",
                    scn_q(q, tok));
}

/* Names are lowercase letters, digits and a few punctuation bytes that
 * depend on what is named. */
typedef struct scn_name_rule {
    const char *what;        /* "node type" */
    const char *punctuation; /* allowed besides a-z and 0-9 */
    const char *allowed;     /* the same, for messages */
} scn_name_rule;

static const scn_name_rule scn_type_rule = {"node type", "_-", "a-z, 0-9, '_' and '-'"};
static const scn_name_rule scn_param_rule = {"node parameter", "_.-", "a-z, 0-9, '_', '.' and '-'"};
static const scn_name_rule scn_counter_rule = {"counter", "_.", "a-z, 0-9, '_' and '.'"};

static bool scn_name_char_ok(const scn_name_rule *rule, char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr(rule->punctuation, ch) != NULL);
}

/* Checks tok against rule and copies it into out[POD_SCN_NAME_MAX + 1]. */
static bool scn_want_name(scn_parser *p, const scn_token *tok, const scn_name_rule *rule,
                          const char *hint, char *out) {
    char q[SCN_QUOTE_SIZE], q_char[SCN_QUOTE_SIZE];
    assert(tok->len > 0);
    for (size_t i = 0; i < tok->len; i++) {
        if (!scn_name_char_ok(rule, tok->ptr[i])) {
            scn_quote(q_char, tok->ptr + i, 1);
            return scn_fail(p, tok->col + (uint32_t)i,
                            "invalid character %s in %s name %s; expected only %s%s", q_char,
                            rule->what, scn_q(q, tok), rule->allowed, hint);
        }
    }
    if (tok->len > POD_SCN_NAME_MAX)
        return scn_fail(p, tok->col, "%s name %s is %zu bytes long; the limit is %u", rule->what,
                        scn_q(q, tok), tok->len, POD_SCN_NAME_MAX);
    memcpy(out, tok->ptr, tok->len);
    out[tok->len] = '\0';
    return true;
}

/* ---- node names: n1..nN in the file, 0..N-1 in memory ---- */

static bool scn_is_node_shape(const scn_token *tok) {
    if (tok->len < 2 || tok->ptr[0] != 'n')
        return false;
    for (size_t i = 1; i < tok->len; i++) {
        if (tok->ptr[i] < '0' || tok->ptr[i] > '9')
            return false;
    }
    return tok->ptr[1] != '0' || tok->len == 2; /* "n0" is shaped, "n01" is not */
}

static bool scn_want_node(scn_parser *p, const scn_token *tok, uint16_t *node) {
    char q[SCN_QUOTE_SIZE];
    if (!scn_is_node_shape(tok))
        return scn_fail(p, tok->col, "expected a node name like n1, found %s", scn_q(q, tok));
    if (p->cluster_line == 0)
        return scn_fail(p, tok->col, "node names need the 'cluster' line first");
    uint32_t number = 0;
    for (size_t i = 1; i < tok->len && number <= POD_NODES_MAX; i++)
        number = number * 10 + (uint32_t)(tok->ptr[i] - '0');
    uint16_t count = p->scn->node_count;
    if (number < 1 || number > count) {
        if (count == 1)
            return scn_fail(p, tok->col, "node %s does not exist; the cluster has only n1",
                            scn_q(q, tok));
        return scn_fail(p, tok->col, "node %s does not exist; the cluster has n1..n%u",
                        scn_q(q, tok), (unsigned)count);
    }
    *node = (uint16_t)(number - 1);
    return true;
}

/* The next word where a node name must stand, inside a line whose
 * punctuation needs no spaces around it (link, block, clog, partition).
 * `after` names what came before, for messages. */
static bool scn_next_node_word(scn_parser *p, const char *after, scn_token *word) {
    char q[SCN_QUOTE_SIZE];
    if (!scn_next_word(&p->cur, word))
        return scn_fail(p, scn_end_col(p), "expected a node name after '%s'", after);
    if (word->len == 0) {
        scn_token found = scn_peek_token(&p->cur);
        return scn_fail(p, found.col, "expected a node name like n1 after '%s', found %s", after,
                        scn_q(q, &found));
    }
    return true;
}

/* A node name there. */
static bool scn_want_node_word(scn_parser *p, const char *after, scn_token *word, uint16_t *node) {
    return scn_next_node_word(p, after, word) && scn_want_node(p, word, node);
}

/* Run-time targets (scenario.h): `leader`, `last_leader`, and in block
 * and partition lines `rest`. True when tok is one of them. */
static bool scn_target_word(const scn_token *tok, bool allow_rest, uint16_t *node) {
    if (scn_token_is(tok, "leader"))
        *node = POD_NODE_LEADER;
    else if (scn_token_is(tok, "last_leader"))
        *node = POD_NODE_LAST_LEADER;
    else if (allow_rest && scn_token_is(tok, "rest"))
        *node = POD_NODE_REST;
    else
        return false;
    return true;
}

/* A node name, or a run-time target. Targets need no cluster line before
 * them, but the cluster must have 2 nodes or more to have a leader. */
static bool scn_want_node_or_target(scn_parser *p, const scn_token *tok, bool allow_rest,
                                    uint16_t *node) {
    char q[SCN_QUOTE_SIZE];
    if (scn_target_word(tok, allow_rest, node)) {
        if (p->cluster_line == 0)
            return scn_fail(p, tok->col, "run-time targets need the 'cluster' line first");
        if (p->scn->node_count < 2)
            return scn_fail(p, tok->col,
                            "%s needs a cluster of 2 nodes or more; this one has only n1",
                            scn_q(q, tok));
        return true;
    }
    if (!scn_is_node_shape(tok))
        return scn_fail(p, tok->col,
                        "expected a node name like n1, found %s (or a run-time target: leader, "
                        "last_leader%s)",
                        scn_q(q, tok), allow_rest ? ", rest" : "");
    return scn_want_node(p, tok, node);
}

/* The same where punctuation needs no spaces around it (block). */
static bool scn_want_node_or_target_word(scn_parser *p, const char *after, bool allow_rest,
                                         scn_token *word, uint16_t *node) {
    return scn_next_node_word(p, after, word) && scn_want_node_or_target(p, word, allow_rest, node);
}

/* ---- KEY=VALUE lines: cluster, network, budget ---- */

typedef bool (*scn_value_fn)(scn_parser *p, const scn_token *value);

typedef struct scn_key_spec {
    const char *name;
    scn_key id;
    scn_value_fn parse;
} scn_key_spec;

/* Splits KEY=VALUE at the first '='. */
static bool scn_split_pair(scn_parser *p, const scn_token *tok, scn_token *key, scn_token *value) {
    char q[SCN_QUOTE_SIZE];
    const char *eq = memchr(tok->ptr, '=', tok->len);
    if (eq == NULL) {
        scn_cursor look = p->cur;
        scn_skip_blanks(&look);
        if (look.pos < look.len && look.ptr[look.pos] == '=')
            return scn_fail(p, tok->col, "expected KEY=VALUE without spaces around '=', found %s",
                            scn_q(q, tok));
        return scn_fail(p, tok->col, "expected KEY=VALUE, found %s", scn_q(q, tok));
    }
    size_t key_len = (size_t)(eq - tok->ptr);
    if (key_len == 0)
        return scn_fail(p, tok->col, "expected a key before '=', found %s", scn_q(q, tok));
    *key = (scn_token){tok->ptr, key_len, tok->col};
    *value = (scn_token){eq + 1, tok->len - key_len - 1, tok->col + (uint32_t)key_len + 1};
    if (value->len == 0)
        return scn_fail(p, value->col, "expected a value after %s", scn_q(q, tok));
    return true;
}

/* KEY=VALUE tokens to the end of the line; key_line[id] remembers the line
 * that set each key, so that a second setting is an error. */
static bool scn_parse_pairs_into(scn_parser *p, const scn_token *directive,
                                 const scn_key_spec *keys, size_t key_count, const char *example,
                                 uint32_t *key_line) {
    assert(key_count <= SCN_NAMES_MAX);
    if (scn_cursor_at_end(&p->cur))
        return scn_fail(p, scn_end_col(p), "expected KEY=VALUE after '%.*s', e.g. '%s'",
                        (int)directive->len, directive->ptr, example);
    const char *names[SCN_NAMES_MAX];
    for (size_t i = 0; i < key_count; i++)
        names[i] = keys[i].name;
    char what[32];
    snprintf(what, sizeof what, "'%.*s' key", (int)directive->len, directive->ptr);
    scn_token tok;
    /* Each pass consumes one non-empty token: bounded by the line. */
    while (scn_next_token(&p->cur, &tok)) {
        scn_token key, value;
        if (!scn_split_pair(p, &tok, &key, &value))
            return false;
        const scn_key_spec *spec = NULL;
        for (size_t i = 0; i < key_count && spec == NULL; i++) {
            if (scn_token_is(&key, keys[i].name))
                spec = &keys[i];
        }
        if (spec == NULL)
            return scn_fail_unknown(p, &key, what, names, key_count);
        if (key_line[spec->id] != 0)
            return scn_fail(p, key.col, "'%s' is already set on line %u", spec->name,
                            key_line[spec->id]);
        key_line[spec->id] = p->line.number;
        p->pair_col[spec->id] = key.col;
        if (!spec->parse(p, &value))
            return false;
    }
    return true;
}

static bool scn_parse_pairs(scn_parser *p, const scn_token *directive, const scn_key_spec *keys,
                            size_t key_count, const char *example) {
    return scn_parse_pairs_into(p, directive, keys, key_count, example, p->key_line);
}

static bool scn_value_nodes(scn_parser *p, const scn_token *value) {
    uint64_t n = 0;
    if (!scn_want_u64(p, value, "a node count", &n))
        return false;
    if (n < 1 || n > POD_NODES_MAX)
        return scn_fail(p, value->col, "nodes=%" PRIu64 " is out of range; expected 1..%u", n,
                        POD_NODES_MAX);
    p->scn->node_count = (uint16_t)n;
    return true;
}

static bool scn_value_type(scn_parser *p, const scn_token *value) {
    if (!scn_want_name(p, value, &scn_type_rule, "", p->scn->node_type))
        return false;
    p->scn->node_type_line = p->line.number;
    p->scn->node_type_col = value->col;
    return true;
}

/* Splits `A..B` into its two ends; a single `A` is both ends. */
static void scn_split_range(const scn_token *value, scn_token *lo, scn_token *hi) {
    size_t split = value->len;
    for (size_t i = 0; i + 1 < value->len; i++) {
        if (value->ptr[i] == '.' && value->ptr[i + 1] == '.') {
            split = i;
            break;
        }
    }
    *lo = *value;
    *hi = *value;
    if (split < value->len) {
        lo->len = split;
        *hi = (scn_token){value->ptr + split + 2, value->len - split - 2, value->col + (uint32_t)split + 2};
    }
}

/* `D` or `MIN..MAX`, durations with MIN <= MAX. */
static bool scn_want_range(scn_parser *p, const scn_token *value, uint64_t *min_out,
                           uint64_t *max_out) {
    char q[SCN_QUOTE_SIZE];
    scn_token lo, hi;
    scn_split_range(value, &lo, &hi);
    uint64_t min_ns = 0, max_ns = 0;
    if (!scn_want_duration(p, &lo, &min_ns) || !scn_want_duration(p, &hi, &max_ns))
        return false;
    if (min_ns > max_ns)
        return scn_fail(p, value->col,
                        "range %s goes backwards; expected MIN..MAX with MIN <= MAX",
                        scn_q(q, value));
    *min_out = min_ns;
    *max_out = max_ns;
    return true;
}

/* ---- network latency: a distribution ---- */

static const char *const scn_latency_kinds[] = {"fixed", "uniform", "exp"};

/* Splits tok at the first `sep` (one byte) into before and after; false
 * when there is none. */
static bool scn_split_at(const scn_token *tok, char sep, scn_token *before, scn_token *after) {
    const char *at = memchr(tok->ptr, sep, tok->len);
    if (at == NULL)
        return false;
    size_t n = (size_t)(at - tok->ptr);
    *before = (scn_token){tok->ptr, n, tok->col};
    *after = (scn_token){at + 1, tok->len - n - 1, tok->col + (uint32_t)n + 1};
    return true;
}

static bool scn_has_dots(const scn_token *tok) {
    for (size_t i = 0; i + 1 < tok->len; i++) {
        if (tok->ptr[i] == '.' && tok->ptr[i + 1] == '.')
            return true;
    }
    return false;
}

/* `exp:MEAN` or `exp:MEAN+FLOOR`: the floor plus an exponential. */
static bool scn_want_exp_latency(scn_parser *p, const scn_token *arg, pod_network_model *m) {
    scn_token mean = *arg, floor_tok = {arg->ptr + arg->len, 0, arg->col + (uint32_t)arg->len};
    bool has_floor = scn_split_at(arg, '+', &mean, &floor_tok);
    uint64_t mean_ns = 0, floor_ns = 0;
    if (mean.len == 0)
        return scn_fail(p, mean.col, "expected the mean after 'exp:', e.g. 'exp:4ms+1ms'");
    if (!scn_want_duration(p, &mean, &mean_ns))
        return false;
    if (mean_ns == 0)
        return scn_fail(p, mean.col,
                        "the mean of 'exp:' must be more than 0; for a fixed latency write "
                        "'fixed:D'");
    if (has_floor && floor_tok.len == 0)
        return scn_fail(p, floor_tok.col, "expected a floor after '+', e.g. 'exp:4ms+1ms'");
    if (has_floor && !scn_want_duration(p, &floor_tok, &floor_ns))
        return false;
    m->latency_kind = POD_LATENCY_EXP;
    m->latency_min_ns = floor_ns;
    m->latency_max_ns = floor_ns;
    m->latency_mean_ns = mean_ns;
    return true;
}

/* `D` or `MIN..MAX` (uniform, as ever), `fixed:D`, `uniform:MIN..MAX`,
 * `exp:MEAN` or `exp:MEAN+FLOOR`. */
static bool scn_want_latency(scn_parser *p, const scn_token *value, pod_network_model *m) {
    char q[SCN_QUOTE_SIZE];
    scn_token kind, arg;
    uint64_t min_ns = 0, max_ns = 0;
    if (!scn_split_at(value, ':', &kind, &arg)) {
        if (!scn_want_range(p, value, &min_ns, &max_ns))
            return false;
    } else if (scn_token_is(&kind, "exp")) {
        return scn_want_exp_latency(p, &arg, m);
    } else if (scn_token_is(&kind, "fixed") || scn_token_is(&kind, "uniform")) {
        bool fixed = kind.len == 5;
        if (arg.len == 0)
            return scn_fail(p, arg.col, "expected %s after '%.*s:', e.g. '%s'",
                            fixed ? "a duration" : "MIN..MAX", (int)kind.len, kind.ptr,
                            fixed ? "fixed:5ms" : "uniform:1ms..5ms");
        if (fixed && scn_has_dots(&arg))
            return scn_fail(p, arg.col,
                            "'fixed:' takes one duration, found %s; for a range write "
                            "'uniform:MIN..MAX'",
                            scn_q(q, &arg));
        if (!scn_want_range(p, &arg, &min_ns, &max_ns))
            return false;
    } else {
        return scn_fail_unknown(p, &kind, "latency distribution", scn_latency_kinds,
                                SCN_COUNT(scn_latency_kinds));
    }
    m->latency_kind = POD_LATENCY_UNIFORM;
    m->latency_min_ns = min_ns;
    m->latency_max_ns = max_ns;
    m->latency_mean_ns = 0;
    return true;
}

static bool scn_value_latency(scn_parser *p, const scn_token *value) {
    return scn_want_latency(p, value, p->net_target);
}

static bool scn_value_sector(scn_parser *p, const scn_token *value) {
    uint64_t n = 0;
    if (!scn_want_u64(p, value, "a sector size in bytes", &n))
        return false;
    if (n < 512 || n > 65536 || (n & (n - 1)) != 0)
        return scn_fail(p, value->col,
                        "sector=%" PRIu64 " is not a power of two in 512..65536 (4096 is usual)", n);
    p->scn->disk.sector_bytes = (uint32_t)n;
    return true;
}

static bool scn_value_disk_latency(scn_parser *p, const scn_token *value) {
    return scn_want_range(p, value, &p->scn->disk.write_latency_min_ns,
                          &p->scn->disk.write_latency_max_ns);
}

static bool scn_value_sync_latency(scn_parser *p, const scn_token *value) {
    return scn_want_range(p, value, &p->scn->disk.sync_latency_min_ns,
                          &p->scn->disk.sync_latency_max_ns);
}

static bool scn_value_stall_time(scn_parser *p, const scn_token *value) {
    return scn_want_range(p, value, &p->scn->disk.stall_min_ns, &p->scn->disk.stall_max_ns);
}

static bool scn_value_read_eio(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->scn->disk.read_eio_ppm);
}
static bool scn_value_enospc(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->scn->disk.write_enospc_ppm);
}
static bool scn_value_fsync_eio(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->scn->disk.fsync_eio_ppm);
}
static bool scn_value_dir_fsync_eio(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->scn->disk.dir_fsync_eio_ppm);
}
static bool scn_value_bitflip(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->scn->disk.bitflip_ppm);
}
static bool scn_value_stall(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->scn->disk.stall_ppm);
}

static bool scn_value_drop(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->net_target->drop_ppm);
}

static bool scn_value_dup(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->net_target->dup_ppm);
}

static bool scn_value_corrupt(scn_parser *p, const scn_token *value) {
    return scn_want_ppm(p, value, &p->net_target->corrupt_ppm);
}

static bool scn_value_events(scn_parser *p, const scn_token *value) {
    uint64_t n = 0;
    if (!scn_want_u64(p, value, "an event count", &n))
        return false;
    if (n < 1)
        return scn_fail(p, value->col, "events=0 would stop the run at once; expected at least 1");
    p->scn->budget.events_max = n;
    return true;
}

static bool scn_value_pending(scn_parser *p, const scn_token *value) {
    uint64_t n = 0;
    if (!scn_want_u64(p, value, "an event count", &n))
        return false;
    if (n < 1 || n > UINT32_MAX)
        return scn_fail(p, value->col, "pending=%" PRIu64 " is out of range; expected 1..%" PRIu32,
                        n, UINT32_MAX);
    p->scn->budget.pending_max = n;
    return true;
}

static const scn_key_spec scn_cluster_keys[] = {
    {"nodes", SCN_KEY_NODES, scn_value_nodes},
    {"type", SCN_KEY_TYPE, scn_value_type},
};
/* The keys of `network` and of `link`; the order of POD_LINK_SET_* bits. */
static const scn_key_spec scn_network_keys[] = {
    {"latency", SCN_KEY_LATENCY, scn_value_latency},
    {"drop", SCN_KEY_DROP, scn_value_drop},
    {"dup", SCN_KEY_DUP, scn_value_dup},
    {"corrupt", SCN_KEY_CORRUPT, scn_value_corrupt},
};
static const scn_key_spec scn_budget_keys[] = {
    {"events", SCN_KEY_EVENTS, scn_value_events},
    {"pending", SCN_KEY_PENDING, scn_value_pending},
};
/* ---- workload values ---- */

static bool scn_value_clients(scn_parser *p, const scn_token *value) {
    uint64_t n = 0;
    if (!scn_want_u64(p, value, "a client count", &n))
        return false;
    if (n < 1 || n > POD_WL_CLIENTS_MAX)
        return scn_fail(p, value->col, "clients=%" PRIu64 " is out of range; expected 1..%u", n,
                        POD_WL_CLIENTS_MAX);
    p->scn->workload.clients = (uint16_t)n;
    return true;
}

static bool scn_value_keys(scn_parser *p, const scn_token *value) {
    uint64_t n = 0;
    if (!scn_want_u64(p, value, "a key count", &n))
        return false;
    if (n < 1 || n > POD_WL_KEYS_MAX)
        return scn_fail(p, value->col, "keys=%" PRIu64 " is out of range; expected 1..%u", n,
                        POD_WL_KEYS_MAX);
    p->scn->workload.keys = (uint32_t)n;
    return true;
}

static bool scn_value_dist(scn_parser *p, const scn_token *value) {
    char q[SCN_QUOTE_SIZE];
    if (value->len == 7 && memcmp(value->ptr, "uniform", 7) == 0) {
        p->scn->workload.dist = POD_WL_UNIFORM;
    } else if (value->len == 7 && memcmp(value->ptr, "hotspot", 7) == 0) {
        p->scn->workload.dist = POD_WL_HOTSPOT;
    } else {
        return scn_fail(p, value->col, "expected dist=uniform or dist=hotspot, found %s",
                        scn_q(q, value));
    }
    return true;
}

/* `N` or `MIN..MAX` bytes, 1..POD_KV_VALUE_BYTES_MAX (4096). */
static bool scn_value_value(scn_parser *p, const scn_token *value) {
    char q[SCN_QUOTE_SIZE];
    scn_token lo, hi;
    scn_split_range(value, &lo, &hi);
    uint64_t min = 0, max = 0;
    if (!scn_want_u64(p, &lo, "a size in bytes", &min) || !scn_want_u64(p, &hi, "a size in bytes", &max))
        return false;
    if (min < 1 || max > 4096 || min > max)
        return scn_fail(p, value->col, "value=%s is not a size range within 1..4096 bytes",
                        scn_q(q, value));
    p->scn->workload.value_min_bytes = (uint32_t)min;
    p->scn->workload.value_max_bytes = (uint32_t)max;
    return true;
}

static bool scn_value_think(scn_parser *p, const scn_token *value) {
    return scn_want_range(p, value, &p->scn->workload.think_min_ns, &p->scn->workload.think_max_ns);
}

static bool scn_value_timeout(scn_parser *p, const scn_token *value) {
    if (!scn_want_duration(p, value, &p->scn->workload.timeout_ns))
        return false;
    if (p->scn->workload.timeout_ns == 0)
        return scn_fail(p, value->col, "timeout=0 would give up on every request; expected more");
    return true;
}

/* `mix=put:40,get:30,...`: weights of the operations, 0..1000 each. */
static bool scn_value_mix(scn_parser *p, const scn_token *value) {
    static const char *const names[POD_WL_OP_COUNT] = {"put", "get", "delete", "cas", "txn", "fget"};
    char q[SCN_QUOTE_SIZE];
    uint32_t mix[POD_WL_OP_COUNT] = {0};
    bool seen[POD_WL_OP_COUNT] = {false};
    size_t at = 0;
    uint32_t total = 0;
    if (value->len > 0 && value->ptr[value->len - 1] == ',')
        return scn_fail(p, value->col + (uint32_t)value->len - 1, "expected NAME:WEIGHT after ',' in mix");
    while (at < value->len) { /* each pass consumes one NAME:WEIGHT item */
        size_t end = at;
        while (end < value->len && value->ptr[end] != ',') end++;
        scn_token item = {value->ptr + at, end - at, value->col + (uint32_t)at};
        const char *colon = memchr(item.ptr, ':', item.len);
        if (!colon)
            return scn_fail(p, item.col, "expected NAME:WEIGHT in mix, e.g. put:40, found %s",
                            scn_q(q, &item));
        size_t name_len = (size_t)(colon - item.ptr);
        int op = -1;
        for (int k = 0; k < (int)POD_WL_OP_COUNT; k++) {
            if (strlen(names[k]) == name_len && memcmp(names[k], item.ptr, name_len) == 0) op = k;
        }
        scn_token name = {item.ptr, name_len, item.col};
        if (op < 0)
            return scn_fail(p, item.col, "unknown operation %s in mix; expected put, get, delete, cas, txn or fget",
                            scn_q(q, &name));
        if (seen[op])
            return scn_fail(p, item.col, "operation '%s' appears twice in mix", names[op]);
        seen[op] = true;
        scn_token weight = {colon + 1, item.len - name_len - 1, item.col + (uint32_t)name_len + 1};
        uint64_t w = 0;
        if (weight.len == 0 || !scn_want_u64(p, &weight, "a weight", &w))
            return weight.len == 0 ? scn_fail(p, weight.col, "expected a weight after '%s:'", names[op])
                                   : false;
        if (w > POD_WL_WEIGHT_MAX)
            return scn_fail(p, weight.col, "weight %" PRIu64 " is out of range; expected 0..%u", w,
                            POD_WL_WEIGHT_MAX);
        mix[op] = (uint32_t)w;
        total += (uint32_t)w;
        at = end + 1;
    }
    if (total == 0)
        return scn_fail(p, value->col, "mix %s has no operation with a weight above 0", scn_q(q, value));
    memcpy(p->scn->workload.mix, mix, sizeof mix);
    return true;
}

static const scn_key_spec scn_workload_keys[] = {
    {"clients", SCN_KEY_CLIENTS, scn_value_clients},
    {"mix", SCN_KEY_MIX, scn_value_mix},
    {"keys", SCN_KEY_KEYS, scn_value_keys},
    {"dist", SCN_KEY_DIST, scn_value_dist},
    {"value", SCN_KEY_VALUE, scn_value_value},
    {"think", SCN_KEY_THINK, scn_value_think},
    {"timeout", SCN_KEY_TIMEOUT, scn_value_timeout},
};

static const scn_key_spec scn_disk_keys[] = {
    {"sector", SCN_KEY_SECTOR, scn_value_sector},
    {"latency", SCN_KEY_DISK_LATENCY, scn_value_disk_latency},
    {"sync_latency", SCN_KEY_SYNC_LATENCY, scn_value_sync_latency},
    {"read_eio", SCN_KEY_READ_EIO, scn_value_read_eio},
    {"enospc", SCN_KEY_ENOSPC, scn_value_enospc},
    {"fsync_eio", SCN_KEY_FSYNC_EIO, scn_value_fsync_eio},
    {"dir_fsync_eio", SCN_KEY_DIR_FSYNC_EIO, scn_value_dir_fsync_eio},
    {"bitflip", SCN_KEY_BITFLIP, scn_value_bitflip},
    {"stall", SCN_KEY_STALL, scn_value_stall},
    {"stall_time", SCN_KEY_STALL_TIME, scn_value_stall_time},
};
/* ---- directives ---- */

static bool scn_parse_cluster(scn_parser *p, const scn_token *directive) {
    if (p->cluster_line != 0)
        return scn_fail(p, directive->col,
                        "'cluster' is already given on line %u; a scenario has exactly one",
                        p->cluster_line);
    if (!scn_parse_pairs(p, directive, scn_cluster_keys, SCN_COUNT(scn_cluster_keys),
                         "cluster nodes=3 type=echo"))
        return false;
    if (p->key_line[SCN_KEY_NODES] == 0)
        return scn_fail(p, scn_end_col(p), "missing 'nodes=N' in the 'cluster' line");
    if (p->key_line[SCN_KEY_TYPE] == 0)
        return scn_fail(p, scn_end_col(p), "missing 'type=NAME' in the 'cluster' line");
    p->cluster_line = p->line.number;
    return true;
}

static bool scn_parse_seed(scn_parser *p, const scn_token *directive) {
    if (p->seed_line != 0)
        return scn_fail(p, directive->col, "'seed' is already given on line %u", p->seed_line);
    scn_token tok;
    if (!scn_next_token(&p->cur, &tok))
        return scn_fail(p, scn_end_col(p), "expected a number after 'seed', e.g. 'seed 42'");
    if (!scn_want_u64(p, &tok, "a seed", &p->scn->seed))
        return false;
    p->scn->has_seed = true;
    p->seed_line = p->line.number;
    return scn_expect_end(p, directive);
}

static bool scn_parse_run(scn_parser *p, const scn_token *directive) {
    if (p->run_line != 0)
        return scn_fail(p, directive->col, "'run' is already given on line %u", p->run_line);
    scn_token tok;
    if (!scn_next_token(&p->cur, &tok))
        return scn_fail(p, scn_end_col(p), "expected a duration after 'run', e.g. 'run 10s'");
    if (!scn_want_duration(p, &tok, &p->scn->run_ns))
        return false;
    if (p->scn->run_ns == 0)
        return scn_fail(p, tok.col, "the run time must be more than 0");
    p->run_line = p->line.number;
    return scn_expect_end(p, directive);
}

/* `liveness within=D [after=T]`, once per file. The run must last until
 * the bound: checked at the end of the file, with the actions. */
static bool scn_parse_liveness(scn_parser *p, const scn_token *directive) {
    char q[SCN_QUOTE_SIZE];
    pod_liveness *l = &p->scn->liveness;
    if (l->line != 0)
        return scn_fail(p, directive->col, "'liveness' is already given on line %u", l->line);
    bool has_within = false, has_after = false;
    scn_token tok;
    if (scn_cursor_at_end(&p->cur))
        return scn_fail(p, scn_end_col(p),
                        "expected within=DURATION after 'liveness', e.g. 'liveness within=3s'");
    /* Each pass consumes one non-empty token: bounded by the line. */
    while (scn_next_token(&p->cur, &tok)) {
        scn_token key, value;
        if (!scn_split_pair(p, &tok, &key, &value))
            return false;
        bool within = scn_token_is(&key, "within");
        if (!within && !scn_token_is(&key, "after")) {
            static const char *const keys[] = {"within", "after"};
            return scn_fail_unknown(p, &key, "'liveness' key", keys, 2);
        }
        bool *seen = within ? &has_within : &has_after;
        if (*seen)
            return scn_fail(p, key.col, "%s is given twice on this line", scn_q(q, &key));
        *seen = true;
        uint64_t ns = 0;
        if (!scn_want_duration(p, &value, &ns))
            return false;
        if (within && ns == 0)
            return scn_fail(p, value.col, "the liveness bound must be more than 0");
        if (within)
            l->within_ns = ns;
        else
            l->after_ns = ns;
    }
    if (!has_within)
        return scn_fail(p, directive->col,
                        "'liveness' needs within=DURATION, the bound, e.g. 'liveness within=3s'");
    l->line = p->line.number;
    l->col = directive->col;
    return true;
}

static bool scn_parse_network(scn_parser *p, const scn_token *directive) {
    return scn_parse_pairs(p, directive, scn_network_keys, SCN_COUNT(scn_network_keys),
                           "network latency=1ms..5ms drop=1%");
}

static bool scn_parse_disk(scn_parser *p, const scn_token *directive) {
    return scn_parse_pairs(p, directive, scn_disk_keys, SCN_COUNT(scn_disk_keys),
                           "disk sector=4096 latency=10us..100us fsync_eio=0.1%");
}

static bool scn_parse_workload(scn_parser *p, const scn_token *directive) {
    if (p->scn->workload.line == 0) p->scn->workload.line = p->line.number;
    if (!scn_parse_pairs(p, directive, scn_workload_keys, SCN_COUNT(scn_workload_keys),
                         "workload clients=4 mix=put:50,get:50 keys=16"))
        return false;
    /* A workload line without clients= still means one client. */
    if (p->scn->workload.clients == 0) p->scn->workload.clients = 1;
    return true;
}

static bool scn_parse_budget(scn_parser *p, const scn_token *directive) {
    return scn_parse_pairs(p, directive, scn_budget_keys, SCN_COUNT(scn_budget_keys),
                           "budget events=1000000");
}

/* ---- link nA -> nB KEY=VALUE ... ---- */

/* After a node name: `->`, or `<->` too when both_ok. `example` shows the
 * whole phrase, for a missing arrow. */
static bool scn_want_arrow(scn_parser *p, const scn_token *from, bool both_ok, const char *example,
                           bool *both) {
    char q[SCN_QUOTE_SIZE], q_from[SCN_QUOTE_SIZE];
    const char *arrows = both_ok ? "'->' or '<->'" : "'->'";
    scn_skip_blanks(&p->cur);
    const char *at = p->cur.ptr + p->cur.pos;
    size_t left = p->cur.len - p->cur.pos;
    *both = false;
    if (left >= 2 && memcmp(at, "->", 2) == 0) {
        p->cur.pos += 2;
        return true;
    }
    if (both_ok && left >= 3 && memcmp(at, "<->", 3) == 0) {
        p->cur.pos += 3;
        *both = true;
        return true;
    }
    if (left == 0)
        return scn_fail(p, scn_end_col(p), "expected %s after %s, e.g. '%s'", arrows,
                        scn_q(q_from, from), example);
    scn_token found = scn_peek_token(&p->cur);
    return scn_fail(p, found.col, "expected %s after %s, found %s", arrows, scn_q(q_from, from),
                    scn_q(q, &found));
}

/* The index of the directed link from -> to in scn->links, added if new. */
static bool scn_link_slot(scn_parser *p, const scn_token *directive, uint16_t from, uint16_t to,
                          uint32_t *slot) {
    pod_scenario *scn = p->scn;
    for (uint32_t i = 0; i < scn->link_count; i++) {
        if (scn->links[i].from == from && scn->links[i].to == to) {
            *slot = i;
            return true;
        }
    }
    if (scn->link_count == POD_SCN_LINKS_MAX)
        return scn_fail(p, directive->col,
                        "too many links; the limit is %u directed links ('<->' counts two)",
                        POD_SCN_LINKS_MAX);
    *slot = scn->link_count++;
    pod_link *l = &scn->links[*slot];
    memset(l, 0, sizeof *l);
    l->from = from;
    l->to = to;
    l->line = p->line.number;
    memset(p->link_key_line[*slot], 0, sizeof p->link_key_line[*slot]);
    return true;
}

/* Sets the keys given on this line (key_line[id] != 0) on from -> to. */
static bool scn_link_apply(scn_parser *p, const scn_token *directive, uint16_t from, uint16_t to,
                           const pod_network_model *m, const uint32_t *key_line) {
    uint32_t slot = 0;
    if (!scn_link_slot(p, directive, from, to, &slot))
        return false;
    pod_link *l = &p->scn->links[slot];
    for (uint32_t k = 0; k < SCN_COUNT(scn_network_keys); k++) {
        scn_key id = scn_network_keys[k].id;
        if (key_line[id] == 0)
            continue;
        if (p->link_key_line[slot][k] != 0)
            return scn_fail(p, p->pair_col[id], "'%s' of n%u -> n%u is already set on line %u",
                            scn_network_keys[k].name, (unsigned)from + 1, (unsigned)to + 1,
                            p->link_key_line[slot][k]);
        p->link_key_line[slot][k] = p->line.number;
        l->set |= (uint8_t)(1u << k);
    }
    if (key_line[SCN_KEY_LATENCY] != 0) {
        l->model.latency_kind = m->latency_kind;
        l->model.latency_min_ns = m->latency_min_ns;
        l->model.latency_max_ns = m->latency_max_ns;
        l->model.latency_mean_ns = m->latency_mean_ns;
    }
    if (key_line[SCN_KEY_DROP] != 0)
        l->model.drop_ppm = m->drop_ppm;
    if (key_line[SCN_KEY_DUP] != 0)
        l->model.dup_ppm = m->dup_ppm;
    if (key_line[SCN_KEY_CORRUPT] != 0)
        l->model.corrupt_ppm = m->corrupt_ppm;
    return true;
}

/* `link n1 -> n2 latency=... drop=...` (one way) or `link n1 <-> n2 ...`
 * (both ways): the network keys for those links only. */
static bool scn_parse_link(scn_parser *p, const scn_token *directive) {
    scn_token from_tok, to_tok;
    uint16_t from = 0, to = 0;
    bool both = false;
    if (!scn_want_node_word(p, "link", &from_tok, &from) ||
        !scn_want_arrow(p, &from_tok, true, "link n1 -> n2 drop=1%", &both) ||
        !scn_want_node_word(p, both ? "<->" : "->", &to_tok, &to))
        return false;
    if (from == to)
        return scn_fail(p, to_tok.col, "a link joins two different nodes, found %.*s twice",
                        (int)to_tok.len, to_tok.ptr);
    if (scn_cursor_at_end(&p->cur))
        return scn_fail(p, scn_end_col(p),
                        "expected KEY=VALUE after 'link %.*s %s %.*s', e.g. 'latency=5ms drop=1%%'",
                        (int)from_tok.len, from_tok.ptr, both ? "<->" : "->", (int)to_tok.len,
                        to_tok.ptr);
    pod_network_model model;
    memset(&model, 0, sizeof model);
    uint32_t key_line[SCN_KEY_COUNT] = {0};
    p->net_target = &model;
    bool ok = scn_parse_pairs_into(p, directive, scn_network_keys, SCN_COUNT(scn_network_keys),
                                   "link n1 -> n2 drop=1%", key_line);
    p->net_target = &p->scn->network;
    if (!ok || !scn_link_apply(p, directive, from, to, &model, key_line))
        return false;
    return !both || scn_link_apply(p, directive, to, from, &model, key_line);
}

/* `node KEY=VALUE ...`: free-form; the node type checks them later. */
static bool scn_parse_node(scn_parser *p, const scn_token *directive) {
    (void)directive;
    pod_scenario *scn = p->scn;
    if (scn_cursor_at_end(&p->cur))
        return scn_fail(p, scn_end_col(p),
                        "expected KEY=VALUE after 'node', e.g. 'node interval_ms=50'");
    scn_token tok;
    /* Each pass consumes one non-empty token: bounded by the line. */
    while (scn_next_token(&p->cur, &tok)) {
        scn_token key, value;
        if (!scn_split_pair(p, &tok, &key, &value))
            return false;
        char name[POD_SCN_NAME_MAX + 1];
        if (!scn_want_name(p, &key, &scn_param_rule, "", name))
            return false;
        for (uint32_t i = 0; i < scn->param_count; i++) {
            if (strcmp(scn->params[i].key, name) == 0)
                return scn_fail(p, key.col, "node parameter '%s' is already set on line %u",
                                name, scn->params[i].line);
        }
        if (scn->param_count == POD_SCN_PARAMS_MAX)
            return scn_fail(p, key.col, "too many node parameters; the limit is %u",
                            POD_SCN_PARAMS_MAX);
        if (value.len > POD_SCN_VALUE_MAX)
            return scn_fail(p, value.col, "the value of '%s' is %zu bytes long; the limit is %u",
                            name, value.len, POD_SCN_VALUE_MAX);
        pod_scn_param *param = &scn->params[scn->param_count++];
        memcpy(param->key, name, sizeof name);
        memcpy(param->value, value.ptr, value.len);
        param->value[value.len] = '\0';
        param->line = p->line.number;
        param->col = key.col;
    }
    return true;
}

/* ---- at TIME ACTION ---- */

typedef enum scn_action_args {
    SCN_ARGS_NONE,      /* heal */
    SCN_ARGS_NODE,      /* crash n1 */
    SCN_ARGS_BLOCK,     /* block n1 -> n2 */
    SCN_ARGS_GROUPS,    /* partition n1,n2 | n3 */
    SCN_ARGS_CLOG,      /* clog n1 -> n2 for 1s */
    SCN_ARGS_FLAP,      /* flap n1,n2 | n3 every 500ms */
} scn_action_args;

typedef struct scn_action_spec {
    const char *name;
    pod_action_kind kind;
    scn_action_args args;
} scn_action_spec;

static const scn_action_spec scn_actions[] = {
    {"crash", POD_ACT_CRASH, SCN_ARGS_NODE},
    {"restart", POD_ACT_RESTART, SCN_ARGS_NODE},
    {"pause", POD_ACT_PAUSE, SCN_ARGS_NODE},
    {"resume", POD_ACT_RESUME, SCN_ARGS_NODE},
    {"isolate", POD_ACT_ISOLATE, SCN_ARGS_NODE},
    {"heal", POD_ACT_HEAL, SCN_ARGS_NONE},
    {"block", POD_ACT_BLOCK, SCN_ARGS_BLOCK},
    {"partition", POD_ACT_PARTITION, SCN_ARGS_GROUPS},
    {"clog", POD_ACT_CLOG, SCN_ARGS_CLOG},
    {"flap", POD_ACT_FLAP, SCN_ARGS_FLAP},
};

static bool scn_parse_node_arg(scn_parser *p, const scn_token *verb, pod_action *a) {
    scn_token tok;
    if (!scn_next_token(&p->cur, &tok))
        return scn_fail(p, scn_end_col(p), "expected a node after '%.*s', e.g. '%.*s n1'",
                        (int)verb->len, verb->ptr, (int)verb->len, verb->ptr);
    return scn_want_node_or_target(p, &tok, false, &a->node);
}

/* `block n1 -> n2`; with run-time targets also `block leader -> rest`,
 * `block rest -> leader` or `block leader -> n2`. `rest` stands for every
 * node but the other side's, so it needs a target there. */
static bool scn_parse_block(scn_parser *p, pod_action *a) {
    char q[SCN_QUOTE_SIZE];
    scn_token from, to;
    bool both = false;
    if (!scn_want_node_or_target_word(p, "block", true, &from, &a->node) ||
        !scn_want_arrow(p, &from, false, "block n1 -> n2", &both) ||
        !scn_want_node_or_target_word(p, "->", true, &to, &a->peer))
        return false;
    if (a->peer == a->node)
        return scn_fail(p, to.col, a->node < POD_NODES_MAX
                                       ? "a node cannot block messages to itself"
                                       : "both sides of the block are %s; expected two sides",
                        scn_q(q, &to));
    if (a->node == POD_NODE_REST && !pod_node_is_target(a->peer))
        return scn_fail(p, from.col,
                        "'rest' means every node but a leader target on the other side, e.g. "
                        "'block rest -> leader'; found %s there",
                        scn_q(q, &to));
    if (a->peer == POD_NODE_REST && !pod_node_is_target(a->node))
        return scn_fail(p, to.col,
                        "'rest' means every node but a leader target on the other side, e.g. "
                        "'block leader -> rest'; found %s there",
                        scn_q(q, &from));
    return true;
}

/* `partition leader | rest` (or last_leader): the target alone, everyone
 * else together; resolved when the action runs. The target word is read. */
static bool scn_parse_target_partition(scn_parser *p, const scn_token *target, pod_action *a) {
    char q[SCN_QUOTE_SIZE];
    scn_token rest;
    scn_skip_blanks(&p->cur);
    if (scn_cursor_at_end(&p->cur) || p->cur.ptr[p->cur.pos] != '|') {
        scn_token found = scn_peek_token(&p->cur);
        if (scn_cursor_at_end(&p->cur))
            found.col = scn_end_col(p);
        return scn_fail(p, found.col, "expected '| rest' after %s, e.g. 'partition %.*s | rest'",
                        scn_q(q, target), (int)target->len, target->ptr);
    }
    p->cur.pos++;
    bool more = scn_next_word(&p->cur, &rest);
    if (!more || !scn_token_is(&rest, "rest")) {
        uint32_t col = !more ? scn_end_col(p) : rest.len > 0 ? rest.col : scn_peek_token(&p->cur).col;
        return scn_fail(p, col,
                        "a partition around %s has two groups, the target and the rest: expected "
                        "'rest' after '|'",
                        scn_q(q, target));
    }
    a->group_count = 2;
    memset(a->group_of, 0, sizeof a->group_of);
    return true;
}

/* `clog n1 -> n2 for 1s` or `clog n1 <-> n2 for 1s`. */
static bool scn_parse_clog(scn_parser *p, pod_action *a) {
    char q[SCN_QUOTE_SIZE];
    scn_token from, to, word, span;
    if (!scn_want_node_word(p, "clog", &from, &a->node) ||
        !scn_want_arrow(p, &from, true, "clog n1 -> n2 for 1s", &a->both_ways) ||
        !scn_want_node_word(p, a->both_ways ? "<->" : "->", &to, &a->peer))
        return false;
    if (a->peer == a->node)
        return scn_fail(p, to.col, "a node cannot clog its link to itself");
    const char *arrow = a->both_ways ? "<->" : "->";
    if (!scn_next_token(&p->cur, &word))
        return scn_fail(p, scn_end_col(p),
                        "expected 'for DURATION' after 'clog %.*s %s %.*s', e.g. 'for 1s'",
                        (int)from.len, from.ptr, arrow, (int)to.len, to.ptr);
    if (!scn_token_is(&word, "for"))
        return scn_fail(p, word.col, "expected 'for' after 'clog %.*s %s %.*s', found %s",
                        (int)from.len, from.ptr, arrow, (int)to.len, to.ptr, scn_q(q, &word));
    if (!scn_next_token(&p->cur, &span))
        return scn_fail(p, scn_end_col(p), "expected a duration after 'for', e.g. 'for 1s'");
    if (!scn_want_duration(p, &span, &a->for_ns))
        return false;
    if (a->for_ns == 0)
        return scn_fail(p, span.col, "a clog must last more than 0");
    return true;
}

/* `partition n1,n2 | n3`: every node in exactly one of 2..GROUPS_MAX
 * groups. For `flap` (flap == true) the groups end at the word `every`. */
static bool scn_parse_groups(scn_parser *p, const scn_token *verb, bool flap, pod_action *a) {
    char q[SCN_QUOTE_SIZE], q_word[SCN_QUOTE_SIZE];
    memset(a->group_of, SCN_NO_GROUP, sizeof a->group_of);
    uint32_t group = 0;
    const char *after = flap ? "flap" : "partition";
    scn_token word;
    uint32_t end_col = 0; /* where the groups end: for a node left out */
    /* Each pass consumes a node name and then a separator or the rest of
     * the line, so there are at most len/2 + 1 passes. */
    for (size_t pass = 0; pass <= p->cur.len; pass++) {
        uint16_t node = 0;
        scn_cursor before = p->cur;
        if (scn_next_word(&p->cur, &word) && scn_target_word(&word, true, &node)) {
            if (flap)
                return scn_fail(p, word.col,
                                "a flap takes node names, found %s; run-time targets are for "
                                "crash, restart, pause, resume, isolate, block and partition",
                                scn_q(q_word, &word));
            if (pass != 0 || node == POD_NODE_REST)
                return scn_fail(p, word.col,
                                "%s stands alone: expected 'partition leader | rest' (or "
                                "last_leader)",
                                scn_q(q_word, &word));
            if (!scn_want_node_or_target(p, &word, true, &a->node))
                return false;
            return scn_parse_target_partition(p, &word, a);
        }
        p->cur = before;
        if (!scn_want_node_word(p, after, &word, &node))
            return false;
        if (a->group_of[node] != SCN_NO_GROUP)
            return scn_fail(p, word.col,
                            "node %s is already in group %u; each node belongs to one group",
                            scn_q(q_word, &word), (unsigned)a->group_of[node] + 1);
        a->group_of[node] = (uint8_t)group;
        if (scn_cursor_at_end(&p->cur)) {
            end_col = scn_end_col(p);
            break;
        }
        char sep = p->cur.ptr[p->cur.pos];
        if (sep != ',' && sep != '|') {
            scn_token found = scn_peek_token(&p->cur);
            if (flap && scn_token_is(&found, "every")) {
                end_col = found.col;
                break;
            }
            return scn_fail(p, found.col, "expected ',', '|' or %s after %s, found %s",
                            flap ? "'every'" : "the end of the line", scn_q(q_word, &word),
                            scn_q(q, &found));
        }
        if (sep == '|') {
            if (group + 1 == POD_SCN_GROUPS_MAX)
                return scn_fail(p, scn_cursor_col(&p->cur),
                                "too many groups; a %s has at most %u",
                                flap ? "flap" : "partition", POD_SCN_GROUPS_MAX);
            group++;
        }
        after = sep == ',' ? "," : "|";
        p->cur.pos++;
    }
    assert(end_col != 0);
    a->group_count = (uint8_t)(group + 1);
    if (a->group_count < 2)
        return scn_fail(p, verb->col,
                        flap ? "a flap needs at least 2 groups separated by '|', e.g. 'flap n1,n2 "
                               "| n3 every 500ms'"
                             : "a partition needs at least 2 groups separated by '|', e.g. "
                               "'partition n1,n2 | n3'");
    for (uint32_t node = 0; node < p->scn->node_count; node++) {
        if (a->group_of[node] == SCN_NO_GROUP)
            return scn_fail(p, end_col,
                            "the %s leaves out n%u; every node must be in exactly one group",
                            flap ? "flap" : "partition", (unsigned)node + 1);
    }
    return true;
}

/* `flap n1,n2 | n3 every 500ms` (the time range is the at line's). */
static bool scn_parse_flap(scn_parser *p, const scn_token *verb, pod_action *a) {
    scn_token word, period;
    if (!scn_parse_groups(p, verb, true, a))
        return false;
    if (!scn_next_token(&p->cur, &word))
        return scn_fail(p, scn_end_col(p),
                        "expected 'every PERIOD' after the groups, e.g. 'every 500ms'");
    assert(scn_token_is(&word, "every"));
    if (!scn_next_token(&p->cur, &period))
        return scn_fail(p, scn_end_col(p), "expected a duration after 'every', e.g. 'every 500ms'");
    if (!scn_want_duration(p, &period, &a->every_ns))
        return false;
    if (a->every_ns == 0)
        return scn_fail(p, period.col, "a flap's period must be more than 0");
    uint64_t toggles = (a->until_ns - a->at_ns) / a->every_ns;
    if (toggles > POD_SCN_FLAP_TOGGLES_MAX) {
        char every[SCN_DURATION_TEXT_SIZE], span[SCN_DURATION_TEXT_SIZE];
        scn_format_duration(a->every_ns, every);
        scn_format_duration(a->until_ns - a->at_ns, span);
        return scn_fail(p, period.col,
                        "flapping every %s for %s makes %" PRIu64
                        " toggles; the limit is %u (use a longer period)",
                        every, span, toggles, POD_SCN_FLAP_TOGGLES_MAX);
    }
    return true;
}

/* `TIME` or, for flap, `START..END`. */
static bool scn_want_at_time(scn_parser *p, const scn_token *tok, uint64_t *at_ns, bool *has_end,
                             scn_token *end_tok, uint64_t *end_ns) {
    char q[SCN_QUOTE_SIZE];
    scn_token start = *tok;
    *has_end = false;
    for (size_t i = 0; i + 1 < tok->len; i++) {
        if (tok->ptr[i] == '.' && tok->ptr[i + 1] == '.') {
            start.len = i;
            *end_tok = (scn_token){tok->ptr + i + 2, tok->len - i - 2, tok->col + (uint32_t)i + 2};
            *has_end = true;
            break;
        }
    }
    if (!scn_want_duration(p, &start, at_ns))
        return false;
    if (!*has_end)
        return true;
    if (end_tok->len == 0)
        return scn_fail(p, end_tok->col, "expected the end of the time range after '..', e.g. "
                                         "'at 2s..8s flap n1 | n2 every 500ms'");
    if (!scn_want_duration(p, end_tok, end_ns))
        return false;
    if (*end_ns <= *at_ns)
        return scn_fail(p, tok->col, "time range %s is empty or goes backwards; expected "
                                     "START..END with START < END",
                        scn_q(q, tok));
    return true;
}

static bool scn_parse_at(scn_parser *p, const scn_token *directive) {
    pod_scenario *scn = p->scn;
    scn_token time_tok, verb, end_tok = {NULL, 0, 0};
    uint64_t at_ns = 0, end_ns = 0;
    bool has_end = false;
    if (!scn_next_token(&p->cur, &time_tok))
        return scn_fail(p, scn_end_col(p), "expected a time after 'at', e.g. 'at 2s crash n1'");
    if (!scn_want_at_time(p, &time_tok, &at_ns, &has_end, &end_tok, &end_ns))
        return false;
    if (scn->action_count == POD_SCN_ACTIONS_MAX)
        return scn_fail(p, directive->col, "too many actions; the limit is %u",
                        POD_SCN_ACTIONS_MAX);
    if (scn->action_count > 0) {
        const pod_action *prev = &scn->actions[scn->action_count - 1];
        if (at_ns < prev->at_ns) {
            char now[SCN_DURATION_TEXT_SIZE], before[SCN_DURATION_TEXT_SIZE];
            scn_format_duration(at_ns, now);
            scn_format_duration(prev->at_ns, before);
            return scn_fail(
                p, time_tok.col,
                "time %s is earlier than %s on line %u; 'at' lines must be in time order", now,
                before, prev->line);
        }
    }

    const char *names[SCN_COUNT(scn_actions)];
    for (size_t i = 0; i < SCN_COUNT(scn_actions); i++)
        names[i] = scn_actions[i].name;
    if (!scn_next_token(&p->cur, &verb)) {
        char list[SCN_NAME_LIST_SIZE];
        scn_join(list, names, SCN_COUNT(scn_actions));
        return scn_fail(p, scn_end_col(p), "expected an action after the time; one of %s", list);
    }
    const scn_action_spec *spec = NULL;
    for (size_t i = 0; i < SCN_COUNT(scn_actions) && spec == NULL; i++) {
        if (scn_token_is(&verb, scn_actions[i].name))
            spec = &scn_actions[i];
    }
    if (spec == NULL)
        return scn_fail_unknown(p, &verb, "action", names, SCN_COUNT(scn_actions));
    if (has_end && spec->kind != POD_ACT_FLAP)
        return scn_fail(p, end_tok.col - 2,
                        "a time range is only for 'flap'; '%s' happens at one time, e.g. 'at 2s "
                        "%s ...'",
                        spec->name, spec->name);
    if (!has_end && spec->kind == POD_ACT_FLAP)
        return scn_fail(p, time_tok.col,
                        "'flap' needs a time range START..END, e.g. 'at 2s..8s flap n1,n2 | n3 "
                        "every 500ms'");

    pod_action *a = &scn->actions[scn->action_count];
    memset(a, 0, sizeof *a);
    a->at_ns = at_ns;
    a->until_ns = end_ns;
    a->kind = spec->kind;
    a->line = p->line.number;
    bool ok = true;
    switch (spec->args) {
    case SCN_ARGS_NONE:
        break;
    case SCN_ARGS_NODE:
        ok = scn_parse_node_arg(p, &verb, a);
        break;
    case SCN_ARGS_BLOCK:
        ok = scn_parse_block(p, a);
        break;
    case SCN_ARGS_GROUPS:
        ok = scn_parse_groups(p, &verb, false, a);
        break;
    case SCN_ARGS_CLOG:
        ok = scn_parse_clog(p, a);
        break;
    case SCN_ARGS_FLAP:
        ok = scn_parse_flap(p, &verb, a);
        break;
    }
    if (!ok || !scn_expect_end(p, directive))
        return false;
    p->at_time_col[scn->action_count] = (uint16_t)time_tok.col;
    scn->action_count++;
    return true;
}

/* ---- expect COUNTER OP INTEGER ---- */

typedef struct scn_cmp_spec {
    const char *text;
    pod_cmp cmp;
} scn_cmp_spec;

/* "==" before "<=" and ">=" so that a lone "=" suggests "==". */
static const scn_cmp_spec scn_cmps[] = {
    {"==", POD_CMP_EQ}, {"!=", POD_CMP_NE}, {"<", POD_CMP_LT},
    {"<=", POD_CMP_LE}, {">", POD_CMP_GT},  {">=", POD_CMP_GE},
};

static bool scn_has_cmp_char(const scn_token *tok) {
    for (size_t i = 0; i < tok->len; i++) {
        if (tok->ptr[i] != '\0' && strchr("<>=!", tok->ptr[i]) != NULL)
            return true;
    }
    return false;
}

static bool scn_parse_expect(scn_parser *p, const scn_token *directive) {
    pod_scenario *scn = p->scn;
    if (scn->expect_count == POD_SCN_EXPECTS_MAX)
        return scn_fail(p, directive->col, "too many 'expect' lines; the limit is %u",
                        POD_SCN_EXPECTS_MAX);
    pod_expect *e = &scn->expects[scn->expect_count];
    memset(e, 0, sizeof *e);
    scn_token counter, op, value;
    if (!scn_next_token(&p->cur, &counter))
        return scn_fail(p, scn_end_col(p),
                        "expected a counter after 'expect', e.g. 'expect messages.delivered >= 1'");
    const char *hint = scn_has_cmp_char(&counter) ? " (put spaces around the comparison)" : "";
    if (!scn_want_name(p, &counter, &scn_counter_rule, hint, e->counter))
        return false;
    e->line = p->line.number;
    e->col = counter.col;

    const char *names[SCN_COUNT(scn_cmps)];
    for (size_t i = 0; i < SCN_COUNT(scn_cmps); i++)
        names[i] = scn_cmps[i].text;
    if (!scn_next_token(&p->cur, &op)) {
        char list[SCN_NAME_LIST_SIZE];
        scn_join(list, names, SCN_COUNT(scn_cmps));
        return scn_fail(p, scn_end_col(p), "expected a comparison after '%s'; one of %s",
                        e->counter, list);
    }
    const scn_cmp_spec *spec = NULL;
    for (size_t i = 0; i < SCN_COUNT(scn_cmps) && spec == NULL; i++) {
        if (scn_token_is(&op, scn_cmps[i].text))
            spec = &scn_cmps[i];
    }
    if (spec == NULL)
        return scn_fail_unknown(p, &op, "comparison", names, SCN_COUNT(scn_cmps));
    e->cmp = spec->cmp;

    if (!scn_next_token(&p->cur, &value))
        return scn_fail(p, scn_end_col(p), "expected a whole number after '%s'", spec->text);
    if (!scn_want_u64(p, &value, "a counter value", &e->value))
        return false;
    if (!scn_expect_end(p, directive))
        return false;
    scn->expect_count++;
    return true;
}

/* ---- lines and files ---- */

typedef bool (*scn_directive_fn)(scn_parser *p, const scn_token *directive);

typedef struct scn_directive {
    const char *name;
    scn_directive_fn parse;
} scn_directive;

static const scn_directive scn_directives[] = {
    {"cluster", scn_parse_cluster}, {"seed", scn_parse_seed}, {"run", scn_parse_run},
    {"network", scn_parse_network}, {"disk", scn_parse_disk},       {"workload", scn_parse_workload},
    {"budget", scn_parse_budget},   {"node", scn_parse_node},       {"at", scn_parse_at},
    {"expect", scn_parse_expect},   {"link", scn_parse_link},       {"liveness", scn_parse_liveness},
};

static bool scn_parse_line(scn_parser *p) {
    const scn_line *line = &p->line;
    const char *nul = memchr(line->ptr, '\0', line->raw_len);
    if (nul != NULL)
        return scn_fail(p, (uint32_t)(nul - line->ptr) + 1,
                        "NUL byte in the file; a scenario is a text file");
    if (line->raw_len > POD_SCN_LINE_MAX)
        return scn_fail(p, POD_SCN_LINE_MAX + 1, "line is %zu bytes long; the limit is %u",
                        line->raw_len, POD_SCN_LINE_MAX);
    scn_cursor_init(&p->cur, line);
    scn_token directive;
    if (!scn_next_token(&p->cur, &directive))
        return true; /* blank or comment */
    for (size_t i = 0; i < SCN_COUNT(scn_directives); i++) {
        if (scn_token_is(&directive, scn_directives[i].name))
            return scn_directives[i].parse(p, &directive);
    }
    const char *names[SCN_COUNT(scn_directives)];
    for (size_t i = 0; i < SCN_COUNT(scn_directives); i++)
        names[i] = scn_directives[i].name;
    return scn_fail_unknown(p, &directive, "directive", names, SCN_COUNT(scn_directives));
}

/* Checks that need the whole file: the cluster line, and actions within
 * the run time (a `run` line may come after the actions). */
uint64_t pod_scenario_quiet_ns(const pod_scenario *scn) {
    uint64_t quiet = scn->liveness.after_ns;
    for (uint32_t i = 0; i < scn->action_count; i++) {
        const pod_action *a = &scn->actions[i];
        uint64_t end = a->at_ns;
        if (a->kind == POD_ACT_FLAP)
            end = a->until_ns;
        if (a->kind == POD_ACT_CLOG)
            end = a->for_ns > UINT64_MAX - a->at_ns ? UINT64_MAX : a->at_ns + a->for_ns;
        if (end > quiet)
            quiet = end;
    }
    return quiet;
}

/* The liveness bound must end within the run. */
static bool scn_check_liveness(scn_parser *p) {
    const pod_scenario *scn = p->scn;
    const pod_liveness *l = &scn->liveness;
    if (l->line == 0)
        return true;
    uint64_t quiet = pod_scenario_quiet_ns(scn);
    if (quiet <= scn->run_ns && l->within_ns <= scn->run_ns - quiet)
        return true;
    char q_text[SCN_DURATION_TEXT_SIZE], w_text[SCN_DURATION_TEXT_SIZE], r_text[SCN_DURATION_TEXT_SIZE];
    scn_format_duration(quiet, q_text);
    scn_format_duration(l->within_ns, w_text);
    scn_format_duration(scn->run_ns, r_text);
    return scn_fail_at(p->err, l->line, l->col,
                       "the liveness bound ends after the run: the faults stop at %s, plus within=%s, "
                       "but the run is %s; lengthen the run or shorten the bound",
                       q_text, w_text, r_text);
}

static bool scn_check_complete(scn_parser *p) {
    const pod_scenario *scn = p->scn;
    if (p->cluster_line == 0)
        return scn_fail_at(
            p->err, 1, 1,
            "missing 'cluster' line; every scenario needs one, e.g. 'cluster nodes=3 type=echo'");
    for (uint32_t i = 0; i < scn->action_count; i++) {
        const pod_action *a = &scn->actions[i];
        if (a->at_ns <= scn->run_ns)
            continue;
        char at[SCN_DURATION_TEXT_SIZE], run[SCN_DURATION_TEXT_SIZE];
        scn_format_duration(a->at_ns, at);
        scn_format_duration(scn->run_ns, run);
        if (p->run_line != 0)
            return scn_fail_at(p->err, a->line, p->at_time_col[i],
                               "time %s is after the end of the run (run %s on line %u)", at, run,
                               p->run_line);
        return scn_fail_at(
            p->err, a->line, p->at_time_col[i],
            "time %s is after the end of the run (%s by default; set it with 'run DURATION')", at,
            run);
    }
    return scn_check_liveness(p);
}

/* Keeps the path for messages; a path too long for the field keeps its
 * end, marked with "...", rather than being cut silently. */
static void scn_copy_path(char *out, size_t out_size, const char *path) {
    assert(out_size > 4);
    size_t n = strlen(path);
    if (n < out_size) {
        memcpy(out, path, n + 1);
        return;
    }
    size_t keep = out_size - 4;
    memcpy(out, "...", 3);
    memcpy(out + 3, path + n - keep, keep);
    out[out_size - 1] = '\0';
}

static void scn_set_defaults(pod_scenario *scn, const char *path) {
    memset(scn, 0, sizeof *scn);
    scn_copy_path(scn->path, sizeof scn->path, path);
    scn->run_ns = SCN_RUN_NS_DEFAULT;
    scn->network.latency_min_ns = SCN_LATENCY_MIN_NS_DEFAULT;
    scn->network.latency_max_ns = SCN_LATENCY_MAX_NS_DEFAULT;
    scn->budget.events_max = SCN_EVENTS_MAX_DEFAULT;
    scn->budget.pending_max = SCN_PENDING_MAX_DEFAULT;
    scn->workload = (pod_workload){
        .mix = {[POD_WL_PUT] = 40, [POD_WL_GET] = 30, [POD_WL_DELETE] = 10, [POD_WL_CAS] = 10,
                [POD_WL_TXN] = 10},
        .keys = 16,
        .dist = POD_WL_UNIFORM,
        .value_min_bytes = 8,
        .value_max_bytes = 64,
        .think_min_ns = 1000000,
        .think_max_ns = 10000000,
        .timeout_ns = 1000000000,
    };
    /* The disk's defaults live with the disk model, in one place. */
    pod_disk_config disk = pod_disk_config_default();
    scn->disk = (pod_disk_model){
        .sector_bytes = disk.sector_size,
        .write_latency_min_ns = disk.write_latency_min_ns,
        .write_latency_max_ns = disk.write_latency_max_ns,
        .sync_latency_min_ns = disk.sync_latency_min_ns,
        .sync_latency_max_ns = disk.sync_latency_max_ns,
        .stall_min_ns = disk.faults.stall_min_ns,
        .stall_max_ns = disk.faults.stall_max_ns,
    };
}

bool pod_scenario_parse(pod_scenario *scn, const char *path, const char *text, size_t len,
                        pod_scn_error *err) {
    assert(scn != NULL && path != NULL && err != NULL);
    assert(text != NULL || len == 0);
    memset(err, 0, sizeof *err);
    scn_set_defaults(scn, path);
    if (len > POD_SCN_FILE_MAX)
        return scn_fail_at(err, 0, 0, "the file is larger than the limit of %u bytes (it has %zu)",
                           POD_SCN_FILE_MAX, len);

    scn_parser p;
    memset(&p, 0, sizeof p);
    p.scn = scn;
    p.err = err;
    p.net_target = &scn->network;
    scn_reader reader;
    scn_reader_init(&reader, text, len);
    /* One pass per line: bounded by len. */
    while (scn_reader_next(&reader, &p.line)) {
        if (!scn_parse_line(&p))
            return false;
    }
    return scn_check_complete(&p);
}

bool pod_scenario_load(pod_scenario *scn, const char *path, pod_scn_error *err) {
    assert(scn != NULL && path != NULL && err != NULL);
    memset(err, 0, sizeof *err);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return scn_fail_at(err, 0, 0, "cannot open the file: %s", strerror(errno));
    /* One byte more than the limit tells "at the limit" from "over it". */
    size_t cap = (size_t)POD_SCN_FILE_MAX + 1;
    char *buf = malloc(cap);
    if (buf == NULL) {
        fclose(f);
        return scn_fail_at(err, 0, 0, "out of memory reading the file");
    }
    size_t len = 0;
    int read_errno = 0;
    /* Each pass reads at least one byte or stops: bounded by cap. */
    while (len < cap) {
        errno = 0;
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0) {
            read_errno = errno;
            break;
        }
        len += n;
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    bool ok;
    if (failed)
        ok = scn_fail_at(err, 0, 0, "cannot read the file: %s",
                         read_errno != 0 ? strerror(read_errno) : "read error");
    else if (len > POD_SCN_FILE_MAX)
        ok = scn_fail_at(err, 0, 0, "the file is larger than the limit of %u bytes",
                         POD_SCN_FILE_MAX);
    else
        ok = pod_scenario_parse(scn, path, buf, len, err);
    free(buf);
    return ok;
}

void pod_scenario_link_model(const pod_scenario *scn, uint16_t from, uint16_t to,
                             pod_network_model *out) {
    assert(scn != NULL && out != NULL);
    *out = scn->network;
    for (uint32_t i = 0; i < scn->link_count; i++) {
        const pod_link *l = &scn->links[i];
        if (l->from != from || l->to != to)
            continue;
        if (l->set & POD_LINK_SET_LATENCY) {
            out->latency_kind = l->model.latency_kind;
            out->latency_min_ns = l->model.latency_min_ns;
            out->latency_max_ns = l->model.latency_max_ns;
            out->latency_mean_ns = l->model.latency_mean_ns;
        }
        if (l->set & POD_LINK_SET_DROP)
            out->drop_ppm = l->model.drop_ppm;
        if (l->set & POD_LINK_SET_DUP)
            out->dup_ppm = l->model.dup_ppm;
        if (l->set & POD_LINK_SET_CORRUPT)
            out->corrupt_ppm = l->model.corrupt_ppm;
        return;
    }
}

void pod_scn_error_format(const pod_scn_error *err, const char *path, char *out, size_t out_len) {
    assert(err != NULL && path != NULL);
    if (out == NULL || out_len == 0)
        return;
    if (err->line == 0)
        snprintf(out, out_len, "%s: error: %s", path, err->message);
    else
        snprintf(out, out_len, "%s:%" PRIu32 ":%" PRIu32 ": error: %s", path, err->line, err->col,
                 err->message);
}
