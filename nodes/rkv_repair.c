/* rkv_repair.c — Replicated Log repair: a node whose Write-Ahead Log is
 * damaged in the middle (a bit flip in durable data) repairs itself from
 * its peers instead of refusing forever, in the manner of protocol-aware
 * recovery (Alagappan et al., FAST'18). docs/repair.md tells the story.
 *
 *   1. Recovery salvages (pod_wal_config.salvage): the valid prefix before
 *      the first damaged record is kept, and the records and segment names
 *      past the damage say how far the log went (`seen_last`).
 *   2. The node may have acknowledged entries up to there, and voted on a
 *      log that held them. Until its log holds that index again it must
 *      not vote nor stand for election: its shorter log would let a
 *      candidate that lacks a committed entry win. That obligation is kept
 *      in the Generation Clock (repair_until), durable before the WAL may
 *      discard anything on disk — a crash during the repair resumes it.
 *   3. The leader refills the log through normal replication (or the Low-
 *      Water Mark snapshot transfer). Entries past the damage can only come
 *      from a leader: a repairing node never leads. Once the WAL is durable
 *      up to the obligation, it is cleared (a Generation Clock save that
 *      every later vote waits for) and the node votes again.
 *
 * Append acknowledgements stay on during repair: each one states that the
 * entries are durable here, which is true, so counting them toward a
 * commit is sound. What repair withholds is the vote, the one message
 * that vouches for everything the node ever acknowledged. */
#include <inttypes.h>
#include <stdio.h>

#include "nodes/rkv_internal.h"

static void note(rkv_node *nd, const char *text) {
    nd->env->ops->note(nd->env, text);
}

/* At start, after recovery: begins a repair if the WAL was salvaged, or
 * resumes one the Generation Clock remembers. */
void rkv_repair_start(rkv_node *nd) {
    pod_wal_damage d;
    pod_wal_damage_get(nd->wal, &d);
    uint64_t until = nd->clock.repair_until;
    char text[400];
    if (d.found) {
        if (d.seen_last > until) until = d.seen_last;
        if (until > POD_GEN_REPAIR_MAX) {
            rkv_fail(nd, "repair: the damaged log reaches past what the Generation Clock can hold");
            return;
        }
        nd->counters[CTR_REPAIRS]++;
        snprintf(text, sizeof text,
                 "repair: log damaged from index %" PRIu64 " (%s); kept up to %" PRIu64
                 ", no vote nor candidacy until the log holds index %" PRIu64 " again",
                 d.lost_from, d.what, nd->last_index, until);
        note(nd, text);
        /* The obligation must be durable before the WAL discards anything:
         * the WAL waits, held, for this save (rkv_repair_on_disk). */
        nd->repair_until = until;
        nd->repair_seq = pod_gen_clock_set_repair(&nd->clock, until);
        if (pod_gen_clock_failed(&nd->clock)) rkv_fail(nd, "Generation Clock save failed: exiting to recover");
        return;
    }
    nd->repair_until = until;
    if (until) {
        snprintf(text, sizeof text,
                 "repair: resumed from the Generation Clock: no vote nor candidacy until the log holds index %" PRIu64
                 " (it holds %" PRIu64 ")",
                 until, nd->last_index);
        note(nd, text);
    }
}

/* May this node vote, or stand for election? Not while repairing. */
bool rkv_repair_may_vote(const rkv_node *nd) {
#ifdef PODSIM_TEST_BREAK_REPAIR_VOTES_EARLY
    /* Test-only breakage (tests/teeth_rkv.c): the repairing node votes and
     * stands as if its log were whole. */
    (void)nd;
    return true;
#else
    return nd->repair_until == 0;
#endif
}

/* After every disk completion: lets a held WAL go once the obligation is
 * durable, and ends the repair once the log is durable up to it. */
void rkv_repair_on_disk(rkv_node *nd) {
    if (nd->failed) return;
    if (pod_wal_held(nd->wal)) {
        if (!pod_gen_clock_durable(&nd->clock, nd->repair_seq)) return;
        note(nd, "repair: the obligation is durable; the WAL discards the damaged suffix");
        pod_wal_release(nd->wal);
        return;
    }
#ifdef PODSIM_TEST_BREAK_REPAIR_CLEARS_EARLY
    /* Test-only breakage (tests/teeth_rkv.c): the obligation is dropped as
     * soon as the damaged suffix is gone, before the log is refilled. */
    if (nd->repair_until == 0) return;
#else
    if (nd->repair_until == 0 || pod_wal_durable_index(nd->wal) < nd->repair_until) return;
#endif
    char text[160];
    snprintf(text, sizeof text, "repair: caught up: the log is durable up to %" PRIu64 " (needed %" PRIu64
             "); votes again",
             pod_wal_durable_index(nd->wal), nd->repair_until);
    note(nd, text);
    nd->counters[CTR_REPAIRS_CAUGHT_UP]++;
    nd->repair_until = 0;
    nd->repair_seq = pod_gen_clock_set_repair(&nd->clock, 0);
    if (pod_gen_clock_failed(&nd->clock)) rkv_fail(nd, "Generation Clock save failed: exiting to recover");
}
