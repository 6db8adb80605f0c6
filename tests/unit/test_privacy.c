/* test_privacy.c — PII policies end to end through real generated code (the
 * privacy fixture catalog, prv_events.h): what callback and capture sinks,
 * diagnostics and stats receive, raw_pii=1 sinks, hash keys from code and
 * environment, the no-key fail-closed path, the generated _to_json, scrub
 * before the max_length cut, and resource attributes on resource=1 sinks.
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

#include <cmocka.h>

#include "fixture_support.h"
#include "prv_events.h"

static const uint8_t k_key[32] = "0123456789abcdef0123456789abcdef";

/* ---- what the untrusted side saw ------------------------------------------ */

#define SEEN_MAX (1u << 20)
static char g_seen[SEEN_MAX]; /* callback sink output and diagnostics */
static size_t g_seen_len;
static unsigned g_diag_count;
static unsigned g_diag_hash_count;
static pthread_mutex_t g_seen_mu = PTHREAD_MUTEX_INITIALIZER;

static void seen_append(const char *s, size_t n) {
    pthread_mutex_lock(&g_seen_mu);
    if (g_seen_len + n + 1 < SEEN_MAX) {
        memcpy(g_seen + g_seen_len, s, n);
        g_seen_len += n;
        g_seen[g_seen_len++] = '\n';
        g_seen[g_seen_len] = '\0';
    }
    pthread_mutex_unlock(&g_seen_mu);
}

static bool on_events(const beacon_event_json *ev, size_t n, void *user) {
    (void)user;
    for (size_t i = 0; i < n; i++) seen_append(ev[i].json, ev[i].len);
    return true;
}

static void on_diag(beacon_status code, const char *message, void *user) {
    (void)code;
    (void)user;
    pthread_mutex_lock(&g_seen_mu);
    g_diag_count++;
    if (strstr(message, "pii: hash")) g_diag_hash_count++;
    pthread_mutex_unlock(&g_seen_mu);
    seen_append(message, strlen(message));
}

static void reset(void) {
    ts_reset_runtime();
    unsetenv("BEACON_HASH_KEY");
    unsetenv("BEACON_HASH_KEY_ID");
    unsetenv("OTEL_SERVICE_NAME");
    unsetenv("OTEL_RESOURCE_ATTRIBUTES");
    unsetenv("BEACON_ENVIRONMENT");
    beacon_capture_clear("out");
    beacon_capture_clear("raw");
    g_seen_len = 0;
    g_seen[0] = '\0';
    g_diag_count = g_diag_hash_count = 0;
}

static int setup(void **state) {
    (void)state;
    reset();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    prv_context_clear();
    reset();
    return 0;
}

/* Callback sink, untrusted capture "out", trusted capture "raw"; debug on so
 * every diagnostic is produced and seen. */
static beacon_options *options_all_sinks(void) {
    beacon_options *o = beacon_options_new();
    assert_non_null(o);
    assert_int_equal(beacon_options_add_callback_sink(o, on_events, NULL, NULL), BEACON_OK);
    assert_int_equal(beacon_options_add_sink(o, "capture:out"), BEACON_OK);
    assert_int_equal(beacon_options_add_sink(o, "capture:raw?raw_pii=1"), BEACON_OK);
    beacon_options_set_debug(o, true);
    beacon_options_set_diagnostic_callback(o, on_diag, NULL);
    return o;
}

static json_t *captured(const char *name, size_t i) {
    char buf[65536];
    size_t n = beacon_capture_get(name, i, buf, sizeof buf);
    assert_true(n > 0 && n < sizeof buf);
    return ts_parse(buf);
}

static const char *str_of(json_t *obj, const char *key) {
    return json_string_value(json_object_get(obj, key));
}

/* ---- the corpus --------------------------------------------------------------
 * Values a scrubber recognises go into scrub fields; every value goes into
 * hash, redact and drop fields. */

static const char *const k_any[] = {
    "jane.doe@example.com",
    "Jane Q. Public",
    "MRN-00482913",
    "+1 415 555 0100",
    "4111 1111 1111 1111",
    "Zoë Łukasiewicz-Ångström",
    "O'Brien \"the\" <patient>",
    "line1\nline2\ttab\x01\x1f",
    "\xe5\xbc\xa0\xe4\xbc\x9f", /* a CJK name */
};
static const char *const k_scrubbable[] = {
    "jane.doe@example.com",
    "+1 415 555 0100",
    "4111 1111 1111 1111",
    "123-45-6789",
    "00482913",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
};
#define N_ANY   (sizeof k_any / sizeof k_any[0])
#define N_SCRUB (sizeof k_scrubbable / sizeof k_scrubbable[0])

/* The JSON-escaped form of s (what a sink would contain if it leaked s). */
static void json_escaped(const char *s, char *out, size_t cap) {
    json_t *j = json_string(s);
    char *d = json_dumps(j, JSON_ENCODE_ANY);
    snprintf(out, cap, "%.*s", (int)strlen(d) - 2, d + 1);
    free(d);
    json_decref(j);
}

static bool text_has(const char *hay, const char *needle) {
    return needle[0] && strstr(hay, needle) != NULL;
}

static void assert_absent(const char *hay, const char *value) {
    char esc[512];
    json_escaped(value, esc, sizeof esc);
    if (text_has(hay, value) || text_has(hay, esc)) fail_msg("leaked: %s", esc);
}

/* Emits every corpus value in every protected position. */
static void emit_corpus(void) {
    for (size_t i = 0; i < N_ANY; i++) {
        const char *v = k_any[i];
        const char *list[2] = {v, "x"};
        beacon_attr attrs[1] = {beacon_attr_str("k", v)};
        assert_int_equal(prv_context_set_ctx_hash(v), BEACON_OK);
        assert_int_equal(prv_context_set_ctx_redact(v), BEACON_OK);
        assert_int_equal(prv_context_set_ctx_drop(v), BEACON_OK);
        prv_record_stored ev = prv_record_stored_make();
        prv_record_stored_set_f_hash(&ev, v);
        prv_record_stored_set_f_redact(&ev, v);
        prv_record_stored_set_f_drop(&ev, v);
        prv_record_stored_set_l_hash(&ev, list, 2);
        prv_record_stored_set_l_redact(&ev, list, 2);
        prv_record_stored_set_l_drop(&ev, list, 2);
        prv_record_stored_set_a_hash(&ev, attrs, 1);
        prv_record_stored_set_a_redact(&ev, attrs, 1);
        prv_record_stored_set_a_drop(&ev, attrs, 1);
        assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    }
    prv_context_clear();
    for (size_t i = 0; i < N_SCRUB; i++) {
        char text[256];
        snprintf(text, sizeof text, "note: %s end", k_scrubbable[i]);
        const char *list[1] = {text};
        beacon_attr attrs[1] = {beacon_attr_str("k", text)};
        assert_int_equal(prv_context_set_ctx_scrub(text), BEACON_OK);
        prv_record_stored ev = prv_record_stored_make();
        prv_record_stored_set_f_scrub(&ev, text);
        prv_record_stored_set_f_short(&ev, text);
        prv_record_stored_set_l_scrub(&ev, list, 1);
        prv_record_stored_set_a_scrub(&ev, attrs, 1);
        assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    }
    prv_context_clear();
}

static void untrusted_sinks_and_diagnostics_never_see_pii(void **state) {
    (void)state;
    beacon_options *o = options_all_sinks();
    assert_int_equal(beacon_options_set_hash_key(o, k_key, sizeof k_key, "t1"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    emit_corpus();
    assert_int_equal(beacon_flush(5000), BEACON_OK);

    char stats[8192];
    assert_int_equal(beacon_stats_json(stats, sizeof stats, NULL), BEACON_OK);
    size_t n_out = beacon_capture_count("out");
    assert_int_equal(n_out, N_ANY + N_SCRUB);
    /* Every untrusted output in one text: callback + diagnostics, capture, stats. */
    size_t cap = SEEN_MAX * 2;
    char *all = malloc(cap);
    assert_non_null(all);
    size_t len = (size_t)snprintf(all, cap, "%s\n%s\n", g_seen, stats);
    for (size_t i = 0; i < n_out; i++) len += beacon_capture_get("out", i, all + len, cap - len);
    for (size_t i = 0; i < N_ANY; i++) assert_absent(all, k_any[i]);
    for (size_t i = 0; i < N_SCRUB; i++) assert_absent(all, k_scrubbable[i]);
    free(all);
}

static void raw_pii_sink_gets_the_values_in_the_same_run(void **state) {
    (void)state;
    beacon_options *o = options_all_sinks();
    assert_int_equal(beacon_options_set_hash_key(o, k_key, sizeof k_key, "t1"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    emit_corpus();
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    size_t n = beacon_capture_count("raw");
    assert_int_equal(n, N_ANY + N_SCRUB);
    for (size_t i = 0; i < N_ANY; i++) {
        json_t *e = captured("raw", i);
        json_t *d = json_object_get(e, "data");
        assert_string_equal(str_of(d, "f_hash"), k_any[i]);
        assert_string_equal(str_of(d, "f_redact"), k_any[i]);
        assert_string_equal(str_of(d, "f_drop"), k_any[i]);
        assert_string_equal(json_string_value(json_array_get(json_object_get(d, "l_hash"), 0)),
                            k_any[i]);
        assert_string_equal(str_of(json_object_get(d, "a_drop"), "k"), k_any[i]);
        assert_string_equal(str_of(json_object_get(e, "context"), "ctx_drop"), k_any[i]);
        assert_null(json_object_get(e, "hash_key"));
        json_decref(e);
    }
}

static void policies_give_hash_redacted_and_omitted_values(void **state) {
    (void)state;
    beacon_options *o = options_all_sinks();
    assert_int_equal(beacon_options_set_hash_key(o, k_key, sizeof k_key, "t1"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    const char *list[2] = {"a", "b"};
    beacon_attr attrs[2] = {beacon_attr_str("s", "v"), beacon_attr_int("n", 7)};
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_hash(&ev, "v");
    prv_record_stored_set_f_redact(&ev, "v");
    prv_record_stored_set_f_drop(&ev, "v");
    prv_record_stored_set_l_redact(&ev, list, 2);
    prv_record_stored_set_a_hash(&ev, attrs, 2);
    assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e = captured("out", 0);
    json_t *d = json_object_get(e, "data");
    const char *h = str_of(d, "f_hash");
    assert_non_null(h);
    assert_int_equal(strlen(h), 32);
    assert_string_equal(str_of(json_object_get(d, "a_hash"), "s"), h); /* same value, same hash */
    assert_int_equal(strlen(str_of(json_object_get(d, "a_hash"), "n")), 32);
    assert_string_equal(str_of(d, "f_redact"), "[REDACTED]");
    assert_string_equal(json_string_value(json_array_get(json_object_get(d, "l_redact"), 1)),
                        "[REDACTED]");
    assert_null(json_object_get(d, "f_drop"));
    assert_string_equal(str_of(e, "hash_key"), "t1");
    json_decref(e);
}

static void hash_key_is_named_only_when_a_value_was_hashed(void **state) {
    (void)state;
    beacon_options *o = options_all_sinks();
    assert_int_equal(beacon_options_set_hash_key(o, k_key, sizeof k_key, "t1"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_redact(&ev, "v");
    assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(prv_context_set_ctx_hash("who"), BEACON_OK);
    assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e0 = captured("out", 0), *e1 = captured("out", 1);
    assert_null(json_object_get(e0, "hash_key"));
    assert_string_equal(str_of(e1, "hash_key"), "t1");
    /* After "data", before anything else. */
    char buf[4096];
    beacon_capture_get("out", 1, buf, sizeof buf);
    assert_non_null(strstr(buf, "},\"hash_key\":\"t1\"}"));
    json_decref(e0);
    json_decref(e1);
}

static void key_set_in_code_wins_over_environment(void **state) {
    (void)state;
    setenv("BEACON_HASH_KEY", "raw:an-environment-key-of-some-length", 1);
    setenv("BEACON_HASH_KEY_ID", "env", 1);
    beacon_options *o = options_all_sinks();
    assert_int_equal(beacon_options_set_hash_key(o, k_key, sizeof k_key, "code"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_hash(&ev, "v");
    assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e = captured("out", 0);
    assert_string_equal(str_of(e, "hash_key"), "code");
    json_decref(e);
}

static void environment_key_is_used_without_one_in_code(void **state) {
    (void)state;
    setenv("BEACON_HASH_KEY", "raw:an-environment-key-of-some-length", 1);
    setenv("BEACON_HASH_KEY_ID", "env", 1);
    assert_int_equal(beacon_init(options_all_sinks()), BEACON_OK);
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_hash(&ev, "v");
    assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e = captured("out", 0);
    assert_string_equal(str_of(e, "hash_key"), "env");
    assert_int_equal(strlen(str_of(json_object_get(e, "data"), "f_hash")), 32);
    json_decref(e);
}

static void without_a_key_hash_fields_are_redacted_with_one_diagnostic(void **state) {
    (void)state;
    assert_int_equal(beacon_init(options_all_sinks()), BEACON_OK);
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_hash(&ev, "secret-value");
    prv_record_stored_set_f_plain(&ev, "ok");
    for (int i = 0; i < 3; i++) assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e = captured("out", 2);
    assert_string_equal(str_of(json_object_get(e, "data"), "f_hash"), "[REDACTED]");
    assert_string_equal(str_of(json_object_get(e, "data"), "f_plain"), "ok");
    assert_null(json_object_get(e, "hash_key"));
    json_decref(e);
    assert_int_equal(g_diag_hash_count, 1);
    assert_non_null(strstr(g_seen, "BEACON_HASH_KEY"));
    assert_null(strstr(g_seen, "secret-value"));
}

static void malformed_environment_key_fails_closed_and_says_why(void **state) {
    (void)state;
    setenv("BEACON_HASH_KEY", "hex:zz", 1);
    assert_int_equal(beacon_init(options_all_sinks()), BEACON_OK);
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_hash(&ev, "secret-value");
    assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e = captured("out", 0);
    assert_string_equal(str_of(json_object_get(e, "data"), "f_hash"), "[REDACTED]");
    json_decref(e);
    assert_non_null(strstr(g_seen, "BEACON_HASH_KEY: malformed"));
}

static void set_hash_key_rejects_short_keys_and_bad_ids(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_set_hash_key(o, k_key, 15, NULL), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_options_set_hash_key(o, k_key, 16, "bad id"),
                     BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_options_set_hash_key(NULL, k_key, 16, NULL),
                     BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_options_set_hash_key(o, k_key, 16, NULL), BEACON_OK);
    beacon_options_free(o);
}

static void hash_key_is_copied(void **state) {
    (void)state;
    uint8_t key[32];
    memcpy(key, k_key, sizeof key);
    beacon_options *o = options_all_sinks();
    assert_int_equal(beacon_options_set_hash_key(o, key, sizeof key, "t1"), BEACON_OK);
    memset(key, 0, sizeof key);
    assert_int_equal(beacon_init(o), BEACON_OK);
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_hash(&ev, "v");
    char direct[1024];
    prv_record_stored_to_json(&ev, direct, sizeof direct);
    beacon_shutdown(2000);
    reset();
    beacon_options *o2 = options_all_sinks();
    assert_int_equal(beacon_options_set_hash_key(o2, k_key, sizeof k_key, "t1"), BEACON_OK);
    assert_int_equal(beacon_init(o2), BEACON_OK);
    char again[1024];
    prv_record_stored_to_json(&ev, again, sizeof again);
    assert_string_equal(direct, again);
}

static void to_json_hashes_with_the_runtime_key_only_while_running(void **state) {
    (void)state;
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_hash(&ev, "v");
    prv_record_stored_set_f_redact(&ev, "r");
    char buf[1024];
    prv_record_stored_to_json(&ev, buf, sizeof buf);
    json_t *before = ts_parse(buf);
    assert_string_equal(str_of(json_object_get(before, "data"), "f_hash"), "[REDACTED]");
    json_decref(before);

    beacon_options *o = options_all_sinks();
    assert_int_equal(beacon_options_set_hash_key(o, k_key, sizeof k_key, "t1"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    prv_record_stored_to_json(&ev, buf, sizeof buf);
    json_t *running = ts_parse(buf);
    assert_int_equal(strlen(str_of(json_object_get(running, "data"), "f_hash")), 32);
    assert_string_equal(str_of(running, "hash_key"), "t1");
    assert_string_equal(str_of(json_object_get(running, "data"), "f_redact"), "[REDACTED]");
    json_decref(running);

    beacon_shutdown(2000);
    prv_record_stored_to_json(&ev, buf, sizeof buf);
    json_t *after = ts_parse(buf);
    assert_string_equal(str_of(json_object_get(after, "data"), "f_hash"), "[REDACTED]");
    json_decref(after);
}

static void to_json_raw_flag_writes_values_as_given(void **state) {
    (void)state;
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_f_hash(&ev, "v1");
    prv_record_stored_set_f_drop(&ev, "v2");
    prv_record_stored_set_f_scrub(&ev, "mail a@b.example");
    char buf[1024];
    beacon_gen_to_json(&ev.hdr, buf, sizeof buf, BEACON_JSON_RAW_PII);
    json_t *e = ts_parse(buf);
    json_t *d = json_object_get(e, "data");
    assert_string_equal(str_of(d, "f_hash"), "v1");
    assert_string_equal(str_of(d, "f_drop"), "v2");
    assert_string_equal(str_of(d, "f_scrub"), "mail a@b.example");
    json_decref(e);
}

static void scrub_runs_before_the_max_length_cut(void **state) {
    (void)state;
    assert_int_equal(beacon_init(options_all_sinks()), BEACON_OK);
    prv_record_stored ev = prv_record_stored_make();
    /* Cut first at 24 bytes, this would leave "contact jane.doe@example". */
    prv_record_stored_set_f_short(&ev, "contact jane.doe@example.com today, thanks");
    assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e = captured("out", 0);
    const char *v = str_of(json_object_get(e, "data"), "f_short");
    assert_string_equal(v, "contact [email] today, t");
    json_t *t = json_object_get(e, "truncated");
    assert_string_equal(json_string_value(json_array_get(t, 0)), "f_short");
    json_decref(e);
}

static void scrub_cut_never_splits_a_placeholder_or_a_character(void **state) {
    (void)state;
    prv_record_stored ev = prv_record_stored_make();
    /* 20 bytes of text, then an email: its placeholder does not fit. */
    prv_record_stored_set_f_short(&ev, "0123456789abcdefghi a@b.example");
    char buf[1024];
    prv_record_stored_to_json(&ev, buf, sizeof buf);
    json_t *e = ts_parse(buf);
    assert_string_equal(str_of(json_object_get(e, "data"), "f_short"), "0123456789abcdefghi ");
    json_decref(e);
    /* "é" straddles byte 24. */
    prv_record_stored_set_f_short(&ev, "0123456789abcdefghijklm\xc3\xa9z");
    prv_record_stored_to_json(&ev, buf, sizeof buf);
    e = ts_parse(buf);
    assert_string_equal(str_of(json_object_get(e, "data"), "f_short"), "0123456789abcdefghijklm");
    json_decref(e);
}

static void numeric_attribute_values_are_protected_too(void **state) {
    (void)state;
    assert_int_equal(beacon_init(options_all_sinks()), BEACON_OK);
    beacon_attr attrs[2] = {beacon_attr_uint("phone", 4155550100u), beacon_attr_int("small", 42)};
    prv_record_stored ev = prv_record_stored_make();
    prv_record_stored_set_a_scrub(&ev, attrs, 2);
    prv_record_stored_set_a_redact(&ev, attrs, 2);
    assert_int_equal(prv_record_stored_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e = captured("out", 0);
    json_t *d = json_object_get(e, "data");
    assert_string_equal(str_of(json_object_get(d, "a_scrub"), "phone"), "[number]");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "a_scrub"), "small")),
                     42);
    assert_string_equal(str_of(json_object_get(d, "a_redact"), "small"), "[REDACTED]");
    json_decref(e);
}

static void raw_pii_option_takes_only_zero_or_one(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "stderr?raw_pii=2"), BEACON_ERR_SINK_SPEC);
    assert_int_equal(beacon_options_add_sink(o, "stderr?resource=yes"), BEACON_ERR_SINK_SPEC);
    assert_int_equal(beacon_options_add_sink(o, "stderr?raw_pii=0&resource=1"), BEACON_OK);
    beacon_options_free(o);
}

/* ---- resource attributes -------------------------------------------------- */

static json_t *resource_of_first(const char *sink_name) {
    prv_work_note ev = prv_work_note_make(1);
    assert_int_equal(prv_work_note_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    json_t *e = captured(sink_name, 0);
    json_t *r = json_incref(json_object_get(e, "resource"));
    json_decref(e);
    return r;
}

static void resource_appears_only_on_sinks_that_ask(void **state) {
    (void)state;
    beacon_options *o = options_all_sinks();
    assert_int_equal(beacon_options_add_sink(o, "capture:res?resource=1"), BEACON_OK);
    beacon_options_set_service(o, "svc", "1.2.3");
    assert_int_equal(beacon_init(o), BEACON_OK);
    json_t *none = resource_of_first("out");
    assert_null(none);
    json_t *r = resource_of_first("res");
    assert_non_null(r);
    assert_string_equal(str_of(r, "service.name"), "svc");
    assert_string_equal(str_of(r, "service.version"), "1.2.3");
    assert_non_null(str_of(r, "host.name"));
    json_decref(r);
    beacon_capture_clear("res");
}

static void otel_environment_is_decoded_and_code_wins(void **state) {
    (void)state;
    setenv("OTEL_RESOURCE_ATTRIBUTES",
           "team=core%20data, region = eu-west-1,bad%zz=1,host.name=h1,service.name=from-attrs", 1);
    setenv("OTEL_SERVICE_NAME", "from-env", 1);
    setenv("BEACON_ENVIRONMENT", "staging", 1);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "capture:res?resource=1"), BEACON_OK);
    assert_int_equal(beacon_options_set_resource_attr(o, "region", "us-east-1"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    json_t *r = resource_of_first("res");
    assert_non_null(r);
    assert_string_equal(str_of(r, "team"), "core data");
    assert_string_equal(str_of(r, "region"), "us-east-1");
    assert_string_equal(str_of(r, "host.name"), "h1");
    assert_string_equal(str_of(r, "service.name"), "from-env");
    assert_string_equal(str_of(r, "deployment.environment"), "staging");
    assert_null(json_object_get(r, "bad%zz"));
    json_decref(r);
    beacon_capture_clear("res");
}

static void service_set_in_code_wins_over_otel_service_name(void **state) {
    (void)state;
    setenv("OTEL_SERVICE_NAME", "from-env", 1);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "capture:res?resource=1"), BEACON_OK);
    beacon_options_set_service(o, "from-code", NULL);
    assert_int_equal(beacon_init(o), BEACON_OK);
    json_t *r = resource_of_first("res");
    assert_string_equal(str_of(r, "service.name"), "from-code");
    json_decref(r);
    beacon_capture_clear("res");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(untrusted_sinks_and_diagnostics_never_see_pii),
        T(raw_pii_sink_gets_the_values_in_the_same_run),
        T(policies_give_hash_redacted_and_omitted_values),
        T(hash_key_is_named_only_when_a_value_was_hashed),
        T(key_set_in_code_wins_over_environment),
        T(environment_key_is_used_without_one_in_code),
        T(without_a_key_hash_fields_are_redacted_with_one_diagnostic),
        T(malformed_environment_key_fails_closed_and_says_why),
        T(set_hash_key_rejects_short_keys_and_bad_ids),
        T(hash_key_is_copied),
        T(to_json_hashes_with_the_runtime_key_only_while_running),
        T(to_json_raw_flag_writes_values_as_given),
        T(scrub_runs_before_the_max_length_cut),
        T(scrub_cut_never_splits_a_placeholder_or_a_character),
        T(numeric_attribute_values_are_protected_too),
        T(raw_pii_option_takes_only_zero_or_one),
        T(resource_appears_only_on_sinks_that_ask),
        T(otel_environment_is_decoded_and_code_wins),
        T(service_set_in_code_wins_over_otel_service_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
