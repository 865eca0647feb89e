/* echo_proto.h — the wire format of the echo node, the trivial node that
 * exercises the world: every message is ECHO_MSG_BYTES long.
 *
 *   byte 0      type (ECHO_PING or ECHO_REPLY)
 *   bytes 1..3  zero
 *   bytes 4..7  sequence number of the ping, little-endian
 *   bytes 8..15 nonce drawn by the pinger, little-endian
 *   bytes 16..23 checksum: XXH3-64 of bytes 0..15, little-endian
 *
 * A reply repeats the ping's sequence number and nonce. The checksum lets
 * a node drop a message the network damaged (`corrupt=`) instead of
 * answering a nonce that was never sent. Shared with the echo checker in
 * sim/, which reads the bytes on the wire. */
#ifndef PODSIM_ECHO_PROTO_H
#define PODSIM_ECHO_PROTO_H

#include <stdint.h>
#include <xxhash.h>

#define ECHO_PING 1u
#define ECHO_REPLY 2u
#define ECHO_BODY_BYTES 16u
#define ECHO_MSG_BYTES 24u

enum { ECHO_DECODE_OK = 0, ECHO_DECODE_MALFORMED = -1, ECHO_DECODE_CORRUPT = -2 };

typedef struct echo_msg {
    uint8_t type;
    uint32_t seq;
    uint64_t nonce;
} echo_msg;

static inline void echo_encode(const echo_msg *m, uint8_t out[ECHO_MSG_BYTES]) {
    out[0] = m->type;
    out[1] = out[2] = out[3] = 0;
    for (int i = 0; i < 4; i++) out[4 + i] = (uint8_t)(m->seq >> (8 * i));
    for (int i = 0; i < 8; i++) out[8 + i] = (uint8_t)(m->nonce >> (8 * i));
    uint64_t sum = XXH3_64bits(out, ECHO_BODY_BYTES);
    for (int i = 0; i < 8; i++) out[ECHO_BODY_BYTES + i] = (uint8_t)(sum >> (8 * i));
}

/* ECHO_DECODE_OK on success; ECHO_DECODE_CORRUPT when the checksum fails;
 * ECHO_DECODE_MALFORMED when the bytes are not an echo message. */
static inline int echo_decode(const uint8_t *bytes, uint32_t len, echo_msg *m) {
    if (len != ECHO_MSG_BYTES) return ECHO_DECODE_MALFORMED;
    uint64_t sum = 0;
    for (int i = 0; i < 8; i++) sum |= (uint64_t)bytes[ECHO_BODY_BYTES + i] << (8 * i);
    if (sum != XXH3_64bits(bytes, ECHO_BODY_BYTES)) return ECHO_DECODE_CORRUPT;
    if (bytes[0] != ECHO_PING && bytes[0] != ECHO_REPLY) return ECHO_DECODE_MALFORMED;
    if (bytes[1] | bytes[2] | bytes[3]) return ECHO_DECODE_MALFORMED;
    m->type = bytes[0];
    m->seq = 0;
    for (int i = 0; i < 4; i++) m->seq |= (uint32_t)bytes[4 + i] << (8 * i);
    m->nonce = 0;
    for (int i = 0; i < 8; i++) m->nonce |= (uint64_t)bytes[8 + i] << (8 * i);
    return 0;
}

#endif
