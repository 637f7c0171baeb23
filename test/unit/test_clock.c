/*
 * test_clock.c: unit tests for common/clock.c: the monotonic clock never
 * goes back in any unit, the units agree with each other, the wall clock
 * agrees with time(), and a sleep is measured about right.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"

#define READS	       200000 /* reads per monotonicity check */
#define AGREE_ROUNDS   1000
#define SLEEP_MS       20
#define PACE_SLICE_US  100000 /* long: a loaded machine may preempt */
#define SLEEP_SLACK_MS 5000   /* a loaded machine may oversleep */

/* One monotonic reading and what one of its units is in nanoseconds. */
struct unit {
	const char *name;
	uint64_t (*read)(void);
	uint64_t ns;
};

static const struct unit units[] = {
	{ "ns", clock_mono_ns, 1 },
	{ "us", clock_mono_us, 1000 },
	{ "ms", clock_mono_ms, 1000000 },
};

/* Each unit, read many times in a row, never goes back. */
static void
test_monotonic(void **state)
{
	uint64_t prev, now;
	size_t u, i;

	(void)state;
	for (u = 0; u < sizeof units / sizeof units[0]; u++) {
		prev = units[u].read();
		for (i = 0; i < READS; i++) {
			now = units[u].read();
			if (now < prev)
				fail_msg("mono %s went back: %llu after %llu",
				    units[u].name, (unsigned long long)now,
				    (unsigned long long)prev);
			prev = now;
		}
	}
}

/* A reading in any unit lies between nanosecond readings around it. */
static void
test_units_agree(void **state)
{
	uint64_t before, v, after;
	double s;
	size_t u, i;

	(void)state;
	for (i = 0; i < AGREE_ROUNDS; i++) {
		for (u = 0; u < sizeof units / sizeof units[0]; u++) {
			before = clock_mono_ns();
			v = units[u].read();
			after = clock_mono_ns();
			if (v < before / units[u].ns || v > after / units[u].ns)
				fail_msg("mono %s %llu outside [%llu, %llu] ns",
				    units[u].name, (unsigned long long)v,
				    (unsigned long long)before,
				    (unsigned long long)after);
		}
		before = clock_mono_ns();
		s = clock_mono_s();
		after = clock_mono_ns();
		/* A double holds about 0.1 us at today's uptimes. */
		assert_true(s >= (double)before / 1e9 - 1e-6);
		assert_true(s <= (double)after / 1e9 + 1e-6);
	}
}

/* The wall clock in milliseconds agrees with time(). */
static void
test_now_ms(void **state)
{
	uint64_t ms;
	time_t t0, t1;

	(void)state;
	t0 = time(NULL);
	ms = clock_now_ms();
	t1 = time(NULL);
	assert_true(ms >= (uint64_t)t0 * 1000);
	assert_true(ms < ((uint64_t)t1 + 1) * 1000);
}

/* A short sleep is seen by the monotonic clock, about right. */
static void
test_sleep(void **state)
{
	uint64_t t0, t1;

	(void)state;
	t0 = clock_mono_ms();
	usleep(SLEEP_MS * 1000);
	t1 = clock_mono_ms();
	assert_true(t1 - t0 >= SLEEP_MS - 1);
	assert_true(t1 - t0 < SLEEP_SLACK_MS);
}

/* Runs the tests. */
/* Busy-waits for us microseconds. */
static void
spin_us(uint64_t us)
{
	uint64_t t0 = clock_mono_us();

	while (clock_mono_us() - t0 < us)
		;
}

/* clock_pace yields only on a paced thread whose slice is spent, then
 * starts a new slice; clock_pace_start(0) stops it. */
static void
test_pace(void **state)
{
	(void)state;
	spin_us(PACE_SLICE_US / 10);
	assert_false(clock_pace()); /* this thread is not paced */
	clock_pace_start(PACE_SLICE_US);
	assert_false(clock_pace()); /* its slice has just begun */
	spin_us(PACE_SLICE_US + PACE_SLICE_US / 10);
	assert_true(clock_pace());  /* spent: yielded */
	assert_false(clock_pace()); /* a new slice began */
	spin_us(PACE_SLICE_US + PACE_SLICE_US / 10);
	clock_pace_start(0);
	assert_false(clock_pace()); /* no longer paced */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_units_agree),
		cmocka_unit_test(test_now_ms),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_pace),
	};

	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
