/* counting_alloc.h — a counting allocator for tests that prove an emit path
 * does not touch the heap: malloc/calloc/realloc/free are defined here and
 * forward to glibc's __libc_* entry points, counting calls on threads that set
 * t_counting. Include it from exactly one file of a test executable.
 * Sanitizer builds interpose the allocator themselves: there COUNTING is 0 and
 * nothing is defined (tests skip their allocation checks).
 */
#ifndef BEACON_TESTS_COUNTING_ALLOC_H
#define BEACON_TESTS_COUNTING_ALLOC_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COUNTING 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define COUNTING 0
#endif
#endif
#ifndef COUNTING
#define COUNTING 1
#endif

static _Thread_local volatile int t_counting;
static _Thread_local volatile unsigned long t_allocs;

#if COUNTING
void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);

void *malloc(size_t n) {
    if (t_counting) t_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t m) {
    if (t_counting) t_allocs++;
    return __libc_calloc(n, m);
}
void *realloc(void *p, size_t n) {
    if (t_counting) t_allocs++;
    return __libc_realloc(p, n);
}
void free(void *p) {
    __libc_free(p);
}
#endif

#endif /* BEACON_TESTS_COUNTING_ALLOC_H */
