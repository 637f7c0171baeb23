/*
 * search.c: finding text in a buffer's log (Ctrl-R, /search): a
 * case-insensitive (ASCII) substring over each line's sanitized text,
 * the matches kept oldest first, the walk starting at the newest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

/* ASCII lower case. */
static char
lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* True when needle (lower case) occurs in hay, case-insensitively. */
static bool
contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i, j;

	if (nlen == 0 || nlen > hlen)
		return nlen == 0;
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen && lower(hay[i + j]) == needle[j]; j++)
			;
		if (j == nlen)
			return true;
	}
	return false;
}

/* True when line l holds text[0..len) (case-insensitive). */
bool
search_line_matches(const struct line *l, const char *text, size_t len)
{
	char *needle;
	size_t i;
	bool yes;

	if (l == NULL || l->text == NULL || len == 0)
		return false;
	needle = xstrndup(text, len);
	for (i = 0; i < len; i++)
		needle[i] = lower(needle[i]);
	yes = contains(l->text, strlen(l->text), needle, len);
	free(needle);
	return yes;
}

/* Forgets the search. */
void
search_end(struct search *s)
{
	free(s->text);
	free(s->seqs);
	memset(s, 0, sizeof *s);
}

/* Finds every line of sb holding text; the newest is current. */
size_t
search_start(struct search *s, const struct scrollback *sb, const char *text,
    size_t len)
{
	uint64_t seq, first = scrollback_first(sb), last = scrollback_last(sb);
	size_t cap = 0;

	search_end(s);
	s->active = true;
	s->text = xstrndup(text, len);
	s->len = len;
	for (seq = first; seq != 0 && seq <= last; seq++) {
		if (!search_line_matches(scrollback_get(sb, seq), text, len))
			continue;
		if (s->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			s->seqs = xreallocarray(s->seqs, cap, sizeof *s->seqs);
		}
		s->seqs[s->n++] = seq;
	}
	s->cur = s->n > 0 ? s->n - 1 : 0;
	return s->n;
}

/* The current match's seq, or 0. */
uint64_t
search_current(const struct search *s)
{
	return s->active && s->n > 0 ? s->seqs[s->cur] : 0;
}

/* Moves to the older match; false at the oldest. */
bool
search_older(struct search *s)
{
	if (!s->active || s->n == 0 || s->cur == 0)
		return false;
	s->cur--;
	return true;
}

/* Moves to the newer match; false at the newest. */
bool
search_newer(struct search *s)
{
	if (!s->active || s->cur + 1 >= s->n)
		return false;
	s->cur++;
	return true;
}

/* "search: text (k of n)" or "search: text: no match" into out; k
 * counts from the newest. */
void
search_status(const struct search *s, char *out, size_t cap)
{
	if (cap == 0)
		return;
	out[0] = '\0';
	if (!s->active)
		return;
	if (s->n == 0)
		snprintf(out, cap, "search: %s: no match", s->text);
	else
		snprintf(out, cap, "search: %s (%zu of %zu)", s->text,
		    s->n - s->cur, s->n);
}

/* Scrolls sb so that line seq is the bottom line of the view. */
void
search_show(struct scrollback *sb, uint64_t seq)
{
	if (seq == 0 || scrollback_get(sb, seq) == NULL)
		return;
	if (seq == scrollback_last(sb)) {
		scrollback_bottom(sb);
		return;
	}
	sb->at_bottom = false;
	sb->anchor_seq = seq;
	sb->anchor_row = 0;
}
