/* test_scenario_write.c — scenario text written back: every scenario file
 * and every directive, action and key reads back equal; durations and
 * probabilities are exact at their extremes; the canonical text is stable;
 * buffers that are too small are left untouched; pod_scenario_equal sees
 * every field; and thousands of random valid scenarios round-trip. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario.h"
#include "sim/scenario_write.h"

/* ~600 KB each: static, not on the stack. Criterion runs each test in its
 * own process, so tests do not see each other's state. */
static pod_scenario scn_a, scn_b, scn_c;
static char text[POD_SCN_WRITE_SIZE_MAX];
static char text2[POD_SCN_WRITE_SIZE_MAX];
static size_t text_len;

#define CLUSTER "cluster nodes=3 type=echo\n"

static void parse_or_fail(pod_scenario *scn, const char *what, const char *s, size_t len) {
    pod_scn_error err;
    if (!pod_scenario_parse(scn, "w.scn", s, len, &err))
        cr_assert_fail("%s does not parse: %u:%u: %s\n--- text:\n%.*s", what, err.line, err.col,
                       err.message, (int)len, s);
}

/* write -> parse -> equal, and the text of the result is the same text:
 * the canonical form is a fixed point. Leaves the text in `text`. */
static void round_trip(const pod_scenario *scn, const char *header) {
    cr_assert(pod_scenario_write(scn, header, text, sizeof text, &text_len),
              "write failed, needs %zu bytes", text_len);
    cr_assert_eq(strlen(text), text_len);
    parse_or_fail(&scn_b, "the written text", text, text_len);
    char why[256];
    cr_assert(pod_scenario_equal(scn, &scn_b, why, sizeof why), "%s\n--- text:\n%s", why, text);
    size_t len2 = 0;
    cr_assert(pod_scenario_write(&scn_b, header, text2, sizeof text2, &len2));
    cr_assert(len2 == text_len && memcmp(text, text2, len2) == 0,
              "not canonical:\n--- first:\n%s--- second:\n%s", text, text2);
}

/* Parses src, round-trips it; the written text is left in `text`. */
static void round_trip_text(const char *src) {
    parse_or_fail(&scn_a, "the test input", src, strlen(src));
    round_trip(&scn_a, NULL);
}

/* src round-trips and its text contains `line` as a whole line. */
#define WRITES_LINE(src, line)                                                               \
    do {                                                                                     \
        round_trip_text(src);                                                                \
        cr_expect(has_line(text, line), "no line '%s' in:\n%s", line, text);                \
    } while (0)

static bool has_line(const char *haystack, const char *line) {
    size_t n = strlen(line);
    for (const char *p = haystack; (p = strstr(p, line)) != NULL; p++) {
        bool starts = p == haystack || p[-1] == '\n';
        if (starts && p[n] == '\n')
            return true;
    }
    return false;
}

/* ---- every scenario file ---- */

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(scenario_write, every_scenario_file) {
    const char *dir_path = PODSIM_SOURCE_DIR "/scenarios";
    DIR *dir = opendir(dir_path);
    cr_assert_not_null(dir, "cannot open %s", dir_path);
    enum { NAMES_MAX = 256 };
    char *names[NAMES_MAX];
    size_t count = 0;
    struct dirent *ent;
    while ((ent = readdir(dir)) != NULL) {
        size_t n = strlen(ent->d_name);
        if (n < 5 || strcmp(ent->d_name + n - 4, ".scn") != 0)
            continue;
        cr_assert_lt(count, (size_t)NAMES_MAX);
        names[count] = strdup(ent->d_name);
        cr_assert_not_null(names[count]);
        count++;
    }
    closedir(dir);
    cr_assert_gt(count, 0, "no scenarios in %s", dir_path);
    qsort(names, count, sizeof names[0], compare_names);
    for (size_t i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir_path, names[i]);
        pod_scn_error err;
        cr_assert(pod_scenario_load(&scn_a, path, &err), "%s: %u:%u: %s", names[i], err.line,
                  err.col, err.message);
        char header[300];
        snprintf(header, sizeof header, "from %s", names[i]);
        round_trip(&scn_a, header);
        free(names[i]);
    }
}

/* ---- the canonical text ---- */

Test(scenario_write, canonical_text) {
    round_trip_text("# leader-crash.scn\n"
                    "cluster nodes=5 type=echo\n"
                    "seed 8812731\n"
                    "run 30s\n"
                    "network latency=1ms..10ms\n"
                    "network drop=0.5% dup=0.001\n"
                    "budget events=1000000\n"
                    "node interval_ms=50\n"
                    "at 2s    partition n3,n4,n5 | n1,n2\n"
                    "at 5s    heal\n"
                    "at 10s   crash n1\n"
                    "at 10s   block n2->n3\n"
                    "at 12000ms restart n1\n"
                    "at 20s   heal\n"
                    "expect messages.delivered >= 100\n"
                    "expect messages.dropped > 0\n");
    cr_assert_str_eq(text, "cluster nodes=5 type=echo\n"
                           "seed 8812731\n"
                           "run 30s\n"
                           "network latency=1ms..10ms drop=0.5% dup=0.1%\n"
                           "budget events=1000000\n"
                           "node interval_ms=50\n"
                           "\n"
                           "at 2s partition n3,n4,n5 | n1,n2\n"
                           "at 5s heal\n"
                           "at 10s crash n1\n"
                           "at 10s block n2 -> n3\n"
                           "at 12s restart n1\n"
                           "at 20s heal\n"
                           "\n"
                           "expect messages.delivered >= 100\n"
                           "expect messages.dropped > 0\n");
}

Test(scenario_write, minimal) {
    round_trip_text("cluster nodes=1 type=x\n");
    cr_assert_str_eq(text, "cluster nodes=1 type=x\nrun 10s\n");
}

Test(scenario_write, header_comment) {
    parse_or_fail(&scn_a, "input", CLUSTER, strlen(CLUSTER));
    round_trip(&scn_a, "shrunk by podsim\n\nseed 7\n");
    cr_assert_str_eq(text, "# shrunk by podsim\n#\n# seed 7\n\ncluster nodes=3 type=echo\n"
                           "run 10s\n");
    round_trip(&scn_a, "");
    cr_assert_str_eq(text, "cluster nodes=3 type=echo\nrun 10s\n");
    round_trip(&scn_a, "no newline");
    cr_assert_str_eq(text, "# no newline\n\ncluster nodes=3 type=echo\nrun 10s\n");
    round_trip(&scn_a, "a # b\r\n#c\r\n");

    /* A header line longer than a scenario line is continued, not cut. */
    static char long_header[3 * POD_SCN_LINE_MAX];
    memset(long_header, 'q', sizeof long_header - 1);
    long_header[sizeof long_header - 1] = '\0';
    round_trip(&scn_a, long_header);
    size_t h_count = 0;
    for (const char *p = text; *p != '\0'; p++)
        h_count += *p == 'q';
    cr_assert_eq(h_count, sizeof long_header - 1);
}

/* ---- directives ---- */

Test(scenario_write, cluster_seed_run) {
    WRITES_LINE("cluster type=raft-kv_2 nodes=128\n", "cluster nodes=128 type=raft-kv_2");
    WRITES_LINE(CLUSTER "seed 0\n", "seed 0");
    cr_assert(scn_b.has_seed);
    WRITES_LINE(CLUSTER "seed 18446744073709551615\n", "seed 18446744073709551615");
    round_trip_text(CLUSTER);
    cr_assert_null(strstr(text, "seed"));
    WRITES_LINE(CLUSTER "run 1ns\n", "run 1ns");
    WRITES_LINE(CLUSTER "run 18446744073709551615ns\n", "run 18446744073709551615ns");
}

Test(scenario_write, network_keys) {
    round_trip_text(CLUSTER "network latency=1ms..5ms drop=0 dup=0\n");
    cr_assert_null(strstr(text, "network"), "defaults are not written:\n%s", text);
    WRITES_LINE(CLUSTER "network latency=3ms\n", "network latency=3ms");
    WRITES_LINE(CLUSTER "network latency=0ns..1ms\n", "network latency=0s..1ms");
    WRITES_LINE(CLUSTER "network latency=1ms..6ms\n", "network latency=1ms..6ms");
    WRITES_LINE(CLUSTER "network drop=0.000001\n", "network drop=0.0001%");
    WRITES_LINE(CLUSTER "network dup=1\n", "network dup=100%");
    WRITES_LINE(CLUSTER "network dup=0.0125 drop=12.3456%\n", "network drop=12.3456% dup=1.25%");
}

Test(scenario_write, network_distributions_and_corrupt) {
    WRITES_LINE(CLUSTER "network latency=exp:4ms+1ms\n", "network latency=exp:4ms+1ms");
    WRITES_LINE(CLUSTER "network latency=exp:4ms+0s\n", "network latency=exp:4ms");
    WRITES_LINE(CLUSTER "network latency=exp:1ns+18446744073709551615ns\n",
                "network latency=exp:1ns+18446744073709551615ns");
    WRITES_LINE(CLUSTER "network latency=fixed:3ms\n", "network latency=3ms");
    WRITES_LINE(CLUSTER "network latency=uniform:1ms..6ms\n", "network latency=1ms..6ms");
    WRITES_LINE(CLUSTER "network corrupt=0.5% latency=exp:1ms\n",
                "network latency=exp:1ms corrupt=0.5%");
    round_trip_text(CLUSTER "network latency=uniform:1ms..5ms corrupt=0\n");
    cr_assert_null(strstr(text, "network"), "defaults are not written:\n%s", text);
}

Test(scenario_write, link_lines) {
    /* A link and its reverse with the same settings: one `<->` line. */
    round_trip_text(CLUSTER "network drop=1%\n"
                            "link n1 -> n2 drop=1%\nlink n2 -> n1 drop=1%\n"
                            "link n3 -> n1 latency=exp:2ms+1ms dup=0.5% corrupt=100%\n"
                            "link n1 -> n3 latency=fixed:2ms\n");
    cr_assert(strstr(text, "network drop=1%\n"
                           "link n1 <-> n2 drop=1%\n"
                           "link n3 -> n1 latency=exp:2ms+1ms dup=0.5% corrupt=100%\n"
                           "link n1 -> n3 latency=2ms\n") != NULL,
              "%s", text);
    /* Different settings each way: two lines, keys merged per link. */
    round_trip_text(CLUSTER "link n1 <-> n2 drop=1%\nlink n1 -> n2 dup=2%\n");
    cr_assert(strstr(text, "\nlink n1 -> n2 drop=1% dup=2%\nlink n2 -> n1 drop=1%\n") != NULL, "%s",
              text);
    cr_assert_eq(scn_b.link_count, 2);
    /* Reverses that are not next to each other stay apart. */
    round_trip_text(CLUSTER "link n1 -> n2 drop=1%\nlink n2 -> n3 drop=1%\nlink n2 -> n1 drop=1%\n");
    cr_assert(strstr(text, "link n1 -> n2 drop=1%\nlink n2 -> n3 drop=1%\nlink n2 -> n1 drop=1%\n") !=
                  NULL,
              "%s", text);
}

Test(scenario_write, disk_keys) {
    round_trip_text(CLUSTER "disk sector=4096 latency=10us..100us sync_latency=100us..2ms\n");
    cr_assert_null(strstr(text, "disk"), "defaults are not written:\n%s", text);
    WRITES_LINE(CLUSTER "disk sector=512\n", "disk sector=512");
    WRITES_LINE(CLUSTER "disk sector=65536\n", "disk sector=65536");
    WRITES_LINE(CLUSTER "disk latency=1us\n", "disk latency=1us");
    WRITES_LINE(CLUSTER "disk sync_latency=1ms..1.5ms\n", "disk sync_latency=1ms..1.5ms");
    WRITES_LINE(CLUSTER "disk read_eio=0.5%\n", "disk read_eio=0.5%");
    WRITES_LINE(CLUSTER "disk enospc=0.1\n", "disk enospc=10%");
    WRITES_LINE(CLUSTER "disk fsync_eio=1%\n", "disk fsync_eio=1%");
    WRITES_LINE(CLUSTER "disk dir_fsync_eio=0.999999\n", "disk dir_fsync_eio=99.9999%");
    WRITES_LINE(CLUSTER "disk bitflip=100%\n", "disk bitflip=100%");
    WRITES_LINE(CLUSTER "disk stall=0.02\n", "disk stall=2%");
    WRITES_LINE(CLUSTER "disk stall_time=1s..2s\n", "disk stall_time=1s..2s");
    WRITES_LINE(CLUSTER "disk stall_time=0s\n", "disk stall_time=0s");
    WRITES_LINE(CLUSTER "disk stall=1% sector=1024\ndisk stall_time=5ms bitflip=1\n",
                "disk sector=1024 bitflip=100% stall=1% stall_time=5ms");
}

Test(scenario_write, workload_keys) {
    /* A workload line writes every key, defaults too. */
    WRITES_LINE("cluster nodes=3 type=kv\nworkload keys=16\n",
                "workload clients=1 mix=put:40,get:30,delete:10,cas:10,txn:10 keys=16 "
                "dist=uniform value=8..64 think=1ms..10ms timeout=1s");
    WRITES_LINE("cluster nodes=3 type=kv\n"
                "workload clients=64 mix=txn:1000,get:0 keys=100000 dist=hotspot value=4096\n"
                "workload think=0s timeout=1ns\n",
                "workload clients=64 mix=txn:1000 keys=100000 dist=hotspot value=4096 think=0s "
                "timeout=1ns");
    WRITES_LINE("cluster nodes=1 type=kv\n"
                "workload mix=cas:7,delete:1 value=1..4096 keys=1 think=1.5s..18446744073709551615ns\n",
                "workload clients=1 mix=delete:1,cas:7 keys=1 dist=uniform value=1..4096 "
                "think=1.5s..18446744073709551615ns timeout=1s");
    round_trip_text(CLUSTER);
    cr_assert_null(strstr(text, "workload"));
}

Test(scenario_write, budget_keys) {
    round_trip_text(CLUSTER "budget events=50000000 pending=1000000\n");
    cr_assert_null(strstr(text, "budget"), "defaults are not written:\n%s", text);
    WRITES_LINE(CLUSTER "budget events=1\n", "budget events=1");
    WRITES_LINE(CLUSTER "budget pending=4294967295 events=18446744073709551615\n",
                "budget events=18446744073709551615 pending=4294967295");
    WRITES_LINE(CLUSTER "budget pending=1\n", "budget pending=1");
}

Test(scenario_write, node_params) {
    round_trip_text(CLUSTER "node b=2 a=1\nnode tag=a#b url=x=y\n");
    cr_assert(strstr(text, "node b=2\nnode a=1\nnode tag=a#b\nnode url=x=y\n") != NULL, "%s",
              text);
    /* A value's own final "\r" survives the reader's CRLF handling. */
    round_trip_text(CLUSTER "node cr=a\r\r\nnode x=\x01\xff\r\n");
    cr_assert_str_eq(scn_b.params[0].value, "a\r");
    cr_assert_str_eq(scn_b.params[1].value, "\x01\xff");
}

Test(scenario_write, every_action) {
    round_trip_text("cluster nodes=4 type=echo\nrun 1h\n"
                    "at 0s crash n1\n"
                    "at 0s restart n2\n"
                    "at 1ns pause n3\n"
                    "at 1500ms resume n4\n"
                    "at 2s isolate n4\n"
                    "at 2s block n4->n1\n"
                    "at 3s partition n1|n2|n3|n4\n"
                    "at 3s clog n1->n2 for 500ms\n"
                    "at 3s clog n4<->n3 for 1.5s\n"
                    "at 4s..1h flap n2,n4|n1|n3 every 1.5s\n"
                    "at 1h heal\n");
    cr_assert(strstr(text, "\nat 0s crash n1\n"
                           "at 0s restart n2\n"
                           "at 1ns pause n3\n"
                           "at 1.5s resume n4\n"
                           "at 2s isolate n4\n"
                           "at 2s block n4 -> n1\n"
                           "at 3s partition n1 | n2 | n3 | n4\n"
                           "at 3s clog n1 -> n2 for 500ms\n"
                           "at 3s clog n4 <-> n3 for 1.5s\n"
                           "at 4s..1h flap n2,n4 | n1 | n3 every 1.5s\n"
                           "at 1h heal\n") != NULL,
              "%s", text);
}

Test(scenario_write, expects) {
    round_trip_text(CLUSTER "expect a < 0\nexpect b <= 1\nexpect c.d == 2\nexpect e != 3\n"
                            "expect f_g >= 4\nexpect h > 18446744073709551615\n");
    cr_assert(strstr(text, "\nexpect a < 0\nexpect b <= 1\nexpect c.d == 2\nexpect e != 3\n"
                           "expect f_g >= 4\nexpect h > 18446744073709551615\n") != NULL,
              "%s", text);
}

/* ---- durations and probabilities ---- */

typedef struct duration_case {
    uint64_t ns;
    const char *text;
} duration_case;

Test(scenario_write, durations) {
    static const duration_case cases[] = {
        {0, "0s"},
        {1, "1ns"},
        {999, "999ns"},
        {1000, "1us"},
        {1500, "1.5us"},
        {750000000, "750ms"},
        {1500000000, "1.5s"},
        {2100000000, "2.1s"},
        {1000000001, "1000000001ns"}, /* a tie: the whole number */
        {1000000010, "1.00000001s"},
        {90000000000ull, "90s"},
        {60000000000ull, "1m"},
        {3600000000000ull, "1h"},
        {5400000000000ull, "90m"},
        {3600000000001ull, "3600000000001ns"},
        {3600500000000ull, "3600.5s"},
        {12345678900ull, "12.3456789s"},
        {UINT64_MAX, "18446744073709551615ns"},
        {UINT64_MAX - 615, "18446744073709551us"},
        {UINT64_MAX - 615 + 1, "18446744073709551001ns"},
        {18446744073000000000ull, "18446744073s"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parse_or_fail(&scn_a, "input", CLUSTER, strlen(CLUSTER));
        scn_a.run_ns = cases[i].ns == 0 ? 1 : cases[i].ns;
        scn_a.network.latency_min_ns = cases[i].ns;
        scn_a.network.latency_max_ns = cases[i].ns;
        round_trip(&scn_a, NULL);
        char want[96];
        snprintf(want, sizeof want, "network latency=%s", cases[i].text);
        cr_expect(has_line(text, want), "%" PRIu64 "ns: no '%s' in:\n%s", cases[i].ns, want,
                  text);
        uint64_t back = 0;
        cr_expect(pod_parse_duration(cases[i].text, strlen(cases[i].text), &back) &&
                      back == cases[i].ns,
                  "%s", cases[i].text);
    }
}

/* Every nanosecond count near the interesting boundaries reads back. */
Test(scenario_write, durations_near_units) {
    static const uint64_t bases[] = {0,           1000,          1000000,        1000000000,
                                     60000000000, 3600000000000, UINT64_MAX - 64};
    parse_or_fail(&scn_a, "input", CLUSTER, strlen(CLUSTER));
    scn_a.run_ns = UINT64_MAX;
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        for (uint64_t d = 0; d < 64; d++) {
            scn_a.network.latency_min_ns = bases[b] + d;
            scn_a.network.latency_max_ns = bases[b] + d;
            round_trip(&scn_a, NULL);
        }
    }
}

/* The next probability to try: every value near 0 and near 1, where the
 * decimals are longest, and a stride through the middle. */
static uint32_t next_ppm(uint32_t ppm) {
    return ppm < 20000 || ppm >= 980000 ? ppm + 1 : ppm + 37;
}

Test(scenario_write, probabilities) {
    /* Eight probability keys per scenario, each round trip checks eight. */
    parse_or_fail(&scn_a, "input", CLUSTER, strlen(CLUSTER));
    uint32_t *keys[] = {&scn_a.network.drop_ppm,     &scn_a.network.dup_ppm,
                        &scn_a.disk.read_eio_ppm,     &scn_a.disk.write_enospc_ppm,
                        &scn_a.disk.fsync_eio_ppm,    &scn_a.disk.dir_fsync_eio_ppm,
                        &scn_a.disk.bitflip_ppm,      &scn_a.disk.stall_ppm};
    uint32_t ppm = 0;
    while (ppm <= 1000000) {
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            *keys[k] = ppm <= 1000000 ? ppm : 0;
            ppm = next_ppm(ppm);
        }
        cr_assert(pod_scenario_write(&scn_a, NULL, text, sizeof text, &text_len));
        parse_or_fail(&scn_b, "written", text, text_len);
        char why[256];
        cr_assert(pod_scenario_equal(&scn_a, &scn_b, why, sizeof why), "%s\n%s", why, text);
    }
    WRITES_LINE(CLUSTER "network drop=0.0001%\n", "network drop=0.0001%");
    WRITES_LINE(CLUSTER "network drop=0.999999\n", "network drop=99.9999%");
    WRITES_LINE(CLUSTER "network drop=50%\n", "network drop=50%");
    WRITES_LINE(CLUSTER "network drop=0.01\n", "network drop=1%");
}

/* ---- limits ---- */

Test(scenario_write, largest_cluster_and_partition) {
    /* 128 nodes in 16 groups of 8, interleaved, then a 2-group split. */
    static char src[16384];
    size_t o = 0;
    o += (size_t)snprintf(src + o, sizeof src - o, "cluster nodes=128 type=echo\nat 1s partition");
    for (unsigned g = 0; g < 16; g++) {
        for (unsigned k = 0; k < 8; k++)
            o += (size_t)snprintf(src + o, sizeof src - o, "%sn%u", k == 0 ? (g ? " | " : " ") : ",",
                                  k * 16 + g + 1);
    }
    o += (size_t)snprintf(src + o, sizeof src - o,
                          "\nat 2s partition n128 | n1,n2,n3,n4,n5,n6,n7,n8,n9,n10");
    for (unsigned n = 11; n <= 127; n++)
        o += (size_t)snprintf(src + o, sizeof src - o, ",n%u", n);
    o += (size_t)snprintf(src + o, sizeof src - o, "\n");
    cr_assert_lt(o, sizeof src);
    round_trip_text(src);
    cr_assert_eq(scn_b.actions[0].group_count, 16);
    cr_assert_eq(scn_b.actions[0].group_of[127], 15);
    cr_assert(strstr(text, "at 1s partition n1,n17,n33,n49,n65,n81,n97,n113 | n2,n18,") != NULL,
              "%s", text);
    cr_assert(strstr(text, "at 2s partition n128 | n1,n2,") != NULL, "%s", text);
}

Test(scenario_write, every_limit_at_once) {
    parse_or_fail(&scn_a, "input", "cluster nodes=128 type=echo\n",
                  strlen("cluster nodes=128 type=echo\n"));
    pod_scenario *s = &scn_a;
    s->run_ns = UINT64_MAX;
    for (uint32_t i = 0; i < POD_SCN_PARAMS_MAX; i++) {
        pod_scn_param *p = &s->params[i];
        memset(p->key, 'k', POD_SCN_NAME_MAX);
        snprintf(p->key + POD_SCN_NAME_MAX - 2, 3, "%02u", (unsigned)(i % 100u));
        memset(p->value, '=', POD_SCN_VALUE_MAX);
        p->value[POD_SCN_VALUE_MAX] = '\0';
    }
    s->param_count = POD_SCN_PARAMS_MAX;
    for (uint32_t i = 0; i < POD_SCN_ACTIONS_MAX; i++) {
        pod_action *a = &s->actions[i];
        memset(a, 0, sizeof *a);
        a->at_ns = i == POD_SCN_ACTIONS_MAX - 1 ? UINT64_MAX : (uint64_t)i * 1000000007u;
        a->kind = (pod_action_kind)(POD_ACT_CRASH + i % 8);
        a->node = (uint16_t)(i % 128);
        a->peer = (uint16_t)((i + 1) % 128);
        for (uint32_t n = 0; n < 128; n++)
            a->group_of[n] = (uint8_t)(n % 2);
        a->group_count = 2;
    }
    s->action_count = POD_SCN_ACTIONS_MAX;
    for (uint32_t i = 0; i < POD_SCN_EXPECTS_MAX; i++) {
        pod_expect *e = &s->expects[i];
        memset(e->counter, 'c', POD_SCN_NAME_MAX);
        snprintf(e->counter + POD_SCN_NAME_MAX - 2, 3, "%02u", (unsigned)(i % 100u));
        e->cmp = (pod_cmp)(POD_CMP_LT + i % 6);
        e->value = UINT64_MAX - i;
    }
    s->expect_count = POD_SCN_EXPECTS_MAX;
    round_trip(s, NULL);
    cr_assert_lt(text_len, (size_t)POD_SCN_FILE_MAX);
}

/* A scenario can be too large for a file: 4096 partitions of 128 nodes. */
Test(scenario_write, too_large_for_a_file) {
    parse_or_fail(&scn_a, "input", "cluster nodes=128 type=echo\n",
                  strlen("cluster nodes=128 type=echo\n"));
    for (uint32_t i = 0; i < POD_SCN_ACTIONS_MAX; i++) {
        pod_action *a = &scn_a.actions[i];
        memset(a, 0, sizeof *a);
        a->kind = POD_ACT_PARTITION;
        a->group_count = 16;
        for (uint32_t n = 0; n < 128; n++)
            a->group_of[n] = (uint8_t)(n % 16);
    }
    scn_a.action_count = POD_SCN_ACTIONS_MAX;
    memset(text, '@', 16);
    cr_assert_not(pod_scenario_write(&scn_a, NULL, text, sizeof text, &text_len));
    cr_assert_gt(text_len, (size_t)POD_SCN_FILE_MAX);
    cr_assert_eq(text[0], '@');
}

Test(scenario_write, buffer_too_small) {
    parse_or_fail(&scn_a, "input", CLUSTER "at 1s crash n1\n", strlen(CLUSTER "at 1s crash n1\n"));
    size_t need = 0;
    cr_assert(pod_scenario_write(&scn_a, "h", text, sizeof text, &need));
    char small[256];
    cr_assert_lt(need, sizeof small);
    for (size_t cap = 0; cap <= need; cap++) {
        memset(small, '@', sizeof small);
        size_t len = 12345;
        cr_assert_not(pod_scenario_write(&scn_a, "h", cap ? small : NULL, cap, &len), "cap %zu",
                      cap);
        cr_assert_eq(len, need);
        for (size_t i = 0; i < sizeof small; i++)
            cr_assert_eq(small[i], '@', "byte %zu written with cap %zu", i, cap);
    }
    size_t len = 0;
    cr_assert(pod_scenario_write(&scn_a, "h", small, need + 1, &len));
    cr_assert_eq(len, need);
    cr_assert_eq(small[need], '\0');
    cr_assert_eq(memcmp(small, text, need + 1), 0);
}

/* A scenario the parser could not have produced is a programmer error,
 * caught in every build: its text would not read back. */
Test(scenario_write, invalid_scenario_aborts, .signal = SIGABRT) {
    parse_or_fail(&scn_a, "input", CLUSTER "at 1s partition n1 | n2,n3\n",
                  strlen(CLUSTER "at 1s partition n1 | n2,n3\n"));
    scn_a.actions[0].group_of[0] = 1; /* group 0 is now empty */
    size_t len = 0;
    pod_scenario_write(&scn_a, NULL, text, sizeof text, &len);
}

Test(scenario_write, action_after_run_aborts, .signal = SIGABRT) {
    parse_or_fail(&scn_a, "input", CLUSTER "at 1s heal\n", strlen(CLUSTER "at 1s heal\n"));
    scn_a.run_ns = 999999999;
    size_t len = 0;
    pod_scenario_write(&scn_a, NULL, text, sizeof text, &len);
}

/* ---- files ---- */

Test(scenario_write, write_file) {
    char dir[] = "/tmp/podsim-scn-write-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/out.scn", dir);
    pod_scenario *s = &scn_c;
    parse_or_fail(s, "input", "cluster nodes=2 type=kv\nworkload clients=2\nat 1s block n1->n2\n",
                  strlen("cluster nodes=2 type=kv\nworkload clients=2\nat 1s block n1->n2\n"));
    char err[512];
    cr_assert(pod_scenario_write_file(s, "written by a test", path, err, sizeof err), "%s", err);
    pod_scn_error perr;
    cr_assert(pod_scenario_load(&scn_b, path, &perr), "%s", perr.message);
    char why[256];
    cr_assert(pod_scenario_equal(s, &scn_b, why, sizeof why), "%s", why);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    char head[64] = {0};
    cr_assert_gt(fread(head, 1, sizeof head - 1, f), 0);
    fclose(f);
    cr_assert(strncmp(head, "# written by a test\n\ncluster nodes=2 type=kv\n", 45) == 0, "%s",
              head);
    cr_assert_eq(unlink(path), 0);

    char bad[300];
    snprintf(bad, sizeof bad, "%s/missing/out.scn", dir);
    cr_assert_not(pod_scenario_write_file(s, NULL, bad, err, sizeof err));
    cr_assert(strstr(err, "cannot create the file") != NULL, "%s", err);
    cr_assert(strstr(err, bad) != NULL, "%s", err);
    cr_assert_eq(rmdir(dir), 0);
}

/* ---- equality ---- */

static const char full_src[] = "cluster nodes=4 type=kv\n"
                               "seed 5\nrun 20s\n"
                               "network latency=2ms drop=1% dup=2%\n"
                               "disk sector=512 latency=1us..2us sync_latency=3us..4us\n"
                               "disk read_eio=1% enospc=2% fsync_eio=3% dir_fsync_eio=4%\n"
                               "disk bitflip=5% stall=6% stall_time=5ms..6ms\n"
                               "workload clients=3 mix=put:1,get:2,delete:3,cas:4,txn:5\n"
                               "workload keys=9 dist=hotspot value=2..3 think=1ms..2ms "
                               "timeout=3s\n"
                               "budget events=77 pending=88\n"
                               "node a=1\nnode b=2\n"
                               "at 1s crash n1\nat 2s block n2->n3\nat 3s partition n1,n2|n3,n4\n"
                               "expect events > 1\nexpect crashes == 1\n";

/* Breaks one field of a copy of `full_src` and expects the difference to
 * be named. */
#define DIFFERS(field_expr, phrase)                                                          \
    do {                                                                                     \
        parse_or_fail(&scn_a, "full", full_src, strlen(full_src));                           \
        parse_or_fail(&scn_b, "full", full_src, strlen(full_src));                           \
        pod_scenario *x = &scn_b;                                                            \
        field_expr;                                                                          \
        char why[256];                                                                       \
        cr_expect_not(pod_scenario_equal(&scn_a, x, why, sizeof why), "%s", #field_expr);    \
        cr_expect(strstr(why, phrase) != NULL, "'%s' lacks '%s'", why, phrase);              \
    } while (0)

Test(scenario_write, equal_sees_every_field) {
    parse_or_fail(&scn_a, "full", full_src, strlen(full_src));
    round_trip(&scn_a, NULL);
    DIFFERS(x->node_type[1] = 'x', "node_type: 'kv' != 'kx'");
    DIFFERS(x->node_count = 5, "node_count: 4 != 5");
    DIFFERS(x->has_seed = false, "has_seed");
    DIFFERS(x->seed = 6, "seed: 5 != 6");
    DIFFERS(x->run_ns++, "run_ns");
    DIFFERS(x->network.latency_min_ns--, "network.latency_min_ns");
    DIFFERS(x->network.latency_max_ns++, "network.latency_max_ns");
    DIFFERS(x->network.drop_ppm++, "network.drop_ppm");
    DIFFERS(x->network.dup_ppm++, "network.dup_ppm");
    DIFFERS(x->disk.sector_bytes = 1024, "disk.sector_bytes");
    DIFFERS(x->disk.write_latency_min_ns++, "disk.write_latency_min_ns");
    DIFFERS(x->disk.write_latency_max_ns++, "disk.write_latency_max_ns");
    DIFFERS(x->disk.sync_latency_min_ns++, "disk.sync_latency_min_ns");
    DIFFERS(x->disk.sync_latency_max_ns++, "disk.sync_latency_max_ns");
    DIFFERS(x->disk.read_eio_ppm++, "disk.read_eio_ppm");
    DIFFERS(x->disk.write_enospc_ppm++, "disk.write_enospc_ppm");
    DIFFERS(x->disk.fsync_eio_ppm++, "disk.fsync_eio_ppm");
    DIFFERS(x->disk.dir_fsync_eio_ppm++, "disk.dir_fsync_eio_ppm");
    DIFFERS(x->disk.bitflip_ppm++, "disk.bitflip_ppm");
    DIFFERS(x->disk.stall_ppm++, "disk.stall_ppm");
    DIFFERS(x->disk.stall_min_ns++, "disk.stall_min_ns");
    DIFFERS(x->disk.stall_max_ns++, "disk.stall_max_ns");
    DIFFERS(x->workload.clients = 0, "workload.clients: 3 != 0");
    DIFFERS(x->workload.mix[POD_WL_TXN] = 6, "workload.mix[txn]: 5 != 6");
    DIFFERS(x->workload.keys++, "workload.keys");
    DIFFERS(x->workload.dist = POD_WL_UNIFORM, "workload.dist");
    DIFFERS(x->workload.value_min_bytes++, "workload.value_min_bytes");
    DIFFERS(x->workload.value_max_bytes++, "workload.value_max_bytes");
    DIFFERS(x->workload.think_min_ns++, "workload.think_min_ns");
    DIFFERS(x->workload.think_max_ns++, "workload.think_max_ns");
    DIFFERS(x->workload.timeout_ns++, "workload.timeout_ns");
    DIFFERS(x->budget.events_max++, "budget.events_max");
    DIFFERS(x->budget.pending_max++, "budget.pending_max");
    DIFFERS(x->param_count--, "param_count: 2 != 1");
    DIFFERS(x->params[1].key[0] = 'c', "params[1].key: 'b' != 'c'");
    DIFFERS(x->params[0].value[0] = '\x7f', "params[0].value: '1' != '\\x7f'");
    DIFFERS(x->action_count--, "action_count: 3 != 2");
    DIFFERS(x->actions[0].at_ns++, "actions[0].at_ns: 1000000000 != 1000000001");
    DIFFERS(x->actions[0].kind = POD_ACT_RESTART, "actions[0].kind: crash != restart");
    DIFFERS(x->actions[0].node = 1, "actions[0].node: 0 != 1");
    DIFFERS(x->actions[1].node = 0, "actions[1].node: 1 != 0");
    DIFFERS(x->actions[1].peer = 3, "actions[1].peer: 2 != 3");
    DIFFERS(x->actions[2].group_count = 3, "actions[2].group_count: 2 != 3");
    DIFFERS(x->actions[2].group_of[3] = 0, "actions[2].group_of[n4]: 1 != 0");
    DIFFERS(x->expect_count = 0, "expect_count: 2 != 0");
    DIFFERS(x->expects[1].counter[0] = 'd', "expects[1].counter: 'crashes' != 'drashes'");
    DIFFERS(x->expects[1].cmp = POD_CMP_NE, "expects[1].cmp: == != !=");
    DIFFERS(x->expects[1].value = 2, "expects[1].value: 1 != 2");
}

static const char net_src[] = "cluster nodes=3 type=echo\n"
                              "network latency=exp:2ms+1ms drop=1% dup=2% corrupt=3%\n"
                              "link n1 -> n2 latency=5ms..6ms drop=4%\n"
                              "link n2 <-> n3 corrupt=5%\n"
                              "at 1s clog n1 <-> n2 for 2s\n"
                              "at 2s..3s flap n1 | n2,n3 every 100ms\n";

#define NET_DIFFERS(field_expr, phrase)                                                      \
    do {                                                                                     \
        parse_or_fail(&scn_a, "net", net_src, strlen(net_src));                              \
        parse_or_fail(&scn_b, "net", net_src, strlen(net_src));                              \
        pod_scenario *x = &scn_b;                                                            \
        field_expr;                                                                          \
        char why[256];                                                                       \
        cr_expect_not(pod_scenario_equal(&scn_a, x, why, sizeof why), "%s", #field_expr);    \
        cr_expect(strstr(why, phrase) != NULL, "'%s' lacks '%s'", why, phrase);              \
    } while (0)

Test(scenario_write, equal_sees_every_network_field) {
    parse_or_fail(&scn_a, "net", net_src, strlen(net_src));
    round_trip(&scn_a, NULL);
    NET_DIFFERS(x->network.latency_kind = POD_LATENCY_UNIFORM, "network.latency_kind: 1 != 0");
    NET_DIFFERS(x->network.latency_mean_ns++, "network.latency_mean_ns");
    NET_DIFFERS(x->network.latency_min_ns++, "network.latency_min_ns");
    NET_DIFFERS(x->network.corrupt_ppm++, "network.corrupt_ppm: 30000 != 30001");
    NET_DIFFERS(x->links[0].model.latency_max_ns++, "link n1 -> n2.latency_max_ns");
    NET_DIFFERS(x->links[0].model.drop_ppm = 0, "link n1 -> n2.drop_ppm: 40000 != 0");
    NET_DIFFERS(x->links[0].set &= ~POD_LINK_SET_DROP, "link n1 -> n2.drop_ppm: 40000 != 10000");
    NET_DIFFERS(x->links[2].model.corrupt_ppm = 1, "link n3 -> n2.corrupt_ppm: 50000 != 1");
    NET_DIFFERS(x->link_count = 2, "link n3 -> n2.corrupt_ppm: 50000 != 30000");
    NET_DIFFERS(x->links[1].from = 0, "link n2 -> n3.corrupt_ppm: 50000 != 30000");
    NET_DIFFERS(x->actions[0].node = 2, "actions[0].node: 0 != 2");
    NET_DIFFERS(x->actions[0].peer = 2, "actions[0].peer: 1 != 2");
    NET_DIFFERS(x->actions[0].both_ways = false, "actions[0].both_ways: 1 != 0");
    NET_DIFFERS(x->actions[0].for_ns++, "actions[0].for_ns");
    NET_DIFFERS(x->actions[1].until_ns++, "actions[1].until_ns");
    NET_DIFFERS(x->actions[1].every_ns++, "actions[1].every_ns");
    NET_DIFFERS(x->actions[1].group_of[1] = 0, "actions[1].group_of[n2]: 1 != 0");
    NET_DIFFERS(x->actions[1].kind = POD_ACT_PARTITION, "actions[1].kind: flap != partition");
}

/* Links are compared by what they do: their order, and a setting equal to
 * the network line's, make no difference; nor do fields a kind does not use. */
Test(scenario_write, equal_ignores_link_order_and_unused_fields) {
    parse_or_fail(&scn_a, "net", net_src, strlen(net_src));
    const char reordered[] = "cluster nodes=3 type=echo\n"
                             "network latency=exp:2ms+1ms drop=1% dup=2% corrupt=3%\n"
                             "link n3 -> n2 corrupt=5%\n"
                             "link n1 -> n2 drop=4% latency=uniform:5ms..6ms dup=2%\n"
                             "link n2 -> n3 corrupt=5% drop=1%\n"
                             "link n3 -> n1 corrupt=3%\n"
                             "at 1s clog n1 <-> n2 for 2s\n"
                             "at 2s..3s flap n1 | n2,n3 every 100ms\n";
    parse_or_fail(&scn_b, "reordered", reordered, strlen(reordered));
    char why[256] = "unchanged";
    cr_assert(pod_scenario_equal(&scn_a, &scn_b, why, sizeof why), "%s", why);
    scn_b.network.latency_max_ns = 12345;     /* exp: unused */
    scn_b.links[1].model.latency_mean_ns = 7; /* uniform: unused */
    scn_b.links[0].model.drop_ppm = 99;       /* not in `set` */
    scn_b.actions[0].every_ns = 5;            /* a clog has no period */
    scn_b.actions[0].group_count = 9;
    scn_b.actions[1].for_ns = 5;              /* a flap has no `for` */
    scn_b.actions[1].node = 2;
    cr_assert(pod_scenario_equal(&scn_a, &scn_b, why, sizeof why), "%s", why);
}

Test(scenario_write, link_to_itself_aborts, .signal = SIGABRT) {
    parse_or_fail(&scn_a, "input", CLUSTER "link n1 -> n2 drop=1%\n",
                  strlen(CLUSTER "link n1 -> n2 drop=1%\n"));
    scn_a.links[0].to = 0;
    size_t len = 0;
    pod_scenario_write(&scn_a, NULL, text, sizeof text, &len);
}

Test(scenario_write, empty_flap_aborts, .signal = SIGABRT) {
    const char src[] = CLUSTER "at 1s..2s flap n1 | n2,n3 every 1s\n";
    parse_or_fail(&scn_a, "input", src, strlen(src));
    scn_a.actions[0].until_ns = scn_a.actions[0].at_ns;
    size_t len = 0;
    pod_scenario_write(&scn_a, NULL, text, sizeof text, &len);
}

/* Bookkeeping and fields without meaning are not differences. */
Test(scenario_write, equal_ignores_bookkeeping) {
    parse_or_fail(&scn_a, "full", full_src, strlen(full_src));
    parse_or_fail(&scn_b, "full", full_src, strlen(full_src));
    strcpy(scn_b.path, "other.scn");
    scn_b.node_type_line = 99;
    scn_b.node_type_col = 99;
    scn_b.workload.line = 99;
    scn_b.params[0].line = scn_b.params[0].col = 99;
    scn_b.actions[0].line = 99;
    scn_b.actions[0].peer = 3;            /* crash has no peer */
    scn_b.actions[0].group_count = 7;     /* nor groups */
    scn_b.actions[2].node = 3;            /* a partition has no node */
    scn_b.actions[2].group_of[100] = 42;  /* past the 4 nodes */
    scn_b.expects[0].line = scn_b.expects[0].col = 99;
    char why[256] = "unchanged";
    cr_assert(pod_scenario_equal(&scn_a, &scn_b, why, sizeof why), "%s", why);
    cr_assert_str_eq(why, "");

    scn_a.has_seed = scn_b.has_seed = false;
    scn_b.seed = 1234;
    scn_a.workload.clients = scn_b.workload.clients = 0;
    scn_b.workload.keys = 1;
    scn_b.workload.mix[0] = 0;
    cr_assert(pod_scenario_equal(&scn_a, &scn_b, NULL, 0));
}

/* ---- random scenarios ---- */

typedef struct rnd {
    uint64_t state;
} rnd;

/* splitmix64: small, and the same sequence everywhere. */
static uint64_t rnd_next(rnd *r) {
    uint64_t z = (r->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for a test; n > 0. */
static uint64_t rnd_below(rnd *r, uint64_t n) {
    return rnd_next(r) % n;
}

/* In [lo, hi]. */
static uint64_t rnd_in(rnd *r, uint64_t lo, uint64_t hi) {
    if (lo == 0 && hi == UINT64_MAX)
        return rnd_next(r);
    return lo + rnd_below(r, hi - lo + 1);
}

static bool rnd_chance(rnd *r, unsigned percent) {
    return rnd_below(r, 100) < percent;
}

/* Durations of every shape: round numbers of each unit, decimals, odd
 * nanoseconds, and the extremes, at most max_ns. */
static uint64_t rnd_duration(rnd *r, uint64_t max_ns) {
    static const uint64_t units[] = {1, 1000, 1000000, 1000000000, 60000000000ull,
                                     3600000000000ull};
    uint64_t ns;
    switch (rnd_below(r, 6)) {
    case 0: /* a whole number of a unit */
        ns = rnd_below(r, 2000) * units[rnd_below(r, 6)];
        break;
    case 1: /* "1.5s"-like: a few decimals */
        ns = rnd_below(r, 100000) * (units[rnd_below(r, 6)] / 1000 + 1);
        break;
    case 2:
        ns = rnd_next(r) >> rnd_below(r, 64);
        break;
    case 3: {
        static const uint64_t extremes[] = {0, 1, UINT64_MAX, UINT64_MAX - 1, 18446744073000000000ull};
        ns = extremes[rnd_below(r, 5)];
        break;
    }
    default:
        ns = rnd_below(r, 100000);
        break;
    }
    if (ns > max_ns)
        ns = max_ns == UINT64_MAX ? ns : ns % (max_ns + 1);
    return ns;
}

static void rnd_range(rnd *r, uint64_t *min_ns, uint64_t *max_ns) {
    uint64_t a = rnd_duration(r, UINT64_MAX), b = rnd_chance(r, 20) ? a : rnd_duration(r, UINT64_MAX);
    *min_ns = a < b ? a : b;
    *max_ns = a < b ? b : a;
}

static uint32_t rnd_ppm(rnd *r) {
    switch (rnd_below(r, 5)) {
    case 0:
        return 0;
    case 1:
        return rnd_chance(r, 50) ? 1 : 1000000;
    case 2:
        return (uint32_t)rnd_below(r, 101) * 10000;
    default:
        return (uint32_t)rnd_below(r, 1000001);
    }
}

static void rnd_name(rnd *r, char *out, const char *alphabet) {
    size_t n = rnd_chance(r, 10) ? POD_SCN_NAME_MAX : 1 + rnd_below(r, 12);
    size_t a = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[rnd_below(r, a)];
    out[n] = '\0';
}

/* Any bytes but NUL, blanks and line breaks, sometimes ending in "\r". */
static void rnd_value(rnd *r, char *out) {
    size_t n = rnd_chance(r, 10) ? POD_SCN_VALUE_MAX : 1 + rnd_below(r, 20);
    for (size_t i = 0; i < n; i++) {
        char ch;
        do {
            ch = (char)(rnd_chance(r, 70) ? 0x21 + rnd_below(r, 94) : 1 + rnd_below(r, 255));
        } while (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\0');
        out[i] = ch;
    }
    if (rnd_chance(r, 10))
        out[n - 1] = '\r';
    out[n] = '\0';
}

static const char type_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_-";
static const char param_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_.-";
static const char counter_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789_.";

/* An exponential latency now and then, corruption, junk in what the
 * latency kind does not use. */
static void rnd_network_extras(rnd *r, const pod_scenario *s, pod_network_model *m) {
    (void)s;
    if (rnd_chance(r, 25)) {
        m->latency_kind = POD_LATENCY_EXP;
        m->latency_mean_ns = rnd_duration(r, UINT64_MAX);
        if (m->latency_mean_ns == 0)
            m->latency_mean_ns = 1;
        m->latency_min_ns = rnd_chance(r, 30) ? 0 : rnd_duration(r, UINT64_MAX);
        m->latency_max_ns = rnd_next(r); /* unused */
    } else {
        m->latency_mean_ns = rnd_next(r); /* unused */
    }
    if (rnd_chance(r, 30))
        m->corrupt_ppm = rnd_ppm(r);
}

/* A few directed links, each with some keys set; reverses next to each
 * other with the same settings now and then (written as `<->`). */
static void rnd_links(rnd *r, pod_scenario *s) {
    s->link_count = 0;
    if (s->node_count < 2 || rnd_chance(r, 40))
        return;
    uint32_t want = (uint32_t)rnd_in(r, 1, 12);
    for (uint32_t tries = 0; tries < 4 * want && s->link_count < want; tries++) {
        uint16_t from = (uint16_t)rnd_below(r, s->node_count);
        uint16_t to = (uint16_t)((from + 1 + rnd_below(r, s->node_count - 1u)) % s->node_count);
        bool taken = false;
        for (uint32_t i = 0; i < s->link_count; i++)
            taken = taken || (s->links[i].from == from && s->links[i].to == to);
        if (taken)
            continue;
        pod_link *l = &s->links[s->link_count++];
        memset(l, 0, sizeof *l);
        l->from = from;
        l->to = to;
        l->line = (uint32_t)rnd_next(r);
        l->set = (uint8_t)rnd_in(r, 1, POD_LINK_SET_ALL);
        rnd_range(r, &l->model.latency_min_ns, &l->model.latency_max_ns);
        l->model.drop_ppm = rnd_ppm(r);
        l->model.dup_ppm = rnd_ppm(r);
        rnd_network_extras(r, s, &l->model);
        bool reverse_free = true;
        for (uint32_t i = 0; i < s->link_count; i++)
            reverse_free = reverse_free && !(s->links[i].from == to && s->links[i].to == from);
        if (reverse_free && s->link_count < want && rnd_chance(r, 40)) {
            pod_link *back = &s->links[s->link_count++];
            *back = *l;
            back->from = to;
            back->to = from;
        }
    }
}

static void rnd_models(rnd *r, pod_scenario *s) {
    if (rnd_chance(r, 50))
        rnd_range(r, &s->network.latency_min_ns, &s->network.latency_max_ns);
    if (rnd_chance(r, 50))
        s->network.drop_ppm = rnd_ppm(r);
    if (rnd_chance(r, 50))
        s->network.dup_ppm = rnd_ppm(r);
    rnd_network_extras(r, s, &s->network);
    pod_disk_model *d = &s->disk;
    if (rnd_chance(r, 30))
        d->sector_bytes = 512u << rnd_below(r, 8);
    if (rnd_chance(r, 30))
        rnd_range(r, &d->write_latency_min_ns, &d->write_latency_max_ns);
    if (rnd_chance(r, 30))
        rnd_range(r, &d->sync_latency_min_ns, &d->sync_latency_max_ns);
    if (rnd_chance(r, 30))
        rnd_range(r, &d->stall_min_ns, &d->stall_max_ns);
    uint32_t *ppms[] = {&d->read_eio_ppm, &d->write_enospc_ppm, &d->fsync_eio_ppm,
                        &d->dir_fsync_eio_ppm, &d->bitflip_ppm, &d->stall_ppm};
    for (size_t i = 0; i < sizeof ppms / sizeof ppms[0]; i++) {
        if (rnd_chance(r, 30))
            *ppms[i] = rnd_ppm(r);
    }
    pod_workload *w = &s->workload;
    /* Without clients the settings mean nothing: scramble them anyway. */
    w->clients = rnd_chance(r, 50) ? 0 : (uint16_t)rnd_in(r, 1, POD_WL_CLIENTS_MAX);
    uint32_t total = 0;
    for (size_t op = 0; op < POD_WL_OP_COUNT; op++) {
        w->mix[op] = rnd_chance(r, 30) ? 0 : (uint32_t)rnd_in(r, 0, POD_WL_WEIGHT_MAX);
        total += w->mix[op];
    }
    if (total == 0)
        w->mix[rnd_below(r, POD_WL_OP_COUNT)] = (uint32_t)rnd_in(r, 1, POD_WL_WEIGHT_MAX);
    w->keys = (uint32_t)rnd_in(r, 1, POD_WL_KEYS_MAX);
    w->dist = rnd_chance(r, 50) ? POD_WL_UNIFORM : POD_WL_HOTSPOT;
    uint32_t v1 = (uint32_t)rnd_in(r, 1, 4096), v2 = rnd_chance(r, 20) ? v1 : (uint32_t)rnd_in(r, 1, 4096);
    w->value_min_bytes = v1 < v2 ? v1 : v2;
    w->value_max_bytes = v1 < v2 ? v2 : v1;
    rnd_range(r, &w->think_min_ns, &w->think_max_ns);
    w->timeout_ns = rnd_duration(r, UINT64_MAX);
    if (w->timeout_ns == 0)
        w->timeout_ns = 1;
    if (rnd_chance(r, 30))
        s->budget.events_max = rnd_in(r, 1, UINT64_MAX);
    if (rnd_chance(r, 30))
        s->budget.pending_max = rnd_in(r, 1, UINT32_MAX);
}

static void rnd_partition(rnd *r, uint16_t node_count, pod_action *a) {
    uint32_t groups_max = node_count < POD_SCN_GROUPS_MAX ? node_count : POD_SCN_GROUPS_MAX;
    a->group_count = (uint8_t)rnd_in(r, 2, groups_max);
    /* The first group_count nodes of a shuffled order seed one group each,
     * so that no group is empty; the rest go anywhere. */
    uint16_t order[POD_NODES_MAX];
    for (uint16_t n = 0; n < node_count; n++)
        order[n] = n;
    for (uint16_t n = node_count - 1; n > 0; n--) {
        uint16_t k = (uint16_t)rnd_below(r, (uint64_t)n + 1);
        uint16_t t = order[n];
        order[n] = order[k];
        order[k] = t;
    }
    for (uint16_t i = 0; i < node_count; i++)
        a->group_of[order[i]] =
            (uint8_t)(i < a->group_count ? i : rnd_below(r, a->group_count));
    /* Past the cluster: what the parser leaves, or junk that must not matter. */
    for (uint32_t n = node_count; n < POD_NODES_MAX; n++)
        a->group_of[n] = rnd_chance(r, 50) ? 0xff : (uint8_t)rnd_next(r);
}

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void rnd_actions(rnd *r, pod_scenario *s) {
    static uint64_t times[POD_SCN_ACTIONS_MAX];
    /* Many actions only with small clusters, so that the text stays far
     * below the file limit. */
    uint32_t count = rnd_chance(r, 2) ? POD_SCN_ACTIONS_MAX : (uint32_t)rnd_below(r, 40);
    if (count > 64 && s->node_count > 16)
        s->node_count = 16;
    for (uint32_t i = 0; i < count; i++)
        times[i] = rnd_chance(r, 10) && i > 0 ? times[i - 1] : rnd_duration(r, s->run_ns);
    qsort(times, count, sizeof times[0], compare_u64);
    for (uint32_t i = 0; i < count; i++) {
        pod_action *a = &s->actions[i];
        memset(a, 0, sizeof *a);
        a->at_ns = times[i];
        a->line = (uint32_t)rnd_next(r);
        uint32_t kind = (uint32_t)rnd_in(r, POD_ACT_CRASH, POD_ACT_FLAP);
        if (s->node_count < 2 && (kind == POD_ACT_BLOCK || kind == POD_ACT_PARTITION ||
                                  kind == POD_ACT_CLOG || kind == POD_ACT_FLAP))
            kind = POD_ACT_HEAL;
        if (kind == POD_ACT_FLAP && a->at_ns == UINT64_MAX)
            kind = POD_ACT_HEAL; /* no room for a time range */
        a->kind = (pod_action_kind)kind;
        /* Fields the kind does not use get junk: they must not matter. */
        a->node = (uint16_t)rnd_below(r, s->node_count);
        a->peer = (uint16_t)rnd_next(r);
        a->group_count = (uint8_t)rnd_next(r);
        a->both_ways = rnd_chance(r, 50);
        a->for_ns = rnd_next(r);
        a->until_ns = rnd_next(r);
        a->every_ns = rnd_next(r);
        if (kind == POD_ACT_BLOCK || kind == POD_ACT_CLOG) {
            a->peer = (uint16_t)((a->node + 1 + rnd_below(r, s->node_count - 1u)) % s->node_count);
        } else if (kind == POD_ACT_PARTITION) {
            rnd_partition(r, s->node_count, a);
        }
        /* Run-time targets (leader, last_leader, rest) in clusters. */
        if (s->node_count >= 2 && rnd_chance(r, 20)) {
            uint16_t target = rnd_chance(r, 50) ? POD_NODE_LEADER : POD_NODE_LAST_LEADER;
            if (kind <= POD_ACT_RESUME || kind == POD_ACT_ISOLATE || kind == POD_ACT_PARTITION) {
                a->node = target;
            } else if (kind == POD_ACT_BLOCK) {
                bool target_sends = rnd_chance(r, 50);
                uint16_t other = rnd_chance(r, 50) ? POD_NODE_REST : a->peer;
                a->node = target_sends ? target : other;
                a->peer = target_sends ? other : target;
            }
        }
        if (kind == POD_ACT_CLOG) {
            a->for_ns = rnd_duration(r, UINT64_MAX);
            if (a->for_ns == 0)
                a->for_ns = 1;
        } else if (kind == POD_ACT_FLAP) {
            rnd_partition(r, s->node_count, a);
            /* Its end may lie past the run, not past the end of time. */
            uint64_t room = UINT64_MAX - a->at_ns;
            a->until_ns = a->at_ns + 1 + rnd_duration(r, room - 1);
            uint64_t span = a->until_ns - a->at_ns;
            a->every_ns = rnd_duration(r, UINT64_MAX);
            if (a->every_ns == 0 || span / a->every_ns > POD_SCN_FLAP_TOGGLES_MAX)
                a->every_ns = span / POD_SCN_FLAP_TOGGLES_MAX + 1;
        }
    }
    s->action_count = count;
}

static void rnd_scenario(rnd *r, pod_scenario *s) {
    parse_or_fail(s, "base", "cluster nodes=1 type=x\n", strlen("cluster nodes=1 type=x\n"));
    rnd_name(r, s->node_type, type_alphabet);
    s->node_count = rnd_chance(r, 10) ? POD_NODES_MAX : (uint16_t)rnd_in(r, 1, 9);
    s->has_seed = rnd_chance(r, 50);
    s->seed = rnd_next(r); /* kept even without has_seed: it must not matter */
    s->run_ns = rnd_duration(r, UINT64_MAX);
    if (s->run_ns == 0)
        s->run_ns = 1;
    rnd_models(r, s);
    s->param_count = rnd_chance(r, 5) ? POD_SCN_PARAMS_MAX : (uint32_t)rnd_below(r, 4);
    for (uint32_t i = 0; i < s->param_count; i++) {
        pod_scn_param *p = &s->params[i];
        rnd_name(r, p->key, param_alphabet);
        /* Unique keys: a suffix that no other key has. */
        size_t n = strlen(p->key);
        snprintf(p->key + (n > POD_SCN_NAME_MAX - 3 ? POD_SCN_NAME_MAX - 3 : n), 4, ".%02u",
                 (unsigned)(i % 100u));
        rnd_value(r, p->value);
    }
    rnd_actions(r, s);
    /* A liveness line, when its bound fits in the run (after= junk
     * otherwise: without a bound it must not matter). */
    s->liveness.after_ns = 0;
    uint64_t quiet = pod_scenario_quiet_ns(s);
    if (rnd_chance(r, 30) && quiet < s->run_ns) {
        if (rnd_chance(r, 50))
            s->liveness.after_ns = quiet + rnd_duration(r, s->run_ns - quiet - 1);
        quiet = pod_scenario_quiet_ns(s);
        s->liveness.within_ns = 1 + rnd_duration(r, s->run_ns - quiet - 1);
    } else {
        s->liveness.after_ns = rnd_next(r);
    }
    rnd_links(r, s); /* after the actions, which may shrink the cluster */
    s->expect_count = rnd_chance(r, 5) ? POD_SCN_EXPECTS_MAX : (uint32_t)rnd_below(r, 4);
    for (uint32_t i = 0; i < s->expect_count; i++) {
        pod_expect *e = &s->expects[i];
        rnd_name(r, e->counter, counter_alphabet);
        e->cmp = (pod_cmp)rnd_in(r, POD_CMP_LT, POD_CMP_GT);
        e->value = rnd_chance(r, 20) ? UINT64_MAX : rnd_next(r) >> rnd_below(r, 64);
    }
}

Test(scenario_write, random_scenarios, .timeout = 280) {
    rnd r = {UINT64_C(0x5ce7a210)};
    enum { ROUNDS = 5000 };
    for (int i = 0; i < ROUNDS; i++) {
        rnd_scenario(&r, &scn_a);
        cr_assert(pod_scenario_write(&scn_a, i % 7 == 0 ? "random\nscenario" : NULL, text,
                                     sizeof text, &text_len),
                  "round %d: needs %zu bytes", i, text_len);
        pod_scn_error err;
        if (!pod_scenario_parse(&scn_b, "w.scn", text, text_len, &err))
            cr_assert_fail("round %d: %u:%u: %s\n--- text:\n%.*s", i, err.line, err.col,
                           err.message, (int)(text_len < 4000 ? text_len : 4000), text);
        char why[256];
        cr_assert(pod_scenario_equal(&scn_a, &scn_b, why, sizeof why),
                  "round %d: %s\n--- text:\n%.*s", i, why, (int)(text_len < 4000 ? text_len : 4000),
                  text);
    }
}
