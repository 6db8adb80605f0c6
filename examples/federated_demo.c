/* federated_demo: one federated training task through the API generated from
 * schema/federated.yaml, from schema generation and pod setup to a completed
 * task, then a second task that fails. task_accepted starts each task's
 * correlation; task_complete / task_error carry it. Every one of the
 * catalog's 19 events is emitted once or more. Sinks come from BEACON_SINKS.
 * The failure's stack frames are captured by the generated helper; its
 * message, which names a patient, stays in the process.
 */
#include <stdio.h>
#include <time.h>

#include <beacon/beacon.h>

#include "fed_events.h"

static int check(beacon_status st, const char *what) {
    if (st != BEACON_OK) {
        fprintf(stderr, "federated-demo: %s: %s\n", what, beacon_status_str(st));
        return 1;
    }
    return 0;
}

/* Wall-clock time for the seed's `datetime` fields. */
static int64_t now_ns(void) {
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC) return 0;
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Stands in for a training step that fails the way the seed's tasks do: with
 * a message quoting a patient id. */
static int finetune_step(char *message, size_t cap) {
    snprintf(message, cap, "cannot read pixel data of patient %s", "PID-40417");
    return -1;
}

/* Reports a failed task: the error type and where it happened (the caller's
 * stack frames), never the message. */
static int report_task_error(beacon_lifecycle task, const char *error_type) {
    fed_task_error te = fed_task_error_make(task, "task-0194", "retina-pod", "dr.jane.modeller",
                                            error_type, NULL, 0);
    beacon_backtrace bt; /* the frames live here: it must outlive the emit */
    fed_task_error_capture_stacktrace_frames(&te, &bt);
    return check(fed_task_error_emit(&te), "task_error");
}

/* Stands in for a method timed by the seed's @log_execution_time decorator. */
static unsigned select_files(void) {
    unsigned kept = 0;
    for (unsigned i = 0; i < 1000; i++) kept += (i % 3 == 0);
    return kept;
}

int main(void) {
    int failures = 0;
    beacon_options *opts = beacon_options_new();
    beacon_options_set_service(opts, "federated-worker", "0.9.0");
    if (check(beacon_init(opts), "beacon_init")) return 1;

    /* The schema worker describes a new dataset. */
    fed_schema_generation_start sgs = fed_schema_generation_start_make(
        "ds-7c1e", FED_SCHEMA_INITIATION_SOURCE_PREFECT_SCHEMA_WORKER, now_ns());
    failures += check(fed_schema_generation_start_emit(&sgs), "schema_generation_start");
    fed_schema_upload_success sus = fed_schema_upload_success_make("ds-7c1e", 48210, now_ns());
    failures += check(fed_schema_upload_success_emit(&sus), "schema_upload_success");
    fed_schema_generation_end sge = fed_schema_generation_end_make(
        "ds-7c1e", FED_SCHEMA_INITIATION_SOURCE_PREFECT_SCHEMA_WORKER, now_ns());
    failures += check(fed_schema_generation_end_emit(&sge), "schema_generation_end");

    /* A pod connects its datasource and its EHR. */
    fed_dataset_connected dc = fed_dataset_connected_make("retina-scans", "DICOMSource", now_ns());
    failures += check(fed_dataset_connected_emit(&dc), "dataset_connected");
    fed_ehr_session_initialised ehr = fed_ehr_session_initialised_make("FHIR R4");
    failures += check(fed_ehr_session_initialised_emit(&ehr), "ehr_session_initialised");

    /* The modeller sees the pod accept the task; the worker starts it. The
     * username is a keyed hash on the wire. */
    fed_task_accepted_by_pod byp =
        fed_task_accepted_by_pod_make("acme/retina-pod", "task-0193", "0.9.0", now_ns());
    failures += check(fed_task_accepted_by_pod_emit(&byp), "task_accepted_by_pod");

    beacon_lifecycle task;
    fed_task_accepted ta = fed_task_accepted_make("task-0193", "retina-pod", "dr.jane.modeller",
                                                  "DICOMSource", "0.9.0", now_ns());
    failures += check(fed_task_accepted_emit(&ta, &task), "task_accepted");
    /* The task's work runs under its handle: what it emits joins the task's
     * trace as children of task_accepted, until the pop below. */
    bool in_task = beacon_context_push_lifecycle(&task) == BEACON_OK;

    /* Setup: how long file selection took, and what it kept. */
    int64_t t0 = now_ns();
    unsigned kept = select_files();
    fed_execution_time et =
        fed_execution_time_make("RecordFilterAlgorithm", "setup_run", now_ns() - t0);
    failures += check(fed_execution_time_emit(&et), "execution_time");
    fed_filtering_complete fc = fed_filtering_complete_make(1000, kept);
    failures += check(fed_filtering_complete_emit(&fc), "filtering_complete");

    fed_patient_eligibility pe =
        fed_patient_eligibility_make(212, "retina-scans", "proj-42", now_ns());
    failures += check(fed_patient_eligibility_emit(&pe), "patient_eligibility");

    /* One batch with one training epoch. */
    fed_batch_progress bp = fed_batch_progress_make("RetinalDiseaseProtocol", 1);
    failures += check(fed_batch_progress_emit(&bp), "batch_progress");
    fed_grouping_summary gs = fed_grouping_summary_make("batch_selection");
    fed_grouping_summary_set_group_count(&gs, 3);
    fed_grouping_summary_set_selected_files(&gs, kept);
    fed_grouping_summary_set_maybe_final(&gs, false);
    failures += check(fed_grouping_summary_emit(&gs), "grouping_summary");

    fed_ehr_query_complete eq = fed_ehr_query_complete_make(120, 97, "FHIR R4");
    failures += check(fed_ehr_query_complete_emit(&eq), "ehr_query_complete");
    fed_ehr_token_refreshed tr = fed_ehr_token_refreshed_make("FHIR R4");
    failures += check(fed_ehr_token_refreshed_emit(&tr), "ehr_token_refreshed");

    static const fed_algorithm_step steps[] = {
        FED_ALGORITHM_STEP_RUN_START, FED_ALGORITHM_STEP_EPOCH_START, FED_ALGORITHM_STEP_EPOCH_END,
        FED_ALGORITHM_STEP_RUN_END};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        fed_algorithm_progress ap =
            fed_algorithm_progress_make("FineTuneRetinaModel", "worker", steps[i], now_ns());
        if (steps[i] == FED_ALGORITHM_STEP_EPOCH_START ||
            steps[i] == FED_ALGORITHM_STEP_EPOCH_END) {
            fed_algorithm_progress_set_current_epoch(&ap, 1);
            fed_algorithm_progress_set_max_epochs(&ap, 1);
        }
        failures += check(fed_algorithm_progress_emit(&ap), "algorithm_progress");

        if (steps[i] == FED_ALGORITHM_STEP_EPOCH_START) {
            /* A scan without pixel data; its file name is redacted. */
            fed_missing_column mc = fed_missing_column_make("PID-99812_OCT_left.dcm", "Pixel Data");
            failures += check(fed_missing_column_emit(&mc), "missing_column");

            static const char *const missing[] = {"Pixel Data", "Laterality"};
            fed_trial_filter_summary tf =
                fed_trial_filter_summary_make("epoch_filter", "ImageQualityFilter", 180, 28);
            fed_trial_filter_summary_set_rows_missing(&tf, 4); /* unset, it is sent as 0 */
            fed_trial_filter_summary_set_matching_column_count(&tf, 12);
            fed_trial_filter_summary_set_missing_columns(&tf, missing, 2);
            failures += check(fed_trial_filter_summary_emit(&tf), "trial_filter_summary");
        }
    }

    if (in_task) beacon_context_pop();
    fed_task_complete tc =
        fed_task_complete_make(task, "task-0193", "retina-pod", "dr.jane.modeller", now_ns());
    failures += check(fed_task_complete_emit(&tc), "task_complete");

    /* A second task aborts. Only the frames of the stack are sent, never the
     * message. */
    beacon_lifecycle task2;
    fed_task_accepted ta2 = fed_task_accepted_make("task-0194", "retina-pod", "dr.jane.modeller",
                                                   "DICOMSource", "0.9.0", now_ns());
    failures += check(fed_task_accepted_emit(&ta2, &task2), "task_accepted");
    char message[128];
    if (finetune_step(message, sizeof message) != 0) {
        failures += report_task_error(task2, "RuntimeError");
    }

    failures += check(beacon_flush(2000), "beacon_flush");
    failures += check(beacon_shutdown(2000), "beacon_shutdown");
    return failures ? 1 : 0;
}
