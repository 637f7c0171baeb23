/*
 * wakeup.h: a helper thread wakes the event loop without libevent's lock.
 *
 * A thread that calls event_active() holds the base's lock while it
 * wakes the loop. On a core shared with the loop (a pinned daemon, a
 * small VM) the loop it woke preempts it right there, and then waits for
 * that lock until the helper, a low-priority thread, runs again: a
 * scheduler tick or two, 4-11 ms measured in securechatd while 19,000
 * sessions logged in. A wakeup is an eventfd the helper writes with no
 * lock held; the loop reads it and runs the callback.
 *
 *	w = wakeup_new(base, cb, arg);		loop thread
 *	wakeup_signal(w);			any thread, any number of times
 *	cb(arg) runs on the loop thread, at least once after each signal
 *	wakeup_free(w);				loop thread, helpers stopped
 */
#ifndef SC_WAKEUP_H
#define SC_WAKEUP_H

#include <event2/event.h>

struct wakeup;

/* Returns a wakeup that runs cb(arg) on base's loop, or NULL (errno). */
struct wakeup *wakeup_new(struct event_base *base, void (*cb)(void *arg),
    void *arg);

/* Makes the loop run the callback soon. Thread-safe and async-signal-safe;
 * signals before the callback runs are folded into one call. */
void wakeup_signal(struct wakeup *w);

void wakeup_free(struct wakeup *w);

#endif /* SC_WAKEUP_H */
