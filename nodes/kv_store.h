/* kv_store.h — the key-value state machine: put, get, delete,
 * compare-and-swap, and multi-key transactions that apply all or nothing.
 *
 * Commands travel as bytes (in client requests and in Write-Ahead Log
 * records), so decoding validates everything: a malformed or oversized
 * command gets POD_KV_E_MALFORMED or POD_KV_E_TOO_LARGE, never a crash.
 * Keys are kept sorted, so the state has one canonical order (for
 * snapshots); its hash is order-independent by construction. */
#ifndef PODSIM_KV_STORE_H
#define PODSIM_KV_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POD_KV_KEY_BYTES_MAX 256u
#define POD_KV_VALUE_BYTES_MAX 4096u
#define POD_KV_KEYS_MAX 65536u
#define POD_KV_TXN_PARTS_MAX 16u
/* The encoded size of the largest valid command. */
#define POD_KV_CMD_BYTES_MAX (8u + POD_KV_TXN_PARTS_MAX * (12u + POD_KV_KEY_BYTES_MAX + 2u * POD_KV_VALUE_BYTES_MAX))

typedef enum pod_kv_op {
    POD_KV_PUT = 1,
    POD_KV_GET = 2,
    POD_KV_DELETE = 3,
    POD_KV_CAS = 4,   /* put `value` if the key holds `expected` (or is absent) */
    POD_KV_TXN = 5,   /* checks, then writes: all or nothing */
    POD_KV_CHECK = 6, /* only inside a TXN: the key holds `expected` (or is absent) */
} pod_kv_op;

typedef enum pod_kv_status {
    POD_KV_OK = 0,
    POD_KV_NOT_FOUND = 1,
    POD_KV_CAS_MISMATCH = 2,   /* CAS or TXN check failed: nothing changed */
    POD_KV_E_MALFORMED = 3,
    POD_KV_E_TOO_LARGE = 4,
    POD_KV_E_FULL = 5,         /* POD_KV_KEYS_MAX keys: nothing changed */
} pod_kv_status;

const char *pod_kv_status_name(pod_kv_status status);

/* One operation; the byte pointers point into the decoded buffer. */
typedef struct pod_kv_part {
    pod_kv_op op;              /* PUT, GET, DELETE, CAS, CHECK */
    bool expect_absent;        /* CAS/CHECK: expect no value at all */
    const uint8_t *key;
    uint32_t key_len;          /* 1..POD_KV_KEY_BYTES_MAX */
    const uint8_t *value;      /* PUT, CAS */
    uint32_t value_len;
    const uint8_t *expected;   /* CAS, CHECK unless expect_absent */
    uint32_t expected_len;
} pod_kv_part;

typedef struct pod_kv_cmd {
    pod_kv_op op;              /* PUT, GET, DELETE, CAS: one part; TXN: several */
    uint32_t part_count;
    pod_kv_part parts[POD_KV_TXN_PARTS_MAX];
} pod_kv_cmd;

/* Encodes `cmd` into out[0..cap); returns the length, or 0 when it does not
 * fit or is invalid. */
uint32_t pod_kv_cmd_encode(const pod_kv_cmd *cmd, uint8_t *out, uint32_t cap);
/* Decodes and validates; on POD_KV_OK, cmd's pointers point into `bytes`. */
pod_kv_status pod_kv_cmd_decode(const uint8_t *bytes, uint32_t len, pod_kv_cmd *cmd);
/* True when the command changes state (everything but GET). */
bool pod_kv_cmd_is_write(const pod_kv_cmd *cmd);

typedef struct pod_kv_store pod_kv_store;

pod_kv_store *pod_kv_create(void);
void pod_kv_destroy(pod_kv_store *store);

/* Applies a decoded command. For GET, value_out and value_len_out receive the
 * value (valid until the next change). Failed commands change nothing. */
pod_kv_status pod_kv_apply(pod_kv_store *store, const pod_kv_cmd *cmd, const uint8_t **value_out,
                           uint32_t *value_len_out);

uint32_t pod_kv_key_count(const pod_kv_store *store);
/* The i-th pair in key order (i < key count): for writing a snapshot. The
 * pointers are valid until the next change. */
void pod_kv_pair_at(const pod_kv_store *store, uint32_t i, const uint8_t **key, uint32_t *key_len,
                    const uint8_t **value, uint32_t *value_len);
/* Loads one pair from a snapshot, keys strictly ascending: false on a key
 * out of order, a size out of range, or a full store (the snapshot is
 * refused, never half believed). */
bool pod_kv_load_pair(pod_kv_store *store, const uint8_t *key, uint32_t key_len, const uint8_t *value,
                      uint32_t value_len);
/* The hash of the contents, in O(1): kept up to date by every change (a
 * sum of per-pair XXH3 hashes, mixed with the key count). Equal contents
 * give equal hashes, whatever the history that led to them. */
uint64_t pod_kv_state_hash(const pod_kv_store *store);
/* The same value recomputed from every pair's bytes, in O(keys): for tests
 * and debug-build assertions that the running hash is right. */
uint64_t pod_kv_state_hash_slow(const pod_kv_store *store);

#endif
