/* test_backtrace.c — beacon_backtrace_capture: frames recorded on glibc (and
 * none elsewhere), each a NUL-terminated "name+0xhex" string inside bt->text,
 * module names without directories, skip and the frame limit.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "beacon/beacon_gen.h"

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
/* Keeps a call from becoming a tail call, which would drop its frame. */
#define KEEP_FRAME() __asm__ volatile("" ::: "memory")
#else
#define NOINLINE
#define KEEP_FRAME() ((void)0)
#endif

/* The stack is captured one call below the test, through a single call site,
 * so captures that differ only in skip share every frame above it. */
static NOINLINE size_t capture_below(beacon_backtrace *bt, unsigned skip) {
    size_t n = beacon_backtrace_capture(bt, skip);
    KEEP_FRAME();
    return n;
}

static NOINLINE size_t capture_at_depth(beacon_backtrace *bt, int depth) {
    if (depth == 0) return capture_below(bt, 0);
    size_t n = capture_at_depth(bt, depth - 1);
    KEEP_FRAME();
    return n;
}

/* "name+0x<lowercase hex>" or "??", with a non-empty name. */
static int frame_has_shape(const char *f) {
    if (strcmp(f, "??") == 0) return 1;
    const char *plus = strrchr(f, '+');
    if (plus == NULL || plus == f || strncmp(plus, "+0x", 3) != 0 || plus[3] == '\0') return 0;
    for (const char *p = plus + 3; *p; p++) {
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    }
    return 1;
}

#if defined(__GLIBC__)

static void capture_records_frames(void **state) {
    (void)state;
    beacon_backtrace bt;
    size_t n = capture_below(&bt, 0);
    assert_true(n > 0);
    assert_int_equal(n, bt.count);
    assert_true(n <= BEACON_BACKTRACE_MAX_FRAMES);
}

static void every_frame_is_a_nonempty_string_inside_text(void **state) {
    (void)state;
    beacon_backtrace bt;
    size_t n = capture_below(&bt, 0);
    assert_true(n > 0);
    const char *end = bt.text + sizeof bt.text;
    for (size_t i = 0; i < n; i++) {
        const char *f = bt.frames[i];
        assert_true(f >= bt.text && f < end);
        const char *nul = memchr(f, '\0', (size_t)(end - f));
        assert_non_null(nul);
        assert_true(nul > f);
    }
}

static void frames_do_not_overlap(void **state) {
    (void)state;
    beacon_backtrace bt;
    size_t n = capture_below(&bt, 0);
    for (size_t i = 1; i < n; i++) {
        assert_true(bt.frames[i] > bt.frames[i - 1] + strlen(bt.frames[i - 1]));
    }
}

static void every_frame_is_name_plus_hex_offset(void **state) {
    (void)state;
    beacon_backtrace bt;
    size_t n = capture_below(&bt, 0);
    for (size_t i = 0; i < n; i++) {
        if (!frame_has_shape(bt.frames[i])) print_error("bad frame: \"%s\"\n", bt.frames[i]);
        assert_true(frame_has_shape(bt.frames[i]));
    }
}

static void frames_name_modules_without_directories(void **state) {
    (void)state;
    beacon_backtrace bt;
    size_t n = capture_below(&bt, 0);
    for (size_t i = 0; i < n; i++) assert_null(strchr(bt.frames[i], '/'));
}

/* The test program exports no symbols, so its own frames are named after
 * the executable; the stack also runs through the C library's startup. */
static void first_frame_is_the_caller_in_this_program(void **state) {
    (void)state;
    beacon_backtrace bt;
    assert_true(capture_below(&bt, 0) > 0);
    assert_true(strncmp(bt.frames[0], "test_backtrace+0x", 17) == 0);
}

static void stack_reaches_into_the_c_library(void **state) {
    (void)state;
    beacon_backtrace bt;
    size_t n = capture_below(&bt, 0);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        found |= strncmp(bt.frames[i], "libc.so", 7) == 0 ||
                 strncmp(bt.frames[i], "__libc_start_main", 17) == 0;
    }
    assert_true(found);
}

static void skip_drops_frames_from_the_top(void **state) {
    (void)state;
    beacon_backtrace bts[2];
    /* An unknown trip count keeps the loop (and its one call site) intact. */
    volatile unsigned rounds = 2;
    for (unsigned skip = 0; skip < rounds; skip++) capture_below(&bts[skip], skip);
    assert_true(bts[0].count >= 2);
    assert_int_equal(bts[1].count, bts[0].count - 1);
    for (size_t i = 0; i < bts[1].count; i++) {
        assert_string_equal(bts[1].frames[i], bts[0].frames[i + 1]);
    }
}

static void deep_stack_is_cut_at_the_frame_limit(void **state) {
    (void)state;
    beacon_backtrace bt;
    size_t n = capture_at_depth(&bt, 2 * BEACON_BACKTRACE_MAX_FRAMES);
    assert_int_equal(n, BEACON_BACKTRACE_MAX_FRAMES);
    /* The innermost frames are kept: the recursion repeats one return site. */
    assert_string_equal(bt.frames[2], bt.frames[3]);
}

static void skip_past_the_whole_stack_records_nothing(void **state) {
    (void)state;
    beacon_backtrace bt;
    bt.count = 99;
    assert_int_equal(capture_below(&bt, 1000), 0);
    assert_int_equal(bt.count, 0);
}

/* Each thread captures into its own struct many times; all captures from one
 * call site must agree (and TSan must see no race in the lookups). */
static void *capture_repeatedly(void *arg) {
    beacon_backtrace *bts = arg;
    volatile int rounds = 200; /* not unrolled: one call site */
    for (int i = 0; i < rounds; i++) capture_below(&bts[i % 2], 0);
    return NULL;
}

static void threads_capture_concurrently_into_their_own_structs(void **state) {
    (void)state;
    static beacon_backtrace bts[2][2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, capture_repeatedly, bts[i]), 0);
    }
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_true(bts[i][0].count > 0);
        assert_int_equal(bts[i][0].count, bts[i][1].count);
        for (size_t f = 0; f < bts[i][0].count; f++) {
            assert_string_equal(bts[i][0].frames[f], bts[i][1].frames[f]);
        }
    }
    assert_string_equal(bts[0][0].frames[0], bts[1][0].frames[0]);
}

#else

static void capture_records_nothing_without_glibc(void **state) {
    (void)state;
    beacon_backtrace bt;
    bt.count = 99;
    assert_int_equal(capture_below(&bt, 0), 0);
    assert_int_equal(bt.count, 0);
}

#endif

static void null_backtrace_returns_zero(void **state) {
    (void)state;
    assert_int_equal(beacon_backtrace_capture(NULL, 0), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
#if defined(__GLIBC__)
        cmocka_unit_test(capture_records_frames),
        cmocka_unit_test(every_frame_is_a_nonempty_string_inside_text),
        cmocka_unit_test(frames_do_not_overlap),
        cmocka_unit_test(every_frame_is_name_plus_hex_offset),
        cmocka_unit_test(frames_name_modules_without_directories),
        cmocka_unit_test(first_frame_is_the_caller_in_this_program),
        cmocka_unit_test(stack_reaches_into_the_c_library),
        cmocka_unit_test(skip_drops_frames_from_the_top),
        cmocka_unit_test(deep_stack_is_cut_at_the_frame_limit),
        cmocka_unit_test(skip_past_the_whole_stack_records_nothing),
        cmocka_unit_test(threads_capture_concurrently_into_their_own_structs),
#else
        cmocka_unit_test(capture_records_nothing_without_glibc),
#endif
        cmocka_unit_test(null_backtrace_returns_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
