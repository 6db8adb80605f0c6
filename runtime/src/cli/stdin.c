/* stdin.c — stdin mode: one event per line, tokenised like a shell would.
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

/* =========================================================================
 * Stdin mode
 * ========================================================================= */

static bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Shell-like split of `line` into arena tokens: '...' literal, "..." with
 * \" \\ \$ \` escapes, a bare backslash escapes the next byte. Returns the
 * token count, or -1 after reporting an error. */
static long tokenize(beacon_cli *cli, const char *line, size_t len, char ***out) {
    char *buf = beacon__cli_arena_alloc(&cli->arena, len + 1);
    char **toks = beacon__cli_arena_alloc(&cli->arena, sizeof(char *) * (len / 2 + 2));
    if (buf == NULL || toks == NULL) {
        beacon__cli_say(cli, "out of memory");
        return -1;
    }
    const char *p = line;
    char *w = buf;
    long n = 0;
    for (;;) {
        while (*p != '\0' && is_blank(*p)) {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        toks[n++] = w;
        while (*p != '\0' && !is_blank(*p)) {
            if (*p == '\'') {
                for (p++; *p != '\0' && *p != '\''; p++) {
                    *w++ = *p;
                }
                if (*p == '\0') {
                    beacon__cli_say(cli, "unterminated single quote");
                    return -1;
                }
                p++;
            } else if (*p == '"') {
                for (p++; *p != '\0' && *p != '"'; p++) {
                    if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`", p[1]) != NULL) {
                        p++;
                    }
                    *w++ = *p;
                }
                if (*p == '\0') {
                    beacon__cli_say(cli, "unterminated double quote");
                    return -1;
                }
                p++;
            } else if (*p == '\\') {
                if (p[1] == '\0') {
                    beacon__cli_say(cli, "trailing backslash");
                    return -1;
                }
                *w++ = p[1];
                p += 2;
            } else {
                *w++ = *p++;
            }
        }
        *w++ = '\0';
    }
    *out = toks;
    return n;
}

/* --context and --traceparent act on the calling thread's state, so every
 * thread that emits applies them first. Values were validated at parse. */
void beacon__cli_apply_thread_context(const cli_ctx *ctx) {
    for (size_t i = 0; i < ctx->nctx; i++) {
        const cli_ctx_value *cv = &ctx->ctxvals[i];
        (void)beacon_gen_context_set(ctx->catalog, cv->index, &cv->v);
    }
    if (ctx->has_parent) {
        (void)beacon_context_push(&ctx->parent);
    }
}

void beacon__cli_drop_thread_context(const cli_ctx *ctx) {
    if (ctx->nctx > 0) {
        beacon_gen_context_clear(ctx->catalog);
    }
    if (ctx->has_parent) {
        (void)beacon_context_pop();
    }
}

int beacon__cli_call_emit(beacon_cli *cli) {
    if (cli->event->emit == NULL) {
        beacon__cli_say(cli, "no emitter for this event");
        return 1;
    }
    return cli->event->emit(cli);
}

/* Worse of two exit codes: a runtime failure (1) outranks bad input (2). */
int beacon__cli_worse(int a, int b) {
    if (a == 1 || b == 1) {
        return 1;
    }
    return a > b ? a : b;
}

/* Parses and emits one stdin line; returns its exit code and counts it. */
int beacon__cli_handle_line(beacon_cli *cli, const char *line, size_t len, long lineno,
                            long *total) {
    cli->line = lineno;
    const char *p = line;
    while (p < line + len && is_blank(*p)) {
        p++;
    }
    if (p == line + len || *p == '#') {
        return 0;
    }
    (*total)++;
    int lrc;
    if (memchr(line, '\0', len) != NULL) {
        beacon__cli_say(cli, "line contains a NUL byte");
        lrc = 2;
    } else {
        char **toks = NULL;
        long n = tokenize(cli, line, len, &toks);
        if (n == 0) { /* cannot follow the blank check above; never emit without an event */
            beacon__cli_reset(cli);
            return 0;
        }
        lrc = n < 0 ? 2 : beacon__cli_parse_event_line(cli, toks, (size_t)n);
        if (lrc == 0) {
            lrc = beacon__cli_call_emit(cli);
        }
    }
    beacon__cli_reset(cli);
    return lrc;
}

void *beacon__cli_run_share(void *arg) {
    cli_share *sh = arg;
    beacon_cli cli;
    memset(&cli, 0, sizeof cli);
    cli.ctx = sh->ctx;
    beacon__cli_apply_thread_context(sh->ctx);
    for (size_t i = sh->first; i < sh->count; i += sh->step) {
        int lrc = beacon__cli_handle_line(&cli, sh->lines[i].text, sh->lines[i].len,
                                          sh->lines[i].lineno, &sh->total);
        if (lrc != 0) {
            sh->bad++;
            sh->rc = beacon__cli_worse(sh->rc, lrc);
        }
    }
    beacon__cli_drop_thread_context(sh->ctx);
    return NULL;
}
