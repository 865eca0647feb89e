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

/* The planted bug of docs/fuzzing.md: `podsim fuzz` finds it with random
 * fault mixes, and `podsim shrink` makes the failing seed's scenario small
 * — and the small one still fails the same check. */
#include "sim/fuzz.h"
#include "sim/shrink.h"
#include "sim/swarm.h"

Test(planted_bug, fuzz_finds_it_and_shrink_makes_it_small) {
    const pod_node_type *type;
    pod_scenario *base = test_scenario_file("fuzz.scn", &type);
    uint64_t found = 0;
    pod_run_result r;
    char mix[96];
    for (uint64_t seed = 1; seed <= 300 && !found; seed++) {
        if (pod_fuzz_run_seed(base, type, seed, true, &r, mix, sizeof mix) == POD_VERDICT_VIOLATION) found = seed;
    }
    cr_assert_neq(found, 0u, "300 fuzz seeds missed the planted bug");
    cr_assert_str_eq(r.check, "kv-recovery");
    pod_scenario *scn = malloc(sizeof *scn);
    cr_assert(pod_swarm_apply(base, found, scn, NULL));
    pod_shrink_stats st;
    cr_assert(pod_shrink(scn, type, found, &st, NULL));
    cr_assert_str_eq(st.check, "kv-recovery");
    cr_assert_lt(st.actions_after, st.actions_before, "no action was removed");
    cr_assert_leq(st.run_ns_after, st.run_ns_before);
    pod_run_options opt = {.seed = found, .node_type = type};
    cr_assert_eq(pod_world_run(scn, &opt, &r), POD_VERDICT_VIOLATION, "the shrunk scenario passes");
    cr_assert_str_eq(r.check, "kv-recovery");
    fprintf(stderr, "planted bug: seed %lu, actions %u -> %u, run %lu ms -> %lu ms, %u runs\n",
            (unsigned long)found, st.actions_before, st.actions_after,
            (unsigned long)(st.run_ns_before / 1000000), (unsigned long)(st.run_ns_after / 1000000), st.runs);
    free(scn);
    free(base);
}
