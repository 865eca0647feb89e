/* cli_args.c — option parsing for `podsim run`. */
#include "sim/cli_args.h"

#include "sim/scenario.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void pod_cli_print_replay(FILE *out, const char *path, uint64_t seed, bool swarm, uint64_t events_max) {
    bool plain = path[0] != '\0';
    for (const char *c = path; *c; c++) {
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+", *c)) plain = false;
    }
    fputs("replay: podsim run ", out);
    if (plain) {
        fputs(path, out);
    } else {
        fputc('\'', out);
        for (const char *c = path; *c; c++) {
            if (*c == '\'') fputs("'\\''", out); else fputc(*c, out);
        }
        fputc('\'', out);
    }
    fprintf(out, " --seed %" PRIu64 "%s", seed, swarm ? " --swarm" : "");
    if (events_max) fprintf(out, " --max-events %" PRIu64, events_max);
    fputs(" --trace\n", out);
}

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

/* "n1,n3,world" into the filter's node set. */
static bool parse_trace_nodes(const char *text, pod_trace_filter *f) {
    char buf[512];
    if (strlen(text) >= sizeof buf || !*text) return false;
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t n;
        if (strcmp(tok, "world") == 0) {
            f->nodes[POD_TRACE_FILTER_NODES - 1] = true;
        } else if (tok[0] == 'n' && pod_cli_parse_u64(tok + 1, &n) && n >= 1 && n < POD_TRACE_FILTER_NODES &&
                   tok[1] != '0') {
            f->nodes[n - 1] = true;
        } else {
            return false;
        }
    }
    f->by_node = true;
    return true;
}

/* "send,deliver,node-crash" into the filter's kind set. */
static bool parse_trace_kinds(const char *text, pod_trace_filter *f, char *bad, size_t bad_len) {
    char buf[512];
    if (strlen(text) >= sizeof buf || !*text) return false;
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        bool known = false;
        for (int k = 1; k < POD_TR_KIND_COUNT; k++) {
            if (strcmp(tok, pod_trace_kind_name((pod_trace_kind)k)) == 0) {
                f->kinds[k] = true;
                known = true;
            }
        }
        if (!known) {
            snprintf(bad, bad_len, "%s", tok);
            return false;
        }
    }
    f->by_kind = true;
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
        } else if (option_value(argc, argv, &i, "--history", &value, &missing)) {
            if (missing || !*value) {
                snprintf(err, err_len, "--history: expected a file to write the clients' history to");
                return false;
            }
            out->history_path = value;
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
        } else if (option_value(argc, argv, &i, "--trace-node", &value, &missing)) {
            if (missing || !parse_trace_nodes(value, &out->filter)) {
                snprintf(err, err_len, "--trace-node: expected node names like n1,n3 (or world), found '%s'",
                         missing ? "" : value);
                return false;
            }
            out->filtered = true;
        } else if (option_value(argc, argv, &i, "--trace-from", &value, &missing) ||
                   option_value(argc, argv, &i, "--trace-to", &value, &missing)) {
            bool from = strncmp(arg, "--trace-from", 12) == 0;
            uint64_t *ns = from ? &out->filter.from_ns : &out->filter.to_ns;
            if (missing || !pod_parse_duration(value, strlen(value), ns)) {
                snprintf(err, err_len, "%s: expected a simulated time such as 2s or 1500ms, found '%s'",
                         from ? "--trace-from" : "--trace-to", missing ? "" : value);
                return false;
            }
            out->filtered = true;
        } else if (option_value(argc, argv, &i, "--trace-kind", &value, &missing)) {
            char bad[64] = "";
            if (missing || !parse_trace_kinds(value, &out->filter, bad, sizeof bad)) {
                snprintf(err, err_len,
                         "--trace-kind: unknown kind '%s'; expected a comma-separated list of: send, "
                         "deliver, drop, duplicate, timer-set, timer-fire, timer-cancel, node-start, "
                         "node-crash, node-pause, node-resume, partition, isolate, block, heal, "
                         "disk-op, disk-done, note",
                         missing ? "" : bad[0] ? bad : value);
                return false;
            }
            out->filtered = true;
        } else if (strcmp(arg, "--print-scenario") == 0) {
            out->print_scenario = true;
        } else if (strcmp(arg, "--check-determinism") == 0) {
            out->check_determinism = true;
        } else if (strcmp(arg, "--swarm") == 0) {
            out->swarm = true;
        } else if (strcmp(arg, "--trace") == 0) {
            if (out->trace_format == POD_TRACE_NONE) out->trace_format = POD_TRACE_TEXT;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            snprintf(err, err_len,
                     "unknown option '%s'; expected --seed, --swarm, --trace, --trace-format, "
                     "--trace-node, --trace-from, --trace-to, --trace-kind, --max-events, "
                     "--history, --check-determinism or --print-scenario",
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
        snprintf(err, err_len, "run: expected a scenario file, e.g. podsim run scenarios/quickstart.scn");
        return false;
    }
    if (out->filtered && out->trace_format == POD_TRACE_NONE) out->trace_format = POD_TRACE_TEXT;
    if (out->filter.to_ns && out->filter.to_ns < out->filter.from_ns) {
        snprintf(err, err_len, "--trace-to is before --trace-from");
        return false;
    }
    return true;
}

/* "K/N" with 1 <= K <= N <= 1,000,000. */
static bool parse_shard(const char *text, uint32_t *index, uint32_t *count) {
    const char *slash = strchr(text, '/');
    if (!slash || slash == text || slash[1] == '\0') return false;
    char k_text[24], n_text[24];
    size_t k_len = (size_t)(slash - text);
    if (k_len >= sizeof k_text || strlen(slash + 1) >= sizeof n_text) return false;
    memcpy(k_text, text, k_len);
    k_text[k_len] = '\0';
    snprintf(n_text, sizeof n_text, "%s", slash + 1);
    uint64_t k, n;
    if (!pod_cli_parse_u64(k_text, &k) || !pod_cli_parse_u64(n_text, &n)) return false;
    if (k < 1 || n < 1 || k > n || n > 1000000) return false;
    *index = (uint32_t)(k - 1);
    *count = (uint32_t)n;
    return true;
}

bool pod_cli_parse_fuzz(int argc, char **argv, pod_cli_fuzz_args *out, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    out->start_seed = 1;
    out->jobs = 1;
    out->shard_count = 1;
    out->swarm = true;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = NULL;
        bool missing = false;
        uint64_t n = 0;
        if (option_value(argc, argv, &i, "--seeds", &value, &missing)) {
            if (missing || !pod_cli_parse_u64(value, &out->seeds) || out->seeds == 0) {
                snprintf(err, err_len, "--seeds: expected a positive integer, found '%s'", missing ? "" : value);
                return false;
            }
        } else if (option_value(argc, argv, &i, "--time", &value, &missing)) {
            if (missing || !pod_parse_duration(value, strlen(value), &out->time_ns) || out->time_ns == 0) {
                snprintf(err, err_len, "--time: expected a duration such as 90s or 5m, found '%s'",
                         missing ? "" : value);
                return false;
            }
        } else if (option_value(argc, argv, &i, "--start-seed", &value, &missing)) {
            if (missing || !pod_cli_parse_u64(value, &out->start_seed)) {
                snprintf(err, err_len, "--start-seed: expected an unsigned 64-bit integer, found '%s'",
                         missing ? "" : value);
                return false;
            }
        } else if (option_value(argc, argv, &i, "--jobs", &value, &missing) ||
                   option_value(argc, argv, &i, "-j", &value, &missing)) {
            if (missing || !pod_cli_parse_u64(value, &n) || n < 1 || n > 64) {
                snprintf(err, err_len, "-j: expected a number of worker processes in 1..64, found '%s'",
                         missing ? "" : value);
                return false;
            }
            out->jobs = (uint32_t)n;
        } else if (option_value(argc, argv, &i, "--shard", &value, &missing)) {
            if (missing || !parse_shard(value, &out->shard_index, &out->shard_count)) {
                snprintf(err, err_len, "--shard: expected K/N with 1 <= K <= N, e.g. 2/8, found '%s'",
                         missing ? "" : value);
                return false;
            }
        } else if (option_value(argc, argv, &i, "--json", &value, &missing)) {
            if (missing || !*value) {
                snprintf(err, err_len, "--json: expected a file name, or - for standard output");
                return false;
            }
            out->json_path = value;
        } else if (strcmp(arg, "--no-swarm") == 0) {
            out->swarm = false;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            snprintf(err, err_len,
                     "unknown option '%s'; expected --seeds, --time, -j, --shard, --start-seed, "
                     "--json or --no-swarm",
                     arg);
            return false;
        } else if (out->path) {
            snprintf(err, err_len, "unexpected argument '%s'; fuzz takes one scenario file", arg);
            return false;
        } else {
            out->path = arg;
        }
    }
    if ((out->seeds == 0) == (out->time_ns == 0)) {
        snprintf(err, err_len, "fuzz: expected exactly one of --seeds N or --time DURATION");
        return false;
    }
    if (!out->path) out->path = "scenarios/fuzz.scn";
    return true;
}

bool pod_cli_parse_shrink(int argc, char **argv, pod_cli_shrink_args *out, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    bool has_seed = false;
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
            has_seed = true;
        } else if (option_value(argc, argv, &i, "--output", &value, &missing) ||
                   option_value(argc, argv, &i, "-o", &value, &missing)) {
            if (missing || !*value) {
                snprintf(err, err_len, "-o: expected a file name for the shrunk scenario");
                return false;
            }
            out->output = value;
        } else if (strcmp(arg, "--swarm") == 0) {
            out->swarm = true;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            snprintf(err, err_len, "unknown option '%s'; expected --seed, --swarm or -o", arg);
            return false;
        } else if (out->path) {
            snprintf(err, err_len, "unexpected argument '%s'; shrink takes one scenario file", arg);
            return false;
        } else {
            out->path = arg;
        }
    }
    if (!out->path) {
        snprintf(err, err_len, "shrink: expected a scenario file and --seed N, "
                               "e.g. podsim shrink scenarios/fuzz.scn --seed 42 --swarm");
        return false;
    }
    if (!has_seed) {
        snprintf(err, err_len, "shrink: expected --seed N, the failing seed to shrink");
        return false;
    }
    return true;
}
