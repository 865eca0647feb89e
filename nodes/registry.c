/* registry.c — the table of node types. */
#include "nodes/registry.h"

#include "nodes/echo.h"
#include "nodes/kv_node.h"
#include "nodes/rkv_node.h"

#include <string.h>

const pod_node_type *const pod_node_types[] = {
    &pod_echo_node_type,
    &pod_kv_node_type,
    &pod_rkv_node_type,
    NULL,
};

const pod_node_type *pod_node_type_find(const char *name) {
    for (int i = 0; pod_node_types[i]; i++) {
        if (strcmp(pod_node_types[i]->name, name) == 0) return pod_node_types[i];
    }
    return NULL;
}
