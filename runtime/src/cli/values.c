/* values.c — value parsers (pure; locale-independent digit handling) for
 * every catalog type, and attributes written `field.key[:type]=value`.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* getline */
#endif
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/field.h"
#include "core/text.h"

/* =========================================================================
 * Value parsers (pure; locale-independent digit handling)
 * ========================================================================= */

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/* Decimal digits into *out; false on overflow or no digits. Advances *pp. */
static bool parse_digits(const char **pp, uint64_t *out) {
    const char *p = *pp;
    uint64_t v = 0;
    if (!is_digit(*p)) {
        return false;
    }
    for (; is_digit(*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *pp = p;
    *out = v;
    return true;
}

static bool parse_int64(const char *s, int64_t *out) {
    const char *p = s;
    bool neg = false;
    uint64_t v;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (!parse_digits(&p, &v) || *p != '\0') {
        return false;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1u) {
            return false;
        }
        *out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) {
            return false;
        }
        *out = (int64_t)v;
    }
    return true;
}

static bool parse_uint64(const char *s, uint64_t *out) {
    const char *p = s;
    if (*p == '+') {
        p++;
    }
    return parse_digits(&p, out) && *p == '\0';
}

static bool parse_bool(const char *s, bool *out) {
    static const char *const yes[] = {"true", "1", "yes"};
    static const char *const no[] = {"false", "0", "no"};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* strtod over the whole string; nan/inf are accepted (the runtime writes them
 * as null), overflow to infinity from a finite literal is not. */
static bool parse_double(const char *s, double *out) {
    char *end;
    if (s[0] == '\0' || s[0] == ' ' || s[0] == '\t' || s[0] == '\n') {
        return false;
    }
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || end == s) {
        return false;
    }
    if (errno == ERANGE && isinf(v)) {
        return false;
    }
    *out = v;
    return true;
}

/* Exactly `n` digits as a number. */
static bool fixed_digits(const char *p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(p[i])) {
            return false;
        }
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* RFC 3339 date-time (T, t or space separator; Z or ±hh:mm; fraction cut to
 * ns) or integer ns since the epoch. */
static bool parse_timestamp(const char *s, int64_t *out) {
    if (parse_int64(s, out)) {
        return true;
    }
    int Y, M, D, h, mi, sec, oh = 0, om = 0;
    const char *p = s;
    if (!fixed_digits(p, 4, &Y) || p[4] != '-' || !fixed_digits(p + 5, 2, &M) || p[7] != '-' ||
        !fixed_digits(p + 8, 2, &D)) {
        return false;
    }
    p += 10;
    if (*p != 'T' && *p != 't' && *p != ' ') {
        return false;
    }
    p++;
    if (!fixed_digits(p, 2, &h) || p[2] != ':' || !fixed_digits(p + 3, 2, &mi) || p[5] != ':' ||
        !fixed_digits(p + 6, 2, &sec)) {
        return false;
    }
    p += 8;
    int64_t frac = 0;
    if (*p == '.') {
        int nd = 0;
        p++;
        if (!is_digit(*p)) {
            return false;
        }
        for (; is_digit(*p); p++, nd++) {
            if (nd < 9) {
                frac = frac * 10 + (*p - '0');
            }
        }
        for (; nd < 9; nd++) {
            frac *= 10;
        }
    }
    int sign = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        if (!fixed_digits(p + 1, 2, &oh) || p[3] != ':' || !fixed_digits(p + 4, 2, &om)) {
            return false;
        }
        p += 6;
    } else {
        return false;
    }
    if (*p != '\0' || M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || mi > 59 ||
        sec > 60 || oh > 23 || om > 59) {
        return false;
    }
    int64_t secs =
        days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec - sign * (oh * 3600 + om * 60);
    const int64_t lim = INT64_MAX / 1000000000;
    if (secs > lim || secs < -lim - 1) {
        return false;
    }
    int64_t base = secs * 1000000000;
    if (frac > INT64_MAX - base) {
        return false;
    }
    *out = base + frac;
    return true;
}

/* Integer ns, or one or more <number><unit> terms (250ms, 1.5s, 1h30m) with
 * units ns us µs ms s m h; digits finer than 1 ns are truncated. */
static bool parse_duration(const char *s, int64_t *out) {
    static const struct {
        const char *unit;
        uint64_t ns;
    } units[] = {{"ns", 1},         {"us", 1000},       {"\xC2\xB5s", 1000}, {"ms", 1000000},
                 {"s", 1000000000}, {"m", 60000000000}, {"h", 3600000000000}};
    if (parse_int64(s, out)) {
        return true;
    }
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (*p == '\0') {
        return false;
    }
    uint64_t total = 0;
    while (*p != '\0') {
        uint64_t ip = 0, frac = 0;
        bool any = false;
        if (is_digit(*p)) {
            if (!parse_digits(&p, &ip)) {
                return false;
            }
            any = true;
        }
        if (*p == '.') {
            int nd = 0;
            p++;
            for (; is_digit(*p); p++, nd++) {
                if (nd < 9) {
                    frac = frac * 10 + (uint64_t)(*p - '0');
                }
                any = true;
            }
            for (; nd < 9; nd++) {
                frac *= 10;
            }
        }
        if (!any) {
            return false;
        }
        size_t k = 0, nunits = sizeof units / sizeof units[0];
        for (; k < nunits; k++) {
            size_t ul = strlen(units[k].unit);
            if (strncmp(p, units[k].unit, ul) == 0) { /* "ms" is listed before "m" */
                p += ul;
                break;
            }
        }
        if (k == nunits) {
            return false;
        }
        uint64_t mult = units[k].ns;
        if (ip > UINT64_MAX / mult) {
            return false;
        }
        uint64_t term = ip * mult;
        uint64_t fpart = mult >= 1000000000 ? frac * (mult / 1000000000) : frac * mult / 1000000000;
        if (term > UINT64_MAX - fpart || term + fpart > UINT64_MAX - total) {
            return false;
        }
        total += term + fpart;
    }
    if (neg) {
        if (total > (uint64_t)INT64_MAX + 1u) {
            return false;
        }
        *out = total == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)total;
    } else {
        if (total > (uint64_t)INT64_MAX) {
            return false;
        }
        *out = (int64_t)total;
    }
    return true;
}

static bool parse_enum(const beacon_enum_desc *e, const char *s, int *out) {
    for (uint32_t i = 0; e != NULL && i < e->count; i++) {
        if (strcmp(e->values[i], s) == 0) {
            *out = (int)i;
            return true;
        }
    }
    return false;
}

bool beacon__cli_parse_handle(const char *s, beacon_lifecycle *out) {
    memset(out, 0, sizeof *out);
    size_t len = strlen(s);
    if (len != 32) {
        beacon_traceparent tp;
        if (beacon_traceparent_parse(s, len, &tp) != BEACON_OK) {
            return false;
        }
        out->trace_id = tp.trace_id;
        out->span_id = tp.parent_id;
        out->flags = tp.flags;
        return true;
    }
    if (!beacon__hex_decode(s, sizeof out->trace_id.bytes, out->trace_id.bytes, false)) {
        return false;
    }
    out->flags = BEACON_TRACE_FLAG_SAMPLED;
    unsigned any = 0;
    for (size_t i = 0; i < sizeof out->trace_id.bytes; i++) {
        any |= out->trace_id.bytes[i];
    }
    return any != 0;
}

/* Parses `s` as a value of `f`'s (element) type. */
bool beacon__cli_parse_scalar(const beacon_field_desc *f, const char *s, cli_scalar *out) {
    switch ((beacon_type)f->type) {
        case BEACON_TYPE_BOOL: return parse_bool(s, &out->b);
        case BEACON_TYPE_INT: return parse_int64(s, &out->i);
        case BEACON_TYPE_UINT: return parse_uint64(s, &out->u);
        case BEACON_TYPE_DOUBLE: return parse_double(s, &out->d);
        case BEACON_TYPE_STRING: out->s = s; return true;
        case BEACON_TYPE_TIMESTAMP: return parse_timestamp(s, &out->i);
        case BEACON_TYPE_DURATION: return parse_duration(s, &out->i);
        case BEACON_TYPE_ENUM: return parse_enum(f->enum_desc, s, &out->e);
        case BEACON_TYPE_ATTRIBUTES: return false;
    }
    return false;
}

void beacon__cli_store_elem(const beacon_field_desc *f, void *items, size_t k,
                            const cli_scalar *v) {
    switch ((beacon_type)f->type) {
        case BEACON_TYPE_BOOL: ((bool *)items)[k] = v->b; break;
        case BEACON_TYPE_INT:
        case BEACON_TYPE_TIMESTAMP:
        case BEACON_TYPE_DURATION: ((int64_t *)items)[k] = v->i; break;
        case BEACON_TYPE_UINT: ((uint64_t *)items)[k] = v->u; break;
        case BEACON_TYPE_DOUBLE: ((double *)items)[k] = v->d; break;
        case BEACON_TYPE_STRING: ((const char **)items)[k] = v->s; break;
        case BEACON_TYPE_ENUM: ((int *)items)[k] = v->e; break;
        case BEACON_TYPE_ATTRIBUTES: break;
    }
}

/* =========================================================================
 * Attributes: `field.key[:type]=value`
 * ========================================================================= */

/* Integer literal as the inference rule sees it: optional '-', digits, no
 * leading zero (so "007" or a zip code "01234" stays a string). */
static bool looks_integer(const char *s) {
    const char *p = s + (*s == '-');
    if (!is_digit(*p) || (p[0] == '0' && p[1] != '\0')) {
        return false;
    }
    for (; *p; p++) {
        if (!is_digit(*p)) {
            return false;
        }
    }
    return true;
}

/* Decimal or exponent literal: only [0-9+-.eE] with a digit and a '.' or an
 * exponent, read by strtod as a finite number (so "nan", "inf", "0x10",
 * "01234" stay strings). */
static bool looks_double(const char *s, double *out) {
    bool digit = false, point = false;
    for (const char *p = s; *p; p++) {
        if (is_digit(*p)) {
            digit = true;
        } else if (strchr("+-.eE", *p) == NULL) {
            return false;
        } else if (*p == '.' || *p == 'e' || *p == 'E') {
            point = true;
        }
    }
    return digit && point && parse_double(s, out) && isfinite(*out);
}

static void infer_attr(const char *s, beacon_attr *a) {
    int64_t i;
    uint64_t u;
    double d;
    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
        a->type = BEACON_ATTR_BOOL;
        a->v.b = s[0] == 't';
    } else if (looks_integer(s) && parse_int64(s, &i)) {
        a->type = BEACON_ATTR_INT;
        a->v.i = i;
    } else if (looks_integer(s) && parse_uint64(s, &u)) {
        a->type = BEACON_ATTR_UINT;
        a->v.u = u;
    } else if (looks_double(s, &d)) {
        a->type = BEACON_ATTR_DOUBLE;
        a->v.d = d;
    } else {
        a->type = BEACON_ATTR_STRING;
        a->v.s = s;
    }
}

static const struct {
    const char *suffix;
    beacon_attr_type type;
    const char *name;
} attr_suffixes[] = {{":bool", BEACON_ATTR_BOOL, "bool"},
                     {":int", BEACON_ATTR_INT, "int"},
                     {":uint", BEACON_ATTR_UINT, "uint"},
                     {":double", BEACON_ATTR_DOUBLE, "double"},
                     {":string", BEACON_ATTR_STRING, "string"}};

/* Stores one attribute entry; reports and returns false on a bad value. */
bool beacon__cli_store_attr(beacon_cli *cli, const beacon_field_desc *f, cli_value *val,
                            const cli_target *t, const char *token) {
    char q[CLI_QUOTE_BUF];
    const char *key_in = t->key, *s = t->value;
    size_t key_len = t->key_len;
    int forced = -1;
    size_t nsuf = sizeof attr_suffixes / sizeof attr_suffixes[0];
    for (size_t k = 0; k < nsuf; k++) {
        size_t sl = strlen(attr_suffixes[k].suffix);
        if (key_len > sl && memcmp(key_in + key_len - sl, attr_suffixes[k].suffix, sl) == 0) {
            forced = (int)k;
            key_len -= sl;
            break;
        }
    }
    if (key_in == NULL || key_len == 0) {
        beacon__cli_say(cli, "field '%s': expected attributes entry %s.KEY=VALUE, got %s", f->name,
                        f->name, beacon__cli_quote(q, token));
        return false;
    }
    char *key = beacon__cli_arena_strndup(&cli->arena, key_in, key_len);
    if (key == NULL) {
        beacon__cli_say(cli, "out of memory");
        return false;
    }
    beacon_attr *attrs = val->items;
    for (uint32_t k = 0; k < val->filled; k++) {
        if (strcmp(attrs[k].key, key) == 0) {
            beacon__cli_say(cli, "field '%s.%s' given twice", f->name, key);
            return false;
        }
    }
    beacon_attr *a = &attrs[val->filled];
    a->key = key;
    bool ok = true;
    if (forced < 0) {
        infer_attr(s, a);
    } else {
        a->type = attr_suffixes[forced].type;
        switch (a->type) {
            case BEACON_ATTR_BOOL: ok = parse_bool(s, &a->v.b); break;
            case BEACON_ATTR_INT: ok = parse_int64(s, &a->v.i); break;
            case BEACON_ATTR_UINT: ok = parse_uint64(s, &a->v.u); break;
            case BEACON_ATTR_DOUBLE: ok = parse_double(s, &a->v.d); break;
            case BEACON_ATTR_STRING: a->v.s = s; break;
        }
        if (!ok) {
            beacon__cli_say(cli, "field '%s.%s': expected %s, got %s", f->name, key,
                            attr_suffixes[forced].name, beacon__cli_shown_value(q, f, s));
            return false;
        }
    }
    val->filled++;
    return true;
}
