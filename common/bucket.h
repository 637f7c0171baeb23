/*
 * bucket.h: a token bucket in integer arithmetic, for the server's rates
 * (say and msg tokens, what one user may be sent, the per-connection
 * request budget) and the client's mirror of them. Tokens are counted in
 * thousandths so that a rate of r per second refills r/1000 per
 * millisecond exactly; the clock is the caller's (milliseconds).
 */
#ifndef SC_BUCKET_H
#define SC_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

#define BUCKET_MILLI 1000ull /* thousandths per token */

struct bucket {
	uint64_t milli; /* tokens x BUCKET_MILLI */
	uint64_t ms;	/* when it was last refilled */
};

/* Starts b full: burst tokens at now. */
void bucket_fill(struct bucket *b, uint64_t burst, uint64_t now);

/* Adds what rate tokens a second earned since the last refill, up to
 * burst. A clock that went back earns nothing. */
void bucket_refill(struct bucket *b, uint64_t rate, uint64_t burst,
    uint64_t now);

/* True when b holds at least n tokens. */
bool bucket_has(const struct bucket *b, uint64_t n);

/* Takes n tokens if b holds them; false (and nothing taken) if not. */
bool bucket_take(struct bucket *b, uint64_t n);

/* Takes n tokens, or all there are when fewer. */
void bucket_drain(struct bucket *b, uint64_t n);

/* Milliseconds until b holds n tokens at rate tokens a second (0 when it
 * does now; n must not exceed the burst for the wait to end). */
uint64_t bucket_wait_ms(const struct bucket *b, uint64_t n, uint64_t rate);

#endif
