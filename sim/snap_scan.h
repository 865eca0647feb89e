/* snap_scan.h — finds a node's newest valid snapshot straight from its
 * simulated disk, for checkers: the facts on the disk (durable bytes and
 * names), not the node's word. Uses the snapshot format's decoder
 * (nodes/snapshot_format.h), as the log scan uses the record framing. */
#ifndef PODSIM_SNAP_SCAN_H
#define PODSIM_SNAP_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "nodes/snapshot_format.h"
#include "sim/disk.h"
#include "sim/kvlog_scan.h"

typedef struct pod_snap_scan {
    bool found;
    pod_snap_header header;
    pod_snap_client *clients; /* header.client_count of them, sorted by id */
    uint32_t clients_capacity;
    uint64_t log_first;       /* first index of the oldest durable log segment; 0: none */
} pod_snap_scan;

/* Fills *scan with the newest durable snapshot that decodes (found false
 * when none) and the first durable log segment. False when memory ran out. */
bool pod_snap_scan_durable(pod_snap_scan *scan, const pod_disk *disk);
/* The same from either source (the view: what a restarted process reads),
 * and when store_io is given, *store_io is replaced by a new store holding
 * the snapshot's pairs (left as it was when none is found). */
bool pod_snap_scan_read(pod_snap_scan *scan, const pod_disk *disk, pod_kvlog_source src, pod_kv_store **store_io);
/* The request number the snapshot remembers for a client; 0 if none. */
uint64_t pod_snap_scan_request_of(const pod_snap_scan *scan, uint32_t client_id);
void pod_snap_scan_free(pod_snap_scan *scan);

#endif
