/*
 * test_sanitize.c: received text made safe for the terminal: escape
 * sequence attacks, bidi tricks, malformed UTF-8, small output buffers,
 * and valid text passing through unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "utf8.h"

#define FFFD  "\xef\xbf\xbd"
#define P_NUL "\xe2\x90\x80" /* U+2400 */
#define P_BEL "\xe2\x90\x87" /* U+2407 */
#define P_BS  "\xe2\x90\x88" /* U+2408 */
#define P_LF  "\xe2\x90\x8a" /* U+240A */
#define P_CR  "\xe2\x90\x8d" /* U+240D */
#define P_ESC "\xe2\x90\x9b" /* U+241B */
#define P_US  "\xe2\x90\x9f" /* U+241F */
#define P_DEL "\xe2\x90\xa1" /* U+2421 */

#define NITEMS(a) (sizeof(a) / sizeof(a)[0])
#define ESC_RUN	  4096

struct row {
	const char *in;
	size_t len; /* 0: strlen(in) */
	bool keep_newlines;
	const char *out;
};

/* Returns the length of a row's input. */
static size_t
row_len(const struct row *r)
{
	return r->len != 0 ? r->len : strlen(r->in);
}

/*
 * Asserts that s holds nothing a terminal would interpret: valid UTF-8,
 * no C0 (but LF when allowed), no DEL, no C1, no bidi or hidden format
 * characters.
 */
static void
assert_safe(const char *s, size_t len, bool keep_newlines)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i;

	assert_true(utf8_valid(s, len));
	assert_int_equal(strlen(s), len);
	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			assert_true(keep_newlines);
		else
			assert_true(p[i] >= 0x20);
		assert_int_not_equal(p[i], 0x7f);
		if (i + 1 < len && p[i] == 0xc2)
			assert_false(p[i + 1] >= 0x80 && p[i + 1] <= 0x9f);
		if (i + 1 < len && p[i] == 0xd8)
			assert_int_not_equal(p[i + 1], 0x9c); /* U+061C */
		if (i + 2 < len && p[i] == 0xe2 && p[i + 1] == 0x80) {
			assert_false(p[i + 2] >= 0xaa && p[i + 2] <= 0xae);
			assert_false(p[i + 2] == 0x8e || p[i + 2] == 0x8f);
			assert_false(p[i + 2] == 0xa8 || p[i + 2] == 0xa9);
		}
		if (i + 2 < len && p[i] == 0xe2 && p[i + 1] == 0x81)
			assert_false(p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9);
		if (i + 2 < len && p[i] == 0xef && p[i + 1] == 0xbb)
			assert_int_not_equal(p[i + 2], 0xbf); /* U+FEFF */
	}
}

/* Runs a table: exact output, safe, clean afterwards, idempotent. */
static void
run_rows(const struct row *rows, size_t n)
{
	char *out, *again;
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = row_len(&rows[i]);
		out = sanitize_dup(rows[i].in, len, rows[i].keep_newlines);
		assert_string_equal(out, rows[i].out);
		assert_safe(out, strlen(out), rows[i].keep_newlines);
		assert_true(strlen(out) <= len * SANITIZE_MAX_GROWTH);
		assert_true(
		    sanitize_is_clean(out, strlen(out), rows[i].keep_newlines));
		/* Clean exactly when nothing changed. */
		assert_int_equal(sanitize_is_clean(rows[i].in, len,
				     rows[i].keep_newlines),
		    strlen(out) == len && memcmp(out, rows[i].in, len) == 0);
		again = sanitize_dup(out, strlen(out), rows[i].keep_newlines);
		assert_string_equal(again, out);
		free(again);
		free(out);
	}
}

/* Terminal escape sequences and overwrite tricks become visible. */
static void
test_attacks(void **state)
{
	static const struct row rows[] = {
		{ "\x1b[2J", 0, false, P_ESC "[2J" },
		{ "\x1b[2J\x1b[H", 0, true, P_ESC "[2J" P_ESC "[H" },
		{ "\x1b]0;title\x07", 0, false, P_ESC "]0;title" P_BEL },
		{ "\x1b]52;c;cm0gLXJmIH4=\x07", 0, false,
		    P_ESC "]52;c;cm0gLXJmIH4=" P_BEL },
		{ "\x1b]8;;http://evil/\x1b\\link", 0, false,
		    P_ESC "]8;;http://evil/" P_ESC "\\link" },
		/* Raw C1 CSI: not UTF-8 on its own. */
		{ "\x9b"
		  "31m",
		    0, false, FFFD "31m" },
		/* C1 CSI encoded as UTF-8 (U+009B). */
		{ "\xc2\x9b"
		  "31m",
		    0, false, FFFD "31m" },
		{ "\xc2\x9d"
		  "0;x\xc2\x9c",
		    0, false, FFFD "0;x" FFFD },
		{ "\x1bP1$r\x1b\\", 0, false, P_ESC "P1$r" P_ESC "\\" },
		{ "\x90q\x9c", 0, false, FFFD "q" FFFD },
		{ "ok\rEVIL", 0, false, "ok" P_CR "EVIL" },
		{ "ok\rEVIL", 0, true, "ok" P_CR "EVIL" },
		{ "abc\b\b\bxyz", 0, false, "abc" P_BS P_BS P_BS "xyz" },
		{ "user\xe2\x80\xaetxt.exe", 0, false, "user" FFFD "txt.exe" },
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", 0, false,
		    FFFD FFFD FFFD FFFD },
		{ "\xe2\x81\xa6x\xe2\x81\xa7y\xe2\x81\xa8z\xe2\x81\xa9", 0,
		    false, FFFD "x" FFFD "y" FFFD "z" FFFD },
		{ "a\xe2\x80\x8e"
		  "b\xe2\x80\x8f"
		  "c\xd8\x9c"
		  "d",
		    0, false, "a" FFFD "b" FFFD "c" FFFD "d" },
		{ "\xef\xbb\xbfhi\xe2\x80\xa8x\xe2\x80\xa9", 0, true,
		    FFFD "hi" FFFD "x" FFFD },
		{ "a\0b\0", 4, false, "a" P_NUL "b" P_NUL },
		{ "\0", 1, true, P_NUL },
		{ "x\x7fy", 0, false, "x" P_DEL "y" },
		{ "\x1f", 0, false, P_US },
		{ "a\tb\t\t", 0, false, "a b  " },
		{ "one\ntwo", 0, false, "one" P_LF "two" },
		{ "one\ntwo\n", 0, true, "one\ntwo\n" },
		{ "one\r\ntwo", 0, true, "one" P_CR "\ntwo" },
	};

	(void)state;
	run_rows(rows, NITEMS(rows));
}

/* A long run of ESC: every byte shown, nothing left raw. */
static void
test_esc_run(void **state)
{
	char *in, *out;
	size_t i;

	(void)state;
	in = malloc(ESC_RUN);
	assert_non_null(in);
	memset(in, 0x1b, ESC_RUN);
	out = sanitize_dup(in, ESC_RUN, true);
	assert_int_equal(strlen(out), ESC_RUN * 3);
	for (i = 0; i < ESC_RUN; i++)
		assert_memory_equal(out + i * 3, P_ESC, 3);
	assert_safe(out, strlen(out), true);
	assert_false(sanitize_is_clean(in, ESC_RUN, true));
	free(out);
	free(in);
}

/* Malformed UTF-8: one U+FFFD per maximal ill-formed subpart. */
static void
test_invalid_utf8(void **state)
{
	static const struct row rows[] = {
		{ "\x80", 0, false, FFFD },
		{ "\x80\xbf", 0, false, FFFD FFFD },
		{ "\xc0\xaf", 0, false, FFFD FFFD }, /* overlong / */
		{ "\xc1\xbf", 0, false, FFFD FFFD },
		{ "\xe0\x80\xaf", 0, false, FFFD FFFD FFFD }, /* overlong */
		{ "\xe0\x9f\xbf", 0, false, FFFD FFFD FFFD },
		{ "\xf0\x82\x82\xac", 0, false, FFFD FFFD FFFD FFFD },
		{ "\xf0\x8f\xbf\xbf", 0, false, FFFD FFFD FFFD FFFD },
		{ "\xed\xa0\x80", 0, false, FFFD FFFD FFFD }, /* U+D800 */
		{ "\xed\xbf\xbf", 0, false, FFFD FFFD FFFD }, /* U+DFFF */
		{ "\xed\xa0\xbd\xed\xb8\x80", 0, false,
		    FFFD FFFD FFFD FFFD FFFD FFFD }, /* CESU-8 */
		{ "\xf4\x90\x80\x80", 0, false, FFFD FFFD FFFD FFFD },
		{ "\xf5\x80\x80\x80", 0, false, FFFD FFFD FFFD FFFD },
		{ "\xf8\x88\x80\x80\x80", 0, false, FFFD FFFD FFFD FFFD FFFD },
		{ "\xfe\xff", 0, false, FFFD FFFD },
		/* Truncated: the whole valid start is one bad subpart. */
		{ "\xc3", 0, false, FFFD },
		{ "\xe4\xb8", 0, false, FFFD },
		{ "\xe4\xb8x", 0, false, FFFD "x" },
		{ "\xf0\x9f\x98", 0, false, FFFD },
		{ "\xf0\x9f\x98\xf0\x9f\x98\x80", 0, false,
		    FFFD "\xf0\x9f\x98\x80" },
		{ "\xe2\x28\xa1", 0, false, FFFD "(" FFFD },
		{ "a\xc3"
		  "b",
		    0, false, "a" FFFD "b" },
		{ "\xc3\x1b", 0, false, FFFD P_ESC },
		/* C1 as UTF-8, both ends. */
		{ "\xc2\x80", 0, false, FFFD },
		{ "\xc2\x9f", 0, false, FFFD },
		/* Valid edges pass. */
		{ "\xc2\xa0", 0, false, "\xc2\xa0" },
		{ "\xdf\xbf", 0, false, "\xdf\xbf" },
		{ "\xe0\xa0\x80", 0, false, "\xe0\xa0\x80" },
		{ "\xed\x9f\xbf", 0, false, "\xed\x9f\xbf" },
		{ "\xee\x80\x80", 0, false, "\xee\x80\x80" },
		{ "\xef\xbf\xbd", 0, false, FFFD },
		{ "\xf0\x90\x80\x80", 0, false, "\xf0\x90\x80\x80" },
		{ "\xf4\x8f\xbf\xbf", 0, false, "\xf4\x8f\xbf\xbf" },
	};

	(void)state;
	run_rows(rows, NITEMS(rows));
}

/* Valid text passes unchanged and is reported clean. */
static void
test_valid(void **state)
{
	static const struct row rows[] = {
		{ "hello, world", 0, false, "hello, world" },
		{ "caf\xc3\xa9", 0, false, "caf\xc3\xa9" },
		{ "\xe4\xb8\xad\xe6\x96\x87", 0, false,
		    "\xe4\xb8\xad\xe6\x96\x87" },
		{ "smile \xf0\x9f\x98\x80!", 0, false,
		    "smile \xf0\x9f\x98\x80!" },
		{ "e\xcc\x81", 0, false, "e\xcc\x81" }, /* e + U+0301 */
		{ "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", 0, false,
		    "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd" },
		/* ZERO WIDTH JOINER is harmless and stays. */
		{ "a\xe2\x80\x8d"
		  "b",
		    0, false,
		    "a\xe2\x80\x8d"
		    "b" },
		{ "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./", 0, false,
		    "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./" },
		{ "line\nline", 0, true, "line\nline" },
	};
	static const char ascii[] = "plain ascii";

	(void)state;
	run_rows(rows, NITEMS(rows));
	assert_true(sanitize_is_clean(ascii, strlen(ascii), false));
	assert_true(sanitize_is_clean("", 0, false));
}

/* sanitize_is_clean agrees with what sanitising would do. */
static void
test_is_clean(void **state)
{
	(void)state;
	assert_false(sanitize_is_clean("a\tb", 3, false)); /* TAB -> ' ' */
	assert_false(sanitize_is_clean("a\tb", 3, true));
	assert_false(sanitize_is_clean("a\nb", 3, false));
	assert_true(sanitize_is_clean("a\nb", 3, true));
	assert_false(sanitize_is_clean("a\0b", 3, true));
	assert_false(sanitize_is_clean("\x7f", 1, false));
	assert_false(sanitize_is_clean("\xc2\x85", 2, true)); /* NEL */
	assert_false(sanitize_is_clean("\xe2\x80\xae", 3, false));
	assert_false(sanitize_is_clean("\xc3", 1, false));
	assert_true(sanitize_is_clean(FFFD, 3, false));
	assert_true(sanitize_is_clean(P_ESC, 3, false));
	/* Only the given length is looked at. */
	assert_true(sanitize_is_clean("ab\x1b", 2, false));
}

/* A small buffer: cut on a character boundary, always terminated. */
static void
test_small_cap(void **state)
{
	char buf[32];
	size_t n;

	(void)state;
	memset(buf, 'Z', sizeof buf);
	n = sanitize_text("a\xe4\xb8\xad", 4, buf, 1, false);
	assert_int_equal(n, 0);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Z');

	memset(buf, 'Z', sizeof buf);
	n = sanitize_text("a\xe4\xb8\xad", 4, buf, 4, false);
	assert_int_equal(n, 1);
	assert_string_equal(buf, "a");
	assert_int_equal(buf[4], 'Z');

	memset(buf, 'Z', sizeof buf);
	n = sanitize_text("a\xe4\xb8\xad", 4, buf, 5, false);
	assert_int_equal(n, 4);
	assert_string_equal(buf, "a\xe4\xb8\xad");
	assert_int_equal(buf[5], 'Z');

	/* A picture (3 bytes) needs 4 bytes of room. */
	memset(buf, 'Z', sizeof buf);
	n = sanitize_text("x\x1by", 3, buf, 4, false);
	assert_int_equal(n, 1);
	assert_string_equal(buf, "x");
	n = sanitize_text("x\x1by", 3, buf, 5, false);
	assert_int_equal(n, 4);
	assert_string_equal(buf, "x" P_ESC);
	n = sanitize_text("x\x1by", 3, buf, 6, false);
	assert_int_equal(n, 5);
	assert_string_equal(buf, "x" P_ESC "y");

	/* An emoji is never cut in half. */
	memset(buf, 'Z', sizeof buf);
	n = sanitize_text("\xf0\x9f\x98\x80", 4, buf, 4, false);
	assert_int_equal(n, 0);
	assert_string_equal(buf, "");
	assert_int_equal(buf[4], 'Z');

	/* Room for everything, exactly. */
	n = sanitize_text("\x1b\x1b", 2, buf, 7, false);
	assert_int_equal(n, 6);
	assert_string_equal(buf, P_ESC P_ESC);

	/* Empty input. */
	memset(buf, 'Z', sizeof buf);
	assert_int_equal(sanitize_text("", 0, buf, sizeof buf, false), 0);
	assert_string_equal(buf, "");
}

/* Random bytes always come out safe, clean and within the growth. */
static void
test_random(void **state)
{
	char in[64], out[64 * SANITIZE_MAX_GROWTH + 1];
	size_t i, j, len, n;
	uint32_t x = 12345;

	(void)state;
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245 + 12345;
		len = (x >> 16) % sizeof in;
		for (j = 0; j < len; j++) {
			x = x * 1103515245 + 12345;
			/* Bias towards the interesting bytes. */
			in[j] =
			    (char)((x >> 24) & 1 ? (x >> 16) :
						   (0x80 | ((x >> 16) & 0x7f)));
		}
		n = sanitize_text(in, len, out, sizeof out, i & 1);
		assert_true(n <= len * SANITIZE_MAX_GROWTH);
		assert_safe(out, n, i & 1);
		assert_true(sanitize_is_clean(out, n, i & 1));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attacks),
		cmocka_unit_test(test_esc_run),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_is_clean),
		cmocka_unit_test(test_small_cap),
		cmocka_unit_test(test_random),
	};

	setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
