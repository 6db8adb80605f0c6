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

const beacon__sink_scheme *const beacon__sink_schemes[] = {
    &beacon__sink_scheme_stderr,  &beacon__sink_scheme_stdout,   &beacon__sink_scheme_file,
    &beacon__sink_scheme_capture, &beacon__sink_scheme_callback, NULL,
};
