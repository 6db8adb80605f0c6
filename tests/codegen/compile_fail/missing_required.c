/* Must NOT compile: upload.failed has two required fields besides the
 * correlation handle, and this call leaves out `attempt`. test_compile.py checks
 * that the compiler rejects it and names the constructor. */
#include "fd_events.h"

fd_upload_failed missing_required(beacon_lifecycle correlation);

fd_upload_failed missing_required(beacon_lifecycle correlation) {
    return fd_upload_failed_make(correlation, "disk full");
}
