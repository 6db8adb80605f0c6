/* fuzz_traceparent.c — fuzz target for the W3C traceparent parser and the id
 * hex helpers (runtime/src/traceparent.c). Properties: no crash on any
 * bytes; an accepted header has non-zero ids, formats to 55 characters that
 * parse back to the same ids and flags (and, for version 00, equal the
 * trimmed input); a rejected one leaves the output zeroed; id hex round
 * trips. Built for libFuzzer, or with driver.c as a plain program.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beacon/beacon_trace.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_traceparent: check failed at line %d: %s\n", __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int all_zero(const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i]) return 0;
    }
    return 1;
}

static void check_ids(const uint8_t *data, size_t size) {
    if (size >= 32) {
        beacon_trace_id id;
        if (beacon_trace_id_from_hex((const char *)data, 32, &id) == BEACON_OK) {
            char hex[33];
            beacon_trace_id_to_hex(&id, hex);
            for (int i = 0; i < 32; i++) CHECK(hex[i] == tolower(data[i]));
        } else {
            CHECK(all_zero(&id, sizeof id));
        }
    }
    if (size >= 16) {
        beacon_span_id id;
        if (beacon_span_id_from_hex((const char *)data, 16, &id) == BEACON_OK) {
            char hex[17];
            beacon_span_id_to_hex(&id, hex);
            for (int i = 0; i < 16; i++) CHECK(hex[i] == tolower(data[i]));
        } else {
            CHECK(all_zero(&id, sizeof id));
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    beacon_traceparent tp;
    beacon_status st = beacon_traceparent_parse(in, size, &tp);
    check_ids(data, size);
    if (st != BEACON_OK) {
        CHECK(st == BEACON_ERR_PARSE);
        CHECK(all_zero(&tp, sizeof tp));
        return 0;
    }
    CHECK(tp.version != 0xff);
    CHECK(!all_zero(&tp.trace_id, sizeof tp.trace_id));
    CHECK(!all_zero(&tp.parent_id, sizeof tp.parent_id));

    char buf[BEACON_TRACEPARENT_LEN + 1];
    CHECK(beacon_traceparent_format(&tp, buf, sizeof buf) == BEACON_TRACEPARENT_LEN);
    CHECK(strlen(buf) == BEACON_TRACEPARENT_LEN);
    beacon_traceparent back;
    CHECK(beacon_traceparent_parse(buf, strlen(buf), &back) == BEACON_OK);
    CHECK(back.version == 0);
    CHECK(memcmp(&back.trace_id, &tp.trace_id, sizeof tp.trace_id) == 0);
    CHECK(memcmp(&back.parent_id, &tp.parent_id, sizeof tp.parent_id) == 0);
    CHECK(back.flags == tp.flags);

    /* The input, less its optional whitespace, starts with what we wrote
     * (after the version); for version 00 it is exactly that. */
    size_t b = 0, e = size;
    while (b < e && (in[b] == ' ' || in[b] == '\t')) b++;
    while (e > b && (in[e - 1] == ' ' || in[e - 1] == '\t')) e--;
    CHECK(e - b >= BEACON_TRACEPARENT_LEN);
    CHECK(memcmp(in + b + 2, buf + 2, BEACON_TRACEPARENT_LEN - 2) == 0);
    if (tp.version == 0) CHECK(e - b == BEACON_TRACEPARENT_LEN);

    /* Short capacities keep snprintf semantics. */
    size_t cap = (size_t)data[b] % (BEACON_TRACEPARENT_LEN + 2);
    char *cut = cap ? malloc(cap) : NULL;
    CHECK(beacon_traceparent_format(&tp, cut, cap) == BEACON_TRACEPARENT_LEN);
    if (cap) CHECK(strlen(cut) == (cap - 1 < BEACON_TRACEPARENT_LEN ? cap - 1 : 55));
    free(cut);
    return 0;
}
