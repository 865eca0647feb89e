/* snapshot_store.c — see snapshot_store.h. Every disk change is a step of
 * at most two completions, one step at a time, so that after a crash only
 * the last step can be unfinished: a snap.tmp (dropped at start), a
 * rename not yet durable (either name is a whole, fsynced file), or the
 * tail of a received file (checked whole before it is installed). */
#include "nodes/snapshot_store.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAP_TMP "snap.tmp"
#define SEQ_MASK 0xFFFFFFFFFFFFull
#define READ_PIECE_BYTES (1u << 20)

static uint64_t cookie_of(const pod_snap_store *s) { return POD_SNAP_COOKIE_TAG << 56 | (s->seq & SEQ_MASK); }

bool pod_snap_owns(const pod_disk_done *done) { return done != NULL && done->cookie >> 56 == POD_SNAP_COOKIE_TAG; }

bool pod_snap_busy(const pod_snap_store *s) { return s->job != POD_SNAP_IDLE; }

static void note(pod_snap_store *s, const char *text) {
    if (s->env->ops->note) s->env->ops->note(s->env, text);
}

static void recv_name(uint64_t index, uint64_t term, char *out, size_t len) {
    snprintf(out, len, "inst-%" PRIu64 "-%" PRIu64 ".tmp", index, term);
}

static bool recv_name_parse(const char *name, uint64_t *index, uint64_t *term) {
    unsigned long long i = 0, t = 0;
    int used = 0;
    if (sscanf(name, "inst-%20llu-%20llu.tmp%n", &i, &t, &used) != 2 || name[used] != '\0' || i == 0) return false;
    char again[POD_FILE_NAME_MAX + 1];
    recv_name(i, t, again, sizeof again);
    if (strcmp(again, name) != 0) return false; /* only the canonical spelling */
    *index = i;
    *term = t;
    return true;
}

static void kept_add(pod_snap_store *s, uint64_t index) {
    uint32_t at = 0;
    while (at < s->kept_count && s->kept[at] < index) at++;
    if (at < s->kept_count && s->kept[at] == index) return;
    if (s->kept_count == POD_SNAP_FILES_MAX) { /* forget the oldest: bounded */
        memmove(s->kept, s->kept + 1, (POD_SNAP_FILES_MAX - 1) * sizeof s->kept[0]);
        s->kept_count--;
        if (at > 0) at--;
    }
    memmove(s->kept + at + 1, s->kept + at, (s->kept_count - at) * sizeof s->kept[0]);
    s->kept[at] = index;
    s->kept_count++;
}

/* Reads a whole file into a new buffer; false on any failure. */
static bool read_fd(pod_snap_store *s, pod_fd fd, uint8_t **out, size_t *len_out) {
    pod_env *env = s->env;
    uint64_t size;
    if (env->ops->size(env, fd, &size) != POD_OK || size > POD_SNAP_BYTES_MAX) return false;
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (!buf) return false;
    for (uint64_t at = 0; at < size;) {
        uint32_t want = size - at > READ_PIECE_BYTES ? READ_PIECE_BYTES : (uint32_t)(size - at);
        uint32_t got = 0;
        if (env->ops->read(env, fd, at, buf + at, want, &got) != POD_OK || got != want) {
            free(buf);
            return false;
        }
        at += got;
    }
    *out = buf;
    *len_out = (size_t)size;
    return true;
}

static bool read_file(pod_snap_store *s, const char *name, uint8_t **out, size_t *len_out) {
    pod_fd fd;
    if (s->env->ops->open(s->env, name, 0, &fd) != POD_OK) return false;
    bool ok = read_fd(s, fd, out, len_out);
    s->env->ops->close(s->env, fd);
    return ok;
}

/* --- start ------------------------------------------------------------------- */

typedef struct listing {
    uint64_t snaps[POD_SNAP_FILES_MAX];
    uint32_t snap_count;
    bool tmp;
    uint32_t recv_count;
    uint64_t recv_index, recv_term;          /* the last one listed */
    char stale_recv[4][POD_FILE_NAME_MAX + 1]; /* older unfinished transfers to drop */
    uint32_t stale_count;
} listing;

static void visit_name(void *arg, const char *name) {
    listing *l = arg;
    uint64_t index, term;
    if (pod_snap_name_parse(name, &index)) {
        if (l->snap_count == POD_SNAP_FILES_MAX) { /* names come ascending: keep the newest */
            memmove(l->snaps, l->snaps + 1, (POD_SNAP_FILES_MAX - 1) * sizeof l->snaps[0]);
            l->snap_count--;
        }
        l->snaps[l->snap_count++] = index;
    } else if (strcmp(name, SNAP_TMP) == 0) {
        l->tmp = true;
    } else if (recv_name_parse(name, &index, &term)) {
        if (l->recv_count > 0 && l->stale_count < 4) {
            recv_name(l->recv_index, l->recv_term, l->stale_recv[l->stale_count++], POD_FILE_NAME_MAX + 1);
        }
        l->recv_count++;
        l->recv_index = index;
        l->recv_term = term;
    }
}

pod_status pod_snap_open(pod_snap_store *s, pod_env *env, char *why, size_t why_len) {
    *s = (pod_snap_store){.env = env, .fd = -1, .durable = true};
    why[0] = '\0';
    listing *l = calloc(1, sizeof *l);
    if (!l) return POD_ELIMIT;
    pod_status st = env->ops->list(env, visit_name, l);
    if (st != POD_OK) {
        snprintf(why, why_len, "snapshot: list: %s", pod_status_name(st));
        free(l);
        return st;
    }
    /* A snap.tmp is a save that never reached its rename: not a snapshot. */
    if (l->tmp) env->ops->unlink(env, SNAP_TMP);
    for (uint32_t i = 0; i < l->stale_count; i++) env->ops->unlink(env, l->stale_recv[i]);
    for (uint32_t k = l->snap_count; k-- > 0;) {
        char name[POD_FILE_NAME_MAX + 1];
        pod_snap_name_format(l->snaps[k], name, sizeof name);
        uint8_t *bytes = NULL;
        size_t len = 0;
        pod_snap_header h;
        const char *bad = "cannot be read";
        if (read_file(s, name, &bytes, &len) && pod_snap_decode(bytes, len, &h, NULL, NULL, 0, &bad)) {
            if (h.last_index == l->snaps[k]) {
                s->bytes = bytes;
                s->len = len;
                s->index = h.last_index;
                s->term = h.last_term;
                break;
            }
            bad = "its index differs from its name";
        }
        free(bytes);
        char text[160];
        snprintf(text, sizeof text, "snapshot %s is damaged (%s): falling back to an older one", name, bad);
        note(s, text);
        if (!why[0]) snprintf(why, why_len, "snapshot %s is damaged (%s)", name, bad);
    }
    for (uint32_t k = 0; k < l->snap_count; k++) kept_add(s, l->snaps[k]);
    if (l->snap_count > 0 && s->index == 0) {
        free(l);
        return POD_EIO; /* never run from a partial state: *why says which file */
    }
    why[0] = '\0';
    if (l->recv_count > 0) {
        /* An unfinished transfer: resume after what the file holds; the
         * whole file is checked against its checksum before install. */
        char name[POD_FILE_NAME_MAX + 1];
        recv_name(l->recv_index, l->recv_term, name, sizeof name);
        uint64_t size = 0;
        if (env->ops->open(env, name, 0, &s->fd) == POD_OK && env->ops->size(env, s->fd, &size) == POD_OK) {
            s->receiving = true;
            s->recv_index = l->recv_index;
            s->recv_term = l->recv_term;
            s->recv_have = size;
        } else if (s->fd >= 0) {
            env->ops->close(env, s->fd);
            s->fd = -1;
        }
    }
    free(l);
    if (s->index > 0) {
        /* The page cache may hold a rename no directory fsync covered yet. */
        s->durable = false;
        s->job = POD_SNAP_START_SYNC;
        s->seq++;
        if (env->ops->dir_fsync(env, cookie_of(s)) != POD_OK) {
            snprintf(why, why_len, "snapshot: directory fsync submission failed");
            return POD_EIO;
        }
        s->outstanding = 1;
    }
    return POD_OK;
}

void pod_snap_close(pod_snap_store *s) {
    free(s->bytes);
    free(s->save_bytes);
    free(s->recv_bytes);
    s->bytes = s->save_bytes = s->recv_bytes = NULL;
}

/* --- saving -------------------------------------------------------------------- */

static void step(pod_snap_store *s, pod_snap_job job) {
    assert(s->job == POD_SNAP_IDLE);
    s->job = job;
    s->seq++;
    s->outstanding = 0;
    s->step_failed = false;
}

static void drop_fd(pod_snap_store *s) {
    if (s->fd >= 0) s->env->ops->close(s->env, s->fd);
    s->fd = -1;
}

/* Write at `offset` then fsync, as one step; false if either could not be
 * submitted (the step is abandoned). */
static bool write_and_sync(pod_snap_store *s, uint64_t offset, const uint8_t *bytes, size_t len) {
    pod_env *env = s->env;
    if (len > 0) {
        if (env->ops->write(env, s->fd, offset, bytes, (uint32_t)len, cookie_of(s)) != POD_OK) return false;
        s->outstanding++;
    }
    if (env->ops->fsync(env, s->fd, cookie_of(s)) != POD_OK) return false;
    s->outstanding++;
    return true;
}

static bool rename_and_sync(pod_snap_store *s, const char *from, uint64_t index) {
    char name[POD_FILE_NAME_MAX + 1];
    pod_snap_name_format(index, name, sizeof name);
    if (s->env->ops->rename(s->env, from, name) != POD_OK) return false;
    if (s->env->ops->dir_fsync(s->env, cookie_of(s)) != POD_OK) return false;
    s->outstanding = 1;
    return true;
}

bool pod_snap_save(pod_snap_store *s, uint8_t *bytes, size_t len, uint64_t index, uint64_t term) {
    assert(bytes != NULL && index > 0);
    if (pod_snap_busy(s) || s->receiving) {
        free(bytes);
        return false;
    }
    pod_env *env = s->env;
    step(s, POD_SNAP_SAVE_WRITE);
    bool ok = env->ops->open(env, SNAP_TMP, POD_OPEN_CREATE, &s->fd) == POD_OK &&
              env->ops->truncate(env, s->fd, 0) == POD_OK;
    /* Nothing is in flight until the write is accepted, so a refusal here
     * (a full disk) abandons the save and the node tries again later. */
    if (ok && env->ops->write(env, s->fd, 0, bytes, (uint32_t)len, cookie_of(s)) == POD_OK) {
        s->outstanding = 1;
        if (env->ops->fsync(env, s->fd, cookie_of(s)) == POD_OK) {
            s->outstanding = 2;
        } else {
            s->step_failed = true; /* the write's completion still comes */
        }
        s->save_bytes = bytes;
        s->save_len = len;
        s->save_index = index;
        s->save_term = term;
        return true;
    }
    drop_fd(s);
    s->job = POD_SNAP_IDLE;
    free(bytes);
    return false;
}

/* --- receiving ------------------------------------------------------------------ */

static void recv_discard(pod_snap_store *s) {
    if (!s->receiving) return;
    char name[POD_FILE_NAME_MAX + 1];
    recv_name(s->recv_index, s->recv_term, name, sizeof name);
    drop_fd(s);
    s->env->ops->unlink(s->env, name);
    s->receiving = false;
    s->recv_have = 0;
}

bool pod_snap_receive(pod_snap_store *s, uint64_t index, uint64_t term, uint64_t total, uint64_t offset,
                      const uint8_t *data, uint32_t len) {
    if (pod_snap_busy(s) || total > POD_SNAP_BYTES_MAX || offset > total || len > total - offset) return false;
    pod_env *env = s->env;
    if (s->receiving && (s->recv_index != index || s->recv_term != term || (s->recv_total && s->recv_total != total))) {
        recv_discard(s);
    }
    if (!s->receiving) {
        char name[POD_FILE_NAME_MAX + 1];
        recv_name(index, term, name, sizeof name);
        if (env->ops->open(env, name, POD_OPEN_CREATE, &s->fd) != POD_OK) return false;
        if (env->ops->truncate(env, s->fd, 0) != POD_OK) {
            drop_fd(s);
            return false;
        }
        s->receiving = true;
        s->recv_index = index;
        s->recv_term = term;
        s->recv_have = 0;
    }
    s->recv_total = total;
    if (s->recv_have > total) {
        recv_discard(s); /* more than the snapshot has: not this one */
        return false;
    }
    if (offset != s->recv_have || len == 0) return false;
    step(s, POD_SNAP_CHUNK);
    s->recv_pending = len;
    if (!write_and_sync(s, offset, data, len)) {
        if (s->outstanding == 0) {
            s->job = POD_SNAP_IDLE;
            return false;
        }
        s->step_failed = true;
    }
    s->chunks++;
    return true;
}

bool pod_snap_install(pod_snap_store *s, char *why, size_t why_len) {
    why[0] = '\0';
    if (pod_snap_busy(s) || !s->receiving || s->recv_total == 0 || s->recv_have != s->recv_total) return false;
    uint8_t *bytes = NULL;
    size_t len = 0;
    pod_snap_header h;
    const char *bad = "cannot be read back";
    bool whole = read_fd(s, s->fd, &bytes, &len) && pod_snap_decode(bytes, len, &h, NULL, NULL, 0, &bad);
    if (whole && (h.last_index != s->recv_index || h.last_term != s->recv_term)) {
        whole = false;
        bad = "holds another snapshot";
    }
    if (!whole) {
        free(bytes);
        snprintf(why, why_len, "received snapshot %" PRIu64 " is damaged (%s): starting the transfer over",
                 s->recv_index, bad);
        recv_discard(s);
        return false;
    }
    free(s->recv_bytes);
    s->recv_bytes = bytes;
    s->recv_len = len;
    /* Its chunks were fsynced, but after a restart the file may hold bytes
     * only the page cache has: sync once more before the rename. */
    step(s, POD_SNAP_INSTALL_RENAME);
    if (!write_and_sync(s, 0, NULL, 0)) {
        s->job = POD_SNAP_IDLE;
        return false;
    }
    return true;
}

void pod_snap_abandon_receive(pod_snap_store *s) {
    if (!pod_snap_busy(s)) recv_discard(s);
}

void pod_snap_adopt_installed(pod_snap_store *s) {
    assert(s->recv_bytes != NULL);
    free(s->bytes);
    s->bytes = s->recv_bytes;
    s->len = s->recv_len;
    s->recv_bytes = NULL;
    s->index = s->recv_index;
    s->term = s->recv_term;
    s->durable = true;
    s->receiving = false;
    s->recv_have = 0;
    s->installs++;
    kept_add(s, s->index);
}

void pod_snap_prune(pod_snap_store *s, uint32_t keep) {
    if (keep < 1) keep = 1;
    while (s->kept_count > keep && s->kept[0] < s->index) {
        char name[POD_FILE_NAME_MAX + 1];
        pod_snap_name_format(s->kept[0], name, sizeof name);
        /* The next directory fsync (of anyone) makes it durable; a crash
         * before that may bring the file back, which is harmless. */
        s->env->ops->unlink(s->env, name);
        memmove(s->kept, s->kept + 1, (s->kept_count - 1) * sizeof s->kept[0]);
        s->kept_count--;
    }
}

/* --- completions ------------------------------------------------------------------ */

pod_snap_event pod_snap_on_disk(pod_snap_store *s, const pod_disk_done *done) {
    assert(pod_snap_owns(done) && s->job != POD_SNAP_IDLE && s->outstanding > 0);
    if ((done->cookie & SEQ_MASK) != (s->seq & SEQ_MASK)) return POD_SNAP_EV_NONE; /* not ours: stale */
    if (done->status != POD_OK) s->step_failed = true;
    if (--s->outstanding > 0) return POD_SNAP_EV_NONE;
    pod_snap_job job = s->job;
    s->job = POD_SNAP_IDLE;
    /* A failed fsync may have dropped data a later one would call synced:
     * never retry it and believe it. The node stops. */
    if (s->step_failed) return POD_SNAP_EV_FAILED;
    switch (job) {
    case POD_SNAP_SAVE_WRITE:
        drop_fd(s);
        step(s, POD_SNAP_SAVE_RENAME);
        if (!rename_and_sync(s, SNAP_TMP, s->save_index)) {
            s->job = POD_SNAP_IDLE;
            return POD_SNAP_EV_FAILED;
        }
        return POD_SNAP_EV_NONE;
    case POD_SNAP_SAVE_RENAME:
        free(s->bytes);
        s->bytes = s->save_bytes;
        s->len = s->save_len;
        s->save_bytes = NULL;
        s->index = s->save_index;
        s->term = s->save_term;
        s->durable = true;
        s->saves++;
        kept_add(s, s->index);
        return POD_SNAP_EV_SAVED;
    case POD_SNAP_CHUNK:
        s->recv_have += s->recv_pending;
        s->recv_pending = 0;
        return POD_SNAP_EV_CHUNK;
    case POD_SNAP_INSTALL_RENAME: {
        if (s->fd >= 0) {
            char from[POD_FILE_NAME_MAX + 1];
            recv_name(s->recv_index, s->recv_term, from, sizeof from);
            drop_fd(s);
            step(s, POD_SNAP_INSTALL_RENAME);
            if (!rename_and_sync(s, from, s->recv_index)) {
                s->job = POD_SNAP_IDLE;
                return POD_SNAP_EV_FAILED;
            }
            return POD_SNAP_EV_NONE;
        }
        return POD_SNAP_EV_INSTALLED;
    }
    case POD_SNAP_START_SYNC:
        s->durable = true;
        return POD_SNAP_EV_STARTED;
    case POD_SNAP_IDLE: break;
    }
    assert(!"unknown snapshot job");
    return POD_SNAP_EV_FAILED;
}
