/* test_diag.c — diagnostics: the user callback, stderr with "beacon: " in
 * debug mode (BEACON_DEBUG or code), no debug diagnostics otherwise, and the per-code
 * rate limit with its "N messages suppressed" summary.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/diag.h"
#include "tfx_events.h"
#include "fixture_support.h"

typedef struct captured {
    int calls;
    int by_code[BEACON_STATUS_COUNT_];
    char last[512];
    char all[8192];
} captured;

static void capture(beacon_status code, const char *message, void *user) {
    captured *cap = user;
    cap->calls++;
    if ((unsigned)code < BEACON_STATUS_COUNT_) cap->by_code[code]++;
    snprintf(cap->last, sizeof cap->last, "%s", message);
    size_t n = strlen(cap->all);
    snprintf(cap->all + n, sizeof cap->all - n, "%s\n", message);
}

static void init_with_capture(captured *cap) {
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "file:/dev/null"), BEACON_OK);
    beacon_options_set_diagnostic_callback(o, capture, cap);
    assert_int_equal(beacon_init(o), BEACON_OK);
}

/* Waits until the wall second changes so a burst fits in one window. */
static void wait_for_new_second(void) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    do {
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL);
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while (b.tv_sec == a.tv_sec);
}

static void burst_is_limited_to_ten_per_second_per_code(void **state) {
    (void)state;
    captured cap;
    memset(&cap, 0, sizeof cap);
    init_with_capture(&cap);
    wait_for_new_second();
    tfx_plain bad = tfx_plain_make(50);
    for (int i = 0; i < 25; i++) tfx_plain_emit(&bad);
    assert_int_equal(cap.by_code[BEACON_ERR_INVALID_EVENT], BEACON__DIAG_PER_SEC);
    /* Another code has its own budget. */
    beacon__diag(BEACON_ERR_IO, "io problem");
    assert_int_equal(cap.by_code[BEACON_ERR_IO], 1);
}

static void suppressed_messages_are_summarised_later(void **state) {
    (void)state;
    captured cap;
    memset(&cap, 0, sizeof cap);
    init_with_capture(&cap);
    wait_for_new_second();
    tfx_plain bad = tfx_plain_make(50);
    for (int i = 0; i < 13; i++) tfx_plain_emit(&bad);
    wait_for_new_second();
    tfx_plain_emit(&bad);
    assert_non_null(strstr(cap.all, "3 messages suppressed"));
    assert_string_equal(cap.last, "plain: field 'n' = 50 is above max 10");
}

static void diagnostics_are_silent_without_callback_or_debug(void **state) {
    (void)state;
    char *dir = ts_mkdtemp();
    char *path = ts_path(dir, "err.txt");
    fflush(stderr);
    int saved = dup(2);
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(f, 2);
    close(f);
    ts_init_with_sinks("file:/dev/null");
    tfx_plain bad = tfx_plain_make(50);
    tfx_plain_emit(&bad);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *text = ts_read_file(path);
    assert_string_equal(text, "");
    free(text);
    free(path);
    ts_rmdir(dir);
}

/* Runs an invalid emit with stderr redirected; returns what was written. */
static char *stderr_of_invalid_emit(bool debug_in_code) {
    char *dir = ts_mkdtemp();
    char *path = ts_path(dir, "err.txt");
    fflush(stderr);
    int saved = dup(2);
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(f, 2);
    close(f);
    beacon_options *o = beacon_options_new();
    beacon_options_add_sink(o, "file:/dev/null");
    if (debug_in_code) beacon_options_set_debug(o, true);
    assert_int_equal(beacon_init(o), BEACON_OK);
    tfx_plain bad = tfx_plain_make(50);
    tfx_plain_emit(&bad);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *text = ts_read_file(path);
    free(path);
    ts_rmdir(dir);
    return text;
}

static void debug_option_prints_prefixed_lines_to_stderr(void **state) {
    (void)state;
    char *text = stderr_of_invalid_emit(true);
    assert_string_equal(text, "beacon: plain: field 'n' = 50 is above max 10\n");
    free(text);
}

static void beacon_debug_env_enables_stderr_diagnostics(void **state) {
    (void)state;
    setenv("BEACON_DEBUG", "1", 1);
    char *text = stderr_of_invalid_emit(false);
    assert_string_equal(text, "beacon: plain: field 'n' = 50 is above max 10\n");
    free(text);
}

static void code_debug_off_wins_over_env(void **state) {
    (void)state;
    setenv("BEACON_DEBUG", "1", 1);
    char *dir = ts_mkdtemp();
    char *path = ts_path(dir, "err.txt");
    fflush(stderr);
    int saved = dup(2);
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(f, 2);
    close(f);
    beacon_options *o = beacon_options_new();
    beacon_options_add_sink(o, "file:/dev/null");
    beacon_options_set_debug(o, false);
    assert_int_equal(beacon_init(o), BEACON_OK);
    tfx_plain bad = tfx_plain_make(50);
    tfx_plain_emit(&bad);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char *text = ts_read_file(path);
    assert_string_equal(text, "");
    free(text);
    free(path);
    ts_rmdir(dir);
}

#define T(name) cmocka_unit_test_setup_teardown(name, ts_reset_fixture, ts_reset_fixture)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(burst_is_limited_to_ten_per_second_per_code),
        T(suppressed_messages_are_summarised_later),
        T(diagnostics_are_silent_without_callback_or_debug),
        T(debug_option_prints_prefixed_lines_to_stderr),
        T(beacon_debug_env_enables_stderr_diagnostics),
        T(code_debug_off_wins_over_env),
    };
    return cmocka_run_group_tests_name("diag", tests, NULL, NULL);
}
