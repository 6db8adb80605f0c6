/* test_ring.c — unit tests of the SPSC record ring and the per-thread ring
 * registry (runtime/src/ring.c): layout and wrap-around, full/empty/oversize
 * behaviour, cross-thread transfer order and content, thread-exit reclamation
 * and the after-fork reset. Also meant to run under ASan/UBSan and TSan.
 */
#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emit/ring.h"

/* --- helpers -------------------------------------------------------------- */

/* Deterministic payload byte i of record `seq` from `producer`. */
static unsigned char pattern(uint32_t producer, uint64_t seq, size_t i) {
    return (unsigned char)(seq * 31u + i * 7u + producer * 101u + (seq >> 8));
}

typedef struct rec_hdr {
    uint32_t producer;
    uint32_t len; /* whole record, header included */
    uint64_t seq;
} rec_hdr;

static void fill_record(void *p, uint32_t producer, uint64_t seq, size_t len) {
    unsigned char *b = p;
    size_t start = 0;
    if (len >= sizeof(rec_hdr)) {
        rec_hdr h = {producer, (uint32_t)len, seq};
        memcpy(b, &h, sizeof h);
        start = sizeof h;
    }
    for (size_t i = start; i < len; i++) b[i] = pattern(producer, seq, i);
}

/* Returns 1 when the bytes are the record (producer, seq, len) would write. */
static int record_matches(const void *p, size_t len, uint32_t producer, uint64_t seq) {
    const unsigned char *b = p;
    size_t start = 0;
    if (len >= sizeof(rec_hdr)) {
        rec_hdr h;
        memcpy(&h, b, sizeof h);
        if (h.producer != producer || h.seq != seq || h.len != len) return 0;
        start = sizeof h;
    }
    for (size_t i = start; i < len; i++)
        if (b[i] != pattern(producer, seq, i)) return 0;
    return 1;
}

/* xorshift: reproducible sizes without libc rand state. */
static uint64_t next_rand(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static int push(beacon__ring *r, uint32_t producer, uint64_t seq, size_t len) {
    void *p = beacon__ring_reserve(r, len);
    if (!p) return 0;
    fill_record(p, producer, seq, len);
    beacon__ring_commit(r, len);
    return 1;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- single ring ---------------------------------------------------------- */

static void ring_capacity_rounds_up_to_power_of_two_with_minimum(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(0);
    assert_non_null(r);
    assert_int_equal(beacon__ring_capacity(r), 4096);
    beacon__ring_free(r);
    r = beacon__ring_new(5000);
    assert_non_null(r);
    assert_int_equal(beacon__ring_capacity(r), 8192);
    assert_int_equal(beacon__ring_max_record(r), 4096 - 8);
    beacon__ring_free(r);
    assert_null(beacon__ring_new(SIZE_MAX));
}

static void ring_peek_on_empty_returns_null(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    size_t len = 99;
    assert_null(beacon__ring_peek(r, &len));
    assert_int_equal(len, 0);
    assert_true(beacon__ring_empty(r));
    beacon__ring_free(r);
}

static void ring_reserved_record_is_invisible_until_commit(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    void *p = beacon__ring_reserve(r, 16);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 8, 0);
    fill_record(p, 1, 1, 16);
    size_t len;
    assert_null(beacon__ring_peek(r, &len));
    beacon__ring_commit(r, 16);
    const void *q = beacon__ring_peek(r, &len);
    assert_non_null(q);
    assert_int_equal(len, 16);
    assert_true(record_matches(q, len, 1, 1));
    beacon__ring_release(r);
    assert_null(beacon__ring_peek(r, &len));
    beacon__ring_free(r);
}

static void ring_next_stops_at_the_last_look(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    size_t len;
    assert_int_equal(push(r, 3, 0, 24), 1);
    assert_int_equal(push(r, 3, 1, 40), 1);
    assert_null(beacon__ring_next(r, &len)); /* nothing looked at yet */
    beacon__ring_look(r);
    assert_int_equal(push(r, 3, 2, 8), 1); /* published after the look */
    for (uint64_t seq = 0; seq < 2; seq++) {
        const void *p = beacon__ring_next(r, &len);
        assert_non_null(p);
        assert_true(record_matches(p, len, 3, seq));
        beacon__ring_release(r);
    }
    assert_null(beacon__ring_next(r, &len));
    assert_int_equal(len, 0);
    beacon__ring_look(r);
    const void *p = beacon__ring_next(r, &len);
    assert_non_null(p);
    assert_true(record_matches(p, len, 3, 2));
    beacon__ring_release(r);
    assert_true(beacon__ring_empty(r));
    beacon__ring_free(r);
}

static void ring_peek_twice_returns_same_record(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    assert_true(push(r, 0, 1, 24));
    assert_true(push(r, 0, 2, 24));
    size_t l1, l2;
    const void *a = beacon__ring_peek(r, &l1);
    const void *b = beacon__ring_peek(r, &l2);
    assert_ptr_equal(a, b);
    assert_true(record_matches(b, l2, 0, 1));
    beacon__ring_release(r);
    b = beacon__ring_peek(r, &l2);
    assert_true(record_matches(b, l2, 0, 2));
    beacon__ring_free(r);
}

static void ring_zero_length_record_is_delivered(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    assert_non_null(beacon__ring_reserve(r, 0));
    beacon__ring_commit(r, 0);
    size_t len = 5;
    assert_non_null(beacon__ring_peek(r, &len));
    assert_int_equal(len, 0);
    beacon__ring_release(r);
    assert_true(beacon__ring_empty(r));
    beacon__ring_free(r);
}

static void ring_wraps_variable_sizes_over_many_cycles_preserving_bytes(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    uint64_t rng = 0x9e3779b97f4a7c15u, wseq = 0, rseq = 0;
    size_t maxrec = beacon__ring_max_record(r);
    /* ~200 laps of the buffer with sizes from 0 to the maximum, produced and
     * consumed in random bursts so every alignment of the wrap point occurs. */
    while (wseq < 60000) {
        unsigned burst = (unsigned)(next_rand(&rng) % 8u) + 1u;
        for (unsigned i = 0; i < burst; i++) {
            uint64_t x = next_rand(&rng);
            size_t len = (x & 0xF) == 0 ? (size_t)(x >> 8) % (maxrec + 1) : (size_t)(x >> 8) % 200;
            if (!push(r, 7, wseq, len)) break;
            wseq++;
        }
        unsigned take = (unsigned)(next_rand(&rng) % 8u) + 1u;
        for (unsigned i = 0; i < take; i++) {
            size_t len;
            const void *p = beacon__ring_peek(r, &len);
            if (!p) break;
            assert_true(record_matches(p, len, 7, rseq));
            assert_int_equal((uintptr_t)p % 8, 0);
            beacon__ring_release(r);
            rseq++;
        }
        /* Giving consumed lines back changes no byte and stops at the last
         * whole line below the released position. */
        beacon__ring_evict(r);
        size_t tail = atomic_load(&r->tail);
        assert_int_equal(r->evicted, tail & ~(size_t)(BEACON__RING_CACHE_LINE - 1));
    }
    size_t len;
    const void *p;
    while ((p = beacon__ring_peek(r, &len)) != NULL) {
        assert_true(record_matches(p, len, 7, rseq));
        beacon__ring_release(r);
        rseq++;
    }
    assert_int_equal(rseq, wseq);
    assert_int_equal(beacon__ring_used_bytes(r), 0);
    beacon__ring_free(r);
}

static void ring_reserve_returns_null_when_full_and_keeps_contents(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    uint64_t n = 0;
    while (push(r, 3, n, 40)) /* 48 bytes per record with its header */
        n++;
    assert_int_equal(n, 4096 / 48);
    /* 16 bytes are left at the end: a 9-byte record (24 with header and
     * alignment) fits neither there nor, after padding, at the start. */
    assert_null(beacon__ring_reserve(r, 40));
    assert_null(beacon__ring_reserve(r, 9));
    /* Still full after failed attempts; content intact and in order. */
    for (uint64_t i = 0; i < n; i++) {
        size_t len;
        const void *p = beacon__ring_peek(r, &len);
        assert_non_null(p);
        assert_true(record_matches(p, len, 3, i));
        beacon__ring_release(r);
    }
    size_t len;
    assert_null(beacon__ring_peek(r, &len));
    /* And usable again. */
    assert_true(push(r, 3, n, 40));
    beacon__ring_free(r);
}

static void ring_full_at_wrap_point_needs_room_for_padding(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    /* Move head to 4096-64 with the ring empty again (two 2016-byte records). */
    assert_true(push(r, 0, 0, 2008));
    assert_true(push(r, 0, 0, 2008));
    size_t len;
    for (int i = 0; i < 2; i++) {
        assert_non_null(beacon__ring_peek(r, &len));
        beacon__ring_release(r);
    }
    /* 64 bytes remain before the end; a 100-byte record pads and wraps. */
    assert_true(push(r, 0, 1, 100));
    assert_true(push(r, 0, 2, 2000));
    /* Used: 64 pad + 112 + 2008 = 2184; 1912 free, so 1904 fits, 1905 not. */
    assert_null(beacon__ring_reserve(r, 1905));
    assert_true(push(r, 0, 3, 1904));
    assert_null(beacon__ring_reserve(r, 0));
    for (uint64_t i = 1; i <= 3; i++) {
        const void *p = beacon__ring_peek(r, &len);
        assert_non_null(p);
        assert_true(record_matches(p, len, 0, i));
        beacon__ring_release(r);
    }
    assert_true(beacon__ring_empty(r));
    beacon__ring_free(r);
}

static void ring_rejects_record_larger_than_half_capacity(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    size_t max = beacon__ring_max_record(r);
    assert_int_equal(max, 2048 - 8);
    assert_null(beacon__ring_reserve(r, max + 1));
    assert_null(beacon__ring_reserve(r, SIZE_MAX));
    assert_true(beacon__ring_empty(r));
    assert_true(push(r, 0, 0, max));
    size_t len;
    const void *p = beacon__ring_peek(r, &len);
    assert_int_equal(len, max);
    assert_true(record_matches(p, len, 0, 0));
    beacon__ring_free(r);
}

static void ring_commit_shorter_than_reserved_gives_slack_back(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    void *p = beacon__ring_reserve(r, 1000);
    fill_record(p, 0, 0, 20);
    beacon__ring_commit(r, 20);
    assert_int_equal(beacon__ring_used_bytes(r), 8 + 24);
    size_t len;
    const void *q = beacon__ring_peek(r, &len);
    assert_int_equal(len, 20);
    assert_true(record_matches(q, len, 0, 0));
    beacon__ring_free(r);
}

static void ring_commit_without_matching_reserve_is_ignored(void **state) {
    (void)state;
    beacon__ring *r = beacon__ring_new(4096);
    beacon__ring_commit(r, 16);
    assert_true(beacon__ring_empty(r));
    assert_non_null(beacon__ring_reserve(r, 16));
    beacon__ring_commit(r, 17); /* larger than reserved */
    assert_true(beacon__ring_empty(r));
    beacon__ring_commit(r, 16);
    assert_false(beacon__ring_empty(r));
    beacon__ring_commit(r, 16); /* second commit of one reservation */
    assert_int_equal(beacon__ring_used_bytes(r), 24);
    beacon__ring_release(r); /* release without peek */
    assert_int_equal(beacon__ring_used_bytes(r), 24);
    beacon__ring_free(r);
}

/* --- two threads, one ring ----------------------------------------------- */

#define SPSC_RECORDS 2000000u

typedef struct spsc_ctx {
    beacon__ring *ring;
    uint64_t full_spins;
} spsc_ctx;

static size_t spsc_len(uint64_t seq) {
    return sizeof(rec_hdr) + (size_t)((seq * 2654435761u) >> 7) % 57u;
}

static void *spsc_producer(void *arg) {
    spsc_ctx *c = arg;
    for (uint64_t seq = 0; seq < SPSC_RECORDS; seq++) {
        while (!push(c->ring, 1, seq, spsc_len(seq))) {
            c->full_spins++;
            sched_yield();
        }
    }
    return NULL;
}

static void ring_transfers_2m_records_between_threads_in_order(void **state) {
    (void)state;
    spsc_ctx c = {beacon__ring_new(1u << 14), 0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, spsc_producer, &c), 0);
    uint64_t expect = 0, bad = 0;
    double deadline = now_s() + 120.0;
    while (expect < SPSC_RECORDS && now_s() < deadline) {
        size_t len;
        const void *p = beacon__ring_peek(c.ring, &len);
        if (!p) {
            sched_yield();
            continue;
        }
        if (len != spsc_len(expect) || !record_matches(p, len, 1, expect)) bad++;
        beacon__ring_release(c.ring);
        /* While the producer writes the lines past it (as the worker does). */
        if (++expect % 64 == 0) beacon__ring_evict(c.ring);
    }
    pthread_join(t, NULL);
    assert_int_equal(expect, SPSC_RECORDS);
    assert_int_equal(bad, 0);
    assert_true(beacon__ring_empty(c.ring));
    beacon__ring_free(c.ring);
}

/* --- registry ------------------------------------------------------------- */

#define REG_PRODUCERS 4u
#define REG_RECORDS   200000u

typedef struct reg_ctx {
    beacon__ring_registry *reg;
    uint32_t id;
    beacon__ring *ring; /* the ring the thread got, for identity checks */
    atomic_bool *go;    /* optional: wait for this before exiting */
} reg_ctx;

static void *reg_producer(void *arg) {
    reg_ctx *c = arg;
    for (uint64_t seq = 0; seq < REG_RECORDS; seq++) {
        beacon__ring *r = beacon__ring_for_thread(c->reg, 8192);
        if (!r) return (void *)1;
        if (seq == 0)
            c->ring = r;
        else if (r != c->ring)
            return (void *)2;
        while (!push(r, c->id, seq, sizeof(rec_hdr) + (size_t)(seq % 23u))) sched_yield();
    }
    return NULL;
}

typedef struct drain_ctx {
    uint64_t next[REG_PRODUCERS];
    uint64_t bad;
    uint64_t total;
} drain_ctx;

static void drain_ring(beacon__ring *r, void *arg) {
    drain_ctx *d = arg;
    size_t len;
    const void *p;
    while ((p = beacon__ring_peek(r, &len)) != NULL) {
        rec_hdr h;
        if (len < sizeof h) {
            d->bad++;
        } else {
            memcpy(&h, p, sizeof h);
            if (h.producer >= REG_PRODUCERS || h.seq != d->next[h.producer] ||
                !record_matches(p, len, h.producer, h.seq))
                d->bad++;
            else
                d->next[h.producer]++;
        }
        d->total++;
        beacon__ring_release(r);
    }
}

static void registry_delivers_every_thread_record_in_per_thread_order(void **state) {
    (void)state;
    beacon__ring_registry reg;
    assert_true(beacon__ring_registry_init(&reg));
    pthread_t t[REG_PRODUCERS];
    reg_ctx c[REG_PRODUCERS];
    for (uint32_t i = 0; i < REG_PRODUCERS; i++) {
        c[i] = (reg_ctx){&reg, i, NULL, NULL};
        assert_int_equal(pthread_create(&t[i], NULL, reg_producer, &c[i]), 0);
    }
    drain_ctx d = {{0}, 0, 0};
    double deadline = now_s() + 120.0;
    size_t reaped = 0;
    while (d.total < (uint64_t)REG_PRODUCERS * REG_RECORDS && now_s() < deadline) {
        uint64_t before = d.total;
        beacon__ring_registry_foreach(&reg, drain_ring, &d);
        reaped += beacon__ring_registry_reap(&reg);
        if (d.total == before) sched_yield();
    }
    for (uint32_t i = 0; i < REG_PRODUCERS; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        assert_null(rc);
    }
    assert_int_equal(d.bad, 0);
    for (uint32_t i = 0; i < REG_PRODUCERS; i++) assert_int_equal(d.next[i], REG_RECORDS);
    /* All producers exited and everything was drained: one ring per thread,
     * all reclaimed. */
    reaped += beacon__ring_registry_reap(&reg);
    assert_int_equal(reaped, REG_PRODUCERS);
    assert_int_equal(beacon__ring_registry_count(&reg), 0);
    beacon__ring_registry_deinit(&reg);
}

static void *few_records_then_exit(void *arg) {
    reg_ctx *c = arg;
    beacon__ring *r = beacon__ring_for_thread(c->reg, 4096);
    c->ring = r;
    for (uint64_t seq = 0; r && seq < 10; seq++) push(r, c->id, seq, 32);
    if (c->go)
        while (!atomic_load(c->go)) sched_yield();
    return NULL;
}

static void registry_orphaned_ring_is_reaped_only_after_drain(void **state) {
    (void)state;
    beacon__ring_registry reg;
    assert_true(beacon__ring_registry_init(&reg));
    reg_ctx c = {&reg, 2, NULL, NULL};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, few_records_then_exit, &c), 0);
    pthread_join(t, NULL);
    assert_non_null(c.ring);
    assert_true(beacon__ring_is_orphaned(c.ring));
    assert_int_equal(beacon__ring_registry_count(&reg), 1);
    /* Not drained yet: the records must survive their producer. */
    assert_int_equal(beacon__ring_registry_reap(&reg), 0);
    for (uint64_t seq = 0; seq < 10; seq++) {
        size_t len;
        const void *p = beacon__ring_peek(c.ring, &len);
        assert_non_null(p);
        assert_true(record_matches(p, len, 2, seq));
        beacon__ring_release(c.ring);
    }
    assert_int_equal(beacon__ring_registry_reap(&reg), 1);
    assert_int_equal(beacon__ring_registry_count(&reg), 0);
    beacon__ring_registry_deinit(&reg);
}

static void registry_reap_keeps_rings_of_live_threads(void **state) {
    (void)state;
    beacon__ring_registry reg;
    assert_true(beacon__ring_registry_init(&reg));
    beacon__ring *mine = beacon__ring_for_thread(&reg, 4096);
    assert_non_null(mine);
    assert_false(beacon__ring_is_orphaned(mine));
    assert_int_equal(beacon__ring_registry_reap(&reg), 0);
    assert_int_equal(beacon__ring_registry_count(&reg), 1);
    beacon__ring_registry_deinit(&reg);
}

static void registry_returns_same_ring_to_same_thread(void **state) {
    (void)state;
    beacon__ring_registry reg;
    assert_true(beacon__ring_registry_init(&reg));
    beacon__ring *a = beacon__ring_for_thread(&reg, 4096);
    beacon__ring *b = beacon__ring_for_thread(&reg, 1u << 20); /* size only used at creation */
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_int_equal(beacon__ring_capacity(a), 4096);
    assert_int_equal(beacon__ring_registry_count(&reg), 1);
    beacon__ring_registry_deinit(&reg);
}

static void registry_reinit_gives_thread_a_fresh_ring(void **state) {
    (void)state;
    beacon__ring_registry reg;
    assert_true(beacon__ring_registry_init(&reg));
    beacon__ring *a = beacon__ring_for_thread(&reg, 4096);
    assert_true(push(a, 0, 0, 16));
    beacon__ring_registry_deinit(&reg);
    /* Same address, new registry: the cached (freed) ring must not come back. */
    assert_true(beacon__ring_registry_init(&reg));
    beacon__ring *b = beacon__ring_for_thread(&reg, 4096);
    assert_non_null(b);
    assert_true(beacon__ring_empty(b));
    assert_int_equal(beacon__ring_registry_count(&reg), 1);
    beacon__ring_registry_deinit(&reg);
}

static void registry_foreach_visits_every_ring(void **state) {
    (void)state;
    beacon__ring_registry reg;
    assert_true(beacon__ring_registry_init(&reg));
    reg_ctx c[3];
    pthread_t t[3];
    for (uint32_t i = 0; i < 3; i++) {
        c[i] = (reg_ctx){&reg, i, NULL, NULL};
        assert_int_equal(pthread_create(&t[i], NULL, few_records_then_exit, &c[i]), 0);
    }
    for (uint32_t i = 0; i < 3; i++) pthread_join(t[i], NULL);
    drain_ctx d = {{0}, 0, 0};
    assert_int_equal(beacon__ring_registry_foreach(&reg, drain_ring, &d), 3);
    assert_int_equal(d.total, 30);
    assert_int_equal(d.bad, 0);
    assert_int_equal(beacon__ring_registry_reap(&reg), 3);
    beacon__ring_registry_deinit(&reg);
}

static void registry_after_fork_child_keeps_only_callers_ring_emptied(void **state) {
    (void)state;
    beacon__ring_registry reg;
    assert_true(beacon__ring_registry_init(&reg));
    beacon__ring *mine = beacon__ring_for_thread(&reg, 4096);
    assert_true(push(mine, 0, 0, 64));
    atomic_bool go = false;
    reg_ctx c = {&reg, 1, NULL, &go};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, few_records_then_exit, &c), 0);
    while (beacon__ring_registry_count(&reg) < 2) sched_yield();

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Child: only this thread exists; report failures by exit code. */
        beacon__ring_registry_after_fork_child(&reg);
        int rc = 0;
        size_t len;
        if (beacon__ring_registry_count(&reg) != 1)
            rc = 10;
        else if (beacon__ring_for_thread(&reg, 4096) != mine)
            rc = 11;
        else if (!beacon__ring_empty(mine) || beacon__ring_peek(mine, &len) != NULL)
            rc = 12;
        else if (!push(mine, 0, 5, 40))
            rc = 13;
        else {
            const void *p = beacon__ring_peek(mine, &len);
            if (!p || !record_matches(p, len, 0, 5)) rc = 14;
        }
        if (rc == 0) {
            beacon__ring_registry_deinit(&reg);
        }
        _exit(rc);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    atomic_store(&go, true);
    pthread_join(t, NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* The parent is untouched: both rings, with their records. */
    assert_int_equal(beacon__ring_registry_count(&reg), 2);
    size_t len;
    const void *p = beacon__ring_peek(mine, &len);
    assert_non_null(p);
    assert_true(record_matches(p, len, 0, 0));
    beacon__ring_registry_deinit(&reg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ring_capacity_rounds_up_to_power_of_two_with_minimum),
        cmocka_unit_test(ring_peek_on_empty_returns_null),
        cmocka_unit_test(ring_reserved_record_is_invisible_until_commit),
        cmocka_unit_test(ring_next_stops_at_the_last_look),
        cmocka_unit_test(ring_peek_twice_returns_same_record),
        cmocka_unit_test(ring_zero_length_record_is_delivered),
        cmocka_unit_test(ring_wraps_variable_sizes_over_many_cycles_preserving_bytes),
        cmocka_unit_test(ring_reserve_returns_null_when_full_and_keeps_contents),
        cmocka_unit_test(ring_full_at_wrap_point_needs_room_for_padding),
        cmocka_unit_test(ring_rejects_record_larger_than_half_capacity),
        cmocka_unit_test(ring_commit_shorter_than_reserved_gives_slack_back),
        cmocka_unit_test(ring_commit_without_matching_reserve_is_ignored),
        cmocka_unit_test(ring_transfers_2m_records_between_threads_in_order),
        cmocka_unit_test(registry_delivers_every_thread_record_in_per_thread_order),
        cmocka_unit_test(registry_orphaned_ring_is_reaped_only_after_drain),
        cmocka_unit_test(registry_reap_keeps_rings_of_live_threads),
        cmocka_unit_test(registry_returns_same_ring_to_same_thread),
        cmocka_unit_test(registry_reinit_gives_thread_a_fresh_ring),
        cmocka_unit_test(registry_foreach_visits_every_ring),
        cmocka_unit_test(registry_after_fork_child_keeps_only_callers_ring_emptied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
