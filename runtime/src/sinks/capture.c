/* capture.c — the in-memory `capture[:NAME]` sink and the public
 * beacon_capture_* functions users read it back with in their own tests.
 * Stores are process-wide, keyed by name, guarded by one mutex, and outlive
 * the runtime until cleared.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sink.h"

#define CAPTURE_DEFAULT_MAX 65536u

typedef struct capture_store {
    char *name;
    struct capture_store *next;
    char **events; /* NUL-terminated copies */
    size_t *lens;
    size_t count, cap;
} capture_store;

typedef struct capture_sink {
    beacon__sink base;
    char *name;
    uint64_t max;
} capture_sink;

static pthread_mutex_t g_capture_lock = PTHREAD_MUTEX_INITIALIZER;
static capture_store *g_stores; /* guarded by g_capture_lock */

/* The store list's lock is held across fork(). */
static void capture_atfork_prepare(void) {
    pthread_mutex_lock(&g_capture_lock);
}
static void capture_atfork_parent(void) {
    pthread_mutex_unlock(&g_capture_lock);
}
static void capture_atfork_child(void) {
    pthread_mutex_unlock(&g_capture_lock);
}

/* Caller holds the lock. create: make the store when missing. */
static capture_store *store_find(const char *name, bool create) {
    if (!name) name = "";
    for (capture_store *s = g_stores; s; s = s->next) {
        if (strcmp(s->name, name) == 0) return s;
    }
    if (!create) return NULL;
    capture_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->name = strdup(name);
    if (!s->name) {
        free(s);
        return NULL;
    }
    s->next = g_stores;
    g_stores = s;
    return s;
}

static bool store_append(capture_store *st, const char *json, size_t len) {
    if (st->count == st->cap) {
        size_t ncap = st->cap ? st->cap * 2 : 64;
        char **ev = realloc(st->events, ncap * sizeof *ev);
        if (!ev) return false;
        st->events = ev;
        size_t *ln = realloc(st->lens, ncap * sizeof *ln);
        if (!ln) return false;
        st->lens = ln;
        st->cap = ncap;
    }
    char *copy = malloc(len + 1);
    if (!copy) return false;
    memcpy(copy, json, len);
    copy[len] = '\0';
    st->events[st->count] = copy;
    st->lens[st->count] = len;
    st->count++;
    return true;
}

static beacon_status capture_write(beacon__sink *sink, const beacon__batch *batch,
                                   size_t *delivered) {
    capture_sink *s = (capture_sink *)sink;
    *delivered = 0;
    pthread_mutex_lock(&g_capture_lock);
    capture_store *st = store_find(s->name, true);
    for (size_t i = 0; st && i < batch->count; i++) {
        if (st->count >= s->max) break;
        if (!store_append(st, batch->records[i].json, batch->records[i].len)) break;
        (*delivered)++;
    }
    pthread_mutex_unlock(&g_capture_lock);
    return *delivered == batch->count ? BEACON_OK : BEACON_ERR_IO;
}

static beacon_status capture_flush(beacon__sink *sink, int timeout_ms) {
    (void)sink;
    (void)timeout_ms;
    return BEACON_OK;
}

static beacon_status capture_close(beacon__sink *sink, int timeout_ms) {
    capture_sink *s = (capture_sink *)sink;
    (void)timeout_ms;
    free(s->name);
    free(s);
    return BEACON_OK; /* the store stays for beacon_capture_get */
}

static const beacon__sink_vtable k_capture_vt = {
    .scheme = "capture", .write = capture_write, .flush = capture_flush, .close = capture_close};

static beacon_status capture_open(const beacon__sink_spec *spec, const beacon__callback_target *cb,
                                  beacon__sink **out, char *err, size_t err_cap) {
    (void)cb;
    (void)err;
    (void)err_cap;
    capture_sink *s = calloc(1, sizeof *s);
    if (!s) return BEACON_ERR_NO_MEMORY;
    s->base.vt = &k_capture_vt;
    s->base.format = BEACON__FORMAT_CANONICAL;
    s->name = strdup(spec->target ? spec->target : "");
    s->max = CAPTURE_DEFAULT_MAX;
    const char *max = beacon__sink_spec_option(spec, "max");
    if (max) beacon__parse_u64(max, &s->max); /* validated with the spec */
    if (!s->name) {
        free(s);
        return BEACON_ERR_NO_MEMORY;
    }
    *out = &s->base;
    return BEACON_OK;
}

size_t beacon_capture_count(const char *name) {
    pthread_mutex_lock(&g_capture_lock);
    capture_store *st = store_find(name, false);
    size_t n = st ? st->count : 0;
    pthread_mutex_unlock(&g_capture_lock);
    return n;
}

size_t beacon_capture_get(const char *name, size_t index, char *buf, size_t cap) {
    size_t len = 0;
    if (!buf && cap > 0) return 0;
    pthread_mutex_lock(&g_capture_lock);
    capture_store *st = store_find(name, false);
    if (st && index < st->count) {
        len = st->lens[index];
        if (cap > 0) {
            size_t n = len < cap ? len : cap - 1;
            memcpy(buf, st->events[index], n);
            buf[n] = '\0';
        }
    } else if (cap > 0) {
        buf[0] = '\0';
    }
    pthread_mutex_unlock(&g_capture_lock);
    return len;
}

void beacon_capture_clear(const char *name) {
    pthread_mutex_lock(&g_capture_lock);
    capture_store *st = store_find(name, false);
    if (st) {
        for (size_t i = 0; i < st->count; i++) free(st->events[i]);
        free(st->events);
        free(st->lens);
        st->events = NULL;
        st->lens = NULL;
        st->count = st->cap = 0;
    }
    pthread_mutex_unlock(&g_capture_lock);
}

static const char *const k_capture_options[] = {"max", NULL};

const beacon__sink_scheme beacon__sink_scheme_capture = {
    .scheme = "capture",
    .usage = "capture[:NAME]",
    .target = BEACON__TARGET_OPTIONAL,
    .options = k_capture_options,
    .numeric = k_capture_options,
    .open = capture_open,
    .fork_prepare = capture_atfork_prepare,
    .fork_parent = capture_atfork_parent,
    .fork_child = capture_atfork_child,
};
