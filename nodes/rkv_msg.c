/* rkv_msg.c — the codec of rkv_msg.h. */
#include "nodes/rkv_msg.h"

#include <string.h>

/* xxHash's own inline build of the same functions (same values on every
 * platform: XXH3 is specified bit for bit): every message is checksummed
 * twice, and most are short, where a call into the shared library costs as
 * much as the hashing. */
#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct writer {
    uint8_t *p;
    uint32_t at;
    uint32_t cap;
    bool ok;
} writer;

static void w_bytes(writer *w, const void *b, uint32_t n) {
    if (!w->ok || w->cap - w->at < n) {
        w->ok = false;
        return;
    }
    if (n) memcpy(w->p + w->at, b, n);
    w->at += n;
}
static void w_u64(writer *w, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    w_bytes(w, b, 8);
}
static void w_u32(writer *w, uint32_t v) {
    uint8_t b[4];
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
    w_bytes(w, b, 4);
}
static void w_u8(writer *w, uint8_t v) { w_bytes(w, &v, 1); }

typedef struct reader {
    const uint8_t *p;
    uint32_t at;
    uint32_t len;
    bool ok;
} reader;

static const uint8_t *r_bytes(reader *r, uint32_t n) {
    if (!r->ok || r->len - r->at < n) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *p = r->p + r->at;
    r->at += n;
    return p;
}
/* Written out in full rather than as a loop: compilers turn this form into
 * one load (this decoder runs on every message). */
static uint64_t r_u64(reader *r) {
    const uint8_t *b = r_bytes(r, 8);
    if (!b) return 0;
    return (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24 |
           (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 | (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
}
static uint32_t r_u32(reader *r) {
    const uint8_t *b = r_bytes(r, 4);
    if (!b) return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static uint8_t r_u8(reader *r) {
    const uint8_t *b = r_bytes(r, 1);
    return b ? b[0] : 0;
}

uint32_t rkv_msg_encode(const rkv_msg *msg, uint8_t *out, uint32_t cap) {
    writer w = {.p = out, .cap = cap, .ok = true};
    w_u8(&w, (uint8_t)msg->type);
    w_u8(&w, RKV_MSG_VERSION);
    w_u8(&w, (uint8_t)msg->from);
    w_u8(&w, (uint8_t)(msg->from >> 8));
    w_u32(&w, 0); /* length, patched below */
    w_u64(&w, 0); /* checksum, patched below */
    switch (msg->type) {
    case RKV_VOTE_REQ:
        w_u64(&w, msg->u.vote_req.term);
        w_u64(&w, msg->u.vote_req.last_index);
        w_u64(&w, msg->u.vote_req.last_term);
        break;
    case RKV_VOTE_RESP:
        w_u64(&w, msg->u.vote_resp.term);
        w_u8(&w, msg->u.vote_resp.granted);
        break;
    case RKV_APPEND_REQ: {
        const rkv_append_req *a = &msg->u.append_req;
        if (a->count > RKV_ENTRIES_PER_APPEND_MAX) return 0;
        w_u64(&w, a->term);
        w_u64(&w, a->prev_index);
        w_u64(&w, a->prev_term);
        w_u64(&w, a->commit);
        w_u64(&w, a->round);
        w_u32(&w, a->count);
        for (uint32_t i = 0; i < a->count; i++) {
            w_u64(&w, a->entries[i].term);
            w_u32(&w, a->entries[i].len);
            w_bytes(&w, a->entries[i].bytes, a->entries[i].len);
        }
        break;
    }
    case RKV_APPEND_RESP:
        w_u64(&w, msg->u.append_resp.term);
        w_u64(&w, msg->u.append_resp.match);
        w_u64(&w, msg->u.append_resp.round);
        w_u8(&w, msg->u.append_resp.success);
        break;
    case RKV_SNAP_REQ: {
        const rkv_snap_req *q = &msg->u.snap_req;
        if (q->len > RKV_SNAP_CHUNK_BYTES) return 0;
        w_u64(&w, q->term);
        w_u64(&w, q->last_index);
        w_u64(&w, q->last_term);
        w_u64(&w, q->total);
        w_u64(&w, q->offset);
        w_u64(&w, q->round);
        w_u32(&w, q->len);
        w_bytes(&w, q->bytes, q->len);
        break;
    }
    case RKV_SNAP_RESP:
        w_u64(&w, msg->u.snap_resp.term);
        w_u64(&w, msg->u.snap_resp.last_index);
        w_u64(&w, msg->u.snap_resp.have);
        w_u64(&w, msg->u.snap_resp.round);
        w_u8(&w, msg->u.snap_resp.done);
        break;
    default:
        return 0;
    }
    if (!w.ok) return 0;
    for (int i = 0; i < 4; i++) out[4 + i] = (uint8_t)(w.at >> (8 * i));
    uint64_t sum = XXH3_64bits(out + RKV_FRAME_BYTES, w.at - RKV_FRAME_BYTES) ^ XXH3_64bits(out, 8);
    for (int i = 0; i < 8; i++) out[8 + i] = (uint8_t)(sum >> (8 * i));
    return w.at;
}

bool rkv_msg_decode(const uint8_t *bytes, uint32_t len, rkv_msg *msg) {
    if (len < RKV_FRAME_BYTES || bytes[1] != RKV_MSG_VERSION) return false;
    reader r = {.p = bytes, .len = len, .ok = true};
    uint8_t type = r_u8(&r);
    r_u8(&r);
    /* Two statements: the order of two reads in one expression is unspecified. */
    uint8_t from_lo = r_u8(&r);
    uint8_t from_hi = r_u8(&r);
    msg->from = (uint16_t)(from_lo | from_hi << 8);
    uint32_t frame_len = r_u32(&r);
    uint64_t sum = r_u64(&r);
    if (frame_len != len) return false;
    if (sum != (XXH3_64bits(bytes + RKV_FRAME_BYTES, len - RKV_FRAME_BYTES) ^ XXH3_64bits(bytes, 8))) return false;
    msg->type = (rkv_msg_type)type;
    switch (msg->type) {
    case RKV_VOTE_REQ:
        msg->u.vote_req.term = r_u64(&r);
        msg->u.vote_req.last_index = r_u64(&r);
        msg->u.vote_req.last_term = r_u64(&r);
        break;
    case RKV_VOTE_RESP:
        msg->u.vote_resp.term = r_u64(&r);
        msg->u.vote_resp.granted = r_u8(&r);
        break;
    case RKV_APPEND_REQ: {
        rkv_append_req *a = &msg->u.append_req;
        a->term = r_u64(&r);
        a->prev_index = r_u64(&r);
        a->prev_term = r_u64(&r);
        a->commit = r_u64(&r);
        a->round = r_u64(&r);
        a->count = r_u32(&r);
        if (a->count > RKV_ENTRIES_PER_APPEND_MAX) return false;
        for (uint32_t i = 0; i < a->count && r.ok; i++) {
            a->entries[i].term = r_u64(&r);
            a->entries[i].len = r_u32(&r);
            a->entries[i].bytes = r_bytes(&r, a->entries[i].len);
        }
        break;
    }
    case RKV_APPEND_RESP:
        msg->u.append_resp.term = r_u64(&r);
        msg->u.append_resp.match = r_u64(&r);
        msg->u.append_resp.round = r_u64(&r);
        msg->u.append_resp.success = r_u8(&r);
        break;
    case RKV_SNAP_REQ: {
        rkv_snap_req *q = &msg->u.snap_req;
        q->term = r_u64(&r);
        q->last_index = r_u64(&r);
        q->last_term = r_u64(&r);
        q->total = r_u64(&r);
        q->offset = r_u64(&r);
        q->round = r_u64(&r);
        q->len = r_u32(&r);
        if (q->len > RKV_SNAP_CHUNK_BYTES) return false;
        q->bytes = r_bytes(&r, q->len);
        break;
    }
    case RKV_SNAP_RESP:
        msg->u.snap_resp.term = r_u64(&r);
        msg->u.snap_resp.last_index = r_u64(&r);
        msg->u.snap_resp.have = r_u64(&r);
        msg->u.snap_resp.round = r_u64(&r);
        msg->u.snap_resp.done = r_u8(&r);
        break;
    default:
        return false;
    }
    return r.ok && r.at == len;
}
