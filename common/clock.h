/*
 * clock.h: the one clock. Monotonic time for timeouts, rates and stall
 * measurements; wall-clock time only for what is shown or sent (message
 * ts, log stamps).
 */
#ifndef SC_CLOCK_H
#define SC_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
uint64_t clock_now_ms(void);

/* Monotonic milliseconds, microseconds and nanoseconds (CLOCK_MONOTONIC;
 * an arbitrary origin, never goes back). */
uint64_t clock_mono_ms(void);
uint64_t clock_mono_us(void);
uint64_t clock_mono_ns(void);

/* Monotonic seconds as a double (for benchmarks and tests). */
double clock_mono_s(void);

#endif /* SC_CLOCK_H */
