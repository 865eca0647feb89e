/* node_params.h — parsing of `node KEY=VALUE` values, shared by node types
 * (which may not use the simulator's parser: they see only pod_env.h). */
#ifndef PODSIM_NODE_PARAMS_H
#define PODSIM_NODE_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

/* A plain decimal in [min, max]; false on anything else (sign, junk,
 * overflow, empty). */
bool pod_param_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);

#endif
