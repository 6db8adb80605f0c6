/* stream.c — the `stderr` and `stdout` sinks: NDJSON lines on the
 * process's standard streams, optionally prefixed (?prefix=TEXT) so they can
 * be told apart from the program's own output.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "sinks/sink.h"

typedef struct stream_sink {
    beacon__sink base;
    int fd;
    const char *name; /* "stderr" / "stdout" */
    char *prefix;     /* NULL: none */
    size_t prefix_len;
    beacon__scratch scratch;
} stream_sink;

static beacon_status stream_write(beacon__sink *sink, const beacon__batch *batch,
                                  size_t *delivered) {
    stream_sink *s = (stream_sink *)sink;
    int err_no = 0;
    /* The program may have buffered its own output in stdio; push it out
     * first so lines keep their order. */
    fflush(s->fd == STDOUT_FILENO ? stdout : stderr);
    beacon_status st = beacon__fd_write_lines(s->fd, s->prefix, s->prefix_len, batch, &s->scratch,
                                              delivered, &err_no);
    if (st != BEACON_OK) {
        beacon__diag(BEACON_ERR_IO, "sink %s: write failed: %s", s->name,
                     strerror(err_no ? err_no : EIO));
    }
    return st;
}

static beacon_status stream_flush(beacon__sink *sink, int timeout_ms) {
    (void)sink;
    (void)timeout_ms;
    return BEACON_OK; /* lines go out with write(); nothing is held back */
}

static beacon_status stream_close(beacon__sink *sink, int timeout_ms) {
    stream_sink *s = (stream_sink *)sink;
    (void)timeout_ms;
    beacon__scratch_free(&s->scratch);
    free(s->prefix);
    free(s);
    return BEACON_OK;
}

static const beacon__sink_vtable k_stream_vt = {
    .scheme = "stream", .write = stream_write, .flush = stream_flush, .close = stream_close};

static beacon_status stream_open(const beacon__sink_spec *spec, const beacon__callback_target *cb,
                                 beacon__sink **out, char *err, size_t err_cap) {
    (void)cb;
    (void)err;
    (void)err_cap;
    stream_sink *s = calloc(1, sizeof *s);
    if (!s) return BEACON_ERR_NO_MEMORY;
    s->base.vt = &k_stream_vt;
    s->base.format = BEACON__FORMAT_CANONICAL;
    s->base.json_flags = 0;
    bool out_stream = strcmp(spec->scheme, "stdout") == 0;
    s->fd = out_stream ? STDOUT_FILENO : STDERR_FILENO;
    s->name = out_stream ? "stdout" : "stderr";
    const char *prefix = beacon__sink_spec_option(spec, "prefix");
    if (prefix && *prefix) {
        s->prefix = strdup(prefix);
        if (!s->prefix) {
            free(s);
            return BEACON_ERR_NO_MEMORY;
        }
        s->prefix_len = strlen(prefix);
    }
    *out = &s->base;
    return BEACON_OK;
}

static const char *const k_stream_options[] = {"prefix", NULL};

const beacon__sink_scheme beacon__sink_scheme_stderr = {
    .scheme = "stderr",
    .usage = "stderr",
    .target = BEACON__TARGET_NONE,
    .options = k_stream_options,
    .open = stream_open,
};

const beacon__sink_scheme beacon__sink_scheme_stdout = {
    .scheme = "stdout",
    .usage = "stdout",
    .target = BEACON__TARGET_NONE,
    .options = k_stream_options,
    .open = stream_open,
};
