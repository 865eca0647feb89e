/* net_latency.c — one-way latencies, integer only. See net_latency.h. */
#include "sim/net_latency.h"

#include <assert.h>
#include <stdbool.h>

/* ln 2 in Q32: 0.693147180559945... * 2^32 = 2977044471.82, rounded. */
#define NET_LN2_Q32 UINT64_C(2977044472)

/* The fraction bits of log2 come from a mantissa in [1, 2) kept in Q30, so
 * that its square (< 4 in Q30, < 2^32) fits 64 bits with room to spare. */
#define NET_MANT_BITS 30u

uint64_t pod_net_log2_q32(uint64_t m) {
    assert(m >= 1);
    /* The integer part: the position of the highest set bit (<= 63 passes). */
    uint64_t e = 0;
    for (uint64_t t = m; t > 1; t >>= 1)
        e++;
    /* The mantissa m / 2^e in [1, 2), in Q30; bits below 2^-30 are cut. */
    uint64_t f = e >= NET_MANT_BITS ? m >> (e - NET_MANT_BITS) : m << (NET_MANT_BITS - e);
    assert(f >= (UINT64_C(1) << NET_MANT_BITS) && f < (UINT64_C(2) << NET_MANT_BITS));
    /* Binary logarithm by repeated squaring: squaring the mantissa doubles
     * its logarithm; when the square reaches 2, the next fraction bit is 1
     * and the square is halved back into [1, 2). 32 bits, 32 passes. */
    uint64_t frac = 0;
    for (int bit = 31; bit >= 0; bit--) {
        f = (f * f) >> NET_MANT_BITS; /* f < 2^31 here, so f * f < 2^62 */
        if (f >= (UINT64_C(2) << NET_MANT_BITS)) {
            f >>= 1;
            frac |= UINT64_C(1) << bit;
        }
    }
    return (e << 32) | frac;
}

uint64_t pod_net_mul_q32(uint64_t a, uint64_t b_q32) {
    /* a * b as four 32x32 products: a*b = hh 2^64 + (lh + hl) 2^32 + ll, so
     * (a*b) >> 32 = hh 2^32 + lh + hl + (ll >> 32), saturated. */
    uint64_t a_lo = a & UINT32_MAX, a_hi = a >> 32;
    uint64_t b_lo = b_q32 & UINT32_MAX, b_hi = b_q32 >> 32;
    uint64_t ll = a_lo * b_lo, lh = a_lo * b_hi, hl = a_hi * b_lo, hh = a_hi * b_hi;
    if ((hh >> 32) != 0)
        return UINT64_MAX;
    uint64_t mid = lh + hl;
    bool carry = mid < lh;
    uint64_t low = mid + (ll >> 32);
    carry = carry || low < mid;
    if (carry)
        return UINT64_MAX;
    uint64_t top = hh << 32;
    uint64_t sum = top + low;
    return sum < top ? UINT64_MAX : sum;
}

uint64_t pod_net_neg_ln_q32(uint64_t u) {
    assert(u >= 1 && u <= (UINT64_C(1) << 63));
    /* -ln(u / 2^63) = (63 - log2 u) * ln 2; both factors exact to ~2^-28. */
    uint64_t neg_log2 = (UINT64_C(63) << 32) - pod_net_log2_q32(u);
    return pod_net_mul_q32(neg_log2, NET_LN2_Q32);
}

uint64_t pod_net_exp_draw(pod_rng *rng, uint64_t mean_ns, uint64_t floor_ns) {
    /* U = u / 2^63 with u uniform in [1, 2^63]: never 0, so -ln U is finite. */
    uint64_t u = (pod_rng_next(rng) >> 1) + 1;
    uint64_t extra = pod_net_mul_q32(mean_ns, pod_net_neg_ln_q32(u));
    return extra > UINT64_MAX - floor_ns ? UINT64_MAX : floor_ns + extra;
}

uint64_t pod_net_latency_draw(const pod_network_model *m, pod_rng *rng) {
    switch (m->latency_kind) {
    case POD_LATENCY_EXP:
        return pod_net_exp_draw(rng, m->latency_mean_ns, m->latency_min_ns);
    case POD_LATENCY_UNIFORM:
        break;
    }
    assert(m->latency_kind == POD_LATENCY_UNIFORM);
    return pod_rng_range(rng, m->latency_min_ns, m->latency_max_ns);
}
