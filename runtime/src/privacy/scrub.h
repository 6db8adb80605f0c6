/* scrub.h — the `pii: scrub` policy (internal): replaces identifiers found in
 * free text by typed placeholders such as "[email]". One hand-written pass,
 * linear in the input, no regex engine, no allocation; the serializer runs it
 * on the worker thread before writing a scrubbed string.
 *
 * What is replaced, tried in this order at each position where a match may
 * start (the first that matches wins; the scan then resumes after it):
 *
 *   [jwt]    eyJ… compact JWS (3 base64url segments) or JWE (5); an
 *            unsecured JWT's empty signature ("eyJ….eyJ….") included
 *   [bearer] "Bearer <token>" (any case): "Bearer " is kept, the token
 *            (RFC 6750 token68, >= 8 chars with a digit or symbol, or >= 16
 *            chars) replaced — "Bearer [jwt]" when the token is a JWT
 *   [secret] the value of a credential pair: key (case-insensitive, '-' = '_')
 *            equal to pwd, or ending in password, passwd, passphrase, secret,
 *            token, apikey, api_key, access_key, secret_key, private_key,
 *            privatekey, credentials, authorization; optionally quoted, then
 *            '=' or ':' with optional blanks. An unquoted value runs to
 *            whitespace, '&', ',', ';' or a quote; a quoted one to its closing
 *            quote (backslash escapes honoured) or the end of the line.
 *            Key and separator are kept: "password=[secret]". A value that is
 *            a JWT becomes [jwt]. For *authorization the value runs to the end
 *            of the line and a leading scheme word is kept:
 *            "Authorization: Basic [secret]", "…: Bearer [bearer]".
 *   [email]  local@domain.tld (dot-atom local part; >= 2 domain labels; the
 *            last one letters only)
 *   (uuid)   8-4-4-4-12 hex: an identifier, not personal data — copied as is,
 *            and so shielded from the digit rules below
 *   [card]   13-19 digits passing Luhn, not starting with 0, contiguous or in groups of >= 3
 *            separated by one consistent ' ' or '-'; the longest valid
 *            prefix of a longer group sequence counts
 *   [ssn]    ddd-dd-dddd outside the SSA's never-issued ranges (area 000, 666,
 *            900-999; group 00; serial 0000)
 *   [phone]  +<8..15 digits> in groups (' ', '-', '.', one "(…)" group);
 *            North American (ddd) ddd-dddd, ddd-ddd-dddd, ddd.ddd.dddd,
 *            ddd ddd dddd, optionally after "1" and a separator; trunk-prefix
 *            national numbers 0d… in >= 2 groups with one consistent
 *            separator, 9..12 digits (020 7946 0958, 06 12 34 56 78)
 *   [ip]     IPv4 dotted quad, each octet <= 255 (not part of a longer dotted
 *            number); IPv6 text forms incl. "::" compression and an embedded
 *            IPv4 tail (bare "::" excluded)
 *   [number] a run of >= 7 digits not otherwise classified (record numbers),
 *            not part of a decimal ("3.14159265") or a longer token ("a1234567")
 *
 * Left alone by design: dates, times, versions (1.2.3, v10.4.1), decimals,
 * numbers under 7 digits, ports, UUIDs, hex hashes (digits touching letters),
 * ordinary words. Known ambiguities: a bare 4-part version "1.2.3.4" is an
 * IPv4 address, hex-letter C++ names such as "ab::cd" are IPv6, file names
 * such as "icon@2x.png" are emails.
 *
 * Bytes outside matches are copied unchanged (UTF-8 included: every rule is
 * ASCII, bytes >= 0x80 only ever separate tokens).
 */
#ifndef BEACON_SRC_SCRUB_H
#define BEACON_SRC_SCRUB_H

#include <stddef.h>
#include <stdint.h>

typedef enum beacon__scrub_kind {
    BEACON__SCRUB_TEXT = 0, /* copied input */
    BEACON__SCRUB_EMAIL,
    BEACON__SCRUB_PHONE,
    BEACON__SCRUB_SSN,
    BEACON__SCRUB_CARD,
    BEACON__SCRUB_IP,
    BEACON__SCRUB_JWT,
    BEACON__SCRUB_BEARER,
    BEACON__SCRUB_SECRET,
    BEACON__SCRUB_NUMBER,
    BEACON__SCRUB_KIND_COUNT
} beacon__scrub_kind;

/* One piece of the output, in order. Input bytes [in_off, in_off + in_len)
 * became text[0..len): the same bytes for BEACON__SCRUB_TEXT, the
 * placeholder for the others. Pieces cover the input exactly, in order. */
typedef struct beacon__scrub_piece {
    beacon__scrub_kind kind;
    size_t in_off;
    size_t in_len;
    const char *text; /* borrowed for the callback only */
    size_t len;
} beacon__scrub_piece;

typedef void (*beacon__scrub_fn)(void *user, const beacon__scrub_piece *piece);

/* Work counters of one scrub, for tests that prove linear time. */
typedef struct beacon__scrub_stats {
    size_t steps;                             /* input bytes inspected, all rules */
    size_t matches[BEACON__SCRUB_KIND_COUNT]; /* replacements per kind */
} beacon__scrub_stats;

/* Upper bound of the output length for an input of len bytes. The output
 * can be longer than the input — a placeholder may outgrow what it hides
 * ("pwd=x" → "pwd=[secret]", the worst case, 12/5) — but never more than
 * 3 × len. */
static inline size_t beacon__scrub_bound(size_t len) {
    return len <= SIZE_MAX / 3 ? len * 3 : SIZE_MAX;
}

/* Scrubs in[0..len) into out[0..cap) with snprintf semantics: writes at most
 * cap bytes, NUL-terminated when cap > 0 (a cut output is a prefix of the
 * full one), and returns the full output length without the NUL, which may
 * exceed len (see beacon__scrub_bound). out may be NULL when cap is 0, to
 * size a buffer. in may hold any bytes (NULs included) and may be NULL only
 * when len is 0; both are borrowed for the call. No allocation; thread-safe
 * (no shared state).
 *
 * The serializer should scrub before any max_length cut: cutting first can
 * split an identifier so that it is no longer recognised. */
size_t beacon__scrub(const char *in, size_t len, char *out, size_t cap);

/* The same scan, handing each output piece to fn (not NULL) instead of
 * writing a buffer — e.g. straight into a JSON string writer, with no
 * scratch buffer. Pieces split the input only at ASCII bytes, never inside
 * a UTF-8 sequence. Returns the total output length. stats (may be NULL)
 * receives the work counters. Thread-safe; no allocation. */
size_t beacon__scrub_each(const char *in, size_t len, beacon__scrub_fn fn, void *user,
                          beacon__scrub_stats *stats);

/* The placeholder text of a kind ("[email]" …), "" for BEACON__SCRUB_TEXT
 * and out-of-range values. Static. */
const char *beacon__scrub_placeholder(beacon__scrub_kind kind);

#endif /* BEACON_SRC_SCRUB_H */
