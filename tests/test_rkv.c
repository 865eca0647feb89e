/* test_rkv.c — the replicated key-value node: its message codec, its
 * Generation Clock file, and seeds of its scenarios with every check on. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/gen_clock.h"
#include "nodes/rkv_msg.h"
#include "nodes/rkv_node.h"
#include "sim/fuzz.h"
#include "tests/env_harness.h"
#include "tests/support.h"

Test(rkv_msg, round_trip_and_every_bit_flip_is_detected) {
    uint8_t payload[40];
    for (int i = 0; i < 40; i++) payload[i] = (uint8_t)(i * 7);
    rkv_msg m = {.type = RKV_APPEND_REQ, .from = 3};
    m.u.append_req = (rkv_append_req){.term = 9, .prev_index = 41, .prev_term = 8, .commit = 40, .round = 77,
                                      .count = 2};
    m.u.append_req.entries[0] = (rkv_entry_ref){.term = 9, .bytes = payload, .len = 40};
    m.u.append_req.entries[1] = (rkv_entry_ref){.term = 9, .bytes = payload, .len = 0};
    uint8_t buf[512];
    uint32_t n = rkv_msg_encode(&m, buf, sizeof buf);
    cr_assert_gt(n, 0u);
    rkv_msg back;
    cr_assert(rkv_msg_decode(buf, n, &back));
    cr_assert_eq(back.from, 3);
    cr_assert_eq(back.u.append_req.prev_index, 41u);
    cr_assert_eq(back.u.append_req.count, 2u);
    cr_assert_eq(back.u.append_req.entries[0].len, 40u);
    cr_assert_eq(memcmp(back.u.append_req.entries[0].bytes, payload, 40), 0);
    for (uint32_t bit = 0; bit < n * 8; bit++) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        cr_assert_not(rkv_msg_decode(buf, n, &back), "a flip of bit %u went unnoticed", bit);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    cr_assert_not(rkv_msg_decode(buf, n - 1, &back));
    cr_assert_eq(rkv_msg_encode(&m, buf, n - 1), 0u, "a message that does not fit must not be cut");
}

static void to_clock(void *arg, const pod_disk_done *done) {
    pod_gen_clock *c = arg;
    if (pod_gen_clock_owns(done)) pod_gen_clock_on_disk(c, done);
}

/* Saves, crashes at every point, reopens: the term never goes back below
 * the last durable save, and never reads garbage. */
Test(gen_clock, a_crash_never_loses_a_durable_term) {
    for (uint64_t seed = 1; seed <= 200; seed++) {
        pod_disk_config config = pod_disk_config_default();
        config.sector_size = 512;
        harness *h = harness_create(&config, seed);
        pod_gen_clock c;
        cr_assert_eq(pod_gen_clock_open(&c, harness_env(h)), POD_OK);
        harness_on_disk(h, to_clock, &c);
        harness_complete_all(h);
        uint64_t durable_term = 0, last_set = 0;
        uint32_t steps = (uint32_t)(seed % 17);
        for (uint32_t i = 1; i <= steps; i++) {
            uint64_t seq = pod_gen_clock_set(&c, i, (uint16_t)(i % 3));
            last_set = i;
            if (i % 2) harness_complete_all(h);
            if (pod_gen_clock_durable(&c, seq)) durable_term = i;
        }
        harness_crash(h);
        pod_gen_clock reopened;
        cr_assert_eq(pod_gen_clock_open(&reopened, harness_env(h)), POD_OK);
        cr_assert_geq(reopened.term, durable_term, "seed %lu: term went back", (unsigned long)seed);
        cr_assert_leq(reopened.term, last_set, "seed %lu: a term never set", (unsigned long)seed);
        if (reopened.term) cr_assert_eq(reopened.vote, reopened.term % 3);
        pod_gen_clock_close(&reopened);
        harness_destroy(h);
    }
}

static void sweep(const char *file, uint64_t seeds, bool swarm) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file(file, &type);
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        pod_run_result r;
        char mix[96];
        pod_verdict v = pod_fuzz_run_seed(scn, type, seed, swarm, &r, mix, sizeof mix);
        cr_assert_eq(v, POD_VERDICT_PASS, "%s seed %lu [%s]: %s: %s\n  replay: podsim run scenarios/%s --seed %lu%s --trace",
                     file, (unsigned long)seed, mix, r.check, r.message, file, (unsigned long)seed,
                     swarm ? " --swarm" : "");
    }
    free(scn);
}


Test(rkv_scenarios, fuzz_mixes_pass) { sweep("rkv-fuzz.scn", 100, true); }

/* Saves queued behind one in flight must never be written over the last
 * durable one: crash with the disk tearing every unsynced write, many
 * times, and the durable term never goes back. */
Test(gen_clock, saves_queued_behind_a_sync_never_overwrite_the_durable_slot) {
    for (uint64_t seed = 1; seed <= 200; seed++) {
        pod_disk_config config = pod_disk_config_default();
        config.sector_size = 512;
        config.crash_keep_ppm = 0; /* every unsynced write is dropped or torn */
        harness *h = harness_create(&config, seed);
        pod_gen_clock c;
        cr_assert_eq(pod_gen_clock_open(&c, harness_env(h)), POD_OK);
        harness_on_disk(h, to_clock, &c);
        harness_complete_all(h);
        uint64_t s1 = pod_gen_clock_set(&c, 3, 4);
        harness_complete_all(h);
        cr_assert(pod_gen_clock_durable(&c, s1));
        /* A save in flight, two more queued behind it. */
        uint64_t s2 = pod_gen_clock_set(&c, 4, POD_GEN_VOTE_NONE);
        pod_gen_clock_set(&c, 4, 1);
        pod_gen_clock_set(&c, 5, 2);
        harness_complete_one(h); /* the write of save 2 */
        harness_complete_one(h); /* its fsync: save 2 durable; the newest save starts */
        cr_assert(pod_gen_clock_durable(&c, s2));
        harness_crash(h);        /* ... and its write is torn or dropped */
        pod_gen_clock back;
        cr_assert_eq(pod_gen_clock_open(&back, harness_env(h)), POD_OK);
        cr_assert_geq(back.term, 4u, "seed %lu: the durable term 4 was lost", (unsigned long)seed);
        pod_gen_clock_close(&back);
        harness_destroy(h);
    }
}

/* After a process exit, a save the page cache kept but no fsync covered is
 * read back — but it is not durable until the clock syncs it again. */
Test(gen_clock, a_save_read_back_from_the_page_cache_is_not_durable_until_synced) {
    pod_disk_config config = pod_disk_config_default();
    harness *h = harness_create(&config, 1);
    pod_gen_clock c;
    cr_assert_eq(pod_gen_clock_open(&c, harness_env(h)), POD_OK);
    harness_on_disk(h, to_clock, &c);
    harness_complete_all(h);
    pod_gen_clock_set(&c, 2, 4);
    harness_drop_pending(h); /* the process exits before the fsync completes */
    pod_gen_clock back;
    cr_assert_eq(pod_gen_clock_open(&back, harness_env(h)), POD_OK);
    harness_on_disk(h, to_clock, &back);
    cr_assert_eq(back.term, 2u, "the page cache holds the save");
    cr_assert_not(pod_gen_clock_durable(&back, back.seq), "an unsynced save was called durable");
    harness_complete_all(h);
    cr_assert(pod_gen_clock_durable(&back, back.seq), "the clock's own sync should make it durable");
    pod_gen_clock_close(&back);
    harness_destroy(h);
}

/* The slot a save goes to is the one the last durable save did not use —
 * remembered, not derived from sequence numbers, which skip when saves
 * queue behind a sync. Here save 4 becomes durable after save 3 was
 * skipped; the next save must not be written over save 4's slot. */
Test(gen_clock, a_save_after_skipped_numbers_never_overwrites_the_durable_slot) {
    uint32_t torn_or_dropped = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        pod_disk_config config = pod_disk_config_default();
        config.sector_size = 512;
        config.crash_keep_ppm = 0; /* every unsynced write is dropped or torn */
        harness *h = harness_create(&config, seed);
        pod_gen_clock c;
        cr_assert_eq(pod_gen_clock_open(&c, harness_env(h)), POD_OK);
        harness_on_disk(h, to_clock, &c);
        harness_complete_all(h);
        pod_gen_clock_set(&c, 1, 0);
        harness_complete_all(h);
        pod_gen_clock_set(&c, 2, 0);
        pod_gen_clock_set(&c, 3, 0);
        uint64_t s4 = pod_gen_clock_set(&c, 4, 1);
        harness_complete_all(h);
        cr_assert(pod_gen_clock_durable(&c, s4));
        pod_gen_clock_set(&c, 5, 2); /* in flight when the power fails */
        harness_crash(h);
        pod_gen_clock back;
        cr_assert_eq(pod_gen_clock_open(&back, harness_env(h)), POD_OK);
        cr_assert_geq(back.term, 4u, "seed %lu: the durable term 4 went back to %lu", (unsigned long)seed,
                      (unsigned long)back.term);
        if (back.term == 4) torn_or_dropped++;
        pod_gen_clock_close(&back);
        harness_destroy(h);
    }
    cr_assert_gt(torn_or_dropped, 0u, "the crash never lost the save in flight: the test proves nothing");
}

/* The repair obligation is saved and read back with the term and vote. */
Test(gen_clock, the_repair_obligation_survives_a_crash) {
    pod_disk_config config = pod_disk_config_default();
    harness *h = harness_create(&config, 1);
    pod_gen_clock c;
    cr_assert_eq(pod_gen_clock_open(&c, harness_env(h)), POD_OK);
    harness_on_disk(h, to_clock, &c);
    harness_complete_all(h);
    pod_gen_clock_set(&c, 7, 2);
    uint64_t seq = pod_gen_clock_set_repair(&c, 123456789012ull);
    harness_complete_all(h);
    cr_assert(pod_gen_clock_durable(&c, seq));
    harness_crash(h);
    pod_gen_clock back;
    cr_assert_eq(pod_gen_clock_open(&back, harness_env(h)), POD_OK);
    cr_assert_eq(back.term, 7u);
    cr_assert_eq(back.vote, 2u);
    cr_assert_eq(back.repair_until, 123456789012ull);
    pod_gen_clock_close(&back);
    harness_destroy(h);
}

/* Replicated Log repair (docs/repair.md). Every crash flips one bit of the
 * crashing node's durable data; small segments put it mid-log almost
 * always. The runs must pass every checker — replication (durability,
 * election and state machine safety), linearizability, the repair checker
 * (no vote or candidacy while the Generation Clock holds an obligation)
 * and liveness — and the repairs must happen and finish. */
static void repair_sweep(uint32_t nodes, const char *faults, uint64_t seeds) {
    char text[2048];
    snprintf(text, sizeof text,
             "cluster nodes=%u type=rkv\n"
             "node election_ms=150 heartbeat_ms=40 segment_bytes=1024\n"
             "workload clients=4 mix=put:50,get:20,cas:20,txn:10 keys=16 value=8..64 think=0ms..5ms "
             "timeout=300ms\n"
             "disk bitflip=100%%\n"
             "run 4s\n"
             "%s"
             "liveness within=1.5s\n"
             "expect rkv.repairs >= 1\n"
             "expect rkv.repairs_caught_up >= 1\n",
             nodes, faults);
    pod_scenario *scn = test_scenario(text);
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        pod_run_result r;
        pod_verdict v = test_run(scn, &pod_rkv_node_type, seed, &r);
        cr_assert_eq(v, POD_VERDICT_PASS, "seed %lu: %s: %s", (unsigned long)seed, r.check, r.message);
    }
    free(scn);
}

/* Two of five nodes lose power (and a bit each) at once — at least one
 * of them a follower — while three healthy nodes keep a leader: each
 * repairs from it through normal replication. (With three nodes, two
 * repairing at once and the leader among them would leave one node that
 * may vote: no leader, no repair — docs/repair.md, "What it cannot do".) */
Test(rkv_repair, followers_with_a_mid_log_bit_flip_repair_from_the_leader) {
    repair_sweep(5, "at 1.5s crash n1\nat 1.5s crash n2\nat 1.6s restart n1\nat 1.6s restart n2\n", 20);
}

/* The leader loses power and a bit: the other two elect a leader without
 * it, and it comes back as a follower that neither votes nor stands until
 * the new leader has refilled its log. */
Test(rkv_repair, a_leader_with_a_mid_log_bit_flip_comes_back_as_a_repairing_follower) {
    repair_sweep(3, "at 1.5s crash leader\nat 1.6s restart last_leader\n", 20);
}
