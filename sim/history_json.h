/* history_json.h — a client history (sim/history.h) as JSON lines, read
 * and written: one invocation, answer or timeout per line, in time order.
 * The format is described in docs/history-format.md.
 *
 *   {"type":"invoke","client":1,"id":7,"t":1000000,"op":"put","key":"k1","value":"a"}
 *   {"type":"complete","client":1,"id":7,"t":2000000,"status":"ok"}
 *
 * The parser is strict and bounded: every field is checked, unknown or
 * repeated fields are errors, lines, strings, transactions and the number
 * of operations have limits, and no input makes it recurse (the only
 * nesting is a transaction's list of parts). An error names its line and
 * column and says what was expected. */
#ifndef PODSIM_HISTORY_JSON_H
#define PODSIM_HISTORY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/history.h"

#define POD_HIST_JSON_LINE_MAX (1u << 20)  /* bytes in one line */
#define POD_HIST_JSON_FILE_MAX (1u << 30)  /* bytes in one file */

typedef enum pod_hist_json_status {
    POD_HIST_JSON_OK = 0,
    POD_HIST_JSON_E_INPUT,  /* the text is not a valid history: line and col say where */
    POD_HIST_JSON_E_IO,     /* the file could not be read */
    POD_HIST_JSON_E_NOMEM,  /* out of memory */
} pod_hist_json_status;

typedef struct pod_hist_json_error {
    pod_hist_json_status status;
    uint32_t line;          /* 1-based; 0 when not about a place in the text */
    uint32_t col;           /* 1-based byte column */
    char message[256];
} pod_hist_json_error;

/* Parses text[0..len) into *out, which it initializes (pod_history_init).
 * On success the caller frees *out with pod_history_free; on failure *out
 * is left empty and *err says what went wrong. */
bool pod_hist_json_parse(const char *text, size_t len, pod_history *out, pod_hist_json_error *err);

/* Reads and parses the file at `path` (at most POD_HIST_JSON_FILE_MAX bytes). */
bool pod_hist_json_load(const char *path, pod_history *out, pod_hist_json_error *err);

/* "path:line:col: error: message", or "path: error: message" without a place. */
void pod_hist_json_error_format(const pod_hist_json_error *err, const char *path, char *out, size_t out_len);

/* Writes `h` as JSON lines, in time order (at equal times, invocations
 * before answers, then in history order). False, with a message in
 * err[0..err_len), when an operation's command does not decode or the
 * stream reports an error. */
bool pod_hist_json_write(FILE *out, const pod_history *h, char *err, size_t err_len);

#endif
