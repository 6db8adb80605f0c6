/* test_emit.c — beacon_gen_emit end to end through a file sink: lifecycle
 * status codes, NDJSON output, ids and correlation, validation, sampling,
 * the run-time switch and the accounting invariants.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <beacon/beacon_gen_inline.h>

#include "handmade_events.h"
#include "tfx_events.h"
#include "fixture_support.h"

typedef struct tfx_ctx {
    char *dir;
    char *file;
    char *spec;
} tfx_ctx;

static int setup(void **state) {
    tfx_ctx *c = calloc(1, sizeof *c);
    ts_reset_runtime();
    c->dir = ts_mkdtemp();
    c->file = ts_path(c->dir, "events.ndjson");
    size_t n = strlen(c->file) + 8;
    c->spec = malloc(n);
    snprintf(c->spec, n, "file:%s", c->file);
    *state = c;
    return 0;
}

static int teardown(void **state) {
    tfx_ctx *c = *state;
    ts_reset_runtime();
    free(c->file);
    free(c->spec);
    ts_rmdir(c->dir);
    free(c);
    return 0;
}

static beacon_counters totals(void) {
    beacon_counters t;
    assert_int_equal(beacon_stats(&t, NULL, 0, NULL), BEACON_OK);
    return t;
}

static const char *const k_tags[] = {"a"};
static const int64_t k_nums[] = {1};

static tfx_everything good_event(void) {
    return tfx_everything_make(false, 3, 5, 0.5, "nm", 1, 2, TFX_COLOR_RED, k_tags, 1, k_nums, 1);
}

/* Must run first: the runtime has never been initialised yet. */
static void emit_before_init_is_a_counted_no_op(void **state) {
    (void)state;
    beacon_counters before = totals();
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_ERR_NOT_INITIALIZED);
    assert_int_equal(beacon_flush(10), BEACON_ERR_NOT_INITIALIZED);
    assert_int_equal(beacon_shutdown(10), BEACON_ERR_NOT_INITIALIZED);
    beacon_counters after = totals();
    assert_int_equal(after.emitted - before.emitted, 1);
    assert_int_equal(after.dropped_shutdown - before.dropped_shutdown, 1);
    ts_assert_balanced(&after);
}

static void emit_after_shutdown_is_a_counted_no_op(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    assert_int_equal(beacon_shutdown(1000), BEACON_OK);
    beacon_counters before = totals();
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_ERR_SHUT_DOWN);
    assert_int_equal(beacon_flush(10), BEACON_ERR_SHUT_DOWN);
    assert_int_equal(beacon_shutdown(10), BEACON_ERR_SHUT_DOWN);
    beacon_counters after = totals();
    assert_int_equal(after.dropped_shutdown - before.dropped_shutdown, 1);
    json_t *lines = ts_read_ndjson(c->file);
    assert_int_equal(json_array_size(lines), 0);
    json_decref(lines);
}

static void second_init_is_rejected_and_frees_options(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    beacon_options *o = beacon_options_new();
    beacon_options_set_service(o, "svc", "1");
    assert_int_equal(beacon_init(o),
                     BEACON_ERR_ALREADY_INITIALIZED); /* leak checkers verify the free */
    assert_int_equal(beacon_init(NULL), BEACON_ERR_ALREADY_INITIALIZED);
}

static void init_works_again_after_shutdown(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    assert_int_equal(beacon_shutdown(1000), BEACON_OK);
    ts_init_with_sinks(c->spec);
    tfx_plain ev = tfx_plain_make(2);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(1000), BEACON_OK);
    json_t *lines = ts_read_ndjson(c->file);
    assert_int_equal(json_array_size(lines), 1);
    json_decref(lines);
}

static int is_lower_hex(const char *s, size_t n) {
    if (!s || strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    }
    return 1;
}

static void file_sink_gets_one_json_line_per_event(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_everything ev = good_event();
    tfx_plain p = tfx_plain_make(4);
    assert_int_equal(tfx_everything_emit(&ev), BEACON_OK);
    assert_int_equal(tfx_plain_emit(&p), BEACON_OK);
    assert_int_equal(beacon_shutdown(1000), BEACON_OK);
    json_t *lines = ts_read_ndjson(c->file);
    assert_int_equal(json_array_size(lines), 2);
    json_t *a = json_array_get(lines, 0), *b = json_array_get(lines, 1);
    assert_string_equal(json_string_value(json_object_get(a, "event")), "everything");
    assert_string_equal(json_string_value(json_object_get(b, "event")), "plain");
    assert_string_equal(json_string_value(json_object_get(b, "level")), "debug");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(b, "data"), "n")), 4);
    const char *t = json_string_value(json_object_get(b, "time"));
    assert_non_null(t);
    assert_int_equal(strlen(t), 30);
    assert_int_equal(t[29], 'Z');
    assert_true(is_lower_hex(json_string_value(json_object_get(a, "id")), 32));
    assert_string_not_equal(json_string_value(json_object_get(a, "id")),
                            json_string_value(json_object_get(b, "id")));
    assert_null(json_object_get(b, "trace_id"));
    json_decref(lines);
}

static void explicit_time_in_header_is_kept(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_plain p = tfx_plain_make(1);
    p.hdr.time_ns = 1795325400123456789LL;
    assert_int_equal(tfx_plain_emit(&p), BEACON_OK);
    json_t *lines = ts_read_ndjson(c->file);
    assert_string_equal(json_string_value(json_object_get(json_array_get(lines, 0), "time")),
                        "2026-11-22T05:30:00.123456789Z");
    json_decref(lines);
}

static void begin_event_returns_a_new_nonzero_trace(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    beacon_lifecycle t1, t2;
    tfx_upload_begin b = tfx_upload_begin_make("x");
    assert_int_equal(tfx_upload_begin_emit(&b, &t1), BEACON_OK);
    assert_int_equal(tfx_upload_begin_emit(&b, &t2), BEACON_OK);
    beacon_trace_id zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_not_equal(&t1.trace_id, &zero, sizeof zero);
    assert_memory_not_equal(&t1.trace_id, &t2.trace_id, sizeof zero);
    json_t *lines = ts_read_ndjson(c->file);
    const char *hex = json_string_value(json_object_get(json_array_get(lines, 0), "trace_id"));
    assert_true(is_lower_hex(hex, 32));
    char want[33];
    for (int i = 0; i < 16; i++) snprintf(want + 2 * i, 3, "%02x", t1.trace_id.bytes[i]);
    assert_string_equal(hex, want);
    json_decref(lines);
}

static void follow_event_carries_the_begin_trace(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    beacon_lifecycle t;
    tfx_upload_begin b = tfx_upload_begin_make("x");
    assert_int_equal(tfx_upload_begin_emit(&b, &t), BEACON_OK);
    tfx_upload_step s = tfx_upload_step_make(t, 1);
    assert_int_equal(tfx_upload_step_emit(&s), BEACON_OK);
    json_t *lines = ts_read_ndjson(c->file);
    assert_int_equal(json_array_size(lines), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(lines, 0), "trace_id")),
                        json_string_value(json_object_get(json_array_get(lines, 1), "trace_id")));
    json_decref(lines);
}

static void rejected_begin_event_returns_zero_trace(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    beacon_set_enabled(false);
    beacon_lifecycle t;
    memset(&t, 0x55, sizeof t);
    tfx_upload_begin b = tfx_upload_begin_make("x");
    assert_int_equal(tfx_upload_begin_emit(&b, &t), BEACON_ERR_DISABLED);
    beacon_lifecycle zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&t, &zero, sizeof t);
}

/* Emits ev, expects BEACON_ERR_INVALID_EVENT, no output, one dropped_invalid. */
static void assert_rejected(tfx_ctx *c, const tfx_everything *ev) {
    beacon_counters before = ts_sink_counters(0);
    assert_int_equal(tfx_everything_emit(ev), BEACON_ERR_INVALID_EVENT);
    beacon_counters after = ts_sink_counters(0);
    assert_int_equal(after.dropped_invalid - before.dropped_invalid, 1);
    assert_int_equal(after.delivered, before.delivered);
    json_t *lines = ts_read_ndjson(c->file);
    assert_int_equal(json_array_size(lines), 0);
    json_decref(lines);
}

static void null_required_string_is_rejected(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_everything ev = good_event();
    ev.name = NULL;
    assert_rejected(c, &ev);
}

static void int_outside_min_max_is_rejected(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_everything ev = good_event();
    ev.count = 11;
    assert_rejected(c, &ev);
    ev.count = -1;
    assert_rejected(c, &ev);
}

static void uint_above_max_is_rejected(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_everything ev = good_event();
    ev.size = 1001;
    assert_rejected(c, &ev);
}

static void double_outside_bounds_or_nan_is_rejected(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_everything ev = good_event();
    ev.ratio = 1.5;
    assert_rejected(c, &ev);
    ev.ratio = NAN;
    assert_rejected(c, &ev);
}

static void enum_out_of_range_is_rejected(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_everything ev = good_event();
    ev.color = (tfx_color)3;
    assert_rejected(c, &ev);
    ev.color = (tfx_color)-1;
    assert_rejected(c, &ev);
}

static void list_element_outside_bounds_is_rejected(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    const int64_t nums[] = {0, 6};
    tfx_everything ev = good_event();
    ev.nums = nums;
    ev.nums_count = 2;
    assert_rejected(c, &ev);
    tfx_color bad[] = {TFX_COLOR_RED, (tfx_color)9};
    ev = good_event();
    tfx_everything_set_colors(&ev, bad, 2);
    assert_rejected(c, &ev);
}

static void null_items_with_nonzero_count_are_rejected(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_everything ev = good_event();
    ev.tags = NULL;
    ev.tags_count = 2;
    assert_rejected(c, &ev);
    /* An optional list or attributes field with no items array is absent
     * whatever its count says. */
    ev = good_event();
    tfx_everything_set_extra(&ev, NULL, 1);
    assert_int_equal(tfx_everything_emit(&ev), BEACON_OK);
    json_t *lines = ts_read_ndjson(c->file);
    assert_int_equal(json_array_size(lines), 1);
    assert_null(json_object_get(json_object_get(json_array_get(lines, 0), "data"), "extra"));
    json_decref(lines);
}

static void attribute_with_null_key_is_rejected(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    beacon_attr extra[] = {beacon_attr_int(NULL, 1)};
    tfx_everything ev = good_event();
    tfx_everything_set_extra(&ev, extra, 1);
    assert_rejected(c, &ev);
}

static void optional_null_string_is_accepted(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_everything ev = good_event();
    tfx_everything_set_note(&ev, NULL);
    assert_int_equal(tfx_everything_emit(&ev), BEACON_OK);
}

static void init_with_capture(tfx_ctx *c, ts_diag_captured *cap) {
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, c->spec), BEACON_OK);
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, cap);
    assert_int_equal(beacon_init(o), BEACON_OK);
}

static void invalid_event_diagnostic_names_event_field_and_bound(void **state) {
    tfx_ctx *c = *state;
    ts_diag_captured cap = {0};
    init_with_capture(c, &cap);
    tfx_plain ev = tfx_plain_make(12);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_ERR_INVALID_EVENT);
    assert_int_equal(cap.calls, 1);
    assert_int_equal(cap.code, BEACON_ERR_INVALID_EVENT);
    assert_string_equal(cap.last, "plain: field 'n' = 12 is above max 10");
}

static void invalid_event_diagnostic_hides_pii_values(void **state) {
    tfx_ctx *c = *state;
    ts_diag_captured cap = {0};
    init_with_capture(c, &cap);
    hm_secret_number ev = hm_secret_number_make(987654);
    assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_ERR_INVALID_EVENT);
    assert_int_equal(cap.calls, 1);
    assert_null(strstr(cap.last, "987654"));
    assert_string_equal(cap.last, "secret_number: field 'n' is above max 10");
}

static void list_diagnostic_names_the_element(void **state) {
    tfx_ctx *c = *state;
    ts_diag_captured cap = {0};
    init_with_capture(c, &cap);
    const int64_t nums[] = {0, 1, -9};
    tfx_everything ev = good_event();
    ev.nums = nums;
    ev.nums_count = 3;
    assert_int_equal(tfx_everything_emit(&ev), BEACON_ERR_INVALID_EVENT);
    assert_string_equal(cap.last, "everything: field 'nums'[2] = -9 is below min -5");
}

static void sample_rate_zero_drops_every_event(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    for (int i = 0; i < 100; i++) {
        tfx_sampled ev = tfx_sampled_make(1);
        assert_int_equal(tfx_sampled_emit(&ev), BEACON_ERR_SAMPLED_OUT);
    }
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(s.emitted, 100);
    assert_int_equal(s.dropped_sampled, 100);
    json_t *lines = ts_read_ndjson(c->file);
    assert_int_equal(json_array_size(lines), 0);
    json_decref(lines);
}

static void disabled_emit_is_counted_as_filtered(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    beacon_set_enabled(false);
    assert_false(beacon_is_enabled());
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_ERR_DISABLED);
    beacon_set_enabled(true);
    assert_true(beacon_is_enabled());
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(s.dropped_filtered, 1);
    assert_int_equal(s.delivered, 1);
}

static void options_can_start_disabled(void **state) {
    tfx_ctx *c = *state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, c->spec), BEACON_OK);
    beacon_options_set_enabled(o, false);
    assert_int_equal(beacon_init(o), BEACON_OK);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_ERR_DISABLED);
}

static void kill_switch_env_overrides_code(void **state) {
    tfx_ctx *c = *state;
    setenv("BEACON_DISABLED", "1", 1);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, c->spec), BEACON_OK);
    beacon_options_set_enabled(o, true);
    assert_int_equal(beacon_init(o), BEACON_OK);
    beacon_set_enabled(true);
    assert_false(beacon_is_enabled());
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_ERR_DISABLED);
    json_t *lines = ts_read_ndjson(c->file);
    assert_int_equal(json_array_size(lines), 0);
    json_decref(lines);
}

static void emitted_event_records_max_items_truncation(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    const char *tags[] = {"a", "b", "c", "d"};
    tfx_everything ev = good_event();
    ev.tags = tags;
    ev.tags_count = 4;
    assert_int_equal(tfx_everything_emit(&ev), BEACON_OK);
    json_t *lines = ts_read_ndjson(c->file);
    json_t *e = json_array_get(lines, 0);
    assert_int_equal(json_array_size(json_object_get(json_object_get(e, "data"), "tags")), 3);
    assert_string_equal(json_string_value(json_array_get(json_object_get(e, "truncated"), 0)),
                        "tags");
    json_decref(lines);
}

static void null_event_is_an_invalid_argument(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    assert_int_equal(beacon_gen_emit(NULL, NULL), BEACON_ERR_INVALID_ARGUMENT);
    beacon_event_hdr h;
    memset(&h, 0, sizeof h);
    assert_int_equal(beacon_gen_emit(&h, NULL), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(ts_sink_counters(0).emitted, 0);
}

static void every_event_lands_in_exactly_one_counter_per_sink(void **state) {
    tfx_ctx *c = *state;
    char *bad = ts_path(c->dir, "missing-dir/x.ndjson");
    char specs[1024];
    snprintf(specs, sizeof specs, "%s;file:%s", c->spec, bad);
    beacon_counters t0 = totals();
    ts_init_with_sinks(specs);
    tfx_plain ok = tfx_plain_make(1), invalid = tfx_plain_make(99);
    tfx_sampled sampled = tfx_sampled_make(1);
    for (int i = 0; i < 5; i++) tfx_plain_emit(&ok);
    for (int i = 0; i < 3; i++) tfx_plain_emit(&invalid);
    for (int i = 0; i < 4; i++) tfx_sampled_emit(&sampled);
    beacon_set_enabled(false);
    tfx_plain_emit(&ok);
    beacon_set_enabled(true);
    assert_int_equal(beacon_flush(1000), BEACON_OK);

    beacon_sink_stats s[2];
    size_t n = 0;
    beacon_counters t1;
    assert_int_equal(beacon_stats(&t1, s, 2, &n), BEACON_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < 2; i++) {
        ts_assert_balanced(&s[i].counters);
        assert_int_equal(s[i].counters.emitted, 13);
        assert_int_equal(s[i].counters.dropped_invalid, 3);
        assert_int_equal(s[i].counters.dropped_sampled, 4);
        assert_int_equal(s[i].counters.dropped_filtered, 1);
    }
    assert_string_equal(s[0].spec, c->spec);
    assert_int_equal(s[0].counters.delivered, 5);
    assert_int_equal(s[1].counters.dropped_sink_error, 5);
    ts_assert_balanced(&t1);
    assert_int_equal(t1.emitted - t0.emitted, 13);
    assert_int_equal(t1.dropped_sink_error - t0.dropped_sink_error, 5); /* one sink failed each */
    free(bad);
}

static void stats_json_parses_and_matches_stats(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    tfx_plain ok = tfx_plain_make(1);
    tfx_plain_emit(&ok);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    char buf[4096];
    size_t need = 0;
    assert_int_equal(beacon_stats_json(buf, sizeof buf, &need), BEACON_OK);
    assert_int_equal(strlen(buf), need);
    json_t *j = ts_parse(buf);
    json_t *total = json_object_get(j, "total");
    const char *names[] = {"emitted",          "delivered",         "dropped_queue_full",
                           "dropped_sampled",  "dropped_filtered",  "dropped_invalid",
                           "dropped_shutdown", "dropped_sink_error"};
    for (size_t i = 0; i < 8; i++) assert_true(json_is_integer(json_object_get(total, names[i])));
    json_t *sinks = json_object_get(j, "sinks");
    assert_int_equal(json_array_size(sinks), 1);
    json_t *s0 = json_array_get(sinks, 0);
    assert_string_equal(json_string_value(json_object_get(s0, "spec")), c->spec);
    assert_int_equal(json_integer_value(json_object_get(s0, "emitted")), 1);
    assert_int_equal(json_integer_value(json_object_get(s0, "delivered")), 1);
    beacon_counters t = totals();
    assert_int_equal(json_integer_value(json_object_get(total, "emitted")), (json_int_t)t.emitted);
    json_decref(j);
}

static void stats_json_reports_size_when_buffer_is_small(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    size_t need = 0;
    assert_int_equal(beacon_stats_json(NULL, 0, &need), BEACON_ERR_INVALID_ARGUMENT);
    assert_true(need > 20);
    char small[10];
    assert_int_equal(beacon_stats_json(small, sizeof small, NULL), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(strlen(small), 9);
    char *buf = malloc(need + 1);
    assert_int_equal(beacon_stats_json(buf, need + 1, NULL), BEACON_OK);
    json_decref(ts_parse(buf));
    free(buf);
}

/* A descriptor generated for another ABI is refused on every emit, also
 * after the first (the check lives on the path that caches sampling state,
 * which such a descriptor never reaches), and counted as invalid. */
static void descriptor_of_another_abi_is_refused_every_time(void **state) {
    (void)state;
    const beacon_event_desc *other_abi = hm_plain_desc_of_abi(BEACON_GEN_ABI + 1);
    ts_init_with_sinks("capture");
    beacon_counters before;
    assert_int_equal(beacon_stats(&before, NULL, 0, NULL), BEACON_OK);
    tfx_plain ev = tfx_plain_make(1);
    ev.hdr.desc = other_abi;
    for (int i = 0; i < 3; i++) assert_int_equal(tfx_plain_emit(&ev), BEACON_ERR_ABI);
    ev.hdr.desc = &tfx_plain_desc;
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    beacon_counters after;
    assert_int_equal(beacon_stats(&after, NULL, 0, NULL), BEACON_OK);
    assert_int_equal(after.dropped_invalid - before.dropped_invalid, 3);
    assert_int_equal(after.delivered - before.delivered, 1);
}

/* Code generated for ABI 1 passes beacon_gen_reserve a 24-byte slot
 * {ring, ring_bytes, status}: it gets BEACON_ERR_ABI there, counted as
 * invalid, and nothing past those 24 bytes is written. */
static void abi_1_code_gets_its_status_in_its_own_slot(void **state) {
    (void)state;
    const beacon_event_desc *abi_1 = hm_plain_desc_of_abi(1);
    ts_init_with_sinks("capture");
    struct {
        void *ring;
        size_t ring_bytes;
        beacon_status status;
        unsigned char after[sizeof(beacon_gen_slot)]; /* the caller's other locals */
    } frame;
    memset(&frame, 0xA5, sizeof frame);
    tfx_plain ev = tfx_plain_make(1);
    ev.hdr.desc = abi_1;
    assert_null(beacon_gen_reserve(&ev.hdr, 4096, (beacon_gen_slot *)(void *)&frame, NULL));
    assert_int_equal(frame.status, BEACON_ERR_ABI);
    assert_null(frame.ring);
    for (size_t i = 0; i < sizeof frame.after; i++) assert_int_equal(frame.after[i], 0xA5);
}

static void status_strings_are_never_null(void **state) {
    (void)state;
    for (int i = 0; i <= BEACON_STATUS_COUNT_ + 1; i++)
        assert_non_null(beacon_status_str((beacon_status)i));
    assert_string_equal(beacon_status_str((beacon_status)999), "unknown status");
    assert_int_equal(beacon_gen_abi(), BEACON_GEN_ABI);
}

static void *emit_many(void *arg) {
    int n = *(const int *)arg;
    tfx_plain ok = tfx_plain_make(1), invalid = tfx_plain_make(99);
    for (int i = 0; i < n; i++) tfx_plain_emit(i % 10 == 0 ? &invalid : &ok);
    return NULL;
}

static void concurrent_emits_are_all_accounted(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    enum { THREADS = 4 };
    int per_thread = 500;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, emit_many, &per_thread), 0);
    for (int i = 0; i < 20; i++) {
        /* Events in flight are in no outcome yet, but never in two. */
        beacon_sink_stats st[1];
        size_t n = 0;
        assert_int_equal(beacon_stats(NULL, st, 1, &n), BEACON_OK);
        const beacon_counters *s = &st[0].counters;
        assert_true(s->delivered + s->dropped_invalid + s->dropped_queue_full +
                        s->dropped_sink_error <=
                    s->emitted);
    }
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(s.emitted, THREADS * per_thread);
    assert_int_equal(s.dropped_invalid, THREADS * per_thread / 10);
    ts_assert_balanced(&s);
    beacon_shutdown(1000);
    json_t *lines = ts_read_ndjson(c->file); /* every line whole */
    assert_int_equal(json_array_size(lines), s.delivered);
    json_decref(lines);
}

static void emits_racing_shutdown_are_all_accounted(void **state) {
    tfx_ctx *c = *state;
    ts_init_with_sinks(c->spec);
    beacon_counters before = totals();
    int per_thread = 300;
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, emit_many, &per_thread), 0);
    beacon_shutdown(1000);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    beacon_counters after = totals();
    assert_int_equal(after.emitted - before.emitted, 2 * per_thread);
    ts_assert_balanced(&after);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(emit_before_init_is_a_counted_no_op),
        T(emit_after_shutdown_is_a_counted_no_op),
        T(second_init_is_rejected_and_frees_options),
        T(init_works_again_after_shutdown),
        T(file_sink_gets_one_json_line_per_event),
        T(explicit_time_in_header_is_kept),
        T(begin_event_returns_a_new_nonzero_trace),
        T(follow_event_carries_the_begin_trace),
        T(rejected_begin_event_returns_zero_trace),
        T(null_required_string_is_rejected),
        T(int_outside_min_max_is_rejected),
        T(uint_above_max_is_rejected),
        T(double_outside_bounds_or_nan_is_rejected),
        T(enum_out_of_range_is_rejected),
        T(list_element_outside_bounds_is_rejected),
        T(null_items_with_nonzero_count_are_rejected),
        T(attribute_with_null_key_is_rejected),
        T(optional_null_string_is_accepted),
        T(invalid_event_diagnostic_names_event_field_and_bound),
        T(invalid_event_diagnostic_hides_pii_values),
        T(list_diagnostic_names_the_element),
        T(sample_rate_zero_drops_every_event),
        T(disabled_emit_is_counted_as_filtered),
        T(options_can_start_disabled),
        T(kill_switch_env_overrides_code),
        T(emitted_event_records_max_items_truncation),
        T(null_event_is_an_invalid_argument),
        T(every_event_lands_in_exactly_one_counter_per_sink),
        T(stats_json_parses_and_matches_stats),
        T(stats_json_reports_size_when_buffer_is_small),
        T(descriptor_of_another_abi_is_refused_every_time),
        T(abi_1_code_gets_its_status_in_its_own_slot),
        T(status_strings_are_never_null),
        T(concurrent_emits_are_all_accounted),
        T(emits_racing_shutdown_are_all_accounted),
    };
    return cmocka_run_group_tests_name("emit", tests, NULL, NULL);
}
