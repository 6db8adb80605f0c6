/* ndjson.c — newline-delimited JSON (application/x-ndjson): one canonical
 * event per line, each line ended by '\n'. */
#include "format/wire.h"

static void assemble(const beacon__wire_ctx *ctx, const beacon__wire_piece *p, size_t n,
                     beacon__wbuf *body) {
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        beacon__wbuf_put(body, p[i].data, p[i].len);
        beacon__wbuf_putc(body, '\n');
    }
}

const beacon__wire_format beacon__wire_ndjson = {
    .name = "ndjson",
    .content_type = "application/x-ndjson",
    .batch = 512,
    .max_batch = 8192,
    .max_batch_bytes = 4u << 20,
    .max_event_bytes = 1u << 20,
    .encode = beacon__wire_encode_canonical,
    .assemble = assemble,
};
