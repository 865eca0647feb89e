/* wal_record.c — encoding and validating decoding of WAL records. Every
 * field is little-endian, written byte by byte, so the bytes on disk do not
 * depend on the host. */
#include "nodes/wal_record.h"

#include <assert.h>
#include <string.h>

/* The streaming state lives on the stack: decoding never allocates. */
/* xxHash's inline build (the same values as the library: XXH3 is
 * specified bit for bit): every record is checksummed when written and when read,
 * mostly short inputs, where a call into the shared library costs as much
 * as the hashing. */
#define XXH_INLINE_ALL
#include <xxhash.h>

enum { OFF_LEN = 0, OFF_TYPE = 4, OFF_LAG = 5, OFF_INDEX = 8, OFF_TERM = 16, OFF_SUM = 24 };

static void put_u32(uint8_t *p, uint32_t v) {
    for (unsigned i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put_u64(uint8_t *p, uint64_t v) {
    for (unsigned i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get_u32(const uint8_t *p) {
    uint32_t v = 0;
    for (unsigned i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
static uint32_t get_u24(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

uint32_t pod_walrec_lag(uint64_t index, uint64_t durable_hint) {
    assert(index >= 1 && durable_hint < index);
    uint64_t lag = index - 1 - durable_hint;
    return lag >= POD_WALREC_LAG_UNKNOWN ? POD_WALREC_LAG_UNKNOWN : (uint32_t)lag;
}

uint64_t pod_walrec_proves_durable(const pod_walrec_header *header) {
    if (header->lag == POD_WALREC_LAG_UNKNOWN) return 0;
    return header->index - 1 - header->lag; /* decode checked lag <= index - 1 */
}

static bool header_valid(const pod_walrec_header *h) {
    return h->len <= POD_WAL_RECORD_BYTES_MAX && h->index >= 1 &&
           (h->lag == POD_WALREC_LAG_UNKNOWN || (uint64_t)h->lag <= h->index - 1);
}

/* Records up to this size are checksummed in one XXH3 call over a copy
 * with the field zeroed: much cheaper than the streaming API for the small
 * records a key-value log holds, and the same value (XXH3 of the same bytes). */
#define RECORD_ONE_SHOT_BYTES 512u

/* XXH3-64 of the header with its checksum field zeroed, then the payload. */
static uint64_t record_checksum(const uint8_t *header, const uint8_t *payload, uint32_t len) {
    if (len <= RECORD_ONE_SHOT_BYTES - POD_WALREC_HEADER_BYTES) {
        uint8_t copy[RECORD_ONE_SHOT_BYTES];
        memcpy(copy, header, POD_WALREC_HEADER_BYTES);
        memset(copy + OFF_SUM, 0, 8);
        if (len > 0) memcpy(copy + POD_WALREC_HEADER_BYTES, payload, len);
        return XXH3_64bits(copy, POD_WALREC_HEADER_BYTES + (size_t)len);
    }
    uint8_t zeroed[POD_WALREC_HEADER_BYTES];
    memcpy(zeroed, header, sizeof zeroed);
    memset(zeroed + OFF_SUM, 0, 8);
    XXH3_state_t state;
    XXH3_INITSTATE(&state);
    XXH3_64bits_reset(&state);
    XXH3_64bits_update(&state, zeroed, sizeof zeroed);
    if (len > 0) XXH3_64bits_update(&state, payload, len);
    return XXH3_64bits_digest(&state);
}

void pod_walrec_encode(uint8_t *out, const pod_walrec_header *header, const void *payload) {
    assert(out != NULL && header != NULL && header_valid(header));
    assert(header->len == 0 || payload != NULL);
    put_u32(out + OFF_LEN, header->len);
    out[OFF_TYPE] = header->type;
    out[OFF_LAG] = (uint8_t)header->lag;
    out[OFF_LAG + 1] = (uint8_t)(header->lag >> 8);
    out[OFF_LAG + 2] = (uint8_t)(header->lag >> 16);
    put_u64(out + OFF_INDEX, header->index);
    put_u64(out + OFF_TERM, header->term);
    put_u64(out + OFF_SUM, 0);
    if (header->len > 0) memcpy(out + POD_WALREC_HEADER_BYTES, payload, header->len);
    /* The checksum field is still zero and the payload follows the header:
     * record_checksum's bytes are exactly out[0, size), in one call. */
    put_u64(out + OFF_SUM, XXH3_64bits(out, pod_walrec_size(header->len)));
}

pod_walrec_status pod_walrec_decode(const uint8_t *buf, size_t avail,
                                    pod_walrec_header *header_out,
                                    const uint8_t **payload_out) {
    assert(buf != NULL || avail == 0);
    assert(header_out != NULL && payload_out != NULL);
    /* Judge each field as soon as its bytes are there, so a prefix of a
     * valid record is INCOMPLETE and anything a valid record could not
     * start with is INVALID, however few bytes remain. */
    pod_walrec_header h = {0};
    if (avail < OFF_LEN + 4) return POD_WALREC_INCOMPLETE;
    h.len = get_u32(buf + OFF_LEN);
    if (h.len > POD_WAL_RECORD_BYTES_MAX) return POD_WALREC_INVALID;
    if (avail < OFF_INDEX + 8) return POD_WALREC_INCOMPLETE;
    h.type = buf[OFF_TYPE];
    h.lag = get_u24(buf + OFF_LAG);
    h.index = get_u64(buf + OFF_INDEX);
    if (!header_valid(&h)) return POD_WALREC_INVALID;
    if (avail < pod_walrec_size(h.len)) return POD_WALREC_INCOMPLETE;
    h.term = get_u64(buf + OFF_TERM);
    const uint8_t *payload = buf + POD_WALREC_HEADER_BYTES;
    if (record_checksum(buf, payload, h.len) != get_u64(buf + OFF_SUM)) return POD_WALREC_INVALID;
    *header_out = h;
    *payload_out = payload;
    return POD_WALREC_OK;
}
