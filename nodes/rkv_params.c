/* rkv_params.c — the replicated key-value node's `node KEY=VALUE`
 * parameters: checked before a run (a bad one is reported at its file,
 * line and column by the scenario loader), then parsed at every start. */
#include <stdio.h>
#include <string.h>

#include "nodes/node_params.h"
#include "nodes/rkv_internal.h"

typedef struct param_spec {
    const char *key;
    uint64_t min, max;
    size_t offset;        /* in rkv_params */
} param_spec;

static const param_spec specs[] = {
    {"election_ms", 1, 60000, offsetof(rkv_params, election_ms)},
    {"heartbeat_ms", 1, 60000, offsetof(rkv_params, heartbeat_ms)},
    {"segment_bytes", 256, 64u << 20, offsetof(rkv_params, segment_bytes)},
    /* Low-Water Mark: snapshots and the cleaner */
    {"snapshot_entries", 0, 1u << 20, offsetof(rkv_params, snapshot_entries)},
    {"snapshot_bytes", 0, 1u << 30, offsetof(rkv_params, snapshot_bytes)},
    {"lwm_tail", 0, 1u << 20, offsetof(rkv_params, lwm_tail)},
    {"retention_ms", 1, 86400000, offsetof(rkv_params, retention_ms)},
    {"cleaner_ms", 1, 3600000, offsetof(rkv_params, cleaner_ms)},
};
#define SPEC_COUNT (sizeof specs / sizeof specs[0])

static const param_spec *spec_of(const char *key) {
    for (size_t i = 0; i < SPEC_COUNT; i++) {
        if (strcmp(specs[i].key, key) == 0) return &specs[i];
    }
    return NULL;
}

int rkv_check_params(const pod_node_param *params, int count, char *err, size_t err_len) {
    for (int i = 0; i < count; i++) {
        uint64_t v;
        if (strcmp(params[i].key, "lwm_policy") == 0) {
            if (strcmp(params[i].value, "snapshot") == 0 || strcmp(params[i].value, "time") == 0) continue;
            snprintf(err, err_len, "expected lwm_policy=snapshot or lwm_policy=time, found '%s'", params[i].value);
            return i;
        }
        const param_spec *sp = spec_of(params[i].key);
        if (!sp) {
            snprintf(err, err_len,
                     "unknown parameter '%s'; expected election_ms, heartbeat_ms, segment_bytes, snapshot_entries, "
                     "snapshot_bytes, lwm_policy, lwm_tail, retention_ms or cleaner_ms",
                     params[i].key);
            return i;
        }
        if (pod_param_u64(params[i].value, sp->min, sp->max, &v)) continue;
        snprintf(err, err_len, "expected %s=N with N in %llu..%llu, found '%s'", sp->key, (unsigned long long)sp->min,
                 (unsigned long long)sp->max, params[i].value);
        return i;
    }
    return -1;
}

void rkv_params_parse(const pod_node_param *params, int count, rkv_params *out) {
    *out = (rkv_params){.election_ms = 150, .heartbeat_ms = 50, .segment_bytes = 64u * 1024u,
                        .snapshot_entries = 0, .snapshot_bytes = 0, .lwm_policy = RKV_LWM_SNAPSHOT,
                        .lwm_tail = 0, .retention_ms = 60000, .cleaner_ms = 1000};
    for (int i = 0; i < count; i++) {
        if (strcmp(params[i].key, "lwm_policy") == 0) {
            out->lwm_policy = strcmp(params[i].value, "time") == 0 ? RKV_LWM_TIME : RKV_LWM_SNAPSHOT;
            continue;
        }
        const param_spec *sp = spec_of(params[i].key);
        uint64_t v;
        /* Checked before the run: an invalid value never reaches here. */
        if (sp && pod_param_u64(params[i].value, sp->min, sp->max, &v)) {
            memcpy((char *)out + sp->offset, &v, sizeof v);
        }
    }
}
