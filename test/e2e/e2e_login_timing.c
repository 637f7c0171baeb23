/*
 * e2e_login_timing.c: PROTOCOL.md section 3's timing sentence against the
 * real securechatd: auth_failed for an unknown user takes the time of a
 * wrong password, for a users file hashed at 1,000 iterations and for one
 * at 600,000 (the unknown name is checked at the file's median cost).
 *
 * A timing test (ctest label "timing"): on one connection, interleaved
 * unknown-user and wrong-password logins, each timed from send to the
 * error; the medians must be within TIMING_TOLERANCE of each other.
 * Medians over interleaved samples resist the noise of a shared machine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

#define TIMING_TOLERANCE 0.20 /* medians within 20% */
#define CHEAP_ITERATIONS 1000
#define CHEAP_SAMPLES	 101 /* of each kind: about 1 ms each */
#define DEAR_ITERATIONS	 600000
#define DEAR_SAMPLES	 21 /* of each kind: 0.1-0.5 s each */

static const char *const timing_users[] = { "alice", "bob", "carol", NULL };

/* Orders doubles (qsort). */
static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, by_value);
	return v[n / 2];
}

/* Sends one failing login as user and returns the ms until auth_failed. */
static double
time_failure(struct tclient *c, const char *user)
{
	char buf[256];
	uint64_t t0;

	snprintf(buf, sizeof buf,
	    "{\"type\":\"login\",\"user\":\"%s\",\"password\":\"wrong "
	    "password\"}",
	    user);
	t0 = clock_mono_ns();
	tclient_send(c, buf);
	tclient_expect_error(c, "auth_failed", "login");
	return (double)(clock_mono_ns() - t0) / 1e6;
}

/* Starts a server whose users are hashed at iterations, then measures
 * samples interleaved pairs and compares the medians. */
static void
measure(unsigned iterations, size_t samples)
{
	struct tserver ts;
	struct tclient *c;
	double *unknown, *wrong, mu, mw, diff;
	size_t i;

	/* Many failures from one address and one connection are the
	 * point here: the throttles stay out of the way. */
	tserver_prepare(&ts, timing_users);
	tserver_write_users(ts.users, timing_users, HARNESS_PASSWORD,
	    iterations);
	tserver_write_config(&ts, "127.0.0.1", testlib_free_port(AF_INET),
	    "\"max_login_failures\":1000,\"ip_fail_limit\":10000000,"
	    "\"workers\":1");
	tserver_launch(&ts);
	unknown = calloc(samples, sizeof *unknown);
	wrong = calloc(samples, sizeof *wrong);
	assert_non_null(unknown);
	assert_non_null(wrong);

	c = tclient_connect(ts.port);
	(void)time_failure(c, "ghost"); /* warm up both paths */
	(void)time_failure(c, "bob");
	for (i = 0; i < samples; i++) {
		/* Interleaved, the order alternating, so drift hits both. */
		if (i % 2 == 0) {
			unknown[i] = time_failure(c, "ghost");
			wrong[i] = time_failure(c, "bob");
		} else {
			wrong[i] = time_failure(c, "alice");
			unknown[i] = time_failure(c, "nobody");
		}
	}
	mu = median(unknown, samples);
	mw = median(wrong, samples);
	diff = mu > mw ? mu - mw : mw - mu;
	print_message("%u iterations: unknown user %.3f ms, wrong password "
		      "%.3f ms (median of %zu each), difference %.1f%%\n",
	    iterations, mu, mw, samples, 100 * diff / (mu > mw ? mu : mw));
	assert_true(diff <= TIMING_TOLERANCE * (mu > mw ? mu : mw));
	assert_true(tserver_log_has(&ts, "median cost"));

	tclient_free(c);
	free(unknown);
	free(wrong);
	assert_int_equal(tserver_stop(&ts), 0);
}

/* A file of cheap hashes: an unknown name must not cost 600,000. */
static void
test_timing_1000(void **state)
{
	(void)state;
	measure(CHEAP_ITERATIONS, CHEAP_SAMPLES);
}

/* A file of default-cost hashes. */
static void
test_timing_600000(void **state)
{
	(void)state;
	measure(DEAR_ITERATIONS, DEAR_SAMPLES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timing_1000),
		cmocka_unit_test(test_timing_600000),
	};

	return cmocka_run_group_tests_name("login timing", tests, NULL, NULL);
}
