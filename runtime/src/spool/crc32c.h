/* crc32c.h — CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the
 * checksum of the spool's record frames (internal). Table-driven, portable,
 * no CPU feature detection; spool/segment.c is its user.
 */
#ifndef BEACON_SRC_SPOOL_CRC32C_H
#define BEACON_SRC_SPOOL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of data[0..len) continued from crc (0 to start a new checksum):
 * beacon__crc32c(beacon__crc32c(0, a, n), b, m) equals the checksum of a
 * followed by b. data may be NULL when len is 0. Pure; thread-safe. */
uint32_t beacon__crc32c(uint32_t crc, const void *data, size_t len);

#endif /* BEACON_SRC_SPOOL_CRC32C_H */
