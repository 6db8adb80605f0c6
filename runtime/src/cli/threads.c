/* threads.c — --threads: stdin lines shared among producer threads.
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

/* --threads N: the lines are read first, then spread round-robin over N
 * producer threads (line i goes to thread i mod N), so the runtime sees
 * concurrent emitters; the order between threads is not kept. */
static int run_stdin_threads(cli_ctx *ctx, long nthreads, long *bad, long *total) {
    cli_line *lines = NULL;
    size_t count = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    long lineno = 0;
    int rc = 0;
    while ((len = getline(&line, &lcap, stdin)) >= 0) {
        lineno++;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            cli_line *grown = realloc(lines, ncap * sizeof *grown);
            if (grown == NULL) {
                rc = 1;
                break;
            }
            lines = grown;
            cap = ncap;
        }
        lines[count].text = line;
        lines[count].len = (size_t)len;
        lines[count].lineno = lineno;
        count++;
        line = NULL;
        lcap = 0;
    }
    free(line);
    if (rc == 0 && ferror(stdin)) {
        fprintf(stderr, "%s: error reading stdin: %s\n", ctx->prog, strerror(errno));
        rc = 1;
    }
    cli_share *shares = calloc((size_t)nthreads, sizeof *shares);
    pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
    if (rc == 0 && (shares == NULL || tids == NULL)) {
        fprintf(stderr, "%s: out of memory\n", ctx->prog);
        rc = 1;
    }
    for (long t = 0; rc == 0 && t < nthreads; t++) {
        shares[t] = (cli_share){ctx, lines, count, (size_t)t, (size_t)nthreads, 0, 0, 0};
    }
    long started = 0;
    for (; rc == 0 && started < nthreads; started++) {
        if (pthread_create(&tids[started], NULL, beacon__cli_run_share, &shares[started]) != 0) {
            fprintf(stderr, "%s: cannot start producer thread\n", ctx->prog);
            rc = 1;
            break;
        }
    }
    for (long t = 0; t < started; t++) {
        pthread_join(tids[t], NULL);
    }
    for (long t = 0; shares != NULL && t < started; t++) {
        *bad += shares[t].bad;
        *total += shares[t].total;
        rc = beacon__cli_worse(rc, shares[t].rc);
    }
    for (size_t i = 0; i < count; i++) {
        free(lines[i].text);
    }
    free(lines);
    free(shares);
    free(tids);
    return rc;
}

int beacon__cli_run_stdin(cli_ctx *ctx, long nthreads) {
    long bad = 0, total = 0;
    int rc = 0;
    if (nthreads > 1) {
        rc = run_stdin_threads(ctx, nthreads, &bad, &total);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        long lineno = 0;
        beacon_cli cli;
        memset(&cli, 0, sizeof cli);
        cli.ctx = ctx;
        beacon__cli_apply_thread_context(ctx);
        while ((len = getline(&line, &cap, stdin)) >= 0) {
            lineno++;
            int lrc = beacon__cli_handle_line(&cli, line, (size_t)len, lineno, &total);
            if (lrc != 0) {
                bad++;
                rc = beacon__cli_worse(rc, lrc);
            }
        }
        if (ferror(stdin)) {
            cli.line = 0;
            beacon__cli_say(&cli, "error reading stdin: %s", strerror(errno));
            rc = 1;
        }
        free(line);
        beacon__cli_drop_thread_context(ctx);
    }
    if (bad > 0) {
        fprintf(stderr, "%s: %ld of %ld event lines failed\n", ctx->prog, bad, total);
    }
    return rc;
}
