/* context.h — per-thread context fields (internal).
 *
 * Each thread keeps a small list of contexts, one per catalog that set any
 * field, keyed by the catalog descriptor's address. The emit path reads the
 * calling thread's entry and serializes it under "context".
 */
#ifndef BEACON_SRC_CONTEXT_H
#define BEACON_SRC_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "beacon/beacon_gen.h"

/* One context value, in the member the field's type selects:
 * b bool; i int/timestamp/duration; u uint; d double; e enum; s string (owned). */
typedef union beacon__ctx_value {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    int e;
    char *s;
} beacon__ctx_value;

typedef struct beacon__context {
    const beacon_catalog_desc *catalog;
    struct beacon__context *next;
    uint32_t count;            /* catalog->context_count */
    uint32_t set_count;        /* how many fields are set */
    uint8_t *set;              /* count flags */
    beacon__ctx_value *values; /* count values */
} beacon__context;

/* The calling thread's context for catalog, or NULL when it has none.
 * Borrowed; valid until this thread next changes its context. */
const beacon__context *beacon__context_current(const beacon_catalog_desc *catalog);

#endif /* BEACON_SRC_CONTEXT_H */
