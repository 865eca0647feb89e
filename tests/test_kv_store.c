/* test_kv_store.c — the key-value state machine and its command codec. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "nodes/kv_store.h"
#include "sim/rng.h"

static pod_kv_part put_part(const char *k, const char *v) {
    return (pod_kv_part){.op = POD_KV_PUT, .key = (const uint8_t *)k, .key_len = (uint32_t)strlen(k),
                         .value = (const uint8_t *)v, .value_len = (uint32_t)strlen(v)};
}

static pod_kv_cmd one(pod_kv_part p) {
    pod_kv_cmd c = {.op = p.op, .part_count = 1};
    c.parts[0] = p;
    return c;
}

static pod_kv_status run(pod_kv_store *s, pod_kv_cmd c) { return pod_kv_apply(s, &c, NULL, NULL); }

static void assert_value(pod_kv_store *s, const char *k, const char *want) {
    pod_kv_cmd get = one((pod_kv_part){.op = POD_KV_GET, .key = (const uint8_t *)k, .key_len = (uint32_t)strlen(k)});
    const uint8_t *v = NULL;
    uint32_t len = 0;
    pod_kv_status st = pod_kv_apply(s, &get, &v, &len);
    if (!want) {
        cr_assert_eq(st, POD_KV_NOT_FOUND, "key %s should be absent", k);
        return;
    }
    cr_assert_eq(st, POD_KV_OK, "key %s missing", k);
    cr_assert_eq(len, strlen(want));
    cr_assert_eq(memcmp(v, want, len), 0);
}

Test(kv_store, put_get_delete) {
    pod_kv_store *s = pod_kv_create();
    assert_value(s, "a", NULL);
    cr_assert_eq(run(s, one(put_part("a", "1"))), POD_KV_OK);
    assert_value(s, "a", "1");
    cr_assert_eq(run(s, one(put_part("a", "22"))), POD_KV_OK);
    assert_value(s, "a", "22");
    pod_kv_cmd del = one((pod_kv_part){.op = POD_KV_DELETE, .key = (const uint8_t *)"a", .key_len = 1});
    cr_assert_eq(run(s, del), POD_KV_OK);
    cr_assert_eq(run(s, del), POD_KV_NOT_FOUND);
    assert_value(s, "a", NULL);
    cr_assert_eq(pod_kv_key_count(s), 0u);
    pod_kv_destroy(s);
}

Test(kv_store, compare_and_swap) {
    pod_kv_store *s = pod_kv_create();
    pod_kv_part cas = {.op = POD_KV_CAS, .key = (const uint8_t *)"k", .key_len = 1,
                       .value = (const uint8_t *)"v1", .value_len = 2, .expect_absent = true};
    cr_assert_eq(run(s, one(cas)), POD_KV_OK);
    cr_assert_eq(run(s, one(cas)), POD_KV_CAS_MISMATCH, "expect_absent must fail once present");
    cas = (pod_kv_part){.op = POD_KV_CAS, .key = (const uint8_t *)"k", .key_len = 1,
                        .value = (const uint8_t *)"v2", .value_len = 2,
                        .expected = (const uint8_t *)"v0", .expected_len = 2};
    cr_assert_eq(run(s, one(cas)), POD_KV_CAS_MISMATCH);
    assert_value(s, "k", "v1");
    cas.expected = (const uint8_t *)"v1";
    cr_assert_eq(run(s, one(cas)), POD_KV_OK);
    assert_value(s, "k", "v2");
    pod_kv_destroy(s);
}

Test(kv_store, transactions_are_all_or_nothing) {
    pod_kv_store *s = pod_kv_create();
    run(s, one(put_part("x", "1")));
    pod_kv_cmd txn = {.op = POD_KV_TXN, .part_count = 3};
    txn.parts[0] = (pod_kv_part){.op = POD_KV_CHECK, .key = (const uint8_t *)"x", .key_len = 1,
                                 .expected = (const uint8_t *)"2", .expected_len = 1};
    txn.parts[1] = put_part("y", "a");
    txn.parts[2] = (pod_kv_part){.op = POD_KV_DELETE, .key = (const uint8_t *)"x", .key_len = 1};
    uint64_t before = pod_kv_state_hash(s);
    cr_assert_eq(pod_kv_apply(s, &txn, NULL, NULL), POD_KV_CAS_MISMATCH);
    cr_assert_eq(pod_kv_state_hash(s), before, "a failed transaction changed the state");
    assert_value(s, "y", NULL);
    txn.parts[0].expected = (const uint8_t *)"1";
    cr_assert_eq(pod_kv_apply(s, &txn, NULL, NULL), POD_KV_OK);
    assert_value(s, "y", "a");
    assert_value(s, "x", NULL);
    pod_kv_destroy(s);
}

Test(kv_store, codec_round_trip_and_rejects) {
    pod_kv_cmd txn = {.op = POD_KV_TXN, .part_count = 2};
    txn.parts[0] = put_part("key-1", "value-1");
    txn.parts[1] = (pod_kv_part){.op = POD_KV_CHECK, .key = (const uint8_t *)"k2", .key_len = 2, .expect_absent = true};
    uint8_t buf[512];
    uint32_t n = pod_kv_cmd_encode(&txn, buf, sizeof buf);
    cr_assert_gt(n, 0u);
    pod_kv_cmd back;
    cr_assert_eq(pod_kv_cmd_decode(buf, n, &back), POD_KV_OK);
    cr_assert_eq(back.part_count, 2u);
    cr_assert_eq(back.parts[0].value_len, 7u);
    cr_assert_eq(memcmp(back.parts[0].value, "value-1", 7), 0);
    cr_assert(back.parts[1].expect_absent);
    /* Every truncation, and one trailing byte, is malformed. */
    for (uint32_t cut = 0; cut < n; cut++) {
        cr_assert_eq(pod_kv_cmd_decode(buf, cut, &back), POD_KV_E_MALFORMED, "cut at %u", cut);
    }
    buf[n] = 0;
    cr_assert_eq(pod_kv_cmd_decode(buf, n + 1, &back), POD_KV_E_MALFORMED);
    /* A GET inside a TXN, an empty key, an oversized value. */
    uint8_t bad[64];
    memcpy(bad, buf, n);
    bad[8] = POD_KV_GET;
    cr_assert_eq(pod_kv_cmd_decode(bad, n, &back), POD_KV_E_MALFORMED);
    pod_kv_cmd empty_key = one((pod_kv_part){.op = POD_KV_PUT, .key = (const uint8_t *)"", .key_len = 0});
    cr_assert_eq(pod_kv_cmd_encode(&empty_key, buf, sizeof buf), 0u);
    static uint8_t big[POD_KV_VALUE_BYTES_MAX + 1];
    pod_kv_cmd too_big = one((pod_kv_part){.op = POD_KV_PUT, .key = (const uint8_t *)"k", .key_len = 1,
                                           .value = big, .value_len = sizeof big});
    cr_assert_eq(pod_kv_apply(NULL, &too_big, NULL, NULL), POD_KV_E_TOO_LARGE);
}

/* Random bytes never crash the decoder, and whatever it accepts
 * re-encodes to the same bytes. */
Test(kv_store, decoder_survives_random_bytes) {
    pod_rng rng;
    pod_rng_seed(&rng, 5);
    uint8_t buf[256], again[256];
    int accepted = 0;
    for (int i = 0; i < 200000; i++) {
        /* Half the time pure noise; half the time a plausible frame with
         * random ops, flags and small lengths, to reach deeper checks. */
        uint32_t len = (uint32_t)pod_rng_below(&rng, sizeof buf);
        for (uint32_t k = 0; k < len; k++) buf[k] = (uint8_t)pod_rng_next(&rng);
        if (pod_rng_below(&rng, 2) == 0) {
            uint32_t parts = (uint32_t)pod_rng_below(&rng, 4);
            memset(buf, 0, 8);
            buf[0] = (uint8_t)(1 + pod_rng_below(&rng, 6));
            buf[1] = (uint8_t)parts;
            len = 8;
            for (uint32_t k = 0; k < parts && len + 12 + 24 <= sizeof buf; k++) {
                uint8_t *h = buf + len;
                uint32_t kl = (uint32_t)pod_rng_below(&rng, 8), vl = (uint32_t)pod_rng_below(&rng, 3) * 4,
                         el = (uint32_t)pod_rng_below(&rng, 3) * 4;
                memset(h, 0, 12);
                h[0] = (uint8_t)(1 + pod_rng_below(&rng, 6));
                h[1] = (uint8_t)pod_rng_below(&rng, 2);
                h[2] = (uint8_t)kl;
                h[4] = (uint8_t)vl;
                h[8] = (uint8_t)el;
                len += 12 + kl + vl + el;
            }
            len += (uint32_t)pod_rng_below(&rng, 2); /* sometimes one byte too many */
        }
        pod_kv_cmd cmd;
        if (pod_kv_cmd_decode(buf, len, &cmd) != POD_KV_OK) continue;
        accepted++;
        uint32_t n = pod_kv_cmd_encode(&cmd, again, sizeof again);
        cr_assert_eq(n, len);
        cr_assert_eq(memcmp(buf, again, len), 0);
    }
    cr_assert_gt(accepted, 0, "the generator never produced a valid command");
}

Test(kv_store, state_hash_is_independent_of_insertion_order) {
    pod_kv_store *a = pod_kv_create(), *b = pod_kv_create();
    const char *keys[] = {"m", "a", "zz", "b", "ab"};
    for (int i = 0; i < 5; i++) run(a, one(put_part(keys[i], keys[i])));
    for (int i = 4; i >= 0; i--) run(b, one(put_part(keys[i], keys[i])));
    cr_assert_eq(pod_kv_state_hash(a), pod_kv_state_hash(b));
    run(b, one(put_part("m", "other")));
    cr_assert_neq(pod_kv_state_hash(a), pod_kv_state_hash(b));
    pod_kv_destroy(a);
    pod_kv_destroy(b);
}
