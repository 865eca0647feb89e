/* cli_args.h — parsing of the command line's options, apart from main()
 * so that tests can feed it argument vectors. */
#ifndef PODSIM_CLI_ARGS_H
#define PODSIM_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/trace.h"

typedef struct pod_cli_run_args {
    const char *path;
    bool has_seed;
    uint64_t seed;
    pod_trace_format trace_format; /* NONE unless --trace or --trace-format */
    uint64_t events_max;           /* 0: the scenario's budget */
    bool swarm;                    /* --swarm: add the seed's fuzz fault mix */
    bool check_determinism;        /* --check-determinism: run twice, compare */
    bool print_scenario;           /* --print-scenario: print it (mixed), do not run */
    const char *history_path;      /* --history FILE: write the clients' history (JSON lines) */
    pod_trace_filter filter;       /* --trace-node/-from/-to/-kind */
    bool filtered;                 /* any of those given */
} pod_cli_run_args;

/* Parses the arguments after `run`. On error writes "what was wrong and
 * what was expected" into err and returns false. */
bool pod_cli_parse_run(int argc, char **argv, pod_cli_run_args *out, char *err, size_t err_len);

typedef struct pod_cli_fuzz_args {
    const char *path;              /* default: scenarios/fuzz.scn */
    uint64_t seeds;                /* --seeds N */
    uint64_t time_ns;              /* --time D */
    uint64_t start_seed;           /* --start-seed S, default 1 */
    uint32_t jobs;                 /* -j N / --jobs N, default 1 */
    uint32_t shard_index;          /* --shard K/N: K-1 */
    uint32_t shard_count;          /*   N (default 1/1) */
    const char *json_path;         /* --json FILE ('-': stdout) */
    bool swarm;                    /* on unless --no-swarm */
} pod_cli_fuzz_args;

/* Parses the arguments after `fuzz`. */
bool pod_cli_parse_fuzz(int argc, char **argv, pod_cli_fuzz_args *out, char *err, size_t err_len);

typedef struct pod_cli_shrink_args {
    const char *path;
    uint64_t seed;                 /* --seed N: required */
    bool swarm;                    /* --swarm: the seed's fuzz fault mix first */
    const char *output;            /* -o FILE; default: NAME-shrunk-seedN.scn */
} pod_cli_shrink_args;

/* Parses the arguments after `shrink`. */
bool pod_cli_parse_shrink(int argc, char **argv, pod_cli_shrink_args *out, char *err, size_t err_len);

/* Prints "replay: podsim run PATH --seed N [--swarm] [--max-events N]
 * --trace", quoting the path when a shell would split it. */
void pod_cli_print_replay(FILE *out, const char *path, uint64_t seed, bool swarm, uint64_t events_max);

/* Strict unsigned decimal (or 0x hex) u64; no sign, no junk, no overflow. */
bool pod_cli_parse_u64(const char *text, uint64_t *out);

#endif
