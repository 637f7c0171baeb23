/*
 * test_sendq.c: the outgoing queue's pacing (a burst of 10 then 5 a
 * second on an injected clock), its order, lines refused as too fast
 * going back to the head, the bound, and a dropped connection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

static struct sendq q;

/* Pushes "line N" for N in [from, to). */
static void
push_lines(int from, int to)
{
	char buf[32];
	int i;

	for (i = from; i < to; i++) {
		snprintf(buf, sizeof buf, "line %d", i);
		assert_int_equal(sendq_push(&q, false, "", false, buf,
				     strlen(buf)),
		    0);
	}
}

/* Sends whatever may go at now; returns how many went and checks they
 * come in order from *next. */
static int
send_ready(uint64_t now, int *next)
{
	const struct sendq_item *it;
	char buf[32];
	int n = 0;

	while ((it = sendq_next(&q, now)) != NULL) {
		snprintf(buf, sizeof buf, "line %d", (*next)++);
		assert_string_equal(it->text, buf);
		sendq_sent(&q, now);
		n++;
	}
	return n;
}

/* 30 lines: 10 at once, then one every 200 ms; 30 in 4 s. */
static void
test_pacing(void **state)
{
	uint64_t t = 1000;
	int next = 0, sent;

	(void)state;
	sendq_init(&q, SC_RATE_BURST, SC_RATE_PER_SEC, t);
	assert_int_equal(sendq_wait_ms(&q, t), -1);
	push_lines(0, 30);
	assert_int_equal(sendq_waiting(&q), 30);
	assert_int_equal(send_ready(t, &next), 10);
	assert_int_equal(sendq_waiting(&q), 20);
	assert_int_equal(sendq_wait_ms(&q, t), 200);
	assert_int_equal(send_ready(t + 199, &next), 0);
	assert_int_equal(sendq_wait_ms(&q, t + 199), 1);
	assert_int_equal(send_ready(t + 200, &next), 1);
	sent = 11;
	for (t = 1200; sent < 30; t += 200)
		sent += send_ready(t + 200, &next);
	assert_int_equal(next, 30);
	assert_true(t <= 1000 + 4200);
	assert_int_equal(sendq_waiting(&q), 0);
	assert_int_equal(sendq_wait_ms(&q, t), -1);
	while (sendq_answered(&q))
		;
	assert_int_equal(q.count, 0);
	sendq_free(&q);
}

/* The bucket refills to the burst, never beyond. */
static void
test_refill_cap(void **state)
{
	int next = 0;

	(void)state;
	sendq_init(&q, SC_RATE_BURST, SC_RATE_PER_SEC, 0);
	push_lines(0, 10);
	assert_int_equal(send_ready(0, &next), 10);
	push_lines(10, 40);
	/* An hour later: still only a burst. */
	assert_int_equal(send_ready(3600 * 1000, &next), 10);
	assert_int_equal(sendq_waiting(&q), 20);
	sendq_free(&q);
	assert_int_equal(q.count, 0);
}

/* rate_limited: the oldest line in flight goes back to the head of the
 * waiting ones, before lines not yet sent; the bucket empties. */
static void
test_refused(void **state)
{
	const struct sendq_item *it;
	int next = 0;

	(void)state;
	sendq_init(&q, 3, 5, 0);
	push_lines(0, 5);
	assert_int_equal(send_ready(0, &next), 3); /* 0 1 2 in flight */
	assert_true(sendq_answered(&q));	   /* 0 shown */
	assert_true(sendq_refused(&q, 10));	   /* 1 refused */
	assert_int_equal(q.n_sent, 1);		   /* 2 still in flight */
	assert_int_equal(sendq_waiting(&q), 3);	   /* 1 3 4 */
	assert_null(sendq_next(&q, 10));
	assert_int_equal(sendq_wait_ms(&q, 10), 200);
	it = sendq_next(&q, 210);
	assert_non_null(it);
	assert_string_equal(it->text, "line 1");
	sendq_sent(&q, 210);
	assert_true(sendq_answered(&q)); /* 2 */
	assert_true(sendq_answered(&q)); /* 1 */
	assert_false(sendq_refused(&q, 300));
	assert_false(sendq_answered(&q));
	next = 3;
	assert_int_equal(send_ready(1000, &next), 2);
	sendq_free(&q);
}

/* A full queue refuses; a target too long is refused; the item keeps
 * its kind, target and action. */
static void
test_bounds(void **state)
{
	const struct sendq_item *it;
	char longname[BUFFER_NAME_MAX + 2];
	size_t i;

	(void)state;
	sendq_init(&q, SC_RATE_BURST, SC_RATE_PER_SEC, 0);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(sendq_push(&q, true, longname, false, "x", 1),
	    SC_ERR_INVALID);
	assert_int_equal(sendq_push(&q, true, "bob", true, "hi\nthere", 8), 0);
	it = sendq_next(&q, 0);
	assert_non_null(it);
	assert_true(it->private);
	assert_true(it->action);
	assert_string_equal(it->target, "bob");
	assert_int_equal(it->len, 8);
	assert_memory_equal(it->text, "hi\nthere", 8);
	for (i = 1; i < SENDQ_MAX; i++)
		assert_int_equal(sendq_push(&q, false, NULL, false, "y", 1), 0);
	assert_int_equal(sendq_push(&q, false, NULL, false, "z", 1),
	    SC_ERR_TOO_LONG);
	sendq_free(&q);
}

/* A dropped connection forgets the lines in flight, keeps the rest. */
static void
test_disconnected(void **state)
{
	int next = 0;

	(void)state;
	sendq_init(&q, 2, 5, 0);
	push_lines(0, 4);
	assert_int_equal(send_ready(0, &next), 2);
	sendq_disconnected(&q);
	assert_int_equal(q.n_sent, 0);
	assert_int_equal(sendq_waiting(&q), 2);
	assert_int_equal(send_ready(1000, &next), 2);
	sendq_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pacing),
		cmocka_unit_test(test_refill_cap),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_disconnected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
