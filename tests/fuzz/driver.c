/* driver.c — a plain main() for the fuzz targets, used where libFuzzer is not
 * available (gcc builds, their ASan/UBSan variant): replays every corpus file
 * given, then runs deterministic pseudo-random inputs (mutations of the
 * corpus with a dictionary of tokens the targets care about) through the
 * same LLVMFuzzerTestOneInput.
 *
 *   <target>_replay [-runs=N] [-seed=S] [-max_len=L] <file or dir>...
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct input {
    uint8_t *data;
    size_t len;
} input;

static input *g_corpus;
static size_t g_count, g_cap;

static void add_input(uint8_t *data, size_t len) {
    if (g_count == g_cap) {
        g_cap = g_cap ? 2 * g_cap : 64;
        g_corpus = realloc(g_corpus, g_cap * sizeof *g_corpus);
        if (!g_corpus) abort();
    }
    g_corpus[g_count++] = (input){data, len};
}

static void load_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "driver: cannot open %s\n", path);
        exit(2);
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) abort();
    add_input(buf, len);
}

static void load_path(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "driver: no such file or directory: %s\n", path);
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        load_file(path);
        return;
    }
    DIR *d = opendir(path);
    if (!d) exit(2);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) abort();
        snprintf(p, n, "%s/%s", path, e->d_name);
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) load_file(p);
        free(p);
    }
    closedir(d);
}

static uint64_t g_rng;

static uint64_t next(void) {
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

static const char *const k_tokens[] = {
    "@",       ".",    "-",    ":",   "::",   "eyJ", "Bearer ", "password=", "\"",
    "'",       "4111", "555-", "+1 ", "(",    ")",   "0",       "1",         "9",
    " ",       "\t",   "\n",   "é",   "\xff", "=",   "&",       "192.168.",  "00-",
    "-01",     "ff",   "cc-",  "a",   "f",    "/",   "\\",      "token: ",   "Authorization: ",
    "123-45-", "6789", "\0",   ",",
};

/* One random input of at most max_len bytes in buf; returns its length. */
static size_t make_input(uint8_t *buf, size_t max_len) {
    size_t len = 0;
    if (g_count && next() % 4 != 0) { /* start from a corpus entry */
        const input *src = &g_corpus[next() % g_count];
        len = src->len < max_len ? src->len : max_len;
        memcpy(buf, src->data, len);
    }
    int edits = 1 + (int)(next() % 8);
    for (int e = 0; e < edits; e++) {
        size_t pos = len ? next() % (len + 1) : 0;
        switch (next() % 4) {
            case 0: /* insert a token */ {
                const char *t = k_tokens[next() % (sizeof k_tokens / sizeof k_tokens[0])];
                size_t tl = t[0] ? strlen(t) : 1;
                if (len + tl > max_len) break;
                memmove(buf + pos + tl, buf + pos, len - pos);
                memcpy(buf + pos, t, tl);
                len += tl;
                break;
            }
            case 1: /* overwrite a byte */
                if (pos < len) buf[pos] = (uint8_t)next();
                break;
            case 2: /* delete a span */
                if (pos < len) {
                    size_t n = 1 + next() % (len - pos);
                    memmove(buf + pos, buf + pos + n, len - pos - n);
                    len -= n;
                }
                break;
            default: /* duplicate a span */
                if (pos < len) {
                    size_t n = 1 + next() % (len - pos);
                    if (len + n > max_len) break;
                    memmove(buf + pos + n, buf + pos, len - pos);
                    len += n;
                }
                break;
        }
    }
    return len;
}

int main(int argc, char **argv) {
    long runs = 10000;
    unsigned long long seed = 1;
    size_t max_len = 4096;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "-runs=", 6) == 0) {
            runs = strtol(argv[i] + 6, NULL, 10);
        } else if (strncmp(argv[i], "-seed=", 6) == 0) {
            seed = strtoull(argv[i] + 6, NULL, 10);
        } else if (strncmp(argv[i], "-max_len=", 9) == 0) {
            max_len = (size_t)strtoull(argv[i] + 9, NULL, 10);
        } else {
            load_path(argv[i]);
        }
    }
    g_rng = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < g_count; i++) {
        /* An exact-size copy, so ASan catches a read past the end. */
        uint8_t *copy = malloc(g_corpus[i].len ? g_corpus[i].len : 1);
        if (!copy) abort();
        memcpy(copy, g_corpus[i].data, g_corpus[i].len);
        LLVMFuzzerTestOneInput(copy, g_corpus[i].len);
        free(copy);
    }
    uint8_t *buf = malloc(max_len ? max_len : 1);
    if (!buf) abort();
    for (long r = 0; r < runs; r++) {
        size_t len = make_input(buf, max_len);
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy) abort();
        memcpy(copy, buf, len);
        LLVMFuzzerTestOneInput(copy, len);
        free(copy);
    }
    printf("driver: %zu corpus inputs and %ld generated inputs passed\n", g_count, runs);
    free(buf);
    for (size_t i = 0; i < g_count; i++) free(g_corpus[i].data);
    free(g_corpus);
    return 0;
}
