/* sink_http.c — the HTTP sinks (otlp+, datadog+, cloudevents+, json+,
 * ndjson+, umami+ over http:// or https://). The worker hands each batch to
 * write(), which encodes every event in the sink's wire format (format/),
 * gathers them into requests by count, bytes and linger time, and returns at
 * once; requests go out through the transport thread (transport/), and each
 * outcome comes back in on_done, where it is retried, split or settled.
 * Every event the sink takes is settled exactly once: delivered, or dropped
 * as rejected, send_failed, too_large, buffer_full, sink_error or shutdown,
 * or, with a spool (spool/), spooled instead of send_failed, shutdown or
 * buffer_full: the uncompressed request body goes to disk as one record.
 * The spool is replayed on the transport thread, one request at a time,
 * when the sink starts and when the endpoint answers again.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "core/clock.h"
#include "core/diag.h"
#include "format/jread.h"
#include "format/wire.h"
#include "core/ids.h"
#include "core/state.h"
#include "sinks/sink.h"
#include "sinks/sink_http.h"
#include "spool/spool.h"
#include "transport/transport.h"

#define DEFAULT_TIMEOUT_MS   10000L
#define DEFAULT_RETRIES      5u
#define DEFAULT_CONCURRENCY  4u
#define DEFAULT_LINGER_MS    200
#define DEFAULT_BUFFER_BYTES (16u << 20)
#define BACKOFF_BASE_MS      100
#define BACKOFF_MAX_MS       5000
#define RETRY_AFTER_MAX_MS   30000
#define RETRY_WINDOW_MS      60000
#define MAX_HEADERS          24
#define SPARE_BUFFERS        8     /* request buffers kept for reuse */
#define REPLAY_RETRY_MIN_MS  1000  /* a failed replay is tried again after this, */
#define REPLAY_RETRY_MAX_MS  30000 /* doubling up to this (or at the next 2xx) */
#define SPOOL_RESERVE_MS     250   /* of a close deadline, kept for spooling what is left */

enum { COMP_NONE, COMP_GZIP, COMP_ZSTD };

typedef struct http_sink http_sink;

/* One event waiting or in a request: its encoded piece and its ticket. */
typedef struct held {
    size_t off, len;
    const beacon_event_desc *desc;
    beacon__ticket ticket;
} held;

/* One request: owns its pieces (to split on 413) and its body. */
typedef struct req {
    beacon__http_request http;
    http_sink *sink;
    char *pieces; /* the encoded events back to back */
    size_t pieces_cap;
    held *items;
    size_t n;
    char *body;
    size_t body_len, body_cap;
    size_t bytes; /* counted against max_buffer_bytes */
    unsigned attempt;
    int64_t first_ns;
    struct req *next;
    /* A replay of a spool record (no pieces, no tickets). */
    bool replay;
    beacon__spool_record rec;
} req;

struct http_sink {
    beacon__sink base;
    pid_t pid; /* the process that opened it */
    const beacon__wire_format *fmt;
    char *url;
    char *headers[MAX_HEADERS];
    size_t header_count;
    long timeout_ms;
    unsigned retries, concurrency;
    char *ca_file;
    bool insecure;
    bool dd_retry; /* Datadog also retries 408 and 500 */
    int compression;
    size_t batch, batch_bytes, max_buffer;
    int linger_ms;
    char *website, *ddtags;

    /* The format context, built on the first write from base.resource. */
    bool ctx_ready;
    beacon__wire_ctx ctx;
    char **res_keys, **res_values;
    size_t res_count;

    /* Worker only. */
    beacon__jdoc doc;
    beacon__wbuf piece;

    /* Shared with the transport thread. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    beacon__wbuf pend; /* events not yet in a request */
    held *pend_items;
    size_t npend, pend_cap;
    int64_t pend_since;
    bool timer_armed;
    beacon__http_request timer;
    size_t buffered;    /* bytes held: pending + every live request */
    size_t outstanding; /* requests not yet settled (queued, in flight, waiting to retry) */
    size_t inflight;    /* handed to the transport */
    req *queue, *queue_tail;
    bool closing;
    bool warned_rejected, warned_failed;

    /* Request buffers handed back by finished requests: fresh memory for
     * every request costs a page fault per 4 KiB. */
    pthread_mutex_t pool_mu;
    beacon__wbuf spare[SPARE_BUFFERS];
    size_t nspare;

    /* The spool: spool_dir NULL or "" means none. The store opens on
     * first use, on whichever thread needs it; spool_mu serialises every
     * use of it (appends on the worker or the transport thread, replay on
     * the transport thread). Never taken with mu held. */
    char *spool_dir;
    bool spool_from_spec; /* spool= given (else the pipeline's default) */
    uint64_t spool_max_bytes;
    beacon__spool_sync spool_sync;
    char *spool_identity;
    pthread_mutex_t spool_mu;
    beacon__spool *store;
    bool store_failed, warned_spool;
    bool replay_off;             /* an acknowledgement failed: replaying would resend forever */
    beacon__spool_counters seen; /* store counters already booked */
    _Atomic bool replay_wanted;  /* records may be waiting in the spool */

    /* Replay state, guarded by mu: one replay request at a time (counted
     * in outstanding while the replay runs), the start kick, and the timer
     * that tries again after a failure. */
    bool replaying;
    bool kick_armed, retry_armed;
    beacon__http_request kick, retry;
    int64_t replay_delay_ms;
    bool warned_replay;

    /* Worker only: events write() could not buffer (max_buffer_bytes). */
    beacon__wbuf over;
    held *over_items;
    size_t nover, over_cap;
};

static int64_t now_ns(void) {
    return beacon__clock_monotonic_ns();
}

/* ---- settling ------------------------------------------------------------------ */

static void settle(http_sink *s, const held *h, size_t n, int outcome) {
    for (size_t i = 0; i < n; i++) beacon__sink_settle(&s->base, h[i].ticket, outcome);
}

/* A buffer of at least `need` bytes when one is spare (its contents are
 * garbage), else an empty one; the caller grows it. */
static beacon__wbuf pool_take(http_sink *s, size_t need) {
    beacon__wbuf b = {0};
    pthread_mutex_lock(&s->pool_mu);
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < s->nspare; i++)
        if (best == SIZE_MAX || s->spare[i].cap > s->spare[best].cap) best = i;
    if (best != SIZE_MAX && (s->spare[best].cap >= need || s->nspare == SPARE_BUFFERS)) {
        b = s->spare[best];
        s->spare[best] = s->spare[--s->nspare];
    }
    pthread_mutex_unlock(&s->pool_mu);
    b.len = 0;
    b.failed = false;
    return b;
}

static void pool_give(http_sink *s, char *data, size_t cap) {
    if (!data) return;
    pthread_mutex_lock(&s->pool_mu);
    if (s->nspare < SPARE_BUFFERS) {
        s->spare[s->nspare++] = (beacon__wbuf){data, 0, cap, false};
        data = NULL;
    }
    pthread_mutex_unlock(&s->pool_mu);
    free(data);
}

static void req_free(req *r) {
    pool_give(r->sink, r->pieces, r->pieces_cap);
    pool_give(r->sink, r->body, r->body_cap);
    free(r->items);
    free(r);
}

/* ---- bodies -------------------------------------------------------------------- */

/* Compresses in[0..n) into out (grown as needed), on the worker: gzip at
 * level 1 (less than half the CPU time of zlib's default level 6 on
 * event batches, for bodies about a tenth larger), zstd at its default 3. */
static bool compress_body(int kind, const char *in, size_t n, beacon__wbuf *out) {
    if (kind == COMP_GZIP) {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return false;
        uLong cap = deflateBound(&z, (uLong)n);
        if (!beacon__wbuf_reserve(out, cap)) {
            deflateEnd(&z);
            return false;
        }
        char *buf = out->data;
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)n;
        z.next_out = (Bytef *)buf;
        z.avail_out = (uInt)cap;
        int rc = deflate(&z, Z_FINISH);
        out->len = z.total_out;
        deflateEnd(&z);
        return rc == Z_STREAM_END;
    }
    size_t cap = ZSTD_compressBound(n);
    if (!beacon__wbuf_reserve(out, cap)) return false;
    size_t got = ZSTD_compress(out->data, cap, in, n, 3);
    if (ZSTD_isError(got)) return false;
    out->len = got;
    return true;
}

/* Builds r->body from its pieces. */
static bool build_body(http_sink *s, req *r) {
    beacon__wire_piece stack[64] = {{0}};
    beacon__wire_piece *p = r->n <= 64 ? stack : malloc(r->n * sizeof *p);
    if (!p) return false;
    for (size_t i = 0; i < r->n; i++) {
        p[i].data = r->pieces + r->items[i].off;
        p[i].len = r->items[i].len;
        p[i].desc = r->items[i].desc;
    }
    beacon__wbuf body = pool_take(s, r->bytes + 1024);
    s->fmt->assemble(&s->ctx, p, r->n, &body);
    if (p != stack) free(p);
    if (body.failed) {
        beacon__wbuf_free(&body);
        return false;
    }
    pool_give(s, r->body, r->body_cap);
    r->body = NULL;
    r->body_cap = 0;
    if (s->compression != COMP_NONE) {
        beacon__wbuf z = pool_take(s, body.len / 2);
        bool ok = compress_body(s->compression, body.data, body.len, &z);
        pool_give(s, body.data, body.cap);
        if (!ok) {
            beacon__wbuf_free(&z);
            return false;
        }
        body = z;
    }
    r->body = body.data;
    r->body_len = body.len;
    r->body_cap = body.cap;
    return true;
}

static void on_done(beacon__http_request *hr, const beacon__http_result *res);

/* Points r's transport request at its body and the sink's settings. */
static void req_http_init(http_sink *s, req *r) {
    r->http.url = s->url;
    r->http.headers = (const char *const *)s->headers;
    r->http.header_count = s->header_count;
    r->http.body = r->body;
    r->http.body_len = r->body_len;
    r->http.timeout_ms = s->timeout_ms;
    r->http.ca_file = s->ca_file;
    r->http.insecure = s->insecure;
    r->http.group = s;
    r->http.done = on_done;
    r->http.user = r;
}

/* A request over items[0..n) of pieces (copied). NULL when out of memory. */
static req *req_new(http_sink *s, const char *pieces, const held *items, size_t n) {
    req *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->sink = s;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) bytes += items[i].len;
    beacon__wbuf pb = pool_take(s, bytes);
    beacon__wbuf_reserve(&pb, bytes ? bytes : 1);
    r->pieces = pb.data;
    r->pieces_cap = pb.cap;
    r->items = malloc(n * sizeof *r->items);
    if (pb.failed || !r->items) {
        req_free(r);
        return NULL;
    }
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(r->pieces + off, pieces + items[i].off, items[i].len);
        r->items[i] = items[i];
        r->items[i].off = off;
        off += items[i].len;
    }
    r->n = n;
    r->bytes = bytes;
    r->first_ns = now_ns();
    if (!build_body(s, r)) {
        req_free(r);
        return NULL;
    }
    req_http_init(s, r);
    return r;
}

static void enqueue_locked(http_sink *s, req *r, bool front) {
    s->outstanding++;
    if (front) {
        r->next = s->queue;
        s->queue = r;
        if (!s->queue_tail) s->queue_tail = r;
    } else {
        r->next = NULL;
        if (s->queue_tail)
            s->queue_tail->next = r;
        else
            s->queue = r;
        s->queue_tail = r;
    }
}

/* Takes the requests that may start now (up to concurrency) off the queue;
 * the caller submits them after unlocking. */
static req *take_startable_locked(http_sink *s) {
    req *out = NULL, **tail = &out;
    while (s->queue && s->inflight < s->concurrency && !s->closing) {
        req *r = s->queue;
        s->queue = r->next;
        if (!s->queue) s->queue_tail = NULL;
        r->next = NULL;
        *tail = r;
        tail = &r->next;
        s->inflight++;
    }
    return out;
}

static void submit_all(req *r) {
    while (r) {
        req *next = r->next;
        r->next = NULL;
        beacon__transport_submit(&r->http);
        r = next;
    }
}

/* Turns the pending events, in chunks of at most batch events and
 * batch_bytes bytes, into queued requests. */
static void cut_locked(http_sink *s) {
    size_t i = 0;
    while (i < s->npend) {
        size_t j = i, bytes = 0;
        while (j < s->npend && j - i < s->batch &&
               (j == i || bytes + s->pend_items[j].len <= s->batch_bytes)) {
            bytes += s->pend_items[j].len;
            j++;
        }
        req *r = req_new(s, s->pend.data, s->pend_items + i, j - i);
        if (!r) {
            for (size_t k = i; k < j; k++) s->buffered -= s->pend_items[k].len;
            settle(s, s->pend_items + i, j - i, BEACON__DROPPED_SINK_ERROR);
        } else {
            enqueue_locked(s, r, false);
        }
        i = j;
    }
    s->npend = 0;
    beacon__wbuf_reset(&s->pend);
}

/* ---- outcomes ------------------------------------------------------------------- */

static bool retryable(const http_sink *s, long status) {
    if (status == 0) return true; /* no response: connection failure or timeout */
    if (status == 429 || status == 502 || status == 503 || status == 504) return true;
    return s->dd_retry && (status == 408 || status == 500);
}

/* OTLP partial success: rejected_log_records in the response (protobuf
 * ExportLogsServiceResponse{1: ExportLogsPartialSuccess{1: int64}} or its
 * JSON form). */
static uint64_t partial_rejected(const http_sink *s, const char *b, size_t n) {
    if (!b || !n) return 0;
    if (s->fmt == &beacon__wire_otlp_json) {
        const char *k = strstr(b, "\"rejectedLogRecords\"");
        if (!k) return 0;
        k += strlen("\"rejectedLogRecords\"");
        while (*k == ' ' || *k == ':' || *k == '"') k++;
        return strtoull(k, NULL, 10);
    }
    if (s->fmt != &beacon__wire_otlp_proto) return 0;
    /* field 1, length-delimited, then inside: field 1 varint. */
    const uint8_t *p = (const uint8_t *)b, *e = p + n;
    while (p < e) {
        uint64_t key = 0;
        int shift = 0;
        while (p < e && shift < 64) {
            key |= (uint64_t)(*p & 0x7F) << shift;
            shift += 7;
            if (!(*p++ & 0x80)) break;
        }
        if ((key & 7) != 2) return 0;
        uint64_t len = 0;
        shift = 0;
        while (p < e && shift < 64) {
            len |= (uint64_t)(*p & 0x7F) << shift;
            shift += 7;
            if (!(*p++ & 0x80)) break;
        }
        if (len > (uint64_t)(e - p)) return 0;
        if ((key >> 3) == 1) {
            const uint8_t *q = p, *qe = p + len;
            while (q < qe) {
                uint8_t tag = *q++;
                uint64_t v = 0;
                shift = 0;
                if ((tag & 7) == 0) {
                    while (q < qe && shift < 64) {
                        v |= (uint64_t)(*q & 0x7F) << shift;
                        shift += 7;
                        if (!(*q++ & 0x80)) break;
                    }
                    if ((tag >> 3) == 1) return v;
                } else if ((tag & 7) == 2) {
                    while (q < qe && shift < 64) {
                        v |= (uint64_t)(*q & 0x7F) << shift;
                        shift += 7;
                        if (!(*q++ & 0x80)) break;
                    }
                    q += v;
                } else {
                    return 0;
                }
            }
            return 0;
        }
        p += len;
    }
    return 0;
}

/* Full jitter: a uniform delay in [0, min(cap, base * 2^attempt)). */
static int64_t backoff_ms(unsigned attempt) {
    int64_t cap = BACKOFF_BASE_MS;
    for (unsigned i = 0; i < attempt && cap < BACKOFF_MAX_MS; i++) cap *= 2;
    if (cap > BACKOFF_MAX_MS) cap = BACKOFF_MAX_MS;
    return (int64_t)(beacon__rand_unit() * (double)cap);
}

/* ---- the spool -------------------------------------------------------------------- */

static bool spool_on(const http_sink *s) {
    return s->spool_dir && s->spool_dir[0];
}

/* The format id of this sink's spool records: a record is replayed only by
 * a sink of the same identity and format. The numbers never change. */
static uint16_t spool_format_id(const beacon__wire_format *f) {
    static const beacon__wire_format *const ids[] = {
        NULL,
        &beacon__wire_otlp_proto,
        &beacon__wire_otlp_json,
        &beacon__wire_datadog,
        &beacon__wire_cloudevents,
        &beacon__wire_cloudevents_structured,
        &beacon__wire_json,
        &beacon__wire_json_single,
        &beacon__wire_ndjson,
        &beacon__wire_umami,
    };
    for (uint16_t i = 1; i < sizeof ids / sizeof ids[0]; i++)
        if (ids[i] == f) return i;
    return 0;
}

/* Books what the store counted since the last call (evicted events,
 * damaged records) and the bytes its directory holds. Caller holds
 * spool_mu. */
static void store_book_locked(http_sink *s) {
    beacon__spool_counters c;
    beacon__spool_counters_get(s->store, &c);
    beacon__sink_count(&s->base, BEACON__DROPPED_SPOOL_EVICT,
                       c.evicted_events - s->seen.evicted_events);
    beacon__sink_count(&s->base, BEACON__SPOOL_CORRUPT, c.corrupt - s->seen.corrupt);
    s->seen = c;
    uint64_t bytes;
    if (beacon__spool_pending_bytes(s->store, &bytes) == BEACON_OK)
        beacon__sink_spool_bytes(&s->base, bytes);
}

/* The store, opened on first use; NULL (said once) when it cannot be.
 * Caller holds spool_mu. */
static beacon__spool *store_locked(http_sink *s) {
    if (s->store || s->store_failed || !spool_on(s)) return s->store;
    beacon__spool_options o = {
        s->spool_dir, s->spool_identity, spool_format_id(s->fmt), s->spool_max_bytes, 0,
        s->spool_sync};
    char err[256];
    if (beacon__spool_open(&o, &s->store, err, sizeof err) != BEACON_OK) {
        s->store = NULL;
        s->store_failed = true;
        beacon__warn(BEACON_ERR_IO, "%s sink: no spool: %s; what it cannot deliver is dropped",
                     s->fmt->name, err);
        return NULL;
    }
    store_book_locked(s);
    return s->store;
}

/* Appends one record: an uncompressed request body of `events` events.
 * False (said once) when the spool did not take it. */
static bool spool_put(http_sink *s, const char *body, size_t len, size_t events) {
    pthread_mutex_lock(&s->spool_mu);
    beacon__spool *st = store_locked(s);
    beacon_status rc = st ? beacon__spool_append(st, body, len, (uint32_t)events) : BEACON_ERR_IO;
    int err_no = errno;
    if (st) store_book_locked(s);
    bool warn = st && rc != BEACON_OK && !s->warned_spool;
    if (warn) s->warned_spool = true;
    pthread_mutex_unlock(&s->spool_mu);
    if (warn)
        beacon__warn(BEACON_ERR_IO,
                     "%s sink: cannot write to the spool (%s); what it cannot deliver is dropped",
                     s->fmt->name,
                     rc == BEACON_ERR_INVALID_ARGUMENT ? "a batch larger than spool_max_bytes"
                                                       : strerror(err_no));
    if (rc == BEACON_OK) atomic_store(&s->replay_wanted, true);
    return rc == BEACON_OK;
}

/* Settles items[0..n) (their pieces in `pieces`) with outcome; or, when a
 * spool takes them instead (send_failed, shutdown, buffer_full), as
 * spooled: one record per request-sized chunk, whose body is assembled as
 * it would be sent, uncompressed. What the spool refuses keeps outcome.
 * Never called with mu held. */
static void settle_or_spool(http_sink *s, const char *pieces, const held *items, size_t n,
                            int outcome) {
    bool spoolable = outcome == BEACON__DROPPED_SEND_FAILED ||
                     outcome == BEACON__DROPPED_SHUTDOWN || outcome == BEACON__DROPPED_BUFFER_FULL;
    size_t most = n < s->batch ? n : s->batch;
    beacon__wire_piece *p = spoolable && spool_on(s) && n ? malloc(most * sizeof *p) : NULL;
    if (!p) {
        settle(s, items, n, outcome);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i, bytes = 0;
        while (j < n && j - i < most && (j == i || bytes + items[j].len <= s->batch_bytes)) {
            p[j - i] = (beacon__wire_piece){pieces + items[j].off, items[j].len, items[j].desc};
            bytes += items[j].len;
            j++;
        }
        beacon__wbuf body = pool_take(s, bytes + 1024);
        s->fmt->assemble(&s->ctx, p, j - i, &body);
        bool ok = !body.failed && spool_put(s, body.data, body.len, j - i);
        pool_give(s, body.data, body.cap);
        settle(s, items + i, j - i, ok ? BEACON__SPOOLED : outcome);
        i = j;
    }
    free(p);
}

/* Replay: one request at a time per sink, beside the live ones, oldest
 * record first, on the transport thread. s->replaying (with an
 * outstanding count, so that flush and close wait for it) is set from the
 * start of a replay to its end. */

static void replay_end(http_sink *s) {
    /* A record still out is not coming back acknowledged. */
    pthread_mutex_lock(&s->spool_mu);
    if (s->store) {
        beacon__spool_release(s->store);
        store_book_locked(s);
    }
    pthread_mutex_unlock(&s->spool_mu);
    pthread_mutex_lock(&s->mu);
    s->replaying = false;
    s->outstanding--;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* A request sending rec again (body copied and compressed as configured);
 * NULL when out of memory. */
static req *replay_req_new(http_sink *s, const beacon__spool_record *rec) {
    req *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->sink = s;
    r->replay = true;
    r->rec = *rec;
    r->rec.bytes = NULL; /* valid only until the store's next call */
    beacon__wbuf b = pool_take(s, rec->len);
    if (s->compression != COMP_NONE) {
        if (!compress_body(s->compression, (const char *)rec->bytes, rec->len, &b)) b.failed = true;
    } else {
        beacon__wbuf_put(&b, (const char *)rec->bytes, rec->len);
    }
    r->body = b.data;
    r->body_len = b.len;
    r->body_cap = b.cap;
    if (b.failed) {
        req_free(r);
        return NULL;
    }
    r->first_ns = now_ns();
    req_http_init(s, r);
    return r;
}

/* Sends the oldest pending record, or ends the replay when there is none
 * (or another process replays this directory, or the sink closes). */
static void replay_step(http_sink *s) {
    pthread_mutex_lock(&s->mu);
    bool closing = s->closing;
    pthread_mutex_unlock(&s->mu);
    req *r = NULL;
    bool found = false;
    if (!closing) {
        pthread_mutex_lock(&s->spool_mu);
        beacon__spool *st = s->replay_off ? NULL : store_locked(s);
        beacon__spool_record rec;
        if (st && beacon__spool_next(st, &rec, &found) == BEACON_OK && found)
            r = replay_req_new(s, &rec);
        if (st) store_book_locked(s);
        pthread_mutex_unlock(&s->spool_mu);
        if (!found) atomic_store(&s->replay_wanted, false);
    }
    if (!r) {
        replay_end(s);
        return;
    }
    beacon__transport_submit(&r->http);
}

/* Starts a replay unless one runs or the sink closes. Transport thread. */
static void replay_start(http_sink *s) {
    pthread_mutex_lock(&s->mu);
    bool go = !s->closing && !s->replaying && spool_on(s);
    if (go) {
        s->replaying = true;
        s->outstanding++;
    }
    pthread_mutex_unlock(&s->mu);
    if (go) replay_step(s);
}

static void on_retry_timer(beacon__http_request *hr, const beacon__http_result *res) {
    http_sink *s = hr->user;
    pthread_mutex_lock(&s->mu);
    s->retry_armed = false;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (!res->aborted) replay_start(s);
}

/* After a replay request found the endpoint down: ends the replay and
 * tries again later (sooner when a live request succeeds). */
static void replay_fail(http_sink *s, const beacon__http_result *res) {
    pthread_mutex_lock(&s->mu);
    bool arm = !s->closing && !s->retry_armed;
    int64_t delay = s->replay_delay_ms ? s->replay_delay_ms * 2 : REPLAY_RETRY_MIN_MS;
    if (delay > REPLAY_RETRY_MAX_MS) delay = REPLAY_RETRY_MAX_MS;
    if (res->retry_after_ms > delay) delay = res->retry_after_ms;
    s->replay_delay_ms = delay;
    if (arm) {
        s->retry_armed = true;
        memset(&s->retry, 0, sizeof s->retry);
        s->retry.group = s;
        s->retry.done = on_retry_timer;
        s->retry.user = s;
        s->retry.not_before_ns = now_ns() + delay * 1000000;
    }
    bool warn = !s->warned_replay;
    s->warned_replay = true;
    pthread_mutex_unlock(&s->mu);
    if (warn)
        beacon__diag(BEACON_ERR_IO, "%s sink: the spool's replay paused: %s", s->fmt->name,
                     res->status ? "the server answered with a retryable status"
                                 : (res->error ? res->error : "no response"));
    replay_end(s);
    if (arm) beacon__transport_submit(&s->retry);
}

/* The outcome of a replay request: a 2xx, a 413 or another refusal
 * settles the record (acknowledged, its events counted replayed and
 * delivered, too large or rejected) and the next one goes; an abort leaves
 * it in the spool; a retryable failure pauses the replay. */
static void on_replay_done(req *r, const beacon__http_result *res) {
    http_sink *s = r->sink;
    long st = res->status;
    int outcome = BEACON__DROPPED_REJECTED;
    if (st >= 200 && st < 300) outcome = BEACON__DELIVERED;
    if (st == 413) outcome = BEACON__DROPPED_TOO_LARGE;
    if (res->aborted || retryable(s, st)) {
        req_free(r);
        if (res->aborted)
            replay_end(s);
        else
            replay_fail(s, res);
        return;
    }
    uint64_t events = r->rec.events, rejected = 0;
    if (outcome == BEACON__DELIVERED) {
        rejected = partial_rejected(s, res->body, res->body_len);
        if (rejected > events) rejected = events;
    }
    pthread_mutex_lock(&s->spool_mu);
    bool acked = s->store && beacon__spool_ack(s->store, &r->rec) == BEACON_OK;
    if (s->store) store_book_locked(s);
    if (!acked) s->replay_off = true;
    pthread_mutex_unlock(&s->spool_mu);
    req_free(r);
    if (!acked)
        beacon__warn(BEACON_ERR_IO,
                     "%s sink: cannot mark a replayed spool record as sent; replay stops for "
                     "this run (the record will be sent again by a later one)",
                     s->fmt->name);
    if (outcome == BEACON__DELIVERED) {
        beacon__sink_replayed(&s->base, BEACON__DELIVERED, events - rejected);
        beacon__sink_replayed(&s->base, BEACON__DROPPED_REJECTED, rejected);
    } else {
        beacon__sink_replayed(&s->base, outcome, events);
    }
    if (!acked) {
        replay_end(s);
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->replay_delay_ms = 0;
    bool warn = outcome == BEACON__DROPPED_REJECTED && !s->warned_rejected;
    if (warn) s->warned_rejected = true;
    pthread_mutex_unlock(&s->mu);
    if (warn)
        beacon__diag(BEACON_ERR_IO, "%s sink: the server rejected a replayed request with HTTP %ld",
                     s->fmt->name, st);
    replay_step(s);
}

static void on_kick(beacon__http_request *hr, const beacon__http_result *res) {
    http_sink *s = hr->user;
    pthread_mutex_lock(&s->mu);
    s->kick_armed = false;
    pthread_mutex_unlock(&s->mu);
    if (res->aborted)
        replay_end(s);
    else
        replay_step(s);
}

/* Finishes r: settles its events (or spools them), frees it, lets the next
 * request start. */
static void retire(http_sink *s, req *r, int outcome, size_t rejected_tail) {
    size_t ok = r->n - (rejected_tail < r->n ? rejected_tail : r->n);
    if (outcome == BEACON__DELIVERED) {
        settle(s, r->items, ok, BEACON__DELIVERED);
        settle(s, r->items + ok, r->n - ok, BEACON__DROPPED_REJECTED);
    } else {
        settle_or_spool(s, r->pieces, r->items, r->n, outcome);
    }
    pthread_mutex_lock(&s->mu);
    s->inflight--;
    s->buffered -= r->bytes;
    s->outstanding--;
    req *next = take_startable_locked(s);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    req_free(r);
    submit_all(next);
}

static void on_done(beacon__http_request *hr, const beacon__http_result *res) {
    req *r = hr->user;
    http_sink *s = r->sink;
    if (r->replay) {
        on_replay_done(r, res);
        return;
    }
    pthread_mutex_lock(&s->mu);
    bool closing = s->closing;
    pthread_mutex_unlock(&s->mu);

    if (res->aborted) {
        retire(s, r, BEACON__DROPPED_SHUTDOWN, 0);
        return;
    }
    long st = res->status;
    if (st >= 200 && st < 300) {
        retire(s, r, BEACON__DELIVERED, partial_rejected(s, res->body, res->body_len));
        /* The endpoint answers: what the spool holds may go now. */
        if (atomic_load(&s->replay_wanted)) replay_start(s);
        return;
    }
    if (st == 413 && r->n > 1 && !closing) {
        /* Too large: the halves go again, each on its own. */
        size_t half = r->n / 2;
        req *a = req_new(s, r->pieces, r->items, half);
        req *b = req_new(s, r->pieces, r->items + half, r->n - half);
        if (a && b) {
            pthread_mutex_lock(&s->mu);
            s->buffered += a->bytes + b->bytes;
            enqueue_locked(s, b, true);
            enqueue_locked(s, a, true);
            pthread_mutex_unlock(&s->mu);
            free(r->items);
            r->items = NULL;
            r->n = 0;
            retire(s, r, BEACON__DROPPED_SINK_ERROR, 0);
            return;
        }
        if (a) req_free(a);
        if (b) req_free(b);
        retire(s, r, BEACON__DROPPED_SINK_ERROR, 0);
        return;
    }
    if (st == 413) {
        retire(s, r, BEACON__DROPPED_TOO_LARGE, 0);
        return;
    }
    if (retryable(s, st)) {
        int64_t delay = res->retry_after_ms >= 0 ? res->retry_after_ms : backoff_ms(r->attempt);
        if (delay > RETRY_AFTER_MAX_MS) delay = RETRY_AFTER_MAX_MS;
        int64_t at = now_ns() + delay * 1000000;
        bool in_window = at - r->first_ns <= (int64_t)RETRY_WINDOW_MS * 1000000;
        if (!closing && r->attempt < s->retries && in_window) {
            r->attempt++;
            beacon__sink_count(&s->base, BEACON__RETRIES, 1);
            r->http.not_before_ns = at;
            /* Still counted in flight: close() cancels until it comes back. */
            beacon__transport_submit(&r->http);
            return;
        }
        if (closing) {
            retire(s, r, BEACON__DROPPED_SHUTDOWN, 0);
            return;
        }
        if (!s->warned_failed) {
            s->warned_failed = true;
            beacon__diag(BEACON_ERR_IO, "%s sink: gave up on a request after %u attempts: %s",
                         s->fmt->name, r->attempt + 1,
                         st ? "the server kept answering with a retryable status"
                            : (res->error ? res->error : "no response"));
        }
        retire(s, r, BEACON__DROPPED_SEND_FAILED, 0);
        return;
    }
    if (!s->warned_rejected) {
        s->warned_rejected = true;
        beacon__diag(BEACON_ERR_IO, "%s sink: the server rejected a request with HTTP %ld",
                     s->fmt->name, st);
    }
    retire(s, r, BEACON__DROPPED_REJECTED, 0);
}

/* The linger timer: on the transport thread, turns what waits into
 * requests. */
static void on_timer(beacon__http_request *hr, const beacon__http_result *res) {
    http_sink *s = hr->user;
    pthread_mutex_lock(&s->mu);
    s->timer_armed = false;
    req *go = NULL;
    if (!res->aborted && !s->closing) {
        cut_locked(s);
        go = take_startable_locked(s);
    }
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    submit_all(go);
}

/* ---- the format context --------------------------------------------------------- */

static char *dup_tok(const beacon__jtok *t) {
    beacon__wbuf b = {0};
    beacon__jtok_unescape(t, &b);
    beacon__wbuf_putc(&b, '\0');
    if (b.failed) {
        beacon__wbuf_free(&b);
        return NULL;
    }
    return b.data;
}

static void build_ctx(http_sink *s) {
    s->ctx_ready = true;
    s->ctx.service = "unknown_service";
    s->ctx.website = s->website;
    s->ctx.ddtags = s->ddtags;
    if (!s->base.resource) return;
    s->ctx.resource_json = s->base.resource;
    s->ctx.resource_json_len = s->base.resource_len;
    beacon__jdoc d = {0};
    if (beacon__jdoc_parse(&d, s->base.resource, s->base.resource_len) &&
        d.t[0].kind == BEACON__J_OBJ) {
        size_t n = d.t[0].count;
        s->res_keys = calloc(n ? n : 1, sizeof *s->res_keys);
        s->res_values = calloc(n ? n : 1, sizeof *s->res_values);
        if (s->res_keys && s->res_values) {
            size_t i = 1;
            for (size_t k = 0; k < n; k++) {
                const beacon__jtok *v = &d.t[i + 1];
                if (v->kind == BEACON__J_STR) {
                    char *key = dup_tok(&d.t[i]), *val = dup_tok(v);
                    if (key && val) {
                        s->res_keys[s->res_count] = key;
                        s->res_values[s->res_count++] = val;
                        if (strcmp(key, "service.name") == 0) s->ctx.service = val;
                        if (strcmp(key, "host.name") == 0) s->ctx.hostname = val;
                    } else {
                        free(key);
                        free(val);
                    }
                }
                i = d.t[i + 1].end;
            }
        }
    }
    beacon__jdoc_free(&d);
    s->ctx.res_keys = (const char *const *)s->res_keys;
    s->ctx.res_values = (const char *const *)s->res_values;
    s->ctx.res_count = s->res_count;
}

/* ---- the sink interface (worker thread) ------------------------------------------ */

static bool pend_reserve_locked(http_sink *s) {
    if (s->npend < s->pend_cap) return true;
    size_t ncap = s->pend_cap ? s->pend_cap * 2 : 64;
    held *h = realloc(s->pend_items, ncap * sizeof *h);
    if (!h) return false;
    s->pend_items = h;
    s->pend_cap = ncap;
    return true;
}

/* Keeps an event the buffer has no room for, to be spooled after write()
 * (worker only). False when out of memory. */
static bool over_put(http_sink *s, const char *piece, size_t len, const beacon_event_desc *desc,
                     beacon__ticket t) {
    if (s->nover == s->over_cap) {
        size_t ncap = s->over_cap ? s->over_cap * 2 : 64;
        held *h = realloc(s->over_items, ncap * sizeof *h);
        if (!h) return false;
        s->over_items = h;
        s->over_cap = ncap;
    }
    size_t off = s->over.len;
    beacon__wbuf_put(&s->over, piece, len);
    if (s->over.failed) {
        s->over.failed = false;
        s->over.len = off;
        return false;
    }
    s->over_items[s->nover++] = (held){off, len, desc, t};
    return true;
}

static void arm_timer_locked(http_sink *s) {
    if (s->timer_armed || s->npend == 0 || s->closing) return;
    s->timer_armed = true;
    memset(&s->timer, 0, sizeof s->timer);
    s->timer.group = s;
    s->timer.done = on_timer;
    s->timer.user = s;
    s->timer.not_before_ns = s->pend_since + (int64_t)s->linger_ms * 1000000;
}

static beacon_status http_write(beacon__sink *base, const beacon__batch *batch, size_t *delivered) {
    http_sink *s = (http_sink *)base;
    *delivered = 0;
    if (!s->ctx_ready) build_ctx(s);
    s->ctx.observed_ns = beacon__clock_realtime_ns(); /* once per batch, not per event */
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < batch->count; i++) {
        const beacon__batch_item *it = &batch->records[i];
        beacon__ticket t = base->tickets[i];
        beacon__wbuf_reset(&s->piece);
        pthread_mutex_unlock(&s->mu);
        bool ok = beacon__jdoc_parse(&s->doc, it->json, it->len) &&
                  s->fmt->encode(&s->ctx, &s->doc, it->json, it->len, it->desc, &s->piece);
        pthread_mutex_lock(&s->mu);
        if (!ok) {
            beacon__sink_settle(base, t, BEACON__DROPPED_SINK_ERROR);
            continue;
        }
        size_t len = s->piece.len;
        size_t limit = s->fmt->max_event_bytes;
        if ((limit && len > limit) || (s->batch_bytes && len > s->batch_bytes)) {
            beacon__sink_settle(base, t, BEACON__DROPPED_TOO_LARGE);
            continue;
        }
        if (s->buffered + len > s->max_buffer) {
            if (!spool_on(s) || !over_put(s, s->piece.data, len, it->desc, t))
                beacon__sink_settle(base, t, BEACON__DROPPED_BUFFER_FULL);
            continue;
        }
        if (!pend_reserve_locked(s)) {
            beacon__sink_settle(base, t, BEACON__DROPPED_SINK_ERROR);
            continue;
        }
        size_t off = s->pend.len;
        beacon__wbuf_put(&s->pend, s->piece.data, len);
        if (s->pend.failed) {
            s->pend.failed = false;
            s->pend.len = off;
            beacon__sink_settle(base, t, BEACON__DROPPED_SINK_ERROR);
            continue;
        }
        if (s->npend == 0) s->pend_since = now_ns();
        s->pend_items[s->npend++] = (held){off, len, it->desc, t};
        s->buffered += len;
        if (s->npend >= s->batch || s->pend.len >= s->batch_bytes) cut_locked(s);
    }
    bool arm = !s->timer_armed && s->npend > 0 && !s->closing;
    if (arm) arm_timer_locked(s);
    req *go = take_startable_locked(s);
    pthread_mutex_unlock(&s->mu);
    if (arm) beacon__transport_submit(&s->timer);
    submit_all(go);
    if (s->nover) {
        settle_or_spool(s, s->over.data, s->over_items, s->nover, BEACON__DROPPED_BUFFER_FULL);
        s->nover = 0;
        beacon__wbuf_reset(&s->over);
    }
    return BEACON_OK;
}

/* Waits until nothing is outstanding or the deadline passes. */
static beacon_status wait_idle(http_sink *s, int timeout_ms) {
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ns() + (int64_t)timeout_ms * 1000000;
    pthread_mutex_lock(&s->mu);
    cut_locked(s);
    req *go = take_startable_locked(s);
    pthread_mutex_unlock(&s->mu);
    submit_all(go);
    pthread_mutex_lock(&s->mu);
    while (s->outstanding > 0) {
        int64_t left = deadline - now_ns();
        if (left <= 0) break;
        if (deadline == INT64_MAX) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        if (left > 50000000) left = 50000000; /* re-check the clock now and then */
        int64_t abs = beacon__clock_realtime_ns() + left;
        struct timespec ts = {(time_t)(abs / 1000000000), (long)(abs % 1000000000)};
        pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    bool idle = s->outstanding == 0;
    pthread_mutex_unlock(&s->mu);
    return idle ? BEACON_OK : BEACON_ERR_TIMEOUT;
}

/* In a forked child, an inherited sink belongs to the parent: its locks may
 * have been held by the parent's threads and its requests are the parent's
 * to finish. The child leaves it alone (and its memory behind). */
static bool inherited(const http_sink *s) {
    return s->pid != getpid();
}

static beacon_status http_flush(beacon__sink *base, int timeout_ms) {
    if (inherited((http_sink *)base)) return BEACON_OK;
    return wait_idle((http_sink *)base, timeout_ms);
}

static void sink_free(http_sink *s) {
    free(s->url);
    for (size_t i = 0; i < s->header_count; i++) free(s->headers[i]);
    free(s->ca_file);
    free(s->website);
    free(s->ddtags);
    for (size_t i = 0; i < s->res_count; i++) {
        free(s->res_keys[i]);
        free(s->res_values[i]);
    }
    free(s->res_keys);
    free(s->res_values);
    beacon__jdoc_free(&s->doc);
    beacon__wbuf_free(&s->piece);
    beacon__wbuf_free(&s->pend);
    free(s->pend_items);
    beacon__wbuf_free(&s->over);
    free(s->over_items);
    beacon__spool_close(s->store);
    free(s->spool_dir);
    free(s->spool_identity);
    for (size_t i = 0; i < s->nspare; i++) beacon__wbuf_free(&s->spare[i]);
    pthread_mutex_destroy(&s->spool_mu);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

static beacon_status http_close(beacon__sink *base, int timeout_ms) {
    http_sink *s = (http_sink *)base;
    if (inherited(s)) {
        /* The parent's spool locks stay the parent's. */
        beacon__spool_after_fork_child(s->store);
        return BEACON_OK;
    }
    /* With a spool, part of the deadline is kept for writing to it. */
    int wait_ms = timeout_ms;
    if (spool_on(s) && timeout_ms > 0)
        wait_ms -= timeout_ms / 4 < SPOOL_RESERVE_MS ? timeout_ms / 4 : SPOOL_RESERVE_MS;
    beacon_status st = wait_idle(s, wait_ms);
    /* What is still out is abandoned: in-flight transfers aborted, queued
     * requests and retries never sent; their events count as
     * dropped_shutdown, or spooled. A replay in flight leaves its record in
     * the spool. A retry resubmitted while the first cancel ran is caught
     * by the next one: the transport must hold nothing of this sink once
     * it is freed. */
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    req *q = s->queue;
    s->queue = s->queue_tail = NULL;
    pthread_mutex_unlock(&s->mu);
    for (int round = 0;; round++) {
        beacon__transport_cancel(s);
        pthread_mutex_lock(&s->mu);
        bool clear = s->inflight == 0 && !s->timer_armed && !s->replaying && !s->kick_armed &&
                     !s->retry_armed;
        pthread_mutex_unlock(&s->mu);
        if (clear || round == 1000) break;
    }
    while (q) {
        req *next = q->next;
        settle_or_spool(s, q->pieces, q->items, q->n, BEACON__DROPPED_SHUTDOWN);
        pthread_mutex_lock(&s->mu);
        s->outstanding--;
        s->buffered -= q->bytes;
        pthread_mutex_unlock(&s->mu);
        req_free(q);
        q = next;
    }
    /* Nothing else touches the pending events once closing is set. */
    settle_or_spool(s, s->pend.data, s->pend_items, s->npend, BEACON__DROPPED_SHUTDOWN);
    s->npend = 0;
    beacon__transport_release();
    sink_free(s);
    return st;
}

/* Once the pipeline attached its settings: the spool root (spool=, else
 * the pipeline's default), and with a spool a replay of what earlier runs
 * left, on the transport thread. */
static void http_start(beacon__sink *base) {
    http_sink *s = (http_sink *)base;
    if (!s->spool_from_spec && base->spool_dir && base->spool_dir[0])
        s->spool_dir = strdup(base->spool_dir);
    if (!spool_on(s)) return;
    atomic_store(&s->replay_wanted, true);
    pthread_mutex_lock(&s->mu);
    s->replaying = true;
    s->outstanding++;
    s->kick_armed = true;
    memset(&s->kick, 0, sizeof s->kick);
    s->kick.group = s;
    s->kick.done = on_kick;
    s->kick.user = s;
    pthread_mutex_unlock(&s->mu);
    beacon__transport_submit(&s->kick);
}

static const beacon__sink_vtable k_http_vt = {.scheme = "http",
                                              .write = http_write,
                                              .flush = http_flush,
                                              .close = http_close,
                                              .start = http_start};

/* ---- opening ------------------------------------------------------------------------- */

static bool add_header(http_sink *s, const char *name, const char *value) {
    if (s->header_count == MAX_HEADERS) return false;
    size_t n = strlen(name) + strlen(value) + 3;
    char *h = malloc(n);
    if (!h) return false;
    snprintf(h, n, "%s: %s", name, value);
    s->headers[s->header_count++] = h;
    return true;
}

static beacon_status header_into_sink(void *user, const char *name, const char *value) {
    return add_header(user, name, value) ? BEACON_OK : BEACON_ERR_SINK_SPEC;
}

static bool opt_u64(const beacon__sink_spec *spec, const char *key, uint64_t lo, uint64_t hi,
                    uint64_t *out, char *err, size_t err_cap) {
    const char *v = beacon__sink_spec_option(spec, key);
    if (!v) return true;
    uint64_t x;
    if (!beacon__parse_u64(v, &x) || x < lo || x > hi) {
        snprintf(err, err_cap, "option %s wants an integer from %llu to %llu", key,
                 (unsigned long long)lo, (unsigned long long)hi);
        return false;
    }
    *out = x;
    return true;
}

beacon_status beacon__sink_http_open(const beacon__sink_spec *spec, beacon__sink **out, char *err,
                                     size_t err_cap) {
    beacon__http_target tgt;
    beacon_status st = beacon__http_target_parse(spec, &tgt, err, err_cap);
    if (st != BEACON_OK) return st;
    http_sink *s = calloc(1, sizeof *s);
    if (!s) return BEACON_ERR_NO_MEMORY;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_mutex_init(&s->spool_mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->base.vt = &k_http_vt;
    s->pid = getpid();
    s->base.format = BEACON__FORMAT_CANONICAL;
    s->base.async = true;
    s->fmt = tgt.format;
    s->url = tgt.url;
    s->dd_retry = tgt.format == &beacon__wire_datadog;
    s->timeout_ms = tgt.timeout_ms;
    s->retries = DEFAULT_RETRIES;
    s->concurrency = DEFAULT_CONCURRENCY;
    s->linger_ms = DEFAULT_LINGER_MS;
    s->max_buffer = DEFAULT_BUFFER_BYTES;
    s->batch = s->fmt->batch;
    s->batch_bytes = s->fmt->max_batch_bytes ? s->fmt->max_batch_bytes : SIZE_MAX;
    s->compression = tgt.compression;
    s->ctx.events_only = tgt.events_only;
    s->spool_dir = tgt.spool_dir;
    s->spool_from_spec = tgt.spool_dir != NULL;
    tgt.spool_dir = NULL;
    s->spool_max_bytes = tgt.spool_max_bytes;
    s->spool_sync = tgt.spool_sync;
    if (tgt.grpc) beacon__http_warn_grpc_once();
    uint64_t v;
    bool ok = true;
    v = s->batch;
    ok = ok && opt_u64(spec, "batch", 1, s->fmt->max_batch, &v, err, err_cap);
    s->batch = (size_t)v;
    v = s->batch_bytes;
    ok = ok &&
         opt_u64(spec, "batch_bytes", 1,
                 s->fmt->max_batch_bytes ? s->fmt->max_batch_bytes : UINT32_MAX, &v, err, err_cap);
    s->batch_bytes = (size_t)v;
    v = (uint64_t)s->linger_ms;
    ok = ok && opt_u64(spec, "linger_ms", 0, 60000, &v, err, err_cap);
    s->linger_ms = (int)v;
    v = s->retries;
    ok = ok && opt_u64(spec, "retries", 0, 100, &v, err, err_cap);
    s->retries = (unsigned)v;
    v = s->concurrency;
    ok = ok && opt_u64(spec, "concurrency", 1, 64, &v, err, err_cap);
    s->concurrency = (unsigned)v;
    v = s->max_buffer;
    ok = ok && opt_u64(spec, "max_buffer_bytes", 1024, UINT32_MAX, &v, err, err_cap);
    s->max_buffer = (size_t)v;
    const char *o;
    if (ok && (o = beacon__sink_spec_option(spec, "ca_file")) != NULL)
        ok = (s->ca_file = strdup(o));
    o = beacon__sink_spec_option(spec, "insecure");
    s->insecure = o && strcmp(o, "1") == 0;
    if (ok && (o = beacon__sink_spec_option(spec, "website")) != NULL)
        ok = (s->website = strdup(o));
    if (ok && tgt.ddtags) ok = (s->ddtags = strdup(tgt.ddtags));
    if (ok) {
        /* What names the sink's spool directory (hashed; never written). */
        size_t n = strlen(s->fmt->name) + strlen(s->url) + 2;
        ok = (s->spool_identity = malloc(n)) != NULL;
        if (ok) snprintf(s->spool_identity, n, "%s %s", s->fmt->name, s->url);
    }
    if (ok) ok = add_header(s, "Content-Type", s->fmt->content_type);
    if (ok && s->compression == COMP_GZIP) ok = add_header(s, "Content-Encoding", "gzip");
    if (ok && s->compression == COMP_ZSTD) ok = add_header(s, "Content-Encoding", "zstd");
    if (ok && tgt.api_key) ok = add_header(s, "DD-API-KEY", tgt.api_key);
    if (ok && tgt.authorization) ok = add_header(s, "Authorization", tgt.authorization);
    if (ok && tgt.env_headers)
        ok = beacon__http_headers_parse(tgt.env_headers, header_into_sink, s, err, err_cap) ==
             BEACON_OK;
    if (ok && (o = beacon__sink_spec_option(spec, "headers")) != NULL)
        ok = beacon__http_headers_parse(o, header_into_sink, s, err, err_cap) == BEACON_OK;
    tgt.url = NULL;
    beacon__http_target_free(&tgt);
    if (!ok) {
        if (!*err) snprintf(err, err_cap, "cannot set up the HTTP sink (out of memory)");
        sink_free(s);
        return BEACON_ERR_SINK_SPEC;
    }
    if (beacon__transport_acquire() != BEACON_OK) {
        snprintf(err, err_cap, "libcurl could not be initialised");
        sink_free(s);
        return BEACON_ERR_IO;
    }
    *out = &s->base;
    return BEACON_OK;
}

/* ---- the schemes ---------------------------------------------------------------------- */

static beacon_status http_open(const beacon__sink_spec *spec, const beacon__callback_target *cb,
                               beacon__sink **out, char *err, size_t err_cap) {
    (void)cb;
    return beacon__sink_http_open(spec, out, err, err_cap);
}

static beacon_status http_check(const beacon__sink_spec *spec, char *err, size_t err_cap) {
    beacon__http_target t;
    beacon_status st = beacon__http_target_parse(spec, &t, err, err_cap);
    if (st == BEACON_OK) beacon__http_target_free(&t);
    return st;
}

#define HTTP_SCHEME(var, name, ...)                                                                \
    const beacon__sink_scheme var = {.scheme = name,                                               \
                                     .target = BEACON__TARGET_REQUIRED,                            \
                                     .options = beacon__http_options,                              \
                                     .check = http_check,                                          \
                                     .open = http_open,                                            \
                                     __VA_ARGS__}

/* The transport's fork hooks ride on one HTTP scheme, so they run once. */
HTTP_SCHEME(beacon__sink_scheme_otlp_http, "otlp+http",
            .fork_prepare = beacon__transport_atfork_prepare,
            .fork_parent = beacon__transport_atfork_parent,
            .fork_child = beacon__transport_atfork_child);
HTTP_SCHEME(beacon__sink_scheme_otlp_https, "otlp+https");
HTTP_SCHEME(beacon__sink_scheme_datadog_http, "datadog+http");
HTTP_SCHEME(beacon__sink_scheme_datadog_https, "datadog+https");
HTTP_SCHEME(beacon__sink_scheme_cloudevents_http, "cloudevents+http");
HTTP_SCHEME(beacon__sink_scheme_cloudevents_https, "cloudevents+https");
HTTP_SCHEME(beacon__sink_scheme_json_http, "json+http");
HTTP_SCHEME(beacon__sink_scheme_json_https, "json+https");
HTTP_SCHEME(beacon__sink_scheme_ndjson_http, "ndjson+http");
HTTP_SCHEME(beacon__sink_scheme_ndjson_https, "ndjson+https");
HTTP_SCHEME(beacon__sink_scheme_umami_http, "umami+http");
HTTP_SCHEME(beacon__sink_scheme_umami_https, "umami+https");
