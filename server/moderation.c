/*
 * moderation.c: the moderation state of PROTOCOL.md section 8 in memory
 * (operators, bans, mutes, device bindings), what the operator commands
 * (cmd-kick.c, cmd-mute.c, cmd-unmute.c, cmd-ban.c, cmd-unban.c) share,
 * and the timer that ends timed bans and mutes.
 *
 * The records are read from the database before the loop runs and again,
 * off the loop, on SIGHUP (that is how securechatctl's changes reach a
 * running server). Operator commands change the records here at once and
 * queue the write to the store's writer thread; the loop never waits on
 * the disk. A record's end is absolute (ms since the epoch), so a timed
 * ban also ends across a restart: one that ended while the server was
 * down is dropped (and logged) at load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "escape.h"
#include "server.h"

#define MOD_REASON_LOG_MAX 200 /* bytes of a reason quoted in the log */

/* ---- the records -------------------------------------------------------- */

/* A search key: kind, user[0..len), key. */
static void
make_key(struct store_mod *k, enum store_mod_kind kind, const char *user,
    size_t len, const char *key)
{
	memset(k, 0, sizeof *k);
	k->kind = kind;
	if (len > SC_USER_MAX_LEN)
		len = SC_USER_MAX_LEN;
	memcpy(k->user, user, len);
	snprintf(k->key, sizeof k->key, "%s", key);
}

/* The index of k (*found) or where it would go. */
static size_t
search(const struct moderation *md, const struct store_mod *k, bool *found)
{
	size_t lo = 0, hi = md->n, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = store_mod_compare(&md->recs[mid], k);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* True when m is timed and over at now (ms since the epoch). */
static bool
ended(const struct store_mod *m, int64_t now)
{
	return m->until != 0 && m->until <= now;
}

/* The active record of kind, user[0..len), key, or NULL. */
static const struct store_mod *
find(struct server *srv, enum store_mod_kind kind, const char *user, size_t len,
    const char *key)
{
	struct store_mod k;
	bool found;
	size_t i;

	make_key(&k, kind, user, len, key);
	i = search(&srv->mod, &k, &found);
	if (!found || ended(&srv->mod.recs[i], (int64_t)clock_now_ms()))
		return NULL;
	return &srv->mod.recs[i];
}

/* Frees every record. */
static void
clear_all(struct moderation *md)
{
	size_t i;

	for (i = 0; i < md->n; i++)
		store_mod_clear(&md->recs[i]);
	md->n = 0;
}

/* Inserts a copy of m (replacing an equal one). */
static void
put(struct moderation *md, const struct store_mod *m)
{
	bool found;
	size_t i = search(md, m, &found);

	if (found) {
		store_mod_clear(&md->recs[i]);
		store_mod_copy(&md->recs[i], m);
		return;
	}
	if (md->n == md->cap) {
		md->cap = md->cap == 0 ? 16 : md->cap * 2;
		md->recs = xreallocarray(md->recs, md->cap, sizeof *md->recs);
	}
	memmove(&md->recs[i + 1], &md->recs[i], (md->n - i) * sizeof *md->recs);
	store_mod_copy(&md->recs[i], m);
	md->n++;
}

/* The name of a kind for the log. */
static const char *
kind_name(enum store_mod_kind kind)
{
	switch (kind) {
	case STORE_MOD_OP:
		return "operator";
	case STORE_MOD_BAN:
		return "ban";
	case STORE_MOD_MUTE:
		return "mute";
	case STORE_MOD_DEVICE:
		return "device binding";
	}
	return "record";
}

/* " in #room" for a room mute, "" otherwise. */
static const char *
where(const struct store_mod *m, char *buf, size_t len)
{
	if (m->kind != STORE_MOD_MUTE || m->key[0] == '\0')
		return "";
	snprintf(buf, len, " in #%s", m->key);
	return buf;
}

/* Writes ", reason \"...\"" (escaped, cut) or ", no reason given". */
const char *
moderation_reason(const char *reason, char *buf, size_t len)
{
	char shown[ESCAPE_SHOWN_SIZE(MOD_REASON_LOG_MAX)];

	if (reason == NULL)
		snprintf(buf, len, ", no reason given");
	else
		snprintf(buf, len, ", reason \"%s\"",
		    escape_shown(shown, sizeof shown, reason, strlen(reason),
			MOD_REASON_LOG_MAX, ESCAPE_QUOTED | ESCAPE_UTF8));
	return buf;
}

/* Writes " for N s (until <UTC time>)" or " (no end)", then the reason,
 * into buf. */
const char *
moderation_why(const struct store_mod *m, char *buf, size_t len)
{
	char when[32];
	time_t t;
	struct tm tm;
	int n;

	if (m->until != 0) {
		t = (time_t)(m->until / 1000);
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
		n = snprintf(buf, len, " for %lld s (until %s)",
		    (long long)((m->until - m->since + 999) / 1000), when);
	} else
		n = snprintf(buf, len, " (no end)");
	if (n >= 0 && (size_t)n < len)
		(void)moderation_reason(m->reason, buf + n, len - (size_t)n);
	return buf;
}

/* ---- the timer ---------------------------------------------------------- */

/* Arms the timer for the earliest end of a timed record. */
static void
arm(struct server *srv)
{
	struct moderation *md = &srv->mod;
	int64_t first = 0, now = (int64_t)clock_now_ms(), ms;
	struct timeval tv;
	size_t i;

	for (i = 0; i < md->n; i++) {
		if (md->recs[i].until != 0 &&
		    (first == 0 || md->recs[i].until < first))
			first = md->recs[i].until;
	}
	if (first == 0) {
		evtimer_del(md->timer);
		return;
	}
	ms = first > now ? first - now : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(md->timer, &tv);
}

/* Drops the records that ended (logged as such, removed from the store);
 * why says when ("" at run time, " while the server was down"). */
static void
expire(struct server *srv, const char *why)
{
	struct moderation *md = &srv->mod;
	int64_t now = (int64_t)clock_now_ms();
	char room[STORE_MOD_KEY_MAX + 8];
	size_t i, k = 0;

	for (i = 0; i < md->n; i++) {
		struct store_mod *m = &md->recs[i];

		if (!ended(m, now)) {
			md->recs[k++] = *m;
			continue;
		}
		log_notice("moderation: %s of %s%s set by %s ended%s",
		    kind_name(m->kind), m->user, where(m, room, sizeof room),
		    m->by, why);
		store_mod_delete(srv->store, m->kind, m->user, m->key);
		store_mod_clear(m);
		md->changes++;
	}
	md->n = k;
}

/* The earliest end came: expire, rearm. */
static void
moderation_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	expire(srv, "");
	arm(srv);
}

/* ---- loading ------------------------------------------------------------ */

/* A record read at startup (a store_mod_cb). */
static void
loaded(const struct store_mod *m, void *arg)
{
	put(arg, m);
}

/* Counts the records of kind. */
static size_t
count(const struct moderation *md, enum store_mod_kind kind)
{
	size_t i, n = 0;

	for (i = 0; i < md->n; i++)
		n += md->recs[i].kind == kind;
	return n;
}

/* Logs what the state holds. */
static void
log_state(struct server *srv, const char *what)
{
	struct moderation *md = &srv->mod;

	log_notice("%s: %zu operator%s, %zu ban%s, %zu mute%s, %zu device "
		   "binding%s",
	    what, count(md, STORE_MOD_OP),
	    count(md, STORE_MOD_OP) == 1 ? "" : "s", count(md, STORE_MOD_BAN),
	    count(md, STORE_MOD_BAN) == 1 ? "" : "s", count(md, STORE_MOD_MUTE),
	    count(md, STORE_MOD_MUTE) == 1 ? "" : "s",
	    count(md, STORE_MOD_DEVICE),
	    count(md, STORE_MOD_DEVICE) == 1 ? "" : "s");
}

/* Reads the state from the database file before the loop runs. */
void
moderation_init(struct server *srv)
{
	char err[512];

	srv->mod.timer = evtimer_new(srv->base, moderation_timer, srv);
	if (srv->mod.timer == NULL)
		xnomem();
	/* Through the store's own connection: opening the file a second
	 * time in this process would drop SQLite's POSIX locks on it. */
	if (srv->store != NULL &&
	    store_mod_read_now(srv->store, loaded, &srv->mod, err,
		sizeof err) != 0)
		log_err("moderation state unavailable: %s; no operators, bans "
			"or mutes until it can be read (SIGHUP)",
		    err);
	expire(srv, " while the server was down");
	log_state(srv, "moderation");
	arm(srv);
}

/* Closes the sessions of every online user banned now. */
static void
enforce_bans(struct server *srv)
{
	struct roster_user *u;
	const struct store_mod *b;
	struct msg_str reason;
	char why[512];
	size_t i = 0;

	while (i < srv->n_online) {
		u = srv->online[i];
		if ((b = moderation_ban(srv, u->name, u->len)) == NULL) {
			i++;
			continue;
		}
		log_notice("moderation: %s, banned by %s%s, disconnected at "
			   "reload",
		    u->name, b->by, moderation_why(b, why, sizeof why));
		reason = MSG_STRN(b->reason,
		    b->reason != NULL ? strlen(b->reason) : 0);
		moderation_bye_by(u, "banned", b->by, &reason);
		if (i < srv->n_online && srv->online[i] == u)
			i++; /* its sessions died: the reaper takes it off */
	}
}

/* True when a and b say the same (end, setter, reason). */
static bool
same_record(const struct store_mod *a, const struct store_mod *b)
{
	return a->until == b->until && strcmp(a->by, b->by) == 0 &&
	    (a->reason == NULL) == (b->reason == NULL) &&
	    (a->reason == NULL || strcmp(a->reason, b->reason) == 0);
}

/* Logs a record set in the database (securechatctl) as an audit line. */
static void
log_set(const struct store_mod *m)
{
	char why[512], room[STORE_MOD_KEY_MAX + 8];

	switch (m->kind) {
	case STORE_MOD_OP:
		log_notice("moderation: %s made %s an operator (at reload)",
		    m->by, m->user);
		return;
	case STORE_MOD_DEVICE:
		log_notice("moderation: %s bound device %.16s to %s (at "
			   "reload)",
		    m->by, m->key, m->user);
		return;
	case STORE_MOD_BAN:
		log_notice("moderation: %s banned %s%s (at reload)", m->by,
		    m->user, moderation_why(m, why, sizeof why));
		return;
	case STORE_MOD_MUTE:
		log_notice("moderation: %s muted %s%s%s (at reload)", m->by,
		    m->user,
		    m->key[0] != '\0' ? where(m, room, sizeof room) :
					" everywhere",
		    moderation_why(m, why, sizeof why));
		return;
	}
}

/* Logs a record the database no longer holds. */
static void
log_lifted(const struct store_mod *m)
{
	char room[STORE_MOD_KEY_MAX + 8];

	if (m->kind == STORE_MOD_DEVICE)
		log_notice("moderation: device %.16s of %s unbound by the "
			   "administrator (at reload)",
		    m->key, m->user);
	else
		log_notice("moderation: %s of %s%s lifted by the "
			   "administrator (at reload)",
		    kind_name(m->kind), m->user, where(m, room, sizeof room));
}

/* Logs what the database changed (securechatctl) between the state in
 * memory and recs[0..n), both sorted: the audit trail of the tool. */
static void
log_changes(const struct moderation *md, const struct store_mod *recs, size_t n)
{
	int64_t now = (int64_t)clock_now_ms();
	size_t i = 0, j = 0;
	int c;

	while (i < md->n || j < n) {
		c = i == md->n ? 1 :
		    j == n     ? -1 :
				 store_mod_compare(&md->recs[i], &recs[j]);
		if (c < 0)
			log_lifted(&md->recs[i++]);
		else if (c > 0) {
			if (!ended(&recs[j], now)) /* else: expire() says */
				log_set(&recs[j]);
			j++;
		} else {
			if (!same_record(&md->recs[i], &recs[j]))
				log_set(&recs[j]);
			i++;
			j++;
		}
	}
}

/* The reload's answer: replace the state unless it changed meanwhile. */
static void
reloaded(bool ok, const struct store_mod *recs, size_t n, void *arg)
{
	struct server *srv = arg;
	struct moderation *md = &srv->mod;
	size_t i;

	md->reloading = false;
	if (srv->stopping)
		return;
	if (!ok) {
		log_err("reload: cannot read the moderation state; keeping "
			"what was loaded before");
		return;
	}
	if (md->changes != md->reload_mark) {
		/* An operator changed something after the read was asked:
		 * read again, after that write too. */
		moderation_reload(srv);
		return;
	}
	log_changes(md, recs, n);
	clear_all(md);
	for (i = 0; i < n; i++)
		put(md, &recs[i]);
	expire(srv, "");
	log_state(srv, "reload: moderation");
	arm(srv);
	enforce_bans(srv);
}

/* SIGHUP: read the records again off the loop. */
void
moderation_reload(struct server *srv)
{
	struct moderation *md = &srv->mod;

	if (md->reloading)
		return;
	if (srv->store == NULL) {
		log_warn("reload: no database; moderation state unchanged");
		return;
	}
	md->reload_mark = md->changes;
	if (store_mod_reload(srv->store, reloaded, srv) != 0) {
		log_err("reload: the database is busy; moderation state "
			"unchanged");
		return;
	}
	md->reloading = true;
}

/* Frees the state and the timer. */
void
moderation_free(struct server *srv)
{
	clear_all(&srv->mod);
	free(srv->mod.recs);
	if (srv->mod.timer != NULL)
		event_free(srv->mod.timer);
	memset(&srv->mod, 0, sizeof srv->mod);
}

/* ---- questions ---------------------------------------------------------- */

/* True when name is an operator. */
bool
moderation_is_op(struct server *srv, const char *name, size_t len)
{
	return find(srv, STORE_MOD_OP, name, len, "") != NULL;
}

/* The active ban of name, or NULL. */
const struct store_mod *
moderation_ban(struct server *srv, const char *name, size_t len)
{
	return find(srv, STORE_MOD_BAN, name, len, "");
}

/* Muted everywhere, or (room != NULL) in room: the latest end of the
 * mutes that apply when all are timed. */
bool
moderation_muted(struct server *srv, const char *name, size_t len,
    const char *room, int64_t *until)
{
	const struct store_mod *all, *in = NULL;

	*until = 0;
	all = find(srv, STORE_MOD_MUTE, name, len, "");
	if (room != NULL)
		in = find(srv, STORE_MOD_MUTE, name, len, room);
	if (all == NULL && in == NULL)
		return false;
	if ((all != NULL && all->until == 0) || (in != NULL && in->until == 0))
		return true;
	if (all != NULL)
		*until = all->until;
	if (in != NULL && in->until > *until)
		*until = in->until;
	return true;
}

/* No binding, or fp is bound to name. */
bool
moderation_device_ok(struct server *srv, const char *name, size_t len,
    const char *fp)
{
	struct moderation *md = &srv->mod;
	struct store_mod k;
	bool found, any = false;
	size_t i;

	make_key(&k, STORE_MOD_DEVICE, name, len, "");
	for (i = search(md, &k, &found); i < md->n; i++) {
		const struct store_mod *m = &md->recs[i];

		if (m->kind != STORE_MOD_DEVICE || strcmp(m->user, k.user) != 0)
			break;
		any = true;
		/* Public values, but compare without a timing signal. */
		if (strlen(m->key) == strlen(fp) &&
		    sodium_memcmp(m->key, fp, strlen(fp)) == 0)
			return true;
	}
	return !any;
}

/* ---- changes ------------------------------------------------------------ */

/* Sets m here and in the store. */
void
moderation_set(struct server *srv, const struct store_mod *m)
{
	put(&srv->mod, m);
	srv->mod.changes++;
	store_mod_save(srv->store, m);
	arm(srv);
}

/* Lifts one record; false when there was none (or it had ended). */
bool
moderation_lift(struct server *srv, enum store_mod_kind kind, const char *user,
    const char *key)
{
	struct moderation *md = &srv->mod;
	struct store_mod k;
	bool found, active;
	size_t i;

	make_key(&k, kind, user, strlen(user), key);
	i = search(md, &k, &found);
	if (!found)
		return false;
	active = !ended(&md->recs[i], (int64_t)clock_now_ms());
	store_mod_clear(&md->recs[i]);
	memmove(&md->recs[i], &md->recs[i + 1],
	    (md->n - i - 1) * sizeof *md->recs);
	md->n--;
	md->changes++;
	store_mod_delete(srv->store, kind, k.user, k.key);
	arm(srv);
	return active;
}

/* ---- what the commands share -------------------------------------------- */

/* Step 6: no_such_user, forbidden (an operator target), no_such_room. */
enum msg_code
moderation_target(struct session *s, const struct msg *req, bool protect,
    struct room **room)
{
	struct server *srv = s->srv;

	*room = NULL;
	if (users_find(srv->users, req->user.s, req->user.len) == NULL)
		return MSG_CODE_NO_SUCH_USER;
	if (protect && moderation_is_op(srv, req->user.s, req->user.len))
		return MSG_CODE_FORBIDDEN;
	if (req->room.s != NULL &&
	    (*room = room_find(srv, req->room.s, req->room.len)) == NULL)
		return MSG_CODE_NO_SUCH_ROOM;
	return MSG_CODE_NONE;
}

/* A record of kind on req->user by s's user, timed by req->seconds. */
void
moderation_record(struct session *s, const struct msg *req,
    enum store_mod_kind kind, const char *key, struct store_mod *out)
{
	make_key(out, kind, req->user.s, req->user.len, key);
	out->since = (int64_t)clock_now_ms();
	if (req->seconds.set)
		out->until = out->since + req->seconds.v * 1000;
	snprintf(out->by, sizeof out->by, "%s", s->user->name);
	/* Borrowed: moderation_set() copies it. */
	out->reason = (char *)req->reason.s;
}

/* bye "<what> by <op>[: <reason>]" to every session of u. */
void
moderation_bye_by(struct roster_user *u, const char *what, const char *op,
    const struct msg_str *reason)
{
	size_t n = strlen(what) + strlen(op) + reason->len + 16;
	char *bye = xmalloc(n);

	snprintf(bye, n, "%s by %s%s%.*s", what, op,
	    reason->s != NULL ? ": " : "", (int)reason->len,
	    reason->s != NULL ? reason->s : "");
	moderation_bye_user(u, what, bye);
	free(bye);
}

/* bye to every session of u. */
void
moderation_bye_user(struct roster_user *u, const char *log_reason,
    const char *reason)
{
	struct session **list;
	struct session *s;
	size_t i, n = 0;

	/* session_bye() takes s off u (and frees u after its last). */
	list = xcalloc(u->n_sessions, sizeof *list);
	TAILQ_FOREACH(s, &u->sessions, user_entry)
	list[n++] = s;
	for (i = 0; i < n; i++)
		session_bye_as(list[i], log_reason, reason);
	free(list);
}

/* Sends error code (muted, banned) with ref and, when until != 0, until. */
void
moderation_error(struct session *s, enum msg_code code, const char *ref,
    int64_t until)
{
	struct msg m = { .type = MSG_ERROR, .code = code };
	char buf[512];
	size_t len;

	m.message = MSG_STR(msg_code_text(code));
	m.ref = MSG_STR(ref);
	if (until != 0)
		m.until = MSG_INT(until);
	if (msg_encode(&m, MSG_S2C, buf, sizeof buf, &len) != 0) {
		log_err("cannot encode error %s", msg_code_name(code));
		return;
	}
	(void)session_send(s, buf, len);
}

/* After the target checks of say (room) or msg (room NULL): muted? */
bool
moderation_refuse_muted(struct session *s, const char *room, const char *ref)
{
	int64_t until;

	if (!moderation_muted(s->srv, s->user->name, s->user->len, room,
		&until))
		return false;
	moderation_error(s, MSG_CODE_MUTED, ref, until);
	return true;
}
