/* test_descriptors.c — file and stream sinks never block forever on what
 * the host left them, and take descriptors as the host expects: a FIFO
 * without a reader (at init or swapped in at run time) neither hangs nor
 * leaks the worker, file descriptors are >= 3 and close-on-exec, a file
 * deleted under beacon is replaced rather than written into, and a
 * non-blocking stderr read slowly gets every line instead of dropping.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
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
    return 0;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void emit_plain(int n) {
    tfx_plain ev = tfx_plain_make(1);
    for (int i = 0; i < n; i++) assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_OK);
}

/* beacon_init in a thread, so that a hang fails the test instead of it. */
typedef struct init_call {
    char spec[PATH_MAX + 8];
    beacon_status st;
    _Atomic bool done;
} init_call;

static void *call_init(void *arg) {
    init_call *c = arg;
    beacon_options *o = beacon_options_new();
    beacon_options_add_sink(o, c->spec);
    c->st = beacon_init(o);
    atomic_store(&c->done, true);
    return NULL;
}

static void a_fifo_without_reader_does_not_hang_init(void **state) {
    (void)state;
    char *fifo = ts_path(g_dir, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    static init_call c;
    snprintf(c.spec, sizeof c.spec, "file:%s", fifo);
    atomic_store(&c.done, false);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, call_init, &c), 0);
    int64_t until = mono_ms() + 3000;
    while (!atomic_load(&c.done) && mono_ms() < until) sleep_ms(5);
    if (!atomic_load(&c.done)) {
        pthread_detach(t);
        fail_msg("beacon_init hung opening a FIFO with no reader");
    }
    pthread_join(t, NULL);
    assert_int_equal(c.st, BEACON_OK);
    emit_plain(3);
    assert_int_equal(beacon_flush(3000), BEACON_OK);
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(s.dropped_sink_error, 3);
    assert_int_equal(beacon_shutdown(3000), BEACON_OK);
    free(fifo);
}

static void a_path_replaced_by_a_fifo_neither_hangs_nor_leaks_the_worker(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "events.ndjson");
    char spec[PATH_MAX + 8];
    snprintf(spec, sizeof spec, "file:%s", file);
    ts_init_with_sinks(spec);
    emit_plain(1);
    assert_int_equal(beacon_flush(3000), BEACON_OK);
    char *moved = ts_path(g_dir, "moved.ndjson");
    assert_int_equal(rename(file, moved), 0); /* rotated away, still linked */
    assert_int_equal(mkfifo(file, 0600), 0);
    sleep_ms(1100); /* past the path identity check interval */
    emit_plain(2);
    int64_t t0 = mono_ms();
    assert_int_equal(beacon_flush(3000), BEACON_OK);
    assert_int_equal(beacon_shutdown(3000), BEACON_OK); /* the worker exited */
    assert_true(mono_ms() - t0 < 3000);
    unlink(moved);
    free(moved);
    free(file);
}

/* The descriptor beacon holds on path (-1: none). */
static int fd_open_on(const char *path) {
    char real[PATH_MAX];
    if (!realpath(path, real)) return -1;
    for (int fd = 0; fd < 1024; fd++) {
        char link[64], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0) continue;
        target[n] = '\0';
        if (strcmp(target, real) == 0) return fd;
    }
    return -1;
}

static void a_host_that_closed_stdout_keeps_its_output_out_of_the_file(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "events.ndjson");
    char spec[PATH_MAX + 8];
    snprintf(spec, sizeof spec, "file:%s", file);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    close(STDOUT_FILENO);
    ts_init_with_sinks(spec);
    int fd = fd_open_on(file);
    /* The host's writes to fd 1 now fail instead of landing in the file. */
    ssize_t host = write(STDOUT_FILENO, "host output\n", 12);
    int host_errno = errno;
    dup2(saved, STDOUT_FILENO);
    close(saved);
    assert_true(fd >= 3);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(host, -1);
    assert_int_equal(host_errno, EBADF);
    emit_plain(1);
    assert_int_equal(beacon_flush(3000), BEACON_OK);
    char *text = ts_read_file(file);
    assert_non_null(text);
    assert_null(strstr(text, "host output"));
    free(text);
    free(file);
}

static void events_after_the_file_was_deleted_go_to_a_new_file(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "events.ndjson");
    char spec[PATH_MAX + 8];
    snprintf(spec, sizeof spec, "file:%s", file);
    ts_init_with_sinks(spec);
    emit_plain(1);
    assert_int_equal(beacon_flush(3000), BEACON_OK);
    assert_int_equal(unlink(file), 0);
    emit_plain(2);
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(s.delivered, 3);
    json_t *lines = ts_read_ndjson(file); /* the two delivered after the delete */
    assert_int_equal(json_array_size(lines), 2);
    json_decref(lines);
    free(file);
}

/* A pipe reader that takes its time: 4 KiB per 2 ms. */
typedef struct slow_reader {
    int fd;
    size_t lines, empty, bytes;
    char last;
} slow_reader;

static void *read_slowly(void *arg) {
    slow_reader *r = arg;
    char buf[4096];
    for (;;) {
        ssize_t n = read(r->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                r->lines++;
                if (r->last == '\n' || (r->bytes == 0 && i == 0)) r->empty++;
            }
            r->last = buf[i];
        }
        r->bytes += (size_t)n;
        sleep_ms(2);
    }
    return NULL;
}

static void a_nonblocking_stderr_read_slowly_gets_every_line(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
    close(p[1]);
    static slow_reader r;
    memset(&r, 0, sizeof r);
    r.fd = p[0];
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_slowly, &r), 0);

    ts_init_with_sinks("stderr");
    enum { N = 3000 };
    for (int k = 0; k < N / 500; k++) {
        emit_plain(500);
        assert_int_equal(beacon_flush(20000), BEACON_OK);
    }
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(beacon_shutdown(20000), BEACON_OK);
    dup2(saved, STDERR_FILENO); /* the pipe's last writer goes: reader sees EOF */
    close(saved);
    pthread_join(t, NULL);
    close(p[0]);
    assert_int_equal(s.delivered, N);
    assert_int_equal(s.dropped_sink_error, 0);
    assert_int_equal(r.lines, N);
    assert_int_equal(r.empty, 0);
}

int main(int argc, char **argv) {
    if (argc > 1) cmocka_set_test_filter(argv[1]); /* one test by name */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_fifo_without_reader_does_not_hang_init, setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_path_replaced_by_a_fifo_neither_hangs_nor_leaks_the_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(a_host_that_closed_stdout_keeps_its_output_out_of_the_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(events_after_the_file_was_deleted_go_to_a_new_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_nonblocking_stderr_read_slowly_gets_every_line, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
