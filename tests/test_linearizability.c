/* test_linearizability.c — the linearizability checker on hand-written
 * histories: ones that are, ones that are not, and the limits (times in
 * milliseconds; NEVER marks an operation that timed out); and the JSON
 * lines history format: its files in tests/data/histories, its errors,
 * and writing then reading back. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"
#include "sim/history_json.h"
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
    uint32_t b = put(&h, 1, 2, 3, "a", "y");
    uint32_t c = put(&h, 1, 4, 5, "a", "z");
    h.ops[b].status = POD_KV_E_FULL;
    h.ops[c].status = POD_KV_E_TOO_LARGE;
    get(&h, 2, 10, 11, "a", ABSENT);
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.ops_excluded, 2u);
}

/* "Unavailable" and "not the leader" leave the outcome open, like a
 * timeout: another copy of the request (a retry, a duplicate) may have
 * taken effect. Reading its value is then fine — and so is not reading it. */
Test(lin, unavailable_and_not_leader_answers_leave_the_outcome_open) {
    uint32_t a = put(&h, 1, 0, 1, "a", "x");
    uint32_t b = put(&h, 3, 0, 1, "b", "y");
    h.ops[a].status = KV_REPLY_UNAVAILABLE;
    h.ops[b].status = KV_REPLY_NOT_LEADER;
    get(&h, 2, 10, 11, "a", "x");
    get(&h, 2, 12, 13, "b", ABSENT);
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.ops_excluded, 0u);
    cr_assert_eq(result.stats.ops_unknown, 2u);
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

/* Two concurrent writes of x, ordered by the search's first guess (the
 * earlier answer first) the wrong way round; only a read at the very end
 * shows it. In between, 14 keys (joined to x by a transaction, so one
 * component) each get two concurrent writes nobody reads: 2^14 states.
 * Without the reachability test (lin_reach.c) the search explores them all
 * before it backtracks to x (about 65,000 steps); with it, the wrong order
 * is dropped at the step that makes it: once "a" follows "b", nothing left
 * can write the "b" the read needs. */
static void wrong_order_shown_late(const char *final_read) {
    pod_kv_cmd join = {.op = POD_KV_TXN, .part_count = 0};
    static char keys[14][8];
    join.parts[join.part_count++] = part(POD_KV_PUT, "x", "x0", NULL, false);
    for (int r = 0; r < 14; r++) {
        snprintf(keys[r], sizeof keys[r], "y%d", r);
        join.parts[join.part_count++] = part(POD_KV_PUT, keys[r], "init", NULL, false);
    }
    record(&h, 1, 0, 1, &join, POD_KV_OK, NULL);
    put(&h, 1, 2, 20, "x", "a");
    put(&h, 2, 3, 19, "x", "b"); /* answered first: tried first */
    for (int r = 0; r < 14; r++) {
        uint64_t t = 30 + 10 * (uint64_t)r;
        put(&h, 1, t, t + 5, keys[r], "p");
        put(&h, 2, t + 1, t + 4, keys[r], "q");
    }
    get(&h, 3, 200, 201, "x", final_read);
}

Test(lin, a_wrong_order_shown_late_is_dropped_early) {
    wrong_order_shown_late("b");
    ASSERT_LIN(&h);
    cr_assert_eq(result.stats.components, 1u);
    cr_assert_lt(result.stats.steps, 1000u, "%llu steps", (unsigned long long)result.stats.steps);
}

Test(lin, a_value_nobody_can_write_any_more_fails_early) {
    /* The read wants "c": a value no operation writes to x. */
    wrong_order_shown_late("c");
    ASSERT_NOT_LIN(&h);
    cr_assert_lt(result.stats.steps, 1000u, "%llu steps", (unsigned long long)result.stats.steps);
}

Test(lin, a_read_of_a_value_nobody_writes_needs_no_search) {
    put(&h, 1, 0, 1, "a", "1");
    get(&h, 2, 0, 5, "a", "2");
    ASSERT_NOT_LIN(&h);
    cr_assert_eq(result.stats.steps, 0u);
    cr_assert_eq(result.culprit_count, 2u, "%s", result.explanation);
}

Test(lin, a_value_only_an_unanswered_write_gives_stays_reachable) {
    /* "u" comes from a timed-out write: it counts as a writer until it is
     * placed, and again when it is taken back out (overwritten unread). */
    put(&h, 1, 0, NEVER, "a", "u");
    put(&h, 2, 1, 2, "a", "v");
    get(&h, 3, 3, 4, "a", "v");
    get(&h, 3, 5, 6, "a", "u");
    get(&h, 4, 7, 8, "a", "u");
    ASSERT_LIN(&h);
    put(&h, 2, 9, 10, "a", "w");
    get(&h, 3, 11, 12, "a", "u"); /* u was placed once and read: it cannot come back */
    ASSERT_NOT_LIN(&h);
}

Test(lin, many_concurrent_candidates) {
    /* More candidates at once than the insertion sort takes (32): the
     * order of trying changes, not the verdict. */
    char v[16];
    for (int i = 0; i < 40; i++) {
        snprintf(v, sizeof v, "v%d", i);
        put(&h, 1 + (uint32_t)i, (uint64_t)i, 100 + (uint64_t)i, "a", v);
    }
    get(&h, 50, 200, 201, "a", "v17"); /* v17 was written last */
    ASSERT_LIN(&h);
    cr_assert_lt(result.stats.steps, 1000u, "%llu steps", (unsigned long long)result.stats.steps);
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

/* --- the JSON lines format ---------------------------------------------------------- */

#define DATA_DIR PODSIM_SOURCE_DIR "/tests/data/histories/"

static pod_lin_verdict check_file(const char *name) {
    pod_history file;
    pod_hist_json_error err;
    char text[512];
    bool ok = pod_hist_json_load(DATA_DIR "x", &file, &err); /* a missing file: an I/O error */
    cr_assert(!ok && err.status == POD_HIST_JSON_E_IO && err.line == 0);
    char path[512];
    snprintf(path, sizeof path, DATA_DIR "%s", name);
    if (!pod_hist_json_load(path, &file, &err)) {
        pod_hist_json_error_format(&err, path, text, sizeof text);
        cr_assert_fail("%s", text);
    }
    pod_lin_verdict v = pod_lin_check(&file, &result);
    pod_history_free(&file);
    return v;
}

Test(history_json, the_data_files_have_their_verdicts) {
    cr_assert_eq(check_file("sequential.jsonl"), POD_LIN_LINEARIZABLE, "%s", result.summary);
    cr_assert_eq(check_file("concurrent.jsonl"), POD_LIN_LINEARIZABLE, "%s", result.summary);
    cr_assert_eq(check_file("timeout-seen.jsonl"), POD_LIN_LINEARIZABLE, "%s", result.summary);
    cr_assert_eq(result.stats.ops_unknown, 2u);
    cr_assert_eq(check_file("every-field.jsonl"), POD_LIN_LINEARIZABLE, "%s", result.explanation);
    cr_assert_eq(result.stats.ops, 11u);
    cr_assert_eq(result.stats.ops_excluded, 1u); /* too-large; "unavailable" leaves its put open */
    cr_assert_eq(result.stats.ops_unknown, 2u);  /* that put, and one that timed out */
    cr_assert_eq(check_file("stale-read.jsonl"), POD_LIN_NOT_LINEARIZABLE, "%s", result.summary);
    cr_assert_eq(check_file("txn-half.jsonl"), POD_LIN_NOT_LINEARIZABLE, "%s", result.summary);
    cr_assert(strstr(result.summary, "keys b, a") != NULL, "%s", result.summary);
}

/* Parses text; on failure the formatted error into msg. */
static bool parse_text(const char *text, pod_history *out, char *msg, size_t cap) {
    pod_hist_json_error err;
    bool ok = pod_hist_json_parse(text, strlen(text), out, &err);
    if (!ok) pod_hist_json_error_format(&err, "h.jsonl", msg, cap);
    return ok;
}

#define INV "{\"type\":\"invoke\",\"client\":1,\"id\":1,\"t\":5,"

static const struct {
    const char *text;
    const char *error; /* the start of the message, with file:line:col */
} bad_inputs[] = {
    {"{", "h.jsonl:1:2: error: expected field name (a string), found the end of the line"},
    {"[1]", "h.jsonl:1:1: error: expected '{', found '['"},
    {INV "\"op\":\"put\",\"key\":\"k\",\"value\":\"v\"} x", "h.jsonl:1:76: error: expected the end of the line after '}', found 'x'"},
    {INV "\"op\":\"put\",\"key\":\"k\",\"value\":\"v\",\"colour\":1}", "h.jsonl:1:75: error: unknown field 'colour'; expected type"},
    {INV "\"op\":\"put\",\"key\":\"k\",\"value\":\"v\",\"key\":\"j\"}", "h.jsonl:1:75: error: field 'key' given twice"},
    {INV "\"op\":\"put\",\"key\":\"k\"}", "h.jsonl:1:1: error: missing field 'value': a put needs key and value"},
    {INV "\"op\":\"get\",\"key\":\"k\",\"value\":\"v\"}", "h.jsonl:1:71: error: field 'value' does not belong to a get invocation"},
    {INV "\"op\":\"fetch\",\"key\":\"k\"}", "h.jsonl:1:47: error: unknown op 'fetch'; expected put, get, delete, cas or txn"},
    {INV "\"op\":\"get\",\"key\":\"\"}", "h.jsonl:1:59: error: a key must not be empty"},
    {"{\"type\":\"invoke\",\"client\":-1}", "h.jsonl:1:27: error: expected client (an unsigned integer), found '-'"},
    {"{\"type\":\"invoke\",\"client\":01}", "h.jsonl:1:27: error: client: no leading zeros"},
    {"{\"type\":\"invoke\",\"client\":1.5}", "h.jsonl:1:28: error: client must be a whole number"},
    {"{\"type\":\"invoke\",\"t\":18446744073709551616}", "h.jsonl:1:22: error: t does not fit 64 bits"},
    {"{\"type\":\"invoke\",\"client\":0,\"id\":1,\"t\":5,\"op\":\"get\",\"key\":\"k\"}", "h.jsonl:1:27: error: client must be 1..4294967295"},
    {INV "\"op\":\"get\",\"key\":\"a\\u0100\"}", "h.jsonl:1:61: error: \\u0100 is not a byte"},
    {INV "\"op\":\"get\",\"key\":\"a\\q\"}", "h.jsonl:1:61: error: expected an escape"},
    {INV "\"op\":\"get\",\"key\":\"a\tb\"}", "h.jsonl:1:61: error: key: control byte 0x09 in a string; write it as \\u0009"},
    {INV "\"op\":\"get\",\"key\":\"ab}", "h.jsonl:1:59: error: key: the string does not end on this line"},
    {"{\"type\":\"finish\",\"client\":1,\"id\":1,\"t\":5}", "h.jsonl:1:9: error: unknown type 'finish'; expected invoke, complete or timeout"},
    {"{\"type\":\"complete\",\"client\":1,\"id\":1,\"t\":5,\"status\":\"ok\"}", "h.jsonl:1:36: error: no invocation of client 1 id 1 before this line"},
    {INV "\"op\":\"get\",\"key\":\"k\"}\n" INV "\"op\":\"get\",\"key\":\"k\"}", "h.jsonl:2:34: error: client 1 already invoked id 1"},
    {INV "\"op\":\"get\",\"key\":\"k\"}\n{\"type\":\"complete\",\"client\":1,\"id\":1,\"t\":4,\"status\":\"ok\"}", "h.jsonl:2:42: error: time 4 is before the previous line's 5"},
    {INV "\"op\":\"get\",\"key\":\"k\"}\n{\"type\":\"complete\",\"client\":1,\"id\":1,\"t\":6,\"status\":\"ok\"}", "h.jsonl:2:53: error: a get answered ok needs the 'value' it read"},
    {INV "\"op\":\"get\",\"key\":\"k\"}\n{\"type\":\"timeout\",\"client\":1,\"id\":1,\"t\":6}\n{\"type\":\"timeout\",\"client\":1,\"id\":1,\"t\":7}", "h.jsonl:3:35: error: client 1 id 1 already completed or timed out"},
    {INV "\"op\":\"get\",\"key\":\"k\"}\n{\"type\":\"complete\",\"client\":1,\"id\":1,\"t\":6,\"status\":\"fine\"}", "h.jsonl:2:53: error: unknown status 'fine'"},
    {INV "\"op\":\"get\",\"key\":\"k\"}\n{\"type\":\"timeout\",\"client\":1,\"id\":1,\"t\":6,\"status\":\"ok\"}", "h.jsonl:2:52: error: field 'status' does not belong to a timeout line"},
    {INV "\"op\":\"txn\",\"parts\":[]}", "h.jsonl:1:61: error: a transaction needs at least one part"},
    {INV "\"op\":\"txn\",\"parts\":[{\"op\":\"get\",\"key\":\"k\"}]}", "h.jsonl:1:68: error: unknown part op 'get'; expected put, delete or check"},
    {INV "\"op\":\"txn\",\"parts\":[{\"op\":\"check\",\"key\":\"k\"}]}", "h.jsonl:1:68: error: a check part needs 'expected'"},
    {INV "\"op\":\"cas\",\"key\":\"k\",\"value\":\"v\"}", "h.jsonl:1:1: error: missing field 'expected': a cas needs key, expected"},
    {INV "\"op\":\"get\",\"key\":\"k\",\"node\":0}", "h.jsonl:1:70: error: node must be 1..65535"},
    {"{\"type\":\"averyveryverylongtypenamethatisnoname\"}", "h.jsonl:1:9: error: unknown type; expected invoke, complete or timeout"},
};

Test(history_json, bad_input_names_line_column_and_what_was_expected) {
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        pod_history out;
        char msg[512] = "";
        cr_assert(!parse_text(bad_inputs[i].text, &out, msg, sizeof msg), "case %zu parsed", i);
        cr_assert(strncmp(msg, bad_inputs[i].error, strlen(bad_inputs[i].error)) == 0, "case %zu:\n got  %s\n want %s",
                  i, msg, bad_inputs[i].error);
        cr_assert_eq(out.count, 0u);
        cr_assert_null(out.ops, "a failed parse leaves the history empty");
    }
}

Test(history_json, limits_are_enforced) {
    /* A key one byte too long, a value at its limit, 17 parts. */
    size_t cap = 64 + 2 * POD_KV_VALUE_BYTES_MAX + 17 * 64;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    char key[POD_KV_KEY_BYTES_MAX + 2];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    snprintf(text, cap, INV "\"op\":\"get\",\"key\":\"%s\"}", key);
    pod_history out;
    char msg[512];
    cr_assert(!parse_text(text, &out, msg, sizeof msg));
    cr_assert(strstr(msg, "h.jsonl:1:59: error: key longer than 256 bytes") != NULL, "%s", msg);
    char *value = malloc(POD_KV_VALUE_BYTES_MAX + 1);
    cr_assert_not_null(value);
    memset(value, 'v', POD_KV_VALUE_BYTES_MAX);
    value[POD_KV_VALUE_BYTES_MAX] = '\0';
    snprintf(text, cap, INV "\"op\":\"put\",\"key\":\"k\",\"value\":\"%s\"}", value);
    cr_assert(parse_text(text, &out, msg, sizeof msg), "%s", msg);
    cr_assert_eq(out.count, 1u);
    pod_history_free(&out);
    int n = snprintf(text, cap, INV "\"op\":\"txn\",\"parts\":[");
    for (int i = 0; i < 17; i++) n += snprintf(text + n, cap - (size_t)n, "%s{\"op\":\"delete\",\"key\":\"k\"}", i ? "," : "");
    snprintf(text + n, cap - (size_t)n, "]}");
    cr_assert(!parse_text(text, &out, msg, sizeof msg));
    cr_assert(strstr(msg, "a transaction has at most 16 parts") != NULL, "%s", msg);
    free(value);
    free(text);
}

/* Writes h as JSON lines into a string (malloc'd). */
static char *write_text(const pod_history *hist, size_t *len) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    cr_assert_not_null(f);
    char err[256];
    cr_assert(pod_hist_json_write(f, hist, err, sizeof err), "%s", err);
    fclose(f);
    return buf;
}

static void assert_same_history(const pod_history *a, const pod_history *b) {
    cr_assert_eq(a->count, b->count);
    for (uint32_t i = 0; i < a->count; i++) {
        const pod_hist_op *x = &a->ops[i], *y = &b->ops[i];
        cr_assert(x->invoke_ns == y->invoke_ns && x->client == y->client && x->request_no == y->request_no &&
                  x->op == y->op && x->outcome == y->outcome && x->node == y->node, "op %u differs", i);
        cr_assert_eq(x->cmd_len, y->cmd_len);
        cr_assert_eq(memcmp(pod_history_bytes(a, x->cmd_off), pod_history_bytes(b, y->cmd_off), x->cmd_len), 0);
        if (x->outcome == POD_HIST_PENDING) continue;
        cr_assert(x->complete_ns == y->complete_ns, "op %u completes differently", i);
        if (x->outcome != POD_HIST_DONE) continue;
        cr_assert(x->status == y->status && x->index == y->index && x->result_len == y->result_len, "op %u", i);
        cr_assert_eq(memcmp(pod_history_bytes(a, x->result_off), pod_history_bytes(b, y->result_off), x->result_len), 0);
    }
}

Test(history_json, writing_and_reading_back_gives_the_same_history) {
    /* A history as the simulator records it: all kinds of operations,
     * a timeout, a pending one, bytes of every value. */
    uint8_t bytes[256];
    for (int i = 0; i < 256; i++) bytes[i] = (uint8_t)i;
    char odd_key[3] = {'\x01', '"', '\0'};
    put(&h, 1, 0, 3, "a", "1");
    get(&h, 2, 1, 2, "a", ABSENT);
    cas(&h, 3, 1, NEVER, odd_key, ABSENT, "x", POD_KV_OK);
    txn_put2(&h, 1, 4, 9, "a", "2", "b", "3");
    uint32_t g = get(&h, 2, 10, 11, "b", "3");
    h.ops[g].index = 77;
    h.ops[g].node = 4;
    pod_kv_cmd cmd = {.op = POD_KV_PUT, .part_count = 1};
    cmd.parts[0] = (pod_kv_part){.op = POD_KV_PUT, .key = (const uint8_t *)"bin", .key_len = 3, .value = bytes,
                                 .value_len = 256};
    record(&h, 4, 12, 13, &cmd, 201, NULL); /* a status without a name */
    uint8_t enc[512];
    uint32_t len = pod_kv_cmd_encode(&cmd, enc, sizeof enc);
    uint32_t op;
    cr_assert(pod_history_invoke(&h, 4, 99, POD_KV_PUT, 1, enc, len, 14 * MS, &op)); /* pending */
    size_t n1, n2;
    char *text = write_text(&h, &n1);
    pod_history back;
    char msg[512];
    cr_assert(parse_text(text, &back, msg, sizeof msg), "%s\n%s", msg, text);
    assert_same_history(&h, &back);
    char *again = write_text(&back, &n2);
    cr_assert_eq(n1, n2);
    cr_assert_str_eq(text, again);
    for (size_t i = 0; i < n1; i++) cr_assert(text[i] == '\n' || (text[i] >= 0x20 && text[i] < 0x7f), "byte %zu", i);
    free(text);
    free(again);
    pod_history_free(&back);
}

Test(history_json, the_data_files_read_back_the_same) {
    const char *names[] = {"sequential.jsonl", "every-field.jsonl", "timeout-seen.jsonl", "txn-half.jsonl"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, DATA_DIR "%s", names[k]);
        pod_history a, b;
        pod_hist_json_error err;
        cr_assert(pod_hist_json_load(path, &a, &err), "%s: %s", names[k], err.message);
        size_t n;
        char *text = write_text(&a, &n);
        char msg[512];
        cr_assert(parse_text(text, &b, msg, sizeof msg), "%s", msg);
        assert_same_history(&a, &b);
        free(text);
        pod_history_free(&a);
        pod_history_free(&b);
    }
}

Test(history_json, bad_files_are_reported_with_their_name) {
    pod_history out;
    pod_hist_json_error err;
    char text[512];
    cr_assert(!pod_hist_json_load(DATA_DIR "bad-unknown-field.jsonl", &out, &err));
    pod_hist_json_error_format(&err, "bad-unknown-field.jsonl", text, sizeof text);
    cr_assert_str_eq(text, "bad-unknown-field.jsonl:2:61: error: unknown field 'vaule'; expected type, client, id, t, "
                           "node, op, key, value, expected, parts, status or index");
    cr_assert(!pod_hist_json_load(DATA_DIR "bad-time-order.jsonl", &out, &err));
    cr_assert_eq(err.line, 2u);
}

/* --- the search against brute force -------------------------------------------------- */

/* A tiny independent checker: every order of the operations (answered
 * ones all, unanswered ones any subset) that respects real time, replayed
 * on the real state machine (nodes/kv_store.c). Exponential: for a few
 * operations only. */
typedef struct brute_op {
    pod_kv_cmd cmd;
    uint64_t invoke, complete; /* complete: UINT64_MAX when unanswered */
    uint8_t status;
    const uint8_t *value;
    uint32_t value_len;
} brute_op;

static bool brute_replay(const brute_op *ops, const int *order, int len) {
    pod_kv_store *s = pod_kv_create();
    bool ok = true;
    for (int i = 0; i < len && ok; i++) {
        const brute_op *o = &ops[order[i]];
        const uint8_t *v = NULL;
        uint32_t vlen = 0;
        pod_kv_status st = pod_kv_apply(s, &o->cmd, &v, &vlen);
        if (o->complete == UINT64_MAX) continue;
        ok = st == o->status;
        if (ok && o->cmd.op == POD_KV_GET && st == POD_KV_OK) ok = vlen == o->value_len && memcmp(v, o->value, vlen) == 0;
    }
    pod_kv_destroy(s);
    return ok;
}

static bool brute_search(const brute_op *ops, int n, int *order, int len, bool *used) {
    bool all_answered = true;
    for (int i = 0; i < n; i++) all_answered = all_answered && (used[i] || ops[i].complete == UINT64_MAX);
    if (all_answered) return true;
    for (int x = 0; x < n; x++) {
        if (used[x]) continue;
        bool minimal = true;
        for (int y = 0; y < n && minimal; y++) {
            minimal = used[y] || y == x || ops[y].complete >= ops[x].invoke;
        }
        if (!minimal) continue;
        order[len] = x;
        used[x] = true;
        bool found = brute_replay(ops, order, len + 1) && brute_search(ops, n, order, len + 1, used);
        used[x] = false;
        if (found) return true;
    }
    return false;
}

static bool brute_linearizable(const pod_history *hist) {
    brute_op ops[16];
    int n = 0;
    for (uint32_t i = 0; i < hist->count; i++) {
        const pod_hist_op *o = &hist->ops[i];
        if (o->outcome == POD_HIST_DONE && (o->status == POD_KV_E_FULL || o->status == KV_REPLY_UNAVAILABLE)) continue;
        brute_op *b = &ops[n++];
        cr_assert_eq(pod_kv_cmd_decode(pod_history_bytes(hist, o->cmd_off), o->cmd_len, &b->cmd), POD_KV_OK);
        b->invoke = o->invoke_ns;
        b->complete = o->outcome == POD_HIST_DONE ? o->complete_ns : UINT64_MAX;
        b->status = o->status;
        b->value = pod_history_bytes(hist, o->result_off);
        b->value_len = o->result_len;
    }
    int order[16];
    bool used[16] = {false};
    return brute_search(ops, n, order, 0, used);
}

static uint64_t brute_rng = 0x9e3779b97f4a7c15u;
static uint32_t brute_below(uint32_t n) {
    brute_rng ^= brute_rng << 13;
    brute_rng ^= brute_rng >> 7;
    brute_rng ^= brute_rng << 17;
    return (uint32_t)(brute_rng % n);
}

/* A random small history: operations on two keys with overlapping times,
 * answers drawn from what some state could give (so many are plausible,
 * some not), and timeouts. */
static void random_small_history(int n) {
    static const char *const keys[] = {"a", "b"};
    static const char *const values[] = {"1", "2", "3"};
    for (int i = 0; i < n; i++) {
        uint64_t t0 = brute_below(40), t1 = brute_below(6) == 0 ? NEVER : t0 + 1 + brute_below(15);
        const char *k = keys[brute_below(2)];
        const char *v = values[brute_below(3)];
        const char *e = brute_below(3) == 0 ? ABSENT : values[brute_below(3)];
        uint8_t any = (uint8_t)brute_below(2);
        switch (brute_below(6)) {
        case 0: put(&h, 1 + (uint32_t)i, t0, t1, k, v); break;
        case 1: get(&h, 1 + (uint32_t)i, t0, t1, k, brute_below(3) == 0 ? ABSENT : v); break;
        case 2: del(&h, 1 + (uint32_t)i, t0, t1, k, any ? POD_KV_OK : POD_KV_NOT_FOUND); break;
        case 3: cas(&h, 1 + (uint32_t)i, t0, t1, k, e, v, any ? POD_KV_OK : POD_KV_CAS_MISMATCH); break;
        default: {
            pod_kv_cmd cmd = {.op = POD_KV_TXN, .part_count = 0};
            if (brute_below(2)) cmd.parts[cmd.part_count++] = part(POD_KV_CHECK, k, NULL, e, e == NULL);
            cmd.parts[cmd.part_count++] = part(POD_KV_PUT, keys[brute_below(2)], v, NULL, false);
            if (brute_below(2)) cmd.parts[cmd.part_count++] = part(POD_KV_DELETE, keys[brute_below(2)], NULL, NULL, false);
            record(&h, 1 + (uint32_t)i, t0, t1, &cmd, any ? POD_KV_OK : POD_KV_CAS_MISMATCH, NULL);
        }
        }
    }
}

Test(lin, agrees_with_brute_force_on_small_histories) {
    int seen[2] = {0, 0};
    for (int round = 0; round < 3000; round++) {
        pod_history_free(&h);
        pod_history_init(&h);
        random_small_history(3 + round % 5);
        bool expect = brute_linearizable(&h);
        pod_lin_verdict v = check(&h);
        cr_assert_neq(v, POD_LIN_UNKNOWN, "round %d: %s", round, result.summary);
        cr_assert_eq(v == POD_LIN_LINEARIZABLE, expect, "round %d: brute force says %s, the search says %s:\n%s", round,
                     expect ? "linearizable" : "not", pod_lin_verdict_name(v), result.explanation);
        seen[expect]++;
    }
    cr_assert_gt(seen[0], 300, "too few non-linearizable cases to mean much");
    cr_assert_gt(seen[1], 300, "too few linearizable cases to mean much");
}
