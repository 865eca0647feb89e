/* idempotent_receiver.c — the Idempotent Receiver's memory: one record
 * per client, in a sorted array (binary search; deterministic order). */
#include "nodes/idempotent_receiver.h"

#include <assert.h>
#include <string.h>

/* The place of client_id: its record, or where it would go. */
static uint32_t find(const pod_idem *r, uint32_t client_id) {
    uint32_t lo = 0, hi = r->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r->clients[mid].client_id < client_id) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

bool pod_idem_applied(const pod_idem *r, uint32_t client_id, uint64_t request_no, pod_idem_client *first) {
    uint32_t at = find(r, client_id);
    if (at == r->count || r->clients[at].client_id != client_id) return false;
    if (request_no > r->clients[at].request_no) return false;
    *first = r->clients[at];
    return true;
}

void pod_idem_remember(pod_idem *r, uint32_t client_id, uint64_t request_no, uint64_t index, uint8_t status) {
    uint32_t at = find(r, client_id);
    pod_idem_client rec = {.client_id = client_id, .request_no = request_no, .index = index, .status = status};
    if (at < r->count && r->clients[at].client_id == client_id) {
        assert(request_no > r->clients[at].request_no);
        r->clients[at] = rec;
        return;
    }
    if (r->count == POD_IDEM_CLIENTS_MAX) {
        r->overflows++;
        return;
    }
    memmove(&r->clients[at + 1], &r->clients[at], (r->count - at) * sizeof r->clients[0]);
    r->clients[at] = rec;
    r->count++;
}
