/* gen_clock.h — the Generation Clock (Patterns of Distributed Systems):
 * the node's current term (generation) and the vote it cast in it, kept
 * on disk so that a restarted node never votes twice in a term nor goes
 * back to an older one.
 *
 * Persisted in a two-slot file, and every save is written to BOTH slots in
 * turn: the first copy, fsync, then the second copy, fsync. A save counts
 * as durable only when its second copy is, so from then on every valid
 * slot in the file holds that save or a newer one: a bit flip in either
 * slot leaves the other, and a torn write can only damage the copy being
 * written while the other slot holds the last durable save (or the first
 * copy of the save being written). Recovery takes the valid slot with the
 * highest sequence number; a file whose two slots are both damaged is
 * refused (pod_gen_clock_open returns POD_EIO with `damaged` set: the node
 * must not start — docs/repair.md says why). What recovery reads counts
 * as durable only after it syncs it again (after a process exit the page
 * cache may hold a save no fsync covered) and, unless both slots already
 * hold it, writes it to both slots again. A node must not send any message
 * that depends on a term or vote before pod_gen_clock_durable() covers the
 * save that set it. */
#ifndef PODSIM_GEN_CLOCK_H
#define PODSIM_GEN_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/pod_env.h"

#define POD_GEN_CLOCK_FILE "generation"
#define POD_GEN_CLOCK_COOKIE_TAG 0x4Dull /* top byte of its cookies: 'M' */
#define POD_GEN_VOTE_NONE 0xffffu

/* The slot format, for checkers that read the file from the disk: a slot
 * is POD_GEN_SLOT_BYTES; false when its checksum or padding is wrong. */
#define POD_GEN_SLOT_BYTES 32u

/* What the clock is doing on the disk. */
typedef enum pod_gen_clock_phase {
    POD_GEN_IDLE = 0,
    POD_GEN_RECOVERY_SYNC, /* the sync of what recovery read */
    POD_GEN_FIRST_COPY,    /* a save's first copy: written, being synced */
    POD_GEN_SECOND_COPY,   /* its second copy, in the other slot */
} pod_gen_clock_phase;

typedef struct pod_gen_clock {
    pod_env *env;
    pod_fd fd;
    uint64_t term;           /* what the node believes now */
    uint16_t vote;           /* node voted for in `term`, or POD_GEN_VOTE_NONE */
    /* Replicated Log repair (docs/repair.md): while nonzero, the node's log
     * lost entries it may have acknowledged or voted on, up to this index;
     * it must not vote or stand until its log holds this index again. */
    uint64_t repair_until;
    uint64_t seq;            /* saves requested so far */
    uint64_t durable_seq;    /* the last save known durable (both copies) */
    uint64_t written_seq;    /* the save being written and synced, 0: none */
    uint8_t phase;           /* a pod_gen_clock_phase */
    uint8_t newest_slot;     /* a slot holding the newest save on the disk: the
                                one the next save's first copy must not use */
    uint8_t written_slot;    /* the slot of the copy being written */
    uint8_t written_bytes[POD_GEN_SLOT_BYTES]; /* the save in flight, encoded */
    bool name_durable;       /* the file's directory entry is durable */
    bool failed;             /* a write or fsync failed: the node must stop */
    bool damaged;            /* open found both slots damaged: must not run */
    uint8_t recovered_copies; /* slots that held the save recovery read */
} pod_gen_clock;

/* Opens (creating) the file and recovers the last durable term and vote.
 * POD_OK or the failing status; a node that cannot read it must not run.
 * POD_EIO with `damaged` set: both slots are damaged, so the term and vote
 * of the last durable save are unknown (never "term 0, no vote"). */
pod_status pod_gen_clock_open(pod_gen_clock *clock, pod_env *env);
void pod_gen_clock_close(pod_gen_clock *clock);

/* Sets term and vote in memory and asks for a save; returns the sequence
 * number to wait for with pod_gen_clock_durable(). */
uint64_t pod_gen_clock_set(pod_gen_clock *clock, uint64_t term, uint16_t vote);
/* Sets the repair obligation (0: none; at most POD_GEN_REPAIR_MAX) and asks
 * for a save, as pod_gen_clock_set. */
uint64_t pod_gen_clock_set_repair(pod_gen_clock *clock, uint64_t repair_until);
#define POD_GEN_REPAIR_MAX 0xFFFFFFFFFFFFull /* 48 bits in the slot */

bool pod_gen_clock_decode_slot(const uint8_t *in, uint64_t *seq, uint64_t *term, uint16_t *vote,
                               uint64_t *repair_until);
/* True once a write or fsync of a save failed, or could not be submitted:
 * the node must stop (fail-stop), never retry and believe it. */
bool pod_gen_clock_failed(const pod_gen_clock *clock);
/* True when save `seq` (and all before it) is durable. */
bool pod_gen_clock_durable(const pod_gen_clock *clock, uint64_t seq);

bool pod_gen_clock_owns(const pod_disk_done *done);
/* Feeds a completion; false once a write or fsync failed (fail-stop). */
bool pod_gen_clock_on_disk(pod_gen_clock *clock, const pod_disk_done *done);

#endif
