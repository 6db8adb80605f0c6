/* test_begin_follow.c — begin and follow events with W3C trace-context
 * semantics: a begin event continues the current context (an incoming
 * traceparent, a pushed context) as a child with its own span id, and
 * starts a new trace outside any; the handle it returns names that trace
 * and its own span; follow events carry both (the begin's span as their
 * parent); pushing the handle makes spans and events join the lifecycle;
 * a follow event given an all-zero handle (what a failed begin leaves) is
 * rejected and counted. Traceparent headers are those of the W3C
 * trace-context test suite (test/test.py of w3c/trace-context).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
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

#define SUITE_TRACE  "12345678901234567890123456789012"
#define SUITE_PARENT "1234567890123456"

/* Valid headers of the suite: the begin event continues the trace as a
 * child of parent-id, and its handle keeps the trace-flags. */
static const struct {
    const char *header;
    uint8_t flags;
} k_valid[] = {
    {"00-" SUITE_TRACE "-" SUITE_PARENT "-01", 0x01},
    {"00-" SUITE_TRACE "-" SUITE_PARENT "-00", 0x00},
    /* A future version is read by position; it may carry more fields. */
    {"cc-" SUITE_TRACE "-" SUITE_PARENT "-01", 0x01},
    {"cc-" SUITE_TRACE "-" SUITE_PARENT "-01-what-the-future-will-be-like", 0x01},
    /* Optional whitespace around the value. */
    {" 00-" SUITE_TRACE "-" SUITE_PARENT "-01", 0x01},
    {"\t00-" SUITE_TRACE "-" SUITE_PARENT "-01", 0x01},
    {"00-" SUITE_TRACE "-" SUITE_PARENT "-01 ", 0x01},
    {"00-" SUITE_TRACE "-" SUITE_PARENT "-01\t", 0x01},
    {"\t 00-" SUITE_TRACE "-" SUITE_PARENT "-01 \t", 0x01},
};

/* Invalid headers of the suite: ignored, so the begin event starts a trace
 * of its own. */
static const char *const k_invalid[] = {
    "00-" SUITE_TRACE "-" SUITE_PARENT "-01.",
    "00-" SUITE_TRACE "-" SUITE_PARENT "-01-what-the-future-will-be-like",
    "cc-" SUITE_TRACE "-" SUITE_PARENT "-01.what-the-future-will-be-like",
    "ff-" SUITE_TRACE "-" SUITE_PARENT "-01",
    ".0-" SUITE_TRACE "-" SUITE_PARENT "-01",
    "0.-" SUITE_TRACE "-" SUITE_PARENT "-01",
    "000-" SUITE_TRACE "-" SUITE_PARENT "-01",
    "0000-" SUITE_TRACE "-" SUITE_PARENT "-01",
    "0-" SUITE_TRACE "-" SUITE_PARENT "-01",
    "00-00000000000000000000000000000000-" SUITE_PARENT "-01",
    "00-.2345678901234567890123456789012-" SUITE_PARENT "-01",
    "00-1234567890123456789012345678901.-" SUITE_PARENT "-01",
    "00-123456789012345678901234567890123-" SUITE_PARENT "-01",
    "00-1234567890123456789012345678901-" SUITE_PARENT "-01",
    "00-" SUITE_TRACE "-0000000000000000-01",
    "00-" SUITE_TRACE "-.234567890123456-01",
    "00-" SUITE_TRACE "-123456789012345.-01",
    "00-" SUITE_TRACE "-12345678901234567-01",
    "00-" SUITE_TRACE "-123456789012345-01",
    "00-" SUITE_TRACE "-" SUITE_PARENT "-.0",
    "00-" SUITE_TRACE "-" SUITE_PARENT "-0.",
    "00-" SUITE_TRACE "-" SUITE_PARENT "-001",
    "00-" SUITE_TRACE "-" SUITE_PARENT "-1",
    /* Beyond the suite: upper-case hex is invalid too, and nothing at all. */
    "00-1234567890ABCDEF1234567890ABCDEF-" SUITE_PARENT "-01",
    "",
};

static void begin_under_a_valid_traceparent_continues_it_as_a_child(void **state) {
    (void)state;
    size_t n = sizeof k_valid / sizeof *k_valid;
    char spans[sizeof k_valid / sizeof *k_valid][17];
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(beacon_context_from_traceparent(k_valid[i].header), BEACON_OK);
        prv_session_opened ev = prv_session_opened_make("web");
        beacon_lifecycle h;
        assert_int_equal(prv_session_opened_emit(&ev, &h), BEACON_OK);
        char hex[33];
        assert_string_equal(beacon_trace_id_to_hex(&h.trace_id, hex), SUITE_TRACE);
        beacon_span_id_to_hex(&h.span_id, spans[i]);
        assert_string_not_equal(spans[i], "0000000000000000");
        assert_string_not_equal(spans[i], SUITE_PARENT);
        assert_int_equal(h.flags, k_valid[i].flags);
        assert_int_equal(beacon_context_pop(), BEACON_OK);
    }
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    assert_int_equal(json_array_size(lines), n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(str_at(lines, i, "trace_id"), SUITE_TRACE);
        assert_string_equal(str_at(lines, i, "parent_span_id"), SUITE_PARENT);
        /* The handle names the event's own span, as sent. */
        assert_string_equal(str_at(lines, i, "span_id"), spans[i]);
    }
    json_decref(lines);
}

static void begin_under_an_invalid_traceparent_starts_a_new_trace(void **state) {
    (void)state;
    size_t n = sizeof k_invalid / sizeof *k_invalid;
    for (size_t i = 0; i < n; i++) {
        if (beacon_context_from_traceparent(k_invalid[i]) == BEACON_OK)
            fail_msg("accepted invalid traceparent '%s'", k_invalid[i]);
        prv_session_opened ev = prv_session_opened_make("web");
        beacon_lifecycle h;
        assert_int_equal(prv_session_opened_emit(&ev, &h), BEACON_OK);
        char hex[33];
        assert_string_not_equal(beacon_trace_id_to_hex(&h.trace_id, hex), SUITE_TRACE);
        assert_int_equal(h.flags, BEACON_TRACE_FLAG_SAMPLED);
    }
    assert_false(beacon_context_current(NULL));
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    assert_int_equal(json_array_size(lines), n);
    for (size_t i = 0; i < n; i++) {
        const char *trace = str_at(lines, i, "trace_id");
        assert_non_null(trace);
        assert_string_not_equal(trace, SUITE_TRACE);
        assert_non_null(str_at(lines, i, "span_id"));
        assert_null(str_at(lines, i, "parent_span_id"));
    }
    json_decref(lines);
}

/* The event named `name` among lines (the nth of them), or NULL. */
static json_t *event_named(json_t *lines, const char *name, size_t nth) {
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *e = json_array_get(lines, i);
        if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0 && nth-- == 0)
            return e;
    }
    fail_msg("no %s event", name);
    return NULL;
}

/* The `name` event whose `key` is `value`: events from different threads
 * reach the file in no fixed order, so they are told apart by content. */
static json_t *event_where(json_t *lines, const char *name, const char *key, const char *value) {
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *e = json_array_get(lines, i);
        const char *v = json_string_value(json_object_get(e, key));
        if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0 && v &&
            strcmp(v, value) == 0)
            return e;
    }
    fail_msg("no %s event with %s %s", name, key, value);
    return NULL;
}

static const char *key_of(json_t *ev, const char *key) {
    return json_string_value(json_object_get(ev, key));
}

static void follow_events_carry_the_trace_and_the_begin_span_as_parent(void **state) {
    (void)state;
    beacon_lifecycle h;
    prv_session_opened ev = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&ev, &h), BEACON_OK);
    prv_session_step step = prv_session_step_make(h, 1);
    assert_int_equal(prv_session_step_emit(&step), BEACON_OK);
    /* The same on the runtime's descriptor-driven path. */
    assert_int_equal(beacon_gen_emit(&step.hdr, NULL), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    json_t *begin = event_named(lines, "session.opened", 0);
    char trace[33], span[17];
    beacon_trace_id_to_hex(&h.trace_id, trace);
    beacon_span_id_to_hex(&h.span_id, span);
    assert_string_equal(key_of(begin, "trace_id"), trace);
    assert_string_equal(key_of(begin, "span_id"), span);
    for (size_t i = 0; i < 2; i++) {
        json_t *f = event_named(lines, "session.step", i);
        assert_string_equal(key_of(f, "trace_id"), trace);
        assert_string_equal(key_of(f, "parent_span_id"), span);
        assert_null(key_of(f, "span_id"));
    }
    json_decref(lines);
}

static void a_span_right_after_a_begin_starts_another_trace(void **state) {
    (void)state;
    beacon_lifecycle h;
    prv_session_opened ev = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&ev, &h), BEACON_OK);
    /* A begin event does not change the current context. */
    assert_false(beacon_context_current(NULL));
    prv_job_run_span run = prv_job_run_begin("index");
    assert_int_equal(prv_job_run_end(&run), BEACON_OK);
    assert_memory_not_equal(&run.state.trace_id, &h.trace_id, sizeof h.trace_id);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    char trace[33];
    beacon_trace_id_to_hex(&h.trace_id, trace);
    json_t *start = event_named(lines, "job.run.start", 0);
    assert_string_not_equal(key_of(start, "trace_id"), trace);
    assert_null(key_of(start, "parent_span_id"));
    json_decref(lines);
}

static void spans_and_events_under_the_pushed_handle_join_the_lifecycle(void **state) {
    (void)state;
    beacon_lifecycle h;
    prv_session_opened ev = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&ev, &h), BEACON_OK);
    assert_int_equal(beacon_context_push_lifecycle(&h), BEACON_OK);

    beacon_trace_context cur;
    assert_true(beacon_context_current(&cur));
    assert_memory_equal(&cur.trace_id, &h.trace_id, sizeof h.trace_id);
    assert_memory_equal(&cur.span_id, &h.span_id, sizeof h.span_id);
    char tp[BEACON_TRACEPARENT_LEN + 1], want[BEACON_TRACEPARENT_LEN + 1], trace[33], span[17];
    beacon_trace_id_to_hex(&h.trace_id, trace);
    beacon_span_id_to_hex(&h.span_id, span);
    snprintf(want, sizeof want, "00-%s-%s-01", trace, span);
    assert_int_equal(beacon_context_to_traceparent(tp, sizeof tp), BEACON_TRACEPARENT_LEN);
    assert_string_equal(tp, want);

    prv_job_run_span run = prv_job_run_begin("index");
    prv_work_note note = prv_work_note_make(7);
    assert_int_equal(prv_work_note_emit(&note), BEACON_OK); /* inside the span */
    assert_int_equal(prv_job_run_end(&run), BEACON_OK);
    assert_int_equal(prv_work_note_emit(&note), BEACON_OK); /* under the handle */
    assert_int_equal(beacon_context_pop(), BEACON_OK);
    assert_false(beacon_context_current(NULL));
    assert_int_equal(prv_work_note_emit(&note), BEACON_OK); /* after the pop */
    assert_int_equal(beacon_flush(5000), BEACON_OK);

    json_t *lines = ts_read_ndjson(g_file);
    json_t *start = event_named(lines, "job.run.start", 0);
    json_t *stop = event_named(lines, "job.run.stop", 0);
    assert_string_equal(key_of(start, "trace_id"), trace);
    assert_string_equal(key_of(start, "parent_span_id"), span);
    assert_string_equal(key_of(stop, "trace_id"), trace);
    assert_string_equal(key_of(stop, "parent_span_id"), span);
    const char *run_span = key_of(start, "span_id");
    json_t *in_span = event_named(lines, "work.note", 0);
    assert_string_equal(key_of(in_span, "trace_id"), trace);
    assert_string_equal(key_of(in_span, "parent_span_id"), run_span);
    json_t *under = event_named(lines, "work.note", 1);
    assert_string_equal(key_of(under, "trace_id"), trace);
    assert_string_equal(key_of(under, "parent_span_id"), span);
    assert_null(key_of(event_named(lines, "work.note", 2), "trace_id"));
    json_decref(lines);
}

static void the_request_handler_pattern_links_every_event(void **state) {
    (void)state;
    const char *incoming = "00-" SUITE_TRACE "-" SUITE_PARENT "-00";
    bool continued = beacon_context_from_traceparent(incoming) == BEACON_OK;
    assert_true(continued);
    beacon_lifecycle req;
    prv_session_opened ev = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&ev, &req), BEACON_OK);
    if (beacon_context_push_lifecycle(&req) == BEACON_OK) {
        prv_job_run_span run = prv_job_run_begin("handler");
        /* What an outgoing call would carry: the caller's trace, not sampled,
         * with the span as parent. */
        char tp[BEACON_TRACEPARENT_LEN + 1], span[17];
        beacon_context_to_traceparent(tp, sizeof tp);
        beacon_span_id_to_hex(&run.state.span_id, span);
        char want[BEACON_TRACEPARENT_LEN + 1];
        snprintf(want, sizeof want, "00-%s-%s-00", SUITE_TRACE, span);
        assert_string_equal(tp, want);
        assert_int_equal(prv_job_run_end(&run), BEACON_OK);
        beacon_context_pop();
    }
    prv_session_step done = prv_session_step_make(req, 2);
    assert_int_equal(prv_session_step_emit(&done), BEACON_OK);
    if (continued) beacon_context_pop();
    assert_false(beacon_context_current(NULL));
    assert_int_equal(beacon_flush(5000), BEACON_OK);

    json_t *lines = ts_read_ndjson(g_file);
    assert_int_equal(json_array_size(lines), 4);
    char req_span[17];
    beacon_span_id_to_hex(&req.span_id, req_span);
    for (size_t i = 0; i < 4; i++) assert_string_equal(str_at(lines, i, "trace_id"), SUITE_TRACE);
    json_t *begin = event_named(lines, "session.opened", 0);
    assert_string_equal(key_of(begin, "parent_span_id"), SUITE_PARENT);
    assert_string_equal(key_of(begin, "span_id"), req_span);
    assert_string_equal(key_of(event_named(lines, "job.run.start", 0), "parent_span_id"), req_span);
    assert_string_equal(key_of(event_named(lines, "session.step", 0), "parent_span_id"), req_span);
    json_decref(lines);
}

/* Continues a lifecycle on another thread: a plain event and a nested
 * begin event under its handle. */
static void *continue_on_thread(void *p) {
    const beacon_lifecycle *h = p;
    if (beacon_context_push_lifecycle(h) != BEACON_OK) return (void *)1;
    prv_work_note note = prv_work_note_make(9);
    beacon_status a = prv_work_note_emit(&note);
    prv_session_opened nested = prv_session_opened_make("thread");
    beacon_status b = prv_session_opened_emit(&nested, NULL);
    beacon_context_pop();
    return a == BEACON_OK && b == BEACON_OK ? NULL : (void *)1;
}

static void
begin_inside_a_pushed_context_is_its_child_and_the_handle_crosses_threads(void **state) {
    (void)state;
    beacon_trace_context ctx;
    memset(&ctx, 0, sizeof ctx);
    memset(ctx.trace_id.bytes, 0xab, sizeof ctx.trace_id.bytes);
    memset(ctx.span_id.bytes, 0xcd, sizeof ctx.span_id.bytes);
    assert_int_equal(beacon_context_push(&ctx), BEACON_OK);
    beacon_lifecycle h;
    prv_session_opened ev = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&ev, &h), BEACON_OK);
    assert_int_equal(beacon_context_pop(), BEACON_OK);
    assert_memory_equal(&h.trace_id, &ctx.trace_id, sizeof ctx.trace_id);
    assert_memory_not_equal(&h.span_id, &ctx.span_id, sizeof ctx.span_id);

    pthread_t t;
    void *failed = NULL;
    assert_int_equal(pthread_create(&t, NULL, continue_on_thread, &h), 0);
    assert_int_equal(pthread_join(t, &failed), 0);
    assert_null(failed);
    assert_int_equal(beacon_flush(5000), BEACON_OK);

    json_t *lines = ts_read_ndjson(g_file);
    const char *trace = "abababababababababababababababab";
    char span[17];
    beacon_span_id_to_hex(&h.span_id, span);
    assert_int_equal(json_array_size(lines), 3);
    json_t *begin = event_where(lines, "session.opened", "span_id", span);
    assert_string_equal(key_of(begin, "trace_id"), trace);
    assert_string_equal(key_of(begin, "parent_span_id"), "cdcdcdcdcdcdcdcd");
    json_t *note = event_named(lines, "work.note", 0);
    assert_string_equal(key_of(note, "trace_id"), trace);
    assert_string_equal(key_of(note, "parent_span_id"), span);
    json_t *nested = event_where(lines, "session.opened", "parent_span_id", span);
    assert_string_equal(key_of(nested, "trace_id"), trace);
    assert_string_not_equal(key_of(nested, "span_id"), span);
    json_decref(lines);
}

static void an_all_zero_or_null_handle_is_not_pushed(void **state) {
    (void)state;
    beacon_lifecycle zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(beacon_context_push_lifecycle(&zero), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_context_push_lifecycle(NULL), BEACON_ERR_INVALID_ARGUMENT);
    assert_false(beacon_context_current(NULL));
    /* A begin that was not accepted leaves the all-zero handle. */
    beacon_lifecycle h;
    memset(&h, 0xee, sizeof h);
    prv_session_opened bad = prv_session_opened_make(NULL);
    assert_int_equal(prv_session_opened_emit(&bad, &h), BEACON_ERR_INVALID_EVENT);
    assert_memory_equal(&h, &zero, sizeof h);
}

static void two_begins_outside_any_context_start_two_traces(void **state) {
    (void)state;
    beacon_lifecycle a, b;
    prv_session_opened ev = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&ev, &a), BEACON_OK);
    assert_int_equal(prv_session_opened_emit(&ev, &b), BEACON_OK);
    assert_memory_not_equal(&a.trace_id, &b.trace_id, sizeof a.trace_id);
    assert_memory_not_equal(&a.span_id, &b.span_id, sizeof a.span_id);
}

static void follow_with_an_all_zero_handle_is_rejected_and_counted(void **state) {
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
    beacon_lifecycle failed_begin;
    memset(&failed_begin, 0, sizeof failed_begin);
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
        T(follow_events_carry_the_trace_and_the_begin_span_as_parent),
        T(a_span_right_after_a_begin_starts_another_trace),
        T(spans_and_events_under_the_pushed_handle_join_the_lifecycle),
        T(the_request_handler_pattern_links_every_event),
        T(begin_inside_a_pushed_context_is_its_child_and_the_handle_crosses_threads),
        T(an_all_zero_or_null_handle_is_not_pushed),
        T(follow_with_an_all_zero_handle_is_rejected_and_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
