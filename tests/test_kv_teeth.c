/* test_kv_teeth.c — the kv-recovery checker has teeth: a key-value node that
 * acknowledges writes before their fsync completes is caught within a few
 * hundred seeds of the crash-loop scenario, while the real node passes the
 * same seeds. (The torn-tail breakage is tests/teeth_torn_tail.c.) */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support.h"

Test(kv_teeth, acknowledging_before_fsync_is_caught) {
    const pod_node_type *real_type;
    pod_scenario *scn = test_scenario_file("kv-crash-loop.scn", &real_type);
    pod_run_result r;
    uint64_t seed = test_first_seed_with(scn, &test_kv_ack_early_type, 1, 300, POD_VERDICT_VIOLATION, &r);
    cr_assert_neq(seed, 0u, "a node acknowledging before fsync escaped 300 seeds");
    cr_assert_str_eq(r.check, "kv-recovery");
    fprintf(stderr, "ack-before-fsync caught at seed %lu: %s\n", (unsigned long)seed, r.message);
    /* The same seed with the real node holds. */
    cr_assert_eq(test_run(scn, real_type, seed, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
}
