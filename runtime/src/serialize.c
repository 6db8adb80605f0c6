/* serialize.c — walks an event descriptor and writes the canonical JSON of a
 * generated struct: envelope keys, context, data (catalog order, presence
 * bits, PII policy, max_length/max_items cuts) and the "truncated" list.
 * Everything goes through the bounded writer in json.c; nothing allocates.
 */
#include "serialize.h"

#include <string.h>

#include "json.h"

typedef enum pii_action { PII_WRITE, PII_REDACT, PII_OMIT } pii_action;

static const char *const k_levels[] = {"debug", "info", "warn", "error"};
static const char k_redacted[] = "\"[REDACTED]\"";

/* Until hashing and scrubbing exist, those fields fail closed (omitted). */
static pii_action pii_for(const beacon_field_desc *f, unsigned flags) {
    if (flags & BEACON_JSON_RAW_PII) return PII_WRITE;
    switch (f->pii) {
        case BEACON_PII_NONE: return PII_WRITE;
        case BEACON_PII_REDACT: return PII_REDACT;
        default: return PII_OMIT;
    }
}

size_t beacon__elem_size(uint8_t type) {
    switch (type) {
        case BEACON_TYPE_BOOL: return sizeof(bool);
        case BEACON_TYPE_INT:
        case BEACON_TYPE_TIMESTAMP:
        case BEACON_TYPE_DURATION: return sizeof(int64_t);
        case BEACON_TYPE_UINT: return sizeof(uint64_t);
        case BEACON_TYPE_DOUBLE: return sizeof(double);
        case BEACON_TYPE_STRING: return sizeof(const char *);
        case BEACON_TYPE_ENUM: return sizeof(int);
        case BEACON_TYPE_ATTRIBUTES: return sizeof(beacon_attr);
        default: return 0;
    }
}

static bool is_present(const beacon_event_hdr *ev, const beacon_field_desc *f) {
    if (f->presence_bit < 0) return true;
    const uint8_t *bits = (const uint8_t *)ev + ev->desc->presence_offset;
    return (bits[f->presence_bit >> 3] >> (f->presence_bit & 7)) & 1u;
}

/* Writes a string cut at max_length bytes on a UTF-8 boundary; returns true
 * when it was cut. */
static bool write_str(beacon__jw *w, const char *s, uint32_t max_length) {
    if (!s) {
        beacon__jw_null(w);
        return false;
    }
    size_t n = strlen(s);
    size_t keep = max_length ? beacon__utf8_cut(s, n, max_length) : n;
    beacon__jw_string(w, s, keep);
    return keep < n;
}

static bool str_too_long(const char *s, uint32_t max_length) {
    return s && max_length && strlen(s) > max_length;
}

/* Writes one value of f's element type read from p; returns true when a
 * string was cut. */
static bool write_scalar(beacon__jw *w, const beacon_field_desc *f, const void *p) {
    switch (f->type) {
        case BEACON_TYPE_BOOL: {
            bool v;
            memcpy(&v, p, sizeof v);
            beacon__jw_bool(w, v);
            return false;
        }
        case BEACON_TYPE_INT:
        case BEACON_TYPE_DURATION: {
            int64_t v;
            memcpy(&v, p, sizeof v);
            beacon__jw_int(w, v);
            return false;
        }
        case BEACON_TYPE_TIMESTAMP: {
            int64_t v;
            memcpy(&v, p, sizeof v);
            beacon__jw_time(w, v);
            return false;
        }
        case BEACON_TYPE_UINT: {
            uint64_t v;
            memcpy(&v, p, sizeof v);
            beacon__jw_uint(w, v);
            return false;
        }
        case BEACON_TYPE_DOUBLE: {
            double v;
            memcpy(&v, p, sizeof v);
            beacon__jw_double(w, v);
            return false;
        }
        case BEACON_TYPE_ENUM: {
            int v;
            memcpy(&v, p, sizeof v);
            if (f->enum_desc && v >= 0 && (uint32_t)v < f->enum_desc->count) {
                beacon__jw_cstr(w, f->enum_desc->values[v]);
            } else {
                beacon__jw_null(w);
            }
            return false;
        }
        case BEACON_TYPE_STRING: {
            const char *s;
            memcpy(&s, p, sizeof s);
            return write_str(w, s, f->max_length);
        }
        default: beacon__jw_null(w); return false;
    }
}

static const beacon_attr *attr_items(const beacon_event_hdr *ev, const beacon_field_desc *f,
                                     size_t *count) {
    const beacon_attr *items;
    memcpy(&items, (const char *)ev + f->offset, sizeof items);
    memcpy(count, (const char *)ev + f->count_offset, sizeof *count);
    if (!items) *count = 0;
    if (f->max_items && *count > f->max_items) *count = f->max_items;
    return items;
}

/* Attribute keys are compared after the max_length cut, which is what a
 * reader sees; a repeated key keeps its first value so the object stays
 * valid for strict parsers. */
static bool attr_key_seen(const beacon_attr *items, size_t i, uint32_t max_length) {
    const char *k = items[i].key;
    size_t kn = max_length ? beacon__utf8_cut(k, strlen(k), max_length) : strlen(k);
    for (size_t j = 0; j < i; j++) {
        const char *o = items[j].key;
        if (!o) continue;
        size_t on = max_length ? beacon__utf8_cut(o, strlen(o), max_length) : strlen(o);
        if (on == kn && memcmp(o, k, kn) == 0) return true;
    }
    return false;
}

static bool write_attributes(beacon__jw *w, const beacon_event_hdr *ev, const beacon_field_desc *f,
                             pii_action act) {
    size_t raw_count, n;
    memcpy(&raw_count, (const char *)ev + f->count_offset, sizeof raw_count);
    const beacon_attr *items = attr_items(ev, f, &n);
    bool cut = items && n < raw_count;
    bool first = true;
    beacon__jw_char(w, '{');
    for (size_t i = 0; i < n; i++) {
        const beacon_attr *a = &items[i];
        if (!a->key || attr_key_seen(items, i, f->max_length)) continue;
        if (!first) beacon__jw_char(w, ',');
        first = false;
        cut |= write_str(w, a->key, f->max_length);
        beacon__jw_char(w, ':');
        if (act == PII_REDACT) {
            beacon__jw_lit(w, k_redacted);
            continue;
        }
        switch (a->type) {
            case BEACON_ATTR_BOOL: beacon__jw_bool(w, a->v.b); break;
            case BEACON_ATTR_INT: beacon__jw_int(w, a->v.i); break;
            case BEACON_ATTR_UINT: beacon__jw_uint(w, a->v.u); break;
            case BEACON_ATTR_DOUBLE: beacon__jw_double(w, a->v.d); break;
            case BEACON_ATTR_STRING: cut |= write_str(w, a->v.s, f->max_length); break;
            default: beacon__jw_null(w); break;
        }
    }
    beacon__jw_char(w, '}');
    return cut;
}

static bool write_list(beacon__jw *w, const beacon_event_hdr *ev, const beacon_field_desc *f,
                       pii_action act) {
    const char *items;
    size_t count;
    size_t size = beacon__elem_size(f->type);
    memcpy(&items, (const char *)ev + f->offset, sizeof items);
    memcpy(&count, (const char *)ev + f->count_offset, sizeof count);
    if (!items) count = 0;
    bool cut = false;
    if (f->max_items && count > f->max_items) {
        count = f->max_items;
        cut = true;
    }
    beacon__jw_char(w, '[');
    for (size_t i = 0; i < count; i++) {
        if (i) beacon__jw_char(w, ',');
        if (act == PII_REDACT) {
            beacon__jw_lit(w, k_redacted);
        } else {
            cut |= write_scalar(w, f, items + i * size);
        }
    }
    beacon__jw_char(w, ']');
    return cut;
}

/* Writes one data field's value; returns true when something was cut. */
static bool write_field(beacon__jw *w, const beacon_event_hdr *ev, const beacon_field_desc *f,
                        pii_action act) {
    if (f->type == BEACON_TYPE_ATTRIBUTES) return write_attributes(w, ev, f, act);
    if (f->is_list) return write_list(w, ev, f, act);
    if (act == PII_REDACT) {
        beacon__jw_lit(w, k_redacted);
        return false;
    }
    return write_scalar(w, f, (const char *)ev + f->offset);
}

/* The same decision as write_field without writing: used only when some
 * field was cut, to list the names after the data object. */
static bool field_is_cut(const beacon_event_hdr *ev, const beacon_field_desc *f, pii_action act) {
    if (f->type == BEACON_TYPE_ATTRIBUTES) {
        beacon__jw sink;
        beacon__jw_init(&sink, NULL, 0);
        return write_attributes(&sink, ev, f, act);
    }
    if (f->is_list) {
        const char *items;
        size_t count;
        memcpy(&items, (const char *)ev + f->offset, sizeof items);
        memcpy(&count, (const char *)ev + f->count_offset, sizeof count);
        if (!items) return false;
        if (f->max_items && count > f->max_items) return true;
        if (act == PII_REDACT || f->type != BEACON_TYPE_STRING) return false;
        for (size_t i = 0; i < count; i++) {
            const char *s;
            memcpy(&s, items + i * sizeof s, sizeof s);
            if (str_too_long(s, f->max_length)) return true;
        }
        return false;
    }
    if (act == PII_REDACT || f->type != BEACON_TYPE_STRING) return false;
    const char *s;
    memcpy(&s, (const char *)ev + f->offset, sizeof s);
    return str_too_long(s, f->max_length);
}

static const void *ctx_value_ptr(const beacon__context *c, uint32_t i) {
    return &c->values[i];
}

/* Context values live in a union; write_scalar reads the member matching
 * the field type from its start, which is where every member sits. */
static bool write_context(beacon__jw *w, const beacon__context *c, unsigned flags, bool *any_cut) {
    const beacon_field_desc *fields = c->catalog->context;
    bool opened = false;
    for (uint32_t i = 0; i < c->count; i++) {
        if (!c->set[i]) continue;
        pii_action act = pii_for(&fields[i], flags);
        if (act == PII_OMIT) continue;
        beacon__jw_lit(w, opened ? "," : ",\"context\":{");
        opened = true;
        beacon__jw_cstr(w, fields[i].name);
        beacon__jw_char(w, ':');
        if (act == PII_REDACT) {
            beacon__jw_lit(w, k_redacted);
        } else if (fields[i].type == BEACON_TYPE_STRING) {
            *any_cut |= write_str(w, c->values[i].s, fields[i].max_length);
        } else {
            write_scalar(w, &fields[i], ctx_value_ptr(c, i));
        }
    }
    if (opened) beacon__jw_char(w, '}');
    return opened;
}

static bool all_zero(const uint8_t *b, size_t n) {
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++) any |= b[i];
    return any == 0;
}

static void write_id(beacon__jw *w, const char *key, const uint8_t *bytes, size_t n) {
    if (all_zero(bytes, n)) return;
    beacon__jw_lit(w, key);
    beacon__jw_hex(w, bytes, n);
}

size_t beacon__serialize(const beacon_event_hdr *ev, const beacon__envelope *env, char *buf,
                         size_t cap, unsigned flags) {
    beacon__jw w;
    beacon__jw_init(&w, buf, cap);
    if (!ev || !ev->desc) return beacon__jw_finish(&w);
    const beacon_event_desc *d = ev->desc;
    const beacon_catalog_desc *cat = d->catalog;
    bool any_cut = false;

    beacon__jw_lit(&w, "{\"event\":");
    beacon__jw_cstr(&w, d->name);
    if (env->time_ns != 0) {
        beacon__jw_lit(&w, ",\"time\":");
        beacon__jw_time(&w, env->time_ns);
    }
    if (env->id) {
        beacon__jw_lit(&w, ",\"id\":");
        beacon__jw_hex(&w, env->id, 16);
    }
    if (cat) {
        beacon__jw_lit(&w, ",\"catalog\":");
        beacon__jw_cstr(&w, cat->name);
        beacon__jw_lit(&w, ",\"version\":");
        beacon__jw_int(&w, cat->version);
    }
    beacon__jw_lit(&w, ",\"level\":\"");
    beacon__jw_lit(&w, d->level < 4 ? k_levels[d->level] : "info");
    beacon__jw_char(&w, '"');
    if (d->category) {
        beacon__jw_lit(&w, ",\"category\":");
        beacon__jw_cstr(&w, d->category);
    }
    write_id(&w, ",\"trace_id\":", env->trace_id.bytes, sizeof env->trace_id.bytes);
    write_id(&w, ",\"span_id\":", env->span_id.bytes, sizeof env->span_id.bytes);
    write_id(&w, ",\"parent_span_id\":", env->parent_span_id.bytes,
             sizeof env->parent_span_id.bytes);
    bool ctx_cut = false;
    if (env->context && env->context->catalog == cat)
        write_context(&w, env->context, flags, &ctx_cut);

    beacon__jw_lit(&w, ",\"data\":{");
    bool first = true;
    for (uint32_t i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        if (!is_present(ev, f)) continue;
        pii_action act = pii_for(f, flags);
        if (act == PII_OMIT) continue;
        if (!first) beacon__jw_char(&w, ',');
        first = false;
        beacon__jw_cstr(&w, f->name);
        beacon__jw_char(&w, ':');
        any_cut |= write_field(&w, ev, f, act);
    }
    beacon__jw_char(&w, '}');

    if (any_cut || ctx_cut) {
        bool opened = false;
        for (uint32_t i = 0; any_cut && i < d->field_count; i++) {
            const beacon_field_desc *f = &d->fields[i];
            if (!is_present(ev, f)) continue;
            pii_action act = pii_for(f, flags);
            if (act == PII_OMIT || !field_is_cut(ev, f, act)) continue;
            beacon__jw_lit(&w, opened ? "," : ",\"truncated\":[");
            opened = true;
            beacon__jw_cstr(&w, f->name);
        }
        /* Context fields are listed as "context.<name>" so they cannot be
         * mistaken for data fields of the same name. */
        for (uint32_t i = 0; ctx_cut && i < env->context->count; i++) {
            const beacon_field_desc *f = &cat->context[i];
            if (!env->context->set[i] || f->type != BEACON_TYPE_STRING) continue;
            if (pii_for(f, flags) != PII_WRITE ||
                !str_too_long(env->context->values[i].s, f->max_length))
                continue;
            beacon__jw_lit(&w, opened ? ",\"context." : ",\"truncated\":[\"context.");
            opened = true;
            /* The name is a catalog identifier; the quotes were opened above. */
            beacon__jw_raw(&w, f->name, strlen(f->name));
            beacon__jw_char(&w, '"');
        }
        if (opened) beacon__jw_char(&w, ']');
    }
    beacon__jw_char(&w, '}');
    return beacon__jw_finish(&w);
}

size_t beacon_gen_to_json(const beacon_event_hdr *ev, char *buf, size_t cap, unsigned flags) {
    beacon__envelope env;
    if (!ev || !ev->desc) {
        if (buf && cap > 0) buf[0] = '\0';
        return 0;
    }
    memset(&env, 0, sizeof env);
    env.time_ns = ev->time_ns;
    env.trace_id = ev->trace_id;
    env.span_id = ev->span_id;
    env.parent_span_id = ev->parent_span_id;
    return beacon__serialize(ev, &env, buf, cap, flags);
}
