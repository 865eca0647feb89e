/* test_sched.c — the event queue: (time, insertion) order, cancellation,
 * stale handles, the pending limit, and a randomized comparison against a
 * plain sorted model. */
#include <criterion/criterion.h>

#include <stdlib.h>

#include "sim/rng.h"
#include "sim/sched.h"

static pod_event ev(uint64_t t, uint64_t tag) { return (pod_event){.time_ns = t, .a = tag}; }

Test(sched, pops_in_time_order) {
    pod_sched s;
    cr_assert_eq(pod_sched_init(&s, 100), POD_SCHED_OK);
    uint64_t times[] = {50, 10, 40, 20, 30};
    for (int i = 0; i < 5; i++) cr_assert_eq(pod_sched_add(&s, &(pod_event){.time_ns = times[i]}, NULL), POD_SCHED_OK);
    pod_event out;
    for (uint64_t want = 10; want <= 50; want += 10) {
        cr_assert(pod_sched_pop(&s, &out, NULL));
        cr_assert_eq(out.time_ns, want);
        cr_assert_eq(s.now_ns, want);
    }
    cr_assert_not(pod_sched_pop(&s, &out, NULL));
    pod_sched_free(&s);
}

Test(sched, ties_break_by_insertion_order) {
    pod_sched s;
    pod_sched_init(&s, 1000);
    for (uint64_t i = 0; i < 500; i++) {
        pod_event e = ev(i % 2 ? 7 : 3, i);
        pod_sched_add(&s, &e, NULL);
    }
    pod_event out;
    int64_t last_tag[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    int n = 0;
    while (pod_sched_pop(&s, &out, NULL)) {
        cr_assert_gt((int64_t)out.a, last_tag[out.time_ns], "tag %d came after %d at the same time",
                     (int)out.a, (int)last_tag[out.time_ns]);
        last_tag[out.time_ns] = (int64_t)out.a;
        n++;
    }
    cr_assert_eq(n, 500);
    pod_sched_free(&s);
}

Test(sched, cancel_removes_exactly_once) {
    pod_sched s;
    pod_sched_init(&s, 10);
    pod_event_id a, b, c;
    pod_event e1 = ev(1, 1), e2 = ev(2, 2), e3 = ev(3, 3);
    pod_sched_add(&s, &e1, &a);
    pod_sched_add(&s, &e2, &b);
    pod_sched_add(&s, &e3, &c);
    cr_assert_neq(a, 0u);
    cr_assert(pod_sched_cancel(&s, b));
    cr_assert_not(pod_sched_cancel(&s, b), "a second cancel must fail");
    cr_assert_eq(s.pending, 2u);
    pod_event out;
    pod_event_id popped;
    cr_assert(pod_sched_pop(&s, &out, &popped));
    cr_assert_eq(out.a, 1u);
    cr_assert_eq(popped, a, "pop reports the handle add gave");
    cr_assert_not(pod_sched_cancel(&s, a), "cancelling an event that ran must fail");
    cr_assert(pod_sched_pop(&s, &out, NULL));
    cr_assert_eq(out.a, 3u);
    cr_assert_not(pod_sched_pop(&s, &out, NULL));
    pod_sched_free(&s);
}

Test(sched, stale_handle_does_not_cancel_a_reused_slot) {
    pod_sched s;
    pod_sched_init(&s, 10);
    pod_event_id old, fresh;
    pod_event e = ev(5, 1);
    pod_sched_add(&s, &e, &old);
    cr_assert(pod_sched_cancel(&s, old));
    pod_sched_add(&s, &e, &fresh); /* reuses the slot */
    cr_assert_eq((uint32_t)old, (uint32_t)fresh, "expected slot reuse for this test");
    cr_assert_not(pod_sched_cancel(&s, old));
    cr_assert_eq(s.pending, 1u);
    cr_assert_not(pod_sched_cancel(&s, 0));
    cr_assert_not(pod_sched_cancel(&s, ((uint64_t)1 << 32) | 999999u));
    pod_sched_free(&s);
}

Test(sched, pending_limit_is_enforced) {
    pod_sched s;
    pod_sched_init(&s, 3);
    pod_event e = ev(1, 0);
    for (int i = 0; i < 3; i++) cr_assert_eq(pod_sched_add(&s, &e, NULL), POD_SCHED_OK);
    cr_assert_eq(pod_sched_add(&s, &e, NULL), POD_SCHED_FULL);
    pod_event out;
    pod_sched_pop(&s, &out, NULL);
    cr_assert_eq(pod_sched_add(&s, &e, NULL), POD_SCHED_OK);
    pod_sched_free(&s);
}

/* Random adds, cancels and pops against a simple array model. */
Test(sched, matches_a_sorted_model_under_random_operations) {
    enum { OPS = 20000, MAX = 4096 };
    pod_sched s;
    pod_sched_init(&s, MAX);
    struct model_event { uint64_t t, seq; pod_event_id id; bool live; } *model = calloc(OPS, sizeof *model);
    size_t model_n = 0;
    uint64_t seq = 0;
    pod_rng rng;
    pod_rng_seed(&rng, 99);
    for (int op = 0; op < OPS; op++) {
        uint64_t r = pod_rng_below(&rng, 10);
        if (r < 5 && s.pending < MAX) {
            pod_event e = ev(s.now_ns + pod_rng_below(&rng, 50), seq);
            pod_event_id id;
            cr_assert_eq(pod_sched_add(&s, &e, &id), POD_SCHED_OK);
            model[model_n++] = (struct model_event){.t = e.time_ns, .seq = seq++, .id = id, .live = true};
        } else if (r < 7 && model_n > 0) {
            size_t k = pod_rng_below(&rng, model_n);
            cr_assert_eq(pod_sched_cancel(&s, model[k].id), model[k].live);
            model[k].live = false;
        } else {
            size_t best = SIZE_MAX;
            for (size_t k = 0; k < model_n; k++) {
                if (!model[k].live) continue;
                if (best == SIZE_MAX || model[k].t < model[best].t ||
                    (model[k].t == model[best].t && model[k].seq < model[best].seq)) best = k;
            }
            pod_event out;
            bool got = pod_sched_pop(&s, &out, NULL);
            cr_assert_eq(got, best != SIZE_MAX);
            if (got) {
                cr_assert_eq(out.a, model[best].seq, "op %d: popped the wrong event", op);
                model[best].live = false;
            }
        }
    }
    free(model);
    pod_sched_free(&s);
}
