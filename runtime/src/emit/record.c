/* record.c — encode a generated event struct into a self-contained ring
 * record and restore it on the worker (see record.h). Sizes and copies are
 * computed by walking the event descriptor; nothing here allocates.
 */
#include "emit/record.h"

#include "core/field.h"

#include <string.h>

static size_t align8(size_t n) {
    return (n + BEACON__RECORD_ALIGN - 1) & ~(size_t)(BEACON__RECORD_ALIGN - 1);
}

/* Generated code writes records of scalar-and-string events itself
 * (beacon_gen_reserve): it must agree with this file on the layout. */
_Static_assert(BEACON__RECORD_STRUCT_OFFSET == BEACON_GEN_RECORD_STRUCT_OFFSET,
               "beacon_gen.h and record.h disagree on where the struct copy starts");
_Static_assert(BEACON__RECORD_ALIGN == BEACON_GEN_ALIGN8(1),
               "beacon_gen.h and record.h disagree on the record alignment");
_Static_assert(sizeof(uintptr_t) == sizeof(void *), "offsets are stored in pointer slots");

/* Bytes of `s` the record keeps: the whole string, or max_length + 1 so the
 * serializer can still tell it was cut. The same rule generated code applies. */
static size_t kept_len(const char *s, uint32_t max_length) {
    return beacon_gen_kept_len(s, max_length);
}

/* The bound strings of f are cut to in the ring. Scrubbed text keeps a
 * margin past max_length: the scrubber must see an identifier that starts
 * before the cut entirely, or the part left of a cut email or number would
 * go out unscrubbed. */
static uint32_t ring_cut(const beacon_field_desc *f) {
    return f->pii == BEACON_PII_SCRUB ? beacon_gen_scrub_cut(f->max_length) : f->max_length;
}

static size_t kept_items(size_t count, uint32_t max_items) {
    if (max_items != 0 && count > (size_t)max_items + 1) return (size_t)max_items + 1;
    return count;
}

static const void *load_ptr(const void *slot) {
    const void *p;
    memcpy(&p, slot, sizeof p);
    return p;
}

static void store_off(void *slot, size_t off) {
    uintptr_t v = (uintptr_t)off;
    memcpy(slot, &v, sizeof v);
}

static size_t load_size(const void *slot) {
    size_t n;
    memcpy(&n, slot, sizeof n);
    return n;
}

static void store_size(void *slot, size_t n) {
    memcpy(slot, &n, sizeof n);
}

static size_t string_bytes(const char *s, uint32_t max_length) {
    return s ? kept_len(s, max_length) + 1 : 0;
}

static size_t attrs_bytes(const beacon_attr *a, size_t n, uint32_t max_length) {
    size_t total = align8(n * sizeof(beacon_attr));
    for (size_t i = 0; i < n; i++) {
        total += string_bytes(a[i].key, max_length);
        if (a[i].type == BEACON_ATTR_STRING) total += string_bytes(a[i].v.s, max_length);
    }
    return align8(total);
}

size_t beacon__record_size(const beacon_event_hdr *ev) {
    if (!ev || !ev->desc) return 0;
    const beacon_event_desc *d = ev->desc;
    size_t total = BEACON__RECORD_STRUCT_OFFSET + align8(d->struct_size);
    const char *base = (const char *)ev;
    for (uint32_t i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        if (!beacon__field_present(ev, f)) continue;
        const void *slot = base + f->offset;
        if (f->type == BEACON_TYPE_ATTRIBUTES) {
            const beacon_attr *a = load_ptr(slot);
            size_t n = kept_items(load_size(base + f->count_offset), f->max_items);
            if (a && n) total += attrs_bytes(a, n, ring_cut(f));
        } else if (f->is_list) {
            const void *items = load_ptr(slot);
            size_t n = kept_items(load_size(base + f->count_offset), f->max_items);
            if (!items || !n) continue;
            total += align8(n * beacon__elem_size(f->type));
            if (f->type == BEACON_TYPE_STRING) {
                const char *const *s = items;
                size_t bytes = 0;
                for (size_t k = 0; k < n; k++) bytes += string_bytes(s[k], ring_cut(f));
                total += align8(bytes);
            }
        } else if (f->type == BEACON_TYPE_STRING) {
            total += align8(string_bytes(load_ptr(slot), ring_cut(f)));
        }
    }
    return total;
}

/* Appends bytes at *pos inside rec and returns their offset. */
static size_t put(char *rec, size_t *pos, const void *src, size_t len) {
    size_t off = *pos;
    memcpy(rec + off, src, len);
    *pos += len;
    return off;
}

static size_t put_string(char *rec, size_t *pos, const char *s, uint32_t max_length) {
    size_t len = kept_len(s, max_length);
    size_t off = put(rec, pos, s, len);
    rec[(*pos)++] = '\0';
    return off;
}

void beacon__record_encode(const beacon_event_hdr *ev, void *dst, size_t size) {
    const beacon_event_desc *d = ev->desc;
    char *rec = dst;
    const char *src = (const char *)ev;
    char *copy = rec + BEACON__RECORD_STRUCT_OFFSET;
    memcpy(copy, src, d->struct_size);
    size_t pos = BEACON__RECORD_STRUCT_OFFSET + align8(d->struct_size);

    for (uint32_t i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        void *slot = copy + f->offset;
        bool is_ptr =
            f->is_list || f->type == BEACON_TYPE_STRING || f->type == BEACON_TYPE_ATTRIBUTES;
        if (!is_ptr) continue;
        const void *p = load_ptr(src + f->offset);
        if (!beacon__field_present(ev, f) || !p) {
            store_off(slot, 0);
            continue;
        }
        if (!f->is_list && f->type == BEACON_TYPE_STRING) {
            store_off(slot, put_string(rec, &pos, p, ring_cut(f)));
            pos = align8(pos);
            continue;
        }
        size_t n = kept_items(load_size(src + f->count_offset), f->max_items);
        store_size(copy + f->count_offset, n);
        if (n == 0) {
            /* An optional list is present when its pointer is not NULL: a
             * set empty one points at the (empty) place its items would be. */
            store_off(slot, (f->flags & BEACON_FIELD_OPTIONAL) ? pos : 0);
            continue;
        }
        size_t arr = put(rec, &pos, p, n * beacon__elem_size(f->type));
        pos = align8(pos);
        store_off(slot, arr);
        if (f->type == BEACON_TYPE_STRING) {
            const char *const *s = p;
            for (size_t k = 0; k < n; k++) {
                void *item = rec + arr + k * sizeof(char *);
                store_off(item, s[k] ? put_string(rec, &pos, s[k], ring_cut(f)) : 0);
            }
            pos = align8(pos);
        } else if (f->type == BEACON_TYPE_ATTRIBUTES) {
            const beacon_attr *a = p;
            for (size_t k = 0; k < n; k++) {
                beacon_attr *out = (beacon_attr *)(void *)(rec + arr + k * sizeof(beacon_attr));
                store_off(&out->key, a[k].key ? put_string(rec, &pos, a[k].key, ring_cut(f)) : 0);
                if (a[k].type == BEACON_ATTR_STRING)
                    store_off(&out->v.s,
                              a[k].v.s ? put_string(rec, &pos, a[k].v.s, ring_cut(f)) : 0);
            }
            pos = align8(pos);
        }
    }
    memset(rec + pos, 0, size - pos);
    ((beacon__record_head *)dst)->size = (uint32_t)size;
}

static void restore(char *rec, void *slot) {
    uintptr_t off;
    memcpy(&off, slot, sizeof off);
    const void *p = off ? rec + off : NULL;
    memcpy(slot, &p, sizeof p);
}

beacon_event_hdr *beacon__record_decode(void *rec_) {
    char *rec = rec_;
    char *copy = rec + BEACON__RECORD_STRUCT_OFFSET;
    beacon_event_hdr *ev = (beacon_event_hdr *)(void *)copy;
    const beacon_event_desc *d = ev->desc;
    for (uint32_t i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        bool is_ptr =
            f->is_list || f->type == BEACON_TYPE_STRING || f->type == BEACON_TYPE_ATTRIBUTES;
        if (!is_ptr) continue;
        void *slot = copy + f->offset;
        restore(rec, slot);
        if (!f->is_list && f->type == BEACON_TYPE_STRING) continue;
        char *arr = (char *)load_ptr(slot);
        if (!arr) continue;
        size_t n = load_size(copy + f->count_offset);
        if (f->type == BEACON_TYPE_STRING) {
            for (size_t k = 0; k < n; k++) restore(rec, arr + k * sizeof(char *));
        } else if (f->type == BEACON_TYPE_ATTRIBUTES) {
            for (size_t k = 0; k < n; k++) {
                beacon_attr *a = (beacon_attr *)(void *)(arr + k * sizeof(beacon_attr));
                restore(rec, &a->key);
                if (a->type == BEACON_ATTR_STRING) restore(rec, &a->v.s);
            }
        }
    }
    return ev;
}
