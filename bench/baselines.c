/* baselines.c — the "without beacon" side of the caller-side benchmark: the
 * benchmark event built and written with fprintf, cJSON and jansson, measured
 * with the harness in bench_common.h. The main bench program calls
 * bench_baselines_run; built with -DBENCH_BASELINES_MAIN it runs standalone.
 *
 * Output goes to a FILE* on /dev/null: the measurement is what the calling
 * thread pays to build, format and hand the line to stdio (including stdio's
 * lock and its write(2) when the 4 KiB buffer fills) without disk I/O.
 */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#ifdef BENCH_BASELINES_MAIN
#define BENCH_ALLOC_IMPLEMENTATION
#endif
#include "bench_common.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <jansson.h>

static const char *outcome_name(bench_outcome o) {
    switch (o) {
        case BENCH_OUTCOME_OK: return "ok";
        case BENCH_OUTCOME_RETRY: return "retry";
        default: return "failed";
    }
}

static int64_t realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void baseline_fprintf(FILE *f, const bench_event *ev) {
    /* The usual shortcut: strings go in unescaped. */
    fprintf(f,
            "{\"event\":\"" BENCH_EVENT_NAME "\",\"time_ns\":%" PRId64 ",\"tool\":\"%s\","
            "\"user\":\"%s\",\"bytes\":%" PRId64 ",\"elapsed\":%.17g,"
            "\"cached\":%s,\"outcome\":\"%s\"}\n",
            realtime_ns(), ev->tool, ev->user, ev->bytes, ev->elapsed,
            ev->cached ? "true" : "false", outcome_name(ev->outcome));
}

void baseline_cjson(FILE *f, const bench_event *ev) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return;
    cJSON_AddStringToObject(o, "event", BENCH_EVENT_NAME);
    /* cJSON numbers are doubles: exact only up to 2^53, as users find out. */
    cJSON_AddNumberToObject(o, "time_ns", (double)realtime_ns());
    cJSON_AddStringToObject(o, "tool", ev->tool);
    cJSON_AddStringToObject(o, "user", ev->user);
    cJSON_AddNumberToObject(o, "bytes", (double)ev->bytes);
    cJSON_AddNumberToObject(o, "elapsed", ev->elapsed);
    cJSON_AddBoolToObject(o, "cached", ev->cached);
    cJSON_AddStringToObject(o, "outcome", outcome_name(ev->outcome));
    char *s = cJSON_PrintUnformatted(o);
    if (s) {
        fwrite(s, 1, strlen(s), f);
        fputc('\n', f);
        cJSON_free(s);
    }
    cJSON_Delete(o);
}

static void write_dumped(FILE *f, json_t *o) {
    char *s = json_dumps(o, JSON_COMPACT);
    if (s) {
        fwrite(s, 1, strlen(s), f);
        fputc('\n', f);
        free(s);
    }
}

void baseline_jansson(FILE *f, const bench_event *ev) {
    json_t *o = json_object();
    if (!o) return;
    json_object_set_new(o, "event", json_string(BENCH_EVENT_NAME));
    json_object_set_new(o, "time_ns", json_integer(realtime_ns()));
    json_object_set_new(o, "tool", json_string(ev->tool));
    json_object_set_new(o, "user", json_string(ev->user));
    json_object_set_new(o, "bytes", json_integer(ev->bytes));
    json_object_set_new(o, "elapsed", json_real(ev->elapsed));
    json_object_set_new(o, "cached", json_boolean(ev->cached));
    json_object_set_new(o, "outcome", json_string(outcome_name(ev->outcome)));
    write_dumped(f, o);
    json_decref(o);
}

void baseline_jansson_pack(FILE *f, const bench_event *ev) {
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:f, s:b, s:s}", "event", BENCH_EVENT_NAME,
                          "time_ns", (json_int_t)realtime_ns(), "tool", ev->tool, "user", ev->user,
                          "bytes", (json_int_t)ev->bytes, "elapsed", ev->elapsed, "cached",
                          ev->cached, "outcome", outcome_name(ev->outcome));
    if (!o) return;
    write_dumped(f, o);
    json_decref(o);
}

/* --- harness adapters ------------------------------------------------------ */

typedef struct baseline_ctx {
    FILE *f;
    bench_event ev;
    void (*write)(FILE *f, const bench_event *ev);
} baseline_ctx;

static void run_baseline(void *p) {
    baseline_ctx *c = p;
    c->ev.bytes++; /* a value that changes, as real events do */
    c->write(c->f, &c->ev);
}

static volatile uint64_t timer_sink;

static void read_rdtsc(void *p) {
    (void)p;
#if defined(__x86_64__)
    timer_sink += __rdtsc();
#else
    timer_sink += bench_mono_ns();
#endif
}

static void read_realtime(void *p) {
    (void)p;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    timer_sink += (uint64_t)ts.tv_nsec;
}

static void read_monotonic(void *p) {
    (void)p;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    timer_sink += (uint64_t)ts.tv_nsec;
}

static int measure(bench_report *out, const char *name, bench_fn fn, void *const *ctxs,
                   unsigned threads, size_t samples) {
    bench_stats st;
    if (bench_latency(fn, ctxs, threads, samples, BENCH_BATCH, &st) != 0) return -1;
    bench_row *row = bench_report_add(out, name, &st);
    if (!row) return -1;
    bench_count_allocs(fn, ctxs[0], 1000, row);
    return 0;
}

int bench_baselines_run(bench_report *out) {
    static const struct {
        const char *name;
        void (*write)(FILE *f, const bench_event *ev);
    } baselines[] = {
        {"fprintf", baseline_fprintf},
        {"cjson", baseline_cjson},
        {"jansson (object_set_new)", baseline_jansson},
        {"jansson (json_pack)", baseline_jansson_pack},
    };
    size_t samples = bench_samples_from_env();
    /* jansson seeds its hash function on the first json_object(); do it up
     * front so no measured call pays for it and it never runs concurrently. */
    json_object_seed(0);

    void *none[2] = {NULL, NULL};
    if (measure(out, "timer: rdtsc", read_rdtsc, none, 1, samples) != 0 ||
        measure(out, "timer: clock_gettime(REALTIME)", read_realtime, none, 1, samples) != 0 ||
        measure(out, "timer: clock_gettime(MONOTONIC)", read_monotonic, none, 1, samples) != 0)
        return -1;

    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) return -1;
    int rc = 0;
    for (size_t b = 0; b < sizeof baselines / sizeof baselines[0] && rc == 0; b++) {
        for (unsigned threads = 1; threads <= 2 && rc == 0; threads++) {
            baseline_ctx ctx[2];
            void *ctxs[2];
            for (unsigned i = 0; i < 2; i++) {
                ctx[i] = (baseline_ctx){devnull, bench_event_example(), baselines[b].write};
                ctxs[i] = &ctx[i];
            }
            char name[64];
            snprintf(name, sizeof name, "baseline: %s", baselines[b].name);
            rc = measure(out, name, run_baseline, ctxs, threads, samples);
        }
    }
    fclose(devnull);
    out->peak_rss_kib = bench_peak_rss_kib();
    return rc;
}

#ifdef BENCH_BASELINES_MAIN
int main(void) {
    static bench_report report;
    bench_report_init(&report);
    /* Check the written line is the JSON it claims to be before timing it. */
    bench_event ev = bench_event_example();
    char *buf = NULL;
    size_t len = 0;
    void (*writers[])(FILE *, const bench_event *) = {baseline_fprintf, baseline_cjson,
                                                      baseline_jansson, baseline_jansson_pack};
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        FILE *mem = open_memstream(&buf, &len);
        if (!mem) return 1;
        writers[i](mem, &ev);
        fclose(mem);
        json_error_t err;
        json_t *j = json_loads(buf, 0, &err);
        const char *tool = j ? json_string_value(json_object_get(j, "tool")) : NULL;
        if (!j || json_object_size(j) != 8 || !tool || strcmp(tool, BENCH_EVENT_TOOL) != 0) {
            fprintf(stderr, "baseline %zu wrote bad JSON: %s", i, buf);
            return 1;
        }
        if (i == 0) printf("event line: %s", buf);
        json_decref(j);
        free(buf);
        buf = NULL;
    }
    printf("timer: %s, %.4f ticks/ns, batch %u calls/sample, %zu samples/thread\n",
           bench_timer_name(), bench_ticks_per_ns(), BENCH_BATCH, bench_samples_from_env());
    if (bench_baselines_run(&report) != 0) {
        fprintf(stderr, "bench_baselines_run failed\n");
        return 1;
    }
    bench_report_print(stdout, &report);
    return 0;
}
#endif
