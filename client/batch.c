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
#include "xmalloc.h"

/* Prints a remark of the client on stderr. */
void
batch_remark(const char *text)
{
	fprintf(stderr, "%s: %s\n", CLIENT_NAME, text);
}

/* With --json: one received message, re-encoded with every non-ASCII
 * character escaped. */
void
batch_json(struct client *c, const struct msg *msg)
{
	char *dump;

	(void)c;
	dump = json_dumps(msg->root, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (dump != NULL) {
		puts(dump);
		fflush(stdout);
		free(dump);
	}
}

/* Prints one received event: "[HH:MM] plain" (not with --json, which
 * printed the message already); what is not chat is remarked on stderr
 * too, as local remarks are. */
void
batch_event(struct client *c, const struct event_view *v)
{
	char ts[EVENT_STAMP_SIZE];

	if (!c->json && v->shown) {
		events_stamp(ts, v->when);
		printf("%s%s\n", ts, v->plain);
		fflush(stdout);
	}
	if (!v->shown ||
	    (v->kind != LINE_INFO && v->kind != LINE_NOTICE &&
		v->kind != LINE_ERROR))
		return;
	/* A remark is one line: a list the log shows on several lines
	 * (rooms, whois) is remarked as its plain line, without the mark. */
	if (strchr(v->text, '\n') != NULL)
		batch_remark(v->plain + strlen(scrollback_mark(v->kind)));
	else
		batch_remark(v->text);
}

/* True when a line may run now: not while connecting, logging in,
 * joining or leaving a room, so a script's lines see the state (and the current
 * buffer) its earlier lines asked for, nor while lines wait for the
 * rate (outq.c). */
static bool
ready(struct client *c)
{
	if (c->quitting)
		return false;
	if (c->want_password_line)
		return true;
	if (c->join_pending[0] != '\0' || c->part_pending[0] != '\0' ||
	    c->parts.open || outq_waiting(c) > 0)
		return false;
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
		cmd_run(c, line, len);
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
		line = xmalloc(len + 1);
		evbuffer_remove(in, line, len);
		line[len] = '\0';
		run_line(c, line, len);
		free(line);
	}
	if (ready(c) && !c->want_password_line)
		cmd_run_entry(c, &cmd_quit_entry, "", 0);
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
		xnomem();
	bufferevent_setcb(c->in_bev, stdin_read_cb, NULL, stdin_event_cb, c);
	bufferevent_enable(c->in_bev, EV_READ);
}
