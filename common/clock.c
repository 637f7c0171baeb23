/* clock.c: wall-clock and monotonic time in the units the code uses. */
#include <sched.h>
#include <time.h>

#include "clock.h"

/* Reads clock id as nanoseconds. */
static uint64_t
read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Milliseconds since the Unix epoch. */
uint64_t
clock_now_ms(void)
{
	return read_ns(CLOCK_REALTIME) / 1000000u;
}

/* Monotonic milliseconds. */
uint64_t
clock_mono_ms(void)
{
	return read_ns(CLOCK_MONOTONIC) / 1000000u;
}

/* Monotonic microseconds. */
uint64_t
clock_mono_us(void)
{
	return read_ns(CLOCK_MONOTONIC) / 1000u;
}

/* Monotonic nanoseconds. */
uint64_t
clock_mono_ns(void)
{
	return read_ns(CLOCK_MONOTONIC);
}

/* Monotonic seconds. */
double
clock_mono_s(void)
{
	return (double)read_ns(CLOCK_MONOTONIC) / 1e9;
}

/* This thread's pacing: its slice (0: not paced) and when the current
 * stretch of work began. */
static _Thread_local uint64_t pace_slice_us;
static _Thread_local uint64_t pace_since_us;

/* Paces this thread from now on, in slices of slice_us. */
void
clock_pace_start(uint64_t slice_us)
{
	pace_slice_us = slice_us;
	pace_since_us = clock_mono_us();
}

/* Yields the core when this thread's slice is spent. */
bool
clock_pace(void)
{
	uint64_t now;

	if (pace_slice_us == 0)
		return false;
	now = clock_mono_us();
	if (now - pace_since_us < pace_slice_us)
		return false;
	(void)sched_yield();
	pace_since_us = clock_mono_us();
	return true;
}
