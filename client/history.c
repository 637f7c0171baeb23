/*
 * history.c: the lines entered, newest last, and the walk through them
 * with Up and Down that keeps what was being typed (the draft).
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

/* Forgets the draft and goes back to it (the end of the walk). */
static void
reset_walk(struct history *h)
{
	free(h->draft);
	h->draft = NULL;
	h->pos = h->count;
}

/* Prepares an empty history. */
void
history_init(struct history *h)
{
	memset(h, 0, sizeof *h);
}

/* Frees every entry and the draft. */
void
history_free(struct history *h)
{
	size_t i;

	for (i = 0; i < h->count; i++)
		free(h->items[i]);
	free(h->draft);
	memset(h, 0, sizeof *h);
}

/* Adds a line unless empty or the same as the newest; resets the walk. */
void
history_add(struct history *h, const char *line)
{
	if (line[0] != '\0' &&
	    (h->count == 0 || strcmp(h->items[h->count - 1], line) != 0)) {
		if (h->count == HISTORY_MAX) {
			free(h->items[0]);
			memmove(h->items, h->items + 1,
			    (HISTORY_MAX - 1) * sizeof h->items[0]);
			h->count--;
		}
		h->items[h->count++] = xstrdup(line);
	}
	reset_walk(h);
}

/* Puts the older entry into e, saving the draft when leaving it. */
bool
history_prev(struct history *h, struct editor *e)
{
	if (h->pos == 0 || h->count == 0)
		return false;
	if (h->pos >= h->count) {
		free(h->draft);
		h->draft = xstrdup(e->buf);
		h->pos = h->count;
	}
	h->pos--;
	editor_set(e, h->items[h->pos], strlen(h->items[h->pos]));
	return true;
}

/* Puts the newer entry into e, or the draft after the newest. */
bool
history_next(struct history *h, struct editor *e)
{
	const char *s;

	if (h->pos >= h->count)
		return false;
	h->pos++;
	if (h->pos == h->count) {
		s = h->draft != NULL ? h->draft : "";
		editor_set(e, s, strlen(s));
		free(h->draft);
		h->draft = NULL;
	} else
		editor_set(e, h->items[h->pos], strlen(h->items[h->pos]));
	return true;
}
