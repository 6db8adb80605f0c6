/* bench_http.h — end-to-end HTTP delivery in beacon-bench: events through
 * each HTTP sink to the loopback receiver (http_receiver.h). Method:
 * bench/README.md, "End-to-end HTTP delivery".
 */
#ifndef BEACON_BENCH_HTTP_H
#define BEACON_BENCH_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "http_receiver.h"

#define BENCH_HTTP_MAX_RUNS 16

/* One format and compression. */
typedef struct bench_http_run {
    const char *format;      /* "otlp", "otlp-json", "datadog", ... */
    const char *compression; /* "none", "gzip", "zstd" */
    double events_per_s;     /* burst: delivered / (first emit .. flush returned) */
    uint64_t delivered, dropped;
    double body_bytes_per_event; /* request-body bytes on the wire / delivered */
    double requests_per_s;
    double transport_cpu_ns_per_event; /* the beacon-http thread */
    double worker_cpu_ns_per_event;    /* the beacon-worker thread */
    double receiver_busy;              /* receiver thread CPU time / wall time */
    double zero_drop_rate;             /* highest ladder step delivered in full; 0: none */
} bench_http_run;

/* Emit latency (per call, from timed batches of 16) on the caller while it
 * emits at a paced rate, into one sink. */
typedef struct bench_http_latency {
    const char *sink; /* "otlp+http" or "file:/dev/null" */
    double p50_ns, p99_ns, p999_ns;
    uint64_t emitted, delivered, dropped;
} bench_http_latency;

typedef struct bench_http_results {
    bench_rx_limit_result receiver;
    size_t receiver_body_len; /* body size its limit was measured with */
    unsigned receiver_conns;
    bench_http_run runs[BENCH_HTTP_MAX_RUNS];
    size_t nruns;
    double paced_rate;    /* events/s of the latency runs */
    double paced_seconds; /* length of each latency run */
    bench_http_latency with_http, without_http;
    double seconds; /* wall time of the whole HTTP part */
} bench_http_results;

/* Runs everything (about a minute), printing a table to stdout as it goes.
 * 0 on success; -1 when the receiver or beacon could not start. Uses
 * beacon_init/beacon_shutdown: call it when no other part has beacon
 * running. BENCH_HTTP_ONLY=<format>[/<compression>] limits the
 * formats measured. */
int bench_http_run_all(bench_http_results *out);

/* Writes `"http":{...}` (one line, no trailing comma or newline). */
void bench_http_json(FILE *f, const bench_http_results *r);

#endif /* BEACON_BENCH_HTTP_H */
