/* swarm.h — swarm testing: for each fuzz seed, a random fault mix on top of
 * a scenario. Each fault class (crashes, pauses, partitions, network loss,
 * disk faults, and in clusters faults aimed at the leader) is switched on
 * or off per seed and given an intensity, so that some seeds get only
 * partitions, some only disk faults, some
 * everything — faults that mask each other in a uniform mix get their own
 * seeds (Groce et al., "Swarm Testing", 2012).
 *
 * The mix is a pure function of (scenario, seed): `podsim run FILE --seed N
 * --swarm` replays exactly what `podsim fuzz FILE` ran for seed N. */
#ifndef PODSIM_SWARM_H
#define PODSIM_SWARM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"

/* Which fault classes a seed drew (for summaries and tests). */
typedef struct pod_swarm_mix {
    bool crashes;     /* crash + restart pairs */
    bool pauses;      /* pause + resume pairs */
    bool partitions;  /* partition / isolate / block, each healed */
    bool network;     /* message loss and duplication */
    bool disk;        /* fsync EIO, bit flips, ENOSPC, stalls (with restarts) */
    bool leader;      /* clusters: crash, pause, isolate, partition or block
                         whichever node leads at the time (undone later) */
    uint32_t actions_added;
} pod_swarm_mix;

/* Writes into *out the scenario `base` with seed `seed`'s fault mix added:
 * its actions merged in time order with base's (base's first at equal
 * times), fault settings raised where base has none. Returns false (and
 * *out unspecified) when the actions would not fit POD_SCN_ACTIONS_MAX or
 * memory ran out; *mix_out may be NULL. */
bool pod_swarm_apply(const pod_scenario *base, uint64_t seed, pod_scenario *out,
                     pod_swarm_mix *mix_out);

/* "crashes+partitions+disk, 23 actions" into out. */
void pod_swarm_describe(const pod_swarm_mix *mix, char *out, size_t out_len);

#endif
