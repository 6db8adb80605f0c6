/* peers.h — what a user would pick instead of beacon, measured by
 * beacon-bench on the benchmark event with the same harness: LTTng-UST
 * tracepoints with an active session (peer_lttng.c), a barectf-generated
 * tracer with a file back end (peer_barectf.c) and spdlog's asynchronous
 * logger writing JSON lines (peer_spdlog.c). Each is built only when its
 * Debian package is present (bench/CMakeLists.txt defines BENCH_HAVE_LTTNG,
 * BENCH_HAVE_BARECTF, BENCH_HAVE_SPDLOG); bench_peers_run() skips the others.
 */
#ifndef BEACON_BENCH_PEERS_H
#define BEACON_BENCH_PEERS_H

#include "bench_common.h"

#include <stddef.h>
#include <stdint.h>

/* One peer. The driver (peers.c) calls setup once, then for 1 and 2
 * threads: open, bench_burst_latency(call, settle, ...), 1,000 more calls on
 * the calling thread to count allocations, close. */
typedef struct bench_peer {
    const char *row; /* report row name; static */
    /* Once before everything (may be NULL). Returns 0, or -1 after printing
     * why the peer cannot run. */
    int (*setup)(void);
    /* Makes ctxs[0..threads) ready for call (one per thread; thread i uses
     * ctxs[i] only). Returns 0, or -1 after printing why. */
    int (*open)(unsigned threads, void **ctxs);
    bench_fn call;   /* records the benchmark event once */
    bench_fn settle; /* between bursts, untimed (may be NULL) */
    /* Stops recording, reads the output back and sets *counted (events found
     * in it) and *lost (events the peer says it discarded) for the `given`
     * calls made since open; frees what open made. Returns 0, or -1 when the
     * output cannot be read. */
    int (*close)(unsigned threads, void **ctxs, uint64_t given, uint64_t *counted, uint64_t *lost);
    /* Once after everything, also after a failed setup (may be NULL). */
    void (*teardown)(void);
} bench_peer;

#ifdef BENCH_HAVE_LTTNG
extern const bench_peer bench_peer_lttng;
#endif
#ifdef BENCH_HAVE_BARECTF
extern const bench_peer bench_peer_barectf;
#endif
#ifdef BENCH_HAVE_SPDLOG
extern const bench_peer bench_peer_spdlog;
#endif

/* Measures every peer that was built on 1 and 2 threads (BENCH_SAMPLES
 * batches per thread) and appends a row per peer and thread count to rep,
 * with its delivery (expected, counted, lost). Returns the number of peers
 * measured, or -1 when one failed to run or its output does not hold what
 * it was given (printed to stderr; rows measured so far stay in rep). */
int bench_peers_run(bench_report *rep);

/* Number of peers this program was built with. */
int bench_peers_built(void);

/* Removes the directory tree at path (a temporary directory the bench made);
 * returns 0, or -1 when something could not be removed. */
int bench_rmtree(const char *path);

/* Counts the events babeltrace2 reads from the CTF trace(s) under dir (its
 * sink.utils.counter component). Returns 0 and sets *events, or
 * -1 when babeltrace2 fails. */
int bench_ctf_count(const char *dir, uint64_t *events);

#endif /* BEACON_BENCH_PEERS_H */
