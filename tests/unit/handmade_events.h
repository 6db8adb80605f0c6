/* handmade_events.h — the event descriptors the tests build by hand, because
 * the generator never writes them; every other test event comes from the
 * generated catalogs in catalogs/.
 *
 * - "secret_number" (catalog "handmade"): an int field with a PII policy
 *   (n, pii hash, max 10), which the generator refuses. The runtime must
 *   still keep such a value out of its diagnostics.
 * - Deliberately broken: tfx "plain" claiming to be generated for another
 *   ABI, as code built against another beacon would be.
 */
#ifndef BEACON_TESTS_HANDMADE_EVENTS_H
#define BEACON_TESTS_HANDMADE_EVENTS_H

#include <beacon/beacon_gen.h>

typedef struct hm_secret_number {
    beacon_event_hdr hdr;
    int64_t n;
} hm_secret_number;

/* An hm_secret_number carrying n, emitted with beacon_gen_emit(&ev.hdr, NULL). */
hm_secret_number hm_secret_number_make(int64_t n);

/* A copy of tfx_plain_desc (tfx_events.h) whose catalog says it was
 * generated for ABI abi, with its own per-event state; one per abi value
 * (at most four distinct values per process). Not thread-safe. */
const beacon_event_desc *hm_plain_desc_of_abi(uint32_t abi);

extern const beacon_event_desc hm_secret_number_desc;
extern const beacon_catalog_desc hm_catalog;

#endif /* BEACON_TESTS_HANDMADE_EVENTS_H */
