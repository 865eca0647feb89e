/* test_nemesis.c — run-time targets: `crash leader`, `restart last_leader`,
 * `partition leader | rest`… resolve to the node whose view says it leads
 * (highest term) at the moment the action runs, and are logged no-ops when
 * no node leads. Read from the printed trace, the way a user would. */
#include <criterion/criterion.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/registry.h"
#include "tests/support.h"

#define RKV3 "cluster nodes=3 type=rkv\nnode election_ms=150 heartbeat_ms=40\nrun 3s\n" \
             "workload clients=2 timeout=300ms\n"

/* Runs `text` with seed `seed`; the printed trace in *trace_out (free it). */
static pod_verdict run_traced(const char *text, uint64_t seed, char **trace_out, pod_run_result *r) {
    pod_scenario *scn = test_scenario(text);
    const pod_node_type *type = pod_node_type_find(scn->node_type);
    cr_assert_not_null(type);
    size_t len = 0;
    FILE *out = open_memstream(trace_out, &len);
    cr_assert_not_null(out);
    pod_run_options opt = {.seed = seed, .node_type = type, .trace_format = POD_TRACE_TEXT,
                           .trace_out = out};
    pod_verdict v = pod_world_run(scn, &opt, r);
    fclose(out);
    free(scn);
    return v;
}

/* The node the note names for `what` ("crash leader: n"), 0 if none. */
static unsigned named_node(const char *trace, const char *what, uint64_t *term) {
    const char *at = strstr(trace, what);
    if (!at) return 0;
    unsigned node = 0;
    unsigned long long t = 0;
    int got = sscanf(at + strlen(what), "%u (term %llu)", &node, &t);
    if (term) *term = got == 2 ? t : 0;
    return got >= 1 ? node : 0;
}

Test(nemesis, crash_leader_hits_the_node_that_leads_and_restart_brings_it_back) {
    for (uint64_t seed = 1; seed <= 10; seed++) {
        char *trace = NULL;
        pod_run_result r;
        pod_verdict v = run_traced(RKV3 "at 1s crash leader\nat 1.5s restart last_leader\n", seed, &trace, &r);
        cr_assert_eq(v, POD_VERDICT_PASS, "seed %" PRIu64 ": %s: %s", seed, r.check, r.message);
        uint64_t term = 0;
        unsigned victim = named_node(trace, "nemesis: crash leader: n", &term);
        cr_assert_neq(victim, 0u, "seed %" PRIu64 ": no leader was found to crash", seed);
        /* That node announced this very term, and no later one before 1s. */
        char announced[64];
        snprintf(announced, sizeof announced, "n%u     note         leader of term %" PRIu64, victim, term);
        const char *when = strstr(trace, announced);
        cr_assert_not_null(when, "seed %" PRIu64 ": n%u never said it leads term %" PRIu64, seed, victim, term);
        char next_term[64];
        snprintf(next_term, sizeof next_term, "leader of term %" PRIu64, term + 1);
        const char *later = strstr(trace, next_term);
        const char *crash = strstr(trace, "nemesis: crash leader");
        cr_assert(later == NULL || later > crash, "seed %" PRIu64 ": a newer leader existed at the crash", seed);
        cr_assert_eq(named_node(trace, "nemesis: restart last_leader: n", NULL), victim,
                     "seed %" PRIu64 ": restart last_leader must restart the crashed leader", seed);
        free(trace);
    }
}

Test(nemesis, no_leader_makes_a_logged_no_op) {
    char *trace = NULL;
    pod_run_result r;
    /* At 1 ms nobody has stood for election yet (election_ms=150). */
    pod_verdict v = run_traced(RKV3 "at 1ms crash leader\nat 2ms restart last_leader\nexpect crashes == 0\n"
                                    "expect restarts == 0\n",
                               1, &trace, &r);
    cr_assert_eq(v, POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    cr_assert_not_null(strstr(trace, "nemesis: crash leader: no node leads, nothing done"));
    cr_assert_not_null(strstr(trace, "nemesis: restart last_leader: no leader resolved yet, nothing done"));
    free(trace);
    /* Echo nodes report no role: there is never a leader to hit. */
    v = run_traced("cluster nodes=3 type=echo\nrun 2s\nat 1s crash leader\nexpect crashes == 0\n", 1, &trace, &r);
    cr_assert_eq(v, POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(trace);
}

/* (Not `block rest -> leader`: the leader's HeartBeats still flow, so the
 * followers never time out — Raft without a check-quorum.) */
Test(nemesis, partition_and_block_around_the_leader_force_a_new_election) {
    const char *const shapes[] = {"at 1s partition leader | rest\n", "at 1s isolate leader\n",
                                  "at 1s block leader -> rest\n", "at 1s pause leader\n"};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, RKV3 "%s", shapes[i]);
        char *trace = NULL;
        pod_run_result r;
        pod_verdict v = run_traced(text, 3, &trace, &r);
        cr_assert_eq(v, POD_VERDICT_PASS, "%s%s: %s", shapes[i], r.check, r.message);
        uint64_t term = 0;
        cr_assert_neq(named_node(trace, "leader: n", &term), 0u, "%s: no leader resolved", shapes[i]);
        /* Cut off (or deaf), the old leader is replaced in a later term. */
        char next_term[64];
        snprintf(next_term, sizeof next_term, "leader of term %" PRIu64, term + 1);
        const char *after = strstr(trace, "nemesis:");
        cr_assert(after && strstr(after, "leader of term") != NULL, "%s: no election after the fault",
                  shapes[i]);
        free(trace);
    }
}

/* Whoever leads, `block leader -> rest` cuts exactly its outgoing links. */
Test(nemesis, a_target_block_cuts_only_the_targets_links) {
    char *trace = NULL;
    pod_run_result r;
    pod_verdict v = run_traced(RKV3 "at 1s block leader -> rest\n", 2, &trace, &r);
    cr_assert_eq(v, POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    unsigned l = named_node(trace, "nemesis: block leader: n", NULL);
    cr_assert_neq(l, 0u);
    uint32_t blocks = 0;
    for (const char *p = strstr(trace, " block  "); p; p = strstr(p + 1, " block  ")) {
        const char *line = p;
        while (line > trace && line[-1] != '\n') line--;
        char who[16];
        snprintf(who, sizeof who, "n%u ", l);
        cr_assert(strstr(line, who) != NULL && strstr(line, who) < p, "a block of another node's links");
        blocks++;
    }
    cr_assert_eq(blocks, 2u, "expected the leader's two outgoing links cut, found %u", blocks);
    free(trace);
}
