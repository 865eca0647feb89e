/* check_kv_recovery.c — the recovery invariants of a key-value node, from
 * facts the simulator sees itself: the clients' acknowledgements and the
 * bytes on the node's disk.
 *
 *   durability     every write acknowledged at log index i is, after any
 *                  crash, still the record at index i of the durable log
 *                  (unless the scenario injected corruption into that disk);
 *   exact replay   after a restart, the node's state is the replay of exactly
 *                  the valid prefix of the log it could read (after power
 *                  loss the durable bytes; after a process exit, the page
 *                  cache too) — no torn or corrupt
 *                  record applied, none left out; transactions are single
 *                  records, so this also makes them all or nothing;
 *   no reuse       no log index is ever acknowledged for two requests;
 *   no false alarm a node may refuse to start only if its disk was given
 *                  corruption (a bit flip or a read error) to find.
 *
 * The checker reads the log with the framing code (nodes/wal_record.h) but
 * its own notion of the valid prefix, so a recovery bug in nodes/wal.c is
 * not shared. With snapshots (Low-Water Mark), the replay starts from the
 * newest valid snapshot the same source holds and goes on with the log
 * after it; a log that starts above the snapshot + 1 is a violation (a
 * cleaned segment held entries recovery needed). */
#include "sim/check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/idempotent_receiver.h"
#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"
#include "sim/kvlog_scan.h"
#include "sim/snap_scan.h"

#define CHECK_NAME "kv-recovery"

typedef struct acked_write {
    uint64_t request_no; /* 0: nothing acknowledged at this index */
    uint32_t client;
} acked_write;

typedef struct node_acks {
    acked_write *at;     /* indexed by log index */
    uint64_t capacity;
    uint64_t max_index;  /* highest index acknowledged */
} node_acks;

typedef struct kv_recovery {
    node_acks nodes[POD_NODES_MAX];
    pod_kvlog_scanner scanner;
    pod_snap_scan snap;
} kv_recovery;

static void *recovery_create(const pod_scenario *scn) {
    (void)scn;
    return calloc(1, sizeof(kv_recovery));
}

static void recovery_destroy(void *state) {
    kv_recovery *r = state;
    if (!r) return;
    for (uint32_t i = 0; i < POD_NODES_MAX; i++) free(r->nodes[i].at);
    pod_kvlog_scanner_free(&r->scanner);
    pod_snap_scan_free(&r->snap);
    free(r);
}

/* --- acknowledgements ----------------------------------------------------- */

static void recovery_response(void *state, pod_world *world, const pod_history *h, uint32_t op) {
    kv_recovery *r = state;
    const pod_hist_op *o = &h->ops[op];
    if (o->index == 0 || o->node >= pod_check_node_count(world)) return; /* not a logged write */
    node_acks *a = &r->nodes[o->node];
    if (o->index >= a->capacity) {
        uint64_t want = a->capacity ? a->capacity : 1024;
        while (want <= o->index) want *= 2;
        acked_write *grown = realloc(a->at, (size_t)want * sizeof *grown);
        if (!grown) {
            pod_check_fail(world, CHECK_NAME, "out of memory recording acknowledgements");
            return;
        }
        memset(grown + a->capacity, 0, (size_t)(want - a->capacity) * sizeof *grown);
        a->at = grown;
        a->capacity = want;
    }
    acked_write *slot = &a->at[o->index];
    if (slot->request_no && (slot->client != o->client || slot->request_no != o->request_no)) {
        pod_check_fail(world, CHECK_NAME,
                       "n%u acknowledged index %" PRIu64 " twice: to c%" PRIu32 " request %" PRIu64
                       " and to c%" PRIu32 " request %" PRIu64 "; expected every index used once",
                       o->node + 1u, o->index, slot->client, slot->request_no, o->client, o->request_no);
        return;
    }
    *slot = (acked_write){.request_no = o->request_no, .client = o->client};
    if (o->index > a->max_index) a->max_index = o->index;
}

/* --- replaying the log from the disk ------------------------------------------- */

static bool corruption_injected(const pod_world *world, uint16_t node);

typedef struct log_replay {
    uint64_t last_index;     /* of the valid prefix */
    uint64_t state_hash;     /* of the replay up to `upto` */
} log_replay;

typedef struct replay_ctx {
    pod_world *world;
    uint16_t node;
    pod_kvlog_source src;
    uint64_t upto;
    uint64_t snap_index;     /* records up to here are in the snapshot the replay starts from */
    node_acks *check_acks;
    pod_kv_store *store;
    pod_idem *idem; /* the node's Idempotent Receiver rule: apply a request once */
} replay_ctx;

/* A valid record whose command does not decode ends the valid prefix: the
 * node must not have applied it either. */
static bool replay_record(void *arg, const pod_kvlog_record *rec) {
    replay_ctx *c = arg;
    pod_kv_cmd cmd;
    if (rec->type != KV_RECORD_CMD || rec->len < KV_RECORD_HEADER_BYTES ||
        pod_kv_cmd_decode(rec->payload + KV_RECORD_HEADER_BYTES, rec->len - KV_RECORD_HEADER_BYTES, &cmd) !=
            POD_KV_OK) {
        return false;
    }
    uint32_t client_id = kv_get_u32(rec->payload);
    uint64_t request_no = kv_get_u64(rec->payload + 8);
    pod_idem_client first;
    if (rec->index > c->snap_index && rec->index <= c->upto &&
        !pod_idem_applied(c->idem, client_id, request_no, &first)) {
        pod_kv_status status = pod_kv_apply(c->store, &cmd, NULL, NULL);
        pod_idem_remember(c->idem, client_id, request_no, rec->index, (uint8_t)status);
    }
    /* An acknowledged index must hold the very request acknowledged. */
    node_acks *acks = c->check_acks;
    if (acks && rec->index < acks->capacity && acks->at[rec->index].request_no) {
        const acked_write *w = &acks->at[rec->index];
        if (client_id != w->client || request_no != w->request_no) {
            pod_check_fail(c->world, CHECK_NAME,
                           "n%u's %s log holds c%" PRIu32 " request %" PRIu64 " at index %" PRIu64
                           ", expected c%" PRIu32 " request %" PRIu64 " acknowledged there",
                           c->node + 1u, c->src == POD_KVLOG_DURABLE ? "durable" : "recovered", client_id,
                           request_no, rec->index, w->client, w->request_no);
            return false;
        }
    }
    return true;
}

/* Replays the valid prefix of the node's log, applying records with index
 * <= upto to a fresh state machine. */
static bool replay_log(kv_recovery *r, pod_world *world, uint16_t node, pod_kvlog_source src, uint64_t upto,
                       node_acks *check_acks, log_replay *out) {
    replay_ctx c = {.world = world, .node = node, .src = src, .upto = upto, .check_acks = check_acks,
                    .store = pod_kv_create(), .idem = calloc(1, sizeof(pod_idem))};
    memset(out, 0, sizeof *out);
    const pod_disk *disk = pod_check_node_disk(world, node);
    if (!c.store || !c.idem || !pod_snap_scan_read(&r->snap, disk, src, &c.store)) {
        pod_kv_destroy(c.store);
        free(c.idem);
        pod_check_fail(world, CHECK_NAME, "out of memory reading n%u's snapshots", node + 1u);
        return false;
    }
    /* The snapshot's Idempotent Receiver memory goes on with the replay. */
    for (uint32_t i = 0; r->snap.found && i < r->snap.header.client_count; i++) {
        const pod_snap_client *k = &r->snap.clients[i];
        pod_idem_remember(c.idem, k->client_id, k->request_no, k->index, k->status);
    }
    /* Low-Water Mark: start from the newest valid snapshot this source
     * holds; the log must go on right after it. */
    c.snap_index = r->snap.found ? r->snap.header.last_index : 0;
    if (r->snap.log_first > c.snap_index + 1 && !corruption_injected(world, node)) {
        pod_kv_destroy(c.store);
        free(c.idem);
        pod_check_fail(world, CHECK_NAME,
                       "n%u's %s log starts at index %" PRIu64 " but its newest valid snapshot ends at %" PRIu64
                       ": a cleaned segment held entries recovery still needed",
                       node + 1u, src == POD_KVLOG_DURABLE ? "durable" : "recovered", r->snap.log_first,
                       c.snap_index);
        return false;
    }
    if (!pod_kvlog_scan(&r->scanner, disk, src, replay_record, &c, &out->last_index)) {
        pod_kv_destroy(c.store);
        free(c.idem);
        pod_check_fail(world, CHECK_NAME, "out of memory replaying n%u's log", node + 1u);
        return false;
    }
    if (out->last_index < c.snap_index) out->last_index = c.snap_index;
    out->state_hash = pod_kv_state_hash(c.store);
    pod_kv_destroy(c.store);
    free(c.idem);
    return true;
}

/* Bit flips damage data: durability cannot be promised for that disk.
 * Read errors damage nothing, but may make a node refuse to start. */
static bool corruption_injected(const pod_world *world, uint16_t node) {
    pod_disk_stats st;
    pod_disk_stats_get(pod_check_node_disk(world, node), &st);
    return st.bitflips > 0;
}

static bool refusal_excused(const pod_world *world, uint16_t node) {
    pod_disk_stats st;
    pod_disk_stats_get(pod_check_node_disk(world, node), &st);
    return st.bitflips > 0 || st.read_eio > 0;
}

/* The node rebuilt its memory from its disk: check it against the disk. */
static void recovery_node_start(void *state, pod_world *world, uint16_t node, bool started) {
    kv_recovery *r = state;
    bool injected = corruption_injected(world, node);
    if (!started) {
        if (!refusal_excused(world, node)) {
            pod_check_fail(world, CHECK_NAME,
                           "n%u refused to start, yet its disk was given no corruption to find; "
                           "expected recovery to succeed",
                           node + 1u);
        }
        return;
    }
    pod_node_view view;
    if (!pod_check_node_view(world, node, &view)) return;
    node_acks *acks = &r->nodes[node];
    log_replay log;
    /* What recovery read: after power loss the durable bytes, after a
     * process exit also what the page cache still held. */
    if (!replay_log(r, world, node, POD_KVLOG_VIEW, view.applied_index, injected ? NULL : acks, &log)) return;
    if (!injected && log.last_index < acks->max_index) {
        pod_check_fail(world, CHECK_NAME,
                       "n%u restarted with its log ending at index %" PRIu64
                       ", but index %" PRIu64 " was acknowledged; expected every acknowledged write "
                       "to survive the crash",
                       node + 1u, log.last_index, acks->max_index);
        return;
    }
    if (view.applied_index != log.last_index) {
        pod_check_fail(world, CHECK_NAME,
                       "n%u recovered up to index %" PRIu64 ", but the valid prefix of its log "
                       "ends at %" PRIu64 "; expected recovery to apply exactly that prefix",
                       node + 1u, view.applied_index, log.last_index);
        return;
    }
    if (view.state_hash != log.state_hash) {
        pod_check_fail(world, CHECK_NAME,
                       "n%u's recovered state (hash %016" PRIx64 ") differs from the replay of its "
                       "log up to index %" PRIu64 " (hash %016" PRIx64 ")",
                       node + 1u, view.state_hash, log.last_index, log.state_hash);
    }
    /* What the crash took away was never acknowledged: forget it, so the
     * index may be used again by a new write. */
    for (uint64_t i = log.last_index + 1; i <= acks->max_index && i < acks->capacity; i++) {
        acks->at[i] = (acked_write){0};
    }
    if (acks->max_index > log.last_index) acks->max_index = log.last_index;
}

/* At the end: every running node's state is the replay of its log up to
 * what it applied, it applied every write it acknowledged, and every write
 * it acknowledged is durable. */
static void recovery_at_end(void *state, pod_world *world) {
    kv_recovery *r = state;
    for (uint16_t node = 0; node < pod_check_node_count(world) && node < POD_NODES_MAX; node++) {
        pod_node_view view;
        node_acks *acks = &r->nodes[node];
        if (!pod_check_node_view(world, node, &view)) {
            /* Down at the end: what it acknowledged must still be on its disk. */
            log_replay log;
            if (corruption_injected(world, node) ||
                !replay_log(r, world, node, POD_KVLOG_DURABLE, 0, acks, &log)) {
                continue;
            }
            if (log.last_index < acks->max_index) {
                pod_check_fail(world, CHECK_NAME,
                               "n%u is down with its durable log ending at %" PRIu64 ", but index %" PRIu64
                               " was acknowledged; expected every acknowledged write to be durable",
                               node + 1u, log.last_index, acks->max_index);
                return;
            }
            continue;
        }
        if (view.applied_index < acks->max_index) {
            pod_check_fail(world, CHECK_NAME,
                           "n%u applied up to index %" PRIu64 " but acknowledged index %" PRIu64,
                           node + 1u, view.applied_index, acks->max_index);
            return;
        }
        log_replay log;
        bool injected = corruption_injected(world, node);
        if (!replay_log(r, world, node, POD_KVLOG_VIEW, view.applied_index, NULL, &log)) return;
        if (log.last_index < view.applied_index || view.state_hash != log.state_hash) {
            pod_check_fail(world, CHECK_NAME,
                           "n%u's state (hash %016" PRIx64 ", index %" PRIu64 ") differs from the "
                           "replay of its log up to that index (hash %016" PRIx64 ", log ends at %" PRIu64 ")",
                           node + 1u, view.state_hash, view.applied_index, log.state_hash, log.last_index);
            return;
        }
        if (injected) continue;
        if (!replay_log(r, world, node, POD_KVLOG_DURABLE, 0, acks, &log)) return;
        if (log.last_index < acks->max_index) {
            pod_check_fail(world, CHECK_NAME,
                           "n%u acknowledged index %" PRIu64 ", but its durable log ends at %" PRIu64
                           "; expected nothing acknowledged before it is durable",
                           node + 1u, acks->max_index, log.last_index);
            return;
        }
    }
}

const pod_checker pod_check_kv_recovery = {
    .name = CHECK_NAME,
    .node_type = "kv",
    .create = recovery_create,
    .destroy = recovery_destroy,
    .on_node_start = recovery_node_start,
    .on_response = recovery_response,
    .at_end = recovery_at_end,
};
