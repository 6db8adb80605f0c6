/* peer_lttng_tp.h — the LTTng-UST tracepoint provider of the benchmark event
 * (tool.called of bench.yaml) for the LTTng peer of beacon-bench: strings as
 * CTF strings, the enum as a CTF enumeration. peer_lttng_tp.c instantiates
 * the probes; peer_lttng.c fires the tracepoint.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER beacon_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "peer_lttng_tp.h"

#if !defined(BEACON_BENCH_PEER_LTTNG_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define BEACON_BENCH_PEER_LTTNG_TP_H

#include <lttng/tracepoint.h>
#include <stdint.h>

/* One field per line, as LTTng's documentation writes them. */
/* clang-format off */
LTTNG_UST_TRACEPOINT_ENUM(beacon_bench, outcome,
    LTTNG_UST_TP_ENUM_VALUES(
        lttng_ust_field_enum_value("ok", 0)
        lttng_ust_field_enum_value("retry", 1)
        lttng_ust_field_enum_value("failed", 2)
    )
)

LTTNG_UST_TRACEPOINT_EVENT(beacon_bench, tool_called,
    LTTNG_UST_TP_ARGS(const char *, tool, const char *, user, int64_t, bytes,
                      double, elapsed, int, cached, int, outcome),
    LTTNG_UST_TP_FIELDS(
        lttng_ust_field_string(tool, tool)
        lttng_ust_field_string(user, user)
        lttng_ust_field_integer(int64_t, bytes, bytes)
        lttng_ust_field_float(double, elapsed, elapsed)
        lttng_ust_field_integer(uint8_t, cached, cached)
        lttng_ust_field_enum(beacon_bench, outcome, int, outcome, outcome)
    )
)
/* clang-format on */

#endif /* BEACON_BENCH_PEER_LTTNG_TP_H */

#include <lttng/tracepoint-event.h>
