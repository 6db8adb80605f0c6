/* fixture_support.h — helpers shared by the runtime unit tests: temporary
 * directories, reading NDJSON files back through jansson, and bringing the
 * runtime to a known state between tests.
 */
#ifndef BEACON_TESTS_FIXTURE_SUPPORT_H
#define BEACON_TESTS_FIXTURE_SUPPORT_H

#include <jansson.h>
#include <stddef.h>

#include <beacon/beacon.h>

/* A fresh directory under /tmp (mkdtemp); free with ts_rmdir. */
char *ts_mkdtemp(void);
/* Removes every file in dir, the directory, and frees the string. */
void ts_rmdir(char *dir);
/* dir + "/" + name, malloc'd. */
char *ts_path(const char *dir, const char *name);

/* Whole file as a NUL-terminated malloc'd string (NULL if unreadable), after
 * a beacon_flush() so that events emitted before are in it. */
char *ts_read_file(const char *path);

/* Parses each line of an NDJSON file with JSON_REJECT_DUPLICATES into a JSON
 * array; fails the test on a line that does not parse. */
json_t *ts_read_ndjson(const char *path);

/* Parses text as one JSON object (JSON_REJECT_DUPLICATES); fails the test
 * when it does not parse. */
json_t *ts_parse(const char *text);

/* Shuts the runtime down if it runs, clears env vars beacon reads and the
 * diagnostic rate limits. */
void ts_reset_runtime(void);

/* Clears the capture sinks the tests use: the unnamed one, "a" and "b". */
void ts_capture_clear_all(void);

/* ts_reset_runtime() as a cmocka setup/teardown function. */
int ts_reset_fixture(void **state);

/* A diagnostic callback that records the calls: pass ts_diag_capture as the
 * callback and a zeroed ts_diag_captured as its user pointer. */
typedef struct ts_diag_captured {
    int calls;
    beacon_status code;
    char last[512];
} ts_diag_captured;
void ts_diag_capture(beacon_status code, const char *message, void *user);

/* Starts the runtime with exactly these sinks (';'-separated). */
void ts_init_with_sinks(const char *specs);

/* The counters of sink i after a beacon_flush() (fails the test when there
 * is no such sink). */
beacon_counters ts_sink_counters(size_t i);

/* Asserts the accounting invariant: emitted + replayed == delivered +
 * spooled + every dropped_* counter but dropped_spool_evicted. */
void ts_assert_balanced(const beacon_counters *c);

#endif /* BEACON_TESTS_FIXTURE_SUPPORT_H */
