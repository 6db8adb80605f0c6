/* messages.c — messages to the user: one line each on stderr, values quoted
 * and cut so hostile input cannot garble a terminal, type spellings, and
 * the did-you-mean suggester.
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
 * Messages
 * ========================================================================= */

/* Writes `s` for a message: control bytes as \xNN, cut after CLI_QUOTE_MAX
 * bytes (on a UTF-8 boundary) with "...", so hostile input cannot garble a
 * terminal or flood the log. */
const char *beacon__cli_quote(char out[CLI_QUOTE_BUF], const char *s) {
    size_t len = strlen(s);
    size_t n = len;
    if (n > CLI_QUOTE_MAX) {
        n = CLI_QUOTE_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u) {
            n--;
        }
    }
    size_t w = 0;
    out[w++] = '\'';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20u || c == 0x7Fu) {
            w += (size_t)snprintf(out + w, CLI_QUOTE_BUF - w, "\\x%02X", c);
        } else {
            out[w++] = (char)c;
        }
    }
    out[w++] = '\'';
    if (n < len) {
        memcpy(out + w, "...", 3);
        w += 3;
    }
    out[w] = '\0';
    return out;
}

/* A user value for a message, or a placeholder when the field has a PII
 * policy: diagnostics must never carry what the policy protects. */
const char *beacon__cli_shown_value(char out[CLI_QUOTE_BUF], const beacon_field_desc *f,
                                    const char *s) {
    if (f->pii != BEACON_PII_NONE) {
        snprintf(out, CLI_QUOTE_BUF, "a value withheld (pii: %s field)",
                 f->pii == BEACON_PII_HASH     ? "hash"
                 : f->pii == BEACON_PII_REDACT ? "redact"
                 : f->pii == BEACON_PII_DROP   ? "drop"
                                               : "scrub");
        return out;
    }
    return beacon__cli_quote(out, s);
}

/* One message line on stderr: "<prog>: [line N: ][<event>: ]<text>". */
void beacon__cli_say(const beacon_cli *cli, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

void beacon__cli_say(const beacon_cli *cli, const char *fmt, ...) {
    va_list ap;
    /* One line per message, also when --threads producers report at once. */
    flockfile(stderr);
    fprintf(stderr, "%s: ", cli->ctx->prog);
    if (cli->line > 0) {
        fprintf(stderr, "line %ld: ", cli->line);
    }
    if (cli->desc != NULL) {
        fprintf(stderr, "%s: ", cli->desc->name);
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    funlockfile(stderr);
}

static const char *type_name(const beacon_field_desc *f) {
    switch ((beacon_type)f->type) {
        case BEACON_TYPE_BOOL: return "bool";
        case BEACON_TYPE_INT: return "int";
        case BEACON_TYPE_UINT: return "uint";
        case BEACON_TYPE_DOUBLE: return "double";
        case BEACON_TYPE_STRING: return "string";
        case BEACON_TYPE_TIMESTAMP: return "timestamp";
        case BEACON_TYPE_DURATION: return "duration";
        case BEACON_TYPE_ENUM: return f->enum_desc != NULL ? f->enum_desc->name : "enum";
        case BEACON_TYPE_ATTRIBUTES: return "attributes";
    }
    return "unknown";
}

/* The catalog spelling: "int", "record_type", "list<string>", "attributes". */
const char *beacon__cli_type_spelling(const beacon_field_desc *f, char *buf, size_t cap) {
    if (f->is_list) {
        snprintf(buf, cap, "list<%s>", type_name(f));
    } else {
        snprintf(buf, cap, "%s", type_name(f));
    }
    return buf;
}

static void enum_values(const beacon_enum_desc *e, char *buf, size_t cap) {
    size_t w = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; e != NULL && i < e->count && w < cap; i++) {
        int n = snprintf(buf + w, cap - w, "%s%s", i ? "|" : "", e->values[i]);
        if (n < 0) {
            break;
        }
        w += (size_t)n;
    }
}

/* What a value must look like, for "expected ..." messages:
 * "int", "one of a|b", "list<int> element int". */
const char *beacon__cli_expected_spelling(const beacon_field_desc *f, char *buf, size_t cap) {
    char elem[CLI_SPELL_BUF];
    if ((beacon_type)f->type == BEACON_TYPE_ENUM) {
        char vals[CLI_SPELL_BUF - 8];
        enum_values(f->enum_desc, vals, sizeof vals);
        snprintf(elem, sizeof elem, "one of %s", vals);
    } else {
        snprintf(elem, sizeof elem, "%s", type_name(f));
    }
    if (f->is_list) {
        snprintf(buf, cap, "list<%s> element %s", type_name(f), elem);
    } else {
        snprintf(buf, cap, "%s", elem);
    }
    return buf;
}

bool beacon__cli_debug_enabled(void) {
    const char *v = getenv("BEACON_DEBUG");
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* =========================================================================
 * Did-you-mean
 * ========================================================================= */

/* Optimal string alignment distance (edits incl. adjacent swaps); names
 * longer than 64 bytes are not worth suggesting for and score "far". */
static size_t edit_distance(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    if (n > 64 || m > 64) {
        return SIZE_MAX;
    }
    size_t d[65][65];
    for (size_t i = 0; i <= n; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= m; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= n; i++) {
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (d[i - 1][j - 1] + cost < best) {
                best = d[i - 1][j - 1] + cost;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[n][m];
}

void beacon__cli_suggest_consider(suggester *sg, const char *candidate) {
    size_t d = edit_distance(sg->input, candidate);
    if (d < sg->best_dist) {
        sg->best_dist = d;
        sg->best = candidate;
    }
}

/* The best candidate if it is close enough to be a plausible typo. */
const char *beacon__cli_suggest_result(const suggester *sg) {
    size_t limit = strlen(sg->input) / 3;
    limit = limit < 1 ? 1 : limit > 3 ? 3 : limit;
    return sg->best != NULL && sg->best_dist <= limit ? sg->best : NULL;
}
