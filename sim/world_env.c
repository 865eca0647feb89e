/* world_env.c — the simulator's side of pod_env.h: what a node's calls do
 * in the simulated world. */
#include "sim/world_internal.h"

#include <assert.h>
#include <string.h>

static pod_world *world_of(pod_env *env) { return env->ctx; }

static pod_world_node *node_of(pod_env *env) {
    pod_world *world = env->ctx;
    assert(env->self < world->node_count);
    return &world->nodes[env->self];
}

const char *pod_status_name(pod_status status) {
    switch (status) {
    case POD_OK: return "ok";
    case POD_EIO: return "EIO";
    case POD_ENOSPC: return "ENOSPC";
    case POD_ENOENT: return "ENOENT";
    case POD_EEXIST: return "EEXIST";
    case POD_EBADF: return "EBADF";
    case POD_EINVAL: return "EINVAL";
    case POD_ELIMIT: return "ELIMIT";
    case POD_ECLOSED: return "ECLOSED";
    }
    return "?";
}

static uint64_t env_now_ns(pod_env *env) { return world_of(env)->sched.now_ns; }

static uint64_t env_timer_set(pod_env *env, uint64_t delay_ns, uint64_t cookie) {
    pod_world *world = world_of(env);
    pod_world_node *n = node_of(env);
    if (delay_ns > UINT64_MAX - world->sched.now_ns) return 0;
    pod_event e = {.time_ns = world->sched.now_ns + delay_ns, .kind = POD_EV_TIMER,
                   .node = env->self, .a = cookie, .b = n->incarnation};
    pod_event_id id = 0;
    if (!pod_world_schedule(world, &e, &id)) return 0;
    pod_world_trace(world, POD_TR_TIMER_SET, env->self, 0, delay_ns, cookie, NULL);
    return id;
}

static bool env_timer_cancel(pod_env *env, uint64_t timer_id) {
    pod_world *world = world_of(env);
    /* Only this node's own timers: a stray id must not cancel anything else. */
    const pod_event *e = pod_sched_get(&world->sched, timer_id);
    bool cancelled = false;
    if (e && e->kind == POD_EV_TIMER && e->node == env->self) {
        cancelled = pod_sched_cancel(&world->sched, timer_id);
    } else if (!e) {
        /* A timer that came due while the node was paused waits in its held
         * list; during the replay on resume it can still be cancelled. */
        cancelled = pod_world_cancel_held_timer(world, env->self, timer_id);
    }
    if (cancelled) pod_world_trace(world, POD_TR_TIMER_CANCEL, env->self, 0, timer_id, 0, NULL);
    return cancelled;
}

static uint64_t env_random_u64(pod_env *env) { return pod_rng_next(&node_of(env)->rng); }

static pod_status env_send(pod_env *env, pod_addr to, const void *bytes, uint32_t len) {
    pod_world *world = world_of(env);
    if (len > POD_MSG_BYTES_MAX) return POD_EINVAL;
    if (to >= world->node_count && to < POD_CLIENT_ADDR_BASE) return POD_EINVAL;
    for (uint32_t i = 0; i < world->checker_count && !world->violated; i++) {
        if (world->checkers[i]->on_send) {
            world->checkers[i]->on_send(world->checker_state[i], world, env->self, to, bytes, len);
        }
    }
    pod_net_send(world, env->self, to, bytes, len);
    return POD_OK;
}

static void env_note(pod_env *env, const char *text) {
    pod_world_trace(world_of(env), POD_TR_NOTE, env->self, 0, 0, 0, text);
}

static void env_fail_stop(pod_env *env, const char *why) {
    pod_world_node *n = node_of(env);
    n->fail_stop_pending = true;
    world_of(env)->fail_stop_requested = true;
    pod_world_trace(world_of(env), POD_TR_NOTE, env->self, 0, 0, 0, why);
}

const pod_env_ops pod_world_env_ops = {
    .now_ns = env_now_ns,
    .timer_set = env_timer_set,
    .timer_cancel = env_timer_cancel,
    .random_u64 = env_random_u64,
    .send = env_send,
    .open = pod_world_disk_open,
    .close = pod_world_disk_close,
    .size = pod_world_disk_size,
    .read = pod_world_disk_read,
    .write = pod_world_disk_write,
    .truncate = pod_world_disk_truncate,
    .fsync = pod_world_disk_fsync,
    .rename = pod_world_disk_rename,
    .unlink = pod_world_disk_unlink,
    .dir_fsync = pod_world_disk_dir_fsync,
    .list = pod_world_disk_list,
    .note = env_note,
    .fail_stop = env_fail_stop,
};
