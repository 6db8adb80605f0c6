/* exit_probe.c — beacon-exit-probe: a program that emits and then leaves
 * without beacon_shutdown(), for tests/integration/test_spool_http.py.
 *
 *   beacon-exit-probe N return|exit|_exit
 *
 * Starts beacon from the environment (BEACON_SINKS, BEACON_SPOOL_DIR, ...),
 * emits N patients.queried events (result_count 0..N-1) and then returns
 * from main, calls exit(0) or calls _exit(0). Exit status 2 on bad use or
 * when beacon does not start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <beacon/beacon.h>

#include "obs_events.h"

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s N return|exit|_exit\n", argv[0]);
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    const char *how = argv[2];
    if (beacon_init(NULL) != BEACON_OK) return 2;
    for (long i = 0; i < n; i++) {
        obs_patients_queried ev = obs_patients_queried_make((uint64_t)i, "recent");
        obs_patients_queried_emit(&ev);
    }
    if (strcmp(how, "exit") == 0) exit(0);
    if (strcmp(how, "_exit") == 0) _exit(0);
    return 0;
}
