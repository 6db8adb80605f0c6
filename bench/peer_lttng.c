/* peer_lttng.c — the LTTng-UST peer of beacon-bench: the benchmark event as
 * an LTTng-UST tracepoint (peer_lttng_tp.h) recorded by an active userspace
 * session in the default channel (per-user buffers, one ring per CPU,
 * discard mode). setup starts lttng-sessiond when none is running; each
 * measurement creates a session writing to a temporary directory, enables
 * the event and starts it; close stops it, reads the discarded-event count
 * from `lttng list`, destroys the session and counts the trace's events
 * with babeltrace2; teardown stops the session daemon it started and removes
 * the temporary directory. As root, the lttng commands run with LTTNG_HOME
 * in that directory, so root's ~/.lttngrc is left alone (a root session
 * daemon and root applications meet in /var/run/lttng whatever LTTNG_HOME
 * says).
 */
#include "peers.h"

#include "peer_lttng_tp.h" /* the probes are in peer_lttng_tp.c */

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmp_dir[64];     /* this peer's temporary directory */
static char env_prefix[128]; /* "LTTNG_HOME='…' " as root, else "" */
static pid_t started_sessiond;
static unsigned session_no;
static char session[64];
static char trace_dir[128];

typedef struct lttng_ctx {
    const char *tool, *user;
} lttng_ctx;

static lttng_ctx thread_ctx[2];

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs an lttng command line (through /bin/sh, with env_prefix), its output
 * into out (may be NULL) and, on failure, to stderr. Returns its exit
 * status, -1 when it could not run. */
static int run(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t cap, const char *fmt, ...) {
    char cmd[1024];
    int n = snprintf(cmd, sizeof cmd, "%s", env_prefix);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    strncat(cmd, " 2>&1", sizeof cmd - strlen(cmd) - 1);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char buf[8192];
    size_t len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = '\0';
    int rc = pclose(p);
    rc = rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    if (out && cap) snprintf(out, cap, "%s", buf);
    return rc;
}

static int lttng_setup(void) {
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/beacon-bench-lttng-XXXXXX");
    if (!mkdtemp(tmp_dir)) {
        fprintf(stderr, "beacon-bench: lttng: mkdtemp: %s\n", strerror(errno));
        tmp_dir[0] = '\0';
        return -1;
    }
    if (geteuid() == 0) snprintf(env_prefix, sizeof env_prefix, "LTTNG_HOME='%s' ", tmp_dir);
    started_sessiond = 0;
    if (run(NULL, 0, "lttng list") == 0) return 0; /* a session daemon is running: use it */
    char out[8192];
    if (run(out, sizeof out, "lttng-sessiond --daemonize --no-kernel") != 0) {
        fprintf(stderr, "beacon-bench: lttng-sessiond did not start:\n%s", out);
        return -1;
    }
    char pidfile[256];
    if (geteuid() == 0)
        snprintf(pidfile, sizeof pidfile, "/var/run/lttng/lttng-sessiond.pid");
    else if (getenv("LTTNG_HOME") || getenv("HOME"))
        snprintf(pidfile, sizeof pidfile, "%s/.lttng/lttng-sessiond.pid",
                 getenv("LTTNG_HOME") ? getenv("LTTNG_HOME") : getenv("HOME"));
    else
        pidfile[0] = '\0';
    FILE *f = fopen(pidfile, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1) pid = 0;
        fclose(f);
    }
    if (pid <= 0) {
        fprintf(stderr, "beacon-bench: lttng-sessiond started but %s has no pid\n", pidfile);
        return -1;
    }
    started_sessiond = (pid_t)pid;
    return 0;
}

/* Whether pid has exited (gone, or a zombie waiting for its parent). */
static int exited(pid_t pid) {
    char path[64], state = 0;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 1;
    if (fscanf(f, "%*d (%*[^)]) %c", &state) != 1) state = 0;
    fclose(f);
    return state == 'Z' || state == 'X';
}

static void lttng_teardown(void) {
    if (session[0]) run(NULL, 0, "lttng destroy '%s'", session);
    session[0] = '\0';
    if (started_sessiond > 0) {
        kill(started_sessiond, SIGTERM);
        for (int i = 0; i < 500 && !exited(started_sessiond); i++) sleep_ms(10);
        if (!exited(started_sessiond))
            fprintf(stderr, "beacon-bench: lttng-sessiond (pid %ld) did not stop\n",
                    (long)started_sessiond);
        started_sessiond = 0;
    }
    if (tmp_dir[0] && bench_rmtree(tmp_dir) != 0)
        fprintf(stderr, "beacon-bench: could not remove %s\n", tmp_dir);
    tmp_dir[0] = '\0';
}

static int lttng_open(unsigned threads, void **ctxs) {
    snprintf(session, sizeof session, "beacon-bench-%ld-%u", (long)getpid(), ++session_no);
    snprintf(trace_dir, sizeof trace_dir, "%s/trace-%u", tmp_dir, session_no);
    char out[8192];
    if (run(out, sizeof out, "lttng create '%s' --output='%s'", session, trace_dir) != 0 ||
        run(out, sizeof out,
            "lttng enable-event --userspace --session='%s' beacon_bench:tool_called",
            session) != 0 ||
        run(out, sizeof out, "lttng start '%s'", session) != 0) {
        fprintf(stderr, "beacon-bench: lttng session setup failed:\n%s", out);
        return -1;
    }
    /* This process registers with the session daemon on its own thread;
     * wait until the session has enabled the tracepoint here. */
    for (int i = 0; i < 1000 && !lttng_ust_tracepoint_enabled(beacon_bench, tool_called); i++)
        sleep_ms(10);
    if (!lttng_ust_tracepoint_enabled(beacon_bench, tool_called)) {
        fprintf(stderr, "beacon-bench: the lttng session did not enable the tracepoint in 10 s\n");
        return -1;
    }
    for (unsigned i = 0; i < threads; i++) {
        thread_ctx[i] = (lttng_ctx){BENCH_EVENT_TOOL, BENCH_EVENT_USER};
        ctxs[i] = &thread_ctx[i];
    }
    return 0;
}

static void lttng_call(void *p) {
    lttng_ctx *c = p;
    lttng_ust_tracepoint(beacon_bench, tool_called, c->tool, c->user, 1048576, 12.75, 1, 0);
}

/* Sum of the "Discarded events: N" lines of `lttng list SESSION`. */
static uint64_t discarded(const char *listing) {
    uint64_t sum = 0;
    for (const char *s = listing; (s = strstr(s, "Discarded events:")) != NULL; s++)
        sum += strtoull(s + strlen("Discarded events:"), NULL, 10);
    return sum;
}

static int lttng_close(unsigned threads, void **ctxs, uint64_t given, uint64_t *counted,
                       uint64_t *lost) {
    (void)threads;
    (void)ctxs;
    static char out[65536];
    /* stop waits until the buffers' data is in the trace files. */
    if (run(out, sizeof out, "lttng stop '%s'", session) != 0) {
        fprintf(stderr, "beacon-bench: lttng stop failed:\n%s", out);
        return -1;
    }
    if (run(out, sizeof out, "lttng list '%s'", session) != 0) {
        fprintf(stderr, "beacon-bench: lttng list failed:\n%s", out);
        return -1;
    }
    *lost = discarded(out);
    if (run(NULL, 0, "lttng destroy '%s'", session) != 0) return -1;
    session[0] = '\0';
    int rc = bench_ctf_count(trace_dir, counted);
    bench_rmtree(trace_dir);
    /* lttng 2.13's listing can show an impossible count, more than were
     * given (seen: 2^63 plus the number missing from the trace); say so and
     * count the events missing from the trace instead. */
    if (rc == 0 && *lost > given && *counted <= given) {
        fprintf(stderr,
                "beacon-bench: lttng list reported %" PRIu64 " discarded events for %" PRIu64
                " given; counting the %" PRIu64 " missing from the trace instead\n",
                *lost, given, given - *counted);
        *lost = given - *counted;
    }
    return rc;
}

const bench_peer bench_peer_lttng = {"peer: lttng-ust (active session)",
                                     lttng_setup,
                                     lttng_open,
                                     lttng_call,
                                     NULL,
                                     lttng_close,
                                     lttng_teardown};
