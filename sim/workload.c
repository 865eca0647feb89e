/* workload.c — simulated clients of the key-value nodes.
 *
 * Each client is a closed loop: think, send one request (over the simulated
 * network, from address POD_CLIENT_ADDR_BASE + i), then wait for the answer
 * or the timeout, and record the operation in the history. After a timeout
 * or an "unavailable" answer the client tries the next node. Every draw comes
 * from the workload stream, so the workload is the same whatever the
 * network or the disks do with their own streams. */
#include "sim/world_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"

enum { WL_THINK_DONE = 1, WL_TIMEOUT = 2, WL_RETRY = 3 };

#define WL_NONE UINT32_MAX

static pod_world_client *client_of(pod_world *world, uint32_t i) {
    assert(i < world->scn->workload.clients);
    return &world->clients[i];
}

static void schedule_client(pod_world *world, uint32_t i, uint64_t delay_ns, uint32_t what,
                            uint64_t request_no, pod_event_id *id_out) {
    uint64_t now = world->sched.now_ns;
    /* Saturate: a delay past the end of time means never. */
    pod_event e = {.time_ns = delay_ns > UINT64_MAX - now ? UINT64_MAX : now + delay_ns, .kind = POD_EV_CLIENT,
                   .a = request_no,
                   .b = what, .c = i};
    pod_world_schedule(world, &e, id_out);
}

static void think(pod_world *world, uint32_t i) {
    const pod_workload *w = &world->scn->workload;
    uint64_t delay = pod_rng_range(&world->wl_rng, w->think_min_ns, w->think_max_ns);
    schedule_client(world, i, delay, WL_THINK_DONE, 0, NULL);
}

/* Buffers for building one request: too large for the stack. */
typedef struct wl_scratch {
    char keys[POD_KV_TXN_PARTS_MAX][16];
    uint8_t values[POD_KV_TXN_PARTS_MAX][4096];
    uint8_t msg[KV_HEADER_BYTES + POD_KV_CMD_BYTES_MAX];
} wl_scratch;

bool pod_workload_start(pod_world *world) {
    if (world->scn->workload.clients == 0) return true;
    world->wl_scratch = malloc(sizeof(wl_scratch));
    if (!world->wl_scratch) return false;
    for (uint32_t i = 0; i < world->scn->workload.clients; i++) {
        world->clients[i] = (pod_world_client){.outstanding = WL_NONE,
                                               .target = (uint16_t)(i % world->node_count)};
        think(world, i);
    }
    return true;
}

void pod_workload_free(pod_world *world) {
    free(world->wl_scratch);
    world->wl_scratch = NULL;
}

/* --- building requests ---------------------------------------------------- */

static uint32_t pick_key(pod_world *world) {
    const pod_workload *w = &world->scn->workload;
    if (w->dist == POD_WL_HOTSPOT && w->keys >= 5) {
        uint32_t hot = w->keys / 5;
        if (pod_rng_below(&world->wl_rng, 10) < 8) return (uint32_t)pod_rng_below(&world->wl_rng, hot);
        return hot + (uint32_t)pod_rng_below(&world->wl_rng, w->keys - hot);
    }
    return (uint32_t)pod_rng_below(&world->wl_rng, w->keys);
}

static pod_wl_op pick_op(pod_world *world) {
    const pod_workload *w = &world->scn->workload;
    uint32_t total = 0;
    for (int k = 0; k < POD_WL_OP_COUNT; k++) total += w->mix[k];
    assert(total > 0);
    uint32_t x = (uint32_t)pod_rng_below(&world->wl_rng, total);
    for (int k = 0; k < POD_WL_OP_COUNT; k++) {
        if (x < w->mix[k]) return (pod_wl_op)k;
        x -= w->mix[k];
    }
    return POD_WL_PUT;
}

/* Writes v in decimal at out (no terminator); returns the digit count.
 * Keys and values are made for every request: snprintf cost more than the
 * rest of building one. */
static uint32_t put_decimal(char *out, uint64_t v) {
    char digits[20];
    uint32_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    for (uint32_t i = 0; i < n; i++) out[i] = digits[n - 1 - i];
    return n;
}

/* "k<key>": at most 11 bytes and the terminator. */
static void make_key(char out[16], uint32_t key) {
    out[0] = 'k';
    out[1 + put_decimal(out + 1, key)] = '\0';
}

/* A value unique to this client and request: "c<client>r<request>/<part>"
 * padded with '.', so a read names the write it saw. */
static uint32_t make_value(pod_world *world, uint8_t *out, uint32_t client, uint64_t request_no,
                           uint32_t part) {
    const pod_workload *w = &world->scn->workload;
    uint32_t len = (uint32_t)pod_rng_range(&world->wl_rng, w->value_min_bytes, w->value_max_bytes);
    char tag[48]; /* "c" 10 digits "r" 20 digits "/" 10 digits */
    uint32_t tag_len = 0;
    tag[tag_len++] = 'c';
    tag_len += put_decimal(tag + tag_len, client);
    tag[tag_len++] = 'r';
    tag_len += put_decimal(tag + tag_len, request_no);
    tag[tag_len++] = '/';
    tag_len += put_decimal(tag + tag_len, part);
    if (len < tag_len) len = tag_len; /* uniqueness beats the size range */
    memcpy(out, tag, tag_len);
    memset(out + tag_len, '.', len - tag_len);
    return len;
}

/* The value this client last saw for `key`, for CAS and TXN checks. */
static const pod_world_client_seen *seen_for(const pod_world_client *c, const char *key) {
    for (uint32_t k = 0; k < POD_WL_SEEN_MAX; k++) {
        if (c->seen[k].len_plus_one && strcmp(c->seen[k].key, key) == 0) return &c->seen[k];
    }
    return NULL;
}

static void expect_seen(const pod_world_client *c, pod_kv_part *part) {
    const pod_world_client_seen *s = seen_for(c, (const char *)part->key);
    if (!s || s->len_plus_one == 1) {
        part->expect_absent = true;
        return;
    }
    part->expected = s->value;
    part->expected_len = s->len_plus_one - 1;
}

static uint32_t build_request(pod_world *world, uint32_t i, uint64_t request_no, pod_wl_op op,
                              wl_scratch *s, uint8_t *out, uint32_t cap) {
    pod_world_client *c = client_of(world, i);
    pod_kv_cmd cmd = {.part_count = 1};
    uint32_t client_id = i + 1;
    make_key(s->keys[0], pick_key(world));
    pod_kv_part *p0 = &cmd.parts[0];
    p0->key = (const uint8_t *)s->keys[0];
    p0->key_len = (uint32_t)strlen(s->keys[0]);
    switch (op) {
    case POD_WL_PUT:
        cmd.op = p0->op = POD_KV_PUT;
        p0->value = s->values[0];
        p0->value_len = make_value(world, s->values[0], client_id, request_no, 0);
        break;
    case POD_WL_GET:
    case POD_WL_FGET:
        cmd.op = p0->op = POD_KV_GET;
        break;
    case POD_WL_DELETE:
        cmd.op = p0->op = POD_KV_DELETE;
        break;
    case POD_WL_CAS:
        cmd.op = p0->op = POD_KV_CAS;
        p0->value = s->values[0];
        p0->value_len = make_value(world, s->values[0], client_id, request_no, 0);
        expect_seen(c, p0);
        break;
    case POD_WL_TXN: {
        /* A check on one key (half the time), then 1..3 writes. */
        cmd.op = POD_KV_TXN;
        cmd.part_count = 0;
        if (pod_rng_below(&world->wl_rng, 2) == 0) {
            pod_kv_part *chk = &cmd.parts[cmd.part_count++];
            *chk = (pod_kv_part){.op = POD_KV_CHECK, .key = p0->key, .key_len = p0->key_len};
            expect_seen(c, chk);
        }
        uint32_t writes = 1 + (uint32_t)pod_rng_below(&world->wl_rng, 3);
        for (uint32_t k = 0; k < writes; k++) {
            uint32_t slot = cmd.part_count;
            make_key(s->keys[slot], pick_key(world));
            pod_kv_part *wr = &cmd.parts[cmd.part_count++];
            *wr = (pod_kv_part){.key = (const uint8_t *)s->keys[slot],
                                .key_len = (uint32_t)strlen(s->keys[slot])};
            if (pod_rng_below(&world->wl_rng, 4) == 0) {
                wr->op = POD_KV_DELETE;
            } else {
                wr->op = POD_KV_PUT;
                wr->value = s->values[slot];
                wr->value_len = make_value(world, s->values[slot], client_id, request_no, slot);
            }
        }
        break;
    }
    case POD_WL_OP_COUNT:
        assert(!"not an operation");
    }
    kv_header h = {.type = KV_MSG_REQUEST, .client_id = client_id, .request_no = request_no};
    kv_header_encode(&h, out);
    uint32_t n = pod_kv_cmd_encode(&cmd, out + KV_HEADER_BYTES, cap - KV_HEADER_BYTES);
    assert(n > 0);
    kv_frame_seal(out, KV_HEADER_BYTES + n);
    return KV_HEADER_BYTES + n;
}

/* --- the loop --------------------------------------------------------------- */

/* Makes the request in msg (header and command, len bytes) a Follower Read:
 * the flag, then the client's session index before the command; seals the
 * frame again. */
static uint32_t frame_follower_read(const pod_world_client *c, uint8_t *msg, uint32_t len, uint32_t cap) {
    assert(len >= KV_HEADER_BYTES && len + 8u <= cap);
    (void)cap;
    memmove(msg + KV_HEADER_BYTES + 8, msg + KV_HEADER_BYTES, len - KV_HEADER_BYTES);
    kv_put_u64(msg + KV_HEADER_BYTES, c->session_index);
    msg[1] = KV_REQ_FOLLOWER_READ;
    kv_frame_seal(msg, len + 8u);
    return len + 8u;
}

static void send_request(pod_world *world, uint32_t i) {
    pod_world_client *c = client_of(world, i);
    wl_scratch *scratch = world->wl_scratch;
    uint8_t *msg = scratch->msg;
    uint64_t request_no = ++c->request_no;
    pod_wl_op op = pick_op(world);
    uint32_t len = build_request(world, i, request_no, op, scratch, msg, sizeof scratch->msg);
    uint32_t hist;
    if (!pod_history_invoke(&world->history, i + 1, request_no, msg[KV_HEADER_BYTES], c->target,
                            msg + KV_HEADER_BYTES, len - KV_HEADER_BYTES, world->sched.now_ns, &hist)) {
        pod_world_budget_exhausted(world, "history budget exhausted: too many client operations "
                                          "for one run; shorten the run or slow the clients");
        return;
    }
    c->outstanding = hist;
    c->attempts = 1;
    c->redirects = 0;
    c->maybe_applied = false;
    /* A Follower Read goes to the client's own replica first (the nearest
     * one, say); a single node is its own leader: there a plain GET. */
    c->follower_read = op == POD_WL_FGET && world->node_count > 1;
    if (c->follower_read) {
        world->history.ops[hist].follower_read = 1;
        c->target = (uint16_t)(i % world->node_count);
        world->history.ops[hist].node = c->target;
        len = frame_follower_read(c, msg, len, sizeof scratch->msg);
    }
    world->counters[POD_CTR_CLIENT_REQUESTS]++;
    pod_net_send(world, (pod_addr)(POD_CLIENT_ADDR_BASE + i), c->target, msg, len);
    schedule_client(world, i, world->scn->workload.timeout_ns, WL_TIMEOUT, request_no, &c->timeout_id);
}

static void next_target(pod_world *world, pod_world_client *c) {
    c->target = (uint16_t)((c->target + 1) % world->node_count);
}

/* Sends the outstanding request again — the same request number, so that an
 * Idempotent Receiver applies it once — to the client's current target. */
static void resend(pod_world *world, uint32_t i) {
    pod_world_client *c = client_of(world, i);
    wl_scratch *scratch = world->wl_scratch;
    pod_hist_op *o = &world->history.ops[c->outstanding];
    kv_header h = {.type = KV_MSG_REQUEST, .client_id = i + 1, .request_no = c->request_no};
    kv_header_encode(&h, scratch->msg);
    memcpy(scratch->msg + KV_HEADER_BYTES, pod_history_bytes(&world->history, o->cmd_off), o->cmd_len);
    kv_frame_seal(scratch->msg, KV_HEADER_BYTES + o->cmd_len);
    o->node = c->target;
    world->counters[POD_CTR_CLIENT_RETRIES]++;
    uint32_t len = KV_HEADER_BYTES + o->cmd_len;
    if (c->follower_read) len = frame_follower_read(c, scratch->msg, len, sizeof scratch->msg);
    pod_net_send(world, (pod_addr)(POD_CLIENT_ADDR_BASE + i), c->target, scratch->msg, len);
    schedule_client(world, i, world->scn->workload.timeout_ns, WL_TIMEOUT, c->request_no, &c->timeout_id);
}

/* A single node gets one attempt; a cluster, two rounds of its nodes. */
static uint32_t attempts_max(const pod_world *world) {
    return world->node_count > 1 ? 2u * world->node_count : 1u;
}

/* Ends the outstanding operation without an answer that says what
 * happened: unknown if any attempt may have taken effect. */
static void give_up(pod_world *world, uint32_t i, uint8_t status) {
    pod_world_client *c = client_of(world, i);
    if (c->maybe_applied) {
        pod_history_timeout(&world->history, c->outstanding, world->sched.now_ns);
    } else if (!pod_history_complete(&world->history, c->outstanding, world->sched.now_ns, status, 0, NULL, 0)) {
        pod_world_internal_error(world, "out of memory recording the history");
        return;
    }
    c->outstanding = WL_NONE;
    think(world, i);
}

void pod_workload_on_event(pod_world *world, const pod_event *event) {
    uint32_t i = event->c;
    pod_world_client *c = client_of(world, i);
    if (event->b == WL_THINK_DONE) {
        send_request(world, i);
        return;
    }
    if (event->b == WL_RETRY) {
        if (c->outstanding != WL_NONE && event->a == c->request_no) resend(world, i);
        return;
    }
    assert(event->b == WL_TIMEOUT);
    if (c->outstanding == WL_NONE || event->a != c->request_no) return;
    world->counters[POD_CTR_CLIENT_TIMEOUTS]++;
    c->maybe_applied = true;
    next_target(world, c);
    if (c->attempts < attempts_max(world)) {
        c->attempts++;
        resend(world, i);
        return;
    }
    pod_history_timeout(&world->history, c->outstanding, world->sched.now_ns);
    c->outstanding = WL_NONE;
    think(world, i);
}

/* Remembers what a completed operation showed this client about a key. */
static void remember(pod_world_client *c, const pod_kv_part *part, const uint8_t *value, uint32_t len,
                     bool present) {
    if (part->key_len >= sizeof c->seen[0].key || len > sizeof c->seen[0].value) return;
    char key[sizeof c->seen[0].key];
    memcpy(key, part->key, part->key_len);
    key[part->key_len] = '\0';
    const pod_world_client_seen *found = seen_for(c, key);
    pod_world_client_seen *slot = found ? (pod_world_client_seen *)found : &c->seen[c->seen_next++ % POD_WL_SEEN_MAX];
    memcpy(slot->key, key, part->key_len + 1);
    if (len) memcpy(slot->value, value, len);
    slot->len_plus_one = present ? len + 1 : 1;
}

static void learn(pod_world *world, pod_world_client *c, const pod_hist_op *o) {
    pod_kv_cmd cmd;
    const uint8_t *bytes = pod_history_bytes(&world->history, o->cmd_off);
    if (pod_kv_cmd_decode(bytes, o->cmd_len, &cmd) != POD_KV_OK) return;
    if (cmd.op == POD_KV_GET) {
        if (o->status == POD_KV_OK) {
            remember(c, &cmd.parts[0], pod_history_bytes(&world->history, o->result_off), o->result_len, true);
        } else if (o->status == POD_KV_NOT_FOUND) {
            remember(c, &cmd.parts[0], NULL, 0, false);
        }
        return;
    }
    if (o->status != POD_KV_OK) return;
    for (uint32_t k = 0; k < cmd.part_count; k++) {
        const pod_kv_part *p = &cmd.parts[k];
        if (p->op == POD_KV_PUT || p->op == POD_KV_CAS) remember(c, p, p->value, p->value_len, true);
        if (p->op == POD_KV_DELETE) remember(c, p, NULL, 0, false);
    }
}

void pod_workload_on_response(pod_world *world, pod_addr to, const uint8_t *bytes, uint32_t len) {
    uint32_t i = (uint32_t)(to - POD_CLIENT_ADDR_BASE);
    if (i >= world->scn->workload.clients) return;
    pod_world_client *c = client_of(world, i);
    kv_header h;
    if (kv_header_decode(bytes, len, KV_MSG_RESPONSE, &h) != 0 || len < KV_RESPONSE_HEADER_BYTES) {
        world->counters[POD_CTR_CLIENT_GARBLED]++;
        return;
    }
    uint64_t index = kv_get_u64(bytes + KV_HEADER_BYTES);
    uint32_t value_len = kv_get_u32(bytes + KV_HEADER_BYTES + 8);
    if (value_len != len - KV_RESPONSE_HEADER_BYTES || h.client_id != i + 1) {
        world->counters[POD_CTR_CLIENT_GARBLED]++;
        return;
    }
    if (c->outstanding == WL_NONE || h.request_no != c->request_no) {
        world->counters[POD_CTR_CLIENT_LATE]++; /* an answer after the client gave up */
        return;
    }
    if (h.status == KV_REPLY_NOT_LEADER || (h.status == KV_REPLY_UNAVAILABLE && world->node_count > 1)) {
        /* Ask the node named, or the next one; within bounds. */
        pod_sched_cancel(&world->sched, c->timeout_id);
        if (h.status == KV_REPLY_NOT_LEADER) {
            world->counters[POD_CTR_CLIENT_REDIRECTS]++;
            if (index >= 1 && index <= world->node_count && index - 1 != c->target) {
                c->target = (uint16_t)(index - 1);
            } else {
                next_target(world, c);
            }
        } else {
            world->counters[POD_CTR_CLIENT_UNAVAILABLE]++;
            next_target(world, c);
        }
        if (++c->redirects <= 4u * world->node_count) {
            /* Straight to a named leader; otherwise back off a little, so a
             * cluster between leaders is not flooded. */
            bool named = h.status == KV_REPLY_NOT_LEADER && index >= 1 && index <= world->node_count;
            if (named) {
                resend(world, i);
            } else {
                const pod_workload *w = &world->scn->workload;
                uint64_t backoff = pod_rng_range(&world->wl_rng, w->think_min_ns, w->think_max_ns) +
                                   (uint64_t)c->redirects * 1000000u;
                schedule_client(world, i, backoff, WL_RETRY, c->request_no, &c->timeout_id);
            }
        } else {
            give_up(world, i, h.status);
        }
        return;
    }
    uint32_t op = c->outstanding;
    if (!pod_history_complete(&world->history, op, world->sched.now_ns, h.status, index,
                              bytes + KV_RESPONSE_HEADER_BYTES, value_len)) {
        pod_world_internal_error(world, "out of memory recording the history");
        return;
    }
    c->outstanding = WL_NONE;
    pod_sched_cancel(&world->sched, c->timeout_id);
    world->counters[POD_CTR_CLIENT_RESPONSES]++;
    /* The session: a write's log index, or the index a Follower Read was
     * answered at — later Follower Reads must not see older. */
    if (h.status != KV_REPLY_UNAVAILABLE && index > c->session_index) c->session_index = index;
    if (h.status == KV_REPLY_UNAVAILABLE) {
        world->counters[POD_CTR_CLIENT_UNAVAILABLE]++;
        next_target(world, c);
    }
    learn(world, c, &world->history.ops[op]);
    for (uint32_t k = 0; k < world->checker_count && !world->violated; k++) {
        if (world->checkers[k]->on_response) {
            world->checkers[k]->on_response(world->checker_state[k], world, &world->history, op);
        }
    }
    think(world, i);
}
