/* beacon_gen_inline.h — the emit fast path of generated event code.
 *
 * Generated `<prefix>_events.c` files and the runtime include this header;
 * generated headers include it in C only, for the inline _emit that reads
 * an event's verdict in the caller (C++ sees only <beacon/beacon_gen.h>).
 * It holds what a generated _emit needs to write
 * its ring record itself: the record layout, the producer side of the
 * thread's ring, the thread's lane and the process-wide emit state, the
 * reserve/commit entry points and the inline helpers built on them. Their
 * layout and meaning are part of BEACON_GEN_ABI, and every symbol declared
 * here is named after it (see beacon_gen.h).
 *
 * Define BEACON_GEN_NO_INLINE before including it (or on the command line)
 * to build generated code on the runtime's out-of-line path only.
 */
#ifndef BEACON_BEACON_GEN_INLINE_H
#define BEACON_BEACON_GEN_INLINE_H

#include <beacon/beacon_gen.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The link names of this header's runtime symbols for this ABI version. */
#define beacon_gen_reserve     beacon_gen4_reserve
#define beacon_gen_commit      beacon_gen4_commit
#define beacon_gen_context_ref beacon_gen4_context_ref
#define beacon_gen_correlate   beacon_gen4_correlate
#define beacon_gen_sampled     beacon_gen4_sampled
#define beacon_gen_notify      beacon_gen4_notify
#define beacon_gen_refuse      beacon_gen4_refuse
#define beacon_gen_now         beacon_gen4_now
#define beacon_gen_lane_tls    beacon_gen4_lane_tls
#define beacon_gen_g           beacon_gen4_g

/* ---- Direct emit: generated code writes the ring record itself ----------
 *
 * For events whose layout the generator knows completely (scalars and
 * strings), the generated _emit validates inline, reserves the record with
 * beacon_gen_begin (or beacon_gen_reserve), copies its struct and strings
 * into it and publishes it with beacon_gen_end (or beacon_gen_commit): the
 * same record beacon_gen_emit would write, without walking the descriptor.
 * Record layout (shared with the runtime's decoder):
 *
 *   record start                      the runtime's head: size, flags, the
 *                                     caller's tick count, context reference
 *   + BEACON_GEN_RECORD_STRUCT_OFFSET a verbatim copy of the event struct
 *                                     (its header carries the correlation ids)
 *   + BEACON_GEN_ALIGN8(struct size)  each string, NUL-terminated, every one
 *                                     starting on an 8-byte boundary
 *
 * A string pointer inside the copy holds instead the string's byte offset
 * from the record start as a uintptr_t (0: NULL or absent). A string is kept
 * up to beacon_gen_kept_len(s, max_length) bytes, where max_length is
 * beacon_gen_scrub_cut(max_length) for `pii: scrub` fields (scrubbing must
 * see an identifier that straddles the cut whole). */

/* Offset of the event struct copy from the record start (a multiple of 8). */
#define BEACON_GEN_RECORD_STRUCT_OFFSET 24u

/* n rounded up to the record alignment (8). */
#define BEACON_GEN_ALIGN8(n) (((size_t)(n) + 7u) & ~(size_t)7u)

/* The producer side of a thread's event ring. Runtime-private: its layout
 * is here only so that generated code can reserve and publish a record
 * inline (beacon_gen_begin / beacon_gen_end); nothing else may touch it.
 * Positions are free-running byte counts; the buffer holds records of an
 * 8-byte length word followed by the record. */
typedef struct beacon_gen_ring {
    size_t head;        /* published position: release store, producer only */
    size_t limit;       /* a record may end at this position without a look at the
                           consumer and without crossing the end of the buffer */
    size_t wake_at;     /* past this position the ring is more than half full */
    unsigned char *buf; /* capacity bytes */
    size_t mask;        /* capacity - 1 (a power of two) */
    uint64_t pushed;    /* records published: relaxed store, producer only */
    size_t tail_cache;  /* runtime-private: the last view of the consumer's position */
    size_t max_record;  /* largest record kept in the ring (larger ones go to the heap) */
} beacon_gen_ring;

/* The calling thread's emit state. Runtime-private, like beacon_gen_ring. */
typedef struct beacon_gen_lane {
    uint64_t epoch; /* `ring` is fit for emit while this equals the open epoch */
    /* `epoch` while the inline path is open to the thread, else 0: it is
     * open when this equals the open epoch. */
    uint64_t fast;
    beacon_gen_ring *ring; /* the thread's ring, or NULL */
    void *ctx;             /* the thread's context slots; NULL: no context set */
    uint32_t span_depth;   /* open spans and pushed contexts */
    /* Nonzero while an emit on this thread is between its first look at
     * the ring and the publication of its record: an emit that finds it
     * set (from a signal handler that interrupted one) is dropped and
     * counted (dropped_reentrant) instead of writing the same ring. */
    uint32_t busy;
    unsigned long registry; /* runtime-private */
    uint64_t rng;           /* the thread's sampling generator (xorshift64); 0: unseeded */
    /* The thread's counters of refused events, indexed by verdict kind
     * minus BEACON_GEN_VERDICT_DISABLED (see beacon_gen_refused), written
     * by this thread only, one instruction per count; NULL until the
     * thread's first refused event (beacon_gen_refuse sets it). */
    uint64_t *tally;
} beacon_gen_lane;

/* Process-wide emit state read on every emit. Runtime-private. */
typedef struct beacon_gen_globals {
    uint64_t epoch; /* nonzero while emit is open; new at every opening */
    /* The configuration generation: a nonzero multiple of
     * BEACON_GEN_VERDICT_STEP, advanced by every change that can alter what
     * an emit does (init, shutdown, beacon_set_enabled, sample rates, the
     * set of sinks). An event's verdict word (beacon_event_state) is this
     * value plus the verdict's kind while it is current. */
    uint64_t config_gen;
    int32_t sleeping; /* the worker waits to be woken by the next commit */
    int32_t tsc;      /* ticks are the x86 time-stamp counter */
    unsigned char reserved_[40];
} beacon_gen_globals;

/* The inline fast path exists where the runtime's thread-local and atomic
 * builtins can be reached from generated C code and positions are 64-bit:
 * C (not C++) compiled by GCC or Clang for x86-64 (LP64), unless
 * BEACON_GEN_NO_INLINE is defined. Without it, generated code calls the
 * runtime's entry points only (the same records, statuses and counts) and
 * touches no thread-local variable. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__cplusplus) && defined(__x86_64__) &&   \
    defined(__LP64__) && !defined(BEACON_GEN_NO_INLINE)
#define BEACON_GEN_INLINE 1
#else
#define BEACON_GEN_INLINE 0
#endif

#if (defined(__GNUC__) || defined(__clang__)) && !defined(BEACON_GEN_NO_INLINE)
/* Thread-local storage model of the lane. Code linked into an executable
 * (position-dependent or -fPIE) reads it with initial-exec: one %fs-relative
 * load, which the linker turns into a constant offset when the runtime is
 * linked statically. Code built for a shared object (-fPIC without -fPIE,
 * the runtime itself included) uses the default model, which the linker
 * relaxes wherever it can and which a library loaded with dlopen can
 * always use (initial-exec there needs static TLS space the loader may not
 * have). ThreadSanitizer builds keep the default model. */
#if defined(__SANITIZE_THREAD__) || (defined(__PIC__) && !defined(__PIE__))
#define BEACON_GEN_TLS_MODEL
#else
#define BEACON_GEN_TLS_MODEL __attribute__((tls_model("initial-exec")))
#endif
/* The calling thread's lane, and the shared emit state (runtime-private). */
BEACON_API extern __thread beacon_gen_lane beacon_gen_lane_tls BEACON_GEN_TLS_MODEL;
BEACON_API extern beacon_gen_globals beacon_gen_g;
#endif

/* Caller memory (a local of the generated _emit) between reserve and commit.
 * Members are runtime-private except status. */
typedef struct beacon_gen_slot {
    /* The first three members have the layout of ABI 1's slot, so that
     * beacon_gen_reserve can refuse code of ABI 1 (its 24-byte slot) with
     * BEACON_ERR_ABI without writing past them. */
    void *ring;           /* the runtime's path: the calling thread's ring */
    size_t ring_bytes;    /* the runtime's path: bytes reserved in the ring */
    beacon_status status; /* why beacon_gen_begin/beacon_gen_reserve returned NULL */
    uint32_t correlated;  /* the runtime's path: ids below replace the event's */
    void *body;           /* the runtime's path: the record's start */
    beacon_trace_id trace_id;
    beacon_span_id span_id;
    beacon_span_id parent_span_id;
} beacon_gen_slot;

/* Caller memory (a local of the generated _emit) that beacon_gen_begin's
 * inline path hands to beacon_gen_end: the ring (NULL when the runtime's
 * path was taken) and the position to publish. Kept apart from the slot,
 * whose address the runtime's path takes, so it can live in registers. */
typedef struct beacon_gen_fast {
    beacon_gen_ring *ring;
    size_t next;
} beacon_gen_fast;

/* Everything beacon_gen_emit does except validating and encoding: the emit
 * gate, the ABI check, sampling, the thread's ring, room for a record of
 * `size` bytes (the whole record, head included; waiting or dropping on a
 * full ring as configured; the heap for records larger than the ring), the
 * correlation ids and context snapshot. Returns where the event struct copy
 * goes (record start + BEACON_GEN_RECORD_STRUCT_OFFSET; the `size` -
 * BEACON_GEN_RECORD_STRUCT_OFFSET bytes from there are the caller's to fill),
 * or NULL with slot->status set and the drop already counted. `ev` must be
 * valid (the caller checked it as beacon_gen_emit would); it is borrowed for
 * the call. For begin events *out (may be NULL) receives the lifecycle
 * handle (all-zero when NULL is returned). NULL slot returns NULL; NULL ev, or a
 * size below BEACON_GEN_RECORD_STRUCT_OFFSET + the struct size, sets
 * BEACON_ERR_INVALID_ARGUMENT. After a non-NULL return the caller must call
 * beacon_gen_commit with the same slot, on the same thread, before any other
 * emit (the record is invisible until then); the correlation ids are written
 * into the struct copy then, so copy the struct first. No lock, allocation
 * or system call after the thread's first emit, except where beacon_gen_emit
 * has them too (oversized records, blocking on a full ring, waking the
 * worker). Thread-safe (each thread reserves in its own ring). */
BEACON_API void *beacon_gen_reserve(const beacon_event_hdr *ev, size_t size, beacon_gen_slot *slot,
                                    beacon_lifecycle *out);

/* Publish the record reserved with beacon_gen_reserve to the worker (and
 * wake it when needed) and return BEACON_OK; a NULL slot or one holding no
 * reservation returns BEACON_ERR_INVALID_ARGUMENT. The thread that reserved
 * only. */
BEACON_API beacon_status beacon_gen_commit(beacon_gen_slot *slot);

/* A reference to the calling thread's current context snapshot for
 * `catalog`, for the record beacon_gen_begin is writing (the worker gives
 * it back), or NULL when the thread has no context field of that catalog
 * set (or catalog is NULL). Thread-safe (per-thread state). */
BEACON_API void *beacon_gen_context_ref(const struct beacon_catalog_desc *catalog);

/* Resolve the correlation ids of `copy`, the struct copy of a record being
 * written by the calling thread, against the thread's open spans and pushed
 * contexts, as beacon_gen_emit does (an explicit trace id, and an explicit
 * parent, win; else the innermost span's trace, with that span as parent). Called by
 * beacon_gen_end when a span is open. copy must not be NULL. Thread-safe
 * (per-thread state). */
BEACON_API void beacon_gen_correlate(beacon_event_hdr *copy);

/* Count one event sampled out on the ring of the calling thread (the
 * sampled-out counter beacon_stats reports). The thread that owns r only;
 * NULL is a no-op. */
BEACON_API void beacon_gen_sampled(beacon_gen_ring *r);

/* Count one event refused by its verdict (kind BEACON_GEN_VERDICT_DISABLED,
 * _SAMPLED or _FILTERED, see beacon_gen_refused) on the calling thread,
 * giving the thread its counters first when it has none (the one
 * allocation, on the thread's first refused event; should it fail, the
 * event is counted in a process-wide counter instead), and return the
 * emit's status (beacon_gen_refusal_status). Other kinds count nothing and
 * return BEACON_ERR_INVALID_ARGUMENT. Async-signal-safe once the thread has its
 * counters. Thread-safe. */
BEACON_API beacon_status beacon_gen_refuse(unsigned kind);

/* The runtime's tick count now, for a record stamped by generated code
 * when ticks are not the time-stamp counter (beacon_gen_ticks): its
 * monotonic clock. Async-signal-safe; thread-safe. */
BEACON_API uint64_t beacon_gen_now(void);

/* Called by beacon_gen_publish and beacon_gen_end after publishing when
 * the ring looked more than half full or the worker sleeps: looks at the
 * consumer's position and wakes the worker if needed. NULL is a no-op. The
 * thread that owns r only. */
BEACON_API void beacon_gen_notify(beacon_gen_ring *r);

/* ---- The verdict: what an emit of an event does under the current
 * configuration, decided when the configuration changes ------------------
 *
 * An event's verdict word (its state's opaque[2]) holds the configuration
 * generation it was decided for (beacon_gen_globals.config_gen) plus one of
 * the kinds below. While the word minus the generation is below
 * BEACON_GEN_VERDICT_STEP the verdict is current; otherwise (a new
 * configuration, a descriptor not seen since, a library just loaded) the
 * runtime's path decides it again and stores it. */
#define BEACON_GEN_VERDICT_KEEP   0u /* kept whole */
#define BEACON_GEN_VERDICT_SAMPLE 1u /* kept when the thread's draw is below opaque[1] */
/* Refused before the clock is read, counted on the calling thread: */
#define BEACON_GEN_VERDICT_DISABLED 2u /* switched off: dropped_filtered, BEACON_ERR_DISABLED */
#define BEACON_GEN_VERDICT_SAMPLED  3u /* sample rate 0: dropped_sampled, BEACON_ERR_SAMPLED_OUT */
/* Every sink's filter or level refuses it (never a begin event, whose
 * handle the events following it need): dropped_filtered, BEACON_OK (as
 * when the sinks refused it after the queue). */
#define BEACON_GEN_VERDICT_FILTERED 4u
/* Drawn like SAMPLE; one kept is then refused as FILTERED (runtime's path). */
#define BEACON_GEN_VERDICT_SAMPLE_FILTERED 5u
#define BEACON_GEN_VERDICT_STEP            8u

/* Adds 1 to *c, one of the calling thread's own counters, as a single
 * instruction where the inline path exists, so that a signal handler
 * counting on the same thread cannot lose either count; readers on other
 * threads load it atomically. */
#if BEACON_GEN_INLINE
static inline void beacon_gen_tally_add(uint64_t *c) {
#if defined(__SANITIZE_THREAD__)
    __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
#else
    __asm__("addq $1, %0" : "+m"(*c));
#endif
}
#endif

/* What an emit refused with verdict `kind` returns: BEACON_ERR_DISABLED
 * (switched off), BEACON_ERR_SAMPLED_OUT (sample rate 0), BEACON_OK (no
 * sink takes it: the event was accepted, and every sink's filter refuses
 * it, as they would have after the queue). */
static inline beacon_status beacon_gen_refusal_status(uint64_t kind) {
    /* A byte per refusing kind in one constant: a shift, no branch (the
     * refused path of an emit is measured in single ns). */
    const uint64_t by_kind = (uint64_t)BEACON_ERR_DISABLED | (uint64_t)BEACON_ERR_SAMPLED_OUT << 8 |
                             (uint64_t)BEACON_OK << 16;
    return (beacon_status)((by_kind >> (8u * ((kind - BEACON_GEN_VERDICT_DISABLED) & 3u))) & 0xffu);
}

/* The check a generated _emit makes first, before the clock is read: true
 * when the event's current verdict refuses it (switched off, sample rate 0,
 * no sink takes it), with the refusal counted on the calling thread and
 * *status set to what the emit returns (beacon_gen_refusal_status). False otherwise, having done
 * nothing: the emit goes on (a stale verdict is decided again by the runtime's path). `st` is the
 * event's state (its descriptor's `state`), not NULL. Where the inline path does not exist this is
 * always false and the runtime's path refuses the event itself. Async-signal-safe once the thread
 * has its counters; thread-safe. */
static inline bool beacon_gen_refused(const beacon_event_state *st, beacon_status *status) {
#if BEACON_GEN_INLINE
    uint64_t kind = __atomic_load_n(&st->opaque[2], __ATOMIC_RELAXED) -
                    __atomic_load_n(&beacon_gen_g.config_gen, __ATOMIC_RELAXED);
    if (kind - BEACON_GEN_VERDICT_DISABLED >
        BEACON_GEN_VERDICT_FILTERED - BEACON_GEN_VERDICT_DISABLED)
        return false;
    uint64_t *tally = beacon_gen_lane_tls.tally;
    if (__builtin_expect(tally != NULL, 1)) {
        beacon_gen_tally_add(&tally[kind - BEACON_GEN_VERDICT_DISABLED]);
        *status = beacon_gen_refusal_status(kind);
    } else {
        *status = beacon_gen_refuse((unsigned)kind);
    }
    return true;
#else
    (void)st;
    (void)status;
    return false;
#endif
}

#if BEACON_GEN_INLINE
/* Inline sampling for beacon_gen_begin, for an event whose current verdict
 * is BEACON_GEN_VERDICT_SAMPLE: when its threshold (opaque[1]) is current
 * too (opaque[0] == gen), a draw of the thread's xorshift generator keeps
 * the event when it is below the threshold (returns 1); otherwise the drop
 * is counted (beacon_gen_sampled) and 0 returned. Returns -1 when the
 * verdict or threshold is stale or another kind, or the generator
 * unseeded: the runtime's path decides. */
static inline int beacon_gen_sample_decide(beacon_gen_lane *lane, const beacon_event_state *st,
                                           uint64_t gen) {
    if (__atomic_load_n(&st->opaque[2], __ATOMIC_ACQUIRE) != gen + BEACON_GEN_VERDICT_SAMPLE ||
        __atomic_load_n(&st->opaque[0], __ATOMIC_ACQUIRE) != gen || lane->rng == 0)
        return -1;
    uint64_t thr = __atomic_load_n(&st->opaque[1], __ATOMIC_RELAXED);
    uint64_t x = lane->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    lane->rng = x;
    if (x < thr) return 1;
    beacon_gen_sampled(lane->ring);
    return 0;
}
#endif

/* The tick count for the record of an event emitted now, where the inline
 * path exists: the time-stamp counter when it is the runtime's clock, else
 * the runtime's clock (beacon_gen_now; a kernel whose clocksource is not
 * derived from the counter, for one). Elsewhere 0: the runtime's path stamps
 * the event itself. A generated _emit reads it after its verdict and before
 * its checks, so that the counter's latency overlaps them. Thread-safe. */
static inline uint64_t beacon_gen_ticks(void) {
#if BEACON_GEN_INLINE
    if (__builtin_expect(__atomic_load_n(&beacon_gen_g.tsc, __ATOMIC_RELAXED) != 0, 1))
        return (uint64_t)__builtin_ia32_rdtsc();
    return beacon_gen_now();
#else
    return 0;
#endif
}

#if BEACON_GEN_INLINE
/* Writes the head of a record of `size` bytes (8-aligned, head included)
 * at rec: the length word, the runtime's head (size, flags, ticks) and the
 * context reference ctx. (An event that carries its own time keeps it: the
 * worker reads the ticks only when the struct's time_ns is 0.) */
static inline void beacon_gen_put_head(unsigned char *rec, size_t size, uint64_t ticks, void *ctx) {
    uint64_t len = size;
    uint32_t head32[2] = {(uint32_t)size, 0};
    memcpy(rec, &len, sizeof len);
    memcpy(rec + 8, head32, sizeof head32);
    memcpy(rec + 16, &ticks, sizeof ticks);
    memcpy(rec + 24, &ctx, sizeof ctx);
}

/* Takes (on = 1) or releases (on = 0) the thread's emit guard (lane.busy;
 * see beacon_gen_lane) around an inline reservation. The signal fences keep
 * the compiler from moving ring accesses out of the guarded stretch. */
static inline void beacon_gen_guard(beacon_gen_lane *lane, uint32_t on) {
    if (!on) __atomic_signal_fence(__ATOMIC_SEQ_CST);
    lane->busy = on;
    if (on) __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* The test both inline paths start with: emit open for the lane with ticks
 * from the TSC (lane.fast), the event's state present, and a record of
 * `size` bytes (8-aligned) no larger than the ring keeps (max_record) that
 * fits before the end of the buffer and in the room last seen free
 * (ring.limit). Returns the lane's ring, with its head in *head and the
 * position after the record in *next; NULL otherwise (nothing done). */
static inline beacon_gen_ring *beacon_gen_room(const beacon_gen_lane *lane,
                                               const beacon_event_state *st, uint64_t epoch,
                                               size_t size, size_t *head, size_t *next) {
    if (__builtin_expect((lane->fast != epoch) | (epoch == 0) | (st == NULL), 0)) return NULL;
    beacon_gen_ring *r = lane->ring;
    *head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    *next = *head + sizeof(uint64_t) + size;
    if (__builtin_expect((*next > r->limit) | (size > r->max_record), 0)) return NULL;
    return r;
}

/* Asks for the ring's lines BEACON_GEN_PREFETCH_AHEAD bytes past `head`
 * (three of them, a typical record) to be brought in for writing, so that
 * the next emits find them in cache: the worker gives consumed lines back to
 * memory (beacon__ring_evict), and a store that has to fetch one stalls the
 * caller. A hint only: any position is safe to name. */
#define BEACON_GEN_PREFETCH_AHEAD 1024u
static inline void beacon_gen_prefetch(const beacon_gen_ring *r, size_t head) {
    for (size_t k = 0; k < 3; k++)
        __builtin_prefetch(r->buf + ((head + BEACON_GEN_PREFETCH_AHEAD + 64u * k) & r->mask), 1, 3);
}
#endif

/* The plain case of beacon_gen_begin, inline and without any call: emit
 * open, the thread's ring set up and ticks from the TSC (lane.fast), no
 * context set and no span open on the thread, the event kept whole
 * (its verdict word, opaque[2], is the current configuration generation:
 * BEACON_GEN_VERDICT_KEEP), and a record no
 * larger than the ring keeps (max_record) that fits before the end of the
 * buffer and in the room last seen free (ring.limit). Then it writes the
 * record head, with `ticks` from beacon_gen_ticks, and returns where the
 * struct copy goes; publish with beacon_gen_publish(fast). Otherwise it
 * returns NULL having done nothing (no count, no draw): call
 * beacon_gen_begin instead. `ev` must be valid (checked by the caller);
 * `fast` is caller memory that need not be initialised. Thread-safe (each
 * thread writes its own ring). */
static inline void *beacon_gen_claim(const beacon_event_hdr *ev, size_t size, uint64_t ticks,
                                     beacon_gen_fast *fast) {
#if BEACON_GEN_INLINE
    beacon_gen_lane *lane = &beacon_gen_lane_tls;
    const beacon_event_state *st = ev->desc->state;
    uint64_t epoch = __atomic_load_n(&beacon_gen_g.epoch, __ATOMIC_RELAXED);
    uint64_t gen = __atomic_load_n(&beacon_gen_g.config_gen, __ATOMIC_RELAXED);
    if (__builtin_expect((lane->ctx != NULL) | (lane->span_depth != 0) | (lane->busy != 0), 0))
        return NULL;
    beacon_gen_guard(lane, 1);
    size = BEACON_GEN_ALIGN8(size);
    size_t head, next;
    beacon_gen_ring *r = beacon_gen_room(lane, st, epoch, size, &head, &next);
    if (__builtin_expect(r == NULL, 0) ||
        __builtin_expect(__atomic_load_n(&st->opaque[2], __ATOMIC_ACQUIRE) != gen, 0)) {
        beacon_gen_guard(lane, 0);
        return NULL;
    }
    unsigned char *rec = r->buf + (head & r->mask);
    beacon_gen_prefetch(r, head);
    beacon_gen_put_head(rec, size, ticks, NULL);
    fast->ring = r;
    fast->next = next;
    return rec + sizeof(uint64_t) + BEACON_GEN_RECORD_STRUCT_OFFSET;
#else
    (void)ev;
    (void)size;
    (void)ticks;
    fast->ring = NULL;
    return NULL;
#endif
}

/* Publish the record of beacon_gen_claim (once) and return BEACON_OK,
 * waking the worker when needed (beacon_gen_notify). The thread that
 * claimed only; fast must hold a claim. */
static inline beacon_status beacon_gen_publish(const beacon_gen_fast *fast) {
#if BEACON_GEN_INLINE
    beacon_gen_ring *r = fast->ring;
    size_t next = fast->next;
    /* Counted before publication, so whoever sees the record sees the count. */
    __atomic_store_n(&r->pushed, __atomic_load_n(&r->pushed, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&r->head, next, __ATOMIC_RELEASE);
    if (__builtin_expect((next > r->wake_at) |
                             (__atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED) != 0),
                         0))
        beacon_gen_notify(r);
    beacon_gen_guard(&beacon_gen_lane_tls, 0);
    return BEACON_OK;
#else
    (void)fast;
    return BEACON_ERR_INVALID_ARGUMENT;
#endif
}

/* beacon_gen_reserve for events that are not `begin` events, with the
 * common case inline: emit open, the thread's ring set up and ticks from
 * the TSC (lane.fast), the event kept (whole, when the event state's
 * its verdict is a current BEACON_GEN_VERDICT_KEEP, or by the thread's own
 * draw against a current threshold: beacon_gen_sample_decide, which counts
 * a drop and makes this return NULL with BEACON_ERR_SAMPLED_OUT), the
 * record no larger than the ring keeps (max_record) and fitting before the
 * end of the buffer and in the room last seen free (ring.limit). Then it
 * writes the record head itself, with `ticks` from beacon_gen_ticks and the
 * thread's context reference (beacon_gen_context_ref, when the thread set
 * any), and returns the struct copy's place; otherwise it calls
 * beacon_gen_reserve. Same contract, ending with beacon_gen_end (given the
 * same fast and slot) instead of beacon_gen_commit; `fast` is caller memory
 * that need not be initialised. A generated _emit calls it when
 * beacon_gen_claim declined. */
static inline void *beacon_gen_begin(const beacon_event_hdr *ev, size_t size, uint64_t ticks,
                                     beacon_gen_fast *fast, beacon_gen_slot *slot) {
#if BEACON_GEN_INLINE
    beacon_gen_lane *lane = &beacon_gen_lane_tls;
    const beacon_event_state *st = ev->desc->state;
    uint64_t epoch = __atomic_load_n(&beacon_gen_g.epoch, __ATOMIC_RELAXED);
    uint64_t gen = __atomic_load_n(&beacon_gen_g.config_gen, __ATOMIC_RELAXED);
    size_t size8 = BEACON_GEN_ALIGN8(size), head, next;
    /* Only when the record fits (as last seen; the runtime's path looks
     * again) is the event sampled here, so none is drawn twice. An emit
     * interrupted on this thread leaves it to the runtime, which drops it. */
    beacon_gen_ring *r = NULL;
    if (__builtin_expect(lane->busy == 0, 1)) {
        beacon_gen_guard(lane, 1);
        r = beacon_gen_room(lane, st, epoch, size8, &head, &next);
        if (__builtin_expect(r == NULL, 0)) beacon_gen_guard(lane, 0);
    }
    if (__builtin_expect(r != NULL, 1)) {
        /* Kept whole (a current BEACON_GEN_VERDICT_KEEP), or sampled
         * here; -1 leaves it to the runtime. */
        int keep = __atomic_load_n(&st->opaque[2], __ATOMIC_ACQUIRE) == gen
                       ? 1
                       : beacon_gen_sample_decide(lane, st, gen);
        if (__builtin_expect(keep == 0, 0)) {
            beacon_gen_guard(lane, 0);
            fast->ring = NULL;
            slot->status = BEACON_ERR_SAMPLED_OUT;
            return NULL;
        }
        if (__builtin_expect(keep > 0, 1)) {
            unsigned char *rec = r->buf + (head & r->mask);
            beacon_gen_prefetch(r, head);
            /* The thread's context snapshot for this catalog, if it set any. */
            void *ctx = __builtin_expect(lane->ctx == NULL, 1)
                            ? NULL
                            : beacon_gen_context_ref(ev->desc->catalog);
            beacon_gen_put_head(rec, size8, ticks, ctx);
            fast->ring = r;
            fast->next = next;
            return rec + sizeof(uint64_t) + BEACON_GEN_RECORD_STRUCT_OFFSET;
        }
        beacon_gen_guard(lane, 0);
    }
#else
    (void)ticks;
#endif
    fast->ring = NULL;
    return beacon_gen_reserve(ev, size, slot, NULL);
}

/* Publish the record of beacon_gen_begin (once): inline when
 * beacon_gen_begin took its inline path (fast->ring set), else
 * beacon_gen_commit(slot). Returns BEACON_OK (see beacon_gen_commit). The
 * thread that reserved only. */
static inline beacon_status beacon_gen_end(const beacon_gen_fast *fast, beacon_gen_slot *slot) {
#if BEACON_GEN_INLINE
    beacon_gen_ring *r = fast->ring;
    if (__builtin_expect(r != NULL, 1)) {
        size_t next = fast->next;
        /* Inside a span (or a pushed remote context) the event joins it: its
         * ids in the struct copy are resolved against the thread's stack. */
        if (__builtin_expect(beacon_gen_lane_tls.span_depth != 0, 0)) {
            unsigned char *rec = r->buf + (__atomic_load_n(&r->head, __ATOMIC_RELAXED) & r->mask);
            beacon_gen_correlate((beacon_event_hdr *)(void *)(rec + sizeof(uint64_t) +
                                                              BEACON_GEN_RECORD_STRUCT_OFFSET));
        }
        /* Counted before publication, so whoever sees the record sees the count. */
        __atomic_store_n(&r->pushed, __atomic_load_n(&r->pushed, __ATOMIC_RELAXED) + 1,
                         __ATOMIC_RELAXED);
        __atomic_store_n(&r->head, next, __ATOMIC_RELEASE);
        if (__builtin_expect((next > r->wake_at) |
                                 (__atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED) != 0),
                             0))
            beacon_gen_notify(r);
        beacon_gen_guard(&beacon_gen_lane_tls, 0);
        return BEACON_OK;
    }
#else
    (void)fast;
#endif
    return beacon_gen_commit(slot);
}

/* Whether beacon_gen_kept_len scans a string in aligned 16-byte blocks
 * inline (1) or calls memchr/strlen (0). A block that holds a byte of the
 * string never crosses a page, so the scan cannot fault, but it reads the
 * bytes around the string inside its first and last block; memory checkers
 * would report those reads (Valgrind's memcheck accepts them with its
 * default --partial-loads-ok=yes). So builds with AddressSanitizer,
 * ThreadSanitizer or MemorySanitizer, and builds that define
 * BEACON_GEN_STRICT_READS, call memchr/strlen. */
#if BEACON_GEN_INLINE && defined(__SSE2__) && !defined(BEACON_GEN_STRICT_READS) &&                 \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) &&                             \
    !defined(__SANITIZE_HWADDRESS__)
#define BEACON_GEN_WIDE_SCAN 1
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer) || __has_feature(hwaddress_sanitizer)
#undef BEACON_GEN_WIDE_SCAN
#define BEACON_GEN_WIDE_SCAN 0
#endif
#endif
#else
#define BEACON_GEN_WIDE_SCAN 0
#endif

/* Bytes of s a record keeps: all of it when max_length is 0, else at most
 * max_length + 1, so the serializer still sees (and reports) the cut. s must
 * not be NULL. Looks at no byte past the first NUL or the cut, except, with
 * BEACON_GEN_WIDE_SCAN, the rest of the aligned 16-byte block holding it
 * (and the bytes before s in its first block). */
static inline size_t beacon_gen_kept_len(const char *s, uint32_t max_length) {
#if BEACON_GEN_WIDE_SCAN
    typedef char beacon_gen_v16_ __attribute__((vector_size(16), aligned(16), may_alias));
    const beacon_gen_v16_ zero = {0};
    /* Unbounded strings are scanned here for their first 64 bytes, then by strlen. */
    size_t lim = max_length != 0 ? (size_t)max_length + 1u : 64u;
    const char *block = (const char *)((uintptr_t)s & ~(uintptr_t)15);
    unsigned skip = (unsigned)((uintptr_t)s & 15u);
    unsigned nul = (unsigned)__builtin_ia32_pmovmskb128(
                       *(const beacon_gen_v16_ *)(const void *)block == zero) >>
                   skip;
    size_t n = 16u - skip;
    if (nul != 0) {
        n = (size_t)__builtin_ctz(nul);
    } else {
        for (;;) {
            if (n >= lim) {
                if (max_length != 0) return lim;
                /* Hidden from the compiler, which may know s's object is
                 * shorter than this scan and warn (-Wstringop-overread). */
                const char *rest = s + n;
                __asm__("" : "+r"(rest));
                return n + strlen(rest);
            }
            block += 16;
            nul = (unsigned)__builtin_ia32_pmovmskb128(
                *(const beacon_gen_v16_ *)(const void *)block == zero);
            if (nul != 0) {
                n += (size_t)__builtin_ctz(nul);
                break;
            }
            n += 16u;
        }
    }
    return max_length != 0 && n > lim ? lim : n;
#else
    if (max_length == 0) return strlen(s);
    const char *nul = (const char *)memchr(s, '\0', (size_t)max_length + 1u);
    return nul ? (size_t)(nul - s) : (size_t)max_length + 1u;
#endif
}

/* Bytes a `pii: scrub` string keeps past its max_length in the record, so
 * that the scrubber sees whole any identifier (an email address is at most
 * 254 bytes) that starts before the cut. */
#define BEACON_GEN_SCRUB_MARGIN 256u

/* The bound a `pii: scrub` string with this max_length is cut to before it
 * is copied (pass it to beacon_gen_kept_len): max_length +
 * BEACON_GEN_SCRUB_MARGIN, or 0 (no cut) for 0 or a bound too large to
 * widen. Thread-safe. */
static inline uint32_t beacon_gen_scrub_cut(uint32_t max_length) {
    if (max_length == 0 || max_length > UINT32_MAX - BEACON_GEN_SCRUB_MARGIN - 1u) return 0;
    return max_length + BEACON_GEN_SCRUB_MARGIN;
}

/* Append s (len bytes and a NUL) to the record `rec` at byte `pos` and store
 * its offset from rec in `slot`, the string's pointer member inside the
 * struct copy (0 and nothing appended when s is NULL). Returns the next
 * 8-aligned position. */
static inline size_t beacon_gen_put_string(char *rec, size_t pos, void *slot, const char *s,
                                           size_t len) {
    uintptr_t off = 0;
    if (s != NULL) {
        char *d = rec + pos;
        /* Short strings, the usual case, with two overlapping fixed-size
         * copies (no call); never a byte outside s[0..len). */
        if (len >= 16 && len <= 32) {
            memcpy(d, s, 16);
            memcpy(d + len - 16, s + len - 16, 16);
        } else if (len >= 8 && len < 16) {
            memcpy(d, s, 8);
            memcpy(d + len - 8, s + len - 8, 8);
        } else {
            memcpy(d, s, len);
        }
        d[len] = '\0';
        off = (uintptr_t)pos;
        pos = BEACON_GEN_ALIGN8(pos + len + 1u);
    }
    memcpy(slot, &off, sizeof off);
    return pos;
}

#ifdef __cplusplus
}
#endif

#endif /* BEACON_BEACON_GEN_INLINE_H */
