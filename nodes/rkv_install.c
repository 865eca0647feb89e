/* rkv_install.c — snapshot transfer (Low-Water Mark): a follower that needs
 * entries the leader's cleaner has deleted receives the leader's latest
 * snapshot instead, in chunks of RKV_SNAP_CHUNK_BYTES.
 *
 * The follower writes each chunk to its inst-<index>-<term>.tmp file and
 * answers only once the chunk is fsynced, with `have`, the bytes it holds;
 * the leader always sends from the follower's `have`. So a lost message is
 * resent by the next HeartBeat, and a crash on either side resumes the
 * transfer where the follower's file ends (a restarted leader learns it from
 * the first answer). The whole file is checked against its checksum before
 * it is renamed into place atomically; then the state machine and the
 * client memory are replaced, the log restarts after the snapshot's index
 * (unless it already continues it), and the follower goes on from the log. */
#include <stdio.h>

#include "nodes/rkv_internal.h"

void rkv_install_send(rkv_node *nd, uint16_t peer) {
    const pod_snap_store *s = &nd->snap;
    if (s->index == 0 || !s->durable || !s->bytes) return; /* nothing to send yet: the next HeartBeat retries */
    if (!nd->snap_sending[peer]) {
        nd->snap_sending[peer] = true;
        nd->snap_offset[peer] = 0;
    }
    uint64_t offset = nd->snap_offset[peer] <= s->len ? nd->snap_offset[peer] : 0;
    uint64_t left = s->len - offset;
    rkv_msg m = {.type = RKV_SNAP_REQ};
    m.u.snap_req = (rkv_snap_req){.term = nd->clock.term, .last_index = s->index, .last_term = s->term,
                                  .total = s->len, .offset = offset, .round = nd->round,
                                  .len = left > RKV_SNAP_CHUNK_BYTES ? RKV_SNAP_CHUNK_BYTES : (uint32_t)left,
                                  .bytes = s->bytes + offset};
    rkv_send_msg(nd, peer, &m, 0);
    nd->counters[CTR_SNAP_CHUNKS_SENT]++;
}

static void answer(rkv_node *nd, uint16_t to, uint64_t last_index, uint64_t round, bool done) {
    const pod_snap_store *s = &nd->snap;
    rkv_msg m = {.type = RKV_SNAP_RESP};
    uint64_t have = s->receiving && s->recv_index == last_index ? s->recv_have : 0;
    if (done) have = s->len;
    m.u.snap_resp = (rkv_snap_resp){.term = nd->clock.term, .last_index = last_index, .have = have,
                                    .round = round, .done = done};
    rkv_send_msg(nd, to, &m, 0);
}

/* Once every byte is here: check the file whole and rename it into place. */
static void try_install(rkv_node *nd) {
    pod_snap_store *s = &nd->snap;
    if (!s->receiving || s->recv_total == 0 || s->recv_have != s->recv_total || pod_snap_busy(s)) return;
    char why[200];
    if (pod_snap_install(s, why, sizeof why)) {
        nd->installing = true;
    } else if (why[0]) {
        nd->env->ops->note(nd->env, why);
    }
}

void rkv_install_on_req(rkv_node *nd, uint16_t from, const rkv_snap_req *q) {
    if (q->term < nd->clock.term) {
        answer(nd, from, q->last_index, q->round, false);
        return;
    }
    if (q->term > nd->clock.term || nd->role != POD_ROLE_FOLLOWER) rkv_step_down(nd, q->term);
    rkv_follow(nd, from);
    if (nd->installing) return; /* finishing one: the leader resends */
    if (q->last_index <= nd->applied_index) {
        /* Everything it holds is applied here already: go on from the log. */
        answer(nd, from, q->last_index, q->round, true);
        return;
    }
    if (pod_snap_receive(&nd->snap, q->last_index, q->last_term, q->total, q->offset, q->bytes, q->len)) {
        nd->snap_reply_to = from; /* answered once the chunk is durable */
        nd->snap_reply_round = q->round;
        return;
    }
    nd->snap_reply_to = from;
    nd->snap_reply_round = q->round;
    try_install(nd);
    if (!nd->installing) answer(nd, from, q->last_index, q->round, false);
}

void rkv_install_chunk_durable(rkv_node *nd) {
    try_install(nd);
    if (!nd->installing) answer(nd, nd->snap_reply_to, nd->snap.recv_index, nd->snap_reply_round, false);
}

void rkv_install_done(rkv_node *nd) {
    pod_snap_adopt_installed(&nd->snap);
    nd->installing = false;
    uint64_t s_index = nd->snap.index, s_term = nd->snap.term;
    if (!rkv_snapshot_load_state(nd, nd->snap.bytes, nd->snap.len)) {
        rkv_fail(nd, "an installed snapshot does not load: exiting to recover");
        return;
    }
    /* A log that already holds the snapshot's last entry continues it;
     * any other log is discarded (what it holds past the snapshot was never
     * committed, or the snapshot would not have been needed). */
    if (!(s_index >= nd->log_base && s_index <= nd->last_index && rkv_term_at(nd, s_index) == s_term)) {
        rkv_log_restart(nd, s_index, s_term);
    }
    nd->counters[CTR_SNAP_INSTALLS]++;
    char note[96];
    snprintf(note, sizeof note, "installed snapshot %llu (term %llu)", (unsigned long long)s_index,
             (unsigned long long)s_term);
    nd->env->ops->note(nd->env, note);
    answer(nd, nd->snap_reply_to, s_index, nd->snap_reply_round, true);
}

void rkv_install_on_resp(rkv_node *nd, uint16_t from, const rkv_snap_resp *r) {
    if (r->term > nd->clock.term) {
        rkv_step_down(nd, r->term);
        return;
    }
    if (nd->role != POD_ROLE_LEADER || r->term != nd->clock.term) return;
    if (r->round > nd->acked_round[from]) nd->acked_round[from] = r->round;
    if (!nd->snap_sending[from]) return;
    if (r->done) {
        nd->snap_sending[from] = false;
        if (r->last_index > nd->match_index[from]) nd->match_index[from] = r->last_index;
        nd->next_index[from] = r->last_index + 1;
        rkv_send_append(nd, from); /* on from the log */
        return;
    }
    if (r->last_index != nd->snap.index) {
        nd->snap_offset[from] = 0; /* a newer snapshot replaced it: start over */
        return;
    }
    bool moved = r->have != nd->snap_offset[from];
    nd->snap_offset[from] = r->have;
    if (moved) rkv_install_send(nd, from); /* one chunk in flight; HeartBeats resend a lost one */
}
