/* test_http_sink.c — HTTP sinks and the transport thread inside one process,
 * against a small HTTP responder on 127.0.0.1 run by this test: events from
 * several threads each accounted once while outcomes come back on the
 * transport thread; flush and shutdown bounded by their deadlines against a
 * server that reads requests and never answers; retries counted. Run under
 * ThreadSanitizer (label concurrency).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#define _XOPEN_SOURCE 700 /* nftw */
#include <arpa/inet.h>
#include <ftw.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

/* ---- the responder ------------------------------------------------------------ */

typedef struct server {
    int fd;
    int port;
    int answer_first; /* the first `fail_first` requests get this status */
    int fail_first;
    bool silent; /* read requests, never answer */
    _Atomic int stop;
    _Atomic long lines;    /* NDJSON lines received in answered requests */
    _Atomic long requests; /* requests read */
    pthread_t thread;
    pthread_t conns[256]; /* written by the accept thread only, joined after it */
    int nconns;
} server;

typedef struct conn {
    server *s;
    int fd;
} conn;

static void *serve_conn(void *arg) {
    conn *c = arg;
    server *s = c->s;
    char *buf = malloc(1 << 20);
    size_t have = 0;
    while (!atomic_load(&s->stop) && buf) {
        ssize_t n = recv(c->fd, buf + have, (1 << 20) - have - 1, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
        if (n <= 0) break;
        have += (size_t)n;
        buf[have] = '\0';
        for (;;) {
            char *end = strstr(buf, "\r\n\r\n");
            if (!end) break;
            char *cl = strstr(buf, "Content-Length: ");
            if (!cl) cl = strstr(buf, "content-length: ");
            size_t len = cl && cl < end ? strtoul(cl + 16, NULL, 10) : 0;
            size_t total = (size_t)(end + 4 - buf) + len;
            if (have < total) break;
            long nr = atomic_fetch_add(&s->requests, 1);
            if (s->silent) {
                memmove(buf, buf + total, have - total);
                have -= total;
                continue;
            }
            int status = nr < s->fail_first ? s->answer_first : 200;
            if (status == 200) {
                long lines = 0;
                for (size_t i = (size_t)(end + 4 - buf); i < total; i++) lines += buf[i] == '\n';
                atomic_fetch_add(&s->lines, lines);
            }
            char resp[128];
            int rl =
                snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", status);
            if (send(c->fd, resp, (size_t)rl, MSG_NOSIGNAL) != rl) break;
            memmove(buf, buf + total, have - total);
            have -= total;
        }
    }
    free(buf);
    close(c->fd);
    free(c);
    return NULL;
}

static void *serve(void *arg) {
    server *s = arg;
    while (!atomic_load(&s->stop)) {
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0) break;
        if (atomic_load(&s->stop)) {
            close(fd);
            break;
        }
        struct timeval tv = {0, 100000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        conn *c = malloc(sizeof *c);
        c->s = s;
        c->fd = fd;
        if (s->nconns == 256 || pthread_create(&s->conns[s->nconns], NULL, serve_conn, c) != 0) {
            close(fd);
            free(c);
            continue;
        }
        s->nconns++;
    }
    return NULL;
}

/* Listens on s->port (0: any free port, written back). */
static void server_start(server *s) {
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)s->port); /* 0: any */
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 64), 0);
    socklen_t len = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &len);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(server *s) {
    atomic_store(&s->stop, 1);
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->thread, NULL);
    /* Connection threads see stop within their 100 ms read timeout. */
    for (int i = 0; i < s->nconns; i++) pthread_join(s->conns[i], NULL);
}

/* ---- helpers ------------------------------------------------------------------ */

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How late a call with a deadline may return on a loaded machine; a
 * deadline not kept shows as the transfer's 30 s timeout, far beyond it. */
#define LATE_MS 1000

/* Waits up to 5 s for the receiver to have counted a request (its thread
 * counts it after reading the request, maybe after the client gave up). */
static bool saw_a_request(server *s) {
    for (int64_t end = now_ms() + 5000; now_ms() < end;) {
        if (atomic_load(&s->requests) >= 1) return true;
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    return atomic_load(&s->requests) >= 1;
}

/* Totals are for the process lifetime: tests compare differences. */
static beacon_counters since(const beacon_counters *base) {
    beacon_counters now;
    assert_int_equal(beacon_stats(&now, NULL, 0, NULL), BEACON_OK);
    uint64_t *n = (uint64_t *)&now;
    const uint64_t *b = (const uint64_t *)base;
    for (size_t i = 0; i < sizeof now / sizeof(uint64_t); i++) n[i] -= b[i];
    return now;
}

static void init_http(const server *s, const char *query) {
    char spec[256];
    snprintf(spec, sizeof spec, "ndjson+http://127.0.0.1:%d/%s", s->port, query);
    ts_init_with_sinks(spec);
}

static void emit_n(int n) {
    for (int i = 0; i < n; i++) {
        tfx_plain ev = tfx_plain_make(i % 10);
        assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_OK);
    }
}

static _Atomic int g_emit_failures;

/* cmocka's asserts belong to the main thread: producers only count. */
static void *producer(void *arg) {
    (void)arg;
    for (int i = 0; i < 500; i++) {
        tfx_plain ev = tfx_plain_make(i % 10);
        if (beacon_gen_emit(&ev.hdr, NULL) != BEACON_OK) atomic_fetch_add(&g_emit_failures, 1);
    }
    return NULL;
}

/* ---- tests -------------------------------------------------------------------- */

static void events_from_many_threads_are_each_delivered_once(void **state) {
    (void)state;
    server s = {0};
    server_start(&s);
    init_http(&s, "?batch=64&linger_ms=5&concurrency=3");
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, producer, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&g_emit_failures), 0);
    assert_int_equal(beacon_flush(10000), BEACON_OK);
    beacon_counters c = ts_sink_counters(0), total;
    assert_int_equal(c.delivered, 2000);
    assert_int_equal(beacon_stats(&total, NULL, 0, NULL), BEACON_OK);
    assert_int_equal(total.delivered, 2000);
    ts_assert_balanced(&total);
    assert_int_equal(atomic_load(&s.lines), 2000);
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    server_stop(&s);
}

static void retryable_answers_are_retried_and_counted(void **state) {
    (void)state;
    server s = {0};
    s.answer_first = 503;
    s.fail_first = 2;
    server_start(&s);
    init_http(&s, "?batch=100");
    emit_n(10);
    assert_int_equal(beacon_flush(10000), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.delivered, 10);
    assert_int_equal(c.retries, 2);
    assert_int_equal(atomic_load(&s.lines), 10);
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    server_stop(&s);
}

static void flush_times_out_while_a_server_never_answers(void **state) {
    (void)state;
    server s = {0};
    s.silent = true;
    server_start(&s);
    beacon_counters base;
    assert_int_equal(beacon_stats(&base, NULL, 0, NULL), BEACON_OK);
    init_http(&s, "?timeout_ms=30000");
    emit_n(5);
    int64_t t0 = now_ms();
    assert_int_equal(beacon_flush(200), BEACON_ERR_TIMEOUT);
    int64_t took = now_ms() - t0;
    assert_true(took >= 150 && took < 200 + LATE_MS);
    beacon_sink_stats one;
    size_t n = 0;
    assert_int_equal(beacon_stats(NULL, &one, 1, &n), BEACON_OK);
    assert_int_equal(one.counters.emitted, 5);
    assert_int_equal(one.counters.delivered + one.counters.dropped_shutdown, 0);
    t0 = now_ms();
    beacon_shutdown(300);
    took = now_ms() - t0;
    assert_true(took < 300 + LATE_MS);
    beacon_counters total = since(&base);
    assert_int_equal(total.dropped_shutdown, 5);
    ts_assert_balanced(&total);
    server_stop(&s);
}

static void shutdown_aborts_in_flight_transfers_by_its_deadline(void **state) {
    (void)state;
    server s = {0};
    s.silent = true;
    server_start(&s);
    beacon_counters base;
    assert_int_equal(beacon_stats(&base, NULL, 0, NULL), BEACON_OK);
    init_http(&s, "?timeout_ms=30000&batch=10&concurrency=2");
    emit_n(100);
    int64_t t0 = now_ms();
    beacon_status st = beacon_shutdown(400);
    int64_t took = now_ms() - t0;
    assert_true(st == BEACON_OK || st == BEACON_ERR_TIMEOUT);
    assert_true(took < 400 + LATE_MS);
    beacon_counters total = since(&base);
    assert_int_equal(total.emitted, 100);
    assert_int_equal(total.dropped_shutdown, 100);
    ts_assert_balanced(&total);
    assert_true(saw_a_request(&s));
    server_stop(&s);
}

/* A child forked while an HTTP sink runs gets its own transport and
 * delivers its own events; the parent's go on as before. */
static void a_forked_child_delivers_through_its_own_transport(void **state) {
    (void)state;
#if defined(__SANITIZE_THREAD__)
    skip(); /* ThreadSanitizer does not follow fork() in a threaded process */
#endif
    server s = {0};
    server_start(&s);
    init_http(&s, "?linger_ms=1");
    emit_n(10);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 5; i++) {
            tfx_plain ev = tfx_plain_make(i);
            beacon_gen_emit(&ev.hdr, NULL);
        }
        beacon_sink_stats one;
        size_t n = 0;
        bool ok = beacon_flush(5000) == BEACON_OK && beacon_stats(NULL, &one, 1, &n) == BEACON_OK &&
                  one.counters.delivered == 5;
        beacon_shutdown(2000);
        _exit(ok ? 0 : 1);
    }
    assert_true(pid > 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(ts_sink_counters(0).delivered, 10);
    assert_int_equal(beacon_shutdown(2000), BEACON_OK);
    server_stop(&s);
    assert_int_equal(atomic_load(&s.lines), 15);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Events from several threads that a refusing endpoint cannot take go to
 * the spool; a second run on the same endpoint, now answering, replays
 * them on the transport thread beside its own events, each once. */
static void what_the_spool_kept_is_replayed_once_the_endpoint_answers(void **state) {
    (void)state;
    char root[] = "/tmp/beacon_spool_XXXXXX";
    assert_non_null(mkdtemp(root));
    server s = {0};
    server_start(&s);
    int port = s.port;
    server_stop(&s); /* the port now refuses connections */
    char spec[512];
    snprintf(spec, sizeof spec, "ndjson+http://127.0.0.1:%d/?retries=0&linger_ms=1&spool=%s", port,
             root);
    beacon_counters base;
    assert_int_equal(beacon_stats(&base, NULL, 0, NULL), BEACON_OK);
    ts_init_with_sinks(spec);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, producer, NULL);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    assert_int_equal(beacon_flush(10000), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.spooled, 1000);
    assert_true(c.spool_pending_bytes > 0);
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);

    server s2 = {0};
    s2.port = port;
    server_start(&s2);
    ts_init_with_sinks(spec);
    emit_n(10);
    assert_int_equal(beacon_flush(10000), BEACON_OK);
    c = ts_sink_counters(0);
    assert_int_equal(c.replayed, 1000);
    assert_int_equal(c.delivered, 1010);
    assert_int_equal(c.spool_pending_bytes, 0);
    ts_assert_balanced(&c);
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    server_stop(&s2);
    assert_int_equal(atomic_load(&s2.lines), 1010);
    beacon_counters total = since(&base);
    assert_int_equal(total.spooled, 1000);
    assert_int_equal(total.replayed, 1000);
    ts_assert_balanced(&total);
    nftw(root, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(events_from_many_threads_are_each_delivered_once,
                                        ts_reset_fixture, ts_reset_fixture),
        cmocka_unit_test_setup_teardown(retryable_answers_are_retried_and_counted, ts_reset_fixture,
                                        ts_reset_fixture),
        cmocka_unit_test_setup_teardown(flush_times_out_while_a_server_never_answers,
                                        ts_reset_fixture, ts_reset_fixture),
        cmocka_unit_test_setup_teardown(shutdown_aborts_in_flight_transfers_by_its_deadline,
                                        ts_reset_fixture, ts_reset_fixture),
        cmocka_unit_test_setup_teardown(a_forked_child_delivers_through_its_own_transport,
                                        ts_reset_fixture, ts_reset_fixture),
        cmocka_unit_test_setup_teardown(what_the_spool_kept_is_replayed_once_the_endpoint_answers,
                                        ts_reset_fixture, ts_reset_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
