/* context.h — per-thread context fields as immutable, shared snapshots
 * (internal).
 *
 * Each thread keeps, per catalog that set any field, a pointer to an
 * immutable snapshot of its context. Setting a field builds a new snapshot
 * and retires the old one. The emit path hands the worker a reference to the
 * current snapshot without any atomic operation: the owning thread counts the
 * references it handed out in its own memory, the worker counts the ones it
 * gave back in the snapshot, and whoever brings the balance to zero after
 * retirement frees it. serialize.c reads snapshots on the worker.
 */
#ifndef BEACON_SRC_CONTEXT_H
#define BEACON_SRC_CONTEXT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "beacon/beacon_gen.h"
#include "emit/ring.h" /* beacon__lane */

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

/* An immutable snapshot; everything but `balance` is fixed once published. */
typedef struct beacon__context {
    const beacon_catalog_desc *catalog;
    uint32_t count;            /* catalog->context_count */
    uint32_t set_count;        /* how many fields are set */
    uint8_t *set;              /* count flags */
    beacon__ctx_value *values; /* count values */
    /* -(references released) until retired; then references still out.
     * Written by the worker (release) and once by the owner (retire). */
    _Atomic int64_t balance;
} beacon__context;

/* The calling thread's context slots (one per catalog it set context for;
 * NULL until it sets any), kept in its lane (beacon__lane.ctx) so that the
 * emit path, generated code's included, checks it inline before calling
 * beacon__context_acquire. Read-only outside context.c. */
#define beacon__ctx_head ((struct beacon__ctx_slot *)beacon__lane.ctx)

/* The calling thread's current snapshot for catalog with one reference
 * taken for the caller, or NULL when no field is set. No lock, no
 * allocation, no atomic. The reference must be given back with
 * beacon__context_release (from any thread). */
const beacon__context *beacon__context_acquire(const beacon_catalog_desc *catalog);

/* Gives back a reference from beacon__context_acquire; frees the snapshot
 * when it was retired and this was the last reference. NULL is a no-op.
 * Thread-safe. */
void beacon__context_release(const beacon__context *ctx);

/* The calling thread's current snapshot for catalog, or NULL. Borrowed;
 * valid until this thread next changes its context. No reference taken. */
const beacon__context *beacon__context_current(const beacon_catalog_desc *catalog);

#endif /* BEACON_SRC_CONTEXT_H */
