/*
 * e2e_chat.c: securechatd end to end: handshake, login, say, msg, list,
 * ping, quit and presence between two and three real clients, several
 * sessions of one user, and the error codes of each state.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

static struct tserver ts;

/* One server for the whole group. */
static int
setup(void **state)
{
	static const char *const users[] = { "testuser", "anotheruser", "carol",
		"dave", NULL };

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

/* The handshake reveals the key on disk and the server hello. */
static void
test_handshake(void **state)
{
	struct tclient *c;
	char fp[KEYS_FINGERPRINT_LEN + 1];

	(void)state;
	c = tclient_connect(ts.port);
	keys_fingerprint(channel_remote_static(&c->ch), fp);
	assert_string_equal(fp, ts.fingerprint);
	assert_true(strncmp(c->hello, "securechatd/", 12) == 0);
	tclient_free(c);
}

/* login_ok names the user and lists everyone online, sorted. */
static void
test_login(void **state)
{
	struct tclient *a, *b;
	json_t *j, *users;

	(void)state;
	a = tclient_connect(ts.port);
	j = tclient_login(a, "testuser");
	users = json_object_get(j, "users");
	assert_int_equal(json_array_size(users), 1);
	assert_string_equal(json_string_value(json_array_get(users, 0)),
	    "testuser");
	json_decref(j);

	b = tclient_connect(ts.port);
	j = tclient_login(b, "anotheruser");
	users = json_object_get(j, "users");
	assert_int_equal(json_array_size(users), 2);
	assert_string_equal(json_string_value(json_array_get(users, 0)),
	    "anotheruser");
	assert_string_equal(json_string_value(json_array_get(users, 1)),
	    "testuser");
	json_decref(j);

	/* a hears that b came online. */
	j = tclient_expect(a, "presence");
	assert_string_equal(jstr(j, "user"), "anotheruser");
	assert_true(json_is_true(json_object_get(j, "online")));
	json_decref(j);
	/* b gets no presence about itself. */
	assert_true(tclient_quiet(b, 200));

	tclient_free(b);
	j = tclient_expect(a, "presence");
	assert_string_equal(jstr(j, "user"), "anotheruser");
	assert_true(json_is_false(json_object_get(j, "online")));
	json_decref(j);
	tclient_free(a);
}

/* Wrong password and unknown user get the same auth_failed. */
static void
test_auth_failed(void **state)
{
	struct tclient *c;

	(void)state;
	c = tclient_connect(ts.port);
	tclient_send(c,
	    "{\"type\":\"login\",\"user\":\"testuser\","
	    "\"password\":\"wrong\"}");
	tclient_expect_error(c, "auth_failed", "login");
	tclient_send(c,
	    "{\"type\":\"login\",\"user\":\"nobody\","
	    "\"password\":\"password123\"}");
	tclient_expect_error(c, "auth_failed", "login");
	/* Still usable: the right password works. */
	json_decref(tclient_login(c, "testuser"));
	tclient_free(c);
}

/* The third failure on one connection ends it with bye. */
static void
test_three_failures(void **state)
{
	struct tclient *c;
	json_t *j;
	int i;

	(void)state;
	c = tclient_connect(ts.port);
	for (i = 0; i < 3; i++) {
		tclient_send(c,
		    "{\"type\":\"login\",\"user\":\"carol\","
		    "\"password\":\"nope\"}");
		tclient_expect_error(c, "auth_failed", "login");
	}
	j = tclient_expect(c, "bye");
	json_decref(j);
	assert_true(tclient_wait_closed(c, HARNESS_TIMEOUT_MS));
	tclient_free(c);
}

/* say reaches everyone, sender included, with the same id and ts. */
static void
test_say_three_clients(void **state)
{
	struct tclient *c[3];
	const char *names[3] = { "testuser", "anotheruser", "carol" };
	json_t *j, *first = NULL;
	int i, k;

	(void)state;
	for (i = 0; i < 3; i++) {
		c[i] = tclient_login_new(ts.port, names[i]);
		/* Earlier clients hear of this one. */
		for (k = 0; k < i; k++)
			json_decref(tclient_expect(c[k], "presence"));
	}
	tclient_send(c[1], "{\"type\":\"say\",\"text\":\"hello\\tworld\\n\"}");
	for (i = 0; i < 3; i++) {
		j = tclient_expect(c[i], "say");
		assert_string_equal(jstr(j, "from"), "anotheruser");
		assert_string_equal(jstr(j, "text"), "hello\tworld\n");
		assert_true(json_integer_value(json_object_get(j, "id")) > 0);
		assert_true(json_integer_value(json_object_get(j, "ts")) >
		    1700000000000LL);
		if (first == NULL)
			first = j;
		else {
			assert_true(json_equal(first, j));
			json_decref(j);
		}
	}
	/* Ids increase. */
	tclient_send(c[2], "{\"type\":\"say\",\"text\":\"again\"}");
	for (i = 0; i < 3; i++) {
		j = tclient_expect(c[i], "say");
		assert_true(json_integer_value(json_object_get(j, "id")) >
		    json_integer_value(json_object_get(first, "id")));
		json_decref(j);
	}
	json_decref(first);
	for (i = 0; i < 3; i++)
		tclient_free(c[i]);
}

/* action (/me): delivered as "action": true only when the request had
 * true; false is accepted and delivered without it; a non-boolean is
 * bad_request with ref. */
static void
test_action(void **state)
{
	struct tclient *a, *b;
	json_t *j;

	(void)state;
	a = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	json_decref(tclient_expect(a, "presence"));

	tclient_send(a,
	    "{\"type\":\"say\",\"text\":\"waves\","
	    "\"action\":true}");
	j = tclient_expect(b, "say");
	assert_true(json_is_true(json_object_get(j, "action")));
	assert_string_equal(jstr(j, "text"), "waves");
	json_decref(j);
	json_decref(tclient_expect(a, "say"));

	tclient_send(a,
	    "{\"type\":\"say\",\"text\":\"plain\","
	    "\"action\":false}");
	j = tclient_expect(b, "say");
	assert_null(json_object_get(j, "action"));
	json_decref(j);
	json_decref(tclient_expect(a, "say"));

	tclient_send(a,
	    "{\"type\":\"msg\",\"to\":\"anotheruser\","
	    "\"text\":\"nods\",\"action\":true}");
	j = tclient_expect(b, "msg");
	assert_true(json_is_true(json_object_get(j, "action")));
	json_decref(j);
	json_decref(tclient_expect(a, "msg"));

	tclient_send(a,
	    "{\"type\":\"say\",\"text\":\"x\","
	    "\"action\":\"yes\"}");
	tclient_expect_error(a, "bad_request", "say");
	assert_true(tclient_quiet(b, 200));
	tclient_free(a);
	tclient_free(b);
}

/* msg goes to the target's sessions and echoes to the sender's. */
static void
test_private_message(void **state)
{
	struct tclient *a1, *a2, *b, *d;
	json_t *j;

	(void)state;
	a1 = tclient_login_new(ts.port, "testuser");
	a2 = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	json_decref(tclient_expect(a1, "presence"));
	json_decref(tclient_expect(a2, "presence"));
	d = tclient_login_new(ts.port, "dave");
	json_decref(tclient_expect(a1, "presence"));
	json_decref(tclient_expect(a2, "presence"));
	json_decref(tclient_expect(b, "presence"));

	tclient_send(b,
	    "{\"type\":\"msg\",\"to\":\"testuser\","
	    "\"text\":\"psst\"}");
	j = tclient_expect(a1, "msg");
	assert_string_equal(jstr(j, "from"), "anotheruser");
	assert_string_equal(jstr(j, "to"), "testuser");
	assert_string_equal(jstr(j, "text"), "psst");
	json_decref(j);
	json_decref(tclient_expect(a2, "msg"));
	json_decref(tclient_expect(b, "msg")); /* the echo */
	assert_true(tclient_quiet(d, 200));    /* not for dave */

	/* To oneself: once per session. */
	tclient_send(a1,
	    "{\"type\":\"msg\",\"to\":\"testuser\","
	    "\"text\":\"note\"}");
	json_decref(tclient_expect(a1, "msg"));
	json_decref(tclient_expect(a2, "msg"));
	assert_true(tclient_quiet(a1, 200));
	assert_true(tclient_quiet(a2, 10));

	/* Nobody called zed is online. */
	tclient_send(a1, "{\"type\":\"msg\",\"to\":\"zed\",\"text\":\"hi\"}");
	tclient_expect_error(a1, "not_online", "msg");

	/* A second session going away is no presence; the last one is. */
	tclient_free(a2);
	assert_true(tclient_quiet(b, 200));
	tclient_free(a1);
	j = tclient_expect(b, "presence");
	assert_string_equal(jstr(j, "user"), "testuser");
	assert_true(json_is_false(json_object_get(j, "online")));
	json_decref(j);
	tclient_free(b);
	tclient_free(d);
}

/* list, ping and quit. */
static void
test_list_ping_quit(void **state)
{
	struct tclient *a, *b;
	json_t *j, *users;

	(void)state;
	a = tclient_login_new(ts.port, "dave");
	b = tclient_login_new(ts.port, "carol");
	json_decref(tclient_expect(a, "presence"));
	tclient_send(a, "{\"type\":\"list\"}");
	j = tclient_expect(a, "users");
	users = json_object_get(j, "users");
	assert_int_equal(json_array_size(users), 2);
	assert_string_equal(json_string_value(json_array_get(users, 0)),
	    "carol");
	assert_string_equal(json_string_value(json_array_get(users, 1)),
	    "dave");
	json_decref(j);

	tclient_send(a, "{\"type\":\"ping\",\"id\":9007199254740991}");
	j = tclient_expect(a, "pong");
	assert_int_equal(json_integer_value(json_object_get(j, "id")),
	    9007199254740991LL);
	json_decref(j);
	tclient_send(a, "{\"type\":\"ping\"}");
	j = tclient_expect(a, "pong");
	assert_null(json_object_get(j, "id"));
	json_decref(j);

	tclient_send(b, "{\"type\":\"quit\"}");
	j = tclient_expect(b, "bye");
	json_decref(j);
	assert_true(tclient_wait_closed(b, HARNESS_TIMEOUT_MS));
	j = tclient_expect(a, "presence");
	assert_string_equal(jstr(j, "user"), "carol");
	json_decref(j);
	tclient_free(a);
	tclient_free(b);
}

/* Before login: only login, ping and quit. */
static void
test_before_login(void **state)
{
	struct tclient *c;
	json_t *j;

	(void)state;
	c = tclient_connect(ts.port);
	tclient_send(c, "{\"type\":\"say\",\"text\":\"hi\"}");
	tclient_expect_error(c, "auth_required", "say");
	tclient_send(c, "{\"type\":\"msg\",\"to\":\"x\",\"text\":\"hi\"}");
	tclient_expect_error(c, "auth_required", "msg");
	tclient_send(c, "{\"type\":\"list\"}");
	tclient_expect_error(c, "auth_required", "list");
	/* State comes before members: a bad say is still auth_required. */
	tclient_send(c, "{\"type\":\"say\"}");
	tclient_expect_error(c, "auth_required", "say");
	tclient_send(c, "{\"type\":\"ping\",\"id\":7}");
	j = tclient_expect(c, "pong");
	json_decref(j);
	tclient_send(c, "{\"type\":\"quit\"}");
	json_decref(tclient_expect(c, "bye"));
	assert_true(tclient_wait_closed(c, HARNESS_TIMEOUT_MS));
	tclient_free(c);
}

/* After login: a second login is already_logged_in. */
static void
test_already_logged_in(void **state)
{
	struct tclient *c;

	(void)state;
	c = tclient_login_new(ts.port, "carol");
	tclient_send(c,
	    "{\"type\":\"login\",\"user\":\"carol\","
	    "\"password\":\"password123\"}");
	tclient_expect_error(c, "already_logged_in", "login");
	/* State before members and content. */
	tclient_send(c, "{\"type\":\"login\"}");
	tclient_expect_error(c, "already_logged_in", "login");
	tclient_free(c);
}

/* Requests pipelined behind a login are answered in order. */
static void
test_pipelined_login(void **state)
{
	struct tclient *c;
	json_t *j;

	(void)state;
	c = tclient_connect(ts.port);
	tclient_send(c,
	    "{\"type\":\"login\",\"user\":\"dave\","
	    "\"password\":\"password123\"}");
	tclient_send(c, "{\"type\":\"list\"}");
	tclient_send(c, "{\"type\":\"say\",\"text\":\"first\"}");
	json_decref(tclient_expect(c, "login_ok"));
	json_decref(tclient_expect(c, "users"));
	j = tclient_expect(c, "say");
	assert_string_equal(jstr(j, "text"), "first");
	json_decref(j);
	tclient_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_auth_failed),
		cmocka_unit_test(test_three_failures),
		cmocka_unit_test(test_say_three_clients),
		cmocka_unit_test(test_private_message),
		cmocka_unit_test(test_action),
		cmocka_unit_test(test_list_ping_quit),
		cmocka_unit_test(test_before_login),
		cmocka_unit_test(test_already_logged_in),
		cmocka_unit_test(test_pipelined_login),
	};

	if (noise_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
