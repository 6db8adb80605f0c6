/* test_alloc.c — a counting allocator (counting_alloc.h) proves that emit
 * does not touch the heap once the calling thread has emitted once. Sanitizer
 * builds interpose the allocator themselves, so there the test is skipped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

#include "counting_alloc.h"

static const char *const k_tags[] = {"alpha", "beta"};
static const int64_t k_nums[] = {1, 2, 3};

static void emit_mix(int i) {
    tfx_everything e =
        tfx_everything_make(i & 1, 3, 5, 0.25, "name", 1, 2, TFX_COLOR_RED, k_tags, 2, k_nums, 3);
    assert_int_equal(tfx_everything_emit(&e), BEACON_OK);
    tfx_plain p = tfx_plain_make(i % 10);
    assert_int_equal(tfx_plain_emit(&p), BEACON_OK);
    beacon_lifecycle t;
    tfx_upload_begin b = tfx_upload_begin_make("file.bin");
    assert_int_equal(tfx_upload_begin_emit(&b, &t), BEACON_OK);
    tfx_sampled s = tfx_sampled_make(1);
    assert_int_equal(tfx_sampled_emit(&s), BEACON_ERR_SAMPLED_OUT);
}

static void emit_allocates_nothing_after_the_first_emit(void **state) {
    (void)state;
    if (!COUNTING) skip();
    ts_reset_runtime();
    beacon_capture_clear("al");
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "capture:al?max=100000000"), BEACON_OK);
    beacon_options_set_ring_kb(o, 8192); /* room for the whole burst */
    assert_int_equal(beacon_init(o), BEACON_OK);
    /* context is copied at set, not at emit */
    assert_int_equal(tfx_context_set_request_id("acme"), BEACON_OK);
    emit_mix(0); /* the thread's first emit sets up its ring */
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    t_allocs = 0;
    t_counting = 1;
    for (int i = 1; i < 5000; i++) emit_mix(i);
    t_counting = 0;
    assert_int_equal(t_allocs, 0);
    assert_int_equal(beacon_flush(10000), BEACON_OK);
    assert_int_equal(beacon_capture_count("al"), 3 * 5000);
    tfx_context_clear();
    ts_reset_runtime();
    beacon_capture_clear("al");
}

static void allocator_wrappers_do_count(void **state) {
    (void)state;
    if (!COUNTING) skip();
    t_allocs = 0;
    t_counting = 1;
    void *volatile p = malloc(16);
    t_counting = 0;
    free(p);
    assert_int_equal(t_allocs, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allocator_wrappers_do_count),
        cmocka_unit_test(emit_allocates_nothing_after_the_first_emit),
    };
    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
