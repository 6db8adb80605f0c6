/* pipeline.c — the worker thread and the lifecycle around it: drains every
 * thread's ring, stamps and serializes each event once per distinct sink
 * format, routes it through per-sink filters into per-sink batches, writes
 * the batches and books every outcome; flush, shutdown with deadlines, stats
 * and fork handling. emit/ is the producer side; init.c the options.
 *
 * Accounting. Caller-side outcomes live in each ring's producer-written
 * counters (plus a few process-wide atomics); the worker books what happens
 * to the records it pops (g_booked, and per sink). An event popped but not
 * yet booked is in flight; while no runtime is running, in-flight events are
 * reported as dropped_shutdown.
 *
 * Locks, in the order they nest: g_lock (lifecycle, g_pipe) → g_consumer_mu
 * (the right to consume rings) → g_stats_mu (ring list walks vs. reaping) →
 * g_mu (worker control and wake-up). No lock is held while waiting for the
 * worker, a sink or a callback: the worker calls sinks with none held, and
 * shutdown waits with g_lock released (g_closing marks the shutdown in
 * progress), so a sink that blocks or calls back into beacon never blocks
 * emit, stats, the on/off switch, fork or shutdown.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "worker/pipeline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "emit/context.h"
#include "core/diag.h"
#include "core/fork.h"
#include "core/sampling.h"
#include "core/thread.h"
#include "core/verdict.h"
#include "core/ids.h"
#include "format/json.h"
#include "worker/stats.h"
#include "emit/record.h"
#include "emit/tally.h"
#include "core/state.h"
#include "format/serialize.h"
#include "sinks/ledger.h"
#include "spool/spool.h"

#define PASS_PER_RING 512u        /* records taken from one ring per pass */
#define PASS_MAX      8192u       /* records per pass over all rings */
#define BUSY_SLEEP_NS 250000LL    /* between passes while events flow */
#define IDLE_MIN_NS   1000000LL   /* first idle wait; doubles while idle */
#define IDLE_MAX_NS   100000000LL /* idle wait cap (lost-wakeup bound) */
#define DEEP_IDLE_NS  8000000LL   /* idle waits this long let producers wake us */
#define REAP_NS       100000000LL
#define ROUTE_CACHE   1024u
#define MAX_FORMATS   8u
#define ARENA_MIN     (64u * 1024u)        /* serialization buffer kept between passes */
#define ARENA_KEEP    (1024u * 1024u)      /* larger buffers are given back after a pass */
#define ARENA_PASS    (4u * 1024u * 1024u) /* a pass stops taking records past this text */

#define EV_DELIVERED      0x1u
#define EV_FAILED         0x2u
#define EV_SAMPLED        0x4u
#define EV_ABANDONED      0x8u /* a sink was skipped, or an HTTP sink closed with it unsent */
#define EV_REJECTED       0x10u
#define EV_SEND_FAILED    0x20u
#define EV_TOO_LARGE      0x40u
#define EV_BUFFER_FULL    0x80u
#define EV_SPOOLED        0x100u
#define SHUTDOWN_GRACE_NS 50000000LL /* for a worker closing sinks at the deadline */

/* ---- formats -------------------------------------------------------------
 * One serializer per wire format; sinks sharing (format, flags) share the
 * text of each event. New formats (OTLP, CloudEvents) add a row here. */
typedef size_t (*format_fn)(const beacon_event_hdr *ev, const beacon__envelope *env, char *buf,
                            size_t cap, unsigned flags);

static size_t format_canonical(const beacon_event_hdr *ev, const beacon__envelope *env, char *buf,
                               size_t cap, unsigned flags) {
    return beacon__serialize(ev, env, buf, cap, flags);
}

static format_fn format_for(beacon__format f) {
    switch (f) {
        case BEACON__FORMAT_CANONICAL:
        default: return format_canonical;
    }
}

typedef struct format_key {
    beacon__format format;
    unsigned flags;
    format_fn fn;
} format_key;

/* ---- instance ------------------------------------------------------------ */

typedef struct slot {
    beacon__sink_config cfg;
    beacon__sink *sink;
    beacon__route route;
    unsigned fmt;
    _Atomic uint64_t out[BEACON__COUNTERS]; /* worker-booked outcomes */
    /* worker-only batch of the current pass */
    beacon__batch_item *items;
    size_t *offs;            /* arena offset of each item's text */
    uint32_t *evs;           /* pass index of each item's event */
    uint8_t *failed;         /* per item, for sinks that fail records out of order */
    beacon__ticket *tickets; /* per item, for asynchronous sinks */
    size_t n, cap;
    char *shown; /* the spec with secrets masked, for stats and diagnostics */
    uint64_t pass_out[BEACON__COUNTERS];
} slot;

typedef struct flush_target {
    beacon__ring *ring;
    size_t pos;
} flush_target;

struct beacon__pipeline_s {
    slot *slots;
    size_t nslots;
    format_key fmts[MAX_FORMATS];
    size_t nfmts;
    char *service_name;
    char *service_version;
    beacon__hasher *hasher; /* NULL: hash fields redacted */
    const char *hash_why;   /* static: why there is no key */
    bool hash_warned;       /* worker-only: the no-key diagnostic was given */
    char *resource;         /* `{...}` or NULL */
    size_t resource_len;
    char *spool_dir;                 /* default spool root of HTTP sinks, or NULL */
    uint64_t base[BEACON__COUNTERS]; /* caller-side sums at start (g_stats_mu) */

    /* control, guarded by g_mu */
    uint64_t flush_req, flush_done;
    bool flush_complete; /* the last flush left nothing outstanding in any sink */
    int64_t flush_deadline;
    bool stop, exited, started, need_start, reopen;
    pthread_t thread;

    bool abandoned;    /* guarded by g_consumer_mu */
    size_t inflight;   /* popped, not yet booked; guarded by g_consumer_mu */
    _Atomic bool gone; /* abandoned, readable without the lock */
    int refs;          /* guarded by g_lock */
    struct beacon__pipeline_s *next_abandoned;

    /* worker-only */
    char *arena;
    size_t arena_len, arena_cap;
    uint16_t *evflags;
    bool flush_complete_pass;
    size_t npass;
    beacon__clock_window stamps; /* this pass's, from beacon__clock_check */
    beacon__ring **rlist;
    size_t nrings, rcap, rr;
    flush_target *targets;
    size_t ntargets, tcap;
    const beacon_event_desc *rc_key[ROUTE_CACHE];
    uint64_t rc_mask[ROUTE_CACHE];
};
typedef struct beacon__pipeline_s pipeline;

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_consumer_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_stats_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_wake_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t g_done_cv = PTHREAD_COND_INITIALIZER;

static pipeline *g_pipe;                            /* written with g_lock and g_mu held */
static uint64_t g_wakes;                            /* wake-ups signalled; with g_mu held */
static pipeline *g_abandoned;                       /* g_lock; kept reachable, never freed */
static bool g_closing;                              /* g_lock: a shutdown is waiting */
static bool g_enabled = true;                       /* g_lock */
static bool g_killed;                               /* g_lock */
static _Atomic uint64_t g_booked[BEACON__COUNTERS]; /* [0]: events booked */
static uint64_t g_reaped[BEACON__COUNTERS];         /* g_stats_mu */
static uint64_t g_total_base[BEACON__COUNTERS];     /* g_stats_mu; a fork child's zero */

static void atfork_prepare(void);
static void atfork_parent(void);
static void atfork_child(void);
static void signal_worker(void);

static void globals_init(void) {
    beacon__ring_registry_init(&beacon__g.rings);
    atomic_store(&beacon__g.ring_bytes, beacon__ring_round_capacity(256 * 1024));
    beacon__clock_init();
    atomic_store(&beacon__g.wake, signal_worker);
    /* The worker's locks are taken first and released last, around every
     * other part's (fork.h). */
    static const beacon__fork_hooks hooks[] = {
        {atfork_prepare, atfork_parent, atfork_child},
        {beacon__verdict_atfork_prepare, beacon__verdict_atfork_parent,
         beacon__verdict_atfork_child},
        {beacon__sample_atfork_prepare, beacon__sample_atfork_parent, beacon__sample_atfork_child},
        {beacon__sinks_atfork_prepare, beacon__sinks_atfork_parent, beacon__sinks_atfork_child},
        {beacon__clock_atfork_prepare, beacon__clock_atfork_parent, beacon__clock_atfork_child},
        {beacon__diag_atfork_prepare, beacon__diag_atfork_parent, beacon__diag_atfork_child},
        {beacon__hasher_atfork_prepare, beacon__hasher_atfork_parent, beacon__hasher_atfork_child},
        {beacon__spool_atfork_prepare, beacon__spool_atfork_parent, beacon__spool_atfork_child},
    };
    for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++) beacon__fork_add(&hooks[i]);
}

void beacon__globals_once(void) {
    pthread_once(&g_once, globals_init);
}

/* Caller holds g_lock. */
static void recompute_gate(void) {
    static uint64_t epochs;
    int state = atomic_load(&beacon__g.state);
    int gate = state == BEACON__STATE_NEW         ? BEACON__GATE_NEW
               : state == BEACON__STATE_SHUT_DOWN ? BEACON__GATE_SHUT
               : (!g_enabled || g_killed)         ? BEACON__GATE_DISABLED
                                                  : BEACON__GATE_OPEN;
    /* Opening: the epoch first; closing: the gate first (emit.c relies on
     * an open gate with no epoch meaning a close in progress). */
    if (gate == BEACON__GATE_OPEN) {
        __atomic_store_n(&beacon_gen_g.epoch, ++epochs, __ATOMIC_RELEASE);
        atomic_store_explicit(&beacon__g.gate, gate, memory_order_release);
    } else {
        atomic_store_explicit(&beacon__g.gate, gate, memory_order_release);
        __atomic_store_n(&beacon_gen_g.epoch, 0, __ATOMIC_RELEASE);
    }
    /* Every event's verdict follows the gate (core/verdict.h). */
    beacon__config_changed();
}

void beacon__pipeline_set_enabled(bool on) {
    pthread_mutex_lock(&g_lock);
    g_enabled = on;
    recompute_gate();
    pthread_mutex_unlock(&g_lock);
}

bool beacon__pipeline_is_enabled(void) {
    return atomic_load_explicit(&beacon__g.gate, memory_order_relaxed) == BEACON__GATE_OPEN;
}

static int64_t now_ns(void) {
    return beacon__clock_monotonic_ns();
}

static int64_t deadline_after(int timeout_ms) {
    return timeout_ms < 0 ? INT64_MAX : now_ns() + (int64_t)timeout_ms * 1000000;
}

static int ms_left(int64_t deadline) {
    if (deadline == INT64_MAX) return -1;
    int64_t left = (deadline - now_ns()) / 1000000;
    return left <= 0 ? 0 : left > 1000000000 ? 1000000000 : (int)left;
}

/* Waits on cv until woken or the monotonic deadline; false on timeout. */
static bool wait_until(pthread_cond_t *cv, int64_t deadline) {
    if (deadline == INT64_MAX) {
        pthread_cond_wait(cv, &g_mu);
        return true;
    }
    /* Condition variables wait on CLOCK_REALTIME by default: translate. */
    int64_t left = deadline - now_ns();
    if (left <= 0) return false;
    int64_t abs = beacon__clock_realtime_ns() + left;
    struct timespec ts = {(time_t)(abs / 1000000000), (long)(abs % 1000000000)};
    return pthread_cond_timedwait(cv, &g_mu, &ts) != ETIMEDOUT;
}

/* ---- caller-side sums ---------------------------------------------------- */

static const int k_ring_map[BEACON__RING_COUNTERS] = {
    0, BEACON__DROPPED_QUEUE_FULL, BEACON__DROPPED_SAMPLED, BEACON__DROPPED_INVALID};

static void add_ring(beacon__ring *r, void *ctx) {
    uint64_t *c = ctx;
    for (int i = 0; i < BEACON__RING_COUNTERS; i++) c[k_ring_map[i]] += beacon__ring_counter(r, i);
}

/* Caller-side counters summed over the process; caller holds g_stats_mu. */
static void caller_sums(uint64_t c[BEACON__COUNTERS]) {
    memset(c, 0, BEACON__COUNTERS * sizeof *c);
    beacon__ring_registry_foreach(&beacon__g.rings, add_ring, c);
    /* Events refused by their verdict, counted as the worker would have. */
    uint64_t t[BEACON__TALLY_COUNTERS];
    beacon__tally_sums(t);
    c[BEACON__DROPPED_FILTERED] += t[BEACON__TALLY_DISABLED] + t[BEACON__TALLY_FILTERED];
    c[BEACON__DROPPED_SAMPLED] += t[BEACON__TALLY_SAMPLED];
    for (int i = 0; i < BEACON__COUNTERS; i++)
        c[i] +=
            g_reaped[i] + atomic_load_explicit(&beacon__g.caller_drops[i], memory_order_relaxed);
}

static void fold_reaped(beacon__ring *r, void *ctx) {
    (void)ctx;
    add_ring(r, g_reaped);
}

/* Consumer: free the rings of exited threads, keeping their counts. */
static void reap_rings(void) {
    pthread_mutex_lock(&g_stats_mu);
    beacon__ring_registry_reap_with(&beacon__g.rings, fold_reaped, NULL);
    pthread_mutex_unlock(&g_stats_mu);
}

static void book_total(int outcome, uint64_t n) {
    if (!n) return;
    /* Release pairs with the stats reader's acquire: an outcome it sees
     * implies the emit it belongs to is visible in the caller counts. */
    atomic_fetch_add_explicit(&g_booked[outcome], n, memory_order_release);
    atomic_fetch_add_explicit(&g_booked[0], n, memory_order_release);
}

/* Consumer (no worker running): records nobody will deliver are dropped and
 * counted as dropped_shutdown. */
static void discard_one(beacon__ring *r, void *ctx) {
    uint64_t *n = ctx;
    size_t len;
    void *rec;
    while ((rec = (void *)beacon__ring_peek(r, &len)) != NULL) {
        void *heap = NULL;
        if (len == BEACON__RECORD_INDIRECT) memcpy(&heap, rec, sizeof heap);
        beacon__record_head *h = heap ? heap : rec;
        beacon__context_release(h->ctx);
        beacon__heap_record_free(heap);
        beacon__ring_release(r);
        (*n)++;
    }
}

static void discard_leftovers(void) {
    uint64_t n = 0;
    pthread_mutex_lock(&g_consumer_mu);
    beacon__ring_registry_foreach(&beacon__g.rings, discard_one, &n);
    reap_rings();
    pthread_mutex_unlock(&g_consumer_mu);
    book_total(BEACON__DROPPED_SHUTDOWN, n);
}

/* ---- worker: one pass ----------------------------------------------------- */

static bool grow(void **p, size_t *cap, size_t need, size_t elem) {
    if (*cap >= need) return true;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need) ncap *= 2;
    void *q = realloc(*p, ncap * elem);
    if (!q) return false;
    *p = q;
    *cap = ncap;
    return true;
}

static bool slot_reserve(slot *s, size_t need) {
    if (s->cap >= need) return true;
    size_t ncap = s->cap ? s->cap * 2 : 256;
    while (ncap < need) ncap *= 2;
    beacon__batch_item *items = realloc(s->items, ncap * sizeof *items);
    if (!items) return false;
    s->items = items;
    size_t *offs = realloc(s->offs, ncap * sizeof *offs);
    if (!offs) return false;
    s->offs = offs;
    uint32_t *evs = realloc(s->evs, ncap * sizeof *evs);
    if (!evs) return false;
    s->evs = evs;
    uint8_t *failed = realloc(s->failed, ncap * sizeof *failed);
    if (!failed) return false;
    s->failed = failed;
    beacon__ticket *tickets = realloc(s->tickets, ncap * sizeof *tickets);
    if (!tickets) return false;
    s->tickets = tickets;
    s->cap = ncap;
    return true;
}

/* Whether every sink's filter or level refuses d: the worker's part of each
 * event's verdict (core/verdict.h), installed while p runs. p's routes do
 * not change while it is installed. */
static bool every_sink_refuses(const void *ctx, const beacon_event_desc *d) {
    const pipeline *p = ctx;
    for (size_t i = 0; i < p->nslots; i++)
        if (beacon__route_accepts(&p->slots[i].route, d)) return false;
    return true;
}

/* Bit i set: sink i's filter and level accept d. Cached per descriptor. */
static uint64_t route_mask(pipeline *p, const beacon_event_desc *d) {
    size_t h = (size_t)(((uintptr_t)d >> 4) * 0x9E3779B97F4A7C15ull >> 32) & (ROUTE_CACHE - 1);
    for (size_t probe = 0; probe < 8; probe++) {
        size_t i = (h + probe) & (ROUTE_CACHE - 1);
        if (p->rc_key[i] == d) return p->rc_mask[i];
        if (!p->rc_key[i]) {
            uint64_t m = 0;
            for (size_t k = 0; k < p->nslots && k < 64; k++)
                if (beacon__route_accepts(&p->slots[k].route, d)) m |= 1ull << k;
            p->rc_key[i] = d;
            p->rc_mask[i] = m;
            return m;
        }
    }
    uint64_t m = 0;
    for (size_t k = 0; k < p->nslots && k < 64; k++)
        if (beacon__route_accepts(&p->slots[k].route, d)) m |= 1ull << k;
    return m;
}

static bool slot_accepts(pipeline *p, uint64_t mask, size_t i, const beacon_event_desc *d) {
    if (i < 64) return (mask >> i) & 1u;
    return beacon__route_accepts(&p->slots[i].route, d);
}

/* Serializes into the arena; returns false when out of memory. */
static bool serialize_into_arena(pipeline *p, const format_key *fk, const beacon_event_hdr *ev,
                                 const beacon__envelope *env, size_t *off, size_t *len) {
    size_t room = p->arena_cap - p->arena_len;
    size_t need = fk->fn(ev, env, p->arena ? p->arena + p->arena_len : NULL, room, fk->flags);
    if (need + 1 > room) {
        size_t ncap = p->arena_cap ? p->arena_cap : ARENA_MIN;
        while (ncap < p->arena_len + need + 1) ncap *= 2;
        char *a = realloc(p->arena, ncap);
        if (!a) return false;
        p->arena = a;
        p->arena_cap = ncap;
        fk->fn(ev, env, p->arena + p->arena_len, ncap - p->arena_len, fk->flags);
    }
    /* Each text is followed by a newline (where the serializer put its NUL):
     * a sink's batch of consecutive events of one format is then NDJSON as
     * it lies in the arena. */
    p->arena[p->arena_len + need] = '\n';
    *off = p->arena_len;
    *len = need;
    p->arena_len += need + 1;
    return true;
}

static void handle_record(pipeline *p, void *rec) {
    beacon__record_head *h = rec;
    beacon_event_hdr *ev = beacon__record_decode(rec);
    const beacon_event_desc *d = ev->desc;
    uint32_t idx = (uint32_t)p->npass++;
    uint16_t flags = 0;
    uint8_t id[16];
    beacon__envelope env;
    memset(&env, 0, sizeof env);
    env.time_ns = ev->time_ns ? ev->time_ns : beacon__clock_stamp_ns(h->ticks, &p->stamps);
    beacon__rand_id(id, sizeof id);
    env.id = id;
    env.trace_id = ev->trace_id; /* resolved at emit, in the struct copy */
    env.span_id = ev->span_id;
    env.parent_span_id = ev->parent_span_id;
    env.context = h->ctx;
    env.hasher = p->hasher;
    env.resource = p->resource;
    env.resource_len = p->resource_len;
    bool hash_redacted = false;
    env.hash_redacted = &hash_redacted;

    size_t off[MAX_FORMATS], len[MAX_FORMATS];
    uint8_t have[MAX_FORMATS] = {0};
    uint64_t mask = route_mask(p, d);
    for (size_t i = 0; i < p->nslots; i++) {
        slot *s = &p->slots[i];
        if (!slot_accepts(p, mask, i, d)) {
            s->pass_out[BEACON__DROPPED_FILTERED]++;
            continue;
        }
        if (s->route.sample < 1.0 && !(beacon__rand_unit() < s->route.sample)) {
            s->pass_out[BEACON__DROPPED_SAMPLED]++;
            flags |= EV_SAMPLED;
            continue;
        }
        unsigned f = s->fmt;
        if (have[f] == 0) {
            have[f] = serialize_into_arena(p, &p->fmts[f], ev, &env, &off[f], &len[f]) ? 1 : 2;
        }
        if (have[f] == 2 || !slot_reserve(s, s->n + 1)) {
            s->pass_out[BEACON__DROPPED_SINK_ERROR]++;
            flags |= EV_FAILED;
            continue;
        }
        s->items[s->n].json = NULL;
        s->items[s->n].len = len[f];
        s->items[s->n].desc = d;
        s->offs[s->n] = off[f];
        s->evs[s->n] = idx;
        s->n++;
    }
    p->evflags[idx] = flags;
    beacon__context_release(h->ctx);
    h->ctx = NULL;
    if (hash_redacted && !p->hash_warned) {
        /* Once per run: every event with a hash field would say the same. */
        p->hash_warned = true;
        beacon__warn(BEACON_ERR_INVALID_ARGUMENT,
                     "%s: pii: hash fields are written as \"[REDACTED]\": %s", d->name,
                     p->hash_why ? p->hash_why
                                 : "no hash key configured (set BEACON_HASH_KEY or call "
                                   "beacon_options_set_hash_key)");
    }
}

static void collect_ring(beacon__ring *r, void *ctx) {
    pipeline *p = ctx;
    if (grow((void **)&p->rlist, &p->rcap, p->nrings + 1, sizeof *p->rlist))
        p->rlist[p->nrings++] = r;
}

/* The ring phase of a pass: under the consumer lock, never calling a sink.
 * Returns false when this worker was abandoned. */
static bool drain_rings(pipeline *p, bool reap) {
    pthread_mutex_lock(&g_consumer_mu);
    if (p->abandoned) {
        pthread_mutex_unlock(&g_consumer_mu);
        return false;
    }
    p->nrings = 0;
    beacon__ring_registry_foreach(&beacon__g.rings, collect_ring, p);
    size_t n = p->nrings;
    /* Rotating start ring: when PASS_MAX cuts a pass short, the rings left
     * out are served first next time. */
    for (size_t k = 0; k < n && p->npass < PASS_MAX && p->arena_len < ARENA_PASS; k++) {
        beacon__ring *r = p->rlist[(p->rr + k) % n];
        /* One look per ring and pass: what a producer publishes meanwhile
         * waits for the next pass (beacon__ring_next). */
        beacon__ring_look(r);
        for (unsigned taken = 0;
             taken < PASS_PER_RING && p->npass < PASS_MAX && p->arena_len < ARENA_PASS; taken++) {
            size_t len;
            void *rec = (void *)beacon__ring_next(r, &len);
            if (!rec) break;
            if (len == BEACON__RECORD_INDIRECT) {
                void *heap;
                memcpy(&heap, rec, sizeof heap);
                handle_record(p, heap);
                beacon__heap_record_free(heap);
            } else {
                handle_record(p, rec);
            }
            beacon__ring_release(r);
        }
        beacon__ring_evict(r);
    }
    if (n) p->rr = (p->rr + 1) % n;
    p->inflight = p->npass;
    if (reap) reap_rings();
    pthread_mutex_unlock(&g_consumer_mu);
    return true;
}

/* Each event once in the totals: any sink failed it → sink error; else an
 * HTTP sink's drop (rejected, too large, send failed, buffer full); else an
 * HTTP sink spooled it → spooled; else any delivered it → delivered; else a sink skipped after
 * shutdown gave up (or an HTTP sink closed before sending it) → dropped_shutdown; else sampled or
 * filtered by every sink. Runs on the worker, or on the transport thread when an asynchronous sink
 * settles a pass's last event. */
static void book_flags(const uint16_t *flags, size_t n) {
    uint64_t t[BEACON__COUNTERS] = {0};
    for (size_t k = 0; k < n; k++) {
        uint16_t f = flags[k];
        int o = (f & EV_FAILED)        ? BEACON__DROPPED_SINK_ERROR
                : (f & EV_REJECTED)    ? BEACON__DROPPED_REJECTED
                : (f & EV_TOO_LARGE)   ? BEACON__DROPPED_TOO_LARGE
                : (f & EV_SEND_FAILED) ? BEACON__DROPPED_SEND_FAILED
                : (f & EV_BUFFER_FULL) ? BEACON__DROPPED_BUFFER_FULL
                : (f & EV_SPOOLED)     ? BEACON__SPOOLED
                : (f & EV_DELIVERED)   ? BEACON__DELIVERED
                : (f & EV_ABANDONED)   ? BEACON__DROPPED_SHUTDOWN
                : (f & EV_SAMPLED)     ? BEACON__DROPPED_SAMPLED
                                       : BEACON__DROPPED_FILTERED;
        t[o]++;
    }
    for (int o = 1; o < BEACON__COUNTERS; o++)
        if (beacon__is_outcome(o)) book_total(o, t[o]);
}

static uint16_t outcome_flag(int outcome) {
    switch (outcome) {
        case BEACON__DELIVERED: return EV_DELIVERED;
        case BEACON__DROPPED_REJECTED: return EV_REJECTED;
        case BEACON__DROPPED_SEND_FAILED: return EV_SEND_FAILED;
        case BEACON__DROPPED_TOO_LARGE: return EV_TOO_LARGE;
        case BEACON__DROPPED_BUFFER_FULL: return EV_BUFFER_FULL;
        case BEACON__DROPPED_SHUTDOWN: return EV_ABANDONED;
        case BEACON__SPOOLED: return EV_SPOOLED;
        default: return EV_FAILED;
    }
}

static const beacon__ledger_hooks k_ledger_hooks = {book_flags, outcome_flag};

/* The write phase: batches to sinks, then every outcome booked (by the
 * ledger, once asynchronous sinks have settled theirs). */
static void write_and_book(pipeline *p) {
    beacon__ledger *ledger = NULL;
    size_t async_items = 0;
    for (size_t i = 0; i < p->nslots; i++) {
        slot *s = &p->slots[i];
        if (s->n && s->sink->async && !atomic_load(&p->gone)) async_items += s->n;
    }
    if (async_items)
        ledger = beacon__ledger_new(p->evflags, p->npass, async_items + 1, &k_ledger_hooks);
    for (size_t i = 0; i < p->nslots; i++) {
        slot *s = &p->slots[i];
        if (s->n == 0) continue;
        if (s->sink->async && !atomic_load(&p->gone)) {
            if (!ledger) {
                /* No memory for the ledger: these events fail here. */
                for (size_t k = 0; k < s->n; k++) p->evflags[s->evs[k]] |= EV_FAILED;
                s->pass_out[BEACON__DROPPED_SINK_ERROR] += s->n;
                s->n = 0;
                continue;
            }
            for (size_t k = 0; k < s->n; k++) {
                s->items[k].json = p->arena + s->offs[k];
                s->tickets[k].ledger = ledger;
                s->tickets[k].idx = s->evs[k];
            }
            beacon__batch batch = {s->items, s->n, NULL, false};
            size_t ignored = 0;
            s->sink->tickets = s->tickets;
            s->sink->vt->write(s->sink, &batch, &ignored);
            s->sink->tickets = NULL;
            s->n = 0;
            continue;
        }
        if (atomic_load(&p->gone) || (s->sink->calls_user && atomic_load(&beacon__g.exiting))) {
            /* Shutdown returned while an earlier sink was busy, or the
             * process is exiting: the user may have freed what the
             * remaining sinks' callbacks use. */
            for (size_t k = 0; k < s->n; k++) p->evflags[s->evs[k]] |= EV_ABANDONED;
            s->n = 0;
            continue;
        }
        bool ndjson = true;
        for (size_t k = 0; k < s->n; k++) {
            s->items[k].json = p->arena + s->offs[k];
            if (k > 0 && s->offs[k] != s->offs[k - 1] + s->items[k - 1].len + 1) ndjson = false;
        }
        memset(s->failed, 0, s->n);
        beacon__batch batch = {s->items, s->n, s->failed, ndjson};
        size_t delivered = 0;
        s->sink->vt->write(s->sink, &batch, &delivered);
        if (delivered > s->n) delivered = s->n;
        bool marked = memchr(s->failed, 1, s->n) != NULL;
        if (marked) {
            delivered = 0;
            for (size_t k = 0; k < s->n; k++) delivered += !s->failed[k];
        }
        for (size_t k = 0; k < s->n; k++) {
            bool ok = marked ? !s->failed[k] : k < delivered;
            p->evflags[s->evs[k]] |= ok ? EV_DELIVERED : EV_FAILED;
        }
        s->pass_out[BEACON__DELIVERED] += delivered;
        s->pass_out[BEACON__DROPPED_SINK_ERROR] += s->n - delivered;
        s->n = 0;
    }
    /* Booked under the consumer lock: once shutdown has given up on this
     * worker it booked the pass as dropped_shutdown, and the counters must
     * not move after it returned. */
    pthread_mutex_lock(&g_consumer_mu);
    bool abandoned = p->abandoned;
    p->inflight = 0;
    for (size_t i = 0; i < p->nslots && !abandoned; i++) {
        slot *s = &p->slots[i];
        for (int o = 1; o < BEACON__COUNTERS; o++) {
            if (!s->pass_out[o]) continue;
            atomic_fetch_add_explicit(&s->out[o], s->pass_out[o], memory_order_release);
            s->pass_out[o] = 0;
        }
    }
    /* Each event once in the totals (book_flags), unless shutdown gave up
     * on this worker and booked the pass itself. */
    if (ledger) {
        if (!abandoned)
            for (size_t k = 0; k < p->npass; k++)
                if (p->evflags[k]) beacon__ledger_mark(ledger, (uint32_t)k, p->evflags[k]);
        beacon__ledger_release(ledger, 1);
    } else if (!abandoned) {
        book_flags(p->evflags, p->npass);
    }
    pthread_mutex_unlock(&g_consumer_mu);
    p->npass = 0;
    p->arena_len = 0;
    if (p->arena_cap > ARENA_KEEP) {
        /* A burst (many events, or large escaped ones) grew the buffer:
         * give it back rather than hold the peak for the process's life. */
        free(p->arena);
        p->arena = NULL;
        p->arena_cap = 0;
    }
}

/* One pass; returns the number of events handled, or -1 when abandoned. */
static long pass(pipeline *p, bool reap) {
    beacon__clock_check(&p->stamps);
    if (!drain_rings(p, reap)) return -1;
    long n = (long)p->npass;
    if (n) write_and_book(p);
    return atomic_load(&p->gone) ? -1 : n;
}

static void snapshot_target(beacon__ring *r, void *ctx) {
    pipeline *p = ctx;
    if (grow((void **)&p->targets, &p->tcap, p->ntargets + 1, sizeof *p->targets)) {
        p->targets[p->ntargets].ring = r;
        p->targets[p->ntargets].pos = beacon__ring_head_position(r);
        p->ntargets++;
    }
}

/* Drains everything committed before the call, then flushes every sink.
 * Rings are not reaped meanwhile, so the targets stay valid. Returns false
 * when abandoned. */
static bool worker_flush(pipeline *p, int64_t deadline) {
    pthread_mutex_lock(&g_consumer_mu);
    if (p->abandoned) {
        pthread_mutex_unlock(&g_consumer_mu);
        return false;
    }
    p->ntargets = 0;
    beacon__ring_registry_foreach(&beacon__g.rings, snapshot_target, p);
    pthread_mutex_unlock(&g_consumer_mu);
    for (;;) {
        /* Under the lock: once abandoned, the rings may be reaped by others. */
        pthread_mutex_lock(&g_consumer_mu);
        bool gone = p->abandoned, done = true;
        for (size_t i = 0; i < p->ntargets && done && !gone; i++)
            done = beacon__ring_consumed_to(p->targets[i].ring, p->targets[i].pos);
        pthread_mutex_unlock(&g_consumer_mu);
        if (gone) return false;
        if (done) break;
        if (pass(p, false) < 0) return false;
    }
    bool complete = true;
    for (size_t i = 0; i < p->nslots && !atomic_load(&p->gone); i++) {
        /* An asynchronous sink reports whether its outcomes all came back. */
        beacon_status st = p->slots[i].sink->vt->flush(p->slots[i].sink, ms_left(deadline));
        if (p->slots[i].sink->async && st != BEACON_OK) complete = false;
    }
    p->flush_complete_pass = complete;
    return !atomic_load(&p->gone);
}

/* In a forked child: the inherited sink objects may have been in the middle
 * of a write on the parent's worker, so each is replaced by a fresh one. */
/* What the pipeline installs in each sink it opens: its counters, the
 * process-wide retries total and the resource attributes. */
static void attach_sink(beacon__sink *sink, slot *s, pipeline *p) {
    sink->counters = s->out;
    sink->totals = g_booked;
    sink->resource = p->resource;
    sink->resource_len = p->resource_len;
    sink->spool_dir = p->spool_dir;
}

static void start_sink(beacon__sink *sink) {
    if (sink->vt->start) sink->vt->start(sink);
}

static void reopen_sinks(pipeline *p) {
    for (size_t i = 0; i < p->nslots; i++) {
        slot *s = &p->slots[i];
        char err[256];
        beacon__sink *fresh = NULL;
        if (beacon__sink_open(s->cfg.spec, &s->cfg.cb, &fresh, err, sizeof err) != BEACON_OK) {
            beacon__diag(BEACON_ERR_IO, "sink '%s': cannot reopen after fork: %s", s->shown, err);
            continue;
        }
        fresh->json_flags = s->sink->json_flags;
        fresh->cancelled = &p->gone;
        attach_sink(fresh, s, p);
        s->sink->vt->close(s->sink, 0);
        s->sink = fresh;
        start_sink(fresh);
    }
    p->reopen = false;
}

static void *worker_main(void *arg) {
    pipeline *p = arg;
    beacon__on_worker = true;
    beacon__thread_name("beacon-worker");
    beacon__sink_block_sigpipe_on_this_thread();
    if (p->reopen) reopen_sinks(p);
    uint64_t handled = 0;
    /* Idle waits in a row. A flush counts as activity like events do: a
     * program that emits in bursts and flushes between them meets a worker
     * that polls (waits of 1, 2, 4 ms) and never one that asks its next
     * emit for a wake-up. */
    unsigned idle = 0;
    int64_t next_reap = now_ns() + REAP_NS;
    pthread_mutex_lock(&g_mu);
    handled = p->flush_done;
    pthread_mutex_unlock(&g_mu);
    for (;;) {
        pthread_mutex_lock(&g_mu);
        /* Every commit reads the line of `kick` and `sleeping`: write it only
         * when the value changes, so the producers' copy stays valid. */
        if (atomic_load_explicit(&beacon__g.kick, memory_order_relaxed))
            atomic_store_explicit(&beacon__g.kick, 0, memory_order_relaxed);
        uint64_t req = p->flush_req;
        bool stop = p->stop;
        int64_t deadline = p->flush_deadline;
        pthread_mutex_unlock(&g_mu);

        if (req != handled || stop) {
            if (!worker_flush(p, deadline)) return NULL;
            if (stop) {
                for (size_t i = 0; i < p->nslots && !atomic_load(&p->gone); i++) {
                    p->slots[i].sink->vt->close(p->slots[i].sink, ms_left(deadline));
                    p->slots[i].sink = NULL;
                }
            }
            idle = 0;
            pthread_mutex_lock(&g_mu);
            p->flush_done = req;
            p->flush_complete = p->flush_complete_pass;
            handled = req;
            if (stop) p->exited = true;
            pthread_cond_broadcast(&g_done_cv);
            pthread_mutex_unlock(&g_mu);
            if (stop) return NULL;
            continue;
        }

        int64_t now = now_ns();
        bool reap = now >= next_reap;
        if (reap) next_reap = now + REAP_NS;
        long got = pass(p, reap);
        if (got < 0) return NULL;
        /* A ring gave its full share: more is waiting, so no pause. (A pause
         * after every share capped one busy producer at PASS_PER_RING per
         * BUSY_SLEEP_NS, ~2 M events/s, whatever the worker could do.) */
        if (got >= (long)PASS_PER_RING) continue;

        pthread_mutex_lock(&g_mu);
        if (p->flush_req == handled && !p->stop &&
            !atomic_load_explicit(&beacon__g.kick, memory_order_relaxed)) {
            int64_t wait;
            if (got > 0) {
                idle = 0;
                wait = BUSY_SLEEP_NS;
            } else {
                wait = IDLE_MIN_NS << (idle < 7 ? idle : 7);
                if (wait > IDLE_MAX_NS) wait = IDLE_MAX_NS;
                idle++;
                /* Only a deeply idle worker asks producers for a wake-up: a
                 * wake is a system call on the emit path, paid by the first
                 * emit after a quiet spell. A wake-up missed through this
                 * relaxed flag costs at most this wait. */
                if (wait >= DEEP_IDLE_NS)
                    __atomic_store_n(&beacon_gen_g.sleeping, 1, __ATOMIC_SEQ_CST);
            }
            wait_until(&g_wake_cv, now_ns() + wait);
            if (__atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED))
                __atomic_store_n(&beacon_gen_g.sleeping, 0, __ATOMIC_SEQ_CST);
        }
        pthread_mutex_unlock(&g_mu);
    }
}

/* Caller holds g_mu. */
static beacon_status start_worker_locked(pipeline *p) {
    if (p->started) return BEACON_OK;
    if (beacon__thread_start(&p->thread, worker_main, p) != 0) {
        beacon__diag(BEACON_ERR_NO_MEMORY, "cannot start the worker thread");
        return BEACON_ERR_NO_MEMORY;
    }
    p->started = true;
    p->need_start = false;
    return BEACON_OK;
}

/* beacon__g.wake: what beacon__worker_wake calls once per kick. */
static void signal_worker(void) {
    pthread_mutex_lock(&g_mu);
    if (g_pipe && g_pipe->need_start) start_worker_locked(g_pipe);
    g_wakes++;
    pthread_cond_signal(&g_wake_cv);
    pthread_mutex_unlock(&g_mu);
}

uint64_t beacon__pipeline_wakes(void) {
    pthread_mutex_lock(&g_mu);
    uint64_t n = g_wakes;
    pthread_mutex_unlock(&g_mu);
    return n;
}

/* ---- lifecycle ------------------------------------------------------------ */

void beacon__pipeline_config_free(beacon__pipeline_config *cfg) {
    for (size_t i = 0; i < cfg->sink_count; i++) free(cfg->sinks[i].spec);
    free(cfg->sinks);
    free(cfg->service_name);
    free(cfg->service_version);
    beacon__hasher_free(cfg->hasher);
    free(cfg->resource_json);
    free(cfg->spool_dir);
    memset(cfg, 0, sizeof *cfg);
}

static void pipeline_free(pipeline *p) {
    for (size_t i = 0; i < p->nslots; i++) {
        slot *s = &p->slots[i];
        if (s->sink) s->sink->vt->close(s->sink, 0);
        beacon__route_free(&s->route);
        free(s->cfg.spec);
        free(s->shown);
        free(s->tickets);
        free(s->items);
        free(s->offs);
        free(s->evs);
        free(s->failed);
    }
    free(p->slots);
    free(p->service_name);
    free(p->service_version);
    beacon__hasher_free(p->hasher);
    free(p->resource);
    free(p->spool_dir);
    free(p->arena);
    free(p->evflags);
    free(p->rlist);
    free(p->targets);
    free(p);
}

static beacon_status open_slot(slot *s, unsigned *fmt, pipeline *p) {
    char err[256];
    beacon__sink_spec parsed;
    s->shown = beacon__sink_spec_masked(s->cfg.spec);
    if (!s->shown) return BEACON_ERR_NO_MEMORY;
    beacon_status st = beacon__sink_open(s->cfg.spec, &s->cfg.cb, &s->sink, err, sizeof err);
    if (st == BEACON_OK) {
        s->sink->cancelled = &p->gone;
        attach_sink(s->sink, s, p);
    }
    if (st == BEACON_OK) st = beacon__sink_spec_parse(s->cfg.spec, &parsed, err, sizeof err);
    if (st == BEACON_OK) {
        st = beacon__route_parse(&parsed, &s->route, err, sizeof err);
        beacon__sink_spec_free(&parsed);
    }
    if (st != BEACON_OK) {
        beacon__warn(st, "sink spec '%s': %s", s->shown, err);
        return st;
    }
    for (*fmt = 0; *fmt < p->nfmts; (*fmt)++) {
        if (p->fmts[*fmt].format == s->sink->format && p->fmts[*fmt].flags == s->sink->json_flags)
            return BEACON_OK;
    }
    if (p->nfmts == MAX_FORMATS) return BEACON_ERR_SINK_SPEC;
    p->fmts[p->nfmts].format = s->sink->format;
    p->fmts[p->nfmts].flags = s->sink->json_flags;
    p->fmts[p->nfmts].fn = format_for(s->sink->format);
    *fmt = (unsigned)p->nfmts++;
    return BEACON_OK;
}

beacon_status beacon__pipeline_start(beacon__pipeline_config *cfg) {
    beacon__globals_once();
    pthread_mutex_lock(&g_lock);
    if (g_pipe || g_closing) {
        /* g_closing: another thread's beacon_shutdown() is still waiting for
         * its worker; a second worker now could share a callback with it. */
        pthread_mutex_unlock(&g_lock);
        beacon__pipeline_config_free(cfg);
        return BEACON_ERR_ALREADY_INITIALIZED;
    }
    pipeline *p = calloc(1, sizeof *p);
    slot *slots = calloc(cfg->sink_count ? cfg->sink_count : 1, sizeof *slots);
    uint16_t *evflags = malloc(PASS_MAX * sizeof *evflags);
    if (!p || !slots || !evflags) {
        pthread_mutex_unlock(&g_lock);
        free(p);
        free(slots);
        free(evflags);
        beacon__pipeline_config_free(cfg);
        return BEACON_ERR_NO_MEMORY;
    }
    p->slots = slots;
    p->evflags = evflags;
    p->nslots = cfg->sink_count;
    for (size_t i = 0; i < cfg->sink_count; i++) {
        slots[i].cfg = cfg->sinks[i];
        cfg->sinks[i].spec = NULL;
    }
    p->service_name = cfg->service_name;
    p->service_version = cfg->service_version;
    cfg->service_name = cfg->service_version = NULL;
    p->hasher = cfg->hasher;
    p->hash_why = cfg->hash_why;
    cfg->hasher = NULL;
    p->resource = cfg->resource_json;
    p->resource_len = p->resource ? strlen(p->resource) : 0;
    cfg->resource_json = NULL;
    p->spool_dir = cfg->spool_dir;
    cfg->spool_dir = NULL;
    beacon_status st = BEACON_OK;
    for (size_t i = 0; i < p->nslots && st == BEACON_OK; i++)
        st = open_slot(&p->slots[i], &p->slots[i].fmt, p);
    if (st != BEACON_OK) {
        pthread_mutex_unlock(&g_lock);
        pipeline_free(p);
        beacon__pipeline_config_free(cfg);
        return st;
    }
    for (size_t i = 0; i < p->nslots; i++) start_sink(p->slots[i].sink);

    size_t ring = beacon__ring_round_capacity(cfg->ring_bytes);
    atomic_store(&beacon__g.ring_bytes, ring ? ring : beacon__ring_round_capacity(256 * 1024));
    atomic_store(&beacon__g.block_ms, cfg->block_ms > 0 ? cfg->block_ms : 0);
    atomic_store(&beacon__g.heap_budget, cfg->heap_budget);
    /* Records a previous run left behind (emits that raced its shutdown)
     * belong to that run. */
    discard_leftovers();
    pthread_mutex_lock(&g_stats_mu);
    caller_sums(p->base);
    pthread_mutex_unlock(&g_stats_mu);

    pthread_mutex_lock(&g_mu);
    st = start_worker_locked(p);
    if (st == BEACON_OK) g_pipe = p;
    pthread_mutex_unlock(&g_mu);
    if (st != BEACON_OK) {
        pthread_mutex_unlock(&g_lock);
        pipeline_free(p);
        beacon__pipeline_config_free(cfg);
        return st;
    }
    g_enabled = cfg->enabled;
    g_killed = cfg->killed;
    beacon__hasher_global_set(beacon__hasher_ref(p->hasher));
    beacon__verdict_set_filter(every_sink_refuses, p);
    atomic_store(&beacon__g.state, BEACON__STATE_RUNNING);
    recompute_gate();
    pthread_mutex_unlock(&g_lock);
    beacon__pipeline_config_free(cfg);
    return BEACON_OK;
}

static beacon_status not_running_status(void) {
    return beacon__get_state() == BEACON__STATE_NEW ? BEACON_ERR_NOT_INITIALIZED
                                                    : BEACON_ERR_SHUT_DOWN;
}

/* Caller holds g_lock. A pipeline leaves memory when its last user does. */
static void unref_locked(pipeline *p) {
    if (--p->refs > 0) return;
    if (p == g_pipe || p->abandoned) return;
    pipeline_free(p);
}

beacon_status beacon__pipeline_flush(int timeout_ms) {
    pthread_mutex_lock(&g_lock);
    pipeline *p = g_pipe;
    if (!p) {
        pthread_mutex_unlock(&g_lock);
        return not_running_status();
    }
    p->refs++;
    pthread_mutex_unlock(&g_lock);

    int64_t deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&g_mu);
    if (p->need_start) start_worker_locked(p);
    if (p->flush_req == p->flush_done || deadline > p->flush_deadline) p->flush_deadline = deadline;
    uint64_t mine = ++p->flush_req;
    pthread_cond_signal(&g_wake_cv);
    while (p->flush_done < mine && !p->exited) {
        if (!wait_until(&g_done_cv, deadline) && now_ns() >= deadline) break;
    }
    bool ok = p->flush_done >= mine && p->flush_complete;
    pthread_mutex_unlock(&g_mu);

    pthread_mutex_lock(&g_lock);
    unref_locked(p);
    pthread_mutex_unlock(&g_lock);
    return ok ? BEACON_OK : BEACON_ERR_TIMEOUT;
}

/* When the runtime is unloaded (dlclose of the last library using it) or
 * the process ends: what outlives beacon_shutdown() for reuse by a later
 * beacon_init() goes too, so that loading and unloading the runtime leaves
 * nothing behind. Only with no worker left (none running, none abandoned
 * in a stuck sink), which could still serialize. */
__attribute__((destructor)) static void pipeline_unload(void) {
    if (pthread_mutex_trylock(&g_lock) != 0) return;
    bool idle = g_pipe == NULL && g_abandoned == NULL;
    pthread_mutex_unlock(&g_lock);
    if (idle) beacon__serialize_free_plans();
}

beacon_status beacon__pipeline_shutdown(int timeout_ms) {
    int64_t deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&g_lock);
    pipeline *p = g_pipe;
    if (!p) {
        pthread_mutex_unlock(&g_lock);
        return not_running_status();
    }
    atomic_store(&beacon__g.state, BEACON__STATE_SHUT_DOWN);
    recompute_gate();
    /* From here on no verdict reads p's sinks, which may be freed below. */
    beacon__verdict_set_filter(NULL, NULL);
    beacon__hasher_global_set(NULL); /* beacon_gen_to_json: not initialised */
    p->refs++;
    g_closing = true;
    pthread_mutex_lock(&g_mu);
    g_pipe = NULL;
    if (p->need_start) start_worker_locked(p);
    p->stop = true;
    p->flush_req++;
    p->flush_deadline = deadline;
    pthread_cond_signal(&g_wake_cv);
    pthread_mutex_unlock(&g_mu);
    /* The wait holds no lock but g_mu, which waiting releases: a sink that
     * calls beacon_stats() or beacon_set_enabled(), and fork() or stats in
     * other threads, go ahead meanwhile. */
    pthread_mutex_unlock(&g_lock);

    pthread_mutex_lock(&g_mu);
    /* A worker closing HTTP sinks aborts their transfers at the deadline:
     * give it a moment to finish that before giving up on it. */
    int64_t last = deadline == INT64_MAX ? deadline : deadline + SHUTDOWN_GRACE_NS;
    while (!p->exited && p->started) {
        if (!wait_until(&g_done_cv, last) && now_ns() >= last) break;
    }
    bool exited = p->exited || !p->started;
    pthread_mutex_unlock(&g_mu);

    pthread_mutex_lock(&g_lock);
    beacon_status st = BEACON_OK;
    if (exited) {
        if (p->started) pthread_join(p->thread, NULL);
    } else {
        /* The worker is stuck in a sink. It may never return: leave it its
         * memory, take the rings away from it, and count what it held (it
         * books nothing from now on). */
        pthread_mutex_lock(&g_consumer_mu);
        p->abandoned = true;
        atomic_store(&p->gone, true);
        book_total(BEACON__DROPPED_SHUTDOWN, p->inflight);
        p->inflight = 0;
        pthread_mutex_unlock(&g_consumer_mu);
        pthread_detach(p->thread);
        p->next_abandoned = g_abandoned;
        g_abandoned = p;
        beacon__diag(BEACON_ERR_TIMEOUT,
                     "shutdown deadline passed with a sink still busy; its events are counted "
                     "as dropped_shutdown");
        st = BEACON_ERR_TIMEOUT;
    }
    discard_leftovers();
    g_closing = false;
    unref_locked(p);
    pthread_mutex_unlock(&g_lock);
    return st;
}

beacon_status beacon__pipeline_exit(int timeout_ms) {
    if (beacon__on_worker) return BEACON_OK; /* it cannot wait for itself */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    int64_t deadline = deadline_after(timeout_ms);
    /* Another thread holding the lifecycle lock (beacon_init opening a
     * sink that blocks, say) must not hold the exit past its deadline. */
    if (pthread_mutex_timedlock(&g_lock, &until) != 0) return BEACON_ERR_TIMEOUT;
    bool running = g_pipe != NULL;
    pthread_mutex_unlock(&g_lock);
    if (!running) return BEACON_OK;
    atomic_store(&beacon__g.exiting, true);
    int left = ms_left(deadline);
    return beacon__pipeline_shutdown(left > 0 ? left : 1);
}

/* ---- statistics ----------------------------------------------------------- */

/* Worker-booked outcomes, read before the caller-side counts so that an
 * outcome is never seen without its emit. */
static void read_booked(uint64_t w[BEACON__COUNTERS]) {
    for (int i = 0; i < BEACON__COUNTERS; i++)
        w[i] = atomic_load_explicit(&g_booked[i], memory_order_acquire);
}

static void read_slot(const slot *s, uint64_t out[BEACON__COUNTERS]) {
    for (int o = 0; o < BEACON__COUNTERS; o++)
        out[o] = atomic_load_explicit(&((slot *)s)->out[o], memory_order_acquire);
}

/* A consistent-enough snapshot: caller holds g_lock. outs receives each
 * sink's booked outcomes (up to max_slots). Returns the sink count. */
static size_t snapshot(beacon_counters *total, uint64_t (*outs)[BEACON__COUNTERS], size_t max_slots,
                       uint64_t c[BEACON__COUNTERS]) {
    uint64_t w[BEACON__COUNTERS], t[BEACON__COUNTERS];
    pipeline *p = g_pipe;
    size_t n = p ? p->nslots : 0;
    pthread_mutex_lock(&g_stats_mu);
    read_booked(w);
    for (size_t i = 0; i < n && i < max_slots; i++) read_slot(&p->slots[i], outs[i]);
    caller_sums(c);
    if (total) {
        beacon__stats_totals(c, w, p != NULL, t);
        for (int i = 0; i < BEACON__COUNTERS; i++)
            *beacon__stats_counter(total, (size_t)i) = t[i] - g_total_base[i];
        /* A gauge: what the running sinks' spools hold now. */
        total->spool_pending_bytes = 0;
        for (size_t i = 0; i < n; i++)
            total->spool_pending_bytes += atomic_load_explicit(
                &p->slots[i].out[BEACON__SPOOL_PENDING_BYTES], memory_order_relaxed);
    }
    pthread_mutex_unlock(&g_stats_mu);
    return n;
}

beacon_status beacon__pipeline_stats(beacon_counters *total, beacon_sink_stats *sinks, size_t cap,
                                     size_t *count) {
    if (!sinks && cap > 0) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__globals_once();
    uint64_t c[BEACON__COUNTERS];
    uint64_t(*outs)[BEACON__COUNTERS] = cap ? calloc(cap, sizeof *outs) : NULL;
    if (cap && !outs) return BEACON_ERR_NO_MEMORY;
    pthread_mutex_lock(&g_lock);
    size_t n = snapshot(total, outs, cap, c);
    for (size_t i = 0; i < n && i < cap; i++) {
        sinks[i].spec = g_pipe->slots[i].shown;
        beacon__stats_sink(g_pipe->base, outs[i], c, &sinks[i].counters);
    }
    pthread_mutex_unlock(&g_lock);
    free(outs);
    if (count) *count = n;
    return BEACON_OK;
}

beacon_status beacon__pipeline_stats_json(char *buf, size_t cap, size_t *needed) {
    if (!buf && cap > 0) return BEACON_ERR_INVALID_ARGUMENT;
    beacon__globals_once();
    pthread_mutex_lock(&g_lock);
    size_t n = g_pipe ? g_pipe->nslots : 0;
    uint64_t c[BEACON__COUNTERS];
    uint64_t(*outs)[BEACON__COUNTERS] = n ? calloc(n, sizeof *outs) : NULL;
    beacon_sink_stats *sinks = n ? calloc(n, sizeof *sinks) : NULL;
    if (n && (!outs || !sinks)) {
        pthread_mutex_unlock(&g_lock);
        free(outs);
        free(sinks);
        return BEACON_ERR_NO_MEMORY;
    }
    beacon_counters total;
    snapshot(&total, outs, n, c);
    for (size_t i = 0; i < n; i++) {
        sinks[i].spec = g_pipe->slots[i].shown;
        beacon__stats_sink(g_pipe->base, outs[i], c, &sinks[i].counters);
    }
    /* Written under g_lock: the specs belong to the run. */
    size_t len = beacon__stats_json(buf, cap, &total, sinks, n);
    pthread_mutex_unlock(&g_lock);
    free(outs);
    free(sinks);
    if (needed) *needed = len;
    return len < cap ? BEACON_OK : BEACON_ERR_INVALID_ARGUMENT;
}

/* ---- fork ------------------------------------------------------------------
 * The child has only the forking thread. Every lock is taken before fork()
 * so none is inherited mid-update; in the child the worker is gone, so the
 * runtime is reset to a fresh run with the same sinks: other threads' rings
 * dropped, counters from zero, sinks reopened and a new worker started by the
 * first emit or flush. */

static void atfork_prepare(void) {
    pthread_mutex_lock(&g_lock);
    pthread_mutex_lock(&g_consumer_mu);
    pthread_mutex_lock(&g_stats_mu);
    pthread_mutex_lock(&g_mu);
}

static void atfork_parent(void) {
    pthread_mutex_unlock(&g_mu);
    pthread_mutex_unlock(&g_stats_mu);
    pthread_mutex_unlock(&g_consumer_mu);
    pthread_mutex_unlock(&g_lock);
}

static void atfork_child(void) {
    /* The parent's worker may have been waiting on these. */
    pthread_cond_init(&g_wake_cv, NULL);
    pthread_cond_init(&g_done_cv, NULL);

    beacon__ring_registry_after_fork_child(&beacon__g.rings);
    beacon__tally_after_fork_child();
    g_closing = false; /* the shutting-down thread stayed in the parent */
    /* Heap records of the threads left behind are lost with them. */
    atomic_store(&beacon__g.heap_bytes, 0);
    pipeline *p = g_pipe;
    if (p) {
        p->started = false;
        p->need_start = true;
        p->reopen = true;
        p->stop = p->exited = false;
        p->flush_req = p->flush_done = 0;
        p->refs = 0;
        p->npass = 0;
        p->arena_len = 0;
        for (size_t i = 0; i < p->nslots; i++) {
            p->slots[i].n = 0;
            memset(p->slots[i].pass_out, 0, sizeof p->slots[i].pass_out);
            for (int o = 0; o < BEACON__COUNTERS; o++) atomic_store(&p->slots[i].out[o], 0);
        }
    }
    /* Counters start from zero in the child: what the parent counted, and
     * its records now gone with the other threads, are the parent's. */
    uint64_t c[BEACON__COUNTERS], t[BEACON__COUNTERS], w[BEACON__COUNTERS];
    caller_sums(c);
    atomic_store(&g_booked[0], c[0]);
    read_booked(w);
    beacon__stats_totals(c, w, p != NULL, t);
    memcpy(g_total_base, t, sizeof t);
    if (p) memcpy(p->base, c, sizeof c);
    atomic_store(&beacon__g.kick, 0);
    __atomic_store_n(&beacon_gen_g.sleeping, p ? 1 : 0,
                     __ATOMIC_SEQ_CST); /* the first emit starts the worker */

    pthread_mutex_unlock(&g_mu);
    pthread_mutex_unlock(&g_stats_mu);
    pthread_mutex_unlock(&g_consumer_mu);
    pthread_mutex_unlock(&g_lock);
}
