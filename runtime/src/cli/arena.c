/* arena.c — the per-line arena: every value of one event line lives here,
 * freed with the line.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* getline */
#endif
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/field.h"
#include "core/text.h"

#define CLI_ALIGN     ((size_t) _Alignof(max_align_t))
#define CLI_CHUNK_HDR ((sizeof(cli_chunk) + CLI_ALIGN - 1) & ~(CLI_ALIGN - 1))
#define CLI_CHUNK_MIN 4096u

/* Zeroed memory from the arena; NULL when out of memory. */
void *beacon__cli_arena_alloc(cli_arena *a, size_t n) {
    if (n > SIZE_MAX / 2) {
        return NULL;
    }
    n = n == 0 ? CLI_ALIGN : (n + CLI_ALIGN - 1) & ~(CLI_ALIGN - 1);
    cli_chunk *c = a->head;
    if (c == NULL || c->cap - c->used < n) {
        size_t cap = n > CLI_CHUNK_MIN ? n : CLI_CHUNK_MIN;
        c = malloc(CLI_CHUNK_HDR + cap);
        if (c == NULL) {
            return NULL;
        }
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = (char *)c + CLI_CHUNK_HDR + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *beacon__cli_arena_strndup(cli_arena *a, const char *s, size_t n) {
    char *p = beacon__cli_arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void beacon__cli_arena_free(cli_arena *a) {
    cli_chunk *c = a->head;
    while (c != NULL) {
        cli_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}
