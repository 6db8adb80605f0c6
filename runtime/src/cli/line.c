/* line.c — one event line: the event name looked up, each `field=value`
 * parsed by its catalog type into the line's arena, and the accessors
 * generated emit functions read the values through.
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
 * One event line
 * ========================================================================= */

static bool corr_allowed(const beacon_event_desc *d) {
    return d->correlation == BEACON_CORR_FOLLOW || d->kind != BEACON_KIND_EVENT;
}

static int32_t find_field(const beacon_event_desc *d, const char *name, size_t len) {
    for (uint32_t i = 0; i < d->field_count; i++) {
        if (strlen(d->fields[i].name) == len && memcmp(d->fields[i].name, name, len) == 0) {
            return (int32_t)i;
        }
    }
    return -2;
}

static void report_unknown_field(beacon_cli *cli, const char *name) {
    char q[CLI_QUOTE_BUF];
    suggester sg = {name, NULL, SIZE_MAX};
    const beacon_event_desc *d = cli->desc;
    for (uint32_t i = 0; i < d->field_count; i++) {
        beacon__cli_suggest_consider(&sg, d->fields[i].name);
    }
    if (corr_allowed(d)) {
        beacon__cli_suggest_consider(&sg, "correlation");
    }
    const char *best = beacon__cli_suggest_result(&sg);
    if (best != NULL) {
        beacon__cli_say(cli, "unknown field %s (did you mean '%s'?)", beacon__cli_quote(q, name),
                        best);
    } else {
        beacon__cli_say(cli, "unknown field %s (see '%s --describe %s')",
                        beacon__cli_quote(q, name), cli->ctx->prog, d->name);
    }
}

/* Resolves "name=value" / "name.key=value"; reports and returns false when
 * the token addresses nothing on this event. */
static bool resolve(beacon_cli *cli, char *tok, cli_target *t) {
    char q[CLI_QUOTE_BUF];
    const beacon_event_desc *d = cli->desc;
    char *eq = strchr(tok, '=');
    if (eq == NULL) {
        beacon__cli_say(cli, "expected FIELD=VALUE, got %s", beacon__cli_quote(q, tok));
        return false;
    }
    size_t nlen = (size_t)(eq - tok);
    t->value = eq + 1;
    t->key = NULL;
    t->key_len = 0;
    t->field = find_field(d, tok, nlen);
    if (t->field >= 0) {
        return true;
    }
    if (nlen == strlen("correlation") && memcmp(tok, "correlation", nlen) == 0 && corr_allowed(d)) {
        t->field = -1;
        return true;
    }
    const char *dot = memchr(tok, '.', nlen);
    if (dot != NULL) {
        int32_t fi = find_field(d, tok, (size_t)(dot - tok));
        if (fi >= 0) {
            const beacon_field_desc *f = &d->fields[fi];
            if (f->type != BEACON_TYPE_ATTRIBUTES) {
                char sp[256];
                beacon__cli_say(cli, "field '%s' (%s) takes no key, got %s", f->name,
                                beacon__cli_type_spelling(f, sp, sizeof sp),
                                beacon__cli_quote(q, tok));
                return false;
            }
            t->field = fi;
            t->key = dot + 1;
            t->key_len = nlen - (size_t)(dot + 1 - tok);
            return true;
        }
    }
    char name[CLI_QUOTE_BUF];
    size_t cut = nlen < sizeof name - 1 ? nlen : sizeof name - 1;
    memcpy(name, tok, cut);
    name[cut] = '\0';
    report_unknown_field(cli, name);
    return false;
}

/* Parses tokens[0..n) = EVENT field=value ... into cli (whose arena must be
 * empty). Returns 0 or 2 (problems already reported, one line each). */
int beacon__cli_parse_event_line(beacon_cli *cli, char **tokens, size_t n) {
    char q[CLI_QUOTE_BUF];
    const cli_ctx *ctx = cli->ctx;
    cli->desc = NULL;
    cli->event = NULL;
    for (size_t i = 0; i < ctx->count; i++) {
        if (ctx->events[i].desc != NULL && strcmp(ctx->events[i].desc->name, tokens[0]) == 0) {
            cli->event = &ctx->events[i];
            break;
        }
    }
    if (cli->event == NULL) {
        suggester sg = {tokens[0], NULL, SIZE_MAX};
        for (size_t i = 0; i < ctx->count; i++) {
            if (ctx->events[i].desc != NULL) {
                beacon__cli_suggest_consider(&sg, ctx->events[i].desc->name);
            }
        }
        const char *best = beacon__cli_suggest_result(&sg);
        if (best != NULL) {
            beacon__cli_say(cli, "unknown event %s (did you mean '%s'?)",
                            beacon__cli_quote(q, tokens[0]), best);
        } else {
            beacon__cli_say(cli, "unknown event %s (see '%s --list')",
                            beacon__cli_quote(q, tokens[0]), ctx->prog);
        }
        return 2;
    }
    const beacon_event_desc *d = cli->event->desc;
    cli->desc = d;
    cli->has_corr = false;
    cli->errors = 0;
    size_t nt = n - 1;
    cli->values = beacon__cli_arena_alloc(&cli->arena, sizeof(cli_value) * (d->field_count + 1u));
    cli_target *targets = beacon__cli_arena_alloc(&cli->arena, sizeof(cli_target) * (nt + 1));
    bool *ok = beacon__cli_arena_alloc(&cli->arena, sizeof(bool) * (nt + 1));
    if (cli->values == NULL || targets == NULL || ok == NULL) {
        beacon__cli_say(cli, "out of memory");
        return 1;
    }

    /* Pass 1: resolve names and count occurrences, so lists get exact arrays. */
    uint32_t corr_seen = 0;
    for (size_t i = 0; i < nt; i++) {
        ok[i] = resolve(cli, tokens[i + 1], &targets[i]);
        if (!ok[i]) {
            cli->errors++;
            continue;
        }
        int32_t fi = targets[i].field;
        if (fi < 0) {
            if (++corr_seen == 2) {
                beacon__cli_say(cli, "field 'correlation' given twice");
                cli->errors++;
            }
            ok[i] = corr_seen == 1;
            continue;
        }
        const beacon_field_desc *f = &d->fields[fi];
        cli_value *v = &cli->values[fi];
        v->seen++;
        if (!f->is_list && f->type != BEACON_TYPE_ATTRIBUTES && v->seen == 2) {
            beacon__cli_say(cli, "field '%s' given twice", f->name);
            cli->errors++;
        }
        if (!f->is_list && f->type != BEACON_TYPE_ATTRIBUTES && v->seen >= 2) {
            ok[i] = false;
        }
    }
    for (uint32_t fi = 0; fi < d->field_count; fi++) {
        const beacon_field_desc *f = &d->fields[fi];
        cli_value *v = &cli->values[fi];
        if (v->seen > 0 && (f->is_list || f->type == BEACON_TYPE_ATTRIBUTES)) {
            v->items = beacon__cli_arena_alloc(&cli->arena, beacon__elem_size(f->type) * v->seen);
            if (v->items == NULL) {
                beacon__cli_say(cli, "out of memory");
                return 1;
            }
        }
    }

    /* Pass 2: parse values in place. */
    for (size_t i = 0; i < nt; i++) {
        if (!ok[i]) {
            continue;
        }
        const cli_target *t = &targets[i];
        if (t->field < 0) {
            if (!beacon__cli_parse_handle(t->value, &cli->corr)) {
                beacon__cli_say(cli,
                                "field 'correlation': expected the handle a begin event printed "
                                "(00-<32 hex>-<16 hex>-<2 hex>) or a trace id (32 hex digits, not "
                                "all zero), got %s",
                                beacon__cli_quote(q, t->value));
                cli->errors++;
            } else {
                cli->has_corr = true;
            }
            continue;
        }
        const beacon_field_desc *f = &d->fields[t->field];
        cli_value *v = &cli->values[t->field];
        if (f->type == BEACON_TYPE_ATTRIBUTES) {
            if (!beacon__cli_store_attr(cli, f, v, t, tokens[i + 1])) {
                cli->errors++;
            }
            continue;
        }
        cli_scalar sv;
        if (!beacon__cli_parse_scalar(f, t->value, &sv)) {
            char sp[CLI_SPELL_BUF + 128];
            beacon__cli_say(cli, "field '%s': expected %s, got %s", f->name,
                            beacon__cli_expected_spelling(f, sp, sizeof sp),
                            beacon__cli_shown_value(q, f, t->value));
            cli->errors++;
            continue;
        }
        if (f->is_list) {
            beacon__cli_store_elem(f, v->items, v->filled++, &sv);
        } else {
            v->v = sv;
            v->filled = 1;
        }
    }

    /* Missing required fields, reported only when nothing else was wrong with
     * them (a bad value already said what the field needs). */
    for (uint32_t fi = 0; fi < d->field_count; fi++) {
        const beacon_field_desc *f = &d->fields[fi];
        if (!(f->flags & BEACON_FIELD_OPTIONAL) && cli->values[fi].seen == 0) {
            char sp[256];
            beacon__cli_say(cli, "missing required field '%s' (%s)", f->name,
                            beacon__cli_type_spelling(f, sp, sizeof sp));
            cli->errors++;
        }
    }
    if (d->correlation == BEACON_CORR_FOLLOW && corr_seen == 0) {
        beacon__cli_say(
            cli, "missing required field 'correlation' (the handle printed by the begin event)");
        cli->errors++;
    }
    return cli->errors ? 2 : 0;
}

void beacon__cli_reset(beacon_cli *cli) {
    beacon__cli_arena_free(&cli->arena);
    cli->values = NULL;
    cli->desc = NULL;
    cli->event = NULL;
    cli->has_corr = false;
    cli->errors = 0;
}

/* =========================================================================
 * Accessors
 * ========================================================================= */

static const cli_value *value_of(const beacon_cli *cli, uint32_t field) {
    if (cli == NULL || cli->desc == NULL || cli->values == NULL ||
        field >= cli->desc->field_count) {
        return NULL;
    }
    return &cli->values[field];
}

/* The value of a present scalar field whose type is one of those given. */
static const cli_value *scalar_of(const beacon_cli *cli, uint32_t field, beacon_type t1,
                                  beacon_type t2, beacon_type t3) {
    const cli_value *v = value_of(cli, field);
    if (v == NULL || v->filled == 0) {
        return NULL;
    }
    const beacon_field_desc *f = &cli->desc->fields[field];
    if (f->is_list || (f->type != t1 && f->type != t2 && f->type != t3)) {
        return NULL;
    }
    return v;
}

bool beacon_cli_has(const beacon_cli *cli, uint32_t field) {
    const cli_value *v = value_of(cli, field);
    return v != NULL && v->filled > 0;
}

bool beacon_cli_bool(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_BOOL, BEACON_TYPE_BOOL, BEACON_TYPE_BOOL);
    return v != NULL && v->v.b;
}

int64_t beacon_cli_int(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_INT, BEACON_TYPE_TIMESTAMP, BEACON_TYPE_DURATION);
    return v != NULL ? v->v.i : 0;
}

uint64_t beacon_cli_uint(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_UINT, BEACON_TYPE_UINT, BEACON_TYPE_UINT);
    return v != NULL ? v->v.u : 0;
}

double beacon_cli_double(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_DOUBLE, BEACON_TYPE_DOUBLE, BEACON_TYPE_DOUBLE);
    return v != NULL ? v->v.d : 0.0;
}

const char *beacon_cli_string(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_STRING, BEACON_TYPE_STRING, BEACON_TYPE_STRING);
    return v != NULL ? v->v.s : NULL;
}

int beacon_cli_enum(const beacon_cli *cli, uint32_t field) {
    const cli_value *v =
        scalar_of(cli, field, BEACON_TYPE_ENUM, BEACON_TYPE_ENUM, BEACON_TYPE_ENUM);
    return v != NULL ? v->v.e : 0;
}

const void *beacon_cli_list(const beacon_cli *cli, uint32_t field, size_t *count) {
    const cli_value *v = value_of(cli, field);
    if (count != NULL) {
        *count = 0;
    }
    if (v == NULL || v->filled == 0 || !cli->desc->fields[field].is_list) {
        return NULL;
    }
    if (count != NULL) {
        *count = v->filled;
    }
    return v->items;
}

const beacon_attr *beacon_cli_attrs(const beacon_cli *cli, uint32_t field, size_t *count) {
    const cli_value *v = value_of(cli, field);
    if (count != NULL) {
        *count = 0;
    }
    if (v == NULL || v->filled == 0 || cli->desc->fields[field].type != BEACON_TYPE_ATTRIBUTES) {
        return NULL;
    }
    if (count != NULL) {
        *count = v->filled;
    }
    return v->items;
}

const beacon_lifecycle *beacon_cli_correlation(const beacon_cli *cli) {
    return cli != NULL && cli->has_corr ? &cli->corr : NULL;
}
