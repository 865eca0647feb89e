/* idempotent_receiver.c — the Idempotent Receiver's memory: one record
 * per client, in a sorted array (binary search; deterministic order), and
 * a running hash of the records (every change to `clients` goes through
 * pod_idem_remember or pod_idem_load, which keep it). */
#include "nodes/idempotent_receiver.h"

#include <assert.h>
#include <string.h>

#include <xxhash.h>

/* Seeds that keep a record's hash and the final mix apart. */
#define IDEM_HASH_SEED_RECORD 0x6964656d2d726563ull /* "idem-rec" */
#define IDEM_HASH_SEED_STATE 0x6964656d2d616c6cull  /* "idem-all" */

static void put_le(uint8_t *p, uint64_t v, int bytes) {
    for (int b = 0; b < bytes; b++) p[b] = (uint8_t)(v >> (8 * b));
}

/* XXH3 of the record's fields, little-endian (not of the struct: its
 * padding bytes are not part of the record). */
static uint64_t record_hash(const pod_idem_client *c) {
    uint8_t buf[21];
    put_le(buf, c->client_id, 4);
    put_le(buf + 4, c->request_no, 8);
    put_le(buf + 12, c->index, 8);
    buf[20] = c->status;
    return XXH3_64bits_withSeed(buf, sizeof buf, IDEM_HASH_SEED_RECORD);
}

/* The place of client_id: its record, or where it would go. */
static uint32_t find(const pod_idem *r, uint32_t client_id) {
    uint32_t lo = 0, hi = r->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r->clients[mid].client_id < client_id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

bool pod_idem_applied(const pod_idem *r, uint32_t client_id, uint64_t request_no, pod_idem_client *first) {
    uint32_t at = find(r, client_id);
    if (at == r->count || r->clients[at].client_id != client_id) return false;
    if (request_no > r->clients[at].request_no) return false;
    *first = r->clients[at];
    return true;
}

void pod_idem_remember(pod_idem *r, uint32_t client_id, uint64_t request_no, uint64_t index, uint8_t status) {
    uint32_t at = find(r, client_id);
    pod_idem_client rec = {.client_id = client_id, .request_no = request_no, .index = index, .status = status};
    if (at < r->count && r->clients[at].client_id == client_id) {
        assert(request_no > r->clients[at].request_no);
        r->record_hash_sum += record_hash(&rec) - record_hash(&r->clients[at]); /* mod 2^64 */
        r->clients[at] = rec;
        return;
    }
    if (r->count == POD_IDEM_CLIENTS_MAX) {
        r->overflows++;
        return;
    }
    memmove(&r->clients[at + 1], &r->clients[at], (r->count - at) * sizeof r->clients[0]);
    r->clients[at] = rec;
    r->count++;
    r->record_hash_sum += record_hash(&rec);
}

bool pod_idem_load(pod_idem *r, const pod_idem_client *clients, uint32_t count) {
    if (count > POD_IDEM_CLIENTS_MAX) return false;
    for (uint32_t i = 1; i < count; i++) {
        if (clients[i - 1].client_id >= clients[i].client_id) return false;
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < count; i++) sum += record_hash(&clients[i]);
    if (count) memmove(r->clients, clients, count * sizeof clients[0]); /* clients may be r->clients */
    r->count = count;
    r->record_hash_sum = sum;
    return true;
}

/* The sum and the count, mixed: sums are linear, and a hash that looks
 * random is safer to compare and to print. */
static uint64_t hash_of(uint64_t sum, uint32_t count) {
    uint8_t buf[12];
    put_le(buf, sum, 8);
    put_le(buf + 8, count, 4);
    return XXH3_64bits_withSeed(buf, sizeof buf, IDEM_HASH_SEED_STATE);
}

uint64_t pod_idem_hash(const pod_idem *r) { return hash_of(r->record_hash_sum, r->count); }

uint64_t pod_idem_hash_slow(const pod_idem *r) {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < r->count; i++) sum += record_hash(&r->clients[i]);
    return hash_of(sum, r->count);
}
