/* sink_http_spec.c — HTTP sink specs: scheme → wire format and URL, option
 * values, and the environment the OpenTelemetry and Datadog ecosystems
 * configure exporters with. Precedence: the spec's options, then the
 * environment, then beacon's defaults. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "sinks/sink_http.h"

#include "core/diag.h"
#include "core/text.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 10000L
#define SPOOL_MIN_BYTES    ((uint64_t)64 << 10)
#define SPOOL_MAX_BYTES    ((uint64_t)1 << 40)

const char *const beacon__http_options[] = {
    "batch",      "batch_bytes",     "linger_ms",   "compression", "headers",
    "timeout_ms", "retries",         "concurrency", "ca_file",     "insecure",
    "website",    "protocol",        "envelope",    "mode",        "max_buffer_bytes",
    "spool",      "spool_max_bytes", "spool_sync",  NULL};

beacon_status beacon__http_headers_parse(const char *list, beacon__http_header_fn fn, void *user,
                                         char *err, size_t err_cap) {
    while (list && *list) {
        size_t len = strcspn(list, ",");
        const char *b = list, *e = list + len;
        while (b < e && isspace((unsigned char)*b)) b++;
        while (e > b && isspace((unsigned char)e[-1])) e--;
        if (e > b) {
            const char *eq = memchr(b, '=', (size_t)(e - b));
            if (!eq || eq == b) {
                snprintf(err, err_cap, "headers: an entry is not name=value");
                return BEACON_ERR_SINK_SPEC;
            }
            const char *ke = eq;
            while (ke > b && isspace((unsigned char)ke[-1])) ke--;
            const char *vb = eq + 1;
            while (vb < e && isspace((unsigned char)*vb)) vb++;
            char *name = malloc((size_t)(ke - b) + 1), *value = malloc((size_t)(e - vb) + 1);
            size_t nl, vl;
            bool ok = name && value && beacon__percent_decode(b, (size_t)(ke - b), name, &nl) &&
                      beacon__percent_decode(vb, (size_t)(e - vb), value, &vl);
            bool clean = ok;
            for (const char *c = name; ok && *c; c++)
                clean = clean && (isalnum((unsigned char)*c) || strchr("!#$%&'*+-.^_`|~", *c));
            for (const char *c = value; ok && *c; c++) clean = clean && *c != '\r' && *c != '\n';
            beacon_status st = BEACON_OK;
            if (!name || !value) {
                st = BEACON_ERR_NO_MEMORY;
            } else if (!ok || !clean || !*name) {
                /* Never echo the value: header values are often secrets. */
                snprintf(err, err_cap, "headers: a header name or value is malformed");
                st = BEACON_ERR_SINK_SPEC;
            } else if (fn) {
                st = fn(user, name, value);
            }
            free(name);
            free(value);
            if (st != BEACON_OK) return st;
        }
        list += len;
        if (*list == ',') list++;
    }
    return BEACON_OK;
}

static const char *env(const char *name) {
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* The _LOGS_ form first, then the general one. */
static const char *otlp_env(const char *suffix) {
    char a[96], b[96];
    snprintf(a, sizeof a, "OTEL_EXPORTER_OTLP_LOGS_%s", suffix);
    snprintf(b, sizeof b, "OTEL_EXPORTER_OTLP_%s", suffix);
    const char *v = env(a);
    return v ? v : env(b);
}

static bool parse_long(const char *s, long lo, long hi, long *out) {
    uint64_t v;
    if (!beacon__parse_u64(s, &v) || v < (uint64_t)lo || v > (uint64_t)hi) return false;
    *out = (long)v;
    return true;
}

void beacon__http_warn_grpc_once(void) {
    static atomic_bool warned;
    if (atomic_exchange(&warned, true)) return;
    beacon__warn(BEACON_ERR_SINK_SPEC, "OTLP over gRPC is not supported: sending http/protobuf "
                                       "to the same endpoint");
}

void beacon__http_target_free(beacon__http_target *t) {
    free(t->url);
    free(t->spool_dir);
    free(t->authorization);
    free(t->api_key);
    free(t->env_headers);
    free(t->ddtags);
    memset(t, 0, sizeof *t);
}

static beacon_status fail(beacon__http_target *t, char *err, size_t cap, const char *msg,
                          const char *what) {
    snprintf(err, cap, msg, what);
    beacon__http_target_free(t);
    return BEACON_ERR_SINK_SPEC;
}

static beacon_status out_of_memory(beacon__http_target *t) {
    beacon__http_target_free(t);
    return BEACON_ERR_NO_MEMORY;
}

/* "Basic " + base64(user ":" password) from the percent-encoded userinfo
 * ui[0..n) of a URL (RFC 7617). */
static beacon_status basic_auth(const char *ui, size_t n, char **out) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *colon = memchr(ui, ':', n);
    size_t ul = colon ? (size_t)(colon - ui) : n;
    char *plain = malloc(n + 2);
    char *enc = malloc(6 + 4 * ((n + 1) / 3 + 1) + 1);
    size_t dl = 0, pl = 0;
    beacon_status st = BEACON_OK;
    if (!plain || !enc) {
        st = BEACON_ERR_NO_MEMORY;
    } else if (n == 0 || !beacon__percent_decode(ui, ul, plain, &dl) ||
               (colon && !beacon__percent_decode(colon + 1, n - ul - 1, plain + dl + 1, &pl))) {
        st = BEACON_ERR_SINK_SPEC;
    } else {
        plain[dl] = ':';
        size_t len = dl + 1 + pl, j = 6;
        memcpy(enc, "Basic ", 6);
        for (size_t i = 0; i < len; i += 3) {
            uint32_t v = (uint32_t)(unsigned char)plain[i] << 16;
            if (i + 1 < len) v |= (uint32_t)(unsigned char)plain[i + 1] << 8;
            if (i + 2 < len) v |= (uint32_t)(unsigned char)plain[i + 2];
            enc[j++] = b64[(v >> 18) & 63];
            enc[j++] = b64[(v >> 12) & 63];
            enc[j++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
            enc[j++] = i + 2 < len ? b64[v & 63] : '=';
        }
        enc[j] = '\0';
    }
    if (plain) memset(plain, 0, n + 2);
    free(plain);
    if (st != BEACON_OK) {
        free(enc);
        return st;
    }
    *out = enc;
    return BEACON_OK;
}

beacon_status beacon__http_target_parse(const beacon__sink_spec *spec, beacon__http_target *out,
                                        char *err, size_t err_cap) {
    memset(out, 0, sizeof *out);
    const char *plus = strchr(spec->scheme, '+');
    size_t kind_len = plus ? (size_t)(plus - spec->scheme) : 0;
    bool tls = plus && strcmp(plus + 1, "https") == 0;
#define IS(k) (kind_len == strlen(k) && strncmp(spec->scheme, k, kind_len) == 0)
    bool otlp = IS("otlp"), dd = IS("datadog");
    const char *opt;

    /* The wire format. */
    if (otlp) {
        const char *proto = beacon__sink_spec_option(spec, "protocol");
        if (!proto) proto = otlp_env("PROTOCOL");
        if (!proto || strcmp(proto, "protobuf") == 0 || strcmp(proto, "http/protobuf") == 0) {
            out->format = &beacon__wire_otlp_proto;
        } else if (strcmp(proto, "json") == 0 || strcmp(proto, "http/json") == 0) {
            out->format = &beacon__wire_otlp_json;
        } else if (strcmp(proto, "grpc") == 0) {
            /* Only HTTP is spoken: protobuf over HTTP, said when the sink
             * opens (a spec is parsed more than once). */
            out->grpc = true;
            out->format = &beacon__wire_otlp_proto;
        } else {
            return fail(out, err, err_cap, "option %s wants protobuf or json", "protocol");
        }
    } else if (dd) {
        out->format = &beacon__wire_datadog;
    } else if (IS("cloudevents")) {
        opt = beacon__sink_spec_option(spec, "mode");
        if (opt && strcmp(opt, "structured") != 0 && strcmp(opt, "batch") != 0)
            return fail(out, err, err_cap, "option %s wants batch or structured", "mode");
        out->format = opt && strcmp(opt, "structured") == 0 ? &beacon__wire_cloudevents_structured
                                                            : &beacon__wire_cloudevents;
    } else if (IS("json")) {
        opt = beacon__sink_spec_option(spec, "envelope");
        if (opt && strcmp(opt, "events") != 0 && strcmp(opt, "resource") != 0)
            return fail(out, err, err_cap, "option %s wants events or resource", "envelope");
        out->events_only = opt && strcmp(opt, "events") == 0;
        opt = beacon__sink_spec_option(spec, "batch");
        out->format = opt && strcmp(opt, "1") == 0 ? &beacon__wire_json_single : &beacon__wire_json;
    } else if (IS("ndjson")) {
        out->format = &beacon__wire_ndjson;
    } else if (IS("umami")) {
        out->format = &beacon__wire_umami;
        if (!beacon__sink_spec_option(spec, "website"))
            return fail(out, err, err_cap, "umami sinks need %s=<website id>", "website");
    } else {
        return fail(out, err, err_cap, "unknown HTTP sink '%s'", spec->scheme);
    }
    static const char *const per_kind[][2] = {
        {"protocol", "otlp"}, {"mode", "cloudevents"}, {"envelope", "json"}, {"website", "umami"}};
    for (size_t i = 0; i < sizeof per_kind / sizeof per_kind[0]; i++) {
        if (beacon__sink_spec_option(spec, per_kind[i][0]) && !IS(per_kind[i][1]))
            return fail(out, err, err_cap, "option %s belongs to another HTTP sink",
                        per_kind[i][0]);
    }
#undef IS

    /* The URL: scheme://host[:port][/path]. */
    const char *t = spec->target ? spec->target : "";
    if (strncmp(t, "//", 2) != 0)
        return fail(out, err, err_cap, "sink '%s' needs //host[:port][/path]", spec->scheme);
    const char *host = t + 2;
    size_t host_len = strcspn(host, "/");
    const char *path = host + host_len;
    const char *at = NULL;
    for (size_t i = 0; i < host_len; i++)
        if (host[i] == '@') at = host + i;
    if (at) {
        /* user:password@ becomes a Basic Authorization header, never part
         * of the URL; errors never quote it. */
        beacon_status ast = basic_auth(host, (size_t)(at - host), &out->authorization);
        if (ast == BEACON_ERR_NO_MEMORY) return out_of_memory(out);
        if (ast != BEACON_OK)
            return fail(out, err, err_cap, "sink '%s' has malformed user information",
                        spec->scheme);
        host_len -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    char site_host[256];
    if (host_len == 0) {
        if (!dd) return fail(out, err, err_cap, "sink '%s' needs a host", spec->scheme);
        const char *site = env("DD_SITE");
        snprintf(site_host, sizeof site_host, "http-intake.logs.%s", site ? site : "datadoghq.com");
        host = site_host;
        host_len = strlen(site_host);
    }
    for (size_t i = 0; i < host_len; i++) {
        if (host[i] == '@' || host[i] == ' ')
            return fail(out, err, err_cap, "sink '%s' has a malformed host", spec->scheme);
    }
    const char *use_path = (!*path || strcmp(path, "/") == 0) && out->format->path
                               ? out->format->path
                               : (*path ? path : "/");
    size_t n = strlen(host) + strlen(use_path) + 16;
    out->url = malloc(n);
    if (!out->url) return out_of_memory(out);
    snprintf(out->url, n, "%s://%.*s%s", tls ? "https" : "http", (int)host_len, host, use_path);

    /* Timeout: the spec, the OTLP environment, BEACON_TIMEOUT_MS, 10 s. */
    out->timeout_ms = DEFAULT_TIMEOUT_MS;
    const char *tv = beacon__sink_spec_option(spec, "timeout_ms");
    const char *tsrc = "timeout_ms";
    if (!tv && otlp && otlp_env("TIMEOUT")) {
        tv = otlp_env("TIMEOUT");
        tsrc = "OTEL_EXPORTER_OTLP_TIMEOUT";
    }
    if (!tv && env("BEACON_TIMEOUT_MS")) {
        tv = env("BEACON_TIMEOUT_MS");
        tsrc = "BEACON_TIMEOUT_MS";
    }
    if (tv && !parse_long(tv, 1, 3600000, &out->timeout_ms))
        return fail(out, err, err_cap, "%s wants milliseconds from 1 to 3600000", tsrc);

    /* Compression. */
    const char *cv = beacon__sink_spec_option(spec, "compression");
    if (!cv && otlp) cv = otlp_env("COMPRESSION");
    if (cv && strcmp(cv, "gzip") == 0) {
        out->compression = 1;
    } else if (cv && strcmp(cv, "zstd") == 0) {
        out->compression = 2;
    } else if (cv && strcmp(cv, "none") != 0) {
        return fail(out, err, err_cap, "option %s wants gzip, zstd or none", "compression");
    }

    /* Plain option values. */
    static const char *const numeric[] = {"batch",   "batch_bytes", "linger_ms",
                                          "retries", "concurrency", "max_buffer_bytes"};
    for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++) {
        uint64_t v;
        opt = beacon__sink_spec_option(spec, numeric[i]);
        if (opt && !beacon__parse_u64(opt, &v))
            return fail(out, err, err_cap, "option %s wants a non-negative integer", numeric[i]);
    }
    opt = beacon__sink_spec_option(spec, "insecure");
    if (opt && strcmp(opt, "0") != 0 && strcmp(opt, "1") != 0)
        return fail(out, err, err_cap, "option %s wants 0 or 1", "insecure");
    opt = beacon__sink_spec_option(spec, "headers");
    if (opt && beacon__http_headers_parse(opt, NULL, NULL, err, err_cap) != BEACON_OK) {
        beacon__http_target_free(out);
        return BEACON_ERR_SINK_SPEC;
    }

    /* The spool: where undeliverable batches wait, how much, how durably. */
    opt = beacon__sink_spec_option(spec, "spool");
    if (opt && *opt && opt[0] != '/')
        return fail(out, err, err_cap, "option %s wants an absolute directory path", "spool");
    if (opt && !(out->spool_dir = strdup(opt))) return out_of_memory(out); /* "": none */
    out->spool_max_bytes = BEACON__SPOOL_DEFAULT_MAX_BYTES;
    opt = beacon__sink_spec_option(spec, "spool_max_bytes");
    if (opt && (!beacon__parse_u64(opt, &out->spool_max_bytes) ||
                out->spool_max_bytes < SPOOL_MIN_BYTES || out->spool_max_bytes > SPOOL_MAX_BYTES))
        return fail(out, err, err_cap, "option %s wants bytes from 65536 to 1099511627776",
                    "spool_max_bytes");
    out->spool_sync = BEACON__SPOOL_SYNC_BATCH;
    opt = beacon__sink_spec_option(spec, "spool_sync");
    if (opt && strcmp(opt, "none") == 0) {
        out->spool_sync = BEACON__SPOOL_SYNC_NONE;
    } else if (opt && strcmp(opt, "batch") != 0) {
        return fail(out, err, err_cap, "option %s wants batch or none", "spool_sync");
    }

    /* The ecosystems' own settings. */
    if (otlp && (opt = otlp_env("HEADERS")) != NULL) {
        if (beacon__http_headers_parse(opt, NULL, NULL, err, err_cap) != BEACON_OK) {
            beacon__http_target_free(out);
            snprintf(err, err_cap, "OTEL_EXPORTER_OTLP_HEADERS: an entry is malformed");
            return BEACON_ERR_SINK_SPEC;
        }
        if (!(out->env_headers = strdup(opt))) return out_of_memory(out);
    }
    if (dd && (opt = env("DD_API_KEY")) != NULL) {
        /* A line break would end the header early: refuse, never quote it. */
        if (strpbrk(opt, "\r\n"))
            return fail(out, err, err_cap, "%s holds a line break", "DD_API_KEY");
        if (!(out->api_key = strdup(opt))) return out_of_memory(out);
    }
    if (dd && (opt = env("DD_TAGS")) != NULL && !(out->ddtags = strdup(opt)))
        return out_of_memory(out);
    return BEACON_OK;
}
