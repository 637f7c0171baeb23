/*
 * test_wakeup.c: unit tests for common/wakeup.c: signals before the loop
 * runs fold into one callback, on the loop's thread; a signal from
 * another thread wakes a loop blocked in epoll; a signal from inside the
 * callback runs it again; and many threads signalling at once lose no
 * wakeup. libevent's thread support is deliberately not enabled: a
 * wakeup must not need libevent's lock.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "wakeup.h"

#define THREADS	       4
#define SIGNALS	       20000 /* per thread */
#define WAIT_MS	       20000 /* for the busy test's callbacks */
#define LATE_SIGNAL_MS 20

struct counter {
	struct wakeup *w;
	pthread_t loop_thread;
	unsigned calls;
	bool wrong_thread;
	unsigned resignal; /* signal again from the callback this often */
	atomic_uint produced;
	unsigned seen; /* produced, as the last callback saw it */
};

static void
count_cb(void *arg)
{
	struct counter *c = arg;

	c->calls++;
	if (!pthread_equal(pthread_self(), c->loop_thread))
		c->wrong_thread = true;
	c->seen = atomic_load(&c->produced);
	if (c->resignal > 0) {
		c->resignal--;
		wakeup_signal(c->w);
	}
}

static struct event_base *
new_base(struct counter *c)
{
	struct event_base *base = event_base_new();

	assert_non_null(base);
	c->loop_thread = pthread_self();
	c->w = wakeup_new(base, count_cb, c);
	assert_non_null(c->w);
	return base;
}

/* Three signals before the loop runs: one callback; then none. */
static void
test_fold(void **state)
{
	struct counter c = { 0 };
	struct event_base *base = new_base(&c);

	(void)state;
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(c.calls, 0);
	wakeup_signal(c.w);
	wakeup_signal(c.w);
	wakeup_signal(c.w);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(c.calls, 1);
	assert_false(c.wrong_thread);
	wakeup_free(c.w);
	event_base_free(base);
}

/* A signal from inside the callback runs it once more. */
static void
test_resignal(void **state)
{
	struct counter c = { 0 };
	struct event_base *base = new_base(&c);

	(void)state;
	c.resignal = 1;
	wakeup_signal(c.w);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(c.calls, 2);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 0);
	assert_int_equal(c.calls, 2);
	wakeup_free(c.w);
	event_base_free(base);
}

static void *
late_signal(void *arg)
{
	struct counter *c = arg;

	usleep(LATE_SIGNAL_MS * 1000);
	atomic_fetch_add(&c->produced, 1);
	wakeup_signal(c->w);
	return NULL;
}

/* A loop blocked waiting (no timeout, nothing else to wait for) wakes
 * for a signal from another thread and runs the callback on its own. */
static void
test_wakes_blocked_loop(void **state)
{
	struct counter c = { 0 };
	struct event_base *base = new_base(&c);
	pthread_t t;
	uint64_t t0 = clock_mono_ms();

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, late_signal, &c), 0);
	assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.seen, 1);
	assert_false(c.wrong_thread);
	assert_true(clock_mono_ms() - t0 >= LATE_SIGNAL_MS - 1);
	wakeup_free(c.w);
	event_base_free(base);
}

static void *
busy_signals(void *arg)
{
	struct counter *c = arg;

	for (unsigned i = 0; i < SIGNALS; i++) {
		atomic_fetch_add(&c->produced, 1);
		wakeup_signal(c->w);
	}
	return NULL;
}

/* Threads producing and signalling while the loop runs: the loop's
 * last callback sees everything produced (no wakeup lost), and folding
 * makes far fewer callbacks than signals. */
static void
test_busy(void **state)
{
	struct counter c = { 0 };
	struct event_base *base = new_base(&c);
	pthread_t t[THREADS];
	uint64_t deadline = clock_mono_ms() + WAIT_MS;
	size_t i;

	(void)state;
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, busy_signals, &c),
		    0);
	while (c.seen < THREADS * SIGNALS && clock_mono_ms() < deadline)
		assert_int_equal(event_base_loop(base, EVLOOP_ONCE), 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(c.seen, THREADS * SIGNALS);
	assert_true(c.calls >= 1 && c.calls <= THREADS * SIGNALS);
	assert_false(c.wrong_thread);
	print_message("%u signals, %u callbacks\n", THREADS * SIGNALS, c.calls);
	wakeup_free(c.w);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_resignal),
		cmocka_unit_test(test_wakes_blocked_loop),
		cmocka_unit_test(test_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
