/* ring.c — SPSC record ring and per-thread ring registry (see ring.h).
 *
 * Positions are free-running byte counters (never masked until used as an
 * index), so "used = head - tail" needs no wrap flag. The producer and consumer
 * each own one cache line; they meet only through the release/acquire pair on
 * `head` (records published) and `tail` (space given back).
 */
#include "ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64

/* Header value that means "nothing more before the end of the buffer". */
#define SKIP_MARKER UINT64_MAX

struct beacon__ring {
    /* Producer line. `head` is written only by the producer; the rest is
     * producer-private. tail_cache spares the producer a load of the
     * consumer's line until the ring looks full. */
    _Alignas(CACHE_LINE) _Atomic size_t head;
    size_t tail_cache;
    size_t res_start; /* position of the reserved record's header */
    size_t res_len;   /* reserved payload length */
    bool res_open;
    _Atomic uint64_t pushed; /* records committed; producer-written */

    /* Consumer line. `tail` is written only by the consumer. */
    _Alignas(CACHE_LINE) _Atomic size_t tail;
    size_t head_cache;
    size_t peek_size; /* bytes the peeked record occupies; 0 = none */

    /* Drop counters: written by the producer on its drop paths only. */
    _Alignas(CACHE_LINE) _Atomic uint64_t drops[BEACON__RING_COUNTERS];

    /* Read-mostly line. */
    _Alignas(CACHE_LINE) unsigned char *buf;
    size_t cap;
    size_t mask;
    _Atomic bool orphaned;
    beacon__ring *next; /* registry list; written before publication, then only by the consumer */
};

static size_t record_size(size_t len) {
    return sizeof(uint64_t) + ((len + BEACON__RING_ALIGN - 1) & ~(BEACON__RING_ALIGN - 1));
}

size_t beacon__ring_round_capacity(size_t capacity_bytes) {
    size_t cap = BEACON__RING_MIN_CAPACITY;
    while (cap < capacity_bytes) {
        if (cap > SIZE_MAX / 4) return 0;
        cap <<= 1;
    }
    return cap;
}

beacon__ring *beacon__ring_new(size_t capacity_bytes) {
    size_t cap = beacon__ring_round_capacity(capacity_bytes);
    if (cap == 0) return NULL;
    beacon__ring *r = aligned_alloc(CACHE_LINE, sizeof *r);
    if (!r) return NULL;
    memset(r, 0, sizeof *r);
    r->buf = aligned_alloc(CACHE_LINE, cap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    /* Touch every page now, on the thread's first emit: a page fault later
     * would be a hidden system call on the emit path (~1 us per 4 KiB). */
    memset(r->buf, 0, cap);
    r->cap = cap;
    r->mask = cap - 1;
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    atomic_init(&r->orphaned, false);
    return r;
}

void beacon__ring_free(beacon__ring *r) {
    if (!r) return;
    free(r->buf);
    free(r);
}

size_t beacon__ring_capacity(const beacon__ring *r) {
    return r->cap;
}

size_t beacon__ring_max_record(const beacon__ring *r) {
    return r->cap / 2 - sizeof(uint64_t);
}

void *beacon__ring_reserve(beacon__ring *r, size_t len) {
    if (len > beacon__ring_max_record(r)) return NULL;
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t need = record_size(len);
    size_t idx = head & r->mask;
    size_t to_end = r->cap - idx;
    /* A record that does not fit before the end costs the padding too. */
    size_t total = need <= to_end ? need : to_end + need;

    if (r->cap - (head - r->tail_cache) < total) {
        /* Acquire: the consumer's reads of the space it gave back are done. */
        r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
        if (r->cap - (head - r->tail_cache) < total) return NULL;
    }
    size_t start = head;
    if (need > to_end) {
        uint64_t skip = SKIP_MARKER;
        memcpy(r->buf + idx, &skip, sizeof skip);
        start = head + to_end;
    }
    r->res_start = start;
    r->res_len = len;
    r->res_open = true;
    return r->buf + (start & r->mask) + sizeof(uint64_t);
}

bool beacon__ring_commit(beacon__ring *r, size_t len) {
    if (!r->res_open || len > r->res_len) return false;
    uint64_t hdr = (uint64_t)len;
    memcpy(r->buf + (r->res_start & r->mask), &hdr, sizeof hdr);
    r->res_open = false;
    size_t head = r->res_start + record_size(len);
    /* Counted before publication, so whoever sees the record sees the count. */
    atomic_store_explicit(&r->pushed, atomic_load_explicit(&r->pushed, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    /* Release: header, payload and any skip marker before the new head. */
    atomic_store_explicit(&r->head, head, memory_order_release);
    if (head - r->tail_cache <= r->cap / 2) return false;
    /* Only now look at the consumer's line: once per half ring at most. */
    r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
    return head - r->tail_cache > r->cap / 2;
}

void beacon__ring_count(beacon__ring *r, int which) {
    if (which <= BEACON__RING_PUSHED || which >= BEACON__RING_COUNTERS) return;
    _Atomic uint64_t *c = &r->drops[which];
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

uint64_t beacon__ring_counter(const beacon__ring *r, int which) {
    beacon__ring *m = (beacon__ring *)r;
    if (which == BEACON__RING_PUSHED) return atomic_load_explicit(&m->pushed, memory_order_relaxed);
    if (which < 0 || which >= BEACON__RING_COUNTERS) return 0;
    return atomic_load_explicit(&m->drops[which], memory_order_relaxed);
}

size_t beacon__ring_head_position(beacon__ring *r) {
    return atomic_load_explicit(&r->head, memory_order_acquire);
}

bool beacon__ring_consumed_to(beacon__ring *r, size_t head_pos) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* Free-running positions: compare by signed distance. */
    return (ptrdiff_t)(tail - head_pos) >= 0;
}

const void *beacon__ring_peek(beacon__ring *r, size_t *len) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (;;) {
        if (tail == r->head_cache) {
            r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
            if (tail == r->head_cache) {
                r->peek_size = 0;
                *len = 0;
                return NULL;
            }
        }
        size_t idx = tail & r->mask;
        uint64_t hdr;
        memcpy(&hdr, r->buf + idx, sizeof hdr);
        if (hdr == SKIP_MARKER) {
            /* Give the padding back at once; the record is at the next lap. */
            tail += r->cap - idx;
            atomic_store_explicit(&r->tail, tail, memory_order_release);
            continue;
        }
        r->peek_size = record_size((size_t)hdr);
        *len = (size_t)hdr;
        return r->buf + idx + sizeof(uint64_t);
    }
}

void beacon__ring_release(beacon__ring *r) {
    if (r->peek_size == 0) return;
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* Release: our reads of the record happen before the producer reuses it. */
    atomic_store_explicit(&r->tail, tail + r->peek_size, memory_order_release);
    r->peek_size = 0;
}

bool beacon__ring_empty(beacon__ring *r) {
    return beacon__ring_used_bytes(r) == 0;
}

size_t beacon__ring_used_bytes(beacon__ring *r) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    return head - tail;
}

bool beacon__ring_is_orphaned(const beacon__ring *r) {
    return atomic_load_explicit(&((beacon__ring *)r)->orphaned, memory_order_acquire);
}

/* Empty the ring in place; only when neither side is running (after fork). */
static void ring_reset(beacon__ring *r) {
    atomic_store_explicit(&r->head, 0, memory_order_relaxed);
    atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
    r->tail_cache = 0;
    r->head_cache = 0;
    r->peek_size = 0;
    r->res_open = false;
}

/* =========================================================================
 * Registry
 * ========================================================================= */

/* Thread-local cache of the thread's ring for the registry last used, so the
 * emit path skips pthread_getspecific. Registries get unique ids, so a cache
 * left by a deinit'ed registry can never match a new one at the same address. */
#if defined(__GNUC__) && !defined(__SANITIZE_THREAD__)
/* initial-exec: a plain %fs-relative load on the emit path even when the
 * runtime is a shared library; the 16 bytes fit glibc's static TLS surplus. */
#define RING_TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define RING_TLS_MODEL
#endif

static _Thread_local RING_TLS_MODEL struct {
    unsigned long reg_id;
    beacon__ring *ring;
} tls_cache;

static atomic_ulong next_registry_id = 1;

/* Runs in the exiting thread: hand the ring to the consumer. */
static void ring_thread_exit(void *p) {
    beacon__ring *r = p;
    if (tls_cache.ring == r) {
        tls_cache.ring = NULL;
        tls_cache.reg_id = 0;
    }
    /* Release: every record committed by this thread precedes the mark. */
    atomic_store_explicit(&r->orphaned, true, memory_order_release);
}

bool beacon__ring_registry_init(beacon__ring_registry *reg) {
    atomic_init(&reg->head, NULL);
    reg->id = atomic_fetch_add_explicit(&next_registry_id, 1, memory_order_relaxed);
    reg->key_ok = pthread_key_create(&reg->key, ring_thread_exit) == 0;
    return reg->key_ok;
}

void beacon__ring_registry_deinit(beacon__ring_registry *reg) {
    if (!reg) return;
    if (reg->key_ok) {
        /* Delete first so no thread-exit destructor touches a freed ring. */
        pthread_key_delete(reg->key);
        reg->key_ok = false;
    }
    beacon__ring *r = atomic_exchange_explicit(&reg->head, NULL, memory_order_acquire);
    while (r) {
        beacon__ring *next = r->next;
        beacon__ring_free(r);
        r = next;
    }
    if (tls_cache.reg_id == reg->id) {
        tls_cache.ring = NULL;
        tls_cache.reg_id = 0;
    }
}

beacon__ring *beacon__ring_for_thread(beacon__ring_registry *reg, size_t capacity_bytes) {
    if (tls_cache.reg_id == reg->id && tls_cache.ring) return tls_cache.ring;
    if (!reg->key_ok) return NULL;
    beacon__ring *r = pthread_getspecific(reg->key);
    if (!r) {
        r = beacon__ring_new(capacity_bytes);
        if (!r) return NULL;
        if (pthread_setspecific(reg->key, r) != 0) {
            beacon__ring_free(r);
            return NULL;
        }
        beacon__ring *old = atomic_load_explicit(&reg->head, memory_order_relaxed);
        do {
            r->next = old;
        } while (!atomic_compare_exchange_weak_explicit(&reg->head, &old, r, memory_order_release,
                                                        memory_order_relaxed));
    }
    tls_cache.reg_id = reg->id;
    tls_cache.ring = r;
    return r;
}

beacon__ring *beacon__ring_renew_for_thread(beacon__ring_registry *reg, size_t capacity_bytes) {
    if (!reg->key_ok) return NULL;
    beacon__ring *old = pthread_getspecific(reg->key);
    beacon__ring *r = beacon__ring_new(capacity_bytes);
    if (!r) return NULL;
    if (pthread_setspecific(reg->key, r) != 0) {
        beacon__ring_free(r);
        return NULL;
    }
    beacon__ring *first = atomic_load_explicit(&reg->head, memory_order_relaxed);
    do {
        r->next = first;
    } while (!atomic_compare_exchange_weak_explicit(&reg->head, &first, r, memory_order_release,
                                                    memory_order_relaxed));
    tls_cache.reg_id = reg->id;
    tls_cache.ring = r;
    /* Release: every record committed to the old ring precedes the mark. */
    if (old) atomic_store_explicit(&old->orphaned, true, memory_order_release);
    return r;
}

size_t beacon__ring_registry_foreach(beacon__ring_registry *reg,
                                     void (*fn)(beacon__ring *r, void *ctx), void *ctx) {
    size_t n = 0;
    for (beacon__ring *r = atomic_load_explicit(&reg->head, memory_order_acquire); r; r = r->next) {
        fn(r, ctx);
        n++;
    }
    return n;
}

/* Unlink `victim`; consumer only. Producers only ever push at the head, so
 * only unlinking the head needs a CAS; inner links belong to the consumer. */
static void registry_unlink(beacon__ring_registry *reg, beacon__ring *victim) {
    beacon__ring *first = atomic_load_explicit(&reg->head, memory_order_acquire);
    if (first == victim) {
        if (atomic_compare_exchange_strong_explicit(&reg->head, &first, victim->next,
                                                    memory_order_acq_rel, memory_order_acquire))
            return;
        /* A producer pushed meanwhile: victim is now an inner node. */
    }
    for (beacon__ring *p = first; p; p = p->next) {
        if (p->next == victim) {
            p->next = victim->next;
            return;
        }
    }
}

size_t beacon__ring_registry_reap(beacon__ring_registry *reg) {
    return beacon__ring_registry_reap_with(reg, NULL, NULL);
}

size_t beacon__ring_registry_reap_with(beacon__ring_registry *reg,
                                       void (*fn)(beacon__ring *r, void *ctx), void *ctx) {
    size_t freed = 0;
    beacon__ring *r = atomic_load_explicit(&reg->head, memory_order_acquire);
    while (r) {
        beacon__ring *next = r->next;
        /* Orphan flag first (acquire), then emptiness: records committed before
         * the thread exited are then visible, so an undrained orphan survives. */
        if (beacon__ring_is_orphaned(r) && beacon__ring_empty(r)) {
            registry_unlink(reg, r);
            if (fn) fn(r, ctx);
            beacon__ring_free(r);
            freed++;
        }
        r = next;
    }
    return freed;
}

size_t beacon__ring_registry_count(beacon__ring_registry *reg) {
    size_t n = 0;
    for (beacon__ring *r = atomic_load_explicit(&reg->head, memory_order_acquire); r; r = r->next)
        n++;
    return n;
}

void beacon__ring_registry_after_fork_child(beacon__ring_registry *reg) {
    if (!reg->key_ok) return;
    beacon__ring *mine = pthread_getspecific(reg->key);
    beacon__ring *r = atomic_load_explicit(&reg->head, memory_order_relaxed);
    while (r) {
        beacon__ring *next = r->next;
        if (r != mine) beacon__ring_free(r);
        r = next;
    }
    if (mine) {
        ring_reset(mine);
        mine->next = NULL;
    }
    atomic_store_explicit(&reg->head, mine, memory_order_release);
}
