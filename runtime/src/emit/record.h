/* record.h — the binary form of an event inside a thread's ring.
 *
 * The caller copies the generated struct verbatim and appends every string,
 * list and attribute it points to; pointers inside the copy become offsets
 * from the record start. The worker turns the offsets back into pointers in
 * place and serializes the restored struct with the same code that serves
 * beacon_gen_to_json. Driven entirely by the event descriptor.
 */
#ifndef BEACON_RECORD_H
#define BEACON_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <beacon/beacon_gen_inline.h>

/* Fixed head of every record; the event struct copy follows at
 * BEACON__RECORD_STRUCT_OFFSET, then the out-of-line bytes. */
typedef struct beacon__record_head {
    uint32_t size;  /* whole record, bytes (multiple of 8) */
    uint32_t flags; /* 0; reserved */
    uint64_t ticks; /* caller timestamp (clock.h ticks) or 0; unused when the
                       struct's time_ns is set */
    void *ctx;      /* context snapshot reference or NULL (owner: pipeline) */
} beacon__record_head;
/* The correlation ids resolved at emit are in the struct copy's header. */

/* A ring record of exactly this many bytes is not an event but a pointer to
 * a heap-allocated record (an event larger than the ring allows), which the
 * consumer frees after use. Real records are always larger. */
#define BEACON__RECORD_INDIRECT sizeof(void *)

/* Default bound on the bytes held by heap records (beacon_options_set_max_queue_mb,
 * BEACON_MAX_QUEUE_MB). */
#define BEACON__HEAP_BUDGET_DEFAULT_MB 64u

/* Reserves `size` bytes of the heap-record budget; false (nothing reserved)
 * when they would pass it. Thread-safe, lock-free. */
bool beacon__heap_charge(size_t size);

/* Frees a heap record (NULL: no-op) and returns its bytes to the budget.
 * Thread-safe. */
void beacon__heap_record_free(void *heap);

/* Bytes a `pii: scrub` string with a max_length keeps past the bound
 * (beacon_gen_scrub_cut, which generated code applies too). */
#define BEACON__SCRUB_MARGIN BEACON_GEN_SCRUB_MARGIN

#define BEACON__RECORD_ALIGN 8u
#define BEACON__RECORD_STRUCT_OFFSET                                                               \
    ((sizeof(beacon__record_head) + BEACON__RECORD_ALIGN - 1) & ~(size_t)(BEACON__RECORD_ALIGN - 1))

/* Bytes the record of `ev` needs (head included, 8-aligned). Strings longer
 * than their max_length and lists longer than max_items are cut to one byte /
 * one item past the bound, so the serializer still sees (and reports) that
 * they were truncated while the ring never holds more than it will send.
 * `pii: scrub` strings are kept up to BEACON__SCRUB_MARGIN bytes further:
 * they are scrubbed before the cut.
 * Returns 0 when ev has no descriptor. No allocation; thread-safe. */
size_t beacon__record_size(const beacon_event_hdr *ev);

/* Write the record of `ev` into dst, which has exactly `size` bytes as
 * returned by beacon__record_size(ev). Fills the head's size field; the
 * caller fills the rest of the head. No allocation. */
void beacon__record_encode(const beacon_event_hdr *ev, void *dst, size_t size);

/* Restore the event struct inside a record written by beacon__record_encode
 * (possibly by another thread): offsets become pointers, in place. Returns
 * the struct's header, which points into `rec` (borrowed; valid while the
 * record is). */
beacon_event_hdr *beacon__record_decode(void *rec);

#endif /* BEACON_RECORD_H */
