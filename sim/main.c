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

#include "nodes/registry.h"
#include "sim/cli_args.h"
#include "sim/scenario.h"
#include "sim/world.h"

enum { EXIT_PASS = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

static const char usage_text[] =
    "usage: podsim run FILE [--seed N] [--trace] [--trace-format=text|jsonl] [--max-events N]\n"
    "       podsim --help\n"
    "       podsim --version\n"
    "\n"
    "Runs a scenario file in a deterministic simulated world and checks its\n"
    "invariants. The same scenario and seed give the same run, bit for bit.\n"
    "\n"
    "commands:\n"
    "  run FILE            run the scenario in FILE (see docs/scenarios.md)\n"
    "\n"
    "options for run:\n"
    "  --seed N            run seed (default: the scenario's 'seed' line, else 1)\n"
    "  --trace             print one line per event (time, node, what happened)\n"
    "  --trace-format=F    text (default) or jsonl, one JSON object per line;\n"
    "                      implies --trace\n"
    "  --max-events N      stop after N events (overrides 'budget events=')\n"
    "\n"
    "The last line of every run is a summary with seed=, events=, sim_time=\n"
    "and trace_hash=.\n"
    "\n"
    "exit status: 0 every invariant held; 1 an invariant was violated or a\n"
    "budget ran out; 2 usage or input error; 3 internal error.\n";

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

/* Prints the one command that reproduces this run, with the options that
 * change its course; the path is quoted when the shell would split it. */
static void print_replay(FILE *out, const pod_cli_run_args *args, uint64_t seed) {
    bool plain = args->path[0] != '\0';
    for (const char *c = args->path; *c; c++) {
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+", *c)) plain = false;
    }
    fputs("replay: podsim run ", out);
    if (plain) {
        fputs(args->path, out);
    } else {
        fputc('\'', out);
        for (const char *c = args->path; *c; c++) {
            if (*c == '\'') fputs("'\\''", out); else fputc(*c, out);
        }
        fputc('\'', out);
    }
    fprintf(out, " --seed %" PRIu64, seed);
    if (args->events_max) fprintf(out, " --max-events %" PRIu64, args->events_max);
    fputs(" --trace\n", out);
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
    pod_verdict verdict = pod_world_run(scn, &opt, &result);
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
        print_replay(stdout, &args, seed);
        return EXIT_VIOLATION;
    case POD_VERDICT_ERROR:
        break;
    }
    fprintf(stderr, "podsim: internal error: %s\n", result.message);
    return EXIT_INTERNAL;
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
    char err[160];
    snprintf(err, sizeof err, "unknown command '%.64s'; expected run, --help or --version", cmd);
    return usage_error(err);
}
