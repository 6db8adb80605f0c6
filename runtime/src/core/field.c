/* field.c — the rules of a field value (field.h): one verdict per value,
 * with the reason a caller prints. Emit validation, the context setters and
 * the CLI use these; the serializer uses the same element sizes.
 */
#include "core/field.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* The value is formatted only on a refusal: this runs on every emit. */
bool beacon__field_value_ok(const beacon_field_desc *f, const void *p, beacon__field_verdict *v) {
    char shown[48];
    v->field = f;
    v->index = -1;
    bool has_min = (f->flags & BEACON_FIELD_HAS_MIN) != 0;
    bool has_max = (f->flags & BEACON_FIELD_HAS_MAX) != 0;
    switch (f->type) {
        case BEACON_TYPE_INT:
        case BEACON_TYPE_TIMESTAMP:
        case BEACON_TYPE_DURATION: {
            int64_t x;
            memcpy(&x, p, sizeof x);
            if (has_min && x < f->min.i) {
                describe_value(shown, sizeof shown, f, p);
                snprintf(v->why, sizeof v->why, "%s is below min %" PRId64, shown, f->min.i);
                return false;
            }
            if (has_max && x > f->max.i) {
                describe_value(shown, sizeof shown, f, p);
                snprintf(v->why, sizeof v->why, "%s is above max %" PRId64, shown, f->max.i);
                return false;
            }
            return true;
        }
        case BEACON_TYPE_UINT: {
            uint64_t x;
            memcpy(&x, p, sizeof x);
            if (has_min && x < f->min.u) {
                describe_value(shown, sizeof shown, f, p);
                snprintf(v->why, sizeof v->why, "%s is below min %" PRIu64, shown, f->min.u);
                return false;
            }
            if (has_max && x > f->max.u) {
                describe_value(shown, sizeof shown, f, p);
                snprintf(v->why, sizeof v->why, "%s is above max %" PRIu64, shown, f->max.u);
                return false;
            }
            return true;
        }
        case BEACON_TYPE_DOUBLE: {
            double x;
            memcpy(&x, p, sizeof x);
            if ((has_min || has_max) && isnan(x)) {
                snprintf(v->why, sizeof v->why, " is NaN but the field has bounds");
                return false;
            }
            if (has_min && x < f->min.d) {
                describe_value(shown, sizeof shown, f, p);
                snprintf(v->why, sizeof v->why, "%s is below min %.17g", shown, f->min.d);
                return false;
            }
            if (has_max && x > f->max.d) {
                describe_value(shown, sizeof shown, f, p);
                snprintf(v->why, sizeof v->why, "%s is above max %.17g", shown, f->max.d);
                return false;
            }
            return true;
        }
        case BEACON_TYPE_ENUM: {
            int x;
            memcpy(&x, p, sizeof x);
            if (!f->enum_desc || x < 0 || (uint32_t)x >= f->enum_desc->count) {
                describe_value(shown, sizeof shown, f, p);
                snprintf(v->why, sizeof v->why, "%s is not a value of enum %s", shown,
                         f->enum_desc && f->enum_desc->name ? f->enum_desc->name : "?");
                return false;
            }
            return true;
        }
        default: return true;
    }
}

bool beacon__field_ok(const beacon_event_hdr *ev, const beacon_field_desc *f,
                      beacon__field_verdict *v) {
    const char *base = (const char *)ev;
    v->field = f;
    v->index = -1;
    if (!beacon__field_present(ev, f)) return true;
    if (f->type == BEACON_TYPE_ATTRIBUTES || f->is_list) {
        const char *items;
        size_t count;
        memcpy(&items, base + f->offset, sizeof items);
        memcpy(&count, base + f->count_offset, sizeof count);
        if (!items && count > 0) {
            snprintf(v->why, sizeof v->why, " has %zu items but no item array (NULL)", count);
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
                    snprintf(v->why, sizeof v->why, " has a NULL key");
                    return false;
                }
            }
            return true;
        }
        size_t size = beacon__elem_size(f->type);
        for (size_t i = 0; i < count; i++) {
            if (!beacon__field_value_ok(f, items + i * size, v)) {
                v->index = (long long)i;
                return false;
            }
        }
        return true;
    }
    if (f->type == BEACON_TYPE_STRING && !(f->flags & BEACON_FIELD_OPTIONAL)) {
        const char *s;
        memcpy(&s, base + f->offset, sizeof s);
        if (!s) {
            snprintf(v->why, sizeof v->why, " is required but NULL");
            return false;
        }
        return true;
    }
    return beacon__field_value_ok(f, base + f->offset, v);
}

const char *beacon__field_verdict_text(const beacon__field_verdict *v, char *buf, size_t cap) {
    const char *name = v->field && v->field->name ? v->field->name : "?";
    if (v->index >= 0) {
        snprintf(buf, cap, "field '%s'[%lld]%s", name, v->index, v->why);
    } else {
        snprintf(buf, cap, "field '%s'%s", name, v->why);
    }
    return buf;
}
