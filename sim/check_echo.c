/* check_echo.c — echo integrity, from the bytes on the wire: every reply
 * that node B delivers to node A carries the sequence number and nonce of a
 * ping from A that was delivered to B before. A reply out of thin air, or a
 * garbled one, means the echo node (or the network model) is broken. */
#include "sim/check.h"

#include "nodes/echo_proto.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#define ECHO_CHECK_ENTRIES_MAX (1u << 24)

typedef struct ping_key {
    uint64_t nonce;
    uint32_t seq;
    uint16_t pinger;
    uint16_t echoer;
} ping_key;

typedef struct echo_check {
    ping_key *slots;   /* open addressing; nonce 0 with used[]==0 means empty */
    uint8_t *used;
    uint32_t capacity; /* a power of two */
    uint32_t count;
    bool full_reported;
} echo_check;

static uint64_t key_hash(const ping_key *k) {
    uint8_t bytes[16];
    memcpy(bytes, &k->nonce, 8);
    memcpy(bytes + 8, &k->seq, 4);
    memcpy(bytes + 12, &k->pinger, 2);
    memcpy(bytes + 14, &k->echoer, 2);
    return XXH3_64bits(bytes, sizeof bytes);
}

static bool key_equal(const ping_key *x, const ping_key *y) {
    return x->nonce == y->nonce && x->seq == y->seq && x->pinger == y->pinger &&
           x->echoer == y->echoer;
}

/* Only lookups and inserts: the table is never iterated, so its layout
 * cannot leak into the run. */
static bool table_find(const echo_check *c, const ping_key *k, uint32_t *pos_out) {
    uint32_t mask = c->capacity - 1;
    uint32_t pos = (uint32_t)key_hash(k) & mask;
    for (uint32_t probes = 0; probes < c->capacity; probes++) {
        if (!c->used[pos]) {
            *pos_out = pos;
            return false;
        }
        if (key_equal(&c->slots[pos], k)) {
            *pos_out = pos;
            return true;
        }
        pos = (pos + 1) & mask;
    }
    *pos_out = UINT32_MAX;
    return false;
}

static bool table_grow(echo_check *c) {
    uint32_t want = c->capacity ? c->capacity * 2 : 1024;
    ping_key *old_slots = c->slots;
    uint8_t *old_used = c->used;
    uint32_t old_capacity = c->capacity;
    c->slots = calloc(want, sizeof *c->slots);
    c->used = calloc(want, 1);
    if (!c->slots || !c->used) {
        free(c->slots);
        free(c->used);
        c->slots = old_slots;
        c->used = old_used;
        return false;
    }
    c->capacity = want;
    for (uint32_t i = 0; i < old_capacity; i++) {
        if (!old_used[i]) continue;
        uint32_t pos;
        table_find(c, &old_slots[i], &pos);
        c->slots[pos] = old_slots[i];
        c->used[pos] = 1;
    }
    free(old_slots);
    free(old_used);
    return true;
}

static void *echo_check_create(const pod_scenario *scn) {
    (void)scn;
    echo_check *c = calloc(1, sizeof *c);
    if (c && !table_grow(c)) {
        free(c);
        return NULL;
    }
    return c;
}

static void echo_check_destroy(void *state) {
    echo_check *c = state;
    if (!c) return;
    free(c->slots);
    free(c->used);
    free(c);
}

static void remember_ping(echo_check *c, pod_world *world, const ping_key *k) {
    if (c->count * 2 >= c->capacity) {
        if (c->capacity >= ECHO_CHECK_ENTRIES_MAX || !table_grow(c)) {
            if (!c->full_reported) {
                c->full_reported = true;
                pod_check_fail(world, "echo-integrity",
                               "checker table full at %" PRIu32 " pings; shorten the run", c->count);
            }
            return;
        }
    }
    uint32_t pos;
    if (table_find(c, k, &pos)) return; /* a duplicated ping */
    c->slots[pos] = *k;
    c->used[pos] = 1;
    c->count++;
}

static void echo_check_deliver(void *state, pod_world *world, pod_addr from, pod_addr to,
                               const uint8_t *bytes, uint32_t len) {
    echo_check *c = state;
    if (!c) {
        pod_check_fail(world, "echo-integrity", "out of memory creating the checker");
        return;
    }
    echo_msg m;
    int decoded = echo_decode(bytes, len, &m);
    /* A frame the network damaged fails its checksum: the node drops it,
     * and an answer to it would show as a reply to no ping. */
    if (decoded == ECHO_DECODE_CORRUPT) return;
    if (decoded != ECHO_DECODE_OK) {
        pod_check_fail(world, "echo-integrity",
                       "n%u delivered %" PRIu32 " bytes to n%u that are not an echo message "
                       "(expected %u bytes, type 1 or 2, an intact checksum)",
                       from + 1u, len, to + 1u, ECHO_MSG_BYTES);
        return;
    }
    if (m.type == ECHO_PING) {
        remember_ping(c, world, &(ping_key){.nonce = m.nonce, .seq = m.seq, .pinger = from, .echoer = to});
        return;
    }
    ping_key k = {.nonce = m.nonce, .seq = m.seq, .pinger = to, .echoer = from};
    uint32_t pos;
    if (!table_find(c, &k, &pos)) {
        pod_check_fail(world, "echo-integrity",
                       "n%u replied to n%u with seq=%" PRIu32 " nonce=%016" PRIx64
                       ", expected the seq and nonce of a ping n%u delivered to n%u; no such ping",
                       from + 1u, to + 1u, m.seq, m.nonce, to + 1u, from + 1u);
    }
}

const pod_checker pod_check_echo = {
    .name = "echo-integrity",
    .node_type = "echo",
    .create = echo_check_create,
    .destroy = echo_check_destroy,
    .on_deliver = echo_check_deliver,
};
