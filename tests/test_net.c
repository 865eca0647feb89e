/* test_net.c — the simulated network: latency distributions (bounds,
 * means, the exponential's floor and tail, its integer logarithm against
 * libm), reordering from jitter, duplication, corruption of exactly one
 * bit, per-link settings, clogs that release in order, flapping on its
 * documented schedule, and determinism with every feature on.
 *
 * World-level tests run a probe node type: every millisecond each node
 * sends the next of its numbered messages to the next of its targets; the
 * payload is its (sender, number) word eight times over, so the receiver
 * recovers the number by majority and counts the bits that changed in
 * flight. What was sent and what arrived, with times, is recorded in
 * globals (each Criterion test runs in its own process). */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/echo.h"
#include "nodes/echo_proto.h"
#include "sim/net_latency.h"
#include "sim/rng.h"
#include "tests/support.h"

#define MS UINT64_C(1000000)

/* ---- latency distributions, drawn directly ---- */

static pod_network_model uniform_model(uint64_t min_ns, uint64_t max_ns) {
    return (pod_network_model){.latency_kind = POD_LATENCY_UNIFORM, .latency_min_ns = min_ns,
                               .latency_max_ns = max_ns};
}

static pod_network_model exp_model(uint64_t mean_ns, uint64_t floor_ns) {
    return (pod_network_model){.latency_kind = POD_LATENCY_EXP, .latency_min_ns = floor_ns,
                               .latency_max_ns = floor_ns, .latency_mean_ns = mean_ns};
}

Test(latency, uniform_stays_in_bounds_with_the_right_mean) {
    pod_rng rng;
    pod_rng_seed_stream(&rng, 7, POD_STREAM_NETWORK);
    pod_network_model m = uniform_model(1 * MS, 5 * MS);
    enum { N = 200000 };
    uint64_t lo = UINT64_MAX, hi = 0;
    double sum = 0;
    for (int i = 0; i < N; i++) {
        uint64_t x = pod_net_latency_draw(&m, &rng);
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
        sum += (double)x;
    }
    cr_assert_geq(lo, 1 * MS);
    cr_assert_leq(hi, 5 * MS);
    cr_assert_lt(lo, 1 * MS + 1000, "the low end is reached");
    cr_assert_gt(hi, 5 * MS - 1000, "the high end is reached");
    double mean = sum / N;
    cr_assert(fabs(mean - 3e6) < 0.01 * 3e6, "mean %.0f, want 3000000", mean);
}

/* A fixed latency is a uniform one with MIN == MAX: the same value, and
 * the same one draw per message as `latency=D` always took. */
Test(latency, fixed_is_fixed_and_draws_as_it_always_did) {
    pod_rng a, b;
    pod_rng_seed_stream(&a, 3, POD_STREAM_NETWORK);
    pod_rng_seed_stream(&b, 3, POD_STREAM_NETWORK);
    pod_network_model m = uniform_model(5 * MS, 5 * MS);
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(pod_net_latency_draw(&m, &a), 5 * MS);
        (void)pod_rng_range(&b, 5 * MS, 5 * MS);
    }
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "the stream moved as pod_rng_range moves it");
}

Test(latency, exponential_respects_its_floor_mean_and_tail) {
    pod_rng rng;
    pod_rng_seed_stream(&rng, 11, POD_STREAM_NETWORK);
    const uint64_t mean_ns = 4 * MS, floor_ns = 1 * MS;
    pod_network_model m = exp_model(mean_ns, floor_ns);
    enum { N = 400000 };
    uint64_t lo = UINT64_MAX, hi = 0;
    double sum = 0, sum_sq = 0;
    uint32_t above_mean = 0, above_3mean = 0, below_median = 0;
    for (int i = 0; i < N; i++) {
        uint64_t x = pod_net_latency_draw(&m, &rng);
        cr_assert_geq(x, floor_ns, "draw %d: %llu is below the floor", i, (unsigned long long)x);
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
        double e = (double)(x - floor_ns);
        sum += e;
        sum_sq += e * e;
        above_mean += x - floor_ns > mean_ns;
        above_3mean += x - floor_ns > 3 * mean_ns;
        below_median += (double)(x - floor_ns) < log(2.0) * (double)mean_ns;
    }
    double mean = sum / N, sd = sqrt(sum_sq / N - mean * mean);
    /* An exponential: mean = sd = MEAN; P(X > MEAN) = 1/e; P(X > 3 MEAN) =
     * e^-3; the median is MEAN ln 2. Tolerances are many standard errors. */
    cr_assert(fabs(mean - 4e6) < 0.01 * 4e6, "mean above the floor %.0f, want 4000000", mean);
    cr_assert(fabs(sd - 4e6) < 0.02 * 4e6, "sd %.0f, want 4000000", sd);
    cr_assert(fabs((double)above_mean / N - exp(-1.0)) < 0.005, "P(X > mean) = %f",
              (double)above_mean / N);
    cr_assert(fabs((double)above_3mean / N - exp(-3.0)) < 0.003, "P(X > 3 mean) = %f",
              (double)above_3mean / N);
    cr_assert(fabs((double)below_median / N - 0.5) < 0.005, "P(X < median) = %f",
              (double)below_median / N);
    cr_assert_lt(lo, floor_ns + 1000, "draws come close to the floor");
    /* The tail is cut at -ln(2^-63) = 43.67 means. */
    cr_assert_leq(hi, floor_ns + (uint64_t)(43.7 * (double)mean_ns));
}

Test(latency, exponential_floor_zero_and_tiny_mean) {
    pod_rng rng;
    pod_rng_seed_stream(&rng, 5, POD_STREAM_NETWORK);
    pod_network_model m = exp_model(1, 0);
    uint64_t hi = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t x = pod_net_latency_draw(&m, &rng);
        hi = x > hi ? x : hi;
    }
    cr_assert_leq(hi, 43u, "1ns mean: at most 43ns");
}

Test(latency, exponential_saturates_instead_of_wrapping) {
    pod_rng rng;
    pod_rng_seed_stream(&rng, 5, POD_STREAM_NETWORK);
    pod_network_model m = exp_model(UINT64_MAX / 2, UINT64_MAX - 10);
    uint32_t saturated = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = pod_net_latency_draw(&m, &rng);
        cr_assert_geq(x, UINT64_MAX - 10);
        saturated += x == UINT64_MAX;
    }
    cr_assert_gt(saturated, 900u);
}

/* Exactly one draw per exponential latency, whatever the value. */
Test(latency, exponential_takes_exactly_one_draw) {
    pod_rng a, b;
    pod_rng_seed_stream(&a, 9, POD_STREAM_NETWORK);
    pod_rng_seed_stream(&b, 9, POD_STREAM_NETWORK);
    for (int i = 0; i < 1000; i++) {
        (void)pod_net_exp_draw(&a, 3 * MS, 0);
        (void)pod_rng_next(&b);
    }
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
}

/* The integer logarithm against libm, over the whole range of u. */
Test(latency, integer_neg_ln_matches_libm) {
    cr_assert_eq(pod_net_neg_ln_q32(UINT64_C(1) << 63), 0u, "-ln 1 = 0");
    for (uint32_t e = 0; e < 64; e++)
        cr_assert_eq(pod_net_log2_q32(UINT64_C(1) << e), (uint64_t)e << 32, "log2 2^%u", e);
    pod_rng rng;
    pod_rng_seed(&rng, 42);
    double worst = 0;
    for (int i = 0; i < 200000; i++) {
        /* u spread over every magnitude, plus the extremes */
        uint64_t u = (pod_rng_next(&rng) >> 1) >> (i % 63);
        if (i < 4) u = (uint64_t[]){1, 2, 3, (UINT64_C(1) << 63) - 1}[i];
        if (u == 0) u = 1;
        double want = -log((double)u / 9223372036854775808.0);
        double got = (double)pod_net_neg_ln_q32(u) / 4294967296.0;
        double err = fabs(got - want);
        worst = err > worst ? err : worst;
        cr_assert(err < 2e-7, "u=%llu: %.12f, libm %.12f", (unsigned long long)u, got, want);
    }
    cr_log_info("worst |error| of -ln: %.3g", worst);
    double top = (double)pod_net_neg_ln_q32(1) / 4294967296.0;
    cr_assert(fabs(top - 63 * log(2.0)) < 1e-7, "-ln 2^-63 = %f", top);
}

Test(latency, q32_multiply_is_exact_and_saturates) {
    cr_assert_eq(pod_net_mul_q32(12345, POD_Q32_ONE), 12345u);
    cr_assert_eq(pod_net_mul_q32(UINT64_MAX, POD_Q32_ONE), UINT64_MAX);
    cr_assert_eq(pod_net_mul_q32(UINT64_MAX, POD_Q32_ONE / 2), UINT64_MAX / 2);
    cr_assert_eq(pod_net_mul_q32(3, POD_Q32_ONE / 2), 1u, "floor(1.5)");
    cr_assert_eq(pod_net_mul_q32(UINT64_MAX, 2 * POD_Q32_ONE), UINT64_MAX);
    cr_assert_eq(pod_net_mul_q32(UINT64_C(1) << 40, UINT64_C(1) << 40), UINT64_C(1) << 48);
    cr_assert_eq(pod_net_mul_q32(UINT64_C(1) << 63, UINT64_C(1) << 33), UINT64_MAX);
    cr_assert_eq(pod_net_mul_q32(0, UINT64_MAX), 0u);
    cr_assert_eq(pod_net_mul_q32(UINT64_MAX, UINT64_MAX), UINT64_MAX);
}

/* ---- the probe node ---- */

#define PROBE_WORDS 8u
#define PROBE_BYTES (PROBE_WORDS * 4u)
#define PROBE_NODES 4u
#define PROBE_SENT_MAX 20000u
#define PROBE_RECV_MAX 80000u

typedef struct probe_sent {
    uint64_t at_ns;
    uint16_t to;
} probe_sent;

typedef struct probe_recv {
    uint64_t at_ns;
    uint16_t from;
    uint16_t to;
    uint32_t seq;
    uint32_t flips;    /* bits that differ from what was sent */
    uint32_t flip_bit; /* the first of them */
} probe_recv;

static uint32_t g_targets[PROBE_NODES]; /* bit p: the node sends to p, in turn */
static uint32_t g_send_max = 1000;      /* messages per node */
static probe_sent g_sent[PROBE_NODES][PROBE_SENT_MAX];
static uint32_t g_sent_count[PROBE_NODES];
static probe_recv g_recv[PROBE_RECV_MAX];
static uint32_t g_recv_count;

static void probe_reset(void) {
    memset(g_sent_count, 0, sizeof g_sent_count);
    g_recv_count = 0;
}

typedef struct probe_node {
    pod_env *env;
    uint32_t seq;
    uint16_t next_target;
} probe_node;

static void probe_encode(uint32_t word, uint8_t out[PROBE_BYTES]) {
    for (uint32_t w = 0; w < PROBE_WORDS; w++)
        for (uint32_t i = 0; i < 4; i++) out[w * 4 + i] = (uint8_t)(word >> (8 * i));
}

static void *probe_start(pod_env *env, const pod_node_param *params, int count) {
    (void)params, (void)count;
    probe_node *p = calloc(1, sizeof *p);
    p->env = env;
    env->ops->timer_set(env, MS, 0);
    return p;
}

static void probe_stop(void *mem) { free(mem); }

static void probe_timer(void *mem, uint64_t id, uint64_t cookie) {
    (void)id, (void)cookie;
    probe_node *p = mem;
    pod_env *env = p->env;
    uint16_t self = env->self;
    uint32_t targets = g_targets[self];
    if (targets == 0 || p->seq >= g_send_max) return;
    uint16_t to = p->next_target;
    while (!(targets & (1u << to))) to = (uint16_t)((to + 1) % env->cluster_size);
    p->next_target = (uint16_t)((to + 1) % env->cluster_size);
    uint8_t bytes[PROBE_BYTES];
    probe_encode((uint32_t)self << 24 | p->seq, bytes);
    g_sent[self][p->seq] = (probe_sent){.at_ns = env->ops->now_ns(env), .to = to};
    g_sent_count[self] = ++p->seq;
    env->ops->send(env, to, bytes, sizeof bytes);
    env->ops->timer_set(env, MS, 0);
}

/* The word that most copies agree on; with one bit flipped, 7 of 8 do. */
static uint32_t probe_majority(const uint8_t *b) {
    uint32_t words[PROBE_WORDS];
    for (uint32_t w = 0; w < PROBE_WORDS; w++) {
        words[w] = 0;
        for (uint32_t i = 0; i < 4; i++) words[w] |= (uint32_t)b[w * 4 + i] << (8 * i);
    }
    for (uint32_t w = 0; w < PROBE_WORDS; w++) {
        uint32_t same = 0;
        for (uint32_t v = 0; v < PROBE_WORDS; v++) same += words[v] == words[w];
        if (same > PROBE_WORDS / 2) return words[w];
    }
    return UINT32_MAX;
}

static void probe_message(void *mem, pod_addr from, const uint8_t *b, uint32_t len) {
    probe_node *p = mem;
    cr_assert_eq(len, PROBE_BYTES);
    uint32_t word = probe_majority(b);
    cr_assert_neq(word, UINT32_MAX, "no majority: more than one bit changed");
    cr_assert_eq(word >> 24, (uint32_t)from, "the sender's id survives");
    uint8_t want[PROBE_BYTES];
    probe_encode(word, want);
    probe_recv r = {.at_ns = p->env->ops->now_ns(p->env), .from = from, .to = p->env->self,
                    .seq = word & 0xffffffu, .flip_bit = UINT32_MAX};
    for (uint32_t i = 0; i < PROBE_BYTES * 8; i++) {
        if (((b[i / 8] ^ want[i / 8]) >> (i % 8)) & 1u) {
            r.flips++;
            if (r.flip_bit == UINT32_MAX) r.flip_bit = i;
        }
    }
    cr_assert_lt(g_recv_count, PROBE_RECV_MAX);
    g_recv[g_recv_count++] = r;
}

static const pod_node_type probe_type = {
    .name = "probe", .start = probe_start, .stop = probe_stop, .on_message = probe_message,
    .on_timer = probe_timer,
};

static pod_run_result run_probe(const char *text, uint64_t seed) {
    probe_reset();
    pod_scenario *scn = test_scenario(text);
    pod_run_result r;
    pod_verdict v = test_run(scn, &probe_type, seed, &r);
    cr_assert_eq(v, POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    free(scn);
    return r;
}

/* Messages from `from` to `to`, in arrival order, into out; returns the count. */
static uint32_t arrivals(uint16_t from, uint16_t to, const probe_recv **out, uint32_t out_max) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < g_recv_count && n < out_max; i++) {
        if (g_recv[i].from == from && g_recv[i].to == to) out[n++] = &g_recv[i];
    }
    return n;
}

static uint32_t sent_to(uint16_t from, uint16_t to) {
    uint32_t n = 0;
    for (uint32_t s = 0; s < g_sent_count[from]; s++) n += g_sent[from][s].to == to;
    return n;
}

static const probe_recv *g_view[PROBE_RECV_MAX];

/* ---- reordering, duplication, corruption ---- */

Test(net, jitter_reorders_and_a_fixed_latency_does_not) {
    g_targets[0] = 1u << 1; /* n1 -> n2 every ms */
    run_probe("cluster nodes=2 type=probe\nrun 2s\nnetwork latency=1ms..20ms\n", 1);
    uint32_t n = arrivals(0, 1, g_view, PROBE_RECV_MAX), overtaken = 0;
    cr_assert_eq(n, g_sent_count[0], "nothing lost, nothing doubled");
    for (uint32_t i = 1; i < n; i++) overtaken += g_view[i]->seq < g_view[i - 1]->seq;
    cr_assert_gt(overtaken, 50u, "jitter reorders: %u overtakings", overtaken);

    run_probe("cluster nodes=2 type=probe\nrun 2s\nnetwork latency=fixed:7ms\n", 1);
    n = arrivals(0, 1, g_view, PROBE_RECV_MAX);
    cr_assert_eq(n, g_sent_count[0]);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(g_view[i]->seq, i, "a fixed latency keeps the order");
        cr_assert_eq(g_view[i]->at_ns, g_sent[0][i].at_ns + 7 * MS);
    }

    run_probe("cluster nodes=2 type=probe\nrun 2s\nnetwork latency=exp:3ms+1ms\n", 1);
    n = arrivals(0, 1, g_view, PROBE_RECV_MAX);
    overtaken = 0;
    for (uint32_t i = 1; i < n; i++) overtaken += g_view[i]->seq < g_view[i - 1]->seq;
    cr_assert_gt(overtaken, 50u, "an exponential reorders too: %u overtakings", overtaken);
}

Test(net, duplicates_arrive_twice_never_more) {
    g_targets[0] = 1u << 1;
    g_send_max = 5000;
    run_probe("cluster nodes=2 type=probe\nrun 6s\nnetwork dup=10%\n"
              "expect messages.duplicated > 400\nexpect messages.duplicated < 600\n", 2);
    static uint8_t seen[PROBE_SENT_MAX];
    uint32_t n = arrivals(0, 1, g_view, PROBE_RECV_MAX), twice = 0;
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_lt(seen[g_view[i]->seq], 2, "seq %u arrived three times", g_view[i]->seq);
        twice += ++seen[g_view[i]->seq] == 2;
    }
    cr_assert_eq(n, g_sent_count[0] + twice);
    cr_assert(twice > 400 && twice < 600, "%u of %u duplicated, want ~10%%", twice,
              g_sent_count[0]);
}

Test(net, corruption_flips_exactly_one_bit) {
    g_targets[0] = 1u << 1;
    g_send_max = 10000;
    run_probe("cluster nodes=2 type=probe\nrun 11s\nnetwork corrupt=20%\n", 3);
    uint32_t n = arrivals(0, 1, g_view, PROBE_RECV_MAX), corrupted = 0;
    static bool bit_seen[PROBE_BYTES * 8];
    cr_assert_eq(n, g_sent_count[0]);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_leq(g_view[i]->flips, 1u, "seq %u: %u bits changed", g_view[i]->seq,
                      g_view[i]->flips);
        if (g_view[i]->flips == 1) {
            corrupted++;
            bit_seen[g_view[i]->flip_bit] = true;
        }
    }
    cr_assert(corrupted > 1800 && corrupted < 2200, "%u of %u corrupted, want ~20%%", corrupted, n);
    uint32_t bits = 0;
    for (uint32_t i = 0; i < PROBE_BYTES * 8; i++) bits += bit_seen[i];
    cr_assert_geq(bits, PROBE_BYTES * 8 - 6, "any bit of the message can flip (%u did)", bits);

    run_probe("cluster nodes=2 type=probe\nrun 2s\nnetwork corrupt=0 drop=1%\n", 3);
    n = arrivals(0, 1, g_view, PROBE_RECV_MAX);
    for (uint32_t i = 0; i < n; i++) cr_assert_eq(g_view[i]->flips, 0u);
}

/* An echo node that trusts what arrives: it "repairs" the checksum of
 * every frame before its real code sees it (a node that skips the check),
 * so it answers a corrupted ping with the corrupted nonce. */
static void trusting_on_message(void *mem, pod_addr from, const uint8_t *bytes, uint32_t len) {
    uint8_t copy[ECHO_MSG_BYTES];
    if (len == ECHO_MSG_BYTES) {
        memcpy(copy, bytes, len);
        uint64_t sum = XXH3_64bits(copy, ECHO_BODY_BYTES);
        for (uint32_t i = 0; i < 8; i++) copy[ECHO_BODY_BYTES + i] = (uint8_t)(sum >> (8 * i));
        bytes = copy;
    }
    pod_echo_node_type.on_message(mem, from, bytes, len);
}

/* The echo protocol's checksum: with 2% of messages corrupted in flight,
 * the echo node drops what fails it (counted as `corrupt`) and the run
 * passes; a node that skips the check answers corrupted pings, and the
 * echo-integrity checker, reading the wire, catches it. */
Test(net, corrupted_echo_messages_are_dropped_and_a_node_trusting_them_is_caught) {
    pod_scenario *scn = test_scenario("cluster nodes=3 type=echo\nnode interval_ms=10\nrun 5s\n"
                                      "network corrupt=2%\nexpect echo.corrupt > 0\n");
    pod_run_result r;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 1, &r), POD_VERDICT_PASS, "%s: %s", r.check, r.message);
    pod_node_type trusting = pod_echo_node_type;
    trusting.on_message = trusting_on_message;
    cr_assert_eq(test_run(scn, &trusting, 1, &r), POD_VERDICT_VIOLATION);
    cr_assert_str_eq(r.check, "echo-integrity");
    cr_assert(strstr(r.message, "no such ping") != NULL, "%s", r.message);
    free(scn);
}

/* ---- per-link settings ---- */

Test(net, a_link_line_overrides_the_network_line_one_way_or_both) {
    /* n1 sends to n2 and n3; n2 sends to n1 and n3. */
    g_targets[0] = 1u << 1 | 1u << 2;
    g_targets[1] = 1u << 0 | 1u << 2;
    run_probe("cluster nodes=3 type=probe\nrun 3s\n"
              "network latency=fixed:1ms\n"
              "link n1 -> n3 latency=fixed:7ms drop=100%\n"
              "link n1 <-> n2 latency=fixed:4ms\n"
              "link n3 -> n1 drop=50%\n", 1);
    uint32_t n = arrivals(0, 2, g_view, PROBE_RECV_MAX);
    cr_assert_eq(n, 0u, "n1 -> n3 drops everything");
    n = arrivals(0, 1, g_view, PROBE_RECV_MAX);
    cr_assert_eq(n, sent_to(0, 1));
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(g_view[i]->at_ns, g_sent[0][g_view[i]->seq].at_ns + 4 * MS, "n1 -> n2: 4ms");
    n = arrivals(1, 0, g_view, PROBE_RECV_MAX);
    cr_assert_eq(n, sent_to(1, 0));
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(g_view[i]->at_ns, g_sent[1][g_view[i]->seq].at_ns + 4 * MS, "n2 -> n1: 4ms");
    n = arrivals(1, 2, g_view, PROBE_RECV_MAX);
    cr_assert_eq(n, sent_to(1, 2));
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(g_view[i]->at_ns, g_sent[1][g_view[i]->seq].at_ns + 1 * MS,
                     "n2 -> n3: the network line's 1ms");
}

Test(net, a_link_with_an_exponential_latency_keeps_its_floor) {
    g_targets[0] = 1u << 1;
    g_send_max = 5000;
    run_probe("cluster nodes=2 type=probe\nrun 6s\nlink n1 -> n2 latency=exp:5ms+2ms\n", 4);
    uint32_t n = arrivals(0, 1, g_view, PROBE_RECV_MAX);
    cr_assert_eq(n, g_sent_count[0]);
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t latency = g_view[i]->at_ns - g_sent[0][g_view[i]->seq].at_ns;
        cr_assert_geq(latency, 2 * MS, "below the floor");
        sum += (double)latency;
    }
    double mean = sum / n;
    cr_assert(fabs(mean - 7e6) < 0.05 * 7e6, "mean latency %.0f, want 7000000", mean);
}

/* A setting that equals the network line's changes nothing, not even a
 * draw; and neither does a feature at 0. */
Test(net, settings_that_change_nothing_keep_the_hash) {
    g_targets[0] = 1u << 1 | 1u << 2;
    g_targets[1] = 1u << 0;
    const char *base = "cluster nodes=3 type=probe\nrun 2s\nnetwork drop=3% dup=2%\n";
    pod_run_result a = run_probe(base, 9);
    char text[512];
    snprintf(text, sizeof text, "%snetwork corrupt=0\nlink n1 <-> n2 drop=3%% dup=2%% "
             "latency=uniform:1ms..5ms corrupt=0\n", base);
    pod_run_result b = run_probe(text, 9);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    snprintf(text, sizeof text, "%slink n1 -> n2 latency=1ms..6ms\n", base);
    pod_run_result c = run_probe(text, 9);
    cr_assert_neq(a.trace_hash, c.trace_hash);
}

/* ---- clogs ---- */

Test(net, a_clog_holds_the_link_and_releases_everything_in_order_at_its_end) {
    g_targets[0] = 1u << 1 | 1u << 2; /* n1 -> n2 and n1 -> n3, alternately */
    g_targets[1] = 1u << 0;
    run_probe("cluster nodes=3 type=probe\nrun 1s\nnetwork latency=fixed:1ms\n"
              "at 100ms clog n1 -> n2 for 50ms\n", 1);
    uint32_t n = arrivals(0, 1, g_view, PROBE_RECV_MAX);
    cr_assert_eq(n, sent_to(0, 1), "a clog loses nothing");
    uint32_t held = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t sent = g_sent[0][g_view[i]->seq].at_ns, due = sent + MS;
        if (i > 0) cr_assert_gt(g_view[i]->seq, g_view[i - 1]->seq, "in order");
        if (due >= 100 * MS && due <= 150 * MS) {
            cr_assert_eq(g_view[i]->at_ns, 150 * MS, "seq %u due at %llu: held to the end",
                         g_view[i]->seq, (unsigned long long)due);
            held++;
        } else {
            cr_assert_eq(g_view[i]->at_ns, due);
        }
    }
    cr_assert_eq(held, 26u, "every other message of 51 ms");
    /* The other direction and the other link flow freely. */
    n = arrivals(1, 0, g_view, PROBE_RECV_MAX);
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(g_view[i]->at_ns, g_sent[1][g_view[i]->seq].at_ns + MS);
    n = arrivals(0, 2, g_view, PROBE_RECV_MAX);
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(g_view[i]->at_ns, g_sent[0][g_view[i]->seq].at_ns + MS);
}

/* A second clog extends the first; the order holds across the extension. */
Test(net, an_extended_clog_still_releases_in_order) {
    g_targets[0] = 1u << 1;
    run_probe("cluster nodes=2 type=probe\nrun 2s\nnetwork latency=fixed:1ms\n"
              "at 100ms clog n1 -> n2 for 50ms\n"
              "at 120ms clog n1 -> n2 for 100ms\n"
              "at 130ms clog n1 -> n2 for 1ms\n", 1);
    uint32_t n = arrivals(0, 1, g_view, PROBE_RECV_MAX);
    cr_assert_eq(n, g_sent_count[0]);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t due = g_sent[0][g_view[i]->seq].at_ns + MS;
        cr_assert_eq(g_view[i]->seq, i, "arrival %u is seq %u", i, g_view[i]->seq);
        cr_assert_eq(g_view[i]->at_ns, due >= 100 * MS && due <= 220 * MS ? 220 * MS : due);
    }
}

/* With jitter, a clog releases in the order messages reached the link;
 * both ways with `<->`; a link that breaks meanwhile loses what it held. */
Test(net, a_clog_both_ways_and_a_partition_at_release) {
    g_targets[0] = 1u << 1;
    g_targets[1] = 1u << 0;
    run_probe("cluster nodes=2 type=probe\nrun 1s\nnetwork latency=fixed:2ms\n"
              "at 100ms clog n1 <-> n2 for 100ms\n"
              "at 300ms clog n2 -> n1 for 100ms\n"
              "at 350ms partition n1 | n2\n"
              "at 450ms heal\n", 1);
    for (uint16_t from = 0; from < 2; from++) {
        uint32_t n = arrivals(from, (uint16_t)(1 - from), g_view, PROBE_RECV_MAX);
        uint32_t at_release = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t due = g_sent[from][g_view[i]->seq].at_ns + 2 * MS;
            at_release += g_view[i]->at_ns == 200 * MS;
            if (due >= 100 * MS && due <= 200 * MS) cr_assert_eq(g_view[i]->at_ns, 200 * MS);
            if (from == 1) {
                cr_assert(due < 300 * MS || due >= 450 * MS,
                          "n2 -> n1: held from 300ms, dropped at the 400ms release (partition)");
            } else {
                cr_assert(due < 350 * MS || due >= 450 * MS, "n1 -> n2: partitioned");
            }
        }
        cr_assert_eq(at_release, 101u, "%u released at 200ms", at_release);
    }
}

/* ---- flapping ---- */

/* Toggle k at START + k * every partitions when k is even, heals when odd;
 * the network is healed at END. A message is judged when it arrives. */
static bool flap_partitioned(uint64_t t, uint64_t start, uint64_t end, uint64_t every) {
    return t >= start && t < end && ((t - start) / every) % 2 == 0;
}

Test(net, flapping_partitions_and_heals_on_schedule) {
    g_targets[0] = 1u << 1;
    g_targets[1] = 1u << 2;
    g_targets[2] = 1u << 0;
    g_send_max = 3000;
    run_probe("cluster nodes=3 type=probe\nrun 4s\nnetwork latency=fixed:1ms\n"
              "at 1s..2050ms flap n1 | n2,n3 every 100ms\n", 1);
    /* n1 -> n2 and n3 -> n1 cross the groups; n2 -> n3 does not. */
    const uint16_t links[3][2] = {{0, 1}, {2, 0}, {1, 2}};
    for (int l = 0; l < 3; l++) {
        uint16_t from = links[l][0], to = links[l][1];
        static bool got[PROBE_SENT_MAX];
        memset(got, 0, sizeof got);
        uint32_t n = arrivals(from, to, g_view, PROBE_RECV_MAX), lost = 0;
        for (uint32_t i = 0; i < n; i++) got[g_view[i]->seq] = true;
        for (uint32_t s = 0; s < g_sent_count[from]; s++) {
            uint64_t due = g_sent[from][s].at_ns + MS;
            bool cut = l < 2 && flap_partitioned(due, 1000 * MS, 2050 * MS, 100 * MS);
            cr_assert_eq(got[s], !cut, "n%u -> n%u seq %u due at %llu", from + 1, to + 1, s,
                         (unsigned long long)due);
            lost += cut;
        }
        cr_assert_eq(lost, l < 2 ? 550u : 0u, "n%u -> n%u lost %u", from + 1, to + 1, lost);
    }
}

static uint32_t count_lines(const char *text, const char *needle) {
    uint32_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

Test(net, flapping_shows_in_the_trace_as_partitions_and_heals) {
    pod_scenario *scn = test_scenario("cluster nodes=3 type=echo\nrun 3s\n"
                                      "at 1s..2s flap n1 | n2,n3 every 100ms\n"
                                      "at 1500ms heal\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_not_null(out);
    pod_trace_filter filter = {.by_kind = true};
    filter.kinds[POD_TR_NET_PARTITION] = filter.kinds[POD_TR_NET_HEAL] = true;
    pod_run_options opt = {.seed = 1, .node_type = &pod_echo_node_type,
                           .trace_format = POD_TRACE_TEXT, .trace_out = out,
                           .trace_filter = &filter};
    pod_run_result r;
    cr_assert_eq(pod_world_run(scn, &opt, &r), POD_VERDICT_PASS, "%s", r.message);
    fclose(out);
    /* Toggles at 1.0 .. 1.9 s, five of each, the heal at 2s, and the at
     * line's heal at 1.5s before the flap's own toggle there. */
    cr_assert_eq(count_lines(buf, " partition "), 5u, "%s", buf);
    cr_assert_eq(count_lines(buf, " heal"), 7u, "%s", buf);
    cr_assert(strstr(buf, "   1.900000000 world  heal") != NULL, "%s", buf);
    cr_assert(strstr(buf, "   2.000000000 world  heal") != NULL, "%s", buf);
    cr_assert(strstr(buf, "   1.800000000 world  partition") != NULL, "%s", buf);
    free(buf);
    free(scn);
}

/* ---- determinism ---- */

static const char all_features[] =
    "cluster nodes=4 type=echo\nnode interval_ms=5\nrun 4s\n"
    "network latency=exp:3ms+500us drop=2% dup=3%\n"
    "link n1 <-> n2 latency=uniform:1ms..40ms drop=10%\n"
    "link n3 -> n4 latency=fixed:2ms dup=20%\n"
    "at 500ms clog n2 -> n3 for 300ms\n"
    "at 600ms clog n4 <-> n1 for 1s\n"
    "at 1s..3s flap n1,n2 | n3,n4 every 250ms\n"
    "at 3500ms crash n4\n";

Test(net, same_seed_same_hash_with_every_feature) {
    pod_scenario *scn = test_scenario(all_features);
    pod_run_result a, b, c;
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 21, &a), POD_VERDICT_PASS, "%s", a.message);
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 21, &b), POD_VERDICT_PASS);
    cr_assert_eq(test_run(scn, &pod_echo_node_type, 22, &c), POD_VERDICT_PASS);
    cr_assert_eq(a.trace_hash, b.trace_hash);
    cr_assert_eq(a.events, b.events);
    cr_assert_neq(a.trace_hash, c.trace_hash);
    /* Printing the trace does not change the hash. */
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_not_null(sink);
    pod_run_options opt = {.seed = 21, .node_type = &pod_echo_node_type,
                           .trace_format = POD_TRACE_JSONL, .trace_out = sink};
    pod_run_result d;
    pod_world_run(scn, &opt, &d);
    fclose(sink);
    cr_assert_eq(a.trace_hash, d.trace_hash);
    free(scn);
}

/* Corruption is deterministic too: the same bits flip for the same seed. */
Test(net, corruption_is_deterministic) {
    g_targets[0] = 1u << 1;
    run_probe("cluster nodes=2 type=probe\nrun 1s\nnetwork corrupt=30% latency=exp:1ms\n", 5);
    static probe_recv first[PROBE_RECV_MAX];
    uint32_t first_count = g_recv_count;
    memcpy(first, g_recv, first_count * sizeof first[0]);
    run_probe("cluster nodes=2 type=probe\nrun 1s\nnetwork corrupt=30% latency=exp:1ms\n", 5);
    cr_assert_eq(g_recv_count, first_count);
    cr_assert_eq(memcmp(first, g_recv, first_count * sizeof first[0]), 0);
}

/* ---- scenarios/echo-network.scn ---- */

static void drop_action(pod_scenario *scn, pod_action_kind kind) {
    uint32_t kept = 0;
    for (uint32_t i = 0; i < scn->action_count; i++) {
        if (scn->actions[i].kind != kind) scn->actions[kept++] = scn->actions[i];
    }
    cr_assert_lt(kept, scn->action_count, "no such action to drop");
    scn->action_count = kept;
}

Test(net, the_echo_network_scenario_passes_and_its_expectations_have_teeth) {
    const pod_node_type *type = NULL;
    pod_scenario *scn = test_scenario_file("echo-network.scn", &type);
    pod_run_result r;
    for (uint64_t seed = 1; seed <= 6; seed++)
        cr_assert_eq(test_run(scn, type, seed, &r), POD_VERDICT_PASS, "seed %llu: %s: %s",
                     (unsigned long long)seed, r.check, r.message);
    /* Without the clog no reply comes back too late to match. */
    drop_action(scn, POD_ACT_CLOG);
    cr_assert_eq(test_run(scn, type, 1, &r), POD_VERDICT_VIOLATION);
    cr_assert(strstr(r.message, "echo.replies_unmatched >= 5, found 0") != NULL, "%s", r.message);
    free(scn);
    /* Without the flap far fewer messages are lost. */
    scn = test_scenario_file("echo-network.scn", &type);
    drop_action(scn, POD_ACT_FLAP);
    cr_assert_eq(test_run(scn, type, 1, &r), POD_VERDICT_VIOLATION);
    cr_assert(strstr(r.message, "messages.dropped >= 230") != NULL, "%s", r.message);
    free(scn);
    /* Nor without the lossy n1 -> n2 link. */
    scn = test_scenario_file("echo-network.scn", &type);
    scn->links[0].set &= (uint8_t)~POD_LINK_SET_DROP;
    cr_assert_eq(test_run(scn, type, 1, &r), POD_VERDICT_VIOLATION);
    cr_assert(strstr(r.message, "messages.dropped >= 230") != NULL, "%s", r.message);
    free(scn);
}

/* A flap that outlasts the run flaps until the run ends; a shrunk run
 * (podsim shrink cuts the run short) stays valid. */
Test(net, a_flap_may_outlast_the_run) {
    g_targets[0] = 1u << 1;
    run_probe("cluster nodes=2 type=probe\nrun 500ms\nnetwork latency=fixed:1ms\n"
              "at 300ms..10s flap n1 | n2 every 100ms\n", 1);
    uint32_t n = arrivals(0, 1, g_view, PROBE_RECV_MAX);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t due = g_sent[0][g_view[i]->seq].at_ns + MS;
        cr_assert(!flap_partitioned(due, 300 * MS, 10000 * MS, 100 * MS), "seq %u", g_view[i]->seq);
    }
    cr_assert_eq(n, 298u + 100u, "due 2ms..299ms and 400ms..499ms (500ms: partitioned again)");
}
