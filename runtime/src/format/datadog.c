/* datadog.c — Datadog Logs intake v2 (POST /api/v2/logs): a JSON array of
 * log objects with Datadog's reserved attributes (ddsource, ddtags,
 * hostname, service, status, message) and the event's own fields at the top
 * level. The intake takes at most 1,000 entries and 5 MB per payload and
 * 1 MB per entry; the limits below make the HTTP sink keep to them. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "format/wire.h"

/* Appends `"key":value` for every member of obj. */
static void splice(beacon__wbuf *out, const beacon__jdoc *doc, size_t obj) {
    size_t i = obj + 1;
    for (uint32_t k = 0; k < doc->t[obj].count; k++) {
        beacon__wbuf_putc(out, ',');
        beacon__wire_put_raw(out, &doc->t[i]);
        beacon__wbuf_putc(out, ':');
        beacon__wire_put_raw(out, &doc->t[i + 1]);
        i = doc->t[i + 1].end;
    }
}

/* Datadog correlates logs with its traces by the low 64 bits in decimal. */
static void put_dd_id(beacon__wbuf *out, const char *key, const beacon__jtok *t, size_t n) {
    uint8_t b[16];
    if (!beacon__wire_hex_bytes(t, b, n)) return;
    uint64_t v = 0;
    for (size_t i = n - 8; i < n; i++) v = v << 8 | b[i];
    beacon__wbuf_puts(out, key);
    beacon__wbuf_uint(out, v);
    beacon__wbuf_putc(out, '"');
}

static bool encode(const beacon__wire_ctx *ctx, const beacon__jdoc *doc, const char *json,
                   size_t len, const beacon_event_desc *desc, beacon__wbuf *out) {
    (void)json;
    (void)len;
    (void)desc;
    beacon__wire_event ev;
    if (!beacon__wire_event_read(doc, &ev)) return false;
    beacon__wbuf_puts(out, "{\"ddsource\":\"beacon\",\"ddtags\":");
    /* Catalog names are [a-z0-9_] and versions digits: no escaping needed. */
    beacon__wbuf_putc(out, '"');
    if (ev.catalog) {
        beacon__wbuf_puts(out, "catalog:");
        beacon__wbuf_put(out, doc->t[ev.catalog].p, doc->t[ev.catalog].len);
    }
    if (ev.version) {
        beacon__wbuf_puts(out, ",catalog_version:");
        beacon__wbuf_put(out, doc->t[ev.version].p, doc->t[ev.version].len);
    }
    if (ctx->ddtags && *ctx->ddtags) {
        beacon__wbuf_putc(out, ',');
        beacon__wbuf_json_body(out, ctx->ddtags, strlen(ctx->ddtags));
    }
    beacon__wbuf_putc(out, '"');
    bool ok = true;
    if (ctx->hostname) {
        beacon__wbuf_puts(out, ",\"hostname\":");
        beacon__wbuf_json_string(out, ctx->hostname, strlen(ctx->hostname));
    }
    beacon__wbuf_puts(out, ",\"service\":");
    beacon__wbuf_json_string(out, ctx->service, strlen(ctx->service));
    beacon__wbuf_puts(out, ",\"status\":\"");
    beacon__wbuf_puts(out, beacon__wire_level_lower(ev.level_num));
    beacon__wbuf_puts(out, "\",\"message\":");
    beacon__wire_put_raw(out, &doc->t[ev.event]);
    if (ev.time) {
        beacon__wbuf_puts(out, ",\"date\":");
        beacon__wire_put_raw(out, &doc->t[ev.time]);
    }
    static const char *const keys[] = {"id",       "event",   "category",
                                       "trace_id", "span_id", "parent_span_id"};
    size_t toks[] = {ev.id, ev.event, ev.category, ev.trace_id, ev.span_id, ev.parent_span_id};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (!toks[k]) continue;
        beacon__wbuf_puts(out, ",\"");
        beacon__wbuf_puts(out, keys[k]);
        beacon__wbuf_puts(out, "\":");
        beacon__wire_put_raw(out, &doc->t[toks[k]]);
    }
    if (ev.trace_id) put_dd_id(out, ",\"dd.trace_id\":\"", &doc->t[ev.trace_id], 16);
    if (ev.span_id) put_dd_id(out, ",\"dd.span_id\":\"", &doc->t[ev.span_id], 8);
    if (ev.context && doc->t[ev.context].kind == BEACON__J_OBJ) splice(out, doc, ev.context);
    if (ev.data && doc->t[ev.data].kind == BEACON__J_OBJ) splice(out, doc, ev.data);
    if (ev.truncated) {
        beacon__wbuf_puts(out, ",\"truncated\":");
        beacon__wire_put_raw(out, &doc->t[ev.truncated]);
    }
    beacon__wbuf_putc(out, '}');
    return ok && !out->failed;
}

const beacon__wire_format beacon__wire_datadog = {
    .name = "datadog",
    .content_type = "application/json",
    .path = "/api/v2/logs",
    .batch = 500,
    .max_batch = 1000,
    .max_batch_bytes = 4990000, /* 5 MB with room for the array's commas */
    .max_event_bytes = 1000000,
    .encode = encode,
    .assemble = beacon__wire_assemble_array,
};
