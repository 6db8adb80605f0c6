/* ids.h — per-thread random numbers for event ids, trace/span ids and
 * sampling (internal). Not cryptographic: ids must be unique, not secret.
 */
#ifndef BEACON_SRC_IDS_H
#define BEACON_SRC_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Next 64 random bits from the calling thread's generator. */
uint64_t beacon__rand64(void);

/* Uniform in [0, 1). */
double beacon__rand_unit(void);

/* n random bytes, never all zero (all-zero means "no id" on the wire). */
void beacon__rand_id(uint8_t *out, size_t n);

/* True when the n bytes of an id are all zero ("no id"). Ids are 8 or 16
 * bytes: whole words, no byte loop. Thread-safe. */
static inline bool beacon__id_is_zero(const uint8_t *b, size_t n) {
    uint64_t any = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, b + i, 8);
        any |= v;
    }
    for (; i < n; i++) any |= b[i];
    return any == 0;
}

#endif /* BEACON_SRC_IDS_H */
