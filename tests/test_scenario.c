/* test_scenario.c — the scenario parser: every directive, the defaults,
 * durations and probabilities, partitions, the limits, and for bad input
 * the exact line, column and wording of the first error. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/scenario.h"

/* ~600 KB: static, not on the stack. Criterion runs each test in its own
 * process, so tests do not see each other's state. */
static pod_scenario scn;
static pod_scn_error err;

static bool parse_len(const char *text, size_t len) {
    return pod_scenario_parse(&scn, "t.scn", text, len, &err);
}

static bool parse(const char *text) {
    return parse_len(text, strlen(text));
}

#define CLUSTER "cluster nodes=3 type=echo\n"

#define PARSE_OK(text)                                                                       \
    cr_assert(parse(text), "unexpected error %u:%u: %s\n--- input:\n%s", err.line, err.col, \
              err.message, text)

/* The first error must be at line:col and its message must contain phrase. */
#define PARSE_ERR_LEN(text, len, line_, col_, phrase)                                        \
    do {                                                                                     \
        cr_assert_not(parse_len(text, len), "parsed, but expected an error:\n%s", text);     \
        cr_expect_eq(err.line, (uint32_t)(line_), "line %u, want %u: %s", err.line,          \
                     (unsigned)(line_), err.message);                                        \
        cr_expect_eq(err.col, (uint32_t)(col_), "col %u, want %u: %s", err.col,              \
                     (unsigned)(col_), err.message);                                         \
        cr_expect(strstr(err.message, phrase) != NULL, "message \"%s\" lacks \"%s\"",        \
                  err.message, phrase);                                                      \
    } while (0)

#define PARSE_ERR(text, line_, col_, phrase) PARSE_ERR_LEN(text, strlen(text), line_, col_, phrase)

/* ---- directives ---- */

Test(scenario, defaults) {
    PARSE_OK(CLUSTER);
    cr_assert_str_eq(scn.path, "t.scn");
    cr_assert_eq(scn.node_count, 3);
    cr_assert_str_eq(scn.node_type, "echo");
    cr_assert_eq(scn.has_seed, false);
    cr_assert_eq(scn.run_ns, 10000000000ull);
    cr_assert_eq(scn.network.latency_min_ns, 1000000ull);
    cr_assert_eq(scn.network.latency_max_ns, 5000000ull);
    cr_assert_eq(scn.network.drop_ppm, 0);
    cr_assert_eq(scn.network.dup_ppm, 0);
    cr_assert_eq(scn.budget.events_max, 50000000ull);
    cr_assert_eq(scn.budget.pending_max, 1000000ull);
    cr_assert_eq(scn.param_count, 0);
    cr_assert_eq(scn.action_count, 0);
    cr_assert_eq(scn.expect_count, 0);
}

Test(scenario, cluster) {
    PARSE_OK("  cluster type=raft-kv_2   nodes=128\n");
    cr_assert_eq(scn.node_count, 128);
    cr_assert_str_eq(scn.node_type, "raft-kv_2");
    cr_assert_eq(scn.node_type_line, 1);
    cr_assert_eq(scn.node_type_col, 16);
    PARSE_OK("\n# a comment\ncluster nodes=1 type=x\n");
    cr_assert_eq(scn.node_count, 1);
    cr_assert_eq(scn.node_type_line, 3);
    cr_assert_eq(scn.node_type_col, 22);
}

Test(scenario, seed) {
    PARSE_OK(CLUSTER "seed 18446744073709551615\n");
    cr_assert(scn.has_seed);
    cr_assert_eq(scn.seed, 18446744073709551615ull);
    PARSE_OK(CLUSTER "seed 0\n");
    cr_assert(scn.has_seed);
    cr_assert_eq(scn.seed, 0);
}

Test(scenario, run) {
    PARSE_OK(CLUSTER "run 2m\n");
    cr_assert_eq(scn.run_ns, 120000000000ull);
    PARSE_OK("run 1ns\n" CLUSTER);
    cr_assert_eq(scn.run_ns, 1);
}

Test(scenario, network) {
    PARSE_OK(CLUSTER "network latency=2ms..20ms drop=0.015\nnetwork dup=1.5%\n");
    cr_assert_eq(scn.network.latency_min_ns, 2000000ull);
    cr_assert_eq(scn.network.latency_max_ns, 20000000ull);
    cr_assert_eq(scn.network.drop_ppm, 15000);
    cr_assert_eq(scn.network.dup_ppm, 15000);
    PARSE_OK(CLUSTER "network dup=1 latency=250us\n");
    cr_assert_eq(scn.network.latency_min_ns, 250000ull);
    cr_assert_eq(scn.network.latency_max_ns, 250000ull);
    cr_assert_eq(scn.network.drop_ppm, 0);
    cr_assert_eq(scn.network.dup_ppm, 1000000);
    PARSE_OK(CLUSTER "network latency=0ns..1.5ms\n");
    cr_assert_eq(scn.network.latency_min_ns, 0);
    cr_assert_eq(scn.network.latency_max_ns, 1500000ull);
}

/* Latency distributions, corruption, and `link` lines over the network line. */
Test(scenario, network_distributions) {
    PARSE_OK(CLUSTER "network latency=fixed:5ms\n");
    cr_assert_eq(scn.network.latency_kind, POD_LATENCY_UNIFORM);
    cr_assert_eq(scn.network.latency_min_ns, 5000000ull);
    cr_assert_eq(scn.network.latency_max_ns, 5000000ull);
    PARSE_OK(CLUSTER "network latency=uniform:1ms..3ms\n");
    cr_assert_eq(scn.network.latency_kind, POD_LATENCY_UNIFORM);
    cr_assert_eq(scn.network.latency_min_ns, 1000000ull);
    cr_assert_eq(scn.network.latency_max_ns, 3000000ull);
    PARSE_OK(CLUSTER "network latency=exp:4ms+1.5ms\n");
    cr_assert_eq(scn.network.latency_kind, POD_LATENCY_EXP);
    cr_assert_eq(scn.network.latency_mean_ns, 4000000ull);
    cr_assert_eq(scn.network.latency_min_ns, 1500000ull);
    PARSE_OK(CLUSTER "network latency=exp:250us corrupt=0.5%\n");
    cr_assert_eq(scn.network.latency_kind, POD_LATENCY_EXP);
    cr_assert_eq(scn.network.latency_mean_ns, 250000ull);
    cr_assert_eq(scn.network.latency_min_ns, 0);
    cr_assert_eq(scn.network.corrupt_ppm, 5000);
    PARSE_OK(CLUSTER);
    cr_assert_eq(scn.network.corrupt_ppm, 0);
    cr_assert_eq(scn.link_count, 0);
}

Test(scenario, links) {
    /* The link lines may come before the network line they fall back on. */
    PARSE_OK(CLUSTER "link n1 -> n2 latency=exp:2ms drop=5%\n"
                     "link n2 <-> n3 dup=1%\n"
                     "link n1->n2 corrupt=1%\n"
                     "network drop=1% dup=2% latency=3ms\n");
    cr_assert_eq(scn.link_count, 3);
    cr_assert(scn.links[0].from == 0 && scn.links[0].to == 1);
    cr_assert_eq(scn.links[0].set,
                 POD_LINK_SET_LATENCY | POD_LINK_SET_DROP | POD_LINK_SET_CORRUPT);
    cr_assert_eq(scn.links[0].line, 2);
    cr_assert(scn.links[1].from == 1 && scn.links[1].to == 2 && scn.links[1].set == POD_LINK_SET_DUP);
    cr_assert(scn.links[2].from == 2 && scn.links[2].to == 1 && scn.links[2].set == POD_LINK_SET_DUP);
    pod_network_model m;
    pod_scenario_link_model(&scn, 0, 1, &m);
    cr_assert_eq(m.latency_kind, POD_LATENCY_EXP);
    cr_assert_eq(m.latency_mean_ns, 2000000ull);
    cr_assert_eq(m.drop_ppm, 50000);
    cr_assert_eq(m.dup_ppm, 20000, "from the network line");
    cr_assert_eq(m.corrupt_ppm, 10000);
    pod_scenario_link_model(&scn, 1, 0, &m);
    cr_assert_eq(m.latency_kind, POD_LATENCY_UNIFORM, "n2 -> n1 has no link line");
    cr_assert_eq(m.latency_min_ns, 3000000ull);
    cr_assert_eq(m.drop_ppm, 10000);
    pod_scenario_link_model(&scn, 2, 1, &m);
    cr_assert_eq(m.dup_ppm, 10000);
    cr_assert_eq(m.drop_ppm, 10000);
    pod_scenario_link_model(&scn, 0x8000, 0, &m);
    cr_assert_eq(m.drop_ppm, 10000, "clients get the network line's");
}

Test(scenario, clog_and_flap) {
    PARSE_OK(CLUSTER "at 1s clog n1 -> n2 for 500ms\n"
                     "at 1s clog n3<->n1 for 1.5s   # both ways\n"
                     "at 2s..8s flap n1,n2 | n3 every 500ms\n"
                     "at 2s..2001ms flap n3|n1|n2 every 1ms\n");
    cr_assert_eq(scn.action_count, 4);
    const pod_action *a = &scn.actions[0];
    cr_assert(a->kind == POD_ACT_CLOG && a->node == 0 && a->peer == 1 && !a->both_ways);
    cr_assert_eq(a->for_ns, 500000000ull);
    a = &scn.actions[1];
    cr_assert(a->kind == POD_ACT_CLOG && a->node == 2 && a->peer == 0 && a->both_ways);
    cr_assert_eq(a->for_ns, 1500000000ull);
    a = &scn.actions[2];
    cr_assert_eq(a->kind, POD_ACT_FLAP);
    cr_assert_eq(a->at_ns, 2000000000ull);
    cr_assert_eq(a->until_ns, 8000000000ull);
    cr_assert_eq(a->every_ns, 500000000ull);
    cr_assert_eq(a->group_count, 2);
    cr_assert(a->group_of[0] == 0 && a->group_of[1] == 0 && a->group_of[2] == 1);
    cr_assert_eq(scn.actions[3].group_count, 3);
    /* At lines after a flap may fall inside it; a flap may outlast the run
     * (as a clog may), so that cutting a run short keeps a valid scenario. */
    PARSE_OK(CLUSTER "run 8s\nat 1s..8s flap n1 | n2,n3 every 1s\nat 2s crash n1\n");
    PARSE_OK(CLUSTER "run 5s\nat 1s..6s flap n1 | n2,n3 every 1s\n");
    cr_assert_eq(scn.actions[0].until_ns, 6000000000ull);
}

Test(scenario, budget) {
    PARSE_OK(CLUSTER "budget pending=4294967295\nbudget events=1\n");
    cr_assert_eq(scn.budget.events_max, 1);
    cr_assert_eq(scn.budget.pending_max, 4294967295ull);
    PARSE_OK(CLUSTER "budget events=18446744073709551615\n");
    cr_assert_eq(scn.budget.events_max, 18446744073709551615ull);
    cr_assert_eq(scn.budget.pending_max, 1000000ull);
}

Test(scenario, node_params) {
    PARSE_OK(CLUSTER "node heartbeat=50ms election.timeout-max=1.5s\nnode tag=a#b  url=x=y # c\n");
    cr_assert_eq(scn.param_count, 4);
    cr_assert_str_eq(scn.params[0].key, "heartbeat");
    cr_assert_str_eq(scn.params[0].value, "50ms");
    cr_assert_eq(scn.params[0].line, 2);
    cr_assert_eq(scn.params[0].col, 6);
    cr_assert_str_eq(scn.params[1].key, "election.timeout-max");
    cr_assert_str_eq(scn.params[1].value, "1.5s");
    cr_assert_eq(scn.params[1].col, 21);
    /* '#' not after a blank is part of the value; after one, a comment. */
    cr_assert_str_eq(scn.params[2].key, "tag");
    cr_assert_str_eq(scn.params[2].value, "a#b");
    cr_assert_eq(scn.params[2].line, 3);
    cr_assert_str_eq(scn.params[3].key, "url");
    cr_assert_str_eq(scn.params[3].value, "x=y");
    cr_assert_eq(scn.params[3].col, 15);
}

Test(scenario, single_node_actions) {
    PARSE_OK(CLUSTER "at 1s crash n1\n"
                     "at 1.5s restart n3\n"
                     "at 2s pause n2\n"
                     "at 2s resume n2\n"
                     "at 3s isolate n3\n"
                     "at 4s heal\n");
    cr_assert_eq(scn.action_count, 6);
    const pod_action *a = scn.actions;
    cr_assert_eq(a[0].kind, POD_ACT_CRASH);
    cr_assert_eq(a[0].at_ns, 1000000000ull);
    cr_assert_eq(a[0].node, 0);
    cr_assert_eq(a[0].line, 2);
    cr_assert_eq(a[1].kind, POD_ACT_RESTART);
    cr_assert_eq(a[1].at_ns, 1500000000ull);
    cr_assert_eq(a[1].node, 2);
    cr_assert_eq(a[2].kind, POD_ACT_PAUSE);
    cr_assert_eq(a[2].node, 1);
    cr_assert_eq(a[3].kind, POD_ACT_RESUME);
    cr_assert_eq(a[3].node, 1);
    cr_assert_eq(a[4].kind, POD_ACT_ISOLATE);
    cr_assert_eq(a[4].node, 2);
    cr_assert_eq(a[5].kind, POD_ACT_HEAL);
    cr_assert_eq(a[5].at_ns, 4000000000ull);
    cr_assert_eq(a[5].line, 7);
}

Test(scenario, block) {
    PARSE_OK(CLUSTER "at 1s block n3 -> n1\nat 1s block n1->n2\n");
    cr_assert_eq(scn.action_count, 2);
    cr_assert_eq(scn.actions[0].kind, POD_ACT_BLOCK);
    cr_assert_eq(scn.actions[0].node, 2);
    cr_assert_eq(scn.actions[0].peer, 0);
    cr_assert_eq(scn.actions[1].node, 0);
    cr_assert_eq(scn.actions[1].peer, 1);
}

Test(scenario, expect) {
    PARSE_OK(CLUSTER "expect messages.delivered >= 1\n"
                     "expect echo.replies_received == 18446744073709551615\n"
                     "expect a < 1\nexpect a <= 2\nexpect a != 3\nexpect a > 4\n");
    cr_assert_eq(scn.expect_count, 6);
    cr_assert_str_eq(scn.expects[0].counter, "messages.delivered");
    cr_assert_eq(scn.expects[0].cmp, POD_CMP_GE);
    cr_assert_eq(scn.expects[0].value, 1);
    cr_assert_eq(scn.expects[0].line, 2);
    cr_assert_eq(scn.expects[0].col, 8);
    cr_assert_str_eq(scn.expects[1].counter, "echo.replies_received");
    cr_assert_eq(scn.expects[1].cmp, POD_CMP_EQ);
    cr_assert_eq(scn.expects[1].value, 18446744073709551615ull);
    cr_assert_eq(scn.expects[2].cmp, POD_CMP_LT);
    cr_assert_eq(scn.expects[3].cmp, POD_CMP_LE);
    cr_assert_eq(scn.expects[4].cmp, POD_CMP_NE);
    cr_assert_eq(scn.expects[5].cmp, POD_CMP_GT);
    cr_assert_eq(scn.expects[5].value, 4);
    cr_assert_eq(scn.expects[5].line, 7);
}

Test(scenario, full_example) {
    PARSE_OK("# A leader crashes and comes back.\n"
             "cluster nodes=5 type=echo\n"
             "seed 7\n"
             "run 30s\n"
             "network latency=1ms..10ms drop=0.5% dup=0.001\n"
             "budget events=1000000 pending=5000\n"
             "node heartbeat=50ms\n"
             "\n"
             "at 2s    partition n1,n2 | n3,n4,n5   # minority and majority\n"
             "at 5s    heal\n"
             "at 10s   crash n1\n"
             "at 12s   restart n1\n"
             "at 30s   heal\n"
             "expect messages.delivered >= 100\n");
    cr_assert_eq(scn.node_count, 5);
    cr_assert(scn.has_seed);
    cr_assert_eq(scn.seed, 7);
    cr_assert_eq(scn.run_ns, 30000000000ull);
    cr_assert_eq(scn.network.latency_min_ns, 1000000ull);
    cr_assert_eq(scn.network.latency_max_ns, 10000000ull);
    cr_assert_eq(scn.network.drop_ppm, 5000);
    cr_assert_eq(scn.network.dup_ppm, 1000);
    cr_assert_eq(scn.budget.events_max, 1000000ull);
    cr_assert_eq(scn.budget.pending_max, 5000);
    cr_assert_eq(scn.param_count, 1);
    cr_assert_eq(scn.action_count, 5);
    cr_assert_eq(scn.actions[0].kind, POD_ACT_PARTITION);
    cr_assert_eq(scn.actions[0].line, 9);
    cr_assert_eq(scn.actions[4].at_ns, 30000000000ull); /* == run: allowed */
    cr_assert_eq(scn.expect_count, 1);
}

Test(scenario, crlf_and_blank_lines) {
    PARSE_OK("\r\n  \t \r\ncluster nodes=2 type=echo\r\nrun 5s\r\nat 1s crash n2\r\n");
    cr_assert_eq(scn.run_ns, 5000000000ull);
    cr_assert_eq(scn.action_count, 1);
    cr_assert_eq(scn.actions[0].line, 5);
    /* No final newline. */
    PARSE_OK("cluster nodes=2 type=echo\nrun 3s");
    cr_assert_eq(scn.run_ns, 3000000000ull);
    /* The error after a CRLF line quotes no '\r'. */
    PARSE_ERR("cluster nodes=2 type=echo\r\nrun 5x\r\n", 2, 6, "unknown unit 'x' in");
}

Test(scenario, at_before_cluster_and_time_order) {
    /* heal names no node, so it may come before the cluster line. */
    PARSE_OK("at 0s heal\n" CLUSTER "at 0s crash n1\nat 0s restart n1\n");
    cr_assert_eq(scn.action_count, 3);
    /* The run line may come after the actions; the check is at the end. */
    PARSE_OK(CLUSTER "at 20s heal\nrun 20s\n");
    cr_assert_eq(scn.actions[0].at_ns, 20000000000ull);
}

Test(scenario, long_path_keeps_its_end) {
    char path[400];
    memset(path, 'p', sizeof path - 1);
    path[sizeof path - 1] = '\0';
    path[sizeof path - 2] = 'Z';
    cr_assert(pod_scenario_parse(&scn, path, CLUSTER, strlen(CLUSTER), &err));
    cr_assert_eq(strlen(scn.path), sizeof scn.path - 1);
    cr_assert(strncmp(scn.path, "...", 3) == 0);
    cr_assert_eq(scn.path[sizeof scn.path - 2], 'Z');
}

/* ---- durations ---- */

typedef struct duration_case {
    const char *text;
    uint64_t ns;
} duration_case;

Test(duration, valid) {
    static const duration_case cases[] = {
        {"7ns", 7},
        {"20us", 20000},
        {"250ms", 250000000},
        {"10s", 10000000000ull},
        {"2m", 120000000000ull},
        {"1h", 3600000000000ull},
        {"0s", 0},
        {"1.5s", 1500000000},
        {"0.5ms", 500000},
        {"1.5us", 1500},
        {"0.001us", 1},
        {"1.000ns", 1},          /* zeros past 1ns are exact */
        {"0.25m", 15000000000ull},
        {"1.0000001h", 3600000360000ull},
        {"007s", 7000000000ull},
        {"18446744073709551615ns", 18446744073709551615ull},
        {"18446744073.709551615s", 18446744073709551615ull},
        {"5124095h", 18446742000000000000ull},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t ns = 12345;
        cr_assert(pod_parse_duration(cases[i].text, strlen(cases[i].text), &ns), "%s",
                  cases[i].text);
        cr_assert_eq(ns, cases[i].ns, "%s: got %llu", cases[i].text, (unsigned long long)ns);
    }
}

Test(duration, invalid) {
    static const char *const cases[] = {
        "", "s", "10", "1.5ns", "1.0001us", "1.s", ".5s", "-1s", "+1s", "1e3s", "10 s",
        "10S", "10sec", "10ss", "1,5s", "0x10s", "1..5s", "1.5.5s", "10s ", " 10s",
        "18446744073709551616ns", "18446744073.709551616s", "5124096h",
        "99999999999999999999999999s", "\xffs",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t ns = 12345;
        cr_assert_not(pod_parse_duration(cases[i], strlen(cases[i]), &ns), "accepted '%s'",
                      cases[i]);
        cr_assert_eq(ns, 12345, "'%s' wrote the output on failure", cases[i]);
    }
    uint64_t ns = 0;
    cr_assert_not(pod_parse_duration("1\0s", 3, &ns), "accepted a NUL inside");
}

Test(duration, reads_only_len_bytes) {
    uint64_t ns = 0;
    cr_assert(pod_parse_duration("250msXYZ", 5, &ns));
    cr_assert_eq(ns, 250000000ull);
    cr_assert_not(pod_parse_duration("10s", 2, &ns)); /* "10": no unit */
    cr_assert(pod_parse_duration("1.5s", 4, &ns));
    cr_assert_eq(ns, 1500000000ull);
}

Test(duration, messages) {
    PARSE_ERR(CLUSTER "run\n", 2, 4, "expected a duration after 'run'");
    PARSE_ERR(CLUSTER "run 0s\n", 2, 5, "more than 0");
    PARSE_ERR(CLUSTER "run 10\n", 2, 7, "duration '10' needs a unit");
    PARSE_ERR(CLUSTER "run 10 s\n", 2, 7, "needs a unit");
    PARSE_ERR(CLUSTER "run 1.5ns\n", 2, 5, "'1.5ns' is finer than 1ns");
    PARSE_ERR(CLUSTER "run 10sec\n", 2, 7, "unknown unit 'sec' in duration '10sec'");
    PARSE_ERR(CLUSTER "run 18446744073709551616ns\n", 2, 5, "too large");
    PARSE_ERR(CLUSTER "run ten\n", 2, 5,
              "expected a duration like 10s, 250ms or 1.5s, found 'ten'");
    PARSE_ERR(CLUSTER "run 1..5s\n", 2, 5, "found '1..5s'");
}

/* ---- probabilities ---- */

typedef struct ppm_case {
    const char *text;
    uint32_t ppm;
} ppm_case;

Test(probability, valid) {
    static const ppm_case cases[] = {
        {"0", 0},         {"1", 1000000},    {"0.015", 15000}, {"1.5%", 15000},
        {"100%", 1000000}, {"0%", 0},        {"0.000001", 1},  {"0.0001%", 1},
        {"1.0", 1000000}, {"1.000000", 1000000}, {"0.5", 500000}, {"12.3456%", 123456},
        {"00.25", 250000},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[64];
        snprintf(text, sizeof text, CLUSTER "network drop=%s\n", cases[i].text);
        PARSE_OK(text);
        cr_assert_eq(scn.network.drop_ppm, cases[i].ppm, "%s: got %u", cases[i].text,
                     scn.network.drop_ppm);
    }
}

typedef struct ppm_bad_case {
    const char *text;
    const char *phrase;
} ppm_bad_case;

Test(probability, invalid) {
    static const ppm_bad_case cases[] = {
        {"2", "is above 1"},
        {"1.5", "is above 1"},
        {"1.000001", "is above 1"},
        {"101%", "is above 1"},
        {"100.0001%", "is above 1"},
        {"99999999999999999999999", "is above 1"},
        {"0.0000001", "finer than 1 ppm"},
        {"0.00001%", "finer than 1 ppm"},
        {"abc", "expected a probability like 0, 1, 0.015 or 1.5%, found 'abc'"},
        {".5", "expected a probability"},
        {"5.", "expected a probability"},
        {"%", "expected a probability"},
        {"-0.1", "expected a probability"},
        {"0.5%%", "expected a probability"},
        {"1/2", "expected a probability"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, CLUSTER "network dup=%s\n", cases[i].text);
        PARSE_ERR(text, 2, 13, cases[i].phrase);
    }
}

/* ---- partitions ---- */

Test(partition, groups) {
    PARSE_OK("cluster nodes=5 type=echo\n"
             "at 1s partition n1 | n2 | n3,n4,n5\n"
             "at 2s partition n5,n1|n2,n3|n4\n"
             "at 3s partition n2 ,n1 |\tn3, n4 ,n5\n");
    cr_assert_eq(scn.action_count, 3);
    const pod_action *a = &scn.actions[0];
    cr_assert_eq(a->kind, POD_ACT_PARTITION);
    cr_assert_eq(a->group_count, 3);
    const uint8_t want0[] = {0, 1, 2, 2, 2};
    const uint8_t want1[] = {0, 1, 1, 2, 0};
    const uint8_t want2[] = {0, 0, 1, 1, 1};
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq(scn.actions[0].group_of[i], want0[i], "0: n%zu", i + 1);
        cr_assert_eq(scn.actions[1].group_of[i], want1[i], "1: n%zu", i + 1);
        cr_assert_eq(scn.actions[2].group_of[i], want2[i], "2: n%zu", i + 1);
    }
    cr_assert_eq(scn.actions[1].group_count, 3);
    cr_assert_eq(scn.actions[2].group_count, 2);
}

Test(partition, sixteen_groups_but_not_seventeen) {
    char text[512];
    int n = snprintf(text, sizeof text, "cluster nodes=17 type=echo\nat 1s partition n1");
    for (int i = 2; i <= 16; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "|n%d", i);
    snprintf(text + n, sizeof text - (size_t)n, ",n17\n");
    PARSE_OK(text);
    cr_assert_eq(scn.actions[0].group_count, 16);
    cr_assert_eq(scn.actions[0].group_of[16], 15);

    /* The same with n17 in a 17th group: the error is at the 16th '|'. */
    snprintf(text + n, sizeof text - (size_t)n, "|n17\n");
    const char *line2 = strchr(text, '\n') + 1;
    uint32_t col = (uint32_t)(strrchr(text, '|') - line2) + 1;
    PARSE_ERR(text, 2, col, "too many groups; a partition has at most 16");
}

Test(partition, errors) {
    PARSE_ERR(CLUSTER "at 1s partition\n", 2, 16, "expected a node name after 'partition'");
    PARSE_ERR(CLUSTER "at 1s partition n1,n2,n3\n", 2, 7, "at least 2 groups");
    PARSE_ERR(CLUSTER "at 1s partition n1 | n2\n", 2, 24, "leaves out n3");
    PARSE_ERR(CLUSTER "at 1s partition n1,n2 | n2,n3\n", 2, 25, "'n2' is already in group 1");
    PARSE_ERR(CLUSTER "at 1s partition n1 | | n2,n3\n", 2, 22,
              "expected a node name like n1 after '|', found '|'");
    PARSE_ERR(CLUSTER "at 1s partition n1 | n2,n3 |\n", 2, 29, "expected a node name after '|'");
    PARSE_ERR(CLUSTER "at 1s partition n1,,n2 | n3\n", 2, 20, "after ',', found ',n2'");
    PARSE_ERR(CLUSTER "at 1s partition n1 ; n2,n3\n", 2, 20,
              "expected ',', '|' or the end of the line after 'n1', found ';'");
    PARSE_ERR(CLUSTER "at 1s partition n1, n2 n3\n", 2, 24, "found 'n3'");
    PARSE_ERR(CLUSTER "at 1s partition n1 | n2,n4\n", 2, 25, "'n4' does not exist");
    PARSE_ERR(CLUSTER "at 1s partition n1 | n2,n3x\n", 2, 25,
              "expected a node name like n1, found 'n3x'");
    PARSE_ERR("at 1s partition n1 | n2\n" CLUSTER, 1, 17,
              "node names need the 'cluster' line first");
}

/* ---- the disk line ---- */

Test(disk, defaults_then_every_key) {
    PARSE_OK(CLUSTER);
    cr_assert_eq(scn.disk.sector_bytes, 4096u);
    cr_assert_eq(scn.disk.fsync_eio_ppm, 0u);
    cr_assert_leq(scn.disk.write_latency_min_ns, scn.disk.write_latency_max_ns);
    PARSE_OK(CLUSTER "disk sector=512 latency=1us..2us sync_latency=3ms fsync_eio=1% read_eio=0.5%\n"
                     "disk enospc=0.001 dir_fsync_eio=2% bitflip=10% stall=1% stall_time=1s..2s\n");
    cr_assert_eq(scn.disk.sector_bytes, 512u);
    cr_assert_eq(scn.disk.write_latency_min_ns, 1000u);
    cr_assert_eq(scn.disk.write_latency_max_ns, 2000u);
    cr_assert_eq(scn.disk.sync_latency_min_ns, 3000000u);
    cr_assert_eq(scn.disk.sync_latency_max_ns, 3000000u);
    cr_assert_eq(scn.disk.fsync_eio_ppm, 10000u);
    cr_assert_eq(scn.disk.read_eio_ppm, 5000u);
    cr_assert_eq(scn.disk.write_enospc_ppm, 1000u);
    cr_assert_eq(scn.disk.dir_fsync_eio_ppm, 20000u);
    cr_assert_eq(scn.disk.bitflip_ppm, 100000u);
    cr_assert_eq(scn.disk.stall_ppm, 10000u);
    cr_assert_eq(scn.disk.stall_min_ns, 1000000000u);
    cr_assert_eq(scn.disk.stall_max_ns, 2000000000u);
}

Test(disk, errors) {
    PARSE_ERR(CLUSTER "disk sector=1000\n", 2, 13, "not a power of two in 512..65536");
    PARSE_ERR(CLUSTER "disk sector=256\n", 2, 13, "not a power of two");
    PARSE_ERR(CLUSTER "disk latency=2ms..1ms\n", 2, 14, "goes backwards");
    PARSE_ERR(CLUSTER "disk fsync_eio=150%\n", 2, 16, "");
    PARSE_ERR(CLUSTER "disk fsync=1%\n", 2, 6, "fsync_eio");
    PARSE_ERR(CLUSTER "disk sector=512\ndisk sector=4096\n", 3, 6, "line 2");
}

/* ---- the workload line ---- */

Test(workload, defaults_and_every_key) {
    PARSE_OK(CLUSTER);
    cr_assert_eq(scn.workload.clients, 0u, "no workload line, no clients");
    PARSE_OK(CLUSTER "workload keys=5\n");
    cr_assert_eq(scn.workload.clients, 1u, "a workload line means at least one client");
    PARSE_OK(CLUSTER "workload clients=8 mix=put:5,get:0,txn:3 keys=100 dist=hotspot\n"
                     "workload value=16..32 think=1ms..2ms timeout=250ms\n");
    cr_assert_eq(scn.workload.clients, 8u);
    cr_assert_eq(scn.workload.mix[POD_WL_PUT], 5u);
    cr_assert_eq(scn.workload.mix[POD_WL_GET], 0u);
    cr_assert_eq(scn.workload.mix[POD_WL_DELETE], 0u, "an operation left out of mix has weight 0");
    cr_assert_eq(scn.workload.mix[POD_WL_TXN], 3u);
    cr_assert_eq(scn.workload.keys, 100u);
    cr_assert_eq(scn.workload.dist, POD_WL_HOTSPOT);
    cr_assert_eq(scn.workload.value_min_bytes, 16u);
    cr_assert_eq(scn.workload.value_max_bytes, 32u);
    cr_assert_eq(scn.workload.think_min_ns, 1000000u);
    cr_assert_eq(scn.workload.think_max_ns, 2000000u);
    cr_assert_eq(scn.workload.timeout_ns, 250000000u);
    cr_assert_eq(scn.workload.line, 2u);
}

Test(workload, errors) {
    PARSE_ERR(CLUSTER "workload clients=0\n", 2, 18, "out of range; expected 1..64");
    PARSE_ERR(CLUSTER "workload clients=65\n", 2, 18, "out of range");
    PARSE_ERR(CLUSTER "workload mix=put:1,fetch:2\n", 2, 20, "unknown operation 'fetch'");
    PARSE_ERR(CLUSTER "workload mix=put:1,put:2\n", 2, 20, "appears twice");
    PARSE_ERR(CLUSTER "workload mix=put\n", 2, 14, "expected NAME:WEIGHT");
    PARSE_ERR(CLUSTER "workload mix=put:\n", 2, 18, "expected a weight after 'put:'");
    PARSE_ERR(CLUSTER "workload mix=put:1001\n", 2, 18, "expected 0..1000");
    PARSE_ERR(CLUSTER "workload mix=put:0,get:0\n", 2, 14, "no operation with a weight above 0");
    PARSE_ERR(CLUSTER "workload mix=put:1,\n", 2, 19, "expected NAME:WEIGHT after ','");
    PARSE_ERR(CLUSTER "workload keys=0\n", 2, 15, "out of range");
    PARSE_ERR(CLUSTER "workload dist=zipf\n", 2, 15, "expected dist=uniform or dist=hotspot");
    PARSE_ERR(CLUSTER "workload value=0..10\n", 2, 16, "within 1..4096");
    PARSE_ERR(CLUSTER "workload value=10..5000\n", 2, 16, "within 1..4096");
    PARSE_ERR(CLUSTER "workload think=5ms..1ms\n", 2, 16, "goes backwards");
    PARSE_ERR(CLUSTER "workload timeout=0s\n", 2, 18, "timeout=0");
    PARSE_ERR(CLUSTER "workload client=2\n", 2, 10, "clients");
}

/* ---- errors: the exact place and wording ---- */

Test(errors, cluster_line) {
    PARSE_ERR("clustr nodes=3 type=echo\n", 1, 1,
              "unknown directive 'clustr' (did you mean 'cluster'?); expected one of cluster, "
              "seed, run, network, disk, workload, budget, node, at, expect");
    PARSE_ERR("cluster nodes=3\n", 1, 16, "missing 'type=NAME'");
    PARSE_ERR("cluster type=echo\n", 1, 18, "missing 'nodes=N'");
    PARSE_ERR("cluster nodes=0 type=echo\n", 1, 15, "nodes=0 is out of range; expected 1..128");
    PARSE_ERR("cluster nodes=129 type=echo\n", 1, 15, "expected 1..128");
    PARSE_ERR("cluster nodes=three type=echo\n", 1, 15, "expected a node count");
    PARSE_ERR("cluster nodes=3 type=Echo\n", 1, 22,
              "invalid character 'E' in node type name 'Echo'");
    PARSE_ERR("cluster nodes=3 type=e.cho\n", 1, 23, "invalid character '.'");
    PARSE_ERR("cluster nodes=3 typ=echo\n", 1, 17,
              "unknown 'cluster' key 'typ' (did you mean 'type'?); expected one of nodes, type");
    PARSE_ERR(CLUSTER "cluster nodes=3 type=echo\n", 2, 1, "'cluster' is already given on line 1");
    PARSE_ERR("cluster nodes = 3 type=echo\n", 1, 9, "without spaces around '='");
    PARSE_ERR("cluster nodes=3 type=\n", 1, 22, "expected a value after 'type='");
    PARSE_ERR("cluster =3\n", 1, 9, "expected a key before '='");
    PARSE_ERR("cluster\n", 1, 8, "expected KEY=VALUE after 'cluster'");
    PARSE_ERR("cluster   # nothing\n", 1, 8, "expected KEY=VALUE after 'cluster'");
    PARSE_ERR("cluster nodes=3 nodes=4 type=echo\n", 1, 17, "'nodes' is already set on line 1");
    PARSE_ERR("", 1, 1, "missing 'cluster' line");
    PARSE_ERR("# only a comment\n\n", 1, 1, "missing 'cluster' line");
}

Test(errors, seed_run_network_budget) {
    PARSE_ERR(CLUSTER "seed\n", 2, 5, "expected a number after 'seed'");
    PARSE_ERR(CLUSTER "seed -1\n", 2, 6, "expected a seed (a whole number like 42), found '-1'");
    PARSE_ERR(CLUSTER "seed 18446744073709551616\n", 2, 6, "is too large");
    PARSE_ERR(CLUSTER "seed 1\nseed 2\n", 3, 1, "'seed' is already given on line 2");
    PARSE_ERR(CLUSTER "seed 1 2\n", 2, 8, "unexpected '2' after 'seed 1'");
    PARSE_ERR(CLUSTER "run 1s\nrun 2s\n", 3, 1, "'run' is already given on line 2");
    PARSE_ERR(CLUSTER "run 10s fast\n", 2, 9,
              "unexpected 'fast' after 'run 10s'; expected the end of the line");
    PARSE_ERR(CLUSTER "network\n", 2, 8, "expected KEY=VALUE after 'network'");
    PARSE_ERR(CLUSTER "network latncy=1ms\n", 2, 9,
              "(did you mean 'latency'?); expected one of latency, drop, dup");
    PARSE_ERR(CLUSTER "network jitter=1ms\n", 2, 9,
              "unknown 'network' key 'jitter'; expected one of");
    PARSE_ERR(CLUSTER "network latency=5ms..1ms\n", 2, 17, "'5ms..1ms' goes backwards");
    PARSE_ERR(CLUSTER "network latency=1ms..\n", 2, 22, "expected a duration like");
    PARSE_ERR(CLUSTER "network latency=..1ms\n", 2, 17, "found ''");
    PARSE_ERR(CLUSTER "network latency=1ms..5\n", 2, 23, "duration '5' needs a unit");
    PARSE_ERR(CLUSTER "network drop=0.5\nnetwork drop=0.1\n", 3, 9,
              "'drop' is already set on line 2");
    PARSE_ERR(CLUSTER "network drop=0.5 drop=0.1\n", 2, 18, "'drop' is already set on line 2");
    PARSE_ERR(CLUSTER "network drop 0.5\n", 2, 9, "expected KEY=VALUE, found 'drop'");
    PARSE_ERR(CLUSTER "budget pending=0\n", 2, 16, "pending=0 is out of range");
    PARSE_ERR(CLUSTER "budget pending=4294967296\n", 2, 16, "expected 1..4294967295");
    PARSE_ERR(CLUSTER "budget events=0\n", 2, 15, "at least 1");
    PARSE_ERR(CLUSTER "budget event=5\n", 2, 8, "did you mean 'events'");
    PARSE_ERR(CLUSTER "budget events=1e6\n", 2, 15, "expected an event count");
}

Test(errors, network_distributions_and_corrupt) {
    PARSE_ERR(CLUSTER "network latency=gauss:1ms\n", 2, 17,
              "unknown latency distribution 'gauss'; expected one of fixed, uniform, exp");
    PARSE_ERR(CLUSTER "network latency=expo:1ms\n", 2, 17, "(did you mean 'exp'?)");
    PARSE_ERR(CLUSTER "network latency=exp:0s\n", 2, 21, "the mean of 'exp:' must be more than 0");
    PARSE_ERR(CLUSTER "network latency=exp:\n", 2, 21, "expected the mean after 'exp:'");
    PARSE_ERR(CLUSTER "network latency=exp:+1ms\n", 2, 21, "expected the mean after 'exp:'");
    PARSE_ERR(CLUSTER "network latency=exp:2ms+\n", 2, 25, "expected a floor after '+'");
    PARSE_ERR(CLUSTER "network latency=exp:2ms+1\n", 2, 26, "duration '1' needs a unit");
    PARSE_ERR(CLUSTER "network latency=exp:2ms..3ms\n", 2, 21, "expected a duration like");
    PARSE_ERR(CLUSTER "network latency=fixed:1ms..2ms\n", 2, 23,
              "'fixed:' takes one duration, found '1ms..2ms'; for a range write 'uniform:MIN..MAX'");
    PARSE_ERR(CLUSTER "network latency=fixed:\n", 2, 23, "expected a duration after 'fixed:'");
    PARSE_ERR(CLUSTER "network latency=uniform:\n", 2, 25, "expected MIN..MAX after 'uniform:'");
    PARSE_ERR(CLUSTER "network latency=uniform:5ms..1ms\n", 2, 25, "'5ms..1ms' goes backwards");
    PARSE_ERR(CLUSTER "network corrupt=2\n", 2, 17, "probability '2' is above 1");
    PARSE_ERR(CLUSTER "network corrupt=1% corrupt=2%\n", 2, 20,
              "'corrupt' is already set on line 2");
    PARSE_ERR(CLUSTER "network latncy=1ms\n", 2, 9, "expected one of latency, drop, dup, corrupt");
}

Test(errors, link_lines) {
    PARSE_ERR(CLUSTER "link\n", 2, 5, "expected a node name after 'link'");
    PARSE_ERR(CLUSTER "link n1\n", 2, 8,
              "expected '->' or '<->' after 'n1', e.g. 'link n1 -> n2 drop=1%'");
    PARSE_ERR(CLUSTER "link n1 => n2 drop=1%\n", 2, 9,
              "expected '->' or '<->' after 'n1', found '=>'");
    PARSE_ERR(CLUSTER "link n1 -> drop=1%\n", 2, 12, "expected a node name like n1, found 'drop'");
    PARSE_ERR(CLUSTER "link n1 <->\n", 2, 12, "expected a node name after '<->'");
    PARSE_ERR(CLUSTER "link n1 -> n2\n", 2, 14,
              "expected KEY=VALUE after 'link n1 -> n2', e.g. 'latency=5ms drop=1%'");
    PARSE_ERR(CLUSTER "link n1 <-> n2   # nothing\n", 2, 15, "after 'link n1 <-> n2'");
    PARSE_ERR(CLUSTER "link n1 -> n1 drop=1%\n", 2, 12,
              "a link joins two different nodes, found n1 twice");
    PARSE_ERR(CLUSTER "link n1 -> n4 drop=1%\n", 2, 12, "node 'n4' does not exist");
    PARSE_ERR(CLUSTER "link n1 -> n2 loss=1%\n", 2, 15,
              "unknown 'link' key 'loss'; expected one of latency, drop, dup, corrupt");
    PARSE_ERR(CLUSTER "link n1 -> n2 dropp=1%\n", 2, 15, "(did you mean 'drop'?)");
    PARSE_ERR(CLUSTER "link n1 -> n2 drop=2\n", 2, 20, "probability '2' is above 1");
    PARSE_ERR(CLUSTER "link n1 -> n2 latency=exp:0s\n", 2, 27, "must be more than 0");
    PARSE_ERR(CLUSTER "link n1 -> n2 drop=1% drop=2%\n", 2, 23, "'drop' is already set on line 2");
    PARSE_ERR(CLUSTER "link n1 -> n2 drop=1%\nlink n3 -> n2 drop=1%\nlink n2 <-> n1 dup=1% drop=2%\n",
              4, 23, "'drop' of n1 -> n2 is already set on line 2");
    PARSE_ERR(CLUSTER "link n1 -> n2 drop=1% extra\n", 2, 23, "expected KEY=VALUE, found 'extra'");
    PARSE_ERR("link n1 -> n2 drop=1%\n" CLUSTER, 1, 6, "node names need the 'cluster' line first");
    PARSE_ERR(CLUSTER "lnk n1 -> n2 drop=1%\n", 2, 1, "(did you mean 'link'?)");
}

/* 17 nodes have 272 directed links; 256 may have their own settings. */
Test(limits, too_many_links) {
    static char text[16384];
    size_t n = (size_t)snprintf(text, sizeof text, "cluster nodes=17 type=echo\n");
    uint32_t line = 1, links = 0, bad_line = 0;
    for (unsigned a = 1; a <= 17; a++) {
        for (unsigned b = a + 1; b <= 17; b++) {
            n += (size_t)snprintf(text + n, sizeof text - n, "link n%u <-> n%u dup=1%%\n", a, b);
            line++;
            links += 2;
            if (links > POD_SCN_LINKS_MAX && bad_line == 0) bad_line = line;
        }
    }
    cr_assert_lt(n, sizeof text);
    PARSE_ERR(text, bad_line, 1, "too many links; the limit is 256 directed links");
    /* 256 exactly is fine. */
    text[0] = '\0';
    n = (size_t)snprintf(text, sizeof text, "cluster nodes=17 type=echo\n");
    for (unsigned i = 0; i < POD_SCN_LINKS_MAX; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "link n%u -> n%u drop=1%%\n",
                              i / 16 + 1, (i / 16 + 1 + i % 16) % 17 + 1);
    PARSE_OK(text);
    cr_assert_eq(scn.link_count, POD_SCN_LINKS_MAX);
}

Test(errors, clog_lines) {
    PARSE_ERR(CLUSTER "at 1s clog\n", 2, 11, "expected a node name after 'clog'");
    PARSE_ERR(CLUSTER "at 1s clog n1 for 1s\n", 2, 15,
              "expected '->' or '<->' after 'n1', found 'for'");
    PARSE_ERR(CLUSTER "at 1s clog n1 -> n2\n", 2, 20,
              "expected 'for DURATION' after 'clog n1 -> n2', e.g. 'for 1s'");
    PARSE_ERR(CLUSTER "at 1s clog n1 <-> n2 during 1s\n", 2, 22,
              "expected 'for' after 'clog n1 <-> n2', found 'during'");
    PARSE_ERR(CLUSTER "at 1s clog n1 -> n2 for\n", 2, 24, "expected a duration after 'for'");
    PARSE_ERR(CLUSTER "at 1s clog n1 -> n2 for 0s\n", 2, 25, "a clog must last more than 0");
    PARSE_ERR(CLUSTER "at 1s clog n1 -> n2 for 1\n", 2, 26, "duration '1' needs a unit");
    PARSE_ERR(CLUSTER "at 1s clog n1 -> n1 for 1s\n", 2, 18, "a node cannot clog its link to itself");
    PARSE_ERR(CLUSTER "at 1s clog n1 -> n2 for 1s n3\n", 2, 28,
              "unexpected 'n3' after 'at 1s clog n1 -> n2 for 1s'");
    PARSE_ERR(CLUSTER "at 1s..2s clog n1 -> n2 for 1s\n", 2, 6,
              "a time range is only for 'flap'; 'clog' happens at one time");
}

Test(errors, flap_lines) {
    PARSE_ERR(CLUSTER "at 1s flap n1 | n2,n3 every 100ms\n", 2, 4,
              "'flap' needs a time range START..END, e.g. 'at 2s..8s flap n1,n2 | n3 every 500ms'");
    PARSE_ERR(CLUSTER "at 2s..1s flap n1 | n2,n3 every 100ms\n", 2, 4,
              "time range '2s..1s' is empty or goes backwards");
    PARSE_ERR(CLUSTER "at 1s..1s flap n1 | n2,n3 every 100ms\n", 2, 4, "is empty");
    PARSE_ERR(CLUSTER "at 1s.. flap n1 | n2,n3 every 100ms\n", 2, 8,
              "expected the end of the time range after '..'");
    PARSE_ERR(CLUSTER "at 1s..2 flap n1 | n2,n3 every 100ms\n", 2, 9, "duration '2' needs a unit");
    PARSE_ERR(CLUSTER "at 1s..2s crash n1\n", 2, 6,
              "a time range is only for 'flap'; 'crash' happens at one time, e.g. 'at 2s crash ...'");
    PARSE_ERR(CLUSTER "at 1s..2s flap\n", 2, 15, "expected a node name after 'flap'");
    PARSE_ERR(CLUSTER "at 1s..2s flap n1 | n2,n3\n", 2, 26,
              "expected 'every PERIOD' after the groups, e.g. 'every 500ms'");
    PARSE_ERR(CLUSTER "at 1s..2s flap n1 | n2,n3 every\n", 2, 32,
              "expected a duration after 'every'");
    PARSE_ERR(CLUSTER "at 1s..2s flap n1 | n2,n3 every 0s\n", 2, 33,
              "a flap's period must be more than 0");
    PARSE_ERR(CLUSTER "at 1s..2s flap n1 | n2,n3 evry 100ms\n", 2, 27,
              "expected ',', '|' or 'every' after 'n3', found 'evry'");
    PARSE_ERR(CLUSTER "at 1s..2s flap n1 | n2 every 100ms\n", 2, 24,
              "the flap leaves out n3; every node must be in exactly one group");
    PARSE_ERR(CLUSTER "at 1s..2s flap n1,n2,n3 every 100ms\n", 2, 11,
              "a flap needs at least 2 groups separated by '|'");
    PARSE_ERR(CLUSTER "at 1s..2s flap n1 | n2,n1 every 100ms\n", 2, 24,
              "node 'n1' is already in group 1");
    PARSE_ERR(CLUSTER "at 1s..2s flap n1 | n2,n3 every 100ms now\n", 2, 39,
              "unexpected 'now' after 'at 1s..2s flap n1 | n2,n3 every ...'");
    PARSE_ERR(CLUSTER "run 2h\nat 0s..1h flap n1 | n2,n3 every 1ms\n", 3, 33,
              "flapping every 1ms for 1h makes 3600000 toggles; the limit is 100000");
    /* Long tokens are quoted short: the message stays bounded. */
    PARSE_ERR(CLUSTER "run 2h\nat 0s..1h flap n1 | n2,n3 every "
                      "0000000000000000000000000000000000000000000000000000000001000000ns\n",
              3, 33, "flapping every 1ms for 1h makes 3600000 toggles");
    PARSE_ERR(CLUSTER "at 12s..13s flap n1 | n2,n3 every 1s\n", 2, 4, "time 12s is after the end");
    PARSE_ERR(CLUSTER "at 3s heal\nat 2s..4s flap n1 | n2,n3 every 1s\n", 3, 4,
              "time 2s is earlier than 3s on line 2");
}

Test(errors, node_params) {
    PARSE_ERR(CLUSTER "node\n", 2, 5, "expected KEY=VALUE after 'node'");
    PARSE_ERR(CLUSTER "node Timeout=5\n", 2, 6, "invalid character 'T' in node parameter name");
    PARSE_ERR(CLUSTER "node time/out=5\n", 2, 10, "invalid character '/'");
    PARSE_ERR(CLUSTER "node a=1\nnode b=2 a=2\n", 3, 10,
              "node parameter 'a' is already set on line 2");
    PARSE_ERR(CLUSTER "node a\n", 2, 6, "expected KEY=VALUE, found 'a'");
    PARSE_ERR(CLUSTER "node a=\n", 2, 8, "expected a value after 'a='");
}

Test(errors, at_lines) {
    PARSE_ERR(CLUSTER "at\n", 2, 3, "expected a time after 'at'");
    PARSE_ERR(CLUSTER "at 1s\n", 2, 6, "expected an action after the time; one of crash, restart");
    PARSE_ERR(CLUSTER "at soon crash n1\n", 2, 4, "expected a duration like");
    PARSE_ERR(CLUSTER "at 1s crsh n1\n", 2, 7, "unknown action 'crsh' (did you mean 'crash'?)");
    PARSE_ERR(CLUSTER "at 1s explode n1\n", 2, 7,
              "unknown action 'explode'; expected one of crash, restart, pause, resume, isolate, "
              "heal, block, partition");
    PARSE_ERR(CLUSTER "at 1s crash\n", 2, 12, "expected a node after 'crash'");
    PARSE_ERR(CLUSTER "at 1s restart   # why\n", 2, 14, "expected a node after 'restart'");
    PARSE_ERR(CLUSTER "at 1s crash n4\n", 2, 13,
              "node 'n4' does not exist; the cluster has n1..n3");
    PARSE_ERR("cluster nodes=1 type=echo\nat 1s pause n2\n", 2, 13, "the cluster has only n1");
    PARSE_ERR(CLUSTER "at 1s crash n0\n", 2, 13, "'n0' does not exist");
    PARSE_ERR(CLUSTER "at 1s crash n99999999999999999999\n", 2, 13, "does not exist");
    PARSE_ERR(CLUSTER "at 1s crash n01\n", 2, 13, "expected a node name like n1, found 'n01'");
    PARSE_ERR(CLUSTER "at 1s crash node1\n", 2, 13, "expected a node name like n1, found 'node1'");
    PARSE_ERR(CLUSTER "at 1s crash n1,\n", 2, 13, "found 'n1,'");
    PARSE_ERR(CLUSTER "at 1s crash n1 n2\n", 2, 16, "unexpected 'n2' after 'at 1s crash n1'");
    PARSE_ERR(CLUSTER "at 1s heal n1\n", 2, 12, "unexpected 'n1' after 'at 1s heal'");
    PARSE_ERR("at 1s crash n1\n" CLUSTER, 1, 13, "node names need the 'cluster' line first");
    PARSE_ERR(CLUSTER "at 2s heal\nat 1s heal\n", 3, 4,
              "time 1s is earlier than 2s on line 2; 'at' lines must be in time order");
    PARSE_ERR(CLUSTER "at 10s heal\nat 1500ms heal\n", 3, 4, "time 1500ms is earlier than 10s");
    PARSE_ERR(CLUSTER "at 11s heal\n", 2, 4,
              "time 11s is after the end of the run (10s by default; set it with 'run DURATION')");
    PARSE_ERR(CLUSTER "at 1s heal\nat   6s heal\nat 7s heal\nrun 5s\n", 3, 6,
              "time 6s is after the end of the run (run 5s on line 5)");
    PARSE_ERR(CLUSTER "at 1s block n1\n", 2, 15, "expected '->' after 'n1', e.g. 'block n1 -> n2'");
    PARSE_ERR(CLUSTER "at 1s block n1 => n2\n", 2, 16, "expected '->' after 'n1', found '=>'");
    PARSE_ERR(CLUSTER "at 1s block n2 -> n2\n", 2, 19, "a node cannot block messages to itself");
    PARSE_ERR(CLUSTER "at 1s block n1 ->\n", 2, 18, "expected a node name after '->'");
    PARSE_ERR(CLUSTER "at 1s block\n", 2, 12, "expected a node name after 'block'");
    PARSE_ERR(CLUSTER "at 1s block n1 -> n2 -> n3\n", 2, 22,
              "unexpected '->' after 'at 1s block n1 -> n2'");
    PARSE_ERR(CLUSTER "at 1s block -> n2\n", 2, 13,
              "expected a node name like n1 after 'block', found '->'");
}

Test(errors, expect_lines) {
    PARSE_ERR(CLUSTER "expect\n", 2, 7, "expected a counter after 'expect'");
    PARSE_ERR(CLUSTER "expect x\n", 2, 9,
              "expected a comparison after 'x'; one of ==, !=, <, <=, >, >=");
    PARSE_ERR(CLUSTER "expect x = 1\n", 2, 10, "unknown comparison '=' (did you mean '=='?)");
    PARSE_ERR(CLUSTER "expect x => 1\n", 2, 10, "(did you mean '>='?)");
    PARSE_ERR(CLUSTER "expect x =< 1\n", 2, 10, "(did you mean '<='?)");
    PARSE_ERR(CLUSTER "expect x >= \n", 2, 12, "expected a whole number after '>='");
    PARSE_ERR(CLUSTER "expect x >= -1\n", 2, 13,
              "expected a counter value (a whole number like 42), found '-1'");
    PARSE_ERR(CLUSTER "expect x >= 18446744073709551616\n", 2, 13, "too large");
    PARSE_ERR(CLUSTER "expect X >= 1\n", 2, 8, "invalid character 'X' in counter name 'X'");
    PARSE_ERR(CLUSTER "expect a-b >= 1\n", 2, 9, "invalid character '-'");
    PARSE_ERR(CLUSTER "expect x>=1\n", 2, 9, "(put spaces around the comparison)");
    PARSE_ERR(CLUSTER "expect x >= 1 2\n", 2, 15, "unexpected '2' after 'expect x >= 1'");
}

Test(errors, unknown_directives) {
    PARSE_ERR(CLUSTER "bogus 1\n", 2, 1, "unknown directive 'bogus'; expected one of cluster");
    cr_assert_null(strstr(err.message, "did you mean"), "%s", err.message);
    PARSE_ERR(CLUSTER "  Run 5s\n", 2, 3, "(did you mean 'run'?)");
    PARSE_ERR(CLUSTER "ecpext x >= 1\n", 2, 1, "(did you mean 'expect'?)");
    PARSE_ERR(CLUSTER "netwrok drop=0\n", 2, 1, "(did you mean 'network'?)");
    PARSE_ERR(CLUSTER "xy\n", 2, 1, "unknown directive 'xy'; expected"); /* not 'at' */
    PARSE_ERR(CLUSTER "nodes a=1\n", 2, 1, "(did you mean 'node'?)");
    PARSE_ERR(CLUSTER "cluster=3\n", 2, 1, "unknown directive 'cluster=3'");
    PARSE_ERR(CLUSTER "\tat 1s crash nine\n", 2, 14, "expected a node name like n1, found 'nine'");
}

Test(errors, quoting) {
    /* Long input is cut with "..."; the message stays bounded. */
    PARSE_ERR(CLUSTER
              "run aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
              2, 5, "found 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
    /* Bytes outside printable ASCII are shown as \xNN. */
    PARSE_ERR(CLUSTER "at 1s crash \x01\xff\n", 2, 13, "found '\\x01\\xff'");
    PARSE_ERR(CLUSTER "\xc3\x28 x\n", 2, 1, "unknown directive '\\xc3('");
    PARSE_ERR(CLUSTER "run 1\ts\n", 2, 6, "duration '1' needs a unit");
    /* A whole message of escapes still fits. */
    char text[256];
    memset(text, '\x80', sizeof text);
    text[sizeof text - 1] = '\0';
    PARSE_ERR(text, 1, 1,
              "...'; expected one of cluster, seed, run, network, disk, workload, budget, node, at, expect");
    cr_assert_lt(strlen(err.message), sizeof err.message - 1);
}

Test(errors, non_utf8_in_comments_is_fine) {
    PARSE_OK("# caf\xe9 \xff\xfe\n" CLUSTER "run 1s # \xc3\x28\n");
    cr_assert_eq(scn.run_ns, 1000000000ull);
}

/* ---- limits ---- */

Test(limits, too_many_actions) {
    size_t cap = strlen(CLUSTER) + (POD_SCN_ACTIONS_MAX + 1) * 16;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    size_t n = (size_t)snprintf(text, cap, CLUSTER);
    for (uint32_t i = 0; i < POD_SCN_ACTIONS_MAX; i++)
        n += (size_t)snprintf(text + n, cap - n, "at 1s heal\n");
    PARSE_OK(text);
    cr_assert_eq(scn.action_count, POD_SCN_ACTIONS_MAX);
    snprintf(text + n, cap - n, "  at 1s heal\n");
    PARSE_ERR(text, POD_SCN_ACTIONS_MAX + 2, 3, "too many actions; the limit is 4096");
    free(text);
}

Test(limits, too_many_expects_and_params) {
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, CLUSTER);
    for (uint32_t i = 0; i < POD_SCN_EXPECTS_MAX; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "expect x >= %u\n", i);
    PARSE_OK(text);
    cr_assert_eq(scn.expect_count, POD_SCN_EXPECTS_MAX);
    snprintf(text + n, sizeof text - n, "expect x >= 1\n");
    PARSE_ERR(text, POD_SCN_EXPECTS_MAX + 2, 1, "too many 'expect' lines; the limit is 64");

    n = (size_t)snprintf(text, sizeof text, CLUSTER "node");
    for (uint32_t i = 0; i < POD_SCN_PARAMS_MAX; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, " k%u=v", i);
    snprintf(text + n, sizeof text - n, "\n");
    PARSE_OK(text);
    cr_assert_eq(scn.param_count, POD_SCN_PARAMS_MAX);
    snprintf(text + n, sizeof text - n, " more=1\n");
    PARSE_ERR(text, 2, (uint32_t)(n - strlen(CLUSTER)) + 2,
              "too many node parameters; the limit is 32");
}

Test(limits, name_and_value_lengths) {
    char text[1024], name[POD_SCN_NAME_MAX + 2], value[POD_SCN_VALUE_MAX + 2];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    memset(value, 'v', sizeof value - 1);
    value[sizeof value - 1] = '\0';

    /* At the limit: fine. */
    snprintf(text, sizeof text, "cluster nodes=1 type=%.63s\nnode %.63s=%.255s\nexpect %.63s > 0\n",
             name, name, value, name);
    PARSE_OK(text);
    cr_assert_eq(strlen(scn.node_type), POD_SCN_NAME_MAX);
    cr_assert_eq(strlen(scn.params[0].key), POD_SCN_NAME_MAX);
    cr_assert_eq(strlen(scn.params[0].value), POD_SCN_VALUE_MAX);
    cr_assert_eq(strlen(scn.expects[0].counter), POD_SCN_NAME_MAX);

    /* One over: an error, never a silent cut. */
    snprintf(text, sizeof text, "cluster nodes=1 type=%s\n", name);
    PARSE_ERR(text, 1, 22, "is 64 bytes long; the limit is 63");
    snprintf(text, sizeof text, CLUSTER "node %s=1\n", name);
    PARSE_ERR(text, 2, 6, "node parameter name");
    snprintf(text, sizeof text, CLUSTER "node k=%s\n", value);
    PARSE_ERR(text, 2, 8, "the value of 'k' is 256 bytes long; the limit is 255");
    snprintf(text, sizeof text, CLUSTER "expect %s > 0\n", name);
    PARSE_ERR(text, 2, 8, "counter name");
}

Test(limits, line_length) {
    static char text[2 * POD_SCN_LINE_MAX];
    /* A comment line of exactly POD_SCN_LINE_MAX bytes, CRLF: fine. */
    size_t n = (size_t)snprintf(text, sizeof text, CLUSTER);
    text[n] = '#';
    memset(text + n + 1, 'x', POD_SCN_LINE_MAX - 1);
    memcpy(text + n + POD_SCN_LINE_MAX, "\r\n", 3);
    PARSE_OK(text);
    /* One byte more: an error, even in a comment. */
    memset(text + n + 1, 'x', POD_SCN_LINE_MAX);
    memcpy(text + n + POD_SCN_LINE_MAX + 1, "\n", 2);
    PARSE_ERR(text, 2, POD_SCN_LINE_MAX + 1, "line is 4097 bytes long; the limit is 4096");
}

Test(limits, nul_byte) {
    static const char text[] = CLUSTER "run 1\0s\n";
    PARSE_ERR_LEN(text, sizeof text - 1, 2, 6, "NUL byte");
    static const char in_comment[] = CLUSTER "# \0\n";
    PARSE_ERR_LEN(in_comment, sizeof in_comment - 1, 2, 3, "NUL byte");
}

Test(limits, file_size) {
    size_t len = POD_SCN_FILE_MAX;
    char *text = malloc(len + 1);
    cr_assert_not_null(text);
    /* Exactly the limit: a cluster line, then comment lines of 64 bytes. */
    memset(text, ' ', len);
    memcpy(text, CLUSTER, strlen(CLUSTER));
    for (size_t i = strlen(CLUSTER); i + 64 <= len; i += 64) {
        text[i] = '#';
        text[i + 63] = '\n';
    }
    cr_assert(parse_len(text, len), "%u:%u: %s", err.line, err.col, err.message);
    /* One byte more. */
    text[len] = '\n';
    PARSE_ERR_LEN(text, len + 1, 0, 0, "the file is larger than the limit of 1048576 bytes");
    free(text);
}

/* ---- files and messages ---- */

Test(files, missing_file) {
    cr_assert_not(pod_scenario_load(&scn, "/nonexistent/podsim/missing.scn", &err));
    cr_assert_eq(err.line, 0);
    cr_assert(strstr(err.message, "cannot open the file: No such file or directory") != NULL,
              "%s", err.message);
    char out[512];
    pod_scn_error_format(&err, "/nonexistent/podsim/missing.scn", out, sizeof out);
    cr_assert_str_eq(out, "/nonexistent/podsim/missing.scn: error: cannot open the file: No such "
                          "file or directory");
}

Test(files, directory) {
    cr_assert_not(pod_scenario_load(&scn, "/", &err));
    cr_assert_eq(err.line, 0);
    cr_assert(strstr(err.message, "cannot read the file") != NULL, "%s", err.message);
}

static void write_file(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

Test(files, load_and_report) {
    char path[] = "/tmp/podsim-test-scenario-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    const char *good = CLUSTER "run 3s\n";
    write_file(path, good, strlen(good));
    cr_assert(pod_scenario_load(&scn, path, &err), "%s", err.message);
    cr_assert_eq(scn.run_ns, 3000000000ull);
    cr_assert_str_eq(scn.path, path);

    const char *bad = CLUSTER "run 3\n";
    write_file(path, bad, strlen(bad));
    cr_assert_not(pod_scenario_load(&scn, path, &err));
    char out[512], want[512];
    pod_scn_error_format(&err, path, out, sizeof out);
    snprintf(want, sizeof want, "%s:2:6: error: duration '3' needs a unit: ns, us, ms, s, m or h",
             path);
    cr_assert_str_eq(out, want);

    /* Over the size limit, read from disk. */
    size_t len = POD_SCN_FILE_MAX + 1;
    char *big = malloc(len);
    cr_assert_not_null(big);
    memset(big, '\n', len);
    write_file(path, big, len);
    free(big);
    cr_assert_not(pod_scenario_load(&scn, path, &err));
    cr_assert_eq(err.line, 0);
    cr_assert(strstr(err.message, "larger than the limit of 1048576 bytes") != NULL, "%s",
              err.message);
    unlink(path);
}

Test(files, error_format) {
    pod_scn_error e = {.line = 3, .col = 7};
    snprintf(e.message, sizeof e.message, "boom");
    char out[64];
    pod_scn_error_format(&e, "a.scn", out, sizeof out);
    cr_assert_str_eq(out, "a.scn:3:7: error: boom");
    e.line = 0;
    e.col = 0;
    pod_scn_error_format(&e, "a.scn", out, sizeof out);
    cr_assert_str_eq(out, "a.scn: error: boom");
    /* A short buffer gets a terminated prefix. */
    char tiny[6];
    pod_scn_error_format(&e, "a.scn", tiny, sizeof tiny);
    cr_assert_str_eq(tiny, "a.scn");
}

/* ---- run-time targets: the leader nemesis ---- */

Test(targets, every_action_that_takes_one) {
    PARSE_OK(CLUSTER "at 1s crash leader\nat 2s restart last_leader\nat 3s pause leader\n"
                     "at 4s resume last_leader\nat 5s isolate leader\nat 6s partition leader | rest\n"
                     "at 7s partition last_leader|rest\nat 8s block leader -> rest\n"
                     "at 8s block rest->last_leader\nat 9s block leader -> n2\n");
    cr_assert_eq(scn.action_count, 10);
    cr_assert_eq(scn.actions[0].node, POD_NODE_LEADER);
    cr_assert_eq(scn.actions[1].node, POD_NODE_LAST_LEADER);
    cr_assert_eq(scn.actions[5].kind, POD_ACT_PARTITION);
    cr_assert_eq(scn.actions[5].node, POD_NODE_LEADER);
    cr_assert_eq(scn.actions[6].node, POD_NODE_LAST_LEADER);
    cr_assert_eq(scn.actions[7].node, POD_NODE_LEADER);
    cr_assert_eq(scn.actions[7].peer, POD_NODE_REST);
    cr_assert_eq(scn.actions[8].node, POD_NODE_REST);
    cr_assert_eq(scn.actions[8].peer, POD_NODE_LAST_LEADER);
    cr_assert_eq(scn.actions[9].peer, 1);
}

Test(targets, errors) {
    PARSE_ERR(CLUSTER "at 1s crash leeder\n", 2, 13,
              "expected a node name like n1, found 'leeder' (or a run-time target: leader, "
              "last_leader)");
    PARSE_ERR(CLUSTER "at 1s crash rest\n", 2, 13, "found 'rest'");
    PARSE_ERR("cluster nodes=1 type=rkv\nat 1s crash leader\n", 2, 13,
              "'leader' needs a cluster of 2 nodes or more");
    PARSE_ERR("at 1s crash leader\n" CLUSTER, 1, 13, "run-time targets need the 'cluster' line first");
    PARSE_ERR(CLUSTER "at 1s crash leader n2\n", 2, 20, "unexpected 'n2'");
    PARSE_ERR(CLUSTER "at 1s partition leader\n", 2, 23, "expected '| rest' after 'leader'");
    PARSE_ERR(CLUSTER "at 1s partition leader | n2,n3\n", 2, 26, "expected 'rest' after '|'");
    PARSE_ERR(CLUSTER "at 1s partition leader |\n", 2, 25, "expected 'rest' after '|'");
    PARSE_ERR(CLUSTER "at 1s partition leader | rest | n1\n", 2, 31, "unexpected '|");
    PARSE_ERR(CLUSTER "at 1s partition n1 | leader\n", 2, 22, "'leader' stands alone");
    PARSE_ERR(CLUSTER "at 1s partition rest | leader\n", 2, 17, "'rest' stands alone");
    PARSE_ERR(CLUSTER "at 1s..2s flap leader | rest every 1s\n", 2, 16, "a flap takes node names");
    PARSE_ERR(CLUSTER "at 1s block leader -> leader\n", 2, 23, "both sides of the block are 'leader'");
    PARSE_ERR(CLUSTER "at 1s block rest -> n2\n", 2, 13, "'rest' means every node but a leader target");
    PARSE_ERR(CLUSTER "at 1s block n1 -> rest\n", 2, 19, "'rest' means every node but a leader target");
    PARSE_ERR(CLUSTER "at 1s block rest -> rest\n", 2, 21, "both sides of the block are 'rest'");
    PARSE_ERR(CLUSTER "at 1s clog leader -> n2 for 1s\n", 2, 12, "expected a node name like n1, found 'leader'");
}

/* ---- liveness ---- */

Test(liveness_line, parses_and_takes_its_quiet_point_from_the_actions) {
    PARSE_OK(CLUSTER "run 10s\nat 2s crash n1\nat 3s restart n1\nat 4s clog n1 -> n2 for 2s\nliveness within=3s\n");
    cr_assert_eq(scn.liveness.within_ns, 3000000000u);
    cr_assert_eq(scn.liveness.after_ns, 0u);
    cr_assert_eq(pod_scenario_quiet_ns(&scn), 6000000000u, "a clog's release is a fault's end");
    PARSE_OK(CLUSTER "run 10s\nat 1s..5s flap n1 | n2,n3 every 1s\nliveness after=2s within=1s\n");
    cr_assert_eq(pod_scenario_quiet_ns(&scn), 5000000000u, "a flap's end is a fault's end");
    PARSE_OK(CLUSTER "run 10s\nat 1s crash n1\nliveness within=1s after=7s\n");
    cr_assert_eq(pod_scenario_quiet_ns(&scn), 7000000000u, "after= may set a later point");
    PARSE_OK("liveness within=1s\n" CLUSTER);
}

Test(liveness_line, errors) {
    PARSE_ERR(CLUSTER "liveness\n", 2, 9, "expected within=DURATION after 'liveness'");
    PARSE_ERR(CLUSTER "liveness after=1s\n", 2, 1, "'liveness' needs within=DURATION");
    PARSE_ERR(CLUSTER "liveness within=0s\n", 2, 17, "must be more than 0");
    PARSE_ERR(CLUSTER "liveness withn=1s\n", 2, 10, "unknown 'liveness' key 'withn' (did you mean 'within'?)");
    PARSE_ERR(CLUSTER "liveness within=1s within=2s\n", 2, 20, "'within' is given twice");
    PARSE_ERR(CLUSTER "liveness within=1s\nliveness within=2s\n", 3, 1, "'liveness' is already given on line 2");
    PARSE_ERR(CLUSTER "run 5s\nat 4s crash n1\nliveness within=2s\n", 4, 1,
              "the liveness bound ends after the run: the faults stop at 4s, plus within=2s, but the run is 5s");
    PARSE_ERR(CLUSTER "run 5s\n  liveness within=1s after=5s\n", 3, 3, "the liveness bound ends after the run");
}

Test(workload, fget_is_a_follower_read_in_the_mix) {
    PARSE_OK(CLUSTER "workload clients=2 mix=put:1,fget:3\n");
    cr_assert_eq(scn.workload.mix[POD_WL_FGET], 3u);
    cr_assert_eq(scn.workload.mix[POD_WL_GET], 0u);
    PARSE_ERR(CLUSTER "workload mix=put:1,fgte:3\n", 2, 20, "expected put, get, delete, cas, txn or fget");
}
