/* sampling.h — per-event sampling configuration (internal). The rates set
 * with beacon_set_sample_rate and BEACON_SAMPLE_RATE become each event's
 * cached threshold through beacon__sample_refresh (declared in state.h,
 * where the emit path finds it).
 */
#ifndef BEACON_SRC_CORE_SAMPLING_H
#define BEACON_SRC_CORE_SAMPLING_H

#include <stdint.h>

#include "beacon/beacon_gen.h"

/* Reads BEACON_SAMPLE_RATE (once per init) and starts a new sampling
 * generation; a malformed value is reported and ignored. Thread-safe. */
void beacon__sample_read_env(void);

/* Fork hooks: the sampling lock is held across fork(). */
void beacon__sample_atfork_prepare(void);
void beacon__sample_atfork_parent(void);
void beacon__sample_atfork_child(void);

#endif /* BEACON_SRC_CORE_SAMPLING_H */
