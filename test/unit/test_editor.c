/*
 * test_editor.c: the input line (UTF-8 cursor moves, deletions over whole
 * characters and combining sequences, kills, limits, wiping) and the
 * history walk with its draft.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "editor_fixture.h"
#include "model.h"

#define E_ACUTE_PRE "\xc3\xa9"	       /* U+00E9, 2 bytes */
#define ZHONG	    "\xe4\xb8\xad"     /* U+4E2D, 3 bytes */
#define SMILE	    "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes */
#define ACUTE	    "\xcc\x81"	       /* U+0301, combining */
#define DOT_BELOW   "\xcc\xa3"	       /* U+0323, combining */

/* Asserts that every byte from the end of the text on is zero. */
static void
assert_tail_zero(const struct editor *e)
{
	size_t i;

	for (i = e->len; i < sizeof e->buf; i++)
		assert_int_equal(e->buf[i], 0);
}

/* Inserting ASCII and moving about. */
static void
test_ascii(void **state)
{
	static struct editor e;

	(void)state;
	editor_clear(&e);
	fixture_assert_line(&e, "", 0);
	assert_int_equal(editor_insert(&e, "hello", 5), 0);
	fixture_assert_line(&e, "hello", 5);
	editor_left(&e);
	editor_left(&e);
	assert_int_equal(e.cursor, 3);
	assert_int_equal(editor_insert(&e, "XY", 2), 0);
	fixture_assert_line(&e, "helXYlo", 5);
	editor_home(&e);
	assert_int_equal(e.cursor, 0);
	editor_left(&e);
	assert_int_equal(e.cursor, 0);
	assert_int_equal(editor_insert(&e, ">", 1), 0);
	fixture_assert_line(&e, ">helXYlo", 1);
	editor_end(&e);
	assert_int_equal(e.cursor, 8);
	editor_right(&e);
	assert_int_equal(e.cursor, 8);
	assert_int_equal(editor_insert(&e, "", 0), 0);
	fixture_assert_line(&e, ">helXYlo", 8);

	/* Backspace and delete at both ends and inside. */
	editor_backspace(&e);
	fixture_assert_line(&e, ">helXYl", 7);
	editor_delete(&e);
	fixture_assert_line(&e, ">helXYl", 7);
	editor_home(&e);
	editor_backspace(&e);
	fixture_assert_line(&e, ">helXYl", 0);
	editor_delete(&e);
	fixture_assert_line(&e, "helXYl", 0);
	editor_right(&e);
	editor_right(&e);
	editor_right(&e);
	editor_delete(&e);
	fixture_assert_line(&e, "helYl", 3);
	editor_backspace(&e);
	fixture_assert_line(&e, "heYl", 2);
	assert_tail_zero(&e);
}

/* Multi-byte characters move and delete whole. */
static void
test_multibyte(void **state)
{
	static struct editor e;
	static const size_t stops[] = { 0, 1, 3, 6, 10, 11 };
	const char *line = "a" E_ACUTE_PRE ZHONG SMILE "b";
	size_t i;

	(void)state;
	editor_clear(&e);
	assert_int_equal(editor_insert(&e, line, strlen(line)), 0);
	fixture_assert_line(&e, line, 11);
	for (i = 5; i > 0; i--) {
		editor_left(&e);
		assert_int_equal(e.cursor, stops[i - 1]);
	}
	editor_left(&e);
	assert_int_equal(e.cursor, 0);
	for (i = 1; i < 6; i++) {
		editor_right(&e);
		assert_int_equal(e.cursor, stops[i]);
	}
	editor_right(&e);
	assert_int_equal(e.cursor, 11);

	/* Insert between two multi-byte characters. */
	e.cursor = 6;
	assert_int_equal(editor_insert(&e, E_ACUTE_PRE, 2), 0);
	fixture_assert_line(&e, "a" E_ACUTE_PRE ZHONG E_ACUTE_PRE SMILE "b", 8);
	editor_backspace(&e);
	fixture_assert_line(&e, line, 6);

	editor_end(&e);
	editor_backspace(&e);
	fixture_assert_line(&e, "a" E_ACUTE_PRE ZHONG SMILE, 10);
	editor_backspace(&e);
	fixture_assert_line(&e, "a" E_ACUTE_PRE ZHONG, 6);
	editor_backspace(&e);
	fixture_assert_line(&e, "a" E_ACUTE_PRE, 3);
	editor_home(&e);
	editor_delete(&e);
	fixture_assert_line(&e, E_ACUTE_PRE, 0);
	editor_delete(&e);
	fixture_assert_line(&e, "", 0);
	assert_tail_zero(&e);

	fixture_load(&e, SMILE SMILE, 4);
	editor_delete(&e);
	fixture_assert_line(&e, SMILE, 4);
	editor_backspace(&e);
	fixture_assert_line(&e, "", 0);
}

/* A base character and its combining marks are one unit. */
static void
test_combining(void **state)
{
	static struct editor e;
	const char *line = "xe" ACUTE "y";	   /* x é y: 5 bytes */
	const char *two = "a" ACUTE DOT_BELOW "b"; /* 6 bytes */

	(void)state;
	fixture_load(&e, line, 5);
	editor_left(&e);
	assert_int_equal(e.cursor, 4);
	editor_left(&e);
	assert_int_equal(e.cursor, 1);
	editor_left(&e);
	assert_int_equal(e.cursor, 0);
	editor_right(&e);
	assert_int_equal(e.cursor, 1);
	editor_right(&e);
	assert_int_equal(e.cursor, 4);
	editor_backspace(&e);
	fixture_assert_line(&e, "xy", 1);
	fixture_load(&e, line, 1);
	editor_delete(&e);
	fixture_assert_line(&e, "xy", 1);

	/* Two marks on one base. */
	fixture_load(&e, two, 0);
	editor_right(&e);
	assert_int_equal(e.cursor, 5);
	editor_left(&e);
	assert_int_equal(e.cursor, 0);
	editor_delete(&e);
	fixture_assert_line(&e, "b", 0);
	fixture_load(&e, two, 5);
	editor_backspace(&e);
	fixture_assert_line(&e, "b", 0);

	/* A mark typed after its base joins it. */
	fixture_load(&e, "e", 1);
	assert_int_equal(editor_insert(&e, ACUTE, 2), 0);
	fixture_assert_line(&e, "e" ACUTE, 3);
	editor_left(&e);
	assert_int_equal(e.cursor, 0);

	/* A mark with no base before it stands alone. */
	fixture_load(&e, ACUTE "a", 0);
	editor_right(&e);
	assert_int_equal(e.cursor, 2);
	editor_left(&e);
	assert_int_equal(e.cursor, 0);
	e.cursor = 3;
	editor_left(&e);
	assert_int_equal(e.cursor, 2);
	editor_backspace(&e);
	fixture_assert_line(&e, "a", 0);

	/* A wide base with a mark. */
	fixture_load(&e, ZHONG ACUTE "z", 5);
	editor_backspace(&e);
	fixture_assert_line(&e, "z", 0);
	assert_tail_zero(&e);
}

/* Ctrl-W, Ctrl-U and Ctrl-K. */
static void
test_kill(void **state)
{
	static struct editor e;

	(void)state;
	fixture_load(&e, "hello big world", 15);
	editor_kill_word(&e);
	fixture_assert_line(&e, "hello big ", 10);
	editor_kill_word(&e);
	fixture_assert_line(&e, "hello ", 6);
	editor_kill_word(&e);
	fixture_assert_line(&e, "", 0);
	editor_kill_word(&e);
	fixture_assert_line(&e, "", 0);
	assert_tail_zero(&e);

	/* The spaces between the word and the cursor go too. */
	fixture_load(&e, "foo bar   ", 10);
	editor_kill_word(&e);
	fixture_assert_line(&e, "foo ", 4);
	fixture_load(&e, "   ", 3);
	editor_kill_word(&e);
	fixture_assert_line(&e, "", 0);

	/* Cursor inside the line: only what is before it. */
	fixture_load(&e, "one two three", 7);
	editor_kill_word(&e);
	fixture_assert_line(&e, "one  three", 4);
	fixture_load(&e, "one two three", 5);
	editor_kill_word(&e);
	fixture_assert_line(&e, "one wo three", 4);
	fixture_load(&e, "one two", 0);
	editor_kill_word(&e);
	fixture_assert_line(&e, "one two", 0);

	/* Multi-byte words. */
	fixture_load(&e, "hi " ZHONG SMILE "e" ACUTE, 3 + 3 + 4 + 3);
	editor_kill_word(&e);
	fixture_assert_line(&e, "hi ", 3);

	fixture_load(&e, "hello world", 6);
	editor_kill_start(&e);
	fixture_assert_line(&e, "world", 0);
	editor_kill_start(&e);
	fixture_assert_line(&e, "world", 0);
	assert_tail_zero(&e);
	fixture_load(&e, "hello world", 5);
	editor_kill_end(&e);
	fixture_assert_line(&e, "hello", 5);
	editor_kill_end(&e);
	fixture_assert_line(&e, "hello", 5);
	assert_tail_zero(&e);
	editor_kill_start(&e);
	fixture_assert_line(&e, "", 0);
	assert_tail_zero(&e);
}

/* EDITOR_MAX bytes and no more; nothing inserted on refusal. */
static void
test_limits(void **state)
{
	static struct editor e;
	static char big[EDITOR_MAX + 8];

	(void)state;
	memset(big, 'a', sizeof big);
	editor_clear(&e);
	assert_int_equal(editor_insert(&e, big, EDITOR_MAX + 1),
	    SC_ERR_TOO_LONG);
	fixture_assert_line(&e, "", 0);
	assert_int_equal(editor_insert(&e, big, EDITOR_MAX), 0);
	assert_int_equal(e.len, EDITOR_MAX);
	assert_int_equal(e.cursor, EDITOR_MAX);
	assert_int_equal(e.buf[EDITOR_MAX], '\0');
	assert_int_equal(editor_insert(&e, "b", 1), SC_ERR_TOO_LONG);
	assert_int_equal(e.len, EDITOR_MAX);
	assert_int_equal(editor_insert(&e, "", 0), 0);
	editor_backspace(&e);
	assert_int_equal(e.len, EDITOR_MAX - 1);
	/* A 2-byte character does not fit in 1 byte. */
	e.cursor = 0;
	assert_int_equal(editor_insert(&e, E_ACUTE_PRE, 2), SC_ERR_TOO_LONG);
	assert_int_equal(e.len, EDITOR_MAX - 1);
	assert_int_equal(e.cursor, 0);
	assert_int_equal(e.buf[0], 'a');
	assert_int_equal(editor_insert(&e, "b", 1), 0);
	assert_int_equal(e.len, EDITOR_MAX);
	assert_int_equal(e.buf[0], 'b');
	assert_int_equal(e.cursor, 1);

	/* editor_set cuts an over-long text on a character boundary. */
	memcpy(big + EDITOR_MAX - 1, E_ACUTE_PRE, 2);
	editor_set(&e, big, sizeof big);
	assert_int_equal(e.len, EDITOR_MAX - 1);
	assert_int_equal(e.cursor, EDITOR_MAX - 1);
	assert_int_equal(e.buf[e.len], '\0');
	editor_set(&e, big, EDITOR_MAX - 1);
	assert_int_equal(e.len, EDITOR_MAX - 1);
}

/* Set, clear and wipe. */
static void
test_set_wipe(void **state)
{
	static struct editor e;
	size_t i;

	(void)state;
	editor_set(&e, "password1", 9);
	fixture_assert_line(&e, "password1", 9);
	editor_set(&e, "pw", 2);
	fixture_assert_line(&e, "pw", 2);
	assert_tail_zero(&e);
	e.masked = true;
	memset(e.buf + 3, 'x', 100); /* leftovers anywhere */
	editor_wipe(&e);
	fixture_assert_line(&e, "", 0);
	for (i = 0; i < sizeof e.buf; i++)
		assert_int_equal(e.buf[i], 0);
	assert_true(e.masked);
	editor_set(&e, "abc", 3);
	editor_clear(&e);
	fixture_assert_line(&e, "", 0);
	assert_true(e.masked);
}

/* Walking up and down, the draft kept and given back. */
static void
test_history_walk(void **state)
{
	static struct editor e;
	struct history h;

	(void)state;
	history_init(&h);
	history_add(&h, "one");
	history_add(&h, "two");
	history_add(&h, "thr" E_ACUTE_PRE "e");
	fixture_load(&e, "dra", 1);

	assert_false(history_next(&h, &e));
	fixture_assert_line(&e, "dra", 1);
	assert_true(history_prev(&h, &e));
	fixture_assert_line(&e, "thr" E_ACUTE_PRE "e", 6);
	assert_true(history_prev(&h, &e));
	fixture_assert_line(&e, "two", 3);
	assert_true(history_prev(&h, &e));
	fixture_assert_line(&e, "one", 3);
	assert_false(history_prev(&h, &e));
	fixture_assert_line(&e, "one", 3);
	assert_true(history_next(&h, &e));
	fixture_assert_line(&e, "two", 3);
	assert_true(history_next(&h, &e));
	assert_true(history_next(&h, &e));
	fixture_assert_line(&e, "dra", 3);
	assert_false(history_next(&h, &e));
	fixture_assert_line(&e, "dra", 3);

	/* Leaving the draft again saves the new one. */
	assert_int_equal(editor_insert(&e, "ft", 2), 0);
	assert_true(history_prev(&h, &e));
	editor_set(&e, "edited", 6); /* edits to an entry are dropped */
	assert_true(history_prev(&h, &e));
	assert_true(history_next(&h, &e));
	fixture_assert_line(&e, "thr" E_ACUTE_PRE "e", 6);
	assert_true(history_next(&h, &e));
	fixture_assert_line(&e, "draft", 5);

	/* Adding resets the walk and forgets the draft. */
	assert_true(history_prev(&h, &e));
	assert_true(history_prev(&h, &e));
	history_add(&h, "four");
	assert_int_equal(h.pos, h.count);
	assert_null(h.draft);
	editor_clear(&e);
	assert_false(history_next(&h, &e));
	assert_true(history_prev(&h, &e));
	fixture_assert_line(&e, "four", 4);
	assert_true(history_next(&h, &e));
	fixture_assert_line(&e, "", 0);
	history_free(&h);
}

/* No empty lines, no consecutive duplicates, the empty history. */
static void
test_history_rules(void **state)
{
	static struct editor e;
	struct history h;

	(void)state;
	history_init(&h);
	fixture_load(&e, "typed", 5);
	assert_false(history_prev(&h, &e));
	assert_false(history_next(&h, &e));
	fixture_assert_line(&e, "typed", 5);

	history_add(&h, "");
	assert_int_equal(h.count, 0);
	history_add(&h, "a");
	history_add(&h, "a");
	assert_int_equal(h.count, 1);
	history_add(&h, "b");
	history_add(&h, "a");
	assert_int_equal(h.count, 3);
	assert_string_equal(h.items[0], "a");
	assert_string_equal(h.items[1], "b");
	assert_string_equal(h.items[2], "a");
	/* A duplicate still resets the walk. */
	assert_true(history_prev(&h, &e));
	history_add(&h, "a");
	assert_int_equal(h.count, 3);
	assert_int_equal(h.pos, 3);
	history_free(&h);
	assert_int_equal(h.count, 0);
}

/* The newest HISTORY_MAX lines are kept. */
static void
test_history_max(void **state)
{
	static struct editor e;
	struct history h;
	char line[32];
	size_t i;

	(void)state;
	history_init(&h);
	for (i = 0; i < HISTORY_MAX + 10; i++) {
		snprintf(line, sizeof line, "line %zu", i);
		history_add(&h, line);
	}
	assert_int_equal(h.count, HISTORY_MAX);
	assert_string_equal(h.items[0], "line 10");
	snprintf(line, sizeof line, "line %d", HISTORY_MAX + 9);
	assert_string_equal(h.items[HISTORY_MAX - 1], line);
	editor_clear(&e);
	for (i = 0; i < HISTORY_MAX; i++)
		assert_true(history_prev(&h, &e));
	assert_false(history_prev(&h, &e));
	fixture_assert_line(&e, "line 10", 7);
	for (i = 0; i < HISTORY_MAX; i++)
		assert_true(history_next(&h, &e));
	assert_false(history_next(&h, &e));
	fixture_assert_line(&e, "", 0);
	history_free(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_multibyte),
		cmocka_unit_test(test_combining),
		cmocka_unit_test(test_kill),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_set_wipe),
		cmocka_unit_test(test_history_walk),
		cmocka_unit_test(test_history_rules),
		cmocka_unit_test(test_history_max),
	};

	setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
