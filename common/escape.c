/*
 * escape.c: escaping outside bytes for log lines and terminal messages:
 * one byte or one UTF-8 character (decoded by common/utf8.c) at a time,
 * each written whole or not at all.
 */
#include <stdint.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

#define C1_FIRST 0x80 /* U+0080-U+009F: C1 control characters */
#define C1_LAST	 0x9f

static const char hex_digits[] = "0123456789abcdef";

/* Says whether ASCII byte c is shown as itself under flags. */
static bool
ascii_as_is(unsigned char c, unsigned int flags)
{
	if (c < 0x20 || c >= 0x7f || c == '\\')
		return false;
	return !(c == '"' && (flags & ESCAPE_QUOTED));
}

/* Escapes s[0..len) into out[0..cap) unit by unit; see escape.h. */
size_t
escape_bytes(char *out, size_t cap, const char *s, size_t len,
    unsigned int flags, bool *cut)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *unit;
	char esc[4];
	uint32_t cp;
	size_t i, j = 0, n, ulen;

	*cut = false;
	for (i = 0; i < len; i += n) {
		n = 1;
		unit = s + i;
		ulen = 1;
		if (p[i] == '\\' && !(flags & ESCAPE_QUOTED)) {
			unit = "\\\\";
			ulen = 2;
		} else if (ascii_as_is(p[i], flags)) {
			/* unit is the byte itself */
		} else if (p[i] >= 0x80 && (flags & ESCAPE_UTF8) &&
		    (n = utf8_decode(s + i, len - i, &cp)) > 0 &&
		    cp != UTF8_BAD && !(cp >= C1_FIRST && cp <= C1_LAST)) {
			ulen = n; /* a whole character as is */
		} else {
			/*
			 * One byte as \xNN. The rest of an ill-formed or C1
			 * sequence is continuation bytes, each escaped in
			 * turn: no character can start inside it.
			 */
			n = 1;
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex_digits[p[i] >> 4];
			esc[3] = hex_digits[p[i] & 0xf];
			unit = esc;
			ulen = sizeof esc;
		}
		if (ulen > cap - j) {
			*cut = true;
			break;
		}
		memcpy(out + j, unit, ulen);
		j += ulen;
	}
	return j;
}

/* Escapes at most max bytes of s into out for quoting, NUL-terminated. */
const char *
escape_shown(char *out, size_t size, const char *s, size_t len, size_t max,
    unsigned int flags)
{
	size_t n = len < max ? len : max, j;
	bool cut;

	if (size < sizeof ESCAPE_ELLIPSIS) {
		if (size > 0)
			out[0] = '\0';
		return out;
	}
	if (n < len && (flags & ESCAPE_UTF8))
		n = utf8_cut(s, len, n);
	j = escape_bytes(out, size - sizeof ESCAPE_ELLIPSIS, s, n, flags, &cut);
	if (cut || n < len) {
		memcpy(out + j, ESCAPE_ELLIPSIS, strlen(ESCAPE_ELLIPSIS));
		j += strlen(ESCAPE_ELLIPSIS);
	}
	out[j] = '\0';
	return out;
}
