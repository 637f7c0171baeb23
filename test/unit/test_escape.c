/*
 * test_escape.c: unit tests for common/escape.c: a table of inputs
 * (controls, DEL, C1, backslash, quotes, well-formed and malformed UTF-8:
 * overlong, surrogate, above U+10FFFF, truncated, lone continuation) under
 * each flag set and output cap; escape_shown()'s input cap and ellipsis;
 * and random bytes that must come out inert and decode back to the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "escape.h"
#include "sc_limits.h"
#include "utf8.h"

#define BIG	      512 /* an output cap that never cuts the rows */
#define RANDOM_ROUNDS 20000

#define LOG    ESCAPE_UTF8   /* what log lines use */
#define QUOTED ESCAPE_QUOTED /* what users.c and securechatctl use */
#define BOTH   (ESCAPE_UTF8 | ESCAPE_QUOTED)

/* One escape_bytes() call: input (len bytes; 0 means strlen), flags,
 * output cap, and the output and cut flag it must give. */
struct bytes_case {
	const char *name;
	const char *in;
	size_t len;
	unsigned int flags;
	size_t cap;
	const char *out;
	bool cut;
};

static const struct bytes_case bytes_cases[] = {
	/* The log's rows (test_log.c), ESCAPE_UTF8. */
	{ "plain", "plain text", 0, LOG, BIG, "plain text", false },
	{ "newline", "a\nb", 0, LOG, BIG, "a\\x0ab", false },
	{ "ANSI colour", "\x1b[31mred\x1b[0m", 0, LOG, BIG,
	    "\\x1b[31mred\\x1b[0m", false },
	{ "cr lf tab", "cr\rlf\ntab\t", 0, LOG, BIG, "cr\\x0dlf\\x0atab\\x09",
	    false },
	{ "DEL", "del\x7f", 0, LOG, BIG, "del\\x7f", false },
	{ "backslash doubled", "back\\slash", 0, LOG, BIG, "back\\\\slash",
	    false },
	{ "bell", "bell\a", 0, LOG, BIG, "bell\\x07", false },
	{ "UTF-8 kept", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", 0, LOG,
	    BIG, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", false },
	{ "C1 CSI",
	    "csi\xc2\x9b"
	    "31m",
	    0, LOG, BIG, "csi\\xc2\\x9b31m", false },
	{ "C1 first", "\xc2\x80", 0, LOG, BIG, "\\xc2\\x80", false },
	{ "C1 NEL", "\xc2\x85", 0, LOG, BIG, "\\xc2\\x85", false },
	{ "NBSP kept", "nbsp\xc2\xa0", 0, LOG, BIG, "nbsp\xc2\xa0", false },
	{ "U+10FFFF kept", "\xf4\x8f\xbf\xbf", 0, LOG, BIG, "\xf4\x8f\xbf\xbf",
	    false },
	{ "quote kept", "say \"hi\"", 0, LOG, BIG, "say \"hi\"", false },
	{ "empty", "", 0, LOG, BIG, "", false },
	{ "NUL inside", "a\0b", 3, LOG, BIG, "a\\x00b", false },

	/* Malformed UTF-8, ESCAPE_UTF8: every byte escaped. */
	{ "bad bytes", "bad\xff\xfe", 0, LOG, BIG, "bad\\xff\\xfe", false },
	{ "lone continuation", "lone\x9b", 0, LOG, BIG, "lone\\x9b", false },
	{ "truncated 3-byte", "cut\xe2\x82", 0, LOG, BIG, "cut\\xe2\\x82",
	    false },
	{ "truncated 4-byte", "\xf0\x9f\x94", 0, LOG, BIG, "\\xf0\\x9f\\x94",
	    false },
	{ "truncated, then good", "\xe2\x82\xe2\x82\xac", 0, LOG, BIG,
	    "\\xe2\\x82\xe2\x82\xac", false },
	{ "overlong slash", "\xc0\xaf", 0, LOG, BIG, "\\xc0\\xaf", false },
	{ "overlong 3-byte", "\xe0\x80\xaf", 0, LOG, BIG, "\\xe0\\x80\\xaf",
	    false },
	{ "overlong 4-byte", "\xf0\x80\x80\xaf", 0, LOG, BIG,
	    "\\xf0\\x80\\x80\\xaf", false },
	{ "surrogate", "\xed\xa0\x80", 0, LOG, BIG, "\\xed\\xa0\\x80", false },
	{ "above U+10FFFF", "\xf4\x90\x80\x80", 0, LOG, BIG,
	    "\\xf4\\x90\\x80\\x80", false },
	{ "F5 lead", "\xf5\x80\x80\x80", 0, LOG, BIG, "\\xf5\\x80\\x80\\x80",
	    false },
	{ "lead then ASCII",
	    "\xc3"
	    "A",
	    0, LOG, BIG, "\\xc3A", false },

	/* Quoted, ASCII only: users.c and securechatctl.c. */
	{ "quoted plain", "alice", 0, QUOTED, BIG, "alice", false },
	{ "quoted quote", "a\"b", 0, QUOTED, BIG, "a\\x22b", false },
	{ "quoted backslash", "a\\b", 0, QUOTED, BIG, "a\\x5cb", false },
	{ "quoted UTF-8", "\xc3\xa9t\xc3\xa9", 0, QUOTED, BIG,
	    "\\xc3\\xa9t\\xc3\\xa9", false },
	{ "quoted escape",
	    "a\x1b"
	    "b",
	    0, QUOTED, BIG, "a\\x1bb", false },
	{ "quoted tab", "a\tb", 0, QUOTED, BIG, "a\\x09b", false },
	{ "quoted bad byte", "\xff", 0, QUOTED, BIG, "\\xff", false },

	/* The other two flag sets. */
	{ "quoted, UTF-8 kept", "\"\xc3\xa9\\\"", 0, BOTH, BIG,
	    "\\x22\xc3\xa9\\x5c\\x22", false },
	{ "quoted, C1", "\xc2\x9b", 0, BOTH, BIG, "\\xc2\\x9b", false },
	{ "no flags", "\xc3\xa9\\\"", 0, 0, BIG, "\\xc3\\xa9\\\\\"", false },

	/* Output caps: whole units or nothing, and cut says so. */
	{ "cap 0, empty", "", 0, LOG, 0, "", false },
	{ "cap 0", "a", 0, LOG, 0, "", true },
	{ "cap exact", "abc", 0, LOG, 3, "abc", false },
	{ "cap one short", "abcd", 0, LOG, 3, "abc", true },
	{ "escape does not fit", "a\n", 0, LOG, 4, "a", true },
	{ "escape just fits", "a\n", 0, LOG, 5, "a\\x0a", false },
	{ "double backslash does not fit", "a\\", 0, LOG, 2, "a", true },
	{ "character does not fit", "a\xe2\x82\xac", 0, LOG, 3, "a", true },
	{ "character just fits", "a\xe2\x82\xac", 0, LOG, 4, "a\xe2\x82\xac",
	    false },
	{ "stops at the first misfit",
	    "\n"
	    "ab",
	    0, LOG, 3, "", true },
};

/* One escape_shown() call and its NUL-terminated result. */
struct shown_case {
	const char *name;
	const char *in;
	size_t max;
	unsigned int flags;
	size_t size;
	const char *out;
};

#define A10   "aaaaaaaaaa"
#define A40   A10 A10 A10 A10
#define E5    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define X5    "\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9\\xc3\\xa9"
#define E20   E5 E5 E5 E5
#define X20   X5 X5 X5 X5
#define SHOWN ESCAPE_SHOWN_SIZE(SC_SHOWN_NAME_MAX)

static const struct shown_case shown_cases[] = {
	{ "short", "alice", 40, QUOTED, SHOWN, "alice" },
	{ "empty", "", 40, QUOTED, SHOWN, "" },
	{ "40 bytes whole", A40, 40, QUOTED, SHOWN, A40 },
	{ "41 bytes cut", A40 "b", 40, QUOTED, SHOWN, A40 "..." },
	{ "40 bytes all escaped", E20, 40, QUOTED, SHOWN, X20 },
	{ "42 bytes all escaped", E20 "\xc3\xa9", 40, QUOTED, SHOWN,
	    X20 "..." },
	{ "cut inside a character, bytes", "ab\xc3\xa9", 3, QUOTED, SHOWN,
	    "ab\\xc3..." },
	{ "cut inside a character, UTF-8", "ab\xc3\xa9", 3, BOTH, SHOWN,
	    "ab..." },
	{ "escape in the name", "\x1b[31m", 40, QUOTED, SHOWN, "\\x1b[31m" },
	{ "output too small", "abcdef", 40, QUOTED, 7, "abc..." },
	{ "room for the ellipsis only", "abc", 40, QUOTED, 4, "..." },
	{ "too small for anything", "abc", 40, QUOTED, 2, "" },
	{ "max 0", "abc", 0, QUOTED, SHOWN, "..." },
};

/*
 * The ASCII-only quoting users.c (show_name) and securechatctl.c (shown)
 * had before escape.c, kept as the reference escape_shown(QUOTED) must
 * match byte for byte.
 */
static void
reference_quoted(const char *name, size_t len, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t i, j = 0;

	for (i = 0; i < len && i < SC_SHOWN_NAME_MAX; i++) {
		c = (unsigned char)name[i];
		if (j + 5 >= size)
			break;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[j++] = (char)c;
		else {
			out[j++] = '\\';
			out[j++] = 'x';
			out[j++] = hex[c >> 4];
			out[j++] = hex[c & 0xf];
		}
	}
	if (i < len && j + 4 < size) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

/* Returns the value of hex digit c (lowercase), or -1. */
static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Undoes escape_bytes: "\xNN" and "\\" back to bytes. Returns the length
 * decoded into out, or fails the test on a sequence it never writes. */
static size_t
unescape(const char *s, size_t len, char *out)
{
	size_t i = 0, j = 0;
	int hi, lo;

	while (i < len) {
		if (s[i] != '\\') {
			out[j++] = s[i++];
			continue;
		}
		assert_true(i + 1 < len);
		if (s[i + 1] == '\\') {
			out[j++] = '\\';
			i += 2;
			continue;
		}
		assert_true(i + 3 < len && s[i + 1] == 'x');
		hi = hex_value(s[i + 2]);
		lo = hex_value(s[i + 3]);
		assert_true(hi >= 0 && lo >= 0);
		out[j++] = (char)(hi << 4 | lo);
		i += 4;
	}
	return j;
}

/* Asserts out[0..len) holds no control character and is UTF-8 (ASCII
 * without ESCAPE_UTF8; no raw '"' with ESCAPE_QUOTED). */
static void
assert_inert(const char *out, size_t len, unsigned int flags)
{
	uint32_t cp;
	size_t i, n;

	assert_true(utf8_valid(out, len));
	for (i = 0; i < len; i += n) {
		n = utf8_decode(out + i, len - i, &cp);
		assert_true(cp >= 0x20 && cp != 0x7f);
		assert_false(cp >= 0x80 && cp <= 0x9f);
		if (!(flags & ESCAPE_UTF8))
			assert_true(cp < 0x80);
		if (flags & ESCAPE_QUOTED)
			assert_true(cp != '"');
	}
}

/* Every row of bytes_cases. */
static void
test_bytes_table(void **state)
{
	const struct bytes_case *c;
	char out[BIG + 1];
	size_t i, len, n;
	bool cut;

	(void)state;
	for (i = 0; i < sizeof bytes_cases / sizeof bytes_cases[0]; i++) {
		c = &bytes_cases[i];
		len = c->len != 0 ? c->len : strlen(c->in);
		memset(out, '#', sizeof out);
		cut = !c->cut;
		n = escape_bytes(out, c->cap, c->in, len, c->flags, &cut);
		if (n != strlen(c->out) || memcmp(out, c->out, n) != 0)
			fail_msg("%s: got \"%.*s\", want \"%s\"", c->name,
			    (int)n, out, c->out);
		if (cut != c->cut)
			fail_msg("%s: cut %d, want %d", c->name, cut, c->cut);
		/* Nothing written past what it returned. */
		assert_int_equal(out[n], '#');
		assert_inert(out, n, c->flags);
	}
}

/* Every row of shown_cases, and that size bytes are never overrun. */
static void
test_shown_table(void **state)
{
	const struct shown_case *c;
	char out[BIG + 1];
	const char *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof shown_cases / sizeof shown_cases[0]; i++) {
		c = &shown_cases[i];
		memset(out, '#', sizeof out);
		r = escape_shown(out, c->size, c->in, strlen(c->in), c->max,
		    c->flags);
		assert_ptr_equal(r, out);
		if (strcmp(out, c->out) != 0)
			fail_msg("%s: got \"%s\", want \"%s\"", c->name, out,
			    c->out);
		assert_int_equal(out[c->size], '#');
	}
	/* Size 0 writes nothing at all. */
	out[0] = '#';
	escape_shown(out, 0, "abc", 3, 40, QUOTED);
	assert_int_equal(out[0], '#');
}

/* Random bytes: inert, decoding back to the input, and for QUOTED the
 * same as the quoting users.c and securechatctl.c had. */
static void
test_random(void **state)
{
	static const unsigned int flag_sets[] = { 0, LOG, QUOTED, BOTH };
	char in[SC_SHOWN_NAME_MAX + 8];
	char out[ESCAPE_SHOWN_SIZE(sizeof in)];
	char back[sizeof in];
	char want[ESCAPE_SHOWN_SIZE(SC_SHOWN_NAME_MAX)];
	char got[sizeof want];
	uint32_t seed = 12345;
	size_t round, len, i, n, f;
	bool cut;

	(void)state;
	for (round = 0; round < RANDOM_ROUNDS; round++) {
		len = round % (sizeof in);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly the interesting bytes. */
			in[i] =
			    (char)(round % 3 == 0 ? 'a' + (seed >> 16) % 26 :
						    (seed >> 16) & 0xff);
		}
		for (f = 0; f < sizeof flag_sets / sizeof flag_sets[0]; f++) {
			n = escape_bytes(out, sizeof out, in, len, flag_sets[f],
			    &cut);
			assert_false(cut);
			assert_inert(out, n, flag_sets[f]);
			assert_int_equal(unescape(out, n, back), len);
			assert_memory_equal(back, in, len);
		}
		reference_quoted(in, len, want, sizeof want);
		escape_shown(got, sizeof got, in, len, SC_SHOWN_NAME_MAX,
		    QUOTED);
		assert_string_equal(got, want);
	}
}

/* Runs the tests. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes_table),
		cmocka_unit_test(test_shown_table),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
