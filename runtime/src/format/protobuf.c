/* protobuf.c — the protocol-buffers writer: little-endian fixed widths,
 * base-128 varints, and nested messages whose length is written once their
 * size is known (one byte is reserved; longer lengths move the body up). */
#include "format/protobuf.h"

#include <string.h>

static size_t varint_len(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static size_t varint_put(uint8_t *out, uint64_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

/* Room for n more bytes at the end of b, or NULL (failed latched). Each
 * field is written in place after one check: the formats write dozens per
 * event. */
static uint8_t *room(beacon__wbuf *b, size_t n) {
    if (b->cap - b->len < n && !beacon__wbuf_reserve(b, n)) return NULL;
    return (uint8_t *)b->data + b->len;
}

void beacon__pb_varint(beacon__wbuf *b, uint64_t v) {
    uint8_t *p = room(b, 10);
    if (p) b->len += varint_put(p, v);
}

void beacon__pb_tag(beacon__wbuf *b, uint32_t field, uint32_t wire_type) {
    beacon__pb_varint(b, ((uint64_t)field << 3) | wire_type);
}

void beacon__pb_uint(beacon__wbuf *b, uint32_t field, uint64_t v) {
    uint8_t *p = room(b, 20);
    if (!p) return;
    size_t n = varint_put(p, ((uint64_t)field << 3) | BEACON__PB_VARINT);
    b->len += n + varint_put(p + n, v);
}

void beacon__pb_fixed64(beacon__wbuf *b, uint32_t field, uint64_t v) {
    uint8_t t[8];
    for (int i = 0; i < 8; i++) t[i] = (uint8_t)(v >> (8 * i));
    beacon__pb_tag(b, field, BEACON__PB_I64);
    beacon__wbuf_put(b, t, 8);
}

void beacon__pb_fixed32(beacon__wbuf *b, uint32_t field, uint32_t v) {
    uint8_t t[4];
    for (int i = 0; i < 4; i++) t[i] = (uint8_t)(v >> (8 * i));
    beacon__pb_tag(b, field, BEACON__PB_I32);
    beacon__wbuf_put(b, t, 4);
}

void beacon__pb_double(beacon__wbuf *b, uint32_t field, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    beacon__pb_fixed64(b, field, bits);
}

void beacon__pb_bytes(beacon__wbuf *b, uint32_t field, const void *data, size_t n) {
    uint8_t *p = room(b, 20 + n);
    if (!p) return;
    size_t h = varint_put(p, ((uint64_t)field << 3) | BEACON__PB_LEN);
    h += varint_put(p + h, n);
    if (n) memcpy(p + h, data, n);
    b->len += h + n;
}

size_t beacon__pb_begin(beacon__wbuf *b, uint32_t field) {
    uint8_t *p = room(b, 11);
    if (!p) return b->len;
    size_t h = varint_put(p, ((uint64_t)field << 3) | BEACON__PB_LEN);
    p[h] = 0; /* length placeholder */
    b->len += h + 1;
    return b->len;
}

void beacon__pb_end(beacon__wbuf *b, size_t mark) {
    if (b->failed) return;
    size_t body = b->len - mark;
    if (body < 0x80) { /* the usual case: the placeholder byte is the length */
        b->data[mark - 1] = (char)body;
        return;
    }
    size_t n = varint_len(body);
    if (!beacon__wbuf_reserve(b, n - 1)) return;
    memmove(b->data + mark + n - 1, b->data + mark, body);
    b->len += n - 1;
    varint_put((uint8_t *)b->data + mark - 1, body);
}
