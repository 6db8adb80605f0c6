/* wire.c — what every wire format shares: reading a canonical event's
 * envelope back, number typing from the catalog, raw copies and level names.
 * Each format lives in its own file beside this one. */
#include "format/wire.h"

#include <string.h>

#include "core/text.h"

bool beacon__wire_event_read(const beacon__jdoc *doc, beacon__wire_event *ev) {
    memset(ev, 0, sizeof *ev);
    ev->doc = doc;
    ev->level_num = BEACON_LEVEL_INFO;
    if (doc->n == 0 || doc->t[0].kind != BEACON__J_OBJ) return false;
    /* One pass over the root's members (the canonical keys are plain ASCII). */
    static const char *const keys[] = {"event",     "time",           "id",       "catalog",
                                       "version",   "level",          "category", "trace_id",
                                       "span_id",   "parent_span_id", "context",  "data",
                                       "truncated", "hash_key"};
    size_t *slots[] = {&ev->event,     &ev->time,           &ev->id,       &ev->catalog,
                       &ev->version,   &ev->level,          &ev->category, &ev->trace_id,
                       &ev->span_id,   &ev->parent_span_id, &ev->context,  &ev->data,
                       &ev->truncated, &ev->hash_key};
    static const unsigned char lens[] = {5, 4, 2, 7, 7, 5, 8, 8, 7, 14, 7, 4, 9, 8};
    _Static_assert(sizeof lens == sizeof keys / sizeof keys[0], "a length per key");
    size_t i = 1;
    for (uint32_t m = 0; m < doc->t[0].count; m++) {
        const beacon__jtok *k = &doc->t[i];
        for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++) {
            if (k->len == lens[j] && k->p[0] == keys[j][0] && memcmp(k->p, keys[j], k->len) == 0) {
                *slots[j] = i + 1;
                break;
            }
        }
        i = doc->t[i + 1].end;
    }
    if (!ev->event || doc->t[ev->event].kind != BEACON__J_STR) return false;
    if (ev->time) {
        const beacon__jtok *t = &doc->t[ev->time];
        if (!beacon__parse_rfc3339(t->p, t->len, &ev->time_ns)) ev->time_ns = 0;
    }
    if (ev->level) {
        for (int l = BEACON_LEVEL_DEBUG; l <= BEACON_LEVEL_ERROR; l++)
            if (beacon__jtok_eq(&doc->t[ev->level], beacon__wire_level_lower(l))) ev->level_num = l;
    }
    return true;
}

bool beacon__wire_number_is_double(const beacon_event_desc *desc, const beacon__jtok *key,
                                   const beacon__jtok *value) {
    if (desc && key->kind == BEACON__J_STR) {
        for (uint32_t i = 0; i < desc->field_count; i++) {
            const beacon_field_desc *f = &desc->fields[i];
            if (strlen(f->name) == key->len && memcmp(f->name, key->p, key->len) == 0)
                return f->type == BEACON_TYPE_DOUBLE;
        }
    }
    int64_t v;
    return !beacon__jtok_int(value, &v);
}

void beacon__wire_put_raw(beacon__wbuf *out, const beacon__jtok *t) {
    if (t->kind == BEACON__J_STR) {
        beacon__wbuf_putc(out, '"');
        beacon__wbuf_put(out, t->p, t->len);
        beacon__wbuf_putc(out, '"');
    } else {
        beacon__wbuf_put(out, t->p, t->len);
    }
}

bool beacon__wire_hex_bytes(const beacon__jtok *t, uint8_t *out, size_t n) {
    return t->kind == BEACON__J_STR && t->len == 2 * n && beacon__hex_decode(t->p, n, out, false);
}

static const struct beacon_catalog_desc *catalog_of(const beacon__wire_piece *p) {
    return p->desc ? p->desc->catalog : NULL;
}

size_t beacon__wire_catalogs(const beacon__wire_piece *p, size_t n,
                             const struct beacon_catalog_desc **out) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct beacon_catalog_desc *c = catalog_of(&p[i]);
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++) seen = out[j] == c;
        if (!seen && k < BEACON__WIRE_MAX_SCOPES) out[k++] = c;
    }
    return k;
}

bool beacon__wire_in_scope(const beacon__wire_piece *p, const struct beacon_catalog_desc *cat,
                           const struct beacon_catalog_desc *const *cats, size_t ncats) {
    const struct beacon_catalog_desc *c = catalog_of(p);
    if (c == cat) return true;
    if (cat != cats[ncats - 1] || ncats < BEACON__WIRE_MAX_SCOPES) return false;
    for (size_t j = 0; j < ncats; j++)
        if (cats[j] == c) return false;
    return true; /* a catalog beyond the table: with the last scope */
}

const char *beacon__wire_level_upper(int level) {
    static const char *const k[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    return level >= 0 && level <= 3 ? k[level] : "INFO";
}

const char *beacon__wire_level_lower(int level) {
    static const char *const k[] = {"debug", "info", "warn", "error"};
    return level >= 0 && level <= 3 ? k[level] : "info";
}

bool beacon__wire_encode_canonical(const beacon__wire_ctx *ctx, const beacon__jdoc *doc,
                                   const char *json, size_t len, const beacon_event_desc *desc,
                                   beacon__wbuf *out) {
    (void)ctx;
    (void)doc;
    (void)desc;
    beacon__wbuf_put(out, json, len);
    return !out->failed;
}

void beacon__wire_put_list(beacon__wbuf *body, const beacon__wire_piece *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i) beacon__wbuf_putc(body, ',');
        beacon__wbuf_put(body, p[i].data, p[i].len);
    }
}

void beacon__wire_assemble_array(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                                 beacon__wbuf *body) {
    (void)ctx;
    beacon__wbuf_putc(body, '[');
    beacon__wire_put_list(body, p, n);
    beacon__wbuf_putc(body, ']');
}

void beacon__wire_assemble_one(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                               beacon__wbuf *body) {
    (void)ctx;
    (void)n;
    beacon__wbuf_put(body, p[0].data, p[0].len);
}
