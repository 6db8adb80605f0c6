/* Must NOT compile: retry_after is an optional field of upload.failed, and
 * an optional scalar assigned as a member would be silently left out of the
 * event (its presence bit stays unset). Its value lives where only its
 * setter, fd_upload_failed_set_retry_after, is meant to write it.
 * test_compile.py checks that C and C++ compilers reject it. */
#include "fd_events.h"

void assign_optional(fd_upload_failed *ev);

void assign_optional(fd_upload_failed *ev) {
    ev->retry_after = 7;
}
