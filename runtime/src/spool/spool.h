/* spool.h — the on-disk spool of one sink (internal): serialized, already
 * redacted batches a sink could not deliver, kept in segment files
 * (spool/segment.h) until a replay delivers them.
 *
 * Layout. Under the spool root, each sink has a directory named by a 64-bit
 * hash of its identity (16 hex digits; the identity itself, which may hold
 * an endpoint with credentials, is never written), holding
 *   seg-<16 hex>.bsp   segments, oldest first by number
 *   lock               flock()ed around every operation
 *   replay-<format>.lock  flock()ed for as long as a store replays that format
 * Directories are 0700 and files 0600, opened O_CLOEXEC | O_NOFOLLOW.
 *
 * Commit point. A record is removed only when acknowledged: its state byte
 * is rewritten in place (the only in-place write), and a segment is deleted
 * once no pending record of any sink remains in it. A crash between a
 * delivery and its acknowledgement delivers that record again (at least
 * once; events carry ids).
 *
 * Sharing. Every operation takes `lock`, re-reads the directory and
 * finishes its writes before releasing it, so processes appending to and
 * replaying one directory never see each other's half-written records; each
 * appender writes its own segment. Only the store holding the format's
 * replay lock replays, so a record is never handed out twice at once.
 * A record another process evicts while this store is delivering it counts
 * as evicted there and as acknowledged here.
 *
 * Not thread-safe: one store is used by one thread at a time (the
 * transport's), several stores of one directory may live in one process.
 */
#ifndef BEACON_SRC_SPOOL_SPOOL_H
#define BEACON_SRC_SPOOL_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon.h"

#define BEACON__SPOOL_DEFAULT_MAX_BYTES ((uint64_t)64 << 20)

/* When appended bytes are forced to disk. */
typedef enum beacon__spool_sync {
    BEACON__SPOOL_SYNC_BATCH = 0, /* fdatasync after every append and acknowledgement */
    BEACON__SPOOL_SYNC_NONE = 1   /* left to the kernel: survives a crash, not power loss */
} beacon__spool_sync;

typedef struct beacon__spool_options {
    const char *dir;        /* borrowed: the spool root (created 0700 if missing) */
    const char *identity;   /* borrowed: what names the sink, e.g. its endpoint */
    uint16_t format;        /* format id of the payloads this store writes and replays */
    uint64_t max_bytes;     /* bound on the sink directory's segments; 0: default */
    uint64_t segment_bytes; /* segment roll-over size; 0: max_bytes / 16 in [4 KiB, 4 MiB] */
    beacon__spool_sync sync;
} beacon__spool_options;

/* What this store did since it was opened. */
typedef struct beacon__spool_counters {
    uint64_t spooled_records, spooled_events; /* appended */
    uint64_t acked_records, acked_events;     /* acknowledged (removed) */
    uint64_t evicted_events; /* pending events of this sink deleted by the size bound */
    uint64_t corrupt;        /* damaged or torn records (or segment headers) skipped */
} beacon__spool_counters;

/* A pending record handed out by beacon__spool_next. */
typedef struct beacon__spool_record {
    const uint8_t *bytes; /* borrowed: valid until the next call on the store */
    size_t len;
    uint32_t events;
    uint64_t seg; /* where it lives, for beacon__spool_ack */
    size_t off;
} beacon__spool_record;

typedef struct beacon__spool beacon__spool;

/* Opens (creating as needed) the sink directory of o->identity under
 * o->dir. *out must be closed with beacon__spool_close. Returns
 * BEACON_ERR_INVALID_ARGUMENT (NULL or empty dir/identity), BEACON_ERR_IO
 * (with a message in err: not a directory, owned by another user, ...) or
 * BEACON_ERR_NO_MEMORY. */
beacon_status beacon__spool_open(const beacon__spool_options *o, beacon__spool **out, char *err,
                                 size_t err_cap);

/* Closes the store, releasing the replay claim; records stay on disk. NULL
 * is a no-op. */
void beacon__spool_close(beacon__spool *s);

/* Appends one record of `events` events (bytes copied to disk). When the
 * directory would exceed max_bytes, the oldest segments are deleted first
 * (their pending events of this sink counted as evicted; the segment of a
 * record handed out and not yet acknowledged goes last). Returns
 * BEACON_ERR_INVALID_ARGUMENT when the record alone cannot fit the bound,
 * BEACON_ERR_IO when the write failed (disk full, file size limit, ...):
 * nothing of the record is then left in the segment. */
beacon_status beacon__spool_append(beacon__spool *s, const void *bytes, size_t len,
                                   uint32_t events);

/* The oldest pending record of this sink and format, in *rec; *found false
 * when there is none or another store replays this directory. Damaged and
 * torn records are skipped and counted; records of another sink or format
 * are left as they are. Until acknowledged, the same record is handed out
 * again. Returns BEACON_ERR_IO / BEACON_ERR_NO_MEMORY on failure. */
beacon_status beacon__spool_next(beacon__spool *s, beacon__spool_record *rec, bool *found);

/* Marks rec (from beacon__spool_next on this store) delivered, deleting its
 * segment when nothing pending remains there. A record whose segment was
 * evicted meanwhile is ignored: its events are not counted evicted (they
 * were delivered). Returns BEACON_ERR_IO on a failed write. */
beacon_status beacon__spool_ack(beacon__spool *s, const beacon__spool_record *rec);

/* The record last handed out by beacon__spool_next will not be acknowledged
 * (its request failed or was abandoned): when the size bound evicted its
 * segment meanwhile, its events are counted evicted now. The next
 * beacon__spool_next does this itself. NULL is a no-op. */
void beacon__spool_release(beacon__spool *s);

/* Bytes of segment files in the sink directory now (all writers). */
beacon_status beacon__spool_pending_bytes(beacon__spool *s, uint64_t *bytes);

/* This store's counters. */
void beacon__spool_counters_get(const beacon__spool *s, beacon__spool_counters *out);

/* The sink directory (borrowed; lives as long as the store). */
const char *beacon__spool_path(const beacon__spool *s);

/* In a fork child: forgets the replay claim and the open segment inherited
 * from the parent without releasing the parent's locks. */
void beacon__spool_after_fork_child(beacon__spool *s);

/* fork() handlers (core/fork.h) over every open store. The child's does
 * beacon__spool_after_fork_child for each at once: an inherited descriptor
 * of the replay lock kept open by a child that never shuts the runtime
 * down would hold the lock after the parent let go of it, and no process
 * could replay that directory until the child exits. */
void beacon__spool_atfork_prepare(void);
void beacon__spool_atfork_parent(void);
void beacon__spool_atfork_child(void);

#endif /* BEACON_SRC_SPOOL_SPOOL_H */
