/* json.c — bounded JSON writer: strings (UTF-8 repair + escaping), numbers,
 * hex ids and RFC 3339 times. No allocation, no locale-dependent output;
 * serialize.c builds events on top of it.
 */
#include "json.h"

#include <math.h>
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

void beacon__jw_raw(beacon__jw *w, const char *s, size_t n) {
    if (n == 0) return;
    /* Keep one byte free for the terminator, as snprintf does. */
    if (w->len + 1 < w->cap) {
        size_t room = w->cap - 1 - w->len;
        memcpy(w->buf + w->len, s, n < room ? n : room);
    }
    w->len += n;
}

void beacon__jw_lit(beacon__jw *w, const char *s) {
    beacon__jw_raw(w, s, strlen(s));
}

void beacon__jw_char(beacon__jw *w, char c) {
    if (w->len + 1 < w->cap) {
        w->buf[w->len] = c;
    }
    w->len++;
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
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    size_t run = 0; /* start of the pending run of bytes copied verbatim */
    beacon__jw_char(w, '"');
    while (i < n) {
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
    beacon__jw_char(w, '"');
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

size_t beacon__format_double(double v, char out[32]) {
    static const char *const fmts[] = {"%.15g", "%.16g", "%.17g"};
    int n = 0;
    if (!isfinite(v)) return 0;
    if (v == 0 && signbit(v)) {
        /* "-0" reads back as the integer 0 in most parsers; keep the sign. */
        memcpy(out, "-0.0", 5);
        return 4;
    }
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
    beacon__jw_char(w, '"');
    for (size_t i = 0; i < n; i++) {
        char two[2] = {k_hex[bytes[i] >> 4], k_hex[bytes[i] & 0xF]};
        beacon__jw_raw(w, two, 2);
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

    char out[32];
    put_digits(out, y, 4); /* int64 ns spans years 1677..2262 */
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = 'T';
    put_digits(out + 11, sod / 3600, 2);
    out[13] = ':';
    put_digits(out + 14, (sod / 60) % 60, 2);
    out[16] = ':';
    put_digits(out + 17, sod % 60, 2);
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
