/* context.c — beacon_gen_context_set/clear: typed per-thread, per-catalog
 * context values kept as immutable snapshots (see context.h). A set copies
 * the snapshot with one field changed (strings are copied once per set, not
 * per emit); a pthread key destructor retires whatever a thread leaves behind.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup */
#endif
#include "emit/context.h"

#include "core/diag.h"
#include "core/field.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A thread's slot for one catalog. `handed` is private to the thread. */
typedef struct beacon__ctx_slot {
    const beacon_catalog_desc *catalog;
    struct beacon__ctx_slot *next;
    beacon__context *snap; /* NULL: nothing set */
    int64_t handed;        /* references given out for snap */
} ctx_slot;

/* The list head is beacon__lane.ctx (context.h). */
static pthread_key_t g_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

static void free_snapshot(beacon__context *c) {
    for (uint32_t i = 0; i < c->count; i++) {
        if (c->set[i] && c->catalog->context[i].type == BEACON_TYPE_STRING) free(c->values[i].s);
    }
    free(c->set);
    free(c->values);
    free(c);
}

/* The owner drops its own hold: from now on `balance` counts the references
 * still out, and reaching zero frees. */
static void retire(ctx_slot *s) {
    beacon__context *c = s->snap;
    if (!c) return;
    s->snap = NULL;
    int64_t left =
        atomic_fetch_add_explicit(&c->balance, s->handed, memory_order_acq_rel) + s->handed;
    s->handed = 0;
    if (left == 0) free_snapshot(c);
}

void beacon__context_release(const beacon__context *ctx) {
    if (!ctx) return;
    beacon__context *c = (beacon__context *)ctx;
    /* Before retirement the balance is negative and never reaches zero here. */
    if (atomic_fetch_sub_explicit(&c->balance, 1, memory_order_acq_rel) - 1 == 0) free_snapshot(c);
}

static void on_thread_exit(void *head) {
    ctx_slot *s = head;
    /* Destructors of keys created later (other libraries' cleanup) run after
     * this one and may still set context: they must find an empty list, not
     * the slots freed here. A slot they create re-arms the key. */
    beacon__lane.ctx = NULL;
    while (s) {
        ctx_slot *next = s->next;
        retire(s);
        free(s);
        s = next;
    }
}

static void make_key(void) {
    pthread_key_create(&g_key, on_thread_exit);
}

static ctx_slot *find_slot(const beacon_catalog_desc *catalog) {
    for (ctx_slot *s = beacon__ctx_head; s; s = s->next) {
        if (s->catalog == catalog) return s;
    }
    return NULL;
}

const beacon__context *beacon__context_acquire(const beacon_catalog_desc *catalog) {
    ctx_slot *s = beacon__ctx_head;
    while (s && s->catalog != catalog) s = s->next;
    if (!s || !s->snap) return NULL;
    s->handed++;
    return s->snap;
}

const beacon__context *beacon__context_current(const beacon_catalog_desc *catalog) {
    ctx_slot *s = find_slot(catalog);
    return s ? s->snap : NULL;
}

static ctx_slot *slot_for(const beacon_catalog_desc *catalog) {
    ctx_slot *s = find_slot(catalog);
    if (s) return s;
    s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->catalog = catalog;
    pthread_once(&g_key_once, make_key);
    s->next = beacon__ctx_head;
    beacon__lane.ctx = s;
    /* The key only exists to run on_thread_exit; the head is the value. */
    pthread_setspecific(g_key, beacon__ctx_head);
    return s;
}

/* A copy of `old` (NULL: empty) for catalog with field `index` replaced by v
 * (set) or unset (v NULL). Takes ownership of v->s. */
static beacon__context *derive(const beacon_catalog_desc *catalog, const beacon__context *old,
                               uint32_t index, beacon__ctx_value *v) {
    uint32_t n = catalog->context_count;
    beacon__context *c = calloc(1, sizeof *c);
    uint8_t *set = calloc(n ? n : 1, sizeof *set);
    beacon__ctx_value *values = calloc(n ? n : 1, sizeof *values);
    if (!c || !set || !values) goto fail;
    c->catalog = catalog;
    c->count = n;
    c->set = set;
    c->values = values;
    atomic_init(&c->balance, 0);
    for (uint32_t i = 0; old && i < n; i++) {
        if (!old->set[i] || i == index) continue;
        values[i] = old->values[i];
        if (catalog->context[i].type == BEACON_TYPE_STRING) {
            values[i].s = strdup(old->values[i].s);
            if (!values[i].s) goto fail;
        }
        set[i] = 1;
        c->set_count++;
    }
    if (v) {
        values[index] = *v;
        set[index] = 1;
        c->set_count++;
    }
    return c;
fail:
    if (c && set && values) {
        c->set = set;
        c->values = values;
        free_snapshot(c); /* frees the strings copied so far */
    } else {
        free(c);
        free(set);
        free(values);
    }
    if (v && catalog->context[index].type == BEACON_TYPE_STRING) free(v->s);
    return NULL;
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
        beacon__field_verdict verdict;
        if (f->type != BEACON_TYPE_STRING && !beacon__field_value_ok(f, value, &verdict)) {
            char text[256];
            beacon__diag(BEACON_ERR_INVALID_ARGUMENT, "context: %s",
                         beacon__field_verdict_text(&verdict, text, sizeof text));
            return BEACON_ERR_INVALID_ARGUMENT;
        }
    }
    /* A NULL string value unsets, like a NULL value pointer. */
    bool unset = !value || (f->type == BEACON_TYPE_STRING && !str);
    ctx_slot *s = unset ? find_slot(catalog) : slot_for(catalog);
    if (unset && (!s || !s->snap || !s->snap->set[index])) return BEACON_OK;
    if (!s) return BEACON_ERR_NO_MEMORY;
    if (str) {
        v.s = strdup(str);
        if (!v.s) return BEACON_ERR_NO_MEMORY;
    }
    beacon__context *next = derive(catalog, s->snap, index, unset ? NULL : &v);
    if (!next) return BEACON_ERR_NO_MEMORY;
    retire(s);
    if (next->set_count == 0) {
        free_snapshot(next); /* nothing set: emits carry no context */
    } else {
        s->snap = next;
    }
    return BEACON_OK;
}

void beacon_gen_context_clear(const beacon_catalog_desc *catalog) {
    for (ctx_slot *s = beacon__ctx_head, *prev = NULL; s; prev = s, s = s->next) {
        if (s->catalog == catalog) {
            if (prev)
                prev->next = s->next;
            else
                beacon__lane.ctx = s->next;
            retire(s);
            free(s);
            break;
        }
    }
    pthread_once(&g_key_once, make_key);
    pthread_setspecific(g_key, beacon__ctx_head);
}

void *beacon_gen_context_ref(const beacon_catalog_desc *catalog) {
    if (!catalog) return NULL;
    return (void *)beacon__context_acquire(catalog);
}
