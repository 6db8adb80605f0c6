/* wbuf.c — the growable byte buffer the wire formats write into. JSON
 * strings go through the runtime's own escaper (json.c), so every format
 * escapes text exactly as the canonical event does. */
#include "format/wbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json.h"

bool beacon__wbuf_reserve(beacon__wbuf *b, size_t n) {
    if (b->failed) return false;
    if (b->cap - b->len >= n) return true;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap - b->len < n) {
        if (ncap > SIZE_MAX / 2) {
            b->failed = true;
            return false;
        }
        ncap *= 2;
    }
    char *d = realloc(b->data, ncap);
    if (!d) {
        b->failed = true;
        return false;
    }
    b->data = d;
    b->cap = ncap;
    return true;
}

void beacon__wbuf_json_string(beacon__wbuf *b, const char *s, size_t n) {
    beacon__jw w;
    beacon__jw_init(&w, NULL, 0);
    beacon__jw_string(&w, s, n);
    size_t need = beacon__jw_finish(&w);
    if (!beacon__wbuf_reserve(b, need + 1)) return;
    beacon__jw_init(&w, b->data + b->len, need + 1);
    beacon__jw_string(&w, s, n);
    b->len += beacon__jw_finish(&w);
}

void beacon__wbuf_json_body(beacon__wbuf *b, const char *s, size_t n) {
    beacon__jw w;
    beacon__jw_init(&w, NULL, 0);
    beacon__jw_string_body(&w, s, n);
    size_t need = beacon__jw_finish(&w);
    if (!beacon__wbuf_reserve(b, need + 1)) return;
    beacon__jw_init(&w, b->data + b->len, need + 1);
    beacon__jw_string_body(&w, s, n);
    b->len += beacon__jw_finish(&w);
}

void beacon__wbuf_int(beacon__wbuf *b, int64_t v) {
    char t[24];
    int n = snprintf(t, sizeof t, "%" PRId64, v);
    beacon__wbuf_put(b, t, (size_t)n);
}

void beacon__wbuf_uint(beacon__wbuf *b, uint64_t v) {
    char t[24];
    int n = snprintf(t, sizeof t, "%" PRIu64, v);
    beacon__wbuf_put(b, t, (size_t)n);
}

void beacon__wbuf_reset(beacon__wbuf *b) {
    b->len = 0;
    b->failed = false;
}

void beacon__wbuf_free(beacon__wbuf *b) {
    if (!b) return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = false;
}
