// peer_spdlog_logger.cpp — the spdlog logger behind the spdlog peer of
// beacon-bench (peer_spdlog.h). The caller formats the message (fmt) into the
// log record and copies it into the thread pool's queue (a mutex and two
// condition variables around a circular buffer); the worker thread applies
// the pattern, which adds the event name and the timestamp taken on the
// caller (system_clock), and writes the line through the file sink.
#include "peer_spdlog.h"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

struct bench_spdlog {
    std::shared_ptr<spdlog::details::thread_pool> pool;
    std::shared_ptr<spdlog::async_logger> logger;
};

extern "C" bench_spdlog *bench_spdlog_open(const char *path) {
    try {
        auto l = std::make_unique<bench_spdlog>();
        l->pool = std::make_shared<spdlog::details::thread_pool>(8192, 1);
        auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, true);
        l->logger = std::make_shared<spdlog::async_logger>("beacon-bench", sink, l->pool,
                                                           spdlog::async_overflow_policy::block);
        // %E%F: seconds since the epoch and the 9-digit nanoseconds = ns.
        l->logger->set_pattern("{\"event\":\"tool.called\",\"time_ns\":%E%F,%v}");
        return l.release();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "beacon-bench: spdlog: %s\n", e.what());
        return nullptr;
    }
}

extern "C" void bench_spdlog_log(bench_spdlog *l, const char *tool, const char *user) {
    l->logger->info("\"tool\":\"{}\",\"user\":\"{}\",\"bytes\":{},\"elapsed\":{},\"cached\":{},"
                    "\"outcome\":\"{}\"",
                    tool, user, 1048576, 12.75, true, "ok");
}

extern "C" void bench_spdlog_drain(bench_spdlog *l) {
    while (l->pool->queue_size() > 0) std::this_thread::sleep_for(std::chrono::microseconds(50));
}

extern "C" uint64_t bench_spdlog_close(bench_spdlog *l) {
    uint64_t overrun = l->pool->overrun_counter();
    // The logger's last reference goes first; the pool's destructor then
    // writes what is queued and joins the worker; the sink closes the file.
    l->logger->flush();
    l->logger.reset();
    l->pool.reset();
    delete l;
    return overrun;
}
