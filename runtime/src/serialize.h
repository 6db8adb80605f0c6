/* serialize.h — canonical event JSON (DESIGN §4) from a generated struct and
 * its descriptor (internal). beacon_gen_to_json and the emit path share
 * beacon__serialize; only the envelope differs.
 */
#ifndef BEACON_SRC_SERIALIZE_H
#define BEACON_SRC_SERIALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon_gen.h"
#include "context.h"

/* What the runtime adds around the event's own fields. Zero ids are omitted. */
typedef struct beacon__envelope {
    int64_t time_ns;   /* 0: "time" omitted */
    const uint8_t *id; /* 16 bytes; NULL: "id" omitted */
    beacon_trace_id trace_id;
    beacon_span_id span_id;
    beacon_span_id parent_span_id;
    const beacon__context *context; /* NULL: "context" omitted */
} beacon__envelope;

/* Writes the canonical JSON of ev into buf[0..cap) with snprintf semantics
 * and returns the full length needed. flags: BEACON_JSON_*. No allocation. */
size_t beacon__serialize(const beacon_event_hdr *ev, const beacon__envelope *env, char *buf,
                         size_t cap, unsigned flags);

/* Size in bytes of one element of a field of this type in a generated list. */
size_t beacon__elem_size(uint8_t type);

#endif /* BEACON_SRC_SERIALIZE_H */
