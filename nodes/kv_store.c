/* kv_store.c — the key-value state machine: a sorted array of entries
 * (binary search; a canonical order for snapshots), and the command codec.
 *
 * The state hash is kept as the entries change, never recomputed from the
 * whole store: every pair has its own hash (pair_hash below), and the store
 * keeps their sum mod 2^64. Addition is commutative and invertible, so a
 * change costs one pair hash (an overwrite or a delete subtracts the old
 * pair's term, kept in its entry) and equal contents give equal sums
 * whatever the history. Every change goes through set_value or delete_key,
 * the only two functions that touch entries, so none can forget the sum.
 *
 * Encoding, little-endian:
 *   u8 op, u8 part_count, u16 zero, u32 zero, then part_count parts:
 *   u8 op, u8 flags (bit 0: expect_absent), u16 key_len, u32 value_len,
 *   u32 expected_len, key, value, expected. */
#include "nodes/kv_store.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

/* Seeds that keep the hashes of keys, pairs and the final state apart. */
#define KV_HASH_SEED_KEY 0x6b65792d68617368ull   /* "key-hash" */
#define KV_HASH_SEED_STATE 0x6b762d7374617465ull /* "kv-state" */

typedef struct kv_entry {
    uint8_t *key;
    uint32_t key_len;
    uint8_t *value;
    uint32_t value_len;
    uint64_t pair_hash; /* pair_hash(key, value): its term in pair_hash_sum */
} kv_entry;

struct pod_kv_store {
    kv_entry *entries; /* sorted by key, byte-wise */
    uint32_t count;
    uint32_t capacity;
    uint64_t pair_hash_sum; /* of every entry's pair_hash, mod 2^64 */
};

const char *pod_kv_status_name(pod_kv_status status) {
    switch (status) {
    case POD_KV_OK: return "ok";
    case POD_KV_NOT_FOUND: return "not-found";
    case POD_KV_CAS_MISMATCH: return "cas-mismatch";
    case POD_KV_E_MALFORMED: return "malformed";
    case POD_KV_E_TOO_LARGE: return "too-large";
    case POD_KV_E_FULL: return "full";
    }
    return "?";
}

bool pod_kv_cmd_is_write(const pod_kv_cmd *cmd) { return cmd->op != POD_KV_GET; }

/* --- codec ----------------------------------------------------------------- */

static void put_u16(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool part_op_allowed(pod_kv_op cmd_op, pod_kv_op part_op) {
    if (cmd_op == POD_KV_TXN) {
        return part_op == POD_KV_PUT || part_op == POD_KV_DELETE || part_op == POD_KV_CHECK;
    }
    return part_op == cmd_op;
}

/* Checks the shape of a part: sizes within limits, fields present exactly
 * when its op uses them. */
static pod_kv_status part_check(const pod_kv_part *p) {
    if (p->key_len == 0) return POD_KV_E_MALFORMED;
    if (p->key_len > POD_KV_KEY_BYTES_MAX || p->value_len > POD_KV_VALUE_BYTES_MAX ||
        p->expected_len > POD_KV_VALUE_BYTES_MAX) {
        return POD_KV_E_TOO_LARGE;
    }
    bool has_value = p->op == POD_KV_PUT || p->op == POD_KV_CAS;
    bool has_expected = (p->op == POD_KV_CAS || p->op == POD_KV_CHECK) && !p->expect_absent;
    if (!has_value && p->value_len) return POD_KV_E_MALFORMED;
    if (!has_expected && p->expected_len) return POD_KV_E_MALFORMED;
    if (p->expect_absent && p->op != POD_KV_CAS && p->op != POD_KV_CHECK) return POD_KV_E_MALFORMED;
    return POD_KV_OK;
}

static pod_kv_status cmd_check(const pod_kv_cmd *cmd) {
    if (cmd->op < POD_KV_PUT || cmd->op > POD_KV_TXN) return POD_KV_E_MALFORMED;
    if (cmd->part_count == 0) return POD_KV_E_MALFORMED;
    if (cmd->part_count > POD_KV_TXN_PARTS_MAX) return POD_KV_E_TOO_LARGE;
    if (cmd->op != POD_KV_TXN && cmd->part_count != 1) return POD_KV_E_MALFORMED;
    for (uint32_t i = 0; i < cmd->part_count; i++) {
        if (!part_op_allowed(cmd->op, cmd->parts[i].op)) return POD_KV_E_MALFORMED;
        pod_kv_status s = part_check(&cmd->parts[i]);
        if (s != POD_KV_OK) return s;
    }
    return POD_KV_OK;
}

uint32_t pod_kv_cmd_encode(const pod_kv_cmd *cmd, uint8_t *out, uint32_t cap) {
    if (cmd_check(cmd) != POD_KV_OK) return 0;
    uint64_t need = 8;
    for (uint32_t i = 0; i < cmd->part_count; i++) {
        const pod_kv_part *p = &cmd->parts[i];
        need += 12u + (uint64_t)p->key_len + p->value_len + p->expected_len;
    }
    if (need > cap) return 0;
    memset(out, 0, 8);
    out[0] = (uint8_t)cmd->op;
    out[1] = (uint8_t)cmd->part_count;
    uint8_t *w = out + 8;
    for (uint32_t i = 0; i < cmd->part_count; i++) {
        const pod_kv_part *p = &cmd->parts[i];
        w[0] = (uint8_t)p->op;
        w[1] = p->expect_absent ? 1 : 0;
        put_u16(w + 2, p->key_len);
        put_u32(w + 4, p->value_len);
        put_u32(w + 8, p->expected_len);
        w += 12;
        memcpy(w, p->key, p->key_len);
        w += p->key_len;
        if (p->value_len) memcpy(w, p->value, p->value_len);
        w += p->value_len;
        if (p->expected_len) memcpy(w, p->expected, p->expected_len);
        w += p->expected_len;
    }
    return (uint32_t)need;
}

pod_kv_status pod_kv_cmd_decode(const uint8_t *bytes, uint32_t len, pod_kv_cmd *cmd) {
    memset(cmd, 0, sizeof *cmd);
    if (len < 8) return POD_KV_E_MALFORMED;
    if (bytes[2] | bytes[3] | bytes[4] | bytes[5] | bytes[6] | bytes[7]) return POD_KV_E_MALFORMED;
    cmd->op = (pod_kv_op)bytes[0];
    cmd->part_count = bytes[1];
    if (cmd->part_count > POD_KV_TXN_PARTS_MAX) return POD_KV_E_TOO_LARGE;
    uint32_t at = 8;
    for (uint32_t i = 0; i < cmd->part_count; i++) {
        if (len - at < 12) return POD_KV_E_MALFORMED;
        const uint8_t *h = bytes + at;
        pod_kv_part *p = &cmd->parts[i];
        if (h[1] & ~1u) return POD_KV_E_MALFORMED;
        p->op = (pod_kv_op)h[0];
        p->expect_absent = h[1] & 1u;
        p->key_len = get_u16(h + 2);
        p->value_len = get_u32(h + 4);
        p->expected_len = get_u32(h + 8);
        at += 12;
        /* 64-bit sum: three u32 lengths cannot overflow it. */
        uint64_t body = (uint64_t)p->key_len + p->value_len + p->expected_len;
        if (body > len - at) return POD_KV_E_MALFORMED;
        p->key = bytes + at;
        p->value = bytes + at + p->key_len;
        p->expected = p->value + p->value_len;
        at += (uint32_t)body;
    }
    if (at != len) return POD_KV_E_MALFORMED;
    return cmd_check(cmd);
}

/* --- the store ----------------------------------------------------------- */

pod_kv_store *pod_kv_create(void) { return calloc(1, sizeof(pod_kv_store)); }

void pod_kv_destroy(pod_kv_store *store) {
    if (!store) return;
    for (uint32_t i = 0; i < store->count; i++) {
        free(store->entries[i].key);
        free(store->entries[i].value);
    }
    free(store->entries);
    free(store);
}

static int key_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c) return c;
    return (alen > blen) - (alen < blen);
}

/* Index of the key, or of where it would go; *found says which. */
static uint32_t find(const pod_kv_store *store, const uint8_t *key, uint32_t key_len, bool *found) {
    uint32_t lo = 0, hi = store->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(store->entries[mid].key, store->entries[mid].key_len, key, key_len);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) lo = mid + 1; else hi = mid;
    }
    *found = false;
    return lo;
}

static const kv_entry *lookup(const pod_kv_store *store, const uint8_t *key, uint32_t key_len) {
    bool found;
    uint32_t i = find(store, key, key_len, &found);
    return found ? &store->entries[i] : NULL;
}

static bool holds(const pod_kv_store *store, const pod_kv_part *p) {
    const kv_entry *e = lookup(store, p->key, p->key_len);
    if (p->expect_absent) return e == NULL;
    return e && e->value_len == p->expected_len && memcmp(e->value, p->expected, p->expected_len) == 0;
}

/* One pair's hash: XXH3 of the value, seeded with XXH3 of the key. The key's
 * hash covers its length and bytes, so (key, value) is told apart from any
 * other split of the same bytes without copying them into one buffer. */
static uint64_t pair_hash(const uint8_t *key, uint32_t key_len, const uint8_t *value, uint32_t value_len) {
    uint64_t key_hash = XXH3_64bits_withSeed(key, key_len, KV_HASH_SEED_KEY);
    return XXH3_64bits_withSeed(value, value_len, key_hash);
}

static uint8_t *dup_bytes(const uint8_t *src, uint32_t len) {
    uint8_t *copy = malloc(len ? len : 1);
    if (copy && len) memcpy(copy, src, len);
    return copy;
}

/* Sets key to value. The caller has checked there is room for a new key.
 * Allocation failure aborts: a state machine that half-applied a command
 * could not continue deterministically. */
static void set_value(pod_kv_store *store, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                      uint32_t value_len) {
    bool found;
    uint32_t i = find(store, key, key_len, &found);
    uint8_t *v = dup_bytes(value, value_len);
    if (!v) abort();
    uint64_t h = pair_hash(key, key_len, value, value_len);
    if (found) {
        kv_entry *e = &store->entries[i];
        store->pair_hash_sum += h - e->pair_hash; /* mod 2^64: the old pair out, the new in */
        free(e->value);
        e->value = v;
        e->value_len = value_len;
        e->pair_hash = h;
        return;
    }
    if (store->count == store->capacity) {
        uint32_t want = store->capacity ? store->capacity * 2 : 64;
        kv_entry *grown = realloc(store->entries, (size_t)want * sizeof *grown);
        if (!grown) abort();
        store->entries = grown;
        store->capacity = want;
    }
    uint8_t *k = dup_bytes(key, key_len);
    if (!k) abort();
    memmove(&store->entries[i + 1], &store->entries[i], (size_t)(store->count - i) * sizeof(kv_entry));
    store->entries[i] = (kv_entry){.key = k, .key_len = key_len, .value = v, .value_len = value_len, .pair_hash = h};
    store->count++;
    store->pair_hash_sum += h;
}

static bool delete_key(pod_kv_store *store, const uint8_t *key, uint32_t key_len) {
    bool found;
    uint32_t i = find(store, key, key_len, &found);
    if (!found) return false;
    store->pair_hash_sum -= store->entries[i].pair_hash;
    free(store->entries[i].key);
    free(store->entries[i].value);
    memmove(&store->entries[i], &store->entries[i + 1], (size_t)(store->count - i - 1) * sizeof(kv_entry));
    store->count--;
    return true;
}

/* Keys a command would add (an upper bound: a TXN may put a key twice). */
static uint32_t new_keys_needed(const pod_kv_store *store, const pod_kv_cmd *cmd) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < cmd->part_count; i++) {
        const pod_kv_part *p = &cmd->parts[i];
        if ((p->op == POD_KV_PUT || p->op == POD_KV_CAS) && !lookup(store, p->key, p->key_len)) n++;
    }
    return n;
}

pod_kv_status pod_kv_apply(pod_kv_store *store, const pod_kv_cmd *cmd, const uint8_t **value_out,
                           uint32_t *value_len_out) {
    pod_kv_status s = cmd_check(cmd);
    if (s != POD_KV_OK) return s;
    const pod_kv_part *p = &cmd->parts[0];
    if (cmd->op == POD_KV_GET) {
        const kv_entry *e = lookup(store, p->key, p->key_len);
        if (!e) return POD_KV_NOT_FOUND;
        if (value_out) *value_out = e->value;
        if (value_len_out) *value_len_out = e->value_len;
        return POD_KV_OK;
    }
    if (cmd->op == POD_KV_DELETE) return delete_key(store, p->key, p->key_len) ? POD_KV_OK : POD_KV_NOT_FOUND;

    /* Every check first, then every write: all or nothing. */
    for (uint32_t i = 0; i < cmd->part_count; i++) {
        const pod_kv_part *c = &cmd->parts[i];
        if ((c->op == POD_KV_CAS || c->op == POD_KV_CHECK) && !holds(store, c)) return POD_KV_CAS_MISMATCH;
    }
    if (store->count + new_keys_needed(store, cmd) > POD_KV_KEYS_MAX) return POD_KV_E_FULL;
    for (uint32_t i = 0; i < cmd->part_count; i++) {
        const pod_kv_part *w = &cmd->parts[i];
        if (w->op == POD_KV_PUT || w->op == POD_KV_CAS) {
            set_value(store, w->key, w->key_len, w->value, w->value_len);
        } else if (w->op == POD_KV_DELETE) {
            delete_key(store, w->key, w->key_len);
        }
    }
    return POD_KV_OK;
}

uint32_t pod_kv_key_count(const pod_kv_store *store) { return store->count; }

void pod_kv_pair_at(const pod_kv_store *store, uint32_t i, const uint8_t **key, uint32_t *key_len,
                    const uint8_t **value, uint32_t *value_len) {
    assert(i < store->count);
    const kv_entry *e = &store->entries[i];
    *key = e->key;
    *key_len = e->key_len;
    *value = e->value;
    *value_len = e->value_len;
}

bool pod_kv_load_pair(pod_kv_store *store, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                      uint32_t value_len) {
    if (key_len == 0 || key_len > POD_KV_KEY_BYTES_MAX || value_len > POD_KV_VALUE_BYTES_MAX) return false;
    if (store->count >= POD_KV_KEYS_MAX) return false;
    if (store->count > 0) {
        const kv_entry *last = &store->entries[store->count - 1];
        if (key_cmp(last->key, last->key_len, key, key_len) >= 0) return false;
    }
    set_value(store, key, key_len, value, value_len); /* appends: keys come in order */
    return true;
}

/* The sum and the key count, mixed: sums are linear, and a state hash that
 * looks random is safer to compare and to print. */
static uint64_t state_hash_of(uint64_t sum, uint32_t count) {
    uint8_t buf[12];
    for (int b = 0; b < 8; b++) buf[b] = (uint8_t)(sum >> (8 * b));
    put_u32(buf + 8, count);
    return XXH3_64bits_withSeed(buf, sizeof buf, KV_HASH_SEED_STATE);
}

uint64_t pod_kv_state_hash(const pod_kv_store *store) { return state_hash_of(store->pair_hash_sum, store->count); }

uint64_t pod_kv_state_hash_slow(const pod_kv_store *store) {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < store->count; i++) {
        const kv_entry *e = &store->entries[i];
        sum += pair_hash(e->key, e->key_len, e->value, e->value_len); /* not e->pair_hash: from the bytes */
    }
    return state_hash_of(sum, store->count);
}
