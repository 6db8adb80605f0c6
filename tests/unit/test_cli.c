/* test_cli.c — the generated command-line emitter of the fixture catalog
 * (catalogs/fixture.yaml, `fx-emit`, path in FX_EMIT) run with argv arrays:
 * exact stderr messages and exit codes for bad input, and typed values
 * checked in the NDJSON a file: sink wrote, parsed with jansson.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include <beacon/beacon_cli.h>
#include <beacon/beacon_trace.h>

/* =========================================================================
 * Harness: run the emitter with captured stdout/stderr (and stdin)
 * ========================================================================= */

#define CAP_MAX  65536
#define ARGS_MAX 64

static char g_dir[256];
static char g_events[300];
static char g_sink[320];
static char g_out[CAP_MAX];
static char g_err[CAP_MAX];

static void slurp(FILE *f, char *buf, size_t cap) {
    size_t n;
    rewind(f);
    n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Runs "fx-emit ARGS..." (NULL-terminated) as a child process; stdin_text non-NULL feeds stdin.
 * Captured output lands in g_out / g_err. */
static int run_v(const char *stdin_text, va_list ap) {
    char *argv[ARGS_MAX + 1];
    int argc = 0;
    const char *a;
    argv[argc++] = (char *)"fx-emit";
    while ((a = va_arg(ap, const char *)) != NULL && argc < ARGS_MAX) {
        argv[argc++] = (char *)a;
    }
    argv[argc] = NULL;

    fflush(stdout);
    fflush(stderr);
    FILE *fo = tmpfile(), *fe = tmpfile(), *fi = NULL;
    assert_non_null(fo);
    assert_non_null(fe);
    int so = dup(1), se = dup(2), si = -1;
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    if (stdin_text != NULL) {
        fi = tmpfile();
        assert_non_null(fi);
        fputs(stdin_text, fi);
        fflush(fi);
        rewind(fi);
        si = dup(0);
        dup2(fileno(fi), 0);
        clearerr(stdin);
    }

    /* The child inherits the redirected descriptors and the environment. */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execv(FX_EMIT, argv);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    if (fi != NULL) {
        dup2(si, 0);
        close(si);
        clearerr(stdin);
        fclose(fi);
    }
    slurp(fo, g_out, sizeof g_out);
    slurp(fe, g_err, sizeof g_err);
    return rc;
}

static int run(const char *first, ...) {
    va_list ap;
    int rc;
    (void)first; /* always NULL: keeps the variadic list well-formed */
    va_start(ap, first);
    rc = run_v(NULL, ap);
    va_end(ap);
    return rc;
}

static int run_stdin(const char *text, ...) {
    va_list ap;
    int rc;
    va_start(ap, text);
    rc = run_v(text, ap);
    va_end(ap);
    return rc;
}

#define RUN(...)         run(NULL, __VA_ARGS__, (const char *)NULL)
#define EMIT(...)        run(NULL, "--sink", g_sink, __VA_ARGS__, (const char *)NULL)
#define EMIT_STDIN(text) run_stdin(text, "--sink", g_sink, "-", (const char *)NULL)
#define CORR             "correlation=0123456789abcdef0123456789abcdef"

/* Every event the sink wrote, parsed; the caller frees the array. */
static json_t *written_events(size_t flags) {
    json_t *all = json_array();
    FILE *f = fopen(g_events, "r");
    if (f == NULL) {
        return all;
    }
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t err;
        json_t *ev = json_loads(line, flags, &err);
        if (ev == NULL) {
            fail_msg("sink wrote invalid JSON (%s): %s", err.text, line);
        }
        json_array_append_new(all, ev);
    }
    free(line);
    fclose(f);
    return all;
}

/* The raw text of the only event written (for values jansson cannot hold). */
static char *written_text(void) {
    static char buf[CAP_MAX];
    FILE *f = fopen(g_events, "r");
    assert_non_null(f);
    slurp(f, buf, sizeof buf);
    return buf;
}

/* "data" of the single event written; *holder must be json_decref'd. */
static json_t *only_data(json_t **holder) {
    json_t *all = written_events(0);
    assert_int_equal(json_array_size(all), 1);
    *holder = all;
    json_t *data = json_object_get(json_array_get(all, 0), "data");
    assert_non_null(data);
    return data;
}

static int setup(void **state) {
    (void)state;
    strcpy(g_dir, "/tmp/beacon_cli_test_XXXXXX");
    if (mkdtemp(g_dir) == NULL) {
        return -1;
    }
    snprintf(g_events, sizeof g_events, "%s/events.ndjson", g_dir);
    snprintf(g_sink, sizeof g_sink, "file:%s", g_events);
    unsetenv("BEACON_SINKS");
    unsetenv("BEACON_DEBUG");
    unsetenv("BEACON_DISABLED");
    unsetenv("BEACON_SAMPLE_RATE");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    unlink(g_events);
    rmdir(g_dir);
    unsetenv("BEACON_DISABLED");
    return 0;
}

static bool file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* =========================================================================
 * Options
 * ========================================================================= */

static void help_prints_usage_and_exits_0(void **state) {
    (void)state;
    assert_int_equal(RUN("--help"), 0);
    assert_non_null(strstr(g_out, "usage: fx-emit [OPTIONS] EVENT [FIELD=VALUE]...\n"));
    assert_non_null(strstr(g_out, "'fixture' catalog (version 7)"));
    assert_string_equal(g_err, "");
}

static void unknown_option_exits_2_with_message(void **state) {
    (void)state;
    assert_int_equal(RUN("--bogus", "job.started"), 2);
    assert_string_equal(g_err, "fx-emit: unknown option '--bogus' (see 'fx-emit --help')\n");
}

static void option_without_value_exits_2(void **state) {
    (void)state;
    assert_int_equal(RUN("--sink"), 2);
    assert_string_equal(g_err, "fx-emit: option '--sink' needs a value\n");
}

static void no_event_prints_usage_and_exits_2(void **state) {
    (void)state;
    assert_int_equal(RUN("--stats"), 2);
    assert_true(strncmp(g_err, "usage: fx-emit ", 15) == 0);
}

static void version_names_catalog_and_abi(void **state) {
    (void)state;
    assert_int_equal(RUN("--version"), 0);
    assert_string_equal(g_out, "fx-emit (catalog fixture version 7, beacon ABI 4)\n");
}

static void list_prints_each_event_with_level_and_category(void **state) {
    (void)state;
    assert_int_equal(RUN("--list"), 0);
    assert_string_equal(g_out,
                        "job.started         info   system  A job started.\n"
                        "job.finished        warn   system  A job finished.\n"
                        "types.lists         debug  test    One list of every element type.\n"
                        "task.run.start      info   -       A task ran.\n"
                        "task.run.stop       info   -       A task ran.\n"
                        "task.run.exception  error  -       A task ran.\n");
}

static void describe_prints_fields_types_and_constraints(void **state) {
    (void)state;
    assert_int_equal(RUN("--describe", "job.started"), 0);
    assert_non_null(strstr(g_out, "event: job.started\n"));
    assert_non_null(strstr(g_out, "correlation: begin (prints its handle on stdout)\n"));
    assert_non_null(strstr(g_out, "  name string required max_length=32\n      Job name.\n"));
    assert_non_null(strstr(g_out, "  attempt int required min=0 max=10\n"));
    assert_non_null(strstr(
        g_out, "  kind job_kind required values=batch|stream|adhoc deprecated_values=adhoc\n"));
    assert_non_null(strstr(g_out, "  size uint optional unit=bytes\n"));
    assert_non_null(strstr(g_out, "  dry_run bool optional deprecated\n"));
    assert_non_null(strstr(g_out, "  tags list<string> optional max_items=4\n"));
    assert_non_null(strstr(g_out, "  owner string optional pii=hash\n"));
}

static void describe_follow_event_lists_required_correlation(void **state) {
    (void)state;
    assert_int_equal(RUN("--describe=job.finished"), 0);
    assert_non_null(strstr(g_out, "  correlation handle required\n"));
}

static void describe_span_event_lists_optional_correlation(void **state) {
    (void)state;
    assert_int_equal(RUN("--describe", "task.run.start"), 0);
    assert_non_null(strstr(g_out, "kind: span_start\n"));
    assert_non_null(strstr(g_out, "  correlation handle optional\n"));
}

static void describe_unknown_event_suggests_nearest(void **state) {
    (void)state;
    assert_int_equal(RUN("--describe", "job.strated"), 2);
    assert_string_equal(g_err,
                        "fx-emit: unknown event 'job.strated' (did you mean 'job.started'?)\n");
}

static void bad_sink_spec_exits_2(void **state) {
    (void)state;
    assert_int_equal(RUN("--sink", "nosuch:thing", "task.run.start", "task=x"), 2);
    /* One line, with the reason rather than the status name. */
    assert_string_equal(g_err, "fx-emit: --sink 'nosuch:thing': unknown sink scheme 'nosuch' "
                               "(expected stderr, stdout, file:PATH or capture[:NAME])\n");
}

/* =========================================================================
 * Values arrive typed
 * ========================================================================= */

static void begin_event_prints_its_handle_and_writes_fields(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=build", "attempt=3", "kind=stream", "size=4096",
                          "ratio=0.25", "dry_run=yes", "timeout=250ms"),
                     0);
    assert_string_equal(g_err, "");
    /* The handle as a traceparent value: 00-<trace>-<the event's span>-01. */
    assert_int_equal(strlen(g_out), BEACON_TRACEPARENT_LEN + 1);
    beacon_traceparent tp;
    assert_int_equal(beacon_traceparent_parse(g_out, BEACON_TRACEPARENT_LEN, &tp), BEACON_OK);
    assert_int_equal(tp.flags, BEACON_TRACE_FLAG_SAMPLED);
    json_t *all;
    json_t *data = only_data(&all);
    json_t *ev = json_array_get(all, 0);
    char trace[33], span[17];
    memcpy(trace, g_out + 3, 32);
    trace[32] = '\0';
    memcpy(span, g_out + 36, 16);
    span[16] = '\0';
    assert_string_equal(json_string_value(json_object_get(ev, "trace_id")), trace);
    assert_string_equal(json_string_value(json_object_get(ev, "span_id")), span);
    assert_string_equal(json_string_value(json_object_get(data, "name")), "build");
    assert_int_equal(json_integer_value(json_object_get(data, "attempt")), 3);
    assert_string_equal(json_string_value(json_object_get(data, "kind")), "stream");
    assert_int_equal(json_integer_value(json_object_get(data, "size")), 4096);
    assert_true(json_real_value(json_object_get(data, "ratio")) == 0.25);
    assert_true(json_is_true(json_object_get(data, "dry_run")));
    /* unit: ns puts the unit in the key */
    assert_int_equal(json_integer_value(json_object_get(data, "timeout_ns")), 250000000);
    assert_null(json_object_get(data, "tags"));
    json_decref(all);
}

static void empty_string_value_is_sent_as_empty(void **state) {
    (void)state;
    assert_int_equal(EMIT("task.run.start", "task="), 0);
    json_t *all;
    json_t *data = only_data(&all);
    assert_string_equal(json_string_value(json_object_get(data, "task")), "");
    json_decref(all);
}

static void int64_extremes_arrive_exactly(void **state) {
    (void)state;
    assert_int_equal(
        EMIT("types.lists", "ints=-9223372036854775808", "ints=9223372036854775807", "ints=+0"), 0);
    json_t *all;
    json_t *ints = json_object_get(only_data(&all), "ints");
    assert_int_equal(json_array_size(ints), 3);
    assert_true(json_integer_value(json_array_get(ints, 0)) == INT64_MIN);
    assert_true(json_integer_value(json_array_get(ints, 1)) == INT64_MAX);
    assert_true(json_integer_value(json_array_get(ints, 2)) == 0);
    json_decref(all);
}

static void uint64_max_arrives_exactly(void **state) {
    (void)state;
    assert_int_equal(EMIT("types.lists", "uints=18446744073709551615", "uints=0"), 0);
    /* jansson holds integers as long long, so read the number as text after
     * checking the line is valid JSON. */
    json_t *all = written_events(JSON_DECODE_INT_AS_REAL);
    assert_int_equal(json_array_size(all), 1);
    json_decref(all);
    assert_non_null(strstr(written_text(), "\"uints\":[18446744073709551615,0]"));
}

static void doubles_arrive_and_nonfinite_become_null(void **state) {
    (void)state;
    assert_int_equal(EMIT("types.lists", "doubles=1e300", "doubles=-2.5", "doubles=nan",
                          "doubles=-inf", "doubles=0x1p-3"),
                     0);
    json_t *all;
    json_t *d = json_object_get(only_data(&all), "doubles");
    assert_int_equal(json_array_size(d), 5);
    assert_true(json_real_value(json_array_get(d, 0)) == 1e300);
    assert_true(json_number_value(json_array_get(d, 1)) == -2.5);
    assert_true(json_is_null(json_array_get(d, 2)));
    assert_true(json_is_null(json_array_get(d, 3)));
    assert_true(json_number_value(json_array_get(d, 4)) == 0.125);
    json_decref(all);
}

static void timestamps_accept_rfc3339_offsets_and_integer_ns(void **state) {
    (void)state;
    assert_int_equal(EMIT("types.lists", "times=2026-11-22T05:30:00.123456789Z",
                          "times=2026-11-22T06:30:00+01:00", "times=1970-01-01t00:00:01.5z",
                          "times=0", "times=1000000000", "times=2024-02-29 23:59:59-00:30"),
                     0);
    json_t *all;
    json_t *t = json_object_get(only_data(&all), "times");
    assert_int_equal(json_array_size(t), 6);
    assert_string_equal(json_string_value(json_array_get(t, 0)), "2026-11-22T05:30:00.123456789Z");
    assert_string_equal(json_string_value(json_array_get(t, 1)), "2026-11-22T05:30:00.000000000Z");
    assert_string_equal(json_string_value(json_array_get(t, 2)), "1970-01-01T00:00:01.500000000Z");
    assert_string_equal(json_string_value(json_array_get(t, 3)), "1970-01-01T00:00:00.000000000Z");
    assert_string_equal(json_string_value(json_array_get(t, 4)), "1970-01-01T00:00:01.000000000Z");
    assert_string_equal(json_string_value(json_array_get(t, 5)), "2024-03-01T00:29:59.000000000Z");
    json_decref(all);
}

static void durations_accept_units_and_integer_ns(void **state) {
    (void)state;
    assert_int_equal(EMIT("types.lists", "durs=250ms", "durs=1.5s", "durs=1h30m", "durs=42",
                          "durs=3us", "durs=-2m", "durs=0.000000001s"),
                     0);
    json_t *all;
    json_t *d = json_object_get(only_data(&all), "durs");
    static const json_int_t want[] = {250000000,     1500000000, 5400000000000, 42, 3000,
                                      -120000000000, 1};
    assert_int_equal(json_array_size(d), 7);
    for (size_t i = 0; i < 7; i++) {
        assert_true(json_integer_value(json_array_get(d, i)) == want[i]);
    }
    json_decref(all);
}

static void enum_and_bool_lists_arrive_by_name(void **state) {
    (void)state;
    assert_int_equal(
        EMIT("types.lists", "kinds=adhoc", "kinds=batch", "bools=true", "bools=0", "bools=no"), 0);
    json_t *all;
    json_t *data = only_data(&all);
    json_t *k = json_object_get(data, "kinds");
    json_t *b = json_object_get(data, "bools");
    assert_int_equal(json_array_size(k), 2);
    assert_string_equal(json_string_value(json_array_get(k, 0)), "adhoc");
    assert_string_equal(json_string_value(json_array_get(k, 1)), "batch");
    assert_int_equal(json_array_size(b), 3);
    assert_true(json_is_true(json_array_get(b, 0)));
    assert_true(json_is_false(json_array_get(b, 1)));
    assert_true(json_is_false(json_array_get(b, 2)));
    json_decref(all);
}

static void repeated_list_field_appends_in_order(void **state) {
    (void)state;
    assert_int_equal(
        EMIT("job.started", "name=j", "attempt=0", "kind=batch", "tags=a", "tags=b", "tags=c"), 0);
    json_t *all;
    json_t *tags = json_object_get(only_data(&all), "tags");
    assert_int_equal(json_array_size(tags), 3);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "a");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "b");
    assert_string_equal(json_string_value(json_array_get(tags, 2)), "c");
    json_decref(all);
}

static void attribute_values_are_typed_by_inference(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=j", "attempt=0", "kind=batch", "extra.n=-5",
                          "extra.f=2.5e3", "extra.g=-.5", "extra.b=true", "extra.s=hello",
                          "extra.zip=01234", "extra.http.code=200", "extra.inf=inf"),
                     0);
    json_t *all;
    json_t *x = json_object_get(only_data(&all), "extra");
    assert_true(json_is_object(x));
    assert_true(json_is_integer(json_object_get(x, "n")));
    assert_int_equal(json_integer_value(json_object_get(x, "n")), -5);
    assert_true(json_is_real(json_object_get(x, "f")));
    assert_true(json_real_value(json_object_get(x, "f")) == 2500.0);
    assert_true(json_is_real(json_object_get(x, "g")));
    assert_true(json_real_value(json_object_get(x, "g")) == -0.5);
    assert_true(json_is_true(json_object_get(x, "b")));
    assert_string_equal(json_string_value(json_object_get(x, "s")), "hello");
    assert_string_equal(json_string_value(json_object_get(x, "zip")), "01234");
    assert_int_equal(json_integer_value(json_object_get(x, "http.code")), 200);
    assert_string_equal(json_string_value(json_object_get(x, "inf")), "inf");
    json_decref(all);
}

static void attribute_type_suffix_forces_the_type(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=j", "attempt=0", "kind=batch", "extra.id:string=42",
                          "extra.r:double=3", "extra.on:bool=yes", "extra.u:uint=7"),
                     0);
    json_t *all;
    json_t *x = json_object_get(only_data(&all), "extra");
    assert_string_equal(json_string_value(json_object_get(x, "id")), "42");
    assert_true(json_is_real(json_object_get(x, "r")));
    assert_true(json_number_value(json_object_get(x, "r")) == 3.0);
    assert_true(json_is_true(json_object_get(x, "on")));
    assert_int_equal(json_integer_value(json_object_get(x, "u")), 7);
    json_decref(all);
    assert_non_null(strstr(written_text(), "\"id\":\"42\""));
}

static void attribute_beyond_int64_is_sent_as_uint(void **state) {
    (void)state;
    assert_int_equal(
        EMIT("job.started", "name=j", "attempt=0", "kind=batch", "extra.big=18446744073709551615"),
        0);
    assert_non_null(strstr(written_text(), "\"big\":18446744073709551615"));
}

static void follow_event_carries_correlation_as_trace_id(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.finished", "ok=true", "elapsed=2s",
                          "correlation=0123456789abcdef0123456789ABCDEF"),
                     0);
    json_t *all;
    json_t *data = only_data(&all);
    json_t *ev = json_array_get(all, 0);
    assert_string_equal(json_string_value(json_object_get(ev, "trace_id")),
                        "0123456789abcdef0123456789abcdef");
    assert_true(json_is_true(json_object_get(data, "ok")));
    assert_int_equal(json_integer_value(json_object_get(data, "elapsed")), 2000000000);
    json_decref(all);
}

static void follow_event_uses_the_handle_printed_by_begin_event(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=j", "attempt=1", "kind=batch"), 0);
    char corr[80];
    snprintf(corr, sizeof corr, "correlation=%.55s", g_out);
    assert_int_equal(EMIT("job.finished", corr, "ok=false", "elapsed=0"), 0);
    json_t *all = written_events(0);
    assert_int_equal(json_array_size(all), 2);
    json_t *begin = json_array_get(all, 0), *follow = json_array_get(all, 1);
    const char *t0 = json_string_value(json_object_get(begin, "trace_id"));
    const char *t1 = json_string_value(json_object_get(follow, "trace_id"));
    assert_non_null(t0);
    assert_non_null(t1);
    assert_string_equal(t0, t1);
    /* The begin event's span is the follow event's parent. */
    assert_string_equal(json_string_value(json_object_get(follow, "parent_span_id")),
                        json_string_value(json_object_get(begin, "span_id")));
    json_decref(all);
}

/* =========================================================================
 * Bad input: exact messages, exit 2, nothing sent
 * ========================================================================= */

static void bad_int_names_field_and_expected_type(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=j", "attempt=12x", "kind=batch"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'attempt': expected int, got '12x'\n");
    assert_false(file_exists(g_events));
}

static void int_overflow_is_rejected(void **state) {
    (void)state;
    assert_int_equal(
        EMIT("types.lists", "ints=9223372036854775808", "ints=-9223372036854775809", "ints="), 2);
    assert_string_equal(
        g_err, "fx-emit: types.lists: field 'ints': expected list<int> element int, got "
               "'9223372036854775808'\n"
               "fx-emit: types.lists: field 'ints': expected list<int> element int, got "
               "'-9223372036854775809'\n"
               "fx-emit: types.lists: field 'ints': expected list<int> element int, got ''\n");
}

static void uint_rejects_sign_and_overflow(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=j", "attempt=1", "kind=batch", "size=-1"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'size': expected uint, got '-1'\n");
    assert_int_equal(EMIT("types.lists", "uints=18446744073709551616"), 2);
    assert_string_equal(g_err, "fx-emit: types.lists: field 'uints': expected list<uint> element "
                               "uint, got '18446744073709551616'\n");
}

static void bool_rejects_other_words(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.finished", "ok=maybe", "elapsed=1", CORR), 2);
    assert_string_equal(g_err, "fx-emit: job.finished: field 'ok': expected bool, got 'maybe'\n");
}

static void double_rejects_junk_and_overflow(void **state) {
    (void)state;
    assert_int_equal(EMIT("types.lists", "doubles=1.5x", "doubles=1e999", "doubles= 1"), 2);
    assert_string_equal(
        g_err,
        "fx-emit: types.lists: field 'doubles': expected list<double> element double, got '1.5x'\n"
        "fx-emit: types.lists: field 'doubles': expected list<double> element double, got '1e999'\n"
        "fx-emit: types.lists: field 'doubles': expected list<double> element double, got ' 1'\n");
}

static void enum_error_lists_allowed_values(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=j", "attempt=1", "kind=Batch"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'kind': expected one of "
                               "batch|stream|adhoc, got 'Batch'\n");
}

static void enum_list_error_names_list_type(void **state) {
    (void)state;
    assert_int_equal(EMIT("types.lists", "kinds=nope"), 2);
    assert_string_equal(g_err, "fx-emit: types.lists: field 'kinds': expected list<job_kind> "
                               "element one of batch|stream|adhoc, got 'nope'\n");
}

static void bad_timestamps_are_rejected(void **state) {
    (void)state;
    assert_int_equal(EMIT("types.lists", "times=2026-02-29T00:00:00Z", "times=2026-11-22T05:30:00",
                          "times=2026-11-22T24:00:00Z", "times=yesterday"),
                     2);
    assert_string_equal(
        g_err,
        "fx-emit: types.lists: field 'times': expected list<timestamp> element timestamp, got "
        "'2026-02-29T00:00:00Z'\n"
        "fx-emit: types.lists: field 'times': expected list<timestamp> element timestamp, got "
        "'2026-11-22T05:30:00'\n"
        "fx-emit: types.lists: field 'times': expected list<timestamp> element timestamp, got "
        "'2026-11-22T24:00:00Z'\n"
        "fx-emit: types.lists: field 'times': expected list<timestamp> element timestamp, got "
        "'yesterday'\n");
}

static void bad_durations_are_rejected(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.finished", "ok=1", "elapsed=1.5", CORR), 2);
    assert_string_equal(g_err,
                        "fx-emit: job.finished: field 'elapsed': expected duration, got '1.5'\n");
    assert_int_equal(EMIT("job.finished", "ok=1", "elapsed=3 days", CORR), 2);
    assert_string_equal(
        g_err, "fx-emit: job.finished: field 'elapsed': expected duration, got '3 days'\n");
    assert_int_equal(EMIT("job.finished", "ok=1", "elapsed=9999999999h", CORR), 2);
    assert_string_equal(
        g_err, "fx-emit: job.finished: field 'elapsed': expected duration, got '9999999999h'\n");
}

static void missing_required_field_names_it_and_its_type(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=j", "kind=batch"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: missing required field 'attempt' (int)\n");
}

static void follow_event_without_correlation_is_rejected(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.finished", "ok=true", "elapsed=1s"), 2);
    assert_string_equal(g_err, "fx-emit: job.finished: missing required field 'correlation' "
                               "(the handle printed by the begin event)\n");
}

static void malformed_correlation_is_rejected(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.finished", "ok=true", "elapsed=1s", "correlation=abc"), 2);
    assert_string_equal(g_err, "fx-emit: job.finished: field 'correlation': expected the handle a "
                               "begin event printed (00-<32 hex>-<16 hex>-<2 hex>) or a trace id "
                               "(32 hex digits, not all zero), got 'abc'\n");
}

static void correlation_on_plain_event_is_unknown_field(void **state) {
    (void)state;
    assert_int_equal(EMIT("types.lists", CORR), 2);
    assert_string_equal(g_err, "fx-emit: types.lists: unknown field 'correlation' (see 'fx-emit "
                               "--describe types.lists')\n");
}

static void non_list_field_given_twice_is_rejected(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=a", "name=b", "attempt=1", "kind=batch"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'name' given twice\n");
}

static void attribute_key_given_twice_is_rejected(void **state) {
    (void)state;
    assert_int_equal(
        EMIT("job.started", "name=a", "attempt=1", "kind=batch", "extra.k=1", "extra.k=2"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'extra.k' given twice\n");
}

static void attributes_without_key_are_rejected(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=a", "attempt=1", "kind=batch", "extra=5"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'extra': expected attributes entry "
                               "extra.KEY=VALUE, got 'extra=5'\n");
}

static void forced_attribute_type_is_checked(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=a", "attempt=1", "kind=batch", "extra.n:int=4.5"),
                     2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'extra.n': expected int, got '4.5'\n");
}

static void key_on_scalar_field_is_rejected(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name.x=a", "attempt=1", "kind=batch"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'name' (string) takes no key, got "
                               "'name.x=a'\n"
                               "fx-emit: job.started: missing required field 'name' (string)\n");
}

static void unknown_field_suggests_nearest(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=a", "attempt=1", "kind=batch", "atempt=2"), 2);
    assert_string_equal(g_err,
                        "fx-emit: job.started: unknown field 'atempt' (did you mean 'attempt'?)\n");
}

static void unknown_event_suggests_nearest(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.finsihed", "ok=1"), 2);
    assert_string_equal(g_err,
                        "fx-emit: unknown event 'job.finsihed' (did you mean 'job.finished'?)\n");
    assert_int_equal(EMIT("zzz"), 2);
    assert_string_equal(g_err, "fx-emit: unknown event 'zzz' (see 'fx-emit --list')\n");
}

static void token_without_equals_is_rejected(void **state) {
    (void)state;
    assert_int_equal(EMIT("task.run.start", "task=x", "--stats"), 2);
    assert_string_equal(g_err, "fx-emit: task.run.start: expected FIELD=VALUE, got '--stats'\n");
}

static void values_in_messages_are_escaped_and_truncated(void **state) {
    (void)state;
    char longv[200];
    memset(longv, '7', sizeof longv);
    memcpy(longv, "size=", 5);
    longv[70] = 'x';
    longv[sizeof longv - 1] = '\0';
    assert_int_equal(EMIT("job.started", "name=a", "attempt=1\x1b[2J\n", "kind=batch", longv), 2);
    assert_string_equal(
        g_err, "fx-emit: job.started: field 'attempt': expected int, got '1\\x1B[2J\\x0A'\n"
               "fx-emit: job.started: field 'size': expected uint, got "
               "'7777777777777777777777777777777777777777777777777777777777777777'...\n");
}

static void bad_input_never_opens_the_sink(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=a"), 2);
    assert_false(file_exists(g_events));
}

/* =========================================================================
 * Runtime outcomes
 * ========================================================================= */

static void runtime_rejection_exits_2_naming_the_field(void **state) {
    (void)state;
    assert_int_equal(EMIT("job.started", "name=a", "attempt=11", "kind=batch"), 2);
    assert_string_equal(g_err, "fx-emit: job.started: field 'attempt' = 11 is above max 10\n");
    assert_string_equal(g_out, "");
}

static void disabled_telemetry_exits_0_without_sending(void **state) {
    (void)state;
    setenv("BEACON_DISABLED", "1", 1);
    assert_int_equal(EMIT("task.run.start", "task=x"), 0);
    assert_string_equal(g_err, "");
    json_t *all = written_events(0);
    assert_int_equal(json_array_size(all), 0);
    json_decref(all);
}

static void undeliverable_sink_exits_1(void **state) {
    (void)state;
    char sink[400];
    snprintf(sink, sizeof sink, "file:%s/missing/dir/events.ndjson", g_dir);
    assert_int_equal(RUN("--sink", sink, "task.run.start", "task=x"), 1);
    /* The runtime says once why (the file cannot be opened), the CLI what it cost. */
    const char *why = strstr(g_err, "beacon: sink file:");
    assert_non_null(why);
    assert_non_null(strstr(why, ": cannot open: "));
    assert_non_null(strstr(g_err, "fx-emit: 1 event not delivered (BEACON_DEBUG=1 shows why)\n"));
}

static void debug_notes_events_not_sent(void **state) {
    (void)state;
    setenv("BEACON_DISABLED", "1", 1);
    setenv("BEACON_DEBUG", "1", 1);
    assert_int_equal(EMIT("task.run.start", "task=x"), 0);
    unsetenv("BEACON_DEBUG");
    assert_non_null(strstr(g_err, "fx-emit: task.run.start: not sent: "));
}

static void span_event_takes_optional_correlation(void **state) {
    (void)state;
    assert_int_equal(
        EMIT("task.run.start", "task=x", "correlation=00000000000000000000000000000001"), 0);
    json_t *all;
    only_data(&all);
    assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "trace_id")),
                        "00000000000000000000000000000001");
    json_decref(all);
}

static void stats_option_prints_counters_json_on_stderr(void **state) {
    (void)state;
    assert_int_equal(RUN("--stats", "--sink", g_sink, "task.run.start", "task=y"), 0);
    json_error_t err;
    json_t *stats = json_loads(g_err, 0, &err);
    assert_non_null(stats);
    assert_true(json_is_object(json_object_get(stats, "total")));
    json_decref(stats);
}

/* =========================================================================
 * Stdin mode
 * ========================================================================= */

/* With --threads, producers report bad lines at the same time: every
 * message still arrives as one whole line. */
static void threaded_stdin_reports_each_bad_line_whole(void **state) {
    (void)state;
    enum { LINES = 600 };
    static char text[LINES * 48];
    size_t n = 0;
    for (int i = 0; i < LINES; i++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "job.started name=a attempt=x kind=batch\n");
    assert_int_equal(run_stdin(text, "--sink", g_sink, "--threads", "4", "-", (const char *)NULL),
                     2);
    static bool seen[LINES + 1];
    memset(seen, 0, sizeof seen);
    int reports = 0;
    for (char *line = strtok(g_err, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        long no = 0;
        int end = 0;
        if (strcmp(line, "fx-emit: 600 of 600 event lines failed") == 0) continue;
        if (sscanf(line, "fx-emit: line %ld: job.started: field 'attempt': expected int, got 'x'%n",
                   &no, &end) != 1 ||
            line[end] != '\0' || no < 1 || no > LINES || seen[no])
            fail_msg("not one whole report: '%s'", line);
        seen[no] = true;
        reports++;
    }
    assert_int_equal(reports, LINES);
}

static void stdin_mode_emits_good_lines_and_reports_bad_ones(void **state) {
    (void)state;
    assert_int_equal(EMIT_STDIN("# a comment\n"
                                "\n"
                                "task.run.start task=one\n"
                                "job.started name=a attempt=x kind=batch\n"
                                "   \t\n"
                                "nosuch.event\n"
                                "task.run.start task=two"),
                     2);
    assert_string_equal(g_err,
                        "fx-emit: line 4: job.started: field 'attempt': expected int, got 'x'\n"
                        "fx-emit: line 6: unknown event 'nosuch.event' (see 'fx-emit --list')\n"
                        "fx-emit: 2 of 4 event lines failed\n");
    json_t *all = written_events(0);
    assert_int_equal(json_array_size(all), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(all, 0), "data"), "task")),
        "one");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(json_array_get(all, 1), "data"), "task")),
        "two");
    json_decref(all);
}

static void stdin_mode_tokenizes_like_a_shell(void **state) {
    (void)state;
    assert_int_equal(EMIT_STDIN("job.started 'name=hello world' attempt=1 kind=batch "
                                "tags=\"say \\\"hi\\\" \\\\o/\" tags=a\\ b tags='' "
                                "\"extra.note=it's\"\n"),
                     0);
    assert_string_equal(g_err, "");
    assert_int_equal(strlen(g_out), BEACON_TRACEPARENT_LEN + 1); /* the begin event's handle */
    json_t *all;
    json_t *data = only_data(&all);
    assert_string_equal(json_string_value(json_object_get(data, "name")), "hello world");
    json_t *tags = json_object_get(data, "tags");
    assert_int_equal(json_array_size(tags), 3);
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "say \"hi\" \\o/");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "a b");
    assert_string_equal(json_string_value(json_array_get(tags, 2)), "");
    assert_string_equal(json_string_value(json_object_get(json_object_get(data, "extra"), "note")),
                        "it's");
    json_decref(all);
}

static void stdin_mode_reports_unterminated_quote(void **state) {
    (void)state;
    assert_int_equal(EMIT_STDIN("task.run.start 'task=x\ntask.run.start task=y\n"), 2);
    assert_string_equal(g_err, "fx-emit: line 1: unterminated single quote\n"
                               "fx-emit: 1 of 2 event lines failed\n");
    json_t *all = written_events(0);
    assert_int_equal(json_array_size(all), 1);
    json_decref(all);
}

static void stdin_mode_handles_long_lines(void **state) {
    (void)state;
    size_t n = 200000;
    char *text = malloc(n + 64);
    assert_non_null(text);
    strcpy(text, "task.run.start task=");
    size_t off = strlen(text);
    memset(text + off, 'q', n);
    strcpy(text + off + n, "\n");
    assert_int_equal(EMIT_STDIN(text), 0);
    free(text);
    json_t *all;
    json_t *data = only_data(&all);
    assert_int_equal(strlen(json_string_value(json_object_get(data, "task"))), n);
    json_decref(all);
}

static void stdin_mode_rejects_arguments_after_dash(void **state) {
    (void)state;
    assert_int_equal(RUN("-", "task=x"), 2);
    assert_string_equal(g_err, "fx-emit: unexpected argument 'task=x' after '-'\n");
}

/* =========================================================================
 * Accessors outside a run
 * ========================================================================= */

static void accessors_tolerate_null(void **state) {
    (void)state;
    size_t n = 99;
    assert_false(beacon_cli_has(NULL, 0));
    assert_false(beacon_cli_bool(NULL, 0));
    assert_int_equal(beacon_cli_int(NULL, 0), 0);
    assert_int_equal(beacon_cli_uint(NULL, 0), 0);
    assert_true(beacon_cli_double(NULL, 0) == 0.0);
    assert_null(beacon_cli_string(NULL, 0));
    assert_int_equal(beacon_cli_enum(NULL, 0), 0);
    assert_null(beacon_cli_list(NULL, 0, &n));
    assert_int_equal(n, 0);
    n = 99;
    assert_null(beacon_cli_attrs(NULL, 0, &n));
    assert_int_equal(n, 0);
    assert_null(beacon_cli_correlation(NULL));
    assert_int_equal(beacon_cli_finish(NULL, BEACON_OK, NULL), 0);
    assert_int_equal(beacon_cli_finish(NULL, BEACON_ERR_IO, NULL), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(help_prints_usage_and_exits_0),
        T(unknown_option_exits_2_with_message),
        T(option_without_value_exits_2),
        T(no_event_prints_usage_and_exits_2),
        T(version_names_catalog_and_abi),
        T(list_prints_each_event_with_level_and_category),
        T(describe_prints_fields_types_and_constraints),
        T(describe_follow_event_lists_required_correlation),
        T(describe_span_event_lists_optional_correlation),
        T(describe_unknown_event_suggests_nearest),
        T(bad_sink_spec_exits_2),
        T(begin_event_prints_its_handle_and_writes_fields),
        T(empty_string_value_is_sent_as_empty),
        T(int64_extremes_arrive_exactly),
        T(uint64_max_arrives_exactly),
        T(doubles_arrive_and_nonfinite_become_null),
        T(timestamps_accept_rfc3339_offsets_and_integer_ns),
        T(durations_accept_units_and_integer_ns),
        T(enum_and_bool_lists_arrive_by_name),
        T(repeated_list_field_appends_in_order),
        T(attribute_values_are_typed_by_inference),
        T(attribute_type_suffix_forces_the_type),
        T(attribute_beyond_int64_is_sent_as_uint),
        T(follow_event_carries_correlation_as_trace_id),
        T(follow_event_uses_the_handle_printed_by_begin_event),
        T(bad_int_names_field_and_expected_type),
        T(int_overflow_is_rejected),
        T(uint_rejects_sign_and_overflow),
        T(bool_rejects_other_words),
        T(double_rejects_junk_and_overflow),
        T(enum_error_lists_allowed_values),
        T(enum_list_error_names_list_type),
        T(bad_timestamps_are_rejected),
        T(bad_durations_are_rejected),
        T(missing_required_field_names_it_and_its_type),
        T(follow_event_without_correlation_is_rejected),
        T(malformed_correlation_is_rejected),
        T(correlation_on_plain_event_is_unknown_field),
        T(non_list_field_given_twice_is_rejected),
        T(attribute_key_given_twice_is_rejected),
        T(attributes_without_key_are_rejected),
        T(forced_attribute_type_is_checked),
        T(key_on_scalar_field_is_rejected),
        T(unknown_field_suggests_nearest),
        T(unknown_event_suggests_nearest),
        T(token_without_equals_is_rejected),
        T(values_in_messages_are_escaped_and_truncated),
        T(bad_input_never_opens_the_sink),
        T(runtime_rejection_exits_2_naming_the_field),
        T(disabled_telemetry_exits_0_without_sending),
        T(undeliverable_sink_exits_1),
        T(debug_notes_events_not_sent),
        T(span_event_takes_optional_correlation),
        T(stats_option_prints_counters_json_on_stderr),
        T(threaded_stdin_reports_each_bad_line_whole),
        T(stdin_mode_emits_good_lines_and_reports_bad_ones),
        T(stdin_mode_tokenizes_like_a_shell),
        T(stdin_mode_reports_unterminated_quote),
        T(stdin_mode_handles_long_lines),
        T(stdin_mode_rejects_arguments_after_dash),
        T(accessors_tolerate_null),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
