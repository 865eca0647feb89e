/* wal_record.h — the framing of one Write-Ahead Log record on disk.
 *
 * A record is a fixed 32-byte little-endian header followed by the payload:
 *
 *   offset size field
 *        0    4 len       payload bytes, 0..POD_WAL_RECORD_BYTES_MAX
 *        4    1 type      the node's record type
 *        5    3 lag       records between the index known durable when this
 *                         record was appended and this one (0xFFFFFF: unknown)
 *        8    8 index     1-based log index
 *       16    8 term      the generation that wrote it
 *       24    8 checksum  XXH3-64 of the header (this field zeroed) + payload
 *
 * `lag` is what lets recovery tell a torn tail from corruption: a valid
 * record whose index - 1 - lag >= k was appended after record k was known
 * durable, so an invalid record k before it is damage to durable data, not a
 * write the crash interrupted (docs/wal.md, "Recovery").
 *
 * Decoding never reads past `avail` bytes and says which of three things the
 * bytes are: a whole valid record, the valid-so-far prefix of one (a torn
 * tail: more bytes would be needed), or bytes no valid record starts with. */
#ifndef PODSIM_WAL_RECORD_H
#define PODSIM_WAL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "nodes/wal.h"

#define POD_WALREC_HEADER_BYTES 32u
#define POD_WALREC_LAG_UNKNOWN 0xFFFFFFu /* lag too large to store: proves nothing */
#define POD_WALREC_BYTES_MAX (POD_WALREC_HEADER_BYTES + POD_WAL_RECORD_BYTES_MAX)

typedef struct pod_walrec_header {
    uint32_t len;       /* payload bytes */
    uint8_t type;
    uint32_t lag;       /* 0..0xFFFFFE, or POD_WALREC_LAG_UNKNOWN */
    uint64_t index;     /* >= 1 */
    uint64_t term;
} pod_walrec_header;

typedef enum pod_walrec_status {
    POD_WALREC_OK = 0,
    POD_WALREC_INCOMPLETE, /* a valid prefix of a record; the bytes end too soon */
    POD_WALREC_INVALID,    /* no valid record starts here */
} pod_walrec_status;

/* Bytes of a record with `len` payload bytes. */
static inline size_t pod_walrec_size(uint32_t len) {
    return (size_t)POD_WALREC_HEADER_BYTES + len;
}

/* The lag to store for a record `index` appended when `durable_hint` was
 * the highest index known durable (or known to be durable before this
 * record is written). Saturates to POD_WALREC_LAG_UNKNOWN. */
uint32_t pod_walrec_lag(uint64_t index, uint64_t durable_hint);

/* The highest index a valid record proves durable: index - 1 - lag, or 0
 * when lag is unknown. */
uint64_t pod_walrec_proves_durable(const pod_walrec_header *header);

/* Writes the record into out[0 .. pod_walrec_size(len)). The header must be
 * valid (len <= max, index >= 1, lag <= index - 1 or unknown). */
void pod_walrec_encode(uint8_t *out, const pod_walrec_header *header, const void *payload);

/* Decodes the record at buf[0 .. avail). On POD_WALREC_OK fills *header_out
 * and *payload_out (pointing into buf); the record used
 * pod_walrec_size(header_out->len) bytes. Reads no byte at or past avail. */
pod_walrec_status pod_walrec_decode(const uint8_t *buf, size_t avail,
                                    pod_walrec_header *header_out,
                                    const uint8_t **payload_out);

#endif
