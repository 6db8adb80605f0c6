/* pipeline.h — the running runtime: sinks with their routes and counters,
 * the worker thread that drains every thread's ring, and the lifecycle and
 * accounting built on them (internal). worker/init.c collects options and calls
 * these; emit/ only touches the globals in core/state.h.
 */
#ifndef BEACON_SRC_PIPELINE_H
#define BEACON_SRC_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "beacon/beacon.h"
#include "privacy/pii_hash.h"
#include "sinks/sink.h"

/* One configured sink before it is opened. */
typedef struct beacon__sink_config {
    char *spec;                 /* owned */
    beacon__callback_target cb; /* callback sinks only */
} beacon__sink_config;

/* Everything beacon_init decided. */
typedef struct beacon__pipeline_config {
    beacon__sink_config *sinks; /* owned array of owned specs */
    size_t sink_count;
    size_t ring_bytes;
    size_t heap_budget; /* bytes events too large for their ring may hold */
    int block_ms;
    bool enabled; /* initial switch */
    bool killed;  /* BEACON_DISABLED=1 */
    char *service_name;
    char *service_version;
    beacon__hasher *hasher; /* owned holder; NULL: hash fields dropped */
    const char *hash_why;   /* static text: why there is no hasher (diagnostic) */
    char *resource_json;    /* owned `{...}` of resource attributes, or NULL */
    char *spool_dir;        /* owned default spool root of HTTP sinks, or NULL */
} beacon__pipeline_config;

/* Frees what a config owns (also after a failed start). */
void beacon__pipeline_config_free(beacon__pipeline_config *cfg);

/* Opens the sinks and starts the worker; takes everything cfg owns, also on
 * failure. The hasher also becomes the one beacon_gen_to_json uses until
 * shutdown. BEACON_ERR_ALREADY_INITIALIZED when running. */
beacon_status beacon__pipeline_start(beacon__pipeline_config *cfg);

/* beacon_flush / beacon_shutdown / beacon_stats / beacon_stats_json. */
beacon_status beacon__pipeline_flush(int timeout_ms);
beacon_status beacon__pipeline_shutdown(int timeout_ms);
/* At process exit (worker/exit.c): shuts the running pipeline down within
 * timeout_ms, as beacon_shutdown would, except that sinks which call user
 * code (callback sinks) are no longer called: their events count as
 * dropped_shutdown, since what the callbacks use may already be destroyed.
 * Does nothing when not running, on the worker thread (exit() from a sink),
 * or when another thread holds the lifecycle past the deadline. */
beacon_status beacon__pipeline_exit(int timeout_ms);
beacon_status beacon__pipeline_stats(beacon_counters *total, beacon_sink_stats *sinks, size_t cap,
                                     size_t *count);
beacon_status beacon__pipeline_stats_json(char *buf, size_t cap, size_t *needed);

/* Makes sure the process globals (ring registry, clock, fork hooks, the
 * worker's wake-up) are set up; idempotent, thread-safe. */
void beacon__globals_once(void);

/* Wake-ups the worker has been signalled since the process started (for
 * tests: whether an emit woke a sleeping worker). Thread-safe. */
uint64_t beacon__pipeline_wakes(void);

/* Run-time switch: recomputes the emit gate. */
void beacon__pipeline_set_enabled(bool on);
bool beacon__pipeline_is_enabled(void);

#endif /* BEACON_SRC_PIPELINE_H */
