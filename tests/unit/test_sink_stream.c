/* test_sink_stream.c — the stdout and stderr sinks: their NDJSON output and
 * prefix, and writes into a closed pipe (EPIPE instead of SIGPIPE killing the
 * host).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "sinks/sink.h"
#include "fixture_support.h"

static char *g_dir;

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    g_dir = ts_mkdtemp();
    beacon_capture_clear(NULL);
    beacon_capture_clear("a");
    beacon_capture_clear("b");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_rmdir(g_dir);
    return 0;
}

/* Runs fn with fd (1 or 2) redirected into a file; returns what was written. */
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
    tfx_plain_emit(&a);
    tfx_plain_emit(&b);
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
    assert_string_equal(json_string_value(json_object_get(a, "event")), "plain");
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

/* Child body: stdout is a pipe nobody reads; SIGPIPE has its default
 * action, so a plain write() kills the process. Exit 0 when the event was
 * counted as a sink error and the process lived. */
static int stdout_into_closed_pipe(void) {
    int fds[2];
    if (pipe(fds) != 0) return 10;
    close(fds[0]);
    if (dup2(fds[1], STDOUT_FILENO) < 0) return 11;
    close(fds[1]);
    signal(SIGPIPE, SIG_DFL);
    beacon_options *o = beacon_options_new();
    if (!o || beacon_options_add_sink(o, "stdout") != BEACON_OK) return 12;
    if (beacon_init(o) != BEACON_OK) return 13;
    tfx_plain ev = tfx_plain_make(1);
    if (tfx_plain_emit(&ev) != BEACON_OK) return 14;
    if (beacon_flush(5000) != BEACON_OK) return 15;
    beacon_counters c;
    if (beacon_stats(&c, NULL, 0, NULL) != BEACON_OK) return 16;
    if (c.dropped_sink_error != 1 || c.delivered != 0) return 17;
    beacon_shutdown(2000);
    /* A SIGPIPE left pending on the process would be delivered now. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    return 0;
}

static void stdout_sink_into_closed_pipe_does_not_kill_the_host(void **state) {
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(stdout_into_closed_pipe());
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_false(WIFSIGNALED(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Child body: fd writes on a thread other than the worker (SIGPIPE not
 * blocked there) also fail with EPIPE, and leave neither the signal mask
 * changed nor a SIGPIPE pending. */
static int direct_write_into_closed_pipe(void) {
    int fds[2];
    if (pipe(fds) != 0) return 10;
    close(fds[0]);
    signal(SIGPIPE, SIG_DFL);
    beacon__batch_item item = {"{}", 2, NULL};
    beacon__batch batch = {&item, 1, NULL, false};
    beacon__scratch scratch = {NULL, 0, false};
    size_t delivered = 9;
    int err_no = 0;
    beacon_status st =
        beacon__fd_write_lines(fds[1], NULL, 0, &batch, &scratch, &delivered, &err_no);
    beacon__scratch_free(&scratch);
    if (st != BEACON_ERR_IO || delivered != 0 || err_no != EPIPE) return 11;
    sigset_t mask, pending;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    if (sigismember(&mask, SIGPIPE)) return 12;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE)) return 13;
    return 0;
}

static void fd_write_into_closed_pipe_off_the_worker_gives_epipe(void **state) {
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(direct_write_into_closed_pipe());
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_false(WIFSIGNALED(status));
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(stdout_sink_writes_prefixed_ndjson),
        T(stderr_sink_writes_plain_ndjson),
        T(stdout_sink_into_closed_pipe_does_not_kill_the_host),
        T(fd_write_into_closed_pipe_off_the_worker_gives_epipe),
    };
    return cmocka_run_group_tests_name("sink_stream", tests, NULL, NULL);
}
