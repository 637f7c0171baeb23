/*
 * buffer.c: the buffers of the client, as in WeeChat: the server buffer,
 * one per room and one per private conversation, each with its log, its
 * members, an unread count and a highlight mark; the buffer bar's text;
 * the highlight rule; and name lists that arrive in parts (section 6).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

/* Compares for qsort/bsearch of names. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A new empty buffer. */
static struct buffer *
buffer_new(enum buffer_kind kind, const char *name, size_t sb_cap)
{
	struct buffer *b = xcalloc(1, sizeof *b);

	b->kind = kind;
	snprintf(b->name, sizeof b->name, "%s", name != NULL ? name : "");
	scrollback_init(&b->sb, sb_cap);
	return b;
}

/* Frees a buffer and what it holds. */
static void
buffer_free(struct buffer *b)
{
	if (b == NULL)
		return;
	buffer_set_members(b, NULL, 0);
	scrollback_free(&b->sb);
	free(b->ids);
	free(b->topic);
	free(b);
}

/* Prepares a list holding only the server buffer. */
void
buffer_list_init(struct buffer_list *bl, size_t sb_cap)
{
	memset(bl, 0, sizeof *bl);
	bl->sb_cap = sb_cap;
	bl->v = xcalloc(1, sizeof *bl->v);
	bl->v[0] = buffer_new(BUFFER_SERVER, "", sb_cap);
	bl->n = 1;
}

/* Frees every buffer. */
void
buffer_list_free(struct buffer_list *bl)
{
	size_t i;

	for (i = 0; i < bl->n; i++)
		buffer_free(bl->v[i]);
	free(bl->v);
	memset(bl, 0, sizeof *bl);
}

/* The buffer of kind named name, or NULL. */
struct buffer *
buffer_find(const struct buffer_list *bl, enum buffer_kind kind,
    const char *name)
{
	size_t i;

	if (kind == BUFFER_SERVER)
		return bl->v[0];
	for (i = 1; i < bl->n; i++) {
		if (bl->v[i]->kind == kind && strcmp(bl->v[i]->name, name) == 0)
			return bl->v[i];
	}
	return NULL;
}

/* Finds or appends a buffer. */
struct buffer *
buffer_open(struct buffer_list *bl, enum buffer_kind kind, const char *name)
{
	struct buffer *b;

	if ((b = buffer_find(bl, kind, name)) != NULL)
		return b;
	bl->v = xreallocarray(bl->v, bl->n + 1, sizeof *bl->v);
	b = bl->v[bl->n++] = buffer_new(kind, name, bl->sb_cap);
	return b;
}

/* Closes a buffer other than the server buffer. */
bool
buffer_close(struct buffer_list *bl, struct buffer *b)
{
	size_t i = buffer_number(bl, b);

	if (i == 0 || i >= bl->n)
		return false;
	if (bl->newest == b)
		bl->newest = NULL;
	buffer_free(b);
	memmove(&bl->v[i], &bl->v[i + 1], (bl->n - i - 1) * sizeof *bl->v);
	bl->n--;
	if (bl->current >= i && bl->current > 0)
		bl->current--;
	return true;
}

/* The current buffer. */
struct buffer *
buffer_current(const struct buffer_list *bl)
{
	return bl->v[bl->current];
}

/* The server buffer. */
struct buffer *
buffer_server(const struct buffer_list *bl)
{
	return bl->v[0];
}

/* The index of b (bl->n when it is not in the list). */
size_t
buffer_number(const struct buffer_list *bl, const struct buffer *b)
{
	size_t i;

	for (i = 0; i < bl->n; i++) {
		if (bl->v[i] == b)
			return i;
	}
	return bl->n;
}

/* Makes buffer i current and clears its marks. */
void
buffer_select(struct buffer_list *bl, size_t i)
{
	if (i >= bl->n)
		return;
	bl->current = i;
	bl->v[i]->unread = 0;
	bl->v[i]->highlight = false;
}

/* Selects the next or previous buffer, wrapping around. */
void
buffer_select_next(struct buffer_list *bl, int delta)
{
	size_t i = bl->current;

	if (delta >= 0)
		i = (i + 1) % bl->n;
	else
		i = (i + bl->n - 1) % bl->n;
	buffer_select(bl, i);
}

/* Adds a line to b; counts it unread while b is not current. */
uint64_t
buffer_add_line(struct buffer_list *bl, struct buffer *b, enum line_kind kind,
    time_t when, const char *prefix, const char *nick, const char *text,
    bool mine)
{
	bool chat =
	    kind == LINE_CHAT || kind == LINE_PRIVATE || kind == LINE_HIGHLIGHT;

	if (b != buffer_current(bl) && chat && !mine) {
		b->unread++;
		if (kind == LINE_HIGHLIGHT)
			b->highlight = true;
	}
	bl->lines++;
	bl->newest = b;
	return scrollback_add(&b->sb, kind, when, prefix, nick, text);
}

/* Adds a line by its message id; never unread. */
uint64_t
buffer_insert_line(struct buffer_list *bl, struct buffer *b, uint64_t id,
    bool at_top, enum line_kind kind, time_t when, const char *prefix,
    const char *nick, const char *text)
{
	size_t pos = at_top ? 0 : scrollback_pos_of_id(&b->sb, id);

	bl->lines++;
	return scrollback_insert(&b->sb, pos, kind, when, prefix, nick, text,
	    id);
}

/* Index of the first id >= id in b's sorted ids. */
static size_t
id_slot(const struct buffer *b, uint64_t id)
{
	size_t lo = 0, hi = b->n_ids, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (b->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* True when b shows the message with id. */
bool
buffer_id_shown(const struct buffer *b, uint64_t id)
{
	size_t i = id_slot(b, id);

	return i < b->n_ids && b->ids[i] == id;
}

/* Notes id as shown in b; false when it was already. */
bool
buffer_id_mark(struct buffer *b, uint64_t id)
{
	size_t i = id_slot(b, id);

	if (i < b->n_ids && b->ids[i] == id)
		return false;
	b->ids = xreallocarray(b->ids, b->n_ids + 1, sizeof *b->ids);
	memmove(&b->ids[i + 1], &b->ids[i], (b->n_ids - i) * sizeof *b->ids);
	b->ids[i] = id;
	b->n_ids++;
	return true;
}

/* The oldest id shown, 0 when none. */
uint64_t
buffer_oldest_id(const struct buffer *b)
{
	return b->n_ids > 0 ? b->ids[0] : 0;
}

/* Replaces the members with a sorted copy without duplicates. */
void
buffer_set_members(struct buffer *b, const char *const *names, size_t n)
{
	size_t i, o;

	for (i = 0; i < b->n_members; i++)
		free(b->members[i]);
	free(b->members);
	b->members = NULL;
	b->n_members = 0;
	if (n == 0)
		return;
	b->members = xcalloc(n, sizeof *b->members);
	for (i = 0; i < n; i++)
		b->members[i] = xstrdup(names[i]);
	qsort(b->members, n, sizeof *b->members, name_cmp);
	for (o = 0, i = 0; i < n; i++) {
		if (o > 0 && strcmp(b->members[o - 1], b->members[i]) == 0)
			free(b->members[i]);
		else
			b->members[o++] = b->members[i];
	}
	b->n_members = o;
}

/* The slot of name in the members, or NULL. */
static char **
member_slot(const struct buffer *b, const char *name)
{
	if (b->n_members == 0)
		return NULL;
	return bsearch(&name, b->members, b->n_members, sizeof *b->members,
	    name_cmp);
}

/* True when name is a member of b. */
bool
buffer_has_member(const struct buffer *b, const char *name)
{
	return member_slot(b, name) != NULL;
}

/* Adds one member, keeping the order. */
bool
buffer_add_member(struct buffer *b, const char *name)
{
	size_t i;

	if (member_slot(b, name) != NULL)
		return false;
	b->members =
	    xreallocarray(b->members, b->n_members + 1, sizeof *b->members);
	for (i = b->n_members; i > 0 && strcmp(b->members[i - 1], name) > 0;
	     i--)
		b->members[i] = b->members[i - 1];
	b->members[i] = xstrdup(name);
	b->n_members++;
	return true;
}

/* Removes one member. */
bool
buffer_remove_member(struct buffer *b, const char *name)
{
	char **hit = member_slot(b, name);
	size_t i;

	if (hit == NULL)
		return false;
	i = (size_t)(hit - b->members);
	free(b->members[i]);
	memmove(&b->members[i], &b->members[i + 1],
	    (b->n_members - i - 1) * sizeof *b->members);
	b->n_members--;
	return true;
}

/* Replaces the topic. */
void
buffer_set_topic(struct buffer *b, const char *topic)
{
	free(b->topic);
	b->topic = topic != NULL ? xstrdup(topic) : NULL;
}

/* "server", "#room" or "@user". */
void
buffer_label(const struct buffer *b, char *out, size_t cap)
{
	switch (b->kind) {
	case BUFFER_ROOM:
		snprintf(out, cap, "#%s", b->name);
		break;
	case BUFFER_QUERY:
		snprintf(out, cap, "@%s", b->name);
		break;
	default:
		snprintf(out, cap, "server");
		break;
	}
}

/* One buffer's item in the bar. */
void
buffer_bar_item(const struct buffer_list *bl, size_t i, char *out, size_t cap)
{
	char label[BUFFER_LABEL_MAX + 1];
	const struct buffer *b = bl->v[i];
	size_t len;

	buffer_label(b, label, sizeof label);
	snprintf(out, cap, "%zu:%s%s%s", i, b->parted ? "(" : "", label,
	    b->parted ? ")" : "");
	len = strlen(out);
	if (b->unread > 0 && len < cap)
		snprintf(out + len, cap - len, "(%zu)", b->unread);
	len = strlen(out);
	if (b->highlight && len + 1 < cap)
		snprintf(out + len, cap - len, "*");
}

/* The bar's text, every buffer with its number and marks. */
char *
buffer_bar(const struct buffer_list *bl)
{
	char item[BUFFER_BAR_ITEM_MAX], *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < bl->n; i++) {
		buffer_bar_item(bl, i, item, sizeof item);
		t = xasprintf("%s%s%s", s, i == 0 ? "" : " ", item);
		free(s);
		s = t;
	}
	return s;
}

/* ASCII lower case. */
static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/* A byte that continues a word: a letter, a digit or '_'. */
static bool
word_byte(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_';
}

/* True when text names me as a whole word, case-insensitively. */
bool
buffer_names_me(const char *text, size_t len, const char *me)
{
	size_t mlen = strlen(me), i, k;

	if (mlen == 0 || mlen > len)
		return false;
	for (i = 0; i + mlen <= len; i++) {
		for (k = 0; k < mlen; k++) {
			if (lower((unsigned char)text[i + k]) !=
			    lower((unsigned char)me[k]))
				break;
		}
		if (k < mlen)
			continue;
		if (i > 0 && word_byte((unsigned char)text[i - 1]))
			continue;
		if (i + mlen < len && word_byte((unsigned char)text[i + mlen]))
			continue;
		return true;
	}
	return false;
}

/* Appends copies of names[0..n). */
static void
parts_append(struct name_parts *np, const char *const *names, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	np->v = xreallocarray(np->v, np->n + n, sizeof *np->v);
	for (i = 0; i < n; i++)
		np->v[np->n + i] = xstrdup(names[i]);
	np->n += n;
}

/* Starts a list with its first part. */
void
name_parts_start(struct name_parts *np, const char *room,
    const char *const *names, size_t n)
{
	name_parts_clear(np);
	np->open = true;
	snprintf(np->room, sizeof np->room, "%s", room != NULL ? room : "");
	parts_append(np, names, n);
}

/* Adds a following part of the same room. */
bool
name_parts_add(struct name_parts *np, const char *room,
    const char *const *names, size_t n)
{
	if (!np->open || strcmp(np->room, room != NULL ? room : "") != 0)
		return false;
	parts_append(np, names, n);
	return true;
}

/* Frees the names and closes the list. */
void
name_parts_clear(struct name_parts *np)
{
	size_t i;

	for (i = 0; i < np->n; i++)
		free(np->v[i]);
	free(np->v);
	memset(np, 0, sizeof *np);
}
