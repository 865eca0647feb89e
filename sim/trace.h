/* trace.h — what happened in a run: a canonical record per happening, fed
 * into a streaming XXH3 hash, and optionally printed for people (text) or
 * machines (JSON lines).
 *
 * The hash covers a fixed little-endian encoding of every record, so it is
 * the same on every compiler, optimisation level and sanitizer. Printing
 * never changes the hash. */
#ifndef PODSIM_TRACE_H
#define PODSIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xxhash.h>

typedef enum pod_trace_kind {
    POD_TR_RUN_START = 1,  /* a=seed b=node count */
    POD_TR_NODE_START,     /* a=incarnation */
    POD_TR_NODE_CRASH,
    POD_TR_NODE_PAUSE,
    POD_TR_NODE_RESUME,
    POD_TR_MSG_SEND,       /* peer=to a=len b=payload hash */
    POD_TR_MSG_DELIVER,    /* node=to peer=from a=len b=payload hash */
    POD_TR_MSG_DROP,       /* node=from peer=to a=reason b=payload hash */
    POD_TR_MSG_DUP,        /* node=from peer=to b=payload hash */
    POD_TR_TIMER_SET,      /* a=delay b=cookie */
    POD_TR_TIMER_FIRE,     /* a=timer id b=cookie */
    POD_TR_TIMER_CANCEL,   /* a=timer id */
    POD_TR_NET_PARTITION,  /* a=group count */
    POD_TR_NET_ISOLATE,
    POD_TR_NET_BLOCK,      /* node=from peer=to */
    POD_TR_NET_HEAL,
    POD_TR_DISK_OP,        /* a=op b=status; text=details */
    POD_TR_DISK_DONE,      /* a=op b=status */
    POD_TR_NOTE,           /* text from a node */
    POD_TR_VIOLATION,      /* text=what was expected and what was found */
    POD_TR_BUDGET,         /* a=events b=pending; text=which budget */
    POD_TR_RUN_END,        /* a=events */
    POD_TR_KIND_COUNT
} pod_trace_kind;

/* Drop reasons (a of POD_TR_MSG_DROP). */
enum { POD_DROP_LOSS = 1, POD_DROP_PARTITION = 2, POD_DROP_DOWN = 3 };

#define POD_TRACE_NODE_WORLD 0xffffu /* a record about the world, no node */
#define POD_TRACE_FILTER_NODES 129u  /* 128 nodes, then the world */
#define POD_TRACE_TEXT_MAX 1024u     /* bytes of text per record; longer is cut, marked */

typedef struct pod_trace_rec {
    uint64_t time_ns;
    pod_trace_kind kind;
    uint16_t node;
    uint16_t peer;
    uint64_t a;
    uint64_t b;
    const char *text; /* may be NULL */
} pod_trace_rec;

typedef enum pod_trace_format {
    POD_TRACE_NONE = 0,
    POD_TRACE_TEXT,
    POD_TRACE_JSONL,
} pod_trace_format;

#define POD_TRACE_BUF_BYTES 4096u

/* Which records are printed (the hash always covers all of them). A
 * violation is always printed. */
typedef struct pod_trace_filter {
    bool by_node;
    bool nodes[POD_TRACE_FILTER_NODES]; /* by node id; the last slot: the world */
    uint64_t from_ns;                   /* inclusive */
    uint64_t to_ns;                     /* inclusive; 0: no end */
    bool by_kind;
    bool kinds[POD_TR_KIND_COUNT];
} pod_trace_filter;

/* Record-by-record comparison of two runs, to find where they diverge. */
typedef struct pod_trace_compare {
    uint64_t *hashes;          /* record mode: one hash per record, appended */
    uint64_t count;
    uint64_t capacity;         /* at most POD_TRACE_COMPARE_MAX */
    const uint64_t *reference; /* compare mode: the first run's hashes */
    uint64_t reference_count;
    bool diverged;             /* compare mode: the first differing record */
    uint64_t diverged_at;
    char diverged_text[POD_TRACE_TEXT_MAX + 128];
    uint64_t capture_at;       /* render this record (0-based) into captured_text */
    bool capture;
    char captured_text[POD_TRACE_TEXT_MAX + 128];
} pod_trace_compare;

#define POD_TRACE_COMPARE_MAX (1ull << 26) /* records compared one by one */

typedef struct pod_trace {
    XXH3_state_t *xxh;
    FILE *out;                /* where printed records go, when format != NONE */
    pod_trace_format format;
    const pod_trace_filter *filter; /* NULL: print everything */
    pod_trace_compare *compare;     /* NULL: no record-by-record hashes */
    uint64_t records;
    uint32_t buf_used;        /* encoded bytes not yet fed to the hash */
    uint8_t buf[POD_TRACE_BUF_BYTES];
} pod_trace;

/* Returns false when the hash state cannot be allocated. */
bool pod_trace_init(pod_trace *trace, pod_trace_format format, FILE *out);
void pod_trace_free(pod_trace *trace);

void pod_trace_emit(pod_trace *trace, const pod_trace_rec *rec);

/* The hash of every record emitted so far. */
uint64_t pod_trace_hash(pod_trace *trace);

const char *pod_trace_kind_name(pod_trace_kind kind);

/* Renders one record as its text trace line (no newline) into out. */
void pod_trace_render(const pod_trace_rec *rec, char *out, size_t out_len);

/* Writes text[0..len) as a JSON string, quotes included. */
void pod_json_write_string(FILE *out, const char *text, size_t len);

/* Writes "S.NNNNNNNNN" (seconds with nanoseconds) into out. */
void pod_format_time(uint64_t ns, char *out, size_t out_len);

#endif
