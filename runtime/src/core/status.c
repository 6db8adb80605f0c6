/* status.c — static text for status codes and the ABI version check that
 * generated code can call at run time.
 */
#include "beacon/beacon.h"

static const char *const k_status_text[BEACON_STATUS_COUNT_] = {
    [BEACON_OK] = "ok",
    [BEACON_ERR_INVALID_ARGUMENT] = "invalid argument",
    [BEACON_ERR_INVALID_EVENT] = "event violates its catalog constraints",
    [BEACON_ERR_NOT_INITIALIZED] = "beacon is not initialized",
    [BEACON_ERR_SHUT_DOWN] = "beacon is shut down",
    [BEACON_ERR_DISABLED] = "telemetry is disabled",
    [BEACON_ERR_QUEUE_FULL] = "queue full; event dropped",
    [BEACON_ERR_NO_MEMORY] = "out of memory",
    [BEACON_ERR_SINK_SPEC] = "invalid sink spec",
    [BEACON_ERR_IO] = "sink I/O error",
    [BEACON_ERR_TIMEOUT] = "timed out",
    [BEACON_ERR_ALREADY_INITIALIZED] = "beacon is already initialized",
    [BEACON_ERR_ABI] = "generated code does not match the runtime ABI",
    [BEACON_ERR_PARSE] = "parse error",
    [BEACON_ERR_SAMPLED_OUT] = "event sampled out",
    [BEACON_ERR_REENTRANT] = "emit interrupted an emit on the same thread; event dropped",
};

const char *beacon_status_str(beacon_status status) {
    if ((unsigned)status >= BEACON_STATUS_COUNT_ || !k_status_text[status]) return "unknown status";
    return k_status_text[status];
}

uint32_t beacon_gen_abi(void) {
    return BEACON_GEN_ABI;
}
