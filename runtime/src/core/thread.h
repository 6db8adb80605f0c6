/* thread.h — starting the runtime's own threads (internal): the worker and
 * the HTTP transport. They never handle the host's asynchronous signals,
 * and they name themselves.
 */
#ifndef BEACON_SRC_CORE_THREAD_H
#define BEACON_SRC_CORE_THREAD_H

#include <pthread.h>

/* pthread_create(thread, NULL, fn, arg) with every asynchronous signal
 * blocked in the new thread from its first instruction, so that a
 * process-directed signal (SIGALRM, SIGTERM, SIGCHLD, SIGINT, ...) is always
 * handled on one of the host's threads: a handler run on a runtime thread
 * could run concurrently with the same handler on a host thread, and one
 * that emits could wait for a lock the interrupted runtime thread holds.
 * Faults raised by the thread itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGTRAP, SIGSYS) stay deliverable, so a host's crash handler still runs.
 * The calling thread's mask is unchanged on return. Returns
 * pthread_create's result. Thread-safe. */
int beacon__thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/* Names the calling thread (at most 15 characters), as top -H, perf and
 * /proc/<pid>/task/<tid>/comm show it: "beacon-worker", "beacon-http".
 * Linux only; elsewhere nothing. Thread-safe. */
void beacon__thread_name(const char *name);

#endif /* BEACON_SRC_CORE_THREAD_H */
