/* wbuf.h — a growable byte buffer for wire bodies (internal).
 *
 * The formats in this folder build request bodies into it; the HTTP sink
 * keeps encoded events in one. An allocation failure latches `failed` and
 * turns every later append into a no-op, so callers check once at the end.
 */
#ifndef BEACON_SRC_FORMAT_WBUF_H
#define BEACON_SRC_FORMAT_WBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct beacon__wbuf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed: contents are incomplete */
} beacon__wbuf;

/* Makes room for n more bytes; false (and failed set) when out of memory.
 * Not thread-safe (one owner). */
bool beacon__wbuf_reserve(beacon__wbuf *b, size_t n);
/* Appends n bytes of s (copied); s may be NULL only when n == 0. Inline:
 * the formats call it several times per field. */
static inline void beacon__wbuf_put(beacon__wbuf *b, const void *s, size_t n) {
    if (b->cap - b->len < n && !beacon__wbuf_reserve(b, n)) return;
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
}
/* Appends a NUL-terminated string (copied; NULL appends nothing). */
static inline void beacon__wbuf_puts(beacon__wbuf *b, const char *s) {
    if (s) beacon__wbuf_put(b, s, strlen(s));
}
static inline void beacon__wbuf_putc(beacon__wbuf *b, char c) {
    if (b->cap == b->len && !beacon__wbuf_reserve(b, 1)) return;
    b->data[b->len++] = c;
}
/* Appends a quoted JSON string of n bytes of s (escaped as the canonical
 * serializer does). */
void beacon__wbuf_json_string(beacon__wbuf *b, const char *s, size_t n);
/* The same without the quotes (the escaped content only). */
void beacon__wbuf_json_body(beacon__wbuf *b, const char *s, size_t n);
/* Appends the decimal text of v. */
void beacon__wbuf_int(beacon__wbuf *b, int64_t v);
void beacon__wbuf_uint(beacon__wbuf *b, uint64_t v);
/* Empties the buffer, keeping its memory, and clears failed. */
void beacon__wbuf_reset(beacon__wbuf *b);
/* Releases the memory; b is empty afterwards. NULL is a no-op. */
void beacon__wbuf_free(beacon__wbuf *b);

#endif /* BEACON_SRC_FORMAT_WBUF_H */
