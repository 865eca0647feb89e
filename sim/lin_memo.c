/* lin_memo.c — the linearizability search's cache of visited
 * configurations (Lowe, "Testing for linearizability", 2017).
 *
 * A configuration is everything the search's next moves depend on: the
 * answered operations ordered, the model state, the unanswered operations
 * ordered, and which keys hold an unanswered write nobody read yet.
 * Entries are compared in full (no hash is trusted). To keep them small,
 * states are interned (each distinct state stored once, entries hold its
 * id), the answered set is stored as its window (see lin_search.c), and
 * the writer map as its few (slot, writer) pairs. Entries live in one
 * arena of 64-bit words with 32-bit offsets and are never removed; all of
 * it stays within bytes_max. */
#include "sim/lin_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* An entry, in 64-bit words:
 *   [0] hash
 *   [1] next entry in the bucket (word offset + 1; 0 ends) | cprefix << 32
 *   [2] cwords | writer pairs << 32
 *   [3] state id
 *   then cwords words of the answered window, twords words of the
 *   unanswered bitset, and one word (slot << 32 | writer) per pair. */
#define LIN_MEMO_HEADER_WORDS 4u

void lin_memo_init(lin_memo *m, uint32_t twords, uint32_t slots, uint64_t bytes_max) {
    memset(m, 0, sizeof *m);
    m->twords = twords;
    m->slots = slots;
    m->bytes_max = bytes_max;
}

void lin_memo_free(lin_memo *m) {
    free(m->arena);
    free(m->buckets);
    free(m->states);
    free(m->state_hashes);
    free(m->state_index);
    memset(m, 0, sizeof *m);
}

uint64_t lin_memo_bytes(const lin_memo *m) {
    return m->capacity * 8u + (uint64_t)m->bucket_count * 4u +
           (uint64_t)m->state_capacity * (m->slots * 4u + 8u) + (uint64_t)m->state_index_slots * 4u;
}

/* --- interned states ------------------------------------------------------------- */

static const uint32_t *state_at(const lin_memo *m, uint32_t id) { return m->states + (size_t)id * m->slots; }

/* The id of the state, or LIN_NONE when it was never stored. */
static uint32_t state_find(const lin_memo *m, const uint32_t *values, uint64_t hash) {
    if (!m->state_index) return LIN_NONE;
    for (uint32_t at = (uint32_t)hash & m->state_index_mask;; at = (at + 1) & m->state_index_mask) {
        uint32_t v = m->state_index[at];
        if (v == 0) return LIN_NONE;
        if (m->state_hashes[v - 1] == hash && memcmp(state_at(m, v - 1), values, (size_t)m->slots * 4u) == 0) {
            return v - 1;
        }
    }
}

static int state_grow(lin_memo *m) {
    uint64_t want = m->state_capacity ? (uint64_t)m->state_capacity * 2 : 1024;
    uint64_t index_slots = want * 2;
    uint64_t bytes = lin_memo_bytes(m) + (want - m->state_capacity) * (m->slots * 4u + 8u) +
                     (index_slots - m->state_index_slots) * 4u;
    if (want > UINT32_MAX / 2 || bytes > m->bytes_max) return LIN_MEMO_LIMIT;
    uint32_t *states = realloc(m->states, (size_t)want * m->slots * 4u + 4u);
    if (!states) return LIN_MEMO_NO_MEMORY;
    m->states = states;
    uint64_t *hashes = realloc(m->state_hashes, (size_t)want * sizeof *hashes);
    if (!hashes) return LIN_MEMO_NO_MEMORY;
    m->state_hashes = hashes;
    uint32_t *index = calloc((size_t)index_slots, sizeof *index);
    if (!index) return LIN_MEMO_NO_MEMORY;
    uint32_t mask = (uint32_t)index_slots - 1;
    for (uint32_t id = 0; id < m->state_count; id++) {
        uint32_t at = (uint32_t)m->state_hashes[id] & mask;
        while (index[at]) at = (at + 1) & mask;
        index[at] = id + 1;
    }
    free(m->state_index);
    m->state_index = index;
    m->state_index_mask = mask;
    m->state_index_slots = (uint32_t)index_slots;
    m->state_capacity = (uint32_t)want;
    return LIN_MEMO_NEW;
}

/* Stores a state not stored yet; its id in *id. */
static int state_add(lin_memo *m, const uint32_t *values, uint64_t hash, uint32_t *id) {
    if (m->state_count == m->state_capacity) {
        int r = state_grow(m);
        if (r != LIN_MEMO_NEW) return r;
    }
    *id = m->state_count++;
    if (m->slots) memcpy(m->states + (size_t)*id * m->slots, values, (size_t)m->slots * 4u);
    m->state_hashes[*id] = hash;
    uint32_t at = (uint32_t)hash & m->state_index_mask;
    while (m->state_index[at]) at = (at + 1) & m->state_index_mask;
    m->state_index[at] = *id + 1;
    return LIN_MEMO_NEW;
}

/* --- entries --------------------------------------------------------------------- */

/* The writer map's pairs: the search counts them as it goes, so that the
 * common empty map costs no pass over every slot. */
static uint32_t writer_pairs(const lin_memo *m, const lin_config *cfg) {
#ifndef NDEBUG
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->slots; i++) n += cfg->writer[i] != LIN_NONE;
    assert(n == cfg->writer_count);
#else
    (void)m;
#endif
    return cfg->writer_count;
}

static bool pairs_match(const lin_memo *m, const uint64_t *w, const lin_config *cfg) {
    if (cfg->writer_count == 0) return true; /* the entry has none either: counts were compared */
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->slots; i++) {
        if (cfg->writer[i] != LIN_NONE && w[k++] != ((uint64_t)i << 32 | cfg->writer[i])) return false;
    }
    return true;
}

static bool entry_matches(const lin_memo *m, const uint64_t *e, const lin_config *cfg, uint32_t state_id,
                          uint32_t pairs) {
    if (e[0] != cfg->hash || (uint32_t)(e[1] >> 32) != cfg->cprefix || e[3] != state_id) return false;
    if ((uint32_t)e[2] != cfg->cwords || (uint32_t)(e[2] >> 32) != pairs) return false;
    const uint64_t *w = e + LIN_MEMO_HEADER_WORDS;
    if (memcmp(w, cfg->cwindow, (size_t)cfg->cwords * 8u) != 0) return false;
    w += cfg->cwords;
    if (m->twords && memcmp(w, cfg->tbits, (size_t)m->twords * 8u) != 0) return false;
    return pairs_match(m, w + m->twords, cfg);
}

static bool memo_rehash(lin_memo *m, uint32_t count) {
    uint32_t *buckets = calloc(count, sizeof *buckets);
    if (!buckets) return false;
    for (uint32_t b = 0; b < m->bucket_count; b++) {
        uint32_t at = m->buckets[b];
        while (at) {
            uint64_t *e = m->arena + (at - 1);
            uint32_t next = (uint32_t)e[1];
            uint32_t nb = (uint32_t)e[0] & (count - 1);
            e[1] = (e[1] & 0xffffffff00000000u) | buckets[nb];
            buckets[nb] = at;
            at = next;
        }
    }
    free(m->buckets);
    m->buckets = buckets;
    m->bucket_count = count;
    return true;
}

/* Room for one more entry of `words` words: LIN_MEMO_NEW, or LIMIT or
 * NO_MEMORY. */
static int memo_reserve(lin_memo *m, uint64_t words) {
    if (m->entries + 1 > m->bucket_count) {
        uint64_t count = m->bucket_count ? (uint64_t)m->bucket_count * 2 : 4096;
        if (count > (1u << 31) || lin_memo_bytes(m) + (count - m->bucket_count) * 4u > m->bytes_max) {
            return LIN_MEMO_LIMIT;
        }
        if (!memo_rehash(m, (uint32_t)count)) return LIN_MEMO_NO_MEMORY;
    }
    if (m->used + words > m->capacity) {
        uint64_t want = m->capacity ? m->capacity * 2 : 65536;
        while (want < m->used + words) want *= 2;
        uint64_t others = lin_memo_bytes(m) - m->capacity * 8u;
        uint64_t max_words = m->bytes_max > others ? (m->bytes_max - others) / 8u : 0;
        if (max_words > UINT32_MAX - 1u) max_words = UINT32_MAX - 1u; /* offsets are 32-bit */
        if (want > max_words) want = max_words;
        if (want < m->used + words) return LIN_MEMO_LIMIT;
        uint64_t *arena = realloc(m->arena, (size_t)want * 8u);
        if (!arena) return LIN_MEMO_NO_MEMORY;
        m->arena = arena;
        m->capacity = want;
    }
    return LIN_MEMO_NEW;
}

static void memo_store(lin_memo *m, const lin_config *cfg, uint32_t state_id, uint32_t pairs, uint64_t words) {
    uint64_t *e = m->arena + m->used;
    uint32_t bucket = (uint32_t)cfg->hash & (m->bucket_count - 1);
    e[0] = cfg->hash;
    e[1] = (uint64_t)cfg->cprefix << 32 | m->buckets[bucket];
    e[2] = (uint64_t)pairs << 32 | cfg->cwords;
    e[3] = state_id;
    uint64_t *w = e + LIN_MEMO_HEADER_WORDS;
    memcpy(w, cfg->cwindow, (size_t)cfg->cwords * 8u);
    w += cfg->cwords;
    if (m->twords) memcpy(w, cfg->tbits, (size_t)m->twords * 8u);
    w += m->twords;
    for (uint32_t i = 0; i < m->slots && pairs > 0; i++) {
        if (cfg->writer[i] != LIN_NONE) *w++ = (uint64_t)i << 32 | cfg->writer[i];
    }
    m->buckets[bucket] = (uint32_t)(m->used + 1);
    m->used += words;
    m->entries++;
}

int lin_memo_visit(lin_memo *m, const lin_config *cfg) {
    uint32_t state_id = state_find(m, cfg->state, cfg->state_hash);
    uint32_t pairs = writer_pairs(m, cfg);
    if (state_id != LIN_NONE && m->bucket_count) {
        uint32_t at = m->buckets[(uint32_t)cfg->hash & (m->bucket_count - 1)];
        while (at) {
            const uint64_t *e = m->arena + (at - 1);
            if (entry_matches(m, e, cfg, state_id, pairs)) return LIN_MEMO_SEEN;
            at = (uint32_t)e[1];
        }
    }
    uint64_t words = LIN_MEMO_HEADER_WORDS + cfg->cwords + m->twords + pairs;
    int r = memo_reserve(m, words);
    if (r == LIN_MEMO_NEW && state_id == LIN_NONE) r = state_add(m, cfg->state, cfg->state_hash, &state_id);
    if (r != LIN_MEMO_NEW) return r;
    memo_store(m, cfg, state_id, pairs, words);
    return LIN_MEMO_NEW;
}
