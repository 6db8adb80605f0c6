/* beacon_trace.h — correlation: the calling thread's current trace context
 * (which trace and parent span emitted events join), W3C Trace Context
 * (`traceparent`) parsing and formatting, and hex conversion of trace and
 * span ids, to carry beacon's correlation across threads and process
 * boundaries (HTTP headers, message metadata, environment).
 *
 * Nothing here allocates. The context functions act on per-thread state;
 * everything else is pure. Implements https://www.w3.org/TR/trace-context/
 * version 00.
 */
#ifndef BEACON_BEACON_TRACE_H
#define BEACON_BEACON_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon_gen.h"

#ifdef __cplusplus
extern "C" {
#endif

/* =========================================================================
 * The current context
 *
 * Each thread has a stack of contexts. Spans opened by generated
 * `<prefix>_<span>_begin` are on it while open; beacon_context_push,
 * beacon_context_push_lifecycle and beacon_context_from_traceparent add one
 * explicitly. Events emitted while the stack is not empty carry the
 * innermost context's trace_id, and its span_id as their parent_span_id;
 * spans opened inside become its children. Events that set their own trace
 * (follow events, which carry their begin's span as parent) keep it.
 * `correlation: begin` events get a span id of their own and continue the
 * innermost context's trace as its child, or start a new trace outside any;
 * they do not change the current context (push the handle they return for
 * that). The stack holds at most 32 entries per thread.
 * ========================================================================= */

/* A trace context that can be captured on one thread and pushed on another
 * (a plain value: copy it freely). */
typedef struct beacon_trace_context {
    beacon_trace_id trace_id; /* never all-zero in a pushed context */
    beacon_span_id span_id;   /* parent of what runs inside; all-zero: none */
    uint8_t flags;            /* W3C trace-flags (BEACON_TRACE_FLAG_SAMPLED) */
} beacon_trace_context;

/* Makes *ctx (copied) the calling thread's current context until the
 * matching beacon_context_pop(). Returns BEACON_ERR_INVALID_ARGUMENT for NULL
 * ctx or an all-zero trace id, BEACON_ERR_NO_MEMORY when the thread's stack
 * is full; nothing is pushed then. Works before beacon_init(). Thread-safe
 * (per-thread state).
 *
 * @code
 * beacon_trace_context handle;
 * beacon_context_current(&handle);          // on the request thread
 * // ... hand `handle` to a worker thread, which does:
 * beacon_context_push(&handle);
 * obs_patients_queried_emit(&ev);           // same trace, parent = handle.span_id
 * beacon_context_pop();
 * @endcode
 */
BEACON_API beacon_status beacon_context_push(const beacon_trace_context *ctx);

/* Makes the lifecycle *handle (what a begin event's emit returned; copied)
 * the calling thread's current context until the matching
 * beacon_context_pop(): spans opened and events emitted meanwhile join its
 * trace as children of the begin event's span, and
 * beacon_context_to_traceparent passes it on. Same as beacon_context_push
 * with the handle's trace id, span id and flags: BEACON_ERR_INVALID_ARGUMENT
 * for NULL handle or an all-zero trace id (a failed begin),
 * BEACON_ERR_NO_MEMORY when the thread's stack is full; nothing is pushed
 * then. Works before beacon_init(). Thread-safe (per-thread state).
 *
 * @code
 * beacon_lifecycle upload;
 * obs_upload_received_emit(&ev, &upload);
 * if (beacon_context_push_lifecycle(&upload) == BEACON_OK) {
 *     transcribe();                          // its spans are children of the begin event
 *     beacon_context_pop();
 * }
 * @endcode
 */
BEACON_API beacon_status beacon_context_push_lifecycle(const beacon_lifecycle *handle);

/* Removes the calling thread's most recently pushed context (spans are
 * closed by their generated _end/_fail, not here). Returns
 * BEACON_ERR_INVALID_ARGUMENT when nothing was pushed. Thread-safe
 * (per-thread state). */
BEACON_API beacon_status beacon_context_pop(void);

/* Copies the calling thread's innermost context (open span or pushed
 * context) into *out and returns true; with none, zeroes *out and returns
 * false. NULL out only reports whether there is one. Thread-safe
 * (per-thread state). */
BEACON_API bool beacon_context_current(beacon_trace_context *out);

/* Parses a `traceparent` header value (NUL-terminated, borrowed for the
 * call; rules of beacon_traceparent_parse) and pushes it as the current
 * context: events emitted until beacon_context_pop() continue the caller's
 * trace, with its parent-id as their parent_span_id. Invalid text returns
 * BEACON_ERR_PARSE and pushes nothing (start a new trace as usual); NULL
 * BEACON_ERR_INVALID_ARGUMENT; a full stack BEACON_ERR_NO_MEMORY.
 * Thread-safe (per-thread state).
 *
 * @code
 * bool pushed = beacon_context_from_traceparent(req_header("traceparent")) == BEACON_OK;
 * handle_request();
 * if (pushed) beacon_context_pop();
 * @endcode
 */
BEACON_API beacon_status beacon_context_from_traceparent(const char *header);

/* Writes the current context as a traceparent value into buf[0..cap)
 * (snprintf semantics, see beacon_traceparent_format) to pass it on to
 * another process. Writes "" and returns 0 when there is no current context
 * or it has no span id. buf may be NULL only when cap is 0. Thread-safe
 * (per-thread state).
 *
 * @code
 * char tp[BEACON_TRACEPARENT_LEN + 1];
 * if (beacon_context_to_traceparent(tp, sizeof tp) == BEACON_TRACEPARENT_LEN)
 *     add_header("traceparent", tp);
 * @endcode
 */
BEACON_API size_t beacon_context_to_traceparent(char *buf, size_t cap);

/* =========================================================================
 * traceparent
 * ========================================================================= */

/* Length of a version-00 traceparent value: "00-<32 hex>-<16 hex>-<2 hex>". */
#define BEACON_TRACEPARENT_LEN 55

/* trace-flags bit: the caller may have recorded this trace. */
#define BEACON_TRACE_FLAG_SAMPLED 0x01u

/* A parsed traceparent header value. */
typedef struct beacon_traceparent {
    uint8_t version;          /* 0x00..0xfe as received; formatting always writes 00 */
    beacon_trace_id trace_id; /* never all-zero in a parsed value */
    beacon_span_id parent_id; /* the caller's span; never all-zero in a parsed value */
    uint8_t flags;            /* trace-flags, all 8 bits as received */
} beacon_traceparent;

/* Parses header[0..len) (need not be NUL-terminated; NUL bytes inside are
 * invalid) by the W3C rules:
 *  - optional whitespace (SP, HTAB) before and after the value is ignored,
 *    as in HTTP header values;
 *  - lowercase hex only: upper-case hex is invalid;
 *  - version ff is invalid; version 00 must be exactly 55 characters;
 *  - a higher version is parsed by position: its first 55 characters must
 *    have the version-00 layout and may be followed only by '-' and
 *    anything (fields this version does not know);
 *  - an all-zero trace-id or parent-id is invalid.
 * On success fills *out and returns BEACON_OK. Invalid text returns
 * BEACON_ERR_PARSE and NULL header or out BEACON_ERR_INVALID_ARGUMENT; in
 * both cases *out (when not NULL) is zeroed, and the caller should start a
 * new trace. header is borrowed for the call. Thread-safe, no allocation.
 *
 * @code
 * beacon_traceparent tp;
 * const char *h = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
 * if (beacon_traceparent_parse(h, strlen(h), &tp) == BEACON_OK &&
 *     (tp.flags & BEACON_TRACE_FLAG_SAMPLED)) {
 *     // continue trace tp.trace_id under parent tp.parent_id
 * }
 * @endcode
 */
BEACON_API beacon_status beacon_traceparent_parse(const char *header, size_t len,
                                                  beacon_traceparent *out);

/* Writes "00-<trace-id>-<parent-id>-<flags>" (always version 00, the
 * version this library speaks, whatever tp->version holds) into
 * buf[0..cap) with snprintf semantics: at most cap bytes, NUL-terminated
 * when cap > 0, returns the length the full value needs without the NUL
 * (BEACON_TRACEPARENT_LEN). A value that must not be sent — tp NULL, or an
 * all-zero trace-id or parent-id — writes "" (when cap > 0) and returns 0.
 * buf may be NULL only when cap is 0. tp is borrowed for the call.
 * Thread-safe, no allocation.
 *
 * @code
 * char header[BEACON_TRACEPARENT_LEN + 1];
 * if (beacon_traceparent_format(&tp, header, sizeof header) == BEACON_TRACEPARENT_LEN) {
 *     // send "traceparent: <header>"
 * }
 * @endcode
 */
BEACON_API size_t beacon_traceparent_format(const beacon_traceparent *tp, char *buf, size_t cap);

/* =========================================================================
 * Id ⇄ hex
 * ========================================================================= */

/* Writes the 32 lowercase hex digits of *id and a NUL into out; returns out.
 * NULL id writes 32 zeros (the "no id" value); NULL out is a no-op returning
 * NULL. Thread-safe.
 *
 * @code
 * char hex[33];
 * printf("trace %s\n", beacon_trace_id_to_hex(&id, hex));
 * @endcode
 */
BEACON_API char *beacon_trace_id_to_hex(const beacon_trace_id *id, char out[33]);

/* Parses exactly 32 hex digits (either case; nothing before or after) from
 * hex[0..len) into *out. All zeros parse (to "no id"). Returns
 * BEACON_ERR_PARSE for anything else, leaving *out zeroed;
 * BEACON_ERR_INVALID_ARGUMENT for NULL hex or out. Thread-safe.
 *
 * @code
 * beacon_trace_id id;
 * if (beacon_trace_id_from_hex(arg, strlen(arg), &id) != BEACON_OK) usage();
 * @endcode
 */
BEACON_API beacon_status beacon_trace_id_from_hex(const char *hex, size_t len,
                                                  beacon_trace_id *out);

/* Span-id versions of the two above: 16 hex digits, out of 17 bytes. Same
 * NULL handling (NULL id writes 16 zeros; NULL out returns NULL; NULL hex or
 * out → BEACON_ERR_INVALID_ARGUMENT). Thread-safe, no allocation. */
BEACON_API char *beacon_span_id_to_hex(const beacon_span_id *id, char out[17]);
BEACON_API beacon_status beacon_span_id_from_hex(const char *hex, size_t len, beacon_span_id *out);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_BEACON_TRACE_H */
