/* fixture_events.h — a hand-written stand-in for generated code (catalog
 * "fx", C prefix tfx_ so it never clashes with cli_fixture's symbols), shaped
 * like docs/generated-api.md: structs starting with a header, presence bits,
 * descriptors. Runtime unit tests use it so they do not depend on the generator.
 */
#ifndef BEACON_TESTS_FIXTURE_EVENTS_H
#define BEACON_TESTS_FIXTURE_EVENTS_H

#include <beacon/beacon_gen.h>

typedef enum tfx_color { TFX_COLOR_RED = 0, TFX_COLOR_GREEN = 1, TFX_COLOR_BLUE = 2 } tfx_color;

/* fx.everything: every field type and constraint. */
typedef struct tfx_everything {
    beacon_event_hdr hdr;
    uint8_t present[2];
    bool flag;
    int64_t count;    /* min 0, max 10 */
    uint64_t size;    /* max 1000 */
    double ratio;     /* min 0, max 1 */
    const char *name; /* max_length 8 */
    int64_t at;       /* timestamp */
    int64_t took;     /* duration */
    tfx_color color;
    const char *const *tags; /* list<string>, max_items 3, max_length 4 */
    size_t tags_count;
    const int64_t *nums; /* list<int>, min -5, max 5 */
    size_t nums_count;
    const beacon_attr *extra; /* optional attributes, max_length 6 */
    size_t extra_count;
    const char *note;               /* optional */
    double opt_ratio;               /* optional */
    const char *secret;             /* optional, pii redact */
    const char *hidden;             /* optional, pii drop */
    const char *email;              /* optional, pii hash */
    const char *const *secret_list; /* optional list<string>, pii redact */
    size_t secret_list_count;
    const beacon_attr *secret_attrs; /* optional attributes, pii redact */
    size_t secret_attrs_count;
    const tfx_color *colors; /* optional list<color> */
    size_t colors_count;
    const char *free_text; /* optional, pii scrub */
} tfx_everything;

tfx_everything tfx_everything_make(bool flag, int64_t count, uint64_t size, double ratio,
                                   const char *name, int64_t at, int64_t took, tfx_color color,
                                   const char *const *tags, size_t tags_count, const int64_t *nums,
                                   size_t nums_count);
void tfx_everything_set_extra(tfx_everything *ev, const beacon_attr *items, size_t count);
void tfx_everything_set_note(tfx_everything *ev, const char *note);
void tfx_everything_set_opt_ratio(tfx_everything *ev, double v);
void tfx_everything_set_secret(tfx_everything *ev, const char *v);
void tfx_everything_set_hidden(tfx_everything *ev, const char *v);
void tfx_everything_set_email(tfx_everything *ev, const char *v);
void tfx_everything_set_secret_list(tfx_everything *ev, const char *const *items, size_t count);
void tfx_everything_set_secret_attrs(tfx_everything *ev, const beacon_attr *items, size_t count);
void tfx_everything_set_colors(tfx_everything *ev, const tfx_color *items, size_t count);
void tfx_everything_set_free_text(tfx_everything *ev, const char *v);

/* fx.upload.begin: correlation begin. */
typedef struct tfx_upload_begin {
    beacon_event_hdr hdr;
    const char *file;
} tfx_upload_begin;
tfx_upload_begin tfx_upload_begin_make(const char *file);

/* fx.upload.step: correlation follow. */
typedef struct tfx_upload_step {
    beacon_event_hdr hdr;
    int64_t step;
} tfx_upload_step;
tfx_upload_step tfx_upload_step_make(beacon_trace_id correlation, int64_t step);

/* fx.plain: one int field, min 0 max 10, pii none; fx.sampled: sample_rate 0. */
typedef struct tfx_plain {
    beacon_event_hdr hdr;
    int64_t n;
} tfx_plain;
tfx_plain tfx_plain_make(int64_t n);
tfx_plain tfx_sampled_make(int64_t n);
/* fx.secret_number: an int with pii hash and max 10 (its value must never
 * appear in diagnostics). */
tfx_plain tfx_secret_number_make(int64_t n);

/* Span fx.op: start/stop events and the handle, as the generator emits. */
typedef struct tfx_op_start {
    beacon_event_hdr hdr;
    const char *op;
} tfx_op_start;
typedef struct tfx_op_stop {
    beacon_event_hdr hdr;
    const char *op;
    int64_t duration_ns;
} tfx_op_stop;
typedef struct tfx_op_span {
    beacon_span_state state;
    tfx_op_start start;
} tfx_op_span;
tfx_op_span tfx_op_begin(const char *op, beacon_status *emit_status);
beacon_status tfx_op_end(tfx_op_span *span);

/* Context: request_id (string, max_length 16), tenant (int),
 * user_email (string, pii hash), mode (enum color), weight (double). */
enum {
    TFX_CTX_REQUEST_ID = 0,
    TFX_CTX_TENANT = 1,
    TFX_CTX_USER_EMAIL = 2,
    TFX_CTX_MODE = 3,
    TFX_CTX_WEIGHT = 4
};

extern const beacon_enum_desc tfx_color_desc;
extern const beacon_event_desc tfx_everything_desc;
extern const beacon_event_desc tfx_upload_begin_desc;
extern const beacon_event_desc tfx_upload_step_desc;
extern const beacon_event_desc tfx_plain_desc;
extern const beacon_event_desc tfx_sampled_desc;
extern const beacon_event_desc tfx_secret_number_desc;
extern const beacon_event_desc tfx_op_start_desc;
extern const beacon_event_desc tfx_op_stop_desc;
extern const beacon_catalog_desc tfx_catalog;

#endif /* BEACON_TESTS_FIXTURE_EVENTS_H */
