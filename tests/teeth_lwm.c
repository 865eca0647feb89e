/* teeth_lwm.c — built twice (tests/CMakeLists.txt), each time with its own
 * copy of one Low-Water Mark file broken by a build switch:
 *   PODSIM_TEST_BREAK_CLEAN_ONE_TOO_MANY      nodes/lwm_cleaner.c: the
 *                                             cleaner also deletes the
 *                                             segment holding the entry
 *                                             just above its mark;
 *   PODSIM_TEST_BREAK_SNAPSHOT_FORGETS_CLIENTS nodes/snapshot_format.c: a
 *                                             snapshot leaves out the
 *                                             Idempotent Receiver's memory
 *                                             of client requests.
 * The checkers must catch each within a few fuzz seeds of
 * scenarios/rkv-lwm-fuzz.scn, on which the real node passes
 * (test_lwm.c, fuzz_mixes_pass). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz.h"
#include "tests/support.h"

#if defined(PODSIM_TEST_BREAK_CLEAN_ONE_TOO_MANY)
#define BREAKAGE "a cleaner that deletes one segment too many"
#define CAUGHT_BY_A "low-water-mark"
#define CAUGHT_BY_B "replication" /* an acknowledged write left a majority first */
#elif defined(PODSIM_TEST_BREAK_SNAPSHOT_FORGETS_CLIENTS)
#define BREAKAGE "a snapshot that forgets the client-request memory"
#define CAUGHT_BY_A "replication"
#define CAUGHT_BY_B "replication"
#else
#error "teeth_lwm.c needs a breakage switch"
#endif

static uint64_t first_violation(const char *file, bool swarm, uint64_t seeds, pod_run_result *r, char *mix) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file(file, &type);
    uint64_t found = 0;
    for (uint64_t seed = 1; seed <= seeds && !found; seed++) {
        if (pod_fuzz_run_seed(scn, type, seed, swarm, r, mix, 96) == POD_VERDICT_VIOLATION) found = seed;
    }
    free(scn);
    return found;
}

Test(lwm_teeth, the_breakage_is_caught_by_fuzz_mixes) {
    pod_run_result r;
    char mix[96];
    uint64_t found = first_violation("rkv-lwm-fuzz.scn", true, 50, &r, mix);
    cr_assert_neq(found, 0u, "%s escaped 50 fuzz seeds", BREAKAGE);
    cr_assert(strcmp(r.check, CAUGHT_BY_A) == 0 || strcmp(r.check, CAUGHT_BY_B) == 0, "caught by %s: %s", r.check,
              r.message);
    fprintf(stderr, "%s: caught at seed %lu [%s] by %s: %s\n", BREAKAGE, (unsigned long)found, mix, r.check,
            r.message);
}

#if defined(PODSIM_TEST_BREAK_CLEAN_ONE_TOO_MANY)
/* The single-node kv store's cleaner has the same breakage: its recovery
 * finds a gap between snapshot and log and refuses to start on a disk that
 * was given no corruption — the kv-recovery checker's "no false refusal". */
Test(lwm_teeth, the_kv_cleaner_breakage_is_caught) {
    pod_run_result r;
    char mix[96];
    uint64_t found = first_violation("kv-lwm-crash.scn", false, 20, &r, mix);
    cr_assert_neq(found, 0u, "the kv cleaner deleting one segment too many escaped 20 seeds");
    cr_assert_str_eq(r.check, "kv-recovery", "%s", r.message);
    fprintf(stderr, "kv cleaner, one segment too many: kv-lwm-crash.scn seed %lu, caught by %s: %s\n",
            (unsigned long)found, r.check, r.message);
}
#endif

Test(lwm_teeth, the_breakage_is_caught_by_the_crash_scenarios) {
    pod_run_result r;
    char mix[96];
    uint64_t found = first_violation("rkv-lwm-crash-snapshot.scn", false, 20, &r, mix);
    cr_assert_neq(found, 0u, "%s escaped 20 seeds of rkv-lwm-crash-snapshot.scn", BREAKAGE);
    fprintf(stderr, "%s: rkv-lwm-crash-snapshot.scn seed %lu, caught by %s: %s\n", BREAKAGE, (unsigned long)found,
            r.check, r.message);
}
