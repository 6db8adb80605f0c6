/* ids.c — xoshiro256** per thread, seeded from getrandom(). A fork() bumps a
 * generation counter so parent and child never hand out the same ids.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include "core/ids.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

typedef struct rng {
    uint64_t s[4];
    unsigned generation; /* g_generation when seeded; 0 = never */
} rng;

static _Thread_local rng t_rng;
static atomic_uint g_generation = 1;
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void) {
    atomic_fetch_add_explicit(&g_generation, 1, memory_order_relaxed);
}

static void register_atfork(void) {
    pthread_atfork(NULL, NULL, on_fork_child);
}

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void seed(rng *r, unsigned generation) {
    uint8_t buf[32];
    size_t got = 0;
    while (got < sizeof buf) {
        ssize_t n = getrandom(buf + got, sizeof buf - got, GRND_NONBLOCK);
        if (n <= 0) break;
        got += (size_t)n;
    }
    memcpy(r->s, buf, sizeof r->s);
    if (got < sizeof buf) {
        /* No entropy yet (early boot): mix what differs between threads and
         * processes; uniqueness matters here, unpredictability does not. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                     ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)r;
        for (int i = 0; i < 4; i++) r->s[i] ^= splitmix64(&x);
    }
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1; /* the one bad state */
    r->generation = generation;
}

static inline uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

/* The calling thread's generator, seeded on first use and again after a
 * fork (the child must not repeat the parent's sequence). */
static rng *thread_rng(void) {
    rng *r = &t_rng;
    unsigned generation = atomic_load_explicit(&g_generation, memory_order_relaxed);
    if (r->generation != generation) {
        pthread_once(&g_atfork_once, register_atfork);
        seed(r, atomic_load_explicit(&g_generation, memory_order_relaxed));
    }
    return r;
}

/* One xoshiro256** step. */
static inline uint64_t next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t beacon__rand64(void) {
    return next(thread_rng());
}

double beacon__rand_unit(void) {
    return (double)(beacon__rand64() >> 11) * 0x1.0p-53;
}

void beacon__rand_id(uint8_t *out, size_t n) {
    rng *r = thread_rng();
    /* Whole words first (ids are 8 or 16 bytes): no byte loop on that path. */
    for (;;) {
        uint64_t any = 0;
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t v = next(r);
            memcpy(out + i, &v, 8);
            any |= v;
        }
        if (i < n) {
            uint64_t v = next(r);
            memcpy(out + i, &v, n - i);
            for (; i < n; i++) any |= out[i];
        }
        if (any) return;
    }
}
