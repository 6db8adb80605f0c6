/* fuzz_spool_segment.c — fuzz target for the spool's segment reader
 * (runtime/src/spool/segment.c). Properties: no crash and no read outside
 * the input on any bytes; parsing always moves forward and ends; a record
 * accepted lies within the input and encodes back to the same header (its
 * state byte aside); a record encoded from the input parses back as itself.
 * Built for libFuzzer, or with driver.c as a plain program.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spool/segment.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_spool_segment: check failed at line %d: %s\n", __LINE__, #cond); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void walk(const uint8_t *data, size_t size, size_t start) {
    size_t off = start;
    for (;;) {
        beacon__spool_frame f;
        size_t next = 0;
        beacon__spool_parse r = beacon__spool_frame_parse(data, size, off, &f, &next);
        CHECK(next <= size);
        if (r == BEACON__SPOOL_PARSE_END) {
            CHECK(off >= size);
            return;
        }
        if (r == BEACON__SPOOL_PARSE_TORN) {
            CHECK(next == size);
            return;
        }
        CHECK(next > off);
        if (r == BEACON__SPOOL_PARSE_RECORD) {
            CHECK(next == off + BEACON__SPOOL_REC_HDR + f.len);
            uint8_t hdr[BEACON__SPOOL_REC_HDR];
            beacon__spool_frame_encode(hdr, &f, data + off + BEACON__SPOOL_REC_HDR);
            hdr[BEACON__SPOOL_STATE_OFF] = data[off + BEACON__SPOOL_STATE_OFF];
            CHECK(memcmp(hdr, data + off, sizeof hdr) == 0);
        }
        off = next;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    (void)beacon__spool_file_header_ok(data, size);
    walk(data, size, 0);
    if (size > BEACON__SPOOL_FILE_HDR) walk(data, size, BEACON__SPOOL_FILE_HDR);

    /* The input as a payload: framed, it reads back whole. */
    beacon__spool_frame f = {0};
    f.len = (uint32_t)size;
    f.events = size ? data[0] : 0;
    f.format = size > 1 ? data[1] : 0;
    f.sink_id = 0x0123456789abcdefull ^ size;
    uint8_t *rec = malloc(BEACON__SPOOL_REC_HDR + size);
    CHECK(rec != NULL);
    beacon__spool_frame_encode(rec, &f, data);
    if (size) memcpy(rec + BEACON__SPOOL_REC_HDR, data, size);
    beacon__spool_frame back;
    size_t next;
    CHECK(beacon__spool_frame_parse(rec, BEACON__SPOOL_REC_HDR + size, 0, &back, &next) ==
          BEACON__SPOOL_PARSE_RECORD);
    CHECK(next == BEACON__SPOOL_REC_HDR + size);
    CHECK(back.len == f.len && back.events == f.events && back.format == f.format);
    CHECK(back.sink_id == f.sink_id && !back.acked);
    /* Cut anywhere, it is torn or damaged, never a record. */
    if (size) {
        size_t cut = BEACON__SPOOL_REC_HDR + (size_t)data[0] % size;
        CHECK(beacon__spool_frame_parse(rec, cut, 0, &back, &next) != BEACON__SPOOL_PARSE_RECORD);
    }
    free(rec);
    return 0;
}
