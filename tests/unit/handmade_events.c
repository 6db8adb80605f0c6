/* handmade_events.c — see handmade_events.h. */
#include "handmade_events.h"

#include <stddef.h>
#include <string.h>

static beacon_event_state k_state[1];

static const beacon_field_desc k_secret_number_fields[] = {
    {.name = "n",
     .type = BEACON_TYPE_INT,
     .presence_bit = -1,
     .offset = offsetof(hm_secret_number, n),
     .pii = BEACON_PII_HASH,
     .flags = BEACON_FIELD_HAS_MAX,
     .max = {.i = 10}},
};

const beacon_event_desc hm_secret_number_desc = {
    .catalog = &hm_catalog,
    .name = "secret_number",
    .id = 0,
    .level = BEACON_LEVEL_INFO,
    .correlation = BEACON_CORR_NONE,
    .kind = BEACON_KIND_EVENT,
    .sample_rate = 1.0,
    .struct_size = sizeof(hm_secret_number),
    .fields = k_secret_number_fields,
    .field_count = 1,
    .state = &k_state[0],
};

static const beacon_event_desc *const k_events[] = {&hm_secret_number_desc};

const beacon_catalog_desc hm_catalog = {
    .abi = BEACON_GEN_ABI,
    .name = "handmade",
    .prefix = "hm",
    .hash = "0000",
    .version = 1,
    .events = k_events,
    .event_count = 1,
};

hm_secret_number hm_secret_number_make(int64_t n) {
    hm_secret_number ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &hm_secret_number_desc;
    ev.n = n;
    return ev;
}
