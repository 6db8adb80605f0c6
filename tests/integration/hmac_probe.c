/* hmac_probe.c — beacon-hmac-probe: exposes the runtime's keyed hashing to
 * tests/integration/test_hmac.py, which checks it against Python's hmac.
 *
 *   beacon-hmac-probe          stdin lines "<key hex> <message hex>" →
 *                              stdout lines "<32 hex>" (or "error")
 *   beacon-hmac-probe --env    key from BEACON_HASH_KEY / BEACON_HASH_KEY_ID;
 *                              first line "key_id <id>" (or "error <why>",
 *                              exit 2, or "nokey", exit 3), then stdin lines
 *                              "<message hex>" → "<32 hex>"
 * Hex on stdin keeps every byte (NUL, newline, invalid UTF-8) intact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privacy/pii_hash.h"

static int hex_val(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes n hex chars of s into out (n / 2 bytes); -1 on bad input. */
static long unhex(const char *s, size_t n, unsigned char *out) {
    if (n % 2) return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_val((unsigned char)s[i]), lo = hex_val((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return (long)(n / 2);
}

/* Reads one line of any length; returns NULL at EOF. */
static char *read_line(char **buf, size_t *cap) {
    size_t len = 0;
    int c;
    while ((c = getchar()) != EOF && c != '\n') {
        if (len + 1 >= *cap) {
            *cap = *cap ? 2 * *cap : 256;
            *buf = realloc(*buf, *cap);
            if (!*buf) exit(1);
        }
        (*buf)[len++] = (char)c;
    }
    if (c == EOF && len == 0) return NULL;
    if (!*buf) {
        *cap = 1;
        *buf = malloc(1);
        if (!*buf) exit(1);
    }
    (*buf)[len] = '\0';
    return *buf;
}

static void hash_line(const beacon__hasher *h, const char *hex) {
    size_t n = strlen(hex);
    unsigned char *msg = malloc(n / 2 + 1);
    char out[BEACON__HASH_HEX_LEN + 1];
    long len = msg ? unhex(hex, n, msg) : -1;
    if (len >= 0 && beacon__hasher_hex(h, (const char *)msg, (size_t)len, out)) {
        puts(out);
    } else {
        puts("error");
    }
    free(msg);
}

int main(int argc, char **argv) {
    char *line = NULL;
    size_t cap = 0;
    if (argc > 1 && strcmp(argv[1], "--env") == 0) {
        beacon__hasher *h = NULL;
        const char *why = NULL;
        beacon_status st = beacon__hasher_from_env(&h, &why);
        if (st != BEACON_OK) {
            printf("error %s\n", why ? why : "unknown");
            return 2;
        }
        if (!h) {
            puts("nokey");
            return 3;
        }
        printf("key_id %s\n", beacon__hasher_key_id(h));
        while (read_line(&line, &cap)) hash_line(h, line);
        beacon__hasher_free(h);
        free(line);
        return 0;
    }
    while (read_line(&line, &cap)) {
        char *space = strchr(line, ' ');
        if (!space) {
            puts("error");
            continue;
        }
        size_t kn = (size_t)(space - line);
        unsigned char *key = malloc(kn / 2 + 1);
        long klen = key ? unhex(line, kn, key) : -1;
        beacon__hasher *h = klen >= 0 ? beacon__hasher_new(key, (size_t)klen, "probe") : NULL;
        if (h) {
            hash_line(h, space + 1);
        } else {
            puts("error");
        }
        beacon__hasher_free(h);
        free(key);
    }
    free(line);
    return 0;
}
