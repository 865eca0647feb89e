/* teeth_kv_idempotence.c — built with its own copy of nodes/kv_node.c
 * broken by PODSIM_TEST_BREAK_NO_IDEMPOTENCE: the node forgets the
 * Idempotent Receiver and applies every copy of a request the network
 * duplicated. A duplicated CAS then applies twice: the first copy swaps the
 * value, the second finds its own value and answers "mismatch" — an answer
 * no order of the operations can give. The online linearizability checker
 * must name it within a few hundred fuzz seeds of scenarios/fuzz.scn (the
 * real node passes the CI campaign's 4,000). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz.h"
#include "tests/support.h"

#ifndef PODSIM_TEST_BREAK_NO_IDEMPOTENCE
#error "teeth_kv_idempotence.c needs its breakage switch"
#endif

#define SEEDS_MAX 400u

Test(kv_teeth, a_node_applying_duplicates_twice_is_not_linearizable) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file("fuzz.scn", &type);
    pod_run_result r;
    char mix[96];
    uint64_t found = 0;
    for (uint64_t seed = 1; seed <= SEEDS_MAX && !found; seed++) {
        pod_verdict v = pod_fuzz_run_seed(scn, type, seed, true, &r, mix, sizeof mix);
        if (v == POD_VERDICT_VIOLATION && strcmp(r.check, "linearizability") == 0) found = seed;
    }
    cr_assert_neq(found, 0u, "applying duplicates twice escaped the linearizability check on %u fuzz seeds",
                  SEEDS_MAX);
    fprintf(stderr, "no idempotence: caught at seed %lu [%s] by %s: %s\n", (unsigned long)found, mix, r.check,
            r.message);
    free(scn);
}
