/* test_utf8.c: the UTF-8 decoder, validator, encoder and cutter. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

struct decode_case {
	const char *in;
	size_t len;
	uint32_t cp; /* UTF8_BAD for ill-formed */
	size_t used;
};

/* Table: well-formed edges, then every kind of ill-formed sequence. */
static const struct decode_case decode_cases[] = {
	{ "A", 1, 'A', 1 },
	{ "\x00", 1, 0, 1 },
	{ "\x7f", 1, 0x7f, 1 },
	{ "\xc2\x80", 2, 0x80, 2 },
	{ "\xdf\xbf", 2, 0x7ff, 2 },
	{ "\xe0\xa0\x80", 3, 0x800, 3 },
	{ "\xed\x9f\xbf", 3, 0xd7ff, 3 },
	{ "\xee\x80\x80", 3, 0xe000, 3 },
	{ "\xef\xbf\xbd", 3, 0xfffd, 3 },
	{ "\xf0\x90\x80\x80", 4, 0x10000, 4 },
	{ "\xf4\x8f\xbf\xbf", 4, 0x10ffff, 4 },
	/* Ill-formed: lone continuation, overlongs, surrogates, too big. */
	{ "\x80", 1, UTF8_BAD, 1 },
	{ "\xbf", 1, UTF8_BAD, 1 },
	{ "\xc0\x80", 2, UTF8_BAD, 1 },
	{ "\xc1\xbf", 2, UTF8_BAD, 1 },
	{ "\xe0\x80\x80", 3, UTF8_BAD, 1 },
	{ "\xe0\x9f\xbf", 3, UTF8_BAD, 1 },
	{ "\xed\xa0\x80", 3, UTF8_BAD, 1 },
	{ "\xed\xbf\xbf", 3, UTF8_BAD, 1 },
	{ "\xf0\x80\x80\x80", 4, UTF8_BAD, 1 },
	{ "\xf4\x90\x80\x80", 4, UTF8_BAD, 1 },
	{ "\xf5\x80\x80\x80", 4, UTF8_BAD, 1 },
	{ "\xff", 1, UTF8_BAD, 1 },
	/* Truncated: the maximal subpart is what was there. */
	{ "\xc2", 1, UTF8_BAD, 1 },
	{ "\xe2\x82", 2, UTF8_BAD, 2 },
	{ "\xf0\x9f\x98", 3, UTF8_BAD, 3 },
	/* Interrupted by an ASCII byte. */
	{ "\xe2\x82"
	  "A",
	    3, UTF8_BAD, 2 },
	{ "\xf0\x9f"
	  "A",
	    3, UTF8_BAD, 2 },
};

static void
test_decode_table(void **state)
{
	size_t i, used;
	uint32_t cp;

	(void)state;
	for (i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
		const struct decode_case *c = &decode_cases[i];

		used = utf8_decode(c->in, c->len, &cp);
		if (cp != c->cp || used != c->used)
			fail_msg("case %zu: cp %x used %zu, want %x %zu", i, cp,
			    used, c->cp, c->used);
		assert_int_equal(utf8_valid(c->in, c->len),
		    c->cp != UTF8_BAD && c->used == c->len);
	}
	assert_int_equal(utf8_decode("", 0, &cp), 0);
	assert_int_equal(cp, UTF8_BAD);
}

static void
test_valid(void **state)
{
	(void)state;
	assert_true(utf8_valid(NULL, 0));
	assert_false(utf8_valid(NULL, 1));
	assert_true(utf8_valid("", 0));
	assert_true(
	    utf8_valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 16));
	assert_false(utf8_valid("ok\xc3", 3));
	assert_false(utf8_valid("ok\xed\xa0\x80", 5));
}

static void
test_encode_round_trip(void **state)
{
	static const uint32_t cps[] = { 0, 'a', 0x7f, 0x80, 0x7ff, 0x800,
		0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff };
	char buf[UTF8_MAX_LEN];
	size_t i, n;
	uint32_t cp;

	(void)state;
	for (i = 0; i < sizeof cps / sizeof cps[0]; i++) {
		n = utf8_encode(cps[i], buf);
		assert_true(n >= 1 && n <= 4);
		assert_int_equal(utf8_decode(buf, n, &cp), n);
		assert_int_equal(cp, cps[i]);
	}
	assert_int_equal(utf8_encode(0xd800, buf), 0);
	assert_int_equal(utf8_encode(0xdfff, buf), 0);
	assert_int_equal(utf8_encode(0x110000, buf), 0);
}

static void
test_cut(void **state)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac"; /* a, e-acute, euro: 6 */

	(void)state;
	assert_int_equal(utf8_cut(s, 6, 10), 6);
	assert_int_equal(utf8_cut(s, 6, 6), 6);
	assert_int_equal(utf8_cut(s, 6, 5), 3);
	assert_int_equal(utf8_cut(s, 6, 4), 3);
	assert_int_equal(utf8_cut(s, 6, 3), 3);
	assert_int_equal(utf8_cut(s, 6, 2), 1);
	assert_int_equal(utf8_cut(s, 6, 1), 1);
	assert_int_equal(utf8_cut(s, 6, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_table),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
