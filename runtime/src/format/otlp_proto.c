/* otlp_proto.c — OTLP/HTTP logs in protobuf (application/x-protobuf): each
 * event one LogRecord, a batch one ExportLogsServiceRequest with the
 * resource and one ScopeLogs per catalog. Field numbers follow
 * opentelemetry-proto (logs/v1, common/v1, resource/v1); otlp_json.c writes
 * the same records as OTLP/JSON. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock.h: clock_gettime */
#endif
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "format/protobuf.h"
#include "format/wire.h"

/* opentelemetry.proto.logs.v1.LogRecord */
enum {
    LR_TIME = 1,
    LR_SEVERITY_NUMBER = 2,
    LR_SEVERITY_TEXT = 3,
    LR_ATTRIBUTES = 6,
    LR_FLAGS = 8,
    LR_TRACE_ID = 9,
    LR_SPAN_ID = 10,
    LR_OBSERVED_TIME = 11,
    LR_EVENT_NAME = 12
};
/* opentelemetry.proto.common.v1 */
enum { KV_KEY = 1, KV_VALUE = 2 };
enum { AV_STRING = 1, AV_BOOL = 2, AV_INT = 3, AV_DOUBLE = 4, AV_ARRAY = 5, AV_KVLIST = 6 };
enum { LIST_VALUES = 1 };                    /* ArrayValue and KeyValueList */
enum { SCOPE_NAME = 1, SCOPE_VERSION = 2 };  /* InstrumentationScope */
enum { RES_ATTRIBUTES = 1 };                 /* Resource */
enum { REQ_RESOURCE_LOGS = 1 };              /* ExportLogsServiceRequest */
enum { RL_RESOURCE = 1, RL_SCOPE_LOGS = 2 }; /* ResourceLogs */
enum { SL_SCOPE = 1, SL_LOG_RECORDS = 2 };   /* ScopeLogs */

/* 1 + the OTel severity step of each beacon level (DEBUG=5 … ERROR=17). */
static const uint64_t k_severity[] = {5, 9, 13, 17};

static void put_string_tok(beacon__wbuf *b, uint32_t field, const beacon__jtok *t) {
    if (!t->escaped) {
        beacon__pb_bytes(b, field, t->p, t->len);
        return;
    }
    size_t m = beacon__pb_begin(b, field);
    beacon__jtok_unescape(t, b);
    beacon__pb_end(b, m);
}

static void put_value(beacon__wbuf *b, const beacon__jdoc *doc, size_t i,
                      const beacon_event_desc *desc, const beacon__jtok *key);

/* Writes the members of object obj as KeyValue messages in `field`. */
static void put_members(beacon__wbuf *b, uint32_t field, const beacon__jdoc *doc, size_t obj,
                        const beacon_event_desc *desc) {
    size_t i = obj + 1;
    for (uint32_t k = 0; k < doc->t[obj].count; k++) {
        const beacon__jtok *key = &doc->t[i];
        size_t v = i + 1;
        if (doc->t[v].kind != BEACON__J_NULL) {
            size_t m = beacon__pb_begin(b, field);
            put_string_tok(b, KV_KEY, key);
            put_value(b, doc, v, desc, key);
            beacon__pb_end(b, m);
        }
        i = doc->t[v].end;
    }
}

/* Writes the token at i as the AnyValue field KV_VALUE (also LIST_VALUES,
 * the same number). key types numbers through the catalog. */
static void put_value(beacon__wbuf *b, const beacon__jdoc *doc, size_t i,
                      const beacon_event_desc *desc, const beacon__jtok *key) {
    const beacon__jtok *t = &doc->t[i];
    size_t m = beacon__pb_begin(b, KV_VALUE);
    switch (t->kind) {
        case BEACON__J_STR: put_string_tok(b, AV_STRING, t); break;
        case BEACON__J_TRUE:
        case BEACON__J_FALSE: beacon__pb_uint(b, AV_BOOL, t->kind == BEACON__J_TRUE); break;
        case BEACON__J_NUM: {
            int64_t v;
            if (!beacon__wire_number_is_double(desc, key, t) && beacon__jtok_int(t, &v))
                beacon__pb_uint(b, AV_INT, (uint64_t)v);
            else
                beacon__pb_double(b, AV_DOUBLE, beacon__jtok_double(t));
            break;
        }
        case BEACON__J_ARR: {
            size_t a = beacon__pb_begin(b, AV_ARRAY);
            size_t e = i + 1;
            for (uint32_t k = 0; k < t->count; k++) {
                put_value(b, doc, e, desc, key);
                e = doc->t[e].end;
            }
            beacon__pb_end(b, a);
            break;
        }
        case BEACON__J_OBJ: {
            size_t a = beacon__pb_begin(b, AV_KVLIST);
            put_members(b, LIST_VALUES, doc, i, NULL);
            beacon__pb_end(b, a);
            break;
        }
        default: break; /* null: an empty AnyValue */
    }
    beacon__pb_end(b, m);
}

static void put_attr_tok(beacon__wbuf *b, const char *key, const beacon__jdoc *doc, size_t i) {
    size_t m = beacon__pb_begin(b, LR_ATTRIBUTES);
    beacon__pb_bytes(b, KV_KEY, key, strlen(key));
    put_value(b, doc, i, NULL, &doc->t[i]);
    beacon__pb_end(b, m);
}

static bool encode(const beacon__wire_ctx *ctx, const beacon__jdoc *doc, const char *json,
                   size_t len, const beacon_event_desc *desc, beacon__wbuf *out) {
    (void)json;
    (void)len;
    beacon__wire_event ev;
    if (!beacon__wire_event_read(doc, &ev)) return false;
    if (ev.time_ns) beacon__pb_fixed64(out, LR_TIME, (uint64_t)ev.time_ns);
    beacon__pb_uint(out, LR_SEVERITY_NUMBER, k_severity[ev.level_num]);
    const char *sev = beacon__wire_level_upper(ev.level_num);
    beacon__pb_bytes(out, LR_SEVERITY_TEXT, sev, strlen(sev));
    if (ev.data && doc->t[ev.data].kind == BEACON__J_OBJ)
        put_members(out, LR_ATTRIBUTES, doc, ev.data, desc);
    if (ev.context && doc->t[ev.context].kind == BEACON__J_OBJ)
        put_members(out, LR_ATTRIBUTES, doc, ev.context, NULL);
    if (ev.id) put_attr_tok(out, "event.id", doc, ev.id);
    if (ev.category) put_attr_tok(out, "event.category", doc, ev.category);
    if (ev.parent_span_id) put_attr_tok(out, "parent_span_id", doc, ev.parent_span_id);
    if (ev.hash_key) put_attr_tok(out, "beacon.hash_key", doc, ev.hash_key);
    if (ev.truncated) put_attr_tok(out, "beacon.truncated", doc, ev.truncated);
    uint8_t tid[16], sid[8];
    bool traced = ev.trace_id && beacon__wire_hex_bytes(&doc->t[ev.trace_id], tid, 16);
    if (traced) {
        beacon__pb_fixed32(out, LR_FLAGS, 1);
        beacon__pb_bytes(out, LR_TRACE_ID, tid, 16);
        if (ev.span_id && beacon__wire_hex_bytes(&doc->t[ev.span_id], sid, 8))
            beacon__pb_bytes(out, LR_SPAN_ID, sid, 8);
    }
    beacon__pb_fixed64(
        out, LR_OBSERVED_TIME,
        (uint64_t)(ctx->observed_ns ? ctx->observed_ns : beacon__clock_realtime_ns()));
    put_string_tok(out, LR_EVENT_NAME, &doc->t[ev.event]);
    return !out->failed;
}

static void put_kv_string(beacon__wbuf *b, uint32_t field, const char *k, const char *v) {
    size_t m = beacon__pb_begin(b, field);
    beacon__pb_bytes(b, KV_KEY, k, strlen(k));
    size_t a = beacon__pb_begin(b, KV_VALUE);
    beacon__pb_bytes(b, AV_STRING, v, strlen(v));
    beacon__pb_end(b, a);
    beacon__pb_end(b, m);
}

static void assemble(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                     beacon__wbuf *body) {
    size_t rl = beacon__pb_begin(body, REQ_RESOURCE_LOGS);
    size_t r = beacon__pb_begin(body, RL_RESOURCE);
    for (size_t i = 0; i < ctx->res_count; i++)
        put_kv_string(body, RES_ATTRIBUTES, ctx->res_keys[i], ctx->res_values[i]);
    beacon__pb_end(body, r);
    /* One ScopeLogs per catalog, in order of first appearance. */
    const struct beacon_catalog_desc *cats[BEACON__WIRE_MAX_SCOPES];
    size_t ncats = beacon__wire_catalogs(p, n, cats);
    for (size_t c = 0; c < ncats; c++) {
        const struct beacon_catalog_desc *cat = cats[c];
        size_t sl = beacon__pb_begin(body, RL_SCOPE_LOGS);
        size_t sc = beacon__pb_begin(body, SL_SCOPE);
        const char *name = cat && cat->name ? cat->name : "beacon";
        beacon__pb_bytes(body, SCOPE_NAME, name, strlen(name));
        if (cat) {
            char ver[24];
            int vn = snprintf(ver, sizeof ver, "%" PRId64, cat->version);
            beacon__pb_bytes(body, SCOPE_VERSION, ver, (size_t)vn);
        }
        beacon__pb_end(body, sc);
        for (size_t j = 0; j < n; j++) {
            if (!beacon__wire_in_scope(&p[j], cat, cats, ncats)) continue;
            beacon__pb_bytes(body, SL_LOG_RECORDS, p[j].data, p[j].len);
        }
        beacon__pb_end(body, sl);
    }
    beacon__pb_end(body, rl);
}

const beacon__wire_format beacon__wire_otlp_proto = {
    .name = "otlp",
    .content_type = "application/x-protobuf",
    .path = "/v1/logs",
    .batch = 512,
    .max_batch = 8192,
    .max_batch_bytes = 4u << 20,
    .max_event_bytes = 1u << 20,
    .encode = encode,
    .assemble = assemble,
};
