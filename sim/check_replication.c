/* check_replication.c — the safety properties of Leader and Followers,
 * checked while the run goes on, for replicated key-value nodes (rkv):
 *
 *   election safety       at most one leader per term (Generation Clock +
 *                         Majority Quorum);
 *   state machine safety  no two nodes apply different entries at the same
 *                         index: every node's hash chain over its applied
 *                         entries agrees at every index it reports;
 *   High-Water Mark       nothing above the commit index is applied;
 *   durability            every acknowledged write is, at every restart and
 *                         at the end, the entry at its index in the durable
 *                         logs of a majority — so it survives any minority of
 *                         failures, and a crash of every node when fsync was
 *                         honoured (read from the disks, not the nodes' word).
 */
#include "sim/check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "sim/kvlog_scan.h"
#include "sim/snap_scan.h"

#define CHECK_NAME "replication"
#define TERMS_MAX (1u << 24)
#define INDEXES_MAX (1u << 26)

typedef struct chain_mark {
    uint64_t chain;
    uint64_t state;         /* the state machine and the client memory, hashed */
    uint16_t node_plus_one; /* who reported it first; 0: nobody yet */
} chain_mark;

typedef struct acked {
    uint64_t request_no;    /* 0: nothing acknowledged at this index */
    uint32_t client;
    uint16_t holders;       /* scratch: nodes whose durable log or snapshot holds it */
    uint16_t counted_for;   /* scratch: node + 1 that last counted it (a log and a snapshot count once) */
} acked;

typedef struct replication {
    uint16_t *leader_of_term; /* node + 1, or 0 */
    uint64_t terms_capacity;
    chain_mark *chain_at;     /* by applied index */
    uint64_t chain_capacity;
    acked *acks;              /* by log index */
    uint64_t acks_capacity;
    uint64_t acked_max;
    pod_kvlog_scanner scanner;
    pod_snap_scan snap;
    uint16_t scanning;      /* the node whose disk is being read */
} replication;

static bool grow(void **array, uint64_t *capacity, uint64_t need, size_t item, uint64_t limit) {
    if (need < *capacity) return true;
    if (need >= limit) return false;
    uint64_t want = *capacity ? *capacity : 1024;
    while (want <= need) want *= 2;
    void *grown = realloc(*array, (size_t)want * item);
    if (!grown) return false;
    memset((char *)grown + *capacity * item, 0, (size_t)(want - *capacity) * item);
    *array = grown;
    *capacity = want;
    return true;
}

static void *replication_create(const pod_scenario *scn) {
    (void)scn;
    return calloc(1, sizeof(replication));
}

static void replication_destroy(void *state) {
    replication *r = state;
    if (!r) return;
    free(r->leader_of_term);
    free(r->chain_at);
    free(r->acks);
    pod_kvlog_scanner_free(&r->scanner);
    pod_snap_scan_free(&r->snap);
    free(r);
}

static void replication_after_event(void *state, pod_world *world, uint16_t node) {
    replication *r = state;
    pod_node_view v;
    if (!pod_check_node_view(world, node, &v)) return;
    if (v.role == POD_ROLE_LEADER) {
        if (!grow((void **)&r->leader_of_term, &r->terms_capacity, v.term, sizeof r->leader_of_term[0], TERMS_MAX)) {
            return; /* past the checker's term limit: no longer checked */
        }
        uint16_t *who = &r->leader_of_term[v.term];
        if (*who && *who != node + 1) {
            pod_check_fail(world, CHECK_NAME,
                           "election safety: n%u and n%u are both leaders of term %" PRIu64
                           "; expected at most one leader per term",
                           *who, node + 1u, v.term);
            return;
        }
        *who = (uint16_t)(node + 1);
    }
    if (v.applied_index > v.commit_index) {
        pod_check_fail(world, CHECK_NAME,
                       "n%u applied index %" PRIu64 " above its High-Water Mark %" PRIu64
                       "; expected nothing applied before it is committed",
                       node + 1u, v.applied_index, v.commit_index);
        return;
    }
    if (v.applied_index == 0 ||
        !grow((void **)&r->chain_at, &r->chain_capacity, v.applied_index, sizeof r->chain_at[0], INDEXES_MAX)) {
        return;
    }
    chain_mark *m = &r->chain_at[v.applied_index];
    if (!m->node_plus_one) {
        *m = (chain_mark){.chain = v.applied_chain, .state = v.state_hash, .node_plus_one = (uint16_t)(node + 1)};
    } else if (m->chain != v.applied_chain) {
        pod_check_fail(world, CHECK_NAME,
                       "state machine safety: n%u and n%u applied different entries up to index %" PRIu64
                       " (chains %016" PRIx64 " and %016" PRIx64 ")",
                       m->node_plus_one, node + 1u, v.applied_index, m->chain, v.applied_chain);
    } else if (m->state != v.state_hash) {
        /* Same entries, different state: one of them rebuilt its state
         * from a snapshot (or a replay) that is not what applying the log
         * gives — e.g. a snapshot that lost the Idempotent Receiver's
         * memory, so a retried request was applied twice. */
        pod_check_fail(world, CHECK_NAME,
                       "snapshot + log suffix must equal a full replay: n%u and n%u applied the same entries up "
                       "to index %" PRIu64 " but hold different states (key-value pairs and client memory: "
                       "%016" PRIx64 " and %016" PRIx64 ")",
                       m->node_plus_one, node + 1u, v.applied_index, m->state, v.state_hash);
    }
}

static void replication_response(void *state, pod_world *world, const pod_history *h, uint32_t op) {
    replication *r = state;
    const pod_hist_op *o = &h->ops[op];
    /* Not a logged write (a Follower Read's index is where it read). */
    if (o->index == 0 || o->outcome != POD_HIST_DONE || o->follower_read) return;
    if (!grow((void **)&r->acks, &r->acks_capacity, o->index, sizeof r->acks[0], INDEXES_MAX)) return;
    acked *a = &r->acks[o->index];
    if (a->request_no && (a->client != o->client || a->request_no != o->request_no)) {
        pod_check_fail(world, CHECK_NAME,
                       "index %" PRIu64 " was acknowledged to c%" PRIu32 " request %" PRIu64
                       " and to c%" PRIu32 " request %" PRIu64 "; expected one entry per index",
                       o->index, a->client, a->request_no, o->client, o->request_no);
        return;
    }
    a->client = o->client;
    a->request_no = o->request_no;
    if (o->index > r->acked_max) r->acked_max = o->index;
}

typedef struct hold_ctx {
    replication *r;
} hold_ctx;

static bool count_holder(void *arg, const pod_kvlog_record *rec) {
    hold_ctx *c = arg;
    replication *r = c->r;
    if (rec->index >= r->acks_capacity || rec->index > r->acked_max) return rec->index <= r->acked_max;
    acked *a = &r->acks[rec->index];
    if (a->request_no && rec->type == KV_RECORD_CMD && rec->len >= KV_RECORD_HEADER_BYTES &&
        kv_get_u32(rec->payload) == a->client && kv_get_u64(rec->payload + 8) == a->request_no &&
        a->counted_for != r->scanning + 1) {
        a->holders++;
        a->counted_for = (uint16_t)(r->scanning + 1);
    }
    return true;
}

static bool disk_corrupted(const pod_world *world, uint16_t node) {
    pod_disk_stats st;
    pod_disk_stats_get(pod_check_node_disk(world, node), &st);
    return st.bitflips > 0;
}

/* Every acknowledged write must be in the durable logs of a majority. */
static void check_durability(replication *r, pod_world *world, const char *when) {
    if (r->acked_max == 0) return;
    uint16_t n = pod_check_node_count(world);
    for (uint64_t i = 1; i <= r->acked_max; i++) r->acks[i].holders = r->acks[i].counted_for = 0;
    uint16_t corrupted = 0;
    for (uint16_t node = 0; node < n; node++) {
        if (disk_corrupted(world, node)) corrupted++;
        hold_ctx c = {.r = r};
        uint64_t last;
        r->scanning = node;
        if (!pod_kvlog_scan(&r->scanner, pod_check_node_disk(world, node), POD_KVLOG_DURABLE, count_holder, &c,
                            &last) ||
            !pod_snap_scan_durable(&r->snap, pod_check_node_disk(world, node))) {
            pod_check_fail(world, CHECK_NAME, "out of memory reading n%u's log", node + 1u);
            return;
        }
        /* Below the Low-Water Mark the entry lives in a snapshot: it holds
         * the write if it covers the index and remembers the client's
         * request (the Idempotent Receiver's memory) — not on the node's
         * word, on the snapshot's bytes. */
        uint64_t upto = r->snap.found && r->snap.header.last_index < r->acked_max ? r->snap.header.last_index
                                                                                  : (r->snap.found ? r->acked_max : 0);
        for (uint64_t i = 1; i <= upto; i++) {
            acked *a = &r->acks[i];
            if (!a->request_no || a->counted_for == node + 1) continue;
            if (pod_snap_scan_request_of(&r->snap, a->client) >= a->request_no) {
                a->holders++;
                a->counted_for = (uint16_t)(node + 1);
            }
        }
    }
    uint16_t need = (uint16_t)(n / 2 + 1);
    /* Disks given bit flips may have lost what they held; each may cost one. */
    need = corrupted >= need ? 0 : (uint16_t)(need - corrupted);
    for (uint64_t i = 1; i <= r->acked_max; i++) {
        const acked *a = &r->acks[i];
        if (!a->request_no || a->holders >= need) continue;
        pod_check_fail(world, CHECK_NAME,
                       "durability (%s): the write acknowledged to c%" PRIu32 " request %" PRIu64
                       " at index %" PRIu64 " is in the durable logs of %u node(s); expected a majority (%u)",
                       when, a->client, a->request_no, i, a->holders, need);
        return;
    }
}

static void replication_node_start(void *state, pod_world *world, uint16_t node, bool started) {
    (void)node;
    (void)started;
    check_durability(state, world, "after a restart");
}

static void replication_at_end(void *state, pod_world *world) { check_durability(state, world, "at the end"); }

const pod_checker pod_check_replication = {
    .name = CHECK_NAME,
    .node_type = "rkv",
    .create = replication_create,
    .destroy = replication_destroy,
    .after_event = replication_after_event,
    .on_node_start = replication_node_start,
    .on_response = replication_response,
    .at_end = replication_at_end,
};
