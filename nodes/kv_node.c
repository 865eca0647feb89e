/* kv_node.c — one key-value node, Write-Ahead Log first.
 *
 * A write request becomes one WAL record (the whole command, so a
 * multi-key transaction is one record: all or nothing after any crash).
 * The command is applied to the state machine, and the client answered,
 * only when the record is durable — after the fsync that covers it
 * completed — in log order, so the state after a restart (the replay of
 * exactly the durable log) is the state the node had acknowledged. Reads are
 * answered from the applied state, which holds only durable writes.
 *
 * Idempotent Receiver: a write that arrives twice (a retry, or a copy the
 * network duplicated) is logged twice but applied once: applying a record
 * whose (client, request number) was applied already changes nothing and
 * repeats the first answer. Recovery replays the same rule.
 *
 * On a failed write or fsync the node exits (fail-stop) and recovers from
 * its log on restart: it never believes an fsync retried after a failure.
 * A log corrupt in the middle makes the node refuse to start.
 *
 * Low-Water Mark (optional, node parameter snapshot_entries): every so many
 * applied writes the state is saved as a snapshot (nodes/snapshot_store.c,
 * the same files as the replicated node's), and a cleaner timer deletes the
 * log segments below the latest durable snapshot. Recovery is then the
 * snapshot plus the log after it (docs/low-water-mark.md). */
#include "nodes/kv_node.h"

#include "nodes/idempotent_receiver.h"
#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"
#include "nodes/node_params.h"
#include "nodes/snapshot_store.h"
#include "nodes/wal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KV_PENDING_MAX 1024u          /* writes waiting for durability */
#define KV_SEGMENT_BYTES_DEFAULT (64u * 1024u)
#define KV_SEGMENT_BYTES_MAX (64u * 1024u * 1024u)
#define KV_SNAPSHOT_ENTRIES_MAX (1u << 20)
#define KV_CLEANER_MS_MAX 3600000u
#define KV_SNAPSHOTS_KEPT 2u
#define KV_TIMER_CLEANER 1u
#define KV_SEGMENTS_COUNTED 4096u /* the WAL's segment limit */

enum { CTR_REQUESTS, CTR_WRITES_ACKED, CTR_READS, CTR_REJECTED, CTR_RECOVERED_RECORDS,
       CTR_WAL_FAILURES, CTR_SNAPSHOTS, CTR_SEGMENTS_CLEANED, CTR_RECOVERED_FROM_SNAPSHOT, CTR_DUPLICATES,
       CTR_CORRUPT, CTR_COUNT };

static const char *const kv_counter_names[] = {
    "requests", "writes_acked", "reads", "rejected", "recovered_records", "wal_failures",
    "snapshots", "segments_cleaned", "recovered_from_snapshot", "duplicates", "corrupt", NULL,
};

typedef struct kv_pending {
    uint64_t index;
    uint8_t *record; /* the WAL payload: header + command */
    uint32_t len;
} kv_pending;

typedef struct kv_node {
    pod_env *env;
    pod_wal *wal;
    pod_kv_store *store;
    pod_snap_store snap;
    uint64_t snapshot_entries;  /* 0: no snapshots, no cleaning */
    uint64_t cleaner_ms;
    uint64_t cleaner_timer;
    uint64_t applied_index;
    kv_pending pending[KV_PENDING_MAX]; /* ring, in index order */
    uint32_t pending_head;
    uint32_t pending_count;
    bool failed;
    uint64_t recovered_last; /* serve only once recovery made this durable */
    uint64_t counters[CTR_COUNT];
    pod_idem idem; /* Idempotent Receiver: the last applied request per client */
    uint8_t reply_buf[KV_RESPONSE_HEADER_BYTES + POD_KV_VALUE_BYTES_MAX];
} kv_node;

/* --- parameters ----------------------------------------------------------- */

static int kv_check_params(const pod_node_param *params, int count, char *err, size_t err_len) {
    for (int i = 0; i < count; i++) {
        uint64_t v;
        if (strcmp(params[i].key, "segment_bytes") == 0) {
            if (pod_param_u64(params[i].value, 256, KV_SEGMENT_BYTES_MAX, &v)) continue;
            snprintf(err, err_len, "expected segment_bytes=N with N in 256..%u, found '%s'",
                     KV_SEGMENT_BYTES_MAX, params[i].value);
            return i;
        }
        if (strcmp(params[i].key, "snapshot_entries") == 0) {
            if (pod_param_u64(params[i].value, 0, KV_SNAPSHOT_ENTRIES_MAX, &v)) continue;
            snprintf(err, err_len, "expected snapshot_entries=N with N in 0..%u, found '%s'",
                     KV_SNAPSHOT_ENTRIES_MAX, params[i].value);
            return i;
        }
        if (strcmp(params[i].key, "cleaner_ms") == 0) {
            if (pod_param_u64(params[i].value, 1, KV_CLEANER_MS_MAX, &v)) continue;
            snprintf(err, err_len, "expected cleaner_ms=N with N in 1..%u, found '%s'", KV_CLEANER_MS_MAX,
                     params[i].value);
            return i;
        }
        snprintf(err, err_len, "unknown parameter '%s'; expected segment_bytes, snapshot_entries or cleaner_ms",
                 params[i].key);
        return i;
    }
    return -1;
}

/* --- applying records ----------------------------------------------------- */

/* The answer a write record got: its status and the log index to report. */
typedef struct kv_outcome {
    uint8_t status;
    uint64_t index;
} kv_outcome;

/* Applies the WAL payload at `index` once (Idempotent Receiver: a request
 * applied before keeps its first outcome); returns false when it is not a
 * valid command (a record that passed its checksum yet does not decode is
 * a bug). */
static bool apply_record(kv_node *node, const uint8_t *payload, uint32_t len, uint64_t index, kv_outcome *out) {
    pod_kv_cmd cmd;
    if (len < KV_RECORD_HEADER_BYTES) return false;
    if (pod_kv_cmd_decode(payload + KV_RECORD_HEADER_BYTES, len - KV_RECORD_HEADER_BYTES, &cmd) != POD_KV_OK) {
        return false;
    }
    uint32_t client_id = kv_get_u32(payload);
    uint64_t request_no = kv_get_u64(payload + 8);
    pod_idem_client first;
    bool applied_before = pod_idem_applied(&node->idem, client_id, request_no, &first);
#ifdef PODSIM_TEST_BREAK_NO_IDEMPOTENCE
    /* Test-only breakage (tests/teeth_kv_idempotence.c): every copy applies
     * (and the memory keeps the first, as its contract asks). */
    bool remember = !applied_before;
    applied_before = false;
#else
    bool remember = true;
#endif
    if (applied_before) {
        node->counters[CTR_DUPLICATES]++;
        /* An older request than the last is one its client gave up on. */
        *out = request_no == first.request_no ? (kv_outcome){.status = first.status, .index = first.index}
                                              : (kv_outcome){.status = POD_KV_E_MALFORMED, .index = 0};
        return true;
    }
    *out = (kv_outcome){.status = (uint8_t)pod_kv_apply(node->store, &cmd, NULL, NULL), .index = index};
    if (remember) pod_idem_remember(&node->idem, client_id, request_no, index, out->status);
    return true;
}

typedef struct recovery {
    kv_node *node;
    bool bad;
} recovery;

static void recover_visit(void *arg, const pod_wal_entry *entry) {
    recovery *r = arg;
    if (r->bad || entry->index <= r->node->snap.index) return; /* in the snapshot already */
    kv_outcome outcome;
    if (entry->type != KV_RECORD_CMD || !apply_record(r->node, entry->payload, entry->len, entry->index, &outcome)) {
        r->bad = true;
        return;
    }
    r->node->applied_index = entry->index;
    r->node->counters[CTR_RECOVERED_RECORDS]++;
}

/* --- replies -------------------------------------------------------------- */

static void reply(kv_node *node, pod_addr to, uint32_t client_id, uint64_t request_no, uint8_t status,
                  uint64_t index, const uint8_t *value, uint32_t value_len) {
    uint8_t *out = node->reply_buf;
    kv_header h = {.type = KV_MSG_RESPONSE, .status = status, .client_id = client_id,
                   .request_no = request_no};
    kv_header_encode(&h, out);
    kv_put_u64(out + KV_HEADER_BYTES, index);
    kv_put_u32(out + KV_HEADER_BYTES + 8, value_len);
    if (value_len) memcpy(out + KV_RESPONSE_HEADER_BYTES, value, value_len);
    kv_frame_seal(out, KV_RESPONSE_HEADER_BYTES + value_len);
    node->env->ops->send(node->env, to, out, KV_RESPONSE_HEADER_BYTES + value_len);
}

/* Applies, in log order, every pending write the WAL now calls durable,
 * and acknowledges each. */
static void apply_durable(kv_node *node) {
    uint64_t durable = pod_wal_durable_index(node->wal);
    while (node->pending_count > 0) {
        kv_pending *p = &node->pending[node->pending_head];
        if (p->index > durable) break;
        kv_outcome outcome = {.status = POD_KV_E_MALFORMED, .index = p->index};
        apply_record(node, p->record, p->len, p->index, &outcome);
        node->applied_index = p->index;
        uint32_t client_id = kv_get_u32(p->record);
        pod_addr reply_to = (pod_addr)(p->record[4] | p->record[5] << 8);
        uint64_t request_no = kv_get_u64(p->record + 8);
        reply(node, reply_to, client_id, request_no, outcome.status, outcome.index, NULL, 0);
        node->counters[CTR_WRITES_ACKED]++;
        free(p->record);
        p->record = NULL;
        node->pending_head = (node->pending_head + 1) % KV_PENDING_MAX;
        node->pending_count--;
    }
}

static void fail(kv_node *node, const char *why) {
    node->failed = true;
    node->counters[CTR_WAL_FAILURES]++;
    node->env->ops->fail_stop(node->env, why);
}

/* --- Low-Water Mark: snapshots and the cleaner ------------------------------ */

/* Loads the newest valid snapshot (node->snap) into the empty store, and
 * its client memory into the Idempotent Receiver. */
static bool load_snapshot(kv_node *node) {
    pod_snap_client *clients = malloc(POD_SNAP_CLIENTS_MAX * sizeof *clients);
    pod_snap_header h = {0};
    bool ok = clients && pod_snap_decode(node->snap.bytes, node->snap.len, &h, node->store, clients,
                                         POD_SNAP_CLIENTS_MAX, NULL);
    if (ok) ok = pod_idem_load(&node->idem, clients, h.client_count); /* ids must ascend */
    free(clients);
    return ok;
}

/* The applied state holds only durable writes, so a snapshot of it never
 * holds a write a crash could still take back. */
static void maybe_snapshot(kv_node *node) {
    if (!node->snapshot_entries || pod_snap_busy(&node->snap)) return;
    if (node->applied_index - node->snap.index < node->snapshot_entries) return;
    pod_snap_header h = {.last_index = node->applied_index};
    size_t len = 0;
    /* The Idempotent Receiver's memory goes with the state it belongs to
     * (its records are the snapshot's client records, sorted by id). */
    uint8_t *bytes = pod_snap_encode(&h, node->store, node->idem.clients, node->idem.count, &len);
    if (bytes) (void)pod_snap_save(&node->snap, bytes, len, h.last_index, 0); /* refused: next time */
}

static void arm_cleaner(kv_node *node) {
    if (!node->snapshot_entries) return;
    node->cleaner_timer = node->env->ops->timer_set(node->env, node->cleaner_ms * 1000000u, KV_TIMER_CLEANER);
}

/* The Low-Water Mark cleaner: segments all of whose records are in the
 * latest durable snapshot go (never the active one; docs/wal.md). */
static void clean(kv_node *node) {
    if (!node->snap.durable || node->snap.index == 0) return;
    uint64_t before = pod_wal_first_index(node->wal);
    uint64_t firsts[KV_SEGMENTS_COUNTED];
    uint32_t n = pod_wal_segment_firsts(node->wal, firsts, KV_SEGMENTS_COUNTED);
    uint64_t below = node->snap.index + 1;
#ifdef PODSIM_TEST_BREAK_CLEAN_ONE_TOO_MANY
    /* Test-only breakage (tests/teeth_lwm.c): also the segment holding the
     * first entry above the snapshot. */
    for (uint32_t i = 0; i + 1 < n; i++) {
        if (firsts[i] <= below && firsts[i + 1] > below) {
            below = firsts[i + 1];
            break;
        }
    }
#endif
    if (pod_wal_drop_below(node->wal, below) != POD_WAL_OK) {
        fail(node, "WAL failed while cleaning: exiting to recover");
        return;
    }
    uint64_t after = pod_wal_first_index(node->wal);
    for (uint32_t i = 0; i < n && firsts[i] < after; i++) {
        if (firsts[i] >= before) node->counters[CTR_SEGMENTS_CLEANED]++;
    }
    if (!pod_snap_busy(&node->snap)) pod_snap_prune(&node->snap, KV_SNAPSHOTS_KEPT);
}

/* --- node type callbacks -------------------------------------------------- */

static void *kv_start(pod_env *env, const pod_node_param *params, int count) {
    kv_node *node = calloc(1, sizeof *node);
    if (!node) return NULL;
    node->env = env;
    node->store = pod_kv_create();
    uint64_t segment_bytes = KV_SEGMENT_BYTES_DEFAULT;
    node->cleaner_ms = 1000;
    for (int i = 0; i < count; i++) {
        if (strcmp(params[i].key, "segment_bytes") == 0) pod_param_u64(params[i].value, 256, KV_SEGMENT_BYTES_MAX, &segment_bytes);
        if (strcmp(params[i].key, "snapshot_entries") == 0) {
            pod_param_u64(params[i].value, 0, KV_SNAPSHOT_ENTRIES_MAX, &node->snapshot_entries);
        }
        if (strcmp(params[i].key, "cleaner_ms") == 0) pod_param_u64(params[i].value, 1, KV_CLEANER_MS_MAX, &node->cleaner_ms);
    }
    recovery r = {.node = node};
    char why[200] = "";
    pod_wal_result res = POD_WAL_NOMEM;
    bool snap_ok = node->store && pod_snap_open(&node->snap, env, why, sizeof why) == POD_OK;
    if (snap_ok && node->snap.index > 0) {
        /* Recovery = the newest valid snapshot + the log after it. */
        pod_kv_destroy(node->store);
        node->store = pod_kv_create();
        snap_ok = node->store && load_snapshot(node);
        if (!snap_ok) snprintf(why, sizeof why, "snapshot %llu does not load", (unsigned long long)node->snap.index);
        node->applied_index = node->snap.index;
        node->counters[CTR_RECOVERED_FROM_SNAPSHOT]++;
    }
    if (snap_ok) {
        pod_wal_config config = {.prefix = KV_WAL_PREFIX, .segment_bytes_max = segment_bytes,
                                 .start_index = node->snap.index + 1};
        res = pod_wal_open(env, &config, recover_visit, &r, &node->wal, why, sizeof why);
    }
    if (res == POD_WAL_OK && pod_wal_first_index(node->wal) > node->snap.index + 1) {
        snprintf(why, sizeof why, "the log starts at index %llu but the newest valid snapshot ends at %llu: "
                 "entries in between are lost", (unsigned long long)pod_wal_first_index(node->wal),
                 (unsigned long long)node->snap.index);
        res = POD_WAL_CORRUPT;
    }
    if (res != POD_WAL_OK || r.bad) {
        char note[300];
        snprintf(note, sizeof note, "refusing to start: %s",
                 r.bad ? "a valid record holds no valid command" : why[0] ? why : "WAL did not open");
        env->ops->note(env, note);
        if (node->wal) pod_wal_close(node->wal);
        pod_snap_close(&node->snap);
        pod_kv_destroy(node->store);
        free(node);
        return NULL;
    }
    arm_cleaner(node);
    /* After a process exit the log may hold records the page cache kept but
     * no fsync covered; recovery syncs them. Until then they could still be
     * lost to a power failure, so nothing they show may be served. */
    node->recovered_last = pod_wal_last_index(node->wal);
    return node;
}

static void kv_stop(void *mem) {
    kv_node *node = mem;
    for (uint32_t i = 0; i < node->pending_count; i++) {
        free(node->pending[(node->pending_head + i) % KV_PENDING_MAX].record);
    }
    pod_wal_close(node->wal);
    pod_snap_close(&node->snap);
    pod_kv_destroy(node->store);
    free(node);
}

static void handle_write(kv_node *node, pod_addr from, const kv_header *h, const uint8_t *cmd_bytes,
                         uint32_t cmd_len) {
    uint32_t len = KV_RECORD_HEADER_BYTES + cmd_len;
    if (node->pending_count == KV_PENDING_MAX || len > POD_WAL_RECORD_BYTES_MAX) {
        node->counters[CTR_REJECTED]++;
        reply(node, from, h->client_id, h->request_no,
              len > POD_WAL_RECORD_BYTES_MAX ? POD_KV_E_TOO_LARGE : KV_REPLY_UNAVAILABLE, 0, NULL, 0);
        return;
    }
    uint8_t *record = malloc(len);
    if (!record) {
        reply(node, from, h->client_id, h->request_no, KV_REPLY_UNAVAILABLE, 0, NULL, 0);
        return;
    }
    kv_put_u32(record, h->client_id);
    record[4] = (uint8_t)from;
    record[5] = (uint8_t)(from >> 8);
    record[6] = record[7] = 0;
    kv_put_u64(record + 8, h->request_no);
    memcpy(record + KV_RECORD_HEADER_BYTES, cmd_bytes, cmd_len);
    uint64_t index;
    pod_wal_result res = pod_wal_append(node->wal, KV_RECORD_CMD, 0, record, len, &index);
    if (res != POD_WAL_OK) {
        free(record);
        if (res == POD_WAL_LIMIT) {
            node->counters[CTR_REJECTED]++;
            reply(node, from, h->client_id, h->request_no, KV_REPLY_UNAVAILABLE, 0, NULL, 0);
            return;
        }
        fail(node, "WAL append failed: exiting to recover from the log");
        return;
    }
    uint32_t slot = (node->pending_head + node->pending_count) % KV_PENDING_MAX;
    node->pending[slot] = (kv_pending){.index = index, .record = record, .len = len};
    node->pending_count++;
}

static void kv_on_message(void *mem, pod_addr from, const uint8_t *bytes, uint32_t len) {
    kv_node *node = mem;
    kv_header h;
    if (node->failed) return;
    int decoded = kv_header_decode(bytes, len, KV_MSG_REQUEST, &h);
    if (decoded != KV_DECODE_OK) { /* a frame the network damaged: as if lost */
        if (decoded == KV_DECODE_CORRUPT) node->counters[CTR_CORRUPT]++;
        return;
    }
    node->counters[CTR_REQUESTS]++;
    if (pod_wal_durable_index(node->wal) < node->recovered_last) {
        node->counters[CTR_REJECTED]++;
        reply(node, from, h.client_id, h.request_no, KV_REPLY_UNAVAILABLE, 0, NULL, 0);
        return;
    }
    pod_kv_cmd cmd;
    pod_kv_status s = pod_kv_cmd_decode(bytes + KV_HEADER_BYTES, len - KV_HEADER_BYTES, &cmd);
    if (s != POD_KV_OK) {
        node->counters[CTR_REJECTED]++;
        reply(node, from, h.client_id, h.request_no, (uint8_t)s, 0, NULL, 0);
        return;
    }
    if (pod_kv_cmd_is_write(&cmd)) {
        handle_write(node, from, &h, bytes + KV_HEADER_BYTES, len - KV_HEADER_BYTES);
        return;
    }
    const uint8_t *value = NULL;
    uint32_t value_len = 0;
    s = pod_kv_apply(node->store, &cmd, &value, &value_len);
    node->counters[CTR_READS]++;
    reply(node, from, h.client_id, h.request_no, (uint8_t)s, 0, value, value_len);
}

static void kv_on_timer(void *mem, uint64_t timer_id, uint64_t cookie) {
    kv_node *node = mem;
    if (node->failed || cookie != KV_TIMER_CLEANER || timer_id != node->cleaner_timer) return;
    clean(node);
    if (!node->failed) arm_cleaner(node);
}

static void kv_on_disk(void *mem, const pod_disk_done *done) {
    kv_node *node = mem;
    if (node->failed) return;
    if (pod_snap_owns(done)) {
        pod_snap_event ev = pod_snap_on_disk(&node->snap, done);
        if (ev == POD_SNAP_EV_FAILED) fail(node, "snapshot write or fsync failed: exiting to recover");
        if (ev == POD_SNAP_EV_SAVED) node->counters[CTR_SNAPSHOTS]++;
        return;
    }
    if (!pod_wal_owns(done)) return;
    if (pod_wal_on_disk(node->wal, done) != POD_WAL_OK) {
        fail(node, "WAL write or fsync failed: exiting to recover from the log");
        return;
    }
    apply_durable(node);
    maybe_snapshot(node);
}

static void kv_view(const void *mem, pod_node_view *out) {
    const kv_node *node = mem;
    memcpy(out->counters, node->counters, sizeof node->counters);
    out->applied_index = node->applied_index;
    out->durable_index = pod_wal_durable_index(node->wal);
    out->state_hash = pod_kv_state_hash(node->store);
}

const pod_node_type pod_kv_node_type = {
    .name = "kv",
    .check_params = kv_check_params,
    .start = kv_start,
    .stop = kv_stop,
    .on_message = kv_on_message,
    .on_timer = kv_on_timer,
    .on_disk = kv_on_disk,
    .view = kv_view,
    .counter_names = kv_counter_names,
};
