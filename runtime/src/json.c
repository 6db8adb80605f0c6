/* json.c — bounded JSON writer: strings (UTF-8 repair + escaping), numbers,
 * hex ids and RFC 3339 times. No allocation, no locale-dependent output;
 * serialize.c builds events on top of it.
 */
#include "json.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void beacon__jw_init(beacon__jw *w, char *buf, size_t cap) {
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
}

size_t beacon__jw_finish(beacon__jw *w) {
    if (w->cap > 0) {
        w->buf[w->len < w->cap ? w->len : w->cap - 1] = '\0';
    }
    return w->len;
}

static const char k_hex[] = "0123456789abcdef";

static void jw_escape_byte(beacon__jw *w, unsigned char c) {
    char esc[6] = {'\\', 'u', '0', '0', k_hex[c >> 4], k_hex[c & 0xF]};
    beacon__jw_raw(w, esc, sizeof esc);
}

/* Expected total length of the sequence led by c, with the range allowed for
 * its second byte (Unicode Table 3-7); 0 when c cannot start a sequence. */
static int utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi) {
    *lo = 0x80;
    *hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) return 2;
    if (c == 0xE0) {
        *lo = 0xA0;
        return 3;
    }
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return 3;
    if (c == 0xED) {
        *hi = 0x9F;
        return 3;
    } /* excludes surrogates */
    if (c == 0xF0) {
        *lo = 0x90;
        return 4;
    } /* excludes overlongs */
    if (c >= 0xF1 && c <= 0xF3) return 4;
    if (c == 0xF4) {
        *hi = 0x8F;
        return 4;
    } /* caps at U+10FFFF */
    return 0;
}

void beacon__jw_string(beacon__jw *w, const char *str, size_t n) {
    beacon__jw_char(w, '"');
    beacon__jw_string_body(w, str, n);
    beacon__jw_char(w, '"');
}

/* Index of the first byte at or after i that needs attention (a control
 * character, '"', backslash, DEL or any byte >= 0x80), or n. Eight bytes at
 * a time: most telemetry strings are plain ASCII, copied in one run. */
static size_t skip_plain(const unsigned char *s, size_t i, size_t n) {
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= n) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        /* Classic "has a zero byte" tests: (y - ones) & ~y & highs is nonzero
         * iff some byte of y is zero; "below 0x20" likewise with 0x20. A byte
         * >= 0x7F has its high bit set in x or in x + 1 (no carry can reach a
         * byte from a lower one unless that byte is 0xFF, itself flagged). */
        uint64_t quote = x ^ (ones * 0x22), bslash = x ^ (ones * 0x5C);
        uint64_t hit = ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) |
                       ((bslash - ones) & ~bslash) | x | (x + ones);
        if (hit & highs) break;
        i += 8;
    }
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') break;
        i++;
    }
    return i;
}

void beacon__jw_string_body(beacon__jw *w, const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    while (i < n) {
        i = skip_plain(s, i, n);
        if (i >= n) break;
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            unsigned char lo, hi;
            int need = utf8_lead(c, &lo, &hi);
            int k = 1;
            if (need > 0) {
                while (k < need && i + (size_t)k < n) {
                    unsigned char b = s[i + (size_t)k];
                    if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) break;
                    k++;
                }
            }
            if (need > 0 && k == need) {
                /* U+2028/U+2029 are valid JSON but break JavaScript parsers. */
                if (need == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
                    (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
                    beacon__jw_raw(w, str + run, i - run);
                    beacon__jw_lit(w, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
                    i += 3;
                    run = i;
                } else {
                    i += (size_t)need;
                }
                continue;
            }
            /* Invalid: the maximal subpart (lead + valid continuations seen)
             * becomes one U+FFFD. */
            beacon__jw_raw(w, str + run, i - run);
            beacon__jw_raw(w, "\xEF\xBF\xBD", 3);
            i += (size_t)k;
            run = i;
            continue;
        }
        beacon__jw_raw(w, str + run, i - run);
        switch (c) {
            case '"': beacon__jw_raw(w, "\\\"", 2); break;
            case '\\': beacon__jw_raw(w, "\\\\", 2); break;
            case '\b': beacon__jw_raw(w, "\\b", 2); break;
            case '\f': beacon__jw_raw(w, "\\f", 2); break;
            case '\n': beacon__jw_raw(w, "\\n", 2); break;
            case '\r': beacon__jw_raw(w, "\\r", 2); break;
            case '\t': beacon__jw_raw(w, "\\t", 2); break;
            default: jw_escape_byte(w, c); break; /* other C0 controls and DEL */
        }
        i++;
        run = i;
    }
    beacon__jw_raw(w, str + run, n - run);
}

void beacon__jw_cstr(beacon__jw *w, const char *s) {
    if (!s) {
        beacon__jw_null(w);
        return;
    }
    beacon__jw_string(w, s, strlen(s));
}

void beacon__jw_uint(beacon__jw *w, uint64_t v) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    beacon__jw_raw(w, tmp + sizeof tmp - n, n);
}

void beacon__jw_int(beacon__jw *w, int64_t v) {
    if (v < 0) {
        beacon__jw_char(w, '-');
        /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
        beacon__jw_uint(w, (uint64_t)0 - (uint64_t)v);
    } else {
        beacon__jw_uint(w, (uint64_t)v);
    }
}

/* Fast path for the common case: a value in [1e-4, 1e15) that is exactly
 * m / 10^k for an integer m below 10^15 and k <= 15. With the smallest such
 * k, the decimal m·10^-k is the shortest text that reads back as v (strtod
 * and the division below both round the same rational to nearest), and it is
 * what "%.15g" would print; no snprintf/strtod round trip is needed. Returns
 * 0 when v is not such a value. */
static size_t format_double_decimal(double v, char out[32]) {
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double a = fabs(v);
    if (v == 0) {
        memcpy(out, "0.0", 4);
        return 3;
    }
    if (!(a >= 1e-4 && a < 1e15)) return 0;
    for (int k = 0; k <= 15; k++) {
        double scaled = a * pow10[k];
        if (scaled >= 1e15) return 0;
        double m = nearbyint(scaled);
        if (m / pow10[k] != a) continue;
        uint64_t digits = (uint64_t)m;
        char tmp[24];
        int n = 0;
        do {
            tmp[n++] = (char)('0' + digits % 10);
            digits /= 10;
        } while (digits);
        while (n <= k) tmp[n++] = '0'; /* leading zeros of 0.00ddd */
        size_t len = 0;
        if (v < 0) out[len++] = '-';
        for (int i = n - 1; i >= 0; i--) {
            out[len++] = tmp[i];
            if (i == k && k > 0) out[len++] = '.';
        }
        if (k == 0) {
            out[len++] = '.';
            out[len++] = '0';
        }
        out[len] = '\0';
        return len;
    }
    return 0;
}

size_t beacon__format_double(double v, char out[32]) {
    static const char *const fmts[] = {"%.15g", "%.16g", "%.17g"};
    int n = 0;
    if (!isfinite(v)) return 0;
    if (v == 0 && signbit(v)) {
        /* "-0" reads back as the integer 0 in most parsers; keep the sign. */
        memcpy(out, "-0.0", 5);
        return 4;
    }
    size_t fast = format_double_decimal(v, out);
    if (fast) return fast;
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
        n = snprintf(out, 32, fmts[f], v);
        /* strtod uses the same locale as snprintf, so the round-trip check
         * holds even where the decimal point is not '.'. */
        if (strtod(out, NULL) == v) break;
    }
    if (n < 0) return 0;
    for (int i = 0; i < n; i++) {
        char c = out[i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E')) out[i] = '.';
    }
    /* A double field must read back as a real number, not an integer:
     * 2500 becomes 2500.0 (typed receivers and jansson tell them apart). */
    if (!memchr(out, '.', (size_t)n) && !memchr(out, 'e', (size_t)n) && n + 2 < 32) {
        memcpy(out + n, ".0", 3);
        n += 2;
    }
    return (size_t)n;
}

void beacon__jw_double(beacon__jw *w, double v) {
    char tmp[32];
    size_t n = beacon__format_double(v, tmp);
    if (n == 0) {
        beacon__jw_null(w);
        return;
    }
    beacon__jw_raw(w, tmp, n);
}

void beacon__jw_bool(beacon__jw *w, bool v) {
    if (v) {
        beacon__jw_raw(w, "true", 4);
    } else {
        beacon__jw_raw(w, "false", 5);
    }
}

void beacon__jw_null(beacon__jw *w) {
    beacon__jw_raw(w, "null", 4);
}

void beacon__jw_hex(beacon__jw *w, const uint8_t *bytes, size_t n) {
    char chunk[64]; /* ids are 8 or 16 bytes: one raw write each */
    beacon__jw_char(w, '"');
    while (n > 0) {
        size_t take = n < sizeof chunk / 2 ? n : sizeof chunk / 2;
        for (size_t i = 0; i < take; i++) {
            chunk[2 * i] = k_hex[bytes[i] >> 4];
            chunk[2 * i + 1] = k_hex[bytes[i] & 0xF];
        }
        beacon__jw_raw(w, chunk, 2 * take);
        bytes += take;
        n -= take;
    }
    beacon__jw_char(w, '"');
}

static void put_digits(char *p, int64_t v, int width) {
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void beacon__jw_time(beacon__jw *w, int64_t ns) {
    /* Floor division so times before 1970 still get a non-negative fraction. */
    int64_t secs = ns / 1000000000;
    int64_t frac = ns % 1000000000;
    if (frac < 0) {
        frac += 1000000000;
        secs -= 1;
    }
    /* Consecutive events mostly share their second: the date and clock part
     * is computed once per second per thread. */
    static _Thread_local int64_t cached_secs = INT64_MIN;
    static _Thread_local char cached[19];
    char out[32];
    if (secs != cached_secs) {
        int64_t days = secs / 86400;
        int64_t sod = secs % 86400;
        if (sod < 0) {
            sod += 86400;
            days -= 1;
        }
        /* Civil date from days since 1970-01-01 (H. Hinnant's algorithm); pure
         * arithmetic, so no gmtime_r, time zone or locale is involved. */
        int64_t z = days + 719468;
        int64_t era = (z >= 0 ? z : z - 146096) / 146097;
        int64_t doe = z - era * 146097;
        int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int64_t y = yoe + era * 400;
        int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int64_t mp = (5 * doy + 2) / 153;
        int64_t d = doy - (153 * mp + 2) / 5 + 1;
        int64_t m = mp < 10 ? mp + 3 : mp - 9;
        if (m <= 2) y += 1;

        put_digits(cached, y, 4); /* int64 ns spans years 1677..2262 */
        cached[4] = '-';
        put_digits(cached + 5, m, 2);
        cached[7] = '-';
        put_digits(cached + 8, d, 2);
        cached[10] = 'T';
        put_digits(cached + 11, sod / 3600, 2);
        cached[13] = ':';
        put_digits(cached + 14, (sod / 60) % 60, 2);
        cached[16] = ':';
        put_digits(cached + 17, sod % 60, 2);
        cached_secs = secs;
    }
    memcpy(out, cached, sizeof cached);
    out[19] = '.';
    put_digits(out + 20, frac, 9);
    out[29] = 'Z';
    beacon__jw_char(w, '"');
    beacon__jw_raw(w, out, 30);
    beacon__jw_char(w, '"');
}

size_t beacon__utf8_cut(const char *str, size_t n, size_t max) {
    const unsigned char *s = (const unsigned char *)str;
    if (n <= max) return n;
    size_t j = max;
    /* Walk back over at most three continuation bytes to the lead byte of the
     * sequence that straddles the cut; stray continuations are cut as-is. */
    while (j > 0 && max - j < 3 && (s[j] & 0xC0) == 0x80) j--;
    if (j < max && s[j] >= 0xC0) {
        unsigned char lo, hi;
        int need = utf8_lead(s[j], &lo, &hi);
        if (need > 0 && j + (size_t)need > max) return j;
    }
    return max;
}

/* ---- descriptor names ------------------------------------------------------
 * Event, catalog, category, field and enum-value names come from generated
 * descriptors: static strings that never change. The worker writes a dozen of
 * them per event, so their quoted, escaped form is kept in a small process-
 * wide table keyed by the string's address. A slot is claimed once (CAS
 * 0 -> 1), filled, then published (2, release); a taken slot is never
 * replaced, so a collision only means the slow path for that name. */
#define NAME_SLOTS 512
#define NAME_TEXT  54

typedef struct name_slot {
    _Atomic unsigned char state; /* 0 empty, 1 being filled, 2 ready */
    unsigned char len;
    char text[NAME_TEXT];
    const char *_Atomic key;
} name_slot;

static name_slot g_names[NAME_SLOTS];

void beacon__jw_name(beacon__jw *w, const char *s) {
    if (!s) {
        beacon__jw_null(w);
        return;
    }
    uintptr_t h = ((uintptr_t)s >> 3) * (uintptr_t)0x9E3779B97F4A7C15ull;
    name_slot *slot = &g_names[(h >> 20) % NAME_SLOTS];
    unsigned char st = atomic_load_explicit(&slot->state, memory_order_acquire);
    if (st == 2 && atomic_load_explicit(&slot->key, memory_order_relaxed) == s) {
        beacon__jw_raw(w, slot->text, slot->len);
        return;
    }
    size_t start = w->len;
    beacon__jw_cstr(w, s);
    size_t n = w->len - start;
    unsigned char empty = 0;
    /* Only a fully written name that fits is memoised. */
    if (st == 0 && n <= NAME_TEXT && w->len < w->cap &&
        atomic_compare_exchange_strong(&slot->state, &empty, 1)) {
        memcpy(slot->text, w->buf + start, n);
        slot->len = (unsigned char)n;
        atomic_store_explicit(&slot->key, s, memory_order_relaxed);
        atomic_store_explicit(&slot->state, 2, memory_order_release);
    }
}
