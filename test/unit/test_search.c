/*
 * test_search.c: searching a log: case-insensitive matches on the
 * sanitized text, the walk from the newest to the oldest and back, the
 * status words, no match, and the view jumping to the match.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

/* A log of "hello N" lines with "Needle" in lines 3, 7 and 9. */
static void
fill(struct scrollback *sb)
{
	char buf[32];
	int i;

	scrollback_init(sb, SCROLLBACK_MIN);
	for (i = 1; i <= 10; i++) {
		snprintf(buf, sizeof buf, "hello %d%s", i,
		    i == 3 || i == 7 ? " a Needle" :
			i == 9	     ? " NEEDLES" :
				       "");
		scrollback_add(sb, LINE_CHAT, 0, "<a> ", "a", buf);
	}
}

/* The walk and its status. */
static void
test_walk(void **state)
{
	struct scrollback sb;
	struct search s = { 0 };
	char st[64];

	(void)state;
	fill(&sb);
	assert_int_equal(search_start(&s, &sb, "needle", 6), 3);
	assert_int_equal(search_current(&s), 9);
	search_status(&s, st, sizeof st);
	assert_string_equal(st, "search: needle (1 of 3)");
	assert_true(search_older(&s));
	assert_int_equal(search_current(&s), 7);
	assert_true(search_older(&s));
	assert_int_equal(search_current(&s), 3);
	search_status(&s, st, sizeof st);
	assert_string_equal(st, "search: needle (3 of 3)");
	assert_false(search_older(&s));
	assert_int_equal(search_current(&s), 3);
	assert_true(search_newer(&s));
	assert_true(search_newer(&s));
	assert_false(search_newer(&s));
	assert_int_equal(search_current(&s), 9);
	search_end(&s);
	assert_false(s.active);
	assert_int_equal(search_current(&s), 0);
	search_status(&s, st, sizeof st);
	assert_string_equal(st, "");
	scrollback_free(&sb);
}

/* No match, an empty search, the prefix is not searched. */
static void
test_no_match(void **state)
{
	struct scrollback sb;
	struct search s = { 0 };
	char st[64];

	(void)state;
	fill(&sb);
	assert_int_equal(search_start(&s, &sb, "zebra", 5), 0);
	assert_int_equal(search_current(&s), 0);
	assert_false(search_older(&s));
	assert_false(search_newer(&s));
	search_status(&s, st, sizeof st);
	assert_string_equal(st, "search: zebra: no match");
	assert_int_equal(search_start(&s, &sb, "<a>", 3), 0);
	assert_int_equal(search_start(&s, &sb, "", 0), 0);
	assert_int_equal(search_start(&s, &sb, "HELLO 1", 7), 2); /* 1, 10 */
	search_end(&s);
	search_end(&s);
	scrollback_free(&sb);
}

/* The view jumps to the match; the newest returns to the bottom. */
static void
test_show(void **state)
{
	struct scrollback sb;
	uint64_t seq;
	size_t skip;

	(void)state;
	fill(&sb);
	search_show(&sb, 3);
	assert_false(sb.at_bottom);
	assert_true(scrollback_view(&sb, &seq, &skip));
	assert_int_equal(seq, 3);
	assert_int_equal(skip, 0);
	search_show(&sb, 10);
	assert_true(sb.at_bottom);
	search_show(&sb, 999); /* never added: nothing moves */
	assert_true(sb.at_bottom);
	scrollback_free(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_show),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
