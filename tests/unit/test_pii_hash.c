/* test_pii_hash.c — keyed hashing of PII values: RFC 4231 HMAC-SHA256 vectors
 * (first 128 bits) on both backends, key ids, key specs and the environment,
 * fail-closed refusals, no OpenSSL allocation per hash, and concurrent use.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* setenv */
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
#include <openssl/crypto.h>

#include "privacy/pii_hash.h"

/* OpenSSL allocations, counted through CRYPTO_set_mem_functions (installed
 * in main before anything else touches OpenSSL). */
static long g_ossl_allocs;
static int g_counting_installed;

static void *count_malloc(size_t n, const char *file, int line) {
    (void)file;
    (void)line;
    __atomic_add_fetch(&g_ossl_allocs, 1, __ATOMIC_RELAXED);
    return malloc(n);
}
static void *count_realloc(void *p, size_t n, const char *file, int line) {
    (void)file;
    (void)line;
    __atomic_add_fetch(&g_ossl_allocs, 1, __ATOMIC_RELAXED);
    return realloc(p, n);
}
static void count_free(void *p, const char *file, int line) {
    (void)file;
    (void)line;
    free(p);
}

typedef struct vector {
    uint8_t key[131];
    size_t key_len;
    const char *msg;
    size_t msg_len;
    const char *want; /* first 32 hex chars of HMAC-SHA256 */
} vector;

static vector g_vectors[6];

/* RFC 4231 test cases 1, 3, 4, 5, 6 and 7 (case 2's 4-byte key "Jefe" is
 * below the minimum key length and is refused, see short_key_is_refused). */
static void init_vectors(void) {
    static char dd[50], cd[50];
    memset(dd, 0xdd, sizeof dd);
    memset(cd, 0xcd, sizeof cd);
    vector *v = g_vectors;
    v[0] = (vector){
        .key_len = 20, .msg = "Hi There", .msg_len = 8, .want = "b0344c61d8db38535ca8afceaf0bf12b"};
    memset(v[0].key, 0x0b, 20);
    v[1] = (vector){
        .key_len = 20, .msg = dd, .msg_len = 50, .want = "773ea91e36800e46854db8ebd09181a7"};
    memset(v[1].key, 0xaa, 20);
    v[2] = (vector){
        .key_len = 25, .msg = cd, .msg_len = 50, .want = "82558a389a443c0ea4cc819899f2083a"};
    for (int i = 0; i < 25; i++) v[2].key[i] = (uint8_t)(i + 1);
    v[3] = (vector){.key_len = 20,
                    .msg = "Test With Truncation",
                    .msg_len = 20,
                    .want = "a3b6167473100ee06e0c796c2955552b"};
    memset(v[3].key, 0x0c, 20);
    v[4] = (vector){.key_len = 131,
                    .msg = "Test Using Larger Than Block-Size Key - Hash Key First",
                    .msg_len = 54,
                    .want = "60e431591ee0b67f0d8a26aacbf5b77f"};
    memset(v[4].key, 0xaa, 131);
    v[5] = (vector){.key_len = 131,
                    .msg = "This is a test using a larger than block-size key and a larger "
                           "than block-size data. The key needs to be hashed before being "
                           "used by the HMAC algorithm.",
                    .msg_len = 152,
                    .want = "9b09ffa71b942fcb27635fbcd5b0e944"};
    memset(v[5].key, 0xaa, 131);
}

static const uint8_t k_key16[16] = "0123456789abcdef";

static void check_vectors(beacon__hash_backend backend) {
    for (size_t i = 0; i < sizeof g_vectors / sizeof g_vectors[0]; i++) {
        const vector *v = &g_vectors[i];
        beacon__hasher *h = beacon__hasher_new_backend(v->key, v->key_len, "t", backend);
        assert_non_null(h);
        assert_int_equal(beacon__hasher_backend(h), backend);
        char out[BEACON__HASH_HEX_LEN + 1];
        assert_true(beacon__hasher_hex(h, v->msg, v->msg_len, out));
        if (strcmp(out, v->want) != 0) {
            fail_msg("RFC 4231 vector %zu: got %s want %s", i, out, v->want);
        }
        beacon__hasher_free(h);
    }
}

static void rfc4231_vectors_match_on_sha256_backend(void **state) {
    (void)state;
    check_vectors(BEACON__HASH_BACKEND_SHA256);
}

static void rfc4231_vectors_match_on_evp_backend(void **state) {
    (void)state;
    check_vectors(BEACON__HASH_BACKEND_EVP);
}

static void output_is_32_lowercase_hex(void **state) {
    (void)state;
    beacon__hasher *h = beacon__hasher_new(k_key16, sizeof k_key16, NULL);
    assert_non_null(h);
    char out[BEACON__HASH_HEX_LEN + 1];
    assert_true(beacon__hasher_hex(h, "MRN-0042-7781", 13, out));
    assert_int_equal(strlen(out), 32);
    assert_int_equal(strspn(out, "0123456789abcdef"), 32);
    beacon__hasher_free(h);
}

static void same_input_same_hash_different_input_different_hash(void **state) {
    (void)state;
    beacon__hasher *h = beacon__hasher_new(k_key16, sizeof k_key16, NULL);
    char a[33], b[33], c[33], d[33];
    assert_true(beacon__hasher_hex(h, "a\0b", 3, a));
    assert_true(beacon__hasher_hex(h, "a\0b", 3, b));
    assert_true(beacon__hasher_hex(h, "a", 1, c));  /* bytes after a NUL count */
    assert_true(beacon__hasher_hex(h, NULL, 0, d)); /* empty value */
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(c, d);
    beacon__hasher_free(h);
}

static void different_keys_give_different_hashes(void **state) {
    (void)state;
    uint8_t other[16];
    memcpy(other, k_key16, 16);
    other[15] ^= 1;
    beacon__hasher *h1 = beacon__hasher_new(k_key16, 16, NULL);
    beacon__hasher *h2 = beacon__hasher_new(other, 16, NULL);
    char a[33], b[33];
    assert_true(beacon__hasher_hex(h1, "jane@example.com", 16, a));
    assert_true(beacon__hasher_hex(h2, "jane@example.com", 16, b));
    assert_string_not_equal(a, b);
    assert_string_not_equal(beacon__hasher_key_id(h1), beacon__hasher_key_id(h2));
    beacon__hasher_free(h1);
    beacon__hasher_free(h2);
}

static void short_key_is_refused(void **state) {
    (void)state;
    assert_null(beacon__hasher_new((const uint8_t *)"Jefe", 4, NULL));
    assert_null(beacon__hasher_new(k_key16, 15, NULL));
    assert_null(beacon__hasher_new(NULL, 32, NULL));
    beacon__hasher *h = beacon__hasher_new(k_key16, 16, NULL);
    assert_non_null(h);
    beacon__hasher_free(h);
}

static void null_hasher_fails_closed_with_empty_output(void **state) {
    (void)state;
    char out[33] = "unchanged";
    assert_false(beacon__hasher_hex(NULL, "x", 1, out));
    assert_string_equal(out, "");
    beacon__hasher *h = beacon__hasher_new(k_key16, 16, NULL);
    strcpy(out, "unchanged");
    assert_false(beacon__hasher_hex(h, NULL, 3, out));
    assert_string_equal(out, "");
    beacon__hasher_free(h);
    beacon__hasher_free(NULL);
    assert_null(beacon__hasher_key_id(NULL));
}

/* --- key ids -------------------------------------------------------------- */

static void explicit_key_id_is_reported(void **state) {
    (void)state;
    beacon__hasher *h = beacon__hasher_new(k_key16, 16, "2026-q4.main");
    assert_non_null(h);
    assert_string_equal(beacon__hasher_key_id(h), "2026-q4.main");
    beacon__hasher_free(h);
}

static void derived_key_id_is_hmac_of_label(void **state) {
    (void)state;
    beacon__hasher *h = beacon__hasher_new(g_vectors[0].key, 20, NULL);
    assert_non_null(h);
    /* First 8 hex of HMAC-SHA256(0x0b * 20, "beacon key id"), from Python. */
    assert_string_equal(beacon__hasher_key_id(h), "c5a8a4c8");
    beacon__hasher_free(h);
    h = beacon__hasher_new(g_vectors[0].key, 20, "");
    assert_string_equal(beacon__hasher_key_id(h), "c5a8a4c8");
    beacon__hasher_free(h);
}

static void malformed_key_id_is_refused(void **state) {
    (void)state;
    char long_id[BEACON__HASH_KEY_ID_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_null(beacon__hasher_new(k_key16, 16, long_id));
    long_id[BEACON__HASH_KEY_ID_MAX] = '\0';
    beacon__hasher *h = beacon__hasher_new(k_key16, 16, long_id);
    assert_non_null(h);
    beacon__hasher_free(h);
    assert_null(beacon__hasher_new(k_key16, 16, "has space"));
    assert_null(beacon__hasher_new(k_key16, 16, "quote\""));
    assert_null(beacon__hasher_new(k_key16, 16, "ünï"));
}

/* --- key specs ------------------------------------------------------------ */

static void decode_ok(const char *spec, const uint8_t *want, size_t want_len) {
    uint8_t *key = NULL;
    size_t len = 0;
    const char *why = "unset";
    assert_int_equal(beacon__hash_key_decode(spec, &key, &len, &why), BEACON_OK);
    assert_null(why);
    assert_int_equal(len, want_len);
    assert_memory_equal(key, want, want_len);
    free(key);
}

static void decode_fails(const char *spec, const char *why_contains) {
    uint8_t *key = (uint8_t *)"sentinel";
    size_t len = 99;
    const char *why = NULL;
    assert_int_equal(beacon__hash_key_decode(spec, &key, &len, &why), BEACON_ERR_INVALID_ARGUMENT);
    assert_null(key);
    assert_int_equal(len, 0);
    assert_non_null(why);
    if (!strstr(why, why_contains)) fail_msg("message \"%s\" lacks \"%s\"", why, why_contains);
}

static void hex_key_spec_decodes_either_case(void **state) {
    (void)state;
    static const uint8_t want[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                     0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    decode_ok("hex:00112233445566778899aabbccddeeff", want, 16);
    decode_ok("hex:00112233445566778899AABBCCDDEEFF", want, 16);
}

static void base64_key_spec_decodes_both_alphabets_with_optional_padding(void **state) {
    (void)state;
    static const uint8_t want[17] = {0xfb, 0xff, 0xbf, 0x00, 1,  2,  3,  4, 5,
                                     6,    7,    8,    9,    10, 11, 12, 13};
    decode_ok("base64:+/+/AAECAwQFBgcICQoLDA0=", want, 17);
    decode_ok("base64:-_-_AAECAwQFBgcICQoLDA0", want, 17);
}

static void raw_and_plain_key_specs_are_the_text_bytes(void **state) {
    (void)state;
    decode_ok("raw:hex:not-decoded-here", (const uint8_t *)"hex:not-decoded-here", 20);
    decode_ok("correct horse battery staple", (const uint8_t *)"correct horse battery staple", 28);
}

static void malformed_key_specs_are_refused_with_a_reason(void **state) {
    (void)state;
    decode_fails("hex:0011223344556677889", "even number of hex digits");
    decode_fails("hex:00112233445566778899aabbccddeegg", "even number of hex digits");
    decode_fails("base64:AAAA*AAAAAAAAAAAAAAAAAAAAAA", "not valid base64");
    decode_fails("base64:AAAAA", "not valid base64");
}

static void key_shorter_than_16_bytes_after_decoding_is_refused(void **state) {
    (void)state;
    decode_fails("hex:00112233445566778899aabbccddee", "shorter than 16 bytes");
    decode_fails("base64:AAECAwQFBgcICQoLDA0O", "shorter than 16 bytes");
    decode_fails("fifteen-bytes!!", "shorter than 16 bytes");
    decode_fails("", "shorter than 16 bytes");
    decode_ok("sixteen-bytes!!!", (const uint8_t *)"sixteen-bytes!!!", 16);
}

static void from_spec_builds_hasher_that_matches_raw_key(void **state) {
    (void)state;
    beacon__hasher *a = NULL, *b = beacon__hasher_new(g_vectors[0].key, 20, NULL);
    const char *why = "unset";
    assert_int_equal(
        beacon__hasher_from_spec("hex:0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", NULL, &a, &why),
        BEACON_OK);
    assert_null(why);
    char x[33], y[33];
    beacon__hasher_hex(a, "Hi There", 8, x);
    beacon__hasher_hex(b, "Hi There", 8, y);
    assert_string_equal(x, y);
    assert_string_equal(x, g_vectors[0].want);
    beacon__hasher_free(a);
    beacon__hasher_free(b);
}

/* --- environment ------------------------------------------------------------ */

static void env_without_key_means_no_hasher_and_no_error(void **state) {
    (void)state;
    unsetenv("BEACON_HASH_KEY");
    setenv("BEACON_HASH_KEY_ID", "ignored", 1);
    beacon__hasher *h = (beacon__hasher *)1;
    const char *why = "unset";
    assert_int_equal(beacon__hasher_from_env(&h, &why), BEACON_OK);
    assert_null(h);
    assert_null(why);
    setenv("BEACON_HASH_KEY", "", 1);
    assert_int_equal(beacon__hasher_from_env(&h, &why), BEACON_OK);
    assert_null(h);
    unsetenv("BEACON_HASH_KEY_ID");
}

static void env_key_and_id_build_the_hasher(void **state) {
    (void)state;
    setenv("BEACON_HASH_KEY", "base64:CwsLCwsLCwsLCwsLCwsLCwsLCws=", 1);
    setenv("BEACON_HASH_KEY_ID", "k2026", 1);
    beacon__hasher *h = NULL;
    assert_int_equal(beacon__hasher_from_env(&h, NULL), BEACON_OK);
    assert_non_null(h);
    assert_string_equal(beacon__hasher_key_id(h), "k2026");
    char out[33];
    assert_true(beacon__hasher_hex(h, "Hi There", 8, out));
    assert_string_equal(out, g_vectors[0].want);
    beacon__hasher_free(h);
    unsetenv("BEACON_HASH_KEY");
    unsetenv("BEACON_HASH_KEY_ID");
}

static void env_short_key_fails_closed_with_message(void **state) {
    (void)state;
    setenv("BEACON_HASH_KEY", "tiny-key", 1);
    beacon__hasher *h = (beacon__hasher *)1;
    const char *why = NULL;
    assert_int_equal(beacon__hasher_from_env(&h, &why), BEACON_ERR_INVALID_ARGUMENT);
    assert_null(h);
    assert_non_null(why);
    assert_non_null(strstr(why, "BEACON_HASH_KEY: key shorter than 16 bytes"));
    assert_non_null(strstr(why, "hash fields will be dropped"));
    assert_null(strstr(why, "tiny-key")); /* the key itself never appears */
    unsetenv("BEACON_HASH_KEY");
}

static void env_malformed_key_fails_closed_with_message(void **state) {
    (void)state;
    setenv("BEACON_HASH_KEY", "hex:zz", 1);
    beacon__hasher *h = NULL;
    const char *why = NULL;
    assert_int_equal(beacon__hasher_from_env(&h, &why), BEACON_ERR_INVALID_ARGUMENT);
    assert_null(h);
    assert_non_null(strstr(why, "BEACON_HASH_KEY: malformed"));
    unsetenv("BEACON_HASH_KEY");
}

static void env_bad_key_id_fails_closed_with_message(void **state) {
    (void)state;
    setenv("BEACON_HASH_KEY", "a perfectly long enough key", 1);
    setenv("BEACON_HASH_KEY_ID", "not valid!", 1);
    beacon__hasher *h = NULL;
    const char *why = NULL;
    assert_int_equal(beacon__hasher_from_env(&h, &why), BEACON_ERR_INVALID_ARGUMENT);
    assert_null(h);
    assert_non_null(strstr(why, "BEACON_HASH_KEY_ID"));
    unsetenv("BEACON_HASH_KEY");
    unsetenv("BEACON_HASH_KEY_ID");
}

/* --- cost and threads ------------------------------------------------------- */

static void sha256_backend_hashes_without_allocating(void **state) {
    (void)state;
    assert_true(g_counting_installed);
    beacon__hasher *h = beacon__hasher_new_backend(k_key16, 16, NULL, BEACON__HASH_BACKEND_SHA256);
    assert_non_null(h);
    char out[33];
    long before = __atomic_load_n(&g_ossl_allocs, __ATOMIC_RELAXED);
    for (int i = 0; i < 1000; i++) assert_true(beacon__hasher_hex(h, "value", 5, out));
    assert_int_equal(__atomic_load_n(&g_ossl_allocs, __ATOMIC_RELAXED) - before, 0);
    beacon__hasher_free(h);
}

typedef struct worker_arg {
    const beacon__hasher *h;
    const char *want;
    int mismatches;
} worker_arg;

static void *hash_worker(void *p) {
    worker_arg *a = p;
    char out[33];
    for (int i = 0; i < 2000; i++) {
        if (!beacon__hasher_hex(a->h, "Hi There", 8, out) || strcmp(out, a->want) != 0) {
            a->mismatches++;
        }
    }
    return NULL;
}

static void one_hasher_serves_concurrent_threads(void **state) {
    (void)state;
    for (int b = BEACON__HASH_BACKEND_SHA256; b <= BEACON__HASH_BACKEND_EVP; b++) {
        beacon__hasher *h = beacon__hasher_new_backend(g_vectors[0].key, 20, NULL, b);
        assert_non_null(h);
        pthread_t t[4];
        worker_arg args[4];
        for (int i = 0; i < 4; i++) {
            args[i] = (worker_arg){h, g_vectors[0].want, 0};
            assert_int_equal(pthread_create(&t[i], NULL, hash_worker, &args[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            assert_int_equal(args[i].mismatches, 0);
        }
        beacon__hasher_free(h);
    }
}

int main(void) {
    /* Must precede every OpenSSL allocation in the process. */
    g_counting_installed = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free);
    init_vectors();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4231_vectors_match_on_sha256_backend),
        cmocka_unit_test(rfc4231_vectors_match_on_evp_backend),
        cmocka_unit_test(output_is_32_lowercase_hex),
        cmocka_unit_test(same_input_same_hash_different_input_different_hash),
        cmocka_unit_test(different_keys_give_different_hashes),
        cmocka_unit_test(short_key_is_refused),
        cmocka_unit_test(null_hasher_fails_closed_with_empty_output),
        cmocka_unit_test(explicit_key_id_is_reported),
        cmocka_unit_test(derived_key_id_is_hmac_of_label),
        cmocka_unit_test(malformed_key_id_is_refused),
        cmocka_unit_test(hex_key_spec_decodes_either_case),
        cmocka_unit_test(base64_key_spec_decodes_both_alphabets_with_optional_padding),
        cmocka_unit_test(raw_and_plain_key_specs_are_the_text_bytes),
        cmocka_unit_test(malformed_key_specs_are_refused_with_a_reason),
        cmocka_unit_test(key_shorter_than_16_bytes_after_decoding_is_refused),
        cmocka_unit_test(from_spec_builds_hasher_that_matches_raw_key),
        cmocka_unit_test(env_without_key_means_no_hasher_and_no_error),
        cmocka_unit_test(env_key_and_id_build_the_hasher),
        cmocka_unit_test(env_short_key_fails_closed_with_message),
        cmocka_unit_test(env_malformed_key_fails_closed_with_message),
        cmocka_unit_test(env_bad_key_id_fails_closed_with_message),
        cmocka_unit_test(sha256_backend_hashes_without_allocating),
        cmocka_unit_test(one_hasher_serves_concurrent_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
