/* snap_scan.c — see snap_scan.h. */
#include "sim/snap_scan.h"

#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "nodes/segmented_log.h"

#define NAMES_MAX 256u

typedef struct names {
    uint64_t snaps[NAMES_MAX];
    uint32_t snap_count;
    uint64_t log_first;
} names;

static void collect(void *arg, const char *name) {
    names *n = arg;
    uint64_t index;
    if (pod_snap_name_parse(name, &index)) {
        if (n->snap_count < NAMES_MAX) n->snaps[n->snap_count++] = index; /* ascending: names sort as indexes */
    } else if (pod_seglog_name_parse(KV_WAL_PREFIX, name, &index)) {
        if (n->log_first == 0 || index < n->log_first) n->log_first = index;
    }
}

static bool try_one(pod_snap_scan *scan, const pod_disk *disk, pod_kvlog_source src, uint64_t index,
                    pod_kv_store **store_io) {
    char name[POD_FILE_NAME_MAX + 1];
    pod_snap_name_format(index, name, sizeof name);
    uint64_t size;
    bool durable = src == POD_KVLOG_DURABLE;
    if ((durable ? pod_disk_durable_size(disk, name, &size) : pod_disk_view_size(disk, name, &size)) != POD_OK ||
        size > POD_SNAP_BYTES_MAX) {
        return false;
    }
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (!buf) return false;
    uint32_t got = 0;
    bool ok = (durable ? pod_disk_durable_read(disk, name, 0, buf, (uint32_t)size, &got)
                       : pod_disk_view_read(disk, name, 0, buf, (uint32_t)size, &got)) == POD_OK &&
              got == size;
    pod_snap_header h;
    if (ok) ok = pod_snap_decode(buf, (size_t)size, &h, NULL, NULL, 0, NULL) && h.last_index == index;
    if (ok && h.client_count > scan->clients_capacity) {
        pod_snap_client *grown = realloc(scan->clients, (size_t)h.client_count * sizeof *grown);
        ok = grown != NULL;
        if (grown) {
            scan->clients = grown;
            scan->clients_capacity = h.client_count;
        }
    }
    pod_kv_store *store = NULL;
    if (ok && store_io) ok = (store = pod_kv_create()) != NULL;
    if (ok) ok = pod_snap_decode(buf, (size_t)size, &h, store, scan->clients, scan->clients_capacity, NULL);
    free(buf);
    if (store_io && ok) {
        pod_kv_destroy(*store_io);
        *store_io = store;
    } else {
        pod_kv_destroy(store);
    }
    if (!ok) return false;
    scan->found = true;
    scan->header = h;
    return true;
}

bool pod_snap_scan_durable(pod_snap_scan *scan, const pod_disk *disk) {
    return pod_snap_scan_read(scan, disk, POD_KVLOG_DURABLE, NULL);
}

bool pod_snap_scan_read(pod_snap_scan *scan, const pod_disk *disk, pod_kvlog_source src, pod_kv_store **store_io) {
    names *n = calloc(1, sizeof *n);
    if (!n) return false;
    if (src == POD_KVLOG_DURABLE) {
        pod_disk_durable_list(disk, collect, n);
    } else {
        pod_disk_list(disk, collect, n);
    }
    scan->found = false;
    scan->header = (pod_snap_header){0};
    scan->log_first = n->log_first;
    for (uint32_t k = n->snap_count; k-- > 0 && !scan->found;) try_one(scan, disk, src, n->snaps[k], store_io);
    free(n);
    return true;
}

uint64_t pod_snap_scan_request_of(const pod_snap_scan *scan, uint32_t client_id) {
    if (!scan->found) return 0;
    uint32_t lo = 0, hi = scan->header.client_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (scan->clients[mid].client_id < client_id) lo = mid + 1; else hi = mid;
    }
    return lo < scan->header.client_count && scan->clients[lo].client_id == client_id ? scan->clients[lo].request_no : 0;
}

void pod_snap_scan_free(pod_snap_scan *scan) {
    free(scan->clients);
    scan->clients = NULL;
    scan->clients_capacity = 0;
}
