/* test_sink_spec.c — sink specs: validation, options, percent-decoding and
 * error messages; beacon_options_set_sinks, BEACON_SINKS and the default sink.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "sinks/sink.h"
#include "fixture_support.h"

static char *g_dir;

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    g_dir = ts_mkdtemp();
    ts_capture_clear_all();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_rmdir(g_dir);
    return 0;
}

/* Adds spec to fresh options and returns the status plus the diagnostic. */
static beacon_status add_spec(const char *spec, ts_diag_captured *cap) {
    beacon_options *o = beacon_options_new();
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, cap);
    beacon_status st = beacon_options_add_sink(o, spec);
    beacon_options_free(o);
    return st;
}

static void valid_specs_are_accepted(void **state) {
    (void)state;
    const char *ok[] = {"stderr",
                        "stdout",
                        "STDERR",
                        "stderr?prefix=X",
                        "stdout?prefix=a%20b&prefix=c",
                        "file:/tmp/x.ndjson",
                        "file:relative/x.ndjson",
                        "file:/tmp/a%3Fb"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ts_diag_captured cap = {0};
        if (add_spec(ok[i], &cap) != BEACON_OK) fail_msg("rejected %s: %s", ok[i], cap.last);
        assert_int_equal(cap.calls, 0);
    }
}

static void unknown_scheme_is_rejected_by_name(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    assert_int_equal(add_spec("syslog:local0", &cap), BEACON_ERR_SINK_SPEC);
    assert_int_equal(cap.calls, 1);
    assert_int_equal(cap.code, BEACON_ERR_SINK_SPEC);
    assert_non_null(strstr(cap.last, "unknown sink scheme 'syslog'"));
}

static void file_keep_above_its_bound_is_refused_by_name(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    assert_int_equal(add_spec("file:/tmp/x.ndjson?max_bytes=100&keep=1000", &cap), BEACON_OK);
    assert_int_equal(cap.calls, 0);
    assert_int_equal(add_spec("file:/tmp/x.ndjson?max_bytes=100&keep=1001", &cap),
                     BEACON_ERR_SINK_SPEC);
    assert_int_equal(cap.code, BEACON_ERR_SINK_SPEC);
    assert_non_null(strstr(cap.last, "keep"));
    assert_non_null(strstr(cap.last, "at most 1000"));
    assert_non_null(strstr(cap.last, "'1001'"));
}

static void http_schemes_are_accepted_with_their_options(void **state) {
    (void)state;
    const char *ok[] = {"otlp+http://localhost:4318",
                        "otlp+https://h:4318/custom?protocol=json",
                        "json+https://x/y?envelope=events&batch=1",
                        "datadog+https://",
                        "ndjson+http://127.0.0.1:1/?compression=zstd&retries=0",
                        "cloudevents+http://h/?mode=structured",
                        "umami+https://u?website=abc&timeout_ms=2000",
                        "json+http://h/?spool=/var/spool/x&spool_max_bytes=65536&spool_sync=none",
                        "json+http://h/?spool=&spool_sync=batch"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char err[256] = "";
        assert_int_equal(beacon__sink_validate(ok[i], false, err, sizeof err), BEACON_OK);
    }
}

static void unknown_http_kinds_and_bad_http_options_are_named(void **state) {
    (void)state;
    struct {
        const char *spec, *says;
    } bad[] = {
        {"syslog+http://h", "HTTP sinks are otlp, datadog"},
        {"json+http://h/?compression=br", "compression"},
        {"otlp+http://h?protocol=thrift", "protocol"},
        {"umami+http://h", "website"},
        {"json+http://h/?website=x", "belongs to another HTTP sink"},
        {"json+http:nohost", "//host"},
        {"json+http://h/?retries=many", "retries"},
        {"json+http://h/?spool=relative/dir", "option spool wants an absolute"},
        {"json+http://h/?spool_max_bytes=4096", "option spool_max_bytes wants"},
        {"json+http://h/?spool_sync=always", "option spool_sync wants batch or none"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        assert_int_equal(beacon__sink_validate(bad[i].spec, false, err, sizeof err),
                         BEACON_ERR_SINK_SPEC);
        assert_non_null(strstr(err, bad[i].says));
    }
}

static void header_values_are_never_quoted_or_shown(void **state) {
    (void)state;
    char err[256] = "";
    assert_int_equal(beacon__sink_validate("json+http://h/?headers=X-Key=s3cr3t%0D%0Ainjected",
                                           false, err, sizeof err),
                     BEACON_ERR_SINK_SPEC);
    assert_null(strstr(err, "s3cr3t"));
    char *shown = beacon__sink_spec_masked("json+http://h/?batch=2&headers=A=s3cr3t&headers=B=x");
    assert_non_null(shown);
    assert_string_equal(shown, "json+http://h/?batch=2&headers=***&headers=***");
    free(shown);
}

static void a_refused_spec_is_reported_without_its_header_values(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    assert_int_equal(add_spec("json+http://h/?headers=X-Key=s3cr3t&compression=br", &cap),
                     BEACON_ERR_SINK_SPEC);
    assert_non_null(strstr(cap.last, "compression"));
    assert_non_null(strstr(cap.last, "headers=***"));
    assert_null(strstr(cap.last, "s3cr3t"));
}

static void url_user_information_is_never_shown(void **state) {
    (void)state;
    char *shown = beacon__sink_spec_masked(
        "otlp+https://ingest:pa%40ss-w0rd@collector:4318/v1/logs?headers=A=s3cr3t&batch=2");
    assert_non_null(shown);
    assert_string_equal(shown, "otlp+https://***@collector:4318/v1/logs?headers=***&batch=2");
    free(shown);
    shown = beacon__sink_spec_masked("json+http://@h/");
    assert_string_equal(shown, "json+http://***@h/");
    free(shown);
    /* An '@' after the authority is part of the path, not a credential. */
    shown = beacon__sink_spec_masked("json+http://h/a@b?batch=1");
    assert_string_equal(shown, "json+http://h/a@b?batch=1");
    free(shown);
    shown = beacon__sink_spec_masked("file:/tmp/x@y.ndjson");
    assert_string_equal(shown, "file:/tmp/x@y.ndjson");
    free(shown);

    char err[256] = "";
    assert_int_equal(
        beacon__sink_validate("otlp+http://u:pa%40ss-w0rd@h:4318", false, err, sizeof err),
        BEACON_OK);
    assert_int_equal(
        beacon__sink_validate("otlp+http://u:pa%zzss-w0rd@h:4318", false, err, sizeof err),
        BEACON_ERR_SINK_SPEC);
    assert_non_null(strstr(err, "user information"));
    assert_null(strstr(err, "w0rd"));

    ts_diag_captured cap = {0};
    assert_int_equal(add_spec("otlp+http://u:pa%40ss-w0rd@h:4318?compression=br", &cap),
                     BEACON_ERR_SINK_SPEC);
    assert_non_null(strstr(cap.last, "compression"));
    assert_non_null(strstr(cap.last, "otlp+http://***@h:4318"));
    assert_null(strstr(cap.last, "w0rd"));
}

static void unknown_option_is_rejected_by_name(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    assert_int_equal(add_spec("stderr?colour=red", &cap), BEACON_ERR_SINK_SPEC);
    assert_non_null(strstr(cap.last, "unknown option 'colour' for sink 'stderr'"));
    cap.calls = 0;
    assert_int_equal(add_spec("file:/tmp/x?prefix=a", &cap), BEACON_ERR_SINK_SPEC);
    assert_non_null(strstr(cap.last, "unknown option 'prefix' for sink 'file'"));
}

static void malformed_specs_are_rejected(void **state) {
    (void)state;
    const char *bad[] = {"",
                         "file",
                         "file:",
                         "file:?x=1",
                         "stderr:/tmp/x",
                         "stderr?prefix",
                         "stderr?=x",
                         "stderr?prefix=%zz",
                         "stderr?prefix=%4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ts_diag_captured cap = {0};
        if (add_spec(bad[i], &cap) != BEACON_ERR_SINK_SPEC) fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(cap.calls, 1);
    }
}

static void option_values_are_percent_decoded(void **state) {
    (void)state;
    beacon__sink_spec spec;
    char err[128];
    assert_int_equal(
        beacon__sink_spec_parse("stdout?prefix=TELEMETRY%3A%20a+b", &spec, err, sizeof err),
        BEACON_OK);
    assert_string_equal(spec.scheme, "stdout");
    assert_string_equal(beacon__sink_spec_option(&spec, "prefix"), "TELEMETRY: a+b");
    beacon__sink_spec_free(&spec);
}

static void a_file_path_is_taken_as_written(void **state) {
    (void)state;
    beacon__sink_spec spec;
    char err[128];
    assert_int_equal(
        beacon__sink_spec_parse("file:/tmp/100%25 done%zz.ndjson?keep=2", &spec, err, sizeof err),
        BEACON_OK);
    assert_string_equal(spec.target, "/tmp/100%25 done%zz.ndjson");
    assert_string_equal(beacon__sink_spec_option(&spec, "keep"), "2");
    beacon__sink_spec_free(&spec);
}

static void null_arguments_are_rejected(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(NULL, "stderr"), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_options_add_sink(o, NULL), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_options_set_sinks(o, NULL), BEACON_ERR_INVALID_ARGUMENT);
    beacon_options_set_debug(NULL, true);
    beacon_options_set_service(NULL, "a", "b");
    beacon_options_set_enabled(NULL, false);
    beacon_options_set_diagnostic_callback(NULL, NULL, NULL);
    beacon_options_free(o);
    beacon_options_free(NULL);
}

static size_t sink_count(void) {
    size_t n = 99;
    assert_int_equal(beacon_stats(NULL, NULL, 0, &n), BEACON_OK);
    return n;
}

static void set_sinks_splits_and_ignores_blank_entries(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_set_sinks(o, " stderr ; ;stdout?prefix=x;"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    beacon_sink_stats s[4];
    size_t n = 0;
    beacon_stats(NULL, s, 4, &n);
    assert_int_equal(n, 2);
    assert_string_equal(s[0].spec, "stderr");
    assert_string_equal(s[1].spec, "stdout?prefix=x");
}

static void set_sinks_keeps_the_old_list_on_error(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    beacon_options *o = beacon_options_new();
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, &cap);
    assert_int_equal(beacon_options_set_sinks(o, "stdout;stdout"), BEACON_OK);
    assert_int_equal(beacon_options_set_sinks(o, "stderr;bogus"), BEACON_ERR_SINK_SPEC);
    assert_non_null(strstr(cap.last, "'bogus'"));
    assert_int_equal(beacon_init(o), BEACON_OK);
    beacon_sink_stats s[4];
    size_t n = 0;
    beacon_stats(NULL, s, 4, &n);
    assert_int_equal(n, 2);
    assert_string_equal(s[0].spec, "stdout");
}

static void default_sink_is_stderr(void **state) {
    (void)state;
    assert_int_equal(beacon_init(NULL), BEACON_OK);
    beacon_sink_stats s[2];
    size_t n = 0;
    beacon_stats(NULL, s, 2, &n);
    assert_int_equal(n, 1);
    assert_string_equal(s[0].spec, "stderr");
}

static void beacon_sinks_env_is_used_when_code_sets_none(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "env.ndjson");
    char *file2 = ts_path(g_dir, "env2.ndjson");
    char spec[1024];
    snprintf(spec, sizeof spec, "file:%s; file:%s", file, file2);
    setenv("BEACON_SINKS", spec, 1);
    assert_int_equal(beacon_init(beacon_options_new()), BEACON_OK);
    assert_int_equal(sink_count(), 2);
    tfx_plain ev = tfx_plain_make(3);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    json_t *lines = ts_read_ndjson(file);
    assert_int_equal(json_array_size(lines), 1);
    json_decref(lines);
    lines = ts_read_ndjson(file2);
    assert_int_equal(json_array_size(lines), 1);
    json_decref(lines);
    free(file);
    free(file2);
}

static void code_sinks_win_over_env(void **state) {
    (void)state;
    setenv("BEACON_SINKS", "stdout;stdout;stdout", 1);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "stderr"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    assert_int_equal(sink_count(), 1);
}

static void env_sinks_with_none_valid_fail_init(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    setenv("BEACON_SINKS", "nope://x;file:", 1);
    beacon_options *o = beacon_options_new();
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, &cap);
    assert_int_equal(beacon_init(o), BEACON_ERR_SINK_SPEC);
    assert_true(cap.calls >= 1);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_not_equal(tfx_plain_emit(&ev), BEACON_OK);
}

static void invalid_env_sink_is_skipped_and_the_valid_ones_work(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    setenv("BEACON_SINKS", "stdout;nope://x", 1);
    beacon_options *o = beacon_options_new();
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, &cap);
    assert_int_equal(beacon_init(o), BEACON_OK);
    assert_int_equal(sink_count(), 1);
    assert_int_equal(cap.calls, 1);
    assert_non_null(strstr(cap.last, "'nope://x'"));
    assert_non_null(strstr(cap.last, "skipped"));
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void spool_dir_setter_wants_an_absolute_path(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_set_spool_dir(NULL, "/tmp/x"), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_options_set_spool_dir(o, "relative/dir"), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_options_set_spool_dir(o, "/tmp/x"), BEACON_OK);
    assert_int_equal(beacon_options_set_spool_dir(o, ""), BEACON_OK);
    assert_int_equal(beacon_options_set_spool_dir(o, NULL), BEACON_OK);
    beacon_options_free(o);
}

/* The directory set in code is where an HTTP sink without spool= keeps what
 * an endpoint that refuses connections did not take. */
static void spool_dir_set_in_code_keeps_what_the_endpoint_refused(void **state) {
    (void)state;
    char *root = ts_path(g_dir, "spool");
    beacon_counters before, after;
    beacon_stats(&before, NULL, 0, NULL);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_set_spool_dir(o, root), BEACON_OK);
    assert_int_equal(beacon_options_add_sink(o, "json+http://127.0.0.1:1/?retries=0"), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
    for (int i = 0; i < 3; i++) {
        tfx_plain ev = tfx_plain_make(i);
        assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    }
    beacon_shutdown(5000);
    beacon_stats(&after, NULL, 0, NULL);
    assert_int_equal(after.spooled - before.spooled, 3);
    assert_int_equal(after.dropped_send_failed - before.dropped_send_failed, 0);
    struct stat sb;
    assert_int_equal(stat(root, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    nftw(root, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(root);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(valid_specs_are_accepted),
        T(unknown_scheme_is_rejected_by_name),
        T(file_keep_above_its_bound_is_refused_by_name),
        T(http_schemes_are_accepted_with_their_options),
        T(unknown_http_kinds_and_bad_http_options_are_named),
        T(header_values_are_never_quoted_or_shown),
        T(a_refused_spec_is_reported_without_its_header_values),
        T(url_user_information_is_never_shown),
        T(unknown_option_is_rejected_by_name),
        T(malformed_specs_are_rejected),
        T(option_values_are_percent_decoded),
        T(a_file_path_is_taken_as_written),
        T(null_arguments_are_rejected),
        T(set_sinks_splits_and_ignores_blank_entries),
        T(set_sinks_keeps_the_old_list_on_error),
        T(default_sink_is_stderr),
        T(beacon_sinks_env_is_used_when_code_sets_none),
        T(code_sinks_win_over_env),
        T(env_sinks_with_none_valid_fail_init),
        T(invalid_env_sink_is_skipped_and_the_valid_ones_work),
        T(spool_dir_setter_wants_an_absolute_path),
        T(spool_dir_set_in_code_keeps_what_the_endpoint_refused),
    };
    return cmocka_run_group_tests_name("sink_spec", tests, NULL, NULL);
}
