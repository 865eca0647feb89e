/* shrink.c — test-case reduction for a failing seed.
 *
 * The seed stays fixed; the scenario shrinks. A candidate is kept when the
 * same check still fails. Steps, each to a fixed point or the run limit:
 * delta debugging (ddmin, Zeller) over the fault actions; the shortest run
 * time, by bisection; fewer clients; fault settings switched off one by
 * one. A smaller scenario changes what the random streams are used for, so
 * a step may find another path to the same failure: that is fine — the
 * result is checked, not predicted. */
#include "sim/shrink.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim/world.h"

typedef struct shrinker {
    pod_scenario *best;          /* the smallest failing scenario so far */
    pod_scenario *trial;         /* scratch for a candidate */
    const pod_node_type *type;
    uint64_t seed;
    pod_shrink_stats *stats;
    FILE *log;
    bool keep_mask[POD_SCN_ACTIONS_MAX];
    char first_message[512];     /* the original failure's message */
} shrinker;

/* What identifies a failure: the check's name; for an expectation, which
 * expectation ("expected kv.writes_acked >= 100", up to ", found") — its
 * line moves when the scenario is rewritten. */
static void check_family(const char *check, const char *message, char *out, size_t out_len) {
    if (strncmp(check, "expect", 6) == 0) {
        const char *found = strstr(message, ", found");
        int n = found ? (int)(found - message) : (int)strlen(message);
        snprintf(out, out_len, "expect: %.*s", n, message);
    } else {
        snprintf(out, out_len, "%s", check);
    }
}

/* Runs a candidate; true when it fails the same check. */
static bool still_fails(shrinker *s, const pod_scenario *candidate, pod_run_result *result) {
    if (s->stats->runs >= POD_SHRINK_RUNS_MAX) return false;
    s->stats->runs++;
    pod_run_options opt = {.seed = s->seed, .node_type = s->type};
    pod_verdict v = pod_world_run(candidate, &opt, result);
    if (v != POD_VERDICT_VIOLATION && v != POD_VERDICT_BUDGET) return false;
    char want[192], got[192];
    check_family(s->stats->check, s->first_message, want, sizeof want);
    check_family(result->check, result->message, got, sizeof got);
    return strcmp(want, got) == 0;
}

static void accept(shrinker *s, const pod_scenario *candidate, const pod_run_result *result) {
    if (candidate != s->best) memcpy(s->best, candidate, sizeof *s->best);
    snprintf(s->stats->message, sizeof s->stats->message, "%s", result->message);
    s->stats->events_after = result->events;
    s->stats->ops_after = result->client_ops;
}

/* --- actions: ddmin ------------------------------------------------------------ */

/* trial = best with only the actions whose keep_mask is set. */
static void build_with_mask(shrinker *s) {
    memcpy(s->trial, s->best, sizeof *s->trial);
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->best->action_count; i++) {
        if (s->keep_mask[i]) s->trial->actions[n++] = s->best->actions[i];
    }
    s->trial->action_count = n;
}

/* Tries removing each of `chunks` slices of the actions; true if one
 * removal kept the failure (best is then smaller). */
static bool remove_a_chunk(shrinker *s, uint32_t chunks) {
    uint32_t n = s->best->action_count;
    for (uint32_t c = 0; c < chunks; c++) {
        uint32_t lo = (uint32_t)((uint64_t)n * c / chunks), hi = (uint32_t)((uint64_t)n * (c + 1) / chunks);
        if (lo == hi) continue;
        for (uint32_t i = 0; i < n; i++) s->keep_mask[i] = i < lo || i >= hi;
        build_with_mask(s);
        pod_run_result r;
        if (still_fails(s, s->trial, &r)) {
            accept(s, s->trial, &r);
            return true;
        }
    }
    return false;
}

static void shrink_actions(shrinker *s) {
    uint32_t chunks = 2;
    /* Bounded by the run limit and by the actions: each success removes one. */
    while (s->best->action_count > 0 && s->stats->runs < POD_SHRINK_RUNS_MAX) {
        if (chunks > s->best->action_count) chunks = s->best->action_count;
        if (remove_a_chunk(s, chunks)) {
            chunks = chunks > 2 ? chunks - 1 : 2;
            continue;
        }
        if (chunks == s->best->action_count) break; /* 1-minimal */
        chunks = chunks * 2;
    }
    if (s->log) fprintf(s->log, "shrink: actions now %u (%u runs)\n", s->best->action_count, s->stats->runs);
}

/* --- time: the shortest run that still fails ----------------------------------- */

static void set_run(pod_scenario *scn, uint64_t run_ns) {
    scn->run_ns = run_ns;
    uint32_t n = 0;
    for (uint32_t i = 0; i < scn->action_count; i++) {
        if (scn->actions[i].at_ns <= run_ns) scn->actions[n++] = scn->actions[i];
    }
    scn->action_count = n;
    /* A run too short for the liveness bound cannot judge it: the line goes
     * (the parser would refuse it, and the world would not check it). */
    uint64_t quiet = pod_scenario_quiet_ns(scn);
    if (quiet > run_ns || scn->liveness.within_ns > run_ns - quiet) scn->liveness = (pod_liveness){0};
}

static void shrink_time(shrinker *s) {
    uint64_t lo = 1000000, hi = s->best->run_ns; /* hi fails; look for the least failing, to 1 ms */
    for (int step = 0; step < 64 && hi - lo > 1000000 && s->stats->runs < POD_SHRINK_RUNS_MAX; step++) {
        uint64_t mid = lo + (hi - lo) / 2;
        mid -= mid % 1000000; /* whole milliseconds read better */
        if (mid <= lo) break;
        memcpy(s->trial, s->best, sizeof *s->trial);
        set_run(s->trial, mid);
        pod_run_result r;
        if (still_fails(s, s->trial, &r)) {
            accept(s, s->trial, &r);
            hi = mid;
        } else {
            lo = mid;
        }
    }
    if (s->log) fprintf(s->log, "shrink: run now %" PRIu64 " ms (%u runs)\n", s->best->run_ns / 1000000, s->stats->runs);
}

/* Whole milliseconds read better than 1666065295ns: round every action's
 * time at once (order kept), if the failure survives it. */
static void round_times(shrinker *s) {
    memcpy(s->trial, s->best, sizeof *s->trial);
    bool changed = false;
    uint64_t floor_ns = 0;
    for (uint32_t i = 0; i < s->trial->action_count; i++) {
        pod_action *a = &s->trial->actions[i];
        uint64_t rounded = (a->at_ns + 500000) / 1000000 * 1000000;
        if (rounded < floor_ns) rounded = floor_ns;      /* keep the order */
        if (rounded > s->trial->run_ns) rounded = a->at_ns; /* keep it in the run */
        /* A flap must keep ending after it starts; leave that one as it is. */
        if (a->kind == POD_ACT_FLAP && a->until_ns <= rounded) rounded = a->at_ns;
        changed |= rounded != a->at_ns;
        a->at_ns = rounded;
        floor_ns = rounded;
    }
    pod_run_result r;
    if (changed && still_fails(s, s->trial, &r)) accept(s, s->trial, &r);
}

/* --- clients and fault settings --------------------------------------------------- */

static void shrink_clients(shrinker *s) {
    for (uint16_t c = 1; c < s->best->workload.clients; c++) {
        memcpy(s->trial, s->best, sizeof *s->trial);
        s->trial->workload.clients = c;
        pod_run_result r;
        if (still_fails(s, s->trial, &r)) {
            accept(s, s->trial, &r);
            break;
        }
    }
}

/* The fault settings a shrink may switch off, as pointers into a scenario. */
static uint32_t fault_fields(pod_scenario *scn, uint32_t **out, uint32_t max) {
    uint32_t *all[] = {&scn->network.drop_ppm, &scn->network.dup_ppm, &scn->network.corrupt_ppm,
                       &scn->disk.read_eio_ppm,
                       &scn->disk.write_enospc_ppm, &scn->disk.fsync_eio_ppm,
                       &scn->disk.dir_fsync_eio_ppm, &scn->disk.bitflip_ppm, &scn->disk.stall_ppm};
    uint32_t n = 0;
    for (uint32_t i = 0; i < sizeof all / sizeof all[0] && n < max; i++) out[n++] = all[i];
    return n;
}

static uint32_t faults_on(pod_scenario *scn) {
    uint32_t *f[16];
    uint32_t n = fault_fields(scn, f, 16), on = 0;
    for (uint32_t i = 0; i < n; i++) on += *f[i] != 0;
    return on;
}

static void shrink_faults(shrinker *s) {
    uint32_t *fields[16];
    uint32_t n = fault_fields(s->trial, fields, 16);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(s->trial, s->best, sizeof *s->trial);
        if (*fields[i] == 0) continue;
        *fields[i] = 0;
        pod_run_result r;
        if (still_fails(s, s->trial, &r)) accept(s, s->trial, &r);
    }
}

bool pod_shrink(pod_scenario *scn, const pod_node_type *type, uint64_t seed, pod_shrink_stats *stats,
                FILE *log) {
    memset(stats, 0, sizeof *stats);
    shrinker s = {.best = scn, .type = type, .seed = seed, .stats = stats, .log = log};
    s.trial = malloc(sizeof *s.trial);
    if (!s.trial) return false;
    pod_run_options opt = {.seed = seed, .node_type = type};
    pod_run_result r;
    pod_verdict v = pod_world_run(scn, &opt, &r);
    stats->runs = 1;
    snprintf(stats->check, sizeof stats->check, "%s", r.check);
    snprintf(stats->message, sizeof stats->message, "%s", r.message);
    snprintf(s.first_message, sizeof s.first_message, "%s", r.message);
    if (v != POD_VERDICT_VIOLATION && v != POD_VERDICT_BUDGET) {
        free(s.trial);
        return false;
    }
    stats->actions_before = scn->action_count;
    stats->run_ns_before = scn->run_ns;
    stats->events_before = stats->events_after = r.events;
    stats->ops_before = stats->ops_after = r.client_ops;
    stats->clients_before = scn->workload.clients;
    stats->faults_before = faults_on(scn);
    /* Twice round: a shorter run may free actions, fewer actions a shorter run. */
    for (int round = 0; round < 2; round++) {
        shrink_actions(&s);
        shrink_time(&s);
        shrink_clients(&s);
        shrink_faults(&s);
    }
    round_times(&s);
    stats->actions_after = scn->action_count;
    stats->run_ns_after = scn->run_ns;
    stats->clients_after = scn->workload.clients;
    stats->faults_after = faults_on(scn);
    free(s.trial);
    return true;
}
