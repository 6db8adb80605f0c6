/* context.c — beacon_gen_context_set/clear: typed per-thread, per-catalog
 * context values. Strings are copied here (once per set, not per emit); a
 * pthread key destructor frees whatever a thread leaves behind at exit.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include "context.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local beacon__context *t_head;
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

static void free_context(beacon__context *c) {
    for (uint32_t i = 0; i < c->count; i++) {
        if (c->set[i] && c->catalog->context[i].type == BEACON_TYPE_STRING) free(c->values[i].s);
    }
    free(c->set);
    free(c->values);
    free(c);
}

static void on_thread_exit(void *head) {
    beacon__context *c = head;
    while (c) {
        beacon__context *next = c->next;
        free_context(c);
        c = next;
    }
}

static void make_key(void) {
    pthread_key_create(&g_key, on_thread_exit);
}

const beacon__context *beacon__context_current(const beacon_catalog_desc *catalog) {
    for (beacon__context *c = t_head; c; c = c->next) {
        if (c->catalog == catalog) return c->set_count ? c : NULL;
    }
    return NULL;
}

static beacon__context *context_for(const beacon_catalog_desc *catalog) {
    for (beacon__context *c = t_head; c; c = c->next) {
        if (c->catalog == catalog) return c;
    }
    beacon__context *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->catalog = catalog;
    c->count = catalog->context_count;
    c->set = calloc(c->count ? c->count : 1, sizeof *c->set);
    c->values = calloc(c->count ? c->count : 1, sizeof *c->values);
    if (!c->set || !c->values) {
        free(c->set);
        free(c->values);
        free(c);
        return NULL;
    }
    pthread_once(&g_key_once, make_key);
    c->next = t_head;
    t_head = c;
    /* The key only exists to run on_thread_exit; the head is the value. */
    pthread_setspecific(g_key, t_head);
    return c;
}

static void unset(beacon__context *c, uint32_t index) {
    if (!c->set[index]) return;
    if (c->catalog->context[index].type == BEACON_TYPE_STRING) free(c->values[index].s);
    memset(&c->values[index], 0, sizeof c->values[index]);
    c->set[index] = 0;
    c->set_count--;
}

static bool in_bounds(const beacon_field_desc *f, const beacon__ctx_value *v) {
    switch (f->type) {
        case BEACON_TYPE_INT:
        case BEACON_TYPE_TIMESTAMP:
        case BEACON_TYPE_DURATION:
            return !((f->flags & BEACON_FIELD_HAS_MIN) && v->i < f->min.i) &&
                   !((f->flags & BEACON_FIELD_HAS_MAX) && v->i > f->max.i);
        case BEACON_TYPE_UINT:
            return !((f->flags & BEACON_FIELD_HAS_MIN) && v->u < f->min.u) &&
                   !((f->flags & BEACON_FIELD_HAS_MAX) && v->u > f->max.u);
        case BEACON_TYPE_DOUBLE:
            if ((f->flags & (BEACON_FIELD_HAS_MIN | BEACON_FIELD_HAS_MAX)) && isnan(v->d))
                return false;
            return !((f->flags & BEACON_FIELD_HAS_MIN) && v->d < f->min.d) &&
                   !((f->flags & BEACON_FIELD_HAS_MAX) && v->d > f->max.d);
        case BEACON_TYPE_ENUM:
            return f->enum_desc && v->e >= 0 && (uint32_t)v->e < f->enum_desc->count;
        default: return true;
    }
}

beacon_status beacon_gen_context_set(const beacon_catalog_desc *catalog, uint32_t index,
                                     const void *value) {
    if (!catalog || index >= catalog->context_count || !catalog->context)
        return BEACON_ERR_INVALID_ARGUMENT;
    const beacon_field_desc *f = &catalog->context[index];
    if (f->is_list || f->type == BEACON_TYPE_ATTRIBUTES) return BEACON_ERR_INVALID_ARGUMENT;

    beacon__ctx_value v;
    memset(&v, 0, sizeof v);
    const char *str = NULL;
    if (value) {
        switch (f->type) {
            case BEACON_TYPE_BOOL: memcpy(&v.b, value, sizeof v.b); break;
            case BEACON_TYPE_INT:
            case BEACON_TYPE_TIMESTAMP:
            case BEACON_TYPE_DURATION: memcpy(&v.i, value, sizeof v.i); break;
            case BEACON_TYPE_UINT: memcpy(&v.u, value, sizeof v.u); break;
            case BEACON_TYPE_DOUBLE: memcpy(&v.d, value, sizeof v.d); break;
            case BEACON_TYPE_ENUM: memcpy(&v.e, value, sizeof v.e); break;
            case BEACON_TYPE_STRING: memcpy(&str, value, sizeof str); break;
            default: return BEACON_ERR_INVALID_ARGUMENT;
        }
        if (!in_bounds(f, &v)) return BEACON_ERR_INVALID_ARGUMENT;
    }
    /* A NULL string value unsets, like a NULL value pointer. */
    if (!value || (f->type == BEACON_TYPE_STRING && !str)) {
        for (beacon__context *c = t_head; c; c = c->next) {
            if (c->catalog == catalog) unset(c, index);
        }
        return BEACON_OK;
    }
    if (str) {
        v.s = strdup(str);
        if (!v.s) return BEACON_ERR_NO_MEMORY;
    }
    beacon__context *c = context_for(catalog);
    if (!c) {
        free(v.s);
        return BEACON_ERR_NO_MEMORY;
    }
    unset(c, index);
    c->values[index] = v;
    c->set[index] = 1;
    c->set_count++;
    return BEACON_OK;
}

void beacon_gen_context_clear(const beacon_catalog_desc *catalog) {
    beacon__context **link = &t_head;
    while (*link) {
        beacon__context *c = *link;
        if (c->catalog == catalog) {
            *link = c->next;
            free_context(c);
            break;
        }
        link = &c->next;
    }
    pthread_once(&g_key_once, make_key);
    pthread_setspecific(g_key, t_head);
}
