/* test_sink_stream.c — the stdout and stderr sinks: their NDJSON output and
 * prefix, writes into a closed pipe (EPIPE instead of SIGPIPE killing the
 * host), and a line cut by a full non-blocking pipe, ended once.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* F_SETPIPE_SZ */
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
    ts_capture_clear_all();
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
    beacon__scratch scratch = {.data = NULL};
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

/* Reads what the pipe holds now (non-blocking read end) onto out. */
static size_t drain(int fd, char *out, size_t have, size_t cap) {
    for (;;) {
        ssize_t n = read(fd, out + have, cap - 1 - have);
        if (n <= 0) break;
        have += (size_t)n;
    }
    out[have] = '\0';
    return have;
}

/* A pipe the host left non-blocking fills inside a line and stays full past
 * the stall bound: the line is cut, a write while it is still full adds
 * nothing, and once there is room the cut line is ended by exactly one
 * '\n': no empty line, no line glued to the fragment. */
static void a_line_cut_by_a_full_pipe_is_ended_once(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int cap = fcntl(fds[1], F_SETPIPE_SZ, 4096);
    if (cap != 4096) skip();
    assert_int_equal(fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK), 0);
    assert_int_equal(fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK), 0);
    int stall = beacon__fd_stall_max_ms;
    beacon__fd_stall_max_ms = 20;
    enum { LINE = 1500 };
    static char lines[3][LINE + 1];
    beacon__batch_item recs[3];
    for (int i = 0; i < 3; i++) {
        memset(lines[i], 'a' + i, LINE);
        lines[i][0] = '"';
        lines[i][LINE - 1] = '"';
        recs[i] = (beacon__batch_item){lines[i], LINE, NULL};
    }
    beacon__batch three = {recs, 3, NULL, false};
    beacon__batch_item small = {"{}", 2, NULL};
    beacon__batch one = {&small, 1, NULL, false};
    beacon__scratch scratch = {.data = NULL};
    size_t delivered = 9;
    int err_no = 0;
    /* 4503 bytes into 4096 of room: two lines and a fragment of the third. */
    assert_int_equal(beacon__fd_write_lines(fds[1], NULL, 0, &three, &scratch, &delivered, &err_no),
                     BEACON_ERR_IO);
    assert_int_equal(delivered, 2);
    assert_int_equal(err_no, EAGAIN);
    /* Still full: nothing written, the cut line still to be ended. */
    assert_int_equal(beacon__fd_write_lines(fds[1], NULL, 0, &one, &scratch, &delivered, &err_no),
                     BEACON_ERR_IO);
    assert_int_equal(delivered, 0);
    static char out[16384];
    size_t got = drain(fds[0], out, 0, sizeof out);
    assert_int_equal(got, 4096);
    assert_int_equal(beacon__fd_write_lines(fds[1], NULL, 0, &one, &scratch, &delivered, &err_no),
                     BEACON_OK);
    assert_int_equal(delivered, 1);
    assert_int_equal(beacon__fd_write_lines(fds[1], NULL, 0, &one, &scratch, &delivered, &err_no),
                     BEACON_OK);
    got = drain(fds[0], out, got, sizeof out);
    beacon__fd_stall_max_ms = stall;
    beacon__scratch_free(&scratch);
    close(fds[0]);
    close(fds[1]);
    /* line a, line b, the fragment of c, then the two small lines. */
    assert_int_equal(got, 4096 + 1 + 3 + 3);
    assert_int_equal(memcmp(out, lines[0], LINE), 0);
    assert_int_equal(out[LINE], '\n');
    assert_int_equal(memcmp(out + LINE + 1, lines[1], LINE), 0);
    assert_int_equal(out[2 * LINE + 1], '\n');
    assert_int_equal(memcmp(out + 2 * LINE + 2, lines[2], 4096 - 2 * LINE - 2), 0);
    assert_string_equal(out + 4096, "\n{}\n{}\n");
    assert_null(strstr(out, "\n\n"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(stdout_sink_writes_prefixed_ndjson),
        T(stderr_sink_writes_plain_ndjson),
        T(stdout_sink_into_closed_pipe_does_not_kill_the_host),
        T(fd_write_into_closed_pipe_off_the_worker_gives_epipe),
        T(a_line_cut_by_a_full_pipe_is_ended_once),
    };
    return cmocka_run_group_tests_name("sink_stream", tests, NULL, NULL);
}
