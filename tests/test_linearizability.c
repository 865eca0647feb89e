/* test_linearizability.c — the linearizability checker on hand-written
 * histories: ones that are, ones that are not, and the limits. Times are
 * in milliseconds; NEVER marks an operation that timed out. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"
//JSON
#include "sim/linearizability.h"

#define MS 1000000ull
#define NEVER UINT64_MAX
#define ABSENT NULL

/* --- building histories ------------------------------------------------------- */

static pod_kv_part part(pod_kv_op op, const char *key, const char *value, const char *expected,
                        bool expect_absent) {
    pod_kv_part p = {.op = op, .key = (const uint8_t *)key, .key_len = (uint32_t)strlen(key),
                     .expect_absent = expect_absent};
    if (value) {
        p.value = (const uint8_t *)value;
        p.value_len = (uint32_t)strlen(value);
    }
    if (expected) {
        p.expected = (const uint8_t *)expected;
        p.expected_len = (uint32_t)strlen(expected);
    }
    return p;
}

static uint64_t request_no;

/* Invokes cmd at t0 (ms); answers at t1 with status and value, or times
 * out 500 ms later when t1 is NEVER. Returns the history index. */
static uint32_t record(pod_history *h, uint32_t client, uint64_t t0, uint64_t t1, const pod_kv_cmd *cmd,
                       uint8_t status, const char *value) {
    uint8_t bytes[POD_KV_CMD_BYTES_MAX];
    uint32_t len = pod_kv_cmd_encode(cmd, bytes, sizeof bytes);
    cr_assert_gt(len, 0u, "test command does not encode");
    uint32_t op;
    cr_assert(pod_history_invoke(h, client, ++request_no, (uint8_t)cmd->op, 0, bytes, len, t0 * MS, &op));
    if (t1 == NEVER) {
        pod_history_timeout(h, op, (t0 + 500) * MS);
    } else {
        uint32_t vlen = value ? (uint32_t)strlen(value) : 0;
        cr_assert(pod_history_complete(h, op, t1 * MS, status, 0, (const uint8_t *)value, vlen));
    }
    return op;
}

static uint32_t one(pod_history *h, uint32_t c, uint64_t t0, uint64_t t1, pod_kv_part p, uint8_t status,
                    const char *value) {
    pod_kv_cmd cmd = {.op = p.op, .part_count = 1};
    cmd.parts[0] = p;
    return record(h, c, t0, t1, &cmd, status, value);
}

static uint32_t put(pod_history *h, uint32_t c, uint64_t t0, uint64_t t1, const char *k, const char *v) {
    return one(h, c, t0, t1, part(POD_KV_PUT, k, v, NULL, false), POD_KV_OK, NULL);
}

/* A get answered with `v`, or not-found when v is ABSENT. */
static uint32_t get(pod_history *h, uint32_t c, uint64_t t0, uint64_t t1, const char *k, const char *v) {
    return one(h, c, t0, t1, part(POD_KV_GET, k, NULL, NULL, false), v ? POD_KV_OK : POD_KV_NOT_FOUND, v);
}

static uint32_t del(pod_history *h, uint32_t c, uint64_t t0, uint64_t t1, const char *k, uint8_t status) {
    return one(h, c, t0, t1, part(POD_KV_DELETE, k, NULL, NULL, false), status, NULL);
}

/* CAS k from `expected` (ABSENT: expect no value) to v. */
static uint32_t cas(pod_history *h, uint32_t c, uint64_t t0, uint64_t t1, const char *k, const char *expected,
                    const char *v, uint8_t status) {
    return one(h, c, t0, t1, part(POD_KV_CAS, k, v, expected, expected == NULL), status, NULL);
}

/* A transaction putting k1=v1 and k2=v2. */
static uint32_t txn_put2(pod_history *h, uint32_t c, uint64_t t0, uint64_t t1, const char *k1, const char *v1,
                         const char *k2, const char *v2) {
    pod_kv_cmd cmd = {.op = POD_KV_TXN, .part_count = 2};
    cmd.parts[0] = part(POD_KV_PUT, k1, v1, NULL, false);
    cmd.parts[1] = part(POD_KV_PUT, k2, v2, NULL, false);
    return record(h, c, t0, t1, &cmd, POD_KV_OK, NULL);
}

static pod_lin_result result;

static pod_lin_verdict check(const pod_history *h) {
    pod_lin_verdict v = pod_lin_check(h, &result);
    cr_assert_eq(v, result.verdict);
    return v;
}

#define ASSERT_LIN(h)                                                                              \
    cr_assert_eq(check(h), POD_LIN_LINEARIZABLE, "expected linearizable: %s\n%s", result.summary,  \
                 result.explanation)
#define ASSERT_NOT_LIN(h)                                                                          \
    cr_assert_eq(check(h), POD_LIN_NOT_LINEARIZABLE, "expected not linearizable: %s", result.summary)

static bool culprit(uint32_t op) {
    for (uint32_t i = 0; i < result.culprit_count && i < POD_LIN_CULPRITS_MAX; i++) {
        if (result.culprits[i] == op) return true;
    }
    return false;
}

static pod_history h;

static void setup(void) {
    pod_history_init(&h);
    request_no = 0;
}
static void teardown(void) { pod_history_free(&h); }

TestSuite(lin, .init = setup, .fini = teardown);

/* --- linearizable ---------------------------------------------------------------- */

Test(lin, empty_history) {
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.components, 0u);
}

Test(lin, sequential_put_get_delete) {
    put(&h, 1, 0, 1, "a", "1");
    get(&h, 1, 2, 3, "a", "1");
    put(&h, 2, 4, 5, "a", "2");
    get(&h, 1, 6, 7, "a", "2");
    del(&h, 2, 8, 9, "a", POD_KV_OK);
    get(&h, 1, 10, 11, "a", ABSENT);
    del(&h, 2, 12, 13, "a", POD_KV_NOT_FOUND);
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.ops_checked, 7u);
    cr_assert(strstr(result.summary, "linearizable: 7 operations") != NULL, "%s", result.summary);
}

Test(lin, concurrent_writes_either_order) {
    put(&h, 1, 0, 10, "a", "1");
    put(&h, 2, 0, 10, "a", "2");
    get(&h, 3, 11, 12, "a", "1");
    ASSERT_LIN(&h);
    pod_history_free(&h);
    pod_history_init(&h);
    put(&h, 1, 0, 10, "a", "1");
    put(&h, 2, 0, 10, "a", "2");
    get(&h, 3, 11, 12, "a", "2");
    ASSERT_LIN(&h);
}

Test(lin, a_read_overlapping_writes_may_see_any_of_them_or_none) {
    const char *seen[] = {"1", "2", ABSENT};
    for (int i = 0; i < 3; i++) {
        pod_history_free(&h);
        pod_history_init(&h);
        put(&h, 1, 0, 10, "a", "1");
        put(&h, 2, 2, 12, "a", "2");
        get(&h, 3, 1, 11, "a", seen[i]);
        ASSERT_LIN(&h);
    }
}

Test(lin, touching_times_count_as_concurrent) {
    /* The put answers at 5 ms, the get is invoked at 5 ms: either order. */
    put(&h, 1, 0, 5, "a", "1");
    get(&h, 2, 5, 6, "a", ABSENT);
    ASSERT_LIN(&h);
}

Test(lin, timed_out_write_later_read_sees_it) {
    put(&h, 1, 0, NEVER, "a", "1");
    get(&h, 2, 900, 901, "a", "1");
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.ops_unknown, 1u);
}

Test(lin, timed_out_write_never_observed) {
    put(&h, 1, 0, NEVER, "a", "1");
    get(&h, 2, 900, 901, "a", ABSENT);
    get(&h, 2, 902, 903, "a", ABSENT);
    ASSERT_LIN(&h);
}

Test(lin, a_timed_out_write_may_take_effect_long_after_its_timeout) {
    put(&h, 1, 0, 1, "a", "0");
    put(&h, 1, 10, NEVER, "a", "1");
    get(&h, 2, 900, 901, "a", "0");
    get(&h, 2, 2000, 2001, "a", "1");
    ASSERT_LIN(&h);
}

Test(lin, pending_operations_are_like_timed_out_ones) {
    uint8_t bytes[64];
    pod_kv_cmd cmd = {.op = POD_KV_PUT, .part_count = 1};
    cmd.parts[0] = part(POD_KV_PUT, "a", "1", NULL, false);
    uint32_t len = pod_kv_cmd_encode(&cmd, bytes, sizeof bytes);
    uint32_t op;
    cr_assert(pod_history_invoke(&h, 1, 1, POD_KV_PUT, 0, bytes, len, 0, &op));
    get(&h, 2, 10, 11, "a", "1");
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.ops_unknown, 1u);
}

Test(lin, unanswered_reads_are_dropped) {
    get(&h, 1, 0, NEVER, "a", ABSENT);
    put(&h, 2, 1, 2, "a", "1");
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.ops_dropped, 1u);
    cr_assert_eq(result.stats.ops_checked, 1u);
}

Test(lin, not_executed_answers_are_left_out) {
    /* Each of these writes would make the read impossible, had it happened. */
    uint32_t a = put(&h, 1, 0, 1, "a", "x");
    uint32_t b = put(&h, 1, 2, 3, "a", "y");
    uint32_t c = put(&h, 1, 4, 5, "a", "z");
    h.ops[a].status = KV_REPLY_UNAVAILABLE;
    h.ops[b].status = POD_KV_E_FULL;
    h.ops[c].status = POD_KV_E_TOO_LARGE;
    get(&h, 2, 10, 11, "a", ABSENT);
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.ops_excluded, 3u);
}

Test(lin, cas_semantics) {
    cas(&h, 1, 0, 1, "a", ABSENT, "1", POD_KV_OK);       /* absent -> 1 */
    cas(&h, 2, 2, 3, "a", ABSENT, "9", POD_KV_CAS_MISMATCH);
    cas(&h, 1, 4, 5, "a", "1", "2", POD_KV_OK);          /* 1 -> 2 */
    cas(&h, 2, 6, 7, "a", "1", "3", POD_KV_CAS_MISMATCH); /* holds 2 now */
    get(&h, 3, 8, 9, "a", "2");
    ASSERT_LIN(&h);
}

Test(lin, cas_that_should_have_failed) {
    put(&h, 1, 0, 1, "a", "1");
    uint32_t bad = cas(&h, 2, 2, 3, "a", ABSENT, "2", POD_KV_OK);
    ASSERT_NOT_LIN(&h);
    cr_assert(culprit(bad));
}

Test(lin, cas_that_should_have_succeeded) {
    put(&h, 1, 0, 1, "a", "1");
    cas(&h, 2, 2, 3, "a", "1", "2", POD_KV_CAS_MISMATCH);
    ASSERT_NOT_LIN(&h);
}

Test(lin, timed_out_cas_may_apply) {
    put(&h, 1, 0, 1, "a", "1");
    cas(&h, 2, 2, NEVER, "a", "1", "2", POD_KV_OK);
    get(&h, 3, 1000, 1001, "a", "2");
    ASSERT_LIN(&h);
}

Test(lin, timed_out_cas_applies_only_when_it_holds) {
    put(&h, 1, 0, 1, "a", "1");
    cas(&h, 2, 2, NEVER, "a", "7", "2", POD_KV_OK);
    get(&h, 3, 1000, 1001, "a", "2");
    ASSERT_NOT_LIN(&h);
}

Test(lin, delete_semantics) {
    put(&h, 1, 0, 1, "a", "1");
    del(&h, 1, 2, 3, "a", POD_KV_NOT_FOUND); /* it was there */
    ASSERT_NOT_LIN(&h);
    pod_history_free(&h);
    pod_history_init(&h);
    put(&h, 1, 0, 10, "a", "1");
    del(&h, 2, 0, 10, "a", POD_KV_NOT_FOUND); /* concurrent: before the put */
    get(&h, 3, 11, 12, "a", "1");
    ASSERT_LIN(&h);
}

Test(lin, an_answer_no_operation_can_give) {
    uint32_t bad = get(&h, 1, 0, 1, "a", ABSENT);
    h.ops[bad].status = POD_KV_CAS_MISMATCH;
    ASSERT_NOT_LIN(&h);
    cr_assert_eq(result.culprit_count, 1u);
}

/* --- not linearizable ---------------------------------------------------------------- */

Test(lin, stale_read_after_a_completed_write) {
    uint32_t w1 = put(&h, 1, 0, 1, "a", "1");
    uint32_t w2 = put(&h, 1, 2, 3, "a", "2");
    uint32_t r = get(&h, 2, 4, 5, "a", "1");
    ASSERT_NOT_LIN(&h);
    /* The first write is not needed: the second overwrote it before the
     * read began, so no order lets the read see it. */
    cr_assert_eq(result.culprit_count, 2u, "%s", result.explanation);
    cr_assert(culprit(w2) && culprit(r) && !culprit(w1));
    cr_assert(result.culprits_minimal);
    cr_assert(strstr(result.summary, "keys a: 2 operations cannot be ordered") != NULL, "%s", result.summary);
    cr_assert(strstr(result.explanation, "  c1 r2 [0.002000000s, 0.003000000s] put a \"2\" -> ok\n"
                                         "  c2 r3 [0.004000000s, 0.005000000s] get a -> \"1\"\n") != NULL,
              "%s", result.explanation);
    cr_assert(strstr(result.explanation, "note: c2 r3 saw \"1\" in a, written by c1 r1 [0.000000000s, "
                                         "0.001000000s] put a \"1\" -> ok;") != NULL,
              "%s", result.explanation);
}

Test(lin, read_of_a_value_never_written) {
    uint32_t w = put(&h, 1, 0, 1, "a", "1");
    uint32_t r = get(&h, 2, 4, 5, "a", "zzz");
    ASSERT_NOT_LIN(&h);
    /* The put stays: the read might have seen it. */
    cr_assert_eq(result.culprit_count, 2u, "%s", result.explanation);
    cr_assert(culprit(w) && culprit(r));
    cr_assert(strstr(result.explanation, "note: c2 r2 saw \"zzz\" in a, a value no operation writes there") != NULL,
              "%s", result.explanation);
}

Test(lin, shrinking_keeps_the_writes_a_kept_read_may_have_seen) {
    /* One component (the transaction joins a and b). Removing b's writes
     * would leave "get b -> 1" alone, a read of a value nobody wrote; and
     * removing the put of a would leave "delete a -> ok" alone. Neither is
     * why this history fails: the read of b is stale. */
    txn_put2(&h, 1, 0, 1, "a", "0", "b", "0");
    uint32_t b1 = put(&h, 1, 2, 3, "b", "1");
    uint32_t b3 = put(&h, 1, 4, 5, "b", "3");
    uint32_t r = get(&h, 2, 6, 7, "b", "1");
    put(&h, 3, 10, 11, "a", "1");
    del(&h, 3, 20, 21, "a", POD_KV_OK);
    ASSERT_NOT_LIN(&h);
    cr_assert_eq(result.culprit_count, 2u, "%s", result.explanation);
    cr_assert(culprit(b3) && culprit(r) && !culprit(b1), "%s", result.explanation);
    cr_assert(result.culprits_minimal);
}

Test(lin, a_timed_out_write_seen_then_unseen) {
    /* No other writer: once a read saw it, it has happened, for good. */
    put(&h, 1, 0, NEVER, "a", "1");
    get(&h, 2, 900, 901, "a", "1");
    get(&h, 2, 902, 903, "a", ABSENT);
    ASSERT_NOT_LIN(&h);
    cr_assert_eq(result.culprit_count, 3u, "%s", result.explanation);
    cr_assert(strstr(result.explanation, "put a \"1\" -> ? (timed out)") != NULL, "%s", result.explanation);
}

Test(lin, read_order_contradicts_write_order) {
    /* Two reads, one after the other, see two writes in opposite orders. */
    put(&h, 1, 0, 100, "a", "1");
    put(&h, 2, 0, 100, "a", "2");
    get(&h, 3, 10, 20, "a", "2");
    get(&h, 3, 30, 40, "a", "1");
    get(&h, 3, 50, 60, "a", "2");
    ASSERT_NOT_LIN(&h);
}

Test(lin, txn_is_all_or_nothing_across_two_keys) {
    put(&h, 1, 0, 1, "b", "0");
    txn_put2(&h, 1, 10, 20, "a", "1", "b", "1");
    get(&h, 2, 11, 12, "a", "1"); /* saw the transaction ... */
    get(&h, 2, 13, 14, "b", "0"); /* ... then half of it was undone */
    ASSERT_NOT_LIN(&h);
    cr_assert_eq(result.stats.components, 1u, "the txn couples a and b");
    cr_assert(strstr(result.summary, "keys b, a") != NULL || strstr(result.summary, "keys a, b") != NULL, "%s",
              result.summary);
}

Test(lin, txn_seen_whole_is_fine) {
    put(&h, 1, 0, 1, "b", "0");
    txn_put2(&h, 1, 10, 20, "a", "1", "b", "1");
    get(&h, 2, 11, 12, "b", "0"); /* before it */
    get(&h, 2, 13, 14, "a", "1"); /* after it */
    get(&h, 2, 15, 16, "b", "1");
    ASSERT_LIN(&h);
}

Test(lin, txn_checks_then_writes) {
    pod_kv_cmd cmd = {.op = POD_KV_TXN, .part_count = 3};
    cmd.parts[0] = part(POD_KV_CHECK, "a", NULL, "1", false);
    cmd.parts[1] = part(POD_KV_PUT, "b", "x", NULL, false);
    cmd.parts[2] = part(POD_KV_DELETE, "a", NULL, NULL, false);
    put(&h, 1, 0, 1, "a", "1");
    record(&h, 1, 2, 3, &cmd, POD_KV_OK, NULL);
    get(&h, 2, 4, 5, "a", ABSENT);
    get(&h, 2, 6, 7, "b", "x");
    ASSERT_LIN(&h);
    /* The same transaction, told it failed its check: it must change nothing. */
    pod_history_free(&h);
    pod_history_init(&h);
    put(&h, 1, 0, 1, "a", "2");
    record(&h, 1, 2, 3, &cmd, POD_KV_CAS_MISMATCH, NULL);
    get(&h, 2, 4, 5, "b", "x");
    ASSERT_NOT_LIN(&h);
}

/* --- components ------------------------------------------------------------------------ */

static void key_name(char *out, size_t cap, int k) { snprintf(out, cap, "key%03d", k); }

/* On each of `keys` keys: two overlapping writes and reads of both. */
static void many_keys(int keys) {
    for (int k = 0; k < keys; k++) {
        char key[16], v1[16], v2[16];
        key_name(key, sizeof key, k);
        snprintf(v1, sizeof v1, "x%d", k);
        snprintf(v2, sizeof v2, "y%d", k);
        uint64_t t = (uint64_t)k * 10;
        put(&h, 1, t, t + 5, key, v1);
        put(&h, 2, t + 1, t + 6, key, v2);
        get(&h, 3, t + 2, t + 3, key, v1);
        get(&h, 4, t + 7, t + 8, key, k % 2 ? v1 : v2);
    }
}

Test(lin, p_compositionality_across_many_keys) {
    many_keys(200);
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.components, 200u);
    cr_assert_eq(result.stats.components_checked, 200u);
    cr_assert_eq(result.stats.largest_component_ops, 4u);
}

Test(lin, one_bad_key_among_many) {
    many_keys(200);
    put(&h, 1, 5000, 5001, "key137", "late");
    uint32_t bad = get(&h, 2, 5002, 5003, "key137", "x137");
    ASSERT_NOT_LIN(&h);
    cr_assert(culprit(bad));
    cr_assert(strstr(result.summary, "keys key137:") != NULL, "%s", result.summary);
    for (uint32_t i = 0; i < result.culprit_count; i++) {
        const pod_hist_op *o = &h.ops[result.culprits[i]];
        cr_assert(o->invoke_ns >= 1370 * MS, "culprit %u is on another key", result.culprits[i]);
    }
}

/* --- limits, explanation, determinism --------------------------------------------------- */

/* One key, `n` rounds of four clients writing and reading concurrently;
 * linearizable. Optionally a stale read in round `stale_at`. */
static uint32_t busy_key(int n, int stale_at) {
    uint32_t stale = 0;
    for (int i = 0; i < n; i++) {
        char v[16], w[16];
        snprintf(v, sizeof v, "v%d", i);
        snprintf(w, sizeof w, "w%d", i);
        uint64_t t = (uint64_t)i * 10;
        put(&h, 1, t, t + 4, "k", v);
        put(&h, 2, t + 1, t + 3, "k", w);
        get(&h, 3, t + 2, t + 6, "k", i % 2 ? v : w);
        if (i == stale_at) {
            char old[16];
            snprintf(old, sizeof old, "v%d", i - 3);
            stale = get(&h, 4, t + 7, t + 8, "k", old);
        } else {
            get(&h, 4, t + 7, t + 8, "k", i % 2 ? v : w);
        }
    }
    return stale;
}

Test(lin, explanation_is_a_small_culprit_set) {
    uint32_t stale = busy_key(300, 150);
    ASSERT_NOT_LIN(&h);
    cr_assert(culprit(stale), "%s", result.explanation);
    cr_assert_leq(result.culprit_count, 4u, "%s", result.explanation);
    cr_assert(result.culprits_minimal, "%s", result.explanation);
    cr_assert(strstr(result.explanation, "get k -> \"v147\"") != NULL, "%s", result.explanation);
    cr_assert(strstr(result.explanation, "written by c1 r589 [1.470000000s, 1.474000000s] put k \"v147\" -> ok") != NULL,
              "%s", result.explanation);
}

Test(lin, steps_limit_gives_unknown) {
    busy_key(300, -1);
    pod_lin_limits limits;
    pod_lin_limits_default(&limits);
    limits.steps_max = 50;
    cr_assert_eq(pod_lin_check_with(&h, &limits, &result), POD_LIN_UNKNOWN);
    cr_assert_eq(result.reason, POD_LIN_REASON_STEPS_LIMIT);
    cr_assert(strncmp(result.summary, "unknown (steps limit): the component of keys k (1200 operations)",
                      64) == 0, "%s", result.summary);
}

Test(lin, ops_limit_gives_unknown) {
    busy_key(10, -1);
    pod_lin_limits limits;
    pod_lin_limits_default(&limits);
    limits.component_ops_max = 39;
    cr_assert_eq(pod_lin_check_with(&h, &limits, &result), POD_LIN_UNKNOWN);
    cr_assert_eq(result.reason, POD_LIN_REASON_OPS_LIMIT);
    limits.component_ops_max = 40;
    cr_assert_eq(pod_lin_check_with(&h, &limits, &result), POD_LIN_LINEARIZABLE, "%s", result.summary);
}

Test(lin, cache_limit_gives_unknown) {
    busy_key(300, -1);
    pod_lin_limits limits;
    pod_lin_limits_default(&limits);
    limits.memo_bytes_max = 4096;
    cr_assert_eq(pod_lin_check_with(&h, &limits, &result), POD_LIN_UNKNOWN);
    cr_assert_eq(result.reason, POD_LIN_REASON_MEMO_LIMIT);
}

Test(lin, a_failure_elsewhere_beats_an_unknown) {
    busy_key(300, -1);
    put(&h, 1, 0, 1, "z", "1");
    get(&h, 2, 2, 3, "z", "2");
    pod_lin_limits limits;
    pod_lin_limits_default(&limits);
    limits.component_ops_max = 100;
    cr_assert_eq(pod_lin_check_with(&h, &limits, &result), POD_LIN_NOT_LINEARIZABLE, "%s", result.summary);
}

Test(lin, many_timed_out_writes_do_not_blow_up_the_search) {
    /* 40 writes that may or may not have happened, then a stale read: the
     * cache's subset rule keeps this from 2^40 configurations. */
    char v[16];
    for (int i = 0; i < 40; i++) {
        snprintf(v, sizeof v, "t%d", i);
        put(&h, 1 + (uint32_t)i % 4, (uint64_t)i, NEVER, "a", v);
    }
    put(&h, 5, 100, 101, "a", "x");
    put(&h, 5, 102, 103, "a", "y");
    get(&h, 6, 104, 105, "a", "x");
    ASSERT_NOT_LIN(&h);
    cr_assert_lt(result.stats.steps, 200000u, "%llu steps", (unsigned long long)result.stats.steps);
}

Test(lin, bad_command_bytes_are_reported) {
    uint8_t junk[3] = {9, 9, 9};
    uint32_t op;
    cr_assert(pod_history_invoke(&h, 1, 1, POD_KV_PUT, 0, junk, sizeof junk, 0, &op));
    cr_assert(pod_history_complete(&h, op, MS, POD_KV_OK, 0, NULL, 0));
    cr_assert_eq(check(&h), POD_LIN_UNKNOWN);
    cr_assert_eq(result.reason, POD_LIN_REASON_BAD_HISTORY);
    cr_assert(strstr(result.summary, "operation 0 (c1 r1): its command does not decode") != NULL, "%s",
              result.summary);
}

Test(lin, same_history_same_result) {
    busy_key(100, 60);
    many_keys(30);
    pod_lin_result *first = malloc(sizeof *first);
    cr_assert_not_null(first);
    pod_lin_check(&h, first);
    pod_lin_check(&h, &result);
    cr_assert_eq(first->verdict, POD_LIN_NOT_LINEARIZABLE);
    cr_assert_str_eq(first->summary, result.summary);
    cr_assert_str_eq(first->explanation, result.explanation);
    cr_assert_eq(first->stats.steps, result.stats.steps);
    cr_assert_eq(first->stats.states, result.stats.states);
    free(first);
}

Test(lin, summary_fits_one_line) {
    busy_key(300, 150);
    ASSERT_NOT_LIN(&h);
    cr_assert_lt(strlen(result.summary), POD_LIN_SUMMARY_MAX - 1);
    cr_assert_null(strchr(result.summary, '\n'));
}
