/* consumer: a program outside beacon's tree using an installed (or
 * add_subdirectory'd) beacon. Writes one job's begin/follow pair to the file
 * sink named on the command line, with a fixed hash key so the hashed field
 * can be recognised, and checks that the runtime it runs against is the
 * version its headers describe. Exit status 0 when every call succeeded. */
#include <stdio.h>
#include <string.h>

#include <beacon/beacon.h>

#include "csm_events.h"

static int check(beacon_status st, const char *what) {
    if (st != BEACON_OK) {
        fprintf(stderr, "consumer: %s: %s\n", what, beacon_status_str(st));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: consumer EVENTS.ndjson\n");
        return 2;
    }
    if (strcmp(beacon_version(), BEACON_VERSION) != 0) {
        fprintf(stderr, "consumer: runtime %s, headers %s\n", beacon_version(), BEACON_VERSION);
        return 1;
    }

    char sink[4096];
    snprintf(sink, sizeof sink, "file:%s", argv[1]);
    static const unsigned char key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    beacon_options *opts = beacon_options_new();
    int failures = check(beacon_options_add_sink(opts, sink), "sink");
    failures += check(beacon_options_set_hash_key(opts, key, sizeof key, "consumer-key"), "key");
    if (failures || check(beacon_init(opts), "beacon_init")) return 1;

    beacon_lifecycle job;
    csm_job_started started = csm_job_started_make("ada@example.org", "resize");
    failures += check(csm_job_started_emit(&started, &job), "job.started");
    csm_job_finished finished = csm_job_finished_make(job, 42);
    failures += check(csm_job_finished_emit(&finished), "job.finished");

    failures += check(beacon_shutdown(5000), "beacon_shutdown");
    printf("consumer: beacon %s, %d failure(s)\n", beacon_version(), failures);
    return failures ? 1 : 0;
}
