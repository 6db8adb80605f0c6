/* fx_context.h — positions of the context fields of catalogs/fx.yaml in
 * tfx_catalog.context (catalog order), for the tests that call the
 * beacon_gen_context_set() entry point or build context snapshots directly.
 * test_context checks that they name the fields they say.
 */
#ifndef BEACON_TESTS_FX_CONTEXT_H
#define BEACON_TESTS_FX_CONTEXT_H

enum {
    TFX_CTX_REQUEST_ID = 0, /* string, max_length 16 */
    TFX_CTX_TENANT = 1,     /* int */
    TFX_CTX_USER_EMAIL = 2, /* string, pii hash */
    TFX_CTX_MODE = 3,       /* enum color */
    TFX_CTX_WEIGHT = 4      /* double */
};

#endif /* BEACON_TESTS_FX_CONTEXT_H */
