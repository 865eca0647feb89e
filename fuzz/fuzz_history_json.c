/* fuzz_history_json.c — libFuzzer target for the JSON-lines history parser
 * (sim/history_json.h), with the linearizability checker on what parses.
 *
 * Beyond "no crash, no out-of-bounds access, no leak" (ASan, UBSan), it
 * checks what the parser promises: an error has a place inside the input
 * and a message that was not cut short, and leaves the history empty; a
 * parsed history is well formed (commands decode, times in order, one
 * outcome at most per operation), writes out as printable ASCII and reads
 * back as the same history. Then the checker runs on it with small limits
 * and must give a verdict consistent with its result.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPODSIM_FUZZ=ON && cmake --build build-fuzz
 *   ./build-fuzz/fuzz/fuzz_history_json -dict=fuzz/history_json.dict -max_len=4096 \
 *       corpus-dir fuzz/corpus/history_json */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_store.h"
#include "sim/history_json.h"
#include "sim/linearizability.h"

#define FUZZ_CHECK(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz_history_json: check failed: %s (%s:%d)\n", #cond, __FILE__, \
                    __LINE__);                                                               \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

static uint32_t fuzz_line_count(const uint8_t *data, size_t size) {
    uint32_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
    return lines;
}

static void fuzz_check_error(const pod_hist_json_error *err, const pod_history *h, const uint8_t *data,
                             size_t size) {
    FUZZ_CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
    size_t len = strlen(err->message);
    FUZZ_CHECK(len > 0 && len < sizeof err->message - 1); /* a full buffer may have been cut */
    FUZZ_CHECK(h->count == 0 && h->ops == NULL && h->arena == NULL);
    if (err->status == POD_HIST_JSON_E_INPUT && size <= POD_HIST_JSON_FILE_MAX) {
        FUZZ_CHECK(err->line >= 1 && err->line <= fuzz_line_count(data, size));
        FUZZ_CHECK(err->col >= 1 && err->col <= POD_HIST_JSON_LINE_MAX + 1);
    }
    char out[512];
    pod_hist_json_error_format(err, "fuzz.jsonl", out, sizeof out);
    FUZZ_CHECK(strlen(out) < sizeof out - 1);
}

static void fuzz_check_history(const pod_history *h) {
    for (uint32_t i = 0; i < h->count; i++) {
        const pod_hist_op *o = &h->ops[i];
        pod_kv_cmd cmd;
        FUZZ_CHECK((uint64_t)o->cmd_off + o->cmd_len <= h->arena_used);
        FUZZ_CHECK(pod_kv_cmd_decode(pod_history_bytes(h, o->cmd_off), o->cmd_len, &cmd) == POD_KV_OK);
        FUZZ_CHECK(cmd.op == o->op && o->client >= 1);
        FUZZ_CHECK(i == 0 || h->ops[i - 1].invoke_ns <= o->invoke_ns);
        FUZZ_CHECK(o->outcome <= POD_HIST_TIMEOUT);
        if (o->outcome != POD_HIST_PENDING) FUZZ_CHECK(o->complete_ns >= o->invoke_ns);
        if (o->outcome == POD_HIST_DONE) FUZZ_CHECK((uint64_t)o->result_off + o->result_len <= h->arena_used);
    }
}

static void fuzz_check_same(const pod_history *a, const pod_history *b) {
    FUZZ_CHECK(a->count == b->count);
    for (uint32_t i = 0; i < a->count; i++) {
        const pod_hist_op *x = &a->ops[i], *y = &b->ops[i];
        FUZZ_CHECK(x->invoke_ns == y->invoke_ns && x->client == y->client && x->request_no == y->request_no);
        FUZZ_CHECK(x->outcome == y->outcome && x->node == y->node && x->cmd_len == y->cmd_len);
        FUZZ_CHECK(memcmp(pod_history_bytes(a, x->cmd_off), pod_history_bytes(b, y->cmd_off), x->cmd_len) == 0);
        if (x->outcome == POD_HIST_PENDING) continue;
        FUZZ_CHECK(x->complete_ns == y->complete_ns);
        if (x->outcome != POD_HIST_DONE) continue;
        FUZZ_CHECK(x->status == y->status && x->index == y->index && x->result_len == y->result_len);
        FUZZ_CHECK(memcmp(pod_history_bytes(a, x->result_off), pod_history_bytes(b, y->result_off), x->result_len) == 0);
    }
}

/* Writes, checks the text is printable ASCII lines, reads back. */
static void fuzz_round_trip(const pod_history *h) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    FUZZ_CHECK(f != NULL);
    char err[256];
    FUZZ_CHECK(pod_hist_json_write(f, h, err, sizeof err));
    FUZZ_CHECK(fclose(f) == 0);
    for (size_t i = 0; i < len; i++) FUZZ_CHECK(text[i] == '\n' || (text[i] >= 0x20 && text[i] < 0x7f));
    pod_history back;
    pod_hist_json_error perr;
    FUZZ_CHECK(pod_hist_json_parse(text, len, &back, &perr));
    fuzz_check_same(h, &back);
    pod_history_free(&back);
    free(text);
}

/* The checker, with small limits so that every input stays fast. */
static void fuzz_check_linearizability(const pod_history *h) {
    static pod_lin_result r;
    pod_lin_limits limits = {.component_ops_max = 256, .steps_max = 20000, .memo_bytes_max = 1u << 20,
                             .explain_steps_max = 20000, .explain_trials_max = 64};
    pod_lin_verdict v = pod_lin_check_with(h, &limits, &r);
    FUZZ_CHECK(v == r.verdict);
    FUZZ_CHECK(memchr(r.summary, '\0', sizeof r.summary) != NULL && r.summary[0] != '\0');
    FUZZ_CHECK(memchr(r.explanation, '\0', sizeof r.explanation) != NULL);
    FUZZ_CHECK(strchr(r.summary, '\n') == NULL);
    FUZZ_CHECK(r.stats.ops == h->count);
    FUZZ_CHECK(r.stats.ops_checked + r.stats.ops_excluded + r.stats.ops_dropped == r.stats.ops ||
               r.verdict == POD_LIN_UNKNOWN);
    if (v == POD_LIN_NOT_LINEARIZABLE) {
        FUZZ_CHECK(r.culprit_count >= 1 && r.culprit_count <= r.stats.ops);
        for (uint32_t i = 0; i < r.culprit_count && i < POD_LIN_CULPRITS_MAX; i++) FUZZ_CHECK(r.culprits[i] < h->count);
    } else {
        FUZZ_CHECK(r.culprit_count == 0);
    }
    FUZZ_CHECK((v == POD_LIN_UNKNOWN) == (r.reason != POD_LIN_REASON_NONE));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pod_history h;
    pod_hist_json_error err;
    if (!pod_hist_json_parse((const char *)data, size, &h, &err)) {
        fuzz_check_error(&err, &h, data, size);
        return 0;
    }
    fuzz_check_history(&h);
    fuzz_round_trip(&h);
    fuzz_check_linearizability(&h);
    pod_history_free(&h);
    return 0;
}
