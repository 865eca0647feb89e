/* msgpool.h — storage for message bytes in flight, recycled by size class so
 * that the steady state of a run allocates nothing per message. */
#ifndef PODSIM_MSGPOOL_H
#define PODSIM_MSGPOOL_H

#include <stdbool.h>
#include <stdint.h>

#define POD_MSGPOOL_CLASSES 15u /* 64 B .. 1 MiB, powers of two */

typedef struct pod_msgbuf {
    uint8_t *bytes;
    uint64_t hash;         /* the sender's hash of bytes, kept so a message is hashed once */
    uint32_t len;
    uint32_t next_free;    /* free-list link, or UINT32_MAX */
    uint8_t size_class;
    bool in_use;
} pod_msgbuf;

typedef struct pod_msgpool {
    pod_msgbuf *bufs;
    uint32_t count;        /* buffers ever made */
    uint32_t capacity;     /* of bufs[] */
    uint32_t limit;        /* most buffers in flight at once */
    uint32_t in_use;
    uint32_t free_head[POD_MSGPOOL_CLASSES];
} pod_msgpool;

void pod_msgpool_init(pod_msgpool *pool, uint32_t limit);
void pod_msgpool_free(pod_msgpool *pool);

/* Copies len bytes (<= POD_MSG_BYTES_MAX) into a buffer and keeps `hash`
 * with them; returns its handle in *handle_out. False when the pool is at
 * its limit or out of memory. */
bool pod_msgpool_put(pod_msgpool *pool, const void *bytes, uint32_t len, uint64_t hash,
                     uint32_t *handle_out);

const pod_msgbuf *pod_msgpool_get(const pod_msgpool *pool, uint32_t handle);
/* Replaces the kept hash (the bytes changed in flight). */
void pod_msgpool_set_hash(pod_msgpool *pool, uint32_t handle, uint64_t hash);
void pod_msgpool_release(pod_msgpool *pool, uint32_t handle);

#endif
