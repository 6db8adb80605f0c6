/* json_envelope.c — the generic JSON format: canonical events as they are,
 * POSTed as {"resource":{…},"events":[…]} (or {"events":[…]} with
 * envelope=events), or one canonical object per request with batch=1. */
#include "format/wire.h"

static void assemble(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                     beacon__wbuf *body) {
    beacon__wbuf_putc(body, '{');
    if (!ctx->events_only && ctx->resource_json) {
        beacon__wbuf_puts(body, "\"resource\":");
        beacon__wbuf_put(body, ctx->resource_json, ctx->resource_json_len);
        beacon__wbuf_putc(body, ',');
    }
    beacon__wbuf_puts(body, "\"events\":[");
    beacon__wire_put_list(body, p, n);
    beacon__wbuf_puts(body, "]}");
}

const beacon__wire_format beacon__wire_json = {
    .name = "json",
    .content_type = "application/json",
    .batch = 512,
    .max_batch = 8192,
    .max_batch_bytes = 4u << 20,
    .max_event_bytes = 1u << 20,
    .encode = beacon__wire_encode_canonical,
    .assemble = assemble,
};

const beacon__wire_format beacon__wire_json_single = {
    .name = "json-single",
    .content_type = "application/json",
    .batch = 1,
    .max_batch = 1,
    .max_batch_bytes = 0,
    .max_event_bytes = 1u << 20,
    .encode = beacon__wire_encode_canonical,
    .assemble = beacon__wire_assemble_one,
};
