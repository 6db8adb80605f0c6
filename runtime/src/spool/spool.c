/* spool.c — the sink spool's files: directories, locks, appends with the
 * size bound, the oldest-first replay cursor and acknowledgements (design in
 * spool.h; record layout in segment.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "spool/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "spool/segment.h"

#define SEG_MIN    ((uint64_t)4 << 10)
#define SEG_MAX    ((uint64_t)4 << 20)
#define FILE_FLAGS (O_CLOEXEC | O_NOFOLLOW)

struct beacon__spool {
    beacon__spool *next_open; /* the process's open stores (g_open) */
    char *dir;                /* the sink directory */
    uint64_t sink_id;
    uint16_t format;
    uint64_t max_bytes, seg_bytes;
    beacon__spool_sync sync;
    int claim_fd; /* replay.lock, held; -1: not claimed */

    /* the segment this store appends to (-1: none yet) */
    int wfd;
    uint64_t wseq, wsize;
    ino_t wino;

    /* replay cursor: the next record to look at, and whether the cursor's
     * segment holds records (another sink's) that must keep it */
    uint64_t cseq;
    size_t coff;
    bool ckeep;
    uint64_t inflight; /* segment of the record handed out (0: none) */
    uint32_t inflight_events;
    /* The segment of the record handed out was evicted while it was out:
     * its events are counted evicted only if it is not acknowledged
     * (beacon__spool_release), since a replay that succeeds delivers them. */
    bool inflight_lost;
    /* corruption is counted once: positions up to here were counted */
    uint64_t mark_seq;
    size_t mark_off;

    /* the segment loaded for replay */
    uint8_t *buf;
    size_t blen, bcap;
    uint64_t bseq;
    ino_t bino;

    beacon__spool_counters n;
};

typedef struct seg_entry {
    uint64_t seq;
    uint64_t size;
} seg_entry;

/* ---- names and files -------------------------------------------------------- */

static uint64_t identity_hash(const char *s) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static void seg_path(const beacon__spool *s, uint64_t seq, char *out, size_t cap) {
    snprintf(out, cap, "%s/seg-%016" PRIx64 ".bsp", s->dir, seq);
}

static bool parse_seg_name(const char *name, uint64_t *seq) {
    if (strncmp(name, "seg-", 4) != 0 || strlen(name) != 4 + 16 + 4) return false;
    if (strcmp(name + 20, ".bsp") != 0) return false;
    uint64_t v = 0;
    for (int i = 4; i < 20; i++) {
        char c = name[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return false;
        v = (v << 4) | (uint64_t)d;
    }
    *seq = v;
    return v != 0;
}

/* Makes path a directory (0700 when created). A sink directory (`own`) must
 * also belong to this user and is made 0700 if it is wider; the root, the
 * user's choice, is taken as it is. */
static bool make_dir(const char *path, bool own, char *err, size_t err_cap) {
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_cap, "cannot create spool directory %s: %s", path, strerror(errno));
        return false;
    }
    struct stat st;
    if ((own ? lstat(path, &st) : stat(path, &st)) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, err_cap, "spool path %s is not a directory", path);
        return false;
    }
    if (!own) return true;
    if (st.st_uid != geteuid()) {
        snprintf(err, err_cap, "spool directory %s belongs to another user", path);
        return false;
    }
    if ((st.st_mode & 077) && chmod(path, 0700) != 0) {
        snprintf(err, err_cap, "cannot make spool directory %s private: %s", path, strerror(errno));
        return false;
    }
    return true;
}

static int open_in_dir(const beacon__spool *s, const char *name, int flags) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    int fd;
    do {
        fd = open(path, flags | FILE_FLAGS, 0600);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

/* Takes the directory's operation lock; returns its fd (close to release). */
static int lock_dir(const beacon__spool *s) {
    int fd = open_in_dir(s, "lock", O_RDWR | O_CREAT);
    if (fd < 0) return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

static void sync_dir(const beacon__spool *s) {
    if (s->sync != BEACON__SPOOL_SYNC_BATCH) return;
    int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int cmp_seg(const void *a, const void *b) {
    uint64_t x = ((const seg_entry *)a)->seq, y = ((const seg_entry *)b)->seq;
    return x < y ? -1 : x > y;
}

/* The segments in the directory, oldest first, in *out (malloc; free it). */
static beacon_status list_segments(const beacon__spool *s, seg_entry **out, size_t *count) {
    *out = NULL;
    *count = 0;
    DIR *d = opendir(s->dir);
    if (!d) return BEACON_ERR_IO;
    size_t cap = 0;
    struct dirent *e;
    beacon_status st = BEACON_OK;
    while ((e = readdir(d)) != NULL) {
        uint64_t seq;
        struct stat sb;
        if (!parse_seg_name(e->d_name, &seq)) continue;
        if (fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (*count == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            seg_entry *grown = realloc(*out, ncap * sizeof *grown);
            if (!grown) {
                st = BEACON_ERR_NO_MEMORY;
                break;
            }
            *out = grown;
            cap = ncap;
        }
        (*out)[(*count)++] = (seg_entry){seq, (uint64_t)sb.st_size};
    }
    closedir(d);
    if (st != BEACON_OK) {
        free(*out);
        *out = NULL;
        *count = 0;
        return st;
    }
    if (*count) qsort(*out, *count, sizeof **out, cmp_seg);
    return BEACON_OK;
}

static bool read_all(int fd, uint8_t *buf, size_t len, off_t at) {
    while (len) {
        ssize_t r = pread(fd, buf, len, at);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        buf += r;
        len -= (size_t)r;
        at += r;
    }
    return true;
}

/* Loads segment seq into s->buf (reading only what was appended when it is
 * already loaded). False when it is gone or unreadable. */
static bool load_segment(beacon__spool *s, uint64_t seq) {
    char path[4096];
    seg_path(s, seq, path, sizeof path);
    int fd = open(path, O_RDONLY | FILE_FLAGS);
    if (fd < 0) return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    size_t size = ok ? (size_t)st.st_size : 0;
    size_t from = 0;
    if (ok && s->bseq == seq && s->bino == st.st_ino && size >= s->blen) from = s->blen;
    if (ok && size > s->bcap) {
        uint8_t *grown = realloc(s->buf, size);
        if (grown) {
            s->buf = grown;
            s->bcap = size;
        } else {
            ok = false;
        }
    }
    if (ok && size > from) ok = read_all(fd, s->buf + from, size - from, (off_t)from);
    close(fd);
    if (!ok) {
        s->bseq = 0;
        s->blen = 0;
        return false;
    }
    s->bseq = seq;
    s->bino = st.st_ino;
    s->blen = size;
    return true;
}

static bool past_mark(const beacon__spool *s, uint64_t seq, size_t off) {
    return seq > s->mark_seq || (seq == s->mark_seq && off >= s->mark_off);
}

static void count_corrupt(beacon__spool *s, uint64_t seq, size_t off, size_t next) {
    if (!past_mark(s, seq, off)) return;
    s->n.corrupt++;
    s->mark_seq = seq;
    s->mark_off = next > off ? next : off + 1;
}

static bool own(const beacon__spool *s, const beacon__spool_frame *f) {
    return f->sink_id == s->sink_id && f->format == s->format;
}

/* Deletes a segment (caller holds the lock). */
static void remove_segment(beacon__spool *s, uint64_t seq) {
    char path[4096];
    seg_path(s, seq, path, sizeof path);
    unlink(path);
    if (s->bseq == seq) {
        s->bseq = 0;
        s->blen = 0;
    }
    sync_dir(s);
}

/* ---- open / close ------------------------------------------------------------ */

/* Every open store of the process, for the fork handlers. */
static pthread_mutex_t g_open_mu = PTHREAD_MUTEX_INITIALIZER;
static beacon__spool *g_open;

void beacon__spool_atfork_prepare(void) {
    pthread_mutex_lock(&g_open_mu);
}

void beacon__spool_atfork_parent(void) {
    pthread_mutex_unlock(&g_open_mu);
}

void beacon__spool_atfork_child(void) {
    for (beacon__spool *s = g_open; s; s = s->next_open) beacon__spool_after_fork_child(s);
    pthread_mutex_unlock(&g_open_mu);
}

beacon_status beacon__spool_open(const beacon__spool_options *o, beacon__spool **out, char *err,
                                 size_t err_cap) {
    if (err_cap) err[0] = '\0';
    if (!o || !out || !o->dir || !o->dir[0] || !o->identity || !o->identity[0]) {
        snprintf(err, err_cap, "a spool needs a directory and a sink identity");
        return BEACON_ERR_INVALID_ARGUMENT;
    }
    *out = NULL;
    if (!make_dir(o->dir, false, err, err_cap)) return BEACON_ERR_IO;
    beacon__spool *s = calloc(1, sizeof *s);
    size_t n = strlen(o->dir) + 1 + 16 + 1;
    if (!s || !(s->dir = malloc(n))) {
        free(s);
        return BEACON_ERR_NO_MEMORY;
    }
    s->sink_id = identity_hash(o->identity);
    snprintf(s->dir, n, "%s/%016" PRIx64, o->dir, s->sink_id);
    s->format = o->format;
    s->max_bytes = o->max_bytes ? o->max_bytes : BEACON__SPOOL_DEFAULT_MAX_BYTES;
    uint64_t seg = o->segment_bytes ? o->segment_bytes : s->max_bytes / 16;
    if (!o->segment_bytes) seg = seg < SEG_MIN ? SEG_MIN : seg > SEG_MAX ? SEG_MAX : seg;
    s->seg_bytes = seg;
    s->sync = o->sync;
    s->claim_fd = s->wfd = -1;
    if (!make_dir(s->dir, true, err, err_cap)) {
        beacon__spool_close(s);
        return BEACON_ERR_IO;
    }
    int fd = lock_dir(s);
    if (fd < 0) {
        snprintf(err, err_cap, "cannot lock spool directory %s: %s", s->dir, strerror(errno));
        beacon__spool_close(s);
        return BEACON_ERR_IO;
    }
    close(fd);
    pthread_mutex_lock(&g_open_mu);
    s->next_open = g_open;
    g_open = s;
    pthread_mutex_unlock(&g_open_mu);
    *out = s;
    return BEACON_OK;
}

void beacon__spool_close(beacon__spool *s) {
    if (!s) return;
    pthread_mutex_lock(&g_open_mu);
    for (beacon__spool **p = &g_open; *p; p = &(*p)->next_open)
        if (*p == s) {
            *p = s->next_open;
            break;
        }
    pthread_mutex_unlock(&g_open_mu);
    if (s->wfd >= 0) close(s->wfd);
    if (s->claim_fd >= 0) close(s->claim_fd);
    free(s->buf);
    free(s->dir);
    free(s);
}

void beacon__spool_after_fork_child(beacon__spool *s) {
    if (!s) return;
    /* Closing an inherited descriptor leaves the parent's flock in place:
     * the lock belongs to the open file both share. */
    if (s->claim_fd >= 0) close(s->claim_fd);
    if (s->wfd >= 0) close(s->wfd);
    s->claim_fd = s->wfd = -1;
    s->inflight = 0;
}

const char *beacon__spool_path(const beacon__spool *s) {
    return s->dir;
}

void beacon__spool_counters_get(const beacon__spool *s, beacon__spool_counters *out) {
    *out = s->n;
}

beacon_status beacon__spool_pending_bytes(beacon__spool *s, uint64_t *bytes) {
    *bytes = 0;
    int lk = lock_dir(s);
    if (lk < 0) return BEACON_ERR_IO;
    seg_entry *segs;
    size_t count;
    beacon_status st = list_segments(s, &segs, &count);
    for (size_t i = 0; i < count; i++) *bytes += segs[i].size;
    free(segs);
    close(lk);
    return st;
}

/* ---- append ------------------------------------------------------------------ */

/* Pending events of this sink in segment seq (for eviction accounting). */
static uint64_t pending_events(beacon__spool *s, uint64_t seq) {
    if (!load_segment(s, seq) || !beacon__spool_file_header_ok(s->buf, s->blen)) return 0;
    uint64_t events = 0;
    size_t off = BEACON__SPOOL_FILE_HDR, next;
    beacon__spool_frame f;
    beacon__spool_parse r;
    while ((r = beacon__spool_frame_parse(s->buf, s->blen, off, &f, &next)) !=
           BEACON__SPOOL_PARSE_END) {
        if (r == BEACON__SPOOL_PARSE_RECORD && own(s, &f) && !f.acked) events += f.events;
        if (r == BEACON__SPOOL_PARSE_TORN) break;
        off = next;
    }
    return events;
}

static void close_writer(beacon__spool *s) {
    if (s->wfd >= 0) close(s->wfd);
    s->wfd = -1;
    s->wseq = s->wsize = 0;
}

/* Whether this store's segment is still the file its name points to (a
 * replay or an eviction, maybe in another process, may have deleted it). */
static bool writer_current(beacon__spool *s) {
    if (s->wfd < 0) return false;
    char path[4096];
    struct stat st;
    seg_path(s, s->wseq, path, sizeof path);
    return lstat(path, &st) == 0 && st.st_ino == s->wino;
}

static bool write_all(int fd, const struct iovec *iov_in, int n) {
    struct iovec iov[2];
    memcpy(iov, iov_in, (size_t)n * sizeof *iov);
    struct iovec *v = iov;
    while (n > 0) {
        ssize_t w = writev(fd, v, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        size_t done = (size_t)w;
        while (n > 0 && done >= v->iov_len) {
            done -= v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + done;
            v->iov_len -= done;
        }
    }
    return true;
}

static beacon_status new_segment(beacon__spool *s, uint64_t after) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    uint64_t seq = after + 1 > now_us ? after + 1 : now_us;
    char path[4096];
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 64; tries++, seq++) {
        seg_path(s, seq, path, sizeof path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | FILE_FLAGS, 0600);
        if (fd < 0 && errno != EEXIST) return BEACON_ERR_IO;
    }
    if (fd < 0) return BEACON_ERR_IO;
    seq--;
    uint8_t hdr[BEACON__SPOOL_FILE_HDR];
    beacon__spool_file_header(hdr);
    struct iovec iov = {hdr, sizeof hdr};
    struct stat st;
    if (!write_all(fd, &iov, 1) || fstat(fd, &st) != 0) {
        close(fd);
        unlink(path);
        return BEACON_ERR_IO;
    }
    sync_dir(s);
    s->wfd = fd;
    s->wseq = seq;
    s->wsize = sizeof hdr;
    s->wino = st.st_ino;
    return BEACON_OK;
}

beacon_status beacon__spool_append(beacon__spool *s, const void *bytes, size_t len,
                                   uint32_t events) {
    uint64_t rec = BEACON__SPOOL_REC_HDR + (uint64_t)len;
    if (len > BEACON__SPOOL_MAX_RECORD || rec + BEACON__SPOOL_FILE_HDR > s->max_bytes)
        return BEACON_ERR_INVALID_ARGUMENT;
    int lk = lock_dir(s);
    if (lk < 0) return BEACON_ERR_IO;
    seg_entry *segs;
    size_t count;
    beacon_status st = list_segments(s, &segs, &count);
    if (st != BEACON_OK) {
        close(lk);
        return st;
    }
    uint64_t newest = count ? segs[count - 1].seq : 0, total = 0;
    for (size_t i = 0; i < count; i++) total += segs[i].size;
    if (!writer_current(s) || s->wsize + rec > s->seg_bytes) close_writer(s);

    /* The size bound: oldest segments go first, the one being replayed
     * last (its record may be on its way). */
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < count; i++) {
            uint64_t need = rec + (s->wfd < 0 ? BEACON__SPOOL_FILE_HDR : 0);
            if (total + need <= s->max_bytes) break;
            if (!segs[i].seq || (round == 0 && segs[i].seq == s->inflight)) continue;
            uint64_t lost = pending_events(s, segs[i].seq);
            if (segs[i].seq == s->inflight) {
                lost -= lost < s->inflight_events ? lost : s->inflight_events;
                s->inflight_lost = true;
                s->inflight = 0;
            }
            s->n.evicted_events += lost;
            if (segs[i].seq == s->wseq) close_writer(s);
            remove_segment(s, segs[i].seq);
            total -= segs[i].size;
            segs[i].seq = 0;
        }
    }
    free(segs);

    if (s->wfd < 0) st = new_segment(s, newest);
    if (st == BEACON_OK) {
        uint8_t hdr[BEACON__SPOOL_REC_HDR];
        beacon__spool_frame f = {s->sink_id, s->format, events, (uint32_t)len, false};
        beacon__spool_frame_encode(hdr, &f, bytes);
        struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)bytes, len}};
        if (!write_all(s->wfd, iov, 2) ||
            (s->sync == BEACON__SPOOL_SYNC_BATCH && fdatasync(s->wfd) != 0)) {
            /* Leave no part of the record behind: a later append would
             * otherwise follow a torn one. */
            int saved = errno;
            if (ftruncate(s->wfd, (off_t)s->wsize) != 0) close_writer(s);
            errno = saved;
            st = BEACON_ERR_IO;
        } else {
            s->wsize += rec;
            s->n.spooled_records++;
            s->n.spooled_events += events;
        }
    }
    close(lk);
    return st;
}

/* ---- replay ------------------------------------------------------------------ */

static bool claim_replay(beacon__spool *s) {
    if (s->claim_fd >= 0) return true;
    char name[32];
    snprintf(name, sizeof name, "replay-%u.lock", (unsigned)s->format);
    int fd = open_in_dir(s, name, O_RDWR | O_CREAT);
    if (fd < 0) return false;
    int rc;
    do {
        rc = flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        close(fd);
        return false;
    }
    s->claim_fd = fd;
    return true;
}

/* Looks through segment seq from the cursor. True with *rec set when a
 * pending record of this sink is there; else the segment was read to its
 * end (and deleted when nothing in it is pending any more). */
static bool scan_segment(beacon__spool *s, uint64_t seq, beacon__spool_record *rec) {
    if (!load_segment(s, seq)) return false;
    if (!beacon__spool_file_header_ok(s->buf, s->blen)) {
        /* Another layout version is left alone; anything else is damage. */
        if (s->blen >= 12 && memcmp(s->buf, "BEACONSPOOL", 12) == 0) return false;
        count_corrupt(s, seq, 0, s->blen);
        if (seq != s->wseq) remove_segment(s, seq);
        return false;
    }
    size_t off = BEACON__SPOOL_FILE_HDR;
    bool keep = false;
    if (seq == s->cseq && s->coff > off) {
        off = s->coff;
        keep = s->ckeep;
    }
    for (;;) {
        beacon__spool_frame f;
        size_t next;
        beacon__spool_parse r = beacon__spool_frame_parse(s->buf, s->blen, off, &f, &next);
        if (r == BEACON__SPOOL_PARSE_END) break;
        if (r == BEACON__SPOOL_PARSE_CORRUPT || r == BEACON__SPOOL_PARSE_TORN) {
            count_corrupt(s, seq, off, next);
            if (r == BEACON__SPOOL_PARSE_TORN) break;
        } else if (!own(s, &f)) {
            keep = true;
        } else if (!f.acked) {
            rec->bytes = s->buf + off + BEACON__SPOOL_REC_HDR;
            rec->len = f.len;
            rec->events = f.events;
            rec->seg = seq;
            rec->off = off;
            s->cseq = seq;
            s->coff = off;
            s->ckeep = keep;
            s->inflight = seq;
            s->inflight_events = f.events;
            s->inflight_lost = false;
            return true;
        }
        off = next;
    }
    s->cseq = seq;
    s->coff = s->blen;
    s->ckeep = keep;
    if (!keep) remove_segment(s, seq);
    return false;
}

void beacon__spool_release(beacon__spool *s) {
    if (!s) return;
    if (s->inflight_lost) s->n.evicted_events += s->inflight_events;
    s->inflight_lost = false;
    s->inflight = 0;
}

beacon_status beacon__spool_next(beacon__spool *s, beacon__spool_record *rec, bool *found) {
    *found = false;
    memset(rec, 0, sizeof *rec);
    beacon__spool_release(s);
    if (!claim_replay(s)) return BEACON_OK;
    int lk = lock_dir(s);
    if (lk < 0) return BEACON_ERR_IO;
    seg_entry *segs;
    size_t count;
    beacon_status st = list_segments(s, &segs, &count);
    /* From the cursor on, then once more from the start: records may have
     * been appended behind the cursor to a segment kept for another sink. */
    for (int round = 0; st == BEACON_OK && round < 2 && !*found; round++) {
        if (round == 1) {
            if (s->cseq == 0) break;
            s->cseq = 0;
            s->coff = 0;
            s->ckeep = false;
        }
        for (size_t i = 0; i < count && !*found; i++) {
            if (segs[i].seq < s->cseq) continue;
            *found = scan_segment(s, segs[i].seq, rec);
        }
    }
    free(segs);
    close(lk);
    return st;
}

beacon_status beacon__spool_ack(beacon__spool *s, const beacon__spool_record *rec) {
    if (!rec || !rec->seg) return BEACON_ERR_INVALID_ARGUMENT;
    /* Delivered: an eviction of its segment meanwhile lost none of it. */
    s->inflight_lost = false;
    int lk = lock_dir(s);
    if (lk < 0) return BEACON_ERR_IO;
    char path[4096];
    seg_path(s, rec->seg, path, sizeof path);
    int fd = open(path, O_RDWR | FILE_FLAGS);
    beacon_status st = BEACON_OK;
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || (s->bseq == rec->seg && sb.st_ino != s->bino)) {
        /* Evicted (or replaced) meanwhile: by this store, which left this
         * record's events out of its count; by another, which counted them. */
        if (fd >= 0) close(fd);
        close(lk);
        s->inflight = 0;
        return BEACON_OK;
    }
    uint8_t acked = BEACON__SPOOL_ACKED;
    off_t at = (off_t)(rec->off + BEACON__SPOOL_STATE_OFF);
    ssize_t w;
    do {
        w = pwrite(fd, &acked, 1, at);
    } while (w < 0 && errno == EINTR);
    if (w != 1 || (s->sync == BEACON__SPOOL_SYNC_BATCH && fdatasync(fd) != 0)) st = BEACON_ERR_IO;
    close(fd);
    if (st == BEACON_OK) {
        s->n.acked_records++;
        s->n.acked_events += rec->events;
        if (s->bseq == rec->seg && rec->off + BEACON__SPOOL_STATE_OFF < s->blen)
            s->buf[rec->off + BEACON__SPOOL_STATE_OFF] = acked;
        size_t next = rec->off + BEACON__SPOOL_REC_HDR + rec->len;
        if (s->cseq == rec->seg && s->coff == rec->off) s->coff = next;
        /* The last record of a segment nothing else keeps: delete it now,
         * so that the bytes pending drop to what is really pending. */
        if (s->cseq == rec->seg && !s->ckeep && next == (size_t)sb.st_size)
            remove_segment(s, rec->seg);
    }
    s->inflight = 0;
    close(lk);
    return st;
}
