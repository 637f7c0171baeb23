/*
 * clock.h: the one clock. Monotonic time for timeouts, rates and stall
 * measurements; wall-clock time only for what is shown or sent (message
 * ts, log stamps).
 */
#ifndef SC_CLOCK_H
#define SC_CLOCK_H

#include <stdbool.h>
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

/*
 * Pacing for a helper thread that may share a core with an event loop
 * (the server's password checks and store): on a shared core a thread
 * that computes keeps the core until the scheduler's next tick (4 ms at
 * 250 Hz), however low its priority, and the loop waits. After
 * clock_pace_start(slice_us) on a thread, clock_pace() there gives the
 * core back (sched_yield) once slice_us of work have passed since the
 * start or the last yield: a loop that waits runs at once; otherwise the
 * yield costs about a microsecond. On a thread that never called
 * clock_pace_start (or after clock_pace_start(0)), clock_pace() does
 * nothing. Returns true when it
 * yielded. Long computations call it every few microseconds of work.
 */
void clock_pace_start(uint64_t slice_us);
bool clock_pace(void);

#endif /* SC_CLOCK_H */
