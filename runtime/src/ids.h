/* ids.h — per-thread random numbers for event ids, trace/span ids and
 * sampling (internal). Not cryptographic: ids must be unique, not secret.
 */
#ifndef BEACON_SRC_IDS_H
#define BEACON_SRC_IDS_H

#include <stddef.h>
#include <stdint.h>

/* Next 64 random bits from the calling thread's generator. */
uint64_t beacon__rand64(void);

/* Uniform in [0, 1). */
double beacon__rand_unit(void);

/* n random bytes, never all zero (all-zero means "no id" on the wire). */
void beacon__rand_id(uint8_t *out, size_t n);

#endif /* BEACON_SRC_IDS_H */
