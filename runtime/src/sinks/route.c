/* route.c — per-sink routing (sink.h): the filter, level and sample
 * options every scheme accepts, parsed once and matched per event.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif
#include "sinks/sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

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
            p.glob = strndup(b, (size_t)(e - b));
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
