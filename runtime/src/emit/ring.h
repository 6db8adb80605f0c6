/* ring.h — bounded single-producer/single-consumer byte ring of variable-length
 * records, and the per-thread registry of rings the worker drains.
 *
 * Each emitting thread owns one ring (producer); the runtime's worker thread is
 * the only consumer of all of them. The emit path (reserve/commit) takes no lock
 * and never allocates; the registry allocates only on a thread's first use.
 * Internal to the runtime: nothing here is part of the public API.
 *
 * @code
 *   // producer (emitting thread)
 *   beacon__ring *r = beacon__ring_for_thread(&reg, 1u << 20);
 *   void *p = r ? beacon__ring_reserve(r, n) : NULL;
 *   if (p) { memcpy(p, rec, n); beacon__ring_commit(r, n); } else { count_drop(); }
 *
 *   // consumer (worker)
 *   size_t len; const void *rec;
 *   while ((rec = beacon__ring_peek(r, &len)) != NULL) { handle(rec, len); beacon__ring_release(r);
 * }
 * @endcode
 */
#ifndef BEACON_RING_H
#define BEACON_RING_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "beacon/beacon_gen_inline.h"
#include "core/state.h"

#ifdef __cplusplus
extern "C" {
#endif

/* =========================================================================
 * Ring
 * ========================================================================= */

/* Smallest capacity a ring is given, in bytes. */
#define BEACON__RING_MIN_CAPACITY ((size_t)4096)
/* Records are laid out on this boundary; every record has a header this wide. */
#define BEACON__RING_ALIGN ((size_t)8)

/* Producer-side event counters kept in every ring: written only by the
 * producer (plain relaxed load + store, no read-modify-write), read by anyone
 * with beacon__ring_counter. */
enum {
    BEACON__RING_PUSHED = 0,     /* records committed */
    BEACON__RING_QUEUE_FULL = 1, /* dropped: no room */
    BEACON__RING_SAMPLED = 2,    /* dropped: sampled out */
    BEACON__RING_INVALID = 3,    /* dropped: failed validation */
    BEACON__RING_COUNTERS = 4
};

#define BEACON__RING_CACHE_LINE 64
/* Header value that means "nothing more before the end of the buffer". */
#define BEACON__RING_SKIP_MARKER UINT64_MAX

/* Private: the layout is here only so reserve and commit can be inlined into
 * the emit path; use the functions below. Positions are free-running byte
 * counters (never masked until used as an index), so "used = head - tail"
 * needs no wrap flag. The producer and consumer each own one cache line;
 * they meet only through the release/acquire pair on `head` (records
 * published) and `tail` (space given back). The producer line is
 * beacon_gen_ring, whose layout generated code shares (beacon_gen.h), so a
 * generated _emit can reserve and publish inline; `head` and `pushed` are
 * plain fields there, accessed with __atomic builtins. */
typedef struct beacon__ring {
    /* Producer line: head (written only by the producer), tail_cache (spares
     * the producer a load of the consumer's line until the ring looks
     * full), limit and wake_at (derived from head and tail_cache by
     * beacon__ring_bounds), buf, mask, max_record, pushed. */
    _Alignas(BEACON__RING_CACHE_LINE) beacon_gen_ring p;

    /* Consumer line. `tail` is written only by the consumer; cbuf and cmask
     * are the consumer's copies of p.buf and p.mask (immutable), so it never
     * reads the producer's line except for `head`. */
    _Alignas(BEACON__RING_CACHE_LINE) _Atomic size_t tail;
    size_t head_cache;
    size_t peek_size; /* bytes the peeked record occupies; 0 = none */
    size_t evicted;   /* lines below this position were given back (beacon__ring_evict) */
    unsigned char *cbuf;
    size_t cmask;

    /* Producer-private: drop counters (written on the drop paths only, read
     * by anyone) and the runtime's own reservation (beacon__ring_reserve). */
    _Alignas(BEACON__RING_CACHE_LINE) _Atomic uint64_t drops[BEACON__RING_COUNTERS];
    size_t res_start; /* position of the reserved record's header */
    size_t res_len;   /* reserved payload length */
    bool res_open;

    /* Read-mostly line. */
    _Alignas(BEACON__RING_CACHE_LINE) size_t cap;
    _Atomic bool orphaned;
    struct beacon__ring
        *next; /* registry list; written before publication, then only by the consumer */
} beacon__ring;

/* Create an empty ring of at least `capacity_bytes` bytes: rounded up to a power
 * of two, never below BEACON__RING_MIN_CAPACITY (0 gives the minimum).
 * Returns NULL when the allocation fails or the capacity cannot be represented.
 * Ownership: must be freed with beacon__ring_free (or by the registry when it
 * was obtained through beacon__ring_for_thread). Thread-safe. */
beacon__ring *beacon__ring_new(size_t capacity_bytes);

/* Free a ring made by beacon__ring_new. NULL is a no-op. Neither side may use
 * the ring concurrently or afterwards. Do not call on a registry's ring. */
void beacon__ring_free(beacon__ring *r);

/* Capacity in bytes (a power of two). Thread-safe (immutable). */
size_t beacon__ring_capacity(const beacon__ring *r);

/* Bytes a record with a `len`-byte payload occupies: header plus payload
 * rounded up to BEACON__RING_ALIGN. Thread-safe. */
static inline size_t beacon__ring_record_size(size_t len) {
    return sizeof(uint64_t) + ((len + BEACON__RING_ALIGN - 1) & ~(BEACON__RING_ALIGN - 1));
}

/* Largest payload reserve accepts: capacity/2 minus the record header, so a
 * record, its header and any end-of-buffer padding always fit an empty ring.
 * Thread-safe (immutable). */
static inline size_t beacon__ring_max_record(const beacon__ring *r) {
    return r->p.max_record;
}

/* Producer: recompute what generated code checks inline (beacon_gen.h)
 * from `head` and the cached consumer position: `limit`, where a record
 * starting at or after `head` may end at most (the end of head's lap of
 * the buffer, or the room last seen free, whichever is nearer), and
 * `wake_at`, past which the ring is more than half full. Call whenever
 * tail_cache changes or head may start a new lap. Producer thread only. */
static inline void beacon__ring_bounds(beacon__ring *r, size_t head) {
    size_t cap = r->p.mask + 1;
    size_t lap_end = (head & ~r->p.mask) + cap;
    size_t room_end = r->p.tail_cache + cap;
    r->p.limit = lap_end < room_end ? lap_end : room_end;
    r->p.wake_at = r->p.tail_cache + cap / 2;
}

/* Producer: contiguous, 8-byte aligned space for a `len`-byte record, or NULL
 * when the ring lacks room (the caller drops and counts) or len exceeds
 * beacon__ring_max_record. A record never wraps: when the space left before the
 * end of the buffer is too short, it is padded with a skip marker and the record
 * starts at the beginning. Nothing is visible to the consumer until
 * beacon__ring_commit; a reservation that is never committed is simply
 * forgotten by the next reserve. The pointer is borrowed; valid until the
 * commit. No lock, no allocation, no system call. Producer thread only.
 * Inline: it is the emit path. */
static inline void *beacon__ring_reserve(beacon__ring *r, size_t len) {
    if (len > r->p.max_record) return NULL;
    size_t head = __atomic_load_n(&r->p.head, __ATOMIC_RELAXED);
    size_t need = beacon__ring_record_size(len);
    size_t idx = head & r->p.mask;
    size_t cap = r->p.mask + 1;
    size_t to_end = cap - idx;
    /* A record that does not fit before the end costs the padding too. */
    size_t total = need <= to_end ? need : to_end + need;
    if (cap - (head - r->p.tail_cache) < total) {
        /* Acquire: the consumer's reads of the space it gave back are done. */
        r->p.tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        beacon__ring_bounds(r, head);
        if (cap - (head - r->p.tail_cache) < total) return NULL;
    }
    size_t start = head;
    if (need > to_end) {
        uint64_t skip = BEACON__RING_SKIP_MARKER;
        memcpy(r->p.buf + idx, &skip, sizeof skip);
        start = head + to_end;
    }
    r->res_start = start;
    r->res_len = len;
    r->res_open = true;
    return r->p.buf + (start & r->p.mask) + sizeof(uint64_t);
}

/* Producer: after publishing up to `head`, whether the ring now looks more
 * than half full, judged from the producer's cached view of the consumer's
 * position (refreshed only when that view says so: once per half ring at
 * most). Producer thread only. */
static inline bool beacon__ring_half_full(beacon__ring *r, size_t head) {
    size_t half = (r->p.mask + 1) / 2;
    if (head - r->p.tail_cache <= half) return false;
    r->p.tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
    beacon__ring_bounds(r, head);
    return head - r->p.tail_cache > half;
}

/* Producer: publish the record last reserved with `len` bytes written
 * (len <= the reserved length; a shorter record gives the slack back). A call
 * with no reservation outstanding, or with a larger len, is ignored.
 * Release store: the bytes written are visible to the consumer that sees the
 * record. Also counts the record (BEACON__RING_PUSHED). Returns true when the
 * ring now looks more than half full (beacon__ring_half_full), so the
 * caller can wake a sleeping consumer early. Producer thread only. Inline:
 * it is the emit path. */
static inline bool beacon__ring_commit(beacon__ring *r, size_t len) {
    if (!r->res_open || len > r->res_len) return false;
    uint64_t hdr = (uint64_t)len;
    memcpy(r->p.buf + (r->res_start & r->p.mask), &hdr, sizeof hdr);
    r->res_open = false;
    size_t head = r->res_start + beacon__ring_record_size(len);
    /* Counted before publication, so whoever sees the record sees the count. */
    __atomic_store_n(&r->p.pushed, __atomic_load_n(&r->p.pushed, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
    /* Release: header, payload and any skip marker before the new head. */
    __atomic_store_n(&r->p.head, head, __ATOMIC_RELEASE);
    beacon__ring_bounds(r, head); /* head may have started a new lap */
    return beacon__ring_half_full(r, head);
}

/* Consumer: the oldest committed record (its length in *len), or NULL when the
 * ring is empty (then *len is 0). Peeking again without a release returns the
 * same record. The pointer is borrowed; valid until beacon__ring_release.
 * Acquire load. `len` must not be NULL. Consumer thread only. */
const void *beacon__ring_peek(beacon__ring *r, size_t *len);

/* Consumer: read the producer's position once; beacon__ring_next then
 * returns the records published up to it and no later ones. Acquire load.
 * Consumer thread only. */
void beacon__ring_look(beacon__ring *r);

/* Consumer: beacon__ring_peek without a new look at the producer's
 * position: NULL once the records seen by the last beacon__ring_look (or
 * peek) are taken. A consumer that keeps looking while it drains follows
 * the producer record by record, reading each one's lines while the
 * producer is still writing next to them; each of those lines then has to
 * be taken back from the consumer's core (a cross-core round trip that
 * stalls the emitting thread). Taking a pass's records up to one look
 * leaves the producer alone until the next pass. Consumer thread only. */
const void *beacon__ring_next(beacon__ring *r, size_t *len);

/* Consumer: drop the record returned by the last peek or next, giving its space back
 * to the producer. A call without a successful peek is ignored.
 * Consumer thread only. */
void beacon__ring_release(beacon__ring *r);

/* Consumer: give the cache lines of released records back to memory
 * (CLFLUSHOPT, where the CPU has it; elsewhere this only advances the
 * position it has reached).
 * The producer writes each line again one lap later: a line the consumer
 * still holds must then be taken back from the consumer's core, which stalls
 * the emitting thread for a cross-core round trip (hundreds of ns between
 * cores that share no cache), while a line in memory arrives early through
 * the producer's prefetch (beacon_gen_prefetch) and the hardware's. Whole
 * lines below the released position only; a hint, never a change to the
 * data. Call after a run of releases. */
void beacon__ring_evict(beacon__ring *r);

/* True when no committed record is waiting. Exact on the consumer thread; a
 * snapshot elsewhere. */
bool beacon__ring_empty(beacon__ring *r);

/* Bytes currently committed and not yet released (records, headers and
 * padding). A snapshot; any thread. */
size_t beacon__ring_used_bytes(beacon__ring *r);

/* Producer: add 1 to counter `which` (BEACON__RING_QUEUE_FULL..INVALID;
 * PUSHED is counted by commit). Producer thread only. */
void beacon__ring_count(beacon__ring *r, int which);

/* Current value of counter `which`. A snapshot; any thread. */
uint64_t beacon__ring_counter(const beacon__ring *r, int which);

/* Capacity beacon__ring_new would give for `capacity_bytes` (0 when it cannot
 * be represented). Thread-safe. */
size_t beacon__ring_round_capacity(size_t capacity_bytes);

/* Consumer: the producer's publication position, to be compared later with
 * beacon__ring_consumed_to (flush: "everything committed before now"). */
size_t beacon__ring_head_position(beacon__ring *r);

/* Consumer: true once every record committed before `head_pos` was released. */
bool beacon__ring_consumed_to(beacon__ring *r, size_t head_pos);

/* True once the producer thread of a registry ring has exited. The consumer
 * drains the ring and beacon__ring_registry_reap frees it. Any thread. */
bool beacon__ring_is_orphaned(const beacon__ring *r);

/* =========================================================================
 * Per-thread registry
 * ========================================================================= */

/* beacon__ring_registry (one per process, in core/state.h): caller memory,
 * beacon__ring_registry_init / beacon__ring_registry_deinit. */

/* Prepare an empty registry. Returns false (registry unusable, deinit still
 * safe) when no pthread key is left. Not thread-safe with other calls on the
 * same registry. */
bool beacon__ring_registry_init(beacon__ring_registry *reg);

/* Free every ring and the thread key. Producer threads must have stopped using
 * the registry (they may still be alive: their later beacon__ring_for_thread
 * calls on a new registry start fresh rings), and no producer thread may be
 * exiting concurrently. NULL is a no-op. Safe after a failed init. */
void beacon__ring_registry_deinit(beacon__ring_registry *reg);

/* Producer: the calling thread's ring, created with `capacity_bytes` (see
 * beacon__ring_new) and registered on the thread's first call. Later calls
 * return the same ring from a thread-local cache without locking or
 * allocating. When the thread exits, the ring is marked orphaned; the consumer
 * drains it and reaps it. Returns NULL when the ring cannot be allocated or the
 * registry is not initialised (the caller drops and counts; a later call tries
 * again). Borrowed; valid until the thread exits or the registry is deinit.
 * Thread-safe (each thread gets its own ring). */
beacon__ring *beacon__ring_for_thread(beacon__ring_registry *reg, size_t capacity_bytes);

/* The calling thread's ring cache is its lane (beacon_gen.h, shared with
 * generated code): `lane.ring` is the thread's ring in registry
 * `lane.registry`; `lane.epoch` is the emit path's key for "this ring is
 * still right to use" (its configuration epoch) and is cleared whenever the
 * ring changes or the thread's exit orphans it. */
#define beacon__lane beacon_gen_lane_tls

/* Recompute the calling thread's lane.fast, which lets generated code emit
 * inline: its epoch (whatever the clock: generated code reads the TSC
 * itself or calls beacon_gen_now; spans and context need no runtime path
 * either: beacon_gen_begin/end call beacon_gen_context_ref and
 * beacon_gen_correlate for them). Call after the epoch changes. */
static inline void beacon__lane_sync(void) {
    beacon__lane.fast = beacon__lane.epoch;
}

/* Producer: the calling thread's cached ring when its tag equals `tag`
 * (nonzero), else NULL (then call beacon__ring_for_thread and
 * beacon__ring_cache_tag). One thread-local load and compare. */
static inline beacon__ring *beacon__ring_cached(uint64_t tag) {
    return beacon__lane.epoch == tag ? (beacon__ring *)beacon__lane.ring : NULL;
}

/* Producer: tag the calling thread's cached ring (the one the last
 * beacon__ring_for_thread or beacon__ring_renew_for_thread returned) with
 * `tag`; 0 clears it. */
static inline void beacon__ring_cache_tag(uint64_t tag) {
    beacon__lane.epoch = beacon__lane.ring ? tag : 0;
    beacon__lane_sync();
}

/* Producer: retire the calling thread's current ring (it is orphaned, so the
 * consumer drains and reaps it like the ring of an exited thread) and give
 * the thread a fresh ring of `capacity_bytes`. Used when the configured ring
 * size changed. Returns NULL, leaving the old ring in place, when the new
 * ring cannot be allocated. Thread-safe (each thread its own ring). */
beacon__ring *beacon__ring_renew_for_thread(beacon__ring_registry *reg, size_t capacity_bytes);

/* Consumer: call fn(ring, ctx) for every registered ring, newest first, orphans
 * included. Rings registered during the walk may or may not be visited. fn may
 * peek/release but must not free the ring. Returns how many rings were visited.
 * Consumer thread only. */
size_t beacon__ring_registry_foreach(beacon__ring_registry *reg,
                                     void (*fn)(beacon__ring *r, void *ctx), void *ctx);

/* Consumer: unlink and free every orphaned ring that is empty (an orphan that
 * still holds records is kept until drained). Returns how many were freed.
 * Consumer thread only. */
size_t beacon__ring_registry_reap(beacon__ring_registry *reg);

/* Like beacon__ring_registry_reap, calling fn(ring, ctx) on each ring just
 * before it is freed (to fold its counters elsewhere). fn may be NULL. */
size_t beacon__ring_registry_reap_with(beacon__ring_registry *reg,
                                       void (*fn)(beacon__ring *r, void *ctx), void *ctx);

/* Number of rings currently registered (orphans included). A snapshot; any
 * thread, but exact only on the consumer thread. */
size_t beacon__ring_registry_count(beacon__ring_registry *reg);

/* Call in the child after fork() (pthread_atfork child handler), where only the
 * forking thread survives: every other thread's ring is freed (their records
 * belong to the parent, which still delivers them), and the calling thread's
 * ring, if any, is kept but emptied. The registry and the calling thread's
 * cached ring stay valid. */
void beacon__ring_registry_after_fork_child(beacon__ring_registry *reg);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_RING_H */
