/* version.c — the runtime's own version string (beacon_version). */
#include "beacon/beacon.h"

const char *beacon_version(void) {
    return BEACON_VERSION;
}
