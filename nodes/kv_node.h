/* kv_node.h — a single key-value node: the state machine (kv_store.h)
 * behind a Write-Ahead Log (wal.h) on a Segmented Log. */
#ifndef PODSIM_KV_NODE_H
#define PODSIM_KV_NODE_H

#include "sim/pod_env.h"

extern const pod_node_type pod_kv_node_type;

#endif
