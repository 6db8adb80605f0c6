/* traceparent.c — W3C Trace Context `traceparent` parse/format and id hex
 * helpers (public API in beacon/beacon_trace.h). Pure functions over caller
 * memory; the emit path and the HTTP sinks call them to continue a trace.
 */
#include "beacon/beacon_trace.h"

#include <stdbool.h>
#include <string.h>

#include "core/ids.h"

static const char k_hex[] = "0123456789abcdef";

/* Offsets in "vv-<32>-<16>-ff". */
enum { TRACE_AT = 3, PARENT_AT = 36, FLAGS_AT = 53 };

static int lower_hex(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int any_hex(unsigned char c) {
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return lower_hex(c);
}

/* Decodes 2n chars of s into n bytes with the given digit reader. */
static bool decode(const char *s, uint8_t *out, size_t n, int (*digit)(unsigned char)) {
    for (size_t i = 0; i < n; i++) {
        int hi = digit((unsigned char)s[2 * i]), lo = digit((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static void encode(const uint8_t *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = k_hex[b[i] >> 4];
        out[2 * i + 1] = k_hex[b[i] & 15];
    }
}

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
    if (!decode(header, &tp.version, 1, lower_hex) || tp.version == 0xff) return BEACON_ERR_PARSE;
    /* Version 00 is exactly 55 chars; a later version may append fields,
     * but only after a '-', so "…-01.x" stays invalid for every version. */
    if (tp.version == 0 ? len != BEACON_TRACEPARENT_LEN
                        : len > BEACON_TRACEPARENT_LEN && header[BEACON_TRACEPARENT_LEN] != '-') {
        return BEACON_ERR_PARSE;
    }
    if (header[2] != '-' || header[PARENT_AT - 1] != '-' || header[FLAGS_AT - 1] != '-') {
        return BEACON_ERR_PARSE;
    }
    if (!decode(header + TRACE_AT, tp.trace_id.bytes, sizeof tp.trace_id.bytes, lower_hex) ||
        !decode(header + PARENT_AT, tp.parent_id.bytes, sizeof tp.parent_id.bytes, lower_hex) ||
        !decode(header + FLAGS_AT, &tp.flags, 1, lower_hex)) {
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
    encode(tp->trace_id.bytes, sizeof tp->trace_id.bytes, text + TRACE_AT);
    text[PARENT_AT - 1] = '-';
    encode(tp->parent_id.bytes, sizeof tp->parent_id.bytes, text + PARENT_AT);
    text[FLAGS_AT - 1] = '-';
    encode(&tp->flags, 1, text + FLAGS_AT);
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
    encode((id ? id : &zero)->bytes, sizeof zero.bytes, out);
    out[32] = '\0';
    return out;
}

char *beacon_span_id_to_hex(const beacon_span_id *id, char out[17]) {
    if (!out) return NULL;
    static const beacon_span_id zero;
    encode((id ? id : &zero)->bytes, sizeof zero.bytes, out);
    out[16] = '\0';
    return out;
}

static beacon_status from_hex(const char *hex, size_t len, uint8_t *out, size_t n) {
    memset(out, 0, n);
    if (len != 2 * n || !decode(hex, out, n, any_hex)) {
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
