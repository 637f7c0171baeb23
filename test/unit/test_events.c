/*
 * test_events.c: server messages as the client shows them: the state
 * each changes (login, the online list, pongs, a refused login), the log
 * line the terminal gets, and the stdout line batch mode prints, which
 * scripts read (its text must not change); a 4096-byte notice is shown
 * whole; everything from the network is sanitized.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "client_fixture.h"
#include "xmalloc.h"

#define TS	    1700000000000LL /* 2023-11-14 22:13:20 UTC */
#define TS_STAMP    "[22:13] "	    /* with TZ=UTC */
#define ESC_PICTURE "\xe2\x90\x9b"  /* U+241B */
#define LF_PICTURE  "\xe2\x90\x8a"  /* U+240A */

static char buf[SC_MSG_MAX_LEN];

/* Feeds one plaintext to the client. */
static void
feed(struct client *c, const char *pt, size_t len)
{
	events_handle(c, (const uint8_t *)pt, len);
}

/* Feeds a JSON text written by hand (for what encoders refuse). */
static void
feed_raw(struct client *c, const char *json)
{
	feed(c, json, strlen(json));
}

/* The server's messages, through the message table's encoder. */
static void
feed_event(struct client *c, struct msg m)
{
	size_t len;

	assert_int_equal(msg_encode(&m, MSG_S2C, buf, sizeof buf, &len), 0);
	feed(c, buf, len);
}

static void
feed_login_ok(struct client *c, const char *user, const char *const *users,
    size_t n)
{
	feed_event(c,
	    (struct msg){ .type = MSG_LOGIN_OK,
		.user = MSG_STR(user),
		.users = MSG_LIST(users, n) });
}

static void
feed_say(struct client *c, const char *from, const char *text)
{
	feed_event(c,
	    (struct msg){ .type = MSG_SAY,
		.id = MSG_INT(1),
		.ts = MSG_INT(TS),
		.from = MSG_STR(from),
		.text = MSG_STR(text) });
}

static void
feed_msg(struct client *c, const char *from, const char *to, const char *text)
{
	feed_event(c,
	    (struct msg){ .type = MSG_MSG,
		.id = MSG_INT(2),
		.ts = MSG_INT(TS),
		.from = MSG_STR(from),
		.to = MSG_STR(to),
		.text = MSG_STR(text) });
}

static void
feed_presence(struct client *c, const char *user, bool online)
{
	feed_event(c,
	    (struct msg){ .type = MSG_PRESENCE,
		.user = MSG_STR(user),
		.online = MSG_BOOL(online) });
}

static void
feed_users(struct client *c, const char *const *users, size_t n)
{
	feed_event(c,
	    (struct msg){ .type = MSG_USERS, .users = MSG_LIST(users, n) });
}

static void
feed_notice(struct client *c, const char *text)
{
	feed_event(c,
	    (struct msg){ .type = MSG_NOTICE, .text = MSG_STR(text) });
}

static void
feed_error(struct client *c, enum msg_code code, const char *ref)
{
	size_t len;

	assert_int_equal(msg_encode_error(buf, sizeof buf, &len, code, NULL,
			     ref),
	    0);
	feed(c, buf, len);
}

static void
feed_bye(struct client *c, const char *reason)
{
	feed_event(c,
	    (struct msg){ .type = MSG_BYE, .reason = MSG_STR(reason) });
}

static void
feed_pong(struct client *c)
{
	feed_event(c, (struct msg){ .type = MSG_PONG, .id = MSG_INT(7) });
}

/* Asserts the newest log line. */
static void
assert_last(const struct client *c, enum line_kind kind, const char *prefix,
    const char *nick, const char *text)
{
	const struct line *l = fixture_last(c);

	assert_int_equal(l->kind, kind);
	assert_string_equal(fixture_last_prefix(c), prefix);
	if (nick == NULL)
		assert_null(l->nick);
	else
		assert_string_equal(l->nick, nick);
	assert_string_equal(l->text, text);
}

/* Asserts the online list. */
static void
assert_online(const struct client *c, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(c->n_online, n);
	for (i = 0; i < n; i++)
		assert_string_equal(c->online[i], want[i]);
}

/* The full-screen log and the state, one message type after another. */
static void
test_log_and_state(void **state)
{
	static const char *const login_users[] = { "bob", "alice" };
	static const char *const sorted[] = { "alice", "bob" };
	static const char *const three[] = { "alice", "bob", "carol" };
	static const char *const two[] = { "alice", "carol" };
	static const char *const one[] = { "x" };
	struct client c;
	uint64_t n;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGING_IN;
	feed_login_ok(&c, "alice", login_users, 2);
	assert_int_equal(c.state, CONN_LOGGED_IN);
	assert_true(c.logged_in_once);
	assert_string_equal(c.me, "alice");
	assert_online(&c, sorted, 2);
	assert_last(&c, LINE_INFO, "-- ", NULL,
	    "logged in as alice; 2 users online");

	feed_say(&c, "bob", "hi\nthere\tyou");
	assert_last(&c, LINE_CHAT, "<bob> ", "bob", "hi\nthere you");
	assert_int_equal(fixture_last(&c)->when, TS / 1000);
	assert_memory_equal(fixture_last(&c)->prefix, TS_STAMP,
	    EVENT_STAMP_LEN);
	feed_say(&c, "alice", "mine");
	assert_last(&c, LINE_OWN, "<alice> ", "alice", "mine");
	feed_msg(&c, "alice", "bob", "psst");
	assert_last(&c, LINE_PRIVATE, "*alice -> bob* ", "alice", "psst");
	/* /me: "* bob waves", also in private. */
	feed_event(&c,
	    (struct msg){ .type = MSG_SAY,
		.id = MSG_INT(3),
		.ts = MSG_INT(TS),
		.from = MSG_STR("bob"),
		.text = MSG_STR("waves"),
		.action = MSG_BOOL(true) });
	assert_last(&c, LINE_CHAT, "* bob ", "bob", "waves");
	feed_event(&c,
	    (struct msg){ .type = MSG_MSG,
		.id = MSG_INT(4),
		.ts = MSG_INT(TS),
		.from = MSG_STR("bob"),
		.to = MSG_STR("alice"),
		.text = MSG_STR("nods"),
		.action = MSG_BOOL(true) });
	assert_last(&c, LINE_PRIVATE, "*bob -> alice* * bob ", "bob", "nods");

	feed_presence(&c, "carol", true);
	assert_online(&c, three, 3);
	assert_last(&c, LINE_INFO, "-- ", "carol", "carol is online");
	feed_presence(&c, "carol", true); /* no duplicate */
	assert_online(&c, three, 3);
	feed_presence(&c, "bob", false);
	assert_online(&c, two, 2);
	assert_last(&c, LINE_INFO, "-- ", "bob", "bob went offline");
	feed_presence(&c, "nobody", false);
	assert_online(&c, two, 2);
	feed_users(&c, one, 1);
	assert_online(&c, one, 1);
	assert_last(&c, LINE_INFO, "-- ", NULL, "1 user online");

	c.pings_unanswered = 2;
	n = fixture_count(&c);
	feed_pong(&c);
	assert_int_equal(c.pings_unanswered, 0);
	assert_int_equal(fixture_count(&c), n); /* nothing shown */

	feed_notice(&c, "the server is shutting down");
	assert_last(&c, LINE_NOTICE, "-!- ", NULL,
	    "the server is shutting down");
	feed_error(&c, MSG_CODE_NOT_ONLINE, "msg");
	assert_last(&c, LINE_ERROR, "!!! ", NULL, "that user is not online");
	assert_int_equal(c.state, CONN_LOGGED_IN);
	/* A code we do not know: the server's own words. */
	feed_raw(&c,
	    "{\"type\":\"error\",\"code\":\"new_code\","
	    "\"message\":\"in the server's words\"}");
	assert_last(&c, LINE_ERROR, "!!! ", NULL, "in the server's words");
	feed_bye(&c, "quit");
	assert_last(&c, LINE_NOTICE, "-!- ", NULL,
	    "the server says goodbye: quit");

	feed_raw(&c, "{\"type\":\"say\"");
	assert_last(&c, LINE_ERROR, "!!! ", NULL,
	    "ignored a malformed message from the server");
	feed_raw(&c, "{\"type\":\"brand_new\"}");
	assert_last(&c, LINE_ERROR, "!!! ", NULL,
	    "ignored a malformed message from the server");
	fixture_free(&c);
}

/* A refused login: back to connected; auth_failed forgets the password;
 * batch mode exits 1. An error about something else changes nothing. */
static void
test_login_refused(void **state)
{
	struct capture cap;
	struct client c;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGING_IN;
	net_keep_credentials(&c, "alice", "pw", 2);
	feed_error(&c, MSG_CODE_NOT_ONLINE, "msg");
	assert_int_equal(c.state, CONN_LOGGING_IN);
	feed_error(&c, MSG_CODE_BUSY, "login");
	assert_int_equal(c.state, CONN_OPEN);
	assert_non_null(c.password); /* busy: try again later */
	c.state = CONN_LOGGING_IN;
	feed_error(&c, MSG_CODE_AUTH_FAILED, "login");
	assert_int_equal(c.state, CONN_OPEN);
	assert_null(c.password);
	assert_last(&c, LINE_ERROR, "!!! ", NULL,
	    "wrong user name or password");
	assert_int_equal(c.exit_code, 0);

	c.batch = true;
	c.state = CONN_LOGGING_IN;
	fixture_capture_start(&cap, STDOUT_FILENO);
	feed_error(&c, MSG_CODE_AUTH_FAILED, "login");
	free(fixture_capture_end(&cap));
	assert_int_equal(c.exit_code, 1);
	fixture_free(&c);
}

/* A notice, an error and a remark of the text limit are shown whole. */
static void
test_long_texts(void **state)
{
	struct client c;
	char *text;
	size_t i;

	(void)state;
	fixture_client(&c);
	text = xmalloc(SC_TEXT_MAX_LEN + 1);
	for (i = 0; i < SC_TEXT_MAX_LEN; i++)
		text[i] = (char)('a' + i % 26);
	memcpy(text + SC_TEXT_MAX_LEN - 4, "END!", 4);
	text[SC_TEXT_MAX_LEN] = '\0';
	feed_notice(&c, text);
	assert_last(&c, LINE_NOTICE, "-!- ", NULL, text);
	ui_line(&c, LINE_INFO, time(NULL), NULL, "%s", text);
	assert_last(&c, LINE_INFO, "-- ", NULL, text);
	/* Two-byte characters: 4096 bytes, 2048 of them. */
	for (i = 0; i < SC_TEXT_MAX_LEN; i += 2)
		memcpy(text + i, "\xc3\xa9", 2);
	feed_notice(&c, text);
	assert_last(&c, LINE_NOTICE, "-!- ", NULL, text);
	feed_say(&c, "bob", text);
	assert_last(&c, LINE_CHAT, "<bob> ", "bob", text);
	free(text);
	fixture_free(&c);
}

/* Escapes and invisible characters from the network never reach the
 * log or stdout as they came. */
static void
test_hostile(void **state)
{
	struct capture cap;
	struct client c;
	char *out;

	(void)state;
	fixture_client(&c);
	feed_raw(&c,
	    "{\"type\":\"login_ok\",\"user\":\"v\\u001b[1m\","
	    "\"users\":[\"evil\\u001b[31m\",\"\\u202eabc\"]}");
	assert_last(&c, LINE_INFO, "-- ", NULL,
	    "logged in as v" ESC_PICTURE "[1m; 2 users online");
	feed_raw(&c,
	    "{\"type\":\"say\",\"id\":1,\"ts\":1,\"from\":"
	    "\"m\\u001b[5m\",\"text\":\"\\u001b[2J c1:\\u009b bidi:\\u202e\"}");
	assert_last(&c, LINE_CHAT, "<m" ESC_PICTURE "[5m> ",
	    "m" ESC_PICTURE "[5m",
	    ESC_PICTURE "[2J c1:\xef\xbf\xbd bidi:\xef\xbf\xbd");
	feed_raw(&c,
	    "{\"type\":\"presence\",\"user\":\"x\\u001b\","
	    "\"online\":true}");
	assert_last(&c, LINE_INFO, "-- ", "x" ESC_PICTURE,
	    "x" ESC_PICTURE " is online");
	feed_raw(&c, "{\"type\":\"bye\",\"reason\":\"\\u0007\"}");
	assert_last(&c, LINE_NOTICE, "-!- ", NULL,
	    "the server says goodbye: \xe2\x90\x87");

	c.batch = true;
	fixture_capture_start(&cap, STDOUT_FILENO);
	feed_raw(&c,
	    "{\"type\":\"msg\",\"id\":2,\"ts\":1,\"from\":\"a\","
	    "\"to\":\"b\\u001b\",\"text\":\"back\\bspace\\rcr\\nlf\"}");
	feed_raw(&c, "{\"type\":\"users\",\"users\":[\"e\\u001b[0m\"]}");
	out = fixture_capture_end(&cap);
	assert_null(strchr(out, '\x1b'));
	assert_non_null(strstr(out,
	    "*a -> b" ESC_PICTURE "* back\xe2\x90\x88"
	    "space\xe2\x90\x8d"
	    "cr" LF_PICTURE "lf\n"));
	assert_non_null(strstr(out, "-- online: e" ESC_PICTURE "[0m\n"));
	free(out);
	fixture_free(&c);
}

/* Checks one batch stdout line: a stamp, then body; stamp NULL: any. */
static const char *
check_line(const char *p, const char *stamp, const char *body)
{
	const char *nl = strchr(p, '\n');

	assert_non_null(nl);
	assert_int_equal((size_t)(nl - p), EVENT_STAMP_LEN + strlen(body));
	if (stamp != NULL)
		assert_memory_equal(p, stamp, EVENT_STAMP_LEN);
	assert_true(p[0] == '[' && p[3] == ':' && p[6] == ']' && p[7] == ' ');
	assert_memory_equal(p + EVENT_STAMP_LEN, body, strlen(body));
	return nl + 1;
}

/* Batch mode: the stdout lines scripts read, byte for byte, and the
 * remarks on stderr. */
static void
test_batch_text(void **state)
{
	static const char *const users[] = { "bob", "alice" };
	static const char *const one[] = { "alice" };
	struct capture out_cap, err_cap;
	struct client c;
	char *out, *err;
	const char *p;

	(void)state;
	fixture_client(&c);
	c.batch = true;
	c.state = CONN_LOGGING_IN;
	fixture_capture_start(&out_cap, STDOUT_FILENO);
	fixture_capture_start(&err_cap, STDERR_FILENO);
	feed_login_ok(&c, "alice", users, 2);
	feed_say(&c, "bob", "hello\tfrom\nbob");
	feed_msg(&c, "bob", "alice", "psst");
	feed_presence(&c, "carol", true);
	feed_presence(&c, "carol", false);
	feed_users(&c, one, 1);
	feed_pong(&c);
	feed_notice(&c, "the server is shutting down");
	feed_error(&c, MSG_CODE_NOT_ONLINE, "msg");
	feed_bye(&c, "server shutting down");
	err = fixture_capture_end(&err_cap);
	out = fixture_capture_end(&out_cap);

	/* The login_ok names come as the server sent them. */
	p = check_line(out, NULL, "-- logged in as alice; online: bob alice");
	p = check_line(p, TS_STAMP, "<bob> hello from" LF_PICTURE "bob");
	p = check_line(p, TS_STAMP, "*bob -> alice* psst");
	p = check_line(p, NULL, "-- carol is online");
	p = check_line(p, NULL, "-- carol went offline");
	p = check_line(p, NULL, "-- online: alice");
	p = check_line(p, NULL, "-!- the server is shutting down");
	p = check_line(p, NULL, "!!! that user is not online");
	p = check_line(p, NULL, "-- bye: server shutting down");
	assert_string_equal(p, "");
	assert_string_equal(err,
	    "securechat: logged in as alice; 2 users online\n"
	    "securechat: carol is online\n"
	    "securechat: carol went offline\n"
	    "securechat: 1 user online\n"
	    "securechat: the server is shutting down\n"
	    "securechat: that user is not online\n"
	    "securechat: the server says goodbye: server shutting down\n");
	assert_int_equal(fixture_count(&c), 0); /* no log in batch mode */
	free(out);
	free(err);
	fixture_free(&c);
}

/* Batch --json: every message re-encoded, pongs included, non-ASCII
 * escaped. */
static void
test_batch_json(void **state)
{
	struct capture cap;
	struct client c;
	char *out;

	(void)state;
	fixture_client(&c);
	c.batch = true;
	c.json = true;
	fixture_capture_start(&cap, STDOUT_FILENO);
	feed_say(&c, "bob", "h\xc3\xa9 \xe6\x97\xa5");
	feed_pong(&c);
	feed_raw(&c, "{\"type\":\"notice\",\"text\":\"x\",\"extra\":[1]}");
	out = fixture_capture_end(&cap);
	assert_string_equal(out,
	    "{\"type\":\"say\",\"id\":1,\"ts\":1700000000000,\"from\":"
	    "\"bob\",\"text\":\"h\\u00E9 \\u65E5\"}\n"
	    "{\"type\":\"pong\",\"id\":7}\n"
	    "{\"type\":\"notice\",\"text\":\"x\",\"extra\":[1]}\n");
	free(out);
	fixture_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_and_state),
		cmocka_unit_test(test_login_refused),
		cmocka_unit_test(test_long_texts),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_batch_text),
		cmocka_unit_test(test_batch_json),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
