/*
 * text.c: the content rules of PROTOCOL.md section 4 (user names, text,
 * passwords) and section 7 (room names).
 */
#include <string.h>

#include "sc_limits.h"
#include "text.h"
#include "utf8.h"

/* True if s[0..len) is 1..max bytes, each accepted by ok(). */
static bool
all_of(const char *s, size_t len, size_t max, bool (*ok)(char))
{
	size_t i;

	if (s == NULL || len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++) {
		if (!ok(s[i]))
			return false;
	}
	return true;
}

/* [A-Za-z0-9_.-] */
static bool
user_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* [a-z0-9_-] */
static bool
room_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-';
}

/* True if s[0..len) is a user name. */
bool
text_user_valid(const char *s, size_t len)
{
	return all_of(s, len, SC_USER_MAX_LEN, user_char);
}

/* True if s[0..len) is a room name. */
bool
text_room_valid(const char *s, size_t len)
{
	return all_of(s, len, SC_ROOM_MAX_LEN, room_char);
}

/* Checks text: too long first, then the other rules of section 4. */
enum text_verdict
text_check(const char *s, size_t len, size_t max, bool empty_ok)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	if (len > max)
		return TEXT_TOO_LONG;
	if (len == 0)
		return empty_ok ? TEXT_OK : TEXT_BAD;
	if (s == NULL || !utf8_valid(s, len))
		return TEXT_BAD;
	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n')
			return TEXT_BAD;
		if (p[i] == 0x7f)
			return TEXT_BAD;
		/* U+0080-U+009F are C2 80-C2 9F; valid UTF-8 has i + 1. */
		if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			return TEXT_BAD;
	}
	return TEXT_OK;
}

/* True if s[0..len) is valid UTF-8 of 1-1024 bytes without U+0000. */
bool
text_password_valid(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > SC_PASSWORD_MAX_LEN)
		return false;
	if (memchr(s, '\0', len) != NULL)
		return false;
	return utf8_valid(s, len);
}

/* "90", "90s", "15m", "2h", "7d": 1..max seconds. */
bool
text_duration_parse(const char *s, size_t len, long long max,
    long long *seconds)
{
	long long v = 0, unit = 1;
	size_t i, digits = len;

	*seconds = 0;
	if (s == NULL || len == 0)
		return false;
	switch (s[len - 1]) {
	case 's':
		digits--;
		break;
	case 'm':
		unit = 60;
		digits--;
		break;
	case 'h':
		unit = 3600;
		digits--;
		break;
	case 'd':
		unit = 86400;
		digits--;
		break;
	default:
		break;
	}
	if (digits == 0)
		return false;
	for (i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return false; /* also keeps v * 10 in range */
	}
	if (v == 0 || v > max / unit)
		return false;
	*seconds = v * unit;
	return true;
}
