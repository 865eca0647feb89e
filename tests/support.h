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

#endif
