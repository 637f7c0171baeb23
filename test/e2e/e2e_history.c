/*
 * e2e_history.c: securechatd's history end to end (PROTOCOL.md section
 * 7): a room's say and a private conversation come back exactly as
 * delivered, before/limit/more, the bad requests in the spec's order,
 * answers in request order, a restart that keeps history and ids,
 * history_days 0, and a database that cannot open (chat goes on, history
 * answers internal).
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#ifndef SC_SECURECHATD_PATH
#error "SC_SECURECHATD_PATH must name the securechatd binary"
#endif

static const char *const users[] = { "testuser", "anotheruser", "carol", NULL };
static struct tserver ts;

/* Stops the server (exit status 0) and removes its folder. */
static int
teardown(void **state)
{
	(void)state;
	return tserver_stop(&ts) == 0 ? 0 : -1;
}

/*
 * Receives a message of type and returns its plaintext as sent (a
 * malloc'd string): jansson re-dumps what it dumped byte for byte, which
 * the check against the received bytes proves here too.
 */
static char *
expect_raw(struct tclient *c, const char *type, json_t **out)
{
	json_t *j = tclient_expect(c, type);
	char *dump = json_dumps(j, JSON_COMPACT);

	assert_non_null(dump);
	assert_memory_equal(c->buf, dump, strlen(dump));
	if (out != NULL)
		*out = j;
	else
		json_decref(j);
	return dump;
}

/* Sends a say and returns it as a sender's session received it. */
static char *
say(struct tclient *c, const char *text, uint64_t *id)
{
	json_t *req = json_pack("{s:s, s:s}", "type", "say", "text", text);
	char *s = json_dumps(req, JSON_COMPACT), *raw;
	json_t *j;

	tclient_send(c, s);
	free(s);
	json_decref(req);
	raw = expect_raw(c, "say", &j);
	if (id != NULL)
		*id = (uint64_t)json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	return raw;
}

/* Sends a history request and returns the answer (caller decrefs). */
static json_t *
history(struct tclient *c, const char *members)
{
	char buf[512];
	json_t *j;

	snprintf(buf, sizeof buf, "{\"type\":\"history\"%s%s}",
	    *members != '\0' ? "," : "", members);
	tclient_send(c, buf);
	free(expect_raw(c, "history", &j));
	return j;
}

/* Checks the messages of a history answer against the raw ones. */
static void
check_messages(json_t *h, bool more, size_t n, ...)
{
	json_t *msgs = json_object_get(h, "messages");
	va_list ap;
	size_t i;
	char *got;

	assert_true(json_is_array(msgs));
	assert_int_equal(json_array_size(msgs), n);
	assert_true(json_is_boolean(json_object_get(h, "more")));
	assert_int_equal(json_is_true(json_object_get(h, "more")), more);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		got = json_dumps(json_array_get(msgs, i), JSON_COMPACT);
		assert_string_equal(got, va_arg(ap, const char *));
		free(got);
	}
	va_end(ap);
}

/* Stops the daemon (SIGTERM, exit 0) and starts it again on the same
 * folder and port, waiting for READY=1. */
static void
restart(struct tserver *t)
{
	char errpath[160], *msg;
	int status, fd;

	kill(t->pid, SIGTERM);
	assert_int_equal(waitpid(t->pid, &status, 0), t->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		snprintf(errpath, sizeof errpath, "%s/stderr2.txt", t->dir);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("NOTIFY_SOCKET", t->notify, 1);
		execl(SC_SECURECHATD_PATH, "securechatd", "--config", t->config,
		    (char *)NULL);
		_exit(127);
	}
	for (;;) {
		msg = tserver_notify(t, HARNESS_TIMEOUT_MS);
		if (msg == NULL)
			fail_msg("securechatd did not restart (see %s)",
			    t->dir);
		if (strstr(msg, "READY=1") != NULL) {
			free(msg);
			return;
		}
		free(msg);
	}
}

/* The lobby's says come back oldest first, as delivered; limit, before
 * and more page through them. */
static void
test_room(void **state)
{
	struct tclient *a, *b;
	char *s1, *s2, *s3, members[128];
	uint64_t id1, id3;
	json_t *h;

	(void)state;
	tserver_start(&ts, users, NULL);
	a = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	json_decref(tclient_expect(a, "presence"));

	s1 = say(a, "one", &id1);
	free(expect_raw(b, "say", NULL));
	s2 = say(b, "two \xc3\xa9\xe2\x9c\x93 \"quoted\"\t\\ \n</tag>", NULL);
	free(expect_raw(a, "say", NULL));
	s3 = say(a, "three \xf0\x9f\x98\x80", &id3);
	free(expect_raw(b, "say", NULL));

	h = history(b, "\"room\":\"lobby\"");
	assert_string_equal(jstr(h, "room"), "lobby");
	assert_null(json_object_get(h, "with"));
	check_messages(h, false, 3, s1, s2, s3);
	json_decref(h);

	h = history(a, "\"room\":\"lobby\",\"limit\":2");
	check_messages(h, true, 2, s2, s3);
	json_decref(h);

	snprintf(members, sizeof members,
	    "\"room\":\"lobby\",\"before\":%llu,\"limit\":1",
	    (unsigned long long)id3);
	h = history(a, members);
	check_messages(h, true, 1, s2);
	json_decref(h);

	snprintf(members, sizeof members, "\"room\":\"lobby\",\"before\":%llu",
	    (unsigned long long)id1);
	h = history(a, members);
	check_messages(h, false, 0);
	json_decref(h);

	/* A room never created. */
	tclient_send(a, "{\"type\":\"history\",\"room\":\"nowhere\"}");
	tclient_expect_error(a, "no_such_room", "history");

	free(s1);
	free(s2);
	free(s3);
	tclient_free(a);
	tclient_free(b);
}

/* A private conversation: both directions, a message to oneself once,
 * nobody else's. */
static void
test_private(void **state)
{
	struct tclient *a, *b, *c;
	char *m1, *m2, *m3, *m4;
	json_t *h;

	(void)state;
	tserver_start(&ts, users, NULL);
	a = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	json_decref(tclient_expect(a, "presence"));
	c = tclient_login_new(ts.port, "carol");
	json_decref(tclient_expect(a, "presence"));
	json_decref(tclient_expect(b, "presence"));

	tclient_send(a,
	    "{\"type\":\"msg\",\"to\":\"anotheruser\",\"text\":\"hi b\"}");
	m1 = expect_raw(a, "msg", NULL);
	free(expect_raw(b, "msg", NULL));
	tclient_send(b,
	    "{\"type\":\"msg\",\"to\":\"testuser\",\"text\":\"hi a\","
	    "\"action\":true}");
	m2 = expect_raw(b, "msg", NULL);
	free(expect_raw(a, "msg", NULL));
	tclient_send(a,
	    "{\"type\":\"msg\",\"to\":\"testuser\",\"text\":\"me\"}");
	m3 = expect_raw(a, "msg", NULL);
	tclient_send(c,
	    "{\"type\":\"msg\",\"to\":\"testuser\",\"text\":\"c\"}");
	m4 = expect_raw(c, "msg", NULL);
	free(expect_raw(a, "msg", NULL));

	h = history(a, "\"with\":\"anotheruser\"");
	assert_string_equal(jstr(h, "with"), "anotheruser");
	assert_null(json_object_get(h, "room"));
	check_messages(h, false, 2, m1, m2);
	json_decref(h);
	h = history(b, "\"with\":\"testuser\"");
	check_messages(h, false, 2, m1, m2);
	json_decref(h);
	h = history(a, "\"with\":\"testuser\"");
	check_messages(h, false, 1, m3);
	json_decref(h);
	h = history(a, "\"with\":\"carol\"");
	check_messages(h, false, 1, m4);
	json_decref(h);
	h = history(c, "\"with\":\"anotheruser\"");
	check_messages(h, false, 0);
	json_decref(h);
	/* A name in the users file but never messaged: empty; not in the
	 * file: no_such_user. */
	tclient_send(a, "{\"type\":\"history\",\"with\":\"nobody\"}");
	tclient_expect_error(a, "no_such_user", "history");

	free(m1);
	free(m2);
	free(m3);
	free(m4);
	tclient_free(a);
	tclient_free(b);
	tclient_free(c);
}

/* Each bad request gets its code, in the order of section 3. */
static void
test_bad_requests(void **state)
{
	static const struct {
		const char *members;
		const char *code;
	} cases[] = {
		{ "", "bad_request" }, /* neither room nor with */
		{ "\"room\":\"lobby\",\"with\":\"carol\"", "bad_request" },
		{ "\"room\":\"lobby\",\"limit\":0", "bad_request" },
		{ "\"room\":\"lobby\",\"limit\":201", "bad_request" },
		{ "\"room\":\"lobby\",\"limit\":-1", "bad_request" },
		{ "\"room\":\"lobby\",\"before\":0", "bad_request" },
		{ "\"room\":\"lobby\",\"before\":9007199254740992",
		    "bad_request" },
		{ "\"room\":\"lobby\",\"limit\":1.5", "bad_request" },
		{ "\"room\":\"lobby\",\"limit\":\"5\"", "bad_request" },
		{ "\"room\":7", "bad_request" },
		{ "\"room\":\"Lobby!\"", "bad_request" },
		{ "\"with\":\"no body\"", "bad_request" },
		/* Step 5 (content) before step 6 (the target). */
		{ "\"with\":\"nobody\",\"limit\":0", "bad_request" },
		{ "\"room\":\"nowhere\",\"before\":0", "bad_request" },
		{ "\"with\":\"nobody\",\"room\":\"nowhere\"", "bad_request" },
		{ "\"with\":\"nobody\"", "no_such_user" },
		{ "\"room\":\"nowhere\"", "no_such_room" },
	};
	struct tclient *a, *u;
	char buf[256];
	size_t i;
	json_t *h;

	(void)state;
	tserver_start(&ts, users, NULL);
	/* 2 before 3: not logged in. */
	u = tclient_connect(ts.port);
	tclient_send(u, "{\"type\":\"history\",\"room\":7}");
	tclient_expect_error(u, "auth_required", "history");
	tclient_free(u);

	a = tclient_login_new(ts.port, "testuser");
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(buf, sizeof buf, "{\"type\":\"history\"%s%s}",
		    *cases[i].members != '\0' ? "," : "", cases[i].members);
		tclient_send(a, buf);
		tclient_expect_error(a, cases[i].code, "history");
	}
	/* The edges are fine. */
	h = history(a,
	    "\"room\":\"lobby\",\"limit\":200,"
	    "\"before\":9007199254740991");
	check_messages(h, false, 0);
	json_decref(h);
	h = history(a, "\"room\":\"lobby\",\"limit\":1,\"before\":1");
	check_messages(h, false, 0);
	json_decref(h);

	/* 4 before 5: an empty bucket answers rate_limited, not
	 * bad_request (answers take tokens). */
	for (i = 0; i < 20; i++)
		tclient_send(a, "{\"type\":\"history\",\"room\":\"lobby\"}");
	for (i = 0; i < 20; i++) {
		h = tclient_recv(a, HARNESS_TIMEOUT_MS, NULL);
		assert_non_null(h);
		json_decref(h);
	}
	tclient_send(a, "{\"type\":\"history\",\"limit\":0}");
	tclient_expect_error(a, "rate_limited", "history");
	tclient_free(a);
}

/* Input waits while a read is in flight: answers keep request order. */
static void
test_order(void **state)
{
	struct tclient *a;
	json_t *j;
	int i;

	(void)state;
	tserver_start(&ts, users, "\"rate_burst\":1000,\"rate_per_sec\":1000");
	a = tclient_login_new(ts.port, "testuser");
	free(say(a, "x", NULL));
	for (i = 0; i < 5; i++) {
		tclient_send(a, "{\"type\":\"history\",\"room\":\"lobby\"}");
		tclient_send(a, "{\"type\":\"ping\",\"id\":7}");
	}
	for (i = 0; i < 5; i++) {
		json_decref(tclient_expect(a, "history"));
		j = tclient_expect(a, "pong");
		assert_int_equal(json_integer_value(json_object_get(j, "id")),
		    7);
		json_decref(j);
	}
	tclient_free(a);
}

/* A restart keeps history byte for byte, and ids keep increasing. */
static void
test_restart(void **state)
{
	struct tclient *a, *b;
	char *s1, *m1, *s2;
	uint64_t id1, id2;
	json_t *h, *j;

	(void)state;
	tserver_start(&ts, users, NULL);
	a = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	json_decref(tclient_expect(a, "presence"));
	s1 = say(a, "before the restart", NULL);
	free(expect_raw(b, "say", NULL));
	tclient_send(b,
	    "{\"type\":\"msg\",\"to\":\"testuser\",\"text\":\"pm\"}");
	m1 = expect_raw(b, "msg", &j);
	id1 = (uint64_t)json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	free(expect_raw(a, "msg", NULL));
	tclient_free(a);
	tclient_free(b);

	restart(&ts);
	assert_true(tserver_log_has(&ts, "last message id"));
	a = tclient_login_new(ts.port, "testuser");
	h = history(a, "\"room\":\"lobby\"");
	check_messages(h, false, 1, s1);
	json_decref(h);
	h = history(a, "\"with\":\"anotheruser\"");
	check_messages(h, false, 1, m1);
	json_decref(h);
	s2 = say(a, "after", &id2);
	assert_true(id2 > id1);
	h = history(a, "\"room\":\"lobby\"");
	check_messages(h, false, 2, s1, s2);
	json_decref(h);
	free(s1);
	free(s2);
	free(m1);
	tclient_free(a);
}

/* history_days 0 stores no message, but ids still survive a restart. */
static void
test_days_zero(void **state)
{
	struct tclient *a;
	uint64_t id1, id2;
	json_t *h;

	(void)state;
	tserver_start(&ts, users, "\"history_days\":0");
	a = tclient_login_new(ts.port, "testuser");
	free(say(a, "gone", &id1));
	h = history(a, "\"room\":\"lobby\"");
	check_messages(h, false, 0);
	json_decref(h);
	tclient_free(a);

	restart(&ts);
	a = tclient_login_new(ts.port, "testuser");
	free(say(a, "gone too", &id2));
	assert_true(id2 > id1);
	h = history(a, "\"room\":\"lobby\"");
	check_messages(h, false, 0);
	json_decref(h);
	tclient_free(a);
}

/* A database that cannot open: logged, chat goes on, history answers
 * internal. */
static void
test_unwritable(void **state)
{
	struct tclient *a, *b;

	(void)state;
	/* Under a file, so that not even root can create it. */
	tserver_start(&ts, users,
	    "\"database\":\"/dev/null/securechat-test/securechat.db\"");
	assert_true(tserver_log_has(&ts, "history unavailable"));
	a = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	json_decref(tclient_expect(a, "presence"));
	free(say(a, "still chatting", NULL));
	free(expect_raw(b, "say", NULL));
	tclient_send(a, "{\"type\":\"history\",\"room\":\"lobby\"}");
	tclient_expect_error(a, "internal", "history");
	tclient_send(a, "{\"type\":\"history\",\"with\":\"carol\"}");
	tclient_expect_error(a, "internal", "history");
	/* Bad requests still get their own codes first. */
	tclient_send(a, "{\"type\":\"history\",\"with\":\"nobody\"}");
	tclient_expect_error(a, "no_such_user", "history");
	tclient_free(a);
	tclient_free(b);
}

/* A corrupt database file: the daemon starts without history. */
static void
test_corrupt(void **state)
{
	static const char junk[] = "this is not an SQLite database, not at "
				   "all, and it is long enough to matter.";
	char path[160], cfg[256];
	struct tclient *c;
	char *msg;
	int fd;

	(void)state;
	tserver_prepare(&ts, users);
	snprintf(path, sizeof path, "%s/bad.db", ts.dir);
	assert_int_equal(testlib_write_file(path, junk, sizeof junk, 0600), 0);
	snprintf(cfg, sizeof cfg, "\"database\":\"%s\"", path);
	tserver_write_config(&ts, "127.0.0.1", testlib_free_port(AF_INET), cfg);
	ts.pid = fork();
	assert_true(ts.pid >= 0);
	if (ts.pid == 0) {
		snprintf(path, sizeof path, "%s/stderr.txt", ts.dir);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >=
		    0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("NOTIFY_SOCKET", ts.notify, 1);
		execl(SC_SECURECHATD_PATH, "securechatd", "--config", ts.config,
		    (char *)NULL);
		_exit(127);
	}
	while ((msg = tserver_notify(&ts, HARNESS_TIMEOUT_MS)) != NULL &&
	    strstr(msg, "READY=1") == NULL)
		free(msg);
	assert_non_null(msg);
	free(msg);
	assert_true(tserver_log_has(&ts, "history unavailable"));
	c = tclient_login_new(ts.port, "testuser");
	tclient_send(c, "{\"type\":\"history\",\"room\":\"lobby\"}");
	tclient_expect_error(c, "internal", "history");
	tclient_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_room, teardown),
		cmocka_unit_test_teardown(test_private, teardown),
		cmocka_unit_test_teardown(test_bad_requests, teardown),
		cmocka_unit_test_teardown(test_order, teardown),
		cmocka_unit_test_teardown(test_restart, teardown),
		cmocka_unit_test_teardown(test_days_zero, teardown),
		cmocka_unit_test_teardown(test_unwritable, teardown),
		cmocka_unit_test_teardown(test_corrupt, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
