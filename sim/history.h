/* history.h — what the simulated clients did: every operation's
 * invocation, completion and result, in invocation order. The facts
 * checkers judge the system by (durability, linearizability). */
#ifndef PODSIM_HISTORY_H
#define PODSIM_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

typedef enum pod_hist_outcome {
    POD_HIST_PENDING = 0, /* invoked; no answer yet */
    POD_HIST_DONE,        /* the node answered: status says how */
    POD_HIST_TIMEOUT,     /* no answer in time: it may or may not have happened */
} pod_hist_outcome;

typedef struct pod_hist_op {
    uint64_t invoke_ns;
    uint64_t complete_ns;  /* DONE: when the answer arrived; TIMEOUT: when the client gave up */
    uint64_t request_no;
    uint64_t index;        /* a write's log index from the answer; 0 otherwise */
    uint32_t client;       /* 1-based client id */
    uint32_t cmd_off;      /* the encoded command (nodes/kv_store.h) in the arena */
    uint32_t cmd_len;
    uint32_t result_off;   /* a GET's value in the arena */
    uint32_t result_len;
    uint8_t op;            /* pod_kv_op */
    uint8_t outcome;       /* pod_hist_outcome */
    uint8_t status;        /* DONE: pod_kv_status or KV_REPLY_* */
    uint16_t node;         /* the node the request went to */
    uint8_t follower_read; /* a Follower Read: any replica answered it, at the
                              log index in `index`; not linearizable */
} pod_hist_op;

#define POD_HIST_OPS_MAX (1u << 22)          /* operations per run */
#define POD_HIST_ARENA_BYTES_MAX (256u << 20) /* command and result bytes per run */

typedef struct pod_history {
    pod_hist_op *ops;
    uint32_t count;
    uint32_t capacity;
    uint8_t *arena;
    uint32_t arena_used;
    uint32_t arena_capacity;
} pod_history;

void pod_history_init(pod_history *h);
void pod_history_free(pod_history *h);

/* Records an invocation; its index in *op_out. False when a limit of the
 * history is reached or memory ran out (the caller stops the run). */
bool pod_history_invoke(pod_history *h, uint32_t client, uint64_t request_no, uint8_t op,
                        uint16_t node, const uint8_t *cmd, uint32_t cmd_len, uint64_t now_ns,
                        uint32_t *op_out);
/* Records the answer to a pending operation. False when out of memory. */
bool pod_history_complete(pod_history *h, uint32_t op, uint64_t now_ns, uint8_t status,
                          uint64_t index, const uint8_t *value, uint32_t value_len);
void pod_history_timeout(pod_history *h, uint32_t op, uint64_t now_ns);

static inline const uint8_t *pod_history_bytes(const pod_history *h, uint32_t off) {
    return h->arena + off;
}

#endif
