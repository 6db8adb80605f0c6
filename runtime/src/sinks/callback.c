/* callback.c — the callback sink: hands each batch (or, with
 * per_event=1, each event) to a user function as an array of {json, len}.
 * Created only through beacon_options_add_callback_sink(), which supplies the
 * function; the spec carries its options.
 */
#include <stdlib.h>
#include <string.h>

#include "sinks/sink.h"

typedef struct callback_sink {
    beacon__sink base;
    beacon__callback_target target;
    bool per_event;
    beacon_event_json *items; /* worker-owned scratch, grown to the largest batch */
    size_t cap;
} callback_sink;

static beacon_status callback_write(beacon__sink *sink, const beacon__batch *batch,
                                    size_t *delivered) {
    callback_sink *s = (callback_sink *)sink;
    *delivered = 0;
    if (batch->count == 0) return BEACON_OK;
    if (s->cap < batch->count) {
        beacon_event_json *grown = realloc(s->items, batch->count * sizeof *grown);
        if (!grown) return BEACON_ERR_NO_MEMORY;
        s->items = grown;
        s->cap = batch->count;
    }
    for (size_t i = 0; i < batch->count; i++) {
        s->items[i].json = batch->records[i].json;
        s->items[i].len = batch->records[i].len;
    }
    if (s->per_event) {
        /* Events after a refused one are still offered: each stands alone,
         * and batch->failed tells which ones were refused. */
        bool cancelled = false;
        for (size_t i = 0; i < batch->count; i++) {
            if (!cancelled && s->base.cancelled && atomic_load(s->base.cancelled)) cancelled = true;
            if (!cancelled && s->target.fn(&s->items[i], 1, s->target.user)) {
                (*delivered)++;
            } else if (batch->failed) {
                batch->failed[i] = 1;
            }
        }
        return *delivered == batch->count ? BEACON_OK : BEACON_ERR_IO;
    }
    if (!s->target.fn(s->items, batch->count, s->target.user)) return BEACON_ERR_IO;
    *delivered = batch->count;
    return BEACON_OK;
}

static beacon_status callback_flush(beacon__sink *sink, int timeout_ms) {
    (void)sink;
    (void)timeout_ms;
    return BEACON_OK; /* nothing is held back: every batch went to the function */
}

static beacon_status callback_close(beacon__sink *sink, int timeout_ms) {
    callback_sink *s = (callback_sink *)sink;
    (void)timeout_ms;
    free(s->items);
    free(s);
    return BEACON_OK;
}

static const beacon__sink_vtable k_callback_vt = {"callback", callback_write, callback_flush,
                                                  callback_close};

static beacon_status callback_open(const beacon__sink_spec *spec, const beacon__callback_target *cb,
                                   beacon__sink **out, char *err, size_t err_cap) {
    (void)err;
    (void)err_cap;
    callback_sink *s = calloc(1, sizeof *s);
    if (!s) return BEACON_ERR_NO_MEMORY;
    s->base.vt = &k_callback_vt;
    s->base.format = BEACON__FORMAT_CANONICAL;
    s->target = *cb;
    const char *pe = beacon__sink_spec_option(spec, "per_event");
    s->per_event = pe && strcmp(pe, "1") == 0;
    *out = &s->base;
    return BEACON_OK;
}

static const char *const k_callback_options[] = {"per_event", NULL};

const beacon__sink_scheme beacon__sink_scheme_callback = {
    .scheme = "callback",
    .usage = NULL,
    .target = BEACON__TARGET_NONE,
    .options = k_callback_options,
    .flags = k_callback_options,
    .needs_callback = true,
    .open = callback_open,
};
