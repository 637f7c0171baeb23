/*
 * test_config.c: the client's config file (client/config.c): every
 * setting, key bindings, quoting, and malformed lines (unknown names,
 * bad values, out of range, long lines, NUL bytes, bad keys and actions),
 * each error naming the file and the line; the older config.json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_fixture.h"
#include "xmalloc.h"

static char dir[] = "/tmp/sc-test-config-XXXXXX";
static char path[sizeof dir + 16];

/* Writes len bytes of text as the config file. */
static void
write_config(const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Loads text as a config into a fresh fixture client; returns the rc. */
static int
load(struct client *c, const char *text, char *err, size_t errlen)
{
	fixture_client(c);
	c->port = 1;
	write_config(text, strlen(text));
	err[0] = '\0';
	return config_load(c, path, err, errlen);
}

static void
test_every_setting(void **state)
{
	struct client c;
	char err[512], stamp[EVENT_STAMP_SIZE];

	(void)state;
	assert_int_equal(load(&c,
			     "# my settings\n"
			     "\n"
			     "   server = chat.example.org  \n"
			     "port=4242\n"
			     "user = alice\n"
			     "colors = no\n"
			     "bell = off\n"
			     "mouse = yes\n"
			     "scrollback = 500\r\n"
			     "timestamp = \"<%H:%M:%S> \"\n"
			     "bind F2 prev-buffer\n"
			     "bind\tC-b  next-buffer\n"
			     "bind M-x search\n"
			     "bind F2 redraw\n",
			     err, sizeof err),
	    0);
	assert_string_equal(c.host, "chat.example.org");
	assert_int_equal(c.port, 4242);
	assert_string_equal(c.user, "alice");
	assert_false(c.color);
	assert_false(c.bell);
	assert_true(c.mouse);
	assert_int_equal(c.scrollback, 500);
	events_stamp(stamp, 0);
	assert_int_equal(strlen(stamp), 11);
	assert_int_equal(stamp[0], '<');
	assert_int_equal(stamp[10], ' ');
	assert_int_equal(events_stamp_len(), 11);
	/* F2 bound twice: the last one counts. */
	assert_int_equal(c.n_bindings, 3);
	assert_int_equal(c.bindings[0].type, KEYB_FUNCTION);
	assert_int_equal(c.bindings[0].key, 2);
	assert_int_equal(c.bindings[0].action, ACTION_REDRAW);
	assert_int_equal(c.bindings[1].type, KEYB_CTRL);
	assert_int_equal(c.bindings[1].key, 'b');
	assert_int_equal(c.bindings[1].action, ACTION_NEXT_BUFFER);
	assert_int_equal(c.bindings[2].type, KEYB_ALT);
	assert_int_equal(c.bindings[2].key, 'x');
	assert_int_equal(c.bindings[2].action, ACTION_SEARCH);
	assert_int_equal(events_set_stamp_format(EVENT_STAMP_DEFAULT), 0);
	assert_int_equal(events_stamp_len(), EVENT_STAMP_LEN);
	free(c.user); /* not the fixture's */
	fixture_free(&c);
}

static void
test_bad_lines(void **state)
{
	static const struct {
		const char *text;
		const char *says; /* after "path:" */
	} rows[] = {
		{ "nonsense\n", "1: expected \"name = value\"" },
		{ "# ok\ncolour = yes\n", "2: unknown setting \"colour\"" },
		{ "port = 0\n", "1: port: \"0\" is not 1 to 65535" },
		{ "port = 65536\n", "1: port: \"65536\" is not 1 to 65535" },
		{ "port = -1\n", "1: port: \"-1\" is not 1 to 65535" },
		{ "port = 12x\n", "1: port: \"12x\" is not 1 to 65535" },
		{ "port =\n", "1: port: \"\" is not 1 to 65535" },
		{ "bell = maybe\n", "1: bell: \"maybe\" is not yes or no" },
		{ "scrollback = 99\n", "1: scrollback: \"99\" is not 100 to" },
		{ "scrollback = 99999999999999999999\n", "1: scrollback: " },
		{ "server =\n", "1: server: 1 to 256 bytes" },
		{ "user = \"unterminated\n", "1: unterminated quote" },
		{ "user = \"a\" b\n", "1: text after the closing quote" },
		{ "user = a\001b\n", "1: a control character" },
		{ "timestamp = \"%H\tx\"\n", "1: timestamp: at most 32 bytes" },
		{ "timestamp = %H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H\n",
		    "1: timestamp: at most 32 bytes" },
		{ "timestamp = %c%c%c%c%c%c\n", "1: timestamp: at most 32" },
		{ "bind\n", "1: expected \"name = value\"" },
		{ "bind F2\n", "1: bind: expected \"bind KEY ACTION\"" },
		{ "bind F2 next-buffer now\n", "1: bind: expected" },
		{ "bind F13 redraw\n", "1: bind: \"F13\" is not a key" },
		{ "bind F0 redraw\n", "1: bind: \"F0\" is not a key" },
		{ "bind C-1 redraw\n", "1: bind: \"C-1\" is not a key" },
		{ "bind C-ab redraw\n", "1: bind: \"C-ab\" is not a key" },
		{ "bind M-X redraw\n", "1: bind: \"M-X\" is not a key" },
		{ "bind F2 fly\n", "1: bind: unknown action \"fly\"" },
		{ "\n\n\nport = 1\nbell = 2\n",
		    "5: bell: \"2\" is not yes or no" },
	};
	struct client c;
	char err[512], want[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		if (load(&c, rows[i].text, err, sizeof err) == 0)
			fail_msg("row %zu accepted: %s", i, rows[i].text);
		snprintf(want, sizeof want, "%s:%s", path, rows[i].says);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("row %zu: \"%s\", want \"%s\"", i, err, want);
		/* A refused line changes nothing after the lines before it. */
		assert_int_equal(c.n_bindings, 0);
		fixture_free(&c);
	}
	/* The stamp format a bad line named is not taken. */
	assert_int_equal(events_stamp_len(), EVENT_STAMP_LEN);
}

static void
test_long_line_nul_missing(void **state)
{
	struct client c;
	char err[512], want[512], *big;
	size_t n = 2000;

	(void)state;
	big = xmalloc(n + 2);
	memset(big, 'a', n);
	memcpy(big, "user = ", 7);
	big[n] = '\n';
	big[n + 1] = '\0';
	assert_int_not_equal(load(&c, big, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s:1: longer than", path);
	assert_true(strncmp(err, want, strlen(want)) == 0);
	fixture_free(&c);
	free(big);

	fixture_client(&c);
	write_config("bell = no\nuser = a\0b\n", 21);
	assert_int_not_equal(config_load(&c, path, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s:2: a NUL byte", path);
	assert_string_equal(err, want);
	fixture_free(&c);

	fixture_client(&c);
	assert_int_not_equal(config_load(&c, "/nonexistent/sc/config", err,
				 sizeof err),
	    0);
	assert_string_equal(err,
	    "/nonexistent/sc/config: No such file or directory");
	fixture_free(&c);
}

static void
test_json(void **state)
{
	static const char json[] = "{\"host\": \"h\", \"port\": 7, "
				   "\"bell\": false, \"scrollback\": 200}";
	struct client c;
	char err[512], want[512];

	(void)state;
	fixture_client(&c);
	write_config(json, strlen(json));
	assert_int_equal(config_load_json(&c, path, err, sizeof err), 0);
	assert_string_equal(c.host, "h");
	assert_int_equal(c.port, 7);
	assert_false(c.bell);
	assert_int_equal(c.scrollback, 200);
	fixture_free(&c);

	fixture_client(&c);
	write_config("{\"port\": true}", 14);
	assert_int_not_equal(config_load_json(&c, path, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s: port: \"yes\" is not 1 to 65535",
	    path);
	assert_string_equal(err, want);
	fixture_free(&c);
}

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/config", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_setting),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_long_line_nul_missing),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
