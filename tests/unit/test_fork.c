/* test_fork.c — fork() in a busy process: the child gets a working runtime
 * (fresh worker, its own counters, sinks reopened) whose events arrive, and
 * the parent carries on unaffected, all while other parent threads emit.
 * Not in the ThreadSanitizer run: TSan cannot follow a child of a threaded
 * process that starts threads of its own. The busy case is skipped under
 * AddressSanitizer too: its allocator (GCC 12's libasan) takes no lock
 * across fork(), so a child can inherit it locked by a parent thread and
 * hang in its first malloc — glibc's malloc, used otherwise, is fork-safe.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

static atomic_bool g_stop;

static void *busy(void *arg) {
    (void)arg;
    while (!atomic_load(&g_stop)) {
        tfx_plain ev = tfx_plain_make(1);
        tfx_plain_emit(&ev);
    }
    return NULL;
}

/* Exit codes say which check failed; _exit skips the parent's atexit work. */
static int child_body(void) {
    beacon_counters c0;
    beacon_stats(&c0, NULL, 0, NULL);
    if (c0.emitted != 0) return 10;
    for (int i = 0; i < 25; i++) {
        tfx_plain ev = tfx_plain_make(7);
        if (tfx_plain_emit(&ev) != BEACON_OK) return 11;
    }
    if (beacon_flush(10000) != BEACON_OK) return 12;
    beacon_sink_stats s[1];
    size_t n = 0;
    beacon_stats(NULL, s, 1, &n);
    if (n != 1 || s[0].counters.emitted != 25 || s[0].counters.delivered != 25) return 13;
    if (beacon_shutdown(10000) != BEACON_OK) return 14;
    return 0;
}

static size_t count_n(json_t *lines, int64_t n) {
    size_t k = 0;
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *d = json_object_get(json_array_get(lines, i), "data");
        if (json_integer_value(json_object_get(d, "n")) == n) k++;
    }
    return k;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void child_of_a_busy_process_delivers_and_parent_is_unaffected(void **state) {
    (void)state;
#ifdef UNDER_ASAN
    skip();
#endif
    ts_reset_runtime();
    char *dir = ts_mkdtemp();
    char *file = ts_path(dir, "f.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    ts_init_with_sinks(spec);

    atomic_store(&g_stop, false);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, busy, NULL), 0);
    for (int round = 0; round < 3; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) _exit(child_body());
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    atomic_store(&g_stop, true);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);

    tfx_plain mine = tfx_plain_make(3);
    assert_int_equal(tfx_plain_emit(&mine), BEACON_OK);
    assert_int_equal(beacon_flush(10000), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    ts_assert_balanced(&c);
    assert_int_equal(c.dropped_sink_error, 0);
    json_t *lines = ts_read_ndjson(file); /* every line whole, from all processes */
    assert_int_equal(count_n(lines, 7), 3 * 25);
    assert_int_equal(count_n(lines, 3), 1);
    assert_int_equal(count_n(lines, 1), c.delivered - 1);
    json_decref(lines);
    ts_reset_runtime();
    free(file);
    ts_rmdir(dir);
}

static void child_of_an_idle_runtime_can_shut_down_without_emitting(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_init_with_sinks("capture:fk");
    /* The worker has started and parked in its idle wait, which allocates
     * nothing: a fork while it was still starting could leave the child
     * with libasan's allocator locked (see above). */
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(beacon_shutdown(5000) == BEACON_OK ? 0 : 1);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    ts_reset_runtime();
    beacon_capture_clear("fk");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(child_of_a_busy_process_delivers_and_parent_is_unaffected),
        cmocka_unit_test(child_of_an_idle_runtime_can_shut_down_without_emitting),
    };
    return cmocka_run_group_tests_name("fork", tests, NULL, NULL);
}
