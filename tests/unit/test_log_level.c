/* test_log_level.c — misconfiguration is never silent: without BEACON_DEBUG,
 * problems that leave telemetry off or degraded print one line each on
 * stderr; BEACON_LOG_LEVEL / OTEL_LOG_LEVEL choose what is shown; secrets
 * never appear. Diagnostic routing itself is test_diag.c's subject.
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
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

static char *g_dir;
static char *g_err_path;

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    unsetenv("BEACON_LOG_LEVEL");
    unsetenv("OTEL_LOG_LEVEL");
    unsetenv("BEACON_HASH_KEY");
    g_dir = ts_mkdtemp();
    g_err_path = ts_path(g_dir, "stderr.txt");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ts_reset_runtime();
    unsetenv("BEACON_LOG_LEVEL");
    unsetenv("OTEL_LOG_LEVEL");
    unsetenv("BEACON_HASH_KEY");
    free(g_err_path);
    ts_rmdir(g_dir);
    return 0;
}

/* stderr while fn runs (the runtime is shut down before reading). */
static char *stderr_of(void (*fn)(void)) {
    fflush(stderr);
    int saved = dup(2);
    int f = open(g_err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(f, 2);
    close(f);
    fn();
    beacon_shutdown(2000);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    return ts_read_file(g_err_path);
}

static size_t lines_of(const char *text) {
    size_t n = 0;
    for (const char *p = text; *p; p++) n += *p == '\n';
    return n;
}

static void emit_three(void) {
    for (int i = 0; i < 3; i++) {
        tfx_plain ev = tfx_plain_make(1);
        tfx_plain_emit(&ev);
    }
}

static void init_from_env(void) {
    beacon_init(NULL);
    emit_three();
}

/* Must run first: the process has never been initialised. */
static void emit_before_init_is_said_once(void **state) {
    (void)state;
    char *text = stderr_of(emit_three);
    assert_int_equal(lines_of(text), 1);
    assert_non_null(strstr(text, "beacon: "));
    assert_non_null(strstr(text, "before beacon_init()"));
    free(text);
}

static void mistyped_sink_is_named_with_its_reason_and_skipped(void **state) {
    (void)state;
    char spec[512];
    char *out = ts_path(g_dir, "ok.ndjson");
    snprintf(spec, sizeof spec, "fiel:/tmp/x.ndjson;file:%s", out);
    setenv("BEACON_SINKS", spec, 1);
    char *text = stderr_of(init_from_env);
    assert_int_equal(lines_of(text), 1);
    assert_non_null(strstr(text, "'fiel:/tmp/x.ndjson'"));
    assert_non_null(strstr(text, "unknown sink scheme"));
    assert_non_null(strstr(text, "skipped"));
    free(text);
    json_t *events = ts_read_ndjson(out);
    assert_int_equal(json_array_size(events), 3); /* the valid sink works */
    json_decref(events);
    free(out);
}

static void no_valid_sink_says_telemetry_is_off(void **state) {
    (void)state;
    setenv("BEACON_SINKS", "fiel:/tmp/x.ndjson", 1);
    char *text = stderr_of(init_from_env);
    assert_int_equal(lines_of(text), 2);
    assert_non_null(strstr(text, "'fiel:/tmp/x.ndjson'"));
    assert_non_null(strstr(text, "no valid sink; beacon stays off"));
    free(text);
}

static void file_that_cannot_be_opened_is_said(void **state) {
    (void)state;
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s/missing/dir/x.ndjson", g_dir);
    setenv("BEACON_SINKS", spec, 1);
    char *text = stderr_of(init_from_env);
    assert_non_null(strstr(text, "cannot open"));
    assert_non_null(strstr(text, "missing/dir/x.ndjson"));
    free(text);
}

static void unusable_hash_key_is_said_without_the_key(void **state) {
    (void)state;
    setenv("BEACON_HASH_KEY", "hex:secretsecretzz", 1);
    setenv("BEACON_SINKS", "file:/dev/null", 1);
    char *text = stderr_of(init_from_env);
    assert_int_equal(lines_of(text), 1);
    assert_non_null(strstr(text, "BEACON_HASH_KEY"));
    assert_null(strstr(text, "secretsecret"));
    free(text);
}

static void log_level_off_silences_warnings(void **state) {
    (void)state;
    setenv("BEACON_LOG_LEVEL", "off", 1);
    setenv("BEACON_SINKS", "fiel:/tmp/x.ndjson", 1);
    char *text = stderr_of(init_from_env);
    assert_string_equal(text, "");
    free(text);
}

static void otel_log_level_is_honoured_and_beacon_log_level_wins(void **state) {
    (void)state;
    setenv("OTEL_LOG_LEVEL", "error", 1);
    setenv("BEACON_SINKS", "fiel:/tmp/x.ndjson", 1);
    char *text = stderr_of(init_from_env);
    assert_string_equal(text, ""); /* warnings are below error */
    free(text);
    setenv("BEACON_LOG_LEVEL", "WARN", 1);
    text = stderr_of(init_from_env);
    assert_int_equal(lines_of(text), 2);
    free(text);
}

static void init_and_emit_an_invalid_event(void) {
    beacon_init(NULL);
    tfx_plain bad = tfx_plain_make(50); /* above the field's max */
    tfx_plain_emit(&bad);
}

/* A refused event is the caller's own mistake, reported through its status:
 * shown at debug only. */
static void debug_level_shows_what_warn_does_not(void **state) {
    (void)state;
    setenv("BEACON_SINKS", "file:/dev/null", 1);
    char *text = stderr_of(init_and_emit_an_invalid_event);
    assert_string_equal(text, "");
    free(text);
    static const char *const ways[][2] = {{"BEACON_LOG_LEVEL", "debug"}, {"BEACON_DEBUG", "1"}};
    for (size_t i = 0; i < 2; i++) {
        setenv(ways[i][0], ways[i][1], 1);
        text = stderr_of(init_and_emit_an_invalid_event);
        assert_int_equal(lines_of(text), 1);
        assert_non_null(strstr(text, "beacon: "));
        free(text);
        unsetenv(ways[i][0]);
    }
}

static void unknown_log_level_is_said_and_ignored(void **state) {
    (void)state;
    setenv("BEACON_LOG_LEVEL", "verbose", 1);
    setenv("BEACON_SINKS", "file:/dev/null", 1);
    char *text = stderr_of(init_from_env);
    assert_int_equal(lines_of(text), 1);
    assert_non_null(strstr(text, "BEACON_LOG_LEVEL='verbose'"));
    free(text);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(emit_before_init_is_said_once),
        T(mistyped_sink_is_named_with_its_reason_and_skipped),
        T(no_valid_sink_says_telemetry_is_off),
        T(file_that_cannot_be_opened_is_said),
        T(unusable_hash_key_is_said_without_the_key),
        T(log_level_off_silences_warnings),
        T(otel_log_level_is_honoured_and_beacon_log_level_wins),
        T(debug_level_shows_what_warn_does_not),
        T(unknown_log_level_is_said_and_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
