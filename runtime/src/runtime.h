/* runtime.h — the running runtime's state and its accounting (internal).
 *
 * runtime.c owns the lifecycle (options, init, shutdown, stats); emit.c's
 * beacon__deliver hands serialized events to the sinks under the runtime
 * lock. Every emitted event is booked exactly once per sink and once in the
 * process-wide totals through the functions below.
 */
#ifndef BEACON_SRC_RUNTIME_H
#define BEACON_SRC_RUNTIME_H

#include <stddef.h>

#include "beacon/beacon.h"
#include "serialize.h"
#include "sink.h"

/* Where an emitted event ended; the order matches beacon_counters. */
typedef enum beacon__outcome {
    BEACON__DELIVERED = 1,
    BEACON__DROPPED_QUEUE_FULL = 2,
    BEACON__DROPPED_SAMPLED = 3,
    BEACON__DROPPED_FILTERED = 4,
    BEACON__DROPPED_INVALID = 5,
    BEACON__DROPPED_SHUTDOWN = 6,
    BEACON__DROPPED_SINK_ERROR = 7
} beacon__outcome;

typedef enum beacon__state {
    BEACON__STATE_NEW = 0, /* never initialised */
    BEACON__STATE_RUNNING = 1,
    BEACON__STATE_SHUT_DOWN = 2
} beacon__state;

typedef struct beacon__sink_slot {
    beacon__sink *sink;
    char *spec;
    beacon_counters counters; /* guarded by the runtime lock */
} beacon__sink_slot;

typedef struct beacon__runtime {
    beacon__sink_slot *slots;
    size_t slot_count;
    char *service_name;
    char *service_version;
} beacon__runtime;

/* Current lifecycle state (lock-free read). */
beacon__state beacon__get_state(void);

/* True when running and enabled (lock-free read). */
bool beacon__accepting(void);

/* Takes the runtime lock; returns the runtime, or NULL when not running (the
 * lock is held either way). */
beacon__runtime *beacon__runtime_lock(void);
void beacon__runtime_unlock(void);

/* Adds 1 to a counter of c. */
void beacon__counters_bump(beacon_counters *c, beacon__outcome o);

/* Books one event in the process-wide totals: emitted + outcome. */
void beacon__total_book(beacon__outcome o);

/* Books an event that never reached the sinks: per sink (when running) and
 * in the totals. Takes the runtime lock. */
void beacon__account_drop(beacon__outcome o);

/* Hands one accepted event to every sink (synchronously for now; a pipeline
 * will replace this function without touching emit or the sinks). */
beacon_status beacon__deliver(const beacon_event_hdr *ev, const beacon__envelope *env);

#endif /* BEACON_SRC_RUNTIME_H */
