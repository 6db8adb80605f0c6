/* runtime.c — options, init/flush/shutdown, run-time switch and statistics.
 *
 * One process-wide runtime guarded by g_lock. Totals are atomics so that
 * emits before init or after shutdown can be counted without any runtime;
 * per-sink counters live with the sinks and reset at each init.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "json.h"
#include "runtime.h"
#include "sink.h"

#define ERR_MAX 256

struct beacon_options {
    char **sinks;
    size_t sink_count;
    bool sinks_set; /* set in code (even to an empty list) */
    int debug;      /* -1: not set in code */
    beacon_diag_fn diag_fn;
    void *diag_user;
    char *service_name;
    char *service_version;
    int enabled; /* -1: not set in code */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static beacon__runtime *g_rt; /* guarded by g_lock */
static atomic_int g_state = BEACON__STATE_NEW;
static atomic_bool g_enabled = true;
static atomic_bool g_killed = false;
static _Atomic uint64_t g_total[8];
static pthread_once_t g_atfork_once = PTHREAD_ONCE_INIT;

static const size_t k_counter_offsets[8] = {
    offsetof(beacon_counters, emitted),
    offsetof(beacon_counters, delivered),
    offsetof(beacon_counters, dropped_queue_full),
    offsetof(beacon_counters, dropped_sampled),
    offsetof(beacon_counters, dropped_filtered),
    offsetof(beacon_counters, dropped_invalid),
    offsetof(beacon_counters, dropped_shutdown),
    offsetof(beacon_counters, dropped_sink_error),
};
static const char *const k_counter_names[8] = {
    "emitted",          "delivered",       "dropped_queue_full", "dropped_sampled",
    "dropped_filtered", "dropped_invalid", "dropped_shutdown",   "dropped_sink_error",
};

/* ---- accounting ------------------------------------------------------- */

static uint64_t *counter_at(beacon_counters *c, size_t i) {
    return (uint64_t *)((char *)c + k_counter_offsets[i]);
}

void beacon__counters_bump(beacon_counters *c, beacon__outcome o) {
    (*counter_at(c, (size_t)o))++;
}

void beacon__total_book(beacon__outcome o) {
    atomic_fetch_add_explicit(&g_total[0], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_total[o], 1, memory_order_relaxed);
}

void beacon__account_drop(beacon__outcome o) {
    beacon__runtime *rt = beacon__runtime_lock();
    if (rt) {
        for (size_t i = 0; i < rt->slot_count; i++) {
            rt->slots[i].counters.emitted++;
            beacon__counters_bump(&rt->slots[i].counters, o);
        }
        beacon__total_book(o);
    } else {
        beacon__total_book(BEACON__DROPPED_SHUTDOWN); /* lost a race with shutdown */
    }
    beacon__runtime_unlock();
}

beacon__state beacon__get_state(void) {
    return (beacon__state)atomic_load_explicit(&g_state, memory_order_acquire);
}

bool beacon__accepting(void) {
    return beacon__get_state() == BEACON__STATE_RUNNING && atomic_load(&g_enabled) &&
           !atomic_load(&g_killed);
}

beacon__runtime *beacon__runtime_lock(void) {
    pthread_mutex_lock(&g_lock);
    return g_rt;
}

void beacon__runtime_unlock(void) {
    pthread_mutex_unlock(&g_lock);
}

/* A fork() while another thread holds g_lock would leave the child's copy
 * locked forever; holding it across fork() rules that out. */
static void atfork_prepare(void) {
    pthread_mutex_lock(&g_lock);
}
static void atfork_release(void) {
    pthread_mutex_unlock(&g_lock);
}
static void register_atfork(void) {
    pthread_atfork(atfork_prepare, atfork_release, atfork_release);
}

/* ---- options ---------------------------------------------------------- */

static beacon__diag_cfg options_diag(const beacon_options *opts) {
    beacon__diag_cfg cfg;
    cfg.fn = opts->diag_fn;
    cfg.user = opts->diag_user;
    cfg.debug = opts->debug >= 0 ? opts->debug == 1 : beacon__env_debug();
    return cfg;
}

static void free_specs(char **specs, size_t n) {
    for (size_t i = 0; i < n; i++) free(specs[i]);
    free(specs);
}

/* Splits a ';'-separated list, trimming blanks and skipping empty entries,
 * and validates each spec. */
static beacon_status split_specs(const char *list, char ***out, size_t *out_n,
                                 const beacon__diag_cfg *cfg) {
    char **specs = NULL;
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
            char **grown = realloc(specs, (n + 1) * sizeof *specs);
            char *spec = malloc((size_t)(e - b) + 1);
            if (grown) specs = grown;
            if (!grown || !spec) {
                free(spec);
                free_specs(specs, n);
                return BEACON_ERR_NO_MEMORY;
            }
            memcpy(spec, b, (size_t)(e - b));
            spec[e - b] = '\0';
            specs[n++] = spec;
            beacon_status st = beacon__sink_validate(spec, err, sizeof err);
            if (st != BEACON_OK) {
                beacon__diag_to(cfg, st, "sink spec '%s': %s", spec, err);
                free_specs(specs, n);
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
    free_specs(opts->sinks, opts->sink_count);
    free(opts->service_name);
    free(opts->service_version);
    free(opts);
}

beacon_status beacon_options_add_sink(beacon_options *opts, const char *spec) {
    char err[ERR_MAX];
    if (!opts || !spec) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__diag_cfg cfg = options_diag(opts);
    beacon_status st = beacon__sink_validate(spec, err, sizeof err);
    if (st != BEACON_OK) {
        beacon__diag_to(&cfg, st, "sink spec '%s': %s", spec, err);
        return st;
    }
    char *copy = strdup(spec);
    char **grown = copy ? realloc(opts->sinks, (opts->sink_count + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(copy);
        return BEACON_ERR_NO_MEMORY;
    }
    opts->sinks = grown;
    opts->sinks[opts->sink_count++] = copy;
    opts->sinks_set = true;
    return BEACON_OK;
}

beacon_status beacon_options_set_sinks(beacon_options *opts, const char *specs) {
    char **list;
    size_t n;
    if (!opts || !specs) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__diag_cfg cfg = options_diag(opts);
    beacon_status st = split_specs(specs, &list, &n, &cfg);
    if (st != BEACON_OK) return st;
    free_specs(opts->sinks, opts->sink_count);
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

/* ---- lifecycle -------------------------------------------------------- */

static void runtime_free(beacon__runtime *rt, int timeout_ms) {
    int64_t deadline =
        timeout_ms >= 0 ? beacon__clock_monotonic_ns() + (int64_t)timeout_ms * 1000000 : 0;
    for (size_t i = 0; i < rt->slot_count; i++) {
        if (rt->slots[i].sink) {
            int left = -1;
            if (timeout_ms >= 0) {
                int64_t rem = (deadline - beacon__clock_monotonic_ns()) / 1000000;
                left = rem > 0 ? (int)rem : 0;
            }
            rt->slots[i].sink->vt->close(rt->slots[i].sink, left);
        }
        free(rt->slots[i].spec);
    }
    free(rt->slots);
    free(rt->service_name);
    free(rt->service_version);
    free(rt);
}

static bool env_is_one(const char *name) {
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

/* Opens the sinks of specs[0..n) into a new runtime; takes the specs. */
static beacon_status runtime_new(char **specs, size_t n, beacon__runtime **out) {
    beacon__runtime *rt = calloc(1, sizeof *rt);
    beacon__sink_slot *slots = calloc(n, sizeof *slots);
    if (!rt || !slots) {
        free(rt);
        free(slots);
        free_specs(specs, n);
        return BEACON_ERR_NO_MEMORY;
    }
    rt->slots = slots;
    rt->slot_count = n;
    for (size_t i = 0; i < n; i++) rt->slots[i].spec = specs[i];
    free(specs);
    for (size_t i = 0; i < n; i++) {
        char err[ERR_MAX];
        beacon_status st =
            beacon__sink_open(rt->slots[i].spec, &rt->slots[i].sink, err, sizeof err);
        if (st != BEACON_OK) {
            beacon__diag(st, "sink spec '%s': %s", rt->slots[i].spec, err);
            runtime_free(rt, 0);
            return st;
        }
    }
    *out = rt;
    return BEACON_OK;
}

beacon_status beacon_init(beacon_options *opts) {
    beacon_options defaults = {NULL, 0, false, -1, NULL, NULL, NULL, NULL, -1};
    beacon_options *o = opts ? opts : &defaults;
    char **specs = NULL;
    size_t n = 0;
    beacon_status st;

    if (beacon__get_state() == BEACON__STATE_RUNNING) {
        beacon_options_free(opts);
        return BEACON_ERR_ALREADY_INITIALIZED;
    }
    pthread_once(&g_atfork_once, register_atfork);

    beacon__diag_cfg cfg = options_diag(o);
    beacon__diag_configure(&cfg);

    const char *env_sinks = getenv("BEACON_SINKS");
    if (o->sinks_set) {
        specs = o->sinks;
        n = o->sink_count;
        o->sinks = NULL;
        o->sink_count = 0;
    } else if (env_sinks && *env_sinks) {
        st = split_specs(env_sinks, &specs, &n, &cfg);
        if (st != BEACON_OK) {
            beacon__diag(st, "BEACON_SINKS is not valid; beacon stays off");
            beacon_options_free(opts);
            return st;
        }
    }
    if (n == 0) {
        free(specs);
        specs = malloc(sizeof *specs);
        char *def = strdup("stderr");
        if (!specs || !def) {
            free(specs);
            free(def);
            beacon_options_free(opts);
            return BEACON_ERR_NO_MEMORY;
        }
        specs[0] = def;
        n = 1;
    }

    beacon__runtime *rt = NULL;
    st = runtime_new(specs, n, &rt);
    if (st != BEACON_OK) {
        beacon_options_free(opts);
        return st;
    }
    rt->service_name = o->service_name;
    rt->service_version = o->service_version;
    o->service_name = NULL;
    o->service_version = NULL;

    atomic_store(&g_killed, env_is_one("BEACON_DISABLED"));
    atomic_store(&g_enabled, o->enabled != 0);
    beacon_options_free(opts);

    pthread_mutex_lock(&g_lock);
    g_rt = rt;
    atomic_store_explicit(&g_state, BEACON__STATE_RUNNING, memory_order_release);
    pthread_mutex_unlock(&g_lock);
    return BEACON_OK;
}

static beacon_status not_running_status(void) {
    return beacon__get_state() == BEACON__STATE_NEW ? BEACON_ERR_NOT_INITIALIZED
                                                    : BEACON_ERR_SHUT_DOWN;
}

beacon_status beacon_flush(int timeout_ms) {
    int64_t deadline = beacon__clock_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    beacon_status result = BEACON_OK;
    beacon__runtime *rt = beacon__runtime_lock();
    if (!rt) {
        beacon__runtime_unlock();
        return not_running_status();
    }
    /* Delivery is synchronous, so emitted events are already with the sinks;
     * what is left is the sinks' own buffering. */
    for (size_t i = 0; i < rt->slot_count; i++) {
        int left = -1;
        if (timeout_ms >= 0) {
            int64_t rem = (deadline - beacon__clock_monotonic_ns()) / 1000000;
            if (rem <= 0 && i > 0) {
                result = BEACON_ERR_TIMEOUT;
                break;
            }
            left = rem > 0 ? (int)rem : 0;
        }
        beacon_status st = rt->slots[i].sink->vt->flush(rt->slots[i].sink, left);
        if (st != BEACON_OK && result == BEACON_OK) result = st;
    }
    beacon__runtime_unlock();
    return result;
}

beacon_status beacon_shutdown(int timeout_ms) {
    pthread_mutex_lock(&g_lock);
    beacon__runtime *rt = g_rt;
    if (!rt) {
        pthread_mutex_unlock(&g_lock);
        return not_running_status();
    }
    g_rt = NULL;
    atomic_store_explicit(&g_state, BEACON__STATE_SHUT_DOWN, memory_order_release);
    pthread_mutex_unlock(&g_lock);

    /* No emitter can reach the sinks any more: close them without the lock. */
    runtime_free(rt, timeout_ms);

    /* The callback's user pointer need not outlive shutdown. */
    beacon__diag_cfg cfg = {NULL, NULL, beacon__env_debug()};
    beacon__diag_configure(&cfg);
    return BEACON_OK;
}

void beacon_set_enabled(bool on) {
    if (on && atomic_load(&g_killed)) {
        beacon__diag(BEACON_ERR_DISABLED, "beacon_set_enabled(true) ignored: BEACON_DISABLED=1");
    }
    atomic_store(&g_enabled, on);
}

bool beacon_is_enabled(void) {
    return beacon__accepting();
}

/* ---- statistics ------------------------------------------------------- */

static void read_totals(beacon_counters *total) {
    for (size_t i = 0; i < 8; i++)
        *counter_at(total, i) = atomic_load_explicit(&g_total[i], memory_order_relaxed);
}

beacon_status beacon_stats(beacon_counters *total, beacon_sink_stats *sinks, size_t cap,
                           size_t *count) {
    if (!sinks && cap > 0) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__runtime *rt = beacon__runtime_lock();
    /* Totals are read under the lock so they agree with the sink counters
     * for every event booked through the runtime. */
    if (total) read_totals(total);
    size_t n = rt ? rt->slot_count : 0;
    for (size_t i = 0; i < n && i < cap; i++) {
        sinks[i].spec = rt->slots[i].spec;
        sinks[i].counters = rt->slots[i].counters;
    }
    beacon__runtime_unlock();
    if (count) *count = n;
    return BEACON_OK;
}

static void write_counters(beacon__jw *w, beacon_counters *c) {
    for (size_t i = 0; i < 8; i++) {
        if (i) beacon__jw_char(w, ',');
        beacon__jw_char(w, '"');
        beacon__jw_lit(w, k_counter_names[i]);
        beacon__jw_lit(w, "\":");
        beacon__jw_uint(w, *counter_at(c, i));
    }
}

beacon_status beacon_stats_json(char *buf, size_t cap, size_t *needed) {
    beacon__jw w;
    beacon_counters total;
    if (!buf && cap > 0) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__jw_init(&w, buf, cap);
    beacon__runtime *rt = beacon__runtime_lock();
    read_totals(&total);
    beacon__jw_lit(&w, "{\"total\":{");
    write_counters(&w, &total);
    beacon__jw_lit(&w, "},\"sinks\":[");
    for (size_t i = 0; rt && i < rt->slot_count; i++) {
        if (i) beacon__jw_char(&w, ',');
        beacon__jw_lit(&w, "{\"spec\":");
        beacon__jw_cstr(&w, rt->slots[i].spec);
        beacon__jw_char(&w, ',');
        write_counters(&w, &rt->slots[i].counters);
        beacon__jw_char(&w, '}');
    }
    beacon__runtime_unlock();
    beacon__jw_lit(&w, "]}");
    size_t len = beacon__jw_finish(&w);
    if (needed) *needed = len;
    return len < cap ? BEACON_OK : BEACON_ERR_INVALID_ARGUMENT;
}
