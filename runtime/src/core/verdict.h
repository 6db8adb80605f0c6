/* verdict.h — what an emit of each event does under the current
 * configuration (internal): kept, sampled, or refused before the clock is
 * read, and why. Decided once per event and configuration generation on
 * the emit's slow path and kept in the event's state (its verdict word,
 * beacon_gen_inline.h), where generated code and emit/ read it with one
 * load. The gate and sampling are core's own; the sinks' filters reach it
 * through the entry the worker installs (beacon__verdict_set_filter).
 */
#ifndef BEACON_SRC_CORE_VERDICT_H
#define BEACON_SRC_CORE_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "beacon/beacon_gen_inline.h"

/* Returned by beacon__verdict_decide when no verdict is kept: emit is not
 * open (before init, after shutdown) or the event has no state. */
#define BEACON__VERDICT_NONE UINT64_MAX

/* Whether every sink refuses events of d by its filter or level. Called by
 * beacon__verdict_decide with the verdict lock held; must not call back
 * into beacon. */
typedef bool (*beacon__refuse_fn)(const void *ctx, const beacon_event_desc *d);

/* Installs (fn non-NULL) or removes (fn NULL) the sinks' filter, then
 * starts a new configuration generation. Once this returns, no decision
 * uses the previous fn and ctx any more, so the caller may free what ctx
 * points to. Thread-safe. */
void beacon__verdict_set_filter(beacon__refuse_fn fn, const void *ctx);

/* The kind (BEACON_GEN_VERDICT_*) of d's current verdict, deciding it and
 * storing it in d's state when it is stale; BEACON__VERDICT_NONE when emit
 * is not open or d has no state (nothing stored). Also refreshes d's
 * sampling threshold (beacon__sample_refresh). d must be of this ABI (the
 * caller checked). Takes a lock: the emit's slow path only. Thread-safe. */
uint64_t beacon__verdict_decide(const beacon_event_desc *d);

/* The kind of d's verdict when it is current, else BEACON_GEN_VERDICT_STEP
 * (stale or undecided). One load of d's state and one of the generation;
 * d->state must not be NULL. Thread-safe. */
static inline uint64_t beacon__verdict_current(const beacon_event_desc *d) {
    uint64_t kind = __atomic_load_n(&d->state->opaque[2], __ATOMIC_ACQUIRE) -
                    __atomic_load_n(&beacon_gen_g.config_gen, __ATOMIC_RELAXED);
    return kind < BEACON_GEN_VERDICT_STEP ? kind : BEACON_GEN_VERDICT_STEP;
}

/* Fork hooks: the verdict lock is held across fork(). */
void beacon__verdict_atfork_prepare(void);
void beacon__verdict_atfork_parent(void);
void beacon__verdict_atfork_child(void);

#endif /* BEACON_SRC_CORE_VERDICT_H */
