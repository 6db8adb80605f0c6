/* ledger.c — the pass ledger: atomic flag words and a reference count, so
 * that the worker and the transport thread can settle one pass's events in
 * any order and the totals are booked once, when the last one is known;
 * and beacon__sink_settle / beacon__sink_count, which asynchronous sinks
 * call with each outcome. */
#include "sinks/ledger.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "core/state.h"
#include "sinks/sink.h"

struct beacon__ledger {
    _Atomic size_t refs;
    size_t n;
    const beacon__ledger_hooks *hooks;
    _Atomic uint16_t flags[];
};

beacon__ledger *beacon__ledger_new(const uint16_t *flags, size_t n, size_t refs,
                                   const beacon__ledger_hooks *hooks) {
    beacon__ledger *l = malloc(sizeof *l + n * sizeof l->flags[0]);
    if (!l) return NULL;
    atomic_init(&l->refs, refs);
    l->n = n;
    l->hooks = hooks;
    for (size_t i = 0; i < n; i++) atomic_init(&l->flags[i], flags[i]);
    return l;
}

void beacon__ledger_mark(beacon__ledger *l, uint32_t idx, uint16_t flag) {
    if (idx < l->n) atomic_fetch_or_explicit(&l->flags[idx], flag, memory_order_relaxed);
}

void beacon__ledger_settle(beacon__ledger *l, uint32_t idx, int outcome) {
    beacon__ledger_mark(l, idx, l->hooks->flag_of(outcome));
}

void beacon__ledger_release(beacon__ledger *l, size_t k) {
    if (!k || atomic_fetch_sub_explicit(&l->refs, k, memory_order_acq_rel) != k) return;
    /* The flags are read in place: the last reference has no competitor. */
    uint16_t *f = (uint16_t *)l->flags;
    l->hooks->book(f, l->n);
    free(l);
}

void beacon__sink_settle(beacon__sink *sink, beacon__ticket ticket, int outcome) {
    if (!beacon__is_outcome(outcome)) outcome = BEACON__DROPPED_SINK_ERROR;
    if (sink->counters)
        atomic_fetch_add_explicit(&sink->counters[outcome], 1, memory_order_release);
    if (!ticket.ledger) return;
    beacon__ledger_settle(ticket.ledger, ticket.idx, outcome);
    beacon__ledger_release(ticket.ledger, 1);
}

static void count_both(beacon__sink *sink, int counter, uint64_t n) {
    if (sink->counters)
        atomic_fetch_add_explicit(&sink->counters[counter], n, memory_order_release);
    if (sink->totals) atomic_fetch_add_explicit(&sink->totals[counter], n, memory_order_release);
}

void beacon__sink_count(beacon__sink *sink, int counter, uint64_t n) {
    if (counter != BEACON__RETRIES && counter != BEACON__DROPPED_SPOOL_EVICT &&
        counter != BEACON__SPOOL_CORRUPT)
        return;
    if (n) count_both(sink, counter, n);
}

void beacon__sink_replayed(beacon__sink *sink, int outcome, uint64_t n) {
    if (outcome != BEACON__DELIVERED && outcome != BEACON__DROPPED_REJECTED &&
        outcome != BEACON__DROPPED_TOO_LARGE)
        return;
    if (!n) return;
    count_both(sink, outcome, n);
    count_both(sink, BEACON__REPLAYED, n);
}

void beacon__sink_spool_bytes(beacon__sink *sink, uint64_t bytes) {
    if (sink->counters)
        atomic_store_explicit(&sink->counters[BEACON__SPOOL_PENDING_BYTES], bytes,
                              memory_order_relaxed);
}
