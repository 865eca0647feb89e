/* net_latency.h — drawing a message's one-way latency from a network
 * model: uniform in [MIN, MAX], or a floor plus an exponential of a given
 * mean. Integer arithmetic only, so every build (gcc, clang, -O0, -O2,
 * sanitizers) draws the very same nanoseconds from the same stream.
 *
 * The exponential is the inverse CDF, floor + mean * -ln(U), with U uniform
 * in (0, 1] taken from 63 random bits and -ln computed in Q32 fixed point
 * (a binary logarithm by repeated squaring, times ln 2). Its tail is cut
 * where U is smallest: -ln(2^-63) = 43.67, so a draw never exceeds
 * floor + 43.67 * mean (a real exponential passes that once in 2^63). */
#ifndef PODSIM_NET_LATENCY_H
#define PODSIM_NET_LATENCY_H

#include <stdint.h>

#include "sim/rng.h"
#include "sim/scenario.h"

/* Q32 fixed point: 1.0 is 2^32. */
#define POD_Q32_ONE (UINT64_C(1) << 32)

/* log2(m) in Q32 for m >= 1, accurate to about 2^-28. */
uint64_t pod_net_log2_q32(uint64_t m);

/* -ln(u / 2^63) in Q32 for u in [1, 2^63]: 0 for u = 2^63, about
 * 43.67 * 2^32 for u = 1. */
uint64_t pod_net_neg_ln_q32(uint64_t u);

/* min(UINT64_MAX, floor(a * b_q32 / 2^32)): a duration times a Q32 factor,
 * without overflow. */
uint64_t pod_net_mul_q32(uint64_t a, uint64_t b_q32);

/* floor_ns + mean_ns * -ln(U), U from one draw of `rng`; saturates at
 * UINT64_MAX rather than wrapping. Exactly one draw. */
uint64_t pod_net_exp_draw(pod_rng *rng, uint64_t mean_ns, uint64_t floor_ns);

/* A latency for one message from model `m`: exactly one draw for an
 * exponential, one draw (rarely more: rejection) for a uniform, even a
 * fixed one, as ever, so that old scenarios keep their streams. */
uint64_t pod_net_latency_draw(const pod_network_model *m, pod_rng *rng);

#endif
