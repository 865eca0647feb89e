/* cli_args.c — option parsing for `podsim run`. */
#include "sim/cli_args.h"

#include <stdio.h>
#include <string.h>

bool pod_cli_parse_u64(const char *text, uint64_t *out) {
    uint64_t base = 10;
    const char *p = text;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    if (!*p) return false;
    uint64_t v = 0;
    for (; *p; p++) {
        uint64_t d;
        if (*p >= '0' && *p <= '9') {
            d = (uint64_t)(*p - '0');
        } else if (base == 16 && *p >= 'a' && *p <= 'f') {
            d = (uint64_t)(*p - 'a' + 10);
        } else if (base == 16 && *p >= 'A' && *p <= 'F') {
            d = (uint64_t)(*p - 'A' + 10);
        } else {
            return false;
        }
        if (v > (UINT64_MAX - d) / base) return false;
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* Matches "--name VALUE" and "--name=VALUE"; advances *i past the value. */
static bool option_value(int argc, char **argv, int *i, const char *name, const char **value,
                         bool *missing) {
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0) return false;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    if (arg[n] != '\0') return false;
    if (*i + 1 >= argc) {
        *missing = true;
        return true;
    }
    *value = argv[++*i];
    return true;
}

bool pod_cli_parse_run(int argc, char **argv, pod_cli_run_args *out, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        bool missing = false;
        if (option_value(argc, argv, &i, "--seed", &value, &missing)) {
            if (missing || !pod_cli_parse_u64(value, &out->seed)) {
                snprintf(err, err_len, "--seed: expected an unsigned 64-bit integer, found '%s'",
                         missing ? "" : value);
                return false;
            }
            out->has_seed = true;
        } else if (option_value(argc, argv, &i, "--max-events", &value, &missing)) {
            if (missing || !pod_cli_parse_u64(value, &out->events_max) || out->events_max == 0) {
                snprintf(err, err_len, "--max-events: expected a positive integer, found '%s'",
                         missing ? "" : value);
                return false;
            }
        } else if (option_value(argc, argv, &i, "--trace-format", &value, &missing)) {
            if (!missing && strcmp(value, "text") == 0) {
                out->trace_format = POD_TRACE_TEXT;
            } else if (!missing && strcmp(value, "jsonl") == 0) {
                out->trace_format = POD_TRACE_JSONL;
            } else {
                snprintf(err, err_len, "--trace-format: expected text or jsonl, found '%s'",
                         missing ? "" : value);
                return false;
            }
        } else if (strcmp(arg, "--trace") == 0) {
            if (out->trace_format == POD_TRACE_NONE) out->trace_format = POD_TRACE_TEXT;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            snprintf(err, err_len,
                     "unknown option '%s'; expected --seed, --trace, --trace-format or --max-events",
                     arg);
            return false;
        } else if (out->path) {
            snprintf(err, err_len, "unexpected argument '%s'; run takes one scenario file", arg);
            return false;
        } else {
            out->path = arg;
        }
    }
    if (!out->path) {
        snprintf(err, err_len, "run: expected a scenario file, e.g. podsim run scenarios/echo.scn");
        return false;
    }
    return true;
}
