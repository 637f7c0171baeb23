/*
 * sanitize.c: turns received text into something safe to put on a
 * terminal: strict UTF-8 decoding (bad sequences become U+FFFD), control
 * characters shown as their Unicode control pictures, and the invisible
 * characters that could reorder or hide text replaced by U+FFFD.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "log.h"

#define REPLACEMENT		0xfffdU	/* U+FFFD */
#define PICTURE_BASE		0x2400U	/* U+2400 + c for C0 control c */
#define PICTURE_DEL		0x2421U	/* U+2421 for DEL */
#define UTF8_MAX_BYTES		4

/* The format characters that can reorder or hide text, besides C1. */
static const uint32_t hidden[] = {
	0x061c,			/* ARABIC LETTER MARK */
	0x200e, 0x200f,		/* LRM, RLM */
	0x2028, 0x2029,		/* LINE and PARAGRAPH SEPARATOR */
	0x202a, 0x202b, 0x202c, 0x202d, 0x202e,	/* LRE RLE PDF LRO RLO */
	0x2066, 0x2067, 0x2068, 0x2069,	/* LRI RLI FSI PDI */
	0xfeff,			/* ZERO WIDTH NO-BREAK SPACE (BOM) */
};

/*
 * Decodes the character at s; returns the bytes it takes (>= 1) and sets
 * *cp, or U+FFFD with *bad set for each maximal ill-formed subpart (the
 * Unicode "U+FFFD substitution of maximal subparts" practice).
 */
static size_t
decode(const uint8_t *s, size_t len, uint32_t *cp, bool *bad)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t c;

	*bad = false;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
		c &= 0x07;
	} else {
		/* A continuation byte, C0, C1 (overlong) or F5..FF. */
		*cp = REPLACEMENT;
		*bad = true;
		return 1;
	}
	for (i = 1; i < need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*cp = REPLACEMENT;
			*bad = true;
			return i;
		}
		c = (c << 6) | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need;
}

/* True for the characters shown as U+FFFD although well-formed. */
static bool
is_hidden(uint32_t cp)
{
	size_t i;

	if (cp >= 0x80 && cp <= 0x9f)
		return true;
	for (i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
		if (hidden[i] == cp)
			return true;
	}
	return false;
}

/*
 * Returns what a decoded character is displayed as: itself, or a
 * replacement code point.
 */
static uint32_t
display(uint32_t cp, bool keep_newlines)
{
	if (cp == '\t')
		return ' ';
	if (cp == '\n' && keep_newlines)
		return cp;
	if (cp < 0x20)
		return PICTURE_BASE + cp;
	if (cp == 0x7f)
		return PICTURE_DEL;
	if (is_hidden(cp))
		return REPLACEMENT;
	return cp;
}

/* Encodes cp as UTF-8 into buf; returns the length. */
static size_t
encode(uint32_t cp, uint8_t *buf)
{
	if (cp < 0x80) {
		buf[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (uint8_t)(0xc0 | (cp >> 6));
		buf[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (uint8_t)(0xe0 | (cp >> 12));
		buf[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (uint8_t)(0xf0 | (cp >> 18));
	buf[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* Sanitises in[0..len) into out; stops before a character that does not fit. */
size_t
sanitize_text(const char *in, size_t len, char *out, size_t cap,
    bool keep_newlines)
{
	const uint8_t *s = (const uint8_t *)in;
	uint8_t enc[UTF8_MAX_BYTES];
	size_t i = 0, o = 0, n, m;
	uint32_t cp, shown;
	bool bad;

	if (cap == 0)
		return 0;
	while (i < len) {
		n = decode(s + i, len - i, &cp, &bad);
		shown = display(cp, keep_newlines);
		m = encode(shown, enc);
		if (m >= cap - o)
			break;	/* no room for it and the NUL */
		memcpy(out + o, enc, m);
		o += m;
		i += n;
	}
	out[o] = '\0';
	return o;
}

/* Sanitises into a new string; out of memory is fatal. */
char *
sanitize_dup(const char *in, size_t len, bool keep_newlines)
{
	size_t cap;
	char *out;

	if (len > (SIZE_MAX - 1) / SANITIZE_MAX_GROWTH)
		log_fatal("sanitize: input too large");
	cap = len * SANITIZE_MAX_GROWTH + 1;
	if ((out = malloc(cap)) == NULL)
		log_fatal("sanitize: out of memory");
	sanitize_text(in, len, out, cap, keep_newlines);
	return out;
}

/* True when sanitising s[0..len) would change nothing. */
bool
sanitize_is_clean(const char *s, size_t len, bool keep_newlines)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	uint32_t cp;
	bool bad;

	while (i < len) {
		i += decode(p + i, len - i, &cp, &bad);
		if (bad || display(cp, keep_newlines) != cp)
			return false;
	}
	return true;
}
