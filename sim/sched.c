/* sched.c — 4-ary min-heap over (time, seq), with a slot pool so that a
 * handle can find and cancel its event in O(log n). */
#include "sim/sched.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define POD_SLOT_FREE UINT32_MAX
#define POD_SCHED_INITIAL_CAPACITY 1024u

static inline bool entry_before(const pod_heap_entry *x, const pod_heap_entry *y) {
    if (x->time_ns != y->time_ns) return x->time_ns < y->time_ns;
    return x->seq < y->seq;
}

static inline void heap_place(pod_sched *sched, uint32_t pos, pod_heap_entry entry) {
    sched->heap[pos] = entry;
    sched->slots[entry.slot].heap_pos = pos;
}

/* A 4-ary heap: half the depth of a binary one, and the four children of a
 * node share a cache line or two, which is what pop (the hot path) reads. */
#define POD_HEAP_ARITY 4u

static void sift_up(pod_sched *sched, uint32_t pos) {
    pod_heap_entry moving = sched->heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1) / POD_HEAP_ARITY;
        if (!entry_before(&moving, &sched->heap[parent])) break;
        heap_place(sched, pos, sched->heap[parent]);
        pos = parent;
    }
    heap_place(sched, pos, moving);
}

static void sift_down(pod_sched *sched, uint32_t pos) {
    pod_heap_entry moving = sched->heap[pos];
    uint32_t const n = sched->pending;
    for (;;) {
        uint32_t first = POD_HEAP_ARITY * pos + 1;
        if (first >= n) break;
        uint32_t last = first + POD_HEAP_ARITY < n ? first + POD_HEAP_ARITY : n;
        uint32_t child = first;
        for (uint32_t c = first + 1; c < last; c++) {
            if (entry_before(&sched->heap[c], &sched->heap[child])) child = c;
        }
        if (!entry_before(&sched->heap[child], &moving)) break;
        heap_place(sched, pos, sched->heap[child]);
        pos = child;
    }
    heap_place(sched, pos, moving);
}

/* Doubles the pool, up to pending_max. Amortised: never on the steady state. */
static pod_sched_result grow(pod_sched *sched) {
    uint32_t want = sched->capacity ? sched->capacity * 2 : POD_SCHED_INITIAL_CAPACITY;
    if (want > sched->pending_max || want < sched->capacity) want = sched->pending_max;
    if (want <= sched->capacity) return POD_SCHED_FULL;

    pod_heap_entry *heap = realloc(sched->heap, (size_t)want * sizeof *heap);
    if (!heap) return POD_SCHED_NOMEM;
    sched->heap = heap;
    pod_event_slot *slots = realloc(sched->slots, (size_t)want * sizeof *slots);
    if (!slots) return POD_SCHED_NOMEM;
    sched->slots = slots;

    /* Thread the new slots onto the free list, lowest index first. */
    memset(&slots[sched->capacity], 0, (size_t)(want - sched->capacity) * sizeof *slots);
    for (uint32_t i = want; i-- > sched->capacity;) {
        slots[i].heap_pos = POD_SLOT_FREE;
        slots[i].generation = 1;
        slots[i].next_free = sched->free_head;
        sched->free_head = i;
    }
    sched->capacity = want;
    return POD_SCHED_OK;
}

pod_sched_result pod_sched_init(pod_sched *sched, uint32_t pending_max) {
    assert(pending_max >= 1);
    memset(sched, 0, sizeof *sched);
    sched->pending_max = pending_max;
    sched->free_head = POD_SLOT_NONE;
    return grow(sched) == POD_SCHED_NOMEM ? POD_SCHED_NOMEM : POD_SCHED_OK;
}

void pod_sched_free(pod_sched *sched) {
    free(sched->heap);
    free(sched->slots);
    memset(sched, 0, sizeof *sched);
}

pod_sched_result pod_sched_add(pod_sched *sched, const pod_event *event, pod_event_id *id_out) {
    assert(event->time_ns >= sched->now_ns);
    if (sched->pending >= sched->pending_max) return POD_SCHED_FULL;
    if (sched->free_head == POD_SLOT_NONE) {
        pod_sched_result r = grow(sched);
        if (r != POD_SCHED_OK) return r;
    }
    uint32_t slot = sched->free_head;
    pod_event_slot *s = &sched->slots[slot];
    sched->free_head = s->next_free;

    s->event = *event;
    s->event.seq = sched->next_seq++;
    uint32_t pos = sched->pending++;
    sched->heap[pos] = (pod_heap_entry){.time_ns = event->time_ns, .seq = s->event.seq, .slot = slot};
    s->heap_pos = pos;
    sift_up(sched, pos);
    if (id_out) *id_out = ((uint64_t)s->generation << 32) | slot;
    return POD_SCHED_OK;
}

static void release_slot(pod_sched *sched, uint32_t slot) {
    pod_event_slot *s = &sched->slots[slot];
    s->heap_pos = POD_SLOT_FREE;
    s->generation++;
    if (s->generation == 0) s->generation = 1; /* handles are never 0 */
    s->next_free = sched->free_head;
    sched->free_head = slot;
}

/* Removes the heap entry at `pos`, restoring the heap property. */
static void heap_remove(pod_sched *sched, uint32_t pos) {
    assert(pos < sched->pending);
    uint32_t last = --sched->pending;
    if (pos == last) return;
    pod_heap_entry moved = sched->heap[last];
    heap_place(sched, pos, moved);
    if (pos > 0 && entry_before(&moved, &sched->heap[(pos - 1) / POD_HEAP_ARITY])) {
        sift_up(sched, pos);
    } else {
        sift_down(sched, pos);
    }
}

const pod_event *pod_sched_get(const pod_sched *sched, pod_event_id id) {
    uint32_t slot = (uint32_t)id;
    uint32_t generation = (uint32_t)(id >> 32);
    if (id == 0 || slot >= sched->capacity) return NULL;
    const pod_event_slot *s = &sched->slots[slot];
    if (s->generation != generation || s->heap_pos == POD_SLOT_FREE) return NULL;
    return &s->event;
}

bool pod_sched_cancel(pod_sched *sched, pod_event_id id) {
    uint32_t slot = (uint32_t)id;
    uint32_t generation = (uint32_t)(id >> 32);
    if (id == 0 || slot >= sched->capacity) return false;
    pod_event_slot *s = &sched->slots[slot];
    if (s->generation != generation || s->heap_pos == POD_SLOT_FREE) return false;
    heap_remove(sched, s->heap_pos);
    release_slot(sched, slot);
    return true;
}

bool pod_sched_pop(pod_sched *sched, pod_event *out, pod_event_id *id_out) {
    if (sched->pending == 0) return false;
    uint32_t slot = sched->heap[0].slot;
    *out = sched->slots[slot].event;
    if (id_out) *id_out = ((uint64_t)sched->slots[slot].generation << 32) | slot;
    heap_remove(sched, 0);
    release_slot(sched, slot);
    assert(out->time_ns >= sched->now_ns);
    sched->now_ns = out->time_ns;
    return true;
}

uint64_t pod_sched_peek_time(const pod_sched *sched) {
    assert(sched->pending > 0);
    return sched->heap[0].time_ns;
}
