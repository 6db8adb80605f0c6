/* json.h — the runtime's hand-written JSON writer (internal).
 *
 * A bounded writer with snprintf semantics: it keeps counting the length the
 * full output needs while storing only what fits, and never allocates. Used by
 * serialize.c for events and by worker/pipeline.c for the stats object.
 */
#ifndef BEACON_SRC_JSON_H
#define BEACON_SRC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct beacon__jw {
    char *buf;  /* may be NULL when cap == 0 */
    size_t cap; /* bytes available in buf, including room for the NUL */
    size_t len; /* bytes the output needs so far (may exceed cap) */
} beacon__jw;

void beacon__jw_init(beacon__jw *w, char *buf, size_t cap);

/* Terminates like snprintf: the NUL goes at len when it fits, otherwise at
 * cap - 1 (cap > 0). Returns the full length needed, excluding the NUL. */
size_t beacon__jw_finish(beacon__jw *w);

/* Copies s[0..n) to d[0..n) like memcpy (no overlap; pointers may be NULL
 * only when n == 0); no shared state. Keys, names and numbers are mostly
 * under 32 bytes: a few overlapping word moves each instead of a libc call
 * for a length the compiler cannot see. */
static inline void beacon__copy_short(char *d, const char *s, size_t n) {
    uint64_t a, b, c, e;
    uint32_t x, y;
    if (n > 32) {
        memcpy(d, s, n);
    } else if (n > 16) {
        memcpy(&a, s, 8);
        memcpy(&b, s + 8, 8);
        memcpy(&c, s + n - 16, 8);
        memcpy(&e, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + 8, &b, 8);
        memcpy(d + n - 16, &c, 8);
        memcpy(d + n - 8, &e, 8);
    } else if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&e, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &e, 8);
    } else if (n >= 4) {
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        memcpy(d, &x, 4);
        memcpy(d + n - 4, &y, 4);
    } else if (n > 0) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

/* The two primitives every other writer goes through; inline because the
 * worker calls them several times per field. */
static inline void beacon__jw_raw(beacon__jw *w, const char *s, size_t n) {
    /* Keep one byte free for the terminator, as snprintf does. */
    if (w->len + n < w->cap) {
        beacon__copy_short(w->buf + w->len, s, n);
    } else if (n && w->len + 1 < w->cap) {
        memcpy(w->buf + w->len, s, w->cap - 1 - w->len);
    }
    w->len += n;
}

static inline void beacon__jw_char(beacon__jw *w, char c) {
    if (w->len + 1 < w->cap) w->buf[w->len] = c;
    w->len++;
}

/* NUL-terminated raw text; inline so strlen of a literal folds away. */
static inline void beacon__jw_lit(beacon__jw *w, const char *s) {
    beacon__jw_raw(w, s, strlen(s));
}

/* A quoted JSON string from n bytes of s: invalid UTF-8 becomes U+FFFD (one
 * per maximal invalid subpart), control characters, DEL, U+2028 and U+2029
 * are escaped. s may be NULL only when n == 0. */
void beacon__jw_string(beacon__jw *w, const char *s, size_t n);
/* The escaped content of such a string without the quotes, so a string can
 * be written in pieces (the scrubber's output); pieces must not split a UTF-8
 * sequence. */
void beacon__jw_string_body(beacon__jw *w, const char *s, size_t n);
/* Same for a NUL-terminated string; NULL writes `null`. */
void beacon__jw_cstr(beacon__jw *w, const char *s);
/* Same as beacon__jw_cstr for a name from a generated descriptor (static
 * storage, never modified): its JSON form is memoised by address. */
void beacon__jw_name(beacon__jw *w, const char *s);

void beacon__jw_int(beacon__jw *w, int64_t v);
void beacon__jw_uint(beacon__jw *w, uint64_t v);
/* Shortest text that parses back to the same double; non-finite → null. */
void beacon__jw_double(beacon__jw *w, double v);
void beacon__jw_bool(beacon__jw *w, bool v);
void beacon__jw_null(beacon__jw *w);
/* A quoted lowercase hex string of n bytes. */
void beacon__jw_hex(beacon__jw *w, const uint8_t *bytes, size_t n);
/* A quoted RFC 3339 UTC time with 9 fractional digits. */
void beacon__jw_time(beacon__jw *w, int64_t ns_since_epoch);

/* Length of the longest prefix of s[0..n) that is at most max bytes and does
 * not split a well-formed UTF-8 sequence. */
size_t beacon__utf8_cut(const char *s, size_t n, size_t max);

/* Formats a double with the shortest round-trip representation into out
 * (at least 32 bytes), '.' as decimal point whatever the locale. Returns the
 * length, or 0 when v is not finite. */
size_t beacon__format_double(double v, char out[32]);

#endif /* BEACON_SRC_JSON_H */
