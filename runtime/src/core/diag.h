/* diag.h — rate-limited diagnostics (internal).
 *
 * Every runtime error is reported as a status code plus a message, through the
 * user's callback or, with debug on, to stderr prefixed "beacon: ". At most
 * BEACON__DIAG_PER_SEC messages per status code per second get through; the
 * rest are counted and summarised ("N messages suppressed") later.
 */
#ifndef BEACON_SRC_DIAG_H
#define BEACON_SRC_DIAG_H

#include <stdbool.h>

#include "beacon/beacon.h"

#define BEACON__DIAG_PER_SEC 10

/* Where diagnostics go. */
typedef struct beacon__diag_cfg {
    beacon_diag_fn fn; /* NULL: stderr when debug, else nowhere */
    void *user;
    bool debug;
} beacon__diag_cfg;

/* Installs the process-wide destination (init) or resets it (shutdown). */
void beacon__diag_configure(const beacon__diag_cfg *cfg);

/* Reports through the process-wide destination. */
void beacon__diag(beacon_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Reports through cfg (used before init, e.g. for options). */
void beacon__diag_to(const beacon__diag_cfg *cfg, beacon_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* True when BEACON_DEBUG is set to "1" in the environment. */
bool beacon__env_debug(void);

/* fork() safety (run from core/fork.c's table; the worker registers them). */
void beacon__diag_atfork_prepare(void);
void beacon__diag_atfork_parent(void);
void beacon__diag_atfork_child(void);

/* Forgets rate-limit state, so each unit test starts with a full budget. */
void beacon__diag_reset_limits(void);

#endif /* BEACON_SRC_DIAG_H */
