/*
 * bucket.c: the token bucket (see bucket.h).
 */
#include "bucket.h"

void
bucket_fill(struct bucket *b, uint64_t burst, uint64_t now)
{
	b->milli = burst * BUCKET_MILLI;
	b->ms = now;
}

void
bucket_refill(struct bucket *b, uint64_t rate, uint64_t burst, uint64_t now)
{
	uint64_t max = burst * BUCKET_MILLI, dt;

	if (b->milli > max)
		b->milli = max;
	if (now <= b->ms)
		return;
	dt = now - b->ms;
	b->ms = now;
	if (rate > 0 && dt >= (max - b->milli) / rate + 1)
		b->milli = max; /* full (and no overflow of dt * rate) */
	else if (rate > 0)
		b->milli += dt * rate;
	if (b->milli > max)
		b->milli = max;
}

bool
bucket_has(const struct bucket *b, uint64_t n)
{
	return b->milli >= n * BUCKET_MILLI;
}

bool
bucket_take(struct bucket *b, uint64_t n)
{
	if (!bucket_has(b, n))
		return false;
	b->milli -= n * BUCKET_MILLI;
	return true;
}

void
bucket_drain(struct bucket *b, uint64_t n)
{
	b->milli =
	    b->milli >= n * BUCKET_MILLI ? b->milli - n * BUCKET_MILLI : 0;
}

uint64_t
bucket_wait_ms(const struct bucket *b, uint64_t n, uint64_t rate)
{
	uint64_t need = n * BUCKET_MILLI;

	if (b->milli >= need)
		return 0;
	if (rate == 0)
		return UINT64_MAX;
	return (need - b->milli + rate - 1) / rate;
}
