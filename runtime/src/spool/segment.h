/* segment.h — the byte layout of a spool segment file (internal): a file
 * header, then records, each a fixed header followed by its payload. Pure
 * encoding and decoding over memory; spool/spool.c does the files and
 * tests/fuzz/fuzz_spool_segment.c feeds the parser arbitrary bytes.
 *
 * File header (16 bytes): "BEACONSPOOL" NUL, then the layout version as a
 * little-endian u32 (1).
 *
 * Record header (32 bytes, little-endian):
 *    0  u32  magic "BSR1"
 *    4  u8   state: 0 pending, 0xAC acknowledged (the only byte ever
 *            rewritten in place, so it is left out of the checksums)
 *    5  u8   0 (reserved)
 *    6  u16  format id of the payload
 *    8  u32  payload length in bytes
 *   12  u32  events in the payload
 *   16  u64  sink id (hash of the sink's identity)
 *   24  u32  CRC-32C of the payload
 *   28  u32  CRC-32C of bytes 0..28 with byte 4 taken as 0
 * The header checksum makes the length trustworthy before the payload is
 * read; a damaged header is skipped by searching for the next magic.
 */
#ifndef BEACON_SRC_SPOOL_SEGMENT_H
#define BEACON_SRC_SPOOL_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BEACON__SPOOL_FILE_HDR   16u
#define BEACON__SPOOL_REC_HDR    32u
#define BEACON__SPOOL_STATE_OFF  4u         /* offset of the state byte in a record */
#define BEACON__SPOOL_ACKED      0xACu      /* state of an acknowledged record */
#define BEACON__SPOOL_MAX_RECORD (1u << 30) /* payload bound; longer is damage */

/* What a record header says (decoded) or should say (to encode). */
typedef struct beacon__spool_frame {
    uint64_t sink_id;
    uint16_t format;
    uint32_t events;
    uint32_t len; /* payload bytes */
    bool acked;
} beacon__spool_frame;

/* What lies at an offset of a segment's bytes. */
typedef enum beacon__spool_parse {
    BEACON__SPOOL_PARSE_RECORD,  /* a whole record whose checksums hold */
    BEACON__SPOOL_PARSE_CORRUPT, /* damaged bytes up to *next, where parsing resumes */
    BEACON__SPOOL_PARSE_TORN,    /* an unfinished record runs to the end */
    BEACON__SPOOL_PARSE_END      /* nothing left */
} beacon__spool_parse;

/* Writes the 16-byte file header into out. */
void beacon__spool_file_header(uint8_t out[BEACON__SPOOL_FILE_HDR]);

/* Whether buf[0..len) starts with a file header of this layout version. */
bool beacon__spool_file_header_ok(const uint8_t *buf, size_t len);

/* Writes the header of a record holding payload[0..f->len) into hdr
 * (f->acked is ignored: new records are pending). payload may be NULL when
 * f->len is 0. Pure. */
void beacon__spool_frame_encode(uint8_t hdr[BEACON__SPOOL_REC_HDR], const beacon__spool_frame *f,
                                const void *payload);

/* Reads what lies at buf[off..len) (off <= len; buf may be NULL when len is
 * 0). RECORD: *f is the decoded header, the payload is buf[off + 32 ..
 * off + 32 + f->len) and *next the offset after it. CORRUPT: *next (> off)
 * is the next offset where a record magic starts, or len. TORN and END:
 * *next is len. Never reads outside buf[0..len). Pure; thread-safe. */
beacon__spool_parse beacon__spool_frame_parse(const uint8_t *buf, size_t len, size_t off,
                                              beacon__spool_frame *f, size_t *next);

#endif /* BEACON_SRC_SPOOL_SEGMENT_H */
