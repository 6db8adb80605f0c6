/* cloudevents.c — CloudEvents 1.0 in the JSON event format: a batch is
 * application/cloudevents-batch+json (a JSON array of events); structured
 * mode (mode=structured) sends one application/cloudevents+json event per
 * request. Each event carries the distributed-tracing extension
 * `traceparent` when it has a trace. */
#include <string.h>

#include "format/wire.h"

static bool encode(const beacon__wire_ctx *ctx, const beacon__jdoc *doc, const char *json,
                   size_t len, const beacon_event_desc *desc, beacon__wbuf *out) {
    (void)json;
    (void)len;
    (void)desc;
    beacon__wire_event ev;
    if (!beacon__wire_event_read(doc, &ev) || !ev.id) return false;
    beacon__wbuf_puts(out, "{\"specversion\":\"1.0\",\"id\":");
    beacon__wire_put_raw(out, &doc->t[ev.id]);
    beacon__wbuf_puts(out, ",\"source\":");
    beacon__wbuf_json_string(out, ctx->service, strlen(ctx->service));
    beacon__wbuf_puts(out, ",\"type\":");
    beacon__wire_put_raw(out, &doc->t[ev.event]);
    if (ev.time) {
        beacon__wbuf_puts(out, ",\"time\":");
        beacon__wire_put_raw(out, &doc->t[ev.time]);
    }
    beacon__wbuf_puts(out, ",\"datacontenttype\":\"application/json\"");
    if (ev.catalog) {
        /* A URN naming the catalog and its revision. */
        beacon__wbuf_puts(out, ",\"dataschema\":\"urn:beacon:");
        beacon__wbuf_put(out, doc->t[ev.catalog].p, doc->t[ev.catalog].len);
        if (ev.version) {
            beacon__wbuf_putc(out, ':');
            beacon__wbuf_put(out, doc->t[ev.version].p, doc->t[ev.version].len);
        }
        beacon__wbuf_putc(out, '"');
    }
    if (ev.trace_id && ev.span_id && doc->t[ev.trace_id].len == 32 &&
        doc->t[ev.span_id].len == 16) {
        beacon__wbuf_puts(out, ",\"traceparent\":\"00-");
        beacon__wbuf_put(out, doc->t[ev.trace_id].p, 32);
        beacon__wbuf_putc(out, '-');
        beacon__wbuf_put(out, doc->t[ev.span_id].p, 16);
        beacon__wbuf_puts(out, "-01\"");
    }
    beacon__wbuf_puts(out, ",\"data\":");
    if (ev.data)
        beacon__wire_put_raw(out, &doc->t[ev.data]);
    else
        beacon__wbuf_puts(out, "{}");
    beacon__wbuf_putc(out, '}');
    return !out->failed;
}

const beacon__wire_format beacon__wire_cloudevents = {
    .name = "cloudevents",
    .content_type = "application/cloudevents-batch+json",
    .batch = 512,
    .max_batch = 8192,
    .max_batch_bytes = 4u << 20,
    .max_event_bytes = 1u << 20,
    .encode = encode,
    .assemble = beacon__wire_assemble_array,
};

const beacon__wire_format beacon__wire_cloudevents_structured = {
    .name = "cloudevents-structured",
    .content_type = "application/cloudevents+json",
    .batch = 1,
    .max_batch = 1,
    .max_event_bytes = 1u << 20,
    .encode = encode,
    .assemble = beacon__wire_assemble_one,
};
