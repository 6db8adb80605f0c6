/* beacon_gen.h — the stable ABI between generated event code and the runtime.
 *
 * Generated `<prefix>_events.h/.c` include only this header. It defines the
 * descriptor types (data the generator emits for every catalog), the value
 * types used in generated structs, the status codes, and the handful of
 * runtime entry points generated wrappers call. Application code normally
 * uses the generated API and <beacon/beacon.h>, not these entry points.
 *
 * Any change to a type or function here that generated code depends on bumps
 * BEACON_GEN_ABI; generated headers refuse to compile against another value.
 */
#ifndef BEACON_BEACON_GEN_H
#define BEACON_BEACON_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ABI version of this header. Generated code checks it with #if/#error. */
#define BEACON_GEN_ABI 2

#if defined(_WIN32) && defined(BEACON_SHARED)
#define BEACON_API __declspec(dllexport)
#elif defined(__GNUC__)
#define BEACON_API __attribute__((visibility("default")))
#else
#define BEACON_API
#endif

/* Keeps a generated function out of line (the rare path of a generated
 * _emit, so that its common path stays small). */
#if defined(__GNUC__) || defined(__clang__)
#define BEACON_GEN_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define BEACON_GEN_NOINLINE __declspec(noinline)
#else
#define BEACON_GEN_NOINLINE
#endif

/* Marks deprecated catalog items (functions, enumerators) for the compiler. */
#if defined(__GNUC__) || defined(__clang__)
#define BEACON_DEPRECATED            __attribute__((deprecated))
#define BEACON_DEPRECATED_ENUMERATOR __attribute__((deprecated))
#elif defined(__cplusplus) && __cplusplus >= 201703L
#define BEACON_DEPRECATED            [[deprecated]]
#define BEACON_DEPRECATED_ENUMERATOR [[deprecated]]
#else
#define BEACON_DEPRECATED
#define BEACON_DEPRECATED_ENUMERATOR
#endif

/* Keeps a function out of line where the frames of a stack capture are
 * counted from it (beacon_backtrace_capture and generated capture helpers). */
#if defined(__GNUC__) || defined(__clang__)
#define BEACON_NOINLINE __attribute__((noinline))
#else
#define BEACON_NOINLINE
#endif

/* =========================================================================
 * Status codes
 * ========================================================================= */

/* Result of every fallible beacon call. Numbers are stable and never reused. */
typedef enum beacon_status {
    BEACON_OK = 0,
    BEACON_ERR_INVALID_ARGUMENT = 1, /* NULL or malformed argument */
    BEACON_ERR_INVALID_EVENT = 2,    /* a field violates its catalog constraints */
    BEACON_ERR_NOT_INITIALIZED = 3,  /* emit/flush before beacon_init() */
    BEACON_ERR_SHUT_DOWN = 4,        /* emit/flush after beacon_shutdown() */
    BEACON_ERR_DISABLED = 5,         /* telemetry disabled (kill switch or runtime) */
    BEACON_ERR_QUEUE_FULL = 6,       /* the thread's ring was full; event dropped */
    BEACON_ERR_NO_MEMORY = 7,        /* an allocation failed */
    BEACON_ERR_SINK_SPEC = 8,        /* a sink spec could not be parsed */
    BEACON_ERR_IO = 9,               /* a sink failed to write */
    BEACON_ERR_TIMEOUT = 10,         /* flush/shutdown deadline passed */
    BEACON_ERR_ALREADY_INITIALIZED = 11,
    BEACON_ERR_ABI = 12,         /* generated code from another ABI version */
    BEACON_ERR_PARSE = 13,       /* input text could not be parsed */
    BEACON_ERR_SAMPLED_OUT = 14, /* not an error: dropped by sampling/filter */
    BEACON_STATUS_COUNT_ = 15
} beacon_status;

/* Static English text for a status; never NULL ("unknown status" when out of
 * range). Thread-safe. */
BEACON_API const char *beacon_status_str(beacon_status status);

/* =========================================================================
 * Value types used in generated structs
 * ========================================================================= */

/* 128-bit trace (correlation) id. All-zero means "none". */
typedef struct beacon_trace_id {
    uint8_t bytes[16];
} beacon_trace_id;

/* 64-bit span id. All-zero means "none". */
typedef struct beacon_span_id {
    uint8_t bytes[8];
} beacon_span_id;

/* Kind of a value inside an `attributes` bag. */
typedef enum beacon_attr_type {
    BEACON_ATTR_BOOL = 0,
    BEACON_ATTR_INT = 1,
    BEACON_ATTR_UINT = 2,
    BEACON_ATTR_DOUBLE = 3,
    BEACON_ATTR_STRING = 4
} beacon_attr_type;

/* One key → scalar entry of an `attributes` field. Keys and string values are
 * borrowed; they must outlive the emit call (the runtime copies them). */
typedef struct beacon_attr {
    const char *key;
    beacon_attr_type type;
    union {
        bool b;
        int64_t i;
        uint64_t u;
        double d;
        const char *s;
    } v;
} beacon_attr;

static inline beacon_attr beacon_attr_bool(const char *key, bool v) {
    beacon_attr a;
    a.key = key;
    a.type = BEACON_ATTR_BOOL;
    a.v.b = v;
    return a;
}
static inline beacon_attr beacon_attr_int(const char *key, int64_t v) {
    beacon_attr a;
    a.key = key;
    a.type = BEACON_ATTR_INT;
    a.v.i = v;
    return a;
}
static inline beacon_attr beacon_attr_uint(const char *key, uint64_t v) {
    beacon_attr a;
    a.key = key;
    a.type = BEACON_ATTR_UINT;
    a.v.u = v;
    return a;
}
static inline beacon_attr beacon_attr_double(const char *key, double v) {
    beacon_attr a;
    a.key = key;
    a.type = BEACON_ATTR_DOUBLE;
    a.v.d = v;
    return a;
}
static inline beacon_attr beacon_attr_str(const char *key, const char *v) {
    beacon_attr a;
    a.key = key;
    a.type = BEACON_ATTR_STRING;
    a.v.s = v;
    return a;
}

/* =========================================================================
 * Descriptors (emitted by the generator as const data)
 * ========================================================================= */

typedef enum beacon_type {
    BEACON_TYPE_BOOL = 1,      /* bool */
    BEACON_TYPE_INT = 2,       /* int64_t */
    BEACON_TYPE_UINT = 3,      /* uint64_t */
    BEACON_TYPE_DOUBLE = 4,    /* double */
    BEACON_TYPE_STRING = 5,    /* const char * (NUL-terminated, borrowed) */
    BEACON_TYPE_TIMESTAMP = 6, /* int64_t ns since the Unix epoch */
    BEACON_TYPE_DURATION = 7,  /* int64_t ns */
    BEACON_TYPE_ENUM = 8,      /* a generated C enum, stored as int */
    BEACON_TYPE_ATTRIBUTES = 9 /* const beacon_attr * + size_t count */
} beacon_type;

typedef enum beacon_pii {
    BEACON_PII_NONE = 0,
    BEACON_PII_HASH = 1,
    BEACON_PII_REDACT = 2,
    BEACON_PII_DROP = 3,
    BEACON_PII_SCRUB = 4
} beacon_pii;

typedef enum beacon_level {
    BEACON_LEVEL_DEBUG = 0,
    BEACON_LEVEL_INFO = 1,
    BEACON_LEVEL_WARN = 2,
    BEACON_LEVEL_ERROR = 3
} beacon_level;

typedef enum beacon_correlation {
    BEACON_CORR_NONE = 0,
    BEACON_CORR_BEGIN = 1, /* emit continues the current trace or starts one; returns its id */
    BEACON_CORR_FOLLOW = 2 /* constructor takes the id of a begin event */
} beacon_correlation;

typedef enum beacon_event_kind {
    BEACON_KIND_EVENT = 0,
    BEACON_KIND_SPAN_START = 1,
    BEACON_KIND_SPAN_STOP = 2,
    BEACON_KIND_SPAN_EXCEPTION = 3
} beacon_event_kind;

/* Field flags. */
#define BEACON_FIELD_OPTIONAL   0x01u
#define BEACON_FIELD_DEPRECATED 0x02u
#define BEACON_FIELD_HAS_MIN    0x04u
#define BEACON_FIELD_HAS_MAX    0x08u

/* A numeric bound; which member is meaningful follows the field's type
 * (i: int/timestamp/duration, u: uint, d: double). */
typedef union beacon_bound {
    int64_t i;
    uint64_t u;
    double d;
} beacon_bound;

typedef struct beacon_enum_desc {
    const char *name;          /* catalog enum name */
    const char *const *values; /* value names; C value i ↔ values[i] */
    const char *const *descriptions;
    const uint8_t *deprecated; /* 1 per deprecated value */
    uint32_t count;
} beacon_enum_desc;

typedef struct beacon_field_desc {
    const char *name;        /* catalog field name (JSON key) */
    const char *description; /* may be NULL */
    const char *unit;        /* may be NULL */
    uint8_t type;            /* beacon_type of the value or of each list element */
    uint8_t is_list;         /* list<T>: items pointer at offset, size_t count at count_offset */
    uint8_t pii;             /* beacon_pii */
    uint8_t flags;           /* BEACON_FIELD_* */
    int32_t presence_bit;    /* index into the event's presence bits; -1 = required */
    uint32_t offset;         /* offsetof the value (or items pointer) in the struct */
    uint32_t count_offset;   /* lists and attributes: offsetof the size_t count */
    const beacon_enum_desc *enum_desc; /* BEACON_TYPE_ENUM only */
    beacon_bound min;                  /* valid with BEACON_FIELD_HAS_MIN */
    beacon_bound max;                  /* valid with BEACON_FIELD_HAS_MAX */
    uint32_t max_length; /* strings (and attribute keys/values): bytes; 0 = unbounded */
    uint32_t max_items;  /* lists and attributes; 0 = unbounded */
} beacon_field_desc;

/* Mutable per-event runtime state. Storage is emitted by the generator; only
 * the runtime writes it. opaque[0]: the sampling generation the threshold
 * in opaque[1] was computed for; opaque[2]: that generation when the event
 * is kept whole, else 0 (read by beacon_gen_begin); opaque[3]: unused. */
typedef struct beacon_event_state {
    uint64_t opaque[4];
} beacon_event_state;

struct beacon_catalog_desc;

typedef struct beacon_event_desc {
    const struct beacon_catalog_desc *catalog;
    const char *name;        /* dotted event name, e.g. "upload.received" */
    const char *category;    /* may be NULL */
    const char *description; /* may be NULL */
    uint32_t id;             /* index in catalog->events */
    uint8_t level;           /* beacon_level */
    uint8_t correlation;     /* beacon_correlation */
    uint8_t kind;            /* beacon_event_kind */
    uint8_t deprecated;
    double sample_rate;       /* catalog default, 0..1 */
    uint32_t struct_size;     /* sizeof the generated struct */
    uint32_t presence_offset; /* offsetof the uint8_t presence bit array */
    const beacon_field_desc *fields;
    uint32_t field_count;
    uint32_t json_max; /* <PREFIX>_<EVENT>_JSON_MAX, 0 when unbounded */
    beacon_event_state *state;
} beacon_event_desc;

typedef struct beacon_catalog_desc {
    uint32_t abi;       /* BEACON_GEN_ABI the code was generated for */
    const char *name;   /* catalog name */
    const char *prefix; /* C prefix */
    const char *hash;   /* sha256 of the catalog source, hex */
    int64_t version;    /* catalog revision */
    const char *description;
    const beacon_event_desc *const *events;
    uint32_t event_count;
    const beacon_enum_desc *const *enums;
    uint32_t enum_count;
    const beacon_field_desc *context; /* context fields; offsets unused */
    uint32_t context_count;
} beacon_catalog_desc;

/* Every generated struct starts with this header. _make() fills desc and
 * zeroes the rest; the runtime stamps time and ids at emit. */
typedef struct beacon_event_hdr {
    const beacon_event_desc *desc;
    int64_t time_ns;               /* 0: stamped at emit */
    beacon_trace_id trace_id;      /* zero: from the current context, if any */
    beacon_span_id span_id;        /* zero: none */
    beacon_span_id parent_span_id; /* zero: from the current context, if any */
} beacon_event_hdr;

/* State of an open span, embedded in generated span handles. */
typedef struct beacon_span_state {
    beacon_trace_id trace_id;
    beacon_span_id span_id;
    beacon_span_id parent_span_id;
    int64_t start_mono_ns;
    uint32_t flags; /* runtime-private */
} beacon_span_state;

/* =========================================================================
 * Entry points called by generated code
 * ========================================================================= */

/* Flags for beacon_gen_to_json. */
#define BEACON_JSON_RAW_PII 0x1u /* write PII fields unredacted (trusted use only) */

/* Serialize `ev` (a generated struct, starting with its header) as the
 * canonical JSON object into buf[0..cap). Writes at most cap bytes and
 * NUL-terminates when cap > 0 and the output fits; returns the length the
 * full output needs (excluding the NUL), like snprintf. Never allocates.
 * NULL ev returns 0. Thread-safe; ev is borrowed for the call. */
BEACON_API size_t beacon_gen_to_json(const beacon_event_hdr *ev, char *buf, size_t cap,
                                     unsigned flags);

/* Validate and hand `ev` to the runtime. Strings and lists are copied before
 * return. For correlation: begin events, *out_trace (may be NULL) receives
 * the trace id (the current context's, else a new one; all-zero when the
 * event was not accepted). A follow event with an all-zero trace id is
 * rejected (BEACON_ERR_INVALID_EVENT, counted). Thread-safe. */
BEACON_API beacon_status beacon_gen_emit(const beacon_event_hdr *ev, beacon_trace_id *out_trace);

/* ---- Direct emit: generated code writes the ring record itself ----------
 *
 * For events whose layout the generator knows completely (scalars and
 * strings), the generated _emit validates inline, reserves the record with
 * beacon_gen_begin (or beacon_gen_reserve), copies its struct and strings
 * into it and publishes it with beacon_gen_end (or beacon_gen_commit): the
 * same record beacon_gen_emit would write, without walking the descriptor.
 * Record layout (shared with the runtime's decoder):
 *
 *   record start                      the runtime's head: size, flags, the
 *                                     caller's tick count, context reference
 *   + BEACON_GEN_RECORD_STRUCT_OFFSET a verbatim copy of the event struct
 *                                     (its header carries the correlation ids)
 *   + BEACON_GEN_ALIGN8(struct size)  each string, NUL-terminated, every one
 *                                     starting on an 8-byte boundary
 *
 * A string pointer inside the copy holds instead the string's byte offset
 * from the record start as a uintptr_t (0: NULL or absent). A string is kept
 * up to beacon_gen_kept_len(s, max_length) bytes, where max_length is 0 for
 * `pii: scrub` fields (scrubbing must see the whole text before the cut). */

/* Offset of the event struct copy from the record start (a multiple of 8). */
#define BEACON_GEN_RECORD_STRUCT_OFFSET 24u

/* n rounded up to the record alignment (8). */
#define BEACON_GEN_ALIGN8(n) (((size_t)(n) + 7u) & ~(size_t)7u)

/* The producer side of a thread's event ring. Runtime-private: its layout
 * is here only so that generated code can reserve and publish a record
 * inline (beacon_gen_begin / beacon_gen_end); nothing else may touch it.
 * Positions are free-running byte counts; the buffer holds records of an
 * 8-byte length word followed by the record. */
typedef struct beacon_gen_ring {
    size_t head;        /* published position: release store, producer only */
    size_t limit;       /* a record may end at this position without a look at the
                           consumer and without crossing the end of the buffer */
    size_t wake_at;     /* past this position the ring is more than half full */
    unsigned char *buf; /* capacity bytes */
    size_t mask;        /* capacity - 1 (a power of two) */
    uint64_t pushed;    /* records published: relaxed store, producer only */
    size_t tail_cache;  /* runtime-private: the last view of the consumer's position */
    size_t max_record;  /* largest record kept in the ring (larger ones go to the heap) */
} beacon_gen_ring;

/* The calling thread's emit state. Runtime-private, like beacon_gen_ring. */
typedef struct beacon_gen_lane {
    uint64_t epoch; /* `ring` is fit for emit while this equals the open epoch */
    /* `epoch` while ticks come from the TSC (which generated code reads
     * itself), else 0: the inline path is open when this equals the open
     * epoch. */
    uint64_t fast;
    beacon_gen_ring *ring; /* the thread's ring, or NULL */
    void *ctx;             /* the thread's context slots; NULL: no context set */
    uint32_t span_depth;   /* open spans and pushed contexts */
    uint32_t reserved_;
    unsigned long registry; /* runtime-private */
    uint64_t rng;           /* the thread's sampling generator (xorshift64); 0: unseeded */
} beacon_gen_lane;

/* Process-wide emit state read on every emit. Runtime-private. */
typedef struct beacon_gen_globals {
    uint64_t epoch;      /* nonzero while emit is open; new at every opening */
    uint64_t sample_gen; /* sampling configuration generation (never 0) */
    int32_t sleeping;    /* the worker waits to be woken by the next commit */
    int32_t tsc;         /* ticks are the x86 time-stamp counter */
    unsigned char reserved_[40];
} beacon_gen_globals;

/* The inline fast path exists where the runtime's thread-local and atomic
 * builtins can be reached from generated C code and positions are 64-bit:
 * C (not C++) compiled by GCC or Clang for x86-64 (LP64). */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(__cplusplus) && defined(__x86_64__) &&   \
    defined(__LP64__)
#define BEACON_GEN_INLINE 1
#else
#define BEACON_GEN_INLINE 0
#endif

#if defined(__GNUC__) || defined(__clang__)
/* Thread-local storage model of the lane: one %fs-relative load even when
 * the runtime is a shared library (the few bytes fit glibc's static TLS
 * surplus). ThreadSanitizer builds keep the default model. */
#if defined(__SANITIZE_THREAD__)
#define BEACON_GEN_TLS_MODEL
#else
#define BEACON_GEN_TLS_MODEL __attribute__((tls_model("initial-exec")))
#endif
/* The calling thread's lane, and the shared emit state (runtime-private). */
BEACON_API extern __thread beacon_gen_lane beacon_gen_lane_tls BEACON_GEN_TLS_MODEL;
BEACON_API extern beacon_gen_globals beacon_gen_g;
#endif

/* Caller memory (a local of the generated _emit) between reserve and commit.
 * Members are runtime-private except status. */
typedef struct beacon_gen_slot {
    /* The first three members have the layout of ABI 1's slot, so that
     * beacon_gen_reserve can refuse code of ABI 1 (its 24-byte slot) with
     * BEACON_ERR_ABI without writing past them. */
    void *ring;           /* the runtime's path: the calling thread's ring */
    size_t ring_bytes;    /* the runtime's path: bytes reserved in the ring */
    beacon_status status; /* why beacon_gen_begin/beacon_gen_reserve returned NULL */
    uint32_t correlated;  /* the runtime's path: ids below replace the event's */
    void *body;           /* the runtime's path: the record's start */
    beacon_trace_id trace_id;
    beacon_span_id span_id;
    beacon_span_id parent_span_id;
} beacon_gen_slot;

/* Caller memory (a local of the generated _emit) that beacon_gen_begin's
 * inline path hands to beacon_gen_end: the ring (NULL when the runtime's
 * path was taken) and the position to publish. Kept apart from the slot,
 * whose address the runtime's path takes, so it can live in registers. */
typedef struct beacon_gen_fast {
    beacon_gen_ring *ring;
    size_t next;
} beacon_gen_fast;

/* Everything beacon_gen_emit does except validating and encoding: the emit
 * gate, the ABI check, sampling, the thread's ring, room for a record of
 * `size` bytes (the whole record, head included; waiting or dropping on a
 * full ring as configured; the heap for records larger than the ring), the
 * correlation ids and context snapshot. Returns where the event struct copy
 * goes (record start + BEACON_GEN_RECORD_STRUCT_OFFSET; the `size` -
 * BEACON_GEN_RECORD_STRUCT_OFFSET bytes from there are the caller's to fill),
 * or NULL with slot->status set and the drop already counted. `ev` must be
 * valid (the caller checked it as beacon_gen_emit would); it is borrowed for
 * the call. For begin events *out_trace (may be NULL) receives the trace id
 * (all-zero when NULL is returned). NULL slot returns NULL; NULL ev, or a
 * size below BEACON_GEN_RECORD_STRUCT_OFFSET + the struct size, sets
 * BEACON_ERR_INVALID_ARGUMENT. After a non-NULL return the caller must call
 * beacon_gen_commit with the same slot, on the same thread, before any other
 * emit (the record is invisible until then); the correlation ids are written
 * into the struct copy then, so copy the struct first. No lock, allocation
 * or system call after the thread's first emit, except where beacon_gen_emit
 * has them too (oversized records, blocking on a full ring, waking the
 * worker). Thread-safe (each thread reserves in its own ring). */
BEACON_API void *beacon_gen_reserve(const beacon_event_hdr *ev, size_t size, beacon_gen_slot *slot,
                                    beacon_trace_id *out_trace);

/* Publish the record reserved with beacon_gen_reserve to the worker (and
 * wake it when needed) and return BEACON_OK; a NULL slot or one holding no
 * reservation returns BEACON_ERR_INVALID_ARGUMENT. The thread that reserved
 * only. */
BEACON_API beacon_status beacon_gen_commit(beacon_gen_slot *slot);

/* A reference to the calling thread's current context snapshot for
 * `catalog`, for the record beacon_gen_begin is writing (the worker gives
 * it back), or NULL when the thread has no context field of that catalog
 * set (or catalog is NULL). Thread-safe (per-thread state). */
BEACON_API void *beacon_gen_context_ref(const struct beacon_catalog_desc *catalog);

/* Resolve the correlation ids of `copy`, the struct copy of a record being
 * written by the calling thread, against the thread's open spans and pushed
 * contexts, as beacon_gen_emit does (an explicit trace id wins; else the
 * innermost span's trace, with that span as parent). Called by
 * beacon_gen_end when a span is open. copy must not be NULL. Thread-safe
 * (per-thread state). */
BEACON_API void beacon_gen_correlate(beacon_event_hdr *copy);

/* Count one event sampled out on the ring of the calling thread (the
 * sampled-out counter beacon_stats reports). The thread that owns r only;
 * NULL is a no-op. */
BEACON_API void beacon_gen_sampled(beacon_gen_ring *r);

/* Called by beacon_gen_publish and beacon_gen_end after publishing when
 * the ring looked more than half full or the worker sleeps: looks at the
 * consumer's position and wakes the worker if needed. NULL is a no-op. The
 * thread that owns r only. */
BEACON_API void beacon_gen_notify(beacon_gen_ring *r);

#if BEACON_GEN_INLINE
/* Inline sampling for beacon_gen_begin, for an event whose sample rate is
 * below 1: when its threshold (opaque[1]) is current (opaque[0] == gen), a
 * draw of the thread's xorshift generator keeps the event when it is below
 * the threshold (returns 1); otherwise the drop is counted
 * (beacon_gen_sampled) and 0 returned. Returns -1 when the threshold is
 * stale or the generator unseeded: the runtime's path decides. */
static inline int beacon_gen_sample_decide(beacon_gen_lane *lane, const beacon_event_state *st,
                                           uint64_t gen) {
    if (__atomic_load_n(&st->opaque[0], __ATOMIC_ACQUIRE) != gen || lane->rng == 0) return -1;
    uint64_t thr = __atomic_load_n(&st->opaque[1], __ATOMIC_RELAXED);
    if (thr == UINT64_MAX) return 1; /* kept whole (opaque[2] was read before it said so) */
    uint64_t x = lane->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    lane->rng = x;
    if (x < thr) return 1;
    beacon_gen_sampled(lane->ring);
    return 0;
}
#endif

/* The tick count for the record of an event emitted now: the time-stamp
 * counter where the inline path exists, else 0 (the runtime's path stamps
 * the event itself). A generated _emit reads it first, so that the
 * counter's latency overlaps the checks that follow. Thread-safe. */
static inline uint64_t beacon_gen_ticks(void) {
#if BEACON_GEN_INLINE
    return (uint64_t)__builtin_ia32_rdtsc();
#else
    return 0;
#endif
}

#if BEACON_GEN_INLINE
/* Writes the head of a record of `size` bytes (8-aligned, head included)
 * at rec: the length word, the runtime's head (size, flags, ticks) and the
 * context reference ctx. (An event that carries its own time keeps it: the
 * worker reads the ticks only when the struct's time_ns is 0.) */
static inline void beacon_gen_put_head(unsigned char *rec, size_t size, uint64_t ticks, void *ctx) {
    uint64_t len = size;
    uint32_t head32[2] = {(uint32_t)size, 0};
    memcpy(rec, &len, sizeof len);
    memcpy(rec + 8, head32, sizeof head32);
    memcpy(rec + 16, &ticks, sizeof ticks);
    memcpy(rec + 24, &ctx, sizeof ctx);
}

/* The test both inline paths start with: emit open for the lane with ticks
 * from the TSC (lane.fast), the event's state present, and a record of
 * `size` bytes (8-aligned) no larger than the ring keeps (max_record) that
 * fits before the end of the buffer and in the room last seen free
 * (ring.limit). Returns the lane's ring, with its head in *head and the
 * position after the record in *next; NULL otherwise (nothing done). */
static inline beacon_gen_ring *beacon_gen_room(const beacon_gen_lane *lane,
                                               const beacon_event_state *st, uint64_t epoch,
                                               size_t size, size_t *head, size_t *next) {
    if (__builtin_expect((lane->fast != epoch) | (epoch == 0) | (st == NULL), 0)) return NULL;
    beacon_gen_ring *r = lane->ring;
    *head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    *next = *head + sizeof(uint64_t) + size;
    if (__builtin_expect((*next > r->limit) | (size > r->max_record), 0)) return NULL;
    return r;
}
#endif

/* The plain case of beacon_gen_begin, inline and without any call: emit
 * open, the thread's ring set up and ticks from the TSC (lane.fast), no
 * context set and no span open on the thread, the event kept whole
 * (opaque[2] holds the current sampling generation), and a record no
 * larger than the ring keeps (max_record) that fits before the end of the
 * buffer and in the room last seen free (ring.limit). Then it writes the
 * record head, with `ticks` from beacon_gen_ticks, and returns where the
 * struct copy goes; publish with beacon_gen_publish(fast). Otherwise it
 * returns NULL having done nothing (no count, no draw): call
 * beacon_gen_begin instead. `ev` must be valid (checked by the caller);
 * `fast` is caller memory that need not be initialised. Thread-safe (each
 * thread writes its own ring). */
static inline void *beacon_gen_claim(const beacon_event_hdr *ev, size_t size, uint64_t ticks,
                                     beacon_gen_fast *fast) {
#if BEACON_GEN_INLINE
    beacon_gen_lane *lane = &beacon_gen_lane_tls;
    const beacon_event_state *st = ev->desc->state;
    uint64_t epoch = __atomic_load_n(&beacon_gen_g.epoch, __ATOMIC_RELAXED);
    uint64_t gen = __atomic_load_n(&beacon_gen_g.sample_gen, __ATOMIC_RELAXED);
    if (__builtin_expect((lane->ctx != NULL) | (lane->span_depth != 0), 0)) return NULL;
    size = BEACON_GEN_ALIGN8(size);
    size_t head, next;
    beacon_gen_ring *r = beacon_gen_room(lane, st, epoch, size, &head, &next);
    if (__builtin_expect(r == NULL, 0) ||
        __builtin_expect(__atomic_load_n(&st->opaque[2], __ATOMIC_ACQUIRE) != gen, 0))
        return NULL;
    unsigned char *rec = r->buf + (head & r->mask);
    beacon_gen_put_head(rec, size, ticks, NULL);
    fast->ring = r;
    fast->next = next;
    return rec + sizeof(uint64_t) + BEACON_GEN_RECORD_STRUCT_OFFSET;
#else
    (void)ev;
    (void)size;
    (void)ticks;
    fast->ring = NULL;
    return NULL;
#endif
}

/* Publish the record of beacon_gen_claim (once) and return BEACON_OK,
 * waking the worker when needed (beacon_gen_notify). The thread that
 * claimed only; fast must hold a claim. */
static inline beacon_status beacon_gen_publish(const beacon_gen_fast *fast) {
#if BEACON_GEN_INLINE
    beacon_gen_ring *r = fast->ring;
    size_t next = fast->next;
    /* Counted before publication, so whoever sees the record sees the count. */
    __atomic_store_n(&r->pushed, __atomic_load_n(&r->pushed, __ATOMIC_RELAXED) + 1,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&r->head, next, __ATOMIC_RELEASE);
    if (__builtin_expect((next > r->wake_at) |
                             (__atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED) != 0),
                         0))
        beacon_gen_notify(r);
    return BEACON_OK;
#else
    (void)fast;
    return BEACON_ERR_INVALID_ARGUMENT;
#endif
}

/* beacon_gen_reserve for events that are not `begin` events, with the
 * common case inline: emit open, the thread's ring set up and ticks from
 * the TSC (lane.fast), the event kept (whole, when the event state's
 * opaque[2] holds the current sampling generation, or by the thread's own
 * draw against a current threshold: beacon_gen_sample_decide, which counts
 * a drop and makes this return NULL with BEACON_ERR_SAMPLED_OUT), the
 * record no larger than the ring keeps (max_record) and fitting before the
 * end of the buffer and in the room last seen free (ring.limit). Then it
 * writes the record head itself, with `ticks` from beacon_gen_ticks and the
 * thread's context reference (beacon_gen_context_ref, when the thread set
 * any), and returns the struct copy's place; otherwise it calls
 * beacon_gen_reserve. Same contract, ending with beacon_gen_end (given the
 * same fast and slot) instead of beacon_gen_commit; `fast` is caller memory
 * that need not be initialised. A generated _emit calls it when
 * beacon_gen_claim declined. */
static inline void *beacon_gen_begin(const beacon_event_hdr *ev, size_t size, uint64_t ticks,
                                     beacon_gen_fast *fast, beacon_gen_slot *slot) {
#if BEACON_GEN_INLINE
    beacon_gen_lane *lane = &beacon_gen_lane_tls;
    const beacon_event_state *st = ev->desc->state;
    uint64_t epoch = __atomic_load_n(&beacon_gen_g.epoch, __ATOMIC_RELAXED);
    uint64_t gen = __atomic_load_n(&beacon_gen_g.sample_gen, __ATOMIC_RELAXED);
    size_t size8 = BEACON_GEN_ALIGN8(size), head, next;
    /* Only when the record fits (as last seen; the runtime's path looks
     * again) is the event sampled here, so none is drawn twice. */
    beacon_gen_ring *r = beacon_gen_room(lane, st, epoch, size8, &head, &next);
    if (__builtin_expect(r != NULL, 1)) {
        /* Kept whole (opaque[2] holds the current generation), or sampled
         * here; -1 leaves it to the runtime. */
        int keep = __atomic_load_n(&st->opaque[2], __ATOMIC_ACQUIRE) == gen
                       ? 1
                       : beacon_gen_sample_decide(lane, st, gen);
        if (__builtin_expect(keep == 0, 0)) {
            fast->ring = NULL;
            slot->status = BEACON_ERR_SAMPLED_OUT;
            return NULL;
        }
        if (__builtin_expect(keep > 0, 1)) {
            unsigned char *rec = r->buf + (head & r->mask);
            /* The thread's context snapshot for this catalog, if it set any. */
            void *ctx = __builtin_expect(lane->ctx == NULL, 1)
                            ? NULL
                            : beacon_gen_context_ref(ev->desc->catalog);
            beacon_gen_put_head(rec, size8, ticks, ctx);
            fast->ring = r;
            fast->next = next;
            return rec + sizeof(uint64_t) + BEACON_GEN_RECORD_STRUCT_OFFSET;
        }
    }
#else
    (void)ticks;
#endif
    fast->ring = NULL;
    return beacon_gen_reserve(ev, size, slot, NULL);
}

/* Publish the record of beacon_gen_begin (once): inline when
 * beacon_gen_begin took its inline path (fast->ring set), else
 * beacon_gen_commit(slot). Returns BEACON_OK (see beacon_gen_commit). The
 * thread that reserved only. */
static inline beacon_status beacon_gen_end(const beacon_gen_fast *fast, beacon_gen_slot *slot) {
#if BEACON_GEN_INLINE
    beacon_gen_ring *r = fast->ring;
    if (__builtin_expect(r != NULL, 1)) {
        size_t next = fast->next;
        /* Inside a span (or a pushed remote context) the event joins it: its
         * ids in the struct copy are resolved against the thread's stack. */
        if (__builtin_expect(beacon_gen_lane_tls.span_depth != 0, 0)) {
            unsigned char *rec = r->buf + (__atomic_load_n(&r->head, __ATOMIC_RELAXED) & r->mask);
            beacon_gen_correlate((beacon_event_hdr *)(void *)(rec + sizeof(uint64_t) +
                                                              BEACON_GEN_RECORD_STRUCT_OFFSET));
        }
        /* Counted before publication, so whoever sees the record sees the count. */
        __atomic_store_n(&r->pushed, __atomic_load_n(&r->pushed, __ATOMIC_RELAXED) + 1,
                         __ATOMIC_RELAXED);
        __atomic_store_n(&r->head, next, __ATOMIC_RELEASE);
        if (__builtin_expect((next > r->wake_at) |
                                 (__atomic_load_n(&beacon_gen_g.sleeping, __ATOMIC_RELAXED) != 0),
                             0))
            beacon_gen_notify(r);
        return BEACON_OK;
    }
#else
    (void)fast;
#endif
    return beacon_gen_commit(slot);
}

/* Whether beacon_gen_kept_len scans a string in aligned 16-byte blocks
 * inline (1) or calls memchr/strlen (0). A block that holds a byte of the
 * string never crosses a page, so the scan cannot fault, but it reads the
 * bytes around the string inside its first and last block; memory checkers
 * would report those reads (Valgrind's memcheck accepts them with its
 * default --partial-loads-ok=yes). So builds with AddressSanitizer,
 * ThreadSanitizer or MemorySanitizer, and builds that define
 * BEACON_GEN_STRICT_READS, call memchr/strlen. */
#if BEACON_GEN_INLINE && defined(__SSE2__) && !defined(BEACON_GEN_STRICT_READS) &&                 \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) &&                             \
    !defined(__SANITIZE_HWADDRESS__)
#define BEACON_GEN_WIDE_SCAN 1
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer) || __has_feature(hwaddress_sanitizer)
#undef BEACON_GEN_WIDE_SCAN
#define BEACON_GEN_WIDE_SCAN 0
#endif
#endif
#else
#define BEACON_GEN_WIDE_SCAN 0
#endif

/* Bytes of s a record keeps: all of it when max_length is 0, else at most
 * max_length + 1, so the serializer still sees (and reports) the cut. s must
 * not be NULL. Looks at no byte past the first NUL or the cut, except, with
 * BEACON_GEN_WIDE_SCAN, the rest of the aligned 16-byte block holding it
 * (and the bytes before s in its first block). */
static inline size_t beacon_gen_kept_len(const char *s, uint32_t max_length) {
#if BEACON_GEN_WIDE_SCAN
    typedef char beacon_gen_v16_ __attribute__((vector_size(16), aligned(16), may_alias));
    const beacon_gen_v16_ zero = {0};
    /* Unbounded strings are scanned here for their first 64 bytes, then by strlen. */
    size_t lim = max_length != 0 ? (size_t)max_length + 1u : 64u;
    const char *block = (const char *)((uintptr_t)s & ~(uintptr_t)15);
    unsigned skip = (unsigned)((uintptr_t)s & 15u);
    unsigned nul = (unsigned)__builtin_ia32_pmovmskb128(
                       *(const beacon_gen_v16_ *)(const void *)block == zero) >>
                   skip;
    size_t n = 16u - skip;
    if (nul != 0) {
        n = (size_t)__builtin_ctz(nul);
    } else {
        for (;;) {
            if (n >= lim) {
                if (max_length != 0) return lim;
                /* Hidden from the compiler, which may know s's object is
                 * shorter than this scan and warn (-Wstringop-overread). */
                const char *rest = s + n;
                __asm__("" : "+r"(rest));
                return n + strlen(rest);
            }
            block += 16;
            nul = (unsigned)__builtin_ia32_pmovmskb128(
                *(const beacon_gen_v16_ *)(const void *)block == zero);
            if (nul != 0) {
                n += (size_t)__builtin_ctz(nul);
                break;
            }
            n += 16u;
        }
    }
    return max_length != 0 && n > lim ? lim : n;
#else
    if (max_length == 0) return strlen(s);
    const char *nul = (const char *)memchr(s, '\0', (size_t)max_length + 1u);
    return nul ? (size_t)(nul - s) : (size_t)max_length + 1u;
#endif
}

/* Append s (len bytes and a NUL) to the record `rec` at byte `pos` and store
 * its offset from rec in `slot`, the string's pointer member inside the
 * struct copy (0 and nothing appended when s is NULL). Returns the next
 * 8-aligned position. */
static inline size_t beacon_gen_put_string(char *rec, size_t pos, void *slot, const char *s,
                                           size_t len) {
    uintptr_t off = 0;
    if (s != NULL) {
        char *d = rec + pos;
        /* Short strings, the usual case, with two overlapping fixed-size
         * copies (no call); never a byte outside s[0..len). */
        if (len >= 16 && len <= 32) {
            memcpy(d, s, 16);
            memcpy(d + len - 16, s + len - 16, 16);
        } else if (len >= 8 && len < 16) {
            memcpy(d, s, 8);
            memcpy(d + len - 8, s + len - 8, 8);
        } else {
            memcpy(d, s, len);
        }
        d[len] = '\0';
        off = (uintptr_t)pos;
        pos = BEACON_GEN_ALIGN8(pos + len + 1u);
    }
    memcpy(slot, &off, sizeof off);
    return pos;
}

/* Set (value non-NULL: a pointer to a value of the field's C type; strings
 * are copied) or unset (value NULL) context field `index` of `catalog` for
 * the calling thread. Thread-safe (per-thread state). */
BEACON_API beacon_status beacon_gen_context_set(const beacon_catalog_desc *catalog, uint32_t index,
                                                const void *value);

/* Unset every context field of `catalog` for the calling thread. */
BEACON_API void beacon_gen_context_clear(const beacon_catalog_desc *catalog);

/* Open a span: new span id, trace id from the current context or fresh, start
 * time from a monotonic clock. `st` is caller memory. */
BEACON_API void beacon_gen_span_start(beacon_span_state *st);

/* Close a span opened by beacon_gen_span_start; returns its duration in ns
 * (>= 0). Calling it twice returns the first duration again. */
BEACON_API int64_t beacon_gen_span_finish(beacon_span_state *st);

/* The ABI version the linked runtime implements (== BEACON_GEN_ABI). */
BEACON_API uint32_t beacon_gen_abi(void);

/* =========================================================================
 * Stack traces (for catalog fields marked `stacktrace: true`)
 * ========================================================================= */

/* Most frames one capture records, and bytes of text they share. */
#define BEACON_BACKTRACE_MAX_FRAMES 32
#define BEACON_BACKTRACE_TEXT       4096

/* The frames of one captured call stack, innermost first. Each frame is
 * "symbol+0x1a" (an exported function and the offset of the return address
 * in it) or "module+0x1234" (the file name of the executable or library, no
 * directory, and the offset from its load address) when no exported symbol
 * covers it, or "??" when nothing is known. Frames never hold absolute
 * addresses, argument values, or any error message. Caller memory (usually
 * on the stack); frames[i] points into text, so they stay valid as long as
 * this struct is neither freed nor overwritten. */
typedef struct beacon_backtrace {
    const char *frames[BEACON_BACKTRACE_MAX_FRAMES];
    size_t count; /* valid entries of frames */
    char text[BEACON_BACKTRACE_TEXT];
} beacon_backtrace;

/* Records the calling thread's stack into *bt, innermost frames first,
 * leaving out the `skip` innermost ones (0: the first frame is the function
 * that calls this; 1: its caller; 32 or more: nothing is recorded), and
 * returns the number of frames recorded (bt->count). Frames that do not fit
 * in BEACON_BACKTRACE_MAX_FRAMES or in bt->text are left out; a long symbol
 * name is cut. Returns 0 with bt->count = 0 where the platform has no
 * backtrace() (anything but glibc) or no frame could be read; NULL bt
 * returns 0. Allocates nothing itself (glibc may allocate once, the first
 * time any thread unwinds, to load its unwinder). Thread-safe for distinct
 * bt; not async-signal-safe (symbol lookup takes the loader's lock), so do
 * not call it from a signal handler.
 * @code
 *   beacon_backtrace bt;
 *   size_t n = beacon_backtrace_capture(&bt, 0);
 *   for (size_t i = 0; i < n; i++) puts(bt.frames[i]);
 * @endcode
 */
BEACON_API size_t beacon_backtrace_capture(beacon_backtrace *bt, unsigned skip);

#ifdef __cplusplus
}
#endif

#endif /* BEACON_BEACON_GEN_H */
