/* diag.c — rate-limited diagnostics through a user callback or stderr.
 *
 * The message is formatted under a mutex but delivered after it is released,
 * so a slow callback only delays its own thread.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include "core/diag.h"

#include "core/clock.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DIAG_MSG_MAX 512

typedef struct diag_limit {
    int64_t window; /* second the current window started */
    unsigned sent;  /* messages delivered in this window */
    unsigned long suppressed;
} diag_limit;

static pthread_mutex_t g_diag_lock = PTHREAD_MUTEX_INITIALIZER;
static beacon__diag_cfg g_cfg;
static bool g_cfg_set; /* false: before init or after shutdown */
static diag_limit g_limits[BEACON_STATUS_COUNT_ + 1];

void beacon__diag_configure(const beacon__diag_cfg *cfg) {
    pthread_mutex_lock(&g_diag_lock);
    if (cfg) {
        g_cfg = *cfg;
    } else {
        memset(&g_cfg, 0, sizeof g_cfg);
    }
    g_cfg_set = cfg != NULL;
    pthread_mutex_unlock(&g_diag_lock);
}

void beacon__diag_atfork_prepare(void) {
    pthread_mutex_lock(&g_diag_lock);
}
void beacon__diag_atfork_parent(void) {
    pthread_mutex_unlock(&g_diag_lock);
}
void beacon__diag_atfork_child(void) {
    pthread_mutex_unlock(&g_diag_lock);
}

void beacon__diag_reset_limits(void) {
    pthread_mutex_lock(&g_diag_lock);
    memset(g_limits, 0, sizeof g_limits);
    pthread_mutex_unlock(&g_diag_lock);
}

static bool parse_level(const char *v, beacon__log_level *out) {
    static const char *const names[] = {"off", "error", "warn", "info", "debug"};
    for (int i = 0; i <= BEACON__LOG_DEBUG; i++) {
        if (strcasecmp(v, names[i]) == 0) {
            *out = (beacon__log_level)i;
            return true;
        }
    }
    return false;
}

beacon__log_level beacon__env_log_level(const char **bad) {
    static const char *const vars[] = {"BEACON_LOG_LEVEL", "OTEL_LOG_LEVEL"};
    const char *dbg = getenv("BEACON_DEBUG");
    beacon__log_level level = BEACON__LOG_WARN;
    bool found = false;
    if (bad) *bad = NULL;
    for (size_t i = 0; i < sizeof vars / sizeof *vars && !found; i++) {
        const char *v = getenv(vars[i]);
        if (!v || !*v) continue;
        found = parse_level(v, &level);
        if (!found && bad && !*bad) *bad = vars[i];
    }
    if (dbg && strcmp(dbg, "1") == 0) level = BEACON__LOG_DEBUG;
    return level;
}

static int64_t now_sec(void) {
    return beacon__clock_monotonic_ns() / 1000000000;
}

static void deliver(const beacon__diag_cfg *cfg, beacon_status code, const char *msg) {
    if (cfg->fn) {
        cfg->fn(code, msg, cfg->user);
    } else {
        /* One fprintf call keeps concurrent lines whole. */
        fprintf(stderr, "beacon: %s\n", msg);
    }
}

static void vdiag(const beacon__diag_cfg *explicit_cfg, beacon__log_level sev, beacon_status code,
                  const char *fmt, va_list ap) {
    char msg[DIAG_MSG_MAX];
    char summary[96];
    beacon__diag_cfg cfg;
    bool send = false;
    unsigned long suppressed = 0;
    size_t slot = (unsigned)code < BEACON_STATUS_COUNT_ ? (size_t)code : BEACON_STATUS_COUNT_;
    int64_t now = now_sec();

    pthread_mutex_lock(&g_diag_lock);
    cfg = explicit_cfg ? *explicit_cfg : g_cfg;
    if (!explicit_cfg && !g_cfg_set) cfg.level = beacon__env_log_level(NULL);
    if (cfg.fn || sev <= cfg.level) {
        diag_limit *l = &g_limits[slot];
        if (l->window != now) {
            suppressed = l->suppressed;
            l->window = now;
            l->sent = 0;
            l->suppressed = 0;
        }
        if (l->sent < BEACON__DIAG_PER_SEC) {
            l->sent++;
            send = true;
        } else {
            l->suppressed++;
        }
    }
    pthread_mutex_unlock(&g_diag_lock);

    if (suppressed) {
        snprintf(summary, sizeof summary, "%lu messages suppressed (%s)", suppressed,
                 beacon_status_str(code));
        deliver(&cfg, code, summary);
    }
    if (!send) return;
    vsnprintf(msg, sizeof msg, fmt, ap);
    deliver(&cfg, code, msg);
}

void beacon__diag(beacon_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vdiag(NULL, BEACON__LOG_DEBUG, code, fmt, ap);
    va_end(ap);
}

void beacon__warn(beacon_status code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vdiag(NULL, BEACON__LOG_WARN, code, fmt, ap);
    va_end(ap);
}

void beacon__diag_to(const beacon__diag_cfg *cfg, beacon__log_level sev, beacon_status code,
                     const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vdiag(cfg, sev, code, fmt, ap);
    va_end(ap);
}
