/* test_sink_callback.c — the callback sink: batches and per-event delivery,
 * refusals and their accounting, option validation, and no callback after
 * beacon_shutdown() returned, even from an abandoned worker.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "sinks/sink.h"
#include "fixture_support.h"

static char *g_dir;

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    g_dir = ts_mkdtemp();
    ts_capture_clear_all();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_rmdir(g_dir);
    return 0;
}

static void emit_plain(int n) {
    tfx_plain ev = tfx_plain_make(n);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
}

static const char *event_name(json_t *j) {
    return json_string_value(json_object_get(j, "event"));
}

typedef struct cb_log {
    size_t calls;
    size_t events;
    size_t max_batch;
    bool refuse;
    char first[4096];
} cb_log;

static bool record_batch(const beacon_event_json *ev, size_t n, void *user) {
    cb_log *log = user;
    if (log->calls == 0 && n > 0 && ev[0].len < sizeof log->first) {
        memcpy(log->first, ev[0].json, ev[0].len);
        log->first[ev[0].len] = '\0';
    }
    log->calls++;
    log->events += n;
    if (n > log->max_batch) log->max_batch = n;
    return !log->refuse;
}

static void init_callback(cb_log *log, const char *query) {
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, record_batch, log, query), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
}

static void callback_sink_receives_batches_of_json(void **state) {
    (void)state;
    cb_log log = {0};
    init_callback(&log, NULL);
    for (int i = 0; i < 50; i++) emit_plain(i % 10);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(log.events, 50);
    assert_true(log.calls <= 50);
    json_t *j = ts_parse(log.first);
    assert_string_equal(event_name(j), "plain");
    json_decref(j);
    beacon_sink_stats s[1];
    size_t n;
    beacon_stats(NULL, s, 1, &n);
    assert_string_equal(s[0].spec, "callback");
}

static void callback_per_event_gets_one_event_per_call(void **state) {
    (void)state;
    cb_log log = {0};
    init_callback(&log, "per_event=1");
    for (int i = 0; i < 20; i++) emit_plain(1);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(log.calls, 20);
    assert_int_equal(log.max_batch, 1);
    beacon_sink_stats s[1];
    size_t n;
    beacon_stats(NULL, s, 1, &n);
    assert_string_equal(s[0].spec, "callback?per_event=1");
}

static void refusing_callback_counts_sink_errors(void **state) {
    (void)state;
    cb_log log = {0};
    log.refuse = true;
    init_callback(&log, NULL);
    for (int i = 0; i < 4; i++) emit_plain(1);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_sink_error, 4);
    assert_int_equal(c.delivered, 0);
    ts_assert_balanced(&c);
}

/* Refuses the events whose "n" has the parity in *user (0 or 1), and any
 * call that is not one parsable event. Runs on the worker: no assertions. */
static bool refuse_parity(const beacon_event_json *ev, size_t n, void *user) {
    int parity = *(const int *)user;
    json_t *j = n == 1 ? json_loadb(ev[0].json, ev[0].len, 0, NULL) : NULL;
    json_t *v = json_object_get(json_object_get(j, "data"), "n");
    bool ok = json_is_integer(v) && json_integer_value(v) % 2 != parity;
    json_decref(j);
    return ok;
}

/* Two per_event callbacks that each refuse other events than the other one,
 * in the middle of their batches: every event is refused by one of them, so
 * every event is a sink error in the totals, and each sink delivered the
 * half the other refused. Accounting by "the first k records" would credit
 * the wrong events and show some as delivered. */
static void per_event_refusals_are_accounted_to_the_refused_events(void **state) {
    (void)state;
    static const int odd = 1, even = 0;
    beacon_options *o = beacon_options_new();
    assert_int_equal(
        beacon_options_add_callback_sink(o, refuse_parity, (void *)&odd, "per_event=1"), BEACON_OK);
    assert_int_equal(
        beacon_options_add_callback_sink(o, refuse_parity, (void *)&even, "per_event=1"),
        BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    beacon_counters before;
    assert_int_equal(beacon_stats(&before, NULL, 0, NULL), BEACON_OK);
    for (int i = 0; i < 20; i++) emit_plain(i % 10);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    beacon_counters total;
    beacon_sink_stats s[2];
    size_t n = 0;
    assert_int_equal(beacon_stats(&total, s, 2, &n), BEACON_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total.delivered - before.delivered, 0);
    assert_int_equal(total.dropped_sink_error - before.dropped_sink_error, 20);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(s[i].counters.delivered, 10);
        assert_int_equal(s[i].counters.dropped_sink_error, 10);
        ts_assert_balanced(&s[i].counters);
    }
}

static void callback_options_are_validated(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, record_batch, NULL, "per_event=2"),
                     BEACON_ERR_SINK_SPEC);
    assert_int_equal(beacon_options_add_callback_sink(o, record_batch, NULL, "bogus=1"),
                     BEACON_ERR_SINK_SPEC);
    assert_int_equal(beacon_options_add_callback_sink(o, NULL, NULL, NULL),
                     BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_options_add_sink(o, "callback"), BEACON_ERR_SINK_SPEC);
    beacon_options_free(o);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls flag until set; fails the test after a generous deadline. */
static void wait_for(atomic_int *flag) {
    for (int i = 0; i < 10000 && !atomic_load(flag); i++) sleep_ms(1);
    assert_true(atomic_load(flag));
}

/* Three callback sinks. gate: holds the worker in its first pass (event 1)
 * so that events 2 and 3 arrive together in the next one. stuck: per_event,
 * blocks on event 2 until released. after: a batch sink after it. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_release_gate, g_release_stuck;
static atomic_int g_in_gate, g_in_stuck, g_stuck_returning, g_shutdown_returned;
static atomic_int g_calls_after_shutdown;

static int64_t event_n(const beacon_event_json *e) {
    json_error_t err;
    json_t *j = json_loadb(e->json, e->len, 0, &err);
    int64_t n = -1;
    if (j) n = json_integer_value(json_object_get(json_object_get(j, "data"), "n"));
    json_decref(j);
    return n;
}

static void wait_release(bool *flag) {
    pthread_mutex_lock(&g_mu);
    while (!*flag) pthread_cond_wait(&g_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
}

static void release(bool *flag) {
    pthread_mutex_lock(&g_mu);
    *flag = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

static bool gate_cb(const beacon_event_json *ev, size_t n, void *user) {
    (void)user;
    if (atomic_load(&g_shutdown_returned)) atomic_fetch_add(&g_calls_after_shutdown, 1);
    for (size_t i = 0; i < n; i++) {
        if (event_n(&ev[i]) == 1) {
            atomic_store(&g_in_gate, 1);
            wait_release(&g_release_gate);
        }
    }
    return true;
}

static bool stuck_cb(const beacon_event_json *ev, size_t n, void *user) {
    (void)user;
    if (atomic_load(&g_shutdown_returned)) atomic_fetch_add(&g_calls_after_shutdown, 1);
    if (n == 1 && event_n(ev) == 2) {
        atomic_store(&g_in_stuck, 1);
        wait_release(&g_release_stuck);
        atomic_store(&g_stuck_returning, 1);
    }
    return true;
}

static bool after_cb(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)n;
    (void)user;
    if (atomic_load(&g_shutdown_returned)) atomic_fetch_add(&g_calls_after_shutdown, 1);
    return true;
}

static void abandoned_worker_calls_no_callback_after_shutdown_returned(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, gate_cb, NULL, NULL), BEACON_OK);
    assert_int_equal(beacon_options_add_callback_sink(o, stuck_cb, NULL, "per_event=1"), BEACON_OK);
    assert_int_equal(beacon_options_add_callback_sink(o, after_cb, NULL, NULL), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);

    tfx_plain e1 = tfx_plain_make(1), e2 = tfx_plain_make(2), e3 = tfx_plain_make(3);
    assert_int_equal(tfx_plain_emit(&e1), BEACON_OK);
    wait_for(&g_in_gate);
    assert_int_equal(tfx_plain_emit(&e2), BEACON_OK);
    assert_int_equal(tfx_plain_emit(&e3), BEACON_OK);
    release(&g_release_gate);
    wait_for(&g_in_stuck);

    assert_int_equal(beacon_shutdown(100), BEACON_ERR_TIMEOUT);
    atomic_store(&g_shutdown_returned, 1);
    /* The user may now free what its callbacks use; the stuck one returns. */
    release(&g_release_stuck);
    wait_for(&g_stuck_returning);
    sleep_ms(300); /* time for a wrongly continuing worker to reach the others */
    assert_int_equal(atomic_load(&g_calls_after_shutdown), 0);

    beacon_counters c;
    assert_int_equal(beacon_stats(&c, NULL, 0, NULL), BEACON_OK);
    ts_assert_balanced(&c);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(callback_sink_receives_batches_of_json),
        T(callback_per_event_gets_one_event_per_call),
        T(per_event_refusals_are_accounted_to_the_refused_events),
        T(refusing_callback_counts_sink_errors),
        T(callback_options_are_validated),
        T(abandoned_worker_calls_no_callback_after_shutdown_returned),
    };
    return cmocka_run_group_tests_name("sink_callback", tests, NULL, NULL);
}
