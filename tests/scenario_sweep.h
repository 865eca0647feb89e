/* scenario_sweep.h — what the scenario test files (tests/test_*_scenarios.c)
 * share: a table of scenario files with the seeds each is swept over, a
 * sweep that runs every seed and lists every failing one with its replay
 * line, the determinism check, and the check that every file of the family
 * in scenarios/ is in the table. */
#ifndef PODSIM_TESTS_SCENARIO_SWEEP_H
#define PODSIM_TESTS_SCENARIO_SWEEP_H

#include <stddef.h>
#include <stdint.h>

typedef struct sweep_case {
    const char *file;      /* under scenarios/ */
    uint32_t seeds;        /* seeds 1..seeds in a Release build */
} sweep_case;

typedef struct sweep_table {
    const char *prefix;        /* the family: every scenarios/<prefix>*.scn */
    const char *skip_prefix;   /* files of the family swept elsewhere, or NULL */
    const char *seeds_env;     /* environment variable: sweep N seeds of each instead */
    uint32_t sanitized_div;    /* under AddressSanitizer, seeds / this */
    const sweep_case *cases;
    size_t count;
} sweep_table;

/* Runs seeds 1..N of `file` (listed in t); every run must pass and reach
 * its end. Every failing seed is printed with its replay line before the
 * test fails with the count and the first. At most 1 seed in 20 may leave
 * the linearizability check undecided (sim/check_linearizability.c). */
void sweep_all_seeds(const sweep_table *t, const char *file);

/* For every listed file: the same seed twice gives the same run (also with
 * the trace printed), another seed another run, and the run does enough
 * (more than 1000 events) to be a test. */
void sweep_runs_are_functions_of_their_seeds(const sweep_table *t);

/* Every scenarios/<prefix>*.scn (but skip_prefix ones) is listed in t, and
 * every listed file exists. */
void sweep_every_file_is_listed(const sweep_table *t);

#endif
