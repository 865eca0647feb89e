/* wallclock.c — see wallclock.h: not for anything a run computes. */
#include "sim/wallclock.h"

#include <time.h>

double pod_wallclock_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
