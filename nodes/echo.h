/* echo.h — the trivial ping/echo node type (see echo.c). */
#ifndef PODSIM_ECHO_H
#define PODSIM_ECHO_H

#include "sim/pod_env.h"

extern const pod_node_type pod_echo_node_type;

#endif
