/*
 * test_logfold.c: unit tests for common/logfold.c: lines of one kind and
 * peer folded after `repeat` per window into one "N more like this"
 * report, kinds and peers kept apart, a slot pushed out reported, the
 * rate bound over every kind and peer with its "left out" report, and
 * odd inputs (long, empty peers; kinds without a format).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logfold.h"

#define T0 1000000 /* any monotonic origin */

static const char kind_login[] = "login failed %s user %.*s (%u of %u)";
static const char kind_connect[] = "connect %s (%u connections)";

static struct logfold f;

/* One line; fails if a report came with it unless want_report. */
static bool
line(const char *kind, const char *peer, uint64_t t)
{
	struct logfold_report r;
	bool w = logfold_line(&f, kind, peer, 5, t, &r);

	assert_string_equal(r.text, "");
	return w;
}

/* Counts how many of n lines of kind from peer at time t are written. */
static unsigned
lines(const char *kind, const char *peer, unsigned n, uint64_t t)
{
	unsigned i, w = 0;

	for (i = 0; i < n; i++)
		w += line(kind, peer, t);
	return w;
}

/* Without a rate every line is written and nothing is reported. */
static void
test_off(void **state)
{
	struct logfold_report r;

	(void)state;
	logfold_init(&f, 0, 3, T0);
	assert_int_equal(lines(kind_login, "10.0.0.1", 10000, T0), 10000);
	assert_false(logfold_due(&f, T0 + 60000, &r));
	assert_string_equal(r.text, "");
}

/* The rows of the folding table. */
static const struct {
	const char *name;
	unsigned repeat, n;
	unsigned written;
	const char *report; /* after the window; NULL: none */
} fold_rows[] = {
	{ "below repeat", 3, 2, 2, NULL },
	{ "at repeat", 3, 3, 3, NULL },
	{ "one over", 3, 4, 3,
	    "login failed 10.0.0.1: 1 more like this in the last 10 s" },
	{ "many over", 3, 10, 3,
	    "login failed 10.0.0.1: 7 more like this in the last 10 s" },
	{ "repeat 0 counts as 1", 0, 5, 1,
	    "login failed 10.0.0.1: 4 more like this in the last 10 s" },
};

/* Lines of one kind and peer: repeat written, the rest reported once
 * when the window is over, not before. */
static void
test_fold_table(void **state)
{
	struct logfold_report r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof fold_rows / sizeof fold_rows[0]; i++) {
		logfold_init(&f, 100, fold_rows[i].repeat, T0);
		if (lines(kind_login, "10.0.0.1", fold_rows[i].n, T0 + 1) !=
		    fold_rows[i].written)
			fail_msg("%s: written count", fold_rows[i].name);
		assert_false(
		    logfold_due(&f, T0 + 1 + LOGFOLD_WINDOW_MS - 1, &r));
		if (fold_rows[i].report == NULL) {
			assert_false(
			    logfold_due(&f, T0 + 1 + LOGFOLD_WINDOW_MS, &r));
			continue;
		}
		assert_true(logfold_due(&f, T0 + 1 + LOGFOLD_WINDOW_MS, &r));
		assert_string_equal(r.text, fold_rows[i].report);
		assert_int_equal(r.level, 5);
		/* Reported once; the slot starts over. */
		assert_false(logfold_due(&f, T0 + 2 * LOGFOLD_WINDOW_MS, &r));
		assert_int_equal(lines(kind_login, "10.0.0.1", 1, T0 + 30000),
		    1);
	}
}

/* Kinds and peers are folded apart. */
static void
test_apart(void **state)
{
	(void)state;
	logfold_init(&f, 1000, 2, T0);
	assert_int_equal(lines(kind_login, "10.0.0.1", 5, T0), 2);
	assert_int_equal(lines(kind_login, "10.0.0.2", 5, T0), 2);
	assert_int_equal(lines(kind_connect, "10.0.0.1", 5, T0), 2);
	/* Same text, another string: another kind. */
	{
		static const char copy[] = "login failed %s user %.*s (%u of "
					   "%u)";
		assert_int_equal(lines(copy, "10.0.0.1", 5, T0), 2);
	}
}

/* A line after the window reports the window first, then is written. */
static void
test_next_window(void **state)
{
	struct logfold_report r;

	(void)state;
	logfold_init(&f, 100, 1, T0);
	assert_int_equal(lines(kind_connect, "[::1]", 3, T0), 1);
	assert_true(logfold_line(&f, kind_connect, "[::1]", 6,
	    T0 + LOGFOLD_WINDOW_MS, &r));
	assert_string_equal(r.text,
	    "connect [::1]: 2 more like this in the last 10 s");
	assert_int_equal(r.level, 5);
	assert_false(logfold_line(&f, kind_connect, "[::1]", 6,
	    T0 + LOGFOLD_WINDOW_MS, &r));
	assert_string_equal(r.text, "");
}

/* A slot taken by another kind or peer reports what it folded. */
static void
test_pushed_out(void **state)
{
	struct logfold_report r;
	char peer[32];
	int i;
	bool seen = false;

	(void)state;
	logfold_init(&f, 100000, 1, T0);
	assert_int_equal(lines(kind_login, "10.9.9.9", 4, T0), 1);
	for (i = 0; i < 100000 && !seen; i++) {
		snprintf(peer, sizeof peer, "10.1.%d.%d", i / 256, i % 256);
		assert_true(logfold_line(&f, kind_login, peer, 4, T0, &r));
		if (r.text[0] != '\0') {
			assert_string_equal(r.text,
			    "login failed 10.9.9.9: 3 more like this in the "
			    "last 10 s");
			seen = true;
		}
	}
	assert_true(seen);
}

/* Many peers: at most per_sec lines a second; the rest are counted and
 * reported once a window. */
static void
test_rate(void **state)
{
	struct logfold_report r;
	char peer[32];
	unsigned i, w;

	(void)state;
	logfold_init(&f, 100, 10, T0);
	for (i = 0, w = 0; i < 1000; i++) {
		snprintf(peer, sizeof peer, "10.2.%u.%u", i / 256, i % 256);
		w += line(kind_connect, peer, T0);
	}
	assert_int_equal(w, 100); /* one second's worth at once */
	/* Half a second later, half a second's worth. */
	for (i = 0, w = 0; i < 1000; i++) {
		snprintf(peer, sizeof peer, "10.3.%u.%u", i / 256, i % 256);
		w += line(kind_connect, peer, T0 + 500);
	}
	assert_int_equal(w, 50);
	assert_false(logfold_due(&f, T0 + LOGFOLD_WINDOW_MS - 1, &r));
	assert_true(logfold_due(&f, T0 + LOGFOLD_WINDOW_MS, &r));
	assert_string_equal(r.text,
	    "log rate limit: 1850 lines from network "
	    "input left out in the last 10 s");
	assert_false(logfold_due(&f, T0 + LOGFOLD_WINDOW_MS, &r));
}

/* A minute of a random flood over kinds and peers never writes more
 * than per_sec lines a second plus the left-out reports. */
static void
test_bound(void **state)
{
	static const char *const kinds[] = { kind_login, kind_connect,
		"refused %s: %s", "disconnect %s after %s" };
	struct logfold_report r;
	uint64_t t, x = 88172645463325252ull, written = 0, reports = 0;
	unsigned k;
	char peer[32];

	(void)state;
	logfold_init(&f, 100, 10, T0);
	for (t = T0; t < T0 + 60000; t++) {
		for (k = 0; k < 20; k++) { /* 20,000 lines a second */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			snprintf(peer, sizeof peer, "10.4.%u.%u",
			    (unsigned)(x >> 8) % 4, (unsigned)(x >> 16) % 300);
			if (logfold_line(&f, kinds[x % 4], peer, 4, t, &r))
				written++;
			if (r.text[0] != '\0')
				written++;
		}
		if (t % 1000 == 0)
			while (logfold_due(&f, t, &r))
				reports++;
	}
	print_message("60 s flood: %llu lines and %llu reports written\n",
	    (unsigned long long)written, (unsigned long long)reports);
	/* The bucket: one second at once, then per_sec a second. Reports
	 * of folded lines take tokens too; only the left-out count does
	 * not, once a window. */
	assert_true(written + reports <= 100 + 60 * 100 + 60000 / 10000 + 1);
	assert_true(written >= 50 * 100);
}

/* Odd peers: cut to LOGFOLD_PEER_MAX, empty; a long kind without '%'. */
static void
test_odd(void **state)
{
	static const char kind_long[] = "no format here at all but very long "
					"indeed, more than forty bytes";
	struct logfold_report r[3];
	char longpeer[200], want[160];
	int i, found = 0;

	(void)state;
	memset(longpeer, 'a', sizeof longpeer - 1);
	longpeer[sizeof longpeer - 1] = '\0';
	logfold_init(&f, 100, 1, T0);
	assert_int_equal(lines(kind_long, longpeer, 3, T0), 1);
	/* The cut peer is the same peer. */
	longpeer[LOGFOLD_PEER_MAX + 5] = '\0';
	assert_int_equal(lines(kind_long, longpeer, 1, T0), 0);
	assert_int_equal(lines(kind_login, "", 2, T0), 1);
	assert_true(logfold_due(&f, T0 + LOGFOLD_WINDOW_MS, &r[0]));
	assert_true(logfold_due(&f, T0 + LOGFOLD_WINDOW_MS, &r[1]));
	assert_false(logfold_due(&f, T0 + LOGFOLD_WINDOW_MS, &r[2]));
	snprintf(want, sizeof want,
	    "%.*s %.*s: 3 more like this in the last 10 s", LOGFOLD_KIND_MAX,
	    kind_long, LOGFOLD_PEER_MAX, longpeer);
	for (i = 0; i < 2; i++) {
		if (strcmp(r[i].text, want) == 0 ||
		    strcmp(r[i].text,
			"login failed : 1 more like this in the last 10 s") ==
			0)
			found++;
	}
	assert_int_equal(found, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_fold_table),
		cmocka_unit_test(test_apart),
		cmocka_unit_test(test_next_window),
		cmocka_unit_test(test_pushed_out),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_odd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
