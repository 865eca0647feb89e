/* support.c — helpers shared by tests. */
#include "tests/support.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/echo.h"
#include "nodes/echo_proto.h"
#include "nodes/kv_node.h"
#include "nodes/registry.h"

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
        echo_msg m;
        if (echo_decode(bytes, len, &m) == ECHO_DECODE_OK) {
            m.nonce ^= 0x01; /* the bug: one bit of the nonce (then a valid checksum) */
            echo_encode(&m, copy);
            return real->ops->send(real, to, copy, len);
        }
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

/* --- scenario files and seed sweeps --- */

pod_scenario *test_scenario_file(const char *name, const pod_node_type **type_out) {
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/%s", PODSIM_SOURCE_DIR, name);
    pod_scenario *scn = malloc(sizeof *scn);
    cr_assert_not_null(scn);
    pod_scn_error err;
    if (!pod_scenario_load(scn, path, &err)) {
        char msg[512];
        pod_scn_error_format(&err, path, msg, sizeof msg);
        cr_assert_fail("%s", msg);
    }
    const pod_node_type *type = pod_node_type_find(scn->node_type);
    cr_assert_not_null(type, "%s: unknown node type %s", name, scn->node_type);
    cr_assert(pod_world_validate(scn, type, &err), "%s:%u:%u: %s", name, err.line, err.col, err.message);
    if (type_out) *type_out = type;
    return scn;
}

uint64_t test_first_seed_with(const pod_scenario *scn, const pod_node_type *type, uint64_t first,
                              uint64_t last, pod_verdict want, pod_run_result *result) {
    for (uint64_t seed = first; seed <= last; seed++) {
        if (test_run(scn, type, seed, result) == want) return seed;
    }
    return 0;
}

/* --- the key-value node that acknowledges before its fsync completes --- */

#define ACK_EARLY_TAG 0xFAull /* top byte of the wrapper's own timer cookies */
#define ACK_EARLY_FAKES_MAX 64u

/* An fsync reported early, until its real completion is swallowed. */
typedef struct ack_early_fake {
    uint64_t cookie;
    pod_fd fd;
    bool used;
    bool reported;  /* the early report went to the node */
    bool real_seen; /* the real completion came first and went through */
} ack_early_fake;

typedef struct ack_early {
    pod_env env; /* first: handed to the real node */
    pod_env *real;
    void *inner;
    ack_early_fake fakes[ACK_EARLY_FAKES_MAX];
} ack_early;

static pod_env *ae_real(pod_env *env) { return ((ack_early *)env)->real; }

#define AE_FORWARD(ret, name, params, args) \
    static ret ae_##name params { return ae_real(env)->ops->name args; }
AE_FORWARD(uint64_t, now_ns, (pod_env *env), (ae_real(env)))
AE_FORWARD(uint64_t, timer_set, (pod_env *env, uint64_t d, uint64_t c), (ae_real(env), d, c))
AE_FORWARD(bool, timer_cancel, (pod_env *env, uint64_t id), (ae_real(env), id))
AE_FORWARD(uint64_t, random_u64, (pod_env *env), (ae_real(env)))
AE_FORWARD(pod_status, send, (pod_env *env, pod_addr to, const void *b, uint32_t len), (ae_real(env), to, b, len))
AE_FORWARD(pod_status, open, (pod_env *env, const char *n, uint32_t f, pod_fd *fd), (ae_real(env), n, f, fd))
AE_FORWARD(pod_status, close, (pod_env *env, pod_fd fd), (ae_real(env), fd))
AE_FORWARD(pod_status, size, (pod_env *env, pod_fd fd, uint64_t *s), (ae_real(env), fd, s))
AE_FORWARD(pod_status, read, (pod_env *env, pod_fd fd, uint64_t o, void *b, uint32_t l, uint32_t *g),
           (ae_real(env), fd, o, b, l, g))
AE_FORWARD(pod_status, write, (pod_env *env, pod_fd fd, uint64_t o, const void *b, uint32_t l, uint64_t c),
           (ae_real(env), fd, o, b, l, c))
AE_FORWARD(pod_status, truncate, (pod_env *env, pod_fd fd, uint64_t s), (ae_real(env), fd, s))
AE_FORWARD(pod_status, rename, (pod_env *env, const char *a, const char *b), (ae_real(env), a, b))
AE_FORWARD(pod_status, unlink, (pod_env *env, const char *n), (ae_real(env), n))
AE_FORWARD(pod_status, dir_fsync, (pod_env *env, uint64_t c), (ae_real(env), c))
AE_FORWARD(pod_status, list, (pod_env *env, void (*v)(void *, const char *), void *a), (ae_real(env), v, a))

static void ae_note(pod_env *env, const char *t) { ae_real(env)->ops->note(ae_real(env), t); }
static void ae_fail_stop(pod_env *env, const char *w) { ae_real(env)->ops->fail_stop(ae_real(env), w); }

/* The bug: an fsync "completes" on the next tick, long before the disk has
 * made anything durable. */
static pod_status ae_fsync(pod_env *env, pod_fd fd, uint64_t cookie) {
    ack_early *a = (ack_early *)env;
    pod_status s = a->real->ops->fsync(a->real, fd, cookie);
    if (s != POD_OK) return s;
    for (uint64_t slot = 0; slot < ACK_EARLY_FAKES_MAX; slot++) {
        if (a->fakes[slot].used) continue;
        a->fakes[slot] = (ack_early_fake){.cookie = cookie, .fd = fd, .used = true};
        a->real->ops->timer_set(a->real, 0, ACK_EARLY_TAG << 56 | slot);
        break;
    }
    return s;
}

static const pod_env_ops ack_early_ops = {
    .now_ns = ae_now_ns, .timer_set = ae_timer_set, .timer_cancel = ae_timer_cancel,
    .random_u64 = ae_random_u64, .send = ae_send, .open = ae_open, .close = ae_close,
    .size = ae_size, .read = ae_read, .write = ae_write, .truncate = ae_truncate,
    .fsync = ae_fsync, .rename = ae_rename, .unlink = ae_unlink, .dir_fsync = ae_dir_fsync,
    .list = ae_list, .note = ae_note, .fail_stop = ae_fail_stop,
};

static void *ae_start(pod_env *env, const pod_node_param *params, int count) {
    ack_early *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->env = (pod_env){.ops = &ack_early_ops, .self = env->self, .cluster_size = env->cluster_size};
    a->real = env;
    a->inner = pod_kv_node_type.start(&a->env, params, count);
    if (!a->inner) {
        free(a);
        return NULL;
    }
    return a;
}

static void ae_stop(void *mem) {
    ack_early *a = mem;
    pod_kv_node_type.stop(a->inner);
    free(a);
}

static void ae_on_message(void *mem, pod_addr from, const uint8_t *b, uint32_t len) {
    pod_kv_node_type.on_message(((ack_early *)mem)->inner, from, b, len);
}

static void ae_on_timer(void *mem, uint64_t id, uint64_t cookie) {
    ack_early *a = mem;
    if (cookie >> 56 != ACK_EARLY_TAG) {
        pod_kv_node_type.on_timer(a->inner, id, cookie);
        return;
    }
    ack_early_fake *f = &a->fakes[cookie & 0xffu];
    if (!f->used) return;
    if (f->real_seen) { /* the disk beat the lie: nothing to do */
        f->used = false;
        return;
    }
    f->reported = true;
    pod_disk_done done = {.op = POD_DISK_FSYNC, .status = POD_OK, .fd = f->fd, .cookie = f->cookie};
    pod_kv_node_type.on_disk(a->inner, &done);
}

static void ae_on_disk(void *mem, const pod_disk_done *done) {
    ack_early *a = mem;
    if (done->op == POD_DISK_FSYNC) {
        for (uint32_t i = 0; i < ACK_EARLY_FAKES_MAX; i++) {
            ack_early_fake *f = &a->fakes[i];
            if (!f->used || f->cookie != done->cookie) continue;
            if (f->reported) { /* already "completed": swallow the truth */
                f->used = false;
                return;
            }
            f->real_seen = true;
            break;
        }
    }
    pod_kv_node_type.on_disk(a->inner, done);
}

static void ae_view(const void *mem, pod_node_view *out) {
    pod_kv_node_type.view(((const ack_early *)mem)->inner, out);
}

const pod_node_type test_kv_ack_early_type = {
    .name = "kv", /* so the kv checkers watch it */
    .start = ae_start,
    .stop = ae_stop,
    .on_message = ae_on_message,
    .on_timer = ae_on_timer,
    .on_disk = ae_on_disk,
    .view = ae_view,
};
