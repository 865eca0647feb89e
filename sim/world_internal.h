/* world_internal.h — the world's state, shared by the files that make up
 * the world (world.c: the run loop and faults; world_env.c: pod_env.h for
 * the nodes; world_net.c: the network). Not for nodes or checkers. */
#ifndef PODSIM_WORLD_INTERNAL_H
#define PODSIM_WORLD_INTERNAL_H

#include "sim/check.h"
#include "sim/disk.h"
#include "sim/history.h"
#include "sim/msgpool.h"
#include "sim/rng.h"
#include "sim/sched.h"
#include "sim/world.h"

/* What an event in the queue is for. */
typedef enum pod_event_kind {
    POD_EV_NODE_BOOT = 1, /* node: start it (time 0, and after restart) */
    POD_EV_TIMER,         /* node, a=cookie, b=incarnation */
    POD_EV_DELIVER,       /* node=to, c=from, a=message handle */
    POD_EV_DISK_DONE,     /* node, a=in-flight index, b=incarnation */
    POD_EV_ACTION,        /* a=index of the scenario action */
    POD_EV_CLIENT,        /* c=client index, b=what (think done, timeout), a=request_no */
} pod_event_kind;

/* An asynchronous disk op between its submission and its completion. */
typedef struct pod_disk_inflight {
    pod_disk_op op;
    pod_status status;        /* of a write, decided at submission */
    pod_fd fd;
    uint64_t cookie;
    pod_disk_file_ref ref;    /* fsync: the file, even if the fd is closed */
    uint64_t barrier;         /* syncs: what they cover */
    uint32_t next_free;
    bool in_use;
} pod_disk_inflight;

#define POD_DISK_INFLIGHT_MAX 1024u /* async disk ops in flight per node */
#define POD_INFLIGHT_NONE UINT32_MAX

/* An event that reached a paused node, kept with its original handle so that
 * a timer fires on resume with the id timer_set returned. kind 0: cancelled. */
typedef struct pod_held_event {
    pod_event event;
    pod_event_id id;
} pod_held_event;

typedef struct pod_world_node {
    pod_env env;          /* env.self is this node's id */
    void *mem;            /* the node type's state; NULL while down */
    pod_rng rng;          /* the node's private stream */
    pod_disk *disk;       /* survives crashes; only its unsynced part is at risk */
    pod_rng disk_rng;     /* the disk's stream: latency, crash outcomes, faults */
    pod_disk_inflight *inflight; /* POD_DISK_INFLIGHT_MAX entries */
    uint32_t inflight_free;
    uint32_t incarnation; /* bumped at every crash: stale events are ignored */
    bool up;
    bool paused;
    bool fail_stop_pending; /* the node asked to exit; done after its callback */
    /* Events that arrived while paused, replayed in order on resume. */
    pod_held_event *held;
    uint32_t held_count;
    uint32_t held_capacity;
} pod_world_node;

/* What a simulated client remembers of the keys it saw (for CAS and TXN
 * checks that have a chance to succeed). */
#define POD_WL_SEEN_MAX 8u
typedef struct pod_world_client_seen {
    char key[16];
    uint8_t value[128];
    uint32_t len_plus_one;  /* 0: slot empty; 1: key absent; else value length + 1 */
} pod_world_client_seen;

typedef struct pod_world_client {
    uint64_t request_no;    /* of the latest request */
    uint32_t outstanding;   /* history index of the request in flight, or UINT32_MAX */
    pod_event_id timeout_id;
    uint16_t target;        /* node the next request goes to */
    uint32_t attempts;      /* sends of the outstanding request (same number) */
    uint32_t redirects;     /* "not the leader" answers to it */
    bool maybe_applied;     /* an attempt timed out: it may have taken effect */
    bool follower_read;     /* the outstanding request is a Follower Read */
    uint64_t session_index; /* the highest log index this client has seen */
    uint32_t seen_next;
    pod_world_client_seen seen[POD_WL_SEEN_MAX];
} pod_world_client;

/* Counters the world keeps; `expect` may name any of them. */
typedef enum pod_world_counter {
    POD_CTR_EVENTS,
    POD_CTR_MSG_SENT,
    POD_CTR_MSG_DELIVERED,
    POD_CTR_MSG_DROPPED,
    POD_CTR_MSG_DUPLICATED,
    POD_CTR_TIMERS_FIRED,
    POD_CTR_CRASHES,
    POD_CTR_RESTARTS,
    POD_CTR_PAUSES,
    POD_CTR_FAIL_STOPS,
    POD_CTR_CLIENT_REQUESTS,
    POD_CTR_CLIENT_RESPONSES,
    POD_CTR_CLIENT_TIMEOUTS,
    POD_CTR_CLIENT_UNAVAILABLE,
    POD_CTR_CLIENT_LATE,
    POD_CTR_CLIENT_GARBLED,
    POD_CTR_CLIENT_RETRIES,
    POD_CTR_CLIENT_REDIRECTS,
    POD_CTR_DISK_PEAK_BYTES,   /* the most space any one node's disk used, sampled at disk completions */
    POD_CTR_DISK_PEAK_FILES,   /* the most files any one node's disk held */
    POD_CTR_COUNT
} pod_world_counter;

extern const char *const pod_world_counter_names[POD_CTR_COUNT];

#define POD_NODE_COUNTERS_MAX 16u

/* A clog of one directed link (world_net.c). Messages that arrive while
 * now <= until_ns wait and are delivered at release_ns, in arrival order;
 * release_ns moves on to until_ns when a second clog extends the first, so
 * the order holds across the extension. until_ns 0: never clogged. */
typedef struct pod_net_clog_state {
    uint64_t until_ns;
    uint64_t release_ns;
} pod_net_clog_state;

struct pod_world {
    const pod_scenario *scn;
    const pod_node_type *type;
    pod_sched sched;
    pod_trace trace;
    pod_msgpool msgs;
    pod_rng net_rng;
    pod_rng fault_rng;
    pod_rng wl_rng;
    pod_history history;
    pod_world_client clients[POD_WL_CLIENTS_MAX];
    void *wl_scratch;         /* workload.c's buffers for building a request */
    uint64_t seed;
    uint64_t events_max;
    uint16_t node_count;
    pod_world_node nodes[POD_NODES_MAX];
    /* blocked[from][to]: messages from `from` to `to` are lost. */
    bool blocked[POD_NODES_MAX][POD_NODES_MAX];
    /* world_net.c: the settings of each directed link between nodes,
     * net_models[link_model[from][to]] (0: the network line's), built at
     * the first message; and the clogs. */
    bool net_ready;
    uint16_t link_model[POD_NODES_MAX][POD_NODES_MAX];
    pod_network_model net_models[POD_SCN_LINKS_MAX + 1];
    pod_net_clog_state clog[POD_NODES_MAX][POD_NODES_MAX];
    uint64_t counters[POD_CTR_COUNT];
    /* Node counters of crashed incarnations, so totals survive crashes. */
    uint64_t retired_node_counters[POD_NODE_COUNTERS_MAX];
    /* The checkers that apply to this node type, and their state. */
    const pod_checker *checkers[16];
    void *checker_state[16];
    uint32_t checker_count;
    bool fail_stop_requested; /* some node's fail_stop_pending is set */
    /* world_target.c: the node the latest `leader` target resolved to. */
    bool has_last_leader;
    uint16_t last_leader;
    bool internal_error;      /* the violation is the simulator's own failure */
    /* The first violation stops the run. */
    bool violated;
    char violation_check[64];
    char violation_message[512];
    char undecided[256];       /* the first checker that could not decide, or "" */
};

/* world_env.c */
extern const pod_env_ops pod_world_env_ops;

/* world_net.c */
void pod_net_send(pod_world *world, pod_addr from, pod_addr to, const void *bytes, uint32_t len);
/* Delivers a message event; `held` says it already waited in a paused
 * node's buffer, past the links. */
void pod_net_deliver(pod_world *world, const pod_event *event, pod_event_id id, bool held);
void pod_net_heal(pod_world *world);
void pod_net_partition(pod_world *world, const uint8_t *group_of, uint8_t group_count);
void pod_net_isolate(pod_world *world, uint16_t node);
void pod_net_block(pod_world *world, uint16_t from, uint16_t to);
/* `clog nA -> nB for D` (and `<->`): the link holds what arrives until now + D. */
void pod_net_clog(pod_world *world, const pod_action *act);
/* `at T..U flap GROUPS every P`: run at T and at each toggle after it (the
 * action schedules its own next toggle); partition or heal by the time. */
void pod_net_flap(pod_world *world, const pod_action *act);

/* world_target.c: run-time targets (`crash leader`, `partition leader |
 * rest`...). Resolves `node` (a node or a target) into *out; false, with a
 * trace note, when the target names nobody now. */
bool pod_world_resolve_target(pod_world *world, uint16_t node, const char *verb, uint16_t *out);
/* Writes into *out the action with its targets resolved. False when there is
 * nothing (more) to do: no leader, or a block with targets, done here. */
bool pod_world_resolve_action(pod_world *world, const pod_action *act, pod_action *out);

/* world_disk.c: the disk calls of pod_env.h */
pod_status pod_world_disk_open(pod_env *env, const char *name, uint32_t flags, pod_fd *fd_out);
pod_status pod_world_disk_close(pod_env *env, pod_fd fd);
pod_status pod_world_disk_size(pod_env *env, pod_fd fd, uint64_t *size_out);
pod_status pod_world_disk_read(pod_env *env, pod_fd fd, uint64_t offset, void *buf, uint32_t len,
                               uint32_t *got_out);
pod_status pod_world_disk_write(pod_env *env, pod_fd fd, uint64_t offset, const void *bytes,
                                uint32_t len, uint64_t cookie);
pod_status pod_world_disk_truncate(pod_env *env, pod_fd fd, uint64_t size);
pod_status pod_world_disk_fsync(pod_env *env, pod_fd fd, uint64_t cookie);
pod_status pod_world_disk_dir_fsync(pod_env *env, uint64_t cookie);
pod_status pod_world_disk_rename(pod_env *env, const char *from, const char *to);
pod_status pod_world_disk_unlink(pod_env *env, const char *name);
pod_status pod_world_disk_list(pod_env *env, void (*visit)(void *arg, const char *name), void *arg);
/* The disk config a scenario's `disk` line asks for. */
pod_disk_config pod_world_disk_config(const pod_disk_model *model);
/* Forgets every op in flight (a crash). */
void pod_world_disk_reset_inflight(pod_world_node *n);
/* Finishes op `index` of `node` (a sync becomes durable here) into *done. */
void pod_world_disk_complete(pod_world *world, uint16_t node, uint32_t index, pod_disk_done *done);

/* workload.c: the simulated clients */
bool pod_workload_start(pod_world *world);
void pod_workload_free(pod_world *world);
void pod_workload_on_event(pod_world *world, const pod_event *event);
void pod_workload_on_response(pod_world *world, pod_addr to, const uint8_t *bytes, uint32_t len);

/* world.c */
void pod_world_trace(pod_world *world, pod_trace_kind kind, uint16_t node, uint16_t peer,
                     uint64_t a, uint64_t b, const char *text);
/* Keeps an event for a paused node until it resumes. */
void pod_world_hold(pod_world *world, uint16_t node, const pod_event *event, pod_event_id id);
/* Marks a held timer of `node` cancelled; false if there is none with that id. */
bool pod_world_cancel_held_timer(pod_world *world, uint16_t node, pod_event_id id);
/* Stops the run: the simulator itself failed (out of memory). */
void pod_world_internal_error(pod_world *world, const char *what);
/* Stops the run: a budget ran out. */
void pod_world_budget_exhausted(pod_world *world, const char *text);
/* The value of a counter `expect` may name (validated beforehand). */
uint64_t pod_world_counter_value(const pod_world *world, const char *name);
/* Schedules an event for a node; a full queue is a budget violation. */
bool pod_world_schedule(pod_world *world, pod_event *event, pod_event_id *id_out);

#endif
