/* test_lwm.c — the Low-Water Mark: the snapshot file format, crashes at
 * every step of saving a snapshot, receiving and installing one, restarting
 * the log after it and cleaning segments. The scenario sweeps are in
 * test_lwm_scenarios.c. */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/rkv_msg.h"
#include "nodes/snapshot_format.h"
#include "nodes/snapshot_store.h"
#include "nodes/wal.h"
#include "tests/env_harness.h"

/* --- a state to snapshot ----------------------------------------------------- */

static pod_kv_store *make_store(uint32_t keys, uint32_t value_len, uint8_t salt) {
    pod_kv_store *s = pod_kv_create();
    cr_assert_not_null(s);
    uint8_t value[POD_KV_VALUE_BYTES_MAX];
    for (uint32_t k = 0; k < keys; k++) {
        char key[16];
        snprintf(key, sizeof key, "key%05u", k); /* ascending */
        for (uint32_t i = 0; i < value_len; i++) value[i] = (uint8_t)(k * 31 + i + salt);
        cr_assert(pod_kv_load_pair(s, (const uint8_t *)key, (uint32_t)strlen(key), value, value_len));
    }
    return s;
}

static uint8_t *make_snapshot(uint64_t index, uint32_t keys, uint32_t value_len, size_t *len) {
    pod_kv_store *s = make_store(keys, value_len, (uint8_t)index);
    pod_snap_client clients[3] = {{.client_id = 1, .request_no = 7, .index = index - 2, .status = 0},
                                  {.client_id = 4, .request_no = 2, .index = index - 1, .status = 2},
                                  {.client_id = 9, .request_no = 30, .index = index, .status = 1}};
    pod_snap_header h = {.last_index = index, .last_term = 3, .chain = 0xabcdef ^ index};
    uint8_t *bytes = pod_snap_encode(&h, s, clients, 3, len);
    cr_assert_not_null(bytes);
    pod_kv_destroy(s);
    return bytes;
}

Test(snapshot_format, round_trip_keeps_state_clients_and_header) {
    pod_kv_store *s = make_store(20, 40, 1);
    pod_snap_client clients[2] = {{.client_id = 3, .request_no = 11, .index = 90, .status = 2},
                                  {.client_id = 8, .request_no = 5, .index = 99, .status = 0}};
    pod_snap_header h = {.last_index = 100, .last_term = 4, .chain = 77};
    size_t len;
    uint8_t *bytes = pod_snap_encode(&h, s, clients, 2, &len);
    cr_assert_not_null(bytes);
    pod_kv_store *back = pod_kv_create();
    pod_snap_client got[4];
    pod_snap_header hb;
    const char *why = NULL;
    cr_assert(pod_snap_decode(bytes, len, &hb, back, got, 4, &why), "%s", why);
    cr_assert_eq(hb.last_index, 100u);
    cr_assert_eq(hb.last_term, 4u);
    cr_assert_eq(hb.chain, 77u);
    cr_assert_eq(hb.client_count, 2u, "the Idempotent Receiver's memory must be in the snapshot");
    cr_assert_eq(got[1].client_id, 8u);
    cr_assert_eq(got[1].request_no, 5u);
    cr_assert_eq(got[0].status, 2u);
    cr_assert_eq(pod_kv_state_hash(back), pod_kv_state_hash(s));
    pod_kv_destroy(back);
    pod_kv_destroy(s);
    free(bytes);
}

Test(snapshot_format, every_bit_flip_and_every_cut_is_refused) {
    size_t len;
    uint8_t *bytes = make_snapshot(50, 4, 8, &len);
    pod_snap_header h;
    for (size_t bit = 0; bit < len * 8; bit++) {
        bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_assert_not(pod_snap_decode(bytes, len, &h, NULL, NULL, 0, NULL), "a flip of bit %zu went unnoticed", bit);
        bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    for (size_t cut = 0; cut < len; cut++) {
        cr_assert_not(pod_snap_decode(bytes, cut, &h, NULL, NULL, 0, NULL), "a file cut at %zu was believed", cut);
    }
    cr_assert(pod_snap_decode(bytes, len, &h, NULL, NULL, 0, NULL));
    free(bytes);
}

Test(snapshot_format, names_are_strict) {
    uint64_t i;
    char name[POD_FILE_NAME_MAX + 1];
    pod_snap_name_format(42, name, sizeof name);
    cr_assert_str_eq(name, "snap-00000000000000000042.snap");
    cr_assert(pod_snap_name_parse(name, &i));
    cr_assert_eq(i, 42u);
    cr_assert_not(pod_snap_name_parse("snap-42.snap", &i));
    cr_assert_not(pod_snap_name_parse("snap-00000000000000000000.snap", &i));
    cr_assert_not(pod_snap_name_parse("snap-0000000000000000004x.snap", &i));
    cr_assert_not(pod_snap_name_parse("snap.tmp", &i));
}

/* --- the snapshot store under crashes ------------------------------------------------ */

typedef struct store_box {
    pod_snap_store s;
    bool open;
    pod_snap_event last;
    uint32_t saved, installed, failed;
} store_box;

static void store_on_disk(void *arg, const pod_disk_done *done) {
    store_box *b = arg;
    cr_assert(b->open, "a completion reached a closed store");
    cr_assert(pod_snap_owns(done));
    b->last = pod_snap_on_disk(&b->s, done);
    if (b->last == POD_SNAP_EV_SAVED) b->saved++;
    if (b->last == POD_SNAP_EV_INSTALLED) b->installed++;
    if (b->last == POD_SNAP_EV_FAILED) b->failed++;
}

static void box_open(store_box *b, harness *h) {
    char why[200];
    pod_status st = pod_snap_open(&b->s, harness_env(h), why, sizeof why);
    cr_assert_eq(st, POD_OK, "open: %s: %s", pod_status_name(st), why);
    b->open = true;
    harness_on_disk(h, store_on_disk, b);
}

static void box_crash(store_box *b, harness *h) {
    pod_snap_close(&b->s);
    b->open = false;
    harness_crash(h);
}

static pod_disk_config test_disk(void) {
    pod_disk_config c = pod_disk_config_default();
    c.sector_size = 512; /* more sectors: more ways to tear */
    return c;
}

/* Save A, then B, crashing after k completions of B's save: the store
 * reopens on A or B, whole — and on B once B's save was reported durable. */
Test(snapshot_store, a_crash_at_every_step_of_a_save_leaves_the_old_or_the_new_snapshot) {
    size_t la, lb;
    uint8_t *a = make_snapshot(10, 30, 100, &la);
    uint8_t *b = make_snapshot(20, 30, 100, &lb);
    uint32_t steps_seen = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        for (uint32_t k = 0;; k++) {
            pod_disk_config c = test_disk();
            harness *h = harness_create(&c, seed);
            store_box box = {0};
            box_open(&box, h);
            uint8_t *copy = malloc(la);
            memcpy(copy, a, la);
            cr_assert(pod_snap_save(&box.s, copy, la, 10, 3));
            harness_complete_all(h);
            cr_assert_eq(box.saved, 1u);
            copy = malloc(lb);
            memcpy(copy, b, lb);
            cr_assert(pod_snap_save(&box.s, copy, lb, 20, 3));
            uint32_t done = 0;
            while (done < k && harness_complete_one(h)) done++;
            bool finished = harness_pending(h) == 0;
            bool was_saved = box.saved == 2;
            box_crash(&box, h);
            box_open(&box, h);
            cr_assert(box.s.index == 10 || box.s.index == 20, "seed %lu k %u: index %lu", (unsigned long)seed, k,
                      (unsigned long)box.s.index);
            if (was_saved) cr_assert_eq(box.s.index, 20u, "seed %lu k %u: a durable save was lost", (unsigned long)seed, k);
            const uint8_t *want = box.s.index == 10 ? a : b;
            size_t want_len = box.s.index == 10 ? la : lb;
            cr_assert_eq(box.s.len, want_len);
            cr_assert_eq(memcmp(box.s.bytes, want, want_len), 0, "seed %lu k %u: a partial snapshot was believed",
                         (unsigned long)seed, k);
            harness_complete_all(h);
            cr_assert(box.s.durable);
            pod_snap_close(&box.s);
            harness_destroy(h);
            if (seed == 1) steps_seen = k;
            if (finished) break;
        }
    }
    cr_assert_geq(steps_seen, 3u, "a save should take write, fsync, rename + directory fsync");
    free(a);
    free(b);
}

/* Feeds the store the snapshot chunk by chunk from what it holds, as a
 * leader does, until it is installed or `budget` completions have run. */
static bool drive_install(store_box *box, harness *h, const uint8_t *snap, size_t len, uint32_t budget) {
    for (uint32_t rounds = 0; rounds < 10000; rounds++) {
        if (box->installed) return true;
        if (!pod_snap_busy(&box->s)) {
            uint64_t have = box->s.receiving && box->s.recv_index == 30 ? box->s.recv_have : 0;
            uint32_t n = len - have > RKV_SNAP_CHUNK_BYTES ? RKV_SNAP_CHUNK_BYTES : (uint32_t)(len - have);
            if (!pod_snap_receive(&box->s, 30, 3, len, have, snap + have, n)) {
                /* Every byte is here: check it whole and rename it. A torn
                 * file (after a crash) is discarded: start over. */
                cr_assert_eq(have, len, "a chunk at the store's own offset was refused");
                char why[200];
                if (!pod_snap_install(&box->s, why, sizeof why)) continue;
            }
        }
        if (budget == 0) return false;
        cr_assert(harness_complete_one(h), "the store waits for nothing");
        budget--;
        if (box->last == POD_SNAP_EV_INSTALLED) pod_snap_adopt_installed(&box->s);
    }
    cr_assert_fail("the transfer did not finish");
    return false;
}

Test(snapshot_store, a_crash_at_every_step_of_receiving_and_installing_resumes_and_installs_whole) {
    size_t len, lold;
    uint8_t *snap = make_snapshot(30, 40, 1000, &len); /* ~40 KiB: three chunks */
    uint8_t *old = make_snapshot(10, 5, 10, &lold);
    cr_assert_gt(len, 2u * RKV_SNAP_CHUNK_BYTES);
    uint32_t resumed = 0, max_k = 0;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        for (uint32_t k = 0;; k++) {
            pod_disk_config c = test_disk();
            harness *h = harness_create(&c, seed);
            store_box box = {0};
            box_open(&box, h);
            uint8_t *copy = malloc(lold);
            memcpy(copy, old, lold);
            cr_assert(pod_snap_save(&box.s, copy, lold, 10, 2));
            harness_complete_all(h);
            bool finished = drive_install(&box, h, snap, len, k);
            box_crash(&box, h);
            box_open(&box, h);
            harness_complete_all(h);
            cr_assert(box.s.index == 10 || box.s.index == 30, "seed %lu k %u: index %lu", (unsigned long)seed, k,
                      (unsigned long)box.s.index);
            if (finished) cr_assert_eq(box.s.index, 30u, "seed %lu k %u: an installed snapshot was lost",
                                       (unsigned long)seed, k);
            if (box.s.index == 10 && box.s.receiving && box.s.recv_have > 0) resumed++;
            if (box.s.index == 10) cr_assert(drive_install(&box, h, snap, len, UINT32_MAX));
            cr_assert_eq(box.s.index, 30u);
            cr_assert_eq(box.s.len, len);
            cr_assert_eq(memcmp(box.s.bytes, snap, len), 0, "seed %lu k %u: the installed snapshot differs",
                         (unsigned long)seed, k);
            pod_snap_close(&box.s);
            harness_destroy(h);
            if (finished) {
                if (k > max_k) max_k = k;
                break;
            }
        }
    }
    cr_assert_geq(max_k, 8u, "three chunks of write + fsync, then fsync, rename + directory fsync");
    cr_assert_gt(resumed, 0u, "no crash ever left a partial transfer to resume");
    fprintf(stderr, "install crash sweep: %u restarts resumed a partial transfer\n", resumed);
    free(snap);
    free(old);
}

/* --- the log: restarting it after a snapshot, and cleaning it ------------------------------- */

typedef struct wal_box {
    pod_wal *wal;
    uint64_t first, last, count;
    bool gap;
} wal_box;

static void wal_on_disk(void *arg, const pod_disk_done *done) {
    wal_box *b = arg;
    cr_assert_not_null(b->wal);
    (void)pod_wal_on_disk(b->wal, done);
}

static void wal_visit(void *arg, const pod_wal_entry *e) {
    wal_box *b = arg;
    if (b->count == 0) b->first = e->index;
    else if (e->index != b->last + 1) b->gap = true;
    b->last = e->index;
    b->count++;
}

static void wal_open(wal_box *b, harness *h, uint64_t start_index) {
    pod_wal_config cfg = {.prefix = "wal", .segment_bytes_max = 160, .start_index = start_index};
    char why[256];
    b->count = 0;
    b->gap = false;
    pod_wal_result r = pod_wal_open(harness_env(h), &cfg, wal_visit, b, &b->wal, why, sizeof why);
    cr_assert_eq(r, POD_WAL_OK, "open: %s", why);
    cr_assert_not(b->gap);
    harness_on_disk(h, wal_on_disk, b);
}

static void wal_crash(wal_box *b, harness *h) {
    pod_wal_close(b->wal);
    b->wal = NULL;
    harness_crash(h);
}

static void wal_fill(wal_box *b, harness *h, uint64_t records) {
    uint8_t payload[40];
    memset(payload, 0x5a, sizeof payload);
    for (uint64_t i = 0; i < records; i++) {
        uint64_t index;
        cr_assert_eq(pod_wal_append(b->wal, 1, 1, payload, sizeof payload, &index), POD_WAL_OK);
    }
    harness_complete_all(h);
}

/* A follower's log restarted at 101 after installing snapshot 100, with
 * three new records: a crash at any step leaves a prefix of the old log,
 * nothing, or the new log — never old and new records together. */
Test(lwm_log, a_crash_at_every_step_of_a_log_restart_never_mixes_old_and_new) {
    uint32_t outcomes[3] = {0};
    for (uint64_t seed = 1; seed <= 30; seed++) {
        for (uint32_t k = 0;; k++) {
            pod_disk_config c = test_disk();
            harness *h = harness_create(&c, seed);
            wal_box b = {0};
            wal_open(&b, h, 1);
            wal_fill(&b, h, 20);
            cr_assert_eq(pod_wal_restart_at(b.wal, 101), POD_WAL_OK);
            uint8_t payload[40] = {1};
            uint64_t index;
            for (int i = 0; i < 3; i++) cr_assert_eq(pod_wal_append(b.wal, 1, 2, payload, sizeof payload, &index), POD_WAL_OK);
            cr_assert_eq(index, 103u);
            uint32_t done = 0;
            while (done < k && harness_complete_one(h)) done++;
            bool finished = harness_pending(h) == 0;
            uint64_t durable = pod_wal_durable_index(b.wal);
            wal_crash(&b, h);
            wal_open(&b, h, 101);
            if (b.count == 0) {
                outcomes[1]++;
                cr_assert_eq(pod_wal_first_index(b.wal), 101u, "an empty log must restart after the snapshot");
            } else if (b.first == 1) {
                outcomes[0]++;
                cr_assert_leq(b.last, 20u, "seed %lu k %u: old and new records mixed", (unsigned long)seed, k);
                cr_assert_lt(durable, 101u, "seed %lu k %u: a durable new record was lost", (unsigned long)seed, k);
            } else {
                outcomes[2]++;
                cr_assert_eq(b.first, 101u, "seed %lu k %u: the new log starts at %lu", (unsigned long)seed, k,
                             (unsigned long)b.first);
                cr_assert_geq(b.last, durable > 100 ? durable : 100, "seed %lu k %u: a durable record was lost",
                              (unsigned long)seed, k);
            }
            if (finished) cr_assert_eq(b.last, 103u);
            pod_wal_close(b.wal);
            harness_destroy(h);
            if (finished) break;
        }
    }
    cr_assert_gt(outcomes[0], 0u, "no crash left a prefix of the old log");
    cr_assert_gt(outcomes[2], 0u, "no crash left the new log");
}

/* The cleaner's drop below 40 (of 60 durable records): a crash at any
 * step keeps every record from the first kept segment on — a suffix of
 * the old log, never a hole, never a record at or above the mark lost. */
Test(lwm_log, a_crash_at_every_step_of_cleaning_leaves_a_suffix_without_holes) {
    uint32_t partial = 0;
    for (uint64_t seed = 1; seed <= 30; seed++) {
        for (uint32_t k = 0;; k++) {
            pod_disk_config c = test_disk();
            harness *h = harness_create(&c, seed);
            wal_box b = {0};
            wal_open(&b, h, 1);
            wal_fill(&b, h, 60);
            cr_assert_eq(pod_wal_drop_below(b.wal, 40), POD_WAL_OK);
            uint64_t first_after = pod_wal_first_index(b.wal);
            cr_assert_gt(first_after, 1u, "nothing to clean");
            cr_assert_leq(first_after, 40u);
            uint32_t done = 0;
            while (done < k && harness_complete_one(h)) done++;
            bool finished = harness_pending(h) == 0;
            wal_crash(&b, h);
            wal_open(&b, h, 1);
            cr_assert_eq(b.last, 60u, "seed %lu k %u: durable records lost", (unsigned long)seed, k);
            cr_assert_leq(b.first, first_after, "seed %lu k %u: a kept segment went", (unsigned long)seed, k);
            if (b.first > 1 && b.first < first_after) partial++;
            if (finished) cr_assert_eq(b.first, first_after);
            pod_wal_close(b.wal);
            harness_destroy(h);
            if (finished) break;
        }
    }
    cr_assert_gt(partial, 0u, "no crash landed between two unlinks");
}

/* A damaged newest snapshot: the store falls back to the older one, with a
 * note; every snapshot damaged: it refuses to open, naming the file. */
Test(snapshot_store, a_damaged_snapshot_falls_back_or_refuses_never_loads_partly) {
    size_t la, lb;
    uint8_t *a = make_snapshot(10, 8, 50, &la);
    uint8_t *b = make_snapshot(20, 8, 50, &lb);
    pod_disk_config c = test_disk();
    harness *h = harness_create(&c, 7);
    store_box box = {0};
    box_open(&box, h);
    cr_assert(pod_snap_save(&box.s, a, la, 10, 3));
    harness_complete_all(h);
    cr_assert(pod_snap_save(&box.s, b, lb, 20, 3));
    harness_complete_all(h);
    cr_assert_eq(box.saved, 2u);
    char name[POD_FILE_NAME_MAX + 1];
    pod_snap_name_format(20, name, sizeof name);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(h), name, 100, 3), POD_OK);
    box_crash(&box, h);
    box_open(&box, h);
    cr_assert_eq(box.s.index, 10u, "the damaged snapshot 20 was believed");
    cr_assert(strstr(harness_last_note(h), "is damaged") != NULL, "no note: '%s'", harness_last_note(h));
    harness_complete_all(h);
    pod_snap_name_format(10, name, sizeof name);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(h), name, 70, 0), POD_OK);
    box_crash(&box, h);
    char why[200];
    store_box none = {0};
    cr_assert_eq(pod_snap_open(&none.s, harness_env(h), why, sizeof why), POD_EIO,
                 "a node whose every snapshot is damaged must not start");
    cr_assert(strstr(why, "snap-") != NULL && strstr(why, "damaged") != NULL, "why: '%s'", why);
    pod_snap_close(&none.s);
    harness_destroy(h);
}
