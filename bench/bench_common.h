/* bench_common.h — timing, latency statistics, reporting, peak RSS and a
 * counting allocator shared by beacon's benchmarks (bench/baselines.c and the
 * main bench program). Header-only: everything is static inline except the
 * counting allocator, compiled into the one file that defines
 * BENCH_ALLOC_IMPLEMENTATION before including this header.
 *
 * Latency method. A measured function is called in batches of `batch` calls
 * (default 16) between two timer reads: x86-64 `lfence; rdtsc` before and
 * `rdtscp; lfence` after (so the calls cannot drift across the reads),
 * elsewhere clock_gettime(CLOCK_MONOTONIC). The per-call sample is
 * (batch time - overhead) / batch, where the overhead is the median time of a
 * batch of the same number of indirect calls to an empty function: the timer
 * reads and the call through a pointer are the harness's cost, not the
 * measured code's. Ticks are converted to ns with a rate calibrated against
 * CLOCK_MONOTONIC over 20 ms. Percentiles are nearest-rank over all samples of
 * all threads. Because a sample is a batch mean, a single slow call shows
 * divided by the batch size: use batch = 1 when single-call tails matter
 * (timer overhead, ~10-20 ns, is then a larger share of each sample).
 */
#ifndef BEACON_BENCH_COMMON_H
#define BEACON_BENCH_COMMON_H

#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* =========================================================================
 * Timer
 * ========================================================================= */

#define BENCH_BATCH 16u

static inline uint64_t bench_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Timer read that later code cannot start before. */
static inline uint64_t bench_ticks_begin(void) {
#if defined(__x86_64__)
    _mm_lfence();
    return __rdtsc();
#else
    return bench_mono_ns();
#endif
}

/* Timer read that earlier code cannot finish after. */
static inline uint64_t bench_ticks_end(void) {
#if defined(__x86_64__)
    unsigned aux;
    uint64_t t = __rdtscp(&aux);
    _mm_lfence();
    return t;
#else
    return bench_mono_ns();
#endif
}

/* Name of the timer behind bench_ticks_*; static text. */
static inline const char *bench_timer_name(void) {
#if defined(__x86_64__)
    return "rdtsc";
#else
    return "clock_gettime(MONOTONIC)";
#endif
}

/* Timer ticks per ns, calibrated once (20 ms sleep) and cached. Not
 * thread-safe on its first call: call it once before starting threads. */
static inline double bench_ticks_per_ns(void) {
    static double cached;
    if (cached > 0) return cached;
#if defined(__x86_64__)
    uint64_t n0 = bench_mono_ns(), t0 = bench_ticks_begin();
    struct timespec wait = {0, 20 * 1000000L};
    nanosleep(&wait, NULL);
    uint64_t n1 = bench_mono_ns(), t1 = bench_ticks_end();
    cached = (double)(t1 - t0) / (double)(n1 - n0);
#else
    cached = 1.0;
#endif
    return cached;
}

/* =========================================================================
 * Latency statistics
 * ========================================================================= */

/* Batches per thread: BENCH_SAMPLES from the environment, default 50,000. */
static inline size_t bench_samples_from_env(void) {
    const char *s = getenv("BENCH_SAMPLES");
    long v = s ? strtol(s, NULL, 10) : 0;
    return v > 0 ? (size_t)v : 50000;
}

/* The measured operation; ctx is the caller's (one per thread). */
typedef void (*bench_fn)(void *ctx);

/* Per-call latency in ns over all samples of all threads. */
typedef struct bench_stats {
    size_t samples; /* batches measured (all threads) */
    unsigned batch; /* calls per batch */
    unsigned threads;
    double p50, p90, p99, p999, max, mean;
    double overhead_ns;   /* per-batch harness overhead subtracted (median, ns) */
    double calls_per_sec; /* all threads' calls / slowest thread's wall time */
    uint64_t calls;       /* calls made by all threads, warm-up included */
} bench_stats;

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static inline double bench_percentile(const double *v, size_t n, double p) {
    if (n == 0) return 0;
    size_t rank = (size_t)(p * (double)n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > n) rank = n;
    return v[rank - 1];
}

/* Sorts v in place and fills the percentile fields of st. */
static inline void bench_stats_from_samples(double *v, size_t n, bench_stats *st) {
    qsort(v, n, sizeof *v, bench_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += v[i];
    st->samples = n;
    st->p50 = bench_percentile(v, n, 0.50);
    st->p90 = bench_percentile(v, n, 0.90);
    st->p99 = bench_percentile(v, n, 0.99);
    st->p999 = bench_percentile(v, n, 0.999);
    st->max = n ? v[n - 1] : 0;
    st->mean = n ? sum / (double)n : 0;
}

static inline void bench_noop(void *ctx) {
    (void)ctx;
}

/* Median ticks of a batch of `batch` indirect calls to an empty function. */
static inline double bench_overhead_ticks(unsigned batch) {
    enum { RUNS = 2001 };
    double v[RUNS]; /* per call: threads measure their own at once */
    bench_fn volatile noop = bench_noop;
    for (int r = 0; r < RUNS; r++) {
        bench_fn f = noop;
        uint64_t t0 = bench_ticks_begin();
        for (unsigned i = 0; i < batch; i++) f(NULL);
        uint64_t t1 = bench_ticks_end();
        v[r] = (double)(t1 - t0);
    }
    qsort(v, RUNS, sizeof v[0], bench_cmp_double);
    return v[RUNS / 2];
}

/* =========================================================================
 * Core-to-core latency
 * ========================================================================= */

/* One cache line bounced between two threads: the time one thread's store
 * takes to reach the other thread's load (half a round trip). Every event
 * crosses from an emitting thread to the worker this way, so the number says
 * where this run's two threads ran: ~30-40 ns between cores that share a
 * last-level cache, several times that between cores that do not (on a
 * virtual machine the host decides, and may change it during a run). */
typedef struct bench_pingpong {
    _Alignas(64) volatile int flag;
    int rounds;
    _Alignas(64) volatile int stop; /* the measuring thread gave up */
} bench_pingpong;

/* Spins until *flag == want; false when pp->stop is set first. */
static inline int bench_pingpong_wait(bench_pingpong *pp, int want) {
    while (__atomic_load_n(&pp->flag, __ATOMIC_ACQUIRE) != want)
        if (__atomic_load_n(&pp->stop, __ATOMIC_RELAXED)) return 0;
    return 1;
}

static inline void *bench_pong_main(void *p) {
    bench_pingpong *pp = (bench_pingpong *)p;
    for (int i = 0; i < pp->rounds; i++) {
        if (!bench_pingpong_wait(pp, 1)) break;
        __atomic_store_n(&pp->flag, 0, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* Median of 5 measurements of 20,000 round trips each, or -1 when the
 * second thread cannot be started or a measurement takes over 200 ms: two
 * threads that share one CPU (a one-CPU machine or container, a busy host)
 * pass the line once per scheduler time slice, which would make this take
 * minutes and measure the scheduler. */
static inline double bench_core_to_core_ns(void) {
    enum { ROUNDS = 20000, RUNS = 5 };
    const uint64_t limit_ns = 200u * 1000000u;
    static bench_pingpong pp;
    double v[RUNS];
    for (int r = 0; r < RUNS; r++) {
        pthread_t t;
        pp.flag = 0;
        pp.stop = 0;
        pp.rounds = ROUNDS;
        if (pthread_create(&t, NULL, bench_pong_main, &pp) != 0) return -1;
        uint64_t t0 = bench_mono_ns();
        int done = 0;
        for (; done < ROUNDS; done++) {
            __atomic_store_n(&pp.flag, 1, __ATOMIC_RELEASE);
            unsigned spins = 0;
            while (__atomic_load_n(&pp.flag, __ATOMIC_ACQUIRE) != 0)
                if ((++spins & 1023u) == 0 && bench_mono_ns() - t0 > limit_ns) break;
            if (__atomic_load_n(&pp.flag, __ATOMIC_ACQUIRE) != 0) break;
        }
        uint64_t t1 = bench_mono_ns();
        __atomic_store_n(&pp.stop, 1, __ATOMIC_RELAXED);
        pthread_join(t, NULL);
        if (done < ROUNDS) return -1;
        v[r] = (double)(t1 - t0) / ROUNDS / 2;
    }
    qsort(v, RUNS, sizeof v[0], bench_cmp_double);
    return v[RUNS / 2];
}

typedef struct bench_thread_arg {
    bench_fn fn;
    void *ctx;
    unsigned batch;
    size_t samples;
    double *out;     /* samples per-call ns */
    double overhead; /* ticks */
    uint64_t wall_ns;
    pthread_barrier_t *start;
} bench_thread_arg;

static inline void *bench_thread_main(void *p) {
    bench_thread_arg *a = p;
    double tpn = bench_ticks_per_ns();
    bench_fn volatile fnv = a->fn; /* keep the call indirect, like the overhead batches */
    bench_fn fn = fnv;
    a->overhead = bench_overhead_ticks(a->batch);
    size_t warm = a->samples / 10 < 1000 ? 1000 : a->samples / 10;
    for (size_t s = 0; s < warm; s++)
        for (unsigned i = 0; i < a->batch; i++) fn(a->ctx);
    if (a->start) pthread_barrier_wait(a->start);
    uint64_t w0 = bench_mono_ns();
    for (size_t s = 0; s < a->samples; s++) {
        uint64_t t0 = bench_ticks_begin();
        for (unsigned i = 0; i < a->batch; i++) fn(a->ctx);
        uint64_t t1 = bench_ticks_end();
        double d = (double)(t1 - t0) - a->overhead;
        a->out[s] = (d > 0 ? d : 0) / tpn / (double)a->batch;
    }
    a->wall_ns = bench_mono_ns() - w0;
    return NULL;
}

/* Measure fn on `threads` threads at once (1..64), thread i calling
 * fn(ctxs[i]) for `samples` batches of `batch` calls (0 = BENCH_BATCH) after a
 * warm-up of samples/10 batches. With one thread it runs on the calling
 * thread. ctxs is borrowed. Returns 0, or -1 (out untouched) on bad arguments
 * or allocation/thread failure. Not reentrant with itself. */
static inline int bench_latency(bench_fn fn, void *const *ctxs, unsigned threads, size_t samples,
                                unsigned batch, bench_stats *out) {
    if (!fn || !ctxs || !out || threads == 0 || threads > 64 || samples == 0) return -1;
    if (batch == 0) batch = BENCH_BATCH;
    bench_ticks_per_ns();
    double *all = malloc(sizeof(double) * samples * threads);
    if (!all) return -1;
    bench_thread_arg args[64];
    pthread_t tid[64];
    pthread_barrier_t start;
    if (threads > 1 && pthread_barrier_init(&start, NULL, threads) != 0) {
        free(all);
        return -1;
    }
    for (unsigned i = 0; i < threads; i++)
        args[i] = (bench_thread_arg){
            fn, ctxs[i], batch, samples, all + i * samples, 0, 0, threads > 1 ? &start : NULL};
    if (threads == 1) {
        bench_thread_main(&args[0]);
    } else {
        unsigned made = 0;
        for (; made < threads; made++)
            if (pthread_create(&tid[made], NULL, bench_thread_main, &args[made]) != 0) break;
        if (made < threads) {
            /* Nobody can pass the barrier now; this is fatal for a benchmark. */
            fprintf(stderr, "bench: pthread_create failed\n");
            exit(1);
        }
        for (unsigned i = 0; i < threads; i++) pthread_join(tid[i], NULL);
        pthread_barrier_destroy(&start);
    }
    double overhead = 0;
    uint64_t wall = 1;
    for (unsigned i = 0; i < threads; i++) {
        overhead += args[i].overhead;
        if (args[i].wall_ns > wall) wall = args[i].wall_ns;
    }
    bench_stats st = {0};
    bench_stats_from_samples(all, samples * threads, &st);
    st.batch = batch;
    st.threads = threads;
    st.overhead_ns = overhead / threads / bench_ticks_per_ns();
    st.calls_per_sec = (double)samples * batch * threads / ((double)wall / 1e9);
    size_t warm = samples / 10 < 1000 ? 1000 : samples / 10;
    st.calls = (uint64_t)(warm + samples) * batch * threads;
    *out = st;
    free(all);
    return 0;
}

/* =========================================================================
 * Bursts
 * ========================================================================= */

/* Timed batches per burst: BENCH_BURST_BATCHES * BENCH_BATCH calls, about
 * 100 KiB of beacon records, within beacon's default 256 KiB ring. */
#define BENCH_BURST_BATCHES 32u

typedef struct bench_burst_arg {
    bench_fn fn, settle;
    void *ctx;
    size_t samples;
    double *out;     /* samples per-call ns */
    double overhead; /* ticks */
    pthread_barrier_t *start;
    unsigned batch; /* calls per timed batch */
} bench_burst_arg;

static inline void *bench_burst_main(void *p) {
    bench_burst_arg *a = (bench_burst_arg *)p;
    double tpn = bench_ticks_per_ns();
    unsigned batch = a->batch;
    a->overhead = bench_overhead_ticks(batch);
    for (unsigned i = 0; i < 2 * BENCH_BURST_BATCHES * batch; i++) a->fn(a->ctx);
    if (a->settle) a->settle(a->ctx);
    if (a->start) pthread_barrier_wait(a->start);
    for (size_t s = 0; s < a->samples;) {
        for (unsigned b = 0; b < BENCH_BURST_BATCHES && s < a->samples; b++, s++) {
            uint64_t t0 = bench_ticks_begin();
            for (unsigned i = 0; i < batch; i++) a->fn(a->ctx);
            uint64_t t1 = bench_ticks_end();
            double d = (double)(t1 - t0) - a->overhead;
            a->out[s] = (d > 0 ? d : 0) / tpn / batch;
        }
        if (a->settle) a->settle(a->ctx);
    }
    return NULL;
}

/* Measure fn in bursts on `threads` threads at once (1..64): each thread
 * makes 2 bursts of warm-up, then `samples` timed batches of `batch` calls
 * (0 = BENCH_BATCH), and after every BENCH_BURST_BATCHES batches (a burst)
 * calls settle(ctx) untimed (may be NULL). For code that hands work to a
 * consumer (a queue drained by another thread), a back-to-back run would
 * end up timing a full queue; settle waits until the consumer has caught
 * up, as a program's pauses between bursts would let it. Calls of a few ns
 * want a larger batch: the x86 time-stamp counter may advance in steps
 * (10 ns on some virtual machines), which a batch divides. Threads start
 * together at a barrier; with one thread it runs on the calling thread.
 * ctxs is borrowed. `calls_per_sec` includes the settle waits. Returns 0,
 * or -1 (out untouched) on bad arguments or allocation/thread failure. */
static inline int bench_burst_latency_n(bench_fn fn, bench_fn settle, void *const *ctxs,
                                        unsigned threads, size_t samples, unsigned batch,
                                        bench_stats *out) {
    if (!fn || !ctxs || !out || threads == 0 || threads > 64 || samples == 0) return -1;
    if (batch == 0) batch = BENCH_BATCH;
    bench_ticks_per_ns();
    double *all = (double *)malloc(sizeof(double) * samples * threads);
    if (!all) return -1;
    bench_burst_arg args[64];
    pthread_t tid[64];
    pthread_barrier_t start;
    if (threads > 1 && pthread_barrier_init(&start, NULL, threads) != 0) {
        free(all);
        return -1;
    }
    uint64_t w0 = bench_mono_ns();
    for (unsigned i = 0; i < threads; i++)
        args[i] = (bench_burst_arg){
            fn, settle, ctxs[i], samples, all + i * samples, 0, threads > 1 ? &start : NULL, batch};
    if (threads == 1) {
        bench_burst_main(&args[0]);
    } else {
        for (unsigned i = 0; i < threads; i++)
            if (pthread_create(&tid[i], NULL, bench_burst_main, &args[i]) != 0) {
                /* Nobody can pass the barrier now; fatal for a benchmark. */
                fprintf(stderr, "bench: pthread_create failed\n");
                exit(1);
            }
        for (unsigned i = 0; i < threads; i++) pthread_join(tid[i], NULL);
        pthread_barrier_destroy(&start);
    }
    uint64_t wall = bench_mono_ns() - w0;
    bench_stats st = {0};
    bench_stats_from_samples(all, samples * threads, &st);
    st.batch = batch;
    st.threads = threads;
    st.overhead_ns = args[0].overhead / bench_ticks_per_ns();
    st.calls_per_sec = (double)samples * batch * threads / ((double)wall / 1e9);
    st.calls = (uint64_t)(2 * BENCH_BURST_BATCHES + samples) * batch * threads;
    *out = st;
    free(all);
    return 0;
}

/* bench_burst_latency_n with batches of BENCH_BATCH calls. */
static inline int bench_burst_latency(bench_fn fn, bench_fn settle, void *const *ctxs,
                                      unsigned threads, size_t samples, bench_stats *out) {
    return bench_burst_latency_n(fn, settle, ctxs, threads, samples, BENCH_BATCH, out);
}

/* =========================================================================
 * Report
 * ========================================================================= */

#define BENCH_REPORT_MAX_ROWS 64

typedef struct bench_row {
    char name[64];
    bench_stats st;
    double allocs_per_call; /* < 0: not measured */
    double bytes_per_call;
    /* Peers: whether the output was read back, the calls made, the events
     * found in the output and those the peer reported discarded. */
    int delivery_checked;
    uint64_t expected, counted, lost;
} bench_row;

typedef struct bench_report {
    bench_row rows[BENCH_REPORT_MAX_ROWS];
    size_t n;
    long peak_rss_kib; /* after the run; 0 unknown */
} bench_report;

static inline void bench_report_init(bench_report *r) {
    memset(r, 0, sizeof *r);
}

/* Appends a row (name copied, truncated to 63 bytes); returns it, or NULL
 * when the report is full. */
static inline bench_row *bench_report_add(bench_report *r, const char *name,
                                          const bench_stats *st) {
    if (r->n >= BENCH_REPORT_MAX_ROWS) return NULL;
    bench_row *row = &r->rows[r->n++];
    memset(row, 0, sizeof *row);
    snprintf(row->name, sizeof row->name, "%s", name);
    row->st = *st;
    row->allocs_per_call = -1;
    return row;
}

/* The row with this name and thread count, or NULL. Borrowed from r. */
static inline const bench_row *bench_report_find(const bench_report *r, const char *name,
                                                 unsigned threads) {
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].st.threads == threads && strcmp(r->rows[i].name, name) == 0)
            return &r->rows[i];
    return NULL;
}

static inline void bench_report_print(FILE *f, const bench_report *r) {
    fprintf(f, "%-36s %3s %8s %8s %8s %9s %10s %9s %7s %7s %8s\n", "benchmark (ns per call)", "thr",
            "p50", "p90", "p99", "p99.9", "max", "Mcalls/s", "allocs", "bytes", "ovh/bat");
    for (size_t i = 0; i < r->n; i++) {
        const bench_row *w = &r->rows[i];
        char allocs[16] = "-", bytes[16] = "-";
        if (w->allocs_per_call >= 0) {
            snprintf(allocs, sizeof allocs, "%.1f", w->allocs_per_call);
            snprintf(bytes, sizeof bytes, "%.0f", w->bytes_per_call);
        }
        fprintf(f, "%-36s %3u %8.1f %8.1f %8.1f %9.1f %10.1f %9.2f %7s %7s %8.1f\n", w->name,
                w->st.threads, w->st.p50, w->st.p90, w->st.p99, w->st.p999, w->st.max,
                w->st.calls_per_sec / 1e6, allocs, bytes, w->st.overhead_ns);
    }
    if (r->peak_rss_kib > 0) fprintf(f, "peak RSS: %ld KiB\n", r->peak_rss_kib);
}

/* =========================================================================
 * Baselines (bench/baselines.c)
 * ========================================================================= */

/* The benchmark event: six fields, two ~20-byte strings — `tool.called` of
 * bench/bench.yaml. The beacon side emits the same fields with the same values. */
#define BENCH_EVENT_NAME "tool.called"
#define BENCH_EVENT_TOOL "image.resize.v2.fast"  /* 20 bytes */
#define BENCH_EVENT_USER "u-4f3a2b1c9d8e7f60a1b" /* 21 bytes */

typedef enum bench_outcome {
    BENCH_OUTCOME_OK,
    BENCH_OUTCOME_RETRY,
    BENCH_OUTCOME_FAILED
} bench_outcome;

typedef struct bench_event {
    const char *tool;      /* string; borrowed */
    const char *user;      /* string; borrowed */
    int64_t bytes;         /* int */
    double elapsed;        /* double, ms */
    int cached;            /* bool */
    bench_outcome outcome; /* enum, written as its name */
} bench_event;

/* The event with the benchmark's values. */
static inline bench_event bench_event_example(void) {
    bench_event ev = {BENCH_EVENT_TOOL, BENCH_EVENT_USER, 1048576, 12.75, 1, BENCH_OUTCOME_OK};
    return ev;
}

/* "Without beacon": build one JSON line for ev (event name, CLOCK_REALTIME
 * timestamp, the six fields) and write it to f, the way a C developer would
 * with each tool. ev is borrowed. Thread-safe when f is (stdio locks). */
void baseline_fprintf(FILE *f, const bench_event *ev);      /* one fprintf, no escaping */
void baseline_cjson(FILE *f, const bench_event *ev);        /* cJSON object, PrintUnformatted */
void baseline_jansson(FILE *f, const bench_event *ev);      /* json_object_set_new, json_dumps */
void baseline_jansson_pack(FILE *f, const bench_event *ev); /* json_pack, json_dumps */

/* Measure every baseline on 1 and 2 threads writing to one FILE on /dev/null,
 * plus the cost of the timer reads, and append the rows to out (which the
 * caller initialised with bench_report_init). BENCH_SAMPLES in the environment
 * sets batches per thread (default 50000). Returns 0, or -1 when /dev/null
 * cannot be opened or a measurement fails. */
int bench_baselines_run(bench_report *out);

/* =========================================================================
 * Memory
 * ========================================================================= */

/* Peak resident set of this process in KiB (getrusage ru_maxrss, which Linux
 * reports in KiB), or 0 when unavailable. Thread-safe. */
static inline long bench_peak_rss_kib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
    return ru.ru_maxrss;
}

/* Counting allocator (glibc). The file that defines BENCH_ALLOC_IMPLEMENTATION
 * defines malloc, calloc, realloc, free, aligned_alloc, memalign and
 * posix_memalign, forwarding to glibc's exported __libc_malloc & co. Symbols in
 * the executable interpose for every shared library too (libc's own strdup and
 * fopen, libcjson, libjansson), unlike -Wl,--wrap=malloc, which only rewrites
 * references in the objects of that link. Counting is per thread and only
 * inside a window, so the emit path can be checked while a worker thread
 * allocates freely. Not with ASan/TSan/valgrind (they own malloc); glibc only;
 * calls libc makes through internal aliases (reallocarray) are not counted.
 *
 * The functions are weak: a program that does not link the implementation
 * sees them as NULL and can skip allocation counting. */
typedef struct bench_alloc_counts {
    uint64_t calls; /* malloc/calloc/realloc/aligned allocations */
    uint64_t bytes; /* bytes requested by those calls */
    uint64_t frees; /* free calls with a non-NULL pointer */
} bench_alloc_counts;

/* Start counting this thread's allocations from zero. */
__attribute__((weak)) void bench_alloc_window_begin(void);
/* Stop counting on this thread and return the counts since begin. */
__attribute__((weak)) bench_alloc_counts bench_alloc_window_end(void);

/* True when the counting allocator is linked into the program. */
static inline int bench_alloc_available(void) {
    /* Through a volatile so the compiler cannot fold the weak address. */
    void (*volatile begin)(void) = bench_alloc_window_begin;
    return begin != NULL;
}

/* Counts the allocations of `calls` more calls of fn(ctx) on this thread
 * into row (allocs_per_call, bytes_per_call); leaves the row unmeasured (-1)
 * when the counting allocator is not linked. ctx and row are borrowed. */
static inline void bench_count_allocs(bench_fn fn, void *ctx, unsigned calls, bench_row *row) {
    if (!bench_alloc_available() || calls == 0) return;
    bench_alloc_window_begin();
    for (unsigned i = 0; i < calls; i++) fn(ctx);
    bench_alloc_counts c = bench_alloc_window_end();
    row->allocs_per_call = (double)c.calls / calls;
    row->bytes_per_call = (double)c.bytes / calls;
}

#ifdef BENCH_ALLOC_IMPLEMENTATION
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static _Thread_local int bench_alloc_on;
static _Thread_local bench_alloc_counts bench_alloc_now;

static inline void bench_alloc_note(size_t bytes) {
    if (bench_alloc_on) {
        bench_alloc_now.calls++;
        bench_alloc_now.bytes += bytes;
    }
}

void bench_alloc_window_begin(void) {
    memset(&bench_alloc_now, 0, sizeof bench_alloc_now);
    bench_alloc_on = 1;
}

bench_alloc_counts bench_alloc_window_end(void) {
    bench_alloc_on = 0;
    return bench_alloc_now;
}

void *malloc(size_t n) {
    bench_alloc_note(n);
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m) {
    bench_alloc_note(n * m);
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n) {
    bench_alloc_note(n);
    return __libc_realloc(p, n);
}

void free(void *p) {
    if (p && bench_alloc_on) bench_alloc_now.frees++;
    __libc_free(p);
}

void *aligned_alloc(size_t align, size_t n) {
    bench_alloc_note(n);
    return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n) {
    bench_alloc_note(n);
    return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n) {
    if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
    bench_alloc_note(n);
    void *p = __libc_memalign(align, n);
    if (!p && n) return ENOMEM;
    *out = p;
    return 0;
}
#endif /* BENCH_ALLOC_IMPLEMENTATION */

#ifdef __cplusplus
}
#endif

#endif /* BEACON_BENCH_COMMON_H */
