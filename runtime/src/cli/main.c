/* main.c — the entry point: options, --context and --traceparent, and the
 * runtime lifecycle (init, flush, shutdown) of the process.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* getline */
#endif
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/field.h"
#include "core/text.h"

/* =========================================================================
 * Runtime lifecycle and the entry point
 * ========================================================================= */

static int sink_status_code(beacon_status st) {
    return st == BEACON_ERR_SINK_SPEC || st == BEACON_ERR_INVALID_ARGUMENT ? 2 : 1;
}

/* The runtime's message about a refused sink spec, kept so the CLI can
 * say why in its own words instead of beside them. */
typedef struct sink_reason {
    char text[512];
} sink_reason;

static void keep_sink_reason(beacon_status code, const char *msg, void *user) {
    (void)code;
    sink_reason *r = user;
    snprintf(r->text, sizeof r->text, "%s", msg);
}

/* The reason part of "sink spec 'SPEC': REASON", or the status text. */
static const char *sink_reason_text(const sink_reason *r, const char *spec, beacon_status st) {
    static const char lead[] = "sink spec '";
    size_t n = strlen(lead), m = strlen(spec);
    if (strncmp(r->text, lead, n) == 0 && strncmp(r->text + n, spec, m) == 0 &&
        strncmp(r->text + n + m, "': ", 3) == 0)
        return r->text + n + m + 3;
    return beacon_status_str(st);
}

static int runtime_start(cli_ctx *ctx, char **sinks, size_t nsinks) {
    beacon_status st;
    beacon_options *opts = beacon_options_new();
    if (opts == NULL) {
        fprintf(stderr, "%s: out of memory\n", ctx->prog);
        return 1;
    }
    /* A command fed lines as fast as it can read them outruns the worker:
     * it waits for queue room (bounded) instead of dropping. */
    beacon_options_set_block_ms(opts, CLI_BLOCK_MS);
    if (nsinks > 0) {
        sink_reason reason = {{0}};
        beacon_options_set_diagnostic_callback(opts, keep_sink_reason, &reason);
        for (size_t i = 0; i < nsinks; i++) {
            reason.text[0] = '\0';
            st = beacon_options_add_sink(opts, sinks[i]);
            if (st != BEACON_OK) {
                char q[CLI_QUOTE_BUF];
                fprintf(stderr, "%s: --sink %s: %s\n", ctx->prog, beacon__cli_quote(q, sinks[i]),
                        sink_reason_text(&reason, sinks[i], st));
                beacon_options_free(opts);
                return sink_status_code(st);
            }
        }
        beacon_options_set_diagnostic_callback(opts, NULL, NULL); /* the run's own go to stderr */
    }
    st = beacon_init(opts); /* takes ownership of opts, also on failure */
    if (st != BEACON_OK) {
        fprintf(stderr, "%s: cannot start telemetry: %s\n", ctx->prog, beacon_status_str(st));
        return sink_status_code(st);
    }
    beacon_stats(&ctx->base, NULL, 0, NULL);
    return 0;
}

/* Events this run lost after they were accepted (a sink failed, or the queue
 * was full): a flush that "succeeds" without delivering must not exit 0. */
static uint64_t lost_since_start(const cli_ctx *ctx) {
    beacon_counters now;
    if (beacon_stats(&now, NULL, 0, NULL) != BEACON_OK) {
        return 0;
    }
    return (now.dropped_sink_error - ctx->base.dropped_sink_error) +
           (now.dropped_queue_full - ctx->base.dropped_queue_full) +
           (now.dropped_rejected - ctx->base.dropped_rejected) +
           (now.dropped_send_failed - ctx->base.dropped_send_failed) +
           (now.dropped_too_large - ctx->base.dropped_too_large) +
           (now.dropped_buffer_full - ctx->base.dropped_buffer_full);
}

static void print_stats(const cli_ctx *ctx) {
    char small[4096];
    size_t needed = 0;
    beacon_status st = beacon_stats_json(small, sizeof small, &needed);
    if (st == BEACON_OK && needed < sizeof small) {
        fprintf(stderr, "%s\n", small);
        return;
    }
    char *big = needed > 0 && needed < SIZE_MAX ? malloc(needed + 1) : NULL;
    if (big != NULL && beacon_stats_json(big, needed + 1, &needed) == BEACON_OK) {
        fprintf(stderr, "%s\n", big);
    } else {
        fprintf(stderr, "%s: cannot read stats: %s\n", ctx->prog, beacon_status_str(st));
    }
    free(big);
}

/* BEACON_SHUTDOWN_TIMEOUT_MS (milliseconds), else CLI_FLUSH_TIMEOUT_MS. */
static int stop_budget_ms(void) {
    const char *v = getenv("BEACON_SHUTDOWN_TIMEOUT_MS");
    if (v == NULL || *v == '\0') return CLI_FLUSH_TIMEOUT_MS;
    char *end;
    long ms = strtol(v, &end, 10);
    return *end == '\0' && ms >= 0 && ms <= 3600000 ? (int)ms : CLI_FLUSH_TIMEOUT_MS;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Flush then shut down, both within one BEACON_SHUTDOWN_TIMEOUT_MS budget;
 * events count as delivered only after both. The stats are printed after
 * the flush, or, when it timed out, after the shutdown that settled what was
 * still in flight (then with totals only). */
static int runtime_stop(const cli_ctx *ctx, bool stats) {
    int rc = 0;
    beacon__cli_report_repeats(ctx);
    int budget = stop_budget_ms();
    int64_t deadline = mono_ms() + budget;
    beacon_status st = beacon_flush(budget);
    bool flushed = st == BEACON_OK || st == BEACON_ERR_DISABLED;
    if (!flushed) {
        fprintf(stderr, "%s: flush failed: %s\n", ctx->prog, beacon_status_str(st));
        int64_t left = deadline - mono_ms();
        st = beacon_shutdown(left > 0 ? (int)left : 0);
        if (st != BEACON_OK && st != BEACON_ERR_DISABLED) {
            fprintf(stderr, "%s: shutdown failed: %s\n", ctx->prog, beacon_status_str(st));
        }
        if (lost_since_start(ctx) > 0) {
            fprintf(stderr, "%s: events not delivered (BEACON_DEBUG=1 shows why)\n", ctx->prog);
        }
        if (stats) {
            print_stats(ctx);
        }
        return 1;
    }
    uint64_t lost = lost_since_start(ctx);
    if (lost > 0) {
        fprintf(stderr, "%s: %" PRIu64 " event%s not delivered (BEACON_DEBUG=1 shows why)\n",
                ctx->prog, lost, lost == 1 ? "" : "s");
        rc = 1;
    }
    if (stats) {
        print_stats(ctx);
    }
    int64_t left = deadline - mono_ms();
    st = beacon_shutdown(left > 0 ? (int)left : 0);
    if (st != BEACON_OK && st != BEACON_ERR_DISABLED) {
        fprintf(stderr, "%s: shutdown failed: %s\n", ctx->prog, beacon_status_str(st));
        rc = 1;
    }
    return rc;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

static const beacon_event_desc *find_event(const cli_ctx *ctx, const char *name) {
    for (size_t i = 0; i < ctx->count; i++) {
        if (ctx->events[i].desc != NULL && strcmp(ctx->events[i].desc->name, name) == 0) {
            return ctx->events[i].desc;
        }
    }
    return NULL;
}

/* Value of "--opt VALUE" / "--opt=VALUE" at argv[*i], or NULL if `a` is not
 * `opt`; *missing is set when the value is absent. */
static const char *opt_value(const char *opt, int argc, char **argv, int *i, bool *missing) {
    const char *a = argv[*i];
    size_t ol = strlen(opt);
    if (strncmp(a, opt, ol) != 0) {
        return NULL;
    }
    if (a[ol] == '=') {
        return a + ol + 1;
    }
    if (a[ol] != '\0') {
        return NULL;
    }
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* --context FIELD=VALUE: a context field of the catalog, parsed by its type
 * and checked against its bounds. Reports and returns false on bad input. */
static bool parse_context_arg(cli_ctx *ctx, const char *arg) {
    char q[CLI_QUOTE_BUF];
    const beacon_catalog_desc *cat = ctx->catalog;
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg) {
        fprintf(stderr, "%s: --context wants FIELD=VALUE, got %s\n", ctx->prog,
                beacon__cli_quote(q, arg));
        return false;
    }
    size_t nlen = (size_t)(eq - arg);
    uint32_t index = 0;
    while (index < cat->context_count && !(strlen(cat->context[index].name) == nlen &&
                                           memcmp(cat->context[index].name, arg, nlen) == 0)) {
        index++;
    }
    char name[CLI_QUOTE_BUF];
    size_t cut = nlen < sizeof name - 1 ? nlen : sizeof name - 1;
    memcpy(name, arg, cut);
    name[cut] = '\0';
    if (index == cat->context_count) {
        suggester sg = {name, NULL, SIZE_MAX};
        for (uint32_t k = 0; k < cat->context_count; k++) {
            beacon__cli_suggest_consider(&sg, cat->context[k].name);
        }
        const char *best = beacon__cli_suggest_result(&sg);
        if (best != NULL) {
            fprintf(stderr, "%s: --context: unknown context field %s (did you mean '%s'?)\n",
                    ctx->prog, beacon__cli_quote(q, name), best);
        } else if (cat->context_count == 0) {
            fprintf(stderr, "%s: --context: catalog '%s' has no context fields\n", ctx->prog,
                    cat->name);
        } else {
            fprintf(stderr, "%s: --context: unknown context field %s (see '%s --help')\n",
                    ctx->prog, beacon__cli_quote(q, name), ctx->prog);
        }
        return false;
    }
    const beacon_field_desc *f = &cat->context[index];
    for (size_t k = 0; k < ctx->nctx; k++) {
        if (ctx->ctxvals[k].index == index) {
            fprintf(stderr, "%s: --context: field '%s' given twice\n", ctx->prog, f->name);
            return false;
        }
    }
    cli_scalar v;
    memset(&v, 0, sizeof v);
    if (f->is_list || f->type == BEACON_TYPE_ATTRIBUTES ||
        !beacon__cli_parse_scalar(f, eq + 1, &v)) {
        char sp[CLI_SPELL_BUF + 128];
        fprintf(stderr, "%s: --context: field '%s': expected %s, got %s\n", ctx->prog, f->name,
                beacon__cli_expected_spelling(f, sp, sizeof sp),
                beacon__cli_shown_value(q, f, eq + 1));
        return false;
    }
    /* The field's rules are checked before anything is sent; each emitting
     * thread sets the value again for itself. */
    beacon__field_verdict verdict;
    if (f->type != BEACON_TYPE_STRING && !beacon__field_value_ok(f, &v, &verdict)) {
        char text[256];
        fprintf(stderr, "%s: --context: %s\n", ctx->prog,
                beacon__field_verdict_text(&verdict, text, sizeof text));
        return false;
    }
    beacon_status st = beacon_gen_context_set(cat, index, &v);
    beacon_gen_context_clear(cat);
    if (st != BEACON_OK) {
        fprintf(stderr, "%s: --context: field '%s': %s\n", ctx->prog, f->name,
                beacon_status_str(st));
        return false;
    }
    ctx->ctxvals[ctx->nctx].index = index;
    ctx->ctxvals[ctx->nctx].v = v;
    ctx->nctx++;
    return true;
}

/* --traceparent HEADER: continue the caller's trace. An invalid header is
 * not an input error — a new trace starts, as a service receiving it would. */
static void parse_traceparent_arg(cli_ctx *ctx, const char *header) {
    beacon_traceparent tp;
    if (beacon_traceparent_parse(header, strlen(header), &tp) != BEACON_OK) {
        ctx->has_parent = false;
        if (ctx->debug) {
            char q[CLI_QUOTE_BUF];
            fprintf(stderr, "%s: ignoring invalid --traceparent %s; a new trace starts\n",
                    ctx->prog, beacon__cli_quote(q, header));
        }
        return;
    }
    ctx->has_parent = true;
    ctx->parent.trace_id = tp.trace_id;
    ctx->parent.span_id = tp.parent_id;
    ctx->parent.flags = tp.flags;
}

int beacon_cli_main(const beacon_catalog_desc *catalog, const beacon_cli_event *events,
                    size_t count, int argc, char **argv) {
    cli_ctx ctx;
    cli_repeats repeats;
    memset(&ctx, 0, sizeof ctx);
    memset(&repeats, 0, sizeof repeats);
    ctx.repeats = &repeats;
    /* A closed stdout (`emit ... | head -c0`) must be an error to report,
     * not a signal that kills the process before it flushes. */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, NULL);
    ctx.prog = argc > 0 && argv != NULL && argv[0] != NULL ? base_name(argv[0]) : "beacon-emit";
    if (catalog == NULL || (events == NULL && count > 0)) {
        fprintf(stderr, "%s: no event catalog\n", ctx.prog);
        return 1;
    }
    ctx.catalog = catalog;
    ctx.events = events;
    ctx.count = count;
    ctx.debug = beacon__cli_debug_enabled();

    char **sinks = argc > 0 ? calloc((size_t)argc, sizeof *sinks) : NULL;
    size_t nsinks = 0;
    bool stats = false, list = false;
    const char *describe = NULL;
    long nthreads = 1;
    int i = 1, rc = 0;
    if (argc > 0 && sinks == NULL) {
        fprintf(stderr, "%s: out of memory\n", ctx.prog);
        return 1;
    }
    for (; i < argc; i++) {
        const char *a = argv[i], *v;
        bool missing = false;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            break;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            beacon__cli_print_help(&ctx);
            goto out;
        } else if (strcmp(a, "--version") == 0) {
            printf("%s (catalog %s version %" PRId64 ", beacon ABI %u)\n", ctx.prog, catalog->name,
                   catalog->version, (unsigned)BEACON_GEN_ABI);
            goto out;
        } else if (strcmp(a, "--list") == 0) {
            list = true;
        } else if (strcmp(a, "--stats") == 0) {
            stats = true;
        } else if ((v = opt_value("--sink", argc, argv, &i, &missing)) != NULL) {
            sinks[nsinks++] = (char *)v;
        } else if (!missing && (v = opt_value("--threads", argc, argv, &i, &missing)) != NULL) {
            char *end = NULL;
            errno = 0;
            nthreads = strtol(v, &end, 10);
            if (errno != 0 || end == v || *end != '\0' || nthreads < 1 || nthreads > 256) {
                char q[CLI_QUOTE_BUF];
                fprintf(stderr, "%s: --threads wants a number from 1 to 256, got %s\n", ctx.prog,
                        beacon__cli_quote(q, v));
                rc = 2;
                goto out;
            }
        } else if (!missing && (v = opt_value("--describe", argc, argv, &i, &missing)) != NULL) {
            describe = v;
        } else if (!missing && (v = opt_value("--context", argc, argv, &i, &missing)) != NULL) {
            if (ctx.ctxvals == NULL) {
                ctx.ctxvals = calloc((size_t)argc, sizeof *ctx.ctxvals);
                if (ctx.ctxvals == NULL) {
                    fprintf(stderr, "%s: out of memory\n", ctx.prog);
                    rc = 1;
                    goto out;
                }
            }
            if (!parse_context_arg(&ctx, v)) {
                rc = 2;
                goto out;
            }
        } else if (!missing && (v = opt_value("--traceparent", argc, argv, &i, &missing)) != NULL) {
            parse_traceparent_arg(&ctx, v);
        } else {
            char q[CLI_QUOTE_BUF];
            if (missing) {
                fprintf(stderr, "%s: option %s needs a value\n", ctx.prog, beacon__cli_quote(q, a));
            } else {
                fprintf(stderr, "%s: unknown option %s (see '%s --help')\n", ctx.prog,
                        beacon__cli_quote(q, a), ctx.prog);
            }
            rc = 2;
            goto out;
        }
    }

    if (list || describe != NULL) {
        if (i < argc) {
            char q[CLI_QUOTE_BUF];
            fprintf(stderr, "%s: unexpected argument %s\n", ctx.prog,
                    beacon__cli_quote(q, argv[i]));
            rc = 2;
        } else if (list) {
            beacon__cli_print_list(&ctx);
        } else {
            const beacon_event_desc *d = find_event(&ctx, describe);
            if (d != NULL) {
                beacon__cli_print_describe(d);
            } else {
                beacon_cli probe;
                char *name = (char *)describe;
                memset(&probe, 0, sizeof probe);
                probe.ctx = &ctx;
                rc = beacon__cli_parse_event_line(&probe, &name, 1); /* reports the unknown event */
                beacon__cli_reset(&probe);
            }
        }
        goto out;
    }
    if (i >= argc) {
        beacon__cli_print_usage(&ctx, stderr);
        rc = 2;
        goto out;
    }

    if (strcmp(argv[i], "-") == 0) {
        if (i + 1 < argc) {
            char q[CLI_QUOTE_BUF];
            fprintf(stderr, "%s: unexpected argument %s after '-'\n", ctx.prog,
                    beacon__cli_quote(q, argv[i + 1]));
            rc = 2;
            goto out;
        }
        rc = runtime_start(&ctx, sinks, nsinks);
        if (rc == 0) {
            rc = beacon__cli_run_stdin(&ctx, nthreads);
            rc = beacon__cli_worse(rc, runtime_stop(&ctx, stats));
        }
        goto out;
    }

    if (nthreads > 1) {
        fprintf(stderr, "%s: --threads works with '-' (stdin) only\n", ctx.prog);
        rc = 2;
        goto out;
    }
    /* One event from argv: parse it fully before starting the runtime, so bad
     * input never opens a sink. */
    beacon_cli cli;
    memset(&cli, 0, sizeof cli);
    cli.ctx = &ctx;
    rc = beacon__cli_parse_event_line(&cli, argv + i, (size_t)(argc - i));
    if (rc == 0) {
        rc = runtime_start(&ctx, sinks, nsinks);
        if (rc == 0) {
            beacon__cli_apply_thread_context(&ctx);
            rc = beacon__cli_call_emit(&cli);
            beacon__cli_drop_thread_context(&ctx);
            rc = beacon__cli_worse(rc, runtime_stop(&ctx, stats));
        }
    }
    beacon__cli_reset(&cli);
out:
    free(sinks);
    free(ctx.ctxvals);
    fflush(stdout);
    return rc;
}
