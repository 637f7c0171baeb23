/*
 * commands.c: what the user types (/login, /list, /msg, /help, /quit, or
 * text to say) and what the server sends back, turned into log lines and
 * the online list. Nothing here draws: ui.c does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "client.h"

const char *const commands_names[] = {
	"/help", "/list", "/login", "/msg", "/quit",
};
const size_t commands_count = sizeof commands_names / sizeof commands_names[0];

/* Skips spaces. */
static const char *
skip_spaces(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* The next space-delimited word of [*p, end): returns its length. */
static size_t
next_word(const char **p, const char *end, const char **word)
{
	const char *s = skip_spaces(*p, end), *e = s;

	while (e < end && *e != ' ')
		e++;
	*word = s;
	*p = e;
	return (size_t)(e - s);
}

/* Checks text against the content rules before sending; says why not. */
static bool
text_ok(struct client *c, const char *text, size_t len)
{
	switch (msg_text_check(text, len)) {
	case MSG_CODE_NONE:
		return true;
	case MSG_CODE_TOO_LONG:
		ui_line(c, LINE_ERROR, time(NULL), NULL, "message too long: "
		    "%zu bytes, the limit is %d (nothing was sent)", len,
		    SC_TEXT_MAX_LEN);
		return false;
	default:
		ui_line(c, LINE_ERROR, time(NULL), NULL, "message not sent: "
		    "it is empty or holds control characters");
		return false;
	}
}

/* Says "not logged in" unless we are. */
static bool
need_login(struct client *c)
{
	if (c->state == CONN_LOGGED_IN)
		return true;
	ui_line(c, LINE_ERROR, time(NULL), NULL, c->state >= CONN_OPEN ?
	    "not logged in: use /login <user>" : "not connected");
	return false;
}

/* /login <user> [password] */
static void
cmd_login(struct client *c, const char *p, const char *end)
{
	const char *user, *pw;
	size_t ulen, plen;
	char name[SC_USER_MAX_LEN + 1];

	ulen = next_word(&p, end, &user);
	pw = skip_spaces(p, end);
	plen = (size_t)(end - pw);
	if (ulen == 0) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "usage: /login <user> [password]");
		return;
	}
	if (!msg_user_valid(user, ulen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL, "bad user name: 1 to "
		    "32 characters of A-Z a-z 0-9 _ . -");
		return;
	}
	if (c->state == CONN_LOGGED_IN || c->state == CONN_LOGGING_IN) {
		ui_line(c, LINE_ERROR, time(NULL), NULL, "already logged in");
		return;
	}
	memcpy(name, user, ulen);
	name[ulen] = '\0';
	if (plen == 0) {
		if (c->batch)
			ui_line(c, LINE_ERROR, time(NULL), NULL,
			    "usage: /login <user> <password>");
		else
			ui_prompt_password(c, name);
		return;
	}
	if (!msg_password_valid(pw, plen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "bad password: 1 to 1024 bytes");
		return;
	}
	net_keep_credentials(c, name, pw, plen);
	if (c->state == CONN_OPEN)
		net_login(c);
	else
		ui_line(c, LINE_INFO, time(NULL), NULL,
		    "not connected yet: will log in once connected");
}

/* /msg <user> <text> */
static void
cmd_msg(struct client *c, const char *p, const char *end)
{
	const char *to, *text;
	size_t tolen, len, n;
	char name[SC_USER_MAX_LEN + 1];

	tolen = next_word(&p, end, &to);
	text = p < end ? p + 1 : p;	/* one space separates */
	if (tolen == 0 || text >= end) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "usage: /msg <user> <text>");
		return;
	}
	if (!msg_user_valid(to, tolen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL, "bad user name");
		return;
	}
	if (!need_login(c) || !text_ok(c, text, (size_t)(end - text)))
		return;
	memcpy(name, to, tolen);
	name[tolen] = '\0';
	n = (size_t)(end - text);
	if (msg_encode_msg_request(c->wbuf, SC_MSG_MAX_LEN, &len, name, text,
	    n) == 0)
		(void)net_send(c, c->wbuf, len);
}

/* /help */
static void
cmd_help(struct client *c)
{
	static const char *const lines[] = {
		"/login <user> [password]  log in (asks for the password)",
		"/msg <user> <text>        private message",
		"/list                     who is online",
		"/quit                     leave",
		"//text                    say text that starts with /",
		"keys: PgUp/PgDn scroll, End newest, F11/F12 user list,",
		"      Tab complete, Up/Down history, Ctrl-L redraw",
	};
	size_t i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		ui_line(c, LINE_INFO, time(NULL), NULL, "%s", lines[i]);
}

/* /quit: say goodbye and leave once bye comes (or at once). */
static void
cmd_quit(struct client *c)
{
	size_t len;

	c->quitting = true;
	if (c->state >= CONN_OPEN &&
	    msg_encode_quit(c->wbuf, SC_MSG_MAX_LEN, &len) == 0 &&
	    net_send(c, c->wbuf, len) == 0)
		return;		/* the close ends the loop */
	event_base_loopexit(c->base, NULL);
}

/* Runs one input line. */
void
commands_run(struct client *c, const char *line, size_t len)
{
	const char *end = line + len, *p, *word;
	size_t wlen, out;

	if (len == 0)
		return;
	if (line[0] != '/' || (len > 1 && line[1] == '/')) {
		if (line[0] == '/') {
			line++;		/* "//text" says "/text" */
			len--;
		}
		if (!need_login(c) || !text_ok(c, line, len))
			return;
		if (msg_encode_say_request(c->wbuf, SC_MSG_MAX_LEN, &out, line,
		    len) == 0)
			(void)net_send(c, c->wbuf, out);
		return;
	}
	p = line;
	wlen = next_word(&p, end, &word);
	if (wlen == 6 && memcmp(word, "/login", 6) == 0)
		cmd_login(c, p, end);
	else if (wlen == 4 && memcmp(word, "/msg", 4) == 0)
		cmd_msg(c, p, end);
	else if (wlen == 5 && memcmp(word, "/list", 5) == 0) {
		if (need_login(c) &&
		    msg_encode_list(c->wbuf, SC_MSG_MAX_LEN, &out) == 0)
			(void)net_send(c, c->wbuf, out);
	} else if (wlen == 5 && memcmp(word, "/help", 5) == 0)
		cmd_help(c);
	else if (wlen == 5 && memcmp(word, "/quit", 5) == 0)
		cmd_quit(c);
	else
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "unknown command %.*s (try /help)", (int)(wlen > 40 ? 40 :
		    wlen), word);
}

/* Compares for qsort/bsearch of names. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replaces the online list. */
static void
set_online(struct client *c, const char **users, size_t n)
{
	size_t i;
	char **p;

	for (i = 0; i < c->n_online; i++)
		free(c->online[i]);
	free(c->online);
	c->online = NULL;
	c->n_online = 0;
	if (n == 0)
		return;
	if ((p = calloc(n, sizeof *p)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if ((p[i] = strdup(users[i])) == NULL)
			abort();
	}
	qsort(p, n, sizeof *p, name_cmp);
	c->online = p;
	c->n_online = n;
}

/* Adds or removes one name. */
static void
update_online(struct client *c, const char *user, bool online)
{
	char **hit, **p;
	size_t i;

	hit = c->n_online == 0 ? NULL : bsearch(&user, c->online, c->n_online,
	    sizeof *c->online, name_cmp);
	if (online && hit == NULL) {
		p = realloc(c->online, (c->n_online + 1) * sizeof *p);
		if (p == NULL || (p[c->n_online] = strdup(user)) == NULL)
			abort();
		c->online = p;
		c->n_online++;
		qsort(c->online, c->n_online, sizeof *c->online, name_cmp);
	} else if (!online && hit != NULL) {
		i = (size_t)(hit - c->online);
		free(c->online[i]);
		memmove(&c->online[i], &c->online[i + 1],
		    (c->n_online - i - 1) * sizeof *c->online);
		c->n_online--;
	}
}

/* The time of a message, from the server's ts (ms), else now. */
static time_t
event_time(const struct msg_event *ev)
{
	return ev->ts > 0 ? (time_t)(ev->ts / 1000) : time(NULL);
}

/* Handles one plaintext from the server. */
void
commands_event(struct client *c, const uint8_t *buf, size_t len)
{
	struct msg_event ev;
	const char *words;

	if (msg_event_parse(&ev, buf, len) != 0) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "ignored a malformed message from the server");
		msg_event_clear(&ev);
		return;
	}
	if (c->batch)
		batch_event(c, buf, len, &ev);

	switch (ev.type) {
	case MSG_LOGIN_OK:
		c->state = CONN_LOGGED_IN;
		c->logged_in_once = true;
		snprintf(c->me, sizeof c->me, "%s", ev.user);
		set_online(c, ev.users, ev.n_users);
		ui_users_changed(c);
		ui_line(c, LINE_INFO, time(NULL), NULL, "logged in as %s; %zu "
		    "user%s online", ev.user, ev.n_users,
		    ev.n_users == 1 ? "" : "s");
		break;
	case MSG_SAY:
		ui_chat(c, strcmp(ev.from, c->me) == 0 ? LINE_OWN : LINE_CHAT,
		    event_time(&ev), ev.from, NULL, ev.text, ev.text_len);
		break;
	case MSG_MSG:
		ui_chat(c, LINE_PRIVATE, event_time(&ev), ev.from, ev.to,
		    ev.text, ev.text_len);
		break;
	case MSG_PRESENCE:
		update_online(c, ev.user, ev.online);
		ui_users_changed(c);
		ui_line(c, LINE_INFO, time(NULL), ev.user, "%s %s", ev.user,
		    ev.online ? "is online" : "went offline");
		break;
	case MSG_USERS:
		set_online(c, ev.users, ev.n_users);
		ui_users_changed(c);
		ui_line(c, LINE_INFO, time(NULL), NULL, "%zu user%s online",
		    ev.n_users, ev.n_users == 1 ? "" : "s");
		break;
	case MSG_PONG:
		c->pings_unanswered = 0;
		break;
	case MSG_NOTICE:
		ui_line(c, LINE_NOTICE, time(NULL), NULL, "%s", ev.text);
		break;
	case MSG_ERROR:
		/* In words: ours for the codes we know, else the server's. */
		words = ev.code != MSG_CODE_NONE ? msg_code_text(ev.code) :
		    ev.message;
		ui_line(c, LINE_ERROR, time(NULL), NULL, "%s", words);
		if (c->state == CONN_LOGGING_IN && ev.ref != NULL &&
		    strcmp(ev.ref, "login") == 0) {
			c->state = CONN_OPEN;
			if (ev.code == MSG_CODE_AUTH_FAILED)
				net_forget_password(c);
			if (c->batch) {
				c->exit_code = 1;
				event_base_loopexit(c->base, NULL);
			}
		}
		break;
	case MSG_BYE:
		ui_line(c, LINE_NOTICE, time(NULL), NULL, "the server says "
		    "goodbye: %s", ev.reason);
		break;
	default:
		break;
	}
	msg_event_clear(&ev);
	if (c->batch)
		batch_pump(c);
	ui_redraw(c, false);
}
