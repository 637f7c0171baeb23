/*
 * outq.c: say and msg lines go out through the queue (sendq.c) at the
 * server's rate, so a paste or fast typing never meets rate_limited: a
 * libevent timer sends each line when the bucket mirror allows, our own
 * echo (or an error) answers the oldest line in flight, and a line the
 * server still refused as too fast waits again at the head.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "xmalloc.h"

/* The queue, made on first use. */
static struct sendq *
queue(struct client *c)
{
	if (c->outq == NULL) {
		c->outq = xcalloc(1, sizeof *c->outq);
		sendq_init(c->outq, SC_RATE_BURST, SC_RATE_PER_SEC,
		    clock_mono_ms());
	}
	return c->outq;
}

/* The timer: the bucket holds a token again. */
static void
outq_timer(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	outq_pump(c);
	ui_redraw(c, false);
}

/* Sends what the bucket allows; plans the timer for the rest. */
void
outq_pump(struct client *c)
{
	const struct sendq_item *it;
	struct timeval tv;
	long wait;

	if (c->outq == NULL)
		return;
	while (c->state == CONN_LOGGED_IN &&
	    (it = sendq_next(c->outq, clock_mono_ms())) != NULL) {
		struct msg m = { .text = MSG_STRN(it->text, it->len) };

		if (it->action)
			m.action = MSG_BOOL(true);
		if (it->private) {
			m.type = MSG_MSG;
			m.to = MSG_STR(it->target);
		} else {
			m.type = MSG_SAY;
			if (it->target[0] != '\0')
				m.room = MSG_STR(it->target);
		}
		if (net_request(c, &m) != 0)
			return;
		sendq_sent(c->outq, clock_mono_ms());
	}
	if (c->state != CONN_LOGGED_IN || c->base == NULL)
		return;
	if ((wait = sendq_wait_ms(c->outq, clock_mono_ms())) < 0)
		return;
	if (c->outq_timer == NULL &&
	    (c->outq_timer = evtimer_new(c->base, outq_timer, c)) == NULL)
		xnomem();
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000 + 1000; /* a margin of 1 ms */
	evtimer_add(c->outq_timer, &tv);
}

/* Queues one say (room NULL or "": the lobby) or msg and sends it when
 * the rate allows. */
void
outq_line(struct client *c, bool private, const char *target, bool action,
    const char *text, size_t len)
{
	if (sendq_push(queue(c), private, target, action, text, len) != 0) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "too many lines waiting to be sent (%d): not sent",
		    SENDQ_MAX);
		return;
	}
	outq_pump(c);
}

/* Lines waiting to be sent. */
size_t
outq_waiting(const struct client *c)
{
	return c->outq != NULL ? sendq_waiting(c->outq) : 0;
}

/* A message from the server that may answer a line in flight. */
bool
outq_answer(struct client *c, const struct msg *m)
{
	if (c->outq == NULL || c->outq->n_sent == 0)
		return false;
	if ((m->type == MSG_SAY || m->type == MSG_MSG) && m->from.s != NULL &&
	    strcmp(m->from.s, c->me) == 0) {
		(void)sendq_answered(c->outq);
		return false;
	}
	if (m->type != MSG_ERROR || m->ref.s == NULL ||
	    (strcmp(m->ref.s, "say") != 0 && strcmp(m->ref.s, "msg") != 0))
		return false;
	if (m->code != MSG_CODE_RATE_LIMITED) {
		(void)sendq_answered(c->outq);
		return false;
	}
	/* Too fast after all (a clock apart): it goes again, unshown. */
	(void)sendq_refused(c->outq, clock_mono_ms());
	outq_pump(c);
	return true;
}

/* The connection ended: the lines in flight are forgotten. */
void
outq_disconnected(struct client *c)
{
	if (c->outq != NULL)
		sendq_disconnected(c->outq);
	if (c->outq_timer != NULL)
		evtimer_del(c->outq_timer);
}

/* Frees the queue and its timer. */
void
outq_free(struct client *c)
{
	if (c->outq_timer != NULL)
		event_free(c->outq_timer);
	c->outq_timer = NULL;
	if (c->outq != NULL)
		sendq_free(c->outq);
	free(c->outq);
	c->outq = NULL;
}
