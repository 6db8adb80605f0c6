/* test_verdict.c — each event's verdict (core/verdict.h): an event the
 * configuration refuses (switched off, a sample rate of 0, no sink's filter
 * or level takes it) is refused by the generated _emit before the clock,
 * with the status and the counters it had when the runtime refused it; the
 * verdict follows every change of the configuration, also for events first
 * emitted after the change, and counts stay exact while another thread
 * switches emit on and off. The same tests run against fst_events built on
 * the out-of-line path (FST_OUT_OF_LINE, test_verdict_outofline).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
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

#include "core/state.h"
#include "emit/ring.h"
#include "fixture_support.h"
#ifdef FST_OUT_OF_LINE
#define BEACON_GEN_NO_INLINE /* _emit: plain calls, refused or taken by the runtime */
#endif
#include "fst_events.h"

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_capture_clear_all();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    beacon_set_sample_rate(NULL, 0);
    ts_reset_runtime();
    return 0;
}

/* The kind of d's verdict as its state holds it (BEACON_GEN_VERDICT_STEP
 * when none is current). */
static uint64_t verdict_of(const beacon_event_desc *d) {
    uint64_t kind = __atomic_load_n(&d->state->opaque[2], __ATOMIC_ACQUIRE) -
                    __atomic_load_n(&beacon_gen_g.config_gen, __ATOMIC_ACQUIRE);
    return kind < BEACON_GEN_VERDICT_STEP ? kind : BEACON_GEN_VERDICT_STEP;
}

static beacon_status emit_scalar(int64_t n) {
    fst_every_scalar ev = fst_every_scalar_make(true, n, 1, 0.5, 0, 1000, FST_COLOR_RED, "x");
    return fst_every_scalar_emit(&ev);
}

static beacon_counters totals(void) {
    beacon_counters t;
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    assert_int_equal(beacon_stats(&t, NULL, 0, NULL), BEACON_OK);
    return t;
}

/* The process totals (which live as long as the process) since `t0`. */
static beacon_counters totals_since(const beacon_counters *t0) {
    beacon_counters t = totals();
    t.emitted -= t0->emitted;
    t.delivered -= t0->delivered;
    t.dropped_filtered -= t0->dropped_filtered;
    t.dropped_sampled -= t0->dropped_sampled;
    return t;
}

static size_t captured(const char *name) {
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    return beacon_capture_count(name);
}

/* Off, on, off again: each switch changes what the next emit does, the
 * refused emits count as dropped_filtered, and nothing refused reaches the
 * sink. */
static void verdict_follows_set_enabled(void **state) {
    (void)state;
    ts_init_with_sinks("capture");
    assert_int_equal(emit_scalar(1), BEACON_OK);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_KEEP);
    beacon_counters t0 = totals();

    beacon_set_enabled(false);
    for (int i = 0; i < 100; i++) assert_int_equal(emit_scalar(i), BEACON_ERR_DISABLED);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_DISABLED);
    beacon_counters t1 = totals();
    assert_int_equal(t1.emitted - t0.emitted, 100);
    assert_int_equal(t1.dropped_filtered - t0.dropped_filtered, 100);
    assert_int_equal(t1.delivered, t0.delivered);

    beacon_set_enabled(true);
    assert_int_equal(emit_scalar(2), BEACON_OK);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_KEEP);
    beacon_set_enabled(false);
    assert_int_equal(emit_scalar(3), BEACON_ERR_DISABLED);
    beacon_set_enabled(true);
    assert_int_equal(captured(NULL), 2);
    beacon_counters t2 = totals_since(&t0);
    assert_int_equal(t2.dropped_filtered, 101);
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(s.dropped_filtered, 101);
    ts_assert_balanced(&s);
}

/* BEACON_DISABLED=1 at init refuses every event, one never emitted before
 * included, and beacon_set_enabled(true) cannot undo it. */
static void kill_switch_refuses_every_event(void **state) {
    (void)state;
    setenv("BEACON_DISABLED", "1", 1);
    ts_init_with_sinks("capture");
    beacon_counters t0 = totals();
    beacon_set_enabled(true);
    assert_int_equal(emit_scalar(1), BEACON_ERR_DISABLED);
    fst_flow_opened b = fst_flow_opened_make("here");
    beacon_lifecycle trace, zero;
    memset(&trace, 0xAB, sizeof trace);
    memset(&zero, 0, sizeof zero);
    assert_int_equal(fst_flow_opened_emit(&b, &trace), BEACON_ERR_DISABLED);
    assert_memory_equal(&trace, &zero, sizeof trace);
    const char *tags[] = {"t"};
    fst_with_list l = fst_with_list_make(tags, 1, 1);
    assert_int_equal(fst_with_list_emit(&l), BEACON_ERR_DISABLED);
    beacon_counters t = totals_since(&t0);
    assert_int_equal(t.emitted, 3);
    assert_int_equal(t.dropped_filtered, t.emitted);
    assert_int_equal(t.delivered, 0);
    assert_int_equal(captured(NULL), 0);
}

/* A sample rate of 0 set, then removed; BEACON_SAMPLE_RATE=0; a catalog
 * sample_rate of 0. Refused emits are dropped_sampled. */
static void verdict_follows_sample_rates(void **state) {
    (void)state;
    ts_init_with_sinks("capture");
    beacon_counters t0 = totals();
    assert_int_equal(emit_scalar(0), BEACON_OK);
    assert_int_equal(beacon_set_sample_rate("every.*", 0), BEACON_OK);
    for (int i = 0; i < 50; i++) assert_int_equal(emit_scalar(i), BEACON_ERR_SAMPLED_OUT);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_SAMPLED);
    assert_int_equal(beacon_set_sample_rate("every.*", -1), BEACON_OK);
    assert_int_equal(emit_scalar(1), BEACON_OK);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_KEEP);
    assert_int_equal(beacon_set_sample_rate("category:fast", 0), BEACON_OK);
    assert_int_equal(emit_scalar(2), BEACON_ERR_SAMPLED_OUT);
    assert_int_equal(beacon_set_sample_rate(NULL, 0), BEACON_OK);
    assert_int_equal(emit_scalar(3), BEACON_OK);

    /* The catalog's sample_rate: 0, and a pattern that overrides it. */
    fst_never_kept n = fst_never_kept_make(1);
    assert_int_equal(fst_never_kept_emit(&n), BEACON_ERR_SAMPLED_OUT);
    assert_int_equal(verdict_of(&fst_never_kept_desc), BEACON_GEN_VERDICT_SAMPLED);
    assert_int_equal(beacon_set_sample_rate("never.kept", 1), BEACON_OK);
    assert_int_equal(fst_never_kept_emit(&n), BEACON_OK);
    assert_int_equal(beacon_set_sample_rate(NULL, 0), BEACON_OK);

    beacon_counters t = totals_since(&t0);
    assert_int_equal(t.emitted, 56);
    assert_int_equal(t.dropped_sampled, 52);
    assert_int_equal(t.delivered, 4);
    assert_int_equal(captured(NULL), 4);
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(s.dropped_sampled, 52);
    ts_assert_balanced(&s);

    /* BEACON_SAMPLE_RATE=0 at the next init. */
    ts_reset_runtime();
    setenv("BEACON_SAMPLE_RATE", "0", 1);
    ts_init_with_sinks("capture");
    beacon_counters before = totals();
    assert_int_equal(emit_scalar(4), BEACON_ERR_SAMPLED_OUT);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_SAMPLED);
    beacon_counters after = totals();
    assert_int_equal(after.dropped_sampled - before.dropped_sampled, 1);
}

/* Two sinks, one filtering the event out by name and one by level: the
 * event is refused on the caller (BEACON_OK, as when the sinks refused it
 * after the queue), counted dropped_filtered once in the totals and once by
 * each sink, and each sink gets nothing; a third sink that takes it makes
 * it kept again after the next init. */
static void sinks_that_all_refuse_make_it_refused(void **state) {
    (void)state;
    ts_init_with_sinks("capture:a?filter=other.*;capture:b?level=error");
    beacon_counters t0 = totals();
    enum { N = 40 };
    for (int i = 0; i < N; i++) assert_int_equal(emit_scalar(i), BEACON_OK);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_FILTERED);
    beacon_counters t = totals_since(&t0);
    assert_int_equal(t.emitted, N);
    assert_int_equal(t.dropped_filtered, N);
    for (size_t i = 0; i < 2; i++) {
        beacon_counters s = ts_sink_counters(i);
        assert_int_equal(s.emitted, N);
        assert_int_equal(s.dropped_filtered, N);
        ts_assert_balanced(&s);
    }
    assert_int_equal(captured("a") + captured("b"), 0);

    /* A begin event no sink takes still starts a trace, which the events
     * following it carry (and a sink may take those). */
    fst_flow_opened b = fst_flow_opened_make("here");
    beacon_lifecycle trace;
    beacon_trace_id zero;
    memset(&zero, 0, sizeof zero);
    assert_int_equal(fst_flow_opened_emit(&b, &trace), BEACON_OK);
    assert_memory_not_equal(&trace.trace_id, &zero, sizeof zero);
    assert_int_equal(verdict_of(&fst_flow_opened_desc), BEACON_GEN_VERDICT_KEEP);
    fst_flow_step f = fst_flow_step_make(trace, 1);
    assert_int_equal(fst_flow_step_emit(&f), BEACON_OK);
    beacon_counters t2 = totals_since(&t0);
    assert_int_equal(t2.dropped_filtered, N + 2);
    assert_int_equal(t2.dropped_invalid, t.dropped_invalid);

    ts_reset_runtime();
    ts_init_with_sinks("capture:a?filter=other.*;capture:b?level=error;capture:c");
    assert_int_equal(emit_scalar(1), BEACON_OK);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_KEEP);
    assert_int_equal(captured("c"), 1);
    assert_int_equal(ts_sink_counters(0).dropped_filtered, 1);
    assert_int_equal(ts_sink_counters(1).dropped_filtered, 1);
    assert_int_equal(ts_sink_counters(2).delivered, 1);
    beacon_capture_clear("c");
}

/* A sample rate of 1/2 for an event every sink refuses: each emit is drawn;
 * the ones kept by the draw are refused as filtered. Every emit ends in one
 * of the two counters. */
static void sampled_events_no_sink_takes_are_counted_by_the_draw(void **state) {
    (void)state;
    ts_init_with_sinks("capture:a?filter=other.*");
    beacon_counters t0 = totals();
    assert_int_equal(beacon_set_sample_rate("every.scalar", 0.5), BEACON_OK);
    enum { N = 2000 };
    int ok = 0, sampled = 0;
    for (int i = 0; i < N; i++) {
        beacon_status st = emit_scalar(i);
        ok += st == BEACON_OK;
        sampled += st == BEACON_ERR_SAMPLED_OUT;
    }
    assert_int_equal(ok + sampled, N);
    assert_true(ok > N / 4 && sampled > N / 4);
    assert_int_equal(verdict_of(&fst_every_scalar_desc), BEACON_GEN_VERDICT_SAMPLE_FILTERED);
    beacon_counters t = totals_since(&t0);
    assert_int_equal(t.dropped_sampled, sampled);
    assert_int_equal(t.dropped_filtered, ok);
    assert_int_equal(captured("a"), 0);
}

/* A thread whose every event is refused never gets a queue (nothing but
 * the verdict is looked at) and its counts survive its exit. */
static void *emit_refused_events(void *arg) {
    (void)arg;
    for (int i = 0; i < 1000; i++)
        if (emit_scalar(i) != BEACON_ERR_DISABLED) return (void *)1;
    return NULL;
}

static void refused_events_take_no_queue(void **state) {
    (void)state;
    ts_init_with_sinks("capture");
    beacon_set_enabled(false);
    assert_int_equal(emit_scalar(0), BEACON_ERR_DISABLED); /* this thread's verdict */
    beacon_counters before = totals();
    size_t rings = beacon__ring_registry_count(&beacon__g.rings);
    for (int round = 0; round < 3; round++) {
        pthread_t t;
        void *bad = NULL;
        assert_int_equal(pthread_create(&t, NULL, emit_refused_events, NULL), 0);
        assert_int_equal(pthread_join(t, &bad), 0);
        assert_null(bad);
    }
    assert_int_equal(beacon__ring_registry_count(&beacon__g.rings), rings);
    beacon_counters after = totals();
    assert_int_equal(after.dropped_filtered - before.dropped_filtered, 3000);
    assert_int_equal(after.emitted - before.emitted, 3000);
}

/* Threads emit while another switches emit off and on: each emit's status
 * says what happened to it, and the counters agree with the statuses
 * exactly. */
enum { EMITTERS = 3, PER_EMITTER = 20000 };

typedef struct emitter {
    int ok, disabled, other;
    beacon_status first_other; /* the first status that was neither */
} emitter;

static _Atomic bool g_stop;

static void *emit_many(void *arg) {
    emitter *e = arg;
    for (int i = 0; i < PER_EMITTER; i++) {
        beacon_status st = emit_scalar(i);
        if (st == BEACON_OK) {
            e->ok++;
        } else if (st == BEACON_ERR_DISABLED) {
            e->disabled++;
        } else if (e->other++ == 0) {
            e->first_other = st;
        }
    }
    return NULL;
}

static void *toggle(void *arg) {
    (void)arg;
    bool on = false;
    while (!atomic_load(&g_stop)) {
        beacon_set_enabled(on);
        on = !on;
    }
    beacon_set_enabled(true);
    return NULL;
}

static void counts_stay_exact_while_switching(void **state) {
    (void)state;
    beacon_options *o = beacon_options_new();
    assert_non_null(o);
    assert_int_equal(beacon_options_set_sinks(o, "capture?max=1000000"), BEACON_OK);
    beacon_options_set_block_ms(o, 10000); /* no queue-full drops */
    assert_int_equal(beacon_init(o), BEACON_OK);
    beacon_counters before = totals();
    atomic_store(&g_stop, false);
    pthread_t tog, th[EMITTERS];
    emitter e[EMITTERS];
    memset(e, 0, sizeof e);
    assert_int_equal(pthread_create(&tog, NULL, toggle, NULL), 0);
    for (int i = 0; i < EMITTERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, emit_many, &e[i]), 0);
    for (int i = 0; i < EMITTERS; i++) pthread_join(th[i], NULL);
    atomic_store(&g_stop, true);
    pthread_join(tog, NULL);
    int ok = 0, disabled = 0;
    for (int i = 0; i < EMITTERS; i++) {
        if (e[i].other != 0)
            fail_msg("%d emits returned neither OK nor DISABLED, the first %s", e[i].other,
                     beacon_status_str(e[i].first_other));
        ok += e[i].ok;
        disabled += e[i].disabled;
    }
    assert_int_equal(ok + disabled, EMITTERS * PER_EMITTER);
    beacon_counters after = totals();
    assert_int_equal(after.emitted - before.emitted, EMITTERS * PER_EMITTER);
    assert_int_equal(after.delivered - before.delivered, ok);
    assert_int_equal(after.dropped_filtered - before.dropped_filtered, disabled);
    beacon_counters s = ts_sink_counters(0);
    assert_int_equal(s.emitted, EMITTERS * PER_EMITTER);
    assert_int_equal(s.delivered, ok);
    ts_assert_balanced(&s);
    beacon_capture_clear(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(verdict_follows_set_enabled, setup, teardown),
        cmocka_unit_test_setup_teardown(kill_switch_refuses_every_event, setup, teardown),
        cmocka_unit_test_setup_teardown(verdict_follows_sample_rates, setup, teardown),
        cmocka_unit_test_setup_teardown(sinks_that_all_refuse_make_it_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(sampled_events_no_sink_takes_are_counted_by_the_draw, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refused_events_take_no_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(counts_stay_exact_while_switching, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
