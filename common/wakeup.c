/* wakeup.c: an eventfd that helper threads write to wake the loop. */
#include <sys/eventfd.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "wakeup.h"

struct wakeup {
	int fd;
	struct event *ev;
	atomic_bool pending; /* written, the callback not yet begun */
	void (*cb)(void *);
	void *arg;
};

/*
 * Loop thread: the eventfd is readable. It is emptied first, then pending
 * cleared, then the callback looks at its queues: a signal whose exchange
 * came before the clear is seen by this callback; one after it writes
 * again. (Clearing first would lose wakeups: a write between the clear
 * and the read is drained while pending stays set, and every later
 * signal would skip its write.)
 */
static void
wakeup_cb(evutil_socket_t fd, short what, void *arg)
{
	struct wakeup *w = arg;
	uint64_t n;

	(void)what;
	while (read(fd, &n, sizeof n) < 0 && errno == EINTR)
		;
	atomic_store(&w->pending, false);
	w->cb(w->arg);
}

struct wakeup *
wakeup_new(struct event_base *base, void (*cb)(void *arg), void *arg)
{
	struct wakeup *w = calloc(1, sizeof *w);
	int saved;

	if (w == NULL)
		return NULL;
	w->cb = cb;
	w->arg = arg;
	atomic_init(&w->pending, false);
	if ((w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		free(w);
		return NULL;
	}
	w->ev = event_new(base, w->fd, EV_READ | EV_PERSIST, wakeup_cb, w);
	if (w->ev == NULL || event_add(w->ev, NULL) != 0) {
		saved = errno != 0 ? errno : ENOMEM;
		if (w->ev != NULL)
			event_free(w->ev);
		close(w->fd);
		free(w);
		errno = saved;
		return NULL;
	}
	return w;
}

void
wakeup_signal(struct wakeup *w)
{
	uint64_t one = 1;

	if (atomic_exchange(&w->pending, true))
		return; /* the loop has yet to run the callback */
	/* Cannot fail but for EINTR: the counter cannot reach its maximum
	 * with one write per callback. */
	while (write(w->fd, &one, sizeof one) < 0 && errno == EINTR)
		;
}

void
wakeup_free(struct wakeup *w)
{
	if (w == NULL)
		return;
	event_free(w->ev);
	close(w->fd);
	free(w);
}
