/* json_envelope.c — the generic JSON format: canonical events as they are,
 * POSTed as {"resource":{…},"events":[…]} (or {"events":[…]} with
 * envelope=events), or one canonical object per request with batch=1. */
#include "format/wire.h"

static bool encode(const beacon__wire_ctx *ctx, const beacon__jdoc *doc, const char *json,
                   size_t len, const beacon_event_desc *desc, beacon__wbuf *out) {
    (void)ctx;
    (void)doc;
    (void)desc;
    beacon__wbuf_put(out, json, len);
    return !out->failed;
}

static void assemble(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                     beacon__wbuf *body) {
    beacon__wbuf_putc(body, '{');
    if (!ctx->events_only && ctx->resource_json) {
        beacon__wbuf_puts(body, "\"resource\":");
        beacon__wbuf_put(body, ctx->resource_json, ctx->resource_json_len);
        beacon__wbuf_putc(body, ',');
    }
    beacon__wbuf_puts(body, "\"events\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) beacon__wbuf_putc(body, ',');
        beacon__wbuf_put(body, p[i].data, p[i].len);
    }
    beacon__wbuf_puts(body, "]}");
}

static void assemble_single(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                            beacon__wbuf *body) {
    (void)ctx;
    (void)n;
    beacon__wbuf_put(body, p[0].data, p[0].len);
}

const beacon__wire_format beacon__wire_json = {
    .name = "json",
    .content_type = "application/json",
    .batch = 512,
    .max_batch = 8192,
    .max_batch_bytes = 4u << 20,
    .max_event_bytes = 1u << 20,
    .encode = encode,
    .assemble = assemble,
};

const beacon__wire_format beacon__wire_json_single = {
    .name = "json-single",
    .content_type = "application/json",
    .batch = 1,
    .max_batch = 1,
    .max_batch_bytes = 0,
    .max_event_bytes = 1u << 20,
    .encode = encode,
    .assemble = assemble_single,
};
