/*
 * utf8.h: the one UTF-8 decoder (RFC 3629: shortest forms only, no
 * surrogates, nothing above U+10FFFF). Every check, sanitiser, escaper
 * and width computation in the tree decodes through it.
 */
#ifndef SC_UTF8_H
#define SC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_MAX_LEN 4		 /* bytes of one character */
#define UTF8_BAD     0xffffffffu /* *cp of an ill-formed sequence */

/*
 * Decodes the character at s[0..len). Returns the bytes it takes (0 only
 * when len is 0) and sets *cp to the code point, or to UTF8_BAD for an
 * ill-formed sequence; then the return value is the length of its
 * maximal ill-formed subpart (at least 1), so that a caller replacing
 * each with U+FFFD follows Unicode's "maximal subparts" practice.
 */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* True if s[0..len) is well-formed UTF-8 (s may be NULL when len is 0). */
bool utf8_valid(const char *s, size_t len);

/* Writes cp (at most U+10FFFF, not a surrogate) into out; returns the
 * bytes written (1-4), or 0 for a value that is not a character. */
size_t utf8_encode(uint32_t cp, char out[UTF8_MAX_LEN]);

/* The largest n <= max with s[0..n) not ending inside a character
 * (looks at continuation bytes only; s[0..len) with len >= max). */
size_t utf8_cut(const char *s, size_t len, size_t max);

#endif /* SC_UTF8_H */
