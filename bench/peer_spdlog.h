/* peer_spdlog.h — C interface of the spdlog logger behind the spdlog peer
 * of beacon-bench (peer_spdlog_logger.cpp): an asynchronous logger with one
 * worker thread and a basic file sink, writing the benchmark event as one
 * JSON line. peer_spdlog.c measures it.
 */
#ifndef BEACON_BENCH_PEER_SPDLOG_H
#define BEACON_BENCH_PEER_SPDLOG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bench_spdlog bench_spdlog;

/* A new asynchronous logger writing to the file at path (truncated), with
 * its own thread pool (8192-entry queue, one worker, block when full).
 * Returns NULL (after printing why) when it cannot be made. Free with
 * bench_spdlog_close. */
bench_spdlog *bench_spdlog_open(const char *path);

/* Logs the benchmark event with these strings (borrowed for the call).
 * Thread-safe. */
void bench_spdlog_log(bench_spdlog *l, const char *tool, const char *user);

/* Waits until the worker has taken every queued message. Thread-safe. */
void bench_spdlog_drain(bench_spdlog *l);

/* Writes everything queued, closes the file and frees l; returns the
 * messages the queue overwrote (0 in block mode). */
uint64_t bench_spdlog_close(bench_spdlog *l);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_BENCH_PEER_SPDLOG_H */
