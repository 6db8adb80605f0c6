/* test_exit.c — a program that exits without beacon_shutdown(): what it
 * emitted is delivered within BEACON_EXIT_TIMEOUT_MS, 0 turns that off, a
 * stuck sink cannot hold the exit past the deadline, callback sinks are not
 * called once exit began, and exit after shutdown or in a fork child is
 * harmless. Each case runs in a child process that calls exit(), as
 * returning from main does.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <fcntl.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int count_lines(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

/* In a child: starts beacon with these sinks, or _exit(20). */
static void child_init(const char *specs) {
    beacon_options *o = beacon_options_new();
    if (!o || beacon_options_set_sinks(o, specs) != BEACON_OK || beacon_init(o) != BEACON_OK)
        _exit(20);
}

static void child_emit(int n) {
    for (int i = 0; i < n; i++) {
        tfx_plain ev = tfx_plain_make(i % 10);
        if (tfx_plain_emit(&ev) != BEACON_OK) _exit(21);
    }
}

/* Waits for the child; returns its exit status (fails on a signal). */
static int wait_child(pid_t pid) {
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void exit_without_shutdown_delivers_what_was_emitted(void **state) {
    (void)state;
    char *dir = ts_mkdtemp();
    char *path = ts_path(dir, "events.ndjson");
    char spec[600];
    snprintf(spec, sizeof spec, "file:%s", path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        unsetenv("BEACON_EXIT_TIMEOUT_MS");
        child_init(spec);
        child_emit(5);
        exit(0);
    }
    assert_int_equal(wait_child(pid), 0);
    assert_int_equal(count_lines(path), 5);
    free(path);
    ts_rmdir(dir);
}

/* A child whose stdout sink writes into a full pipe nobody reads: its
 * worker blocks. Returns how long the child's exit() took, in ms. */
static int64_t exit_time_with_stuck_sink(const char *timeout_ms) {
    int out[2], mark[2];
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(mark), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(mark[0]);
        close(out[0]);
        int fl = fcntl(out[1], F_GETFL);
        fcntl(out[1], F_SETFL, fl | O_NONBLOCK);
        char fill[4096];
        memset(fill, 'f', sizeof fill);
        while (write(out[1], fill, sizeof fill) > 0) {
        }
        fcntl(out[1], F_SETFL, fl);
        dup2(out[1], STDOUT_FILENO);
        setenv("BEACON_EXIT_TIMEOUT_MS", timeout_ms, 1);
        child_init("stdout");
        child_emit(5);
        (void)!write(mark[1], "x", 1); /* exit starts now */
        exit(0);
    }
    close(mark[1]);
    close(out[1]);
    char c;
    assert_int_equal(read(mark[0], &c, 1), 1);
    int64_t t0 = mono_ms();
    assert_int_equal(wait_child(pid), 0);
    int64_t took = mono_ms() - t0;
    close(mark[0]);
    close(out[0]);
    return took;
}

static void exit_timeout_zero_does_not_wait(void **state) {
    (void)state;
    /* Far below the 2000 ms default: it did not wait for the stuck sink. */
    assert_true(exit_time_with_stuck_sink("0") < 1500);
}

static void exit_with_a_stuck_sink_returns_by_the_deadline(void **state) {
    (void)state;
    int64_t took = exit_time_with_stuck_sink("400");
    assert_true(took >= 300); /* it did wait for delivery... */
    assert_true(took < 4000); /* ...and it returned: the deadline held */
}

/* The callback's owner, destroyed by an atexit handler registered after
 * beacon_init (so it runs before beacon's). */
static volatile bool g_owner_gone;
static _Atomic bool g_callback_started;
static int g_report_fd = -1;

static void destroy_owner(void) {
    g_owner_gone = true;
}

static bool slow_callback(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)n;
    (void)user;
    if (g_owner_gone) (void)!write(g_report_fd, "X", 1);
    (void)!write(g_report_fd, "c", 1);
    atomic_store(&g_callback_started, true);
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    return true;
}

static void exit_never_calls_a_callback_sink_after_exit_began(void **state) {
    (void)state;
    int rep[2];
    assert_int_equal(pipe(rep), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(rep[0]);
        g_report_fd = rep[1];
        unsetenv("BEACON_EXIT_TIMEOUT_MS");
        beacon_options *o = beacon_options_new();
        if (beacon_options_add_callback_sink(o, slow_callback, NULL, "per_event=1") != BEACON_OK ||
            beacon_init(o) != BEACON_OK)
            _exit(20);
        atexit(destroy_owner);
        child_emit(5);
        /* Exit while the first call is under way: the rest of its batch
         * would follow after the owner is gone. */
        while (!atomic_load(&g_callback_started)) {
        }
        exit(0);
    }
    close(rep[1]);
    char buf[64];
    size_t got = 0;
    ssize_t r;
    while ((r = read(rep[0], buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)r;
    buf[got] = '\0';
    close(rep[0]);
    assert_int_equal(wait_child(pid), 0);
    assert_null(strchr(buf, 'X'));
    assert_true(strlen(buf) < 5); /* the exit cut the callbacks short */
}

static void exit_after_shutdown_is_harmless(void **state) {
    (void)state;
    char *dir = ts_mkdtemp();
    char *path = ts_path(dir, "events.ndjson");
    char spec[600];
    snprintf(spec, sizeof spec, "file:%s", path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        child_init(spec);
        child_emit(5);
        if (beacon_shutdown(5000) != BEACON_OK) _exit(22);
        exit(0);
    }
    assert_int_equal(wait_child(pid), 0);
    assert_int_equal(count_lines(path), 5);
    free(path);
    ts_rmdir(dir);
}

static void exit_in_a_fork_child_delivers_the_child_events(void **state) {
    (void)state;
    char *dir = ts_mkdtemp();
    char *path = ts_path(dir, "events.ndjson");
    char spec[600];
    snprintf(spec, sizeof spec, "file:%s", path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        child_init(spec);
        child_emit(2);
        if (beacon_flush(5000) != BEACON_OK) _exit(23);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            child_emit(3);
            exit(0);
        }
        int status;
        if (waitpid(grandchild, &status, 0) != grandchild || !WIFEXITED(status)) _exit(24);
        exit(WEXITSTATUS(status));
    }
    assert_int_equal(wait_child(pid), 0);
    assert_int_equal(count_lines(path), 5);
    free(path);
    ts_rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exit_without_shutdown_delivers_what_was_emitted),
        cmocka_unit_test(exit_timeout_zero_does_not_wait),
        cmocka_unit_test(exit_with_a_stuck_sink_returns_by_the_deadline),
        cmocka_unit_test(exit_never_calls_a_callback_sink_after_exit_began),
        cmocka_unit_test(exit_after_shutdown_is_harmless),
        cmocka_unit_test(exit_in_a_fork_child_delivers_the_child_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
