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
#include "beacon/beacon_trace.h"
#include "beacon/beacon_version.h"

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
 * Not safe concurrently with other use of the same object.
 *
 * @code
 * beacon_options_set_sinks(opts, "stderr;file:/tmp/events.ndjson");
 * @endcode
 */
BEACON_API beacon_status beacon_options_set_sinks(beacon_options *opts, const char *specs);

/* One serialized event handed to a callback sink: canonical JSON, json[0..len),
 * not NUL-terminated. Borrowed for the duration of the callback. */
typedef struct beacon_event_json {
    const char *json;
    size_t len;
} beacon_event_json;

/* Receives a batch of `count` events (one event per call with per_event=1).
 * Called on the runtime's worker thread, never concurrently for one sink.
 * Returns true when the events were taken; false counts them all as
 * dropped_sink_error. It must not call beacon_flush() or beacon_shutdown()
 * (those wait for the worker that is running the callback); emitting from it
 * is allowed but such events are only delivered on a later pass, and they
 * never wait for room (a full queue drops them even with block_ms set). */
typedef bool (*beacon_callback_fn)(const beacon_event_json *events, size_t count, void *user);

/* Appends a sink that hands events to fn. `query_options` (may be NULL or "")
 * are the sink options without the '?', e.g. "filter=upload.*&level=warn",
 * "per_event=1"; they are copied and validated now (BEACON_ERR_SINK_SPEC on
 * an unknown or malformed option, opts unchanged). The sink appears in
 * beacon_stats() as "callback" or "callback?<query_options>". `user` is
 * borrowed and must outlive the runtime (until beacon_shutdown() returns).
 * NULL opts or fn → BEACON_ERR_INVALID_ARGUMENT. Not safe concurrently with
 * other use of the same object.
 *
 * @code
 * static bool forward(const beacon_event_json *ev, size_t n, void *user) {
 *     for (size_t i = 0; i < n; i++) fwrite(ev[i].json, 1, ev[i].len, user);
 *     return true;
 * }
 * beacon_options_add_callback_sink(opts, forward, stdout, "level=warn");
 * @endcode
 */
BEACON_API beacon_status beacon_options_add_callback_sink(beacon_options *opts,
                                                          beacon_callback_fn fn, void *user,
                                                          const char *query_options);

/* Size of each emitting thread's queue, in KiB (rounded up to a power of two,
 * at least 4, at most 1048576 = 1 GiB; larger values are clamped). 0 means the
 * default: BEACON_RING_KB from the environment, else 256. Memory for queues is at most this times
 * the number of threads that emitted. A thread's queue gets the new size at its next emit after a
 * beacon_init() that changed it. NULL opts is a no-op. Not safe concurrently
 * with other use of the same object. */
BEACON_API void beacon_options_set_ring_kb(beacon_options *opts, size_t kb);

/* When a thread's queue is full, wait up to `ms` milliseconds for room
 * (spinning briefly, then sleeping in short steps until a quarter of the
 * queue, or room for the event, is free) before dropping the event as
 * dropped_queue_full. Default 0: drop at once, emit never waits. NULL opts or
 * a negative value is a no-op. Not safe concurrently with other use of the
 * same object. */
BEACON_API void beacon_options_set_block_ms(beacon_options *opts, int ms);

/* Bound, in MiB, on the memory held by events too large for their thread's
 * queue, which wait on the heap: beyond it such events are dropped as
 * dropped_queue_full. 0 means the default: BEACON_MAX_QUEUE_MB from the
 * environment, else 64. At most 1048576 (larger values are clamped). NULL
 * opts is a no-op. Not safe concurrently with other use of the same object. */
BEACON_API void beacon_options_set_max_queue_mb(beacon_options *opts, size_t mb);

/* Debug mode: every diagnostic goes to stderr (prefixed "beacon: ") when no
 * callback is set; off, only warnings (what leaves telemetry off or
 * degraded) do, or less when BEACON_LOG_LEVEL says so. Overrides BEACON_DEBUG
 * and a BEACON_LOG_LEVEL of debug. NULL opts is a no-op. Not safe
 * concurrently with other use of the same object. */
BEACON_API void beacon_options_set_debug(beacon_options *opts, bool on);

/* Sends every diagnostic to fn, whatever the log level (NULL: back to
 * stderr, filtered by the log level). `user` is
 * borrowed and must outlive the runtime (until beacon_shutdown() returns).
 * Diagnostics are rate-limited to 10 per second per status code, with a
 * "N messages suppressed" summary afterwards. NULL opts is a no-op; NULL fn
 * is allowed. Not safe concurrently with other use of the same object. */
BEACON_API void beacon_options_set_diagnostic_callback(beacon_options *opts, beacon_diag_fn fn,
                                                       void *user);

/* Service name and version describing this process to collectors. Both are
 * copied; either may be NULL (unset). NULL opts is a no-op. Not safe
 * concurrently with other use of the same object. */
BEACON_API void beacon_options_set_service(beacon_options *opts, const char *name,
                                           const char *version);

/* Resource attribute `key` = `value` describing this process to collectors
 * (OpenTelemetry semantic conventions, e.g. "deployment.environment"). Both
 * copied; setting a key again replaces its value, NULL value removes it.
 * Attributes set here win over OTEL_RESOURCE_ATTRIBUTES; service.name and
 * service.version given to beacon_options_set_service() win over both.
 * Events carry them only on sinks with the option resource=1 (see
 * docs/runtime.md). NULL opts, NULL or empty key → BEACON_ERR_INVALID_ARGUMENT;
 * BEACON_ERR_NO_MEMORY. Not safe concurrently with other use of the same object.
 *
 * @code
 * beacon_options_set_resource_attr(opts, "deployment.environment", "staging");
 * @endcode
 */
BEACON_API beacon_status beacon_options_set_resource_attr(beacon_options *opts, const char *key,
                                                          const char *value);

/* The key `pii: hash` fields are hashed with: HMAC-SHA256 over key[0..len)
 * (at least 16 bytes; copied into derived state, so the caller may wipe its
 * copy at once), written as the first 128 bits in lowercase hex. key_id
 * (copied; 1..64 characters of [A-Za-z0-9._:-]) is reported in each event
 * that carries a hashed value as "hash_key"; NULL or "" derives a stable id
 * from the key that reveals nothing of it. Wins over BEACON_HASH_KEY. With no
 * key anywhere, hash fields are written as "[REDACTED]" (fail closed, presence
 * kept). NULL key removes a key
 * set earlier. Returns BEACON_ERR_INVALID_ARGUMENT (NULL opts, key shorter
 * than 16 bytes, malformed key_id; opts unchanged) or BEACON_ERR_NO_MEMORY.
 * Not safe concurrently with other use of the same object.
 *
 * @code
 * beacon_options_set_hash_key(opts, key_bytes, 32, "2026-q4");
 * @endcode
 */
BEACON_API beacon_status beacon_options_set_hash_key(beacon_options *opts, const void *key,
                                                     size_t len, const char *key_id);

/* The directory under which HTTP sinks keep the events they cannot deliver
 * (the endpoint down after the retries, the shutdown or exit deadline
 * reached, the sink's max_buffer_bytes full), to replay them later from
 * this or another process; each sink uses a subdirectory of its own. An
 * absolute path, copied; created 0700 when first needed. Wins over
 * BEACON_SPOOL_DIR; a sink's own spool= option wins over both. NULL goes
 * back to BEACON_SPOOL_DIR; "" turns the spool off for sinks without
 * spool=. Returns BEACON_ERR_INVALID_ARGUMENT (NULL opts, a relative path;
 * opts unchanged) or BEACON_ERR_NO_MEMORY. Not safe concurrently with
 * other use of the same object.
 *
 * @code
 * beacon_options_set_spool_dir(opts, "/var/spool/myapp/beacon");
 * @endcode
 */
BEACON_API beacon_status beacon_options_set_spool_dir(beacon_options *opts, const char *dir);

/* Initial on/off state (default on). BEACON_DISABLED=1 in the environment
 * disables telemetry whatever this says. NULL opts is a no-op. Not safe
 * concurrently with other use of the same object. */
BEACON_API void beacon_options_set_enabled(beacon_options *opts, bool on);

/* =========================================================================
 * Lifecycle
 * ========================================================================= */

/* Starts the runtime and its worker thread. Takes ownership of opts, also on
 * failure; NULL means defaults. The environment is read now; settings made
 * in code win, except BEACON_DISABLED=1, which always disables:
 *   BEACON_SINKS       ';'-separated sink specs (used when code set none)
 *   BEACON_LOG_LEVEL   off, error, warn (default), info or debug: what
 *                      reaches stderr (OTEL_LOG_LEVEL when unset)
 *   BEACON_DEBUG=1     same as BEACON_LOG_LEVEL=debug (unless set in code)
 *   BEACON_DISABLED=1  kill switch
 *   BEACON_RING_KB     per-thread queue size (unless set in code; default 256)
 *   BEACON_MAX_QUEUE_MB heap held by events too large for their queue
 *                      (unless set in code; default 64)
 *   BEACON_SAMPLE_RATE default sampling rate for every event (0..1), over the
 *                      catalog's; beacon_set_sample_rate() patterns win
 *   BEACON_HASH_KEY    key for pii: hash fields (hex:, base64:, raw: or text;
 *                      unless set in code), BEACON_HASH_KEY_ID its id
 *   OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, BEACON_ENVIRONMENT
 *                      resource attributes (code wins)
 *   BEACON_CLOCK=clock_gettime  stamp events with CLOCK_MONOTONIC instead of
 *                      the CPU counter (read once, when the runtime is first used)
 *   BEACON_EXIT_TIMEOUT_MS  bound on delivery at exit (see beacon_shutdown; default 2000, 0 off)
 * With no sinks configured anywhere, events go to stderr. Safe across
 * fork(): a child gets a fresh worker, counters from zero and reopened sinks;
 * events queued but not yet delivered at the fork stay the parent's.
 *
 * Returns BEACON_ERR_ALREADY_INITIALIZED when already running (or while a
 * beacon_shutdown() in another thread is still waiting), BEACON_ERR_SINK_SPEC when BEACON_SINKS has
 * no valid sink (an invalid one among valid ones is skipped with a warning), BEACON_ERR_NO_MEMORY.
 * A file sink that cannot be opened does not fail init: it is reported, retried on each write and
 * its events counted as dropped_sink_error. Must not run concurrently with beacon_shutdown().
 *
 * @code
 * beacon_init(NULL);                      // stderr, or whatever BEACON_SINKS says
 * obs_upload_received ev = obs_upload_received_make(true, OBS_RECORD_TYPE_AUDIO);
 * obs_upload_received_emit(&ev, NULL);
 * beacon_shutdown(2000);
 * @endcode
 */
BEACON_API beacon_status beacon_init(beacon_options *opts);

/* Waits until every event emitted before the call (by any thread, as far as
 * the caller can tell) has been written by its sinks and the sinks have
 * flushed, or timeout_ms passed (< 0: no limit); returns by the deadline even
 * when a sink blocks. Returns BEACON_ERR_TIMEOUT on deadline,
 * BEACON_ERR_NOT_INITIALIZED / BEACON_ERR_SHUT_DOWN when not running.
 * Thread-safe; must not be called from a callback sink.
 *
 * @code
 * beacon_flush(500);   // before handing a file to another process
 * @endcode
 */
BEACON_API beacon_status beacon_flush(int timeout_ms);

/* Flushes, closes every sink, stops the worker and frees the runtime,
 * returning by timeout_ms (< 0: no limit). When a sink is still busy at the
 * deadline, the worker is abandoned (its memory is left to it) and
 * BEACON_ERR_TIMEOUT is returned; events not delivered by then count as
 * dropped_shutdown. Once it returned, counters stay still and an abandoned
 * worker starts no further call into a sink or callback. While it waits it
 * holds no lock: a callback sink may call beacon_stats(), beacon_stats_json()
 * or beacon_set_enabled(). Events emitted afterwards are counted no-ops
 * (BEACON_ERR_SHUT_DOWN). beacon_init() may be called again afterwards.
 * Returns BEACON_ERR_NOT_INITIALIZED when never started, BEACON_ERR_SHUT_DOWN
 * when already shut down. Must not run concurrently with beacon_init().
 * A process that returns from main or calls exit() while running gets the
 * same shutdown from an atexit handler, bounded by BEACON_EXIT_TIMEOUT_MS,
 * with callback sinks no longer called; _exit() and crashes lose what is
 * still queued.
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

/* Sets the sampling rate (0..1, kept fraction) of every event whose name
 * matches `pattern` ('*' any run, '?' one character; "category:<glob>"
 * matches the event's category instead). Takes effect for the next emit of
 * each event, without restart. The last pattern set that matches wins over
 * BEACON_SAMPLE_RATE, which wins over the catalog's sample_rate. Setting a
 * pattern again replaces its rate; a negative rate removes it; NULL pattern
 * removes every pattern (the rate is then ignored). Patterns are copied and
 * persist across beacon_init()/beacon_shutdown(). Returns
 * BEACON_ERR_INVALID_ARGUMENT for a pattern with a rate above 1 or NaN,
 * BEACON_ERR_NO_MEMORY. Thread-safe.
 *
 * @code
 * beacon_set_sample_rate("upload.*", 0.1);
 * beacon_set_sample_rate("category:debug", 0);
 * beacon_set_sample_rate(NULL, 0);   // back to catalog / environment rates
 * @endcode
 */
BEACON_API beacon_status beacon_set_sample_rate(const char *pattern, double rate);

/* =========================================================================
 * Capture sink (in-memory, for tests)
 *
 * The sink spec "capture" (or "capture:NAME") keeps each delivered event's
 * JSON in memory under that name ("" for plain "capture"), at most `max`
 * events (option max=N, default 65536; beyond it events count as
 * dropped_sink_error). Captured events survive beacon_shutdown() until
 * cleared. NULL name means "". All three functions are thread-safe.
 * ========================================================================= */

/* Number of events captured under name (borrowed for the call; NULL means
 * ""); 0 for an unknown name. Thread-safe. */
BEACON_API size_t beacon_capture_count(const char *name);

/* Copies event `index` (0 = oldest) captured under name into buf[0..cap)
 * with snprintf semantics (NUL-terminated when cap > 0) and returns its full
 * length; 0 when there is no such event. buf may be NULL when cap is 0.
 * name is borrowed for the call (NULL means ""). Thread-safe.
 *
 * @code
 * char buf[4096];
 * beacon_flush(1000);
 * for (size_t i = 0; i < beacon_capture_count(NULL); i++) {
 *     if (beacon_capture_get(NULL, i, buf, sizeof buf) < sizeof buf) puts(buf);
 * }
 * @endcode
 */
BEACON_API size_t beacon_capture_get(const char *name, size_t index, char *buf, size_t cap);

/* Forgets (frees) every event captured under name (borrowed for the call;
 * NULL means ""). An unknown name is a no-op. Thread-safe. */
BEACON_API void beacon_capture_clear(const char *name);

/* =========================================================================
 * Statistics
 * ========================================================================= */

/* Event counters. Every emitted event ends in exactly one outcome:
 * delivered, one dropped_* reason other than dropped_spool_evicted, or
 * spooled. Events a spool replay settles come from the spool, not from
 * this run's emits: they count in `replayed` and in their outcome
 * (delivered, dropped_rejected or dropped_too_large). So, once a flush has
 * completed (events still queued are counted as emitted but are in no
 * outcome yet):
 *   emitted + replayed == delivered + spooled
 *                         + the dropped_* counters but dropped_spool_evicted
 * and, per sink over the runs sharing a spool directory, spooled ==
 * replayed + dropped_spool_evicted + the events still in the spool. */
typedef struct beacon_counters {
    uint64_t emitted;            /* emit calls with a valid event descriptor */
    uint64_t delivered;          /* written by the sink (in total: see beacon_stats) */
    uint64_t dropped_queue_full; /* no room in the emitting thread's queue */
    uint64_t dropped_sampled;    /* sampled out (event rate or the sink's sample=) */
    uint64_t dropped_filtered;   /* disabled at run time, or the sink's filter/level */
    uint64_t dropped_invalid;    /* failed catalog constraints */
    uint64_t dropped_shutdown;   /* emitted before init / after shutdown, or
                                    still undelivered when shutdown gave up */
    uint64_t dropped_sink_error; /* the sink failed (in total: any sink) */
    uint64_t dropped_reentrant;  /* emitted from a signal handler that interrupted
                                    an emit on the same thread */
    /* HTTP sinks (in total: any sink, after dropped_sink_error). */
    uint64_t dropped_rejected;    /* the server refused it: a 4xx other than 408/429/413,
                                     or an OTLP partial success */
    uint64_t dropped_send_failed; /* no success within the retries (connection errors,
                                     timeouts, 429/502/503/504) */
    uint64_t dropped_too_large;   /* over the format's per-event limit, or alone in a
                                     request the server answered 413 */
    uint64_t dropped_buffer_full; /* the sink already held max_buffer_bytes */
    /* Not an outcome: requests an HTTP sink sent again. */
    uint64_t retries;
    /* HTTP sinks with a disk spool (BEACON_SPOOL_DIR, spool=). */
    uint64_t spooled;               /* outcome: undeliverable for now, kept in the spool */
    uint64_t replayed;              /* taken from the spool and settled by a replay (also
                                       counted delivered, dropped_rejected or dropped_too_large) */
    uint64_t dropped_spool_evicted; /* spooled events deleted by the spool's size bound */
    uint64_t spool_corrupt;         /* damaged or torn spool records skipped */
    uint64_t spool_pending_bytes;   /* not a counter: bytes in the sinks' spool files now */
} beacon_counters;

/* Counters of one configured sink since beacon_init(). */
typedef struct beacon_sink_stats {
    const char *spec; /* the spec as configured, header values replaced by "***";
                         borrowed, valid until beacon_shutdown() */
    beacon_counters counters;
} beacon_sink_stats;

/* Reads the counters. `total` (may be NULL) counts events for the whole
 * process lifetime (a fork child starts from zero), across init/shutdown
 * cycles, each event once whatever the number of sinks: dropped_sink_error
 * when any sink failed it, else dropped_rejected, dropped_too_large,
 * dropped_send_failed or dropped_buffer_full (in that order) when an HTTP
 * sink dropped it, else spooled when an HTTP sink spooled it, else
 * delivered when at least one sink wrote it,
 * else dropped_sampled when a sink sampled it out, else dropped_filtered;
 * emits before init or after shutdown are counted there as emitted +
 * dropped_shutdown. Per sink, events dropped before the queue (queue full,
 * sampled, invalid, disabled) count for every sink. Events a spool replay
 * settles add to replayed and their outcome (see beacon_counters);
 * spool_pending_bytes in total is the sum over the running sinks. `sinks` (may be NULL when cap is
 * 0) receives up to cap per-sink entries, reset at each init; `count` (may be NULL) receives the
 * number of sinks configured (0 when not running). Thread-safe.
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

/* =========================================================================
 * Version
 * ========================================================================= */

/* The version of the runtime this program is linked with, "MAJOR.MINOR.PATCH"
 * (BEACON_VERSION of the build that produced the library; compare it with the
 * BEACON_VERSION the program was compiled against). Returns a static string
 * the caller must not free; never NULL. Thread-safe; works before
 * beacon_init(). */
BEACON_API const char *beacon_version(void);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_BEACON_H */
