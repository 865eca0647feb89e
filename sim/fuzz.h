/* fuzz.h — a fuzz campaign: many seeds of one scenario, each with its own
 * swarm fault mix (swarm.h), run in worker processes, each failure reported
 * with the one command that replays it. */
#ifndef PODSIM_FUZZ_H
#define PODSIM_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/pod_env.h"
#include "sim/scenario.h"
#include "sim/world.h"

#define POD_FUZZ_JOBS_MAX 64u

typedef struct pod_fuzz_options {
    const char *path;            /* the scenario file, for replay lines */
    const pod_scenario *scn;
    const pod_node_type *type;
    uint64_t start_seed;         /* seeds are start_seed, start_seed + 1, ... */
    uint64_t seeds;              /* how many (before sharding); 0 with time_s */
    double time_s;               /* > 0: run until this many wall seconds */
    uint32_t jobs;               /* worker processes, 1..POD_FUZZ_JOBS_MAX */
    uint32_t shard_index;        /* 0-based: this shard takes seeds i with */
    uint32_t shard_count;        /*   i % shard_count == shard_index */
    bool swarm;                  /* add each seed's fault mix (default on) */
    FILE *json;                  /* every seed's result as a JSON line, or NULL */
    FILE *out;                   /* failures, replay lines and the summary */
    FILE *progress;              /* progress display, or NULL */
    bool progress_tty;           /* redraw one line instead of printing lines */
} pod_fuzz_options;

typedef struct pod_fuzz_summary {
    uint64_t seeds_run;
    uint64_t failed;             /* violations and budgets */
    uint64_t errors;             /* internal errors */
    uint64_t undecided;          /* runs a checker could not decide (not failures) */
    double wall_s;
} pod_fuzz_summary;

/* One seed's run: the scenario with its swarm mix. Returns the verdict. */
pod_verdict pod_fuzz_run_seed(const pod_scenario *scn, const pod_node_type *type, uint64_t seed,
                              bool swarm, pod_run_result *result, char *mix, size_t mix_len);

/* Runs the campaign. Returns false on a setup error (message on out). */
bool pod_fuzz_campaign(const pod_fuzz_options *options, pod_fuzz_summary *summary);

#endif
