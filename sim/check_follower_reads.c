/* check_follower_reads.c — Follower Reads, the explicitly weaker reads
 * (workload `mix=...,fget:W`): any replica answers a GET from its applied
 * state, so the answer may be stale, and it is not linearizable (it stays
 * out of that check). What must still hold, from the clients' history and
 * the nodes' views:
 *
 *   session       a client never reads older than what it has seen: the
 *                 index a Follower Read was answered at is at least the
 *                 highest log index of the client's earlier answers (its
 *                 acknowledged writes, its earlier Follower Reads) — read
 *                 your writes, monotonic reads;
 *   committed     that index is at most the highest commit index any node
 *                 has reported: a replica reads only committed state;
 *   real values   a value read names its writer ("c3r17/...", see
 *                 sim/workload.c): that client sent that request, a write,
 *                 and if it was acknowledged at a log index, that index is
 *                 at most the one read at.
 */
#include "sim/check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_store.h"

#define CHECK_NAME "follower-reads"

typedef struct follower_reads {
    uint64_t session[POD_WL_CLIENTS_MAX + 1]; /* per client: the highest index answered */
    uint64_t commit_max;                      /* the highest commit index reported */
} follower_reads;

static void *fr_create(const pod_scenario *scn) {
    if (scn->workload.clients == 0) return NULL;
    return calloc(1, sizeof(follower_reads));
}

static void fr_destroy(void *state) { free(state); }

static void fr_after_event(void *state, pod_world *world, uint16_t node) {
    follower_reads *f = state;
    pod_node_view v;
    if (f && pod_check_node_view(world, node, &v) && v.commit_index > f->commit_max) f->commit_max = v.commit_index;
}

/* The op of `client` with `request_no`: ops are in invocation order and a
 * client's requests are numbered in order, so a binary search would do;
 * a backward scan is enough for what reads name (recent writes). */
static const pod_hist_op *find_op(const pod_history *h, uint32_t client, uint64_t request_no) {
    for (uint32_t i = h->count; i-- > 0;) {
        const pod_hist_op *o = &h->ops[i];
        if (o->client == client && o->request_no == request_no) return o;
    }
    return NULL;
}

/* "c<client>r<request>/" at the start of a value, as sim/workload.c writes. */
static bool parse_writer(const uint8_t *v, uint32_t len, uint32_t *client, uint64_t *request_no) {
    uint32_t at = 0;
    if (len < 4 || v[at++] != 'c') return false;
    uint64_t c = 0, r = 0;
    uint32_t digits = 0;
    while (at < len && v[at] >= '0' && v[at] <= '9' && digits++ < 10) c = c * 10 + (uint64_t)(v[at++] - '0');
    if (!digits || at >= len || v[at++] != 'r') return false;
    digits = 0;
    while (at < len && v[at] >= '0' && v[at] <= '9' && digits++ < 19) r = r * 10 + (uint64_t)(v[at++] - '0');
    if (!digits || at >= len || v[at] != '/' || c == 0 || c > POD_WL_CLIENTS_MAX) return false;
    *client = (uint32_t)c;
    *request_no = r;
    return true;
}

static void fr_response(void *state, pod_world *world, const pod_history *h, uint32_t op) {
    follower_reads *f = state;
    if (!f) return;
    const pod_hist_op *o = &h->ops[op];
    if (o->outcome != POD_HIST_DONE || o->client == 0 || o->client > POD_WL_CLIENTS_MAX) return;
    uint64_t *session = &f->session[o->client];
    if (!o->follower_read) {
        if (o->index > *session) *session = o->index; /* an acknowledged write */
        return;
    }
    if (o->status != POD_KV_OK && o->status != POD_KV_NOT_FOUND) return; /* not an answer */
    if (o->index < *session) {
        pod_check_fail(world, CHECK_NAME,
                       "session: c%" PRIu32 " request %" PRIu64 " was read by n%u at index %" PRIu64
                       ", older than index %" PRIu64 " the client had already seen; expected a Follower "
                       "Read never older than the client's own writes and reads",
                       o->client, o->request_no, o->node + 1u, o->index, *session);
        return;
    }
    if (o->index > f->commit_max) {
        pod_check_fail(world, CHECK_NAME,
                       "c%" PRIu32 " request %" PRIu64 " was read by n%u at index %" PRIu64
                       ", above every commit index reported (%" PRIu64 "); expected only committed state",
                       o->client, o->request_no, o->node + 1u, o->index, f->commit_max);
        return;
    }
    *session = o->index;
    if (o->status != POD_KV_OK) return;
    const uint8_t *value = pod_history_bytes(h, o->result_off);
    uint32_t writer = 0;
    uint64_t request_no = 0;
    const pod_hist_op *w = parse_writer(value, o->result_len, &writer, &request_no)
                               ? find_op(h, writer, request_no)
                               : NULL;
    if (!w || w->op == POD_KV_GET) {
        pod_check_fail(world, CHECK_NAME,
                       "c%" PRIu32 " request %" PRIu64 " read a value (%u bytes) that no client wrote; "
                       "expected a value some write put there",
                       o->client, o->request_no, o->result_len);
        return;
    }
    if (w->outcome == POD_HIST_DONE && w->index > o->index) {
        pod_check_fail(world, CHECK_NAME,
                       "c%" PRIu32 " request %" PRIu64 " read at index %" PRIu64
                       " the value of c%" PRIu32 " request %" PRIu64 ", written at index %" PRIu64
                       "; expected nothing written after the index read at",
                       o->client, o->request_no, o->index, writer, request_no, w->index);
    }
}

const pod_checker pod_check_follower_reads = {
    .name = CHECK_NAME,
    .node_type = NULL,
    .create = fr_create,
    .destroy = fr_destroy,
    .after_event = fr_after_event,
    .on_response = fr_response,
};
