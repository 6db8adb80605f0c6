/* cli.h — what the files of the CLI runtime share (internal to cli/): the
 * per-line arena, the process settings and one line's state, and the
 * functions one file offers another. The CLI sees the runtime through the
 * public headers plus core/ (field rules, text helpers).
 */
#ifndef BEACON_SRC_CLI_CLI_H
#define BEACON_SRC_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <beacon/beacon.h>
#include <beacon/beacon_cli.h>

#define CLI_FLUSH_TIMEOUT_MS 5000 /* default of BEACON_SHUTDOWN_TIMEOUT_MS */
#define CLI_BLOCK_MS         5000 /* an emit waits this long for queue room before dropping */
#define CLI_REPEAT_SHOWN     3    /* runtime failures shown per status; the rest counted */
#define CLI_QUOTE_MAX        64   /* bytes of a user value echoed in a message */
#define CLI_QUOTE_BUF        320  /* CLI_QUOTE_MAX bytes escaped (x4) + quotes + "..." */
#define CLI_SPELL_BUF        1024 /* type spelling, incl. "one of a|b|c" lists */

/* The per-line arena (arena.c): every value of one event line. */
typedef struct cli_chunk {
    struct cli_chunk *next;
    size_t used;
    size_t cap;
} cli_chunk;

typedef struct cli_arena {
    cli_chunk *head;
} cli_arena;

typedef union cli_scalar {
    bool b;
    int64_t i;
    uint64_t u;
    double d;
    const char *s;
    int e;
} cli_scalar;

typedef struct cli_value {
    uint32_t seen;   /* occurrences on the line (pass 1) */
    uint32_t filled; /* list items / attributes stored (pass 2) */
    cli_scalar v;
    void *items; /* lists: element array; attributes: beacon_attr array */
} cli_value;

/* One --context FIELD=VALUE: a context field of the catalog and its value. */
typedef struct cli_ctx_value {
    uint32_t index;
    cli_scalar v;
} cli_ctx_value;

/* Runtime failures of one run by status (the last slot: any other), shared
 * by every producer thread, so repeats become one summary line. */
typedef struct cli_repeats {
    _Atomic unsigned long count[BEACON_STATUS_COUNT_ + 1];
} cli_repeats;

/* Process-wide settings of one beacon_cli_main run. */
typedef struct cli_ctx {
    const beacon_catalog_desc *catalog;
    const beacon_cli_event *events;
    size_t count;
    const char *prog;
    bool debug;
    beacon_counters base;   /* process-lifetime counters when the runtime started */
    cli_ctx_value *ctxvals; /* --context values, applied on every emitting thread */
    size_t nctx;
    bool has_parent; /* a valid --traceparent: events continue its trace */
    beacon_trace_context parent;
    cli_repeats *repeats; /* NULL: every failure is shown */
} cli_ctx;

struct beacon_cli {
    const cli_ctx *ctx;
    const beacon_cli_event *event;
    const beacon_event_desc *desc; /* NULL until the event name resolved */
    long line;                     /* stdin line number; 0 for argv */
    cli_arena arena;
    cli_value *values; /* one per desc->fields */
    bool has_corr;
    beacon_lifecycle corr;
    unsigned errors;
};

typedef struct suggester {
    const char *input;
    const char *best;
    size_t best_dist;
} suggester;

/* How a token addresses the event: a field, an attribute entry of a field,
 * or the correlation argument. */
typedef struct cli_target {
    int32_t field;   /* -1: correlation */
    const char *key; /* attributes: start of KEY in the token, else NULL */
    size_t key_len;
    const char *value;
} cli_target;

/* One stdin line kept for a producer thread. */
typedef struct cli_line {
    char *text;
    size_t len;
    long lineno;
} cli_line;

/* What one producer did with its share of the lines. */
typedef struct cli_share {
    cli_ctx *ctx;
    const cli_line *lines;
    size_t count;
    size_t first, step;
    long bad, total;
    int rc;
} cli_share;

/* Zeroed memory from the arena; NULL when out of memory. */
void *beacon__cli_arena_alloc(cli_arena *a, size_t n);

/* Frees every chunk; the arena is empty and reusable afterwards. */
void beacon__cli_arena_free(cli_arena *a);

char *beacon__cli_arena_strndup(cli_arena *a, const char *s, size_t n);

/* BEACON_DEBUG=1 in the environment. */
bool beacon__cli_debug_enabled(void);

/* What a value must look like, for "expected ..." messages:
 * "int", "one of a|b", "list<int> element int". */
const char *beacon__cli_expected_spelling(const beacon_field_desc *f, char *buf, size_t cap);

/* Writes `s` for a message: control bytes as \xNN, cut after CLI_QUOTE_MAX
 * bytes (on a UTF-8 boundary) with "...", so hostile input cannot garble a
 * terminal or flood the log. */
const char *beacon__cli_quote(char out[CLI_QUOTE_BUF], const char *s);

/* One message line on stderr: "<prog>: [line N: ][event: ]<text>"; whole
 * lines also when several threads report at once. */
void beacon__cli_say(const beacon_cli *cli, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A user value for a message, or a placeholder when the field has a PII
 * policy: diagnostics must never carry what the policy protects. */
const char *beacon__cli_shown_value(char out[CLI_QUOTE_BUF], const beacon_field_desc *f,
                                    const char *s);

/* Offers one candidate name for the did-you-mean of sg->input. */
void beacon__cli_suggest_consider(suggester *sg, const char *candidate);

/* The best candidate if it is close enough to be a plausible typo. */
const char *beacon__cli_suggest_result(const suggester *sg);

/* The catalog spelling: "int", "record_type", "list<string>", "attributes". */
const char *beacon__cli_type_spelling(const beacon_field_desc *f, char *buf, size_t cap);

/* Parses `s` as a value of `f`'s (element) type. */
bool beacon__cli_parse_scalar(const beacon_field_desc *f, const char *s, cli_scalar *out);

/* A lifecycle handle as a begin event prints it (a traceparent value:
 * 00-<trace id>-<begin span id>-<flags>), or a trace id alone (32 hex
 * digits, not all zero; span id zero, flags sampled). */
bool beacon__cli_parse_handle(const char *s, beacon_lifecycle *out);

/* Stores one attribute entry; reports and returns false on a bad value. */
bool beacon__cli_store_attr(beacon_cli *cli, const beacon_field_desc *f, cli_value *val,
                            const cli_target *t, const char *token);

/* Stores v as item k of a list of f's element type. */
void beacon__cli_store_elem(const beacon_field_desc *f, void *items, size_t k, const cli_scalar *v);

/* Forgets the current line: arena freed, values and correlation cleared. */
void beacon__cli_reset(beacon_cli *cli);

/* Parses tokens[0..n) = EVENT field=value ... into cli (whose arena must be
 * empty). Returns 0 or 2 (problems already reported, one line each). */
int beacon__cli_parse_event_line(beacon_cli *cli, char **tokens, size_t n);

/* One line per field, space-separated so scripts can read it:
 *   NAME TYPE required|optional [deprecated] [min=] [max=] [max_length=]
 *   [max_items=] [values=a|b] [deprecated_values=a|b] [pii=P] [unit=U]
 * followed by the description on its own line, indented six spaces. */
void beacon__cli_print_describe(const beacon_event_desc *d);

/* --help: usage, options and the catalog's context fields on stdout. */
void beacon__cli_print_help(const cli_ctx *ctx);

/* --list: every event of the catalog with its description on stdout. */
void beacon__cli_print_list(const cli_ctx *ctx);

/* The usage lines, on out. */
void beacon__cli_print_usage(const cli_ctx *ctx, FILE *out);

/* --context and --traceparent act on the calling thread's state, so every
 * thread that emits applies them first. Values were validated at parse. */
void beacon__cli_apply_thread_context(const cli_ctx *ctx);

/* Hands the parsed line to the event's generated emit function; returns
 * the exit code (see beacon_cli_finish). */
int beacon__cli_call_emit(beacon_cli *cli);

/* Undoes beacon__cli_apply_thread_context on the calling thread. */
void beacon__cli_drop_thread_context(const cli_ctx *ctx);

/* Parses and emits one stdin line; returns its exit code and counts it. */
int beacon__cli_handle_line(beacon_cli *cli, const char *line, size_t len, long lineno,
                            long *total);

/* Thread body of --threads: parses and emits its cli_share of the lines. */
void *beacon__cli_run_share(void *arg);

/* Worse of two exit codes: a runtime failure (1) outranks bad input (2). */
int beacon__cli_worse(int a, int b);

/* Reads event lines from stdin until EOF (over nthreads producers when
 * nthreads > 1); returns the exit code. */
int beacon__cli_run_stdin(cli_ctx *ctx, long nthreads);

/* Prints, once at the end of a run, how many runtime failures of each
 * status were counted but not shown (report.c). */
void beacon__cli_report_repeats(const cli_ctx *ctx);

#endif /* BEACON_SRC_CLI_CLI_H */
