/* host.c — loads the test plugin with dlopen, runs it, unloads it, and does
 * it again; then checks the events it wrote. The host itself does not link
 * beacon, as a program loading plugins would not.
 *
 *   plugin_host PLUGIN.so EVENTS.ndjson
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define ROUNDS 3
#define EVENTS 5

typedef int (*plugin_run_fn)(const char *path, int round, int n);

static int run_once(const char *plugin, const char *path, int round) {
    void *h = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "round %d: dlopen: %s\n", round, dlerror());
        return 1;
    }
    plugin_run_fn run = (plugin_run_fn)dlsym(h, "plugin_run");
    if (run == NULL) {
        fprintf(stderr, "round %d: dlsym: %s\n", round, dlerror());
        dlclose(h);
        return 1;
    }
    int rc = run(path, round, EVENTS);
    if (rc != 0) fprintf(stderr, "round %d: plugin_run returned status %d\n", round, rc);
    if (dlclose(h) != 0) {
        fprintf(stderr, "round %d: dlclose: %s\n", round, dlerror());
        return 1;
    }
    return rc != 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PLUGIN.so EVENTS.ndjson\n", argv[0]);
        return 2;
    }
    remove(argv[2]);
    for (int round = 0; round < ROUNDS; round++)
        if (run_once(argv[1], argv[2], round) != 0) return 1;

    /* Every event of every round, each with its own event name: a
     * descriptor at an address reused after dlclose must never be written
     * with another event's serialization. */
    FILE *f = fopen(argv[2], "r");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    int loaded[ROUNDS] = {0}, sampled = 0, other = 0;
    char line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
        int round = -1;
        const char *r = strstr(line, "\"round\":");
        if (r != NULL) sscanf(r, "\"round\":%d", &round);
        if (strstr(line, "\"event\":\"plugin.loaded\"") != NULL && round >= 0 && round < ROUNDS &&
            strstr(line, "\"note\":\"from the plugin\"") != NULL)
            loaded[round]++;
        else if (strstr(line, "\"event\":\"plugin.sampled\"") != NULL && r == NULL)
            sampled++;
        else
            other++;
    }
    fclose(f);
    int ok = sampled == ROUNDS * EVENTS && other == 0;
    for (int i = 0; i < ROUNDS; i++) ok = ok && loaded[i] == EVENTS;
    printf("plugin.loaded per round: %d %d %d; plugin.sampled: %d; unexpected lines: %d\n",
           loaded[0], loaded[1], loaded[2], sampled, other);
    return ok ? 0 : 1;
}
