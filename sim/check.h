/* check.h — online checkers: invariants checked while a run goes on, from
 * facts the simulator sees itself (bytes on the wire, crashes, disks) and
 * the read-only views nodes offer. A checker that fires stops the run with a
 * violation that says what was expected and what was found. */
#ifndef PODSIM_CHECK_H
#define PODSIM_CHECK_H

#include <stdint.h>

#include "sim/disk.h"
#include "sim/history.h"
#include "sim/pod_env.h"
#include "sim/scenario.h"

typedef struct pod_world pod_world;

typedef struct pod_checker {
    const char *name;
    const char *node_type; /* runs only for this node type; NULL: all */
    void *(*create)(const pod_scenario *scn);
    void (*destroy)(void *state);
    /* Every delivered message, before the receiver sees it. */
    void (*on_deliver)(void *state, pod_world *world, pod_addr from, pod_addr to,
                       const uint8_t *bytes, uint32_t len);
    /* Every message a node hands to the network, as it leaves (before the
     * network decides whether it arrives). */
    void (*on_send)(void *state, pod_world *world, uint16_t from, pod_addr to, const uint8_t *bytes,
                    uint32_t len);
    /* A crash (power loss) or exit of a node, after its disk was decided. */
    void (*on_crash)(void *state, pod_world *world, uint16_t node);
    /* A node finished `start` (rebuilt its memory from its disk) — or
     * refused to (`started` false). */
    void (*on_node_start)(void *state, pod_world *world, uint16_t node, bool started);
    /* After an event was handed to `node` (a message, a timer, a disk
     * completion, a start): its view may have changed. */
    void (*after_event)(void *state, pod_world *world, uint16_t node);
    /* A client got the answer to history operation `op`. */
    void (*on_response)(void *state, pod_world *world, const pod_history *history, uint32_t op);
    void (*at_end)(void *state, pod_world *world);
} pod_checker;

/* Reports a violation; the run stops after the current event. Only the
 * first violation of a run is kept. */
void pod_check_fail(pod_world *world, const char *checker, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports that a checker could not decide within its limits (a search
 * too costly to finish). It is not a violation — the run's verdict stands —
 * but the run's result says so (`undecided`), `podsim run` prints it and
 * `podsim fuzz` counts such seeds, so that nobody takes them for checked. */
void pod_check_undecided(pod_world *world, const char *checker, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

uint64_t pod_check_now(const pod_world *world);
uint16_t pod_check_node_count(const pod_world *world);
/* The node's read-only view; false while it is down. */
bool pod_check_node_view(const pod_world *world, uint16_t node, pod_node_view *out);
/* Up and not paused: a node that handles what reaches it. */
bool pod_check_node_live(const pod_world *world, uint16_t node);
/* No partition, isolation or block stops what `from` sends to `to`. */
bool pod_check_link_open(const pod_world *world, uint16_t from, uint16_t to);
/* The node's disk, for facts on what is durable (read-only). */
const pod_disk *pod_check_node_disk(const pod_world *world, uint16_t node);
/* The clients' history so far: every invocation, answer and timeout. */
const pod_history *pod_check_history(const pod_world *world);

/* All checkers known to the world, NULL-terminated. */
extern const pod_checker *const pod_checkers[];

#endif
