/* test_traceparent.c — W3C traceparent parse/format against the header
 * strings of the W3C trace-context test suite (test/test.py), snprintf
 * semantics of format, round trips, and the id hex helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "beacon/beacon_trace.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define TRACE  "12345678901234567890123456789012"
#define PARENT "1234567890123456"
#define VALID  "00-" TRACE "-" PARENT "-01"

static beacon_status parse(const char *s, beacon_traceparent *tp) {
    return beacon_traceparent_parse(s, strlen(s), tp);
}

static void assert_ids(const beacon_traceparent *tp, const char *trace, const char *parent) {
    char t[33], p[17];
    assert_string_equal(beacon_trace_id_to_hex(&tp->trace_id, t), trace);
    assert_string_equal(beacon_span_id_to_hex(&tp->parent_id, p), parent);
}

static void check_rejected(const char *const *headers, size_t n) {
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        beacon_traceparent tp;
        memset(&tp, 0xab, sizeof tp);
        beacon_status st = parse(headers[i], &tp);
        beacon_traceparent zero;
        memset(&zero, 0, sizeof zero);
        if (st != BEACON_ERR_PARSE || memcmp(&tp, &zero, sizeof tp) != 0) {
            print_error("accepted or not zeroed: \"%s\" (status %d)\n", headers[i], (int)st);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* --- accepted ------------------------------------------------------------- */

static void valid_version_00_header_parses(void **state) {
    (void)state;
    beacon_traceparent tp;
    assert_int_equal(parse(VALID, &tp), BEACON_OK);
    assert_int_equal(tp.version, 0);
    assert_int_equal(tp.flags, 1);
    assert_ids(&tp, TRACE, PARENT);
}

static void spec_example_parses_with_sampled_flag(void **state) {
    (void)state;
    beacon_traceparent tp;
    assert_int_equal(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &tp),
                     BEACON_OK);
    assert_ids(&tp, "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    assert_true(tp.flags & BEACON_TRACE_FLAG_SAMPLED);
    assert_int_equal(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", &tp),
                     BEACON_OK);
    assert_false(tp.flags & BEACON_TRACE_FLAG_SAMPLED);
}

static void all_flag_bits_are_kept(void **state) {
    (void)state;
    beacon_traceparent tp;
    assert_int_equal(parse("00-" TRACE "-" PARENT "-ff", &tp), BEACON_OK);
    assert_int_equal(tp.flags, 0xff);
}

/* test_traceparent_ows_handling */
static void surrounding_spaces_and_tabs_are_ignored(void **state) {
    (void)state;
    static const char *const headers[] = {
        " " VALID, "\t" VALID, VALID " ", VALID "\t", "\t " VALID " \t",
    };
    for (size_t i = 0; i < COUNT(headers); i++) {
        beacon_traceparent tp;
        assert_int_equal(parse(headers[i], &tp), BEACON_OK);
        assert_ids(&tp, TRACE, PARENT);
    }
}

/* test_traceparent_version_0xcc */
static void future_version_parses_by_position_with_extra_fields(void **state) {
    (void)state;
    static const char *const headers[] = {
        "cc-" TRACE "-" PARENT "-01",
        "cc-" TRACE "-" PARENT "-01-what-the-future-will-be-like",
        "01-" TRACE "-" PARENT "-01-",
    };
    for (size_t i = 0; i < COUNT(headers); i++) {
        beacon_traceparent tp;
        assert_int_equal(parse(headers[i], &tp), BEACON_OK);
        assert_ids(&tp, TRACE, PARENT);
        assert_int_equal(tp.flags, 1);
    }
    beacon_traceparent tp;
    parse(headers[0], &tp);
    assert_int_equal(tp.version, 0xcc);
}

static void header_need_not_be_nul_terminated(void **state) {
    (void)state;
    static const char text[] = VALID "-trailing-bytes-beyond-len";
    char buf[sizeof text - 1]; /* no NUL anywhere */
    memcpy(buf, text, sizeof buf);
    beacon_traceparent tp;
    assert_int_equal(beacon_traceparent_parse(buf, sizeof VALID - 1, &tp), BEACON_OK);
    assert_ids(&tp, TRACE, PARENT);
}

/* --- rejected: every invalid header of the W3C test suite ------------------ */

static void version_00_with_trailing_data_is_rejected(void **state) {
    (void)state;
    static const char *const headers[] = {
        VALID ".",
        VALID "-what-the-future-will-be-like",
        VALID "-",
        VALID "0",
    };
    check_rejected(headers, COUNT(headers));
}

static void future_version_without_dash_before_extra_data_is_rejected(void **state) {
    (void)state;
    static const char *const headers[] = {
        "cc-" TRACE "-" PARENT "-01.what-the-future-will-be-like",
        "cc-" TRACE "-" PARENT "-010",
        "cc-" TRACE "-" PARENT "-0",
    };
    check_rejected(headers, COUNT(headers));
}

static void version_ff_and_malformed_versions_are_rejected(void **state) {
    (void)state;
    static const char *const headers[] = {
        "ff-" TRACE "-" PARENT "-01",   /* test_traceparent_version_0xff */
        ".0-" TRACE "-" PARENT "-01",   /* version_illegal_characters */
        "0.-" TRACE "-" PARENT "-01",   /* version_illegal_characters */
        "000-" TRACE "-" PARENT "-01",  /* version_too_long */
        "0000-" TRACE "-" PARENT "-01", /* version_too_long */
        "0-" TRACE "-" PARENT "-01",    /* version_too_short */
        "0A-" TRACE "-" PARENT "-01",   /* upper case */
    };
    check_rejected(headers, COUNT(headers));
}

static void malformed_or_zero_trace_ids_are_rejected(void **state) {
    (void)state;
    static const char *const headers[] = {
        "00-00000000000000000000000000000000-" PARENT "-01",  /* trace_id_all_zero */
        "00-.2345678901234567890123456789012-" PARENT "-01",  /* illegal characters */
        "00-1234567890123456789012345678901.-" PARENT "-01",  /* illegal characters */
        "00-123456789012345678901234567890123-" PARENT "-01", /* too long */
        "00-1234567890123456789012345678901-" PARENT "-01",   /* too short */
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-" PARENT "-01",  /* upper case */
    };
    check_rejected(headers, COUNT(headers));
}

static void malformed_or_zero_parent_ids_are_rejected(void **state) {
    (void)state;
    static const char *const headers[] = {
        "00-" TRACE "-0000000000000000-01",  /* parent_id_all_zero */
        "00-" TRACE "-.234567890123456-01",  /* illegal characters */
        "00-" TRACE "-123456789012345.-01",  /* illegal characters */
        "00-" TRACE "-12345678901234567-01", /* too long */
        "00-" TRACE "-123456789012345-01",   /* too short */
        "00-" TRACE "-00F067AA0BA902B7-01",  /* upper case */
    };
    check_rejected(headers, COUNT(headers));
}

static void malformed_flags_are_rejected(void **state) {
    (void)state;
    static const char *const headers[] = {
        "00-" TRACE "-" PARENT "-.0",  /* trace_flags_illegal_characters */
        "00-" TRACE "-" PARENT "-0.",  /* trace_flags_illegal_characters */
        "00-" TRACE "-" PARENT "-001", /* trace_flags_too_long */
        "00-" TRACE "-" PARENT "-1",   /* trace_flags_too_short */
        "00-" TRACE "-" PARENT "-0F",  /* upper case */
    };
    check_rejected(headers, COUNT(headers));
}

static void wrong_separators_and_empty_values_are_rejected(void **state) {
    (void)state;
    static const char *const headers[] = {
        "",
        " \t ",
        "00_" TRACE "-" PARENT "-01",
        "00-" TRACE "_" PARENT "-01",
        "00-" TRACE "-" PARENT "_01",
        "00 " TRACE " " PARENT " 01",
        "\n" VALID,
        VALID "\r\n",
    };
    check_rejected(headers, COUNT(headers));
}

static void nul_byte_inside_is_rejected(void **state) {
    (void)state;
    char buf[] = VALID;
    buf[10] = '\0';
    beacon_traceparent tp;
    assert_int_equal(beacon_traceparent_parse(buf, sizeof buf - 1, &tp), BEACON_ERR_PARSE);
}

static void null_arguments_are_invalid(void **state) {
    (void)state;
    beacon_traceparent tp;
    memset(&tp, 0xab, sizeof tp);
    assert_int_equal(beacon_traceparent_parse(NULL, 55, &tp), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(tp.version, 0);
    assert_int_equal(beacon_traceparent_parse(VALID, 55, NULL), BEACON_ERR_INVALID_ARGUMENT);
}

/* --- format ----------------------------------------------------------------- */

static beacon_traceparent sample_tp(void) {
    beacon_traceparent tp;
    memset(&tp, 0, sizeof tp);
    assert_int_equal(beacon_trace_id_from_hex("4bf92f3577b34da6a3ce929d0e0e4736", 32, &tp.trace_id),
                     BEACON_OK);
    assert_int_equal(beacon_span_id_from_hex("00f067aa0ba902b7", 16, &tp.parent_id), BEACON_OK);
    tp.flags = 1;
    return tp;
}

static void format_writes_version_00_header(void **state) {
    (void)state;
    beacon_traceparent tp = sample_tp();
    char buf[BEACON_TRACEPARENT_LEN + 1];
    assert_int_equal(beacon_traceparent_format(&tp, buf, sizeof buf), BEACON_TRACEPARENT_LEN);
    assert_string_equal(buf, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

static void format_of_future_version_writes_00(void **state) {
    (void)state;
    beacon_traceparent tp;
    assert_int_equal(parse("cc-" TRACE "-" PARENT "-03-extra", &tp), BEACON_OK);
    char buf[64];
    assert_int_equal(beacon_traceparent_format(&tp, buf, sizeof buf), BEACON_TRACEPARENT_LEN);
    assert_string_equal(buf, "00-" TRACE "-" PARENT "-03");
}

static void format_has_snprintf_semantics_at_every_capacity(void **state) {
    (void)state;
    beacon_traceparent tp = sample_tp();
    const char *full = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    assert_int_equal(beacon_traceparent_format(&tp, NULL, 0), BEACON_TRACEPARENT_LEN);
    for (size_t cap = 1; cap <= BEACON_TRACEPARENT_LEN + 2; cap++) {
        char *buf = malloc(cap); /* exact size: ASan sees any overrun */
        assert_int_equal(beacon_traceparent_format(&tp, buf, cap), BEACON_TRACEPARENT_LEN);
        size_t kept = cap - 1 < BEACON_TRACEPARENT_LEN ? cap - 1 : BEACON_TRACEPARENT_LEN;
        assert_int_equal(strlen(buf), kept);
        assert_memory_equal(buf, full, kept);
        free(buf);
    }
}

static void format_refuses_zero_ids_and_null(void **state) {
    (void)state;
    char buf[64] = "unchanged";
    beacon_traceparent tp = sample_tp();
    memset(&tp.trace_id, 0, sizeof tp.trace_id);
    assert_int_equal(beacon_traceparent_format(&tp, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    tp = sample_tp();
    memset(&tp.parent_id, 0, sizeof tp.parent_id);
    strcpy(buf, "unchanged");
    assert_int_equal(beacon_traceparent_format(&tp, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(beacon_traceparent_format(NULL, buf, sizeof buf), 0);
}

static void random_ids_round_trip_through_format_and_parse(void **state) {
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 2000; i++) {
        beacon_traceparent tp;
        memset(&tp, 0, sizeof tp);
        for (size_t k = 0; k < sizeof tp.trace_id.bytes; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            tp.trace_id.bytes[k] = (uint8_t)x;
        }
        for (size_t k = 0; k < sizeof tp.parent_id.bytes; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            tp.parent_id.bytes[k] = (uint8_t)(x >> 8);
        }
        tp.flags = (uint8_t)i;
        tp.trace_id.bytes[0] |= 1; /* never all-zero */
        tp.parent_id.bytes[0] |= 1;
        char buf[BEACON_TRACEPARENT_LEN + 1];
        assert_int_equal(beacon_traceparent_format(&tp, buf, sizeof buf), BEACON_TRACEPARENT_LEN);
        beacon_traceparent back;
        assert_int_equal(parse(buf, &back), BEACON_OK);
        assert_memory_equal(&back, &tp, sizeof tp);
    }
}

/* --- id hex helpers --------------------------------------------------------- */

static void trace_id_hex_round_trips_and_accepts_upper_case(void **state) {
    (void)state;
    beacon_trace_id id;
    char hex[33];
    assert_int_equal(beacon_trace_id_from_hex("4BF92F3577B34DA6A3CE929D0E0E4736", 32, &id),
                     BEACON_OK);
    assert_string_equal(beacon_trace_id_to_hex(&id, hex), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_int_equal(beacon_trace_id_from_hex(hex, 32, &id), BEACON_OK);
    assert_int_equal(id.bytes[0], 0x4b);
    assert_int_equal(id.bytes[15], 0x36);
}

static void span_id_hex_round_trips(void **state) {
    (void)state;
    beacon_span_id id;
    char hex[17];
    assert_int_equal(beacon_span_id_from_hex("00f067aa0ba902b7", 16, &id), BEACON_OK);
    assert_string_equal(beacon_span_id_to_hex(&id, hex), "00f067aa0ba902b7");
}

static void malformed_id_hex_is_rejected_and_zeroes_output(void **state) {
    (void)state;
    beacon_trace_id t;
    beacon_span_id s;
    static const beacon_trace_id zt;
    static const beacon_span_id zs;
    memset(&t, 0xab, sizeof t);
    assert_int_equal(beacon_trace_id_from_hex("4bf92f3577b34da6a3ce929d0e0e473", 31, &t),
                     BEACON_ERR_PARSE);
    assert_memory_equal(&t, &zt, sizeof t);
    assert_int_equal(beacon_trace_id_from_hex("4bf92f3577b34da6a3ce929d0e0e473g", 32, &t),
                     BEACON_ERR_PARSE);
    assert_int_equal(beacon_trace_id_from_hex("4bf92f3577b34da6a3ce929d0e0e47361", 33, &t),
                     BEACON_ERR_PARSE);
    memset(&s, 0xab, sizeof s);
    assert_int_equal(beacon_span_id_from_hex("00f067aa0ba902b", 15, &s), BEACON_ERR_PARSE);
    assert_memory_equal(&s, &zs, sizeof s);
    assert_int_equal(beacon_span_id_from_hex(" 0f067aa0ba902b7", 16, &s), BEACON_ERR_PARSE);
    assert_int_equal(beacon_trace_id_from_hex(NULL, 32, &t), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_span_id_from_hex("00f067aa0ba902b7", 16, NULL),
                     BEACON_ERR_INVALID_ARGUMENT);
}

static void to_hex_of_null_id_is_zeros_and_null_out_is_noop(void **state) {
    (void)state;
    char t[33], s[17];
    assert_string_equal(beacon_trace_id_to_hex(NULL, t), "00000000000000000000000000000000");
    assert_string_equal(beacon_span_id_to_hex(NULL, s), "0000000000000000");
    beacon_trace_id id = {{1}};
    assert_null(beacon_trace_id_to_hex(&id, NULL));
    assert_null(beacon_span_id_to_hex(NULL, NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_version_00_header_parses),
        cmocka_unit_test(spec_example_parses_with_sampled_flag),
        cmocka_unit_test(all_flag_bits_are_kept),
        cmocka_unit_test(surrounding_spaces_and_tabs_are_ignored),
        cmocka_unit_test(future_version_parses_by_position_with_extra_fields),
        cmocka_unit_test(header_need_not_be_nul_terminated),
        cmocka_unit_test(version_00_with_trailing_data_is_rejected),
        cmocka_unit_test(future_version_without_dash_before_extra_data_is_rejected),
        cmocka_unit_test(version_ff_and_malformed_versions_are_rejected),
        cmocka_unit_test(malformed_or_zero_trace_ids_are_rejected),
        cmocka_unit_test(malformed_or_zero_parent_ids_are_rejected),
        cmocka_unit_test(malformed_flags_are_rejected),
        cmocka_unit_test(wrong_separators_and_empty_values_are_rejected),
        cmocka_unit_test(nul_byte_inside_is_rejected),
        cmocka_unit_test(null_arguments_are_invalid),
        cmocka_unit_test(format_writes_version_00_header),
        cmocka_unit_test(format_of_future_version_writes_00),
        cmocka_unit_test(format_has_snprintf_semantics_at_every_capacity),
        cmocka_unit_test(format_refuses_zero_ids_and_null),
        cmocka_unit_test(random_ids_round_trip_through_format_and_parse),
        cmocka_unit_test(trace_id_hex_round_trips_and_accepts_upper_case),
        cmocka_unit_test(span_id_hex_round_trips),
        cmocka_unit_test(malformed_id_hex_is_rejected_and_zeroes_output),
        cmocka_unit_test(to_hex_of_null_id_is_zeros_and_null_out_is_noop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
