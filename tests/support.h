/* support.h — helpers shared by tests: scenarios from strings, and node
 * types broken on purpose so that each checker is seen to fire. The broken
 * types live here, in tests/, never in the product. */
#ifndef PODSIM_TESTS_SUPPORT_H
#define PODSIM_TESTS_SUPPORT_H

#include "sim/pod_env.h"
#include "sim/scenario.h"
#include "sim/world.h"

/* Parses `text`; fails the current test with the parser's message if it
 * does not parse. The result is heap-allocated: free() it. */
pod_scenario *test_scenario(const char *text);

/* Runs `scn` with `type` and `seed`, no printed trace. */
pod_verdict test_run(const pod_scenario *scn, const pod_node_type *type, uint64_t seed,
                     pod_run_result *result);

/* The echo node, except that about one reply in 40
 * leaves with its nonce garbled: the echo-integrity checker must notice. */
extern const pod_node_type test_broken_echo_type;

/* The key-value node, except that its fsyncs are reported complete at once
 * (the real completion is swallowed): it acknowledges writes before they
 * are durable. The kv-recovery checker must notice after a crash. */
extern const pod_node_type test_kv_ack_early_type;

/* Loads scenarios/NAME from the source tree (fails the test if it does not
 * load and validate). The result is heap-allocated: free() it. */
pod_scenario *test_scenario_file(const char *name, const pod_node_type **type_out);

/* Runs seeds first..last of `scn` with `type`; returns the first seed whose
 * verdict is `want`, or 0 when none is. */
uint64_t test_first_seed_with(const pod_scenario *scn, const pod_node_type *type, uint64_t first,
                              uint64_t last, pod_verdict want, pod_run_result *result);

#endif
