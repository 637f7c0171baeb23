/*
 * e2e_mod.c: PROTOCOL.md section 8 against the real securechatd and
 * securechatctl: operators (login_ok op), kick, mute, unmute, ban, unban
 * with every error of the section and the check order, a mute in one room
 * only, an operator that cannot be kicked, timed mutes and bans that end
 * by themselves (one while the server is down, seen after a restart),
 * securechatctl's changes reaching a running server through SIGHUP,
 * device binding, the message of the day, account changes ending
 * sessions, and the audit trail in the log.
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

static struct tserver ts;
static char motd_path[160];

static const char *const mod_users[] = { "op1", "op2", "bob", "carol", "dave",
	"erin", "frank", "gina", "hank", "ivan", "judy", "kim", NULL };

/* ---- helpers ----------------------------------------------------------- */

/* Sends a printf-formatted plaintext. */
static void __attribute__((format(printf, 2, 3)))
sendf(struct tclient *c, const char *fmt, ...)
{
	char buf[16384];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof buf);
	tclient_send(c, buf);
}

/* The next message that is not presence (other users coming and going
 * while a test runs), checked to be of type. */
static json_t *
next(struct tclient *c, const char *type)
{
	json_t *j;

	for (;;) {
		j = tclient_recv(c, HARNESS_TIMEOUT_MS, NULL);
		if (j == NULL || strcmp(jstr(j, "type"), "presence") != 0)
			return tclient_check_type(j, type);
		json_decref(j);
	}
}

/* The next error (presence skipped): code and ref checked, returned. */
static json_t *
next_error(struct tclient *c, const char *code, const char *ref)
{
	json_t *j = next(c, "error");

	if (strcmp(jstr(j, "code"), code) != 0 ||
	    strcmp(jstr(j, "ref"), ref) != 0) {
		char *d = json_dumps(j, JSON_COMPACT);

		fail_msg("expected error %s ref %s, got %s", code, ref, d);
	}
	return j;
}

/* Same, dropping the error. */
static void
error_is(struct tclient *c, const char *code, const char *ref)
{
	json_decref(next_error(c, code, ref));
}

/* True when only presence (or nothing) arrives within ms. */
static bool
quiet(struct tclient *c, int ms)
{
	uint64_t end = clock_mono_ms() + (uint64_t)ms;
	json_t *j;
	bool closed = false;

	while (clock_mono_ms() < end) {
		j = tclient_recv(c, (int)(end - clock_mono_ms()), &closed);
		if (j == NULL)
			return !closed;
		if (strcmp(jstr(j, "type"), "presence") != 0) {
			char *d = json_dumps(j, JSON_COMPACT);

			print_message("unexpected: %s\n", d);
			free(d);
			json_decref(j);
			return false;
		}
		json_decref(j);
	}
	return true;
}

/* Waits until the server handled everything c sent (a ping's pong):
 * operator commands have no reply of their own. */
static void
sync_with(struct tclient *c)
{
	json_t *j;

	tclient_send(c, "{\"type\":\"ping\",\"id\":77}");
	for (;;) { /* events for the operator itself may come first */
		j = tclient_recv(c, HARNESS_TIMEOUT_MS, NULL);
		assert_non_null(j);
		if (strcmp(jstr(j, "type"), "pong") == 0)
			break;
		assert_string_not_equal(jstr(j, "type"), "error");
		json_decref(j);
	}
	assert_int_equal(json_integer_value(json_object_get(j, "id")), 77);
	json_decref(j);
}

/* A new client logged in as user (login_ok returned in *ok if not NULL). */
static struct tclient *
login(const char *user, json_t **ok)
{
	struct tclient *c = tclient_connect(ts.port);
	json_t *j = tclient_login(c, user);

	if (ok != NULL)
		*ok = j;
	else
		json_decref(j);
	return c;
}

/* Runs securechatctl on the test folder's database and users file with
 * the arguments given; returns its exit status. Its output goes to the
 * folder's ctl.txt. */
static int __attribute__((format(printf, 1, 2))) ctl(const char *fmt, ...)
{
	char args[1024], cmd[2048], users[160] = "";
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	/* The commands that check names against the users file take it. */
	if (strncmp(args, "op ", 3) == 0 || strncmp(args, "ban ", 4) == 0 ||
	    strncmp(args, "mute ", 5) == 0 || strncmp(args, "device ", 7) == 0)
		snprintf(users, sizeof users, "--users %s", ts.users);
	snprintf(cmd, sizeof cmd,
	    "%s --database %s/securechat.db %s %s >%s/ctl.txt 2>&1",
	    SC_SECURECHATCTL_PATH, ts.dir, users, args, ts.dir);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* What the last ctl() printed (static buffer). */
static const char *
ctl_output(void)
{
	static char buf[8192];
	char path[160], *s;

	snprintf(path, sizeof path, "%s/ctl.txt", ts.dir);
	s = testlib_slurp(path, NULL);
	snprintf(buf, sizeof buf, "%s", s != NULL ? s : "");
	free(s);
	return buf;
}

/* How often needle is in the log. */
static int
log_count(const char *needle)
{
	char *buf = testlib_slurp(ts.log, NULL), *p;
	int n = 0;

	for (p = buf; p != NULL && (p = strstr(p, needle)) != NULL; p++)
		n++;
	free(buf);
	return n;
}

/* SIGHUP, then waits until the reload of the moderation state is done. */
static void
hup(void)
{
	int before = log_count("reload: moderation:");
	uint64_t end = clock_mono_ms() + (uint64_t)HARNESS_TIMEOUT_MS;

	assert_int_equal(kill(ts.pid, SIGHUP), 0);
	while (log_count("reload: moderation:") <= before) {
		if (clock_mono_ms() > end)
			fail_msg("no reload of the moderation state");
		testlib_sleep_ms(20);
	}
}

/* Writes the message of the day file. */
static void
write_motd(const char *text)
{
	assert_int_equal(testlib_write_file(motd_path, text, strlen(text),
			     0644),
	    0);
}

/* ---- setup ------------------------------------------------------------- */

/* One server for the group: op1 and op2 operators (set with securechatctl
 * before the server ever ran: it creates the database), a MOTD, rates
 * high enough for quick tests. */
static int
setup(void **state)
{
	char extra[512];

	(void)state;
	tserver_prepare(&ts, mod_users);
	snprintf(motd_path, sizeof motd_path, "%s/motd.txt", ts.dir);
	write_motd("Welcome to the test server.\nBe kind.\n");
	snprintf(extra, sizeof extra,
	    "\"rate_burst\":100000,\"rate_per_sec\":100000,"
	    "\"ip_fail_limit\":100000,\"motd\":\"%s\"",
	    motd_path);
	tserver_write_config(&ts, "127.0.0.1", testlib_free_port(AF_INET),
	    extra);
	assert_int_equal(ctl("op add op1"), 0);
	assert_int_equal(ctl("op add op2"), 0);
	assert_int_equal(ctl("op list"), 0);
	assert_string_equal(ctl_output(), "op1\nop2\n");
	tserver_launch(&ts);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return tserver_stop(&ts) == 0 ? 0 : -1;
}

/* ---- tests ------------------------------------------------------------- */

/* login_ok carries "op": true for an operator only; the MOTD follows it. */
static void
test_login_op_motd(void **state)
{
	json_t *ok, *n;
	struct tclient *a, *b;

	(void)state;
	a = login("op1", &ok);
	assert_true(json_is_true(json_object_get(ok, "op")));
	json_decref(ok);
	n = next(a, "notice");
	assert_string_equal(jstr(n, "text"),
	    "Welcome to the test server.\nBe kind.");
	assert_true(json_is_true(json_object_get(n, "motd")));
	json_decref(n);

	b = login("bob", &ok);
	assert_null(json_object_get(ok, "op"));
	json_decref(ok);
	json_decref(next(b, "notice"));

	/* A new MOTD at SIGHUP; an empty file means none. */
	write_motd("Maintenance at noon.");
	hup();
	tclient_free(b);
	b = login("bob", NULL);
	n = next(b, "notice");
	assert_string_equal(jstr(n, "text"), "Maintenance at noon.");
	json_decref(n);
	write_motd("");
	hup();
	tclient_free(b);
	b = login("bob", NULL);
	assert_true(quiet(b, 300));
	write_motd("Welcome to the test server.\nBe kind.\n");
	hup();
	tclient_free(a);
	tclient_free(b);
}

/* Step 2 (auth_required, forbidden before members), step 3, step 5 and
 * the target checks of step 6 in the section's order. */
static void
test_errors(void **state)
{
	struct tclient *op, *bob, *anon;
	char big[4200];

	(void)state;
	anon = tclient_connect(ts.port);
	sendf(anon, "{\"type\":\"kick\",\"user\":\"bob\"}");
	error_is(anon, "auth_required", "kick");
	op = login("op1", NULL);
	json_decref(next(op, "notice"));
	bob = login("bob", NULL);
	json_decref(next(bob, "notice"));

	/* A non-operator: forbidden, even with members missing or bad. */
	sendf(bob, "{\"type\":\"kick\",\"user\":\"carol\"}");
	error_is(bob, "forbidden", "kick");
	sendf(bob, "{\"type\":\"ban\"}");
	error_is(bob, "forbidden", "ban");
	sendf(bob, "{\"type\":\"mute\",\"user\":5}");
	error_is(bob, "forbidden", "mute");
	sendf(bob, "{\"type\":\"unmute\",\"user\":\"bob\"}");
	error_is(bob, "forbidden", "unmute");
	sendf(bob, "{\"type\":\"unban\",\"user\":\"bob\"}");
	error_is(bob, "forbidden", "unban");

	/* Step 3: members and their JSON types. */
	sendf(op, "{\"type\":\"kick\"}");
	error_is(op, "bad_request", "kick");
	sendf(op, "{\"type\":\"kick\",\"user\":7}");
	error_is(op, "bad_request", "kick");
	sendf(op, "{\"type\":\"mute\",\"user\":\"bob\",\"seconds\":\"5\"}");
	error_is(op, "bad_request", "mute");
	sendf(op, "{\"type\":\"ban\",\"user\":\"bob\",\"reason\":1}");
	error_is(op, "bad_request", "ban");
	sendf(op, "{\"type\":\"unmute\",\"user\":\"bob\",\"room\":[]}");
	error_is(op, "bad_request", "unmute");
	/* Step 5: content rules (too_long before bad_request). */
	sendf(op, "{\"type\":\"kick\",\"user\":\"no good\"}");
	error_is(op, "bad_request", "kick");
	sendf(op, "{\"type\":\"mute\",\"user\":\"bob\",\"seconds\":0}");
	error_is(op, "bad_request", "mute");
	sendf(op, "{\"type\":\"ban\",\"user\":\"bob\",\"seconds\":2147483648}");
	error_is(op, "bad_request", "ban");
	sendf(op, "{\"type\":\"ban\",\"user\":\"bob\",\"seconds\":1.5}");
	error_is(op, "bad_request", "ban");
	sendf(op, "{\"type\":\"kick\",\"user\":\"bob\",\"room\":\"Bad\"}");
	error_is(op, "bad_request", "kick");
	sendf(op,
	    "{\"type\":\"kick\",\"user\":\"bob\",\"reason\":\"a\\u0001\"}");
	error_is(op, "bad_request", "kick");
	memset(big, 'x', 4097);
	big[4097] = '\0';
	sendf(op, "{\"type\":\"kick\",\"user\":\"no good\",\"reason\":\"%s\"}",
	    big);
	error_is(op, "too_long", "kick");
	sendf(op, "{\"type\":\"kick\",\"user\":\"bob\",\"reason\":\"\"}");
	error_is(op, "bad_request", "kick");

	/* Step 6, in order: no_such_user, forbidden, no_such_room,
	 * not_member / not_online. */
	sendf(op, "{\"type\":\"kick\",\"user\":\"nobody\",\"room\":\"zz\"}");
	error_is(op, "no_such_user", "kick");
	sendf(op, "{\"type\":\"unmute\",\"user\":\"nobody\"}");
	error_is(op, "no_such_user", "unmute");
	sendf(op, "{\"type\":\"unban\",\"user\":\"nobody\"}");
	error_is(op, "no_such_user", "unban");
	sendf(op, "{\"type\":\"kick\",\"user\":\"op2\",\"room\":\"zz\"}");
	error_is(op, "forbidden", "kick");
	sendf(op, "{\"type\":\"mute\",\"user\":\"op2\"}");
	error_is(op, "forbidden", "mute");
	sendf(op, "{\"type\":\"ban\",\"user\":\"op2\",\"seconds\":5}");
	error_is(op, "forbidden", "ban");
	sendf(op, "{\"type\":\"kick\",\"user\":\"op1\"}");
	error_is(op, "forbidden", "kick"); /* oneself: an operator too */
	sendf(op, "{\"type\":\"kick\",\"user\":\"bob\",\"room\":\"zz\"}");
	error_is(op, "no_such_room", "kick");
	sendf(op, "{\"type\":\"mute\",\"user\":\"bob\",\"room\":\"zz\"}");
	error_is(op, "no_such_room", "mute");
	sendf(op, "{\"type\":\"unmute\",\"user\":\"bob\",\"room\":\"zz\"}");
	error_is(op, "no_such_room", "unmute");
	sendf(op, "{\"type\":\"kick\",\"user\":\"carol\"}");
	error_is(op, "not_online", "kick");
	sendf(op, "{\"type\":\"kick\",\"user\":\"carol\",\"room\":\"lobby\"}");
	error_is(op, "not_member", "kick");
	sendf(bob, "{\"type\":\"part\",\"room\":\"lobby\"}");
	json_decref(next(bob, "parted"));
	sendf(op, "{\"type\":\"kick\",\"user\":\"bob\",\"room\":\"lobby\"}");
	json_decref(next(op, "room_part")); /* bob's part */
	error_is(op, "not_member", "kick");

	/* Lifting what is not there is no error; an operator may be
	 * unmuted. No reply at all. */
	sendf(op, "{\"type\":\"unmute\",\"user\":\"carol\"}");
	sendf(op, "{\"type\":\"unban\",\"user\":\"carol\"}");
	sendf(op, "{\"type\":\"unmute\",\"user\":\"op2\",\"room\":\"lobby\"}");
	assert_true(quiet(op, 300));
	tclient_free(anon);
	tclient_free(op);
	tclient_free(bob);
}

/* kick with a room: the user's sessions get parted {room, by, reason},
 * the other members room_part {room, user, by, reason}; the operator
 * gets no reply of its own. */
static void
test_kick_room(void **state)
{
	struct tclient *op, *d1, *d2, *e;
	json_t *j;

	(void)state;
	op = login("op1", NULL);
	d1 = login("dave", NULL);
	d2 = login("dave", NULL);
	e = login("erin", NULL);
	json_decref(next(op, "notice"));
	json_decref(next(d1, "notice"));
	json_decref(next(d2, "notice"));
	json_decref(next(e, "notice"));
	sendf(op, "{\"type\":\"join\",\"room\":\"rust\"}");
	json_decref(next(op, "joined"));
	sendf(d1, "{\"type\":\"join\",\"room\":\"rust\"}");
	json_decref(next(d1, "joined"));
	json_decref(next(op, "room_join")); /* dave */
	sendf(d2, "{\"type\":\"join\",\"room\":\"rust\"}");
	json_decref(next(d2, "joined"));
	sendf(e, "{\"type\":\"join\",\"room\":\"rust\"}");
	json_decref(next(e, "joined"));
	json_decref(next(op, "room_join")); /* erin */
	json_decref(next(d1, "room_join"));
	json_decref(next(d2, "room_join"));

	sendf(op,
	    "{\"type\":\"kick\",\"user\":\"dave\",\"room\":\"rust\","
	    "\"reason\":\"off topic\"}");
	j = next(d1, "parted");
	assert_string_equal(jstr(j, "room"), "rust");
	assert_string_equal(jstr(j, "by"), "op1");
	assert_string_equal(jstr(j, "reason"), "off topic");
	json_decref(j);
	json_decref(next(d2, "parted"));
	j = next(e, "room_part");
	assert_string_equal(jstr(j, "user"), "dave");
	assert_string_equal(jstr(j, "by"), "op1");
	assert_string_equal(jstr(j, "reason"), "off topic");
	json_decref(j);
	j = next(op, "room_part");
	assert_string_equal(jstr(j, "by"), "op1");
	json_decref(j);
	assert_true(quiet(op, 200));
	/* Out of the room, still on the server. */
	sendf(d1, "{\"type\":\"say\",\"room\":\"rust\",\"text\":\"hi\"}");
	error_is(d1, "not_member", "say");
	sendf(d2, "{\"type\":\"say\",\"text\":\"still here\"}");
	json_decref(next(d2, "say"));
	assert_true(tserver_log_wait(&ts,
	    "moderation: op1 kicked dave from #rust, reason \"off topic\"",
	    HARNESS_TIMEOUT_MS));
	tclient_free(op);
	tclient_free(d1);
	tclient_free(d2);
	tclient_free(e);
}

/* kick without a room: every session of the user gets bye and is closed;
 * the others see it go offline. */
static void
test_kick_server(void **state)
{
	struct tclient *op, *f1, *f2;
	json_t *j;

	(void)state;
	op = login("op1", NULL);
	json_decref(next(op, "notice"));
	f1 = login("frank", NULL);
	f2 = login("frank", NULL);
	sendf(op,
	    "{\"type\":\"kick\",\"user\":\"frank\",\"reason\":\"flood\"}");
	j = next(f1, "notice");
	json_decref(j);
	j = next(f1, "bye");
	assert_string_equal(jstr(j, "reason"), "kicked by op1: flood");
	json_decref(j);
	assert_true(tclient_wait_closed(f1, HARNESS_TIMEOUT_MS));
	json_decref(next(f2, "notice"));
	j = next(f2, "bye");
	assert_string_equal(jstr(j, "reason"), "kicked by op1: flood");
	json_decref(j);
	assert_true(tclient_wait_closed(f2, HARNESS_TIMEOUT_MS));
	/* The operator: presence offline, no reply. */
	for (;;) {
		j = tclient_recv(op, HARNESS_TIMEOUT_MS, NULL);
		assert_non_null(j);
		if (strcmp(jstr(j, "type"), "presence") == 0 &&
		    strcmp(jstr(j, "user"), "frank") == 0 &&
		    json_is_false(json_object_get(j, "online"))) {
			json_decref(j);
			break;
		}
		assert_string_equal(jstr(j, "type"), "presence");
		json_decref(j);
	}
	/* Without a reason: "kicked by op1". */
	tclient_free(f1);
	f1 = login("frank", NULL);
	sendf(op, "{\"type\":\"kick\",\"user\":\"frank\"}");
	json_decref(next(f1, "notice"));
	j = next(f1, "bye");
	assert_string_equal(jstr(j, "reason"), "kicked by op1");
	json_decref(j);
	assert_true(tserver_log_wait(&ts,
	    "moderation: op1 kicked frank from the server, no reason given",
	    HARNESS_TIMEOUT_MS));
	tclient_free(op);
	tclient_free(f1);
	tclient_free(f2);
}

/* A mute in one room refuses say there only; msg and other rooms go on;
 * unmute with the room lifts it. */
static void
test_mute_one_room(void **state)
{
	struct tclient *op, *g, *h;
	json_t *j;

	(void)state;
	op = login("op1", NULL);
	json_decref(next(op, "notice"));
	g = login("gina", NULL);
	json_decref(next(g, "notice"));
	h = login("hank", NULL);
	json_decref(next(h, "notice"));
	sendf(g, "{\"type\":\"join\",\"room\":\"quiet\"}");
	json_decref(next(g, "joined"));

	sendf(op,
	    "{\"type\":\"mute\",\"user\":\"gina\",\"room\":\"quiet\","
	    "\"reason\":\"calm down\"}");
	sync_with(op); /* and no reply before the pong */
	sendf(g, "{\"type\":\"say\",\"room\":\"quiet\",\"text\":\"x\"}");
	j = next_error(g, "muted", "say");
	assert_null(json_object_get(j, "until")); /* not timed */
	json_decref(j);
	sendf(g, "{\"type\":\"say\",\"text\":\"in the lobby\"}");
	json_decref(next(g, "say"));
	sendf(g, "{\"type\":\"msg\",\"to\":\"hank\",\"text\":\"psst\"}");
	json_decref(next(g, "msg"));
	json_decref(next(h, "say"));
	json_decref(next(h, "msg"));
	/* The target check comes first: not_member before muted. */
	sendf(g, "{\"type\":\"say\",\"room\":\"nowhere\",\"text\":\"x\"}");
	error_is(g, "not_member", "say");

	/* unmute without the room leaves the room's mute. */
	sendf(op, "{\"type\":\"unmute\",\"user\":\"gina\"}");
	sync_with(op);
	sendf(g, "{\"type\":\"say\",\"room\":\"quiet\",\"text\":\"x\"}");
	error_is(g, "muted", "say");
	sendf(op, "{\"type\":\"unmute\",\"user\":\"gina\",\"room\":\"quiet\"}");
	sync_with(op);
	sendf(g, "{\"type\":\"say\",\"room\":\"quiet\",\"text\":\"free\"}");
	json_decref(next(g, "say"));
	assert_true(tserver_log_wait(&ts,
	    "moderation: op1 muted gina in #quiet (no end), reason \"calm "
	    "down\"",
	    HARNESS_TIMEOUT_MS));
	assert_true(tserver_log_has(&ts,
	    "moderation: op1 unmuted gina in "
	    "#quiet"));
	tclient_free(op);
	tclient_free(g);
	tclient_free(h);
}

/* A timed server-wide mute refuses say and msg with until, and ends by
 * itself on time; until is absent when an untimed mute also applies. */
static void
test_mute_timed(void **state)
{
	struct tclient *op, *i, *j2;
	json_t *j;
	int64_t now, until;

	(void)state;
	op = login("op1", NULL);
	json_decref(next(op, "notice"));
	i = login("ivan", NULL);
	json_decref(next(i, "notice"));
	j2 = login("judy", NULL);
	json_decref(next(j2, "notice"));
	sendf(i, "{\"type\":\"join\",\"room\":\"timed\"}");
	json_decref(next(i, "joined"));

	now = (int64_t)clock_now_ms();
	sendf(op, "{\"type\":\"mute\",\"user\":\"ivan\",\"seconds\":2}");
	sync_with(op);
	sendf(i, "{\"type\":\"say\",\"text\":\"hello\"}");
	j = next_error(i, "muted", "say");
	until = json_integer_value(json_object_get(j, "until"));
	assert_true(until >= now + 1500 && until <= now + 3000);
	json_decref(j);
	sendf(i, "{\"type\":\"msg\",\"to\":\"judy\",\"text\":\"hello\"}");
	j = next_error(i, "muted", "msg");
	assert_int_equal(json_integer_value(json_object_get(j, "until")),
	    until);
	json_decref(j);
	/* A room mute without end too: say there has no until, msg keeps
	 * the timed one's. */
	sendf(op, "{\"type\":\"mute\",\"user\":\"ivan\",\"room\":\"timed\"}");
	sync_with(op);
	sendf(i, "{\"type\":\"say\",\"room\":\"timed\",\"text\":\"x\"}");
	j = next_error(i, "muted", "say");
	assert_null(json_object_get(j, "until"));
	json_decref(j);

	/* It ends by itself. */
	testlib_sleep_ms((unsigned)(until - (int64_t)clock_now_ms() + 300));
	sendf(i, "{\"type\":\"say\",\"text\":\"back\"}");
	json_decref(next(i, "say"));
	sendf(i, "{\"type\":\"msg\",\"to\":\"judy\",\"text\":\"back\"}");
	json_decref(next(i, "msg"));
	sendf(i, "{\"type\":\"say\",\"room\":\"timed\",\"text\":\"x\"}");
	error_is(i, "muted", "say"); /* the room's has no end */
	assert_true(tserver_log_wait(&ts,
	    "moderation: mute of ivan set by op1 ended", HARNESS_TIMEOUT_MS));
	sendf(op, "{\"type\":\"unmute\",\"user\":\"ivan\",\"room\":\"timed\"}");
	tclient_free(op);
	tclient_free(i);
	tclient_free(j2);
}

/* ban closes the sessions with bye; a correct login then gets banned
 * (not counted as a failure), a wrong password auth_failed; unban lets
 * the user in again; a timed ban's until is in the error. */
static void
test_ban(void **state)
{
	struct tclient *op, *k, *k2;
	json_t *j;
	int n;

	(void)state;
	op = login("op1", NULL);
	json_decref(next(op, "notice"));
	k = login("kim", NULL);
	json_decref(next(k, "notice"));
	sendf(op,
	    "{\"type\":\"ban\",\"user\":\"kim\",\"reason\":\"spam "
	    "links\"}");
	j = next(k, "bye");
	assert_string_equal(jstr(j, "reason"), "banned by op1: spam links");
	json_decref(j);
	assert_true(tclient_wait_closed(k, HARNESS_TIMEOUT_MS));
	tclient_free(k);

	/* Four correct logins on one connection: banned each time, and the
	 * connection stays (max_login_failures is 3). */
	k = tclient_connect(ts.port);
	for (n = 0; n < 4; n++) {
		sendf(k,
		    "{\"type\":\"login\",\"user\":\"kim\",\"password\":"
		    "\"%s\"}",
		    HARNESS_PASSWORD);
		j = next_error(k, "banned", "login");
		assert_null(json_object_get(j, "until"));
		json_decref(j);
	}
	sendf(k, "{\"type\":\"login\",\"user\":\"kim\",\"password\":\"nope\"}");
	error_is(k, "auth_failed", "login");

	sendf(op, "{\"type\":\"ban\",\"user\":\"kim\",\"seconds\":3600}");
	sync_with(op);
	sendf(k, "{\"type\":\"login\",\"user\":\"kim\",\"password\":\"%s\"}",
	    HARNESS_PASSWORD);
	j = next_error(k, "banned", "login");
	assert_true(json_integer_value(json_object_get(j, "until")) >
	    (int64_t)clock_now_ms() + 3500 * 1000LL);
	json_decref(j);

	sendf(op, "{\"type\":\"unban\",\"user\":\"kim\"}");
	sync_with(op);
	json_decref(tclient_login(k, "kim"));
	k2 = login("kim", NULL);
	assert_true(tserver_log_has(&ts,
	    "moderation: op1 banned kim (no "
	    "end), reason \"spam links\""));
	assert_true(tserver_log_has(&ts, "moderation: op1 unbanned kim"));
	assert_true(tserver_log_has(&ts, "login refused"));
	tclient_free(op);
	tclient_free(k);
	tclient_free(k2);
}

/* securechatctl's changes reach the running server at SIGHUP: a ban
 * closes the user's sessions, an unban lets it in, a new operator gets
 * op at its next login, a mute applies. */
static void
test_ctl_sighup(void **state)
{
	struct tclient *c;
	json_t *j;

	(void)state;
	c = login("carol", NULL);
	json_decref(next(c, "notice"));
	assert_int_equal(ctl("ban carol --for 1h --reason 'ctl says so'"), 0);
	assert_true(quiet(c, 200)); /* nothing before the reload */
	hup();
	j = next(c, "bye");
	assert_true(strncmp(jstr(j, "reason"), "banned by admin:", 16) == 0);
	assert_non_null(strstr(jstr(j, "reason"), ": ctl says so"));
	json_decref(j);
	tclient_free(c);
	assert_int_equal(ctl("bans"), 0);
	assert_non_null(strstr(ctl_output(), "carol until "));
	assert_non_null(strstr(ctl_output(), "reason \"ctl says so\""));
	/* Refused names and operators; bad durations. */
	assert_int_equal(ctl("ban nobody"), 1);
	assert_int_equal(ctl("ban op2"), 1);
	assert_non_null(strstr(ctl_output(), "is an operator"));
	assert_int_equal(ctl("ban carol --for 0"), 2);
	assert_int_equal(ctl("ban carol --for 1y"), 2);
	assert_int_equal(ctl("mute carol --room 'Bad Room'"), 2);
	assert_int_equal(ctl("op add"), 2);

	assert_int_equal(ctl("unban carol"), 0);
	assert_int_equal(ctl("mute carol --room ctlroom --reason hush"), 0);
	assert_int_equal(ctl("op add carol"), 0);
	assert_int_equal(ctl("mutes"), 0);
	assert_non_null(strstr(ctl_output(), "carol #ctlroom until lifted"));
	hup();
	c = login("carol", &j);
	assert_true(json_is_true(json_object_get(j, "op")));
	json_decref(j);
	json_decref(next(c, "notice"));
	sendf(c, "{\"type\":\"join\",\"room\":\"ctlroom\"}");
	json_decref(next(c, "joined"));
	sendf(c, "{\"type\":\"say\",\"room\":\"ctlroom\",\"text\":\"x\"}");
	error_is(c, "muted", "say");
	assert_int_equal(ctl("unmute carol --room ctlroom"), 0);
	assert_int_equal(ctl("op del carol"), 0);
	assert_int_equal(ctl("op del carol"), 0);
	assert_non_null(strstr(ctl_output(), "nothing to remove"));
	hup();
	sendf(c, "{\"type\":\"say\",\"room\":\"ctlroom\",\"text\":\"x\"}");
	json_decref(next(c, "say"));
	sendf(c, "{\"type\":\"unban\",\"user\":\"bob\"}");
	error_is(c, "forbidden", "unban");
	assert_true(tserver_log_has(&ts, "disconnected at reload"));
	/* The tool's changes are in the audit trail too, seen at reload. */
	assert_true(tserver_log_has(&ts, " banned carol for 3600 s (until "));
	assert_true(tserver_log_has(&ts, "reason \"ctl says so\" (at reload)"));
	assert_true(tserver_log_has(&ts,
	    " made carol an operator (at "
	    "reload)"));
	assert_true(tserver_log_has(&ts,
	    "moderation: ban of carol lifted by "
	    "the administrator (at reload)"));
	assert_true(tserver_log_has(&ts,
	    "moderation: operator of carol "
	    "lifted by the administrator"));
	tclient_free(c);
}

/* Device binding: once bound, only a bound device key logs in; any
 * other fails exactly like a wrong password. */
static void
test_device(void **state)
{
	struct tclient *c;
	char fp[KEYS_FINGERPRINT_LEN + 1];

	(void)state;
	assert_int_equal(ctl("device add erin %064d", 7), 0);
	hup();
	c = tclient_connect(ts.port);
	sendf(c, "{\"type\":\"login\",\"user\":\"erin\",\"password\":\"%s\"}",
	    HARNESS_PASSWORD);
	error_is(c, "auth_failed", "login");
	keys_fingerprint(c->key.public, fp);
	assert_int_equal(ctl("device add erin %s", fp), 0);
	assert_int_equal(ctl("device list erin"), 0);
	assert_non_null(strstr(ctl_output(), fp));
	assert_int_equal(ctl("device add erin %s", "ABC"), 2);
	hup();
	json_decref(tclient_login(c, "erin"));
	tclient_free(c);
	/* Another key: refused, also with the right password. */
	c = tclient_connect(ts.port);
	sendf(c, "{\"type\":\"login\",\"user\":\"erin\",\"password\":\"%s\"}",
	    HARNESS_PASSWORD);
	error_is(c, "auth_failed", "login");
	tclient_free(c);
	/* Unbinding every key lets any device in again. */
	assert_int_equal(ctl("device del erin %s", fp), 0);
	assert_int_equal(ctl("device del erin %064d", 7), 0);
	hup();
	c = login("erin", NULL);
	tclient_free(c);
}

/* userdel and passwd reach the sessions at SIGHUP. */
static void
test_account_changes(void **state)
{
	struct tclient *h, *b;
	json_t *j;
	char cmd[512];

	(void)state;
	h = login("hank", NULL);
	b = login("bob", NULL);
	json_decref(next(h, "notice"));
	json_decref(next(b, "notice"));
	snprintf(cmd, sizeof cmd,
	    "echo 'a new password' | %s --users %s passwd --password-stdin "
	    "hank >/dev/null",
	    SC_SECURECHATCTL_PATH, ts.users);
	assert_int_equal(system(cmd), 0);
	hup();
	j = next(h, "bye");
	assert_string_equal(jstr(j, "reason"), "your password was changed");
	json_decref(j);
	assert_true(quiet(b, 200));
	snprintf(cmd, sizeof cmd, "%s --users %s userdel bob",
	    SC_SECURECHATCTL_PATH, ts.users);
	assert_int_equal(system(cmd), 0);
	hup();
	j = next(b, "bye");
	assert_string_equal(jstr(j, "reason"), "your account was removed");
	json_decref(j);
	assert_true(tclient_wait_closed(b, HARNESS_TIMEOUT_MS));
	tclient_free(h);
	tclient_free(b);
}

/* Mutes and bans persist across a restart; a timed ban that ends while
 * the server is down is over when it comes back. */
static void
test_restart(void **state)
{
	struct tclient *op, *c;
	json_t *j;

	(void)state;
	op = login("op2", NULL);
	json_decref(next(op, "notice"));
	sendf(op,
	    "{\"type\":\"ban\",\"user\":\"judy\",\"seconds\":2,"
	    "\"reason\":\"short\"}");
	sendf(op, "{\"type\":\"ban\",\"user\":\"gina\",\"seconds\":3600}");
	sendf(op, "{\"type\":\"mute\",\"user\":\"ivan\"}");
	sync_with(op);
	tclient_free(op);
	assert_int_equal(tserver_halt(&ts), 0);
	testlib_sleep_ms(2500);
	tserver_launch(&ts);

	c = login("judy", NULL); /* its ban ended while the server was down */
	tclient_free(c);
	c = tclient_connect(ts.port);
	sendf(c, "{\"type\":\"login\",\"user\":\"gina\",\"password\":\"%s\"}",
	    HARNESS_PASSWORD);
	j = next_error(c, "banned", "login");
	assert_non_null(json_object_get(j, "until"));
	json_decref(j);
	tclient_free(c);
	c = login("ivan", NULL);
	json_decref(next(c, "notice"));
	sendf(c, "{\"type\":\"say\",\"text\":\"x\"}");
	error_is(c, "muted", "say");
	tclient_free(c);
	assert_true(tserver_log_has(&ts,
	    "moderation: ban of judy set by op2 "
	    "ended while the server was down"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_op_motd),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_kick_room),
		cmocka_unit_test(test_kick_server),
		cmocka_unit_test(test_mute_one_room),
		cmocka_unit_test(test_mute_timed),
		cmocka_unit_test(test_ban),
		cmocka_unit_test(test_ctl_sighup),
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_account_changes),
		cmocka_unit_test(test_restart),
	};

	return cmocka_run_group_tests_name("moderation", tests, setup,
	    teardown);
}
