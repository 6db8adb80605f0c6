/* span.h — the calling thread's stack of open spans and pushed contexts
 * (internal).
 *
 * beacon_gen_span_start pushes, beacon_gen_span_finish pops; the emit path
 * asks for the innermost span to fill trace_id and parent_span_id.
 */
#ifndef BEACON_SRC_SPAN_H
#define BEACON_SRC_SPAN_H

#include <stdbool.h>

#include "beacon/beacon_gen.h"
#include "emit/ring.h" /* beacon__lane */

/* Spans nested deeper than this still work but are not tracked as parents. */
#define BEACON__SPAN_DEPTH 32

/* Runtime-private beacon_span_state.flags bits. */
#define BEACON__SPAN_OPEN     0x1u
#define BEACON__SPAN_FINISHED 0x2u

/* Frames on the calling thread's stack (open spans and pushed contexts):
 * a field of the thread's lane, so that the emit path, generated code's
 * included, checks it inline. Read-only outside span.c. */
#define beacon__span_depth (beacon__lane.span_depth)

/* Copies the ids and W3C trace-flags of the calling thread's innermost open
 * span or pushed context; false when there is none. */
bool beacon__span_current(beacon_trace_id *trace, beacon_span_id *span, uint8_t *flags);

#endif /* BEACON_SRC_SPAN_H */
