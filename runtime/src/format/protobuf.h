/* protobuf.h — a small protocol-buffers writer (internal): varints, fixed
 * widths, length-delimited fields and nested messages, appended to a wbuf.
 * Enough for OTLP (otlp_proto.c) without a protobuf library.
 */
#ifndef BEACON_SRC_FORMAT_PROTOBUF_H
#define BEACON_SRC_FORMAT_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/wbuf.h"

/* Wire types. */
#define BEACON__PB_VARINT 0u
#define BEACON__PB_I64    1u
#define BEACON__PB_LEN    2u
#define BEACON__PB_I32    5u

void beacon__pb_varint(beacon__wbuf *b, uint64_t v);
void beacon__pb_tag(beacon__wbuf *b, uint32_t field, uint32_t wire_type);
void beacon__pb_fixed64(beacon__wbuf *b, uint32_t field, uint64_t v);
void beacon__pb_fixed32(beacon__wbuf *b, uint32_t field, uint32_t v);
void beacon__pb_double(beacon__wbuf *b, uint32_t field, double v);

/* The per-field writers below are inline: an OTLP LogRecord is dozens of
 * them. Each makes room once and writes in place. */

/* Writes v as a varint at out (room for 10 bytes); returns its length.
 * Not thread-safe, like every writer here: one wbuf, one owner. */
static inline size_t beacon__pb_varint_put(uint8_t *out, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Room for n more bytes at the end of b, or NULL (failed latched). */
static inline uint8_t *beacon__pb_room(beacon__wbuf *b, size_t n) {
    if (b->cap - b->len < n && !beacon__wbuf_reserve(b, n)) return NULL;
    return (uint8_t *)b->data + b->len;
}

/* field = v as a varint (int64 two's complement, bool, enum). */
static inline void beacon__pb_uint(beacon__wbuf *b, uint32_t field, uint64_t v) {
    uint8_t *p = beacon__pb_room(b, 20);
    if (!p) return;
    size_t n = beacon__pb_varint_put(p, ((uint64_t)field << 3) | BEACON__PB_VARINT);
    b->len += n + beacon__pb_varint_put(p + n, v);
}

/* field = n bytes of data (string or bytes). */
static inline void beacon__pb_bytes(beacon__wbuf *b, uint32_t field, const void *data, size_t n) {
    uint8_t *p = beacon__pb_room(b, 20 + n);
    if (!p) return;
    size_t h = beacon__pb_varint_put(p, ((uint64_t)field << 3) | BEACON__PB_LEN);
    h += beacon__pb_varint_put(p + h, n);
    if (n) memcpy(p + h, data, n);
    b->len += h + n;
}

/* A nested message: begin writes the tag and returns a mark; what follows
 * until end is the message, whose length end writes in front of it. Marks
 * nest like brackets. One byte is reserved for the length; a longer one
 * moves the message up (beacon__pb_end_long). */
static inline size_t beacon__pb_begin(beacon__wbuf *b, uint32_t field) {
    uint8_t *p = beacon__pb_room(b, 11);
    if (!p) return b->len;
    size_t h = beacon__pb_varint_put(p, ((uint64_t)field << 3) | BEACON__PB_LEN);
    p[h] = 0; /* length placeholder */
    b->len += h + 1;
    return b->len;
}

void beacon__pb_end_long(beacon__wbuf *b, size_t mark);

static inline void beacon__pb_end(beacon__wbuf *b, size_t mark) {
    if (b->failed) return;
    size_t body = b->len - mark;
    if (body < 0x80)
        b->data[mark - 1] = (char)body;
    else
        beacon__pb_end_long(b, mark);
}

#endif /* BEACON_SRC_FORMAT_PROTOBUF_H */
