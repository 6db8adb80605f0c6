/* serialize.c — walks an event descriptor and writes the canonical JSON of a
 * generated struct: envelope keys, context, data (catalog order, presence
 * bits, max_length/max_items cuts), "hash_key", "truncated" and, for sinks
 * that ask, "resource". PII policies are applied here, value by value, on the
 * worker (or the caller of beacon_gen_to_json): hashing (pii_hash.c) and
 * scrubbing (scrub.c) write straight into the bounded writer of json.c, so
 * nothing allocates and no raw value of a protected field is ever copied out.
 */
#include "format/serialize.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/field.h"
#include "core/ids.h"
#include "format/json.h"
#include "privacy/scrub.h"

static const char *const k_levels[] = {"debug", "info", "warn", "error"};
static const char k_redacted[] = "\"[REDACTED]\"";

/* One serialization: where to write, and what happened that the envelope
 * needs to know after "data". */
typedef struct ser {
    beacon__jw *w;
    const beacon__hasher *hasher;
    bool raw;           /* BEACON_JSON_RAW_PII: policies off */
    bool hashed;        /* at least one hashed value was written */
    bool hash_redacted; /* a hash field was redacted: no key */
} ser;

/* The policy that applies to f in this serialization; a hash field without
 * a key is written as "[REDACTED]" (fail closed, presence kept): never raw,
 * never silently absent. */
static uint8_t policy(ser *s, const beacon_field_desc *f) {
    if (s->raw) return BEACON_PII_NONE;
    if (f->pii == BEACON_PII_HASH && !s->hasher) {
        s->hash_redacted = true;
        return BEACON_PII_REDACT;
    }
    return f->pii <= BEACON_PII_SCRUB ? f->pii : BEACON_PII_DROP;
}

/* ---- policy-applied strings ---------------------------------------------- */

/* Scrubber output streamed into the JSON string, cut at `budget` bytes
 * (0: no cut). A placeholder is never split: it goes whole or not at all. */
typedef struct scrub_out {
    beacon__jw *w;
    size_t budget;
    size_t written;
    bool full;
} scrub_out;

static void scrub_piece(void *user, const beacon__scrub_piece *p) {
    scrub_out *so = user;
    if (so->full) return;
    size_t n = p->len;
    if (so->budget && so->written + n > so->budget) {
        size_t room = so->budget - so->written;
        n = p->kind == BEACON__SCRUB_TEXT ? beacon__utf8_cut(p->text, p->len, room) : 0;
        so->full = true;
    }
    beacon__jw_string_body(so->w, p->text, n);
    so->written += n;
}

/* Writes s[0..n) as a JSON string cut at max_length bytes (0: no cut);
 * returns true when it was cut. */
static bool write_plain_text(beacon__jw *w, const char *str, size_t n, uint32_t max_length) {
    size_t keep = max_length ? beacon__utf8_cut(str, n, max_length) : n;
    beacon__jw_string(w, str, keep);
    return keep < n;
}

/* Writes s[0..n) under policy pii (NONE, HASH, REDACT or SCRUB), cut at
 * max_length bytes; returns true when the value was cut. Hashing covers the
 * value as cut, so the same input always gives the same hash whatever path
 * (ring record or direct) it took. */
static bool write_text(ser *s, const char *str, size_t n, uint8_t pii, uint32_t max_length) {
    switch (pii) {
        case BEACON_PII_REDACT: beacon__jw_lit(s->w, k_redacted); return false;
        case BEACON_PII_HASH: {
            size_t keep = max_length ? beacon__utf8_cut(str, n, max_length) : n;
            char hex[BEACON__HASH_HEX_LEN + 1];
            if (!beacon__hasher_hex(s->hasher, str, keep, hex)) {
                beacon__jw_null(s->w); /* never the raw value */
                return false;
            }
            beacon__jw_char(s->w, '"');
            beacon__jw_raw(s->w, hex, BEACON__HASH_HEX_LEN);
            beacon__jw_char(s->w, '"');
            s->hashed = true;
            return keep < n;
        }
        case BEACON_PII_SCRUB: {
            /* Scrub first: a cut could split an identifier so that it is no
             * longer recognised and its remaining part leaks. */
            scrub_out so = {s->w, max_length, 0, false};
            beacon__jw_char(s->w, '"');
            size_t total = beacon__scrub_each(str, n, scrub_piece, &so, NULL);
            beacon__jw_char(s->w, '"');
            return max_length && total > max_length;
        }
        default: return write_plain_text(s->w, str, n, max_length);
    }
}

static inline bool write_str(ser *s, const char *str, uint8_t pii, uint32_t max_length) {
    if (!str) {
        beacon__jw_null(s->w);
        return false;
    }
    return write_text(s, str, strlen(str), pii, max_length);
}

static bool write_attr_value(ser *s, const beacon_attr *a, uint8_t pii, uint32_t max_length);

/* A number under hash or scrub is treated like a numeric attribute value:
 * the policy acts on its JSON text. The catalog validator only allows
 * policies on strings and attributes; this keeps hand-made descriptors
 * fail-closed too. */
static bool number_as_attr(const beacon_field_desc *f, const void *p, beacon_attr *a) {
    a->key = NULL;
    switch (f->type) {
        case BEACON_TYPE_BOOL:
            a->type = BEACON_ATTR_BOOL;
            memcpy(&a->v.b, p, sizeof a->v.b);
            return true;
        case BEACON_TYPE_INT:
        case BEACON_TYPE_DURATION:
        case BEACON_TYPE_TIMESTAMP:
            a->type = BEACON_ATTR_INT;
            memcpy(&a->v.i, p, sizeof a->v.i);
            return true;
        case BEACON_TYPE_UINT:
            a->type = BEACON_ATTR_UINT;
            memcpy(&a->v.u, p, sizeof a->v.u);
            return true;
        case BEACON_TYPE_DOUBLE:
            a->type = BEACON_ATTR_DOUBLE;
            memcpy(&a->v.d, p, sizeof a->v.d);
            return true;
        default: return false;
    }
}

/* A duration of ns nanoseconds in the field's wire unit: integers
 * truncated toward zero, seconds as a number. */
static void write_duration(beacon__jw *w, int64_t ns, uint8_t unit) {
    switch (unit) {
        case BEACON_UNIT_US: beacon__jw_int(w, ns / 1000); break;
        case BEACON_UNIT_MS: beacon__jw_int(w, ns / 1000000); break;
        case BEACON_UNIT_S: beacon__jw_double(w, (double)ns / 1e9); break;
        default: beacon__jw_int(w, ns); break;
    }
}

/* The JSON key a field's value is written under. */
static inline const char *field_key(const beacon_field_desc *f) {
    return f->key ? f->key : f->name;
}

/* Writes one value of f's element type read from p, with no policy;
 * returns true when a string was cut. */
static bool write_value(beacon__jw *w, const beacon_field_desc *f, const void *p) {
    switch (f->type) {
        case BEACON_TYPE_BOOL: {
            bool v;
            memcpy(&v, p, sizeof v);
            beacon__jw_bool(w, v);
            return false;
        }
        case BEACON_TYPE_INT: {
            int64_t v;
            memcpy(&v, p, sizeof v);
            beacon__jw_int(w, v);
            return false;
        }
        case BEACON_TYPE_DURATION: {
            int64_t v;
            memcpy(&v, p, sizeof v);
            write_duration(w, v, f->duration_unit);
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
                beacon__jw_name(w, f->enum_desc->values[v]);
            } else {
                beacon__jw_null(w);
            }
            return false;
        }
        case BEACON_TYPE_STRING: {
            const char *str;
            memcpy(&str, p, sizeof str);
            if (!str) {
                beacon__jw_null(w);
                return false;
            }
            return write_plain_text(w, str, strlen(str), f->max_length);
        }
        default: beacon__jw_null(w); return false;
    }
}

/* Writes one value of f's element type read from p under policy pii;
 * returns true when a string was cut. */
static bool write_scalar(ser *s, const beacon_field_desc *f, const void *p, uint8_t pii) {
    if (pii == BEACON_PII_REDACT) {
        beacon__jw_lit(s->w, k_redacted);
        return false;
    }
    if (pii == BEACON_PII_HASH || pii == BEACON_PII_SCRUB) {
        beacon_attr num;
        if (number_as_attr(f, p, &num)) return write_attr_value(s, &num, pii, f->max_length);
        if (f->type == BEACON_TYPE_STRING) {
            const char *str;
            memcpy(&str, p, sizeof str);
            return write_str(s, str, pii, f->max_length);
        }
    }
    return write_value(s->w, f, p);
}

/* ---- attributes ------------------------------------------------------------ */

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

/* The JSON text of a non-string attribute value, which is what hash and
 * scrub act on: a number can be personal data too (a phone number typed
 * as an integer). Returns the length. */
static size_t attr_text(const beacon_attr *a, char out[40]) {
    switch (a->type) {
        case BEACON_ATTR_BOOL: return (size_t)snprintf(out, 40, "%s", a->v.b ? "true" : "false");
        case BEACON_ATTR_INT: return (size_t)snprintf(out, 40, "%lld", (long long)a->v.i);
        case BEACON_ATTR_UINT: return (size_t)snprintf(out, 40, "%llu", (unsigned long long)a->v.u);
        case BEACON_ATTR_DOUBLE: {
            size_t n = beacon__format_double(a->v.d, out);
            if (n == 0) n = (size_t)snprintf(out, 40, "null");
            return n;
        }
        default: return (size_t)snprintf(out, 40, "null");
    }
}

static void write_attr_number(beacon__jw *w, const beacon_attr *a) {
    switch (a->type) {
        case BEACON_ATTR_BOOL: beacon__jw_bool(w, a->v.b); break;
        case BEACON_ATTR_INT: beacon__jw_int(w, a->v.i); break;
        case BEACON_ATTR_UINT: beacon__jw_uint(w, a->v.u); break;
        case BEACON_ATTR_DOUBLE: beacon__jw_double(w, a->v.d); break;
        default: beacon__jw_null(w); break;
    }
}

static bool write_attr_value(ser *s, const beacon_attr *a, uint8_t pii, uint32_t max_length) {
    if (a->type == BEACON_ATTR_STRING) return write_str(s, a->v.s, pii, max_length);
    if (pii == BEACON_PII_NONE) {
        write_attr_number(s->w, a);
        return false;
    }
    char text[40];
    size_t n = attr_text(a, text);
    if (pii == BEACON_PII_SCRUB) {
        /* A number the scrubber leaves alone stays a number. */
        char out[3 * 40 + 1];
        size_t m = beacon__scrub(text, n, out, sizeof out);
        if (m == n && memcmp(out, text, n) == 0) {
            write_attr_number(s->w, a);
            return false;
        }
    }
    return write_text(s, text, n, pii, max_length);
}

static bool write_attributes(ser *s, const beacon_event_hdr *ev, const beacon_field_desc *f,
                             uint8_t pii) {
    size_t raw_count, n;
    memcpy(&raw_count, (const char *)ev + f->count_offset, sizeof raw_count);
    const beacon_attr *items = attr_items(ev, f, &n);
    bool cut = items && n < raw_count;
    bool first = true;
    beacon__jw_char(s->w, '{');
    for (size_t i = 0; i < n; i++) {
        const beacon_attr *a = &items[i];
        if (!a->key || attr_key_seen(items, i, f->max_length)) continue;
        if (!first) beacon__jw_char(s->w, ',');
        first = false;
        /* Keys name what is measured; the policy protects the values. */
        cut |= write_str(s, a->key, BEACON_PII_NONE, f->max_length);
        beacon__jw_char(s->w, ':');
        cut |= write_attr_value(s, a, pii, f->max_length);
    }
    beacon__jw_char(s->w, '}');
    return cut;
}

static bool write_list(ser *s, const beacon_event_hdr *ev, const beacon_field_desc *f,
                       uint8_t pii) {
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
    beacon__jw_char(s->w, '[');
    for (size_t i = 0; i < count; i++) {
        if (i) beacon__jw_char(s->w, ',');
        cut |= write_scalar(s, f, items + i * size, pii);
    }
    beacon__jw_char(s->w, ']');
    return cut;
}

/* Writes one data field's value; returns true when something was cut. */
static inline bool write_field(ser *s, const beacon_event_hdr *ev, const beacon_field_desc *f,
                               uint8_t pii) {
    if (f->type == BEACON_TYPE_ATTRIBUTES) return write_attributes(s, ev, f, pii);
    if (f->is_list) return write_list(s, ev, f, pii);
    return write_scalar(s, f, (const char *)ev + f->offset, pii);
}

/* The same decision as write_field without output: used only when some
 * field was cut, to list the names after the data object. */
static bool field_is_cut(const ser *s, const beacon_event_hdr *ev, const beacon_field_desc *f,
                         uint8_t pii) {
    beacon__jw null_w;
    beacon__jw_init(&null_w, NULL, 0);
    ser dry = *s;
    dry.w = &null_w;
    return write_field(&dry, ev, f, pii);
}

/* ---- context ------------------------------------------------------------- */

/* Context values live in a union; write_scalar reads the member matching
 * the field type from its start, which is where every member sits. Strings
 * are stored as owned char *, which has the layout of const char *. */
static bool write_context_value(ser *s, const beacon__context *c, uint32_t i, uint8_t pii) {
    const beacon_field_desc *f = &c->catalog->context[i];
    return write_scalar(s, f, &c->values[i], pii);
}

static void write_context(ser *s, const beacon__context *c, bool *any_cut) {
    const beacon_field_desc *fields = c->catalog->context;
    bool opened = false;
    for (uint32_t i = 0; i < c->count; i++) {
        if (!c->set[i]) continue;
        uint8_t pii = policy(s, &fields[i]);
        if (pii == BEACON_PII_DROP) continue;
        beacon__jw_lit(s->w, opened ? "," : ",\"context\":{");
        opened = true;
        beacon__jw_name(s->w, field_key(&fields[i]));
        beacon__jw_char(s->w, ':');
        *any_cut |= write_context_value(s, c, i, pii);
    }
    if (opened) beacon__jw_char(s->w, '}');
}

static inline void write_id(beacon__jw *w, const char *key, const uint8_t *bytes, size_t n) {
    if (beacon__id_is_zero(bytes, n)) return;
    beacon__jw_lit(w, key);
    beacon__jw_hex(w, bytes, n);
}

static void write_truncated(ser *s, const beacon_event_hdr *ev, const beacon__context *ctx,
                            bool data_cut, bool ctx_cut) {
    const beacon_event_desc *d = ev->desc;
    beacon__jw *w = s->w;
    bool opened = false;
    for (uint32_t i = 0; data_cut && i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        if (!beacon__field_present(ev, f)) continue;
        uint8_t pii = policy(s, f);
        if (pii == BEACON_PII_DROP || !field_is_cut(s, ev, f, pii)) continue;
        beacon__jw_lit(w, opened ? "," : ",\"truncated\":[");
        opened = true;
        beacon__jw_name(w, field_key(f));
    }
    /* Context fields are listed as "context.<name>" so they cannot be
     * mistaken for data fields of the same name. */
    for (uint32_t i = 0; ctx_cut && i < ctx->count; i++) {
        const beacon_field_desc *f = &ctx->catalog->context[i];
        if (!ctx->set[i]) continue;
        uint8_t pii = policy(s, f);
        if (pii == BEACON_PII_DROP) continue;
        beacon__jw null_w;
        beacon__jw_init(&null_w, NULL, 0);
        ser dry = *s;
        dry.w = &null_w;
        if (!write_context_value(&dry, ctx, i, pii)) continue;
        beacon__jw_lit(w, opened ? ",\"context." : ",\"truncated\":[\"context.");
        opened = true;
        /* The key is a catalog identifier; the quotes were opened above. */
        beacon__jw_raw(w, field_key(f), strlen(field_key(f)));
        beacon__jw_char(w, '"');
    }
    if (opened) beacon__jw_char(w, ']');
}

/* ---- descriptor-only parts ----------------------------------------------
 * Everything below depends on the descriptor alone; the plain path writes it
 * each time, a plan (further down) holds it rendered by these same functions,
 * so both paths give the same bytes. */

/* `{"event":"<name>"` */
static void write_head(beacon__jw *w, const beacon_event_desc *d) {
    beacon__jw_lit(w, "{\"event\":");
    beacon__jw_name(w, d->name);
}

/* The envelope keys between "id" and the correlation ids: catalog, version,
 * level and category. */
static void write_meta(beacon__jw *w, const beacon_event_desc *d) {
    const beacon_catalog_desc *cat = d->catalog;
    if (cat) {
        beacon__jw_lit(w, ",\"catalog\":");
        beacon__jw_name(w, cat->name);
        beacon__jw_lit(w, ",\"version\":");
        beacon__jw_int(w, cat->version);
    }
    beacon__jw_lit(w, ",\"level\":\"");
    beacon__jw_lit(w, d->level < 4 ? k_levels[d->level] : "info");
    beacon__jw_char(w, '"');
    if (d->category) {
        beacon__jw_lit(w, ",\"category\":");
        beacon__jw_name(w, d->category);
    }
}

/* A data field's key: `"key":`, after a comma unless it comes first. */
static void write_key(beacon__jw *w, const beacon_field_desc *f, bool comma) {
    if (comma) beacon__jw_char(w, ',');
    beacon__jw_name(w, field_key(f));
    beacon__jw_char(w, ':');
}

/* A field the plan writes itself: a single enum value, whose names it holds
 * quoted. Under redact the placeholder goes out instead (write_scalar). */
static bool has_plan_values(const beacon_field_desc *f) {
    return f->type == BEACON_TYPE_ENUM && !f->is_list && f->enum_desc;
}

/* ---- plans ----------------------------------------------------------------
 * A plan is the text write_head, write_meta, write_key and the enum value
 * names give for one descriptor, rendered once. The worker serializes the
 * same few events millions of times; with a plan each of those parts is one
 * copy. Plans are built on first use, published in a process-wide table
 * (CAS into an empty slot, acquire on lookup) and never changed or freed:
 * they stay reachable from the table until the process exits, so leak
 * checkers do not report them. A full table or a failed allocation only
 * means the plain path for that descriptor. beacon_gen_to_json, which must
 * not allocate, always takes the plain path. */

/* A run of plan text. */
typedef struct piece {
    uint32_t off, len;
} piece;

typedef struct plan_field {
    piece key;           /* `,"name":` */
    const piece *values; /* quoted enum value names, or NULL (has_plan_values) */
} plan_field;

typedef struct plan {
    const beacon_event_desc *desc;
    char *text; /* every piece below points into it */
    piece head, meta;
    plan_field *fields; /* desc->field_count */
    struct plan *next;  /* the next published plan (g_plans) */
} plan;

/* Every published plan, newest first. A plan is found through its
 * descriptor's state and lives until the runtime is unloaded (or the
 * process ends: beacon__serialize_free_plans); this list keeps the plans of
 * descriptors that went away (a library unloaded, a state reset) reachable,
 * so they are retained memory rather than leaks: one plan per distinct
 * descriptor ever serialized. */
static plan *_Atomic g_plans;

/* Records what w took since offset start as *p. */
static void note(piece *p, const beacon__jw *w, size_t start) {
    p->off = (uint32_t)start;
    p->len = (uint32_t)(w->len - start);
}

/* Writes the plan text of pl->desc to w and records where each part is.
 * Run twice: to measure (a counting writer), then to fill the text; the
 * offsets are the same both times. */
static void render_plan(beacon__jw *w, plan *pl) {
    const beacon_event_desc *d = pl->desc;
    piece *values = (piece *)(pl->fields + d->field_count);
    size_t at = w->len;
    write_head(w, d);
    note(&pl->head, w, at);
    at = w->len;
    write_meta(w, d);
    note(&pl->meta, w, at);
    for (uint32_t i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        plan_field *pf = &pl->fields[i];
        at = w->len;
        write_key(w, f, true);
        note(&pf->key, w, at);
        pf->values = NULL;
        if (!has_plan_values(f)) continue;
        pf->values = values;
        for (uint32_t v = 0; v < f->enum_desc->count; v++) {
            at = w->len;
            beacon__jw_name(w, f->enum_desc->values[v]);
            note(values++, w, at);
        }
    }
}

/* Frees an unpublished plan; NULL is a no-op. */
static void plan_free(plan *pl) {
    if (!pl) return;
    free(pl->text);
    free(pl);
}

/* A new plan for d, or NULL when out of memory or its text would not fit
 * 32-bit offsets. Owned by the caller until published (plan_free). */
static plan *plan_new(const beacon_event_desc *d) {
    size_t nvalues = 0;
    for (uint32_t i = 0; i < d->field_count; i++)
        if (has_plan_values(&d->fields[i])) nvalues += d->fields[i].enum_desc->count;
    plan *pl = malloc(sizeof *pl + d->field_count * sizeof(plan_field) + nvalues * sizeof(piece));
    if (!pl) return NULL;
    pl->desc = d;
    pl->fields = (plan_field *)(void *)(pl + 1);
    beacon__jw w;
    beacon__jw_init(&w, NULL, 0);
    render_plan(&w, pl);
    char *text = w.len < UINT32_MAX ? malloc(w.len + 1) : NULL;
    if (!text) {
        free(pl);
        return NULL;
    }
    beacon__jw_init(&w, text, w.len + 1);
    render_plan(&w, pl);
    beacon__jw_finish(&w);
    pl->text = text;
    return pl;
}

/* d's plan (borrowed; lives until process exit), built on first use and
 * kept in d's own state (opaque[3]), so a descriptor at an address another
 * one had (a library unloaded and another loaded) never finds its plan.
 * NULL means the plain path: no memory, a descriptor without state, or one
 * whose state holds another descriptor's plan (copies of a descriptor
 * share its state). Thread-safe: of racing builders, the first to publish
 * wins and the others free theirs. */
static const plan *plan_for(const beacon_event_desc *d) {
    if (!d->state) return NULL;
    uint64_t *slot = &d->state->opaque[3];
    const plan *cur = (const plan *)(uintptr_t)__atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (!cur) {
        plan *fresh = plan_new(d);
        if (!fresh) return NULL;
        uint64_t seen = 0;
        if (__atomic_compare_exchange_n(slot, &seen, (uint64_t)(uintptr_t)fresh, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            fresh->next = atomic_load_explicit(&g_plans, memory_order_relaxed);
            while (!atomic_compare_exchange_weak_explicit(
                &g_plans, &fresh->next, fresh, memory_order_release, memory_order_relaxed)) {
            }
            return fresh;
        }
        plan_free(fresh);
        cur = (const plan *)(uintptr_t)seen;
    }
    return cur->desc == d ? cur : NULL;
}

void beacon__serialize_free_plans(void) {
    plan *pl = atomic_exchange_explicit(&g_plans, NULL, memory_order_acquire);
    while (pl) {
        plan *next = pl->next;
        plan_free(pl);
        pl = next;
    }
}

/* Appends one run of pl's text. */
static void write_piece(beacon__jw *w, const plan *pl, piece p) {
    beacon__jw_raw(w, pl->text + p.off, p.len);
}

/* ---- data ---------------------------------------------------------------- */

/* The "data" members in catalog order; keys and enum names from pl when
 * there is one. Returns true when something was cut. */
static bool write_data(ser *s, const beacon_event_hdr *ev, const plan *pl) {
    const beacon_event_desc *d = ev->desc;
    bool first = true, cut = false;
    for (uint32_t i = 0; i < d->field_count; i++) {
        const beacon_field_desc *f = &d->fields[i];
        const void *p = (const char *)ev + f->offset;
        /* An unset optional scalar with a catalog default is written with it. */
        bool defaulted = !beacon__field_present(ev, f);
        if (defaulted && !(p = f->default_value)) continue;
        uint8_t pii = policy(s, f);
        if (pii == BEACON_PII_DROP) continue;
        const plan_field *pf = pl ? &pl->fields[i] : NULL;
        if (pf) {
            /* The key is stored after its comma; the first one goes without. */
            piece key = {pf->key.off + first, pf->key.len - first};
            write_piece(s->w, pl, key);
        } else {
            write_key(s->w, f, !first);
        }
        first = false;
        if (pf && pf->values && pii != BEACON_PII_REDACT) {
            int v;
            memcpy(&v, p, sizeof v);
            if (v >= 0 && (uint32_t)v < f->enum_desc->count) {
                write_piece(s->w, pl, pf->values[v]);
            } else {
                beacon__jw_null(s->w);
            }
        } else if (pii == BEACON_PII_NONE && !f->is_list && f->type != BEACON_TYPE_ATTRIBUTES) {
            cut |= write_value(s->w, f, p); /* what write_field comes to, without its layers */
        } else if (defaulted) {
            cut |= write_scalar(s, f, p, pii); /* defaults are scalars */
        } else {
            cut |= write_field(s, ev, f, pii);
        }
    }
    return cut;
}

size_t beacon__serialize(const beacon_event_hdr *ev, const beacon__envelope *env, char *buf,
                         size_t cap, unsigned flags) {
    beacon__jw w;
    beacon__jw_init(&w, buf, cap);
    if (!ev || !ev->desc) return beacon__jw_finish(&w);
    const beacon_event_desc *d = ev->desc;
    const beacon_catalog_desc *cat = d->catalog;
    ser s = {&w, env->hasher, (flags & BEACON_JSON_RAW_PII) != 0, false, false};
    const plan *pl = (flags & BEACON__JSON_NO_PLAN) ? NULL : plan_for(d);

    if (pl) {
        write_piece(&w, pl, pl->head);
    } else {
        write_head(&w, d);
    }
    if (env->time_ns != 0) {
        beacon__jw_lit(&w, ",\"time\":");
        beacon__jw_time(&w, env->time_ns);
    }
    if (env->id) {
        beacon__jw_lit(&w, ",\"id\":");
        beacon__jw_hex(&w, env->id, 16);
    }
    if (pl) {
        write_piece(&w, pl, pl->meta);
    } else {
        write_meta(&w, d);
    }
    write_id(&w, ",\"trace_id\":", env->trace_id.bytes, sizeof env->trace_id.bytes);
    write_id(&w, ",\"span_id\":", env->span_id.bytes, sizeof env->span_id.bytes);
    write_id(&w, ",\"parent_span_id\":", env->parent_span_id.bytes,
             sizeof env->parent_span_id.bytes);
    const beacon__context *ctx =
        env->context && env->context->catalog == cat && cat ? env->context : NULL;
    bool ctx_cut = false;
    if (ctx) write_context(&s, ctx, &ctx_cut);

    beacon__jw_lit(&w, ",\"data\":{");
    bool data_cut = write_data(&s, ev, pl);
    beacon__jw_char(&w, '}');
    if (s.hashed) {
        /* Key ids are restricted to characters that need no escaping. */
        beacon__jw_lit(&w, ",\"" BEACON__HASH_KEY_FIELD "\":\"");
        beacon__jw_lit(&w, beacon__hasher_key_id(s.hasher));
        beacon__jw_char(&w, '"');
    }
    if (data_cut || ctx_cut) write_truncated(&s, ev, ctx, data_cut, ctx_cut);
    if ((flags & BEACON__JSON_RESOURCE) && env->resource) {
        beacon__jw_lit(&w, ",\"resource\":");
        beacon__jw_raw(&w, env->resource, env->resource_len);
    }
    beacon__jw_char(&w, '}');
    if (s.hash_redacted && env->hash_redacted) *env->hash_redacted = true;
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
    bool dropped = false;
    env.hash_redacted = &dropped;
    /* Only the public flag: the resource object belongs to sinks. No plan:
     * building one allocates, and this entry point never does. */
    flags = (flags & BEACON_JSON_RAW_PII) | BEACON__JSON_NO_PLAN;
    env.hasher = (flags & BEACON_JSON_RAW_PII) ? NULL : beacon__hasher_global_acquire();
    size_t n = beacon__serialize(ev, &env, buf, cap, flags);
    if (!(flags & BEACON_JSON_RAW_PII)) beacon__hasher_global_release();
    return n;
}
