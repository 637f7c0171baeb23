/*
 * text.h: the content rules of PROTOCOL.md section 4 (and the room names
 * of section 7) for the strings inside messages: user names, message
 * text, passwords, room names. Pure functions over byte strings; the
 * message table (msg.c) applies them at step 5 of the check order.
 */
#ifndef SC_TEXT_H
#define SC_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The outcome of a text check, in the order the spec ranks them. */
enum text_verdict {
	TEXT_OK = 0,
	TEXT_TOO_LONG, /* longer than its limit (checked first) */
	TEXT_BAD,      /* empty, bad UTF-8, or a forbidden character */
};

/* True if s[0..len) is 1-32 bytes of [A-Za-z0-9_.-]. */
bool text_user_valid(const char *s, size_t len);

/* True if s[0..len) is 1-32 bytes of [a-z0-9_-]. */
bool text_room_valid(const char *s, size_t len);

/*
 * Checks message text of at most max bytes: TEXT_TOO_LONG above max
 * (before anything else), TEXT_BAD when empty (unless empty_ok), not
 * valid UTF-8, or holding a C0 control other than TAB and LF, DEL or a
 * C1 control (U+0080-U+009F); else TEXT_OK.
 */
enum text_verdict text_check(const char *s, size_t len, size_t max,
    bool empty_ok);

/* True if s[0..len) is valid UTF-8 of 1-1024 bytes without U+0000. */
bool text_password_valid(const char *s, size_t len);

/*
 * Reads a duration for a timed ban or mute: a whole number with an
 * optional unit s, m, h or d ("90", "15m", "2h", "7d"), 1 to max seconds
 * in all. Returns true with *seconds set, false for anything else.
 */
bool text_duration_parse(const char *s, size_t len, long long max,
    long long *seconds);

#endif /* SC_TEXT_H */
