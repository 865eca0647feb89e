/* node_params.c — see node_params.h. */
#include "nodes/node_params.h"

bool pod_param_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    uint64_t v = 0;
    if (!*text) return false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9') return false;
        uint64_t digit = (uint64_t)(*p - '0');
        if (v > (max - digit) / 10) return false; /* past max: also no overflow */
        v = v * 10 + digit;
    }
    if (v < min) return false;
    *out = v;
    return true;
}
