/* fuzz.c — the fuzz campaign: seeds spread over worker processes (each
 * result a fixed-size record on a pipe), merged in the parent, which prints
 * failures with their replay lines, JSON lines and progress.
 *
 * Which seeds a campaign runs is fixed by (start, count, shard); only
 * --time makes it depend on the machine's speed. Each seed's result depends
 * on nothing but the scenario and the seed. */
#include "sim/fuzz.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli_args.h"
#include "sim/swarm.h"
#include "sim/trace.h"
#include "sim/wallclock.h"

/* One seed's result, as a worker sends it: fixed size, below PIPE_BUF, so
 * a write is atomic. */
typedef struct fuzz_record {
    uint8_t starting;   /* 1: the worker begins this seed (no result yet) */
    uint64_t seed;
    uint64_t events;
    uint64_t sim_ns;
    uint64_t trace_hash;
    uint8_t verdict;
    char check[64];
    char message[512];
    char mix[96];
    char undecided[256];
} fuzz_record;

_Static_assert(sizeof(fuzz_record) < 4096, "a record must be written atomically");

pod_verdict pod_fuzz_run_seed(const pod_scenario *scn, const pod_node_type *type, uint64_t seed,
                              bool swarm, pod_run_result *result, char *mix, size_t mix_len) {
    pod_run_options opt = {.seed = seed, .node_type = type, .trace_format = POD_TRACE_NONE};
    if (!swarm) {
        if (mix_len) snprintf(mix, mix_len, "no swarm");
        return pod_world_run(scn, &opt, result);
    }
    pod_scenario *mixed = malloc(sizeof *mixed);
    pod_swarm_mix m;
    if (!mixed || !pod_swarm_apply(scn, seed, mixed, &m)) {
        free(mixed);
        memset(result, 0, sizeof *result);
        result->seed = seed;
        result->verdict = POD_VERDICT_ERROR;
        snprintf(result->message, sizeof result->message,
                 "the seed's fault mix does not fit the scenario (too many actions) or no memory");
        return result->verdict;
    }
    if (mix_len) pod_swarm_describe(&m, mix, mix_len);
    pod_verdict v = pod_world_run(mixed, &opt, result);
    free(mixed);
    return v;
}

static void run_one(const pod_fuzz_options *o, uint64_t seed, fuzz_record *rec) {
    pod_run_result r;
    memset(rec, 0, sizeof *rec);
    pod_fuzz_run_seed(o->scn, o->type, seed, o->swarm, &r, rec->mix, sizeof rec->mix);
    rec->seed = seed;
    rec->events = r.events;
    rec->sim_ns = r.sim_ns;
    rec->trace_hash = r.trace_hash;
    rec->verdict = (uint8_t)r.verdict;
    snprintf(rec->check, sizeof rec->check, "%s", r.check);
    snprintf(rec->message, sizeof rec->message, "%s", r.message);
    snprintf(rec->undecided, sizeof rec->undecided, "%s", r.undecided);
}

/* --- which seeds ------------------------------------------------------------ */

/* The p-th seed of this shard, and whether the campaign has one. */
static bool shard_seed(const pod_fuzz_options *o, uint64_t p, uint64_t *seed_out) {
    uint64_t i = o->shard_index + p * o->shard_count;
    if (o->seeds && i >= o->seeds) return false;
    *seed_out = o->start_seed + i;
    return true;
}

/* --- reporting ---------------------------------------------------------------- */

typedef struct fuzz_state {
    const pod_fuzz_options *o;
    pod_fuzz_summary *sum;
    double started;
    double last_progress;
} fuzz_state;

static void report(fuzz_state *st, const fuzz_record *rec) {
    const pod_fuzz_options *o = st->o;
    st->sum->seeds_run++;
    bool failed = rec->verdict == POD_VERDICT_VIOLATION || rec->verdict == POD_VERDICT_BUDGET;
    if (failed) st->sum->failed++;
    if (rec->verdict == POD_VERDICT_ERROR) st->sum->errors++;
    if (rec->undecided[0]) st->sum->undecided++;
    if (o->json) {
        fprintf(o->json, "{\"seed\":%" PRIu64 ",\"verdict\":\"%s\",\"events\":%" PRIu64
                         ",\"sim_ns\":%" PRIu64 ",\"trace_hash\":\"%016" PRIx64 "\",\"mix\":",
                rec->seed, pod_verdict_name((pod_verdict)rec->verdict), rec->events, rec->sim_ns,
                rec->trace_hash);
        pod_json_write_string(o->json, rec->mix, strlen(rec->mix));
        if (rec->verdict != POD_VERDICT_PASS) {
            fputs(",\"check\":", o->json);
            pod_json_write_string(o->json, rec->check, strlen(rec->check));
            fputs(",\"message\":", o->json);
            pod_json_write_string(o->json, rec->message, strlen(rec->message));
        }
        if (rec->undecided[0]) {
            fputs(",\"undecided\":", o->json);
            pod_json_write_string(o->json, rec->undecided, strlen(rec->undecided));
        }
        fputs("}\n", o->json);
    }
    if (failed || rec->verdict == POD_VERDICT_ERROR) {
        if (o->progress && o->progress_tty) fputs("\r\033[K", o->progress);
        fprintf(o->out, "FAIL seed=%" PRIu64 " [%s] %s: %s\n", rec->seed, rec->mix, rec->check,
                rec->message);
        pod_cli_print_replay(o->out, o->path, rec->seed, o->swarm, 0);
        fflush(o->out);
    }
    if (!o->progress) return;
    double now = pod_wallclock_seconds();
    double interval = o->progress_tty ? 0.2 : 5.0;
    if (now - st->last_progress < interval) return;
    st->last_progress = now;
    double rate = (double)st->sum->seeds_run / (now - st->started > 1e-9 ? now - st->started : 1e-9);
    if (o->progress_tty) {
        fprintf(o->progress, "\r\033[Kfuzz: %" PRIu64 " seeds, %.0f seeds/s, %" PRIu64 " failed",
                st->sum->seeds_run, rate, st->sum->failed);
    } else {
        fprintf(o->progress, "fuzz: %" PRIu64 " seeds, %.0f seeds/s, %" PRIu64 " failed\n",
                st->sum->seeds_run, rate, st->sum->failed);
    }
    fflush(o->progress);
}

static bool time_left(const pod_fuzz_options *o, double started) {
    return o->time_s <= 0 || pod_wallclock_seconds() - started < o->time_s;
}

/* --- one process ------------------------------------------------------------- */

static void campaign_inline(fuzz_state *st) {
    const pod_fuzz_options *o = st->o;
    fuzz_record rec;
    uint64_t seed;
    for (uint64_t p = 0; shard_seed(o, p, &seed) && time_left(o, st->started); p++) {
        run_one(o, seed, &rec);
        report(st, &rec);
    }
}

/* --- worker processes --------------------------------------------------------- */

static bool write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Worker w of J runs the shard's seeds at positions p with p % J == w. */
static void worker(const pod_fuzz_options *o, uint32_t w, int fd, double started) {
    fuzz_record rec;
    uint64_t seed;
    for (uint64_t p = w; shard_seed(o, p, &seed) && time_left(o, started); p += o->jobs) {
        /* Say which seed is running, so that a crash of the simulator itself
         * (an assert, a sanitizer) still names its seed. */
        fuzz_record start = {.starting = 1, .seed = seed};
        if (!write_all(fd, &start, sizeof start)) _exit(3);
        run_one(o, seed, &rec);
        if (!write_all(fd, &rec, sizeof rec)) _exit(3);
    }
    _exit(0);
}

/* Reads one whole record; 0 at end of stream, -1 on error. */
static int read_record(int fd, fuzz_record *rec) {
    size_t got = 0;
    while (got < sizeof *rec) {
        ssize_t n = read(fd, (char *)rec + got, sizeof *rec - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) return got == 0 ? 0 : -1;
        got += (size_t)n;
    }
    return 1;
}

static bool campaign_workers(fuzz_state *st) {
    const pod_fuzz_options *o = st->o;
    struct pollfd fds[POD_FUZZ_JOBS_MAX];
    pid_t pids[POD_FUZZ_JOBS_MAX];
    uint64_t running[POD_FUZZ_JOBS_MAX]; /* seed in progress per worker */
    bool busy[POD_FUZZ_JOBS_MAX] = {false};
    fflush(NULL); /* nothing buffered may be written twice by the children */
    for (uint32_t w = 0; w < o->jobs; w++) {
        int pipefd[2];
        if (pipe(pipefd) != 0) return false;
        pid_t pid = fork();
        if (pid < 0) return false;
        if (pid == 0) {
            close(pipefd[0]);
            for (uint32_t k = 0; k < w; k++) close(fds[k].fd);
            worker(o, w, pipefd[1], st->started);
        }
        close(pipefd[1]);
        pids[w] = pid;
        fds[w] = (struct pollfd){.fd = pipefd[0], .events = POLLIN};
    }
    uint32_t open_count = o->jobs;
    bool ok = true;
    while (open_count > 0) {
        int n = poll(fds, o->jobs, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ok = false;
            break;
        }
        for (uint32_t w = 0; w < o->jobs; w++) {
            if (fds[w].fd < 0 || !(fds[w].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            fuzz_record rec;
            int r = read_record(fds[w].fd, &rec);
            if (r == 1 && rec.starting) {
                running[w] = rec.seed;
                busy[w] = true;
                continue;
            }
            if (r == 1) {
                busy[w] = false;
                report(st, &rec);
                continue;
            }
            if (r < 0) ok = false;
            close(fds[w].fd);
            fds[w].fd = -1;
            open_count--;
        }
    }
    for (uint32_t w = 0; w < o->jobs; w++) {
        int status = 0;
        while (waitpid(pids[w], &status, 0) < 0 && errno == EINTR) {
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(o->out, "podsim fuzz: worker %u %s %d; its remaining seeds did not run\n", w,
                    WIFSIGNALED(status) ? "died of signal" : "exited with",
                    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            if (busy[w]) {
                /* The simulator itself crashed on this seed: a finding too. */
                fuzz_record rec = {.seed = running[w], .verdict = POD_VERDICT_ERROR};
                snprintf(rec.check, sizeof rec.check, "simulator crash");
                snprintf(rec.message, sizeof rec.message, "the run of this seed killed its worker");
                snprintf(rec.mix, sizeof rec.mix, "?");
                report(st, &rec);
            }
            ok = false;
        }
    }
    return ok;
}

bool pod_fuzz_campaign(const pod_fuzz_options *o, pod_fuzz_summary *sum) {
    memset(sum, 0, sizeof *sum);
    fuzz_state st = {.o = o, .sum = sum, .started = pod_wallclock_seconds()};
    st.last_progress = st.started;
    bool ok = true;
    if (o->jobs <= 1) {
        campaign_inline(&st);
    } else {
        ok = campaign_workers(&st);
    }
    sum->wall_s = pod_wallclock_seconds() - st.started;
    if (o->progress && o->progress_tty) fputs("\r\033[K", o->progress);
    return ok;
}
