/* The one home of the field rules (core/field.c) and of the text helpers
 * (core/text.c): each verdict and its printed reason. Descriptors are built
 * by hand here because each test needs exactly one rule. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/field.h"
#include "core/text.h"

static const char *const k_colors[] = {"red", "green"};
static const beacon_enum_desc k_color = {"color", k_colors, NULL, NULL, 2};

static beacon_field_desc bounded(const char *name, uint8_t type) {
    beacon_field_desc f;
    memset(&f, 0, sizeof f);
    f.name = name;
    f.type = type;
    f.presence_bit = -1;
    f.flags = BEACON_FIELD_HAS_MIN | BEACON_FIELD_HAS_MAX;
    return f;
}

static const char *verdict_of(const beacon_field_desc *f, const void *value, char *buf,
                              size_t cap) {
    beacon__field_verdict v;
    if (beacon__field_value_ok(f, value, &v)) return NULL;
    return beacon__field_verdict_text(&v, buf, cap);
}

static void int_bounds_name_field_value_and_bound(void **state) {
    (void)state;
    beacon_field_desc f = bounded("attempt", BEACON_TYPE_INT);
    f.min.i = -5;
    f.max.i = 10;
    char buf[256];
    int64_t ok = 10, hi = 11, lo = -6;
    assert_null(verdict_of(&f, &ok, buf, sizeof buf));
    assert_string_equal(verdict_of(&f, &hi, buf, sizeof buf),
                        "field 'attempt' = 11 is above max 10");
    assert_string_equal(verdict_of(&f, &lo, buf, sizeof buf),
                        "field 'attempt' = -6 is below min -5");
}

static void nan_and_infinity_under_bounds_are_refused(void **state) {
    (void)state;
    beacon_field_desc f = bounded("confidence", BEACON_TYPE_DOUBLE);
    f.min.d = 0;
    f.max.d = 1;
    char buf[256];
    double nan = NAN, inf = INFINITY, half = 0.5;
    assert_null(verdict_of(&f, &half, buf, sizeof buf));
    assert_string_equal(verdict_of(&f, &nan, buf, sizeof buf),
                        "field 'confidence' is NaN but the field has bounds");
    assert_string_equal(verdict_of(&f, &inf, buf, sizeof buf),
                        "field 'confidence' = inf is above max 1");
    /* Without bounds NaN is a value like any other (serialized as null). */
    f.flags = 0;
    assert_null(verdict_of(&f, &nan, buf, sizeof buf));
}

static void enum_range_names_the_enum(void **state) {
    (void)state;
    beacon_field_desc f = bounded("color", BEACON_TYPE_ENUM);
    f.flags = 0;
    f.enum_desc = &k_color;
    char buf[256];
    int green = 1, seven = 7, minus = -1;
    assert_null(verdict_of(&f, &green, buf, sizeof buf));
    assert_string_equal(verdict_of(&f, &seven, buf, sizeof buf),
                        "field 'color' = 7 is not a value of enum color");
    assert_non_null(verdict_of(&f, &minus, buf, sizeof buf));
}

static void pii_values_are_never_shown(void **state) {
    (void)state;
    beacon_field_desc f = bounded("secret", BEACON_TYPE_UINT);
    f.pii = BEACON_PII_HASH;
    f.max.u = 3;
    char buf[256];
    uint64_t v = 4242;
    assert_string_equal(verdict_of(&f, &v, buf, sizeof buf), "field 'secret' is above max 3");
}

typedef struct ev_list {
    beacon_event_hdr hdr;
    const char *name;
    const int64_t *nums;
    size_t nums_count;
} ev_list;

static void whole_field_rules_presence_items_and_required_strings(void **state) {
    (void)state;
    beacon_field_desc fields[2];
    memset(fields, 0, sizeof fields);
    fields[0].name = "name";
    fields[0].type = BEACON_TYPE_STRING;
    fields[0].presence_bit = -1;
    fields[0].offset = offsetof(ev_list, name);
    fields[1] = bounded("nums", BEACON_TYPE_INT);
    fields[1].is_list = 1;
    fields[1].min.i = -5;
    fields[1].max.i = 5;
    fields[1].max_items = 3;
    fields[1].offset = offsetof(ev_list, nums);
    fields[1].count_offset = offsetof(ev_list, nums_count);
    beacon_event_desc d;
    memset(&d, 0, sizeof d);
    d.name = "fx.list";
    d.fields = fields;
    d.field_count = 2;
    int64_t nums[] = {1, 2, -9, 100};
    ev_list ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &d;
    beacon__field_verdict v;
    char buf[256];

    assert_false(beacon__field_ok(&ev.hdr, &fields[0], &v));
    assert_string_equal(beacon__field_verdict_text(&v, buf, sizeof buf),
                        "field 'name' is required but NULL");
    ev.name = "x";
    assert_true(beacon__field_ok(&ev.hdr, &fields[0], &v));

    ev.nums_count = 2; /* items but no array */
    assert_false(beacon__field_ok(&ev.hdr, &fields[1], &v));
    assert_string_equal(beacon__field_verdict_text(&v, buf, sizeof buf),
                        "field 'nums' has 2 items but no item array (NULL)");
    ev.nums = nums;
    assert_true(beacon__field_ok(&ev.hdr, &fields[1], &v));
    ev.nums_count = 4; /* the 4th item is past max_items: cut, not checked */
    assert_false(beacon__field_ok(&ev.hdr, &fields[1], &v));
    assert_string_equal(beacon__field_verdict_text(&v, buf, sizeof buf),
                        "field 'nums'[2] = -9 is below min -5");
    assert_int_equal(beacon__elem_size(BEACON_TYPE_INT), sizeof(int64_t));
    assert_int_equal(beacon__elem_size(BEACON_TYPE_ENUM), sizeof(int));
}

static void hex_both_ways(void **state) {
    (void)state;
    uint8_t b[3];
    assert_true(beacon__hex_decode("0aFf10", 3, b, false));
    assert_memory_equal(b, "\x0a\xff\x10", 3);
    assert_false(beacon__hex_decode("0aFf10", 3, b, true)); /* upper case refused */
    assert_false(beacon__hex_decode("0g", 1, b, false));
    char out[7] = {0};
    beacon__hex_encode(b, 3, out);
    assert_string_equal(out, "0aff10");
    assert_int_equal(beacon__hex_digit('F', false), 15);
    assert_int_equal(beacon__hex_digit('F', true), -1);
}

static void percent_decoding_refuses_broken_escapes_and_nul(void **state) {
    (void)state;
    char out[32];
    size_t len;
    assert_true(beacon__percent_decode("a%2Cb+c", 7, out, &len));
    assert_string_equal(out, "a,b+c");
    assert_int_equal(len, 5);
    assert_false(beacon__percent_decode("a%2", 3, out, &len));
    assert_false(beacon__percent_decode("%zz", 3, out, &len));
    assert_false(beacon__percent_decode("%00", 3, out, &len));
}

static void globs_match_the_whole_string(void **state) {
    (void)state;
    assert_true(beacon__glob_match("upload.*", "upload.received"));
    assert_true(beacon__glob_match("u?load.*d", "upload.received"));
    assert_false(beacon__glob_match("upload", "upload.received"));
    assert_true(beacon__glob_match("*", NULL));
    assert_false(beacon__glob_match("a*", NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(int_bounds_name_field_value_and_bound),
        cmocka_unit_test(nan_and_infinity_under_bounds_are_refused),
        cmocka_unit_test(enum_range_names_the_enum),
        cmocka_unit_test(pii_values_are_never_shown),
        cmocka_unit_test(whole_field_rules_presence_items_and_required_strings),
        cmocka_unit_test(hex_both_ways),
        cmocka_unit_test(percent_decoding_refuses_broken_escapes_and_nul),
        cmocka_unit_test(globs_match_the_whole_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
