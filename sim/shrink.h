/* shrink.h — from a failing seed, the smallest scenario that still fails
 * the same check: fewest fault actions, fewest operations, shortest
 * simulated time, fewest fault settings. Every bug found becomes a
 * regression scenario a person can read. */
#ifndef PODSIM_SHRINK_H
#define PODSIM_SHRINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/pod_env.h"
#include "sim/scenario.h"

#define POD_SHRINK_RUNS_MAX 5000u /* runs one shrink may spend */

typedef struct pod_shrink_stats {
    uint32_t runs;                 /* simulations tried */
    uint32_t actions_before, actions_after;
    uint64_t run_ns_before, run_ns_after;
    uint64_t events_before, events_after;
    uint64_t ops_before, ops_after;        /* client requests */
    uint32_t clients_before, clients_after;
    uint32_t faults_before, faults_after;  /* network and disk fault settings on */
    char check[64];                /* the check that fails, before and after */
    char message[512];             /* its last message */
} pod_shrink_stats;

/* Shrinks `scn` (already carrying any swarm mix: pass the mixed scenario)
 * at `seed`, in place. It must fail at first; false otherwise, with *stats
 * saying what it did instead. `log` (may be NULL) gets a line per step. */
bool pod_shrink(pod_scenario *scn, const pod_node_type *type, uint64_t seed, pod_shrink_stats *stats,
                FILE *log);

#endif
