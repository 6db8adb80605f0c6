/* clock.c — tick source selection, calibration and tick → wall-time conversion
 * (method in clock.h).
 *
 * The conversion line (base ticks, base ns, ns per tick) is published through a
 * seqlock of atomics: readers (worker, span ends) never block, the rare writer
 * (init/recalibrate) is serialised by a mutex.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* syscall */
#endif

#include "core/clock.h"

#include "beacon/beacon_gen_inline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#define NS_PER_SEC           1000000000LL
#define INIT_WAIT_NS         (15 * 1000000LL) /* calibration interval at init */
#define MIN_RATE_INTERVAL_NS 100000000LL      /* shorter intervals keep the old rate */
#define STEP_THRESHOLD_NS    1000000LL        /* larger offsets step instead of slewing */
#define STEP_RATE_WAIT_NS    2000000LL        /* rate measured over this after a step */
#define RECAL_NS             NS_PER_SEC       /* beacon__clock_check recalibrates this often */
#define SAMPLE_TRIES         9

_Atomic int beacon__clock_source_ = BEACON__CLOCK_GETTIME;

/* Conversion line, read under the seqlock. Doubles travel as their bits. */
static _Atomic unsigned line_seq;
static _Atomic uint64_t line_base_ticks;
static _Atomic int64_t line_base_ns;
static _Atomic uint64_t line_rate_bits; /* ns per tick, double */
static _Atomic bool line_ready;

/* Writer-only state (under writer_lock). */
static pthread_mutex_t writer_lock = PTHREAD_MUTEX_INITIALIZER;

void beacon__clock_atfork_prepare(void) {
    pthread_mutex_lock(&writer_lock);
}
void beacon__clock_atfork_parent(void) {
    pthread_mutex_unlock(&writer_lock);
}
void beacon__clock_atfork_child(void) {
    pthread_mutex_unlock(&writer_lock);
}
static uint64_t anchor_ticks; /* last (ticks, monotonic) pair the rate was measured from */
static int64_t anchor_mono;
static double anchor_rate; /* ns per tick as last measured (no slew) */

/* beacon__clock_check's: CLOCK_REALTIME at the last check and at the last
 * recalibration. */
static _Atomic int64_t last_check_real;
static _Atomic int64_t last_recal_real;

static uint64_t dbl_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double bits_dbl(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static int64_t read_clock(clockid_t id) {
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t beacon__clock_monotonic_ns(void) {
    return read_clock(CLOCK_MONOTONIC);
}

int64_t beacon__clock_realtime_ns(void) {
    return read_clock(CLOCK_REALTIME);
}

/* A (ticks, clock) pair: the clock read bracketed by two tick reads; the
 * tightest of a few brackets wins (least likely to include a preemption). */
static void sample_pair(clockid_t id, uint64_t *ticks, int64_t *ns) {
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < SAMPLE_TRIES; i++) {
        uint64_t t0 = beacon__clock_now_ticks();
        int64_t c = read_clock(id);
        uint64_t t1 = beacon__clock_now_ticks();
        if (t1 - t0 < best) {
            best = t1 - t0;
            *ticks = t0 + (t1 - t0) / 2;
            *ns = c;
        }
    }
}

static void line_read(uint64_t *base_ticks, int64_t *base_ns, double *rate) {
    for (;;) {
        unsigned s1 = atomic_load_explicit(&line_seq, memory_order_acquire);
        *base_ticks = atomic_load_explicit(&line_base_ticks, memory_order_relaxed);
        *base_ns = atomic_load_explicit(&line_base_ns, memory_order_relaxed);
        *rate = bits_dbl(atomic_load_explicit(&line_rate_bits, memory_order_relaxed));
        atomic_thread_fence(memory_order_acquire);
        unsigned s2 = atomic_load_explicit(&line_seq, memory_order_relaxed);
        if (s1 == s2 && (s1 & 1u) == 0) return;
    }
}

/* Caller holds writer_lock. */
static void line_write(uint64_t base_ticks, int64_t base_ns, double rate) {
    unsigned s = atomic_load_explicit(&line_seq, memory_order_relaxed);
    atomic_store_explicit(&line_seq, s + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&line_base_ticks, base_ticks, memory_order_relaxed);
    atomic_store_explicit(&line_base_ns, base_ns, memory_order_relaxed);
    atomic_store_explicit(&line_rate_bits, dbl_bits(rate), memory_order_relaxed);
    atomic_store_explicit(&line_seq, s + 2, memory_order_release);
}

static int64_t line_eval(uint64_t ticks, uint64_t base_ticks, int64_t base_ns, double rate) {
    /* Signed delta: events stamped before the current base convert too. */
    int64_t d = (int64_t)(ticks - base_ticks);
    return base_ns + (int64_t)((double)d * rate);
}

#if defined(__x86_64__) || defined(__i386__)
/* Whether clock_gettime(CLOCK_MONOTONIC) is answered in user space (the
 * vDSO): the fastest of a few calls against the fastest of as many system
 * calls, which cost several times more. */
static bool clock_read_in_user_space(void) {
    uint64_t vdso = UINT64_MAX, sys = UINT64_MAX;
    for (int i = 0; i < SAMPLE_TRIES; i++) {
        struct timespec ts;
        uint64_t t0 = __rdtsc();
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t t1 = __rdtsc();
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
        uint64_t t2 = __rdtsc();
        if (t1 - t0 < vdso) vdso = t1 - t0;
        if (t2 - t1 < sys) sys = t2 - t1;
    }
    return vdso * 2 < sys;
}

/* Whether the kernel's clocksource (`name`, as sysfs reads) lets ticks be
 * the TSC: "tsc" itself, or a hypervisor's clock computed from the TSC on
 * every read (kvm-clock, Hyper-V's TSC page) that the vDSO reads in user
 * space — which the kernel does only when the hypervisor declares the TSC
 * stable and synchronised across virtual CPUs. (A kernel on such a clock
 * may still call the TSC "unstable": it is told to on virtual machines
 * that can be migrated or restored, when the counter may jump or change
 * rate; beacon__clock_check catches that within a pass.) */
static bool clocksource_allows_tsc(const char *name) {
    size_t n = strcspn(name, "\n");
    if (n == 3 && strncmp(name, "tsc", 3) == 0) return true;
    if ((n == 9 && strncmp(name, "kvm-clock", 9) == 0) ||
        (n == 27 && strncmp(name, "hyperv_clocksource_tsc_page", 27) == 0))
        return clock_read_in_user_space();
    return false;
}
#endif

static int detect_source(void) {
    const char *env = getenv("BEACON_CLOCK");
    if (env && strcmp(env, "clock_gettime") == 0) return BEACON__CLOCK_GETTIME;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u) return BEACON__CLOCK_GETTIME;
    if (!__get_cpuid(0x80000007u, &a, &b, &c, &d) || !(d & (1u << 8))) return BEACON__CLOCK_GETTIME;
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (f) {
        char name[64] = {0};
        bool tsc = fgets(name, sizeof name, f) && clocksource_allows_tsc(name);
        fclose(f);
        if (!tsc) return BEACON__CLOCK_GETTIME;
    }
    return BEACON__CLOCK_TSC;
#elif defined(__aarch64__)
    return BEACON__CLOCK_CNTVCT;
#else
    return BEACON__CLOCK_GETTIME;
#endif
}

int beacon__clock_init(void) {
    pthread_mutex_lock(&writer_lock);
    int src = detect_source();
    atomic_store_explicit(&beacon__clock_source_, src, memory_order_relaxed);
    /* Generated code stamps inline only when ticks are the TSC. */
    __atomic_store_n(&beacon_gen_g.tsc, src == BEACON__CLOCK_TSC, __ATOMIC_RELAXED);

    uint64_t t0, t1, tr;
    int64_t m0, m1, real;
    double rate = 1.0;
    sample_pair(CLOCK_MONOTONIC, &t0, &m0);
    if (src != BEACON__CLOCK_GETTIME) {
        struct timespec wait = {0, INIT_WAIT_NS};
        while (nanosleep(&wait, &wait) != 0) {
        }
        sample_pair(CLOCK_MONOTONIC, &t1, &m1);
        if (t1 > t0 && m1 > m0) rate = (double)(m1 - m0) / (double)(t1 - t0);
    } else {
        t1 = t0;
        m1 = m0;
    }
    sample_pair(CLOCK_REALTIME, &tr, &real);
    anchor_ticks = t1;
    anchor_mono = m1;
    anchor_rate = rate;
    line_write(tr, real, rate);
    atomic_store_explicit(&last_recal_real, real, memory_order_relaxed);
    atomic_store_explicit(&last_check_real, real, memory_order_relaxed);
    atomic_store_explicit(&line_ready, true, memory_order_release);
    pthread_mutex_unlock(&writer_lock);
    return src;
}

bool beacon__clock_recalibrate(void) {
    if (!atomic_load_explicit(&line_ready, memory_order_acquire)) return false;
    pthread_mutex_lock(&writer_lock);
    uint64_t base_ticks, tm, tr;
    int64_t base_ns, mono, real;
    double rate;
    line_read(&base_ticks, &base_ns, &rate);

    sample_pair(CLOCK_MONOTONIC, &tm, &mono);
    sample_pair(CLOCK_REALTIME, &tr, &real);

    /* The counter jumped when it disagrees with CLOCK_MONOTONIC since the
     * anchor by more than the step threshold (the wall clock being set
     * moves only CLOCK_REALTIME). */
    int64_t mono_seen = anchor_mono + (int64_t)((double)(int64_t)(tm - anchor_ticks) * anchor_rate);
    int64_t drift = mono - mono_seen;
    bool jumped = drift > STEP_THRESHOLD_NS || drift < -STEP_THRESHOLD_NS;

    double measured = rate;
    int64_t interval = mono - anchor_mono;
    if (jumped) {
        /* The interval since the anchor holds the jump: measure the rate
         * afresh over a short interval of its own, and anchor there. */
        struct timespec wait = {0, STEP_RATE_WAIT_NS};
        while (nanosleep(&wait, &wait) != 0) {
        }
        uint64_t t2;
        int64_t m2;
        sample_pair(CLOCK_MONOTONIC, &t2, &m2);
        measured = t2 > tm && m2 > mono ? (double)(m2 - mono) / (double)(t2 - tm) : anchor_rate;
        anchor_ticks = tm;
        anchor_mono = mono;
        anchor_rate = measured;
        sample_pair(CLOCK_REALTIME, &tr, &real);
    } else if (interval >= MIN_RATE_INTERVAL_NS && tm > anchor_ticks) {
        measured = (double)interval / (double)(tm - anchor_ticks);
        anchor_ticks = tm;
        anchor_mono = mono;
        anchor_rate = measured;
    }
    if (interval < MIN_RATE_INTERVAL_NS) interval = MIN_RATE_INTERVAL_NS;

    int64_t predicted = line_eval(tr, base_ticks, base_ns, rate);
    int64_t offset = real - predicted;
    if (jumped || offset > STEP_THRESHOLD_NS || offset < -STEP_THRESHOLD_NS) {
        line_write(tr, real, measured);
    } else {
        /* Slew: continue from where the old line is now and meet true time one
         * interval later. |offset| <= 1 ms over >= 100 ms keeps the slope
         * within 1% of the measured one, so it stays positive. */
        double interval_ticks = (double)interval / measured;
        line_write(tr, predicted, measured + (double)offset / interval_ticks);
    }
    atomic_store_explicit(&last_recal_real, real, memory_order_relaxed);
    pthread_mutex_unlock(&writer_lock);
    return jumped;
}

void beacon__clock_check(beacon__clock_window *w) {
    uint64_t ticks = beacon__clock_now_ticks();
    int64_t real = read_clock(CLOCK_REALTIME);
    w->jumped = false;
    if (atomic_load_explicit(&line_ready, memory_order_acquire)) {
        /* One unbracketed pair: a preemption between its reads can only
         * bring the recalibration forward, which measures properly. */
        int64_t off = real - beacon__clock_ticks_to_realtime_ns(ticks);
        int64_t since = real - atomic_load_explicit(&last_recal_real, memory_order_relaxed);
        if (off > STEP_THRESHOLD_NS || off < -STEP_THRESHOLD_NS || since >= RECAL_NS || since < 0)
            w->jumped = beacon__clock_recalibrate();
    }
    w->hi = real;
    w->lo = atomic_exchange_explicit(&last_check_real, real, memory_order_relaxed);
}

void beacon__clock_jump(int64_t ticks) {
    pthread_mutex_lock(&writer_lock);
    uint64_t base_ticks;
    int64_t base_ns;
    double rate;
    line_read(&base_ticks, &base_ns, &rate);
    /* The line and the rate's anchor now lag the counter by `ticks`. */
    line_write(base_ticks - (uint64_t)ticks, base_ns, rate);
    anchor_ticks -= (uint64_t)ticks;
    pthread_mutex_unlock(&writer_lock);
}

int64_t beacon__clock_stamp_ns(uint64_t ticks, beacon__clock_window *w) {
    int64_t ns = beacon__clock_ticks_to_realtime_ns(ticks);
    if (ns > w->hi) {
        /* No later than now (a reading from before a jump back converts
         * into the future): hi moves on to now, read only when passed. */
        w->hi = read_clock(CLOCK_REALTIME);
        if (ns > w->hi) ns = w->hi;
    }
    if (w->jumped && ns < w->lo && w->lo <= w->hi) ns = w->lo;
    return ns;
}

int64_t beacon__clock_ticks_to_realtime_ns(uint64_t ticks) {
    if (!atomic_load_explicit(&line_ready, memory_order_acquire)) {
        /* Not calibrated: ticks are CLOCK_MONOTONIC ns. */
        return (int64_t)ticks + (read_clock(CLOCK_REALTIME) - read_clock(CLOCK_MONOTONIC));
    }
    uint64_t base_ticks;
    int64_t base_ns;
    double rate;
    line_read(&base_ticks, &base_ns, &rate);
    return line_eval(ticks, base_ticks, base_ns, rate);
}

int64_t beacon__clock_ticks_delta_ns(uint64_t from, uint64_t to) {
    if (!atomic_load_explicit(&line_ready, memory_order_acquire)) return (int64_t)(to - from);
    uint64_t base_ticks;
    int64_t base_ns;
    double rate;
    line_read(&base_ticks, &base_ns, &rate);
    return (int64_t)((double)(int64_t)(to - from) * rate);
}

const char *beacon__clock_source_name(void) {
    switch (atomic_load_explicit(&beacon__clock_source_, memory_order_relaxed)) {
        case BEACON__CLOCK_TSC: return "tsc";
        case BEACON__CLOCK_CNTVCT: return "cntvct";
        default: return "clock_gettime";
    }
}

double beacon__clock_ticks_per_second(void) {
    if (!atomic_load_explicit(&line_ready, memory_order_acquire)) return 1e9;
    uint64_t base_ticks;
    int64_t base_ns;
    double rate;
    line_read(&base_ticks, &base_ns, &rate);
    return 1e9 / rate;
}
