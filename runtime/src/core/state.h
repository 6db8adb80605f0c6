/* state.h — process-wide runtime state shared by the caller side (emit/),
 * the configuration and the worker (worker/) (internal). Every global shared
 * between files is defined in core/state.c.
 *
 * Everything the emit path touches is a global that lives for the whole
 * process, so an emit racing beacon_shutdown() never dereferences freed
 * memory: the gate, the ring registry, the configured ring size and blocking
 * bound, the worker's wake flags and the caller-side drop counters.
 */
#ifndef BEACON_SRC_CORE_STATE_H
#define BEACON_SRC_CORE_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon.h"
#include "beacon/beacon_gen_inline.h"

/* Every emitting thread's ring (emit/ring.h) in one lock-free list. Part of
 * the process state, so its shape lives here; its fields are private to
 * emit/ring.c. */
typedef struct beacon__ring beacon__ring;
typedef struct beacon__ring_registry {
    _Atomic(beacon__ring *) head; /* lock-free push list; consumer unlinks */
    pthread_key_t key;            /* owning ring of each thread; destructor orphans it */
    unsigned long id;             /* distinguishes registries in the thread cache */
    bool key_ok;
} beacon__ring_registry;

/* Where an emitted event ended; the order matches beacon_counters (index 0 is
 * `emitted`). */
typedef enum beacon__outcome {
    BEACON__DELIVERED = 1,
    BEACON__DROPPED_QUEUE_FULL = 2,
    BEACON__DROPPED_SAMPLED = 3,
    BEACON__DROPPED_FILTERED = 4,
    BEACON__DROPPED_INVALID = 5,
    BEACON__DROPPED_SHUTDOWN = 6,
    BEACON__DROPPED_SINK_ERROR = 7,
    BEACON__DROPPED_REENTRANT = 8,
    BEACON__DROPPED_REJECTED = 9,
    BEACON__DROPPED_SEND_FAILED = 10,
    BEACON__DROPPED_TOO_LARGE = 11,
    BEACON__DROPPED_BUFFER_FULL = 12,
    BEACON__SPOOLED = 14 /* kept in an HTTP sink's disk spool for a later replay */
} beacon__outcome;

/* Not outcomes (per sink and in total): requests HTTP sinks sent again;
 * events a spool replay settled (each also counted delivered or
 * dropped_rejected / dropped_too_large); spooled events the size bound
 * evicted; damaged spool records skipped; and a gauge, the bytes in the
 * sink's spool directory. */
#define BEACON__RETRIES             13
#define BEACON__REPLAYED            15
#define BEACON__DROPPED_SPOOL_EVICT 16
#define BEACON__SPOOL_CORRUPT       17
#define BEACON__SPOOL_PENDING_BYTES 18
#define BEACON__COUNTERS            19

/* Whether counter index i is an event outcome (beacon__outcome). */
static inline bool beacon__is_outcome(int i) {
    return (i >= BEACON__DELIVERED && i <= BEACON__DROPPED_BUFFER_FULL) || i == BEACON__SPOOLED;
}

typedef enum beacon__state {
    BEACON__STATE_NEW = 0, /* never initialised */
    BEACON__STATE_RUNNING = 1,
    BEACON__STATE_SHUT_DOWN = 2
} beacon__state;

/* What emit does, in one relaxed load. */
typedef enum beacon__gate {
    BEACON__GATE_OPEN = 0,
    BEACON__GATE_NEW = 1,      /* never initialised: counted no-op */
    BEACON__GATE_SHUT = 2,     /* shut down: counted no-op */
    BEACON__GATE_DISABLED = 3, /* running but switched off: dropped_filtered */
} beacon__gate;

typedef struct beacon__globals {
    _Atomic int gate; /* beacon__gate */
    /* The open epoch is beacon_gen_g.epoch (beacon_gen.h, read by generated
     * code too): nonzero exactly while the gate is open, and a new value
     * each time it opens (so after every init, and after a change of
     * ring_bytes): a thread's ring tagged with the current value is fit for
     * emit as is. */
    _Atomic int state;           /* beacon__state */
    _Atomic size_t ring_bytes;   /* rounded capacity for new rings */
    _Atomic int block_ms;        /* wait bound on a full ring; 0: drop */
    beacon__ring_registry rings; /* every emitting thread's ring; lives forever */
    /* Caller-side drops that have no ring to be counted in (indexes are
     * beacon__outcome; not running, disabled, ring allocation failure). */
    _Atomic uint64_t caller_drops[BEACON__COUNTERS];
    /* Worker wake-up. beacon_gen_g.sleeping is set by an idle worker before
     * it waits; `kick` makes sure only one producer pays for the signal. */
    _Alignas(64) _Atomic int kick;
    /* Signals the worker (installed by worker/ at its one-time setup; NULL: no
     * worker to wake). Called by beacon__worker_wake only. */
    void (*_Atomic wake)(void);
    /* Events too large for their ring wait on the heap: bytes they hold, and
     * the limit beyond which such events are dropped as queue full
     * (emit/record.h). */
    _Atomic size_t heap_bytes;
    _Atomic size_t heap_budget;
    /* Set once the process exits without beacon_shutdown() (worker/exit.c):
     * sinks that run user code (callback sinks) are no longer called, since
     * what the callbacks use may already be destroyed. */
    _Atomic bool exiting;
} beacon__globals;

extern beacon__globals beacon__g;

/* Current lifecycle state (lock-free read). */
beacon__state beacon__get_state(void);

/* Counts one caller-side drop in the process-wide atomics. */
void beacon__count_caller_drop(beacon__outcome o);

/* Wakes the worker through beacon__g.wake (which also starts it in a forked
 * child). Cheap when another producer already did. Thread-safe. */
void beacon__worker_wake(void);

/* True on the runtime's worker thread (set when it starts): events a
 * callback sink emits there never wait for room (block_ms), since only that
 * thread could make it. */
extern _Thread_local bool beacon__on_worker;

/* Sampling threshold of d for the current configuration: slow path taken
 * when d's cached generation is stale; stores the result in d->state
 * (opaque[0] and opaque[1]).
 * Returns the threshold (keep when rand64 < threshold; UINT64_MAX keeps all). */
uint64_t beacon__sample_refresh(const beacon_event_desc *d);

/* Starts a new configuration generation (beacon_gen_g.config_gen), so that
 * every event's verdict (core/verdict.h) is decided again at its next emit.
 * Call after the change is in place (gate, sampling rules, sinks): a verdict
 * decided for the new generation must see it. Thread-safe. */
void beacon__config_changed(void);

#endif /* BEACON_SRC_CORE_STATE_H */
