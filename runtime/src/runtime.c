/* runtime.c — the options object, beacon_init and the thin public wrappers
 * over the pipeline (flush, shutdown, stats, run-time switch), and sampling
 * configuration: the per-pattern rates behind beacon_set_sample_rate() and
 * the slow path that turns them into each event's cached threshold.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "pipeline.h"
#include "runtime.h"
#include "sink.h"

#define ERR_MAX         256
#define DEFAULT_RING_KB 256

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
};

/* ---- options ---------------------------------------------------------- */

static beacon__diag_cfg options_diag(const beacon_options *opts) {
    beacon__diag_cfg cfg;
    cfg.fn = opts->diag_fn;
    cfg.user = opts->diag_user;
    cfg.debug = opts->debug >= 0 ? opts->debug == 1 : beacon__env_debug();
    return cfg;
}

static void free_sinks(beacon__sink_config *s, size_t n) {
    for (size_t i = 0; i < n; i++) free(s[i].spec);
    free(s);
}

/* Splits a ';'-separated list, trimming blanks and skipping empty entries,
 * and validates each spec. */
static beacon_status split_specs(const char *list, beacon__sink_config **out, size_t *out_n,
                                 const beacon__diag_cfg *cfg) {
    beacon__sink_config *specs = NULL;
    size_t n = 0;
    const char *p = list;
    *out = NULL;
    *out_n = 0;
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
                beacon__diag_to(cfg, st, "sink spec '%s': %s", spec, err);
                free_sinks(specs, n);
                return st;
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
    free(opts);
}

static beacon_status append_sink(beacon_options *opts, const char *spec,
                                 const beacon__callback_target *cb) {
    char err[ERR_MAX];
    beacon__diag_cfg cfg = options_diag(opts);
    beacon_status st = beacon__sink_validate(spec, cb != NULL, err, sizeof err);
    if (st != BEACON_OK) {
        beacon__diag_to(&cfg, st, "sink spec '%s': %s", spec, err);
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
    beacon_status st = split_specs(specs, &list, &n, &cfg);
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

void beacon_options_set_enabled(beacon_options *opts, bool on) {
    if (opts) opts->enabled = on ? 1 : 0;
}

void beacon_options_set_ring_kb(beacon_options *opts, size_t kb) {
    if (opts) opts->ring_kb = kb;
}

void beacon_options_set_block_ms(beacon_options *opts, int ms) {
    if (opts && ms >= 0) opts->block_ms = ms;
}

/* ---- sampling configuration --------------------------------------------- */

typedef struct sample_rule {
    char *pattern;
    double rate;
} sample_rule;

_Atomic uint64_t beacon__sample_gen = 1;
static pthread_mutex_t g_sample_mu = PTHREAD_MUTEX_INITIALIZER;
static sample_rule *g_rules; /* g_sample_mu */
static size_t g_rule_count;
static double g_env_rate = NAN; /* BEACON_SAMPLE_RATE at init; NaN: unset */

void beacon__sample_atfork_prepare(void) {
    pthread_mutex_lock(&g_sample_mu);
}
void beacon__sample_atfork_parent(void) {
    pthread_mutex_unlock(&g_sample_mu);
}
void beacon__sample_atfork_child(void) {
    pthread_mutex_unlock(&g_sample_mu);
}

static bool rule_matches(const char *pattern, const beacon_event_desc *d) {
    if (strncmp(pattern, "category:", 9) == 0) return beacon__glob_match(pattern + 9, d->category);
    return beacon__glob_match(pattern, d->name);
}

static uint64_t threshold_of(double rate) {
    if (!(rate < 1.0)) return UINT64_MAX; /* NaN or >= 1 keeps everything */
    if (!(rate > 0.0)) return 0;
    return (uint64_t)(rate * 18446744073709551616.0);
}

uint64_t beacon__sample_refresh(const beacon_event_desc *d) {
    pthread_mutex_lock(&g_sample_mu);
    uint64_t gen = atomic_load(&beacon__sample_gen);
    double rate = d->sample_rate;
    if (!isnan(g_env_rate)) rate = g_env_rate;
    for (size_t i = 0; i < g_rule_count; i++) {
        if (rule_matches(g_rules[i].pattern, d)) rate = g_rules[i].rate; /* last wins */
    }
    uint64_t thr = threshold_of(rate);
    if (d->state) {
        __atomic_store_n(&d->state->opaque[1], thr, __ATOMIC_RELAXED);
        __atomic_store_n(&d->state->opaque[0], gen, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&g_sample_mu);
    return thr;
}

beacon_status beacon_set_sample_rate(const char *pattern, double rate) {
    if (isnan(rate) || rate > 1.0) return BEACON_ERR_INVALID_ARGUMENT;
    beacon_status st = BEACON_OK;
    pthread_mutex_lock(&g_sample_mu);
    if (!pattern) {
        for (size_t i = 0; i < g_rule_count; i++) free(g_rules[i].pattern);
        free(g_rules);
        g_rules = NULL;
        g_rule_count = 0;
    } else {
        size_t i = 0;
        while (i < g_rule_count && strcmp(g_rules[i].pattern, pattern) != 0) i++;
        if (i < g_rule_count) {
            /* Re-setting moves the pattern to the end: it is now the latest. */
            sample_rule r = g_rules[i];
            memmove(&g_rules[i], &g_rules[i + 1], (g_rule_count - i - 1) * sizeof *g_rules);
            g_rule_count--;
            if (rate < 0) {
                free(r.pattern);
            } else {
                r.rate = rate;
                g_rules[g_rule_count++] = r;
            }
        } else if (rate >= 0) {
            char *copy = strdup(pattern);
            sample_rule *grown = copy ? realloc(g_rules, (g_rule_count + 1) * sizeof *grown) : NULL;
            if (!grown) {
                free(copy);
                st = BEACON_ERR_NO_MEMORY;
            } else {
                g_rules = grown;
                g_rules[g_rule_count].pattern = copy;
                g_rules[g_rule_count].rate = rate;
                g_rule_count++;
            }
        }
    }
    if (st == BEACON_OK) atomic_fetch_add(&beacon__sample_gen, 1);
    pthread_mutex_unlock(&g_sample_mu);
    return st;
}

static void read_env_sample_rate(void) {
    const char *v = getenv("BEACON_SAMPLE_RATE");
    double rate = NAN;
    if (v && *v) {
        char *end = NULL;
        double d = strtod(v, &end);
        if (end && *end == '\0' && d >= 0.0 && d <= 1.0) {
            rate = d;
        } else {
            beacon__diag(BEACON_ERR_INVALID_ARGUMENT,
                         "BEACON_SAMPLE_RATE='%s' is not a number from 0 to 1; ignored", v);
        }
    }
    pthread_mutex_lock(&g_sample_mu);
    g_env_rate = rate;
    atomic_fetch_add(&beacon__sample_gen, 1);
    pthread_mutex_unlock(&g_sample_mu);
}

/* ---- lifecycle -------------------------------------------------------- */

static bool env_is_one(const char *name) {
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

static size_t ring_kb_from_env(void) {
    const char *v = getenv("BEACON_RING_KB");
    uint64_t kb;
    if (v && *v) {
        if (beacon__parse_u64(v, &kb) && kb > 0 && kb <= (1u << 20)) return (size_t)kb;
        beacon__diag(BEACON_ERR_INVALID_ARGUMENT,
                     "BEACON_RING_KB='%s' is not a size in KiB (1..1048576); using %d", v,
                     DEFAULT_RING_KB);
    }
    return DEFAULT_RING_KB;
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

    const char *env_sinks = getenv("BEACON_SINKS");
    if (o->sinks_set) {
        pc.sinks = o->sinks;
        pc.sink_count = o->sink_count;
        o->sinks = NULL;
        o->sink_count = 0;
    } else if (env_sinks && *env_sinks) {
        st = split_specs(env_sinks, &pc.sinks, &pc.sink_count, &cfg);
        if (st != BEACON_OK) {
            beacon__diag(st, "BEACON_SINKS is not valid; beacon stays off");
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
    pc.enabled = o->enabled != 0;
    pc.killed = env_is_one("BEACON_DISABLED");
    pc.service_name = o->service_name;
    pc.service_version = o->service_version;
    o->service_name = o->service_version = NULL;
    beacon_options_free(opts);
    read_env_sample_rate();
    return beacon__pipeline_start(&pc);
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
