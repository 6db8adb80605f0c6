/* fork.c — one pthread_atfork registration running every part's fork hooks
 * (fork.h) in a fixed order.
 */
#include "core/fork.h"

#include <pthread.h>
#include <stddef.h>

static const beacon__fork_hooks *g_hooks[BEACON__FORK_HOOKS_MAX];
static size_t g_count;
static bool g_registered;

static void run_prepare(void) {
    for (size_t i = 0; i < g_count; i++) {
        if (g_hooks[i]->prepare) g_hooks[i]->prepare();
    }
}

static void run_parent(void) {
    for (size_t i = g_count; i-- > 0;) {
        if (g_hooks[i]->parent) g_hooks[i]->parent();
    }
}

static void run_child(void) {
    for (size_t i = g_count; i-- > 0;) {
        if (g_hooks[i]->child) g_hooks[i]->child();
    }
}

bool beacon__fork_add(const beacon__fork_hooks *hooks) {
    if (g_count == BEACON__FORK_HOOKS_MAX) return false;
    if (!g_registered) {
        if (pthread_atfork(run_prepare, run_parent, run_child) != 0) return false;
        g_registered = true;
    }
    g_hooks[g_count++] = hooks;
    return true;
}
