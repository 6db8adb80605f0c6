/* tally.h — per-thread counters of the events refused by their verdict
 * before the clock is read (internal): switched off, sample rate 0, or no
 * sink takes them (core/verdict.h). Each thread counts into a block of its
 * own with one instruction and no atomic read-modify-write (the lane's
 * `tally`, which generated code increments inline); the stats sum every
 * block. Blocks live until process exit; a thread that exits gives its
 * block up to the next thread that needs one, counts included (they are
 * process totals).
 */
#ifndef BEACON_SRC_EMIT_TALLY_H
#define BEACON_SRC_EMIT_TALLY_H

#include <stdint.h>

#include "beacon/beacon_gen_inline.h"

/* Counters of a block, indexed by verdict kind minus
 * BEACON_GEN_VERDICT_DISABLED. */
enum {
    BEACON__TALLY_DISABLED = 0, /* switched off (reported as dropped_filtered) */
    BEACON__TALLY_SAMPLED = 1,  /* sample rate 0 (dropped_sampled) */
    BEACON__TALLY_FILTERED = 2, /* every sink refuses (dropped_filtered) */
    BEACON__TALLY_COUNTERS = 3
};

/* Count one event refused with verdict `kind` (BEACON_GEN_VERDICT_DISABLED,
 * _SAMPLED or _FILTERED; others are ignored) on the calling thread; the
 * thread's first count allocates its block. Thread-safe. */
void beacon__tally_count(unsigned kind);

/* Sums of every block's counters into sum[BEACON__TALLY_COUNTERS]. A
 * snapshot; any thread. */
void beacon__tally_sums(uint64_t sum[BEACON__TALLY_COUNTERS]);

/* In the child after fork(): only the calling thread survived, so every
 * other block is given up (its counts stay). */
void beacon__tally_after_fork_child(void);

#endif /* BEACON_SRC_EMIT_TALLY_H */
