/* fixture_events.c — descriptors and thin wrappers for the "fx" test
 * catalog, written the way the generator writes them (data plus wrappers that
 * call the beacon_gen.h entry points).
 */
#include "fixture_events.h"

#include <stddef.h>
#include <string.h>

static const char *const k_color_values[] = {"red", "green", "blue"};
static const uint8_t k_color_deprecated[] = {0, 0, 0};
const beacon_enum_desc tfx_color_desc = {"color", k_color_values, NULL, k_color_deprecated, 3};

static beacon_event_state k_state[8];

#define REQ(nm, ty, member)                                                                        \
    { .name = nm, .type = ty, .presence_bit = -1, .offset = offsetof(tfx_everything, member) }
#define OPT(nm, ty, member, bit)                                                                   \
    {                                                                                              \
        .name = nm, .type = ty, .presence_bit = bit, .flags = BEACON_FIELD_OPTIONAL,               \
        .offset = offsetof(tfx_everything, member)                                                 \
    }

static const beacon_field_desc k_everything_fields[] = {
    REQ("flag", BEACON_TYPE_BOOL, flag),
    {.name = "count",
     .type = BEACON_TYPE_INT,
     .presence_bit = -1,
     .offset = offsetof(tfx_everything, count),
     .flags = BEACON_FIELD_HAS_MIN | BEACON_FIELD_HAS_MAX,
     .min = {.i = 0},
     .max = {.i = 10}},
    {.name = "size",
     .type = BEACON_TYPE_UINT,
     .presence_bit = -1,
     .offset = offsetof(tfx_everything, size),
     .flags = BEACON_FIELD_HAS_MAX,
     .max = {.u = 1000}},
    {.name = "ratio",
     .type = BEACON_TYPE_DOUBLE,
     .presence_bit = -1,
     .offset = offsetof(tfx_everything, ratio),
     .flags = BEACON_FIELD_HAS_MIN | BEACON_FIELD_HAS_MAX,
     .min = {.d = 0.0},
     .max = {.d = 1.0}},
    {.name = "name",
     .type = BEACON_TYPE_STRING,
     .presence_bit = -1,
     .offset = offsetof(tfx_everything, name),
     .max_length = 8},
    REQ("at", BEACON_TYPE_TIMESTAMP, at),
    REQ("took", BEACON_TYPE_DURATION, took),
    {.name = "color",
     .type = BEACON_TYPE_ENUM,
     .presence_bit = -1,
     .offset = offsetof(tfx_everything, color),
     .enum_desc = &tfx_color_desc},
    {.name = "tags",
     .type = BEACON_TYPE_STRING,
     .is_list = 1,
     .presence_bit = -1,
     .offset = offsetof(tfx_everything, tags),
     .count_offset = offsetof(tfx_everything, tags_count),
     .max_items = 3,
     .max_length = 4},
    {.name = "nums",
     .type = BEACON_TYPE_INT,
     .is_list = 1,
     .presence_bit = -1,
     .offset = offsetof(tfx_everything, nums),
     .count_offset = offsetof(tfx_everything, nums_count),
     .flags = BEACON_FIELD_HAS_MIN | BEACON_FIELD_HAS_MAX,
     .min = {.i = -5},
     .max = {.i = 5}},
    {.name = "extra",
     .type = BEACON_TYPE_ATTRIBUTES,
     .presence_bit = 0,
     .flags = BEACON_FIELD_OPTIONAL,
     .offset = offsetof(tfx_everything, extra),
     .count_offset = offsetof(tfx_everything, extra_count),
     .max_length = 6},
    OPT("note", BEACON_TYPE_STRING, note, 1),
    OPT("opt_ratio", BEACON_TYPE_DOUBLE, opt_ratio, 2),
    {.name = "secret",
     .type = BEACON_TYPE_STRING,
     .presence_bit = 3,
     .flags = BEACON_FIELD_OPTIONAL,
     .pii = BEACON_PII_REDACT,
     .offset = offsetof(tfx_everything, secret)},
    {.name = "hidden",
     .type = BEACON_TYPE_STRING,
     .presence_bit = 4,
     .flags = BEACON_FIELD_OPTIONAL,
     .pii = BEACON_PII_DROP,
     .offset = offsetof(tfx_everything, hidden)},
    {.name = "email",
     .type = BEACON_TYPE_STRING,
     .presence_bit = 5,
     .flags = BEACON_FIELD_OPTIONAL,
     .pii = BEACON_PII_HASH,
     .offset = offsetof(tfx_everything, email)},
    {.name = "secret_list",
     .type = BEACON_TYPE_STRING,
     .is_list = 1,
     .presence_bit = 6,
     .flags = BEACON_FIELD_OPTIONAL,
     .pii = BEACON_PII_REDACT,
     .offset = offsetof(tfx_everything, secret_list),
     .count_offset = offsetof(tfx_everything, secret_list_count)},
    {.name = "secret_attrs",
     .type = BEACON_TYPE_ATTRIBUTES,
     .presence_bit = 7,
     .flags = BEACON_FIELD_OPTIONAL,
     .pii = BEACON_PII_REDACT,
     .offset = offsetof(tfx_everything, secret_attrs),
     .count_offset = offsetof(tfx_everything, secret_attrs_count)},
    {.name = "colors",
     .type = BEACON_TYPE_ENUM,
     .is_list = 1,
     .presence_bit = 8,
     .flags = BEACON_FIELD_OPTIONAL,
     .offset = offsetof(tfx_everything, colors),
     .count_offset = offsetof(tfx_everything, colors_count),
     .enum_desc = &tfx_color_desc},
    {.name = "free_text",
     .type = BEACON_TYPE_STRING,
     .presence_bit = 9,
     .flags = BEACON_FIELD_OPTIONAL,
     .pii = BEACON_PII_SCRUB,
     .offset = offsetof(tfx_everything, free_text)},
};

static const beacon_field_desc k_upload_begin_fields[] = {
    {.name = "file",
     .type = BEACON_TYPE_STRING,
     .presence_bit = -1,
     .offset = offsetof(tfx_upload_begin, file)},
};
static const beacon_field_desc k_upload_step_fields[] = {
    {.name = "step",
     .type = BEACON_TYPE_INT,
     .presence_bit = -1,
     .offset = offsetof(tfx_upload_step, step)},
};
static const beacon_field_desc k_plain_fields[] = {
    {.name = "n",
     .type = BEACON_TYPE_INT,
     .presence_bit = -1,
     .offset = offsetof(tfx_plain, n),
     .flags = BEACON_FIELD_HAS_MIN | BEACON_FIELD_HAS_MAX,
     .min = {.i = 0},
     .max = {.i = 10}},
};
static const beacon_field_desc k_secret_number_fields[] = {
    {.name = "n",
     .type = BEACON_TYPE_INT,
     .presence_bit = -1,
     .offset = offsetof(tfx_plain, n),
     .pii = BEACON_PII_HASH,
     .flags = BEACON_FIELD_HAS_MAX,
     .max = {.i = 10}},
};
static const beacon_field_desc k_op_start_fields[] = {
    {.name = "op",
     .type = BEACON_TYPE_STRING,
     .presence_bit = -1,
     .offset = offsetof(tfx_op_start, op)},
};
static const beacon_field_desc k_op_stop_fields[] = {
    {.name = "op",
     .type = BEACON_TYPE_STRING,
     .presence_bit = -1,
     .offset = offsetof(tfx_op_stop, op)},
    {.name = "duration_ns",
     .type = BEACON_TYPE_DURATION,
     .presence_bit = -1,
     .offset = offsetof(tfx_op_stop, duration_ns)},
};

#define EVENT(var, nm, idx, cat, lvl, corr, knd, rate, type, presence, flds)                       \
    const beacon_event_desc var = {.catalog = &tfx_catalog,                                        \
                                   .name = nm,                                                     \
                                   .category = cat,                                                \
                                   .id = idx,                                                      \
                                   .level = lvl,                                                   \
                                   .correlation = corr,                                            \
                                   .kind = knd,                                                    \
                                   .sample_rate = rate,                                            \
                                   .struct_size = sizeof(type),                                    \
                                   .presence_offset = presence,                                    \
                                   .fields = flds,                                                 \
                                   .field_count = sizeof flds / sizeof flds[0],                    \
                                   .state = &k_state[idx]}

EVENT(tfx_everything_desc, "fx.everything", 0, "test", BEACON_LEVEL_WARN, BEACON_CORR_NONE,
      BEACON_KIND_EVENT, 1.0, tfx_everything, offsetof(tfx_everything, present),
      k_everything_fields);
EVENT(tfx_upload_begin_desc, "fx.upload.begin", 1, NULL, BEACON_LEVEL_INFO, BEACON_CORR_BEGIN,
      BEACON_KIND_EVENT, 1.0, tfx_upload_begin, 0, k_upload_begin_fields);
EVENT(tfx_upload_step_desc, "fx.upload.step", 2, NULL, BEACON_LEVEL_ERROR, BEACON_CORR_FOLLOW,
      BEACON_KIND_EVENT, 1.0, tfx_upload_step, 0, k_upload_step_fields);
EVENT(tfx_plain_desc, "fx.plain", 3, "system", BEACON_LEVEL_DEBUG, BEACON_CORR_NONE,
      BEACON_KIND_EVENT, 1.0, tfx_plain, 0, k_plain_fields);
EVENT(tfx_sampled_desc, "fx.sampled", 4, NULL, BEACON_LEVEL_INFO, BEACON_CORR_NONE,
      BEACON_KIND_EVENT, 0.0, tfx_plain, 0, k_plain_fields);
EVENT(tfx_secret_number_desc, "fx.secret_number", 5, NULL, BEACON_LEVEL_INFO, BEACON_CORR_NONE,
      BEACON_KIND_EVENT, 1.0, tfx_plain, 0, k_secret_number_fields);
EVENT(tfx_op_start_desc, "fx.op.start", 6, NULL, BEACON_LEVEL_INFO, BEACON_CORR_NONE,
      BEACON_KIND_SPAN_START, 1.0, tfx_op_start, 0, k_op_start_fields);
EVENT(tfx_op_stop_desc, "fx.op.stop", 7, NULL, BEACON_LEVEL_INFO, BEACON_CORR_NONE,
      BEACON_KIND_SPAN_STOP, 1.0, tfx_op_stop, 0, k_op_stop_fields);

static const beacon_event_desc *const k_events[] = {
    &tfx_everything_desc, &tfx_upload_begin_desc,  &tfx_upload_step_desc, &tfx_plain_desc,
    &tfx_sampled_desc,    &tfx_secret_number_desc, &tfx_op_start_desc,    &tfx_op_stop_desc,
};
static const beacon_enum_desc *const k_enums[] = {&tfx_color_desc};

static const beacon_field_desc k_context[] = {
    {.name = "request_id", .type = BEACON_TYPE_STRING, .presence_bit = -1, .max_length = 16},
    {.name = "tenant", .type = BEACON_TYPE_INT, .presence_bit = -1},
    {.name = "user_email", .type = BEACON_TYPE_STRING, .presence_bit = -1, .pii = BEACON_PII_HASH},
    {.name = "mode", .type = BEACON_TYPE_ENUM, .presence_bit = -1, .enum_desc = &tfx_color_desc},
    {.name = "weight", .type = BEACON_TYPE_DOUBLE, .presence_bit = -1},
};

const beacon_catalog_desc tfx_catalog = {
    .abi = BEACON_GEN_ABI,
    .name = "fx",
    .prefix = "fx",
    .hash = "0000",
    .version = 7,
    .events = k_events,
    .event_count = sizeof k_events / sizeof k_events[0],
    .enums = k_enums,
    .enum_count = 1,
    .context = k_context,
    .context_count = sizeof k_context / sizeof k_context[0],
};

static void set_bit(uint8_t *present, int bit) {
    present[bit >> 3] |= (uint8_t)(1u << (bit & 7));
}

tfx_everything tfx_everything_make(bool flag, int64_t count, uint64_t size, double ratio,
                                   const char *name, int64_t at, int64_t took, tfx_color color,
                                   const char *const *tags, size_t tags_count, const int64_t *nums,
                                   size_t nums_count) {
    tfx_everything ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &tfx_everything_desc;
    ev.flag = flag;
    ev.count = count;
    ev.size = size;
    ev.ratio = ratio;
    ev.name = name;
    ev.at = at;
    ev.took = took;
    ev.color = color;
    ev.tags = tags;
    ev.tags_count = tags_count;
    ev.nums = nums;
    ev.nums_count = nums_count;
    return ev;
}

void tfx_everything_set_extra(tfx_everything *ev, const beacon_attr *items, size_t count) {
    ev->extra = items;
    ev->extra_count = count;
    set_bit(ev->present, 0);
}
void tfx_everything_set_note(tfx_everything *ev, const char *note) {
    ev->note = note;
    set_bit(ev->present, 1);
}
void tfx_everything_set_opt_ratio(tfx_everything *ev, double v) {
    ev->opt_ratio = v;
    set_bit(ev->present, 2);
}
void tfx_everything_set_secret(tfx_everything *ev, const char *v) {
    ev->secret = v;
    set_bit(ev->present, 3);
}
void tfx_everything_set_hidden(tfx_everything *ev, const char *v) {
    ev->hidden = v;
    set_bit(ev->present, 4);
}
void tfx_everything_set_email(tfx_everything *ev, const char *v) {
    ev->email = v;
    set_bit(ev->present, 5);
}
void tfx_everything_set_secret_list(tfx_everything *ev, const char *const *items, size_t count) {
    ev->secret_list = items;
    ev->secret_list_count = count;
    set_bit(ev->present, 6);
}
void tfx_everything_set_secret_attrs(tfx_everything *ev, const beacon_attr *items, size_t count) {
    ev->secret_attrs = items;
    ev->secret_attrs_count = count;
    set_bit(ev->present, 7);
}
void tfx_everything_set_colors(tfx_everything *ev, const tfx_color *items, size_t count) {
    ev->colors = items;
    ev->colors_count = count;
    set_bit(ev->present, 8);
}
void tfx_everything_set_free_text(tfx_everything *ev, const char *v) {
    ev->free_text = v;
    set_bit(ev->present, 9);
}

tfx_upload_begin tfx_upload_begin_make(const char *file) {
    tfx_upload_begin ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &tfx_upload_begin_desc;
    ev.file = file;
    return ev;
}

tfx_upload_step tfx_upload_step_make(beacon_trace_id correlation, int64_t step) {
    tfx_upload_step ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &tfx_upload_step_desc;
    ev.hdr.trace_id = correlation;
    ev.step = step;
    return ev;
}

static tfx_plain plain_with(const beacon_event_desc *d, int64_t n) {
    tfx_plain ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = d;
    ev.n = n;
    return ev;
}
tfx_plain tfx_plain_make(int64_t n) {
    return plain_with(&tfx_plain_desc, n);
}
tfx_plain tfx_sampled_make(int64_t n) {
    return plain_with(&tfx_sampled_desc, n);
}
tfx_plain tfx_secret_number_make(int64_t n) {
    return plain_with(&tfx_secret_number_desc, n);
}

/* Span events carry the span's own ids in their header, so the runtime does
 * not make the span its own parent. */
tfx_op_span tfx_op_begin(const char *op, beacon_status *emit_status) {
    tfx_op_span span;
    memset(&span, 0, sizeof span);
    beacon_gen_span_start(&span.state);
    span.start.hdr.desc = &tfx_op_start_desc;
    span.start.hdr.trace_id = span.state.trace_id;
    span.start.hdr.span_id = span.state.span_id;
    span.start.hdr.parent_span_id = span.state.parent_span_id;
    span.start.op = op;
    beacon_status st = beacon_gen_emit(&span.start.hdr, NULL);
    if (emit_status) *emit_status = st;
    return span;
}

beacon_status tfx_op_end(tfx_op_span *span) {
    tfx_op_stop ev;
    memset(&ev, 0, sizeof ev);
    ev.duration_ns = beacon_gen_span_finish(&span->state);
    ev.hdr.desc = &tfx_op_stop_desc;
    ev.hdr.trace_id = span->state.trace_id;
    ev.hdr.span_id = span->state.span_id;
    ev.hdr.parent_span_id = span->state.parent_span_id;
    ev.op = span->start.op;
    return beacon_gen_emit(&ev.hdr, NULL);
}
