/* fork.h — the runtime's fork() handlers (internal). Each part of the runtime
 * that holds a lock or per-process state offers a prepare/parent/child
 * triple; they are run by one pthread_atfork registration, prepare in the
 * order added and parent/child in reverse, so locks are always taken and
 * released in one order.
 */
#ifndef BEACON_SRC_CORE_FORK_H
#define BEACON_SRC_CORE_FORK_H

#include <stdbool.h>

/* One part's handlers; any may be NULL. */
typedef struct beacon__fork_hooks {
    void (*prepare)(void);
    void (*parent)(void);
    void (*child)(void);
} beacon__fork_hooks;

#define BEACON__FORK_HOOKS_MAX 16

/* Adds hooks (borrowed: must live for the process). False when the table
 * is full or pthread_atfork failed. Not thread-safe with itself or fork():
 * call from one-time setup only. */
bool beacon__fork_add(const beacon__fork_hooks *hooks);

#endif /* BEACON_SRC_CORE_FORK_H */
