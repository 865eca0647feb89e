/* teeth_torn_tail.c — built with PODSIM_TEST_BREAK_KEEP_TORN_TAIL, so its
 * copy of nodes/wal.c keeps a torn tail at recovery and appends after it.
 * The kv-recovery checker must catch that within a few hundred seeds of the
 * crash-loop scenario. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>

#include "tests/support.h"

Test(kv_teeth, keeping_a_torn_tail_is_caught) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file("kv-crash-loop.scn", &type);
    pod_run_result r;
    uint64_t seed = test_first_seed_with(scn, type, 1, 300, POD_VERDICT_VIOLATION, &r);
    cr_assert_neq(seed, 0u, "a WAL that keeps torn tails escaped 300 seeds");
    cr_assert_str_eq(r.check, "kv-recovery");
    fprintf(stderr, "kept torn tail caught at seed %lu: %s\n", (unsigned long)seed, r.message);
    free(scn);
}
