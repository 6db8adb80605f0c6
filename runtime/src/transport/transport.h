/* transport.h — HTTP requests off the caller's and the worker's threads
 * (internal). One transport thread drives a libcurl multi handle for every
 * HTTP sink of the process: connections are reused, requests run
 * concurrently, and each request's outcome is handed back through its
 * callback on the transport thread. transport.c is the only file that
 * includes curl; what to send, retry or count is the sink's business.
 */
#ifndef BEACON_SRC_TRANSPORT_TRANSPORT_H
#define BEACON_SRC_TRANSPORT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon.h"

/* How a request ended. Borrowed for the duration of the callback. */
typedef struct beacon__http_result {
    long status;            /* HTTP status; 0 when no response arrived */
    bool aborted;           /* cancelled by beacon__transport_cancel */
    int64_t retry_after_ms; /* from a Retry-After header (seconds or HTTP-date); -1: none */
    const char *body;       /* the response body, at most 64 KiB; may be NULL */
    size_t body_len;
    const char *error; /* static text naming a transport failure, or NULL */
} beacon__http_result;

typedef struct beacon__http_request beacon__http_request;

/* Called once per submitted request, on the transport thread. It may
 * submit requests (this one included, for a retry) but must not cancel. */
typedef void (*beacon__http_done_fn)(beacon__http_request *req, const beacon__http_result *res);

struct beacon__http_request {
    /* Set by the submitter; everything borrowed until done runs. */
    const char *url;
    const char *const *headers; /* "Name: value" lines */
    size_t header_count;
    const char *body;
    size_t body_len;
    long timeout_ms;       /* whole request; > 0 */
    const char *ca_file;   /* PEM bundle to verify the server with, or NULL */
    bool insecure;         /* skip TLS verification */
    int64_t not_before_ns; /* monotonic clock; 0: at once */
    const void *group;     /* what beacon__transport_cancel matches */
    beacon__http_done_fn done;
    void *user;
    /* The transport's own. */
    beacon__http_request *next;
    void *easy;
    void *slist;
    char *resp;
    size_t resp_len;
    int64_t retry_after_ms;
};

/* Takes a reference on the transport, starting its thread with the first.
 * BEACON_ERR_IO when libcurl cannot be initialised. Thread-safe. */
beacon_status beacon__transport_acquire(void);
/* Drops a reference; the last one stops the thread and joins it. Requests
 * must have been cancelled or completed by then. Thread-safe. */
void beacon__transport_release(void);

/* Queues req (borrowed until its done callback returns). Thread-safe. */
void beacon__transport_submit(beacon__http_request *req);

/* Ends every queued and in-flight request of group: each done callback runs
 * with aborted set, on the transport thread, before this returns. Never call
 * from a done callback. Thread-safe. */
void beacon__transport_cancel(const void *group);

/* fork() hooks (run from the sink schemes' table): the transport's locks
 * are taken before fork and released in parent and child; a child then has
 * no transport thread and starts its own on first use. */
void beacon__transport_atfork_prepare(void);
void beacon__transport_atfork_parent(void);
void beacon__transport_atfork_child(void);

/* Whether libcurl can speak HTTP/2 here (used when the scheme is https). */
bool beacon__transport_has_http2(void);

#endif /* BEACON_SRC_TRANSPORT_TRANSPORT_H */
