/* callback.c — the callback sink: hands each batch (or, with
 * per_event=1, each event) to a user function as an array of {json, len}.
 * Created only through beacon_options_add_callback_sink(), which supplies the
 * function; the spec carries its options.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/state.h"
#include "sinks/sink.h"

/* One thread at a time in user callbacks, process-wide. A worker that
 * shutdown gave up on may still be inside one when a new run's worker
 * starts: the new one waits for it to leave rather than enter the same
 * function concurrently. g_turn_mu is only ever held briefly (never across a
 * callback), so the fork handlers can take it. */
static pthread_mutex_t g_turn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_turn_cv = PTHREAD_COND_INITIALIZER;
static bool g_turn_busy;

#define TURN_POLL_NS 50000000L /* how often a waiting worker checks cancellation */

static bool is_cancelled(const beacon__sink *s) {
    return s->cancelled && atomic_load(s->cancelled);
}

/* Takes the callback turn; false (turn not taken) once s is cancelled. */
static bool turn_take(const beacon__sink *s) {
    bool ok;
    pthread_mutex_lock(&g_turn_mu);
    while (g_turn_busy && !is_cancelled(s)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TURN_POLL_NS;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&g_turn_cv, &g_turn_mu, &ts);
    }
    /* Checked with the turn held: a worker shutdown has given up on never
     * starts a callback afterwards. */
    ok = !is_cancelled(s);
    if (ok) g_turn_busy = true;
    pthread_mutex_unlock(&g_turn_mu);
    return ok;
}

static void turn_give(void) {
    pthread_mutex_lock(&g_turn_mu);
    g_turn_busy = false;
    pthread_cond_broadcast(&g_turn_cv);
    pthread_mutex_unlock(&g_turn_mu);
}

static void callback_atfork_prepare(void) {
    pthread_mutex_lock(&g_turn_mu);
}
static void callback_atfork_parent(void) {
    pthread_mutex_unlock(&g_turn_mu);
}
static void callback_atfork_child(void) {
    /* The thread that held the turn stayed in the parent. */
    g_turn_busy = false;
    pthread_cond_init(&g_turn_cv, NULL);
    pthread_mutex_unlock(&g_turn_mu);
}

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
            if (!cancelled && atomic_load(&beacon__g.exiting)) cancelled = true;
            if (!cancelled && !turn_take(&s->base)) cancelled = true;
            bool ok = !cancelled && s->target.fn(&s->items[i], 1, s->target.user);
            if (!cancelled) turn_give();
            if (ok) {
                (*delivered)++;
            } else if (batch->failed) {
                batch->failed[i] = 1;
            }
        }
        return *delivered == batch->count ? BEACON_OK : BEACON_ERR_IO;
    }
    if (!turn_take(&s->base)) return BEACON_ERR_IO;
    bool ok = s->target.fn(s->items, batch->count, s->target.user);
    turn_give();
    if (!ok) return BEACON_ERR_IO;
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

static const beacon__sink_vtable k_callback_vt = {.scheme = "callback",
                                                  .write = callback_write,
                                                  .flush = callback_flush,
                                                  .close = callback_close};

static beacon_status callback_open(const beacon__sink_spec *spec, const beacon__callback_target *cb,
                                   beacon__sink **out, char *err, size_t err_cap) {
    (void)err;
    (void)err_cap;
    callback_sink *s = calloc(1, sizeof *s);
    if (!s) return BEACON_ERR_NO_MEMORY;
    s->base.vt = &k_callback_vt;
    s->base.format = BEACON__FORMAT_CANONICAL;
    s->base.calls_user = true;
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
    .fork_prepare = callback_atfork_prepare,
    .fork_parent = callback_atfork_parent,
    .fork_child = callback_atfork_child,
};
