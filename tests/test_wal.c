/* test_wal.c — the Write-Ahead Log on the simulated disk: acknowledgement
 * only after the covering fsync (and directory fsync for a new segment),
 * group commit, the ordering of cuts and drops, recovery of torn tails,
 * corruption reported and never skipped, fsync failure sticky, crashes in
 * the middle of a roll, and a randomised crash loop over many seeds that
 * checks what every crash may and may not do to the log. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_harness.h"
#include "nodes/segmented_log.h"
#include "nodes/wal.h"
#include "nodes/wal_record.h"

/* The harness is test-only code shared by test binaries; until the test
 * CMakeLists links it beside each test, it is compiled in here. */
#include "env_harness.h"

#define PREFIX "wal"
#define RECS_MAX 4096u
#define REC_LEN 36u               /* payload */
#define REC_BYTES (32u + REC_LEN) /* on disk */
#define SEG_MAX 700u              /* 10 records per segment */

/* ------------------------------------------------------------------ */
/* A node-like fixture: a WAL on a harness, completions routed to it     */
/* ------------------------------------------------------------------ */

/* What a record is: a unique id (in its first 8 payload bytes; the rest is
 * derived from it), so a recovered record can be matched to its append. */
typedef struct mrec {
    uint64_t id;
    uint64_t index;
    uint64_t term;
    uint32_t len;
    uint8_t type;
} mrec;

typedef struct tnode {
    harness *h;
    pod_wal *wal;
    pod_wal_config cfg;
    pod_wal_result last_disk_result;
    uint32_t disk_io_results;
    uint64_t next_id;
    mrec recovered[RECS_MAX];
    uint32_t recovered_count;
    bool visit_broken; /* a recovered record did not decode as ours */
} tnode;

static uint8_t payload_byte(uint64_t id, uint32_t i) {
    uint64_t x = id * 0x9E3779B97F4A7C15ull + i;
    x ^= x >> 29;
    return (uint8_t)(x * 0xBF58476D1CE4E5B9ull >> 56);
}

static void make_payload(uint64_t id, uint8_t *p, uint32_t len) {
    for (uint32_t i = 0; i < len; i++) p[i] = i < 8 ? (uint8_t)(id >> (8 * i)) : payload_byte(id, i);
}

static bool entry_to_mrec(const pod_wal_entry *e, mrec *out) {
    if (e->len < 8) return false;
    uint64_t id = 0;
    for (unsigned i = 0; i < 8; i++) id |= (uint64_t)e->payload[i] << (8 * i);
    for (uint32_t i = 8; i < e->len; i++) {
        if (e->payload[i] != payload_byte(id, i)) return false;
    }
    *out = (mrec){.id = id, .index = e->index, .term = e->term, .len = e->len, .type = e->type};
    return true;
}

static void on_disk(void *arg, const pod_disk_done *done) {
    tnode *n = arg;
    cr_assert_not_null(n->wal, "a completion reached a closed WAL");
    cr_assert(pod_wal_owns(done), "cookie %" PRIx64 " is not the WAL's", done->cookie);
    n->last_disk_result = pod_wal_on_disk(n->wal, done);
    if (n->last_disk_result == POD_WAL_IO) n->disk_io_results++;
}

static void recover_visit(void *arg, const pod_wal_entry *e) {
    tnode *n = arg;
    cr_assert_lt(n->recovered_count, RECS_MAX);
    if (!entry_to_mrec(e, &n->recovered[n->recovered_count])) n->visit_broken = true;
    n->recovered_count++;
}

static pod_disk_config quiet_disk(void) {
    pod_disk_config c = pod_disk_config_default();
    c.files_max = 1024;
    return c;
}

static tnode *node_new(const pod_disk_config *c, uint64_t seed, uint64_t segment_bytes_max) {
    tnode *n = calloc(1, sizeof *n);
    cr_assert_not_null(n);
    n->h = harness_create(c, seed);
    n->cfg = (pod_wal_config){.prefix = PREFIX, .segment_bytes_max = segment_bytes_max};
    n->next_id = 1;
    harness_on_disk(n->h, on_disk, n);
    return n;
}

static pod_wal_result node_open_result(tnode *n, char *why, size_t why_len) {
    cr_assert_null(n->wal);
    n->recovered_count = 0;
    n->visit_broken = false;
    pod_wal_result r = pod_wal_open(harness_env(n->h), &n->cfg, recover_visit, n, &n->wal, why,
                                    why_len);
    cr_assert((r == POD_WAL_OK) == (n->wal != NULL));
    cr_assert_not(n->visit_broken, "a recovered record is not one that was appended");
    return r;
}

static void node_open(tnode *n) {
    char why[256];
    pod_wal_result r = node_open_result(n, why, sizeof why);
    cr_assert_eq(r, POD_WAL_OK, "open: %s: %s", pod_wal_result_name(r), why);
}

/* A power loss: the node's memory goes (its stop), the disk decides. */
static void node_crash(tnode *n) {
    pod_wal_close(n->wal);
    n->wal = NULL;
    harness_crash(n->h);
}

static void node_free(tnode *n) {
    pod_wal_close(n->wal);
    harness_destroy(n->h);
    free(n);
}

static uint64_t append_rec(tnode *n, uint32_t len, uint64_t term, mrec *out) {
    cr_assert_geq(len, 8u);
    uint8_t *p = malloc(len);
    cr_assert_not_null(p);
    uint64_t id = n->next_id++;
    make_payload(id, p, len);
    uint64_t index = 0;
    pod_wal_result r = pod_wal_append(n->wal, (uint8_t)(id & 0x7F), term, p, len, &index);
    free(p);
    cr_assert_eq(r, POD_WAL_OK, "append: %s (%s)", pod_wal_result_name(r),
                 pod_wal_failure(n->wal));
    if (out) *out = (mrec){.id = id, .index = index, .term = term, .len = len, .type = (uint8_t)(id & 0x7F)};
    return index;
}

static uint64_t append(tnode *n, uint32_t len) {
    return append_rec(n, len, 1, NULL);
}

static void settle(tnode *n) {
    harness_complete_all(n->h);
    cr_assert(pod_wal_idle(n->wal));
}

static char *seg_name(uint64_t first) {
    static char names[4][POD_SEGLOG_NAME_BYTES];
    static int next;
    char *s = names[next++ % 4];
    cr_assert(pod_seglog_name_format(PREFIX, first, s, POD_SEGLOG_NAME_BYTES));
    return s;
}

static uint64_t durable_size(tnode *n, const char *name) {
    uint64_t size = 0;
    if (pod_disk_durable_size(harness_disk(n->h), name, &size) != POD_OK) return UINT64_MAX;
    return size;
}

/* Appends `count` records, each acknowledged before the next. */
static void append_acked(tnode *n, int count, mrec *want) {
    for (int i = 0; i < count; i++) {
        append_rec(n, REC_LEN, 1, want ? &want[i] : NULL);
        settle(n);
    }
}

/* Writes bytes into a file and makes them durable, behind the WAL's back. */
static void disk_put_durable(tnode *n, const char *name, uint64_t offset, const void *bytes,
                             uint32_t len) {
    pod_disk *d = harness_disk(n->h);
    pod_fd fd;
    cr_assert_eq(pod_disk_open(d, name, POD_OPEN_CREATE, &fd), POD_OK);
    cr_assert_eq(pod_disk_write(d, harness_rng(n->h), fd, offset, bytes, len), POD_OK);
    cr_assert_eq(pod_disk_sync_file(d, harness_rng(n->h), fd, pod_disk_barrier(d)), POD_OK);
    cr_assert_eq(pod_disk_sync_dir(d, harness_rng(n->h), pod_disk_barrier(d)), POD_OK);
    cr_assert_eq(pod_disk_close(d, fd), POD_OK);
}


/* ------------------------------------------------------------------ */
/* Opening, appending, acknowledging                                   */
/* ------------------------------------------------------------------ */

Test(wal, a_new_log_is_empty_and_touches_nothing) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    cr_assert_eq(pod_wal_first_index(n->wal), 1u);
    cr_assert_eq(pod_wal_last_index(n->wal), 0u);
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u);
    cr_assert(pod_wal_idle(n->wal));
    cr_assert_eq(harness_pending(n->h), 0u);
    pod_disk_stats ds;
    pod_disk_stats_get(harness_disk(n->h), &ds);
    cr_assert_eq(ds.names, 0u);
    node_free(n);
}

Test(wal, acknowledged_only_after_fsync_and_directory_fsync) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    cr_assert_eq(append(n, REC_LEN), 1u);
    /* The first record creates the segment: write, fsync, directory fsync. */
    cr_assert_eq(harness_pending(n->h), 3u);
    cr_assert_eq(harness_pending_op(n->h, 0), POD_DISK_WRITE);
    cr_assert_eq(harness_pending_op(n->h, 1), POD_DISK_FSYNC);
    cr_assert_eq(harness_pending_op(n->h, 2), POD_DISK_DIR_FSYNC);
    harness_complete_one(n->h); /* write */
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u);
    harness_complete_one(n->h); /* fsync: the data is durable, the name not yet */
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u);
    cr_assert_eq(durable_size(n, seg_name(1)), UINT64_MAX);
    harness_complete_one(n->h); /* directory fsync */
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    cr_assert_eq(durable_size(n, seg_name(1)), REC_BYTES);
    /* The name is durable now: the next record needs only write + fsync. */
    cr_assert_eq(append(n, REC_LEN), 2u);
    cr_assert_eq(harness_pending(n->h), 2u);
    harness_complete_one(n->h);
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    harness_complete_one(n->h);
    cr_assert_eq(pod_wal_durable_index(n->wal), 2u);
    node_free(n);
}

Test(wal, directory_fsync_first_then_fsync) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append(n, REC_LEN);
    cr_assert(harness_complete_at(n->h, 2)); /* directory fsync before the fsync */
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u);
    cr_assert(harness_complete_at(n->h, 1)); /* fsync */
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u, "the write's completion is still due");
    cr_assert(harness_complete_one(n->h));
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    node_free(n);
}

Test(wal, group_commit_one_more_fsync_for_everything_appended_meanwhile) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, 1u << 20);
    node_open(n);
    append(n, REC_LEN);
    settle(n);
    harness_counts_reset(n->h);
    cr_assert_eq(append(n, REC_LEN), 2u); /* its write + fsync go out at once */
    cr_assert_eq(harness_counts_get(n->h).fsyncs, 1u);
    for (int i = 0; i < 20; i++) append(n, REC_LEN + (uint32_t)i); /* 3..22 wait */
    harness_counts c1 = harness_counts_get(n->h);
    cr_assert_eq(c1.writes, 1u, "nothing more is written while the fsync is in flight");
    cr_assert_eq(c1.fsyncs, 1u);
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    harness_complete_one(n->h); /* write of 2 */
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    harness_complete_one(n->h); /* fsync of 2: durable, and 3..22 go out together */
    cr_assert_eq(pod_wal_durable_index(n->wal), 2u);
    harness_counts c2 = harness_counts_get(n->h);
    cr_assert_eq(c2.writes, 2u);
    cr_assert_eq(c2.fsyncs, 2u, "exactly one more fsync");
    cr_assert_eq(harness_pending(n->h), 2u);
    harness_complete_one(n->h); /* the batch's write */
    cr_assert_eq(pod_wal_durable_index(n->wal), 2u, "a write alone makes nothing durable");
    harness_complete_one(n->h); /* the batch's fsync */
    cr_assert_eq(pod_wal_durable_index(n->wal), 22u);
    cr_assert_eq(harness_counts_get(n->h).fsyncs, 2u);
    cr_assert(pod_wal_idle(n->wal));
    pod_wal_stats st;
    pod_wal_stats_get(n->wal, &st);
    cr_assert_eq(st.appends, 22u);
    cr_assert_eq(st.writes, 3u);
    node_free(n);
}

/* ------------------------------------------------------------------ */
/* Reading back                                                        */
/* ------------------------------------------------------------------ */

typedef struct reader {
    mrec got[RECS_MAX];
    uint32_t count;
    bool broken;
} reader;

static bool reader_visit(void *arg, const pod_wal_entry *e) {
    reader *r = arg;
    cr_assert_lt(r->count, RECS_MAX);
    if (!entry_to_mrec(e, &r->got[r->count])) r->broken = true;
    r->count++;
    return true;
}

static void expect_log(tnode *n, uint64_t start, const mrec *want, uint32_t count) {
    reader *r = calloc(1, sizeof *r);
    cr_assert_not_null(r);
    pod_wal_result res = pod_wal_read_from(n->wal, start, reader_visit, r);
    cr_assert_eq(res, POD_WAL_OK, "read_from %" PRIu64 ": %s", start, pod_wal_result_name(res));
    cr_assert_not(r->broken);
    cr_assert_eq(r->count, count, "read %u records, wanted %u", r->count, count);
    for (uint32_t i = 0; i < count; i++) {
        cr_assert_eq(r->got[i].id, want[i].id, "record %u", i);
        cr_assert_eq(r->got[i].index, want[i].index);
        cr_assert_eq(r->got[i].term, want[i].term);
        cr_assert_eq(r->got[i].type, want[i].type);
        cr_assert_eq(r->got[i].len, want[i].len);
    }
    free(r);
}

Test(wal_read, written_pending_and_durable_records_alike) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    mrec want[45];
    for (int i = 0; i < 20; i++) append_rec(n, REC_LEN, 2, &want[i]);
    settle(n);
    for (int i = 20; i < 45; i++) append_rec(n, REC_LEN, 3, &want[i]);
    /* 21 is being written; 22..45 wait in memory across two new segments. */
    cr_assert_eq(pod_wal_durable_index(n->wal), 20u);
    expect_log(n, 1, want, 45);
    expect_log(n, 15, want + 14, 31);
    expect_log(n, 33, want + 32, 13);
    settle(n);
    expect_log(n, 1, want, 45);
    cr_assert_eq(pod_wal_durable_index(n->wal), 45u);
    /* Out of range. */
    reader *r = calloc(1, sizeof *r);
    cr_assert_eq(pod_wal_read_from(n->wal, 46, reader_visit, r), POD_WAL_OK);
    cr_assert_eq(r->count, 0u);
    cr_assert_eq(pod_wal_drop_below(n->wal, 25), POD_WAL_OK);
    cr_assert_eq(pod_wal_first_index(n->wal), 21u);
    cr_assert_eq(pod_wal_read_from(n->wal, 20, reader_visit, r), POD_WAL_RANGE);
    free(r);
    node_free(n);
}

Test(wal_read, only_the_needed_segments_are_opened) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    mrec want[50];
    for (int i = 0; i < 50; i++) append_rec(n, REC_LEN, 1, &want[i]);
    settle(n); /* segments 1, 11, 21, 31, 41 */
    harness_counts_reset(n->h);
    expect_log(n, 27, want + 26, 24);
    cr_assert_eq(harness_opens_of(n->h, seg_name(1)), 0u);
    cr_assert_eq(harness_opens_of(n->h, seg_name(11)), 0u);
    cr_assert_eq(harness_opens_of(n->h, seg_name(21)), 1u);
    cr_assert_eq(harness_opens_of(n->h, seg_name(31)), 1u);
    cr_assert_eq(harness_opens_of(n->h, seg_name(41)), 0u, "the active segment is open");
    harness_counts_reset(n->h);
    expect_log(n, 44, want + 43, 7);
    cr_assert_eq(harness_counts_get(n->h).opens, 0u);
    node_free(n);
}

/* ------------------------------------------------------------------ */
/* Cutting a suffix, dropping a prefix                                 */
/* ------------------------------------------------------------------ */

Test(wal_truncate, cut_reaches_disk_before_new_records_and_survives_a_crash) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    mrec want[60];
    for (int i = 0; i < 45; i++) append_rec(n, REC_LEN, 1, &want[i]);
    settle(n); /* 1, 11, 21, 31, 41 */
    harness_counts_reset(n->h);
    cr_assert_eq(pod_wal_truncate_suffix(n->wal, 15), POD_WAL_OK);
    cr_assert_eq(pod_wal_last_index(n->wal), 14u);
    cr_assert_eq(pod_wal_durable_index(n->wal), 14u);
    /* The new 15.. wait until the cut is durable. */
    for (int i = 14; i < 20; i++) append_rec(n, REC_LEN, 2, &want[i]);
    cr_assert_eq(want[14].index, 15u);
    /* Step by step: unlink 41, 31, 21 (each with a directory fsync), then
     * truncate 11 + fsync, then the write. */
    const char *gone[] = {seg_name(41), seg_name(31), seg_name(21)};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(harness_pending(n->h), 1u);
        cr_assert_eq(harness_pending_op(n->h, 0), POD_DISK_DIR_FSYNC);
        cr_assert_eq(durable_size(n, gone[i]) != UINT64_MAX, true);
        harness_complete_one(n->h);
        cr_assert_eq(durable_size(n, gone[i]), UINT64_MAX, "%s", gone[i]);
    }
    cr_assert_eq(harness_pending(n->h), 1u);
    cr_assert_eq(harness_pending_op(n->h, 0), POD_DISK_FSYNC);
    cr_assert_eq(harness_counts_get(n->h).writes, 0u, "no new write before the cut is durable");
    harness_complete_one(n->h);
    cr_assert_eq(durable_size(n, seg_name(11)), 4u * REC_BYTES);
    cr_assert_eq(pod_wal_durable_index(n->wal), 14u);
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 20u);
    expect_log(n, 1, want, 20);
    node_crash(n);
    node_open(n);
    cr_assert_eq(n->recovered_count, 20u);
    for (int i = 0; i < 20; i++) cr_assert_eq(n->recovered[i].id, want[i].id);
    node_free(n);
}

Test(wal_truncate, range_is_checked) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    for (int i = 0; i < 5; i++) append(n, REC_LEN);
    cr_assert_eq(pod_wal_truncate_suffix(n->wal, 7), POD_WAL_RANGE);
    cr_assert_eq(pod_wal_truncate_suffix(n->wal, 0), POD_WAL_RANGE);
    cr_assert_eq(pod_wal_truncate_suffix(n->wal, 6), POD_WAL_OK);
    cr_assert_eq(pod_wal_last_index(n->wal), 5u);
    /* Everything, while the first write is still in flight. */
    cr_assert_eq(pod_wal_truncate_suffix(n->wal, 1), POD_WAL_OK);
    cr_assert_eq(pod_wal_last_index(n->wal), 0u);
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u, "the in-flight write covered cut records");
    cr_assert_eq(append(n, REC_LEN), 1u);
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    node_crash(n);
    node_open(n);
    cr_assert_eq(n->recovered_count, 1u);
    node_free(n);
}

Test(wal_drop, drops_old_segments_one_durable_unlink_at_a_time) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    mrec want[35];
    for (int i = 0; i < 35; i++) append_rec(n, REC_LEN, 1, &want[i]);
    settle(n); /* 1, 11, 21, 31 */
    cr_assert_eq(pod_wal_drop_below(n->wal, UINT64_MAX), POD_WAL_OK);
    cr_assert_eq(pod_wal_first_index(n->wal), 31u, "never the active segment");
    cr_assert_eq(pod_wal_last_index(n->wal), 35u);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(harness_pending(n->h), 1u, "one unlink at a time");
        harness_complete_one(n->h);
    }
    cr_assert(pod_wal_idle(n->wal));
    cr_assert_eq(durable_size(n, seg_name(1)), UINT64_MAX);
    cr_assert_eq(durable_size(n, seg_name(21)), UINT64_MAX);
    node_crash(n);
    node_open(n);
    cr_assert_eq(pod_wal_first_index(n->wal), 31u);
    cr_assert_eq(n->recovered_count, 5u);
    cr_assert_eq(n->recovered[0].id, want[30].id);
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 35u);
    cr_assert_eq(append(n, REC_LEN), 36u);
    node_free(n);
}

/* ------------------------------------------------------------------ */
/* Failures: sticky, never retried                                     */
/* ------------------------------------------------------------------ */

Test(wal_fail, fsync_eio_is_sticky) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append(n, REC_LEN);
    settle(n);
    pod_disk_faults f = {.fsync_eio_ppm = POD_PPM_ONE};
    harness_set_faults(n->h, &f);
    append(n, REC_LEN);
    append(n, REC_LEN); /* waits behind the failing fsync */
    harness_counts_reset(n->h);
    harness_complete_all(n->h);
    cr_assert_eq(n->disk_io_results, 1u);
    cr_assert_eq(n->last_disk_result, POD_WAL_IO);
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    cr_assert(strstr(pod_wal_failure(n->wal), "fsync") != NULL, "%s", pod_wal_failure(n->wal));
    cr_assert_eq(harness_counts_get(n->h).fsyncs, 0u, "no fsync after a failed one");
    cr_assert_eq(harness_counts_get(n->h).writes, 0u);
    /* Healthy again, the disk would now sync "fine" without the lost data:
     * the WAL does not believe it. */
    pod_disk_faults none = {0};
    harness_set_faults(n->h, &none);
    uint64_t index = 0;
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, "12345678", 8, &index), POD_WAL_IO);
    cr_assert_eq(pod_wal_truncate_suffix(n->wal, 2), POD_WAL_IO);
    cr_assert_eq(pod_wal_drop_below(n->wal, 2), POD_WAL_IO);
    reader *r = calloc(1, sizeof *r);
    cr_assert_eq(pod_wal_read_from(n->wal, 1, reader_visit, r), POD_WAL_IO);
    free(r);
    cr_assert_eq(harness_pending(n->h), 0u);
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    /* After a restart the log is what the disk kept: record 1. */
    node_crash(n);
    node_open(n);
    cr_assert_eq(n->recovered_count, 1u);
    node_free(n);
}

Test(wal_fail, after_a_failed_fsync_a_restart_without_power_loss_recovers_the_durable_log) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append_acked(n, 3, NULL);
    pod_disk_faults f = {.fsync_eio_ppm = POD_PPM_ONE};
    harness_set_faults(n->h, &f);
    append(n, REC_LEN);
    harness_complete_all(n->h);
    cr_assert_eq(n->last_disk_result, POD_WAL_IO);
    /* The node fail-stops; the process is gone, the page cache is not —
     * but the failed fsync dropped record 4 from it (Linux semantics). */
    pod_wal_close(n->wal);
    n->wal = NULL;
    harness_drop_pending(n->h);
    pod_disk_faults none = {0};
    harness_set_faults(n->h, &none);
    node_open(n);
    cr_assert_eq(n->recovered_count, 3u);
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 3u);
    cr_assert_eq(append(n, REC_LEN), 4u, "4 was never acknowledged");
    settle(n);
    node_crash(n);
    node_open(n);
    cr_assert_eq(n->recovered_count, 4u);
    node_free(n);
}

Test(wal_fail, directory_fsync_eio_is_sticky) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    pod_disk_faults f = {.dir_fsync_eio_ppm = POD_PPM_ONE};
    harness_set_faults(n->h, &f);
    append(n, REC_LEN);
    harness_complete_all(n->h);
    cr_assert_eq(n->last_disk_result, POD_WAL_IO);
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u);
    cr_assert(strstr(pod_wal_failure(n->wal), "directory") != NULL);
    node_free(n);
}

Test(wal_fail, write_submission_failure_is_sticky) {
    pod_disk_config c = quiet_disk();
    c.capacity_bytes = 4096;
    tnode *n = node_new(&c, 1, 1u << 20);
    node_open(n);
    uint8_t big[3000];
    make_payload(99, big, sizeof big);
    uint64_t index = 0;
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, big, sizeof big, &index), POD_WAL_OK);
    settle(n);
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, big, sizeof big, &index), POD_WAL_IO, "ENOSPC");
    cr_assert_eq(index, 2u);
    cr_assert(strstr(pod_wal_failure(n->wal), "ENOSPC") != NULL, "%s", pod_wal_failure(n->wal));
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    node_free(n);
}

Test(wal_fail, limits) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    n->cfg.pending_bytes_max = POD_WALREC_BYTES_MAX;
    node_open(n);
    uint8_t *big = calloc(1, POD_WAL_RECORD_BYTES_MAX + 1);
    cr_assert_not_null(big);
    uint64_t index = 0;
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, big, POD_WAL_RECORD_BYTES_MAX + 1, &index),
                 POD_WAL_LIMIT);
    /* A record is being written; the next ones fill the waiting room. */
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, big, 100, &index), POD_WAL_OK);
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, big, POD_WAL_RECORD_BYTES_MAX - 200, &index),
                 POD_WAL_OK);
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, big, 100, &index), POD_WAL_OK);
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, big, 100, &index), POD_WAL_LIMIT);
    settle(n);
    cr_assert_eq(pod_wal_append(n->wal, 1, 1, big, 100, &index), POD_WAL_OK);
    cr_assert_eq(index, 4u);
    free(big);
    node_free(n);
}

Test(wal, owns_only_its_cookies) {
    pod_disk_done d = {.op = POD_DISK_FSYNC, .cookie = 0};
    cr_assert_not(pod_wal_owns(&d));
    d.cookie = 0x58ull << 56;
    cr_assert_not(pod_wal_owns(&d));
    d.cookie = POD_WAL_COOKIE_TAG << 56 | 12345;
    cr_assert(pod_wal_owns(&d));
}

/* ------------------------------------------------------------------ */
/* Recovery                                                            */
/* ------------------------------------------------------------------ */

Test(wal_recovery, a_torn_tail_is_cut_and_appends_continue) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    mrec want[8];
    append_acked(n, 5, want);
    node_crash(n);
    /* A record 6 of which only 50 of 68 bytes reached the disk. */
    uint8_t rec[REC_BYTES];
    uint8_t payload[REC_LEN];
    make_payload(1000, payload, REC_LEN);
    pod_walrec_header h = {.len = REC_LEN, .type = 1, .index = 6, .term = 1, .lag = 0};
    pod_walrec_encode(rec, &h, payload);
    disk_put_durable(n, seg_name(1), 5 * REC_BYTES, rec, 50);
    node_open(n);
    cr_assert_eq(n->recovered_count, 5u);
    cr_assert_eq(pod_wal_last_index(n->wal), 5u);
    pod_wal_stats st;
    pod_wal_stats_get(n->wal, &st);
    cr_assert_eq(st.torn_tails, 1u);
    cr_assert_eq(st.torn_bytes, 50u);
    cr_assert(strstr(harness_last_note(n->h), "cut short") != NULL, "%s", harness_last_note(n->h));
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u, "not before recovery's own sync");
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 5u);
    cr_assert_eq(durable_size(n, seg_name(1)), 5u * REC_BYTES, "the cut is durable");
    for (int i = 5; i < 8; i++) {
        append_rec(n, REC_LEN, 1, &want[i]);
        settle(n);
    }
    cr_assert_eq(want[5].index, 6u);
    node_crash(n);
    node_open(n);
    cr_assert_eq(n->recovered_count, 8u);
    for (int i = 0; i < 8; i++) cr_assert_eq(n->recovered[i].id, want[i].id);
    node_free(n);
}

Test(wal_recovery, garbage_and_zeros_at_the_tail_are_cut) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append_acked(n, 3, NULL);
    node_crash(n);
    uint8_t junk[300];
    for (unsigned i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 37 + 11);
    memset(junk + 100, 0, 100);
    disk_put_durable(n, seg_name(1), 3 * REC_BYTES, junk, sizeof junk);
    node_open(n);
    cr_assert_eq(n->recovered_count, 3u);
    settle(n);
    cr_assert_eq(durable_size(n, seg_name(1)), 3u * REC_BYTES);
    node_free(n);
}

Test(wal_recovery, corruption_of_a_durable_record_followed_by_later_ones_is_reported) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, 1u << 20);
    node_open(n);
    append_acked(n, 10, NULL); /* ten steps: each record proves the ones before durable */
    node_crash(n);
    /* One bit of record 3's payload. */
    cr_assert_eq(pod_disk_flip_bit(harness_disk(n->h), seg_name(1), 2 * REC_BYTES + 40, 3), POD_OK);
    harness_crash(n->h); /* the view reads the damaged durable bytes again */
    char why[256];
    cr_assert_eq(node_open_result(n, why, sizeof why), POD_WAL_CORRUPT);
    cr_assert_eq(n->recovered_count, 0u, "no record is replayed from a corrupt log");
    cr_assert(strstr(why, seg_name(1)) != NULL, "%s", why);
    cr_assert(strstr(why, "offset 136") != NULL, "%s", why);
    cr_assert(strstr(why, "index 3") != NULL, "%s", why);
    /* It stays corrupt: nothing was cut. */
    cr_assert_eq(node_open_result(n, why, sizeof why), POD_WAL_CORRUPT);
    cr_assert_eq(durable_size(n, seg_name(1)), 10u * REC_BYTES);
    node_free(n);
}

Test(wal_recovery, a_damaged_header_is_reported_too) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, 1u << 20);
    node_open(n);
    append_acked(n, 6, NULL);
    node_crash(n);
    /* The top bit of record 2's length: the record claims to run past the end. */
    cr_assert_eq(pod_disk_flip_bit(harness_disk(n->h), seg_name(1), REC_BYTES + 1, 7), POD_OK);
    harness_crash(n->h);
    char why[256];
    cr_assert_eq(node_open_result(n, why, sizeof why), POD_WAL_CORRUPT);
    cr_assert(strstr(why, "index 2") != NULL, "%s", why);
    node_free(n);
}

Test(wal_recovery, corruption_in_an_older_segment_is_reported) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    for (int i = 0; i < 25; i++) append(n, REC_LEN);
    settle(n); /* 1..10 written in one batch, but a later segment exists */
    node_crash(n);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(n->h), seg_name(1), 9 * REC_BYTES + 50, 0), POD_OK);
    harness_crash(n->h);
    char why[256];
    cr_assert_eq(node_open_result(n, why, sizeof why), POD_WAL_CORRUPT);
    cr_assert(strstr(why, "index 10") != NULL, "%s", why);
    cr_assert(strstr(why, "later segment") != NULL, "%s", why);
    node_free(n);
}

/* The limit of what any log can tell without another fsync: damage inside
 * the last batch that reached the disk looks exactly like that batch's
 * unfinished write, and is cut (docs/wal.md says so). */
Test(wal_recovery, damage_inside_the_last_batch_cannot_be_told_from_a_torn_write) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, 1u << 20);
    node_open(n);
    append_acked(n, 2, NULL);
    for (int i = 0; i < 8; i++) append(n, REC_LEN); /* 3 alone, then 4..10 in one batch */
    settle(n);
    node_crash(n);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(n->h), seg_name(1), 5 * REC_BYTES + 40, 1), POD_OK);
    harness_crash(n->h);
    node_open(n);
    cr_assert_eq(n->recovered_count, 5u, "cut at record 6");
    node_free(n);
}

Test(wal_recovery, segment_names_must_agree_with_records) {
    pod_disk_config c = quiet_disk();
    /* An empty newest segment whose name leaves a gap. */
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append_acked(n, 3, NULL);
    node_crash(n);
    disk_put_durable(n, seg_name(9), 0, "", 0);
    char why[256];
    cr_assert_eq(node_open_result(n, why, sizeof why), POD_WAL_CORRUPT);
    cr_assert(strstr(why, "gap") != NULL, "%s", why);
    node_free(n);

    /* A segment whose first record is not the index its name says. */
    n = node_new(&c, 2, SEG_MAX);
    node_open(n);
    append_acked(n, 3, NULL);
    node_crash(n);
    uint8_t rec[REC_BYTES];
    uint8_t payload[REC_LEN];
    make_payload(5000, payload, REC_LEN);
    pod_walrec_header h = {.len = REC_LEN, .type = 1, .index = 5, .term = 1, .lag = 4};
    pod_walrec_encode(rec, &h, payload);
    disk_put_durable(n, seg_name(4), 0, rec, REC_BYTES);
    cr_assert_eq(node_open_result(n, why, sizeof why), POD_WAL_CORRUPT);
    cr_assert(strstr(why, "index 4") != NULL, "%s", why);
    node_free(n);

    /* An index used twice across segments. */
    n = node_new(&c, 3, SEG_MAX);
    node_open(n);
    append_acked(n, 3, NULL);
    node_crash(n);
    h.index = 3;
    h.lag = 2;
    pod_walrec_encode(rec, &h, payload);
    disk_put_durable(n, seg_name(3), 0, rec, REC_BYTES);
    cr_assert_eq(node_open_result(n, why, sizeof why), POD_WAL_CORRUPT);
    cr_assert(strstr(why, "reused") != NULL, "%s", why);
    node_free(n);
}

Test(wal_recovery, records_appended_during_recovery_sync_are_not_durable_with_it) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append_acked(n, 5, NULL);
    node_crash(n);
    disk_put_durable(n, seg_name(1), 5 * REC_BYTES, "torn", 4);
    node_open(n);
    cr_assert_eq(harness_pending(n->h), 1u, "the cut of the torn tail: truncate + fsync");
    cr_assert_eq(append(n, REC_LEN), 6u);
    cr_assert_eq(append(n, REC_LEN), 7u);
    harness_complete_one(n->h);
    cr_assert_eq(harness_pending(n->h), 2u, "recovery's fsync and directory fsync");
    harness_complete_one(n->h);
    harness_complete_one(n->h);
    cr_assert_eq(pod_wal_durable_index(n->wal), 5u, "6 and 7 are not written yet");
    cr_assert_eq(harness_pending(n->h), 2u, "now their write + fsync");
    harness_complete_one(n->h);
    cr_assert_eq(pod_wal_durable_index(n->wal), 5u);
    harness_complete_one(n->h);
    cr_assert_eq(pod_wal_durable_index(n->wal), 7u);
    node_free(n);
}

Test(wal_recovery, other_files_in_the_directory_are_left_alone) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    disk_put_durable(n, "wal-1.log", 0, "x", 1);
    disk_put_durable(n, "state.snapshot", 0, "y", 1);
    disk_put_durable(n, "wal-00000000000000000001.log.tmp", 0, "z", 1);
    node_open(n);
    append_acked(n, 12, NULL);
    node_crash(n);
    node_open(n);
    cr_assert_eq(n->recovered_count, 12u);
    cr_assert_eq(durable_size(n, "wal-1.log"), 1u);
    cr_assert_eq(durable_size(n, "state.snapshot"), 1u);
    node_free(n);
}

Test(wal_recovery, reopening_without_power_loss_syncs_what_it_found) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append(n, REC_LEN);
    append(n, REC_LEN);
    /* The process dies with its first write submitted but never synced;
     * the page cache (the view) still holds it. */
    pod_wal_close(n->wal);
    n->wal = NULL;
    harness_drop_pending(n->h);
    /* Nothing durable yet: not even the segment's name. */
    cr_assert_eq(durable_size(n, seg_name(1)), UINT64_MAX);
    node_open(n);
    cr_assert_eq(n->recovered_count, 1u);
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u);
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 1u);
    cr_assert_eq(durable_size(n, seg_name(1)), REC_BYTES);
    node_free(n);
}

/* ------------------------------------------------------------------ */
/* Crashes in the middle of a roll                                     */
/* ------------------------------------------------------------------ */

/* Fills segment 1 with ten acknowledged records, then appends the 11th,
 * which rolls: create 11, write, fsync, directory fsync. Completes `done`
 * of those three completions, then crashes with the given disk behaviour. */
static tnode *roll_then_crash(uint32_t done, uint32_t keep_ppm, uint32_t drop_ppm,
                              uint32_t undo_name_ppm, uint64_t seed, uint64_t *durable_out) {
    pod_disk_config c = quiet_disk();
    c.crash_keep_ppm = keep_ppm;
    c.crash_drop_ppm = drop_ppm;
    c.crash_undo_name_ppm = undo_name_ppm;
    tnode *n = node_new(&c, seed, SEG_MAX);
    node_open(n);
    append_acked(n, 10, NULL);
    cr_assert_eq(append(n, REC_LEN), 11u);
    cr_assert_eq(harness_pending(n->h), 3u);
    cr_assert_eq(harness_pending_op(n->h, 2), POD_DISK_DIR_FSYNC);
    for (uint32_t i = 0; i < done; i++) harness_complete_one(n->h);
    *durable_out = pod_wal_durable_index(n->wal);
    node_crash(n);
    node_open(n);
    return n;
}

Test(wal_roll, crash_before_the_directory_fsync_loses_nothing_acknowledged) {
    /* Data synced, name not: the create is undone, segment 11 is gone. */
    uint64_t durable = 0;
    tnode *n = roll_then_crash(2, 0, 0, POD_PPM_ONE, 1, &durable);
    cr_assert_eq(durable, 10u, "11 was never acknowledged");
    cr_assert_eq(n->recovered_count, 10u);
    cr_assert_eq(durable_size(n, seg_name(11)), UINT64_MAX);
    settle(n);
    /* 11 was never acknowledged, so giving its index to a new record
     * reuses nothing anyone was told. */
    cr_assert_eq(append(n, REC_LEN), 11u);
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 11u);
    node_free(n);
}

Test(wal_roll, crash_with_the_name_kept_and_the_data_lost_leaves_an_empty_segment) {
    uint64_t durable = 0;
    tnode *n = roll_then_crash(0, 0, POD_PPM_ONE, 0, 2, &durable);
    cr_assert_eq(durable, 10u);
    cr_assert_eq(n->recovered_count, 10u);
    cr_assert_eq(durable_size(n, seg_name(11)), 0u, "an empty newest segment: fine");
    settle(n);
    cr_assert_eq(append(n, REC_LEN), 11u);
    settle(n);
    node_crash(n);
    node_open(n);
    cr_assert_eq(n->recovered_count, 11u);
    node_free(n);
}

Test(wal_roll, crash_after_everything_completed_keeps_the_record) {
    uint64_t durable = 0;
    tnode *n = roll_then_crash(3, 0, POD_PPM_ONE, POD_PPM_ONE, 3, &durable);
    cr_assert_eq(durable, 11u);
    cr_assert_eq(n->recovered_count, 11u);
    node_free(n);
}

Test(wal_roll, crash_at_every_point_of_a_roll_over_many_seeds) {
    for (uint64_t seed = 1; seed <= 60; seed++) {
        for (uint32_t done = 0; done <= 3; done++) {
            uint64_t durable = 0;
            tnode *n = roll_then_crash(done, 300000, 300000, 500000, seed, &durable);
            cr_assert_geq(n->recovered_count, durable, "seed %" PRIu64 " done %u", seed, done);
            cr_assert_geq(n->recovered_count, 10u);
            cr_assert_leq(n->recovered_count, 11u);
            settle(n);
            uint64_t next = append(n, REC_LEN);
            cr_assert_gt(next, durable, "an acknowledged index reused");
            node_free(n);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Random crashes                                                      */
/* ------------------------------------------------------------------ */

/* The log as the node has shaped it: versions, one per cut, since a crash
 * before a cut is durable may bring back the log from before it. */
typedef struct version {
    mrec recs[RECS_MAX]; /* recs[i] has index first + i */
    uint64_t first;
    uint32_t count;
} version;

#define VERSIONS_MAX 16u

typedef struct model {
    version *v[VERSIONS_MAX];
    uint32_t nv;
} model;

static version *model_cur(model *m) { return m->v[m->nv - 1]; }

static void model_reset(model *m, const mrec *recs, uint32_t count, uint64_t first) {
    for (uint32_t i = 0; i < m->nv; i++) free(m->v[i]);
    m->nv = 1;
    m->v[0] = calloc(1, sizeof(version));
    cr_assert_not_null(m->v[0]);
    if (count > 0) memcpy(m->v[0]->recs, recs, count * sizeof *recs);
    m->v[0]->count = count;
    m->v[0]->first = first;
}

static void model_free(model *m) {
    for (uint32_t i = 0; i < m->nv; i++) free(m->v[i]);
    m->nv = 0;
}

static bool same(const mrec *a, const mrec *b) {
    return a->id == b->id && a->index == b->index && a->term == b->term && a->len == b->len &&
           a->type == b->type;
}

/* Is `got` (count records from index first) the records [first, first +
 * count) of version v, i.e. a prefix of v less some dropped front? */
static bool is_part_of(const version *v, const mrec *got, uint32_t count, uint64_t first) {
    if (first < v->first) return false;
    uint64_t skip = first - v->first;
    if (skip + count > v->count) return false;
    for (uint32_t i = 0; i < count; i++) {
        if (!same(&got[i], &v->recs[skip + i])) return false;
    }
    return true;
}

typedef struct crash_run {
    uint64_t seed;
    pod_rng rng;
    tnode *n;
    model m;
    uint64_t term;
    uint64_t crashes;
    uint64_t durable_seen; /* durable records checked after crashes */
} crash_run;

static void random_op(crash_run *cr) {
    tnode *n = cr->n;
    version *cur = model_cur(&cr->m);
    uint64_t roll = pod_rng_below(&cr->rng, 100);
    if (roll < 55) {
        if (cur->count >= RECS_MAX - 1) return;
        uint32_t len = 8 + (uint32_t)pod_rng_below(&cr->rng, pod_rng_chance(&cr->rng, 100000) ? 3000 : 200);
        if (pod_rng_chance(&cr->rng, 50000)) cr->term++;
        mrec r;
        append_rec(n, len, cr->term, &r);
        cr_assert_eq(r.index, cur->first + cur->count);
        cur->recs[cur->count++] = r;
    } else if (roll < 85) {
        /* Completions may come in any order, as in the world. */
        uint32_t pending = harness_pending(n->h);
        if (pending > 0) harness_complete_at(n->h, (uint32_t)pod_rng_below(&cr->rng, pending));
    } else if (roll < 90) {
        harness_complete_all(n->h);
    } else if (roll < 93) {
        if (cr->m.nv == VERSIONS_MAX) return;
        uint64_t first = pod_wal_first_index(n->wal);
        uint64_t last = pod_wal_last_index(n->wal);
        uint64_t from = last + 1 - pod_rng_below(&cr->rng, (last + 2 - first) < 6 ? last + 2 - first : 6);
        cr_assert_eq(pod_wal_truncate_suffix(n->wal, from), POD_WAL_OK);
        version *nv = malloc(sizeof *nv);
        cr_assert_not_null(nv);
        *nv = *cur;
        nv->count = (uint32_t)(from - nv->first);
        cr->m.v[cr->m.nv++] = nv;
    } else if (roll < 96) {
        uint64_t first = pod_wal_first_index(n->wal);
        uint64_t last = pod_wal_last_index(n->wal);
        uint64_t below = first + pod_rng_below(&cr->rng, last + 2 - first);
        cr_assert_eq(pod_wal_drop_below(n->wal, below), POD_WAL_OK);
        uint64_t now_first = pod_wal_first_index(n->wal);
        cr_assert_geq(now_first, first);
        cr_assert_leq(now_first, below > first ? below : first);
        /* The model keeps every version whole: a crash may undo the drop. */
    } else {
        /* Read back from a random index: exactly the current version. */
        uint64_t first = pod_wal_first_index(n->wal);
        uint64_t last = pod_wal_last_index(n->wal);
        uint64_t start = first + pod_rng_below(&cr->rng, last + 2 - first);
        reader *rd = calloc(1, sizeof *rd);
        cr_assert_not_null(rd);
        cr_assert_eq(pod_wal_read_from(n->wal, start, reader_visit, rd), POD_WAL_OK);
        cr_assert_not(rd->broken);
        cr_assert_eq(rd->count, last + 1 - start);
        cr_assert(is_part_of(cur, rd->got, rd->count, start), "seed %" PRIu64 ": read back differs",
                  cr->seed);
        free(rd);
    }
}

static void crash_and_check(crash_run *cr) {
    tnode *n = cr->n;
    version *cur = model_cur(&cr->m);
    uint64_t durable = pod_wal_durable_index(n->wal);
    uint64_t first_before = pod_wal_first_index(n->wal);
    cr_assert_leq(durable, pod_wal_last_index(n->wal));
    node_crash(n);
    cr->crashes++;
    char why[256];
    pod_wal_result r = node_open_result(n, why, sizeof why);
    cr_assert_eq(r, POD_WAL_OK, "seed %" PRIu64 " crash %" PRIu64 ": %s: %s", cr->seed,
                 cr->crashes, pod_wal_result_name(r), why);
    uint64_t first = pod_wal_first_index(n->wal);
    uint64_t last = pod_wal_last_index(n->wal);
    cr_assert_eq(last + 1 - first, n->recovered_count, "indexes are dense");
    for (uint32_t i = 0; i < n->recovered_count; i++) {
        cr_assert_eq(n->recovered[i].index, first + i);
    }
    /* Exactly a prefix of some version of the log (less a dropped front). */
    bool found = false;
    for (uint32_t v = 0; v < cr->m.nv && !found; v++) {
        found = is_part_of(cr->m.v[v], n->recovered, n->recovered_count, first);
    }
    cr_assert(found, "seed %" PRIu64 " crash %" PRIu64 ": recovered %u records from %" PRIu64
              " are no prefix of any version of the log", cr->seed, cr->crashes,
              n->recovered_count, first);
    /* Every acknowledged record, unchanged. */
    cr_assert_leq(first, first_before, "a segment went that was never dropped");
    cr_assert_geq(last, durable, "seed %" PRIu64 " crash %" PRIu64 ": durable %" PRIu64
                  " but only %" PRIu64 " recovered", cr->seed, cr->crashes, durable, last);
    for (uint64_t i = first_before; i <= durable; i++) {
        cr_assert(i >= first, "durable %" PRIu64 " dropped without a drop", i);
        cr_assert(same(&n->recovered[i - first], &cur->recs[i - cur->first]),
                  "seed %" PRIu64 ": durable record %" PRIu64 " changed", cr->seed, i);
    }
    cr->durable_seen += durable >= first_before ? durable - first_before + 1 : 0;
    model_reset(&cr->m, n->recovered, n->recovered_count, first);
}

#ifndef CRASH_SEEDS
#define CRASH_SEEDS 1500u /* -DCRASH_SEEDS=N for a longer hunt */
#endif

Test(wal_crash, random_crash_points_over_many_seeds, .timeout = 240) {
    uint64_t total_crashes = 0, total_durable = 0, torn = 0;
    for (uint64_t seed = 1; seed <= CRASH_SEEDS; seed++) {
        crash_run cr = {.seed = seed, .term = 1};
        pod_rng_seed(&cr.rng, seed * 7919);
        pod_disk_config c = quiet_disk();
        /* Vary what a crash does to unsynced changes, seed by seed. */
        switch (seed % 4) {
        case 1: /* every unsynced write torn, sector by sector */
            c.crash_keep_ppm = 0;
            c.crash_drop_ppm = 0;
            c.tear_new_ppm = 500000;
            c.tear_zero_ppm = 200000;
            c.tear_garbage_ppm = 200000;
            break;
        case 2: /* namespace changes mostly lost, truncates mostly undone */
            c.crash_undo_name_ppm = 900000;
            c.crash_undo_truncate_ppm = 900000;
            break;
        case 3: /* most unsynced writes survive whole */
            c.crash_keep_ppm = 850000;
            c.crash_drop_ppm = 50000;
            c.crash_undo_name_ppm = 100000;
            break;
        default: /* the disk's defaults */
            break;
        }
        /* Some seeds with tiny segments (many rolls), some with larger. */
        uint64_t seg = seed % 3 == 0 ? 4096 : seed % 3 == 1 ? 600 : 1500;
        cr.n = node_new(&c, seed, seg);
        node_open(cr.n);
        model_reset(&cr.m, NULL, 0, 1);
        for (int round = 0; round < 4; round++) {
            uint64_t ops = 20 + pod_rng_below(&cr.rng, 150);
            for (uint64_t i = 0; i < ops; i++) random_op(&cr);
            crash_and_check(&cr);
            pod_wal_stats st;
            pod_wal_stats_get(cr.n->wal, &st);
            torn += st.torn_tails;
            /* Recovery's own steps may be interrupted by the next crash too. */
            uint64_t settle_ops = pod_rng_below(&cr.rng, 4);
            for (uint64_t i = 0; i < settle_ops; i++) harness_complete_one(cr.n->h);
        }
        total_crashes += cr.crashes;
        total_durable += cr.durable_seen;
        model_free(&cr.m);
        node_free(cr.n);
    }
    cr_assert_eq(total_crashes, 4u * CRASH_SEEDS);
    /* The loop must have exercised what it claims to. */
    cr_assert_gt(total_durable, 50000u, "durable records checked: %" PRIu64, total_durable);
    cr_assert_gt(torn, 250u, "torn tails seen: %" PRIu64, torn);
}

/* With a bit of durable data flipped at every crash, recovery may say
 * POD_WAL_CORRUPT or cut the damage away as a torn tail (when it lies in
 * the last batch), but it never hands back a record that was not
 * appended, nor skips one. */
Test(wal_crash, bit_flips_are_never_accepted, .timeout = 240) {
    uint64_t corrupt = 0, ok = 0;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        crash_run cr = {.seed = seed, .term = 1};
        pod_rng_seed(&cr.rng, seed * 104729);
        pod_disk_config c = quiet_disk();
        c.faults.bitflip_on_crash_ppm = 250000;
        cr.n = node_new(&c, seed, seed % 2 ? 800 : 3000);
        node_open(cr.n);
        model_reset(&cr.m, NULL, 0, 1);
        for (int round = 0; round < 4; round++) {
            uint64_t ops = 20 + pod_rng_below(&cr.rng, 150);
            for (uint64_t i = 0; i < ops; i++) random_op(&cr);
            node_crash(cr.n);
            char why[256];
            pod_wal_result r = node_open_result(cr.n, why, sizeof why);
            if (r == POD_WAL_CORRUPT) {
                corrupt++;
                cr_assert(strstr(why, "segment " PREFIX "-") != NULL, "%s", why);
                cr_assert(strstr(why, " offset ") != NULL && strstr(why, " index ") != NULL, "%s", why);
                break;
            }
            cr_assert_eq(r, POD_WAL_OK, "seed %" PRIu64 ": %s: %s", seed, pod_wal_result_name(r), why);
            ok++;
            tnode *n = cr.n;
            uint64_t first = pod_wal_first_index(n->wal);
            bool found = false;
            for (uint32_t v = 0; v < cr.m.nv && !found; v++) {
                found = is_part_of(cr.m.v[v], n->recovered, n->recovered_count, first);
            }
            cr_assert(found, "seed %" PRIu64 ": a damaged or foreign record was accepted", seed);
            model_reset(&cr.m, n->recovered, n->recovered_count, first);
        }
        model_free(&cr.m);
        node_free(cr.n);
    }
    cr_assert_gt(corrupt, 100u, "corruption reported %" PRIu64 " times", corrupt);
    cr_assert_gt(ok, 100u);
}

/* ------------------------------------------------------------------ */
/* Salvage (Replicated Log repair, docs/repair.md)                      */
/* ------------------------------------------------------------------ */

/* Mid-log damage with salvage on: the valid prefix is kept and replayed,
 * the damaged record and everything after it are discarded — but not
 * before pod_wal_release() — and the WAL says how far the log went. */
Test(wal_salvage, keeps_the_valid_prefix_and_reports_how_far_the_log_went) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append_acked(n, 25, NULL); /* segments 1, 11, 21 */
    node_crash(n);
    /* Record 14's payload, in the middle segment. */
    cr_assert_eq(pod_disk_flip_bit(harness_disk(n->h), seg_name(11), 3 * REC_BYTES + 40, 5), POD_OK);
    harness_crash(n->h);
    n->cfg.salvage = true;
    node_open(n);
    cr_assert_eq(n->recovered_count, 13u, "the prefix 1..13 is replayed");
    cr_assert_eq(pod_wal_last_index(n->wal), 13u);
    pod_wal_damage d;
    pod_wal_damage_get(n->wal, &d);
    cr_assert(d.found);
    cr_assert_eq(d.lost_from, 14u);
    cr_assert_eq(d.seen_last, 25u, "records 15..25 are evidence the log went to 25");
    cr_assert(strstr(d.what, "index 14") != NULL, "%s", d.what);
    /* Held: nothing touches the disk, nothing becomes durable. */
    cr_assert(pod_wal_held(n->wal));
    harness_complete_all(n->h);
    cr_assert_eq(durable_size(n, seg_name(21)), 5u * REC_BYTES, "a held WAL unlinked a segment");
    cr_assert_eq(pod_wal_durable_index(n->wal), 0u);
    uint64_t at = append(n, REC_LEN);
    cr_assert_eq(at, 14u, "appends continue after the prefix");
    pod_wal_release(n->wal);
    settle(n);
    cr_assert_eq(pod_wal_durable_index(n->wal), 14u);
    cr_assert_eq(durable_size(n, seg_name(21)), UINT64_MAX, "the segment past the damage is gone");
    /* A crash now recovers the prefix and the new record, with no damage. */
    node_crash(n);
    node_open(n);
    cr_assert_eq(n->recovered_count, 14u);
    pod_wal_damage_get(n->wal, &d);
    cr_assert_not(d.found);
    node_free(n);
}

/* A crash while the discard is under way (some later segments unlinked,
 * the damaged one not yet cut) leaves a log that recovers to the same
 * prefix or reports the same damage again — never a record past it. */
Test(wal_salvage, a_crash_in_the_middle_of_the_discard_never_brings_back_a_record_past_the_damage) {
    for (uint32_t steps = 0; steps <= 6; steps++) {
        pod_disk_config c = quiet_disk();
        tnode *n = node_new(&c, steps + 1, SEG_MAX);
        node_open(n);
        append_acked(n, 35, NULL);
        node_crash(n);
        cr_assert_eq(pod_disk_flip_bit(harness_disk(n->h), seg_name(11), 2 * REC_BYTES + 40, 5), POD_OK);
        harness_crash(n->h);
        n->cfg.salvage = true;
        node_open(n);
        pod_wal_release(n->wal);
        for (uint32_t i = 0; i < steps; i++) harness_complete_one(n->h);
        node_crash(n);
        node_open(n);
        cr_assert_eq(n->recovered_count, 12u, "steps %u: %u records recovered", steps, n->recovered_count);
        for (uint32_t i = 0; i < n->recovered_count; i++) cr_assert_eq(n->recovered[i].index, i + 1u);
        node_free(n);
    }
}

/* Without salvage the same damage still refuses: a lone node must. */
Test(wal_salvage, off_by_default) {
    pod_disk_config c = quiet_disk();
    tnode *n = node_new(&c, 1, SEG_MAX);
    node_open(n);
    append_acked(n, 25, NULL);
    node_crash(n);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(n->h), seg_name(11), 3 * REC_BYTES + 40, 5), POD_OK);
    harness_crash(n->h);
    char why[256];
    cr_assert_eq(node_open_result(n, why, sizeof why), POD_WAL_CORRUPT);
    node_free(n);
}
