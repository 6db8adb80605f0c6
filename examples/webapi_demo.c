/* webapi_demo: two requests of one chat session through the API generated
 * from schema/webapi.yaml. Each request is an api.request span; the user,
 * session and content ids the seed's event factory attaches are context,
 * set at the start of the request and cleared at its end. User and session
 * ids are keyed hashes on the wire. Sinks come from BEACON_SINKS.
 */
#include <stdio.h>
#include <string.h>

#include <beacon/beacon.h>

#include "web_events.h"

static int check(beacon_status st, const char *what) {
    if (st != BEACON_OK) {
        fprintf(stderr, "webapi-demo: %s: %s\n", what, beacon_status_str(st));
        return 1;
    }
    return 0;
}

/* What the API handler knows about the caller (from auth and the request). */
typedef struct request_info {
    const char *uid;
    const char *session_id;
    const char *gdata_id;
} request_info;

static int set_context(const request_info *req) {
    int failures = 0;
    failures += check(web_context_set_uid(req->uid), "context uid");
    failures += check(web_context_set_session_id(req->session_id), "context session_id");
    failures += check(web_context_set_gdata_id(req->gdata_id), "context gdata_id");
    return failures;
}

/* POST /chat/start: the session's first event. */
static int start_chat(const request_info *req) {
    int failures = set_context(req);
    web_api_request_span span = web_api_request_begin("POST", "/chat/start");
    web_oe_start ev = web_oe_start_make("/library/item");
    failures += check(web_oe_start_emit(&ev), "oe.start");
    web_api_request_span_set_status_code(&span, 201);
    failures += check(web_api_request_end(&span), "api.request end");
    web_context_clear();
    return failures;
}

/* POST /chat/message: moderation, then the interaction itself. */
static int send_message(const request_info *req, const char *text) {
    int failures = set_context(req);
    web_api_request_span span = web_api_request_begin("POST", "/chat/message");

    static const char *const matched[] = {"off_topic"};
    web_oe_moderation mod = web_oe_moderation_make(WEB_MODERATION_VERDICT_FLAGGED, strlen(text));
    web_oe_moderation_set_categories(&mod, matched, 1);
    failures += check(web_oe_moderation_emit(&mod), "oe.moderation");

    web_oe_interact act = web_oe_interact_make(WEB_INTERACTION_MESSAGE);
    web_oe_interact_set_message_length(&act, strlen(text));
    failures += check(web_oe_interact_emit(&act), "oe.interact");

    web_api_request_span_set_status_code(&span, 200);
    failures += check(web_api_request_end(&span), "api.request end");
    web_context_clear();
    return failures;
}

int main(void) {
    int failures = 0;
    beacon_options *opts = beacon_options_new();
    beacon_options_set_service(opts, "chat-api", "3.2.0");
    if (check(beacon_init(opts), "beacon_init")) return 1;

    const request_info req = {
        .uid = "user_8841", .session_id = "sess_c0ffee42", .gdata_id = "gd-2291"};
    failures += start_chat(&req);
    failures += send_message(&req, "Which of these articles should I read first?");

    failures += check(beacon_flush(2000), "beacon_flush");
    failures += check(beacon_shutdown(2000), "beacon_shutdown");
    return failures ? 1 : 0;
}
