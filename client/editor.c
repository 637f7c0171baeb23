/*
 * editor.c: the input line. The text is UTF-8 and the cursor always sits
 * on a character boundary; a character and the combining marks after it
 * move and delete as one unit. The buffer may hold a password, so bytes
 * that leave the line are zeroed.
 */
#include <string.h>

#include <sodium.h>

#include "model.h"
#include "utf8.h"

/* True for a UTF-8 continuation byte. */
static bool
is_cont(char c)
{
	return ((unsigned char)c & 0xc0) == 0x80;
}

/* Returns the start of the character before pos. */
static size_t
char_before(const struct editor *e, size_t pos)
{
	size_t back = 0;

	if (pos == 0)
		return 0;
	do {
		pos--;
		back++;
	} while (pos > 0 && back < UTF8_MAX_LEN && is_cont(e->buf[pos]));
	return pos;
}

/* Returns the start of the unit (base and combining marks) before pos. */
static size_t
unit_before(const struct editor *e, size_t pos)
{
	size_t start = pos;

	while (start > 0) {
		start = char_before(e, start);
		if (wrap_char_width(e->buf + start, e->len - start) != 0)
			break;
	}
	return start;
}

/* Returns the end of the unit (base and combining marks) at pos. */
static size_t
unit_after(const struct editor *e, size_t pos)
{
	if (pos >= e->len)
		return e->len;
	pos += wrap_char_len(e->buf + pos, e->len - pos);
	while (pos < e->len && wrap_char_width(e->buf + pos, e->len - pos) == 0)
		pos += wrap_char_len(e->buf + pos, e->len - pos);
	return pos;
}

/* Removes buf[from..to) and zeroes the bytes freed at the end. */
static void
cut(struct editor *e, size_t from, size_t to)
{
	size_t n = to - from;

	if (n == 0)
		return;
	memmove(e->buf + from, e->buf + to, e->len - to);
	e->len -= n;
	memset(e->buf + e->len, 0, n + 1);
	if (e->cursor >= to)
		e->cursor -= n;
	else if (e->cursor > from)
		e->cursor = from;
}

/* Empties the line; masked is left as it is. */
void
editor_clear(struct editor *e)
{
	e->len = 0;
	e->cursor = 0;
	e->buf[0] = '\0';
}

/* Replaces the text (cut on a character boundary at EDITOR_MAX). */
void
editor_set(struct editor *e, const char *s, size_t len)
{
	size_t old = e->len;

	len = utf8_cut(s, len, EDITOR_MAX);
	memmove(e->buf, s, len);
	e->len = len;
	e->buf[len] = '\0';
	if (old > len)
		memset(e->buf + len, 0, old - len);
	e->cursor = len;
}

/* Inserts s[0..len) at the cursor, or nothing if it would not fit. */
int
editor_insert(struct editor *e, const char *s, size_t len)
{
	if (len > EDITOR_MAX - e->len)
		return SC_ERR_TOO_LONG;
	memmove(e->buf + e->cursor + len, e->buf + e->cursor,
	    e->len - e->cursor);
	memcpy(e->buf + e->cursor, s, len);
	e->len += len;
	e->cursor += len;
	e->buf[e->len] = '\0';
	return 0;
}

/* Moves the cursor one character left. */
void
editor_left(struct editor *e)
{
	e->cursor = unit_before(e, e->cursor);
}

/* Moves the cursor one character right. */
void
editor_right(struct editor *e)
{
	e->cursor = unit_after(e, e->cursor);
}

/* Moves the cursor to the start of the line. */
void
editor_home(struct editor *e)
{
	e->cursor = 0;
}

/* Moves the cursor to the end of the line. */
void
editor_end(struct editor *e)
{
	e->cursor = e->len;
}

/* Deletes the character before the cursor. */
void
editor_backspace(struct editor *e)
{
	cut(e, unit_before(e, e->cursor), e->cursor);
}

/* Deletes the character under the cursor. */
void
editor_delete(struct editor *e)
{
	cut(e, e->cursor, unit_after(e, e->cursor));
}

/* Deletes from the start of the line to the cursor. */
void
editor_kill_start(struct editor *e)
{
	cut(e, 0, e->cursor);
}

/* Deletes from the cursor to the end of the line. */
void
editor_kill_end(struct editor *e)
{
	cut(e, e->cursor, e->len);
}

/* Deletes the blanks before the cursor, then the word before them. */
void
editor_kill_word(struct editor *e)
{
	size_t start = e->cursor;

	while (start > 0 &&
	    (e->buf[start - 1] == ' ' || e->buf[start - 1] == '\t'))
		start--;
	while (
	    start > 0 && e->buf[start - 1] != ' ' && e->buf[start - 1] != '\t')
		start--;
	cut(e, start, e->cursor);
}

/* Zeroes the whole buffer and empties the line. */
void
editor_wipe(struct editor *e)
{
	sodium_memzero(e->buf, sizeof e->buf);
	editor_clear(e);
}
