/* report.c — the emit status turned into an exit code and a message naming
 * the field and the rule it broke.
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

/* True for the first CLI_REPEAT_SHOWN failures of status st in this run:
 * a runtime failure (a stopped runtime, stdout closed) repeats on every
 * line, and a million lines must not give a million messages. */
static bool first_few(const beacon_cli *cli, beacon_status st) {
    cli_repeats *r = cli->ctx->repeats;
    if (r == NULL) {
        return true;
    }
    size_t slot = (unsigned)st < BEACON_STATUS_COUNT_ ? (size_t)st : BEACON_STATUS_COUNT_;
    return atomic_fetch_add(&r->count[slot], 1) < CLI_REPEAT_SHOWN;
}

void beacon__cli_report_repeats(const cli_ctx *ctx) {
    if (ctx->repeats == NULL) {
        return;
    }
    for (size_t slot = 0; slot <= BEACON_STATUS_COUNT_; slot++) {
        unsigned long n = atomic_load(&ctx->repeats->count[slot]);
        if (n > CLI_REPEAT_SHOWN) {
            const char *what = slot == BEACON_ERR_IO ? "cannot print the handle"
                               : slot < BEACON_STATUS_COUNT_
                                   ? beacon_status_str((beacon_status)slot)
                                   : "failed";
            fprintf(stderr, "%s: %lu more lines failed like this (%s), not shown\n", ctx->prog,
                    n - CLI_REPEAT_SHOWN, what);
        }
    }
}

/* =========================================================================
 * Reporting the emit status
 * ========================================================================= */

/* Formats a numeric bound or value of `f` for a message. */
/* The runtime rejected the event: name the field and the rule it broke, so
 * the user need not rerun with BEACON_DEBUG. Returns how many fields. */
static unsigned explain_invalid(beacon_cli *cli) {
    unsigned found = 0;
    const beacon_event_desc *d = cli->desc;
    for (uint32_t fi = 0; d != NULL && cli->values != NULL && fi < d->field_count; fi++) {
        const beacon_field_desc *f = &d->fields[fi];
        const cli_value *v = &cli->values[fi];
        if (v->filled == 0 || f->type == BEACON_TYPE_STRING || f->type == BEACON_TYPE_ATTRIBUTES) {
            continue;
        }
        size_t n = f->is_list ? v->filled : 1, size = beacon__elem_size(f->type);
        if (f->is_list && f->max_items && n > f->max_items) {
            n = f->max_items; /* items past max_items are cut, not checked */
        }
        for (size_t k = 0; k < n; k++) {
            const void *value =
                f->is_list ? (const char *)v->items + k * size : (const void *)&v->v;
            beacon__field_verdict verdict;
            if (!beacon__field_value_ok(f, value, &verdict)) {
                char text[256];
                verdict.index = f->is_list ? (long long)k : -1;
                beacon__cli_say(cli, "%s", beacon__field_verdict_text(&verdict, text, sizeof text));
                found++;
                break;
            }
        }
    }
    return found;
}

int beacon_cli_finish(beacon_cli *cli, beacon_status st, const beacon_lifecycle *begin) {
    if (cli == NULL || cli->ctx == NULL) {
        return st == BEACON_OK ? 0 : 1;
    }
    switch (st) {
        case BEACON_OK:
            if (cli->desc != NULL && cli->desc->correlation == BEACON_CORR_BEGIN && begin != NULL) {
                /* The handle as a traceparent value: what follow events take
                 * as correlation=, and what --traceparent continues. */
                beacon_traceparent tp;
                char hex[BEACON_TRACEPARENT_LEN + 1];
                tp.version = 0;
                tp.trace_id = begin->trace_id;
                tp.parent_id = begin->span_id;
                tp.flags = begin->flags;
                beacon_traceparent_format(&tp, hex, sizeof hex);
                /* SIGPIPE is ignored (beacon_cli_main), so a closed stdout
                 * shows up here as EPIPE rather than killing the process. */
                if (printf("%s\n", hex) < 0 || fflush(stdout) != 0) {
                    int err = errno;
                    clearerr(stdout);
                    if (first_few(cli, BEACON_ERR_IO)) {
                        beacon__cli_say(cli, "cannot print the handle: %s", strerror(err));
                    }
                    return 1;
                }
            }
            return 0;
        case BEACON_ERR_SAMPLED_OUT:
        case BEACON_ERR_DISABLED:
            if (cli->ctx->debug) {
                beacon__cli_say(cli, "not sent: %s", beacon_status_str(st));
            }
            return 0;
        case BEACON_ERR_NOT_INITIALIZED:
            if (first_few(cli, st)) {
                beacon__cli_say(cli, "emit failed: %s", beacon_status_str(st));
            }
            return 1;
        case BEACON_ERR_INVALID_EVENT:
            if (explain_invalid(cli) == 0) {
                beacon__cli_say(cli, "rejected: %s", beacon_status_str(st));
            }
            return 2;
        default:
            if (first_few(cli, st)) {
                beacon__cli_say(cli, "emit failed: %s", beacon_status_str(st));
            }
            return 1;
    }
}
