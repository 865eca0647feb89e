/* checkers.c — the table of online checkers the world runs. */
#include "sim/check.h"

extern const pod_checker pod_check_echo;
extern const pod_checker pod_check_kv_recovery;
extern const pod_checker pod_check_replication;
extern const pod_checker pod_check_linearizability_kv;
extern const pod_checker pod_check_linearizability_rkv;
extern const pod_checker pod_check_liveness;
extern const pod_checker pod_check_lwm;
extern const pod_checker pod_check_follower_reads;
extern const pod_checker pod_check_repair;

const pod_checker *const pod_checkers[] = {
    &pod_check_echo,
    &pod_check_kv_recovery,
    &pod_check_replication,
    &pod_check_linearizability_kv,
    &pod_check_linearizability_rkv,
    &pod_check_liveness,
    &pod_check_lwm,
    &pod_check_follower_reads,
    &pod_check_repair,
    NULL,
};
