/* exit.c — what happens to queued events when the process exits without
 * beacon_shutdown(): an atexit handler, registered by the first successful
 * beacon_init, shuts the running pipeline down within the exit deadline
 * (BEACON_EXIT_TIMEOUT_MS, read at each init). pipeline.c does the work.
 */
#include "worker/exit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "worker/pipeline.h"

static _Atomic int g_exit_ms = BEACON__EXIT_DEFAULT_MS;
static pthread_once_t g_registered = PTHREAD_ONCE_INIT;

static void at_exit(void) {
    int ms = atomic_load(&g_exit_ms);
    if (ms > 0) beacon__pipeline_exit(ms);
}

static void register_handler(void) {
    atexit(at_exit);
}

void beacon__exit_arm(int timeout_ms) {
    atomic_store(&g_exit_ms, timeout_ms > 0 ? timeout_ms : 0);
    pthread_once(&g_registered, register_handler);
}
