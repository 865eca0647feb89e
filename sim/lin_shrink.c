/* lin_shrink.c — a small set of a failing component's operations that is
 * still not linearizable, and whose failure is the component's: the culprit
 * set the explanation shows.
 *
 * Removing operations can create a violation the full history does not
 * have: drop the put before "delete k -> ok" and the delete alone cannot
 * be ordered. So an operation may be removed only when no kept operation
 * could have seen its effect:
 *   - an operation without effect in any order (a get, a failed CAS or
 *     transaction, a delete answered not-found) may always go;
 *   - one that may write a key k may go only if no kept answered operation
 *     whose outcome depends on k (a get, CAS, check, answered delete) could
 *     have seen that write: each either finished before the write was
 *     invoked, or began after a kept definite overwrite of k (an answered
 *     put, delete, successful CAS or transaction) that itself began after
 *     the write finished, or saw a value of k other than the one written
 *     (a get's answer, a successful check's expected value) that a kept
 *     operation writes. A kept
 *     unanswered operation that could have seen it is no obstacle: it may
 *     be left out of the order (it has no answer to honour), and then its
 *     own writes count as gone, in turn.
 * Then any order of the whole history, restricted to the kept operations
 * (less those unanswered ones), is still an order of the kept set: every
 * kept answered operation sees the same values. So a kept set that cannot
 * be ordered proves the history cannot be either.
 *
 * The search for a small set (delta debugging, Zeller's ddmin, greedy):
 * first cut the operations invoked after the answer the search never got
 * past; bisect for the shortest failing prefix (with what it needs by the
 * rule), then keep only its last 16, 32, 64, ... operations (likewise);
 * then remove chunks, halving the chunk size down to one, keeping
 * every allowed removal after which the rest is still not linearizable;
 * passes of single removals repeat until none succeeds (1-minimal). Every
 * trial is a full search within the explanation's budget of steps and
 * trials; a trial that hits a limit counts as "removal failed", so the set
 * shown is always one the search proved non-linearizable. */
#include "sim/lin_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_store.h"

/* What an operation does to a slot, for the removal rule. */
static bool reads_part(const lin_op *o, const lin_part *x) {
    if (x->op == POD_KV_GET || x->op == POD_KV_CAS || x->op == POD_KV_CHECK) return true;
    return x->op == POD_KV_DELETE && o->kind == POD_KV_DELETE && lin_op_answered(o);
}

static bool writes_part(const lin_part *x) {
    return x->op == POD_KV_PUT || x->op == POD_KV_DELETE || x->op == POD_KV_CAS;
}

/* Can the operation change the state in some order? */
static bool effectful(const lin_op *o) {
    if (!lin_op_answered(o)) return true; /* unanswered reads were dropped before */
    return o->kind != POD_KV_GET && o->status == POD_KV_OK;
}

/* Does it leave the slot with a value of its own in every order? */
static bool overwrites_part(const lin_op *o, const lin_part *x) {
    if (!lin_op_answered(o) || !writes_part(x)) return false;
    if (o->kind == POD_KV_DELETE) return o->status == POD_KV_OK || o->status == POD_KV_NOT_FOUND;
    return o->status == POD_KV_OK;
}

/* The value a read part saw for sure: a get's answer, absent for a
 * not-found, a check's expected value when the check passed (or, for an
 * unanswered operation, when it took effect at all). LIN_NONE when the
 * answer only says "some value" or "not that value". */
static uint32_t exact_seen(const lin_op *o, const lin_part *x) {
    bool answered = lin_op_answered(o);
    if (x->op == POD_KV_GET) {
        if (o->status == POD_KV_OK) return o->result;
        return o->status == POD_KV_NOT_FOUND ? LIN_ABSENT : LIN_NONE;
    }
    if (x->op == POD_KV_DELETE) return o->status == POD_KV_NOT_FOUND ? LIN_ABSENT : LIN_NONE;
    if (!answered || o->status == POD_KV_OK) return x->expect_absent ? LIN_ABSENT : x->expected;
    return LIN_NONE;
}

static uint32_t written_value(const lin_part *x) { return x->op == POD_KV_DELETE ? LIN_ABSENT : x->value; }

/* A read of a kept operation, by (slot, value it saw) and invocation. */
typedef struct read_rec {
    uint32_t slot;
    uint32_t value;          /* exact_seen */
    uint64_t invoke;
    uint64_t done_max;       /* answered: max completion over its group up to here */
    uint32_t pos;            /* unanswered: its position */
} read_rec;

static int read_rec_cmp(const void *a, const void *b) {
    const read_rec *x = a, *y = b;
    if (x->slot != y->slot) return x->slot < y->slot ? -1 : 1;
    if (x->value != y->value) return x->value < y->value ? -1 : 1;
    return (x->invoke > y->invoke) - (x->invoke < y->invoke);
}

/* The kept operations' reads and overwrites: answered reads that saw an
 * exact value (ex), answered reads that did not (r_*, by slot),
 * unanswered reads (ux, all exact), and overwrites (o_*, by slot). */
typedef struct slot_index {
    uint64_t *written;      /* (slot << 32 | value) of every kept write, sorted */
    uint32_t written_count;
    read_rec *ex;
    uint32_t ex_count;
    read_rec *ux;
    uint32_t ux_count;
    uint32_t *r_start;      /* slots + 1 offsets */
    uint64_t *r_invoke;
    uint64_t *r_done_max;   /* max completion over the slot's readers [start, i] */
    uint32_t *o_start;
    uint64_t *o_invoke;
    uint64_t *o_done_min;   /* min completion over the slot's overwriters [i, end) */
    uint32_t *fill;         /* scratch, 2 per slot */
} slot_index;

typedef struct shrink_ctx {
    const lin_problem *full;
    const pod_lin_limits *limits;
    uint8_t *keep_flag;     /* per position: kept in the trial */
    uint8_t *gone_flag;     /* per position: its writes count as gone */
    uint32_t *cause;        /* per gone position: the removed one that made it gone */
    uint32_t *queue;        /* positions whose writes are gone, to follow */
    uint32_t *candidate;    /* positions of the trial set */
    uint32_t *trial_ops;    /* their op indexes */
    slot_index ix;
    uint64_t steps;
    uint32_t trials;
    bool budget_out;
} shrink_ctx;

static const lin_op *pos_op(const shrink_ctx *s, uint32_t pos) { return &s->full->prep->ops[s->full->ops[pos]]; }
static const lin_part *op_parts(const shrink_ctx *s, const lin_op *o) { return &s->full->prep->parts[o->part_first]; }
static uint32_t slot_of(const shrink_ctx *s, const lin_part *x) { return s->full->slot_of_key[x->key]; }

static int u64_cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Does a kept operation write `value` to `slot`? */
static bool kept_writes(const slot_index *ix, uint32_t slot, uint32_t value) {
    uint64_t key = (uint64_t)slot << 32 | value;
    uint32_t lo = 0, hi = ix->written_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->written[mid] < key) lo = mid + 1; else hi = mid;
    }
    return lo < ix->written_count && ix->written[lo] == key;
}

static void add_read(shrink_ctx *s, uint32_t pos, const lin_op *o, const lin_part *x, int pass) {
    slot_index *ix = &s->ix;
    uint32_t slot = slot_of(s, x), seen = exact_seen(o, x);
    /* An answered read of a value no kept operation writes tells nothing
     * about which write it saw: any may have been the one. */
    if (lin_op_answered(o) && seen != LIN_NONE && seen != LIN_ABSENT && !kept_writes(ix, slot, seen)) seen = LIN_NONE;
    read_rec r = {.slot = slot, .value = seen, .invoke = o->invoke_ns, .done_max = o->complete_ns, .pos = pos};
    if (!lin_op_answered(o)) {
        if (pass == 1) ix->ux[ix->ux_count++] = r;
    } else if (seen != LIN_NONE) {
        if (pass == 1) ix->ex[ix->ex_count++] = r;
    } else if (pass == 0) {
        ix->r_start[slot + 1]++;
    } else {
        uint32_t at = ix->fill[slot]++;
        uint64_t before = at > ix->r_start[slot] ? ix->r_done_max[at - 1] : 0;
        ix->r_invoke[at] = o->invoke_ns;
        ix->r_done_max[at] = o->complete_ns > before ? o->complete_ns : before;
    }
}

/* Counts (pass 0) or places (pass 1) the kept operations' parts. */
static void index_pass(shrink_ctx *s, const uint32_t *kept, uint32_t count, int pass) {
    slot_index *ix = &s->ix;
    uint32_t slots = s->full->slots;
    for (uint32_t i = 0; i < count; i++) {
        const lin_op *o = pos_op(s, kept[i]);
        for (uint32_t k = 0; k < o->part_count; k++) {
            const lin_part *x = &op_parts(s, o)[k];
            uint32_t slot = slot_of(s, x);
            if (reads_part(o, x)) add_read(s, kept[i], o, x, pass);
            if (!overwrites_part(o, x)) continue;
            if (pass == 0) {
                ix->o_start[slot + 1]++;
                continue;
            }
            uint32_t at = ix->fill[slots + slot]++;
            ix->o_invoke[at] = o->invoke_ns;
            ix->o_done_min[at] = o->complete_ns;
        }
    }
}

/* Fills the index from the kept positions (ascending: invocation order). */
static void index_build(shrink_ctx *s, const uint32_t *kept, uint32_t count) {
    slot_index *ix = &s->ix;
    uint32_t slots = s->full->slots;
    memset(ix->r_start, 0, (size_t)(slots + 1) * sizeof *ix->r_start);
    memset(ix->o_start, 0, (size_t)(slots + 1) * sizeof *ix->o_start);
    ix->ex_count = ix->ux_count = ix->written_count = 0;
    for (uint32_t i = 0; i < count; i++) {
        const lin_op *o = pos_op(s, kept[i]);
        for (uint32_t k = 0; k < o->part_count; k++) {
            const lin_part *x = &op_parts(s, o)[k];
            if (writes_part(x)) ix->written[ix->written_count++] = (uint64_t)slot_of(s, x) << 32 | written_value(x);
        }
    }
    qsort(ix->written, ix->written_count, sizeof *ix->written, u64_cmp);
    index_pass(s, kept, count, 0);
    for (uint32_t k = 0; k < slots; k++) {
        ix->r_start[k + 1] += ix->r_start[k];
        ix->o_start[k + 1] += ix->o_start[k];
        ix->fill[k] = ix->r_start[k];
        ix->fill[slots + k] = ix->o_start[k];
    }
    index_pass(s, kept, count, 1);
    for (uint32_t k = 0; k < slots; k++) { /* suffix minimum */
        for (uint32_t at = ix->o_start[k + 1]; at-- > ix->o_start[k] + 1;) {
            if (ix->o_done_min[at] < ix->o_done_min[at - 1]) ix->o_done_min[at - 1] = ix->o_done_min[at];
        }
    }
    qsort(ix->ex, ix->ex_count, sizeof *ix->ex, read_rec_cmp);
    qsort(ix->ux, ix->ux_count, sizeof *ix->ux, read_rec_cmp);
    for (uint32_t i = 1; i < ix->ex_count; i++) { /* running maximum within each (slot, value) */
        read_rec *r = &ix->ex[i], *prev = &ix->ex[i - 1];
        if (r->slot == prev->slot && r->value == prev->value && prev->done_max > r->done_max) r->done_max = prev->done_max;
    }
}

/* The latest invocation of a reader the write (finished at w_done) may
 * reach in `slot`: a reader begun after a kept overwrite that began after
 * the write finished, and finished, cannot see it. */
static uint64_t reach_of(const shrink_ctx *s, uint32_t slot, uint64_t w_done) {
    const slot_index *ix = &s->ix;
    if (w_done == LIN_TIME_NEVER) return UINT64_MAX;
    uint32_t lo = ix->o_start[slot], hi = ix->o_start[slot + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->o_invoke[mid] > w_done) hi = mid; else lo = mid + 1;
    }
    return lo < ix->o_start[slot + 1] ? ix->o_done_min[lo] : UINT64_MAX;
}

/* End of the readers in invoke[start, end) invoked by `reach`. */
static uint32_t readers_until(const uint64_t *invoke, uint32_t start, uint32_t end, uint64_t reach) {
    uint32_t lo = start, hi = end;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (invoke[mid] <= reach) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* The records of (slot, value) invoked by `reach`: [*from, return). */
static uint32_t group_until(const read_rec *recs, uint32_t count, uint32_t slot, uint32_t value, uint64_t reach,
                            uint32_t *from) {
    read_rec lo_key = {.slot = slot, .value = value, .invoke = 0};
    read_rec hi_key = {.slot = slot, .value = value, .invoke = reach};
    uint32_t lo = 0, hi = count;
    while (lo < hi) { /* first record >= lo_key */
        uint32_t mid = lo + (hi - lo) / 2;
        if (read_rec_cmp(&recs[mid], &lo_key) < 0) lo = mid + 1; else hi = mid;
    }
    *from = lo;
    hi = count;
    while (lo < hi) { /* first record > hi_key */
        uint32_t mid = lo + (hi - lo) / 2;
        if (read_rec_cmp(&recs[mid], &hi_key) <= 0) lo = mid + 1; else hi = mid;
    }
    return lo;
}

/* A write of `value` by `pos` to `slot` is gone: false when a kept answered
 * reader may have seen it; kept unanswered readers that may have are
 * queued as gone too. */
static bool follow_gone_write(shrink_ctx *s, uint32_t pos, uint32_t slot, uint32_t value, uint32_t *queued) {
    const slot_index *ix = &s->ix;
    const lin_op *w = pos_op(s, pos);
    uint64_t reach = reach_of(s, slot, w->complete_ns);
    uint32_t end = readers_until(ix->r_invoke, ix->r_start[slot], ix->r_start[slot + 1], reach);
    if (end > ix->r_start[slot] && ix->r_done_max[end - 1] >= w->invoke_ns) return false;
    uint32_t from;
    end = group_until(ix->ex, ix->ex_count, slot, value, reach, &from);
    if (end > from && ix->ex[end - 1].done_max >= w->invoke_ns) return false;
    end = group_until(ix->ux, ix->ux_count, slot, value, reach, &from);
    for (uint32_t at = from; at < end; at++) {
        uint32_t u = ix->ux[at].pos;
        if (u == pos || s->gone_flag[u]) continue;
        s->gone_flag[u] = 1;
        s->cause[u] = s->cause[pos];
        s->queue[(*queued)++] = u;
    }
    return true;
}

/* Does o (even one that failed, like a mismatched CAS) write a value a
 * kept answered read saw? Such a write stays: the culprits then show where
 * the value came from. (Not needed for soundness; for the explanation.) */
static bool writes_a_seen_value(const shrink_ctx *s, const lin_op *o) {
    for (uint32_t k = 0; k < o->part_count; k++) {
        const lin_part *x = &op_parts(s, o)[k];
        uint32_t from;
        if ((x->op == POD_KV_PUT || x->op == POD_KV_CAS) &&
            group_until(s->ix.ex, s->ix.ex_count, slot_of(s, x), x->value, UINT64_MAX, &from) > from) {
            return true;
        }
    }
    return false;
}

/* May the positions of cur not kept go, by the rule above? Returns how
 * many may not: each such removed position is passed to `blocked` (when
 * not NULL); with stop_at_first, it stops at the first. */
static uint32_t removal_blockers(shrink_ctx *s, const uint32_t *cur, uint32_t cur_count, const uint32_t *kept,
                                 uint32_t kept_count, bool stop_at_first, uint8_t *blocked) {
    index_build(s, kept, kept_count);
    uint32_t queued = 0, found = 0;
    for (uint32_t i = 0; i < cur_count; i++) {
        s->gone_flag[cur[i]] = 0;
        if (s->keep_flag[cur[i]]) continue;
        if (writes_a_seen_value(s, pos_op(s, cur[i]))) {
            found++;
            if (blocked) blocked[cur[i]] = 1;
            if (stop_at_first) return found;
        } else if (effectful(pos_op(s, cur[i]))) {
            s->gone_flag[cur[i]] = 1;
            s->cause[cur[i]] = cur[i];
            s->queue[queued++] = cur[i];
        }
    }
    for (uint32_t q = 0; q < queued; q++) { /* each position is queued once */
        uint32_t pos = s->queue[q];
        const lin_op *o = pos_op(s, pos);
        for (uint32_t k = 0; k < o->part_count; k++) {
            const lin_part *x = &op_parts(s, o)[k];
            if (!writes_part(x) || follow_gone_write(s, pos, slot_of(s, x), written_value(x), &queued)) continue;
            found++;
            if (blocked) blocked[s->cause[pos]] = 1;
            if (stop_at_first) return found;
            break;
        }
    }
    return found;
}

/* --- trials ----------------------------------------------------------------------- */

/* Is the set at positions ops[0..count) still not linearizable? */
static bool still_fails(shrink_ctx *s, const uint32_t *ops, uint32_t count) {
    if (s->trials >= s->limits->explain_trials_max || s->steps >= s->limits->explain_steps_max) {
        s->budget_out = true;
        return false;
    }
    for (uint32_t i = 0; i < count; i++) s->trial_ops[i] = s->full->ops[ops[i]];
    lin_problem trial = *s->full;
    trial.ops = s->trial_ops;
    trial.count = count;
    lin_budget budget = {.steps_max = s->limits->explain_steps_max - s->steps,
                         .memo_bytes_max = s->limits->memo_bytes_max};
    lin_outcome out;
    lin_search(&trial, &budget, &out);
    s->trials++;
    s->steps += out.steps;
    if (out.verdict == POD_LIN_UNKNOWN) s->budget_out = true;
    return out.verdict == POD_LIN_NOT_LINEARIZABLE;
}

/* Tries the current set minus its members [from, to); on success that
 * becomes the current set. */
static bool try_remove(shrink_ctx *s, uint32_t *cur, uint32_t *cur_count, uint32_t from, uint32_t to) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < *cur_count; i++) {
        bool keep = i < from || i >= to;
        s->keep_flag[cur[i]] = keep;
        if (keep) s->candidate[n++] = cur[i];
    }
    bool ok = n > 0 && removal_blockers(s, cur, *cur_count, s->candidate, n, true, NULL) == 0 &&
              still_fails(s, s->candidate, n);
    for (uint32_t i = 0; i < *cur_count; i++) s->keep_flag[cur[i]] = 1;
    if (!ok) return false;
    memcpy(cur, s->candidate, (size_t)n * sizeof *cur);
    *cur_count = n;
    return true;
}

/* Keeps only operations invoked by the time the frontier's answer came. */
static void cut_after_frontier(shrink_ctx *s, uint32_t *cur, uint32_t *cur_count, uint32_t frontier) {
    uint64_t until = pos_op(s, frontier)->complete_ns;
    uint32_t keep = 0;
    while (keep < *cur_count && pos_op(s, cur[keep])->invoke_ns <= until) keep++;
    if (keep < *cur_count) try_remove(s, cur, cur_count, keep, *cur_count);
}

/* Keeps the members [from, to) of the current set and, of the others,
 * what the rule needs kept (a write a kept reader may have seen, and so
 * on); on success that becomes the current set. */
static bool try_window(shrink_ctx *s, uint32_t *cur, uint32_t *cur_count, uint32_t from, uint32_t to) {
    for (uint32_t i = 0; i < *cur_count; i++) s->keep_flag[cur[i]] = i >= from && i < to;
    uint32_t n = 0;
    for (uint32_t round = 0; round <= *cur_count; round++) { /* each round keeps at least one more */
        n = 0;
        for (uint32_t i = 0; i < *cur_count; i++) {
            if (s->keep_flag[cur[i]]) s->candidate[n++] = cur[i];
        }
        if (removal_blockers(s, cur, *cur_count, s->candidate, n, false, s->keep_flag) == 0) break;
    }
    bool ok = n < *cur_count && still_fails(s, s->candidate, n);
    for (uint32_t i = 0; i < *cur_count; i++) s->keep_flag[cur[i]] = 1;
    if (!ok) return false;
    memcpy(cur, s->candidate, (size_t)n * sizeof *cur);
    *cur_count = n;
    return true;
}

/* The shortest failing prefix (with what it needs), by bisection: the
 * failure is then at its end. */
static void shrink_to_prefix(shrink_ctx *s, uint32_t *cur, uint32_t *cur_count) {
    uint32_t lo = 1, hi = *cur_count; /* the prefix of hi fails */
    while (lo < hi && !s->budget_out) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (try_window(s, cur, cur_count, 0, mid)) {
            /* The set is now that prefix and what it needs: bisect it anew. */
            lo = 1;
            hi = *cur_count;
        } else {
            lo = mid + 1;
        }
    }
}

/* Windows of the last 16, 32, 64, ... operations (with what they need):
 * a small set makes every later trial cheap. */
static void shrink_to_window(shrink_ctx *s, uint32_t *cur, uint32_t *cur_count) {
    for (uint32_t k = 16; k < *cur_count && !s->budget_out; k *= 2) {
        if (try_window(s, cur, cur_count, *cur_count - k, *cur_count)) return;
    }
}

/* ddmin: chunks from half the set down to single operations, the later
 * operations first (they matter least to what went before). True when the
 * result is 1-minimal. */
static bool remove_chunks(shrink_ctx *s, uint32_t *cur, uint32_t *cur_count) {
    uint32_t chunk = *cur_count / 2 ? *cur_count / 2 : 1;
    for (;;) {
        bool removed = false;
        uint32_t end = *cur_count;
        while (end > 0 && !s->budget_out) {
            uint32_t start = end > chunk ? end - chunk : 0;
            if (end - start < *cur_count && try_remove(s, cur, cur_count, start, end)) removed = true;
            end = start;
        }
        if (s->budget_out) return false;
        if (chunk == 1 && !removed) return true;
        if (chunk > 1) chunk /= 2;
        if (chunk > *cur_count / 2 && *cur_count > 1) chunk = *cur_count / 2;
    }
}

static bool shrink_alloc(shrink_ctx *s, uint32_t n) {
    const lin_problem *p = s->full;
    size_t parts = 1, slots = p->slots, m = n ? n : 1;
    for (uint32_t i = 0; i < n; i++) parts += p->prep->ops[p->ops[i]].part_count;
    slot_index *ix = &s->ix;
    s->keep_flag = malloc(m * sizeof *s->keep_flag);
    s->gone_flag = calloc(m, sizeof *s->gone_flag);
    s->cause = calloc(m, sizeof *s->cause);
    s->queue = malloc(m * sizeof *s->queue);
    s->candidate = malloc(m * sizeof *s->candidate);
    s->trial_ops = malloc(m * sizeof *s->trial_ops);
    ix->written = malloc(parts * sizeof *ix->written);
    ix->ex = malloc(parts * sizeof *ix->ex);
    ix->ux = malloc(parts * sizeof *ix->ux);
    ix->r_start = malloc((slots + 1) * sizeof *ix->r_start);
    ix->o_start = malloc((slots + 1) * sizeof *ix->o_start);
    ix->fill = malloc((2 * slots + 1) * sizeof *ix->fill);
    ix->r_invoke = malloc(parts * sizeof *ix->r_invoke);
    ix->r_done_max = malloc(parts * sizeof *ix->r_done_max);
    ix->o_invoke = malloc(parts * sizeof *ix->o_invoke);
    ix->o_done_min = malloc(parts * sizeof *ix->o_done_min);
    if (s->keep_flag) memset(s->keep_flag, 1, m * sizeof *s->keep_flag);
    return s->keep_flag && s->gone_flag && s->cause && s->queue && s->candidate && s->trial_ops && ix->written && ix->ex && ix->ux &&
           ix->r_start && ix->o_start && ix->fill && ix->r_invoke && ix->r_done_max && ix->o_invoke && ix->o_done_min;
}

static void shrink_free(shrink_ctx *s) {
    slot_index *ix = &s->ix;
    free(s->keep_flag);
    free(s->gone_flag);
    free(s->cause);
    free(s->queue);
    free(s->candidate);
    free(s->trial_ops);
    free(ix->written);
    free(ix->ex);
    free(ix->ux);
    free(ix->r_start);
    free(ix->o_start);
    free(ix->fill);
    free(ix->r_invoke);
    free(ix->r_done_max);
    free(ix->o_invoke);
    free(ix->o_done_min);
}

bool lin_explain_shrink(const lin_problem *p, uint32_t frontier, const pod_lin_limits *limits,
                        lin_culprits *out) {
    memset(out, 0, sizeof *out);
    shrink_ctx s = {.full = p, .limits = limits};
    uint32_t *cur = malloc((size_t)(p->count ? p->count : 1) * sizeof *cur);
    bool ok = cur && shrink_alloc(&s, p->count);
    if (ok) {
        uint32_t count = p->count;
        for (uint32_t i = 0; i < count; i++) cur[i] = i;
        if (frontier != LIN_NONE) cut_after_frontier(&s, cur, &count, frontier);
        shrink_to_prefix(&s, cur, &count);
        shrink_to_window(&s, cur, &count);
        out->minimal = remove_chunks(&s, cur, &count);
        out->ops = malloc((size_t)(count ? count : 1) * sizeof *out->ops);
        ok = out->ops != NULL;
        for (uint32_t i = 0; ok && i < count; i++) out->ops[i] = p->ops[cur[i]];
        out->count = ok ? count : 0;
        out->steps = s.steps;
        out->trials = s.trials;
    }
    free(cur);
    shrink_free(&s);
    if (!ok) lin_culprits_free(out);
    return ok;
}

void lin_culprits_free(lin_culprits *c) {
    free(c->ops);
    memset(c, 0, sizeof *c);
}
