/* msgpool.c — size-classed free lists of message buffers. */
#include "sim/msgpool.h"

#include "sim/pod_env.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

void pod_msgpool_init(pod_msgpool *pool, uint32_t limit) {
    memset(pool, 0, sizeof *pool);
    pool->limit = limit;
    for (uint32_t i = 0; i < POD_MSGPOOL_CLASSES; i++) pool->free_head[i] = NONE;
}

void pod_msgpool_free(pod_msgpool *pool) {
    for (uint32_t i = 0; i < pool->count; i++) free(pool->bufs[i].bytes);
    free(pool->bufs);
    memset(pool, 0, sizeof *pool);
}

static uint8_t size_class_of(uint32_t len) {
    uint8_t c = 0;
    while ((64u << c) < len) c++;
    assert(c < POD_MSGPOOL_CLASSES);
    return c;
}

bool pod_msgpool_put(pod_msgpool *pool, const void *bytes, uint32_t len, uint64_t hash,
                     uint32_t *handle_out) {
    assert(len <= POD_MSG_BYTES_MAX);
    if (pool->in_use >= pool->limit) return false;
    uint8_t c = size_class_of(len);
    uint32_t h = pool->free_head[c];
    if (h != NONE) {
        pool->free_head[c] = pool->bufs[h].next_free;
    } else {
        if (pool->count == pool->capacity) {
            uint32_t want = pool->capacity ? pool->capacity * 2 : 256;
            pod_msgbuf *grown = realloc(pool->bufs, (size_t)want * sizeof *grown);
            if (!grown) return false;
            pool->bufs = grown;
            pool->capacity = want;
        }
        uint8_t *mem = malloc((size_t)64u << c);
        if (!mem) return false;
        h = pool->count++;
        pool->bufs[h] = (pod_msgbuf){.bytes = mem, .size_class = c};
    }
    pod_msgbuf *b = &pool->bufs[h];
    assert(!b->in_use);
    if (len) memcpy(b->bytes, bytes, len);
    b->len = len;
    b->hash = hash;
    b->in_use = true;
    b->next_free = NONE;
    pool->in_use++;
    *handle_out = h;
    return true;
}

const pod_msgbuf *pod_msgpool_get(const pod_msgpool *pool, uint32_t handle) {
    assert(handle < pool->count && pool->bufs[handle].in_use);
    return &pool->bufs[handle];
}

void pod_msgpool_set_hash(pod_msgpool *pool, uint32_t handle, uint64_t hash) {
    assert(handle < pool->count && pool->bufs[handle].in_use);
    pool->bufs[handle].hash = hash;
}

void pod_msgpool_release(pod_msgpool *pool, uint32_t handle) {
    assert(handle < pool->count && pool->bufs[handle].in_use);
    pod_msgbuf *b = &pool->bufs[handle];
    b->in_use = false;
    b->next_free = pool->free_head[b->size_class];
    pool->free_head[b->size_class] = handle;
    pool->in_use--;
}
