/* wallclock.h — the one door to real time in sim/. Only the fuzz driver's
 * progress display and its --time budget go through it; nothing read here
 * ever reaches a simulated run, whose time is pod_sched.now_ns. */
#ifndef PODSIM_WALLCLOCK_H
#define PODSIM_WALLCLOCK_H

/* Seconds on a monotonic clock, from an arbitrary origin. */
double pod_wallclock_seconds(void);

#endif
