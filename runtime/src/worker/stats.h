/* stats.h — the accounting arithmetic behind beacon_stats and
 * beacon_stats_json (internal): raw counts in, public counters and their
 * JSON out. The pipeline takes the snapshot under its locks; nothing here
 * locks or keeps state.
 */
#ifndef BEACON_SRC_WORKER_STATS_H
#define BEACON_SRC_WORKER_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon.h"
#include "core/state.h"

/* Counter i of c in beacon__outcome order (0: emitted). */
uint64_t *beacon__stats_counter(beacon_counters *c, size_t i);

/* Raw process totals t from the caller-side sums c and the worker-booked
 * outcomes w; running: a worker will still deliver what is in flight. */
void beacon__stats_totals(const uint64_t c[BEACON__COUNTERS], const uint64_t w[BEACON__COUNTERS],
                          bool running, uint64_t t[BEACON__COUNTERS]);

/* One sink's counters: the caller-side outcomes since the run started
 * (c - base) plus what the worker booked for the sink (out). */
void beacon__stats_sink(const uint64_t base[BEACON__COUNTERS], const uint64_t out[BEACON__COUNTERS],
                        const uint64_t c[BEACON__COUNTERS], beacon_counters *res);

/* Writes {"total":{...},"sinks":[{"spec":...,...}]} into buf[0..cap) with
 * snprintf semantics; returns the full length. */
size_t beacon__stats_json(char *buf, size_t cap, const beacon_counters *total,
                          const beacon_sink_stats *sinks, size_t n);

#endif /* BEACON_SRC_WORKER_STATS_H */
