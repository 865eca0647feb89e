/* snapshot_store.h — a node's snapshot files (Low-Water Mark,
 * docs/low-water-mark.md): saving one atomically, receiving one from the
 * leader in chunks, and finding the newest valid one at start.
 *
 * Saving (the book's snapshot, written without stopping the node): write
 * snap.tmp, fsync it, rename it to snap-<index>.snap, fsync the directory.
 * Only when that directory fsync has completed is the snapshot durable —
 * and only a durable snapshot lets the cleaner delete log segments.
 * Receiving: chunks are appended to inst-<index>-<term>.tmp, each fsynced
 * before it is acknowledged, so a transfer resumes where it stopped after
 * message loss or a crash on either side; the whole file is checked against
 * its checksum before it is renamed into place the same way.
 *
 * One disk step at a time; completions whose cookie pod_snap_owns() go to
 * pod_snap_on_disk(). */
#ifndef PODSIM_SNAPSHOT_STORE_H
#define PODSIM_SNAPSHOT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nodes/snapshot_format.h"
#include "sim/pod_env.h"

#define POD_SNAP_COOKIE_TAG 0x53ull /* top byte of its cookies: 'S' */
#define POD_SNAP_FILES_MAX 64u      /* snapshot files looked at when starting */

typedef enum pod_snap_job {
    POD_SNAP_IDLE = 0,
    POD_SNAP_SAVE_WRITE,     /* write + fsync of snap.tmp */
    POD_SNAP_SAVE_RENAME,    /* rename + directory fsync */
    POD_SNAP_CHUNK,          /* write + fsync of one received chunk */
    POD_SNAP_INSTALL_RENAME, /* fsync, rename + directory fsync of a received file */
    POD_SNAP_START_SYNC,     /* the directory fsync after start */
} pod_snap_job;

/* What a completion finished, for the node to act on. */
typedef enum pod_snap_event {
    POD_SNAP_EV_NONE = 0,    /* a step is still in flight */
    POD_SNAP_EV_SAVED,       /* a save is durable */
    POD_SNAP_EV_CHUNK,       /* a received chunk is durable: `have` moved */
    POD_SNAP_EV_INSTALLED,   /* a received snapshot is durable under its name */
    POD_SNAP_EV_STARTED,     /* the snapshot found at start is durable */
    POD_SNAP_EV_FAILED,      /* a write or fsync failed: the node must stop */
} pod_snap_event;

typedef struct pod_snap_store {
    pod_env *env;
    /* The newest snapshot believed whole: what the node runs from and what
     * it sends to followers. `bytes` is the exact file. */
    uint64_t index, term;
    uint8_t *bytes;
    size_t len;
    bool durable;            /* its name survives a crash (directory fsync done) */
    uint64_t kept[POD_SNAP_FILES_MAX]; /* snapshot files believed on disk, ascending */
    uint32_t kept_count;
    /* the step in flight */
    pod_snap_job job;
    uint32_t outstanding;
    bool step_failed;
    uint64_t seq;
    pod_fd fd;
    uint8_t *save_bytes;     /* a save in flight: the new file */
    size_t save_len;
    uint64_t save_index, save_term;
    /* a transfer being received */
    bool receiving;
    uint64_t recv_index, recv_term, recv_total;
    uint64_t recv_have;      /* bytes written and fsynced (or found at start) */
    uint32_t recv_pending;   /* bytes of the chunk in flight */
    uint8_t *recv_bytes;     /* an installed file, until the node takes it */
    size_t recv_len;
    uint64_t saves, installs, chunks;
} pod_snap_store;

/* Lists the files, drops a half-written snap.tmp, picks the newest valid
 * snap-*.snap (falling back to older ones, with a note for each that is
 * damaged), and adopts an unfinished inst-*.tmp. POD_OK or a status, with
 * *why saying what went wrong; snapshot files that exist but none valid is
 * POD_EIO ("never a silent partial state"). Submits a directory fsync: the
 * snapshot found counts as durable once it completes (POD_SNAP_EV_STARTED). */
pod_status pod_snap_open(pod_snap_store *s, pod_env *env, char *why, size_t why_len);
void pod_snap_close(pod_snap_store *s); /* frees memory; touches no disk */

bool pod_snap_busy(const pod_snap_store *s);
/* Starts saving `bytes` (ownership passes to the store) as the snapshot at
 * index/term. False when busy or the submission failed (bytes freed). */
bool pod_snap_save(pod_snap_store *s, uint8_t *bytes, size_t len, uint64_t index, uint64_t term);

/* A received chunk at `offset` of the snapshot (index, term) of `total`
 * bytes. Starts a new transfer (discarding another one) when the snapshot
 * differs. Writes it when offset == have; otherwise writes nothing. Returns
 * true when a write went out (answer after POD_SNAP_EV_CHUNK). */
bool pod_snap_receive(pod_snap_store *s, uint64_t index, uint64_t term, uint64_t total, uint64_t offset,
                      const uint8_t *data, uint32_t len);
/* Once have == total: reads the file back and checks it whole; if good,
 * fsyncs, renames and fsyncs the directory (POD_SNAP_EV_INSTALLED follows).
 * A damaged file is discarded and the transfer starts over: false. */
bool pod_snap_install(pod_snap_store *s, char *why, size_t why_len);
/* Drops an unfinished transfer (its file too): the node got past it from
 * the log. No-op while a step is in flight or none is being received. */
void pod_snap_abandon_receive(pod_snap_store *s);
/* After POD_SNAP_EV_INSTALLED: the installed file becomes the current
 * snapshot. */
void pod_snap_adopt_installed(pod_snap_store *s);

/* Unlinks snapshot files older than the newest `keep` (at least 1). */
void pod_snap_prune(pod_snap_store *s, uint32_t keep);

bool pod_snap_owns(const pod_disk_done *done);
pod_snap_event pod_snap_on_disk(pod_snap_store *s, const pod_disk_done *done);

#endif
