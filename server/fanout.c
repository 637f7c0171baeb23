/*
 * fanout.c: one message to many sessions, within the loop pass's budget.
 *
 * A say to a room of 20,000 is 20,000 encryptions: several milliseconds
 * that no per-frame limit can cut, since it is one frame. So a fan-out
 * sends while the pass is young (SERVER_PASS_WORK_US) and holds the rest:
 * the message, copied, and the sessions still to get it, each referenced
 * so that none is freed meanwhile. Held fan-outs wait in order in one
 * queue, resumed first at every pass (session_pass_timer), and while one
 * waits no session handles a new frame and every new fan-out is held
 * behind it whole. So every recipient still gets the messages in the
 * order the server accepted them, and a pass holds at most its budget of
 * fan-out work, however large the room.
 *
 * A recipient that dies meanwhile is skipped; one that joins meanwhile
 * does not get what was sent before it joined, as before.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "xmalloc.h"

/* Recipients between two looks at the clock. */
#define FANOUT_CHECK_EVERY 32

struct fanout_held {
	TAILQ_ENTRY(fanout_held) entry;
	void *pt;
	size_t len;
	struct session **to; /* each holds a reference */
	size_t n, next, cap;
};

/* True when the pass has no room for more fan-out work now; looks at
 * the clock every FANOUT_CHECK_EVERY calls. */
static bool
out_of_budget(struct fanout *f)
{
	if (f->over)
		return true;
	if (f->count++ % FANOUT_CHECK_EVERY != 0)
		return false;
	session_pass_work(f->srv);
	if (session_pass_older(f->srv, SERVER_PASS_WORK_US))
		f->over = true;
	return f->over;
}

void
fanout_begin(struct fanout *f, struct server *srv, const void *pt, size_t len)
{
	f->srv = srv;
	f->pt = pt;
	f->len = len;
	f->held = NULL;
	f->count = 0;
	/* Behind a held fan-out, everything is held: order is kept. */
	f->over = !TAILQ_EMPTY(&srv->fanouts);
}

void
fanout_add(struct fanout *f, struct session *s)
{
	struct fanout_held *h = f->held;

	if (s->dead || s->state == SESSION_CLOSING)
		return;
	if (!out_of_budget(f)) {
		(void)session_send(s, f->pt, f->len);
		return;
	}
	if (h == NULL) {
		h = f->held = xcalloc(1, sizeof *h);
		h->pt = xmalloc(f->len);
		memcpy(h->pt, f->pt, f->len);
		h->len = f->len;
	}
	if (h->n == h->cap) {
		h->cap = h->cap == 0 ? 64 : h->cap * 2;
		h->to = xreallocarray(h->to, h->cap, sizeof *h->to);
	}
	s->refs++;
	h->to[h->n++] = s;
}

void
fanout_end(struct fanout *f)
{
	if (f->held == NULL)
		return;
	TAILQ_INSERT_TAIL(&f->srv->fanouts, f->held, entry);
	f->srv->fanouts_held++;
	f->held = NULL;
	session_pass_work(f->srv); /* the pass timer resumes it */
}

/* Frees a held fan-out, dropping the references it still holds. */
static void
held_free(struct fanout_held *h)
{
	while (h->next < h->n)
		session_unref(h->to[h->next++]);
	free(h->to);
	free(h->pt);
	free(h);
}

bool
fanout_busy(const struct server *srv)
{
	return !TAILQ_EMPTY(&srv->fanouts);
}

void
fanout_resume(struct server *srv)
{
	struct fanout_held *h;
	struct session *s;
	unsigned count = 0;

	while ((h = TAILQ_FIRST(&srv->fanouts)) != NULL) {
		while (h->next < h->n) {
			if (count++ % FANOUT_CHECK_EVERY == 0 &&
			    session_pass_older(srv, SERVER_PASS_WORK_US))
				return;
			s = h->to[h->next++];
			if (!s->dead && s->state != SESSION_CLOSING)
				(void)session_send(s, h->pt, h->len);
			session_unref(s);
		}
		TAILQ_REMOVE(&srv->fanouts, h, entry);
		held_free(h);
	}
}

void
fanout_free_all(struct server *srv)
{
	struct fanout_held *h;

	while ((h = TAILQ_FIRST(&srv->fanouts)) != NULL) {
		TAILQ_REMOVE(&srv->fanouts, h, entry);
		held_free(h);
	}
}
