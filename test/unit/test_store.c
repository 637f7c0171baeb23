/*
 * test_store.c: the history store (server/store.h) through both backends
 * with one table of cases: order, before, limit, more, max_bytes, private
 * conversations, history_days 0; then what only a file can show (rooms,
 * the last id and the retention across a reopen, a corrupt file, an
 * unwritable folder), cancelled callbacks, and the JSON round trip that
 * lets history return messages exactly as delivered.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "clock.h"
#include "log.h"
#include "msg.h"
#include "store.h"
#include "testlib.h"

#define DAY_MS	     (86400LL * 1000)
#define WAIT_MS	     5000
#define MAX_ANSWERED 256

/* A backend under test: its name and how to make a path for it. */
struct backend {
	const char *name;
	bool file; /* SQLite in a temporary folder; else memory */
};

static const struct backend backends[] = {
	{ "memory", false },
	{ "sqlite", true },
};

/* What a history callback saw. */
struct answer {
	bool called, ok, more;
	size_t n;
	char *json[MAX_ANSWERED];
};

static struct event_base *base;
static char dir[64];

/* Copies the result out of the store's buffers. */
static void
answer_cb(struct store_result *res, void *arg)
{
	struct answer *a = arg;
	size_t i;

	a->called = true;
	a->ok = res->ok;
	a->more = res->more;
	a->n = res->n;
	assert_true(res->n <= MAX_ANSWERED);
	for (i = 0; i < res->n; i++) {
		a->json[i] = strndup(res->json[i], res->len[i]);
		assert_int_equal(strlen(a->json[i]), res->len[i]);
	}
}

static void
answer_free(struct answer *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->json[i]);
	memset(a, 0, sizeof *a);
}

/* Runs the loop until a is answered (bounded). */
static void
wait_answer(struct answer *a)
{
	uint64_t deadline = clock_mono_ms() + WAIT_MS;

	while (!a->called && clock_mono_ms() < deadline) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		testlib_sleep_ms(1);
	}
	assert_true(a->called);
}

/* Asks and waits. */
static void
ask(struct store *st, const struct store_query *q, struct answer *a)
{
	memset(a, 0, sizeof *a);
	assert_int_equal(store_history(st, q, answer_cb, a), 0);
	wait_answer(a);
}

/* The path of backend b in the test folder ("" for memory). */
static const char *
path_of(const struct backend *b, const char *file)
{
	static char path[160];

	if (!b->file)
		return "";
	snprintf(path, sizeof path, "%s/%s", dir, file);
	return path;
}

/* Opens b's store, expecting success. */
static struct store *
open_ok(const struct backend *b, const char *file, unsigned days,
    uint64_t *last_id)
{
	struct store *st;
	uint64_t id;
	char err[256];

	if (store_open(base, path_of(b, file), days, NULL, NULL,
		last_id != NULL ? last_id : &id, &st, err, sizeof err) != 0)
		fail_msg("%s: %s", b->name, err);
	assert_true(store_available(st));
	return st;
}

/* Appends a say to room (JSON as the server would deliver it). */
static void
add_say(struct store *st, uint64_t id, int64_t ts, const char *room,
    const char *text)
{
	char json[256];
	struct store_msg m = { .id = id, .ts = ts, .room = room };

	snprintf(json, sizeof json,
	    "{\"type\":\"say\",\"id\":%llu,\"ts\":%lld,\"from\":\"u\","
	    "\"text\":\"%s\"}",
	    (unsigned long long)id, (long long)ts, text);
	m.json = json;
	m.json_len = strlen(json);
	store_append(st, &m);
}

/* Appends a msg from -> to. */
static void
add_msg(struct store *st, uint64_t id, const char *from, const char *to)
{
	char json[256];
	struct store_msg m = { .id = id,
		.ts = (int64_t)clock_now_ms(),
		.from = from,
		.to = to };

	snprintf(json, sizeof json,
	    "{\"type\":\"msg\",\"id\":%llu,\"ts\":1,\"from\":\"%s\","
	    "\"to\":\"%s\",\"text\":\"x\"}",
	    (unsigned long long)id, from, to);
	m.json = json;
	m.json_len = strlen(json);
	store_append(st, &m);
}

/* The id of a stored JSON message. */
static uint64_t
id_of(const char *json)
{
	json_t *j = json_loads(json, 0, NULL);
	uint64_t id;

	assert_non_null(j);
	id = (uint64_t)json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	return id;
}

#define check_ids(...) check_ids_at(__LINE__, __VA_ARGS__)

/* Checks an answer's ids, oldest first, and its more. */
static void
check_ids_at(int line, struct answer *a, bool more, size_t n, ...)
{
	va_list ap;
	size_t i;

	assert_true(a->ok);
	assert_int_equal(a->n, n);
	if (a->more != more)
		fail_msg("line %d: more is %d", line, a->more);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		assert_int_equal(id_of(a->json[i]), va_arg(ap, int));
	va_end(ap);
	answer_free(a);
}

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(testlib_mkdtemp(dir, sizeof dir, "scstore"), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)testlib_rmtree(dir);
	return 0;
}

/* ---- the cases every backend passes ----------------------------------- */

/* Room history: order, before, limit, more, max_bytes. */
static void
test_room_queries(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		const struct backend *b = &backends[i];
		struct store_query q = { .room = "lobby",
			.limit = 50,
			.max_bytes = 65000 };
		int64_t now = (int64_t)clock_now_ms();
		struct answer a;
		struct store *st = open_ok(b, "rooms.db", 30, NULL);
		size_t one;

		add_say(st, 1, now, "lobby", "a");
		add_say(st, 2, now, "dev", "b");
		add_say(st, 3, now, "lobby", "c");
		add_say(st, 5, now, "lobby", "d");
		add_say(st, 8, now, "lobby", "e");
		/* Read after write: no wait needed. */
		ask(st, &q, &a);
		check_ids(&a, false, 4, 1, 3, 5, 8);
		q.limit = 2;
		ask(st, &q, &a);
		check_ids(&a, true, 2, 5, 8);
		q.before = 5;
		ask(st, &q, &a);
		check_ids(&a, false, 2, 1, 3);
		q.before = 4; /* an id that is not there */
		q.limit = 1;
		ask(st, &q, &a);
		check_ids(&a, true, 1, 3);
		q.before = 1;
		ask(st, &q, &a);
		check_ids(&a, false, 0);
		q.before = 2;
		ask(st, &q, &a);
		check_ids(&a, false, 1, 1);
		q.room = "dev";
		q.before = 0;
		q.limit = 200;
		ask(st, &q, &a);
		check_ids(&a, false, 1, 2);
		q.room = "empty";
		ask(st, &q, &a);
		check_ids(&a, false, 0);

		/* max_bytes: exactly two messages and their comma fit. */
		q.room = "lobby";
		ask(st, &q, &a);
		one = strlen(a.json[3]);
		assert_int_equal(strlen(a.json[2]), one);
		answer_free(&a);
		q.max_bytes = 2 * one + 1;
		ask(st, &q, &a);
		check_ids(&a, true, 2, 5, 8);
		q.max_bytes = 2 * one;
		ask(st, &q, &a);
		check_ids(&a, true, 1, 8);
		q.max_bytes = one - 1;
		ask(st, &q, &a);
		check_ids(&a, true, 0);
		store_close(st);
	}
}

/* A private conversation: both ways, oneself once, nobody else's. */
static void
test_private(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		const struct backend *b = &backends[i];
		struct store_query q = { .user = "alice",
			.with = "bob",
			.limit = 50,
			.max_bytes = 65000 };
		struct answer a;
		struct store *st = open_ok(b, "private.db", 30, NULL);

		add_msg(st, 1, "alice", "bob");
		add_msg(st, 2, "bob", "alice");
		add_msg(st, 3, "alice", "alice");
		add_msg(st, 4, "carol", "bob");
		add_msg(st, 5, "bob", "carol");
		add_say(st, 6, (int64_t)clock_now_ms(), "lobby", "x");
		add_msg(st, 7, "alice", "bob");
		ask(st, &q, &a);
		check_ids(&a, false, 3, 1, 2, 7);
		q.user = "bob";
		q.with = "alice";
		ask(st, &q, &a);
		check_ids(&a, false, 3, 1, 2, 7);
		q.user = q.with = "alice";
		ask(st, &q, &a);
		check_ids(&a, false, 1, 3);
		q.user = "carol";
		q.with = "bob";
		q.limit = 1;
		ask(st, &q, &a);
		check_ids(&a, true, 1, 5);
		q.with = "alice";
		ask(st, &q, &a);
		check_ids(&a, false, 0);
		store_close(st);
	}
}

/* history_days 0 stores no message. */
static void
test_days_zero(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		struct store_query q = { .room = "lobby",
			.limit = 50,
			.max_bytes = 65000 };
		struct answer a;
		struct store *st = open_ok(&backends[i], "zero.db", 0, NULL);

		add_say(st, 1, (int64_t)clock_now_ms(), "lobby", "a");
		add_msg(st, 2, "a", "b");
		ask(st, &q, &a);
		check_ids(&a, false, 0);
		store_close(st);
	}
}

/* A forgotten caller's callback never runs; bad questions are refused. */
static void
test_forget(void **state)
{
	size_t i;
	int k;

	(void)state;
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		struct store_query q = { .room = "lobby",
			.limit = 5,
			.max_bytes = 65000 };
		struct answer gone = { 0 }, kept;
		struct store *st = open_ok(&backends[i], "forget.db", 30, NULL);

		for (k = 1; k <= 100; k++)
			add_say(st, (uint64_t)k, (int64_t)clock_now_ms(),
			    "lobby", "x");
		assert_int_equal(store_history(st, &q, answer_cb, &gone), 0);
		store_forget(st, &gone);
		ask(st, &q, &kept);
		check_ids(&kept, true, 5, 96, 97, 98, 99, 100);
		assert_false(gone.called);

		q.limit = 0;
		assert_int_equal(store_history(st, &q, answer_cb, &gone),
		    SC_ERR_INVALID);
		q.limit = 1;
		q.room = NULL;
		q.user = "a";
		assert_int_equal(store_history(st, &q, answer_cb, &gone),
		    SC_ERR_INVALID);
		store_close(st);
		assert_false(gone.called);
	}
}

/* Reads still queued at close get ok = false, so what they hold is
 * released. */
static void
test_close_answers(void **state)
{
	struct store_query q = { .room = "lobby",
		.limit = 200,
		.max_bytes = 65000 };
	struct answer a[64];
	struct store *st;
	int k, called = 0;

	(void)state;
	st = open_ok(&backends[1], "close.db", 30, NULL);
	for (k = 1; k <= 1000; k++)
		add_say(st, (uint64_t)k, (int64_t)clock_now_ms(), "lobby", "y");
	memset(a, 0, sizeof a);
	for (k = 0; k < 64; k++)
		assert_int_equal(store_history(st, &q, answer_cb, &a[k]), 0);
	store_close(st);
	for (k = 0; k < 64; k++) {
		called += a[k].called;
		if (a[k].called && a[k].ok)
			assert_int_equal(a[k].n, 200);
		answer_free(&a[k]);
	}
	assert_int_equal(called, 64);
}

/* ---- what only a file shows -------------------------------------------- */

/* Rooms and topics come back at open. */
struct rooms_seen {
	char text[512];
};

static void
room_cb(const char *room, const char *topic, void *arg)
{
	struct rooms_seen *r = arg;
	size_t n = strlen(r->text);

	snprintf(r->text + n, sizeof r->text - n, "%s=%s;", room, topic);
}

/* Rooms, topics and the last id survive a reopen; old messages do not. */
static void
test_reopen(void **state)
{
	struct store_query q = { .room = "lobby",
		.limit = 50,
		.max_bytes = 65000 };
	struct rooms_seen seen = { "" };
	int64_t now = (int64_t)clock_now_ms();
	struct answer a;
	struct store *st;
	uint64_t last;
	char err[256];

	(void)state;
	st = open_ok(&backends[1], "reopen.db", 3650, &last);
	assert_int_equal(last, 0);
	add_say(st, 10, now - 31 * DAY_MS, "lobby", "too old");
	add_say(st, 11, now - 29 * DAY_MS, "lobby", "kept");
	add_say(st, 12, now, "lobby", "new");
	store_room_save(st, "lobby", NULL);
	store_room_save(st, "dev", "first");
	store_room_save(st, "dev", "second \xc3\xa9");
	store_room_save(st, "quiet", NULL);
	store_room_save(st, "quiet", NULL);
	ask(st, &q, &a);
	check_ids(&a, false, 3, 10, 11, 12);
	store_close(st);

	assert_int_equal(store_open(base, path_of(&backends[1], "reopen.db"),
			     30, room_cb, &seen, &last, &st, err, sizeof err),
	    0);
	assert_string_equal(seen.text, "dev=second \xc3\xa9;lobby=;quiet=;");
	assert_int_equal(last, 12);
	ask(st, &q, &a); /* the prune at open ran first */
	check_ids(&a, false, 2, 11, 12);
	/* Ids handed out but not stored (history_days 0) still count. */
	store_close(st);
	st = open_ok(&backends[1], "reopen.db", 0, &last);
	assert_int_equal(last, 12);
	add_say(st, 40, now, "lobby", "id only");
	ask(st, &q, &a);
	check_ids(&a, false, 0); /* days 0 pruned them all */
	store_close(st);
	st = open_ok(&backends[1], "reopen.db", 30, &last);
	assert_int_equal(last, 40);
	store_close(st);
}

/* A file that is not a database, a folder that cannot be made: open
 * fails with a reason, nothing crashes. */
static void
test_bad_files(void **state)
{
	static const char junk[] = "definitely not an SQLite database file, "
				   "but long enough to look at";
	struct store *st = (struct store *)&st;
	char path[160], err[256];
	uint64_t last = 5;

	(void)state;
	snprintf(path, sizeof path, "%s/corrupt.db", dir);
	assert_int_equal(testlib_write_file(path, junk, sizeof junk, 0600), 0);
	assert_int_equal(store_open(base, path, 30, NULL, NULL, &last, &st, err,
			     sizeof err),
	    SC_ERR_FORMAT);
	assert_null(st);
	assert_int_equal(last, 0);
	assert_non_null(strstr(err, "not a database"));
	assert_non_null(strstr(err, path));

	/* Under a file: even root cannot create it. */
	assert_int_equal(store_open(base, "/dev/null/sc/history.db", 30, NULL,
			     NULL, &last, &st, err, sizeof err),
	    SC_ERR_IO);
	assert_null(st);
	assert_non_null(strstr(err, "/dev/null/sc"));

	/* No store: every call is harmless. */
	assert_false(store_available(NULL));
	store_append(NULL, &(struct store_msg){ .id = 1 });
	store_room_save(NULL, "lobby", "t");
	store_forget(NULL, NULL);
	store_close(NULL);
}

/* The database file is the owner's only. */
static void
test_file_mode(void **state)
{
	struct store *st;
	struct stat sb;
	char path[160];

	(void)state;
	st = open_ok(&backends[1], "sub/dir/mode.db", 30, NULL);
	store_close(st);
	snprintf(path, sizeof path, "%s/sub/dir/mode.db", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

/* ---- the JSON round trip ------------------------------------------------ */

/* jansson re-dumps a compact object it dumped itself byte for byte, also
 * inside a history answer's array: stored messages come back exactly as
 * delivered. */
static void
test_round_trip(void **state)
{
	static const char *const texts[] = {
		"plain",
		"\xc3\xa9\xe2\x9c\x93 \xf0\x9f\x98\x80 "
		"\xe4\xb8\xad\xe6\x96\x87",
		"quote \" backslash \\ slash / tab \t newline \n",
		"</script> \xef\xbf\xbf \xe2\x80\xa8 \xe2\x80\xa9",
		"\"\\\"\\\\",
	};
	static const int64_t ids[] = { 1, 4096, 9007199254740991LL, INT64_MAX };
	char buf[SC_MSG_MAX_LEN], out[SC_MSG_MAX_LEN];
	struct msg m, h;
	size_t i, k, len, olen;
	json_t *o, *arr;
	int action;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		for (k = 0; k < sizeof ids / sizeof ids[0]; k++) {
			for (action = 0; action < 2; action++) {
				memset(&m, 0, sizeof m);
				m.type = k % 2 == 0 ? MSG_SAY : MSG_MSG;
				m.id = MSG_INT(ids[k]);
				m.ts = MSG_INT(
				    k == 3 ? INT64_MIN : 1700000000123LL);
				m.from = MSG_STR("alice");
				if (m.type == MSG_MSG)
					m.to = MSG_STR("bob");
				m.text = MSG_STR(texts[i]);
				if (action)
					m.action = MSG_BOOL(true);
				assert_int_equal(msg_encode(&m, MSG_S2C, buf,
						     sizeof buf, &len),
				    0);
				o = json_loadb(buf, len, 0, NULL);
				assert_non_null(o);
				olen = json_dumpb(o, out, sizeof out,
				    JSON_COMPACT);
				assert_int_equal(olen, len);
				assert_memory_equal(out, buf, len);

				/* Inside a history answer. */
				arr = json_array();
				json_array_append_new(arr, o);
				memset(&h, 0, sizeof h);
				h.type = MSG_HISTORY;
				h.room = MSG_STR("lobby");
				h.messages.v = arr;
				h.more = MSG_BOOL(false);
				assert_int_equal(msg_encode(&h, MSG_S2C, out,
						     sizeof out, &olen),
				    0);
				json_decref(arr);
				assert_true(olen > len);
				assert_non_null(memmem(out, olen, buf, len));
			}
		}
	}
}

/* What a moderation reload (or listing) saw: "kind:user:key:until:
 * by:reason;" per record, in order. */
struct mod_seen {
	bool called, ok;
	char text[2048];
};

/* Appends one record to a mod_seen (a store_mod_cb). */
static void
mod_one(const struct store_mod *m, void *arg)
{
	struct mod_seen *seen = arg;
	size_t n = strlen(seen->text);

	snprintf(seen->text + n, sizeof seen->text - n, "%d:%s:%s:%lld:%s:%s;",
	    (int)m->kind, m->user, m->key, (long long)m->until, m->by,
	    m->reason != NULL ? m->reason : "-");
}

/* A reload's answer (a store_mod_list_cb). */
static void
mod_all(bool ok, const struct store_mod *recs, size_t n, void *arg)
{
	struct mod_seen *seen = arg;
	size_t i;

	seen->called = true;
	seen->ok = ok;
	for (i = 0; i < n; i++)
		mod_one(&recs[i], seen);
}

/* Reloads st's records and waits for the answer. */
static void
mod_reload(struct store *st, struct mod_seen *seen)
{
	uint64_t deadline = clock_mono_ms() + WAIT_MS;

	memset(seen, 0, sizeof *seen);
	assert_int_equal(store_mod_reload(st, mod_all, seen), 0);
	while (!seen->called && clock_mono_ms() < deadline) {
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		testlib_sleep_ms(1);
	}
	assert_true(seen->called);
	assert_true(seen->ok);
}

/* A record to save. */
static struct store_mod
mod_rec(enum store_mod_kind kind, const char *user, const char *key,
    int64_t until, const char *reason)
{
	struct store_mod m = { .kind = kind, .until = until, .since = 1 };

	snprintf(m.user, sizeof m.user, "%s", user);
	snprintf(m.key, sizeof m.key, "%s", key);
	snprintf(m.by, sizeof m.by, "op");
	m.reason = (char *)reason;
	return m;
}

/* Moderation records through both backends: saved, replaced, deleted,
 * read back in (kind, user, key) order after the writes queued before;
 * in SQLite they survive a reopen and the tool's file API sees them. */
static void
test_moderation(void **state)
{
	struct mod_seen seen;
	struct store_mod m;
	struct store *st;
	char err[256];
	bool existed;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof backends / sizeof backends[0]; i++) {
		const struct backend *b = &backends[i];

		st = open_ok(b, "mod.db", 30, NULL);
		mod_reload(st, &seen);
		assert_string_equal(seen.text, "");
		m = mod_rec(STORE_MOD_MUTE, "bob", "rust", 5000,
		    "spam \xc3\xa9");
		store_mod_save(st, &m);
		m = mod_rec(STORE_MOD_OP, "zed", "", 0, NULL);
		store_mod_save(st, &m);
		m = mod_rec(STORE_MOD_MUTE, "bob", "", 0, NULL);
		store_mod_save(st, &m);
		m = mod_rec(STORE_MOD_BAN, "amy", "", 7, "first");
		store_mod_save(st, &m);
		m = mod_rec(STORE_MOD_BAN, "amy", "", 9, "second");
		store_mod_save(st, &m); /* replaces */
		store_mod_delete(st, STORE_MOD_OP, "nobody", "");
		mod_reload(st, &seen);
		assert_string_equal(seen.text,
		    "1:zed::0:op:-;2:amy::9:op:second;3:bob::0:op:-;"
		    "3:bob:rust:5000:op:spam \xc3\xa9;");
		store_mod_delete(st, STORE_MOD_MUTE, "bob", "rust");
		store_mod_delete(st, STORE_MOD_OP, "zed", "");
		mod_reload(st, &seen);
		assert_string_equal(seen.text,
		    "2:amy::9:op:second;3:bob::0:op:-;");
		store_close(st);
		if (!b->file)
			continue;
		/* Reopened: the start reads them at once. */
		st = open_ok(b, "mod.db", 30, NULL);
		memset(&seen, 0, sizeof seen);
		assert_int_equal(store_mod_read_now(st, mod_one, &seen, err,
				     sizeof err),
		    0);
		assert_string_equal(seen.text,
		    "2:amy::9:op:second;3:bob::0:op:-;");
		store_close(st);
		/* The tool's view of the same file. */
		m = mod_rec(STORE_MOD_DEVICE, "amy", "ab", 0, NULL);
		assert_int_equal(store_mod_file_set(path_of(b, "mod.db"), &m,
				     err, sizeof err),
		    0);
		assert_int_equal(store_mod_file_del(path_of(b, "mod.db"),
				     STORE_MOD_BAN, "amy", "", &existed, err,
				     sizeof err),
		    0);
		assert_true(existed);
		assert_int_equal(store_mod_file_del(path_of(b, "mod.db"),
				     STORE_MOD_BAN, "amy", "", &existed, err,
				     sizeof err),
		    0);
		assert_false(existed);
		memset(&seen, 0, sizeof seen);
		assert_int_equal(store_mod_file_list(path_of(b, "mod.db"),
				     mod_one, &seen, err, sizeof err),
		    0);
		assert_string_equal(seen.text,
		    "3:bob::0:op:-;4:amy:ab:0:op:-;");
		/* No file named, a file that is not a database. */
		assert_int_equal(store_mod_file_list("", mod_one, &seen, err,
				     sizeof err),
		    SC_ERR_INVALID);
		assert_true(store_mod_file_list("/dev/null/x.db", mod_one,
				&seen, err, sizeof err) < 0);
	}
	/* A NULL store: nothing to read. */
	assert_int_equal(store_mod_reload(NULL, mod_all, &seen),
	    SC_ERR_INVALID);
	assert_true(
	    store_mod_read_now(NULL, mod_one, &seen, err, sizeof err) < 0);
	store_mod_save(NULL, &m);
	store_mod_delete(NULL, STORE_MOD_OP, "x", "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_queries),
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_days_zero),
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_close_answers),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_file_mode),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_moderation),
	};
	int rc;

	log_init("test_store", LOG_LEVEL_WARNING);
	log_set_stderr(false);
	assert_int_equal(evthread_use_pthreads(), 0);
	base = event_base_new();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	event_base_free(base);
	return rc;
}
