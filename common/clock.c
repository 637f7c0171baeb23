/* clock.c: wall-clock and monotonic time in the units the code uses. */
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
