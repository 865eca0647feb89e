/* lin_model.c — the history prepared for the linearizability search, and
 * the sequential key-value model it is checked against.
 *
 * Keys and values become small integer ids (interned byte strings), so the
 * model's state is an array of value ids, one per key of a component, and
 * comparing or hashing it is cheap. The model follows nodes/kv_store.c:
 * a transaction checks everything against the state before any of its
 * writes, then writes in order. */
#include "sim/lin_internal.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"

uint64_t lin_mix64(uint64_t x) {
    /* splitmix64's finalizer: a bijection that spreads every input bit. */
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* --- interned byte strings ------------------------------------------------ */

#define LIN_STRINGS_MAX (1u << 26) /* distinct keys or values: far above any history */

static void strings_free(lin_strings *s) {
    free(s->bytes);
    free(s->lens);
    free(s->hashes);
    free(s->index);
    memset(s, 0, sizeof *s);
}

static bool strings_grow_index(lin_strings *s) {
    uint32_t slots = s->index_mask ? (s->index_mask + 1) * 2 : 1024;
    uint32_t *index = calloc(slots, sizeof *index);
    if (!index) return false;
    for (uint32_t id = 1; id <= s->count; id++) {
        uint32_t at = (uint32_t)s->hashes[id] & (slots - 1);
        while (index[at]) at = (at + 1) & (slots - 1);
        index[at] = id;
    }
    free(s->index);
    s->index = index;
    s->index_mask = slots - 1;
    return true;
}

static bool strings_grow_arrays(lin_strings *s) {
    uint32_t want = s->capacity ? s->capacity * 2 : 256;
    const uint8_t **bytes = realloc(s->bytes, (size_t)want * sizeof *bytes);
    if (!bytes) return false;
    s->bytes = bytes;
    uint32_t *lens = realloc(s->lens, (size_t)want * sizeof *lens);
    if (!lens) return false;
    s->lens = lens;
    uint64_t *hashes = realloc(s->hashes, (size_t)want * sizeof *hashes);
    if (!hashes) return false;
    s->hashes = hashes;
    s->capacity = want;
    return true;
}

/* The id of bytes[0..len), added if new; 0 when out of memory. */
static uint32_t strings_intern(lin_strings *s, const uint8_t *bytes, uint32_t len) {
    uint64_t hash = XXH3_64bits(bytes, len);
    if (s->index) {
        for (uint32_t at = (uint32_t)hash & s->index_mask;; at = (at + 1) & s->index_mask) {
            uint32_t id = s->index[at];
            if (id == 0) break;
            if (s->hashes[id] == hash && s->lens[id] == len && memcmp(s->bytes[id], bytes, len) == 0) {
                return id;
            }
        }
    }
    if (s->count + 1 >= LIN_STRINGS_MAX) return 0;
    if (s->count + 2 > s->capacity && !strings_grow_arrays(s)) return 0;
    /* Keep the index at most half full. */
    if ((uint64_t)(s->count + 1) * 2 > (uint64_t)s->index_mask + 1 && !strings_grow_index(s)) return 0;
    uint32_t id = ++s->count;
    s->bytes[id] = bytes;
    s->lens[id] = len;
    s->hashes[id] = hash;
    uint32_t at = (uint32_t)hash & s->index_mask;
    while (s->index[at]) at = (at + 1) & s->index_mask;
    s->index[at] = id;
    return id;
}

/* --- preparing the operations ------------------------------------------------ */

/* Answers that mean the command was not executed: it changed nothing and
 * read nothing, so it is no part of the history. (POD_KV_E_FULL: the store
 * refused a new key and changed nothing; the model has no key limit.) These
 * are properties of the command: every copy of it gets the same answer. */
static bool status_not_executed(uint8_t status) {
    return status == POD_KV_E_MALFORMED || status == POD_KV_E_TOO_LARGE || status == POD_KV_E_FULL;
}

/* Answers that leave the outcome open, like a timeout: "unavailable" and
 * "not the leader" say that this node did not execute this copy now — but
 * another copy of the same request may have been or may yet be: an earlier
 * attempt on another node, a duplicate the network made, a record an
 * earlier incarnation logged before a crash. (Found by fuzz.scn seed 2871:
 * a duplicated put refused "unavailable" while its first copy was applied.) */
static bool status_outcome_open(uint8_t status) {
    return status == KV_REPLY_UNAVAILABLE || status == KV_REPLY_NOT_LEADER;
}

static bool cmd_writes(const pod_kv_cmd *cmd) {
    for (uint32_t i = 0; i < cmd->part_count; i++) {
        uint8_t op = (uint8_t)cmd->parts[i].op;
        if (op == POD_KV_PUT || op == POD_KV_DELETE || op == POD_KV_CAS) return true;
    }
    return false;
}

static bool arena_range_ok(const pod_history *h, uint32_t off, uint32_t len) {
    return (uint64_t)off + len <= h->arena_used;
}

static bool prep_reserve(lin_prep *p, uint32_t parts) {
    if (p->op_count == p->op_capacity) {
        uint32_t want = p->op_capacity ? p->op_capacity * 2 : 1024;
        lin_op *ops = realloc(p->ops, (size_t)want * sizeof *ops);
        if (!ops) return false;
        p->ops = ops;
        p->op_capacity = want;
    }
    while (p->part_count + parts > p->part_capacity) {
        uint32_t want = p->part_capacity ? p->part_capacity * 2 : 1024;
        lin_part *grown = realloc(p->parts, (size_t)want * sizeof *grown);
        if (!grown) return false;
        p->parts = grown;
        p->part_capacity = want;
    }
    return true;
}

static bool prep_part(lin_prep *p, const pod_kv_part *src, lin_part *dst) {
    *dst = (lin_part){.op = (uint8_t)src->op, .expect_absent = src->expect_absent};
    dst->key = strings_intern(&p->keys, src->key, src->key_len);
    if (dst->key == 0) return false;
    if (src->op == POD_KV_PUT || src->op == POD_KV_CAS) {
        dst->value = strings_intern(&p->values, src->value, src->value_len);
        if (dst->value == 0) return false;
    }
    if ((src->op == POD_KV_CAS || src->op == POD_KV_CHECK) && !src->expect_absent) {
        dst->expected = strings_intern(&p->values, src->expected, src->expected_len);
        if (dst->expected == 0) return false;
    }
    return true;
}

static pod_lin_reason bad_op(const pod_history *h, uint32_t i, char message[LIN_MESSAGE_MAX],
                             const char *why) {
    snprintf(message, LIN_MESSAGE_MAX, "operation %" PRIu32 " (c%" PRIu32 " r%" PRIu64 "): %s", i,
             h->ops[i].client, h->ops[i].request_no, why);
    return POD_LIN_REASON_BAD_HISTORY;
}

/* Adds history operation i, or counts why it takes no part. */
static pod_lin_reason prep_op(lin_prep *p, uint32_t i, pod_lin_stats *stats,
                              char message[LIN_MESSAGE_MAX]) {
    const pod_history *h = p->h;
    const pod_hist_op *src = &h->ops[i];
    bool open = src->outcome == POD_HIST_DONE && status_outcome_open(src->status);
    bool answered = src->outcome == POD_HIST_DONE && !open;
    /* Follower Reads are stale by design: they promise less than
     * linearizability (the follower-reads checker holds them to it), and as
     * reads they change nothing another operation could see. */
    if (src->follower_read) {
        stats->ops_excluded++;
        return POD_LIN_REASON_NONE;
    }
    if (answered && status_not_executed(src->status)) {
        stats->ops_excluded++;
        return POD_LIN_REASON_NONE;
    }
    if (!arena_range_ok(h, src->cmd_off, src->cmd_len) ||
        (answered && !arena_range_ok(h, src->result_off, src->result_len))) {
        return bad_op(h, i, message, "its bytes lie outside the history's arena");
    }
    pod_kv_cmd cmd;
    if (pod_kv_cmd_decode(pod_history_bytes(h, src->cmd_off), src->cmd_len, &cmd) != POD_KV_OK) {
        if (!answered) { /* a node cannot have executed it */
            stats->ops_excluded++;
            return POD_LIN_REASON_NONE;
        }
        return bad_op(h, i, message, "its command does not decode, yet it was answered as executed");
    }
    if (answered && src->complete_ns < src->invoke_ns) {
        return bad_op(h, i, message, "it completed before it was invoked");
    }
    if (!answered && !cmd_writes(&cmd)) { /* no effect, no answer: nothing to check */
        stats->ops_dropped++;
        return POD_LIN_REASON_NONE;
    }
    if (!prep_reserve(p, cmd.part_count)) return POD_LIN_REASON_NO_MEMORY;
    lin_op *o = &p->ops[p->op_count];
    *o = (lin_op){.invoke_ns = src->invoke_ns, .complete_ns = answered ? src->complete_ns : LIN_TIME_NEVER,
                  .gave_up_ns = src->outcome == POD_HIST_TIMEOUT || open ? src->complete_ns : 0,
                  .hist = i, .part_first = p->part_count, .part_count = (uint8_t)cmd.part_count,
                  .kind = (uint8_t)cmd.op, .status = answered ? src->status : 0, .outcome = src->outcome,
                  .told = open ? src->status : 0};
    for (uint32_t k = 0; k < cmd.part_count; k++) {
        if (!prep_part(p, &cmd.parts[k], &p->parts[p->part_count + k])) return POD_LIN_REASON_NO_MEMORY;
    }
    if (answered && cmd.op == POD_KV_GET && src->status == POD_KV_OK) {
        o->result = strings_intern(&p->values, pod_history_bytes(h, src->result_off), src->result_len);
        if (o->result == 0) return POD_LIN_REASON_NO_MEMORY;
    }
    p->part_count += cmd.part_count;
    p->op_count++;
    if (!answered) stats->ops_unknown++;
    return POD_LIN_REASON_NONE;
}

pod_lin_reason lin_prep_build(lin_prep *p, const pod_history *h, pod_lin_stats *stats,
                              char message[LIN_MESSAGE_MAX]) {
    memset(p, 0, sizeof *p);
    p->h = h;
    message[0] = '\0';
    stats->ops = h->count;
    for (uint32_t i = 0; i < h->count; i++) {
        pod_lin_reason r = prep_op(p, i, stats, message);
        if (r != POD_LIN_REASON_NONE) return r;
    }
    stats->ops_checked = p->op_count;
    stats->keys = p->keys.count;
    return POD_LIN_REASON_NONE;
}

void lin_prep_free(lin_prep *p) {
    free(p->ops);
    free(p->parts);
    strings_free(&p->keys);
    strings_free(&p->values);
    memset(p, 0, sizeof *p);
}

/* --- the model ------------------------------------------------------------------ */

static uint64_t state_term(uint32_t slot, uint32_t value) {
    return value == LIN_ABSENT ? 0 : lin_mix64((uint64_t)slot << 32 | value);
}

static void state_write(lin_state *st, uint32_t slot, uint32_t value, lin_undo *undo, uint32_t *undo_count) {
    assert(slot < st->slots);
    uint32_t old = st->values[slot];
    undo[(*undo_count)++] = (lin_undo){.slot = slot, .old = old};
    st->hash ^= state_term(slot, old) ^ state_term(slot, value);
    st->values[slot] = value;
}

void lin_model_undo(lin_state *st, const lin_undo *undo, uint32_t from, uint32_t *undo_count) {
    assert(from <= *undo_count);
    while (*undo_count > from) {
        const lin_undo *u = &undo[--*undo_count];
        st->hash ^= state_term(u->slot, st->values[u->slot]) ^ state_term(u->slot, u->old);
        st->values[u->slot] = u->old;
    }
}

static bool part_holds(const lin_part *c, uint32_t current) {
    return c->expect_absent ? current == LIN_ABSENT : current == c->expected;
}

/* A status fits the model when it is the one the model gives. An operation
 * without an answer fits whatever happens. */
static bool answer_fits(const lin_op *o, uint8_t model_status) {
    return !lin_op_answered(o) || o->status == model_status;
}

/* Did the writes undo[from..to) leave any key with a new value? */
static bool net_change(const lin_state *st, const lin_undo *undo, uint32_t from, uint32_t to) {
    for (uint32_t i = from; i < to; i++) {
        bool first = true; /* the first write to a slot holds its value before the op */
        for (uint32_t j = from; j < i && first; j++) first = undo[j].slot != undo[i].slot;
        if (first && st->values[undo[i].slot] != undo[i].old) return true;
    }
    return false;
}

static int step_get(const lin_op *o, uint32_t current) {
    assert(lin_op_answered(o)); /* unanswered reads are dropped in preparation */
    if (o->status == POD_KV_OK) return current != LIN_ABSENT && current == o->result ? LIN_STEP_NO_EFFECT
                                                                                     : LIN_STEP_INCONSISTENT;
    if (o->status == POD_KV_NOT_FOUND) return current == LIN_ABSENT ? LIN_STEP_NO_EFFECT : LIN_STEP_INCONSISTENT;
    return LIN_STEP_INCONSISTENT;
}

/* Checks of a CAS or TXN, all against the state before any write. */
static bool checks_hold(const lin_part *parts, uint32_t count, const uint32_t *slot_of_key,
                        const lin_state *st) {
    for (uint32_t i = 0; i < count; i++) {
        const lin_part *c = &parts[i];
        if ((c->op == POD_KV_CAS || c->op == POD_KV_CHECK) &&
            !part_holds(c, st->values[slot_of_key[c->key]])) {
            return false;
        }
    }
    return true;
}

int lin_model_step(const lin_prep *p, const lin_op *o, const uint32_t *slot_of_key, lin_state *st,
                   lin_undo *undo, uint32_t *undo_count) {
    const lin_part *parts = &p->parts[o->part_first];
    uint32_t slot0 = slot_of_key[parts[0].key];
    uint32_t current = st->values[slot0];
    uint32_t from = *undo_count;
    switch (o->kind) {
    case POD_KV_GET:
        return step_get(o, current);
    case POD_KV_PUT:
        if (!answer_fits(o, POD_KV_OK)) return LIN_STEP_INCONSISTENT;
        state_write(st, slot0, parts[0].value, undo, undo_count);
        break;
    case POD_KV_DELETE:
        if (!answer_fits(o, current != LIN_ABSENT ? POD_KV_OK : POD_KV_NOT_FOUND)) return LIN_STEP_INCONSISTENT;
        if (current != LIN_ABSENT) state_write(st, slot0, LIN_ABSENT, undo, undo_count);
        break;
    case POD_KV_CAS:
    case POD_KV_TXN: {
        bool holds = checks_hold(parts, o->part_count, slot_of_key, st);
        if (!answer_fits(o, holds ? POD_KV_OK : POD_KV_CAS_MISMATCH)) return LIN_STEP_INCONSISTENT;
        if (!holds) return LIN_STEP_NO_EFFECT;
        for (uint32_t i = 0; i < o->part_count; i++) {
            const lin_part *w = &parts[i];
            uint32_t slot = slot_of_key[w->key];
            if (w->op == POD_KV_PUT || w->op == POD_KV_CAS) state_write(st, slot, w->value, undo, undo_count);
            if (w->op == POD_KV_DELETE) state_write(st, slot, LIN_ABSENT, undo, undo_count);
        }
        break;
    }
    default:
        return LIN_STEP_INCONSISTENT;
    }
    return net_change(st, undo, from, *undo_count) ? LIN_STEP_CHANGED : LIN_STEP_NO_EFFECT;
}
