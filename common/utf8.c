/*
 * utf8.c: strict UTF-8 decoding (RFC 3629 table of well-formed byte
 * sequences), validation and encoding.
 */
#include "utf8.h"

/* Decodes one character; see utf8.h. */
size_t
utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const uint8_t *p = (const uint8_t *)s;
	uint8_t lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t c;

	*cp = UTF8_BAD;
	if (len == 0)
		return 0;
	c = p[0];
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
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
		c &= 0x07;
	} else
		return 1; /* continuation, C0/C1 (overlong) or F5..FF */
	for (i = 1; i < need; i++) {
		if (i >= len || p[i] < lo || p[i] > hi)
			return i;
		c = (c << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = c;
	return need;
}

/* True if s[0..len) is well-formed UTF-8. */
bool
utf8_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	uint32_t cp;
	size_t i = 0;

	if (s == NULL)
		return len == 0;
	while (i < len) {
		if (p[i] < 0x80) { /* the common case, without a call */
			i++;
			continue;
		}
		i += utf8_decode(s + i, len - i, &cp);
		if (cp == UTF8_BAD)
			return false;
	}
	return true;
}

/* Encodes cp; 0 for a surrogate or a value above U+10FFFF. */
size_t
utf8_encode(uint32_t cp, char out[UTF8_MAX_LEN])
{
	uint8_t *o = (uint8_t *)out;

	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | (cp >> 12));
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp > 0x10ffff)
		return 0;
	o[0] = (uint8_t)(0xf0 | (cp >> 18));
	o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* Backs max off to a character boundary. */
size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = max < len ? max : len;

	if (n == len)
		return n;
	while (n > 0 && (p[n] & 0xc0) == 0x80)
		n--;
	return n;
}
