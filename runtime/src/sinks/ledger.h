/* ledger.h — outcomes that asynchronous sinks settle after write() returned
 * (internal). The worker makes a ledger for a pass whose events it hands to
 * an asynchronous sink: one flag word per event of the pass and a reference
 * per outstanding ticket plus its own. Each settlement ORs the event's flag
 * in (the worker's flag_of maps an outcome to its bit); the last release
 * books the pass's totals through the worker's book function and frees the
 * ledger. Sinks reach the worker only through these installed functions.
 */
#ifndef BEACON_SRC_SINKS_LEDGER_H
#define BEACON_SRC_SINKS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

typedef struct beacon__ledger beacon__ledger;

typedef struct beacon__ledger_hooks {
    /* Books the final flags of n events (once, on the releasing thread). */
    void (*book)(const uint16_t *flags, size_t n);
    /* The flag bit of an outcome (a beacon__outcome). */
    uint16_t (*flag_of)(int outcome);
} beacon__ledger_hooks;

/* A ledger of n events starting with flags (copied) and refs references;
 * hooks borrowed (static storage). NULL when out of memory. Thread-safe. */
beacon__ledger *beacon__ledger_new(const uint16_t *flags, size_t n, size_t refs,
                                   const beacon__ledger_hooks *hooks);
/* ORs flag into event idx. Thread-safe. */
void beacon__ledger_mark(beacon__ledger *l, uint32_t idx, uint16_t flag);
/* Marks event idx with the flag of outcome (through the hooks). Thread-safe. */
void beacon__ledger_settle(beacon__ledger *l, uint32_t idx, int outcome);
/* Drops k references; the last books and frees. Thread-safe. */
void beacon__ledger_release(beacon__ledger *l, size_t k);

#endif /* BEACON_SRC_SINKS_LEDGER_H */
