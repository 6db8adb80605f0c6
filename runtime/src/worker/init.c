/* init.c — the options object and beacon_init, which gathers sinks, hash
 * key, resource attributes and the environment into the worker's
 * configuration, and the thin public wrappers over the worker (flush,
 * shutdown, stats, run-time switch). It sits above every other folder
 * because options hold sink specs (checked by sinks/) and a hasher
 * (privacy/).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/diag.h"
#include "core/sampling.h"
#include "core/text.h"
#include "emit/record.h"
#include "format/json.h"
#include "privacy/pii_hash.h"
#include "worker/exit.h"
#include "worker/pipeline.h"
#include "core/state.h"
#include "sinks/sink.h"

#define ERR_MAX          256
#define DEFAULT_RING_KB  256
#define MAX_QUEUE_MB_MAX (1u << 20)

/* One resource attribute (key and value owned). */
typedef struct beacon__resource_attr {
    char *key;
    char *value;
} beacon__resource_attr;

struct beacon_options {
    beacon__sink_config *sinks;
    size_t sink_count;
    bool sinks_set; /* set in code (even to an empty list) */
    int debug;      /* -1: not set in code */
    beacon_diag_fn diag_fn;
    void *diag_user;
    char *service_name;
    char *service_version;
    int enabled;    /* -1: not set in code */
    size_t ring_kb; /* 0: environment or default */
    int block_ms;
    size_t max_queue_mb;    /* 0: environment or default */
    beacon__hasher *hasher; /* set in code; wins over BEACON_HASH_KEY */
    beacon__resource_attr *attrs;
    size_t attr_count;
    char *spool_dir; /* set in code ("" turns the spool off); NULL: BEACON_SPOOL_DIR */
};

/* ---- options ---------------------------------------------------------- */

static beacon__diag_cfg options_diag(const beacon_options *opts) {
    beacon__diag_cfg cfg;
    cfg.fn = opts->diag_fn;
    cfg.user = opts->diag_user;
    cfg.level = beacon__env_log_level(NULL);
    /* Set in code, debug wins over the environment either way. */
    if (opts->debug == 1) cfg.level = BEACON__LOG_DEBUG;
    if (opts->debug == 0 && cfg.level == BEACON__LOG_DEBUG) cfg.level = BEACON__LOG_WARN;
    return cfg;
}

static void free_sinks(beacon__sink_config *s, size_t n) {
    for (size_t i = 0; i < n; i++) free(s[i].spec);
    free(s);
}

/* Splits a ';'-separated list, trimming blanks and skipping empty entries,
 * and validates each spec; an invalid one is named with the reason. With
 * skip_invalid the valid ones are kept (BEACON_SINKS: one typo must not
 * turn telemetry off); otherwise the first invalid one fails the call.
 * *invalid (may be NULL) receives how many were invalid. */

/* Says why spec was refused, with its header values masked (they are often
 * credentials). */
static void warn_spec(const beacon__diag_cfg *cfg, beacon_status st, const char *spec,
                      const char *err, const char *tail) {
    char *shown = beacon__sink_spec_masked(spec);
    beacon__diag_to(cfg, BEACON__LOG_WARN, st, "sink spec '%s': %s%s",
                    shown ? shown : "(not shown)", err, tail);
    free(shown);
}
static beacon_status split_specs(const char *list, beacon__sink_config **out, size_t *out_n,
                                 const beacon__diag_cfg *cfg, bool skip_invalid, size_t *invalid) {
    beacon__sink_config *specs = NULL;
    size_t n = 0;
    const char *p = list;
    *out = NULL;
    *out_n = 0;
    if (invalid) *invalid = 0;
    while (*p) {
        size_t len = strcspn(p, ";");
        const char *b = p, *e = p + len;
        while (b < e && (*b == ' ' || *b == '\t')) b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t')) e--;
        if (e > b) {
            char err[ERR_MAX];
            beacon__sink_config *grown = realloc(specs, (n + 1) * sizeof *specs);
            char *spec = malloc((size_t)(e - b) + 1);
            if (grown) specs = grown;
            if (!grown || !spec) {
                free(spec);
                free_sinks(specs, n);
                return BEACON_ERR_NO_MEMORY;
            }
            memcpy(spec, b, (size_t)(e - b));
            spec[e - b] = '\0';
            memset(&specs[n], 0, sizeof specs[n]);
            specs[n++].spec = spec;
            beacon_status st = beacon__sink_validate(spec, false, err, sizeof err);
            if (st != BEACON_OK) {
                if (invalid) (*invalid)++;
                warn_spec(cfg, st, spec, err, skip_invalid ? "; skipped" : "");
                if (!skip_invalid) {
                    free_sinks(specs, n);
                    return st;
                }
                free(specs[--n].spec);
            }
        }
        p += len;
        if (*p == ';') p++;
    }
    *out = specs;
    *out_n = n;
    return BEACON_OK;
}

beacon_options *beacon_options_new(void) {
    beacon_options *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->debug = -1;
    o->enabled = -1;
    return o;
}

void beacon_options_free(beacon_options *opts) {
    if (!opts) return;
    free_sinks(opts->sinks, opts->sink_count);
    free(opts->service_name);
    free(opts->service_version);
    beacon__hasher_free(opts->hasher);
    for (size_t i = 0; i < opts->attr_count; i++) {
        free(opts->attrs[i].key);
        free(opts->attrs[i].value);
    }
    free(opts->attrs);
    free(opts->spool_dir);
    free(opts);
}

static beacon_status append_sink(beacon_options *opts, const char *spec,
                                 const beacon__callback_target *cb) {
    char err[ERR_MAX];
    beacon__diag_cfg cfg = options_diag(opts);
    beacon_status st = beacon__sink_validate(spec, cb != NULL, err, sizeof err);
    if (st != BEACON_OK) {
        warn_spec(&cfg, st, spec, err, "");
        return st;
    }
    char *copy = strdup(spec);
    beacon__sink_config *grown =
        copy ? realloc(opts->sinks, (opts->sink_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(copy);
        return BEACON_ERR_NO_MEMORY;
    }
    opts->sinks = grown;
    memset(&opts->sinks[opts->sink_count], 0, sizeof *grown);
    opts->sinks[opts->sink_count].spec = copy;
    if (cb) opts->sinks[opts->sink_count].cb = *cb;
    opts->sink_count++;
    opts->sinks_set = true;
    return BEACON_OK;
}

beacon_status beacon_options_add_sink(beacon_options *opts, const char *spec) {
    if (!opts || !spec) return BEACON_ERR_INVALID_ARGUMENT;
    return append_sink(opts, spec, NULL);
}

beacon_status beacon_options_add_callback_sink(beacon_options *opts, beacon_callback_fn fn,
                                               void *user, const char *query_options) {
    if (!opts || !fn) return BEACON_ERR_INVALID_ARGUMENT;
    size_t qn = query_options ? strlen(query_options) : 0;
    char *spec = malloc(sizeof "callback?" + qn);
    if (!spec) return BEACON_ERR_NO_MEMORY;
    memcpy(spec, "callback", 8);
    if (qn) {
        spec[8] = '?';
        memcpy(spec + 9, query_options, qn + 1);
    } else {
        spec[8] = '\0';
    }
    beacon__callback_target cb = {fn, user};
    beacon_status st = append_sink(opts, spec, &cb);
    free(spec);
    return st;
}

beacon_status beacon_options_set_sinks(beacon_options *opts, const char *specs) {
    beacon__sink_config *list;
    size_t n;
    if (!opts || !specs) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__diag_cfg cfg = options_diag(opts);
    beacon_status st = split_specs(specs, &list, &n, &cfg, false, NULL);
    if (st != BEACON_OK) return st;
    free_sinks(opts->sinks, opts->sink_count);
    opts->sinks = list;
    opts->sink_count = n;
    opts->sinks_set = true;
    return BEACON_OK;
}

void beacon_options_set_debug(beacon_options *opts, bool on) {
    if (opts) opts->debug = on ? 1 : 0;
}

void beacon_options_set_diagnostic_callback(beacon_options *opts, beacon_diag_fn fn, void *user) {
    if (!opts) return;
    opts->diag_fn = fn;
    opts->diag_user = user;
}

static void replace_str(char **slot, const char *v) {
    char *copy = v ? strdup(v) : NULL;
    free(*slot);
    *slot = copy; /* out of memory leaves it unset rather than stale */
}

void beacon_options_set_service(beacon_options *opts, const char *name, const char *version) {
    if (!opts) return;
    replace_str(&opts->service_name, name);
    replace_str(&opts->service_version, version);
}

beacon_status beacon_options_set_spool_dir(beacon_options *opts, const char *dir) {
    if (!opts || (dir && *dir && dir[0] != '/')) return BEACON_ERR_INVALID_ARGUMENT;
    char *copy = NULL;
    if (dir && !(copy = strdup(dir))) return BEACON_ERR_NO_MEMORY;
    free(opts->spool_dir);
    opts->spool_dir = copy;
    return BEACON_OK;
}

beacon_status beacon_options_set_hash_key(beacon_options *opts, const void *key, size_t len,
                                          const char *key_id) {
    if (!opts) return BEACON_ERR_INVALID_ARGUMENT;
    if (!key) {
        beacon__hasher_free(opts->hasher);
        opts->hasher = NULL;
        return BEACON_OK;
    }
    if (len < BEACON__HASH_MIN_KEY) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__hasher *h = beacon__hasher_new(key, len, key_id);
    if (!h) {
        /* The only other reasons are a malformed id and OpenSSL failing. */
        beacon__hasher *probe = beacon__hasher_new(key, len, NULL);
        beacon__hasher_free(probe);
        return probe ? BEACON_ERR_INVALID_ARGUMENT : BEACON_ERR_NO_MEMORY;
    }
    beacon__hasher_free(opts->hasher);
    opts->hasher = h;
    return BEACON_OK;
}

/* Replaces key's value in the list or appends it; value NULL removes. */
static beacon_status attr_put(beacon__resource_attr **list, size_t *n, const char *key,
                              size_t key_len, const char *value, size_t value_len) {
    size_t i = 0;
    while (i < *n &&
           !(strlen((*list)[i].key) == key_len && memcmp((*list)[i].key, key, key_len) == 0))
        i++;
    if (!value) {
        if (i < *n) {
            free((*list)[i].key);
            free((*list)[i].value);
            memmove(&(*list)[i], &(*list)[i + 1], (*n - i - 1) * sizeof **list);
            (*n)--;
        }
        return BEACON_OK;
    }
    char *v = malloc(value_len + 1);
    if (!v) return BEACON_ERR_NO_MEMORY;
    memcpy(v, value, value_len);
    v[value_len] = '\0';
    if (i < *n) {
        free((*list)[i].value);
        (*list)[i].value = v;
        return BEACON_OK;
    }
    char *k = malloc(key_len + 1);
    beacon__resource_attr *grown = k ? realloc(*list, (*n + 1) * sizeof **list) : NULL;
    if (!grown) {
        free(k);
        free(v);
        return BEACON_ERR_NO_MEMORY;
    }
    memcpy(k, key, key_len);
    k[key_len] = '\0';
    *list = grown;
    grown[*n].key = k;
    grown[*n].value = v;
    (*n)++;
    return BEACON_OK;
}

beacon_status beacon_options_set_resource_attr(beacon_options *opts, const char *key,
                                               const char *value) {
    if (!opts || !key || !*key) return BEACON_ERR_INVALID_ARGUMENT;
    return attr_put(&opts->attrs, &opts->attr_count, key, strlen(key), value,
                    value ? strlen(value) : 0);
}

void beacon_options_set_enabled(beacon_options *opts, bool on) {
    if (opts) opts->enabled = on ? 1 : 0;
}

void beacon_options_set_ring_kb(beacon_options *opts, size_t kb) {
    /* Same range as BEACON_RING_KB: a larger queue would only fail to
     * allocate at the thread's first emit. */
    if (opts) opts->ring_kb = kb > (1u << 20) ? (1u << 20) : kb;
}

void beacon_options_set_block_ms(beacon_options *opts, int ms) {
    if (opts && ms >= 0) opts->block_ms = ms;
}

void beacon_options_set_max_queue_mb(beacon_options *opts, size_t mb) {
    if (opts) opts->max_queue_mb = mb > MAX_QUEUE_MB_MAX ? MAX_QUEUE_MB_MAX : mb;
}

/* ---- lifecycle -------------------------------------------------------- */

static bool env_is_one(const char *name) {
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

/* OTEL_SDK_DISABLED=true (any case) switches beacon off like
 * BEACON_DISABLED=1: the OpenTelemetry SDKs' kill switch. */
static bool otel_sdk_disabled(void) {
    const char *v = getenv("OTEL_SDK_DISABLED");
    return v && strcasecmp(v, "true") == 0;
}

/* With no sink configured in code or in BEACON_SINKS, an OTLP endpoint in
 * the environment adds an OTLP sink: OTEL_EXPORTER_OTLP_LOGS_ENDPOINT as the
 * full URL, else OTEL_EXPORTER_OTLP_ENDPOINT with /v1/logs appended (the
 * OTLP exporter rules). Its protocol, headers, timeout and compression come
 * from the same environment when the sink opens. */
static beacon_status otlp_sink_from_env(beacon__pipeline_config *pc) {
    const char *logs = getenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT");
    const char *base = getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
    const char *url = logs && *logs ? logs : base && *base ? base : NULL;
    if (!url) return BEACON_OK;
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        beacon__diag(BEACON_ERR_SINK_SPEC,
                     "OTEL_EXPORTER_OTLP_%sENDPOINT must start with http:// or https://; "
                     "no OTLP sink added",
                     url == logs ? "LOGS_" : "");
        return BEACON_OK;
    }
    /* A '?' in the URL would read as sink options: keep what precedes it. */
    size_t n = strcspn(url, "?");
    while (n > 0 && url[n - 1] == '/') n--;
    bool append = url != logs;
    size_t cap = n + 32;
    char *spec = malloc(cap);
    beacon__sink_config *one = calloc(1, sizeof *one);
    if (!spec || !one) {
        free(spec);
        free(one);
        return BEACON_ERR_NO_MEMORY;
    }
    snprintf(spec, cap, "otlp+%.*s%s", (int)n, url, append ? "/v1/logs" : "");
    char err[256];
    if (beacon__sink_validate(spec, false, err, sizeof err) != BEACON_OK) {
        beacon__diag(BEACON_ERR_SINK_SPEC, "OTLP endpoint from the environment: %s", err);
        free(spec);
        free(one);
        return BEACON_OK;
    }
    free(pc->sinks);
    one->spec = spec;
    pc->sinks = one;
    pc->sink_count = 1;
    return BEACON_OK;
}

static size_t ring_kb_from_env(void) {
    const char *v = getenv("BEACON_RING_KB");
    uint64_t kb;
    if (v && *v) {
        if (beacon__parse_u64(v, &kb) && kb > 0 && kb <= (1u << 20)) return (size_t)kb;
        beacon__warn(BEACON_ERR_INVALID_ARGUMENT,
                     "BEACON_RING_KB='%s' is not a size in KiB (1..1048576); using %d", v,
                     DEFAULT_RING_KB);
    }
    return DEFAULT_RING_KB;
}

static size_t max_queue_mb_from_env(void) {
    const char *v = getenv("BEACON_MAX_QUEUE_MB");
    uint64_t mb;
    if (v && *v) {
        if (beacon__parse_u64(v, &mb) && mb > 0 && mb <= MAX_QUEUE_MB_MAX) return (size_t)mb;
        beacon__diag(BEACON_ERR_INVALID_ARGUMENT,
                     "BEACON_MAX_QUEUE_MB='%s' is not a size in MiB (1..1048576); using %u", v,
                     BEACON__HEAP_BUDGET_DEFAULT_MB);
    }
    return BEACON__HEAP_BUDGET_DEFAULT_MB;
}

static int exit_ms_from_env(void) {
    const char *v = getenv("BEACON_EXIT_TIMEOUT_MS");
    uint64_t ms;
    if (v && *v) {
        if (beacon__parse_u64(v, &ms) && ms <= 3600000u) return (int)ms;
        beacon__diag(BEACON_ERR_INVALID_ARGUMENT,
                     "BEACON_EXIT_TIMEOUT_MS='%s' is not a time in ms (0..3600000); using %d", v,
                     BEACON__EXIT_DEFAULT_MS);
    }
    return BEACON__EXIT_DEFAULT_MS;
}

/* The spool root HTTP sinks without spool= use: set in code, else
 * BEACON_SPOOL_DIR (an absolute path; anything else is refused with a
 * warning and no spool), else none. NULL or an owned copy in *out. */
static beacon_status spool_dir_choose(const beacon_options *o, char **out) {
    *out = NULL;
    const char *v = o->spool_dir;
    if (!v) {
        v = getenv("BEACON_SPOOL_DIR");
        if (v && *v && v[0] != '/') {
            beacon__warn(BEACON_ERR_INVALID_ARGUMENT,
                         "BEACON_SPOOL_DIR='%s' is not an absolute path; no spool", v);
            return BEACON_OK;
        }
    }
    if (!v || !*v) return BEACON_OK;
    return (*out = strdup(v)) ? BEACON_OK : BEACON_ERR_NO_MEMORY;
}

/* ---- resource attributes ----------------------------------------------- */

static void free_attrs(beacon__resource_attr *a, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(a[i].key);
        free(a[i].value);
    }
    free(a);
}

static void trim(const char **b, const char **e) {
    while (*b < *e && (**b == ' ' || **b == '\t')) (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t')) (*e)--;
}

/* OTEL_RESOURCE_ATTRIBUTES: key=value pairs separated by ','; a malformed
 * pair is skipped with a diagnostic (the OTel SDKs discard the whole value;
 * keeping the good pairs loses less). */
static beacon_status parse_otel_attrs(const char *v, beacon__resource_attr **list, size_t *n) {
    while (*v) {
        size_t len = strcspn(v, ",");
        const char *b = v, *e = v + len;
        trim(&b, &e);
        const char *eq = memchr(b, '=', (size_t)(e - b));
        if (e > b) {
            const char *kb = b, *ke = eq ? eq : e, *vb = eq ? eq + 1 : e, *ve = e;
            trim(&kb, &ke);
            trim(&vb, &ve);
            char *key = malloc((size_t)(ke - kb) + 1), *val = malloc((size_t)(ve - vb) + 1);
            size_t kl = 0, vl = 0;
            bool ok = key && val && eq && ke > kb &&
                      beacon__percent_decode(kb, (size_t)(ke - kb), key, &kl) &&
                      beacon__percent_decode(vb, (size_t)(ve - vb), val, &vl) && kl > 0;
            beacon_status st = BEACON_OK;
            if (ok) {
                st = attr_put(list, n, key, kl, val, vl);
            } else if (key && val) {
                beacon__warn(BEACON_ERR_PARSE,
                             "OTEL_RESOURCE_ATTRIBUTES: entry %zu bytes long is not "
                             "key=value with valid %%-escapes; skipped",
                             (size_t)(e - b));
            } else {
                st = BEACON_ERR_NO_MEMORY;
            }
            free(key);
            free(val);
            if (st != BEACON_OK) return st;
        }
        v += len;
        if (*v == ',') v++;
    }
    return BEACON_OK;
}

static bool has_attr(const beacon__resource_attr *a, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].key, key) == 0) return true;
    return false;
}

static beacon_status put_cstr(beacon__resource_attr **list, size_t *n, const char *k,
                              const char *v) {
    return attr_put(list, n, k, strlen(k), v, strlen(v));
}

static size_t write_resource(const beacon__resource_attr *a, size_t n, char *buf, size_t cap) {
    static const char *const first[] = {"service.name", "service.version"};
    beacon__jw w;
    beacon__jw_init(&w, buf, cap);
    beacon__jw_char(&w, '{');
    bool comma = false;
    /* Rounds: service.name, service.version, then the rest in order. */
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < n; i++) {
            bool named = strcmp(a[i].key, first[0]) == 0 || strcmp(a[i].key, first[1]) == 0;
            if (round < 2 ? strcmp(a[i].key, first[round]) != 0 : named) continue;
            if (comma) beacon__jw_char(&w, ',');
            comma = true;
            beacon__jw_cstr(&w, a[i].key);
            beacon__jw_char(&w, ':');
            beacon__jw_cstr(&w, a[i].value);
        }
    }
    beacon__jw_char(&w, '}');
    return beacon__jw_finish(&w);
}

/* The resource attributes as one JSON object, service.name and
 * service.version first. Precedence, lowest first: OTEL_RESOURCE_ATTRIBUTES,
 * BEACON_ENVIRONMENT (deployment.environment), OTEL_SERVICE_NAME, the
 * host.name default, then everything set in code. */
static beacon_status build_resource(const beacon_options *o, char **out) {
    beacon__resource_attr *a = NULL;
    size_t n = 0;
    beacon_status st = BEACON_OK;
    const char *env = getenv("OTEL_RESOURCE_ATTRIBUTES");
    if (env && *env) st = parse_otel_attrs(env, &a, &n);
    env = getenv("BEACON_ENVIRONMENT");
    if (st == BEACON_OK && env && *env) st = put_cstr(&a, &n, "deployment.environment", env);
    env = getenv("OTEL_SERVICE_NAME");
    if (st == BEACON_OK && env && *env) st = put_cstr(&a, &n, "service.name", env);
    char host[256];
    if (st == BEACON_OK && !has_attr(a, n, "host.name") &&
        !has_attr(o->attrs, o->attr_count, "host.name") && gethostname(host, sizeof host) == 0) {
        host[sizeof host - 1] = '\0';
        if (*host) st = put_cstr(&a, &n, "host.name", host);
    }
    for (size_t i = 0; st == BEACON_OK && i < o->attr_count; i++)
        st = put_cstr(&a, &n, o->attrs[i].key, o->attrs[i].value);
    if (st == BEACON_OK && o->service_name) st = put_cstr(&a, &n, "service.name", o->service_name);
    if (st == BEACON_OK && o->service_version)
        st = put_cstr(&a, &n, "service.version", o->service_version);
    if (st != BEACON_OK) {
        free_attrs(a, n);
        return st;
    }
    /* Measure, then write. */
    size_t need = write_resource(a, n, NULL, 0);
    char *buf = malloc(need + 1);
    if (buf) write_resource(a, n, buf, need + 1);
    free_attrs(a, n);
    *out = buf;
    return buf ? BEACON_OK : BEACON_ERR_NO_MEMORY;
}

/* The hasher for this run: the key set in code, else BEACON_HASH_KEY. */
static void choose_hasher(beacon_options *o, beacon__pipeline_config *pc) {
    if (o->hasher) {
        pc->hasher = o->hasher;
        o->hasher = NULL;
        return;
    }
    const char *why = NULL;
    if (beacon__hasher_from_env(&pc->hasher, &why) != BEACON_OK) {
        beacon__warn(BEACON_ERR_INVALID_ARGUMENT, "%s", why ? why : "BEACON_HASH_KEY unusable");
        pc->hash_why = why;
    }
}

beacon_status beacon_init(beacon_options *opts) {
    beacon_options defaults;
    memset(&defaults, 0, sizeof defaults);
    defaults.debug = -1;
    defaults.enabled = -1;
    beacon_options *o = opts ? opts : &defaults;
    beacon__pipeline_config pc;
    memset(&pc, 0, sizeof pc);
    beacon_status st;

    if (beacon__get_state() == BEACON__STATE_RUNNING) {
        beacon_options_free(opts);
        return BEACON_ERR_ALREADY_INITIALIZED;
    }
    beacon__diag_cfg cfg = options_diag(o);
    beacon__diag_configure(&cfg);
    const char *bad_level = NULL;
    beacon__env_log_level(&bad_level);
    if (bad_level) {
        beacon__warn(BEACON_ERR_INVALID_ARGUMENT,
                     "%s='%s' is not off, error, warn, info or debug; ignored", bad_level,
                     getenv(bad_level));
    }

    const char *env_sinks = getenv("BEACON_SINKS");
    if (o->sinks_set) {
        pc.sinks = o->sinks;
        pc.sink_count = o->sink_count;
        o->sinks = NULL;
        o->sink_count = 0;
    } else if (env_sinks && *env_sinks) {
        size_t invalid = 0;
        st = split_specs(env_sinks, &pc.sinks, &pc.sink_count, &cfg, true, &invalid);
        if (st == BEACON_OK && pc.sink_count == 0 && invalid > 0) st = BEACON_ERR_SINK_SPEC;
        if (st != BEACON_OK) {
            beacon__warn(st, "BEACON_SINKS has no valid sink; beacon stays off");
            free_sinks(pc.sinks, pc.sink_count);
            beacon_options_free(opts);
            return st;
        }
    }
    if (pc.sink_count == 0 && !(env_sinks && *env_sinks)) {
        st = otlp_sink_from_env(&pc);
        if (st != BEACON_OK) {
            beacon_options_free(opts);
            return st;
        }
    }
    if (pc.sink_count == 0) {
        free(pc.sinks);
        pc.sinks = calloc(1, sizeof *pc.sinks);
        char *def = strdup("stderr");
        if (!pc.sinks || !def) {
            free(pc.sinks);
            free(def);
            beacon_options_free(opts);
            return BEACON_ERR_NO_MEMORY;
        }
        pc.sinks[0].spec = def;
        pc.sink_count = 1;
    }
    size_t kb = o->ring_kb ? o->ring_kb : ring_kb_from_env();
    pc.ring_bytes = kb > SIZE_MAX / 1024 ? SIZE_MAX / 2 : kb * 1024;
    pc.block_ms = o->block_ms;
    size_t mb = o->max_queue_mb ? o->max_queue_mb : max_queue_mb_from_env();
    pc.heap_budget = mb > SIZE_MAX / (1024 * 1024) ? SIZE_MAX : mb * 1024 * 1024;
    pc.enabled = o->enabled != 0;
    pc.killed = env_is_one("BEACON_DISABLED") || otel_sdk_disabled();
    choose_hasher(o, &pc);
    st = build_resource(o, &pc.resource_json);
    if (st != BEACON_OK) {
        beacon__pipeline_config_free(&pc);
        beacon_options_free(opts);
        return st;
    }
    st = spool_dir_choose(o, &pc.spool_dir);
    if (st != BEACON_OK) {
        beacon__pipeline_config_free(&pc);
        beacon_options_free(opts);
        return st;
    }
    pc.service_name = o->service_name;
    pc.service_version = o->service_version;
    o->service_name = o->service_version = NULL;
    beacon_options_free(opts);
    beacon__sample_read_env();
    int exit_ms = exit_ms_from_env();
    st = beacon__pipeline_start(&pc);
    if (st == BEACON_OK) beacon__exit_arm(exit_ms);
    return st;
}

beacon_status beacon_flush(int timeout_ms) {
    return beacon__pipeline_flush(timeout_ms);
}

beacon_status beacon_shutdown(int timeout_ms) {
    return beacon__pipeline_shutdown(timeout_ms);
}

void beacon_set_enabled(bool on) {
    beacon__globals_once();
    beacon__pipeline_set_enabled(on);
}

bool beacon_is_enabled(void) {
    return beacon__pipeline_is_enabled();
}

beacon_status beacon_stats(beacon_counters *total, beacon_sink_stats *sinks, size_t cap,
                           size_t *count) {
    return beacon__pipeline_stats(total, sinks, cap, count);
}

beacon_status beacon_stats_json(char *buf, size_t cap, size_t *needed) {
    return beacon__pipeline_stats_json(buf, cap, needed);
}
