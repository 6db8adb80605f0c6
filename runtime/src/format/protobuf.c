/* protobuf.c — the protocol-buffers writer: little-endian fixed widths,
 * base-128 varints, and nested messages whose length is written once their
 * size is known (one byte is reserved; longer lengths move the body up).
 * The per-field writers are inline in protobuf.h. */
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

void beacon__pb_varint(beacon__wbuf *b, uint64_t v) {
    uint8_t *p = beacon__pb_room(b, 10);
    if (p) b->len += beacon__pb_varint_put(p, v);
}

void beacon__pb_tag(beacon__wbuf *b, uint32_t field, uint32_t wire_type) {
    beacon__pb_varint(b, ((uint64_t)field << 3) | wire_type);
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

void beacon__pb_end_long(beacon__wbuf *b, size_t mark) {
    size_t body = b->len - mark;
    size_t n = varint_len(body);
    if (!beacon__wbuf_reserve(b, n - 1)) return;
    memmove(b->data + mark + n - 1, b->data + mark, body);
    b->len += n - 1;
    beacon__pb_varint_put((uint8_t *)b->data + mark - 1, body);
}
