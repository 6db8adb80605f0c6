/* describe.c — --help, --version, --list and --describe.
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
 * --help, --version, --list, --describe
 * ========================================================================= */

static const char *level_name(uint8_t level) {
    static const char *const names[] = {"debug", "info", "warn", "error"};
    return level < 4 ? names[level] : "info";
}

static const char *kind_name(uint8_t kind) {
    static const char *const names[] = {"event", "span_start", "span_stop", "span_exception"};
    return kind < 4 ? names[kind] : "event";
}

static const char *pii_name(uint8_t pii) {
    static const char *const names[] = {"none", "hash", "redact", "drop", "scrub"};
    return pii < 5 ? names[pii] : "none";
}

void beacon__cli_print_usage(const cli_ctx *ctx, FILE *out) {
    const char *p = ctx->prog;
    fprintf(out,
            "usage: %s [OPTIONS] EVENT [FIELD=VALUE]...\n"
            "       %s [OPTIONS] -           read one event line per stdin line\n"
            "       %s --list | --describe EVENT | --help | --version\n",
            p, p, p);
}

void beacon__cli_print_help(const cli_ctx *ctx) {
    beacon__cli_print_usage(ctx, stdout);
    printf("\nEmits events of the '%s' catalog (version %" PRId64 ") through the beacon runtime.\n",
           ctx->catalog->name, ctx->catalog->version);
    fputs("\n"
          "options:\n"
          "  --sink SPEC       deliver to SPEC (repeatable; default: $BEACON_SINKS, else stderr)\n"
          "  --stats           print the runtime's delivery counters (JSON) on stderr at exit\n"
          "  --threads N       with '-': spread stdin lines over N producer threads\n"
          "  --context F=V     set context field F for every event (repeatable; fields below)\n"
          "  --traceparent H   continue the W3C trace H (00-<trace>-<parent>-<flags>);\n"
          "                    an invalid value is ignored (BEACON_DEBUG=1 says so)\n"
          "  --list            list the catalog's events\n"
          "  --describe EVENT  show EVENT's fields, types and constraints\n"
          "  --help            this text\n"
          "  --version         catalog and ABI version\n"
          "\n"
          "values, by catalog type:\n"
          "  bool        true|false|1|0|yes|no\n"
          "  int         decimal 64-bit integer, optional sign\n"
          "  uint        decimal unsigned 64-bit integer (no '-')\n"
          "  double      decimal or exponent notation; nan and inf are sent as null\n"
          "  string      as is, may be empty\n"
          "  timestamp   RFC 3339 (2026-11-22T05:30:00.123456789Z, or with an offset\n"
          "              such as +01:00) or integer ns since the Unix epoch\n"
          "  duration    integer ns, or numbers with units ns us ms s m h (250ms, 1.5s, 1h30m)\n"
          "  enum        one of the value names shown by --describe\n"
          "  list<T>     repeat FIELD=VALUE, one element per occurrence\n"
          "  attributes  FIELD.KEY=VALUE per entry; VALUE is a bool if true|false, an int\n"
          "              if an integer without leading zeros (uint beyond int64), a double\n"
          "              if a finite number with '.' or an exponent, else a string; force a type\n"
          "              with FIELD.KEY:string=VALUE (also :bool :int :uint :double)\n"
          "  correlation=H     follow events: the handle its begin event printed\n"
          "                    (00-TRACE-SPAN-FLAGS), or a 32-hex trace id alone\n"
          "                    (optional for span events)\n"
          "\n"
          "A begin event prints its handle on stdout: a traceparent value naming its\n"
          "trace and its own span, which --traceparent also takes. Constraints (min, max) are\n"
          "checked by the runtime.\n"
          "\n"
          "stdin mode (EVENT '-'): one 'EVENT FIELD=VALUE ...' per line with shell-like\n"
          "quoting ('...', \"...\", backslash); blank lines and lines starting with # are\n"
          "skipped; a bad line is reported as 'line N: ...' and skipped.\n"
          "\n"
          "exit status: 0 ok (events flushed to the sinks), 1 runtime failure, 2 bad input.\n",
          stdout);
    if (ctx->catalog->context_count > 0) {
        printf("\ncontext fields (--context FIELD=VALUE):\n");
        for (uint32_t k = 0; k < ctx->catalog->context_count; k++) {
            const beacon_field_desc *f = &ctx->catalog->context[k];
            char sp[256];
            printf("  %-20s %s%s%s\n", f->name, beacon__cli_type_spelling(f, sp, sizeof sp),
                   f->pii != BEACON_PII_NONE ? ", pii: " : "",
                   f->pii != BEACON_PII_NONE ? pii_name(f->pii) : "");
        }
    }
}

void beacon__cli_print_list(const cli_ctx *ctx) {
    int wn = 4, wc = 1;
    for (size_t i = 0; i < ctx->count; i++) {
        const beacon_event_desc *d = ctx->events[i].desc;
        if (d == NULL) {
            continue;
        }
        int n = (int)strlen(d->name);
        int c = d->category != NULL ? (int)strlen(d->category) : 1;
        wn = n > wn ? n : wn;
        wc = c > wc ? c : wc;
    }
    for (size_t i = 0; i < ctx->count; i++) {
        const beacon_event_desc *d = ctx->events[i].desc;
        if (d == NULL) {
            continue;
        }
        printf("%-*s  %-5s  %-*s  %s%s\n", wn, d->name, level_name(d->level), wc,
               d->category != NULL ? d->category : "-", d->deprecated ? "[deprecated] " : "",
               d->description != NULL ? d->description : "");
    }
}

static void print_bound(const beacon_field_desc *f, const char *label, const beacon_bound *b) {
    switch ((beacon_type)f->type) {
        case BEACON_TYPE_UINT: printf(" %s=%" PRIu64, label, b->u); break;
        case BEACON_TYPE_DOUBLE: printf(" %s=%.17g", label, b->d); break;
        default: printf(" %s=%" PRId64, label, b->i); break;
    }
}

/* One line per field, space-separated so scripts can read it:
 *   NAME TYPE required|optional [deprecated] [min=] [max=] [max_length=]
 *   [max_items=] [values=a|b] [deprecated_values=a|b] [pii=P] [unit=U]
 * followed by the description on its own line, indented six spaces. */
void beacon__cli_print_describe(const beacon_event_desc *d) {
    printf("event: %s\n", d->name);
    if (d->description != NULL) {
        printf("description: %s\n", d->description);
    }
    printf("level: %s\n", level_name(d->level));
    printf("category: %s\n", d->category != NULL ? d->category : "-");
    printf("kind: %s\n", kind_name(d->kind));
    static const char *const corr[] = {"none", "begin (prints its handle on stdout)",
                                       "follow (requires correlation=<handle>)"};
    printf("correlation: %s\n", d->correlation < 3 ? corr[d->correlation] : "none");
    printf("sample_rate: %g\n", d->sample_rate);
    if (d->deprecated) {
        printf("deprecated: yes\n");
    }
    printf("fields:\n");
    for (uint32_t i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        char sp[256];
        printf("  %s %s %s", f->name, beacon__cli_type_spelling(f, sp, sizeof sp),
               (f->flags & BEACON_FIELD_OPTIONAL) ? "optional" : "required");
        if (f->flags & BEACON_FIELD_DEPRECATED) {
            printf(" deprecated");
        }
        if (f->flags & BEACON_FIELD_HAS_MIN) {
            print_bound(f, "min", &f->min);
        }
        if (f->flags & BEACON_FIELD_HAS_MAX) {
            print_bound(f, "max", &f->max);
        }
        if (f->max_length) {
            printf(" max_length=%" PRIu32, f->max_length);
        }
        if (f->max_items) {
            printf(" max_items=%" PRIu32, f->max_items);
        }
        if (f->type == BEACON_TYPE_ENUM && f->enum_desc != NULL) {
            const beacon_enum_desc *e = f->enum_desc;
            printf(" values=");
            for (uint32_t k = 0; k < e->count; k++) {
                printf("%s%s", k ? "|" : "", e->values[k]);
            }
            bool first = true;
            for (uint32_t k = 0; e->deprecated != NULL && k < e->count; k++) {
                if (e->deprecated[k]) {
                    printf("%s%s", first ? " deprecated_values=" : "|", e->values[k]);
                    first = false;
                }
            }
        }
        if (f->key != NULL) {
            printf(" key=%s", f->key);
        }
        if (f->pii != BEACON_PII_NONE) {
            printf(" pii=%s", pii_name(f->pii));
        }
        if (f->unit != NULL) {
            printf(" unit=%s", f->unit);
        }
        printf("\n");
        if (f->type == BEACON_TYPE_ATTRIBUTES) {
            printf("      Entries as %s.KEY=VALUE (see --help for value typing).\n", f->name);
        }
        if (f->description != NULL) {
            printf("      %s\n", f->description);
        }
    }
    if (d->correlation == BEACON_CORR_FOLLOW) {
        printf("  correlation handle required\n"
               "      The handle printed by the begin event this one follows (or its 32-hex\n"
               "      trace id alone).\n");
    } else if (d->kind != BEACON_KIND_EVENT) {
        printf("  correlation handle optional\n"
               "      The handle (or 32-hex trace id) to attach this span event to.\n");
    }
}
