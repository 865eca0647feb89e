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
#include "sim/cmd_check_history.h"
#include "sim/fuzz.h"
#include "sim/scenario_write.h"
#include "sim/shrink.h"
#include "sim/swarm.h"
#include "sim/scenario.h"
#include "sim/world.h"

enum { EXIT_PASS = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

static const char usage_text[] =
    "usage: podsim run FILE [--seed N] [--swarm] [--trace] [--trace-format=text|jsonl]\n"
    "                       [--max-events N] [--history FILE]\n"
    "       podsim fuzz [FILE] (--seeds N | --time DURATION) [-j JOBS] [--shard K/N]\n"
    "                          [--start-seed S] [--json FILE] [--no-swarm]\n"
    "       podsim shrink FILE --seed N [--swarm] [-o OUT]\n"
    "       podsim check-history FILE [--max-steps N] [--max-ops N] [--max-cache-mb N]\n"
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
    "  check-history FILE  is a client history (JSON lines) linearizable?\n"
    "  shrink FILE         from a failing seed, write the smallest scenario that\n"
    "                      still fails the same check (fewest faults, operations,\n"
    "                      shortest time)\n"
    "\n"
    "options for run:\n"
    "  --seed N            run seed (default: the scenario's 'seed' line, else 1)\n"
    "  --trace             print one line per event (time, node, what happened)\n"
    "  --trace-format=F    text (default) or jsonl, one JSON object per line;\n"
    "                      implies --trace\n"
    "  --max-events N      stop after N events (overrides 'budget events=')\n"
    "  --history FILE      write the clients' history as JSON lines to FILE, for\n"
    "                      'podsim check-history' (docs/history-format.md)\n"
    "  --swarm             add the seed's fuzz fault mix, as 'podsim fuzz' does\n"
    "  --trace-node LIST   print only records of these nodes (n1,n3,world)\n"
    "  --trace-from TIME   print only records at or after this simulated time\n"
    "  --trace-to TIME     ... and at or before this one\n"
    "  --trace-kind LIST   print only these kinds (send,deliver,node-crash,...)\n"
    "                      (the first violation is always printed, marked >>>)\n"
    "  --print-scenario    print the scenario (with --swarm: with the seed's fault\n"
    "                      mix) as scenario text, and do not run it\n"
    "  --check-determinism run the seed twice and report the first record where\n"
    "                      the runs differ (exit 1), or that they are identical\n"
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
    if (r->undecided[0]) fprintf(out, "podsim: note: %s\n", r->undecided);
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

/* Runs the seed twice, record by record, and reports the first record where
 * the two runs differ — the determinism promise, checked. */
static int check_determinism(const pod_scenario *scn, const pod_node_type *type, uint64_t seed,
                             const pod_cli_run_args *args) {
    pod_trace_compare *first = calloc(1, sizeof *first), *second = calloc(1, sizeof *second);
    if (!first || !second) {
        free(first);
        free(second);
        fprintf(stderr, "podsim: out of memory\n");
        return EXIT_INTERNAL;
    }
    pod_run_options opt = {.seed = seed, .node_type = type, .events_max = args->events_max,
                           .compare = first};
    pod_run_result a, b;
    pod_world_run(scn, &opt, &a);
    second->reference = first->hashes;
    second->reference_count = first->count;
    opt.compare = second;
    pod_world_run(scn, &opt, &b);
    if (!second->diverged && a.trace_records != b.trace_records) {
        second->diverged = true; /* the second run ended early */
        second->diverged_at = b.trace_records;
        snprintf(second->diverged_text, sizeof second->diverged_text, "(the run ended here)");
    }
    int rc = EXIT_PASS;
    if (!second->diverged && a.trace_hash == b.trace_hash) {
        printf("podsim: deterministic: two runs of seed %" PRIu64 " gave the same %" PRIu64
               " records, trace_hash=%016" PRIx64 "\n",
               seed, a.trace_records, a.trace_hash);
    } else {
        /* Run once more to show what the first run had at that record. */
        pod_trace_compare *third = calloc(1, sizeof *third);
        if (third) {
            third->capture = true;
            third->capture_at = second->diverged_at;
            snprintf(third->captured_text, sizeof third->captured_text, "(the run ended before it)");
            opt.compare = third;
            pod_run_result c;
            pod_world_run(scn, &opt, &c);
        }
        printf("podsim: NOT DETERMINISTIC: seed %" PRIu64 " diverged at record %" PRIu64 "\n"
               "  run 1 (as a third run had it): %s\n  run 2: %s\n"
               "  trace_hash run 1=%016" PRIx64 " run 2=%016" PRIx64 "\n",
               seed, second->diverged_at, third ? third->captured_text : "?", second->diverged_text,
               a.trace_hash, b.trace_hash);
        free(third);
        rc = EXIT_VIOLATION;
    }
    free(first->hashes);
    free(first);
    free(second);
    return rc;
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
    /* With --swarm the seed's fault mix is added first, as `podsim fuzz` does. */
    if (args.swarm) {
        pod_scenario *mixed = malloc(sizeof *mixed);
        pod_swarm_mix mix;
        if (!mixed || !pod_swarm_apply(scn, seed, mixed, &mix)) {
            fprintf(stderr, "podsim: --swarm: the seed's fault mix does not fit this scenario\n");
            free(mixed);
            free(scn);
            return EXIT_INTERNAL;
        }
        char text[96];
        pod_swarm_describe(&mix, text, sizeof text);
        fprintf(stderr, "podsim: swarm mix of seed %" PRIu64 ": %s\n", seed, text);
        free(scn);
        scn = mixed;
    }
    if (args.print_scenario) {
        char header[256];
        snprintf(header, sizeof header, "%s%s, seed %" PRIu64, args.path, args.swarm ? " with the swarm mix" : "", seed);
        char *text = malloc(POD_SCN_WRITE_SIZE_MAX);
        size_t len = 0;
        bool ok = text && pod_scenario_write(scn, header, text, POD_SCN_WRITE_SIZE_MAX, &len);
        if (ok) fwrite(text, 1, len, stdout);
        free(text);
        free(scn);
        return ok ? EXIT_PASS : EXIT_INTERNAL;
    }
    if (args.check_determinism) {
        int drc = check_determinism(scn, type, seed, &args);
        free(scn);
        return drc;
    }
    FILE *history = NULL;
    if (args.history_path) {
        history = fopen(args.history_path, "w");
        if (!history) {
            fprintf(stderr, "podsim: --history: cannot write '%s': %s\n", args.history_path, strerror(errno));
            free(scn);
            return EXIT_USAGE;
        }
    }
    pod_run_options opt = {
        .seed = seed,
        .node_type = type,
        .trace_format = args.trace_format,
        .trace_out = args.trace_format != POD_TRACE_NONE ? stdout : NULL,
        .events_max = args.events_max,
        .trace_filter = args.filtered ? &args.filter : NULL,
        .history_out = history,
    };
    pod_run_result result;
    pod_verdict verdict = pod_world_run(scn, &opt, &result);
    free(scn);
    if (history && fclose(history) != 0 && !result.history_failed) {
        result.history_failed = true;
        snprintf(result.history_error, sizeof result.history_error, "%s", strerror(errno));
    }
    if (result.history_failed) {
        fprintf(stderr, "podsim: --history: writing '%s' failed: %s\n", args.history_path, result.history_error);
        if (verdict == POD_VERDICT_PASS) verdict = POD_VERDICT_ERROR;
        snprintf(result.message, sizeof result.message, "the history file could not be written");
    }

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

static int cmd_shrink(int argc, char **argv) {
    pod_cli_shrink_args args;
    char err[256];
    if (!pod_cli_parse_shrink(argc, argv, &args, err, sizeof err)) return usage_error(err);
    pod_scenario *base = malloc(sizeof *base);
    pod_scenario *scn = malloc(sizeof *scn);
    if (!base || !scn) {
        free(base);
        free(scn);
        fprintf(stderr, "podsim: out of memory\n");
        return EXIT_INTERNAL;
    }
    const pod_node_type *type = NULL;
    int rc = load_scenario(args.path, base, &type);
    if (rc == EXIT_PASS && args.swarm && !pod_swarm_apply(base, args.seed, scn, NULL)) rc = EXIT_INTERNAL;
    if (rc == EXIT_PASS && !args.swarm) memcpy(scn, base, sizeof *scn);
    free(base);
    if (rc != EXIT_PASS) {
        free(scn);
        return rc;
    }
    /* The shrunk file replays without --seed or --swarm: the seed goes in. */
    scn->has_seed = true;
    scn->seed = args.seed;
    pod_shrink_stats st;
    if (!pod_shrink(scn, type, args.seed, &st, stderr)) {
        fprintf(stderr, "podsim: shrink: seed %" PRIu64 "%s of %s does not fail (verdict: %s); nothing to shrink\n",
                args.seed, args.swarm ? " with --swarm" : "", args.path, st.check[0] ? st.check : "pass");
        free(scn);
        return EXIT_USAGE;
    }
    char out_path[512];
    if (args.output) {
        snprintf(out_path, sizeof out_path, "%s", args.output);
    } else {
        const char *base_name = strrchr(args.path, '/') ? strrchr(args.path, '/') + 1 : args.path;
        int n = (int)strcspn(base_name, ".");
        snprintf(out_path, sizeof out_path, "%.*s-shrunk-seed%" PRIu64 ".scn", n, base_name, args.seed);
    }
    char header[2048], werr[256];
    snprintf(header, sizeof header,
             "Shrunk by: podsim shrink %s --seed %" PRIu64 "%s\n"
             "Fails: %s: %s\n"
             "From %u actions, %" PRIu64 " ms, %u clients, %" PRIu64 " requests, %u fault settings\n"
             "to   %u actions, %" PRIu64 " ms, %u clients, %" PRIu64 " requests, %u fault settings\n"
             "(%u runs). Replay: podsim run %s --trace",
             args.path, args.seed, args.swarm ? " --swarm" : "", st.check, st.message, st.actions_before,
             st.run_ns_before / 1000000, st.clients_before, st.ops_before, st.faults_before, st.actions_after,
             st.run_ns_after / 1000000, st.clients_after, st.ops_after, st.faults_after, st.runs, out_path);
    bool written = pod_scenario_write_file(scn, header, out_path, werr, sizeof werr);
    free(scn);
    if (!written) {
        fprintf(stderr, "podsim: shrink: %s\n", werr);
        return EXIT_INTERNAL;
    }
    printf("podsim shrink: %s fails %s\n"
           "  actions  %u -> %u\n  run      %" PRIu64 " ms -> %" PRIu64 " ms\n"
           "  clients  %u -> %u\n  requests %" PRIu64 " -> %" PRIu64 "\n  events   %" PRIu64 " -> %" PRIu64 "\n"
           "  faults   %u -> %u settings\n  (%u runs)\n"
           "replay: podsim run %s --trace\n",
           out_path, st.check, st.actions_before, st.actions_after, st.run_ns_before / 1000000,
           st.run_ns_after / 1000000, st.clients_before, st.clients_after, st.ops_before, st.ops_after,
           st.events_before, st.events_after, st.faults_before, st.faults_after, st.runs, out_path);
    return EXIT_PASS;
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
            " undecided=%" PRIu64 " shard=%u/%u jobs=%u wall=%.1fs seeds_per_s=%.1f\n",
            sum.failed || sum.errors || !ok ? "FAIL" : "pass", args.path, sum.seeds_run, sum.failed,
            sum.errors, sum.undecided, args.shard_index + 1, args.shard_count, args.jobs, sum.wall_s, rate);
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
    if (strcmp(cmd, "shrink") == 0) return cmd_shrink(argc - 2, argv + 2);
    if (strcmp(cmd, "check-history") == 0) return pod_cmd_check_history(argc - 2, argv + 2);
    char err[160];
    snprintf(err, sizeof err, "unknown command '%.64s'; expected run, fuzz, shrink, check-history, --help or --version", cmd);
    return usage_error(err);
}
