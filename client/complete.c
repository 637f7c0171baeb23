/*
 * complete.c: Tab completion of the word before the cursor, against the
 * command names at the start of the line and the user names elsewhere,
 * with repeated Tabs cycling through the matches.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

#define NICK_SUFFIX_START ": " /* after a nick at the line start */
#define WORD_SUFFIX	  " "  /* after anything else */

/* Lowercases an ASCII letter, leaves every other byte alone. */
static int
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* True when name starts with prefix, ignoring ASCII case. */
static bool
has_prefix(const char *name, const char *prefix)
{
	for (; *prefix != '\0'; name++, prefix++) {
		if (ascii_lower((unsigned char)*name) !=
		    ascii_lower((unsigned char)*prefix))
			return false;
	}
	return true;
}

/*
 * True when list entry name completes the typed prefix; command names
 * may be given with or without their '/' (*add_slash says to add it).
 */
static bool
matches(const char *name, const char *prefix, bool command, bool *add_slash)
{
	*add_slash = false;
	if (name == NULL || name[0] == '\0')
		return false;
	if (command && name[0] != '/') {
		*add_slash = true;
		return has_prefix(name, prefix + 1);
	}
	return has_prefix(name, prefix);
}

/* Returns a new string: the completion for name with its suffix. */
static char *
replacement(const char *name, bool add_slash, const char *suffix)
{
	size_t slash = add_slash ? 1 : 0, n = strlen(name), s = strlen(suffix);
	char *r;

	r = xmalloc(slash + n + s + 1);
	r[0] = '/';
	memcpy(r + slash, name, n);
	memcpy(r + slash + n, suffix, s + 1);
	return r;
}

/*
 * Replaces e->buf[c->word_start..e->cursor) with text; the cursor goes
 * after it. Returns false (nothing changed) if it would not fit or is
 * already there.
 */
static bool
replace_word(const struct completer *c, struct editor *e, const char *text)
{
	size_t old = e->cursor - c->word_start, n = strlen(text);

	if (old == n && memcmp(e->buf + c->word_start, text, n) == 0)
		return false;
	if (n > old && n - old > EDITOR_MAX - e->len)
		return false;
	memmove(e->buf + c->word_start + n, e->buf + e->cursor,
	    e->len - e->cursor + 1);
	memcpy(e->buf + c->word_start, text, n);
	if (old > n)
		memset(e->buf + e->len - (old - n) + 1, 0, old - n);
	e->len = e->len - old + n;
	e->cursor = c->word_start + n;
	return true;
}

/* Prepares an inactive completer. */
void
complete_init(struct completer *c)
{
	memset(c, 0, sizeof *c);
}

/* Frees the saved prefix. */
void
complete_free(struct completer *c)
{
	free(c->prefix);
	memset(c, 0, sizeof *c);
}

/* Ends a cycle. */
void
complete_reset(struct completer *c)
{
	complete_free(c);
}

/* Returns the suffix a completion gets in the current state. */
static const char *
suffix_for(const struct completer *c, bool command)
{
	if (!command && c->word_start == 0)
		return NICK_SUFFIX_START;
	return WORD_SUFFIX;
}

/* True when the completion shown last is still before the cursor. */
static bool
still_shown(const struct completer *c, const struct editor *e,
    const char *const *list, size_t n, bool command)
{
	bool add_slash;
	size_t len;
	char *text;
	bool same;

	if (c->index >= n || c->word_start > e->cursor ||
	    !matches(list[c->index], c->prefix, command, &add_slash))
		return false;
	text = replacement(list[c->index], add_slash, suffix_for(c, command));
	len = strlen(text);
	same = e->cursor - c->word_start == len &&
	    memcmp(e->buf + c->word_start, text, len) == 0;
	free(text);
	return same;
}

/*
 * Completes the word before the cursor, or, right after a completion,
 * replaces it with the next match in list order, wrapping around.
 */
bool
complete_tab(struct completer *c, struct editor *e, const char *const *commands,
    size_t n_commands, const char *const *names, size_t n_names)
{
	const char *const *list;
	size_t n, i, k, start;
	bool command, add_slash, changed;
	char *text;

	if (c->active) {
		command = c->word_start == 0 && c->prefix[0] == '/';
		list = command ? commands : names;
		n = command ? n_commands : n_names;
		if (!still_shown(c, e, list, n, command))
			complete_reset(c);
	}
	if (!c->active) {
		start = e->cursor;
		while (start > 0 && e->buf[start - 1] != ' ')
			start--;
		if (start == e->cursor)
			return false;
		c->word_start = start;
		c->prefix = xstrndup(e->buf + start, e->cursor - start);
	}
	command = c->word_start == 0 && c->prefix[0] == '/';
	list = command ? commands : names;
	n = command ? n_commands : n_names;
	for (k = c->active ? 1 : 0; k <= n; k++) {
		i = c->active ? (c->index + k) % n : k;
		if (i >= n || !matches(list[i], c->prefix, command, &add_slash))
			continue;
		if (c->active && i == c->index)
			return false; /* back at the one shown */
		text = replacement(list[i], add_slash, suffix_for(c, command));
		changed = replace_word(c, e, text);
		free(text);
		if (!changed)
			continue; /* too long for the line: the next */
		c->active = true;
		c->index = i;
		return true;
	}
	if (!c->active)
		complete_reset(c);
	return false;
}
