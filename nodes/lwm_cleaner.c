/* lwm_cleaner.c — the Low-Water Mark (Patterns of Distributed Systems): a
 * periodic background task that deletes whole log segments the node no
 * longer needs, so the log does not grow forever.
 *
 * Two policies, as in the book (node parameter lwm_policy):
 *   snapshot  the mark is the latest durable snapshot's index minus a tail
 *             of lwm_tail entries kept for followers that lag a little
 *             (they catch up from the log instead of a snapshot transfer);
 *   time      a closed segment goes once it has been closed for
 *             retention_ms — but never one holding an entry above the
 *             latest durable snapshot, which recovery still needs.
 * Both delete only whole segments, oldest first, never the active one
 * (pod_wal_drop_below), and only below a snapshot that is durable: a crash
 * may then lose the snapshot's newer sibling but never leaves a gap between
 * the snapshot recovery finds and the log. Segment ages are measured from
 * when the cleaner first saw a segment closed, so after a restart they
 * start over (the safe direction: files live longer, never shorter). */
#include <string.h>

#include "nodes/rkv_internal.h"

#define SNAPSHOTS_KEPT 2u /* the newest and one older: a fallback if the newest is damaged */

static bool enabled(const rkv_node *nd) { return nd->params.snapshot_entries > 0 || nd->params.snapshot_bytes > 0; }

void rkv_cleaner_arm(rkv_node *nd) {
    if (!enabled(nd)) return;
    pod_env *env = nd->env;
    if (nd->cleaner_timer) env->ops->timer_cancel(env, nd->cleaner_timer);
    nd->cleaner_timer = env->ops->timer_set(env, nd->params.cleaner_ms * 1000000u, TIMER_CLEANER);
}

/* The highest index the snapshot policy lets go (0: none). */
uint64_t rkv_low_water_mark(const rkv_node *nd) {
    if (!nd->snap.durable || nd->snap.index == 0) return 0;
    return nd->snap.index > nd->params.lwm_tail ? nd->snap.index - nd->params.lwm_tail : 0;
}

static uint64_t closed_since(rkv_node *nd, uint64_t first, uint64_t now) {
    for (uint32_t i = 0; i < nd->seg_count; i++) {
        if (nd->seg_first[i] == first) return nd->seg_closed_ns[i];
    }
    if (nd->seg_count == RKV_SEGMENT_AGES_MAX) return now; /* table full: treat as new (keeps it longer) */
    nd->seg_first[nd->seg_count] = first;
    nd->seg_closed_ns[nd->seg_count] = now;
    nd->seg_count++;
    return now;
}

static void forget_ages_below(rkv_node *nd, uint64_t first_kept) {
    uint32_t kept = 0;
    for (uint32_t i = 0; i < nd->seg_count; i++) {
        if (nd->seg_first[i] >= first_kept) {
            nd->seg_first[kept] = nd->seg_first[i];
            nd->seg_closed_ns[kept] = nd->seg_closed_ns[i];
            kept++;
        }
    }
    nd->seg_count = kept;
}

/* The index to drop below (segments all of whose entries are below it). */
static uint64_t drop_point(rkv_node *nd, const uint64_t *firsts, uint32_t n) {
    if (!nd->snap.durable || nd->snap.index == 0 || n < 2) return 0;
    if (nd->params.lwm_policy == RKV_LWM_SNAPSHOT) {
        uint64_t mark = rkv_low_water_mark(nd);
        if (mark == 0) return 0;
#ifdef PODSIM_TEST_BREAK_CLEAN_ONE_TOO_MANY
        /* Test-only breakage (tests/teeth_lwm.c): also the segment that
         * holds the entry just above the mark. */
        for (uint32_t i = 0; i + 1 < n; i++) {
            if (firsts[i] <= mark + 1 && firsts[i + 1] > mark + 1) return firsts[i + 1];
        }
#endif
        return mark + 1;
    }
    uint64_t now = nd->env->ops->now_ns(nd->env);
    uint64_t retention_ns = nd->params.retention_ms * 1000000u;
    uint32_t k = 0;
    for (; k + 1 < n; k++) {
        uint64_t last = firsts[k + 1] - 1;
        uint64_t since = closed_since(nd, firsts[k], now);
        if (last > nd->snap.index || now - since < retention_ns) break;
    }
    for (uint32_t i = k; i + 1 < n; i++) (void)closed_since(nd, firsts[i], now); /* start their clocks */
    return k > 0 ? firsts[k] : 0;
}

void rkv_cleaner_run(rkv_node *nd) {
    if (nd->failed || !nd->wal) return;
    uint64_t firsts[RKV_SEGMENT_AGES_MAX];
    uint32_t n = pod_wal_segment_firsts(nd->wal, firsts, RKV_SEGMENT_AGES_MAX);
    uint64_t below = drop_point(nd, firsts, n);
    if (below > 0) {
        uint64_t before = pod_wal_first_index(nd->wal);
        if (pod_wal_drop_below(nd->wal, below) != POD_WAL_OK) {
            rkv_fail(nd, "WAL failed while cleaning: exiting to recover");
            return;
        }
        uint64_t after = pod_wal_first_index(nd->wal);
        for (uint32_t i = 0; i < n && firsts[i] < after; i++) {
            if (firsts[i] >= before) nd->counters[CTR_SEGMENTS_CLEANED]++;
        }
        forget_ages_below(nd, after);
        rkv_free_below(nd, after); /* the memory copy follows the log */
    }
    if (nd->snap.durable && !pod_snap_busy(&nd->snap)) pod_snap_prune(&nd->snap, SNAPSHOTS_KEPT);
}
