/* bridge_demo: a tool worker answering two requests from its host through the
 * API generated from schema/bridge.yaml. Each request's correlation id from
 * the host rides in the context; each tool call is a tool.execution span, and
 * the result-size measurement emitted inside it joins the span's trace. The
 * host pausing telemetry (runtime disable) and the queue-drop report follow.
 * Sinks come from BEACON_SINKS; `stderr?prefix=TELEMETRY:` gives the seed's
 * stderr lines.
 */
#include <stdio.h>
#include <string.h>

#include <beacon/beacon.h>

#include "brg_events.h"

static int check(beacon_status st, const char *what) {
    if (st != BEACON_OK) {
        fprintf(stderr, "bridge-demo: %s: %s\n", what, beacon_status_str(st));
        return 1;
    }
    return 0;
}

/* Runs one tool the way the seed's execute_tool does: inside a span, with
 * the result's size reported before returning. `fail_with` simulates the
 * tool raising that exception type. */
static int execute_tool(const char *tool, const char *fail_with) {
    int failures = 0;
    beacon_attr meta[] = {beacon_attr_str("tool", tool), beacon_attr_str("adapter", "grpc")};

    brg_tool_execution_span span = brg_tool_execution_begin(tool);
    brg_tool_execution_span_set_metadata(&span, meta, 2);
    if (fail_with) return check(brg_tool_execution_fail(&span, fail_with), "tool.execution fail");

    const char *result = "{\"summary\":\"3 paragraphs\",\"tokens\":412}";
    brg_tool_result_size size = brg_tool_result_size_make(strlen(result), tool);
    beacon_attr size_meta[] = {beacon_attr_str("encoding", "json"), beacon_attr_int("attempt", 1)};
    brg_tool_result_size_set_metadata(&size, size_meta, 2);
    failures += check(brg_tool_result_size_emit(&size), "tool.result_size");

    failures += check(brg_tool_execution_end(&span), "tool.execution end");
    return failures;
}

int main(void) {
    int failures = 0;
    beacon_options *opts = beacon_options_new();
    beacon_options_set_service(opts, "python-worker", "2.1.0");
    if (check(beacon_init(opts), "beacon_init")) return 1;

    failures += check(brg_context_set_worker_id("worker-3"), "context worker_id");

    /* Request 1: the host's correlation id is forwarded on every event. */
    failures += check(brg_context_set_correlation_id("host-req-5f2a"), "context correlation_id");
    failures += execute_tool("summarize", NULL);

    /* Request 2: the tool raises. */
    failures += check(brg_context_set_correlation_id("host-req-5f2b"), "context correlation_id");
    failures += execute_tool("fetch_url", "TimeoutError");

    /* The host pauses telemetry (a control message in the seed): emits are
     * refused and counted until it resumes. */
    beacon_set_enabled(false);
    brg_tool_result_size muted = brg_tool_result_size_make(1, "muted");
    if (brg_tool_result_size_emit(&muted) != BEACON_ERR_DISABLED) {
        fprintf(stderr, "bridge-demo: emit while disabled was not refused\n");
        failures++;
    }
    beacon_set_enabled(true);

    /* Queue saturation, as the host monitors it; no request is in flight. */
    failures += check(brg_context_set_correlation_id(NULL), "context correlation_id unset");
    beacon_counters total;
    failures += check(beacon_stats(&total, NULL, 0, NULL), "beacon_stats");
    brg_worker_queue_dropped report = brg_worker_queue_dropped_make(total.dropped_queue_full);
    failures += check(brg_worker_queue_dropped_emit(&report), "worker.queue.dropped");

    brg_context_clear();
    failures += check(beacon_flush(2000), "beacon_flush");
    failures += check(beacon_shutdown(2000), "beacon_shutdown");
    return failures ? 1 : 0;
}
