/* check_repair.c — Replicated Log repair (docs/repair.md), for replicated
 * key-value nodes (rkv), from the disks and the wire:
 *
 *   no vote while repairing   a node that sends a vote request, or grants a
 *                             vote, has no repair obligation in its durable
 *                             Generation Clock file. A node whose log lost
 *                             entries it may have acknowledged must not
 *                             help elect a leader until it holds them again;
 *                             every vote message waits for the Generation
 *                             Clock to be durable, so the file on the disk
 *                             is what the node had promised when it spoke.
 *   no early release          once the checker has seen an obligation up to
 *                             index I durable in a node's file, the node
 *                             clears it only when its durable log (or a
 *                             durable snapshot) reaches I — read from the
 *                             disk, not the node's word.
 *
 * The file is read as recovery reads it: the valid slot with the highest
 * sequence. Every save goes to both slots in turn and counts as durable
 * only with both (nodes/gen_clock.h), so a slot a bit flip destroyed leaves
 * the other, at least as new as the last durable save: such a file is
 * judged. A file whose two slots are both damaged is not (its node refuses
 * to start).
 *
 * What it cannot see: a node that loses entries and never writes the
 * obligation at all (damage recovery cuts as a torn tail, docs/wal.md),
 * nor a clear first seen after a crash that flipped a bit (the log as it
 * was when the clear was written is no longer on the disk; or the flip
 * destroyed a first copy that set the obligation and the other slot, whose
 * save never counted as durable, speaks). */
#include "sim/check.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/gen_clock.h"
#include "nodes/rkv_msg.h"
#include "sim/kvlog_scan.h"
#include "sim/snap_scan.h"

#define CHECK_NAME "repair"
#define NODES_MAX 128u

typedef struct repair_check {
    uint64_t owed[NODES_MAX]; /* the highest obligation seen durable; 0: none */
    uint64_t flips_seen[NODES_MAX]; /* the disk's bit flips when the obligation was last seen */
    /* pod_disk_durable_version() + 1 of the disk state last judged (0:
     * never): judging depends only on durable state, so an event that
     * changed nothing durable needs no second look. */
    uint64_t judged_version[NODES_MAX];
    /* The Generation Clock bytes last decoded and what they said: most
     * durable changes are log syncs that leave this file as it was. */
    uint8_t clock_bytes[NODES_MAX][2 * POD_GEN_SLOT_BYTES];
    uint32_t clock_got[NODES_MAX]; /* bytes read; UINT32_MAX: none yet */
    bool clock_judged[NODES_MAX];
    uint64_t clock_until[NODES_MAX];
    pod_kvlog_scanner scanner;
    pod_snap_scan snap;
} repair_check;

static void *repair_create(const pod_scenario *scn) {
    (void)scn;
    repair_check *c = calloc(1, sizeof(repair_check));
    if (c) {
        for (uint32_t i = 0; i < NODES_MAX; i++) c->clock_got[i] = UINT32_MAX;
    }
    return c;
}

static void repair_destroy(void *state) {
    repair_check *c = state;
    if (!c) return;
    pod_kvlog_scanner_free(&c->scanner);
    pod_snap_scan_free(&c->snap);
    free(c);
}

/* The repair obligation in the node's durable Generation Clock file: the
 * valid slot with the highest sequence (none: a file never written, 0).
 * False when the file cannot be judged: absent, or both slots written and
 * both damaged. */
static bool decode_obligation(const uint8_t *slots, uint32_t got, uint64_t *until) {
    uint64_t best_seq = 0;
    *until = 0;
    for (uint32_t s = 0; s < 2; s++) {
        if ((s + 1) * POD_GEN_SLOT_BYTES > got) continue; /* never written */
        uint64_t seq, term, repair_until;
        uint16_t vote;
        if (!pod_gen_clock_decode_slot(slots + s * POD_GEN_SLOT_BYTES, &seq, &term, &vote, &repair_until)) continue;
        if (seq > best_seq) {
            best_seq = seq;
            *until = repair_until;
        }
    }
    return best_seq > 0 || got < 2 * POD_GEN_SLOT_BYTES;
}

/* decode_obligation() of the file as the disk holds it now, decoded again
 * only when its bytes changed. */
static bool durable_obligation(repair_check *c, const pod_world *world, uint16_t node, uint64_t *until) {
    const pod_disk *disk = pod_check_node_disk(world, node);
    uint8_t slots[2 * POD_GEN_SLOT_BYTES];
    uint32_t got = 0;
    if (pod_disk_durable_read(disk, POD_GEN_CLOCK_FILE, 0, slots, sizeof slots, &got) != POD_OK) return false;
    if (got != c->clock_got[node] || memcmp(slots, c->clock_bytes[node], got) != 0) {
        memcpy(c->clock_bytes[node], slots, got);
        c->clock_got[node] = got;
        c->clock_judged[node] = decode_obligation(slots, got, &c->clock_until[node]);
    }
    *until = c->clock_until[node];
    return c->clock_judged[node];
}

static bool count_last(void *arg, const pod_kvlog_record *rec) {
    (void)arg;
    (void)rec;
    return true;
}

/* Latches a node's obligation; when it is cleared, the disk must show the
 * log (or a snapshot) reaching it. */
static void repair_after_event(void *state, pod_world *world, uint16_t node) {
    repair_check *c = state;
    if (node >= NODES_MAX) return;
    const pod_disk *disk = pod_check_node_disk(world, node);
    uint64_t version = pod_disk_durable_version(disk) + 1;
    if (c->judged_version[node] == version) return;
    c->judged_version[node] = version;
    uint64_t until;
    if (!durable_obligation(c, world, node, &until)) return;
    if (until == 0 && c->owed[node] == 0) return; /* nothing owed, nothing cleared */
    pod_disk_stats st;
    pod_disk_stats_get(disk, &st);
    if (until > c->owed[node]) c->owed[node] = until;
    if (until != 0) c->flips_seen[node] = st.bitflips;
    if (until != 0 || c->owed[node] == 0) return;
    if (st.bitflips > c->flips_seen[node]) {
        /* The clear became durable and then a crash flipped a bit before
         * the checker looked (a sync completes on the disk before its
         * completion reaches the node): the log it was judged by is gone.
         * Not judged. */
        c->owed[node] = 0;
        return;
    }
    uint64_t last = 0;
    if (!pod_kvlog_scan(&c->scanner, disk, POD_KVLOG_DURABLE, count_last, NULL, &last) ||
        !pod_snap_scan_durable(&c->snap, disk)) {
        pod_check_fail(world, CHECK_NAME, "out of memory reading n%u's disk", node + 1u);
        return;
    }
    uint64_t snap = c->snap.found ? c->snap.header.last_index : 0;
    uint64_t owed = c->owed[node];
    c->owed[node] = 0;
    if (last >= owed || snap >= owed) return;
    pod_check_fail(world, CHECK_NAME,
                   "n%u cleared its repair obligation (its log must hold index %" PRIu64
                   " again) while its durable log ends at %" PRIu64 " and its durable snapshot at %" PRIu64
                   "; expected the obligation kept until the log is refilled",
                   node + 1u, owed, last, snap);
}

static void repair_on_send(void *state, pod_world *world, uint16_t from, pod_addr to, const uint8_t *bytes,
                           uint32_t len) {
    if (to >= pod_check_node_count(world)) return; /* a client */
    /* Only votes matter: look at the type byte before paying for a
     * checksum and a decode (most messages are appends). */
    if (len == 0 || (bytes[0] != RKV_VOTE_REQ && bytes[0] != RKV_VOTE_RESP)) return;
    rkv_msg m;
    if (!rkv_msg_decode(bytes, len, &m)) return;
    bool asks = m.type == RKV_VOTE_REQ;
    bool grants = m.type == RKV_VOTE_RESP && m.u.vote_resp.granted;
    if (!asks && !grants) return;
    uint64_t until;
    if (!durable_obligation(state, world, from, &until) || until == 0) return;
    pod_check_fail(world, CHECK_NAME,
                   "n%u %s n%u in term %" PRIu64 " while its durable Generation Clock holds a repair obligation "
                   "(its log lost entries up to index %" PRIu64 "); expected no vote and no candidacy until "
                   "the leader has refilled its log",
                   from + 1u, asks ? "asked for the vote of" : "granted its vote to", to + 1u,
                   asks ? m.u.vote_req.term : m.u.vote_resp.term, until);
}

const pod_checker pod_check_repair = {
    .name = CHECK_NAME,
    .node_type = "rkv",
    .create = repair_create,
    .destroy = repair_destroy,
    .on_send = repair_on_send,
    .after_event = repair_after_event,
};
