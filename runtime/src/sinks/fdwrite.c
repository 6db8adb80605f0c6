/* fdwrite.c — what fd-based sinks share (sink.h): NDJSON lines written to
 * a file descriptor with one write per batch, retries on EINTR and partial
 * writes, torn-line repair, and SIGPIPE kept from killing the process.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "sinks/sink.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"

int beacon__fd_stall_max_ms = 5000;

void beacon__scratch_free(beacon__scratch *s) {
    free(s->data);
    s->data = NULL;
    s->cap = 0;
}

/* SIGPIPE. write() into a pipe or socket whose reader is gone raises
 * SIGPIPE, whose default action kills the process: telemetry must turn that
 * into EPIPE instead. The signal write() raises is directed at the writing
 * thread, so blocking it on that thread is enough and leaves the host's own
 * disposition alone. The worker blocks it for its whole life; any other
 * thread that writes blocks it around the write and consumes the SIGPIPE it
 * caused (unless one was already pending, which is the host's). */
static _Thread_local bool t_sigpipe_blocked;

void beacon__sink_block_sigpipe_on_this_thread(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) == 0) t_sigpipe_blocked = true;
}

typedef struct pipe_guard {
    sigset_t old;
    bool restore;     /* this call blocked SIGPIPE and must unblock it */
    bool was_pending; /* a SIGPIPE was pending before: not ours to consume */
} pipe_guard;

static void pipe_guard_enter(pipe_guard *g) {
    g->restore = g->was_pending = false;
    if (t_sigpipe_blocked) return;
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &set, &g->old) != 0 || sigismember(&g->old, SIGPIPE)) return;
    g->restore = true;
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
}

static void pipe_guard_leave(pipe_guard *g, int err) {
    if (!g->restore) return;
    if (err == EPIPE && !g->was_pending) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        struct timespec zero = {0, 0};
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* Writes buf fully, retrying EINTR and partial writes; *written receives the
 * bytes that made it out. A closed pipe gives EPIPE, never SIGPIPE. A
 * descriptor inherited with O_NONBLOCK (EAGAIN) is waited on with poll() for
 * as long as it keeps accepting bytes, and up to beacon__fd_stall_max_ms without
 * progress. */
static int write_all(int fd, const char *buf, size_t len, size_t *written) {
    size_t off = 0;
    int err = 0;
    int64_t stall_until = 0;
    pipe_guard guard;
    pipe_guard_enter(&guard);
    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                int64_t now = beacon__clock_monotonic_ns();
                if (!stall_until) stall_until = now + (int64_t)beacon__fd_stall_max_ms * 1000000;
                if (now < stall_until) {
                    struct pollfd pfd = {fd, POLLOUT, 0};
                    int ms = (int)((stall_until - now) / 1000000) + 1;
                    if (poll(&pfd, 1, ms) >= 0 || errno == EINTR) continue;
                }
                err = EAGAIN;
                break;
            }
            err = errno;
            break;
        }
        stall_until = 0;
        if (n == 0) {
            err = EIO;
            break;
        }
        off += (size_t)n;
    }
    pipe_guard_leave(&guard, err);
    *written = off;
    return err;
}

/* Records whether the write that just ended on fd left a line unterminated,
 * and for a regular file which file and where it ended (sink.h). */
static void note_tear(int fd, beacon__scratch *s, bool torn) {
    struct stat st;
    s->torn = torn;
    s->torn_file = torn && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    if (s->torn_file) {
        s->torn_dev = (uint64_t)st.st_dev;
        s->torn_ino = (uint64_t)st.st_ino;
        s->torn_size = (uint64_t)st.st_size;
    }
}

/* Whether fd still ends with the fragment a failed write left: always for
 * what cannot be asked (pipes, terminals); for a regular file, only while it
 * is the same file at the same size. Forgets a fragment that is not there. */
static bool torn_line_is_last(int fd, beacon__scratch *s) {
    if (!s->torn) return false;
    if (!s->torn_file) return true;
    struct stat st;
    bool last = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == s->torn_dev &&
                (uint64_t)st.st_ino == s->torn_ino && (uint64_t)st.st_size == s->torn_size;
    if (!last) s->torn = false;
    return last;
}

void beacon__fd_end_torn_line(int fd, beacon__scratch *scratch) {
    size_t written = 0;
    if (torn_line_is_last(fd, scratch) && write_all(fd, "\n", 1, &written) == 0)
        scratch->torn = false;
}

/* *delivered = the batch's lines (each prefix_len + text + '\n') wholly
 * within the first `written` bytes; returns their bytes. */
static size_t count_whole_lines(const beacon__batch *batch, size_t prefix_len, size_t written,
                                size_t *delivered) {
    size_t end = 0;
    for (size_t i = 0; i < batch->count; i++) {
        size_t next = end + prefix_len + batch->records[i].len + 1;
        if (next > written) break;
        end = next;
        (*delivered)++;
    }
    return end;
}

beacon_status beacon__fd_write_lines(int fd, const char *prefix, size_t prefix_len,
                                     const beacon__batch *batch, beacon__scratch *scratch,
                                     size_t *delivered, int *err_no) {
    size_t total = 0;
    *delivered = 0;
    *err_no = 0;
    for (size_t i = 0; i < batch->count; i++) total += prefix_len + batch->records[i].len + 1;
    if (total == 0) return BEACON_OK;
    /* A failed write that stopped inside a line left it unterminated: end it
     * first, so that the batch's first line stays a line of its own. */
    size_t lead = torn_line_is_last(fd, scratch) ? 1 : 0;

    if (prefix_len == 0 && batch->ndjson) {
        /* Already NDJSON in one piece: written as it lies, in one write(). */
        size_t written = 0;
        if (lead && (*err_no = write_all(fd, "\n", 1, &written)) != 0) return BEACON_ERR_IO;
        *err_no = write_all(fd, batch->records[0].json, total, &written);
        note_tear(fd, scratch, count_whole_lines(batch, 0, written, delivered) < written);
        return *delivered == batch->count ? BEACON_OK : BEACON_ERR_IO;
    }
    if (scratch->cap < lead + total) {
        char *grown = realloc(scratch->data, lead + total);
        if (grown) {
            scratch->data = grown;
            scratch->cap = lead + total;
        }
    }
    if (scratch->cap >= lead + total) {
        /* One write() keeps the batch's lines together in an O_APPEND file
         * shared with other writers. */
        size_t off = 0, written = 0;
        if (lead) scratch->data[off++] = '\n';
        for (size_t i = 0; i < batch->count; i++) {
            if (prefix_len) memcpy(scratch->data + off, prefix, prefix_len);
            off += prefix_len;
            memcpy(scratch->data + off, batch->records[i].json, batch->records[i].len);
            off += batch->records[i].len;
            scratch->data[off++] = '\n';
        }
        *err_no = write_all(fd, scratch->data, lead + total, &written);
        if (written >= lead) {
            written -= lead;
            note_tear(fd, scratch,
                      count_whole_lines(batch, prefix_len, written, delivered) < written);
        }
    } else {
        /* Out of memory for the batch buffer: fall back to pieces. */
        size_t w = 0;
        if (lead && (*err_no = write_all(fd, "\n", 1, &w)) != 0) return BEACON_ERR_IO;
        scratch->torn = false;
        for (size_t i = 0; i < batch->count && *err_no == 0; i++) {
            const char *piece[3] = {prefix, batch->records[i].json, "\n"};
            size_t piece_len[3] = {prefix_len, batch->records[i].len, 1};
            size_t line = 0;
            for (int k = 0; k < 3 && *err_no == 0; k++) {
                if (piece_len[k] == 0) continue;
                *err_no = write_all(fd, piece[k], piece_len[k], &w);
                line += w;
            }
            if (*err_no == 0) {
                (*delivered)++;
            } else {
                note_tear(fd, scratch, line > 0);
            }
        }
    }
    return *delivered == batch->count ? BEACON_OK : BEACON_ERR_IO;
}
