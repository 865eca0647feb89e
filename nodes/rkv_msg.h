/* rkv_msg.h — messages between replicated key-value nodes (Leader and
 * Followers), encoded by the nodes themselves so that encoding bugs are
 * found too. Every message carries an XXH3 checksum: a message garbled on
 * the wire is dropped, never believed.
 *
 * Frame (little-endian): u8 type, u8 version (1), u16 sender, u32 length of
 * the whole frame, u64 checksum of everything after it, then the body. */
#ifndef PODSIM_RKV_MSG_H
#define PODSIM_RKV_MSG_H

#include <stdbool.h>
#include <stdint.h>

#define RKV_MSG_VERSION 1u
#define RKV_FRAME_BYTES 16u
#define RKV_ENTRIES_PER_APPEND_MAX 64u       /* Request Batch: entries per message */
#define RKV_APPEND_BYTES_MAX (256u * 1024u)  /* and bytes */

typedef enum rkv_msg_type {
    RKV_VOTE_REQ = 0x61,    /* Majority Quorum election */
    RKV_VOTE_RESP = 0x62,
    RKV_APPEND_REQ = 0x63,  /* Replicated Log + HeartBeat + High-Water Mark */
    RKV_APPEND_RESP = 0x64,
    RKV_SNAP_REQ = 0x65,    /* snapshot transfer, one chunk (Low-Water Mark) */
    RKV_SNAP_RESP = 0x66,
} rkv_msg_type;

#define RKV_SNAP_CHUNK_BYTES (16u * 1024u)   /* snapshot transfer: bytes per chunk */

typedef struct rkv_vote_req {
    uint64_t term;
    uint64_t last_index;
    uint64_t last_term;
} rkv_vote_req;

typedef struct rkv_vote_resp {
    uint64_t term;
    uint8_t granted;
} rkv_vote_resp;

/* An entry inside an append request: its term and its payload bytes. */
typedef struct rkv_entry_ref {
    uint64_t term;
    const uint8_t *bytes;
    uint32_t len;
} rkv_entry_ref;

typedef struct rkv_append_req {
    uint64_t term;
    uint64_t prev_index;
    uint64_t prev_term;
    uint64_t commit;        /* the leader's High-Water Mark */
    uint64_t round;         /* heartbeat round, echoed: confirms leadership for reads */
    uint32_t count;
    rkv_entry_ref entries[RKV_ENTRIES_PER_APPEND_MAX];
} rkv_append_req;

typedef struct rkv_append_resp {
    uint64_t term;
    uint64_t match;         /* success: last index known to match; else a hint */
    uint64_t round;
    uint8_t success;
} rkv_append_resp;

/* One chunk of the leader's snapshot at bytes [offset, offset + len). */
typedef struct rkv_snap_req {
    uint64_t term;          /* the leader's */
    uint64_t last_index;    /* the snapshot's last included index ... */
    uint64_t last_term;     /* ... and its term: together they name it */
    uint64_t total;         /* bytes of the whole snapshot file */
    uint64_t offset;
    uint64_t round;         /* heartbeat round, echoed like an append's */
    uint32_t len;
    const uint8_t *bytes;
} rkv_snap_req;

/* The follower holds `have` bytes of it durably (the leader sends from
 * there); `done`: installed, its log continues after last_index. */
typedef struct rkv_snap_resp {
    uint64_t term;
    uint64_t last_index;
    uint64_t have;
    uint64_t round;
    uint8_t done;
} rkv_snap_resp;

typedef struct rkv_msg {
    rkv_msg_type type;
    uint16_t from;
    union {
        rkv_vote_req vote_req;
        rkv_vote_resp vote_resp;
        rkv_append_req append_req;
        rkv_append_resp append_resp;
        rkv_snap_req snap_req;
        rkv_snap_resp snap_resp;
    } u;
} rkv_msg;

/* Encodes into out[0..cap); returns the length, 0 when it does not fit. */
uint32_t rkv_msg_encode(const rkv_msg *msg, uint8_t *out, uint32_t cap);
/* Decodes and verifies the checksum; false on any damage. Entry pointers
 * point into `bytes`. */
bool rkv_msg_decode(const uint8_t *bytes, uint32_t len, rkv_msg *msg);

#endif
