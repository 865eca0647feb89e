/* test_disk.c — the simulated disk: file semantics, limits, durability with
 * barriers, every crash outcome it promises (and nothing else), injected
 * faults, and determinism. Crash tests run many rng seeds and check both
 * directions: each outcome is allowed, and each promised outcome occurs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "sim/disk.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

#define CHECK(d) cr_assert(pod_disk_invariants_hold(d), "disk invariants broken at line %d", __LINE__)

static pod_disk *disk_with(const pod_disk_config *c) {
    cr_assert_null(pod_disk_config_check(c), "config: %s", pod_disk_config_check(c));
    pod_disk *d = pod_disk_create(c);
    cr_assert_not_null(d);
    return d;
}

static pod_disk *disk_default(void) {
    pod_disk_config c = pod_disk_config_default();
    return disk_with(&c);
}

static pod_fd open_ok(pod_disk *d, const char *name, uint32_t flags) {
    pod_fd fd = -1;
    pod_status st = pod_disk_open(d, name, flags, &fd);
    cr_assert_eq(st, POD_OK, "open %s: status %d", name, (int)st);
    cr_assert_geq(fd, POD_DISK_FD_BASE);
    return fd;
}

static void write_ok(pod_disk *d, pod_rng *rng, pod_fd fd, uint64_t off, const void *b, uint32_t n) {
    pod_status st = pod_disk_write(d, rng, fd, off, b, n);
    cr_assert_eq(st, POD_OK, "write at %llu len %u: status %d", (unsigned long long)off, n, (int)st);
}

static void fill(uint8_t *b, size_t n, uint8_t c) {
    memset(b, c, n);
}

/* Reads a durable file whole into a new buffer; NULL (and *size 0) when
 * the name is not durable. */
static uint8_t *durable_all(const pod_disk *d, const char *name, uint64_t *size_out) {
    uint64_t size = 0;
    *size_out = 0;
    if (pod_disk_durable_size(d, name, &size) != POD_OK) return NULL;
    uint8_t *buf = malloc(size + 1);
    cr_assert_not_null(buf);
    uint32_t got = 0;
    cr_assert_eq(pod_disk_durable_read(d, name, 0, buf, (uint32_t)size, &got), POD_OK);
    cr_assert_eq(got, size);
    *size_out = size;
    return buf;
}

/* Reads the view through a fresh fd. */
static uint8_t *view_all(pod_disk *d, pod_rng *rng, const char *name, uint64_t *size_out) {
    pod_fd fd = open_ok(d, name, 0);
    uint64_t size = 0;
    cr_assert_eq(pod_disk_size(d, fd, &size), POD_OK);
    uint8_t *buf = malloc(size + 1);
    cr_assert_not_null(buf);
    uint32_t got = 0;
    cr_assert_eq(pod_disk_read(d, rng, fd, 0, buf, (uint32_t)size, &got), POD_OK);
    cr_assert_eq(got, size);
    cr_assert_eq(pod_disk_close(d, fd), POD_OK);
    *size_out = size;
    return buf;
}

/* Makes a file with `n` bytes of `c`, synced and named durably. */
static void make_durable(pod_disk *d, pod_rng *rng, const char *name, uint8_t c, uint32_t n) {
    pod_fd fd = open_ok(d, name, POD_OPEN_CREATE);
    uint8_t *b = malloc(n);
    fill(b, n, c);
    write_ok(d, rng, fd, 0, b, n);
    free(b);
    uint64_t bar = pod_disk_barrier(d);
    cr_assert_eq(pod_disk_sync_file(d, rng, fd, bar), POD_OK);
    cr_assert_eq(pod_disk_sync_dir(d, rng, bar), POD_OK);
    cr_assert_eq(pod_disk_close(d, fd), POD_OK);
}

typedef struct name_list {
    char names[64][POD_FILE_NAME_MAX + 1];
    int count;
} name_list;

static void collect(void *arg, const char *name) {
    name_list *l = arg;
    cr_assert_lt(l->count, 64);
    snprintf(l->names[l->count++], sizeof l->names[0], "%s", name);
}

static bool rng_same(const pod_rng *a, const pod_rng *b) {
    return memcmp(a->s, b->s, sizeof a->s) == 0;
}

/* The durable state as text: "name=C..." for files whose bytes are all C,
 * "name=?" otherwise, in name order, comma-separated. */
static void durable_state(const pod_disk *d, char *out, size_t cap) {
    name_list l = {.count = 0};
    pod_disk_durable_list(d, collect, &l);
    out[0] = '\0';
    for (int i = 0; i < l.count; i++) {
        uint64_t size = 0;
        uint8_t *b = durable_all(d, l.names[i], &size);
        char c = size > 0 ? (char)b[0] : '-';
        for (uint64_t k = 0; k < size; k++) {
            if (b[k] != b[0]) c = '?';
        }
        free(b);
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s=%c", i ? "," : "", l.names[i], c);
    }
}

/* ------------------------------------------------------------------ */
/* Basic file semantics                                                */
/* ------------------------------------------------------------------ */

Test(disk_basic, open_flags_and_existence) {
    pod_disk *d = disk_default();
    pod_fd fd = -1;
    cr_assert_eq(pod_disk_open(d, "a", 0, &fd), POD_ENOENT);
    pod_fd a = open_ok(d, "a", POD_OPEN_CREATE | POD_OPEN_EXCL);
    cr_assert_eq(a, POD_DISK_FD_BASE, "fds start at %d", POD_DISK_FD_BASE);
    cr_assert_eq(pod_disk_open(d, "a", POD_OPEN_CREATE | POD_OPEN_EXCL, &fd), POD_EEXIST);
    cr_assert_eq(pod_disk_open(d, "a", POD_OPEN_EXCL, &fd), POD_EINVAL);
    cr_assert_eq(pod_disk_open(d, "a", 1u << 7, &fd), POD_EINVAL);
    cr_assert_eq(pod_disk_open(d, "a", 0, NULL), POD_EINVAL);
    pod_fd a2 = open_ok(d, "a", POD_OPEN_CREATE); /* opens the existing file */
    cr_assert_neq(a, a2);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.files, 1);
    cr_assert_eq(s.fds_open, 2);
    cr_assert_eq(s.unsynced_names, 1, "one create, not two");
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, write_read_size_and_short_read_at_eof) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 1);
    pod_fd fd = open_ok(d, "f", POD_OPEN_CREATE);
    const char msg[] = "hello, disk";
    write_ok(d, &rng, fd, 0, msg, sizeof msg);
    uint64_t size = 0;
    cr_assert_eq(pod_disk_size(d, fd, &size), POD_OK);
    cr_assert_eq(size, sizeof msg);
    char buf[64] = {0};
    uint32_t got = 99;
    cr_assert_eq(pod_disk_read(d, &rng, fd, 0, buf, sizeof buf, &got), POD_OK);
    cr_assert_eq(got, sizeof msg, "short read only at EOF");
    cr_assert_str_eq(buf, msg);
    cr_assert_eq(pod_disk_read(d, &rng, fd, 7, buf, 4, &got), POD_OK);
    cr_assert_eq(got, 4);
    cr_assert_eq(memcmp(buf, "disk", 4), 0);
    cr_assert_eq(pod_disk_read(d, &rng, fd, sizeof msg, buf, 4, &got), POD_OK);
    cr_assert_eq(got, 0);
    cr_assert_eq(pod_disk_read(d, &rng, fd, 1000, buf, 4, &got), POD_OK);
    cr_assert_eq(got, 0);
    /* Overwrite in the middle, size unchanged. */
    write_ok(d, &rng, fd, 7, "DISK", 4);
    cr_assert_eq(pod_disk_size(d, fd, &size), POD_OK);
    cr_assert_eq(size, sizeof msg);
    cr_assert_eq(pod_disk_read(d, &rng, fd, 0, buf, sizeof buf, &got), POD_OK);
    cr_assert_str_eq(buf, "hello, DISK");
    /* A zero-length write does nothing at all. */
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    uint32_t before = s.unsynced_writes;
    cr_assert_eq(pod_disk_write(d, &rng, fd, 5000, NULL, 0), POD_OK);
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.unsynced_writes, before);
    cr_assert_eq(pod_disk_size(d, fd, &size), POD_OK);
    cr_assert_eq(size, sizeof msg);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, holes_read_as_zeros) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 2);
    pod_fd fd = open_ok(d, "h", POD_OPEN_CREATE);
    write_ok(d, &rng, fd, 10000, "x", 1);
    uint64_t size = 0;
    cr_assert_eq(pod_disk_size(d, fd, &size), POD_OK);
    cr_assert_eq(size, 10001);
    uint8_t buf[10001];
    uint32_t got = 0;
    cr_assert_eq(pod_disk_read(d, &rng, fd, 0, buf, sizeof buf, &got), POD_OK);
    cr_assert_eq(got, 10001);
    for (int i = 0; i < 10000; i++) cr_assert_eq(buf[i], 0, "byte %d of the hole", i);
    cr_assert_eq(buf[10000], 'x');
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, truncate_shrinks_and_grows_with_zeros) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 3);
    pod_fd fd = open_ok(d, "t", POD_OPEN_CREATE);
    uint8_t b[100];
    fill(b, sizeof b, 0xAB);
    write_ok(d, &rng, fd, 0, b, sizeof b);
    cr_assert_eq(pod_disk_truncate(d, fd, 10), POD_OK);
    uint64_t size = 0;
    cr_assert_eq(pod_disk_size(d, fd, &size), POD_OK);
    cr_assert_eq(size, 10);
    cr_assert_eq(pod_disk_truncate(d, fd, 50), POD_OK);
    uint8_t r[60];
    uint32_t got = 0;
    cr_assert_eq(pod_disk_read(d, &rng, fd, 0, r, sizeof r, &got), POD_OK);
    cr_assert_eq(got, 50);
    for (int i = 0; i < 10; i++) cr_assert_eq(r[i], 0xAB);
    for (int i = 10; i < 50; i++) cr_assert_eq(r[i], 0, "old bytes must not come back at %d", i);
    cr_assert_eq(pod_disk_truncate(d, fd, UINT64_MAX), POD_EINVAL);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, name_limits) {
    pod_disk *d = disk_default();
    pod_fd fd;
    char name63[64], name64[65];
    memset(name63, 'n', 63);
    name63[63] = '\0';
    memset(name64, 'n', 64);
    name64[64] = '\0';
    open_ok(d, name63, POD_OPEN_CREATE);
    cr_assert_eq(pod_disk_open(d, name64, POD_OPEN_CREATE, &fd), POD_EINVAL);
    cr_assert_eq(pod_disk_open(d, "", POD_OPEN_CREATE, &fd), POD_EINVAL);
    cr_assert_eq(pod_disk_open(d, NULL, POD_OPEN_CREATE, &fd), POD_EINVAL);
    cr_assert_eq(pod_disk_open(d, "a/b", POD_OPEN_CREATE, &fd), POD_EINVAL);
    cr_assert_eq(pod_disk_open(d, ".", POD_OPEN_CREATE, &fd), POD_EINVAL);
    cr_assert_eq(pod_disk_open(d, "..", POD_OPEN_CREATE, &fd), POD_EINVAL);
    cr_assert_eq(pod_disk_rename(d, name63, name64), POD_EINVAL);
    cr_assert_eq(pod_disk_unlink(d, name64), POD_EINVAL);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.names, 1, "failed calls change nothing");
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, fd_limit_and_lowest_free_fd) {
    pod_disk_config c = pod_disk_config_default();
    c.fds_max = 4;
    pod_disk *d = disk_with(&c);
    pod_fd fds[4];
    for (int i = 0; i < 4; i++) {
        fds[i] = open_ok(d, "f", POD_OPEN_CREATE);
        cr_assert_eq(fds[i], POD_DISK_FD_BASE + i);
    }
    pod_fd fd;
    cr_assert_eq(pod_disk_open(d, "f", 0, &fd), POD_ELIMIT);
    cr_assert_eq(pod_disk_open(d, "g", POD_OPEN_CREATE, &fd), POD_ELIMIT);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.files, 1, "a create that found no fd created nothing");
    cr_assert_eq(pod_disk_close(d, fds[1]), POD_OK);
    cr_assert_eq(open_ok(d, "f", 0), fds[1], "the lowest free fd is reused");
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, bad_fds_are_ebadf) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 4);
    pod_fd fd = open_ok(d, "f", POD_OPEN_CREATE);
    cr_assert_eq(pod_disk_close(d, fd), POD_OK);
    const pod_fd bad[] = {fd, -1, 0, 1, 2, 1000000, INT32_MAX, INT32_MIN};
    uint8_t buf[4];
    uint32_t got;
    uint64_t size;
    pod_disk_file_ref ref;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(pod_disk_close(d, bad[i]), POD_EBADF);
        cr_assert_eq(pod_disk_size(d, bad[i], &size), POD_EBADF);
        cr_assert_eq(pod_disk_read(d, &rng, bad[i], 0, buf, 4, &got), POD_EBADF);
        cr_assert_eq(pod_disk_write(d, &rng, bad[i], 0, buf, 4), POD_EBADF);
        cr_assert_eq(pod_disk_truncate(d, bad[i], 0), POD_EBADF);
        cr_assert_eq(pod_disk_sync_file(d, &rng, bad[i], pod_disk_barrier(d)), POD_EBADF);
        cr_assert_eq(pod_disk_fd_file(d, bad[i], &ref), POD_EBADF);
    }
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, file_limit_is_enospc_and_slots_come_back) {
    pod_disk_config c = pod_disk_config_default();
    c.files_max = 3;
    pod_disk *d = disk_with(&c);
    pod_rng rng;
    pod_rng_seed(&rng, 5);
    pod_fd fd;
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "f%d", i);
        pod_disk_close(d, open_ok(d, name, POD_OPEN_CREATE));
    }
    cr_assert_eq(pod_disk_open(d, "f3", POD_OPEN_CREATE, &fd), POD_ENOSPC);
    /* An unsynced unlink still holds the file (a crash may undo it). */
    cr_assert_eq(pod_disk_unlink(d, "f0"), POD_OK);
    cr_assert_eq(pod_disk_open(d, "f3", POD_OPEN_CREATE, &fd), POD_ENOSPC);
    cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_OK);
    pod_disk_close(d, open_ok(d, "f3", POD_OPEN_CREATE));
    name_list l = {.count = 0};
    cr_assert_eq(pod_disk_list(d, collect, &l), POD_OK);
    cr_assert_eq(l.count, 3);
    cr_assert_str_eq(l.names[0], "f1");
    cr_assert_str_eq(l.names[2], "f3");
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, capacity_is_enospc_and_a_failed_write_changes_nothing) {
    pod_disk_config c = pod_disk_config_default();
    c.capacity_bytes = 10000;
    pod_disk *d = disk_with(&c);
    pod_rng rng;
    pod_rng_seed(&rng, 6);
    pod_fd fd = open_ok(d, "f", POD_OPEN_CREATE);
    static uint8_t b[8000];
    fill(b, sizeof b, 'a');
    write_ok(d, &rng, fd, 0, b, 8000);
    pod_disk_stats s0, s1;
    pod_disk_stats_get(d, &s0);
    cr_assert_eq(s0.used_bytes, 8000);
    cr_assert_eq(pod_disk_write(d, &rng, fd, 8000, b, 3000), POD_ENOSPC);
    cr_assert_eq(pod_disk_truncate(d, fd, 10001), POD_ENOSPC);
    pod_disk_stats_get(d, &s1);
    cr_assert_eq(s1.unsynced_writes, s0.unsynced_writes);
    cr_assert_eq(s1.used_bytes, 8000);
    cr_assert_eq(s1.write_enospc_full, 2);
    write_ok(d, &rng, fd, 100, b, 7900); /* overwriting needs no space */
    write_ok(d, &rng, fd, 8000, b, 2000); /* exactly full */
    cr_assert_eq(pod_disk_write(d, &rng, fd, 10000, b, 1), POD_ENOSPC);
    /* Another file cannot take space either; removing one gives it back
     * once the removal is durable and the file closed. */
    pod_fd g = open_ok(d, "g", POD_OPEN_CREATE);
    cr_assert_eq(pod_disk_write(d, &rng, g, 0, b, 1), POD_ENOSPC);
    cr_assert_eq(pod_disk_unlink(d, "f"), POD_OK);
    cr_assert_eq(pod_disk_close(d, fd), POD_OK);
    cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_OK);
    write_ok(d, &rng, g, 0, b, 8000);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, unsynced_limits_are_elimit_until_synced) {
    pod_disk_config c = pod_disk_config_default();
    c.unsynced_ops_max = 3;
    c.unsynced_bytes_max = 100;
    c.unsynced_names_max = 2;
    pod_disk *d = disk_with(&c);
    pod_rng rng;
    pod_rng_seed(&rng, 7);
    uint8_t b[100] = {0};
    pod_fd fd = open_ok(d, "f", POD_OPEN_CREATE);
    cr_assert_eq(pod_disk_write(d, &rng, fd, 0, b, 101), POD_ELIMIT);
    write_ok(d, &rng, fd, 0, b, 60);
    cr_assert_eq(pod_disk_write(d, &rng, fd, 0, b, 41), POD_ELIMIT, "bytes limit");
    write_ok(d, &rng, fd, 0, b, 40);
    cr_assert_eq(pod_disk_truncate(d, fd, 5), POD_OK);
    cr_assert_eq(pod_disk_truncate(d, fd, 6), POD_ELIMIT, "ops limit");
    cr_assert_eq(pod_disk_sync_file(d, &rng, fd, pod_disk_barrier(d)), POD_OK);
    write_ok(d, &rng, fd, 0, b, 100);
    /* Namespace changes: one create so far. */
    cr_assert_eq(pod_disk_rename(d, "f", "g"), POD_OK);
    cr_assert_eq(pod_disk_rename(d, "g", "h"), POD_ELIMIT);
    cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_OK);
    cr_assert_eq(pod_disk_rename(d, "g", "h"), POD_OK);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, offsets_past_the_file_limit_are_einval) {
    pod_disk_config c = pod_disk_config_default();
    c.file_size_max_bytes = 1000;
    pod_disk *d = disk_with(&c);
    pod_rng rng;
    pod_rng_seed(&rng, 8);
    pod_fd fd = open_ok(d, "f", POD_OPEN_CREATE);
    uint8_t b[10] = {0};
    write_ok(d, &rng, fd, 990, b, 10);
    cr_assert_eq(pod_disk_write(d, &rng, fd, 991, b, 10), POD_EINVAL);
    cr_assert_eq(pod_disk_write(d, &rng, fd, UINT64_MAX, b, 10), POD_EINVAL);
    cr_assert_eq(pod_disk_write(d, &rng, fd, UINT64_MAX - 3, b, 10), POD_EINVAL);
    cr_assert_eq(pod_disk_truncate(d, fd, 1001), POD_EINVAL);
    cr_assert_eq(pod_disk_write(d, &rng, fd, 0, NULL, 10), POD_EINVAL);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, rename_replaces_atomically_and_open_fds_follow_the_file) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 9);
    pod_fd a = open_ok(d, "a", POD_OPEN_CREATE);
    pod_fd b = open_ok(d, "b", POD_OPEN_CREATE);
    write_ok(d, &rng, a, 0, "AAAA", 4);
    write_ok(d, &rng, b, 0, "BB", 2);
    cr_assert_eq(pod_disk_rename(d, "a", "b"), POD_OK);
    pod_fd x;
    cr_assert_eq(pod_disk_open(d, "a", 0, &x), POD_ENOENT);
    uint64_t size = 0;
    uint8_t *v = view_all(d, &rng, "b", &size);
    cr_assert_eq(size, 4);
    cr_assert_eq(memcmp(v, "AAAA", 4), 0);
    free(v);
    /* The replaced file lives on behind its fd, as on POSIX. */
    char buf[8];
    uint32_t got = 0;
    cr_assert_eq(pod_disk_read(d, &rng, b, 0, buf, sizeof buf, &got), POD_OK);
    cr_assert_eq(got, 2);
    cr_assert_eq(memcmp(buf, "BB", 2), 0);
    write_ok(d, &rng, a, 4, "!", 1); /* a's fd writes to the file now named b */
    v = view_all(d, &rng, "b", &size);
    cr_assert_eq(size, 5);
    free(v);
    cr_assert_eq(pod_disk_rename(d, "missing", "c"), POD_ENOENT);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    uint32_t changes = s.unsynced_names;
    cr_assert_eq(pod_disk_rename(d, "b", "b"), POD_OK);
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.unsynced_names, changes, "renaming a file to itself changes nothing");
    cr_assert_eq(s.names, 1);
    cr_assert_eq(s.files, 2);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_basic, unlinked_open_file_stays_usable_and_the_name_is_free) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 10);
    pod_fd fd = open_ok(d, "u", POD_OPEN_CREATE);
    write_ok(d, &rng, fd, 0, "old", 3);
    cr_assert_eq(pod_disk_unlink(d, "u"), POD_OK);
    cr_assert_eq(pod_disk_unlink(d, "u"), POD_ENOENT);
    write_ok(d, &rng, fd, 3, "er", 2);
    char buf[8];
    uint32_t got = 0;
    cr_assert_eq(pod_disk_read(d, &rng, fd, 0, buf, sizeof buf, &got), POD_OK);
    cr_assert_eq(got, 5);
    cr_assert_eq(memcmp(buf, "older", 5), 0);
    pod_fd fresh = open_ok(d, "u", POD_OPEN_CREATE | POD_OPEN_EXCL);
    uint64_t size = 99;
    cr_assert_eq(pod_disk_size(d, fresh, &size), POD_OK);
    cr_assert_eq(size, 0, "a new file, not the unlinked one");
    cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_OK);
    cr_assert_eq(pod_disk_sync_file(d, &rng, fd, pod_disk_barrier(d)), POD_OK);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.files, 2);
    cr_assert_eq(pod_disk_close(d, fd), POD_OK);
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.files, 1, "the last close frees an unlinked file");
    cr_assert_eq(s.used_bytes, 0);
    CHECK(d);
    pod_disk_destroy(d);
}

static void unlink_while_listing(void *arg, const char *name) {
    pod_disk *d = arg;
    cr_assert_eq(pod_disk_unlink(d, name), POD_OK, "unlink %s during list", name);
}

Test(disk_basic, list_is_in_byte_order_over_a_snapshot) {
    pod_disk *d = disk_default();
    const char *names[] = {"b", "a", "B", "\xff", "a0", "_", "\x01", "aa"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        pod_disk_close(d, open_ok(d, names[i], POD_OPEN_CREATE));
    }
    name_list l = {.count = 0};
    cr_assert_eq(pod_disk_list(d, collect, &l), POD_OK);
    const char *want[] = {"\x01", "B", "_", "a", "a0", "aa", "b", "\xff"};
    cr_assert_eq(l.count, 8);
    for (int i = 0; i < 8; i++) cr_assert_str_eq(l.names[i], want[i], "position %d", i);
    cr_assert_eq(pod_disk_list(d, NULL, NULL), POD_EINVAL);
    /* A visitor may change the directory: it sees the snapshot. */
    cr_assert_eq(pod_disk_list(d, unlink_while_listing, d), POD_OK);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.names, 0);
    CHECK(d);
    pod_disk_destroy(d);
}

/* ------------------------------------------------------------------ */
/* Durability and barriers                                             */
/* ------------------------------------------------------------------ */

/* Synced bytes survive every crash, even when an unsynced write shares
 * their sector (powersafe overwrite, the default). */
Test(disk_durability, synced_data_survives_any_crash) {
    static uint8_t synced[5000], later[3000];
    fill(synced, sizeof synced, 'S');
    fill(later, sizeof later, 'L');
    int later_lost = 0, later_kept = 0;
    for (uint64_t seed = 0; seed < 300; seed++) {
        pod_disk *d = disk_default();
        pod_rng rng;
        pod_rng_seed(&rng, seed);
        pod_fd fd = open_ok(d, "wal", POD_OPEN_CREATE);
        write_ok(d, &rng, fd, 0, synced, sizeof synced);
        uint64_t bar = pod_disk_barrier(d);
        write_ok(d, &rng, fd, sizeof synced, later, sizeof later); /* after the barrier */
        cr_assert_eq(pod_disk_sync_file(d, &rng, fd, bar), POD_OK);
        cr_assert_eq(pod_disk_sync_dir(d, &rng, bar), POD_OK);
        pod_disk_stats s;
        pod_disk_stats_get(d, &s);
        cr_assert_eq(s.unsynced_writes, 1, "the write after the barrier is not covered");
        uint64_t dsize = 0;
        cr_assert_eq(pod_disk_durable_size(d, "wal", &dsize), POD_OK);
        cr_assert_eq(dsize, sizeof synced);
        write_ok(d, &rng, fd, 10000, later, 100); /* more unsynced data */
        pod_disk_crash(d, &rng);
        CHECK(d);
        uint64_t size = 0;
        uint8_t *b = durable_all(d, "wal", &size);
        cr_assert_not_null(b, "seed %llu: the synced file vanished", (unsigned long long)seed);
        cr_assert_geq(size, sizeof synced);
        cr_assert_eq(memcmp(b, synced, sizeof synced), 0, "seed %llu: synced bytes changed",
                     (unsigned long long)seed);
        bool all_later = size >= 8000 && memcmp(b + 5000, later, sizeof later) == 0;
        if (size == sizeof synced) later_lost++;
        if (all_later) later_kept++;
        /* After a crash the view is the durable state. */
        uint64_t vsize = 0;
        uint8_t *v = view_all(d, &rng, "wal", &vsize);
        cr_assert_eq(vsize, size);
        cr_assert_eq(memcmp(v, b, size), 0);
        free(v);
        free(b);
        pod_disk_destroy(d);
    }
    cr_assert_gt(later_lost, 0, "unsynced data is sometimes lost");
    cr_assert_gt(later_kept, 0, "unsynced data sometimes survives");
}

Test(disk_durability, sync_covers_only_its_file) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 11);
    pod_fd a = open_ok(d, "a", POD_OPEN_CREATE);
    pod_fd b = open_ok(d, "b", POD_OPEN_CREATE);
    write_ok(d, &rng, a, 0, "aaaa", 4);
    write_ok(d, &rng, b, 0, "bbbb", 4);
    write_ok(d, &rng, a, 4, "AAAA", 4);
    cr_assert_eq(pod_disk_sync_file(d, &rng, a, pod_disk_barrier(d)), POD_OK);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.unsynced_writes, 1);
    cr_assert_eq(s.unsynced_bytes, 4);
    pod_disk_file_ref ref;
    cr_assert_eq(pod_disk_fd_file(d, b, &ref), POD_OK);
    cr_assert_eq(pod_disk_file_unsynced_bytes(d, ref), 4);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_durability, sync_by_ref_completes_after_close) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 12);
    make_durable(d, &rng, "f", 'o', 10);
    pod_fd fd = open_ok(d, "f", 0);
    write_ok(d, &rng, fd, 0, "nnnnnnnnnn", 10);
    pod_disk_file_ref ref;
    cr_assert_eq(pod_disk_fd_file(d, fd, &ref), POD_OK);
    uint64_t bar = pod_disk_barrier(d);
    cr_assert_eq(pod_disk_close(d, fd), POD_OK); /* the node closes before completion */
    cr_assert_eq(pod_disk_sync_ref(d, &rng, ref, bar), POD_OK);
    char state[256];
    durable_state(d, state, sizeof state);
    cr_assert_str_eq(state, "f=n");
    /* A file that is gone has nothing to sync. */
    cr_assert_eq(pod_disk_unlink(d, "f"), POD_OK);
    cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_OK);
    pod_rng before = rng;
    cr_assert_eq(pod_disk_sync_ref(d, &rng, ref, pod_disk_barrier(d)), POD_OK);
    cr_assert(rng_same(&before, &rng));
    CHECK(d);
    pod_disk_destroy(d);
}

/* A file sync does not make the file's name durable: only a directory
 * sync does. */
Test(disk_durability, file_sync_without_dir_sync_may_lose_the_file) {
    int lost = 0, kept = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        for (int dir_sync = 0; dir_sync < 2; dir_sync++) {
            pod_disk *d = disk_default();
            pod_rng rng;
            pod_rng_seed(&rng, seed);
            pod_fd fd = open_ok(d, "new", POD_OPEN_CREATE);
            write_ok(d, &rng, fd, 0, "data", 4);
            uint64_t bar = pod_disk_barrier(d);
            cr_assert_eq(pod_disk_sync_file(d, &rng, fd, bar), POD_OK);
            if (dir_sync) cr_assert_eq(pod_disk_sync_dir(d, &rng, bar), POD_OK);
            pod_disk_crash(d, &rng);
            CHECK(d);
            char state[256];
            durable_state(d, state, sizeof state);
            if (dir_sync) {
                cr_assert_str_eq(state, "new=?", "seed %llu", (unsigned long long)seed);
            } else {
                cr_assert(strcmp(state, "") == 0 || strcmp(state, "new=?") == 0, "state %s", state);
                if (state[0] == '\0') lost++;
                else kept++;
            }
            cr_assert_eq(pod_disk_close(d, fd), POD_EBADF, "a crash closes every fd");
            pod_disk_destroy(d);
        }
    }
    cr_assert_gt(lost, 0);
    cr_assert_gt(kept, 0);
}

/* An unlinked file written and synced through its fd: if the crash undoes
 * the unlink, the file is back with the data synced after the unlink; if
 * the unlink was synced, it never comes back. */
Test(disk_durability, unlinked_open_file_across_crashes) {
    int back = 0, gone = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        for (int synced_unlink = 0; synced_unlink < 2; synced_unlink++) {
            pod_disk *d = disk_default();
            pod_rng rng;
            pod_rng_seed(&rng, seed);
            make_durable(d, &rng, "f", 'a', 8);
            pod_fd fd = open_ok(d, "f", 0);
            cr_assert_eq(pod_disk_unlink(d, "f"), POD_OK);
            if (synced_unlink) cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_OK);
            write_ok(d, &rng, fd, 0, "bbbbbbbb", 8);
            cr_assert_eq(pod_disk_sync_file(d, &rng, fd, pod_disk_barrier(d)), POD_OK);
            pod_disk_crash(d, &rng);
            CHECK(d);
            char state[256];
            durable_state(d, state, sizeof state);
            if (synced_unlink) {
                cr_assert_str_eq(state, "");
            } else {
                cr_assert(strcmp(state, "") == 0 || strcmp(state, "f=b") == 0, "state %s", state);
                if (state[0]) back++;
                else gone++;
            }
            pod_disk_stats s;
            pod_disk_stats_get(d, &s);
            cr_assert_eq(s.files, s.names, "no file outlives the crash without a name");
            pod_disk_destroy(d);
        }
    }
    cr_assert_gt(back, 0);
    cr_assert_gt(gone, 0);
}

/* ------------------------------------------------------------------ */
/* Crash outcomes: every promised one occurs, and nothing else         */
/* ------------------------------------------------------------------ */

typedef struct tear_tally {
    int kept, dropped, mixed;       /* per trial: all new, all old, anything else */
    int sec_old, sec_new, sec_zero, sec_garbage;
    int neighbour_damage;           /* trials where bytes outside the write changed */
} tear_tally;

static uint8_t old_byte(uint64_t i) { return (uint8_t)(0x40 + i % 61); }  /* 0x40..0x7c */
static uint8_t new_byte(uint64_t i) { return (uint8_t)(0x80 + i % 53); }  /* 0x80..0xb4 */

/* Bytes [lo, hi) of b: do at least half match f(i)? */
static bool mostly(const uint8_t *b, uint64_t lo, uint64_t hi, uint8_t (*f)(uint64_t), uint64_t shift) {
    uint64_t same = 0;
    for (uint64_t i = lo; i < hi; i++) same += b[i] == f(i - shift);
    return 2 * same >= hi - lo;
}

static uint8_t zero_byte(uint64_t i) { (void)i; return 0; }

static bool equals(const uint8_t *b, uint64_t lo, uint64_t hi, uint8_t (*f)(uint64_t), uint64_t shift) {
    for (uint64_t i = lo; i < hi; i++) {
        if (b[i] != f(i - shift)) return false;
    }
    return true;
}

/* One trial: a durable 4-sector file of old bytes, one unsynced unaligned
 * write of new bytes across 3-4 sectors, a crash. Classifies each touched
 * sector and asserts that it is exactly old, new, zero or garbage, and that
 * nothing outside the write (outside its sectors, without powersafe
 * overwrite) changed. */
static void tear_trial(uint32_t sector, bool psow, uint64_t seed, tear_tally *t) {
    pod_disk_config c = pod_disk_config_default();
    c.sector_size = sector;
    c.powersafe_overwrite = psow;
    pod_disk *d = disk_with(&c);
    pod_rng rng;
    pod_rng_seed(&rng, seed);
    uint64_t const size = 4ull * sector;
    uint8_t *old = malloc(size);
    for (uint64_t i = 0; i < size; i++) old[i] = old_byte(i);
    pod_fd fd = open_ok(d, "f", POD_OPEN_CREATE);
    write_ok(d, &rng, fd, 0, old, (uint32_t)size);
    uint64_t bar = pod_disk_barrier(d);
    cr_assert_eq(pod_disk_sync_file(d, &rng, fd, bar), POD_OK);
    cr_assert_eq(pod_disk_sync_dir(d, &rng, bar), POD_OK);

    uint64_t const start = sector / 2 + 100;      /* mid-sector */
    uint64_t const len = 2ull * sector + 300;     /* ends mid-sector too */
    uint64_t const end = start + len;
    uint8_t *neu = malloc(len);
    for (uint64_t i = 0; i < len; i++) neu[i] = new_byte(i);
    write_ok(d, &rng, fd, start, neu, (uint32_t)len);
    pod_disk_crash(d, &rng);
    CHECK(d);

    uint64_t got_size = 0;
    uint8_t *b = durable_all(d, "f", &got_size);
    cr_assert_not_null(b);
    cr_assert_eq(got_size, size);
    uint64_t const first = start / sector, last = (end - 1) / sector;
    /* Outside the touched sectors nothing may change, in either mode. */
    cr_assert(equals(b, 0, first * sector, old_byte, 0));
    cr_assert(equals(b, (last + 1) * sector, size, old_byte, 0));
    bool any_old = false, any_other = false, all_new = true;
    for (uint64_t s = first; s <= last; s++) {
        uint64_t const slo = s * sector, shi = slo + sector;
        uint64_t const plo = start > slo ? start : slo, phi = end < shi ? end : shi;
        /* With powersafe overwrite only [plo, phi) may change; without it
         * the whole sector may. */
        uint64_t const lo = psow ? plo : slo, hi = psow ? phi : shi;
        if (psow) {
            cr_assert(equals(b, slo, plo, old_byte, 0), "seed %llu sector %llu: bytes before the write changed",
                      (unsigned long long)seed, (unsigned long long)s);
            cr_assert(equals(b, phi, shi, old_byte, 0), "seed %llu sector %llu: bytes after the write changed",
                      (unsigned long long)seed, (unsigned long long)s);
        }
        bool const outside_old = equals(b, slo, plo, old_byte, 0) && equals(b, phi, shi, old_byte, 0);
        if (equals(b, lo, hi, old_byte, 0)) {
            t->sec_old++;
            any_old = true;
            all_new = false;
        } else if (outside_old && equals(b, plo, phi, new_byte, start)) {
            t->sec_new++;
        } else if (equals(b, lo, hi, zero_byte, 0)) {
            t->sec_zero++;
            any_other = true;
            all_new = false;
        } else {
            /* Garbage: random bytes, unlike old, new and zero nearly
             * everywhere — not some mix of them. */
            cr_assert(!mostly(b, lo, hi, old_byte, 0) && !mostly(b, lo, hi, new_byte, start) &&
                          !mostly(b, lo, hi, zero_byte, 0),
                      "seed %llu sector %llu is neither old, new, zero nor garbage",
                      (unsigned long long)seed, (unsigned long long)s);
            t->sec_garbage++;
            any_other = true;
            all_new = false;
        }
    }
    if (all_new) t->kept++;
    else if (any_old && !any_other && equals(b, start, end, old_byte, 0)) t->dropped++;
    else t->mixed++;
    if (!equals(b, 0, start, old_byte, 0) || !equals(b, end, size, old_byte, 0)) t->neighbour_damage++;
    free(b);
    free(neu);
    free(old);
    pod_disk_destroy(d);
}

static void tear_outcomes(uint32_t sector, bool psow) {
    tear_tally t = {0};
    int const trials = 400;
    for (uint64_t seed = 0; seed < (uint64_t)trials; seed++) tear_trial(sector, psow, seed, &t);
    cr_assert_eq(t.kept + t.dropped + t.mixed, trials);
    cr_assert_gt(t.kept, 0, "a whole write is sometimes kept");
    cr_assert_gt(t.dropped, 0, "a whole write is sometimes dropped");
    cr_assert_gt(t.mixed, 0, "a write is sometimes torn");
    cr_assert_gt(t.sec_old, 0);
    cr_assert_gt(t.sec_new, 0);
    cr_assert_gt(t.sec_zero, 0, "torn sectors are sometimes zeroed");
    cr_assert_gt(t.sec_garbage, 0, "torn sectors are sometimes garbage");
    if (psow) cr_assert_eq(t.neighbour_damage, 0);
    else cr_assert_gt(t.neighbour_damage, 0, "without powersafe overwrite a torn sector hits its neighbours");
}

Test(disk_crash, torn_write_outcomes_4096_sectors) { tear_outcomes(4096, true); }
Test(disk_crash, torn_write_outcomes_512_sectors) { tear_outcomes(512, true); }
Test(disk_crash, torn_write_outcomes_4096_no_powersafe_overwrite) { tear_outcomes(4096, false); }
Test(disk_crash, torn_write_outcomes_512_no_powersafe_overwrite) { tear_outcomes(512, false); }

/* An unsynced write past the end: the file is the old length (dropped) or
 * reaches the write's end (kept or torn; untouched sectors read zeros). */
Test(disk_crash, extending_write_outcomes) {
    int short_ = 0, long_ = 0;
    for (uint64_t seed = 0; seed < 300; seed++) {
        pod_disk_config c = pod_disk_config_default();
        c.sector_size = 512;
        pod_disk *d = disk_with(&c);
        pod_rng rng;
        pod_rng_seed(&rng, seed);
        make_durable(d, &rng, "f", 'o', 1000);
        pod_fd fd = open_ok(d, "f", 0);
        static uint8_t neu[2000];
        fill(neu, sizeof neu, 'n');
        write_ok(d, &rng, fd, 1000, neu, sizeof neu);
        pod_disk_crash(d, &rng);
        uint64_t size = 0;
        uint8_t *b = durable_all(d, "f", &size);
        cr_assert(size == 1000 || size == 3000, "size %llu", (unsigned long long)size);
        for (int i = 0; i < 1000; i++) cr_assert_eq(b[i], 'o');
        if (size == 1000) short_++;
        else long_++;
        free(b);
        pod_disk_destroy(d);
    }
    cr_assert_gt(short_, 0);
    cr_assert_gt(long_, 0);
}

/* An unsynced truncate: undone (old size, bytes intact) or kept. */
Test(disk_crash, unsynced_truncate_is_sometimes_undone) {
    int undone = 0, kept = 0;
    for (uint64_t seed = 0; seed < 200; seed++) {
        pod_disk *d = disk_default();
        pod_rng rng;
        pod_rng_seed(&rng, seed);
        make_durable(d, &rng, "f", 'x', 10000);
        pod_fd fd = open_ok(d, "f", 0);
        cr_assert_eq(pod_disk_truncate(d, fd, 100), POD_OK);
        pod_disk_crash(d, &rng);
        uint64_t size = 0;
        uint8_t *b = durable_all(d, "f", &size);
        cr_assert(size == 100 || size == 10000);
        for (uint64_t i = 0; i < size; i++) cr_assert_eq(b[i], 'x');
        if (size == 100) kept++;
        else undone++;
        free(b);
        pod_disk_destroy(d);
    }
    cr_assert_gt(undone, 0);
    cr_assert_gt(kept, 0);
}

typedef enum { NS_CREATE, NS_RENAME, NS_UNLINK } ns_case;

/* Sets up a durable a=A, b=B, then one namespace change; synced or not;
 * crash; returns the durable state text. */
static void namespace_trial(ns_case which, bool synced, uint64_t seed, char *state, size_t cap) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, seed);
    make_durable(d, &rng, "a", 'A', 100);
    make_durable(d, &rng, "b", 'B', 100);
    switch (which) {
    case NS_CREATE: {
        pod_fd fd = open_ok(d, "c", POD_OPEN_CREATE | POD_OPEN_EXCL);
        uint8_t c[100];
        fill(c, sizeof c, 'C');
        write_ok(d, &rng, fd, 0, c, sizeof c);
        cr_assert_eq(pod_disk_sync_file(d, &rng, fd, pod_disk_barrier(d)), POD_OK);
        break;
    }
    case NS_RENAME:
        cr_assert_eq(pod_disk_rename(d, "a", "b"), POD_OK);
        break;
    case NS_UNLINK:
        cr_assert_eq(pod_disk_unlink(d, "a"), POD_OK);
        break;
    }
    if (synced) cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_OK);
    pod_disk_crash(d, &rng);
    CHECK(d);
    durable_state(d, state, cap);
    pod_disk_destroy(d);
}

static void namespace_outcomes(ns_case which, const char *kept_state) {
    const char *undone_state = "a=A,b=B";
    int undone = 0, kept = 0;
    char state[256];
    for (uint64_t seed = 0; seed < 200; seed++) {
        namespace_trial(which, false, seed, state, sizeof state);
        if (strcmp(state, undone_state) == 0) undone++;
        else if (strcmp(state, kept_state) == 0) kept++;
        else cr_assert_fail("seed %llu: impossible namespace %s", (unsigned long long)seed, state);
        namespace_trial(which, true, seed, state, sizeof state);
        cr_assert_str_eq(state, kept_state, "a synced change is never undone (seed %llu)",
                         (unsigned long long)seed);
    }
    cr_assert_gt(undone, 0, "an unsynced change is sometimes undone");
    cr_assert_gt(kept, 0, "an unsynced change is sometimes kept");
}

Test(disk_crash, unsynced_create_outcomes) { namespace_outcomes(NS_CREATE, "a=A,b=B,c=C"); }
Test(disk_crash, unsynced_rename_outcomes_are_atomic) { namespace_outcomes(NS_RENAME, "b=A"); }
Test(disk_crash, unsynced_unlink_outcomes) { namespace_outcomes(NS_UNLINK, "b=B"); }

/* Changes decided one by one: rename a->b then create a new "a". If the
 * rename is undone, the create finds "a" still taken and is lost with it. */
Test(disk_crash, dependent_namespace_changes) {
    const char *allowed[] = {"a=A,b=B", "b=A", "a=C,b=A"};
    int seen[3] = {0};
    uint64_t lost = 0;
    for (uint64_t seed = 0; seed < 300; seed++) {
        pod_disk *d = disk_default();
        pod_rng rng;
        pod_rng_seed(&rng, seed);
        make_durable(d, &rng, "a", 'A', 10);
        make_durable(d, &rng, "b", 'B', 10);
        cr_assert_eq(pod_disk_rename(d, "a", "b"), POD_OK);
        pod_fd fd = open_ok(d, "a", POD_OPEN_CREATE | POD_OPEN_EXCL);
        write_ok(d, &rng, fd, 0, "CCCCCCCCCC", 10);
        cr_assert_eq(pod_disk_sync_file(d, &rng, fd, pod_disk_barrier(d)), POD_OK);
        pod_disk_crash(d, &rng);
        CHECK(d);
        char state[256];
        durable_state(d, state, sizeof state);
        int match = -1;
        for (int i = 0; i < 3; i++) {
            if (strcmp(state, allowed[i]) == 0) match = i;
        }
        cr_assert_geq(match, 0, "seed %llu: impossible namespace %s", (unsigned long long)seed, state);
        seen[match]++;
        pod_disk_stats s;
        pod_disk_stats_get(d, &s);
        lost += s.crash_names_lost;
        pod_disk_destroy(d);
    }
    for (int i = 0; i < 3; i++) cr_assert_gt(seen[i], 0, "outcome %s never seen", allowed[i]);
    cr_assert_gt(lost, 0);
}

/* ------------------------------------------------------------------ */
/* Injected faults                                                     */
/* ------------------------------------------------------------------ */

/* Linux fsync failure semantics: EIO, the covered data is gone from the
 * view and forgotten, and the next fsync succeeds without it. */
Test(disk_faults, fsync_eio_drops_the_data_and_a_later_fsync_succeeds) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 20);
    make_durable(d, &rng, "f", 'o', 100);
    pod_fd fd = open_ok(d, "f", 0);
    uint8_t n[100];
    fill(n, sizeof n, 'n');
    write_ok(d, &rng, fd, 0, n, 50);
    write_ok(d, &rng, fd, 100, n, 100); /* extends the file */
    uint64_t bar = pod_disk_barrier(d);
    write_ok(d, &rng, fd, 60, "L", 1);  /* after the barrier: not covered */

    pod_disk_faults f = pod_disk_config_of(d)->faults;
    f.fsync_eio_ppm = POD_PPM_ONE;
    pod_disk_set_faults(d, &f);
    cr_assert_eq(pod_disk_sync_file(d, &rng, fd, bar), POD_EIO);
    CHECK(d);
    uint64_t size = 0;
    cr_assert_eq(pod_disk_size(d, fd, &size), POD_OK);
    cr_assert_eq(size, 100, "the covered extension is gone from the view");
    uint8_t b[100];
    uint32_t got = 0;
    cr_assert_eq(pod_disk_read(d, &rng, fd, 0, b, sizeof b, &got), POD_OK);
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(b[i], i == 60 ? 'L' : 'o', "byte %d after the failed fsync", i);
    }
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.unsynced_writes, 1, "only the uncovered write is still dirty");
    cr_assert_eq(s.fsync_eio, 1);

    f.fsync_eio_ppm = 0;
    pod_disk_set_faults(d, &f);
    cr_assert_eq(pod_disk_sync_file(d, &rng, fd, bar), POD_OK, "a retry succeeds...");
    cr_assert_eq(pod_disk_sync_file(d, &rng, fd, pod_disk_barrier(d)), POD_OK);
    pod_disk_crash(d, &rng);
    uint8_t *dur = durable_all(d, "f", &size);
    cr_assert_eq(size, 100);
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(dur[i], i == 60 ? 'L' : 'o', "...but the lost data never comes back (byte %d)", i);
    }
    free(dur);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_faults, dir_fsync_eio_keeps_changes_unsynced) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 21);
    pod_disk_close(d, open_ok(d, "f", POD_OPEN_CREATE));
    pod_disk_faults f = pod_disk_config_of(d)->faults;
    f.dir_fsync_eio_ppm = POD_PPM_ONE;
    pod_disk_set_faults(d, &f);
    cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_EIO);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.unsynced_names, 1);
    cr_assert_eq(s.durable_names, 0);
    cr_assert_eq(s.names, 1, "the view keeps the file");
    f.dir_fsync_eio_ppm = 0;
    pod_disk_set_faults(d, &f);
    cr_assert_eq(pod_disk_sync_dir(d, &rng, pod_disk_barrier(d)), POD_OK);
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.durable_names, 1);
    CHECK(d);
    pod_disk_destroy(d);
}

Test(disk_faults, read_eio_and_injected_enospc) {
    pod_disk *d = disk_default();
    pod_rng rng;
    pod_rng_seed(&rng, 22);
    pod_fd fd = open_ok(d, "f", POD_OPEN_CREATE);
    write_ok(d, &rng, fd, 0, "abc", 3);
    pod_disk_faults f = pod_disk_config_of(d)->faults;
    f.read_eio_ppm = POD_PPM_ONE;
    f.write_enospc_ppm = POD_PPM_ONE;
    pod_disk_set_faults(d, &f);
    char buf[4];
    uint32_t got = 7;
    cr_assert_eq(pod_disk_read(d, &rng, fd, 0, buf, 3, &got), POD_EIO);
    cr_assert_eq(got, 0);
    cr_assert_eq(pod_disk_write(d, &rng, fd, 0, "xyz", 3), POD_ENOSPC);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.unsynced_writes, 1, "the refused write left nothing");
    cr_assert_eq(s.write_enospc_injected, 1);

    f.read_eio_ppm = 500000;
    f.write_enospc_ppm = 0;
    pod_disk_set_faults(d, &f);
    int eio = 0, ok = 0;
    for (int i = 0; i < 200; i++) {
        pod_status st = pod_disk_read(d, &rng, fd, 0, buf, 3, &got);
        if (st == POD_EIO) eio++;
        else {
            cr_assert_eq(st, POD_OK);
            cr_assert_eq(memcmp(buf, "abc", 3), 0, "a read that succeeds reads the right bytes");
            ok++;
        }
    }
    cr_assert_gt(eio, 50);
    cr_assert_gt(ok, 50);
    CHECK(d);
    pod_disk_destroy(d);
}

/* All durable bytes of the disk, name + content, concatenated. */
static size_t durable_snapshot(const pod_disk *d, uint8_t *out, size_t cap) {
    name_list l = {.count = 0};
    pod_disk_durable_list(d, collect, &l);
    size_t n = 0;
    for (int i = 0; i < l.count; i++) {
        uint64_t size = 0;
        uint8_t *b = durable_all(d, l.names[i], &size);
        cr_assert_leq(n + size, cap);
        memcpy(out + n, b, size);
        n += size;
        free(b);
    }
    return n;
}

static int bits_differing(const uint8_t *a, const uint8_t *b, size_t n) {
    int bits = 0;
    for (size_t i = 0; i < n; i++) bits += __builtin_popcount((unsigned)(a[i] ^ b[i]));
    return bits;
}

Test(disk_faults, bitflip_changes_exactly_one_durable_bit) {
    static uint8_t before[40000], after[40000];
    bool hit[3] = {false};
    for (uint64_t seed = 0; seed < 100; seed++) {
        pod_disk *d = disk_default();
        pod_rng rng;
        pod_rng_seed(&rng, seed);
        cr_assert_eq(pod_disk_inject_bitflip(d, &rng), POD_ENOENT, "nothing to flip");
        make_durable(d, &rng, "a", 0x00, 3000);
        make_durable(d, &rng, "b", 0xff, 5000);
        make_durable(d, &rng, "c", 0x5a, 7000);
        size_t n = durable_snapshot(d, before, sizeof before);
        cr_assert_eq(pod_disk_inject_bitflip(d, &rng), POD_OK);
        size_t m = durable_snapshot(d, after, sizeof after);
        cr_assert_eq(n, m);
        cr_assert_eq(bits_differing(before, after, n), 1, "seed %llu", (unsigned long long)seed);
        for (size_t i = 0; i < n; i++) {
            if (before[i] != after[i]) hit[i < 3000 ? 0 : i < 8000 ? 1 : 2] = true;
        }
        /* The cached view hides it until a crash re-reads the disk. */
        uint64_t vsize = 0;
        uint8_t *v = view_all(d, &rng, "b", &vsize);
        for (uint64_t i = 0; i < vsize; i++) cr_assert_eq(v[i], 0xff);
        free(v);
        CHECK(d);
        pod_disk_crash(d, &rng); /* no unsynced change, no bitflip fault */
        m = durable_snapshot(d, before, sizeof before);
        cr_assert_eq(memcmp(before, after, n), 0, "a crash with nothing unsynced changes nothing");
        CHECK(d);
        pod_disk_destroy(d);
    }
    cr_assert(hit[0] && hit[1] && hit[2], "every file can be hit");
}

Test(disk_faults, bitflip_on_crash_and_targeted) {
    static uint8_t before[8192], after[8192];
    pod_disk_config c = pod_disk_config_default();
    c.faults.bitflip_on_crash_ppm = POD_PPM_ONE;
    pod_disk *d = disk_with(&c);
    pod_rng rng;
    pod_rng_seed(&rng, 23);
    make_durable(d, &rng, "f", 'z', 8192);
    size_t n = durable_snapshot(d, before, sizeof before);
    pod_disk_crash(d, &rng);
    size_t m = durable_snapshot(d, after, sizeof after);
    cr_assert_eq(n, m);
    cr_assert_eq(bits_differing(before, after, n), 1);
    /* The view now shows it too. */
    uint64_t vsize = 0;
    uint8_t *v = view_all(d, &rng, "f", &vsize);
    cr_assert_eq(memcmp(v, after, n), 0);
    free(v);
    /* Targeted. */
    cr_assert_eq(pod_disk_flip_bit(d, "f", 100, 3), POD_OK);
    n = durable_snapshot(d, before, sizeof before);
    cr_assert_eq(before[100], after[100] ^ 0x08);
    cr_assert_eq(bits_differing(before, after, n), 1);
    cr_assert_eq(pod_disk_flip_bit(d, "f", 8192, 0), POD_EINVAL);
    cr_assert_eq(pod_disk_flip_bit(d, "f", 0, 8), POD_EINVAL);
    cr_assert_eq(pod_disk_flip_bit(d, "nope", 0, 0), POD_ENOENT);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.bitflips, 2);
    CHECK(d);
    pod_disk_destroy(d);
}

/* Runs every rng-taking call once with the given config; the crash has
 * something of every kind unsynced. */
static void every_call(pod_disk *d, pod_rng *rng) {
    pod_fd fd = open_ok(d, "f", POD_OPEN_CREATE);
    write_ok(d, rng, fd, 0, "abcd", 4);
    char buf[4];
    uint32_t got;
    (void)pod_disk_read(d, rng, fd, 0, buf, 4, &got);
    (void)pod_disk_sync_file(d, rng, fd, pod_disk_barrier(d));
    (void)pod_disk_sync_dir(d, rng, pod_disk_barrier(d));
    (void)pod_disk_latency_ns(d, rng, POD_DISK_WRITE, 4096);
    (void)pod_disk_latency_ns(d, rng, POD_DISK_FSYNC, 4096);
    (void)pod_disk_write(d, rng, fd, 2, "xy", 2);
    (void)pod_disk_truncate(d, fd, 3);
    pod_disk_close(d, open_ok(d, "g", POD_OPEN_CREATE));
    (void)pod_disk_rename(d, "g", "h");
    (void)pod_disk_unlink(d, "f");
    pod_disk_crash(d, rng);
}

/* A config whose every outcome is certain: no draw is needed anywhere. */
static pod_disk_config certain_config(void) {
    pod_disk_config c = pod_disk_config_default();
    c.crash_keep_ppm = POD_PPM_ONE;
    c.crash_drop_ppm = 0;
    c.crash_undo_truncate_ppm = 0;
    c.crash_undo_name_ppm = 0;
    c.write_latency_max_ns = c.write_latency_min_ns;
    c.sync_latency_max_ns = c.sync_latency_min_ns;
    c.faults = (pod_disk_faults){0};
    return c;
}

Test(disk_faults, disabled_faults_draw_nothing) {
    pod_disk_config c = certain_config();
    pod_disk *d = disk_with(&c);
    pod_rng rng, start;
    pod_rng_seed(&rng, 24);
    start = rng;
    every_call(d, &rng);
    cr_assert(rng_same(&start, &rng), "with every fault off and every outcome certain, no draw");
    CHECK(d);
    pod_disk_destroy(d);

    /* And each fault, switched on, does draw: the check above can fail. */
    for (int which = 0; which < 6; which++) {
        c = certain_config();
        uint32_t *ppm[6] = {&c.faults.read_eio_ppm, &c.faults.write_enospc_ppm,
                            &c.faults.fsync_eio_ppm, &c.faults.dir_fsync_eio_ppm,
                            &c.faults.bitflip_on_crash_ppm, &c.faults.stall_ppm};
        *ppm[which] = 1; /* one in a million: it draws, it almost never fires */
        d = disk_with(&c);
        pod_rng_seed(&rng, 24);
        every_call(d, &rng);
        cr_assert(!rng_same(&start, &rng), "fault %d on must draw", which);
        pod_disk_destroy(d);
    }
}

Test(disk_faults, latency_bounds_transfer_and_stalls) {
    pod_disk_config c = pod_disk_config_default();
    c.write_latency_min_ns = 1000;
    c.write_latency_max_ns = 2000;
    c.sync_latency_min_ns = 50000;
    c.sync_latency_max_ns = 50000;
    c.transfer_ns_per_kib = 100;
    pod_disk *d = disk_with(&c);
    pod_rng rng;
    pod_rng_seed(&rng, 25);
    bool lo = false, hi = false;
    for (int i = 0; i < 2000; i++) {
        uint64_t ns = pod_disk_latency_ns(d, &rng, POD_DISK_WRITE, 0);
        cr_assert(ns >= 1000 && ns <= 2000);
        lo |= ns < 1100;
        hi |= ns > 1900;
    }
    cr_assert(lo && hi, "the range is used");
    pod_rng before = rng;
    cr_assert_eq(pod_disk_latency_ns(d, &rng, POD_DISK_FSYNC, 10 * 1024), 50000 + 1000);
    cr_assert_eq(pod_disk_latency_ns(d, &rng, POD_DISK_DIR_FSYNC, 512), 50000 + 50);
    cr_assert(rng_same(&before, &rng), "a fixed latency draws nothing");
    cr_assert_eq(pod_disk_latency_ns(d, &rng, POD_DISK_FSYNC, UINT64_MAX),
                 50000 + (UINT64_MAX / 1024) * 100 + 1023 * 100 / 1024);
    pod_disk_faults f = c.faults;
    f.stall_ppm = POD_PPM_ONE;
    f.stall_min_ns = 1000000000;
    f.stall_max_ns = 2000000000;
    pod_disk_set_faults(d, &f);
    uint64_t ns = pod_disk_latency_ns(d, &rng, POD_DISK_FSYNC, 0);
    cr_assert(ns >= 50000 + 1000000000ull && ns <= 50000 + 2000000000ull);
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    cr_assert_eq(s.stalls, 1);
    pod_disk_destroy(d);

    /* Past 64 bits the sum saturates instead of wrapping. */
    c.transfer_ns_per_kib = POD_DISK_TRANSFER_NS_PER_KIB_MAX;
    d = disk_with(&c);
    cr_assert_eq(pod_disk_latency_ns(d, &rng, POD_DISK_WRITE, UINT64_MAX), UINT64_MAX);
    pod_disk_destroy(d);
}

Test(disk_faults, config_check_rejects_bad_values) {
    pod_disk_config c = pod_disk_config_default();
    cr_assert_null(pod_disk_config_check(&c));
    c.sector_size = 1000;
    cr_assert_not_null(pod_disk_config_check(&c));
    c = pod_disk_config_default();
    c.sector_size = 256;
    cr_assert_not_null(pod_disk_config_check(&c));
    c = pod_disk_config_default();
    c.crash_keep_ppm = 600000;
    c.crash_drop_ppm = 500000;
    cr_assert_not_null(pod_disk_config_check(&c));
    c = pod_disk_config_default();
    c.faults.read_eio_ppm = POD_PPM_ONE + 1;
    cr_assert_not_null(pod_disk_config_check(&c));
    c = pod_disk_config_default();
    c.files_max = 0;
    cr_assert_not_null(pod_disk_config_check(&c));
    c = pod_disk_config_default();
    c.write_latency_min_ns = 10;
    c.write_latency_max_ns = 9;
    cr_assert_not_null(pod_disk_config_check(&c));
}

/* ------------------------------------------------------------------ */
/* Determinism and a random workload                                   */
/* ------------------------------------------------------------------ */

/* A random workload on one disk: writes, truncates, namespace changes,
 * syncs with barriers taken earlier (so later changes are not covered),
 * crashes and bit flips, with moderate faults. Checks the invariants after
 * every step when `check` is set. Returns a hash of the final durable and
 * view state. */
static uint64_t random_workload(uint64_t seed, int steps, bool check, pod_disk_stats *stats_out) {
    pod_disk_config c = pod_disk_config_default();
    c.sector_size = 512;
    c.files_max = 8;
    c.fds_max = 6;
    c.capacity_bytes = 200000;
    c.unsynced_ops_max = 64;
    c.unsynced_names_max = 16;
    c.faults.read_eio_ppm = 20000;
    c.faults.write_enospc_ppm = 20000;
    c.faults.fsync_eio_ppm = 50000;
    c.faults.dir_fsync_eio_ppm = 50000;
    c.faults.bitflip_on_crash_ppm = 100000;
    pod_disk *d = disk_with(&c);
    pod_rng disk_rng, work;
    pod_rng_seed_stream(&disk_rng, seed, POD_STREAM_DISK);
    pod_rng_seed_stream(&work, seed, POD_STREAM_WORKLOAD);
    pod_fd fds[6];
    int nfds = 0;
    /* Syncs in flight: submitted with a barrier, completed later. */
    pod_disk_file_ref refs[8];
    uint64_t bars[8];
    int nsync = 0;
    static uint8_t buf[6000];
    for (int step = 0; step < steps; step++) {
        char name[8], other[8];
        snprintf(name, sizeof name, "f%d", (int)pod_rng_below(&work, 6));
        snprintf(other, sizeof other, "f%d", (int)pod_rng_below(&work, 6));
        pod_fd fd = nfds ? fds[pod_rng_below(&work, (uint64_t)nfds)] : -1;
        switch (pod_rng_below(&work, 14)) {
        case 0:
        case 1: {
            pod_fd nfd;
            if (nfds < 6 && pod_disk_open(d, name, POD_OPEN_CREATE, &nfd) == POD_OK) fds[nfds++] = nfd;
            break;
        }
        case 2:
            if (nfds) {
                int i = (int)pod_rng_below(&work, (uint64_t)nfds);
                cr_assert_eq(pod_disk_close(d, fds[i]), POD_OK);
                fds[i] = fds[--nfds];
            }
            break;
        case 3:
        case 4:
        case 5: {
            uint32_t len = (uint32_t)pod_rng_range(&work, 1, sizeof buf);
            uint64_t off = pod_rng_below(&work, 20000);
            for (uint32_t i = 0; i < len; i++) buf[i] = (uint8_t)pod_rng_next(&work);
            (void)pod_disk_write(d, &disk_rng, fd, off, buf, len);
            break;
        }
        case 6:
            (void)pod_disk_truncate(d, fd, pod_rng_below(&work, 20000));
            break;
        case 7: {
            uint32_t got;
            (void)pod_disk_read(d, &disk_rng, fd, pod_rng_below(&work, 20000), buf, sizeof buf, &got);
            break;
        }
        case 8:
            (void)pod_disk_rename(d, name, other);
            break;
        case 9:
            (void)pod_disk_unlink(d, name);
            break;
        case 10: /* submit a file sync */
            if (nsync < 8 && pod_disk_fd_file(d, fd, &refs[nsync]) == POD_OK) {
                bars[nsync++] = pod_disk_barrier(d);
            }
            break;
        case 11: /* complete the oldest file sync */
            if (nsync) {
                (void)pod_disk_sync_ref(d, &disk_rng, refs[0], bars[0]);
                memmove(refs, refs + 1, (size_t)(nsync - 1) * sizeof refs[0]);
                memmove(bars, bars + 1, (size_t)(nsync - 1) * sizeof bars[0]);
                nsync--;
            }
            break;
        case 12: { /* a directory sync, sometimes missing the latest change */
            uint64_t bar = pod_disk_barrier(d);
            if (bar > 0 && pod_rng_below(&work, 2) == 0) bar--;
            (void)pod_disk_sync_dir(d, &disk_rng, bar);
            break;
        }
        default:
            if (pod_rng_below(&work, 4) == 0) {
                pod_disk_crash(d, &disk_rng);
                nfds = 0;
                nsync = 0; /* in-flight syncs die with the node */
            } else {
                (void)pod_disk_inject_bitflip(d, &disk_rng);
            }
            break;
        }
        if (check) cr_assert(pod_disk_invariants_hold(d), "seed %llu step %d", (unsigned long long)seed, step);
    }
    /* Hash the durable state and the view (read without faults). */
    pod_disk_set_faults(d, &(pod_disk_faults){0});
    XXH64_state_t *h = XXH64_createState();
    XXH64_reset(h, 0);
    name_list l = {.count = 0};
    pod_disk_durable_list(d, collect, &l);
    for (int i = 0; i < l.count; i++) {
        uint64_t size = 0;
        uint8_t *b = durable_all(d, l.names[i], &size);
        XXH64_update(h, l.names[i], strlen(l.names[i]) + 1);
        XXH64_update(h, &size, sizeof size);
        if (size) XXH64_update(h, b, size);
        free(b);
    }
    pod_disk_crash(d, &disk_rng);
    l.count = 0;
    cr_assert_eq(pod_disk_list(d, collect, &l), POD_OK);
    for (int i = 0; i < l.count; i++) {
        uint64_t size = 0;
        uint8_t *b = view_all(d, &disk_rng, l.names[i], &size);
        XXH64_update(h, b, size);
        free(b);
    }
    pod_disk_stats s;
    pod_disk_stats_get(d, &s);
    XXH64_update(h, &s.crashes, sizeof s.crashes);
    if (stats_out) *stats_out = s;
    uint64_t digest = XXH64_digest(h);
    XXH64_freeState(h);
    pod_disk_destroy(d);
    return digest;
}

Test(disk_determinism, same_seed_same_bytes) {
    for (uint64_t seed = 1; seed <= 20; seed++) {
        uint64_t a = random_workload(seed, 400, false, NULL);
        uint64_t b = random_workload(seed, 400, false, NULL);
        cr_assert_eq(a, b, "seed %llu: two runs differ", (unsigned long long)seed);
    }
    int distinct = 0;
    uint64_t first = random_workload(1, 400, false, NULL);
    for (uint64_t seed = 2; seed <= 6; seed++) distinct += random_workload(seed, 400, false, NULL) != first;
    cr_assert_gt(distinct, 0, "different seeds give different disks");
}

/* The draw order is part of the behaviour: the same workload must give the
 * same bytes from every build (gcc, clang, -O0/-O2, sanitizers). Change
 * these constants only for an intended change of the disk's behaviour. */
Test(disk_determinism, known_answer_digests) {
    cr_assert_eq(random_workload(1, 400, false, NULL), 0xfcdc2d958554e087ull);
    cr_assert_eq(random_workload(77, 400, false, NULL), 0x124313c141f51554ull);
}

Test(disk_determinism, random_workload_keeps_invariants) {
    pod_disk_stats sum = {0};
    for (uint64_t seed = 100; seed < 160; seed++) {
        pod_disk_stats s;
        (void)random_workload(seed, 500, true, &s);
        sum.crashes += s.crashes;
        sum.crash_writes_kept += s.crash_writes_kept;
        sum.crash_writes_dropped += s.crash_writes_dropped;
        sum.crash_writes_torn += s.crash_writes_torn;
        sum.crash_truncates_undone += s.crash_truncates_undone;
        sum.crash_names_undone += s.crash_names_undone;
        sum.crash_names_lost += s.crash_names_lost;
        sum.read_eio += s.read_eio;
        sum.write_enospc_injected += s.write_enospc_injected;
        sum.fsync_eio += s.fsync_eio;
        sum.dir_fsync_eio += s.dir_fsync_eio;
        sum.bitflips += s.bitflips;
    }
    /* The workload reaches every path it is meant to check. */
    cr_assert_gt(sum.crash_writes_kept, 0);
    cr_assert_gt(sum.crash_writes_dropped, 0);
    cr_assert_gt(sum.crash_writes_torn, 0);
    cr_assert_gt(sum.crash_truncates_undone, 0);
    cr_assert_gt(sum.crash_names_undone, 0);
    cr_assert_gt(sum.crash_names_lost, 0);
    cr_assert_gt(sum.read_eio, 0);
    cr_assert_gt(sum.write_enospc_injected, 0);
    cr_assert_gt(sum.fsync_eio, 0);
    cr_assert_gt(sum.dir_fsync_eio, 0);
    cr_assert_gt(sum.bitflips, 0);
    cr_log_info("random workload: %llu crashes, %llu writes kept, %llu dropped, %llu torn, "
                "%llu names undone, %llu lost", (unsigned long long)sum.crashes,
                (unsigned long long)sum.crash_writes_kept, (unsigned long long)sum.crash_writes_dropped,
                (unsigned long long)sum.crash_writes_torn, (unsigned long long)sum.crash_names_undone,
                (unsigned long long)sum.crash_names_lost);
}

/* ------------------------------------------------------------------ */
/* The durable version: checkers skip a disk whose version they judged  */
/* ------------------------------------------------------------------ */

/* Every durable name and byte, digested. */
static uint64_t durable_digest(const pod_disk *d) {
    name_list l = {.count = 0};
    pod_disk_durable_list(d, collect, &l);
    uint64_t h = (uint64_t)l.count;
    for (int i = 0; i < l.count; i++) {
        uint64_t size = 0;
        uint8_t *b = durable_all(d, l.names[i], &size);
        h = XXH3_64bits_withSeed(l.names[i], strlen(l.names[i]), h);
        h = XXH3_64bits_withSeed(b, (size_t)size, h);
        free(b);
    }
    return h;
}

/* Random operations of every kind; whenever the version stays put, the
 * durable state must not have changed (the promise checkers rely on),
 * and the version never goes back. */
Test(disk_version, unchanged_version_means_unchanged_durable_state) {
    pod_disk_config config = pod_disk_config_default();
    config.faults.fsync_eio_ppm = 100000; /* failed syncs too: they change nothing durable */
    config.faults.dir_fsync_eio_ppm = 100000;
    pod_disk *d = disk_with(&config);
    pod_rng rng;
    pod_rng_seed(&rng, 2026);
    static const char *const names[] = {"a", "b", "c"};
    pod_fd fds[3] = {0, 0, 0};
    uint32_t moved = 0, still = 0;
    for (int step = 0; step < 4000; step++) {
        uint64_t v0 = pod_disk_durable_version(d), h0 = durable_digest(d);
        uint32_t f = (uint32_t)pod_rng_below(&rng, 3);
        uint8_t buf[64];
        fill(buf, sizeof buf, (uint8_t)('a' + pod_rng_below(&rng, 26)));
        switch (pod_rng_below(&rng, 9)) {
        case 0:
            if (!fds[f]) (void)pod_disk_open(d, names[f], POD_OPEN_CREATE, &fds[f]);
            break;
        case 1:
        case 2:
            if (fds[f]) {
                uint64_t off = pod_rng_below(&rng, 256);
                (void)pod_disk_write(d, &rng, fds[f], off, buf, 1 + (uint32_t)pod_rng_below(&rng, 64));
            }
            break;
        case 3:
            if (fds[f]) (void)pod_disk_sync_file(d, &rng, fds[f], pod_disk_barrier(d));
            break;
        case 4:
            (void)pod_disk_sync_dir(d, &rng, pod_disk_barrier(d));
            break;
        case 5:
            (void)pod_disk_rename(d, names[f], names[(f + 1) % 3]);
            break;
        case 6:
            if (pod_rng_below(&rng, 4) == 0) {
                (void)pod_disk_unlink(d, names[f]);
            } else if (fds[f]) {
                (void)pod_disk_truncate(d, fds[f], pod_rng_below(&rng, 128));
            }
            break;
        case 7:
            if (pod_rng_below(&rng, 8) == 0) (void)pod_disk_inject_bitflip(d, &rng);
            break;
        default:
            if (pod_rng_below(&rng, 16) == 0) {
                pod_disk_crash(d, &rng);
                fds[0] = fds[1] = fds[2] = 0;
            }
            break;
        }
        uint64_t v1 = pod_disk_durable_version(d);
        cr_assert_geq(v1, v0);
        if (v1 == v0) {
            cr_assert_eq(durable_digest(d), h0, "step %d: the durable state changed, the version did not", step);
            still++;
        } else {
            moved++;
        }
        CHECK(d);
    }
    /* Both kinds of step happened, or the test proved nothing. */
    cr_assert_gt(moved, 100);
    cr_assert_gt(still, 1000);
    pod_disk_destroy(d);
}
