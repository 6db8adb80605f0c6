/* text.c — hex, percent-decoding and globs (text.h). */
#include "core/text.h"

#include <string.h>

static const char k_hex[] = "0123456789abcdef";

int beacon__hex_digit(int c, bool lower_only) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (!lower_only && c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool beacon__hex_decode(const char *s, size_t n, uint8_t *out, bool lower_only) {
    for (size_t i = 0; i < n; i++) {
        int hi = beacon__hex_digit((unsigned char)s[2 * i], lower_only);
        int lo = beacon__hex_digit((unsigned char)s[2 * i + 1], lower_only);
        if (hi < 0 || lo < 0) return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void beacon__hex_encode(const uint8_t *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = k_hex[b[i] >> 4];
        out[2 * i + 1] = k_hex[b[i] & 15];
    }
}

bool beacon__percent_decode(const char *s, size_t n, char *out, size_t *out_len) {
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            out[j++] = s[i];
            continue;
        }
        int hi = i + 1 < n ? beacon__hex_digit((unsigned char)s[i + 1], false) : -1;
        int lo = i + 2 < n ? beacon__hex_digit((unsigned char)s[i + 2], false) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return false;
        out[j++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[j] = '\0';
    *out_len = j;
    return true;
}

bool beacon__glob_match(const char *glob, const char *s) {
    if (!s) return strcmp(glob, "*") == 0;
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*glob == '*') {
            star = glob++;
            resume = s;
        } else if (*glob == '?' || *glob == *s) {
            glob++;
            s++;
        } else if (star) {
            glob = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*glob == '*') glob++;
    return *glob == '\0';
}
