/* fuzz_scrub.c — fuzz target for the scrubber (runtime/src/scrub.c).
 * Properties: the output length is within beacon__scrub_bound, identical on
 * a rerun, every capacity yields a NUL-terminated prefix without overrun,
 * and the piece stream covers the input in order with unmatched bytes
 * copied verbatim. Built for libFuzzer, or with driver.c as a plain program.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privacy/scrub.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_scrub: check failed at line %d: %s\n", __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

typedef struct cover {
    const char *in;
    size_t next_off;
    size_t total;
} cover;

static void check_piece(void *user, const beacon__scrub_piece *p) {
    cover *c = user;
    CHECK(p->in_off == c->next_off);
    if (p->kind == BEACON__SCRUB_TEXT) {
        CHECK(p->len == p->in_len);
        CHECK(p->text == c->in + p->in_off);
    } else {
        CHECK(p->kind > BEACON__SCRUB_TEXT && p->kind < BEACON__SCRUB_KIND_COUNT);
        CHECK(p->in_len > 0);
        CHECK(p->len == strlen(beacon__scrub_placeholder(p->kind)));
        CHECK(memcmp(p->text, beacon__scrub_placeholder(p->kind), p->len) == 0);
    }
    c->next_off += p->in_len;
    c->total += p->len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *in = (const char *)data;
    size_t need = beacon__scrub(in, size, NULL, 0);
    CHECK(need <= beacon__scrub_bound(size));

    char *full = malloc(need + 1);
    char *again = malloc(need + 1);
    CHECK(full && again);
    CHECK(beacon__scrub(in, size, full, need + 1) == need);
    CHECK(full[need] == '\0');
    CHECK(beacon__scrub(in, size, again, need + 1) == need);
    CHECK(memcmp(full, again, need + 1) == 0);

    /* A capacity derived from the input, allocated exactly. */
    size_t cap = size ? (size_t)data[0] % (need + 2) : 0;
    char *cut = cap ? malloc(cap) : NULL;
    CHECK(beacon__scrub(in, size, cut, cap) == need);
    if (cap) {
        size_t kept = cap - 1 < need ? cap - 1 : need;
        CHECK(cut[kept] == '\0');
        CHECK(memcmp(cut, full, kept) == 0);
    }

    cover c = {in, 0, 0};
    beacon__scrub_stats st;
    CHECK(beacon__scrub_each(in, size, check_piece, &c, &st) == need);
    CHECK(c.next_off == size);
    CHECK(c.total == need);
    /* Linear work, generously: see scrub.c for why each byte is visited a
     * bounded number of times. */
    CHECK(st.steps <= 64 * (size + 1));

    free(cut);
    free(again);
    free(full);
    return 0;
}
