/* test_serialize_plan.c — the worker's per-descriptor serialization plans
 * (serialize.c): for every event shape, PII policy, context, truncation,
 * hash key and resource case, beacon__serialize gives the same bytes and the
 * same length with a plan as without one (BEACON__JSON_NO_PLAN), at every
 * buffer size; plans are kept per descriptor; threads racing to build the
 * same plans all get the right text.
 */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emit/context.h"
#include "handmade_events.h"
#include "fx_context.h"
#include "tfx_events.h"
#include "privacy/pii_hash.h"
#include "format/serialize.h"

#define OUT_MAX 8192

static const uint8_t k_key[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t k_id[16] = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0xa, 0xb};
static const char k_resource[] = "{\"service\":{\"name\":\"svc\"}}";

/* Every context field set, one of them cut at max_length and one hashed. */
static uint8_t g_ctx_set[5] = {1, 1, 1, 1, 1};
static beacon__ctx_value g_ctx_values[5];
static beacon__context g_ctx = {
    .catalog = &tfx_catalog, .count = 5, .set_count = 5, .set = g_ctx_set, .values = g_ctx_values};

static void init_context(void) {
    g_ctx_values[TFX_CTX_REQUEST_ID].s = (char *)"req-0123456789abcdef-too-long";
    g_ctx_values[TFX_CTX_TENANT].i = -42;
    g_ctx_values[TFX_CTX_USER_EMAIL].s = (char *)"ann@example.org";
    g_ctx_values[TFX_CTX_MODE].e = TFX_COLOR_BLUE;
    g_ctx_values[TFX_CTX_WEIGHT].d = 0.125;
}

/* The two outputs of ev under env and flags, with and without a plan, at
 * every capacity from 0 to past the full length: same return value, same
 * bytes inside cap, same hash_dropped report. Returns the full length. */
static size_t assert_plan_matches_plain(const beacon_event_hdr *ev, const beacon__envelope *env,
                                        unsigned flags) {
    static char plain[OUT_MAX], planned[OUT_MAX];
    bool dropped_plain = false, dropped_planned = false;
    beacon__envelope e1 = *env, e2 = *env;
    e1.hash_redacted = &dropped_plain;
    e2.hash_redacted = &dropped_planned;
    size_t need = beacon__serialize(ev, &e1, plain, sizeof plain, flags | BEACON__JSON_NO_PLAN);
    assert_true(need < sizeof plain);
    size_t got = beacon__serialize(ev, &e2, planned, sizeof planned, flags);
    assert_int_equal(got, need);
    if (strcmp(plain, planned) != 0) fail_msg("plan:  %s\nplain: %s", planned, plain);
    assert_int_equal(dropped_planned, dropped_plain);
    for (size_t cap = 0; cap <= need + 1; cap++) {
        memset(plain, 0x5A, cap + 16);
        memset(planned, 0x5A, cap + 16);
        assert_int_equal(beacon__serialize(ev, env, plain, cap, flags | BEACON__JSON_NO_PLAN),
                         need);
        assert_int_equal(beacon__serialize(ev, env, planned, cap, flags), need);
        if (memcmp(plain, planned, cap + 16) != 0) fail_msg("cap %zu differs", cap);
    }
    return need;
}

/* Each event under a bare envelope and a full one (time, id, correlation
 * ids, context, hasher or none, resource), with and without raw PII. */
static void assert_all_envelopes(const beacon_event_hdr *ev, const beacon__hasher *h) {
    static const unsigned flag_sets[] = {0, BEACON_JSON_RAW_PII, BEACON__JSON_RESOURCE,
                                         BEACON_JSON_RAW_PII | BEACON__JSON_RESOURCE};
    beacon__envelope bare;
    memset(&bare, 0, sizeof bare);
    beacon__envelope full = bare;
    full.time_ns = 1795325400123456789LL;
    full.id = k_id;
    memset(full.trace_id.bytes, 0x11, sizeof full.trace_id.bytes);
    memset(full.span_id.bytes, 0x22, sizeof full.span_id.bytes);
    memset(full.parent_span_id.bytes, 0x33, sizeof full.parent_span_id.bytes);
    full.context = &g_ctx;
    full.resource = k_resource;
    full.resource_len = sizeof k_resource - 1;
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
        assert_plan_matches_plain(ev, &bare, flag_sets[i]);
        full.hasher = NULL;
        assert_plan_matches_plain(ev, &full, flag_sets[i]);
        full.hasher = h;
        assert_plan_matches_plain(ev, &full, flag_sets[i]);
    }
}

static tfx_everything base_event(void) {
    static const char *const tags[] = {"a", "bb"};
    static const int64_t nums[] = {-5, 0, 5};
    return tfx_everything_make(true, 7, 1000, 0.25, "name", 1795325400123456789LL, 1500,
                               TFX_COLOR_GREEN, tags, 2, nums, 3);
}

static void plan_output_matches_plain_path_for_every_case(void **state) {
    (void)state;
    init_context();
    beacon__hasher *h = beacon__hasher_new(k_key, sizeof k_key, "k1");
    assert_non_null(h);

    tfx_everything ev = base_event();
    assert_all_envelopes(&ev.hdr, h);

    /* Every optional, every policy, cuts of strings, lists and attributes. */
    static const char *const long_tags[] = {"\xE2\x82\xAC\xE2\x82\xAC", "b", "c", "d"};
    static const char *const secrets[] = {"s1", "s2"};
    static const tfx_color colors[] = {TFX_COLOR_RED, TFX_COLOR_BLUE, (tfx_color)9};
    beacon_attr extra[] = {beacon_attr_str("key", "value\n"),
                           beacon_attr_int("n", -3),
                           beacon_attr_str("key", "dup"),
                           beacon_attr_double("ratio", 2.5),
                           beacon_attr_str("a-very-long-key", "a-very-long-value"),
                           beacon_attr_bool("ok", true),
                           beacon_attr_uint("big", UINT64_MAX)};
    beacon_attr secret_attrs[] = {beacon_attr_str("who", "me"), beacon_attr_int("pin", 1234)};
    ev = base_event();
    ev.tags = long_tags;
    ev.tags_count = 4;
    ev.name = "much-longer-than-eight \"quoted\"";
    tfx_everything_set_extra(&ev, extra, sizeof extra / sizeof extra[0]);
    tfx_everything_set_note(&ev, "line\nbreak \xF0\x9F\x98\x80 \xC3");
    tfx_everything_set_opt_ratio(&ev, NAN);
    tfx_everything_set_secret(&ev, "top secret");
    tfx_everything_set_hidden(&ev, "never");
    tfx_everything_set_email(&ev, "bob@example.com");
    tfx_everything_set_secret_list(&ev, secrets, 2);
    tfx_everything_set_secret_attrs(&ev, secret_attrs, 2);
    tfx_everything_set_colors(&ev, colors, 3);
    tfx_everything_set_free_text(&ev, "mail carol@example.net or call +1 555 0100 now");
    assert_all_envelopes(&ev.hdr, h);

    /* Enum values out of range, null strings, extreme numbers. */
    ev = base_event();
    ev.color = (tfx_color)-1;
    ev.name = NULL;
    ev.count = INT64_MIN;
    ev.size = UINT64_MAX;
    ev.ratio = -0.0;
    ev.at = -1;
    assert_all_envelopes(&ev.hdr, h);
    ev.color = (tfx_color)3;
    assert_all_envelopes(&ev.hdr, h);

    /* Other descriptors: other names, levels, categories and field types. */
    tfx_plain plain = tfx_plain_make(3);
    assert_all_envelopes(&plain.hdr, h);
    hm_secret_number secret = hm_secret_number_make(4);
    assert_all_envelopes(&secret.hdr, h);
    tfx_upload_begin begin = tfx_upload_begin_make("report.pdf");
    assert_all_envelopes(&begin.hdr, h);
    beacon_lifecycle none;
    memset(&none, 0, sizeof none);
    tfx_upload_step step = tfx_upload_step_make(none, 2);
    assert_all_envelopes(&step.hdr, h);

    beacon__hasher_free(h);
}

#define POLICIES 4

static void enum_fields_under_every_policy_match(void **state) {
    (void)state;
    init_context();
    beacon__hasher *h = beacon__hasher_new(k_key, sizeof k_key, "k1");
    assert_non_null(h);
    /* fx.everything with its single enum field under each policy, one
     * descriptor (and so one plan) per policy. */
    static const uint8_t policies[POLICIES] = {BEACON_PII_REDACT, BEACON_PII_HASH, BEACON_PII_SCRUB,
                                               BEACON_PII_DROP};
    static beacon_field_desc fields[POLICIES][64];
    static beacon_event_desc descs[POLICIES];
    uint32_t n = tfx_everything_desc.field_count;
    assert_true(n <= 64);
    for (size_t p = 0; p < POLICIES; p++) {
        memcpy(fields[p], tfx_everything_desc.fields, n * sizeof fields[p][0]);
        bool found = false;
        for (uint32_t i = 0; i < n; i++) {
            if (fields[p][i].type == BEACON_TYPE_ENUM && !fields[p][i].is_list) {
                fields[p][i].pii = policies[p];
                found = true;
            }
        }
        assert_true(found);
        descs[p] = tfx_everything_desc;
        descs[p].fields = fields[p];
        tfx_everything ev = base_event();
        ev.hdr.desc = &descs[p];
        assert_all_envelopes(&ev.hdr, h);
    }
    beacon__hasher_free(h);
}

static void plans_are_kept_per_descriptor(void **state) {
    (void)state;
    /* Two descriptors over the same struct and fields that differ only in
     * what a plan renders: a plan served for the wrong one shows. */
    static beacon_event_desc first, second;
    first = tfx_plain_desc;
    first.name = "fx.first";
    first.category = "alpha";
    second = tfx_plain_desc;
    second.name = "fx.second";
    second.category = NULL;
    second.level = BEACON_LEVEL_ERROR;
    beacon__envelope env;
    memset(&env, 0, sizeof env);
    tfx_plain ev = tfx_plain_make(5);
    char buf[512];
    for (int round = 0; round < 3; round++) {
        ev.hdr.desc = &first;
        assert_plan_matches_plain(&ev.hdr, &env, 0);
        beacon__serialize(&ev.hdr, &env, buf, sizeof buf, 0);
        assert_string_equal(buf, "{\"event\":\"fx.first\",\"catalog\":\"fx\",\"version\":7,"
                                 "\"level\":\"debug\",\"category\":\"alpha\",\"data\":{\"n\":5}}");
        ev.hdr.desc = &second;
        assert_plan_matches_plain(&ev.hdr, &env, 0);
        beacon__serialize(&ev.hdr, &env, buf, sizeof buf, 0);
        assert_string_equal(buf, "{\"event\":\"fx.second\",\"catalog\":\"fx\",\"version\":7,"
                                 "\"level\":\"error\",\"data\":{\"n\":5}}");
    }
}

/* A library unloaded and another loaded at the same address: a new
 * descriptor where an old one was, with its own (zeroed) state, renders as
 * itself, never with the plan of the descriptor that was there before. */
static void descriptor_at_a_reused_address_gets_its_own_plan(void **state) {
    (void)state;
    static beacon_event_desc at;
    static beacon_event_state at_state;
    beacon__envelope env;
    memset(&env, 0, sizeof env);
    tfx_plain ev = tfx_plain_make(3);
    char buf[512];
    at = tfx_plain_desc;
    at.name = "fx.loaded.first";
    at.state = &at_state;
    ev.hdr.desc = &at;
    beacon__serialize(&ev.hdr, &env, buf, sizeof buf, 0);
    assert_string_equal(buf, "{\"event\":\"fx.loaded.first\",\"catalog\":\"fx\",\"version\":7,"
                             "\"level\":\"debug\",\"category\":\"system\",\"data\":{\"n\":3}}");
    /* Unloaded; the next library's descriptor and state at the same places. */
    memset(&at_state, 0, sizeof at_state);
    at = tfx_plain_desc;
    at.name = "fx.loaded.second";
    at.category = NULL;
    at.level = BEACON_LEVEL_WARN;
    at.state = &at_state;
    beacon__serialize(&ev.hdr, &env, buf, sizeof buf, 0);
    assert_string_equal(buf, "{\"event\":\"fx.loaded.second\",\"catalog\":\"fx\",\"version\":7,"
                             "\"level\":\"warn\",\"data\":{\"n\":3}}");
    assert_plan_matches_plain(&ev.hdr, &env, 0);
}

static void more_descriptors_than_plan_slots_all_serialize_right(void **state) {
    (void)state;
    /* Copies of one descriptor share its state, so at most one of them
     * gets a plan and the rest the plain path: every one must still come
     * out under its own name. */
    enum { MANY = 3000 };
    static beacon_event_desc descs[MANY];
    static char names[MANY][24];
    beacon__envelope env;
    memset(&env, 0, sizeof env);
    tfx_plain ev = tfx_plain_make(1);
    char buf[512], want[512];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < MANY; i++) {
            if (round == 0) {
                descs[i] = tfx_plain_desc;
                snprintf(names[i], sizeof names[i], "fx.many.%d", i);
                descs[i].name = names[i];
            }
            ev.hdr.desc = &descs[i];
            beacon__serialize(&ev.hdr, &env, buf, sizeof buf, 0);
            snprintf(want, sizeof want,
                     "{\"event\":\"fx.many.%d\",\"catalog\":\"fx\",\"version\":7,"
                     "\"level\":\"debug\",\"category\":\"system\",\"data\":{\"n\":1}}",
                     i);
            assert_string_equal(buf, want);
        }
    }
}

/* ---- threads racing to build the same plans --------------------------------- */

#define RACE_THREADS 4
#define RACE_DESCS   32

static beacon_event_desc g_race_descs[RACE_DESCS];
static char g_race_names[RACE_DESCS][32];
static pthread_barrier_t g_race_start;

typedef struct race_arg {
    unsigned seed;
    int mismatches;
} race_arg;

static void *race_main(void *p) {
    race_arg *a = p;
    tfx_everything ev = base_event();
    beacon__envelope env;
    memset(&env, 0, sizeof env);
    env.time_ns = 1795325400123456789LL;
    env.id = k_id;
    char plain[OUT_MAX], planned[OUT_MAX];
    pthread_barrier_wait(&g_race_start);
    for (unsigned k = 0; k < 4 * RACE_DESCS; k++) {
        ev.hdr.desc = &g_race_descs[(k * 7 + a->seed) % RACE_DESCS];
        beacon__serialize(&ev.hdr, &env, planned, sizeof planned, 0);
        beacon__serialize(&ev.hdr, &env, plain, sizeof plain, BEACON__JSON_NO_PLAN);
        if (strcmp(plain, planned) != 0) a->mismatches++;
    }
    return NULL;
}

static void racing_threads_all_get_the_right_plan(void **state) {
    (void)state;
    /* Fresh descriptors, so every plan is built during the race. */
    for (int i = 0; i < RACE_DESCS; i++) {
        g_race_descs[i] = tfx_everything_desc;
        snprintf(g_race_names[i], sizeof g_race_names[i], "fx.race.%d", i);
        g_race_descs[i].name = g_race_names[i];
    }
    pthread_t tid[RACE_THREADS];
    race_arg args[RACE_THREADS];
    assert_int_equal(pthread_barrier_init(&g_race_start, NULL, RACE_THREADS), 0);
    for (unsigned t = 0; t < RACE_THREADS; t++) {
        args[t] = (race_arg){.seed = t * 5, .mismatches = 0};
        assert_int_equal(pthread_create(&tid[t], NULL, race_main, &args[t]), 0);
    }
    for (unsigned t = 0; t < RACE_THREADS; t++) {
        pthread_join(tid[t], NULL);
        assert_int_equal(args[t].mismatches, 0);
    }
    pthread_barrier_destroy(&g_race_start);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_output_matches_plain_path_for_every_case),
        cmocka_unit_test(enum_fields_under_every_policy_match),
        cmocka_unit_test(plans_are_kept_per_descriptor),
        cmocka_unit_test(descriptor_at_a_reused_address_gets_its_own_plan),
        cmocka_unit_test(more_descriptors_than_plan_slots_all_serialize_right),
        cmocka_unit_test(racing_threads_all_get_the_right_plan),
    };
    return cmocka_run_group_tests_name("serialize_plan", tests, NULL, NULL);
}
