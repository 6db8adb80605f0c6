/* umami.c — Umami's event API (POST /api/send): one
 * {"type":"event","payload":{…}} per request, the event's name and its data
 * fields in the payload, the website id from the sink's website= option.
 * Umami ignores requests without a real User-Agent; the transport sends
 * beacon's. */
#include <string.h>

#include "format/wire.h"

static bool encode(const beacon__wire_ctx *ctx, const beacon__jdoc *doc, const char *json,
                   size_t len, const beacon_event_desc *desc, beacon__wbuf *out) {
    (void)json;
    (void)len;
    (void)desc;
    beacon__wire_event ev;
    if (!beacon__wire_event_read(doc, &ev)) return false;
    beacon__wbuf_puts(out, "{\"type\":\"event\",\"payload\":{\"website\":");
    const char *site = ctx->website ? ctx->website : "";
    beacon__wbuf_json_string(out, site, strlen(site));
    if (ctx->hostname) {
        beacon__wbuf_puts(out, ",\"hostname\":");
        beacon__wbuf_json_string(out, ctx->hostname, strlen(ctx->hostname));
    }
    beacon__wbuf_puts(out, ",\"url\":\"/\",\"name\":");
    beacon__wire_put_raw(out, &doc->t[ev.event]);
    beacon__wbuf_puts(out, ",\"data\":");
    /* Umami's data is one flat object: the event's fields plus its id, so a
     * receiver can drop the duplicates a retry makes. */
    beacon__wbuf_putc(out, '{');
    bool comma = false;
    if (ev.id) {
        beacon__wbuf_puts(out, "\"id\":");
        beacon__wire_put_raw(out, &doc->t[ev.id]);
        comma = true;
    }
    if (ev.data && doc->t[ev.data].kind == BEACON__J_OBJ) {
        size_t i = ev.data + 1;
        for (uint32_t k = 0; k < doc->t[ev.data].count; k++) {
            if (comma) beacon__wbuf_putc(out, ',');
            comma = true;
            beacon__wire_put_raw(out, &doc->t[i]);
            beacon__wbuf_putc(out, ':');
            beacon__wire_put_raw(out, &doc->t[i + 1]);
            i = doc->t[i + 1].end;
        }
    }
    beacon__wbuf_puts(out, "}}}");
    return !out->failed;
}

const beacon__wire_format beacon__wire_umami = {
    .name = "umami",
    .content_type = "application/json",
    .path = "/api/send",
    .batch = 1,
    .max_batch = 1,
    .max_event_bytes = 1u << 20,
    .encode = encode,
    .assemble = beacon__wire_assemble_one,
};
