/* diag.h — rate-limited diagnostics (internal).
 *
 * Every runtime error is reported as a status code plus a message, through the
 * user's callback or to stderr prefixed "beacon: " when its severity is
 * within the log level (BEACON_LOG_LEVEL; warnings by default). At most
 * BEACON__DIAG_PER_SEC messages per status code per second get through; the
 * rest are counted and summarised ("N messages suppressed") later.
 */
#ifndef BEACON_SRC_DIAG_H
#define BEACON_SRC_DIAG_H

#include <stdbool.h>

#include "beacon/beacon.h"

#define BEACON__DIAG_PER_SEC 10

/* Severities, and the log levels that show them on stderr (a level shows
 * its own severity and every lower one). */
typedef enum beacon__log_level {
    BEACON__LOG_OFF = 0,
    BEACON__LOG_ERROR = 1,
    BEACON__LOG_WARN = 2, /* the default: what leaves telemetry off or degraded */
    BEACON__LOG_INFO = 3,
    BEACON__LOG_DEBUG = 4 /* every diagnostic (BEACON_DEBUG=1) */
} beacon__log_level;

/* Where diagnostics go. */
typedef struct beacon__diag_cfg {
    beacon_diag_fn fn; /* NULL: stderr for severities within level */
    void *user;
    beacon__log_level level;
} beacon__diag_cfg;

/* Installs the process-wide destination (init) or resets it (shutdown). */
void beacon__diag_configure(const beacon__diag_cfg *cfg);

/* Reports a debug-severity diagnostic through the process-wide destination
 * (before beacon_init and after shutdown: stderr at the environment's level). */
void beacon__diag(beacon_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reports a warning: a problem that leaves telemetry off or degraded, shown
 * on stderr at the default level. Callers say it once (per run or per spec);
 * the rate limit is only a backstop. */
void beacon__warn(beacon_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reports at severity sev through cfg (used before init, e.g. for options). */
void beacon__diag_to(const beacon__diag_cfg *cfg, beacon__log_level sev, beacon_status code,
                     const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* The stderr level the environment asks for: BEACON_DEBUG=1 is debug;
 * else BEACON_LOG_LEVEL, else OTEL_LOG_LEVEL (off, error, warn, info or
 * debug, any case); else warn. *bad (may be NULL) receives the name of a
 * variable whose value was not a level (and so ignored), or NULL. */
beacon__log_level beacon__env_log_level(const char **bad);

/* fork() safety (run from core/fork.c's table; the worker registers them). */
void beacon__diag_atfork_prepare(void);
void beacon__diag_atfork_parent(void);
void beacon__diag_atfork_child(void);

/* Forgets rate-limit state, so each unit test starts with a full budget. */
void beacon__diag_reset_limits(void);

#endif /* BEACON_SRC_DIAG_H */
