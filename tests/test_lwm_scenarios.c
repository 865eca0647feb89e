/* test_lwm_scenarios.c — the Low-Water Mark stories of scenarios/rkv-lwm-*.scn
 * swept over seeds with every checker on (low-water-mark, replication), and
 * the one-hour run whose expectations bound disk usage. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/registry.h"
#include "sim/fuzz.h"
#include "tests/support.h"

/* --- scenarios ---------------------------------------------------------------------------------- */

static void sweep(const char *file, uint64_t seeds, bool swarm) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file(file, &type);
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        pod_run_result r;
        char mix[96];
        pod_verdict v = pod_fuzz_run_seed(scn, type, seed, swarm, &r, mix, sizeof mix);
        cr_assert_eq(v, POD_VERDICT_PASS, "%s seed %lu [%s]: %s: %s\n  replay: podsim run scenarios/%s --seed %lu%s --trace",
                     file, (unsigned long)seed, mix, r.check, r.message, file, (unsigned long)seed,
                     swarm ? " --swarm" : "");
    }
    free(scn);
}

Test(lwm_scenarios, lagging_follower_catches_up_through_a_snapshot) { sweep("rkv-lwm-lagging.scn", 20, false); }
Test(lwm_scenarios, crashes_while_writing_snapshots) { sweep("rkv-lwm-crash-snapshot.scn", 20, false); }
Test(lwm_scenarios, crashes_while_installing_a_snapshot) { sweep("rkv-lwm-crash-install.scn", 20, false); }
Test(lwm_scenarios, crashes_while_cleaning) { sweep("rkv-lwm-crash-clean.scn", 30, false); }
Test(lwm_scenarios, fuzz_mixes_pass) { sweep("rkv-lwm-fuzz.scn", 100, true); }

/* One simulated hour under constant load: the scenario's own expectations
 * bound disk.peak_files and disk.peak_bytes. */
Test(lwm_scenarios, one_simulated_hour_keeps_disk_usage_bounded, .timeout = 600) { sweep("rkv-lwm-long.scn", 1, false); }

/* The same load without snapshots (so without cleaning) runs out of files:
 * the bound above is the cleaner's doing, not the workload's. */
Test(lwm_scenarios, without_the_cleaner_the_same_load_fills_the_disk) {
    pod_scenario *scn = test_scenario(
        "cluster nodes=3 type=rkv\n"
        "node election_ms=150 heartbeat_ms=50 segment_bytes=2048 snapshot_entries=0\n"
        "workload clients=2 mix=put:50,get:20,delete:10,cas:10,txn:10 keys=32 value=8..64 think=50ms..150ms "
        "timeout=500ms\n"
        "run 10m\n"
        "expect disk.peak_files <= 20\n");
    const pod_node_type *type = pod_node_type_find("rkv");
    cr_assert_not_null(type);
    pod_run_result r;
    pod_verdict v = test_run(scn, type, 1, &r);
    cr_assert_eq(v, POD_VERDICT_VIOLATION, "the log stayed small without a cleaner?");
    cr_assert(strstr(r.message, "disk.peak_files") != NULL, "%s", r.message);
    free(scn);
}

/* The tail of the snapshot policy: a follower that lags by less than
 * lwm_tail entries catches up from the log, never through a snapshot; the
 * same lag with no tail costs a transfer. */
static pod_verdict run_lag(uint64_t tail, uint64_t seed, pod_run_result *r, const char *expect) {
    char text[1024];
    snprintf(text, sizeof text,
             "cluster nodes=3 type=rkv\n"
             "node election_ms=150 heartbeat_ms=40 segment_bytes=2048 snapshot_entries=50 lwm_tail=%llu "
             "cleaner_ms=100\n"
             "workload clients=3 keys=16 value=8..64 think=1ms..10ms timeout=300ms\n"
             "run 8s\n"
             "at 1s crash n3\n"
             "at 4s restart n3\n"
             "expect rkv.snapshots >= 10\n"
             "%s\n",
             (unsigned long long)tail, expect);
    pod_scenario *scn = test_scenario(text);
    const pod_node_type *type = pod_node_type_find("rkv");
    cr_assert_not_null(type);
    pod_verdict v = test_run(scn, type, seed, r);
    free(scn);
    return v;
}

Test(lwm_scenarios, a_follower_within_the_tail_catches_up_from_the_log) {
    for (uint64_t seed = 1; seed <= 5; seed++) {
        pod_run_result r;
        pod_verdict v = run_lag(100000, seed, &r, "expect rkv.snapshot_installs == 0");
        cr_assert_eq(v, POD_VERDICT_PASS, "seed %lu, tail 100000: %s: %s", (unsigned long)seed, r.check, r.message);
        v = run_lag(0, seed, &r, "expect rkv.snapshot_installs >= 1");
        cr_assert_eq(v, POD_VERDICT_PASS, "seed %lu, no tail: %s: %s", (unsigned long)seed, r.check, r.message);
    }
}
