/* kvlog_scan.h — reads a key-value node's Write-Ahead Log straight from its
 * simulated disk, for checkers: the facts on the disk, not the node's word.
 * The scan uses the framing code (nodes/wal_record.h) and the segment names
 * (nodes/segmented_log.h) but its own notion of the valid prefix, so a
 * recovery bug in nodes/wal.c is not shared. */
#ifndef PODSIM_KVLOG_SCAN_H
#define PODSIM_KVLOG_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/disk.h"

/* Which bytes to read: what survives power loss now, or what the node's own
 * reads see (after a process exit: what its recovery reads). */
typedef enum pod_kvlog_source { POD_KVLOG_DURABLE, POD_KVLOG_VIEW } pod_kvlog_source;

typedef struct pod_kvlog_record {
    uint64_t index;
    uint64_t term;
    uint8_t type;           /* KV_RECORD_CMD or KV_RECORD_NOOP */
    const uint8_t *payload; /* valid during the visit only */
    uint32_t len;
} pod_kvlog_record;

/* Scratch memory a scanner keeps between scans. */
typedef struct pod_kvlog_scanner {
    uint8_t *buf;
    uint64_t capacity;
} pod_kvlog_scanner;

/* Visits the valid prefix of the log: consecutive indexes from the first
 * segment on, stopping at the first record that is not whole and valid, or
 * when visit returns false. *last_out: the last index visited (0: none).
 * False only when memory ran out. */
bool pod_kvlog_scan(pod_kvlog_scanner *scanner, const pod_disk *disk, pod_kvlog_source src,
                    bool (*visit)(void *arg, const pod_kvlog_record *rec), void *arg, uint64_t *last_out);

void pod_kvlog_scanner_free(pod_kvlog_scanner *scanner);

#endif
