/* Control for missing_required.c: the same call with every required field
 * compiles cleanly, so the failure there is the missing argument. */
#include "fd_events.h"

fd_upload_failed all_required(beacon_lifecycle correlation);

fd_upload_failed all_required(beacon_lifecycle correlation) {
    return fd_upload_failed_make(correlation, "disk full", 3);
}
