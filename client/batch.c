/*
 * batch.c: securechat without a terminal (stdin not a tty, or --batch):
 * commands and messages come from stdin line by line, every received
 * event goes to stdout as one line (sanitized text, or JSON with --json),
 * and the exit status says whether connecting and logging in worked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "client.h"

/* "HH:MM" of a server ts, or now. */
static void
hhmm(char *out, size_t len, int64_t ts)
{
	time_t t = ts > 0 ? (time_t)(ts / 1000) : time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, len, "%H:%M", &tm);
}

/* Prints "[HH:MM] body" (body already sanitized) and a newline. */
static void
print_line(int64_t ts, const char *body)
{
	char t[16];

	hhmm(t, sizeof t, ts);
	printf("[%s] %s\n", t, body);
	fflush(stdout);
}

/* A sanitized copy of a network string (NULL stays ""). */
static char *
clean(const char *s, size_t len)
{
	return sanitize_dup(s != NULL ? s : "", s != NULL ? len : 0, false);
}

/* Prints one received event. */
void
batch_event(struct client *c, const uint8_t *buf, size_t len,
    const struct msg_event *ev)
{
	char *dump, *a = NULL, *b = NULL, *t = NULL, *body;
	size_t i, n = 0, cap;

	(void)buf;
	(void)len;
	if (c->json) {
		/* Re-encoded with every non-ASCII character escaped. */
		dump = json_dumps(ev->root, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (dump != NULL) {
			puts(dump);
			fflush(stdout);
			free(dump);
		}
		return;
	}
	switch (ev->type) {
	case MSG_LOGIN_OK:
	case MSG_USERS:
		for (i = 0; i < ev->n_users; i++)
			n += strlen(ev->users[i]) + 1;
		if ((t = malloc(n + 1)) == NULL)
			abort();
		for (t[0] = '\0', n = 0, i = 0; i < ev->n_users; i++)
			n += (size_t)sprintf(t + n, "%s%s", i == 0 ? "" : " ",
			    ev->users[i]);
		b = clean(t, n);
		free(t);
		t = NULL;
		a = clean(ev->user, ev->user != NULL ? strlen(ev->user) : 0);
		break;
	case MSG_SAY:
	case MSG_MSG:
		a = clean(ev->from, strlen(ev->from));
		if (ev->to != NULL)
			b = clean(ev->to, strlen(ev->to));
		t = clean(ev->text, ev->text_len);
		break;
	case MSG_PRESENCE:
		a = clean(ev->user, strlen(ev->user));
		break;
	case MSG_NOTICE:
		t = clean(ev->text, ev->text_len);
		break;
	case MSG_ERROR:
		if (ev->code != MSG_CODE_NONE)
			t = clean(msg_code_text(ev->code),
			    strlen(msg_code_text(ev->code)));
		else
			t = clean(ev->message, strlen(ev->message));
		break;
	case MSG_BYE:
		t = clean(ev->reason, strlen(ev->reason));
		break;
	default:
		return;
	}
	cap = 64 + (a != NULL ? strlen(a) : 0) + (b != NULL ? strlen(b) : 0) +
	    (t != NULL ? strlen(t) : 0);
	if ((body = malloc(cap)) == NULL)
		abort();
	switch (ev->type) {
	case MSG_LOGIN_OK:
		snprintf(body, cap, "-- logged in as %s; online: %s", a, b);
		break;
	case MSG_USERS:
		snprintf(body, cap, "-- online: %s", b);
		break;
	case MSG_SAY:
		snprintf(body, cap, "<%s> %s", a, t);
		break;
	case MSG_MSG:
		snprintf(body, cap, "*%s -> %s* %s", a, b, t);
		break;
	case MSG_PRESENCE:
		snprintf(body, cap, "-- %s %s", a, ev->online ? "is online" :
		    "went offline");
		break;
	case MSG_NOTICE:
		snprintf(body, cap, "-!- %s", t);
		break;
	case MSG_ERROR:
		snprintf(body, cap, "!!! %s", t);
		break;
	default:
		snprintf(body, cap, "-- bye: %s", t);
		break;
	}
	print_line(ev->type == MSG_SAY || ev->type == MSG_MSG ? ev->ts : 0,
	    body);
	free(body);
	free(a);
	free(b);
	free(t);
}

/* True when a line may run now: not while connecting or logging in, so
 * a script's lines see the state its earlier lines asked for. */
static bool
ready(struct client *c)
{
	if (c->quitting)
		return false;
	if (c->want_password_line)
		return true;
	return c->state == CONN_OPEN || c->state == CONN_LOGGED_IN;
}

/* Runs one stdin line. */
static void
run_line(struct client *c, char *line, size_t len)
{
	if (c->want_password_line) {
		c->want_password_line = false;
		net_keep_credentials(c, c->user, line, len);
		net_login(c);
	} else
		commands_run(c, line, len);
	sodium_memzero(line, len);
}

/* Runs the buffered stdin lines while the state allows; at the end of
 * stdin, quits once they are all done. */
void
batch_pump(struct client *c)
{
	struct evbuffer *in;
	size_t len;
	char *line;

	if (c->in_bev == NULL)
		return;
	in = bufferevent_get_input(c->in_bev);
	while (ready(c) &&
	    (line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		run_line(c, line, len);
		free(line);
	}
	if (evbuffer_get_length(in) > EDITOR_MAX) {
		fprintf(stderr, "securechat: input line too long\n");
		evbuffer_drain(in, evbuffer_get_length(in));
	}
	if (!c->stdin_eof || !ready(c))
		return;
	/* A last line without a newline, then goodbye. */
	if ((len = evbuffer_get_length(in)) > 0) {
		if ((line = malloc(len + 1)) == NULL)
			abort();
		evbuffer_remove(in, line, len);
		line[len] = '\0';
		run_line(c, line, len);
		free(line);
	}
	if (ready(c) && !c->want_password_line)
		commands_run(c, "/quit", 5);
}

/* Lines from stdin. */
static void
stdin_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	batch_pump(arg);
}

/* End of stdin: quit politely once everything was sent. */
static void
stdin_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		c->stdin_eof = true;
		bufferevent_disable(bev, EV_READ);
		batch_pump(c);
	}
}

/* Starts reading commands from stdin. */
void
batch_start(struct client *c)
{
	c->in_bev = bufferevent_socket_new(c->base, STDIN_FILENO, 0);
	if (c->in_bev == NULL)
		abort();
	bufferevent_setcb(c->in_bev, stdin_read_cb, NULL, stdin_event_cb, c);
	bufferevent_enable(c->in_bev, EV_READ);
}
