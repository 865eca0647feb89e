/* test_node_params.c — the value parser node types share. */
#include <criterion/criterion.h>

#include "nodes/node_params.h"

Test(node_params, accepts_plain_decimals_in_range) {
    uint64_t v = 0;
    cr_assert(pod_param_u64("100", 1, 1000, &v));
    cr_assert_eq(v, 100u);
    cr_assert(pod_param_u64("1", 1, 1, &v));
    cr_assert(pod_param_u64("18446744073709551615", 0, UINT64_MAX, &v));
    cr_assert_eq(v, UINT64_MAX);
}

Test(node_params, rejects_everything_else) {
    uint64_t v = 7;
    const char *bad[] = {"", "0", "1001", "-1", "+1", "1e3", "12a", " 1", "18446744073709551616"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t max = i == 8 ? UINT64_MAX : 1000;
        cr_assert_not(pod_param_u64(bad[i], 1, max, &v), "accepted '%s'", bad[i]);
    }
    cr_assert_eq(v, 7u, "a rejected value must not be stored");
}
