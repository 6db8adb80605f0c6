/* stats.c — counters and their JSON (stats.h). */
#include "worker/stats.h"

#include "format/json.h"

uint64_t *beacon__stats_counter(beacon_counters *c, size_t i) {
    static const size_t offs[BEACON__COUNTERS] = {
        offsetof(beacon_counters, emitted),
        offsetof(beacon_counters, delivered),
        offsetof(beacon_counters, dropped_queue_full),
        offsetof(beacon_counters, dropped_sampled),
        offsetof(beacon_counters, dropped_filtered),
        offsetof(beacon_counters, dropped_invalid),
        offsetof(beacon_counters, dropped_shutdown),
        offsetof(beacon_counters, dropped_sink_error),
        offsetof(beacon_counters, dropped_reentrant),
        offsetof(beacon_counters, dropped_rejected),
        offsetof(beacon_counters, dropped_send_failed),
        offsetof(beacon_counters, dropped_too_large),
        offsetof(beacon_counters, dropped_buffer_full),
        offsetof(beacon_counters, retries),
        offsetof(beacon_counters, spooled),
        offsetof(beacon_counters, replayed),
        offsetof(beacon_counters, dropped_spool_evicted),
        offsetof(beacon_counters, spool_corrupt),
        offsetof(beacon_counters, spool_pending_bytes),
    };
    return (uint64_t *)((char *)c + offs[i]);
}

static const int k_caller_kinds[] = {0,
                                     BEACON__DROPPED_QUEUE_FULL,
                                     BEACON__DROPPED_SAMPLED,
                                     BEACON__DROPPED_FILTERED,
                                     BEACON__DROPPED_INVALID,
                                     BEACON__DROPPED_REENTRANT};

void beacon__stats_totals(const uint64_t c[BEACON__COUNTERS], const uint64_t w[BEACON__COUNTERS],
                          bool running, uint64_t t[BEACON__COUNTERS]) {
    t[0] = c[0] + c[2] + c[3] + c[4] + c[5] + c[6] + c[8];
    t[BEACON__DELIVERED] = w[BEACON__DELIVERED];
    t[BEACON__DROPPED_QUEUE_FULL] = c[2];
    t[BEACON__DROPPED_SAMPLED] = c[3] + w[BEACON__DROPPED_SAMPLED];
    t[BEACON__DROPPED_FILTERED] = c[4] + w[BEACON__DROPPED_FILTERED];
    t[BEACON__DROPPED_INVALID] = c[5];
    t[BEACON__DROPPED_SHUTDOWN] = c[6] + w[BEACON__DROPPED_SHUTDOWN];
    t[BEACON__DROPPED_SINK_ERROR] = w[BEACON__DROPPED_SINK_ERROR];
    for (int i = BEACON__DROPPED_REJECTED; i < BEACON__COUNTERS; i++) t[i] = w[i];
    t[BEACON__SPOOL_PENDING_BYTES] = 0; /* a gauge: the pipeline sums its sinks' */
    t[BEACON__DROPPED_REENTRANT] = c[BEACON__DROPPED_REENTRANT];
    /* With no worker, nothing in flight will be delivered by this run. */
    if (!running && c[0] > w[0]) t[BEACON__DROPPED_SHUTDOWN] += c[0] - w[0];
}

void beacon__stats_sink(const uint64_t base[BEACON__COUNTERS], const uint64_t out[BEACON__COUNTERS],
                        const uint64_t c[BEACON__COUNTERS], beacon_counters *res) {
    uint64_t v[BEACON__COUNTERS] = {0};
    for (size_t k = 0; k < sizeof k_caller_kinds / sizeof k_caller_kinds[0]; k++) {
        int i = k_caller_kinds[k];
        uint64_t d = c[i] - base[i];
        v[0] += d;
        if (i) v[i] += d;
    }
    for (int o = 1; o < BEACON__COUNTERS; o++) v[o] += out[o];
    for (int i = 0; i < BEACON__COUNTERS; i++) *beacon__stats_counter(res, (size_t)i) = v[i];
}

static const char *const k_counter_names[BEACON__COUNTERS] = {
    "emitted",
    "delivered",
    "dropped_queue_full",
    "dropped_sampled",
    "dropped_filtered",
    "dropped_invalid",
    "dropped_shutdown",
    "dropped_sink_error",
    "dropped_reentrant",
    "dropped_rejected",
    "dropped_send_failed",
    "dropped_too_large",
    "dropped_buffer_full",
    "retries",
    "spooled",
    "replayed",
    "dropped_spool_evicted",
    "spool_corrupt",
    "spool_pending_bytes",
};

static void write_counters(beacon__jw *w, const beacon_counters *c) {
    for (size_t i = 0; i < BEACON__COUNTERS; i++) {
        if (i) beacon__jw_char(w, ',');
        beacon__jw_char(w, '"');
        beacon__jw_lit(w, k_counter_names[i]);
        beacon__jw_lit(w, "\":");
        beacon__jw_uint(w, *beacon__stats_counter((beacon_counters *)c, i));
    }
}

size_t beacon__stats_json(char *buf, size_t cap, const beacon_counters *total,
                          const beacon_sink_stats *sinks, size_t n) {
    beacon__jw w;
    beacon__jw_init(&w, buf, cap);
    beacon__jw_lit(&w, "{\"total\":{");
    write_counters(&w, total);
    beacon__jw_lit(&w, "},\"sinks\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) beacon__jw_char(&w, ',');
        beacon__jw_lit(&w, "{\"spec\":");
        beacon__jw_cstr(&w, sinks[i].spec);
        beacon__jw_char(&w, ',');
        write_counters(&w, &sinks[i].counters);
        beacon__jw_char(&w, '}');
    }
    beacon__jw_lit(&w, "]}");
    return beacon__jw_finish(&w);
}
