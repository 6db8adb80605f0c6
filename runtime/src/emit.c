/* emit.c — beacon_gen_emit: lifecycle and switch checks, catalog
 * validation, sampling, stamping (time, id, trace/span correlation), then
 * beacon__deliver, which today serializes and writes to every sink under the
 * runtime lock. A queueing pipeline replaces beacon__deliver only.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "context.h"
#include "diag.h"
#include "ids.h"
#include "runtime.h"
#include "serialize.h"
#include "span.h"

/* Events up to this size serialize without touching the heap. */
#define EMIT_STACK_BUF 2048

/* ---- validation ------------------------------------------------------- */

typedef struct violation {
    const beacon_field_desc *field;
    long long index; /* list element, -1 for the field itself */
    char what[160];
} violation;

static void describe_value(char *out, size_t cap, const beacon_field_desc *f, const void *p) {
    /* Numeric values may be shown only for fields without a PII policy. */
    if (f->pii != BEACON_PII_NONE) {
        snprintf(out, cap, "%s", "");
        return;
    }
    switch (f->type) {
        case BEACON_TYPE_INT:
        case BEACON_TYPE_TIMESTAMP:
        case BEACON_TYPE_DURATION: {
            int64_t v;
            memcpy(&v, p, sizeof v);
            snprintf(out, cap, " = %" PRId64, v);
            break;
        }
        case BEACON_TYPE_UINT: {
            uint64_t v;
            memcpy(&v, p, sizeof v);
            snprintf(out, cap, " = %" PRIu64, v);
            break;
        }
        case BEACON_TYPE_DOUBLE: {
            double v;
            memcpy(&v, p, sizeof v);
            snprintf(out, cap, " = %.17g", v);
            break;
        }
        case BEACON_TYPE_ENUM: {
            int v;
            memcpy(&v, p, sizeof v);
            snprintf(out, cap, " = %d", v);
            break;
        }
        default: snprintf(out, cap, "%s", ""); break;
    }
}

/* Checks one value of f's element type at p; fills v and returns false on a
 * violation. */
static bool check_value(const beacon_field_desc *f, const void *p, violation *v) {
    char shown[48];
    bool has_min = (f->flags & BEACON_FIELD_HAS_MIN) != 0;
    bool has_max = (f->flags & BEACON_FIELD_HAS_MAX) != 0;
    switch (f->type) {
        case BEACON_TYPE_INT:
        case BEACON_TYPE_TIMESTAMP:
        case BEACON_TYPE_DURATION: {
            int64_t x;
            memcpy(&x, p, sizeof x);
            describe_value(shown, sizeof shown, f, p);
            if (has_min && x < f->min.i) {
                snprintf(v->what, sizeof v->what, "%s is below min %" PRId64, shown, f->min.i);
                return false;
            }
            if (has_max && x > f->max.i) {
                snprintf(v->what, sizeof v->what, "%s is above max %" PRId64, shown, f->max.i);
                return false;
            }
            return true;
        }
        case BEACON_TYPE_UINT: {
            uint64_t x;
            memcpy(&x, p, sizeof x);
            describe_value(shown, sizeof shown, f, p);
            if (has_min && x < f->min.u) {
                snprintf(v->what, sizeof v->what, "%s is below min %" PRIu64, shown, f->min.u);
                return false;
            }
            if (has_max && x > f->max.u) {
                snprintf(v->what, sizeof v->what, "%s is above max %" PRIu64, shown, f->max.u);
                return false;
            }
            return true;
        }
        case BEACON_TYPE_DOUBLE: {
            double x;
            memcpy(&x, p, sizeof x);
            describe_value(shown, sizeof shown, f, p);
            if ((has_min || has_max) && isnan(x)) {
                snprintf(v->what, sizeof v->what, " is NaN but the field has bounds");
                return false;
            }
            if (has_min && x < f->min.d) {
                snprintf(v->what, sizeof v->what, "%s is below min %.17g", shown, f->min.d);
                return false;
            }
            if (has_max && x > f->max.d) {
                snprintf(v->what, sizeof v->what, "%s is above max %.17g", shown, f->max.d);
                return false;
            }
            return true;
        }
        case BEACON_TYPE_ENUM: {
            int x;
            memcpy(&x, p, sizeof x);
            if (!f->enum_desc || x < 0 || (uint32_t)x >= f->enum_desc->count) {
                describe_value(shown, sizeof shown, f, p);
                snprintf(v->what, sizeof v->what, "%s is not a value of enum %s", shown,
                         f->enum_desc && f->enum_desc->name ? f->enum_desc->name : "?");
                return false;
            }
            return true;
        }
        default: return true;
    }
}

static bool field_present(const beacon_event_hdr *ev, const beacon_field_desc *f) {
    if (f->presence_bit < 0) return true;
    const uint8_t *bits = (const uint8_t *)ev + ev->desc->presence_offset;
    return (bits[f->presence_bit >> 3] >> (f->presence_bit & 7)) & 1u;
}

static bool validate_field(const beacon_event_hdr *ev, const beacon_field_desc *f, violation *v) {
    const char *base = (const char *)ev;
    v->field = f;
    v->index = -1;
    if (!field_present(ev, f)) return true;
    if (f->type == BEACON_TYPE_ATTRIBUTES || f->is_list) {
        const char *items;
        size_t count;
        memcpy(&items, base + f->offset, sizeof items);
        memcpy(&count, base + f->count_offset, sizeof count);
        if (!items && count > 0) {
            snprintf(v->what, sizeof v->what, " has %zu items but no item array (NULL)", count);
            return false;
        }
        /* Items past max_items are cut at serialization, so they are not
         * checked either. */
        if (f->max_items && count > f->max_items) count = f->max_items;
        if (f->type == BEACON_TYPE_ATTRIBUTES) {
            const beacon_attr *attrs = (const beacon_attr *)(const void *)items;
            for (size_t i = 0; i < count; i++) {
                if (!attrs[i].key) {
                    v->index = (long long)i;
                    snprintf(v->what, sizeof v->what, " has a NULL key");
                    return false;
                }
            }
            return true;
        }
        size_t size = beacon__elem_size(f->type);
        for (size_t i = 0; i < count; i++) {
            if (!check_value(f, items + i * size, v)) {
                v->index = (long long)i;
                return false;
            }
        }
        return true;
    }
    if (f->type == BEACON_TYPE_STRING && f->presence_bit < 0) {
        const char *s;
        memcpy(&s, base + f->offset, sizeof s);
        if (!s) {
            snprintf(v->what, sizeof v->what, " is required but NULL");
            return false;
        }
        return true;
    }
    return check_value(f, base + f->offset, v);
}

static bool validate(const beacon_event_hdr *ev, violation *v) {
    const beacon_event_desc *d = ev->desc;
    for (uint32_t i = 0; i < d->field_count; i++) {
        if (!validate_field(ev, &d->fields[i], v)) return false;
    }
    return true;
}

static void report(const beacon_event_desc *d, const violation *v) {
    if (v->index >= 0) {
        beacon__diag(BEACON_ERR_INVALID_EVENT, "%s: field '%s'[%lld]%s", d->name, v->field->name,
                     v->index, v->what);
    } else {
        beacon__diag(BEACON_ERR_INVALID_EVENT, "%s: field '%s'%s", d->name, v->field->name,
                     v->what);
    }
}

/* ---- delivery --------------------------------------------------------- */

beacon_status beacon__deliver(const beacon_event_hdr *ev, const beacon__envelope *env) {
    char stack_buf[EMIT_STACK_BUF];
    char *buf = stack_buf;
    size_t cap = sizeof stack_buf;
    unsigned have_flags = ~0u; /* flags the text in buf was serialized with */
    size_t len = 0;
    bool any_failed = false;

    beacon__runtime *rt = beacon__runtime_lock();
    if (!rt) {
        beacon__runtime_unlock();
        beacon__total_book(BEACON__DROPPED_SHUTDOWN);
        return BEACON_ERR_SHUT_DOWN;
    }
    for (size_t i = 0; i < rt->slot_count; i++) {
        beacon__sink_slot *slot = &rt->slots[i];
        slot->counters.emitted++;
        /* Sinks of one format share the text unless their flags differ. */
        if (slot->sink->json_flags != have_flags) {
            have_flags = slot->sink->json_flags;
            len = beacon__serialize(ev, env, buf, cap, have_flags);
            if (len >= cap) {
                char *big = malloc(len + 1);
                if (big) {
                    if (buf != stack_buf) free(buf);
                    buf = big;
                    cap = len + 1;
                    beacon__serialize(ev, env, buf, cap, have_flags);
                }
            }
        }
        if (len >= cap) {
            /* No memory for an oversized event: this sink cannot get it. */
            beacon__counters_bump(&slot->counters, BEACON__DROPPED_QUEUE_FULL);
            any_failed = true;
            continue;
        }
        beacon__batch_item rec = {buf, len, ev->desc};
        beacon__batch batch = {&rec, 1};
        size_t delivered = 0;
        slot->sink->vt->write(slot->sink, &batch, &delivered);
        if (delivered == 1) {
            beacon__counters_bump(&slot->counters, BEACON__DELIVERED);
        } else {
            beacon__counters_bump(&slot->counters, BEACON__DROPPED_SINK_ERROR);
            any_failed = true;
        }
    }
    beacon__total_book(any_failed ? BEACON__DROPPED_SINK_ERROR : BEACON__DELIVERED);
    beacon__runtime_unlock();
    if (buf != stack_buf) free(buf);
    return BEACON_OK;
}

/* ---- emit ------------------------------------------------------------- */

static bool is_zero(const uint8_t *b, size_t n) {
    uint8_t any = 0;
    for (size_t i = 0; i < n; i++) any |= b[i];
    return any == 0;
}

/* Correlation: an explicit trace in the header wins (follow events, span
 * events); a begin event starts a new trace; anything else joins the
 * thread's innermost open span, which becomes its parent. */
static void correlate(const beacon_event_hdr *ev, beacon__envelope *env) {
    beacon_trace_id span_trace;
    beacon_span_id span_id;
    bool in_span = beacon__span_current(&span_trace, &span_id);

    env->trace_id = ev->trace_id;
    env->span_id = ev->span_id;
    env->parent_span_id = ev->parent_span_id;
    if (is_zero(env->trace_id.bytes, sizeof env->trace_id.bytes)) {
        if (ev->desc->correlation == BEACON_CORR_BEGIN) {
            beacon__rand_id(env->trace_id.bytes, sizeof env->trace_id.bytes);
            return;
        }
        if (in_span) env->trace_id = span_trace;
    }
    if (in_span && is_zero(env->parent_span_id.bytes, sizeof env->parent_span_id.bytes) &&
        memcmp(&env->trace_id, &span_trace, sizeof span_trace) == 0 &&
        memcmp(&env->span_id, &span_id, sizeof span_id) != 0) {
        env->parent_span_id = span_id;
    }
}

beacon_status beacon_gen_emit(const beacon_event_hdr *ev, beacon_trace_id *out_trace) {
    if (out_trace) memset(out_trace, 0, sizeof *out_trace);
    if (!ev || !ev->desc) return BEACON_ERR_INVALID_ARGUMENT;
    const beacon_event_desc *d = ev->desc;

    beacon__state state = beacon__get_state();
    if (state != BEACON__STATE_RUNNING) {
        beacon__total_book(BEACON__DROPPED_SHUTDOWN);
        return state == BEACON__STATE_NEW ? BEACON_ERR_NOT_INITIALIZED : BEACON_ERR_SHUT_DOWN;
    }
    if (d->catalog && d->catalog->abi != BEACON_GEN_ABI) {
        beacon__account_drop(BEACON__DROPPED_INVALID);
        beacon__diag(BEACON_ERR_ABI, "%s: generated for beacon ABI %u, runtime has %u", d->name,
                     (unsigned)d->catalog->abi, (unsigned)BEACON_GEN_ABI);
        return BEACON_ERR_ABI;
    }
    if (!beacon__accepting()) {
        beacon__account_drop(BEACON__DROPPED_FILTERED);
        return BEACON_ERR_DISABLED;
    }
    violation v;
    if (!validate(ev, &v)) {
        beacon__account_drop(BEACON__DROPPED_INVALID);
        report(d, &v);
        return BEACON_ERR_INVALID_EVENT;
    }
    /* NaN or >= 1 keeps everything; <= 0 drops everything. */
    if (d->sample_rate < 1.0 && !(d->sample_rate > 0.0 && beacon__rand_unit() < d->sample_rate)) {
        beacon__account_drop(BEACON__DROPPED_SAMPLED);
        return BEACON_ERR_SAMPLED_OUT;
    }

    uint8_t id[16];
    beacon__envelope env;
    memset(&env, 0, sizeof env);
    env.time_ns = ev->time_ns ? ev->time_ns : beacon__clock_realtime_ns();
    beacon__rand_id(id, sizeof id);
    env.id = id;
    correlate(ev, &env);
    env.context = d->catalog ? beacon__context_current(d->catalog) : NULL;

    beacon_status st = beacon__deliver(ev, &env);
    if (st == BEACON_OK && out_trace && d->correlation == BEACON_CORR_BEGIN)
        *out_trace = env.trace_id;
    return st;
}
