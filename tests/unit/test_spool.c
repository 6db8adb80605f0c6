/* test_spool.c — the on-disk spool store (runtime/src/spool): records come
 * back oldest first and go only when acknowledged, survive a reopen, damage
 * and torn tails are skipped and counted, the size bound evicts the oldest
 * segment, other sinks' records are left alone, a failed write leaves no
 * partial record, files are private, and two processes share a directory.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <dirent.h>
#include <fcntl.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "spool/segment.h"
#include "spool/spool.h"

static char g_root[64];

static int setup(void **state) {
    (void)state;
    snprintf(g_root, sizeof g_root, "/tmp/beacon-spool-XXXXXX");
    assert_non_null(mkdtemp(g_root));
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_root);
    return system(cmd) == 0 ? 0 : -1;
}

static beacon__spool *open_store(const char *identity, uint16_t format, uint64_t max_bytes,
                                 uint64_t segment_bytes) {
    beacon__spool_options o = {g_root,    identity,      format,
                               max_bytes, segment_bytes, BEACON__SPOOL_SYNC_NONE};
    beacon__spool *s = NULL;
    char err[256];
    assert_int_equal(beacon__spool_open(&o, &s, err, sizeof err), BEACON_OK);
    return s;
}

static void append_text(beacon__spool *s, const char *text, uint32_t events) {
    assert_int_equal(beacon__spool_append(s, text, strlen(text), events), BEACON_OK);
}

/* Replays everything pending, acknowledging each record; returns the
 * records seen, their texts joined by ',' in out. */
static int drain(beacon__spool *s, char *out, size_t cap) {
    int n = 0;
    out[0] = '\0';
    for (;;) {
        beacon__spool_record rec;
        bool found;
        assert_int_equal(beacon__spool_next(s, &rec, &found), BEACON_OK);
        if (!found) return n;
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%.*s", n ? "," : "", (int)rec.len,
                 (const char *)rec.bytes);
        assert_int_equal(beacon__spool_ack(s, &rec), BEACON_OK);
        n++;
    }
}

/* Path of the only (or the first) segment of store s. */
static void first_segment(beacon__spool *s, char *out, size_t cap) {
    DIR *d = opendir(beacon__spool_path(s));
    assert_non_null(d);
    struct dirent *e;
    char best[256] = "";
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "seg-", 4) == 0 && (!best[0] || strcmp(e->d_name, best) < 0))
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    assert_true(best[0] != '\0');
    snprintf(out, cap, "%s/%s", beacon__spool_path(s), best);
}

static int count_segments(beacon__spool *s) {
    DIR *d = opendir(beacon__spool_path(s));
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += strncmp(e->d_name, "seg-", 4) == 0;
    closedir(d);
    return n;
}

static void spool_replays_oldest_first_and_ack_removes(void **state) {
    (void)state;
    beacon__spool *s = open_store("http://collector/a", 1, 0, 0);
    append_text(s, "one", 1);
    append_text(s, "two", 2);
    append_text(s, "three", 3);
    char out[256];
    assert_int_equal(drain(s, out, sizeof out), 3);
    assert_string_equal(out, "one,two,three");
    assert_int_equal(drain(s, out, sizeof out), 0);
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.spooled_events, 6);
    assert_int_equal(c.acked_events, 6);
    assert_int_equal(c.corrupt, 0);
    uint64_t pending = 1;
    assert_int_equal(beacon__spool_pending_bytes(s, &pending), BEACON_OK);
    assert_int_equal(pending, 0);
    beacon__spool_close(s);
}

static void spool_keeps_unacknowledged_records_across_reopen(void **state) {
    (void)state;
    beacon__spool *s = open_store("http://collector/a", 1, 0, 0);
    append_text(s, "first", 1);
    append_text(s, "second", 1);
    beacon__spool_record rec;
    bool found;
    assert_int_equal(beacon__spool_next(s, &rec, &found), BEACON_OK);
    assert_true(found);
    assert_int_equal(beacon__spool_ack(s, &rec), BEACON_OK);
    /* Handed out, not acknowledged: offered again, now and after a restart. */
    assert_int_equal(beacon__spool_next(s, &rec, &found), BEACON_OK);
    assert_true(found);
    assert_memory_equal(rec.bytes, "second", 6);
    assert_int_equal(beacon__spool_next(s, &rec, &found), BEACON_OK);
    assert_true(found);
    assert_memory_equal(rec.bytes, "second", 6);
    beacon__spool_close(s);

    s = open_store("http://collector/a", 1, 0, 0);
    char out[256];
    assert_int_equal(drain(s, out, sizeof out), 1);
    assert_string_equal(out, "second");
    beacon__spool_close(s);
}

static void spool_skips_and_counts_a_torn_tail(void **state) {
    (void)state;
    beacon__spool *s = open_store("sink", 1, 0, 0);
    append_text(s, "kept-1", 1);
    append_text(s, "kept-2", 1);
    append_text(s, "torn-record", 1);
    char path[512];
    first_segment(s, path, sizeof path);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    beacon__spool_close(s);
    /* Cut the last record in half, as a crash mid-write would. */
    assert_int_equal(truncate(path, st.st_size - 6), 0);

    s = open_store("sink", 1, 0, 0);
    char out[256];
    assert_int_equal(drain(s, out, sizeof out), 2);
    assert_string_equal(out, "kept-1,kept-2");
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.corrupt, 1);
    /* Counted once, however often the segment is looked at. */
    assert_int_equal(drain(s, out, sizeof out), 0);
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.corrupt, 1);
    assert_int_equal(count_segments(s), 0);
    beacon__spool_close(s);
}

static void spool_skips_a_damaged_record_and_delivers_the_rest(void **state) {
    (void)state;
    beacon__spool *s = open_store("sink", 1, 0, 0);
    append_text(s, "before", 1);
    append_text(s, "DAMAGED-PAYLOAD", 1);
    append_text(s, "after", 1);
    char path[512];
    first_segment(s, path, sizeof path);
    beacon__spool_close(s);

    /* Flip one payload byte of the middle record, and one header byte of
     * the copy appended next: both must be skipped. */
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    off_t mid = BEACON__SPOOL_FILE_HDR + BEACON__SPOOL_REC_HDR + 6 + BEACON__SPOOL_REC_HDR + 3;
    assert_int_equal(pwrite(fd, "x", 1, mid), 1);
    close(fd);

    s = open_store("sink", 1, 0, 0);
    char out[256];
    assert_int_equal(drain(s, out, sizeof out), 2);
    assert_string_equal(out, "before,after");
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.corrupt, 1);
    beacon__spool_close(s);
}

static void spool_resyncs_after_a_damaged_header(void **state) {
    (void)state;
    beacon__spool *s = open_store("sink", 1, 0, 0);
    append_text(s, "aaaa", 1);
    append_text(s, "bbbb", 1);
    append_text(s, "cccc", 1);
    char path[512];
    first_segment(s, path, sizeof path);
    beacon__spool_close(s);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    /* The second record's length field: without the header checksum the
     * reader would skip far past the third record. */
    off_t len_field = BEACON__SPOOL_FILE_HDR + BEACON__SPOOL_REC_HDR + 4 + 8;
    assert_int_equal(pwrite(fd, "\x7f", 1, len_field), 1);
    close(fd);

    s = open_store("sink", 1, 0, 0);
    char out[256];
    assert_int_equal(drain(s, out, sizeof out), 2);
    assert_string_equal(out, "aaaa,cccc");
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.corrupt, 1);
    beacon__spool_close(s);
}

static void spool_counts_a_garbage_segment_and_removes_it(void **state) {
    (void)state;
    beacon__spool *s = open_store("sink", 1, 0, 0);
    char path[512];
    snprintf(path, sizeof path, "%s/seg-0000000000000001.bsp", beacon__spool_path(s));
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not a spool segment at all", f);
    fclose(f);
    append_text(s, "good", 1);
    char out[256];
    assert_int_equal(drain(s, out, sizeof out), 1);
    assert_string_equal(out, "good");
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.corrupt, 1);
    assert_int_equal(count_segments(s), 0);
    beacon__spool_close(s);
}

static void spool_leaves_other_sinks_and_formats_alone(void **state) {
    (void)state;
    beacon__spool *a = open_store("sink-a", 1, 0, 0);
    beacon__spool *other_format = open_store("sink-a", 2, 0, 0);
    beacon__spool *b = open_store("sink-b", 1, 0, 0);
    append_text(a, "a1", 1);
    append_text(other_format, "a-json2", 1);
    append_text(b, "b1", 1);
    append_text(a, "a2", 1);
    char out[256];
    assert_int_equal(drain(a, out, sizeof out), 2);
    assert_string_equal(out, "a1,a2");
    assert_int_equal(drain(b, out, sizeof out), 1);
    assert_string_equal(out, "b1");
    /* The other format's record is still there for its own store. */
    assert_int_equal(drain(other_format, out, sizeof out), 1);
    assert_string_equal(out, "a-json2");
    beacon__spool_counters c;
    beacon__spool_counters_get(a, &c);
    assert_int_equal(c.corrupt, 0);
    beacon__spool_close(a);
    beacon__spool_close(other_format);
    beacon__spool_close(b);
}

static void spool_size_bound_evicts_oldest_segment_and_counts_its_events(void **state) {
    (void)state;
    /* Records of 32 + 100 bytes, four to a 600-byte segment, 2000 bytes in
     * all: the bound holds three segments. */
    beacon__spool *s = open_store("sink", 1, 2000, 600);
    char rec[101];
    for (int i = 0; i < 20; i++) {
        snprintf(rec, sizeof rec, "%03d%097d", i, 0);
        append_text(s, rec, 2);
        uint64_t pending;
        assert_int_equal(beacon__spool_pending_bytes(s, &pending), BEACON_OK);
        assert_true(pending <= 2000);
    }
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    char out[4096];
    int left = drain(s, out, sizeof out);
    assert_true(left > 0 && left < 20);
    assert_int_equal(c.evicted_events + 2u * (unsigned)left, 40);
    /* What is left is the newest, in order. */
    snprintf(rec, sizeof rec, "%03d", 20 - left);
    assert_memory_equal(out, rec, 3);
    assert_non_null(strstr(out, "019"));
    beacon__spool_close(s);
}

/* A store whose bound holds one full segment: four records of 3 events
 * fill segment 1, and the record handed out for replay is its first. The
 * next append evicts segment 1 although that record is out. */
static beacon__spool *store_evicting_the_record_out(beacon__spool_record *out) {
    beacon__spool *s = open_store("sink", 1, 650, 600);
    char rec[101];
    for (int i = 0; i < 4; i++) {
        snprintf(rec, sizeof rec, "%03d%097d", i, 0);
        append_text(s, rec, 3);
    }
    bool found;
    assert_int_equal(beacon__spool_next(s, out, &found), BEACON_OK);
    assert_true(found);
    assert_memory_equal(out->bytes, "000", 3);
    snprintf(rec, sizeof rec, "%03d%097d", 4, 0);
    append_text(s, rec, 5);
    return s;
}

static void spool_eviction_of_a_record_out_counts_it_only_if_not_delivered(void **state) {
    (void)state;
    /* Delivered after all: the three records never handed out are lost. */
    beacon__spool_record rec;
    beacon__spool *s = store_evicting_the_record_out(&rec);
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.evicted_events, 9);
    assert_int_equal(beacon__spool_ack(s, &rec), BEACON_OK);
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.evicted_events, 9);
    char out[1024];
    assert_int_equal(drain(s, out, sizeof out), 1);
    assert_memory_equal(out, "004", 3);
    beacon__spool_close(s);

    /* Its request failed, and the next replay finds the newer record: the
     * record out is lost too, counted once. */
    assert_int_equal(teardown(NULL), 0);
    assert_int_equal(setup(NULL), 0);
    s = store_evicting_the_record_out(&rec);
    bool found;
    assert_int_equal(beacon__spool_next(s, &rec, &found), BEACON_OK);
    assert_true(found);
    assert_memory_equal(rec.bytes, "004", 3);
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.evicted_events, 12);
    beacon__spool_release(s);
    beacon__spool_release(s);
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.evicted_events, 12);
    beacon__spool_close(s);
}

static void spool_refuses_a_record_larger_than_the_bound(void **state) {
    (void)state;
    beacon__spool *s = open_store("sink", 1, 4096, 0);
    char big[5000];
    memset(big, 'x', sizeof big);
    assert_int_equal(beacon__spool_append(s, big, sizeof big, 1), BEACON_ERR_INVALID_ARGUMENT);
    assert_int_equal(count_segments(s), 0);
    beacon__spool_close(s);
}

static void spool_files_are_private(void **state) {
    (void)state;
    beacon__spool *s = open_store("sink", 1, 0, 0);
    append_text(s, "x", 1);
    struct stat st;
    assert_int_equal(stat(beacon__spool_path(s), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    char path[512];
    first_segment(s, path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/lock", beacon__spool_path(s));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* The identity (which may name an endpoint with credentials) is not in
     * the directory name. */
    assert_null(strstr(beacon__spool_path(s), "sink"));
    beacon__spool_close(s);
}

static void spool_write_failure_leaves_no_partial_record(void **state) {
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Disk full, as a file size limit: the write fails with EFBIG. */
        signal(SIGXFSZ, SIG_IGN);
        beacon__spool_options o = {g_root, "sink", 1, 0, 0, BEACON__SPOOL_SYNC_BATCH};
        beacon__spool *s = NULL;
        char err[256];
        if (beacon__spool_open(&o, &s, err, sizeof err) != BEACON_OK) _exit(10);
        char rec[300];
        memset(rec, 'r', sizeof rec);
        if (beacon__spool_append(s, rec, sizeof rec, 1) != BEACON_OK) _exit(11);
        struct rlimit lim = {1000, 1000};
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(12);
        int ok = 1;
        while (beacon__spool_append(s, rec, sizeof rec, 1) == BEACON_OK) ok++;
        beacon__spool_close(s);
        _exit(ok == 2 ? 0 : 13); /* 16 + 2 * 332 fits in 1000, a third does not */
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    beacon__spool *s = open_store("sink", 1, 0, 0);
    char out[4096];
    assert_int_equal(drain(s, out, sizeof out), 2);
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.corrupt, 0);
    beacon__spool_close(s);
}

/* Two processes append to one directory while one of them replays. */
static void spool_two_processes_share_a_directory(void **state) {
    (void)state;
    enum { PER_PROCESS = 300 };
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            beacon__spool_options o = {g_root, "shared", 1, 0, 2048, BEACON__SPOOL_SYNC_NONE};
            beacon__spool *s = NULL;
            char err[256];
            if (beacon__spool_open(&o, &s, err, sizeof err) != BEACON_OK) _exit(10);
            for (int i = 0; i < PER_PROCESS; i++) {
                char rec[32];
                int n = snprintf(rec, sizeof rec, "p%d-%04d", k, i);
                if (beacon__spool_append(s, rec, (size_t)n, 1) != BEACON_OK) _exit(11);
            }
            beacon__spool_close(s);
            _exit(0);
        }
    }
    /* Replay meanwhile; a second store in another process cannot replay
     * while this one holds the directory. */
    beacon__spool *s = open_store("shared", 1, 0, 2048);
    static uint8_t seen[2][PER_PROCESS];
    memset(seen, 0, sizeof seen);
    int got = 0, reaped = 0, rounds = 0;
    while (got < 2 * PER_PROCESS && rounds++ < 200000) {
        beacon__spool_record rec;
        bool found;
        assert_int_equal(beacon__spool_next(s, &rec, &found), BEACON_OK);
        if (!found) {
            if (reaped < 2) {
                int status;
                if (waitpid(-1, &status, WNOHANG) > 0) {
                    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                    reaped++;
                }
            }
            continue;
        }
        int k, i;
        assert_int_equal(sscanf((const char *)rec.bytes, "p%d-%4d", &k, &i), 2);
        assert_true(k >= 0 && k < 2 && i >= 0 && i < PER_PROCESS);
        assert_int_equal(seen[k][i], 0);
        seen[k][i] = 1;
        got++;
        assert_int_equal(beacon__spool_ack(s, &rec), BEACON_OK);
    }
    while (reaped < 2) {
        int status;
        assert_true(waitpid(-1, &status, 0) > 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        reaped++;
    }
    assert_int_equal(got, 2 * PER_PROCESS);
    beacon__spool_counters c;
    beacon__spool_counters_get(s, &c);
    assert_int_equal(c.corrupt, 0);

    pid_t pid = fork();
    if (pid == 0) {
        beacon__spool_options o = {g_root, "shared", 1, 0, 0, BEACON__SPOOL_SYNC_NONE};
        beacon__spool *other = NULL;
        char err[256];
        if (beacon__spool_open(&o, &other, err, sizeof err) != BEACON_OK) _exit(10);
        if (beacon__spool_append(other, "late", 4, 1) != BEACON_OK) _exit(11);
        beacon__spool_record rec;
        bool found = true;
        if (beacon__spool_next(other, &rec, &found) != BEACON_OK || found) _exit(12);
        beacon__spool_close(other);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char out[256];
    assert_int_equal(drain(s, out, sizeof out), 1);
    assert_string_equal(out, "late");
    beacon__spool_close(s);
}

/* A store holding one record, "a", handed out for replay (so this store
 * holds the directory's replay claim). */
static beacon__spool *store_with_a_record_out(beacon__spool_record *rec) {
    beacon__spool *s = open_store("sink", 1, 0, 0);
    append_text(s, "a", 1);
    bool found;
    assert_int_equal(beacon__spool_next(s, rec, &found), BEACON_OK);
    assert_true(found);
    return s;
}

static void spool_replay_claim_survives_a_fork_child(void **state) {
    (void)state;
    beacon__spool_record rec;
    beacon__spool *s = store_with_a_record_out(&rec);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* The child forgets the inherited claim without releasing it: the
         * parent still replays, so the child does not. */
        beacon__spool_after_fork_child(s);
        bool child_found = true;
        beacon__spool_record r;
        if (beacon__spool_next(s, &r, &child_found) != BEACON_OK || child_found) _exit(1);
        beacon__spool_close(s);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char out[64];
    assert_int_equal(drain(s, out, sizeof out), 1);
    assert_string_equal(out, "a");
    beacon__spool_close(s);
}

/* A child that keeps running without ever shutting the runtime down does
 * not keep the replay lock it inherited: once the parent's store lets go,
 * another store of that directory replays while the child still lives. */
static void spool_replay_lock_is_not_kept_by_a_running_fork_child(void **state) {
    (void)state;
    beacon__spool_record rec;
    beacon__spool *s = store_with_a_record_out(&rec);
    int go[2], ready[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        beacon__spool_atfork_child(); /* what the runtime's fork handler runs */
        close(go[1]);
        (void)!write(ready[1], "r", 1);
        char c;
        (void)!read(go[0], &c, 1); /* lives until the parent is done */
        _exit(0);
    }
    close(go[0]);
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    beacon__spool_close(s);
    beacon__spool *t = open_store("sink", 1, 0, 0);
    bool found;
    assert_int_equal(beacon__spool_next(t, &rec, &found), BEACON_OK);
    bool replayed = found && rec.len == 1 && rec.bytes[0] == 'a';
    close(go[1]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(replayed);
    beacon__spool_close(t);
}

/* A writer killed with SIGKILL at a random moment: every record it was told
 * was appended is replayed, in order, and nothing damaged is handed out. */
static void spool_sigkill_while_appending_loses_nothing_appended(void **state) {
    (void)state;
    for (int attempt = 0; attempt < 3; attempt++) {
        int progress[2];
        assert_int_equal(pipe(progress), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(progress[0]);
            beacon__spool_options o = {g_root, "killed", 1, 0, 8192, BEACON__SPOOL_SYNC_NONE};
            beacon__spool *s = NULL;
            char err[256];
            if (beacon__spool_open(&o, &s, err, sizeof err) != BEACON_OK) _exit(10);
            char rec[200];
            for (uint32_t i = 0;; i++) {
                memset(rec, 'a' + (int)(i % 26), sizeof rec);
                snprintf(rec, sizeof rec, "%d-%08u", attempt, i);
                if (beacon__spool_append(s, rec, sizeof rec, 1) != BEACON_OK) _exit(11);
                if (write(progress[1], &i, sizeof i) != sizeof i) _exit(12);
            }
        }
        close(progress[1]);
        uint32_t last = 0;
        int reports = 0;
        while (reports < 50 + attempt * 97 && read(progress[0], &last, sizeof last) == sizeof last)
            reports++;
        kill(pid, SIGKILL);
        uint32_t v;
        while (read(progress[0], &v, sizeof v) == sizeof v) last = v;
        close(progress[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));

        beacon__spool *s = open_store("killed", 1, 0, 8192);
        uint32_t expect = 0;
        for (;;) {
            beacon__spool_record rec;
            bool found;
            assert_int_equal(beacon__spool_next(s, &rec, &found), BEACON_OK);
            if (!found) break;
            assert_int_equal(rec.len, 200);
            char head[32];
            snprintf(head, sizeof head, "%d-%08u", attempt, expect);
            assert_memory_equal(rec.bytes, head, strlen(head));
            for (size_t k = strlen(head) + 1; k < rec.len; k++)
                assert_int_equal(rec.bytes[k], 'a' + (int)(expect % 26));
            expect++;
            assert_int_equal(beacon__spool_ack(s, &rec), BEACON_OK);
        }
        /* Everything reported appended came back (and at most the one
         * record whose report the kill cut off). */
        assert_true(expect == last + 1 || expect == last + 2);
        beacon__spool_close(s);
    }
}

/* Random damage to a segment: whatever is handed out is one of the records
 * written, whole; the rest is counted or left. */
static void spool_random_damage_never_yields_a_false_record(void **state) {
    (void)state;
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 40; round++) {
        beacon__spool *s = open_store("damaged", 1, 0, 1 << 20);
        for (int i = 0; i < 20; i++) {
            char rec[64];
            snprintf(rec, sizeof rec, "record-%02d-%02d", round, i);
            append_text(s, rec, 1);
        }
        char path[512];
        first_segment(s, path, sizeof path);
        beacon__spool_close(s);
        int fd = open(path, O_RDWR);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        for (int k = 0; k < 1 + round % 5; k++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            off_t at = (off_t)(rng % (uint64_t)st.st_size);
            uint8_t b = (uint8_t)(rng >> 40);
            assert_int_equal(pwrite(fd, &b, 1, at), 1);
        }
        if (round % 3 == 0) assert_int_equal(ftruncate(fd, st.st_size - (off_t)(rng % 40)), 0);
        close(fd);

        s = open_store("damaged", 1, 0, 1 << 20);
        int last = -1;
        for (;;) {
            beacon__spool_record rec;
            bool found;
            assert_int_equal(beacon__spool_next(s, &rec, &found), BEACON_OK);
            if (!found) break;
            int r, i;
            char text[64];
            assert_true(rec.len < sizeof text);
            memcpy(text, rec.bytes, rec.len);
            text[rec.len] = '\0';
            assert_int_equal(sscanf(text, "record-%2d-%2d", &r, &i), 2);
            assert_int_equal(r, round);
            assert_true(i > last && i < 20);
            last = i;
            assert_int_equal(beacon__spool_ack(s, &rec), BEACON_OK);
        }
        beacon__spool_close(s);
        teardown(NULL);
        setup(NULL);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(spool_replays_oldest_first_and_ack_removes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(spool_keeps_unacknowledged_records_across_reopen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(spool_skips_and_counts_a_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(spool_skips_a_damaged_record_and_delivers_the_rest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(spool_resyncs_after_a_damaged_header, setup, teardown),
        cmocka_unit_test_setup_teardown(spool_counts_a_garbage_segment_and_removes_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(spool_leaves_other_sinks_and_formats_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            spool_size_bound_evicts_oldest_segment_and_counts_its_events, setup, teardown),
        cmocka_unit_test_setup_teardown(
            spool_eviction_of_a_record_out_counts_it_only_if_not_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(spool_refuses_a_record_larger_than_the_bound, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(spool_files_are_private, setup, teardown),
        cmocka_unit_test_setup_teardown(spool_write_failure_leaves_no_partial_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(spool_two_processes_share_a_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(spool_replay_claim_survives_a_fork_child, setup, teardown),
        cmocka_unit_test_setup_teardown(spool_replay_lock_is_not_kept_by_a_running_fork_child,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(spool_sigkill_while_appending_loses_nothing_appended, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(spool_random_damage_never_yields_a_false_record, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
