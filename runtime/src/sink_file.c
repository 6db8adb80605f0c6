/* sink_file.c — the `file:PATH` sink: NDJSON appended to a file, one write()
 * per batch so lines from concurrent processes never interleave mid-line.
 * A file that cannot be opened is retried on each batch, so telemetry resumes
 * once e.g. its directory appears.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "sink.h"

typedef struct file_sink {
    beacon__sink base;
    char *path;
    int fd; /* -1 while not open */
    beacon__scratch scratch;
} file_sink;

static int file_try_open(file_sink *s) {
    int fd;
    do {
        fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return errno;
    s->fd = fd;
    return 0;
}

static beacon_status file_write(beacon__sink *sink, const beacon__batch *batch, size_t *delivered) {
    file_sink *s = (file_sink *)sink;
    int err_no = 0;
    *delivered = 0;
    if (s->fd < 0 && (err_no = file_try_open(s)) != 0) {
        beacon__diag(BEACON_ERR_IO, "sink file:%s: cannot open: %s", s->path, strerror(err_no));
        return BEACON_ERR_IO;
    }
    beacon_status st =
        beacon__fd_write_lines(s->fd, NULL, 0, batch, &s->scratch, delivered, &err_no);
    if (st != BEACON_OK) {
        beacon__diag(BEACON_ERR_IO, "sink file:%s: write failed: %s", s->path,
                     strerror(err_no ? err_no : EIO));
    }
    return st;
}

static beacon_status file_flush(beacon__sink *sink, int timeout_ms) {
    (void)sink;
    (void)timeout_ms;
    /* Lines are in the kernel once write() returns; fsync is not promised. */
    return BEACON_OK;
}

static beacon_status file_close(beacon__sink *sink, int timeout_ms) {
    file_sink *s = (file_sink *)sink;
    beacon_status st = BEACON_OK;
    (void)timeout_ms;
    if (s->fd >= 0 && close(s->fd) != 0 && errno != EINTR) {
        beacon__diag(BEACON_ERR_IO, "sink file:%s: close failed: %s", s->path, strerror(errno));
        st = BEACON_ERR_IO;
    }
    beacon__scratch_free(&s->scratch);
    free(s->path);
    free(s);
    return st;
}

static const beacon__sink_vtable k_file_vt = {"file", file_write, file_flush, file_close};

beacon_status beacon__sink_file_open(const beacon__sink_spec *spec, beacon__sink **out, char *err,
                                     size_t err_cap) {
    (void)err;
    (void)err_cap;
    file_sink *s = calloc(1, sizeof *s);
    if (!s) return BEACON_ERR_NO_MEMORY;
    s->base.vt = &k_file_vt;
    s->base.format = BEACON__FORMAT_CANONICAL;
    s->fd = -1;
    s->path = strdup(spec->target);
    if (!s->path) {
        free(s);
        return BEACON_ERR_NO_MEMORY;
    }
    int err_no = file_try_open(s);
    if (err_no) {
        /* Not fatal: reported now, retried on each write. */
        beacon__diag(BEACON_ERR_IO, "sink file:%s: cannot open: %s (will retry)", s->path,
                     strerror(err_no));
    }
    *out = &s->base;
    return BEACON_OK;
}
