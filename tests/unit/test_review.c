/* test_review.c — regression tests for runtime defects: sinks writing into a
 * closed pipe (SIGPIPE), a file whose rotation fails, callbacks reached by an
 * abandoned worker after beacon_shutdown() returned, fork() racing
 * init/shutdown, and context set from a late thread-exit destructor.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tfx_events.h"
#include "fixture_support.h"
#include "sinks/sink.h"

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls flag until set; fails the test after a generous deadline. */
static void wait_for(atomic_int *flag) {
    for (int i = 0; i < 10000 && !atomic_load(flag); i++) sleep_ms(1);
    assert_true(atomic_load(flag));
}

/* ---- SIGPIPE ------------------------------------------------------------- */

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

/* ---- file rotation that cannot rename ------------------------------------ */

static void file_whose_rotation_fails_keeps_writing_instead_of_spinning(void **state) {
    (void)state;
    char *dir = ts_mkdtemp();
    char *path = ts_path(dir, "e.ndjson"), *blocker = ts_path(dir, "e.ndjson.1");
    /* A directory where PATH.1 should go: rename(PATH, PATH.1) fails. */
    assert_int_equal(mkdir(blocker, 0755), 0);
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s?max_bytes=200&keep=1", path);
    ts_init_with_sinks(spec);
    for (int i = 0; i < 10; i++) {
        tfx_plain ev = tfx_plain_make(i);
        assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    }
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.delivered, 10);
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    json_t *lines = ts_read_ndjson(path);
    assert_int_equal(json_array_size(lines), 10);
    json_decref(lines);
    rmdir(blocker);
    free(blocker);
    free(path);
    ts_rmdir(dir);
}

/* ---- abandoned worker ---------------------------------------------------- */

/* Three callback sinks. gate: holds the worker in its first pass (event 1)
 * so that events 2 and 3 arrive together in the next one. stuck: per_event,
 * blocks on event 2 until released. after: a batch sink after it. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static bool g_release_gate, g_release_stuck;
static atomic_int g_in_gate, g_in_stuck, g_stuck_returning, g_shutdown_returned;
static atomic_int g_calls_after_shutdown;

static int64_t event_n(const beacon_event_json *e) {
    json_error_t err;
    json_t *j = json_loadb(e->json, e->len, 0, &err);
    int64_t n = -1;
    if (j) n = json_integer_value(json_object_get(json_object_get(j, "data"), "n"));
    json_decref(j);
    return n;
}

static void wait_release(bool *flag) {
    pthread_mutex_lock(&g_mu);
    while (!*flag) pthread_cond_wait(&g_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
}

static void release(bool *flag) {
    pthread_mutex_lock(&g_mu);
    *flag = true;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

static bool gate_cb(const beacon_event_json *ev, size_t n, void *user) {
    (void)user;
    if (atomic_load(&g_shutdown_returned)) atomic_fetch_add(&g_calls_after_shutdown, 1);
    for (size_t i = 0; i < n; i++) {
        if (event_n(&ev[i]) == 1) {
            atomic_store(&g_in_gate, 1);
            wait_release(&g_release_gate);
        }
    }
    return true;
}

static bool stuck_cb(const beacon_event_json *ev, size_t n, void *user) {
    (void)user;
    if (atomic_load(&g_shutdown_returned)) atomic_fetch_add(&g_calls_after_shutdown, 1);
    if (n == 1 && event_n(ev) == 2) {
        atomic_store(&g_in_stuck, 1);
        wait_release(&g_release_stuck);
        atomic_store(&g_stuck_returning, 1);
    }
    return true;
}

static bool after_cb(const beacon_event_json *ev, size_t n, void *user) {
    (void)ev;
    (void)n;
    (void)user;
    if (atomic_load(&g_shutdown_returned)) atomic_fetch_add(&g_calls_after_shutdown, 1);
    return true;
}

static void abandoned_worker_calls_no_callback_after_shutdown_returned(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_callback_sink(o, gate_cb, NULL, NULL), BEACON_OK);
    assert_int_equal(beacon_options_add_callback_sink(o, stuck_cb, NULL, "per_event=1"), BEACON_OK);
    assert_int_equal(beacon_options_add_callback_sink(o, after_cb, NULL, NULL), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);

    tfx_plain e1 = tfx_plain_make(1), e2 = tfx_plain_make(2), e3 = tfx_plain_make(3);
    assert_int_equal(tfx_plain_emit(&e1), BEACON_OK);
    wait_for(&g_in_gate);
    assert_int_equal(tfx_plain_emit(&e2), BEACON_OK);
    assert_int_equal(tfx_plain_emit(&e3), BEACON_OK);
    release(&g_release_gate);
    wait_for(&g_in_stuck);

    assert_int_equal(beacon_shutdown(100), BEACON_ERR_TIMEOUT);
    atomic_store(&g_shutdown_returned, 1);
    /* The user may now free what its callbacks use; the stuck one returns. */
    release(&g_release_stuck);
    wait_for(&g_stuck_returning);
    sleep_ms(300); /* time for a wrongly continuing worker to reach the others */
    assert_int_equal(atomic_load(&g_calls_after_shutdown), 0);

    beacon_counters c;
    assert_int_equal(beacon_stats(&c, NULL, 0, NULL), BEACON_OK);
    ts_assert_balanced(&c);
}

/* ---- fork racing init/shutdown ------------------------------------------- */

static atomic_int g_cycles_done;

static void *init_shutdown_loop(void *arg) {
    (void)arg;
    static const uint8_t key[32] = {1, 2, 3};
    for (int i = 0; i < 300; i++) {
        beacon_options *o = beacon_options_new();
        beacon_options_add_sink(o, "capture:fork_race");
        beacon_options_set_hash_key(o, key, sizeof key, NULL);
        beacon_init(o);
        beacon_shutdown(1000);
    }
    atomic_store(&g_cycles_done, 1);
    return NULL;
}

/* Child body: one thread cycles the runtime, this one forks meanwhile. */
static int fork_during_init_and_shutdown(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, init_shutdown_loop, NULL) != 0) return 10;
    while (!atomic_load(&g_cycles_done)) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid(pid, NULL, 0);
    }
    pthread_join(t, NULL);
    return 0;
}

static void fork_while_another_thread_inits_and_shuts_down_never_deadlocks(void **state) {
    (void)state;
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(fork_during_init_and_shutdown());
    int status = 0;
    pid_t got = 0;
    for (int i = 0; i < 1200 && got == 0; i++) { /* generous 120 s bound */
        got = waitpid(pid, &status, WNOHANG);
        if (got == 0) sleep_ms(100);
    }
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fail_msg("fork() deadlocked against beacon_init()/beacon_shutdown()");
    }
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- context from a late thread-exit destructor -------------------------- */

static pthread_key_t g_late_key;
static atomic_int g_late_ran, g_late_status;

/* Runs after beacon's own thread-exit destructor (keys are destroyed in
 * creation order), as another library's cleanup would. */
static void late_destructor(void *v) {
    (void)v;
    g_late_status = tfx_context_set_request_id("late");
    tfx_context_clear();
    atomic_store(&g_late_ran, 1);
}

static void *thread_with_context(void *arg) {
    (void)arg;
    assert_int_equal(tfx_context_set_request_id("early"), BEACON_OK);
    pthread_setspecific(g_late_key, (void *)1);
    return NULL;
}

static void context_set_from_a_later_thread_exit_destructor_is_safe(void **state) {
    (void)state;
    /* Makes sure beacon's key exists before ours. */
    assert_int_equal(tfx_context_set_request_id("x"), BEACON_OK);
    tfx_context_clear();
    assert_int_equal(pthread_key_create(&g_late_key, late_destructor), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, thread_with_context, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(atomic_load(&g_late_ran));
    assert_int_equal(atomic_load(&g_late_status), BEACON_OK);
    pthread_key_delete(g_late_key);
}

#define T(name) cmocka_unit_test_setup_teardown(name, ts_reset_fixture, ts_reset_fixture)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(stdout_sink_into_closed_pipe_does_not_kill_the_host),
        T(fd_write_into_closed_pipe_off_the_worker_gives_epipe),
        T(file_whose_rotation_fails_keeps_writing_instead_of_spinning),
        T(abandoned_worker_calls_no_callback_after_shutdown_returned),
        T(fork_while_another_thread_inits_and_shuts_down_never_deadlocks),
        T(context_set_from_a_later_thread_exit_destructor_is_safe),
    };
    return cmocka_run_group_tests_name("review", tests, NULL, NULL);
}
