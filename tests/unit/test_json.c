/* test_json.c — the bounded JSON writer: string repair and escaping,
 * numbers, times, UTF-8-safe cuts and snprintf semantics. Every output is
 * read back with jansson.
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "format/json.h"

/* Writes s[0..n) as a JSON string; returns the text (static buffer). */
static const char *str_json(const char *s, size_t n) {
    static char buf[4096];
    beacon__jw w;
    beacon__jw_init(&w, buf, sizeof buf);
    beacon__jw_string(&w, s, n);
    size_t len = beacon__jw_finish(&w);
    assert_true(len < sizeof buf);
    assert_int_equal(strlen(buf), len);
    return buf;
}

/* Decodes a JSON string value with jansson; returns a malloc'd copy and its
 * length (jansson rejects invalid UTF-8, so this also checks validity). */
static char *decode(const char *text, size_t *len) {
    json_error_t err;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!j) fail_msg("jansson rejected %s: %s", text, err.text);
    assert_true(json_is_string(j));
    *len = json_string_length(j);
    char *out = malloc(*len + 1);
    memcpy(out, json_string_value(j), *len + 1);
    json_decref(j);
    return out;
}

static void assert_decodes_to(const char *input, size_t n, const char *expect, size_t expect_n) {
    size_t len;
    char *got = decode(str_json(input, n), &len);
    assert_int_equal(len, expect_n);
    assert_memory_equal(got, expect, expect_n);
    free(got);
}

static void string_escapes_quote_and_backslash(void **state) {
    (void)state;
    assert_string_equal(str_json("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    assert_decodes_to("a\"b\\c", 5, "a\"b\\c", 5);
}

static void string_escapes_every_control_char(void **state) {
    (void)state;
    for (int c = 0; c < 0x20; c++) {
        char in[3] = {'x', (char)c, 'y'};
        char expect[16];
        const char *shortf = NULL;
        switch (c) {
            case '\b': shortf = "\\b"; break;
            case '\f': shortf = "\\f"; break;
            case '\n': shortf = "\\n"; break;
            case '\r': shortf = "\\r"; break;
            case '\t': shortf = "\\t"; break;
            default: break;
        }
        if (shortf) {
            snprintf(expect, sizeof expect, "\"x%sy\"", shortf);
        } else {
            snprintf(expect, sizeof expect, "\"x\\u%04xy\"", c);
        }
        assert_string_equal(str_json(in, 3), expect);
        assert_decodes_to(in, 3, in, 3);
    }
}

static void string_escapes_del(void **state) {
    (void)state;
    assert_string_equal(str_json("a\x7f", 2), "\"a\\u007f\"");
    assert_decodes_to("a\x7f", 2, "a\x7f", 2);
}

static void string_escapes_line_and_paragraph_separators(void **state) {
    (void)state;
    const char in[] = "a\xE2\x80\xA8"
                      "b\xE2\x80\xA9";
    assert_string_equal(str_json(in, sizeof in - 1), "\"a\\u2028b\\u2029\"");
    assert_decodes_to(in, sizeof in - 1, in, sizeof in - 1);
}

static void string_keeps_valid_multibyte(void **state) {
    (void)state;
    const char in[] = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"; /* é € 😀 U+10FFFF */
    assert_string_equal(str_json(in, sizeof in - 1),
                        "\""
                        "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"
                        "\"");
}

static void string_empty_is_two_quotes(void **state) {
    (void)state;
    assert_string_equal(str_json("", 0), "\"\"");
}

#define FFFD "\xEF\xBF\xBD"

static void string_replaces_overlong_encodings(void **state) {
    (void)state;
    assert_string_equal(str_json("a\xC0\xAF"
                                 "b",
                                 4),
                        "\"a" FFFD FFFD "b\""); /* C0 never valid */
    assert_string_equal(str_json("\xE0\x80\xAF", 3),
                        "\"" FFFD FFFD FFFD "\""); /* E0 80: bad 2nd byte */
    assert_string_equal(str_json("\xF0\x80\x80\xAF", 4), "\"" FFFD FFFD FFFD FFFD "\"");
}

static void string_replaces_surrogates(void **state) {
    (void)state;
    assert_string_equal(str_json("\xED\xA0\x80", 3), "\"" FFFD FFFD FFFD "\"");
    assert_string_equal(str_json("\xED\xBF\xBF", 3), "\"" FFFD FFFD FFFD "\"");
    assert_string_equal(str_json("\xED\x9F\xBF", 3), "\"\xED\x9F\xBF\""); /* U+D7FF is fine */
}

static void string_replaces_code_points_above_10ffff(void **state) {
    (void)state;
    assert_string_equal(str_json("\xF4\x90\x80\x80", 4), "\"" FFFD FFFD FFFD FFFD "\"");
    assert_string_equal(str_json("\xF5\x80", 2), "\"" FFFD FFFD "\"");
    assert_string_equal(str_json("\xFF", 1), "\"" FFFD "\"");
}

static void string_replaces_truncated_sequence_with_one_replacement(void **state) {
    (void)state;
    /* Maximal subpart: E2 82 is one invalid unit, followed by a valid 'x'. */
    assert_string_equal(str_json("\xE2\x82x", 3), "\"" FFFD "x\"");
    assert_string_equal(str_json("\xF0\x9F\x98", 3), "\"" FFFD "\"");
    assert_string_equal(str_json("ab\xC3", 3), "\"ab" FFFD "\"");
}

static void string_replaces_stray_continuation_bytes(void **state) {
    (void)state;
    assert_string_equal(str_json("\x80\xBFz", 3), "\"" FFFD FFFD "z\"");
    size_t len;
    char *got = decode(str_json("\x80\xBFz", 3), &len);
    assert_int_equal(len, 7);
    free(got);
}

static const char *num_json(void (*write)(beacon__jw *, const void *), const void *v) {
    static char buf[64];
    beacon__jw w;
    beacon__jw_init(&w, buf, sizeof buf);
    write(&w, v);
    beacon__jw_finish(&w);
    return buf;
}
static void w_int(beacon__jw *w, const void *v) {
    beacon__jw_int(w, *(const int64_t *)v);
}
static void w_uint(beacon__jw *w, const void *v) {
    beacon__jw_uint(w, *(const uint64_t *)v);
}
static void w_double(beacon__jw *w, const void *v) {
    beacon__jw_double(w, *(const double *)v);
}

static void int64_extremes_are_exact(void **state) {
    (void)state;
    int64_t vals[] = {INT64_MIN, -1, 0, 1, INT64_MAX};
    const char *texts[] = {"-9223372036854775808", "-1", "0", "1", "9223372036854775807"};
    for (size_t i = 0; i < 5; i++) {
        const char *t = num_json(w_int, &vals[i]);
        assert_string_equal(t, texts[i]);
        json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
        assert_non_null(j);
        assert_true(json_integer_value(j) == vals[i]);
        json_decref(j);
    }
}

static void uint64_max_is_exact(void **state) {
    (void)state;
    uint64_t v = UINT64_MAX;
    assert_string_equal(num_json(w_uint, &v), "18446744073709551615");
    v = 0;
    assert_string_equal(num_json(w_uint, &v), "0");
}

static void non_finite_doubles_are_null(void **state) {
    (void)state;
    double vals[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) assert_string_equal(num_json(w_double, &vals[i]), "null");
}

static void negative_zero_keeps_its_sign(void **state) {
    (void)state;
    double v = -0.0;
    const char *t = num_json(w_double, &v);
    assert_string_equal(t, "-0.0");
    json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    assert_true(signbit(json_number_value(j)));
    json_decref(j);
}

static void doubles_use_shortest_round_trip_text(void **state) {
    (void)state;
    double fixed[] = {0.1,    1.0 / 3.0,     1e-300, DBL_MAX, DBL_MIN,
                      5e-324, 123456789.125, -2.5,   1e21,    0.3};
    assert_string_equal(num_json(w_double, &fixed[0]), "0.1");
    assert_string_equal(num_json(w_double, &fixed[9]), "0.3");
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 2000; i++) {
        double v;
        if (i < 10) {
            v = fixed[i];
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            memcpy(&v, &x, sizeof v);
            if (!isfinite(v)) continue;
        }
        const char *t = num_json(w_double, &v);
        json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
        if (!j) fail_msg("jansson rejected %s", t);
        assert_true(json_number_value(j) == v);
        json_decref(j);
        /* Shortest: 15 significant digits are tried first. */
        char shorter[32];
        snprintf(shorter, sizeof shorter, "%.15g", v);
        if (strtod(shorter, NULL) == v) {
            if (!strchr(shorter, '.') && !strchr(shorter, 'e')) strcat(shorter, ".0");
            assert_string_equal(t, shorter);
        }
    }
}

/* Values with few decimals (what most telemetry doubles are), each with
 * its two neighbours, which have no short form: the text reads back as the
 * same double and is never longer than what %.15g..%.17g would give. */
static void decimal_doubles_use_shortest_round_trip_text(void **state) {
    (void)state;
    static const double p10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    uint64_t x = 0x243F6A8885A308D3ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double base = (double)(x % 100000000000ull) / p10[(x >> 40) % 9];
        if (x & 1) base = -base;
        double vs[3] = {base, nextafter(base, INFINITY), nextafter(base, -INFINITY)};
        for (int k = 0; k < 3; k++) {
            double v = vs[k];
            const char *t = num_json(w_double, &v);
            assert_true(strtod(t, NULL) == v);
            char g[40];
            for (int prec = 15; prec <= 17; prec++) {
                snprintf(g, sizeof g, "%.*g", prec, v);
                if (strtod(g, NULL) == v) break;
            }
            if (!strchr(g, '.') && !strchr(g, 'e')) strcat(g, ".0");
            if (strlen(t) > strlen(g)) fail_msg("%s longer than %s", t, g);
        }
    }
}

static void integral_doubles_read_back_as_reals(void **state) {
    (void)state;
    double v = 2500.0;
    const char *t = num_json(w_double, &v);
    assert_string_equal(t, "2500.0");
    json_t *j = json_loads(t, JSON_DECODE_ANY, NULL);
    assert_non_null(j);
    assert_true(json_is_real(j));
    json_decref(j);
    v = 1e21;
    t = num_json(w_double, &v);
    assert_string_equal(t, "1e+21");
}

static const char *time_json(int64_t ns) {
    static char buf[64];
    beacon__jw w;
    beacon__jw_init(&w, buf, sizeof buf);
    beacon__jw_time(&w, ns);
    beacon__jw_finish(&w);
    return buf;
}

static void time_is_rfc3339_utc_with_nanoseconds(void **state) {
    (void)state;
    assert_string_equal(time_json(1), "\"1970-01-01T00:00:00.000000001Z\"");
    assert_string_equal(time_json(1795325400123456789LL), "\"2026-11-22T05:30:00.123456789Z\"");
    assert_string_equal(time_json(951782400000000000LL), "\"2000-02-29T00:00:00.000000000Z\"");
    assert_string_equal(time_json(-1), "\"1969-12-31T23:59:59.999999999Z\"");
}

static void utf8_cut_never_splits_a_sequence(void **state) {
    (void)state;
    const char s[] = "ab\xE2\x82\xAC"
                     "c"; /* a b € c */
    assert_int_equal(beacon__utf8_cut(s, 6, 10), 6);
    assert_int_equal(beacon__utf8_cut(s, 6, 5), 5);
    assert_int_equal(beacon__utf8_cut(s, 6, 4), 2);
    assert_int_equal(beacon__utf8_cut(s, 6, 3), 2);
    assert_int_equal(beacon__utf8_cut(s, 6, 2), 2);
    assert_int_equal(beacon__utf8_cut("\x80\x80\x80\x80\x80", 5, 3),
                     3); /* stray bytes: plain cut */
}

/* Every byte value, at every offset and length up to 36 (so the 16-byte
 * and 4-byte steps and the byte-wise tail all see it), against snprintf's
 * %02x. */
static void hex_matches_snprintf_for_every_byte(void **state) {
    (void)state;
    uint8_t bytes[40];
    for (int start = 0; start < 256; start += 7) {
        for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)(start + 37 * i);
        for (size_t n = 0; n <= 36; n++) {
            char want[96] = "\"", got[96];
            for (size_t i = 0; i < n; i++) snprintf(want + 1 + 2 * i, 3, "%02x", bytes[i]);
            strcat(want, "\"");
            beacon__jw w;
            beacon__jw_init(&w, got, sizeof got);
            beacon__jw_hex(&w, bytes, n);
            assert_int_equal(beacon__jw_finish(&w), strlen(want));
            assert_string_equal(got, want);
        }
    }
    for (int b = 0; b < 256; b++) { /* each value in each position of 16 and of 4 */
        for (size_t pos = 0; pos < 16; pos++) {
            uint8_t some[16];
            for (size_t i = 0; i < 16; i++) some[i] = (uint8_t)(0x5a ^ (17 * i));
            some[pos] = (uint8_t)b;
            for (size_t n = 4; n <= 16; n += 12) {
                if (pos >= n) continue;
                char want[40] = "\"", got[40];
                for (size_t i = 0; i < n; i++) snprintf(want + 1 + 2 * i, 3, "%02x", some[i]);
                strcat(want, "\"");
                beacon__jw w;
                beacon__jw_init(&w, got, sizeof got);
                beacon__jw_hex(&w, some, n);
                assert_int_equal(beacon__jw_finish(&w), 2 * n + 2);
                assert_string_equal(got, want);
            }
        }
    }
}

static void writer_has_snprintf_semantics(void **state) {
    (void)state;
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    beacon__jw w;
    beacon__jw_init(&w, buf, 5);
    beacon__jw_lit(&w, "abcdefgh");
    assert_int_equal(beacon__jw_finish(&w), 8);
    assert_string_equal(buf, "abcd");
    assert_int_equal(buf[5], 'Z');

    beacon__jw_init(&w, NULL, 0);
    beacon__jw_cstr(&w, "hello");
    assert_int_equal(beacon__jw_finish(&w), 7);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(string_escapes_quote_and_backslash),
        cmocka_unit_test(string_escapes_every_control_char),
        cmocka_unit_test(string_escapes_del),
        cmocka_unit_test(string_escapes_line_and_paragraph_separators),
        cmocka_unit_test(string_keeps_valid_multibyte),
        cmocka_unit_test(string_empty_is_two_quotes),
        cmocka_unit_test(string_replaces_overlong_encodings),
        cmocka_unit_test(string_replaces_surrogates),
        cmocka_unit_test(string_replaces_code_points_above_10ffff),
        cmocka_unit_test(string_replaces_truncated_sequence_with_one_replacement),
        cmocka_unit_test(string_replaces_stray_continuation_bytes),
        cmocka_unit_test(int64_extremes_are_exact),
        cmocka_unit_test(uint64_max_is_exact),
        cmocka_unit_test(non_finite_doubles_are_null),
        cmocka_unit_test(negative_zero_keeps_its_sign),
        cmocka_unit_test(doubles_use_shortest_round_trip_text),
        cmocka_unit_test(hex_matches_snprintf_for_every_byte),
        cmocka_unit_test(decimal_doubles_use_shortest_round_trip_text),
        cmocka_unit_test(integral_doubles_read_back_as_reals),
        cmocka_unit_test(time_is_rfc3339_utc_with_nanoseconds),
        cmocka_unit_test(utf8_cut_never_splits_a_sequence),
        cmocka_unit_test(writer_has_snprintf_semantics),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
