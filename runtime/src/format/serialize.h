/* serialize.h — canonical event JSON (DESIGN §4) from a generated struct and
 * its descriptor (internal), with the catalog's PII policies applied.
 * beacon_gen_to_json and the emit path share beacon__serialize; only the
 * envelope differs.
 */
#ifndef BEACON_SRC_SERIALIZE_H
#define BEACON_SRC_SERIALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon_gen.h"
#include "emit/context.h"
#include "privacy/pii_hash.h"

/* Internal serializer flag (beside the public BEACON_JSON_*): append the
 * envelope's "resource" object to the event (sink option resource=1). */
#define BEACON__JSON_RESOURCE 0x100u
/* Internal serializer flag: write every part from the descriptor, without
 * the per-descriptor plan (see beacon__serialize). */
#define BEACON__JSON_NO_PLAN 0x200u

/* What the runtime adds around the event's own fields. Zero ids are omitted. */
typedef struct beacon__envelope {
    int64_t time_ns;   /* 0: "time" omitted */
    const uint8_t *id; /* 16 bytes; NULL: "id" omitted */
    beacon_trace_id trace_id;
    beacon_span_id span_id;
    beacon_span_id parent_span_id;
    const beacon__context *context; /* NULL: "context" omitted */
    /* Keyed hasher for `pii: hash` values; NULL: such fields are written as
     * "[REDACTED]" (fail closed, presence kept). Borrowed for the call. */
    const beacon__hasher *hasher;
    /* A JSON object (`{...}`) written as "resource" with BEACON__JSON_RESOURCE;
     * NULL: nothing written. Borrowed. */
    const char *resource;
    size_t resource_len;
    /* Set to true (when not NULL) if a hash field was redacted for lack of a
     * key, so the caller can say why once. */
    bool *hash_redacted;
} beacon__envelope;

/* Writes the canonical JSON of ev into buf[0..cap) with snprintf semantics
 * and returns the full length needed. flags: BEACON_JSON_* and
 * BEACON__JSON_*. Policies (unless BEACON_JSON_RAW_PII): hash → keyed hex,
 * with "hash_key" naming the key after "data"; redact → "[REDACTED]";
 * drop → omitted; scrub → beacon__scrub, then the max_length cut. Applied to
 * data fields, list elements, attribute values and context fields alike.
 * Unless flags has BEACON__JSON_NO_PLAN, the parts that depend only on the
 * descriptor come from its plan, built (allocated) on the descriptor's first
 * serialization and kept until process exit; the bytes are the same either
 * way. Thread-safe. */
size_t beacon__serialize(const beacon_event_hdr *ev, const beacon__envelope *env, char *buf,
                         size_t cap, unsigned flags);

/* Frees every descriptor's plan. Descriptor states keep pointing at them,
 * so only for when nothing will serialize again: the runtime being unloaded
 * (or the process ending) with no worker running. Not thread-safe. */
void beacon__serialize_free_plans(void);

#endif /* BEACON_SRC_SERIALIZE_H */
