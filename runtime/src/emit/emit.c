/* emit.c — beacon_gen_emit, the caller side of the pipeline: the emit gate,
 * per-event sampling, catalog validation, then a self-contained record in the
 * calling thread's ring (record.c) stamped with ticks, correlation ids and a
 * context snapshot reference. After the thread's first emit this path takes
 * no lock, allocates nothing and makes no system call (except waking an idle
 * worker, or waiting when the user asked emit to block on a full ring).
 * The worker (worker/pipeline.c) does everything else.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "beacon/beacon_trace.h"
#include "core/clock.h"
#include "emit/context.h"
#include "core/diag.h"
#include "core/ids.h"
#include "emit/record.h"
#include "emit/ring.h"
#include "core/state.h"
#include "core/field.h"
#include "core/verdict.h"
#include "emit/span.h"
#include "emit/tally.h"

/* ---- validation ------------------------------------------------------- */

static bool validate(const beacon_event_hdr *ev, beacon__field_verdict *v) {
    const beacon_event_desc *d = ev->desc;
    for (uint32_t i = 0; i < d->field_count; i++) {
        if (!beacon__field_ok(ev, &d->fields[i], v)) return false;
    }
    return true;
}

/* A follow event needs the trace its begin returned; an all-zero one is
 * what a failed begin leaves, and joining it to nothing would lose the
 * link silently. */
static inline bool follow_without_trace(const beacon_event_hdr *ev) {
    return ev->desc->correlation == BEACON_CORR_FOLLOW &&
           beacon__id_is_zero(ev->trace_id.bytes, sizeof ev->trace_id.bytes);
}

static void report_no_trace(const beacon_event_desc *d) {
    beacon__diag(BEACON_ERR_INVALID_EVENT,
                 "%s: follow event with an all-zero correlation id (did its begin fail?)", d->name);
}

static void report(const beacon_event_desc *d, const beacon__field_verdict *v) {
    char text[256];
    beacon__diag(BEACON_ERR_INVALID_EVENT, "%s: %s", d->name,
                 beacon__field_verdict_text(v, text, sizeof text));
}

/* ---- emit ------------------------------------------------------------- */

/* Paths an emit rarely takes stay out of line, so the common path keeps
 * its registers and its instruction cache lines to itself. */
#if defined(__GNUC__)
#define EMIT_RARE static __attribute__((cold, noinline))
#else
#define EMIT_RARE static
#endif

/* Correlation, resolved on the caller because it depends on the thread
 * (W3C semantics): an explicit trace in the header wins (follow events,
 * which also carry their begin's span as parent; span events); a begin
 * event gets its own span id and continues the current context (innermost
 * open span or pushed context, which becomes its parent) or, outside any,
 * starts a new trace; anything else joins the current context, which
 * becomes its parent. Reads ev's ids, writes out's (out may be the record's
 * copy of ev's header). Returns the W3C trace-flags of out's trace: the
 * current context's when out joined it, else sampled. */
static uint8_t correlate(const beacon_event_hdr *ev, beacon_event_hdr *out) {
    beacon_trace_id span_trace;
    beacon_span_id span_id;
    uint8_t flags = BEACON_TRACE_FLAG_SAMPLED, span_flags;
    bool in_span = beacon__span_current(&span_trace, &span_id, &span_flags);

    out->trace_id = ev->trace_id;
    out->span_id = ev->span_id;
    out->parent_span_id = ev->parent_span_id;
    if (ev->desc->correlation == BEACON_CORR_BEGIN &&
        beacon__id_is_zero(out->span_id.bytes, sizeof out->span_id.bytes))
        beacon__rand_id(out->span_id.bytes, sizeof out->span_id.bytes);
    if (beacon__id_is_zero(out->trace_id.bytes, sizeof out->trace_id.bytes)) {
        if (!in_span) {
            if (ev->desc->correlation == BEACON_CORR_BEGIN)
                beacon__rand_id(out->trace_id.bytes, sizeof out->trace_id.bytes);
            return flags;
        }
        out->trace_id = span_trace;
    }
    if (in_span && memcmp(&out->trace_id, &span_trace, sizeof span_trace) == 0) {
        flags = span_flags;
        if (beacon__id_is_zero(out->parent_span_id.bytes, sizeof out->parent_span_id.bytes) &&
            memcmp(&out->span_id, &span_id, sizeof span_id) != 0)
            out->parent_span_id = span_id;
    }
    return flags;
}

/* The handle a begin event's emit returns, from its resolved ids. */
static void lifecycle_of(const beacon_event_hdr *ids, uint8_t flags, beacon_lifecycle *out) {
    out->trace_id = ids->trace_id;
    out->span_id = ids->span_id;
    out->flags = flags;
}

/* True when the record's ids may differ from the event's own: a span is
 * open on this thread, or the event starts a trace. */
static inline bool needs_correlation(const beacon_event_desc *d) {
    return beacon__span_depth != 0 || d->correlation == BEACON_CORR_BEGIN;
}

/* Queue-full reports are rate-limited before they reach diag's lock, so a
 * flood of drops costs one relaxed load each. */
static _Atomic uint64_t g_next_full_report;

EMIT_RARE void report_full(const beacon_event_desc *d, const char *why) {
    uint64_t now = beacon__clock_now_ticks();
    uint64_t next = atomic_load_explicit(&g_next_full_report, memory_order_relaxed);
    if (now < next) return;
    uint64_t step = (uint64_t)(beacon__clock_ticks_per_second() / 10);
    if (!atomic_compare_exchange_strong(&g_next_full_report, &next, now + step)) return;
    beacon__diag(BEACON_ERR_QUEUE_FULL, "%s: %s", d->name, why);
}

/* Opt-in wait for room, up to block_ms: the worker is woken first, the
 * caller spins briefly, then sleeps in 50 us steps until a quarter of the
 * ring is free (or room for this record, when it is larger) or the
 * deadline, and tries again. The hysteresis matters: a caller that took
 * each record's worth of room as it appeared would burn its core in
 * wake-ups and ping-pong the ring's cache lines with the worker (on
 * machines whose vCPUs share a core, slowing the worker by a quarter). */
EMIT_RARE void *reserve_blocking(beacon__ring *r, size_t size, int block_ms) {
    beacon__worker_wake();
    int64_t deadline = beacon__clock_monotonic_ns() + (int64_t)block_ms * 1000000;
    size_t cap = beacon__ring_capacity(r), need = beacon__ring_record_size(size);
    size_t resume_at = cap / 4 * 3; /* bytes in use */
    if (need <= cap && cap - need < resume_at) resume_at = cap - need;
    unsigned naps = 0;
    for (unsigned i = 0;; i++) {
        void *rec = beacon__ring_reserve(r, size);
        if (rec) return rec;
        if (i < 16) continue;
        if (beacon__clock_monotonic_ns() >= deadline) return NULL;
        for (;;) {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
            if (++naps % 64 == 0) beacon__worker_wake();
            if (beacon__ring_used_bytes(r) <= resume_at || beacon__clock_monotonic_ns() >= deadline)
                break;
        }
    }
}

/* Set once the first emit before beacon_init() was reported. */
static atomic_bool g_said_not_initialized;

EMIT_RARE beacon_status closed_gate(const beacon_event_desc *d, int gate) {
    if (gate == BEACON__GATE_DISABLED) {
        beacon__count_caller_drop(BEACON__DROPPED_FILTERED);
        return BEACON_ERR_DISABLED;
    }
    beacon__count_caller_drop(BEACON__DROPPED_SHUTDOWN);
    if (gate != BEACON__GATE_NEW) return BEACON_ERR_SHUT_DOWN;
    /* Said once per process: a program that forgot beacon_init() would
     * otherwise lose every event without a word. After shutdown (exit
     * paths, atexit ordering) dropping is expected and stays quiet. */
    if (!atomic_exchange(&g_said_not_initialized, true)) {
        beacon__warn(BEACON_ERR_NOT_INITIALIZED,
                     "%s: emitted before beacon_init(); events are dropped until it is called",
                     d->name);
    }
    return BEACON_ERR_NOT_INITIALIZED;
}

/* The steps below are inlined into both entry points (beacon_gen_emit and
 * beacon_gen_reserve): on the direct path a call per step costs about as
 * much as the step itself. */
#if defined(__GNUC__)
#define EMIT_STEP           static inline __attribute__((always_inline))
#define BEACON__LIKELY(x)   __builtin_expect(!!(x), 1)
#define BEACON__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define EMIT_STEP           static inline
#define BEACON__LIKELY(x)   (x)
#define BEACON__UNLIKELY(x) (x)
#endif

/* The thread's ring when the fast check fails: the gate is not open, the
 * thread has no ring yet, or the runtime was (re)initialised since the ring
 * was tagged (the configured size may differ). Returns the ring, tagged with
 * `epoch`, or NULL with *st set and the drop counted. Not inlined: it runs
 * once per thread per init. */
EMIT_RARE beacon__ring *ring_slow(const beacon_event_desc *d, beacon_status *st) {
    /* The gate opens after its epoch is stored and closes before the epoch
     * is cleared, so an open gate with no epoch is a close in progress:
     * read both again until they agree (the gate closed, or reopened with
     * a new epoch), so a quick close and reopen is never taken for a
     * shutdown. */
    int gate;
    uint64_t epoch;
    do {
        gate = atomic_load_explicit(&beacon__g.gate, memory_order_acquire);
        epoch = __atomic_load_n(&beacon_gen_g.epoch, __ATOMIC_ACQUIRE);
    } while (gate == BEACON__GATE_OPEN && epoch == 0);
    if (gate != BEACON__GATE_OPEN) {
        *st = closed_gate(d, gate);
        return NULL;
    }
    size_t want = atomic_load_explicit(&beacon__g.ring_bytes, memory_order_relaxed);
    beacon__ring *r = beacon__ring_for_thread(&beacon__g.rings, want);
    if (r && beacon__ring_capacity(r) != want) {
        beacon__ring *fresh = beacon__ring_renew_for_thread(&beacon__g.rings, want);
        if (fresh) r = fresh;
    }
    if (!r) {
        beacon__count_caller_drop(BEACON__DROPPED_QUEUE_FULL);
        beacon__diag(BEACON_ERR_NO_MEMORY, "%s: no memory for this thread's queue", d->name);
        *st = BEACON_ERR_QUEUE_FULL;
        return NULL;
    }
    beacon__ring_cache_tag(epoch);
    return r;
}

/* Sampling threshold of d when its cached one is stale or d has no state:
 * first the ABI check (a descriptor from another ABI is never cached, so it
 * is rejected on every emit), then beacon__sample_refresh, which caches.
 * Returns false with *st set and the drop counted. */
EMIT_RARE bool threshold_slow(const beacon_event_desc *d, beacon__ring *r, uint64_t *thr,
                              beacon_status *st) {
    if (d->catalog && d->catalog->abi != BEACON_GEN_ABI) {
        beacon__ring_count(r, BEACON__RING_INVALID);
        beacon__diag(BEACON_ERR_ABI, "%s: generated for beacon ABI %u, runtime has %u", d->name,
                     (unsigned)d->catalog->abi, (unsigned)BEACON_GEN_ABI);
        *st = BEACON_ERR_ABI;
        return false;
    }
    *thr = beacon__sample_refresh(d);
    return true;
}

/* d's verdict when it is stale or d has no state: decided again, except
 * for a descriptor of another ABI (never decided, so it is rejected on every
 * emit by threshold_slow) and while emit is not open. Returns its kind, or
 * BEACON_GEN_VERDICT_STEP when there is none: the emit goes on the way it
 * would without verdicts (the gate, then sampling). */
EMIT_RARE uint64_t verdict_slow(const beacon_event_desc *d) {
    if (d->catalog && d->catalog->abi != BEACON_GEN_ABI) return BEACON_GEN_VERDICT_STEP;
    uint64_t kind = beacon__verdict_decide(d);
    return kind == BEACON__VERDICT_NONE ? BEACON_GEN_VERDICT_STEP : kind;
}

/* True for the kinds that refuse an event before anything else is done. */
static inline bool kind_refuses(uint64_t kind) {
    return kind - BEACON_GEN_VERDICT_DISABLED <=
           BEACON_GEN_VERDICT_FILTERED - BEACON_GEN_VERDICT_DISABLED;
}

EMIT_RARE beacon_status refuse(uint64_t kind) {
    return beacon_gen_refuse((unsigned)kind);
}

/* The checks every emit passes before its record: the event's verdict
 * (refused events are counted and go no further: no ring, no clock), the
 * thread's ring, ABI, sampling. Returns the ring, or NULL with *st set and
 * the drop counted. The common case is two loads for the verdict and two
 * thread-local/relaxed loads for the ring. */
EMIT_STEP beacon__ring *emit_prepare(const beacon_event_desc *d, beacon_status *st) {
    uint64_t kind = d->state ? beacon__verdict_current(d) : BEACON_GEN_VERDICT_STEP;
    if (BEACON__UNLIKELY(kind != BEACON_GEN_VERDICT_KEEP)) {
        if (kind == BEACON_GEN_VERDICT_STEP) kind = verdict_slow(d);
        if (kind_refuses(kind)) {
            *st = refuse(kind);
            return NULL;
        }
    }
    uint64_t epoch = __atomic_load_n(&beacon_gen_g.epoch, __ATOMIC_RELAXED);
    beacon__ring *r = epoch ? beacon__ring_cached(epoch) : NULL;
    if (BEACON__UNLIKELY(!r)) {
        r = ring_slow(d, st);
        if (!r) return NULL;
    }
    if (BEACON__LIKELY(kind == BEACON_GEN_VERDICT_KEEP)) return r;
    uint64_t thr;
    if (kind == BEACON_GEN_VERDICT_STEP) {
        if (!threshold_slow(d, r, &thr, st)) return NULL;
    } else if (__atomic_load_n(&d->state->opaque[0], __ATOMIC_ACQUIRE) ==
               __atomic_load_n(&beacon_gen_g.config_gen, __ATOMIC_RELAXED)) {
        thr = __atomic_load_n(&d->state->opaque[1], __ATOMIC_RELAXED);
    } else {
        thr = beacon__sample_refresh(d);
    }
    if (thr != UINT64_MAX) {
        /* Seeds the generator generated code samples with inline
         * (beacon_gen_sample_decide), from this thread's id generator. */
        if (BEACON__UNLIKELY(beacon__lane.rng == 0)) beacon__lane.rng = beacon__rand64() | 1;
        if (beacon__rand64() >= thr) {
            beacon__ring_count(r, BEACON__RING_SAMPLED);
            *st = BEACON_ERR_SAMPLED_OUT;
            return NULL;
        }
    }
    if (kind == BEACON_GEN_VERDICT_SAMPLE_FILTERED) {
        /* Kept by sampling, refused by every sink. */
        *st = refuse(BEACON_GEN_VERDICT_FILTERED);
        return NULL;
    }
    return r;
}

bool beacon__heap_charge(size_t size) {
    size_t budget = atomic_load_explicit(&beacon__g.heap_budget, memory_order_relaxed);
    size_t held = atomic_fetch_add_explicit(&beacon__g.heap_bytes, size, memory_order_relaxed);
    if (held + size <= budget && held + size >= held) return true;
    atomic_fetch_sub_explicit(&beacon__g.heap_bytes, size, memory_order_relaxed);
    return false;
}

void beacon__heap_record_free(void *heap) {
    if (!heap) return;
    size_t size = ((const beacon__record_head *)heap)->size;
    free(heap);
    atomic_fetch_sub_explicit(&beacon__g.heap_bytes, size, memory_order_relaxed);
}

/* Room for a `size`-byte record of ev in r, with its head filled (size,
 * ticks, context reference). Returns the record start, or NULL with *st set
 * and the drop counted. *ring_bytes receives what to commit. The caller
 * writes the struct copy and out-of-line bytes, and the correlation ids
 * into the copy when needs_correlation(). */
EMIT_STEP void *emit_reserve(beacon__ring *r, const beacon_event_hdr *ev, size_t size,
                             size_t *ring_bytes, beacon_status *st) {
    const beacon_event_desc *d = ev->desc;
    /* An event too large for the ring travels on the heap; the ring carries
     * only the pointer (a record of exactly BEACON__RECORD_INDIRECT bytes). */
    void *heap = NULL;
    size_t slot = size;
    if (BEACON__UNLIKELY(size > beacon__ring_max_record(r))) {
        /* Counted against the budget: a stuck sink must not let large
         * events grow the heap without bound. */
        bool charged = beacon__heap_charge(size);
        heap = charged ? malloc(size) : NULL;
        if (heap) {
            ((beacon__record_head *)heap)->size = (uint32_t)size;
        } else {
            if (charged) atomic_fetch_sub(&beacon__g.heap_bytes, size);
            beacon__ring_count(r, BEACON__RING_QUEUE_FULL);
            report_full(d, charged ? "no memory for an event larger than the queue"
                                   : "events larger than the queue hold the whole "
                                     "max_queue_mb budget; event dropped");
            *st = BEACON_ERR_QUEUE_FULL;
            return NULL;
        }
        slot = BEACON__RECORD_INDIRECT;
    }
    void *rec = beacon__ring_reserve(r, slot);
    if (BEACON__UNLIKELY(!rec)) {
        int block_ms = atomic_load_explicit(&beacon__g.block_ms, memory_order_relaxed);
        if (block_ms > 0 && !beacon__on_worker) rec = reserve_blocking(r, slot, block_ms);
        if (!rec) {
            beacon__heap_record_free(heap);
            beacon__ring_count(r, BEACON__RING_QUEUE_FULL);
            report_full(d, "queue full; event dropped");
            beacon__worker_wake();
            *st = BEACON_ERR_QUEUE_FULL;
            return NULL;
        }
    }
    void *body = heap ? heap : rec;
    if (heap) memcpy(rec, &heap, sizeof heap);
    beacon__record_head *h = body;
    h->size = (uint32_t)size;
    h->flags = 0;
    h->ticks = ev->time_ns ? 0 : beacon__clock_now_ticks();
    h->ctx = beacon__ctx_head && d->catalog ? (void *)beacon__context_acquire(d->catalog) : NULL;
    *ring_bytes = slot;
    return body;
}

EMIT_STEP beacon_status emit_commit(beacon__ring *r, size_t ring_bytes) {
    bool half = beacon__ring_commit(r, ring_bytes);
    if (BEACON__UNLIKELY(half || __atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED)))
        beacon__worker_wake();
    return BEACON_OK;
}

/* The calling thread's emit guard (lane.busy), held from an emit's first
 * look at the ring to the publication of its record. Returns false, with
 * the drop counted, when it is already held: a signal handler interrupted
 * an emit on this thread, and writing the same ring would corrupt it. The
 * signal fences keep the compiler from moving ring accesses out of the
 * guarded stretch. */
EMIT_STEP bool guard_enter(void) {
    if (BEACON__UNLIKELY(beacon__lane.busy != 0)) {
        beacon__count_caller_drop(BEACON__DROPPED_REENTRANT);
        return false;
    }
    beacon__lane.busy = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    return true;
}

EMIT_STEP void guard_leave(void) {
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    beacon__lane.busy = 0;
}

static beacon_status emit_guarded(const beacon_event_hdr *ev, beacon_lifecycle *out) {
    const beacon_event_desc *d = ev->desc;

    beacon_status st;
    beacon__ring *r = emit_prepare(d, &st);
    if (!r) return st;
    beacon__field_verdict v;
    if (!validate(ev, &v)) {
        beacon__ring_count(r, BEACON__RING_INVALID);
        report(d, &v);
        return BEACON_ERR_INVALID_EVENT;
    }
    if (BEACON__UNLIKELY(follow_without_trace(ev))) {
        beacon__ring_count(r, BEACON__RING_INVALID);
        report_no_trace(d);
        return BEACON_ERR_INVALID_EVENT;
    }

    size_t size = beacon__record_size(ev);
    size_t ring_bytes = 0;
    char *rec = emit_reserve(r, ev, size, &ring_bytes, &st);
    if (!rec) return st;
    beacon__record_encode(ev, rec, size);
    if (BEACON__UNLIKELY(needs_correlation(d))) {
        beacon_event_hdr *copy = (beacon_event_hdr *)(rec + BEACON__RECORD_STRUCT_OFFSET);
        uint8_t flags = correlate(ev, copy);
        if (out && d->correlation == BEACON_CORR_BEGIN) lifecycle_of(copy, flags, out);
    }
    return emit_commit(r, ring_bytes);
}

beacon_status beacon_gen_emit(const beacon_event_hdr *ev, beacon_lifecycle *out) {
    if (out) memset(out, 0, sizeof *out);
    if (!ev || !ev->desc) return BEACON_ERR_INVALID_ARGUMENT;
    if (!guard_enter()) return BEACON_ERR_REENTRANT;
    beacon_status st = emit_guarded(ev, out);
    guard_leave();
    return st;
}

/* Generated code relies on these (beacon_gen.h); record.c checks the layout. */
_Static_assert(offsetof(beacon__ring, p) == 0, "a ring starts with its producer side");
_Static_assert(offsetof(beacon_gen_slot, ring) == 0 &&
                   offsetof(beacon_gen_slot, ring_bytes) == sizeof(void *) &&
                   offsetof(beacon_gen_slot, status) == 2 * sizeof(void *),
               "the slot starts with ABI 1's slot");
#if BEACON_GEN_INLINE
_Static_assert(sizeof(beacon__record_head) == BEACON_GEN_RECORD_STRUCT_OFFSET,
               "the record head is what precedes the struct copy");
_Static_assert(offsetof(beacon__record_head, size) == 0 &&
                   offsetof(beacon__record_head, flags) == 4 &&
                   offsetof(beacon__record_head, ticks) == 8 &&
                   offsetof(beacon__record_head, ctx) == 16,
               "beacon_gen_begin writes the record head in this layout");
_Static_assert(sizeof(beacon_gen_ring) == BEACON__RING_CACHE_LINE,
               "the producer side of a ring is one cache line");
#endif

void *beacon_gen_reserve(const beacon_event_hdr *ev, size_t size, beacon_gen_slot *slot,
                         beacon_lifecycle *out) {
    if (out) memset(out, 0, sizeof *out);
    if (!slot) return NULL;
    /* Until the ABI is known (emit_prepare checks it), only the members an
     * ABI 1 slot has too are written: code generated for ABI 1 gets
     * BEACON_ERR_ABI in its own slot instead of a stack overrun. */
    slot->ring = NULL;
    slot->ring_bytes = 0;
    if (!ev || !ev->desc || size < BEACON__RECORD_STRUCT_OFFSET + ev->desc->struct_size ||
        size > UINT32_MAX) {
        slot->status = BEACON_ERR_INVALID_ARGUMENT;
        return NULL;
    }
    const beacon_event_desc *d = ev->desc;
    if (!guard_enter()) {
        slot->status = BEACON_ERR_REENTRANT;
        return NULL;
    }
    /* Held until beacon_gen_commit publishes the record. */
    beacon__ring *r = emit_prepare(d, &slot->status);
    if (!r) {
        guard_leave();
        return NULL;
    }
    if (BEACON__UNLIKELY(follow_without_trace(ev))) {
        beacon__ring_count(r, BEACON__RING_INVALID);
        report_no_trace(d);
        slot->status = BEACON_ERR_INVALID_EVENT;
        guard_leave();
        return NULL;
    }
    slot->correlated = 0;
    /* Records are whole multiples of the alignment; the tail is never read. */
    size = (size + BEACON__RECORD_ALIGN - 1) & ~(size_t)(BEACON__RECORD_ALIGN - 1);
    char *rec = emit_reserve(r, ev, size, &slot->ring_bytes, &slot->status);
    if (!rec) {
        guard_leave();
        return NULL;
    }
    if (BEACON__UNLIKELY(needs_correlation(d))) {
        /* Applied by commit, after the caller copied the struct. */
        beacon_event_hdr ids;
        uint8_t flags = correlate(ev, &ids);
        slot->correlated = 1;
        slot->trace_id = ids.trace_id;
        slot->span_id = ids.span_id;
        slot->parent_span_id = ids.parent_span_id;
        if (out && d->correlation == BEACON_CORR_BEGIN) lifecycle_of(&ids, flags, out);
    }
    slot->ring = r;
    slot->body = rec;
    slot->status = BEACON_OK;
    return rec + BEACON__RECORD_STRUCT_OFFSET;
}

beacon_status beacon_gen_commit(beacon_gen_slot *slot) {
    if (!slot || !slot->ring) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__ring *r = slot->ring;
    slot->ring = NULL;
    if (slot->correlated) {
        beacon_event_hdr *copy =
            (beacon_event_hdr *)((char *)slot->body + BEACON__RECORD_STRUCT_OFFSET);
        copy->trace_id = slot->trace_id;
        copy->span_id = slot->span_id;
        copy->parent_span_id = slot->parent_span_id;
    }
    beacon_status st = emit_commit(r, slot->ring_bytes);
    guard_leave();
    return st;
}

void beacon_gen_correlate(beacon_event_hdr *copy) {
    if (copy && copy->desc) (void)correlate(copy, copy);
}

void beacon_gen_sampled(beacon_gen_ring *p) {
    if (p) beacon__ring_count((beacon__ring *)p, BEACON__RING_SAMPLED);
}

uint64_t beacon_gen_now(void) {
    return beacon__clock_now_ticks();
}

void beacon_gen_notify(beacon_gen_ring *p) {
    if (!p) return;
    beacon__ring *r = (beacon__ring *)p;
    if (beacon__ring_half_full(r, __atomic_load_n(&p->head, __ATOMIC_RELAXED)) ||
        __atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED))
        beacon__worker_wake();
}
