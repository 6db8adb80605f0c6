/* traceparent.c — W3C Trace Context `traceparent` parse/format and id hex
 * helpers (public API in beacon/beacon_trace.h). Pure functions over caller
 * memory; the emit path and the HTTP sinks call them to continue a trace.
 */
#include "beacon/beacon_trace.h"

#include <stdbool.h>
#include <string.h>

#include "core/ids.h"
#include "core/text.h"

/* Offsets in "vv-<32>-<16>-ff". */
enum { TRACE_AT = 3, PARENT_AT = 36, FLAGS_AT = 53 };

static bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

beacon_status beacon_traceparent_parse(const char *header, size_t len, beacon_traceparent *out) {
    if (out) memset(out, 0, sizeof *out);
    if (!header || !out) return BEACON_ERR_INVALID_ARGUMENT;
    while (len > 0 && is_ows(header[0])) {
        header++;
        len--;
    }
    while (len > 0 && is_ows(header[len - 1])) len--;
    if (len < BEACON_TRACEPARENT_LEN) return BEACON_ERR_PARSE;

    beacon_traceparent tp;
    if (!beacon__hex_decode(header, 1, &tp.version, true) || tp.version == 0xff)
        return BEACON_ERR_PARSE;
    /* Version 00 is exactly 55 chars; a later version may append fields,
     * but only after a '-', so "…-01.x" stays invalid for every version. */
    if (tp.version == 0 ? len != BEACON_TRACEPARENT_LEN
                        : len > BEACON_TRACEPARENT_LEN && header[BEACON_TRACEPARENT_LEN] != '-') {
        return BEACON_ERR_PARSE;
    }
    if (header[2] != '-' || header[PARENT_AT - 1] != '-' || header[FLAGS_AT - 1] != '-') {
        return BEACON_ERR_PARSE;
    }
    if (!beacon__hex_decode(header + TRACE_AT, sizeof tp.trace_id.bytes, tp.trace_id.bytes, true) ||
        !beacon__hex_decode(header + PARENT_AT, sizeof tp.parent_id.bytes, tp.parent_id.bytes,
                            true) ||
        !beacon__hex_decode(header + FLAGS_AT, 1, &tp.flags, true)) {
        return BEACON_ERR_PARSE;
    }
    if (beacon__id_is_zero(tp.trace_id.bytes, sizeof tp.trace_id.bytes) ||
        beacon__id_is_zero(tp.parent_id.bytes, sizeof tp.parent_id.bytes)) {
        return BEACON_ERR_PARSE;
    }
    *out = tp;
    return BEACON_OK;
}

size_t beacon_traceparent_format(const beacon_traceparent *tp, char *buf, size_t cap) {
    if (!tp || beacon__id_is_zero(tp->trace_id.bytes, sizeof tp->trace_id.bytes) ||
        beacon__id_is_zero(tp->parent_id.bytes, sizeof tp->parent_id.bytes)) {
        if (buf && cap > 0) buf[0] = '\0';
        return 0;
    }
    char text[BEACON_TRACEPARENT_LEN];
    text[0] = '0';
    text[1] = '0';
    text[2] = '-';
    beacon__hex_encode(tp->trace_id.bytes, sizeof tp->trace_id.bytes, text + TRACE_AT);
    text[PARENT_AT - 1] = '-';
    beacon__hex_encode(tp->parent_id.bytes, sizeof tp->parent_id.bytes, text + PARENT_AT);
    text[FLAGS_AT - 1] = '-';
    beacon__hex_encode(&tp->flags, 1, text + FLAGS_AT);
    if (buf && cap > 0) {
        size_t n = cap - 1 < sizeof text ? cap - 1 : sizeof text;
        memcpy(buf, text, n);
        buf[n] = '\0';
    }
    return sizeof text;
}

char *beacon_trace_id_to_hex(const beacon_trace_id *id, char out[33]) {
    if (!out) return NULL;
    static const beacon_trace_id zero;
    beacon__hex_encode((id ? id : &zero)->bytes, sizeof zero.bytes, out);
    out[32] = '\0';
    return out;
}

char *beacon_span_id_to_hex(const beacon_span_id *id, char out[17]) {
    if (!out) return NULL;
    static const beacon_span_id zero;
    beacon__hex_encode((id ? id : &zero)->bytes, sizeof zero.bytes, out);
    out[16] = '\0';
    return out;
}

static beacon_status from_hex(const char *hex, size_t len, uint8_t *out, size_t n) {
    memset(out, 0, n);
    if (len != 2 * n || !beacon__hex_decode(hex, n, out, false)) {
        memset(out, 0, n);
        return BEACON_ERR_PARSE;
    }
    return BEACON_OK;
}

beacon_status beacon_trace_id_from_hex(const char *hex, size_t len, beacon_trace_id *out) {
    if (!out) return BEACON_ERR_INVALID_ARGUMENT;
    if (!hex) {
        memset(out, 0, sizeof *out);
        return BEACON_ERR_INVALID_ARGUMENT;
    }
    return from_hex(hex, len, out->bytes, sizeof out->bytes);
}

beacon_status beacon_span_id_from_hex(const char *hex, size_t len, beacon_span_id *out) {
    if (!out) return BEACON_ERR_INVALID_ARGUMENT;
    if (!hex) {
        memset(out, 0, sizeof *out);
        return BEACON_ERR_INVALID_ARGUMENT;
    }
    return from_hex(hex, len, out->bytes, sizeof out->bytes);
}
