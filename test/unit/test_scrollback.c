/*
 * test_scrollback.c: the chat log ring and its view: 10,000 lines kept,
 * paging up and back, new lines while scrolled up, eviction of the line
 * the view is anchored at, multi-row lines and the empty log.
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

#include "model.h"

#define WIDTH	    80
#define PREFIX	    "[12:00] <al> " /* 13 columns */
#define PREFIX_COLS 13
#define THREE_WORDS "aaaaaa bbbbbb cccccc" /* 20 columns */

/* Adds n one-row lines "line <seq>". */
static void
add_lines(struct scrollback *sb, size_t n)
{
	char text[32];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(text, sizeof text, "line %llu",
		    (unsigned long long)sb->next_seq);
		scrollback_add(sb, LINE_CHAT, 0, PREFIX, "al", text);
	}
}

/* Asserts the view's bottom line and hidden rows. */
static void
assert_view(const struct scrollback *sb, uint64_t seq, size_t skip)
{
	uint64_t s;
	size_t k;

	assert_true(scrollback_view(sb, &s, &k));
	assert_int_equal(s, seq);
	assert_int_equal(k, skip);
}

/* The empty log: no view, nothing to scroll, no lines. */
static void
test_empty(void **state)
{
	struct scrollback sb;
	uint64_t seq = 99;
	size_t skip = 99;

	(void)state;
	scrollback_init(&sb, 5);
	assert_int_equal(sb.cap, SCROLLBACK_MIN);
	assert_false(scrollback_view(&sb, &seq, &skip));
	assert_int_equal(seq, 0);
	assert_int_equal(skip, 0);
	assert_int_equal(scrollback_first(&sb), 0);
	assert_int_equal(scrollback_last(&sb), 0);
	assert_null(scrollback_get(&sb, 0));
	assert_null(scrollback_get(&sb, 1));
	scrollback_scroll(&sb, 10, WIDTH);
	assert_true(sb.at_bottom);
	scrollback_scroll(&sb, -10, WIDTH);
	assert_true(sb.at_bottom);
	scrollback_bottom(&sb);
	assert_false(scrollback_view(&sb, &seq, &skip));
	scrollback_free(&sb);
	/* Freeing twice (a zeroed log) is harmless. */
	scrollback_free(&sb);
}

/* Lines are copied and numbered from 1. */
static void
test_add_get(void **state)
{
	struct scrollback sb;
	const struct line *l;
	char text[] = "hello";

	(void)state;
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	assert_int_equal(scrollback_add(&sb, LINE_CHAT, 1000, PREFIX, "al",
			     text),
	    1);
	assert_int_equal(scrollback_add(&sb, LINE_NOTICE, 1001, "-!- ", NULL,
			     "notice"),
	    2);
	text[0] = 'J';
	l = scrollback_get(&sb, 1);
	assert_non_null(l);
	assert_int_equal(l->seq, 1);
	assert_int_equal(l->kind, LINE_CHAT);
	assert_int_equal(l->when, 1000);
	assert_string_equal(l->prefix, PREFIX);
	assert_string_equal(l->nick, "al");
	assert_string_equal(l->text, "hello");
	assert_ptr_not_equal(l->text, text);
	l = scrollback_get(&sb, 2);
	assert_int_equal(l->kind, LINE_NOTICE);
	assert_null(l->nick);
	assert_string_equal(l->text, "notice");
	assert_null(scrollback_get(&sb, 3));
	assert_null(scrollback_get(&sb, 0));
	assert_int_equal(scrollback_first(&sb), 1);
	assert_int_equal(scrollback_last(&sb), 2);
	assert_view(&sb, 2, 0);
	scrollback_free(&sb);
}

/* A ring of 10,000: the first 500 of 10,500 lines are gone. */
static void
test_ring(void **state)
{
	struct scrollback sb;
	const struct line *l;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	add_lines(&sb, 10500);
	assert_int_equal(sb.count, 10000);
	assert_int_equal(scrollback_first(&sb), 501);
	assert_int_equal(scrollback_last(&sb), 10500);
	assert_null(scrollback_get(&sb, 1));
	assert_null(scrollback_get(&sb, 500));
	assert_null(scrollback_get(&sb, 10501));
	l = scrollback_get(&sb, 501);
	assert_non_null(l);
	assert_int_equal(l->seq, 501);
	assert_string_equal(l->text, "line 501");
	l = scrollback_get(&sb, 10500);
	assert_string_equal(l->text, "line 10500");
	l = scrollback_get(&sb, 7777);
	assert_string_equal(l->text, "line 7777");
	assert_view(&sb, 10500, 0);
	scrollback_free(&sb);
}

/* Page up and back down to the bottom. */
static void
test_page(void **state)
{
	struct scrollback sb;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	add_lines(&sb, 100);
	/* Down at the bottom does nothing. */
	scrollback_scroll(&sb, -5, WIDTH);
	assert_true(sb.at_bottom);
	assert_view(&sb, 100, 0);

	scrollback_scroll(&sb, 20, WIDTH);
	assert_false(sb.at_bottom);
	assert_view(&sb, 80, 0);
	scrollback_scroll(&sb, -10, WIDTH);
	assert_false(sb.at_bottom);
	assert_view(&sb, 90, 0);
	scrollback_scroll(&sb, -10, WIDTH);
	assert_true(sb.at_bottom);
	assert_view(&sb, 100, 0);

	/* Past the bottom is the bottom. */
	scrollback_scroll(&sb, 20, WIDTH);
	scrollback_scroll(&sb, -1000, WIDTH);
	assert_true(sb.at_bottom);
	assert_view(&sb, 100, 0);

	/* One row at a time. */
	scrollback_scroll(&sb, 1, WIDTH);
	assert_view(&sb, 99, 0);
	scrollback_scroll(&sb, -1, WIDTH);
	assert_true(sb.at_bottom);
	scrollback_free(&sb);
}

/* Scrolling beyond the top stops at the oldest line. */
static void
test_top_clamp(void **state)
{
	struct scrollback sb;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	add_lines(&sb, 10);
	scrollback_scroll(&sb, 1000, WIDTH);
	assert_view(&sb, 1, 0);
	scrollback_scroll(&sb, 1, WIDTH);
	assert_view(&sb, 1, 0);
	scrollback_scroll(&sb, -9, WIDTH);
	assert_true(sb.at_bottom);
	assert_view(&sb, 10, 0);
	scrollback_free(&sb);

	/* A single one-row line: nothing above it, still following. */
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	add_lines(&sb, 1);
	scrollback_scroll(&sb, 3, WIDTH);
	assert_true(sb.at_bottom);
	assert_view(&sb, 1, 0);
	scrollback_free(&sb);
}

/* New lines while scrolled up: the view stays, they count as unseen. */
static void
test_unseen(void **state)
{
	struct scrollback sb;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	add_lines(&sb, 100);
	add_lines(&sb, 1);
	assert_int_equal(sb.unseen, 0); /* following: nothing unseen */
	scrollback_scroll(&sb, 5, WIDTH);
	assert_view(&sb, 96, 0);
	add_lines(&sb, 3);
	assert_int_equal(sb.unseen, 3);
	assert_view(&sb, 96, 0);
	assert_int_equal(scrollback_last(&sb), 104);
	/* Scrolling within the log keeps the count. */
	scrollback_scroll(&sb, -2, WIDTH);
	assert_view(&sb, 98, 0);
	assert_int_equal(sb.unseen, 3);
	/* End jumps to the newest and clears it. */
	scrollback_bottom(&sb);
	assert_true(sb.at_bottom);
	assert_int_equal(sb.unseen, 0);
	assert_view(&sb, 104, 0);

	/* Scrolling down to the bottom clears it too. */
	scrollback_scroll(&sb, 2, WIDTH);
	add_lines(&sb, 2);
	assert_int_equal(sb.unseen, 2);
	scrollback_scroll(&sb, -4, WIDTH);
	assert_true(sb.at_bottom);
	assert_int_equal(sb.unseen, 0);
	assert_view(&sb, 106, 0);
	scrollback_free(&sb);
}

/* The anchored line drops out of the ring: the view moves to the oldest. */
static void
test_anchor_evicted(void **state)
{
	struct scrollback sb;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_MIN);
	add_lines(&sb, SCROLLBACK_MIN);
	scrollback_scroll(&sb, 90, WIDTH);
	assert_view(&sb, 10, 0);
	add_lines(&sb, 5);
	assert_int_equal(scrollback_first(&sb), 6);
	assert_view(&sb, 10, 0); /* still there */
	add_lines(&sb, 15);
	assert_int_equal(scrollback_first(&sb), 21);
	assert_null(scrollback_get(&sb, 10));
	assert_view(&sb, 21, 0);
	assert_int_equal(sb.unseen, 20);
	assert_false(sb.at_bottom);
	scrollback_scroll(&sb, -1, WIDTH);
	assert_view(&sb, 22, 0);
	scrollback_bottom(&sb);
	assert_view(&sb, 120, 0);
	scrollback_free(&sb);
}

/* A line's rows: prefix and text wrapped, continuation under the text. */
static void
test_line_rows(void **state)
{
	struct line l;

	(void)state;
	memset(&l, 0, sizeof l);
	l.prefix = (char *)PREFIX;
	l.text = (char *)THREE_WORDS;
	assert_int_equal(scrollback_line_rows(&l, 80), 1);
	assert_int_equal(scrollback_line_rows(&l, PREFIX_COLS + 20), 1);
	assert_int_equal(scrollback_line_rows(&l, PREFIX_COLS + 19), 2);
	/* 7 columns for text on every row: one word per row. */
	assert_int_equal(scrollback_line_rows(&l, PREFIX_COLS + 7), 3);
	/* A pane narrower than the prefix: no indent, 10 columns a row. */
	assert_int_equal(scrollback_line_rows(&l, 10), 5);
	/* A first word too long for the first row: the prefix's own last
	 * space is the break, then 7 columns a row. */
	l.text = (char *)"abcdefghijklmnopqrst";
	assert_int_equal(scrollback_line_rows(&l, PREFIX_COLS + 7), 4);
	l.text = (char *)"";
	assert_int_equal(scrollback_line_rows(&l, 80), 1);
	l.text = (char *)"one\ntwo";
	assert_int_equal(scrollback_line_rows(&l, 80), 2);
	l.prefix = NULL;
	l.text = (char *)"x";
	assert_int_equal(scrollback_line_rows(&l, 80), 1);
}

/* Scrolling by rows inside multi-row lines. */
static void
test_wrapped(void **state)
{
	struct scrollback sb;
	size_t w = PREFIX_COLS + 7;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", "hi");
	scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", THREE_WORDS);
	scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", "yo");
	assert_int_equal(scrollback_line_rows(scrollback_get(&sb, 2), w), 3);

	scrollback_scroll(&sb, 1, w);
	assert_view(&sb, 2, 0);
	scrollback_scroll(&sb, 1, w);
	assert_view(&sb, 2, 1);
	scrollback_scroll(&sb, 1, w);
	assert_view(&sb, 2, 2);
	scrollback_scroll(&sb, 1, w);
	assert_view(&sb, 1, 0);
	scrollback_scroll(&sb, 1, w);
	assert_view(&sb, 1, 0); /* the top */
	scrollback_scroll(&sb, -1, w);
	assert_view(&sb, 2, 2);
	scrollback_scroll(&sb, -2, w);
	assert_view(&sb, 2, 0);
	assert_false(sb.at_bottom);
	scrollback_scroll(&sb, -1, w);
	assert_true(sb.at_bottom);
	assert_view(&sb, 3, 0);

	/* Several rows at once across lines. */
	scrollback_scroll(&sb, 3, w);
	assert_view(&sb, 2, 2);
	scrollback_scroll(&sb, -2, w);
	assert_view(&sb, 2, 0);
	scrollback_scroll(&sb, 100, w);
	assert_view(&sb, 1, 0);
	scrollback_scroll(&sb, -5, w);
	assert_true(sb.at_bottom);

	/* A wider pane: the row inside the line is clamped. */
	scrollback_scroll(&sb, 3, w);
	assert_view(&sb, 2, 2);
	scrollback_scroll(&sb, 1, WIDTH);
	assert_view(&sb, 1, 0);
	scrollback_free(&sb);

	/* The oldest line has 3 rows: the top is its first row. */
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", THREE_WORDS);
	scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", "yo");
	scrollback_scroll(&sb, 100, w);
	assert_view(&sb, 1, 2);
	scrollback_scroll(&sb, -3, w);
	assert_true(sb.at_bottom);

	/* The newest line has 3 rows: scrolling inside it, then back. */
	scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", THREE_WORDS);
	scrollback_scroll(&sb, 2, w);
	assert_view(&sb, 3, 2);
	assert_false(sb.at_bottom);
	scrollback_scroll(&sb, -1, w);
	assert_view(&sb, 3, 1);
	scrollback_scroll(&sb, -1, w);
	assert_true(sb.at_bottom);
	assert_view(&sb, 3, 0);
	scrollback_free(&sb);
}

/* An anchor on a later row of a line that is then dropped. */
static void
test_evicted_row(void **state)
{
	struct scrollback sb;
	size_t w = PREFIX_COLS + 7, i;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_MIN);
	for (i = 0; i < SCROLLBACK_MIN; i++)
		scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", THREE_WORDS);
	scrollback_scroll(&sb, 1000, w);
	assert_view(&sb, 1, 2);
	add_lines(&sb, 1);
	assert_view(&sb, 2, 0);
	assert_int_equal(sb.unseen, 1);
	scrollback_free(&sb);
}

/* Asserts the texts of the log, oldest first. */
static void
assert_texts(const struct scrollback *sb, const char *const *want, size_t n)
{
	uint64_t seq = scrollback_first(sb);
	size_t i;

	assert_int_equal(sb->count, n);
	for (i = 0; i < n; i++, seq++) {
		assert_non_null(scrollback_get(sb, seq));
		assert_int_equal(scrollback_get(sb, seq)->seq, seq);
		assert_string_equal(scrollback_get(sb, seq)->text, want[i]);
	}
}

/* Insert at the top, in the middle, past the end; remove; ids decide
 * where a message goes; the view stays on the line it showed. */
static void
test_insert(void **state)
{
	const char *const a[] = { "o1", "o2", "x", "y", "m", "z" };
	const char *const b[] = { "o1", "o2", "y", "m", "z" };
	struct scrollback sb;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	scrollback_add(&sb, LINE_INFO, 0, "", NULL, "x");
	scrollback_set_id(&sb,
	    scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", "y"), 10);
	scrollback_set_id(&sb,
	    scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", "z"), 30);
	assert_int_equal(scrollback_pos_of_id(&sb, 20), 2);
	assert_int_equal(scrollback_pos_of_id(&sb, 40), 3);
	assert_int_equal(scrollback_pos_of_id(&sb, 5), 1);
	assert_int_equal(scrollback_insert(&sb, scrollback_pos_of_id(&sb, 20),
			     LINE_CHAT, 0, PREFIX, "al", "m", 20),
	    3);
	scrollback_scroll(&sb, 1, WIDTH); /* the view's bottom: "m" */
	assert_view(&sb, 3, 0);
	assert_int_equal(scrollback_insert(&sb, 0, LINE_CHAT, 0, PREFIX, "al",
			     "o2", 2),
	    1);
	assert_int_equal(scrollback_insert(&sb, 0, LINE_CHAT, 0, PREFIX, "al",
			     "o1", 1),
	    1);
	assert_texts(&sb, a, 6);
	assert_view(&sb, 5, 0); /* still "m" */
	assert_int_equal(scrollback_get(&sb, 5)->id, 20);
	assert_true(scrollback_remove(&sb, 3));
	assert_false(scrollback_remove(&sb, 99));
	assert_texts(&sb, b, 5);
	assert_view(&sb, 4, 0);
	assert_int_equal(scrollback_last(&sb), 5);
	/* Past the end is an add; the next add follows it. */
	assert_int_equal(scrollback_insert(&sb, 99, LINE_CHAT, 0, PREFIX, "al",
			     "e", 50),
	    6);
	assert_int_equal(scrollback_add(&sb, LINE_CHAT, 0, PREFIX, "al", "f"),
	    7);
	scrollback_free(&sb);
}

/* A full log drops its oldest line to make room, and refuses a line
 * older than everything it keeps. */
static void
test_insert_full(void **state)
{
	struct scrollback sb;
	uint64_t seq;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_MIN);
	add_lines(&sb, SCROLLBACK_MIN);
	assert_int_equal(scrollback_insert(&sb, 0, LINE_CHAT, 0, PREFIX, "al",
			     "old", 1),
	    0);
	assert_int_equal(sb.count, SCROLLBACK_MIN);
	seq = scrollback_insert(&sb, 1, LINE_CHAT, 0, PREFIX, "al", "mid", 1);
	assert_int_equal(seq, scrollback_first(&sb));
	assert_string_equal(scrollback_get(&sb, scrollback_first(&sb))->text,
	    "mid");
	assert_int_equal(sb.count, SCROLLBACK_MIN);
	scrollback_free(&sb);
}

/* The oldest line is visible while the rows above the view's bottom
 * fit the pane. */
static void
test_top_visible(void **state)
{
	struct scrollback sb;

	(void)state;
	scrollback_init(&sb, SCROLLBACK_DEFAULT);
	assert_true(scrollback_top_visible(&sb, WIDTH, 10));
	add_lines(&sb, 10);
	assert_true(scrollback_top_visible(&sb, WIDTH, 10));
	assert_false(scrollback_top_visible(&sb, WIDTH, 9));
	scrollback_scroll(&sb, 1, WIDTH);
	assert_true(scrollback_top_visible(&sb, WIDTH, 9));
	scrollback_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_get),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_top_clamp),
		cmocka_unit_test(test_unseen),
		cmocka_unit_test(test_anchor_evicted),
		cmocka_unit_test(test_line_rows),
		cmocka_unit_test(test_wrapped),
		cmocka_unit_test(test_evicted_row),
		cmocka_unit_test(test_insert),
		cmocka_unit_test(test_insert_full),
		cmocka_unit_test(test_top_visible),
	};

	setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
