/* test_pipeline.c — the queue between emit and the worker: ring wrap-around
 * through emit, a full ring dropping and counting, blocking emit, events
 * larger than the ring, many producers, delivery without a flush, and event
 * times across a jump of the clock's counter.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* timegm */
#endif
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"
#include "core/clock.h"
#include "core/state.h"

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    beacon_capture_clear("p");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ts_reset_runtime();
    beacon_capture_clear("p");
    return 0;
}

static void init_capture(size_t ring_kb, int block_ms) {
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "capture:p?max=10000000"), BEACON_OK);
    beacon_options_set_ring_kb(o, ring_kb);
    beacon_options_set_block_ms(o, block_ms);
    assert_int_equal(beacon_init(o), BEACON_OK);
}

static int64_t n_of(size_t index) {
    char buf[4096];
    assert_true(beacon_capture_get("p", index, buf, sizeof buf) < sizeof buf);
    json_t *j = ts_parse(buf);
    int64_t n = json_integer_value(json_object_get(json_object_get(j, "data"), "n"));
    json_decref(j);
    return n;
}

/* Emits in small bursts with flushes between, so a 4 KiB ring laps many
 * times; every event must arrive once, in order. */
static void events_survive_many_ring_wraps_in_order(void **state) {
    (void)state;
    init_capture(4, 0);
    int64_t sent = 0;
    for (int burst = 0; burst < 200; burst++) {
        for (int i = 0; i < 7; i++) {
            tfx_plain ev = tfx_plain_make(sent % 10);
            assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
            sent++;
        }
        assert_int_equal(beacon_flush(5000), BEACON_OK);
    }
    assert_int_equal(beacon_capture_count("p"), (size_t)sent);
    for (size_t i = 0; i < (size_t)sent; i += 97) assert_int_equal(n_of(i), (int64_t)(i % 10));
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.delivered, sent);
    ts_assert_balanced(&c);
}

/* A consumer that is not running (the worker blocked in a sink) lets the
 * ring fill; the rest is dropped and counted, never blocking emit. */
static pthread_mutex_t g_gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_gate_cv = PTHREAD_COND_INITIALIZER;
static int g_gate_open;
static int g_gate_entered;

static bool gated_sink(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)n;
    (void)user;
    pthread_mutex_lock(&g_gate_mu);
    g_gate_entered = 1;
    pthread_cond_broadcast(&g_gate_cv);
    while (!g_gate_open) pthread_cond_wait(&g_gate_cv, &g_gate_mu);
    pthread_mutex_unlock(&g_gate_mu);
    return true;
}

static void set_gate(int open) {
    pthread_mutex_lock(&g_gate_mu);
    g_gate_open = open;
    if (!open) g_gate_entered = 0;
    pthread_cond_broadcast(&g_gate_cv);
    pthread_mutex_unlock(&g_gate_mu);
}

static void wait_gate_entered(void) {
    pthread_mutex_lock(&g_gate_mu);
    while (!g_gate_entered) pthread_cond_wait(&g_gate_cv, &g_gate_mu);
    pthread_mutex_unlock(&g_gate_mu);
}

static void full_ring_drops_newest_and_counts_them(void **state) {
    (void)state;
    set_gate(0);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, gated_sink, NULL, NULL), BEACON_OK);
    beacon_options_set_ring_kb(o, 4);
    assert_int_equal(beacon_init(o), BEACON_OK);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    beacon_flush(0); /* wakes the worker, which then blocks in the sink */
    wait_gate_entered();
    int ok = 0, full = 0;
    for (int i = 0; i < 1000; i++) {
        beacon_status st = tfx_plain_emit(&ev);
        if (st == BEACON_OK) ok++;
        if (st == BEACON_ERR_QUEUE_FULL) full++;
    }
    assert_int_equal(ok + full, 1000);
    assert_true(ok > 0);
    assert_true(full > 0);
    set_gate(1);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.emitted, 1001);
    assert_int_equal(c.dropped_queue_full, (uint64_t)full);
    assert_int_equal(c.delivered, (uint64_t)ok + 1);
    ts_assert_balanced(&c);
}

static void *open_gate_later(void *arg) {
    (void)arg;
    struct timespec ts = {0, 50 * 1000000};
    nanosleep(&ts, NULL);
    set_gate(1);
    return NULL;
}

static void blocking_emit_waits_for_room_instead_of_dropping(void **state) {
    (void)state;
    set_gate(0);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, gated_sink, NULL, NULL), BEACON_OK);
    beacon_options_set_ring_kb(o, 4);
    beacon_options_set_block_ms(o, 20000);
    assert_int_equal(beacon_init(o), BEACON_OK);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    beacon_flush(0);
    wait_gate_entered();
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, open_gate_later, NULL), 0);
    for (int i = 0; i < 500; i++) assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    pthread_join(t, NULL);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.delivered, 501);
    assert_int_equal(c.dropped_queue_full, 0);
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* With the worker held inside a sink, a blocking emit gives up after its
 * bound: the event is dropped as queue_full and emit returns, every time. */
static void blocking_emit_gives_up_after_its_bound(void **state) {
    (void)state;
    set_gate(0);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, gated_sink, NULL, NULL), BEACON_OK);
    beacon_options_set_ring_kb(o, 4);
    enum { BLOCK_MS = 50, N = 60 };
    beacon_options_set_block_ms(o, BLOCK_MS);
    assert_int_equal(beacon_init(o), BEACON_OK);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    beacon_flush(0);
    wait_gate_entered();
    uint64_t full = 0;
    for (int i = 0; i < N; i++) {
        int64_t t0 = mono_ms();
        beacon_status st = tfx_plain_emit(&ev);
        int64_t took = mono_ms() - t0;
        /* The sink stays stuck for the whole loop, so an emit that ignored
         * its bound would never come back: coming back is the check. The cap
         * only turns such a hang into a quick failure, far above any delay
         * a loaded machine adds. */
        assert_true(took < BLOCK_MS + 5000);
        if (st == BEACON_ERR_QUEUE_FULL) {
            /* It waited for room for its whole bound before giving up
             * (whole milliseconds: the clock reads may round 1 ms off). */
            assert_true(took >= BLOCK_MS - 1);
            full++;
        } else {
            assert_int_equal(st, BEACON_OK);
        }
    }
    assert_true(full > 0 && full < N);
    set_gate(1);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_queue_full, full);
    assert_int_equal(c.delivered, 1 + N - full);
}

/* A callback sink that emits (allowed) runs on the worker, the only thread
 * that could make room in its own ring: with block_ms set, those emits must
 * drop at once instead of stalling the worker for block_ms each. */
static int g_reemit_calls;
static uint64_t g_reemit_full, g_reemit_ok;
static int64_t g_reemit_ms;

static bool reemitting_sink(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)n;
    (void)user;
    if (g_reemit_calls++ > 0) return true; /* once: not for its own events */
    int64_t t0 = mono_ms();
    for (int i = 0; i < 200; i++) {
        tfx_plain e = tfx_plain_make(2);
        if (tfx_plain_emit(&e) == BEACON_OK) {
            g_reemit_ok++;
        } else {
            g_reemit_full++;
        }
    }
    g_reemit_ms = mono_ms() - t0;
    return true;
}

static void callback_emits_on_the_worker_never_wait_for_room(void **state) {
    (void)state;
    g_reemit_calls = 0;
    g_reemit_full = g_reemit_ok = 0;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, reemitting_sink, NULL, NULL), BEACON_OK);
    beacon_options_set_ring_kb(o, 4);
    beacon_options_set_block_ms(o, 5000);
    assert_int_equal(beacon_init(o), BEACON_OK);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(30000), BEACON_OK);
    assert_int_equal(g_reemit_ok + g_reemit_full, 200);
    assert_true(g_reemit_full > 0);
    assert_true(g_reemit_ms < 2000); /* one wait of block_ms would be 5000 */
    assert_int_equal(beacon_flush(30000), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.delivered, 1 + g_reemit_ok);
    assert_int_equal(c.dropped_queue_full, g_reemit_full);
}

static void event_larger_than_the_ring_is_still_delivered(void **state) {
    (void)state;
    init_capture(4, 0);
    size_t n = 20000;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    tfx_upload_begin ev = tfx_upload_begin_make(big);
    assert_int_equal(tfx_upload_begin_emit(&ev, NULL), BEACON_OK);
    free(big);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(beacon_capture_count("p"), 1);
    size_t len = beacon_capture_get("p", 0, NULL, 0);
    char *buf = malloc(len + 1);
    beacon_capture_get("p", 0, buf, len + 1);
    json_t *j = ts_parse(buf);
    assert_int_equal(strlen(json_string_value(json_object_get(json_object_get(j, "data"), "file"))),
                     n);
    json_decref(j);
    free(buf);
}

enum { PRODUCERS = 8, PER_PRODUCER = 3000 };

static void *produce(void *arg) {
    int64_t id = (int64_t)(intptr_t)arg;
    for (int i = 0; i < PER_PRODUCER; i++) {
        tfx_plain ev = tfx_plain_make(id);
        if (tfx_plain_emit(&ev) != BEACON_OK) return (void *)1;
    }
    return NULL;
}

static void many_producers_all_arrive_in_per_thread_order(void **state) {
    (void)state;
    init_capture(1024, 0);
    pthread_t t[PRODUCERS];
    for (intptr_t i = 0; i < PRODUCERS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, produce, (void *)i), 0);
    for (int i = 0; i < PRODUCERS; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        assert_null(rc);
    }
    assert_int_equal(beacon_flush(10000), BEACON_OK);
    assert_int_equal(beacon_capture_count("p"), PRODUCERS * PER_PRODUCER);
    size_t per[PRODUCERS] = {0};
    for (size_t i = 0; i < (size_t)PRODUCERS * PER_PRODUCER; i++) per[n_of(i)]++;
    for (int i = 0; i < PRODUCERS; i++) assert_int_equal(per[i], PER_PRODUCER);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.delivered, PRODUCERS * PER_PRODUCER);
}

/* No flush: an idle worker is woken by the emit (or its timed wait ends),
 * so the event arrives within a generous bound. */
static void idle_worker_delivers_without_a_flush(void **state) {
    (void)state;
    init_capture(64, 0);
    struct timespec idle = {0, 300 * 1000000};
    nanosleep(&idle, NULL); /* the worker is now in its longest wait */
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    for (int i = 0; i < 500 && beacon_capture_count("p") == 0; i++) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(beacon_capture_count("p"), 1);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* A flush counts as activity: a program that emits in bursts with a flush
 * after each meets a worker that polls (waits of 1, 2, 4 ms), never one
 * that asks the next burst's first emit for a wake-up (a system call on the
 * emit path). After a quiet spell the worker does sleep deeply, and the
 * next emit wakes it. */
static void bursts_with_flushes_never_meet_a_sleeping_worker(void **state) {
    (void)state;
    init_capture(64, 0);
    tfx_plain ev = tfx_plain_make(1);
    enum { BURSTS = 40 };
    int asleep = 0;
    for (int i = 0; i < BURSTS; i++) {
        assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
        assert_int_equal(beacon_flush(5000), BEACON_OK);
        sleep_ms(2);
        asleep += __atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_SEQ_CST) != 0;
    }
    /* Some may land in a scheduling hiccup of this thread (7 ms without a
     * flush, more likely under a sanitizer); a worker that kept backing off
     * across flushes sleeps in nearly all. */
    assert_true(asleep <= BURSTS / 2);
    int deep = 0;
    for (int i = 0; i < 100 && !deep; i++) { /* up to 5 s */
        sleep_ms(50);
        deep = __atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_SEQ_CST);
    }
    assert_true(deep);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    for (int i = 0; i < 500 && beacon_capture_count("p") < BURSTS + 1; i++) sleep_ms(10);
    assert_int_equal(beacon_capture_count("p"), BURSTS + 1);
}

static void *exit_after_emit(void *arg) {
    (void)arg;
    tfx_plain ev = tfx_plain_make(2);
    tfx_plain_emit(&ev);
    return NULL;
}

static void events_of_an_exited_thread_are_delivered(void **state) {
    (void)state;
    init_capture(64, 0);
    for (int i = 0; i < 20; i++) {
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, exit_after_emit, NULL), 0);
        pthread_join(t, NULL);
    }
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(beacon_capture_count("p"), 20);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.emitted, 20);
    assert_int_equal(c.delivered, 20);
}

/* Unix-epoch ns of the "time" of captured event `index` (RFC 3339, UTC). */
static int64_t time_of(size_t index) {
    char buf[4096];
    assert_true(beacon_capture_get("p", index, buf, sizeof buf) < sizeof buf);
    json_t *j = ts_parse(buf);
    const char *t = json_string_value(json_object_get(j, "time"));
    assert_non_null(t);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    long frac = 0;
    assert_int_equal(sscanf(t, "%d-%d-%dT%d:%d:%d.%9ldZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac),
                     7);
    json_decref(j);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000000000LL + frac;
}

/* The counter the caller stamps with jumps an hour ahead while the runtime
 * runs, then an hour back: the worker's check before its next pass puts the
 * conversion right, and the events it then writes carry the time they were
 * emitted. */
static void a_jump_of_the_clock_counter_does_not_reach_event_times(void **state) {
    (void)state;
    init_capture(64, 0);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    int64_t hour = (int64_t)(beacon__clock_ticks_per_second() * 3600);
    for (int sign = 1; sign >= -1; sign -= 2) {
        beacon__clock_jump(sign * hour);
        int64_t before = beacon__clock_realtime_ns();
        assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
        assert_int_equal(beacon_flush(5000), BEACON_OK);
        int64_t after = beacon__clock_realtime_ns();
        int64_t t = time_of(beacon_capture_count("p") - 1);
        /* 1 ms: the stamp is clamped to the pass, or converted on the
         * stepped line, which is within a few µs of the wall clock. */
        assert_true(t >= before - 1000000 && t <= after + 1000000);
    }
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(events_survive_many_ring_wraps_in_order),
        T(full_ring_drops_newest_and_counts_them),
        T(blocking_emit_waits_for_room_instead_of_dropping),
        T(blocking_emit_gives_up_after_its_bound),
        T(callback_emits_on_the_worker_never_wait_for_room),
        T(event_larger_than_the_ring_is_still_delivered),
        T(many_producers_all_arrive_in_per_thread_order),
        T(idle_worker_delivers_without_a_flush),
        T(bursts_with_flushes_never_meet_a_sleeping_worker),
        T(events_of_an_exited_thread_are_delivered),
        T(a_jump_of_the_clock_counter_does_not_reach_event_times),
    };
    return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
