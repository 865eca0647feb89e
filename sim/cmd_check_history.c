/* cmd_check_history.c — `podsim check-history FILE [options]`: reads a
 * history in JSON lines and checks it for linearizability, offline, with
 * the same checker the `linearizability` invariant runs online. */
#include "sim/cmd_check_history.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli_args.h"
#include "sim/history_json.h"
#include "sim/linearizability.h"

enum { CH_LINEARIZABLE = 0, CH_NOT_LINEARIZABLE = 1, CH_USAGE = 2, CH_UNKNOWN = 3 };

static const char check_history_usage[] =
    "usage: podsim check-history FILE [--max-steps N] [--max-ops N] [--max-cache-mb N]\n"
    "\n"
    "Checks that the client history in FILE (JSON lines: docs/history-format.md)\n"
    "is linearizable against a sequential key-value store.\n"
    "\n"
    "options:\n"
    "  --max-steps N     model steps the search may spend, all keys together\n"
    "                    (default 20000000)\n"
    "  --max-ops N       operations in one component of keys (default 65536)\n"
    "  --max-cache-mb N  visited-state cache of one component, MiB (default 256)\n"
    "\n"
    "exit status: 0 linearizable; 1 not linearizable (the operations that cannot\n"
    "be ordered are printed); 2 usage error or bad input; 3 undecided (a limit was\n"
    "reached: raise it) or internal error.\n";

static int ch_usage_error(const char *message) {
    fprintf(stderr, "podsim check-history: %s\nTry 'podsim check-history --help'.\n", message);
    return CH_USAGE;
}

/* The value of option argv[*i] into *out (at least 1). */
static int ch_option_u64(int argc, char **argv, int *i, uint64_t *out) {
    const char *name = argv[*i];
    if (*i + 1 >= argc) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s: expected a number after it", name);
        return ch_usage_error(msg);
    }
    const char *text = argv[++*i];
    if (!pod_cli_parse_u64(text, out) || *out == 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s: expected a positive integer, found '%.64s'", name, text);
        return ch_usage_error(msg);
    }
    return CH_LINEARIZABLE;
}

typedef struct ch_args {
    const char *path;
    pod_lin_limits limits;
    bool help;
} ch_args;

static int ch_parse_args(int argc, char **argv, ch_args *a) {
    pod_lin_limits_default(&a->limits);
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        uint64_t v = 0;
        int rc = CH_LINEARIZABLE;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->help = true;
        } else if (strcmp(arg, "--max-steps") == 0) {
            rc = ch_option_u64(argc, argv, &i, &v);
            a->limits.steps_max = v;
        } else if (strcmp(arg, "--max-ops") == 0) {
            rc = ch_option_u64(argc, argv, &i, &v);
            if (rc == CH_LINEARIZABLE && v > UINT32_MAX) rc = ch_usage_error("--max-ops: at most 4294967295");
            a->limits.component_ops_max = (uint32_t)v;
        } else if (strcmp(arg, "--max-cache-mb") == 0) {
            rc = ch_option_u64(argc, argv, &i, &v);
            if (rc == CH_LINEARIZABLE && v > (UINT64_C(1) << 20)) rc = ch_usage_error("--max-cache-mb: at most 1048576");
            a->limits.memo_bytes_max = v << 20;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown option '%.64s'", arg);
            rc = ch_usage_error(msg);
        } else if (a->path) {
            char msg[128];
            snprintf(msg, sizeof msg, "one history file only; found '%.64s' too", arg);
            rc = ch_usage_error(msg);
        } else {
            a->path = arg;
        }
        if (rc != CH_LINEARIZABLE) return rc;
    }
    if (!a->help && !a->path) return ch_usage_error("expected a history file");
    return CH_LINEARIZABLE;
}

static void ch_print_summary(const char *verdict, const char *path, const pod_lin_result *r) {
    const pod_lin_stats *s = &r->stats;
    printf("podsim: %s history=%s ops=%" PRIu32 " checked=%" PRIu32 " no_answer=%" PRIu32 " keys=%" PRIu32
           " components=%" PRIu32 " states=%" PRIu64 " steps=%" PRIu64 "\n",
           verdict, path, s->ops, s->ops_checked, s->ops_unknown, s->keys, s->components, s->states, s->steps);
    if (r->verdict == POD_LIN_NOT_LINEARIZABLE) {
        printf("podsim: culprits=%" PRIu32 "%s explain_trials=%" PRIu32 " explain_steps=%" PRIu64 "\n", r->culprit_count,
               r->culprits_minimal ? " (minimal)" : " (not minimal: explanation budget reached)", s->explain_trials,
               s->explain_steps);
    }
}

int pod_cmd_check_history(int argc, char **argv) {
    ch_args args = {0};
    int rc = ch_parse_args(argc, argv, &args);
    if (rc != CH_LINEARIZABLE) return rc;
    if (args.help) {
        fputs(check_history_usage, stdout);
        return CH_LINEARIZABLE;
    }
    pod_history h;
    pod_hist_json_error err;
    if (!pod_hist_json_load(args.path, &h, &err)) {
        char text[512];
        pod_hist_json_error_format(&err, args.path, text, sizeof text);
        fprintf(stderr, "%s\n", text);
        return err.status == POD_HIST_JSON_E_NOMEM ? CH_UNKNOWN : CH_USAGE;
    }
    pod_lin_result *r = malloc(sizeof *r);
    if (!r) {
        pod_history_free(&h);
        fprintf(stderr, "podsim check-history: out of memory\n");
        return CH_UNKNOWN;
    }
    pod_lin_verdict v = pod_lin_check_with(&h, &args.limits, r);
    switch (v) {
    case POD_LIN_LINEARIZABLE:
        rc = CH_LINEARIZABLE;
        ch_print_summary("linearizable", args.path, r);
        break;
    case POD_LIN_NOT_LINEARIZABLE:
        rc = CH_NOT_LINEARIZABLE;
        fputs(r->explanation, stdout);
        ch_print_summary("not linearizable", args.path, r);
        break;
    case POD_LIN_UNKNOWN:
        rc = r->reason == POD_LIN_REASON_BAD_HISTORY ? CH_USAGE : CH_UNKNOWN;
        fprintf(stderr, "podsim check-history: %s\n", r->summary);
        ch_print_summary("unknown", args.path, r);
        break;
    }
    free(r);
    pod_history_free(&h);
    return rc;
}
