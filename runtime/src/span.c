/* span.c — beacon_gen_span_start/finish: ids, monotonic timing and the
 * per-thread stack of open spans. The stack holds copies of the ids, not
 * pointers, because generated code returns span handles by value.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include "span.h"

#include <string.h>

#include "clock.h"
#include "ids.h"

typedef struct span_frame {
    beacon_trace_id trace;
    beacon_span_id span;
} span_frame;

static _Thread_local span_frame t_stack[BEACON__SPAN_DEPTH];
static _Thread_local unsigned t_depth;    /* frames in t_stack */
static _Thread_local unsigned t_overflow; /* open spans beyond the stack */

bool beacon__span_current(beacon_trace_id *trace, beacon_span_id *span) {
    if (t_depth == 0) return false;
    *trace = t_stack[t_depth - 1].trace;
    *span = t_stack[t_depth - 1].span;
    return true;
}

void beacon_gen_span_start(beacon_span_state *st) {
    if (!st) return;
    /* The caller's memory may be uninitialised: every member is set here. */
    memset(st, 0, sizeof *st);
    if (t_depth > 0) {
        st->trace_id = t_stack[t_depth - 1].trace;
        st->parent_span_id = t_stack[t_depth - 1].span;
    } else {
        beacon__rand_id(st->trace_id.bytes, sizeof st->trace_id.bytes);
    }
    beacon__rand_id(st->span_id.bytes, sizeof st->span_id.bytes);
    st->flags = BEACON__SPAN_OPEN;
    if (t_depth < BEACON__SPAN_DEPTH) {
        t_stack[t_depth].trace = st->trace_id;
        t_stack[t_depth].span = st->span_id;
        t_depth++;
    } else {
        t_overflow++;
    }
    st->start_mono_ns = beacon__clock_monotonic_ns();
}

int64_t beacon_gen_span_finish(beacon_span_state *st) {
    if (!st) return 0;
    /* Once finished, start_mono_ns holds the duration, so a second call
     * returns the same value without any extra state. */
    if (st->flags & BEACON__SPAN_FINISHED) return st->start_mono_ns;
    int64_t duration = beacon__clock_monotonic_ns() - st->start_mono_ns;
    if (duration < 0) duration = 0;
    if (st->flags & BEACON__SPAN_OPEN) {
        bool found = false;
        /* Search from the top: spans usually close innermost first, but an
         * out-of-order finish must not leave a stale parent behind. */
        for (unsigned i = t_depth; i-- > 0;) {
            if (memcmp(&t_stack[i].span, &st->span_id, sizeof st->span_id) == 0) {
                memmove(&t_stack[i], &t_stack[i + 1], (t_depth - i - 1) * sizeof t_stack[0]);
                t_depth--;
                found = true;
                break;
            }
        }
        if (!found && t_overflow > 0) t_overflow--;
    }
    st->flags = (st->flags & ~BEACON__SPAN_OPEN) | BEACON__SPAN_FINISHED;
    st->start_mono_ns = duration;
    return duration;
}
