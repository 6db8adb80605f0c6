/* sink.h — the sink interface (internal).
 *
 * A sink receives BATCHES of already-serialized events and writes them
 * somewhere. The delivery code (beacon__deliver in emit.c today, a worker
 * thread later) owns batching and accounting; sinks only write, flush and
 * close. One file per sink implementation (sink_stream.c, sink_file.c, ...);
 * sink.c parses specs and dispatches on the scheme.
 */
#ifndef BEACON_SRC_SINK_H
#define BEACON_SRC_SINK_H

#include <stddef.h>

#include "beacon/beacon.h"

/* One serialized event: json[0..len) without a trailing newline. */
typedef struct beacon__batch_item {
    const char *json;
    size_t len;
    const beacon_event_desc *desc;
} beacon__batch_item;

/* Records in emit order; all borrowed for the duration of write(). */
typedef struct beacon__batch {
    const beacon__batch_item *records;
    size_t count;
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
     * that were written in full (the rest count as dropped_sink_error).
     * Returns BEACON_OK when all were written. Never called concurrently for
     * one sink. */
    beacon_status (*write)(beacon__sink *sink, const beacon__batch *batch, size_t *delivered);
    /* Pushes buffered data out within timeout_ms (< 0: no limit). */
    beacon_status (*flush)(beacon__sink *sink, int timeout_ms);
    /* Flushes within timeout_ms, then frees the sink (also on error). */
    beacon_status (*close)(beacon__sink *sink, int timeout_ms);
} beacon__sink_vtable;

/* Common head of every sink; implementations embed it first. */
struct beacon__sink {
    const beacon__sink_vtable *vt;
    beacon__format format;
    unsigned json_flags; /* BEACON_JSON_* passed to the serializer */
};

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

/* Validates spec without creating anything. */
beacon_status beacon__sink_validate(const char *spec, char *err, size_t err_cap);

/* Creates the sink a spec describes. */
beacon_status beacon__sink_open(const char *spec, beacon__sink **out, char *err, size_t err_cap);

/* Per-scheme constructors (one file each). */
beacon_status beacon__sink_stream_open(const beacon__sink_spec *spec, beacon__sink **out, char *err,
                                       size_t err_cap);
beacon_status beacon__sink_file_open(const beacon__sink_spec *spec, beacon__sink **out, char *err,
                                     size_t err_cap);

/* Growable scratch buffer owned by a sink. */
typedef struct beacon__scratch {
    char *data;
    size_t cap;
} beacon__scratch;

void beacon__scratch_free(beacon__scratch *s);

/* Writes the batch to fd as NDJSON lines (prefix + json + '\n'), with one
 * write() for the whole batch when the scratch buffer can hold it, retrying
 * on EINTR and partial writes. *delivered receives the number of complete
 * lines written; *err_no the errno of a failure (0 if none). */
beacon_status beacon__fd_write_lines(int fd, const char *prefix, size_t prefix_len,
                                     const beacon__batch *batch, beacon__scratch *scratch,
                                     size_t *delivered, int *err_no);

#endif /* BEACON_SRC_SINK_H */
