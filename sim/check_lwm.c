/* check_lwm.c — the Low-Water Mark's safety, from the disks alone (rkv):
 *
 *   no needed segment cleaned   at every crash, every start and at the end,
 *                               each node's oldest durable log segment
 *                               begins at or below (newest valid durable
 *                               snapshot index + 1): every entry recovery
 *                               needs on top of the snapshot is still in
 *                               the log. A cleaner that deletes a segment
 *                               holding an entry above the snapshot (one
 *                               segment too many, or cleaning below a
 *                               snapshot that is not durable yet) leaves a
 *                               gap here.
 *
 * Entries other nodes need from the log are not a safety matter: a follower
 * behind the leader's mark receives a snapshot (rkv_install.c), and the
 * replication checker holds every acknowledged write to a majority of
 * durable logs or snapshots. Disks given bit flips are not judged: a
 * flipped snapshot is rightly passed over for an older one. */
#include "sim/check.h"

#include <inttypes.h>
#include <stdlib.h>

#include "sim/snap_scan.h"

#define CHECK_NAME "low-water-mark"

typedef struct lwm_check {
    pod_snap_scan scan;
} lwm_check;

static void *lwm_create(const pod_scenario *scn) {
    (void)scn;
    return calloc(1, sizeof(lwm_check));
}

static void lwm_destroy(void *state) {
    lwm_check *c = state;
    if (!c) return;
    pod_snap_scan_free(&c->scan);
    free(c);
}

static void check_node(lwm_check *c, pod_world *world, uint16_t node, const char *when) {
    const pod_disk *disk = pod_check_node_disk(world, node);
    pod_disk_stats st;
    pod_disk_stats_get(disk, &st);
    if (st.bitflips > 0) return;
    if (!pod_snap_scan_durable(&c->scan, disk)) {
        pod_check_fail(world, CHECK_NAME, "out of memory reading n%u's snapshots", node + 1u);
        return;
    }
    uint64_t snap = c->scan.found ? c->scan.header.last_index : 0;
    if (c->scan.log_first == 0 || c->scan.log_first <= snap + 1) return;
    pod_check_fail(world, CHECK_NAME,
                   "%s: n%u's oldest durable log segment starts at index %" PRIu64
                   " but its newest valid durable snapshot ends at %" PRIu64
                   ": a cleaned segment held entries %" PRIu64 "..%" PRIu64
                   " that recovery still needed; expected the Low-Water Mark at or below the snapshot",
                   when, node + 1u, c->scan.log_first, snap, snap + 1, c->scan.log_first - 1);
}

static void lwm_on_crash(void *state, pod_world *world, uint16_t node) { check_node(state, world, node, "after a crash"); }

static void lwm_on_start(void *state, pod_world *world, uint16_t node, bool started) {
    (void)started;
    check_node(state, world, node, "at a start");
}

static void lwm_at_end(void *state, pod_world *world) {
    for (uint16_t node = 0; node < pod_check_node_count(world); node++) check_node(state, world, node, "at the end");
}

const pod_checker pod_check_lwm = {
    .name = CHECK_NAME,
    .node_type = "rkv",
    .create = lwm_create,
    .destroy = lwm_destroy,
    .on_crash = lwm_on_crash,
    .on_node_start = lwm_on_start,
    .at_end = lwm_at_end,
};
