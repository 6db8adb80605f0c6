/* peer_spdlog.c — the spdlog peer of beacon-bench: the benchmark event as
 * one JSON line through spdlog's asynchronous logger (peer_spdlog.h) into a
 * file in a temporary directory, one logger shared by all threads as one
 * log file would be. Between bursts the bench waits until the worker has
 * taken every queued message. The file's lines are counted and checked to
 * be the event, then the file is removed.
 */
#include "peers.h"

#include "peer_spdlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bench_spdlog *logger;
static char dir[64];
static char path[128];

static int spdlog_open(unsigned threads, void **ctxs) {
    snprintf(dir, sizeof dir, "/tmp/beacon-bench-spdlog-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/events.ndjson", dir);
    logger = bench_spdlog_open(path);
    if (!logger) return -1;
    for (unsigned i = 0; i < threads; i++) ctxs[i] = logger;
    return 0;
}

static void spdlog_call(void *p) {
    bench_spdlog_log(p, BENCH_EVENT_TOOL, BENCH_EVENT_USER);
}

static void spdlog_settle(void *p) {
    bench_spdlog_drain(p);
}

/* Counts the lines of the file that are the benchmark event's JSON line. */
static int count_lines(const char *file, uint64_t *lines) {
    static const char head[] = "{\"event\":\"tool.called\",\"time_ns\":";
    static const char tail[] = "\"tool\":\"" BENCH_EVENT_TOOL "\",\"user\":\"" BENCH_EVENT_USER
                               "\",\"bytes\":1048576,\"elapsed\":12.75,\"cached\":true,"
                               "\"outcome\":\"ok\"}\n";
    FILE *f = fopen(file, "r");
    if (!f) return -1;
    char line[512];
    uint64_t n = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line), tl = sizeof tail - 1;
        if (strncmp(line, head, sizeof head - 1) == 0 && len > tl &&
            strcmp(line + len - tl, tail) == 0)
            n++;
        else
            bad++;
    }
    fclose(f);
    *lines = n;
    if (bad)
        fprintf(stderr, "beacon-bench: spdlog: %llu unexpected lines\n", (unsigned long long)bad);
    return bad ? -1 : 0;
}

static int spdlog_close(unsigned threads, void **ctxs, uint64_t given, uint64_t *counted,
                        uint64_t *lost) {
    (void)given;
    (void)threads;
    (void)ctxs;
    *lost = bench_spdlog_close(logger);
    logger = NULL;
    int rc = count_lines(path, counted);
    bench_rmtree(dir);
    return rc;
}

const bench_peer bench_peer_spdlog = {"peer: spdlog async (JSON line)",
                                      NULL,
                                      spdlog_open,
                                      spdlog_call,
                                      spdlog_settle,
                                      spdlog_close,
                                      NULL};
