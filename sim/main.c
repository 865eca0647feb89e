/* main.c — the podsim command line.
 *
 *   podsim run FILE [--seed N] [--trace] [--trace-format=text|jsonl]
 *                   [--max-events N]
 *   podsim --help | --version
 *
 * Exit codes: 0 every invariant held; 1 an invariant was violated or a
 * budget ran out (the seed and the replay command are printed); 2 usage or
 * input error; 3 internal error (out of memory). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "nodes/registry.h"
#include "sim/cli_args.h"
#include "sim/fuzz.h"
#include "sim/swarm.h"
#include "sim/scenario.h"
#include "sim/world.h"

enum { EXIT_PASS = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

static const char usage_text[] =
    "usage: podsim run FILE [--seed N] [--swarm] [--trace] [--trace-format=text|jsonl]\n"
    "                       [--max-events N]\n"
    "       podsim fuzz [FILE] (--seeds N | --time DURATION) [-j JOBS] [--shard K/N]\n"
    "                          [--start-seed S] [--json FILE] [--no-swarm]\n"
    "       podsim --help\n"
    "       podsim --version\n"
    "\n"
    "Runs a scenario file in a deterministic simulated world and checks its\n"
    "invariants. The same scenario and seed give the same run, bit for bit.\n"
    "\n"
    "commands:\n"
    "  run FILE            run the scenario in FILE (see docs/scenarios.md)\n"
    "  fuzz [FILE]         run many seeds of FILE (default scenarios/fuzz.scn), each\n"
    "                      with its own random fault mix (swarm testing)\n"
    "\n"
    "options for run:\n"
    "  --seed N            run seed (default: the scenario's 'seed' line, else 1)\n"
    "  --trace             print one line per event (time, node, what happened)\n"
    "  --trace-format=F    text (default) or jsonl, one JSON object per line;\n"
    "                      implies --trace\n"
    "  --max-events N      stop after N events (overrides 'budget events=')\n"
    "  --swarm             add the seed's fuzz fault mix, as 'podsim fuzz' does\n"
    "\n"
    "options for fuzz:\n"
    "  --seeds N           run seeds S .. S+N-1 (S from --start-seed, default 1)\n"
    "  --time DURATION     run seeds until DURATION of wall time passed (90s, 5m)\n"
    "  -j, --jobs N        worker processes (default 1)\n"
    "  --shard K/N         run only the K-th of N slices of the seeds, so that\n"
    "                      N machines or CI jobs share one campaign\n"
    "  --json FILE         every seed's result as a JSON line (- for stdout)\n"
    "  --no-swarm          no fault mix: the scenario as written, seed by seed\n"
    "\n"
    "The last line of every run is a summary with seed=, events=, sim_time=\n"
    "and trace_hash=.\n"
    "\n"
    "exit status: 0 every invariant held (every seed, for fuzz); 1 an invariant\n"
    "was violated or a budget ran out; 2 usage or input error; 3 internal error.\n";

static int usage_error(const char *message) {
    fprintf(stderr, "podsim: %s\nTry 'podsim --help'.\n", message);
    return EXIT_USAGE;
}

static void print_summary(FILE *out, const pod_run_result *r, const char *path) {
    char when[32];
    pod_format_time(r->sim_ns, when, sizeof when);
    fprintf(out,
            "podsim: %s scenario=%s seed=%" PRIu64 " events=%" PRIu64 " sim_time=%ss"
            " trace_hash=%016" PRIx64 "\n",
            pod_verdict_name(r->verdict), path, r->seed, r->events, when, r->trace_hash);
}

static int load_scenario(const char *path, pod_scenario *scn, const pod_node_type **type_out) {
    pod_scn_error err;
    char text[512];
    if (!pod_scenario_load(scn, path, &err)) {
        pod_scn_error_format(&err, path, text, sizeof text);
        fprintf(stderr, "%s\n", text);
        return EXIT_USAGE;
    }
    const pod_node_type *type = pod_node_type_find(scn->node_type);
    if (!type) {
        err = (pod_scn_error){.line = scn->node_type_line, .col = scn->node_type_col};
        int n = snprintf(err.message, sizeof err.message, "unknown node type '%s'; expected one of",
                         scn->node_type);
        for (int i = 0; pod_node_types[i] && n > 0 && (size_t)n < sizeof err.message; i++) {
            n += snprintf(err.message + n, sizeof err.message - (size_t)n, " %s", pod_node_types[i]->name);
        }
        pod_scn_error_format(&err, path, text, sizeof text);
        fprintf(stderr, "%s\n", text);
        return EXIT_USAGE;
    }
    if (!pod_world_validate(scn, type, &err)) {
        pod_scn_error_format(&err, path, text, sizeof text);
        fprintf(stderr, "%s\n", text);
        return EXIT_USAGE;
    }
    *type_out = type;
    return EXIT_PASS;
}

static int cmd_run(int argc, char **argv) {
    pod_cli_run_args args;
    char err[256];
    if (!pod_cli_parse_run(argc, argv, &args, err, sizeof err)) {
        return usage_error(err);
    }
    pod_scenario *scn = malloc(sizeof *scn);
    if (!scn) {
        fprintf(stderr, "podsim: out of memory\n");
        return EXIT_INTERNAL;
    }
    const pod_node_type *type = NULL;
    int rc = load_scenario(args.path, scn, &type);
    if (rc != EXIT_PASS) {
        free(scn);
        return rc;
    }
    uint64_t seed = args.has_seed ? args.seed : scn->has_seed ? scn->seed : 1;
    pod_run_options opt = {
        .seed = seed,
        .node_type = type,
        .trace_format = args.trace_format,
        .trace_out = args.trace_format != POD_TRACE_NONE ? stdout : NULL,
        .events_max = args.events_max,
    };
    pod_run_result result;
    pod_verdict verdict;
    if (args.swarm) {
        char mix[96];
        verdict = pod_fuzz_run_seed(scn, type, seed, true, &result, mix, sizeof mix);
        if (opt.trace_out || verdict != POD_VERDICT_PASS) fprintf(stderr, "podsim: swarm mix: %s\n", mix);
        if (opt.trace_out) {
            /* Re-run with the trace printed: the same seed, the same run. */
            pod_scenario *mixed = malloc(sizeof *mixed);
            if (mixed && pod_swarm_apply(scn, seed, mixed, NULL)) verdict = pod_world_run(mixed, &opt, &result);
            free(mixed);
        }
    } else {
        verdict = pod_world_run(scn, &opt, &result);
    }
    free(scn);

    switch (verdict) {
    case POD_VERDICT_PASS:
        print_summary(stdout, &result, args.path);
        return EXIT_PASS;
    case POD_VERDICT_VIOLATION:
    case POD_VERDICT_BUDGET:
        fflush(stdout);
        fprintf(stderr, "podsim: %s %s: %s\n",
                verdict == POD_VERDICT_BUDGET ? "BUDGET EXHAUSTED" : "INVARIANT VIOLATED",
                result.check, result.message);
        print_summary(stdout, &result, args.path);
        pod_cli_print_replay(stdout, args.path, seed, args.swarm, args.events_max);
        return EXIT_VIOLATION;
    case POD_VERDICT_ERROR:
        break;
    }
    fprintf(stderr, "podsim: internal error: %s\n", result.message);
    return EXIT_INTERNAL;
}

static int cmd_fuzz(int argc, char **argv) {
    pod_cli_fuzz_args args;
    char err[256];
    if (!pod_cli_parse_fuzz(argc, argv, &args, err, sizeof err)) return usage_error(err);
    pod_scenario *scn = malloc(sizeof *scn);
    if (!scn) {
        fprintf(stderr, "podsim: out of memory\n");
        return EXIT_INTERNAL;
    }
    const pod_node_type *type = NULL;
    int rc = load_scenario(args.path, scn, &type);
    if (rc != EXIT_PASS) {
        free(scn);
        return rc;
    }
    FILE *json = NULL;
    if (args.json_path) {
        json = strcmp(args.json_path, "-") == 0 ? stdout : fopen(args.json_path, "w");
        if (!json) {
            fprintf(stderr, "podsim: --json: cannot write %s: %s\n", args.json_path, strerror(errno));
            free(scn);
            return EXIT_USAGE;
        }
    }
    pod_fuzz_options opt = {
        .path = args.path, .scn = scn, .type = type, .start_seed = args.start_seed,
        .seeds = args.seeds, .time_s = (double)args.time_ns * 1e-9, .jobs = args.jobs,
        .shard_index = args.shard_index, .shard_count = args.shard_count, .swarm = args.swarm,
        .json = json, .out = json == stdout ? stderr : stdout, .progress = stderr,
        .progress_tty = isatty(STDERR_FILENO) != 0,
    };
    pod_fuzz_summary sum;
    bool ok = pod_fuzz_campaign(&opt, &sum);
    if (json && json != stdout) fclose(json);
    free(scn);
    double rate = sum.wall_s > 0 ? (double)sum.seeds_run / sum.wall_s : 0;
    fprintf(opt.out,
            "podsim fuzz: %s scenario=%s seeds=%" PRIu64 " failed=%" PRIu64 " errors=%" PRIu64
            " shard=%u/%u jobs=%u wall=%.1fs seeds_per_s=%.1f\n",
            sum.failed || sum.errors || !ok ? "FAIL" : "pass", args.path, sum.seeds_run, sum.failed,
            sum.errors, args.shard_index + 1, args.shard_count, args.jobs, sum.wall_s, rate);
    if (!ok || sum.errors) return EXIT_INTERNAL;
    return sum.failed ? EXIT_VIOLATION : EXIT_PASS;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("podsim %s\n", PODSIM_VERSION);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "fuzz") == 0) return cmd_fuzz(argc - 2, argv + 2);
    char err[160];
    snprintf(err, sizeof err, "unknown command '%.64s'; expected run, fuzz, --help or --version", cmd);
    return usage_error(err);
}
