/* json.c — bounded JSON writer: strings (UTF-8 repair + escaping), numbers,
 * hex ids and RFC 3339 times. No allocation, no locale-dependent output;
 * serialize.c builds events on top of it.
 */
#include "format/json.h"

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

/* Where a number, id or time of at most n bytes is built: in place when it
 * fits, otherwise in scratch, which put_end copies with the writer's usual
 * truncation. In place also means the bytes are not read back right after
 * being stored piecewise, which would stall store forwarding. */
static char *put_begin(beacon__jw *w, size_t n, char *scratch) {
    return w->len + n < w->cap ? w->buf + w->len : scratch;
}

/* Appends the n bytes built at p (from put_begin). */
static void put_end(beacon__jw *w, const char *p, size_t n, const char *scratch) {
    if (p == scratch) {
        beacon__jw_raw(w, p, n);
    } else {
        w->len += n;
    }
}

static const char k_hex[] = "0123456789abcdef";

/* Two characters per byte or per number below 100, so ids and numbers are
 * written a pair at a time. */
static const char k_hex_pairs[2 * 256 + 1] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
static const char k_dec_pairs[2 * 100 + 1] = "0001020304050607080910111213141516171819"
                                             "2021222324252627282930313233343536373839"
                                             "4041424344454647484950515253545556575859"
                                             "6061626364656667686970717273747576777879"
                                             "8081828384858687888990919293949596979899";

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

/* Whether any of the 8 bytes at p needs attention: a control character,
 * '"', backslash, DEL or a byte >= 0x80. Worked per byte on the low seven
 * bits y, where no sum carries into the next byte: y + 0x60 has its top bit
 * clear iff y < 0x20, y + 1 has it set iff y == 0x7F, and (y ^ c) + 0x7F
 * has it clear iff y == c. */
static inline bool word_needs_attention(const unsigned char *p) {
    const uint64_t ones = 0x0101010101010101ull, highs = ones * 0x80;
    uint64_t x;
    memcpy(&x, p, 8);
    uint64_t y = x & ~highs;
    uint64_t plain =
        (y + ones * 0x60) & ((y ^ ones * 0x22) + ones * 0x7F) & ((y ^ ones * 0x5C) + ones * 0x7F);
    return ((x | (y + ones) | ~plain) & highs) != 0;
}

/* Index of the first byte at or after i that needs attention, or n. Eight
 * bytes at a time: most telemetry strings are plain ASCII, copied in one
 * run. */
static size_t skip_plain(const unsigned char *s, size_t i, size_t n) {
    while (i + 8 <= n && !word_needs_attention(s + i)) i += 8;
    /* The tail as one word ending at n, overlapping bytes already passed. */
    if (i < n && n >= 8 && i + 8 > n && !word_needs_attention(s + n - 8)) return n;
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

/* The common case of beacon__jw_string: at least 8 bytes of plain ASCII
 * that fit, checked and copied a word at a time in one pass. Returns false,
 * having written nothing, when the string does not qualify. */
static bool string_plain_in_place(beacon__jw *w, const char *str, size_t n) {
    if (n < 8 || w->len + n + 2 >= w->cap) return false;
    const unsigned char *s = (const unsigned char *)str;
    char *d = w->buf + w->len + 1;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        if (word_needs_attention(s + i)) return false;
        memcpy(d + i, s + i, 8);
    }
    if (i < n) {
        if (word_needs_attention(s + n - 8)) return false;
        memcpy(d + n - 8, s + n - 8, 8);
    }
    d[-1] = '"';
    d[n] = '"';
    w->len += n + 2;
    return true;
}

void beacon__jw_string(beacon__jw *w, const char *str, size_t n) {
    if (string_plain_in_place(w, str, n)) return;
    beacon__jw_char(w, '"');
    beacon__jw_string_body(w, str, n);
    beacon__jw_char(w, '"');
}

void beacon__jw_cstr(beacon__jw *w, const char *s) {
    if (!s) {
        beacon__jw_null(w);
        return;
    }
    beacon__jw_string(w, s, strlen(s));
}

/* Number of decimal digits of v (1 for 0). */
static unsigned decimal_len(uint64_t v) {
    static const uint64_t pow10[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};
    /* From the bit length (1233 / 4096 ~ log10 2), then one correction
     * (Bit Twiddling Hacks, "integer log base 10"). v | 1 has as many digits
     * as v and a bit length for 0. */
    uint64_t x = v | 1;
    unsigned t = ((64u - (unsigned)__builtin_clzll(x)) * 1233u) >> 12;
    return t + 1 - (x < pow10[t]);
}

/* Writes the decimal digits of v so that they end just before end; returns
 * where they start. */
static char *digits_before(char *end, uint64_t v) {
    while (v >= 100) {
        end -= 2;
        memcpy(end, k_dec_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, k_dec_pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

void beacon__jw_uint(beacon__jw *w, uint64_t v) {
    char tmp[20];
    unsigned n = decimal_len(v);
    char *p = put_begin(w, n, tmp);
    digits_before(p + n, v);
    put_end(w, p, n, tmp);
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
        /* scaled < 1e15 < 2^52, so adding 0.5 is exact and the truncation
         * rounds to nearest (ties, which fail the check below with either
         * neighbour, go up instead of to even); no libm call. */
        double m = (double)(uint64_t)(scaled + 0.5);
        if (m / pow10[k] != a) continue;
        uint64_t digits = (uint64_t)m;
        unsigned nd = decimal_len(digits);
        size_t len = 0;
        if (v < 0) out[len++] = '-';
        char *p = out + len;
        if (k == 0) {
            digits_before(p + nd, digits);
            memcpy(p + nd, ".0", 3);
            return len + nd + 2;
        }
        /* All digits one place to the right (with the leading zeros of
         * 0.00ddd), then the integer part moves left to open the point. */
        unsigned width = nd > (unsigned)k ? nd : (unsigned)k + 1;
        digits_before(p + 1 + width, digits);
        for (unsigned i = 1; i <= width - nd; i++) p[i] = '0';
        for (unsigned i = 0; i < width - (unsigned)k; i++) p[i] = p[i + 1];
        p[width - (unsigned)k] = '.';
        p[width + 1] = '\0';
        return len + width + 1;
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
    char *p = put_begin(w, sizeof tmp, tmp);
    size_t n = beacon__format_double(v, p);
    /* n < 32 always; saying so lets the compiler see a copy stays in tmp. */
    if (n == 0 || n >= sizeof tmp) {
        beacon__jw_null(w);
        return;
    }
    put_end(w, p, n, tmp);
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

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The eight lowercase hex digits of b[0..4), in order, as one 64-bit word
 * to store little-endian: each byte is spread to a 16-bit lane, its high
 * nibble to the lane's first byte and its low nibble to the second, and
 * every nibble becomes '0'..'9' or 'a'..'f' in all eight bytes at once
 * (nibbles above 9 get 'a' - '0' - 10 = 0x27 more). */
static inline uint64_t hex4(const uint8_t *b) {
    uint32_t x;
    memcpy(&x, b, sizeof x);
    uint64_t v = x;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    uint64_t n = ((v >> 4) & 0x000F000F000F000Full) | ((v & 0x000F000F000F000Full) << 8);
    uint64_t above9 = ((n + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull;
    return n + 0x3030303030303030ull + above9 * 0x27;
}
#define BEACON__HEX4 1
#endif

#if defined(__SSE2__)
#include <emmintrin.h>
/* The 32 lowercase hex digits of b[0..16) into out[0..32): the high and
 * low nibbles of every byte interleaved, then '0' added to all and 'a' -
 * '0' - 10 more to those above 9. SSE2 is part of every x86-64 CPU. */
static inline void hex16(char *out, const uint8_t *b) {
    __m128i in = _mm_loadu_si128((const __m128i *)(const void *)b);
    __m128i nib = _mm_set1_epi8(0x0F);
    __m128i hi = _mm_and_si128(_mm_srli_epi16(in, 4), nib);
    __m128i lo = _mm_and_si128(in, nib);
    __m128i d[2] = {_mm_unpacklo_epi8(hi, lo), _mm_unpackhi_epi8(hi, lo)};
    for (int k = 0; k < 2; k++) {
        __m128i above9 = _mm_and_si128(_mm_cmpgt_epi8(d[k], _mm_set1_epi8(9)), _mm_set1_epi8(0x27));
        d[k] = _mm_add_epi8(_mm_add_epi8(d[k], _mm_set1_epi8('0')), above9);
        _mm_storeu_si128((__m128i *)(void *)(out + 16 * k), d[k]);
    }
}
#define BEACON__HEX16 1
#endif

void beacon__jw_hex(beacon__jw *w, const uint8_t *bytes, size_t n) {
    if (w->len + 2 * n + 2 < w->cap) {
        char *p = w->buf + w->len;
        *p++ = '"';
        size_t i = 0;
#ifdef BEACON__HEX16
        for (; i + 16 <= n; i += 16, p += 32) hex16(p, bytes + i);
#endif
#ifdef BEACON__HEX4
        for (; i + 4 <= n; i += 4, p += 8) {
            uint64_t digits = hex4(bytes + i);
            memcpy(p, &digits, sizeof digits);
        }
#endif
        for (; i < n; i++, p += 2) memcpy(p, k_hex_pairs + 2 * bytes[i], 2);
        *p = '"';
        w->len += 2 * n + 2;
        return;
    }
    beacon__jw_char(w, '"');
    for (size_t i = 0; i < n; i++) beacon__jw_raw(w, k_hex_pairs + 2 * bytes[i], 2);
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
    static _Thread_local char cached[20]; /* `"YYYY-MM-DDTHH:MM:SS` */
    char tmp[32];
    char *out = put_begin(w, sizeof tmp, tmp);
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

        cached[0] = '"';
        put_digits(cached + 1, y, 4); /* int64 ns spans years 1677..2262 */
        cached[5] = '-';
        put_digits(cached + 6, m, 2);
        cached[8] = '-';
        put_digits(cached + 9, d, 2);
        cached[11] = 'T';
        put_digits(cached + 12, sod / 3600, 2);
        cached[14] = ':';
        put_digits(cached + 15, (sod / 60) % 60, 2);
        cached[17] = ':';
        put_digits(cached + 18, sod % 60, 2);
        cached_secs = secs;
    }
    memcpy(out, cached, sizeof cached);
    out[20] = '.';
    /* Nine fraction digits: the last one alone, then four pairs. */
    uint32_t f = (uint32_t)frac;
    out[29] = (char)('0' + f % 10);
    f /= 10;
    for (int i = 27; i >= 21; i -= 2, f /= 100) memcpy(out + i, k_dec_pairs + 2 * (f % 100), 2);
    out[30] = 'Z';
    out[31] = '"';
    put_end(w, out, sizeof tmp, tmp);
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
