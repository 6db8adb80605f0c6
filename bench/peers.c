/* peers.c — runs the peers of beacon-bench (peers.h) through the burst
 * harness and checks that each one's output holds what it was given.
 */
#include "peers.h"

#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const bench_peer *const peers[] = {
#ifdef BENCH_HAVE_LTTNG
    &bench_peer_lttng,
#endif
#ifdef BENCH_HAVE_BARECTF
    &bench_peer_barectf,
#endif
#ifdef BENCH_HAVE_SPDLOG
    &bench_peer_spdlog,
#endif
    NULL};

int bench_peers_built(void) {
    return (int)(sizeof peers / sizeof peers[0]) - 1;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw) {
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

int bench_rmtree(const char *path) {
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

int bench_ctf_count(const char *dir, uint64_t *events) {
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "babeltrace2 '%s' -c sink.utils.counter 2>&1", dir);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char line[512], all[4096] = "";
    int found = 0;
    /* The counter prints a block of "<count> <message type> messages" lines
     * every 10,000 messages and at the end; the last "<count> Event
     * messages" is the number of events. */
    while (fgets(line, sizeof line, p)) {
        unsigned long long n;
        char what[64], more[16], rest[8];
        if (strlen(all) + strlen(line) < sizeof all) strcat(all, line);
        if (sscanf(line, "%llu %63s %15s %7s", &n, what, more, rest) == 3 &&
            strcmp(what, "Event") == 0 && strcmp(more, "messages") == 0) {
            *events = n;
            found = 1;
        }
    }
    int rc = pclose(p);
    if (rc != 0 || !found) {
        fprintf(stderr, "beacon-bench: babeltrace2 could not read %s:\n%s", dir, all);
        return -1;
    }
    return 0;
}

static int run_peer(const bench_peer *p, bench_report *rep) {
    size_t samples = bench_samples_from_env();
    for (unsigned threads = 1; threads <= 2; threads++) {
        void *ctxs[2] = {NULL, NULL};
        if (p->open(threads, ctxs) != 0) return -1;
        bench_stats st;
        if (bench_burst_latency(p->call, p->settle, ctxs, threads, samples, &st) != 0) return -1;
        bench_row *row = bench_report_add(rep, p->row, &st);
        if (!row) return -1;
        enum { ALLOC_CALLS = 1000 };
        bench_count_allocs(p->call, ctxs[0], ALLOC_CALLS, row);
        uint64_t given = st.calls + ALLOC_CALLS, counted = 0, lost = 0;
        if (p->close(threads, ctxs, given, &counted, &lost) != 0) return -1;
        row->delivery_checked = 1;
        row->expected = given;
        row->counted = counted;
        row->lost = lost;
        if (counted + lost != row->expected || counted > row->expected) {
            fprintf(stderr,
                    "beacon-bench: %s, %u thread%s: %" PRIu64 " events given, %" PRIu64
                    " in its output, %" PRIu64 " reported lost\n",
                    p->row, threads, threads > 1 ? "s" : "", row->expected, counted, lost);
            return -1;
        }
    }
    return 0;
}

int bench_peers_run(bench_report *rep) {
    int measured = 0;
    for (size_t i = 0; peers[i]; i++) {
        const bench_peer *p = peers[i];
        int rc = p->setup ? p->setup() : 0;
        if (rc == 0) rc = run_peer(p, rep);
        if (p->teardown) p->teardown(); /* also after a failed setup */
        if (rc != 0) return -1;
        measured++;
    }
    return measured;
}
