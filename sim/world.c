/* world.c — the run loop: boots the nodes, dispatches events in (time,
 * sequence) order, applies the scenario's faults, runs the checkers, keeps
 * the budgets, and ends with the expectations. */
#include "sim/world_internal.h"
#include "sim/history_json.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *const pod_world_counter_names[POD_CTR_COUNT] = {
    [POD_CTR_EVENTS] = "events",
    [POD_CTR_MSG_SENT] = "messages.sent",
    [POD_CTR_MSG_DELIVERED] = "messages.delivered",
    [POD_CTR_MSG_DROPPED] = "messages.dropped",
    [POD_CTR_MSG_DUPLICATED] = "messages.duplicated",
    [POD_CTR_TIMERS_FIRED] = "timers.fired",
    [POD_CTR_CRASHES] = "crashes",
    [POD_CTR_RESTARTS] = "restarts",
    [POD_CTR_PAUSES] = "pauses",
    [POD_CTR_FAIL_STOPS] = "fail_stops",
    [POD_CTR_CLIENT_REQUESTS] = "client.requests",
    [POD_CTR_CLIENT_RESPONSES] = "client.responses",
    [POD_CTR_CLIENT_TIMEOUTS] = "client.timeouts",
    [POD_CTR_CLIENT_UNAVAILABLE] = "client.unavailable",
    [POD_CTR_CLIENT_LATE] = "client.late",
    [POD_CTR_CLIENT_GARBLED] = "client.garbled",
    [POD_CTR_CLIENT_RETRIES] = "client.retries",
    [POD_CTR_CLIENT_REDIRECTS] = "client.redirects",
    [POD_CTR_DISK_PEAK_BYTES] = "disk.peak_bytes",
    [POD_CTR_DISK_PEAK_FILES] = "disk.peak_files",
};

const char *pod_verdict_name(pod_verdict verdict) {
    switch (verdict) {
    case POD_VERDICT_PASS: return "pass";
    case POD_VERDICT_VIOLATION: return "violation";
    case POD_VERDICT_BUDGET: return "budget";
    case POD_VERDICT_ERROR: return "error";
    }
    return "?";
}

void pod_world_trace(pod_world *world, pod_trace_kind kind, uint16_t node, uint16_t peer,
                     uint64_t a, uint64_t b, const char *text) {
    pod_trace_rec rec = {.time_ns = world->sched.now_ns, .kind = kind, .node = node,
                         .peer = peer, .a = a, .b = b, .text = text};
    pod_trace_emit(&world->trace, &rec);
}

void pod_check_fail(pod_world *world, const char *checker, const char *fmt, ...) {
    if (world->violated) return;
    world->violated = true;
    snprintf(world->violation_check, sizeof world->violation_check, "%s", checker);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(world->violation_message, sizeof world->violation_message, fmt, ap);
    va_end(ap);
    char text[sizeof world->violation_check + sizeof world->violation_message + 2];
    snprintf(text, sizeof text, "%s: %s", world->violation_check, world->violation_message);
    pod_world_trace(world, POD_TR_VIOLATION, POD_TRACE_NODE_WORLD, 0, 0, 0, text);
}

void pod_check_undecided(pod_world *world, const char *checker, const char *fmt, ...) {
    char message[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char text[sizeof world->undecided];
    snprintf(text, sizeof text, "%.48s: undecided: %s", checker, message);
    if (!world->undecided[0]) snprintf(world->undecided, sizeof world->undecided, "%s", text);
    pod_world_trace(world, POD_TR_NOTE, POD_TRACE_NODE_WORLD, 0, 0, 0, text);
}

uint64_t pod_check_now(const pod_world *world) { return world->sched.now_ns; }

uint16_t pod_check_node_count(const pod_world *world) { return world->node_count; }

const pod_history *pod_check_history(const pod_world *world) { return &world->history; }

bool pod_check_node_view(const pod_world *world, uint16_t node, pod_node_view *out) {
    assert(node < world->node_count);
    const pod_world_node *n = &world->nodes[node];
    memset(out, 0, sizeof *out);
    if (!n->up || !n->mem || !world->type->view) return false;
    world->type->view(n->mem, out);
    return true;
}

bool pod_check_node_live(const pod_world *world, uint16_t node) {
    assert(node < world->node_count);
    const pod_world_node *n = &world->nodes[node];
    return n->up && n->mem && !n->paused;
}

bool pod_check_link_open(const pod_world *world, uint16_t from, uint16_t to) {
    assert(from < world->node_count && to < world->node_count);
    return !world->blocked[from][to];
}

const pod_disk *pod_check_node_disk(const pod_world *world, uint16_t node) {
    assert(node < world->node_count);
    return world->nodes[node].disk;
}

static void checkers_node_started(pod_world *world, uint16_t node, bool started) {
    for (uint32_t i = 0; i < world->checker_count && !world->violated; i++) {
        if (world->checkers[i]->on_node_start) {
            world->checkers[i]->on_node_start(world->checker_state[i], world, node, started);
        }
    }
}

/* Stops the run because a budget ran out: a runaway node, a livelock, or a
 * budget too small for the scenario. Never silent. */
void pod_world_budget_exhausted(pod_world *world, const char *text) {
    if (world->violated) return;
    world->violated = true;
    snprintf(world->violation_check, sizeof world->violation_check, "budget");
    snprintf(world->violation_message, sizeof world->violation_message, "%s", text);
    pod_world_trace(world, POD_TR_BUDGET, POD_TRACE_NODE_WORLD, 0, world->counters[POD_CTR_EVENTS],
                    world->sched.pending, text);
}

void pod_world_internal_error(pod_world *world, const char *what) {
    if (world->violated) return;
    world->violated = true;
    world->internal_error = true;
    snprintf(world->violation_check, sizeof world->violation_check, "internal");
    snprintf(world->violation_message, sizeof world->violation_message, "%s", what);
}

bool pod_world_schedule(pod_world *world, pod_event *event, pod_event_id *id_out) {
    pod_sched_result r = pod_sched_add(&world->sched, event, id_out);
    if (r == POD_SCHED_OK) return true;
    if (r == POD_SCHED_NOMEM) {
        pod_world_internal_error(world, "out of memory growing the event queue");
        return false;
    }
    char text[160];
    snprintf(text, sizeof text,
             "pending events budget exhausted (%" PRIu32 " pending); raise 'budget pending=' or "
             "look for a runaway",
             world->sched.pending);
    pod_world_budget_exhausted(world, text);
    return false;
}

/* --- node life cycle --------------------------------------------------- */

static void node_counters_add(const pod_world *world, const pod_world_node *n, uint64_t *sum) {
    if (!n->mem || !world->type->view) return;
    pod_node_view view;
    memset(&view, 0, sizeof view);
    world->type->view(n->mem, &view);
    for (uint32_t i = 0; i < POD_NODE_COUNTERS_MAX; i++) sum[i] += view.counters[i];
}

/* Forgets everything of the node's current incarnation that is not on its
 * disk: held events, disk ops in flight, a pending exit; and voids its
 * pending timers and completions by starting a new incarnation. */
static void node_forget(pod_world *world, pod_world_node *n) {
    for (uint32_t i = 0; i < n->held_count; i++) {
        /* Messages waiting in a dead process's buffers are gone with it. */
        if (n->held[i].event.kind == POD_EV_DELIVER) {
            pod_msgpool_release(&world->msgs, (uint32_t)n->held[i].event.a);
        }
    }
    n->held_count = 0;
    n->paused = false;
    n->fail_stop_pending = false;
    pod_world_disk_reset_inflight(n);
    n->incarnation++;
}

static void node_boot(pod_world *world, uint16_t id) {
    pod_world_node *n = &world->nodes[id];
    assert(!n->up);
    n->up = true;
    n->paused = false;
    pod_world_trace(world, POD_TR_NODE_START, id, 0, n->incarnation, 0, NULL);
    const pod_scenario *scn = world->scn;
    pod_node_param params[POD_SCN_PARAMS_MAX];
    for (uint32_t i = 0; i < scn->param_count; i++) {
        params[i] = (pod_node_param){.key = scn->params[i].key, .value = scn->params[i].value};
    }
    n->mem = world->type->start(&n->env, params, (int)scn->param_count);
    if (!n->mem) {
        /* A node that cannot start (say, it found its log corrupt) stays
         * down; that is the node's verdict on its disk, not a sim error. */
        n->up = false;
        pod_disk_close_all(n->disk); /* its process is gone, and with it its fds */
        node_forget(world, n);       /* what it scheduled while starting is void */
        pod_world_trace(world, POD_TR_NOTE, id, 0, 0, 0, "node refused to start");
    }
    checkers_node_started(world, id, n->up);
}

/* Ends the node's process: memory, timers, held events and disk ops in
 * flight are gone. `power_loss` also lets the disk decide the fate of
 * everything unsynced; a process exit leaves the page cache as it was. */
static void node_stop(pod_world *world, uint16_t id, bool power_loss) {
    pod_world_node *n = &world->nodes[id];
    if (!n->up) {
        /* The process is gone already (it exited, or never started), but the
         * machine's page cache is not: a power loss still decides it. */
        if (power_loss) {
            pod_disk_crash(n->disk, &n->disk_rng);
            pod_world_trace(world, POD_TR_NODE_CRASH, id, 0, 1, 0, "power loss of a stopped node");
        }
        return;
    }
    node_counters_add(world, n, world->retired_node_counters);
    world->type->stop(n->mem);
    n->mem = NULL;
    n->up = false;
    if (power_loss) {
        pod_disk_crash(n->disk, &n->disk_rng); /* closes every fd too */
    } else {
        pod_disk_close_all(n->disk);
    }
    node_forget(world, n);
    world->counters[power_loss ? POD_CTR_CRASHES : POD_CTR_FAIL_STOPS]++;
    pod_world_trace(world, POD_TR_NODE_CRASH, id, 0, power_loss, 0,
                    power_loss ? "power loss" : "process exit");
    for (uint32_t i = 0; i < world->checker_count; i++) {
        if (world->checkers[i]->on_crash) {
            world->checkers[i]->on_crash(world->checker_state[i], world, id);
        }
    }
}

void pod_world_hold(pod_world *world, uint16_t node, const pod_event *event, pod_event_id id) {
    pod_world_node *n = &world->nodes[node];
    if (n->held_count == n->held_capacity) {
        uint32_t want = n->held_capacity ? n->held_capacity * 2 : 64;
        if (want > world->sched.pending_max) want = world->sched.pending_max;
        if (want <= n->held_capacity) {
            pod_world_budget_exhausted(world, "held events budget exhausted: a paused node got more "
                                              "events than 'budget pending=' allows");
            if (event->kind == POD_EV_DELIVER) pod_msgpool_release(&world->msgs, (uint32_t)event->a);
            return;
        }
        pod_held_event *grown = realloc(n->held, want * sizeof *grown);
        if (!grown) {
            pod_world_internal_error(world, "out of memory holding events for a paused node");
            if (event->kind == POD_EV_DELIVER) pod_msgpool_release(&world->msgs, (uint32_t)event->a);
            return;
        }
        n->held = grown;
        n->held_capacity = want;
    }
    n->held[n->held_count++] = (pod_held_event){.event = *event, .id = id};
}

bool pod_world_cancel_held_timer(pod_world *world, uint16_t node, pod_event_id id) {
    pod_world_node *n = &world->nodes[node];
    for (uint32_t i = 0; i < n->held_count; i++) {
        if (n->held[i].id == id && n->held[i].event.kind == POD_EV_TIMER) {
            n->held[i].event.kind = 0;
            return true;
        }
    }
    return false;
}

static void dispatch_one(pod_world *world, const pod_event *event, pod_event_id id, bool held);

/* Delivers, now and in arrival order, what reached the node while it was
 * paused: a stale process waking up to a burst of old news. */
static void node_resume(pod_world *world, uint16_t id) {
    pod_world_node *n = &world->nodes[id];
    if (!n->up || !n->paused) return;
    n->paused = false;
    pod_world_trace(world, POD_TR_NODE_RESUME, id, 0, n->held_count, 0, NULL);
    /* Callbacks may cancel held timers (kind set to 0), never add entries:
     * the node is no longer paused. */
    for (uint32_t i = 0; i < n->held_count && !world->violated; i++) {
        pod_held_event h = n->held[i];
        if (h.event.kind == 0) continue;
        if (h.event.kind == POD_EV_DELIVER) n->held[i].event.kind = 0; /* handed over */
        dispatch_one(world, &h.event, h.id, true);
    }
    /* If the run stopped midway, release what was not handed over. */
    for (uint32_t i = 0; i < n->held_count; i++) {
        if (n->held[i].event.kind == POD_EV_DELIVER) {
            pod_msgpool_release(&world->msgs, (uint32_t)n->held[i].event.a);
        }
    }
    n->held_count = 0;
}

/* --- the scenario's actions ----------------------------------------------- */

static void run_action(pod_world *world, const pod_action *given) {
    /* A flap schedules its next toggle by its index: it keeps its pointer. */
    pod_action resolved;
    const pod_action *act = given;
    if (given->kind != POD_ACT_FLAP) {
        if (!pod_world_resolve_action(world, given, &resolved)) return;
        act = &resolved;
    }
    switch (act->kind) {
    case POD_ACT_CRASH:
        node_stop(world, act->node, true);
        break;
    case POD_ACT_RESTART:
        if (world->nodes[act->node].up) {
            pod_world_trace(world, POD_TR_NOTE, act->node, 0, 0, 0, "restart: already up");
            break;
        }
        world->counters[POD_CTR_RESTARTS]++;
        node_boot(world, act->node);
        break;
    case POD_ACT_PAUSE:
        if (world->nodes[act->node].up && !world->nodes[act->node].paused) {
            world->nodes[act->node].paused = true;
            world->counters[POD_CTR_PAUSES]++;
            pod_world_trace(world, POD_TR_NODE_PAUSE, act->node, 0, 0, 0, NULL);
        }
        break;
    case POD_ACT_RESUME:
        node_resume(world, act->node);
        break;
    case POD_ACT_PARTITION:
        pod_net_partition(world, act->group_of, act->group_count);
        break;
    case POD_ACT_ISOLATE:
        pod_net_isolate(world, act->node);
        break;
    case POD_ACT_BLOCK:
        pod_net_block(world, act->node, act->peer);
        break;
    case POD_ACT_HEAL:
        pod_net_heal(world);
        break;
    case POD_ACT_CLOG:
        pod_net_clog(world, act);
        break;
    case POD_ACT_FLAP:
        pod_net_flap(world, act);
        break;
    }
}

/* --- dispatch ------------------------------------------------------------ */

static bool event_is_stale(const pod_world *world, const pod_event *event) {
    const pod_world_node *n = &world->nodes[event->node];
    switch ((pod_event_kind)event->kind) {
    case POD_EV_TIMER:
        return !n->up || (uint32_t)event->b != n->incarnation;
    case POD_EV_DISK_DONE:
        return !n->up || (uint32_t)event->b != n->incarnation;
    default:
        return false;
    }
}

static void dispatch_one(pod_world *world, const pod_event *event, pod_event_id id, bool held) {
    switch ((pod_event_kind)event->kind) {
    case POD_EV_NODE_BOOT:
        node_boot(world, event->node);
        return;
    case POD_EV_ACTION:
        run_action(world, &world->scn->actions[event->a]);
        return;
    case POD_EV_CLIENT:
        pod_workload_on_event(world, event);
        return;
    case POD_EV_DELIVER:
        pod_net_deliver(world, event, id, held);
        return;
    case POD_EV_TIMER: {
        if (event_is_stale(world, event)) return;
        pod_world_node *n = &world->nodes[event->node];
        if (n->paused) {
            pod_world_hold(world, event->node, event, id);
            return;
        }
        world->counters[POD_CTR_TIMERS_FIRED]++;
        pod_world_trace(world, POD_TR_TIMER_FIRE, event->node, 0, id, event->a, NULL);
        world->type->on_timer(n->mem, id, event->a);
        return;
    }
    case POD_EV_DISK_DONE: {
        if (event_is_stale(world, event)) return;
        pod_world_node *n = &world->nodes[event->node];
        if (n->paused) {
            pod_world_hold(world, event->node, event, id);
            return;
        }
        pod_disk_done done;
        pod_world_disk_complete(world, event->node, (uint32_t)event->a, &done);
        pod_world_trace(world, POD_TR_DISK_DONE, event->node, 0, done.op, done.status, NULL);
        if (world->type->on_disk) world->type->on_disk(n->mem, &done);
        return;
    }
    }
    assert(!"unknown event kind");
}

static void dispatch(pod_world *world, const pod_event *event, pod_event_id id) {
    dispatch_one(world, event, id, false);
    if (event->kind != POD_EV_ACTION && event->kind != POD_EV_CLIENT && event->node < world->node_count) {
        for (uint32_t i = 0; i < world->checker_count && !world->violated; i++) {
            if (world->checkers[i]->after_event) {
                world->checkers[i]->after_event(world->checker_state[i], world, event->node);
            }
        }
    }
    /* A node that asked to exit goes only now, outside its own callback. */
    if (world->fail_stop_requested) {
        world->fail_stop_requested = false;
        for (uint16_t node = 0; node < world->node_count; node++) {
            if (world->nodes[node].fail_stop_pending) node_stop(world, node, false);
        }
    }
}

/* --- setup and teardown -------------------------------------------------- */

static bool counter_known(const pod_scenario *scn, const pod_node_type *type, const char *name) {
    for (uint32_t i = 0; i < POD_CTR_COUNT; i++) {
        if (strcmp(name, pod_world_counter_names[i]) == 0) return true;
    }
    size_t tlen = strlen(type->name);
    if (strncmp(name, type->name, tlen) != 0 || name[tlen] != '.') return false;
    (void)scn;
    for (uint32_t i = 0; type->counter_names && type->counter_names[i]; i++) {
        if (strcmp(name + tlen + 1, type->counter_names[i]) == 0) return true;
    }
    return false;
}

bool pod_world_validate(const pod_scenario *scn, const pod_node_type *type, pod_scn_error *err) {
    memset(err, 0, sizeof *err);
    if (type->check_params) {
        pod_node_param params[POD_SCN_PARAMS_MAX];
        for (uint32_t i = 0; i < scn->param_count; i++) {
            params[i] = (pod_node_param){.key = scn->params[i].key, .value = scn->params[i].value};
        }
        char why[200] = "";
        int bad = type->check_params(params, (int)scn->param_count, why, sizeof why);
        if (bad >= 0) {
            assert((uint32_t)bad < scn->param_count);
            err->line = scn->params[bad].line;
            err->col = scn->params[bad].col;
            snprintf(err->message, sizeof err->message, "node type '%s': %s", type->name, why);
            return false;
        }
    }
    for (uint32_t i = 0; i < scn->expect_count; i++) {
        const pod_expect *e = &scn->expects[i];
        if (counter_known(scn, type, e->counter)) continue;
        err->line = e->line;
        err->col = e->col;
        int n = snprintf(err->message, sizeof err->message,
                         "unknown counter '%s'; expected one of the world's (", e->counter);
        for (uint32_t k = 0; k < POD_CTR_COUNT && n > 0 && (size_t)n < sizeof err->message; k++) {
            n += snprintf(err->message + n, sizeof err->message - (size_t)n, "%s%s",
                          k ? ", " : "", pod_world_counter_names[k]);
        }
        if (n > 0 && (size_t)n < sizeof err->message) {
            snprintf(err->message + n, sizeof err->message - (size_t)n,
                     ") or the node type's, named '%s.<counter>'", type->name);
        }
        return false;
    }
    return true;
}

uint64_t pod_world_counter_value(const pod_world *world, const char *name) {
    for (uint32_t i = 0; i < POD_CTR_COUNT; i++) {
        if (strcmp(name, pod_world_counter_names[i]) == 0) return world->counters[i];
    }
    const pod_node_type *type = world->type;
    size_t tlen = strlen(type->name);
    uint64_t sum[POD_NODE_COUNTERS_MAX];
    memcpy(sum, world->retired_node_counters, sizeof sum);
    for (uint16_t id = 0; id < world->node_count; id++) node_counters_add(world, &world->nodes[id], sum);
    for (uint32_t i = 0; type->counter_names && type->counter_names[i] && i < POD_NODE_COUNTERS_MAX; i++) {
        if (strcmp(name + tlen + 1, type->counter_names[i]) == 0) return sum[i];
    }
    assert(!"counter not validated");
    return 0;
}

static bool compare(uint64_t found, pod_cmp cmp, uint64_t want) {
    switch (cmp) {
    case POD_CMP_LT: return found < want;
    case POD_CMP_LE: return found <= want;
    case POD_CMP_EQ: return found == want;
    case POD_CMP_NE: return found != want;
    case POD_CMP_GE: return found >= want;
    case POD_CMP_GT: return found > want;
    }
    return false;
}

static const char *cmp_text(pod_cmp cmp) {
    static const char *const text[] = {[POD_CMP_LT] = "<", [POD_CMP_LE] = "<=", [POD_CMP_EQ] = "==",
                                       [POD_CMP_NE] = "!=", [POD_CMP_GE] = ">=", [POD_CMP_GT] = ">"};
    return text[cmp];
}

static void check_expectations(pod_world *world) {
    const pod_scenario *scn = world->scn;
    for (uint32_t i = 0; i < scn->expect_count && !world->violated; i++) {
        const pod_expect *e = &scn->expects[i];
        uint64_t found = pod_world_counter_value(world, e->counter);
        if (compare(found, e->cmp, e->value)) continue;
        char check[64];
        snprintf(check, sizeof check, "expect (line %" PRIu32 ")", e->line);
        pod_check_fail(world, check, "expected %s %s %" PRIu64 ", found %" PRIu64, e->counter,
                       cmp_text(e->cmp), e->value, found);
    }
}

static bool world_init(pod_world *world, const pod_scenario *scn, const pod_run_options *opt) {
    world->scn = scn;
    world->type = opt->node_type;
    world->seed = opt->seed;
    world->node_count = scn->node_count;
    world->events_max = opt->events_max ? opt->events_max : scn->budget.events_max;
    uint32_t pending_max = (uint32_t)scn->budget.pending_max;
    if (pod_sched_init(&world->sched, pending_max) != POD_SCHED_OK) return false;
    if (!pod_trace_init(&world->trace, opt->trace_format, opt->trace_out)) return false;
    world->trace.filter = opt->trace_filter;
    world->trace.compare = opt->compare;
    pod_msgpool_init(&world->msgs, pending_max);
    pod_rng_seed_stream(&world->net_rng, opt->seed, POD_STREAM_NETWORK);
    pod_rng_seed_stream(&world->fault_rng, opt->seed, POD_STREAM_FAULTS);
    pod_rng_seed_stream(&world->wl_rng, opt->seed, POD_STREAM_WORKLOAD);
    pod_history_init(&world->history);
    for (uint16_t id = 0; id < world->node_count; id++) {
        pod_world_node *n = &world->nodes[id];
        n->env = (pod_env){.ops = &pod_world_env_ops, .ctx = world, .self = id,
                           .cluster_size = world->node_count};
        pod_rng_seed_stream(&n->rng, opt->seed, POD_STREAM_NODE_BASE + id);
        pod_rng_seed_stream(&n->disk_rng, opt->seed, POD_STREAM_DISK_NODE_BASE + id);
        pod_disk_config disk_config = pod_world_disk_config(&scn->disk);
        assert(pod_disk_config_check(&disk_config) == NULL);
        n->disk = pod_disk_create(&disk_config);
        n->inflight = malloc(POD_DISK_INFLIGHT_MAX * sizeof *n->inflight);
        if (!n->disk || !n->inflight) return false;
        pod_world_disk_reset_inflight(n);
    }
    for (uint32_t i = 0; pod_checkers[i]; i++) {
        const pod_checker *c = pod_checkers[i];
        if (c->node_type && strcmp(c->node_type, world->type->name) != 0) continue;
        assert(world->checker_count < sizeof world->checkers / sizeof world->checkers[0]);
        world->checkers[world->checker_count] = c;
        world->checker_state[world->checker_count] = c->create ? c->create(scn) : NULL;
        world->checker_count++;
    }
    return true;
}

static void world_free(pod_world *world) {
    for (uint16_t id = 0; id < world->node_count; id++) {
        pod_world_node *n = &world->nodes[id];
        if (n->mem) world->type->stop(n->mem);
        free(n->held);
        free(n->inflight);
        pod_disk_destroy(n->disk);
    }
    for (uint32_t i = 0; i < world->checker_count; i++) {
        if (world->checkers[i]->destroy) world->checkers[i]->destroy(world->checker_state[i]);
    }
    pod_workload_free(world);
    pod_history_free(&world->history);
    /* Messages still in flight are owned by their events; the pool frees all. */
    pod_msgpool_free(&world->msgs);
    pod_sched_free(&world->sched);
    pod_trace_free(&world->trace);
}

static void schedule_start(pod_world *world) {
    pod_world_trace(world, POD_TR_RUN_START, POD_TRACE_NODE_WORLD, 0, world->seed,
                    world->node_count, NULL);
    for (uint16_t id = 0; id < world->node_count; id++) {
        pod_event e = {.time_ns = 0, .kind = POD_EV_NODE_BOOT, .node = id};
        pod_world_schedule(world, &e, NULL);
    }
    for (uint32_t i = 0; i < world->scn->action_count; i++) {
        pod_event e = {.time_ns = world->scn->actions[i].at_ns, .kind = POD_EV_ACTION, .a = i};
        pod_world_schedule(world, &e, NULL);
    }
    if (!pod_workload_start(world)) pod_world_internal_error(world, "out of memory starting the clients");
}

static void run_loop(pod_world *world) {
    uint64_t const end_ns = world->scn->run_ns;
    pod_event event;
    pod_event_id id;
    while (!world->violated && world->sched.pending > 0) {
        if (pod_sched_peek_time(&world->sched) > end_ns) break;
        if (world->counters[POD_CTR_EVENTS] >= world->events_max) {
            char text[160];
            snprintf(text, sizeof text,
                     "events budget exhausted: %" PRIu64 " events before the end of the run; "
                     "raise 'budget events=' or look for a livelock",
                     world->counters[POD_CTR_EVENTS]);
            pod_world_budget_exhausted(world, text);
            break;
        }
        pod_sched_pop(&world->sched, &event, &id);
        world->counters[POD_CTR_EVENTS]++;
        dispatch(world, &event, id);
    }
    /* The run covers the whole simulated span even if the queue ran dry. */
    if (!world->violated && world->sched.now_ns < end_ns) world->sched.now_ns = end_ns;
}

pod_verdict pod_world_run(const pod_scenario *scn, const pod_run_options *opt,
                          pod_run_result *result) {
    assert(scn->node_count >= 1 && scn->node_count <= POD_NODES_MAX);
    assert(opt->node_type != NULL);
    memset(result, 0, sizeof *result);
    result->seed = opt->seed;
    pod_world *world = calloc(1, sizeof *world);
    if (!world || !world_init(world, scn, opt)) {
        if (world) world_free(world);
        free(world);
        result->verdict = POD_VERDICT_ERROR;
        snprintf(result->message, sizeof result->message, "out of memory setting up the run");
        return result->verdict;
    }
    schedule_start(world);
    run_loop(world);
    for (uint32_t i = 0; i < world->checker_count && !world->violated; i++) {
        if (world->checkers[i]->at_end) world->checkers[i]->at_end(world->checker_state[i], world);
    }
    check_expectations(world);
    if (opt->history_out) {
        result->history_failed = !pod_hist_json_write(opt->history_out, &world->history, result->history_error,
                                                      sizeof result->history_error);
    }
    pod_world_trace(world, POD_TR_RUN_END, POD_TRACE_NODE_WORLD, 0,
                    world->counters[POD_CTR_EVENTS], 0, NULL);

    result->events = world->counters[POD_CTR_EVENTS];
    result->sim_ns = world->sched.now_ns;
    result->trace_records = world->trace.records;
    result->client_ops = world->counters[POD_CTR_CLIENT_REQUESTS];
    result->trace_hash = pod_trace_hash(&world->trace);
    snprintf(result->undecided, sizeof result->undecided, "%s", world->undecided);
    if (world->violated) {
        bool budget = strcmp(world->violation_check, "budget") == 0;
        result->verdict = world->internal_error ? POD_VERDICT_ERROR
                          : budget              ? POD_VERDICT_BUDGET
                                                : POD_VERDICT_VIOLATION;
        snprintf(result->check, sizeof result->check, "%s", world->violation_check);
        snprintf(result->message, sizeof result->message, "%s", world->violation_message);
    } else {
        result->verdict = POD_VERDICT_PASS;
    }
    world_free(world);
    free(world);
    return result->verdict;
}
