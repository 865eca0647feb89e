/* fuzz_scenario.c — libFuzzer target for the scenario parser and
 * pod_parse_duration.
 *
 * Beyond "no crash and no out-of-bounds read" (ASan, UBSan), it checks
 * what the parser promises: a successful parse satisfies every limit and
 * ordering rule of scenario.h, an error has a place inside the input and a
 * message that was not cut short, and a parsed duration reads back the
 * same from its canonical text.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPODSIM_FUZZ=ON && cmake --build build-fuzz
 *   ./build-fuzz/fuzz/fuzz_scenario -dict=fuzz/scenario.dict -max_len=4096 \
 *       corpus-dir fuzz/corpus/scenario */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"
#include "sim/scn_lex.h"

#define FUZZ_CHECK(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz_scenario: check failed: %s (%s:%d)\n", #cond, __FILE__,    \
                    __LINE__);                                                               \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

static bool fuzz_terminated(const char *s, size_t size) {
    return memchr(s, '\0', size) != NULL;
}

/* A node of the cluster, or a run-time target (leader, last_leader) of a
 * cluster of 2 nodes or more; `rest` only where allowed. */
static bool fuzz_node_ok(const pod_scenario *scn, uint16_t node, bool rest_ok) {
    if (pod_node_is_target(node) || (rest_ok && node == POD_NODE_REST)) return scn->node_count >= 2;
    return node < scn->node_count;
}

static void fuzz_check_action(const pod_scenario *scn, const pod_action *a) {
    FUZZ_CHECK(a->line >= 1);
    FUZZ_CHECK(a->at_ns <= scn->run_ns);
    switch (a->kind) {
    case POD_ACT_CRASH:
    case POD_ACT_RESTART:
    case POD_ACT_PAUSE:
    case POD_ACT_RESUME:
    case POD_ACT_ISOLATE:
        FUZZ_CHECK(fuzz_node_ok(scn, a->node, false));
        break;
    case POD_ACT_BLOCK:
        FUZZ_CHECK(fuzz_node_ok(scn, a->node, true) && fuzz_node_ok(scn, a->peer, true));
        FUZZ_CHECK(a->node != a->peer);
        /* `rest` stands opposite a target, never opposite a node. */
        FUZZ_CHECK(a->node != POD_NODE_REST || pod_node_is_target(a->peer));
        FUZZ_CHECK(a->peer != POD_NODE_REST || pod_node_is_target(a->node));
        break;
    case POD_ACT_CLOG:
        FUZZ_CHECK(a->node < scn->node_count && a->peer < scn->node_count);
        FUZZ_CHECK(a->node != a->peer);
        FUZZ_CHECK(a->for_ns > 0);
        break;
    case POD_ACT_FLAP:
        FUZZ_CHECK(a->until_ns > a->at_ns && a->every_ns > 0);
        FUZZ_CHECK(a->group_count >= 2 && a->group_count <= POD_SCN_GROUPS_MAX);
        for (uint32_t n = 0; n < scn->node_count; n++)
            FUZZ_CHECK(a->group_of[n] < a->group_count);
        break;
    case POD_ACT_PARTITION:
        if (pod_node_is_target(a->node)) { /* `partition leader | rest` */
            FUZZ_CHECK(scn->node_count >= 2 && a->group_count == 2);
            break;
        }
        FUZZ_CHECK(a->node == 0);
        FUZZ_CHECK(a->group_count >= 2 && a->group_count <= POD_SCN_GROUPS_MAX);
        for (uint32_t n = 0; n < scn->node_count; n++)
            FUZZ_CHECK(a->group_of[n] < a->group_count);
        break;
    case POD_ACT_HEAL:
        break;
    default:
        FUZZ_CHECK(!"unknown action kind");
    }
}

static void fuzz_check_scenario(const pod_scenario *scn) {
    FUZZ_CHECK(scn->node_count >= 1 && scn->node_count <= POD_NODES_MAX);
    FUZZ_CHECK(fuzz_terminated(scn->node_type, sizeof scn->node_type));
    FUZZ_CHECK(scn->node_type[0] != '\0' && scn->node_type_line >= 1 && scn->node_type_col >= 1);
    FUZZ_CHECK(scn->run_ns > 0);
    FUZZ_CHECK(scn->network.latency_min_ns <= scn->network.latency_max_ns);
    FUZZ_CHECK(scn->network.drop_ppm <= 1000000u && scn->network.dup_ppm <= 1000000u);
    FUZZ_CHECK(scn->budget.events_max >= 1);
    FUZZ_CHECK(scn->budget.pending_max >= 1 && scn->budget.pending_max <= UINT32_MAX);

    FUZZ_CHECK(scn->param_count <= POD_SCN_PARAMS_MAX);
    for (uint32_t i = 0; i < scn->param_count; i++) {
        const pod_scn_param *p = &scn->params[i];
        FUZZ_CHECK(fuzz_terminated(p->key, sizeof p->key) && p->key[0] != '\0');
        FUZZ_CHECK(fuzz_terminated(p->value, sizeof p->value) && p->value[0] != '\0');
        for (uint32_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(scn->params[j].key, p->key) != 0);
    }

    FUZZ_CHECK(scn->action_count <= POD_SCN_ACTIONS_MAX);
    for (uint32_t i = 0; i < scn->action_count; i++) {
        fuzz_check_action(scn, &scn->actions[i]);
        if (i > 0) {
            FUZZ_CHECK(scn->actions[i - 1].at_ns <= scn->actions[i].at_ns);
            FUZZ_CHECK(scn->actions[i - 1].line < scn->actions[i].line);
        }
    }

    /* A liveness line's bound ends within the run. */
    if (scn->liveness.within_ns > 0) {
        uint64_t quiet = pod_scenario_quiet_ns(scn);
        FUZZ_CHECK(scn->liveness.line >= 1 && scn->liveness.col >= 1);
        FUZZ_CHECK(quiet <= scn->run_ns && scn->liveness.within_ns <= scn->run_ns - quiet);
    } else {
        FUZZ_CHECK(scn->liveness.line == 0);
    }

    FUZZ_CHECK(scn->expect_count <= POD_SCN_EXPECTS_MAX);
    for (uint32_t i = 0; i < scn->expect_count; i++) {
        const pod_expect *e = &scn->expects[i];
        FUZZ_CHECK(fuzz_terminated(e->counter, sizeof e->counter) && e->counter[0] != '\0');
        FUZZ_CHECK(e->cmp >= POD_CMP_LT && e->cmp <= POD_CMP_GT);
        FUZZ_CHECK(e->line >= 1 && e->col >= 1);
    }
}

static uint32_t fuzz_line_count(const uint8_t *data, size_t size) {
    uint32_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    return lines;
}

static void fuzz_check_error(const pod_scn_error *err, const uint8_t *data, size_t size) {
    FUZZ_CHECK(fuzz_terminated(err->message, sizeof err->message));
    size_t len = strlen(err->message);
    /* Every message must fit with room to spare: a full buffer may be cut. */
    FUZZ_CHECK(len > 0 && len < sizeof err->message - 1);
    if (size <= POD_SCN_FILE_MAX) {
        FUZZ_CHECK(err->line >= 1 && err->line <= fuzz_line_count(data, size));
        FUZZ_CHECK(err->col >= 1 && err->col <= POD_SCN_LINE_MAX + 1);
    }
    char out[512];
    pod_scn_error_format(err, "fuzz.scn", out, sizeof out);
    FUZZ_CHECK(strlen(out) < sizeof out - 1);
}

/* The canonical text of a duration reads back to the same value. */
static void fuzz_check_duration(const uint8_t *data, size_t size) {
    uint64_t ns = 0;
    if (!pod_parse_duration((const char *)data, size, &ns))
        return;
    char text[SCN_DURATION_TEXT_SIZE];
    scn_format_duration(ns, text);
    uint64_t again = ~ns;
    FUZZ_CHECK(pod_parse_duration(text, strlen(text), &again));
    FUZZ_CHECK(again == ns);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* ~600 KB: allocated once, not per input and not on the stack. */
    static pod_scenario *scn;
    if (scn == NULL) {
        scn = malloc(sizeof *scn);
        FUZZ_CHECK(scn != NULL);
    }
    pod_scn_error err;
    if (pod_scenario_parse(scn, "fuzz.scn", (const char *)data, size, &err))
        fuzz_check_scenario(scn);
    else
        fuzz_check_error(&err, data, size);

    fuzz_check_duration(data, size);
    /* Short inputs are also tried as the last token of a line, which is how
     * most durations reach the parser. */
    if (size > 0 && size < 64) {
        char line[128];
        int n = snprintf(line, sizeof line, "cluster nodes=2 type=t\nrun %.*s\n", (int)size,
                         (const char *)data);
        FUZZ_CHECK(n > 0 && (size_t)n < sizeof line);
        if (pod_scenario_parse(scn, "fuzz.scn", line, (size_t)n, &err))
            fuzz_check_scenario(scn);
        else
            fuzz_check_error(&err, (const uint8_t *)line, (size_t)n);
    }
    return 0;
}
