/* pod_env.h — the one boundary between the world and the system under test.
 *
 * Code in nodes/ sees the world only through this header: time and timers,
 * a node-private random stream, byte messages to other node ids, and a disk
 * whose writes and syncs complete asynchronously, as events. The simulator
 * (sim/world.c) implements it; a real runtime (sockets, files) could
 * implement the same table and run the same node code unchanged — the idea
 * of SQLite's sqlite3_vfs.
 *
 * Nothing here names a simulator type. Addresses are small integers: nodes
 * are 0..cluster_size-1; simulated clients have addresses from
 * POD_CLIENT_ADDR_BASE up. */
#ifndef PODSIM_POD_ENV_H
#define PODSIM_POD_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint16_t pod_addr;
#define POD_CLIENT_ADDR_BASE ((pod_addr)0x8000)

#define POD_MSG_BYTES_MAX (1u << 20)   /* one message, encoded */
#define POD_FILE_NAME_MAX 63u          /* bytes, without the NUL */

/* Result codes of environment calls. Operating errors, not bugs: a node must
 * handle every one of them. */
typedef enum pod_status {
    POD_OK = 0,
    POD_EIO = 1,          /* the device failed the operation */
    POD_ENOSPC = 2,       /* the disk is full */
    POD_ENOENT = 3,       /* no such file */
    POD_EEXIST = 4,       /* the file exists (exclusive create) */
    POD_EBADF = 5,        /* not an open file */
    POD_EINVAL = 6,       /* bad argument: a name too long, an offset past a limit */
    POD_ELIMIT = 7,       /* a queue or table of the environment is full */
    POD_ECLOSED = 8,      /* the target is down or unreachable (informational) */
} pod_status;

const char *pod_status_name(pod_status status);

typedef int32_t pod_fd;

enum pod_open_flags {
    POD_OPEN_CREATE = 1u << 0, /* create when missing */
    POD_OPEN_EXCL = 1u << 1,   /* with CREATE: fail with POD_EEXIST if present */
};

/* Asynchronous disk operations report here, in the order they complete. */
typedef enum pod_disk_op {
    POD_DISK_WRITE = 1,
    POD_DISK_FSYNC = 2,
    POD_DISK_DIR_FSYNC = 3,
} pod_disk_op;

typedef struct pod_disk_done {
    pod_disk_op op;
    pod_status status;
    pod_fd fd;          /* -1 for a directory fsync */
    uint64_t cookie;    /* what the node passed when it submitted the op */
} pod_disk_done;

typedef struct pod_env pod_env;

/* The operations of the world. Every call is made from the node's own
 * callbacks; none blocks. `ctx` is the implementation's private state. */
typedef struct pod_env_ops {
    /* --- time and timers --- */
    uint64_t (*now_ns)(pod_env *env);
    /* Calls on_timer(cookie) after delay_ns. Returns a timer id (never 0),
     * or 0 when the timer table is full. */
    uint64_t (*timer_set)(pod_env *env, uint64_t delay_ns, uint64_t cookie);
    /* False if the timer already fired or was cancelled. */
    bool (*timer_cancel)(pod_env *env, uint64_t timer_id);

    /* --- randomness: this node's private deterministic stream --- */
    uint64_t (*random_u64)(pod_env *env);

    /* --- network: the bytes are copied; delivery is not guaranteed --- */
    pod_status (*send)(pod_env *env, pod_addr to, const void *bytes, uint32_t len);

    /* --- disk: one flat directory per node (the model: docs/disk-model.md) ---
     * Every call reports operating errors through its own result; for the
     * asynchronous ones (write, fsync, dir_fsync) an error result means no
     * completion will come. */
    /* POD_OPEN_EXCL without POD_OPEN_CREATE is POD_EINVAL. A created file's
     * name is durable only after a directory fsync, even if the file's own
     * data was fsynced. */
    pod_status (*open)(pod_env *env, const char *name, uint32_t flags, pod_fd *fd_out);
    pod_status (*close)(pod_env *env, pod_fd fd);
    /* Size as the node's own reads see it (including unsynced writes). */
    pod_status (*size)(pod_env *env, pod_fd fd, uint64_t *size_out);
    /* Reads complete at once: *got_out < len only at end of file. */
    pod_status (*read)(pod_env *env, pod_fd fd, uint64_t offset, void *buf, uint32_t len,
                       uint32_t *got_out);
    /* Writes are visible to reads at once and durable only after an fsync
     * submitted after them has completed with POD_OK. On POD_OK a completion
     * (op POD_DISK_WRITE, status POD_OK) follows. POD_ENOSPC: the disk is
     * full; POD_ELIMIT: too much unsynced data or too many ops in flight —
     * fsync first. */
    pod_status (*write)(pod_env *env, pod_fd fd, uint64_t offset, const void *bytes,
                        uint32_t len, uint64_t cookie);
    pod_status (*truncate)(pod_env *env, pod_fd fd, uint64_t size);
    /* Completes with POD_OK once every write to the file submitted before it
     * is durable. A completion with POD_EIO means those writes are LOST — from
     * the disk and from what reads return — and a later fsync will report
     * success without them (Linux semantics; PostgreSQL's 2018 "fsyncgate").
     * Never retry an fsync and believe it: treat POD_EIO as fatal. */
    pod_status (*fsync)(pod_env *env, pod_fd fd, uint64_t cookie);
    /* Creates, renames and unlinks are durable only after a directory fsync
     * submitted after them has completed with POD_OK. Its POD_EIO leaves
     * them undecided; a retry may succeed. */
    pod_status (*rename)(pod_env *env, const char *from, const char *to);
    pod_status (*unlink)(pod_env *env, const char *name);
    pod_status (*dir_fsync)(pod_env *env, uint64_t cookie);
    /* Calls visit(name) for every file, in byte-wise name order. */
    pod_status (*list)(pod_env *env, void (*visit)(void *arg, const char *name), void *arg);

    /* --- observability: a note in the trace (not part of behaviour) --- */
    void (*note)(pod_env *env, const char *text);

    /* --- fail-stop: the process exits (as on a failed fsync). Memory is
     * lost, the page cache is not. Takes effect when the current callback
     * returns; the node stays down until restarted. */
    void (*fail_stop)(pod_env *env, const char *why);
} pod_env_ops;

struct pod_env {
    const pod_env_ops *ops;
    void *ctx;
    pod_addr self;
    uint16_t cluster_size;
};

/* A read-only view a node offers to checkers and to the trace. Numbers a
 * node type does not have stay 0. */
typedef enum pod_node_role {
    POD_ROLE_NONE = 0,         /* a node type without roles */
    POD_ROLE_FOLLOWER,
    POD_ROLE_CANDIDATE,
    POD_ROLE_LEADER,
} pod_node_role;

typedef struct pod_node_view {
    uint64_t counters[16];     /* node-type specific, named by counter_names */
    uint64_t applied_index;    /* last log index applied to the state machine */
    uint64_t durable_index;    /* last log index known durable */
    uint64_t state_hash;       /* hash of the applied state (canonical order) */
    /* Replicated node types: */
    pod_node_role role;
    uint64_t term;             /* the Generation Clock */
    uint64_t commit_index;     /* the High-Water Mark as this node knows it */
    uint64_t applied_chain;    /* hash chain over every applied entry: equal at
                                  equal indexes on every node, or they diverged */
} pod_node_view;

/* Node parameters from the scenario file (`node KEY=VALUE`), as text; the
 * node type parses what it understands and rejects what it does not. */
typedef struct pod_node_param {
    const char *key;
    const char *value;
} pod_node_param;

/* A node type: what the world calls. `start` builds the node's memory from
 * the disk alone (after a crash that is all that is left). `stop` is a crash:
 * it frees memory and must not touch the disk. */
typedef struct pod_node_type {
    const char *name;
    /* Checks parameters before a run; on a bad one writes a message into
     * err (what was expected) and returns the index of the bad param. -1
     * when all are good. */
    int (*check_params)(const pod_node_param *params, int param_count, char *err, size_t err_len);
    void *(*start)(pod_env *env, const pod_node_param *params, int param_count);
    void (*stop)(void *node);
    void (*on_message)(void *node, pod_addr from, const uint8_t *bytes, uint32_t len);
    void (*on_timer)(void *node, uint64_t timer_id, uint64_t cookie);
    void (*on_disk)(void *node, const pod_disk_done *done);
    void (*view)(const void *node, pod_node_view *out);
    const char *const *counter_names; /* NULL-terminated, at most 16 */
} pod_node_type;

#endif
