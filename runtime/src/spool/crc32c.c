/* crc32c.c — CRC-32C over bytes with a 256-entry table built once at compile
 * time by the macros below (so no initialisation race and no writable
 * state). Slice-by-one is plenty: the spool checksums batches that already
 * cost a disk write.
 */
#include "spool/crc32c.h"

#define POLY   0x82F63B78u
#define B1(c)  (((c) >> 1) ^ (((c)&1u) ? POLY : 0u))
#define B8(c)  B1(B1(B1(B1(B1(B1(B1(B1(c))))))))
#define R4(i)  B8((uint32_t)(i)), B8((uint32_t)(i) + 1), B8((uint32_t)(i) + 2), B8((uint32_t)(i) + 3)
#define R16(i) R4(i), R4((i) + 4), R4((i) + 8), R4((i) + 12)
#define R64(i) R16(i), R16((i) + 16), R16((i) + 32), R16((i) + 48)

static const uint32_t k_table[256] = {R64(0), R64(64), R64(128), R64(192)};

uint32_t beacon__crc32c(uint32_t crc, const void *data, size_t len) {
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) crc = k_table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}
