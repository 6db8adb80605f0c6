/* otlp_json.c — OTLP/HTTP logs in JSON (application/json, protocol=json):
 * the records otlp_proto.c writes, in the protobuf JSON mapping OTLP
 * prescribes: lowerCamelCase keys, int64 and fixed64 as decimal strings,
 * enums as numbers, trace and span ids as hex. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock.h: clock_gettime */
#endif
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "format/wire.h"

static const int k_severity[] = {5, 9, 13, 17};

static void put_value(beacon__wbuf *b, const beacon__jdoc *doc, size_t i,
                      const beacon_event_desc *desc, const beacon__jtok *key);

/* `[{"key":…,"value":{…}},…]` from the members of object obj, nulls
 * skipped; `first` says whether a comma is owed before the first one. */
static bool put_members(beacon__wbuf *b, const beacon__jdoc *doc, size_t obj,
                        const beacon_event_desc *desc, bool comma) {
    size_t i = obj + 1;
    for (uint32_t k = 0; k < doc->t[obj].count; k++) {
        const beacon__jtok *key = &doc->t[i];
        size_t v = i + 1;
        if (doc->t[v].kind != BEACON__J_NULL) {
            if (comma) beacon__wbuf_putc(b, ',');
            comma = true;
            beacon__wbuf_puts(b, "{\"key\":");
            beacon__wire_put_raw(b, key);
            beacon__wbuf_puts(b, ",\"value\":");
            put_value(b, doc, v, desc, key);
            beacon__wbuf_putc(b, '}');
        }
        i = doc->t[v].end;
    }
    return comma;
}

static void put_value(beacon__wbuf *b, const beacon__jdoc *doc, size_t i,
                      const beacon_event_desc *desc, const beacon__jtok *key) {
    const beacon__jtok *t = &doc->t[i];
    switch (t->kind) {
        case BEACON__J_STR:
            beacon__wbuf_puts(b, "{\"stringValue\":");
            beacon__wire_put_raw(b, t);
            beacon__wbuf_putc(b, '}');
            break;
        case BEACON__J_TRUE:
        case BEACON__J_FALSE:
            beacon__wbuf_puts(b, "{\"boolValue\":");
            beacon__wire_put_raw(b, t);
            beacon__wbuf_putc(b, '}');
            break;
        case BEACON__J_NUM: {
            int64_t v;
            if (!beacon__wire_number_is_double(desc, key, t) && beacon__jtok_int(t, &v)) {
                beacon__wbuf_puts(b, "{\"intValue\":\"");
                beacon__wbuf_int(b, v);
                beacon__wbuf_puts(b, "\"}");
            } else {
                beacon__wbuf_puts(b, "{\"doubleValue\":");
                beacon__wire_put_raw(b, t);
                beacon__wbuf_putc(b, '}');
            }
            break;
        }
        case BEACON__J_ARR: {
            beacon__wbuf_puts(b, "{\"arrayValue\":{\"values\":[");
            size_t e = i + 1;
            for (uint32_t k = 0; k < t->count; k++) {
                if (k) beacon__wbuf_putc(b, ',');
                put_value(b, doc, e, desc, key);
                e = doc->t[e].end;
            }
            beacon__wbuf_puts(b, "]}}");
            break;
        }
        case BEACON__J_OBJ:
            beacon__wbuf_puts(b, "{\"kvlistValue\":{\"values\":[");
            put_members(b, doc, i, NULL, false);
            beacon__wbuf_puts(b, "]}}");
            break;
        default: beacon__wbuf_puts(b, "{}"); break;
    }
}

static void put_attr(beacon__wbuf *b, bool comma, const char *key, const beacon__jdoc *doc,
                     size_t i) {
    if (comma) beacon__wbuf_putc(b, ',');
    beacon__wbuf_puts(b, "{\"key\":\"");
    beacon__wbuf_puts(b, key);
    beacon__wbuf_puts(b, "\",\"value\":");
    put_value(b, doc, i, NULL, &doc->t[i]);
    beacon__wbuf_putc(b, '}');
}

static bool encode(const beacon__wire_ctx *ctx, const beacon__jdoc *doc, const char *json,
                   size_t len, const beacon_event_desc *desc, beacon__wbuf *out) {
    (void)json;
    (void)len;
    beacon__wire_event ev;
    if (!beacon__wire_event_read(doc, &ev)) return false;
    beacon__wbuf_putc(out, '{');
    if (ev.time_ns) {
        beacon__wbuf_puts(out, "\"timeUnixNano\":\"");
        beacon__wbuf_int(out, ev.time_ns);
        beacon__wbuf_puts(out, "\",");
    }
    beacon__wbuf_puts(out, "\"observedTimeUnixNano\":\"");
    beacon__wbuf_int(out, ctx->observed_ns ? ctx->observed_ns : beacon__clock_realtime_ns());
    beacon__wbuf_puts(out, "\",\"severityNumber\":");
    beacon__wbuf_int(out, k_severity[ev.level_num]);
    beacon__wbuf_puts(out, ",\"severityText\":\"");
    beacon__wbuf_puts(out, beacon__wire_level_upper(ev.level_num));
    beacon__wbuf_puts(out, "\",\"eventName\":");
    beacon__wire_put_raw(out, &doc->t[ev.event]);
    beacon__wbuf_puts(out, ",\"attributes\":[");
    bool comma = false;
    if (ev.data && doc->t[ev.data].kind == BEACON__J_OBJ)
        comma = put_members(out, doc, ev.data, desc, comma);
    if (ev.context && doc->t[ev.context].kind == BEACON__J_OBJ)
        comma = put_members(out, doc, ev.context, NULL, comma);
    const char *keys[] = {"event.id", "event.category", "parent_span_id", "beacon.hash_key",
                          "beacon.truncated"};
    size_t toks[] = {ev.id, ev.category, ev.parent_span_id, ev.hash_key, ev.truncated};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (!toks[k]) continue;
        put_attr(out, comma, keys[k], doc, toks[k]);
        comma = true;
    }
    beacon__wbuf_putc(out, ']');
    uint8_t tid[16];
    if (ev.trace_id && beacon__wire_hex_bytes(&doc->t[ev.trace_id], tid, 16)) {
        beacon__wbuf_puts(out, ",\"flags\":1,\"traceId\":");
        beacon__wire_put_raw(out, &doc->t[ev.trace_id]);
        if (ev.span_id) {
            beacon__wbuf_puts(out, ",\"spanId\":");
            beacon__wire_put_raw(out, &doc->t[ev.span_id]);
        }
    }
    beacon__wbuf_putc(out, '}');
    return !out->failed;
}

static void assemble(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                     beacon__wbuf *body) {
    beacon__wbuf_puts(body, "{\"resourceLogs\":[{\"resource\":{\"attributes\":[");
    for (size_t i = 0; i < ctx->res_count; i++) {
        if (i) beacon__wbuf_putc(body, ',');
        beacon__wbuf_puts(body, "{\"key\":");
        beacon__wbuf_json_string(body, ctx->res_keys[i], strlen(ctx->res_keys[i]));
        beacon__wbuf_puts(body, ",\"value\":{\"stringValue\":");
        beacon__wbuf_json_string(body, ctx->res_values[i], strlen(ctx->res_values[i]));
        beacon__wbuf_puts(body, "}}");
    }
    beacon__wbuf_puts(body, "]},\"scopeLogs\":[");
    bool first_scope = true;
    const struct beacon_catalog_desc *cats[BEACON__WIRE_MAX_SCOPES];
    size_t ncats = beacon__wire_catalogs(p, n, cats);
    for (size_t c = 0; c < ncats; c++) {
        const struct beacon_catalog_desc *cat = cats[c];
        if (!first_scope) beacon__wbuf_putc(body, ',');
        first_scope = false;
        beacon__wbuf_puts(body, "{\"scope\":{\"name\":");
        const char *name = cat && cat->name ? cat->name : "beacon";
        beacon__wbuf_json_string(body, name, strlen(name));
        if (cat) {
            beacon__wbuf_puts(body, ",\"version\":\"");
            beacon__wbuf_int(body, cat->version);
            beacon__wbuf_putc(body, '"');
        }
        beacon__wbuf_puts(body, "},\"logRecords\":[");
        bool first = true;
        for (size_t j = 0; j < n; j++) {
            if (!beacon__wire_in_scope(&p[j], cat, cats, ncats)) continue;
            if (!first) beacon__wbuf_putc(body, ',');
            first = false;
            beacon__wbuf_put(body, p[j].data, p[j].len);
        }
        beacon__wbuf_puts(body, "]}");
    }
    beacon__wbuf_puts(body, "]}]}");
}

const beacon__wire_format beacon__wire_otlp_json = {
    .name = "otlp-json",
    .content_type = "application/json",
    .path = "/v1/logs",
    .batch = 512,
    .max_batch = 8192,
    .max_batch_bytes = 4u << 20,
    .max_event_bytes = 1u << 20,
    .encode = encode,
    .assemble = assemble,
};
