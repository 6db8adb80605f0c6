/* verdict.c — each event's verdict (verdict.h): decided from the gate, the
 * event's sample rate (sampling.c) and the sinks' filters (installed by the
 * worker), and kept in the event's state tagged with the configuration
 * generation it was decided for.
 */
#include "core/verdict.h"

#include <pthread.h>

#include "core/state.h"

static pthread_mutex_t g_verdict_mu = PTHREAD_MUTEX_INITIALIZER;
static beacon__refuse_fn g_refuse; /* g_verdict_mu */
static const void *g_refuse_ctx;   /* g_verdict_mu */

void beacon__verdict_atfork_prepare(void) {
    pthread_mutex_lock(&g_verdict_mu);
}
void beacon__verdict_atfork_parent(void) {
    pthread_mutex_unlock(&g_verdict_mu);
}
void beacon__verdict_atfork_child(void) {
    pthread_mutex_unlock(&g_verdict_mu);
}

void beacon__verdict_set_filter(beacon__refuse_fn fn, const void *ctx) {
    pthread_mutex_lock(&g_verdict_mu);
    g_refuse = fn;
    g_refuse_ctx = fn ? ctx : NULL;
    pthread_mutex_unlock(&g_verdict_mu);
    beacon__config_changed();
}

uint64_t beacon__verdict_decide(const beacon_event_desc *d) {
    if (!d->state) return BEACON__VERDICT_NONE;
    /* Before init and after shutdown no verdict is kept, and the emit
     * counts its drop without this lock. */
    int seen = atomic_load_explicit(&beacon__g.gate, memory_order_acquire);
    if (seen != BEACON__GATE_OPEN && seen != BEACON__GATE_DISABLED) return BEACON__VERDICT_NONE;
    pthread_mutex_lock(&g_verdict_mu);
    /* The generation first: every change is in place before its generation
     * starts, so what is read below is at least as new as `gen`, and a
     * verdict of an older configuration is stored as stale at worst. */
    uint64_t gen = __atomic_load_n(&beacon_gen_g.config_gen, __ATOMIC_SEQ_CST);
    int gate = atomic_load_explicit(&beacon__g.gate, memory_order_acquire);
    uint64_t kind;
    if (gate == BEACON__GATE_DISABLED) {
        kind = BEACON_GEN_VERDICT_DISABLED;
    } else if (gate != BEACON__GATE_OPEN) {
        pthread_mutex_unlock(&g_verdict_mu);
        return BEACON__VERDICT_NONE;
    } else {
        uint64_t thr = beacon__sample_refresh(d);
        /* A begin event no sink takes still starts its trace: the events
         * that follow it may go to a sink that takes them, so it keeps the
         * runtime's path (the sinks refuse it on the worker). */
        bool refused = d->correlation != BEACON_CORR_BEGIN && g_refuse && g_refuse(g_refuse_ctx, d);
        if (thr == 0) {
            kind = BEACON_GEN_VERDICT_SAMPLED;
        } else if (thr == UINT64_MAX) {
            kind = refused ? BEACON_GEN_VERDICT_FILTERED : BEACON_GEN_VERDICT_KEEP;
        } else {
            kind = refused ? BEACON_GEN_VERDICT_SAMPLE_FILTERED : BEACON_GEN_VERDICT_SAMPLE;
        }
    }
    /* Release: the threshold stored by beacon__sample_refresh is visible to
     * whoever sees this verdict. */
    __atomic_store_n(&d->state->opaque[2], gen + kind, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&g_verdict_mu);
    return kind;
}
