/* backtrace.c — beacon_backtrace_capture (beacon/beacon_gen.h): the calling
 * thread's stack as "symbol+0x1a" / "module+0x1234" strings in caller memory,
 * for catalog fields marked `stacktrace: true`. Only code locations are kept:
 * never a message, an argument or an absolute address (which would undo ASLR).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr, Dl_info */
#endif

#include "beacon/beacon_gen.h"

#include <stdint.h>
#include <string.h>

/* backtrace() and dladdr() are glibc's; elsewhere capture records nothing
 * rather than failing to build. dladdr lives in libc itself from glibc 2.34,
 * so no -ldl is needed there. */
#if defined(__GLIBC__) && defined(__has_include)
#if __has_include(<execinfo.h>) && __has_include(<dlfcn.h>)
#define BEACON_HAVE_BACKTRACE 1
#include <dlfcn.h>
#include <execinfo.h>
#endif
#endif

#ifdef BEACON_HAVE_BACKTRACE

/* Frames above the caller that `skip` may drop; more drops everything. */
enum { SKIP_MAX = 32 };
/* Frames below the caller's: this function's own, plus any a sanitizer's
 * backtrace() interceptor adds. */
enum { LEAD_MAX = 4 };
/* Longest frame string, NUL included; longer symbol names are cut so the
 * "+0x..." offset always survives. */
enum { FRAME_MAX = 256, NAME_MAX_BYTES = FRAME_MAX - (3 + 16 + 1) };

/* Appends s (at most max bytes of it) to out[*len]; out has room. */
static void put_str(char *out, size_t *len, const char *s, size_t max) {
    size_t n = strnlen(s, max);
    memcpy(out + *len, s, n);
    *len += n;
}

static void put_hex(char *out, size_t *len, uintptr_t v) {
    static const char k_hex[] = "0123456789abcdef";
    char digits[2 * sizeof v];
    size_t n = 0;
    do {
        digits[n++] = k_hex[v & 15u];
        v >>= 4;
    } while (v != 0);
    out[(*len)++] = '0';
    out[(*len)++] = 'x';
    while (n > 0) out[(*len)++] = digits[--n];
}

/* Formats one return address into out (FRAME_MAX bytes); returns its length
 * without the NUL. dladdr is asked about addr - 1, the call instruction: a
 * call that ends a function (a noreturn callee) returns past its end. */
static size_t format_frame(void *addr, char *out) {
    size_t len = 0;
    uintptr_t a = (uintptr_t)addr;
    Dl_info info;
    memset(&info, 0, sizeof info);
    if (a == 0 || dladdr((const void *)(a - 1), &info) == 0) {
        put_str(out, &len, "??", 2);
    } else if (info.dli_sname != NULL && info.dli_sname[0] != '\0' && info.dli_saddr != NULL) {
        put_str(out, &len, info.dli_sname, NAME_MAX_BYTES);
        out[len++] = '+';
        put_hex(out, &len, a - (uintptr_t)info.dli_saddr);
    } else {
        /* The directory of a module can name a user (/home/<user>/...). */
        const char *module = info.dli_fname != NULL ? info.dli_fname : "";
        const char *slash = strrchr(module, '/');
        if (slash != NULL) module = slash + 1;
        put_str(out, &len, module[0] != '\0' ? module : "??", NAME_MAX_BYTES);
        out[len++] = '+';
        put_hex(out, &len, a - (uintptr_t)info.dli_fbase);
    }
    out[len] = '\0';
    return len;
}

/* Index of the caller's frame in addrs: the first entry equal to ret, the
 * return address of beacon_backtrace_capture. Counting instead would be off
 * by the frames a sanitizer's backtrace() interceptor puts between glibc and
 * us. Without ret (not GCC or clang), one frame: ours. */
static int caller_index(void *const *addrs, int n, const void *ret) {
    for (int i = 0; ret != NULL && i < n && i < LEAD_MAX; i++) {
        if (addrs[i] == ret) return i;
    }
    return 1;
}

#endif /* BEACON_HAVE_BACKTRACE */

BEACON_NOINLINE size_t beacon_backtrace_capture(beacon_backtrace *bt, unsigned skip) {
    if (bt == NULL) return 0;
    bt->count = 0;
    bt->text[0] = '\0';
#ifdef BEACON_HAVE_BACKTRACE
    if (skip >= SKIP_MAX) return 0;
    void *addrs[BEACON_BACKTRACE_MAX_FRAMES + SKIP_MAX + LEAD_MAX];
    int n = backtrace(addrs, (int)(BEACON_BACKTRACE_MAX_FRAMES + skip + LEAD_MAX));
#if defined(__GNUC__) || defined(__clang__)
    const void *ret = __builtin_return_address(0);
#else
    const void *ret = NULL;
#endif
    int first = caller_index(addrs, n, ret);
    size_t used = 0;
    for (int i = first + (int)skip; i < n && bt->count < BEACON_BACKTRACE_MAX_FRAMES; i++) {
        char frame[FRAME_MAX];
        size_t len = format_frame(addrs[i], frame);
        if (len + 1 > sizeof bt->text - used) break;
        memcpy(bt->text + used, frame, len + 1);
        bt->frames[bt->count++] = bt->text + used;
        used += len + 1;
    }
#else
    (void)skip;
#endif
    return bt->count;
}
