/*
 * e2e_rooms.c: PROTOCOL.md sections 6 and 7 against the real securechatd:
 * rooms (join, part, topic, names, rooms, say in a room) and their events
 * to the right sessions only, membership as the union of a user's
 * sessions, away and whois, the new error codes and the check order, a
 * v1 say reaching the lobby, and long name lists split into parts with
 * 6,000 users online.
 */
#include <sys/resource.h>

#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pwhash.h"

#define LONG_USERS   6000 /* section 6: about 5,500 no longer fit */
#define LONG_BATCH   200  /* logins in flight at once */
#define LONG_FD_NEED (LONG_USERS + 100)
#define LONG_HELLO   "{\"proto\":1,\"client\":\"e2e_rooms/1\"}"

static struct tserver ts;

/* ---- helpers ----------------------------------------------------------- */

/* Sends a printf-formatted plaintext. */
static void __attribute__((format(printf, 2, 3)))
sendf(struct tclient *c, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	tclient_send(c, buf);
}

/* Fails unless j's member name is the array of the names in csv
 * (comma-separated; "" for none), in that order. */
static void
check_names(json_t *j, const char *name, const char *csv)
{
	json_t *a = json_object_get(j, name);
	char buf[1024], *tok, *save;
	size_t i = 0;

	assert_true(json_is_array(a));
	snprintf(buf, sizeof buf, "%s", csv);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save), i++) {
		if (i >= json_array_size(a))
			fail_msg("%s: missing %s", name, tok);
		assert_string_equal(json_string_value(json_array_get(a, i)),
		    tok);
	}
	assert_int_equal(json_array_size(a), i);
}

/* The compact JSON of j (static buffer) for exact comparisons. */
static const char *
compact(json_t *j)
{
	static char buf[8192];
	size_t n = json_dumpb(j, buf, sizeof buf - 1, JSON_COMPACT);

	assert_true(n > 0 && n < sizeof buf);
	buf[n] = '\0';
	return buf;
}

/* Expects a message whose compact JSON is exactly want. */
static void
expect_exact(struct tclient *c, const char *type, const char *want)
{
	json_t *j = tclient_expect(c, type);

	assert_string_equal(compact(j), want);
	json_decref(j);
}

/* Expects joined {room, topic, users} (one part). */
static void
expect_joined(struct tclient *c, const char *room, const char *topic,
    const char *users)
{
	json_t *j = tclient_expect(c, "joined");

	assert_string_equal(jstr(j, "room"), room);
	assert_string_equal(jstr(j, "topic"), topic);
	check_names(j, "users", users);
	assert_null(json_object_get(j, "more"));
	json_decref(j);
}

/* Joins room and expects joined with these users and no topic. */
static void
join(struct tclient *c, const char *room, const char *users)
{
	sendf(c, "{\"type\":\"join\",\"room\":\"%s\"}", room);
	expect_joined(c, room, "", users);
}

/* Expects room_join or room_part (reason NULL: none) of user. */
static void
expect_change(struct tclient *c, const char *type, const char *room,
    const char *user, const char *reason)
{
	json_t *j = tclient_expect(c, type);

	assert_string_equal(jstr(j, "room"), room);
	assert_string_equal(jstr(j, "user"), user);
	if (reason == NULL)
		assert_null(json_object_get(j, "reason"));
	else
		assert_string_equal(jstr(j, "reason"), reason);
	json_decref(j);
}

/* Expects a say of from with text in room. */
static json_t *
expect_say(struct tclient *c, const char *room, const char *from,
    const char *text)
{
	json_t *j = tclient_expect(c, "say");

	assert_string_equal(jstr(j, "room"), room);
	assert_string_equal(jstr(j, "from"), from);
	assert_string_equal(jstr(j, "text"), text);
	return j;
}

/* Expects presence of user. */
static void
expect_presence(struct tclient *c, const char *user, bool online)
{
	json_t *j = tclient_expect(c, "presence");

	assert_string_equal(jstr(j, "user"), user);
	assert_true(json_is_true(json_object_get(j, "online")) == online);
	json_decref(j);
}

/* Expects nothing more on every client of a NULL-terminated list. */
static void
quiet_all(struct tclient **c)
{
	for (; *c != NULL; c++)
		assert_true(tclient_quiet(*c, 100));
}

/*
 * Asks whois through obs until user has n live sessions: a session that
 * ends is gone from its rooms before the next one ends (the order of
 * two closes is otherwise the server's choice).
 */
static void
wait_sessions(struct tclient *obs, const char *user, int n)
{
	uint64_t deadline = clock_mono_ms() + (uint64_t)HARNESS_TIMEOUT_MS;
	json_t *j;
	bool done;

	for (;;) {
		sendf(obs, "{\"type\":\"whois\",\"user\":\"%s\"}", user);
		j = tclient_recv(obs, HARNESS_TIMEOUT_MS, NULL);
		assert_non_null(j);
		done = strcmp(jstr(j, "type"), "whois") == 0 &&
		    json_integer_value(json_object_get(j, "sessions")) == n;
		if (strcmp(jstr(j, "type"), "whois") != 0)
			assert_string_equal(jstr(j, "code"), "rate_limited");
		json_decref(j);
		if (done)
			return;
		if (clock_mono_ms() > deadline)
			fail_msg("%s did not get to %d sessions", user, n);
		testlib_sleep_ms(50);
	}
}

/* ---- one server for most tests ----------------------------------------- */

/* testuser, anotheruser, carol, dave, erin; a big bucket unless a test
 * needs the default. */
static int
setup(void **state)
{
	static const char *const users[] = { "testuser", "anotheruser", "carol",
		"dave", "erin", NULL };

	(void)state;
	tserver_start(&ts, users, NULL);
	return 0;
}

/* Stops it; the exit status must be 0. */
static int
teardown(void **state)
{
	(void)state;
	return tserver_stop(&ts) == 0 ? 0 : -1;
}

/* Logs in a (testuser) and b (anotheruser), b's presence read by a. */
static void
two(struct tclient **a, struct tclient **b)
{
	*a = tclient_login_new(ts.port, "testuser");
	*b = tclient_login_new(ts.port, "anotheruser");
	expect_presence(*a, "anotheruser", true);
}

/* ---- tests ------------------------------------------------------------- */

/* A v1 say (no room) reaches the lobby's members with "room":"lobby",
 * in the contract's member order. */
static void
test_v1_say_lobby(void **state)
{
	struct tclient *a, *b;
	char want[256];
	json_t *j;

	(void)state;
	two(&a, &b);
	tclient_send(a, "{\"type\":\"say\",\"text\":\"hello\"}");
	j = expect_say(b, "lobby", "testuser", "hello");
	snprintf(want, sizeof want,
	    "{\"type\":\"say\",\"id\":%lld,\"ts\":%lld,\"room\":\"lobby\","
	    "\"from\":\"testuser\",\"text\":\"hello\"}",
	    (long long)json_integer_value(json_object_get(j, "id")),
	    (long long)json_integer_value(json_object_get(j, "ts")));
	assert_string_equal(compact(j), want);
	json_decref(j);
	json_decref(expect_say(a, "lobby", "testuser", "hello"));

	/* The same with room lobby named, and an action. */
	tclient_send(b,
	    "{\"type\":\"say\",\"text\":\"waves\",\"room\":\"lobby\","
	    "\"action\":true}");
	j = expect_say(a, "lobby", "anotheruser", "waves");
	assert_true(json_is_true(json_object_get(j, "action")));
	json_decref(j);
	json_decref(expect_say(b, "lobby", "anotheruser", "waves"));
	tclient_free(b);
	expect_presence(a, "anotheruser", false);
	tclient_free(a);
}

/* join, room_join, say in a room, part with a reason, room_part: to the
 * members only. */
static void
test_join_part(void **state)
{
	struct tclient *a, *b, *c;
	json_t *j;

	(void)state;
	two(&a, &b);
	c = tclient_login_new(ts.port, "carol");
	expect_presence(a, "carol", true);
	expect_presence(b, "carol", true);

	/* The first join makes the room. */
	join(a, "dev", "testuser");
	join(b, "dev", "anotheruser,testuser");
	expect_change(a, "room_join", "dev", "anotheruser", NULL);
	/* Joining again: joined again, no event. */
	join(a, "dev", "anotheruser,testuser");
	quiet_all((struct tclient *[]){ a, b, c, NULL });

	/* say in dev: its members, sender included; not carol. */
	tclient_send(b, "{\"type\":\"say\",\"room\":\"dev\",\"text\":\"hi\"}");
	j = expect_say(a, "dev", "anotheruser", "hi");
	json_decref(j);
	json_decref(expect_say(b, "dev", "anotheruser", "hi"));
	assert_true(tclient_quiet(c, 100));

	/* Not a member, or a room never made: not_member. */
	tclient_send(c, "{\"type\":\"say\",\"room\":\"dev\",\"text\":\"x\"}");
	tclient_expect_error(c, "not_member", "say");
	tclient_send(c,
	    "{\"type\":\"say\",\"room\":\"nowhere\",\"text\":\"x\"}");
	tclient_expect_error(c, "not_member", "say");
	tclient_send(c, "{\"type\":\"part\",\"room\":\"dev\"}");
	tclient_expect_error(c, "not_member", "part");
	tclient_send(c, "{\"type\":\"part\",\"room\":\"nowhere\"}");
	tclient_expect_error(c, "not_member", "part");

	/* part with a reason. */
	tclient_send(b,
	    "{\"type\":\"part\",\"room\":\"dev\",\"reason\":\"bye now\"}");
	expect_exact(b, "parted", "{\"type\":\"parted\",\"room\":\"dev\"}");
	expect_change(a, "room_part", "dev", "anotheruser", "bye now");
	tclient_send(b, "{\"type\":\"say\",\"room\":\"dev\",\"text\":\"x\"}");
	tclient_expect_error(b, "not_member", "say");
	tclient_send(b, "{\"type\":\"part\",\"room\":\"dev\"}");
	tclient_expect_error(b, "not_member", "part");
	quiet_all((struct tclient *[]){ a, b, c, NULL });

	/* Without a reason: room_part has none. */
	join(c, "dev", "carol,testuser");
	expect_change(a, "room_join", "dev", "carol", NULL);
	tclient_send(c, "{\"type\":\"part\",\"room\":\"dev\"}");
	json_decref(tclient_expect(c, "parted"));
	expect_change(a, "room_part", "dev", "carol", NULL);
	quiet_all((struct tclient *[]){ a, b, c, NULL });

	/* The room persists after it empties. */
	tclient_send(a, "{\"type\":\"part\",\"room\":\"dev\"}");
	json_decref(tclient_expect(a, "parted"));
	tclient_send(b, "{\"type\":\"topic\",\"room\":\"dev\"}");
	tclient_expect_error(b, "not_member", "topic");
	quiet_all((struct tclient *[]){ a, b, c, NULL });

	tclient_free(c);
	expect_presence(a, "carol", false);
	expect_presence(b, "carol", false);
	tclient_free(b);
	expect_presence(a, "anotheruser", false);
	tclient_free(a);
}

/* Membership is per session; a user is in a room while any of its
 * sessions is; events mark the first session in and the last out, also
 * when a session ends while the user stays online. */
static void
test_sessions_union(void **state)
{
	struct tclient *a1, *a2, *a3, *b;
	json_t *j;

	(void)state;
	b = tclient_login_new(ts.port, "anotheruser");
	a1 = tclient_login_new(ts.port, "testuser");
	expect_presence(b, "testuser", true);
	a2 = tclient_login_new(ts.port, "testuser");

	join(b, "ops", "anotheruser");
	join(a1, "ops", "anotheruser,testuser");
	expect_change(b, "room_join", "ops", "testuser", NULL);
	/* a2 is not in ops: no event there, and its say is refused. */
	tclient_send(a2, "{\"type\":\"say\",\"room\":\"ops\",\"text\":\"x\"}");
	tclient_expect_error(a2, "not_member", "say");
	tclient_send(a2, "{\"type\":\"names\",\"room\":\"ops\"}");
	tclient_expect_error(a2, "not_member", "names");
	/* Its join adds nothing for the others. */
	join(a2, "ops", "anotheruser,testuser");
	quiet_all((struct tclient *[]){ a1, a2, b, NULL });

	/* A say in ops reaches both of testuser's sessions in it. */
	tclient_send(b, "{\"type\":\"say\",\"room\":\"ops\",\"text\":\"yo\"}");
	json_decref(expect_say(a1, "ops", "anotheruser", "yo"));
	json_decref(expect_say(a2, "ops", "anotheruser", "yo"));
	json_decref(expect_say(b, "ops", "anotheruser", "yo"));

	/* a1 leaves: a2 stays, no event; a1 can no longer say there. */
	tclient_send(a1, "{\"type\":\"part\",\"room\":\"ops\"}");
	json_decref(tclient_expect(a1, "parted"));
	quiet_all((struct tclient *[]){ a1, a2, b, NULL });
	tclient_send(a1, "{\"type\":\"say\",\"room\":\"ops\",\"text\":\"x\"}");
	tclient_expect_error(a1, "not_member", "say");
	tclient_send(b, "{\"type\":\"names\",\"room\":\"ops\"}");
	j = tclient_expect(b, "names");
	check_names(j, "users", "anotheruser,testuser");
	json_decref(j);

	/* a2 ends while testuser stays online (a1): room_part of ops,
	 * none of lobby (a1 is still there). */
	tclient_free(a2);
	expect_change(b, "room_part", "ops", "testuser", NULL);
	quiet_all((struct tclient *[]){ a1, b, NULL });

	/* a3 joins ops; a1 ends: nothing (a3 is in lobby and ops). */
	a3 = tclient_login_new(ts.port, "testuser");
	join(a3, "ops", "anotheruser,testuser");
	expect_change(b, "room_join", "ops", "testuser", NULL);
	tclient_free(a1);
	wait_sessions(b, "testuser", 1);
	quiet_all((struct tclient *[]){ a3, b, NULL });

	/* The user goes offline: presence only, no room_part. */
	tclient_free(a3);
	expect_presence(b, "testuser", false);
	assert_true(tclient_quiet(b, 200));
	tclient_send(b, "{\"type\":\"names\",\"room\":\"ops\"}");
	j = tclient_expect(b, "names");
	check_names(j, "users", "anotheruser");
	json_decref(j);
	tclient_free(b);
}

/* Parting the lobby is allowed; then a v1 say is not_member. */
static void
test_part_lobby(void **state)
{
	struct tclient *a, *b;
	json_t *j;

	(void)state;
	two(&a, &b);
	tclient_send(a, "{\"type\":\"part\",\"room\":\"lobby\"}");
	expect_exact(a, "parted", "{\"type\":\"parted\",\"room\":\"lobby\"}");
	expect_change(b, "room_part", "lobby", "testuser", NULL);
	tclient_send(a, "{\"type\":\"say\",\"text\":\"x\"}");
	tclient_expect_error(a, "not_member", "say");
	tclient_send(a, "{\"type\":\"names\",\"room\":\"lobby\"}");
	tclient_expect_error(a, "not_member", "names");
	tclient_send(a, "{\"type\":\"topic\",\"room\":\"lobby\"}");
	tclient_expect_error(a, "not_member", "topic");
	/* b's say in the lobby does not reach a. */
	tclient_send(b, "{\"type\":\"say\",\"text\":\"y\"}");
	json_decref(expect_say(b, "lobby", "anotheruser", "y"));
	assert_true(tclient_quiet(a, 100));
	/* Still online: list shows a. */
	tclient_send(b, "{\"type\":\"list\"}");
	j = tclient_expect(b, "users");
	check_names(j, "users", "anotheruser,testuser");
	json_decref(j);
	/* Back in. */
	join(a, "lobby", "anotheruser,testuser");
	expect_change(b, "room_join", "lobby", "testuser", NULL);
	tclient_free(a);
	expect_presence(b, "testuser", false);
	assert_true(tclient_quiet(b, 100));
	tclient_free(b);
}

/* topic: query, set (announced to members), clear; no_such_room before
 * not_member; the text rules. */
static void
test_topic(void **state)
{
	struct tclient *a, *b, *c;
	char *big;
	json_t *j;

	(void)state;
	two(&a, &b);
	c = tclient_login_new(ts.port, "carol");
	expect_presence(a, "carol", true);
	expect_presence(b, "carol", true);

	/* Never created: no_such_room, though c is no member either. */
	tclient_send(c, "{\"type\":\"topic\",\"room\":\"ghost\"}");
	tclient_expect_error(c, "no_such_room", "topic");
	tclient_send(c,
	    "{\"type\":\"topic\",\"room\":\"ghost\",\"topic\":\"x\"}");
	tclient_expect_error(c, "no_such_room", "topic");
	tclient_send(c, "{\"type\":\"names\",\"room\":\"ghost\"}");
	tclient_expect_error(c, "no_such_room", "names");

	join(a, "news", "testuser");
	join(b, "news", "anotheruser,testuser");
	expect_change(a, "room_join", "news", "anotheruser", NULL);
	/* Exists, c not in it: not_member. */
	tclient_send(c, "{\"type\":\"topic\",\"room\":\"news\"}");
	tclient_expect_error(c, "not_member", "topic");

	/* A query answers exactly {room, topic}, "" when none. */
	tclient_send(a, "{\"type\":\"topic\",\"room\":\"news\"}");
	expect_exact(a, "topic",
	    "{\"type\":\"topic\",\"room\":\"news\",\"topic\":\"\"}");

	/* Setting: every member session gets {room, topic, by, ts}. */
	tclient_send(b,
	    "{\"type\":\"topic\",\"room\":\"news\",\"topic\":\"today\"}");
	j = tclient_expect(a, "topic");
	assert_string_equal(jstr(j, "room"), "news");
	assert_string_equal(jstr(j, "topic"), "today");
	assert_string_equal(jstr(j, "by"), "anotheruser");
	assert_true(
	    json_integer_value(json_object_get(j, "ts")) > 1700000000000LL);
	json_decref(j);
	j = tclient_expect(b, "topic");
	assert_string_equal(jstr(j, "by"), "anotheruser");
	json_decref(j);
	assert_true(tclient_quiet(c, 100));
	tclient_send(a, "{\"type\":\"topic\",\"room\":\"news\"}");
	expect_exact(a, "topic",
	    "{\"type\":\"topic\",\"room\":\"news\",\"topic\":\"today\"}");
	/* A joiner sees it. */
	sendf(c, "{\"type\":\"join\",\"room\":\"news\"}");
	expect_joined(c, "news", "today", "anotheruser,carol,testuser");
	expect_change(a, "room_join", "news", "carol", NULL);
	expect_change(b, "room_join", "news", "carol", NULL);

	/* "" clears it, announced like any change. */
	tclient_send(a,
	    "{\"type\":\"topic\",\"room\":\"news\",\"topic\":\"\"}");
	j = tclient_expect(c, "topic");
	assert_string_equal(jstr(j, "topic"), "");
	assert_string_equal(jstr(j, "by"), "testuser");
	json_decref(j);
	json_decref(tclient_expect(a, "topic"));
	json_decref(tclient_expect(b, "topic"));
	tclient_send(c, "{\"type\":\"topic\",\"room\":\"news\"}");
	expect_exact(c, "topic",
	    "{\"type\":\"topic\",\"room\":\"news\",\"topic\":\"\"}");

	/* The rules: 512 bytes at most (too_long), text rules, type. */
	big = malloc(SC_TOPIC_MAX_LEN + 2);
	assert_non_null(big);
	memset(big, 't', SC_TOPIC_MAX_LEN + 1);
	big[SC_TOPIC_MAX_LEN + 1] = '\0';
	sendf(a, "{\"type\":\"topic\",\"room\":\"news\",\"topic\":\"%s\"}",
	    big);
	tclient_expect_error(a, "too_long", "topic");
	big[SC_TOPIC_MAX_LEN] = '\0';
	sendf(a, "{\"type\":\"topic\",\"room\":\"news\",\"topic\":\"%s\"}",
	    big);
	j = tclient_expect(a, "topic");
	assert_int_equal(strlen(jstr(j, "topic")), SC_TOPIC_MAX_LEN);
	json_decref(j);
	json_decref(tclient_expect(b, "topic"));
	json_decref(tclient_expect(c, "topic"));
	free(big);
	tclient_send(a,
	    "{\"type\":\"topic\",\"room\":\"news\",\"topic\":\"a\\u0007\"}");
	tclient_expect_error(a, "bad_request", "topic");
	tclient_send(a, "{\"type\":\"topic\",\"room\":\"news\",\"topic\":7}");
	tclient_expect_error(a, "bad_request", "topic");
	quiet_all((struct tclient *[]){ a, b, c, NULL });

	tclient_free(c);
	expect_presence(a, "carol", false);
	expect_presence(b, "carol", false);
	tclient_free(b);
	expect_presence(a, "anotheruser", false);
	tclient_free(a);
}

/* The check order of section 3 with the new requests and codes. */
static void
test_check_order(void **state)
{
	struct tclient *a, *u;
	char big[SC_TEXT_MAX_LEN + 2];
	int i;

	(void)state;
	/* Step 2 before 3: not logged in. */
	u = tclient_connect(ts.port);
	tclient_send(u, "{\"type\":\"join\",\"room\":\"BAD\"}");
	tclient_expect_error(u, "auth_required", "join");
	tclient_send(u, "{\"type\":\"whois\"}");
	tclient_expect_error(u, "auth_required", "whois");
	tclient_send(u, "{\"type\":\"rooms\"}");
	tclient_expect_error(u, "auth_required", "rooms");
	tclient_free(u);

	a = tclient_login_new(ts.port, "dave");
	/* Step 3: members missing or of the wrong type. */
	tclient_send(a, "{\"type\":\"join\"}");
	tclient_expect_error(a, "bad_request", "join");
	tclient_send(a, "{\"type\":\"join\",\"room\":5}");
	tclient_expect_error(a, "bad_request", "join");
	tclient_send(a, "{\"type\":\"names\",\"room\":null}");
	tclient_expect_error(a, "bad_request", "names");
	tclient_send(a, "{\"type\":\"away\",\"text\":true}");
	tclient_expect_error(a, "bad_request", "away");
	tclient_send(a, "{\"type\":\"whois\",\"user\":[]}");
	tclient_expect_error(a, "bad_request", "whois");
	/* Step 5: room names, user names, texts. */
	tclient_send(a, "{\"type\":\"join\",\"room\":\"Dev\"}");
	tclient_expect_error(a, "bad_request", "join");
	tclient_send(a, "{\"type\":\"join\",\"room\":\"\"}");
	tclient_expect_error(a, "bad_request", "join");
	tclient_send(a, "{\"type\":\"join\",\"room\":\"a.b\"}");
	tclient_expect_error(a, "bad_request", "join");
	tclient_send(a,
	    "{\"type\":\"join\",\"room\":"
	    "\"abcdefghijklmnopqrstuvwxyz0123456\"}"); /* 33 bytes */
	tclient_expect_error(a, "bad_request", "join");
	tclient_send(a, "{\"type\":\"say\",\"room\":\"#x\",\"text\":\"x\"}");
	tclient_expect_error(a, "bad_request", "say");
	tclient_send(a, "{\"type\":\"whois\",\"user\":\"a b\"}");
	tclient_expect_error(a, "bad_request", "whois");
	tclient_send(a, "{\"type\":\"away\",\"text\":\"\"}");
	tclient_expect_error(a, "bad_request", "away");
	memset(big, 'x', SC_AWAY_MAX_LEN + 1);
	big[SC_AWAY_MAX_LEN + 1] = '\0';
	sendf(a, "{\"type\":\"away\",\"text\":\"%s\"}", big);
	tclient_expect_error(a, "too_long", "away");
	/* too_long before bad_request: a long reason and a bad room. */
	memset(big, 'x', SC_TEXT_MAX_LEN + 1);
	big[SC_TEXT_MAX_LEN + 1] = '\0';
	sendf(a, "{\"type\":\"part\",\"room\":\"B\",\"reason\":\"%s\"}", big);
	tclient_expect_error(a, "too_long", "part");
	tclient_send(a,
	    "{\"type\":\"part\",\"room\":\"lobby\",\"reason\":\"\"}");
	tclient_expect_error(a, "bad_request", "part");
	/* Step 6: the targets. */
	tclient_send(a, "{\"type\":\"whois\",\"user\":\"nobody\"}");
	tclient_expect_error(a, "no_such_user", "whois");
	tclient_send(a, "{\"type\":\"names\",\"room\":\"never\"}");
	tclient_expect_error(a, "no_such_room", "names");

	/* Step 4 before 5 and 6; 3 before 4: empty the bucket with joins
	 * (they take tokens), then a bad room name is rate_limited, a say
	 * whose room is not a string still bad_request. */
	for (i = 0; i < SC_RATE_BURST; i++)
		tclient_send(a, "{\"type\":\"join\",\"room\":\"order\"}");
	tclient_send(a, "{\"type\":\"join\",\"room\":\"NOT VALID\"}");
	tclient_send(a, "{\"type\":\"say\",\"room\":1,\"text\":\"x\"}");
	tclient_send(a, "{\"type\":\"topic\",\"room\":\"never\"}");
	tclient_send(a, "{\"type\":\"whois\",\"user\":\"nobody\"}");
	tclient_send(a, "{\"type\":\"away\",\"text\":\"x\"}");
	tclient_send(a, "{\"type\":\"part\",\"room\":\"never\"}");
	tclient_send(a, "{\"type\":\"names\",\"room\":\"order\"}");
	tclient_send(a, "{\"type\":\"rooms\"}");
	for (i = 0; i < SC_RATE_BURST; i++)
		json_decref(tclient_expect(a, "joined"));
	tclient_expect_error(a, "rate_limited", "join");
	tclient_expect_error(a, "bad_request", "say");
	tclient_expect_error(a, "rate_limited", "topic");
	tclient_expect_error(a, "rate_limited", "whois");
	tclient_expect_error(a, "rate_limited", "away");
	tclient_expect_error(a, "rate_limited", "part");
	/* names and rooms take no token. */
	json_decref(tclient_expect(a, "names"));
	json_decref(tclient_expect(a, "rooms"));
	tclient_free(a);
}

/* rooms: every room (empty ones too) by name, with its online users
 * and topic; a session's own server so the list is known. */
static void
test_rooms(void **state)
{
	static const char *const users[] = { "testuser", "anotheruser", "carol",
		NULL };
	struct tclient *a, *b, *c;
	json_t *j;

	(void)state;
	tserver_start(&ts, users, NULL);
	a = tclient_login_new(ts.port, "testuser");
	tclient_send(a, "{\"type\":\"rooms\"}");
	expect_exact(a, "rooms",
	    "{\"type\":\"rooms\",\"rooms\":[{\"room\":\"lobby\",\"users\":1,"
	    "\"topic\":\"\"}]}");
	b = tclient_login_new(ts.port, "anotheruser");
	expect_presence(a, "anotheruser", true);
	c = tclient_login_new(ts.port, "carol");
	expect_presence(a, "carol", true);
	expect_presence(b, "carol", true);

	join(a, "zeta", "testuser");
	join(b, "alpha", "anotheruser");
	join(c, "alpha", "anotheruser,carol");
	expect_change(b, "room_join", "alpha", "carol", NULL);
	tclient_send(c,
	    "{\"type\":\"topic\",\"room\":\"alpha\",\"topic\":\"A "
	    "\\\"q\\\"\"}");
	json_decref(tclient_expect(b, "topic"));
	json_decref(tclient_expect(c, "topic"));
	join(a, "empty", "testuser");
	tclient_send(a, "{\"type\":\"part\",\"room\":\"empty\"}");
	json_decref(tclient_expect(a, "parted"));
	/* Two sessions of one user count once. */
	{
		struct tclient *a2 = tclient_login_new(ts.port, "testuser");

		join(a2, "zeta", "testuser");
		tclient_send(b, "{\"type\":\"rooms\"}");
		expect_exact(b, "rooms",
		    "{\"type\":\"rooms\",\"rooms\":["
		    "{\"room\":\"alpha\",\"users\":2,"
		    "\"topic\":\"A \\\"q\\\"\"},"
		    "{\"room\":\"empty\",\"users\":0,\"topic\":\"\"},"
		    "{\"room\":\"lobby\",\"users\":3,\"topic\":\"\"},"
		    "{\"room\":\"zeta\",\"users\":1,\"topic\":\"\"}]}");
		tclient_free(a2);
	}
	/* Counts are of online users. */
	tclient_free(c);
	expect_presence(a, "carol", false);
	expect_presence(b, "carol", false);
	tclient_send(a, "{\"type\":\"rooms\"}");
	j = tclient_expect(a, "rooms");
	assert_int_equal(json_integer_value(
			     json_object_get(json_array_get(json_object_get(j,
								"rooms"),
						 0),
				 "users")),
	    1);
	json_decref(j);
	tclient_free(b);
	tclient_free(a);
	assert_int_equal(tserver_stop(&ts), 0);
}

/* away: to every session of every user sharing a room, the user's own
 * sessions too; back without text; ends with the last session. */
static void
test_away(void **state)
{
	struct tclient *a1, *a2, *b, *c, *d;
	json_t *j;

	(void)state;
	a1 = tclient_login_new(ts.port, "testuser");
	a2 = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	expect_presence(a1, "anotheruser", true);
	expect_presence(a2, "anotheruser", true);
	c = tclient_login_new(ts.port, "carol");
	expect_presence(a1, "carol", true);
	expect_presence(a2, "carol", true);
	expect_presence(b, "carol", true);
	d = tclient_login_new(ts.port, "dave");
	expect_presence(a1, "dave", true);
	expect_presence(a2, "dave", true);
	expect_presence(b, "dave", true);
	expect_presence(c, "dave", true);

	/* c and d leave the lobby; d shares "side" with a2 only; c shares
	 * nothing. */
	tclient_send(c, "{\"type\":\"part\",\"room\":\"lobby\"}");
	json_decref(tclient_expect(c, "parted"));
	expect_change(a1, "room_part", "lobby", "carol", NULL);
	expect_change(a2, "room_part", "lobby", "carol", NULL);
	expect_change(b, "room_part", "lobby", "carol", NULL);
	expect_change(d, "room_part", "lobby", "carol", NULL);
	tclient_send(d, "{\"type\":\"part\",\"room\":\"lobby\"}");
	json_decref(tclient_expect(d, "parted"));
	expect_change(a1, "room_part", "lobby", "dave", NULL);
	expect_change(a2, "room_part", "lobby", "dave", NULL);
	expect_change(b, "room_part", "lobby", "dave", NULL);
	join(d, "side", "dave");
	join(a2, "side", "dave,testuser");
	expect_change(d, "room_join", "side", "testuser", NULL);

	tclient_send(a1, "{\"type\":\"away\",\"text\":\"lunch\"}");
	expect_exact(a1, "away",
	    "{\"type\":\"away\",\"user\":\"testuser\",\"text\":\"lunch\"}");
	expect_exact(a2, "away",
	    "{\"type\":\"away\",\"user\":\"testuser\",\"text\":\"lunch\"}");
	expect_exact(b, "away",
	    "{\"type\":\"away\",\"user\":\"testuser\",\"text\":\"lunch\"}");
	expect_exact(d, "away",
	    "{\"type\":\"away\",\"user\":\"testuser\",\"text\":\"lunch\"}");
	assert_true(tclient_quiet(c, 100));
	/* whois shows it. */
	tclient_send(c, "{\"type\":\"whois\",\"user\":\"testuser\"}");
	j = tclient_expect(c, "whois");
	assert_string_equal(jstr(j, "away"), "lunch");
	json_decref(j);

	/* c, in no room, still gets its own answer. */
	tclient_send(c, "{\"type\":\"away\",\"text\":\"gone\"}");
	expect_exact(c, "away",
	    "{\"type\":\"away\",\"user\":\"carol\",\"text\":\"gone\"}");
	quiet_all((struct tclient *[]){ a1, a2, b, d, NULL });

	/* Back: text absent. */
	tclient_send(a2, "{\"type\":\"away\"}");
	expect_exact(a1, "away", "{\"type\":\"away\",\"user\":\"testuser\"}");
	expect_exact(a2, "away", "{\"type\":\"away\",\"user\":\"testuser\"}");
	expect_exact(b, "away", "{\"type\":\"away\",\"user\":\"testuser\"}");
	expect_exact(d, "away", "{\"type\":\"away\",\"user\":\"testuser\"}");
	tclient_send(b, "{\"type\":\"whois\",\"user\":\"testuser\"}");
	j = tclient_expect(b, "whois");
	assert_null(json_object_get(j, "away"));
	json_decref(j);

	/* Away ends with the last session. */
	tclient_send(a1, "{\"type\":\"away\",\"text\":\"brb\"}");
	json_decref(tclient_expect(a1, "away"));
	json_decref(tclient_expect(a2, "away"));
	json_decref(tclient_expect(b, "away"));
	json_decref(tclient_expect(d, "away"));
	tclient_free(a1);
	wait_sessions(c, "testuser", 1);
	quiet_all((struct tclient *[]){ a2, b, c, d, NULL });
	tclient_send(b, "{\"type\":\"whois\",\"user\":\"testuser\"}");
	j = tclient_expect(b, "whois");
	assert_string_equal(jstr(j, "away"), "brb"); /* a2 is still on */
	json_decref(j);
	tclient_free(a2);
	expect_presence(b, "testuser", false);
	expect_presence(c, "testuser", false);
	expect_presence(d, "testuser", false);
	a1 = tclient_login_new(ts.port, "testuser");
	expect_presence(b, "testuser", true);
	expect_presence(c, "testuser", true);
	expect_presence(d, "testuser", true);
	tclient_send(b, "{\"type\":\"whois\",\"user\":\"testuser\"}");
	j = tclient_expect(b, "whois");
	assert_null(json_object_get(j, "away"));
	json_decref(j);

	tclient_free(a1);
	tclient_free(b);
	tclient_free(c);
	tclient_free(d);
}

#define WHOIS_B                                                                \
	"{\"type\":\"whois\",\"user\":\"anotheruser\",\"online\":true,"        \
	"\"sessions\":1,\"rooms\":[\"lobby\"],\"idle_s\":"

/* whois: online, sessions, the union of rooms sorted, idle_s, since;
 * an offline user without since and away; no_such_user. */
static void
test_whois(void **state)
{
	struct tclient *a1, *a2, *b;
	uint64_t t0, t1;
	json_t *j;

	(void)state;
	b = tclient_login_new(ts.port, "anotheruser");
	/* Known, never online since the start: offline, rooms []. */
	tclient_send(b, "{\"type\":\"whois\",\"user\":\"erin\"}");
	j = tclient_expect(b, "whois");
	assert_string_equal(jstr(j, "user"), "erin");
	assert_true(json_is_false(json_object_get(j, "online")));
	assert_int_equal(json_integer_value(json_object_get(j, "sessions")), 0);
	check_names(j, "rooms", "");
	assert_true(json_integer_value(json_object_get(j, "idle_s")) >= 0);
	assert_null(json_object_get(j, "since"));
	assert_null(json_object_get(j, "away"));
	json_decref(j);
	tclient_send(b, "{\"type\":\"whois\",\"user\":\"Erin\"}");
	tclient_expect_error(b, "no_such_user", "whois");

	t0 = clock_now_ms();
	a1 = tclient_login_new(ts.port, "testuser");
	t1 = clock_now_ms();
	expect_presence(b, "testuser", true);
	a2 = tclient_login_new(ts.port, "testuser");
	/* idle_s counts from the last say or msg. */
	tclient_send(a1, "{\"type\":\"say\",\"text\":\"hi\"}");
	json_decref(expect_say(a1, "lobby", "testuser", "hi"));
	json_decref(expect_say(a2, "lobby", "testuser", "hi"));
	json_decref(expect_say(b, "lobby", "testuser", "hi"));
	join(a1, "zz-top", "testuser");
	join(a2, "aa-first", "testuser");
	tclient_send(a1, "{\"type\":\"part\",\"room\":\"lobby\"}");
	json_decref(tclient_expect(a1, "parted"));

	tclient_send(b, "{\"type\":\"whois\",\"user\":\"testuser\"}");
	j = tclient_expect(b, "whois");
	assert_true(json_is_true(json_object_get(j, "online")));
	assert_int_equal(json_integer_value(json_object_get(j, "sessions")), 2);
	check_names(j, "rooms", "aa-first,lobby,zz-top");
	assert_true(json_integer_value(json_object_get(j, "idle_s")) <= 2);
	assert_true(json_integer_value(json_object_get(j, "since")) >=
	    (json_int_t)t0 - 5);
	assert_true(json_integer_value(json_object_get(j, "since")) <=
	    (json_int_t)t1 + 5);
	json_decref(j);

	/* The member order of the contract. */
	tclient_send(a2, "{\"type\":\"whois\",\"user\":\"anotheruser\"}");
	j = tclient_expect(a2, "whois");
	assert_true(strncmp(compact(j), WHOIS_B, strlen(WHOIS_B)) == 0);
	json_decref(j);

	/* Offline again: no since. */
	tclient_free(a1);
	wait_sessions(b, "testuser", 1);
	tclient_free(a2);
	expect_presence(b, "testuser", false);
	tclient_send(b, "{\"type\":\"whois\",\"user\":\"testuser\"}");
	j = tclient_expect(b, "whois");
	assert_true(json_is_false(json_object_get(j, "online")));
	check_names(j, "rooms", "");
	assert_null(json_object_get(j, "since"));
	json_decref(j);
	tclient_free(b);
}

/* ---- long lists (section 6) -------------------------------------------- */

/* Name i of the long test: unsorted in i, 10 to 32 bytes. */
static void
long_name(size_t i, char out[SC_USER_MAX_LEN + 1])
{
	static const char pad[] = "abcdefghijklmnopqrstuv";
	size_t k = (i * 7919) % LONG_USERS;

	snprintf(out, SC_USER_MAX_LEN + 1, "u%c%04zu_%.*s",
	    "qwertyuiopasdfghjklzxcvbnm"[i % 26], k, (int)(i % 22), pad);
}

/* Sorts C strings by byte value. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The server's user and system CPU seconds (diagnostics). */
static const char *
server_cpu(void)
{
	static char out[64];
	char path[64], *buf, *p;
	unsigned long ut = 0, st = 0;
	long hz = sysconf(_SC_CLK_TCK);

	snprintf(path, sizeof path, "/proc/%d/stat", (int)ts.pid);
	if ((buf = testlib_slurp(path, NULL)) == NULL)
		return "unknown";
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		&ut, &st) != 2)
		snprintf(out, sizeof out, "unknown");
	else
		snprintf(out, sizeof out, "user %.1f s, system %.1f s",
		    (double)ut / (double)hz, (double)st / (double)hz);
	free(buf);
	return out;
}

/* Starts a handshake: msg1 out. */
static void
hs_start(struct tclient *c)
{
	struct channel_config cc = { 0 };

	cc.role = CHANNEL_INITIATOR;
	cc.local = &c->key;
	cc.hello = LONG_HELLO;
	cc.hello_len = strlen(LONG_HELLO);
	assert_int_equal(channel_init(&c->ch, &cc), 0);
	assert_int_equal(channel_start(&c->ch, c->out), 0);
	tclient_send_out(c);
}

/* Finishes a handshake: msg2 in, msg3 out. */
static void
hs_finish(struct tclient *c)
{
	uint64_t deadline = clock_mono_ms() + (uint64_t)HARNESS_TIMEOUT_MS;
	size_t len;
	int rc;

	for (;;) {
		rc = channel_read(&c->ch, c->in, c->out, c->buf, SC_MSG_MAX_LEN,
		    &len);
		assert_true(rc >= 0);
		if (rc == CHANNEL_READY)
			break;
		assert_int_equal(tclient_fill(c, testlib_ms_left(deadline)), 1);
	}
	tclient_send_out(c);
}

/* Reads and drops whatever the bulk sessions were sent. */
static void
drain(struct pollfd *pfd, size_t n)
{
	static char trash[65536];
	size_t i;

	if (poll(pfd, (nfds_t)n, 0) <= 0)
		return;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents & POLLIN)
			while (read(pfd[i].fd, trash, sizeof trash) ==
			    (ssize_t)sizeof trash)
				;
		assert_false(pfd[i].revents & (POLLHUP | POLLERR));
	}
}

/*
 * Receives one name list on c: the first message of type first (with
 * room when not NULL), then users parts until more is false or absent,
 * nothing else between. Appends the names to out; returns the parts.
 */
static size_t
expect_list(struct tclient *c, const char *first, const char *room, json_t *out)
{
	json_t *j, *more;
	size_t parts = 0;
	const char *type = first;

	for (;;) {
		j = tclient_expect(c, type);
		if (room != NULL)
			assert_string_equal(jstr(j, "room"), room);
		else if (strcmp(type, "users") == 0)
			assert_null(json_object_get(j, "room"));
		assert_true(json_array_size(json_object_get(j, "users")) > 0);
		assert_int_equal(json_array_extend(out,
				     json_object_get(j, "users")),
		    0);
		parts++;
		more = json_object_get(j, "more");
		if (more == NULL || json_is_false(more)) {
			json_decref(j);
			return parts;
		}
		assert_true(json_is_true(more));
		json_decref(j);
		type = "users";
	}
}

/* Fails unless list holds exactly names[0..n) (sorted). */
static void
check_all(json_t *list, const char *const *sorted, size_t n)
{
	size_t i;

	assert_int_equal(json_array_size(list), n);
	for (i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(list, i)),
		    sorted[i]);
}

/*
 * 6,000 users online: login_ok, users, names and joined come in parts
 * (first the message with more, then users messages with the same room),
 * each name once, sorted over the parts.
 */
static void
test_long_lists(void **state)
{
	static const char *const first[] = { "aaa-observer", NULL };
	char(*names)[SC_USER_MAX_LEN + 1];
	const char **sorted;
	struct tclient **bulk, *obs, *obs2;
	struct pollfd *pfd;
	char hash[SC_PWHASH_MAX_LEN], buf[256], want[64];
	struct rlimit rl;
	size_t i, k, end, online = 1, parts;
	uint64_t t0 = clock_mono_ms(), deadline;
	json_t *users, *list, *j;

	(void)state;
	if (getenv("SC_SERVER_WRAPPER") != NULL) {
		print_message("skipped under a wrapper (valgrind)\n");
		return;
	}
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < LONG_FD_NEED) {
		print_message("skipped: RLIMIT_NOFILE hard limit %llu\n",
		    (unsigned long long)rl.rlim_max);
		skip();
	}
	rl.rlim_cur =
	    rl.rlim_max == RLIM_INFINITY ? LONG_FD_NEED * 2 : rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);

	/* The names: aaa-observer and 5,999 others, one shared cheap hash,
	 * loaded by a SIGHUP reload (cheaper than a hash per user). */
	names = calloc(LONG_USERS, sizeof *names);
	sorted = calloc(LONG_USERS, sizeof *sorted);
	bulk = calloc(LONG_USERS, sizeof *bulk);
	pfd = calloc(LONG_USERS, sizeof *pfd);
	assert_true(
	    names != NULL && sorted != NULL && bulk != NULL && pfd != NULL);
	tserver_start(&ts, first,
	    "\"max_connections\":7000,\"max_per_ip\":7000,"
	    "\"max_unauth_per_prefix\":7000,"
	    "\"idle_timeout\":600");
	users = json_object();
	assert_int_equal(pwhash_create(HARNESS_PASSWORD,
			     strlen(HARNESS_PASSWORD), HARNESS_ITERATIONS, hash,
			     sizeof hash),
	    0);
	snprintf(names[0], sizeof names[0], "aaa-observer");
	for (i = 1; i < LONG_USERS; i++)
		long_name(i, names[i]);
	for (i = 0; i < LONG_USERS; i++) {
		sorted[i] = names[i];
		assert_int_equal(json_object_set_new(users, names[i],
				     json_string(hash)),
		    0);
	}
	assert_int_equal(json_object_size(users), LONG_USERS);
	assert_int_equal(json_dump_file(users, ts.users, JSON_COMPACT), 0);
	json_decref(users);
	qsort(sorted, LONG_USERS, sizeof *sorted, cmp_str);
	kill(ts.pid, SIGHUP);
	snprintf(want, sizeof want, "reload: %d users", LONG_USERS);
	assert_true(tserver_log_wait(&ts, want, HARNESS_TIMEOUT_MS));

	/* The observer counts the others coming online. */
	obs = tclient_login_new(ts.port, "aaa-observer");
	for (i = 1; i < LONG_USERS; i = end) {
		end = i + LONG_BATCH < LONG_USERS ? i + LONG_BATCH : LONG_USERS;
		for (k = i; k < end; k++) {
			bulk[k] = tclient_connect_raw(ts.port);
			assert_non_null(bulk[k]);
			hs_start(bulk[k]);
		}
		for (k = i; k < end; k++) {
			hs_finish(bulk[k]);
			snprintf(buf, sizeof buf,
			    "{\"type\":\"login\",\"user\":\"%s\","
			    "\"password\":\"%s\"}",
			    names[k], HARNESS_PASSWORD);
			tclient_send(bulk[k], buf);
			pfd[k].fd = bulk[k]->fd;
			pfd[k].events = POLLIN;
		}
		/*
		 * Every login of the batch, seen as presence. The bulk
		 * sessions are drained once a batch (less than 100 kB
		 * each): polling 6,000 sockets per presence would cost
		 * more than the server's work.
		 */
		deadline = clock_mono_ms() + 4 * (uint64_t)HARNESS_TIMEOUT_MS;
		while (online < end) {
			j = tclient_recv(obs, 100, NULL);
			if (j != NULL) {
				assert_string_equal(jstr(j, "type"),
				    "presence");
				online++;
				json_decref(j);
			}
			if (clock_mono_ms() > deadline)
				fail_msg("%zu of %zu online", online, end);
		}
		drain(pfd + 1, end - 1);
	}
	print_message("%d users online after %.1f s\n", LONG_USERS,
	    (double)(clock_mono_ms() - t0) / 1000);

	print_message("server CPU %s\n", server_cpu());

	/* login_ok of a second observer session: in parts. */
	obs2 = tclient_connect(ts.port);
	snprintf(buf, sizeof buf,
	    "{\"type\":\"login\",\"user\":\"aaa-observer\","
	    "\"password\":\"%s\"}",
	    HARNESS_PASSWORD);
	tclient_send(obs2, buf);
	list = json_array();
	parts = expect_list(obs2, "login_ok", NULL, list);
	assert_true(parts >= 2);
	check_all(list, sorted, LONG_USERS);
	json_decref(list);
	print_message("login_ok in %zu parts\n", parts);

	/* users (list), names and joined of the lobby. */
	tclient_send(obs, "{\"type\":\"list\"}");
	list = json_array();
	assert_true(expect_list(obs, "users", NULL, list) >= 2);
	check_all(list, sorted, LONG_USERS);
	json_decref(list);

	tclient_send(obs, "{\"type\":\"names\",\"room\":\"lobby\"}");
	list = json_array();
	assert_true(expect_list(obs, "names", "lobby", list) >= 2);
	check_all(list, sorted, LONG_USERS);
	json_decref(list);

	tclient_send(obs2, "{\"type\":\"join\",\"room\":\"lobby\"}");
	list = json_array();
	assert_true(expect_list(obs2, "joined", "lobby", list) >= 2);
	check_all(list, sorted, LONG_USERS);
	json_decref(list);
	assert_true(tclient_quiet(obs2, 100));

	/* Stop the server first: 6,000 closes would each send presence to
	 * everyone left. */
	assert_int_equal(tserver_stop(&ts), 0);
	for (i = 1; i < LONG_USERS; i++)
		tclient_free(bulk[i]);
	tclient_free(obs);
	tclient_free(obs2);
	free(names);
	free(sorted);
	free(bulk);
	free(pfd);
	print_message("long lists: %.1f s\n",
	    (double)(clock_mono_ms() - t0) / 1000);
}

int
main(void)
{
	const struct CMUnitTest shared[] = {
		cmocka_unit_test(test_v1_say_lobby),
		cmocka_unit_test(test_join_part),
		cmocka_unit_test(test_sessions_union),
		cmocka_unit_test(test_part_lobby),
		cmocka_unit_test(test_topic),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_away),
		cmocka_unit_test(test_whois),
	};
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_rooms),
		cmocka_unit_test(test_long_lists),
	};
	int rc;

	rc = cmocka_run_group_tests_name("shared server", shared, setup,
	    teardown);
	rc |= cmocka_run_group_tests_name("own server", own, NULL, NULL);
	return rc;
}
