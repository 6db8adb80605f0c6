/* spec.c — sink specs (URL-like: scheme[:target][?k=v&k=v]): parsing,
 * per-scheme option checks and validation, and opening a sink through its
 * scheme (schemes.c lists them), plus the schemes' fork hooks.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif
#include "sinks/sink.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "format/serialize.h"

static const char *const k_route_options[] = {"filter", "level", "sample", NULL};
/* What the sink is sent, accepted by every scheme: raw_pii=1 trusts the sink
 * with unredacted PII; resource=1 adds the resource attributes to each event. */
static const char *const k_content_options[] = {"raw_pii", "resource", NULL};
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

static const beacon__sink_scheme *find_scheme(const char *scheme) {
    for (const beacon__sink_scheme *const *s = beacon__sink_schemes; *s; s++) {
        if (strcmp((*s)->scheme, scheme) == 0) return *s;
    }
    return NULL;
}

/* "expected stderr, stdout, file:PATH or capture[:NAME]": the schemes a
 * spec can name. */
static void expected_schemes(char *buf, size_t cap) {
    size_t n = 0, total = 0;
    for (const beacon__sink_scheme *const *s = beacon__sink_schemes; *s; s++)
        total += (*s)->usage != NULL;
    int len = snprintf(buf, cap, "expected");
    for (const beacon__sink_scheme *const *s = beacon__sink_schemes; *s && len >= 0; s++) {
        if (!(*s)->usage) continue;
        const char *sep = n == 0 ? " " : n + 1 == total ? " or " : ", ";
        n++;
        if ((size_t)len < cap)
            len += snprintf(buf + len, cap - (size_t)len, "%s%s", sep, (*s)->usage);
    }
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

static beacon_status parse(const char *spec, beacon__sink_spec *out,
                           const beacon__sink_scheme **info, char *err, size_t err_cap) {
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
        char expected[160];
        expected_schemes(expected, sizeof expected);
        snprintf(err, err_cap, "unknown sink scheme '%s' (%s)", out->scheme,
                 http ? "HTTP sinks are otlp, datadog, cloudevents, json, ndjson or umami, "
                        "then +http or +https"
                      : expected);
        return BEACON_ERR_SINK_SPEC;
    }
    const char *p = spec + n;
    if (*p == ':') {
        size_t t = strcspn(p + 1, "?");
        if ((*info)->target == BEACON__TARGET_NONE) {
            snprintf(err, err_cap, "sink '%s' takes no path", out->scheme);
            return BEACON_ERR_SINK_SPEC;
        }
        /* The path is taken as written (a file name may hold '%'); only
         * option values are percent-decoded. */
        out->target = malloc(t + 1);
        if (!out->target) return BEACON_ERR_NO_MEMORY;
        memcpy(out->target, p + 1, t);
        out->target[t] = '\0';
        p += 1 + t;
    }
    if ((*info)->target == BEACON__TARGET_REQUIRED && (!out->target || !*out->target)) {
        if (strchr(out->scheme, '+'))
            snprintf(err, err_cap, "sink '%s' needs //host[:port][/path]", out->scheme);
        else
            snprintf(err, err_cap, "sink '%s' needs a path, as in %s:/path/events.ndjson",
                     out->scheme, out->scheme);
        return BEACON_ERR_SINK_SPEC;
    }
    if (*p == '?') {
        st = parse_query(p + 1, out, err, err_cap);
        if (st != BEACON_OK) return st;
    }
    for (size_t i = 0; i < out->option_count; i++) {
        bool known = false;
        for (const char *const *o = (*info)->options; o && *o; o++)
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
    const beacon__sink_scheme *info = NULL;
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

static bool listed(const char *const *list, const char *key) {
    for (; list && *list; list++) {
        if (strcmp(*list, key) == 0) return true;
    }
    return false;
}

/* Scheme-specific option values, checked at validation so that a bad value
 * fails beacon_options_add_sink rather than init. */
static beacon_status check_values(const beacon__sink_scheme *info, const beacon__sink_spec *spec,
                                  char *err, size_t err_cap) {
    for (size_t i = 0; i < spec->option_count; i++) {
        const char *key = spec->options[i].key, *value = spec->options[i].value;
        uint64_t v;
        if (listed(info->numeric, key) && !beacon__parse_u64(value, &v)) {
            snprintf(err, err_cap, "option %s wants a non-negative integer, got '%s'", key, value);
            return BEACON_ERR_SINK_SPEC;
        }
        if ((listed(info->flags, key) || listed(k_content_options, key)) &&
            strcmp(value, "0") != 0 && strcmp(value, "1") != 0) {
            snprintf(err, err_cap, "option %s wants 0 or 1, got '%s'", key, value);
            return BEACON_ERR_SINK_SPEC;
        }
    }
    if (info->check) {
        beacon_status cst = info->check(spec, err, err_cap);
        if (cst != BEACON_OK) return cst;
    }
    beacon__route route;
    beacon_status st = beacon__route_parse(spec, &route, err, err_cap);
    if (st == BEACON_OK) beacon__route_free(&route);
    return st;
}

char *beacon__sink_spec_masked(const char *spec) {
    if (!spec) return NULL;
    size_t n = strlen(spec);
    /* Each masked value grows by at most 3 bytes ("" → "***"): the
     * userinfo once, each headers= value (at least 9 bytes apart). */
    char *out = malloc(n + 3 * (n / 8 + 2) + 1);
    if (!out) return NULL;
    const char *q = strchr(spec, '?');
    size_t head = q ? (size_t)(q - spec) + 1 : n;
    /* scheme://user:password@host/...: the userinfo, up to the last '@'
     * of the authority, becomes "***". */
    const char *auth = strstr(spec, "://");
    const char *at = NULL;
    if (auth && (size_t)(auth - spec) < head) {
        auth += 3;
        for (const char *c = auth; c < spec + head && *c != '/' && *c != '?'; c++)
            if (*c == '@') at = c;
    }
    size_t j;
    if (at) {
        j = (size_t)(auth - spec);
        memcpy(out, spec, j);
        memcpy(out + j, "***", 3);
        j += 3;
        memcpy(out + j, at, head - (size_t)(at - spec));
        j += head - (size_t)(at - spec);
    } else {
        memcpy(out, spec, head);
        j = head;
    }
    for (const char *p = q ? q + 1 : spec + n; *p;) {
        size_t len = strcspn(p, "&");
        if (len >= 8 && strncmp(p, "headers=", 8) == 0) {
            memcpy(out + j, "headers=***", 11);
            j += 11;
        } else {
            memcpy(out + j, p, len);
            j += len;
        }
        p += len;
        if (*p == '&') {
            out[j++] = '&';
            p++;
        }
    }
    out[j] = '\0';
    return out;
}

beacon_status beacon__sink_validate(const char *spec, bool allow_callback, char *err,
                                    size_t err_cap) {
    beacon__sink_spec parsed;
    const beacon__sink_scheme *info = NULL;
    beacon_status st = parse(spec, &parsed, &info, err, err_cap);
    if (st == BEACON_OK && info->needs_callback && !allow_callback) {
        snprintf(err, err_cap,
                 "callback sinks are added with beacon_options_add_callback_sink(), not by spec");
        st = BEACON_ERR_SINK_SPEC;
    }
    if (st == BEACON_OK) st = check_values(info, &parsed, err, err_cap);
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
    const beacon__sink_scheme *info = NULL;
    beacon_status st = parse(spec, &parsed, &info, err, err_cap);
    *out = NULL;
    if (st == BEACON_OK) st = check_values(info, &parsed, err, err_cap);
    if (st == BEACON_OK) {
        if (info->needs_callback && !(cb && cb->fn)) {
            snprintf(err, err_cap, "%s sink without a function", info->scheme);
            st = BEACON_ERR_SINK_SPEC;
        } else {
            st = info->open(&parsed, cb, out, err, err_cap);
        }
    }
    if (st == BEACON_OK && *out) (*out)->json_flags = beacon__sink_json_flags(&parsed);
    beacon__sink_spec_free(&parsed);
    return st;
}

void beacon__sinks_atfork_prepare(void) {
    for (const beacon__sink_scheme *const *s = beacon__sink_schemes; *s; s++) {
        if ((*s)->fork_prepare) (*s)->fork_prepare();
    }
}

/* Parent and child release in reverse order. */
static void release_in_reverse(bool child) {
    size_t n = 0;
    while (beacon__sink_schemes[n]) n++;
    while (n-- > 0) {
        const beacon__sink_scheme *s = beacon__sink_schemes[n];
        void (*fn)(void) = child ? s->fork_child : s->fork_parent;
        if (fn) fn();
    }
}

void beacon__sinks_atfork_parent(void) {
    release_in_reverse(false);
}

void beacon__sinks_atfork_child(void) {
    release_in_reverse(true);
}
