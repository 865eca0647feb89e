/* registry.h — the node types a scenario's `cluster type=NAME` can name. */
#ifndef PODSIM_REGISTRY_H
#define PODSIM_REGISTRY_H

#include "sim/pod_env.h"

/* NULL when no type has that name. */
const pod_node_type *pod_node_type_find(const char *name);

/* All types, NULL-terminated, in a fixed order (for messages). */
extern const pod_node_type *const pod_node_types[];

#endif
