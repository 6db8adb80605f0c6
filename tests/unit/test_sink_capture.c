/* test_sink_capture.c — the in-memory capture sink: read-back, snprintf-like
 * truncation and the max option.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tfx_events.h"
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

static json_t *captured(const char *name, size_t i) {
    char buf[8192];
    assert_true(beacon_capture_get(name, i, buf, sizeof buf) < sizeof buf);
    return ts_parse(buf);
}

static const char *event_name(json_t *j) {
    return json_string_value(json_object_get(j, "event"));
}

static void capture_sink_keeps_events_for_read_back(void **state) {
    (void)state;
    ts_init_with_sinks("capture");
    emit_plain(3);
    emit_plain(4);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(beacon_capture_count(NULL), 2);
    json_t *j = captured(NULL, 1);
    assert_string_equal(event_name(j), "plain");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "data"), "n")), 4);
    json_decref(j);
    assert_int_equal(beacon_capture_get(NULL, 2, NULL, 0), 0); /* no such event */
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    assert_int_equal(beacon_capture_count(NULL), 2); /* outlives the runtime */
    beacon_capture_clear(NULL);
    assert_int_equal(beacon_capture_count(NULL), 0);
}

static void capture_get_truncates_like_snprintf(void **state) {
    (void)state;
    ts_init_with_sinks("capture:a");
    emit_plain(1);
    beacon_flush(5000);
    size_t len = beacon_capture_get("a", 0, NULL, 0);
    assert_true(len > 10);
    char small[8];
    assert_int_equal(beacon_capture_get("a", 0, small, sizeof small), len);
    assert_int_equal(strlen(small), 7);
    assert_int_equal(beacon_capture_count("b"), 0);
}

static void capture_max_counts_the_excess_as_sink_errors(void **state) {
    (void)state;
    ts_init_with_sinks("capture:a?max=3");
    for (int i = 0; i < 5; i++) emit_plain(1);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(beacon_capture_count("a"), 3);
    assert_int_equal(c.delivered, 3);
    assert_int_equal(c.dropped_sink_error, 2);
    ts_assert_balanced(&c);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(capture_sink_keeps_events_for_read_back),
        T(capture_get_truncates_like_snprintf),
        T(capture_max_counts_the_excess_as_sink_errors),
    };
    return cmocka_run_group_tests_name("sink_capture", tests, NULL, NULL);
}
