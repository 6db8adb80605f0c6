/* state.c — the process globals shared between files (state.h): the emit
 * gate and counters, the values generated code reads (beacon_gen_g), the
 * worker-thread flag, and the worker's wake-up entry. Nothing here depends on
 * any other folder; the worker plugs its wake-up in through beacon__g.wake.
 */
#include "core/state.h"

beacon__globals beacon__g = {.gate = BEACON__GATE_NEW, .state = BEACON__STATE_NEW};

/* Read by every emit, generated code included (beacon_gen.h); alone on its
 * cache line. */
_Alignas(64) BEACON_API beacon_gen_globals beacon_gen_g = {.config_gen = BEACON_GEN_VERDICT_STEP};

_Thread_local bool beacon__on_worker;

beacon__state beacon__get_state(void) {
    return (beacon__state)atomic_load_explicit(&beacon__g.state, memory_order_acquire);
}

void beacon__count_caller_drop(beacon__outcome o) {
    atomic_fetch_add_explicit(&beacon__g.caller_drops[o], 1, memory_order_relaxed);
}

void beacon__config_changed(void) {
    __atomic_fetch_add(&beacon_gen_g.config_gen, BEACON_GEN_VERDICT_STEP, __ATOMIC_SEQ_CST);
}

void beacon__worker_wake(void) {
    if (atomic_load_explicit(&beacon__g.kick, memory_order_relaxed) ||
        atomic_exchange_explicit(&beacon__g.kick, 1, memory_order_acq_rel))
        return;
    void (*wake)(void) = atomic_load_explicit(&beacon__g.wake, memory_order_acquire);
    if (wake) wake();
}
