/* wire.h — the HTTP wire formats (internal): one file per format turns the
 * canonical event JSON (already redacted) into that format's piece for one
 * event, and assembles a request body from a batch of pieces. The HTTP sink
 * picks a format by scheme and never looks inside the bytes.
 */
#ifndef BEACON_SRC_FORMAT_WIRE_H
#define BEACON_SRC_FORMAT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon_gen.h"
#include "format/jread.h"
#include "format/wbuf.h"

/* What a format knows about where it sends from; borrowed strings that
 * outlive every call. Resource attributes are decoded key/value pairs. */
typedef struct beacon__wire_ctx {
    const char *const *res_keys;
    const char *const *res_values;
    size_t res_count;
    const char *resource_json; /* the canonical resource object, or NULL */
    size_t resource_json_len;
    const char *service;  /* service.name, never NULL */
    const char *hostname; /* host.name, or NULL */
    const char *website;  /* umami: website id, or NULL */
    const char *ddtags;   /* datadog: extra tags, or NULL */
    bool events_only;     /* json: {"events":[…]} without the resource */
    int64_t observed_ns;  /* otlp: observedTimeUnixNano of the events being encoded
                             (the sink reads the clock once per batch); 0: now */
} beacon__wire_ctx;

/* One encoded event in a batch (borrowed). */
typedef struct beacon__wire_piece {
    const char *data;
    size_t len;
    const beacon_event_desc *desc;
} beacon__wire_piece;

typedef struct beacon__wire_format {
    const char *name;         /* "otlp", "otlp-json", "datadog", ... */
    const char *content_type; /* of a batch body */
    const char *path;         /* default URL path when the spec gives none, or NULL */
    size_t batch;             /* default events per request */
    size_t max_batch;         /* hard limit on events per request */
    size_t max_batch_bytes;   /* hard limit on uncompressed body bytes; 0: none */
    size_t max_event_bytes;   /* an event above this is dropped as too large; 0: none */
    /* Appends the piece of one canonical event (parsed in doc, text in
     * json[0..len)) to out; false when the event cannot be written. */
    bool (*encode)(const beacon__wire_ctx *ctx, const beacon__jdoc *doc, const char *json,
                   size_t len, const beacon_event_desc *desc, beacon__wbuf *out);
    /* Appends the request body of n >= 1 pieces to body. */
    void (*assemble)(const beacon__wire_ctx *ctx, const beacon__wire_piece *pieces, size_t n,
                     beacon__wbuf *body);
} beacon__wire_format;

extern const beacon__wire_format beacon__wire_otlp_proto;
extern const beacon__wire_format beacon__wire_otlp_json;
extern const beacon__wire_format beacon__wire_datadog;
extern const beacon__wire_format beacon__wire_cloudevents;
extern const beacon__wire_format beacon__wire_cloudevents_structured;
extern const beacon__wire_format beacon__wire_json;
extern const beacon__wire_format beacon__wire_json_single;
extern const beacon__wire_format beacon__wire_ndjson;
extern const beacon__wire_format beacon__wire_umami;

/* Shared pieces of formats: an encode that appends the canonical event as it
 * is; an assemble that writes the pieces as a JSON array; one that writes the
 * single piece of a one-event request (n must be 1). */
bool beacon__wire_encode_canonical(const beacon__wire_ctx *ctx, const beacon__jdoc *doc,
                                   const char *json, size_t len, const beacon_event_desc *desc,
                                   beacon__wbuf *out);
void beacon__wire_assemble_array(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                                 beacon__wbuf *body);
void beacon__wire_assemble_one(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                               beacon__wbuf *body);
/* Appends the n pieces to body separated by commas. */
void beacon__wire_put_list(beacon__wbuf *body, const beacon__wire_piece *p, size_t n);

/* The envelope of a parsed canonical event: token indices into doc (0 when
 * absent) and the values the formats need decoded. */
typedef struct beacon__wire_event {
    const beacon__jdoc *doc;
    size_t event, time, id, catalog, version, level, category;
    size_t trace_id, span_id, parent_span_id, context, data, truncated, hash_key;
    int64_t time_ns; /* 0 when absent or malformed */
    int level_num;   /* beacon_level; info when absent */
} beacon__wire_event;

/* Reads the envelope of doc; false when doc is not an event object. */
bool beacon__wire_event_read(const beacon__jdoc *doc, beacon__wire_event *ev);

/* Whether the number value of member key (a string token) of the data or
 * context object is a double for this event: from the catalog's field type
 * when the key names a field, else from the number's text. */
bool beacon__wire_number_is_double(const beacon_event_desc *desc, const beacon__jtok *key,
                                   const beacon__jtok *value);

/* Copies the raw text of token t (a string keeps its quotes) to out. */
void beacon__wire_put_raw(beacon__wbuf *out, const beacon__jtok *t);

/* Hex text of a trace or span id token into bytes; false when malformed. */
bool beacon__wire_hex_bytes(const beacon__jtok *t, uint8_t *out, size_t n);

/* The distinct catalogs of a batch in order of first appearance, at most
 * BEACON__WIRE_MAX_SCOPES (NULL for pieces without a descriptor); pieces of
 * further catalogs go with the last one. Returns the count (>= 1 when n >= 1). */
#define BEACON__WIRE_MAX_SCOPES 16
size_t beacon__wire_catalogs(const beacon__wire_piece *p, size_t n,
                             const struct beacon_catalog_desc **out);
/* Whether piece p belongs to scope cat of the list beacon__wire_catalogs made. */
bool beacon__wire_in_scope(const beacon__wire_piece *p, const struct beacon_catalog_desc *cat,
                           const struct beacon_catalog_desc *const *cats, size_t ncats);

/* Level names as the ecosystems spell them. */
const char *beacon__wire_level_upper(int level); /* DEBUG INFO WARN ERROR */
const char *beacon__wire_level_lower(int level); /* debug info warn error */

#endif /* BEACON_SRC_FORMAT_WIRE_H */
