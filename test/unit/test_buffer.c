/*
 * test_buffer.c: the client's buffers (client/buffer.c): opening,
 * finding, numbering and closing; selection clears the marks; unread
 * counts and highlight marks; member lists stay sorted and unique; the
 * bar's text; the highlight rule (a word, any case); name lists that
 * come in parts are concatenated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

/* Adds a line of kind from someone else. */
static void
add(struct buffer_list *bl, struct buffer *b, enum line_kind kind)
{
	buffer_add_line(bl, b, kind, 0, "[00:00] <x> ", "x", "text", false);
}

/* Asserts the members of b. */
static void
assert_members(const struct buffer *b, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(b->n_members, n);
	for (i = 0; i < n; i++)
		assert_string_equal(b->members[i], want[i]);
}

/* Open, find, number, select, close. */
static void
test_list(void **state)
{
	struct buffer_list bl;
	struct buffer *lobby, *rust, *bob, *again;

	(void)state;
	buffer_list_init(&bl, SCROLLBACK_MIN);
	assert_int_equal(bl.n, 1);
	assert_ptr_equal(buffer_current(&bl), buffer_server(&bl));
	assert_int_equal(buffer_server(&bl)->kind, BUFFER_SERVER);
	assert_ptr_equal(buffer_find(&bl, BUFFER_SERVER, "anything"),
	    buffer_server(&bl));
	assert_null(buffer_find(&bl, BUFFER_ROOM, "lobby"));

	lobby = buffer_open(&bl, BUFFER_ROOM, "lobby");
	rust = buffer_open(&bl, BUFFER_ROOM, "rust");
	bob = buffer_open(&bl, BUFFER_QUERY, "bob");
	assert_int_equal(bl.n, 4);
	again = buffer_open(&bl, BUFFER_ROOM, "rust");
	assert_ptr_equal(again, rust);
	assert_int_equal(bl.n, 4);
	/* A room and a user may share a name: two buffers. */
	assert_null(buffer_find(&bl, BUFFER_QUERY, "rust"));
	assert_ptr_equal(buffer_find(&bl, BUFFER_ROOM, "lobby"), lobby);
	assert_int_equal(buffer_number(&bl, lobby), 1);
	assert_int_equal(buffer_number(&bl, bob), 3);

	buffer_select(&bl, 2);
	assert_ptr_equal(buffer_current(&bl), rust);
	buffer_select(&bl, 99); /* ignored */
	assert_ptr_equal(buffer_current(&bl), rust);
	buffer_select_next(&bl, 1);
	assert_ptr_equal(buffer_current(&bl), bob);
	buffer_select_next(&bl, 1); /* wraps */
	assert_ptr_equal(buffer_current(&bl), buffer_server(&bl));
	buffer_select_next(&bl, -1);
	assert_ptr_equal(buffer_current(&bl), bob);

	/* Closing the current buffer selects the one before it. */
	assert_true(buffer_close(&bl, bob));
	assert_int_equal(bl.n, 3);
	assert_ptr_equal(buffer_current(&bl), rust);
	assert_false(buffer_close(&bl, buffer_server(&bl)));
	buffer_select(&bl, 2);
	assert_true(buffer_close(&bl, lobby)); /* before the current */
	assert_ptr_equal(buffer_current(&bl), rust);
	assert_int_equal(buffer_number(&bl, rust), 1);
	buffer_list_free(&bl);
}

/* Unread counts and highlight marks, cleared by selection. */
static void
test_unread_highlight(void **state)
{
	struct buffer_list bl;
	struct buffer *lobby, *rust;

	(void)state;
	buffer_list_init(&bl, SCROLLBACK_MIN);
	lobby = buffer_open(&bl, BUFFER_ROOM, "lobby");
	rust = buffer_open(&bl, BUFFER_ROOM, "rust");
	buffer_select(&bl, 1);

	add(&bl, lobby, LINE_CHAT); /* current: not unread */
	assert_int_equal(lobby->unread, 0);
	add(&bl, rust, LINE_CHAT);
	add(&bl, rust, LINE_INFO); /* joins and parts are not counted */
	add(&bl, rust, LINE_ERROR);
	add(&bl, rust, LINE_OWN);
	assert_int_equal(rust->unread, 1);
	assert_false(rust->highlight);
	buffer_add_line(&bl, rust, LINE_PRIVATE, 0, "", NULL, "mine", true);
	assert_int_equal(rust->unread, 1); /* our own: never unread */
	add(&bl, rust, LINE_HIGHLIGHT);
	assert_int_equal(rust->unread, 2);
	assert_true(rust->highlight);
	add(&bl, lobby, LINE_HIGHLIGHT); /* current: no mark */
	assert_false(lobby->highlight);

	/* Every line counts, and the newest one's buffer is known. */
	assert_int_equal(bl.lines, 8);
	assert_ptr_equal(bl.newest, lobby);
	assert_int_equal(scrollback_last(&rust->sb), 6);
	assert_int_equal(scrollback_last(&lobby->sb), 2);

	buffer_select(&bl, 2);
	assert_int_equal(rust->unread, 0);
	assert_false(rust->highlight);
	buffer_list_free(&bl);
}

/* Members: sorted by strcmp, unique; add and remove keep the order. */
static void
test_members(void **state)
{
	static const char *const in[] = { "carol", "alice", "Bob", "alice",
		"bob" };
	static const char *const sorted[] = { "Bob", "alice", "bob", "carol" };
	static const char *const added[] = { "Bob", "alice", "bob", "bobby",
		"carol", "zed" };
	static const char *const removed[] = { "alice", "bob", "bobby",
		"carol" };
	struct buffer_list bl;
	struct buffer *b;

	(void)state;
	buffer_list_init(&bl, SCROLLBACK_MIN);
	b = buffer_open(&bl, BUFFER_ROOM, "x");
	assert_false(buffer_has_member(b, "alice"));
	assert_false(buffer_remove_member(b, "alice"));
	buffer_set_members(b, in, 5);
	assert_members(b, sorted, 4);
	assert_true(buffer_add_member(b, "zed"));
	assert_true(buffer_add_member(b, "bobby"));
	assert_false(buffer_add_member(b, "bob"));
	assert_members(b, added, 6);
	assert_true(buffer_remove_member(b, "Bob"));
	assert_true(buffer_remove_member(b, "zed"));
	assert_false(buffer_remove_member(b, "zed"));
	assert_members(b, removed, 4);
	assert_true(buffer_has_member(b, "bobby"));
	assert_false(buffer_has_member(b, "BOBBY"));
	buffer_set_members(b, NULL, 0);
	assert_int_equal(b->n_members, 0);
	assert_null(b->members);
	buffer_set_topic(b, "hello");
	assert_string_equal(b->topic, "hello");
	buffer_set_topic(b, NULL);
	assert_null(b->topic);
	buffer_list_free(&bl);
}

/* The bar: numbers, labels, unread counts, highlight and parted marks. */
static void
test_bar(void **state)
{
	struct buffer_list bl;
	struct buffer *rust, *bob, *old;
	char label[BUFFER_LABEL_MAX + 1];
	char *bar;

	(void)state;
	buffer_list_init(&bl, SCROLLBACK_MIN);
	bar = buffer_bar(&bl);
	assert_string_equal(bar, "0:server");
	free(bar);
	buffer_open(&bl, BUFFER_ROOM, "lobby");
	rust = buffer_open(&bl, BUFFER_ROOM, "rust");
	bob = buffer_open(&bl, BUFFER_QUERY, "bob");
	old = buffer_open(&bl, BUFFER_ROOM, "old");
	buffer_select(&bl, 1);
	add(&bl, rust, LINE_CHAT);
	add(&bl, rust, LINE_CHAT);
	add(&bl, rust, LINE_CHAT);
	add(&bl, bob, LINE_HIGHLIGHT);
	old->parted = true;
	bar = buffer_bar(&bl);
	assert_string_equal(bar,
	    "0:server 1:#lobby 2:#rust(3) 3:@bob(1)* 4:(#old)");
	free(bar);
	buffer_label(bob, label, sizeof label);
	assert_string_equal(label, "@bob");
	buffer_label(buffer_server(&bl), label, sizeof label);
	assert_string_equal(label, "server");
	buffer_list_free(&bl);
}

/* A message names us: the name as a word, in any case. */
static void
test_names_me(void **state)
{
	static const struct {
		const char *text, *me;
		bool want;
	} rows[] = {
		{ "alice", "alice", true }, { "hi alice", "alice", true },
		{ "Alice: look", "alice", true },
		{ "hey ALICE!", "alice", true }, { "(alice)", "alice", true },
		{ "alice's", "alice", true },
		{ "x.alice-y", "alice", true }, /* '.' and '-' end words */
		{ "hi alice\nthere", "alice", true },
		{ "ask bob and alice", "Alice", true },
		{ "malice", "alice", false }, { "alices", "alice", false },
		{ "alice_2", "alice", false },
		{ "alice2 is here", "alice", false },
		{ "_alice", "alice", false }, { "alic", "alice", false },
		{ "", "alice", false }, { "anything", "", false },
		{ "a.b here", "a.b", true }, { "aXb here", "a.b", false },
		{ "\xc3\xa9"
		  "alice",
		    "alice", true }, /* non-ASCII is no letter here */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (buffer_names_me(rows[i].text, strlen(rows[i].text),
			rows[i].me) != rows[i].want)
			fail_msg("row %zu: \"%s\" names \"%s\": want %d", i,
			    rows[i].text, rows[i].me, rows[i].want);
	}
	/* The length bounds the text: no reading past it. */
	assert_false(buffer_names_me("alice", 4, "alice"));
	assert_true(buffer_names_me("alice_", 5, "alice"));
}

/* Name lists in parts: concatenated in order while the room matches. */
static void
test_parts(void **state)
{
	static const char *const p1[] = { "a", "b" };
	static const char *const p2[] = { "c" };
	static const char *const p3[] = { "d", "e" };
	struct name_parts np;

	(void)state;
	memset(&np, 0, sizeof np);
	assert_false(name_parts_add(&np, NULL, p2, 1)); /* none started */
	name_parts_start(&np, "rust", p1, 2);
	assert_true(np.open);
	assert_string_equal(np.room, "rust");
	assert_true(name_parts_add(&np, "rust", p2, 1));
	assert_false(name_parts_add(&np, NULL, p3, 2));	   /* no room */
	assert_false(name_parts_add(&np, "other", p3, 2)); /* another */
	assert_true(name_parts_add(&np, "rust", NULL, 0)); /* empty part */
	assert_true(name_parts_add(&np, "rust", p3, 2));
	assert_int_equal(np.n, 5);
	assert_string_equal(np.v[0], "a");
	assert_string_equal(np.v[2], "c");
	assert_string_equal(np.v[4], "e");
	name_parts_clear(&np);
	assert_false(np.open);
	assert_int_equal(np.n, 0);

	/* Without a room (login_ok, users): the parts carry none. */
	name_parts_start(&np, NULL, p1, 2);
	assert_string_equal(np.room, "");
	assert_true(name_parts_add(&np, NULL, p2, 1));
	assert_false(name_parts_add(&np, "rust", p2, 1));
	assert_int_equal(np.n, 3);
	/* Starting again drops what was there. */
	name_parts_start(&np, "x", p2, 1);
	assert_int_equal(np.n, 1);
	name_parts_clear(&np);
	name_parts_clear(&np); /* twice is fine */
}

/* Message ids: each shown once; lines placed by id, never unread. */
static void
test_ids(void **state)
{
	struct buffer_list bl;
	struct buffer *b;
	const uint64_t ids[] = { 7, 3, 9, 3, 1, 9 };
	const bool fresh[] = { true, true, true, false, true, false };
	size_t i;

	(void)state;
	buffer_list_init(&bl, SCROLLBACK_DEFAULT);
	b = buffer_open(&bl, BUFFER_ROOM, "x");
	assert_int_equal(buffer_oldest_id(b), 0);
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++)
		assert_int_equal(buffer_id_mark(b, ids[i]), fresh[i]);
	assert_int_equal(b->n_ids, 4);
	assert_true(buffer_id_shown(b, 9));
	assert_false(buffer_id_shown(b, 8));
	assert_int_equal(buffer_oldest_id(b), 1);
	buffer_add_line(&bl, b, LINE_INFO, 0, "", NULL, "joined", false);
	buffer_insert_line(&bl, b, 20, false, LINE_CHAT, 0, "", "a", "b20");
	buffer_insert_line(&bl, b, 10, false, LINE_CHAT, 0, "", "a", "b10");
	buffer_insert_line(&bl, b, 5, true, LINE_CHAT, 0, "", "a", "b5");
	assert_string_equal(scrollback_get(&b->sb, 1)->text, "b5");
	assert_string_equal(scrollback_get(&b->sb, 2)->text, "joined");
	assert_string_equal(scrollback_get(&b->sb, 3)->text, "b10");
	assert_string_equal(scrollback_get(&b->sb, 4)->text, "b20");
	assert_int_equal(b->unread, 0);
	buffer_list_free(&bl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_unread_highlight),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_bar),
		cmocka_unit_test(test_names_me),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
