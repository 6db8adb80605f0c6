/* sink.c — sink specs (URL-like: scheme[:target][?k=v&k=v]) and the pieces
 * shared by fd-based sinks. The scheme table below is the one place that
 * knows which sinks exist and which options each accepts.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include "sink.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef beacon_status (*sink_open_fn)(const beacon__sink_spec *, beacon__sink **, char *, size_t);

typedef struct scheme_info {
    const char *scheme;
    bool needs_target;
    const char *const *options; /* NULL-terminated */
    sink_open_fn open;
} scheme_info;

static const char *const k_stream_options[] = {"prefix", NULL};
static const char *const k_no_options[] = {NULL};

static const scheme_info k_schemes[] = {
    {"stderr", false, k_stream_options, beacon__sink_stream_open},
    {"stdout", false, k_stream_options, beacon__sink_stream_open},
    {"file", true, k_no_options, beacon__sink_file_open},
};

static char *dup_range(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) into a new string. '+' stays literal (RFC 3986,
 * not form encoding), so "prefix=a+b" means "a+b". */
static beacon_status decode(const char *s, size_t n, char **out, const char *what, char *err,
                            size_t err_cap) {
    char *d = malloc(n + 1);
    size_t j = 0;
    if (!d) return BEACON_ERR_NO_MEMORY;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            d[j++] = s[i];
            continue;
        }
        int a = i + 1 < n ? hexval(s[i + 1]) : -1;
        int b = i + 2 < n ? hexval(s[i + 2]) : -1;
        /* %00 would cut the C string short, so it is refused too. */
        if (a < 0 || b < 0 || (a == 0 && b == 0)) {
            snprintf(err, err_cap, "bad percent-escape in %s", what);
            free(d);
            return BEACON_ERR_SINK_SPEC;
        }
        d[j++] = (char)(a * 16 + b);
        i += 2;
    }
    d[j] = '\0';
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
                      : "expected stderr, stdout or file:PATH");
        return BEACON_ERR_SINK_SPEC;
    }
    const char *p = spec + n;
    if (*p == ':') {
        size_t t = strcspn(p + 1, "?");
        if (!(*info)->needs_target) {
            snprintf(err, err_cap, "sink '%s' takes no path", out->scheme);
            return BEACON_ERR_SINK_SPEC;
        }
        st = decode(p + 1, t, &out->target, "the sink path", err, err_cap);
        if (st != BEACON_OK) return st;
        p += 1 + t;
    }
    if ((*info)->needs_target && (!out->target || !*out->target)) {
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

beacon_status beacon__sink_validate(const char *spec, char *err, size_t err_cap) {
    beacon__sink_spec parsed;
    beacon_status st = beacon__sink_spec_parse(spec, &parsed, err, err_cap);
    if (st == BEACON_OK) beacon__sink_spec_free(&parsed);
    return st;
}

beacon_status beacon__sink_open(const char *spec, beacon__sink **out, char *err, size_t err_cap) {
    beacon__sink_spec parsed;
    const scheme_info *info = NULL;
    beacon_status st = parse(spec, &parsed, &info, err, err_cap);
    *out = NULL;
    if (st == BEACON_OK) st = info->open(&parsed, out, err, err_cap);
    beacon__sink_spec_free(&parsed);
    return st;
}

void beacon__scratch_free(beacon__scratch *s) {
    free(s->data);
    s->data = NULL;
    s->cap = 0;
}

/* Writes buf fully, retrying EINTR and partial writes; *written receives the
 * bytes that made it out. */
static int write_all(int fd, const char *buf, size_t len, size_t *written) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, buf + off, len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            *written = off;
            return errno;
        }
        if (n == 0) {
            *written = off;
            return EIO;
        }
        off += (size_t)n;
    }
    *written = off;
    return 0;
}

beacon_status beacon__fd_write_lines(int fd, const char *prefix, size_t prefix_len,
                                     const beacon__batch *batch, beacon__scratch *scratch,
                                     size_t *delivered, int *err_no) {
    size_t total = 0;
    *delivered = 0;
    *err_no = 0;
    for (size_t i = 0; i < batch->count; i++) total += prefix_len + batch->records[i].len + 1;
    if (total == 0) return BEACON_OK;

    if (scratch->cap < total) {
        char *grown = realloc(scratch->data, total);
        if (grown) {
            scratch->data = grown;
            scratch->cap = total;
        }
    }
    if (scratch->cap >= total) {
        /* One write() keeps the batch's lines together in an O_APPEND file
         * shared with other writers. */
        size_t off = 0, written = 0;
        for (size_t i = 0; i < batch->count; i++) {
            if (prefix_len) memcpy(scratch->data + off, prefix, prefix_len);
            off += prefix_len;
            memcpy(scratch->data + off, batch->records[i].json, batch->records[i].len);
            off += batch->records[i].len;
            scratch->data[off++] = '\n';
        }
        *err_no = write_all(fd, scratch->data, total, &written);
        for (size_t i = 0, end = 0; i < batch->count; i++) {
            end += prefix_len + batch->records[i].len + 1;
            if (end > written) break;
            (*delivered)++;
        }
    } else {
        /* Out of memory for the batch buffer: fall back to pieces. */
        for (size_t i = 0; i < batch->count && *err_no == 0; i++) {
            size_t w;
            if (prefix_len) *err_no = write_all(fd, prefix, prefix_len, &w);
            if (!*err_no)
                *err_no = write_all(fd, batch->records[i].json, batch->records[i].len, &w);
            if (!*err_no) *err_no = write_all(fd, "\n", 1, &w);
            if (!*err_no) (*delivered)++;
        }
    }
    return *delivered == batch->count ? BEACON_OK : BEACON_ERR_IO;
}
