/* test_accounting.c — the accounting invariant under pressure: four threads
 * flood a tiny ring; some events are dropped, and every one is counted
 * exactly once, per sink and in the totals.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "fixture_support.h"

enum { THREADS = 4, PER_THREAD = 20000 };

typedef struct tally {
    uint64_t ok, full, sampled, invalid;
} tally;

static void *flood(void *arg) {
    tally *t = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        tfx_plain plain = tfx_plain_make(i % 13 == 0 ? 99 /* invalid */ : i % 10);
        tfx_sampled sampled = tfx_sampled_make(1);
        beacon_status st =
            i % 13 != 0 && i % 7 == 0 ? tfx_sampled_emit(&sampled) : tfx_plain_emit(&plain);
        switch (st) {
            case BEACON_OK: t->ok++; break;
            case BEACON_ERR_QUEUE_FULL: t->full++; break;
            case BEACON_ERR_SAMPLED_OUT: t->sampled++; break;
            case BEACON_ERR_INVALID_EVENT: t->invalid++; break;
            default: fail_msg("unexpected status");
        }
    }
    return NULL;
}

static void flood_on_a_tiny_ring_counts_every_event_exactly(void **state) {
    (void)state;
    ts_reset_runtime();
    beacon_capture_clear("acc");
    beacon_counters t0;
    beacon_stats(&t0, NULL, 0, NULL);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "capture:acc?max=100000000"), BEACON_OK);
    assert_int_equal(beacon_options_add_sink(o, "capture:acc2?filter=!plain&max=100000000"),
                     BEACON_OK);
    beacon_options_set_ring_kb(o, 4);
    assert_int_equal(beacon_init(o), BEACON_OK);

    pthread_t th[THREADS];
    tally t[THREADS];
    memset(t, 0, sizeof t);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, flood, &t[i]), 0);
    for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    assert_int_equal(beacon_flush(20000), BEACON_OK);

    tally sum = {0};
    for (int i = 0; i < THREADS; i++) {
        sum.ok += t[i].ok;
        sum.full += t[i].full;
        sum.sampled += t[i].sampled;
        sum.invalid += t[i].invalid;
    }
    assert_int_equal(sum.ok + sum.full + sum.sampled + sum.invalid, THREADS * PER_THREAD);
    assert_true(sum.full > 0); /* the ring was too small for the flood */

    beacon_sink_stats s[2];
    size_t n = 0;
    beacon_counters t1;
    assert_int_equal(beacon_stats(&t1, s, 2, &n), BEACON_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < 2; i++) {
        const beacon_counters *c = &s[i].counters;
        ts_assert_balanced(c);
        assert_int_equal(c->emitted, THREADS * PER_THREAD);
        assert_int_equal(c->dropped_queue_full, sum.full);
        assert_int_equal(c->dropped_sampled, sum.sampled);
        assert_int_equal(c->dropped_invalid, sum.invalid);
    }
    assert_int_equal(s[0].counters.delivered, sum.ok);
    assert_int_equal(beacon_capture_count("acc"), sum.ok);
    assert_int_equal(s[1].counters.delivered + s[1].counters.dropped_filtered, sum.ok);
    assert_int_equal(s[1].counters.delivered, 0); /* only plain was accepted by emit */
    assert_int_equal(t1.emitted - t0.emitted, THREADS * PER_THREAD);
    assert_int_equal(t1.delivered - t0.delivered, sum.ok);
    ts_assert_balanced(&t1);
    ts_reset_runtime();
    beacon_capture_clear("acc");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flood_on_a_tiny_ring_counts_every_event_exactly),
    };
    return cmocka_run_group_tests_name("accounting", tests, NULL, NULL);
}
