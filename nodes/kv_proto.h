/* kv_proto.h — the wire format between clients and key-value nodes, shared
 * with the simulator's clients (sim/), which speak it over pod_env's network.
 *
 * Request  (client -> node): u8 KV_MSG_REQUEST, u8 flags (0 or
 *          KV_REQ_FOLLOWER_READ), 2 zero bytes, u32 client_id, u64
 *          request_no, u64 checksum, then — for a follower read only — u64
 *          min_index, then a command encoded by pod_kv_cmd_encode.
 * Response (node -> client): u8 KV_MSG_RESPONSE, u8 status (pod_kv_status or
 *          KV_REPLY_*), 2 zero bytes, u32 client_id, u64 request_no,
 *          u64 checksum, u64 log index (of a write's WAL record; 0 for reads
 *          and errors), u32 value_len, then the value (GET).
 * All integers little-endian. (client_id, request_no) names a request
 * uniquely: the Idempotent Receiver's key.
 *
 * The checksum covers the whole frame (XXH3-64 of bytes 0..15, seeding
 * XXH3-64 of everything after the checksum): the network may flip a bit
 * (`corrupt=`), and a flipped key or value must never be applied or
 * believed. A sender seals a frame once it is complete (kv_frame_seal);
 * kv_header_decode checks it before anything else, and a receiver drops a
 * frame that fails — like a lost message (the client times out and
 * retries). */
#ifndef PODSIM_KV_PROTO_H
#define PODSIM_KV_PROTO_H

#include <stdint.h>
#include <string.h>
#include <xxhash.h>

#include "nodes/kv_store.h"

#define KV_MSG_REQUEST 0x51u
#define KV_MSG_RESPONSE 0x52u
#define KV_HEADER_BYTES 24u          /* type .. request_no, checksum */
#define KV_CHECKSUM_AT 16u
#define KV_RESPONSE_HEADER_BYTES 36u /* the header, index, value_len */

/* The key-value node's Write-Ahead Log: segments named KV_WAL_PREFIX-...,
 * records of type KV_RECORD_CMD whose payload is u32 client_id, u16 reply_to
 * address, u16 zero, u64 request_no, then the command. The recovery
 * checker in sim/ reads them straight from the disk. */
#define KV_WAL_PREFIX "wal"
#define KV_RECORD_CMD 1u
#define KV_RECORD_HEADER_BYTES 16u

/* Statuses beyond pod_kv_status: the request was not executed. */
enum {
    KV_REPLY_UNAVAILABLE = 100, /* the node cannot serve now (busy, failed, recovering) */
    KV_REPLY_NOT_LEADER = 101,  /* ask the leader: its node id + 1 in the index field, 0 if unknown */
};

/* A no-op record: what a new leader appends in its own term (it commits
 * the entries of earlier terms, the Raft paper's Figure 8 rule). */
#define KV_RECORD_NOOP 2u

/* Follower Reads: a GET any replica may answer from its applied state once
 * it has applied at least min_index (the client's session: the highest log
 * index it has seen, so it never reads older than its own writes or its
 * last read). The answer's index field is the index it was read at. */
#define KV_REQ_FOLLOWER_READ 0x01u

typedef struct kv_header {
    uint8_t type;
    uint8_t status;      /* responses only */
    uint8_t flags;       /* requests only: 0 or KV_REQ_FOLLOWER_READ */
    uint32_t client_id;
    uint64_t request_no;
} kv_header;

static inline void kv_put_u32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void kv_put_u64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t kv_get_u32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v |= (uint32_t)p[i] << (8 * i);
    return v;
}
static inline uint64_t kv_get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Writes the header; the checksum stays zero until kv_frame_seal. */
static inline void kv_header_encode(const kv_header *h, uint8_t out[KV_HEADER_BYTES]) {
    out[0] = h->type;
    out[1] = h->type == KV_MSG_REQUEST ? h->flags : h->status;
    out[2] = out[3] = 0;
    kv_put_u32(out + 4, h->client_id);
    kv_put_u64(out + 8, h->request_no);
    kv_put_u64(out + KV_CHECKSUM_AT, 0);
}

static inline uint64_t kv_frame_checksum(const uint8_t *frame, uint32_t len) {
    return XXH3_64bits_withSeed(frame + KV_HEADER_BYTES, len - KV_HEADER_BYTES,
                                XXH3_64bits(frame, KV_CHECKSUM_AT));
}

/* Seals a complete frame of len >= KV_HEADER_BYTES bytes: its checksum. */
static inline void kv_frame_seal(uint8_t *frame, uint32_t len) {
    kv_put_u64(frame + KV_CHECKSUM_AT, kv_frame_checksum(frame, len));
}

enum { KV_DECODE_OK = 0, KV_DECODE_MALFORMED = -1, KV_DECODE_CORRUPT = -2 };

/* KV_DECODE_OK when bytes are a frame with an intact checksum and a
 * well-formed header of `type`; KV_DECODE_CORRUPT when the checksum fails. */
static inline int kv_header_decode(const uint8_t *bytes, uint32_t len, uint8_t type, kv_header *h) {
    if (len < KV_HEADER_BYTES) return KV_DECODE_MALFORMED;
    if (kv_get_u64(bytes + KV_CHECKSUM_AT) != kv_frame_checksum(bytes, len)) return KV_DECODE_CORRUPT;
    if (bytes[0] != type || bytes[2] || bytes[3]) return KV_DECODE_MALFORMED;
    if (type == KV_MSG_REQUEST && bytes[1] != 0 && bytes[1] != KV_REQ_FOLLOWER_READ) return KV_DECODE_MALFORMED;
    h->type = bytes[0];
    h->status = type == KV_MSG_REQUEST ? 0 : bytes[1];
    h->flags = type == KV_MSG_REQUEST ? bytes[1] : 0;
    h->client_id = kv_get_u32(bytes + 4);
    h->request_no = kv_get_u64(bytes + 8);
    return 0;
}

#endif
