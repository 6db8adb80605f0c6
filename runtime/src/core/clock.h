/* clock.h — cheap caller-side timestamps and their conversion to wall time.
 *
 * The emit path stamps events with beacon__clock_now_ticks() (an invariant TSC
 * or the ARM virtual counter: a few ns, no system call); the worker converts
 * ticks to Unix-epoch nanoseconds with a linear fit calibrated against
 * CLOCK_REALTIME at init and corrected by beacon__clock_check before each of
 * its passes.
 *
 * @code
 *   beacon__clock_init();                         // once, at runtime init
 *   uint64_t t = beacon__clock_now_ticks();       // caller thread, in emit
 *   beacon__clock_window w;
 *   beacon__clock_check(&w);                      // worker, before a pass
 *   int64_t ns = beacon__clock_stamp_ns(t, &w);   // worker, each record
 * @endcode
 *
 * Calibration method. A reference pair (ticks, clock) is read as
 * tick-read / clock_gettime / tick-read, repeated a few times keeping the
 * tightest bracket and using its midpoint. Init takes one pair, waits ~15 ms,
 * takes a second: the tick rate comes from CLOCK_MONOTONIC (immune to wall-clock
 * steps), the offset from CLOCK_REALTIME at the second pair. With brackets of
 * ~50 ns the rate error is a few ppm (a few µs per second of drift) and the
 * offset error is under 1 µs. Each recalibration (about once a second) measures
 * the rate over the whole interval since the previous one (≥ 100 ms, so ~0.1 ppm
 * at 1 s) and slews: the new line starts where the old one was at that instant
 * and is steered to meet true time one interval later, so converted times never
 * step backwards. An offset over 1 ms (the wall clock was set, the machine was
 * suspended, or the counter jumped) is applied as a step instead.
 *
 * Between recalibrations, each check compares the line with CLOCK_REALTIME
 * (one pair, ~40 ns) and recalibrates at once when they are more than 1 ms
 * apart. A recalibration that finds the counter itself jumped (it disagrees
 * with CLOCK_MONOTONIC since the last anchor) measures the rate afresh over
 * 2 ms. Records stamped before a jump convert wrongly on the new line:
 * beacon__clock_stamp_ns keeps every time no later than the moment of its
 * conversion, and in the pass that found the jump no earlier than the
 * previous check. A record stamped before a jump forward and still queued
 * after that pass keeps a time too early by the jump.
 *
 * Tick source. x86_64: RDTSC when CPUID 0x80000007 EDX bit 8 (invariant TSC)
 * is set and the kernel's clocksource (when readable) is the TSC or a
 * hypervisor's clock computed from it on every read (kvm-clock, Hyper-V's TSC
 * page) whose reads the vDSO serves in user space, which the kernel does only
 * when the hypervisor declares the TSC stable across virtual CPUs. A kernel
 * on another clocksource (HPET, ACPI PM timer) abandoned the TSC for a reason
 * CPUID does not show. aarch64: CNTVCT_EL0. Otherwise, or with
 * BEACON_CLOCK=clock_gettime in the environment, ticks are CLOCK_MONOTONIC
 * nanoseconds.
 */
#ifndef BEACON_CLOCK_H
#define BEACON_CLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Tick sources; the value of beacon__clock_source_. */
enum {
    BEACON__CLOCK_GETTIME = 0, /* CLOCK_MONOTONIC ns (also before init) */
    BEACON__CLOCK_TSC = 1,     /* x86 invariant TSC */
    BEACON__CLOCK_CNTVCT = 2   /* aarch64 virtual counter */
};

/* Selected tick source; written only by beacon__clock_init. Not for use
 * outside clock.h/clock.c. */
extern _Atomic int beacon__clock_source_;

/* Choose the tick source and calibrate (blocks ~15 ms). Reads BEACON_CLOCK.
 * Call before any thread takes ticks; calling again re-detects and
 * recalibrates, which invalidates ticks taken before it (so only call it again
 * when no thread is emitting). Returns the source chosen. */
int beacon__clock_init(void);

/* Correct the conversion for drift, wall-clock steps and jumps of the
 * counter; cheap (~100 ns), except after a jump (2 ms, sleeping).
 * beacon__clock_check calls it when due. Returns true when the counter had
 * jumped, false otherwise and before init. Thread-safe with conversions and
 * with itself. */
bool beacon__clock_recalibrate(void);

/* The bounds of one worker pass's stamps, from beacon__clock_check:
 * CLOCK_REALTIME at the previous check (lo) and at this one (hi, moved on by
 * beacon__clock_stamp_ns), Unix-epoch ns; `jumped` when this check found
 * that the counter had jumped. */
typedef struct beacon__clock_window {
    int64_t lo, hi;
    bool jumped;
} beacon__clock_window;

/* Compare the conversion with CLOCK_REALTIME now and recalibrate when they
 * are over 1 ms apart (the counter jumped or changed rate: a virtual machine
 * restored or moved; or the wall clock was set) or when a second has passed
 * since the last recalibration. Fills *w (not NULL) for this pass. Meant for
 * the worker, before each pass: ~40 ns when nothing is due. Thread-safe. */
void beacon__clock_check(beacon__clock_window *w);

/* Test hook: leaves the calibration (its line and the rate's anchor)
 * `ticks` behind the counter, as a jump of the counter by `ticks` (negative:
 * back) would; what tests of beacon__clock_check start from. Thread-safe. */
void beacon__clock_jump(int64_t ticks);

/* Ticks → Unix-epoch ns as beacon__clock_ticks_to_realtime_ns, never later
 * than now and, when w->jumped, no earlier than w->lo (see the method
 * above); may move w->hi on. w not NULL, the caller's own. Lock-free. */
int64_t beacon__clock_stamp_ns(uint64_t ticks, beacon__clock_window *w);

/* fork() safety: the runtime's pthread_atfork handlers call these so a child
 * never inherits the calibration lock held by another thread. */
void beacon__clock_atfork_prepare(void);
void beacon__clock_atfork_parent(void);
void beacon__clock_atfork_child(void);

/* Ticks → Unix-epoch nanoseconds (CLOCK_REALTIME scale). Ticks from before
 * the current calibration base convert too. Before init, ticks are taken as
 * CLOCK_MONOTONIC ns. Thread-safe, lock-free. */
int64_t beacon__clock_ticks_to_realtime_ns(uint64_t ticks);

/* Nanoseconds between two tick readings (negative when `to` precedes `from`),
 * for span durations. Thread-safe, lock-free. */
int64_t beacon__clock_ticks_delta_ns(uint64_t from, uint64_t to);

/* CLOCK_MONOTONIC in ns (0 if the clock is unavailable). Thread-safe. */
int64_t beacon__clock_monotonic_ns(void);

/* CLOCK_REALTIME in ns since the Unix epoch (0 if unavailable). Thread-safe. */
int64_t beacon__clock_realtime_ns(void);

/* Static name of the active source: "tsc", "cntvct" or "clock_gettime".
 * Thread-safe. */
const char *beacon__clock_source_name(void);

/* Calibrated tick rate in ticks per second (1e9 for clock_gettime).
 * Thread-safe. */
double beacon__clock_ticks_per_second(void);

/* The current tick count: monotonic per thread; across threads as coherent as
 * the hardware counter (the invariant TSC is synchronised across cores on the
 * platforms that advertise it). Unserialised: a reading may be a few dozen
 * cycles early relative to surrounding code, which is fine for timestamps.
 * Thread-safe, lock-free, no system call on the TSC/CNTVCT path. */
static inline uint64_t beacon__clock_now_ticks(void) {
    int src = atomic_load_explicit(&beacon__clock_source_, memory_order_relaxed);
#if defined(__x86_64__) || defined(__i386__)
    if (src == BEACON__CLOCK_TSC) return (uint64_t)__rdtsc();
#elif defined(__aarch64__)
    if (src == BEACON__CLOCK_CNTVCT) {
        uint64_t v;
        __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
        return v;
    }
#endif
    (void)src;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#ifdef __cplusplus
}
#endif

#endif /* BEACON_CLOCK_H */
