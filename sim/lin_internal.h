/* lin_internal.h — the parts of the linearizability checker, shared by its
 * files and by nothing else:
 *
 *   lin_model.c    operations prepared from the history (keys and values
 *                  interned as small ids) and the sequential model's step;
 *   lin_search.c   the depth-first search of one component, with its cache
 *                  of visited configurations;
 *   lin_reach.c    the search's test that every value still needed can
 *                  still be written (drops dead configurations early);
 *   lin_explain.c  shrinking a failing component to a small culprit set,
 *                  and the text that shows it;
 *   linearizability.c  components and the verdict (the public API). */
#ifndef PODSIM_LIN_INTERNAL_H
#define PODSIM_LIN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/history.h"
#include "sim/linearizability.h"

#define LIN_NONE UINT32_MAX
#define LIN_ABSENT 0u                /* the value id of "no value" */
#define LIN_TIME_NEVER UINT64_MAX    /* completion time of an operation without an answer */
#define LIN_MESSAGE_MAX 256u

/* One part of a command, with its key and values as ids. */
typedef struct lin_part {
    uint8_t op;          /* pod_kv_op: PUT, GET, DELETE, CAS, CHECK */
    bool expect_absent;  /* CAS, CHECK */
    uint32_t key;        /* key id, 1.. */
    uint32_t value;      /* PUT, CAS: value id, 1.. */
    uint32_t expected;   /* CAS, CHECK unless expect_absent: value id */
} lin_part;

/* One operation that takes part in the check. */
typedef struct lin_op {
    uint64_t invoke_ns;
    uint64_t complete_ns;  /* LIN_TIME_NEVER when it has no answer */
    uint64_t gave_up_ns;   /* timed out: when the client gave up; else 0 */
    uint32_t hist;         /* index in the history */
    uint32_t part_first;   /* in lin_prep.parts */
    uint32_t result;       /* GET answered ok: the value id */
    uint8_t part_count;
    uint8_t kind;          /* pod_kv_op of the command */
    uint8_t status;        /* answered: its status */
    uint8_t outcome;       /* pod_hist_outcome */
    uint8_t told;          /* answered "unavailable" or "not the leader": that
                              status, the outcome open (no answer); else 0 */
} lin_op;

static inline bool lin_op_answered(const lin_op *o) { return o->complete_ns != LIN_TIME_NEVER; }

/* Byte strings interned as dense ids 1..count, in first-seen order. The
 * bytes stay in the history's arena. The hash index is for lookup only. */
typedef struct lin_strings {
    const uint8_t **bytes;   /* [id] */
    uint32_t *lens;          /* [id] */
    uint64_t *hashes;        /* [id] */
    uint32_t count;
    uint32_t capacity;
    uint32_t *index;         /* open addressing: id, or 0 for an empty slot */
    uint32_t index_mask;
} lin_strings;

/* The history, prepared: the operations that take part, keys and values. */
typedef struct lin_prep {
    const pod_history *h;
    lin_op *ops;             /* in history order */
    uint32_t op_count;
    uint32_t op_capacity;
    lin_part *parts;
    uint32_t part_count;
    uint32_t part_capacity;
    lin_strings keys;
    lin_strings values;
} lin_prep;

/* Fills *p from h; counts into *stats. On BAD_HISTORY, `message` says
 * which operation and why. */
pod_lin_reason lin_prep_build(lin_prep *p, const pod_history *h, pod_lin_stats *stats,
                              char message[LIN_MESSAGE_MAX]);
void lin_prep_free(lin_prep *p);

/* --- the sequential model ------------------------------------------------ */

typedef struct lin_undo {
    uint32_t slot;
    uint32_t old;
} lin_undo;

/* The model's state for one component: a value id per key slot. */
typedef struct lin_state {
    uint32_t *values;
    uint32_t slots;
    uint64_t hash;           /* XOR of lin_state_term over present keys */
} lin_state;

#define LIN_STEP_INCONSISTENT (-1) /* its answer rules out this state */
#define LIN_STEP_NO_EFFECT 0       /* consistent; the state is unchanged */
#define LIN_STEP_CHANGED 1         /* consistent; the state changed */

/* Applies operation `o` to the state; appends the writes to undo (room for
 * POD_KV_TXN_PARTS_MAX entries at *undo_count). Returns LIN_STEP_*; on
 * INCONSISTENT the state is untouched. */
int lin_model_step(const lin_prep *p, const lin_op *o, const uint32_t *slot_of_key, lin_state *st,
                   lin_undo *undo, uint32_t *undo_count);
/* Reverts the writes undo[from..*undo_count), newest first. */
void lin_model_undo(lin_state *st, const lin_undo *undo, uint32_t from, uint32_t *undo_count);

uint64_t lin_mix64(uint64_t x);

/* --- the cache of visited configurations (lin_memo.c) ---------------------- */

typedef struct lin_memo {
    uint64_t *arena;       /* entries, in 64-bit words */
    uint64_t used;         /* words */
    uint64_t capacity;     /* words */
    uint32_t *buckets;     /* word offset + 1 of a bucket's first entry; 0: empty */
    uint32_t bucket_count; /* a power of two, or 0 */
    uint64_t entries;
    uint64_t bytes_max;
    uint32_t twords;       /* words of an unanswered set */
    uint32_t slots;        /* value ids in a state */
    uint32_t *states;      /* interned states: slots value ids each */
    uint64_t *state_hashes;
    uint32_t state_count;
    uint32_t state_capacity;
    uint32_t *state_index; /* open addressing: state id + 1, or 0 */
    uint32_t state_index_mask;
    uint32_t state_index_slots;
} lin_memo;

typedef struct lin_config {
    uint64_t hash;            /* of (answered set, state) */
    uint32_t cprefix;         /* answered operations before it are all ordered */
    const uint64_t *cwindow;  /* the answered bitset's words from cprefix / 64 on */
    uint32_t cwords;          /* a function of cprefix */
    const uint64_t *tbits;    /* unanswered operations ordered: twords words */
    const uint32_t *state;    /* slots value ids */
    uint64_t state_hash;      /* of state */
    const uint32_t *writer;   /* slots: which unanswered op's write each holds unread */
    uint32_t writer_count;    /* of them, how many are not LIN_NONE (mostly none) */
} lin_config;

#define LIN_MEMO_NEW 0       /* not seen before; now stored */
#define LIN_MEMO_SEEN 1      /* seen before */
#define LIN_MEMO_LIMIT 2     /* bytes_max reached */
#define LIN_MEMO_NO_MEMORY 3

void lin_memo_init(lin_memo *m, uint32_t twords, uint32_t slots, uint64_t bytes_max);
void lin_memo_free(lin_memo *m);
int lin_memo_visit(lin_memo *m, const lin_config *cfg);
uint64_t lin_memo_bytes(const lin_memo *m);

/* --- one component's search ---------------------------------------------- */

typedef struct lin_problem {
    const lin_prep *prep;
    const uint32_t *ops;         /* indexes into prep->ops, by invocation (then history) order */
    uint32_t count;
    const uint32_t *slot_of_key; /* key id -> slot in the state */
    uint32_t slots;
} lin_problem;

typedef struct lin_budget {
    uint64_t steps_max;
    uint64_t memo_bytes_max;
} lin_budget;

typedef struct lin_outcome {
    pod_lin_verdict verdict;
    pod_lin_reason reason;
    uint64_t steps;
    uint64_t states;
    uint64_t memo_bytes;
    /* NOT_LINEARIZABLE: position in problem->ops of the answered operation
     * the search never got past (the earliest one left unordered in the
     * configuration that got furthest). */
    uint32_t frontier;
} lin_outcome;

void lin_search(const lin_problem *p, const lin_budget *budget, lin_outcome *out);

/* --- can every needed value still be reached? (lin_reach.c) --------------- */

typedef struct lin_reach {
    uint64_t *pairs;      /* needed (slot << 32 | value id), sorted, distinct */
    uint32_t pair_count;
    uint32_t *need;       /* [pair] answered unordered operations that need it */
    uint32_t *writers;    /* [pair] unordered operations that may write it */
    uint32_t *first;      /* [2 pos]: its needs in list; [2 pos + 1]: its writes; [2 count]: end */
    uint32_t *list;       /* pair indexes */
    uint32_t list_count;
} lin_reach;

/* Counts the needs and writers of problem p, every operation unordered.
 * False when out of memory (free it all the same). */
bool lin_reach_build(lin_reach *r, const lin_problem *p);
void lin_reach_free(lin_reach *r);
/* The operation at position pos is ordered (placed) / unordered again. */
void lin_reach_take(lin_reach *r, uint32_t pos);
void lin_reach_restore(lin_reach *r, uint32_t pos);
/* After lin_reach_take(pos) and its model step (writes undo[from..to)) from
 * a configuration that was not lost: is one needed value now out of reach? */
bool lin_reach_lost_by(const lin_reach *r, uint32_t pos, const lin_state *st, const lin_undo *undo, uint32_t from,
                       uint32_t to);
/* Is one needed value out of reach (tests every pair)? */
bool lin_reach_lost(const lin_reach *r, const lin_state *st);

/* --- explaining a failure -------------------------------------------------- */

typedef struct lin_culprits {
    uint32_t *ops;               /* indexes into prep->ops, by invocation order */
    uint32_t count;
    bool minimal;
    uint64_t steps;
    uint32_t trials;
} lin_culprits;

/* Shrinks the failing problem to a small set that is still not
 * linearizable. False when out of memory (then *out is empty). */
bool lin_explain_shrink(const lin_problem *p, uint32_t frontier, const pod_lin_limits *limits,
                        lin_culprits *out);
void lin_culprits_free(lin_culprits *c);

/* Writes the culprits into out->summary, out->explanation, out->culprits. */
void lin_explain_format(const lin_prep *prep, const lin_problem *component, const lin_culprits *c,
                        pod_lin_result *out);

/* Appends text about one operation ("c1 r3 put k1 \"a\" -> ok ...") to
 * buf[*at..cap); never writes past cap, keeps buf terminated. */
void lin_format_op(const lin_prep *prep, const lin_op *o, bool with_times, char *buf, size_t cap,
                   size_t *at);
/* Appends a byte string, quoted and escaped, at most `shown` bytes of it. */
void lin_format_bytes(const uint8_t *bytes, uint32_t len, uint32_t shown, char *buf, size_t cap,
                      size_t *at);
/* Appends a key: as it is when plain (letters, digits, _-.:/), else quoted. */
void lin_format_key(const lin_prep *prep, uint32_t key, char *buf, size_t cap, size_t *at);
/* Appends printf-style text, truncating at cap (callers check *at). */
void lin_appendf(char *buf, size_t cap, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
