/* support.c — helpers shared by tests. */
#include "tests/support.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/echo.h"
#include "nodes/echo_proto.h"

pod_scenario *test_scenario(const char *text) {
    pod_scenario *scn = malloc(sizeof *scn);
    cr_assert_not_null(scn);
    pod_scn_error err;
    if (!pod_scenario_parse(scn, "test.scn", text, strlen(text), &err)) {
        char msg[512];
        pod_scn_error_format(&err, "test.scn", msg, sizeof msg);
        cr_assert_fail("test scenario does not parse: %s", msg);
    }
    return scn;
}

pod_verdict test_run(const pod_scenario *scn, const pod_node_type *type, uint64_t seed,
                     pod_run_result *result) {
    pod_run_options opt = {.seed = seed, .node_type = type, .trace_format = POD_TRACE_NONE};
    return pod_world_run(scn, &opt, result);
}

/* --- the broken echo node: a wrapper around the real one whose outgoing
 * replies are sometimes garbled, by interposing on pod_env.send. --- */

typedef struct broken_echo {
    pod_env env; /* first: the wrapper's env is handed to the real node */
    pod_env *real;
    void *inner;
} broken_echo;

static pod_env *real_env(pod_env *env) { return ((broken_echo *)env)->real; }
static uint64_t fwd_now(pod_env *env) { return real_env(env)->ops->now_ns(real_env(env)); }
static uint64_t fwd_timer_set(pod_env *env, uint64_t d, uint64_t c) {
    return real_env(env)->ops->timer_set(real_env(env), d, c);
}
static bool fwd_timer_cancel(pod_env *env, uint64_t id) {
    return real_env(env)->ops->timer_cancel(real_env(env), id);
}
static uint64_t fwd_random(pod_env *env) { return real_env(env)->ops->random_u64(real_env(env)); }
static void fwd_note(pod_env *env, const char *t) { real_env(env)->ops->note(real_env(env), t); }

static pod_status broken_send(pod_env *env, pod_addr to, const void *bytes, uint32_t len) {
    pod_env *real = real_env(env);
    uint8_t copy[ECHO_MSG_BYTES];
    if (len == ECHO_MSG_BYTES && ((const uint8_t *)bytes)[0] == ECHO_REPLY &&
        real->ops->random_u64(real) % 40 == 0) {
        memcpy(copy, bytes, len);
        copy[8] ^= 0x01; /* the bug: one bit of the nonce */
        return real->ops->send(real, to, copy, len);
    }
    return real->ops->send(real, to, bytes, len);
}

static const pod_env_ops broken_ops = {
    .now_ns = fwd_now,
    .timer_set = fwd_timer_set,
    .timer_cancel = fwd_timer_cancel,
    .random_u64 = fwd_random,
    .send = broken_send,
    .note = fwd_note,
};

static void *broken_start(pod_env *env, const pod_node_param *params, int count) {
    broken_echo *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->env = (pod_env){.ops = &broken_ops, .ctx = NULL, .self = env->self,
                       .cluster_size = env->cluster_size};
    b->real = env;
    b->inner = pod_echo_node_type.start(&b->env, params, count);
    if (!b->inner) {
        free(b);
        return NULL;
    }
    return b;
}

static void broken_stop(void *mem) {
    broken_echo *b = mem;
    pod_echo_node_type.stop(b->inner);
    free(b);
}

static void broken_on_message(void *mem, pod_addr from, const uint8_t *bytes, uint32_t len) {
    pod_echo_node_type.on_message(((broken_echo *)mem)->inner, from, bytes, len);
}

static void broken_on_timer(void *mem, uint64_t id, uint64_t cookie) {
    pod_echo_node_type.on_timer(((broken_echo *)mem)->inner, id, cookie);
}

static void broken_view(const void *mem, pod_node_view *out) {
    pod_echo_node_type.view(((const broken_echo *)mem)->inner, out);
}

const pod_node_type test_broken_echo_type = {
    .name = "echo", /* checked by the echo checkers, as the real one */
    .check_params = NULL,
    .start = broken_start,
    .stop = broken_stop,
    .on_message = broken_on_message,
    .on_timer = broken_on_timer,
    .view = broken_view,
};
