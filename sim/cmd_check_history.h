/* cmd_check_history.h — `podsim check-history FILE`: is a recorded client
 * history (JSON lines, docs/history-format.md) linearizable?
 *
 * Exit status: 0 linearizable; 1 not linearizable (the explanation is
 * printed); 2 usage error or bad input (file:line:col); 3 undecided — a
 * limit of the checker was reached — or an internal error (out of memory). */
#ifndef PODSIM_CMD_CHECK_HISTORY_H
#define PODSIM_CMD_CHECK_HISTORY_H

/* argv holds the arguments after "check-history" (argc of them). */
int pod_cmd_check_history(int argc, char **argv);

#endif
