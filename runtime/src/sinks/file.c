/* file.c — the `file:PATH` sink: NDJSON appended to a file, one write()
 * per batch so lines from concurrent processes never interleave mid-line.
 * Optional size rotation (max_bytes=N, keep=K): the full file becomes
 * PATH.<n>, n one more than the highest already there, and PATH.<n-K> is
 * removed, so a rotation renames one file whatever K is. Opening never
 * blocks (a FIFO without a reader fails with ENXIO) and the descriptor is
 * close-on-exec and never 0, 1 or 2. A file that cannot be opened is
 * retried on each batch (each try returns at once); about once a second the
 * path is checked and reopened when someone else rotated it, and before
 * each batch a file deleted under us is replaced, so lines are never
 * counted delivered into an unlinked file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* renameat2, RENAME_NOREPLACE; strdup, O_CLOEXEC */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/diag.h"
#include "sinks/sink.h"

#define FILE_CHECK_NS  1000000000LL /* path identity check interval */
#define FILE_KEEP_DFLT 5
#define FILE_KEEP_MAX  1000

typedef struct file_sink {
    beacon__sink base;
    char *path;
    int fd;             /* -1 while not open */
    uint64_t max_bytes; /* 0: no rotation */
    uint64_t keep;
    uint64_t seq;  /* n of the newest PATH.<n> (0: none), when rotating */
    uint64_t size; /* bytes in the current file, when rotating */
    int64_t next_check_ns;
    beacon__scratch scratch;
} file_sink;

/* fd moved to a descriptor >= 3 (close-on-exec): a host that closed stdout
 * must not find its printf output in the NDJSON file. -1 on failure (fd
 * closed). */
static int above_stdio(int fd) {
    if (fd > 2) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int saved = errno;
    close(fd);
    errno = saved;
    return moved;
}

static int file_try_open(file_sink *s) {
    int fd;
    /* O_NONBLOCK: open() on a FIFO with no reader would wait for one; with it
     * the open fails (ENXIO). Kept on the descriptor: a pipe that fills is
     * waited on with poll() for a bounded time (fdwrite.c). */
    do {
        fd = open(s->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0) fd = above_stdio(fd);
    if (fd < 0) return errno;
    struct stat st;
    s->size = fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
    s->fd = fd;
    s->next_check_ns = beacon__clock_monotonic_ns() + FILE_CHECK_NS;
    return 0;
}

static void file_close_fd(file_sink *s) {
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
}

/* Reopens when the path no longer names the file we hold open. */
static void file_check_identity(file_sink *s) {
    int64_t now = beacon__clock_monotonic_ns();
    if (s->fd < 0 || now < s->next_check_ns) return;
    s->next_check_ns = now + FILE_CHECK_NS;
    struct stat by_path, by_fd;
    if (fstat(s->fd, &by_fd) != 0) return;
    if (stat(s->path, &by_path) != 0 || by_path.st_ino != by_fd.st_ino ||
        by_path.st_dev != by_fd.st_dev) {
        file_close_fd(s);
        file_try_open(s);
    }
}

/* Replaces the open file when it was deleted (no link left): lines written
 * into it would be lost though write() succeeded. */
static void file_check_linked(file_sink *s) {
    struct stat by_fd;
    if (s->fd >= 0 && fstat(s->fd, &by_fd) == 0 && by_fd.st_nlink == 0) {
        file_close_fd(s);
        file_try_open(s);
    }
}

static const char *open_error(int err_no) {
    return err_no == ENXIO ? "no process has the FIFO open for reading" : strerror(err_no);
}

static char *numbered(const char *path, uint64_t n) {
    size_t len = strlen(path) + 24;
    char *p = malloc(len);
    if (p) snprintf(p, len, "%s.%llu", path, (unsigned long long)n);
    return p;
}

/* n when name is base + "." + n (decimal, no leading zero, n > 0), else 0. */
static uint64_t rotated_number(const char *name, const char *base, size_t base_len) {
    if (strncmp(name, base, base_len) != 0 || name[base_len] != '.') return 0;
    const char *d = name + base_len + 1;
    if (*d < '1' || *d > '9') return 0;
    uint64_t n = 0;
    for (; *d; d++) {
        if (*d < '0' || *d > '9' || n > (UINT64_MAX - 9) / 10) return 0;
        n = n * 10 + (uint64_t)(*d - '0');
    }
    return n;
}

/* Sets s->seq to the highest PATH.<n> in PATH's directory and, when prune,
 * removes those the newest keep leave out (files of an earlier run with a
 * larger keep=). One directory read; at open and when a rotation finds its
 * name taken (another process rotates the same file). */
static void file_scan_rotated(file_sink *s, bool prune) {
    const char *slash = strrchr(s->path, '/');
    const char *base = slash ? slash + 1 : s->path;
    size_t base_len = strlen(base);
    char *dir = slash ? strndup(s->path, (size_t)(slash - s->path) + 1) : strdup(".");
    DIR *d = dir ? opendir(dir) : NULL;
    uint64_t top = 0;
    if (d) {
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            uint64_t n = rotated_number(e->d_name, base, base_len);
            if (n > top) top = n;
        }
        if (prune && top > s->keep) {
            rewinddir(d);
            for (struct dirent *e; (e = readdir(d)) != NULL;) {
                uint64_t n = rotated_number(e->d_name, base, base_len);
                if (n > 0 && n <= top - s->keep) unlinkat(dirfd(d), e->d_name, 0);
            }
        }
        closedir(d);
    }
    free(dir);
    if (top > s->seq) s->seq = top;
}

/* PATH becomes PATH.<n> with n = seq + 1 (never over an existing file), and
 * PATH.<n-keep> is removed: one rename and one unlink, whatever keep is.
 * keep=0 removes PATH. */
static void file_rotate(file_sink *s) {
    /* The file left behind ends with a whole line. */
    if (s->fd >= 0) beacon__fd_end_torn_line(s->fd, &s->scratch);
    file_close_fd(s);
    if (s->keep == 0) {
        unlink(s->path);
        file_try_open(s);
        return;
    }
    int rc = -1, err_no = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *to = numbered(s->path, s->seq + 1);
        if (!to) {
            err_no = ENOMEM;
            break;
        }
        rc = renameat2(AT_FDCWD, s->path, AT_FDCWD, to, RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
            rc = rename(s->path, to); /* a file system without RENAME_NOREPLACE */
        }
        err_no = rc == 0 ? 0 : errno;
        free(to);
        if (rc == 0 || err_no != EEXIST) break;
        file_scan_rotated(s, false); /* someone else rotated: continue after theirs */
    }
    if (rc == 0) {
        s->seq++;
        if (s->seq > s->keep) {
            char *old = numbered(s->path, s->seq - s->keep);
            if (old) unlink(old);
            free(old);
        }
    } else if (err_no != ENOENT) {
        beacon__diag(BEACON_ERR_IO, "sink file:%s: cannot rotate: %s", s->path, strerror(err_no));
    }
    file_try_open(s);
}

static beacon_status write_part(file_sink *s, const beacon__batch *part, size_t *delivered) {
    int err_no = 0;
    *delivered = 0;
    if (s->fd < 0 && (err_no = file_try_open(s)) != 0) {
        beacon__diag(BEACON_ERR_IO, "sink file:%s: cannot open: %s", s->path, open_error(err_no));
        return BEACON_ERR_IO;
    }
    file_check_linked(s);
    if (s->fd < 0) return BEACON_ERR_IO;
    beacon_status st =
        beacon__fd_write_lines(s->fd, NULL, 0, part, &s->scratch, delivered, &err_no);
    for (size_t i = 0; i < *delivered; i++) s->size += part->records[i].len + 1;
    if (st != BEACON_OK) {
        beacon__diag(BEACON_ERR_IO, "sink file:%s: write failed: %s", s->path,
                     strerror(err_no ? err_no : EIO));
    }
    return st;
}

static beacon_status file_write(beacon__sink *sink, const beacon__batch *batch, size_t *delivered) {
    file_sink *s = (file_sink *)sink;
    *delivered = 0;
    file_check_identity(s);
    if (s->max_bytes == 0) return write_part(s, batch, delivered);
    /* Cut the batch where the file would pass max_bytes; a single line longer
     * than the limit gets a file of its own. When a rotation leaves a
     * non-empty file (PATH could not be renamed or removed), the rest of the
     * batch goes into it past the limit: retrying at once would spin, and
     * dropping events loses more than an oversized file. */
    size_t i = 0;
    bool rotation_failed = false;
    while (i < batch->count) {
        int err_no;
        if (s->fd < 0 && (err_no = file_try_open(s)) != 0) {
            beacon__diag(BEACON_ERR_IO, "sink file:%s: cannot open: %s", s->path,
                         open_error(err_no));
            return BEACON_ERR_IO;
        }
        uint64_t room = s->size < s->max_bytes ? s->max_bytes - s->size : 0;
        size_t j = i;
        uint64_t bytes = 0;
        while (j < batch->count && bytes + batch->records[j].len + 1 <= room) {
            bytes += batch->records[j].len + 1;
            j++;
        }
        if (rotation_failed) {
            j = batch->count;
        } else if (j == i) {
            if (s->size > 0) {
                file_rotate(s);
                rotation_failed = s->fd >= 0 && s->size > 0;
                continue;
            }
            j = i + 1; /* oversized line into an empty file */
        }
        beacon__batch part = {batch->records + i, j - i, batch->failed ? batch->failed + i : NULL,
                              batch->ndjson};
        size_t done = 0;
        beacon_status st = write_part(s, &part, &done);
        *delivered += done;
        if (st != BEACON_OK) return st;
        i = j;
    }
    return BEACON_OK;
}

static beacon_status file_flush(beacon__sink *sink, int timeout_ms) {
    (void)sink;
    (void)timeout_ms;
    /* Lines are in the kernel once write() returns; fsync is not promised. */
    return BEACON_OK;
}

static beacon_status file_close(beacon__sink *sink, int timeout_ms) {
    file_sink *s = (file_sink *)sink;
    beacon_status st = BEACON_OK;
    (void)timeout_ms;
    if (s->fd >= 0 && close(s->fd) != 0 && errno != EINTR) {
        beacon__diag(BEACON_ERR_IO, "sink file:%s: close failed: %s", s->path, strerror(errno));
        st = BEACON_ERR_IO;
    }
    beacon__scratch_free(&s->scratch);
    free(s->path);
    free(s);
    return st;
}

static const beacon__sink_vtable k_file_vt = {
    .scheme = "file", .write = file_write, .flush = file_flush, .close = file_close};

static beacon_status file_open(const beacon__sink_spec *spec, const beacon__callback_target *cb,
                               beacon__sink **out, char *err, size_t err_cap) {
    (void)cb;
    (void)err;
    (void)err_cap;
    file_sink *s = calloc(1, sizeof *s);
    if (!s) return BEACON_ERR_NO_MEMORY;
    s->base.vt = &k_file_vt;
    s->base.format = BEACON__FORMAT_CANONICAL;
    s->fd = -1;
    s->keep = FILE_KEEP_DFLT;
    const char *v = beacon__sink_spec_option(spec, "max_bytes");
    if (v) beacon__parse_u64(v, &s->max_bytes); /* validated with the spec */
    v = beacon__sink_spec_option(spec, "keep");
    if (v) beacon__parse_u64(v, &s->keep); /* at most FILE_KEEP_MAX: file_check */
    s->path = strdup(spec->target);
    if (!s->path) {
        free(s);
        return BEACON_ERR_NO_MEMORY;
    }
    if (s->max_bytes > 0) file_scan_rotated(s, true);
    int err_no = file_try_open(s);
    if (err_no) {
        /* Not fatal: reported now, retried on each write. */
        beacon__warn(BEACON_ERR_IO, "sink file:%s: cannot open: %s (will retry)", s->path,
                     open_error(err_no));
    }
    *out = &s->base;
    return BEACON_OK;
}

static const char *const k_file_options[] = {"max_bytes", "keep", NULL};

/* keep= is bounded (FILE_KEEP_MAX files): it bounds the disk a sink can
 * fill, and a larger value is refused rather than quietly lowered. */
static beacon_status file_check(const beacon__sink_spec *spec, char *err, size_t err_cap) {
    const char *v = beacon__sink_spec_option(spec, "keep");
    uint64_t keep;
    if (v && beacon__parse_u64(v, &keep) && keep > FILE_KEEP_MAX) {
        snprintf(err, err_cap, "option keep wants at most %d files, got '%s'", FILE_KEEP_MAX, v);
        return BEACON_ERR_SINK_SPEC;
    }
    return BEACON_OK;
}

const beacon__sink_scheme beacon__sink_scheme_file = {
    .scheme = "file",
    .usage = "file:PATH",
    .target = BEACON__TARGET_REQUIRED,
    .options = k_file_options,
    .numeric = k_file_options,
    .check = file_check,
    .open = file_open,
};
