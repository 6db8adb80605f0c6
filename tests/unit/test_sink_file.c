/* test_sink_file.c — the file sink: creating and appending, batches written
 * whole, failed and cut writes and their accounting (a cut line is ended, and
 * never by an empty line), reopening after a missing directory or an outside
 * rename, and size rotation (numbered files, one rename per rotation whatever
 * keep= is, a rotation that fails).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tfx_events.h"
#include "sinks/sink.h"
#include "fixture_support.h"

static char *g_dir;

static int setup(void **state) {
    (void)state;
    ts_reset_runtime();
    g_dir = ts_mkdtemp();
    ts_capture_clear_all();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    ts_reset_runtime();
    ts_rmdir(g_dir);
    return 0;
}

static void emit_plain(int n) {
    tfx_plain ev = tfx_plain_make(n);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
}

static size_t file_lines(const char *path) {
    json_t *lines = ts_read_ndjson(path);
    size_t n = json_array_size(lines);
    json_decref(lines);
    return n;
}

static off_t file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The numbers n of the files base.<n> in dir, ascending, in out (up to
 * cap); returns how many there are. *others counts every other file in dir
 * except base itself. */
static size_t rotated_files(const char *dir, const char *base, uint64_t *out, size_t cap,
                            size_t *others) {
    size_t n = 0, base_len = strlen(base);
    *others = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, base) == 0)
            continue;
        char *end = NULL;
        if (strncmp(e->d_name, base, base_len) == 0 && e->d_name[base_len] == '.' &&
            e->d_name[base_len + 1] >= '1' && e->d_name[base_len + 1] <= '9') {
            unsigned long long v = strtoull(e->d_name + base_len + 1, &end, 10);
            if (*end == '\0') {
                if (n < cap) out[n] = v;
                n++;
                continue;
            }
        }
        (*others)++;
    }
    closedir(d);
    for (size_t i = 1; i < n && i < cap; i++) /* insertion sort */
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            uint64_t t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

/* No line of text is empty (text ends with '\n' or is empty). */
static void assert_no_empty_line(const char *text) {
    assert_true(text[0] != '\n');
    assert_null(strstr(text, "\n\n"));
}

static void file_rotates_at_max_bytes_and_keeps_k_files(void **state) {
    (void)state;
    char *path = ts_path(g_dir, "r.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s?max_bytes=1000&keep=2", path);
    ts_init_with_sinks(spec);
    for (int i = 0; i < 100; i++) {
        emit_plain(i % 10);
        if (i % 10 == 9) beacon_flush(5000);
    }
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    /* PATH and the two newest numbered files, the numbers consecutive. */
    uint64_t nums[8];
    size_t others = 0;
    assert_int_equal(rotated_files(g_dir, "r.ndjson", nums, 8, &others), 2);
    assert_int_equal(others, 0);
    assert_true(nums[0] >= 1);
    assert_int_equal(nums[1], nums[0] + 1);
    char *p1 = ts_path(g_dir, "r.ndjson.1"), name[64];
    snprintf(name, sizeof name, "r.ndjson.%llu", (unsigned long long)nums[0]);
    char *older = ts_path(g_dir, name);
    snprintf(name, sizeof name, "r.ndjson.%llu", (unsigned long long)nums[1]);
    char *newer = ts_path(g_dir, name);
    assert_true(file_size(path) > 0 && file_size(path) <= 1000);
    assert_true(file_size(older) > 0 && file_size(older) <= 1000);
    assert_true(file_size(newer) > 0 && file_size(newer) <= 1000);
    /* Every kept file holds whole lines only. */
    size_t total = file_lines(path) + file_lines(older) + file_lines(newer);
    assert_true(total > 0 && total < 100);
    free(p1);
    free(older);
    free(newer);
    free(path);
}

/* With keep=1000 a rotation still renames one file: after 1010 rotations
 * of one line each, PATH.n holds the n-th line for the newest 1000 n, and
 * nothing else is there. (The old PATH.1 .. PATH.K shifting would leave
 * PATH.1 .. PATH.1000, with PATH.1 the newest.) */
static void rotation_with_a_large_keep_renames_one_file(void **state) {
    (void)state;
    char *path = ts_path(g_dir, "big.ndjson");
    char spec[512], err[128];
    snprintf(spec, sizeof spec, "file:%s?max_bytes=11&keep=1000", path);
    beacon__sink *sink = NULL;
    assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
    enum { LINES = 1011 };
    for (int i = 1; i <= LINES; i++) {
        char line[32];
        int len = snprintf(line, sizeof line, "{\"n\":%d}", i);
        beacon__batch_item item = {line, (size_t)len, NULL};
        beacon__batch batch = {&item, 1, NULL, false};
        size_t delivered = 0;
        assert_int_equal(sink->vt->write(sink, &batch, &delivered), BEACON_OK);
        assert_int_equal(delivered, 1);
    }
    assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
    static uint64_t nums[LINES + 8];
    size_t others = 0;
    assert_int_equal(rotated_files(g_dir, "big.ndjson", nums, LINES + 8, &others), 1000);
    assert_int_equal(others, 0);
    for (size_t k = 0; k < 1000; k++) assert_int_equal(nums[k], LINES - 1000 + k);
    for (int n = LINES - 1000; n < LINES; n += 111) {
        char name[64], want[32];
        snprintf(name, sizeof name, "big.ndjson.%d", n);
        snprintf(want, sizeof want, "{\"n\":%d}\n", n);
        char *file = ts_path(g_dir, name), *text = ts_read_file(file);
        assert_string_equal(text, want);
        free(text);
        free(file);
    }
    char *text = ts_read_file(path), want[32];
    snprintf(want, sizeof want, "{\"n\":%d}\n", LINES);
    assert_string_equal(text, want);
    free(text);
    free(path);
}

/* Numbering continues after the files already there, and those beyond
 * keep= (left by a run with a larger keep=) are removed when the sink opens. */
static void rotation_numbers_continue_after_existing_files(void **state) {
    (void)state;
    const char *existing[] = {"c.ndjson.3", "c.ndjson.7", "c.ndjson.9", "c.ndjson.09"};
    for (size_t i = 0; i < sizeof existing / sizeof existing[0]; i++) {
        char *f = ts_path(g_dir, existing[i]);
        FILE *fh = fopen(f, "w");
        assert_non_null(fh);
        fputs("{}\n", fh);
        fclose(fh);
        free(f);
    }
    char *path = ts_path(g_dir, "c.ndjson");
    char spec[512], err[128];
    snprintf(spec, sizeof spec, "file:%s?max_bytes=10&keep=2", path);
    beacon__sink *sink = NULL;
    assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
    uint64_t nums[8];
    size_t others = 0;
    assert_int_equal(rotated_files(g_dir, "c.ndjson", nums, 8, &others), 1);
    assert_int_equal(nums[0], 9);
    assert_int_equal(others, 1); /* c.ndjson.09 is not a rotated file */
    beacon__batch_item item = {"{\"k\":1}", 7, NULL};
    beacon__batch batch = {&item, 1, NULL, false};
    size_t delivered = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sink->vt->write(sink, &batch, &delivered), BEACON_OK);
        assert_int_equal(delivered, 1);
    }
    assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
    assert_int_equal(rotated_files(g_dir, "c.ndjson", nums, 8, &others), 2);
    assert_int_equal(nums[0], 10);
    assert_int_equal(nums[1], 11);
    free(path);
}

static void file_is_reopened_after_an_outside_rename(void **state) {
    (void)state;
    char *path = ts_path(g_dir, "o.ndjson"), *moved = ts_path(g_dir, "o.ndjson.old");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", path);
    ts_init_with_sinks(spec);
    emit_plain(1);
    beacon_flush(5000);
    assert_int_equal(rename(path, moved), 0);
    struct timespec ts = {1, 200 * 1000000}; /* past the identity check interval */
    nanosleep(&ts, NULL);
    emit_plain(2);
    beacon_flush(5000);
    assert_int_equal(file_lines(moved), 1);
    assert_int_equal(file_lines(path), 1);
    free(path);
    free(moved);
}

static void emit_two_plain(void) {
    tfx_plain a = tfx_plain_make(1), b = tfx_plain_make(2);
    tfx_plain_emit(&a);
    tfx_plain_emit(&b);
}

static void file_sink_appends_to_an_existing_file(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "a.ndjson");
    FILE *f = fopen(file, "w");
    fputs("{\"pre\":1}\n", f);
    fclose(f);
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    ts_init_with_sinks(spec);
    emit_two_plain();
    beacon_shutdown(1000);
    json_t *lines = ts_read_ndjson(file);
    assert_int_equal(json_array_size(lines), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, 0), "pre")), 1);
    json_decref(lines);
    free(file);
}

static void file_sink_creates_file_with_mode_0644(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "m.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    mode_t old = umask(022);
    ts_init_with_sinks(spec);
    umask(old);
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    free(file);
}

static void relative_file_path_is_relative_to_cwd(void **state) {
    (void)state;
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(g_dir), 0);
    ts_init_with_sinks("file:rel.ndjson");
    emit_two_plain();
    beacon_shutdown(1000);
    assert_int_equal(chdir(cwd), 0);
    char *file = ts_path(g_dir, "rel.ndjson");
    json_t *lines = ts_read_ndjson(file);
    assert_int_equal(json_array_size(lines), 2);
    json_decref(lines);
    free(file);
}

static void unopenable_file_counts_sink_errors_and_reports(void **state) {
    (void)state;
    ts_diag_captured cap = {0};
    char *file = ts_path(g_dir, "no/such/dir.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    beacon_options *o = beacon_options_new();
    beacon_options_add_sink(o, spec);
    beacon_options_set_diagnostic_callback(o, ts_diag_capture, &cap);
    assert_int_equal(beacon_init(o), BEACON_OK);
    assert_int_equal(cap.code, BEACON_ERR_IO);
    tfx_plain ev = tfx_plain_make(1);
    assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_sink_error, 1);
    ts_assert_balanced(&c);
    assert_non_null(strstr(cap.last, "cannot open"));
    free(file);
}

static void file_sink_retries_open_once_the_directory_exists(void **state) {
    (void)state;
    char *sub = ts_path(g_dir, "later");
    char *file = ts_path(sub, "x.ndjson");
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s", file);
    ts_init_with_sinks(spec);
    tfx_plain ev = tfx_plain_make(1);
    tfx_plain_emit(&ev);
    assert_int_equal(beacon_flush(5000), BEACON_OK); /* written (and failed) before mkdir */
    assert_int_equal(mkdir(sub, 0700), 0);
    tfx_plain_emit(&ev);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_sink_error, 1);
    assert_int_equal(c.delivered, 1);
    beacon_shutdown(1000);
    json_t *lines = ts_read_ndjson(file);
    assert_int_equal(json_array_size(lines), 1);
    json_decref(lines);
    unlink(file);
    rmdir(sub);
    free(file);
    free(sub);
}

static void failing_writes_count_sink_errors(void **state) {
    (void)state;
    if (access("/dev/full", W_OK) != 0) skip();
    ts_init_with_sinks("file:/dev/full");
    emit_two_plain();
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.dropped_sink_error, 2);
    assert_int_equal(c.delivered, 0);
    ts_assert_balanced(&c);
}

static void batch_is_written_whole_and_counted(void **state) {
    (void)state;
    char *file = ts_path(g_dir, "batch.ndjson");
    char spec[512], err[128];
    snprintf(spec, sizeof spec, "file:%s", file);
    beacon__sink *sink = NULL;
    assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
    beacon__batch_item recs[3] = {{"{\"a\":1}", 7, NULL}, {"{\"b\":2}", 7, NULL}, {"{}", 2, NULL}};
    beacon__batch batch = {recs, 3, NULL, false};
    size_t delivered = 0;
    assert_int_equal(sink->vt->write(sink, &batch, &delivered), BEACON_OK);
    assert_int_equal(delivered, 3);
    assert_int_equal(sink->vt->flush(sink, 100), BEACON_OK);
    assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
    char *text = ts_read_file(file);
    assert_string_equal(text, "{\"a\":1}\n{\"b\":2}\n{}\n");
    free(text);
    free(file);
}

/* An ndjson batch (records back to back, each followed by '\n', as the
 * pipeline's arena holds them) is written as it lies, also when it is cut
 * for rotation; /dev/full shows a failed write counts nothing delivered. */
static void ndjson_batch_is_written_as_it_lies(void **state) {
    (void)state;
    static const char arena[] = "{\"a\":1}\n{\"b\":22}\n{}\n";
    beacon__batch_item recs[3] = {{arena, 7, NULL}, {arena + 8, 8, NULL}, {arena + 17, 2, NULL}};
    beacon__batch batch = {recs, 3, NULL, true};
    char *file = ts_path(g_dir, "lies.ndjson");
    char spec[512], err[128];
    for (int rotate = 0; rotate < 2; rotate++) {
        /* rotate: a size limit that cuts the batch after its first two lines */
        snprintf(spec, sizeof spec, rotate ? "file:%s?max_bytes=17&keep=1" : "file:%s", file);
        unlink(file);
        beacon__sink *sink = NULL;
        assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
        size_t delivered = 0;
        assert_int_equal(sink->vt->write(sink, &batch, &delivered), BEACON_OK);
        assert_int_equal(delivered, 3);
        assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
        char *text = ts_read_file(file);
        assert_string_equal(text, rotate ? "{}\n" : arena);
        free(text);
        if (rotate) {
            char *first = ts_path(g_dir, "lies.ndjson.1");
            text = ts_read_file(first);
            assert_string_equal(text, "{\"a\":1}\n{\"b\":22}\n");
            free(text);
            free(first);
        }
    }
    free(file);
    if (access("/dev/full", W_OK) != 0) return;
    beacon__sink *full = NULL;
    assert_int_equal(beacon__sink_open("file:/dev/full", NULL, &full, err, sizeof err), BEACON_OK);
    size_t delivered = 99;
    assert_int_equal(full->vt->write(full, &batch, &delivered), BEACON_ERR_IO);
    assert_int_equal(delivered, 0);
    assert_int_equal(full->vt->close(full, 100), BEACON_OK);
}

/* Writes three 16-byte lines to sink under a 30-byte file size limit, so
 * the write fails inside the second line: one line delivered, the second
 * cut after "{\"k\":\"bbbbbbb". `ndjson` picks the batch's write path. */
static void write_three_lines_cut_at_30_bytes(beacon__sink *sink, bool ndjson) {
    static const char arena[] =
        "{\"k\":\"aaaaaaaa\"}\n{\"k\":\"bbbbbbbb\"}\n{\"k\":\"cccccccc\"}\n";
    beacon__batch_item recs[3] = {
        {arena, 16, NULL}, {arena + 17, 16, NULL}, {arena + 34, 16, NULL}};
    beacon__batch three = {recs, 3, NULL, ndjson};
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = {30, old.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    size_t delivered = 99;
    beacon_status st = sink->vt->write(sink, &three, &delivered);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(st, BEACON_ERR_IO);
    assert_int_equal(delivered, 1);
}

/* A write that the file size limit cuts inside a line leaves that line
 * unterminated; the next batch ends it first, so its own first line is not
 * glued to the fragment. Both write paths: gathered and ndjson. */
static void a_line_cut_by_a_failed_write_is_ended_before_the_next(void **state) {
    (void)state;
    beacon__batch_item next = {"{\"k\":\"dddddddd\"}", 16, NULL};
    for (int ndjson = 0; ndjson < 2; ndjson++) {
        char *file = ts_path(g_dir, ndjson ? "torn2.ndjson" : "torn1.ndjson");
        char spec[512], err[128];
        snprintf(spec, sizeof spec, "file:%s", file);
        beacon__sink *sink = NULL;
        assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
        write_three_lines_cut_at_30_bytes(sink, ndjson == 1);
        beacon__batch one = {&next, 1, NULL, false};
        size_t delivered = 99;
        assert_int_equal(sink->vt->write(sink, &one, &delivered), BEACON_OK);
        assert_int_equal(delivered, 1);
        assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
        char *text = ts_read_file(file);
        assert_string_equal(text, "{\"k\":\"aaaaaaaa\"}\n{\"k\":\"bbbbbbb\n{\"k\":\"dddddddd\"}\n");
        free(text);
        free(file);
    }
}

static void file_whose_rotation_fails_keeps_writing_instead_of_spinning(void **state) {
    (void)state;
    char *dir = ts_mkdtemp();
    /* A name as long as a name may be: PATH.1 is too long, so rename fails. */
    char base[256];
    memset(base, 'e', 255);
    base[255] = '\0';
    char *path = ts_path(dir, base);
    char spec[512];
    snprintf(spec, sizeof spec, "file:%s?max_bytes=200&keep=1", path);
    ts_init_with_sinks(spec);
    for (int i = 0; i < 10; i++) {
        tfx_plain ev = tfx_plain_make(i);
        assert_int_equal(tfx_plain_emit(&ev), BEACON_OK);
    }
    assert_int_equal(beacon_flush(5000), BEACON_OK);
    beacon_counters c = ts_sink_counters(0);
    assert_int_equal(c.delivered, 10);
    assert_int_equal(beacon_shutdown(5000), BEACON_OK);
    json_t *lines = ts_read_ndjson(path);
    assert_int_equal(json_array_size(lines), 10);
    json_decref(lines);
    free(path);
    ts_rmdir(dir);
}

/* A line cut by a failed write, then ended by someone else's write to the
 * same file (the host's printf into a redirected stream, another process
 * appending): the next batch adds no mark, which would be an empty line. */
static void a_cut_line_ended_by_another_writer_gets_no_empty_line(void **state) {
    (void)state;
    beacon__batch_item next = {"{\"k\":\"dddddddd\"}", 16, NULL};
    char *file = ts_path(g_dir, "shared.ndjson");
    char spec[512], err[128];
    snprintf(spec, sizeof spec, "file:%s", file);
    beacon__sink *sink = NULL;
    assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
    write_three_lines_cut_at_30_bytes(sink, false);
    FILE *other = fopen(file, "a");
    assert_non_null(other);
    fputs("host output\n", other);
    fclose(other);
    beacon__batch one = {&next, 1, NULL, false};
    size_t delivered = 99;
    assert_int_equal(sink->vt->write(sink, &one, &delivered), BEACON_OK);
    assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
    char *text = ts_read_file(file);
    assert_string_equal(
        text, "{\"k\":\"aaaaaaaa\"}\n{\"k\":\"bbbbbbbhost output\n{\"k\":\"dddddddd\"}\n");
    assert_no_empty_line(text);
    free(text);
    free(file);
}

/* A line cut by a failed write just before a rotation is ended in the file
 * it was cut in, so the rotated file ends with a whole line, and the new
 * file starts without a mark. */
static void a_cut_line_is_ended_before_rotation(void **state) {
    (void)state;
    beacon__batch_item big = {"{\"k\":\"dddddddddddddddddddddd\"}", 30, NULL};
    char *file = ts_path(g_dir, "cut.ndjson"), *rotated = ts_path(g_dir, "cut.ndjson.1");
    char spec[512], err[128];
    snprintf(spec, sizeof spec, "file:%s?max_bytes=40&keep=1", file);
    beacon__sink *sink = NULL;
    assert_int_equal(beacon__sink_open(spec, NULL, &sink, err, sizeof err), BEACON_OK);
    write_three_lines_cut_at_30_bytes(sink, false);
    /* 30 more bytes do not fit under 40: the file is rotated first. */
    beacon__batch one = {&big, 1, NULL, false};
    size_t delivered = 99;
    assert_int_equal(sink->vt->write(sink, &one, &delivered), BEACON_OK);
    assert_int_equal(sink->vt->close(sink, 100), BEACON_OK);
    char *text = ts_read_file(rotated);
    assert_string_equal(text, "{\"k\":\"aaaaaaaa\"}\n{\"k\":\"bbbbbbb\n");
    free(text);
    text = ts_read_file(file);
    assert_string_equal(text, "{\"k\":\"dddddddddddddddddddddd\"}\n");
    free(text);
    free(rotated);
    free(file);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        T(file_sink_appends_to_an_existing_file),
        T(file_sink_creates_file_with_mode_0644),
        T(ndjson_batch_is_written_as_it_lies),
        T(a_line_cut_by_a_failed_write_is_ended_before_the_next),
        T(relative_file_path_is_relative_to_cwd),
        T(unopenable_file_counts_sink_errors_and_reports),
        T(file_sink_retries_open_once_the_directory_exists),
        T(failing_writes_count_sink_errors),
        T(batch_is_written_whole_and_counted),
        T(file_rotates_at_max_bytes_and_keeps_k_files),
        T(file_is_reopened_after_an_outside_rename),
        T(file_whose_rotation_fails_keeps_writing_instead_of_spinning),
        T(rotation_with_a_large_keep_renames_one_file),
        T(rotation_numbers_continue_after_existing_files),
        T(a_cut_line_ended_by_another_writer_gets_no_empty_line),
        T(a_cut_line_is_ended_before_rotation),
    };
    return cmocka_run_group_tests_name("sink_file", tests, NULL, NULL);
}
