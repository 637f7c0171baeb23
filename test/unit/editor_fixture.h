/*
 * editor_fixture.h: setting and checking a struct editor, for the unit
 * tests of the input line (test_editor.c) and of completion
 * (test_complete.c).
 */
#ifndef SC_EDITOR_FIXTURE_H
#define SC_EDITOR_FIXTURE_H

#include <stddef.h>

#include "model.h"

/* Sets the editor's text to s with the cursor at byte pos. */
void fixture_load(struct editor *e, const char *s, size_t pos);

/* Fails the test unless e holds exactly s, NUL-terminated, with the
 * cursor at byte cursor. */
void fixture_assert_line(const struct editor *e, const char *s, size_t cursor);

#endif /* SC_EDITOR_FIXTURE_H */
