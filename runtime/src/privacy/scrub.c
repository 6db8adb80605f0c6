/* scrub.c — the free-text scrubber behind `pii: scrub` (rules in scrub.h).
 *
 * Why it is linear: every rule starts only where the previous byte is not
 * alphanumeric, and either looks ahead a bounded distance (card, ssn, phone,
 * ip, uuid: at most ~50 bytes) or scans one run of its own character class,
 * inside which it can never start again (jwt, bearer, secret, email,
 * number). No rule backtracks, so each byte is inspected a bounded number
 * of times. The step counter in beacon__scrub_stats lets tests prove it.
 */
#include "privacy/scrub.h"

#include <stdbool.h>
#include <string.h>

typedef struct scan {
    const unsigned char *s;
    size_t n;
    size_t steps;
} scan;

/* A match at the current position: input [rs, re) is replaced by kind's
 * placeholder and the scan resumes at re. Bytes between the position and
 * rs (a kept key or "Bearer ") are copied. BEACON__SCRUB_TEXT means "copy
 * [pos, re) as is and resume at re" (a UUID). */
typedef struct match {
    beacon__scrub_kind kind;
    size_t rs, re;
} match;

static const char *const k_placeholders[BEACON__SCRUB_KIND_COUNT] = {
    "",     "[email]", "[phone]",  "[ssn]",    "[card]",
    "[ip]", "[jwt]",   "[bearer]", "[secret]", "[number]",
};

/* Byte at i, or -1 past the end; counts one step. */
static inline int at(scan *c, size_t i) {
    c->steps++;
    return i < c->n ? c->s[i] : -1;
}

static inline int before(scan *c, size_t i) {
    return i ? at(c, i - 1) : -1;
}

static inline bool is_digit(int ch) {
    return ch >= '0' && ch <= '9';
}
static inline bool is_alpha(int ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}
static inline bool is_alnum(int ch) {
    return is_digit(ch) || is_alpha(ch);
}
static inline bool is_hex(int ch) {
    return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}
static inline bool is_blank(int ch) {
    return ch == ' ' || ch == '\t';
}
static inline bool is_space(int ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}
static inline int lower(int ch) {
    return ch >= 'A' && ch <= 'Z' ? ch + ('a' - 'A') : ch;
}
/* base64url alphabet (JWT segments). */
static inline bool is_b64u(int ch) {
    return is_alnum(ch) || ch == '-' || ch == '_';
}
/* Characters of a credential key. */
static inline bool is_keych(int ch) {
    return is_alnum(ch) || ch == '_' || ch == '-';
}
/* Non-ASCII bytes: internationalised addresses (RFC 6531, IDN labels) are
 * UTF-8, so the email rule takes them as letters. */
static inline bool is_u8(int ch) {
    return ch >= 0x80;
}
/* Email local part (dot-atom, the characters seen in practice). */
static inline bool is_local(int ch) {
    return is_alnum(ch) || is_u8(ch) || ch == '.' || ch == '_' || ch == '%' || ch == '+' ||
           ch == '-';
}
static inline bool is_label(int ch) {
    return is_alnum(ch) || is_u8(ch);
}
/* RFC 6750 token68, without the trailing '=' padding. */
static inline bool is_tok68(int ch) {
    return is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~' || ch == '+' ||
           ch == '/';
}

static bool set(match *m, beacon__scrub_kind kind, size_t rs, size_t re) {
    m->kind = kind;
    m->rs = rs;
    m->re = re;
    return true;
}

/* Where a digit-led rule may start: not inside a token, and not the
 * fraction of a decimal or the next field of a dotted number ("3.14159265",
 * "1.2.3.4.5"). */
static bool numeric_start(scan *c, size_t i) {
    int pv = before(c, i);
    if (is_alnum(pv)) return false;
    if (pv == '.' && i >= 2 && is_digit(at(c, i - 2))) return false;
    return true;
}

/* --- jwt ------------------------------------------------------------------ */

static bool starts_eyj(scan *c, size_t i) {
    return at(c, i) == 'e' && at(c, i + 1) == 'y' && at(c, i + 2) == 'J';
}

static bool match_jwt(scan *c, size_t i, match *m) {
    int pv = before(c, i);
    if (is_b64u(pv) || pv == '.' || !starts_eyj(c, i)) return false;
    enum { MAX_SEG = 6 };
    size_t start[MAX_SEG], len[MAX_SEG];
    int nseg = 0;
    size_t j = i;
    for (;;) {
        if (nseg == MAX_SEG) return false;
        size_t k = j;
        while (is_b64u(at(c, k))) k++;
        start[nseg] = j;
        len[nseg] = k - j;
        nseg++;
        j = k;
        if (at(c, k) != '.') break;
        j = k + 1;
    }
    size_t end = j;
    bool unsecured = nseg == 3 && len[1] > 0 && len[2] == 0 && starts_eyj(c, start[1]);
    if (!unsecured) {
        if (len[nseg - 1] == 0) { /* a trailing '.' ends the sentence */
            nseg--;
            end--;
        }
        if (nseg == 3) {
            if (len[1] == 0 || len[2] == 0) return false;
        } else if (nseg == 5) {
            if (len[2] == 0 || len[3] == 0 || len[4] == 0) return false;
        } else {
            return false;
        }
    }
    if (at(c, end) == '@') return false; /* the local part of an address */
    return set(m, BEACON__SCRUB_JWT, i, end);
}

/* Whether [s, e) is exactly one JWT. */
static bool is_jwt_span(scan *c, size_t s, size_t e) {
    match jm;
    return match_jwt(c, s, &jm) && jm.re == e;
}

/* --- bearer --------------------------------------------------------------- */

/* Whether the bytes at i spell the lowercase word w, in any case. */
static bool word_at(scan *c, size_t i, const char *w) {
    for (size_t k = 0; w[k]; k++) {
        if (lower(at(c, i + k)) != w[k]) return false;
    }
    return true;
}

static bool match_bearer(scan *c, size_t i, match *m) {
    if (is_keych(before(c, i)) || !word_at(c, i, "bearer")) return false;
    size_t j = i + 6;
    if (!is_blank(at(c, j))) return false;
    while (is_blank(at(c, j))) j++;
    size_t k = j;
    bool symbol = false;
    int ch;
    while (is_tok68(ch = at(c, k))) {
        symbol |= !is_alpha(ch);
        k++;
    }
    while (at(c, k) == '=') {
        symbol = true;
        k++;
    }
    size_t n = k - j;
    if (n < 8 || (!symbol && n < 16)) return false; /* "bearer of", "Bearer token" */
    if (is_tok68(at(c, k))) return false;           /* "abc=def": not token68 */
    return set(m, is_jwt_span(c, j, k) ? BEACON__SCRUB_JWT : BEACON__SCRUB_BEARER, j, k);
}

/* --- secret --------------------------------------------------------------- */

enum { KEY_MAX = 64 };

static bool ends_with(const char *key, size_t kl, const char *suffix) {
    size_t sl = strlen(suffix);
    return kl >= sl && memcmp(key + kl - sl, suffix, sl) == 0;
}

static bool is_secret_key(const char *key, size_t kl) {
    static const char *const suffixes[] = {
        "password",   "passwd",      "passphrase", "secret",        "token",
        "apikey",     "api_key",     "access_key", "secret_key",    "private_key",
        "privatekey", "credentials", "_pwd",       "authorization",
    };
    if (kl == 3 && memcmp(key, "pwd", 3) == 0) return true;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        if (ends_with(key, kl, suffixes[i])) return true;
    }
    return false;
}

static bool match_secret(scan *c, size_t i, match *m) {
    if (is_keych(before(c, i))) return false;
    char key[KEY_MAX];
    size_t kl = 0, j = i;
    int ch;
    while (is_keych(ch = at(c, j))) {
        if (kl < KEY_MAX) key[kl] = (char)(ch == '-' ? '_' : lower(ch));
        kl++;
        j++;
    }
    if (kl > KEY_MAX || !is_secret_key(key, kl)) return false;
    bool authz = ends_with(key, kl, "authorization");
    ch = at(c, j);
    if (ch == '"' || ch == '\'') j++; /* the end of a quoted key: "password": … */
    while (is_blank(at(c, j))) j++;
    ch = at(c, j);
    if (ch != '=' && ch != ':') return false;
    j++;
    while (is_blank(at(c, j))) j++;

    size_t v = j, k;
    int q = at(c, j);
    if (q == '"' || q == '\'') {
        v = k = j + 1;
        while ((ch = at(c, k)) >= 0 && ch != q && ch != '\n' && ch != '\r') {
            k += (ch == '\\' && at(c, k + 1) >= 0 && at(c, k + 1) != '\n') ? 2 : 1;
        }
    } else if (authz) {
        /* Credentials of an Authorization header may hold blanks and commas
         * (Digest): take the rest of the line. */
        k = v;
        while ((ch = at(c, k)) >= 0 && ch != '\n' && ch != '\r' && ch != '&' && ch != '"' &&
               ch != '\'')
            k++;
        while (k > v && is_blank(at(c, k - 1))) k--;
    } else {
        k = v;
        while ((ch = at(c, k)) >= 0 && !is_space(ch) && ch != '&' && ch != ',' && ch != ';' &&
               ch != '"' && ch != '\'')
            k++;
    }
    if (k == v) return false;               /* nothing to hide */
    if (q == '{' || q == '[') return false; /* a structure, not a value */
    if (authz) {
        size_t w = v;
        while (w < k && is_alpha(at(c, w))) w++;
        if (w > v && w < k && is_blank(at(c, w))) {
            size_t t = w;
            while (t < k && is_blank(at(c, t))) t++;
            /* A scheme with only blanks after it (an unclosed quote keeps
             * trailing blanks) hides the whole value below: never an empty
             * match. */
            if (t < k) {
                bool bearer = w - v == 6 && word_at(c, v, "bearer");
                if (is_jwt_span(c, t, k)) return set(m, BEACON__SCRUB_JWT, t, k);
                return set(m, bearer ? BEACON__SCRUB_BEARER : BEACON__SCRUB_SECRET, t, k);
            }
        }
    }
    return set(m, is_jwt_span(c, v, k) ? BEACON__SCRUB_JWT : BEACON__SCRUB_SECRET, v, k);
}

/* --- email ---------------------------------------------------------------- */

static bool match_email(scan *c, size_t i, match *m) {
    if (is_local(before(c, i)) || at(c, i) == '.') return false;
    size_t j = i;
    while (is_local(at(c, j))) j++;
    if (j == i || at(c, j) != '@') return false;
    size_t k = j + 1, last = 0, end = 0;
    int labels = 0, ch;
    while (is_label(at(c, k))) {
        size_t ls = k;
        while (is_label(ch = at(c, k)) || ch == '-') k++;
        labels++;
        last = ls;
        end = k;
        if (at(c, k) != '.' || !is_label(at(c, k + 1))) break;
        k++;
    }
    if (labels < 2) return false;
    for (size_t t = last; t < end; t++) {
        ch = at(c, t);
        if (!is_alpha(ch) && !is_u8(ch)) return false;
    }
    ch = at(c, end);
    if (ch == '@' || ch == '_') return false;
    return set(m, BEACON__SCRUB_EMAIL, i, end);
}

/* --- uuid (kept) ---------------------------------------------------------- */

static bool match_uuid(scan *c, size_t i, match *m) {
    static const unsigned char groups[] = {8, 4, 4, 4, 12};
    if (at(c, i + 8) != '-') return false;
    size_t j = i;
    for (size_t g = 0; g < sizeof groups; g++) {
        if (g) {
            if (at(c, j) != '-') return false;
            j++;
        }
        for (unsigned k = 0; k < groups[g]; k++, j++) {
            if (!is_hex(at(c, j))) return false;
        }
    }
    int ch = at(c, j);
    if (is_alnum(ch) || (ch == '-' && is_alnum(at(c, j + 1)))) return false;
    return set(m, BEACON__SCRUB_TEXT, j, j);
}

/* --- card ----------------------------------------------------------------- */

static bool luhn(const unsigned char *d, int n) {
    int sum = 0;
    for (int i = 0; i < n; i++) {
        int v = d[n - 1 - i];
        if (i & 1) {
            v *= 2;
            if (v > 9) v -= 9;
        }
        sum += v;
    }
    return sum % 10 == 0;
}

/* Whether a digit sequence may end before byte e (sep: the separator its
 * groups used, or 0). */
static bool digits_end(scan *c, size_t e, int sep) {
    int ch = at(c, e);
    if (is_alnum(ch)) return false;
    if ((ch == '.' || (ch == '-' && sep != '-')) && is_digit(at(c, e + 1))) return false;
    return true;
}

static bool match_card(scan *c, size_t i, match *m) {
    if (at(c, i) == '0') return false; /* no issuer number starts with 0 */
    unsigned char d[19];
    int digits = 0, sep = 0, ch;
    size_t j = i, best = 0;
    for (;;) {
        size_t gs = j;
        while (is_digit(ch = at(c, j))) {
            if (digits == 19) return best ? set(m, BEACON__SCRUB_CARD, i, best) : false;
            d[digits++] = (unsigned char)(ch - '0');
            j++;
        }
        if (sep && j - gs < 3) break; /* a short trailing group is not part of the card */
        if (digits >= 13 && luhn(d, digits) && digits_end(c, j, sep)) best = j;
        ch = at(c, j);
        if ((ch == ' ' || ch == '-') && (sep == 0 || sep == ch) && j - gs >= 3 &&
            is_digit(at(c, j + 1))) {
            sep = ch;
            j++;
            continue;
        }
        break;
    }
    return best ? set(m, BEACON__SCRUB_CARD, i, best) : false;
}

/* --- ssn ------------------------------------------------------------------ */

static bool match_ssn(scan *c, size_t i, match *m) {
    static const char shape[] = "ddd-dd-dddd";
    int v[9], nv = 0;
    for (size_t k = 0; k < sizeof shape - 1; k++) {
        int ch = at(c, i + k);
        if (shape[k] == '-') {
            if (ch != '-') return false;
        } else {
            if (!is_digit(ch)) return false;
            v[nv++] = ch - '0';
        }
    }
    int area = v[0] * 100 + v[1] * 10 + v[2];
    int group = v[3] * 10 + v[4];
    int serial = v[5] * 1000 + v[6] * 100 + v[7] * 10 + v[8];
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
    size_t e = i + sizeof shape - 1;
    if (!digits_end(c, e, 0)) return false;
    return set(m, BEACON__SCRUB_SSN, i, e);
}

/* --- phone ---------------------------------------------------------------- */

typedef struct pgroup {
    size_t digits_at; /* first digit */
    size_t end;       /* after the group (and its ')') */
    int len;          /* digits */
    int sep_before;   /* ' ', '-', '.', or 0 */
    bool paren;
} pgroup;

enum { PHONE_MAX_GROUPS = 8, PHONE_MAX_DIGITS = 15 };

static bool phone_end(scan *c, size_t e) {
    int ch = at(c, e);
    if (is_alnum(ch)) return false;
    if ((ch == '-' || ch == '.') && is_digit(at(c, e + 1))) return false;
    return true;
}

/* North American ddd ddd dddd from group b: returns the group count used,
 * or 0. */
static int nanp_at(const pgroup *g, int ng, int b) {
    if (ng - b < 3) return 0;
    const pgroup *a = &g[b], *x = &g[b + 1], *y = &g[b + 2];
    if (a->len != 3 || x->len != 3 || y->len != 4 || x->paren || y->paren) return 0;
    if (a->paren) return y->sep_before != 0 ? b + 3 : 0;
    if (x->sep_before == 0 || x->sep_before != y->sep_before) return 0;
    return b + 3;
}

static bool match_phone(scan *c, size_t i, match *m) {
    pgroup g[PHONE_MAX_GROUPS];
    int ng = 0, digits = 0, pending = 0, parens = 0;
    size_t j = i;
    bool plus = at(c, j) == '+';
    if (plus) {
        if (is_alnum(before(c, i)) || before(c, i) == '+') return false;
        j++;
    } else if (before(c, i) == '+') {
        return false;
    }
    while (ng < PHONE_MAX_GROUPS) {
        size_t gs = j;
        bool paren = at(c, j) == '(';
        if (paren) j++;
        size_t ds = j;
        while (is_digit(at(c, j)) && j - ds <= PHONE_MAX_DIGITS) j++;
        int len = (int)(j - ds);
        if (len == 0 || digits + len > PHONE_MAX_DIGITS || (paren && (at(c, j) != ')' || parens))) {
            j = gs;
            break;
        }
        if (paren) {
            j++;
            parens++;
        }
        g[ng++] = (pgroup){ds, j, len, pending, paren};
        digits += len;
        int ch = at(c, j);
        if ((ch == ' ' || ch == '-' || ch == '.') &&
            (is_digit(at(c, j + 1)) || at(c, j + 1) == '(')) {
            pending = ch;
            j++;
        } else if (paren && is_digit(ch)) {
            pending = 0; /* "(555)123-4567" */
        } else {
            break;
        }
    }
    if (ng == 0) return false;

    if (plus) {
        if (g[0].paren || digits < 8 || !phone_end(c, g[ng - 1].end)) return false;
        return set(m, BEACON__SCRUB_PHONE, i, g[ng - 1].end);
    }
    /* North American, optionally after a leading "1" and a separator. */
    int used = nanp_at(g, ng, 0);
    if (!used && g[0].len == 1 && !g[0].paren && at(c, g[0].digits_at) == '1' && ng > 1 &&
        g[1].sep_before) {
        used = nanp_at(g, ng, 1);
    }
    if (used && phone_end(c, g[used - 1].end)) {
        return set(m, BEACON__SCRUB_PHONE, i, g[used - 1].end);
    }
    /* Trunk-prefix national numbers: 0 then a non-zero digit (00 is the
     * international prefix), one separator throughout. */
    if (g[0].paren || g[0].len < 2 || g[0].len > 5 || at(c, g[0].digits_at) != '0' ||
        at(c, g[0].digits_at + 1) == '0') {
        return false;
    }
    int total = g[0].len, sep = ng > 1 ? g[1].sep_before : 0, best = 0;
    for (int k = 1; k < ng; k++) {
        if (g[k].paren || g[k].len < 2 || g[k].sep_before == 0 || g[k].sep_before != sep) break;
        total += g[k].len;
        if (total >= 9 && total <= 12 && phone_end(c, g[k].end)) best = k + 1;
    }
    if (!best) return false;
    return set(m, BEACON__SCRUB_PHONE, i, g[best - 1].end);
}

/* --- ip ------------------------------------------------------------------- */

static bool parse_ipv4(scan *c, size_t i, size_t *end) {
    size_t j = i;
    for (int o = 0; o < 4; o++) {
        if (o) {
            if (at(c, j) != '.') return false;
            j++;
        }
        int v = 0, nd = 0, ch;
        while (nd < 4 && is_digit(ch = at(c, j))) {
            v = v * 10 + (ch - '0');
            nd++;
            j++;
        }
        if (nd == 0 || nd > 3 || v > 255) return false;
    }
    *end = j;
    return true;
}

static bool match_ipv4(scan *c, size_t i, match *m) {
    int pv = before(c, i);
    if (pv == '.' && i >= 2 && is_alnum(at(c, i - 2))) return false;
    size_t e;
    if (!parse_ipv4(c, i, &e)) return false;
    int ch = at(c, e);
    if (is_alnum(ch) || (ch == '.' && is_alnum(at(c, e + 1)))) return false;
    return set(m, BEACON__SCRUB_IP, i, e);
}

static bool match_ipv6(scan *c, size_t i, match *m) {
    int pv = before(c, i);
    if (pv == ':' || pv == '.') return false;
    size_t j = i;
    int groups = 0;
    bool dbl = false;
    if (at(c, j) == ':') {
        if (at(c, j + 1) != ':') return false;
        dbl = true;
        j += 2;
    }
    while (groups < 8) {
        size_t e4;
        if ((groups > 0 || dbl) && groups <= 6 && is_digit(at(c, j)) && parse_ipv4(c, j, &e4)) {
            groups += 2; /* embedded IPv4 tail: ::ffff:192.0.2.1 */
            j = e4;
            break;
        }
        int nh = 0;
        while (nh < 5 && is_hex(at(c, j))) {
            j++;
            nh++;
        }
        if (nh == 0) break;
        if (nh > 4) return false;
        groups++;
        if (at(c, j) != ':') break;
        if (at(c, j + 1) == ':') {
            if (dbl) return false;
            dbl = true;
            j += 2;
            continue;
        }
        if (!is_hex(at(c, j + 1))) break;
        j++;
    }
    if (groups == 0 || (dbl ? groups > 7 : groups != 8)) return false;
    int ch = at(c, j);
    if (is_alnum(ch) || (ch == ':' && (is_hex(at(c, j + 1)) || at(c, j + 1) == ':')) ||
        (ch == '.' && is_digit(at(c, j + 1)))) {
        return false;
    }
    return set(m, BEACON__SCRUB_IP, i, j);
}

/* --- number --------------------------------------------------------------- */

static bool match_number(scan *c, size_t i, match *m) {
    size_t j = i;
    while (is_digit(at(c, j))) j++;
    if (j - i < 7 || !digits_end(c, j, '-')) return false;
    return set(m, BEACON__SCRUB_NUMBER, i, j);
}

/* --- driver --------------------------------------------------------------- */

/* Tries every rule that can start at i, in precedence order. */
static bool try_match(scan *c, size_t i, match *m) {
    int pv = before(c, i);
    if (is_alnum(pv)) return false; /* every rule starts at a token boundary */
    int ch = at(c, i);
    if (ch == 'e' && match_jwt(c, i, m)) return true;
    if ((ch == 'b' || ch == 'B') && match_bearer(c, i, m)) return true;
    if ((is_alpha(ch) || ch == '_') && match_secret(c, i, m)) return true;
    if (is_local(ch) && match_email(c, i, m)) return true;
    if (is_hex(ch) && match_uuid(c, i, m)) return true;
    if (is_digit(ch) || ch == '+' || ch == '(') {
        bool num = is_digit(ch) && numeric_start(c, i);
        if (num && match_card(c, i, m)) return true;
        if (num && match_ssn(c, i, m)) return true;
        if ((num || ch == '+' || ch == '(') && match_phone(c, i, m)) return true;
        if (num && match_ipv4(c, i, m)) return true;
    }
    if ((is_hex(ch) || ch == ':') && match_ipv6(c, i, m)) return true;
    if (is_digit(ch) && numeric_start(c, i) && match_number(c, i, m)) return true;
    return false;
}

static size_t emit(beacon__scrub_fn fn, void *user, beacon__scrub_kind kind, size_t off,
                   size_t in_len, const char *text, size_t len) {
    if (in_len == 0 && len == 0) return 0;
    beacon__scrub_piece p = {kind, off, in_len, text, len};
    fn(user, &p);
    return len;
}

size_t beacon__scrub_each(const char *in, size_t len, beacon__scrub_fn fn, void *user,
                          beacon__scrub_stats *stats) {
    if (stats) memset(stats, 0, sizeof *stats);
    if (!in) len = 0;
    scan c = {(const unsigned char *)in, len, 0};
    size_t total = 0, copied = 0, i = 0;
    match m;
    while (i < len) {
        c.steps++;
        if (!try_match(&c, i, &m)) {
            i++;
            continue;
        }
        if (m.kind == BEACON__SCRUB_TEXT) { /* kept as is, but not rescanned */
            i = m.re;
            continue;
        }
        total +=
            emit(fn, user, BEACON__SCRUB_TEXT, copied, m.rs - copied, in + copied, m.rs - copied);
        const char *ph = k_placeholders[m.kind];
        total += emit(fn, user, m.kind, m.rs, m.re - m.rs, ph, strlen(ph));
        if (stats) stats->matches[m.kind]++;
        copied = i = m.re;
    }
    total += emit(fn, user, BEACON__SCRUB_TEXT, copied, len - copied, in + copied, len - copied);
    if (stats) stats->steps = c.steps;
    return total;
}

typedef struct writer {
    char *out;
    size_t cap; /* usable bytes, excluding the NUL */
    size_t len;
} writer;

static void write_piece(void *user, const beacon__scrub_piece *p) {
    writer *w = user;
    if (w->len < w->cap) {
        size_t room = w->cap - w->len;
        memcpy(w->out + w->len, p->text, p->len < room ? p->len : room);
    }
    w->len += p->len;
}

size_t beacon__scrub(const char *in, size_t len, char *out, size_t cap) {
    writer w = {out, cap ? cap - 1 : 0, 0};
    size_t total = beacon__scrub_each(in, len, write_piece, &w, NULL);
    if (out && cap) out[total < cap ? total : cap - 1] = '\0';
    return total;
}

const char *beacon__scrub_placeholder(beacon__scrub_kind kind) {
    if ((int)kind < 0 || kind >= BEACON__SCRUB_KIND_COUNT) return "";
    return k_placeholders[kind];
}
