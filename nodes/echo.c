/* echo.c — the trivial node: every `interval_ms` (with jitter from its own
 * random stream) it pings a random peer; a pinged node replies with the same
 * sequence number and nonce. It keeps nothing on disk. It exists so that the
 * world — scheduler, timers, network, faults, trace — can be tested without
 * a real replicated store behind pod_env.h. */
#include "nodes/echo.h"

#include "nodes/echo_proto.h"
#include "nodes/node_params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECHO_OUTSTANDING_MAX 64u /* pings remembered for matching replies */
#define ECHO_INTERVAL_MS_DEFAULT 100u
#define ECHO_INTERVAL_MS_MAX 3600000u

enum { CTR_PINGS_SENT, CTR_REPLIES_SENT, CTR_REPLIES_RECEIVED, CTR_REPLIES_UNMATCHED,
       CTR_MALFORMED, CTR_CORRUPT };

static const char *const echo_counter_names[] = {
    "pings_sent", "replies_sent", "replies_received", "replies_unmatched", "malformed", "corrupt", NULL,
};

typedef struct echo_node {
    pod_env *env;
    uint64_t interval_ns;
    uint32_t next_seq;
    /* Ring of the last pings sent: (seq, nonce). */
    uint32_t sent_seq[ECHO_OUTSTANDING_MAX];
    uint64_t sent_nonce[ECHO_OUTSTANDING_MAX];
    uint64_t counters[8];
} echo_node;

static int echo_check_params(const pod_node_param *params, int count, char *err, size_t err_len) {
    for (int i = 0; i < count; i++) {
        uint64_t ms;
        if (strcmp(params[i].key, "interval_ms") == 0) {
            if (pod_param_u64(params[i].value, 1, ECHO_INTERVAL_MS_MAX, &ms)) continue;
            snprintf(err, err_len, "expected interval_ms=N with N in 1..%u, found '%s'",
                     ECHO_INTERVAL_MS_MAX, params[i].value);
            return i;
        }
        snprintf(err, err_len, "unknown parameter '%s'; expected interval_ms", params[i].key);
        return i;
    }
    return -1;
}

static void arm_timer(echo_node *node) {
    pod_env *env = node->env;
    /* Jitter of up to a quarter interval keeps nodes from pinging in step. */
    uint64_t jitter = env->ops->random_u64(env) % (node->interval_ns / 4 + 1);
    env->ops->timer_set(env, node->interval_ns + jitter, 0);
}

static void *echo_start(pod_env *env, const pod_node_param *params, int count) {
    echo_node *node = calloc(1, sizeof *node);
    if (!node) return NULL;
    node->env = env;
    uint64_t ms = ECHO_INTERVAL_MS_DEFAULT;
    for (int i = 0; i < count; i++) {
        if (strcmp(params[i].key, "interval_ms") == 0) pod_param_u64(params[i].value, 1, ECHO_INTERVAL_MS_MAX, &ms);
    }
    node->interval_ns = ms * 1000000u;
    arm_timer(node);
    return node;
}

static void echo_stop(void *mem) { free(mem); }

static void send_ping(echo_node *node) {
    pod_env *env = node->env;
    if (env->cluster_size < 2) return;
    uint16_t peer = (uint16_t)(env->ops->random_u64(env) % (env->cluster_size - 1));
    if (peer >= env->self) peer++;
    echo_msg m = {.type = ECHO_PING, .seq = node->next_seq++, .nonce = env->ops->random_u64(env)};
    uint32_t slot = m.seq % ECHO_OUTSTANDING_MAX;
    node->sent_seq[slot] = m.seq;
    node->sent_nonce[slot] = m.nonce;
    uint8_t bytes[ECHO_MSG_BYTES];
    echo_encode(&m, bytes);
    if (env->ops->send(env, peer, bytes, sizeof bytes) == POD_OK) node->counters[CTR_PINGS_SENT]++;
}

static void echo_on_timer(void *mem, uint64_t timer_id, uint64_t cookie) {
    (void)timer_id;
    (void)cookie;
    echo_node *node = mem;
    send_ping(node);
    arm_timer(node);
}

static void echo_on_message(void *mem, pod_addr from, const uint8_t *bytes, uint32_t len) {
    echo_node *node = mem;
    pod_env *env = node->env;
    echo_msg m;
    int decoded = echo_decode(bytes, len, &m);
    if (decoded != ECHO_DECODE_OK) { /* damaged in flight, or not ours: dropped */
        node->counters[decoded == ECHO_DECODE_CORRUPT ? CTR_CORRUPT : CTR_MALFORMED]++;
        return;
    }
    if (m.type == ECHO_PING) {
        echo_msg reply = {.type = ECHO_REPLY, .seq = m.seq, .nonce = m.nonce};
        uint8_t out[ECHO_MSG_BYTES];
        echo_encode(&reply, out);
        if (env->ops->send(env, from, out, sizeof out) == POD_OK) node->counters[CTR_REPLIES_SENT]++;
        return;
    }
    uint32_t slot = m.seq % ECHO_OUTSTANDING_MAX;
    bool matched = node->sent_seq[slot] == m.seq && node->sent_nonce[slot] == m.nonce &&
                   m.seq < node->next_seq;
    node->counters[matched ? CTR_REPLIES_RECEIVED : CTR_REPLIES_UNMATCHED]++;
}

static void echo_view(const void *mem, pod_node_view *out) {
    const echo_node *node = mem;
    memcpy(out->counters, node->counters, sizeof node->counters);
}

const pod_node_type pod_echo_node_type = {
    .name = "echo",
    .check_params = echo_check_params,
    .start = echo_start,
    .stop = echo_stop,
    .on_message = echo_on_message,
    .on_timer = echo_on_timer,
    .on_disk = NULL,
    .view = echo_view,
    .counter_names = echo_counter_names,
};
