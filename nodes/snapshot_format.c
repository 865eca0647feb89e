/* snapshot_format.c — see snapshot_format.h.
 *
 * Layout, little-endian:
 *   0  8  magic "PODSNAP1"
 *   8  8  last_index        16 8  last_term        24 8  chain
 *  32  4  key_count         36 4  client_count     40 8  body_bytes
 *  48  8  zero              56 8  checksum: XXH3-64 of the header (this
 *                                 field zeroed) followed by the body
 * body: key_count pairs (u32 key_len, u32 value_len, key, value), keys
 * strictly ascending; then client_count records of 24 bytes (u32
 * client_id, u8 status, 3 zero, u64 request_no, u64 index), ids ascending. */
#include "nodes/snapshot_format.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "nodes/kv_proto.h"

#if defined(PODSIM_TEST_BREAK_SNAPSHOT_FORGETS_CLIENTS)
#define SNAP_WRITES_CLIENTS false /* test-only breakage, tests/teeth_lwm.c */
#else
#define SNAP_WRITES_CLIENTS true
#endif

static uint64_t checksum(const uint8_t *bytes, size_t len) {
    uint8_t head[POD_SNAP_HEADER_BYTES];
    memcpy(head, bytes, POD_SNAP_HEADER_BYTES);
    memset(head + 56, 0, 8);
    XXH3_state_t *st = XXH3_createState();
    if (!st) abort();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, head, sizeof head);
    XXH3_64bits_update(st, bytes + POD_SNAP_HEADER_BYTES, len - POD_SNAP_HEADER_BYTES);
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}

uint8_t *pod_snap_encode(const pod_snap_header *h, const pod_kv_store *store, const pod_snap_client *clients,
                         uint32_t client_count, size_t *len_out) {
    if (!SNAP_WRITES_CLIENTS) client_count = 0;
    uint32_t keys = pod_kv_key_count(store);
    uint64_t body = (uint64_t)client_count * POD_SNAP_CLIENT_BYTES;
    for (uint32_t i = 0; i < keys; i++) {
        const uint8_t *k, *v;
        uint32_t kl, vl;
        pod_kv_pair_at(store, i, &k, &kl, &v, &vl);
        body += 8u + kl + vl;
    }
    if (client_count > POD_SNAP_CLIENTS_MAX || POD_SNAP_HEADER_BYTES + body > POD_SNAP_BYTES_MAX) return NULL;
    size_t len = POD_SNAP_HEADER_BYTES + (size_t)body;
    uint8_t *out = calloc(1, len);
    if (!out) return NULL;
    memcpy(out, POD_SNAP_MAGIC, 8);
    kv_put_u64(out + 8, h->last_index);
    kv_put_u64(out + 16, h->last_term);
    kv_put_u64(out + 24, h->chain);
    kv_put_u32(out + 32, keys);
    kv_put_u32(out + 36, client_count);
    kv_put_u64(out + 40, body);
    uint8_t *at = out + POD_SNAP_HEADER_BYTES;
    for (uint32_t i = 0; i < keys; i++) {
        const uint8_t *k, *v;
        uint32_t kl, vl;
        pod_kv_pair_at(store, i, &k, &kl, &v, &vl);
        kv_put_u32(at, kl);
        kv_put_u32(at + 4, vl);
        memcpy(at + 8, k, kl);
        if (vl) memcpy(at + 8 + kl, v, vl);
        at += 8u + kl + vl;
    }
    for (uint32_t i = 0; i < client_count; i++) {
        kv_put_u32(at, clients[i].client_id);
        at[4] = clients[i].status;
        kv_put_u64(at + 8, clients[i].request_no);
        kv_put_u64(at + 16, clients[i].index);
        at += POD_SNAP_CLIENT_BYTES;
    }
    kv_put_u64(out + 56, checksum(out, len));
    *len_out = len;
    return out;
}

#define REFUSE(text)  \
    do {              \
        *why = (text); \
        return false; \
    } while (0)

bool pod_snap_decode(const uint8_t *bytes, size_t len, pod_snap_header *h, pod_kv_store *store,
                     pod_snap_client *clients, uint32_t clients_max, const char **why) {
    static const char *ignored;
    if (!why) why = &ignored;
    if (len < POD_SNAP_HEADER_BYTES) REFUSE("shorter than a snapshot header");
    if (memcmp(bytes, POD_SNAP_MAGIC, 8) != 0) REFUSE("not a snapshot (bad magic)");
    *h = (pod_snap_header){.last_index = kv_get_u64(bytes + 8), .last_term = kv_get_u64(bytes + 16),
                           .chain = kv_get_u64(bytes + 24), .key_count = kv_get_u32(bytes + 32),
                           .client_count = kv_get_u32(bytes + 36), .body_bytes = kv_get_u64(bytes + 40)};
    if (h->body_bytes != len - POD_SNAP_HEADER_BYTES) REFUSE("length does not match the header");
    if (kv_get_u64(bytes + 56) != checksum(bytes, len)) REFUSE("checksum mismatch");
    /* Only now are the lengths trusted; still, every one is bounds-checked. */
    if (h->client_count > POD_SNAP_CLIENTS_MAX || h->key_count > POD_KV_KEYS_MAX) REFUSE("counts out of range");
    const uint8_t *at = bytes + POD_SNAP_HEADER_BYTES, *end = bytes + len;
    for (uint32_t i = 0; i < h->key_count; i++) {
        if (end - at < 8) REFUSE("a pair runs past the end");
        uint32_t kl = kv_get_u32(at), vl = kv_get_u32(at + 4);
        if (kl == 0 || kl > POD_KV_KEY_BYTES_MAX || vl > POD_KV_VALUE_BYTES_MAX ||
            (uint64_t)(end - at - 8) < (uint64_t)kl + vl) {
            REFUSE("a pair is out of range");
        }
        if (store && !pod_kv_load_pair(store, at + 8, kl, at + 8 + kl, vl)) REFUSE("keys out of order");
        at += 8u + kl + vl;
    }
    if ((uint64_t)(end - at) != (uint64_t)h->client_count * POD_SNAP_CLIENT_BYTES) REFUSE("client records do not fit");
    for (uint32_t i = 0; i < h->client_count; i++, at += POD_SNAP_CLIENT_BYTES) {
        pod_snap_client c = {.client_id = kv_get_u32(at), .status = at[4], .request_no = kv_get_u64(at + 8),
                             .index = kv_get_u64(at + 16)};
        if (clients && i < clients_max) clients[i] = c;
    }
    return true;
}

bool pod_snap_name_parse(const char *name, uint64_t *index_out) {
    if (strncmp(name, "snap-", 5) != 0 || strlen(name) != 5 + 20 + 5 || strcmp(name + 25, ".snap") != 0) return false;
    uint64_t v = 0;
    for (int i = 5; i < 25; i++) {
        if (name[i] < '0' || name[i] > '9') return false;
        uint64_t d = (uint64_t)(name[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (v == 0) return false;
    *index_out = v;
    return true;
}

void pod_snap_name_format(uint64_t index, char *out, size_t out_len) {
    snprintf(out, out_len, "snap-%020" PRIu64 ".snap", index);
}
