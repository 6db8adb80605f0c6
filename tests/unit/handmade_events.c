/* handmade_events.c — see handmade_events.h. */
#include "handmade_events.h"

#include <stdlib.h>

#include <stddef.h>
#include <string.h>

#include "tfx_events.h"

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

const beacon_event_desc *hm_plain_desc_of_abi(uint32_t abi) {
    static struct {
        beacon_catalog_desc catalog;
        beacon_event_state state;
        beacon_event_desc desc;
    } k_builds[4];
    static size_t k_used;
    for (size_t i = 0; i < k_used; i++)
        if (k_builds[i].catalog.abi == abi) return &k_builds[i].desc;
    if (k_used == sizeof k_builds / sizeof k_builds[0]) abort();
    k_builds[k_used].catalog = tfx_catalog;
    k_builds[k_used].catalog.abi = abi;
    k_builds[k_used].desc = tfx_plain_desc;
    k_builds[k_used].desc.catalog = &k_builds[k_used].catalog;
    k_builds[k_used].desc.state = &k_builds[k_used].state;
    return &k_builds[k_used++].desc;
}
