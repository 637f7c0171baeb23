/*
 * test_jload.c: the strict JSON loader (jload.c): objects only, the depth
 * limit, duplicates at any depth, numbers beyond jansson's range, -0 at
 * the top level, and the wiping allocators being the ones jansson uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jload.h"
#include "sc_limits.h"

struct row {
	const char *name;
	const char *json;
	bool loads;
};

static const struct row rows[] = {
	{ "empty object", "{}", true },
	{ "object with members", "{\"a\":1,\"b\":[1,2,{\"c\":null}]}", true },
	{ "array", "[1]", false },
	{ "string", "\"x\"", false },
	{ "number", "1", false },
	{ "empty", "", false },
	{ "two objects", "{}{}", false },
	{ "trailing comma", "{\"a\":1,}", false },
	{ "duplicate at top", "{\"a\":1,\"a\":2}", false },
	{ "duplicate nested", "{\"a\":{\"b\":1,\"b\":1}}", false },
	{ "duplicate after unescaping", "{\"a\":1,\"\\u0061\":2}", false },
	{ "escaped NUL", "{\"a\":\"x\\u0000y\"}", false },
	{ "lone surrogate", "{\"a\":\"\\ud800\"}", false },
	{ "bad UTF-8", "{\"a\":\"\xff\"}", false },
	{ "overlong UTF-8", "{\"a\":\"\xc0\x80\"}", false },
	{ "huge integer", "{\"a\":99999999999999999999}", true },
	{ "huge real", "{\"a\":1e400}", true },
	{ "huge number in a string", "{\"a\":\"1e400\"}", true },
	{ "not a number after all", "{\"a\":1e400e1}", false },
};

/* Loads one row. */
static void
test_row(void **state)
{
	const struct row *r = *state;
	json_t *j;

	j = jload_object((const uint8_t *)r->json, strlen(r->json),
	    SC_MSG_MAX_LEN);
	if ((j != NULL) != r->loads)
		fail_msg("%s: loaded %d, want %d", r->name, j != NULL,
		    r->loads);
	json_decref(j);
}

/* Builds {"a":{"a":...}} nesting depth levels deep (the top is 1). */
static char *
nested(int depth)
{
	char *s = malloc((size_t)depth * 6 + 1), *p = s;
	int i;

	assert_non_null(s);
	for (i = 1; i < depth; i++)
		p += sprintf(p, "{\"a\":");
	*p++ = '{';
	for (i = 0; i < depth; i++)
		*p++ = '}';
	*p = '\0';
	return s;
}

/* 32 levels load, 33 do not (section 3). */
static void
test_depth(void **state)
{
	char *s;
	json_t *j;

	(void)state;
	s = nested(SC_JSON_MAX_DEPTH);
	j = jload_object((const uint8_t *)s, strlen(s), SC_MSG_MAX_LEN);
	assert_non_null(j);
	json_decref(j);
	free(s);
	s = nested(SC_JSON_MAX_DEPTH + 1);
	assert_null(
	    jload_object((const uint8_t *)s, strlen(s), SC_MSG_MAX_LEN));
	free(s);
}

/* Out-of-range numbers become 0.5; a top-level -0 becomes -0.0. */
static void
test_numbers(void **state)
{
	static const char doc[] = "{\"big\":1e999,\"neg\":-0,\"zero\":0,"
				  "\"negr\":-0.0,\"in\":{\"neg\":-0}}";
	json_t *j;

	(void)state;
	j = jload_object((const uint8_t *)doc, sizeof doc - 1, SC_MSG_MAX_LEN);
	assert_non_null(j);
	assert_true(json_is_real(json_object_get(j, "big")));
	assert_true(json_real_value(json_object_get(j, "big")) == 0.5);
	assert_true(json_is_real(json_object_get(j, "neg")));
	assert_true(json_is_integer(json_object_get(j, "zero")));
	assert_true(json_is_real(json_object_get(j, "negr")));
	/* Only the top level is looked at: members live there. */
	assert_true(
	    json_is_integer(json_object_get(json_object_get(j, "in"), "neg")));
	json_decref(j);
}

/* A document over max, NULL or empty never loads. */
static void
test_limits(void **state)
{
	(void)state;
	assert_null(jload_object((const uint8_t *)"{}", 2, 1));
	assert_null(jload_object(NULL, 2, 10));
	assert_null(jload_object((const uint8_t *)"{}", 0, 10));
}

/* jansson allocates through our (wiping) allocator: the count of live
 * bytes grows with a tree and falls back when it is freed. */
static void
test_allocator(void **state)
{
	static const char doc[] = "{\"password\":\"correct horse battery\"}";
	size_t before;
	json_t *j;

	(void)state;
	before = jload_allocated();
	j = jload_object((const uint8_t *)doc, sizeof doc - 1, SC_MSG_MAX_LEN);
	assert_non_null(j);
	assert_true(jload_allocated() > before);
	json_decref(j);
	assert_int_equal(jload_allocated(), before);
}

int
main(void)
{
	struct CMUnitTest tests[sizeof rows / sizeof rows[0] + 4];
	size_t i, n = sizeof rows / sizeof rows[0];

	for (i = 0; i < n; i++) {
		memset(&tests[i], 0, sizeof tests[i]);
		tests[i].name = rows[i].name;
		tests[i].test_func = test_row;
		tests[i].initial_state = (void *)(uintptr_t)&rows[i];
	}
	tests[n] = (struct CMUnitTest)cmocka_unit_test(test_depth);
	tests[n + 1] = (struct CMUnitTest)cmocka_unit_test(test_numbers);
	tests[n + 2] = (struct CMUnitTest)cmocka_unit_test(test_limits);
	tests[n + 3] = (struct CMUnitTest)cmocka_unit_test(test_allocator);
	return _cmocka_run_group_tests("jload", tests, n + 4, NULL, NULL);
}
