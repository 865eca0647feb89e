/* history.c — an append-only log of client operations, with their bytes in
 * one arena (offsets, not pointers, since the arena grows). */
#include "sim/history.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void pod_history_init(pod_history *h) { memset(h, 0, sizeof *h); }

void pod_history_free(pod_history *h) {
    free(h->ops);
    free(h->arena);
    memset(h, 0, sizeof *h);
}

/* Copies bytes into the arena; their offset in *off_out. */
static bool arena_put(pod_history *h, const uint8_t *bytes, uint32_t len, uint32_t *off_out) {
    if ((uint64_t)h->arena_used + len > POD_HIST_ARENA_BYTES_MAX) return false;
    if (h->arena_used + len > h->arena_capacity) {
        uint64_t want = h->arena_capacity ? (uint64_t)h->arena_capacity * 2 : 65536;
        while (want < (uint64_t)h->arena_used + len) want *= 2;
        if (want > POD_HIST_ARENA_BYTES_MAX) want = POD_HIST_ARENA_BYTES_MAX;
        uint8_t *grown = realloc(h->arena, (size_t)want);
        if (!grown) return false;
        h->arena = grown;
        h->arena_capacity = (uint32_t)want;
    }
    if (len) memcpy(h->arena + h->arena_used, bytes, len);
    *off_out = h->arena_used;
    h->arena_used += len;
    return true;
}

bool pod_history_invoke(pod_history *h, uint32_t client, uint64_t request_no, uint8_t op,
                        uint16_t node, const uint8_t *cmd, uint32_t cmd_len, uint64_t now_ns,
                        uint32_t *op_out) {
    if (h->count == POD_HIST_OPS_MAX) return false;
    if (h->count == h->capacity) {
        uint32_t want = h->capacity ? h->capacity * 2 : 1024;
        pod_hist_op *grown = realloc(h->ops, (size_t)want * sizeof *grown);
        if (!grown) return false;
        h->ops = grown;
        h->capacity = want;
    }
    uint32_t off;
    if (!arena_put(h, cmd, cmd_len, &off)) return false;
    h->ops[h->count] = (pod_hist_op){.invoke_ns = now_ns, .request_no = request_no, .client = client,
                                     .cmd_off = off, .cmd_len = cmd_len, .op = op,
                                     .outcome = POD_HIST_PENDING, .node = node};
    *op_out = h->count++;
    return true;
}

bool pod_history_complete(pod_history *h, uint32_t op, uint64_t now_ns, uint8_t status,
                          uint64_t index, const uint8_t *value, uint32_t value_len) {
    assert(op < h->count && h->ops[op].outcome == POD_HIST_PENDING);
    uint32_t off = 0;
    if (value_len && !arena_put(h, value, value_len, &off)) return false;
    pod_hist_op *o = &h->ops[op];
    o->outcome = POD_HIST_DONE;
    o->complete_ns = now_ns;
    o->status = status;
    o->index = index;
    o->result_off = off;
    o->result_len = value_len;
    return true;
}

void pod_history_timeout(pod_history *h, uint32_t op, uint64_t now_ns) {
    assert(op < h->count && h->ops[op].outcome == POD_HIST_PENDING);
    h->ops[op].outcome = POD_HIST_TIMEOUT;
    h->ops[op].complete_ns = now_ns;
}
