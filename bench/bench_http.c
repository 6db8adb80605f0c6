/* bench_http.c — beacon-bench-http: end-to-end delivery through the HTTP
 * sinks to a receiver on 127.0.0.1 inside this process (threads that read
 * each request and answer 200 without looking at the body). For each format,
 * compression off and on: events/s from the first emit until beacon_flush()
 * returns with everything delivered, the process CPU per event, and the
 * highest paced rate delivered with zero drops. The receiver's own limit is
 * measured first with a plain socket client, so a result near it says the
 * receiver, not beacon, was the bottleneck. Method: bench/README.md.
 *   beacon-bench-http [--json PATH]   (BENCH_HTTP_EVENTS: events per run;
 *                                      BENCH_HTTP_ONLY: one format)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <beacon/beacon.h>

#include "bev_events.h"

/* ---- the receiver ------------------------------------------------------------ */

static int g_listen;
static int g_port;
static _Atomic long g_requests;

static void *serve_conn(void *arg) {
    int fd = (int)(intptr_t)arg;
    size_t cap = 1 << 20, have = 0;
    char *buf = malloc(cap);
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    while (buf) {
        if (have == cap) {
            char *g = realloc(buf, cap * 2);
            if (!g) break;
            buf = g;
            cap *= 2;
        }
        ssize_t n = recv(fd, buf + have, cap - have, 0);
        if (n <= 0) break;
        have += (size_t)n;
        for (;;) {
            char *end = memmem(buf, have, "\r\n\r\n", 4);
            if (!end) break;
            size_t head = (size_t)(end + 4 - buf), len = 0;
            char *cl = memmem(buf, head, "ontent-Length: ", 15);
            if (cl) len = strtoul(cl + 15, NULL, 10);
            if (have < head + len) break;
            atomic_fetch_add_explicit(&g_requests, 1, memory_order_relaxed);
            if (send(fd, ok, sizeof ok - 1, MSG_NOSIGNAL) < 0) goto out;
            memmove(buf, buf + head + len, have - head - len);
            have -= head + len;
        }
    }
out:
    free(buf);
    close(fd);
    return NULL;
}

static void *accept_loop(void *arg) {
    (void)arg;
    for (;;) {
        int fd = accept(g_listen, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) continue;
            return NULL;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        if (pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)fd) == 0)
            pthread_detach(t);
        else
            close(fd);
    }
}

static int start_receiver(void) {
    g_listen = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (g_listen < 0 || bind(g_listen, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(g_listen, 128) != 0 || getsockname(g_listen, (struct sockaddr *)&a, &len) != 0)
        return -1;
    g_port = ntohs(a.sin_port);
    pthread_t t;
    return pthread_create(&t, NULL, accept_loop, NULL) == 0 ? 0 : -1;
}

/* ---- measurement helpers ------------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The receiver's own limit: one client thread posting a 512-event-sized
 * body (200 KB) back to back for about a second; bytes/s of bodies. */
static double receiver_limit_bytes_per_s(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)g_port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) return 0;
    size_t body = 200000;
    char head[128];
    int hl = snprintf(head, sizeof head, "POST / HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", body);
    char *req = calloc(1, (size_t)hl + body);
    memcpy(req, head, (size_t)hl);
    double t0 = now_s(), bytes = 0;
    char resp[256];
    while (now_s() - t0 < 1.0) {
        size_t off = 0, total = (size_t)hl + body;
        while (off < total) {
            ssize_t n = send(fd, req + off, total - off, MSG_NOSIGNAL);
            if (n <= 0) goto done;
            off += (size_t)n;
        }
        if (recv(fd, resp, sizeof resp, 0) <= 0) break;
        bytes += (double)body;
    }
done:
    free(req);
    close(fd);
    return bytes / (now_s() - t0);
}

static void emit_one(uint64_t i) {
    bev_tool_called ev = bev_tool_called_make("image.resize.v2.fast", "u-4f3a2b1c9d8e7f60a1b",
                                              (int64_t)(1048576 + i), 12.75, true, BEV_OUTCOME_OK);
    bev_tool_called_emit(&ev);
}

typedef struct result {
    const char *format;
    const char *compression;
    double events_per_s;
    double cpu_ns_per_event;
    uint64_t delivered, dropped;
    double sustained_zero_drop;
} result;

/* block_ms > 0: emit waits for room (the burst wants every event); 0: a
 * full queue drops (the paced runs count drops). */
static int start(const char *spec, int block_ms) {
    beacon_options *o = beacon_options_new();
    if (!o || beacon_options_add_sink(o, spec) != BEACON_OK) {
        beacon_options_free(o);
        return -1;
    }
    beacon_options_set_ring_kb(o, 4096);
    beacon_options_set_block_ms(o, block_ms);
    return beacon_init(o) == BEACON_OK ? 0 : -1;
}

static uint64_t dropped_of(const beacon_counters *c) {
    return c->dropped_queue_full + c->dropped_sink_error + c->dropped_rejected +
           c->dropped_send_failed + c->dropped_too_large + c->dropped_buffer_full +
           c->dropped_shutdown;
}

/* All events as fast as emit goes (waiting for room when the queue is full),
 * then a flush: throughput end to end. */
static int run_burst(const char *spec, size_t n, result *r) {
    beacon_counters before, after;
    beacon_stats(&before, NULL, 0, NULL);
    if (start(spec, 1000) != 0) return -1;
    double c0 = cpu_s(), t0 = now_s();
    for (size_t i = 0; i < n; i++) emit_one(i);
    beacon_status st = beacon_flush(60000);
    double t1 = now_s(), c1 = cpu_s();
    beacon_shutdown(5000);
    beacon_stats(&after, NULL, 0, NULL);
    r->delivered = after.delivered - before.delivered;
    r->dropped = dropped_of(&after) - dropped_of(&before);
    r->events_per_s = (double)r->delivered / (t1 - t0);
    r->cpu_ns_per_event = (c1 - c0) * 1e9 / (double)n;
    return st == BEACON_OK ? 0 : -1;
}

/* Paced at `rate` events/s for about half a second: true when every event
 * was delivered. */
static bool paced_ok(const char *spec, double rate) {
    beacon_counters before, after;
    beacon_stats(&before, NULL, 0, NULL);
    if (start(spec, 0) != 0) return false;
    size_t n = (size_t)(rate / 2);
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        if ((i & 255) == 0) {
            double due = t0 + (double)i / rate;
            while (now_s() < due) {
            }
        }
        emit_one(i);
    }
    beacon_status st = beacon_flush(10000);
    beacon_shutdown(5000);
    beacon_stats(&after, NULL, 0, NULL);
    return st == BEACON_OK && after.delivered - before.delivered == n &&
           dropped_of(&after) == dropped_of(&before);
}

int main(int argc, char **argv) {
    const char *json_path = argc == 3 && strcmp(argv[1], "--json") == 0 ? argv[2] : NULL;
    const char *ev = getenv("BENCH_HTTP_EVENTS");
    size_t n = ev && atol(ev) > 0 ? (size_t)atol(ev) : 400000;
    if (start_receiver() != 0) {
        fprintf(stderr, "beacon-bench-http: cannot start the receiver\n");
        return 1;
    }
    double limit = receiver_limit_bytes_per_s();
    printf("receiver limit: %.0f MB/s of request bodies (one connection)\n", limit / 1e6);
    static const char *const formats[][2] = {
        {"otlp", "otlp+http://127.0.0.1:%d"},
        {"otlp-json", "otlp+http://127.0.0.1:%d?protocol=json"},
        {"json", "json+http://127.0.0.1:%d/"},
        {"ndjson", "ndjson+http://127.0.0.1:%d/"},
        {"datadog", "datadog+http://127.0.0.1:%d"},
        {"cloudevents", "cloudevents+http://127.0.0.1:%d/"},
    };
    static const char *const comps[] = {"none", "gzip"};
    result rows[16];
    size_t nrows = 0;
    printf("%-12s %-5s %12s %14s %12s %10s\n", "format", "comp", "events/s", "cpu ns/event",
           "0-drop rate", "dropped");
    const char *only = getenv("BENCH_HTTP_ONLY"); /* one format, e.g. "otlp" */
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        if (only && strcmp(only, formats[f][0]) != 0) continue;
        for (size_t c = 0; c < 2; c++) {
            char base[160], spec[200];
            snprintf(base, sizeof base, formats[f][1], g_port);
            snprintf(spec, sizeof spec, "%s%scompression=%s&batch=%s", base,
                     strchr(base, '?') ? "&" : "?", comps[c],
                     strcmp(formats[f][0], "datadog") == 0 ? "1000" : "4096");
            result *r = &rows[nrows++];
            memset(r, 0, sizeof *r);
            r->format = formats[f][0];
            r->compression = comps[c];
            if (run_burst(spec, n, r) != 0) fprintf(stderr, "%s: flush did not complete\n", spec);
            /* Highest paced rate with zero drops, from a ladder. */
            static const double ladder[] = {50e3, 100e3, 200e3, 400e3, 800e3};
            for (size_t k = 0; k < sizeof ladder / sizeof ladder[0]; k++) {
                if (!paced_ok(spec, ladder[k])) break;
                r->sustained_zero_drop = ladder[k];
            }
            printf("%-12s %-5s %12.0f %14.0f %12.0f %10llu\n", r->format, r->compression,
                   r->events_per_s, r->cpu_ns_per_event, r->sustained_zero_drop,
                   (unsigned long long)r->dropped);
        }
    }
    if (json_path) {
        FILE *out = fopen(json_path, "w");
        if (!out) return 1;
        fprintf(out, "{\"receiver_limit_bytes_per_s\":%.0f,\"events_per_run\":%zu,\"runs\":[",
                limit, n);
        for (size_t i = 0; i < nrows; i++)
            fprintf(out,
                    "%s{\"format\":\"%s\",\"compression\":\"%s\",\"events_per_s\":%.0f,"
                    "\"cpu_ns_per_event\":%.0f,\"zero_drop_rate\":%.0f,\"dropped\":%llu}",
                    i ? "," : "", rows[i].format, rows[i].compression, rows[i].events_per_s,
                    rows[i].cpu_ns_per_event, rows[i].sustained_zero_drop,
                    (unsigned long long)rows[i].dropped);
        fprintf(out, "]}\n");
        fclose(out);
    }
    return 0;
}
