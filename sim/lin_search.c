/* lin_search.c — the linearizability search of one component (Wing & Gong,
 * with Lowe's cache of visited configurations; the event list as in
 * Porcupine's design).
 *
 * The answered operations' invocations and answers form one list in time
 * order (at equal times invocations first: operations whose times touch
 * are taken as concurrent). An operation may go next exactly when its
 * invocation comes before the first answer still in the list — no
 * operation left unordered finished before it began. The search tries
 * those candidates depth-first: a candidate whose answer the model agrees
 * with is "lifted" out of the list (dancing links, so backtracking relinks
 * it exactly), and the search goes on from the new configuration. Success
 * is when every answered operation is ordered.
 *
 * Unanswered operations (timed out, pending) have no answer in the list:
 * one may go next whenever its invocation comes before that first answer,
 * or never. k of them could be placed in 2^k ways; three rules, each of
 * which keeps at least one order whenever any exists, keep that down:
 *
 *   relevance  any order can be rearranged so that each unanswered
 *              operation comes right before the first later operation
 *              touching its keys (it commutes with everything in between),
 *              or is dropped when none does; only unanswered operations
 *              come in between, up to the next answered one. So an
 *              unanswered operation is placed only when that can be true
 *              now: a single-key one (whose first toucher must read the
 *              value it wrote, or it would be a dead write) when an
 *              answered candidate — or, in a chain, another relevant
 *              unanswered candidate — needs the value it writes; a
 *              multi-key one when a relevant operation touches one of its
 *              keys.
 *   no effect  an unanswered step that changes nothing is not taken.
 *   dead write a single-key unanswered write overwritten before anything
 *              read it is taken back out of the configuration (it may be
 *              placed again later): everything after it saw the same
 *              values without it.
 *
 * Unanswered candidates are tried after the answered ones. The cache
 * (lin_memo.c) holds every configuration visited, compared exactly:
 * answered set, state, unanswered set, and which keys hold an unread
 * unanswered write. A step that leaves a value some answered operation
 * still needs out of reach of every operation left (lin_reach.c) is
 * rejected at once, like a configuration seen before: no order can
 * complete it. */
#include "sim/lin_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_store.h"

/* --- the event list of answered operations ----------------------------------- */

#define LIN_HEAD 0u

typedef struct lin_entry {
    uint32_t prev;
    uint32_t next;    /* LIN_NONE at the end */
    uint32_t cop;     /* answered index */
    uint8_t is_answer;
} lin_entry;

typedef struct lin_event {
    uint64_t time_ns;
    uint32_t cop;
    uint8_t is_answer;
} lin_event;

static int event_cmp(const void *a, const void *b) {
    const lin_event *x = a, *y = b;
    if (x->time_ns != y->time_ns) return x->time_ns < y->time_ns ? -1 : 1;
    if (x->is_answer != y->is_answer) return x->is_answer < y->is_answer ? -1 : 1;
    return (x->cop > y->cop) - (x->cop < y->cop);
}

/* --- the search's state -------------------------------------------------------------- */

/* Undo records of the bookkeeping on unanswered writes. */
enum { TRACK_WRITER, TRACK_TBIT };

typedef struct lin_track {
    uint8_t what;
    uint32_t index;
    uint32_t old;
} lin_track;

/* Room needed in the track log for one step: per part, a read (1 record)
 * and a write (2 records), and the unanswered bit. */
#define LIN_TRACK_PER_STEP (POD_KV_TXN_PARTS_MAX * 3u + 1u)

/* A value some candidate needs in a slot, for its answer to fit (or, for
 * an unanswered one, to take effect). */
enum { LIN_NEED_EXACT, LIN_NEED_NOT, LIN_NEED_PRESENT };

typedef struct lin_need {
    uint32_t slot;
    uint8_t kind;        /* LIN_NEED_*: the value, any value but it, any value */
    uint32_t value;
} lin_need;

#define LIN_NEEDS_MAX 4096u /* beyond: every value counts as needed */

/* An answered candidate, for trying them earliest answer first. */
typedef struct lin_cand {
    uint64_t complete_ns;
    uint32_t cop;
} lin_cand;

static int cand_cmp(const void *a, const void *b) {
    const lin_cand *x = a, *y = b;
    if (x->complete_ns != y->complete_ns) return x->complete_ns < y->complete_ns ? -1 : 1;
    return (x->cop > y->cop) - (x->cop < y->cop);
}

typedef struct lin_frame {
    uint32_t op;         /* pass 0: the answered index; pass 1: the unanswered index */
    uint32_t pos;        /* pass 0: its place among the sorted candidates; pass 1: op */
    uint32_t undo_from;
    uint32_t track_from;
    uint8_t pass;        /* 0: answered candidates; 1: unanswered */
} lin_frame;

typedef struct lin_ctx {
    const lin_problem *p;
    uint32_t answered;        /* A */
    uint32_t unanswered;      /* T */
    uint32_t *c_op;           /* answered index -> position in the problem */
    uint32_t *t_op;           /* unanswered index -> position in the problem */
    uint32_t *cend;           /* answered index -> first answered index invoked after its answer */
    lin_entry *entries;       /* [LIN_HEAD] is the sentinel; 2A entries follow */
    uint32_t *call_entry;     /* answered index -> its invocation entry */
    uint32_t *answer_entry;   /* answered index -> its answer entry */
    uint64_t *cbits;          /* answered operations ordered */
    uint64_t *tbits;          /* unanswered operations ordered */
    uint32_t twords;
    uint32_t cprefix;         /* first unordered answered index */
    uint32_t cprefix_max;
    uint32_t remaining;       /* answered operations not yet ordered */
    uint64_t cset_hash;
    lin_state state;
    lin_undo *undo;
    uint32_t undo_count;
    uint32_t undo_capacity;
    uint64_t tset_hash;       /* of tbits */
    uint32_t *t_slot;         /* unanswered index -> its one slot, or LIN_NONE when multi-key */
    uint32_t *writer;         /* slot -> single-key unanswered index whose write it holds, unread */
    uint64_t writer_hash;
    uint32_t writer_count;    /* slots whose writer is not LIN_NONE */
    uint32_t *t_value;        /* unanswered index -> the value it leaves in its one slot */
    /* Scratch of compute_relevant: what the relevant candidates need. */
    lin_need *needs;
    uint32_t need_count;
    bool needs_overflow;      /* more than LIN_NEEDS_MAX: every value counts as needed */
    uint64_t *touched;        /* slots a relevant candidate writes */
    uint64_t *tmark;          /* unanswered candidates found relevant */
    uint32_t rwords;
    lin_track *track;
    uint32_t track_count;
    uint32_t track_capacity;
    lin_cand *cands;          /* scratch: the answered candidates, earliest answer first */
    uint32_t cand_count;
    lin_frame *frames;
    uint32_t depth;
    uint32_t frame_capacity;
    lin_memo memo;
    lin_reach reach;          /* can every needed value still be written? */
    bool full;                /* every rule of completeness on (see lin_search) */
} lin_ctx;

static const lin_op *pos_op(const lin_ctx *c, uint32_t pos) { return &c->p->prep->ops[c->p->ops[pos]]; }
static const lin_op *c_op(const lin_ctx *c, uint32_t i) { return pos_op(c, c->c_op[i]); }
static const lin_op *t_op(const lin_ctx *c, uint32_t j) { return pos_op(c, c->t_op[j]); }

static bool tbit(const lin_ctx *c, uint32_t j) { return c->tbits[j / 64] >> (j % 64) & 1u; }

/* --- setting up ------------------------------------------------------------------------ */

static void ctx_free(lin_ctx *c) {
    free(c->c_op);
    free(c->t_op);
    free(c->cend);
    free(c->entries);
    free(c->call_entry);
    free(c->answer_entry);
    free(c->cbits);
    free(c->tbits);
    free(c->state.values);
    free(c->undo);
    free(c->writer);
    free(c->t_slot);
    free(c->t_value);
    free(c->needs);
    free(c->touched);
    free(c->tmark);
    free(c->track);
    free(c->frames);
    free(c->cands);
    lin_memo_free(&c->memo);
    lin_reach_free(&c->reach);
}

static bool ctx_alloc(lin_ctx *c) {
    size_t m = c->p->count ? c->p->count : 1;
    size_t slots = c->p->slots ? c->p->slots : 1;
    c->c_op = calloc(m, sizeof *c->c_op);
    c->t_op = calloc(m, sizeof *c->t_op);
    c->cend = calloc(m, sizeof *c->cend);
    c->entries = calloc(2 * m + 1, sizeof *c->entries);
    c->call_entry = calloc(m, sizeof *c->call_entry);
    c->answer_entry = calloc(m, sizeof *c->answer_entry);
    c->cbits = calloc(m / 64 + 1, sizeof *c->cbits);
    c->tbits = calloc(m / 64 + 1, sizeof *c->tbits);
    c->state.values = calloc(slots, sizeof *c->state.values);
    c->writer = malloc(slots * sizeof *c->writer);
    c->t_slot = calloc(m, sizeof *c->t_slot);
    c->t_value = calloc(m, sizeof *c->t_value);
    c->rwords = (uint32_t)(slots + 63) / 64;
    c->needs = calloc(LIN_NEEDS_MAX, sizeof *c->needs);
    c->touched = calloc(c->rwords, sizeof *c->touched);
    c->tmark = calloc(m / 64 + 1, sizeof *c->tmark);
    c->undo_capacity = 1024;
    c->undo = calloc(c->undo_capacity, sizeof *c->undo);
    c->track_capacity = 1024;
    c->track = calloc(c->track_capacity, sizeof *c->track);
    c->frame_capacity = 1024;
    c->frames = calloc(c->frame_capacity, sizeof *c->frames);
    c->cands = calloc(m, sizeof *c->cands);
    if (c->writer) {
        for (size_t s = 0; s < slots; s++) c->writer[s] = LIN_NONE;
    }
    return c->c_op && c->t_op && c->cend && c->entries && c->call_entry && c->answer_entry && c->cbits &&
           c->tbits && c->state.values && c->writer && c->t_slot && c->t_value && c->needs && c->touched && c->tmark && c->undo && c->track && c->cands &&
           c->frames;
}

static uint32_t part_slot(const lin_ctx *c, const lin_op *o, uint32_t k) {
    return c->p->slot_of_key[c->p->prep->parts[o->part_first + k].key];
}

/* The one slot an operation touches, or LIN_NONE when it touches several. */
static uint32_t op_single_slot(const lin_ctx *c, const lin_op *o) {
    uint32_t slot = part_slot(c, o, 0);
    for (uint32_t k = 1; k < o->part_count; k++) {
        if (part_slot(c, o, k) != slot) return LIN_NONE;
    }
    return slot;
}

/* The value a single-key operation leaves when it takes effect. */
static uint32_t op_last_value(const lin_ctx *c, const lin_op *o) {
    uint32_t value = LIN_NONE;
    for (uint32_t k = 0; k < o->part_count; k++) {
        const lin_part *x = &c->p->prep->parts[o->part_first + k];
        if (x->op == POD_KV_PUT || x->op == POD_KV_CAS) value = x->value;
        if (x->op == POD_KV_DELETE) value = LIN_ABSENT;
    }
    return value;
}

/* Answered and unanswered indexes, and where each answered operation's
 * window of possibly ordered successors ends. */
static void ctx_index_ops(lin_ctx *c) {
    for (uint32_t pos = 0; pos < c->p->count; pos++) {
        const lin_op *o = pos_op(c, pos);
        assert(pos == 0 || pos_op(c, pos - 1)->invoke_ns <= o->invoke_ns);
        if (lin_op_answered(o)) c->c_op[c->answered++] = pos;
        else c->t_op[c->unanswered++] = pos;
    }
    for (uint32_t i = 0; i < c->answered; i++) {
        uint64_t done = c_op(c, i)->complete_ns;
        uint32_t lo = i + 1, hi = c->answered; /* first j with invoke > done */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (c_op(c, mid)->invoke_ns > done) hi = mid; else lo = mid + 1;
        }
        c->cend[i] = lo;
    }
    for (uint32_t j = 0; j < c->unanswered; j++) {
        c->t_slot[j] = op_single_slot(c, t_op(c, j));
        c->t_value[j] = c->t_slot[j] == LIN_NONE ? LIN_NONE : op_last_value(c, t_op(c, j));
    }
    c->twords = (c->unanswered + 63) / 64;
    c->remaining = c->answered;
}

static bool ctx_build_list(lin_ctx *c) {
    uint32_t n = 2 * c->answered;
    lin_event *ev = malloc((size_t)(n ? n : 1) * sizeof *ev);
    if (!ev) return false;
    for (uint32_t i = 0; i < c->answered; i++) {
        const lin_op *o = c_op(c, i);
        ev[2 * i] = (lin_event){.time_ns = o->invoke_ns, .cop = i, .is_answer = 0};
        ev[2 * i + 1] = (lin_event){.time_ns = o->complete_ns, .cop = i, .is_answer = 1};
    }
    qsort(ev, n, sizeof *ev, event_cmp);
    c->entries[LIN_HEAD] = (lin_entry){.prev = LIN_NONE, .next = n ? 1 : LIN_NONE, .cop = LIN_NONE};
    for (uint32_t k = 0; k < n; k++) {
        uint32_t e = k + 1;
        c->entries[e] = (lin_entry){.prev = e - 1, .next = k + 1 < n ? e + 1 : LIN_NONE, .cop = ev[k].cop,
                                    .is_answer = ev[k].is_answer};
        if (ev[k].is_answer) c->answer_entry[ev[k].cop] = e;
        else c->call_entry[ev[k].cop] = e;
    }
    free(ev);
    return true;
}

/* --- the event list: lift and unlift -------------------------------------------------- */

static void unlink_entry(lin_ctx *c, uint32_t e) {
    lin_entry *x = &c->entries[e];
    c->entries[x->prev].next = x->next;
    if (x->next != LIN_NONE) c->entries[x->next].prev = x->prev;
}

static void relink_entry(lin_ctx *c, uint32_t e) {
    lin_entry *x = &c->entries[e];
    c->entries[x->prev].next = e;
    if (x->next != LIN_NONE) c->entries[x->next].prev = e;
}

static void lift(lin_ctx *c, uint32_t i) {
    unlink_entry(c, c->call_entry[i]);
    unlink_entry(c, c->answer_entry[i]);
}

static void unlift(lin_ctx *c, uint32_t i) {
    relink_entry(c, c->answer_entry[i]);
    relink_entry(c, c->call_entry[i]);
}

/* The time of the first answer still in the list. */
static uint64_t first_answer_ns(const lin_ctx *c) {
    uint32_t e = c->entries[LIN_HEAD].next;
    while (e != LIN_NONE && !c->entries[e].is_answer) e = c->entries[e].next;
    assert(e != LIN_NONE);
    return c_op(c, c->entries[e].cop)->complete_ns;
}

/* --- the answered set --------------------------------------------------------------------- */

static uint64_t cset_term(uint32_t i) { return lin_mix64((uint64_t)i * 0x9e3779b97f4a7c15u + 1u); }

static void mark_answered(lin_ctx *c, uint32_t i) {
    c->cbits[i / 64] |= 1ull << (i % 64);
    lin_reach_take(&c->reach, c->c_op[i]);
    c->cset_hash ^= cset_term(i);
    c->remaining--;
    while (c->cprefix < c->answered && (c->cbits[c->cprefix / 64] >> (c->cprefix % 64) & 1u)) c->cprefix++;
    if (c->cprefix > c->cprefix_max) c->cprefix_max = c->cprefix;
}

static void unmark_answered(lin_ctx *c, uint32_t i) {
    c->cbits[i / 64] &= ~(1ull << (i % 64));
    lin_reach_restore(&c->reach, c->c_op[i]);
    c->cset_hash ^= cset_term(i);
    c->remaining++;
    if (i < c->cprefix) c->cprefix = i;
}

/* --- unanswered writes: which keys hold one, unread ---------------------------------------- */

static uint64_t tset_term(uint32_t j) { return lin_mix64((uint64_t)j * 0xd6e8feb86659fd93u + 7u); }

static uint64_t writer_term(uint32_t slot, uint32_t w) {
    return w == LIN_NONE ? 0 : lin_mix64((uint64_t)slot << 32 | w) ^ 0x2545f4914f6cdd1du;
}

/* Sets one tracked value, keeping the hashes of the set and the map. */
static void track_put(lin_ctx *c, uint8_t what, uint32_t index, uint32_t value) {
    if (what == TRACK_WRITER) {
        c->writer_hash ^= writer_term(index, c->writer[index]) ^ writer_term(index, value);
        c->writer_count += (value != LIN_NONE) - (c->writer[index] != LIN_NONE);
        c->writer[index] = value;
    } else if (tbit(c, index) != (value != 0)) {
        c->tbits[index / 64] ^= 1ull << (index % 64);
        c->tset_hash ^= tset_term(index);
        if (value) lin_reach_take(&c->reach, c->t_op[index]); /* placed: no longer a possible writer */
        else lin_reach_restore(&c->reach, c->t_op[index]);
    }
}

static void track_set(lin_ctx *c, uint8_t what, uint32_t index, uint32_t value) {
    assert(c->track_count < c->track_capacity);
    uint32_t old = what == TRACK_WRITER ? c->writer[index] : (uint32_t)tbit(c, index);
    if (old == value) return;
    c->track[c->track_count++] = (lin_track){.what = what, .index = index, .old = old};
    track_put(c, what, index, value);
}

static void track_undo(lin_ctx *c, uint32_t from) {
    while (c->track_count > from) {
        const lin_track *t = &c->track[--c->track_count];
        track_put(c, t->what, t->index, t->old);
    }
}

/* Does this part's outcome depend on the key's value? (A delete's answer
 * says whether the key was there.) */
static bool part_reads(const lin_op *o, const lin_part *x) {
    return x->op == POD_KV_GET || x->op == POD_KV_CAS || x->op == POD_KV_CHECK ||
           (x->op == POD_KV_DELETE && o->kind == POD_KV_DELETE && lin_op_answered(o));
}

/* The bookkeeping of one step by `o` — `self` its unanswered index when it
 * is a single-key unanswered operation, else LIN_NONE: what it read was
 * seen; what it wrote (the model's undo records from undo_from) replaces
 * the value there, and a single-key unanswered write replaced unread is
 * dead. (Multi-key ones are not tracked: one of their keys may be needed
 * after another was overwritten.) */
static void track_step(lin_ctx *c, const lin_op *o, uint32_t self, uint32_t undo_from) {
    const lin_part *parts = &c->p->prep->parts[o->part_first];
    for (uint32_t k = 0; k < o->part_count; k++) {
        if (part_reads(o, &parts[k])) track_set(c, TRACK_WRITER, c->p->slot_of_key[parts[k].key], LIN_NONE);
    }
    for (uint32_t u = undo_from; u < c->undo_count; u++) {
        uint32_t slot = c->undo[u].slot;
        uint32_t w = c->writer[slot];
        if (w != LIN_NONE && w != self) track_set(c, TRACK_TBIT, w, 0);
        track_set(c, TRACK_WRITER, slot, self);
    }
}

/* --- relevance of unanswered candidates ---------------------------------------------------- */

static bool bit_has(const uint64_t *bits, uint32_t i) { return bits[i / 64] >> (i % 64) & 1u; }
static void bit_add(uint64_t *bits, uint32_t i) { bits[i / 64] |= 1ull << (i % 64); }

static void add_need(lin_ctx *c, uint32_t slot, uint8_t kind, uint32_t value) {
    if (c->need_count == LIN_NEEDS_MAX) { /* too many to list: any value serves anywhere */
        c->needs_overflow = true;
        return;
    }
    c->needs[c->need_count++] = (lin_need){.slot = slot, .kind = kind, .value = value};
}

static bool need_met(const lin_need *n, uint32_t value) {
    switch (n->kind) {
    case LIN_NEED_EXACT: return value == n->value;
    case LIN_NEED_NOT: return value != n->value;
    default: return value != LIN_ABSENT;
    }
}

/* Adds the need unless the current state meets it already. */
static void need_unless_met(lin_ctx *c, uint32_t slot, uint8_t kind, uint32_t value) {
    lin_need n = {.slot = slot, .kind = kind, .value = value};
    if (!need_met(&n, c->state.values[slot])) add_need(c, slot, kind, value);
}

/* Does some unmet need of this slot accept `value`? */
static bool meets_a_need(const lin_ctx *c, uint32_t slot, uint32_t value) {
    if (c->needs_overflow) return true;
    for (uint32_t i = 0; i < c->need_count; i++) {
        if (c->needs[i].slot == slot && need_met(&c->needs[i], value)) return true;
    }
    return false;
}

static bool part_checks(const lin_part *x) { return x->op == POD_KV_CAS || x->op == POD_KV_CHECK; }
static uint32_t part_expected(const lin_part *x) { return x->expect_absent ? LIN_ABSENT : x->expected; }

/* The needs of an answered candidate its answer does not fit now: what
 * values would make it fit. */
static void add_needs_of_answered(lin_ctx *c, const lin_op *o) {
    const lin_part *parts = &c->p->prep->parts[o->part_first];
    uint32_t slot0 = c->p->slot_of_key[parts[0].key];
    if (o->kind == POD_KV_GET && o->status == POD_KV_OK) need_unless_met(c, slot0, LIN_NEED_EXACT, o->result);
    if ((o->kind == POD_KV_GET || o->kind == POD_KV_DELETE) && o->status == POD_KV_NOT_FOUND) {
        need_unless_met(c, slot0, LIN_NEED_EXACT, LIN_ABSENT);
    }
    if (o->kind == POD_KV_DELETE && o->status == POD_KV_OK) need_unless_met(c, slot0, LIN_NEED_PRESENT, 0);
    if (o->kind != POD_KV_CAS && o->kind != POD_KV_TXN) return;
    bool all_hold = true;
    for (uint32_t k = 0; k < o->part_count; k++) {
        const lin_part *x = &parts[k];
        if (!part_checks(x)) continue;
        uint32_t slot = c->p->slot_of_key[x->key];
        if (o->status == POD_KV_OK) need_unless_met(c, slot, LIN_NEED_EXACT, part_expected(x));
        all_hold = all_hold && c->state.values[slot] == part_expected(x);
    }
    if (o->status != POD_KV_CAS_MISMATCH || !all_hold) return;
    for (uint32_t k = 0; k < o->part_count; k++) { /* any one check failing would do */
        if (part_checks(&parts[k])) add_need(c, c->p->slot_of_key[parts[k].key], LIN_NEED_NOT, part_expected(&parts[k]));
    }
}

/* The needs of a relevant unanswered operation: its checks must pass for
 * it to take effect. */
static void add_needs_of_unanswered(lin_ctx *c, const lin_op *o) {
    const lin_part *parts = &c->p->prep->parts[o->part_first];
    for (uint32_t k = 0; k < o->part_count; k++) {
        if (part_checks(&parts[k])) {
            need_unless_met(c, c->p->slot_of_key[parts[k].key], LIN_NEED_EXACT, part_expected(&parts[k]));
        }
    }
}

static void touch_all(lin_ctx *c, const lin_op *o) {
    const lin_part *parts = &c->p->prep->parts[o->part_first];
    for (uint32_t k = 0; k < o->part_count; k++) {
        if (parts[k].op == POD_KV_PUT || parts[k].op == POD_KV_DELETE || parts[k].op == POD_KV_CAS) {
            bit_add(c->touched, part_slot(c, o, k));
        }
    }
}

/* A single-key unanswered operation is relevant when it writes a value
 * some candidate needs. A multi-key one also — in the full search only —
 * when a candidate writes one of its keys: its first later toucher may
 * overwrite that key (so it cannot wait past it) while another key of it
 * is needed later. */
static bool is_relevant(const lin_ctx *c, uint32_t j) {
    if (c->t_slot[j] != LIN_NONE) return meets_a_need(c, c->t_slot[j], c->t_value[j]);
    const lin_op *o = t_op(c, j);
    const lin_part *parts = &c->p->prep->parts[o->part_first];
    for (uint32_t k = 0; k < o->part_count; k++) {
        uint32_t slot = part_slot(c, o, k);
        if (c->full && bit_has(c->touched, slot)) return true;
        if ((parts[k].op == POD_KV_PUT || parts[k].op == POD_KV_CAS) && meets_a_need(c, slot, parts[k].value)) return true;
        if (parts[k].op == POD_KV_DELETE && meets_a_need(c, slot, LIN_ABSENT)) return true;
    }
    return false;
}

/* Marks (tmark) the unanswered candidates that may go next: those some
 * answered candidate needs, directly or through other such candidates. */
static void compute_relevant(lin_ctx *c, uint64_t horizon) {
    c->need_count = 0;
    c->needs_overflow = false;
    memset(c->touched, 0, (size_t)c->rwords * sizeof *c->touched);
    memset(c->tmark, 0, (size_t)(c->unanswered / 64 + 1) * sizeof *c->tmark);
    for (uint32_t e = c->entries[LIN_HEAD].next; e != LIN_NONE && !c->entries[e].is_answer; e = c->entries[e].next) {
        add_needs_of_answered(c, c_op(c, c->entries[e].cop));
        touch_all(c, c_op(c, c->entries[e].cop));
    }
    for (bool grew = true; grew;) { /* each round marks at least one more, or ends */
        grew = false;
        for (uint32_t j = 0; j < c->unanswered && t_op(c, j)->invoke_ns <= horizon; j++) {
            if (tbit(c, j) || bit_has(c->tmark, j) || !is_relevant(c, j)) continue;
            bit_add(c->tmark, j);
            add_needs_of_unanswered(c, t_op(c, j));
            touch_all(c, t_op(c, j));
            grew = true;
        }
    }
}

/* --- steps ---------------------------------------------------------------------------------- */

static bool reserve_step(lin_ctx *c) {
    if (c->undo_count + POD_KV_TXN_PARTS_MAX > c->undo_capacity) {
        lin_undo *grown = realloc(c->undo, (size_t)c->undo_capacity * 2 * sizeof *grown);
        if (!grown) return false;
        c->undo = grown;
        c->undo_capacity *= 2;
    }
    if (c->track_count + LIN_TRACK_PER_STEP > c->track_capacity) {
        lin_track *grown = realloc(c->track, (size_t)c->track_capacity * 2 * sizeof *grown);
        if (!grown) return false;
        c->track = grown;
        c->track_capacity *= 2;
    }
    if (c->depth == c->frame_capacity) {
        lin_frame *grown = realloc(c->frames, (size_t)c->frame_capacity * 2 * sizeof *grown);
        if (!grown) return false;
        c->frames = grown;
        c->frame_capacity *= 2;
    }
    return true;
}

static int memo_visit(lin_ctx *c) {
    assert(c->cprefix < c->answered);
    uint32_t end = c->cend[c->cprefix];
    uint64_t hash = c->cset_hash ^ lin_mix64(c->state.hash ^ 0x5bd1e995u) ^ lin_mix64(c->tset_hash + 1u) ^
                    lin_mix64(c->writer_hash + 2u);
    lin_config cfg = {.hash = lin_mix64(hash),
                      .cprefix = c->cprefix,
                      .cwindow = c->cbits + c->cprefix / 64,
                      .cwords = (end - 1) / 64 - c->cprefix / 64 + 1,
                      .tbits = c->tbits,
                      .state = c->state.values,
                      .state_hash = c->state.hash,
                      .writer = c->writer,
                      .writer_count = c->writer_count};
    return lin_memo_visit(&c->memo, &cfg);
}

#define LIN_TRY_REJECTED 0
#define LIN_TRY_DESCENDED 1
#define LIN_TRY_LIMIT 2
#define LIN_TRY_NO_MEMORY 3
#define LIN_TRY_STEPS 4

/* Orders an operation next — answered index i (pass 0) or unanswered index
 * j (pass 1) — if the model agrees and the configuration is new. */
static int try_step(lin_ctx *c, uint8_t pass, uint32_t index, uint32_t pos) {
    if (!reserve_step(c)) return LIN_TRY_NO_MEMORY;
    const lin_op *o = pass == 0 ? c_op(c, index) : t_op(c, index);
    uint32_t undo_from = c->undo_count, track_from = c->track_count;
    int r = lin_model_step(c->p->prep, o, c->p->slot_of_key, &c->state, c->undo, &c->undo_count);
    if (r == LIN_STEP_INCONSISTENT) return LIN_TRY_REJECTED;
    if (r == LIN_STEP_NO_EFFECT && pass == 1) {
        lin_model_undo(&c->state, c->undo, undo_from, &c->undo_count);
        return LIN_TRY_REJECTED;
    }
    if (pass == 0) mark_answered(c, index);
    else track_set(c, TRACK_TBIT, index, 1);
    track_step(c, o, pass == 1 && c->t_slot[index] != LIN_NONE ? index : LIN_NONE, undo_from);
    uint32_t pos_of_o = pass == 0 ? c->c_op[index] : c->t_op[index];
    int seen;
    if (lin_reach_lost_by(&c->reach, pos_of_o, &c->state, c->undo, undo_from, c->undo_count)) {
        seen = LIN_MEMO_SEEN; /* no completion: rejected like a configuration seen before */
    } else {
        seen = c->remaining ? memo_visit(c) : LIN_MEMO_NEW; /* the last step needs no cache */
    }
    if (seen != LIN_MEMO_NEW) {
        track_undo(c, track_from);
        if (pass == 0) unmark_answered(c, index);
        lin_model_undo(&c->state, c->undo, undo_from, &c->undo_count);
        if (seen == LIN_MEMO_SEEN) return LIN_TRY_REJECTED;
        return seen == LIN_MEMO_LIMIT ? LIN_TRY_LIMIT : LIN_TRY_NO_MEMORY;
    }
    c->frames[c->depth++] = (lin_frame){.op = index, .pos = pos, .undo_from = undo_from,
                                        .track_from = track_from, .pass = pass};
    if (pass == 0) lift(c, index);
    return LIN_TRY_DESCENDED;
}

/* Takes back the newest step; returns its frame. */
static lin_frame backtrack(lin_ctx *c) {
    assert(c->depth > 0);
    lin_frame f = c->frames[--c->depth];
    if (f.pass == 0) {
        unlift(c, f.op);
        unmark_answered(c, f.op);
    }
    track_undo(c, f.track_from);
    lin_model_undo(&c->state, c->undo, f.undo_from, &c->undo_count);
    return f;
}

/* --- the loop ----------------------------------------------------------------------------- */

typedef struct lin_cursor {
    uint8_t pass;
    uint32_t pos;  /* pass 0: a place among the sorted candidates; pass 1: an unanswered index */
} lin_cursor;

#define LIN_INSERTION_SORT_MAX 32u

/* Sorts by cand_cmp. This runs at every step, on a few candidates (about
 * one per client) that come in invocation order, nearly sorted by answer
 * already: an insertion sort does that in a few dozen instructions where
 * qsort's calls cost hundreds. */
static void sort_candidates(lin_cand *cands, uint32_t count) {
    if (count > LIN_INSERTION_SORT_MAX) {
        qsort(cands, count, sizeof *cands, cand_cmp);
        return;
    }
    for (uint32_t i = 1; i < count; i++) {
        lin_cand x = cands[i];
        uint32_t j = i;
        for (; j > 0 && cand_cmp(&cands[j - 1], &x) > 0; j--) cands[j] = cands[j - 1];
        cands[j] = x;
    }
}

/* The answered candidates — invocations before the first answer still in
 * the list — earliest answer first: an operation about to be answered is
 * the likeliest to have taken effect already. (Only the order of trying;
 * every candidate is tried.) */
static void collect_candidates(lin_ctx *c) {
    c->cand_count = 0;
    for (uint32_t e = c->entries[LIN_HEAD].next; e != LIN_NONE && !c->entries[e].is_answer; e = c->entries[e].next) {
        uint32_t i = c->entries[e].cop;
        c->cands[c->cand_count++] = (lin_cand){.complete_ns = c_op(c, i)->complete_ns, .cop = i};
    }
    sort_candidates(c->cands, c->cand_count);
}

/* Tries the candidates of cur's pass from cur on: LIN_TRY_DESCENDED when
 * one was taken, LIN_TRY_REJECTED when none is left, or LIN_TRY_STEPS,
 * LIN_TRY_LIMIT (cache), LIN_TRY_NO_MEMORY. */
static int try_candidates(lin_ctx *c, lin_cursor *cur, const lin_budget *budget, lin_outcome *out) {
    uint64_t horizon = 0;
    if (cur->pass == 0) {
        collect_candidates(c);
    } else {
        horizon = first_answer_ns(c);
        compute_relevant(c, horizon);
    }
    for (;;) {
        uint32_t index;
        if (cur->pass == 0) {
            if (cur->pos >= c->cand_count) return LIN_TRY_REJECTED;
            index = c->cands[cur->pos].cop;
        } else {
            if (cur->pos >= c->unanswered || t_op(c, cur->pos)->invoke_ns > horizon) return LIN_TRY_REJECTED;
            index = cur->pos;
        }
        if (cur->pass == 0 || (!tbit(c, index) && bit_has(c->tmark, index))) {
            if (out->steps >= budget->steps_max) return LIN_TRY_STEPS;
            out->steps++;
            int r = try_step(c, cur->pass, index, cur->pos);
            if (r != LIN_TRY_REJECTED) return r;
        }
        cur->pos++;
    }
}

/* Runs the search to a verdict; for UNKNOWN, out->reason says why. */
static pod_lin_verdict search_loop(lin_ctx *c, const lin_budget *budget, lin_outcome *out) {
    lin_cursor cur = {.pass = 0, .pos = 0};
    if (c->remaining && lin_reach_lost(&c->reach, &c->state)) return POD_LIN_NOT_LINEARIZABLE;
    for (;;) {
        if (c->remaining == 0) return POD_LIN_LINEARIZABLE;
        int r = try_candidates(c, &cur, budget, out);
        if (r == LIN_TRY_DESCENDED) {
            cur = (lin_cursor){.pass = 0, .pos = 0};
            continue;
        }
        if (r != LIN_TRY_REJECTED) {
            out->reason = r == LIN_TRY_STEPS ? POD_LIN_REASON_STEPS_LIMIT
                          : r == LIN_TRY_LIMIT ? POD_LIN_REASON_MEMO_LIMIT
                                               : POD_LIN_REASON_NO_MEMORY;
            return POD_LIN_UNKNOWN;
        }
        if (cur.pass == 0) {
            cur = (lin_cursor){.pass = 1, .pos = 0};
            continue;
        }
        if (c->depth == 0) return POD_LIN_NOT_LINEARIZABLE;
        lin_frame f = backtrack(c);
        cur = (lin_cursor){.pass = f.pass, .pos = f.pos + 1};
    }
}

/* One search, full or quick; adds its steps and states to *out. */
static void search_once(const lin_problem *p, const lin_budget *budget, bool full, lin_outcome *out) {
    lin_ctx c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.full = full;
    c.state.slots = p->slots;
    bool ready = ctx_alloc(&c);
    if (ready) {
        ctx_index_ops(&c);
        ready = ctx_build_list(&c) && lin_reach_build(&c.reach, p);
    }
    if (!ready) {
        ctx_free(&c);
        out->verdict = POD_LIN_UNKNOWN;
        out->reason = POD_LIN_REASON_NO_MEMORY;
        return;
    }
    lin_memo_init(&c.memo, c.twords, p->slots, budget->memo_bytes_max);
    out->verdict = search_loop(&c, budget, out);
    out->states += c.memo.entries;
    uint64_t bytes = lin_memo_bytes(&c.memo);
    if (bytes > out->memo_bytes) out->memo_bytes = bytes;
    if (out->verdict == POD_LIN_NOT_LINEARIZABLE) {
        assert(c.cprefix_max < c.answered);
        out->frontier = c.c_op[c.cprefix_max];
    }
    ctx_free(&c);
}

/* The quick search leaves out one rule: placing a multi-key unanswered
 * operation only because a candidate overwrites one of its keys. That is
 * seldom what an order needs, and costly to try everywhere. An order the
 * quick search finds is an order; "no order", or running out of its share
 * of the budget (an eighth), sends the question to the full search, which
 * tries everything. */
void lin_search(const lin_problem *p, const lin_budget *budget, lin_outcome *out) {
    assert(budget->steps_max > 0 && budget->memo_bytes_max > 0);
    memset(out, 0, sizeof *out);
    out->frontier = LIN_NONE;
    lin_budget quick = *budget;
    quick.steps_max = budget->steps_max / 8 ? budget->steps_max / 8 : 1;
    search_once(p, &quick, false, out);
    if (out->verdict == POD_LIN_LINEARIZABLE) return;
    if (out->verdict == POD_LIN_UNKNOWN && out->reason == POD_LIN_REASON_NO_MEMORY) return;
    out->reason = POD_LIN_REASON_NONE;
    search_once(p, budget, true, out); /* out->steps counts on toward steps_max */
}
