/* tally.c — the per-thread counters of refused events (tally.h): a
 * lock-free list of blocks, each owned by at most one thread at a time. */
#include "emit/tally.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/state.h"

typedef struct tally_block {
    /* First: the lane points here. Written by the owner only (one
     * instruction per count), read by anyone. */
    uint64_t n[BEACON__TALLY_COUNTERS];
    _Atomic bool owned;
    struct tally_block *next; /* set before the block is published, never changed */
} tally_block;

static _Atomic(tally_block *) g_blocks;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_key;
static bool g_key_ok;

/* At thread exit: the block goes back to the list for another thread. */
static void give_up(void *p) {
    tally_block *b = p;
    if (beacon_gen_lane_tls.tally == b->n) beacon_gen_lane_tls.tally = NULL;
    atomic_store_explicit(&b->owned, false, memory_order_release);
}

static void key_init(void) {
    g_key_ok = pthread_key_create(&g_key, give_up) == 0;
}

/* A block for the calling thread: one given up by an exited thread, or a
 * new one. NULL when out of memory or out of thread keys. */
static tally_block *adopt(void) {
    pthread_once(&g_key_once, key_init);
    if (!g_key_ok) return NULL;
    tally_block *b = atomic_load_explicit(&g_blocks, memory_order_acquire);
    for (; b; b = b->next) {
        bool free_one = false;
        if (!atomic_load_explicit(&b->owned, memory_order_relaxed) &&
            atomic_compare_exchange_strong_explicit(&b->owned, &free_one, true,
                                                    memory_order_acq_rel, memory_order_relaxed))
            break;
    }
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b) return NULL;
        atomic_init(&b->owned, true);
        b->next = atomic_load_explicit(&g_blocks, memory_order_relaxed);
        while (!atomic_compare_exchange_weak_explicit(&g_blocks, &b->next, b, memory_order_release,
                                                      memory_order_relaxed)) {
        }
    }
    if (pthread_setspecific(g_key, b) != 0) {
        atomic_store_explicit(&b->owned, false, memory_order_release);
        return NULL;
    }
    return b;
}

void beacon__tally_count(unsigned kind) {
    if (kind < BEACON_GEN_VERDICT_DISABLED || kind > BEACON_GEN_VERDICT_FILTERED) return;
    uint64_t *t = beacon_gen_lane_tls.tally;
    if (!t) {
        tally_block *b = adopt();
        if (!b) {
            /* No block: the process-wide counter, as exact and slower. */
            beacon__count_caller_drop(kind == BEACON_GEN_VERDICT_SAMPLED
                                          ? BEACON__DROPPED_SAMPLED
                                          : BEACON__DROPPED_FILTERED);
            return;
        }
        t = beacon_gen_lane_tls.tally = b->n;
    }
    uint64_t *c = &t[kind - BEACON_GEN_VERDICT_DISABLED];
#if BEACON_GEN_INLINE
    beacon_gen_tally_add(c);
#else
    __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
#endif
}

void beacon__tally_sums(uint64_t sum[BEACON__TALLY_COUNTERS]) {
    for (int i = 0; i < BEACON__TALLY_COUNTERS; i++) sum[i] = 0;
    for (tally_block *b = atomic_load_explicit(&g_blocks, memory_order_acquire); b; b = b->next)
        for (int i = 0; i < BEACON__TALLY_COUNTERS; i++)
            sum[i] += __atomic_load_n(&b->n[i], __ATOMIC_RELAXED);
}

void beacon__tally_after_fork_child(void) {
    uint64_t *mine = beacon_gen_lane_tls.tally;
    for (tally_block *b = atomic_load_explicit(&g_blocks, memory_order_acquire); b; b = b->next)
        if (b->n != mine) atomic_store_explicit(&b->owned, false, memory_order_relaxed);
}

/* beacon_gen_refusal_status packs these statuses a byte each. */
_Static_assert(BEACON_ERR_DISABLED < 256 && BEACON_ERR_SAMPLED_OUT < 256 && BEACON_OK < 256,
               "refusal statuses fit a byte");

beacon_status beacon_gen_refuse(unsigned kind) {
    if (kind < BEACON_GEN_VERDICT_DISABLED || kind > BEACON_GEN_VERDICT_FILTERED)
        return BEACON_ERR_INVALID_ARGUMENT;
    beacon__tally_count(kind);
    return beacon_gen_refusal_status(kind);
}
