/* plugin.c — a shared object that uses beacon, for the dlopen test: the
 * host (host.c) does not link beacon; loading this plugin brings in the
 * shared runtime, and unloading it unloads the runtime again. Events come
 * from the calling thread and from a thread that exits before shutdown, so
 * the runtime has a queue of an exited thread to let go of too. */
#include <pthread.h>
#include <stdio.h>

#include <beacon/beacon.h>

#include "plg_events.h"

/* Starts beacon with one file sink, emits n plugin.loaded events on the
 * calling thread and n plugin.sampled events on a thread of its own, and
 * shuts beacon down. Returns 0 when every emit and the shutdown succeeded,
 * else the first failing status. */
__attribute__((visibility("default"))) int plugin_run(const char *path, int round, int n);

typedef struct sampled_run {
    int n;
    int failed;
} sampled_run;

static void *emit_sampled(void *arg) {
    sampled_run *run = arg;
    for (int i = 0; i < run->n; i++) {
        plg_plugin_sampled other = plg_plugin_sampled_make(i);
        beacon_status st = plg_plugin_sampled_emit(&other);
        if (st != BEACON_OK && run->failed == 0) run->failed = (int)st;
    }
    return NULL;
}

int plugin_run(const char *path, int round, int n) {
    char spec[1024];
    snprintf(spec, sizeof spec, "file:%s", path);
    beacon_options *opts = beacon_options_new();
    if (opts == NULL) return BEACON_ERR_NO_MEMORY;
    beacon_status st = beacon_options_add_sink(opts, spec);
    if (st != BEACON_OK) {
        beacon_options_free(opts);
        return (int)st;
    }
    st = beacon_init(opts); /* takes ownership of opts */
    if (st != BEACON_OK) return (int)st;
    int failed = 0;
    sampled_run run = {n, 0};
    pthread_t thread;
    if (pthread_create(&thread, NULL, emit_sampled, &run) != 0) return BEACON_ERR_NO_MEMORY;
    for (int i = 0; i < n; i++) {
        plg_plugin_loaded ev = plg_plugin_loaded_make(round, i, "from the plugin");
        st = plg_plugin_loaded_emit(&ev);
        if (st != BEACON_OK && failed == 0) failed = (int)st;
    }
    pthread_join(thread, NULL);
    if (run.failed != 0 && failed == 0) failed = run.failed;
    st = beacon_shutdown(5000);
    if (st != BEACON_OK && failed == 0) failed = (int)st;
    return failed;
}
