/* http_receiver.h — the loopback HTTP receiver of the delivery benchmark
 * (bench_http.c): one epoll thread on 127.0.0.1 that reads HTTP/1.1
 * requests on keep-alive connections, skips each body by its
 * Content-Length, counts requests and body bytes, and answers every one
 * with an empty 200. Its own limit is measured with plain socket clients
 * posting a pre-made request back to back (bench_rx_limit).
 */
#ifndef BEACON_BENCH_HTTP_RECEIVER_H
#define BEACON_BENCH_HTTP_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

/* Starts the receiver thread; returns its port, or -1. One per process.
 * Not thread-safe; call once before anything else here. */
int bench_rx_start(void);

/* Requests answered and request-body bytes read since the start.
 * Thread-safe (relaxed counters). */
uint64_t bench_rx_requests(void);
uint64_t bench_rx_body_bytes(void);

/* CPU time of the receiver thread so far, in ns. Thread-safe. */
double bench_rx_cpu_ns(void);

/* What the receiver sustains: `conns` client threads, each on its own
 * keep-alive connection, post a request with a body of `body_len` bytes and
 * wait for its answer, back to back for `seconds`. */
typedef struct bench_rx_limit_result {
    double requests_per_s;
    double body_bytes_per_s;
    double receiver_busy; /* receiver thread CPU time / wall time */
} bench_rx_limit_result;
bench_rx_limit_result bench_rx_limit(size_t body_len, unsigned conns, double seconds);

#endif /* BEACON_BENCH_HTTP_RECEIVER_H */
