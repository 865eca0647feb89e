/* test_fuzz.c — swarm mixes, fuzz campaigns, shards and replays. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fuzz.h"
#include "sim/swarm.h"
#include "tests/support.h"

Test(swarm, a_seed_always_draws_the_same_mix_and_seeds_differ) {
    const pod_node_type *type;
    pod_scenario *base = test_scenario_file("fuzz.scn", &type);
    pod_scenario *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    cr_assert(pod_swarm_apply(base, 7, a, NULL));
    cr_assert(pod_swarm_apply(base, 7, b, NULL));
    cr_assert_eq(a->action_count, b->action_count);
    cr_assert_eq(memcmp(a->actions, b->actions, a->action_count * sizeof a->actions[0]), 0);
    cr_assert_eq(memcmp(&a->disk, &b->disk, sizeof a->disk), 0);
    int differ = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        cr_assert(pod_swarm_apply(base, seed, b, NULL));
        differ += b->action_count != a->action_count ||
                  memcmp(a->actions, b->actions, a->action_count * sizeof a->actions[0]) != 0;
    }
    cr_assert_geq(differ, 18, "seeds should draw different mixes");
    free(a);
    free(b);
    free(base);
}

Test(swarm, every_class_is_sometimes_on_and_sometimes_off_and_actions_stay_sorted) {
    pod_scenario *base = test_scenario("cluster nodes=3 type=echo\nrun 10s\nat 5s crash n2\n");
    pod_scenario *out = malloc(sizeof *out);
    int on[6] = {0};
    for (uint64_t seed = 1; seed <= 64; seed++) {
        pod_swarm_mix m;
        cr_assert(pod_swarm_apply(base, seed, out, &m));
        on[0] += m.crashes;
        on[1] += m.pauses;
        on[2] += m.partitions;
        on[3] += m.network;
        on[4] += m.disk;
        on[5] += m.leader; /* a cluster: the leader nemesis is drawn too */
        for (uint32_t i = 1; i < out->action_count; i++) {
            cr_assert_leq(out->actions[i - 1].at_ns, out->actions[i].at_ns, "seed %lu: unsorted", (unsigned long)seed);
        }
        for (uint32_t i = 0; i < out->action_count; i++) cr_assert_leq(out->actions[i].at_ns, out->run_ns);
        bool kept = false;
        for (uint32_t i = 0; i < out->action_count; i++) {
            kept |= out->actions[i].kind == POD_ACT_CRASH && out->actions[i].at_ns == 5000000000ull &&
                    out->actions[i].node == 1;
        }
        cr_assert(kept, "seed %lu lost the scenario's own action", (unsigned long)seed);
    }
    for (int k = 0; k < 6; k++) cr_assert(on[k] > 8 && on[k] < 56, "class %d on in %d of 64 seeds", k, on[k]);
    free(out);
    free(base);
}

Test(fuzz, a_fuzz_seed_replays_with_the_same_hash) {
    const pod_node_type *type;
    pod_scenario *base = test_scenario_file("fuzz.scn", &type);
    pod_scenario *mixed = malloc(sizeof *mixed);
    for (uint64_t seed = 1; seed <= 5; seed++) {
        pod_run_result a, b;
        char mix[96];
        pod_fuzz_run_seed(base, type, seed, true, &a, mix, sizeof mix);
        cr_assert(pod_swarm_apply(base, seed, mixed, NULL));
        pod_run_options opt = {.seed = seed, .node_type = type};
        pod_world_run(mixed, &opt, &b);
        cr_assert_eq(a.trace_hash, b.trace_hash, "seed %lu", (unsigned long)seed);
    }
    free(mixed);
    free(base);
}

/* Runs a campaign into a JSON-lines buffer, lines sorted. */
static char *campaign_lines(const pod_scenario *scn, const pod_node_type *type, uint64_t seeds,
                            uint32_t jobs, uint32_t shard, uint32_t shards) {
    char *buf = NULL;
    size_t len = 0;
    FILE *json = open_memstream(&buf, &len);
    FILE *out = fopen("/dev/null", "w");
    pod_fuzz_options o = {.path = "fuzz.scn", .scn = scn, .type = type, .start_seed = 100,
                          .seeds = seeds, .jobs = jobs, .shard_index = shard, .shard_count = shards,
                          .swarm = true, .json = json, .out = out};
    pod_fuzz_summary sum;
    cr_assert(pod_fuzz_campaign(&o, &sum));
    fclose(json);
    fclose(out);
    return buf;
}

static int cmp_lines(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorts the lines of several buffers together into one string. */
static char *sorted(char **bufs, int n) {
    char *lines[4096];
    int count = 0;
    size_t total = 1;
    for (int i = 0; i < n; i++) {
        for (char *line = strtok(bufs[i], "\n"); line; line = strtok(NULL, "\n")) {
            cr_assert_lt(count, 4096);
            lines[count++] = line;
            total += strlen(line) + 1;
        }
    }
    qsort(lines, (size_t)count, sizeof lines[0], cmp_lines);
    char *all = calloc(1, total);
    for (int i = 0; i < count; i++) {
        strcat(all, lines[i]);
        strcat(all, "\n");
    }
    return all;
}

Test(fuzz, shards_and_workers_merge_into_the_same_answer) {
    const pod_node_type *type;
    pod_scenario *scn = test_scenario_file("fuzz.scn", &type);
    char *whole = campaign_lines(scn, type, 30, 1, 0, 1);
    char *one[1] = {whole};
    char *expect = sorted(one, 1);
    cr_assert_eq((int)(strlen(expect) > 0), 1);
    char *shards[3];
    for (uint32_t k = 0; k < 3; k++) shards[k] = campaign_lines(scn, type, 30, 1, k, 3);
    char *merged = sorted(shards, 3);
    cr_assert_str_eq(merged, expect, "three shards differ from one campaign");
    char *workers = campaign_lines(scn, type, 30, 2, 0, 1);
    char *w[1] = {workers};
    char *merged_w = sorted(w, 1);
    cr_assert_str_eq(merged_w, expect, "two workers differ from one");
    int lines = 0;
    for (const char *p = expect; *p; p++) lines += *p == '\n';
    cr_assert_eq(lines, 30);
    free(whole), free(expect), free(merged), free(workers), free(merged_w);
    for (int k = 0; k < 3; k++) free(shards[k]);
    free(scn);
}

/* The leader nemesis is drawn last and only for clusters: a single node's
 * mixes are what they were before it existed, and a cluster's leader
 * actions name run-time targets, each undone later. */
Test(swarm, leader_faults_only_for_clusters_and_only_by_target) {
    pod_scenario *single = test_scenario("cluster nodes=1 type=kv\nrun 10s\n");
    pod_scenario *cluster = test_scenario("cluster nodes=3 type=rkv\nrun 10s\n");
    pod_scenario *out = malloc(sizeof *out);
    uint32_t targeted = 0;
    for (uint64_t seed = 1; seed <= 64; seed++) {
        pod_swarm_mix m;
        cr_assert(pod_swarm_apply(single, seed, out, &m));
        cr_assert_not(m.leader, "seed %lu: a leader fault for a single node", (unsigned long)seed);
        for (uint32_t i = 0; i < out->action_count; i++) cr_assert_lt(out->actions[i].node, 1u);
        cr_assert(pod_swarm_apply(cluster, seed, out, &m));
        for (uint32_t i = 0; i < out->action_count; i++) {
            if (out->actions[i].node == POD_NODE_LEADER) targeted++;
            if (out->actions[i].node == POD_NODE_LEADER) cr_assert(m.leader);
        }
    }
    cr_assert_gt(targeted, 20u, "leader faults drawn only %u times in 64 seeds", targeted);
    free(out);
    free(single);
    free(cluster);
}
