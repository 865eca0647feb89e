/* rng.h — seeded pseudo-randomness: splitmix64 seeding xoshiro256**.
 *
 * Every concern of the simulation (network, disk, faults, workload, each
 * node) draws from its own stream, derived from the run seed and a stream
 * id, so that one more draw in one place never shifts another's sequence.
 * No floating point: probabilities are integers in parts per million. */
#ifndef PODSIM_RNG_H
#define PODSIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct pod_rng {
    uint64_t s[4];
} pod_rng;

/* Stream ids. Per-node streams add the node id to a base. */
enum {
    POD_STREAM_NETWORK = 1,
    POD_STREAM_DISK = 2,
    POD_STREAM_FAULTS = 3,
    POD_STREAM_WORKLOAD = 4,
    POD_STREAM_SWARM = 5, /* fuzz: the per-seed random fault mix */
    POD_STREAM_NODE_BASE = 0x10000,      /* + node id: the node's own stream */
    POD_STREAM_DISK_NODE_BASE = 0x20000, /* + node id: that node's disk */
};

#define POD_PPM_ONE 1000000u /* probability 1.0 in parts per million */

/* Advances *state and returns the next splitmix64 output (Vigna's
 * reference generator, used here only to expand seeds). */
uint64_t pod_splitmix64_next(uint64_t *state);

/* Seeds the four state words from consecutive splitmix64 outputs, as the
 * xoshiro authors recommend. */
void pod_rng_seed(pod_rng *rng, uint64_t seed);

/* Seeds the stream `stream_id` of the run `run_seed`. Distinct stream ids
 * give unrelated sequences for the same run seed. */
void pod_rng_seed_stream(pod_rng *rng, uint64_t run_seed, uint64_t stream_id);

static inline uint64_t pod_rotl64(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

/* The next xoshiro256** output. */
static inline uint64_t pod_rng_next(pod_rng *rng) {
    uint64_t *s = rng->s;
    uint64_t const result = pod_rotl64(s[1] * 5, 7) * 9;
    uint64_t const t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = pod_rotl64(s[3], 45);
    return result;
}

/* A uniform draw in [0, bound), without modulo bias. bound > 0. */
uint64_t pod_rng_below(pod_rng *rng, uint64_t bound);

/* A uniform draw in [lo, hi], inclusive. lo <= hi. */
uint64_t pod_rng_range(pod_rng *rng, uint64_t lo, uint64_t hi);

/* True with probability ppm / 1,000,000. ppm <= POD_PPM_ONE. Draws nothing
 * when ppm is 0 or POD_PPM_ONE, so a disabled fault costs no draw and does
 * not shift the stream. */
bool pod_rng_chance(pod_rng *rng, uint32_t ppm);

#endif
