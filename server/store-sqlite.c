/*
 * store-sqlite.c: the default history backend, one SQLite file in WAL
 * mode (Debian's libsqlite3). Two connections: the writer thread's
 * (batches, one transaction each; the retention prune) and the reader
 * thread's (history queries, read-only), so WAL lets a read run while a
 * batch is written. synchronous=NORMAL: a crash of the daemon loses
 * nothing committed; a power cut may lose the last batches.
 *
 * Schema (user_version 2; version 1 lacked moderation):
 *   messages(id INTEGER PRIMARY KEY, ts, chan, json): chan is "#room" or
 *     "@a b" (store-backend.h); json the delivered object, byte for byte
 *   rooms(name PRIMARY KEY, topic)
 *   meta(key PRIMARY KEY, value): "last_id", the newest id handed out
 *   moderation(kind, user, key, until, since, by, reason), primary key
 *     (kind, user, key): operators, bans, mutes and device bindings
 *     (store.h struct store_mod); until and since in ms since the epoch
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "log.h"
#include "store-backend.h"
#include "text.h"
#include "utf8.h"
#include "xmalloc.h"

#define SQLITE_SCHEMA_VERSION 2
#define SQLITE_BUSY_MS	      5000 /* a locked file: wait, then fail */
#define SQLITE_FILE_MODE      0600 /* private messages: owner only */
#define SQLITE_DIR_MODE	      0750
#define SQLITE_PACE_OPS	      1000 /* VM instructions between store_pace */
/* Page cache per connection, KiB: the OS caches the file anyway. */
#define SQLITE_CACHE_KIB 1024

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS messages ("
    " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
    " chan TEXT NOT NULL, json TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS messages_chan ON messages(chan, id);"
    "CREATE INDEX IF NOT EXISTS messages_ts ON messages(ts);"
    "CREATE TABLE IF NOT EXISTS rooms ("
    " name TEXT PRIMARY KEY, topic TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS meta ("
    " key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS moderation ("
    " kind INTEGER NOT NULL, user TEXT NOT NULL, key TEXT NOT NULL,"
    " until INTEGER NOT NULL, since INTEGER NOT NULL,"
    " by TEXT NOT NULL, reason TEXT,"
    " PRIMARY KEY (kind, user, key));"
    "PRAGMA user_version = 2;";

struct sqlite_db {
	char *path;
	sqlite3 *w, *r; /* the writer's and the reader's connections */
	sqlite3_stmt *begin, *commit, *rollback;
	sqlite3_stmt *ins_msg, *set_topic, *add_room, *set_last, *prune;
	sqlite3_stmt *mod_set, *mod_del;
	sqlite3_stmt *query, *mod_list;
};

/* Writes "what: SQLite's message" into err. */
static void
db_error(sqlite3 *db, const char *path, const char *what, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "%s %s: %s", what, path,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
}

/* Prepares one statement or says why not. */
static int
prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st,
	    NULL);
}

/* SQLite's progress handler: every SQLITE_PACE_OPS virtual machine
 * instructions of a statement, a chance to let the loop run. */
static int
pace_cb(void *arg)
{
	(void)arg;
	store_pace();
	return 0; /* go on */
}

/* Opens one connection with the busy timeout and the pacing. */
static int
connect_db(const char *path, int flags, sqlite3 **db)
{
	char sql[64];
	int rc;

	rc = sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(*db, SQLITE_BUSY_MS);
	if (rc == SQLITE_OK)
		rc = sqlite3_extended_result_codes(*db, 1);
	if (rc == SQLITE_OK)
		sqlite3_progress_handler(*db, SQLITE_PACE_OPS, pace_cb, NULL);
	if (rc == SQLITE_OK) {
		snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d",
		    SQLITE_CACHE_KIB);
		rc = sqlite3_exec(*db, sql, NULL, NULL, NULL);
	}
	return rc;
}

/* Creates the file 0600 and its folder when missing, so SQLite (and its
 * -wal and -shm files, which copy the mode) never make it readable. */
static int
create_file(const char *path, char *err, size_t errlen)
{
	char *dir, *slash;
	int fd;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (fsutil_mkdirs(dir, SQLITE_DIR_MODE) != 0) {
			snprintf(err, errlen, "cannot create folder %s: %s",
			    dir, strerror(errno));
			free(dir);
			return SC_ERR_IO;
		}
	}
	free(dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    SQLITE_FILE_MODE);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return SC_ERR_IO;
	}
	close(fd);
	return 0;
}

/* Reads the rooms into rooms(); skips a row that breaks the rules. */
static int
read_rooms(struct sqlite_db *d, store_room_cb *rooms, void *arg)
{
	sqlite3_stmt *st;
	const char *name, *topic;
	int rc, nlen, tlen;

	rc = prepare(d->w, "SELECT name, topic FROM rooms ORDER BY name", &st);
	if (rc != SQLITE_OK)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(st, 0);
		nlen = sqlite3_column_bytes(st, 0);
		topic = (const char *)sqlite3_column_text(st, 1);
		tlen = sqlite3_column_bytes(st, 1);
		if (name == NULL || !text_room_valid(name, (size_t)nlen) ||
		    topic == NULL || tlen > SC_TOPIC_MAX_LEN ||
		    !utf8_valid(topic, (size_t)tlen) ||
		    strlen(topic) != (size_t)tlen) {
			log_warn("history database %s: skipping a bad room "
				 "row",
			    d->path);
			continue;
		}
		if (rooms != NULL)
			rooms(name, topic, arg);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The newest id handed out: meta's, or a stored message's if newer. */
static int
read_last_id(struct sqlite_db *d, uint64_t *last_id)
{
	sqlite3_stmt *st;
	sqlite3_int64 v;
	int rc;

	rc = prepare(d->w,
	    "SELECT max(coalesce((SELECT value FROM meta WHERE "
	    "key = 'last_id'), 0), coalesce((SELECT max(id) FROM "
	    "messages), 0))",
	    &st);
	if (rc != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_int64(st, 0);
		*last_id = v > 0 ? (uint64_t)v : 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The schema version: 0 new, 1 ours, above: a newer program's. */
static int
check_version(struct sqlite_db *d, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, v = -1;

	if ((rc = prepare(d->w, "PRAGMA user_version", &st)) != SQLITE_OK)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	rc = sqlite3_finalize(st);
	if (rc == SQLITE_OK && v > SQLITE_SCHEMA_VERSION) {
		snprintf(err, errlen,
		    "history database %s has schema version %d, this "
		    "program knows %d",
		    d->path, v, SQLITE_SCHEMA_VERSION);
		return SQLITE_MISMATCH;
	}
	return rc;
}

static void sqlite_close(void *db);

/* Opens (creating) the file, the schema, both connections. */
static int
sqlite_open(const char *path, store_room_cb *rooms, void *arg,
    uint64_t *last_id, void **out, char *err, size_t errlen)
{
	struct sqlite_db *d;
	const char *what = "cannot open history database";
	int rc;

	*out = NULL;
	*err = '\0';
	if ((rc = create_file(path, err, errlen)) != 0)
		return rc;
	d = xcalloc(1, sizeof *d);
	d->path = xstrdup(path);
	rc = connect_db(path, SQLITE_OPEN_READWRITE, &d->w);
	if (rc == SQLITE_OK)
		rc = check_version(d, err, errlen);
	if (rc == SQLITE_OK) {
		what = "cannot set up history database";
		rc = sqlite3_exec(d->w,
		    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
		    NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(d->w, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_exec(d->w, schema, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(d->w, "COMMIT", NULL, NULL, NULL);
		else
			(void)sqlite3_exec(d->w, "ROLLBACK", NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK) {
		what = "cannot read history database";
		rc = read_rooms(d, rooms, arg);
	}
	if (rc == SQLITE_OK)
		rc = read_last_id(d, last_id);
	if (rc == SQLITE_OK &&
	    ((rc = prepare(d->w, "BEGIN IMMEDIATE", &d->begin)) != SQLITE_OK ||
		(rc = prepare(d->w, "COMMIT", &d->commit)) != SQLITE_OK ||
		(rc = prepare(d->w, "ROLLBACK", &d->rollback)) != SQLITE_OK ||
		(rc = prepare(d->w,
		     "INSERT OR IGNORE INTO messages (id, ts, chan, json) "
		     "VALUES (?1, ?2, ?3, ?4)",
		     &d->ins_msg)) != SQLITE_OK ||
		(rc = prepare(d->w,
		     "INSERT INTO rooms (name, topic) VALUES (?1, ?2) "
		     "ON CONFLICT (name) DO UPDATE SET topic = excluded.topic",
		     &d->set_topic)) != SQLITE_OK ||
		(rc = prepare(d->w,
		     "INSERT OR IGNORE INTO rooms (name) VALUES (?1)",
		     &d->add_room)) != SQLITE_OK ||
		(rc = prepare(d->w,
		     "INSERT INTO meta (key, value) VALUES ('last_id', ?1) "
		     "ON CONFLICT (key) DO UPDATE SET value = "
		     "max(value, excluded.value)",
		     &d->set_last)) != SQLITE_OK ||
		(rc = prepare(d->w, "DELETE FROM messages WHERE ts < ?1",
		     &d->prune)) != SQLITE_OK ||
		(rc = prepare(d->w,
		     "INSERT OR REPLACE INTO moderation (kind, user, key, "
		     "until, since, by, reason) VALUES (?1, ?2, ?3, ?4, ?5, "
		     "?6, ?7)",
		     &d->mod_set)) != SQLITE_OK ||
		(rc = prepare(d->w,
		     "DELETE FROM moderation WHERE kind = ?1 AND user = ?2 "
		     "AND key = ?3",
		     &d->mod_del)) != SQLITE_OK))
		what = "cannot prepare statements on history database";
	if (rc == SQLITE_OK) {
		what = "cannot open history database for reading";
		rc = connect_db(path, SQLITE_OPEN_READONLY, &d->r);
	}
	if (rc == SQLITE_OK)
		rc = prepare(d->r,
		    "SELECT json FROM messages WHERE chan = ?1 AND id < ?2 "
		    "ORDER BY id DESC LIMIT ?3",
		    &d->query);
	if (rc == SQLITE_OK)
		rc = prepare(d->r,
		    "SELECT kind, user, key, until, since, by, reason FROM "
		    "moderation ORDER BY kind, user, key",
		    &d->mod_list);
	if (rc != SQLITE_OK) {
		if (*err == '\0')
			db_error(d->r != NULL ? d->r : d->w, path, what, err,
			    errlen);
		sqlite_close(d);
		return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT ?
		    SC_ERR_FORMAT :
		    SC_ERR_IO;
	}
	*out = d;
	return 0;
}

/* Finalizes the statements, closes both connections. */
static void
sqlite_close(void *db)
{
	struct sqlite_db *d = db;

	if (d == NULL)
		return;
	sqlite3_finalize(d->begin);
	sqlite3_finalize(d->commit);
	sqlite3_finalize(d->rollback);
	sqlite3_finalize(d->ins_msg);
	sqlite3_finalize(d->set_topic);
	sqlite3_finalize(d->add_room);
	sqlite3_finalize(d->set_last);
	sqlite3_finalize(d->prune);
	sqlite3_finalize(d->mod_set);
	sqlite3_finalize(d->mod_del);
	sqlite3_finalize(d->query);
	sqlite3_finalize(d->mod_list);
	sqlite3_close(d->r);
	sqlite3_close(d->w);
	free(d->path);
	free(d);
}

/* Runs a statement that returns no row and resets it. */
static int
run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Saves or removes one moderation record. */
static int
write_mod(struct sqlite_db *d, const struct store_op *op)
{
	const struct store_mod *m = &op->mod;
	sqlite3_stmt *st;

	st = op->kind == STORE_OP_MOD_SET ? d->mod_set : d->mod_del;
	sqlite3_bind_int(st, 1, (int)m->kind);
	sqlite3_bind_text(st, 2, m->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, m->key, -1, SQLITE_STATIC);
	if (op->kind == STORE_OP_MOD_SET) {
		sqlite3_bind_int64(st, 4, m->until);
		sqlite3_bind_int64(st, 5, m->since);
		sqlite3_bind_text(st, 6, m->by, -1, SQLITE_STATIC);
		if (m->reason != NULL)
			sqlite3_bind_text(st, 7, m->reason, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
	}
	return run(st);
}

/* One batch in one transaction. */
static int
sqlite_write(void *db, struct store_op *const *ops, size_t n, uint64_t last_id,
    char *err, size_t errlen)
{
	struct sqlite_db *d = db;
	const struct store_op *op;
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if ((rc = run(d->begin)) != SQLITE_OK)
		goto fail;
	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		op = ops[i];
		if (op->kind == STORE_OP_MOD_SET ||
		    op->kind == STORE_OP_MOD_DEL) {
			rc = write_mod(d, op);
			continue;
		}
		if (op->kind == STORE_OP_MSG) {
			if (op->json == NULL)
				continue; /* history_days 0: only its id */
			st = d->ins_msg;
			sqlite3_bind_int64(st, 1, (sqlite3_int64)op->id);
			sqlite3_bind_int64(st, 2, op->ts);
			sqlite3_bind_text(st, 3, op->chan, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, op->json, (int)op->json_len,
			    SQLITE_STATIC);
		} else if (op->topic != NULL) {
			st = d->set_topic;
			sqlite3_bind_text(st, 1, op->room, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, op->topic, -1, SQLITE_STATIC);
		} else {
			st = d->add_room;
			sqlite3_bind_text(st, 1, op->room, -1, SQLITE_STATIC);
		}
		rc = run(st);
	}
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(d->set_last, 1, (sqlite3_int64)last_id);
		rc = run(d->set_last);
	}
	if (rc == SQLITE_OK && (rc = run(d->commit)) == SQLITE_OK)
		return 0;
	db_error(d->w, d->path, "writing to", err, errlen);
	(void)run(d->rollback);
	return SC_ERR_IO;
fail:
	db_error(d->w, d->path, "writing to", err, errlen);
	return SC_ERR_IO;
}

/* Deletes the messages older than cutoff. */
static int
sqlite_prune(void *db, int64_t cutoff, uint64_t *deleted, char *err,
    size_t errlen)
{
	struct sqlite_db *d = db;

	*deleted = 0;
	sqlite3_bind_int64(d->prune, 1, cutoff);
	if (run(d->prune) != SQLITE_OK) {
		db_error(d->w, d->path, "pruning", err, errlen);
		return SC_ERR_IO;
	}
	*deleted = (uint64_t)sqlite3_changes64(d->w);
	return 0;
}

/* The messages of chan below before, newest first, into ans. */
static int
sqlite_query(void *db, const char *chan, uint64_t before,
    const struct store_query *q, struct store_answer *ans, char *err,
    size_t errlen)
{
	struct sqlite_db *d = db;
	sqlite3_stmt *st = d->query;
	const void *json;
	int rc;

	sqlite3_bind_text(st, 1, chan, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2,
	    before == 0 || before > INT64_MAX ? INT64_MAX :
						(sqlite3_int64)before);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)q->limit + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json = sqlite3_column_text(st, 0);
		if (json == NULL)
			continue;
		if (!store_answer_offer(ans, q, json,
			(size_t)sqlite3_column_bytes(st, 0)))
			break;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(d->r, d->path, "reading", err, errlen);
		return SC_ERR_IO;
	}
	return 0;
}

/* Copies column i (text of at most max bytes, no NUL inside) into out;
 * false when it breaks that. */
static bool
column_copy(sqlite3_stmt *st, int i, char *out, size_t max)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	if (v == NULL || n > max || strlen(v) != n)
		return false;
	memcpy(out, v, n + 1);
	return true;
}

/* Every moderation record, in (kind, user, key) order, into cb; a row
 * that breaks the rules is skipped with a warning. */
static int
sqlite_mod_list(void *db, store_mod_cb *cb, void *arg, char *err, size_t errlen)
{
	struct sqlite_db *d = db;
	sqlite3_stmt *st = d->mod_list;
	struct store_mod m;
	const char *reason;
	int rc, kind;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&m, 0, sizeof m);
		kind = sqlite3_column_int(st, 0);
		reason = (const char *)sqlite3_column_text(st, 6);
		if (kind < STORE_MOD_OP || kind > STORE_MOD_DEVICE ||
		    !column_copy(st, 1, m.user, SC_USER_MAX_LEN) ||
		    !text_user_valid(m.user, strlen(m.user)) ||
		    !column_copy(st, 2, m.key, STORE_MOD_KEY_MAX) ||
		    !column_copy(st, 5, m.by, STORE_MOD_BY_MAX) ||
		    (reason != NULL &&
			(text_check(reason, (size_t)sqlite3_column_bytes(st, 6),
			     SC_TEXT_MAX_LEN, false) != TEXT_OK))) {
			log_warn("database %s: skipping a bad moderation row",
			    d->path);
			continue;
		}
		m.kind = (enum store_mod_kind)kind;
		m.until = sqlite3_column_int64(st, 3);
		m.since = sqlite3_column_int64(st, 4);
		m.reason = (char *)reason;
		cb(&m, arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_error(d->r, d->path, "reading moderation from", err, errlen);
		return SC_ERR_IO;
	}
	return 0;
}

const struct store_backend store_backend_sqlite = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.write = sqlite_write,
	.prune = sqlite_prune,
	.query = sqlite_query,
	.mod_list = sqlite_mod_list,
};
