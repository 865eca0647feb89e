/* sched.h — the discrete-event scheduler: a priority queue of events.
 *
 * Events are ordered by (time_ns, insertion sequence): two events at the same
 * simulated time run in the order they were scheduled, never by address.
 * Each add/pop/cancel is O(log n). Event slots live in a pool that grows by
 * doubling up to `pending_max`, so the steady state allocates nothing per
 * event. */
#ifndef PODSIM_SCHED_H
#define PODSIM_SCHED_H

#include <stdbool.h>
#include <stdint.h>

/* What an event carries: who it is for and two words of payload. The world
 * (sim/world.c) gives meaning to `kind`. */
typedef struct pod_event {
    uint64_t time_ns;
    uint64_t seq; /* insertion sequence, the tie-breaker */
    uint64_t a;
    uint64_t b;
    uint16_t kind;
    uint16_t node;
    uint32_t c;
} pod_event;

/* A handle to a scheduled event, for cancelling it. 0 is never a handle. */
typedef uint64_t pod_event_id;

typedef struct pod_heap_entry {
    uint64_t time_ns;
    uint64_t seq;
    uint32_t slot;
} pod_heap_entry;

typedef struct pod_event_slot {
    pod_event event;
    uint32_t heap_pos;   /* index in heap[], or POD_SLOT_FREE */
    uint32_t generation; /* bumped on every reuse; stale handles miss */
    uint32_t next_free;
} pod_event_slot;

typedef struct pod_sched {
    uint64_t now_ns;
    uint64_t next_seq;
    pod_heap_entry *heap;
    pod_event_slot *slots;
    uint32_t pending;      /* events in the heap */
    uint32_t capacity;     /* slots allocated */
    uint32_t pending_max;  /* hard limit on pending events */
    uint32_t free_head;    /* first free slot, or POD_SLOT_NONE */
} pod_sched;

#define POD_SLOT_NONE UINT32_MAX

typedef enum pod_sched_result {
    POD_SCHED_OK = 0,
    POD_SCHED_FULL = 1,   /* pending_max events are already pending */
    POD_SCHED_NOMEM = 2,  /* the pool could not grow */
} pod_sched_result;

/* Prepares an empty queue at time 0. pending_max >= 1. Returns
 * POD_SCHED_NOMEM when the first allocation fails. */
pod_sched_result pod_sched_init(pod_sched *sched, uint32_t pending_max);
void pod_sched_free(pod_sched *sched);

/* Schedules `event` (its time_ns must not be in the past; seq is assigned
 * here). On success stores a handle in *id_out when it is not NULL. */
pod_sched_result pod_sched_add(pod_sched *sched, const pod_event *event, pod_event_id *id_out);

/* The pending event behind a handle, or NULL if it ran or was cancelled. */
const pod_event *pod_sched_get(const pod_sched *sched, pod_event_id id);

/* Removes a pending event. False if it already ran or was cancelled. */
bool pod_sched_cancel(pod_sched *sched, pod_event_id id);

/* Takes the earliest event into *out and advances now_ns to its time; its
 * handle goes to *id_out when that is not NULL. False when nothing is
 * pending. */
bool pod_sched_pop(pod_sched *sched, pod_event *out, pod_event_id *id_out);

/* The time of the earliest pending event; only when pending > 0. */
uint64_t pod_sched_peek_time(const pod_sched *sched);

#endif
