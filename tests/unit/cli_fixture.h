/* cli_fixture.h — a hand-written stand-in for the generated code of a small
 * catalog ("fixture", prefix fx), shaped like `<prefix>_events.h` plus the
 * event table of `<prefix>_emit_main.c`, so test_cli.c can drive
 * beacon_cli_main() without running the generator. Compiled with
 * -DCLI_FIXTURE_MAIN, cli_fixture.c is also a complete `fx-emit` program.
 *
 * The catalog it mimics:
 *   enums: job_kind {batch, stream, adhoc (deprecated)}
 *   job.started (begin, info, system): name string (max_length 32),
 *       attempt int (min 0, max 10), kind job_kind, size uint?, ratio double?,
 *       at timestamp?, timeout duration? (unit ns), dry_run bool?,
 *       tags list<string>? (max_items 4), extra attributes?, owner string? (pii hash)
 *   job.finished (follow, warn, system): ok bool, elapsed duration
 *   types.lists (none, debug, test): ints list<int>?, uints list<uint>?,
 *       doubles list<double>?, times list<timestamp>?, durs list<duration>?,
 *       kinds list<job_kind>?, bools list<bool>?
 *   task.run.start (span start of span task.run): task string
 */
#ifndef BEACON_TESTS_CLI_FIXTURE_H
#define BEACON_TESTS_CLI_FIXTURE_H

#include <beacon/beacon_cli.h>
#include <beacon/beacon_gen.h>

#if BEACON_GEN_ABI != 2
#error "cli_fixture.h was written for beacon ABI 2"
#endif

/* ===== Catalog enums ===== */

typedef enum fx_job_kind {
    FX_JOB_KIND_BATCH = 0,
    FX_JOB_KIND_STREAM = 1,
    FX_JOB_KIND_ADHOC = 2,
} fx_job_kind;
#define FX_JOB_KIND_COUNT 3

/* ===== Event ids and tables ===== */

typedef enum fx_event_id {
    FX_EVENT_JOB_STARTED = 0,
    FX_EVENT_JOB_FINISHED = 1,
    FX_EVENT_TYPES_LISTS = 2,
    FX_EVENT_TASK_RUN_START = 3,
} fx_event_id;
#define FX_EVENT_COUNT 4

extern const beacon_catalog_desc fx_catalog;

/* ===== Events ===== */

typedef struct fx_job_started {
    beacon_event_hdr hdr;
    uint8_t present[1];
    const char *name;
    int64_t attempt;
    fx_job_kind kind;
    uint64_t size;
    double ratio;
    int64_t at;
    int64_t timeout;
    bool dry_run;
    const char *const *tags;
    size_t tags_count;
    const beacon_attr *extra;
    size_t extra_count;
    const char *owner;
} fx_job_started;

typedef struct fx_job_finished {
    beacon_event_hdr hdr;
    bool ok;
    int64_t elapsed;
} fx_job_finished;

typedef struct fx_types_lists {
    beacon_event_hdr hdr;
    uint8_t present[1];
    const int64_t *ints;
    size_t ints_count;
    const uint64_t *uints;
    size_t uints_count;
    const double *doubles;
    size_t doubles_count;
    const int64_t *times;
    size_t times_count;
    const int64_t *durs;
    size_t durs_count;
    const fx_job_kind *kinds;
    size_t kinds_count;
    const bool *bools;
    size_t bools_count;
} fx_types_lists;

typedef struct fx_task_run_start {
    beacon_event_hdr hdr;
    const char *task;
} fx_task_run_start;

extern const beacon_event_desc fx_job_started_desc;
extern const beacon_event_desc fx_job_finished_desc;
extern const beacon_event_desc fx_types_lists_desc;
extern const beacon_event_desc fx_task_run_start_desc;

/* ===== The emitter table (as in fx_emit_main.c) ===== */

extern const beacon_cli_event fx_cli_events[FX_EVENT_COUNT];

#endif /* BEACON_TESTS_CLI_FIXTURE_H */
