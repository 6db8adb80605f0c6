/* test_correlation.c — trace ids across events, threads and processes,
 * through real generated code (prv_events.h): begin/follow, the per-thread
 * current context (push/pop/current, handed to another thread), W3C
 * traceparent continuation, and spans (nesting, parent ids, durations).
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
#include <time.h>

#include <cmocka.h>

#include "fixture_support.h"
#include "prv_events.h"

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    beacon_capture_clear("c");
    ts_init_with_sinks("capture:c");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    while (beacon_context_pop() == BEACON_OK) {
    }
    ts_reset_runtime();
    beacon_capture_clear("c");
    return 0;
}

static json_t *event_at(size_t i) {
    char buf[8192];
    size_t n = beacon_capture_get("c", i, buf, sizeof buf);
    assert_true(n > 0 && n < sizeof buf);
    return ts_parse(buf);
}

/* Every captured event, in order, after a flush. */
static json_t *events(void) {
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *all = json_array();
    for (size_t i = 0; i < beacon_capture_count("c"); i++) json_array_append_new(all, event_at(i));
    return all;
}

static const char *str_at(json_t *all, size_t i, const char *key) {
    return json_string_value(json_object_get(json_array_get(all, i), key));
}

static json_t *find(json_t *all, const char *name, size_t nth) {
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *e = json_array_get(all, i);
        if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0 && nth-- == 0)
            return e;
    }
    fail_msg("no event %s", name);
    return NULL;
}

static void hex_of(const beacon_trace_id *id, char out[33]) {
    beacon_trace_id_to_hex(id, out);
}

/* ---- begin / follow ------------------------------------------------------ */

typedef struct follow_arg {
    beacon_lifecycle trace;
    int64_t step;
} follow_arg;

static void *follow_on_thread(void *p) {
    follow_arg *a = p;
    prv_session_step ev = prv_session_step_make(a->trace, a->step);
    assert_int_equal(prv_session_step_emit(&ev), BEACON_OK);
    return NULL;
}

static void begin_then_follows_on_two_threads_share_one_trace(void **state) {
    (void)state;
    beacon_lifecycle trace;
    prv_session_opened b = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&b, &trace), BEACON_OK);
    follow_arg a1 = {trace, 1}, a2 = {trace, 2};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, follow_on_thread, &a1);
    pthread_create(&t2, NULL, follow_on_thread, &a2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    json_t *all = events();
    assert_int_equal(json_array_size(all), 3);
    char hex[33];
    hex_of(&trace.trace_id, hex);
    for (size_t i = 0; i < 3; i++) assert_string_equal(str_at(all, i, "trace_id"), hex);
    json_decref(all);
}

static void begin_events_get_distinct_nonzero_traces(void **state) {
    (void)state;
    beacon_lifecycle t1, t2;
    beacon_trace_id zero;
    memset(&zero, 0, sizeof zero);
    prv_session_opened b = prv_session_opened_make("web");
    assert_int_equal(prv_session_opened_emit(&b, &t1), BEACON_OK);
    assert_int_equal(prv_session_opened_emit(&b, &t2), BEACON_OK);
    assert_memory_not_equal(&t1.trace_id, &zero, sizeof zero);
    assert_memory_not_equal(&t1.trace_id, &t2.trace_id, sizeof zero);
}

/* ---- the current context -------------------------------------------------- */

static beacon_trace_context make_ctx(uint8_t fill_trace, uint8_t fill_span) {
    beacon_trace_context c;
    memset(c.trace_id.bytes, fill_trace, sizeof c.trace_id.bytes);
    memset(c.span_id.bytes, fill_span, sizeof c.span_id.bytes);
    c.flags = BEACON_TRACE_FLAG_SAMPLED;
    return c;
}

static void pushed_context_gives_trace_and_parent_to_events(void **state) {
    (void)state;
    beacon_trace_context c = make_ctx(0xab, 0xcd);
    assert_int_equal(beacon_context_push(&c), BEACON_OK);
    prv_work_note ev = prv_work_note_make(1);
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_context_pop(), BEACON_OK);
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    json_t *all = events();
    assert_string_equal(str_at(all, 0, "trace_id"), "abababababababababababababababab");
    assert_string_equal(str_at(all, 0, "parent_span_id"), "cdcdcdcdcdcdcdcd");
    assert_null(str_at(all, 0, "span_id"));
    assert_null(str_at(all, 1, "trace_id"));
    assert_null(str_at(all, 1, "parent_span_id"));
    json_decref(all);
}

static void current_reports_the_innermost_context(void **state) {
    (void)state;
    beacon_trace_context got;
    assert_false(beacon_context_current(&got));
    beacon_trace_context outer = make_ctx(1, 2), inner = make_ctx(3, 4);
    beacon_context_push(&outer);
    beacon_context_push(&inner);
    assert_true(beacon_context_current(&got));
    assert_memory_equal(&got, &inner, sizeof got);
    beacon_context_pop();
    assert_true(beacon_context_current(&got));
    assert_memory_equal(&got, &outer, sizeof got);
    beacon_context_pop();
    assert_false(beacon_context_current(&got));
    assert_int_equal(beacon_context_pop(), BEACON_ERR_INVALID_ARGUMENT);
}

static void push_rejects_null_and_zero_trace(void **state) {
    (void)state;
    beacon_trace_context z = make_ctx(0, 1);
    assert_int_equal(beacon_context_push(NULL), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_context_push(&z), BEACON_ERR_INVALID_ARGUMENT);
    assert_false(beacon_context_current(NULL));
}

static void push_beyond_the_stack_is_refused(void **state) {
    (void)state;
    beacon_trace_context c = make_ctx(1, 1);
    int pushed = 0;
    while (beacon_context_push(&c) == BEACON_OK) pushed++;
    assert_true(pushed >= 8 && pushed <= 64);
    assert_int_equal(beacon_context_push(&c), BEACON_ERR_NO_MEMORY);
    while (pushed-- > 0) assert_int_equal(beacon_context_pop(), BEACON_OK);
}

typedef struct handoff {
    beacon_trace_context ctx;
} handoff;

static void *emit_under_handed_context(void *p) {
    handoff *h = p;
    beacon_trace_context none;
    assert_false(beacon_context_current(&none)); /* contexts are per thread */
    assert_int_equal(beacon_context_push(&h->ctx), BEACON_OK);
    prv_work_note ev = prv_work_note_make(2);
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    beacon_context_pop();
    return NULL;
}

static void context_handed_to_another_thread_continues_the_span(void **state) {
    (void)state;
    prv_job_run_span job = prv_job_run_begin("import");
    handoff h;
    assert_true(beacon_context_current(&h.ctx));
    pthread_t t;
    pthread_create(&t, NULL, emit_under_handed_context, &h);
    pthread_join(t, NULL);
    prv_job_run_end(&job);
    json_t *all = events();
    json_t *start = find(all, "job.run.start", 0);
    json_t *note = find(all, "work.note", 0);
    assert_string_equal(json_string_value(json_object_get(note, "trace_id")),
                        json_string_value(json_object_get(start, "trace_id")));
    assert_string_equal(json_string_value(json_object_get(note, "parent_span_id")),
                        json_string_value(json_object_get(start, "span_id")));
    json_decref(all);
}

/* ---- traceparent ------------------------------------------------------------ */

static const char k_tp[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

static void traceparent_is_continued_by_events_and_spans(void **state) {
    (void)state;
    assert_int_equal(beacon_context_from_traceparent(k_tp), BEACON_OK);
    prv_work_note ev = prv_work_note_make(1);
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    prv_job_run_span job = prv_job_run_begin("x");
    prv_job_run_end(&job);
    char out[BEACON_TRACEPARENT_LEN + 1];
    assert_int_equal(beacon_context_to_traceparent(out, sizeof out), BEACON_TRACEPARENT_LEN);
    assert_string_equal(out, k_tp);
    assert_int_equal(beacon_context_pop(), BEACON_OK);
    json_t *all = events();
    for (size_t i = 0; i < json_array_size(all); i++)
        assert_string_equal(str_at(all, i, "trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(str_at(all, 0, "parent_span_id"), "00f067aa0ba902b7");
    json_t *start = find(all, "job.run.start", 0);
    assert_string_equal(json_string_value(json_object_get(start, "parent_span_id")),
                        "00f067aa0ba902b7");
    json_decref(all);
}

static void invalid_traceparent_pushes_nothing(void **state) {
    (void)state;
    assert_int_equal(beacon_context_from_traceparent("00-zz-00f067aa0ba902b7-01"),
                     BEACON_ERR_PARSE);
    assert_int_equal(
        beacon_context_from_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
        BEACON_ERR_PARSE);
    assert_int_equal(beacon_context_from_traceparent(NULL), BEACON_ERR_INVALID_ARGUMENT);
    assert_false(beacon_context_current(NULL));
    char out[64];
    assert_int_equal(beacon_context_to_traceparent(out, sizeof out), 0);
    assert_string_equal(out, "");
}

/* ---- spans ------------------------------------------------------------------ */

static void spans_nest_and_events_name_their_span_as_parent(void **state) {
    (void)state;
    prv_job_run_span outer = prv_job_run_begin("outer");
    prv_job_run_span inner = prv_job_run_begin("inner");
    prv_work_note ev = prv_work_note_make(1);
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    prv_job_run_end(&inner);
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    prv_job_run_end(&outer);
    json_t *all = events();
    assert_int_equal(json_array_size(all), 6);
    const char *trace = str_at(all, 0, "trace_id");
    for (size_t i = 0; i < 6; i++) assert_string_equal(str_at(all, i, "trace_id"), trace);
    const char *outer_id = str_at(all, 0, "span_id"), *inner_id = str_at(all, 1, "span_id");
    assert_string_not_equal(outer_id, inner_id);
    assert_null(str_at(all, 0, "parent_span_id"));
    assert_string_equal(str_at(all, 1, "parent_span_id"), outer_id);
    assert_string_equal(str_at(all, 2, "parent_span_id"), inner_id);
    assert_string_equal(str_at(all, 3, "span_id"), inner_id);
    assert_string_equal(str_at(all, 4, "parent_span_id"), outer_id);
    assert_string_equal(str_at(all, 5, "span_id"), outer_id);
    json_decref(all);
}

static int64_t duration_of(json_t *stop) {
    return json_integer_value(json_object_get(json_object_get(stop, "data"), "duration_ns"));
}

static void span_durations_are_monotonic_and_plausible(void **state) {
    (void)state;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    prv_job_run_span outer = prv_job_run_begin("outer");
    prv_job_run_span inner = prv_job_run_begin("inner");
    struct timespec nap = {0, 2000000};
    nanosleep(&nap, NULL);
    prv_job_run_end(&inner);
    prv_job_run_end(&outer);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t wall = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
    json_t *all = events();
    int64_t d_inner = duration_of(find(all, "job.run.stop", 0));
    int64_t d_outer = duration_of(find(all, "job.run.stop", 1));
    assert_true(d_inner >= 2000000);
    assert_true(d_outer >= d_inner);
    assert_true(d_outer <= wall); /* generous: nothing can take longer than the test did */
    assert_true(d_outer < 60LL * 1000000000);
    json_decref(all);
}

static void span_ids_are_never_zero_and_never_repeat(void **state) {
    (void)state;
    enum { N = 2000 };
    beacon_span_id *ids = calloc(N, sizeof *ids);
    beacon_span_id zero;
    memset(&zero, 0, sizeof zero);
    for (int i = 0; i < N; i++) {
        beacon_span_state st;
        beacon_gen_span_start(&st);
        beacon_gen_span_finish(&st);
        ids[i] = st.span_id;
        assert_memory_not_equal(&ids[i], &zero, sizeof zero);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) assert_memory_not_equal(&ids[i], &ids[j], sizeof zero);
    free(ids);
}

static void context_fields_clear_removes_them(void **state) {
    (void)state;
    assert_int_equal(prv_context_set_ctx_plain("p"), BEACON_OK);
    assert_int_equal(prv_context_set_ctx_tenant(7), BEACON_OK);
    prv_work_note ev = prv_work_note_make(1);
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    prv_context_clear();
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    json_t *all = events();
    json_t *ctx = json_object_get(json_array_get(all, 0), "context");
    assert_string_equal(json_string_value(json_object_get(ctx, "ctx_plain")), "p");
    assert_int_equal(json_integer_value(json_object_get(ctx, "ctx_tenant")), 7);
    assert_null(json_object_get(json_array_get(all, 1), "context"));
    json_decref(all);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(begin_then_follows_on_two_threads_share_one_trace),
        T(begin_events_get_distinct_nonzero_traces),
        T(pushed_context_gives_trace_and_parent_to_events),
        T(current_reports_the_innermost_context),
        T(push_rejects_null_and_zero_trace),
        T(push_beyond_the_stack_is_refused),
        T(context_handed_to_another_thread_continues_the_span),
        T(traceparent_is_continued_by_events_and_spans),
        T(invalid_traceparent_pushes_nothing),
        T(spans_nest_and_events_name_their_span_as_parent),
        T(span_durations_are_monotonic_and_plausible),
        T(span_ids_are_never_zero_and_never_repeat),
        T(context_fields_clear_removes_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
