/* cli_fixture.c — descriptors, constructors and emit functions of the
 * "fixture" catalog, written by hand in the shape the generator emits
 * (`<prefix>_events.c` + `<prefix>_emit_main.c`); see cli_fixture.h.
 */
#include "cli_fixture.h"

#include <stddef.h>
#include <string.h>

/* ===== Descriptors ===== */

static const char *const fx_job_kind_values[] = {"batch", "stream", "adhoc"};
static const char *const fx_job_kind_descriptions[] = {"Scheduled batch job.", "Streaming job.",
                                                       "One-off job."};
static const uint8_t fx_job_kind_deprecated[] = {0, 0, 1};
static const beacon_enum_desc fx_job_kind_desc = {
    "job_kind", fx_job_kind_values, fx_job_kind_descriptions, fx_job_kind_deprecated, 3};

#define FIELD(st, member, nm, ty, list, pol, fl, bit)                                              \
    .name = nm, .type = ty, .is_list = list, .pii = pol, .flags = fl, .presence_bit = bit,         \
    .offset = (uint32_t)offsetof(st, member)
#define COUNT(st, member) .count_offset = (uint32_t)offsetof(st, member)

static const beacon_field_desc fx_job_started_fields[] = {
    {FIELD(fx_job_started, name, "name", BEACON_TYPE_STRING, 0, BEACON_PII_NONE, 0, -1),
     .description = "Job name.", .max_length = 32},
    {FIELD(fx_job_started, attempt, "attempt", BEACON_TYPE_INT, 0, BEACON_PII_NONE,
           BEACON_FIELD_HAS_MIN | BEACON_FIELD_HAS_MAX, -1),
     .description = "Attempt number.", .min = {.i = 0}, .max = {.i = 10}},
    {FIELD(fx_job_started, kind, "kind", BEACON_TYPE_ENUM, 0, BEACON_PII_NONE, 0, -1),
     .enum_desc = &fx_job_kind_desc},
    {FIELD(fx_job_started, size, "size", BEACON_TYPE_UINT, 0, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 0),
     .unit = "bytes"},
    {FIELD(fx_job_started, ratio, "ratio", BEACON_TYPE_DOUBLE, 0, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 1)},
    {FIELD(fx_job_started, at, "at", BEACON_TYPE_TIMESTAMP, 0, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 2)},
    {FIELD(fx_job_started, timeout, "timeout", BEACON_TYPE_DURATION, 0, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 3),
     .unit = "ns"},
    {FIELD(fx_job_started, dry_run, "dry_run", BEACON_TYPE_BOOL, 0, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL | BEACON_FIELD_DEPRECATED, 4)},
    {FIELD(fx_job_started, tags, "tags", BEACON_TYPE_STRING, 1, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 5),
     COUNT(fx_job_started, tags_count), .max_items = 4},
    {FIELD(fx_job_started, extra, "extra", BEACON_TYPE_ATTRIBUTES, 0, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 6),
     COUNT(fx_job_started, extra_count)},
    {FIELD(fx_job_started, owner, "owner", BEACON_TYPE_STRING, 0, BEACON_PII_HASH,
           BEACON_FIELD_OPTIONAL, 7),
     .description = "Who started it."},
};

static const beacon_field_desc fx_job_finished_fields[] = {
    {FIELD(fx_job_finished, ok, "ok", BEACON_TYPE_BOOL, 0, BEACON_PII_NONE, 0, -1)},
    {FIELD(fx_job_finished, elapsed, "elapsed", BEACON_TYPE_DURATION, 0, BEACON_PII_NONE, 0, -1)},
};

static const beacon_field_desc fx_types_lists_fields[] = {
    {FIELD(fx_types_lists, ints, "ints", BEACON_TYPE_INT, 1, BEACON_PII_NONE, BEACON_FIELD_OPTIONAL,
           0),
     COUNT(fx_types_lists, ints_count)},
    {FIELD(fx_types_lists, uints, "uints", BEACON_TYPE_UINT, 1, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 1),
     COUNT(fx_types_lists, uints_count)},
    {FIELD(fx_types_lists, doubles, "doubles", BEACON_TYPE_DOUBLE, 1, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 2),
     COUNT(fx_types_lists, doubles_count)},
    {FIELD(fx_types_lists, times, "times", BEACON_TYPE_TIMESTAMP, 1, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 3),
     COUNT(fx_types_lists, times_count)},
    {FIELD(fx_types_lists, durs, "durs", BEACON_TYPE_DURATION, 1, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 4),
     COUNT(fx_types_lists, durs_count)},
    {FIELD(fx_types_lists, kinds, "kinds", BEACON_TYPE_ENUM, 1, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 5),
     COUNT(fx_types_lists, kinds_count), .enum_desc = &fx_job_kind_desc},
    {FIELD(fx_types_lists, bools, "bools", BEACON_TYPE_BOOL, 1, BEACON_PII_NONE,
           BEACON_FIELD_OPTIONAL, 6),
     COUNT(fx_types_lists, bools_count)},
};

static const beacon_field_desc fx_task_run_start_fields[] = {
    {FIELD(fx_task_run_start, task, "task", BEACON_TYPE_STRING, 0, BEACON_PII_NONE, 0, -1)},
};

static beacon_event_state fx_event_states[FX_EVENT_COUNT];

const beacon_event_desc fx_job_started_desc = {.catalog = &fx_catalog,
                                               .name = "job.started",
                                               .category = "system",
                                               .description = "A job started.",
                                               .id = FX_EVENT_JOB_STARTED,
                                               .level = BEACON_LEVEL_INFO,
                                               .correlation = BEACON_CORR_BEGIN,
                                               .kind = BEACON_KIND_EVENT,
                                               .sample_rate = 1.0,
                                               .struct_size = sizeof(fx_job_started),
                                               .presence_offset =
                                                   (uint32_t)offsetof(fx_job_started, present),
                                               .fields = fx_job_started_fields,
                                               .field_count = 11,
                                               .state = &fx_event_states[0]};

const beacon_event_desc fx_job_finished_desc = {.catalog = &fx_catalog,
                                                .name = "job.finished",
                                                .category = "system",
                                                .description = "A job finished.",
                                                .id = FX_EVENT_JOB_FINISHED,
                                                .level = BEACON_LEVEL_WARN,
                                                .correlation = BEACON_CORR_FOLLOW,
                                                .kind = BEACON_KIND_EVENT,
                                                .sample_rate = 1.0,
                                                .struct_size = sizeof(fx_job_finished),
                                                .fields = fx_job_finished_fields,
                                                .field_count = 2,
                                                .state = &fx_event_states[1]};

const beacon_event_desc fx_types_lists_desc = {.catalog = &fx_catalog,
                                               .name = "types.lists",
                                               .category = "test",
                                               .description = "One list of every element type.",
                                               .id = FX_EVENT_TYPES_LISTS,
                                               .level = BEACON_LEVEL_DEBUG,
                                               .correlation = BEACON_CORR_NONE,
                                               .kind = BEACON_KIND_EVENT,
                                               .sample_rate = 1.0,
                                               .struct_size = sizeof(fx_types_lists),
                                               .presence_offset =
                                                   (uint32_t)offsetof(fx_types_lists, present),
                                               .fields = fx_types_lists_fields,
                                               .field_count = 7,
                                               .state = &fx_event_states[2]};

const beacon_event_desc fx_task_run_start_desc = {.catalog = &fx_catalog,
                                                  .name = "task.run.start",
                                                  .category = NULL,
                                                  .description = NULL,
                                                  .id = FX_EVENT_TASK_RUN_START,
                                                  .level = BEACON_LEVEL_INFO,
                                                  .correlation = BEACON_CORR_NONE,
                                                  .kind = BEACON_KIND_SPAN_START,
                                                  .sample_rate = 1.0,
                                                  .struct_size = sizeof(fx_task_run_start),
                                                  .fields = fx_task_run_start_fields,
                                                  .field_count = 1,
                                                  .state = &fx_event_states[3]};

static const beacon_event_desc *const fx_event_descs[FX_EVENT_COUNT] = {
    &fx_job_started_desc, &fx_job_finished_desc, &fx_types_lists_desc, &fx_task_run_start_desc};
static const beacon_enum_desc *const fx_enum_descs[] = {&fx_job_kind_desc};

const beacon_catalog_desc fx_catalog = {
    .abi = BEACON_GEN_ABI,
    .name = "fixture",
    .prefix = "fx",
    .hash = "0000000000000000000000000000000000000000000000000000000000000000",
    .version = 7,
    .description = "Test catalog for the emitter.",
    .events = fx_event_descs,
    .event_count = FX_EVENT_COUNT,
    .enums = fx_enum_descs,
    .enum_count = 1};

/* ===== Constructors and setters (as in fx_events.c) ===== */

static void fx_set_bit(uint8_t *present, int bit) {
    present[bit >> 3] = (uint8_t)(present[bit >> 3] | (1u << (bit & 7)));
}

static fx_job_started fx_job_started_make(const char *name, int64_t attempt, fx_job_kind kind) {
    fx_job_started ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &fx_job_started_desc;
    ev.name = name;
    ev.attempt = attempt;
    ev.kind = kind;
    return ev;
}

static fx_job_finished fx_job_finished_make(beacon_trace_id correlation, bool ok, int64_t elapsed) {
    fx_job_finished ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &fx_job_finished_desc;
    ev.hdr.trace_id = correlation;
    ev.ok = ok;
    ev.elapsed = elapsed;
    return ev;
}

static fx_types_lists fx_types_lists_make(void) {
    fx_types_lists ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &fx_types_lists_desc;
    return ev;
}

static fx_task_run_start fx_task_run_start_make(const char *task) {
    fx_task_run_start ev;
    memset(&ev, 0, sizeof ev);
    ev.hdr.desc = &fx_task_run_start_desc;
    ev.task = task;
    return ev;
}

/* ===== Emit functions (as in fx_emit_main.c) ===== */

static int fx_cli_job_started(beacon_cli *cli) {
    fx_job_started ev = fx_job_started_make(beacon_cli_string(cli, 0), beacon_cli_int(cli, 1),
                                            (fx_job_kind)beacon_cli_enum(cli, 2));
    size_t n;
    if (beacon_cli_has(cli, 3)) {
        ev.size = beacon_cli_uint(cli, 3);
        fx_set_bit(ev.present, 0);
    }
    if (beacon_cli_has(cli, 4)) {
        ev.ratio = beacon_cli_double(cli, 4);
        fx_set_bit(ev.present, 1);
    }
    if (beacon_cli_has(cli, 5)) {
        ev.at = beacon_cli_int(cli, 5);
        fx_set_bit(ev.present, 2);
    }
    if (beacon_cli_has(cli, 6)) {
        ev.timeout = beacon_cli_int(cli, 6);
        fx_set_bit(ev.present, 3);
    }
    if (beacon_cli_has(cli, 7)) {
        ev.dry_run = beacon_cli_bool(cli, 7);
        fx_set_bit(ev.present, 4);
    }
    if (beacon_cli_has(cli, 8)) {
        ev.tags = (const char *const *)beacon_cli_list(cli, 8, &n);
        ev.tags_count = n;
        fx_set_bit(ev.present, 5);
    }
    if (beacon_cli_has(cli, 9)) {
        ev.extra = beacon_cli_attrs(cli, 9, &n);
        ev.extra_count = n;
        fx_set_bit(ev.present, 6);
    }
    if (beacon_cli_has(cli, 10)) {
        ev.owner = beacon_cli_string(cli, 10);
        fx_set_bit(ev.present, 7);
    }
    beacon_trace_id trace;
    beacon_status st = beacon_gen_emit(&ev.hdr, &trace);
    return beacon_cli_finish(cli, st, &trace);
}

static int fx_cli_job_finished(beacon_cli *cli) {
    const beacon_trace_id *corr = beacon_cli_correlation(cli);
    beacon_trace_id none = {{0}};
    fx_job_finished ev = fx_job_finished_make(corr != NULL ? *corr : none, beacon_cli_bool(cli, 0),
                                              beacon_cli_int(cli, 1));
    return beacon_cli_finish(cli, beacon_gen_emit(&ev.hdr, NULL), NULL);
}

static int fx_cli_types_lists(beacon_cli *cli) {
    fx_types_lists ev = fx_types_lists_make();
    size_t n;
    if (beacon_cli_has(cli, 0)) {
        ev.ints = (const int64_t *)beacon_cli_list(cli, 0, &n);
        ev.ints_count = n;
        fx_set_bit(ev.present, 0);
    }
    if (beacon_cli_has(cli, 1)) {
        ev.uints = (const uint64_t *)beacon_cli_list(cli, 1, &n);
        ev.uints_count = n;
        fx_set_bit(ev.present, 1);
    }
    if (beacon_cli_has(cli, 2)) {
        ev.doubles = (const double *)beacon_cli_list(cli, 2, &n);
        ev.doubles_count = n;
        fx_set_bit(ev.present, 2);
    }
    if (beacon_cli_has(cli, 3)) {
        ev.times = (const int64_t *)beacon_cli_list(cli, 3, &n);
        ev.times_count = n;
        fx_set_bit(ev.present, 3);
    }
    if (beacon_cli_has(cli, 4)) {
        ev.durs = (const int64_t *)beacon_cli_list(cli, 4, &n);
        ev.durs_count = n;
        fx_set_bit(ev.present, 4);
    }
    if (beacon_cli_has(cli, 5)) {
        ev.kinds = (const fx_job_kind *)beacon_cli_list(cli, 5, &n);
        ev.kinds_count = n;
        fx_set_bit(ev.present, 5);
    }
    if (beacon_cli_has(cli, 6)) {
        ev.bools = (const bool *)beacon_cli_list(cli, 6, &n);
        ev.bools_count = n;
        fx_set_bit(ev.present, 6);
    }
    return beacon_cli_finish(cli, beacon_gen_emit(&ev.hdr, NULL), NULL);
}

static int fx_cli_task_run_start(beacon_cli *cli) {
    fx_task_run_start ev = fx_task_run_start_make(beacon_cli_string(cli, 0));
    const beacon_trace_id *corr = beacon_cli_correlation(cli);
    if (corr != NULL) {
        ev.hdr.trace_id = *corr;
    }
    return beacon_cli_finish(cli, beacon_gen_emit(&ev.hdr, NULL), NULL);
}

const beacon_cli_event fx_cli_events[FX_EVENT_COUNT] = {
    {&fx_job_started_desc, fx_cli_job_started},
    {&fx_job_finished_desc, fx_cli_job_finished},
    {&fx_types_lists_desc, fx_cli_types_lists},
    {&fx_task_run_start_desc, fx_cli_task_run_start},
};

#ifdef CLI_FIXTURE_MAIN
/* Built with -DCLI_FIXTURE_MAIN this file is a complete `fx-emit` program, the
 * fixture CLI that tests/integration/test_cli.py can drive. */
int main(int argc, char **argv) {
    return beacon_cli_main(&fx_catalog, fx_cli_events, FX_EVENT_COUNT, argc, argv);
}
#endif
