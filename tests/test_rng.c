/* test_rng.c — known answers for splitmix64 and xoshiro256**, and the
 * stream rules the determinism of every run rests on. */
#include <criterion/criterion.h>

#include "sim/rng.h"

/* Vigna's splitmix64 reference output for seed 1234567. */
Test(rng, splitmix64_known_answers) {
    uint64_t state = 1234567;
    const uint64_t want[] = {6457827717110365317ull, 3203168211198807973ull, 9817491932198370423ull,
                             4593380528125082431ull, 16408922859458223821ull};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_assert_eq(pod_splitmix64_next(&state), want[i], "output %zu", i);
    }
}

/* xoshiro256** reference output from the state {1, 2, 3, 4} (the vector
 * the Rust rand_xoshiro crate checks against the authors' C code). */
Test(rng, xoshiro256starstar_known_answers) {
    pod_rng rng = {.s = {1, 2, 3, 4}};
    const uint64_t want[] = {11520ull, 0ull, 1509978240ull, 1215971899390074240ull};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cr_assert_eq(pod_rng_next(&rng), want[i], "output %zu", i);
    }
}

Test(rng, seeding_uses_splitmix64_outputs) {
    pod_rng rng;
    pod_rng_seed(&rng, 1234567);
    cr_assert_eq(rng.s[0], 6457827717110365317ull);
    cr_assert_eq(rng.s[3], 4593380528125082431ull);
}

Test(rng, same_stream_same_sequence_distinct_streams_differ) {
    pod_rng a, b, c, d;
    pod_rng_seed_stream(&a, 42, POD_STREAM_NETWORK);
    pod_rng_seed_stream(&b, 42, POD_STREAM_NETWORK);
    pod_rng_seed_stream(&c, 42, POD_STREAM_DISK);
    pod_rng_seed_stream(&d, 43, POD_STREAM_NETWORK);
    int same_ab = 0, same_ac = 0, same_ad = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = pod_rng_next(&a), y = pod_rng_next(&b), z = pod_rng_next(&c), w = pod_rng_next(&d);
        same_ab += x == y;
        same_ac += x == z;
        same_ad += x == w;
    }
    cr_assert_eq(same_ab, 1000);
    cr_assert_lt(same_ac, 2);
    cr_assert_lt(same_ad, 2);
}

Test(rng, a_draw_in_one_stream_does_not_shift_another) {
    pod_rng net1, disk1, net2, disk2;
    pod_rng_seed_stream(&net1, 9, POD_STREAM_NETWORK);
    pod_rng_seed_stream(&disk1, 9, POD_STREAM_DISK);
    pod_rng_seed_stream(&net2, 9, POD_STREAM_NETWORK);
    pod_rng_seed_stream(&disk2, 9, POD_STREAM_DISK);
    for (int i = 0; i < 17; i++) pod_rng_next(&net2); /* extra network draws */
    for (int i = 0; i < 100; i++) cr_assert_eq(pod_rng_next(&disk1), pod_rng_next(&disk2));
    (void)net1;
}

Test(rng, below_stays_in_range_and_covers_it) {
    pod_rng rng;
    pod_rng_seed(&rng, 7);
    int seen[10] = {0};
    for (int i = 0; i < 10000; i++) {
        uint64_t x = pod_rng_below(&rng, 10);
        cr_assert_lt(x, 10u);
        seen[x]++;
    }
    for (int i = 0; i < 10; i++) {
        /* 1000 expected per bucket; 800..1200 is > 6 sigma. */
        cr_assert(seen[i] > 800 && seen[i] < 1200, "bucket %d has %d", i, seen[i]);
    }
    cr_assert_eq(pod_rng_below(&rng, 1), 0u);
}

Test(rng, range_is_inclusive) {
    pod_rng rng;
    pod_rng_seed(&rng, 8);
    bool saw_lo = false, saw_hi = false;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = pod_rng_range(&rng, 5, 7);
        cr_assert(x >= 5 && x <= 7);
        saw_lo |= x == 5;
        saw_hi |= x == 7;
    }
    cr_assert(saw_lo && saw_hi);
    cr_assert_eq(pod_rng_range(&rng, 3, 3), 3u);
}

Test(rng, chance_zero_and_one_draw_nothing) {
    pod_rng rng, copy;
    pod_rng_seed(&rng, 11);
    copy = rng;
    cr_assert_not(pod_rng_chance(&rng, 0));
    cr_assert(pod_rng_chance(&rng, POD_PPM_ONE));
    cr_assert_eq(pod_rng_next(&rng), pod_rng_next(&copy), "a disabled fault shifted the stream");
}

Test(rng, chance_frequency_matches_probability) {
    pod_rng rng;
    pod_rng_seed(&rng, 12);
    int hits = 0;
    for (int i = 0; i < 100000; i++) hits += pod_rng_chance(&rng, 250000); /* 25% */
    cr_assert(hits > 24000 && hits < 26000, "hits=%d", hits);
}
