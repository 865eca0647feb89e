/* rkv_node.h — a replicated key-value node: Leader and Followers (see
 * rkv_node.c for the patterns it is made of). */
#ifndef PODSIM_RKV_NODE_H
#define PODSIM_RKV_NODE_H

#include "sim/pod_env.h"

extern const pod_node_type pod_rkv_node_type;

#endif
