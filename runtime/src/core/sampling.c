/* sampling.c — sampling configuration: the per-pattern rates behind
 * beacon_set_sample_rate() and BEACON_SAMPLE_RATE, and the slow path that
 * turns them into each event's cached threshold (state.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif
#include "core/sampling.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/state.h"
#include "core/text.h"

typedef struct sample_rule {
    char *pattern;
    double rate;
} sample_rule;

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
    uint64_t gen = __atomic_load_n(&beacon_gen_g.config_gen, __ATOMIC_SEQ_CST);
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
    if (pattern && (isnan(rate) || rate > 1.0)) return BEACON_ERR_INVALID_ARGUMENT;
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
    if (st == BEACON_OK) beacon__config_changed();
    pthread_mutex_unlock(&g_sample_mu);
    return st;
}

void beacon__sample_read_env(void) {
    const char *v = getenv("BEACON_SAMPLE_RATE");
    double rate = NAN;
    if (v && *v) {
        char *end = NULL;
        double d = strtod(v, &end);
        if (end && *end == '\0' && d >= 0.0 && d <= 1.0) {
            rate = d;
        } else {
            beacon__warn(BEACON_ERR_INVALID_ARGUMENT,
                         "BEACON_SAMPLE_RATE='%s' is not a number from 0 to 1; ignored", v);
        }
    }
    pthread_mutex_lock(&g_sample_mu);
    g_env_rate = rate;
    beacon__config_changed();
    pthread_mutex_unlock(&g_sample_mu);
}
