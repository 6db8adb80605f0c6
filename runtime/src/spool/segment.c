/* segment.c — encoding and decoding of spool records (layout in segment.h).
 * Decoding trusts nothing: every length is checked against the bytes there
 * are, and damage is skipped up to the next record magic.
 */
#include "spool/segment.h"

#include <string.h>

#include "spool/crc32c.h"

static const uint8_t k_file_magic[12] = {'B', 'E', 'A', 'C', 'O', 'N', 'S', 'P', 'O', 'O', 'L', 0};
static const uint8_t k_rec_magic[4] = {'B', 'S', 'R', '1'};
#define LAYOUT_VERSION 1u

static void put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t get64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Checksum of a header's first 28 bytes with the state byte as 0. */
static uint32_t header_crc(const uint8_t *hdr) {
    uint8_t copy[28];
    memcpy(copy, hdr, sizeof copy);
    copy[BEACON__SPOOL_STATE_OFF] = 0;
    return beacon__crc32c(0, copy, sizeof copy);
}

void beacon__spool_file_header(uint8_t out[BEACON__SPOOL_FILE_HDR]) {
    memcpy(out, k_file_magic, sizeof k_file_magic);
    put32(out + 12, LAYOUT_VERSION);
}

bool beacon__spool_file_header_ok(const uint8_t *buf, size_t len) {
    return len >= BEACON__SPOOL_FILE_HDR && memcmp(buf, k_file_magic, sizeof k_file_magic) == 0 &&
           get32(buf + 12) == LAYOUT_VERSION;
}

void beacon__spool_frame_encode(uint8_t hdr[BEACON__SPOOL_REC_HDR], const beacon__spool_frame *f,
                                const void *payload) {
    memcpy(hdr, k_rec_magic, sizeof k_rec_magic);
    hdr[4] = 0;
    hdr[5] = 0;
    put16(hdr + 6, f->format);
    put32(hdr + 8, f->len);
    put32(hdr + 12, f->events);
    put64(hdr + 16, f->sink_id);
    put32(hdr + 24, beacon__crc32c(0, payload, f->len));
    put32(hdr + 28, header_crc(hdr));
}

/* The first offset after `from` where a record magic starts, or len. */
static size_t resync(const uint8_t *buf, size_t len, size_t from) {
    for (size_t i = from; i + sizeof k_rec_magic <= len; i++) {
        if (memcmp(buf + i, k_rec_magic, sizeof k_rec_magic) == 0) return i;
    }
    return len;
}

beacon__spool_parse beacon__spool_frame_parse(const uint8_t *buf, size_t len, size_t off,
                                              beacon__spool_frame *f, size_t *next) {
    memset(f, 0, sizeof *f);
    *next = len;
    if (off >= len) return BEACON__SPOOL_PARSE_END;
    size_t left = len - off;
    const uint8_t *h = buf + off;
    size_t m = left < sizeof k_rec_magic ? left : sizeof k_rec_magic;
    bool magic = memcmp(h, k_rec_magic, m) == 0;
    if (left < BEACON__SPOOL_REC_HDR) {
        /* A header cut short by the end of the file: torn if it starts like
         * one, else damage up to the next magic (or the end). */
        if (magic && resync(buf, len, off + 1) == len) return BEACON__SPOOL_PARSE_TORN;
        *next = resync(buf, len, off + 1);
        return BEACON__SPOOL_PARSE_CORRUPT;
    }
    if (!magic || h[5] != 0 || get32(h + 28) != header_crc(h) ||
        get32(h + 8) > BEACON__SPOOL_MAX_RECORD) {
        *next = resync(buf, len, off + 1);
        return BEACON__SPOOL_PARSE_CORRUPT;
    }
    uint32_t plen = get32(h + 8);
    if (plen > left - BEACON__SPOOL_REC_HDR) return BEACON__SPOOL_PARSE_TORN;
    const uint8_t *payload = h + BEACON__SPOOL_REC_HDR;
    *next = off + BEACON__SPOOL_REC_HDR + plen;
    if (beacon__crc32c(0, payload, plen) != get32(h + 24)) return BEACON__SPOOL_PARSE_CORRUPT;
    f->format = get16(h + 6);
    f->len = plen;
    f->events = get32(h + 12);
    f->sink_id = get64(h + 16);
    f->acked = h[BEACON__SPOOL_STATE_OFF] == BEACON__SPOOL_ACKED;
    return BEACON__SPOOL_PARSE_RECORD;
}
