/*
 * test_bucket.c: common/bucket.c, the token bucket: full at the start,
 * refilled at the rate up to the burst, exact in thousandths, never
 * overflowing, and the wait it predicts is the wait it takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bucket.h"

/* Full at the start; takes what it has, nothing more. */
static void
test_fill_take(void **state)
{
	struct bucket b;

	(void)state;
	bucket_fill(&b, 10, 1000);
	assert_true(bucket_has(&b, 10));
	assert_false(bucket_has(&b, 11));
	assert_false(bucket_take(&b, 11));
	assert_true(bucket_take(&b, 4));
	assert_true(bucket_take(&b, 6));
	assert_false(bucket_take(&b, 1));
	bucket_drain(&b, 5); /* nothing left: stays empty */
	assert_false(bucket_has(&b, 1));
	assert_true(bucket_has(&b, 0));
}

/* 3 a second: one token after 334 ms, not after 333; never above burst. */
static void
test_refill(void **state)
{
	struct bucket b;

	(void)state;
	bucket_fill(&b, 5, 0);
	assert_true(bucket_take(&b, 5));
	bucket_refill(&b, 3, 5, 333);
	assert_false(bucket_has(&b, 1)); /* 999 thousandths */
	bucket_refill(&b, 3, 5, 334);
	assert_true(bucket_has(&b, 1));
	bucket_refill(&b, 3, 5, 100000);
	assert_true(bucket_has(&b, 5));
	assert_false(bucket_has(&b, 6));
	/* A clock going back earns nothing and loses nothing. */
	assert_true(bucket_take(&b, 2));
	bucket_refill(&b, 3, 5, 50);
	assert_true(bucket_has(&b, 3));
	assert_false(bucket_has(&b, 4));
	/* A smaller burst than before cuts what is held. */
	bucket_refill(&b, 3, 1, 100001);
	assert_false(bucket_has(&b, 2));
}

/* Huge rates and gaps do not wrap around. */
static void
test_no_overflow(void **state)
{
	struct bucket b;

	(void)state;
	bucket_fill(&b, 100, 0);
	assert_true(bucket_take(&b, 100));
	bucket_refill(&b, UINT64_MAX / 1000, 100, UINT64_MAX / 2);
	assert_true(bucket_has(&b, 100));
	assert_false(bucket_has(&b, 101));
	/* Rate 0: never refills, and waits forever. */
	assert_true(bucket_take(&b, 100));
	bucket_refill(&b, 0, 100, UINT64_MAX);
	assert_false(bucket_has(&b, 1));
	assert_int_equal(bucket_wait_ms(&b, 1, 0), UINT64_MAX);
}

/* The predicted wait is exactly enough, and one ms less is not. */
static void
test_wait(void **state)
{
	struct bucket b;
	uint64_t w, rate;

	(void)state;
	for (rate = 1; rate < 5000; rate = rate * 3 + 1) {
		bucket_fill(&b, 1000, 0);
		assert_true(bucket_take(&b, 1000));
		assert_int_equal(bucket_wait_ms(&b, 0, rate), 0);
		w = bucket_wait_ms(&b, 7, rate);
		assert_true(w > 0);
		bucket_refill(&b, rate, 1000, w - 1);
		assert_false(bucket_has(&b, 7));
		bucket_refill(&b, rate, 1000, w);
		assert_true(bucket_has(&b, 7));
		assert_int_equal(bucket_wait_ms(&b, 7, rate), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fill_take),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_no_overflow),
		cmocka_unit_test(test_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
