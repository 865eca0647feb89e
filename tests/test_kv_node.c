/* test_kv_node.c — the key-value node on the env harness: log first, apply
 * and answer only at durability, reads from the applied state, clear errors
 * for bad requests, fail-stop on a failed fsync, and recovery from the log. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_node.h"
#include "nodes/kv_proto.h"
#include "tests/env_harness.h"

#define CLIENT ((pod_addr)(POD_CLIENT_ADDR_BASE + 0))

typedef struct answers {
    uint32_t count;
    uint8_t status[64];
    uint64_t request_no[64];
    uint64_t index[64];
    uint8_t value[64][64];
    uint32_t value_len[64];
} answers;

static pod_status capture(void *arg, pod_addr to, const void *bytes, uint32_t len) {
    answers *a = arg;
    cr_assert_eq(to, CLIENT);
    kv_header h;
    cr_assert_eq(kv_header_decode(bytes, len, KV_MSG_RESPONSE, &h), 0);
    cr_assert_lt(a->count, 64u);
    const uint8_t *b = bytes;
    a->status[a->count] = h.status;
    a->request_no[a->count] = h.request_no;
    a->index[a->count] = kv_get_u64(b + KV_HEADER_BYTES);
    uint32_t vlen = kv_get_u32(b + KV_HEADER_BYTES + 8);
    cr_assert_eq(vlen, len - KV_RESPONSE_HEADER_BYTES);
    if (vlen <= 64) memcpy(a->value[a->count], b + KV_RESPONSE_HEADER_BYTES, vlen);
    a->value_len[a->count] = vlen;
    a->count++;
    return POD_OK;
}

typedef struct fixture {
    harness *h;
    void *node;
    answers got;
} fixture;

static void to_node(void *arg, const pod_disk_done *done) {
    fixture *f = arg;
    if (f->node) pod_kv_node_type.on_disk(f->node, done);
}

static void setup(fixture *f, uint64_t seed) {
    memset(f, 0, sizeof *f);
    pod_disk_config config = pod_disk_config_default();
    f->h = harness_create(&config, seed);
    harness_on_disk(f->h, to_node, f);
    harness_on_send(f->h, capture, &f->got);
    f->node = pod_kv_node_type.start(harness_env(f->h), NULL, 0);
    cr_assert_not_null(f->node);
    harness_complete_all(f->h); /* recovery's own syncs */
}

static void teardown(fixture *f) {
    if (f->node) pod_kv_node_type.stop(f->node);
    harness_destroy(f->h);
}

static void request(fixture *f, uint64_t request_no, pod_kv_cmd cmd) {
    uint8_t msg[1024];
    kv_header h = {.type = KV_MSG_REQUEST, .client_id = 1, .request_no = request_no};
    kv_header_encode(&h, msg);
    uint32_t n = pod_kv_cmd_encode(&cmd, msg + KV_HEADER_BYTES, sizeof msg - KV_HEADER_BYTES);
    cr_assert_gt(n, 0u);
    kv_frame_seal(msg, KV_HEADER_BYTES + n);
    pod_kv_node_type.on_message(f->node, CLIENT, msg, KV_HEADER_BYTES + n);
}

static pod_kv_cmd put(const char *k, const char *v) {
    pod_kv_cmd c = {.op = POD_KV_PUT, .part_count = 1};
    c.parts[0] = (pod_kv_part){.op = POD_KV_PUT, .key = (const uint8_t *)k, .key_len = (uint32_t)strlen(k),
                               .value = (const uint8_t *)v, .value_len = (uint32_t)strlen(v)};
    return c;
}

static pod_kv_cmd get(const char *k) {
    pod_kv_cmd c = {.op = POD_KV_GET, .part_count = 1};
    c.parts[0] = (pod_kv_part){.op = POD_KV_GET, .key = (const uint8_t *)k, .key_len = (uint32_t)strlen(k)};
    return c;
}

Test(kv_node, a_write_is_answered_only_after_its_fsync) {
    fixture f;
    setup(&f, 1);
    request(&f, 1, put("a", "1"));
    request(&f, 2, put("b", "2"));
    cr_assert_eq(f.got.count, 0u, "answered before anything was durable");
    /* Complete everything but the fsyncs: still no answer. */
    for (uint32_t i = 0; i < harness_pending(f.h);) {
        if (harness_pending_op(f.h, i) == POD_DISK_FSYNC) {
            i++;
            continue;
        }
        harness_complete_at(f.h, i);
    }
    cr_assert_eq(f.got.count, 0u, "answered before the fsync completed");
    harness_complete_all(f.h);
    cr_assert_eq(f.got.count, 2u);
    cr_assert_eq(f.got.status[0], POD_KV_OK);
    cr_assert_eq(f.got.request_no[0], 1u);
    cr_assert_eq(f.got.index[0] + 1, f.got.index[1], "log order: consecutive indexes");
    teardown(&f);
}

Test(kv_node, reads_see_only_durable_writes) {
    fixture f;
    setup(&f, 2);
    request(&f, 1, put("k", "v1"));
    request(&f, 2, get("k"));
    cr_assert_eq(f.got.count, 1u);
    cr_assert_eq(f.got.status[0], POD_KV_NOT_FOUND, "a read saw a write that is not durable");
    harness_complete_all(f.h);
    request(&f, 3, get("k"));
    cr_assert_eq(f.got.count, 3u);
    cr_assert_eq(f.got.status[2], POD_KV_OK);
    cr_assert_eq(f.got.value_len[2], 2u);
    cr_assert_eq(memcmp(f.got.value[2], "v1", 2), 0);
    teardown(&f);
}

Test(kv_node, bad_requests_get_clear_errors) {
    fixture f;
    setup(&f, 3);
    uint8_t msg[64];
    kv_header h = {.type = KV_MSG_REQUEST, .client_id = 1, .request_no = 9};
    kv_header_encode(&h, msg);
    memset(msg + KV_HEADER_BYTES, 0xee, 12);
    kv_frame_seal(msg, KV_HEADER_BYTES + 12);
    pod_kv_node_type.on_message(f.node, CLIENT, msg, KV_HEADER_BYTES + 12);
    cr_assert_eq(f.got.count, 1u);
    cr_assert_eq(f.got.status[0], POD_KV_E_MALFORMED);
    cr_assert_eq(f.got.request_no[0], 9u);
    /* Not even a header: ignored, no crash. */
    pod_kv_node_type.on_message(f.node, CLIENT, msg, 3);
    cr_assert_eq(f.got.count, 1u);
    teardown(&f);
}

Test(kv_node, a_failed_fsync_fails_stop_and_recovery_keeps_what_was_acknowledged) {
    fixture f;
    setup(&f, 4);
    request(&f, 1, put("safe", "yes"));
    harness_complete_all(f.h);
    cr_assert_eq(f.got.count, 1u);
    pod_disk_faults faults = {.fsync_eio_ppm = POD_PPM_ONE};
    harness_set_faults(f.h, &faults);
    request(&f, 2, put("lost", "no"));
    harness_complete_all(f.h);
    cr_assert(harness_fail_stopped(f.h), "a failed fsync must end the process");
    cr_assert_eq(f.got.count, 1u, "a write whose fsync failed was acknowledged");
    /* The world stops the node and restarts it from its disk. */
    pod_kv_node_type.stop(f.node);
    f.node = NULL;
    harness_drop_pending(f.h);
    harness_set_faults(f.h, &(pod_disk_faults){0});
    f.node = pod_kv_node_type.start(harness_env(f.h), NULL, 0);
    cr_assert_not_null(f.node);
    harness_complete_all(f.h);
    request(&f, 3, get("safe"));
    request(&f, 4, get("lost"));
    cr_assert_eq(f.got.status[1], POD_KV_OK, "an acknowledged write is gone");
    cr_assert_eq(f.got.status[2], POD_KV_NOT_FOUND, "a write whose fsync failed came back");
    teardown(&f);
}

Test(kv_node, a_crash_keeps_every_acknowledged_write) {
    for (uint64_t seed = 1; seed <= 50; seed++) {
        fixture f;
        setup(&f, seed);
        char key[16];
        for (uint64_t i = 1; i <= 20; i++) {
            snprintf(key, sizeof key, "k%lu", (unsigned long)i);
            request(&f, i, put(key, "v"));
            if (i % 3 == 0) harness_complete_one(f.h);
        }
        uint32_t acked = f.got.count;
        harness_crash(f.h);
        pod_kv_node_type.stop(f.node);
        f.node = pod_kv_node_type.start(harness_env(f.h), NULL, 0);
        cr_assert_not_null(f.node, "seed %lu: refused to start after a plain crash", (unsigned long)seed);
        harness_complete_all(f.h);
        pod_node_view view;
        pod_kv_node_type.view(f.node, &view);
        for (uint32_t k = 0; k < acked; k++) {
            cr_assert_leq(f.got.index[k], view.applied_index, "seed %lu: acknowledged index %lu lost",
                          (unsigned long)seed, (unsigned long)f.got.index[k]);
        }
        teardown(&f);
    }
}

static pod_kv_cmd cas(const char *k, const char *expected, const char *v) {
    pod_kv_cmd c = {.op = POD_KV_CAS, .part_count = 1};
    c.parts[0] = (pod_kv_part){.op = POD_KV_CAS, .key = (const uint8_t *)k, .key_len = (uint32_t)strlen(k),
                               .expected = (const uint8_t *)expected,
                               .expected_len = (uint32_t)strlen(expected),
                               .value = (const uint8_t *)v, .value_len = (uint32_t)strlen(v)};
    return c;
}

/* Idempotent Receiver: a CAS that arrives twice (a duplicated message) is
 * logged twice but applied once, and both copies get the first answer —
 * also when the second copy arrives after a restart rebuilt the node's
 * memory of requests from the log. */
Test(kv_node, a_duplicated_request_is_applied_once_and_answered_the_same) {
    fixture f;
    setup(&f, 3);
    request(&f, 1, put("k", "a"));
    harness_complete_all(f.h);
    request(&f, 2, cas("k", "a", "b"));
    request(&f, 2, cas("k", "a", "b")); /* the copy, before the first is durable */
    harness_complete_all(f.h);
    cr_assert_eq(f.got.count, 3u);
    cr_assert_eq(f.got.status[1], POD_KV_OK);
    cr_assert_eq(f.got.status[2], POD_KV_OK, "the copy was applied again (it would mismatch)");
    cr_assert_eq(f.got.index[2], f.got.index[1], "the copy must report the first one's index");

    harness_crash(f.h);
    pod_kv_node_type.stop(f.node);
    f.node = pod_kv_node_type.start(harness_env(f.h), NULL, 0);
    cr_assert_not_null(f.node);
    harness_complete_all(f.h);
    request(&f, 2, cas("k", "a", "b")); /* a late copy, after the restart */
    harness_complete_all(f.h);
    request(&f, 3, get("k"));
    cr_assert_eq(f.got.count, 5u);
    cr_assert_eq(f.got.status[3], POD_KV_OK, "after a restart the copy was applied again");
    cr_assert_eq(f.got.index[3], f.got.index[1]);
    cr_assert_eq(f.got.status[4], POD_KV_OK);
    cr_assert_eq(f.got.value_len[4], 1u);
    cr_assert_eq(f.got.value[4][0], 'b');
    teardown(&f);
}

static uint64_t counter(const pod_node_view *view, const char *name) {
    for (int i = 0; pod_kv_node_type.counter_names[i]; i++) {
        if (strcmp(pod_kv_node_type.counter_names[i], name) == 0) return view->counters[i];
    }
    cr_assert_fail("no counter '%s'", name);
    return 0;
}

/* The client protocol's checksum: a request with one bit flipped anywhere
 * (as the network's corrupt= does) is dropped unanswered and counted,
 * never applied; the intact request still works. */
Test(kv_node, a_corrupted_request_is_dropped_not_applied) {
    fixture f;
    setup(&f, 4);
    uint8_t msg[128];
    kv_header h = {.type = KV_MSG_REQUEST, .client_id = 1, .request_no = 1};
    kv_header_encode(&h, msg);
    pod_kv_cmd cmd = put("key", "value");
    uint32_t len = KV_HEADER_BYTES + pod_kv_cmd_encode(&cmd, msg + KV_HEADER_BYTES, sizeof msg - KV_HEADER_BYTES);
    kv_frame_seal(msg, len);
    for (uint32_t bit = 0; bit < len * 8; bit++) {
        uint8_t bad[128];
        memcpy(bad, msg, len);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        pod_kv_node_type.on_message(f.node, CLIENT, bad, len);
    }
    harness_complete_all(f.h);
    cr_assert_eq(f.got.count, 0u, "a corrupted request was answered");
    pod_node_view view;
    pod_kv_node_type.view(f.node, &view);
    cr_assert_eq(view.applied_index, 0u, "a corrupted request was applied");
    cr_assert_eq(counter(&view, "corrupt"), (uint64_t)len * 8, "every corrupted frame is counted (corrupt)");
    pod_kv_node_type.on_message(f.node, CLIENT, msg, len);
    harness_complete_all(f.h);
    cr_assert_eq(f.got.count, 1u);
    cr_assert_eq(f.got.status[0], POD_KV_OK);
    teardown(&f);
}
