/* test_fast_emit.c — the generated direct _emit (beacon_gen_reserve/commit,
 * record written by generated code) against beacon_gen_emit (record written
 * from the descriptor): the same events go through both into a capture sink
 * and must come out as the same JSON (time and id aside), with the same
 * statuses and counters for rejected events, and no allocation.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture_support.h"
#include "emit/ring.h"
#include "core/state.h"
#include "worker/pipeline.h"
#include <beacon/beacon_trace.h>
#ifdef FST_OUT_OF_LINE
#define BEACON_GEN_NO_INLINE /* _emit: plain calls, refused or taken by the runtime */
#endif
#include "fst_events.h"

#include "counting_alloc.h"

#define SINK "fe"

/* Whether the generated code under test has the inline path: the same
 * tests run against fst_events built with BEACON_GEN_NO_INLINE
 * (FST_OUT_OF_LINE), where every direct emit takes the runtime's path. */
#if defined(FST_OUT_OF_LINE)
#define GENERATED_INLINE 0
#else
#define GENERATED_INLINE BEACON_GEN_INLINE
#endif

/* Whether this thread's emits take the inline path: generated code has it
 * (whatever the clock). */
static bool inline_path_open(void) {
    return GENERATED_INLINE;
}

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    beacon_capture_clear(SINK);
    ts_init_with_sinks("capture:" SINK "?max=1000000");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    fst_context_clear();
    /* What a failed test may have left behind on this thread: pushed
     * contexts, open spans, sampling patterns. */
    while (beacon_context_pop() == BEACON_OK) {
    }
    beacon_gen_lane_tls.span_depth = 0;
    beacon_set_sample_rate(NULL, 0);
    ts_reset_runtime();
    beacon_capture_clear(SINK);
    return 0;
}

static size_t captured(void) {
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    return beacon_capture_count(SINK);
}

/* Captured event i as written, with the values of the two members that
 * differ between two emits of the same struct (its own id and the emit time)
 * emptied. They come first, before any caller text. Caller frees. */
static char *event_text(size_t i) {
    static char buf[1 << 21];
    size_t n = beacon_capture_get(SINK, i, buf, sizeof buf);
    assert_true(n > 0 && n < sizeof buf);
    static const char *const keys[] = {",\"time\":\"", ",\"id\":\""};
    for (size_t k = 0; k < 2; k++) {
        char *v = strstr(buf, keys[k]);
        assert_non_null(v);
        v += strlen(keys[k]);
        char *end = strchr(v, '"');
        assert_non_null(end);
        memmove(v, end, strlen(end) + 1);
    }
    char *copy = strdup(buf);
    assert_non_null(copy);
    return copy;
}

/* Captured event i parsed by jansson (integers as reals: uint64 values past
 * INT64_MAX do not fit jansson's integers). */
static json_t *event_at(size_t i) {
    char *text = event_text(i);
    json_error_t err;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &err);
    if (!o) fprintf(stderr, "not JSON (%s): %s\n", err.text, text);
    free(text);
    assert_non_null(o);
    return o;
}

static beacon_counters totals(void) {
    beacon_counters c;
    assert_int_equal(beacon_stats(&c, NULL, 0, NULL), BEACON_OK);
    return c;
}

/* Captured count and counters before the direct emit under test; taken by
 * mark(), which the macros below sequence before that emit. */
static size_t g_before;
static beacon_counters g_c0;

static void mark(void) {
    g_before = captured();
    g_c0 = totals();
}

/* After the direct emit of an event (status fast_st), emits it again through
 * beacon_gen_emit and asserts both were accepted and captured as the same
 * JSON text, byte for byte. Returns the direct path's event parsed (caller
 * frees). */
static json_t *assert_same(beacon_status fast_st, const beacon_event_hdr *hdr) {
    assert_int_equal(fast_st, BEACON_OK);
    assert_int_equal(beacon_gen_emit(hdr, NULL), BEACON_OK);
    assert_int_equal(captured(), g_before + 2);
    char *fast = event_text(g_before);
    char *slow = event_text(g_before + 1);
    if (strcmp(fast, slow) != 0) {
        fprintf(stderr, "direct emit wrote\n  %s\ndescriptor emit wrote\n  %s\n", fast, slow);
        fail();
    }
    free(fast);
    free(slow);
    return event_at(g_before);
}

#define SAME_JSON(emit_fn, ev) (mark(), assert_same(emit_fn(&(ev)), &(ev).hdr))
#define SAME(emit_fn, ev)      json_decref(SAME_JSON(emit_fn, ev))

/* After the direct emit of an event returned fast_st, emits it through
 * beacon_gen_emit too, expecting `want` from each, the same counter change
 * (one more each at counter_offset) and nothing captured. */
static void assert_same_rejection(beacon_status fast_st, const beacon_event_hdr *hdr,
                                  beacon_status want, size_t counter_offset) {
    assert_int_equal(fast_st, want);
    beacon_counters c1 = totals();
    assert_int_equal(beacon_gen_emit(hdr, NULL), want);
    beacon_counters c2 = totals();
    uint64_t n0, n1, n2;
    memcpy(&n0, (const char *)&g_c0 + counter_offset, sizeof n0);
    memcpy(&n1, (const char *)&c1 + counter_offset, sizeof n1);
    memcpy(&n2, (const char *)&c2 + counter_offset, sizeof n2);
    assert_int_equal(n1, n0 + 1);
    assert_int_equal(n2, n1 + 1);
    assert_int_equal(c1.emitted, g_c0.emitted + 1);
    assert_int_equal(captured(), g_before);
}

#define REJECTED(emit_fn, ev, want, counter)                                                       \
    (mark(),                                                                                       \
     assert_same_rejection(emit_fn(&(ev)), &(ev).hdr, want, offsetof(beacon_counters, counter)))

/* An event has to be emitted once on this thread before captured() works. */
static void prime(void) {
    beacon_lifecycle h;
    memset(&h, 0, sizeof h);
    h.trace_id.bytes[0] = 1;
    fst_flow_step s = fst_flow_step_make(h, 0);
    assert_int_equal(fst_flow_step_emit(&s), BEACON_OK);
    assert_true(captured() >= 1);
}

static void every_scalar_type_matches_the_descriptor_emit(void **state) {
    (void)state;
    prime();
    static const struct {
        bool flag;
        int64_t count;
        uint64_t total;
        double ratio;
        int64_t at, took;
        fst_color color;
        const char *name;
    } cases[] = {
        {true, 0, 0, 0.0, 0, 0, FST_COLOR_RED, ""},
        {false, INT64_MIN, UINT64_MAX, -1.5e300, INT64_MAX, -1, FST_COLOR_BLUE, "x"},
        {true, INT64_MAX, 1, 0.1, 1700000000123456789, 1500000000, FST_COLOR_GREEN, "seven"},
        {false, -42, 42, NAN, -1, INT64_MAX, FST_COLOR_GREEN, "exactly8"},
        {true, 1, 2, INFINITY, 1, 2, FST_COLOR_RED, "a string with \"quotes\" and \\ and \n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fst_every_scalar ev =
            fst_every_scalar_make(cases[i].flag, cases[i].count, cases[i].total, cases[i].ratio,
                                  cases[i].at, cases[i].took, cases[i].color, cases[i].name);
        SAME(fst_every_scalar_emit, ev);
    }
}

/* fst_every_scalar_emit, asserting that it took the inline path of
 * beacon_gen_begin (where generated code has one): the runtime's path records its reservation in
 * the thread's ring (res_start), the inline path never touches it. */
static beacon_status inline_every_scalar_emit(const fst_every_scalar *ev) {
    beacon__ring *r = (beacon__ring *)(void *)beacon_gen_lane_tls.ring;
    assert_non_null(r);
    r->res_start = SIZE_MAX;
    beacon_status st = fst_every_scalar_emit(ev);
    if (inline_path_open()) {
        assert_ptr_equal(beacon_gen_lane_tls.ring, &r->p);
        assert_true(r->res_start == SIZE_MAX);
    }
    return st;
}

/* Emits every.scalar once through the direct path and drops it from view:
 * its state then holds the current sampling generation, so the next direct
 * emit of it on this thread takes the inline path. */
static void warm_every_scalar(void) {
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 3.0, 4, 5, FST_COLOR_RED, "warm");
    assert_int_equal(fst_every_scalar_emit(&ev), BEACON_OK);
    (void)captured();
}

static void context_and_explicit_time_match(void **state) {
    (void)state;
    prime();
    warm_every_scalar();
    assert_int_equal(fst_context_set_tenant("acme"), BEACON_OK);
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 3.0, 4, 5, FST_COLOR_RED, "n");
    ev.hdr.time_ns = 1700000000000000000;
    json_t *j = SAME_JSON(inline_every_scalar_emit, ev); /* context on the inline path */
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "context"), "tenant")),
                        "acme");
    json_decref(j);
    /* Every field unset again: no context, on the inline path too. */
    assert_int_equal(fst_context_set_tenant(NULL), BEACON_OK);
    ev.hdr.time_ns = 0;
    j = SAME_JSON(inline_every_scalar_emit, ev);
    assert_null(json_object_get(j, "context"));
    json_decref(j);
    fst_context_clear();
    SAME(inline_every_scalar_emit, ev);
}

/* The "time" value of captured event i, as written. */
static void time_text(size_t i, char *out, size_t cap) {
    static char buf[1 << 16];
    size_t n = beacon_capture_get(SINK, i, buf, sizeof buf);
    assert_true(n > 0 && n < sizeof buf);
    const char *v = strstr(buf, ",\"time\":\"");
    assert_non_null(v);
    v += strlen(",\"time\":\"");
    const char *end = strchr(v, '"');
    assert_non_null(end);
    assert_true((size_t)(end - v) < cap);
    memcpy(out, v, (size_t)(end - v));
    out[end - v] = '\0';
}

/* An event that carries its own time keeps it on the plain inline path
 * (beacon_gen_claim), as on the descriptor path; one without gets the
 * emit's time, within the test's own clock readings. */
static void explicit_and_stamped_time_on_the_plain_path(void **state) {
    (void)state;
    prime();
    warm_every_scalar();
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 3.0, 4, 5, FST_COLOR_RED, "t");
    ev.hdr.time_ns = 1700000000123456789;
    mark();
    assert_int_equal(inline_every_scalar_emit(&ev), BEACON_OK);
    assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_OK);
    assert_int_equal(captured(), g_before + 2);
    char direct[64], descriptor[64];
    time_text(g_before, direct, sizeof direct);
    time_text(g_before + 1, descriptor, sizeof descriptor);
    assert_string_equal(direct, "2023-11-14T22:13:20.123456789Z");
    assert_string_equal(descriptor, direct);

    ev.hdr.time_ns = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    mark();
    assert_int_equal(inline_every_scalar_emit(&ev), BEACON_OK);
    clock_gettime(CLOCK_REALTIME, &t1);
    assert_int_equal(captured(), g_before + 1);
    json_t *j = event_at(g_before);
    json_decref(j);
    time_text(g_before, direct, sizeof direct);
    /* Compare at whole seconds: "YYYY-MM-DDTHH:MM:SS" within [t0, t1] (the
     * worker converts ticks with a calibration good to well under 1 s). */
    struct tm a, b;
    char lo[32], hi[32];
    gmtime_r(&t0.tv_sec, &a);
    gmtime_r(&t1.tv_sec, &b);
    strftime(lo, sizeof lo, "%Y-%m-%dT%H:%M:%S", &a);
    strftime(hi, sizeof hi, "%Y-%m-%dT%H:%M:%S", &b);
    direct[19] = '\0';
    assert_true(strcmp(direct, lo) >= 0 && strcmp(direct, hi) <= 0);
}

/* beacon_gen_kept_len against its definition for every length 0..200 and
 * several bounds (0: unbounded): with the NUL as the last readable byte
 * before a page that cannot be read (a scan that crossed into it would
 * crash the test), and at every alignment with non-zero bytes after the
 * NUL. Generated code uses it for every string field. */
static void kept_len_matches_its_definition_and_stays_in_the_page(void **state) {
    (void)state;
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *m =
        mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(mprotect(m + pg, pg, PROT_NONE), 0);
    static const uint32_t bounds[] = {0, 1, 7, 15, 16, 17, 31, 32, 63, 64, 65, 100, 1000};
    for (size_t len = 0; len <= 200; len++) {
        for (size_t where = 0; where < 17; where++) {
            /* where 16: ending at the page end; else starting at alignment `where`. */
            memset(m, 0x5a, pg);
            char *s = where == 16 ? (char *)m + pg - len - 1 : (char *)m + 256 + where;
            for (size_t i = 0; i < len; i++) s[i] = (char)(1 + (i * 37) % 255);
            s[len] = '\0';
            for (size_t b = 0; b < sizeof bounds / sizeof bounds[0]; b++) {
                size_t want = bounds[b] == 0 || len <= bounds[b] ? len : (size_t)bounds[b] + 1;
                size_t got = beacon_gen_kept_len(s, bounds[b]);
                if (got != want)
                    fail_msg("len %zu where %zu bound %u: %zu, want %zu", len, where,
                             (unsigned)bounds[b], got, want);
            }
        }
    }
    assert_int_equal(munmap(m, 2 * pg), 0);
}

/* Claims and publishes ev by hand with beacon_gen_claim / beacon_gen_publish,
 * as a generated _emit does; false when the claim was declined. */
static bool claim_every_scalar(const fst_every_scalar *ev) {
    size_t len = strlen(ev->name);
    size_t at = BEACON_GEN_RECORD_STRUCT_OFFSET + BEACON_GEN_ALIGN8(sizeof *ev);
    beacon_gen_fast fast;
    void *room =
        beacon_gen_claim(&ev->hdr, at + BEACON_GEN_ALIGN8(len + 1), beacon_gen_ticks(), &fast);
    if (room == NULL) return false;
    fst_every_scalar *copy = room;
    memcpy(copy, ev, sizeof *ev);
    (void)beacon_gen_put_string((char *)copy - BEACON_GEN_RECORD_STRUCT_OFFSET, at, &copy->name,
                                ev->name, len);
    assert_int_equal(beacon_gen_publish(&fast), BEACON_OK);
    return true;
}

/* beacon_gen_claim takes the plain case (counted once, delivered as
 * written) and declines, touching nothing, whatever needs more: context,
 * a pushed context, a stale sampling generation, emit switched off, a
 * record larger than the ring keeps. */
static void claim_takes_the_plain_case_and_declines_the_rest(void **state) {
    (void)state;
    prime();
    warm_every_scalar();
    if (!inline_path_open()) skip();
    fst_every_scalar ev = fst_every_scalar_make(true, 7, 8, 0.5, 1, 2, FST_COLOR_BLUE, "claimed");
    beacon_gen_ring *r = beacon_gen_lane_tls.ring;
    mark();
    uint64_t pushed = r->pushed;
    assert_true(claim_every_scalar(&ev));
    assert_int_equal(r->pushed, pushed + 1);
    assert_int_equal(captured(), g_before + 1);
    json_t *j = event_at(g_before);
    json_t *data = json_object_get(j, "data");
    assert_string_equal(json_string_value(json_object_get(data, "name")), "claimed");
    assert_true(json_real_value(json_object_get(data, "count")) == 7.0);
    assert_string_equal(json_string_value(json_object_get(data, "color")), "blue");
    json_decref(j);

    pushed = r->pushed;
    assert_int_equal(fst_context_set_tenant("acme"), BEACON_OK);
    assert_false(claim_every_scalar(&ev));
    fst_context_clear();
    assert_int_equal(
        beacon_context_from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        BEACON_OK);
    assert_false(claim_every_scalar(&ev));
    assert_int_equal(beacon_context_pop(), BEACON_OK);
    beacon_gen_fast fast;
    assert_null(beacon_gen_claim(&ev.hdr, r->max_record + 64, beacon_gen_ticks(), &fast));
    assert_int_equal(beacon_set_sample_rate("every.*", 0.5), BEACON_OK);
    assert_false(claim_every_scalar(&ev));
    assert_int_equal(beacon_set_sample_rate(NULL, 0), BEACON_OK);
    warm_every_scalar();
    beacon_set_enabled(false);
    assert_false(claim_every_scalar(&ev));
    beacon_set_enabled(true);
    assert_int_equal(r->pushed, pushed + 1); /* warm_every_scalar's one */
    beacon_counters c = totals();
    assert_int_equal(c.emitted, g_c0.emitted + 2);

    /* Plain again once the thread's state is refreshed (a runtime-path emit). */
    warm_every_scalar();
    mark();
    assert_true(claim_every_scalar(&ev));
    assert_int_equal(captured(), g_before + 1);
}

/* The emit that finds the worker asleep wakes it: beacon_gen_publish calls
 * the runtime then. (The worker sleeps after ~15 ms without events; an emit
 * can meet its timed wake-up instead, so a few attempts are allowed.) */
static void plain_publish_wakes_a_sleeping_worker(void **state) {
    (void)state;
    prime();
    warm_every_scalar();
    if (!inline_path_open()) skip();
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 3.0, 4, 5, FST_COLOR_RED, "wake");
    bool woke = false;
    for (int attempt = 0; attempt < 20 && !woke; attempt++) {
        for (int i = 0; i < 3000 && !__atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED); i++)
            usleep(1000);
        assert_true(__atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED));
        uint64_t w0 = beacon__pipeline_wakes();
        assert_true(claim_every_scalar(&ev));
        woke = beacon__pipeline_wakes() > w0;
    }
    assert_true(woke);
}

static void optional_strings_absent_present_and_null_match(void **state) {
    (void)state;
    prime();
    fst_text_values ev = fst_text_values_make("lbl", "body");
    SAME(fst_text_values_emit, ev); /* every optional field absent */

    fst_text_values_set_note(&ev, "n");
    fst_text_values_set_extra(&ev, "extra text");
    fst_text_values_set_secret(&ev, "hunter2");
    fst_text_values_set_mail(&ev, "mail me");
    fst_text_values_set_seq(&ev, 7);
    json_t *j = SAME_JSON(fst_text_values_emit, ev);
    json_t *data = json_object_get(j, "data");
    assert_string_equal(json_string_value(json_object_get(data, "extra")), "extra text");
    assert_string_equal(json_string_value(json_object_get(data, "note")), "n");
    json_decref(j);

    fst_text_values_set_extra(&ev, NULL); /* NULL unsets */
    fst_text_values_set_note(&ev, "");
    SAME(fst_text_values_emit, ev);

    /* An optional string is present when not NULL, however it was set. */
    ev.extra = "assigned";
    j = SAME_JSON(fst_text_values_emit, ev);
    data = json_object_get(j, "data");
    assert_string_equal(json_string_value(json_object_get(data, "extra")), "assigned");
    json_decref(j);
    ev.extra = NULL;
    j = SAME_JSON(fst_text_values_emit, ev);
    assert_null(json_object_get(json_object_get(j, "data"), "extra"));
    json_decref(j);
}

static void strings_longer_than_max_length_are_cut_the_same(void **state) {
    (void)state;
    prime();
    fst_text_values ev = fst_text_values_make("0123456789abcdef", "body");
    fst_text_values_set_note(&ev, "four!");
    fst_text_values_set_secret(&ev, "a secret longer than sixteen bytes");
    fst_text_values_set_mail(&ev, "write to someone@example.com today");
    json_t *j = SAME_JSON(fst_text_values_emit, ev);
    json_t *data = json_object_get(j, "data");
    assert_int_equal(strlen(json_string_value(json_object_get(data, "label"))), 8);
    assert_int_equal(strlen(json_string_value(json_object_get(data, "note"))), 4);
    char *text = json_dumps(data, 0);
    assert_null(strstr(text, "someone@example.com"));
    free(text);
    assert_true(json_array_size(json_object_get(j, "truncated")) >= 2);
    json_decref(j);

    /* A cut inside a multi-byte character, and exactly at the bound. */
    fst_text_values at = fst_text_values_make("1234567\xc3\xa9", "\xe2\x82\xac");
    fst_text_values_set_note(&at, "abcd");
    SAME(fst_text_values_emit, at);
}

/* Every length from 0 to 40 (the inline copy has cases below 8, 8..15,
 * 16..32 and above), each byte distinct so a misplaced one shows. */
static void strings_of_every_short_length_match(void **state) {
    (void)state;
    prime();
    char text[48];
    for (size_t len = 0; len <= 40; len++) {
        for (size_t i = 0; i < len; i++) text[i] = (char)('A' + (i * 7) % 58);
        text[len] = '\0';
        fst_every_scalar ev =
            fst_every_scalar_make(true, (int64_t)len, 0, 0.0, 0, 0, FST_COLOR_RED, text);
        json_t *j = SAME_JSON(fst_every_scalar_emit, ev);
        assert_string_equal(json_string_value(json_object_get(json_object_get(j, "data"), "name")),
                            text);
        json_decref(j);
    }
}

static void invalid_utf8_matches(void **state) {
    (void)state;
    prime();
    fst_text_values ev = fst_text_values_make("\xff\xfe", "ok \xc3 then \xed\xa0\x80 and \x80");
    fst_text_values_set_extra(&ev, "\xf0\x9f\x98");
    fst_text_values_set_mail(&ev, "\xc0\xaf@\xff.com");
    SAME(fst_text_values_emit, ev);
}

static void a_long_string_travels_on_the_heap_the_same(void **state) {
    (void)state;
    prime();
    size_t n = 600 * 1024; /* larger than half the default ring */
    char *big = malloc(n + 1);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    fst_text_values ev = fst_text_values_make("lbl", big);
    json_t *j = SAME_JSON(fst_text_values_emit, ev);
    assert_int_equal(strlen(json_string_value(json_object_get(json_object_get(j, "data"), "body"))),
                     n);
    json_decref(j);
    free(big);
}

/* A 300 KB string in a scrubbed field with a max_length is cut to
 * max_length + BEACON_GEN_SCRUB_MARGIN before the generated _emit copies it,
 * as the descriptor path cuts it: the record takes about that much room in
 * the ring, and an address straddling the cut is still scrubbed. */
static void a_long_scrubbed_string_is_cut_with_its_margin_before_the_copy(void **state) {
    (void)state;
#if BEACON_GEN_INLINE
    prime();
    size_t n = 300 * 1024;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    memcpy(big + 6, " a.person@example.com ", 22); /* crosses the 12-byte cut */
    fst_text_values ev = fst_text_values_make("lbl", "body");
    fst_text_values_set_mail(&ev, big);
    mark();
    size_t h0 = __atomic_load_n(&beacon_gen_lane_tls.ring->head, __ATOMIC_RELAXED);
    beacon_status st = fst_text_values_emit(&ev);
    size_t used = __atomic_load_n(&beacon_gen_lane_tls.ring->head, __ATOMIC_RELAXED) - h0;
    assert_true(used > 12 + BEACON_GEN_SCRUB_MARGIN);
    assert_true(used < 12 + BEACON_GEN_SCRUB_MARGIN + 512);
    json_t *j = assert_same(st, &ev.hdr);
    const char *mail = json_string_value(json_object_get(json_object_get(j, "data"), "mail"));
    assert_non_null(mail);
    assert_true(strlen(mail) <= 12);
    assert_null(strstr(mail, "a.pe"));
    json_decref(j);
    free(big);
#else
    skip(); /* the runtime's path: test_memory_bound */
#endif
}

static void enum_out_of_range_is_counted_invalid(void **state) {
    (void)state;
    prime();
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 3.0, 4, 5, (fst_color)3, "n");
    REJECTED(fst_every_scalar_emit, ev, BEACON_ERR_INVALID_EVENT, dropped_invalid);
    ev.color = (fst_color)-1;
    REJECTED(fst_every_scalar_emit, ev, BEACON_ERR_INVALID_EVENT, dropped_invalid);

    fst_bounded_values b = fst_bounded_values_make(0, 0, 1, 0.5, 1.0, 0);
    fst_bounded_values_set_opt_color(&b, (fst_color)FST_COLOR_COUNT);
    REJECTED(fst_bounded_values_emit, b, BEACON_ERR_INVALID_EVENT, dropped_invalid);
}

static void required_null_string_is_counted_invalid(void **state) {
    (void)state;
    prime();
    fst_text_values ev = fst_text_values_make("lbl", NULL);
    REJECTED(fst_text_values_emit, ev, BEACON_ERR_INVALID_EVENT, dropped_invalid);
    fst_every_scalar s = fst_every_scalar_make(true, 1, 2, 3.0, 4, 5, FST_COLOR_RED, NULL);
    REJECTED(fst_every_scalar_emit, s, BEACON_ERR_INVALID_EVENT, dropped_invalid);
}

static void min_max_violations_are_counted_invalid(void **state) {
    (void)state;
    prime();
    const fst_bounded_values ok = fst_bounded_values_make(0, 0, 1, 0.5, 1.0, 0);
    fst_bounded_values b;
#define VIOLATES(stmt)                                                                             \
    do {                                                                                           \
        b = ok;                                                                                    \
        stmt;                                                                                      \
        REJECTED(fst_bounded_values_emit, b, BEACON_ERR_INVALID_EVENT, dropped_invalid);           \
    } while (0)
    VIOLATES(b.level = -6);
    VIOLATES(b.level = 6);
    VIOLATES(b.floor = -1);
    VIOLATES(b.attempts = 0);
    VIOLATES(b.attempts = 11);
    VIOLATES(b.share = -0.001);
    VIOLATES(b.share = 1.5);
    VIOLATES(b.share = NAN);
    VIOLATES(b.ceiling = 100.5);
    VIOLATES(b.ceiling = NAN);
    VIOLATES(b.wait = -1);
    VIOLATES(fst_bounded_values_set_opt_level(&b, 0));
    VIOLATES(fst_bounded_values_set_opt_level(&b, 4));
    VIOLATES(fst_bounded_values_set_opt_share(&b, -1.0));
    VIOLATES(fst_bounded_values_set_opt_share(&b, NAN));
#undef VIOLATES

    /* The bounds themselves are accepted, as are absent optional values that
     * would violate them. */
    b = fst_bounded_values_make(-5, 0, 10, 1.0, -INFINITY, INT64_MAX);
    b.opt_.opt_level = 99; /* presence bit clear: not checked, not sent */
    SAME(fst_bounded_values_emit, b);
    b = fst_bounded_values_make(5, INT64_MAX, 1, 0.0, 100.0, 0);
    fst_bounded_values_set_opt_level(&b, 3);
    fst_bounded_values_set_opt_share(&b, 0.0);
    fst_bounded_values_set_opt_color(&b, FST_COLOR_BLUE);
    SAME(fst_bounded_values_emit, b);
}

static bool is_zero_id(const beacon_lifecycle *h) {
    for (size_t i = 0; i < sizeof h->trace_id.bytes; i++)
        if (h->trace_id.bytes[i]) return false;
    for (size_t i = 0; i < sizeof h->span_id.bytes; i++)
        if (h->span_id.bytes[i]) return false;
    return h->flags == 0;
}

static void begin_returns_a_handle_and_follow_keeps_it(void **state) {
    (void)state;
    prime();
    size_t before = captured();
    beacon_lifecycle trace;
    memset(&trace, 0xAB, sizeof trace);
    fst_flow_opened o = fst_flow_opened_make("web");
    assert_int_equal(fst_flow_opened_emit(&o, &trace), BEACON_OK);
    assert_false(is_zero_id(&trace));

    fst_flow_step s = fst_flow_step_make(trace, 1);
    json_t *step = SAME_JSON(fst_flow_step_emit, s);
    json_t *opened = event_at(before);
    assert_string_equal(json_string_value(json_object_get(opened, "event")), "flow.opened");
    assert_string_equal(json_string_value(json_object_get(opened, "trace_id")),
                        json_string_value(json_object_get(step, "trace_id")));
    /* The handle names the begin event's span: the follow event's parent. */
    char span[17];
    beacon_span_id_to_hex(&trace.span_id, span);
    assert_string_equal(json_string_value(json_object_get(opened, "span_id")), span);
    assert_string_equal(json_string_value(json_object_get(step, "parent_span_id")), span);
    json_decref(opened);
    json_decref(step);

    /* The descriptor path starts another trace for the same struct. */
    beacon_lifecycle again;
    assert_int_equal(beacon_gen_emit(&o.hdr, &again), BEACON_OK);
    assert_false(is_zero_id(&again));
    assert_memory_not_equal(&again.trace_id, &trace.trace_id, sizeof trace.trace_id);

    /* A rejected begin event leaves the handle all-zero, on either path. */
    fst_flow_opened bad = fst_flow_opened_make(NULL);
    memset(&trace, 0xAB, sizeof trace);
    assert_int_equal(fst_flow_opened_emit(&bad, &trace), BEACON_ERR_INVALID_EVENT);
    assert_true(is_zero_id(&trace));
}

static void span_events_carry_the_span_ids(void **state) {
    (void)state;
    prime();
    size_t before = captured();
    fst_fast_job_span sp = fst_fast_job_begin("build");
    assert_int_equal(fst_fast_job_end(&sp), BEACON_OK);
    assert_int_equal(captured(), before + 2);
    json_t *start = event_at(before);
    json_t *stop = event_at(before + 1);
    assert_string_equal(json_string_value(json_object_get(start, "span_id")),
                        json_string_value(json_object_get(stop, "span_id")));
    assert_string_equal(json_string_value(json_object_get(start, "trace_id")),
                        json_string_value(json_object_get(stop, "trace_id")));
    json_decref(start);
    json_decref(stop);

    fst_fast_job_start ev = fst_fast_job_start_make("job");
    ev.hdr.trace_id = sp.state.trace_id;
    ev.hdr.span_id = sp.state.span_id;
    SAME(fst_fast_job_start_emit, ev);
}

/* A plain event emitted while a span is open joins it, whether the span
 * was opened by generated code or pushed as a remote context; once it is
 * closed or popped, the next event carries no trace again. The event's
 * state is warm, so every one of these emits takes the inline path, whose
 * beacon_gen_end resolves the ids. */
static void hex(const uint8_t *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void plain_events_join_open_spans_and_pushed_contexts(void **state) {
    (void)state;
    prime();
    warm_every_scalar();
    fst_every_scalar ev = fst_every_scalar_make(false, 7, 8, 9.0, 10, 11, FST_COLOR_BLUE, "in");

    fst_fast_job_span sp = fst_fast_job_begin("build");
    (void)captured(); /* the span's start event */
    char trace[33], span[17];
    hex(sp.state.trace_id.bytes, sizeof sp.state.trace_id.bytes, trace);
    hex(sp.state.span_id.bytes, sizeof sp.state.span_id.bytes, span);
    json_t *j = SAME_JSON(inline_every_scalar_emit, ev);
    assert_string_equal(json_string_value(json_object_get(j, "trace_id")), trace);
    assert_string_equal(json_string_value(json_object_get(j, "parent_span_id")), span);
    json_decref(j);
    assert_int_equal(fst_fast_job_end(&sp), BEACON_OK);
    (void)captured(); /* the span's end event */
    j = SAME_JSON(inline_every_scalar_emit, ev);
    assert_null(json_object_get(j, "trace_id"));
    json_decref(j);

    beacon_trace_context remote = {{{0}}, {{0}}, 1};
    memset(remote.trace_id.bytes, 0x5a, sizeof remote.trace_id.bytes);
    memset(remote.span_id.bytes, 0x3c, sizeof remote.span_id.bytes);
    assert_int_equal(beacon_context_push(&remote), BEACON_OK);
    j = SAME_JSON(inline_every_scalar_emit, ev);
    assert_string_equal(json_string_value(json_object_get(j, "trace_id")),
                        "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a");
    assert_string_equal(json_string_value(json_object_get(j, "parent_span_id")),
                        "3c3c3c3c3c3c3c3c");
    json_decref(j);
    assert_int_equal(beacon_context_pop(), BEACON_OK);
    j = SAME_JSON(inline_every_scalar_emit, ev);
    assert_null(json_object_get(j, "trace_id"));
    json_decref(j);
}

/* At a sample rate of 0.25 the direct emit samples on the calling thread
 * (after the first emit of the event has cached its threshold): every
 * emit that returns BEACON_OK is delivered and every one that returns
 * BEACON_ERR_SAMPLED_OUT is counted sampled, never drawn twice, and about
 * a quarter are kept. */
static void sampling_keeps_exactly_the_emits_that_returned_ok(void **state) {
    (void)state;
    prime();
    assert_int_equal(beacon_set_sample_rate("every.scalar", 0.25), BEACON_OK);
    enum { N = 4000 };
    static bool kept[N];
    beacon_counters c0 = totals();
    size_t before = captured(), ok = 0;
    for (int64_t i = 0; i < N; i++) {
        fst_every_scalar ev = fst_every_scalar_make(true, i, 0, 0.0, 0, 0, FST_COLOR_RED, "s");
        /* The first caches the new threshold (and seeds the thread's
         * generator) on the runtime's path; the rest sample inline. */
        beacon_status st = i == 0 ? fst_every_scalar_emit(&ev) : inline_every_scalar_emit(&ev);
        assert_true(st == BEACON_OK || st == BEACON_ERR_SAMPLED_OUT);
        kept[i] = st == BEACON_OK;
        ok += kept[i];
        if (i % 256 == 255) (void)captured(); /* keep the ring from filling */
    }
    assert_int_equal(captured() - before, ok);
    assert_true(ok > N * 3 / 20 && ok < N * 7 / 20); /* mean N/4, sd ~N/150 */
    for (size_t k = 0; k < ok; k++) {
        json_t *o = event_at(before + k);
        int64_t count =
            (int64_t)json_real_value(json_object_get(json_object_get(o, "data"), "count"));
        assert_true(count >= 0 && count < N && kept[count]);
        json_decref(o);
    }
    beacon_counters c = totals();
    assert_int_equal(c.emitted - c0.emitted, (uint64_t)N);
    assert_int_equal(c.delivered - c0.delivered, (uint64_t)ok);
    assert_int_equal(c.dropped_sampled - c0.dropped_sampled, (uint64_t)(N - ok));
    assert_int_equal(beacon_set_sample_rate("every.scalar", 1), BEACON_OK);
}

static void sampled_out_and_disabled_match(void **state) {
    (void)state;
    prime();
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 3.0, 4, 5, FST_COLOR_RED, "n");
    assert_int_equal(beacon_set_sample_rate("every.scalar", 0), BEACON_OK);
    REJECTED(fst_every_scalar_emit, ev, BEACON_ERR_SAMPLED_OUT, dropped_sampled);
    /* The threshold is cached now: the second is dropped on the inline path. */
    REJECTED(inline_every_scalar_emit, ev, BEACON_ERR_SAMPLED_OUT, dropped_sampled);
    assert_int_equal(beacon_set_sample_rate(NULL, 0), BEACON_OK);
    SAME(fst_every_scalar_emit, ev);
}

static void after_shutdown_both_paths_report_shut_down(void **state) {
    (void)state;
    ts_reset_runtime();
    fst_every_scalar ev = fst_every_scalar_make(true, 1, 2, 3.0, 4, 5, FST_COLOR_RED, "n");
    beacon_counters c0 = totals();
    assert_int_equal(fst_every_scalar_emit(&ev), BEACON_ERR_SHUT_DOWN);
    assert_int_equal(beacon_gen_emit(&ev.hdr, NULL), BEACON_ERR_SHUT_DOWN);
    beacon_counters c1 = totals();
    assert_int_equal(c1.dropped_shutdown, c0.dropped_shutdown + 2);
    ts_init_with_sinks("capture:" SINK "?max=1000000");
}

static void an_event_with_a_list_still_works(void **state) {
    (void)state;
    prime();
    static const char *const tags[] = {"a", "b", "c", "d", "e"};
    fst_with_list ev = fst_with_list_make(tags, 5, 9);
    SAME(fst_with_list_emit, ev);
}

static void null_event_is_an_invalid_argument(void **state) {
    (void)state;
    assert_int_equal(fst_every_scalar_emit(NULL), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(fst_flow_opened_emit(NULL, NULL), BEACON_ERR_INVALID_ARGUMENT);
    beacon_gen_slot slot;
    assert_null(beacon_gen_reserve(NULL, 64, &slot, NULL));
    assert_int_equal(slot.status, BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(beacon_gen_commit(&slot), BEACON_ERR_INVALID_ARGUMENT);
}

/* In a ring of 4 KiB the inline path meets the end of the buffer every ~20
 * events and, in long bursts, the consumer's position: those emits take the
 * runtime's path (skip marker, refreshed view of the consumer), the others
 * the inline one. Across many laps, with the worker draining concurrently
 * and the ring often full, every event either arrives, in order and
 * intact, or is counted dropped (queue_full) — never both, never neither. */
static void inline_emits_wrap_a_small_ring_in_order(void **state) {
    (void)state;
    ts_reset_runtime();
    beacon_capture_clear(SINK);
    beacon_options *o = beacon_options_new();
    assert_int_equal(beacon_options_add_sink(o, "capture:" SINK "?max=1000000"), BEACON_OK);
    beacon_options_set_ring_kb(o, 4);
    assert_int_equal(beacon_init(o), BEACON_OK);
    beacon_counters c0 = totals(); /* totals are process-wide */
    enum { N = 3000 };
    int64_t sent = 0, refused = 0;
    for (int64_t i = 0; i < N; i++) {
        fst_every_scalar ev = fst_every_scalar_make(i % 2 == 0, i, (uint64_t)i * 3, 0.5, i, -i,
                                                    FST_COLOR_GREEN, "wrap-around text");
        beacon_status st = fst_every_scalar_emit(&ev);
        if (st == BEACON_OK) {
            sent++;
        } else {
            assert_int_equal(st, BEACON_ERR_QUEUE_FULL);
            refused++;
        }
        /* First half: bursts that fit the ring (wrap-around); second half:
         * bursts of four times the ring (full ring, the worker draining
         * while the producer writes). */
        if (i % (i < N / 2 ? 8 : 96) == 7) assert_int_equal(beacon_flush(5000), BEACON_OK);
    }
    size_t n = captured();
    assert_int_equal(n, (size_t)sent);
    assert_true(sent > N / 2);
    assert_true(refused > 0);
    int64_t last = -1;
    for (size_t k = 0; k < n; k++) {
        json_t *o2 = event_at(k);
        json_t *data = json_object_get(o2, "data");
        int64_t count = (int64_t)json_real_value(json_object_get(data, "count"));
        assert_true(count > last);
        last = count;
        assert_true(json_real_value(json_object_get(data, "total")) == (double)(count * 3));
        assert_string_equal(json_string_value(json_object_get(data, "name")), "wrap-around text");
        json_decref(o2);
    }
#if defined(__x86_64__)
    /* The inline path was open to this thread: generated code takes it. */
#if !defined(FST_OUT_OF_LINE)
    assert_int_equal(GENERATED_INLINE, 1);
#endif
    assert_true(beacon_gen_lane_tls.epoch ==
                __atomic_load_n(&beacon_gen_g.epoch, __ATOMIC_RELAXED));
#endif
    beacon_counters c = totals();
    assert_int_equal(c.emitted - c0.emitted, (uint64_t)N);
    assert_int_equal(c.delivered - c0.delivered, (uint64_t)sent);
    assert_int_equal(c.dropped_queue_full - c0.dropped_queue_full, (uint64_t)refused);
}

static void direct_emit_allocates_nothing(void **state) {
    (void)state;
    if (!COUNTING) skip();
    prime();
    assert_int_equal(fst_context_set_tenant("acme"), BEACON_OK);
    beacon_lifecycle trace;
    size_t before = captured();
    t_allocs = 0;
    t_counting = 1;
    for (int i = 0; i < 2000; i++) {
        fst_every_scalar a = fst_every_scalar_make(i & 1, i, 2, 3.0, 4, 5, FST_COLOR_RED, "n");
        assert_int_equal(fst_every_scalar_emit(&a), BEACON_OK);
        fst_text_values t = fst_text_values_make("label", "body");
        fst_text_values_set_note(&t, "note");
        assert_int_equal(fst_text_values_emit(&t), BEACON_OK);
        fst_flow_opened o = fst_flow_opened_make("x");
        assert_int_equal(fst_flow_opened_emit(&o, &trace), BEACON_OK);
        if (i % 500 == 499) {
            t_counting = 0;
            assert_int_equal(beacon_flush(5000), BEACON_OK);
            t_counting = 1;
        }
    }
    t_counting = 0;
    assert_int_equal(t_allocs, 0);
    assert_int_equal(captured(), before + 3 * 2000);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_scalar_type_matches_the_descriptor_emit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(context_and_explicit_time_match, setup, teardown),
        cmocka_unit_test_setup_teardown(explicit_and_stamped_time_on_the_plain_path, setup,
                                        teardown),
        cmocka_unit_test(kept_len_matches_its_definition_and_stays_in_the_page),
        cmocka_unit_test_setup_teardown(claim_takes_the_plain_case_and_declines_the_rest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(plain_publish_wakes_a_sleeping_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(optional_strings_absent_present_and_null_match, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(strings_longer_than_max_length_are_cut_the_same, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(strings_of_every_short_length_match, setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_utf8_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(a_long_string_travels_on_the_heap_the_same, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            a_long_scrubbed_string_is_cut_with_its_margin_before_the_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(enum_out_of_range_is_counted_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(required_null_string_is_counted_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(min_max_violations_are_counted_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(begin_returns_a_handle_and_follow_keeps_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(span_events_carry_the_span_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(plain_events_join_open_spans_and_pushed_contexts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sampling_keeps_exactly_the_emits_that_returned_ok, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sampled_out_and_disabled_match, setup, teardown),
        cmocka_unit_test_setup_teardown(after_shutdown_both_paths_report_shut_down, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_event_with_a_list_still_works, setup, teardown),
        cmocka_unit_test_setup_teardown(null_event_is_an_invalid_argument, setup, teardown),
        cmocka_unit_test_setup_teardown(inline_emits_wrap_a_small_ring_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(direct_emit_allocates_nothing, setup, teardown),
    };
    return cmocka_run_group_tests_name("fast_emit", tests, NULL, NULL);
}
