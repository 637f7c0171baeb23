/*
 * scrollback.c: the chat log, a ring of the last lines received, and the
 * view on it: following the newest line, or anchored at a line and row
 * while the user reads older ones.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

/* Copies s; out of memory is fatal. NULL stays NULL. */
static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Frees the strings of one line. */
static void
line_clear(struct line *l)
{
	free(l->prefix);
	free(l->nick);
	free(l->text);
	memset(l, 0, sizeof *l);
}

/* Returns the line n places after the oldest. */
static struct line *
slot(const struct scrollback *sb, size_t n)
{
	return &sb->lines[(sb->head + n) % sb->cap];
}

/* Prepares an empty log of at least SCROLLBACK_MIN lines. */
void
scrollback_init(struct scrollback *sb, size_t cap)
{
	memset(sb, 0, sizeof *sb);
	if (cap < SCROLLBACK_MIN)
		cap = SCROLLBACK_MIN;
	sb->lines = xcalloc(cap, sizeof *sb->lines);
	sb->cap = cap;
	sb->next_seq = 1;
	sb->at_bottom = true;
}

/* Frees every line and the ring; sb can be initialised again. */
void
scrollback_free(struct scrollback *sb)
{
	size_t i;

	if (sb->lines != NULL) {
		for (i = 0; i < sb->count; i++)
			line_clear(slot(sb, i));
		free(sb->lines);
	}
	memset(sb, 0, sizeof *sb);
}

/* Adds a copy of a line, dropping the oldest when full; returns its seq. */
uint64_t
scrollback_add(struct scrollback *sb, enum line_kind kind, time_t when,
    const char *prefix, const char *nick, const char *text)
{
	struct line *l;

	if (sb->count == sb->cap) {
		line_clear(slot(sb, 0));
		sb->head = (sb->head + 1) % sb->cap;
		sb->count--;
	}
	l = slot(sb, sb->count);
	l->seq = sb->next_seq++;
	l->kind = kind;
	l->when = when;
	l->prefix = dup_or_null(prefix != NULL ? prefix : "");
	l->nick = dup_or_null(nick);
	l->text = dup_or_null(text != NULL ? text : "");
	sb->count++;
	if (!sb->at_bottom) {
		sb->unseen++;
		if (sb->anchor_seq < scrollback_first(sb)) {
			/* The line at the bottom of the view was dropped. */
			sb->anchor_seq = scrollback_first(sb);
			sb->anchor_row = 0;
		}
	}
	return l->seq;
}

/* Renumbers the lines from index from on: seq = first + index. */
static void
renumber(struct scrollback *sb, size_t from)
{
	uint64_t first = scrollback_first(sb);
	size_t i;

	for (i = from; i < sb->count; i++)
		slot(sb, i)->seq = first + i;
}

/* Inserts a copy of a line after pos lines; returns its seq (0: none). */
uint64_t
scrollback_insert(struct scrollback *sb, size_t pos, enum line_kind kind,
    time_t when, const char *prefix, const char *nick, const char *text,
    uint64_t id)
{
	struct line *l;
	uint64_t seq;
	size_t i;

	if (pos >= sb->count) {
		seq = scrollback_add(sb, kind, when, prefix, nick, text);
		scrollback_set_id(sb, seq, id);
		return seq;
	}
	if (sb->count == sb->cap) {
		if (pos == 0)
			return 0; /* older than everything kept */
		line_clear(slot(sb, 0));
		sb->head = (sb->head + 1) % sb->cap;
		sb->count--;
		pos--;
	}
	for (i = sb->count; i > pos; i--)
		*slot(sb, i) = *slot(sb, i - 1);
	sb->count++;
	sb->next_seq++;
	l = slot(sb, pos);
	memset(l, 0, sizeof *l);
	l->kind = kind;
	l->when = when;
	l->prefix = dup_or_null(prefix != NULL ? prefix : "");
	l->nick = dup_or_null(nick);
	l->text = dup_or_null(text != NULL ? text : "");
	l->id = id;
	renumber(sb, pos);
	seq = l->seq;
	if (!sb->at_bottom && sb->anchor_seq >= seq)
		sb->anchor_seq++;
	return seq;
}

/* Removes the line with seq. */
bool
scrollback_remove(struct scrollback *sb, uint64_t seq)
{
	uint64_t first = scrollback_first(sb);
	size_t i, pos;

	if (scrollback_get(sb, seq) == NULL)
		return false;
	pos = (size_t)(seq - first);
	line_clear(slot(sb, pos));
	for (i = pos; i + 1 < sb->count; i++)
		*slot(sb, i) = *slot(sb, i + 1);
	memset(slot(sb, sb->count - 1), 0, sizeof(struct line));
	sb->count--;
	sb->next_seq--;
	renumber(sb, pos);
	if (sb->count == 0) {
		scrollback_bottom(sb);
		return true;
	}
	if (!sb->at_bottom) {
		if (sb->anchor_seq > seq)
			sb->anchor_seq--;
		if (sb->anchor_seq > scrollback_last(sb)) {
			sb->anchor_seq = scrollback_last(sb);
			sb->anchor_row = 0;
		}
	}
	return true;
}

/* Sets the message id of one line. */
void
scrollback_set_id(struct scrollback *sb, uint64_t seq, uint64_t id)
{
	struct line *l = (struct line *)scrollback_get(sb, seq);

	if (l != NULL)
		l->id = id;
}

/* Lines before the first one with a greater id. */
size_t
scrollback_pos_of_id(const struct scrollback *sb, uint64_t id)
{
	size_t i;

	for (i = 0; i < sb->count; i++) {
		if (slot(sb, i)->id > id)
			return i;
	}
	return sb->count;
}

/* Returns the line with seq, or NULL. */
const struct line *
scrollback_get(const struct scrollback *sb, uint64_t seq)
{
	uint64_t first = scrollback_first(sb);

	if (sb->count == 0 || seq < first || seq >= sb->next_seq)
		return NULL;
	return slot(sb, (size_t)(seq - first));
}

/* Returns the newest seq, 0 when empty. */
uint64_t
scrollback_last(const struct scrollback *sb)
{
	return sb->count == 0 ? 0 : sb->next_seq - 1;
}

/* Returns the oldest seq, 0 when empty. */
uint64_t
scrollback_first(const struct scrollback *sb)
{
	return sb->count == 0 ? 0 : sb->next_seq - sb->count;
}

/* The mark of a line kind. */
const char *
scrollback_mark(enum line_kind kind)
{
	switch (kind) {
	case LINE_NOTICE:
		return "-!- ";
	case LINE_ERROR:
		return "!!! ";
	case LINE_INFO:
		return "-- ";
	default:
		return "";
	}
}

/* Returns the rows prefix + text take at width, indented by the prefix. */
size_t
scrollback_line_rows(const struct line *l, size_t width)
{
	const char *prefix = l->prefix != NULL ? l->prefix : "";
	const char *text = l->text != NULL ? l->text : "";
	size_t plen = strlen(prefix), tlen = strlen(text), rows;
	char *joined;

	joined = xmalloc(plen + tlen + 1);
	memcpy(joined, prefix, plen);
	memcpy(joined + plen, text, tlen + 1);
	rows = wrap_text(joined, plen + tlen, width, wrap_width(prefix, plen),
	    NULL, 0);
	free(joined);
	return rows;
}

/* Returns the rows of the line with seq (which exists). */
static size_t
rows_of(const struct scrollback *sb, uint64_t seq, size_t width)
{
	return scrollback_line_rows(scrollback_get(sb, seq), width);
}

/* Back to following the newest line. */
void
scrollback_bottom(struct scrollback *sb)
{
	sb->at_bottom = true;
	sb->anchor_seq = 0;
	sb->anchor_row = 0;
	sb->unseen = 0;
}

/*
 * Moves the bottom of the view up by delta rows, never above the first
 * row of the oldest line.
 */
static void
scroll_up(struct scrollback *sb, size_t delta, size_t width)
{
	uint64_t seq = sb->anchor_seq, first = scrollback_first(sb);
	size_t row = sb->anchor_row, rows;

	while (delta > 0) {
		rows = rows_of(sb, seq, width);
		if (row >= rows)
			row = rows - 1; /* the width changed */
		if (delta <= rows - 1 - row) {
			row += delta;
			break;
		}
		if (seq == first) {
			row = rows - 1;
			break;
		}
		delta -= rows - row;
		seq--;
		row = 0;
	}
	sb->anchor_seq = seq;
	sb->anchor_row = row;
}

/*
 * Moves the bottom of the view down by delta rows; returns true when it
 * reached the last row of the newest line.
 */
static bool
scroll_down(struct scrollback *sb, size_t delta, size_t width)
{
	uint64_t seq = sb->anchor_seq, last = scrollback_last(sb);
	size_t row = sb->anchor_row, rows;

	rows = rows_of(sb, seq, width);
	if (row >= rows)
		row = rows - 1;
	while (delta > 0) {
		if (delta <= row) {
			row -= delta;
			break;
		}
		if (seq == last)
			return true;
		delta -= row + 1;
		seq++;
		row = rows_of(sb, seq, width) - 1;
	}
	sb->anchor_seq = seq;
	sb->anchor_row = row;
	return seq == last && row == 0;
}

/* Scrolls by delta rows (positive: towards older lines) at width. */
void
scrollback_scroll(struct scrollback *sb, long delta, size_t width)
{
	if (sb->count == 0 || delta == 0)
		return;
	if (sb->at_bottom) {
		if (delta < 0)
			return;
		sb->anchor_seq = scrollback_last(sb);
		sb->anchor_row = 0;
	}
	if (delta > 0)
		scroll_up(sb, (size_t)delta, width);
	else if (scroll_down(sb, (size_t) - (delta + 1) + 1, width)) {
		scrollback_bottom(sb);
		return;
	}
	if (sb->anchor_seq == scrollback_last(sb) && sb->anchor_row == 0) {
		/* Nothing above to scroll to: still following. */
		scrollback_bottom(sb);
		return;
	}
	sb->at_bottom = false;
}

/* Sets the bottom line of the view and its hidden rows. */
bool
scrollback_view(const struct scrollback *sb, uint64_t *seq, size_t *skip)
{
	*seq = 0;
	*skip = 0;
	if (sb->count == 0)
		return false;
	if (sb->at_bottom) {
		*seq = scrollback_last(sb);
		return true;
	}
	*seq = sb->anchor_seq;
	*skip = sb->anchor_row;
	return true;
}

/* True when the rows from the oldest line to the bottom of the view fit. */
bool
scrollback_top_visible(const struct scrollback *sb, size_t width, size_t height)
{
	uint64_t seq, first = scrollback_first(sb);
	size_t skip, rows = 0;

	if (!scrollback_view(sb, &seq, &skip))
		return true;
	for (;; seq--) {
		rows += scrollback_line_rows(scrollback_get(sb, seq), width);
		if (rows > height + skip)
			return false;
		if (seq == first)
			return true;
	}
}
