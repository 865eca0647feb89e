/* env_harness.h — a pod_env for tests of node code, over one simulated disk
 * (sim/disk.h), with the test in charge of time and of every completion.
 *
 * Metadata calls and reads answer at once, as in the world. Writes, file
 * syncs and directory syncs are applied or queued exactly as
 * sim/world_disk.c does — a write changes the view at submission, a sync
 * takes its barrier at submission and makes data durable at completion —
 * but their completions wait in a FIFO until the test drains it with
 * harness_complete_one / _at / _all, which forward each to the callback
 * given with harness_on_disk. A crash (pod_disk_crash, with the harness's
 * own rng) drops every pending completion and timer.
 *
 * Timers fire only inside harness_advance; messages go to a send callback
 * (or are counted and dropped); fail_stop is recorded for the test to act
 * on. Everything is deterministic given the
 * seed. Link this file into a test binary beside the test. */
#ifndef PODSIM_TESTS_ENV_HARNESS_H
#define PODSIM_TESTS_ENV_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/disk.h"
#include "sim/pod_env.h"
#include "sim/rng.h"

#define HARNESS_PENDING_MAX 4096u     /* completions waiting: POD_ELIMIT beyond */
#define HARNESS_TIMERS_MAX 256u       /* live timers: timer_set returns 0 beyond */
#define HARNESS_NAMES_MAX 1024u       /* distinct names whose opens are counted */
#define HARNESS_DRAIN_MAX 1000000u    /* completions one harness_complete_all may run */

typedef void (*harness_disk_fn)(void *arg, const pod_disk_done *done);
typedef void (*harness_timer_fn)(void *arg, uint64_t timer_id, uint64_t cookie);
typedef pod_status (*harness_send_fn)(void *arg, pod_addr to, const void *bytes, uint32_t len);

/* Calls the env received, since creation or the last harness_counts_reset. */
typedef struct harness_counts {
    uint64_t opens;
    uint64_t creates;        /* opens that created a file */
    uint64_t closes;
    uint64_t reads;
    uint64_t writes;         /* submitted successfully */
    uint64_t fsyncs;
    uint64_t dir_fsyncs;
    uint64_t truncates;
    uint64_t renames;
    uint64_t unlinks;
    uint64_t lists;
    uint64_t sends;
    uint64_t notes;
    uint64_t completions;    /* delivered to the callback */
} harness_counts;

typedef struct harness harness;

/* A harness over a new disk with `config`; `seed` seeds the rng behind
 * disk faults, crash outcomes and random_u64. self 0 of a 1-node cluster. */
harness *harness_create(const pod_disk_config *config, uint64_t seed);
void harness_destroy(harness *h);

pod_env *harness_env(harness *h);
pod_disk *harness_disk(harness *h);
pod_rng *harness_rng(harness *h);

/* Where completions, timers and messages go. NULL: dropped (counted). */
void harness_on_disk(harness *h, harness_disk_fn fn, void *arg);
void harness_on_timer(harness *h, harness_timer_fn fn, void *arg);
void harness_on_send(harness *h, harness_send_fn fn, void *arg);

/* --- completions --- */

uint32_t harness_pending(const harness *h);
/* The op of the i-th pending completion (0 = oldest). */
pod_disk_op harness_pending_op(const harness *h, uint32_t i);
/* Completes the oldest; false when none is pending. */
bool harness_complete_one(harness *h);
/* Completes the i-th pending one, out of order. */
bool harness_complete_at(harness *h, uint32_t i);
/* Completes in FIFO order until none is pending (completions submitted by
 * the callback included), at most HARNESS_DRAIN_MAX. Returns how many. */
uint32_t harness_complete_all(harness *h);

/* A process exit without power loss (what follows a fail_stop): pending
 * completions and timers vanish and their syncs never happen; unsynced
 * data stays in the view (the page cache), as after a real process exit.
 * Clears the fail-stop flag, like harness_crash. */
void harness_drop_pending(harness *h);

/* --- faults and time --- */

void harness_set_faults(harness *h, const pod_disk_faults *faults);
/* Power loss: pending completions and timers vanish, the disk decides the
 * fate of everything unsynced. The node must be dropped (its stop) by the
 * test; nothing of it is called. */
void harness_crash(harness *h);
uint64_t harness_now(const harness *h);
/* Moves time on by delta_ns, firing due timers in (time, id) order. */
void harness_advance(harness *h, uint64_t delta_ns);

/* --- what the node did --- */

harness_counts harness_counts_get(const harness *h);
void harness_counts_reset(harness *h);
/* Opens of `name` since creation or the last reset. */
uint32_t harness_opens_of(const harness *h, const char *name);
/* The last note text ("" if none). */
const char *harness_last_note(const harness *h);
/* Whether the node called fail_stop since creation or the last crash or
 * drop_pending, and the first reason it gave. The harness only records
 * it: the test stops the node (and calls harness_drop_pending). */
bool harness_fail_stopped(const harness *h);
const char *harness_fail_stop_why(const harness *h);

#endif
