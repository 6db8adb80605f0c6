/* fixture_support.c — see fixture_support.h. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "fixture_support.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* From runtime/src/diag.h; declared here because the support library is built
 * without the runtime's private include directory. */
void beacon__diag_reset_limits(void);

char *ts_mkdtemp(void) {
    char *dir = strdup("/tmp/beacon-test-XXXXXX");
    assert_non_null(dir);
    assert_non_null(mkdtemp(dir));
    return dir;
}

char *ts_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void ts_rmdir(char *dir) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char *p = ts_path(dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

char *ts_read_file(const char *path) {
    /* Delivery is asynchronous: whatever was emitted before must be written
     * out before the file says anything (no-op when not running). */
    beacon_flush(5000);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) break;
        if (cap - len - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

json_t *ts_parse(const char *text) {
    json_error_t err;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!j) fail_msg("not JSON (%s at %d): %s", err.text, err.position, text);
    return j;
}

json_t *ts_read_ndjson(const char *path) {
    char *text = ts_read_file(path);
    json_t *arr = json_array();
    if (!text) return arr;
    char *line = text;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (!nl) fail_msg("last line has no newline: %s", line);
        *nl = '\0';
        json_array_append_new(arr, ts_parse(line));
        line = nl + 1;
    }
    free(text);
    return arr;
}

void ts_reset_runtime(void) {
    beacon_shutdown(1000);
    unsetenv("BEACON_SINKS");
    unsetenv("BEACON_DEBUG");
    unsetenv("BEACON_DISABLED");
    unsetenv("BEACON_SAMPLE_RATE");
    unsetenv("BEACON_RING_KB");
    unsetenv("BEACON_SPOOL_DIR");
    beacon_set_enabled(true);
    beacon__diag_reset_limits(); /* each test gets the full diagnostic budget */
}

void ts_capture_clear_all(void) {
    beacon_capture_clear(NULL);
    beacon_capture_clear("a");
    beacon_capture_clear("b");
}

int ts_reset_fixture(void **state) {
    (void)state;
    ts_reset_runtime();
    return 0;
}

void ts_diag_capture(beacon_status code, const char *message, void *user) {
    ts_diag_captured *cap = user;
    cap->calls++;
    cap->code = code;
    snprintf(cap->last, sizeof cap->last, "%s", message);
}

void ts_init_with_sinks(const char *specs) {
    beacon_options *o = beacon_options_new();
    assert_non_null(o);
    assert_int_equal(beacon_options_set_sinks(o, specs), BEACON_OK);
    assert_int_equal(beacon_init(o), BEACON_OK);
}

beacon_counters ts_sink_counters(size_t i) {
    beacon_sink_stats s[8];
    beacon_flush(5000); /* in-flight events are in no counter yet */
    size_t n = 0;
    assert_int_equal(beacon_stats(NULL, s, 8, &n), BEACON_OK);
    assert_true(i < n);
    return s[i].counters;
}

void ts_assert_balanced(const beacon_counters *c) {
    uint64_t outcomes = c->delivered + c->dropped_queue_full + c->dropped_sampled +
                        c->dropped_filtered + c->dropped_invalid + c->dropped_shutdown +
                        c->dropped_sink_error + c->dropped_reentrant + c->dropped_rejected +
                        c->dropped_send_failed + c->dropped_too_large + c->dropped_buffer_full +
                        c->spooled;
    assert_int_equal(c->emitted + c->replayed, outcomes);
}
