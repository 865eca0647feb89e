/* lin_reach.c — can every value still needed be reached? A cheap test that
 * lets the linearizability search drop a configuration with no completion
 * as soon as it is made, instead of after exploring everything below it.
 *
 * Why: when two concurrent writes to one key are ordered the wrong way, the
 * read that shows it may come a hundred operations later; the search then
 * exhausts every interleaving of the operations in between (on other keys,
 * joined to this one by transactions) before it backtracks far enough.
 * (bench/cluster-steady.scn seed 1: one such choice cost 117,000 of the
 * search's 195,000 steps.)
 *
 * The test: an answered operation not yet ordered that needs key slot s to
 * hold value v (a get that returned v, a get or delete that found nothing,
 * a CAS or transaction whose checks passed) can only be ordered once s
 * holds v. If s does not hold v now and no operation still unordered may
 * write v to s, it never will: the configuration is dead. Unordered
 * operations counted as possible writers are the answered ones whose answer
 * says they wrote, and the unanswered ones not placed (they may take effect
 * later). Over-counting writers only weakens the test, never makes it
 * wrong; so the verdict of a search is unchanged, only the steps it takes.
 *
 * Counts per (slot, value) pair, for the pairs some operation needs:
 * `need` — answered unordered operations needing it; `writers` — unordered
 * operations that may write it. A step can kill a pair only by taking its
 * last writer or by moving its slot away from its value, so only those
 * pairs are tested after a step; backtracking restores a live
 * configuration and tests nothing. */
#include "sim/lin_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_store.h"

static uint64_t pair_word(uint32_t slot, uint32_t value) { return (uint64_t)slot << 32 | value; }

static int word_cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static const lin_op *reach_op(const lin_problem *p, uint32_t pos) { return &p->prep->ops[p->ops[pos]]; }

static uint32_t part_slot(const lin_problem *p, const lin_part *x) { return p->slot_of_key[x->key]; }

static bool part_checks(const lin_part *x) { return x->op == POD_KV_CAS || x->op == POD_KV_CHECK; }

/* Calls `emit` for each (slot, value) an answered operation needs to hold
 * when it takes effect. Needs of "any value but v" or "any value" (a CAS
 * that mismatched, a delete that found the key) are left out: the test is
 * for exact values only. Unanswered operations need nothing: they may
 * never take effect. */
static uint32_t op_needs(const lin_problem *p, const lin_op *o, uint64_t *out) {
    if (!lin_op_answered(o)) return 0;
    const lin_part *parts = &p->prep->parts[o->part_first];
    uint32_t slot0 = part_slot(p, &parts[0]);
    uint32_t n = 0;
    if (o->kind == POD_KV_GET && o->status == POD_KV_OK) out[n++] = pair_word(slot0, o->result);
    if ((o->kind == POD_KV_GET || o->kind == POD_KV_DELETE) && o->status == POD_KV_NOT_FOUND) {
        out[n++] = pair_word(slot0, LIN_ABSENT);
    }
    if ((o->kind == POD_KV_CAS || o->kind == POD_KV_TXN) && o->status == POD_KV_OK) {
        for (uint32_t k = 0; k < o->part_count; k++) {
            if (!part_checks(&parts[k])) continue;
            out[n++] = pair_word(part_slot(p, &parts[k]), parts[k].expect_absent ? LIN_ABSENT : parts[k].expected);
        }
    }
    return n;
}

/* The (slot, value) pairs an operation may write: every write of an
 * unanswered one; an answered one's only when its answer says it wrote. */
static uint32_t op_writes(const lin_problem *p, const lin_op *o, uint64_t *out) {
    if (lin_op_answered(o) && o->status != POD_KV_OK) return 0; /* not found, mismatch: no write */
    const lin_part *parts = &p->prep->parts[o->part_first];
    uint32_t n = 0;
    for (uint32_t k = 0; k < o->part_count; k++) {
        const lin_part *x = &parts[k];
        if (x->op == POD_KV_PUT || x->op == POD_KV_CAS) out[n++] = pair_word(part_slot(p, x), x->value);
        if (x->op == POD_KV_DELETE) out[n++] = pair_word(part_slot(p, x), LIN_ABSENT);
    }
    return n;
}

/* The index of a pair, or LIN_NONE when nobody needs it. */
static uint32_t pair_find(const lin_reach *r, uint32_t slot, uint32_t value) {
    uint64_t w = pair_word(slot, value);
    uint32_t lo = 0, hi = r->pair_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r->pairs[mid] < w) lo = mid + 1;
        else hi = mid;
    }
    return lo < r->pair_count && r->pairs[lo] == w ? lo : LIN_NONE;
}

void lin_reach_free(lin_reach *r) {
    free(r->pairs);
    free(r->need);
    free(r->writers);
    free(r->first);
    free(r->list);
    memset(r, 0, sizeof *r);
}

/* Collects the needed pairs, sorted and distinct. */
static bool collect_pairs(lin_reach *r, const lin_problem *p) {
    uint64_t scratch[POD_KV_TXN_PARTS_MAX];
    uint32_t total = 0;
    for (uint32_t pos = 0; pos < p->count; pos++) total += op_needs(p, reach_op(p, pos), scratch);
    r->pairs = malloc((size_t)(total ? total : 1) * sizeof *r->pairs);
    if (!r->pairs) return false;
    for (uint32_t pos = 0; pos < p->count; pos++) r->pair_count += op_needs(p, reach_op(p, pos), r->pairs + r->pair_count);
    qsort(r->pairs, r->pair_count, sizeof *r->pairs, word_cmp);
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < r->pair_count; i++) {
        if (distinct == 0 || r->pairs[distinct - 1] != r->pairs[i]) r->pairs[distinct++] = r->pairs[i];
    }
    r->pair_count = distinct;
    return true;
}

/* Appends the pair indexes of `words` that are needed to r->list. */
static void list_pairs(lin_reach *r, const uint64_t *words, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = pair_find(r, (uint32_t)(words[i] >> 32), (uint32_t)words[i]);
        if (at != LIN_NONE) r->list[r->list_count++] = at;
    }
}

bool lin_reach_build(lin_reach *r, const lin_problem *p) {
    memset(r, 0, sizeof *r);
    if (!collect_pairs(r, p)) return false;
    size_t m = p->count ? p->count : 1;
    r->need = calloc(r->pair_count ? r->pair_count : 1, sizeof *r->need);
    r->writers = calloc(r->pair_count ? r->pair_count : 1, sizeof *r->writers);
    r->first = calloc(2 * m + 1, sizeof *r->first);
    if (!r->need || !r->writers || !r->first) return false;
    uint64_t words[POD_KV_TXN_PARTS_MAX];
    /* Size the list exactly (most operations have one or two entries, a
     * transaction up to twice its parts): a first pass counts. */
    size_t entries = 0;
    for (uint32_t pos = 0; pos < p->count; pos++) {
        const lin_op *o = reach_op(p, pos);
        entries += op_needs(p, o, words);
        entries += op_writes(p, o, words);
    }
    r->list = malloc((entries ? entries : 1) * sizeof *r->list);
    if (!r->list) return false;
    for (uint32_t pos = 0; pos < p->count; pos++) { /* per op: its needs, then its writes */
        const lin_op *o = reach_op(p, pos);
        r->first[2 * pos] = r->list_count;
        list_pairs(r, words, op_needs(p, o, words));
        r->first[2 * pos + 1] = r->list_count;
        list_pairs(r, words, op_writes(p, o, words));
    }
    r->first[2 * p->count] = r->list_count;
    for (uint32_t pos = 0; pos < p->count; pos++) lin_reach_restore(r, pos); /* all start unordered */
    return true;
}

void lin_reach_take(lin_reach *r, uint32_t pos) {
    for (uint32_t i = r->first[2 * pos]; i < r->first[2 * pos + 1]; i++) {
        assert(r->need[r->list[i]] > 0);
        r->need[r->list[i]]--;
    }
    for (uint32_t i = r->first[2 * pos + 1]; i < r->first[2 * pos + 2]; i++) {
        assert(r->writers[r->list[i]] > 0);
        r->writers[r->list[i]]--;
    }
}

void lin_reach_restore(lin_reach *r, uint32_t pos) {
    for (uint32_t i = r->first[2 * pos]; i < r->first[2 * pos + 1]; i++) r->need[r->list[i]]++;
    for (uint32_t i = r->first[2 * pos + 1]; i < r->first[2 * pos + 2]; i++) r->writers[r->list[i]]++;
}

/* Is pair `at` needed, unwritable, and not held? */
static bool pair_dead(const lin_reach *r, uint32_t at, const lin_state *st) {
    uint32_t slot = (uint32_t)(r->pairs[at] >> 32), value = (uint32_t)r->pairs[at];
    return r->need[at] > 0 && r->writers[at] == 0 && st->values[slot] != value;
}

bool lin_reach_lost_by(const lin_reach *r, uint32_t pos, const lin_state *st, const lin_undo *undo, uint32_t from,
                       uint32_t to) {
    for (uint32_t i = r->first[2 * pos + 1]; i < r->first[2 * pos + 2]; i++) {
        if (pair_dead(r, r->list[i], st)) return true;
    }
    for (uint32_t u = from; u < to; u++) {
        uint32_t at = pair_find(r, undo[u].slot, undo[u].old);
        if (at != LIN_NONE && pair_dead(r, at, st)) return true;
    }
    return false;
}

bool lin_reach_lost(const lin_reach *r, const lin_state *st) {
    for (uint32_t at = 0; at < r->pair_count; at++) {
        if (pair_dead(r, at, st)) return true;
    }
    return false;
}
