/*
 * test_wrap.c: display widths and line wrapping: exact fits, long words,
 * runs of spaces, wide and combining characters, narrow panes, indents
 * and newlines.
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

#define NITEMS(a) (sizeof(a) / sizeof(a)[0])
#define MAX_ROWS  8

#define ZHONG	"\xe4\xb8\xad"	   /* U+4E2D, 2 columns */
#define WEN	"\xe6\x96\x87"	   /* U+6587, 2 columns */
#define ZI	"\xe5\xad\x97"	   /* U+5B57, 2 columns */
#define SMILE	"\xf0\x9f\x98\x80" /* U+1F600, 2 columns */
#define ACUTE	"\xcc\x81"	   /* U+0301, combining */
#define E_ACUTE "e" ACUTE

struct row {
	const char *text;
	size_t width, indent;
	const char *rows[MAX_ROWS]; /* expected rows, NULL-terminated */
};

/* Wraps one table row and compares every row and its indent (that of
 * the rows after the first: indent). */
static void
check_indent(const struct row *r, size_t indent)
{
	struct wrap_row rows[MAX_ROWS];
	size_t n, i, want = 0, len = strlen(r->text);

	while (want < MAX_ROWS && r->rows[want] != NULL)
		want++;
	n = wrap_text(r->text, len, r->width, r->indent, rows, MAX_ROWS);
	if (n != want)
		fail_msg("\"%s\" at width %zu indent %zu: %zu rows, want %zu",
		    r->text, r->width, r->indent, n, want);
	assert_int_equal(wrap_text(r->text, len, r->width, r->indent, NULL, 0),
	    n);
	for (i = 0; i < n; i++) {
		assert_true(rows[i].off + rows[i].len <= len);
		if (rows[i].len != strlen(r->rows[i]) ||
		    memcmp(r->text + rows[i].off, r->rows[i], rows[i].len) != 0)
			fail_msg("\"%s\" at width %zu: row %zu is \"%.*s\", "
				 "want \"%s\"",
			    r->text, r->width, i, (int)rows[i].len,
			    r->text + rows[i].off, r->rows[i]);
		assert_int_equal(rows[i].indent, i == 0 ? 0 : indent);
	}
}

/* The same with the indent the row asks for (0 when not below the
 * width). */
static void
check(const struct row *r)
{
	check_indent(r, r->indent < r->width ? r->indent : 0);
}

/* Runs a table. */
static void
run(const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		check(&rows[i]);
}

/* Widths and lengths of single characters and strings. */
static void
test_widths(void **state)
{
	(void)state;
	assert_int_equal(wrap_width("", 0), 0);
	assert_int_equal(wrap_width("abc", 3), 3);
	assert_int_equal(wrap_width(ZHONG WEN, 6), 4);
	assert_int_equal(wrap_width(E_ACUTE, 3), 1);
	assert_int_equal(wrap_width(SMILE, 4), 2);
	assert_int_equal(wrap_width("caf\xc3\xa9", 5), 4);
	assert_int_equal(wrap_width("\xe2\x90\x9b", 3), 1); /* U+241B */
	assert_int_equal(wrap_width("\xef\xbf\xbd", 3), 1); /* U+FFFD */
	assert_int_equal(wrap_width("\xff\xfe", 2), 2);	    /* bad bytes */
	/* Only len bytes are looked at: a cut character is one bad byte. */
	assert_int_equal(wrap_width(ZHONG, 2), 2);

	assert_int_equal(wrap_char_len("a", 1), 1);
	assert_int_equal(wrap_char_len("\xc3\xa9", 2), 2);
	assert_int_equal(wrap_char_len(ZHONG, 3), 3);
	assert_int_equal(wrap_char_len(SMILE, 4), 4);
	assert_int_equal(wrap_char_len("\xff", 1), 1);
	assert_int_equal(wrap_char_len("\x80"
				       "a",
			     2),
	    1);
	assert_int_equal(wrap_char_len(ZHONG, 2), 1);

	assert_int_equal(wrap_char_width("a", 1), 1);
	assert_int_equal(wrap_char_width(ACUTE, 2), 0);
	assert_int_equal(wrap_char_width(ZHONG, 3), 2);
	assert_int_equal(wrap_char_width(SMILE, 4), 2);
	assert_int_equal(wrap_char_width("\x01", 1), 1); /* wcwidth -1 */
	assert_int_equal(wrap_char_width("\xff", 1), 1);
}

/* ASCII: exact fits, one over, long words, spaces. */
static void
test_ascii(void **state)
{
	static const struct row rows[] = {
		{ "hello", 5, 0, { "hello" } },
		{ "hello!", 5, 0, { "hello", "!" } },
		{ "hello", 80, 0, { "hello" } },
		{ "hello world", 11, 0, { "hello world" } },
		{ "hello world", 10, 0, { "hello", "world" } },
		/* The space that overflows is the break, and is dropped. */
		{ "hello world", 5, 0, { "hello", "world" } },
		{ "hello world", 6, 0, { "hello", "world" } },
		{ "abcdefghij", 4, 0, { "abcd", "efgh", "ij" } },
		{ "abcdefgh", 4, 0, { "abcd", "efgh" } },
		{ "a bcdefghij", 4, 0, { "a", "bcde", "fghi", "j" } },
		{ "one two three four", 9, 0, { "one two", "three", "four" } },
		{ "aa   bb", 4, 0, { "aa  ", "bb" } },
		{ "aa   bb", 3, 0, { "aa ", " bb" } },
		{ "     ", 2, 0, { "  ", "  " } },
		{ "  lead", 4, 0, { " ", "lead" } },
		{ "trail  ", 5, 0, { "trail", " " } },
		{ "", 10, 0, { "" } },
		{ "", 1, 0, { "" } },
	};

	(void)state;
	run(rows, NITEMS(rows));
}

/* Wide characters take 2 columns and are never split. */
static void
test_wide(void **state)
{
	static const struct row rows[] = {
		{ ZHONG WEN ZI, 6, 0, { ZHONG WEN ZI } },
		{ ZHONG WEN ZI, 5, 0, { ZHONG WEN, ZI } },
		{ ZHONG WEN ZI, 4, 0, { ZHONG WEN, ZI } },
		{ ZHONG WEN ZI, 3, 0, { ZHONG, WEN, ZI } },
		{ "a" ZHONG, 2, 0, { "a", ZHONG } },
		{ "a" ZHONG "b", 3, 0, { "a" ZHONG, "b" } },
		{ "ab" ZHONG, 3, 0, { "ab", ZHONG } },
		{ SMILE SMILE SMILE, 5, 0, { SMILE SMILE, SMILE } },
		{ "hi " SMILE, 4, 0, { "hi", SMILE } },
		{ ZHONG " " WEN, 4, 0, { ZHONG, WEN } },
	};

	(void)state;
	run(rows, NITEMS(rows));
}

/* Combining characters stay with the character before them. */
static void
test_combining(void **state)
{
	static const struct row rows[] = {
		{ E_ACUTE E_ACUTE E_ACUTE, 2, 0, { E_ACUTE E_ACUTE, E_ACUTE } },
		{ E_ACUTE E_ACUTE E_ACUTE, 3, 0, { E_ACUTE E_ACUTE E_ACUTE } },
		{ "ab" ACUTE, 2, 0, { "ab" ACUTE } },
		{ "ab" ACUTE "c", 2, 0, { "ab" ACUTE, "c" } },
		{ "a" ACUTE ACUTE ACUTE "b", 1, 0,
		    { "a" ACUTE ACUTE ACUTE, "b" } },
		{ ZHONG ACUTE "x", 2, 0, { ZHONG ACUTE, "x" } },
	};

	(void)state;
	run(rows, NITEMS(rows));
}

/* Panes of 1 and 2 columns. */
static void
test_narrow(void **state)
{
	static const struct row rows[] = {
		{ "abc", 1, 0, { "a", "b", "c" } },
		{ "a b", 1, 0, { "a", "b" } },
		/* A wide character alone on its row, even if too wide. */
		{ ZHONG, 1, 0, { ZHONG } },
		{ "a" ZHONG "b", 1, 0, { "a", ZHONG, "b" } },
		{ "abc", 2, 0, { "ab", "c" } },
		{ "a b c", 2, 0, { "a", "b", "c" } },
		{ ZHONG WEN, 2, 0, { ZHONG, WEN } },
		{ "a" ZHONG, 2, 0, { "a", ZHONG } },
		{ "abcd", 2, 1, { "ab", "c", "d" } },
		/* A width of 0 is taken as 1. */
		{ "ab", 0, 0, { "a", "b" } },
	};

	(void)state;
	run(rows, NITEMS(rows));
}

/* Continuation rows start with indent columns. */
static void
test_indent(void **state)
{
	static const struct row rows[] = {
		{ "aaaa bbbb cccc", 10, 5, { "aaaa bbbb", "cccc" } },
		{ "abcdefghijklmnop", 10, 4, { "abcdefghij", "klmnop" } },
		{ "abcdefghijklmnopq", 10, 4, { "abcdefghij", "klmnop", "q" } },
		/* After a break at a space the rest is re-wrapped narrower (a
		 * word too long even for WRAP_NARROW_INDENT is cut). */
		{ "aaa bbbbbbbbbbb", 10, 5, { "aaa", "bbbbb", "bbbbb", "b" } },
		{ "<al> hello there", 10, 5, { "<al> hello", "there" } },
		/* An indent of the width or more counts as none. */
		{ "abcdefgh", 4, 4, { "abcd", "efgh" } },
		{ "abcdefgh", 4, 9, { "abcd", "efgh" } },
		{ "abcdefgh", 4, 3, { "abcd", "e", "f", "g", "h" } },
		{ "ab\ncd", 10, 2, { "ab", "cd" } },
		{ "ab" ZHONG WEN, 3, 1, { "ab", ZHONG, WEN } },
	};

	(void)state;
	run(rows, NITEMS(rows));
}

/* A private line in a narrow pane: the hanging indent of a long prefix
 * would leave a few columns and cut every word; rows after the first
 * start at WRAP_NARROW_INDENT instead, breaking at spaces (the prefix's
 * too). */
static void
test_private_prefix(void **state)
{
	static const struct row narrow[] = {
		{ "[12:34] *alexandria -> bartholomew* hello this is a rather "
		  "long private message",
		    40, 36,
		    { "[12:34] *alexandria -> bartholomew*",
			"hello this is a rather long private", "message" } },
		{ "[12:34] *alexandria -> bartholomew* "
		  "supercalifragilisticexpialidocious word",
		    40, 36,
		    { "[12:34] *alexandria -> bartholomew*",
			"supercalifragilisticexpialidocious", "word" } },
	};
	static const struct row rows[] = {
		/* Every word fits beside the indent: it stays. */
		{ "[12:34] *alice -> bob* hello this is a rather long "
		  "private message that wraps around",
		    39, 23,
		    { "[12:34] *alice -> bob* hello this is a", "rather long",
			"private message", "that wraps", "around" } },
		{ "[12:34] *alexandria -> bartholomew* ab cd", 39, 36,
		    { "[12:34] *alexandria -> bartholomew* ab", "cd" } },
		/* A word too long even then: the indent stays, it is cut. */
		{ "<al> abcdefghij", 8, 5,
		    { "<al>", "abc", "def", "ghi", "j" } },
		/* The prefix's own words do not count. */
		{ "<alexandra> hi yo", 14, 12, { "<alexandra> hi", "yo" } },
	};
	size_t i;

	(void)state;
	for (i = 0; i < NITEMS(narrow); i++)
		check_indent(&narrow[i], WRAP_NARROW_INDENT);
	run(rows, NITEMS(rows));
}

/* LF ends a row. */
static void
test_newlines(void **state)
{
	static const struct row rows[] = {
		{ "ab\ncd", 10, 0, { "ab", "cd" } },
		{ "ab\n", 10, 0, { "ab", "" } },
		{ "\n", 10, 0, { "", "" } },
		{ "\n\n", 10, 0, { "", "", "" } },
		{ "abc\nd", 3, 0, { "abc", "d" } },
		{ "abcd\ne", 3, 0, { "abc", "d", "e" } },
		{ "a b\nc", 2, 0, { "a", "b", "c" } },
	};

	(void)state;
	run(rows, NITEMS(rows));
}

/* With too small a rows array: the count is right, nothing overflows. */
static void
test_max(void **state)
{
	struct wrap_row rows[3];
	const char *text = "aaaa bbbb cccc dddd";

	(void)state;
	memset(rows, 0xa5, sizeof rows);
	assert_int_equal(wrap_text(text, strlen(text), 4, 0, rows, 2), 4);
	assert_int_equal(rows[0].off, 0);
	assert_int_equal(rows[0].len, 4);
	assert_int_equal(rows[1].off, 5);
	assert_int_equal(rows[1].len, 4);
	assert_int_equal(rows[2].off, (size_t)0xa5a5a5a5a5a5a5a5ULL);
	assert_int_equal(wrap_text(text, strlen(text), 4, 0, rows, 0), 4);
	assert_int_equal(wrap_text(text, strlen(text), 4, 0, NULL, 99), 4);
	/* The empty text is one empty row. */
	assert_int_equal(wrap_text("", 0, 10, 0, rows, 3), 1);
	assert_int_equal(rows[0].off, 0);
	assert_int_equal(rows[0].len, 0);
	assert_int_equal(rows[0].indent, 0);
}

/*
 * Random mixes: rows are in order, only one space or LF is dropped
 * between rows, each row fits (or is one unit), and counting agrees.
 */
static void
test_random(void **state)
{
	static const char *const pieces[] = {
		"a",
		"b",
		"word",
		" ",
		"  ",
		ZHONG,
		SMILE,
		E_ACUTE,
		ACUTE,
		"\n",
		"\xe2\x90\x9b",
	};
	struct wrap_row rows[256];
	char text[200];
	size_t i, j, len, n, width, indent, avail, w, gap;
	uint32_t x = 42;
	const char *p;

	(void)state;
	for (i = 0; i < 5000; i++) {
		len = 0;
		x = x * 1103515245 + 12345;
		for (j = (x >> 16) % 30; j > 0; j--) {
			x = x * 1103515245 + 12345;
			p = pieces[(x >> 16) % NITEMS(pieces)];
			memcpy(text + len, p, strlen(p));
			len += strlen(p);
		}
		x = x * 1103515245 + 12345;
		width = 1 + (x >> 16) % 12;
		indent = (x >> 8) % 6;
		n = wrap_text(text, len, width, indent, rows, NITEMS(rows));
		assert_true(n >= 1 && n <= NITEMS(rows));
		assert_int_equal(wrap_text(text, len, width, indent, NULL, 0),
		    n);
		assert_int_equal(rows[0].off, 0);
		assert_int_equal(rows[n - 1].off + rows[n - 1].len, len);
		for (j = 0; j < n; j++) {
			assert_true(j > 0 || rows[j].indent == 0);
			assert_true(rows[j].indent <= indent);
			avail = width - rows[j].indent;
			w = wrap_width(text + rows[j].off, rows[j].len);
			if (w > avail)
				/* Only a lone wide character may overflow. */
				assert_true(avail == 1 && w == 2);
			assert_true(memchr(text + rows[j].off, '\n',
					rows[j].len) == NULL);
			if (j + 1 == n)
				break;
			gap = rows[j + 1].off - (rows[j].off + rows[j].len);
			assert_true(gap <= 1);
			if (gap == 1) {
				p = text + rows[j].off + rows[j].len;
				assert_true(*p == ' ' || *p == '\n');
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_combining),
		cmocka_unit_test(test_narrow),
		cmocka_unit_test(test_indent),
		cmocka_unit_test(test_private_prefix),
		cmocka_unit_test(test_newlines),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_random),
	};

	setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
