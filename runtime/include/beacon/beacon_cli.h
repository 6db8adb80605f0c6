/* beacon_cli.h — the descriptor-driven argument parser behind `<prefix>-emit`.
 *
 * The generator writes `<prefix>_emit_main.c`: one small emit function per
 * event that reads parsed values through the accessors below, builds the
 * generated struct, emits it and reports through beacon_cli_finish(). All
 * parsing, help, listing, stdin mode and runtime start/stop live here, once.
 */
#ifndef BEACON_BEACON_CLI_H
#define BEACON_BEACON_CLI_H

#include <beacon/beacon_gen.h>

#ifdef __cplusplus
extern "C" {
#endif

/* =========================================================================
 * Types
 * ========================================================================= */

/* The parsed arguments of one event line. Opaque; owned by beacon_cli_main
 * and valid only during the emit function it is passed to. */
typedef struct beacon_cli beacon_cli;

/* Builds and emits one event from `cli`. Returns a process exit code:
 * 0 ok, 2 bad input, 1 runtime failure (normally beacon_cli_finish's result). */
typedef int (*beacon_cli_emit_fn)(beacon_cli *cli);

/* One row of the generated table: an event descriptor and its emit function. */
typedef struct beacon_cli_event {
    const beacon_event_desc *desc;
    beacon_cli_emit_fn emit;
} beacon_cli_event;

/* =========================================================================
 * Entry point
 * ========================================================================= */

/* Runs the `<prefix>-emit` command line and returns the process exit code
 * (0 ok, 1 runtime failure, 2 bad input or usage).
 *
 *   prog [--sink SPEC]... [--stats] [--context F=V]... [--traceparent H] EVENT field=value ...
 *   prog [--sink SPEC]... [--stats] [--context F=V]... [--traceparent H] [--threads N] -
 *                                     (one event line per stdin line; with
 *                                      --threads, spread over N producer threads)
 *   prog --list | --describe EVENT | --help | --version
 *
 * Values are parsed by their catalog type; lists repeat `field=value`;
 * attributes are `field.key=value` (type inferred, or forced with a
 * `:bool`/`:int`/`:uint`/`:double`/`:string` suffix on the key); follow events
 * take `correlation=<handle>` (what their begin event printed, or a 32-hex
 * trace id alone). --context sets a context field of the catalog
 * (parsed by its type) on every emitting thread; --traceparent continues a
 * W3C trace (an invalid value is ignored, noted under BEACON_DEBUG=1).
 * Messages never echo values of PII fields. Messages go to stderr, begin events print their
 * handle on stdout (a traceparent value: 00-<trace id>-<own span id>-<flags>). --stats prints
 * beacon_stats_json() (totals and every sink, each counter by name) as one
 * line on stderr before shutdown. The runtime is initialized with the --sink specs (none:
 * the environment's, BEACON_SINKS etc.) and an emit that waits up to 5 s for
 * queue room rather than dropping, flushed and shut down before returning;
 * the process must not have initialized it already. A runtime failure
 * repeated on many lines is shown three times, then counted in one summary
 * line. Sets SIGPIPE to be ignored for the process, so a closed stdout is
 * reported (exit 1) instead of killing it.
 *
 * catalog, events and argv are borrowed for the call; events[i].desc should
 * belong to catalog. Never exits or aborts. Not thread-safe (it owns the
 * runtime lifecycle for the process).
 *
 * @code
 *   int main(int argc, char **argv) {
 *       return beacon_cli_main(&obs_catalog, obs__cli_events, OBS_EVENT_COUNT, argc, argv);
 *   }
 * @endcode
 */
BEACON_API int beacon_cli_main(const beacon_catalog_desc *catalog, const beacon_cli_event *events,
                               size_t count, int argc, char **argv);

/* =========================================================================
 * Accessors (valid inside an emit function only)
 *
 * `field` is the index in cli's desc->fields. A NULL cli, an out-of-range
 * index or a type mismatch yields false / 0 / NULL rather than aborting.
 * Returned pointers are borrowed; they live until the emit function returns.
 * Not thread-safe (one cli per line, on the calling thread).
 * ========================================================================= */

/* True when the field was given on the command line. Required fields are
 * always present by the time an emit function runs. */
BEACON_API bool beacon_cli_has(const beacon_cli *cli, uint32_t field);

/* A bool field's value; false when absent. */
BEACON_API bool beacon_cli_bool(const beacon_cli *cli, uint32_t field);

/* An int, timestamp (ns since the epoch) or duration (ns) field; 0 when absent. */
BEACON_API int64_t beacon_cli_int(const beacon_cli *cli, uint32_t field);

/* A uint field's value; 0 when absent. */
BEACON_API uint64_t beacon_cli_uint(const beacon_cli *cli, uint32_t field);

/* A double field's value (may be NaN or infinite; the runtime writes those as
 * null); 0.0 when absent. */
BEACON_API double beacon_cli_double(const beacon_cli *cli, uint32_t field);

/* A string field's value (borrowed, may be ""); NULL when absent. */
BEACON_API const char *beacon_cli_string(const beacon_cli *cli, uint32_t field);

/* An enum field's value index (C value i <-> enum_desc->values[i]); 0 when absent. */
BEACON_API int beacon_cli_enum(const beacon_cli *cli, uint32_t field);

/* A list field's items, in the element's C type: bool, int64_t (int,
 * timestamp, duration), uint64_t, double, const char *, or int (enum).
 * *count (may be NULL) receives the item count. NULL / 0 when absent. */
BEACON_API const void *beacon_cli_list(const beacon_cli *cli, uint32_t field, size_t *count);

/* An attributes field's entries (keys and string values borrowed). *count
 * (may be NULL) receives the entry count. NULL / 0 when absent. */
BEACON_API const beacon_attr *beacon_cli_attrs(const beacon_cli *cli, uint32_t field,
                                               size_t *count);

/* The lifecycle handle given as `correlation=`: a traceparent value (what a
 * begin event printed) or a 32-hex trace id alone (span id zero). Required
 * for follow events, optional for span-derived events; NULL when not given.
 * Borrowed. */
BEACON_API const beacon_lifecycle *beacon_cli_correlation(const beacon_cli *cli);

/* Reports the emit status `st` and returns the exit code for it:
 * OK -> 0 (begin events also print the handle `begin` on stdout, one line,
 * as a traceparent value; begin may be NULL to print nothing); SAMPLED_OUT / DISABLED -> 0
 * with a note on stderr only under BEACON_DEBUG; INVALID_EVENT -> 2 with a
 * message naming the offending field when it can be found; anything else -> 1
 * with a message. begin is borrowed for the call. A NULL cli reports
 * nothing and returns 0 for BEACON_OK, else 1. Same thread rules as the
 * accessors. */
BEACON_API int beacon_cli_finish(beacon_cli *cli, beacon_status st, const beacon_lifecycle *begin);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_BEACON_CLI_H */
