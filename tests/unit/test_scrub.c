/* test_scrub.c — the free-text scrubber: true and false positives for every
 * placeholder, precedence, mixed and UTF-8 text, snprintf semantics at every
 * capacity, the piece stream, and linear work on pathological inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "privacy/scrub.h"

typedef struct scase {
    const char *in;
    const char *want;
} scase;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Scrubs a NUL-terminated input into a buffer sized exactly for it. */
static char *scrub_str(const char *in) {
    size_t n = strlen(in);
    size_t need = beacon__scrub(in, n, NULL, 0);
    assert_true(need <= beacon__scrub_bound(n));
    char *out = malloc(need + 1);
    assert_non_null(out);
    assert_int_equal(beacon__scrub(in, n, out, need + 1), need);
    assert_int_equal(strlen(out), need);
    return out;
}

static void check_table(const scase *cases, size_t n) {
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char *got = scrub_str(cases[i].in);
        if (strcmp(got, cases[i].want) != 0) {
            print_error("scrub(\"%s\")\n   got  \"%s\"\n   want \"%s\"\n", cases[i].in, got,
                        cases[i].want);
            failures++;
        }
        free(got);
    }
    assert_int_equal(failures, 0);
}

/* Inputs that must come back unchanged. */
static void check_kept(const char *const *inputs, size_t n) {
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char *got = scrub_str(inputs[i]);
        if (strcmp(got, inputs[i]) != 0) {
            print_error("scrub(\"%s\") changed it to \"%s\"\n", inputs[i], got);
            failures++;
        }
        free(got);
    }
    assert_int_equal(failures, 0);
}

/* --- email ----------------------------------------------------------------- */

static void email_addresses_become_placeholder(void **state) {
    (void)state;
    static const scase cases[] = {
        {"a@b.c", "[email]"},
        {"john.doe@example.com", "[email]"},
        {"mail me: Jane_Doe+tag@mail.example.co.uk.", "mail me: [email]."},
        {"<bob@example.org>", "<[email]>"},
        {"x%y@sub-domain.example.io, ok", "[email], ok"},
        {"first.last-1@x.museum", "[email]"},
        {"1234567@numbers.example.com", "[email]"},
        {"\"alice@example.com\"", "\"[email]\""},
        {"from:alice@example.com to:bob@example.net", "from:[email] to:[email]"},
    };
    check_table(cases, COUNT(cases));
}

static void email_lookalikes_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "a@b",    "@example.com", "user@",          "root@localhost", "foo@bar.123",
        "a@.com", "x@y..z",       "price @ 5 each", "me@-bad.com",    "@@",
    };
    check_kept(kept, COUNT(kept));
}

/* --- phone ----------------------------------------------------------------- */

static void phone_numbers_become_placeholder(void **state) {
    (void)state;
    static const scase cases[] = {
        {"(555) 123-4567", "[phone]"},
        {"(555)123-4567", "[phone]"},
        {"call 555-123-4567 2 times", "call [phone] 2 times"},
        {"555.123.4567", "[phone]"},
        {"555 123 4567", "[phone]"},
        {"1-555-123-4567", "[phone]"},
        {"+1 555 123 4567", "[phone]"},
        {"+1 (555) 123-4567", "[phone]"},
        {"+44 20 7946 0958", "[phone]"},
        {"+44 (0) 20 7946 0958", "[phone]"},
        {"+33 1 23 45 67 89", "[phone]"},
        {"tel:+4915112345678.", "tel:[phone]."},
        {"020 7946 0958", "[phone]"},
        {"06 12 34 56 78", "[phone]"},
    };
    check_table(cases, COUNT(cases));
}

static void phone_lookalikes_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "2026-11-22",    "10:30:45",    "1.2.3",          "555-1234",
        "12 34 56",      "+1",          "+12 34",         "555-123-4567-8901",
        "555-123-45678", "22/11/2026",  "2+2=4",          "0.5 0.25 0.125",
        "UTC+01:00",     "000-12-3456", "call 5-55-1234",
    };
    check_kept(kept, COUNT(kept));
}

/* --- ssn ------------------------------------------------------------------- */

static void ssns_become_placeholder(void **state) {
    (void)state;
    static const scase cases[] = {
        {"123-45-6789", "[ssn]"},         {"SSN: 078-05-1120", "SSN: [ssn]"},
        {"ssn=123-45-6789", "ssn=[ssn]"}, {"(123-45-6789)", "([ssn])"},
        {"123-45-6789.", "[ssn]."},       {"665-01-0001", "[ssn]"},
        {"899-99-9999", "[ssn]"},         {"001-01-0001", "[ssn]"},
        {"a 123-45-6789 b", "a [ssn] b"},
    };
    check_table(cases, COUNT(cases));
}

static void ssns_in_never_issued_ranges_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "000-12-3456",   "666-12-3456", "900-12-3456",  "999-12-3456",
        "123-00-4567",   "123-45-0000", "123-45-67890", "1123-45-6789",
        "123-45-6789-1", "123 45 6789", "x123-45-6789",
    };
    check_kept(kept, COUNT(kept));
}

/* --- card ------------------------------------------------------------------ */

static void luhn_valid_cards_become_placeholder(void **state) {
    (void)state;
    static const scase cases[] = {
        {"4111 1111 1111 1111", "[card]"},
        {"4111-1111-1111-1111", "[card]"},
        {"4111111111111111", "[card]"},
        {"5500 0000 0000 0004", "[card]"},
        {"3782 822463 10005", "[card]"},
        {"6011 0009 9013 9424", "[card]"},
        {"4222222222222", "[card]"},
        {"6304 0000 0000 0000 018", "[card]"},
        {"card: 4111111111111111, exp 12/28", "card: [card], exp 12/28"},
        {"4111 1111 1111 1111 2026", "[card] 2026"},
    };
    check_table(cases, COUNT(cases));
}

static void card_lookalikes_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "4111 1111 1111 1112", "4111-1111 1111-1111", "41 11 11 11 11 11 11 11",
        "1234 5678 9012",      "4111111111111111a",   "v4111111111111111",
        "4111.1111.1111.1111", "0000 0000 0000 0000",
    };
    check_kept(kept, COUNT(kept));
}

static void luhn_failing_digit_run_is_a_number_not_a_card(void **state) {
    (void)state;
    static const scase cases[] = {{"4111111111111112", "[number]"}};
    check_table(cases, COUNT(cases));
}

/* --- ip -------------------------------------------------------------------- */

static void ip_addresses_become_placeholder(void **state) {
    (void)state;
    static const scase cases[] = {
        {"192.168.1.1", "[ip]"},
        {"10.0.0.1:8080", "[ip]:8080"},
        {"255.255.255.255", "[ip]"},
        {"from 8.8.8.8.", "from [ip]."},
        {"::1", "[ip]"},
        {"fe80::1%eth0", "[ip]%eth0"},
        {"2001:db8:85a3:0:0:8a2e:370:7334", "[ip]"},
        {"2001:DB8::FF00:42:8329", "[ip]"},
        {"::ffff:192.0.2.1", "[ip]"},
        {"[2001:db8::1]:443", "[[ip]]:443"},
        {"10.0.0.0/8", "[ip]/8"},
    };
    check_table(cases, COUNT(cases));
}

static void ip_lookalikes_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "256.1.1.1",   "1.2.3",         "1.2.3.4.5",         "v1.2.3.4",
        "10.0.0.1234", "12:30:45",      "00:1a:2b:3c:4d:5e", "std::string",
        "::",          "1:2:3:4:5:6:7", "1::2::3",           "a.1.2.3.4",
    };
    check_kept(kept, COUNT(kept));
}

/* --- jwt ------------------------------------------------------------------- */

#define JWT "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define JWE                                                                                        \
    "eyJhbGciOiJSU0EtT0FFUCJ9.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyK.48V1_ALb6US04U3b."              \
    "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ"

static void jwts_become_placeholder(void **state) {
    (void)state;
    static const scase cases[] = {
        {JWT, "[jwt]"},
        {"token " JWT ".", "token [jwt]."},
        {"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "[jwt]"},
        {"jwt=" JWT, "jwt=[jwt]"},
        {"(" JWT ")", "([jwt])"},
        {"\"" JWT "\"", "\"[jwt]\""},
        {JWE, "[jwt]"},
        {"id_token=" JWT "&state=1", "id_token=[jwt]&state=1"},
        {"Bearer " JWT, "Bearer [jwt]"},
    };
    check_table(cases, COUNT(cases));
}

static void jwt_lookalikes_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "eyJhbGciOiJIUzI1NiJ9", "eyJa.b",    "xeyJa.b.c", "eyJa.b.c.d",
        "eye.ball.game",        "heyJa.b.c", "eyJa..c",   "EYJa.b.c",
    };
    check_kept(kept, COUNT(kept));
}

/* --- bearer ---------------------------------------------------------------- */

static void bearer_tokens_become_placeholder(void **state) {
    (void)state;
    static const scase cases[] = {
        {"Bearer abc123def456", "Bearer [bearer]"},
        {"bearer abcdefgh1", "bearer [bearer]"},
        {"BEARER   sk-abc.DEF_123", "BEARER   [bearer]"},
        {"Authorization: Bearer xyz", "Authorization: Bearer [bearer]"},
        {"got Bearer ya29.a0AfH6SMBx then", "got Bearer [bearer] then"},
        {"Bearer dGhpcyBpcyBhIHRva2Vu==", "Bearer [bearer]"},
        {"Bearer abcdefghijklmnopqrst", "Bearer [bearer]"},
        {"(Bearer 0123456789)", "(Bearer [bearer])"},
    };
    check_table(cases, COUNT(cases));
}

static void bearer_lookalikes_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "bearer of bad news", "Bearer token",     "the Bearer abc",    "Bearer\nabc12345",
        "Bearers abc12345",   "xBearer abc12345", "Bearer abcdefghij", "Bearer abc12345=x",
    };
    check_kept(kept, COUNT(kept));
}

/* --- secret ---------------------------------------------------------------- */

static void credential_values_become_placeholder(void **state) {
    (void)state;
    static const scase cases[] = {
        {"password=hunter2", "password=[secret]"},
        {"passwd: hunter2 next", "passwd: [secret] next"},
        {"pwd=x", "pwd=[secret]"},
        {"api_key: sk_live_123", "api_key: [secret]"},
        {"apikey=abc", "apikey=[secret]"},
        {"token=abc&x=1", "token=[secret]&x=1"},
        {"secret = abc", "secret = [secret]"},
        {"access_key=AKIAIOSFODNN7EXAMPLE", "access_key=[secret]"},
        {"client_secret=s3cr3t;next", "client_secret=[secret];next"},
        {"Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [secret]"},
        {"PASSWORD:\"two words\"", "PASSWORD:\"[secret]\""},
        {"{\"password\": \"correct horse\"}", "{\"password\": \"[secret]\"}"},
        {"X-Api-Key: abc", "X-Api-Key: [secret]"},
        {"DB_PASSWORD='p@ss w0rd'", "DB_PASSWORD='[secret]'"},
        {"aws_secret_access_key=wJalrXUtnFEMI/K7MDENG", "aws_secret_access_key=[secret]"},
        {"\"pwd\":\"a\\\"b\"", "\"pwd\":\"[secret]\""},
        {"user=bob,password=x,role=admin", "user=bob,password=[secret],role=admin"},
    };
    check_table(cases, COUNT(cases));
}

static void credential_lookalikes_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "password is hunter2",
        "password=",
        "password: \"\"",
        "passwords=3",
        "tokenizer=bpe",
        "password_hash=abc",
        "my password: ",
        "compass=north",
        "bypass: yes",
        "keyboard: us",
        "\"credentials\": {\"user\": 1}",
    };
    check_kept(kept, COUNT(kept));
}

static void credential_value_that_is_an_email_is_still_a_secret(void **state) {
    (void)state;
    static const scase cases[] = {{"password=a@b.com", "password=[secret]"}};
    check_table(cases, COUNT(cases));
}

/* --- number ---------------------------------------------------------------- */

static void long_digit_runs_become_number(void **state) {
    (void)state;
    static const scase cases[] = {
        {"order 12345678", "order [number]"},
        {"1234567", "[number]"},
        {"id=98765432101", "id=[number]"},
        {"/users/12345678/profile", "/users/[number]/profile"},
        {"ref #1234567.", "ref #[number]."},
        {"-1234567", "-[number]"},
        {"acct:0001234567", "acct:[number]"},
        {"(1234567)", "([number])"},
        {"5551234567", "[number]"},
    };
    check_table(cases, COUNT(cases));
}

static void short_or_embedded_numbers_are_kept(void **state) {
    (void)state;
    static const char *const kept[] = {
        "123456",
        "3.14159265358979",
        "1234567.89",
        "a1234567",
        "1234567a",
        "0x1234567",
        "1,234,567",
        "2026-11-22",
        "22/11/2026",
        "v1.2.3 v10.4.1",
        "12:30:45.1234567",
        "2026-11-22T05:30:00.123456789Z",
        "port 8080",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "123e4567-e89b-12d3-a456-426614174000",
        "see A23E4567-E89B-12D3-A456-426614174000.",
    };
    check_kept(kept, COUNT(kept));
}

/* --- whole texts ----------------------------------------------------------- */

static void mixed_text_replaces_each_identifier(void **state) {
    (void)state;
    static const scase cases[] = {
        {"User jane@example.com (ssn 123-45-6789) paid with 4111 1111 1111 1111 from "
         "10.0.0.1; call +1 555 123 4567",
         "User [email] (ssn [ssn]) paid with [card] from [ip]; call [phone]"},
        {"GET /v1/users/12345678?token=abc&page=2 from 2001:db8::1 took 12ms",
         "GET /v1/users/[number]?token=[secret]&page=2 from [ip] took 12ms"},
        {"nothing to see here, version 1.2.3 at 10:30",
         "nothing to see here, version 1.2.3 at 10:30"},
    };
    check_table(cases, COUNT(cases));
}

static void utf8_around_matches_is_untouched(void **state) {
    (void)state;
    static const scase cases[] = {
        {"Grüße an jane@example.com — Tel. 555-123-4567 ✓", "Grüße an [email] — Tel. [phone] ✓"},
        {"電話5551234567です", "電話[number]です"},
        {"élève: élève@école.fr", "élève: [email]"},
        {"mail: 用户@例子.广告 ok", "mail: [email] ok"},
        {"\xff\xfe 192.168.0.1 \xc3", "\xff\xfe [ip] \xc3"},
    };
    check_table(cases, COUNT(cases));
}

static void embedded_nul_bytes_are_copied(void **state) {
    (void)state;
    static const char in[] = "a\0b@example.com\0";
    static const char want[] = "a\0[email]\0";
    char out[32];
    size_t n = beacon__scrub(in, sizeof in - 1, out, sizeof out);
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(out, want, sizeof want - 1);
}

/* --- snprintf semantics ---------------------------------------------------- */

static const char k_mixed[] = "pwd=x a@b.c ::1 call 555-123-4567, id 1234567 ünïcode";

static void every_capacity_writes_a_terminated_prefix(void **state) {
    (void)state;
    size_t n = strlen(k_mixed);
    size_t need = beacon__scrub(k_mixed, n, NULL, 0);
    char *full = scrub_str(k_mixed);
    for (size_t cap = 0; cap <= need + 1; cap++) {
        char *out = cap ? malloc(cap) : NULL; /* exact size: ASan sees any overrun */
        assert_int_equal(beacon__scrub(k_mixed, n, out, cap), need);
        if (cap) {
            size_t kept = cap - 1 < need ? cap - 1 : need;
            assert_int_equal(strlen(out), kept);
            assert_memory_equal(out, full, kept);
        }
        free(out);
    }
    free(full);
}

static void output_may_be_longer_than_input_but_within_bound(void **state) {
    (void)state;
    static const char in[] = "pwd=x pwd=x pwd=x";
    size_t need = beacon__scrub(in, sizeof in - 1, NULL, 0);
    assert_true(need > sizeof in - 1);
    assert_true(need <= beacon__scrub_bound(sizeof in - 1));
    char *out = scrub_str(in);
    assert_string_equal(out, "pwd=[secret] pwd=[secret] pwd=[secret]");
    free(out);
}

static void empty_and_null_input_give_empty_output(void **state) {
    (void)state;
    char out[4] = "xyz";
    assert_int_equal(beacon__scrub("", 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    strcpy(out, "xyz");
    assert_int_equal(beacon__scrub(NULL, 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    assert_int_equal(beacon__scrub(NULL, 5, NULL, 0), 0);
}

/* --- pieces ---------------------------------------------------------------- */

typedef struct collected {
    const char *in;
    size_t next_off;
    size_t total;
    int pieces;
    int placeholders;
} collected;

static void collect(void *user, const beacon__scrub_piece *p) {
    collected *c = user;
    assert_int_equal(p->in_off, c->next_off);
    if (p->kind == BEACON__SCRUB_TEXT) {
        assert_ptr_equal(p->text, c->in + p->in_off);
        assert_int_equal(p->len, p->in_len);
    } else {
        assert_true(p->in_len > 0);
        assert_string_equal(p->text, beacon__scrub_placeholder(p->kind));
        assert_int_equal(p->len, strlen(p->text));
        c->placeholders++;
    }
    c->next_off += p->in_len;
    c->total += p->len;
    c->pieces++;
}

static void pieces_cover_the_input_in_order(void **state) {
    (void)state;
    collected c = {k_mixed, 0, 0, 0, 0};
    beacon__scrub_stats st;
    size_t n = strlen(k_mixed);
    size_t total = beacon__scrub_each(k_mixed, n, collect, &c, &st);
    assert_int_equal(c.next_off, n);
    assert_int_equal(c.total, total);
    assert_int_equal(total, beacon__scrub(k_mixed, n, NULL, 0));
    assert_int_equal(c.placeholders, 5);
    assert_int_equal(st.matches[BEACON__SCRUB_SECRET], 1);
    assert_int_equal(st.matches[BEACON__SCRUB_EMAIL], 1);
    assert_int_equal(st.matches[BEACON__SCRUB_IP], 1);
    assert_int_equal(st.matches[BEACON__SCRUB_PHONE], 1);
    assert_int_equal(st.matches[BEACON__SCRUB_NUMBER], 1);
}

static void placeholders_are_named_by_kind(void **state) {
    (void)state;
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_EMAIL), "[email]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_PHONE), "[phone]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_SSN), "[ssn]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_CARD), "[card]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_IP), "[ip]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_JWT), "[jwt]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_BEARER), "[bearer]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_SECRET), "[secret]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_NUMBER), "[number]");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_TEXT), "");
    assert_string_equal(beacon__scrub_placeholder(BEACON__SCRUB_KIND_COUNT), "");
}

/* --- linear work ----------------------------------------------------------- */

static void count_piece(void *user, const beacon__scrub_piece *p) {
    *(size_t *)user += p->len;
}

/* Steps per input byte on n bytes of `unit` repeated. */
static double steps_per_byte(const char *unit, size_t n) {
    size_t ul = strlen(unit);
    char *buf = malloc(n);
    assert_non_null(buf);
    for (size_t i = 0; i < n; i++) buf[i] = unit[i % ul];
    beacon__scrub_stats st;
    size_t sink = 0;
    beacon__scrub_each(buf, n, count_piece, &sink, &st);
    free(buf);
    return (double)st.steps / (double)n;
}

/* Repetitive inputs aimed at each rule's longest scans. The work per byte
 * must stay below a constant and must not grow with the input size: a
 * quadratic scanner would show 4x more steps per byte at 4x the length. */
static void pathological_inputs_take_linear_work(void **state) {
    (void)state;
    static const char *const units[] = {
        "1",      "1 ",        "11 ",       "111 ",       "1111 ",    "1-",  "1.",
        "a@",     "a.",        "@a.",       "::",         "1:",       "a:",  "eyJ.",
        "eyJ",    "password=", "password ", "Bearer ",    "bearer a", "+1 ", "(1",
        "(555) ", "0",         "01 ",       "\"",         "pwd=\"",   "a",   " ",
        "ffff:",  "1.1.1.",    "123e4567-", "4111 1111 ", "x=y&",     "-",   ".1",
    };
    const size_t n = 1u << 20;
    for (size_t i = 0; i < COUNT(units); i++) {
        double small = steps_per_byte(units[i], n / 4);
        double big = steps_per_byte(units[i], n);
        if (big > 64.0 || big > small * 1.05 + 0.5) {
            fail_msg("unit \"%s\": %.2f steps/byte at 256 KiB, %.2f at 1 MiB", units[i], small,
                     big);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(email_addresses_become_placeholder),
        cmocka_unit_test(email_lookalikes_are_kept),
        cmocka_unit_test(phone_numbers_become_placeholder),
        cmocka_unit_test(phone_lookalikes_are_kept),
        cmocka_unit_test(ssns_become_placeholder),
        cmocka_unit_test(ssns_in_never_issued_ranges_are_kept),
        cmocka_unit_test(luhn_valid_cards_become_placeholder),
        cmocka_unit_test(card_lookalikes_are_kept),
        cmocka_unit_test(luhn_failing_digit_run_is_a_number_not_a_card),
        cmocka_unit_test(ip_addresses_become_placeholder),
        cmocka_unit_test(ip_lookalikes_are_kept),
        cmocka_unit_test(jwts_become_placeholder),
        cmocka_unit_test(jwt_lookalikes_are_kept),
        cmocka_unit_test(bearer_tokens_become_placeholder),
        cmocka_unit_test(bearer_lookalikes_are_kept),
        cmocka_unit_test(credential_values_become_placeholder),
        cmocka_unit_test(credential_lookalikes_are_kept),
        cmocka_unit_test(credential_value_that_is_an_email_is_still_a_secret),
        cmocka_unit_test(long_digit_runs_become_number),
        cmocka_unit_test(short_or_embedded_numbers_are_kept),
        cmocka_unit_test(mixed_text_replaces_each_identifier),
        cmocka_unit_test(utf8_around_matches_is_untouched),
        cmocka_unit_test(embedded_nul_bytes_are_copied),
        cmocka_unit_test(every_capacity_writes_a_terminated_prefix),
        cmocka_unit_test(output_may_be_longer_than_input_but_within_bound),
        cmocka_unit_test(empty_and_null_input_give_empty_output),
        cmocka_unit_test(pieces_cover_the_input_in_order),
        cmocka_unit_test(placeholders_are_named_by_kind),
        cmocka_unit_test(pathological_inputs_take_linear_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
