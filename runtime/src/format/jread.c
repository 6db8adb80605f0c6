/* jread.c — the token reader behind the wire formats: parses canonical event
 * JSON (which the runtime wrote itself, so it is small and well-formed) into
 * a flat array, plus the few conversions the formats need back (unescape,
 * numbers, RFC 3339 times). */
#include "format/jread.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"

typedef struct reader {
    const char *s, *e;
    beacon__jdoc *doc;
    int depth;
} reader;

static void skip_ws(reader *r) {
    while (r->s < r->e && (*r->s == ' ' || *r->s == '\n' || *r->s == '\r' || *r->s == '\t')) r->s++;
}

static size_t push(reader *r, uint8_t kind, const char *p) {
    beacon__jdoc *d = r->doc;
    if (d->n == d->cap) {
        size_t ncap = d->cap ? d->cap * 2 : 64;
        beacon__jtok *t = realloc(d->t, ncap * sizeof *t);
        if (!t) return SIZE_MAX;
        d->t = t;
        d->cap = ncap;
    }
    beacon__jtok *t = &d->t[d->n];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->p = p;
    return d->n++;
}

static bool parse_value(reader *r);

/* The first '"' or '\\' in [p, e), or e. Eight bytes at a time where
 * the compiler and byte order allow (a byte equal to c leaves a zero byte
 * in w ^ c*0x01…01, and the lowest flagged byte is exact), else one by
 * one. */
static const char *quote_or_backslash(const char *p, const char *e) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (e - p >= 8) {
        uint64_t w, q, b;
        memcpy(&w, p, 8);
        q = w ^ (ones * '"');
        b = w ^ (ones * '\\');
        uint64_t hit = ((q - ones) & ~q & highs) | ((b - ones) & ~b & highs);
        if (hit) return p + (__builtin_ctzll(hit) >> 3);
        p += 8;
    }
#endif
    while (p < e && *p != '"' && *p != '\\') p++;
    return p;
}

static bool parse_string(reader *r) {
    const char *b = ++r->s, *p = b, *e = r->e;
    bool esc = false;
    for (;;) {
        p = quote_or_backslash(p, e);
        if (p == e) return false;
        if (*p == '"') break;
        esc = true;
        p += 2; /* the backslash and the character it escapes */
        if (p >= e) return false;
    }
    r->s = p;
    size_t i = push(r, BEACON__J_STR, b);
    if (i == SIZE_MAX) return false;
    r->doc->t[i].len = (uint32_t)(r->s - b);
    r->doc->t[i].escaped = esc;
    r->doc->t[i].end = (uint32_t)r->doc->n;
    r->s++;
    return true;
}

static bool parse_container(reader *r, bool obj) {
    if (++r->depth > 32) return false;
    const char *b = r->s++;
    size_t i = push(r, obj ? BEACON__J_OBJ : BEACON__J_ARR, b);
    if (i == SIZE_MAX) return false;
    uint32_t count = 0;
    skip_ws(r);
    char close = obj ? '}' : ']';
    if (r->s < r->e && *r->s == close) {
        r->s++;
    } else {
        for (;;) {
            skip_ws(r);
            if (obj) {
                if (r->s >= r->e || *r->s != '"' || !parse_string(r)) return false;
                skip_ws(r);
                if (r->s >= r->e || *r->s != ':') return false;
                r->s++;
            }
            if (!parse_value(r)) return false;
            count++;
            skip_ws(r);
            if (r->s < r->e && *r->s == ',') {
                r->s++;
                continue;
            }
            if (r->s < r->e && *r->s == close) {
                r->s++;
                break;
            }
            return false;
        }
    }
    beacon__jtok *t = &r->doc->t[i];
    t->len = (uint32_t)(r->s - b);
    t->count = count;
    t->end = (uint32_t)r->doc->n;
    r->depth--;
    return true;
}

static bool parse_literal(reader *r, const char *lit, uint8_t kind) {
    size_t n = strlen(lit);
    if ((size_t)(r->e - r->s) < n || memcmp(r->s, lit, n) != 0) return false;
    size_t i = push(r, kind, r->s);
    if (i == SIZE_MAX) return false;
    r->doc->t[i].len = (uint32_t)n;
    r->doc->t[i].end = (uint32_t)r->doc->n;
    r->s += n;
    return true;
}

static bool parse_value(reader *r) {
    skip_ws(r);
    if (r->s >= r->e) return false;
    switch (*r->s) {
        case '{': return parse_container(r, true);
        case '[': return parse_container(r, false);
        case '"': return parse_string(r);
        case 't': return parse_literal(r, "true", BEACON__J_TRUE);
        case 'f': return parse_literal(r, "false", BEACON__J_FALSE);
        case 'n': return parse_literal(r, "null", BEACON__J_NULL);
        default: break;
    }
    const char *b = r->s;
    while (r->s < r->e && ((*r->s >= '0' && *r->s <= '9') || *r->s == '-' || *r->s == '+' ||
                           *r->s == '.' || *r->s == 'e' || *r->s == 'E'))
        r->s++;
    if (r->s == b) return false;
    size_t i = push(r, BEACON__J_NUM, b);
    if (i == SIZE_MAX) return false;
    r->doc->t[i].len = (uint32_t)(r->s - b);
    r->doc->t[i].end = (uint32_t)r->doc->n;
    return true;
}

bool beacon__jdoc_parse(beacon__jdoc *doc, const char *s, size_t len) {
    if (len > UINT32_MAX) return false;
    reader r = {s, s + len, doc, 0};
    doc->n = 0;
    if (!parse_value(&r)) return false;
    skip_ws(&r);
    return r.s == r.e;
}

void beacon__jdoc_free(beacon__jdoc *doc) {
    free(doc->t);
    memset(doc, 0, sizeof *doc);
}

bool beacon__jtok_eq(const beacon__jtok *t, const char *s) {
    size_t n = strlen(s);
    return t->kind == BEACON__J_STR && !t->escaped && t->len == n && memcmp(t->p, s, n) == 0;
}

size_t beacon__jdoc_member(const beacon__jdoc *doc, size_t obj, const char *key) {
    if (obj >= doc->n || doc->t[obj].kind != BEACON__J_OBJ) return 0;
    size_t i = obj + 1;
    for (uint32_t k = 0; k < doc->t[obj].count; k++) {
        if (beacon__jtok_eq(&doc->t[i], key)) return i + 1;
        i = doc->t[i + 1].end;
    }
    return 0;
}

static int hex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d = beacon__hex_digit((unsigned char)p[i], false);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

static void put_utf8(beacon__wbuf *out, unsigned cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    beacon__wbuf_put(out, u, n);
}

void beacon__jtok_unescape(const beacon__jtok *t, beacon__wbuf *out) {
    if (!t->escaped) {
        beacon__wbuf_put(out, t->p, t->len);
        return;
    }
    const char *s = t->p, *e = t->p + t->len;
    while (s < e) {
        const char *bs = memchr(s, '\\', (size_t)(e - s));
        if (!bs) bs = e;
        beacon__wbuf_put(out, s, (size_t)(bs - s));
        s = bs;
        if (s >= e || s + 1 >= e) break;
        char c = s[1];
        s += 2;
        switch (c) {
            case 'b': beacon__wbuf_putc(out, '\b'); break;
            case 'f': beacon__wbuf_putc(out, '\f'); break;
            case 'n': beacon__wbuf_putc(out, '\n'); break;
            case 'r': beacon__wbuf_putc(out, '\r'); break;
            case 't': beacon__wbuf_putc(out, '\t'); break;
            case 'u': {
                int cp = e - s >= 4 ? hex4(s) : -1;
                if (cp < 0) return;
                s += 4;
                if (cp >= 0xD800 && cp < 0xDC00 && e - s >= 6 && s[0] == '\\' && s[1] == 'u') {
                    int lo = hex4(s + 2);
                    if (lo >= 0xDC00 && lo < 0xE000) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        s += 6;
                    }
                }
                put_utf8(out, (unsigned)cp);
                break;
            }
            default: beacon__wbuf_putc(out, c); break;
        }
    }
}

bool beacon__jtok_int(const beacon__jtok *t, int64_t *out) {
    if (t->kind != BEACON__J_NUM || t->len == 0 || t->len > 20) return false;
    const char *p = t->p, *e = t->p + t->len;
    bool neg = *p == '-';
    if (neg) p++;
    if (p == e) return false;
    uint64_t v = 0;
    for (; p < e; p++) {
        if (*p < '0' || *p > '9') return false; /* a fraction or an exponent */
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) return false;
    *out = !neg ? (int64_t)v : v == 0 ? 0 : -(int64_t)(v - 1) - 1;
    return true;
}

/* 10^k for k <= 22: every one is exact in a double. */
static const double k_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

double beacon__jtok_double(const beacon__jtok *t) {
    /* [-]digits[.digits] with at most 15 significant digits: the digits as
     * an integer (exact) over an exact power of ten is one correctly
     * rounded division, the value strtod gives. Anything else: strtod. */
    const char *p = t->p, *e = t->p + t->len;
    bool neg = p < e && *p == '-';
    if (neg) p++;
    uint64_t m = 0;
    int ndigits = 0, frac = -1;
    for (; p < e; p++) {
        if (*p >= '0' && *p <= '9') {
            m = m * 10 + (uint64_t)(*p - '0');
            if (m || frac >= 0) ndigits++;
            if (frac >= 0) frac++;
            if (ndigits > 15) break;
        } else if (*p == '.' && frac < 0) {
            frac = 0;
        } else {
            break;
        }
    }
    if (p == e && ndigits <= 15 && frac != 0 && p > t->p + neg) {
        double v = (double)m / k_pow10[frac > 0 ? frac : 0];
        return neg ? -v : v;
    }
    char tmp[64];
    size_t n = t->len < sizeof tmp - 1 ? t->len : sizeof tmp - 1;
    memcpy(tmp, t->p, n);
    tmp[n] = '\0';
    return strtod(tmp, NULL);
}

static bool digits(const char *s, int n, int *v) {
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        *v = *v * 10 + (s[i] - '0');
    }
    return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool beacon__parse_rfc3339(const char *s, size_t n, int64_t *ns) {
    int y, mo, d, h, mi, se;
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[n - 1] != 'Z')
        return false;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
        !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
        return false;
    int64_t frac = 0;
    size_t i = 19;
    if (i < n - 1 && s[i] == '.') {
        int places = 0;
        for (i++; i < n - 1; i++) {
            if (s[i] < '0' || s[i] > '9') return false;
            if (places++ < 9) frac = frac * 10 + (s[i] - '0'); /* beyond ns: ignored */
        }
        for (; places < 9; places++) frac *= 10;
    }
    if (i != n - 1) return false;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    *ns = secs * 1000000000 + frac;
    return true;
}
