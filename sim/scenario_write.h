/* scenario_write.h — a parsed scenario written back as scenario text, and
 * a comparison of two parsed scenarios.
 *
 * The text is canonical: the same pod_scenario always gives the same bytes,
 * and parsing them gives a pod_scenario that pod_scenario_equal() finds
 * equal to the one written. `podsim fuzz` uses this to print the fault mix
 * a seed applied; `podsim shrink` to save the smallest failing scenario as
 * a file a person reads.
 *
 * The layout, section by section (a blank line between sections):
 *
 *   # HEADER LINE 1               (each header line, if a header is given)
 *
 *   cluster nodes=N type=T
 *   seed S                        (only if has_seed)
 *   run D
 *   network ...                   (only the keys that differ from the defaults)
 *   disk ...                      (likewise)
 *   workload clients=... timeout=... (only with clients > 0; every key)
 *   budget ...                    (only the keys that differ from the defaults)
 *   node KEY=VALUE                (one line per parameter, in order)
 *
 *   at T ACTION                   (in order)
 *
 *   expect COUNTER OP N           (in order)
 *
 * Durations are exact, in the shortest of "1500ms" and "1.5s" style (no
 * "0.5s": that is written 500ms); probabilities are "0" or a percentage
 * ("0.0001%" is 1 ppm, "100%" is 1). */
#ifndef PODSIM_SCENARIO_WRITE_H
#define PODSIM_SCENARIO_WRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/scenario.h"

/* A buffer of this size holds every text pod_scenario_write accepts to
 * write: text larger than a scenario file may be would not parse back. */
#define POD_SCN_WRITE_SIZE_MAX ((size_t)POD_SCN_FILE_MAX + 1u)

/* Writes `scn` as scenario text into out[0..out_len), NUL-terminated, and
 * its length (without the NUL) into *len_out. `header_comment` may be NULL;
 * otherwise each of its lines becomes a "# " comment line (a line longer
 * than a scenario line may be is continued on the next comment line).
 *
 * `scn` must satisfy what the parser guarantees (node count, names,
 * ranges, action order and times, partitions that cover every node);
 * anything else is a programmer error, checked in every build: it aborts
 * with a message saying what is wrong, because its text would not read
 * back.
 *
 * Returns false, with out untouched, when the text does not fit: then
 * *len_out is the length it needs (without the NUL). A needed length above
 * POD_SCN_FILE_MAX means the scenario cannot be a file at all (thousands of
 * large partitions), and no buffer helps. Also false, with *len_out 0, when
 * the scratch scenario (~600 KB) that the parser's defaults are read into
 * cannot be allocated. */
bool pod_scenario_write(const pod_scenario *scn, const char *header_comment, char *out,
                        size_t out_len, size_t *len_out);

/* Writes the text of pod_scenario_write to the file `path` (created or
 * replaced). On failure returns false with a message in err[0..err_len)
 * and leaves no partly written file behind. */
bool pod_scenario_write_file(const pod_scenario *scn, const char *header_comment,
                             const char *path, char *err, size_t err_len);

/* True when a and b mean the same scenario: every field the simulator
 * acts on, not the path nor the lines and columns kept for messages.
 * Fields without meaning are skipped: the seed when has_seed is false, the
 * workload's settings when it has no clients, an action's nodes and groups
 * that its kind does not use, and partition groups past the node count.
 * Otherwise writes the first difference into why[0..why_len) (if why is
 * not NULL), e.g. "actions[3].at_ns: 1500000000 != 2000000000". */
bool pod_scenario_equal(const pod_scenario *a, const pod_scenario *b, char *why, size_t why_len);

#endif
