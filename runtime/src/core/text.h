/* text.h — small text helpers shared by the runtime and the CLI (internal):
 * hex digits both ways, percent-decoding and '*'/'?' globs. Pure functions:
 * no allocation, no state, thread-safe.
 */
#ifndef BEACON_SRC_CORE_TEXT_H
#define BEACON_SRC_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "beacon/beacon_gen.h" /* BEACON_API */

/* Value of hex digit c (0..15), or -1. Upper case counts only when
 * lower_only is false. */
int beacon__hex_digit(int c, bool lower_only);

/* Decodes the 2n hex digits at s into n bytes at out; false (out partly
 * written) when any of them is not a hex digit (see beacon__hex_digit). */
BEACON_API bool beacon__hex_decode(const char *s, size_t n, uint8_t *out, bool lower_only);

/* Writes the 2n lower-case hex digits of b[0..n) to out (no NUL). */
void beacon__hex_encode(const uint8_t *b, size_t n, char *out);

/* Percent-decodes s[0..n) into out, which has room for n + 1 bytes, and
 * NUL-terminates it; *out_len receives the decoded length. '+' stays
 * literal (RFC 3986, not form encoding). False on a broken escape and on
 * %00, which would cut the C string short. */
bool beacon__percent_decode(const char *s, size_t n, char *out, size_t *out_len);

/* '*' (any run) and '?' (one character) glob match of the whole string s.
 * NULL s matches only "*". */
bool beacon__glob_match(const char *glob, const char *s);

#endif /* BEACON_SRC_CORE_TEXT_H */
