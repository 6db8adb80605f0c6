/* schemes.c — the list of sink schemes: the one place that names every sink.
 * Each scheme is described in its own file (beacon__sink_scheme, sink.h);
 * adding a sink adds its file and one line here.
 */
#include "sinks/sink.h"

extern const beacon__sink_scheme beacon__sink_scheme_stderr;
extern const beacon__sink_scheme beacon__sink_scheme_stdout;
extern const beacon__sink_scheme beacon__sink_scheme_file;
extern const beacon__sink_scheme beacon__sink_scheme_capture;
extern const beacon__sink_scheme beacon__sink_scheme_callback;
/* HTTP sinks (sink_http.c), one scheme per format and transport. */
extern const beacon__sink_scheme beacon__sink_scheme_otlp_http;
extern const beacon__sink_scheme beacon__sink_scheme_otlp_https;
extern const beacon__sink_scheme beacon__sink_scheme_datadog_http;
extern const beacon__sink_scheme beacon__sink_scheme_datadog_https;
extern const beacon__sink_scheme beacon__sink_scheme_cloudevents_http;
extern const beacon__sink_scheme beacon__sink_scheme_cloudevents_https;
extern const beacon__sink_scheme beacon__sink_scheme_json_http;
extern const beacon__sink_scheme beacon__sink_scheme_json_https;
extern const beacon__sink_scheme beacon__sink_scheme_ndjson_http;
extern const beacon__sink_scheme beacon__sink_scheme_ndjson_https;
extern const beacon__sink_scheme beacon__sink_scheme_umami_http;
extern const beacon__sink_scheme beacon__sink_scheme_umami_https;

const beacon__sink_scheme *const beacon__sink_schemes[] = {
    &beacon__sink_scheme_stderr,
    &beacon__sink_scheme_stdout,
    &beacon__sink_scheme_file,
    &beacon__sink_scheme_capture,
    &beacon__sink_scheme_callback,
    &beacon__sink_scheme_otlp_http,
    &beacon__sink_scheme_otlp_https,
    &beacon__sink_scheme_datadog_http,
    &beacon__sink_scheme_datadog_https,
    &beacon__sink_scheme_cloudevents_http,
    &beacon__sink_scheme_cloudevents_https,
    &beacon__sink_scheme_json_http,
    &beacon__sink_scheme_json_https,
    &beacon__sink_scheme_ndjson_http,
    &beacon__sink_scheme_ndjson_https,
    &beacon__sink_scheme_umami_http,
    &beacon__sink_scheme_umami_https,
    NULL,
};
