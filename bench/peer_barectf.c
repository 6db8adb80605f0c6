/* peer_barectf.c — the barectf peer of beacon-bench: the benchmark event
 * through the tracing function barectf generates from bench/barectf.yaml at
 * build time, with a small file back end. barectf's contexts are not
 * thread-safe, so each thread has its own: a 64 KiB packet buffer and its
 * own stream file, written with write(2) on the calling thread when the
 * packet is full. The clock is CLOCK_MONOTONIC in ns. The trace directory
 * (the generated CTF metadata and one stream file per thread) is read back
 * with babeltrace2 and removed.
 */
#include "peers.h"

#include "barectf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PACKET_BYTES (64u * 1024u)

typedef struct barectf_thread {
    struct barectf_default_ctx ctx;
    int fd;
    uint64_t write_failures;
    uint8_t packet[PACKET_BYTES];
} barectf_thread;

static barectf_thread *threads_ctx[2];
static char trace_dir[64];

static uint64_t clock_ns(void *data) {
    (void)data;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int backend_full(void *data) {
    (void)data;
    return 0; /* a file takes every packet */
}

static void open_packet(void *data) {
    barectf_thread *t = data;
    barectf_default_open_packet(&t->ctx);
}

static void close_packet(void *data) {
    barectf_thread *t = data;
    barectf_default_close_packet(&t->ctx);
    const uint8_t *buf = barectf_packet_buf(&t->ctx);
    size_t left = barectf_packet_buf_size(&t->ctx);
    while (left > 0) {
        ssize_t n = write(t->fd, buf, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            t->write_failures++;
            return;
        }
        buf += n;
        left -= (size_t)n;
    }
}

static int copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[8192];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) rc = -1;
    if (in) fclose(in);
    if (out && fclose(out) != 0) rc = -1;
    return rc;
}

static int barectf_open(unsigned threads, void **ctxs) {
    snprintf(trace_dir, sizeof trace_dir, "/tmp/beacon-bench-barectf-XXXXXX");
    if (!mkdtemp(trace_dir)) return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/metadata", trace_dir);
    if (copy_file(BENCH_BARECTF_METADATA, path) != 0) {
        fprintf(stderr, "beacon-bench: barectf: cannot copy %s\n", BENCH_BARECTF_METADATA);
        return -1;
    }
    const struct barectf_platform_callbacks cbs = {clock_ns, backend_full, open_packet,
                                                   close_packet};
    for (unsigned i = 0; i < threads; i++) {
        barectf_thread *t = calloc(1, sizeof *t);
        if (!t) return -1;
        snprintf(path, sizeof path, "%s/stream_%u", trace_dir, i);
        t->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (t->fd < 0) {
            fprintf(stderr, "beacon-bench: barectf: %s: %s\n", path, strerror(errno));
            free(t);
            return -1;
        }
        barectf_init(&t->ctx, t->packet, PACKET_BYTES, cbs, t);
        open_packet(t);
        threads_ctx[i] = t;
        ctxs[i] = t;
    }
    return 0;
}

static void barectf_call(void *p) {
    barectf_thread *t = p;
    barectf_default_trace_tool_called(&t->ctx, BENCH_EVENT_TOOL, BENCH_EVENT_USER, 1048576, 12.75,
                                      1, 0);
}

static int barectf_close(unsigned threads, void **ctxs, uint64_t given, uint64_t *counted,
                         uint64_t *lost) {
    (void)given;
    (void)ctxs;
    int rc = 0;
    *lost = 0;
    for (unsigned i = 0; i < threads; i++) {
        barectf_thread *t = threads_ctx[i];
        if (barectf_packet_is_open(&t->ctx) && !barectf_packet_is_empty(&t->ctx)) close_packet(t);
        *lost += barectf_discarded_event_records_count(&t->ctx);
        if (t->write_failures) rc = -1;
        if (close(t->fd) != 0) rc = -1;
        free(t);
        threads_ctx[i] = NULL;
    }
    if (rc == 0) rc = bench_ctf_count(trace_dir, counted);
    bench_rmtree(trace_dir);
    return rc;
}

const bench_peer bench_peer_barectf = {
    "peer: barectf (file back end)", NULL, barectf_open, barectf_call, NULL, barectf_close, NULL};
