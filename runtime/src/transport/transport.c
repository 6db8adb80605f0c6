/* transport.c — the transport room: the only file that includes curl. One
 * thread owns a curl multi handle; sinks queue requests (with an earliest
 * start time, for backoff), the thread starts them when due, waits in
 * curl_multi_poll (woken by curl_multi_wakeup on a new request or a cancel),
 * and calls each request's done callback with its status, Retry-After and
 * response body. curl_global_init runs once per process; after fork() the
 * child starts over with no thread and no requests.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "transport/transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/diag.h"
#include "core/thread.h"

#define RESP_MAX    (64u * 1024u)
#define POLL_MAX_MS 100
#define USER_AGENT  "beacon/" BEACON_VERSION_STRING " libcurl"

#ifndef BEACON_VERSION_STRING
#define BEACON_VERSION_STRING "0.1.0"
#endif

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static bool g_curl_ok;
static bool g_http2;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t g_cancel_mu = PTHREAD_MUTEX_INITIALIZER;

/* Guarded by g_mu. */
static int g_refs;
static pid_t g_pid; /* process the thread runs in */
static bool g_running, g_stop;
static pthread_t g_thread;
static CURLM *g_multi;
static beacon__http_request *g_incoming; /* LIFO; reversed on intake */
static const void *g_cancel_group;
static uint64_t g_cancel_seq, g_cancel_done;

/* fork(): no lock of this file is inherited held; the child has no
 * transport thread, so it forgets the parent's (see forget_parent_locked). */
void beacon__transport_atfork_prepare(void) {
    pthread_mutex_lock(&g_cancel_mu);
    pthread_mutex_lock(&g_mu);
}

void beacon__transport_atfork_parent(void) {
    pthread_mutex_unlock(&g_mu);
    pthread_mutex_unlock(&g_cancel_mu);
}

void beacon__transport_atfork_child(void) {
    pthread_mutex_unlock(&g_mu);
    pthread_mutex_unlock(&g_cancel_mu);
}

static void curl_once(void) {
    g_curl_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (g_curl_ok) {
        const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
        g_http2 = v && (v->features & CURL_VERSION_HTTP2);
    }
}

bool beacon__transport_has_http2(void) {
    pthread_once(&g_curl_once, curl_once);
    return g_http2;
}

/* ---- one request ----------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *user) {
    beacon__http_request *r = user;
    size_t len = size * n;
    size_t room = RESP_MAX - r->resp_len;
    size_t take = len < room ? len : room;
    if (take) {
        char *grown = realloc(r->resp, r->resp_len + take + 1);
        if (grown) {
            memcpy(grown + r->resp_len, p, take);
            r->resp = grown;
            r->resp_len += take;
            r->resp[r->resp_len] = '\0';
        }
    }
    return len;
}

/* Retry-After: delay-seconds, or an HTTP-date. */
static size_t on_header(char *p, size_t size, size_t n, void *user) {
    beacon__http_request *r = user;
    size_t len = size * n;
    static const char k[] = "retry-after:";
    if (len > sizeof k - 1 && strncasecmp(p, k, sizeof k - 1) == 0) {
        char v[128];
        size_t vl = len - (sizeof k - 1);
        if (vl >= sizeof v) vl = sizeof v - 1;
        memcpy(v, p + sizeof k - 1, vl);
        v[vl] = '\0';
        char *s = v;
        while (*s == ' ' || *s == '\t') s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ')) *--e = '\0';
        char *end;
        long secs = strtol(s, &end, 10);
        if (*s && *end == '\0' && secs >= 0) {
            r->retry_after_ms = (int64_t)secs * 1000;
        } else {
            time_t when = curl_getdate(s, NULL);
            if (when != (time_t)-1) {
                int64_t d = ((int64_t)when - (int64_t)time(NULL)) * 1000;
                r->retry_after_ms = d > 0 ? d : 0;
            }
        }
    }
    return len;
}

static bool start_one(beacon__http_request *r) {
    CURL *e = curl_easy_init();
    if (!e) return false;
    struct curl_slist *h = NULL;
    for (size_t i = 0; i < r->header_count; i++) {
        struct curl_slist *nh = curl_slist_append(h, r->headers[i]);
        if (!nh) {
            curl_slist_free_all(h);
            curl_easy_cleanup(e);
            return false;
        }
        h = nh;
    }
    struct curl_slist *nh = curl_slist_append(h, "Expect:");
    if (nh) h = nh;
    r->easy = e;
    r->slist = h;
    r->resp = NULL;
    r->resp_len = 0;
    r->retry_after_ms = -1;
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms > 0 ? r->timeout_ms : 10000L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms > 0 ? r->timeout_ms : 10000L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (g_http2) curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    if (r->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, r->ca_file);
    if (r->insecure) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (curl_multi_add_handle(g_multi, e) != CURLM_OK) {
        curl_slist_free_all(h);
        curl_easy_cleanup(e);
        r->easy = r->slist = NULL;
        return false;
    }
    return true;
}

/* Releases what start_one made and calls done. */
static void finish(beacon__http_request *r, beacon__http_result *res) {
    if (r->easy) {
        curl_multi_remove_handle(g_multi, r->easy);
        curl_easy_cleanup(r->easy);
        r->easy = NULL;
    }
    if (r->slist) curl_slist_free_all(r->slist);
    r->slist = NULL;
    char *resp = r->resp;
    res->body = resp;
    res->body_len = r->resp_len;
    r->resp = NULL;
    r->resp_len = 0;
    r->next = NULL;
    r->done(r, res);
    free(resp);
}

static void finish_aborted(beacon__http_request *r) {
    beacon__http_result res = {0, true, -1, NULL, 0, "cancelled"};
    finish(r, &res);
}

static void finish_error(beacon__http_request *r, const char *why) {
    beacon__http_result res = {0, false, -1, NULL, 0, why};
    finish(r, &res);
}

/* ---- the thread ------------------------------------------------------------ */

typedef struct lists {
    beacon__http_request *waiting; /* not started, sorted by not_before_ns */
    beacon__http_request *active;  /* added to the multi handle */
} lists;

static void insert_waiting(lists *l, beacon__http_request *r) {
    beacon__http_request **pp = &l->waiting;
    while (*pp && (*pp)->not_before_ns <= r->not_before_ns) pp = &(*pp)->next;
    r->next = *pp;
    *pp = r;
}

static void unlink_req(beacon__http_request **head, beacon__http_request *r) {
    for (beacon__http_request **pp = head; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            return;
        }
    }
}

/* Moves the group's requests out of both lists and aborts them. */
static void cancel_group(lists *l, const void *group) {
    beacon__http_request *victims = NULL;
    beacon__http_request **heads[2] = {&l->waiting, &l->active};
    for (int h = 0; h < 2; h++) {
        beacon__http_request **pp = heads[h];
        while (*pp) {
            beacon__http_request *r = *pp;
            if (r->group == group) {
                *pp = r->next;
                r->next = victims;
                victims = r;
            } else {
                pp = &r->next;
            }
        }
    }
    while (victims) {
        beacon__http_request *r = victims;
        victims = r->next;
        finish_aborted(r);
    }
}

static void *transport_main(void *arg) {
    (void)arg;
    beacon__thread_name("beacon-http");
    lists l = {NULL, NULL};
    for (;;) {
        pthread_mutex_lock(&g_mu);
        beacon__http_request *in = g_incoming;
        g_incoming = NULL;
        bool stop = g_stop;
        const void *cg = g_cancel_group;
        uint64_t cseq = g_cancel_seq;
        bool cancel = g_cancel_done != cseq;
        pthread_mutex_unlock(&g_mu);

        beacon__http_request *fifo = NULL; /* submission order */
        while (in) {
            beacon__http_request *r = in;
            in = r->next;
            r->next = fifo;
            fifo = r;
        }
        while (fifo) {
            beacon__http_request *r = fifo;
            fifo = r->next;
            insert_waiting(&l, r);
        }
        if (cancel) {
            cancel_group(&l, cg);
            pthread_mutex_lock(&g_mu);
            g_cancel_done = cseq;
            pthread_cond_broadcast(&g_cv);
            pthread_mutex_unlock(&g_mu);
        }
        if (stop) {
            while (l.waiting) {
                beacon__http_request *r = l.waiting;
                l.waiting = r->next;
                finish_aborted(r);
            }
            while (l.active) {
                beacon__http_request *r = l.active;
                l.active = r->next;
                finish_aborted(r);
            }
            return NULL;
        }

        int64_t now = beacon__clock_monotonic_ns();
        while (l.waiting && l.waiting->not_before_ns <= now) {
            beacon__http_request *r = l.waiting;
            l.waiting = r->next;
            if (start_one(r)) {
                r->next = l.active;
                l.active = r;
            } else {
                finish_error(r, "cannot create the request (out of memory)");
            }
        }

        int running = 0;
        curl_multi_perform(g_multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(g_multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE) continue;
            beacon__http_request *r = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            if (!r) continue;
            unlink_req(&l.active, r);
            beacon__http_result res = {0, false, r->retry_after_ms, NULL, 0, NULL};
            if (msg->data.result == CURLE_OK) {
                curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &res.status);
            } else {
                res.error = curl_easy_strerror(msg->data.result);
            }
            finish(r, &res);
        }

        int wait_ms = POLL_MAX_MS;
        if (l.waiting) {
            int64_t d = (l.waiting->not_before_ns - beacon__clock_monotonic_ns()) / 1000000;
            if (d < wait_ms) wait_ms = d < 0 ? 0 : (int)d;
        }
        pthread_mutex_lock(&g_mu);
        bool work = g_incoming || g_stop || g_cancel_done != g_cancel_seq;
        pthread_mutex_unlock(&g_mu);
        if (!work) curl_multi_poll(g_multi, NULL, 0, wait_ms, NULL);
    }
}

/* Caller holds g_mu. A forked child has no transport thread: forget it. */
static void forget_parent_locked(void) {
    if (g_pid == getpid()) return;
    g_pid = getpid();
    g_running = false;
    g_stop = false;
    g_multi = NULL; /* the parent's; never touched here */
    g_incoming = NULL;
    g_cancel_done = g_cancel_seq;
    g_refs = 0;
    pthread_cond_init(&g_cv, NULL);
}

beacon_status beacon__transport_acquire(void) {
    pthread_once(&g_curl_once, curl_once);
    if (!g_curl_ok) return BEACON_ERR_IO;
    pthread_mutex_lock(&g_mu);
    forget_parent_locked();
    beacon_status st = BEACON_OK;
    if (!g_running) {
        g_multi = curl_multi_init();
        g_stop = false;
        if (!g_multi || beacon__thread_start(&g_thread, transport_main, NULL) != 0) {
            if (g_multi) curl_multi_cleanup(g_multi);
            g_multi = NULL;
            st = BEACON_ERR_IO;
        } else {
            g_running = true;
        }
    }
    if (st == BEACON_OK) g_refs++;
    pthread_mutex_unlock(&g_mu);
    return st;
}

void beacon__transport_release(void) {
    pthread_mutex_lock(&g_mu);
    forget_parent_locked();
    if (g_refs == 0 || --g_refs > 0 || !g_running) {
        pthread_mutex_unlock(&g_mu);
        return;
    }
    g_stop = true;
    CURLM *m = g_multi;
    pthread_t t = g_thread;
    curl_multi_wakeup(m);
    pthread_mutex_unlock(&g_mu);
    pthread_join(t, NULL);
    pthread_mutex_lock(&g_mu);
    curl_multi_cleanup(m);
    g_multi = NULL;
    g_running = false;
    g_stop = false;
    pthread_mutex_unlock(&g_mu);
}

void beacon__transport_submit(beacon__http_request *req) {
    pthread_mutex_lock(&g_mu);
    forget_parent_locked();
    if (!g_running) {
        pthread_mutex_unlock(&g_mu);
        finish_error(req, "the transport is not running");
        return;
    }
    req->next = g_incoming;
    g_incoming = req;
    curl_multi_wakeup(g_multi);
    pthread_mutex_unlock(&g_mu);
}

void beacon__transport_cancel(const void *group) {
    pthread_mutex_lock(&g_cancel_mu);
    pthread_mutex_lock(&g_mu);
    forget_parent_locked();
    if (g_running) {
        g_cancel_group = group;
        uint64_t mine = ++g_cancel_seq;
        curl_multi_wakeup(g_multi);
        while (g_cancel_done < mine && g_running) pthread_cond_wait(&g_cv, &g_mu);
    }
    pthread_mutex_unlock(&g_mu);
    pthread_mutex_unlock(&g_cancel_mu);
}
