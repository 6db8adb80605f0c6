/* span.c — the calling thread's current correlation context: a stack of
 * frames, each an open span (beacon_gen_span_start/finish) or a context the
 * application pushed (beacon_context_push, beacon_context_push_lifecycle,
 * beacon_context_from_traceparent).
 * The innermost frame is what emitted events join. The stack holds copies of
 * the ids, not pointers, because generated code returns span handles by value.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, clock_gettime, O_CLOEXEC */
#endif
#include "emit/span.h"

#include <string.h>

#include "beacon/beacon_trace.h"
#include "core/clock.h"
#include "core/ids.h"

typedef struct span_frame {
    beacon_trace_id trace;
    beacon_span_id span;
    uint8_t flags; /* W3C trace-flags */
    bool pushed;   /* beacon_context_push, not a span */
} span_frame;

static _Thread_local span_frame t_stack[BEACON__SPAN_DEPTH];
/* beacon__span_depth (span.h): frames in t_stack */
static _Thread_local unsigned t_overflow; /* open spans beyond the stack */

bool beacon__span_current(beacon_trace_id *trace, beacon_span_id *span, uint8_t *flags) {
    if (beacon__span_depth == 0) return false;
    *trace = t_stack[beacon__span_depth - 1].trace;
    *span = t_stack[beacon__span_depth - 1].span;
    *flags = t_stack[beacon__span_depth - 1].flags;
    return true;
}

void beacon_gen_span_start(beacon_span_state *st) {
    if (!st) return;
    /* The caller's memory may be uninitialised: every member is set here. */
    memset(st, 0, sizeof *st);
    uint8_t flags = BEACON_TRACE_FLAG_SAMPLED;
    if (beacon__span_depth > 0) {
        st->trace_id = t_stack[beacon__span_depth - 1].trace;
        st->parent_span_id = t_stack[beacon__span_depth - 1].span;
        flags = t_stack[beacon__span_depth - 1].flags;
    } else {
        beacon__rand_id(st->trace_id.bytes, sizeof st->trace_id.bytes);
    }
    beacon__rand_id(st->span_id.bytes, sizeof st->span_id.bytes);
    st->flags = BEACON__SPAN_OPEN;
    if (beacon__span_depth < BEACON__SPAN_DEPTH) {
        t_stack[beacon__span_depth].trace = st->trace_id;
        t_stack[beacon__span_depth].span = st->span_id;
        t_stack[beacon__span_depth].flags = flags;
        t_stack[beacon__span_depth].pushed = false;
        beacon__span_depth++;
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
        for (unsigned i = beacon__span_depth; i-- > 0;) {
            if (!t_stack[i].pushed &&
                memcmp(&t_stack[i].span, &st->span_id, sizeof st->span_id) == 0) {
                memmove(&t_stack[i], &t_stack[i + 1],
                        (beacon__span_depth - i - 1) * sizeof t_stack[0]);
                beacon__span_depth--;
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

bool beacon_gen_span_finished(const beacon_span_state *st) {
    return !st || (st->flags & BEACON__SPAN_FINISHED) != 0;
}

/* ---- public context API (beacon_trace.h) ---------------------------------- */

beacon_status beacon_context_push(const beacon_trace_context *ctx) {
    if (!ctx || beacon__id_is_zero(ctx->trace_id.bytes, sizeof ctx->trace_id.bytes))
        return BEACON_ERR_INVALID_ARGUMENT;
    if (beacon__span_depth >= BEACON__SPAN_DEPTH) return BEACON_ERR_NO_MEMORY;
    t_stack[beacon__span_depth].trace = ctx->trace_id;
    t_stack[beacon__span_depth].span = ctx->span_id;
    t_stack[beacon__span_depth].flags = ctx->flags;
    t_stack[beacon__span_depth].pushed = true;
    beacon__span_depth++;
    return BEACON_OK;
}

beacon_status beacon_context_push_lifecycle(const beacon_lifecycle *handle) {
    if (!handle) return BEACON_ERR_INVALID_ARGUMENT;
    beacon_trace_context ctx;
    ctx.trace_id = handle->trace_id;
    ctx.span_id = handle->span_id;
    ctx.flags = handle->flags;
    return beacon_context_push(&ctx);
}

beacon_status beacon_context_pop(void) {
    /* The most recent push, even when a span opened after it is still open:
     * that span keeps its own ids. */
    for (unsigned i = beacon__span_depth; i-- > 0;) {
        if (t_stack[i].pushed) {
            memmove(&t_stack[i], &t_stack[i + 1], (beacon__span_depth - i - 1) * sizeof t_stack[0]);
            beacon__span_depth--;
            return BEACON_OK;
        }
    }
    return BEACON_ERR_INVALID_ARGUMENT;
}

bool beacon_context_current(beacon_trace_context *out) {
    if (!out) return beacon__span_depth > 0;
    memset(out, 0, sizeof *out);
    if (beacon__span_depth == 0) return false;
    out->trace_id = t_stack[beacon__span_depth - 1].trace;
    out->span_id = t_stack[beacon__span_depth - 1].span;
    out->flags = t_stack[beacon__span_depth - 1].flags;
    return true;
}

beacon_status beacon_context_from_traceparent(const char *header) {
    if (!header) return BEACON_ERR_INVALID_ARGUMENT;
    beacon_traceparent tp;
    beacon_status st = beacon_traceparent_parse(header, strlen(header), &tp);
    if (st != BEACON_OK) return st;
    beacon_trace_context ctx;
    ctx.trace_id = tp.trace_id;
    ctx.span_id = tp.parent_id;
    ctx.flags = tp.flags;
    return beacon_context_push(&ctx);
}

size_t beacon_context_to_traceparent(char *buf, size_t cap) {
    beacon_trace_context ctx;
    beacon_traceparent tp;
    if (!beacon_context_current(&ctx) ||
        beacon__id_is_zero(ctx.span_id.bytes, sizeof ctx.span_id.bytes)) {
        if (buf && cap > 0) buf[0] = '\0';
        return 0;
    }
    tp.version = 0;
    tp.trace_id = ctx.trace_id;
    tp.parent_id = ctx.span_id;
    tp.flags = ctx.flags;
    return beacon_traceparent_format(&tp, buf, cap);
}
