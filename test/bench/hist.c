/*
 * hist.c: a log-linear latency histogram in microseconds, in the manner of
 * HdrHistogram: values below 2^(SUB_BITS+1) us have a bucket each; above,
 * every power of two is split into 2^SUB_BITS buckets, so a quantile is
 * within 0.1% of the true value. Fixed size, no allocation per value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SUB_BITS     10
#define SUB_COUNT    (1u << SUB_BITS) /* 1024 */
#define LINEAR_LIMIT (2u * SUB_COUNT) /* 2048 us */
#define MAX_SHIFT    (64 - SUB_BITS - 1)
#define BUCKETS	     (LINEAR_LIMIT + MAX_SHIFT * SUB_COUNT)

/* The bucket of v. */
static size_t
bucket_of(uint64_t v)
{
	unsigned msb, shift;

	if (v < LINEAR_LIMIT)
		return (size_t)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	shift = msb - SUB_BITS; /* >= 1 */
	return LINEAR_LIMIT + (size_t)(shift - 1) * SUB_COUNT +
	    (size_t)((v >> shift) - SUB_COUNT);
}

/* The largest value that falls into bucket i. */
static uint64_t
bucket_top(size_t i)
{
	unsigned shift;
	uint64_t base;

	if (i < LINEAR_LIMIT)
		return i;
	shift = (unsigned)((i - LINEAR_LIMIT) / SUB_COUNT) + 1;
	base = (uint64_t)((i - LINEAR_LIMIT) % SUB_COUNT) + SUB_COUNT;
	return ((base + 1) << shift) - 1;
}

/* Allocates the buckets. */
void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
	if ((h->counts = calloc(BUCKETS, sizeof *h->counts)) == NULL) {
		bench_warn("out of memory");
		abort();
	}
}

/* Frees the buckets. */
void
hist_free(struct hist *h)
{
	free(h->counts);
	memset(h, 0, sizeof *h);
}

/* Records one value. */
void
hist_add(struct hist *h, uint64_t us)
{
	h->counts[bucket_of(us)]++;
	h->n++;
	h->sum += us;
	if (us > h->max)
		h->max = us;
}

/* Adds src into dst. */
void
hist_merge(struct hist *dst, const struct hist *src)
{
	size_t i;

	for (i = 0; i < BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->n += src->n;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}

/* The value at quantile q. */
uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t want, seen = 0, top;
	size_t i;

	if (h->n == 0)
		return 0;
	want = (uint64_t)(q * (double)h->n + 0.999999);
	if (want < 1)
		want = 1;
	if (want > h->n)
		want = h->n;
	for (i = 0; i < BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= want) {
			top = bucket_top(i);
			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

/* Reports the usual quantiles under prefix. */
void
hist_report(const struct hist *h, const char *prefix)
{
	static const struct {
		const char *name;
		double q;
	} qs[] = {
		{ "p50_us", 0.50 },
		{ "p90_us", 0.90 },
		{ "p99_us", 0.99 },
		{ "p99_9_us", 0.999 },
	};
	char key[128];
	size_t i;

	snprintf(key, sizeof key, "%s_samples", prefix);
	report_uint(key, h->n);
	if (h->n == 0)
		return;
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		snprintf(key, sizeof key, "%s_%s", prefix, qs[i].name);
		report_uint(key, hist_quantile(h, qs[i].q));
	}
	snprintf(key, sizeof key, "%s_max_us", prefix);
	report_uint(key, h->max);
	snprintf(key, sizeof key, "%s_mean_us", prefix);
	report_num(key, (double)h->sum / (double)h->n);
}
