/* beacon.h — the public API of the beacon runtime: configure, start, stop,
 * switch on/off and read counters. Events themselves are emitted through the
 * generated `<prefix>_events.h` API, which builds on <beacon/beacon_gen.h>.
 *
 * Thread safety: every function here may be called from any thread, except
 * that beacon_init() and beacon_shutdown() must not run concurrently with each
 * other. Emitting concurrently with beacon_shutdown() is safe: such events are
 * either delivered or counted as dropped_shutdown.
 */
#ifndef BEACON_BEACON_H
#define BEACON_BEACON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon_gen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* =========================================================================
 * Options
 * ========================================================================= */

/* Settings collected before beacon_init(). Opaque. */
typedef struct beacon_options beacon_options;

/* Receives runtime diagnostics. `message` is borrowed for the call only and
 * never contains values of PII fields. Called from whichever thread hit the
 * problem, possibly while runtime locks are held: it must not call beacon
 * functions other than beacon_status_str(). */
typedef void (*beacon_diag_fn)(beacon_status code, const char *message, void *user);

/* Creates an options object with defaults (no sinks configured, debug off,
 * enabled). Returns NULL when out of memory. The result must be freed with
 * beacon_options_free() unless it is passed to beacon_init(), which takes
 * ownership. Thread-safe.
 *
 * @code
 * beacon_options *opts = beacon_options_new();
 * beacon_options_add_sink(opts, "file:/var/log/app/events.ndjson");
 * beacon_options_set_service(opts, "uploader", "1.4.2");
 * if (beacon_init(opts) != BEACON_OK) {
 *     // telemetry is off; the program carries on
 * }
 * @endcode
 */
BEACON_API beacon_options *beacon_options_new(void);

/* Frees an options object that was not passed to beacon_init(). NULL is a
 * no-op. Not safe concurrently with other use of the same object. */
BEACON_API void beacon_options_free(beacon_options *opts);

/* Appends one sink spec, e.g. "stderr", "stdout?prefix=TELEMETRY:",
 * "file:/path/events.ndjson" or "file:relative/events.ndjson". The spec is
 * copied and validated now: an unknown scheme or option returns
 * BEACON_ERR_SINK_SPEC (with a diagnostic naming it) and leaves opts
 * unchanged. NULL opts or spec → BEACON_ERR_INVALID_ARGUMENT. Not safe
 * concurrently with other use of the same object.
 *
 * @code
 * beacon_options_add_sink(opts, "stderr?prefix=TELEMETRY%3A%20");
 * @endcode
 */
BEACON_API beacon_status beacon_options_add_sink(beacon_options *opts, const char *spec);

/* Replaces the sink list with a ';'-separated list of specs (the
 * BEACON_SINKS syntax; empty entries and surrounding blanks are ignored).
 * Copied. All specs are validated first; on error the list is unchanged.
 * An empty string configures no sinks explicitly, which still means the
 * default (stderr) at init. NULL opts or specs → BEACON_ERR_INVALID_ARGUMENT.
 *
 * @code
 * beacon_options_set_sinks(opts, "stderr;file:/tmp/events.ndjson");
 * @endcode
 */
BEACON_API beacon_status beacon_options_set_sinks(beacon_options *opts, const char *specs);

/* Debug mode: diagnostics also go to stderr (prefixed "beacon: ") when no
 * callback is set. Overrides BEACON_DEBUG. NULL opts is a no-op. */
BEACON_API void beacon_options_set_debug(beacon_options *opts, bool on);

/* Sends diagnostics to fn (NULL: back to stderr-when-debug). `user` is
 * borrowed and must outlive the runtime (until beacon_shutdown() returns).
 * Diagnostics are rate-limited to 10 per second per status code, with a
 * "N messages suppressed" summary afterwards. NULL opts is a no-op. */
BEACON_API void beacon_options_set_diagnostic_callback(beacon_options *opts, beacon_diag_fn fn,
                                                       void *user);

/* Service name and version describing this process to collectors. Both are
 * copied; either may be NULL (unset). NULL opts is a no-op. */
BEACON_API void beacon_options_set_service(beacon_options *opts, const char *name,
                                           const char *version);

/* Initial on/off state (default on). BEACON_DISABLED=1 in the environment
 * disables telemetry whatever this says. NULL opts is a no-op. */
BEACON_API void beacon_options_set_enabled(beacon_options *opts, bool on);

/* =========================================================================
 * Lifecycle
 * ========================================================================= */

/* Starts the runtime. Takes ownership of opts, also on failure; NULL means
 * defaults. The environment is read now; settings made in code win, except
 * BEACON_DISABLED=1, which always disables:
 *   BEACON_SINKS     ';'-separated sink specs (used when code set none)
 *   BEACON_DEBUG=1   diagnostics to stderr (unless set in code)
 *   BEACON_DISABLED=1 kill switch
 * With no sinks configured anywhere, events go to stderr.
 *
 * Returns BEACON_ERR_ALREADY_INITIALIZED when already running,
 * BEACON_ERR_SINK_SPEC when BEACON_SINKS is malformed, BEACON_ERR_NO_MEMORY.
 * A file sink that cannot be opened does not fail init: it is reported,
 * retried on each write and its events counted as dropped_sink_error.
 * Must not run concurrently with beacon_shutdown().
 *
 * @code
 * beacon_init(NULL);                      // stderr, or whatever BEACON_SINKS says
 * obs_upload_received ev = obs_upload_received_make(true, OBS_RECORD_TYPE_AUDIO);
 * obs_upload_received_emit(&ev, NULL);
 * beacon_shutdown(2000);
 * @endcode
 */
BEACON_API beacon_status beacon_init(beacon_options *opts);

/* Waits until every event emitted before the call has been handed to its
 * sinks and the sinks have flushed, or timeout_ms passed (< 0: no limit).
 * Returns BEACON_ERR_TIMEOUT on deadline, BEACON_ERR_NOT_INITIALIZED /
 * BEACON_ERR_SHUT_DOWN when not running. Thread-safe.
 *
 * @code
 * beacon_flush(500);   // before handing a file to another process
 * @endcode
 */
BEACON_API beacon_status beacon_flush(int timeout_ms);

/* Flushes, closes every sink and frees the runtime, returning by timeout_ms
 * (< 0: no limit). Events emitted afterwards are counted no-ops
 * (BEACON_ERR_SHUT_DOWN). beacon_init() may be called again afterwards.
 * Returns BEACON_ERR_NOT_INITIALIZED when never started, BEACON_ERR_SHUT_DOWN
 * when already shut down. Must not run concurrently with beacon_init().
 *
 * @code
 * if (beacon_shutdown(2000) == BEACON_ERR_TIMEOUT) {
 *     // some events could not be delivered in time; they are counted
 * }
 * @endcode
 */
BEACON_API beacon_status beacon_shutdown(int timeout_ms);

/* Switches telemetry on or off at run time; off makes emits return
 * BEACON_ERR_DISABLED (counted as dropped_filtered). Turning it on has no
 * effect while BEACON_DISABLED=1 was in force at init. The setting survives
 * until the next beacon_init(), which applies its options. Thread-safe. */
BEACON_API void beacon_set_enabled(bool on);

/* Whether emits are currently accepted (running and enabled). Thread-safe. */
BEACON_API bool beacon_is_enabled(void);

/* =========================================================================
 * Statistics
 * ========================================================================= */

/* Event counters. Every emitted event ends in exactly one other counter, so
 * emitted == delivered + the sum of the dropped_* counters (once a flush has
 * completed; in-flight events are not yet in an outcome). */
typedef struct beacon_counters {
    uint64_t emitted;            /* emit calls with a valid event descriptor */
    uint64_t delivered;          /* written by the sink (all sinks, in total) */
    uint64_t dropped_queue_full; /* no room in the queue */
    uint64_t dropped_sampled;    /* sampled out */
    uint64_t dropped_filtered;   /* disabled at run time or by a filter */
    uint64_t dropped_invalid;    /* failed catalog constraints */
    uint64_t dropped_shutdown;   /* emitted before init / after shutdown */
    uint64_t dropped_sink_error; /* the sink failed (in total: any sink) */
} beacon_counters;

/* Counters of one configured sink since beacon_init(). */
typedef struct beacon_sink_stats {
    const char *spec; /* the spec as configured; borrowed, valid until beacon_shutdown() */
    beacon_counters counters;
} beacon_sink_stats;

/* Reads the counters. `total` (may be NULL) counts events for the whole
 * process lifetime, across init/shutdown cycles, each event once whatever the
 * number of sinks: delivered when every sink took it, dropped_sink_error when
 * any failed; emits before init or after shutdown are counted there as
 * emitted + dropped_shutdown. `sinks` (may be NULL when cap is 0) receives
 * up to cap per-sink entries, reset at each init; `count` (may be NULL)
 * receives the number of sinks configured (0 when not running). Thread-safe.
 *
 * @code
 * beacon_counters total;
 * beacon_sink_stats sinks[4];
 * size_t n;
 * beacon_stats(&total, sinks, 4, &n);
 * @endcode
 */
BEACON_API beacon_status beacon_stats(beacon_counters *total, beacon_sink_stats *sinks, size_t cap,
                                      size_t *count);

/* The same numbers as one JSON object:
 *   {"total":{"emitted":N,...every counter...},"sinks":[{"spec":"...","emitted":N,...}]}
 * written into buf[0..cap) with snprintf semantics (NUL-terminated when
 * cap > 0). `needed` (may be NULL) receives the length without the NUL.
 * Returns BEACON_OK when it fit, BEACON_ERR_INVALID_ARGUMENT when cap was too
 * small (call with NULL, 0 to size the buffer). Thread-safe.
 *
 * @code
 * char buf[1024];
 * size_t need;
 * if (beacon_stats_json(buf, sizeof buf, &need) == BEACON_OK) puts(buf);
 * @endcode
 */
BEACON_API beacon_status beacon_stats_json(char *buf, size_t cap, size_t *needed);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_BEACON_H */
