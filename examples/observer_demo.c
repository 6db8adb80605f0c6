/* observer_demo: walks two uploads, a clinical question and an EHR fetch
 * through the API generated from schema/observer.yaml. Each begin event
 * returns a lifecycle handle (its trace and its own span) that the follow
 * events of the same flow carry.
 * Sinks come from BEACON_SINKS (default: stderr). */
#include <stdio.h>

#include <beacon/beacon.h>

#include "obs_events.h"

static int check(beacon_status st, const char *what) {
    if (st != BEACON_OK) {
        fprintf(stderr, "observer-demo: %s: %s\n", what, beacon_status_str(st));
        return 1;
    }
    return 0;
}

int main(void) {
    int failures = 0;
    beacon_options *opts = beacon_options_new();
    beacon_options_set_service(opts, "plaud-uploader", "1.4.2");
    if (check(beacon_init(opts), "beacon_init")) return 1;

    /* An audio upload that is filed. The MRN is a keyed hash on the wire. */
    beacon_lifecycle upload;
    obs_upload_received rx = obs_upload_received_make(true, OBS_RECORD_TYPE_AUDIO);
    obs_upload_received_set_mrn(&rx, "MRN-0042-7781");
    failures += check(obs_upload_received_emit(&rx, &upload), "upload.received");

    obs_upload_processed done =
        obs_upload_processed_make(upload, "patient-5521", "tr-000913", 0.93, "cardiology", 4);
    failures += check(obs_upload_processed_emit(&done), "upload.processed");

    /* A transcript upload that fails; the error text is scrubbed before it
     * leaves the process. */
    beacon_lifecycle upload2;
    obs_upload_received rx2 = obs_upload_received_make(false, OBS_RECORD_TYPE_TRANSCRIPT);
    failures += check(obs_upload_received_emit(&rx2, &upload2), "upload.received");
    obs_upload_failed failed =
        obs_upload_failed_make(upload2, "transcriber rejected file for jane.doe@example.org");
    failures += check(obs_upload_failed_emit(&failed), "upload.failed");

    /* A patient search, then a question to the assistant and its answer. */
    obs_patients_queried q = obs_patients_queried_make(3, "recent");
    failures += check(obs_patients_queried_emit(&q), "patients.queried");

    beacon_lifecycle question;
    obs_clinical_query cq = obs_clinical_query_make(182, true);
    failures += check(obs_clinical_query_emit(&cq, &question), "clinical.query");
    static const char *const sources[] = {"visit_notes", "lab_results"};
    obs_clinical_response cr = obs_clinical_response_make(question, 1204, sources, 2);
    failures += check(obs_clinical_response_emit(&cr), "clinical.response");

    /* An EHR fetch that succeeds after 840 ms. */
    beacon_lifecycle fetch;
    obs_clinical_fetch cf = obs_clinical_fetch_make("A-99812");
    failures += check(obs_clinical_fetch_emit(&cf, &fetch), "clinical.fetch");
    obs_clinical_fetch_success ok =
        obs_clinical_fetch_success_make(fetch, "patient-5521", 37, 840 * 1000000LL);
    failures += check(obs_clinical_fetch_success_emit(&ok), "clinical.fetch_success");

    /* A synopsis of the fetched records (the text itself is never sent),
     * then the Plaud device sync: 2 recordings, none new (the default). */
    obs_synopsis_generated syn = obs_synopsis_generated_make(fetch, "patient-5521", 37, 2310);
    obs_synopsis_generated_set_duration(&syn, 2400 * 1000000LL);
    failures += check(obs_synopsis_generated_emit(&syn), "synopsis.generated");
    obs_plaud_fetched pf = obs_plaud_fetched_make(2);
    obs_plaud_fetched_set_duration(&pf, 310 * 1000000LL);
    failures += check(obs_plaud_fetched_emit(&pf), "plaud.fetched");

    failures += check(beacon_flush(2000), "beacon_flush");
    failures += check(beacon_shutdown(2000), "beacon_shutdown");
    return failures ? 1 : 0;
}
