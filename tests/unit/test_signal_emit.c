/* test_signal_emit.c — emits from a signal handler that interrupts emits on
 * the same thread: the ring stays intact (the worker decodes every record),
 * a nested emit is dropped and counted as dropped_reentrant (status
 * BEACON_ERR_REENTRANT), and every emit is accounted for. SIGALRM from
 * setitimer is process-directed: the runtime's own threads block it, so the
 * handler only ever runs on the emitting thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <beacon/beacon.h>
#include <beacon/beacon_gen_inline.h>

#include "fixture_support.h"
#include "fst_events.h"

/* Plain counters are enough while the handler runs on one thread only,
 * which g_handler_elsewhere checks. */
static pid_t g_main_tid;
static volatile sig_atomic_t g_handler_elsewhere;
static volatile sig_atomic_t g_handler_emits;
static volatile sig_atomic_t g_handler_ok;
static volatile sig_atomic_t g_handler_reentrant;
static volatile sig_atomic_t g_handler_other;
static _Atomic uint64_t g_delivered_by_callback;

/* A different (smaller) record than the interrupted emits write. */
static void on_alarm(int sig) {
    (void)sig;
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 0.5, 3, 4, FST_COLOR_RED, "sig");
    beacon_status st = fst_every_scalar_emit(&ev);
    if ((pid_t)syscall(SYS_gettid) != g_main_tid) g_handler_elsewhere++;
    g_handler_emits++;
    if (st == BEACON_OK)
        g_handler_ok++;
    else if (st == BEACON_ERR_REENTRANT)
        g_handler_reentrant++;
    else
        g_handler_other++;
}

static bool count_events(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)user;
    g_delivered_by_callback += n;
    return true;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void handler_emits_never_corrupt_the_ring(void **state) {
    (void)state;
    g_main_tid = (pid_t)syscall(SYS_gettid);
    ts_reset_runtime();
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, count_events, NULL, NULL), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK); /* takes o */
    beacon_counters c0;
    assert_int_equal(beacon_stats(&c0, NULL, 0, NULL), BEACON_OK);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval it = {{0, 50}, {0, 50}};
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);

    /* Long strings make the interrupted emit's record larger than the
     * handler's and its copy long enough to be interrupted. */
    char body[600];
    memset(body, 'b', sizeof body - 1);
    body[sizeof body - 1] = '\0';
    uint64_t main_emits = 0, main_ok = 0, main_other = 0;
    double end = now_s() + 1.0;
    while (now_s() < end) {
        for (int i = 0; i < 256; i++) {
            fst_text_values ev = fst_text_values_make("label-long", body);
            if (i & 1) fst_text_values_set_extra(&ev, body + (i & 255));
            beacon_status st = fst_text_values_emit(&ev);
            main_emits++;
            if (st == BEACON_OK)
                main_ok++;
            else
                main_other++;
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
    signal(SIGALRM, SIG_DFL);

    assert_int_equal(beacon_flush(10000), BEACON_OK);
    beacon_counters c;
    assert_int_equal(beacon_stats(&c, NULL, 0, NULL), BEACON_OK);
    /* No runtime thread took the signal (so the counters are exact). */
    assert_int_equal(g_handler_elsewhere, 0);
    /* Every emit of either side is counted once. */
    ts_assert_balanced(&c);
    assert_int_equal(c.emitted - c0.emitted, main_emits + (uint64_t)g_handler_emits);
    assert_int_equal(c.dropped_reentrant - c0.dropped_reentrant, (uint64_t)g_handler_reentrant);
    assert_int_equal(c.delivered - c0.delivered, g_delivered_by_callback);
    /* Exactly the emits that returned OK were delivered. */
    assert_int_equal(c.delivered - c0.delivered, main_ok + (uint64_t)g_handler_ok);
    /* The run exercised both sides: interrupted emits and plain ones. */
    assert_true(g_handler_emits > 100);
    assert_true(g_handler_ok > 0);
    assert_true(g_handler_reentrant > 0);
    assert_int_equal(c.dropped_invalid - c0.dropped_invalid, 0);
    (void)main_other;
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    ts_reset_runtime();
}

/* A nested emit (the guard held, as a handler sees it in the middle of an
 * emit) is refused with BEACON_ERR_REENTRANT on every path and counted. */
static void nested_emit_is_dropped_and_counted(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_init_with_sinks("capture:sig");
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 0.5, 3, 4, FST_COLOR_RED, "x");
    assert_int_equal(fst_every_scalar_emit(&ev), BEACON_OK);
    beacon_counters before;
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(beacon_stats(&before, NULL, 0, NULL), BEACON_OK);
    assert_int_equal(before.dropped_reentrant, 0);

    /* The guard as a signal handler finds it in the middle of an emit. */
    beacon_gen_lane_tls.busy = 1;
    assert_int_equal(fst_every_scalar_emit(&ev), BEACON_ERR_REENTRANT);
    assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_ERR_REENTRANT);
    beacon_gen_slot inner;
    assert_null(beacon_gen_reserve(&ev.hdr, 256, &inner, NULL));
    assert_int_equal(inner.status, BEACON_ERR_REENTRANT);
    beacon_gen_lane_tls.busy = 0;
    /* Every path leaves the guard released. */
    assert_int_equal(fst_every_scalar_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_gen_lane_tls.busy, 0);
    fst_text_values tv = fst_text_values_make("l", "b");
    assert_int_equal(fst_text_values_emit(&tv), BEACON_OK);
    assert_int_equal(beacon_gen_emit(&tv.hdr, NULL), BEACON_OK);
    assert_int_equal(beacon_gen_lane_tls.busy, 0);

    beacon_counters after;
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(beacon_stats(&after, NULL, 0, NULL), BEACON_OK);
    assert_int_equal(after.dropped_reentrant, 3);
    assert_int_equal(after.emitted - before.emitted, 6);
    assert_int_equal(after.delivered - before.delivered, 3);
    ts_assert_balanced(&after);
    beacon_capture_clear("sig");
    ts_reset_runtime();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nested_emit_is_dropped_and_counted),
        cmocka_unit_test(handler_emits_never_corrupt_the_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
