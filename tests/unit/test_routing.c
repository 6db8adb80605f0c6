/* test_routing.c — per-sink routing options: filter globs, negation and
 * categories, level, sample, format and resource, read back through jansson.
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

/* Three file sinks over one stream of events: two share a format (one of
 * them filtered, so its batch is every other text of the worker's arena),
 * one has another (resource=1, so the two formats' texts interleave). Each
 * file gets exactly its events, in order, one parseable line each. */
static void file_sinks_with_filters_and_formats_get_their_lines(void **state) {
    (void)state;
    char *all = ts_path(g_dir, "all.ndjson"), *up = ts_path(g_dir, "up.ndjson"),
         *res = ts_path(g_dir, "res.ndjson");
    char spec[2048];
    snprintf(spec, sizeof spec, "file:%s;file:%s?filter=upload.*;file:%s?resource=1", all, up, res);
    ts_init_with_sinks(spec);
    enum { N = 300 };
    for (int i = 0; i < N; i++) {
        if (i % 2 == 0) {
            emit_plain(i % 10);
        } else {
            char file[16];
            snprintf(file, sizeof file, "f%d", i);
            tfx_upload_begin b = tfx_upload_begin_make(file);
            assert_int_equal(tfx_upload_begin_emit(&b, NULL), BEACON_OK);
        }
        if (i % 97 == 96) assert_int_equal(beacon_flush(5000), BEACON_OK);
    }
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    const char *paths[3] = {all, up, res};
    for (int f = 0; f < 3; f++) {
        json_t *lines = ts_read_ndjson(paths[f]);
        assert_int_equal(json_array_size(lines), f == 1 ? N / 2 : N);
        for (size_t k = 0; k < json_array_size(lines); k++) {
            json_t *j = json_array_get(lines, k);
            int i = f == 1 ? (int)(2 * k + 1) : (int)k;
            json_t *data = json_object_get(j, "data");
            if (i % 2 == 0) {
                assert_string_equal(event_name(j), "plain");
                assert_int_equal(json_integer_value(json_object_get(data, "n")), i % 10);
            } else {
                char file[16];
                snprintf(file, sizeof file, "f%d", i);
                assert_string_equal(event_name(j), "upload.begin");
                assert_string_equal(json_string_value(json_object_get(data, "file")), file);
            }
            assert_true((json_object_get(j, "resource") != NULL) == (f == 2));
        }
        json_decref(lines);
    }
    free(all);
    free(up);
    free(res);
}

static void filter_globs_and_negation_route_per_sink(void **state) {
    (void)state;
    ts_init_with_sinks("capture:a?filter=*,!plain;capture:b?filter=category:system");
    tfx_upload_begin b = tfx_upload_begin_make("f");
    tfx_upload_begin_emit(&b, NULL);
    emit_plain(1);
    beacon_flush(5000);
    assert_int_equal(beacon_capture_count("a"), 1);
    json_t *j = captured("a", 0);
    assert_string_equal(event_name(j), "upload.begin");
    json_decref(j);
    assert_int_equal(beacon_capture_count("b"), 1);
    j = captured("b", 0);
    assert_string_equal(event_name(j), "plain");
    json_decref(j);
    beacon_counters a = ts_sink_counters(0), bc = ts_sink_counters(1);
    assert_int_equal(a.dropped_filtered, 1);
    assert_int_equal(bc.dropped_filtered, 1);
    ts_assert_balanced(&a);
    ts_assert_balanced(&bc);
}

static void level_option_keeps_events_at_or_above_it(void **state) {
    (void)state;
    ts_init_with_sinks("capture:a?level=warn");
    emit_plain(1); /* debug */
    tfx_everything e = tfx_everything_make(false, 3, 5, 0.5, "nm", 1, 2, TFX_COLOR_RED, NULL, 0,
                                           NULL, 0); /* warn */
    assert_int_equal(tfx_everything_emit(&e), BEACON_OK);
    beacon_flush(5000);
    assert_int_equal(beacon_capture_count("a"), 1);
    json_t *j = captured("a", 0);
    assert_string_equal(event_name(j), "everything");
    json_decref(j);
}

static void sample_option_keeps_about_that_fraction(void **state) {
    (void)state;
    ts_init_with_sinks("capture:a?sample=0.25;capture:b");
    for (int i = 0; i < 4000; i++) {
        emit_plain(1);
        if (i % 500 == 499) beacon_flush(5000); /* never a full queue */
    }
    beacon_counters a = ts_sink_counters(0);
    size_t kept = beacon_capture_count("a");
    assert_true(kept > 700 && kept < 1300);
    assert_int_equal(a.dropped_sampled, 4000 - kept);
    assert_int_equal(beacon_capture_count("b"), 4000);
    ts_assert_balanced(&a);
}

static void bad_routing_options_are_rejected(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "stderr?level=loud"), BEACON_ERR_SINK_SPEC);
    assert_int_equal(beacon_options_add_sink(o, "stderr?sample=1.5"), BEACON_ERR_SINK_SPEC);
    assert_int_equal(beacon_options_add_sink(o, "stderr?filter=name:x"), BEACON_ERR_SINK_SPEC);
    assert_int_equal(beacon_options_add_sink(o, "file:/tmp/x?max_bytes=-1"), BEACON_ERR_SINK_SPEC);
    assert_int_equal(beacon_options_add_sink(o, "stderr?filter=a.*,category:user&level=warn"),
                     BEACON_OK);
    beacon_options_free(o);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(file_sinks_with_filters_and_formats_get_their_lines),
        T(filter_globs_and_negation_route_per_sink),
        T(level_option_keeps_events_at_or_above_it),
        T(sample_option_keeps_about_that_fraction),
        T(bad_routing_options_are_rejected),
    };
    return cmocka_run_group_tests_name("routing", tests, NULL, NULL);
}
