/* cli.c — the runtime half of `<prefix>-emit` (see <beacon/beacon_cli.h>).
 *
 * Parses `EVENT field=value ...` lines (argv or stdin) by each field's catalog
 * type into a per-line arena, hands them to the generated emit functions, and
 * owns the runtime lifecycle (init, flush, shutdown) of the process.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* getline */
#endif

#include <beacon/beacon.h>
#include <beacon/beacon_cli.h>

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

#define CLI_FLUSH_TIMEOUT_MS 5000
#define CLI_QUOTE_MAX        64   /* bytes of a user value echoed in a message */
#define CLI_QUOTE_BUF        320  /* CLI_QUOTE_MAX bytes escaped (x4) + quotes + "..." */
#define CLI_SPELL_BUF        1024 /* type spelling, incl. "one of a|b|c" lists */

/* =========================================================================
 * Arena: every value of one event line lives here, freed with the line.
 * ========================================================================= */

typedef struct cli_chunk {
    struct cli_chunk *next;
    size_t used;
    size_t cap;
} cli_chunk;

typedef struct cli_arena {
    cli_chunk *head;
} cli_arena;

#define CLI_ALIGN     ((size_t) _Alignof(max_align_t))
#define CLI_CHUNK_HDR ((sizeof(cli_chunk) + CLI_ALIGN - 1) & ~(CLI_ALIGN - 1))
#define CLI_CHUNK_MIN 4096u

/* Zeroed memory from the arena; NULL when out of memory. */
static void *arena_alloc(cli_arena *a, size_t n) {
    if (n > SIZE_MAX / 2) {
        return NULL;
    }
    n = n == 0 ? CLI_ALIGN : (n + CLI_ALIGN - 1) & ~(CLI_ALIGN - 1);
    cli_chunk *c = a->head;
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > CLI_CHUNK_MIN ? n : CLI_CHUNK_MIN;
        c = malloc(CLI_CHUNK_HDR + cap);
        if (c == NULL) {
            return NULL;
        }
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = (char *)c + CLI_CHUNK_HDR + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

static char *arena_strndup(cli_arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static void arena_free(cli_arena *a) {
    cli_chunk *c = a->head;
    while (c != NULL) {
        cli_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

/* =========================================================================
 * State
 * ========================================================================= */

typedef union cli_scalar {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    const char *s;
    int e;
} cli_scalar;

typedef struct cli_value {
    uint32_t seen;   /* occurrences on the line (pass 1) */
    uint32_t filled; /* list items / attributes stored (pass 2) */
    cli_scalar v;
    void *items; /* lists: element array; attributes: beacon_attr array */
} cli_value;

/* One --context FIELD=VALUE: a context field of the catalog and its value. */
typedef struct cli_ctx_value {
    uint32_t index;
    cli_scalar v;
} cli_ctx_value;

/* Process-wide settings of one beacon_cli_main run. */
typedef struct cli_ctx {
    const beacon_catalog_desc *catalog;
    const beacon_cli_event *events;
    size_t count;
    const char *prog;
    bool debug;
    beacon_counters base;   /* process-lifetime counters when the runtime started */
    cli_ctx_value *ctxvals; /* --context values, applied on every emitting thread */
    size_t nctx;
    bool has_parent; /* a valid --traceparent: events continue its trace */
    beacon_trace_context parent;
} cli_ctx;

struct beacon_cli {
    const cli_ctx *ctx;
    const beacon_cli_event *event;
    const beacon_event_desc *desc; /* NULL until the event name resolved */
    long line;                     /* stdin line number; 0 for argv */
    cli_arena arena;
    cli_value *values; /* one per desc->fields */
    bool has_corr;
    beacon_trace_id corr;
    unsigned errors;
};

/* =========================================================================
 * Messages
 * ========================================================================= */

/* Writes `s` for a message: control bytes as \xNN, cut after CLI_QUOTE_MAX
 * bytes (on a UTF-8 boundary) with "...", so hostile input cannot garble a
 * terminal or flood the log. */
static const char *quote(char out[CLI_QUOTE_BUF], const char *s) {
    size_t len = strlen(s);
    size_t n = len;
    if (n > CLI_QUOTE_MAX) {
        n = CLI_QUOTE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u) {
            n--;
        }
    }
    size_t w = 0;
    out[w++] = '\'';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20u || c == 0x7Fu) {
            w += (size_t)snprintf(out + w, CLI_QUOTE_BUF - w, "\\x%02X", c);
        } else {
            out[w++] = (char)c;
        }
    }
    out[w++] = '\'';
    if (n < len) {
        memcpy(out + w, "...", 3);
        w += 3;
    }
    out[w] = '\0';
    return out;
}

/* A user value for a message, or a placeholder when the field has a PII
 * policy: diagnostics must never carry what the policy protects. */
static const char *shown_value(char out[CLI_QUOTE_BUF], const beacon_field_desc *f, const char *s) {
    if (f->pii != BEACON_PII_NONE) {
        snprintf(out, CLI_QUOTE_BUF, "a value withheld (pii: %s field)",
                 f->pii == BEACON_PII_HASH     ? "hash"
                 : f->pii == BEACON_PII_REDACT ? "redact"
                 : f->pii == BEACON_PII_DROP   ? "drop"
                                               : "scrub");
        return out;
    }
    return quote(out, s);
}

/* One message line on stderr: "<prog>: [line N: ][<event>: ]<text>". */
static void say(const beacon_cli *cli, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void say(const beacon_cli *cli, const char *fmt, ...) {
    va_list ap;
    /* One line per message, also when --threads producers report at once. */
    flockfile(stderr);
    fprintf(stderr, "%s: ", cli->ctx->prog);
    if (cli->line > 0) {
        fprintf(stderr, "line %ld: ", cli->line);
    }
    if (cli->desc != NULL) {
        fprintf(stderr, "%s: ", cli->desc->name);
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}

static const char *type_name(const beacon_field_desc *f) {
    switch ((beacon_type)f->type) {
        case BEACON_TYPE_BOOL: return "bool";
        case BEACON_TYPE_INT: return "int";
        case BEACON_TYPE_UINT: return "uint";
        case BEACON_TYPE_DOUBLE: return "double";
        case BEACON_TYPE_STRING: return "string";
        case BEACON_TYPE_TIMESTAMP: return "timestamp";
        case BEACON_TYPE_DURATION: return "duration";
        case BEACON_TYPE_ENUM: return f->enum_desc != NULL ? f->enum_desc->name : "enum";
        case BEACON_TYPE_ATTRIBUTES: return "attributes";
    }
    return "unknown";
}

/* The catalog spelling: "int", "record_type", "list<string>", "attributes". */
static const char *type_spelling(const beacon_field_desc *f, char *buf, size_t cap) {
    if (f->is_list) {
        snprintf(buf, cap, "list<%s>", type_name(f));
    } else {
        snprintf(buf, cap, "%s", type_name(f));
    }
    return buf;
}

static void enum_values(const beacon_enum_desc *e, char *buf, size_t cap) {
    size_t w = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; e != NULL && i < e->count && w < cap; i++) {
        int n = snprintf(buf + w, cap - w, "%s%s", i ? "|" : "", e->values[i]);
        if (n < 0) {
            break;
        }
        w += (size_t)n;
    }
}

/* What a value must look like, for "expected ..." messages:
 * "int", "one of a|b", "list<int> element int". */
static const char *expected_spelling(const beacon_field_desc *f, char *buf, size_t cap) {
    char elem[CLI_SPELL_BUF];
    if ((beacon_type)f->type == BEACON_TYPE_ENUM) {
        char vals[CLI_SPELL_BUF - 8];
        enum_values(f->enum_desc, vals, sizeof vals);
        snprintf(elem, sizeof elem, "one of %s", vals);
    } else {
        snprintf(elem, sizeof elem, "%s", type_name(f));
    }
    if (f->is_list) {
        snprintf(buf, cap, "list<%s> element %s", type_name(f), elem);
    } else {
        snprintf(buf, cap, "%s", elem);
    }
    return buf;
}

static bool debug_enabled(void) {
    const char *v = getenv("BEACON_DEBUG");
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* =========================================================================
 * Did-you-mean
 * ========================================================================= */

/* Optimal string alignment distance (edits incl. adjacent swaps); names
 * longer than 64 bytes are not worth suggesting for and score "far". */
static size_t edit_distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64) {
        return SIZE_MAX;
    }
    size_t d[65][65];
    for (size_t i = 0; i <= n; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= m; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (d[i - 1][j - 1] + cost < best) {
                best = d[i - 1][j - 1] + cost;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[n][m];
}

typedef struct suggester {
    const char *input;
    const char *best;
    size_t best_dist;
} suggester;

static void suggest_consider(suggester *sg, const char *candidate) {
    size_t d = edit_distance(sg->input, candidate);
    if (d < sg->best_dist) {
        sg->best_dist = d;
        sg->best = candidate;
    }
}

/* The best candidate if it is close enough to be a plausible typo. */
static const char *suggest_result(const suggester *sg) {
    size_t limit = strlen(sg->input) / 3;
    limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
    return sg->best != NULL && sg->best_dist <= limit ? sg->best : NULL;
}

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

/* 32 hex digits, not all zero (zero means "no trace"). */
static bool parse_trace_id(const char *s, beacon_trace_id *out) {
    if (strlen(s) != 32) {
        return false;
    }
    if (!beacon__hex_decode(s, sizeof out->bytes, out->bytes, false)) {
        return false;
    }
    unsigned any = 0;
    for (size_t i = 0; i < sizeof out->bytes; i++) {
        any |= out->bytes[i];
    }
    return any != 0;
}

/* Parses `s` as a value of `f`'s (element) type. */
static bool parse_scalar(const beacon_field_desc *f, const char *s, cli_scalar *out) {
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

static void store_elem(const beacon_field_desc *f, void *items, size_t k, const cli_scalar *v) {
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

/* How a token addresses the event: a field, an attribute entry of a field,
 * or the correlation argument. */
typedef struct cli_target {
    int32_t field;   /* -1: correlation */
    const char *key; /* attributes: start of KEY in the token, else NULL */
    size_t key_len;
    const char *value;
} cli_target;

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
static bool store_attr(beacon_cli *cli, const beacon_field_desc *f, cli_value *val,
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
        say(cli, "field '%s': expected attributes entry %s.KEY=VALUE, got %s", f->name, f->name,
            quote(q, token));
        return false;
    }
    char *key = arena_strndup(&cli->arena, key_in, key_len);
    if (key == NULL) {
        say(cli, "out of memory");
        return false;
    }
    beacon_attr *attrs = val->items;
    for (uint32_t k = 0; k < val->filled; k++) {
        if (strcmp(attrs[k].key, key) == 0) {
            say(cli, "field '%s.%s' given twice", f->name, key);
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
            say(cli, "field '%s.%s': expected %s, got %s", f->name, key, attr_suffixes[forced].name,
                shown_value(q, f, s));
            return false;
        }
    }
    val->filled++;
    return true;
}

/* =========================================================================
 * One event line
 * ========================================================================= */

static bool corr_allowed(const beacon_event_desc *d) {
    return d->correlation == BEACON_CORR_FOLLOW || d->kind != BEACON_KIND_EVENT;
}

static int32_t find_field(const beacon_event_desc *d, const char *name, size_t len) {
    for (uint32_t i = 0; i < d->field_count; i++) {
        if (strlen(d->fields[i].name) == len && memcmp(d->fields[i].name, name, len) == 0) {
            return (int32_t)i;
        }
    }
    return -2;
}

static void report_unknown_field(beacon_cli *cli, const char *name) {
    char q[CLI_QUOTE_BUF];
    suggester sg = {name, NULL, SIZE_MAX};
    const beacon_event_desc *d = cli->desc;
    for (uint32_t i = 0; i < d->field_count; i++) {
        suggest_consider(&sg, d->fields[i].name);
    }
    if (corr_allowed(d)) {
        suggest_consider(&sg, "correlation");
    }
    const char *best = suggest_result(&sg);
    if (best != NULL) {
        say(cli, "unknown field %s (did you mean '%s'?)", quote(q, name), best);
    } else {
        say(cli, "unknown field %s (see '%s --describe %s')", quote(q, name), cli->ctx->prog,
            d->name);
    }
}

/* Resolves "name=value" / "name.key=value"; reports and returns false when
 * the token addresses nothing on this event. */
static bool resolve(beacon_cli *cli, char *tok, cli_target *t) {
    char q[CLI_QUOTE_BUF];
    const beacon_event_desc *d = cli->desc;
    char *eq = strchr(tok, '=');
    if (eq == NULL) {
        say(cli, "expected FIELD=VALUE, got %s", quote(q, tok));
        return false;
    }
    size_t nlen = (size_t)(eq - tok);
    t->value = eq + 1;
    t->key = NULL;
    t->key_len = 0;
    t->field = find_field(d, tok, nlen);
    if (t->field >= 0) {
        return true;
    }
    if (nlen == strlen("correlation") && memcmp(tok, "correlation", nlen) == 0 && corr_allowed(d)) {
        t->field = -1;
        return true;
    }
    const char *dot = memchr(tok, '.', nlen);
    if (dot != NULL) {
        int32_t fi = find_field(d, tok, (size_t)(dot - tok));
        if (fi >= 0) {
            const beacon_field_desc *f = &d->fields[fi];
            if (f->type != BEACON_TYPE_ATTRIBUTES) {
                char sp[256];
                say(cli, "field '%s' (%s) takes no key, got %s", f->name,
                    type_spelling(f, sp, sizeof sp), quote(q, tok));
                return false;
            }
            t->field = fi;
            t->key = dot + 1;
            t->key_len = nlen - (size_t)(dot + 1 - tok);
            return true;
        }
    }
    char name[CLI_QUOTE_BUF];
    size_t cut = nlen < sizeof name - 1 ? nlen : sizeof name - 1;
    memcpy(name, tok, cut);
    name[cut] = '\0';
    report_unknown_field(cli, name);
    return false;
}

/* Parses tokens[0..n) = EVENT field=value ... into cli (whose arena must be
 * empty). Returns 0 or 2 (problems already reported, one line each). */
static int parse_event_line(beacon_cli *cli, char **tokens, size_t n) {
    char q[CLI_QUOTE_BUF];
    const cli_ctx *ctx = cli->ctx;
    cli->desc = NULL;
    cli->event = NULL;
    for (size_t i = 0; i < ctx->count; i++) {
        if (ctx->events[i].desc != NULL && strcmp(ctx->events[i].desc->name, tokens[0]) == 0) {
            cli->event = &ctx->events[i];
            break;
        }
    }
    if (cli->event == NULL) {
        suggester sg = {tokens[0], NULL, SIZE_MAX};
        for (size_t i = 0; i < ctx->count; i++) {
            if (ctx->events[i].desc != NULL) {
                suggest_consider(&sg, ctx->events[i].desc->name);
            }
        }
        const char *best = suggest_result(&sg);
        if (best != NULL) {
            say(cli, "unknown event %s (did you mean '%s'?)", quote(q, tokens[0]), best);
        } else {
            say(cli, "unknown event %s (see '%s --list')", quote(q, tokens[0]), ctx->prog);
        }
        return 2;
    }
    const beacon_event_desc *d = cli->event->desc;
    cli->desc = d;
    cli->has_corr = false;
    cli->errors = 0;
    size_t nt = n - 1;
    cli->values = arena_alloc(&cli->arena, sizeof(cli_value) * (d->field_count + 1u));
    cli_target *targets = arena_alloc(&cli->arena, sizeof(cli_target) * (nt + 1));
    bool *ok = arena_alloc(&cli->arena, sizeof(bool) * (nt + 1));
    if (cli->values == NULL || targets == NULL || ok == NULL) {
        say(cli, "out of memory");
        return 1;
    }

    /* Pass 1: resolve names and count occurrences, so lists get exact arrays. */
    uint32_t corr_seen = 0;
    for (size_t i = 0; i < nt; i++) {
        ok[i] = resolve(cli, tokens[i + 1], &targets[i]);
        if (!ok[i]) {
            cli->errors++;
            continue;
        }
        int32_t fi = targets[i].field;
        if (fi < 0) {
            if (++corr_seen == 2) {
                say(cli, "field 'correlation' given twice");
                cli->errors++;
            }
            ok[i] = corr_seen == 1;
            continue;
        }
        const beacon_field_desc *f = &d->fields[fi];
        cli_value *v = &cli->values[fi];
        v->seen++;
        if (!f->is_list && f->type != BEACON_TYPE_ATTRIBUTES && v->seen == 2) {
            say(cli, "field '%s' given twice", f->name);
            cli->errors++;
        }
        if (!f->is_list && f->type != BEACON_TYPE_ATTRIBUTES && v->seen >= 2) {
            ok[i] = false;
        }
    }
    for (uint32_t fi = 0; fi < d->field_count; fi++) {
        const beacon_field_desc *f = &d->fields[fi];
        cli_value *v = &cli->values[fi];
        if (v->seen > 0 && (f->is_list || f->type == BEACON_TYPE_ATTRIBUTES)) {
            v->items = arena_alloc(&cli->arena, beacon__elem_size(f->type) * v->seen);
            if (v->items == NULL) {
                say(cli, "out of memory");
                return 1;
            }
        }
    }

    /* Pass 2: parse values in place. */
    for (size_t i = 0; i < nt; i++) {
        if (!ok[i]) {
            continue;
        }
        const cli_target *t = &targets[i];
        if (t->field < 0) {
            if (!parse_trace_id(t->value, &cli->corr)) {
                say(cli,
                    "field 'correlation': expected trace id (32 hex digits, not all zero), got %s",
                    quote(q, t->value));
                cli->errors++;
            } else {
                cli->has_corr = true;
            }
            continue;
        }
        const beacon_field_desc *f = &d->fields[t->field];
        cli_value *v = &cli->values[t->field];
        if (f->type == BEACON_TYPE_ATTRIBUTES) {
            if (!store_attr(cli, f, v, t, tokens[i + 1])) {
                cli->errors++;
            }
            continue;
        }
        cli_scalar sv;
        if (!parse_scalar(f, t->value, &sv)) {
            char sp[CLI_SPELL_BUF + 128];
            say(cli, "field '%s': expected %s, got %s", f->name,
                expected_spelling(f, sp, sizeof sp), shown_value(q, f, t->value));
            cli->errors++;
            continue;
        }
        if (f->is_list) {
            store_elem(f, v->items, v->filled++, &sv);
        } else {
            v->v = sv;
            v->filled = 1;
        }
    }

    /* Missing required fields, reported only when nothing else was wrong with
     * them (a bad value already said what the field needs). */
    for (uint32_t fi = 0; fi < d->field_count; fi++) {
        const beacon_field_desc *f = &d->fields[fi];
        if (!(f->flags & BEACON_FIELD_OPTIONAL) && cli->values[fi].seen == 0) {
            char sp[256];
            say(cli, "missing required field '%s' (%s)", f->name, type_spelling(f, sp, sizeof sp));
            cli->errors++;
        }
    }
    if (d->correlation == BEACON_CORR_FOLLOW && corr_seen == 0) {
        say(cli, "missing required field 'correlation' (trace id printed by the begin event)");
        cli->errors++;
    }
    return cli->errors ? 2 : 0;
}

static void cli_reset(beacon_cli *cli) {
    arena_free(&cli->arena);
    cli->values = NULL;
    cli->desc = NULL;
    cli->event = NULL;
    cli->has_corr = false;
    cli->errors = 0;
}

/* =========================================================================
 * Accessors
 * ========================================================================= */

static const cli_value *value_of(const beacon_cli *cli, uint32_t field) {
    if (cli == NULL || cli->desc == NULL || cli->values == NULL ||
        field >= cli->desc->field_count) {
        return NULL;
    }
    return &cli->values[field];
}

/* The value of a present scalar field whose type is one of those given. */
static const cli_value *scalar_of(const beacon_cli *cli, uint32_t field, beacon_type t1,
                                  beacon_type t2, beacon_type t3) {
    const cli_value *v = value_of(cli, field);
    if (v == NULL || v->filled == 0) {
        return NULL;
    }
    const beacon_field_desc *f = &cli->desc->fields[field];
    if (f->is_list || (f->type != t1 && f->type != t2 && f->type != t3)) {
        return NULL;
    }
    return v;
}

bool beacon_cli_has(const beacon_cli *cli, uint32_t field) {
    const cli_value *v = value_of(cli, field);
    return v != NULL && v->filled > 0;
}

bool beacon_cli_bool(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_BOOL, BEACON_TYPE_BOOL, BEACON_TYPE_BOOL);
    return v != NULL && v->v.b;
}

int64_t beacon_cli_int(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_INT, BEACON_TYPE_TIMESTAMP, BEACON_TYPE_DURATION);
    return v != NULL ? v->v.i : 0;
}

uint64_t beacon_cli_uint(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_UINT, BEACON_TYPE_UINT, BEACON_TYPE_UINT);
    return v != NULL ? v->v.u : 0;
}

double beacon_cli_double(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_DOUBLE, BEACON_TYPE_DOUBLE, BEACON_TYPE_DOUBLE);
    return v != NULL ? v->v.d : 0.0;
}

const char *beacon_cli_string(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_STRING, BEACON_TYPE_STRING, BEACON_TYPE_STRING);
    return v != NULL ? v->v.s : NULL;
}

int beacon_cli_enum(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_ENUM, BEACON_TYPE_ENUM, BEACON_TYPE_ENUM);
    return v != NULL ? v->v.e : 0;
}

const void *beacon_cli_list(const beacon_cli *cli, uint32_t field, size_t *count) {
    const cli_value *v = value_of(cli, field);
    if (count != NULL) {
        *count = 0;
    }
    if (v == NULL || v->filled == 0 || !cli->desc->fields[field].is_list) {
        return NULL;
    }
    if (count != NULL) {
        *count = v->filled;
    }
    return v->items;
}

const beacon_attr *beacon_cli_attrs(const beacon_cli *cli, uint32_t field, size_t *count) {
    const cli_value *v = value_of(cli, field);
    if (count != NULL) {
        *count = 0;
    }
    if (v == NULL || v->filled == 0 || cli->desc->fields[field].type != BEACON_TYPE_ATTRIBUTES) {
        return NULL;
    }
    if (count != NULL) {
        *count = v->filled;
    }
    return v->items;
}

const beacon_trace_id *beacon_cli_correlation(const beacon_cli *cli) {
    return cli != NULL && cli->has_corr ? &cli->corr : NULL;
}

/* =========================================================================
 * Reporting the emit status
 * ========================================================================= */

/* Formats a numeric bound or value of `f` for a message. */
/* The runtime rejected the event: name the field and the rule it broke, so
 * the user need not rerun with BEACON_DEBUG. Returns how many fields. */
static unsigned explain_invalid(beacon_cli *cli) {
    unsigned found = 0;
    const beacon_event_desc *d = cli->desc;
    for (uint32_t fi = 0; d != NULL && cli->values != NULL && fi < d->field_count; fi++) {
        const beacon_field_desc *f = &d->fields[fi];
        const cli_value *v = &cli->values[fi];
        if (v->filled == 0 || f->type == BEACON_TYPE_STRING || f->type == BEACON_TYPE_ATTRIBUTES) {
            continue;
        }
        size_t n = f->is_list ? v->filled : 1, size = beacon__elem_size(f->type);
        if (f->is_list && f->max_items && n > f->max_items) {
            n = f->max_items; /* items past max_items are cut, not checked */
        }
        for (size_t k = 0; k < n; k++) {
            const void *value =
                f->is_list ? (const char *)v->items + k * size : (const void *)&v->v;
            beacon__field_verdict verdict;
            if (!beacon__field_value_ok(f, value, &verdict)) {
                char text[256];
                verdict.index = f->is_list ? (long long)k : -1;
                say(cli, "%s", beacon__field_verdict_text(&verdict, text, sizeof text));
                found++;
                break;
            }
        }
    }
    return found;
}

int beacon_cli_finish(beacon_cli *cli, beacon_status st, const beacon_trace_id *begin_trace) {
    if (cli == NULL || cli->ctx == NULL) {
        return st == BEACON_OK ? 0 : 1;
    }
    switch (st) {
        case BEACON_OK:
            if (cli->desc != NULL && cli->desc->correlation == BEACON_CORR_BEGIN &&
                begin_trace != NULL) {
                char hex[33];
                for (size_t i = 0; i < 16; i++) {
                    snprintf(hex + 2 * i, 3, "%02x", begin_trace->bytes[i]);
                }
                printf("%s\n", hex);
                fflush(stdout);
            }
            return 0;
        case BEACON_ERR_SAMPLED_OUT:
        case BEACON_ERR_DISABLED:
            if (cli->ctx->debug) {
                say(cli, "not sent: %s", beacon_status_str(st));
            }
            return 0;
        case BEACON_ERR_NOT_INITIALIZED:
            say(cli, "emit failed: %s", beacon_status_str(st));
            return 1;
        case BEACON_ERR_INVALID_EVENT:
            if (explain_invalid(cli) == 0) {
                say(cli, "rejected: %s", beacon_status_str(st));
            }
            return 2;
        default: say(cli, "emit failed: %s", beacon_status_str(st)); return 1;
    }
}

/* =========================================================================
 * --help, --version, --list, --describe
 * ========================================================================= */

static const char *level_name(uint8_t level) {
    static const char *const names[] = {"debug", "info", "warn", "error"};
    return level < 4 ? names[level] : "info";
}

static const char *kind_name(uint8_t kind) {
    static const char *const names[] = {"event", "span_start", "span_stop", "span_exception"};
    return kind < 4 ? names[kind] : "event";
}

static const char *pii_name(uint8_t pii) {
    static const char *const names[] = {"none", "hash", "redact", "drop", "scrub"};
    return pii < 5 ? names[pii] : "none";
}

static void print_usage(const cli_ctx *ctx, FILE *out) {
    const char *p = ctx->prog;
    fprintf(out,
            "usage: %s [OPTIONS] EVENT [FIELD=VALUE]...\n"
            "       %s [OPTIONS] -           read one event line per stdin line\n"
            "       %s --list | --describe EVENT | --help | --version\n",
            p, p, p);
}

static void print_help(const cli_ctx *ctx) {
    print_usage(ctx, stdout);
    printf("\nEmits events of the '%s' catalog (version %" PRId64 ") through the beacon runtime.\n",
           ctx->catalog->name, ctx->catalog->version);
    fputs("\n"
          "options:\n"
          "  --sink SPEC       deliver to SPEC (repeatable; default: $BEACON_SINKS, else stderr)\n"
          "  --stats           print the runtime's delivery counters (JSON) on stderr at exit\n"
          "  --threads N       with '-': spread stdin lines over N producer threads\n"
          "  --context F=V     set context field F for every event (repeatable; fields below)\n"
          "  --traceparent H   continue the W3C trace H (00-<trace>-<parent>-<flags>);\n"
          "                    an invalid value is ignored (BEACON_DEBUG=1 says so)\n"
          "  --list            list the catalog's events\n"
          "  --describe EVENT  show EVENT's fields, types and constraints\n"
          "  --help            this text\n"
          "  --version         catalog and ABI version\n"
          "\n"
          "values, by catalog type:\n"
          "  bool        true|false|1|0|yes|no\n"
          "  int         decimal 64-bit integer, optional sign\n"
          "  uint        decimal unsigned 64-bit integer (no '-')\n"
          "  double      decimal or exponent notation; nan and inf are sent as null\n"
          "  string      as is, may be empty\n"
          "  timestamp   RFC 3339 (2026-11-22T05:30:00.123456789Z, or with an offset\n"
          "              such as +01:00) or integer ns since the Unix epoch\n"
          "  duration    integer ns, or numbers with units ns us ms s m h (250ms, 1.5s, 1h30m)\n"
          "  enum        one of the value names shown by --describe\n"
          "  list<T>     repeat FIELD=VALUE, one element per occurrence\n"
          "  attributes  FIELD.KEY=VALUE per entry; VALUE is a bool if true|false, an int\n"
          "              if an integer without leading zeros (uint beyond int64), a double\n"
          "              if a finite number with '.' or an exponent, else a string; force a type\n"
          "              with FIELD.KEY:string=VALUE (also :bool :int :uint :double)\n"
          "  correlation=HEX   follow events: the 32-hex trace id its begin event printed\n"
          "                    (optional for span events)\n"
          "\n"
          "A begin event prints its new trace id on stdout. Constraints (min, max) are\n"
          "checked by the runtime.\n"
          "\n"
          "stdin mode (EVENT '-'): one 'EVENT FIELD=VALUE ...' per line with shell-like\n"
          "quoting ('...', \"...\", backslash); blank lines and lines starting with # are\n"
          "skipped; a bad line is reported as 'line N: ...' and skipped.\n"
          "\n"
          "exit status: 0 ok (events flushed to the sinks), 1 runtime failure, 2 bad input.\n",
          stdout);
    if (ctx->catalog->context_count > 0) {
        printf("\ncontext fields (--context FIELD=VALUE):\n");
        for (uint32_t k = 0; k < ctx->catalog->context_count; k++) {
            const beacon_field_desc *f = &ctx->catalog->context[k];
            char sp[256];
            printf("  %-20s %s%s%s\n", f->name, type_spelling(f, sp, sizeof sp),
                   f->pii != BEACON_PII_NONE ? ", pii: " : "",
                   f->pii != BEACON_PII_NONE ? pii_name(f->pii) : "");
        }
    }
}

static void print_list(const cli_ctx *ctx) {
    int wn = 4, wc = 1;
    for (size_t i = 0; i < ctx->count; i++) {
        const beacon_event_desc *d = ctx->events[i].desc;
        if (d == NULL) {
            continue;
        }
        int n = (int)strlen(d->name);
        int c = d->category != NULL ? (int)strlen(d->category) : 1;
        wn = n > wn ? n : wn;
        wc = c > wc ? c : wc;
    }
    for (size_t i = 0; i < ctx->count; i++) {
        const beacon_event_desc *d = ctx->events[i].desc;
        if (d == NULL) {
            continue;
        }
        printf("%-*s  %-5s  %-*s  %s%s\n", wn, d->name, level_name(d->level), wc,
               d->category != NULL ? d->category : "-", d->deprecated ? "[deprecated] " : "",
               d->description != NULL ? d->description : "");
    }
}

static void print_bound(const beacon_field_desc *f, const char *label, const beacon_bound *b) {
    switch ((beacon_type)f->type) {
        case BEACON_TYPE_UINT: printf(" %s=%" PRIu64, label, b->u); break;
        case BEACON_TYPE_DOUBLE: printf(" %s=%.17g", label, b->d); break;
        default: printf(" %s=%" PRId64, label, b->i); break;
    }
}

/* One line per field, space-separated so scripts can read it:
 *   NAME TYPE required|optional [deprecated] [min=] [max=] [max_length=]
 *   [max_items=] [values=a|b] [deprecated_values=a|b] [pii=P] [unit=U]
 * followed by the description on its own line, indented six spaces. */
static void print_describe(const beacon_event_desc *d) {
    printf("event: %s\n", d->name);
    if (d->description != NULL) {
        printf("description: %s\n", d->description);
    }
    printf("level: %s\n", level_name(d->level));
    printf("category: %s\n", d->category != NULL ? d->category : "-");
    printf("kind: %s\n", kind_name(d->kind));
    static const char *const corr[] = {"none", "begin (prints the new trace id on stdout)",
                                       "follow (requires correlation=<trace id>)"};
    printf("correlation: %s\n", d->correlation < 3 ? corr[d->correlation] : "none");
    printf("sample_rate: %g\n", d->sample_rate);
    if (d->deprecated) {
        printf("deprecated: yes\n");
    }
    printf("fields:\n");
    for (uint32_t i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        char sp[256];
        printf("  %s %s %s", f->name, type_spelling(f, sp, sizeof sp),
               (f->flags & BEACON_FIELD_OPTIONAL) ? "optional" : "required");
        if (f->flags & BEACON_FIELD_DEPRECATED) {
            printf(" deprecated");
        }
        if (f->flags & BEACON_FIELD_HAS_MIN) {
            print_bound(f, "min", &f->min);
        }
        if (f->flags & BEACON_FIELD_HAS_MAX) {
            print_bound(f, "max", &f->max);
        }
        if (f->max_length) {
            printf(" max_length=%" PRIu32, f->max_length);
        }
        if (f->max_items) {
            printf(" max_items=%" PRIu32, f->max_items);
        }
        if (f->type == BEACON_TYPE_ENUM && f->enum_desc != NULL) {
            const beacon_enum_desc *e = f->enum_desc;
            printf(" values=");
            for (uint32_t k = 0; k < e->count; k++) {
                printf("%s%s", k ? "|" : "", e->values[k]);
            }
            bool first = true;
            for (uint32_t k = 0; e->deprecated != NULL && k < e->count; k++) {
                if (e->deprecated[k]) {
                    printf("%s%s", first ? " deprecated_values=" : "|", e->values[k]);
                    first = false;
                }
            }
        }
        if (f->pii != BEACON_PII_NONE) {
            printf(" pii=%s", pii_name(f->pii));
        }
        if (f->unit != NULL) {
            printf(" unit=%s", f->unit);
        }
        printf("\n");
        if (f->type == BEACON_TYPE_ATTRIBUTES) {
            printf("      Entries as %s.KEY=VALUE (see --help for value typing).\n", f->name);
        }
        if (f->description != NULL) {
            printf("      %s\n", f->description);
        }
    }
    if (d->correlation == BEACON_CORR_FOLLOW) {
        printf("  correlation trace_id required\n"
               "      The 32-hex trace id printed by the begin event this one follows.\n");
    } else if (d->kind != BEACON_KIND_EVENT) {
        printf("  correlation trace_id optional\n"
               "      The 32-hex trace id to attach this span event to.\n");
    }
}

/* =========================================================================
 * Stdin mode
 * ========================================================================= */

static bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Shell-like split of `line` into arena tokens: '...' literal, "..." with
 * \" \\ \$ \` escapes, a bare backslash escapes the next byte. Returns the
 * token count, or -1 after reporting an error. */
static long tokenize(beacon_cli *cli, const char *line, size_t len, char ***out) {
    char *buf = arena_alloc(&cli->arena, len + 1);
    char **toks = arena_alloc(&cli->arena, sizeof(char *) * (len / 2 + 2));
    if (buf == NULL || toks == NULL) {
        say(cli, "out of memory");
        return -1;
    }
    const char *p = line;
    char *w = buf;
    long n = 0;
    for (;;) {
        while (*p != '\0' && is_blank(*p)) {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        toks[n++] = w;
        while (*p != '\0' && !is_blank(*p)) {
            if (*p == '\'') {
                for (p++; *p != '\0' && *p != '\''; p++) {
                    *w++ = *p;
                }
                if (*p == '\0') {
                    say(cli, "unterminated single quote");
                    return -1;
                }
                p++;
            } else if (*p == '"') {
                for (p++; *p != '\0' && *p != '"'; p++) {
                    if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`", p[1]) != NULL) {
                        p++;
                    }
                    *w++ = *p;
                }
                if (*p == '\0') {
                    say(cli, "unterminated double quote");
                    return -1;
                }
                p++;
            } else if (*p == '\\') {
                if (p[1] == '\0') {
                    say(cli, "trailing backslash");
                    return -1;
                }
                *w++ = p[1];
                p += 2;
            } else {
                *w++ = *p++;
            }
        }
        *w++ = '\0';
    }
    *out = toks;
    return n;
}

/* --context and --traceparent act on the calling thread's state, so every
 * thread that emits applies them first. Values were validated at parse. */
static void apply_thread_context(const cli_ctx *ctx) {
    for (size_t i = 0; i < ctx->nctx; i++) {
        const cli_ctx_value *cv = &ctx->ctxvals[i];
        (void)beacon_gen_context_set(ctx->catalog, cv->index, &cv->v);
    }
    if (ctx->has_parent) {
        (void)beacon_context_push(&ctx->parent);
    }
}

static void drop_thread_context(const cli_ctx *ctx) {
    if (ctx->nctx > 0) {
        beacon_gen_context_clear(ctx->catalog);
    }
    if (ctx->has_parent) {
        (void)beacon_context_pop();
    }
}

static int call_emit(beacon_cli *cli) {
    if (cli->event->emit == NULL) {
        say(cli, "no emitter for this event");
        return 1;
    }
    return cli->event->emit(cli);
}

/* Worse of two exit codes: a runtime failure (1) outranks bad input (2). */
static int worse(int a, int b) {
    if (a == 1 || b == 1) {
        return 1;
    }
    return a > b ? a : b;
}

/* One stdin line kept for a producer thread. */
typedef struct cli_line {
    char *text;
    size_t len;
    long lineno;
} cli_line;

/* What one producer did with its share of the lines. */
typedef struct cli_share {
    cli_ctx *ctx;
    const cli_line *lines;
    size_t count;
    size_t first, step;
    long bad, total;
    int rc;
} cli_share;

/* Parses and emits one stdin line; returns its exit code and counts it. */
static int handle_line(beacon_cli *cli, const char *line, size_t len, long lineno, long *total) {
    cli->line = lineno;
    const char *p = line;
    while (p < line + len && is_blank(*p)) {
        p++;
    }
    if (p == line + len || *p == '#') {
        return 0;
    }
    (*total)++;
    int lrc;
    if (memchr(line, '\0', len) != NULL) {
        say(cli, "line contains a NUL byte");
        lrc = 2;
    } else {
        char **toks = NULL;
        long n = tokenize(cli, line, len, &toks);
        if (n == 0) { /* cannot follow the blank check above; never emit without an event */
            cli_reset(cli);
            return 0;
        }
        lrc = n < 0 ? 2 : parse_event_line(cli, toks, (size_t)n);
        if (lrc == 0) {
            lrc = call_emit(cli);
        }
    }
    cli_reset(cli);
    return lrc;
}

static void *run_share(void *arg) {
    cli_share *sh = arg;
    beacon_cli cli;
    memset(&cli, 0, sizeof cli);
    cli.ctx = sh->ctx;
    apply_thread_context(sh->ctx);
    for (size_t i = sh->first; i < sh->count; i += sh->step) {
        int lrc =
            handle_line(&cli, sh->lines[i].text, sh->lines[i].len, sh->lines[i].lineno, &sh->total);
        if (lrc != 0) {
            sh->bad++;
            sh->rc = worse(sh->rc, lrc);
        }
    }
    drop_thread_context(sh->ctx);
    return NULL;
}

/* --threads N: the lines are read first, then spread round-robin over N
 * producer threads (line i goes to thread i mod N), so the runtime sees
 * concurrent emitters; the order between threads is not kept. */
static int run_stdin_threads(cli_ctx *ctx, long nthreads, long *bad, long *total) {
    cli_line *lines = NULL;
    size_t count = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &lcap, stdin)) >= 0) {
        lineno++;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            cli_line *grown = realloc(lines, ncap * sizeof *grown);
            if (grown == NULL) {
                rc = 1;
                break;
            }
            lines = grown;
            cap = ncap;
        }
        lines[count].text = line;
        lines[count].len = (size_t)len;
        lines[count].lineno = lineno;
        count++;
        line = NULL;
        lcap = 0;
    }
    free(line);
    if (rc == 0 && ferror(stdin)) {
        fprintf(stderr, "%s: error reading stdin: %s\n", ctx->prog, strerror(errno));
        rc = 1;
    }
    cli_share *shares = calloc((size_t)nthreads, sizeof *shares);
    pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
    if (rc == 0 && (shares == NULL || tids == NULL)) {
        fprintf(stderr, "%s: out of memory\n", ctx->prog);
        rc = 1;
    }
    for (long t = 0; rc == 0 && t < nthreads; t++) {
        shares[t] = (cli_share){ctx, lines, count, (size_t)t, (size_t)nthreads, 0, 0, 0};
    }
    long started = 0;
    for (; rc == 0 && started < nthreads; started++) {
        if (pthread_create(&tids[started], NULL, run_share, &shares[started]) != 0) {
            fprintf(stderr, "%s: cannot start producer thread\n", ctx->prog);
            rc = 1;
            break;
        }
    }
    for (long t = 0; t < started; t++) {
        pthread_join(tids[t], NULL);
    }
    for (long t = 0; shares != NULL && t < started; t++) {
        *bad += shares[t].bad;
        *total += shares[t].total;
        rc = worse(rc, shares[t].rc);
    }
    for (size_t i = 0; i < count; i++) {
        free(lines[i].text);
    }
    free(lines);
    free(shares);
    free(tids);
    return rc;
}

static int run_stdin(cli_ctx *ctx, long nthreads) {
    long bad = 0, total = 0;
    int rc = 0;
    if (nthreads > 1) {
        rc = run_stdin_threads(ctx, nthreads, &bad, &total);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        long lineno = 0;
        beacon_cli cli;
        memset(&cli, 0, sizeof cli);
        cli.ctx = ctx;
        apply_thread_context(ctx);
        while ((len = getline(&line, &cap, stdin)) >= 0) {
            lineno++;
            int lrc = handle_line(&cli, line, (size_t)len, lineno, &total);
            if (lrc != 0) {
                bad++;
                rc = worse(rc, lrc);
            }
        }
        if (ferror(stdin)) {
            cli.line = 0;
            say(&cli, "error reading stdin: %s", strerror(errno));
            rc = 1;
        }
        free(line);
        drop_thread_context(ctx);
    }
    if (bad > 0) {
        fprintf(stderr, "%s: %ld of %ld event lines failed\n", ctx->prog, bad, total);
    }
    return rc;
}

/* =========================================================================
 * Runtime lifecycle and the entry point
 * ========================================================================= */

static int sink_status_code(beacon_status st) {
    return st == BEACON_ERR_SINK_SPEC || st == BEACON_ERR_INVALID_ARGUMENT ? 2 : 1;
}

static int runtime_start(cli_ctx *ctx, char **sinks, size_t nsinks) {
    beacon_options *opts = NULL;
    beacon_status st;
    if (nsinks > 0) {
        opts = beacon_options_new();
        if (opts == NULL) {
            fprintf(stderr, "%s: out of memory\n", ctx->prog);
            return 1;
        }
        for (size_t i = 0; i < nsinks; i++) {
            st = beacon_options_add_sink(opts, sinks[i]);
            if (st != BEACON_OK) {
                char q[CLI_QUOTE_BUF];
                fprintf(stderr, "%s: --sink %s: %s\n", ctx->prog, quote(q, sinks[i]),
                        beacon_status_str(st));
                beacon_options_free(opts);
                return sink_status_code(st);
            }
        }
    }
    st = beacon_init(opts); /* takes ownership of opts, also on failure */
    if (st != BEACON_OK) {
        fprintf(stderr, "%s: cannot start telemetry: %s\n", ctx->prog, beacon_status_str(st));
        return sink_status_code(st);
    }
    beacon_stats(&ctx->base, NULL, 0, NULL);
    return 0;
}

/* Events this run lost after they were accepted (a sink failed, or the queue
 * was full): a flush that "succeeds" without delivering must not exit 0. */
static uint64_t lost_since_start(const cli_ctx *ctx) {
    beacon_counters now;
    if (beacon_stats(&now, NULL, 0, NULL) != BEACON_OK) {
        return 0;
    }
    return (now.dropped_sink_error - ctx->base.dropped_sink_error) +
           (now.dropped_queue_full - ctx->base.dropped_queue_full);
}

static void print_stats(const cli_ctx *ctx) {
    char small[4096];
    size_t needed = 0;
    beacon_status st = beacon_stats_json(small, sizeof small, &needed);
    if (st == BEACON_OK && needed < sizeof small) {
        fprintf(stderr, "%s\n", small);
        return;
    }
    char *big = needed > 0 && needed < SIZE_MAX ? malloc(needed + 1) : NULL;
    if (big != NULL && beacon_stats_json(big, needed + 1, &needed) == BEACON_OK) {
        fprintf(stderr, "%s\n", big);
    } else {
        fprintf(stderr, "%s: cannot read stats: %s\n", ctx->prog, beacon_status_str(st));
    }
    free(big);
}

/* Flush then shut down; events count as delivered only after both. */
static int runtime_stop(const cli_ctx *ctx, bool stats) {
    int rc = 0;
    beacon_status st = beacon_flush(CLI_FLUSH_TIMEOUT_MS);
    if (st != BEACON_OK && st != BEACON_ERR_DISABLED) {
        fprintf(stderr, "%s: flush failed: %s\n", ctx->prog, beacon_status_str(st));
        rc = 1;
    }
    uint64_t lost = lost_since_start(ctx);
    if (lost > 0) {
        fprintf(stderr, "%s: %" PRIu64 " event%s not delivered (BEACON_DEBUG=1 shows why)\n",
                ctx->prog, lost, lost == 1 ? "" : "s");
        rc = 1;
    }
    if (stats) {
        print_stats(ctx);
    }
    st = beacon_shutdown(CLI_FLUSH_TIMEOUT_MS);
    if (st != BEACON_OK && st != BEACON_ERR_DISABLED) {
        fprintf(stderr, "%s: shutdown failed: %s\n", ctx->prog, beacon_status_str(st));
        rc = 1;
    }
    return rc;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static const beacon_event_desc *find_event(const cli_ctx *ctx, const char *name) {
    for (size_t i = 0; i < ctx->count; i++) {
        if (ctx->events[i].desc != NULL && strcmp(ctx->events[i].desc->name, name) == 0) {
            return ctx->events[i].desc;
        }
    }
    return NULL;
}

/* Value of "--opt VALUE" / "--opt=VALUE" at argv[*i], or NULL if `a` is not
 * `opt`; *missing is set when the value is absent. */
static const char *opt_value(const char *opt, int argc, char **argv, int *i, bool *missing) {
    const char *a = argv[*i];
    size_t ol = strlen(opt);
    if (strncmp(a, opt, ol) != 0) {
        return NULL;
    }
    if (a[ol] == '=') {
        return a + ol + 1;
    }
    if (a[ol] != '\0') {
        return NULL;
    }
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* --context FIELD=VALUE: a context field of the catalog, parsed by its type
 * and checked against its bounds. Reports and returns false on bad input. */
static bool parse_context_arg(cli_ctx *ctx, const char *arg) {
    char q[CLI_QUOTE_BUF];
    const beacon_catalog_desc *cat = ctx->catalog;
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg) {
        fprintf(stderr, "%s: --context wants FIELD=VALUE, got %s\n", ctx->prog, quote(q, arg));
        return false;
    }
    size_t nlen = (size_t)(eq - arg);
    uint32_t index = 0;
    while (index < cat->context_count && !(strlen(cat->context[index].name) == nlen &&
                                           memcmp(cat->context[index].name, arg, nlen) == 0)) {
        index++;
    }
    char name[CLI_QUOTE_BUF];
    size_t cut = nlen < sizeof name - 1 ? nlen : sizeof name - 1;
    memcpy(name, arg, cut);
    name[cut] = '\0';
    if (index == cat->context_count) {
        suggester sg = {name, NULL, SIZE_MAX};
        for (uint32_t k = 0; k < cat->context_count; k++) {
            suggest_consider(&sg, cat->context[k].name);
        }
        const char *best = suggest_result(&sg);
        if (best != NULL) {
            fprintf(stderr, "%s: --context: unknown context field %s (did you mean '%s'?)\n",
                    ctx->prog, quote(q, name), best);
        } else if (cat->context_count == 0) {
            fprintf(stderr, "%s: --context: catalog '%s' has no context fields\n", ctx->prog,
                    cat->name);
        } else {
            fprintf(stderr, "%s: --context: unknown context field %s (see '%s --help')\n",
                    ctx->prog, quote(q, name), ctx->prog);
        }
        return false;
    }
    const beacon_field_desc *f = &cat->context[index];
    for (size_t k = 0; k < ctx->nctx; k++) {
        if (ctx->ctxvals[k].index == index) {
            fprintf(stderr, "%s: --context: field '%s' given twice\n", ctx->prog, f->name);
            return false;
        }
    }
    cli_scalar v;
    memset(&v, 0, sizeof v);
    if (f->is_list || f->type == BEACON_TYPE_ATTRIBUTES || !parse_scalar(f, eq + 1, &v)) {
        char sp[CLI_SPELL_BUF + 128];
        fprintf(stderr, "%s: --context: field '%s': expected %s, got %s\n", ctx->prog, f->name,
                expected_spelling(f, sp, sizeof sp), shown_value(q, f, eq + 1));
        return false;
    }
    /* The field's rules are checked before anything is sent; each emitting
     * thread sets the value again for itself. */
    beacon__field_verdict verdict;
    if (f->type != BEACON_TYPE_STRING && !beacon__field_value_ok(f, &v, &verdict)) {
        char text[256];
        fprintf(stderr, "%s: --context: %s\n", ctx->prog,
                beacon__field_verdict_text(&verdict, text, sizeof text));
        return false;
    }
    beacon_status st = beacon_gen_context_set(cat, index, &v);
    beacon_gen_context_clear(cat);
    if (st != BEACON_OK) {
        fprintf(stderr, "%s: --context: field '%s': %s\n", ctx->prog, f->name,
                beacon_status_str(st));
        return false;
    }
    ctx->ctxvals[ctx->nctx].index = index;
    ctx->ctxvals[ctx->nctx].v = v;
    ctx->nctx++;
    return true;
}

/* --traceparent HEADER: continue the caller's trace. An invalid header is
 * not an input error — a new trace starts, as a service receiving it would. */
static void parse_traceparent_arg(cli_ctx *ctx, const char *header) {
    beacon_traceparent tp;
    if (beacon_traceparent_parse(header, strlen(header), &tp) != BEACON_OK) {
        ctx->has_parent = false;
        if (ctx->debug) {
            char q[CLI_QUOTE_BUF];
            fprintf(stderr, "%s: ignoring invalid --traceparent %s; a new trace starts\n",
                    ctx->prog, quote(q, header));
        }
        return;
    }
    ctx->has_parent = true;
    ctx->parent.trace_id = tp.trace_id;
    ctx->parent.span_id = tp.parent_id;
    ctx->parent.flags = tp.flags;
}

int beacon_cli_main(const beacon_catalog_desc *catalog, const beacon_cli_event *events,
                    size_t count, int argc, char **argv) {
    cli_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.prog = argc > 0 && argv != NULL && argv[0] != NULL ? base_name(argv[0]) : "beacon-emit";
    if (catalog == NULL || (events == NULL && count > 0)) {
        fprintf(stderr, "%s: no event catalog\n", ctx.prog);
        return 1;
    }
    ctx.catalog = catalog;
    ctx.events = events;
    ctx.count = count;
    ctx.debug = debug_enabled();

    char **sinks = argc > 0 ? calloc((size_t)argc, sizeof *sinks) : NULL;
    size_t nsinks = 0;
    bool stats = false, list = false;
    const char *describe = NULL;
    long nthreads = 1;
    int i = 1, rc = 0;
    if (argc > 0 && sinks == NULL) {
        fprintf(stderr, "%s: out of memory\n", ctx.prog);
        return 1;
    }
    for (; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            break;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help(&ctx);
            goto out;
        } else if (strcmp(a, "--version") == 0) {
            printf("%s (catalog %s version %" PRId64 ", beacon ABI %u)\n", ctx.prog, catalog->name,
                   catalog->version, (unsigned)BEACON_GEN_ABI);
            goto out;
        } else if (strcmp(a, "--list") == 0) {
            list = true;
        } else if (strcmp(a, "--stats") == 0) {
            stats = true;
        } else if ((v = opt_value("--sink", argc, argv, &i, &missing)) != NULL) {
            sinks[nsinks++] = (char *)v;
        } else if (!missing && (v = opt_value("--threads", argc, argv, &i, &missing)) != NULL) {
            char *end = NULL;
            errno = 0;
            nthreads = strtol(v, &end, 10);
            if (errno != 0 || end == v || *end != '\0' || nthreads < 1 || nthreads > 256) {
                char q[CLI_QUOTE_BUF];
                fprintf(stderr, "%s: --threads wants a number from 1 to 256, got %s\n", ctx.prog,
                        quote(q, v));
                rc = 2;
                goto out;
            }
        } else if (!missing && (v = opt_value("--describe", argc, argv, &i, &missing)) != NULL) {
            describe = v;
        } else if (!missing && (v = opt_value("--context", argc, argv, &i, &missing)) != NULL) {
            if (ctx.ctxvals == NULL) {
                ctx.ctxvals = calloc((size_t)argc, sizeof *ctx.ctxvals);
                if (ctx.ctxvals == NULL) {
                    fprintf(stderr, "%s: out of memory\n", ctx.prog);
                    rc = 1;
                    goto out;
                }
            }
            if (!parse_context_arg(&ctx, v)) {
                rc = 2;
                goto out;
            }
        } else if (!missing && (v = opt_value("--traceparent", argc, argv, &i, &missing)) != NULL) {
            parse_traceparent_arg(&ctx, v);
        } else {
            char q[CLI_QUOTE_BUF];
            if (missing) {
                fprintf(stderr, "%s: option %s needs a value\n", ctx.prog, quote(q, a));
            } else {
                fprintf(stderr, "%s: unknown option %s (see '%s --help')\n", ctx.prog, quote(q, a),
                        ctx.prog);
            }
            rc = 2;
            goto out;
        }
    }

    if (list || describe != NULL) {
        if (i < argc) {
            char q[CLI_QUOTE_BUF];
            fprintf(stderr, "%s: unexpected argument %s\n", ctx.prog, quote(q, argv[i]));
            rc = 2;
        } else if (list) {
            print_list(&ctx);
        } else {
            const beacon_event_desc *d = find_event(&ctx, describe);
            if (d != NULL) {
                print_describe(d);
            } else {
                beacon_cli probe;
                char *name = (char *)describe;
                memset(&probe, 0, sizeof probe);
                probe.ctx = &ctx;
                rc = parse_event_line(&probe, &name, 1); /* reports the unknown event */
                cli_reset(&probe);
            }
        }
        goto out;
    }
    if (i >= argc) {
        print_usage(&ctx, stderr);
        rc = 2;
        goto out;
    }

    if (strcmp(argv[i], "-") == 0) {
        if (i + 1 < argc) {
            char q[CLI_QUOTE_BUF];
            fprintf(stderr, "%s: unexpected argument %s after '-'\n", ctx.prog,
                    quote(q, argv[i + 1]));
            rc = 2;
            goto out;
        }
        rc = runtime_start(&ctx, sinks, nsinks);
        if (rc == 0) {
            rc = run_stdin(&ctx, nthreads);
            rc = worse(rc, runtime_stop(&ctx, stats));
        }
        goto out;
    }

    if (nthreads > 1) {
        fprintf(stderr, "%s: --threads works with '-' (stdin) only\n", ctx.prog);
        rc = 2;
        goto out;
    }
    /* One event from argv: parse it fully before starting the runtime, so bad
     * input never opens a sink. */
    beacon_cli cli;
    memset(&cli, 0, sizeof cli);
    cli.ctx = &ctx;
    rc = parse_event_line(&cli, argv + i, (size_t)(argc - i));
    if (rc == 0) {
        rc = runtime_start(&ctx, sinks, nsinks);
        if (rc == 0) {
            apply_thread_context(&ctx);
            rc = call_emit(&cli);
            drop_thread_context(&ctx);
            rc = worse(rc, runtime_stop(&ctx, stats));
        }
    }
    cli_reset(&cli);
out:
    free(sinks);
    free(ctx.ctxvals);
    fflush(stdout);
    return rc;
}
