/*
 * test_cmd.c: the client's command table and dispatcher: every entry is
 * complete, names are unique and sorted, completion and /help come from
 * the table, the usage and state errors read as the user sees them, and
 * a secret argument never reaches the input history.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_fixture.h"
#include "xmalloc.h"

#define KNOWN_FLAGS (CMD_NEEDS_LOGIN | CMD_SECRET | CMD_OP)

/* Runs a line typed by the user. */
static void
run(struct client *c, const char *line)
{
	cmd_run(c, line, strlen(line));
}

/* Runs a line and asserts the one error line it gives. */
static void
assert_error(struct client *c, const char *line, const char *text)
{
	uint64_t before = fixture_count(c);

	run(c, line);
	assert_int_equal(fixture_count(c), before + 1);
	assert_int_equal(fixture_last(c)->kind, LINE_ERROR);
	assert_string_equal(fixture_last_prefix(c), "!!! ");
	assert_string_equal(fixture_last(c)->text, text);
}

/* Counts the words of s. */
static size_t
words(const char *s)
{
	size_t n = 0, pos = 0, len = strlen(s);
	const char *w;

	while (cmd_word(s, len, &pos, &w) > 0)
		n++;
	return n;
}

/* Every entry: a '/' name, usage, help, known flags, a handler; names
 * unique and sorted; each found by its name and by nothing shorter. */
static void
test_table(void **state)
{
	const struct cmd_entry *e;
	size_t i, len;

	(void)state;
	assert_true(cmd_table_len > 0);
	for (i = 0; i < cmd_table_len; i++) {
		e = cmd_table[i];
		assert_non_null(e->name);
		len = strlen(e->name);
		assert_true(len >= 2);
		assert_int_equal(e->name[0], '/');
		assert_int_not_equal(e->name[1], '/'); /* "//" says */
		assert_null(strchr(e->name, ' '));
		assert_non_null(e->usage);
		assert_non_null(e->help);
		assert_true(e->help[0] != '\0');
		assert_int_equal(e->flags & ~KNOWN_FLAGS, 0);
		assert_non_null(e->handler);
		/* A secret is the usage's last word: there must be one. */
		if (e->flags & CMD_SECRET)
			assert_true(words(e->usage) >= 1);
		if (i > 0)
			assert_true(
			    strcmp(cmd_table[i - 1]->name, e->name) < 0);
		assert_ptr_equal(cmd_find(e->name, len), e);
		assert_null(cmd_find(e->name, len - 1));
	}
	assert_null(cmd_find("/nope", 5));
	assert_null(cmd_find("", 0));
	/* The say entry is not in the table but runs the same way. */
	assert_non_null(cmd_say_entry.handler);
	assert_true(cmd_say_entry.flags & CMD_NEEDS_LOGIN);
	for (i = 0; i < cmd_table_len; i++)
		assert_ptr_not_equal(cmd_table[i], &cmd_say_entry);
}

/* Completion offers the table's names: each completes from itself. */
static void
test_completion_from_table(void **state)
{
	static struct editor e;
	const char *const *names;
	struct completer comp;
	char want[64];
	size_t n, i;

	(void)state;
	names = cmd_names(&n);
	assert_int_equal(n, cmd_table_len);
	complete_init(&comp);
	for (i = 0; i < n; i++) {
		assert_string_equal(names[i], cmd_table[i]->name);
		editor_set(&e, names[i], strlen(names[i]));
		snprintf(want, sizeof want, "%s ", names[i]);
		assert_true(complete_tab(&comp, &e, names, n, NULL, 0));
		assert_string_equal(e.buf, want);
		complete_reset(&comp);
	}
	/* A bare '/' offers them all, in table order. */
	editor_set(&e, "/", 1);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof want, "%s ", names[i]);
		assert_true(complete_tab(&comp, &e, names, n, NULL, 0));
		assert_string_equal(e.buf, want);
	}
	complete_free(&comp);
}

/* The usage errors come from the table, as the user sees them. */
static void
test_usage(void **state)
{
	struct client c;
	const struct cmd_entry *e;
	char want[256];
	size_t i;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGED_IN;
	/* The texts client_tmux.py and people know. */
	assert_error(&c, "/login", "usage: /login <user> [password]");
	assert_error(&c, "/msg", "usage: /msg <user> <text>");
	assert_error(&c, "/msg bob", "usage: /msg <user> <text>");
	assert_error(&c, "/msg bob ", "usage: /msg <user> <text>");
	assert_error(&c, "/msg   ", "usage: /msg <user> <text>");
	/* The commands that take nothing refuse a word. */
	assert_error(&c, "/connect now", "usage: /connect");
	assert_error(&c, "/reconnect x", "usage: /reconnect");
	assert_error(&c, "/history 5", "usage: /history");
	/* Every command that needs an argument says its usage without. */
	for (i = 0; i < cmd_table_len; i++) {
		e = cmd_table[i];
		if (strchr(e->usage, '<') == NULL)
			continue;
		snprintf(want, sizeof want, "usage: %s %s", e->name, e->usage);
		assert_error(&c, e->name, want);
	}
	fixture_free(&c);
}

/* Batch mode has no prompt: the password is needed on the line. */
static void
test_usage_batch(void **state)
{
	struct capture cap;
	struct client c;
	char *err;

	(void)state;
	fixture_client(&c);
	c.batch = true;
	c.state = CONN_OPEN;
	fixture_capture_start(&cap, STDERR_FILENO);
	run(&c, "/login alice");
	run(&c, "/frob");
	err = fixture_capture_end(&cap);
	assert_string_equal(err,
	    "securechat: usage: /login <user> <password>\n"
	    "securechat: unknown command /frob (try /help)\n");
	free(err);
	assert_int_equal(fixture_count(&c), 0); /* nothing in the log */
	fixture_free(&c);
}

/* Unknown commands, cut when long; "//" is text, not a command. */
static void
test_unknown(void **state)
{
	struct client c;
	char line[128];

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGED_IN;
	assert_error(&c, "/frobnicate",
	    "unknown command /frobnicate "
	    "(try /help)");
	assert_error(&c, "/LOGIN x", "unknown command /LOGIN (try /help)");
	assert_error(&c, "/log", "unknown command /log (try /help)");
	memset(line, 'x', sizeof line);
	line[0] = '/';
	line[sizeof line - 1] = '\0';
	run(&c, line);
	assert_int_equal(strlen(fixture_last(&c)->text),
	    strlen("unknown command  (try /help)") + 40);
	/* Escapes typed in a command name are shown as pictures. */
	assert_error(&c, "/a\x1b[2J",
	    "unknown command /a\xe2\x90\x9b[2J "
	    "(try /help)");
	fixture_free(&c);
}

/* CMD_NEEDS_LOGIN: the state check comes first, for text too. */
static void
test_state(void **state)
{
	const struct cmd_entry *e;
	struct client c;
	size_t i;

	(void)state;
	fixture_client(&c);
	assert_error(&c, "hello", "not connected");
	assert_error(&c, "//slash", "not connected");
	c.state = CONN_OPEN;
	assert_error(&c, "hello", "not logged in: use /login <user>");
	for (i = 0; i < cmd_table_len; i++) {
		e = cmd_table[i];
		if (!(e->flags & CMD_NEEDS_LOGIN))
			continue;
		c.state = CONN_WAITING;
		assert_error(&c, e->name, "not connected");
		c.state = CONN_LOGGING_IN;
		assert_error(&c, e->name, "not logged in: use /login <user>");
	}
	/* Logged in: the content rules, before anything is sent. */
	c.state = CONN_LOGGED_IN;
	assert_error(&c, "a\x01z",
	    "message not sent: it is empty or holds "
	    "control characters");
	assert_error(&c, "/msg b@d hi", "bad user name");
	assert_error(&c, "/login alice pw", "already logged in");
	fixture_free(&c);
}

/* A text over the limit is refused with its size, said or private. */
static void
test_too_long(void **state)
{
	static const char msg[] = "/msg bob ";
	struct client c;
	char *line;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGED_IN;
	line = xmalloc(sizeof msg + SC_TEXT_MAX_LEN + 1);
	memset(line, 'x', SC_TEXT_MAX_LEN + 1);
	line[SC_TEXT_MAX_LEN + 1] = '\0';
	assert_error(&c, line,
	    "message too long: 4097 bytes, the limit is "
	    "4096 (nothing was sent)");
	memcpy(line, msg, sizeof msg - 1);
	memset(line + sizeof msg - 1, 'x', SC_TEXT_MAX_LEN + 1);
	line[sizeof msg - 1 + SC_TEXT_MAX_LEN + 1] = '\0';
	assert_error(&c, line,
	    "message too long: 4097 bytes, the limit is "
	    "4096 (nothing was sent)");
	free(line);
	fixture_free(&c);
}

/* The /help line of the command name (the test fails without one). */
static const char *
help_line(struct client *c, uint64_t first, const char *name)
{
	const struct line *l;
	uint64_t seq;

	for (seq = first; seq <= scrollback_last(&buffer_current(&c->bufs)->sb);
	     seq++) {
		l = scrollback_get(&buffer_current(&c->bufs)->sb, seq);
		if (strncmp(l->text, name, strlen(name)) == 0 &&
		    l->text[strlen(name)] == ' ')
			return l->text;
	}
	fail_msg("no /help line for %s", name);
	return NULL;
}

/* /help: one line per table entry, then "//text" and the keys. */
static void
test_help(void **state)
{
	struct client c;
	const struct line *l;
	uint64_t first;
	char want[256];
	size_t i, j, n;

	(void)state;
	fixture_client(&c);
	/* An operator sees every command. */
	c.is_op = true;
	run(&c, "/help");
	assert_int_equal(fixture_count(&c), cmd_table_len + 8);
	fixture_free(&c);

	/* Anyone else: the operators' commands are left out. */
	fixture_client(&c);
	run(&c, "/help");
	first = scrollback_first(&buffer_current(&c.bufs)->sb);
	for (i = 0, n = 0; i < cmd_table_len; i++)
		n += (cmd_table[i]->flags & CMD_OP) == 0;
	assert_true(n < cmd_table_len);
	/* The commands, the say escape and 7 lines of keys. */
	assert_int_equal(fixture_count(&c), n + 8);
	for (i = 0, j = 0; i < cmd_table_len; i++) {
		if (cmd_table[i]->flags & CMD_OP)
			continue;
		l = scrollback_get(&buffer_current(&c.bufs)->sb, first + j++);
		assert_int_equal(l->kind, LINE_INFO);
		assert_string_equal(l->prefix + EVENT_STAMP_LEN, "-- ");
		assert_memory_equal(l->text, cmd_table[i]->name,
		    strlen(cmd_table[i]->name));
		assert_non_null(strstr(l->text, cmd_table[i]->help));
	}
	/* The help texts start in one column. */
	assert_string_equal(help_line(&c, first, "/login"),
	    "/login <user> "
	    "[password]  log in (asks for the password)");
	assert_string_equal(help_line(&c, first, "/msg"),
	    "/msg <user> "
	    "<text>        private message");
	assert_string_equal(help_line(&c, first, "/quit"),
	    "/quit         "
	    "            leave");
	l = scrollback_get(&buffer_current(&c.bufs)->sb, first + n);
	assert_string_equal(l->text,
	    "//text                    say text "
	    "that starts with /");
	snprintf(want, sizeof want, "%s", "keys: PgUp/PgDn scroll");
	l = scrollback_get(&buffer_current(&c.bufs)->sb, first + n + 1);
	assert_memory_equal(l->text, want, strlen(want));
	fixture_free(&c);
}

/* The operators' commands check their words before anything is sent:
 * "<user> [#room] [time] [reason...]", each part where it applies. */
static void
test_moderate(void **state)
{
	struct client c;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGED_IN;
	assert_error(&c, "/kick", "usage: /kick <user> [#room] [reason]");
	assert_error(&c, "/ban", "usage: /ban <user> [time] [reason]");
	assert_error(&c, "/kick b@d", "bad user name");
	assert_error(&c, "/mute bob #Bad 10m",
	    "bad room name: 1 to 32 "
	    "characters of a-z 0-9 _ -");
	assert_error(&c, "/unmute bob #rust extra",
	    "usage: /unmute <user> [#room]");
	assert_error(&c, "/unban bob now", "usage: /unban <user>");
	assert_error(&c, "/ban bob 2h bad\x01reason",
	    "message not sent: it is empty or holds control characters");
	fixture_free(&c);
}

/* What the history keeps: never the secret argument. */
static void
test_history_secret(void **state)
{
	static const struct {
		const char *line, *kept;
	} rows[] = {
		{ "/login alice s3cret", "/login alice" },
		{ "/login   alice   s3cret with spaces", "/login alice" },
		{ "/login alice", "/login alice" },
		{ "/login", "/login" },
		{ "/login ", "/login" },
		/* Lines of other commands, or text, are kept whole. */
		{ "/msg bob s3cret", "/msg bob s3cret" },
		{ "hello s3cret", "hello s3cret" },
		{ "//login alice s3cret", "//login alice s3cret" },
		{ "/loginx alice s3cret", "/loginx alice s3cret" },
		{ "", "" },
	};
	const struct cmd_entry *e;
	char line[256], *kept;
	size_t i, k, n;

	(void)state;
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		kept = cmd_history_line(rows[i].line, strlen(rows[i].line));
		assert_string_equal(kept, rows[i].kept);
		free(kept);
	}
	/* Every secret command: the words before the secret, not it. */
	for (i = 0; i < cmd_table_len; i++) {
		e = cmd_table[i];
		if (!(e->flags & CMD_SECRET))
			continue;
		n = words(e->usage);
		snprintf(line, sizeof line, "%s", e->name);
		for (k = 0; k + 1 < n; k++)
			strcat(line, " word");
		strcat(line, " SECRET");
		kept = cmd_history_line(line, strlen(line));
		assert_null(strstr(kept, "SECRET"));
		assert_int_equal(strlen(kept),
		    strlen(line) - strlen(" SECRET"));
		free(kept);
		assert_ptr_equal(cmd_of_line(line, strlen(line)), e);
	}
	assert_null(cmd_of_line("hello", 5));
	assert_null(cmd_of_line("//login", 7));
	assert_null(cmd_of_line("", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_completion_from_table),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_usage_batch),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_moderate),
		cmocka_unit_test(test_history_secret),
	};

	setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
