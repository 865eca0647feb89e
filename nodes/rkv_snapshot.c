/* rkv_snapshot.c — the replicated key-value node's snapshots (Low-Water
 * Mark, docs/low-water-mark.md): when to take one, what goes in it (the
 * state machine, the Idempotent Receiver's memory of client requests, the
 * applied-entries hash chain), loading one, and the snapshot store's
 * completions. Taking a snapshot never blocks the node: the state is
 * encoded at once (the simulated node is single-threaded, so the encoding
 * is a consistent cut at applied_index) and written in the background. */
#include <assert.h>
#include <stdlib.h>

#include "nodes/rkv_internal.h"

static bool snapshots_enabled(const rkv_node *nd) {
    return nd->params.snapshot_entries > 0 || nd->params.snapshot_bytes > 0;
}

void rkv_snapshot_maybe_take(rkv_node *nd) {
    /* A transfer left unfinished (the leader changed, or the log caught up)
     * would block snapshots for good: drop it once the node is past it. */
    if (nd->snap.receiving && !nd->installing && nd->applied_index >= nd->snap.recv_index) {
        pod_snap_abandon_receive(&nd->snap);
    }
    if (!snapshots_enabled(nd) || nd->failed || nd->installing || pod_snap_busy(&nd->snap) || nd->snap.receiving) return;
    uint64_t since = nd->applied_index - (nd->snap.index < nd->applied_index ? nd->snap.index : nd->applied_index);
    bool by_entries = nd->params.snapshot_entries > 0 && since >= nd->params.snapshot_entries;
    bool by_bytes = nd->params.snapshot_bytes > 0 && nd->applied_bytes_since_snapshot >= nd->params.snapshot_bytes;
    if (since == 0 || (!by_entries && !by_bytes)) return;
    pod_snap_header h = {.last_index = nd->applied_index, .last_term = rkv_term_at(nd, nd->applied_index),
                         .chain = nd->applied_chain};
    if (h.last_term == 0) return; /* cannot name it: wait for the next entry */
    size_t len = 0;
    uint8_t *bytes = pod_snap_encode(&h, nd->store, nd->idem.clients, nd->idem.count, &len);
    if (!bytes) return; /* too large or no memory: the log keeps growing, nothing is lost */
    if (pod_snap_save(&nd->snap, bytes, len, h.last_index, h.last_term)) nd->applied_bytes_since_snapshot = 0;
}

bool rkv_snapshot_load_state(rkv_node *nd, const uint8_t *bytes, size_t len) {
    pod_kv_store *store = pod_kv_create();
    pod_snap_client *clients = malloc(POD_SNAP_CLIENTS_MAX * sizeof *clients);
    pod_snap_header h;
    bool ok = store && clients && pod_snap_decode(bytes, len, &h, store, clients, POD_SNAP_CLIENTS_MAX, NULL);
    /* The client memory last: pod_idem_load changes nothing when it refuses
     * (ids not ascending), so a refused snapshot leaves the node as it was. */
    if (ok) ok = pod_idem_load(&nd->idem, clients, h.client_count);
    free(clients);
    if (!ok) {
        pod_kv_destroy(store);
        return false;
    }
    pod_kv_destroy(nd->store);
    nd->store = store;
    nd->applied_chain = h.chain;
    nd->applied_index = h.last_index;
    if (nd->commit_index < h.last_index) nd->commit_index = h.last_index;
    nd->applied_bytes_since_snapshot = 0;
    nd->state_hash = rkv_state_hash(nd);
    assert(nd->state_hash == rkv_state_hash_slow(nd)); /* the running hashes followed the load */
    return true;
}

void rkv_snapshot_on_disk(rkv_node *nd, const pod_disk_done *done) {
    pod_snap_event ev = pod_snap_on_disk(&nd->snap, done);
    switch (ev) {
    case POD_SNAP_EV_NONE: return;
    case POD_SNAP_EV_FAILED:
        rkv_fail(nd, "snapshot write or fsync failed: exiting to recover");
        return;
    case POD_SNAP_EV_SAVED:
        nd->counters[CTR_SNAPSHOTS]++;
        return;
    case POD_SNAP_EV_STARTED: return;
    case POD_SNAP_EV_CHUNK:
        rkv_install_chunk_durable(nd);
        return;
    case POD_SNAP_EV_INSTALLED:
        rkv_install_done(nd);
        return;
    }
}
