/* test_begin_follow.c — begin and follow events with W3C trace-context
 * semantics: a begin event continues the current context (an incoming
 * traceparent, a pushed context) as a child with its own span id, and
 * starts a new trace outside any; a follow event given an all-zero
 * correlation (what a failed begin leaves) is rejected and counted.
 * Traceparent headers are vectors of the W3C trace-context test suite.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture_support.h"
#include "prv_events.h"

static char *g_dir;
static char *g_file;

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    g_dir = ts_mkdtemp();
    g_file = ts_path(g_dir, "events.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", g_file);
    ts_init_with_sinks(spec);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    while (beacon_context_pop() == BEACON_OK) {
    }
    ts_reset_runtime();
    free(g_file);
    ts_rmdir(g_dir);
    return 0;
}

static const char *str_at(json_t *lines, size_t i, const char *key) {
    return json_string_value(json_object_get(json_array_get(lines, i), key));
}

static void hex_of(const uint8_t *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Valid headers: the begin event continues the trace, child of parent-id. */
static const struct {
    const char *header, *trace, *parent;
} k_valid[] = {
    {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "0af7651916cd43dd8448eb211c80319c",
     "b7ad6b7169203331"},
    {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", "0af7651916cd43dd8448eb211c80319c",
     "b7ad6b7169203331"},
    /* A future version may carry more fields after the flags. */
    {"cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-will-be-like",
     "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"},
    {"00-12345678901234567890123456789012-1234567890123456-01", "12345678901234567890123456789012",
     "1234567890123456"},
};

/* Invalid headers: ignored, so the begin event starts its own trace. */
static const char *const k_invalid[] = {
    "00-00000000000000000000000000000000-b7ad6b7169203331-01",   /* all-zero trace id */
    "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",   /* all-zero parent id */
    "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",   /* version ff */
    "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01",   /* uppercase */
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-",  /* v00 with a tail */
    "00-0af7651916cd43dd8448eb211c80319c00-b7ad6b7169203331-01", /* trace id too long */
    "00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01",    /* trace id too short */
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1",    /* flags too short */
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333g-01",   /* not hex */
    "",
};

static void begin_under_a_valid_traceparent_continues_it_as_a_child(void **state) {
    (void)state;
    size_t n = sizeof k_valid / sizeof *k_valid;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(beacon_context_from_traceparent(k_valid[i].header), BEACON_OK);
        prv_session_opened ev = prv_session_opened_make("web");
        beacon_trace_id t;
        assert_int_equal(prv_session_opened_emit(&ev, &t), BEACON_OK);
        char hex[33];
        hex_of(t.bytes, sizeof t.bytes, hex);
        assert_string_equal(hex, k_valid[i].trace);
        assert_int_equal(beacon_context_pop(), BEACON_OK);
    }
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    assert_int_equal(json_array_size(lines), n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(str_at(lines, i, "trace_id"), k_valid[i].trace);
        assert_string_equal(str_at(lines, i, "parent_span_id"), k_valid[i].parent);
        const char *span = str_at(lines, i, "span_id");
        assert_non_null(span);
        assert_string_not_equal(span, k_valid[i].parent);
    }
    json_decref(lines);
}

static void begin_under_an_invalid_traceparent_starts_a_new_trace(void **state) {
    (void)state;
    size_t n = sizeof k_invalid / sizeof *k_invalid;
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(beacon_context_from_traceparent(k_invalid[i]), BEACON_OK);
        prv_session_opened ev = prv_session_opened_make("web");
        assert_int_equal(prv_session_opened_emit(&ev, NULL), BEACON_OK);
    }
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    assert_int_equal(json_array_size(lines), n);
    for (size_t i = 0; i < n; i++) {
        const char *trace = str_at(lines, i, "trace_id");
        assert_non_null(trace);
        assert_string_not_equal(trace, "0af7651916cd43dd8448eb211c80319c");
        assert_non_null(str_at(lines, i, "span_id"));
        assert_null(str_at(lines, i, "parent_span_id"));
    }
    json_decref(lines);
}

static void two_begins_outside_any_context_start_two_traces(void **state) {
    (void)state;
    beacon_trace_id a, b;
    prv_session_opened ev = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&ev, &a), BEACON_OK);
    assert_int_equal(prv_session_opened_emit(&ev, &b), BEACON_OK);
    assert_memory_not_equal(&a, &b, sizeof a);
}

static void follow_with_an_all_zero_correlation_is_rejected_and_counted(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    beacon_shutdown(2000);
    beacon_options *o = beacon_options_new();
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", g_file);
    assert_int_equal(beacon_options_set_sinks(o, spec), BEACON_OK);
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, &cap);
    assert_int_equal(beacon_init(o), BEACON_OK);

    beacon_counters c0, c;
    assert_int_equal(beacon_stats(&c0, NULL, 0, NULL), BEACON_OK); /* counters span the process */
    beacon_trace_id failed_begin = {{0}};
    prv_session_step step = prv_session_step_make(failed_begin, 1);
    assert_int_equal(prv_session_step_emit(&step), BEACON_ERR_INVALID_EVENT);
    assert_int_equal(beacon_gen_emit(&step.hdr, NULL), BEACON_ERR_INVALID_EVENT);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(beacon_stats(&c, NULL, 0, NULL), BEACON_OK);
    assert_int_equal(c.dropped_invalid - c0.dropped_invalid, 2);
    assert_int_equal(c.delivered - c0.delivered, 0);
    assert_true(cap.calls >= 1);
    if (!strstr(cap.last, "session.step")) fail_msg("last diagnostic: %s", cap.last);
    assert_non_null(strstr(cap.last, "all-zero correlation"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(begin_under_a_valid_traceparent_continues_it_as_a_child),
        T(begin_under_an_invalid_traceparent_starts_a_new_trace),
        T(two_begins_outside_any_context_start_two_traces),
        T(follow_with_an_all_zero_correlation_is_rejected_and_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
