/* scenario_write.c — pod_scenario back to canonical scenario text, and the
 * semantic comparison of two scenarios. See scenario_write.h.
 *
 * The text is produced twice by the same code: once only counting bytes,
 * then, if it fits, writing them. So a buffer that is too small is never
 * half written, and the count is exact by construction. Every value is
 * written in a form the parser (scn_lex.c) reads back to the same bits. */
#include "sim/scenario_write.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scn_lex.h"

#if defined(__GNUC__)
#define SCN_W_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#else
#define SCN_W_PRINTF(fmt_index, args_index)
#endif

#define SCN_W_PPM_ONE 1000000u
#define SCN_W_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the defaults, learned from the parser itself ---- */

/* What a scenario is when its file says nothing: the parser's own
 * defaults, so that they are written down in one place only. */
typedef struct scn_w_defaults {
    pod_network_model network;
    pod_disk_model disk;
    pod_budget budget;
} scn_w_defaults;

static bool scn_w_load_defaults(scn_w_defaults *d) {
    static const char minimal[] = "cluster nodes=1 type=x\n";
    /* ~600 KB: too large for the stack. */
    pod_scenario *scn = malloc(sizeof *scn);
    if (scn == NULL)
        return false;
    pod_scn_error err;
    bool ok = pod_scenario_parse(scn, "defaults", minimal, sizeof minimal - 1, &err);
    assert(ok && "the minimal scenario must parse");
    (void)ok;
    *d = (scn_w_defaults){scn->network, scn->disk, scn->budget};
    free(scn);
    return true;
}

/* ---- names for values ---- */

static const char *const scn_w_op_names[POD_WL_OP_COUNT] = {"put", "get", "delete", "cas", "txn", "fget"};

static const char *scn_w_action_name(pod_action_kind kind) {
    switch (kind) {
    case POD_ACT_CRASH:
        return "crash";
    case POD_ACT_RESTART:
        return "restart";
    case POD_ACT_PAUSE:
        return "pause";
    case POD_ACT_RESUME:
        return "resume";
    case POD_ACT_PARTITION:
        return "partition";
    case POD_ACT_ISOLATE:
        return "isolate";
    case POD_ACT_BLOCK:
        return "block";
    case POD_ACT_HEAL:
        return "heal";
    case POD_ACT_CLOG:
        return "clog";
    case POD_ACT_FLAP:
        return "flap";
    }
    return NULL;
}

static const char *scn_w_cmp_name(pod_cmp cmp) {
    switch (cmp) {
    case POD_CMP_LT:
        return "<";
    case POD_CMP_LE:
        return "<=";
    case POD_CMP_EQ:
        return "==";
    case POD_CMP_NE:
        return "!=";
    case POD_CMP_GE:
        return ">=";
    case POD_CMP_GT:
        return ">";
    }
    return NULL;
}

/* ---- preconditions: what the parser guarantees ---- */

static bool scn_w_name_ok(const char *name, size_t size, const char *punctuation) {
    const char *nul = memchr(name, '\0', size);
    if (nul == NULL || nul == name || (size_t)(nul - name) > POD_SCN_NAME_MAX)
        return false;
    for (const char *c = name; c < nul; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                  strchr(punctuation, *c) != NULL;
        if (!ok)
            return false;
    }
    return true;
}

/* A parameter value is one token: no blanks, no line break, no NUL. */
static bool scn_w_value_ok(const char *value, size_t size) {
    const char *nul = memchr(value, '\0', size);
    if (nul == NULL || nul == value || (size_t)(nul - value) > POD_SCN_VALUE_MAX)
        return false;
    for (const char *c = value; c < nul; c++) {
        if (scn_is_blank(*c) || *c == '\n')
            return false;
    }
    return true;
}

static bool scn_w_ppm_ok(uint32_t ppm) {
    return ppm <= SCN_W_PPM_ONE;
}

/* The keys of a network model that `set` names (POD_LINK_SET_*). */
static const char *scn_w_check_network(const pod_network_model *m, uint32_t set) {
    if (set & POD_LINK_SET_LATENCY) {
        if (m->latency_kind == POD_LATENCY_UNIFORM) {
            if (m->latency_min_ns > m->latency_max_ns)
                return "network latency range goes backwards";
        } else if (m->latency_kind == POD_LATENCY_EXP) {
            if (m->latency_mean_ns == 0)
                return "network exponential latency with a mean of 0";
        } else {
            return "unknown network latency distribution";
        }
    }
    if (((set & POD_LINK_SET_DROP) && !scn_w_ppm_ok(m->drop_ppm)) ||
        ((set & POD_LINK_SET_DUP) && !scn_w_ppm_ok(m->dup_ppm)) ||
        ((set & POD_LINK_SET_CORRUPT) && !scn_w_ppm_ok(m->corrupt_ppm)))
        return "network probability above 1";
    return NULL;
}

static const char *scn_w_check_links(const pod_scenario *scn) {
    if (scn->link_count > POD_SCN_LINKS_MAX)
        return "too many links";
    for (uint32_t i = 0; i < scn->link_count; i++) {
        const pod_link *l = &scn->links[i];
        if (l->from >= scn->node_count || l->to >= scn->node_count)
            return "link names a node outside the cluster";
        if (l->from == l->to)
            return "link from a node to itself";
        if (l->set == 0 || (l->set & ~POD_LINK_SET_ALL) != 0)
            return "link sets no key, or an unknown one";
        for (uint32_t j = 0; j < i; j++) {
            if (scn->links[j].from == l->from && scn->links[j].to == l->to)
                return "link given twice";
        }
        const char *why = scn_w_check_network(&l->model, l->set);
        if (why != NULL)
            return why;
    }
    return NULL;
}

static const char *scn_w_check_models(const pod_scenario *scn) {
    const pod_disk_model *d = &scn->disk;
    const pod_workload *w = &scn->workload;
    const char *why = scn_w_check_network(&scn->network, POD_LINK_SET_ALL);
    if (why == NULL)
        why = scn_w_check_links(scn);
    if (why != NULL)
        return why;
    if (d->sector_bytes < 512 || d->sector_bytes > 65536 ||
        (d->sector_bytes & (d->sector_bytes - 1)) != 0)
        return "disk sector size is not a power of two in 512..65536";
    if (d->write_latency_min_ns > d->write_latency_max_ns ||
        d->sync_latency_min_ns > d->sync_latency_max_ns || d->stall_min_ns > d->stall_max_ns)
        return "disk range goes backwards";
    if (!scn_w_ppm_ok(d->read_eio_ppm) || !scn_w_ppm_ok(d->write_enospc_ppm) ||
        !scn_w_ppm_ok(d->fsync_eio_ppm) || !scn_w_ppm_ok(d->dir_fsync_eio_ppm) ||
        !scn_w_ppm_ok(d->bitflip_ppm) || !scn_w_ppm_ok(d->stall_ppm))
        return "disk probability above 1";
    if (w->clients > 0) {
        uint32_t total = 0;
        for (size_t i = 0; i < POD_WL_OP_COUNT; i++) {
            if (w->mix[i] > POD_WL_WEIGHT_MAX)
                return "workload mix weight above the limit";
            total += w->mix[i];
        }
        if (w->clients > POD_WL_CLIENTS_MAX || total == 0 || w->keys < 1 ||
            w->keys > POD_WL_KEYS_MAX || (w->dist != POD_WL_UNIFORM && w->dist != POD_WL_HOTSPOT) ||
            w->value_min_bytes < 1 || w->value_max_bytes > 4096 ||
            w->value_min_bytes > w->value_max_bytes || w->think_min_ns > w->think_max_ns ||
            w->timeout_ns == 0)
            return "workload setting out of range";
    }
    if (scn->budget.events_max < 1 || scn->budget.pending_max < 1 ||
        scn->budget.pending_max > UINT32_MAX)
        return "budget out of range";
    return NULL;
}

static const char *scn_w_check_partition(const pod_scenario *scn, const pod_action *a) {
    if (a->group_count < 2 || a->group_count > POD_SCN_GROUPS_MAX)
        return "partition group count out of range";
    bool used[POD_SCN_GROUPS_MAX] = {false};
    for (uint32_t n = 0; n < scn->node_count; n++) {
        if (a->group_of[n] >= a->group_count)
            return "partition leaves a node out";
        used[a->group_of[n]] = true;
    }
    for (uint32_t g = 0; g < a->group_count; g++) {
        if (!used[g])
            return "partition has an empty group";
    }
    return NULL;
}

/* A block side: a node of the cluster, a leader target, or `rest`
 * opposite a target. */
static const char *scn_w_check_block(const pod_scenario *scn, const pod_action *a) {
    bool targets = pod_node_is_target(a->node) || pod_node_is_target(a->peer);
    for (int side = 0; side < 2; side++) {
        uint16_t node = side ? a->peer : a->node;
        uint16_t other = side ? a->node : a->peer;
        if (node == POD_NODE_REST && !pod_node_is_target(other))
            return "block: rest without a target on the other side";
        if (node >= scn->node_count && !pod_node_is_target(node) && node != POD_NODE_REST)
            return "block names a node outside the cluster";
    }
    if (targets && scn->node_count < 2)
        return "a leader target in a one-node cluster";
    return a->node != a->peer ? NULL : "block from a node to itself";
}

static const char *scn_w_check_action(const pod_scenario *scn, const pod_action *a) {
    if (a->at_ns > scn->run_ns)
        return "action after the end of the run";
    switch (a->kind) {
    case POD_ACT_CRASH:
    case POD_ACT_RESTART:
    case POD_ACT_PAUSE:
    case POD_ACT_RESUME:
    case POD_ACT_ISOLATE:
        if (pod_node_is_target(a->node))
            return scn->node_count >= 2 ? NULL : "a leader target in a one-node cluster";
        return a->node < scn->node_count ? NULL : "action names a node outside the cluster";
    case POD_ACT_BLOCK:
        return scn_w_check_block(scn, a);
    case POD_ACT_PARTITION:
        if (pod_node_is_target(a->node))
            return scn->node_count >= 2 ? NULL : "a leader target in a one-node cluster";
        return scn_w_check_partition(scn, a);
    case POD_ACT_HEAL:
        return NULL;
    case POD_ACT_CLOG:
        if (a->node >= scn->node_count || a->peer >= scn->node_count)
            return "clog names a node outside the cluster";
        if (a->node == a->peer)
            return "clog from a node to itself";
        return a->for_ns > 0 ? NULL : "clog for 0";
    case POD_ACT_FLAP:
        if (a->until_ns <= a->at_ns)
            return "flap ends before it starts";
        if (a->every_ns == 0 || (a->until_ns - a->at_ns) / a->every_ns > POD_SCN_FLAP_TOGGLES_MAX)
            return "flap period is 0 or makes too many toggles";
        return scn_w_check_partition(scn, a);
    }
    return "unknown action kind";
}

/* NULL when the parser could have produced scn, else what is wrong. */
static const char *scn_w_check(const pod_scenario *scn) {
    if (scn->node_count < 1 || scn->node_count > POD_NODES_MAX)
        return "node count out of range";
    if (!scn_w_name_ok(scn->node_type, sizeof scn->node_type, "_-"))
        return "invalid node type";
    if (scn->run_ns == 0)
        return "run time is 0";
    const char *why = scn_w_check_models(scn);
    if (why != NULL)
        return why;
    if (scn->param_count > POD_SCN_PARAMS_MAX)
        return "too many node parameters";
    for (uint32_t i = 0; i < scn->param_count; i++) {
        const pod_scn_param *p = &scn->params[i];
        if (!scn_w_name_ok(p->key, sizeof p->key, "_.-") ||
            !scn_w_value_ok(p->value, sizeof p->value))
            return "invalid node parameter";
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(scn->params[j].key, p->key) == 0)
                return "node parameter set twice";
        }
    }
    if (scn->action_count > POD_SCN_ACTIONS_MAX)
        return "too many actions";
    for (uint32_t i = 0; i < scn->action_count; i++) {
        if (i > 0 && scn->actions[i].at_ns < scn->actions[i - 1].at_ns)
            return "actions out of time order";
        why = scn_w_check_action(scn, &scn->actions[i]);
        if (why != NULL)
            return why;
    }
    if (scn->liveness.within_ns > 0) {
        uint64_t quiet = pod_scenario_quiet_ns(scn);
        if (quiet > scn->run_ns || scn->liveness.within_ns > scn->run_ns - quiet)
            return "the liveness bound ends after the run";
    }
    if (scn->expect_count > POD_SCN_EXPECTS_MAX)
        return "too many expectations";
    for (uint32_t i = 0; i < scn->expect_count; i++) {
        const pod_expect *e = &scn->expects[i];
        if (!scn_w_name_ok(e->counter, sizeof e->counter, "_.") || scn_w_cmp_name(e->cmp) == NULL)
            return "invalid expectation";
    }
    return NULL;
}

/* ---- the output: counting, then writing ---- */

typedef struct scn_w {
    char *out;  /* NULL while only counting */
    size_t cap; /* bytes of out, the NUL included */
    size_t len; /* bytes of text so far */
} scn_w;

static void scn_w_bytes(scn_w *w, const char *s, size_t n) {
    if (w->out != NULL && n > 0) {
        assert(w->len + n < w->cap); /* the counting pass sized it */
        memcpy(w->out + w->len, s, n);
    }
    w->len += n;
}

static void scn_w_str(scn_w *w, const char *s) {
    scn_w_bytes(w, s, strlen(s));
}

/* Short pieces only: numbers and names, never longer than a name. */
#define SCN_W_PIECE_MAX 96u

static void scn_w_fmt(scn_w *w, const char *fmt, ...) SCN_W_PRINTF(2, 3);

static void scn_w_fmt(scn_w *w, const char *fmt, ...) {
    char piece[SCN_W_PIECE_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof piece, fmt, ap);
    va_end(ap);
    assert(n >= 0 && (size_t)n < sizeof piece);
    scn_w_bytes(w, piece, (size_t)n);
}

/* ---- values ---- */

/* Room for any candidate text of a duration: the longest are 23 bytes,
 * e.g. "18446744073709551.615us" (snprintf would refuse a longer one). */
#define SCN_W_DURATION_SIZE 40u

/* ns in `unit_ns` units with decimals ("1.5s"), if the parser's grammar
 * can say it exactly: each decimal is worth a tenth of the previous one
 * only while the unit stays divisible by 10 (scn_lex.c), so a remainder
 * that needs finer steps cannot be written in this unit. */
static bool scn_w_decimal(uint64_t ns, uint64_t unit_ns, const char *unit, char *out, size_t size) {
    uint64_t whole = ns / unit_ns, rest = ns % unit_ns, scale = unit_ns;
    if (whole == 0 || rest == 0)
        return false; /* "0.5s" reads worse than "500ms"; no fraction: not a decimal */
    char digits[24];
    size_t n = 0;
    /* Each pass divides scale by 10: at most 19 passes for a uint64_t. */
    while (rest != 0) {
        if (scale % 10 != 0 || n + 1 >= sizeof digits)
            return false;
        scale /= 10;
        digits[n++] = (char)('0' + rest / scale);
        rest %= scale;
    }
    digits[n] = '\0';
    int len = snprintf(out, size, "%" PRIu64 ".%s%s", whole, digits, unit);
    return len > 0 && (size_t)len < size;
}

/* The shortest exact text of a duration among "1500ms" (the largest unit
 * that divides it) and "1.5s" (a whole number of some unit and decimals);
 * on a tie the whole number. */
static void scn_w_duration_text(uint64_t ns, char out[SCN_W_DURATION_SIZE]) {
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        {"h", UINT64_C(3600000000000)}, {"m", UINT64_C(60000000000)}, {"s", UINT64_C(1000000000)},
        {"ms", UINT64_C(1000000)},      {"us", UINT64_C(1000)},
    };
    char best[SCN_DURATION_TEXT_SIZE];
    scn_format_duration(ns, best);
    size_t best_len = strlen(best);
    memcpy(out, best, best_len + 1);
    for (size_t i = 0; i < SCN_W_COUNT(units); i++) {
        char text[SCN_W_DURATION_SIZE];
        if (scn_w_decimal(ns, units[i].ns, units[i].name, text, sizeof text) &&
            strlen(text) < best_len) {
            best_len = strlen(text);
            memcpy(out, text, best_len + 1);
        }
    }
    uint64_t again = 0;
    assert(pod_parse_duration(out, strlen(out), &again) && again == ns);
    (void)again;
}

static void scn_w_duration(scn_w *w, uint64_t ns) {
    char text[SCN_W_DURATION_SIZE];
    scn_w_duration_text(ns, text);
    scn_w_str(w, text);
}

/* `D` when min == max, else `MIN..MAX`. */
static void scn_w_range(scn_w *w, uint64_t min_ns, uint64_t max_ns) {
    scn_w_duration(w, min_ns);
    if (min_ns != max_ns) {
        scn_w_str(w, "..");
        scn_w_duration(w, max_ns);
    }
}

/* "0", or a percentage with its trailing zeros dropped: 15000 ppm is
 * "1.5%", 1 ppm "0.0001%", 1000000 ppm "100%". A percentage rather than
 * "1" for certainty: "drop=1" reads too much like 1%. */
static void scn_w_ppm(scn_w *w, uint32_t ppm) {
    assert(ppm <= SCN_W_PPM_ONE);
    if (ppm == 0) {
        scn_w_str(w, "0");
        return;
    }
    uint32_t whole = ppm / 10000u, frac = ppm % 10000u;
    if (frac == 0) {
        scn_w_fmt(w, "%" PRIu32 "%%", whole);
        return;
    }
    char digits[8];
    snprintf(digits, sizeof digits, "%04" PRIu32, frac);
    size_t n = 4;
    while (digits[n - 1] == '0') /* frac != 0: stops at a non-zero digit */
        n--;
    digits[n] = '\0';
    scn_w_fmt(w, "%" PRIu32 ".%s%%", whole, digits);
}

/* ---- sections ---- */

/* Each line of the header as "# LINE"; a line longer than a scenario line
 * may be continues on the next comment line rather than being cut. */
static void scn_w_header(scn_w *w, const char *header) {
    const size_t chunk_max = POD_SCN_LINE_MAX - 2; /* "# " */
    const char *line = header;
    /* Each pass consumes one line of the header: bounded by its length. */
    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
        if (len == 0)
            scn_w_str(w, "#\n");
        for (size_t at = 0; at < len; at += chunk_max) {
            size_t n = len - at < chunk_max ? len - at : chunk_max;
            scn_w_str(w, "# ");
            scn_w_bytes(w, line + at, n);
            scn_w_str(w, "\n");
        }
        line += nl != NULL ? len + 1 : len;
    }
    scn_w_str(w, "\n");
}

/* A KEY=VALUE line with only the keys that are not their default, so that
 * a scenario says what it changes. Keys are written in table order. */
typedef struct scn_w_line {
    scn_w *w;
    bool open; /* the directive is written */
    const char *directive;
} scn_w_line;

static void scn_w_key(scn_w_line *l, const char *key) {
    if (!l->open) {
        scn_w_str(l->w, l->directive);
        l->open = true;
    }
    scn_w_fmt(l->w, " %s=", key);
}

static void scn_w_line_end(scn_w_line *l) {
    if (l->open)
        scn_w_str(l->w, "\n");
}

static void scn_w_ppm_key(scn_w_line *l, const char *key, uint32_t value, uint32_t def) {
    if (value != def) {
        scn_w_key(l, key);
        scn_w_ppm(l->w, value);
    }
}

static void scn_w_range_key(scn_w_line *l, const char *key, uint64_t min_ns, uint64_t max_ns,
                            uint64_t def_min_ns, uint64_t def_max_ns) {
    if (min_ns != def_min_ns || max_ns != def_max_ns) {
        scn_w_key(l, key);
        scn_w_range(l->w, min_ns, max_ns);
    }
}

/* Whether two models draw latencies alike: the fields their kind uses. */
static bool scn_w_latency_same(const pod_network_model *a, const pod_network_model *b) {
    if (a->latency_kind != b->latency_kind || a->latency_min_ns != b->latency_min_ns)
        return false;
    if (a->latency_kind == POD_LATENCY_EXP)
        return a->latency_mean_ns == b->latency_mean_ns;
    return a->latency_max_ns == b->latency_max_ns;
}

/* `D` or `MIN..MAX` for uniform (the form every file has always had),
 * `exp:MEAN` or `exp:MEAN+FLOOR`. */
static void scn_w_latency(scn_w *w, const pod_network_model *m) {
    if (m->latency_kind != POD_LATENCY_EXP) {
        scn_w_range(w, m->latency_min_ns, m->latency_max_ns);
        return;
    }
    scn_w_str(w, "exp:");
    scn_w_duration(w, m->latency_mean_ns);
    if (m->latency_min_ns != 0) {
        scn_w_str(w, "+");
        scn_w_duration(w, m->latency_min_ns);
    }
}

static void scn_w_network(scn_w *w, const pod_network_model *n, const pod_network_model *def) {
    scn_w_line l = {w, false, "network"};
    if (!scn_w_latency_same(n, def)) {
        scn_w_key(&l, "latency");
        scn_w_latency(w, n);
    }
    scn_w_ppm_key(&l, "drop", n->drop_ppm, def->drop_ppm);
    scn_w_ppm_key(&l, "dup", n->dup_ppm, def->dup_ppm);
    scn_w_ppm_key(&l, "corrupt", n->corrupt_ppm, def->corrupt_ppm);
    scn_w_line_end(&l);
}

/* Whether two links set the same keys to the same values. */
static bool scn_w_link_same(const pod_link *a, const pod_link *b) {
    if (a->set != b->set)
        return false;
    return (!(a->set & POD_LINK_SET_LATENCY) || scn_w_latency_same(&a->model, &b->model)) &&
           (!(a->set & POD_LINK_SET_DROP) || a->model.drop_ppm == b->model.drop_ppm) &&
           (!(a->set & POD_LINK_SET_DUP) || a->model.dup_ppm == b->model.dup_ppm) &&
           (!(a->set & POD_LINK_SET_CORRUPT) || a->model.corrupt_ppm == b->model.corrupt_ppm);
}

/* One line per link, in order, with the keys it sets; a link followed by
 * its reverse with the same settings is written once, as `<->` (the parser
 * stores such a line as those two links, in that order). */
static void scn_w_links(scn_w *w, const pod_scenario *scn) {
    for (uint32_t i = 0; i < scn->link_count; i++) {
        const pod_link *l = &scn->links[i];
        const pod_link *next = i + 1 < scn->link_count ? &scn->links[i + 1] : NULL;
        bool both = next != NULL && next->from == l->to && next->to == l->from &&
                    scn_w_link_same(l, next);
        scn_w_fmt(w, "link n%u %s n%u", (unsigned)l->from + 1, both ? "<->" : "->",
                  (unsigned)l->to + 1);
        if (l->set & POD_LINK_SET_LATENCY) {
            scn_w_str(w, " latency=");
            scn_w_latency(w, &l->model);
        }
        if (l->set & POD_LINK_SET_DROP) {
            scn_w_str(w, " drop=");
            scn_w_ppm(w, l->model.drop_ppm);
        }
        if (l->set & POD_LINK_SET_DUP) {
            scn_w_str(w, " dup=");
            scn_w_ppm(w, l->model.dup_ppm);
        }
        if (l->set & POD_LINK_SET_CORRUPT) {
            scn_w_str(w, " corrupt=");
            scn_w_ppm(w, l->model.corrupt_ppm);
        }
        scn_w_str(w, "\n");
        if (both)
            i++;
    }
}

static void scn_w_disk(scn_w *w, const pod_disk_model *d, const pod_disk_model *def) {
    scn_w_line l = {w, false, "disk"};
    if (d->sector_bytes != def->sector_bytes) {
        scn_w_key(&l, "sector");
        scn_w_fmt(w, "%" PRIu32, d->sector_bytes);
    }
    scn_w_range_key(&l, "latency", d->write_latency_min_ns, d->write_latency_max_ns,
                    def->write_latency_min_ns, def->write_latency_max_ns);
    scn_w_range_key(&l, "sync_latency", d->sync_latency_min_ns, d->sync_latency_max_ns,
                    def->sync_latency_min_ns, def->sync_latency_max_ns);
    scn_w_ppm_key(&l, "read_eio", d->read_eio_ppm, def->read_eio_ppm);
    scn_w_ppm_key(&l, "enospc", d->write_enospc_ppm, def->write_enospc_ppm);
    scn_w_ppm_key(&l, "fsync_eio", d->fsync_eio_ppm, def->fsync_eio_ppm);
    scn_w_ppm_key(&l, "dir_fsync_eio", d->dir_fsync_eio_ppm, def->dir_fsync_eio_ppm);
    scn_w_ppm_key(&l, "bitflip", d->bitflip_ppm, def->bitflip_ppm);
    scn_w_ppm_key(&l, "stall", d->stall_ppm, def->stall_ppm);
    scn_w_range_key(&l, "stall_time", d->stall_min_ns, d->stall_max_ns, def->stall_min_ns,
                    def->stall_max_ns);
    scn_w_line_end(&l);
}

/* Every key, defaults included: a workload line is read as a whole, and
 * its defaults are the parser's, not the disk's or the network's. */
static void scn_w_workload(scn_w *w, const pod_workload *wl) {
    if (wl->clients == 0)
        return;
    scn_w_fmt(w, "workload clients=%u mix=", (unsigned)wl->clients);
    bool first = true;
    for (size_t op = 0; op < POD_WL_OP_COUNT; op++) {
        if (wl->mix[op] == 0)
            continue; /* a left-out operation has weight 0 */
        scn_w_fmt(w, "%s%s:%" PRIu32, first ? "" : ",", scn_w_op_names[op], wl->mix[op]);
        first = false;
    }
    scn_w_fmt(w, " keys=%" PRIu32 " dist=%s value=%" PRIu32, wl->keys,
              wl->dist == POD_WL_HOTSPOT ? "hotspot" : "uniform", wl->value_min_bytes);
    if (wl->value_max_bytes != wl->value_min_bytes)
        scn_w_fmt(w, "..%" PRIu32, wl->value_max_bytes);
    scn_w_str(w, " think=");
    scn_w_range(w, wl->think_min_ns, wl->think_max_ns);
    scn_w_str(w, " timeout=");
    scn_w_duration(w, wl->timeout_ns);
    scn_w_str(w, "\n");
}

static void scn_w_budget(scn_w *w, const pod_budget *b, const pod_budget *def) {
    scn_w_line l = {w, false, "budget"};
    if (b->events_max != def->events_max) {
        scn_w_key(&l, "events");
        scn_w_fmt(w, "%" PRIu64, b->events_max);
    }
    if (b->pending_max != def->pending_max) {
        scn_w_key(&l, "pending");
        scn_w_fmt(w, "%" PRIu64, b->pending_max);
    }
    scn_w_line_end(&l);
}

static void scn_w_params(scn_w *w, const pod_scenario *scn) {
    for (uint32_t i = 0; i < scn->param_count; i++) {
        const pod_scn_param *p = &scn->params[i];
        size_t len = strlen(p->value);
        scn_w_fmt(w, "node %s=", p->key);
        scn_w_bytes(w, p->value, len);
        /* The reader takes a "\r" at the end of a line for half of "\r\n";
         * a comment after the value keeps a value's own final "\r". */
        if (p->value[len - 1] == '\r')
            scn_w_str(w, " #");
        scn_w_str(w, "\n");
    }
}

/* `n1,n2 | n3`: groups in their number order, which is the order the
 * parser numbers them in, each group's nodes in ascending order. */
static void scn_w_groups(scn_w *w, const pod_scenario *scn, const pod_action *a) {
    for (uint32_t g = 0; g < a->group_count; g++) {
        if (g > 0)
            scn_w_str(w, " |");
        bool first = true;
        for (uint32_t n = 0; n < scn->node_count; n++) {
            if (a->group_of[n] != g)
                continue;
            scn_w_fmt(w, "%sn%" PRIu32, first ? " " : ",", n + 1);
            first = false;
        }
    }
}

/* `n3`, or a run-time target's word. */
static void scn_w_node(scn_w *w, uint16_t node) {
    if (node == POD_NODE_LEADER)
        scn_w_str(w, "leader");
    else if (node == POD_NODE_LAST_LEADER)
        scn_w_str(w, "last_leader");
    else if (node == POD_NODE_REST)
        scn_w_str(w, "rest");
    else
        scn_w_fmt(w, "n%u", (unsigned)node + 1);
}

static void scn_w_action(scn_w *w, const pod_scenario *scn, const pod_action *a) {
    scn_w_str(w, "at ");
    scn_w_duration(w, a->at_ns);
    if (a->kind == POD_ACT_FLAP) {
        scn_w_str(w, "..");
        scn_w_duration(w, a->until_ns);
    }
    scn_w_fmt(w, " %s", scn_w_action_name(a->kind));
    switch (a->kind) {
    case POD_ACT_CRASH:
    case POD_ACT_RESTART:
    case POD_ACT_PAUSE:
    case POD_ACT_RESUME:
    case POD_ACT_ISOLATE:
        scn_w_str(w, " ");
        scn_w_node(w, a->node);
        break;
    case POD_ACT_BLOCK:
        scn_w_str(w, " ");
        scn_w_node(w, a->node);
        scn_w_str(w, " -> ");
        scn_w_node(w, a->peer);
        break;
    case POD_ACT_PARTITION:
        if (pod_node_is_target(a->node)) {
            scn_w_str(w, " ");
            scn_w_node(w, a->node);
            scn_w_str(w, " | rest");
            break;
        }
        scn_w_groups(w, scn, a);
        break;
    case POD_ACT_HEAL:
        break;
    case POD_ACT_CLOG:
        scn_w_fmt(w, " n%u %s n%u for ", (unsigned)a->node + 1, a->both_ways ? "<->" : "->",
                  (unsigned)a->peer + 1);
        scn_w_duration(w, a->for_ns);
        break;
    case POD_ACT_FLAP:
        scn_w_groups(w, scn, a);
        scn_w_str(w, " every ");
        scn_w_duration(w, a->every_ns);
        break;
    }
    scn_w_str(w, "\n");
}

static void scn_w_scenario(scn_w *w, const pod_scenario *scn, const char *header,
                           const scn_w_defaults *def) {
    if (header != NULL && header[0] != '\0')
        scn_w_header(w, header);
    scn_w_fmt(w, "cluster nodes=%u type=%s\n", (unsigned)scn->node_count, scn->node_type);
    if (scn->has_seed)
        scn_w_fmt(w, "seed %" PRIu64 "\n", scn->seed);
    scn_w_str(w, "run ");
    scn_w_duration(w, scn->run_ns);
    scn_w_str(w, "\n");
    scn_w_network(w, &scn->network, &def->network);
    scn_w_links(w, scn);
    scn_w_disk(w, &scn->disk, &def->disk);
    scn_w_workload(w, &scn->workload);
    scn_w_budget(w, &scn->budget, &def->budget);
    scn_w_params(w, scn);
    if (scn->action_count > 0)
        scn_w_str(w, "\n");
    for (uint32_t i = 0; i < scn->action_count; i++)
        scn_w_action(w, scn, &scn->actions[i]);
    if (scn->expect_count > 0 || scn->liveness.within_ns > 0)
        scn_w_str(w, "\n");
    if (scn->liveness.within_ns > 0) {
        scn_w_str(w, "liveness within=");
        scn_w_duration(w, scn->liveness.within_ns);
        if (scn->liveness.after_ns > 0) {
            scn_w_str(w, " after=");
            scn_w_duration(w, scn->liveness.after_ns);
        }
        scn_w_str(w, "\n");
    }
    for (uint32_t i = 0; i < scn->expect_count; i++) {
        const pod_expect *e = &scn->expects[i];
        scn_w_fmt(w, "expect %s %s %" PRIu64 "\n", e->counter, scn_w_cmp_name(e->cmp), e->value);
    }
}

bool pod_scenario_write(const pod_scenario *scn, const char *header_comment, char *out,
                        size_t out_len, size_t *len_out) {
    assert(scn != NULL && len_out != NULL);
    assert(out != NULL || out_len == 0);
    /* Checked in every build: text from a scenario the parser could not
     * have produced would not read back, and that must not go unnoticed. */
    const char *bad = scn_w_check(scn);
    if (bad != NULL) {
        fprintf(stderr, "pod_scenario_write: invalid scenario: %s\n", bad);
        abort();
    }
    *len_out = 0;
    scn_w_defaults def;
    if (!scn_w_load_defaults(&def))
        return false;

    scn_w count = {NULL, 0, 0};
    scn_w_scenario(&count, scn, header_comment, &def);
    *len_out = count.len;
    if (count.len > POD_SCN_FILE_MAX || count.len >= out_len)
        return false;

    scn_w w = {out, out_len, 0};
    scn_w_scenario(&w, scn, header_comment, &def);
    assert(w.len == count.len);
    out[w.len] = '\0';
    return true;
}

/* ---- files ---- */

static bool scn_w_fail(char *err, size_t err_len, const char *fmt, ...) SCN_W_PRINTF(3, 4);

static bool scn_w_fail(char *err, size_t err_len, const char *fmt, ...) {
    if (err != NULL && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Writes all of text to path; on failure removes what it created. */
static bool scn_w_save(const char *path, const char *text, size_t len, char *err,
                       size_t err_len) {
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return scn_w_fail(err, err_len, "%s: cannot create the file: %s", path, strerror(errno));
    errno = 0;
    size_t n = fwrite(text, 1, len, f);
    int write_errno = errno;
    bool flushed = fflush(f) == 0;
    int flush_errno = errno;
    bool closed = fclose(f) == 0;
    int close_errno = errno;
    if (n == len && flushed && closed)
        return true;
    int e = n != len ? write_errno : !flushed ? flush_errno : close_errno;
    remove(path);
    return scn_w_fail(err, err_len, "%s: cannot write the file: %s", path,
                      e != 0 ? strerror(e) : "write error");
}

bool pod_scenario_write_file(const pod_scenario *scn, const char *header_comment,
                             const char *path, char *err, size_t err_len) {
    assert(scn != NULL && path != NULL);
    if (err != NULL && err_len > 0)
        err[0] = '\0';
    char *text = malloc(POD_SCN_WRITE_SIZE_MAX);
    if (text == NULL)
        return scn_w_fail(err, err_len, "%s: out of memory for the scenario text", path);
    size_t len = 0;
    bool ok = pod_scenario_write(scn, header_comment, text, POD_SCN_WRITE_SIZE_MAX, &len);
    if (!ok && len == 0)
        ok = scn_w_fail(err, err_len, "%s: out of memory for the scenario text", path);
    else if (!ok)
        ok = scn_w_fail(err, err_len,
                        "%s: the scenario text would be %zu bytes; a scenario file has at most %u",
                        path, len, POD_SCN_FILE_MAX);
    else
        ok = scn_w_save(path, text, len, err, err_len);
    free(text);
    return ok;
}

/* ---- comparison ---- */

typedef struct scn_eq {
    char *why;
    size_t why_len;
} scn_eq;

static bool scn_eq_fail(const scn_eq *q, const char *fmt, ...) SCN_W_PRINTF(2, 3);

static bool scn_eq_fail(const scn_eq *q, const char *fmt, ...) {
    if (q->why != NULL && q->why_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(q->why, q->why_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

static bool scn_eq_u64(const scn_eq *q, const char *what, uint64_t a, uint64_t b) {
    if (a == b)
        return true;
    return scn_eq_fail(q, "%s: %" PRIu64 " != %" PRIu64, what, a, b);
}

/* Same as scn_eq_u64 with an index in the name: "actions[3].at_ns". */
static bool scn_eq_u64_at(const scn_eq *q, const char *array, uint32_t i, const char *field,
                          uint64_t a, uint64_t b) {
    if (a == b)
        return true;
    char what[64];
    snprintf(what, sizeof what, "%s[%" PRIu32 "].%s", array, i, field);
    return scn_eq_u64(q, what, a, b);
}

/* Names and values are NUL-terminated inside fixed arrays; both sides are
 * quoted, so odd bytes in a parameter value show as \xNN. */
static bool scn_eq_str_at(const scn_eq *q, const char *array, uint32_t i, const char *field,
                          const char *a, size_t a_size, const char *b, size_t b_size) {
    size_t a_len = strnlen(a, a_size), b_len = strnlen(b, b_size);
    if (a_len == b_len && memcmp(a, b, a_len) == 0)
        return true;
    char qa[SCN_QUOTE_SIZE], qb[SCN_QUOTE_SIZE];
    scn_quote(qa, a, a_len);
    scn_quote(qb, b, b_len);
    if (array == NULL)
        return scn_eq_fail(q, "%s: %s != %s", field, qa, qb);
    return scn_eq_fail(q, "%s[%" PRIu32 "].%s: %s != %s", array, i, field, qa, qb);
}

/* A network model's fields, named "PREFIX.FIELD"; only the latency fields
 * its distribution uses. */
static bool scn_eq_model(const scn_eq *q, const char *prefix, const pod_network_model *a,
                         const pod_network_model *b) {
    static const char *const fields[] = {"latency_kind", "latency_min_ns", "latency_max_ns",
                                         "latency_mean_ns", "drop_ppm", "dup_ppm",
                                         "corrupt_ppm"};
    bool exp = a->latency_kind == POD_LATENCY_EXP;
    const uint64_t va[] = {(uint64_t)a->latency_kind, a->latency_min_ns, a->latency_max_ns,
                           a->latency_mean_ns, a->drop_ppm, a->dup_ppm, a->corrupt_ppm};
    const uint64_t vb[] = {(uint64_t)b->latency_kind, b->latency_min_ns, b->latency_max_ns,
                           b->latency_mean_ns, b->drop_ppm, b->dup_ppm, b->corrupt_ppm};
    for (size_t i = 0; i < SCN_W_COUNT(fields); i++) {
        if ((i == 2 && exp) || (i == 3 && !exp))
            continue; /* the distribution does not use it */
        char what[64];
        snprintf(what, sizeof what, "%s.%s", prefix, fields[i]);
        if (!scn_eq_u64(q, what, va[i], vb[i]))
            return false;
    }
    return true;
}

static bool scn_eq_network(const scn_eq *q, const pod_network_model *a,
                           const pod_network_model *b) {
    return scn_eq_model(q, "network", a, b);
}

/* Every link either names behaves the same in both: its `link` settings
 * over its network line. */
static bool scn_eq_links(const scn_eq *q, const pod_scenario *a, const pod_scenario *b) {
    for (int side = 0; side < 2; side++) {
        const pod_scenario *s = side == 0 ? a : b;
        for (uint32_t i = 0; i < s->link_count && i < POD_SCN_LINKS_MAX; i++) {
            pod_network_model ma, mb;
            pod_scenario_link_model(a, s->links[i].from, s->links[i].to, &ma);
            pod_scenario_link_model(b, s->links[i].from, s->links[i].to, &mb);
            char prefix[48];
            snprintf(prefix, sizeof prefix, "link n%u -> n%u", (unsigned)s->links[i].from + 1,
                     (unsigned)s->links[i].to + 1);
            if (!scn_eq_model(q, prefix, &ma, &mb))
                return false;
        }
    }
    return true;
}

static bool scn_eq_disk(const scn_eq *q, const pod_disk_model *a, const pod_disk_model *b) {
    return scn_eq_u64(q, "disk.sector_bytes", a->sector_bytes, b->sector_bytes) &&
           scn_eq_u64(q, "disk.write_latency_min_ns", a->write_latency_min_ns,
                      b->write_latency_min_ns) &&
           scn_eq_u64(q, "disk.write_latency_max_ns", a->write_latency_max_ns,
                      b->write_latency_max_ns) &&
           scn_eq_u64(q, "disk.sync_latency_min_ns", a->sync_latency_min_ns,
                      b->sync_latency_min_ns) &&
           scn_eq_u64(q, "disk.sync_latency_max_ns", a->sync_latency_max_ns,
                      b->sync_latency_max_ns) &&
           scn_eq_u64(q, "disk.read_eio_ppm", a->read_eio_ppm, b->read_eio_ppm) &&
           scn_eq_u64(q, "disk.write_enospc_ppm", a->write_enospc_ppm, b->write_enospc_ppm) &&
           scn_eq_u64(q, "disk.fsync_eio_ppm", a->fsync_eio_ppm, b->fsync_eio_ppm) &&
           scn_eq_u64(q, "disk.dir_fsync_eio_ppm", a->dir_fsync_eio_ppm, b->dir_fsync_eio_ppm) &&
           scn_eq_u64(q, "disk.bitflip_ppm", a->bitflip_ppm, b->bitflip_ppm) &&
           scn_eq_u64(q, "disk.stall_ppm", a->stall_ppm, b->stall_ppm) &&
           scn_eq_u64(q, "disk.stall_min_ns", a->stall_min_ns, b->stall_min_ns) &&
           scn_eq_u64(q, "disk.stall_max_ns", a->stall_max_ns, b->stall_max_ns);
}

/* Without clients there is no workload, whatever its settings say. */
static bool scn_eq_workload(const scn_eq *q, const pod_workload *a, const pod_workload *b) {
    if (!scn_eq_u64(q, "workload.clients", a->clients, b->clients))
        return false;
    if (a->clients == 0)
        return true;
    for (uint32_t op = 0; op < POD_WL_OP_COUNT; op++) {
        if (a->mix[op] != b->mix[op])
            return scn_eq_fail(q, "workload.mix[%s]: %" PRIu32 " != %" PRIu32, scn_w_op_names[op],
                               a->mix[op], b->mix[op]);
    }
    return scn_eq_u64(q, "workload.keys", a->keys, b->keys) &&
           scn_eq_u64(q, "workload.dist", (uint64_t)a->dist, (uint64_t)b->dist) &&
           scn_eq_u64(q, "workload.value_min_bytes", a->value_min_bytes, b->value_min_bytes) &&
           scn_eq_u64(q, "workload.value_max_bytes", a->value_max_bytes, b->value_max_bytes) &&
           scn_eq_u64(q, "workload.think_min_ns", a->think_min_ns, b->think_min_ns) &&
           scn_eq_u64(q, "workload.think_max_ns", a->think_max_ns, b->think_max_ns) &&
           scn_eq_u64(q, "workload.timeout_ns", a->timeout_ns, b->timeout_ns);
}

/* A partition's or a flap's groups, for the nodes of the cluster. */
static bool scn_eq_groups(const scn_eq *q, uint32_t i, uint16_t node_count, const pod_action *a,
                          const pod_action *b) {
    if (!scn_eq_u64_at(q, "actions", i, "group_count", a->group_count, b->group_count))
        return false;
    for (uint32_t n = 0; n < node_count && n < POD_NODES_MAX; n++) {
        if (a->group_of[n] != b->group_of[n])
            return scn_eq_fail(q, "actions[%" PRIu32 "].group_of[n%" PRIu32 "]: %u != %u", i,
                               n + 1, (unsigned)a->group_of[n], (unsigned)b->group_of[n]);
    }
    return true;
}

/* Only what the action's kind uses: its nodes, or its groups for the
 * nodes of the cluster. */
static bool scn_eq_action(const scn_eq *q, uint32_t i, uint16_t node_count, const pod_action *a,
                          const pod_action *b) {
    if (!scn_eq_u64_at(q, "actions", i, "at_ns", a->at_ns, b->at_ns))
        return false;
    if (a->kind != b->kind) {
        const char *ka = scn_w_action_name(a->kind), *kb = scn_w_action_name(b->kind);
        return scn_eq_fail(q, "actions[%" PRIu32 "].kind: %s != %s", i, ka ? ka : "?",
                           kb ? kb : "?");
    }
    switch (a->kind) {
    case POD_ACT_BLOCK:
        return scn_eq_u64_at(q, "actions", i, "node", a->node, b->node) &&
               scn_eq_u64_at(q, "actions", i, "peer", a->peer, b->peer);
    case POD_ACT_CLOG:
        return scn_eq_u64_at(q, "actions", i, "node", a->node, b->node) &&
               scn_eq_u64_at(q, "actions", i, "peer", a->peer, b->peer) &&
               scn_eq_u64_at(q, "actions", i, "both_ways", a->both_ways, b->both_ways) &&
               scn_eq_u64_at(q, "actions", i, "for_ns", a->for_ns, b->for_ns);
    case POD_ACT_CRASH:
    case POD_ACT_RESTART:
    case POD_ACT_PAUSE:
    case POD_ACT_RESUME:
    case POD_ACT_ISOLATE:
        return scn_eq_u64_at(q, "actions", i, "node", a->node, b->node);
    case POD_ACT_FLAP:
        return scn_eq_u64_at(q, "actions", i, "until_ns", a->until_ns, b->until_ns) &&
               scn_eq_u64_at(q, "actions", i, "every_ns", a->every_ns, b->every_ns) &&
               scn_eq_groups(q, i, node_count, a, b);
    case POD_ACT_PARTITION:
        /* `partition leader | rest`: the target is all; otherwise the node
         * field is unused and only the groups count. */
        if (pod_node_is_target(a->node) || pod_node_is_target(b->node))
            return scn_eq_u64_at(q, "actions", i, "node", a->node, b->node);
        return scn_eq_groups(q, i, node_count, a, b);
    case POD_ACT_HEAL:
        return true;
    }
    return true;
}

static bool scn_eq_lists(const scn_eq *q, const pod_scenario *a, const pod_scenario *b) {
    if (!scn_eq_u64(q, "param_count", a->param_count, b->param_count))
        return false;
    for (uint32_t i = 0; i < a->param_count && i < POD_SCN_PARAMS_MAX; i++) {
        const pod_scn_param *pa = &a->params[i], *pb = &b->params[i];
        if (!scn_eq_str_at(q, "params", i, "key", pa->key, sizeof pa->key, pb->key,
                           sizeof pb->key) ||
            !scn_eq_str_at(q, "params", i, "value", pa->value, sizeof pa->value, pb->value,
                           sizeof pb->value))
            return false;
    }
    if (!scn_eq_u64(q, "action_count", a->action_count, b->action_count))
        return false;
    for (uint32_t i = 0; i < a->action_count && i < POD_SCN_ACTIONS_MAX; i++) {
        if (!scn_eq_action(q, i, a->node_count, &a->actions[i], &b->actions[i]))
            return false;
    }
    if (!scn_eq_u64(q, "expect_count", a->expect_count, b->expect_count))
        return false;
    for (uint32_t i = 0; i < a->expect_count && i < POD_SCN_EXPECTS_MAX; i++) {
        const pod_expect *ea = &a->expects[i], *eb = &b->expects[i];
        if (!scn_eq_str_at(q, "expects", i, "counter", ea->counter, sizeof ea->counter,
                           eb->counter, sizeof eb->counter))
            return false;
        if (ea->cmp != eb->cmp) {
            const char *ca = scn_w_cmp_name(ea->cmp), *cb = scn_w_cmp_name(eb->cmp);
            return scn_eq_fail(q, "expects[%" PRIu32 "].cmp: %s != %s", i, ca ? ca : "?",
                               cb ? cb : "?");
        }
        if (!scn_eq_u64_at(q, "expects", i, "value", ea->value, eb->value))
            return false;
    }
    /* Without a bound there is no liveness line, whatever after= says. */
    if (!scn_eq_u64(q, "liveness.within_ns", a->liveness.within_ns, b->liveness.within_ns))
        return false;
    return a->liveness.within_ns == 0 ||
           scn_eq_u64(q, "liveness.after_ns", a->liveness.after_ns, b->liveness.after_ns);
}

bool pod_scenario_equal(const pod_scenario *a, const pod_scenario *b, char *why, size_t why_len) {
    assert(a != NULL && b != NULL);
    scn_eq q = {why, why_len};
    if (why != NULL && why_len > 0)
        why[0] = '\0';
    bool same =
        scn_eq_str_at(&q, NULL, 0, "node_type", a->node_type, sizeof a->node_type, b->node_type,
                      sizeof b->node_type) &&
        scn_eq_u64(&q, "node_count", a->node_count, b->node_count) &&
        scn_eq_u64(&q, "has_seed", a->has_seed, b->has_seed) &&
        (!a->has_seed || scn_eq_u64(&q, "seed", a->seed, b->seed)) &&
        scn_eq_u64(&q, "run_ns", a->run_ns, b->run_ns) &&
        scn_eq_network(&q, &a->network, &b->network) && scn_eq_links(&q, a, b) &&
        scn_eq_disk(&q, &a->disk, &b->disk) &&
        scn_eq_workload(&q, &a->workload, &b->workload) &&
        scn_eq_u64(&q, "budget.events_max", a->budget.events_max, b->budget.events_max) &&
        scn_eq_u64(&q, "budget.pending_max", a->budget.pending_max, b->budget.pending_max) &&
        scn_eq_lists(&q, a, b);
    return same;
}
