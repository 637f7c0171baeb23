/*
 * store.h: what securechatd keeps across restarts, behind one small
 * interface so that the backend can change (SQLite by default in
 * store-sqlite.c; an in-memory one in store-memory.c for tests and as the
 * model of a later shared backend such as Redis): the rooms with their
 * topics, every delivered say and msg exactly as delivered, the last
 * message id, and the moderation state of PROTOCOL.md section 8
 * (operators, bans, mutes, device bindings: struct store_mod records).
 *
 * The event loop never waits on the disk. Opening reads the rooms and the
 * last id before the loop runs; after that, writes are queued (copied) and
 * done in batches off the loop, and history reads run off the loop and
 * come back through a callback on the loop thread. A backend that fails
 * (full disk, locked or corrupt file) logs one clear line, marks history
 * unavailable and drops what it cannot store: chat goes on.
 */
#ifndef SC_STORE_H
#define SC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "error.h"
#include "sc_limits.h"

struct store;

/* One stored message: the delivered plaintext and what finds it. */
struct store_msg {
	uint64_t id;
	int64_t ts;
	const char *room; /* a room's say; NULL for a msg */
	const char *from; /* msg: sender */
	const char *to;	  /* msg: target */
	const char *json; /* the delivered object, byte for byte */
	size_t json_len;
};

/* A history question (PROTOCOL.md section 7). */
struct store_query {
	const char *room; /* or NULL: the private messages of */
	const char *user; /* ... user and */
	const char *with; /* ... with, both ways */
	uint64_t before;  /* ids below this; 0: no bound */
	unsigned limit;	  /* 1..SC_HISTORY_MAX_LIMIT */
	size_t max_bytes; /* the answer's messages fit in this */
};

/*
 * A history answer: the newest messages older than before, oldest first,
 * as stored, at most limit of them and max_bytes of JSON in all; more
 * when older ones exist (or some did not fit). ok is false when history
 * is unavailable. Freed by the store after the callback returns.
 */
struct store_result {
	bool ok;
	bool more;
	size_t n;
	const char **json; /* json[i][0..len[i]) */
	const size_t *len;
};

typedef void store_history_cb(struct store_result *res, void *arg);

/* A room as stored: name and topic ("" when none). */
typedef void store_room_cb(const char *room, const char *topic, void *arg);

/*
 * Opens the store at path (created when missing; "" or NULL: the
 * in-memory backend), keeping history_days days of messages (0: none).
 * Reads the rooms (rooms(cb) once per room) and the last message id now,
 * before the loop runs; then starts its thread(s). Returns 0, or a
 * negative SC_ERR_* with a reason in err: the caller decides whether to
 * go on without history.
 */
int store_open(struct event_base *base, const char *path, unsigned history_days,
    store_room_cb *rooms, void *arg, uint64_t *last_id, struct store **out,
    char *err, size_t errlen) SC_WUR;

/* Flushes what is queued (bounded wait), stops the threads, frees.
 * Reads not yet answered get their callback now, with ok = false (so
 * what their arg holds is released); forgotten ones are dropped. */
void store_close(struct store *st);

/*
 * Creates the SQLite database at path (and its folder) with its schema
 * when missing, and checks that it opens; no threads (securechatctl).
 * On success *last_id and *rooms say what it holds. Returns 0 or a
 * negative SC_ERR_* with a reason in err.
 */
int store_init_file(const char *path, uint64_t *last_id, size_t *rooms,
    char *err, size_t errlen) SC_WUR;

/* False once the backend failed (or st is NULL: no store): history
 * answers ok = false. Every function here accepts a NULL store. */
bool store_available(const struct store *st);

/* Queues one delivered message (copied). Never blocks: a full queue
 * drops it, counted and logged once. */
void store_append(struct store *st, const struct store_msg *m);

/* Queues the creation of a room (topic NULL: an existing topic stays) or
 * a change of its topic (copied). */
void store_room_save(struct store *st, const char *room, const char *topic);

/*
 * Asks for history; cb(res, arg) runs later on the loop thread, after
 * every write queued before this call is done. Returns 0,
 * SC_ERR_INVALID for a question without a room or a pair of users (or a
 * NULL store), or SC_ERR_TOO_LONG when too many reads are queued.
 */
int store_history(struct store *st, const struct store_query *q,
    store_history_cb *cb, void *arg) SC_WUR;

/* Cancels the callbacks of arg (a session that died): they are dropped. */
void store_forget(struct store *st, void *arg);

/* ---- moderation records (section 8) ------------------------------------ */

enum store_mod_kind {
	STORE_MOD_OP = 1, /* user is an operator */
	STORE_MOD_BAN,	  /* user may not log in */
	STORE_MOD_MUTE,	  /* key: the room, "" everywhere */
	STORE_MOD_DEVICE, /* key: a bound device key's fingerprint */
};

/* Who set a record: an operator's name, or "admin:<login>" for the
 * administration tool. */
#define STORE_MOD_BY_MAX  (SC_USER_MAX_LEN + 6)
#define STORE_MOD_KEY_MAX SC_DEVICE_FP_LEN /* a room name is shorter */

/*
 * One moderation record, found by (kind, user, key). until and since are
 * ms since the epoch (until 0: until lifted), so a timed ban survives a
 * restart. reason is NULL or a string the holder owns (store_mod_copy).
 */
struct store_mod {
	enum store_mod_kind kind;
	char user[SC_USER_MAX_LEN + 1];
	char key[STORE_MOD_KEY_MAX + 1];
	int64_t until;
	int64_t since;
	char by[STORE_MOD_BY_MAX + 1];
	char *reason;
};

/* One record read back (its strings live until the callback returns). */
typedef void store_mod_cb(const struct store_mod *m, void *arg);

/* A reload's answer: recs[0..n) (freed after the callback), ok false
 * when the store could not be read. */
typedef void store_mod_list_cb(bool ok, const struct store_mod *recs, size_t n,
    void *arg);

/* Copies src into dst (the reason duplicated). */
void store_mod_copy(struct store_mod *dst, const struct store_mod *src);

/* Frees what m owns and clears it. */
void store_mod_clear(struct store_mod *m);

/* Orders records by kind, user, key (strcmp): <0, 0, >0. */
int store_mod_compare(const struct store_mod *a, const struct store_mod *b);

/* Queues saving m (copied; replaces the record of its kind, user, key). */
void store_mod_save(struct store *st, const struct store_mod *m);

/* Queues removing the record of kind, user and key ("" for none). */
void store_mod_delete(struct store *st, enum store_mod_kind kind,
    const char *user, const char *key);

/*
 * Reads every record now (the daemon's start, before the loop runs):
 * cb once per record. Holds the store's lock, so no history read runs
 * meanwhile. Returns 0, or a negative SC_ERR_* with a reason in err
 * (also for a NULL or failed store).
 */
int store_mod_read_now(struct store *st, store_mod_cb *cb, void *arg, char *err,
    size_t errlen) SC_WUR;

/*
 * Reads every record off the loop, after the writes queued before this
 * call: cb(ok, recs, n, arg) runs later on the loop thread (ok false,
 * n 0 when the store failed). Returns 0, SC_ERR_INVALID for a NULL
 * store, or SC_ERR_TOO_LONG when too many reads are queued.
 */
int store_mod_reload(struct store *st, store_mod_list_cb *cb, void *arg) SC_WUR;

/*
 * The administration tool's (and the daemon's startup) synchronous view
 * of the SQLite database at path, which is created with its schema when
 * missing. list calls cb once per record; set saves m; del removes the
 * record of kind, user, key and says in *existed whether there was one.
 * Each returns 0 or a negative SC_ERR_* with a reason in err.
 */
int store_mod_file_list(const char *path, store_mod_cb *cb, void *arg,
    char *err, size_t errlen) SC_WUR;
int store_mod_file_set(const char *path, const struct store_mod *m, char *err,
    size_t errlen) SC_WUR;
int store_mod_file_del(const char *path, enum store_mod_kind kind,
    const char *user, const char *key, bool *existed, char *err,
    size_t errlen) SC_WUR;

#endif /* SC_STORE_H */
