/* kvlog_scan.c — see kvlog_scan.h. */
#include "sim/kvlog_scan.h"

#include <stdlib.h>
#include <string.h>

#include "nodes/kv_proto.h"
#include "nodes/segmented_log.h"
#include "nodes/wal_record.h"

#define SEGMENTS_MAX 4096u

typedef struct segment_list {
    uint64_t first[SEGMENTS_MAX];
    uint32_t count;
} segment_list;

static void collect_segment(void *arg, const char *name) {
    segment_list *l = arg;
    uint64_t first;
    if (!pod_seglog_name_parse(KV_WAL_PREFIX, name, &first) || l->count == SEGMENTS_MAX) return;
    l->first[l->count++] = first; /* names sort as their indexes: zero-padded */
}

static bool read_segment(pod_kvlog_scanner *sc, const pod_disk *disk, pod_kvlog_source src,
                         const char *name, uint64_t *size_out) {
    uint64_t size;
    pod_status st = src == POD_KVLOG_DURABLE ? pod_disk_durable_size(disk, name, &size)
                                             : pod_disk_view_size(disk, name, &size);
    if (st != POD_OK) return false;
    if (size > sc->capacity) {
        uint8_t *grown = realloc(sc->buf, (size_t)size);
        if (!grown) return false;
        sc->buf = grown;
        sc->capacity = size;
    }
    for (uint64_t at = 0; at < size;) { /* pieces of at most 1 MiB */
        uint32_t want = size - at > (1u << 20) ? (1u << 20) : (uint32_t)(size - at);
        uint32_t got = 0;
        st = src == POD_KVLOG_DURABLE ? pod_disk_durable_read(disk, name, at, sc->buf + at, want, &got)
                                      : pod_disk_view_read(disk, name, at, sc->buf + at, want, &got);
        if (st != POD_OK || got != want) return false;
        at += got;
    }
    *size_out = size;
    return true;
}

bool pod_kvlog_scan(pod_kvlog_scanner *sc, const pod_disk *disk, pod_kvlog_source src,
                    bool (*visit)(void *arg, const pod_kvlog_record *rec), void *arg, uint64_t *last_out) {
    segment_list *segs = calloc(1, sizeof *segs);
    if (!segs) return false;
    if (src == POD_KVLOG_DURABLE) {
        pod_disk_durable_list(disk, collect_segment, segs);
    } else {
        pod_disk_list(disk, collect_segment, segs);
    }
    *last_out = 0;
    uint64_t expect = segs->count ? segs->first[0] : 1;
    bool going = true;
    for (uint32_t s = 0; s < segs->count && going; s++) {
        char name[POD_FILE_NAME_MAX + 1];
        uint64_t size = 0;
        pod_seglog_name_format(KV_WAL_PREFIX, segs->first[s], name, sizeof name);
        if (segs->first[s] != expect || !read_segment(sc, disk, src, name, &size)) break;
        for (uint64_t at = 0; at < size && going;) {
            pod_walrec_header h;
            const uint8_t *payload;
            if (pod_walrec_decode(sc->buf + at, (size_t)(size - at), &h, &payload) != POD_WALREC_OK ||
                h.index != expect) {
                going = false;
                break;
            }
            pod_kvlog_record rec = {.index = h.index, .term = h.term, .type = h.type, .payload = payload,
                                    .len = h.len};
            if (!visit(arg, &rec)) {
                going = false;
                break;
            }
            *last_out = h.index;
            expect = h.index + 1;
            at += pod_walrec_size(h.len);
        }
    }
    free(segs);
    return true;
}

void pod_kvlog_scanner_free(pod_kvlog_scanner *sc) {
    free(sc->buf);
    sc->buf = NULL;
    sc->capacity = 0;
}
