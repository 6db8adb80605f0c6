/* test_sink.c — sink specs (validation, options, percent-decoding, error
 * messages), BEACON_SINKS and the default sink, and the stream and file
 * sinks' output and failure accounting.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <fcntl.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_events.h"
#include "sinks/sink.h"
#include "fixture_support.h"

static char *g_dir;

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    g_dir = ts_mkdtemp();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_rmdir(g_dir);
    g_dir = NULL;
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

static void http_schemes_are_accepted_with_their_options(void **state) {
    (void)state;
    const char *ok[] = {"otlp+http://localhost:4318",
                        "otlp+https://h:4318/custom?protocol=json",
                        "json+https://x/y?envelope=events&batch=1",
                        "datadog+https://",
                        "ndjson+http://127.0.0.1:1/?compression=zstd&retries=0",
                        "cloudevents+http://h/?mode=structured",
                        "umami+https://u?website=abc&timeout_ms=2000"};
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
                         "stderr?prefix=%4",
                         "file:/tmp/%00x"};
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
    assert_int_equal(beacon__sink_spec_parse("file:/tmp/a%3Fb.ndjson", &spec, err, sizeof err),
                     BEACON_OK);
    assert_string_equal(spec.target, "/tmp/a?b.ndjson");
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
    assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_OK);
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

static void invalid_env_sinks_fail_init(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    setenv("BEACON_SINKS", "stderr;nope://x", 1);
    beacon_options *o = beacon_options_new();
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, &cap);
    assert_int_equal(beacon_init(o), BEACON_ERR_SINK_SPEC);
    assert_true(cap.calls >= 1);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_not_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_OK);
}

/* Runs fn with fd (1 or 2) redirected into a file; returns the ts_diag_captured text. */
static char *capture_fd(int fd, void (*fn)(void)) {
    char *path = ts_path(g_dir, fd == 1 ? "stdout.txt" : "stderr.txt");
    fflush(NULL);
    int saved = dup(fd);
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && f >= 0);
    dup2(f, fd);
    close(f);
    fn();
    beacon_flush(5000); /* the worker writes while fd still points at the file */
    fflush(NULL);
    dup2(saved, fd);
    close(saved);
    char *text = ts_read_file(path);
    free(path);
    return text;
}

static void emit_two_plain(void) {
    tfx_plain a = tfx_plain_make(1), b = tfx_plain_make(2);
    beacon_gen_emit(&a.hdr, NULL);
    beacon_gen_emit(&b.hdr, NULL);
}

static void stdout_sink_writes_prefixed_ndjson(void **state) {
    (void)state;
    ts_init_with_sinks("stdout?prefix=TELEMETRY%3A%20");
    char *text = capture_fd(1, emit_two_plain);
    assert_non_null(text);
    char *line2 = strchr(text, '\n');
    assert_non_null(line2);
    *line2++ = '\0';
    assert_int_equal(strncmp(text, "TELEMETRY: ", 11), 0);
    assert_int_equal(strncmp(line2, "TELEMETRY: ", 11), 0);
    json_t *a = ts_parse(text + 11);
    assert_string_equal(json_string_value(json_object_get(a, "event")), "fx.plain");
    json_decref(a);
    free(text);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.delivered, 2);
    ts_assert_balanced(&c);
}

static void stderr_sink_writes_plain_ndjson(void **state) {
    (void)state;
    ts_init_with_sinks("stderr");
    char *text = capture_fd(2, emit_two_plain);
    json_t *lines = json_array();
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        json_array_append_new(lines, ts_parse(line));
        line = nl + 1;
    }
    assert_int_equal(json_array_size(lines), 2);
    json_decref(lines);
    free(text);
}

static void file_sink_appends_to_an_existing_file(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "a.ndjson");
    FILE *f = fopen(file, "w");
    fputs("{\"pre\":1}\n", f);
    fclose(f);
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    ts_init_with_sinks(spec);
    emit_two_plain();
    beacon_shutdown(1000);
    json_t *lines = ts_read_ndjson(file);
    assert_int_equal(json_array_size(lines), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, 0), "pre")), 1);
    json_decref(lines);
    free(file);
}

static void file_sink_creates_file_with_mode_0644(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "m.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    mode_t old = umask(022);
    ts_init_with_sinks(spec);
    umask(old);
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    free(file);
}

static void relative_file_path_is_relative_to_cwd(void **state) {
    (void)state;
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(g_dir), 0);
    ts_init_with_sinks("file:rel.ndjson");
    emit_two_plain();
    beacon_shutdown(1000);
    assert_int_equal(chdir(cwd), 0);
    char *file = ts_path(g_dir, "rel.ndjson");
    json_t *lines = ts_read_ndjson(file);
    assert_int_equal(json_array_size(lines), 2);
    json_decref(lines);
    free(file);
}

static void unopenable_file_counts_sink_errors_and_reports(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    char *file = ts_path(g_dir, "no/such/dir.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    beacon_options *o = beacon_options_new();
    beacon_options_add_sink(o, spec);
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, &cap);
    assert_int_equal(beacon_init(o), BEACON_OK);
    assert_int_equal(cap.code, BEACON_ERR_IO);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_sink_error, 1);
    ts_assert_balanced(&c);
    assert_non_null(strstr(cap.last, "cannot open"));
    free(file);
}

static void file_sink_retries_open_once_the_directory_exists(void **state) {
    (void)state;
    char *sub = ts_path(g_dir, "later");
    char *file = ts_path(sub, "x.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    ts_init_with_sinks(spec);
    tfx_plain ev = tfx_plain_make(1);
    beacon_gen_emit(&ev.hdr, NULL);
    assert_int_equal(beacon_flush(5000), BEACON_OK); /* written (and failed) before mkdir */
    assert_int_equal(mkdir(sub, 0700), 0);
    beacon_gen_emit(&ev.hdr, NULL);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_sink_error, 1);
    assert_int_equal(c.delivered, 1);
    beacon_shutdown(1000);
    json_t *lines = ts_read_ndjson(file);
    assert_int_equal(json_array_size(lines), 1);
    json_decref(lines);
    unlink(file);
    rmdir(sub);
    free(file);
    free(sub);
}

static void failing_writes_count_sink_errors(void **state) {
    (void)state;
    if (access("/dev/full", W_OK) != 0) skip();
    ts_init_with_sinks("file:/dev/full");
    emit_two_plain();
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_sink_error, 2);
    assert_int_equal(c.delivered, 0);
    ts_assert_balanced(&c);
}

static void batch_is_written_whole_and_counted(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "batch.ndjson");
    char spec[512], err[128];
    snprintf(spec, sizeof spec, "file:%s", file);
    beacon__sink *sink = NULL;
    assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
    beacon__batch_item recs[3] = {{"{\"a\":1}", 7, NULL}, {"{\"b\":2}", 7, NULL}, {"{}", 2, NULL}};
    beacon__batch batch = {recs, 3, NULL, false};
    size_t delivered = 0;
    assert_int_equal(sink->vt->write(sink, &batch, &delivered), BEACON_OK);
    assert_int_equal(delivered, 3);
    assert_int_equal(sink->vt->flush(sink, 100), BEACON_OK);
    assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
    char *text = ts_read_file(file);
    assert_string_equal(text, "{\"a\":1}\n{\"b\":2}\n{}\n");
    free(text);
    free(file);
}

/* An ndjson batch (records back to back, each followed by '\n', as the
 * pipeline's arena holds them) is written as it lies, also when it is cut
 * for rotation; /dev/full shows a failed write counts nothing delivered. */
static void ndjson_batch_is_written_as_it_lies(void **state) {
    (void)state;
    static const char arena[] = "{\"a\":1}\n{\"b\":22}\n{}\n";
    beacon__batch_item recs[3] = {{arena, 7, NULL}, {arena + 8, 8, NULL}, {arena + 17, 2, NULL}};
    beacon__batch batch = {recs, 3, NULL, true};
    char *file = ts_path(g_dir, "lies.ndjson");
    char spec[512], err[128];
    for (int rotate = 0; rotate < 2; rotate++) {
        /* rotate: a size limit that cuts the batch after its first two lines */
        snprintf(spec, sizeof spec, rotate ? "file:%s?max_bytes=17&keep=1" : "file:%s", file);
        unlink(file);
        beacon__sink *sink = NULL;
        assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
        size_t delivered = 0;
        assert_int_equal(sink->vt->write(sink, &batch, &delivered), BEACON_OK);
        assert_int_equal(delivered, 3);
        assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
        char *text = ts_read_file(file);
        assert_string_equal(text, rotate ? "{}\n" : arena);
        free(text);
        if (rotate) {
            char *first = ts_path(g_dir, "lies.ndjson.1");
            text = ts_read_file(first);
            assert_string_equal(text, "{\"a\":1}\n{\"b\":22}\n");
            free(text);
            free(first);
        }
    }
    free(file);
    if (access("/dev/full", W_OK) != 0) return;
    beacon__sink *full = NULL;
    assert_int_equal(beacon__sink_open("file:/dev/full", NULL, &full, err, sizeof err), BEACON_OK);
    size_t delivered = 99;
    assert_int_equal(full->vt->write(full, &batch, &delivered), BEACON_ERR_IO);
    assert_int_equal(delivered, 0);
    assert_int_equal(full->vt->close(full, 100), BEACON_OK);
}

/* A write that the file size limit cuts inside a line leaves that line
 * unterminated; the next batch ends it first, so its own first line is not
 * glued to the fragment. Both write paths: gathered and ndjson. */
static void a_line_cut_by_a_failed_write_is_ended_before_the_next(void **state) {
    (void)state;
    static const char arena[] =
        "{\"k\":\"aaaaaaaa\"}\n{\"k\":\"bbbbbbbb\"}\n{\"k\":\"cccccccc\"}\n";
    beacon__batch_item recs[3] = {
        {arena, 16, NULL}, {arena + 17, 16, NULL}, {arena + 34, 16, NULL}};
    beacon__batch_item next = {"{\"k\":\"dddddddd\"}", 16, NULL};
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    for (int ndjson = 0; ndjson < 2; ndjson++) {
        char *file = ts_path(g_dir, ndjson ? "torn2.ndjson" : "torn1.ndjson");
        char spec[512], err[128];
        snprintf(spec, sizeof spec, "file:%s", file);
        beacon__sink *sink = NULL;
        assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
        beacon__batch three = {recs, 3, NULL, ndjson == 1}, one = {&next, 1, NULL, false};
        struct rlimit small = {30, old.rlim_max};
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
        size_t delivered = 99;
        beacon_status st = sink->vt->write(sink, &three, &delivered);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
        assert_int_equal(st, BEACON_ERR_IO);
        assert_int_equal(delivered, 1);
        assert_int_equal(sink->vt->write(sink, &one, &delivered), BEACON_OK);
        assert_int_equal(delivered, 1);
        assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
        char *text = ts_read_file(file);
        assert_string_equal(text, "{\"k\":\"aaaaaaaa\"}\n{\"k\":\"bbbbbbb\n{\"k\":\"dddddddd\"}\n");
        free(text);
        free(file);
    }
    signal(SIGXFSZ, prev);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(valid_specs_are_accepted),
        T(unknown_scheme_is_rejected_by_name),
        T(http_schemes_are_accepted_with_their_options),
        T(unknown_http_kinds_and_bad_http_options_are_named),
        T(header_values_are_never_quoted_or_shown),
        T(unknown_option_is_rejected_by_name),
        T(malformed_specs_are_rejected),
        T(option_values_are_percent_decoded),
        T(null_arguments_are_rejected),
        T(set_sinks_splits_and_ignores_blank_entries),
        T(set_sinks_keeps_the_old_list_on_error),
        T(default_sink_is_stderr),
        T(beacon_sinks_env_is_used_when_code_sets_none),
        T(code_sinks_win_over_env),
        T(invalid_env_sinks_fail_init),
        T(stdout_sink_writes_prefixed_ndjson),
        T(stderr_sink_writes_plain_ndjson),
        T(file_sink_appends_to_an_existing_file),
        T(file_sink_creates_file_with_mode_0644),
        T(ndjson_batch_is_written_as_it_lies),
        T(a_line_cut_by_a_failed_write_is_ended_before_the_next),
        T(relative_file_path_is_relative_to_cwd),
        T(unopenable_file_counts_sink_errors_and_reports),
        T(file_sink_retries_open_once_the_directory_exists),
        T(failing_writes_count_sink_errors),
        T(batch_is_written_whole_and_counted),
    };
    return cmocka_run_group_tests_name("sink", tests, NULL, NULL);
}
