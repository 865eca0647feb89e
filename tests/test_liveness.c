/* test_liveness.c — the `liveness within=D` line and its checker
 * (sim/check_liveness.c): each of its conditions (majority, requests,
 * convergence) is seen to pass on a healthy run and to fire on a run that
 * cannot recover. (The leader condition's breakage, a node that never
 * stands for election again, is tests/teeth_rkv.c built with
 * PODSIM_TEST_BREAK_NO_REELECTION.) */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "nodes/registry.h"
#include "nodes/rkv_node.h"
#include "tests/support.h"

/* A broken rkv node for the convergence condition: n3 hangs at 1 s without
 * crashing — it still answers the world's view (up, running, its old term)
 * but ignores every message and timer. The other two keep a majority, elect,
 * commit and answer the clients; only convergence can notice n3. */
typedef struct hung {
    void *inner;
    pod_env *env;
} hung;

static bool hung_now(const hung *h) {
    return h->env->self == 2 && h->env->ops->now_ns(h->env) >= 1000000000u;
}

static void *hung_start(pod_env *env, const pod_node_param *params, int count) {
    hung *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->env = env;
    h->inner = pod_rkv_node_type.start(env, params, count);
    if (!h->inner) {
        free(h);
        return NULL;
    }
    return h;
}

static void hung_stop(void *mem) {
    hung *h = mem;
    pod_rkv_node_type.stop(h->inner);
    free(h);
}

static void hung_on_message(void *mem, pod_addr from, const uint8_t *b, uint32_t len) {
    hung *h = mem;
    if (!hung_now(h)) pod_rkv_node_type.on_message(h->inner, from, b, len);
}

static void hung_on_timer(void *mem, uint64_t id, uint64_t cookie) {
    hung *h = mem;
    if (!hung_now(h)) pod_rkv_node_type.on_timer(h->inner, id, cookie);
}

static void hung_on_disk(void *mem, const pod_disk_done *done) {
    pod_rkv_node_type.on_disk(((hung *)mem)->inner, done);
}

static void hung_view(const void *mem, pod_node_view *out) {
    pod_rkv_node_type.view(((const hung *)mem)->inner, out);
}

static const pod_node_type hung_follower_type = {
    .name = "rkv", /* so the replication checker watches it too */
    .check_params = NULL,
    .start = hung_start,
    .stop = hung_stop,
    .on_message = hung_on_message,
    .on_timer = hung_on_timer,
    .on_disk = hung_on_disk,
    .view = hung_view,
};

static pod_verdict run_text(const char *text, uint64_t seed, pod_run_result *r) {
    pod_scenario *scn = test_scenario(text);
    const pod_node_type *type = pod_node_type_find(scn->node_type);
    cr_assert_not_null(type);
    pod_verdict v = test_run(scn, type, seed, r);
    free(scn);
    return v;
}

#define RKV3 "cluster nodes=3 type=rkv\nnode election_ms=150 heartbeat_ms=40\nrun 5s\n" \
             "workload clients=3 timeout=300ms\n"
#define KV1 "cluster nodes=1 type=kv\nrun 4s\nworkload clients=2 timeout=300ms\n"

Test(liveness, a_cluster_that_recovers_passes) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
        pod_run_result r;
        pod_verdict v = run_text(RKV3 "at 1s crash leader\nat 1.3s restart last_leader\nliveness within=1.5s\n",
                                 seed, &r);
        cr_assert_eq(v, POD_VERDICT_PASS, "seed %lu: %s: %s", (unsigned long)seed, r.check, r.message);
    }
    pod_run_result r;
    cr_assert_eq(run_text(KV1 "at 1s crash n1\nat 1.1s restart n1\nliveness within=1s\n", 1, &r), POD_VERDICT_PASS,
                 "%s: %s", r.check, r.message);
}

Test(liveness, no_majority_left_up_fires) {
    pod_run_result r;
    pod_verdict v = run_text(RKV3 "at 1s crash n1\nat 1s crash n2\nliveness within=1s\n", 1, &r);
    cr_assert_eq(v, POD_VERDICT_VIOLATION);
    cr_assert_str_eq(r.check, "liveness");
    cr_assert(strstr(r.message, "only 1 of 3 nodes are up, running and connected") != NULL, "%s", r.message);
    /* A partition left in place is no better than crashed nodes. */
    v = run_text(RKV3 "at 1s partition n1 | n2 | n3\nliveness within=1s\n", 1, &r);
    cr_assert_eq(v, POD_VERDICT_VIOLATION);
    cr_assert(strstr(r.message, "only 1 of 3 nodes") != NULL, "%s", r.message);
}

/* A single node whose every disk operation stalls for 2 s cannot answer
 * within a 1 s bound: the requests condition fires (no roles, so no leader
 * is asked of it). */
Test(liveness, clients_left_waiting_fire) {
    pod_run_result r;
    pod_verdict v = run_text(KV1 "disk stall=100% stall_time=2s\nat 1s crash n1\nat 1.1s restart n1\n"
                                 "liveness within=1s\n",
                             1, &r);
    cr_assert_eq(v, POD_VERDICT_VIOLATION);
    cr_assert_str_eq(r.check, "liveness");
    cr_assert(strstr(r.message, "expected every client answered within 1000 ms") != NULL, "%s", r.message);
}

/* Without the line the checker judges nothing, whatever the run does. */
Test(liveness, no_line_no_check) {
    pod_run_result r;
    cr_assert_eq(run_text(RKV3 "at 1s crash n1\nat 1s crash n2\n", 1, &r), POD_VERDICT_PASS, "%s: %s", r.check,
                 r.message);
}

/* n3 hangs: the replication checker sees nothing wrong (it applies nothing
 * new, so nothing different), the cluster serves — convergence fires. Some
 * seeds may have n3 leading at 1 s; the rest must catch it. */
Test(liveness, a_hung_follower_fails_convergence) {
    pod_scenario *scn = test_scenario(RKV3 "liveness within=1.5s\n");
    uint32_t caught = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        pod_run_result r;
        pod_verdict v = test_run(scn, &hung_follower_type, seed, &r);
        cr_assert_neq(v, POD_VERDICT_ERROR);
        if (v == POD_VERDICT_VIOLATION && strcmp(r.check, "liveness") == 0 &&
            strstr(r.message, "expected every live node to converge") != NULL) {
            caught++;
        }
    }
    free(scn);
    cr_assert_geq(caught, 5u, "a hung follower escaped convergence on %u of 10 seeds", 10 - caught);
}
