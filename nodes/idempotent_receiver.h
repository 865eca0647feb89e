/* idempotent_receiver.h — the Idempotent Receiver pattern: remember, per
 * client, the last request applied and its answer, so that a request that
 * arrives again — a client's retry, or a copy the network duplicated — is
 * answered as the first time and never applied twice.
 *
 * Clients run closed loops: one request at a time, numbered upwards. So
 * one record per client is enough: a request numbered at or below the
 * client's last applied one was applied already (or given up on by the
 * client). The memory is rebuilt by replaying the log (every command
 * record carries its client id and request number), so it survives
 * crashes with the log.
 *
 * Bounded: POD_IDEM_CLIENTS_MAX clients. Past that, new clients are not
 * remembered (their duplicates would apply twice), and `overflows` counts
 * them so that a run can report it.
 *
 * The memory is part of a node's state (two replicas at the same log index
 * must remember the same), so it keeps a hash of its records as they
 * change, as the key-value store does: a sum mod 2^64 of one XXH3 per
 * record, which pod_idem_hash mixes with the count in O(1). A zeroed
 * pod_idem is an empty one, its hash included. */
#ifndef PODSIM_IDEMPOTENT_RECEIVER_H
#define PODSIM_IDEMPOTENT_RECEIVER_H

#include <stdbool.h>
#include <stdint.h>

#define POD_IDEM_CLIENTS_MAX 4096u

typedef struct pod_idem_client {
    uint32_t client_id;
    uint64_t request_no; /* the last applied */
    uint64_t index;      /* its log index */
    uint8_t status;      /* its answer */
} pod_idem_client;

typedef struct pod_idem {
    pod_idem_client clients[POD_IDEM_CLIENTS_MAX]; /* sorted by client_id */
    uint32_t count;
    uint64_t overflows;
    uint64_t record_hash_sum; /* of every record's hash, mod 2^64 (pod_idem_hash) */
} pod_idem;

/* Was (client_id, request_no) applied already? If so, *first is the
 * client's record: its answer when request_no equals first->request_no;
 * an older request (request_no below it) the client no longer waits for. */
bool pod_idem_applied(const pod_idem *r, uint32_t client_id, uint64_t request_no, pod_idem_client *first);

/* Records that (client_id, request_no) was applied at `index` with
 * answer `status`. request_no must be above the client's last. */
void pod_idem_remember(pod_idem *r, uint32_t client_id, uint64_t request_no, uint64_t index, uint8_t status);

/* Replaces every record with clients[0..count), as a snapshot holds them;
 * false, and nothing changed, unless count <= POD_IDEM_CLIENTS_MAX and the
 * ids are strictly ascending. `overflows` is kept: it counts events. */
bool pod_idem_load(pod_idem *r, const pod_idem_client *clients, uint32_t count);

/* The hash of the records, in O(1): equal memories, equal hashes, whatever
 * the order of the requests that built them. */
uint64_t pod_idem_hash(const pod_idem *r);
/* The same value recomputed from every record, in O(count): for tests and
 * debug-build assertions that the running hash is right. */
uint64_t pod_idem_hash_slow(const pod_idem *r);

#endif
