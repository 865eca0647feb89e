/* test_state_hash.c — the running state hashes of the key-value store
 * (pod_kv_state_hash) and of the Idempotent Receiver (pod_idem_hash).
 *
 * Both are kept up to date as entries change instead of being recomputed,
 * so a path that changed an entry and forgot the hash would go unnoticed
 * by the checkers that compare replicas — they would compare wrong hashes.
 * So: a long random walk of every kind of change (puts, overwrites,
 * deletes, compare-and-swap, transactions that apply or not, loads,
 * remembered requests, snapshot round trips), with after each step
 *   - the running hash equal to a recomputation from scratch (_slow);
 *   - the contents equal to a simple model kept by the test;
 *   - the hash equal to that of a store built afresh from the model (the
 *     same contents by another history);
 * and at the end, over every step, equal contents <=> equal hashes, with
 * contents told apart by the test's own fingerprint of the model. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "nodes/idempotent_receiver.h"
#include "nodes/kv_store.h"
#include "nodes/snapshot_format.h"
#include "sim/rng.h"

#define WALK_STEPS 20000u
#define WALK_KEYS 10u    /* few keys, values and clients: contents recur often */
#define WALK_CLIENTS 8u

/* --- small helpers ------------------------------------------------------------- */

static pod_kv_part put_part(const char *k, const char *v) {
    return (pod_kv_part){.op = POD_KV_PUT, .key = (const uint8_t *)k, .key_len = (uint32_t)strlen(k),
                         .value = (const uint8_t *)v, .value_len = (uint32_t)strlen(v)};
}

static pod_kv_part del_part(const char *k) {
    return (pod_kv_part){.op = POD_KV_DELETE, .key = (const uint8_t *)k, .key_len = (uint32_t)strlen(k)};
}

static pod_kv_status run1(pod_kv_store *s, pod_kv_part p) {
    pod_kv_cmd c = {.op = p.op, .part_count = 1};
    c.parts[0] = p;
    return pod_kv_apply(s, &c, NULL, NULL);
}

static void assert_running_hash_right(const pod_kv_store *s) {
    cr_assert_eq(pod_kv_state_hash(s), pod_kv_state_hash_slow(s), "the running kv hash drifted from the contents");
}

static void assert_idem_hash_right(const pod_idem *r) {
    cr_assert_eq(pod_idem_hash(r), pod_idem_hash_slow(r), "the running client-memory hash drifted");
}

static pod_idem *idem_new(void) {
    pod_idem *r = calloc(1, sizeof *r); /* zeroed: empty, hash included */
    cr_assert_not_null(r);
    return r;
}

/* --- the model: what the store and the memory should hold ------------------------ */

typedef struct kv_model {
    uint8_t key[WALK_KEYS][POD_KV_KEY_BYTES_MAX];
    uint32_t key_len[WALK_KEYS];
    bool present[WALK_KEYS];
    uint8_t value[WALK_KEYS][POD_KV_VALUE_BYTES_MAX];
    uint32_t value_len[WALK_KEYS];
} kv_model;

typedef struct idem_model {
    uint32_t client_id[WALK_CLIENTS]; /* ascending with the slot */
    bool known[WALK_CLIENTS];
    pod_idem_client rec[WALK_CLIENTS];
} idem_model;

/* Keys of every length class: short ones, and some long ones (up to the
 * largest) so that the key hash covers more than one XXH3 block. */
static void model_init(kv_model *m, idem_model *im) {
    memset(m, 0, sizeof *m);
    for (uint32_t i = 0; i < WALK_KEYS; i++) {
        if (i % 7 == 6 || i == WALK_KEYS - 1) {
            m->key_len[i] = i == WALK_KEYS - 1 ? POD_KV_KEY_BYTES_MAX : 100u + i * 7u;
            memset(m->key[i], 'L', m->key_len[i]);
            m->key[i][m->key_len[i] - 1] = (uint8_t)('a' + i);
        } else {
            m->key_len[i] = (uint32_t)snprintf((char *)m->key[i], POD_KV_KEY_BYTES_MAX, "k%u", i);
        }
    }
    memset(im, 0, sizeof *im);
    for (uint32_t c = 0; c < WALK_CLIENTS; c++) im->client_id[c] = c < WALK_CLIENTS - 2 ? c * 3u + 1u : 0xfffffff0u + c;
}

/* A value for a write: mostly one of a handful of short ones (so states
 * recur), sometimes random bytes, rarely the largest value. */
static uint32_t draw_value(pod_rng *rng, uint8_t *out) {
    uint64_t pick = pod_rng_below(rng, 100);
    if (pick < 80) {
        static const char *const common[] = {"", "a", "b", "ab", "ba", "aaa"};
        const char *v = common[pod_rng_below(rng, 6)];
        memcpy(out, v, strlen(v));
        return (uint32_t)strlen(v);
    }
    uint32_t len = pick < 98 ? (uint32_t)pod_rng_below(rng, 600) : POD_KV_VALUE_BYTES_MAX;
    for (uint32_t i = 0; i < len; i++) out[i] = (uint8_t)pod_rng_next(rng);
    return len;
}

static void model_set(kv_model *m, uint32_t k, const uint8_t *v, uint32_t len) {
    m->present[k] = true;
    m->value_len[k] = len;
    if (len) memcpy(m->value[k], v, len);
}

static bool model_holds(const kv_model *m, uint32_t k, bool expect_absent, const uint8_t *v, uint32_t len) {
    if (expect_absent) return !m->present[k];
    return m->present[k] && m->value_len[k] == len && memcmp(m->value[k], v, len) == 0;
}

static int32_t model_slot(const kv_model *m, const uint8_t *key, uint32_t key_len) {
    for (uint32_t i = 0; i < WALK_KEYS; i++) {
        if (m->key_len[i] == key_len && memcmp(m->key[i], key, key_len) == 0) return (int32_t)i;
    }
    return -1;
}

/* The test's own fingerprint of the contents (128 bits over the model in
 * slot order): unrelated to how the product hashes. */
static XXH128_hash_t kv_fingerprint(const kv_model *m) {
    XXH3_state_t *st = XXH3_createState();
    cr_assert_not_null(st);
    XXH3_128bits_reset(st);
    for (uint32_t i = 0; i < WALK_KEYS; i++) {
        if (!m->present[i]) continue;
        XXH3_128bits_update(st, &i, sizeof i);
        XXH3_128bits_update(st, &m->value_len[i], sizeof m->value_len[i]);
        XXH3_128bits_update(st, m->value[i], m->value_len[i]);
    }
    XXH128_hash_t h = XXH3_128bits_digest(st);
    XXH3_freeState(st);
    return h;
}

static XXH128_hash_t idem_fingerprint(const idem_model *im) {
    uint64_t words[WALK_CLIENTS * 4];
    uint32_t n = 0;
    for (uint32_t c = 0; c < WALK_CLIENTS; c++) {
        if (!im->known[c]) continue;
        words[n++] = c;
        words[n++] = im->rec[c].request_no;
        words[n++] = im->rec[c].index;
        words[n++] = im->rec[c].status;
    }
    return XXH3_128bits(words, n * sizeof words[0]);
}

/* The store holds exactly the model's pairs, in ascending key order. */
static void assert_store_is_model(const pod_kv_store *s, const kv_model *m) {
    uint32_t want = 0;
    for (uint32_t i = 0; i < WALK_KEYS; i++) want += m->present[i];
    cr_assert_eq(pod_kv_key_count(s), want);
    for (uint32_t i = 0; i < want; i++) {
        const uint8_t *k, *v;
        uint32_t kl, vl;
        pod_kv_pair_at(s, i, &k, &kl, &v, &vl);
        int32_t slot = model_slot(m, k, kl);
        cr_assert(slot >= 0 && m->present[slot], "a pair the model does not hold");
        cr_assert(vl == m->value_len[slot] && memcmp(v, m->value[slot], vl) == 0, "a value the model does not hold");
    }
}

static void assert_idem_is_model(const pod_idem *r, const idem_model *im) {
    uint32_t n = 0;
    for (uint32_t c = 0; c < WALK_CLIENTS; c++) {
        if (!im->known[c]) continue;
        cr_assert(n < r->count);
        const pod_idem_client *got = &r->clients[n++];
        cr_assert(got->client_id == im->rec[c].client_id && got->request_no == im->rec[c].request_no &&
                      got->index == im->rec[c].index && got->status == im->rec[c].status,
                  "client %u: a record the model does not hold", im->client_id[c]);
    }
    cr_assert_eq(r->count, n);
}

/* A store with the model's contents, built by loading pairs in key order:
 * the path a snapshot takes, another history than the walk's. */
static pod_kv_store *store_from_model(const kv_model *m) {
    int32_t order[WALK_KEYS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < WALK_KEYS; i++) {
        if (!m->present[i]) continue;
        uint32_t at = n++;
        while (at > 0) { /* insertion sort by key bytes */
            const uint8_t *a = m->key[order[at - 1]], *b = m->key[i];
            uint32_t al = m->key_len[order[at - 1]], bl = m->key_len[i];
            int c = memcmp(a, b, al < bl ? al : bl);
            if (c < 0 || (c == 0 && al < bl)) break;
            order[at] = order[at - 1];
            at--;
        }
        order[at] = (int32_t)i;
    }
    pod_kv_store *s = pod_kv_create();
    cr_assert_not_null(s);
    for (uint32_t j = 0; j < n; j++) {
        int32_t k = order[j];
        cr_assert(pod_kv_load_pair(s, m->key[k], m->key_len[k], m->value[k], m->value_len[k]));
    }
    return s;
}

/* --- the walk's steps ---------------------------------------------------------------- */

typedef struct walk {
    pod_rng rng;
    kv_model *m;
    idem_model im;
    pod_kv_store *store;
    pod_idem *idem;
    uint64_t next_index;
    uint8_t values[POD_KV_TXN_PARTS_MAX][POD_KV_VALUE_BYTES_MAX]; /* the bytes a command's parts point at */
    uint8_t expected[POD_KV_TXN_PARTS_MAX][POD_KV_VALUE_BYTES_MAX];
} walk;

/* A single put, delete or compare-and-swap, applied to store and model. */
static void step_single(walk *w) {
    kv_model *m = w->m;
    uint32_t k = (uint32_t)pod_rng_below(&w->rng, WALK_KEYS);
    pod_kv_part p = {.key = m->key[k], .key_len = m->key_len[k]};
    uint64_t kind = pod_rng_below(&w->rng, 10);
    if (kind < 5) {
        p.op = POD_KV_PUT;
        p.value = w->values[0];
        p.value_len = draw_value(&w->rng, w->values[0]);
        cr_assert_eq(run1(w->store, p), POD_KV_OK);
        model_set(m, k, p.value, p.value_len);
    } else if (kind < 8) {
        p.op = POD_KV_DELETE;
        cr_assert_eq(run1(w->store, p), m->present[k] ? POD_KV_OK : POD_KV_NOT_FOUND);
        m->present[k] = false;
    } else {
        p.op = POD_KV_CAS;
        p.value = w->values[0];
        p.value_len = draw_value(&w->rng, w->values[0]);
        p.expect_absent = pod_rng_below(&w->rng, 3) == 0;
        if (!p.expect_absent) {
            /* Often the value it holds, so that both outcomes happen. */
            bool same = m->present[k] && pod_rng_below(&w->rng, 2) == 0;
            p.expected = w->expected[0];
            p.expected_len = same ? m->value_len[k] : draw_value(&w->rng, w->expected[0]);
            if (same && p.expected_len) memcpy(w->expected[0], m->value[k], p.expected_len);
        }
        bool holds = model_holds(m, k, p.expect_absent, p.expected, p.expected_len);
        cr_assert_eq(run1(w->store, p), holds ? POD_KV_OK : POD_KV_CAS_MISMATCH);
        if (holds) model_set(m, k, p.value, p.value_len);
    }
}

/* A transaction: checks (true or not), then puts and deletes, a key maybe
 * written twice. All or nothing, in the store and in the model. */
static void step_txn(walk *w) {
    kv_model *m = w->m;
    pod_kv_cmd cmd = {.op = POD_KV_TXN, .part_count = 1 + (uint32_t)pod_rng_below(&w->rng, 6)};
    bool all_hold = true;
    for (uint32_t i = 0; i < cmd.part_count; i++) {
        uint32_t k = (uint32_t)pod_rng_below(&w->rng, WALK_KEYS);
        pod_kv_part *p = &cmd.parts[i];
        *p = (pod_kv_part){.key = m->key[k], .key_len = m->key_len[k]};
        uint64_t kind = pod_rng_below(&w->rng, 8);
        if (kind == 0) {
            p->op = POD_KV_CHECK;
            p->expect_absent = !m->present[k] || pod_rng_below(&w->rng, 4) == 0;
            if (!p->expect_absent) {
                p->expected = m->value[k]; /* holds unless an earlier part of this txn changes it: checks come first */
                p->expected_len = m->value_len[k];
            }
            all_hold = all_hold && model_holds(m, k, p->expect_absent, p->expected, p->expected_len);
        } else if (kind < 6) {
            p->op = POD_KV_PUT;
            p->value = w->values[i];
            p->value_len = draw_value(&w->rng, w->values[i]);
        } else {
            p->op = POD_KV_DELETE;
        }
    }
    pod_kv_status st = pod_kv_apply(w->store, &cmd, NULL, NULL);
    cr_assert_eq(st, all_hold ? POD_KV_OK : POD_KV_CAS_MISMATCH);
    if (!all_hold) return;
    for (uint32_t i = 0; i < cmd.part_count; i++) {
        const pod_kv_part *p = &cmd.parts[i];
        int32_t k = model_slot(m, p->key, p->key_len);
        if (p->op == POD_KV_PUT) model_set(m, (uint32_t)k, p->value, p->value_len);
        if (p->op == POD_KV_DELETE) m->present[k] = false;
    }
}

/* The Idempotent Receiver remembers a request: a new client, or a later
 * request of a known one (its record overwritten). */
static void step_remember(walk *w) {
    idem_model *im = &w->im;
    uint32_t c = (uint32_t)pod_rng_below(&w->rng, WALK_CLIENTS);
    uint64_t after = im->known[c] ? im->rec[c].request_no : 0;
    /* Few request numbers, indexes and statuses: records recur. */
    pod_idem_client rec = {.client_id = im->client_id[c], .request_no = after + 1,
                           .index = w->next_index++ % 4, .status = (uint8_t)pod_rng_below(&w->rng, 2)};
    pod_idem_client first;
    cr_assert_not(pod_idem_applied(w->idem, rec.client_id, rec.request_no, &first));
    pod_idem_remember(w->idem, rec.client_id, rec.request_no, rec.index, rec.status);
    cr_assert(pod_idem_applied(w->idem, rec.client_id, rec.request_no, &first));
    cr_assert_eq(first.status, rec.status);
    im->known[c] = true;
    im->rec[c] = rec;
}

/* Forgets a client: the memory is loaded again without it, as from a
 * snapshot that never saw it. */
static void step_idem_load(walk *w) {
    idem_model *im = &w->im;
    uint32_t c = (uint32_t)pod_rng_below(&w->rng, WALK_CLIENTS);
    im->known[c] = false;
    pod_idem_client list[WALK_CLIENTS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < WALK_CLIENTS; i++) {
        if (im->known[i]) list[n++] = im->rec[i];
    }
    pod_idem *fresh = idem_new();
    cr_assert(pod_idem_load(fresh, list, n));
    free(w->idem);
    w->idem = fresh;
}

/* A snapshot of both, decoded into a new store and a new memory, which
 * the walk goes on with: the hashes must survive the round trip. */
static void step_snapshot(walk *w) {
    pod_snap_header h = {.last_index = w->next_index + 1, .last_term = 1};
    size_t len = 0;
    uint8_t *bytes = pod_snap_encode(&h, w->store, w->idem->clients, w->idem->count, &len);
    cr_assert_not_null(bytes);
    pod_kv_store *store = pod_kv_create();
    pod_snap_client *clients = calloc(POD_SNAP_CLIENTS_MAX, sizeof *clients);
    pod_idem *idem = idem_new();
    pod_snap_header back;
    cr_assert(pod_snap_decode(bytes, len, &back, store, clients, POD_SNAP_CLIENTS_MAX, NULL));
    cr_assert(pod_idem_load(idem, clients, back.client_count));
    cr_assert_eq(pod_kv_state_hash(store), pod_kv_state_hash(w->store), "a snapshot round trip changed the kv hash");
    cr_assert_eq(pod_idem_hash(idem), pod_idem_hash(w->idem), "a snapshot round trip changed the memory's hash");
    pod_kv_destroy(w->store);
    free(w->idem);
    w->store = store;
    w->idem = idem;
    free(clients);
    free(bytes);
}

/* One step's contents and hashes, for the end-of-walk comparison. */
typedef struct seen {
    XXH128_hash_t fingerprint;
    uint64_t hash;
    uint32_t step;
} seen;

static int same_fingerprint(const seen *x, const seen *y) {
    if (x->fingerprint.high64 != y->fingerprint.high64) return x->fingerprint.high64 < y->fingerprint.high64 ? -1 : 1;
    if (x->fingerprint.low64 != y->fingerprint.low64) return x->fingerprint.low64 < y->fingerprint.low64 ? -1 : 1;
    return 0;
}

static int seen_by_fingerprint(const void *a, const void *b) {
    const seen *x = a, *y = b;
    int c = same_fingerprint(x, y);
    if (c) return c;
    return (x->step > y->step) - (x->step < y->step);
}

static int seen_by_hash(const void *a, const void *b) {
    const seen *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return seen_by_fingerprint(a, b);
}

/* Over every step: equal contents gave equal hashes, different contents
 * different ones. Returns how often the walk came back to contents it had
 * left: the same contents reached again by another history. */
static uint32_t assert_hash_is_a_function_of_contents(seen *s, uint32_t n, const char *what) {
    qsort(s, n, sizeof *s, seen_by_fingerprint);
    uint32_t returns = 0;
    for (uint32_t i = 1; i < n; i++) {
        if (same_fingerprint(&s[i - 1], &s[i]) != 0) continue;
        cr_assert_eq(s[i - 1].hash, s[i].hash, "%s: equal contents, different hashes (steps %u and %u)", what,
                     s[i - 1].step, s[i].step);
        returns += s[i].step != s[i - 1].step + 1; /* left in between */
    }
    qsort(s, n, sizeof *s, seen_by_hash);
    for (uint32_t i = 1; i < n; i++) {
        if (s[i - 1].hash != s[i].hash) continue;
        cr_assert_eq(same_fingerprint(&s[i - 1], &s[i]), 0, "%s: different contents, equal hashes (steps %u and %u)",
                     what, s[i - 1].step, s[i].step);
    }
    return returns;
}

Test(state_hash, random_walk_running_hashes_match_a_recomputation) {
    walk *w = calloc(1, sizeof *w);
    cr_assert_not_null(w);
    w->m = calloc(1, sizeof *w->m);
    cr_assert_not_null(w->m);
    pod_rng_seed(&w->rng, 7);
    model_init(w->m, &w->im);
    w->store = pod_kv_create();
    w->idem = idem_new();
    seen *kv_seen = calloc(WALK_STEPS, sizeof *kv_seen);
    seen *idem_seen = calloc(WALK_STEPS, sizeof *idem_seen);
    cr_assert(kv_seen && idem_seen);
    uint32_t kinds[6] = {0};
    for (uint32_t step = 0; step < WALK_STEPS; step++) {
        uint64_t pick = pod_rng_below(&w->rng, 100);
        int kind = pick < 45 ? 0 : pick < 65 ? 1 : pick < 85 ? 2 : pick < 95 ? 3 : pick < 98 ? 4 : 5;
        kinds[kind]++;
        switch (kind) {
        case 0: step_single(w); break;
        case 1: step_txn(w); break;
        case 2: step_remember(w); break;
        case 3: step_idem_load(w); break;
        case 4: step_snapshot(w); break;
        default: { /* a read: nothing may change */
            const uint8_t *v;
            uint32_t vl;
            pod_kv_cmd get = {.op = POD_KV_GET, .part_count = 1};
            get.parts[0] = (pod_kv_part){.op = POD_KV_GET, .key = w->m->key[0], .key_len = w->m->key_len[0]};
            (void)pod_kv_apply(w->store, &get, &v, &vl);
        }
        }
        assert_running_hash_right(w->store);
        assert_idem_hash_right(w->idem);
        assert_store_is_model(w->store, w->m);
        assert_idem_is_model(w->idem, &w->im);
        pod_kv_store *rebuilt = store_from_model(w->m);
        cr_assert_eq(pod_kv_state_hash(rebuilt), pod_kv_state_hash(w->store),
                     "step %u: the same contents loaded in key order hash differently", step);
        pod_kv_destroy(rebuilt);
        kv_seen[step] = (seen){.fingerprint = kv_fingerprint(w->m), .hash = pod_kv_state_hash(w->store), .step = step};
        idem_seen[step] = (seen){.fingerprint = idem_fingerprint(&w->im), .hash = pod_idem_hash(w->idem), .step = step};
    }
    for (int i = 0; i < 6; i++) cr_assert_gt(kinds[i], 0u, "step kind %d never ran", i);
    uint32_t kv_returns = assert_hash_is_a_function_of_contents(kv_seen, WALK_STEPS, "kv store");
    uint32_t idem_returns = assert_hash_is_a_function_of_contents(idem_seen, WALK_STEPS, "client memory");
    /* The walk must come back to contents by other histories, or the
     * equal-contents half of the check above says little. */
    cr_assert_geq(kv_returns, 50u, "kv: %u returns", kv_returns);
    cr_assert_geq(idem_returns, 20u, "memory: %u returns", idem_returns);
    fprintf(stderr, "state_hash walk: %u steps, kv contents revisited %u times, client memory %u times\n",
            WALK_STEPS, kv_returns, idem_returns);
    pod_kv_destroy(w->store);
    free(w->idem);
    free(kv_seen);
    free(idem_seen);
    free(w->m);
    free(w);
}

/* --- the kv store's hash, by hand ----------------------------------------------------- */

Test(state_hash, kv_same_contents_by_different_histories_hash_equal) {
    pod_kv_store *a = pod_kv_create(), *b = pod_kv_create(), *c = pod_kv_create();
    run1(a, put_part("x", "1"));
    run1(a, put_part("y", "2"));
    /* b: other order, an overwrite, a key that comes and goes */
    run1(b, put_part("gone", "soon"));
    run1(b, put_part("y", "old"));
    run1(b, put_part("x", "1"));
    run1(b, put_part("y", "2"));
    run1(b, del_part("gone"));
    /* c: a transaction, then loads into a fresh store are another path */
    pod_kv_cmd txn = {.op = POD_KV_TXN, .part_count = 3};
    txn.parts[0] = put_part("y", "2");
    txn.parts[1] = put_part("x", "9");
    txn.parts[2] = put_part("x", "1");
    cr_assert_eq(pod_kv_apply(c, &txn, NULL, NULL), POD_KV_OK);
    pod_kv_store *d = pod_kv_create();
    cr_assert(pod_kv_load_pair(d, (const uint8_t *)"x", 1, (const uint8_t *)"1", 1));
    cr_assert(pod_kv_load_pair(d, (const uint8_t *)"y", 1, (const uint8_t *)"2", 1));
    uint64_t h = pod_kv_state_hash(a);
    cr_assert_eq(pod_kv_state_hash(b), h);
    cr_assert_eq(pod_kv_state_hash(c), h);
    cr_assert_eq(pod_kv_state_hash(d), h);
    /* Emptied again: the empty store's hash. */
    pod_kv_store *empty = pod_kv_create();
    run1(a, del_part("x"));
    run1(a, del_part("y"));
    cr_assert_eq(pod_kv_state_hash(a), pod_kv_state_hash(empty));
    cr_assert_eq(pod_kv_state_hash(a), pod_kv_state_hash_slow(a));
    pod_kv_destroy(a);
    pod_kv_destroy(b);
    pod_kv_destroy(c);
    pod_kv_destroy(d);
    pod_kv_destroy(empty);
}

Test(state_hash, kv_different_contents_hash_differently) {
    /* Pairs chosen to trip a careless encoding: the key/value boundary
     * moved, an empty value against an absent key, swapped values, and a
     * pair counted twice against two pairs. */
    static const char *const stores[][4] = {
        {"ab", "c", NULL, NULL}, {"a", "bc", NULL, NULL}, {"abc", "", NULL, NULL}, {"a", "", NULL, NULL},
        {"x", "1", "y", "2"},    {"x", "2", "y", "1"},    {"x", "1", NULL, NULL},  {"y", "2", NULL, NULL},
        {"x", "1", "y", "1"},
    };
    enum { N = sizeof stores / sizeof stores[0] };
    uint64_t hashes[N + 1];
    for (int i = 0; i < N; i++) {
        pod_kv_store *s = pod_kv_create();
        run1(s, put_part(stores[i][0], stores[i][1]));
        if (stores[i][2]) run1(s, put_part(stores[i][2], stores[i][3]));
        hashes[i] = pod_kv_state_hash(s);
        pod_kv_destroy(s);
    }
    pod_kv_store *empty = pod_kv_create();
    hashes[N] = pod_kv_state_hash(empty);
    pod_kv_destroy(empty);
    for (int i = 0; i <= N; i++) {
        for (int j = i + 1; j <= N; j++) cr_assert_neq(hashes[i], hashes[j], "stores %d and %d hash equal", i, j);
    }
}

Test(state_hash, kv_failed_commands_leave_the_hash) {
    pod_kv_store *s = pod_kv_create();
    run1(s, put_part("k", "v"));
    uint64_t before = pod_kv_state_hash(s);
    pod_kv_cmd txn = {.op = POD_KV_TXN, .part_count = 2};
    txn.parts[0] = put_part("other", "x");
    txn.parts[1] = (pod_kv_part){.op = POD_KV_CHECK, .key = (const uint8_t *)"k", .key_len = 1,
                                 .expected = (const uint8_t *)"w", .expected_len = 1};
    cr_assert_eq(pod_kv_apply(s, &txn, NULL, NULL), POD_KV_CAS_MISMATCH);
    cr_assert_eq(run1(s, del_part("absent")), POD_KV_NOT_FOUND);
    cr_assert_not(pod_kv_load_pair(s, (const uint8_t *)"a", 1, NULL, 0), "a key out of order must be refused");
    cr_assert_eq(pod_kv_state_hash(s), before);
    cr_assert_eq(pod_kv_state_hash_slow(s), before);
    pod_kv_destroy(s);
}

/* --- the Idempotent Receiver's hash, by hand ------------------------------------------ */

Test(state_hash, idem_same_records_by_different_histories_hash_equal) {
    pod_idem *a = idem_new(), *b = idem_new(), *c = idem_new();
    pod_idem_remember(a, 5, 1, 10, 0);
    pod_idem_remember(a, 2, 3, 11, 1);
    pod_idem_remember(b, 2, 1, 4, 0); /* overwritten below */
    pod_idem_remember(b, 5, 1, 10, 0);
    pod_idem_remember(b, 2, 3, 11, 1);
    pod_idem_client list[2] = {{.client_id = 2, .request_no = 3, .index = 11, .status = 1},
                               {.client_id = 5, .request_no = 1, .index = 10, .status = 0}};
    cr_assert(pod_idem_load(c, list, 2));
    cr_assert_eq(pod_idem_hash(b), pod_idem_hash(a));
    cr_assert_eq(pod_idem_hash(c), pod_idem_hash(a));
    cr_assert_eq(pod_idem_hash_slow(b), pod_idem_hash(b));
    /* Any field of a record matters. */
    uint64_t h = pod_idem_hash(a);
    pod_idem_client other[4][2];
    for (int f = 0; f < 4; f++) {
        memcpy(other[f], list, sizeof list);
        if (f == 0) other[f][1].client_id = 6;
        if (f == 1) other[f][1].request_no = 2;
        if (f == 2) other[f][1].index = 12;
        if (f == 3) other[f][1].status = 2;
        cr_assert(pod_idem_load(c, other[f], 2));
        cr_assert_neq(pod_idem_hash(c), h, "field %d of a record left the hash", f);
    }
    cr_assert(pod_idem_load(c, list, 1));
    cr_assert_neq(pod_idem_hash(c), h, "a record fewer left the hash");
    free(a);
    free(b);
    free(c);
}

Test(state_hash, idem_refused_loads_and_overflows_change_nothing) {
    pod_idem *r = idem_new();
    pod_idem_remember(r, 1, 1, 1, 0);
    uint64_t h = pod_idem_hash(r);
    pod_idem_client unsorted[2] = {{.client_id = 9, .request_no = 1}, {.client_id = 3, .request_no = 1}};
    pod_idem_client twice[2] = {{.client_id = 3, .request_no = 1}, {.client_id = 3, .request_no = 2}};
    cr_assert_not(pod_idem_load(r, unsorted, 2));
    cr_assert_not(pod_idem_load(r, twice, 2));
    cr_assert_not(pod_idem_load(r, twice, POD_IDEM_CLIENTS_MAX + 1));
    cr_assert_eq(r->count, 1u);
    cr_assert_eq(pod_idem_hash(r), h);
    /* Fill it: past the limit nothing is remembered, nor hashed. */
    for (uint32_t id = 2; id <= POD_IDEM_CLIENTS_MAX; id++) pod_idem_remember(r, id, 1, id, 0);
    uint64_t full = pod_idem_hash(r);
    cr_assert_neq(full, h);
    pod_idem_remember(r, POD_IDEM_CLIENTS_MAX + 1, 1, 1, 0);
    cr_assert_eq(r->overflows, 1u);
    cr_assert_eq(pod_idem_hash(r), full);
    cr_assert_eq(pod_idem_hash_slow(r), full);
    /* Loading a memory into itself (as a snapshot of it would) is allowed. */
    cr_assert(pod_idem_load(r, r->clients, r->count));
    cr_assert_eq(pod_idem_hash(r), full);
    free(r);
}
