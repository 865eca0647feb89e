/* cli_args.h — parsing of the command line's options, apart from main()
 * so that tests can feed it argument vectors. */
#ifndef PODSIM_CLI_ARGS_H
#define PODSIM_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/trace.h"

typedef struct pod_cli_run_args {
    const char *path;
    bool has_seed;
    uint64_t seed;
    pod_trace_format trace_format; /* NONE unless --trace or --trace-format */
    uint64_t events_max;           /* 0: the scenario's budget */
} pod_cli_run_args;

/* Parses the arguments after `run`. On error writes "what was wrong and
 * what was expected" into err and returns false. */
bool pod_cli_parse_run(int argc, char **argv, pod_cli_run_args *out, char *err, size_t err_len);

/* Strict unsigned decimal (or 0x hex) u64; no sign, no junk, no overflow. */
bool pod_cli_parse_u64(const char *text, uint64_t *out);

#endif
