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

/* Message ids as a server gives them: each once. */
static int64_t next_id = 100;

static void
feed_say(struct client *c, const char *from, const char *text)
{
	feed_event(c,
	    (struct msg){ .type = MSG_SAY,
		.id = MSG_INT(next_id++),
		.ts = MSG_INT(TS),
		.from = MSG_STR(from),
		.text = MSG_STR(text) });
}

static void
feed_msg(struct client *c, const char *from, const char *to, const char *text)
{
	feed_event(c,
	    (struct msg){ .type = MSG_MSG,
		.id = MSG_INT(next_id++),
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
		.id = MSG_INT(next_id++),
		.ts = MSG_INT(TS),
		.from = MSG_STR("bob"),
		.text = MSG_STR("waves"),
		.action = MSG_BOOL(true) });
	assert_last(&c, LINE_CHAT, "* bob ", "bob", "waves");
	feed_event(&c,
	    (struct msg){ .type = MSG_MSG,
		.id = MSG_INT(next_id++),
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
	assert_last(&c, LINE_INFO, "-- ", NULL, "1 user online: x");

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
	    "securechat: 1 user online: alice\n"
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
	next_id = 1; /* batch mode shows every id as it comes */
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

/* A say of a room (say without room: the lobby, as old servers send). */
static void
feed_room_say(struct client *c, const char *room, const char *from,
    const char *text)
{
	feed_event(c,
	    (struct msg){ .type = MSG_SAY,
		.id = MSG_INT(next_id++),
		.ts = MSG_INT(TS),
		.room = room != NULL ? MSG_STR(room) : (struct msg_str){ 0 },
		.from = MSG_STR(from),
		.text = MSG_STR(text) });
}

static void
feed_joined(struct client *c, const char *room, const char *topic,
    const char *const *users, size_t n, bool more)
{
	feed_event(c,
	    (struct msg){ .type = MSG_JOINED,
		.room = MSG_STR(room),
		.topic = MSG_STR(topic),
		.users = MSG_LIST(users, n),
		.more = more ? MSG_BOOL(true) : (struct msg_bool){ 0 } });
}

static void
feed_room_users(struct client *c, const char *room, const char *const *users,
    size_t n, bool more)
{
	feed_event(c,
	    (struct msg){ .type = MSG_USERS,
		.room = room != NULL ? MSG_STR(room) : (struct msg_str){ 0 },
		.users = MSG_LIST(users, n),
		.more = MSG_BOOL(more) });
}

/* The buffer of a room or user (the test fails without it). */
static struct buffer *
buf_of(struct client *c, enum buffer_kind kind, const char *name)
{
	struct buffer *b = buffer_find(&c->bufs, kind, name);

	assert_non_null(b);
	return b;
}

/* The newest line of buffer b. */
static const struct line *
last_in(const struct buffer *b)
{
	const struct line *l = scrollback_get(&b->sb, scrollback_last(&b->sb));

	assert_non_null(l);
	return l;
}

/* Asserts the members of a buffer. */
static void
assert_members(const struct buffer *b, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(b->n_members, n);
	for (i = 0; i < n; i++)
		assert_string_equal(b->members[i], want[i]);
}

/* Every event goes to its buffer: says to their room (none: the lobby),
 * msgs to the conversation with the other user, presence to the server
 * buffer and the rooms concerned, errors to the current buffer; member
 * lists follow joined, room_join, room_part and presence. */
static void
test_routing(void **state)
{
	static const char *const online[] = { "alice", "bob" };
	static const char *const rust[] = { "alice", "carol" };
	static const char *const rust2[] = { "alice", "bob", "carol" };
	static const char *const lobby3[] = { "alice", "bob", "dave" };
	static const char *const pair[] = { "alice", "bob" };
	struct buffer *lobby, *r, *q, *server;
	struct client c;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGING_IN;
	feed_login_ok(&c, "alice", online, 2);
	lobby = buf_of(&c, BUFFER_ROOM, "lobby");
	server = buffer_server(&c.bufs);
	assert_ptr_equal(buffer_current(&c.bufs), lobby);
	assert_members(lobby, online, 2);
	assert_string_equal(last_in(lobby)->text,
	    "logged in as alice; 2 users online");

	feed_room_say(&c, NULL, "bob", "old server");
	assert_ptr_equal(c.bufs.newest, lobby);
	feed_room_say(&c, "lobby", "bob", "new server");
	assert_ptr_equal(c.bufs.newest, lobby);
	assert_int_equal(lobby->unread, 0); /* current */

	feed_joined(&c, "rust", "Rust talk", rust, 2, false);
	r = buf_of(&c, BUFFER_ROOM, "rust");
	assert_ptr_equal(buffer_current(&c.bufs), r); /* new: selected */
	assert_members(r, rust, 2);
	assert_string_equal(r->topic, "Rust talk");
	assert_last(&c, LINE_INFO, "-- ", NULL,
	    "you joined #rust (topic: Rust talk)");

	feed_room_say(&c, "lobby", "bob", "meanwhile");
	assert_ptr_equal(c.bufs.newest, lobby);
	assert_int_equal(lobby->unread, 1);
	feed_room_say(&c, "rust", "carol", "in rust");
	assert_ptr_equal(c.bufs.newest, r);
	assert_last(&c, LINE_CHAT, "<carol> ", "carol", "in rust");

	feed_event(&c,
	    (struct msg){ .type = MSG_ROOM_JOIN,
		.room = MSG_STR("rust"),
		.user = MSG_STR("bob") });
	assert_members(r, rust2, 3);
	assert_last(&c, LINE_INFO, "-- ", "bob", "bob joined #rust");
	feed_event(&c,
	    (struct msg){ .type = MSG_ROOM_PART,
		.room = MSG_STR("rust"),
		.user = MSG_STR("bob"),
		.reason = MSG_STR("dinner") });
	assert_members(r, rust, 2);
	assert_last(&c, LINE_INFO, "-- ", "bob", "bob left #rust: dinner");

	/* Private: the conversation with the other user, both ways. */
	feed_msg(&c, "bob", "alice", "psst");
	q = buf_of(&c, BUFFER_QUERY, "bob");
	assert_ptr_equal(c.bufs.newest, q);
	assert_members(q, pair, 2);
	assert_int_equal(q->unread, 1);
	feed_msg(&c, "alice", "bob", "yes?");
	assert_ptr_equal(c.bufs.newest, q);
	assert_int_equal(q->unread, 1); /* our own */
	assert_ptr_equal(buffer_current(&c.bufs), r);

	/* Presence: the server buffer, and the lobby's members. */
	feed_presence(&c, "dave", true);
	assert_members(lobby, lobby3, 3);
	assert_string_equal(last_in(server)->text, "dave is online");
	assert_string_equal(last_in(lobby)->text, "dave is online");
	feed_presence(&c, "carol", false);
	assert_members(r, online, 1); /* alice: carol is in no room now */
	assert_string_equal(last_in(r)->text, "carol went offline");

	/* Errors: where the user is. */
	feed_error(&c, MSG_CODE_NOT_MEMBER, "say");
	assert_ptr_equal(c.bufs.newest, r);
	assert_last(&c, LINE_ERROR, "!!! ", NULL, "you are not in that room");

	/* parted: the buffer stays, marked, without members. */
	feed_event(&c,
	    (struct msg){ .type = MSG_PARTED, .room = MSG_STR("rust") });
	assert_true(r->parted);
	assert_int_equal(r->n_members, 0);
	assert_last(&c, LINE_INFO, "-- ", NULL, "you left #rust");
	/* joined again: back, the buffer current again when asked for. */
	ui_select_buffer(&c, 1);
	snprintf(c.join_pending, sizeof c.join_pending, "rust");
	feed_joined(&c, "rust", "", rust, 2, false);
	assert_false(r->parted);
	assert_ptr_equal(buffer_current(&c.bufs), r);
	assert_string_equal(c.join_pending, "");
	assert_last(&c, LINE_INFO, "-- ", NULL, "you joined #rust (no topic)");
	fixture_free(&c);
}

/* The new events in words. */
static void
test_room_events(void **state)
{
	static const char *const online[] = { "alice" };
	static const char *const names[] = { "alice", "bob" };
	static const char *const rooms[] = { "lobby", "rust" };
	struct client c;
	json_t *list;

	(void)state;
	fixture_client(&c);
	feed_login_ok(&c, "alice", online, 1);
	feed_joined(&c, "rust", "", names, 2, false);

	feed_event(&c,
	    (struct msg){ .type = MSG_TOPIC,
		.room = MSG_STR("rust"),
		.topic = MSG_STR("new \x1b topic"),
		.by = MSG_STR("bob"),
		.ts = MSG_INT(TS) });
	assert_last(&c, LINE_INFO, "-- ", "bob",
	    "bob set the topic of #rust: new " ESC_PICTURE " topic");
	assert_string_equal(buf_of(&c, BUFFER_ROOM, "rust")->topic,
	    "new \x1b topic"); /* kept raw, sanitized when shown */
	feed_event(&c,
	    (struct msg){ .type = MSG_TOPIC,
		.room = MSG_STR("rust"),
		.topic = MSG_STR(""),
		.by = MSG_STR("bob") });
	assert_last(&c, LINE_INFO, "-- ", "bob",
	    "bob cleared the topic of #rust");
	feed_event(&c,
	    (struct msg){ .type = MSG_TOPIC,
		.room = MSG_STR("rust"),
		.topic = MSG_STR("t") });
	assert_last(&c, LINE_INFO, "-- ", NULL, "topic of #rust: t");
	feed_event(&c,
	    (struct msg){ .type = MSG_TOPIC,
		.room = MSG_STR("rust"),
		.topic = MSG_STR("") });
	assert_last(&c, LINE_INFO, "-- ", NULL, "#rust has no topic");

	feed_event(&c,
	    (struct msg){ .type = MSG_NAMES,
		.room = MSG_STR("rust"),
		.users = MSG_LIST(names, 2) });
	assert_last(&c, LINE_INFO, "-- ", NULL, "#rust (2 users): alice bob");

	list = json_pack("[{s:s,s:i,s:s},{s:s,s:i,s:s},{s:i}]", "room", "lobby",
	    "users", 3, "topic", "", "room", "rust", "users", 1, "topic",
	    "all about \x1b", "users", 2);
	assert_non_null(list);
	feed_event(&c,
	    (struct msg){ .type = MSG_ROOMS, .room_list = { list } });
	json_decref(list);
	assert_last(&c, LINE_INFO, "-- ", NULL,
	    "2 rooms:\n#lobby (3)\n#rust (1): all about " ESC_PICTURE);

	feed_event(&c,
	    (struct msg){ .type = MSG_AWAY,
		.user = MSG_STR("bob"),
		.text = MSG_STR("lunch") });
	assert_last(&c, LINE_INFO, "-- ", "bob", "bob is away: lunch");
	assert_ptr_equal(c.bufs.newest, buffer_server(&c.bufs));
	feed_event(&c,
	    (struct msg){ .type = MSG_AWAY, .user = MSG_STR("bob") });
	assert_last(&c, LINE_INFO, "-- ", "bob", "bob is back");
	feed_event(&c,
	    (struct msg){ .type = MSG_AWAY,
		.user = MSG_STR("alice"),
		.text = MSG_STR("afk") });
	assert_ptr_equal(c.bufs.newest, buffer_current(&c.bufs));

	feed_event(&c,
	    (struct msg){ .type = MSG_WHOIS,
		.user = MSG_STR("bob"),
		.online = MSG_BOOL(true),
		.sessions = MSG_INT(2),
		.room_names = MSG_LIST(rooms, 2),
		.away = MSG_STR("lunch"),
		.idle_s = MSG_INT(200),
		.since = MSG_INT(TS) });
	assert_last(&c, LINE_INFO, "-- ", NULL,
	    "bob: online, 2 sessions, idle 3m 20s\nrooms: #lobby #rust\n"
	    "away: lunch\nonline since 2023-11-14 22:13");
	feed_event(&c,
	    (struct msg){ .type = MSG_WHOIS,
		.user = MSG_STR("zed"),
		.online = MSG_BOOL(false),
		.sessions = MSG_INT(0),
		.room_names = MSG_LIST(NULL, 0),
		.idle_s = MSG_INT(90000) });
	assert_last(&c, LINE_INFO, "-- ", NULL,
	    "zed: offline, 0 sessions, idle 1d 1h");

	feed_error(&c, MSG_CODE_NO_SUCH_ROOM, "names");
	assert_last(&c, LINE_ERROR, "!!! ", NULL, "there is no such room");
	feed_error(&c, MSG_CODE_NO_SUCH_USER, "whois");
	assert_last(&c, LINE_ERROR, "!!! ", NULL, "there is no such user");
	fixture_free(&c);
}

/* Name lists in parts (section 6): put together before use; something
 * else between the parts ends the list with what came. */
static void
test_parts_concat(void **state)
{
	static const char *const p1[] = { "a", "b" };
	static const char *const p2[] = { "c" };
	static const char *const p3[] = { "d" };
	static const char *const all[] = { "a", "b", "c", "d" };
	static const char *const some[] = { "a", "b", "c" };
	struct client c;
	uint64_t n;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGING_IN;
	feed_event(&c,
	    (struct msg){ .type = MSG_LOGIN_OK,
		.user = MSG_STR("a"),
		.users = MSG_LIST(p1, 2),
		.more = MSG_BOOL(true) });
	assert_int_equal(c.state, CONN_LOGGING_IN); /* not yet */
	assert_int_equal(fixture_count(&c), 0);
	feed_room_users(&c, NULL, p2, 1, true);
	feed_room_users(&c, NULL, p3, 1, false);
	assert_int_equal(c.state, CONN_LOGGED_IN);
	assert_online(&c, all, 4);
	assert_members(buf_of(&c, BUFFER_ROOM, "lobby"), all, 4);
	assert_last(&c, LINE_INFO, "-- ", NULL,
	    "logged in as a; 4 users online");
	assert_false(c.parts.open);

	n = fixture_count(&c);
	feed_joined(&c, "rust", "", p1, 2, true);
	feed_room_users(&c, "rust", p2, 1, true);
	assert_int_equal(fixture_count(&c), n);
	assert_null(buffer_find(&c.bufs, BUFFER_ROOM, "rust"));
	feed_room_users(&c, "rust", p3, 1, false);
	assert_members(buf_of(&c, BUFFER_ROOM, "rust"), all, 4);

	/* Broken off by another message: what came is used. */
	feed_event(&c,
	    (struct msg){ .type = MSG_NAMES,
		.room = MSG_STR("rust"),
		.users = MSG_LIST(p1, 2),
		.more = MSG_BOOL(true) });
	feed_room_users(&c, "rust", p2, 1, true);
	feed_room_say(&c, "rust", "a", "hi");
	assert_members(buf_of(&c, BUFFER_ROOM, "rust"), some, 3);
	assert_false(c.parts.open);
	assert_last(&c, LINE_OWN, "<a> ", "a", "hi");
	/* A part of another room ends it too. */
	feed_joined(&c, "x", "", p1, 2, true);
	feed_room_users(&c, "y", p2, 1, false);
	assert_members(buf_of(&c, BUFFER_ROOM, "x"), p1, 2);
	/* A list left open at a disconnect is forgotten. */
	feed_joined(&c, "z", "", p1, 2, true);
	events_disconnected(&c);
	assert_false(c.parts.open);
	fixture_free(&c);
}

/* A say naming us is a highlight: its line kind, its buffer's mark
 * (when not current), once. Our own and other words are not. */
static void
test_highlight(void **state)
{
	static const char *const online[] = { "alice", "bob" };
	struct buffer *r;
	struct client c;

	(void)state;
	fixture_client(&c);
	feed_login_ok(&c, "alice", online, 2);
	feed_room_say(&c, NULL, "bob", "hey Alice, look");
	assert_last(&c, LINE_HIGHLIGHT, "<bob> ", "bob", "hey Alice, look");
	feed_room_say(&c, NULL, "bob", "malice aforethought");
	assert_int_equal(fixture_last(&c)->kind, LINE_CHAT);
	feed_room_say(&c, NULL, "alice", "I am alice");
	assert_int_equal(fixture_last(&c)->kind, LINE_OWN);
	feed_joined(&c, "rust", "", online, 2, false);
	ui_select_buffer(&c, 1);
	feed_room_say(&c, "rust", "bob", "alice?");
	r = buf_of(&c, BUFFER_ROOM, "rust");
	assert_true(r->highlight);
	assert_int_equal(r->unread, 1);
	ui_select_buffer(&c, buffer_number(&c.bufs, r));
	assert_false(r->highlight);
	fixture_free(&c);
}

/* Batch mode: one line per new event; lobby says as before, other
 * rooms' with the room first. */
static void
test_batch_rooms(void **state)
{
	static const char *const users[] = { "alice", "bob" };
	static const char *const rooms[] = { "lobby" };
	struct capture out_cap;
	struct client c;
	json_t *list;
	char *out;
	const char *p;

	(void)state;
	fixture_client(&c);
	c.batch = true;
	fixture_capture_start(&out_cap, STDOUT_FILENO);
	feed_login_ok(&c, "alice", users, 2);
	feed_room_say(&c, NULL, "bob", "hello batch");
	feed_room_say(&c, "lobby", "bob", "hello lobby");
	feed_joined(&c, "x", "the x room", users, 2, false);
	feed_joined(&c, "y", "", users, 1, false);
	feed_room_say(&c, "x", "bob", "hi");
	feed_event(&c,
	    (struct msg){ .type = MSG_SAY,
		.id = MSG_INT(next_id++),
		.ts = MSG_INT(TS),
		.room = MSG_STR("x"),
		.from = MSG_STR("bob"),
		.text = MSG_STR("waves"),
		.action = MSG_BOOL(true) });
	feed_event(&c,
	    (struct msg){ .type = MSG_ROOM_JOIN,
		.room = MSG_STR("x"),
		.user = MSG_STR("carol") });
	feed_event(&c,
	    (struct msg){ .type = MSG_ROOM_PART,
		.room = MSG_STR("x"),
		.user = MSG_STR("carol"),
		.by = MSG_STR("op") });
	feed_event(&c,
	    (struct msg){ .type = MSG_NAMES,
		.room = MSG_STR("x"),
		.users = MSG_LIST(users, 2) });
	list = json_pack("[{s:s,s:i,s:s},{s:s,s:i,s:s}]", "room", "lobby",
	    "users", 3, "topic", "", "room", "x", "users", 2, "topic", "t");
	feed_event(&c,
	    (struct msg){ .type = MSG_ROOMS, .room_list = { list } });
	json_decref(list);
	feed_event(&c,
	    (struct msg){ .type = MSG_WHOIS,
		.user = MSG_STR("bob"),
		.online = MSG_BOOL(true),
		.sessions = MSG_INT(1),
		.room_names = MSG_LIST(rooms, 1),
		.idle_s = MSG_INT(5) });
	feed_event(&c,
	    (struct msg){ .type = MSG_AWAY,
		.user = MSG_STR("bob"),
		.text = MSG_STR("lunch") });
	feed_event(&c,
	    (struct msg){ .type = MSG_PARTED,
		.room = MSG_STR("x"),
		.reason = MSG_STR("bye") });
	out = fixture_capture_end(&out_cap);

	p = check_line(out, NULL, "-- logged in as alice; online: alice bob");
	p = check_line(p, TS_STAMP, "<bob> hello batch");
	p = check_line(p, TS_STAMP, "<bob> hello lobby");
	p = check_line(p, NULL,
	    "-- joined #x; topic: the x room; users: alice bob");
	p = check_line(p, NULL, "-- joined #y; users: alice");
	p = check_line(p, TS_STAMP, "[#x] <bob> hi");
	p = check_line(p, TS_STAMP, "[#x] * bob waves");
	p = check_line(p, NULL, "-- carol joined #x");
	p = check_line(p, NULL, "-- carol was kicked from #x by op");
	p = check_line(p, NULL, "-- #x (2 users): alice bob");
	p = check_line(p, NULL, "-- rooms: #lobby (3); #x (2): t");
	p = check_line(p, NULL,
	    "-- bob: online, 1 session, idle 5s; rooms: #lobby");
	p = check_line(p, NULL, "-- bob is away: lunch");
	p = check_line(p, NULL, "-- you left #x: bye");
	assert_string_equal(p, "");
	free(out);
	fixture_free(&c);
}

/* The texts of buffer b's log, one per line, oldest first. */
static char *
log_texts(const struct buffer *b)
{
	char *all = xstrdup(""), *t;
	uint64_t seq;

	for (seq = scrollback_first(&b->sb);
	     seq != 0 && seq <= scrollback_last(&b->sb); seq++) {
		t = xasprintf("%s%s\n", all, scrollback_get(&b->sb, seq)->text);
		free(all);
		all = t;
	}
	return all;
}

/* History replies: stored messages placed by id before live ones, each
 * id once (also after a reconnect: the gap only); an older page goes on
 * top with "beginning of history"; malformed entries are skipped; batch
 * mode prints them with their own time. */
static void
test_history(void **state)
{
	const char *users[] = { "alice", "bob" };
	struct capture cap;
	struct client c;
	struct buffer *b;
	char *texts, *out;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGED_IN;
	feed_login_ok(&c, "alice", users, 2);
	feed_raw(&c,
	    "{\"type\":\"joined\",\"room\":\"x\",\"topic\":\"\","
	    "\"users\":[\"alice\",\"bob\"]}");
	b = buffer_find(&c.bufs, BUFFER_ROOM, "x");
	assert_non_null(b);
	feed_raw(&c,
	    "{\"type\":\"say\",\"id\":30,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"bob\",\"text\":\"live\"}");
	feed_raw(&c,
	    "{\"type\":\"history\",\"room\":\"x\",\"more\":true,"
	    "\"messages\":["
	    "{\"type\":\"say\",\"id\":20,\"ts\":1700000000000,"
	    "\"room\":\"x\",\"from\":\"bob\",\"text\":\"h20\"},"
	    "{\"type\":\"say\",\"id\":25,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"alice\",\"text\":\"h25\"},"
	    "{\"type\":\"bogus\"},7,"
	    "{\"type\":\"say\",\"id\":30,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"bob\",\"text\":\"live\"}]}");
	texts = log_texts(b);
	assert_string_equal(texts,
	    "you joined #x (no topic)\nh20\nh25\nlive\n");
	free(texts);
	assert_true(b->hist_more);
	assert_int_equal(buffer_oldest_id(b), 20);
	/* After a reconnect: the gap (26) only. */
	feed_raw(&c,
	    "{\"type\":\"say\",\"id\":31,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"bob\",\"text\":\"new\"}");
	feed_raw(&c,
	    "{\"type\":\"history\",\"room\":\"x\",\"more\":true,"
	    "\"messages\":["
	    "{\"type\":\"say\",\"id\":25,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"alice\",\"text\":\"h25\"},"
	    "{\"type\":\"say\",\"id\":26,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"bob\",\"text\":\"gap\"},"
	    "{\"type\":\"say\",\"id\":30,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"bob\",\"text\":\"live\"}]}");
	texts = log_texts(b);
	assert_string_equal(texts,
	    "you joined #x (no topic)\nh20\nh25\ngap\nlive\nnew\n");
	free(texts);
	/* The gap counts as unread in a buffer that is not current; a
	 * message of the wrong kind or room is not shown. */
	ui_select_buffer(&c, 0);
	feed_raw(&c,
	    "{\"type\":\"history\",\"room\":\"x\",\"more\":true,"
	    "\"messages\":["
	    "{\"type\":\"say\",\"id\":27,\"ts\":1,\"room\":\"y\","
	    "\"from\":\"bob\",\"text\":\"elsewhere\"},"
	    "{\"type\":\"msg\",\"id\":28,\"ts\":1,\"from\":\"bob\","
	    "\"to\":\"alice\",\"text\":\"private\"},"
	    "{\"type\":\"say\",\"id\":29,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"bob\",\"text\":\"gap2\"}]}");
	texts = log_texts(b);
	assert_string_equal(texts,
	    "you joined #x (no topic)\nh20\nh25\ngap\ngap2\nlive\nnew\n");
	free(texts);
	assert_int_equal(b->unread, 1);
	/* An older page, asked with the loading marker on top. */
	ui_select_buffer(&c, buffer_number(&c.bufs, b));
	events_scrolled_up(&c, 80, 24);
	assert_true(b->hist_loading);
	assert_string_equal(scrollback_get(&b->sb, scrollback_first(&b->sb))
				->text,
	    "loading older messages...");
	feed_raw(&c,
	    "{\"type\":\"history\",\"room\":\"x\",\"more\":false,\"messages\":["
	    "{\"type\":\"say\",\"id\":3,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"bob\",\"text\":\"h3\"},"
	    "{\"type\":\"say\",\"id\":4,\"ts\":1,\"room\":\"x\","
	    "\"from\":\"bob\",\"text\":\"h4\"}]}");
	texts = log_texts(b);
	assert_string_equal(texts,
	    "beginning of history\nh3\nh4\nyou joined #x (no topic)\n"
	    "h20\nh25\ngap\ngap2\nlive\nnew\n");
	free(texts);
	assert_false(b->hist_loading);
	assert_false(b->hist_more);
	assert_true(b->hist_done);

	/* Batch mode prints each stored message with its own time. */
	c.batch = true;
	fixture_capture_start(&cap, STDOUT_FILENO);
	feed_raw(&c,
	    "{\"type\":\"history\",\"room\":\"x\",\"more\":false,"
	    "\"messages\":["
	    "{\"type\":\"say\",\"id\":20,\"ts\":1700000000000,"
	    "\"room\":\"x\",\"from\":\"bob\",\"text\":\"h20\"}]}");
	out = fixture_capture_end(&cap);
	assert_string_equal(out, TS_STAMP "[#x] <bob> h20\n");
	free(out);
	fixture_free(&c);
}

/* Section 8 as shown: login_ok op, the MOTD with its lines, muted
 * (with until, in words), banned, forbidden. */
static void
test_moderation_views(void **state)
{
	static const char *const users[] = { "alice" };
	struct client c;
	const struct line *l;
	char text[128];
	time_t t;
	struct tm tm;

	(void)state;
	fixture_client(&c);
	c.state = CONN_LOGGING_IN;
	feed_event(&c,
	    (struct msg){ .type = MSG_LOGIN_OK,
		.user = MSG_STR("alice"),
		.users = MSG_LIST(users, 1),
		.op = MSG_BOOL(true) });
	assert_true(c.is_op);
	assert_non_null(strstr(fixture_last(&c)->text, "(operator"));
	feed_event(&c,
	    (struct msg){ .type = MSG_NOTICE,
		.text = MSG_STR("Welcome.\nNo \x1b[31mspam."),
		.motd = MSG_BOOL(true) });
	l = fixture_last(&c);
	assert_int_equal(l->kind, LINE_NOTICE);
	assert_non_null(strstr(l->text, "message of the day:\nWelcome.\nNo "));
	assert_null(strchr(l->text, '\x1b')); /* sanitized */

	/* muted with until: the local time in words. */
	t = time(NULL) + 60;
	localtime_r(&t, &tm);
	strftime(text, sizeof text,
	    "you are muted here until %H:%M:%S: "
	    "nothing was sent",
	    &tm);
	feed_event(&c,
	    (struct msg){ .type = MSG_ERROR,
		.code = MSG_CODE_MUTED,
		.message = MSG_STR("you are muted"),
		.ref = MSG_STR("say"),
		.until = MSG_INT((int64_t)t * 1000) });
	assert_last(&c, LINE_ERROR, "!!! ", NULL, text);
	feed_error(&c, MSG_CODE_MUTED, "msg");
	assert_last(&c, LINE_ERROR, "!!! ", NULL,
	    "you are muted: nothing was sent");
	feed_error(&c, MSG_CODE_FORBIDDEN, "kick");
	assert_last(&c, LINE_ERROR, "!!! ", NULL,
	    "not allowed: only operators may kick, mute or ban, and never an "
	    "operator");
	/* banned at login: back to connected, the password kept. */
	c.state = CONN_LOGGING_IN;
	feed_error(&c, MSG_CODE_BANNED, "login");
	assert_last(&c, LINE_ERROR, "!!! ", NULL,
	    "you are banned from this server");
	assert_int_equal(c.state, CONN_OPEN);
	/* A new login without op: not an operator any more. */
	c.state = CONN_LOGGING_IN;
	feed_login_ok(&c, "alice", users, 1);
	assert_false(c.is_op);
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
		cmocka_unit_test(test_routing),
		cmocka_unit_test(test_room_events),
		cmocka_unit_test(test_parts_concat),
		cmocka_unit_test(test_highlight),
		cmocka_unit_test(test_batch_rooms),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_moderation_views),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
