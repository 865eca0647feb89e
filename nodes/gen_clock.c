/* gen_clock.c — the Generation Clock's two-slot file, every save written to
 * both slots in turn (gen_clock.h says why). A slot is 32 bytes: u64
 * sequence, u64 term, u16 vote, u48 repair_until (Replicated Log repair,
 * docs/repair.md; 0 in files written before it existed), u64 XXH3 of the
 * first 24. */
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
    clock->newest_slot = 1; /* a new file: the first copy goes to slot 0 */
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
    /* Take the valid slot with the highest sequence. A damaged slot is the
     * copy a crash interrupted, or a copy a bit flip hit; either way the
     * other slot holds the last durable save or a newer one. */
    uint32_t copies = 0; /* slots holding the newest save */
    for (uint32_t s = 0; s < 2; s++) {
        uint64_t seq, term, repair_until;
        uint16_t vote;
        if ((s + 1) * SLOT_BYTES > got ||
            !pod_gen_clock_decode_slot(slots + s * SLOT_BYTES, &seq, &term, &vote, &repair_until)) {
            continue;
        }
        if (seq == clock->seq) copies++;
        if (seq > clock->seq) {
            clock->seq = seq;
            clock->term = term;
            clock->vote = vote;
            clock->repair_until = repair_until;
            clock->newest_slot = (uint8_t)s;
            copies = 1;
        }
    }
    if (copies == 2) clock->newest_slot = 1; /* the next first copy: slot 0 */
#ifndef PODSIM_TEST_BREAK_GEN_CLOCK_ONE_COPY
    if (clock->seq == 0 && got >= 2 * SLOT_BYTES) {
        /* The second slot was written, so some save had both copies on the
         * disk — and now neither slot is valid: a bit flip in each slot, or
         * a copy torn by a crash during a save plus a flip in the other slot
         * at that same crash (one injected fault is enough then). The node's last
         * term and vote are unknown; starting from term 0 with no vote
         * could grant a second vote in a term it already voted in. */
        clock->damaged = true;
        return POD_EIO;
    }
#endif
    /* After a process exit the page cache may hold a copy no fsync covered:
     * nothing read here counts as durable until a sync of the file and of
     * its name completes (the messages that depend on it wait); a save
     * found in one slot only is then written to both again, as a new save. */
    clock->written_seq = clock->seq;
    clock->phase = POD_GEN_RECOVERY_SYNC;
    clock->recovered_copies = (uint8_t)copies;
#ifndef PODSIM_TEST_BREAK_GEN_CLOCK_ONE_COPY
    if (clock->seq > 0 && copies < 2) clock->seq++;
#endif
    st = env->ops->fsync(env, clock->fd, cookie(COOKIE_FSYNC));
    if (st != POD_OK) return st;
    return env->ops->dir_fsync(env, cookie(COOKIE_DIR));
}

void pod_gen_clock_close(pod_gen_clock *clock) {
    if (clock->env && clock->fd) clock->env->ops->close(clock->env, clock->fd);
    clock->fd = 0;
}

/* Writes the copy in written_bytes to `slot` and syncs it. */
static void write_copy(pod_gen_clock *clock, uint8_t slot, pod_gen_clock_phase phase) {
    pod_env *env = clock->env;
    uint64_t offset = (uint64_t)slot * SLOT_BYTES;
    if (env->ops->write(env, clock->fd, offset, clock->written_bytes, SLOT_BYTES, cookie(COOKIE_WRITE)) !=
            POD_OK ||
        env->ops->fsync(env, clock->fd, cookie(COOKIE_FSYNC)) != POD_OK) {
        clock->failed = true;
        return;
    }
    clock->written_slot = slot;
    clock->phase = (uint8_t)phase;
}

/* Starts the newest save, if nothing is in flight: its first copy goes to
 * the slot that does not hold the newest save on the disk, so a torn write
 * may only damage a copy that is not the last durable one. (The slot is
 * remembered, not derived from sequence numbers: saves queued behind a
 * sync skip numbers.) */
static void flush(pod_gen_clock *clock) {
    if (clock->failed || clock->phase != POD_GEN_IDLE || clock->seq == clock->durable_seq) return;
    encode_slot(clock->written_bytes, clock->seq, clock->term, clock->vote, clock->repair_until);
    clock->written_seq = clock->seq;
    write_copy(clock, (uint8_t)(1u - clock->newest_slot), POD_GEN_FIRST_COPY);
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
        switch ((pod_gen_clock_phase)clock->phase) {
        case POD_GEN_RECOVERY_SYNC:
            /* Durable as read only when both slots held it; else flush()
             * writes it to both as a new save. */
#ifndef PODSIM_TEST_BREAK_GEN_CLOCK_ONE_COPY
            if (clock->recovered_copies == 2) clock->durable_seq = clock->written_seq;
#else
            clock->durable_seq = clock->written_seq;
#endif
            clock->phase = POD_GEN_IDLE;
            break;
        case POD_GEN_FIRST_COPY:
            clock->newest_slot = clock->written_slot;
#ifdef PODSIM_TEST_BREAK_GEN_CLOCK_ONE_COPY
            /* Test-only breakage (tests/teeth_rkv.c): the save counts as
             * durable with one copy, as before the second copy existed, so
             * a bit flip in that slot sends the node back to the older one. */
            clock->durable_seq = clock->written_seq;
            clock->phase = POD_GEN_IDLE;
#else
            /* The first copy is durable; the other slot still holds the
             * last durable save. Now the second copy, over it. */
            write_copy(clock, (uint8_t)(1u - clock->written_slot), POD_GEN_SECOND_COPY);
#endif
            break;
        case POD_GEN_SECOND_COPY:
            clock->newest_slot = clock->written_slot;
            clock->durable_seq = clock->written_seq;
            clock->phase = POD_GEN_IDLE;
            break;
        case POD_GEN_IDLE: assert(!"an fsync completion with nothing in flight"); break;
        }
    }
    flush(clock);
    return !clock->failed;
}
