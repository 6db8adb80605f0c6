/* sink.h — the sink interface (internal).
 *
 * A sink receives BATCHES of already-serialized events and writes them
 * somewhere. The pipeline's worker thread (worker/pipeline.c) owns routing, batching
 * and accounting; sinks only write, flush and close, always on the worker
 * thread (or, after the worker stopped, on the thread shutting down), never
 * concurrently for one sink. One file per sink implementation (stream.c,
 * file.c, callback.c, capture.c, ...), each describing its scheme in a
 * beacon__sink_scheme listed in schemes.c; registry.c parses specs and
 * per-sink routing options and opens sinks through that table; fdwrite.c
 * writes NDJSON lines to a file descriptor.
 */
#ifndef BEACON_SRC_SINK_H
#define BEACON_SRC_SINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon.h"

/* One serialized event: json[0..len) without a trailing newline. */
typedef struct beacon__batch_item {
    const char *json;
    size_t len;
    const beacon_event_desc *desc;
} beacon__batch_item;

/* Records in emit order; all borrowed for the duration of write(). */
/* The pipeline's record of one event handed to an asynchronous sink: the
 * sink settles it exactly once, from any thread, with beacon__sink_settle. */
typedef struct beacon__ledger beacon__ledger;
typedef struct beacon__ticket {
    beacon__ledger *ledger;
    uint32_t idx;
} beacon__ticket;

typedef struct beacon__batch {
    const beacon__batch_item *records;
    size_t count;
    /* Optional (may be NULL), `count` entries, all 0 on entry: a sink that
     * fails some records but writes later ones (each record stands alone)
     * sets failed[i] = 1 for every record it did not deliver, so the right
     * events are accounted; *delivered is then the number not failed. */
    uint8_t *failed;
    /* True when the records lie back to back in memory, each followed by one
     * '\n': from records[0].json on, the batch is already NDJSON. */
    bool ndjson;
} beacon__batch;

/* Which serialization a sink wants. Records handed to a sink are always in
 * its format, serialized with its json_flags. */
typedef enum beacon__format {
    BEACON__FORMAT_CANONICAL = 0 /* DESIGN §4 object per event */
} beacon__format;

typedef struct beacon__sink beacon__sink;

typedef struct beacon__sink_vtable {
    const char *scheme;
    /* Writes the batch. *delivered receives the number of leading records
     * that were written in full (the rest count as dropped_sink_error), or,
     * when the sink marked batch->failed, the number it did not mark.
     * Returns BEACON_OK when all were written. Never called concurrently for
     * one sink. */
    beacon_status (*write)(beacon__sink *sink, const beacon__batch *batch, size_t *delivered);
    /* Pushes buffered data out within timeout_ms (< 0: no limit). */
    beacon_status (*flush)(beacon__sink *sink, int timeout_ms);
    /* Flushes within timeout_ms, then frees the sink (also on error). */
    beacon_status (*close)(beacon__sink *sink, int timeout_ms);
    /* Optional (NULL when left out of the initializer): called once the
     * pipeline attached the settings of beacon__sink, before the first
     * write, on the thread starting the run. Must not block (an HTTP sink
     * schedules its spool replay). */
    void (*start)(beacon__sink *sink);
} beacon__sink_vtable;

/* Common head of every sink; implementations embed it first. */
struct beacon__sink {
    const beacon__sink_vtable *vt;
    beacon__format format;
    unsigned json_flags; /* BEACON_JSON_* passed to the serializer */
    /* Set by the pipeline (NULL: never): true once shutdown gave up on the
     * worker. A sink that calls out more than once per write stops calling
     * the user then, since the user may already have freed what it needs. */
    const _Atomic bool *cancelled;
    /* Asynchronous sinks (the HTTP sinks): write() takes the records and
     * settles every ticket with its outcome when known, from any thread;
     * *delivered is ignored. flush() returns BEACON_ERR_TIMEOUT while
     * outcomes are outstanding at its deadline; close() settles what is
     * left as dropped_shutdown. */
    bool async;
    /* Set by the pipeline before the first write: the sink's counters
     * (indexes are beacon__outcome and the other counters of core/state.h),
     * the process-wide totals of those that are not outcomes, the resource
     * attributes object (`{...}`, or NULL) and the default spool root of
     * sinks that can spool (or NULL); all outlive the sink. */
    _Atomic uint64_t *counters;
    _Atomic uint64_t *totals;
    const char *resource;
    size_t resource_len;
    const char *spool_dir;
    /* Asynchronous sinks, during write() only: one ticket per record of the
     * batch, each to be settled exactly once (then or later). */
    const beacon__ticket *tickets;
    /* Runs user code (callback sinks): not called once the process exits
     * (beacon__g.exiting); one that calls out per event checks it itself. */
    bool calls_user;
};

/* Books the outcome (a beacon__outcome) of one ticket for sink: its counter,
 * and the event's total once every sink has settled it. Thread-safe; each
 * ticket exactly once (sinks/ledger.c). */
void beacon__sink_settle(beacon__sink *sink, beacon__ticket ticket, int outcome);

/* Adds n to one of sink's counters that is not an event outcome
 * (BEACON__RETRIES, BEACON__DROPPED_SPOOL_EVICT, BEACON__SPOOL_CORRUPT),
 * and to its process-wide total. Thread-safe. */
void beacon__sink_count(beacon__sink *sink, int counter, uint64_t n);

/* Books n events a spool replay settled with outcome (BEACON__DELIVERED,
 * BEACON__DROPPED_REJECTED or BEACON__DROPPED_TOO_LARGE): that counter and
 * BEACON__REPLAYED, for the sink and in total. They were emitted by an
 * earlier run (or earlier in this one, and counted spooled then), so no
 * ticket is involved. Thread-safe. */
void beacon__sink_replayed(beacon__sink *sink, int outcome, uint64_t n);

/* Sets the sink's gauge of bytes in its spool (BEACON__SPOOL_PENDING_BYTES).
 * Thread-safe. */
void beacon__sink_spool_bytes(beacon__sink *sink, uint64_t bytes);

/* A copy of spec (malloc; NULL when out of memory) with the value of every
 * headers= option and a URL's user:password (before the host's @) replaced by
 * "***", for stats and diagnostics: both are often credentials. */
char *beacon__sink_spec_masked(const char *spec);

/* A spec split into parts; every string is owned (malloc) and decoded. */
#define BEACON__SPEC_MAX_OPTIONS 16
typedef struct beacon__spec_option {
    char *key;
    char *value;
} beacon__spec_option;

typedef struct beacon__sink_spec {
    char *scheme; /* "stderr", "stdout", "file", ... */
    char *target; /* after "scheme:" up to '?', percent-decoded; NULL if none */
    beacon__spec_option options[BEACON__SPEC_MAX_OPTIONS];
    size_t option_count;
} beacon__sink_spec;

/* Parses and validates spec (scheme known, options allowed for it). On
 * error, returns BEACON_ERR_SINK_SPEC / BEACON_ERR_NO_MEMORY and writes a
 * message naming the problem into err. out must be freed with
 * beacon__sink_spec_free() after BEACON_OK only. */
beacon_status beacon__sink_spec_parse(const char *spec, beacon__sink_spec *out, char *err,
                                      size_t err_cap);
void beacon__sink_spec_free(beacon__sink_spec *spec);
/* Value of option key, or NULL. */
const char *beacon__sink_spec_option(const beacon__sink_spec *spec, const char *key);

/* Per-sink routing, parsed from the options every scheme accepts:
 *   filter=upload.*,!upload.debug,category:user   globs on the event name
 *       ('*' any run, '?' one character); a pattern with ':' is
 *       category:<glob> on the event's category; '!' excludes. With any
 *       positive pattern an event must match one; excluded ones never pass.
 *   level=warn     minimum level (debug|info|warn|error)
 *   sample=0.1     keep this fraction of the events that pass (0..1)
 */
typedef struct beacon__route_pattern {
    char *glob;
    bool negate;
    bool category;
} beacon__route_pattern;

typedef struct beacon__route {
    beacon__route_pattern *patterns;
    size_t count;
    bool any_positive;
    int min_level; /* -1: no minimum */
    double sample; /* 1.0: keep all */
} beacon__route;

/* Parses the routing options of spec into route (defaults when absent).
 * On error returns BEACON_ERR_SINK_SPEC with a message in err. route must be
 * released with beacon__route_free after BEACON_OK. */
beacon_status beacon__route_parse(const beacon__sink_spec *spec, beacon__route *route, char *err,
                                  size_t err_cap);
void beacon__route_free(beacon__route *route);

/* Whether filter and level let events of d through (sampling aside). */
bool beacon__route_accepts(const beacon__route *route, const beacon_event_desc *d);

/* Validates spec without creating anything, routing options included.
 * `callback` specs are valid only with allow_callback (they need a function
 * and come from beacon_options_add_callback_sink). */
beacon_status beacon__sink_validate(const char *spec, bool allow_callback, char *err,
                                    size_t err_cap);

/* A user function a callback sink delivers to. */
typedef struct beacon__callback_target {
    beacon_callback_fn fn;
    void *user;
} beacon__callback_target;

/* The serializer flags a parsed spec asks for: BEACON_JSON_RAW_PII for
 * raw_pii=1 (a trusted sink), BEACON__JSON_RESOURCE for resource=1. Every
 * other sink gets PII policies applied (sinks are untrusted by default). */
unsigned beacon__sink_json_flags(const beacon__sink_spec *spec);

/* Creates the sink a spec describes (json_flags set from its options); cb is required for
 * `callback` specs and ignored otherwise. */
beacon_status beacon__sink_open(const char *spec, const beacon__callback_target *cb,
                                beacon__sink **out, char *err, size_t err_cap);

/* What a sink scheme's path after "scheme:" may be. */
typedef enum beacon__target_rule {
    BEACON__TARGET_NONE,
    BEACON__TARGET_REQUIRED,
    BEACON__TARGET_OPTIONAL
} beacon__target_rule;

/* One sink scheme, defined in the sink's own file and listed once in
 * sinks/schemes.c; the registry (spec parsing, validation, opening, fork
 * hooks) knows schemes only through this table. */
typedef struct beacon__sink_scheme {
    const char *scheme; /* lower case, as written before ':' */
    const char *usage;  /* how to write it in an error ("file:PATH"); NULL: not by spec */
    beacon__target_rule target;
    /* NULL-terminated scheme options (the routing and content options come
     * on top); those in `numeric` want a non-negative integer, those in
     * `flags` 0 or 1. Each may be NULL. */
    const char *const *options;
    const char *const *numeric;
    const char *const *flags;
    /* Needs a function (beacon_options_add_callback_sink): cb is then
     * required and the scheme cannot be written in BEACON_SINKS. */
    bool needs_callback;
    /* Optional (NULL): checks the scheme's own option values beyond numeric
     * and flags, with a message in err (never quoting a secret). */
    beacon_status (*check)(const beacon__sink_spec *spec, char *err, size_t err_cap);
    /* Creates the sink of a parsed, validated spec. */
    beacon_status (*open)(const beacon__sink_spec *spec, const beacon__callback_target *cb,
                          beacon__sink **out, char *err, size_t err_cap);
    /* Optional (NULL): process-wide locks of the scheme, taken before
     * fork() and released after it in parent and child. */
    void (*fork_prepare)(void);
    void (*fork_parent)(void);
    void (*fork_child)(void);
} beacon__sink_scheme;

/* Every scheme (sinks/schemes.c), NULL-terminated. */
extern const beacon__sink_scheme *const beacon__sink_schemes[];

/* Fork hooks of every scheme: prepare in table order, parent and child in
 * reverse. Called by the runtime's fork handlers only. */
void beacon__sinks_atfork_prepare(void);
void beacon__sinks_atfork_parent(void);
void beacon__sinks_atfork_child(void);

/* Parses a non-negative decimal integer option; false when malformed. */
bool beacon__parse_u64(const char *s, uint64_t *out);

/* Blocks SIGPIPE on the calling thread for good, so that its writes into a
 * closed pipe fail with EPIPE instead of killing the process. The worker
 * calls it once at start; fd writes on other threads guard each write. */
void beacon__sink_block_sigpipe_on_this_thread(void);

/* Growable scratch buffer owned by a sink, and what its last write left. */
typedef struct beacon__scratch {
    char *data;
    size_t cap;
    /* The last write to the sink's fd failed inside a line: the next write
     * ends that line with a '\n' first, when the descriptor still ends with
     * the fragment. For a regular file that is known: the fragment is the
     * file's end while the file (torn_dev, torn_ino) still has the size it
     * had after the failed write (torn_size); another file, or a file
     * someone else wrote to since, gets no mark, so a mark never makes an
     * empty line. A pipe or terminal cannot be asked: it always gets one. */
    bool torn;
    bool torn_file; /* the fd was a regular file: torn_* are set */
    uint64_t torn_dev, torn_ino, torn_size;
} beacon__scratch;

void beacon__scratch_free(beacon__scratch *s);

/* Ends the line a failed write left unterminated on fd (scratch->torn),
 * when fd still ends with it, and clears scratch->torn unless the '\n'
 * could not be written. A sink about to leave a file (rotation) calls it so
 * that the file it leaves ends with a whole line. */
void beacon__fd_end_torn_line(int fd, beacon__scratch *scratch);

/* How long a descriptor the host left non-blocking may stay full with no
 * byte accepted before a write gives up (the rest counts as sink errors):
 * 5000 ms. Changed by tests only, while no sink writes. */
extern int beacon__fd_stall_max_ms;

/* Writes the batch to fd as NDJSON lines (prefix + json + '\n'), after a
 * '\n' that ends the line a failed earlier write left unterminated
 * (scratch->torn, when fd still ends with it), with one
 * write() for the whole batch (straight from the records for an ndjson batch
 * without prefix, else gathered in the scratch buffer when it can hold
 * them; line by line when it cannot), retrying
 * on EINTR and partial writes. *delivered receives the number of complete
 * lines written; *err_no the errno of a failure (0 if none). */
beacon_status beacon__fd_write_lines(int fd, const char *prefix, size_t prefix_len,
                                     const beacon__batch *batch, beacon__scratch *scratch,
                                     size_t *delivered, int *err_no);

#endif /* BEACON_SRC_SINK_H */
