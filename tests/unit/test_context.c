/* test_context.c — per-thread context fields (generated setters and
 * beacon_gen_context_set/clear) and spans (beacon_gen_span_start/finish):
 * what appears under "context", how trace_id / span_id / parent_span_id
 * chain through nested spans, and context set from a thread-exit destructor
 * that runs after beacon's own.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "fx_context.h"
#include "tfx_events.h"
#include "fixture_support.h"

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
    beacon_gen_context_clear(&tfx_catalog);
    ts_reset_runtime();
    free(g_file);
    ts_rmdir(g_dir);
    return 0;
}

/* Emits one fx.plain and returns the parsed line (caller decrefs). */
static json_t *emit_and_read_last(void) {
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    size_t n = json_array_size(lines);
    assert_true(n > 0);
    json_t *last = json_incref(json_array_get(lines, n - 1));
    json_decref(lines);
    return last;
}

static void set_str(uint32_t index, const char *s) {
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, index, &s), BEACON_OK);
}

static void context_fields_appear_in_events(void **state) {
    (void)state;
    int64_t tenant = 42;
    int mode = TFX_COLOR_BLUE;
    double weight = 0.5;
    set_str(TFX_CTX_REQUEST_ID, "req-1");
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_TENANT, &tenant), BEACON_OK);
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_MODE, &mode), BEACON_OK);
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_WEIGHT, &weight), BEACON_OK);
    json_t *e = emit_and_read_last();
    json_t *ctx = json_object_get(e, "context");
    assert_true(json_is_object(ctx));
    assert_int_equal(json_object_size(ctx), 4);
    assert_string_equal(json_string_value(json_object_get(ctx, "request_id")), "req-1");
    assert_int_equal(json_integer_value(json_object_get(ctx, "tenant")), 42);
    assert_string_equal(json_string_value(json_object_get(ctx, "mode")), "blue");
    assert_true(json_number_value(json_object_get(ctx, "weight")) == 0.5);
    json_decref(e);
}

static void context_comes_before_data(void **state) {
    (void)state;
    set_str(TFX_CTX_REQUEST_ID, "r");
    tfx_plain ev = tfx_plain_make(1);
    tfx_plain_emit(&ev);
    char *text = ts_read_file(g_file);
    char *c = strstr(text, "\"context\":");
    char *d = strstr(text, "\"data\":");
    assert_non_null(c);
    assert_non_null(d);
    assert_true(c < d);
    free(text);
}

static void unkeyed_hashed_context_field_is_redacted(void **state) {
    (void)state;
    set_str(TFX_CTX_USER_EMAIL, "person@example.com");
    json_t *e = emit_and_read_last();
    json_t *ctx = json_object_get(e, "context");
    assert_string_equal(json_string_value(json_object_get(ctx, "user_email")), "[REDACTED]");
    json_decref(e);
    char *text = ts_read_file(g_file);
    assert_null(strstr(text, "person@example.com"));
    free(text);
}

static void clear_removes_every_context_field(void **state) {
    (void)state;
    set_str(TFX_CTX_REQUEST_ID, "r");
    beacon_gen_context_clear(&tfx_catalog);
    json_t *e = emit_and_read_last();
    assert_null(json_object_get(e, "context"));
    json_decref(e);
}

static void null_value_unsets_one_field(void **state) {
    (void)state;
    int64_t tenant = 1;
    set_str(TFX_CTX_REQUEST_ID, "r");
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_TENANT, &tenant), BEACON_OK);
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_REQUEST_ID, NULL), BEACON_OK);
    const char *null_str = NULL;
    json_t *e = emit_and_read_last();
    json_t *ctx = json_object_get(e, "context");
    assert_null(json_object_get(ctx, "request_id"));
    assert_int_equal(json_integer_value(json_object_get(ctx, "tenant")), 1);
    json_decref(e);
    set_str(TFX_CTX_REQUEST_ID, "x");
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_REQUEST_ID, &null_str),
                     BEACON_OK);
    e = emit_and_read_last();
    assert_null(json_object_get(json_object_get(e, "context"), "request_id"));
    json_decref(e);
}

static void context_string_is_copied(void **state) {
    (void)state;
    char buf[16] = "original";
    const char *p = buf;
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_REQUEST_ID, &p), BEACON_OK);
    strcpy(buf, "changed");
    json_t *e = emit_and_read_last();
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(e, "context"), "request_id")),
        "original");
    json_decref(e);
}

static void long_context_string_is_cut_and_marked(void **state) {
    (void)state;
    set_str(TFX_CTX_REQUEST_ID, "0123456789abcdefXYZ");
    json_t *e = emit_and_read_last();
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(e, "context"), "request_id")),
        "0123456789abcdef");
    json_t *t = json_object_get(e, "truncated");
    assert_int_equal(json_array_size(t), 1);
    assert_string_equal(json_string_value(json_array_get(t, 0)), "context.request_id");
    json_decref(e);
}

static void context_positions_match_the_catalog(void **state) {
    (void)state;
    assert_int_equal(tfx_catalog.context_count, 5);
    assert_string_equal(tfx_catalog.context[TFX_CTX_REQUEST_ID].name, "request_id");
    assert_string_equal(tfx_catalog.context[TFX_CTX_TENANT].name, "tenant");
    assert_string_equal(tfx_catalog.context[TFX_CTX_USER_EMAIL].name, "user_email");
    assert_string_equal(tfx_catalog.context[TFX_CTX_MODE].name, "mode");
    assert_string_equal(tfx_catalog.context[TFX_CTX_WEIGHT].name, "weight");
}

static void bad_context_arguments_are_rejected(void **state) {
    (void)state;
    int64_t v = 1;
    int bad_mode = 5;
    assert_int_equal(beacon_gen_context_set(NULL, 0, &v), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, 99, &v), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_MODE, &bad_mode),
                     BEACON_ERR_INVALID_ARGUMENT);
}

static void refused_context_value_is_reported_naming_field_and_rule(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_diag_captured cap = {0};
    beacon_options *o = beacon_options_new();
    assert_non_null(o);
    assert_int_equal(beacon_options_set_sinks(o, "capture:ctx_rule"), BEACON_OK);
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, &cap);
    assert_int_equal(beacon_init(o), BEACON_OK);
    int bad_mode = 5;
    assert_int_equal(beacon_gen_context_set(&tfx_catalog, TFX_CTX_MODE, &bad_mode),
                     BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(cap.calls, 1);
    assert_int_equal(cap.code, BEACON_ERR_INVALID_ARGUMENT);
    assert_string_equal(cap.last, "context: field 'mode' = 5 is not a value of enum color");
    ts_reset_runtime();
}

static void *emit_from_other_thread(void *arg) {
    (void)arg;
    tfx_plain ev = tfx_plain_make(2);
    tfx_plain_emit(&ev);
    return NULL;
}

static void context_is_per_thread(void **state) {
    (void)state;
    set_str(TFX_CTX_REQUEST_ID, "mine");
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, emit_from_other_thread, NULL), 0);
    pthread_join(t, NULL);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    assert_int_equal(json_array_size(lines), 2);
    /* The worker drains the two threads' rings in either order: each event
     * is told by its n (1 from this thread, 2 from the other). */
    for (size_t i = 0; i < 2; i++) {
        json_t *e = json_array_get(lines, i);
        json_int_t n = json_integer_value(json_object_get(json_object_get(e, "data"), "n"));
        json_t *ctx = json_object_get(e, "context");
        if (n == 2) {
            assert_null(ctx);
        } else {
            assert_int_equal(n, 1);
            assert_string_equal(json_string_value(json_object_get(ctx, "request_id")), "mine");
        }
    }
    json_decref(lines);
}

static void *set_context_and_exit(void *arg) {
    (void)arg;
    const char *s = "thread-local";
    int64_t tenant = 9;
    beacon_gen_context_set(&tfx_catalog, TFX_CTX_REQUEST_ID, &s);
    beacon_gen_context_set(&tfx_catalog, TFX_CTX_TENANT, &tenant);
    tfx_plain ev = tfx_plain_make(3);
    return (void *)(intptr_t)tfx_plain_emit(&ev);
}

/* The strings a thread leaves behind are freed by the key destructor; the
 * leak checkers (ASan, valgrind) verify it, this checks the event. */
static void thread_exit_releases_context(void **state) {
    (void)state;
    pthread_t t;
    void *rc;
    assert_int_equal(pthread_create(&t, NULL, set_context_and_exit, NULL), 0);
    pthread_join(t, &rc);
    assert_int_equal((intptr_t)rc, BEACON_OK);
    json_t *lines = ts_read_ndjson(g_file);
    json_t *ctx = json_object_get(json_array_get(lines, 0), "context");
    assert_string_equal(json_string_value(json_object_get(ctx, "request_id")), "thread-local");
    json_decref(lines);
}

static void span_start_sets_ids_and_finish_measures(void **state) {
    (void)state;
    beacon_span_state st;
    memset(&st, 0xEE, sizeof st); /* generated code may pass uninitialised memory */
    beacon_gen_span_start(&st);
    beacon_span_id zero_span;
    beacon_trace_id zero_trace;
    memset(&zero_span, 0, sizeof zero_span);
    memset(&zero_trace, 0, sizeof zero_trace);
    assert_memory_not_equal(&st.trace_id, &zero_trace, sizeof zero_trace);
    assert_memory_not_equal(&st.span_id, &zero_span, sizeof zero_span);
    assert_memory_equal(&st.parent_span_id, &zero_span, sizeof zero_span);
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, NULL);
    int64_t d = beacon_gen_span_finish(&st);
    assert_true(d >= 2000000);
    assert_int_equal(beacon_gen_span_finish(&st), d);
}

static void null_span_state_is_ignored(void **state) {
    (void)state;
    beacon_gen_span_start(NULL);
    assert_int_equal(beacon_gen_span_finish(NULL), 0);
}

static const char *str_at(json_t *lines, size_t i, const char *key) {
    return json_string_value(json_object_get(json_array_get(lines, i), key));
}

static void events_inside_a_span_join_its_trace(void **state) {
    (void)state;
    tfx_op_span op = tfx_op_begin("outer");
    tfx_plain ev = tfx_plain_make(1);
    tfx_plain_emit(&ev);
    assert_int_equal(tfx_op_end(&op), BEACON_OK);
    tfx_plain_emit(&ev); /* after the span: no trace */

    json_t *lines = ts_read_ndjson(g_file);
    assert_int_equal(json_array_size(lines), 4);
    const char *trace = str_at(lines, 0, "trace_id");
    const char *span = str_at(lines, 0, "span_id");
    assert_non_null(trace);
    assert_non_null(span);
    assert_null(str_at(lines, 0, "parent_span_id"));
    assert_string_equal(str_at(lines, 1, "trace_id"), trace);
    assert_string_equal(str_at(lines, 1, "parent_span_id"), span);
    assert_null(str_at(lines, 1, "span_id"));
    assert_string_equal(str_at(lines, 2, "event"), "op.stop");
    assert_string_equal(str_at(lines, 2, "span_id"), span);
    assert_null(str_at(lines, 2, "parent_span_id"));
    assert_true(json_integer_value(json_object_get(
                    json_object_get(json_array_get(lines, 2), "data"), "duration_ns")) >= 0);
    assert_null(str_at(lines, 3, "trace_id"));
    assert_null(str_at(lines, 3, "parent_span_id"));
    json_decref(lines);
}

static void nested_spans_chain_parent_ids(void **state) {
    (void)state;
    tfx_op_span outer = tfx_op_begin("outer");
    tfx_op_span inner = tfx_op_begin("inner");
    tfx_plain ev = tfx_plain_make(1);
    tfx_plain_emit(&ev);
    tfx_op_end(&inner);
    tfx_plain_emit(&ev);
    tfx_op_end(&outer);

    json_t *lines = ts_read_ndjson(g_file);
    assert_int_equal(json_array_size(lines), 6);
    const char *trace = str_at(lines, 0, "trace_id");
    for (size_t i = 0; i < 6; i++) assert_string_equal(str_at(lines, i, "trace_id"), trace);
    const char *outer_id = str_at(lines, 0, "span_id");
    const char *inner_id = str_at(lines, 1, "span_id");
    assert_string_not_equal(outer_id, inner_id);
    assert_string_equal(str_at(lines, 1, "parent_span_id"), outer_id); /* inner.start */
    assert_string_equal(str_at(lines, 2, "parent_span_id"), inner_id); /* event inside inner */
    assert_string_equal(str_at(lines, 3, "span_id"), inner_id);        /* inner.stop */
    assert_string_equal(str_at(lines, 4, "parent_span_id"), outer_id); /* event back in outer */
    assert_string_equal(str_at(lines, 5, "span_id"), outer_id);        /* outer.stop */
    json_decref(lines);
}

static void begin_event_inside_a_span_continues_its_trace_as_a_child(void **state) {
    (void)state;
    tfx_op_span op = tfx_op_begin("outer");
    beacon_lifecycle t;
    tfx_upload_begin b = tfx_upload_begin_make("f");
    assert_int_equal(tfx_upload_begin_emit(&b, &t), BEACON_OK);
    assert_memory_equal(&t.trace_id, &op.state.trace_id, sizeof t.trace_id);
    tfx_op_end(&op);
    json_t *lines = ts_read_ndjson(g_file);
    const char *outer_span = str_at(lines, 0, "span_id");
    assert_string_equal(str_at(lines, 1, "parent_span_id"), outer_span);
    assert_string_not_equal(str_at(lines, 1, "span_id"), outer_span);
    char own[17];
    assert_string_equal(str_at(lines, 1, "span_id"), beacon_span_id_to_hex(&t.span_id, own));
    json_decref(lines);
}

static pthread_key_t g_late_key;
static atomic_int g_late_ran, g_late_status;

/* Runs after beacon's own thread-exit destructor (keys are destroyed in
 * creation order), as another library's cleanup would. */
static void late_destructor(void *v) {
    (void)v;
    g_late_status = tfx_context_set_request_id("late");
    tfx_context_clear();
    atomic_store(&g_late_ran, 1);
}

static void *thread_with_context(void *arg) {
    (void)arg;
    assert_int_equal(tfx_context_set_request_id("early"), BEACON_OK);
    pthread_setspecific(g_late_key, (void *)1);
    return NULL;
}

static void context_set_from_a_later_thread_exit_destructor_is_safe(void **state) {
    (void)state;
    /* Makes sure beacon's key exists before ours. */
    assert_int_equal(tfx_context_set_request_id("x"), BEACON_OK);
    tfx_context_clear();
    assert_int_equal(pthread_key_create(&g_late_key, late_destructor), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, thread_with_context, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(atomic_load(&g_late_ran));
    assert_int_equal(atomic_load(&g_late_status), BEACON_OK);
    pthread_key_delete(g_late_key);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(context_fields_appear_in_events),
        T(context_comes_before_data),
        T(unkeyed_hashed_context_field_is_redacted),
        T(clear_removes_every_context_field),
        T(null_value_unsets_one_field),
        T(context_string_is_copied),
        T(long_context_string_is_cut_and_marked),
        T(context_positions_match_the_catalog),
        T(bad_context_arguments_are_rejected),
        T(refused_context_value_is_reported_naming_field_and_rule),
        T(context_is_per_thread),
        T(thread_exit_releases_context),
        T(span_start_sets_ids_and_finish_measures),
        T(null_span_state_is_ignored),
        T(events_inside_a_span_join_its_trace),
        T(nested_spans_chain_parent_ids),
        T(begin_event_inside_a_span_continues_its_trace_as_a_child),
        cmocka_unit_test_setup_teardown(context_set_from_a_later_thread_exit_destructor_is_safe,
                                        ts_reset_fixture, ts_reset_fixture),
    };
    return cmocka_run_group_tests_name("context", tests, NULL, NULL);
}
