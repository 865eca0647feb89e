/* test_world.c — the world end to end with the echo node: determinism,
 * faults doing what they say, budgets, and the echo checker's teeth. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "nodes/echo.h"
#include "tests/support.h"

static const char base_scenario[] =
    "cluster nodes=3 type=echo\n"
    "node interval_ms=50\n"
    "network latency=1ms..9ms drop=2% dup=1%\n"
    "run 5s\n"
    "at 1s crash n1\n"
    "at 2s restart n1\n"
    "at 2500ms partition n1 | n2,n3\n"
    "at 3s heal\n";

Test(world, same_seed_same_hash_other_seed_other_hash) {
    pod_scenario *scn = test_scenario(base_scenario);
    pod_run_result a, b, c;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 1, &a), POD_VERDICT_PASS, "%s", a.message);
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 1, &b), POD_VERDICT_PASS);
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 2, &c), POD_VERDICT_PASS);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    cr_assert_eq(a.events, b.events);
    cr_assert_neq(a.trace_hash, c.trace_hash);
    cr_assert_gt(a.events, 100u, "the run did too little to be a test");
    cr_assert_eq(a.sim_ns, 5000000000ull);
    free(scn);
}

Test(world, printing_the_trace_does_not_change_the_hash) {
    pod_scenario *scn = test_scenario(base_scenario);
    pod_run_result quiet, text, jsonl;
    test_run(scn, &pod_echo_node_type, 5, &quiet);
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_not_null(sink);
    pod_run_options opt = {.seed = 5, .node_type = &pod_echo_node_type,
                           .trace_format = POD_TRACE_TEXT, .trace_out = sink};
    pod_world_run(scn, &opt, &text);
    opt.trace_format = POD_TRACE_JSONL;
    pod_world_run(scn, &opt, &jsonl);
    fclose(sink);
    cr_assert_eq(quiet.trace_hash, text.trace_hash);
    cr_assert_eq(quiet.trace_hash, jsonl.trace_hash);
    free(scn);
}

/* Expectations are real checks: a true one passes, a false one fails the
 * run with what was expected and what was found. */
Test(world, expectations_pass_and_fail) {
    pod_scenario *scn = test_scenario("cluster nodes=2 type=echo\nrun 2s\nexpect echo.pings_sent > 10\n");
    pod_run_result r;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 1, &r), POD_VERDICT_PASS, "%s", r.message);
    free(scn);
    scn = test_scenario("cluster nodes=2 type=echo\nrun 2s\nexpect echo.pings_sent < 10\n");
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 1, &r), POD_VERDICT_VIOLATION);
    cr_assert(strstr(r.message, "expected echo.pings_sent < 10, found") != NULL, "%s", r.message);
    cr_assert(strstr(r.check, "line 3") != NULL, "%s", r.check);
    free(scn);
}

Test(world, a_crashed_node_receives_nothing_and_counters_survive_it) {
    /* n2 is down from 1s to the end: messages to it are dropped as "down",
     * and the pings it sent before the crash still count. */
    pod_scenario *scn = test_scenario("cluster nodes=2 type=echo\nnode interval_ms=10\nrun 3s\n"
                                      "at 1s crash n2\n"
                                      "expect crashes == 1\n"
                                      "expect echo.pings_sent >= 150\n"
                                      "expect echo.replies_received <= 250\n"
                                      "expect messages.dropped >= 100\n");
    pod_run_result r;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 3, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
}

Test(world, a_partition_drops_and_heal_restores) {
    /* Two nodes split for the whole run exchange nothing. */
    pod_scenario *scn = test_scenario("cluster nodes=2 type=echo\nrun 2s\n"
                                      "at 0s partition n1 | n2\n"
                                      "expect messages.delivered == 0\n"
                                      "expect echo.replies_received == 0\n");
    pod_run_result r;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 4, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
    /* One-way block: whatever n1 sends to n2 vanishes — its pings and its
     * replies to n2's pings — so no ping is ever answered, yet n2's pings
     * still reach n1. */
    scn = test_scenario("cluster nodes=2 type=echo\nrun 2s\n"
                        "at 0s block n1 -> n2\n"
                        "expect messages.delivered > 0\n"
                        "expect echo.replies_received == 0\n");
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 4, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
}

Test(world, a_paused_node_gets_its_messages_late_not_never) {
    /* n2 is paused for the whole middle of the run: nothing is dropped, and
     * every message sent is delivered (but the last few in flight), so what
     * waited in n2's buffer was handed over on resume, not thrown away. */
    pod_scenario *scn = test_scenario("cluster nodes=2 type=echo\nnetwork latency=1ms\nrun 4s\n"
                                      "at 1s pause n2\nat 3s resume n2\n"
                                      "expect messages.dropped == 0\n"
                                      "expect pauses == 1\n");
    pod_run_result r;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 5, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
    scn = test_scenario("cluster nodes=2 type=echo\nnetwork latency=1ms\nrun 4s\n"
                        "at 1s pause n2\nat 3s resume n2\n"
                        "expect messages.delivered >= 60\n"
                        "expect echo.replies_received >= 28\n");
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 5, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
}

/* A node whose timers check that they fire with the id timer_set gave, and
 * that a cancelled timer never fires — also across a pause. */
typedef struct tick_node {
    pod_env *env;
    uint64_t armed_id;
    uint64_t doomed_id;
    uint64_t counters[8];
} tick_node;

static const char *const tick_counters[] = {"fired", "id_mismatch", "cancelled_fired", NULL};

static void *tick_start(pod_env *env, const pod_node_param *params, int count) {
    (void)params;
    (void)count;
    tick_node *t = calloc(1, sizeof *t);
    t->env = env;
    t->armed_id = env->ops->timer_set(env, 300000000, 1);
    t->doomed_id = env->ops->timer_set(env, 400000000, 2);
    return t;
}
static void tick_stop(void *mem) { free(mem); }
static void tick_message(void *mem, pod_addr from, const uint8_t *b, uint32_t len) {
    (void)mem, (void)from, (void)b, (void)len;
}
static void tick_timer(void *mem, uint64_t id, uint64_t cookie) {
    tick_node *t = mem;
    if (cookie == 2) {
        t->counters[2]++;
        return;
    }
    t->counters[0]++;
    if (id != t->armed_id) t->counters[1]++;
    /* The doomed timer is cancelled from here, perhaps while it waits in the
     * held list of a node that just resumed. */
    t->env->ops->timer_cancel(t->env, t->doomed_id);
    t->armed_id = t->env->ops->timer_set(t->env, 300000000, 1);
    t->doomed_id = t->env->ops->timer_set(t->env, 300000000 + 1, 2);
}
static void tick_view(const void *mem, pod_node_view *out) {
    memcpy(out->counters, ((const tick_node *)mem)->counters, sizeof ((const tick_node *)mem)->counters);
}
static const pod_node_type tick_type = {
    .name = "tick", .start = tick_start, .stop = tick_stop, .on_message = tick_message,
    .on_timer = tick_timer, .view = tick_view, .counter_names = tick_counters,
};

Test(world, timers_fire_with_their_ids_and_cancel_works_across_a_pause) {
    pod_scenario *scn = test_scenario("cluster nodes=1 type=tick\nrun 5s\n"
                                      "at 1s pause n1\nat 2500ms resume n1\n"
                                      "expect tick.fired >= 10\n"
                                      "expect tick.id_mismatch == 0\n"
                                      "expect tick.cancelled_fired == 0\n");
    pod_scn_error err;
    cr_assert(pod_world_validate(scn, &tick_type, &err), "%s", err.message);
    pod_run_result r;
    cr_assert_eq(test_run(scn, &tick_type, 1, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
}

Test(world, a_latency_past_the_end_of_time_saturates) {
    pod_scenario *scn = test_scenario("cluster nodes=2 type=echo\nrun 1s\n"
                                      "network latency=18446744073709551000ns\n"
                                      "expect messages.delivered == 0\n");
    pod_run_result r;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 1, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
}

Test(world, the_events_budget_stops_a_run_and_says_so) {
    pod_scenario *scn = test_scenario("cluster nodes=3 type=echo\nrun 10s\nbudget events=500\n");
    pod_run_result r;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 1, &r), POD_VERDICT_BUDGET);
    cr_assert_eq(r.events, 500u);
    cr_assert(strstr(r.message, "events budget exhausted") != NULL, "%s", r.message);
    cr_assert_lt(r.sim_ns, 10000000000ull);
    free(scn);
}

Test(world, the_pending_budget_stops_a_run_and_says_so) {
    pod_scenario *scn = test_scenario("cluster nodes=5 type=echo\nrun 1s\nbudget pending=4\n");
    pod_run_result r;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 1, &r), POD_VERDICT_BUDGET);
    cr_assert(strstr(r.message, "pending events budget exhausted") != NULL, "%s", r.message);
    free(scn);
}

/* Teeth: a node that garbles one reply in 40 must be caught, on every seed
 * tried, with a message naming what was expected. The same seeds with the
 * real node pass. */
Test(world, echo_checker_catches_a_broken_echo_node) {
    pod_scenario *scn = test_scenario(base_scenario);
    int caught = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        pod_run_result r;
        pod_verdict v = test_run(scn, &test_broken_echo_type, seed, &r);
        if (v == POD_VERDICT_VIOLATION) {
            caught++;
            cr_assert_str_eq(r.check, "echo-integrity");
            cr_assert(strstr(r.message, "expected the seq and nonce of a ping") != NULL, "%s", r.message);
        }
        cr_assert_eq(test_run(scn, &pod_echo_node_type, seed, &r), POD_VERDICT_PASS, "seed %lu: %s",
                     (unsigned long)seed, r.message);
    }
    cr_assert_eq(caught, 20, "the broken node escaped on %d of 20 seeds", 20 - caught);
    free(scn);
}

Test(world, validate_names_the_line_and_column_of_a_bad_param_or_counter) {
    pod_scenario *scn = test_scenario("cluster nodes=2 type=echo\nnode interval_ms=0\n");
    pod_scn_error err;
    cr_assert_not(pod_world_validate(scn, &pod_echo_node_type, &err));
    cr_assert_eq(err.line, 2u);
    cr_assert_eq(err.col, 6u);
    cr_assert(strstr(err.message, "interval_ms") != NULL, "%s", err.message);
    free(scn);
    scn = test_scenario("cluster nodes=2 type=echo\nexpect echo.pongs > 1\n");
    cr_assert_not(pod_world_validate(scn, &pod_echo_node_type, &err));
    cr_assert_eq(err.line, 2u);
    cr_assert_eq(err.col, 8u);
    cr_assert(strstr(err.message, "unknown counter 'echo.pongs'") != NULL, "%s", err.message);
    free(scn);
}

/* --- the determinism self-check has teeth --------------------------------- */

/* An echo node with a bug real code has: state kept in a static variable,
 * so that the second run in a process is not the first. */
static void *leaky_start(pod_env *env, const pod_node_param *params, int count) {
    static uint64_t runs_in_this_process;
    runs_in_this_process++;
    if (runs_in_this_process % 2 == 0) env->ops->timer_set(env, 1000000, 7); /* an extra timer */
    return pod_echo_node_type.start(env, params, count);
}
static void leaky_timer(void *mem, uint64_t id, uint64_t cookie) {
    if (cookie == 7) return;
    pod_echo_node_type.on_timer(mem, id, cookie);
}

Test(world, the_determinism_check_finds_the_first_diverging_record) {
    pod_node_type leaky = pod_echo_node_type;
    leaky.start = leaky_start;
    leaky.on_timer = leaky_timer;
    pod_scenario *scn = test_scenario("cluster nodes=1 type=echo\nrun 1s\n");
    pod_trace_compare first = {0}, second = {0};
    pod_run_options opt = {.seed = 1, .node_type = &leaky, .compare = &first};
    pod_run_result a, b;
    pod_world_run(scn, &opt, &a);
    cr_assert_gt(first.count, 3u);
    second.reference = first.hashes;
    second.reference_count = first.count;
    opt.compare = &second;
    pod_world_run(scn, &opt, &b);
    cr_assert(second.diverged, "the leaky node's second run was not told apart");
    cr_assert_leq(second.diverged_at, 3u, "the extra timer-set comes right after the start");
    cr_assert(strstr(second.diverged_text, "timer-set") != NULL, "%s", second.diverged_text);
    /* The real echo node: no divergence. */
    pod_trace_compare again = {0}, check = {0};
    opt = (pod_run_options){.seed = 1, .node_type = &pod_echo_node_type, .compare = &again};
    pod_world_run(scn, &opt, &a);
    check.reference = again.hashes;
    check.reference_count = again.count;
    opt.compare = &check;
    pod_world_run(scn, &opt, &b);
    cr_assert_not(check.diverged);
    free(first.hashes);
    free(again.hashes);
    free(scn);
}
