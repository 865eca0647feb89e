/* fuzz_cli_args.c — libFuzzer target for the `podsim run` option parser:
 * the input is split at NUL bytes into an argument vector. Checks that
 * parsing never crashes, that an error always comes with a message, and
 * that success always names a scenario file. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli_args.h"

#define ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *copy = malloc(size + 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[ARGS_MAX + 1];
    int argc = 0;
    for (size_t start = 0; start <= size && argc < ARGS_MAX;) {
        argv[argc++] = copy + start;
        start += strlen(copy + start) + 1;
    }
    argv[argc] = NULL;

    pod_cli_run_args args;
    char err[256] = "";
    if (pod_cli_parse_run(argc, argv, &args, err, sizeof err)) {
        assert(args.path != NULL);
        assert(args.trace_format == POD_TRACE_NONE || args.trace_format == POD_TRACE_TEXT ||
               args.trace_format == POD_TRACE_JSONL);
    } else {
        assert(err[0] != '\0');
    }
    free(copy);
    return 0;
}
