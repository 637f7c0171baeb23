/*
 * escape.h: the one escaper for bytes from outside (user names, command
 * line arguments, text formatted into log lines) shown in a log line or a
 * terminal message. Control characters (C0, DEL, C1) and bytes that are
 * not well-formed UTF-8 become "\xNN" (lowercase hex), so what is shown
 * never carries a raw newline or an escape sequence; well-formed UTF-8 is
 * kept or escaped byte by byte as the flags say. Output is cut only
 * between whole escapes and whole characters.
 */
#ifndef SC_ESCAPE_H
#define SC_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * ESCAPE_UTF8 keeps well-formed UTF-8 characters other than C1 controls as
 * they are; without it every byte from 0x80 up is "\xNN" (pure ASCII out).
 * ESCAPE_QUOTED is for text shown between double quotes: '"' and '\' are
 * "\x22" and "\x5c"; without it '"' is kept and '\' is "\\".
 */
#define ESCAPE_UTF8   0x1
#define ESCAPE_QUOTED 0x2

#define ESCAPE_ELLIPSIS	  "..." /* marks text that was cut */
#define ESCAPE_MAX_GROWTH 4	/* output bytes per input byte, at most */

/* Room escape_shown() needs to show up to max input bytes whole: every
 * byte escaped, the ellipsis and the NUL. */
#define ESCAPE_SHOWN_SIZE(max)                                                 \
	((max)*ESCAPE_MAX_GROWTH + sizeof ESCAPE_ELLIPSIS)

/*
 * Escapes s[0..len) into out[0..cap) (not NUL-terminated) and returns the
 * bytes written. Stops before the first escape or character that does not
 * fit whole; *cut says whether it had to (whether any of s is missing).
 */
size_t escape_bytes(char *out, size_t cap, const char *s, size_t len,
    unsigned int flags, bool *cut);

/*
 * Writes s[0..len) escaped into out (size bytes, ESCAPE_SHOWN_SIZE(max)
 * is always enough) as a NUL-terminated string for quoting in a message:
 * at most the first max bytes of s (backed off to a character boundary
 * with ESCAPE_UTF8), then ESCAPE_ELLIPSIS if anything was left out.
 * Returns out, for use as a printf argument.
 */
const char *escape_shown(char *out, size_t size, const char *s, size_t len,
    size_t max, unsigned int flags);

#endif /* SC_ESCAPE_H */
