/* ring.c — SPSC record ring and per-thread ring registry (see ring.h).
 *
 * Positions are free-running byte counters (never masked until used as an
 * index), so "used = head - tail" needs no wrap flag. The producer and consumer
 * each own one cache line; they meet only through the release/acquire pair on
 * `head` (records published) and `tail` (space given back).
 */
#include "emit/ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define RING_CAN_EVICT 1
#else
#define RING_CAN_EVICT 0
#endif

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
    beacon__ring *r = aligned_alloc(BEACON__RING_CACHE_LINE, sizeof *r);
    if (!r) return NULL;
    memset(r, 0, sizeof *r);
    unsigned char *buf = aligned_alloc(BEACON__RING_CACHE_LINE, cap);
    if (!buf) {
        free(r);
        return NULL;
    }
    /* Touch every page now, on the thread's first emit: a page fault later
     * would be a hidden system call on the emit path (~1 us per 4 KiB). */
    memset(buf, 0, cap);
    r->p.buf = r->cbuf = buf;
    r->p.mask = r->cmask = cap - 1;
    r->p.max_record = cap / 2 - sizeof(uint64_t);
    beacon__ring_bounds(r, 0);
    r->cap = cap;
    atomic_init(&r->tail, 0);
    atomic_init(&r->orphaned, false);
    return r;
}

void beacon__ring_free(beacon__ring *r) {
    if (!r) return;
    free(r->p.buf);
    free(r);
}

size_t beacon__ring_capacity(const beacon__ring *r) {
    return r->cap;
}

void beacon__ring_count(beacon__ring *r, int which) {
    if (which <= BEACON__RING_PUSHED || which >= BEACON__RING_COUNTERS) return;
    _Atomic uint64_t *c = &r->drops[which];
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

uint64_t beacon__ring_counter(const beacon__ring *r, int which) {
    beacon__ring *m = (beacon__ring *)r;
    if (which == BEACON__RING_PUSHED) return __atomic_load_n(&m->p.pushed, __ATOMIC_RELAXED);
    if (which < 0 || which >= BEACON__RING_COUNTERS) return 0;
    return atomic_load_explicit(&m->drops[which], memory_order_relaxed);
}

size_t beacon__ring_head_position(beacon__ring *r) {
    return __atomic_load_n(&r->p.head, __ATOMIC_ACQUIRE);
}

bool beacon__ring_consumed_to(beacon__ring *r, size_t head_pos) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* Free-running positions: compare by signed distance. */
    return (ptrdiff_t)(tail - head_pos) >= 0;
}

void beacon__ring_look(beacon__ring *r) {
    r->head_cache = __atomic_load_n(&r->p.head, __ATOMIC_ACQUIRE);
}

/* peek, and next when `look` is false. */
static const void *ring_front(beacon__ring *r, size_t *len, bool look) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (;;) {
        if (tail == r->head_cache) {
            if (look) beacon__ring_look(r);
            if (tail == r->head_cache) {
                r->peek_size = 0;
                *len = 0;
                return NULL;
            }
        }
        size_t idx = tail & r->cmask;
        uint64_t hdr;
        memcpy(&hdr, r->cbuf + idx, sizeof hdr);
        if (hdr == BEACON__RING_SKIP_MARKER) {
            /* Give the padding back at once; the record is at the next lap. */
            tail += r->cmask + 1 - idx;
            atomic_store_explicit(&r->tail, tail, memory_order_release);
            continue;
        }
        r->peek_size = beacon__ring_record_size((size_t)hdr);
        *len = (size_t)hdr;
        return r->cbuf + idx + sizeof(uint64_t);
    }
}

const void *beacon__ring_peek(beacon__ring *r, size_t *len) {
    return ring_front(r, len, true);
}

const void *beacon__ring_next(beacon__ring *r, size_t *len) {
    return ring_front(r, len, false);
}

void beacon__ring_release(beacon__ring *r) {
    if (r->peek_size == 0) return;
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* Release: our reads of the record happen before the producer reuses it. */
    atomic_store_explicit(&r->tail, tail + r->peek_size, memory_order_release);
    r->peek_size = 0;
}

#if RING_CAN_EVICT
/* Whether the CPU has CLFLUSHOPT (CPUID 7.0 EBX bit 23); decided once. */
static bool evict_supported(void) {
    static int known = -1; /* -1 unknown, 0 no, 1 yes; a benign race */
    int v = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (v < 0) {
        unsigned a, b, c, d;
        v = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 23)) ? 1 : 0;
        __atomic_store_n(&known, v, __ATOMIC_RELAXED);
    }
    return v == 1;
}
#endif

void beacon__ring_evict(beacon__ring *r) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    /* Whole lines only: the one holding `tail` may be the producer's now. */
    size_t end = tail & ~(size_t)(BEACON__RING_CACHE_LINE - 1);
    size_t pos = r->evicted;
    if ((ptrdiff_t)(end - pos) <= 0) return;
    if (end - pos > r->cmask + 1) pos = end - (r->cmask + 1); /* a lap at most */
    r->evicted = end;
#if RING_CAN_EVICT
    if (!evict_supported()) return;
    for (; pos != end; pos += BEACON__RING_CACHE_LINE)
        __asm__ volatile(
            "clflushopt %0" ::"m"(*(const unsigned char *)(r->cbuf + (pos & r->cmask))));
#else
    (void)pos;
#endif
}

bool beacon__ring_empty(beacon__ring *r) {
    return beacon__ring_used_bytes(r) == 0;
}

size_t beacon__ring_used_bytes(beacon__ring *r) {
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t head = __atomic_load_n(&r->p.head, __ATOMIC_ACQUIRE);
    return head - tail;
}

bool beacon__ring_is_orphaned(const beacon__ring *r) {
    return atomic_load_explicit(&((beacon__ring *)r)->orphaned, memory_order_acquire);
}

/* Empty the ring in place; only when neither side is running (after fork). */
static void ring_reset(beacon__ring *r) {
    __atomic_store_n(&r->p.head, 0, __ATOMIC_RELAXED);
    atomic_store_explicit(&r->tail, 0, memory_order_relaxed);
    r->p.tail_cache = 0;
    beacon__ring_bounds(r, 0);
    r->head_cache = 0;
    r->peek_size = 0;
    r->evicted = 0;
    r->res_open = false;
}

/* =========================================================================
 * Registry
 * ========================================================================= */

/* The thread's ring for the registry last used, so the emit path skips
 * pthread_getspecific. Registries get unique ids, so a cache left by a
 * deinit'ed registry can never match a new one at the same address. */
BEACON_API __thread beacon_gen_lane beacon_gen_lane_tls BEACON_GEN_TLS_MODEL;

/* Point the thread's cache at `ring` of registry `reg_id`; a different ring
 * loses the emit path's tag. */
static void cache_set(unsigned long reg_id, beacon__ring *ring) {
    beacon_gen_ring *p = ring ? &ring->p : NULL;
    if (beacon__lane.ring != p) beacon__lane.epoch = 0;
    beacon__lane.registry = reg_id;
    beacon__lane.ring = p;
    beacon__lane_sync();
}

static atomic_ulong next_registry_id = 1;

/* Runs in the exiting thread: hand the ring to the consumer. */
static void ring_thread_exit(void *p) {
    beacon__ring *r = p;
    if (beacon__lane.ring == &r->p) cache_set(0, NULL);
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
    if (beacon__lane.registry == reg->id) cache_set(0, NULL);
}

beacon__ring *beacon__ring_for_thread(beacon__ring_registry *reg, size_t capacity_bytes) {
    if (beacon__lane.registry == reg->id && beacon__lane.ring)
        return (beacon__ring *)beacon__lane.ring;
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
    cache_set(reg->id, r);
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
    cache_set(reg->id, r);
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
    /* The parent's sampling draws must not repeat in the child: the
     * generator is seeded again on the child's next sampled emit. */
    beacon__lane.rng = 0;
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
