/* pii_hash.h — keyed hashing of `pii: hash` values (internal): HMAC-SHA256
 * under the deployment key, first 128 bits as 32 lowercase hex. worker/init.c
 * builds one hasher at init (beacon__hasher_from_env); the serializer calls
 * beacon__hasher_hex for each hashed value and names the key with "hash_key".
 */
#ifndef BEACON_SRC_PII_HASH_H
#define BEACON_SRC_PII_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon_gen.h"

/* Shortest accepted key, in bytes after decoding: below this a key is
 * guessable by brute force over the hashed values, so it is refused. */
#define BEACON__HASH_MIN_KEY 16
/* Length of a hash in hex characters (128 bits), without the NUL. */
#define BEACON__HASH_HEX_LEN 32
/* Longest key id; ids are 1..64 chars of [A-Za-z0-9._:-], so they can be
 * written into JSON and HTTP headers without escaping. */
#define BEACON__HASH_KEY_ID_MAX 64

/* Name of the envelope key the serializer writes the key id under, e.g.
 * "hash_key":"2026-q4", on every event that carries at least one hashed value. */
#define BEACON__HASH_KEY_FIELD "hash_key"

/* An HMAC key prepared for hashing. Immutable after creation. */
typedef struct beacon__hasher beacon__hasher;

/* How the MAC is computed. Both give identical output; AUTO picks SHA256
 * (precomputed inner/outer states copied on the stack per call: no
 * allocation) and falls back to EVP when OpenSSL is built without the
 * deprecated low-level SHA-256 API. EVP duplicates a keyed EVP_MAC_CTX per
 * call, which allocates inside OpenSSL 3.0. */
typedef enum beacon__hash_backend {
    BEACON__HASH_BACKEND_AUTO = 0,
    BEACON__HASH_BACKEND_SHA256 = 1,
    BEACON__HASH_BACKEND_EVP = 2
} beacon__hash_backend;

/* Creates a hasher for key[0..len) (copied into derived state; the caller
 * may wipe its copy afterwards). key_id (copied) names the key in events;
 * NULL or "" derives one from the key: the first 8 hex chars of
 * HMAC(key, "beacon key id"), stable for a key and revealing nothing of it.
 * Returns NULL when key is NULL, len < BEACON__HASH_MIN_KEY, key_id is not
 * 1..64 chars of [A-Za-z0-9._:-], or memory/OpenSSL fails. Must be freed
 * with beacon__hasher_free(). Thread-safe. */
beacon__hasher *beacon__hasher_new(const uint8_t *key, size_t len, const char *key_id);

/* beacon__hasher_new with an explicit backend (tests compare both);
 * NULL when the backend is not available in this build. */
beacon__hasher *beacon__hasher_new_backend(const uint8_t *key, size_t len, const char *key_id,
                                           beacon__hash_backend backend);

/* Adds a holder: h stays alive until beacon__hasher_free was called once
 * per holder (the creator counts as one). Returns h; NULL is a no-op.
 * Thread-safe. */
beacon__hasher *beacon__hasher_ref(beacon__hasher *h);

/* Drops one holder; the last one wipes the key-derived state and frees.
 * NULL is a no-op. Thread-safe. */
void beacon__hasher_free(beacon__hasher *h);

/* Writes the 32 lowercase hex chars of HMAC-SHA256(key, in[0..len))[0..16)
 * plus a NUL into out. in is borrowed for the call and may hold any bytes
 * (NUL included); it may be NULL only when len is 0. Returns false and
 * writes "" when h is NULL, in is NULL with len > 0, or OpenSSL fails: the
 * caller must then drop the value (fail closed), never write it raw.
 * Safe to call concurrently on the same hasher from any number of threads
 * (the hasher is only read); the SHA256 backend never allocates. */
bool beacon__hasher_hex(const beacon__hasher *h, const char *in, size_t len,
                        char out[BEACON__HASH_HEX_LEN + 1]);

/* The key id events name (see BEACON__HASH_KEY_FIELD). Borrowed; valid
 * until beacon__hasher_free(h). NULL h returns NULL. Thread-safe. */
const char *beacon__hasher_key_id(const beacon__hasher *h);

/* Which backend h uses (never AUTO). */
beacon__hash_backend beacon__hasher_backend(const beacon__hasher *h);

/* Decodes a key spec, the BEACON_HASH_KEY syntax:
 *   "hex:<even number of hex digits>"   (either case)
 *   "base64:<standard or URL-safe alphabet, '=' padding optional>"
 *   "raw:<text>"                        the bytes of the text
 *   anything else                       the bytes of the whole string
 * On success *key receives a malloc'd buffer (must be freed with free(),
 * after wiping) and *len its length; a decoded key shorter than
 * BEACON__HASH_MIN_KEY is refused. Returns BEACON_ERR_INVALID_ARGUMENT (NULL
 * arguments, malformed or short key) or BEACON_ERR_NO_MEMORY, with *why (may
 * be NULL) set to a static English message that never contains key bytes.
 * Thread-safe. */
beacon_status beacon__hash_key_decode(const char *spec, uint8_t **key, size_t *len,
                                      const char **why);

/* Decodes spec and creates the hasher (key_id as in beacon__hasher_new).
 * *out receives the hasher (free with beacon__hasher_free) or NULL on error,
 * with *why (may be NULL) set to a static message. Thread-safe. */
beacon_status beacon__hasher_from_spec(const char *spec, const char *key_id, beacon__hasher **out,
                                       const char **why);

/* Reads BEACON_HASH_KEY (spec syntax above) and BEACON_HASH_KEY_ID (the key
 * id, optional). Unset or empty BEACON_HASH_KEY: BEACON_OK with *out NULL
 * (no key: hash fields are redacted). A bad key or id: an error status, *out
 * NULL and *why a message naming the variable, for a diagnostic. Reads the
 * environment, so call it once at init, not concurrently with setenv(). */
beacon_status beacon__hasher_from_env(beacon__hasher **out, const char **why);

/* The process-wide hasher that beacon_gen_to_json uses: the running
 * runtime's key. beacon__hasher_global_set takes ownership of one holder of
 * h (NULL: no key) and drops the previous one once no reader uses it.
 * beacon__hasher_global_acquire returns the current hasher (may be NULL),
 * valid until the matching beacon__hasher_global_release, which must always
 * be called. Thread-safe; acquire never allocates. */
void beacon__hasher_global_set(beacon__hasher *h);
const beacon__hasher *beacon__hasher_global_acquire(void);
void beacon__hasher_global_release(void);
/* The global hasher's lock around fork(); only the pipeline's fork handlers
 * register these (core/fork.h), after their own locks. */
void beacon__hasher_atfork_prepare(void);
void beacon__hasher_atfork_parent(void);
void beacon__hasher_atfork_child(void);

#endif /* BEACON_SRC_PII_HASH_H */
