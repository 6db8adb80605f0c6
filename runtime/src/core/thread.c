/* thread.c — the runtime's threads start with the host's asynchronous
 * signals blocked (thread.h); the worker (worker/pipeline.c) and the HTTP
 * transport (transport/transport.c) are started here.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "core/thread.h"

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

int beacon__thread_start(pthread_t *thread, void *(*fn)(void *), void *arg) {
    /* A new thread inherits its creator's mask: blocking around
     * pthread_create leaves no moment in which the new thread could take a
     * signal, which blocking from inside fn would. */
    sigset_t all, old;
    sigfillset(&all);
    static const int k_synchronous[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS};
    for (size_t i = 0; i < sizeof k_synchronous / sizeof k_synchronous[0]; i++)
        sigdelset(&all, k_synchronous[i]);
    bool masked = pthread_sigmask(SIG_BLOCK, &all, &old) == 0;
    int rc = pthread_create(thread, NULL, fn, arg);
    if (masked) pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void beacon__thread_name(const char *name) {
#ifdef __linux__
    prctl(PR_SET_NAME, name);
#else
    (void)name;
#endif
}
