/* handmade_events.h — the one event descriptor the tests build by hand,
 * because the generator refuses to write it: an int field with a PII policy
 * (catalog "handmade", event "secret_number": n, pii hash, max 10). The
 * runtime must still keep such a value out of its diagnostics. Every other
 * test event comes from the generated catalogs in catalogs/.
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

extern const beacon_event_desc hm_secret_number_desc;
extern const beacon_catalog_desc hm_catalog;

#endif /* BEACON_TESTS_HANDMADE_EVENTS_H */
