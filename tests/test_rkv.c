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

/* Opens the clock on h's disk, which must work, and routes its completions. */
static void open_clock(harness *h, pod_gen_clock *c) {
    cr_assert_eq(pod_gen_clock_open(c, harness_env(h)), POD_OK);
    harness_on_disk(h, to_clock, c);
}

/* Saves, crashes at every point, reopens: the term never goes back below
 * the last durable save, and never reads garbage. */
Test(gen_clock, a_crash_never_loses_a_durable_term) {
    for (uint64_t seed = 1; seed <= 200; seed++) {
        pod_disk_config config = pod_disk_config_default();
        config.sector_size = 512;
        harness *h = harness_create(&config, seed);
        pod_gen_clock c;
        open_clock(h, &c);
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
        open_clock(h, &c);
        harness_complete_all(h);
        uint64_t s1 = pod_gen_clock_set(&c, 3, 4);
        harness_complete_all(h);
        cr_assert(pod_gen_clock_durable(&c, s1));
        /* A save in flight, two more queued behind it. */
        uint64_t s2 = pod_gen_clock_set(&c, 4, POD_GEN_VOTE_NONE);
        pod_gen_clock_set(&c, 4, 1);
        pod_gen_clock_set(&c, 5, 2);
        harness_complete_one(h); /* the write of save 2's first copy */
        harness_complete_one(h); /* its fsync */
        harness_complete_one(h); /* the write of its second copy */
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
    open_clock(h, &c);
    harness_complete_all(h);
    pod_gen_clock_set(&c, 2, 4);
    harness_drop_pending(h); /* the process exits before the fsync completes */
    pod_gen_clock back;
    open_clock(h, &back);
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
        open_clock(h, &c);
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

/* One run of the flip test: `saves` saves, every one completed (save i sets
 * term i, vote i % 3), then optionally one more whose disk steps stop after
 * `inflight_steps` of its four completions (-1: none in flight); power
 * loss (on even seeds every unsynced write is torn); the bit `bit` of byte `offset` of the file flipped on the medium;
 * reopen. Returns the reopen's status and what it recovered. */
static pod_status flip_run(uint64_t seed, uint64_t saves, int inflight_steps, uint32_t offset, unsigned bit,
                           pod_gen_clock *back) {
    pod_disk_config config = pod_disk_config_default();
    config.sector_size = 512;
    if (seed % 2 == 0) {
        config.crash_keep_ppm = 0; /* every unsynced write torn */
        config.crash_drop_ppm = 0;
    }
    harness *h = harness_create(&config, seed);
    pod_gen_clock c;
    open_clock(h, &c);
    harness_complete_all(h);
    for (uint64_t i = 1; i <= saves; i++) {
        uint64_t seq = pod_gen_clock_set(&c, i, (uint16_t)(i % 3));
        harness_complete_all(h);
        cr_assert(pod_gen_clock_durable(&c, seq));
    }
    if (inflight_steps >= 0) {
        uint64_t seq = pod_gen_clock_set(&c, saves + 1, (uint16_t)((saves + 1) % 3));
        for (int k = 0; k < inflight_steps; k++) cr_assert(harness_complete_one(h));
        cr_assert_not(pod_gen_clock_durable(&c, seq), "a save counted as durable before its second copy");
    }
    harness_crash(h);
    uint64_t size = 0;
    if (pod_disk_durable_size(harness_disk(h), POD_GEN_CLOCK_FILE, &size) == POD_OK && offset < size) {
        cr_assert_eq(pod_disk_flip_bit(harness_disk(h), POD_GEN_CLOCK_FILE, offset, bit), POD_OK);
    }
    harness_crash(h); /* nothing unsynced: only drops the page cache, so the flip shows */
    pod_status st = pod_gen_clock_open(back, harness_env(h));
    if (st == POD_OK) {
        /* Recovery writes what it found to both slots before it counts. */
        harness_on_disk(h, to_clock, back);
        harness_complete_all(h);
        cr_assert(pod_gen_clock_durable(back, back->seq), "recovery never made its state durable");
        cr_assert_eq(back->phase, POD_GEN_IDLE);
    }
    pod_gen_clock_close(back);
    harness_destroy(h);
    return st;
}

/* A bit flip in either slot — every bit of every byte of the file — after
 * durable saves, with or without a save in flight at the power loss (its
 * copy dropped, kept or torn): the recovered term and vote are never older
 * than the last durable save. With nothing in flight one flip never makes
 * the node refuse; with a copy in flight, a torn copy plus a flip in the
 * other slot may (two faults), and then the node refuses — it never starts
 * from term 0. (Before every save went to both slots, a flip in the newer
 * slot sent the term back: tests/teeth_rkv.c keeps that breakage.) */
Test(gen_clock, a_bit_flip_in_either_slot_never_loses_a_durable_save) {
    uint32_t refused = 0, older_copy = 0, runs = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        for (uint64_t saves = 1; saves <= 3; saves++) {
            for (int inflight = -1; inflight <= 3; inflight++) {
                for (uint32_t offset = 0; offset < 2 * POD_GEN_SLOT_BYTES; offset++) {
                    for (unsigned bit = 0; bit < 8; bit++) {
                        pod_gen_clock back;
                        pod_status st = flip_run(seed, saves, inflight, offset, bit, &back);
                        runs++;
                        if (st != POD_OK) {
                            cr_assert_eq(st, POD_EIO);
                            cr_assert(back.damaged);
                            cr_assert_geq(inflight, 0, "seed %lu, %lu saves: one flip (byte %u bit %u) made the "
                                          "node refuse", (unsigned long)seed, (unsigned long)saves, offset, bit);
                            refused++;
                            continue;
                        }
                        cr_assert_geq(back.term, saves,
                                      "seed %lu: the flip of byte %u bit %u (in flight: %d) sent durable term "
                                      "%lu back to %lu",
                                      (unsigned long)seed, offset, bit, inflight, (unsigned long)saves,
                                      (unsigned long)back.term);
                        cr_assert_leq(back.term, saves + (inflight >= 0 ? 1u : 0u), "a term never set");
                        cr_assert_eq(back.vote, back.term % 3, "seed %lu: term %lu came back with vote %u",
                                     (unsigned long)seed, (unsigned long)back.term, back.vote);
                        if (back.term == saves && inflight == 3) older_copy++;
                    }
                }
            }
        }
    }
    fprintf(stderr, "gen_clock flips: %u runs, %u refused (torn copy + flip), %u fell back to the durable "
            "save from a newer first copy\n", runs, refused, older_copy);
    cr_assert_gt(refused, 0u, "never a torn copy and a flip at once: the test proves less than it says");
    cr_assert_gt(older_copy, 0u, "the flip never hit a newer first copy: the test proves less than it says");
}

/* Damage does not pile up: recovery writes the surviving save to both
 * slots, so a flip in slot 0, a restart, then a flip in slot 1 loses
 * nothing; both slots damaged at once is refused, never read as term 0. */
Test(gen_clock, recovery_heals_a_damaged_slot_and_both_damaged_are_refused) {
    pod_disk_config config = pod_disk_config_default();
    harness *h = harness_create(&config, 1);
    pod_gen_clock c;
    open_clock(h, &c);
    harness_complete_all(h);
    pod_gen_clock_set(&c, 9, 2);
    harness_complete_all(h);
    harness_crash(h);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(h), POD_GEN_CLOCK_FILE, 9, 3), POD_OK);
    harness_crash(h); /* the page cache goes: the flip shows */
    pod_gen_clock back;
    open_clock(h, &back);
    harness_complete_all(h);
    cr_assert(pod_gen_clock_durable(&back, back.seq));
    harness_crash(h);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(h), POD_GEN_CLOCK_FILE, POD_GEN_SLOT_BYTES + 9, 3), POD_OK);
    harness_crash(h); /* the page cache goes: the flip shows */
    pod_gen_clock again;
    cr_assert_eq(pod_gen_clock_open(&again, harness_env(h)), POD_OK);
    cr_assert_eq(again.term, 9u, "a flip in each slot, a restart between: the term went back");
    cr_assert_eq(again.vote, 2u);
    harness_on_disk(h, to_clock, &again);
    harness_complete_all(h);
    harness_crash(h);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(h), POD_GEN_CLOCK_FILE, 3, 0), POD_OK);
    cr_assert_eq(pod_disk_flip_bit(harness_disk(h), POD_GEN_CLOCK_FILE, POD_GEN_SLOT_BYTES + 17, 5), POD_OK);
    harness_crash(h); /* the page cache goes: the flip shows */
    pod_gen_clock broken;
    cr_assert_eq(pod_gen_clock_open(&broken, harness_env(h)), POD_EIO, "both slots damaged, yet the file was read");
    cr_assert(broken.damaged);
    pod_gen_clock_close(&broken);
    harness_destroy(h);
}

/* tests/data/scenarios/rkv-clock-bitflip.scn (not in scenarios/: it has no
 * liveness bound and a few seeds fail by design, see below): crashes that flip bits while the
 * Generation Clock is much of every disk. A clock that kept one copy of
 * each save fails most of these seeds (tests/teeth_rkv.c); the real node
 * never lets two leaders share a term. It damages every disk, beyond what a
 * majority quorum tolerates, so a flip in a last WAL batch, cut as a torn
 * write, loses a committed no-op on a few seeds (4 of 100 when written):
 * bounded here, and only that kind. */
Test(gen_clock_scenario, bit_flips_in_the_clock_never_elect_two_leaders_in_a_term) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file("../tests/data/scenarios/rkv-clock-bitflip.scn", &type);
    uint32_t failed = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        pod_run_result r;
        char mix[96];
        pod_verdict v = pod_fuzz_run_seed(scn, type, seed, false, &r, mix, sizeof mix);
        if (v == POD_VERDICT_PASS) continue;
        failed++;
        cr_assert(strcmp(r.check, "replication") == 0 && strncmp(r.message, "state machine safety", 20) == 0,
                  "seed %lu: %s: %s", (unsigned long)seed, r.check, r.message);
    }
    cr_assert_leq(failed, 8u, "%u of 100 seeds failed", failed);
    free(scn);
}

/* The repair obligation is saved and read back with the term and vote. */
Test(gen_clock, the_repair_obligation_survives_a_crash) {
    pod_disk_config config = pod_disk_config_default();
    harness *h = harness_create(&config, 1);
    pod_gen_clock c;
    open_clock(h, &c);
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
static void repair_scenario(char *text, size_t size, uint32_t nodes, const char *faults, bool expect_repairs) {
    snprintf(text, size,
             "cluster nodes=%u type=rkv\n"
             "node election_ms=150 heartbeat_ms=40 segment_bytes=1024\n"
             "workload clients=4 mix=put:50,get:20,cas:20,txn:10 keys=16 value=8..64 think=0ms..5ms "
             "timeout=300ms\n"
             "disk bitflip=100%%\n"
             "run 4s\n"
             "%s"
             "liveness within=1.5s\n"
             "%s",
             nodes, faults, expect_repairs ? "expect rkv.repairs >= 1\nexpect rkv.repairs_caught_up >= 1\n" : "");
}

/* The flip lands anywhere in the crashed node's durable bytes; now and
 * then in its Generation Clock file (64 bytes), which the second copy of
 * every save makes harmless — no repair then (seed 20 of the leader test).
 * Such a seed must still pass every checker, and they must stay rare. */
static void repair_sweep(uint32_t nodes, const char *faults, uint64_t seeds) {
    char text[2048];
    repair_scenario(text, sizeof text, nodes, faults, true);
    pod_scenario *scn = test_scenario(text);
    repair_scenario(text, sizeof text, nodes, faults, false);
    pod_scenario *no_expect = test_scenario(text);
    uint64_t no_repair = 0;
    for (uint64_t seed = 1; seed <= seeds; seed++) {
        pod_run_result r;
        pod_verdict v = test_run(scn, &pod_rkv_node_type, seed, &r);
        if (v != POD_VERDICT_PASS && strstr(r.message, "rkv.repairs >= 1, found 0")) {
            no_repair++;
            v = test_run(no_expect, &pod_rkv_node_type, seed, &r);
        }
        cr_assert_eq(v, POD_VERDICT_PASS, "seed %lu: %s: %s", (unsigned long)seed, r.check, r.message);
    }
    /* Measured: one seed of 20 (its flip lands in the 64-byte clock file,
     * which heals without a repair). More means repairs stopped happening. */
    cr_assert_leq(no_repair, 1 + seeds / 20, "%lu of %lu seeds repaired nothing", (unsigned long)no_repair,
                  (unsigned long)seeds);
    free(no_expect);
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
