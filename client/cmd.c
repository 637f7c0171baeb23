/*
 * cmd.c: the command table and the way every input line goes: (1) text
 * to say, or a /command found in the table; (2) the state the command
 * needs (CMD_NEEDS_LOGIN); (3) its arguments and its work, which the
 * command's own handler does (cmd-*.c). /help, Tab completion, the usage
 * errors and the input history read the same table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "xmalloc.h"

#define CMD_ECHO_MAX 40 /* bytes of an unknown command's name shown */

/* Sorted by name: completion offers the matches in this order. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_away_entry,
	&cmd_ban_entry,
	&cmd_connect_entry,
	&cmd_help_entry,
	&cmd_history_entry,
	&cmd_join_entry,
	&cmd_kick_entry,
	&cmd_list_entry,
	&cmd_login_entry,
	&cmd_me_entry,
	&cmd_msg_entry,
	&cmd_mute_entry,
	&cmd_names_entry,
	&cmd_part_entry,
	&cmd_query_entry,
	&cmd_quit_entry,
	&cmd_reconnect_entry,
	&cmd_rooms_entry,
	&cmd_search_entry,
	&cmd_topic_entry,
	&cmd_unban_entry,
	&cmd_unmute_entry,
	&cmd_whois_entry,
};
const size_t cmd_table_len = sizeof cmd_table / sizeof cmd_table[0];

/* The next space-delimited word of args[*pos..len). */
size_t
cmd_word(const char *args, size_t len, size_t *pos, const char **word)
{
	size_t s = *pos, e;

	while (s < len && args[s] == ' ')
		s++;
	for (e = s; e < len && args[e] != ' '; e++)
		;
	*word = args + s;
	*pos = e;
	return e - s;
}

/* Finds the entry named name[0..len). */
const struct cmd_entry *
cmd_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cmd_table_len; i++) {
		if (strlen(cmd_table[i]->name) == len &&
		    memcmp(cmd_table[i]->name, name, len) == 0)
			return cmd_table[i];
	}
	return NULL;
}

/* The names of the table, built once. */
const char *const *
cmd_names(size_t *n)
{
	static const char *names[sizeof cmd_table / sizeof cmd_table[0]];
	size_t i;

	for (i = 0; i < cmd_table_len; i++)
		names[i] = cmd_table[i]->name;
	*n = cmd_table_len;
	return names;
}

/* Says "usage: NAME USAGE", with "[x]" as "<x>" when strict. */
void
cmd_usage(struct client *c, const struct cmd_entry *e, bool strict)
{
	char *usage = xstrdup(e->usage), *p;

	for (p = usage; strict && *p != '\0'; p++) {
		if (*p == '[')
			*p = '<';
		else if (*p == ']')
			*p = '>';
	}
	ui_line(c, LINE_ERROR, time(NULL), NULL, "usage: %s%s%s", e->name,
	    usage[0] != '\0' ? " " : "", usage);
	free(usage);
}

/* Checks text against the content rules before sending; says why not. */
bool
cmd_text_ok(struct client *c, const char *text, size_t len)
{
	switch (text_check(text, len, SC_TEXT_MAX_LEN, false)) {
	case TEXT_OK:
		return true;
	case TEXT_TOO_LONG:
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "message too long: "
		    "%zu bytes, the limit is %d (nothing was sent)",
		    len, SC_TEXT_MAX_LEN);
		return false;
	default:
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "message not sent: "
		    "it is empty or holds control characters");
		return false;
	}
}

/* Reads "rust" or "#rust" into out. */
bool
cmd_room_name(struct client *c, const char *word, size_t len, char *out)
{
	if (len > 0 && word[0] == '#') {
		word++;
		len--;
	}
	if (!text_room_valid(word, len)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "bad room name: 1 to %d characters of a-z 0-9 _ -",
		    SC_ROOM_MAX_LEN);
		return false;
	}
	memcpy(out, word, len);
	out[len] = '\0';
	return true;
}

/* "<user> [#room] [duration] [reason...]" into a request, sent. */
void
cmd_moderate(struct client *c, const struct cmd_entry *e, enum msg_type type,
    unsigned takes, const char *args, size_t len)
{
	char room[BUFFER_NAME_MAX + 1];
	struct msg m = { .type = type };
	const char *word;
	size_t pos = 0, wlen;
	long long seconds;

	if ((wlen = cmd_word(args, len, &pos, &word)) == 0) {
		cmd_usage(c, e, false);
		return;
	}
	if (!text_user_valid(word, wlen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL, "bad user name");
		return;
	}
	m.user = MSG_STRN(word, wlen);
	wlen = cmd_word(args, len, &pos, &word);
	if ((takes & CMD_MOD_ROOM) && wlen > 0 && word[0] == '#') {
		if (!cmd_room_name(c, word, wlen, room))
			return;
		m.room = MSG_STR(room);
		wlen = cmd_word(args, len, &pos, &word);
	}
	if ((takes & CMD_MOD_TIME) && wlen > 0 &&
	    text_duration_parse(word, wlen, SC_MOD_SECONDS_MAX, &seconds)) {
		m.seconds = MSG_INT(seconds);
		wlen = cmd_word(args, len, &pos, &word);
	}
	if (wlen > 0) { /* the rest of the line, from this word */
		if (!(takes & CMD_MOD_REASON)) {
			cmd_usage(c, e, false);
			return;
		}
		pos = (size_t)(word - args);
		if (!cmd_text_ok(c, args + pos, len - pos))
			return;
		m.reason = MSG_STRN(args + pos, len - pos);
	}
	(void)net_request(c, &m);
}

/* The room of the current buffer, or NULL with a remark. */
const char *
cmd_current_room(struct client *c, const char *what)
{
	struct buffer *b = buffer_current(&c->bufs);

	if (b->kind == BUFFER_ROOM && !b->parted)
		return b->name;
	if (b->kind == BUFFER_ROOM)
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "you left #%s: /join %s to go back", b->name, b->name);
	else
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "%s: this buffer is not a room (Alt+1 is the lobby)", what);
	return NULL;
}

/* Sends text where the current buffer says: its room or its user,
 * through the paced queue (outq.c). */
void
cmd_send_text(struct client *c, const char *text, size_t len, bool action)
{
	struct buffer *b = buffer_current(&c->bufs);
	const char *room;

	if (!cmd_text_ok(c, text, len))
		return;
	if (b->kind == BUFFER_QUERY) {
		outq_line(c, true, b->name, action, text, len);
		return;
	}
	if ((room = cmd_current_room(c, "nowhere to say it")) == NULL)
		return;
	/* The lobby is the default: an old server knows no rooms. */
	outq_line(c, false, strcmp(room, CLIENT_LOBBY) != 0 ? room : "", action,
	    text, len);
}

/* Says "not logged in" (or "not connected") unless we are. */
static bool
need_login(struct client *c)
{
	if (c->state == CONN_LOGGED_IN)
		return true;
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    c->state >= CONN_OPEN ? "not logged in: use /login <user>" :
				    "not connected");
	return false;
}

/* Steps 2 and 3: the state the command needs, then its handler. */
void
cmd_run_entry(struct client *c, const struct cmd_entry *e, const char *args,
    size_t len)
{
	if ((e->flags & CMD_NEEDS_LOGIN) && !need_login(c))
		return;
	e->handler(c, args, len);
}

/* Runs one input line. */
void
cmd_run(struct client *c, const char *line, size_t len)
{
	const struct cmd_entry *e;
	const char *word;
	size_t pos = 0, wlen;

	if (len == 0)
		return;
	/* 1: text to say ("//text" says "/text"), or a command. */
	if (line[0] != '/') {
		cmd_run_entry(c, &cmd_say_entry, line, len);
		return;
	}
	if (len > 1 && line[1] == '/') {
		cmd_run_entry(c, &cmd_say_entry, line + 1, len - 1);
		return;
	}
	wlen = cmd_word(line, len, &pos, &word);
	if ((e = cmd_find(word, wlen)) == NULL) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "unknown command %.*s (try /help)",
		    (int)(wlen > CMD_ECHO_MAX ? CMD_ECHO_MAX : wlen), word);
		return;
	}
	cmd_run_entry(c, e, line + pos, len - pos);
}

/* Counts the words of a usage string. */
static size_t
usage_words(const char *usage)
{
	size_t n = 0, pos = 0, len = strlen(usage);
	const char *w;

	while (cmd_word(usage, len, &pos, &w) > 0)
		n++;
	return n;
}

/* The table entry a line runs, or NULL. */
const struct cmd_entry *
cmd_of_line(const char *line, size_t len)
{
	const char *word;
	size_t pos = 0, wlen;

	if (len == 0 || line[0] != '/' || (len > 1 && line[1] == '/'))
		return NULL;
	wlen = cmd_word(line, len, &pos, &word);
	return cmd_find(word, wlen);
}

/* What the input history keeps of a line: never a secret argument. */
char *
cmd_history_line(const char *line, size_t len)
{
	const struct cmd_entry *e;
	const char *word;
	size_t pos = 0, wlen, keep, o;
	char *out;

	e = cmd_of_line(line, len);
	if (e == NULL || !(e->flags & CMD_SECRET))
		return xstrndup(line, len);
	wlen = cmd_word(line, len, &pos, &word);
	/* The name and the words before the secret (the usage's last). */
	keep = usage_words(e->usage);
	keep = keep > 0 ? keep - 1 : 0;
	out = xmalloc(len + 1);
	o = wlen;
	memcpy(out, word, wlen);
	while (keep-- > 0 && (wlen = cmd_word(line, len, &pos, &word)) > 0) {
		out[o++] = ' ';
		memcpy(out + o, word, wlen);
		o += wlen;
	}
	out[o] = '\0';
	return out;
}
