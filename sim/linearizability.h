/* linearizability.h — is a key-value history linearizable?
 *
 * A history (sim/history.h) lists operations: client, invocation time, and
 * either an answer at a completion time or no answer (timed out, or still
 * pending when the run ended). The check asks whether there is one total
 * order of the operations that
 *   - respects real time: if A completed before B was invoked (strictly:
 *     A.complete_ns < B.invoke_ns), A comes first;
 *   - gives every answered operation the answer a sequential key-value
 *     store (nodes/kv_store.h semantics) would give at that point.
 * An operation without an answer may or may not have taken effect, at any
 * time after its invocation: it may be placed anywhere after its invocation
 * or left out, and its result is unconstrained. Answers that mean "not
 * executed" (malformed, too-large, full) are left out before checking:
 * those operations did not happen. "Unavailable" and "not the leader" count
 * as no answer: another copy of the request may have taken effect.
 *
 * Method (docs/invariants.md, "linearizability"): keys are split into
 * independent components (P-compositionality: keys joined by a
 * transaction form one component), and each component is searched
 * depth-first, Wing & Gong / Lowe style, over operations that may go next,
 * with a cache of visited (linearized set, model state) configurations,
 * dropping at once any configuration in which a value an answered
 * operation still needs can no longer be written.
 * Every loop is bounded by the limits below; a limit hit gives the verdict
 * UNKNOWN with the reason, never LINEARIZABLE. The result is a pure
 * function of the history and the limits: no hash order, no clock.
 *
 * On NOT_LINEARIZABLE the result explains which keys, and a small set of
 * operations that cannot be ordered (found by removing operations while the
 * rest stays non-linearizable). */
#ifndef PODSIM_LINEARIZABILITY_H
#define PODSIM_LINEARIZABILITY_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/history.h"

typedef enum pod_lin_verdict {
    POD_LIN_LINEARIZABLE = 0,
    POD_LIN_NOT_LINEARIZABLE = 1,
    POD_LIN_UNKNOWN = 2, /* a limit was hit, or the history is unusable: see reason */
} pod_lin_verdict;

typedef enum pod_lin_reason {
    POD_LIN_REASON_NONE = 0,
    POD_LIN_REASON_OPS_LIMIT,   /* a component has more than component_ops_max operations */
    POD_LIN_REASON_STEPS_LIMIT, /* the search spent steps_max model steps */
    POD_LIN_REASON_MEMO_LIMIT,  /* the visited-state cache reached memo_bytes_max */
    POD_LIN_REASON_NO_MEMORY,   /* malloc failed */
    POD_LIN_REASON_BAD_HISTORY, /* a command that does not decode, or times out of order */
} pod_lin_reason;

typedef struct pod_lin_limits {
    uint32_t component_ops_max;  /* operations in one component */
    uint64_t steps_max;          /* model steps of the search, all components together */
    uint64_t memo_bytes_max;     /* visited-state cache of one component's search */
    uint64_t explain_steps_max;  /* model steps spent shrinking the culprit set */
    uint32_t explain_trials_max; /* searches spent shrinking the culprit set */
} pod_lin_limits;

#define POD_LIN_COMPONENT_OPS_DEFAULT 65536u
#define POD_LIN_STEPS_DEFAULT 20000000u
#define POD_LIN_MEMO_BYTES_DEFAULT (256u << 20)
#define POD_LIN_EXPLAIN_STEPS_DEFAULT 10000000u
#define POD_LIN_EXPLAIN_TRIALS_DEFAULT 4096u

typedef struct pod_lin_stats {
    uint32_t ops;              /* operations in the history */
    uint32_t ops_excluded;     /* answered "not executed": left out */
    uint32_t ops_unknown;      /* no answer (timed out or pending), kept */
    uint32_t ops_dropped;      /* no answer and read-only: cannot matter, left out */
    uint32_t ops_checked;      /* searched: ops - excluded - dropped */
    uint32_t keys;
    uint32_t components;
    uint32_t components_checked; /* decided (linearizable or not) */
    uint32_t largest_component_ops;
    uint64_t steps;            /* model steps tried by the search */
    uint64_t states;           /* distinct configurations visited (cache entries) */
    uint64_t memo_bytes_peak;  /* largest cache of one component */
    uint64_t explain_steps;    /* model steps spent on the explanation */
    uint32_t explain_trials;
} pod_lin_stats;

#define POD_LIN_SUMMARY_MAX 480u          /* one line; fits a checker's message */
#define POD_LIN_EXPLANATION_MAX 16384u    /* several lines */
#define POD_LIN_CULPRITS_MAX 64u          /* culprit operations listed by index */

typedef struct pod_lin_result {
    pod_lin_verdict verdict;
    pod_lin_reason reason;     /* UNKNOWN: why */
    pod_lin_stats stats;
    /* NOT_LINEARIZABLE: the operations that cannot be ordered, as history
     * indexes in invocation order (the first POD_LIN_CULPRITS_MAX). */
    uint32_t culprit_count;
    uint32_t culprits[POD_LIN_CULPRITS_MAX];
    bool culprits_minimal;     /* removing any one makes the rest orderable */
    char summary[POD_LIN_SUMMARY_MAX];         /* one line, for any verdict */
    char explanation[POD_LIN_EXPLANATION_MAX]; /* the culprits, one per line */
} pod_lin_result;

void pod_lin_limits_default(pod_lin_limits *out);

/* Checks `h` with the default limits; the verdict also in out->verdict. */
pod_lin_verdict pod_lin_check(const pod_history *h, pod_lin_result *out);
/* Checks `h` with the given limits (each must be nonzero). */
pod_lin_verdict pod_lin_check_with(const pod_history *h, const pod_lin_limits *limits,
                                   pod_lin_result *out);

const char *pod_lin_verdict_name(pod_lin_verdict verdict);
const char *pod_lin_reason_name(pod_lin_reason reason);

#endif
