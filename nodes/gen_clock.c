/* gen_clock.c — the Generation Clock's two-slot file. A slot is 32 bytes:
 * u64 sequence, u64 term, u16 vote, u48 repair_until (Replicated Log
 * repair, docs/repair.md; 0 in files written before it existed), u64 XXH3
 * of the first 24. */
#include "nodes/gen_clock.h"

#include <assert.h>
#include <string.h>

#include <xxhash.h>

#define SLOT_BYTES POD_GEN_SLOT_BYTES
#define COOKIE_WRITE 1u
#define COOKIE_FSYNC 2u
#define COOKIE_DIR 3u

static uint64_t cookie(uint64_t kind) { return POD_GEN_CLOCK_COOKIE_TAG << 56 | kind; }

bool pod_gen_clock_owns(const pod_disk_done *done) { return done->cookie >> 56 == POD_GEN_CLOCK_COOKIE_TAG; }

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint64_t get64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void encode_slot(uint8_t *out, uint64_t seq, uint64_t term, uint16_t vote, uint64_t repair_until) {
    memset(out, 0, SLOT_BYTES);
    put64(out, seq);
    put64(out + 8, term);
    out[16] = (uint8_t)vote;
    out[17] = (uint8_t)(vote >> 8);
    for (int i = 0; i < 6; i++) out[18 + i] = (uint8_t)(repair_until >> (8 * i));
    put64(out + 24, XXH3_64bits(out, 24));
}

bool pod_gen_clock_decode_slot(const uint8_t *in, uint64_t *seq, uint64_t *term, uint16_t *vote,
                               uint64_t *repair_until) {
    if (get64(in + 24) != XXH3_64bits(in, 24)) return false;
    *seq = get64(in);
    *term = get64(in + 8);
    *vote = (uint16_t)(in[16] | in[17] << 8);
    *repair_until = 0;
    for (int i = 0; i < 6; i++) *repair_until |= (uint64_t)in[18 + i] << (8 * i);
    return *seq > 0;
}

pod_status pod_gen_clock_open(pod_gen_clock *clock, pod_env *env) {
    memset(clock, 0, sizeof *clock);
    clock->env = env;
    clock->vote = POD_GEN_VOTE_NONE;
    clock->durable_slot = 1; /* a new file: the first save goes to slot 0 */
    pod_status st = env->ops->open(env, POD_GEN_CLOCK_FILE, 0, &clock->fd);
    if (st == POD_ENOENT) {
        /* A new node: the file's name must be durable before a save counts. */
        st = env->ops->open(env, POD_GEN_CLOCK_FILE, POD_OPEN_CREATE, &clock->fd);
        if (st != POD_OK) return st;
        st = env->ops->dir_fsync(env, cookie(COOKIE_DIR));
        return st;
    }
    if (st != POD_OK) return st;
    uint8_t slots[2 * SLOT_BYTES];
    uint32_t got = 0;
    st = env->ops->read(env, clock->fd, 0, slots, sizeof slots, &got);
    if (st != POD_OK) return st;
    /* Take the valid slot with the highest sequence; a torn slot is the
     * save a crash interrupted, never acknowledged to anyone. */
    for (uint32_t s = 0; s < 2; s++) {
        uint64_t seq, term, repair_until;
        uint16_t vote;
        if ((s + 1) * SLOT_BYTES > got ||
            !pod_gen_clock_decode_slot(slots + s * SLOT_BYTES, &seq, &term, &vote, &repair_until)) {
            continue;
        }
        if (seq > clock->seq) {
            clock->seq = seq;
            clock->term = term;
            clock->vote = vote;
            clock->repair_until = repair_until;
            clock->written_slot = (uint8_t)s;
        }
    }
    /* After a process exit the page cache may hold a save no fsync covered:
     * nothing read here counts as durable until a sync of the file and of
     * its name completes (the messages that depend on it wait). */
    clock->durable_seq = 0;
    clock->written_seq = clock->seq;
    clock->durable_slot = (uint8_t)(1u - clock->written_slot); /* until the sync: the other one */
    st = env->ops->fsync(env, clock->fd, cookie(COOKIE_FSYNC));
    if (st != POD_OK) return st;
    return env->ops->dir_fsync(env, cookie(COOKIE_DIR));
}

void pod_gen_clock_close(pod_gen_clock *clock) {
    if (clock->env && clock->fd) clock->env->ops->close(clock->env, clock->fd);
    clock->fd = 0;
}

/* Writes and fsyncs the newest save, if none is in flight. The slot is the
 * one the last durable save did not use. */
static void flush(pod_gen_clock *clock) {
    if (clock->failed || clock->written_seq || clock->seq == clock->durable_seq) return;
    pod_env *env = clock->env;
    uint8_t slot[SLOT_BYTES];
    encode_slot(slot, clock->seq, clock->term, clock->vote, clock->repair_until);
    /* Never the slot of the last durable save: a torn write may only
     * damage the save being written. (The slot is remembered, not derived
     * from sequence numbers: saves queued behind a sync skip numbers.) */
    uint8_t target = (uint8_t)(1u - clock->durable_slot);
    uint64_t offset = (uint64_t)target * SLOT_BYTES;
    if (env->ops->write(env, clock->fd, offset, slot, SLOT_BYTES, cookie(COOKIE_WRITE)) != POD_OK ||
        env->ops->fsync(env, clock->fd, cookie(COOKIE_FSYNC)) != POD_OK) {
        clock->failed = true;
        return;
    }
    clock->written_seq = clock->seq;
    clock->written_slot = target;
}

uint64_t pod_gen_clock_set(pod_gen_clock *clock, uint64_t term, uint16_t vote) {
    clock->term = term;
    clock->vote = vote;
    clock->seq++;
    flush(clock);
    return clock->seq;
}

uint64_t pod_gen_clock_set_repair(pod_gen_clock *clock, uint64_t repair_until) {
    assert(repair_until <= POD_GEN_REPAIR_MAX);
    clock->repair_until = repair_until;
    clock->seq++;
    flush(clock);
    return clock->seq;
}

bool pod_gen_clock_failed(const pod_gen_clock *clock) { return clock->failed; }

bool pod_gen_clock_durable(const pod_gen_clock *clock, uint64_t seq) {
    return clock->name_durable && clock->durable_seq >= seq && !clock->failed;
}

bool pod_gen_clock_on_disk(pod_gen_clock *clock, const pod_disk_done *done) {
    uint64_t kind = done->cookie & 0xffu;
    if (done->status != POD_OK && kind != COOKIE_WRITE) {
        clock->failed = true; /* never believe a retried fsync */
        return false;
    }
    if (kind == COOKIE_DIR) {
        clock->name_durable = true;
    } else if (kind == COOKIE_FSYNC) {
        clock->durable_seq = clock->written_seq;
        clock->durable_slot = clock->written_slot;
        clock->written_seq = 0;
    }
    flush(clock);
    return !clock->failed;
}
