/* snapshot_format.h — the bytes of a snapshot file (Low-Water Mark,
 * docs/low-water-mark.md): the key-value state machine and the Idempotent
 * Receiver's memory of client requests as of one log index, with the
 * index, its term and the applied-entries hash chain, under one checksum.
 *
 * Pure encode and decode, no disk: the node writes and reads the files
 * (snapshot_store.c), the checkers in sim/ read the same bytes off the
 * simulated disk. Decoding never trusts a length before the checksum over
 * the whole file has matched. */
#ifndef PODSIM_SNAPSHOT_FORMAT_H
#define PODSIM_SNAPSHOT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes/idempotent_receiver.h"
#include "nodes/kv_store.h"

#define POD_SNAP_MAGIC "PODSNAP1"
#define POD_SNAP_HEADER_BYTES 64u
#define POD_SNAP_CLIENT_BYTES 24u
#define POD_SNAP_CLIENTS_MAX 4096u
/* Largest file: every key at its largest value, every client. */
#define POD_SNAP_BYTES_MAX (32u << 20)

/* One client's last applied request: the Idempotent Receiver's record
 * (nodes/idempotent_receiver.h), kept as it is in memory. */
typedef pod_idem_client pod_snap_client;
_Static_assert(POD_SNAP_CLIENTS_MAX == POD_IDEM_CLIENTS_MAX, "a snapshot holds the whole client memory");

typedef struct pod_snap_header {
    uint64_t last_index; /* the last log entry the state includes */
    uint64_t last_term;  /* and its term */
    uint64_t chain;      /* hash chain over entries 1..last_index (rkv_node.c apply_one) */
    uint32_t key_count;
    uint32_t client_count;
    uint64_t body_bytes;
} pod_snap_header;

/* Encodes into a new heap buffer (the caller frees it); NULL when out of
 * memory or larger than POD_SNAP_BYTES_MAX. Clients must be sorted by id. */
uint8_t *pod_snap_encode(const pod_snap_header *h, const pod_kv_store *store, const pod_snap_client *clients,
                         uint32_t client_count, size_t *len_out);

/* Checks the magic, the lengths and the checksum; fills *h. On success, and
 * when `store` is given (empty), loads the pairs into it; when `clients` is
 * given, copies up to clients_max client records. False, with *why set, on
 * any damage: a snapshot is believed whole or not at all. */
bool pod_snap_decode(const uint8_t *bytes, size_t len, pod_snap_header *h, pod_kv_store *store,
                     pod_snap_client *clients, uint32_t clients_max, const char **why);

/* File names: snap-<last index, 20 digits>.snap; false if not one. */
bool pod_snap_name_parse(const char *name, uint64_t *index_out);
void pod_snap_name_format(uint64_t index, char *out, size_t out_len);

#endif
