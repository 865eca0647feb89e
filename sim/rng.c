/* rng.c — splitmix64 and xoshiro256** (Blackman & Vigna), seeded per stream. */
#include "sim/rng.h"

#include <assert.h>

uint64_t pod_splitmix64_next(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void pod_rng_seed(pod_rng *rng, uint64_t seed) {
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++) {
        rng->s[i] = pod_splitmix64_next(&sm);
    }
    /* splitmix64 is a bijection of its counter, so four consecutive outputs
     * are never all zero; xoshiro must not start from the all-zero state. */
    assert((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) != 0);
}

void pod_rng_seed_stream(pod_rng *rng, uint64_t run_seed, uint64_t stream_id) {
    /* Mix the run seed, then the stream id, through splitmix64 so that
     * nearby (seed, stream) pairs land far apart. */
    uint64_t a = run_seed;
    uint64_t mixed = pod_splitmix64_next(&a);
    uint64_t b = mixed ^ stream_id;
    pod_rng_seed(rng, pod_splitmix64_next(&b));
}

uint64_t pod_rng_below(pod_rng *rng, uint64_t bound) {
    assert(bound > 0);
    /* Rejection sampling on the top of the range: unbiased, and the loop
     * ends with probability >= 1/2 per draw. */
    uint64_t const limit = UINT64_MAX - (UINT64_MAX % bound);
    for (;;) {
        uint64_t x = pod_rng_next(rng);
        if (x < limit) return x % bound;
    }
}

uint64_t pod_rng_range(pod_rng *rng, uint64_t lo, uint64_t hi) {
    assert(lo <= hi);
    if (lo == 0 && hi == UINT64_MAX) return pod_rng_next(rng);
    return lo + pod_rng_below(rng, hi - lo + 1);
}

bool pod_rng_chance(pod_rng *rng, uint32_t ppm) {
    assert(ppm <= POD_PPM_ONE);
    if (ppm == 0) return false;
    if (ppm == POD_PPM_ONE) return true;
    return pod_rng_below(rng, POD_PPM_ONE) < ppm;
}
