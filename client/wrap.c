/*
 * wrap.c: display widths of sanitized UTF-8 and the split of a line into
 * terminal rows, with wide characters kept whole and combining characters
 * kept with the character before them. Characters are decoded by
 * common/utf8.c; only the width comes from the locale (wcwidth).
 */
#include <wchar.h>

#include "model.h"
#include "utf8.h"

#define WIDE_COLUMNS 2

/* Returns the byte length of the character at s; a bad byte is one. */
size_t
wrap_char_len(const char *s, size_t len)
{
	uint32_t cp;
	size_t n;

	n = utf8_decode(s, len, &cp);
	return cp == UTF8_BAD && n > 0 ? 1 : n;
}

/* Returns the columns of the character at s; unknown ones count as 1. */
int
wrap_char_width(const char *s, size_t len)
{
	uint32_t cp;
	int w;

	if (len == 0)
		return 0;
	utf8_decode(s, len, &cp);
	if (cp == UTF8_BAD || cp == 0)
		return 1;
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 1;
	return w > WIDE_COLUMNS ? WIDE_COLUMNS : w;
}

/* Returns the columns s[0..len) takes. */
size_t
wrap_width(const char *s, size_t len)
{
	size_t i = 0, cols = 0;

	while (i < len) {
		cols += (size_t)wrap_char_width(s + i, len - i);
		i += wrap_char_len(s + i, len - i);
	}
	return cols;
}

/* Records row number n as text[off..end) if there is room for it. */
static void
emit(struct wrap_row *rows, size_t max, size_t n, size_t off, size_t end,
    size_t indent)
{
	if (rows == NULL || n >= max)
		return;
	rows[n].off = off;
	rows[n].len = end - off;
	rows[n].indent = n == 0 ? 0 : indent;
}

/* The columns of the widest word of text after its first skip columns
 * (the prefix the indent stands for). */
static size_t
widest_word(const char *text, size_t len, size_t skip)
{
	size_t pos = 0, col = 0, word = 0, widest = 0;

	while (pos < len && col < skip) {
		col += (size_t)wrap_char_width(text + pos, len - pos);
		pos += wrap_char_len(text + pos, len - pos);
	}
	for (; pos < len; pos += wrap_char_len(text + pos, len - pos)) {
		if (text[pos] == ' ' || text[pos] == '\n') {
			word = 0;
			continue;
		}
		word += (size_t)wrap_char_width(text + pos, len - pos);
		if (word > widest)
			widest = word;
	}
	return widest;
}

/*
 * Splits text into rows. Each row is scanned from its start; when a
 * character does not fit, the row ends at the last space (which is
 * dropped) or, without one, before that character, and the scan starts
 * again at the next row's first byte. A character that is alone on its
 * row always fits, so every pass makes progress.
 */
size_t
wrap_text(const char *text, size_t len, size_t width, size_t indent,
    struct wrap_row *rows, size_t max)
{
	size_t n = 0, start = 0, pos = 0, col = 0, avail, space = 0;
	size_t clen, end, next;
	bool have_space = false;
	int w;

	if (width == 0)
		width = 1;
	if (indent >= width)
		indent = 0;
	/* A hanging indent so deep that a word no longer fits beside it
	 * (a long prefix such as "*alice -> bartholomew* " in a narrow
	 * pane) would cut that word: rows after the first then start at
	 * WRAP_NARROW_INDENT, where it fits. */
	if (indent > WRAP_NARROW_INDENT) {
		size_t word = widest_word(text, len, indent);

		if (word > width - indent && word <= width - WRAP_NARROW_INDENT)
			indent = WRAP_NARROW_INDENT;
	}
	avail = width;
	while (pos < len) {
		if (text[pos] == '\n') {
			end = pos;
			next = pos + 1;
		} else {
			clen = wrap_char_len(text + pos, len - pos);
			w = wrap_char_width(text + pos, len - pos);
			if (w == 0 || col + (size_t)w <= avail ||
			    pos == start) {
				if (text[pos] == ' ' && pos > start) {
					space = pos;
					have_space = true;
				}
				col += (size_t)w;
				pos += clen;
				continue;
			}
			if (text[pos] == ' ') {
				/* The space that overflows is the break. */
				end = pos;
				next = pos + 1;
			} else if (have_space) {
				end = space;
				next = space + 1;
			} else {
				end = pos;
				next = pos;
			}
		}
		emit(rows, max, n++, start, end, indent);
		start = pos = next;
		col = 0;
		have_space = false;
		avail = width - indent;
	}
	emit(rows, max, n++, start, len, indent);
	return n;
}
