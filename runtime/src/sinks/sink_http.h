/* sink_http.h — the HTTP sinks' spec handling (internal): which wire format
 * and URL a scheme such as otlp+https:// names, the options they accept,
 * what the ecosystem's environment (OTEL_EXPORTER_OTLP_*, DD_*) adds, and
 * the constructor. sink_http.c is the sink; sink_http_spec.c the parsing.
 */
#ifndef BEACON_SRC_SINKS_SINK_HTTP_H
#define BEACON_SRC_SINKS_SINK_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "format/wire.h"
#include "sinks/sink.h"
#include "spool/spool.h"

/* Options every HTTP scheme accepts (NULL-terminated), besides routing. */
extern const char *const beacon__http_options[];

/* What a parsed HTTP spec resolves to. Strings owned; free with
 * beacon__http_target_free. Secrets (api_key, env_headers, authorization)
 * are never printed; the URL never holds the spec's userinfo. */
typedef struct beacon__http_target {
    const beacon__wire_format *format;
    char *url;
    long timeout_ms;
    int compression; /* 0 none, 1 gzip, 2 zstd */
    bool events_only;
    char *api_key;     /* DD-API-KEY value, or NULL */
    char *env_headers; /* OTEL_EXPORTER_OTLP_{LOGS_,}HEADERS, or NULL */
    char *ddtags;      /* DD_TAGS, or NULL */
    char *spool_dir;   /* spool= ("": no spool), or NULL: the pipeline's default */
    uint64_t spool_max_bytes;
    beacon__spool_sync spool_sync;
    char *authorization; /* "Basic <base64>" from the URL's user:password@, or NULL */
    bool grpc;           /* gRPC was asked for; HTTP/protobuf is sent instead */
} beacon__http_target;

/* Resolves spec (an HTTP scheme) and checks every HTTP option's value;
 * BEACON_ERR_SINK_SPEC with a message naming the option (never a header
 * value) in err. Reads the environment. */
beacon_status beacon__http_target_parse(const beacon__sink_spec *spec, beacon__http_target *out,
                                        char *err, size_t err_cap);
void beacon__http_target_free(beacon__http_target *t);

/* Calls fn(user, name, value) for each entry of a `name=value,name2=value2`
 * list (names and values percent-decoded, blanks trimmed). Errors never
 * quote a value. */
typedef beacon_status (*beacon__http_header_fn)(void *user, const char *name, const char *value);
beacon_status beacon__http_headers_parse(const char *list, beacon__http_header_fn fn, void *user,
                                         char *err, size_t err_cap);

/* Says once per process that OTLP over gRPC is not spoken (a warning).
 * Thread-safe. */
void beacon__http_warn_grpc_once(void);

/* Opens an HTTP sink (asynchronous: its write returns at once and settles
 * every ticket later). */
beacon_status beacon__sink_http_open(const beacon__sink_spec *spec, beacon__sink **out, char *err,
                                     size_t err_cap);

#endif /* BEACON_SRC_SINKS_SINK_HTTP_H */
