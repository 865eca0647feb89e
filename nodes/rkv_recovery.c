/* rkv_recovery.c — how a replicated key-value node rebuilds its memory at
 * start (Low-Water Mark, docs/low-water-mark.md): recovery = the newest
 * valid snapshot + the log after it; and the state hash its view offers
 * the checkers (state machine and client memory together). */
#include <stdio.h>
#include <string.h>

#include <xxhash.h>

#include "nodes/rkv_internal.h"

/* The state machine's hash and the Idempotent Receiver's, mixed: two nodes
 * at the same applied index must agree on both. Each is kept up to date as
 * it changes (kv_store.c, idempotent_receiver.c), so this costs a few short
 * XXH3 calls and no allocation. */
static uint64_t combine(uint64_t kv_hash, uint64_t idem_hash) {
    uint8_t buf[16];
    kv_put_u64(buf, kv_hash);
    kv_put_u64(buf + 8, idem_hash);
    return XXH3_64bits(buf, sizeof buf);
}

uint64_t rkv_state_hash(const rkv_node *nd) {
    return combine(pod_kv_state_hash(nd->store), pod_idem_hash(&nd->idem));
}

uint64_t rkv_state_hash_slow(const rkv_node *nd) {
    return combine(pod_kv_state_hash_slow(nd->store), pod_idem_hash_slow(&nd->idem));
}

typedef struct recovery {
    rkv_node *nd;
    bool ok;
} recovery;

static void recover_entry(void *arg, const pod_wal_entry *e) {
    recovery *r = arg;
    rkv_node *nd = r->nd;
    if (nd->last_index == 0 && nd->log_base == 0 && e->index > 1) {
        nd->log_base = nd->last_index = e->index - 1; /* segments below were cleaned */
    }
    if (r->ok && (e->index != nd->last_index + 1 || !rkv_log_push(nd, e->term, e->type, e->payload, e->len, ADDR_NONE))) {
        r->ok = false;
    }
}

/* Recovery = the newest valid snapshot + the log after it. A log that does
 * not reach the snapshot (a gap) stops the node; a log the snapshot has
 * overtaken (an install the crash interrupted) is discarded. */
bool rkv_recover(rkv_node *nd, char *why, size_t why_len) {
    pod_env *env = nd->env;
    if (pod_snap_open(&nd->snap, env, why, why_len) != POD_OK) return false;
    uint64_t s_index = nd->snap.index, s_term = nd->snap.term;
    if (s_index > 0 && !rkv_snapshot_load_state(nd, nd->snap.bytes, nd->snap.len)) {
        snprintf(why, why_len, "snapshot %llu does not load", (unsigned long long)s_index);
        return false;
    }
    pod_wal_config config = {.prefix = KV_WAL_PREFIX, .segment_bytes_max = nd->params.segment_bytes,
                             .start_index = s_index + 1,
                             .salvage = true}; /* mid-log damage: repair from peers (rkv_repair.c) */
    recovery r = {.nd = nd, .ok = true};
    if (pod_wal_open(env, &config, recover_entry, &r, &nd->wal, why, why_len) != POD_WAL_OK) return false;
    if (!r.ok) {
        snprintf(why, why_len, "log in memory out of step with the WAL, or full");
        return false;
    }
    uint64_t first = pod_wal_first_index(nd->wal), last = pod_wal_last_index(nd->wal);
    if (nd->last_index == 0 && nd->log_base == 0 && first > 1) nd->log_base = nd->last_index = first - 1;
    if (first > s_index + 1) {
        snprintf(why, why_len,
                 "the log starts at index %llu but the newest valid snapshot ends at %llu: entries in between are lost",
                 (unsigned long long)first, (unsigned long long)s_index);
        return false;
    }
    if (s_index > 0 && (last < s_index || rkv_term_at(nd, s_index) != s_term)) {
        if (!(s_index == nd->log_base && last >= s_index)) {
            env->ops->note(env, "the log does not continue the snapshot: restarting it after the snapshot");
            rkv_log_restart(nd, s_index, s_term);
        }
    }
    if (nd->log_base == s_index) nd->log_base_term = s_term;
    nd->applied_index = nd->commit_index = s_index;
    if (s_index > 0) nd->counters[CTR_RECOVERED_FROM_SNAPSHOT]++;
    if (nd->snap.receiving && nd->snap.recv_have > 0) nd->counters[CTR_SNAP_RESUMED]++;
    return !nd->failed;
}

