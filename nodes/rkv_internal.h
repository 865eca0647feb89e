/* rkv_internal.h — the replicated key-value node's memory, shared by the
 * files that make up the node type: rkv_node.c (Leader and Followers),
 * rkv_snapshot.c (snapshots and recovery from them), lwm_cleaner.c (the
 * Low-Water Mark cleaner), rkv_install.c (snapshot transfer) and
 * rkv_repair.c (Replicated Log repair). Not a
 * public interface: only those files include it. */
#ifndef PODSIM_RKV_INTERNAL_H
#define PODSIM_RKV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xxhash.h>

#include "nodes/gen_clock.h"
#include "nodes/idempotent_receiver.h"
#include "nodes/kv_proto.h"
#include "nodes/kv_store.h"
#include "nodes/rkv_msg.h"
#include "nodes/snapshot_store.h"
#include "nodes/wal.h"
#include "sim/pod_env.h"

#define RKV_NODES_MAX 128u
#define RKV_LOG_ENTRIES_MAX (1u << 20)
#define RKV_OUTBOX_MAX 512u
#define RKV_READS_MAX 256u
#define RKV_MSG_BYTES_MAX (RKV_APPEND_BYTES_MAX + 4096u)
#define RKV_SEGMENT_AGES_MAX 4096u /* segments whose closing time the cleaner remembers */
#define ADDR_NONE 0xffffu

enum { TIMER_ELECTION = 1, TIMER_HEARTBEAT = 2, TIMER_CLEANER = 3 };

enum { CTR_ELECTIONS, CTR_LEADERSHIPS, CTR_APPENDED, CTR_WRITES_ACKED, CTR_READS, CTR_REDIRECTS,
       CTR_DUPLICATES, CTR_DROPPED_MSGS, CTR_SNAPSHOTS, CTR_SNAP_INSTALLS, CTR_SNAP_CHUNKS_SENT,
       CTR_SEGMENTS_CLEANED, CTR_RECOVERED_FROM_SNAPSHOT, CTR_SNAP_RESUMED, CTR_REPAIRS, CTR_REPAIRS_CAUGHT_UP,
       CTR_COUNT };

/* Which Low-Water Mark policy the cleaner follows. */
typedef enum rkv_lwm_policy { RKV_LWM_SNAPSHOT = 0, RKV_LWM_TIME = 1 } rkv_lwm_policy;

typedef struct rkv_params {
    uint64_t election_ms, heartbeat_ms, segment_bytes;
    uint64_t snapshot_entries;  /* take a snapshot after this many applied entries; 0: never */
    uint64_t snapshot_bytes;    /* ... or this many applied payload bytes; 0: no byte trigger */
    rkv_lwm_policy lwm_policy;
    uint64_t lwm_tail;          /* snapshot policy: entries kept below the snapshot for lagging followers */
    uint64_t retention_ms;      /* time policy: closed segments older than this may go */
    uint64_t cleaner_ms;        /* the cleaner's period */
} rkv_params;

typedef struct rkv_entry {
    uint64_t term;
    uint8_t type;         /* KV_RECORD_CMD or KV_RECORD_NOOP */
    uint8_t *bytes;       /* the WAL payload (KV record header + command) */
    uint32_t len;
    pod_addr reply_to;    /* the client to answer once applied (leader), or ADDR_NONE */
} rkv_entry;

typedef struct rkv_out {
    pod_addr to;
    uint32_t len;
    uint64_t need_clock;  /* Generation Clock save that must be durable first */
    uint64_t need_index;  /* WAL index that must be durable first */
    uint8_t *bytes;
} rkv_out;

typedef struct rkv_read {
    pod_addr reply_to;
    uint32_t client_id;
    uint64_t request_no;
    uint64_t read_index;  /* serve once applied >= this ... */
    uint64_t round;       /* ... and a majority acknowledged this round */
    uint32_t len;
    uint8_t cmd[512];
} rkv_read;

typedef struct rkv_node {
    pod_env *env;
    pod_wal *wal;
    pod_gen_clock clock;
    pod_kv_store *store;
    pod_snap_store snap;
    rkv_params params;
    uint16_t self, n;
    pod_node_role role;
    uint16_t leader_hint;
    uint64_t election_timer, heartbeat_timer, cleaner_timer;
    uint64_t election_deadline_ns;  /* a follower or candidate starts an election then */
    uint64_t election_timer_due_ns; /* when election_timer fires (<= the deadline) */
    uint64_t broadcast_ns;          /* the last append to every follower: a heartbeat is due
                                       heartbeat_ms later */
    /* The log in memory: entries[i - log_base - 1] is index i, for i in
     * (log_base, last_index]. Below log_base the entries live only in a
     * snapshot (or in WAL segments the cleaner has not reached). */
    rkv_entry *entries;
    uint64_t log_base, log_base_term; /* term 0: not known (then ask for a snapshot) */
    uint64_t last_index, capacity;
    uint64_t commit_index, applied_index, applied_chain;
    XXH3_state_t *chain_state;   /* for applied_chain's long entries; made once, not per entry */
    uint64_t applied_bytes_since_snapshot;
    /* rkv_state_hash() as of applied_index, for the view: refreshed where the
     * state changes (apply_committed, rkv_snapshot_load_state), because the
     * view is read after every event, far more often than entries apply. */
    uint64_t state_hash;
    /* candidate */
    bool votes[RKV_NODES_MAX];
    /* leader */
    uint64_t next_index[RKV_NODES_MAX], match_index[RKV_NODES_MAX];
    uint64_t acked_round[RKV_NODES_MAX];
    uint64_t snap_offset[RKV_NODES_MAX];   /* snapshot transfer: next byte to send */
    bool snap_sending[RKV_NODES_MAX];      /* this peer is fed the snapshot, not the log */
    uint64_t round;
    uint64_t term_start_index;   /* this leader's no-op */
    rkv_read reads[RKV_READS_MAX];
    uint32_t read_count;
    /* follower: a snapshot transfer being received */
    uint16_t snap_reply_to;      /* who to answer when the chunk in flight is durable */
    uint64_t snap_reply_round;
    bool installing;             /* the received file is being renamed into place */
    pod_idem idem;               /* Idempotent Receiver: the last applied request per client */
    /* Low-Water Mark cleaner, time policy: when each segment was first seen closed */
    uint64_t seg_first[RKV_SEGMENT_AGES_MAX], seg_closed_ns[RKV_SEGMENT_AGES_MAX];
    uint32_t seg_count;
    rkv_out outbox[RKV_OUTBOX_MAX];
    uint32_t outbox_count;
    /* Replicated Log repair (rkv_repair.c): no vote nor candidacy until the
     * WAL is durable up to repair_until (0: not repairing); repair_seq is
     * the Generation Clock save the held WAL waits for. */
    uint64_t repair_until, repair_seq;
    bool failed;
    uint64_t counters[CTR_COUNT];
    uint8_t msg_buf[RKV_MSG_BYTES_MAX];
    uint8_t reply_buf[KV_RESPONSE_HEADER_BYTES + POD_KV_VALUE_BYTES_MAX];
} rkv_node;

/* rkv_params.c: `node KEY=VALUE` lines */
int rkv_check_params(const pod_node_param *params, int count, char *err, size_t err_len);
void rkv_params_parse(const pod_node_param *params, int count, rkv_params *out);

/* rkv_node.c */
void rkv_fail(rkv_node *nd, const char *why);
void rkv_send_msg(rkv_node *nd, pod_addr to, rkv_msg *msg, uint64_t need_index);
uint64_t rkv_term_at(const rkv_node *nd, uint64_t index);
void rkv_step_down(rkv_node *nd, uint64_t term);
void rkv_follow(rkv_node *nd, uint16_t leader);
void rkv_free_below(rkv_node *nd, uint64_t first_kept); /* frees memory entries below first_kept */
void rkv_log_restart(rkv_node *nd, uint64_t base, uint64_t base_term); /* empty log after `base` */
/* Appends to the memory copy of the log only; false when full. */
bool rkv_log_push(rkv_node *nd, uint64_t term, uint8_t type, const uint8_t *bytes, uint32_t len, pod_addr reply_to);
void rkv_send_append(rkv_node *nd, uint16_t peer);
/* rkv_recovery.c: the state hash of the view, in O(1) (key-value pairs and
 * client memory); the _slow one recomputes it from scratch, for assertions. */
uint64_t rkv_state_hash(const rkv_node *nd);
uint64_t rkv_state_hash_slow(const rkv_node *nd);

/* rkv_recovery.c: snapshot + log suffix at start */
bool rkv_recover(rkv_node *nd, char *why, size_t why_len);

/* rkv_snapshot.c: taking, loading and recovering from snapshots */
void rkv_snapshot_maybe_take(rkv_node *nd);
/* Replaces the state machine and the client memory with a snapshot's;
 * false (nothing changed) when the bytes do not decode. */
bool rkv_snapshot_load_state(rkv_node *nd, const uint8_t *bytes, size_t len);
void rkv_snapshot_on_disk(rkv_node *nd, const pod_disk_done *done);

/* lwm_cleaner.c: the Low-Water Mark */
void rkv_cleaner_arm(rkv_node *nd);
void rkv_cleaner_run(rkv_node *nd);
uint64_t rkv_low_water_mark(const rkv_node *nd);

/* rkv_install.c: snapshot transfer */
void rkv_install_send(rkv_node *nd, uint16_t peer);
void rkv_install_on_req(rkv_node *nd, uint16_t from, const rkv_snap_req *q);
void rkv_install_on_resp(rkv_node *nd, uint16_t from, const rkv_snap_resp *r);
void rkv_install_chunk_durable(rkv_node *nd);
void rkv_install_done(rkv_node *nd);

/* rkv_repair.c: Replicated Log repair after mid-log damage */
void rkv_repair_start(rkv_node *nd);
bool rkv_repair_may_vote(const rkv_node *nd);
void rkv_repair_on_disk(rkv_node *nd);

#endif
