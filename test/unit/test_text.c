/*
 * test_text.c: the content rules of PROTOCOL.md sections 4 and 7 (text.c):
 * user names, room names, text with its limit, passwords; and the UTF-8
 * they rest on. Table-driven, malformed rows included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sc_limits.h"
#include "text.h"
#include "utf8.h"

#define A8  "aaaaaaaa"
#define A32 A8 A8 A8 A8

enum rule {
	RULE_UTF8,
	RULE_USER,
	RULE_ROOM,
	RULE_PASSWORD,
	RULE_TEXT,  /* message text: 1..4096 bytes */
	RULE_TOPIC, /* 0..512 bytes */
};

/* An input: pre[0..prelen), or rep repeated nrep times. */
struct input {
	const char *pre;
	size_t prelen;
	const char *rep;
	size_t nrep;
};

struct rule_row {
	const char *name;
	struct input doc;
	enum rule rule;
	int want; /* bool, or an enum text_verdict */
};

#define R(s)	   .doc = { .pre = (s), .prelen = sizeof(s) - 1 }
#define RREP(r, n) .doc = { .pre = "", .rep = (r), .nrep = (n) }

static const struct rule_row rule_rows[] = {
	{ "utf8 empty", R(""), RULE_UTF8, true },
	{ "utf8 ASCII", R("abc"), RULE_UTF8, true },
	{ "utf8 NUL", R("a\0b"), RULE_UTF8, true },
	{ "utf8 U+00E9", R("\xc3\xa9"), RULE_UTF8, true },
	{ "utf8 U+0800", R("\xe0\xa0\x80"), RULE_UTF8, true },
	{ "utf8 U+D7FF", R("\xed\x9f\xbf"), RULE_UTF8, true },
	{ "utf8 U+E000", R("\xee\x80\x80"), RULE_UTF8, true },
	{ "utf8 U+FFFF", R("\xef\xbf\xbf"), RULE_UTF8, true },
	{ "utf8 U+10000", R("\xf0\x90\x80\x80"), RULE_UTF8, true },
	{ "utf8 U+10FFFF", R("\xf4\x8f\xbf\xbf"), RULE_UTF8, true },
	{ "utf8 U+110000", R("\xf4\x90\x80\x80"), RULE_UTF8, false },
	{ "utf8 overlong NUL", R("\xc0\x80"), RULE_UTF8, false },
	{ "utf8 overlong C1 BF", R("\xc1\xbf"), RULE_UTF8, false },
	{ "utf8 overlong E0 9F BF", R("\xe0\x9f\xbf"), RULE_UTF8, false },
	{ "utf8 overlong F0 8F BF BF", R("\xf0\x8f\xbf\xbf"), RULE_UTF8,
	    false },
	{ "utf8 surrogate D800", R("\xed\xa0\x80"), RULE_UTF8, false },
	{ "utf8 surrogate DFFF", R("\xed\xbf\xbf"), RULE_UTF8, false },
	{ "utf8 F5", R("\xf5\x80\x80\x80"), RULE_UTF8, false },
	{ "utf8 FF", R("\xff"), RULE_UTF8, false },
	{ "utf8 lone continuation", R("a\x80"), RULE_UTF8, false },
	{ "utf8 truncated 2", R("\xc3"), RULE_UTF8, false },
	{ "utf8 truncated 3", R("\xe2\x82"), RULE_UTF8, false },
	{ "utf8 truncated 4", R("\xf0\x90\x80"), RULE_UTF8, false },
	{ "utf8 bad continuation", R("\xe2\x28\xa1"), RULE_UTF8, false },
	{ "utf8 bad last continuation", R("\xf0\x90\x80\x28"), RULE_UTF8,
	    false },

	{ "user a", R("a"), RULE_USER, true },
	{ "user all classes", R("AZaz09_.-"), RULE_USER, true },
	{ "user 32 bytes", R(A32), RULE_USER, true },
	{ "user 33 bytes", R(A32 "a"), RULE_USER, false },
	{ "user empty", R(""), RULE_USER, false },
	{ "user space", R("a b"), RULE_USER, false },
	{ "user NUL", R("a\0b"), RULE_USER, false },
	{ "user non-ASCII", R("\xc3\xa9"), RULE_USER, false },
	{ "user @", R("a@b"), RULE_USER, false },
	{ "user +", R("a+b"), RULE_USER, false },

	{ "password x", R("x"), RULE_PASSWORD, true },
	{ "password empty", R(""), RULE_PASSWORD, false },
	{ "password 1024", RREP("p", 1024), RULE_PASSWORD, true },
	{ "password 1025", RREP("p", 1025), RULE_PASSWORD, false },
	{ "password NUL", R("a\0b"), RULE_PASSWORD, false },
	{ "password bad UTF-8", R("\xff"), RULE_PASSWORD, false },
	{ "password controls", R("\x01\x7f\xc2\x85"), RULE_PASSWORD, true },

	{ "text a", R("a"), RULE_TEXT, TEXT_OK },
	{ "text empty", R(""), RULE_TEXT, TEXT_BAD },
	{ "text TAB", R("\t"), RULE_TEXT, TEXT_OK },
	{ "text LF", R("\n"), RULE_TEXT, TEXT_OK },
	{ "text CR", R("\r"), RULE_TEXT, TEXT_BAD },
	{ "text NUL", R("a\0"), RULE_TEXT, TEXT_BAD },
	{ "text 01", R("\x01"), RULE_TEXT, TEXT_BAD },
	{ "text 1F", R("\x1f"), RULE_TEXT, TEXT_BAD },
	{ "text space", R(" "), RULE_TEXT, TEXT_OK },
	{ "text 7E", R("~"), RULE_TEXT, TEXT_OK },
	{ "text DEL", R("\x7f"), RULE_TEXT, TEXT_BAD },
	{ "text U+0080", R("\xc2\x80"), RULE_TEXT, TEXT_BAD },
	{ "text U+0085", R("\xc2\x85"), RULE_TEXT, TEXT_BAD },
	{ "text U+009F", R("\xc2\x9f"), RULE_TEXT, TEXT_BAD },
	{ "text U+00A0", R("\xc2\xa0"), RULE_TEXT, TEXT_OK },
	{ "text U+0100 (C4 80)", R("\xc4\x80"), RULE_TEXT, TEXT_OK },
	{ "text U+2080 (E2 82 80)", R("\xe2\x82\x80"), RULE_TEXT, TEXT_OK },
	{ "text bad UTF-8", R("a\xff"), RULE_TEXT, TEXT_BAD },
	{ "text lone C2", R("a\xc2"), RULE_TEXT, TEXT_BAD },
	{ "text surrogate", R("\xed\xa0\x80"), RULE_TEXT, TEXT_BAD },
	{ "text 4096", RREP("a", 4096), RULE_TEXT, TEXT_OK },
	{ "text 4097", RREP("a", 4097), RULE_TEXT, TEXT_TOO_LONG },
	{ "text 4097 bad UTF-8", RREP("\xff", 4097), RULE_TEXT, TEXT_TOO_LONG },
	{ "text 4096 bad UTF-8", RREP("\xff", 4096), RULE_TEXT, TEXT_BAD },
	{ "text 5000 controls", RREP("\x01", 5000), RULE_TEXT, TEXT_TOO_LONG },
	/* Room names (section 7). */
	{ "room a", R("a"), RULE_ROOM, true },
	{ "room all classes", R("az09_-"), RULE_ROOM, true },
	{ "room 32 bytes", R(A32), RULE_ROOM, true },
	{ "room 33 bytes", R(A32 "a"), RULE_ROOM, false },
	{ "room empty", R(""), RULE_ROOM, false },
	{ "room upper case", R("Lobby"), RULE_ROOM, false },
	{ "room dot", R("a.b"), RULE_ROOM, false },
	{ "room hash", R("#lobby"), RULE_ROOM, false },
	{ "room NUL", R("a\0b"), RULE_ROOM, false },
	{ "room non-ASCII", R("\xc3\xa9"), RULE_ROOM, false },

	/* A smaller limit, and empty allowed (topics). */
	{ "topic 512", RREP("t", 512), RULE_TOPIC, TEXT_OK },
	{ "topic 513", RREP("t", 513), RULE_TOPIC, TEXT_TOO_LONG },
	{ "topic empty", R(""), RULE_TOPIC, TEXT_OK },
	{ "topic control", R("\x1b[2J"), RULE_TOPIC, TEXT_BAD },
	{ "topic 600 controls", RREP("\x01", 600), RULE_TOPIC, TEXT_TOO_LONG },
};

/* Returns the bytes of in, malloc'd, and their length in *len. */
static char *
build(const struct input *in, size_t *len)
{
	size_t rlen = in->rep != NULL ? strlen(in->rep) : 0, i;
	char *buf;

	*len = in->prelen + rlen * in->nrep;
	buf = malloc(*len + 1);
	assert_non_null(buf);
	memcpy(buf, in->pre, in->prelen);
	for (i = 0; i < in->nrep; i++)
		memcpy(buf + in->prelen + i * rlen, in->rep, rlen);
	return buf;
}

/* Checks one row. */
static void
test_rule(void **state)
{
	const struct rule_row *row = *state;
	size_t len;
	char *s;
	int got = -1;

	s = build(&row->doc, &len);
	switch (row->rule) {
	case RULE_UTF8:
		got = utf8_valid(s, len);
		break;
	case RULE_USER:
		got = text_user_valid(s, len);
		break;
	case RULE_ROOM:
		got = text_room_valid(s, len);
		break;
	case RULE_PASSWORD:
		got = text_password_valid(s, len);
		break;
	case RULE_TEXT:
		got = text_check(s, len, SC_TEXT_MAX_LEN, false);
		break;
	case RULE_TOPIC:
		got = text_check(s, len, SC_TOPIC_MAX_LEN, true);
		break;
	}
	if (got != row->want)
		fail_msg("%s: got %d, want %d", row->name, got, row->want);
	free(s);
}

/* NULL pointers are refused, never dereferenced. */
static void
test_null(void **state)
{
	(void)state;
	assert_false(text_user_valid(NULL, 0));
	assert_false(text_user_valid(NULL, 5));
	assert_false(text_room_valid(NULL, 3));
	assert_false(text_password_valid(NULL, 0));
	assert_int_equal(text_check(NULL, 0, SC_TEXT_MAX_LEN, false), TEXT_BAD);
	assert_int_equal(text_check(NULL, 0, SC_TOPIC_MAX_LEN, true), TEXT_OK);
	assert_int_equal(text_check(NULL, 3, SC_TEXT_MAX_LEN, false), TEXT_BAD);
}

/* Durations of timed bans and mutes: good, malformed, oversized. */
static const struct {
	const char *in;
	long long max, want; /* want 0: refused */
} duration_rows[] = {
	{ "90", 1000, 90 },
	{ "90s", 1000, 90 },
	{ "15m", 1000000, 900 },
	{ "2h", 1000000, 7200 },
	{ "7d", 1000000, 604800 },
	{ "1", 1, 1 },
	{ "2147483647", 2147483647LL, 2147483647LL },
	{ "2147483648", 2147483647LL, 0 }, /* above max */
	{ "24856d", 2147483647LL, 0 },	   /* above max with a unit */
	{ "99999999999999999999999", 2147483647LL, 0 }, /* overflow */
	{ "0", 1000, 0 },				/* zero */
	{ "0m", 1000, 0 },
	{ "", 1000, 0 },	/* empty */
	{ "h", 1000, 0 },	/* unit alone */
	{ "-5", 1000, 0 },	/* negative */
	{ "5x", 1000, 0 },	/* unknown unit */
	{ "1h30m", 100000, 0 }, /* one unit only */
	{ " 5", 1000, 0 },	/* space */
	{ "5 ", 1000, 0 },
};

/* The duration parser over its table, and NULL. */
static void
test_duration(void **state)
{
	long long v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof duration_rows / sizeof duration_rows[0]; i++) {
		bool ok = text_duration_parse(duration_rows[i].in,
		    strlen(duration_rows[i].in), duration_rows[i].max, &v);

		if (ok != (duration_rows[i].want != 0) ||
		    v != duration_rows[i].want)
			fail_msg("duration \"%s\": got %d/%lld",
			    duration_rows[i].in, ok, v);
	}
	assert_false(text_duration_parse(NULL, 3, 1000, &v));
	assert_int_equal(v, 0);
}

int
main(void)
{
	struct CMUnitTest tests[sizeof rule_rows / sizeof rule_rows[0] + 2];
	size_t i, n = sizeof rule_rows / sizeof rule_rows[0];

	for (i = 0; i < n; i++) {
		tests[i].name = rule_rows[i].name;
		tests[i].test_func = test_rule;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = NULL;
		tests[i].initial_state = (void *)(uintptr_t)&rule_rows[i];
	}
	tests[n] = (struct CMUnitTest)cmocka_unit_test(test_null);
	tests[n + 1] = (struct CMUnitTest)cmocka_unit_test(test_duration);
	return _cmocka_run_group_tests("text", tests, n + 2, NULL, NULL);
}
