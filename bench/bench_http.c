/* bench_http.c — end-to-end HTTP delivery, part of beacon-bench: the
 * benchmark event through each HTTP sink to the loopback receiver
 * (http_receiver.c). Per format and compression: events/s from the first
 * emit until beacon_flush() returns with everything delivered, the CPU time
 * per event of the transport thread (beacon-http) and of the worker
 * (beacon-worker), and the highest paced rate of a ladder delivered with
 * zero drops. Then the caller's emit latency while it emits at a paced rate
 * into an OTLP sink, next to the same run into file:/dev/null. The
 * receiver's own limit comes first. Method: bench/README.md.
 */
#include "bench_http.h"

#include "bench_common.h"

#include <beacon/beacon.h>
#include <dirent.h>
#include <stdbool.h>
#include <sys/types.h>

#include "bev_events.h"

#define BURST_MAX_EVENTS 300000
#define BURST_MAX_S      1.0 /* the burst stops emitting after this long */
#define STEP_S           0.5 /* each ladder step */
#define DRAIN_MAX_S      0.1 /* a step passes only if its backlog drains this fast */
#define PACED_RATE       200000.0
#define PACED_S          2.0

/* ---- threads by name ------------------------------------------------------------- */

/* The id of this process's thread called `comm` (beacon names its threads),
 * or -1. */
static pid_t thread_named_now(const char *comm) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    pid_t found = -1;
    struct dirent *e;
    while (found < 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[300], name[32] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fgets(name, sizeof name, f)) {
            name[strcspn(name, "\n")] = '\0';
            if (strcmp(name, comm) == 0) found = (pid_t)atoi(e->d_name);
        }
        fclose(f);
    }
    closedir(d);
    return found;
}

/* CPU time (ns) of thread tid of this process: Linux's per-thread CPU
 * clock, the clock id pthread_getcpuclockid() builds
 * (((~tid) << 3) | CPUCLOCK_SCHED | CPUCLOCK_PERTHREAD). */
static double now_s(void) {
    return (double)bench_mono_ns() / 1e9;
}

static double thread_cpu_ns(pid_t tid) {
    if (tid <= 0) return 0;
    clockid_t cid = (clockid_t)((~(unsigned)tid << 3) | 6u);
    struct timespec ts;
    if (clock_gettime(cid, &ts) != 0) return 0;
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A thread names itself once it runs: look again for up to 200 ms. */
static pid_t thread_named(const char *comm) {
    for (int i = 0; i < 200; i++) {
        pid_t t = thread_named_now(comm);
        if (t > 0) return t;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    fprintf(stderr, "beacon-bench: no thread named %s\n", comm);
    return -1;
}

/* ---- beacon ------------------------------------------------------------------------- */

static void emit_one(uint64_t i) {
    bev_tool_called ev = bev_tool_called_make(BENCH_EVENT_TOOL, BENCH_EVENT_USER,
                                              (int64_t)(1048576 + i), 12.75, true, BEV_OUTCOME_OK);
    bev_tool_called_emit(&ev);
}

/* block_ms > 0: a full ring makes emit wait (the burst wants every event);
 * 0: a full ring drops (the paced runs count drops). The ring holds about
 * 40,000 of these events (200 ms at 200k/s): on a shared 2-vCPU machine the
 * worker is sometimes off the CPU for tens of milliseconds, which the
 * default 256 KiB (13 ms at 200k/s) does not ride out, whatever the sink. */
#define RING_KB 4096
static int start(const char *spec, int block_ms) {
    beacon_options *o = beacon_options_new();
    if (!o || beacon_options_add_sink(o, spec) != BEACON_OK) {
        fprintf(stderr, "beacon-bench: cannot add sink %s\n", spec);
        beacon_options_free(o);
        return -1;
    }
    beacon_options_set_ring_kb(o, RING_KB);
    beacon_options_set_block_ms(o, block_ms);
    return beacon_init(o) == BEACON_OK ? 0 : -1;
}

typedef struct window {
    beacon_counters c;
    double t, transport_cpu, worker_cpu, rx_cpu;
    uint64_t rx_requests, rx_bytes;
    pid_t transport, worker;
} window;

static void window_open(window *w, bool http) {
    beacon_stats(&w->c, NULL, 0, NULL);
    w->transport = http ? thread_named("beacon-http") : -1;
    w->worker = thread_named("beacon-worker");
    w->transport_cpu = thread_cpu_ns(w->transport);
    w->worker_cpu = thread_cpu_ns(w->worker);
    w->rx_cpu = bench_rx_cpu_ns();
    w->rx_requests = bench_rx_requests();
    w->rx_bytes = bench_rx_body_bytes();
    w->t = now_s();
}

/* ---- one format: the burst and the ladder ------------------------------------------- */

/* Every event as fast as emit goes (waiting for room when the ring is full),
 * stopping after BURST_MAX_EVENTS or BURST_MAX_S, then a flush. */
static int run_burst(const char *spec, bench_http_run *r) {
    if (start(spec, 1000) != 0) return -1;
    window a;
    window_open(&a, strstr(spec, "+http") != NULL);
    size_t n = 0;
    while (n < BURST_MAX_EVENTS) {
        emit_one(n++);
        if ((n & 1023) == 0 && now_s() - a.t > BURST_MAX_S) break;
    }
    beacon_status st = beacon_flush(30000);
    double t1 = now_s();
    double transport = thread_cpu_ns(a.transport) - a.transport_cpu;
    double worker = thread_cpu_ns(a.worker) - a.worker_cpu;
    double rx = bench_rx_cpu_ns() - a.rx_cpu;
    uint64_t reqs = bench_rx_requests() - a.rx_requests;
    uint64_t bytes = bench_rx_body_bytes() - a.rx_bytes;
    beacon_counters c;
    beacon_stats(&c, NULL, 0, NULL);
    beacon_shutdown(5000);
    r->delivered = c.delivered - a.c.delivered;
    r->dropped = (c.emitted - a.c.emitted) - r->delivered;
    double wall = t1 - a.t;
    r->events_per_s = (double)r->delivered / wall;
    r->requests_per_s = (double)reqs / wall;
    double per = r->delivered ? 1.0 / (double)r->delivered : 0;
    r->body_bytes_per_event = (double)bytes * per;
    r->transport_cpu_ns_per_event = transport * per;
    r->worker_cpu_ns_per_event = worker * per;
    r->receiver_busy = rx / (wall * 1e9);
    return st == BEACON_OK ? 0 : -1;
}

/* `rate` events/s for `seconds`: every PACE_EVENTS events on schedule,
 * sleeping (not spinning: the caller leaves the CPU to the worker, as an
 * application does) until the next group is due. With lat (room for one
 * sample per 16 events), each batch of 16 emits is timed, in ns per call.
 * Returns the events emitted. */
#define PACE_EVENTS 256
static size_t paced(double rate, double seconds, double *lat, double overhead, double tpn) {
    size_t n = (size_t)(rate * seconds), batches = 0;
    uint64_t t0 = bench_mono_ns();
    for (size_t i = 0; i < n; i += PACE_EVENTS) {
        uint64_t due = t0 + (uint64_t)((double)i / rate * 1e9);
        struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
        for (size_t j = 0; j < PACE_EVENTS; j += BENCH_BATCH) {
            uint64_t a = bench_ticks_begin();
            for (unsigned k = 0; k < BENCH_BATCH; k++) emit_one(i + j + k);
            uint64_t b = bench_ticks_end();
            if (lat) lat[batches] = ((double)(b - a) - overhead) / tpn / BENCH_BATCH;
            batches++;
        }
    }
    return batches * BENCH_BATCH;
}

/* One ladder step: paced for STEP_S with a ring that drops when full; true
 * when every event was delivered and the backlog drained within
 * DRAIN_MAX_S of the last emit (so the rate was kept up, not buffered). */
static bool step_ok(const char *spec, double rate) {
    if (start(spec, 0) != 0) return false;
    beacon_counters a, b;
    beacon_stats(&a, NULL, 0, NULL);
    size_t n = paced(rate, STEP_S, NULL, 0, 1);
    double t = now_s();
    beacon_status st = beacon_flush(5000);
    double drain = now_s() - t;
    beacon_stats(&b, NULL, 0, NULL);
    beacon_shutdown(5000);
    bool ok = st == BEACON_OK && b.emitted - a.emitted == n && b.delivered - a.delivered == n &&
              drain <= DRAIN_MAX_S;
    if (!ok && getenv("BENCH_HTTP_VERBOSE"))
        fprintf(
            stderr,
            "  %s at %.0f/s: %llu of %zu delivered (%llu dropped in the ring), drained in %.3f s\n",
            spec, rate, (unsigned long long)(b.delivered - a.delivered), n,
            (unsigned long long)(b.dropped_queue_full - a.dropped_queue_full), drain);
    return ok;
}

static double ladder(const char *spec) {
    static const double steps[] = {50e3, 100e3, 200e3, 400e3, 800e3, 1600e3};
    double best = 0;
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        if (!step_ok(spec, steps[k])) break;
        best = steps[k];
    }
    return best;
}

/* ---- emit latency with and without HTTP ---------------------------------------------- */

static int latency_run(const char *spec, const char *label, bench_http_latency *out) {
    size_t batches = (size_t)(PACED_RATE * PACED_S) / BENCH_BATCH + PACE_EVENTS / BENCH_BATCH;
    double *lat = malloc(batches * sizeof *lat);
    if (!lat || start(spec, 0) != 0) {
        free(lat);
        return -1;
    }
    double tpn = bench_ticks_per_ns(), overhead = bench_overhead_ticks(BENCH_BATCH);
    beacon_counters a, b;
    beacon_stats(&a, NULL, 0, NULL);
    size_t n = paced(PACED_RATE, PACED_S, lat, overhead, tpn);
    beacon_flush(10000);
    beacon_stats(&b, NULL, 0, NULL);
    beacon_shutdown(5000);
    bench_stats st;
    bench_stats_from_samples(lat, n / BENCH_BATCH, &st);
    out->sink = label;
    out->p50_ns = st.p50;
    out->p99_ns = st.p99;
    out->p999_ns = st.p999;
    out->emitted = b.emitted - a.emitted;
    out->delivered = b.delivered - a.delivered;
    out->dropped = out->emitted - out->delivered;
    free(lat);
    return 0;
}

/* ---- the whole part ----------------------------------------------------------------- */

int bench_http_run_all(bench_http_results *out) {
    memset(out, 0, sizeof *out);
    double t_start = now_s();
    int port = bench_rx_start();
    if (port < 0) {
        fprintf(stderr, "beacon-bench: cannot start the HTTP receiver\n");
        return -1;
    }
    /* The receiver's limit with bodies the size of a default OTLP request
     * (512 events of about 190 bytes), on as many connections as a sink's
     * default concurrency. */
    out->receiver_body_len = 100000;
    out->receiver_conns = 4;
    out->receiver = bench_rx_limit(out->receiver_body_len, out->receiver_conns, 1.0);
    printf("\nHTTP delivery to a receiver on 127.0.0.1\n");
    printf("receiver limit: %.0f requests/s of %zu-byte bodies on %u connections (%.0f MB/s), "
           "receiver thread busy %.0f%%\n",
           out->receiver.requests_per_s, out->receiver_body_len, out->receiver_conns,
           out->receiver.body_bytes_per_s / 1e6, out->receiver.receiver_busy * 100);

    static const char *const formats[][2] = {
        {"otlp", "otlp+http://127.0.0.1:%d"},
        {"otlp-json", "otlp+http://127.0.0.1:%d?protocol=json"},
        {"datadog", "datadog+http://127.0.0.1:%d"},
        {"cloudevents", "cloudevents+http://127.0.0.1:%d/"},
        {"json", "json+http://127.0.0.1:%d/"},
        {"ndjson", "ndjson+http://127.0.0.1:%d/"},
        {"umami", "umami+http://127.0.0.1:%d?website=bench"},
        /* The control: the same pipeline without HTTP, so the ladder shows
         * what this machine sustains at all. */
        {"file", "file:/dev/null"},
    };
    static const char *const comps[] = {"none", "gzip", "zstd"};
    const char *only = getenv("BENCH_HTTP_ONLY");
    bool quick = getenv("BENCH_HTTP_QUICK") != NULL; /* bursts only: a quick comparison */
    printf("%-12s %-5s %10s %9s %10s %10s %10s %8s %11s %8s\n", "format", "comp", "events/s",
           "dropped", "bytes/ev", "transport", "worker", "rx busy", "0-drop rate", "req/s");
    printf("%-12s %-5s %10s %9s %10s %10s %10s %8s %11s %8s\n", "", "", "", "", "(wire)",
           "ns/event", "ns/event", "", "", "");
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        size_t flen = strlen(formats[f][0]);
        if (only && (strncmp(only, formats[f][0], flen) != 0 || (only[flen] && only[flen] != '/')))
            continue;
        /* Compression for OTLP/protobuf and one JSON format; the others
         * compress the same way. */
        bool compressed =
            strcmp(formats[f][0], "otlp") == 0 || strcmp(formats[f][0], "ndjson") == 0;
        for (size_t c = 0; c < (compressed ? 3u : 1u); c++) {
            if (out->nruns == BENCH_HTTP_MAX_RUNS) break;
            if (only && only[flen] == '/' && strcmp(only + flen + 1, comps[c]) != 0) continue;
            char base[160], spec[220];
            if (strchr(formats[f][1], '%'))
                snprintf(base, sizeof base, formats[f][1], port);
            else
                snprintf(base, sizeof base, "%s", formats[f][1]);
            if (c == 0)
                snprintf(spec, sizeof spec, "%s", base);
            else
                snprintf(spec, sizeof spec, "%s%scompression=%s", base,
                         strchr(base, '?') ? "&" : "?", comps[c]);
            bench_http_run *r = &out->runs[out->nruns++];
            r->format = formats[f][0];
            r->compression = comps[c];
            if (run_burst(spec, r) != 0)
                fprintf(stderr, "beacon-bench: %s: the flush did not complete\n", spec);
            if (!quick) r->zero_drop_rate = ladder(spec);
            printf("%-12s %-5s %10.0f %9llu %10.1f %10.0f %10.0f %7.0f%% %11.0f %8.0f\n", r->format,
                   r->compression, r->events_per_s, (unsigned long long)r->dropped,
                   r->body_bytes_per_event, r->transport_cpu_ns_per_event,
                   r->worker_cpu_ns_per_event, r->receiver_busy * 100, r->zero_drop_rate,
                   r->requests_per_s);
            fflush(stdout);
        }
    }

    if (quick) return 0;
    out->paced_rate = PACED_RATE;
    out->paced_seconds = PACED_S;
    char spec[160];
    snprintf(spec, sizeof spec, "otlp+http://127.0.0.1:%d", port);
    if (latency_run(spec, "otlp+http", &out->with_http) != 0 ||
        latency_run("file:/dev/null", "file:/dev/null", &out->without_http) != 0) {
        fprintf(stderr, "beacon-bench: the emit latency runs failed\n");
        return -1;
    }
    printf("emit latency at %.0f events/s for %.0f s (per call, batches of %u):\n", out->paced_rate,
           out->paced_seconds, BENCH_BATCH);
    for (int i = 0; i < 2; i++) {
        const bench_http_latency *l = i == 0 ? &out->with_http : &out->without_http;
        printf("  into %-15s p50 %6.1f ns  p99 %7.1f ns  p99.9 %8.1f ns  (%llu emitted, %llu "
               "delivered, %llu dropped)\n",
               l->sink, l->p50_ns, l->p99_ns, l->p999_ns, (unsigned long long)l->emitted,
               (unsigned long long)l->delivered, (unsigned long long)l->dropped);
    }
    out->seconds = now_s() - t_start;
    printf("HTTP part: %.0f s\n", out->seconds);
    return 0;
}

static void latency_json(FILE *f, const bench_http_latency *l) {
    fprintf(f,
            "{\"sink\":\"%s\",\"p50_ns\":%.1f,\"p99_ns\":%.1f,\"p999_ns\":%.1f,\"emitted\":%llu,"
            "\"delivered\":%llu,\"dropped\":%llu}",
            l->sink, l->p50_ns, l->p99_ns, l->p999_ns, (unsigned long long)l->emitted,
            (unsigned long long)l->delivered, (unsigned long long)l->dropped);
}

void bench_http_json(FILE *f, const bench_http_results *r) {
    fprintf(f,
            "  \"http\":{\"receiver\":{\"body_bytes\":%zu,\"connections\":%u,"
            "\"requests_per_sec\":%.0f,\"body_bytes_per_sec\":%.0f,\"busy\":%.3f},\"runs\":[",
            r->receiver_body_len, r->receiver_conns, r->receiver.requests_per_s,
            r->receiver.body_bytes_per_s, r->receiver.receiver_busy);
    for (size_t i = 0; i < r->nruns; i++) {
        const bench_http_run *x = &r->runs[i];
        fprintf(f,
                "%s\n    {\"format\":\"%s\",\"compression\":\"%s\",\"events_per_sec\":%.0f,"
                "\"delivered\":%llu,\"dropped\":%llu,\"body_bytes_per_event\":%.1f,"
                "\"requests_per_sec\":%.0f,\"transport_cpu_ns_per_event\":%.0f,"
                "\"worker_cpu_ns_per_event\":%.0f,\"receiver_busy\":%.3f,"
                "\"zero_drop_rate\":%.0f}",
                i ? "," : "", x->format, x->compression, x->events_per_s,
                (unsigned long long)x->delivered, (unsigned long long)x->dropped,
                x->body_bytes_per_event, x->requests_per_s, x->transport_cpu_ns_per_event,
                x->worker_cpu_ns_per_event, x->receiver_busy, x->zero_drop_rate);
    }
    fprintf(f, "],\n    \"emit_latency\":{\"rate\":%.0f,\"seconds\":%.1f,\"with_http\":",
            r->paced_rate, r->paced_seconds);
    latency_json(f, &r->with_http);
    fprintf(f, ",\"without_http\":");
    latency_json(f, &r->without_http);
    fprintf(f, "},\"seconds\":%.1f}", r->seconds);
}
