/* rkv_node.c — a replicated key-value node: Leader and Followers
 * (Patterns of Distributed Systems), in the manner of Raft.
 *
 * The patterns, each findable by its name below:
 *   Generation Clock   — gen_clock.c: term and vote, durable before any
 *                        message that depends on them leaves the node.
 *   HeartBeat          — the leader's periodic append requests; followers
 *                        start an election after a randomized timeout.
 *   Majority Quorum    — elections and commitment count a majority; a
 *                        candidate whose log is behind is refused a vote.
 *   Replicated Log     — append requests carry the previous entry's index
 *                        and term; a follower truncates a conflicting suffix
 *                        and acknowledges only entries durable in its WAL.
 *   High-Water Mark    — the commit index: advanced only for an entry of the
 *                        leader's own term stored on a majority (the Raft
 *                        paper's Figure 8 rule); nothing above it is applied.
 *   Idempotent Receiver— idempotent_receiver.c: (client id, request number)
 *                        of the last applied request per client, kept in
 *                        snapshots and rebuilt from snapshot + log on
 *                        restart: a retried write is applied once.
 *   Request Batch      — up to RKV_ENTRIES_PER_APPEND_MAX entries a message.
 *   Request Pipeline   — the leader sends new entries without waiting for the
 *                        previous append's answer.
 *   Linearizable reads — the leader confirms it still leads with a quorum
 *                        round (ReadIndex) before answering.
 *   Low-Water Mark     — rkv_snapshot.c, lwm_cleaner.c, rkv_install.c: the
 *                        state is snapshotted, log segments below the mark
 *                        are deleted, and a follower that needs entries the
 *                        leader no longer has receives the snapshot.
 *   Follower Reads     — any node answers a flagged GET from its applied
 *                        state once it has applied the client's session.
 *
 * Memory holds the log from the oldest segment the cleaner kept. */
#include "nodes/rkv_node.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "nodes/node_params.h"
#include "nodes/rkv_internal.h"

#define RKV_CHAIN_ONE_SHOT_BYTES 512u /* apply_one: entries hashed in one call */

static const char *const rkv_counter_names[] = {
    "elections", "leaderships", "appended", "writes_acked", "reads", "redirects", "duplicates",
    "dropped_messages", "snapshots", "snapshot_installs", "snapshot_chunks_sent", "segments_cleaned",
    "recovered_from_snapshot", "snapshot_transfers_resumed", "repairs", "repairs_caught_up", NULL,
};
_Static_assert(CTR_COUNT <= 16, "pod_node_view holds 16 counters");

/* --- small helpers -------------------------------------------------------------- */

uint64_t rkv_term_at(const rkv_node *nd, uint64_t index) {
    if (index == 0 || index > nd->last_index || index < nd->log_base) return 0;
    if (index == nd->log_base) return nd->log_base_term;
    return nd->entries[index - nd->log_base - 1].term;
}

static rkv_entry *entry_at(rkv_node *nd, uint64_t index) {
    return &nd->entries[index - nd->log_base - 1];
}

static uint16_t majority(const rkv_node *nd) { return (uint16_t)(nd->n / 2 + 1); }

void rkv_fail(rkv_node *nd, const char *why) {
    if (nd->failed) return;
    nd->failed = true;
    nd->env->ops->fail_stop(nd->env, why);
}

/* Moves the election deadline to now + a randomized timeout in [T, 2T):
 * followers rarely time out together. Every append from the leader does
 * this — hundreds of times a second under client load — so the node keeps
 * one timer and moves only the deadline: a timer that fires before the
 * deadline is set again for the rest (rkv_on_timer). The timer is replaced
 * only when the new deadline is earlier than the one it was set for. The
 * same draws and the same deadlines as cancelling and setting a timer on
 * every call, with a fraction of the timer traffic. */
static void arm_election(rkv_node *nd) {
    pod_env *env = nd->env;
    uint64_t t = nd->params.election_ms * 1000000u;
    uint64_t now = env->ops->now_ns(env);
    nd->election_deadline_ns = now + t + env->ops->random_u64(env) % t;
    if (nd->election_timer && nd->election_timer_due_ns <= nd->election_deadline_ns) return;
    if (nd->election_timer) env->ops->timer_cancel(env, nd->election_timer);
    nd->election_timer = env->ops->timer_set(env, nd->election_deadline_ns - now, TIMER_ELECTION);
    nd->election_timer_due_ns = nd->election_deadline_ns;
}

/* HeartBeat: an append to every follower at least every heartbeat_ms. Any
 * append to all of them counts (broadcast_append notes when): under client
 * load the leader broadcasts every few milliseconds, and a heartbeat on top
 * would tell the followers nothing new. So the timer, like the election
 * timer, stays set; when it fires before a heartbeat is due it is set again
 * for the rest (rkv_on_timer). */
static void arm_heartbeat(rkv_node *nd) {
    if (nd->heartbeat_timer) return; /* fires by the due time, then looks again */
    pod_env *env = nd->env;
    nd->heartbeat_timer = env->ops->timer_set(env, nd->params.heartbeat_ms * 1000000u, TIMER_HEARTBEAT);
}

void rkv_follow(rkv_node *nd, uint16_t leader) {
    nd->leader_hint = leader;
    arm_election(nd);
}

/* --- outbox: messages wait until what they promise is durable ------------------ */

static void flush_outbox(rkv_node *nd) {
    uint64_t durable = pod_wal_durable_index(nd->wal);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nd->outbox_count; i++) {
        rkv_out *o = &nd->outbox[i];
        if (pod_gen_clock_durable(&nd->clock, o->need_clock) && durable >= o->need_index) {
            nd->env->ops->send(nd->env, o->to, o->bytes, o->len);
            free(o->bytes);
        } else {
            nd->outbox[kept++] = *o;
        }
    }
    nd->outbox_count = kept;
}

/* Sends `msg` to `to` once the current term and vote, and WAL index
 * `need_index`, are durable. A full outbox loses the message, as a network
 * may: every protocol message is retried or superseded. */
void rkv_send_msg(rkv_node *nd, pod_addr to, rkv_msg *msg, uint64_t need_index) {
    msg->from = nd->self;
    uint32_t len = rkv_msg_encode(msg, nd->msg_buf, sizeof nd->msg_buf);
    if (len == 0) return;
    if (nd->outbox_count == RKV_OUTBOX_MAX) {
        nd->counters[CTR_DROPPED_MSGS]++;
        return;
    }
    if (pod_gen_clock_durable(&nd->clock, nd->clock.seq) && pod_wal_durable_index(nd->wal) >= need_index) {
        /* Nothing to wait for (most messages): the same order as queueing
         * it last and flushing — whatever became ready ahead of it first —
         * without copying it. */
        flush_outbox(nd);
        nd->env->ops->send(nd->env, to, nd->msg_buf, len);
        return;
    }
    uint8_t *copy = malloc(len);
    if (!copy) return;
    memcpy(copy, nd->msg_buf, len);
    nd->outbox[nd->outbox_count++] =
        (rkv_out){.to = to, .len = len, .need_clock = nd->clock.seq, .need_index = need_index, .bytes = copy};
    flush_outbox(nd);
}

/* --- the Generation Clock ------------------------------------------------------ */

/* Saves term and vote; a save that cannot even be submitted ends the node. */
static void save_clock(rkv_node *nd, uint64_t term, uint16_t vote) {
    pod_gen_clock_set(&nd->clock, term, vote);
    if (pod_gen_clock_failed(&nd->clock)) rkv_fail(nd, "Generation Clock save failed: exiting to recover");
}

void rkv_step_down(rkv_node *nd, uint64_t term) {
    if (term > nd->clock.term) save_clock(nd, term, POD_GEN_VOTE_NONE);
    if (nd->role == POD_ROLE_LEADER) nd->read_count = 0; /* unanswered: clients retry */
    if (nd->leader_hint == nd->self) nd->leader_hint = ADDR_NONE;
    nd->role = POD_ROLE_FOLLOWER;
    arm_election(nd);
}

/* --- client replies ------------------------------------------------------------------ */

static void reply(rkv_node *nd, pod_addr to, uint32_t client_id, uint64_t request_no, uint8_t status,
                  uint64_t index, const uint8_t *value, uint32_t value_len) {
    uint8_t *out = nd->reply_buf;
    kv_header h = {.type = KV_MSG_RESPONSE, .status = status, .client_id = client_id, .request_no = request_no};
    kv_header_encode(&h, out);
    kv_put_u64(out + KV_HEADER_BYTES, index);
    kv_put_u32(out + KV_HEADER_BYTES + 8, value_len);
    if (value_len) memcpy(out + KV_RESPONSE_HEADER_BYTES, value, value_len);
    kv_frame_seal(out, KV_RESPONSE_HEADER_BYTES + value_len);
    nd->env->ops->send(nd->env, to, out, KV_RESPONSE_HEADER_BYTES + value_len);
}

/* --- the log in memory and in the WAL ------------------------------------------ */

bool rkv_log_push(rkv_node *nd, uint64_t term, uint8_t type, const uint8_t *bytes, uint32_t len,
                     pod_addr reply_to) {
    if (nd->last_index - nd->log_base == nd->capacity) {
        if (nd->capacity >= RKV_LOG_ENTRIES_MAX) return false;
        uint64_t want = nd->capacity ? nd->capacity * 2 : 1024;
        rkv_entry *grown = realloc(nd->entries, (size_t)want * sizeof *grown);
        if (!grown) return false;
        nd->entries = grown;
        nd->capacity = want;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy) return false;
    if (len) memcpy(copy, bytes, len);
    nd->entries[nd->last_index++ - nd->log_base] =
        (rkv_entry){.term = term, .type = type, .bytes = copy, .len = len, .reply_to = reply_to};
    return true;
}

static void log_cut(rkv_node *nd, uint64_t from_index) {
    while (nd->last_index >= from_index && nd->last_index > nd->log_base) {
        free(entry_at(nd, nd->last_index)->bytes);
        nd->last_index--;
    }
}

void rkv_free_below(rkv_node *nd, uint64_t first_kept) {
    if (first_kept > nd->applied_index + 1) first_kept = nd->applied_index + 1; /* never unapplied ones */
    if (first_kept <= nd->log_base + 1) return;
    uint64_t drop = first_kept - 1 - nd->log_base;
    uint64_t base_term = rkv_term_at(nd, first_kept - 1);
    for (uint64_t i = 0; i < drop; i++) free(nd->entries[i].bytes);
    uint64_t keep = nd->last_index - nd->log_base - drop;
    memmove(nd->entries, nd->entries + drop, (size_t)keep * sizeof nd->entries[0]);
    nd->log_base = first_kept - 1;
    nd->log_base_term = base_term;
}

void rkv_log_restart(rkv_node *nd, uint64_t base, uint64_t base_term) {
    /* Acknowledgements waiting for entries above the snapshot speak of a
     * log that is gone: lose them, as the network may. */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nd->outbox_count; i++) {
        if (nd->outbox[i].need_index > base) {
            free(nd->outbox[i].bytes);
        } else {
            nd->outbox[kept++] = nd->outbox[i];
        }
    }
    nd->outbox_count = kept;
    for (uint64_t i = 0; i < nd->last_index - nd->log_base; i++) free(nd->entries[i].bytes);
    nd->log_base = nd->last_index = base;
    nd->log_base_term = base_term;
    if (pod_wal_restart_at(nd->wal, base + 1) != POD_WAL_OK) rkv_fail(nd, "cannot restart the log after a snapshot");
}

/* Appends to the WAL and to memory; false on a failure the node must stop for. */
static bool append_entry(rkv_node *nd, uint64_t term, uint8_t type, const uint8_t *bytes, uint32_t len,
                         pod_addr reply_to) {
    uint64_t index;
    if (pod_wal_append(nd->wal, type, term, bytes, len, &index) != POD_WAL_OK) {
        rkv_fail(nd, "WAL append failed: exiting to recover from the log");
        return false;
    }
    if (index != nd->last_index + 1 || !rkv_log_push(nd, term, type, bytes, len, reply_to)) {
        rkv_fail(nd, "log in memory out of step with the WAL, or full");
        return false;
    }
    nd->counters[CTR_APPENDED]++;
    return true;
}

/* --- applying committed entries: the state machine and the Idempotent Receiver -- */

static void apply_one(rkv_node *nd, uint64_t index) {
    rkv_entry *e = entry_at(nd, index);
    nd->applied_bytes_since_snapshot += e->len;
    /* The chain: XXH3, seeded with the chain so far, of index, term and
     * the entry's bytes. A small entry is hashed in one call over a copy
     * (the same value as streaming the parts, for a fraction of the cost). */
    uint8_t chunk[RKV_CHAIN_ONE_SHOT_BYTES];
    kv_put_u64(chunk, index);
    kv_put_u64(chunk + 8, e->term);
    if (e->len <= sizeof chunk - 16) {
        if (e->len) memcpy(chunk + 16, e->bytes, e->len);
        nd->applied_chain = XXH3_64bits_withSeed(chunk, 16 + (size_t)e->len, nd->applied_chain);
    } else {
        XXH3_state_t *st = nd->chain_state;
        XXH3_64bits_reset_withSeed(st, nd->applied_chain);
        XXH3_64bits_update(st, chunk, 16);
        XXH3_64bits_update(st, e->bytes, e->len);
        nd->applied_chain = XXH3_64bits_digest(st);
    }
    nd->applied_index = index;
    if (e->type != KV_RECORD_CMD || e->len < KV_RECORD_HEADER_BYTES) return;

    uint32_t client_id = kv_get_u32(e->bytes);
    uint64_t request_no = kv_get_u64(e->bytes + 8);
    pod_idem_client first;
    uint8_t status;
    uint64_t result_index = index;
    if (pod_idem_applied(&nd->idem, client_id, request_no, &first)) {
        /* Idempotent Receiver: already applied; answer as the first time
         * (an older request than the last: one its client gave up on). */
        nd->counters[CTR_DUPLICATES]++;
        status = request_no == first.request_no ? first.status : POD_KV_E_MALFORMED;
        result_index = first.index;
    } else {
        pod_kv_cmd cmd;
        status = (uint8_t)pod_kv_cmd_decode(e->bytes + KV_RECORD_HEADER_BYTES, e->len - KV_RECORD_HEADER_BYTES, &cmd);
        if (status == POD_KV_OK) status = (uint8_t)pod_kv_apply(nd->store, &cmd, NULL, NULL);
        pod_idem_remember(&nd->idem, client_id, request_no, index, status); /* a full memory counts an overflow */
    }
    if (nd->role == POD_ROLE_LEADER && e->reply_to != ADDR_NONE) {
        reply(nd, e->reply_to, client_id, request_no, status, result_index, NULL, 0);
        nd->counters[CTR_WRITES_ACKED]++;
    }
}

static bool round_confirmed(const rkv_node *nd, uint64_t round) {
    uint16_t acks = 1; /* the leader itself */
    for (uint16_t p = 0; p < nd->n; p++) {
        if (p != nd->self && nd->acked_round[p] >= round) acks++;
    }
    return acks >= majority(nd);
}

/* Answers the reads whose ReadIndex conditions now hold. */
static void serve_reads(rkv_node *nd) {
    if (nd->role != POD_ROLE_LEADER || nd->commit_index < nd->term_start_index) return;
    uint32_t kept = 0;
    /* Reads wait in the order they came, with rounds ascending, and a
     * round confirmed by a majority confirms every earlier one: once one is
     * not confirmed, none after it is (no O(reads x nodes) per answer). */
    bool confirmed = true;
    for (uint32_t i = 0; i < nd->read_count; i++) {
        rkv_read *r = &nd->reads[i];
        /* (reads[i - 1] is still in place: kept ones move only to < i - 1) */
        assert(i == 0 || r->round > nd->reads[i - 1].round);
        if (confirmed && !round_confirmed(nd, r->round)) confirmed = false;
        if (nd->applied_index < r->read_index || !confirmed) {
            if (kept != i) nd->reads[kept] = *r; /* 0.5 KB each: no copy onto itself */
            kept++;
            continue;
        }
        pod_kv_cmd cmd;
        const uint8_t *value = NULL;
        uint32_t value_len = 0;
        pod_kv_status s = pod_kv_cmd_decode(r->cmd, r->len, &cmd);
        if (s == POD_KV_OK) s = pod_kv_apply(nd->store, &cmd, &value, &value_len);
        reply(nd, r->reply_to, r->client_id, r->request_no, (uint8_t)s, 0, value, value_len);
        nd->counters[CTR_READS]++;
    }
    nd->read_count = kept;
}

static void apply_committed(rkv_node *nd) {
    uint64_t upto = nd->commit_index < nd->last_index ? nd->commit_index : nd->last_index;
    if (nd->applied_index < upto) {
        while (nd->applied_index < upto) apply_one(nd, nd->applied_index + 1);
        nd->state_hash = rkv_state_hash(nd); /* O(1): the hashes run as entries apply */
        /* Debug builds check the running hashes against a recomputation. */
        assert(nd->state_hash == rkv_state_hash_slow(nd));
    }
    serve_reads(nd);
    rkv_snapshot_maybe_take(nd);
}

/* --- leader: replication and the High-Water Mark ------------------------------- */

void rkv_send_append(rkv_node *nd, uint16_t peer) {
    /* Not `= {...}`: that zeroes the whole entry table (1.5 KB) per message.
     * The encoder reads the fields below and entries[0, count) only. */
    rkv_msg m;
    m.type = RKV_APPEND_REQ;
    rkv_append_req *a = &m.u.append_req;
    a->count = 0;
    uint64_t next = nd->next_index[peer];
    if (next < 1) next = 1;
    /* Low-Water Mark: what the follower needs next is no longer in the
     * log (or its predecessor's term is unknown): send the snapshot. */
    if (nd->snap_sending[peer] || next - 1 < nd->log_base || (next > 1 && rkv_term_at(nd, next - 1) == 0)) {
        rkv_install_send(nd, peer);
        return;
    }
    a->term = nd->clock.term;
    a->prev_index = next - 1;
    a->prev_term = rkv_term_at(nd, next - 1);
    a->commit = nd->commit_index;
    a->round = nd->round;
    uint32_t bytes = 0;
    for (uint64_t i = next; i <= nd->last_index && a->count < RKV_ENTRIES_PER_APPEND_MAX; i++) {
        const rkv_entry *e = entry_at(nd, i);
        if (bytes + e->len + 16 > RKV_APPEND_BYTES_MAX && a->count > 0) break;
        /* The type travels as the payload's first byte. */
        a->entries[a->count++] = (rkv_entry_ref){.term = e->term, .bytes = e->bytes, .len = e->len};
        bytes += e->len + 16;
    }
    /* Entries carry no type byte: a no-op is an empty payload. */
    rkv_send_msg(nd, peer, &m, 0);
    /* Request Pipeline: assume success; a refusal rewinds next_index. */
    nd->next_index[peer] = next + a->count;
}

static void broadcast_append(rkv_node *nd) {
    nd->broadcast_ns = nd->env->ops->now_ns(nd->env);
    for (uint16_t p = 0; p < nd->n; p++) {
        if (p != nd->self) rkv_send_append(nd, p);
    }
}

/* The Figure 8 rule: only an entry of the leader's own term is committed by
 * counting replicas; earlier entries commit with it. */
static void advance_commit(rkv_node *nd) {
    uint64_t self_match = pod_wal_durable_index(nd->wal);
    for (uint64_t n = nd->last_index; n > nd->commit_index; n--) {
#ifndef PODSIM_TEST_BREAK_OLD_TERM_COMMIT
        if (rkv_term_at(nd, n) != nd->clock.term) break; /* older terms: not by counting */
#endif
        /* (Test-only breakage, tests/teeth_rkv_commit.c: count replicas of
         * an older term's entry too — the Figure 8 bug.) */
        uint16_t count = self_match >= n ? 1 : 0;
        uint16_t const need = majority(nd);
        for (uint16_t p = 0; p < nd->n && count < need; p++) {
            if (p != nd->self && nd->match_index[p] >= n) count++;
        }
        if (count >= need) {
            nd->commit_index = n;
            break;
        }
    }
    apply_committed(nd);
}

static void become_leader(rkv_node *nd) {
    nd->role = POD_ROLE_LEADER;
    nd->leader_hint = nd->self;
    nd->counters[CTR_LEADERSHIPS]++;
    for (uint16_t p = 0; p < nd->n; p++) {
        nd->next_index[p] = nd->last_index + 1;
        nd->match_index[p] = 0;
        nd->acked_round[p] = 0;
        nd->snap_sending[p] = false;
        nd->snap_offset[p] = 0;
    }
    char note[64];
    snprintf(note, sizeof note, "leader of term %llu", (unsigned long long)nd->clock.term);
    nd->env->ops->note(nd->env, note);
    /* A no-op in the new term commits what earlier terms left behind. */
    if (!append_entry(nd, nd->clock.term, KV_RECORD_NOOP, NULL, 0, ADDR_NONE)) return;
    nd->term_start_index = nd->last_index;
    nd->round++;
    broadcast_append(nd);
    arm_heartbeat(nd);
    advance_commit(nd);
}

static void count_votes(rkv_node *nd) {
    if (nd->role != POD_ROLE_CANDIDATE) return;
    /* Our own vote counts once it is durable. */
    uint16_t votes = pod_gen_clock_durable(&nd->clock, nd->clock.seq) ? 1 : 0;
    for (uint16_t p = 0; p < nd->n; p++) {
        if (p != nd->self && nd->votes[p]) votes++;
    }
    if (votes >= majority(nd)) become_leader(nd);
}

static void become_candidate(rkv_node *nd) {
    nd->role = POD_ROLE_CANDIDATE;
    nd->leader_hint = ADDR_NONE;
    nd->counters[CTR_ELECTIONS]++;
    memset(nd->votes, 0, sizeof nd->votes);
    save_clock(nd, nd->clock.term + 1, nd->self);
    arm_election(nd);
    rkv_msg m = {.type = RKV_VOTE_REQ};
    m.u.vote_req = (rkv_vote_req){.term = nd->clock.term, .last_index = nd->last_index,
                                  .last_term = rkv_term_at(nd, nd->last_index)};
    for (uint16_t p = 0; p < nd->n; p++) {
        if (p != nd->self) rkv_send_msg(nd, p, &m, 0);
    }
    count_votes(nd);
}

/* --- message handlers ------------------------------------------------------------- */

static void on_vote_req(rkv_node *nd, uint16_t from, const rkv_vote_req *v) {
    if (v->term > nd->clock.term) rkv_step_down(nd, v->term);
    uint64_t my_last_term = rkv_term_at(nd, nd->last_index);
    bool up_to_date = v->last_term > my_last_term ||
                      (v->last_term == my_last_term && v->last_index >= nd->last_index);
    bool free_vote = nd->clock.vote == POD_GEN_VOTE_NONE || nd->clock.vote == from;
    bool grant = v->term == nd->clock.term && free_vote && up_to_date && rkv_repair_may_vote(nd);
    if (grant) {
        if (nd->clock.vote != from) save_clock(nd, nd->clock.term, from);
        arm_election(nd);
    }
    rkv_msg m = {.type = RKV_VOTE_RESP};
    m.u.vote_resp = (rkv_vote_resp){.term = nd->clock.term, .granted = grant};
    rkv_send_msg(nd, from, &m, 0);
}

static void on_vote_resp(rkv_node *nd, uint16_t from, const rkv_vote_resp *v) {
    if (v->term > nd->clock.term) {
        rkv_step_down(nd, v->term);
        return;
    }
    if (nd->role != POD_ROLE_CANDIDATE || v->term != nd->clock.term || !v->granted) return;
    nd->votes[from] = true;
    count_votes(nd);
}

static void on_append_req(rkv_node *nd, uint16_t from, const rkv_append_req *a) {
    rkv_msg m; /* every path below sets the whole response (see send_append) */
    m.type = RKV_APPEND_RESP;
    rkv_append_resp *r = &m.u.append_resp;
    if (a->term < nd->clock.term) {
        *r = (rkv_append_resp){.term = nd->clock.term, .match = nd->last_index + 1, .round = a->round};
        rkv_send_msg(nd, from, &m, 0);
        return;
    }
    if (a->term > nd->clock.term || nd->role != POD_ROLE_FOLLOWER) rkv_step_down(nd, a->term);
    nd->leader_hint = from;
    arm_election(nd);
    if (nd->installing) return; /* a snapshot is being put in place: the leader resends */
    /* Replicated Log: the previous entry must match. An applied entry is
     * committed, so it matches the leader's: below the Low-Water Mark the
     * log may be gone, but that is all there is to know. */
    if (a->prev_index > nd->last_index ||
        (a->prev_index > nd->applied_index && rkv_term_at(nd, a->prev_index) != a->prev_term)) {
        uint64_t hint = a->prev_index > nd->last_index ? nd->last_index + 1 : a->prev_index;
        *r = (rkv_append_resp){.term = nd->clock.term, .match = hint, .round = a->round};
        rkv_send_msg(nd, from, &m, 0);
        return;
    }
    for (uint32_t k = 0; k < a->count; k++) {
        uint64_t index = a->prev_index + 1 + k;
        const rkv_entry_ref *e = &a->entries[k];
        if (index <= nd->last_index) {
            if (index <= nd->applied_index || rkv_term_at(nd, index) == e->term) continue; /* already have it */
            /* A conflicting suffix: never committed, so it may go. */
            if (index <= nd->commit_index || pod_wal_truncate_suffix(nd->wal, index) != POD_WAL_OK) {
                rkv_fail(nd, "cannot truncate a conflicting suffix");
                return;
            }
            log_cut(nd, index);
        }
        uint8_t type = e->len == 0 ? KV_RECORD_NOOP : KV_RECORD_CMD;
        if (!append_entry(nd, e->term, type, e->bytes, e->len, ADDR_NONE)) return;
    }
    uint64_t match = a->prev_index + a->count;
    /* High-Water Mark: apply only what the leader says is committed, and
     * only up to what is known to match the leader's log. */
    uint64_t commit = a->commit < match ? a->commit : match;
    if (commit > nd->commit_index) nd->commit_index = commit;
    apply_committed(nd);
    /* Acknowledge only once the entries are durable here. */
    *r = (rkv_append_resp){.term = nd->clock.term, .match = match, .round = a->round, .success = 1};
#ifdef PODSIM_TEST_BREAK_ACK_BEFORE_PERSIST
    rkv_send_msg(nd, from, &m, 0); /* test-only breakage, tests/teeth_rkv_ack.c */
#else
    rkv_send_msg(nd, from, &m, match);
#endif
}

static void on_append_resp(rkv_node *nd, uint16_t from, const rkv_append_resp *r) {
    if (r->term > nd->clock.term) {
        rkv_step_down(nd, r->term);
        return;
    }
    if (nd->role != POD_ROLE_LEADER || r->term != nd->clock.term) return;
    if (r->round > nd->acked_round[from]) nd->acked_round[from] = r->round;
    if (r->success) {
        if (nd->next_index[from] < r->match + 1) nd->next_index[from] = r->match + 1;
        if (r->match > nd->match_index[from]) {
            /* Only a higher match can commit more (the leader's own
             * durable index is looked at in rkv_on_disk). */
            nd->match_index[from] = r->match;
            advance_commit(nd);
        }
    } else {
        /* Rewind and resend from where the follower's log can match. */
        uint64_t hint = r->match ? r->match : 1;
        nd->next_index[from] = hint < nd->next_index[from] ? hint : nd->next_index[from] - (nd->next_index[from] > 1);
        rkv_send_append(nd, from);
    }
    serve_reads(nd);
}

/* --- clients ---------------------------------------------------------------------- */

/* Follower Reads: any node answers a GET from its applied state — committed
 * data, possibly stale — once it has applied the client's min_index (its
 * session), so a client never reads older than what it has seen. */
static void on_follower_read(rkv_node *nd, pod_addr from, const kv_header *h, const uint8_t *body, uint32_t len) {
    pod_kv_cmd cmd;
    pod_kv_status s = len < 8 ? POD_KV_E_MALFORMED : pod_kv_cmd_decode(body + 8, len - 8, &cmd);
    if (s == POD_KV_OK && pod_kv_cmd_is_write(&cmd)) s = POD_KV_E_MALFORMED;
    if (s != POD_KV_OK) {
        reply(nd, from, h->client_id, h->request_no, (uint8_t)s, 0, NULL, 0);
        return;
    }
    /* Behind the session: the client tries another replica. (Test-only
     * breakage, tests/teeth_rkv.c: answer anyway — older than its writes.) */
#ifndef PODSIM_TEST_BREAK_FOLLOWER_READ_STALE
    if (nd->applied_index < kv_get_u64(body)) {
        reply(nd, from, h->client_id, h->request_no, KV_REPLY_UNAVAILABLE, nd->applied_index, NULL, 0);
        return;
    }
#endif
    const uint8_t *value = NULL;
    uint32_t value_len = 0;
    s = pod_kv_apply(nd->store, &cmd, &value, &value_len);
    reply(nd, from, h->client_id, h->request_no, (uint8_t)s, nd->applied_index, value, value_len);
}

static void on_client(rkv_node *nd, pod_addr from, const uint8_t *bytes, uint32_t len) {
    kv_header h;
    if (kv_header_decode(bytes, len, KV_MSG_REQUEST, &h) != 0) { /* corrupt or malformed */
        nd->counters[CTR_DROPPED_MSGS]++;
        return;
    }
    if (h.flags & KV_REQ_FOLLOWER_READ) {
        on_follower_read(nd, from, &h, bytes + KV_HEADER_BYTES, len - KV_HEADER_BYTES);
        return;
    }
    if (nd->role != POD_ROLE_LEADER) {
        nd->counters[CTR_REDIRECTS]++;
        uint64_t hint = nd->leader_hint == ADDR_NONE ? 0 : (uint64_t)nd->leader_hint + 1;
        reply(nd, from, h.client_id, h.request_no, KV_REPLY_NOT_LEADER, hint, NULL, 0);
        return;
    }
    pod_kv_cmd cmd;
    pod_kv_status s = pod_kv_cmd_decode(bytes + KV_HEADER_BYTES, len - KV_HEADER_BYTES, &cmd);
    if (s != POD_KV_OK) {
        reply(nd, from, h.client_id, h.request_no, (uint8_t)s, 0, NULL, 0);
        return;
    }
    if (!pod_kv_cmd_is_write(&cmd)) {
        /* ReadIndex: answer after a quorum confirms this node still leads. */
        if (nd->read_count == RKV_READS_MAX || len - KV_HEADER_BYTES > sizeof nd->reads[0].cmd) {
            reply(nd, from, h.client_id, h.request_no, KV_REPLY_UNAVAILABLE, 0, NULL, 0);
            return;
        }
        rkv_read *r = &nd->reads[nd->read_count++];
        *r = (rkv_read){.reply_to = from, .client_id = h.client_id, .request_no = h.request_no,
                        .read_index = nd->commit_index, .round = ++nd->round, .len = len - KV_HEADER_BYTES};
        memcpy(r->cmd, bytes + KV_HEADER_BYTES, r->len);
        broadcast_append(nd);
        serve_reads(nd);
        return;
    }
    pod_idem_client first;
    if (pod_idem_applied(&nd->idem, h.client_id, h.request_no, &first)) {
        /* Idempotent Receiver: a retry of an applied request. */
        nd->counters[CTR_DUPLICATES]++;
        uint8_t status = h.request_no == first.request_no ? first.status : POD_KV_E_MALFORMED;
        reply(nd, from, h.client_id, h.request_no, status, first.index, NULL, 0);
        return;
    }
    uint32_t rec_len = KV_RECORD_HEADER_BYTES + (len - KV_HEADER_BYTES);
    if (rec_len > POD_WAL_RECORD_BYTES_MAX) {
        reply(nd, from, h.client_id, h.request_no, POD_KV_E_TOO_LARGE, 0, NULL, 0);
        return;
    }
    uint8_t *record = malloc(rec_len);
    if (!record) return;
    kv_put_u32(record, h.client_id);
    record[4] = (uint8_t)from;
    record[5] = (uint8_t)(from >> 8);
    record[6] = record[7] = 0;
    kv_put_u64(record + 8, h.request_no);
    memcpy(record + KV_RECORD_HEADER_BYTES, bytes + KV_HEADER_BYTES, len - KV_HEADER_BYTES);
    bool ok = append_entry(nd, nd->clock.term, KV_RECORD_CMD, record, rec_len, from);
    free(record);
    if (ok) broadcast_append(nd); /* Request Pipeline: no waiting for the heartbeat */
}

/* --- node type callbacks -------------------------------------------------------------- */

static void rkv_stop(void *mem);

static void *rkv_start(pod_env *env, const pod_node_param *params, int count) {
    rkv_node *nd = calloc(1, sizeof *nd);
    if (!nd) return NULL;
    nd->env = env;
    nd->self = env->self;
    nd->n = env->cluster_size;
    nd->role = POD_ROLE_FOLLOWER;
    nd->leader_hint = ADDR_NONE;
    rkv_params_parse(params, count, &nd->params);
    nd->store = pod_kv_create();
    nd->chain_state = XXH3_createState();
    if (nd->store) nd->state_hash = rkv_state_hash(nd);
    char why[256] = "";
    bool ok = nd->store && nd->chain_state && nd->n <= RKV_NODES_MAX && pod_gen_clock_open(&nd->clock, env) == POD_OK;
    if (!ok && nd->clock.damaged) {
        snprintf(why, sizeof why,
                 "both slots of the Generation Clock file are damaged: the last term and vote are unknown, "
                 "and a node that voted in a term must never vote again in it (docs/repair.md)");
    }
    if (ok) ok = rkv_recover(nd, why, sizeof why);
    if (!ok) {
        char note[320];
        snprintf(note, sizeof note, "refusing to start: %s", why[0] ? why : "state did not load");
        env->ops->note(env, note);
        rkv_stop(nd);
        return NULL;
    }
    rkv_repair_start(nd);
    arm_election(nd);
    rkv_cleaner_arm(nd);
    return nd;
}

static void rkv_stop(void *mem) {
    rkv_node *nd = mem;
    for (uint64_t i = 0; i < nd->last_index - nd->log_base; i++) free(nd->entries[i].bytes);
    free(nd->entries);
    for (uint32_t i = 0; i < nd->outbox_count; i++) free(nd->outbox[i].bytes);
    if (nd->wal) pod_wal_close(nd->wal);
    pod_snap_close(&nd->snap);
    pod_kv_destroy(nd->store);
    XXH3_freeState(nd->chain_state);
    free(nd);
}

static void rkv_on_message(void *mem, pod_addr from, const uint8_t *bytes, uint32_t len) {
    rkv_node *nd = mem;
    if (nd->failed) return;
    if (from >= POD_CLIENT_ADDR_BASE) {
        on_client(nd, from, bytes, len);
        return;
    }
    rkv_msg m;
    if (from >= nd->n || !rkv_msg_decode(bytes, len, &m) || m.from != from) return; /* garbled: dropped */
    switch (m.type) {
    case RKV_VOTE_REQ: on_vote_req(nd, from, &m.u.vote_req); break;
    case RKV_VOTE_RESP: on_vote_resp(nd, from, &m.u.vote_resp); break;
    case RKV_APPEND_REQ: on_append_req(nd, from, &m.u.append_req); break;
    case RKV_APPEND_RESP: on_append_resp(nd, from, &m.u.append_resp); break;
    case RKV_SNAP_REQ: rkv_install_on_req(nd, from, &m.u.snap_req); break;
    case RKV_SNAP_RESP: rkv_install_on_resp(nd, from, &m.u.snap_resp); break;
    }
}

static void rkv_on_timer(void *mem, uint64_t timer_id, uint64_t cookie) {
    rkv_node *nd = mem;
    if (nd->failed) return;
    if (cookie == TIMER_ELECTION && timer_id == nd->election_timer) {
        nd->election_timer = 0;
        pod_env *env = nd->env;
        uint64_t now = env->ops->now_ns(env);
        if (now < nd->election_deadline_ns) {
            /* The deadline moved on since the timer was set (arm_election). */
            nd->election_timer = env->ops->timer_set(env, nd->election_deadline_ns - now, TIMER_ELECTION);
            nd->election_timer_due_ns = nd->election_deadline_ns;
            return;
        }
#ifdef PODSIM_TEST_BREAK_NO_REELECTION
        /* Test-only breakage (tests/teeth_rkv.c): a node that has known a
         * term never stands again, so only the first election ever happens. */
        if (nd->clock.term > 0) return;
#endif
        if (nd->role != POD_ROLE_LEADER && rkv_repair_may_vote(nd)) become_candidate(nd);
        else if (nd->role != POD_ROLE_LEADER) arm_election(nd); /* repairing: not yet (rkv_repair.c) */
    } else if (cookie == TIMER_HEARTBEAT && timer_id == nd->heartbeat_timer) {
        nd->heartbeat_timer = 0;
        if (nd->role != POD_ROLE_LEADER) return;
        pod_env *env = nd->env;
        uint64_t now = env->ops->now_ns(env);
        uint64_t due = nd->broadcast_ns + nd->params.heartbeat_ms * 1000000u;
        if (now < due) {
            /* Appends went to every follower since the timer was set. */
            nd->heartbeat_timer = env->ops->timer_set(env, due - now, TIMER_HEARTBEAT);
            return;
        }
        nd->round++;
        broadcast_append(nd); /* HeartBeat */
        arm_heartbeat(nd);
    } else if (cookie == TIMER_CLEANER && timer_id == nd->cleaner_timer) {
        nd->cleaner_timer = 0;
        rkv_cleaner_run(nd); /* Low-Water Mark */
        rkv_cleaner_arm(nd);
    }
}

static void rkv_on_disk(void *mem, const pod_disk_done *done) {
    rkv_node *nd = mem;
    if (nd->failed) return;
    if (pod_gen_clock_owns(done)) {
        if (!pod_gen_clock_on_disk(&nd->clock, done)) {
            rkv_fail(nd, "Generation Clock save failed: exiting to recover");
            return;
        }
        count_votes(nd);
    } else if (pod_wal_owns(done)) {
        if (pod_wal_on_disk(nd->wal, done) != POD_WAL_OK) {
            rkv_fail(nd, "WAL write or fsync failed: exiting to recover from the log");
            return;
        }
        if (nd->role == POD_ROLE_LEADER) advance_commit(nd);
    } else if (pod_snap_owns(done)) {
        rkv_snapshot_on_disk(nd, done);
    }
    rkv_repair_on_disk(nd);
    flush_outbox(nd);
}

static void rkv_view(const void *mem, pod_node_view *out) {
    const rkv_node *nd = mem;
    memcpy(out->counters, nd->counters, sizeof nd->counters);
    out->applied_index = nd->applied_index;
    out->durable_index = pod_wal_durable_index(nd->wal);
    assert(nd->state_hash == rkv_state_hash(nd)); /* refreshed wherever the state changed */
    out->state_hash = nd->state_hash;
    out->role = nd->role;
    out->term = nd->clock.term;
    out->commit_index = nd->commit_index;
    out->applied_chain = nd->applied_chain;
}

const pod_node_type pod_rkv_node_type = {
    .name = "rkv",
    .check_params = rkv_check_params,
    .start = rkv_start,
    .stop = rkv_stop,
    .on_message = rkv_on_message,
    .on_timer = rkv_on_timer,
    .on_disk = rkv_on_disk,
    .view = rkv_view,
    .counter_names = rkv_counter_names,
};
