/* test_serialize.c — beacon_gen_to_json on the generated fx catalog: key order, every
 * field type, optionals, lists, attributes, PII policies, max_length /
 * max_items cuts recorded in "truncated", and snprintf semantics at every
 * buffer size. Outputs are parsed with jansson (duplicates rejected).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

static const char *const k_tags[] = {"a", "bb"};
static const int64_t k_nums[] = {-5, 0, 5};

static tfx_everything base_event(void) {
    return tfx_everything_make(true, 7, 1000, 0.25, "name", 1795325400123456789LL, 1500,
                               TFX_COLOR_GREEN, k_tags, 2, k_nums, 3);
}

/* Serializes ev and parses it, checking the reported length. */
static json_t *to_json(const beacon_event_hdr *hdr, unsigned flags) {
    char buf[4096];
    size_t n = beacon_gen_to_json(hdr, buf, sizeof buf, flags);
    assert_true(n < sizeof buf);
    assert_int_equal(strlen(buf), n);
    json_error_t err;
    json_t *j = json_loads(buf, JSON_REJECT_DUPLICATES | JSON_PRESERVE_ORDER, &err);
    if (!j) fail_msg("not JSON (%s): %s", err.text, buf);
    return j;
}

static json_t *data_of(json_t *j) {
    json_t *d = json_object_get(j, "data");
    assert_true(json_is_object(d));
    return d;
}

static void assert_str(json_t *obj, const char *key, const char *want) {
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v)) fail_msg("%s is not a string", key);
    assert_string_equal(json_string_value(v), want);
}

static void assert_truncated(json_t *j, const char *const *names, size_t n) {
    json_t *t = json_object_get(j, "truncated");
    if (n == 0) {
        assert_null(t);
        return;
    }
    assert_true(json_is_array(t));
    assert_int_equal(json_array_size(t), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(json_string_value(json_array_get(t, i)), names[i]);
}

static void envelope_keys_come_in_canonical_order(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    ev.hdr.time_ns = 1;
    memset(ev.hdr.trace_id.bytes, 0xab, 16);
    memset(ev.hdr.span_id.bytes, 0x01, 8);
    memset(ev.hdr.parent_span_id.bytes, 0x02, 8);
    json_t *j = to_json(&ev.hdr, 0);
    const char *want[] = {"event",    "time",     "catalog", "version",        "level",
                          "category", "trace_id", "span_id", "parent_span_id", "data"};
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        assert_true(i < sizeof want / sizeof want[0]);
        assert_string_equal(key, want[i++]);
    }
    assert_int_equal(i, sizeof want / sizeof want[0]);
    assert_str(j, "event", "everything");
    assert_str(j, "catalog", "fx");
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 7);
    assert_str(j, "level", "warn");
    assert_str(j, "category", "test");
    assert_str(j, "time", "1970-01-01T00:00:00.000000001Z");
    assert_str(j, "trace_id", "abababababababababababababababab");
    assert_str(j, "span_id", "0101010101010101");
    assert_str(j, "parent_span_id", "0202020202020202");
    json_decref(j);
}

static void zero_time_ids_and_null_category_are_omitted(void **state) {
    (void)state;
    tfx_upload_begin ev = tfx_upload_begin_make("f");
    json_t *j = to_json(&ev.hdr, 0);
    assert_null(json_object_get(j, "time"));
    assert_null(json_object_get(j, "id"));
    assert_null(json_object_get(j, "category"));
    assert_null(json_object_get(j, "trace_id"));
    assert_null(json_object_get(j, "span_id"));
    assert_null(json_object_get(j, "parent_span_id"));
    assert_null(json_object_get(j, "context"));
    assert_null(json_object_get(j, "truncated"));
    json_decref(j);
}

static void every_field_type_is_written(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    json_t *j = to_json(&ev.hdr, 0);
    json_t *d = data_of(j);
    assert_true(json_is_true(json_object_get(d, "flag")));
    assert_int_equal(json_integer_value(json_object_get(d, "count")), 7);
    assert_int_equal(json_integer_value(json_object_get(d, "size")), 1000);
    assert_true(json_real_value(json_object_get(d, "ratio")) == 0.25);
    assert_str(d, "name", "name");
    assert_str(d, "at", "2026-11-22T05:30:00.123456789Z");
    assert_int_equal(json_integer_value(json_object_get(d, "took")), 1500);
    assert_str(d, "color", "green");
    json_t *tags = json_object_get(d, "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "a");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "bb");
    json_t *nums = json_object_get(d, "nums");
    assert_int_equal(json_array_size(nums), 3);
    assert_int_equal(json_integer_value(json_array_get(nums, 0)), -5);
    assert_int_equal(json_integer_value(json_array_get(nums, 2)), 5);
    assert_null(json_object_get(j, "truncated"));
    json_decref(j);
}

static void data_fields_follow_catalog_order(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    tfx_everything_set_opt_ratio(&ev, 0.5);
    tfx_everything_set_note(&ev, "n");
    json_t *j = to_json(&ev.hdr, 0);
    const char *want[] = {"flag", "count", "size", "ratio", "name", "at",
                          "took", "color", "tags", "nums",  "note", "opt_ratio"};
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(data_of(j), key, v) {
        assert_string_equal(key, want[i++]);
    }
    assert_int_equal(i, sizeof want / sizeof want[0]);
    json_decref(j);
}

static void absent_optionals_are_omitted(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    ev.opt_.opt_ratio = 2.5; /* an optional scalar without its presence bit */
    json_t *j = to_json(&ev.hdr, 0);
    json_t *d = data_of(j);
    const char *optional[] = {"extra", "note",        "opt_ratio",    "secret", "hidden",
                              "email", "secret_list", "secret_attrs", "colors", "free_text"};
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++)
        assert_null(json_object_get(d, optional[i]));
    assert_int_equal(json_object_size(d), 10);
    json_decref(j);
}

static void present_optionals_are_written(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    beacon_attr extra[] = {beacon_attr_int("n", -3), beacon_attr_bool("ok", true),
                           beacon_attr_uint("u", 42), beacon_attr_double("d", 1.5),
                           beacon_attr_str("s", "v")};
    tfx_color colors[] = {TFX_COLOR_BLUE, TFX_COLOR_RED};
    tfx_everything_set_extra(&ev, extra, 5);
    tfx_everything_set_note(&ev, "hello");
    tfx_everything_set_opt_ratio(&ev, 2.0);
    tfx_everything_set_colors(&ev, colors, 2);
    json_t *j = to_json(&ev.hdr, 0);
    json_t *d = data_of(j);
    assert_str(d, "note", "hello");
    assert_true(json_number_value(json_object_get(d, "opt_ratio")) == 2.0);
    json_t *x = json_object_get(d, "extra");
    const char *keys[] = {"n", "ok", "u", "d", "s"};
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(x, key, v) {
        assert_string_equal(key, keys[i++]);
    }
    assert_int_equal(i, 5);
    assert_int_equal(json_integer_value(json_object_get(x, "n")), -3);
    assert_true(json_is_true(json_object_get(x, "ok")));
    assert_true(json_number_value(json_object_get(x, "d")) == 1.5);
    assert_str(x, "s", "v");
    json_t *c = json_object_get(d, "colors");
    assert_string_equal(json_string_value(json_array_get(c, 0)), "blue");
    assert_string_equal(json_string_value(json_array_get(c, 1)), "red");
    json_decref(j);
}

static void uint64_max_attribute_is_exact_in_text(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    beacon_attr extra[] = {beacon_attr_uint("u", UINT64_MAX)};
    tfx_everything_set_extra(&ev, extra, 1);
    char buf[2048];
    beacon_gen_to_json(&ev.hdr, buf, sizeof buf, 0);
    assert_non_null(strstr(buf, "\"u\":18446744073709551615"));
}

static void empty_lists_are_empty_arrays(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    ev.tags = NULL;
    ev.tags_count = 0;
    ev.nums_count = 0;
    /* An optional one is present with an items array, even of no items. */
    static const beacon_attr no_attrs[1] = {{0}};
    tfx_everything_set_extra(&ev, no_attrs, 0);
    json_t *j = to_json(&ev.hdr, 0);
    json_t *d = data_of(j);
    assert_true(json_is_array(json_object_get(d, "tags")));
    assert_int_equal(json_array_size(json_object_get(d, "tags")), 0);
    assert_int_equal(json_array_size(json_object_get(d, "nums")), 0);
    assert_true(json_is_object(json_object_get(d, "extra")));
    assert_int_equal(json_object_size(json_object_get(d, "extra")), 0);
    json_decref(j);
}

static void full_list_at_max_items_is_not_truncated(void **state) {
    (void)state;
    const char *tags[] = {"a", "b", "c"};
    tfx_everything ev = base_event();
    ev.tags = tags;
    ev.tags_count = 3;
    json_t *j = to_json(&ev.hdr, 0);
    assert_int_equal(json_array_size(json_object_get(data_of(j), "tags")), 3);
    assert_truncated(j, NULL, 0);
    json_decref(j);
}

static void list_over_max_items_is_cut_and_marked(void **state) {
    (void)state;
    const char *tags[] = {"a", "b", "c", "d", "e"};
    tfx_everything ev = base_event();
    ev.tags = tags;
    ev.tags_count = 5;
    json_t *j = to_json(&ev.hdr, 0);
    json_t *t = json_object_get(data_of(j), "tags");
    assert_int_equal(json_array_size(t), 3);
    assert_string_equal(json_string_value(json_array_get(t, 2)), "c");
    const char *names[] = {"tags"};
    assert_truncated(j, names, 1);
    json_decref(j);
}

static void string_over_max_length_is_cut_on_utf8_boundary(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    ev.name = "abcdefg\xE2\x82\xAC"; /* 10 bytes; the 3-byte euro sign straddles byte 8 */
    json_t *j = to_json(&ev.hdr, 0);
    assert_str(data_of(j), "name", "abcdefg");
    const char *names[] = {"name"};
    assert_truncated(j, names, 1);
    json_decref(j);
}

static void string_at_exactly_max_length_is_kept(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    ev.name = "abcde\xE2\x82\xAC"; /* 8 bytes */
    json_t *j = to_json(&ev.hdr, 0);
    assert_str(data_of(j), "name", "abcde\xE2\x82\xAC");
    assert_truncated(j, NULL, 0);
    json_decref(j);
}

static void list_strings_over_max_length_are_cut(void **state) {
    (void)state;
    const char *tags[] = {"ok", "toolong"};
    tfx_everything ev = base_event();
    ev.tags = tags;
    ev.tags_count = 2;
    json_t *j = to_json(&ev.hdr, 0);
    json_t *t = json_object_get(data_of(j), "tags");
    assert_string_equal(json_string_value(json_array_get(t, 1)), "tool");
    const char *names[] = {"tags"};
    assert_truncated(j, names, 1);
    json_decref(j);
}

static void attribute_values_over_max_length_are_cut(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    beacon_attr extra[] = {beacon_attr_str("k", "1234567890")};
    tfx_everything_set_extra(&ev, extra, 1);
    ev.name = "abcdefghij";
    json_t *j = to_json(&ev.hdr, 0);
    assert_str(json_object_get(data_of(j), "extra"), "k", "123456");
    const char *names[] = {"name", "extra"};
    assert_truncated(j, names, 2);
    json_decref(j);
}

static void duplicate_attribute_keys_keep_the_first(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    beacon_attr extra[] = {beacon_attr_int("k", 1), beacon_attr_int("j", 2),
                           beacon_attr_int("k", 3)};
    tfx_everything_set_extra(&ev, extra, 3);
    json_t *j = to_json(&ev.hdr, 0); /* JSON_REJECT_DUPLICATES inside */
    json_t *x = json_object_get(data_of(j), "extra");
    assert_int_equal(json_object_size(x), 2);
    assert_int_equal(json_integer_value(json_object_get(x, "k")), 1);
    json_decref(j);
}

static void redact_fields_become_placeholder(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    const char *list[] = {"s1", "s2"};
    beacon_attr attrs[] = {beacon_attr_str("a", "x"), beacon_attr_int("b", 5)};
    tfx_everything_set_secret(&ev, "top secret");
    tfx_everything_set_secret_list(&ev, list, 2);
    tfx_everything_set_secret_attrs(&ev, attrs, 2);
    char buf[4096];
    beacon_gen_to_json(&ev.hdr, buf, sizeof buf, 0);
    assert_null(strstr(buf, "top secret"));
    assert_null(strstr(buf, "s1"));
    json_t *j = to_json(&ev.hdr, 0);
    json_t *d = data_of(j);
    assert_str(d, "secret", "[REDACTED]");
    json_t *l = json_object_get(d, "secret_list");
    assert_int_equal(json_array_size(l), 2);
    assert_string_equal(json_string_value(json_array_get(l, 0)), "[REDACTED]");
    assert_string_equal(json_string_value(json_array_get(l, 1)), "[REDACTED]");
    json_t *a = json_object_get(d, "secret_attrs");
    assert_str(a, "a", "[REDACTED]");
    assert_str(a, "b", "[REDACTED]");
    json_decref(j);
}

static void drop_fields_are_omitted_and_unkeyed_hash_fields_redacted(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    tfx_everything_set_hidden(&ev, "dropped-value");
    tfx_everything_set_email(&ev, "someone@example.com");
    char buf[4096];
    beacon_gen_to_json(&ev.hdr, buf, sizeof buf, 0);
    assert_null(strstr(buf, "dropped-value"));
    assert_null(strstr(buf, "someone@example.com"));
    assert_null(strstr(buf, "hash_key"));
    json_t *j = to_json(&ev.hdr, 0);
    assert_null(json_object_get(data_of(j), "hidden"));
    assert_string_equal(json_string_value(json_object_get(data_of(j), "email")), "[REDACTED]");
    json_decref(j);
}

static void scrub_field_is_written_scrubbed(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    tfx_everything_set_free_text(&ev, "mail someone@example.com or call +1 415 555 0100");
    json_t *j = to_json(&ev.hdr, 0);
    assert_str(data_of(j), "free_text", "mail [email] or call [phone]");
    json_decref(j);
}

static void raw_pii_flag_writes_pii_fields_verbatim(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    tfx_everything_set_secret(&ev, "s");
    tfx_everything_set_hidden(&ev, "h");
    tfx_everything_set_email(&ev, "e@x");
    tfx_everything_set_free_text(&ev, "t");
    json_t *j = to_json(&ev.hdr, BEACON_JSON_RAW_PII);
    json_t *d = data_of(j);
    assert_str(d, "secret", "s");
    assert_str(d, "hidden", "h");
    assert_str(d, "email", "e@x");
    assert_str(d, "free_text", "t");
    json_decref(j);
}

static void out_of_range_enum_is_null(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    ev.color = (tfx_color)7;
    json_t *j = to_json(&ev.hdr, 0);
    assert_true(json_is_null(json_object_get(data_of(j), "color")));
    json_decref(j);
}

static void non_finite_double_field_is_null(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    ev.ratio = NAN;
    tfx_everything_set_opt_ratio(&ev, -INFINITY);
    json_t *j = to_json(&ev.hdr, 0);
    assert_true(json_is_null(json_object_get(data_of(j), "ratio")));
    assert_true(json_is_null(json_object_get(data_of(j), "opt_ratio")));
    json_decref(j);
}

static void null_strings_in_lists_are_null_and_null_optionals_absent(void **state) {
    (void)state;
    const char *tags[] = {"a", NULL};
    tfx_everything ev = base_event();
    ev.tags = tags;
    tfx_everything_set_note(&ev, "x");
    ev.note = NULL; /* set, then cleared through the member: absent */
    json_t *j = to_json(&ev.hdr, 0);
    assert_null(json_object_get(data_of(j), "note"));
    assert_true(json_is_null(json_array_get(json_object_get(data_of(j), "tags"), 1)));
    json_decref(j);
}

static void hostile_strings_stay_valid_json(void **state) {
    (void)state;
    tfx_everything ev = base_event();
    ev.name = "\"\\\n\x01\xC0";
    tfx_everything_set_note(&ev, "\xED\xA0\x80\x7f\xE2\x80\xA8");
    json_t *j = to_json(&ev.hdr, 0);
    assert_str(data_of(j), "note", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\x7f\xE2\x80\xA8");
    assert_str(data_of(j), "name", "\"\\\n\x01\xEF\xBF\xBD");
    json_decref(j);
}

static void every_cap_respects_bounds_and_returns_same_length(void **state) {
    (void)state;
    const char *tags[] = {"\xE2\x82\xAC\xE2\x82\xAC", "b", "c", "d"};
    beacon_attr extra[] = {beacon_attr_str("key", "value\n")};
    tfx_everything ev = base_event();
    ev.tags = tags;
    ev.tags_count = 4;
    ev.hdr.time_ns = 42;
    memset(ev.hdr.trace_id.bytes, 0x11, 16);
    tfx_everything_set_extra(&ev, extra, 1);
    tfx_everything_set_secret(&ev, "x");

    char full[4096];
    size_t need = beacon_gen_to_json(&ev.hdr, full, sizeof full, 0);
    assert_true(need > 0 && need < sizeof full);
    char *buf = malloc(need + 1 + 16);
    for (size_t cap = 0; cap <= need + 1; cap++) {
        memset(buf, 0x5A, need + 1 + 16);
        size_t got = beacon_gen_to_json(&ev.hdr, cap ? buf : NULL, cap, 0);
        if (cap == 0) got = beacon_gen_to_json(&ev.hdr, buf, 0, 0);
        assert_int_equal(got, need);
        for (size_t k = cap; k < need + 1 + 16; k++) {
            if ((unsigned char)buf[k] != 0x5A) fail_msg("cap %zu: byte %zu written", cap, k);
        }
        if (cap == 0) continue;
        if (cap > need) {
            assert_string_equal(buf, full);
        } else {
            assert_int_equal(buf[cap - 1], '\0');
            assert_memory_equal(buf, full, cap - 1);
        }
    }
    free(buf);
}

static void null_event_serializes_to_nothing(void **state) {
    (void)state;
    char buf[8] = "xxxxxxx";
    assert_int_equal(beacon_gen_to_json(NULL, buf, sizeof buf, 0), 0);
    assert_string_equal(buf, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(envelope_keys_come_in_canonical_order),
        cmocka_unit_test(zero_time_ids_and_null_category_are_omitted),
        cmocka_unit_test(every_field_type_is_written),
        cmocka_unit_test(data_fields_follow_catalog_order),
        cmocka_unit_test(absent_optionals_are_omitted),
        cmocka_unit_test(present_optionals_are_written),
        cmocka_unit_test(uint64_max_attribute_is_exact_in_text),
        cmocka_unit_test(empty_lists_are_empty_arrays),
        cmocka_unit_test(full_list_at_max_items_is_not_truncated),
        cmocka_unit_test(list_over_max_items_is_cut_and_marked),
        cmocka_unit_test(string_over_max_length_is_cut_on_utf8_boundary),
        cmocka_unit_test(string_at_exactly_max_length_is_kept),
        cmocka_unit_test(list_strings_over_max_length_are_cut),
        cmocka_unit_test(attribute_values_over_max_length_are_cut),
        cmocka_unit_test(duplicate_attribute_keys_keep_the_first),
        cmocka_unit_test(redact_fields_become_placeholder),
        cmocka_unit_test(drop_fields_are_omitted_and_unkeyed_hash_fields_redacted),
        cmocka_unit_test(scrub_field_is_written_scrubbed),
        cmocka_unit_test(raw_pii_flag_writes_pii_fields_verbatim),
        cmocka_unit_test(out_of_range_enum_is_null),
        cmocka_unit_test(non_finite_double_field_is_null),
        cmocka_unit_test(null_strings_in_lists_are_null_and_null_optionals_absent),
        cmocka_unit_test(hostile_strings_stay_valid_json),
        cmocka_unit_test(every_cap_respects_bounds_and_returns_same_length),
        cmocka_unit_test(null_event_serializes_to_nothing),
    };
    return cmocka_run_group_tests_name("serialize", tests, NULL, NULL);
}
