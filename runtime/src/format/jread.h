/* jread.h — reads the canonical event JSON back into tokens (internal).
 *
 * The wire formats start from the canonical event the worker serialized,
 * already redacted, so privacy rules apply in one place (serialize.c). This
 * is a small, strict, non-allocating-per-token reader for that text: a flat
 * token array in document order, each container knowing where it ends.
 */
#ifndef BEACON_SRC_FORMAT_JREAD_H
#define BEACON_SRC_FORMAT_JREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/wbuf.h"

typedef enum beacon__jkind {
    BEACON__J_NULL = 0,
    BEACON__J_FALSE,
    BEACON__J_TRUE,
    BEACON__J_NUM,
    BEACON__J_STR,
    BEACON__J_ARR,
    BEACON__J_OBJ
} beacon__jkind;

/* One value. Strings: p/len is the escaped text between the quotes; numbers:
 * the number text; containers: the whole text. `end` is the index of the
 * token after this value's subtree; `count` the number of elements (arrays)
 * or members (objects; each member is a key token followed by its value). */
typedef struct beacon__jtok {
    const char *p;
    uint32_t len;
    uint32_t end;
    uint32_t count;
    uint8_t kind;
    bool escaped; /* strings: the text holds a backslash */
} beacon__jtok;

typedef struct beacon__jdoc {
    beacon__jtok *t; /* owned */
    size_t n, cap;
} beacon__jdoc;

/* Parses s[0..len) (one JSON value, nesting at most 32 deep) into doc,
 * reusing its memory. False on malformed text or out of memory. Not
 * thread-safe per doc. */
bool beacon__jdoc_parse(beacon__jdoc *doc, const char *s, size_t len);
void beacon__jdoc_free(beacon__jdoc *doc);

/* Index of the value of member `key` in the object at index obj, or 0 when
 * absent (index 0 is always the root, never a member value). */
size_t beacon__jdoc_member(const beacon__jdoc *doc, size_t obj, const char *key);

/* Whether the string token at i equals s. */
bool beacon__jtok_eq(const beacon__jtok *t, const char *s);

/* Appends the unescaped bytes of string token t to out. */
void beacon__jtok_unescape(const beacon__jtok *t, beacon__wbuf *out);

/* Number token as int64 (false when it has a fraction, exponent or does not
 * fit) or as double. */
bool beacon__jtok_int(const beacon__jtok *t, int64_t *out);
double beacon__jtok_double(const beacon__jtok *t);

/* An RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SS[.fffffffff]Z" as ns since the
 * Unix epoch; false when malformed. */
bool beacon__parse_rfc3339(const char *s, size_t n, int64_t *ns);

#endif /* BEACON_SRC_FORMAT_JREAD_H */
