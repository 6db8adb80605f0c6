/* http_receiver.c — the delivery benchmark's loopback HTTP receiver: one
 * thread, epoll over non-blocking keep-alive connections, bodies skipped by
 * Content-Length (never copied), an empty 200 for each request. See
 * http_receiver.h.
 */
#include "http_receiver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX 8192
#define READ_BUF (256u * 1024u)

static const char k_ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

typedef struct conn {
    int fd;
    size_t head_len;    /* bytes of the current request's head so far */
    uint64_t body_left; /* bytes of the current body still to read */
    char head[HEAD_MAX];
} conn;

static int g_listen = -1, g_epoll = -1, g_port;
static pthread_t g_thread;
static _Atomic uint64_t g_requests, g_body_bytes;

uint64_t bench_rx_requests(void) {
    return atomic_load_explicit(&g_requests, memory_order_relaxed);
}

uint64_t bench_rx_body_bytes(void) {
    return atomic_load_explicit(&g_body_bytes, memory_order_relaxed);
}

double bench_rx_cpu_ns(void) {
    clockid_t cid;
    struct timespec ts;
    if (pthread_getcpuclockid(g_thread, &cid) != 0 || clock_gettime(cid, &ts) != 0) return 0;
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void conn_close(conn *c) {
    epoll_ctl(g_epoll, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

static bool answer(conn *c) {
    atomic_fetch_add_explicit(&g_requests, 1, memory_order_relaxed);
    return send(c->fd, k_ok, sizeof k_ok - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof k_ok - 1);
}

/* Content-Length of a complete head (case-insensitive name); 0 if absent. */
static uint64_t content_length(const char *head, size_t len) {
    static const char name[] = "\r\ncontent-length:";
    for (size_t i = 0; i + sizeof name - 1 <= len; i++) {
        if (head[i] == '\r' && strncasecmp(head + i, name, sizeof name - 1) == 0)
            return strtoull(head + i + sizeof name - 1, NULL, 10);
    }
    return 0;
}

/* Consumes buf[0..n) of c's stream; false when the connection must close. */
static bool consume(conn *c, const char *buf, size_t n) {
    size_t off = 0;
    while (off < n) {
        if (c->body_left > 0) {
            size_t take = n - off < c->body_left ? n - off : (size_t)c->body_left;
            c->body_left -= take;
            off += take;
            atomic_fetch_add_explicit(&g_body_bytes, take, memory_order_relaxed);
            if (c->body_left == 0 && !answer(c)) return false;
            continue;
        }
        size_t room = HEAD_MAX - 1 - c->head_len;
        size_t take = n - off < room ? n - off : room;
        if (take == 0) return false; /* a head over HEAD_MAX */
        size_t from = c->head_len > 3 ? c->head_len - 3 : 0;
        memcpy(c->head + c->head_len, buf + off, take);
        c->head_len += take;
        c->head[c->head_len] = '\0';
        char *end = strstr(c->head + from, "\r\n\r\n");
        if (!end) {
            off += take;
            continue;
        }
        size_t head_len = (size_t)(end + 4 - c->head);
        off += take - (c->head_len - head_len);
        c->body_left = content_length(c->head, head_len);
        c->head_len = 0;
        if (c->body_left == 0 && !answer(c)) return false;
    }
    return true;
}

static void *rx_main(void *arg) {
    (void)arg;
    static char buf[READ_BUF];
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(g_epoll, evs, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            return NULL;
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) { /* the listening socket */
                int fd;
                while ((fd = accept4(g_listen, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    int one = 1;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn *c = calloc(1, sizeof *c);
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    if (!c || epoll_ctl(g_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
                        free(c);
                        close(fd);
                        continue;
                    }
                    c->fd = fd;
                }
                continue;
            }
            conn *c = evs[i].data.ptr;
            for (;;) {
                ssize_t got = recv(c->fd, buf, sizeof buf, 0);
                if (got > 0) {
                    if (!consume(c, buf, (size_t)got)) {
                        conn_close(c);
                        break;
                    }
                    if ((size_t)got < sizeof buf) break;
                    continue;
                }
                if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                if (got < 0 && errno == EINTR) continue;
                conn_close(c); /* closed by the client, or an error */
                break;
            }
        }
    }
}

int bench_rx_start(void) {
    g_listen = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (g_listen < 0 || bind(g_listen, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(g_listen, 256) != 0 || getsockname(g_listen, (struct sockaddr *)&a, &len) != 0)
        return -1;
    g_port = ntohs(a.sin_port);
    g_epoll = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (g_epoll < 0 || epoll_ctl(g_epoll, EPOLL_CTL_ADD, g_listen, &ev) != 0) return -1;
    if (pthread_create(&g_thread, NULL, rx_main, NULL) != 0) return -1;
    return g_port;
}

/* ---- the receiver's own limit ------------------------------------------------- */

typedef struct client {
    const char *req;
    size_t req_len;
    double until;
    uint64_t requests;
    pthread_t thread;
} client;

static double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *client_main(void *arg) {
    client *cl = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)g_port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0) close(fd);
        return NULL;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char resp[256];
    while (mono_s() < cl->until) {
        for (size_t off = 0; off < cl->req_len;) {
            ssize_t n = send(fd, cl->req + off, cl->req_len - off, MSG_NOSIGNAL);
            if (n <= 0) goto out;
            off += (size_t)n;
        }
        for (size_t got = 0; got < sizeof k_ok - 1;) {
            ssize_t n = recv(fd, resp, sizeof k_ok - 1 - got, 0);
            if (n <= 0) goto out;
            got += (size_t)n;
        }
        cl->requests++;
    }
out:
    close(fd);
    return NULL;
}

bench_rx_limit_result bench_rx_limit(size_t body_len, unsigned conns, double seconds) {
    bench_rx_limit_result r = {0, 0, 0};
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "POST /v1/logs HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n"
                      "Content-Type: application/x-protobuf\r\nContent-Length: %zu\r\n\r\n",
                      body_len);
    char *req = malloc((size_t)hl + body_len);
    client *cls = calloc(conns, sizeof *cls);
    if (!req || !cls || hl <= 0) {
        free(req);
        free(cls);
        return r;
    }
    memcpy(req, head, (size_t)hl);
    memset(req + hl, 'x', body_len);
    double cpu0 = bench_rx_cpu_ns(), t0 = mono_s();
    unsigned started = 0;
    for (unsigned i = 0; i < conns; i++) {
        cls[i] = (client){req, (size_t)hl + body_len, t0 + seconds, 0, 0};
        if (pthread_create(&cls[i].thread, NULL, client_main, &cls[i]) == 0)
            started++;
        else
            break;
    }
    uint64_t total = 0;
    for (unsigned i = 0; i < started; i++) {
        pthread_join(cls[i].thread, NULL);
        total += cls[i].requests;
    }
    double wall = mono_s() - t0;
    r.requests_per_s = (double)total / wall;
    r.body_bytes_per_s = r.requests_per_s * (double)body_len;
    r.receiver_busy = (bench_rx_cpu_ns() - cpu0) / (wall * 1e9);
    free(req);
    free(cls);
    return r;
}
