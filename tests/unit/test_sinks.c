/* test_sinks.c — the sinks added with the pipeline and per-sink routing:
 * capture read-back, callback batches and per-event delivery, file size
 * rotation and reopen after an outside rename, and filter / level / sample
 * options, all read back through jansson.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

static char *g_dir;

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    g_dir = ts_mkdtemp();
    beacon_capture_clear(NULL);
    beacon_capture_clear("a");
    beacon_capture_clear("b");
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

static size_t file_lines(const char *path) {
    json_t *lines = ts_read_ndjson(path);
    size_t n = json_array_size(lines);
    json_decref(lines);
    return n;
}

static off_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void file_rotates_at_max_bytes_and_keeps_k_files(void **state) {
    (void)state;
    char *path = ts_path(g_dir, "r.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s?max_bytes=1000&keep=2", path);
    ts_init_with_sinks(spec);
    for (int i = 0; i < 100; i++) {
        emit_plain(i % 10);
        if (i % 10 == 9) beacon_flush(5000);
    }
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    char *p1 = ts_path(g_dir, "r.ndjson.1"), *p2 = ts_path(g_dir, "r.ndjson.2"),
         *p3 = ts_path(g_dir, "r.ndjson.3");
    assert_true(file_size(path) > 0 && file_size(path) <= 1000);
    assert_true(file_size(p1) > 0 && file_size(p1) <= 1000);
    assert_true(file_size(p2) > 0 && file_size(p2) <= 1000);
    assert_int_equal(file_size(p3), -1);
    /* Every kept file holds whole lines only. */
    size_t total = file_lines(path) + file_lines(p1) + file_lines(p2);
    assert_true(total > 0 && total < 100);
    free(p1);
    free(p2);
    free(p3);
    free(path);
}

static void file_is_reopened_after_an_outside_rename(void **state) {
    (void)state;
    char *path = ts_path(g_dir, "o.ndjson"), *moved = ts_path(g_dir, "o.ndjson.old");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", path);
    ts_init_with_sinks(spec);
    emit_plain(1);
    beacon_flush(5000);
    assert_int_equal(rename(path, moved), 0);
    struct timespec ts = {1, 200 * 1000000}; /* past the identity check interval */
    nanosleep(&ts, NULL);
    emit_plain(2);
    beacon_flush(5000);
    assert_int_equal(file_lines(moved), 1);
    assert_int_equal(file_lines(path), 1);
    free(path);
    free(moved);
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
        T(capture_sink_keeps_events_for_read_back),
        T(capture_get_truncates_like_snprintf),
        T(capture_max_counts_the_excess_as_sink_errors),
        T(callback_sink_receives_batches_of_json),
        T(callback_per_event_gets_one_event_per_call),
        T(per_event_refusals_are_accounted_to_the_refused_events),
        T(refusing_callback_counts_sink_errors),
        T(callback_options_are_validated),
        T(file_rotates_at_max_bytes_and_keeps_k_files),
        T(file_is_reopened_after_an_outside_rename),
        T(file_sinks_with_filters_and_formats_get_their_lines),
        T(filter_globs_and_negation_route_per_sink),
        T(level_option_keeps_events_at_or_above_it),
        T(sample_option_keeps_about_that_fraction),
        T(bad_routing_options_are_rejected),
    };
    return cmocka_run_group_tests_name("sinks", tests, NULL, NULL);
}
