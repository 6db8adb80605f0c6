/* test_lifecycle.c — flush and shutdown keep their deadlines even when a
 * sink blocks forever (bounds are generous: only "returned, and not far
 * past the deadline" is asserted), run-time control: the on/off switch
 * and per-pattern sample rates taking effect without restart, and fork()
 * racing init/shutdown on another thread.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    beacon_set_sample_rate(NULL, 0);
    beacon_capture_clear("l");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ts_reset_runtime();
    beacon_set_sample_rate(NULL, 0);
    unsetenv("BEACON_SAMPLE_RATE");
    beacon_capture_clear("l");
    return 0;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A sink that blocks until released (the test releases it at the end so the
 * abandoned worker can finish). */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_release;
static int g_blocked;

static bool blocking_sink(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)n;
    (void)user;
    pthread_mutex_lock(&g_mu);
    g_blocked++;
    pthread_cond_broadcast(&g_cv);
    while (!g_release) pthread_cond_wait(&g_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
    return true;
}

static void release_sink(void) {
    pthread_mutex_lock(&g_mu);
    g_release = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

static void init_blocking(void) {
    pthread_mutex_lock(&g_mu);
    g_release = false;
    g_blocked = 0;
    pthread_mutex_unlock(&g_mu);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, blocking_sink, NULL, NULL), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
}

static void flush_returns_timeout_by_its_deadline_when_a_sink_blocks(void **state) {
    (void)state;
    init_blocking();
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    int64_t t0 = mono_ms();
    assert_int_equal(beacon_flush(200), BEACON_ERR_TIMEOUT);
    int64_t took = mono_ms() - t0;
    assert_true(took >= 150 && took < 3000);
    release_sink();
    assert_int_equal(beacon_flush(5000), BEACON_OK);
}

static void shutdown_returns_by_its_deadline_and_counts_the_stuck_events(void **state) {
    (void)state;
    init_blocking();
    beacon_counters before;
    beacon_stats(&before, NULL, 0, NULL);
    tfx_plain ev = tfx_plain_make(1);
    for (int i = 0; i < 10; i++) assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    int64_t t0 = mono_ms();
    assert_int_equal(beacon_shutdown(300), BEACON_ERR_TIMEOUT);
    int64_t took = mono_ms() - t0;
    assert_true(took >= 250 && took < 3000);
    beacon_counters after;
    beacon_stats(&after, NULL, 0, NULL);
    assert_int_equal(after.emitted - before.emitted, 10);
    assert_int_equal(after.dropped_shutdown - before.dropped_shutdown, 10);
    ts_assert_balanced(&after);
    /* A new runtime works while the old worker is still stuck. */
    ts_init_with_sinks("capture:l");
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(beacon_capture_count("l"), 1);
    release_sink();
}

static void flush_and_shutdown_without_limit_wait_for_delivery(void **state) {
    (void)state;
    ts_init_with_sinks("capture:l");
    tfx_plain ev = tfx_plain_make(1);
    for (int i = 0; i < 100; i++) tfx_plain_emit(&ev);
    assert_int_equal(beacon_flush(-1), BEACON_OK);
    assert_int_equal(beacon_capture_count("l"), 100);
    for (int i = 0; i < 100; i++) tfx_plain_emit(&ev);
    assert_int_equal(beacon_shutdown(-1), BEACON_OK);
    assert_int_equal(beacon_capture_count("l"), 200);
}

static void switch_off_and_on_without_restart(void **state) {
    (void)state;
    ts_init_with_sinks("capture:l");
    tfx_plain ev = tfx_plain_make(1);
    beacon_set_enabled(false);
    assert_false(beacon_is_enabled());
    assert_int_equal(tfx_plain_emit(&ev), BEACON_ERR_DISABLED);
    beacon_set_enabled(true);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(beacon_capture_count("l"), 1);
    assert_int_equal(c.dropped_filtered, 1);
    ts_assert_balanced(&c);
}

static size_t kept_of(int n, beacon_status *last) {
    size_t kept = 0;
    for (int i = 0; i < n; i++) {
        tfx_plain ev = tfx_plain_make(1);
        *last = tfx_plain_emit(&ev);
        if (*last == BEACON_OK) kept++;
        if (i % 500 == 499) beacon_flush(5000); /* never a full queue */
    }
    return kept;
}

static void sample_rate_pattern_applies_without_restart(void **state) {
    (void)state;
    ts_init_with_sinks("capture:l");
    beacon_status last;
    assert_int_equal(kept_of(100, &last), 100);
    assert_int_equal(beacon_set_sample_rate("pl*", 0), BEACON_OK);
    assert_int_equal(kept_of(100, &last), 0);
    assert_int_equal(last, BEACON_ERR_SAMPLED_OUT);
    assert_int_equal(beacon_set_sample_rate("pl*", 0.5), BEACON_OK);
    size_t half = kept_of(4000, &last);
    assert_true(half > 1700 && half < 2300);
    assert_int_equal(beacon_set_sample_rate("pl*", -1), BEACON_OK); /* removed */
    assert_int_equal(kept_of(100, &last), 100);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_sampled, 100 + (4000 - half));
    ts_assert_balanced(&c);
}

static void later_pattern_wins_and_category_patterns_match(void **state) {
    (void)state;
    ts_init_with_sinks("capture:l");
    beacon_status last;
    beacon_set_sample_rate("category:system", 0);
    assert_int_equal(kept_of(50, &last), 0);
    beacon_set_sample_rate("*", 1);
    assert_int_equal(kept_of(50, &last), 50);
    beacon_set_sample_rate("category:system", 0); /* set again: now the latest */
    assert_int_equal(kept_of(50, &last), 0);
    assert_int_equal(beacon_set_sample_rate("x", 1.5), BEACON_ERR_INVALID_ARGUMENT);
}

static void sample_rate_env_overrides_catalog_default(void **state) {
    (void)state;
    setenv("BEACON_SAMPLE_RATE", "0", 1);
    ts_init_with_sinks("capture:l");
    beacon_status last;
    assert_int_equal(kept_of(20, &last), 0);
    beacon_set_sample_rate("plain", 1); /* code wins over the environment */
    assert_int_equal(kept_of(20, &last), 20);
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static atomic_int g_cycles_done;

static void *init_shutdown_loop(void *arg) {
    (void)arg;
    static const uint8_t key[32] = {1, 2, 3};
    for (int i = 0; i < 300; i++) {
        beacon_options *o = beacon_options_new();
        beacon_options_add_sink(o, "capture:fork_race");
        beacon_options_set_hash_key(o, key, sizeof key, NULL);
        beacon_init(o);
        beacon_shutdown(1000);
    }
    atomic_store(&g_cycles_done, 1);
    return NULL;
}

/* Child body: one thread cycles the runtime, this one forks meanwhile. */
static int fork_during_init_and_shutdown(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, init_shutdown_loop, NULL) != 0) return 10;
    while (!atomic_load(&g_cycles_done)) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid(pid, NULL, 0);
    }
    pthread_join(t, NULL);
    return 0;
}

static void fork_while_another_thread_inits_and_shuts_down_never_deadlocks(void **state) {
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(fork_during_init_and_shutdown());
    int status = 0;
    pid_t got = 0;
    for (int i = 0; i < 1200 && got == 0; i++) { /* generous 120 s bound */
        got = waitpid(pid, &status, WNOHANG);
        if (got == 0) sleep_ms(100);
    }
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fail_msg("fork() deadlocked against beacon_init()/beacon_shutdown()");
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(flush_returns_timeout_by_its_deadline_when_a_sink_blocks),
        T(shutdown_returns_by_its_deadline_and_counts_the_stuck_events),
        T(flush_and_shutdown_without_limit_wait_for_delivery),
        T(switch_off_and_on_without_restart),
        T(sample_rate_pattern_applies_without_restart),
        T(later_pattern_wins_and_category_patterns_match),
        T(sample_rate_env_overrides_catalog_default),
        cmocka_unit_test_setup_teardown(
            fork_while_another_thread_inits_and_shuts_down_never_deadlocks, ts_reset_fixture,
            ts_reset_fixture),
    };
    return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
