/* checkers.c — the table of online checkers the world runs. */
#include "sim/check.h"

extern const pod_checker pod_check_echo;

const pod_checker *const pod_checkers[] = {
    &pod_check_echo,
    NULL,
};
