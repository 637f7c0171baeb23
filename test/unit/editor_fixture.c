/*
 * editor_fixture.c: setting and checking a struct editor in unit tests;
 * see editor_fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "editor_fixture.h"

/* Sets the editor to s with the cursor at pos. */
void
fixture_load(struct editor *e, const char *s, size_t pos)
{
	editor_set(e, s, strlen(s));
	e->cursor = pos;
}

/* Asserts the text and the cursor. */
void
fixture_assert_line(const struct editor *e, const char *s, size_t cursor)
{
	assert_int_equal(e->len, strlen(s));
	assert_memory_equal(e->buf, s, e->len);
	assert_int_equal(e->buf[e->len], '\0');
	assert_int_equal(e->cursor, cursor);
}
