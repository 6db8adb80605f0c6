/* test_wire_read.c — what the wire formats read back from canonical JSON
 * and the protobuf writer they share: string tokens (escapes, long runs),
 * numbers (integers at the int64 limits, decimals exactly as strtod reads
 * them), RFC 3339 times, and nested-message lengths of one and more bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "format/jread.h"
#include "format/protobuf.h"

static beacon__jtok num(const char *s) {
    beacon__jtok t;
    memset(&t, 0, sizeof t);
    t.kind = BEACON__J_NUM;
    t.p = s;
    t.len = (uint32_t)strlen(s);
    return t;
}

static void strings_end_at_the_first_unescaped_quote(void **state) {
    (void)state;
    char long_run[300];
    memset(long_run, 'a', sizeof long_run);
    memcpy(long_run, "[\"", 2);
    memcpy(long_run + 200, "\\\"x\\\\\",1]", 10);
    static const struct {
        const char *json;
        uint32_t len;
        bool escaped;
    } cases[] = {
        {"[\"plain\",1]", 5, false},
        {"[\"a\\\"b\",1]", 4, true},
        {"[\"a\\\\\",1]", 3, true},
        {"[\"\\\\\\\"\",1]", 4, true},
        {"[\"\",1]", 0, false},
        {"[\"h\xc3\xa9llo w\xc3\xb6rld \\\"q\",1]", 17, true},
        {"[\"0123456789abcdef\",1]", 16, false},
    };
    beacon__jdoc doc = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_true(beacon__jdoc_parse(&doc, cases[i].json, strlen(cases[i].json)));
        assert_int_equal(doc.t[1].kind, BEACON__J_STR);
        assert_int_equal(doc.t[1].len, cases[i].len);
        assert_int_equal(doc.t[1].escaped, cases[i].escaped);
        assert_int_equal(doc.t[2].kind, BEACON__J_NUM);
    }
    /* 198 plain bytes, then an escaped quote and an escaped backslash. */
    assert_true(beacon__jdoc_parse(&doc, long_run, strlen(long_run)));
    assert_int_equal(doc.t[1].len, 198 + 5);
    assert_true(doc.t[1].escaped);
    assert_false(beacon__jdoc_parse(&doc, "[\"open", 6));
    assert_false(beacon__jdoc_parse(&doc, "[\"open\\", 7));
    assert_false(beacon__jdoc_parse(&doc, "[\"open\\\"]", 9));
    beacon__jdoc_free(&doc);
}

static void integers_are_read_exactly_up_to_the_int64_limits(void **state) {
    (void)state;
    static const struct {
        const char *s;
        bool ok;
        int64_t v;
    } cases[] = {
        {"0", true, 0},
        {"-0", true, 0},
        {"1048576", true, 1048576},
        {"-42", true, -42},
        {"9223372036854775807", true, INT64_MAX},
        {"-9223372036854775808", true, INT64_MIN},
        {"9223372036854775808", false, 0},
        {"-9223372036854775809", false, 0},
        {"18446744073709551616", false, 0},
        {"12.5", false, 0},
        {"1e3", false, 0},
        {"-", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        beacon__jtok t = num(cases[i].s);
        int64_t v = 0;
        assert_int_equal(beacon__jtok_int(&t, &v), cases[i].ok);
        if (cases[i].ok) assert_int_equal(v, cases[i].v);
    }
}

static void decimals_read_as_strtod_reads_them(void **state) {
    (void)state;
    static const char *const fixed[] = {
        "12.75",
        "0",
        "-0",
        "0.1",
        "0.3",
        "-2.5",
        "123456789012345",
        "1234567890.12345",
        "0.000001",
        "0.000000000000001",
        "9007199254740993",
        "1234567890123456.7",
        "1e300",
        "-1.5E-7",
        "3.141592653589793238",
        "100000000000000000000000",
        "0.0000000000000000001",
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        beacon__jtok t = num(fixed[i]);
        double want = strtod(fixed[i], NULL), got = beacon__jtok_double(&t);
        if (memcmp(&want, &got, sizeof want) != 0)
            fail_msg("%s: %.17g, strtod %.17g", fixed[i], got, want);
    }
    /* Random decimals of 1..17 digits with the point anywhere. */
    srand(7);
    for (int i = 0; i < 20000; i++) {
        char s[40];
        size_t n = 0;
        int digits = 1 + rand() % 17, point = rand() % (digits + 1);
        if (rand() % 2) s[n++] = '-';
        if (point == 0) { /* 0.ddd */
            s[n++] = '0';
            s[n++] = '.';
        }
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0) s[n++] = '.';
            s[n++] = (char)('0' + (d == 0 && point != 0 ? 1 + rand() % 9 : rand() % 10));
        }
        s[n] = '\0';
        beacon__jtok t = num(s);
        double want = strtod(s, NULL), got = beacon__jtok_double(&t);
        if (memcmp(&want, &got, sizeof want) != 0)
            fail_msg("%s: %.17g, strtod %.17g", s, got, want);
    }
}

static void rfc3339_fractions_are_nanoseconds(void **state) {
    (void)state;
    int64_t ns = 0;
    assert_true(beacon__parse_rfc3339("1970-01-01T00:00:01Z", 20, &ns));
    assert_int_equal(ns, 1000000000);
    assert_true(beacon__parse_rfc3339("1970-01-01T00:00:01.5Z", 22, &ns));
    assert_int_equal(ns, 1500000000);
    assert_true(beacon__parse_rfc3339("2026-12-03T17:41:58.931829287Z", 30, &ns));
    assert_int_equal(ns % 1000000000, 931829287);
    assert_true(beacon__parse_rfc3339("1970-01-01T00:00:00.1234567891Z", 31, &ns));
    assert_int_equal(ns, 123456789);
    assert_false(beacon__parse_rfc3339("1970-01-01T00:00:00.12x4Z", 25, &ns));
}

/* Reads a varint at *p; advances it. */
static uint64_t varint(const uint8_t **p) {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) return v;
    }
}

static void nested_messages_carry_their_exact_length(void **state) {
    (void)state;
    for (size_t body = 0; body < 20000; body = body * 3 + 1) {
        beacon__wbuf b = {0};
        size_t outer = beacon__pb_begin(&b, 1);
        size_t inner = beacon__pb_begin(&b, 2);
        char *blob = malloc(body + 1);
        memset(blob, 'x', body);
        beacon__pb_bytes(&b, 3, blob, body);
        beacon__pb_end(&b, inner);
        beacon__pb_uint(&b, 4, 300);
        beacon__pb_end(&b, outer);
        free(blob);
        assert_false(b.failed);
        const uint8_t *p = (const uint8_t *)b.data, *end = p + b.len;
        assert_int_equal(varint(&p), (1 << 3) | 2);
        uint64_t outer_len = varint(&p);
        assert_int_equal(outer_len, (uint64_t)(end - p));
        assert_int_equal(varint(&p), (2 << 3) | 2);
        uint64_t inner_len = varint(&p);
        const uint8_t *inner_end = p + inner_len;
        assert_int_equal(varint(&p), (3 << 3) | 2);
        assert_int_equal(varint(&p), body);
        p += body;
        assert_ptr_equal(p, inner_end);
        assert_int_equal(varint(&p), (4 << 3) | 0);
        assert_int_equal(varint(&p), 300);
        assert_ptr_equal(p, end);
        beacon__wbuf_free(&b);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_end_at_the_first_unescaped_quote),
        cmocka_unit_test(integers_are_read_exactly_up_to_the_int64_limits),
        cmocka_unit_test(decimals_read_as_strtod_reads_them),
        cmocka_unit_test(rfc3339_fractions_are_nanoseconds),
        cmocka_unit_test(nested_messages_carry_their_exact_length),
    };
    return cmocka_run_group_tests_name("wire_read", tests, NULL, NULL);
}
