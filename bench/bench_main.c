/* bench_main.c — beacon-bench: the caller-side cost of emitting the benchmark
 * event through beacon, next to the same event built and written with
 * fprintf, cJSON and jansson (baselines.c), the worker's throughput to an
 * NDJSON file, peak RSS, and the allocations on the emit path. Prints a table
 * and writes the numbers as JSON (--json PATH). Method: bench/README.md.
 */
#define BENCH_ALLOC_IMPLEMENTATION
#include "bench_common.h"

#include <beacon/beacon.h>

#include "bev_events.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct emit_ctx {
    const char *tool;
    const char *user;
    uint64_t rejected;
} emit_ctx;

/* One call = build the event through the generated constructor and emit it. */
static void run_emit(void *p) {
    emit_ctx *c = p;
    bev_tool_called ev =
        bev_tool_called_make(c->tool, c->user, 1048576, 12.75, true, BEV_OUTCOME_OK);
    if (bev_tool_called_emit(&ev) != BEACON_OK) c->rejected++;
}

/* block_ms > 0: a full ring makes emit wait up to that long instead of
 * dropping (the worker benchmark wants every event written). */
static int start_runtime(const char *sink, int block_ms) {
    beacon_options *opts = beacon_options_new();
    if (!opts || beacon_options_add_sink(opts, sink) != BEACON_OK) {
        beacon_options_free(opts);
        return -1;
    }
    if (block_ms > 0) beacon_options_set_block_ms(opts, block_ms);
    beacon_status st = beacon_init(opts);
    if (st != BEACON_OK) {
        fprintf(stderr, "beacon-bench: beacon_init: %s\n", beacon_status_str(st));
        return -1;
    }
    return 0;
}

static int stop_runtime(beacon_counters *total) {
    if (beacon_flush(60000) != BEACON_OK) return -1;
    if (total && beacon_stats(total, NULL, 0, NULL) != BEACON_OK) return -1;
    return beacon_shutdown(10000) == BEACON_OK ? 0 : -1;
}

static size_t samples_from_env(void) {
    const char *s = getenv("BENCH_SAMPLES");
    long v = s ? strtol(s, NULL, 10) : 0;
    return v > 0 ? (size_t)v : 50000;
}

/* Emit latency on 1 and 2 producer threads, in bursts. The caller outruns
 * any worker (~20 ns against ~300 ns per event), so back-to-back emits for a
 * whole run would end up measuring the drop path of a full ring, or, with a
 * ring big enough for the run, stores to cold memory. A program emits in
 * bursts instead; each thread here emits BURST_BATCHES batches of BENCH_BATCH
 * events (about 100 KiB of records, within the default 256 KiB ring), then
 * waits, untimed, until the worker has written them (beacon_flush), and
 * repeats. Every timed batch is one sample. */
#define BURST_BATCHES 32

typedef struct burst_arg {
    emit_ctx ctx;
    size_t samples;
    double *out; /* per-call ns of each batch */
    double overhead;
    pthread_barrier_t *start;
} burst_arg;

static void *burst_main(void *p) {
    burst_arg *a = p;
    double tpn = bench_ticks_per_ns();
    a->overhead = bench_overhead_ticks(BENCH_BATCH);
    for (unsigned i = 0; i < 2 * BURST_BATCHES * BENCH_BATCH; i++) run_emit(&a->ctx); /* warm-up */
    beacon_flush(10000);
    if (a->start) pthread_barrier_wait(a->start);
    for (size_t s = 0; s < a->samples;) {
        for (unsigned b = 0; b < BURST_BATCHES && s < a->samples; b++, s++) {
            uint64_t t0 = bench_ticks_begin();
            for (unsigned i = 0; i < BENCH_BATCH; i++) run_emit(&a->ctx);
            uint64_t t1 = bench_ticks_end();
            double d = (double)(t1 - t0) - a->overhead;
            a->out[s] = (d > 0 ? d : 0) / tpn / BENCH_BATCH;
        }
        beacon_flush(10000);
    }
    return NULL;
}

static int burst_latency(unsigned threads, size_t samples, bench_stats *st) {
    double *all = malloc(sizeof(double) * samples * threads);
    burst_arg args[2];
    pthread_t tid[2];
    pthread_barrier_t start;
    if (!all || threads < 1 || threads > 2) {
        free(all);
        return -1;
    }
    if (threads > 1) pthread_barrier_init(&start, NULL, threads);
    uint64_t w0 = bench_mono_ns();
    for (unsigned i = 0; i < threads; i++) {
        args[i] = (burst_arg){{BENCH_EVENT_TOOL, BENCH_EVENT_USER, 0},
                              samples,
                              all + i * samples,
                              0,
                              threads > 1 ? &start : NULL};
        if (threads > 1 && pthread_create(&tid[i], NULL, burst_main, &args[i]) != 0) return -1;
    }
    if (threads == 1) burst_main(&args[0]);
    for (unsigned i = 0; threads > 1 && i < threads; i++) pthread_join(tid[i], NULL);
    uint64_t wall = bench_mono_ns() - w0;
    if (threads > 1) pthread_barrier_destroy(&start);
    memset(st, 0, sizeof *st);
    bench_stats_from_samples(all, samples * threads, st);
    st->batch = BENCH_BATCH;
    st->threads = threads;
    st->overhead_ns = args[0].overhead / bench_ticks_per_ns();
    /* Includes the untimed waits for the worker: the sustained rate. */
    st->calls_per_sec = (double)samples * BENCH_BATCH * threads / ((double)wall / 1e9);
    free(all);
    return 0;
}

static int bench_emit(bench_report *rep, uint64_t *dropped) {
    size_t samples = samples_from_env();
    *dropped = 0;
    for (unsigned threads = 1; threads <= 2; threads++) {
        if (start_runtime("file:/dev/null", 0) != 0) return -1;
        bench_stats st;
        if (burst_latency(threads, samples, &st) != 0) return -1;
        bench_row *row = bench_report_add(rep, "beacon: make + emit", &st);
        if (!row) return -1;
        if (bench_alloc_available()) {
            /* This thread has emitted already, so its ring exists. */
            enum { CALLS = 1000 };
            emit_ctx ctx = {BENCH_EVENT_TOOL, BENCH_EVENT_USER, 0};
            bench_alloc_window_begin();
            for (int i = 0; i < CALLS; i++) run_emit(&ctx);
            bench_alloc_counts c = bench_alloc_window_end();
            row->allocs_per_call = (double)c.calls / CALLS;
            row->bytes_per_call = (double)c.bytes / CALLS;
        }
        beacon_counters total;
        if (stop_runtime(&total) != 0) return -1;
        *dropped += total.dropped_queue_full;
    }
    return 0;
}

/* Worker throughput: one producer emits `n` events as fast as it can (far
 * faster than they can be written), waiting for room when its ring is full,
 * then flushes; events per second from the first emit to the end of the
 * flush is the rate the worker serialized and wrote them to an NDJSON file.
 * The worker's CPU time over the same span (the process's minus this
 * thread's: no other thread runs then) gives how busy it was and its CPU
 * time per event, which say whether the rate is the worker's own. */
typedef struct worker_result {
    double events_per_sec;
    uint64_t delivered, dropped;
    size_t file_bytes;
    double busy;             /* worker CPU time / wall time */
    double cpu_ns_per_event; /* worker CPU time (user + system) / delivered */
} worker_result;

static double cpu_ns(int who) {
    struct rusage ru;
    if (getrusage(who, &ru) != 0) return 0;
    return ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
}

static int bench_worker(worker_result *out) {
    memset(out, 0, sizeof *out);
    char dir[] = "/tmp/beacon-bench-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    char path[128], sink[160];
    snprintf(path, sizeof path, "%s/events.ndjson", dir);
    snprintf(sink, sizeof sink, "file:%s", path);
    if (start_runtime(sink, 5000) != 0) return -1;
    const size_t n = 2000000;
    emit_ctx ctx = {BENCH_EVENT_TOOL, BENCH_EVENT_USER, 0};
    /* Totals are process-wide; count only this run's events. */
    beacon_counters before;
    if (beacon_stats(&before, NULL, 0, NULL) != BEACON_OK) return -1;
    double proc0 = cpu_ns(RUSAGE_SELF), self0 = cpu_ns(RUSAGE_THREAD);
    uint64_t t0 = bench_mono_ns();
    for (size_t i = 0; i < n; i++) run_emit(&ctx);
    if (beacon_flush(120000) != BEACON_OK) return -1;
    uint64_t t1 = bench_mono_ns();
    double worker_cpu = (cpu_ns(RUSAGE_SELF) - proc0) - (cpu_ns(RUSAGE_THREAD) - self0);
    beacon_counters total;
    if (beacon_stats(&total, NULL, 0, NULL) != BEACON_OK) return -1;
    beacon_shutdown(10000);
    out->delivered = total.delivered - before.delivered;
    out->dropped = (total.emitted - before.emitted) - out->delivered;
    out->events_per_sec = (double)out->delivered / ((double)(t1 - t0) / 1e9);
    out->busy = worker_cpu / (double)(t1 - t0);
    out->cpu_ns_per_event = out->delivered ? worker_cpu / (double)out->delivered : 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        fseek(f, 0, SEEK_END);
        out->file_bytes = (size_t)ftell(f);
        fclose(f);
    }
    unlink(path);
    rmdir(dir);
    return 0;
}

static void json_row(FILE *f, const bench_row *w, int last) {
    fprintf(f,
            "    {\"name\":\"%s\",\"threads\":%u,\"p50_ns\":%.1f,\"p90_ns\":%.1f,"
            "\"p99_ns\":%.1f,\"p999_ns\":%.1f,\"max_ns\":%.1f,\"calls_per_sec\":%.0f,"
            "\"allocs_per_call\":%.2f,\"bytes_per_call\":%.1f}%s\n",
            w->name, w->st.threads, w->st.p50, w->st.p90, w->st.p99, w->st.p999, w->st.max,
            w->st.calls_per_sec, w->allocs_per_call, w->bytes_per_call, last ? "" : ",");
}

int main(int argc, char **argv) {
    const char *json_path = NULL;
    int emit_only = 0; /* only beacon's emit latency (quick comparisons) */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json_path = argv[++i];
        } else if (strcmp(argv[i], "--emit-only") == 0) {
            emit_only = 1;
        } else {
            fprintf(stderr, "usage: beacon-bench [--json PATH] [--emit-only]\n");
            return 2;
        }
    }

    static bench_report rep;
    bench_report_init(&rep);
    uint64_t emit_dropped = 0;
    double c2c_before = bench_core_to_core_ns();
    if (bench_emit(&rep, &emit_dropped) != 0) {
        fprintf(stderr, "beacon-bench: emit benchmark failed\n");
        return 1;
    }
    double c2c_after = bench_core_to_core_ns();
    if (emit_only) {
        bench_report_print(stdout, &rep);
        printf("\ncore-to-core latency: %.0f ns before the emit runs, %.0f ns after\n", c2c_before,
               c2c_after);
        return 0;
    }
    if (bench_baselines_run(&rep) != 0) {
        fprintf(stderr, "beacon-bench: baselines failed\n");
        return 1;
    }
    worker_result wr;
    if (bench_worker(&wr) != 0) {
        fprintf(stderr, "beacon-bench: worker benchmark failed\n");
        return 1;
    }
    rep.peak_rss_kib = bench_peak_rss_kib();

    bench_report_print(stdout, &rep);
    printf("\ntimer: %s\n", bench_timer_name());
    printf("emit runs: %" PRIu64 " events dropped (ring full)\n", emit_dropped);
    printf("core-to-core latency: %.0f ns before the emit runs, %.0f ns after\n", c2c_before,
           c2c_after);
    printf("worker: %.2f M events/s to an NDJSON file (%" PRIu64 " delivered, %" PRIu64
           " not, %.1f MB written); worker thread busy %.0f%% of that time, %.0f ns of CPU "
           "per event\n",
           wr.events_per_sec / 1e6, wr.delivered, wr.dropped, (double)wr.file_bytes / 1e6,
           wr.busy * 100, wr.cpu_ns_per_event);

    printf("\np50 of each baseline / p50 of beacon (caller side, same run):\n");
    const char *base[] = {"baseline: fprintf", "baseline: cjson",
                          "baseline: jansson (object_set_new)", "baseline: jansson (json_pack)"};
    for (unsigned t = 1; t <= 2; t++) {
        const bench_row *b = bench_report_find(&rep, "beacon: make + emit", t);
        for (size_t i = 0; b && i < sizeof base / sizeof base[0]; i++) {
            const bench_row *o = bench_report_find(&rep, base[i], t);
            if (o && b->st.p50 > 0)
                printf("  %u thread%s: %-36s %7.1fx\n", t, t > 1 ? "s" : " ", base[i],
                       o->st.p50 / b->st.p50);
        }
    }

    if (json_path) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", json_path);
        FILE *f = fopen(tmp, "w");
        if (!f) {
            fprintf(stderr, "beacon-bench: %s: %s\n", tmp, strerror(errno));
            return 1;
        }
        fprintf(f, "{\n  \"timer\":\"%s\",\n  \"samples_per_thread\":%zu,\n  \"batch\":%u,\n",
                bench_timer_name(), samples_from_env(), BENCH_BATCH);
        fprintf(f, "  \"rows\":[\n");
        for (size_t i = 0; i < rep.n; i++) json_row(f, &rep.rows[i], i + 1 == rep.n);
        fprintf(f, "  ],\n");
        fprintf(f,
                "  \"emit_dropped\":%" PRIu64 ",\n"
                "  \"core_to_core_ns\":[%.1f,%.1f],\n  \"worker_events_per_sec\":%.0f,\n"
                "  \"worker_delivered\":%" PRIu64 ",\n  \"worker_busy\":%.3f,\n"
                "  \"worker_cpu_ns_per_event\":%.0f,\n  \"peak_rss_kib\":%ld\n}\n",
                emit_dropped, c2c_before, c2c_after, wr.events_per_sec, wr.delivered, wr.busy,
                wr.cpu_ns_per_event, rep.peak_rss_kib);
        if (fclose(f) != 0 || rename(tmp, json_path) != 0) {
            fprintf(stderr, "beacon-bench: cannot write %s\n", json_path);
            return 1;
        }
        printf("\nwrote %s\n", json_path);
    }
    return 0;
}
