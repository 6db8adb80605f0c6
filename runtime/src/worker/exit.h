/* exit.h — delivery at process exit (internal): the atexit handler that
 * gives a program returning from main (or calling exit()) without
 * beacon_shutdown() a bounded chance to deliver what it emitted.
 */
#ifndef BEACON_SRC_WORKER_EXIT_H
#define BEACON_SRC_WORKER_EXIT_H

/* BEACON_EXIT_TIMEOUT_MS when unset. */
#define BEACON__EXIT_DEFAULT_MS 2000

/* Sets the exit deadline for the run just started (0: exit does not wait)
 * and registers the handler once per process. Called by beacon_init after
 * the pipeline started. Thread-safe. */
void beacon__exit_arm(int timeout_ms);

#endif /* BEACON_SRC_WORKER_EXIT_H */
