/* linearizability.c — the verdict on a key-value history: prepare the
 * operations, split the keys into independent components, search each.
 *
 * Components (P-compositionality, Horn & Kroening): linearizability is
 * local — a history is linearizable iff its restriction to each object is
 * (Herlihy & Wing). Here an "object" is a set of keys no operation links
 * to a key outside it: single-key operations keep keys apart, and a
 * transaction (or any multi-key command) joins the keys it touches, so a
 * component is a connected component of the graph "keys touched by one
 * operation". Every operation then belongs to exactly one component, the
 * model's state factors into one state per component, and each component
 * is searched alone — small searches instead of one large one.
 *
 * Components are numbered by their first operation in the history and
 * checked smallest first (then by number), so that many small ones are
 * decided before a large one may spend the step budget. The first
 * component found not linearizable ends the check; a component that hits
 * a limit is reported UNKNOWN unless another fails. */
#include "sim/linearizability.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/lin_internal.h"

void pod_lin_limits_default(pod_lin_limits *out) {
    *out = (pod_lin_limits){.component_ops_max = POD_LIN_COMPONENT_OPS_DEFAULT,
                            .steps_max = POD_LIN_STEPS_DEFAULT,
                            .memo_bytes_max = POD_LIN_MEMO_BYTES_DEFAULT,
                            .explain_steps_max = POD_LIN_EXPLAIN_STEPS_DEFAULT,
                            .explain_trials_max = POD_LIN_EXPLAIN_TRIALS_DEFAULT};
}

const char *pod_lin_verdict_name(pod_lin_verdict verdict) {
    switch (verdict) {
    case POD_LIN_LINEARIZABLE: return "linearizable";
    case POD_LIN_NOT_LINEARIZABLE: return "not linearizable";
    case POD_LIN_UNKNOWN: return "unknown";
    }
    return "?";
}

const char *pod_lin_reason_name(pod_lin_reason reason) {
    switch (reason) {
    case POD_LIN_REASON_NONE: return "none";
    case POD_LIN_REASON_OPS_LIMIT: return "operations limit";
    case POD_LIN_REASON_STEPS_LIMIT: return "steps limit";
    case POD_LIN_REASON_MEMO_LIMIT: return "visited-state cache limit";
    case POD_LIN_REASON_NO_MEMORY: return "out of memory";
    case POD_LIN_REASON_BAD_HISTORY: return "bad history";
    }
    return "?";
}

/* --- components ---------------------------------------------------------------- */

typedef struct lin_components {
    uint32_t *parent;       /* union-find over key ids */
    uint32_t *comp_of_key;  /* key id -> component */
    uint32_t *slot_of_key;  /* key id -> slot in its component's state */
    uint32_t count;
    uint32_t *first;        /* component -> its first position in ops */
    uint32_t *size;         /* component -> operations */
    uint32_t *slots;        /* component -> keys */
    uint32_t *ops;          /* op indexes, grouped by component, each by invocation */
    uint32_t *order;        /* components in checking order */
} lin_components;

static void components_free(lin_components *c) {
    free(c->parent);
    free(c->comp_of_key);
    free(c->slot_of_key);
    free(c->first);
    free(c->size);
    free(c->slots);
    free(c->ops);
    free(c->order);
    memset(c, 0, sizeof *c);
}

static uint32_t uf_find(uint32_t *parent, uint32_t k) {
    while (parent[k] != k) {
        parent[k] = parent[parent[k]]; /* path halving */
        k = parent[k];
    }
    return k;
}

/* Joins two sets; the smaller id becomes the root, so the result does not
 * depend on the order of the unions. */
static void uf_union(uint32_t *parent, uint32_t a, uint32_t b) {
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
}

typedef struct lin_sort_item {
    uint64_t key1;
    uint64_t key2;
    uint32_t key3;
    uint32_t value;
} lin_sort_item;

static int sort_item_cmp(const void *a, const void *b) {
    const lin_sort_item *x = a, *y = b;
    if (x->key1 != y->key1) return x->key1 < y->key1 ? -1 : 1;
    if (x->key2 != y->key2) return x->key2 < y->key2 ? -1 : 1;
    return (x->key3 > y->key3) - (x->key3 < y->key3);
}

static bool components_alloc(lin_components *c, uint32_t keys, uint32_t ops) {
    c->parent = malloc((size_t)(keys + 1) * sizeof *c->parent);
    c->comp_of_key = malloc((size_t)(keys + 1) * sizeof *c->comp_of_key);
    c->slot_of_key = calloc((size_t)keys + 1, sizeof *c->slot_of_key);
    c->first = calloc((size_t)keys + 1, sizeof *c->first);
    c->size = calloc((size_t)keys + 1, sizeof *c->size);
    c->slots = calloc((size_t)keys + 1, sizeof *c->slots);
    c->order = calloc((size_t)keys + 1, sizeof *c->order);
    c->ops = malloc((size_t)(ops ? ops : 1) * sizeof *c->ops);
    return c->parent && c->comp_of_key && c->slot_of_key && c->first && c->size && c->slots && c->order &&
           c->ops;
}

/* Numbers the components by their first operation; gives keys slots. */
static void components_number(lin_components *c, const lin_prep *p) {
    uint32_t keys = p->keys.count;
    uint32_t *comp_of_root = c->comp_of_key; /* reused: roots first, then every key */
    for (uint32_t k = 0; k <= keys; k++) comp_of_root[k] = LIN_NONE;
    for (uint32_t i = 0; i < p->op_count; i++) {
        uint32_t root = uf_find(c->parent, p->parts[p->ops[i].part_first].key);
        if (comp_of_root[root] == LIN_NONE) comp_of_root[root] = c->count++;
    }
    for (uint32_t k = 1; k <= keys; k++) {
        uint32_t root = uf_find(c->parent, k);
        assert(comp_of_root[root] != LIN_NONE);
        c->comp_of_key[k] = comp_of_root[root]; /* root <= k: already final */
    }
    for (uint32_t k = 1; k <= keys; k++) c->slot_of_key[k] = c->slots[c->comp_of_key[k]]++;
}

/* Groups operations by component, each group in invocation order, and
 * sorts the components for checking. */
static bool components_group(lin_components *c, const lin_prep *p) {
    uint32_t n = p->op_count > c->count ? p->op_count : c->count;
    lin_sort_item *items = malloc((size_t)(n ? n : 1) * sizeof *items);
    if (!items) return false;
    for (uint32_t i = 0; i < p->op_count; i++) {
        const lin_op *o = &p->ops[i];
        uint32_t comp = c->comp_of_key[p->parts[o->part_first].key];
        items[i] = (lin_sort_item){.key1 = comp, .key2 = o->invoke_ns, .key3 = o->hist, .value = i};
        c->size[comp]++;
    }
    qsort(items, p->op_count, sizeof *items, sort_item_cmp);
    for (uint32_t i = 0; i < p->op_count; i++) {
        c->ops[i] = items[i].value;
        if (i == 0 || items[i].key1 != items[i - 1].key1) c->first[items[i].key1] = i;
    }
    for (uint32_t k = 0; k < c->count; k++) items[k] = (lin_sort_item){.key1 = c->size[k], .key2 = k, .value = k};
    qsort(items, c->count, sizeof *items, sort_item_cmp);
    for (uint32_t k = 0; k < c->count; k++) c->order[k] = items[k].value;
    free(items);
    return true;
}

static bool components_build(lin_components *c, const lin_prep *p) {
    memset(c, 0, sizeof *c);
    uint32_t keys = p->keys.count;
    if (!components_alloc(c, keys, p->op_count)) return false;
    for (uint32_t k = 0; k <= keys; k++) c->parent[k] = k;
    for (uint32_t i = 0; i < p->op_count; i++) {
        const lin_op *o = &p->ops[i];
        for (uint32_t j = 1; j < o->part_count; j++) {
            uf_union(c->parent, p->parts[o->part_first].key, p->parts[o->part_first + j].key);
        }
    }
    components_number(c, p);
    return components_group(c, p);
}

static lin_problem component_problem(const lin_prep *p, const lin_components *c, uint32_t comp) {
    return (lin_problem){.prep = p, .ops = c->ops + c->first[comp], .count = c->size[comp],
                         .slot_of_key = c->slot_of_key, .slots = c->slots[comp]};
}

/* --- the verdict ----------------------------------------------------------------- */

typedef struct lin_run {
    const pod_lin_limits *limits;
    const lin_prep *prep;
    const lin_components *comps;
    pod_lin_result *out;
    uint64_t steps_left;
    uint32_t unknown_comp;       /* the first component left undecided */
    pod_lin_reason unknown_reason;
} lin_run;

static void note_unknown(lin_run *r, uint32_t comp, pod_lin_reason reason) {
    if (r->unknown_reason != POD_LIN_REASON_NONE) return;
    r->unknown_comp = comp;
    r->unknown_reason = reason;
}

/* Searches one component; true when it is not linearizable. */
static bool check_component(lin_run *r, uint32_t comp, lin_outcome *outcome) {
    pod_lin_stats *st = &r->out->stats;
    lin_problem prob = component_problem(r->prep, r->comps, comp);
    if (prob.count > st->largest_component_ops) st->largest_component_ops = prob.count;
    if (prob.count > r->limits->component_ops_max) {
        note_unknown(r, comp, POD_LIN_REASON_OPS_LIMIT);
        return false;
    }
    if (r->steps_left == 0) {
        note_unknown(r, comp, POD_LIN_REASON_STEPS_LIMIT);
        return false;
    }
    lin_budget budget = {.steps_max = r->steps_left, .memo_bytes_max = r->limits->memo_bytes_max};
    lin_search(&prob, &budget, outcome);
    r->steps_left -= outcome->steps;
    st->steps += outcome->steps;
    st->states += outcome->states;
    if (outcome->memo_bytes > st->memo_bytes_peak) st->memo_bytes_peak = outcome->memo_bytes;
    if (outcome->verdict == POD_LIN_UNKNOWN) {
        note_unknown(r, comp, outcome->reason);
        return false;
    }
    st->components_checked++;
    return outcome->verdict == POD_LIN_NOT_LINEARIZABLE;
}

static void explain_failure(lin_run *r, uint32_t comp, const lin_outcome *outcome) {
    lin_problem prob = component_problem(r->prep, r->comps, comp);
    lin_culprits culprits;
    if (!lin_explain_shrink(&prob, outcome->frontier, r->limits, &culprits)) {
        /* Out of memory while explaining: the verdict stands, the whole
         * component is the culprit set. */
        culprits = (lin_culprits){.ops = (uint32_t *)prob.ops, .count = prob.count};
        lin_explain_format(r->prep, &prob, &culprits, r->out);
        return;
    }
    r->out->stats.explain_steps = culprits.steps;
    r->out->stats.explain_trials = culprits.trials;
    lin_explain_format(r->prep, &prob, &culprits, r->out);
    lin_culprits_free(&culprits);
}

/* "keys k1, k2 (+3 more)" of one component, for messages. */
static void format_component_keys(const lin_run *r, uint32_t comp, char *buf, size_t cap, size_t *at) {
    uint32_t shown = 0, total = 0;
    for (uint32_t k = 1; k <= r->prep->keys.count; k++) {
        if (r->comps->comp_of_key[k] != comp) continue;
        total++;
        if (shown == 4) continue;
        if (shown++) lin_appendf(buf, cap, at, ", ");
        lin_format_key(r->prep, k, buf, cap, at);
    }
    if (total > shown) lin_appendf(buf, cap, at, " (+%" PRIu32 " more)", total - shown);
}

static void summarize_unknown(lin_run *r) {
    pod_lin_result *out = r->out;
    size_t at = 0;
    char *buf = out->summary;
    lin_appendf(buf, sizeof out->summary, &at, "unknown (%s): the component of keys ",
                pod_lin_reason_name(r->unknown_reason));
    format_component_keys(r, r->unknown_comp, buf, sizeof out->summary, &at);
    lin_appendf(buf, sizeof out->summary, &at,
                " (%" PRIu32 " operations) was not decided; %" PRIu32 " of %" PRIu32
                " components were, none failed; %" PRIu64 " steps",
                r->comps->size[r->unknown_comp], out->stats.components_checked, out->stats.components,
                out->stats.steps);
    at = 0;
    lin_appendf(out->explanation, sizeof out->explanation, &at, "%s\n", out->summary);
}

static void summarize_pass(pod_lin_result *out) {
    const pod_lin_stats *st = &out->stats;
    size_t at = 0;
    lin_appendf(out->summary, sizeof out->summary, &at,
                "linearizable: %" PRIu32 " operations (%" PRIu32 " checked, %" PRIu32
                " without an answer), %" PRIu32 " keys in %" PRIu32 " components; %" PRIu64 " states, %" PRIu64
                " steps",
                st->ops, st->ops_checked, st->ops_unknown, st->keys, st->components, st->states, st->steps);
    at = 0;
    lin_appendf(out->explanation, sizeof out->explanation, &at, "%s\n", out->summary);
}

static pod_lin_verdict run_components(lin_run *r) {
    const lin_components *c = r->comps;
    for (uint32_t k = 0; k < c->count; k++) {
        uint32_t comp = c->order[k];
        lin_outcome outcome;
        if (check_component(r, comp, &outcome)) {
            explain_failure(r, comp, &outcome);
            return POD_LIN_NOT_LINEARIZABLE;
        }
        if (r->unknown_reason == POD_LIN_REASON_NO_MEMORY) break;
    }
    if (r->unknown_reason != POD_LIN_REASON_NONE) {
        r->out->reason = r->unknown_reason;
        summarize_unknown(r);
        return POD_LIN_UNKNOWN;
    }
    summarize_pass(r->out);
    return POD_LIN_LINEARIZABLE;
}

static pod_lin_verdict fail_early(pod_lin_result *out, pod_lin_reason reason, const char *message) {
    out->verdict = POD_LIN_UNKNOWN;
    out->reason = reason;
    size_t at = 0;
    lin_appendf(out->summary, sizeof out->summary, &at, "unknown (%s)%s%s", pod_lin_reason_name(reason),
                message[0] ? ": " : "", message);
    at = 0;
    lin_appendf(out->explanation, sizeof out->explanation, &at, "%s\n", out->summary);
    return out->verdict;
}

pod_lin_verdict pod_lin_check_with(const pod_history *h, const pod_lin_limits *limits,
                                   pod_lin_result *out) {
    assert(h != NULL && limits != NULL && out != NULL);
    assert(limits->component_ops_max > 0 && limits->steps_max > 0 && limits->memo_bytes_max > 0);
    assert(limits->explain_steps_max > 0 && limits->explain_trials_max > 0);
    memset(out, 0, sizeof *out);
    lin_prep prep;
    char message[LIN_MESSAGE_MAX];
    pod_lin_reason reason = lin_prep_build(&prep, h, &out->stats, message);
    if (reason != POD_LIN_REASON_NONE) {
        lin_prep_free(&prep);
        return fail_early(out, reason, message);
    }
    lin_components comps;
    if (!components_build(&comps, &prep)) {
        components_free(&comps);
        lin_prep_free(&prep);
        return fail_early(out, POD_LIN_REASON_NO_MEMORY, "");
    }
    out->stats.components = comps.count;
    lin_run run = {.limits = limits, .prep = &prep, .comps = &comps, .out = out,
                   .steps_left = limits->steps_max};
    out->verdict = run_components(&run);
    components_free(&comps);
    lin_prep_free(&prep);
    return out->verdict;
}

pod_lin_verdict pod_lin_check(const pod_history *h, pod_lin_result *out) {
    pod_lin_limits limits;
    pod_lin_limits_default(&limits);
    return pod_lin_check_with(h, &limits, out);
}
