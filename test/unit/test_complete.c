/*
 * test_complete.c: Tab completion of commands and nicks: suffixes,
 * cycling in list order, case, no match, the cursor inside the line,
 * empty lists and a full line. The completer is a model: it gets its
 * lists from the caller, so the lists here are test data (the client's
 * own command names come from cmd.c's table; test_cmd.c completes
 * against that).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "editor_fixture.h"
#include "model.h"

#define NITEMS(a) (sizeof(a) / sizeof(a)[0])

/* Fixture: sorted names, two sharing "/l", one alone on "/q". */
static const char *const commands[] = {
	"/echo",
	"/lint",
	"/lodge",
	"/mop",
	"/quiz",
};
static const char *const names[] = { "alfred", "alice", "bob" };

/* One Tab with the standard lists. */
static bool
tab(struct completer *c, struct editor *e)
{
	return complete_tab(c, e, commands, NITEMS(commands), names,
	    NITEMS(names));
}

/* Commands at the start of the line, cycling with more Tabs. */
static void
test_commands(void **state)
{
	static struct editor e;
	struct completer c;

	(void)state;
	complete_init(&c);
	fixture_load(&e, "/l", 2);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "/lint ", 6);
	assert_true(c.active);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "/lodge ", 7);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "/lint ", 6); /* wraps around */
	complete_reset(&c);
	assert_false(c.active);
	/* After the cycle: the word before the cursor is empty. */
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "/lint ", 6);

	fixture_load(&e, "/q", 2);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "/quiz ", 6);
	/* The only match: a second Tab changes nothing. */
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "/quiz ", 6);
	complete_reset(&c);

	/* A bare '/' matches every command. */
	fixture_load(&e, "/", 1);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "/echo ", 6);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "/lint ", 6);
	complete_reset(&c);

	/* Unknown command. */
	fixture_load(&e, "/x", 2);
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "/x", 2);
	assert_false(c.active);

	/* Not at the start of the line: not a command. */
	fixture_load(&e, "hi /l", 5);
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "hi /l", 5);
	fixture_load(&e, " /l", 3);
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, " /l", 3);
	complete_free(&c);
}

/* Command names given without their '/'. */
static void
test_commands_bare(void **state)
{
	static const char *const bare[] = { "lint", "lodge" };
	static struct editor e;
	struct completer c;

	(void)state;
	complete_init(&c);
	fixture_load(&e, "/lo", 3);
	assert_true(
	    complete_tab(&c, &e, bare, NITEMS(bare), names, NITEMS(names)));
	fixture_assert_line(&e, "/lodge ", 7);
	complete_reset(&c);
	fixture_load(&e, "/l", 2);
	assert_true(complete_tab(&c, &e, bare, 2, NULL, 0));
	fixture_assert_line(&e, "/lint ", 6);
	assert_true(complete_tab(&c, &e, bare, 2, NULL, 0));
	fixture_assert_line(&e, "/lodge ", 7);
	complete_free(&c);
}

/* Nicks: ": " at the start of the line, " " elsewhere, cycling. */
static void
test_nicks(void **state)
{
	static const char *const one[] = { "alice", "bob", "carol" };
	static struct editor e;
	struct completer c;

	(void)state;
	complete_init(&c);
	fixture_load(&e, "al", 2);
	assert_true(
	    complete_tab(&c, &e, commands, NITEMS(commands), one, NITEMS(one)));
	fixture_assert_line(&e, "alice: ", 7);
	complete_reset(&c);

	fixture_load(&e, "hi al", 5);
	assert_true(
	    complete_tab(&c, &e, commands, NITEMS(commands), one, NITEMS(one)));
	fixture_assert_line(&e, "hi alice ", 9);
	complete_reset(&c);

	/* alfred then alice, in the order given, and round again. */
	fixture_load(&e, "al", 2);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "alfred: ", 8);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "alice: ", 7);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "alfred: ", 8);
	complete_reset(&c);

	fixture_load(&e, "hey al", 6);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "hey alfred ", 11);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "hey alice ", 10);
	complete_reset(&c);

	/* b matches bob only. */
	fixture_load(&e, "b", 1);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "bob: ", 5);
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "bob: ", 5);
	complete_free(&c);
}

/* ASCII case is ignored; the user's own spelling is kept. */
static void
test_case(void **state)
{
	static const char *const mixed[] = { "Alice", "bOb" };
	static struct editor e;
	struct completer c;

	(void)state;
	complete_init(&c);
	fixture_load(&e, "AL", 2);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "alfred: ", 8);
	complete_reset(&c);
	fixture_load(&e, "al", 2);
	assert_true(complete_tab(&c, &e, NULL, 0, mixed, NITEMS(mixed)));
	fixture_assert_line(&e, "Alice: ", 7);
	complete_reset(&c);
	fixture_load(&e, "x BO", 4);
	assert_true(complete_tab(&c, &e, NULL, 0, mixed, NITEMS(mixed)));
	fixture_assert_line(&e, "x bOb ", 6);
	complete_reset(&c);
	fixture_load(&e, "/LI", 3);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "/lint ", 6);
	complete_free(&c);
}

/* No match, no word, no names: false and nothing changes. */
static void
test_no_match(void **state)
{
	static const char *const blank[] = { "", "alice", "" };
	static struct editor e;
	struct completer c;

	(void)state;
	complete_init(&c);
	fixture_load(&e, "zz", 2);
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "zz", 2);
	assert_false(c.active);
	fixture_load(&e, "", 0);
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "", 0);
	fixture_load(&e, "hi ", 3);
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "hi ", 3);
	fixture_load(&e, "al", 2);
	assert_false(complete_tab(&c, &e, commands, NITEMS(commands), NULL, 0));
	fixture_assert_line(&e, "al", 2);
	/* Empty names never match, and do not stop a cycle. */
	assert_true(complete_tab(&c, &e, NULL, 0, blank, NITEMS(blank)));
	fixture_assert_line(&e, "alice: ", 7);
	assert_false(complete_tab(&c, &e, NULL, 0, blank, NITEMS(blank)));
	fixture_assert_line(&e, "alice: ", 7);
	/* A word longer than every name. */
	complete_reset(&c);
	fixture_load(&e, "alicebob", 8);
	assert_false(tab(&c, &e));
	fixture_assert_line(&e, "alicebob", 8);
	complete_free(&c);
}

/* The cursor inside the line: the word before it, the rest kept. */
static void
test_cursor_inside(void **state)
{
	static struct editor e;
	struct completer c;

	(void)state;
	complete_init(&c);
	fixture_load(&e, "hi al there", 5);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "hi alfred  there", 10);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "hi alice  there", 9);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "hi alfred  there", 10);
	complete_reset(&c);

	/* Inside a word: only the part before the cursor counts. */
	fixture_load(&e, "hi alxyz", 5);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "hi alfred xyz", 10);
	complete_reset(&c);

	fixture_load(&e, "al rest", 2);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "alfred:  rest", 8);
	complete_reset(&c);

	fixture_load(&e, "/l rest", 2);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "/lint  rest", 6);
	complete_free(&c);
}

/* Without a reset, an edit after a completion starts a new one. */
static void
test_stale_cycle(void **state)
{
	static struct editor e;
	struct completer c;

	(void)state;
	complete_init(&c);
	fixture_load(&e, "al", 2);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "alfred: ", 8);
	/* The caller forgot complete_reset and the user typed. */
	assert_int_equal(editor_insert(&e, "b", 1), 0);
	assert_true(tab(&c, &e));
	fixture_assert_line(&e, "alfred: bob ", 12);
	editor_clear(&e);
	assert_false(tab(&c, &e));
	complete_free(&c);
}

/* A completion that would overflow the line is refused. */
static void
test_full_line(void **state)
{
	static struct editor e;
	static char line[EDITOR_MAX + 1];
	struct completer c;

	(void)state;
	complete_init(&c);
	memset(line, 'x', EDITOR_MAX - 3);
	memcpy(line + EDITOR_MAX - 3, " al", 4);
	fixture_load(&e, line, EDITOR_MAX);
	assert_false(tab(&c, &e));
	assert_int_equal(e.len, EDITOR_MAX);
	assert_int_equal(e.cursor, EDITOR_MAX);
	assert_memory_equal(e.buf, line, EDITOR_MAX);
	/* With room for "alice " but not "alfred ". */
	complete_reset(&c);
	fixture_load(&e, line + 4, EDITOR_MAX - 4);
	assert_true(tab(&c, &e));
	assert_int_equal(e.len, EDITOR_MAX);
	assert_memory_equal(e.buf + EDITOR_MAX - 7, " alice ", 7);
	/* The next Tab has nothing else that fits. */
	assert_false(tab(&c, &e));
	assert_int_equal(e.len, EDITOR_MAX);
	complete_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_commands_bare),
		cmocka_unit_test(test_nicks),
		cmocka_unit_test(test_case),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_cursor_inside),
		cmocka_unit_test(test_stale_cycle),
		cmocka_unit_test(test_full_line),
	};

	setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
