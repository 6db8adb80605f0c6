/* pii_hash.c — HMAC-SHA256 of PII values under the deployment key, and the
 * BEACON_HASH_KEY / BEACON_HASH_KEY_ID parsing that builds the hasher. The
 * per-value path copies precomputed inner/outer SHA-256 states, so hashing
 * on the worker thread never allocates.
 */
/* The low-level SHA256_* API is deprecated in OpenSSL 3 but still shipped;
 * it is the only allocation-free way to reuse a keyed state in 3.0, where
 * every EVP digest/MAC (re)initialisation allocates. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* pthread_rwlock_t */
#endif
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "privacy/pii_hash.h"

#include "core/text.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#if !defined(OPENSSL_NO_DEPRECATED_3_0)
#define HAVE_LOW_LEVEL_SHA256 1
#else
#define HAVE_LOW_LEVEL_SHA256 0
#endif

#define BLOCK 64 /* SHA-256 block size: HMAC pads the key to it */

struct beacon__hasher {
    beacon__hash_backend backend;
#if HAVE_LOW_LEVEL_SHA256
    SHA256_CTX inner; /* after absorbing key ^ ipad */
    SHA256_CTX outer; /* after absorbing key ^ opad */
#endif
    EVP_MAC_CTX *mac; /* EVP backend: keyed, duplicated per call */
    char key_id[BEACON__HASH_KEY_ID_MAX + 1];
    _Atomic long refs; /* holders: the creator, beacon__hasher_ref callers */
};

static const char k_key_id_label[] = "beacon key id";

static bool key_id_valid(const char *id) {
    size_t n = strlen(id);
    if (n == 0 || n > BEACON__HASH_KEY_ID_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

#if HAVE_LOW_LEVEL_SHA256
static bool init_sha256(beacon__hasher *h, const uint8_t *key, size_t len) {
    uint8_t k[BLOCK] = {0};
    uint8_t pad[BLOCK];
    bool ok = true;
    if (len > BLOCK) {
        ok = SHA256(key, len, k) != NULL; /* RFC 2104: long keys are hashed first */
    } else {
        memcpy(k, key, len);
    }
    for (size_t i = 0; i < BLOCK; i++) pad[i] = k[i] ^ 0x36u;
    ok = ok && SHA256_Init(&h->inner) && SHA256_Update(&h->inner, pad, BLOCK);
    for (size_t i = 0; i < BLOCK; i++) pad[i] = k[i] ^ 0x5cu;
    ok = ok && SHA256_Init(&h->outer) && SHA256_Update(&h->outer, pad, BLOCK);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    return ok;
}

static bool mac_sha256(const beacon__hasher *h, const void *in, size_t len, uint8_t md[32]) {
    SHA256_CTX c = h->inner;
    uint8_t inner[SHA256_DIGEST_LENGTH];
    bool ok = SHA256_Update(&c, in, len) && SHA256_Final(inner, &c);
    c = h->outer;
    ok = ok && SHA256_Update(&c, inner, sizeof inner) && SHA256_Final(md, &c);
    OPENSSL_cleanse(&c, sizeof c);
    OPENSSL_cleanse(inner, sizeof inner);
    return ok;
}
#endif

static bool init_evp(beacon__hasher *h, const uint8_t *key, size_t len) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac) return false;
    h->mac = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
    if (!h->mac) return false;
    char digest[] = "SHA256";
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(h->mac, key, len, params) == 1;
}

static bool mac_evp(const beacon__hasher *h, const void *in, size_t len, uint8_t md[32]) {
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(h->mac);
    if (!c) return false;
    size_t out_len = 0;
    bool ok =
        EVP_MAC_update(c, in, len) == 1 && EVP_MAC_final(c, md, &out_len, 32) == 1 && out_len == 32;
    EVP_MAC_CTX_free(c);
    return ok;
}

static bool mac(const beacon__hasher *h, const void *in, size_t len, uint8_t md[32]) {
#if HAVE_LOW_LEVEL_SHA256
    if (h->backend == BEACON__HASH_BACKEND_SHA256) return mac_sha256(h, in, len, md);
#endif
    return mac_evp(h, in, len, md);
}

static void to_hex(const uint8_t *b, size_t n, char *out) {
    beacon__hex_encode(b, n, out);
    out[2 * n] = '\0';
}

beacon__hasher *beacon__hasher_new_backend(const uint8_t *key, size_t len, const char *key_id,
                                           beacon__hash_backend backend) {
    if (!key || len < BEACON__HASH_MIN_KEY) return NULL;
    if (key_id && *key_id && !key_id_valid(key_id)) return NULL;
    if (backend == BEACON__HASH_BACKEND_AUTO) {
        backend = HAVE_LOW_LEVEL_SHA256 ? BEACON__HASH_BACKEND_SHA256 : BEACON__HASH_BACKEND_EVP;
    }
    if (backend == BEACON__HASH_BACKEND_SHA256 && !HAVE_LOW_LEVEL_SHA256) return NULL;
    if (backend != BEACON__HASH_BACKEND_SHA256 && backend != BEACON__HASH_BACKEND_EVP) return NULL;

    beacon__hasher *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    atomic_init(&h->refs, 1);
    h->backend = backend;
    bool ok;
#if HAVE_LOW_LEVEL_SHA256
    if (backend == BEACON__HASH_BACKEND_SHA256) {
        ok = init_sha256(h, key, len);
    } else
#endif
    {
        ok = init_evp(h, key, len);
    }
    if (ok && key_id && *key_id) {
        memcpy(h->key_id, key_id, strlen(key_id) + 1);
    } else if (ok) {
        uint8_t md[32];
        ok = mac(h, k_key_id_label, sizeof k_key_id_label - 1, md);
        to_hex(md, 4, h->key_id);
    }
    if (!ok) {
        beacon__hasher_free(h);
        return NULL;
    }
    return h;
}

beacon__hasher *beacon__hasher_new(const uint8_t *key, size_t len, const char *key_id) {
    return beacon__hasher_new_backend(key, len, key_id, BEACON__HASH_BACKEND_AUTO);
}

beacon__hasher *beacon__hasher_ref(beacon__hasher *h) {
    if (h) atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
    return h;
}

void beacon__hasher_free(beacon__hasher *h) {
    if (!h) return;
    if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) != 1) return;
    EVP_MAC_CTX_free(h->mac);
    OPENSSL_cleanse(h, sizeof *h);
    free(h);
}

bool beacon__hasher_hex(const beacon__hasher *h, const char *in, size_t len,
                        char out[BEACON__HASH_HEX_LEN + 1]) {
    out[0] = '\0';
    if (!h || (!in && len > 0)) return false;
    uint8_t md[32];
    if (!mac(h, in ? in : "", len, md)) return false;
    to_hex(md, BEACON__HASH_HEX_LEN / 2, out);
    OPENSSL_cleanse(md, sizeof md);
    return true;
}

const char *beacon__hasher_key_id(const beacon__hasher *h) {
    return h ? h->key_id : NULL;
}

beacon__hash_backend beacon__hasher_backend(const beacon__hasher *h) {
    return h ? h->backend : BEACON__HASH_BACKEND_AUTO;
}

/* --- key specs ------------------------------------------------------------ */

static int b64_val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

static bool decode_hex(const char *s, size_t n, uint8_t *out, size_t *len) {
    if (n % 2 || !beacon__hex_decode(s, n / 2, out, false)) return false;
    *len = n / 2;
    return true;
}

static bool decode_base64(const char *s, size_t n, uint8_t *out, size_t *len) {
    while (n > 0 && s[n - 1] == '=') n--; /* padding is optional */
    if (n % 4 == 1) return false;         /* no whole byte in the last group */
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val((unsigned char)s[i]);
        if (v < 0) return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    *len = o;
    return true;
}

static beacon_status fail(const char **why, const char *msg, beacon_status st) {
    if (why) *why = msg;
    return st;
}

beacon_status beacon__hash_key_decode(const char *spec, uint8_t **key, size_t *len,
                                      const char **why) {
    if (why) *why = NULL;
    if (!spec || !key || !len) {
        return fail(why, "hash key: NULL argument", BEACON_ERR_INVALID_ARGUMENT);
    }
    *key = NULL;
    *len = 0;
    size_t n = strlen(spec);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) return fail(why, "hash key: out of memory", BEACON_ERR_NO_MEMORY);
    size_t got = 0;
    bool ok = true;
    const char *msg = NULL;
    if (strncmp(spec, "hex:", 4) == 0) {
        ok = decode_hex(spec + 4, n - 4, buf, &got);
        msg = "hash key: \"hex:\" needs an even number of hex digits and nothing else";
    } else if (strncmp(spec, "base64:", 7) == 0) {
        ok = decode_base64(spec + 7, n - 7, buf, &got);
        msg = "hash key: \"base64:\" value is not valid base64";
    } else if (strncmp(spec, "raw:", 4) == 0) {
        got = n - 4;
        memcpy(buf, spec + 4, got);
    } else {
        got = n;
        memcpy(buf, spec, got);
    }
    if (ok && got < BEACON__HASH_MIN_KEY) {
        ok = false;
        msg = "hash key: shorter than 16 bytes after decoding; refused";
    }
    if (!ok) {
        OPENSSL_cleanse(buf, n ? n : 1);
        free(buf);
        return fail(why, msg, BEACON_ERR_INVALID_ARGUMENT);
    }
    *key = buf;
    *len = got;
    return BEACON_OK;
}

beacon_status beacon__hasher_from_spec(const char *spec, const char *key_id, beacon__hasher **out,
                                       const char **why) {
    if (why) *why = NULL;
    if (!out) return fail(why, "hash key: NULL argument", BEACON_ERR_INVALID_ARGUMENT);
    *out = NULL;
    if (key_id && *key_id && !key_id_valid(key_id)) {
        return fail(why, "hash key id: must be 1..64 characters of [A-Za-z0-9._:-]",
                    BEACON_ERR_INVALID_ARGUMENT);
    }
    uint8_t *key;
    size_t len;
    beacon_status st = beacon__hash_key_decode(spec, &key, &len, why);
    if (st != BEACON_OK) return st;
    *out = beacon__hasher_new(key, len, key_id);
    OPENSSL_cleanse(key, len);
    free(key);
    if (!*out) return fail(why, "hash key: OpenSSL HMAC setup failed", BEACON_ERR_NO_MEMORY);
    return BEACON_OK;
}

beacon_status beacon__hasher_from_env(beacon__hasher **out, const char **why) {
    if (why) *why = NULL;
    if (!out) return fail(why, "hash key: NULL argument", BEACON_ERR_INVALID_ARGUMENT);
    *out = NULL;
    const char *spec = getenv("BEACON_HASH_KEY");
    if (!spec || !*spec) return BEACON_OK;
    const char *key_id = getenv("BEACON_HASH_KEY_ID");
    const char *msg = NULL;
    beacon_status st = beacon__hasher_from_spec(spec, key_id, out, &msg);
    if (st == BEACON_OK) return BEACON_OK;
    /* Prefix the variable so the diagnostic says where to look. */
    if (msg && strncmp(msg, "hash key id:", 12) == 0) {
        msg = "BEACON_HASH_KEY_ID: must be 1..64 characters of [A-Za-z0-9._:-]; "
              "hash fields will be dropped";
    } else if (st == BEACON_ERR_INVALID_ARGUMENT && msg &&
               strstr(msg, "shorter than 16 bytes") != NULL) {
        msg = "BEACON_HASH_KEY: key shorter than 16 bytes after decoding; "
              "hash fields will be dropped";
    } else if (st == BEACON_ERR_INVALID_ARGUMENT) {
        msg = "BEACON_HASH_KEY: malformed (expected hex:<hex>, base64:<base64>, raw:<text> "
              "or text); hash fields will be dropped";
    } else {
        msg = "BEACON_HASH_KEY: could not set up HMAC; hash fields will be dropped";
    }
    return fail(why, msg, st);
}

/* --- the process-wide hasher ------------------------------------------------
 * What beacon_gen_to_json hashes with: the running runtime's key. Readers
 * hold the read lock for the whole serialization, so init/shutdown (the only
 * writers) never free a hasher in use. */

static pthread_rwlock_t g_global_lock = PTHREAD_RWLOCK_INITIALIZER;
static beacon__hasher *g_global; /* g_global_lock */

/* Called from the pipeline's fork handlers, innermost: init and shutdown set
 * the hasher while holding the pipeline's lifecycle lock, so taking this lock
 * first around fork() (from a handler of its own) could deadlock with them. */
void beacon__hasher_atfork_prepare(void) {
    pthread_rwlock_wrlock(&g_global_lock);
}
void beacon__hasher_atfork_parent(void) {
    pthread_rwlock_unlock(&g_global_lock);
}
#if defined(__SANITIZE_THREAD__)
#define BEACON__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BEACON__TSAN 1
#endif
#endif

void beacon__hasher_atfork_child(void) {
    /* Only the forking thread survives and holds the write lock, but glibc
     * ties a write lock to the writer's thread id, which fork() changed:
     * unlocking would not release it, so the lock is made anew. ThreadSanitizer
     * does not treat a re-init as a release; the unlock it sees first keeps
     * its model right (the init then repairs what that unlock did to glibc's). */
#ifdef BEACON__TSAN
    pthread_rwlock_unlock(&g_global_lock);
#endif
    pthread_rwlock_init(&g_global_lock, NULL);
}

void beacon__hasher_global_set(beacon__hasher *h) {
    pthread_rwlock_wrlock(&g_global_lock);
    beacon__hasher *old = g_global;
    g_global = h;
    pthread_rwlock_unlock(&g_global_lock);
    beacon__hasher_free(old);
}

const beacon__hasher *beacon__hasher_global_acquire(void) {
    pthread_rwlock_rdlock(&g_global_lock);
    return g_global;
}

void beacon__hasher_global_release(void) {
    pthread_rwlock_unlock(&g_global_lock);
}
