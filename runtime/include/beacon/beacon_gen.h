/* beacon_gen.h — the stable ABI between generated event code and the runtime.
 *
 * Generated `<prefix>_events.h` headers include only this header. It defines
 * the descriptor types (data the generator emits for every catalog), the
 * value types used in generated structs, the status codes, and the handful
 * of runtime entry points generated wrappers call. The emit fast path that
 * generated `.c` files compile in (ring layout, thread lane, inline helpers)
 * is in <beacon/beacon_gen_inline.h>, which programs never need. Application
 * code normally uses the generated API and <beacon/beacon.h>, not these
 * entry points.
 *
 * Any change to a type or function here or in beacon_gen_inline.h that
 * generated code depends on bumps BEACON_GEN_ABI. Generated headers refuse
 * to compile against another value, and every runtime symbol generated code
 * references carries the number in its name (beacon_gen_emit is a macro
 * for beacon_gen4_emit), so an object generated for another ABI fails to
 * link instead of misbehaving at run time.
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
#define BEACON_GEN_ABI 4

/* The link names of the runtime entry points for this ABI version: code
 * calls the unversioned names, which are macros for these. A new ABI
 * version renames them all (here and in beacon_gen_inline.h). */
#define beacon_gen_to_json       beacon_gen4_to_json
#define beacon_gen_emit          beacon_gen4_emit
#define beacon_gen_context_set   beacon_gen4_context_set
#define beacon_gen_context_clear beacon_gen4_context_clear
#define beacon_gen_span_start    beacon_gen4_span_start
#define beacon_gen_span_finish   beacon_gen4_span_finish
#define beacon_gen_span_finished beacon_gen4_span_finished

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

/* ---- wire fidelity: deprecation reasons -------------------------------
 * As above, with the catalog's reason (a string literal) in the compiler's
 * message. */
#if defined(__cplusplus) && __cplusplus >= 201402L
#define BEACON_DEPRECATED_MSG(msg) [[deprecated(msg)]]
#elif defined(__GNUC__) || defined(__clang__)
#define BEACON_DEPRECATED_MSG(msg) __attribute__((deprecated(msg)))
#else
#define BEACON_DEPRECATED_MSG(msg)
#endif
#if defined(__cplusplus) && __cplusplus >= 201703L
#define BEACON_DEPRECATED_ENUMERATOR_MSG(msg) [[deprecated(msg)]]
#elif defined(__GNUC__) || defined(__clang__)
#define BEACON_DEPRECATED_ENUMERATOR_MSG(msg) __attribute__((deprecated(msg)))
#else
#define BEACON_DEPRECATED_ENUMERATOR_MSG(msg)
#endif
/* ---- end wire fidelity ---- */

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
    BEACON_ERR_REENTRANT = 15,   /* emitted while this thread's emit was interrupted
                                    (a signal handler); event dropped */
    BEACON_STATUS_COUNT_ = 16
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

/* The handle of one lifecycle: what the emit of a `correlation: begin`
 * event returns and the constructors of its follow events take. It names
 * the trace the begin event continued or started and the begin event's own
 * span, which follow events carry as their parent_span_id, and which
 * becomes the parent of what runs under the handle once it is the current
 * context (beacon_context_push_lifecycle in <beacon/beacon_trace.h>). A
 * plain value: copy it freely, across threads too. All-zero (what a failed
 * begin leaves) means none; follow events given it are rejected. */
typedef struct beacon_lifecycle {
    beacon_trace_id trace_id; /* the trace of the lifecycle */
    beacon_span_id span_id;   /* the begin event's span id */
    uint8_t flags;            /* the trace's W3C trace-flags (BEACON_TRACE_FLAG_SAMPLED) */
} beacon_lifecycle;

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
    BEACON_CORR_BEGIN = 1, /* emit continues the current trace or starts one with a span of
                              its own; returns the lifecycle handle */
    BEACON_CORR_FOLLOW = 2 /* constructor takes the handle of a begin event */
} beacon_correlation;

typedef enum beacon_event_kind {
    BEACON_KIND_EVENT = 0,
    BEACON_KIND_SPAN_START = 1,
    BEACON_KIND_SPAN_STOP = 2,
    BEACON_KIND_SPAN_EXCEPTION = 3
} beacon_event_kind;

/* ---- wire fidelity: the unit a duration is written in (the C value is
 * always nanoseconds). NS, US and MS are written as integers (truncated
 * toward zero), S as a number. ---- */
typedef enum beacon_duration_unit {
    BEACON_UNIT_NS = 0,
    BEACON_UNIT_US = 1,
    BEACON_UNIT_MS = 2,
    BEACON_UNIT_S = 3
} beacon_duration_unit;

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
    const char *const *values; /* wire strings of the values; C value i ↔ values[i] */
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
    int32_t presence_bit;    /* optional scalars: index into the event's presence bits;
                                -1: required, or an optional string, list or attributes
                                field (present when its pointer is non-NULL) */
    uint32_t offset;         /* offsetof the value (or items pointer) in the struct */
    uint32_t count_offset;   /* lists and attributes: offsetof the size_t count */
    const beacon_enum_desc *enum_desc; /* BEACON_TYPE_ENUM only */
    beacon_bound min;                  /* valid with BEACON_FIELD_HAS_MIN */
    beacon_bound max;                  /* valid with BEACON_FIELD_HAS_MAX */
    uint32_t max_length; /* strings (and attribute keys/values): bytes; 0 = unbounded */
    uint32_t max_items;  /* lists and attributes; 0 = unbounded */
    /* ---- wire fidelity (catalog key:, unit:, default:) ---- */
    const char *key;           /* JSON key of the value; NULL: name */
    const void *default_value; /* optional scalars: the value written when unset, laid
                                  out as the struct member; NULL: omitted when unset */
    uint8_t duration_unit;     /* durations: beacon_duration_unit of the wire value */
    /* ---- end wire fidelity ---- */
} beacon_field_desc;

/* Mutable per-event runtime state. Storage is emitted by the generator; only
 * the runtime writes it. opaque[0]: the configuration generation the
 * sampling threshold in opaque[1] was computed for; opaque[2]: the event's
 * verdict word, that generation plus what an emit of the event does (keep,
 * sample, or refuse; see beacon_gen_inline.h), read by generated code
 * before anything else; opaque[3]: the event's serialization plan, built by
 * the runtime on first use. Zero (static storage) means nothing decided. */
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
    beacon_span_id parent_span_id; /* zero: from the current context, if any
                                      (follow events: their begin's span) */
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
 * return. For correlation: begin events, *out (may be NULL) receives the
 * lifecycle handle: the trace (the current context's, else a new one) and
 * the event's own span id; all-zero when the event was not accepted. A
 * follow event with an all-zero trace id is rejected
 * (BEACON_ERR_INVALID_EVENT, counted). Thread-safe. */
BEACON_API beacon_status beacon_gen_emit(const beacon_event_hdr *ev, beacon_lifecycle *out);

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

/* ---- wire fidelity: scoped spans ---- */
/* True once beacon_gen_span_finish has closed `st` (generated scoped spans
 * end at scope exit only when the span is still open). NULL gives true.
 * Reads only `st`; thread-safe for a span not being finished concurrently. */
BEACON_API bool beacon_gen_span_finished(const beacon_span_state *st);

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
