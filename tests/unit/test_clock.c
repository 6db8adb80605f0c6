/* test_clock.c — unit tests of the caller-side clock (runtime/src/clock.c):
 * tick monotonicity, tick → wall-time conversion against CLOCK_REALTIME,
 * recalibration continuity, the forced clock_gettime fallback, lock-free
 * conversion concurrent with recalibration (run under TSan too), and the
 * worker's check that steps a line the counter jumped away from.
 */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"

/* How far a conversion may be from CLOCK_REALTIME: only a broken
 * calibration is off by this much. Every check brackets its tick read
 * between two CLOCK_REALTIME reads, so a test preempted between its reads
 * (however long, on a loaded machine) widens the bracket instead of eating
 * into this bound. */
#define CLOSE_NS (50 * 1000000LL)

static int64_t abs64(int64_t v) {
    return v < 0 ? -v : v;
}

/* A tick count read between CLOCK_REALTIME readings real0 and real1. */
typedef struct bracketed {
    int64_t real0;
    uint64_t ticks;
    int64_t real1;
} bracketed;

static bracketed read_bracketed(void) {
    bracketed b;
    b.real0 = beacon__clock_realtime_ns();
    b.ticks = beacon__clock_now_ticks();
    b.real1 = beacon__clock_realtime_ns();
    return b;
}

/* Whether b's ticks convert to a time within CLOSE_NS of its bracket. */
static bool converts_close(bracketed b) {
    int64_t conv = beacon__clock_ticks_to_realtime_ns(b.ticks);
    return conv >= b.real0 - CLOSE_NS && conv <= b.real1 + CLOSE_NS;
}

static int setup_default(void **state) {
    (void)state;
    unsetenv("BEACON_CLOCK");
    beacon__clock_init();
    return 0;
}

static void clock_ticks_never_decrease_across_100k_reads(void **state) {
    (void)state;
    uint64_t prev = beacon__clock_now_ticks();
    uint64_t backwards = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t t = beacon__clock_now_ticks();
        if (t < prev) backwards++;
        prev = t;
    }
    assert_int_equal(backwards, 0);
}

static void clock_converted_ticks_match_realtime_after_init(void **state) {
    (void)state;
    for (int i = 0; i < 5; i++) assert_true(converts_close(read_bracketed()));
}

static void clock_conversion_is_monotonic_in_ticks(void **state) {
    (void)state;
    uint64_t t = beacon__clock_now_ticks();
    int64_t prev = beacon__clock_ticks_to_realtime_ns(t);
    for (uint64_t d = 1; d < 1000000000u; d = d * 3 + 1) {
        int64_t v = beacon__clock_ticks_to_realtime_ns(t + d);
        assert_true(v >= prev);
        prev = v;
    }
}

static void clock_converts_ticks_from_before_the_base(void **state) {
    (void)state;
    bracketed early = read_bracketed();
    beacon__clock_recalibrate();
    assert_true(converts_close(early));
}

static void clock_recalibrate_keeps_conversion_continuous(void **state) {
    (void)state;
    struct timespec wait = {0, 120 * 1000000L}; /* past the rate-measurement minimum */
    nanosleep(&wait, NULL);
    uint64_t t = beacon__clock_now_ticks();
    int64_t before = beacon__clock_ticks_to_realtime_ns(t);
    beacon__clock_recalibrate();
    int64_t after = beacon__clock_ticks_to_realtime_ns(t);
    /* A slew moves a just-taken reading by at most the ~1 ms step threshold. */
    assert_true(abs64(after - before) <= 1000000LL);
    assert_true(converts_close(read_bracketed()));
}

static void clock_delta_measures_a_sleep(void **state) {
    (void)state;
    uint64_t a = beacon__clock_now_ticks();
    struct timespec wait = {0, 20 * 1000000L};
    nanosleep(&wait, NULL);
    uint64_t b = beacon__clock_now_ticks();
    int64_t d = beacon__clock_ticks_delta_ns(a, b);
    assert_true(d >= 19 * 1000000LL); /* nanosleep never returns early */
    assert_true(d < 2000 * 1000000LL);
    assert_true(beacon__clock_ticks_delta_ns(b, a) == -d);
}

static void clock_tick_rate_matches_monotonic_within_0_1_percent(void **state) {
    (void)state;
    /* Each tick read is bracketed by monotonic reads, so the true interval is
     * known to lie between the inner and outer bracket whatever preemption. */
    int64_t a0 = beacon__clock_monotonic_ns();
    uint64_t t0 = beacon__clock_now_ticks();
    int64_t a1 = beacon__clock_monotonic_ns();
    struct timespec wait = {0, 100 * 1000000L};
    nanosleep(&wait, NULL);
    int64_t b0 = beacon__clock_monotonic_ns();
    uint64_t t1 = beacon__clock_now_ticks();
    int64_t b1 = beacon__clock_monotonic_ns();
    double d = (double)beacon__clock_ticks_delta_ns(t0, t1);
    assert_true(d >= (double)(b0 - a1) * 0.999);
    assert_true(d <= (double)(b1 - a0) * 1.001);
}

static void clock_tick_rate_is_plausible(void **state) {
    (void)state;
    double hz = beacon__clock_ticks_per_second();
    assert_true(hz > 1e6);
    assert_true(hz < 1e11);
    const char *name = beacon__clock_source_name();
    assert_true(strcmp(name, "tsc") == 0 || strcmp(name, "cntvct") == 0 ||
                strcmp(name, "clock_gettime") == 0);
}

static void clock_env_forces_clock_gettime_fallback(void **state) {
    (void)state;
    setenv("BEACON_CLOCK", "clock_gettime", 1);
    assert_int_equal(beacon__clock_init(), BEACON__CLOCK_GETTIME);
    assert_string_equal(beacon__clock_source_name(), "clock_gettime");
    int64_t m0 = beacon__clock_monotonic_ns();
    uint64_t t = beacon__clock_now_ticks();
    int64_t m1 = beacon__clock_monotonic_ns();
    /* Fallback ticks are CLOCK_MONOTONIC nanoseconds. */
    assert_true((int64_t)t >= m0 && (int64_t)t <= m1);
    assert_true(beacon__clock_ticks_per_second() == 1e9);
    assert_true(converts_close(read_bracketed()));
    beacon__clock_recalibrate();
    assert_true(converts_close(read_bracketed()));
    unsetenv("BEACON_CLOCK");
    beacon__clock_init();
}

static void clock_check_between_passes_changes_nothing(void **state) {
    (void)state;
    beacon__clock_window first, second;
    beacon__clock_check(&first);
    uint64_t t = beacon__clock_now_ticks();
    beacon__clock_check(&second);
    assert_false(second.jumped);
    assert_true(second.lo == first.hi);
    assert_true(second.hi >= second.lo);
    /* Stamps are the plain conversion, older than the window or not. */
    assert_true(beacon__clock_stamp_ns(t, &second) == beacon__clock_ticks_to_realtime_ns(t));
    uint64_t old = t - (uint64_t)(beacon__clock_ticks_per_second() * 10);
    assert_true(beacon__clock_stamp_ns(old, &second) == beacon__clock_ticks_to_realtime_ns(old));
    assert_true(converts_close(read_bracketed()));
}

/* Ticks in `sec` seconds at the calibrated rate. */
static int64_t ticks_in(double sec) {
    return (int64_t)(beacon__clock_ticks_per_second() * sec);
}

/* A stamp is never later than the moment it is converted, jump or not (a
 * reading from before a jump back converts into the future). */
static void clock_stamps_are_never_in_the_future(void **state) {
    (void)state;
    beacon__clock_window w;
    beacon__clock_check(&w);
    uint64_t ahead = beacon__clock_now_ticks() + (uint64_t)ticks_in(10);
    int64_t stamp = beacon__clock_stamp_ns(ahead, &w);
    int64_t now = beacon__clock_realtime_ns();
    assert_true(stamp <= now && stamp >= now - CLOSE_NS);
    assert_true(w.hi == stamp);
}

/* The counter jumps 10 s ahead, then back: each time the next check finds
 * it and steps the line to true time; readings converted in that pass stay
 * between the previous check and now. */
static void clock_check_steps_a_line_that_jumped(void **state) {
    (void)state;
    beacon__clock_window w;
    beacon__clock_check(&w);
    for (int sign = 1; sign >= -1; sign -= 2) {
        beacon__clock_jump(sign * ticks_in(10));
        assert_false(converts_close(read_bracketed()));
        beacon__clock_check(&w);
        assert_true(w.jumped);
        assert_true(w.hi >= w.lo);
        assert_true(converts_close(read_bracketed()));
        uint64_t t = beacon__clock_now_ticks();
        int64_t later = beacon__clock_stamp_ns(t + (uint64_t)ticks_in(10), &w);
        assert_true(later <= beacon__clock_realtime_ns() && later >= w.lo);
        assert_true(beacon__clock_stamp_ns(t - (uint64_t)ticks_in(10), &w) == w.lo);
        beacon__clock_check(&w);
        assert_false(w.jumped);
    }
}

/* A jump inside an interval long enough to measure the rate over must not
 * be taken for a rate: after the step the rate is what it was. */
static void clock_rate_survives_a_jump(void **state) {
    (void)state;
    double before = beacon__clock_ticks_per_second();
    struct timespec wait = {0, 120 * 1000000L}; /* past the rate-measurement minimum */
    nanosleep(&wait, NULL);
    beacon__clock_jump(ticks_in(5));
    beacon__clock_window w;
    beacon__clock_check(&w);
    assert_true(w.jumped);
    double after = beacon__clock_ticks_per_second();
    assert_true(after > before * 0.999 && after < before * 1.001);
    assert_true(converts_close(read_bracketed()));
    /* and the next recalibration, 120 ms on, measures it right too */
    nanosleep(&wait, NULL);
    assert_false(beacon__clock_recalibrate());
    after = beacon__clock_ticks_per_second();
    assert_true(after > before * 0.999 && after < before * 1.001);
}

/* A jump under 1 ms is drift to the check, left to the slew. */
static void clock_check_leaves_a_small_offset_to_the_slew(void **state) {
    (void)state;
    beacon__clock_window w;
    beacon__clock_check(&w);
    beacon__clock_jump(ticks_in(0.0001)); /* 0.1 ms */
    beacon__clock_check(&w);
    assert_false(w.jumped);
}

static atomic_bool stop_readers;
static atomic_long conversions;

static void *convert_loop(void *arg) {
    int64_t *bad = arg;
    while (!atomic_load(&stop_readers)) {
        if (!converts_close(read_bracketed())) (*bad)++;
        atomic_fetch_add(&conversions, 1);
    }
    return NULL;
}

static void clock_conversion_is_consistent_during_recalibration(void **state) {
    (void)state;
    int64_t bad = 0;
    pthread_t t;
    atomic_store(&stop_readers, false);
    atomic_store(&conversions, 0);
    assert_int_equal(pthread_create(&t, NULL, convert_loop, &bad), 0);
    /* Overlap for real: keep recalibrating until the reader has done plenty. */
    for (int i = 0; i < 200 || (atomic_load(&conversions) < 10000 && i < 10000000); i++)
        beacon__clock_recalibrate();
    atomic_store(&stop_readers, true);
    pthread_join(t, NULL);
    assert_int_equal(bad, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(clock_ticks_never_decrease_across_100k_reads, setup_default),
        cmocka_unit_test_setup(clock_converted_ticks_match_realtime_after_init, setup_default),
        cmocka_unit_test_setup(clock_conversion_is_monotonic_in_ticks, setup_default),
        cmocka_unit_test_setup(clock_converts_ticks_from_before_the_base, setup_default),
        cmocka_unit_test_setup(clock_recalibrate_keeps_conversion_continuous, setup_default),
        cmocka_unit_test_setup(clock_delta_measures_a_sleep, setup_default),
        cmocka_unit_test_setup(clock_tick_rate_matches_monotonic_within_0_1_percent, setup_default),
        cmocka_unit_test_setup(clock_tick_rate_is_plausible, setup_default),
        cmocka_unit_test_setup(clock_env_forces_clock_gettime_fallback, setup_default),
        cmocka_unit_test_setup(clock_conversion_is_consistent_during_recalibration, setup_default),
        cmocka_unit_test_setup(clock_check_between_passes_changes_nothing, setup_default),
        cmocka_unit_test_setup(clock_stamps_are_never_in_the_future, setup_default),
        cmocka_unit_test_setup(clock_check_steps_a_line_that_jumped, setup_default),
        cmocka_unit_test_setup(clock_rate_survives_a_jump, setup_default),
        cmocka_unit_test_setup(clock_check_leaves_a_small_offset_to_the_slew, setup_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
