/* world.h — one simulated run: the scheduler, the nodes behind pod_env.h,
 * the network, the faults of the scenario and the checkers.
 *
 * A run is a pure function of (scenario, node type, seed): same inputs,
 * same trace hash. */
#ifndef PODSIM_WORLD_H
#define PODSIM_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/pod_env.h"
#include "sim/scenario.h"
#include "sim/trace.h"

typedef enum pod_verdict {
    POD_VERDICT_PASS = 0,      /* every invariant and expectation held */
    POD_VERDICT_VIOLATION = 1, /* a checker fired or an expectation failed */
    POD_VERDICT_BUDGET = 2,    /* the run hit its event or pending budget */
    POD_VERDICT_ERROR = 3,     /* the run could not be set up (out of memory) */
} pod_verdict;

typedef struct pod_run_options {
    uint64_t seed;
    const pod_node_type *node_type;
    pod_trace_format trace_format;
    FILE *trace_out;               /* NULL: no printed trace */
    uint64_t events_max;           /* 0: the scenario's budget */
    const pod_trace_filter *trace_filter; /* which records to print; NULL: all */
    pod_trace_compare *compare;    /* record-by-record hashes, or NULL */
    FILE *history_out;             /* the clients' history as JSON lines at the end, or NULL */
} pod_run_options;

typedef struct pod_run_result {
    pod_verdict verdict;
    uint64_t seed;
    uint64_t events;               /* events dispatched */
    uint64_t sim_ns;               /* simulated time reached */
    uint64_t trace_hash;
    uint64_t trace_records;
    uint64_t client_ops;           /* requests the simulated clients sent */
    char check[64];                /* the checker or expectation that failed */
    char message[512];             /* what was expected and what was found */
    char undecided[256];           /* a checker that could not decide within its limits, or "" */
    bool history_failed;           /* history_out given and writing it failed: see history_error */
    char history_error[128];
} pod_run_result;

/* Checks what the parser cannot: the node type exists and accepts the
 * params, every expected counter exists. On failure fills *err with the
 * line and column of the culprit. */
bool pod_world_validate(const pod_scenario *scn, const pod_node_type *type, pod_scn_error *err);

/* Runs the scenario to its end, the first violation, or a budget. */
pod_verdict pod_world_run(const pod_scenario *scn, const pod_run_options *options,
                          pod_run_result *result);

const char *pod_verdict_name(pod_verdict verdict);

#endif
