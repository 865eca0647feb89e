/* fuzz_scenario_roundtrip.c — libFuzzer target for pod_scenario_write:
 * whatever parses is written, the text parses again, and the two
 * scenarios are equal (pod_scenario_equal). The written text is also a
 * fixed point: writing the second scenario gives the same bytes. Any
 * difference aborts with the first field that differs and both texts.
 *
 *   CC=clang cmake -S . -B build-fuzz -DPODSIM_FUZZ=ON && cmake --build build-fuzz
 *   ./build-fuzz/fuzz/fuzz_scenario_roundtrip -dict=fuzz/scenario.dict -max_len=4096 \
 *       corpus-dir fuzz/corpus/scenario_roundtrip fuzz/corpus/scenario */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario.h"
#include "sim/scenario_write.h"

/* Writing adds at most a few bytes per line (" | " for "|", one "node"
 * line per parameter, a full workload line): an input this far below the
 * file limit always has text that fits in a file. */
#define FUZZ_SLACK_BYTES (256u * 1024u)

static void fuzz_fail(const char *what, const char *detail, const uint8_t *input, size_t size,
                      const char *text, size_t text_len) {
    fprintf(stderr, "fuzz_scenario_roundtrip: %s: %s\n--- input (%zu bytes):\n%.*s\n"
                    "--- written (%zu bytes):\n%.*s\n",
            what, detail, size, (int)(size < 8192 ? size : 8192), (const char *)input, text_len,
            (int)(text_len < 8192 ? text_len : 8192), text);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* ~600 KB each and a file-sized buffer: allocated once, not per input
     * and not on the stack. */
    static pod_scenario *first, *second;
    static char *text, *again;
    if (first == NULL) {
        first = malloc(sizeof *first);
        second = malloc(sizeof *second);
        text = malloc(POD_SCN_WRITE_SIZE_MAX);
        again = malloc(POD_SCN_WRITE_SIZE_MAX);
        if (first == NULL || second == NULL || text == NULL || again == NULL)
            abort();
    }
    pod_scn_error err;
    if (!pod_scenario_parse(first, "fuzz.scn", (const char *)data, size, &err))
        return 0;

    size_t len = 0;
    if (!pod_scenario_write(first, "fuzz", text, POD_SCN_WRITE_SIZE_MAX, &len)) {
        if (size + FUZZ_SLACK_BYTES <= POD_SCN_FILE_MAX || len <= POD_SCN_FILE_MAX) {
            char detail[96];
            snprintf(detail, sizeof detail, "needs %zu bytes", len);
            fuzz_fail("write failed", detail, data, size, "", 0);
        }
        return 0; /* a near-limit file whose canonical text is a bit longer */
    }
    if (!pod_scenario_parse(second, "written.scn", text, len, &err)) {
        char detail[512];
        pod_scn_error_format(&err, "written.scn", detail, sizeof detail);
        fuzz_fail("the written text does not parse", detail, data, size, text, len);
    }
    char why[256];
    if (!pod_scenario_equal(first, second, why, sizeof why))
        fuzz_fail("the scenarios differ", why, data, size, text, len);

    size_t again_len = 0;
    if (!pod_scenario_write(second, "fuzz", again, POD_SCN_WRITE_SIZE_MAX, &again_len) ||
        again_len != len || memcmp(text, again, len) != 0)
        fuzz_fail("the text is not canonical", "writing it again differs", data, size, again,
                  again_len);
    return 0;
}
