/* scenario.h — a parsed scenario file: the cluster, the models, the
 * workload, the timed schedule of faults and the expectations.
 *
 * The format is documented in docs/scenarios.md. Every limit below is
 * enforced by the parser with a file:line:col message; nothing is silently
 * truncated. */
#ifndef PODSIM_SCENARIO_H
#define PODSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POD_NODES_MAX 128u
#define POD_SCN_ACTIONS_MAX 4096u
#define POD_SCN_EXPECTS_MAX 64u
#define POD_SCN_PARAMS_MAX 32u
#define POD_SCN_NAME_MAX 63u       /* node type, counter and param names */
#define POD_SCN_VALUE_MAX 255u     /* a node param's value */
#define POD_SCN_LINE_MAX 4096u     /* bytes per line */
#define POD_SCN_FILE_MAX (1u << 20) /* bytes per file */
#define POD_SCN_GROUPS_MAX 16u     /* groups in one partition */
#define POD_SCN_LINKS_MAX 256u     /* directed links with their own settings */
#define POD_SCN_FLAP_TOGGLES_MAX 100000u /* partition/heal toggles of one flap */

typedef enum pod_action_kind {
    POD_ACT_CRASH = 1,   /* at T crash n1: power loss, memory gone */
    POD_ACT_RESTART,     /* at T restart n1: boot from disk */
    POD_ACT_PAUSE,       /* at T pause n1: stops processing, time goes on */
    POD_ACT_RESUME,      /* at T resume n1 */
    POD_ACT_PARTITION,   /* at T partition n1,n2 | n3: groups cannot talk */
    POD_ACT_ISOLATE,     /* at T isolate n1: n1 alone, the rest together */
    POD_ACT_BLOCK,       /* at T block n1 -> n2: one-way, n1's messages to n2 lost */
    POD_ACT_HEAL,        /* at T heal: every link works again */
    POD_ACT_CLOG,        /* at T clog n1 -> n2 for D: the link holds what arrives, releases it at T+D */
    POD_ACT_FLAP,        /* at T..U flap n1 | n2 every P: partition, heal, partition... until U */
} pod_action_kind;

/* Targets resolved at run time (Leader and Followers' nemesis), kept in a
 * pod_action's node/peer in place of a node number. The world learns who
 * leads from the node views (role and term), never from a node's insides:
 *   leader       the up node that reports itself leader with the highest
 *                term (a paused leader still counts: it still believes);
 *   last_leader  the node the latest `leader` target resolved to;
 *   rest         every node but the other side's (block, partition).
 * No leader (or none yet resolved) makes the action a logged no-op. */
#define POD_NODE_LEADER ((uint16_t)0xffffu)
#define POD_NODE_LAST_LEADER ((uint16_t)0xfffeu)
#define POD_NODE_REST ((uint16_t)0xfffdu)

static inline bool pod_node_is_target(uint16_t node) {
    return node == POD_NODE_LEADER || node == POD_NODE_LAST_LEADER;
}

typedef struct pod_action {
    uint64_t at_ns;
    pod_action_kind kind;
    uint32_t line;          /* where it was written, for messages */
    uint16_t node;          /* CRASH..RESUME, ISOLATE; BLOCK, CLOG: the sender;
                               or POD_NODE_LEADER/LAST_LEADER (not CLOG); BLOCK:
                               POD_NODE_REST too; PARTITION: a target means
                               `partition TARGET | rest` (group_of unused) */
    uint16_t peer;          /* BLOCK, CLOG: the receiver (BLOCK: or a target, or REST) */
    /* PARTITION, FLAP: group number of each node, 0..group_count-1. */
    uint8_t group_of[POD_NODES_MAX];
    uint8_t group_count;
    bool both_ways;         /* CLOG: `<->`, peer to node as well */
    uint64_t for_ns;        /* CLOG: how long the link holds its messages (> 0) */
    uint64_t until_ns;      /* FLAP: the end of the flapping (> at_ns), healed there */
    uint64_t every_ns;      /* FLAP: time between toggles (> 0) */
} pod_action;

typedef enum pod_cmp {
    POD_CMP_LT = 1,
    POD_CMP_LE,
    POD_CMP_EQ,
    POD_CMP_NE,
    POD_CMP_GE,
    POD_CMP_GT,
} pod_cmp;

/* `expect COUNTER OP VALUE`: checked at the end of the run. The counter
 * name is resolved by the world (sim counters, then the node type's), so
 * line/col are kept to report an unknown one. */
typedef struct pod_expect {
    char counter[POD_SCN_NAME_MAX + 1];
    pod_cmp cmp;
    uint64_t value;
    uint32_t line;
    uint32_t col;
} pod_expect;

typedef struct pod_scn_param {
    char key[POD_SCN_NAME_MAX + 1];
    char value[POD_SCN_VALUE_MAX + 1];
    uint32_t line;
    uint32_t col;
} pod_scn_param;

/* How a message's one-way latency is drawn (sim/net_latency.h). */
typedef enum pod_latency_kind {
    POD_LATENCY_UNIFORM = 0,  /* uniform in [min, max]; fixed when min == max */
    POD_LATENCY_EXP,          /* min (the floor) + an exponential of mean mean_ns */
} pod_latency_kind;

/* The network line, and the settings of one directed link. Reordering
 * comes from jitter: two messages overtake when their latencies differ. */
typedef struct pod_network_model {
    uint64_t latency_min_ns;  /* UNIFORM: the lower bound; EXP: the floor */
    uint64_t latency_max_ns;  /* UNIFORM: the upper bound; EXP: unused (= min) */
    uint32_t drop_ppm;        /* probability a message is lost */
    uint32_t dup_ppm;         /* probability a message is delivered twice */
    pod_latency_kind latency_kind;
    uint64_t latency_mean_ns; /* EXP: mean of the part above the floor (> 0) */
    uint32_t corrupt_ppm;     /* probability one bit of a message flips in flight */
} pod_network_model;

/* Which keys of a `link` line override the network line. */
enum {
    POD_LINK_SET_LATENCY = 1u << 0,
    POD_LINK_SET_DROP = 1u << 1,
    POD_LINK_SET_DUP = 1u << 2,
    POD_LINK_SET_CORRUPT = 1u << 3,
    POD_LINK_SET_ALL = (1u << 4) - 1u,
};

/* `link nA -> nB KEY=VALUE ...`: one directed link's own settings; the
 * keys not in `set` come from the network line. */
typedef struct pod_link {
    uint16_t from;            /* the link carries from's messages to `to` */
    uint16_t to;
    uint8_t set;              /* POD_LINK_SET_* */
    pod_network_model model;  /* the values of the keys in `set` */
    uint32_t line;            /* of the first line that named the link */
} pod_link;

/* `disk ...`: the simulated disk of every node (sim/disk.h; the model in
 * docs/disk-model.md). Defaults are pod_disk_config_default()'s. */
typedef struct pod_disk_model {
    uint32_t sector_bytes;          /* sector=4096: 512..65536, a power of two */
    uint64_t write_latency_min_ns;  /* latency=10us..100us */
    uint64_t write_latency_max_ns;
    uint64_t sync_latency_min_ns;   /* sync_latency=100us..2ms (fsync, dir fsync) */
    uint64_t sync_latency_max_ns;
    uint32_t read_eio_ppm;          /* read_eio=P: a read fails with EIO */
    uint32_t write_enospc_ppm;      /* enospc=P: a write fails with ENOSPC */
    uint32_t fsync_eio_ppm;         /* fsync_eio=P: an fsync fails, dropping its data */
    uint32_t dir_fsync_eio_ppm;     /* dir_fsync_eio=P */
    uint32_t bitflip_ppm;           /* bitflip=P: per crash, one durable bit flips */
    uint32_t stall_ppm;             /* stall=P: an op stalls for stall_time */
    uint64_t stall_min_ns;          /* stall_time=10ms..1s */
    uint64_t stall_max_ns;
} pod_disk_model;

/* `workload ...`: simulated clients, each a closed loop — think, send one
 * request, wait for its answer or its timeout, record it in the history. */
typedef enum pod_wl_op {
    POD_WL_PUT = 0,
    POD_WL_GET,
    POD_WL_DELETE,
    POD_WL_CAS,
    POD_WL_TXN,
    POD_WL_FGET,   /* a Follower Read: a GET any replica answers (clusters) */
    POD_WL_OP_COUNT
} pod_wl_op;

typedef enum pod_wl_dist {
    POD_WL_UNIFORM = 0, /* every key equally likely */
    POD_WL_HOTSPOT,     /* 80% of requests on the first 20% of the keys */
} pod_wl_dist;

#define POD_WL_CLIENTS_MAX 64u
#define POD_WL_KEYS_MAX 100000u
#define POD_WL_WEIGHT_MAX 1000u

typedef struct pod_workload {
    uint16_t clients;               /* clients=N; 0: no workload */
    uint32_t mix[POD_WL_OP_COUNT];  /* mix=put:40,get:30,...: relative weights */
    uint32_t keys;                  /* keys=N: keys k0..k(N-1) */
    pod_wl_dist dist;               /* dist=uniform|hotspot */
    uint32_t value_min_bytes;       /* value=8..64 (bytes) */
    uint32_t value_max_bytes;
    uint64_t think_min_ns;          /* think=1ms..10ms between requests */
    uint64_t think_max_ns;
    uint64_t timeout_ns;            /* timeout=1s: then the outcome is unknown */
    uint32_t line;                  /* of the first workload line, 0 if none */
} pod_workload;

typedef struct pod_budget {
    uint64_t events_max;      /* events dispatched before the run is stopped */
    uint64_t pending_max;     /* events pending at once */
} pod_budget;

/* `liveness within=D [after=T]`: once the faults have stopped — at the
 * end of the last action's effect, or at T if that is later — a majority is
 * up and connected, a leader is elected and every client request pending
 * then or sent later is answered, each within D; and by the end of the
 * run every live node has applied what was committed by then. Checked by
 * sim/check_liveness.c. within_ns 0: no liveness line. */
typedef struct pod_liveness {
    uint64_t within_ns;       /* D (> 0) */
    uint64_t after_ns;        /* T; 0 when not given */
    uint32_t line;            /* where it was written, for messages; 0: none */
    uint32_t col;
} pod_liveness;

typedef struct pod_scenario {
    char path[256];           /* for messages */
    char node_type[POD_SCN_NAME_MAX + 1];
    uint32_t node_type_line, node_type_col;
    uint16_t node_count;
    bool has_seed;
    uint64_t seed;            /* `seed N`: the default when --seed is absent */
    uint64_t run_ns;          /* `run 10s`: simulated time to run */
    pod_network_model network;
    pod_link links[POD_SCN_LINKS_MAX]; /* no two with the same (from, to) */
    uint32_t link_count;
    pod_disk_model disk;
    pod_workload workload;
    pod_budget budget;
    pod_scn_param params[POD_SCN_PARAMS_MAX];
    uint32_t param_count;
    pod_action actions[POD_SCN_ACTIONS_MAX]; /* sorted by at_ns, stable */
    uint32_t action_count;
    pod_expect expects[POD_SCN_EXPECTS_MAX];
    uint32_t expect_count;
    pod_liveness liveness;
} pod_scenario;

/* Where parsing failed and what was expected. */
typedef struct pod_scn_error {
    uint32_t line;            /* 1-based; 0 when the file could not be read */
    uint32_t col;             /* 1-based */
    char message[256];
} pod_scn_error;

/* Fills *scn with defaults, then parses `text` (len bytes, need not be
 * NUL-terminated). `path` is only used in messages. Returns true on
 * success; on failure fills *err and leaves *scn unspecified. Never reads
 * outside text[0..len). Allocates nothing. */
bool pod_scenario_parse(pod_scenario *scn, const char *path, const char *text, size_t len,
                        pod_scn_error *err);

/* Reads and parses a file. A missing or unreadable file is an error with
 * line 0. */
bool pod_scenario_load(pod_scenario *scn, const char *path, pod_scn_error *err);

/* When the faults of `scn` stop: the latest of its actions' times, flap
 * ends, clog releases and the liveness line's after=. */
uint64_t pod_scenario_quiet_ns(const pod_scenario *scn);

/* Formats "path:line:col: error: message" (or "path: error: message"). */
void pod_scn_error_format(const pod_scn_error *err, const char *path, char *out, size_t out_len);

/* The settings of the directed link from -> to: its `link` lines' keys
 * over the network line's. Nodes outside the cluster (clients) get the
 * network line's. */
void pod_scenario_link_model(const pod_scenario *scn, uint16_t from, uint16_t to,
                             pod_network_model *out);

/* Parses a duration such as "10s", "250ms", "1.5s", "20us", "7ns", "2m".
 * Used by the CLI too. Returns false on junk or overflow. */
bool pod_parse_duration(const char *text, size_t len, uint64_t *ns_out);

#endif
