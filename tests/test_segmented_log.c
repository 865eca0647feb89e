/* test_segmented_log.c — the Segmented Log: file names (and what is not
 * one), listing, rolling at the size limit, reading from an index with
 * only the needed segments opened, cutting a suffix inside one segment and
 * across several, and dropping old segments but never the active one. The
 * table is driven directly here, its physical steps run without syncs
 * (the WAL's business, tested in test_wal.c); what the files hold is read
 * back from the disk's view. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_harness.h"
#include "nodes/segmented_log.h"

/* The harness is test-only code shared by test binaries; until the test
 * CMakeLists links it beside each test, it is compiled in here. */
#include "env_harness.h"

#define PREFIX "wal"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

typedef struct fixture {
    harness *h;
    pod_seglog *log;
} fixture;

static fixture make(uint64_t segment_bytes_max) {
    pod_disk_config c = pod_disk_config_default();
    fixture f;
    f.h = harness_create(&c, 1);
    f.log = pod_seglog_create(harness_env(f.h), PREFIX, segment_bytes_max);
    cr_assert_not_null(f.log);
    cr_assert_eq(pod_seglog_start(f.log, 1), POD_WAL_OK);
    return f;
}

static void unmake(fixture *f) {
    pod_seglog_close_fds(f->log);
    pod_seglog_destroy(f->log);
    harness_destroy(f->h);
}

/* Appends record `index` with a payload of `len` bytes derived from it. */
static void put(pod_seglog *log, uint32_t len) {
    uint64_t index = pod_seglog_last_index(log) + 1;
    uint8_t payload[256];
    cr_assert_leq(len, sizeof payload);
    for (uint32_t i = 0; i < len; i++) payload[i] = (uint8_t)(index * 31 + i);
    pod_walrec_header hd = {.len = len, .type = 1, .index = index, .term = 1};
    pod_wal_result r;
    uint8_t *at = pod_seglog_reserve(log, (uint32_t)pod_walrec_size(len), &r);
    cr_assert_not_null(at, "reserve: %d", (int)r);
    pod_walrec_encode(at, &hd, payload);
    cr_assert_eq(pod_seglog_last_index(log), index);
}

/* Runs every due physical step, in the WAL's order, completing as it goes. */
static void flush(fixture *f) {
    for (int guard = 0; guard < 10000; guard++) {
        if (pod_seglog_unlink_is_due(f->log)) {
            cr_assert_eq(pod_seglog_unlink_next(f->log), POD_WAL_OK, "%s", f->log->error);
        } else if (pod_seglog_truncate_is_due(f->log)) {
            pod_fd fd;
            cr_assert_eq(pod_seglog_truncate_next(f->log, &fd), POD_WAL_OK, "%s", f->log->error);
        } else if (pod_seglog_write_is_due(f->log)) {
            pod_seglog_write w;
            cr_assert_eq(pod_seglog_write_next(f->log, 0, &w), POD_WAL_OK, "%s", f->log->error);
        } else {
            harness_complete_all(f->h);
            /* What the WAL's directory fsync would establish. */
            pod_seglog_names_durable(f->log);
            return;
        }
    }
    cr_assert_fail("flush did not finish");
}

static char *seg_name(uint64_t first) {
    static char names[4][POD_SEGLOG_NAME_BYTES];
    static int next;
    char *n = names[next++ % 4];
    cr_assert(pod_seglog_name_format(PREFIX, first, n, POD_SEGLOG_NAME_BYTES));
    return n;
}

static uint64_t view_size(fixture *f, const char *name) {
    pod_fd fd;
    if (pod_disk_open(harness_disk(f->h), name, 0, &fd) != POD_OK) return UINT64_MAX;
    uint64_t size = 0;
    cr_assert_eq(pod_disk_size(harness_disk(f->h), fd, &size), POD_OK);
    cr_assert_eq(pod_disk_close(harness_disk(f->h), fd), POD_OK);
    return size;
}

typedef struct collect {
    uint64_t indexes[512];
    uint32_t count;
    uint32_t stop_after; /* 0: never stop */
} collect;

static bool collect_visit(void *arg, const pod_wal_entry *e) {
    collect *c = arg;
    cr_assert_lt(c->count, 512u);
    /* The payload is what put() wrote for this index. */
    for (uint32_t i = 0; i < e->len; i++) cr_assert_eq(e->payload[i], (uint8_t)(e->index * 31 + i));
    c->indexes[c->count++] = e->index;
    return c->stop_after == 0 || c->count < c->stop_after;
}

static void expect_read(fixture *f, uint64_t start, uint64_t last) {
    collect c = {0};
    cr_assert_eq(pod_seglog_read_from(f->log, start, collect_visit, &c), POD_WAL_OK, "%s",
                 f->log->error);
    cr_assert_eq(c.count, last >= start ? last - start + 1 : 0, "from %llu: %u records",
                 (unsigned long long)start, c.count);
    for (uint32_t i = 0; i < c.count; i++) cr_assert_eq(c.indexes[i], start + i);
}

/* 10 records of 68 bytes (32 + 36) per 700-byte segment. */
#define REC_PAYLOAD 36u
#define REC_BYTES (32u + REC_PAYLOAD)
#define SEG_MAX 700u
#define PER_SEG 10u

static fixture make_filled(uint32_t records) {
    fixture f = make(SEG_MAX);
    for (uint32_t i = 0; i < records; i++) put(f.log, REC_PAYLOAD);
    flush(&f);
    return f;
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

Test(seglog_names, format_and_parse_round_trip) {
    static const uint64_t values[] = {1, 9, 10, 12345678901234567ull, UINT64_MAX};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char name[POD_SEGLOG_NAME_BYTES];
        cr_assert(pod_seglog_name_format("wal", values[i], name, sizeof name));
        cr_assert_eq(strlen(name), 3 + 1 + 20 + 4);
        uint64_t back = 0;
        cr_assert(pod_seglog_name_parse("wal", name, &back), "%s", name);
        cr_assert_eq(back, values[i]);
    }
    char name[POD_SEGLOG_NAME_BYTES];
    cr_assert(pod_seglog_name_format("wal", 42, name, sizeof name));
    cr_assert_str_eq(name, "wal-00000000000000000042.log");
    char small[10];
    cr_assert_not(pod_seglog_name_format("wal", 42, small, sizeof small));
}

Test(seglog_names, parse_rejects_everything_else) {
    static const char *const bad[] = {
        "",
        "wal",
        "wal-",
        "wal-00000000000000000001",            /* no suffix */
        "wal-00000000000000000001.lo",
        "wal-00000000000000000001.log.tmp",
        "wal-00000000000000000001.logx",
        "wal-0000000000000000001.log",         /* 19 digits */
        "wal-000000000000000000001.log",       /* 21 digits */
        "wal-0000000000000000000a.log",
        "wal-+0000000000000000001.log",
        "wal- 0000000000000000001.log",
        "wal_00000000000000000001.log",        /* wrong separator */
        "wal-00000000000000000000.log",        /* index 0 */
        "wal-18446744073709551616.log",        /* UINT64_MAX + 1 */
        "wal-99999999999999999999.log",
        "wal2-00000000000000000001.log",       /* another prefix */
        "wa-00000000000000000001.log",
        "WAL-00000000000000000001.log",
        "xwal-00000000000000000001.log",
        "wal-00000000000000000001.LOG",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 7;
        cr_assert_not(pod_seglog_name_parse("wal", bad[i], &v), "accepted '%s'", bad[i]);
        cr_assert_eq(v, 7u, "'%s' changed the output", bad[i]);
    }
    uint64_t v;
    cr_assert(pod_seglog_name_parse("wal", "wal-18446744073709551615.log", &v));
    cr_assert_eq(v, UINT64_MAX);
    /* A prefix that itself has a dash. */
    cr_assert(pod_seglog_name_parse("node-1.wal", "node-1.wal-00000000000000000003.log", &v));
    cr_assert_eq(v, 3u);
}

Test(seglog_names, prefix_rules) {
    cr_assert(pod_seglog_prefix_valid("wal"));
    cr_assert(pod_seglog_prefix_valid("a.b_c-D9"));
    cr_assert_not(pod_seglog_prefix_valid(""));
    cr_assert_not(pod_seglog_prefix_valid(NULL));
    cr_assert_not(pod_seglog_prefix_valid("a/b"));
    cr_assert_not(pod_seglog_prefix_valid("a b"));
    char longest[POD_SEGLOG_PREFIX_MAX + 2];
    memset(longest, 'p', sizeof longest);
    longest[POD_SEGLOG_PREFIX_MAX] = '\0';
    cr_assert(pod_seglog_prefix_valid(longest));
    char name[POD_SEGLOG_NAME_BYTES];
    cr_assert(pod_seglog_name_format(longest, UINT64_MAX, name, sizeof name));
    cr_assert_eq(strlen(name), POD_FILE_NAME_MAX);
    longest[POD_SEGLOG_PREFIX_MAX] = 'p';
    longest[POD_SEGLOG_PREFIX_MAX + 1] = '\0';
    cr_assert_not(pod_seglog_prefix_valid(longest));
}

Test(seglog_names, list_orders_and_ignores_other_files) {
    pod_disk_config c = pod_disk_config_default();
    harness *h = harness_create(&c, 3);
    pod_env *env = harness_env(h);
    static const char *const files[] = {
        "wal-00000000000000000100.log", "wal-00000000000000000001.log",
        "wal-00000000000000000020.log", "wal-123.log", "notes.txt",
        "wal-00000000000000000005.log.tmp", "wal2-00000000000000000002.log",
        "wal-00000000000000000000.log",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        pod_fd fd;
        cr_assert_eq(env->ops->open(env, files[i], POD_OPEN_CREATE, &fd), POD_OK);
        cr_assert_eq(env->ops->close(env, fd), POD_OK);
    }
    uint64_t firsts[8];
    uint32_t n = 0;
    bool overflow = true;
    cr_assert_eq(pod_seglog_list(env, "wal", firsts, 8, &n, &overflow), POD_OK);
    cr_assert_not(overflow);
    cr_assert_eq(n, 3u);
    cr_assert_eq(firsts[0], 1u);
    cr_assert_eq(firsts[1], 20u);
    cr_assert_eq(firsts[2], 100u);
    cr_assert_eq(pod_seglog_list(env, "wal", firsts, 2, &n, &overflow), POD_OK);
    cr_assert(overflow);
    cr_assert_eq(n, 2u);
    harness_destroy(h);
}

/* ------------------------------------------------------------------ */
/* Rolling                                                             */
/* ------------------------------------------------------------------ */

Test(seglog, rolls_when_a_record_would_pass_the_limit) {
    fixture f = make(SEG_MAX);
    for (uint32_t i = 0; i < PER_SEG; i++) put(f.log, REC_PAYLOAD);
    cr_assert_eq(f.log->count, 1u, "10 x 68 = 680 bytes fit in 700");
    put(f.log, REC_PAYLOAD); /* 748 > 700: the 11th starts a segment */
    cr_assert_eq(f.log->count, 2u);
    cr_assert_eq(f.log->segs[1].first_index, 11u);
    cr_assert_eq(f.log->segs[0].last_index, 10u);
    /* Nothing exists on disk before the physical steps run. */
    cr_assert_eq(view_size(&f, seg_name(1)), UINT64_MAX);
    flush(&f);
    cr_assert_eq(view_size(&f, seg_name(1)), 10u * REC_BYTES);
    cr_assert_eq(view_size(&f, seg_name(11)), 1u * REC_BYTES);
    /* Records go on in the active segment until the next roll. */
    for (uint32_t i = 0; i < 9; i++) put(f.log, REC_PAYLOAD);
    cr_assert_eq(f.log->count, 2u);
    put(f.log, REC_PAYLOAD);
    cr_assert_eq(f.log->count, 3u);
    cr_assert_eq(f.log->segs[2].first_index, 21u);
    flush(&f);
    cr_assert_eq(view_size(&f, seg_name(21)), 1u * REC_BYTES);
    expect_read(&f, 1, 21);
    unmake(&f);
}

Test(seglog, a_record_larger_than_the_limit_gets_a_segment_of_its_own) {
    fixture f = make(100);
    put(f.log, 200);   /* alone in segment 1, past the limit */
    put(f.log, 10);    /* 42 bytes: would pass, so it rolls */
    put(f.log, 10);    /* 84 <= 100: same segment */
    put(f.log, 200);
    cr_assert_eq(f.log->count, 3u);
    cr_assert_eq(f.log->segs[0].last_index, 1u);
    cr_assert_eq(f.log->segs[1].first_index, 2u);
    cr_assert_eq(f.log->segs[1].last_index, 3u);
    cr_assert_eq(f.log->segs[2].first_index, 4u);
    flush(&f);
    expect_read(&f, 1, 4);
    unmake(&f);
}

Test(seglog, the_segment_limit_is_enforced) {
    fixture f = make(POD_WALREC_HEADER_BYTES); /* one empty record per segment */
    for (uint32_t i = 0; i < POD_SEGLOG_SEGMENTS_MAX; i++) put(f.log, 0);
    cr_assert_eq(f.log->count, POD_SEGLOG_SEGMENTS_MAX);
    pod_wal_result r = POD_WAL_OK;
    cr_assert_null(pod_seglog_reserve(f.log, POD_WALREC_HEADER_BYTES, &r));
    cr_assert_eq(r, POD_WAL_LIMIT);
    cr_assert_eq(pod_seglog_last_index(f.log), POD_SEGLOG_SEGMENTS_MAX);
    unmake(&f);
}

/* ------------------------------------------------------------------ */
/* Reading from an index                                               */
/* ------------------------------------------------------------------ */

Test(seglog_read, from_first_middle_last_segment_opening_only_what_it_needs) {
    fixture f = make_filled(5 * PER_SEG); /* segments 1, 11, 21, 31, 41 */
    cr_assert_eq(f.log->count, 5u);
    static const struct { uint64_t start; uint64_t first_seg; } cases[] = {
        {1, 1}, {5, 1}, {10, 1}, {11, 11}, {25, 21}, {30, 21}, {39, 31}, {41, 41}, {50, 41},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        harness_counts_reset(f.h);
        expect_read(&f, cases[i].start, 5 * PER_SEG);
        for (uint64_t seg = 1; seg <= 41; seg += PER_SEG) {
            /* Older segments are opened for the read; the active one is open already. */
            uint32_t want = seg >= cases[i].first_seg && seg != 41 ? 1u : 0u;
            cr_assert_eq(harness_opens_of(f.h, seg_name(seg)), want,
                         "start %llu: segment %llu opened %u times",
                         (unsigned long long)cases[i].start, (unsigned long long)seg,
                         harness_opens_of(f.h, seg_name(seg)));
        }
    }
    /* Past the end: nothing; below the start: a range error. */
    expect_read(&f, 51, 50);
    unmake(&f);
}

Test(seglog_read, from_the_active_segment_only_opens_nothing) {
    fixture f = make_filled(3 * PER_SEG + 4);
    harness_counts_reset(f.h);
    expect_read(&f, 32, 34);
    harness_counts c = harness_counts_get(f.h);
    cr_assert_eq(c.opens, 0u);
    /* Records not written yet are read from memory. */
    put(f.log, REC_PAYLOAD);
    put(f.log, REC_PAYLOAD);
    expect_read(&f, 33, 36);
    expect_read(&f, 36, 36);
    cr_assert_eq(harness_counts_get(f.h).opens, 0u);
    unmake(&f);
}

Test(seglog_read, the_visitor_can_stop) {
    fixture f = make_filled(25);
    collect c = {.stop_after = 3};
    cr_assert_eq(pod_seglog_read_from(f.log, 9, collect_visit, &c), POD_WAL_OK);
    cr_assert_eq(c.count, 3u);
    cr_assert_eq(c.indexes[2], 11u);
    unmake(&f);
}

Test(seglog_read, a_damaged_record_reads_as_corrupt) {
    fixture f = make_filled(15);
    /* Damage record 13 in the view (segment 11, third record). */
    pod_fd fd;
    cr_assert_eq(pod_disk_open(harness_disk(f.h), seg_name(11), 0, &fd), POD_OK);
    uint8_t junk = 0x5A;
    cr_assert_eq(pod_disk_write(harness_disk(f.h), harness_rng(f.h), fd, 2 * REC_BYTES + 40, &junk, 1),
                 POD_OK);
    cr_assert_eq(pod_disk_close(harness_disk(f.h), fd), POD_OK);
    collect c = {0};
    cr_assert_eq(pod_seglog_read_from(f.log, 1, collect_visit, &c), POD_WAL_CORRUPT);
    cr_assert_eq(c.count, 12u);
    cr_assert(strstr(f.log->error, "index 13") != NULL, "%s", f.log->error);
    unmake(&f);
}

/* ------------------------------------------------------------------ */
/* Truncating a suffix                                                 */
/* ------------------------------------------------------------------ */

Test(seglog_truncate, inside_one_segment) {
    fixture f = make_filled(25); /* 1..10, 11..20, 21..25 */
    cr_assert_eq(pod_seglog_truncate_suffix(f.log, 23), POD_WAL_OK);
    cr_assert_eq(pod_seglog_last_index(f.log), 22u);
    cr_assert(pod_seglog_truncate_is_due(f.log));
    cr_assert_not(pod_seglog_unlink_is_due(f.log));
    flush(&f);
    cr_assert_eq(view_size(&f, seg_name(21)), 2u * REC_BYTES);
    expect_read(&f, 1, 22);
    /* Appends reuse the cut indexes. */
    put(f.log, REC_PAYLOAD);
    flush(&f);
    expect_read(&f, 20, 23);
    unmake(&f);
}

Test(seglog_truncate, across_segments_unlinks_newest_first) {
    fixture f = make_filled(45); /* 1, 11, 21, 31, 41 */
    cr_assert_eq(pod_seglog_truncate_suffix(f.log, 15), POD_WAL_OK);
    cr_assert_eq(f.log->count, 2u);
    cr_assert_eq(pod_seglog_last_index(f.log), 14u);
    cr_assert_eq(f.log->unlink_count, 3u);
    /* The order the unlinks are due in: 41, 31, 21. */
    cr_assert_eq(f.log->unlink_due[f.log->unlink_head], 41u);
    cr_assert_eq(f.log->unlink_due[(f.log->unlink_head + 1) % POD_SEGLOG_SEGMENTS_MAX], 31u);
    cr_assert_eq(f.log->unlink_due[(f.log->unlink_head + 2) % POD_SEGLOG_SEGMENTS_MAX], 21u);
    flush(&f);
    cr_assert_eq(view_size(&f, seg_name(21)), UINT64_MAX);
    cr_assert_eq(view_size(&f, seg_name(31)), UINT64_MAX);
    cr_assert_eq(view_size(&f, seg_name(41)), UINT64_MAX);
    cr_assert_eq(view_size(&f, seg_name(11)), 4u * REC_BYTES);
    expect_read(&f, 1, 14);
    /* Growing again rolls into a fresh 21. */
    for (int i = 0; i < 12; i++) put(f.log, REC_PAYLOAD);
    flush(&f);
    cr_assert_eq(f.log->count, 3u);
    cr_assert_eq(f.log->segs[2].first_index, 21u);
    expect_read(&f, 1, 26);
    unmake(&f);
}

Test(seglog_truncate, at_a_segment_start_and_of_unwritten_records) {
    fixture f = make_filled(20); /* 1..10, 11..20 */
    cr_assert_eq(pod_seglog_truncate_suffix(f.log, 11), POD_WAL_OK);
    cr_assert_eq(f.log->count, 2u, "segment 11 stays, empty");
    cr_assert_eq(f.log->segs[1].size, 0u);
    flush(&f);
    cr_assert_eq(view_size(&f, seg_name(11)), 0u);
    expect_read(&f, 1, 10);
    /* A cut among records still in memory touches no file. */
    put(f.log, REC_PAYLOAD);
    put(f.log, REC_PAYLOAD);
    put(f.log, REC_PAYLOAD);
    cr_assert_eq(pod_seglog_truncate_suffix(f.log, 12), POD_WAL_OK);
    cr_assert_not(pod_seglog_truncate_is_due(f.log));
    cr_assert_eq(f.log->pending_bytes, REC_BYTES);
    flush(&f);
    expect_read(&f, 1, 11);
    /* Range: below the first index or past last + 1. */
    cr_assert_eq(pod_seglog_truncate_suffix(f.log, 13), POD_WAL_RANGE);
    cr_assert_eq(pod_seglog_truncate_suffix(f.log, 12), POD_WAL_OK); /* last + 1: nothing */
    cr_assert_eq(pod_seglog_truncate_suffix(f.log, 0), POD_WAL_RANGE);
    unmake(&f);
}

/* ------------------------------------------------------------------ */
/* Dropping old segments                                               */
/* ------------------------------------------------------------------ */

Test(seglog_drop, removes_whole_segments_below_an_index_never_the_active_one) {
    fixture f = make_filled(35); /* 1, 11, 21, 31 (active) */
    cr_assert_eq(pod_seglog_drop_below(f.log, 15), 1u, "only segment 1 is wholly below 15");
    cr_assert_eq(pod_seglog_first_index(f.log), 11u);
    cr_assert_eq(pod_seglog_drop_below(f.log, 20), 0u, "20 is in segment 11");
    cr_assert_eq(pod_seglog_drop_below(f.log, 21), 1u);
    cr_assert_eq(pod_seglog_drop_below(f.log, UINT64_MAX), 1u, "all but the active one");
    cr_assert_eq(f.log->count, 1u);
    cr_assert_eq(pod_seglog_first_index(f.log), 31u);
    cr_assert_eq(pod_seglog_drop_below(f.log, UINT64_MAX), 0u);
    flush(&f);
    cr_assert_eq(view_size(&f, seg_name(1)), UINT64_MAX);
    cr_assert_eq(view_size(&f, seg_name(11)), UINT64_MAX);
    cr_assert_eq(view_size(&f, seg_name(21)), UINT64_MAX);
    cr_assert_eq(view_size(&f, seg_name(31)), 5u * REC_BYTES);
    expect_read(&f, 31, 35);
    collect c = {0};
    cr_assert_eq(pod_seglog_read_from(f.log, 30, collect_visit, &c), POD_WAL_RANGE);
    unmake(&f);
}

Test(seglog_drop, waits_until_the_next_segment_is_durably_named) {
    fixture f = make_filled(12); /* 1..10, 11..12 */
    for (int i = 0; i < 9; i++) put(f.log, REC_PAYLOAD); /* 13..21: 21 rolls, in memory only */
    cr_assert_eq(f.log->count, 3u);
    /* Dropping 11 would leave only segment 21, which has no file yet. */
    cr_assert_eq(pod_seglog_drop_below(f.log, 30), 1u);
    cr_assert_eq(pod_seglog_first_index(f.log), 11u);
    flush(&f);
    cr_assert_eq(pod_seglog_drop_below(f.log, 30), 1u, "now 21 is on disk, durably named");
    cr_assert_eq(pod_seglog_first_index(f.log), 21u);
    unmake(&f);
}
