/* Control for optional_assigned.c: the setter, and direct assignment of an
 * optional string (present when not NULL), compile cleanly, so the failure
 * there is the assignment of the optional scalar. */
#include "fd_events.h"

void set_optional(fd_upload_failed *ev, fd_upload_received *rx);

void set_optional(fd_upload_failed *ev, fd_upload_received *rx) {
    fd_upload_failed_set_retry_after(ev, 7);
    rx->mrn = "MRN-1";
}
