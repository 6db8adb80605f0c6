/* field.h — the rules a field value must keep (internal): presence, element
 * size, list items, numeric bounds, NaN under bounds, enum range, required
 * strings. The one place that decides whether a value is acceptable and
 * says why; emit validation, the context setters and the CLI all ask here.
 * The few functions marked BEACON_API are exported from libbeacon.so for
 * libbeacon_cli only; they are not public API.
 */
#ifndef BEACON_SRC_CORE_FIELD_H
#define BEACON_SRC_CORE_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "beacon/beacon_gen.h"

/* Why a value was refused. */
typedef struct beacon__field_verdict {
    const beacon_field_desc *field; /* the field the verdict is about */
    long long index;                /* list element, -1 for the field itself */
    /* The broken rule, starting with a space: " = 12 is above max 10",
     * " is NaN but the field has bounds". Values of fields with a PII
     * policy are never shown. */
    char why[160];
} beacon__field_verdict;

/* Size in bytes of one element of a field of this type in a generated list
 * (0 for an unknown type). */
BEACON_API size_t beacon__elem_size(uint8_t type);

/* Whether field f of ev is set: always for required fields; for optional
 * scalars, by their presence bit (the setters set it); for optional
 * strings, lists and attributes, when their pointer is not NULL. */
static inline bool beacon__field_present(const beacon_event_hdr *ev, const beacon_field_desc *f) {
    if (f->presence_bit >= 0) {
        const uint8_t *bits = (const uint8_t *)ev + ev->desc->presence_offset;
        return (bits[f->presence_bit >> 3] >> (f->presence_bit & 7)) & 1u;
    }
    if (!(f->flags & BEACON_FIELD_OPTIONAL)) return true;
    const void *p;
    memcpy(&p, (const char *)ev + f->offset, sizeof p);
    return p != NULL;
}

/* Checks one value of f's element type stored at value (int64_t for int,
 * timestamp and duration; uint64_t; double; int for enums): bounds, NaN
 * under bounds, enum range. True when acceptable; otherwise fills *v (field
 * and reason; index -1) and returns false. The reason is formatted only on
 * refusal. value must not be NULL. Thread-safe. */
BEACON_API bool beacon__field_value_ok(const beacon_field_desc *f, const void *value,
                                       beacon__field_verdict *v);

/* Checks field f of event ev as a whole: an absent optional field passes; a
 * required string must not be NULL; a list needs its item array when it has
 * items, and each item (up to max_items; the rest are cut, not checked)
 * must pass beacon__field_value_ok; attribute keys must not be NULL. True
 * when acceptable; otherwise fills *v (index: the offending item) and
 * returns false. Thread-safe. */
bool beacon__field_ok(const beacon_event_hdr *ev, const beacon_field_desc *f,
                      beacon__field_verdict *v);

/* Writes "field 'n'[2] = -9 is below min -5" (the index only for list
 * items) into buf[0..cap), NUL-terminated and cut to fit. Returns buf. */
BEACON_API const char *beacon__field_verdict_text(const beacon__field_verdict *v, char *buf,
                                                  size_t cap);

#endif /* BEACON_SRC_CORE_FIELD_H */
