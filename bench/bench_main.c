/* bench_main.c — beacon-bench: the caller-side cost of emitting the benchmark
 * event through beacon, and of emitting it when no sink will take it, next
 * to the same event recorded by the peers a developer would pick instead
 * (LTTng-UST, barectf, spdlog: peers.c) and built and written by hand with
 * fprintf, cJSON and jansson (baselines.c); the worker's throughput to an
 * NDJSON file, peak RSS, the allocations on the emit path, and delivery
 * through the HTTP sinks (bench_http.c). Prints a table and writes the
 * numbers as JSON (--json PATH). Method: bench/README.md.
 */
#define BENCH_ALLOC_IMPLEMENTATION
#include "bench_common.h"

#include <beacon/beacon.h>

#include "bench_http.h"
#include "bev_events.h"
#include "peers.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct emit_ctx {
    const char *tool;
    const char *user;
    beacon_status last; /* the last call's status */
} emit_ctx;

/* One call = build the event through the generated constructor and emit it.
 * The status is stored, not counted: a count would chain every call to the
 * one before through memory, a few ns a call that is the harness's. */
static void run_emit(void *p) {
    emit_ctx *c = p;
    bev_tool_called ev =
        bev_tool_called_make(c->tool, c->user, 1048576, 12.75, true, BEV_OUTCOME_OK);
    c->last = bev_tool_called_emit(&ev);
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

/* Emit latency on 1 and 2 producer threads, in bursts
 * (bench_burst_latency). The caller outruns any worker (~20 ns against
 * ~300 ns per event), so back-to-back emits for a whole run would end up
 * measuring the drop path of a full ring, or, with a ring big enough for the
 * run, stores to cold memory. A program emits in bursts instead; after each
 * burst the thread waits, untimed, until the worker has written it
 * (beacon_flush). */
static void settle_flush(void *ctx) {
    (void)ctx;
    beacon_flush(10000);
}

static int bench_emit(bench_report *rep, uint64_t *dropped) {
    size_t samples = bench_samples_from_env();
    *dropped = 0;
    for (unsigned threads = 1; threads <= 2; threads++) {
        if (start_runtime("file:/dev/null", 0) != 0) return -1;
        emit_ctx ctx[2] = {{BENCH_EVENT_TOOL, BENCH_EVENT_USER, BEACON_OK},
                           {BENCH_EVENT_TOOL, BENCH_EVENT_USER, BEACON_OK}};
        void *ctxs[2] = {&ctx[0], &ctx[1]};
        bench_stats st;
        if (bench_burst_latency(run_emit, settle_flush, ctxs, threads, samples, &st) != 0)
            return -1;
        bench_row *row = bench_report_add(rep, "beacon: make + emit", &st);
        if (!row) return -1;
        /* This thread has emitted already, so its ring exists. */
        bench_count_allocs(run_emit, &ctx[0], 1000, row);
        beacon_counters total;
        if (stop_runtime(&total) != 0) return -1;
        *dropped += total.dropped_queue_full;
    }
    return 0;
}

/* The emit of an event no sink will take, one case per row: the kill switch
 * (BEACON_DISABLED=1 at init), beacon_set_enabled(false), a sample rate of 0
 * for the event, and sinks whose filter or level refuse it. One thread, in
 * bursts like the kept emit, of batches of OFF_BATCH calls: a call costs a
 * few ns, less than a step of the time-stamp counter on some machines.
 * Every call must be refused with the case's status and counted as the
 * case's drop: the runtime's counters must show every event emitted in the
 * row as dropped_filtered (dropped_sampled for the sample rate) and none
 * delivered. */
#define OFF_BATCH 128u

typedef enum off_case {
    OFF_KILL_SWITCH,
    OFF_SET_ENABLED,
    OFF_SAMPLE_RATE,
    OFF_SINKS_REFUSE
} off_case;

static int bench_off_case(bench_report *rep, off_case which) {
    static const char *const names[] = {
        "beacon off: BEACON_DISABLED=1", "beacon off: beacon_set_enabled(false)",
        "beacon off: sample rate 0", "beacon off: every sink refuses"};
    size_t samples = bench_samples_from_env();
    if (which == OFF_KILL_SWITCH) setenv("BEACON_DISABLED", "1", 1);
    beacon_options *opts = beacon_options_new();
    if (!opts) return -1;
    /* The event is level info, category system: one sink filters it out by
     * name, the other by level. */
    const char *sinks[] = {"file:/dev/null", NULL};
    if (which == OFF_SINKS_REFUSE) {
        sinks[0] = "file:/dev/null?filter=other.*";
        sinks[1] = "file:/dev/null?level=error";
    }
    for (int i = 0; i < 2 && sinks[i]; i++)
        if (beacon_options_add_sink(opts, sinks[i]) != BEACON_OK) {
            beacon_options_free(opts);
            return -1;
        }
    beacon_status init = beacon_init(opts);
    if (which == OFF_KILL_SWITCH) unsetenv("BEACON_DISABLED");
    if (init != BEACON_OK) return -1;
    if (which == OFF_SET_ENABLED) beacon_set_enabled(false);
    if (which == OFF_SAMPLE_RATE && beacon_set_sample_rate(BENCH_EVENT_NAME, 0) != BEACON_OK)
        return -1;
    beacon_counters before; /* totals are process-wide */
    if (beacon_stats(&before, NULL, 0, NULL) != BEACON_OK) return -1;
    emit_ctx ctx = {BENCH_EVENT_TOOL, BENCH_EVENT_USER, BEACON_OK};
    void *ctxs[1] = {&ctx};
    bench_stats st;
    if (bench_burst_latency_n(run_emit, settle_flush, ctxs, 1, samples, OFF_BATCH, &st) != 0)
        return -1;
    bench_row *row = bench_report_add(rep, names[which], &st);
    if (!row) return -1;
    bench_count_allocs(run_emit, &ctx, 1000, row);
    beacon_counters total;
    int rc = stop_runtime(&total);
    if (which == OFF_SAMPLE_RATE) beacon_set_sample_rate(NULL, 0);
    if (rc != 0) return -1;
    beacon_status want = which == OFF_SAMPLE_RATE    ? BEACON_ERR_SAMPLED_OUT
                         : which == OFF_SINKS_REFUSE ? BEACON_OK
                                                     : BEACON_ERR_DISABLED;
    uint64_t emitted = total.emitted - before.emitted;
    uint64_t refused = which == OFF_SAMPLE_RATE ? total.dropped_sampled - before.dropped_sampled
                                                : total.dropped_filtered - before.dropped_filtered;
    if (total.delivered != before.delivered || refused != emitted || emitted < st.calls ||
        ctx.last != want) {
        fprintf(stderr,
                "beacon-bench: %s: %" PRIu64 " emitted, %" PRIu64 " refused, %" PRIu64
                " delivered, last status %s (expected all refused: %s)\n",
                names[which], emitted, refused, total.delivered - before.delivered,
                beacon_status_str(ctx.last), beacon_status_str(want));
        return -1;
    }
    return 0;
}

static int bench_off(bench_report *rep) {
    for (int c = OFF_KILL_SWITCH; c <= OFF_SINKS_REFUSE; c++)
        if (bench_off_case(rep, (off_case)c) != 0) return -1;
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
    emit_ctx ctx = {BENCH_EVENT_TOOL, BENCH_EVENT_USER, BEACON_OK};
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
            "    {\"name\":\"%s\",\"threads\":%u,\"batch\":%u,\"p50_ns\":%.1f,\"p90_ns\":%.1f,"
            "\"p99_ns\":%.1f,\"p999_ns\":%.1f,\"max_ns\":%.1f,\"calls_per_sec\":%.0f,"
            "\"allocs_per_call\":%.2f,\"bytes_per_call\":%.1f",
            w->name, w->st.threads, w->st.batch, w->st.p50, w->st.p90, w->st.p99, w->st.p999,
            w->st.max, w->st.calls_per_sec, w->allocs_per_call, w->bytes_per_call);
    if (w->delivery_checked)
        fprintf(f,
                ",\"delivery\":{\"expected\":%" PRIu64 ",\"counted\":%" PRIu64
                ",\"discarded\":%" PRIu64 ",\"verified\":%s}",
                w->expected, w->counted, w->lost,
                w->counted + w->lost == w->expected ? "true" : "false");
    fprintf(f, "}%s\n", last ? "" : ",");
}

static void print_worker(const worker_result *wr) {
    printf("worker: %.2f M events/s to an NDJSON file (%" PRIu64 " delivered, %" PRIu64
           " not, %.1f MB written); worker thread busy %.0f%% of that time, %.0f ns of CPU "
           "per event\n",
           wr->events_per_sec / 1e6, wr->delivered, wr->dropped, (double)wr->file_bytes / 1e6,
           wr->busy * 100, wr->cpu_ns_per_event);
}

int main(int argc, char **argv) {
    const char *json_path = NULL;
    int emit_only = 0;   /* only beacon's emit latency (quick comparisons) */
    int beacon_only = 0; /* beacon's emit and off rows, no peers or baselines */
    int http_only = 0;   /* only the HTTP delivery part */
    int worker_only = 0; /* only the worker's throughput */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json_path = argv[++i];
        } else if (strcmp(argv[i], "--emit-only") == 0) {
            emit_only = 1;
        } else if (strcmp(argv[i], "--beacon-only") == 0) {
            beacon_only = 1;
        } else if (strcmp(argv[i], "--http-only") == 0) {
            http_only = 1;
        } else if (strcmp(argv[i], "--worker-only") == 0) {
            worker_only = 1;
        } else {
            fprintf(stderr, "usage: beacon-bench [--json PATH] [--emit-only | --beacon-only | "
                            "--http-only | --worker-only]\n");
            return 2;
        }
    }

    static bench_http_results http;
    if (http_only) {
        if (bench_http_run_all(&http) != 0) return 1;
        if (!json_path) return 0;
        FILE *f = fopen(json_path, "w"); /* an object with the "http" key only */
        if (!f) {
            fprintf(stderr, "beacon-bench: %s: %s\n", json_path, strerror(errno));
            return 1;
        }
        fprintf(f, "{\n");
        bench_http_json(f, &http);
        fprintf(f, "\n}\n");
        return fclose(f) == 0 ? 0 : 1;
    }

    worker_result wr;
    if (worker_only) {
        if (bench_worker(&wr) != 0) return 1;
        print_worker(&wr);
        return 0;
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
    if (bench_off(&rep) != 0) {
        fprintf(stderr, "beacon-bench: emit-when-off benchmark failed\n");
        return 1;
    }
    if (beacon_only) {
        bench_report_print(stdout, &rep);
        return 0;
    }
    int peers = bench_peers_run(&rep);
    if (peers < 0) {
        fprintf(stderr, "beacon-bench: a peer failed\n");
        return 1;
    }
    if (bench_baselines_run(&rep) != 0) {
        fprintf(stderr, "beacon-bench: baselines failed\n");
        return 1;
    }
    if (bench_worker(&wr) != 0) {
        fprintf(stderr, "beacon-bench: worker benchmark failed\n");
        return 1;
    }
    rep.peak_rss_kib = bench_peak_rss_kib();
    /* After the peak RSS reading: the HTTP sinks' buffers are not the
     * emit path's. */
    if (bench_http_run_all(&http) != 0) {
        fprintf(stderr, "beacon-bench: HTTP benchmark failed\n");
        return 1;
    }

    bench_report_print(stdout, &rep);
    printf("\ntimer: %s\n", bench_timer_name());
    printf("emit runs: %" PRIu64 " events dropped (ring full)\n", emit_dropped);
    printf("core-to-core latency: %.0f ns before the emit runs, %.0f ns after\n", c2c_before,
           c2c_after);
    print_worker(&wr);

    if (peers < bench_peers_built())
        printf("peers: %d of %d measured\n", peers, bench_peers_built());
    for (size_t i = 0; i < rep.n; i++) {
        const bench_row *w = &rep.rows[i];
        if (w->delivery_checked)
            printf("%s, %u thread%s: %" PRIu64 " events given, %" PRIu64 " in its output, %" PRIu64
                   " reported discarded\n",
                   w->name, w->st.threads, w->st.threads > 1 ? "s" : "", w->expected, w->counted,
                   w->lost);
    }

    printf("\np50 of each peer and baseline / p50 of beacon (caller side, same run):\n");
    for (unsigned t = 1; t <= 2; t++) {
        const bench_row *b = bench_report_find(&rep, "beacon: make + emit", t);
        for (size_t i = 0; b && b->st.p50 > 0 && i < rep.n; i++) {
            const bench_row *o = &rep.rows[i];
            if (o->st.threads == t &&
                (strncmp(o->name, "peer: ", 6) == 0 || strncmp(o->name, "baseline: ", 10) == 0))
                printf("  %u thread%s: %-36s %7.1fx\n", t, t > 1 ? "s" : " ", o->name,
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
                bench_timer_name(), bench_samples_from_env(), BENCH_BATCH);
        fprintf(f, "  \"rows\":[\n");
        for (size_t i = 0; i < rep.n; i++) json_row(f, &rep.rows[i], i + 1 == rep.n);
        fprintf(f, "  ],\n");
        fprintf(f,
                "  \"emit_dropped\":%" PRIu64 ",\n"
                "  \"core_to_core_ns\":[%.1f,%.1f],\n  \"worker_events_per_sec\":%.0f,\n"
                "  \"worker_delivered\":%" PRIu64 ",\n  \"worker_busy\":%.3f,\n"
                "  \"worker_cpu_ns_per_event\":%.0f,\n  \"peak_rss_kib\":%ld,\n",
                emit_dropped, c2c_before, c2c_after, wr.events_per_sec, wr.delivered, wr.busy,
                wr.cpu_ns_per_event, rep.peak_rss_kib);
        bench_http_json(f, &http);
        fprintf(f, "\n}\n");
        if (fclose(f) != 0 || rename(tmp, json_path) != 0) {
            fprintf(stderr, "beacon-bench: cannot write %s\n", json_path);
            return 1;
        }
        printf("\nwrote %s\n", json_path);
    }
    return 0;
}
