/* protobuf.h — a small protocol-buffers writer (internal): varints, fixed
 * widths, length-delimited fields and nested messages, appended to a wbuf.
 * Enough for OTLP (otlp_proto.c) without a protobuf library.
 */
#ifndef BEACON_SRC_FORMAT_PROTOBUF_H
#define BEACON_SRC_FORMAT_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

#include "format/wbuf.h"

/* Wire types. */
#define BEACON__PB_VARINT 0u
#define BEACON__PB_I64    1u
#define BEACON__PB_LEN    2u
#define BEACON__PB_I32    5u

void beacon__pb_varint(beacon__wbuf *b, uint64_t v);
void beacon__pb_tag(beacon__wbuf *b, uint32_t field, uint32_t wire_type);
/* field = v as a varint (int64 two's complement, bool, enum). */
void beacon__pb_uint(beacon__wbuf *b, uint32_t field, uint64_t v);
void beacon__pb_fixed64(beacon__wbuf *b, uint32_t field, uint64_t v);
void beacon__pb_fixed32(beacon__wbuf *b, uint32_t field, uint32_t v);
void beacon__pb_double(beacon__wbuf *b, uint32_t field, double v);
/* field = n bytes of p (string or bytes). */
void beacon__pb_bytes(beacon__wbuf *b, uint32_t field, const void *p, size_t n);

/* A nested message: begin writes the tag and returns a mark; what follows
 * until end is the message, whose length end writes in front of it. Marks
 * nest like brackets. */
size_t beacon__pb_begin(beacon__wbuf *b, uint32_t field);
void beacon__pb_end(beacon__wbuf *b, size_t mark);

#endif /* BEACON_SRC_FORMAT_PROTOBUF_H */
