/* sink.c — sink specs (URL-like: scheme[:target][?k=v&k=v]) and the pieces
 * shared by fd-based sinks. The scheme table below is the one place that
 * knows which sinks exist and which options each accepts.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include "sinks/sink.h"

#include "core/text.h"

#include "format/serialize.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef beacon_status (*sink_open_fn)(const beacon__sink_spec *, beacon__sink **, char *, size_t);

typedef enum target_rule { TARGET_NONE, TARGET_REQUIRED, TARGET_OPTIONAL } target_rule;

typedef struct scheme_info {
    const char *scheme;
    target_rule target;
    const char *const *options; /* NULL-terminated; the routing options come on top */
    sink_open_fn open;          /* NULL: callback (opened with its function) */
} scheme_info;

static const char *const k_route_options[] = {"filter", "level", "sample", NULL};
/* What the sink is sent, accepted by every scheme: raw_pii=1 trusts the sink
 * with unredacted PII; resource=1 adds the resource attributes to each event. */
static const char *const k_content_options[] = {"raw_pii", "resource", NULL};
static const char *const k_stream_options[] = {"prefix", NULL};
static const char *const k_file_options[] = {"max_bytes", "keep", NULL};
static const char *const k_capture_options[] = {"max", NULL};
static const char *const k_callback_options[] = {"per_event", NULL};

static const scheme_info k_schemes[] = {
    {"stderr", TARGET_NONE, k_stream_options, beacon__sink_stream_open},
    {"stdout", TARGET_NONE, k_stream_options, beacon__sink_stream_open},
    {"file", TARGET_REQUIRED, k_file_options, beacon__sink_file_open},
    {"capture", TARGET_OPTIONAL, k_capture_options, beacon__sink_capture_open},
    {"callback", TARGET_NONE, k_callback_options, NULL},
};

static char *dup_range(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Percent-decodes s[0..n) into a new string. '+' stays literal (RFC 3986,
 * not form encoding), so "prefix=a+b" means "a+b". */
static beacon_status decode(const char *s, size_t n, char **out, const char *what, char *err,
                            size_t err_cap) {
    char *d = malloc(n + 1);
    size_t len;
    if (!d) return BEACON_ERR_NO_MEMORY;
    if (!beacon__percent_decode(s, n, d, &len)) {
        snprintf(err, err_cap, "bad percent-escape in %s", what);
        free(d);
        return BEACON_ERR_SINK_SPEC;
    }
    *out = d;
    return BEACON_OK;
}

void beacon__sink_spec_free(beacon__sink_spec *spec) {
    if (!spec) return;
    free(spec->scheme);
    free(spec->target);
    for (size_t i = 0; i < spec->option_count; i++) {
        free(spec->options[i].key);
        free(spec->options[i].value);
    }
    memset(spec, 0, sizeof *spec);
}

const char *beacon__sink_spec_option(const beacon__sink_spec *spec, const char *key) {
    const char *v = NULL;
    for (size_t i = 0; i < spec->option_count; i++) {
        if (strcmp(spec->options[i].key, key) == 0) v = spec->options[i].value; /* last wins */
    }
    return v;
}

static const scheme_info *find_scheme(const char *scheme) {
    for (size_t i = 0; i < sizeof k_schemes / sizeof k_schemes[0]; i++) {
        if (strcmp(k_schemes[i].scheme, scheme) == 0) return &k_schemes[i];
    }
    return NULL;
}

static beacon_status parse_query(const char *q, beacon__sink_spec *out, char *err, size_t err_cap) {
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t n = amp ? (size_t)(amp - q) : strlen(q);
        if (n > 0) {
            const char *eq = memchr(q, '=', n);
            beacon_status st;
            if (!eq || eq == q) {
                snprintf(err, err_cap, "sink option '%.*s' must be written key=value", (int)n, q);
                return BEACON_ERR_SINK_SPEC;
            }
            if (out->option_count == BEACON__SPEC_MAX_OPTIONS) {
                snprintf(err, err_cap, "too many sink options (at most %d)",
                         BEACON__SPEC_MAX_OPTIONS);
                return BEACON_ERR_SINK_SPEC;
            }
            beacon__spec_option *o = &out->options[out->option_count];
            st = decode(q, (size_t)(eq - q), &o->key, "an option name", err, err_cap);
            if (st != BEACON_OK) return st;
            st = decode(eq + 1, n - (size_t)(eq - q) - 1, &o->value, "an option value", err,
                        err_cap);
            if (st != BEACON_OK) {
                free(o->key);
                o->key = NULL;
                return st;
            }
            out->option_count++;
        }
        q += n;
        if (*q == '&') q++;
    }
    return BEACON_OK;
}

static beacon_status parse(const char *spec, beacon__sink_spec *out, const scheme_info **info,
                           char *err, size_t err_cap) {
    beacon_status st;
    memset(out, 0, sizeof *out);
    if (!spec || !*spec) {
        snprintf(err, err_cap, "empty sink spec");
        return BEACON_ERR_SINK_SPEC;
    }
    size_t n = strcspn(spec, ":?");
    out->scheme = dup_range(spec, n);
    if (!out->scheme) return BEACON_ERR_NO_MEMORY;
    for (char *p = out->scheme; *p; p++) *p = (char)tolower((unsigned char)*p);
    *info = find_scheme(out->scheme);
    if (!*info) {
        bool http = strstr(out->scheme, "http") != NULL;
        snprintf(err, err_cap, "unknown sink scheme '%s' (%s)", out->scheme,
                 http ? "HTTP sinks are not supported yet"
                      : "expected stderr, stdout, file:PATH or capture[:NAME]");
        return BEACON_ERR_SINK_SPEC;
    }
    const char *p = spec + n;
    if (*p == ':') {
        size_t t = strcspn(p + 1, "?");
        if ((*info)->target == TARGET_NONE) {
            snprintf(err, err_cap, "sink '%s' takes no path", out->scheme);
            return BEACON_ERR_SINK_SPEC;
        }
        st = decode(p + 1, t, &out->target, "the sink path", err, err_cap);
        if (st != BEACON_OK) return st;
        p += 1 + t;
    }
    if ((*info)->target == TARGET_REQUIRED && (!out->target || !*out->target)) {
        snprintf(err, err_cap, "sink '%s' needs a path, as in %s:/path/events.ndjson", out->scheme,
                 out->scheme);
        return BEACON_ERR_SINK_SPEC;
    }
    if (*p == '?') {
        st = parse_query(p + 1, out, err, err_cap);
        if (st != BEACON_OK) return st;
    }
    for (size_t i = 0; i < out->option_count; i++) {
        bool known = false;
        for (const char *const *o = (*info)->options; *o; o++)
            known = known || strcmp(*o, out->options[i].key) == 0;
        for (const char *const *o = k_route_options; *o; o++)
            known = known || strcmp(*o, out->options[i].key) == 0;
        for (const char *const *o = k_content_options; *o; o++)
            known = known || strcmp(*o, out->options[i].key) == 0;
        if (!known) {
            snprintf(err, err_cap, "unknown option '%s' for sink '%s'", out->options[i].key,
                     out->scheme);
            return BEACON_ERR_SINK_SPEC;
        }
    }
    return BEACON_OK;
}

beacon_status beacon__sink_spec_parse(const char *spec, beacon__sink_spec *out, char *err,
                                      size_t err_cap) {
    const scheme_info *info = NULL;
    beacon_status st = parse(spec, out, &info, err, err_cap);
    if (st != BEACON_OK) beacon__sink_spec_free(out);
    return st;
}

bool beacon__parse_u64(const char *s, uint64_t *out) {
    uint64_t v = 0;
    if (!s || !*s) return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        uint64_t d = (uint64_t)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Scheme-specific option values, checked at validation so that a bad value
 * fails beacon_options_add_sink rather than init. */
static beacon_status check_values(const beacon__sink_spec *spec, char *err, size_t err_cap) {
    static const char *const numeric[] = {"max_bytes", "keep", "max", NULL};
    for (size_t i = 0; i < spec->option_count; i++) {
        for (const char *const *k = numeric; *k; k++) {
            uint64_t v;
            if (strcmp(spec->options[i].key, *k) == 0 &&
                !beacon__parse_u64(spec->options[i].value, &v)) {
                snprintf(err, err_cap, "option %s wants a non-negative integer, got '%s'", *k,
                         spec->options[i].value);
                return BEACON_ERR_SINK_SPEC;
            }
        }
        static const char *const flags[] = {"per_event", "raw_pii", "resource", NULL};
        for (const char *const *k = flags; *k; k++) {
            if (strcmp(spec->options[i].key, *k) == 0 && strcmp(spec->options[i].value, "0") != 0 &&
                strcmp(spec->options[i].value, "1") != 0) {
                snprintf(err, err_cap, "option %s wants 0 or 1, got '%s'", *k,
                         spec->options[i].value);
                return BEACON_ERR_SINK_SPEC;
            }
        }
    }
    beacon__route route;
    beacon_status st = beacon__route_parse(spec, &route, err, err_cap);
    if (st == BEACON_OK) beacon__route_free(&route);
    return st;
}

beacon_status beacon__sink_validate(const char *spec, bool allow_callback, char *err,
                                    size_t err_cap) {
    beacon__sink_spec parsed;
    const scheme_info *info = NULL;
    beacon_status st = parse(spec, &parsed, &info, err, err_cap);
    if (st == BEACON_OK && !info->open && !allow_callback) {
        snprintf(err, err_cap,
                 "callback sinks are added with beacon_options_add_callback_sink(), not by spec");
        st = BEACON_ERR_SINK_SPEC;
    }
    if (st == BEACON_OK) st = check_values(&parsed, err, err_cap);
    beacon__sink_spec_free(&parsed);
    return st;
}

unsigned beacon__sink_json_flags(const beacon__sink_spec *spec) {
    unsigned flags = 0;
    const char *raw = beacon__sink_spec_option(spec, "raw_pii");
    const char *res = beacon__sink_spec_option(spec, "resource");
    if (raw && strcmp(raw, "1") == 0) flags |= BEACON_JSON_RAW_PII;
    if (res && strcmp(res, "1") == 0) flags |= BEACON__JSON_RESOURCE;
    return flags;
}

beacon_status beacon__sink_open(const char *spec, const beacon__callback_target *cb,
                                beacon__sink **out, char *err, size_t err_cap) {
    beacon__sink_spec parsed;
    const scheme_info *info = NULL;
    beacon_status st = parse(spec, &parsed, &info, err, err_cap);
    *out = NULL;
    if (st == BEACON_OK) st = check_values(&parsed, err, err_cap);
    if (st == BEACON_OK) {
        if (info->open) {
            st = info->open(&parsed, out, err, err_cap);
        } else if (cb && cb->fn) {
            st = beacon__sink_callback_open(&parsed, cb, out, err, err_cap);
        } else {
            snprintf(err, err_cap, "callback sink without a function");
            st = BEACON_ERR_SINK_SPEC;
        }
    }
    if (st == BEACON_OK && *out) (*out)->json_flags = beacon__sink_json_flags(&parsed);
    beacon__sink_spec_free(&parsed);
    return st;
}

/* ---- routing options ---------------------------------------------------- */

void beacon__route_free(beacon__route *route) {
    for (size_t i = 0; i < route->count; i++) free(route->patterns[i].glob);
    free(route->patterns);
    memset(route, 0, sizeof *route);
}

static const char *const k_level_names[] = {"debug", "info", "warn", "error"};

static beacon_status parse_filter(const char *v, beacon__route *r, char *err, size_t err_cap) {
    while (*v) {
        size_t n = strcspn(v, ",");
        const char *b = v, *e = v + n;
        while (b < e && *b == ' ') b++;
        while (e > b && e[-1] == ' ') e--;
        if (e > b) {
            beacon__route_pattern p = {NULL, false, false};
            if (*b == '!') {
                p.negate = true;
                b++;
            }
            const char *colon = memchr(b, ':', (size_t)(e - b));
            if (colon) {
                if ((size_t)(colon - b) != 8 || strncmp(b, "category", 8) != 0) {
                    snprintf(err, err_cap,
                             "filter pattern '%.*s': only category:<glob> may contain ':'",
                             (int)(e - b), b);
                    return BEACON_ERR_SINK_SPEC;
                }
                p.category = true;
                b = colon + 1;
            }
            if (e == b) {
                snprintf(err, err_cap, "empty filter pattern");
                return BEACON_ERR_SINK_SPEC;
            }
            beacon__route_pattern *grown =
                realloc(r->patterns, (r->count + 1) * sizeof *r->patterns);
            if (!grown) return BEACON_ERR_NO_MEMORY;
            r->patterns = grown;
            p.glob = dup_range(b, (size_t)(e - b));
            if (!p.glob) return BEACON_ERR_NO_MEMORY;
            r->patterns[r->count++] = p;
            if (!p.negate) r->any_positive = true;
        }
        v += n;
        if (*v == ',') v++;
    }
    return BEACON_OK;
}

beacon_status beacon__route_parse(const beacon__sink_spec *spec, beacon__route *route, char *err,
                                  size_t err_cap) {
    memset(route, 0, sizeof *route);
    route->min_level = -1;
    route->sample = 1.0;
    beacon_status st = BEACON_OK;
    for (size_t i = 0; i < spec->option_count && st == BEACON_OK; i++) {
        const char *k = spec->options[i].key, *v = spec->options[i].value;
        if (strcmp(k, "filter") == 0) {
            st = parse_filter(v, route, err, err_cap);
        } else if (strcmp(k, "level") == 0) {
            route->min_level = -1;
            for (int l = 0; l < 4; l++) {
                if (strcmp(v, k_level_names[l]) == 0) route->min_level = l;
            }
            if (route->min_level < 0) {
                snprintf(err, err_cap, "level wants debug, info, warn or error, got '%s'", v);
                st = BEACON_ERR_SINK_SPEC;
            }
        } else if (strcmp(k, "sample") == 0) {
            char *end = NULL;
            double d = strtod(v, &end);
            if (!*v || !end || *end || !(d >= 0.0 && d <= 1.0)) {
                snprintf(err, err_cap, "sample wants a number from 0 to 1, got '%s'", v);
                st = BEACON_ERR_SINK_SPEC;
            } else {
                route->sample = d;
            }
        }
    }
    if (st != BEACON_OK) beacon__route_free(route);
    return st;
}

bool beacon__route_accepts(const beacon__route *route, const beacon_event_desc *d) {
    if (route->min_level >= 0 && (int)d->level < route->min_level) return false;
    bool positive = !route->any_positive;
    for (size_t i = 0; i < route->count; i++) {
        const beacon__route_pattern *p = &route->patterns[i];
        const char *subject = p->category ? d->category : d->name;
        if (!beacon__glob_match(p->glob, subject)) continue;
        if (p->negate) return false;
        positive = true;
    }
    return positive;
}

void beacon__scratch_free(beacon__scratch *s) {
    free(s->data);
    s->data = NULL;
    s->cap = 0;
}

/* SIGPIPE. write() into a pipe or socket whose reader is gone raises
 * SIGPIPE, whose default action kills the process: telemetry must turn that
 * into EPIPE instead. The signal write() raises is directed at the writing
 * thread, so blocking it on that thread is enough and leaves the host's own
 * disposition alone. The worker blocks it for its whole life; any other
 * thread that writes blocks it around the write and consumes the SIGPIPE it
 * caused (unless one was already pending, which is the host's). */
static _Thread_local bool t_sigpipe_blocked;

void beacon__sink_block_sigpipe_on_this_thread(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) == 0) t_sigpipe_blocked = true;
}

typedef struct pipe_guard {
    sigset_t old;
    bool restore;     /* this call blocked SIGPIPE and must unblock it */
    bool was_pending; /* a SIGPIPE was pending before: not ours to consume */
} pipe_guard;

static void pipe_guard_enter(pipe_guard *g) {
    g->restore = g->was_pending = false;
    if (t_sigpipe_blocked) return;
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &set, &g->old) != 0 || sigismember(&g->old, SIGPIPE)) return;
    g->restore = true;
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
}

static void pipe_guard_leave(pipe_guard *g, int err) {
    if (!g->restore) return;
    if (err == EPIPE && !g->was_pending) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        struct timespec zero = {0, 0};
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* Writes buf fully, retrying EINTR and partial writes; *written receives the
 * bytes that made it out. A closed pipe gives EPIPE, never SIGPIPE. */
static int write_all(int fd, const char *buf, size_t len, size_t *written) {
    size_t off = 0;
    int err = 0;
    pipe_guard guard;
    pipe_guard_enter(&guard);
    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            err = errno;
            break;
        }
        if (n == 0) {
            err = EIO;
            break;
        }
        off += (size_t)n;
    }
    pipe_guard_leave(&guard, err);
    *written = off;
    return err;
}

/* *delivered = the batch's lines (each prefix_len + text + '\n') wholly
 * within the first `written` bytes; returns their bytes. */
static size_t count_whole_lines(const beacon__batch *batch, size_t prefix_len, size_t written,
                                size_t *delivered) {
    size_t end = 0;
    for (size_t i = 0; i < batch->count; i++) {
        size_t next = end + prefix_len + batch->records[i].len + 1;
        if (next > written) break;
        end = next;
        (*delivered)++;
    }
    return end;
}

beacon_status beacon__fd_write_lines(int fd, const char *prefix, size_t prefix_len,
                                     const beacon__batch *batch, beacon__scratch *scratch,
                                     size_t *delivered, int *err_no) {
    size_t total = 0;
    *delivered = 0;
    *err_no = 0;
    for (size_t i = 0; i < batch->count; i++) total += prefix_len + batch->records[i].len + 1;
    if (total == 0) return BEACON_OK;
    /* A failed write that stopped inside a line left it unterminated: end it
     * first, so that the batch's first line stays a line of its own. */
    size_t lead = scratch->torn ? 1 : 0;

    if (prefix_len == 0 && batch->ndjson) {
        /* Already NDJSON in one piece: written as it lies, in one write(). */
        size_t written = 0;
        if (lead && (*err_no = write_all(fd, "\n", 1, &written)) != 0) return BEACON_ERR_IO;
        scratch->torn = false;
        *err_no = write_all(fd, batch->records[0].json, total, &written);
        scratch->torn = count_whole_lines(batch, 0, written, delivered) < written;
        return *delivered == batch->count ? BEACON_OK : BEACON_ERR_IO;
    }
    if (scratch->cap < lead + total) {
        char *grown = realloc(scratch->data, lead + total);
        if (grown) {
            scratch->data = grown;
            scratch->cap = lead + total;
        }
    }
    if (scratch->cap >= lead + total) {
        /* One write() keeps the batch's lines together in an O_APPEND file
         * shared with other writers. */
        size_t off = 0, written = 0;
        if (lead) scratch->data[off++] = '\n';
        for (size_t i = 0; i < batch->count; i++) {
            if (prefix_len) memcpy(scratch->data + off, prefix, prefix_len);
            off += prefix_len;
            memcpy(scratch->data + off, batch->records[i].json, batch->records[i].len);
            off += batch->records[i].len;
            scratch->data[off++] = '\n';
        }
        *err_no = write_all(fd, scratch->data, lead + total, &written);
        if (written >= lead) {
            written -= lead;
            scratch->torn = count_whole_lines(batch, prefix_len, written, delivered) < written;
        }
    } else {
        /* Out of memory for the batch buffer: fall back to pieces. */
        size_t w = 0;
        if (lead && (*err_no = write_all(fd, "\n", 1, &w)) != 0) return BEACON_ERR_IO;
        scratch->torn = false;
        for (size_t i = 0; i < batch->count && *err_no == 0; i++) {
            const char *piece[3] = {prefix, batch->records[i].json, "\n"};
            size_t piece_len[3] = {prefix_len, batch->records[i].len, 1};
            size_t line = 0;
            for (int k = 0; k < 3 && *err_no == 0; k++) {
                if (piece_len[k] == 0) continue;
                *err_no = write_all(fd, piece[k], piece_len[k], &w);
                line += w;
            }
            if (*err_no == 0) {
                (*delivered)++;
            } else {
                scratch->torn = line > 0;
            }
        }
    }
    return *delivered == batch->count ? BEACON_OK : BEACON_ERR_IO;
}
