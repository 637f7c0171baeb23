/*
 * events.c: what the server sends. Each plaintext is parsed once
 * (common/msg.c), changes the client's state once (login, the online
 * list, pings) and becomes one event_view, every string of it sanitized,
 * which ui.c puts in the log or batch.c prints. The wording of every
 * server event is here, for both.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "xmalloc.h"

/* Compares for qsort/bsearch of names. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replaces the online list. */
void
events_set_online(struct client *c, const char *const *users, size_t n)
{
	size_t i;

	for (i = 0; i < c->n_online; i++)
		free(c->online[i]);
	free(c->online);
	c->online = NULL;
	c->n_online = 0;
	if (n == 0)
		return;
	c->online = xcalloc(n, sizeof *c->online);
	for (i = 0; i < n; i++)
		c->online[i] = xstrdup(users[i]);
	qsort(c->online, n, sizeof *c->online, name_cmp);
	c->n_online = n;
}

/* Adds or removes one name. */
static void
update_online(struct client *c, const char *user, bool online)
{
	char **hit;
	size_t i;

	hit = c->n_online == 0 ?
	    NULL :
	    bsearch(&user, c->online, c->n_online, sizeof *c->online, name_cmp);
	if (online && hit == NULL) {
		c->online = xreallocarray(c->online, c->n_online + 1,
		    sizeof *c->online);
		c->online[c->n_online++] = xstrdup(user);
		qsort(c->online, c->n_online, sizeof *c->online, name_cmp);
	} else if (!online && hit != NULL) {
		i = (size_t)(hit - c->online);
		free(c->online[i]);
		memmove(&c->online[i], &c->online[i + 1],
		    (c->n_online - i - 1) * sizeof *c->online);
		c->n_online--;
	}
}

/* "[HH:MM] " of when, in local time. */
void
events_stamp(char out[EVENT_STAMP_SIZE], time_t when)
{
	struct tm tm;

	localtime_r(&when, &tm);
	strftime(out, EVENT_STAMP_SIZE, "[%H:%M] ", &tm);
}

/* A sanitized copy of a network string, on one line. */
static char *
clean(const char *s)
{
	return sanitize_dup(s, strlen(s), false);
}

/* printf into a new string, then sanitized on one line (the parts come
 * from the network: jansson gave them as valid UTF-8, so sanitizing the
 * whole equals sanitizing each part). */
static char *__attribute__((format(printf, 1, 2))) cleanf(const char *fmt, ...)
{
	va_list ap;
	char *raw, *out;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) == -1)
		xnomem();
	va_end(ap);
	out = clean(raw);
	free(raw);
	return out;
}

/* The names of a list, separated by spaces. */
static char *
join(const char *const *users, size_t n)
{
	size_t i, len = 0;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(users[i]) + 1;
	s = xmalloc(len + 1);
	for (s[0] = '\0', len = 0, i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s%s", i == 0 ? "" : " ",
		    users[i]);
	return s;
}

/* A chat line: "<from> text" or "*from -> to* text"; an action shows
 * "* from text" (after "*from -> to* " when private). */
static void
view_chat(struct event_view *v, const struct msg *m, const char *me)
{
	char *to, *flat;

	v->nick = clean(m->from.s);
	if (m->type == MSG_MSG) {
		v->kind = LINE_PRIVATE;
		to = clean(m->to.s);
		v->prefix = m->action.v ?
		    xasprintf("*%s -> %s* * %s ", v->nick, to, v->nick) :
		    xasprintf("*%s -> %s* ", v->nick, to);
		free(to);
	} else {
		v->kind = strcmp(m->from.s, me) == 0 ? LINE_OWN : LINE_CHAT;
		v->prefix = m->action.v ? xasprintf("* %s ", v->nick) :
					  xasprintf("<%s> ", v->nick);
	}
	v->when = m->ts.v > 0 ? (time_t)(m->ts.v / 1000) : time(NULL);
	v->text = sanitize_dup(m->text.s, m->text.len, true);
	flat = sanitize_dup(m->text.s, m->text.len, false);
	v->plain = xasprintf("%s%s", v->prefix, flat);
	free(flat);
}

/* Builds the view of one message; me decides which says are our own. */
static void
view_build(struct event_view *v, const struct msg *m, const char *me)
{
	const char *words, *mark;
	char *names;

	memset(v, 0, sizeof *v);
	v->shown = true;
	v->when = time(NULL);
	switch (m->type) {
	case MSG_SAY:
	case MSG_MSG:
		view_chat(v, m, me);
		return;
	case MSG_LOGIN_OK:
		v->kind = LINE_INFO;
		names = join(m->users.v, m->users.n);
		v->text = cleanf("logged in as %s; %zu user%s online",
		    m->user.s, m->users.n, m->users.n == 1 ? "" : "s");
		v->plain = cleanf("%slogged in as %s; online: %s",
		    scrollback_mark(v->kind), m->user.s, names);
		free(names);
		break;
	case MSG_USERS:
		v->kind = LINE_INFO;
		names = join(m->users.v, m->users.n);
		v->text = cleanf("%zu user%s online", m->users.n,
		    m->users.n == 1 ? "" : "s");
		v->plain =
		    cleanf("%sonline: %s", scrollback_mark(v->kind), names);
		free(names);
		break;
	case MSG_PRESENCE:
		v->kind = LINE_INFO;
		v->nick = clean(m->user.s);
		v->text = cleanf("%s %s", m->user.s,
		    m->online.v ? "is online" : "went offline");
		break;
	case MSG_NOTICE:
		v->kind = LINE_NOTICE;
		v->text = sanitize_dup(m->text.s, m->text.len, false);
		break;
	case MSG_ERROR:
		/* In words: ours for the codes we know, else the server's. */
		v->kind = LINE_ERROR;
		words = m->code != MSG_CODE_NONE ? msg_code_text(m->code) :
						   m->message.s;
		v->text = clean(words);
		break;
	case MSG_BYE:
		v->kind = LINE_NOTICE;
		v->text = cleanf("the server says goodbye: %s", m->reason.s);
		/* Batch mode has always said it shorter, as a remark. */
		v->plain = cleanf("%sbye: %s", scrollback_mark(LINE_INFO),
		    m->reason.s);
		break;
	default:
		v->shown = false; /* pong: nothing to show */
		return;
	}
	mark = scrollback_mark(v->kind);
	v->prefix = xstrdup(mark);
	if (v->plain == NULL)
		v->plain = xasprintf("%s%s", mark, v->text);
}

/* Frees what a view holds. */
static void
view_free(struct event_view *v)
{
	free(v->nick);
	free(v->prefix);
	free(v->text);
	free(v->plain);
	memset(v, 0, sizeof *v);
}

/* What a message changes, done once whatever shows it. */
static void
apply(struct client *c, const struct msg *m)
{
	switch (m->type) {
	case MSG_LOGIN_OK:
		c->state = CONN_LOGGED_IN;
		c->logged_in_once = true;
		snprintf(c->me, sizeof c->me, "%s", m->user.s);
		events_set_online(c, m->users.v, m->users.n);
		ui_users_changed(c);
		break;
	case MSG_PRESENCE:
		update_online(c, m->user.s, m->online.v);
		ui_users_changed(c);
		break;
	case MSG_USERS:
		events_set_online(c, m->users.v, m->users.n);
		ui_users_changed(c);
		break;
	case MSG_PONG:
		c->pings_unanswered = 0;
		break;
	case MSG_ERROR:
		/* A refused login: back to connected, and in batch mode out. */
		if (c->state != CONN_LOGGING_IN || m->ref.s == NULL ||
		    strcmp(m->ref.s, "login") != 0)
			break;
		c->state = CONN_OPEN;
		if (m->code == MSG_CODE_AUTH_FAILED)
			net_forget_password(c);
		if (c->batch) {
			c->exit_code = 1;
			event_base_loopexit(c->base, NULL);
		}
		break;
	default:
		break;
	}
}

/* Handles one plaintext from the server. */
void
events_handle(struct client *c, const uint8_t *buf, size_t len)
{
	struct msg msg;
	struct event_view v;

	if (msg_event_parse(&msg, buf, len) != 0) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "ignored a malformed message from the server");
		msg_clear(&msg);
		return;
	}
	view_build(&v, &msg, c->me);
	apply(c, &msg);
	if (c->batch)
		batch_event(c, &msg, &v);
	else
		ui_event(c, &v);
	view_free(&v);
	msg_clear(&msg);
	if (c->batch)
		batch_pump(c);
	ui_redraw(c, false);
}
