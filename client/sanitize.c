/*
 * sanitize.c: turns received text into something safe to put on a
 * terminal: strict UTF-8 decoding (bad sequences become U+FFFD), control
 * characters shown as their Unicode control pictures, and the invisible
 * characters that could reorder or hide text replaced by U+FFFD. Decoding
 * is common/utf8.c's: each maximal ill-formed subpart becomes one U+FFFD.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "utf8.h"
#include "xmalloc.h"

#define REPLACEMENT  0xfffdU /* U+FFFD */
#define PICTURE_BASE 0x2400U /* U+2400 + c for C0 control c */
#define PICTURE_DEL  0x2421U /* U+2421 for DEL */

/* The format characters that can reorder or hide text, besides C1. */
static const uint32_t hidden[] = {
	0x061c,		/* ARABIC LETTER MARK */
	0x200e, 0x200f, /* LRM, RLM */
	0x2028, 0x2029, /* LINE and PARAGRAPH SEPARATOR */
	0x202a, 0x202b, 0x202c, 0x202d, 0x202e, /* LRE RLE PDF LRO RLO */
	0x2066, 0x2067, 0x2068, 0x2069,		/* LRI RLI FSI PDI */
	0xfeff, /* ZERO WIDTH NO-BREAK SPACE (BOM) */
};

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
 * Returns what a decoded character (or UTF8_BAD) is displayed as: itself,
 * or a replacement code point.
 */
static uint32_t
display(uint32_t cp, bool keep_newlines)
{
	if (cp == UTF8_BAD)
		return REPLACEMENT;
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

/* Sanitises in[0..len) into out; stops before a character that does not fit. */
size_t
sanitize_text(const char *in, size_t len, char *out, size_t cap,
    bool keep_newlines)
{
	char enc[UTF8_MAX_LEN];
	size_t i = 0, o = 0, n, m;
	uint32_t cp;

	if (cap == 0)
		return 0;
	while (i < len) {
		n = utf8_decode(in + i, len - i, &cp);
		m = utf8_encode(display(cp, keep_newlines), enc);
		if (m >= cap - o)
			break; /* no room for it and the NUL */
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
	char *out;

	/* Room for len + 1 pictures: the growth and the NUL (size checked). */
	out = xreallocarray(NULL, len + 1, SANITIZE_MAX_GROWTH);
	sanitize_text(in, len, out, (len + 1) * SANITIZE_MAX_GROWTH,
	    keep_newlines);
	return out;
}

/* True when sanitising s[0..len) would change nothing. */
bool
sanitize_is_clean(const char *s, size_t len, bool keep_newlines)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len) {
		i += utf8_decode(s + i, len - i, &cp);
		if (display(cp, keep_newlines) != cp)
			return false;
	}
	return true;
}
