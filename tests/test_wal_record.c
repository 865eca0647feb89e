/* test_wal_record.c — WAL record framing: round trips, every single-byte
 * corruption caught, every torn length seen as incomplete (never as
 * invalid, never as valid), structural rejects, and no read out of bounds
 * (each decode below reads from a heap block of exactly `avail` bytes, so
 * ASan would catch one byte too far). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "nodes/wal_record.h"

static uint8_t *encode(const pod_walrec_header *h, const void *payload, size_t *size_out) {
    size_t size = pod_walrec_size(h->len);
    uint8_t *buf = malloc(size);
    cr_assert_not_null(buf);
    pod_walrec_encode(buf, h, payload);
    *size_out = size;
    return buf;
}

/* Decodes a copy of bytes[0..avail) held in a block of exactly avail bytes. */
static pod_walrec_status decode_exact(const uint8_t *bytes, size_t avail, pod_walrec_header *h) {
    uint8_t *copy = malloc(avail ? avail : 1);
    cr_assert_not_null(copy);
    if (avail) memcpy(copy, bytes, avail);
    const uint8_t *payload = NULL;
    pod_walrec_status st = pod_walrec_decode(avail ? copy : NULL, avail, h, &payload);
    if (st == POD_WALREC_OK) {
        cr_assert(payload == copy + POD_WALREC_HEADER_BYTES);
    }
    free(copy);
    return st;
}

static void fill_payload(uint8_t *p, uint32_t len, uint32_t seed) {
    uint32_t x = seed * 2654435761u + 1;
    for (uint32_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

Test(wal_record, round_trip_sizes_and_fields) {
    static const uint32_t lens[] = {0, 1, 7, 31, 32, 100, 4096, POD_WAL_RECORD_BYTES_MAX};
    uint8_t *payload = malloc(POD_WAL_RECORD_BYTES_MAX);
    cr_assert_not_null(payload);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        fill_payload(payload, lens[i], (uint32_t)i);
        pod_walrec_header h = {.len = lens[i], .type = (uint8_t)(0xA0 + i),
                               .lag = (uint32_t)i, .index = 1000 + i,
                               .term = 0x0102030405060708ull + i};
        size_t size;
        uint8_t *rec = encode(&h, payload, &size);
        cr_assert_eq(size, POD_WALREC_HEADER_BYTES + lens[i]);
        pod_walrec_header got;
        const uint8_t *p = NULL;
        cr_assert_eq(pod_walrec_decode(rec, size, &got, &p), POD_WALREC_OK, "len %u", lens[i]);
        cr_assert_eq(got.len, h.len);
        cr_assert_eq(got.type, h.type);
        cr_assert_eq(got.lag, h.lag);
        cr_assert_eq(got.index, h.index);
        cr_assert_eq(got.term, h.term);
        cr_assert(lens[i] == 0 || memcmp(p, payload, lens[i]) == 0);
        /* Trailing bytes after the record do not matter. */
        uint8_t *longer = calloc(1, size + 64);
        cr_assert_not_null(longer);
        memcpy(longer, rec, size);
        cr_assert_eq(pod_walrec_decode(longer, size + 64, &got, &p), POD_WALREC_OK);
        free(longer);
        free(rec);
    }
    free(payload);
}

Test(wal_record, layout_is_little_endian_and_fixed) {
    uint8_t payload[3] = {0xAA, 0xBB, 0xCC};
    pod_walrec_header h = {.len = 3, .type = 0x42, .lag = 0x030201, .index = 0x1122334455667788ull,
                           .term = 0x99};
    size_t size;
    uint8_t *rec = encode(&h, payload, &size);
    static const uint8_t want[24] = {3, 0, 0, 0, 0x42, 0x01, 0x02, 0x03,
                                     0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                                     0x99, 0, 0, 0, 0, 0, 0, 0};
    cr_assert_eq(memcmp(rec, want, sizeof want), 0);
    cr_assert_eq(memcmp(rec + 32, payload, 3), 0);
    free(rec);
}

Test(wal_record, every_single_byte_corruption_is_detected) {
    uint8_t payload[100];
    fill_payload(payload, sizeof payload, 7);
    pod_walrec_header h = {.len = sizeof payload, .type = 3, .lag = 2, .index = 77, .term = 5};
    size_t size;
    uint8_t *rec = encode(&h, payload, &size);
    uint8_t *bad = malloc(size);
    cr_assert_not_null(bad);
    for (size_t pos = 0; pos < size; pos++) {
        for (unsigned x = 1; x < 256; x++) {
            memcpy(bad, rec, size);
            bad[pos] ^= (uint8_t)x;
            pod_walrec_header got;
            pod_walrec_status st = decode_exact(bad, size, &got);
            cr_assert_neq(st, POD_WALREC_OK, "byte %zu xor 0x%02x accepted", pos, x);
        }
    }
    free(bad);
    free(rec);
}

Test(wal_record, every_torn_length_is_incomplete) {
    static const uint32_t lens[] = {0, 1, 50, 5000};
    uint8_t *payload = malloc(5000);
    cr_assert_not_null(payload);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        fill_payload(payload, lens[i], 99);
        pod_walrec_header h = {.len = lens[i], .type = 1, .lag = 0, .index = 5, .term = 2};
        size_t size;
        uint8_t *rec = encode(&h, payload, &size);
        for (size_t avail = 0; avail < size; avail++) {
            pod_walrec_header got;
            cr_assert_eq(decode_exact(rec, avail, &got), POD_WALREC_INCOMPLETE,
                         "len %u cut at %zu", lens[i], avail);
        }
        pod_walrec_header got;
        cr_assert_eq(decode_exact(rec, size, &got), POD_WALREC_OK);
        free(rec);
    }
    free(payload);
}

Test(wal_record, structural_rejects_need_few_bytes) {
    uint8_t b[32] = {0};
    pod_walrec_header got;
    const uint8_t *p;
    /* A length beyond the maximum is invalid from its four bytes alone. */
    uint32_t len = POD_WAL_RECORD_BYTES_MAX + 1;
    for (unsigned i = 0; i < 4; i++) b[i] = (uint8_t)(len >> (8 * i));
    cr_assert_eq(pod_walrec_decode(b, 4, &got, &p), POD_WALREC_INVALID);
    /* Zeros (a hole, a zeroed sector): index 0 is never valid. */
    memset(b, 0, sizeof b);
    cr_assert_eq(pod_walrec_decode(b, 16, &got, &p), POD_WALREC_INVALID);
    cr_assert_eq(pod_walrec_decode(b, 32, &got, &p), POD_WALREC_INVALID);
    /* A lag reaching before index 1. */
    b[8] = 3;    /* index 3 */
    b[5] = 3;    /* lag 3 > index - 1 */
    cr_assert_eq(pod_walrec_decode(b, 32, &got, &p), POD_WALREC_INVALID);
    b[5] = 2;    /* lag 2: plausible, but the checksum is wrong */
    cr_assert_eq(pod_walrec_decode(b, 32, &got, &p), POD_WALREC_INVALID);
    b[5] = 0xFF; b[6] = 0xFF; b[7] = 0xFF; /* unknown lag is allowed */
    cr_assert_eq(pod_walrec_decode(b, 31, &got, &p), POD_WALREC_INCOMPLETE);
}

Test(wal_record, lag_and_proof) {
    cr_assert_eq(pod_walrec_lag(10, 9), 0u);
    cr_assert_eq(pod_walrec_lag(10, 0), 9u);
    cr_assert_eq(pod_walrec_lag(UINT64_MAX, 0), POD_WALREC_LAG_UNKNOWN);
    pod_walrec_header h = {.index = 10, .lag = 3};
    cr_assert_eq(pod_walrec_proves_durable(&h), 6u);
    h.lag = POD_WALREC_LAG_UNKNOWN;
    cr_assert_eq(pod_walrec_proves_durable(&h), 0u);
}

Test(wal_record, decoding_is_independent_of_alignment) {
    uint8_t payload[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    pod_walrec_header h = {.len = 9, .type = 2, .index = 1, .term = 1};
    size_t size;
    uint8_t *rec = encode(&h, payload, &size);
    uint8_t *shifted = malloc(size + 7);
    cr_assert_not_null(shifted);
    for (size_t shift = 0; shift <= 7; shift++) {
        memcpy(shifted + shift, rec, size);
        pod_walrec_header got;
        const uint8_t *p;
        cr_assert_eq(pod_walrec_decode(shifted + shift, size, &got, &p), POD_WALREC_OK);
        cr_assert_eq(got.index, 1u);
    }
    free(shifted);
    free(rec);
}
