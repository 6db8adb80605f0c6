/* tracker_demo: a user's visit to the image-generation app through the API
 * generated from schema/tracker.yaml: a click, a generation that succeeds,
 * one that fails (with the error-tracking event) and a checkout. The request
 * middleware sets the context every event carries and clears it after the
 * request; the seed's track_duration decorators are the api.generate and
 * generation spans. Sinks come from BEACON_SINKS.
 */
#include <stdio.h>

#include <beacon/beacon.h>

#include "trk_events.h"

static int check(beacon_status st, const char *what) {
    if (st != BEACON_OK) {
        fprintf(stderr, "tracker-demo: %s: %s\n", what, beacon_status_str(st));
        return 1;
    }
    return 0;
}

/* The seed's before_request hook. The user and session ids are keyed hashes
 * on the wire. */
static int before_request(const char *request_id, const char *path) {
    int failures = 0;
    failures += check(trk_context_set_user_id("user_51207"), "context user_id");
    failures += check(trk_context_set_session_id("sess_9d4e71"), "context session_id");
    failures += check(trk_context_set_request_id(request_id), "context request_id");
    failures += check(trk_context_set_hostname("myapp.example"), "context hostname");
    failures += check(trk_context_set_path(path), "context path");
    return failures;
}

/* POST /api/generate; `fails` makes the generation raise. The request span
 * is the seed's @track_duration('api.generate'): opened with the scoped form,
 * it ends by itself when the block is left, unless it failed first. */
static int generate(const char *request_id, const char *model, int fails) {
    int failures = before_request(request_id, "/api/generate");
    {
        trk_api_generate_scoped(request, "POST");

        trk_generation_params params = trk_generation_params_make(model);
        failures += check(trk_generation_params_emit(&params), "generation.params");

        trk_generation_span gen = trk_generation_begin(model, 10);
        if (!fails) {
            trk_generation_span_set_credits_used(&gen, 10);
            failures += check(trk_generation_end(&gen), "generation end");
        } else {
            /* The seed's error=str(e): sent scrubbed of identifiers. */
            const char *message = "provider refused prompt for jane.roe@example.com";
            failures +=
                check(trk_generation_fail(&gen, "UpstreamRejected", message), "generation fail");
            /* The seed's @track_error: the message is scrubbed before it leaves. */
            static const char *const stack[] = {"app.py:88 in generate",
                                                "models.py:41 in run_flux"};
            trk_error_captured err =
                trk_error_captured_make("generate_image", "UpstreamRejected", message, stack, 2);
            failures += check(trk_error_captured_emit(&err), "error.captured");
            failures += check(trk_api_generate_fail(&request, "UpstreamRejected", NULL),
                              "api.generate fail");
        }
    }                    /* a request that did not fail: api.generate.completed, with duration_ms */
    trk_context_clear(); /* after_request */
    return failures;
}

int main(void) {
    int failures = 0;
    beacon_options *opts = beacon_options_new();
    beacon_options_set_service(opts, "imagegen-web", "1.12.0");
    if (check(beacon_init(opts), "beacon_init")) return 1;

    failures += before_request("req_0001", "/signup");
    trk_button_click click = trk_button_click_make("submit", "/signup");
    failures += check(trk_button_click_emit(&click), "button_click");
    trk_context_clear();

    failures += generate("req_0002", "flux-dev", 0);
    failures += generate("req_0003", "flux-schnell", 1);

    failures += before_request("req_0004", "/api/checkout");
    trk_checkout_completed paid = trk_checkout_completed_make("creator", 9.99);
    failures += check(trk_checkout_completed_emit(&paid), "checkout.completed");
    trk_context_clear();

    failures += check(beacon_flush(2000), "beacon_flush");
    failures += check(beacon_shutdown(2000), "beacon_shutdown");
    return failures ? 1 : 0;
}
