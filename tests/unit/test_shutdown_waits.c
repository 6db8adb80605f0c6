/* test_shutdown_waits.c — shutdown waits for its worker without holding a
 * lock anyone else needs, and once it has returned nothing moves: a callback
 * that calls back into beacon does not deadlock it, fork() and stats in
 * other threads return promptly while it waits on a stuck sink, counters
 * stay still after it returned, an abandoned worker never calls user code
 * again, and a re-init never puts two workers in one callback.
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
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void emit_plain(int n) {
    tfx_plain ev = tfx_plain_make(1);
    for (int i = 0; i < n; i++) assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_OK);
}

static void init_callback(beacon_callback_fn fn, void *user) {
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, fn, user, NULL), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
}

/* ---- a callback that calls into beacon ------------------------------------ */

static _Atomic int g_reentered;

static bool stats_calling_sink(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)n;
    (void)user;
    beacon_counters c;
    char buf[4096];
    size_t need;
    beacon_stats(&c, NULL, 0, NULL);
    beacon_stats_json(buf, sizeof buf, &need);
    beacon_set_enabled(true);
    atomic_fetch_add(&g_reentered, 1);
    return true;
}

typedef struct shutdown_call {
    int timeout_ms;
    beacon_status st;
    _Atomic bool done;
} shutdown_call;

static void *call_shutdown(void *arg) {
    shutdown_call *c = arg;
    c->st = beacon_shutdown(c->timeout_ms);
    atomic_store(&c->done, true);
    return NULL;
}

/* Runs beacon_shutdown(timeout_ms) in a thread; true when it returned
 * within limit_ms (the thread is left running otherwise). */
static bool shutdown_returns_within(int timeout_ms, int limit_ms, beacon_status *st) {
    static shutdown_call c;
    c.timeout_ms = timeout_ms;
    atomic_store(&c.done, false);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, call_shutdown, &c), 0);
    int64_t until = mono_ms() + limit_ms;
    while (!atomic_load(&c.done) && mono_ms() < until) sleep_ms(5);
    if (!atomic_load(&c.done)) {
        pthread_detach(t);
        return false;
    }
    pthread_join(t, NULL);
    *st = c.st;
    return true;
}

static void a_callback_calling_stats_does_not_deadlock_shutdown(void **state) {
    (void)state;
    static const int timeouts[] = {2000, -1};
    for (size_t k = 0; k < 2; k++) {
        atomic_store(&g_reentered, 0);
        init_callback(stats_calling_sink, NULL);
        emit_plain(20);
        beacon_status st = BEACON_ERR_IO;
        assert_true(shutdown_returns_within(timeouts[k], 5000, &st));
        assert_int_equal(st, BEACON_OK);
        assert_true(atomic_load(&g_reentered) > 0);
    }
}

/* ---- a stuck sink ----------------------------------------------------------- */

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_release;
static int g_calls, g_inside, g_max_inside;

static bool stuck_sink(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)n;
    (void)user;
    pthread_mutex_lock(&g_mu);
    g_calls++;
    if (++g_inside > g_max_inside) g_max_inside = g_inside;
    pthread_cond_broadcast(&g_cv);
    while (!g_release) pthread_cond_wait(&g_cv, &g_mu);
    g_inside--;
    pthread_mutex_unlock(&g_mu);
    return true;
}

static void stuck_reset(void) {
    pthread_mutex_lock(&g_mu);
    g_release = false;
    g_calls = g_inside = g_max_inside = 0;
    pthread_mutex_unlock(&g_mu);
}

static void stuck_wait_entered(void) {
    pthread_mutex_lock(&g_mu);
    while (g_calls == 0) pthread_cond_wait(&g_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
}

/* Lets every stuck call return, and waits until they have. */
static void stuck_release(void) {
    pthread_mutex_lock(&g_mu);
    g_release = true;
    pthread_cond_broadcast(&g_cv);
    while (g_inside > 0) {
        pthread_mutex_unlock(&g_mu);
        sleep_ms(5);
        pthread_mutex_lock(&g_mu);
    }
    pthread_mutex_unlock(&g_mu);
}

static int stuck_calls(void) {
    pthread_mutex_lock(&g_mu);
    int n = g_calls;
    pthread_mutex_unlock(&g_mu);
    return n;
}

static void fork_and_stats_return_promptly_during_a_waiting_shutdown(void **state) {
    (void)state;
    stuck_reset();
    init_callback(stuck_sink, NULL);
    emit_plain(5);
    stuck_wait_entered();
    static shutdown_call c;
    c.timeout_ms = 3000;
    atomic_store(&c.done, false);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, call_shutdown, &c), 0);
    sleep_ms(200); /* the shutdown is now waiting on the stuck sink */
    assert_false(atomic_load(&c.done));

    int64_t t0 = mono_ms();
    char buf[4096];
    size_t need;
    assert_int_equal(beacon_stats_json(buf, sizeof buf, &need), BEACON_OK);
    beacon_counters total;
    assert_int_equal(beacon_stats(&total, NULL, 0, NULL), BEACON_OK);
    assert_true(mono_ms() - t0 < 1000);

    t0 = mono_ms();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(0);
    int64_t forked_in = mono_ms() - t0;
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(forked_in < 1000);
    assert_false(atomic_load(&c.done)); /* it really was waiting meanwhile */

    pthread_join(t, NULL);
    assert_int_equal(c.st, BEACON_ERR_TIMEOUT);
    stuck_release();
}

static void counters_stay_still_after_shutdown_returned(void **state) {
    (void)state;
    stuck_reset();
    init_callback(stuck_sink, NULL);
    emit_plain(10);
    stuck_wait_entered();
    assert_int_equal(beacon_shutdown(200), BEACON_ERR_TIMEOUT);
    beacon_counters before;
    assert_int_equal(beacon_stats(&before, NULL, 0, NULL), BEACON_OK);
    ts_assert_balanced(&before);
    stuck_release(); /* the abandoned worker returns from the sink now */
    sleep_ms(300);
    beacon_counters after;
    assert_int_equal(beacon_stats(&after, NULL, 0, NULL), BEACON_OK);
    assert_memory_equal(&before, &after, sizeof before);
}

/* Two callback sinks and a stuck first one: once shutdown gave up, neither
 * is called again. */
static void an_abandoned_worker_never_calls_user_code_again(void **state) {
    (void)state;
    stuck_reset();
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, stuck_sink, NULL, NULL), BEACON_OK);
    assert_int_equal(beacon_options_add_callback_sink(o, stuck_sink, NULL, "per_event=1"),
                     BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    emit_plain(10);
    stuck_wait_entered();
    assert_int_equal(beacon_shutdown(200), BEACON_ERR_TIMEOUT);
    int calls = stuck_calls();
    stuck_release();
    sleep_ms(300);
    assert_int_equal(stuck_calls(), calls);
}

static void a_reinit_never_has_two_workers_in_one_callback(void **state) {
    (void)state;
    stuck_reset();
    init_callback(stuck_sink, NULL);
    emit_plain(3);
    stuck_wait_entered();
    assert_int_equal(beacon_shutdown(100), BEACON_ERR_TIMEOUT);
    init_callback(stuck_sink, NULL);
    emit_plain(3);
    assert_int_equal(beacon_flush(300), BEACON_ERR_TIMEOUT); /* waits its turn */
    stuck_release();
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    pthread_mutex_lock(&g_mu);
    int max_inside = g_max_inside;
    pthread_mutex_unlock(&g_mu);
    assert_int_equal(max_inside, 1);
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
}

int main(int argc, char **argv) {
    if (argc > 1) cmocka_set_test_filter(argv[1]); /* one test by name */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_callback_calling_stats_does_not_deadlock_shutdown,
                                        ts_reset_fixture, ts_reset_fixture),
        cmocka_unit_test_setup_teardown(fork_and_stats_return_promptly_during_a_waiting_shutdown,
                                        ts_reset_fixture, ts_reset_fixture),
        cmocka_unit_test_setup_teardown(counters_stay_still_after_shutdown_returned,
                                        ts_reset_fixture, ts_reset_fixture),
        cmocka_unit_test_setup_teardown(an_abandoned_worker_never_calls_user_code_again,
                                        ts_reset_fixture, ts_reset_fixture),
        cmocka_unit_test_setup_teardown(a_reinit_never_has_two_workers_in_one_callback,
                                        ts_reset_fixture, ts_reset_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
