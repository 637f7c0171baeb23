/*
 * roster.c: who is online. A sorted array of users (byte order, as the
 * users arrays of the protocol want them), each with the list of its
 * logged-in sessions; presence, broadcasts and users arrays come from here.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define ROSTER_FIRST_CAP 64 /* users, grown by doubling */

/* The name of an element of srv->online. */
static const char *
online_name_of(const void *elem, size_t *len)
{
	const struct roster_user *u = *(struct roster_user *const *)elem;

	*len = u->len;
	return u->name;
}

/* The name of an element of srv->seen. */
static const char *
seen_name_of(const void *elem, size_t *len)
{
	const struct roster_seen *r = *(struct roster_seen *const *)elem;

	*len = r->len;
	return r->name;
}

/* Binary search: the index of name, or where it would go (*found false). */
static size_t
search(struct server *srv, const char *name, size_t len, bool *found)
{
	return sorted_search(srv->online, srv->n_online, sizeof *srv->online,
	    name, len, online_name_of, found);
}

/* The online user name[0..len), or NULL. */
struct roster_user *
roster_find(struct server *srv, const char *name, size_t len)
{
	bool found;
	size_t i = search(srv, name, len, &found);

	return found ? srv->online[i] : NULL;
}

/* Adds s under name; true when it is the user's first session. */
bool
roster_add(struct server *srv, struct session *s, const char *name, size_t len)
{
	struct roster_user *u, **slot;
	bool found, first = false;
	size_t i, cap;

	i = search(srv, name, len, &found);
	if (!found) {
		u = xcalloc(1, sizeof *u);
		memcpy(u->name, name, len);
		u->name[len] = '\0';
		u->len = len;
		TAILQ_INIT(&u->sessions);
		cap = srv->online_cap;
		slot = sorted_insert(&srv->online, &srv->n_online,
		    &srv->online_cap, sizeof *srv->online, i, ROSTER_FIRST_CAP);
		*slot = u;
		/* The scratch for users arrays keeps the same size. */
		if (srv->online_cap != cap)
			srv->names = xreallocarray(srv->names, srv->online_cap,
			    sizeof *srv->names);
		first = true;
	} else
		u = srv->online[i];
	TAILQ_INSERT_TAIL(&u->sessions, s, user_entry);
	u->n_sessions++;
	s->user = u;
	if (first)
		roster_seen(srv, name, len, true)->login_ms = clock_mono_ms();
	return first;
}

/* Removes s; the user goes offline with its last session. */
void
roster_remove(struct server *srv, struct session *s)
{
	struct roster_user *u = s->user;
	bool found;
	size_t i;

	if (u == NULL)
		return;
	/* Its rooms first: room_part only while the user stays online. */
	room_session_end(s, u->n_sessions > 1);
	TAILQ_REMOVE(&u->sessions, s, user_entry);
	u->n_sessions--;
	s->user = NULL;
	if (u->n_sessions > 0)
		return;
	i = search(srv, u->name, u->len, &found);
	if (found)
		sorted_remove(srv->online, &srv->n_online, sizeof *srv->online,
		    i);
	if (!srv->stopping)
		roster_presence(srv, u, false);
	free(u);
	notify_status(srv);
}

/* Sends presence of u to every session of every other user. */
void
roster_presence(struct server *srv, struct roster_user *u, bool online)
{
	struct msg m = { .type = MSG_PRESENCE };
	struct fanout f;
	char buf[128];
	size_t len, i;

	m.user = MSG_STRN(u->name, u->len);
	m.online = MSG_BOOL(online);
	if (msg_encode(&m, MSG_S2C, buf, sizeof buf, &len) != 0)
		return;
	fanout_begin(&f, srv, buf, len);
	for (i = 0; i < srv->n_online; i++) {
		if (srv->online[i] != u)
			roster_fanout_user(&f, srv->online[i]);
	}
	fanout_end(&f);
}

/*
 * How many of names[0..n) fit after a part whose encoding with no names
 * takes base bytes: user names need no escaping, so each costs its
 * length, two quotes and a comma (none before the first).
 */
static size_t
fitting(const char *const *names, size_t n, size_t base)
{
	size_t k, used = base;

	for (k = 0; k < n; k++) {
		used += strlen(names[k]) + 2 + (k > 0 ? 1 : 0);
		if (used > SC_MSG_MAX_LEN)
			break;
	}
	return k;
}

/*
 * Encodes part (its users already set, its more as it should be) into
 * the scratch buffer, dropping names from its end while it does not fit
 * (only when a name needed escaping). Returns the names kept (0: none
 * fit) and the length in *len.
 */
static size_t
encode_part(struct server *srv, struct msg *part, size_t *len)
{
	size_t k = part->users.n;
	int rc;

	while (k > 0) {
		part->users.n = k;
		rc = msg_encode(part, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, len);
		if (rc == 0)
			return k;
		if (rc != SC_ERR_TOO_LONG)
			return 0;
		k -= k > 16 ? k / 16 : 1;
	}
	return 0;
}

/* Sends a name list in one message or in parts (section 6). */
int
roster_send_names(struct session *s, struct msg *m, const char *const *names,
    size_t n)
{
	struct server *srv = s->srv;
	struct msg part;
	size_t done = 0, k, len;
	int rc;

	m->users = MSG_LIST(names, n);
	m->more = (struct msg_bool){ 0 };
	rc = msg_encode(m, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len);
	if (rc == 0)
		return session_send(s, srv->wbuf, len);
	if (rc != SC_ERR_TOO_LONG)
		goto fail;

	/* Parts: the first is m with more, then users messages. */
	part = *m;
	while (done < n) {
		/* The size of this part without names, as not the last. */
		part.users = MSG_LIST(names + done, 0);
		part.more = MSG_BOOL(true);
		if (msg_encode(&part, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN,
			&len) != 0)
			goto fail;
		k = fitting(names + done, n - done, len);
		if (done + k == n)
			part.more = (struct msg_bool){ 0 }; /* the last */
		part.users = MSG_LIST(names + done, k);
		if ((k = encode_part(srv, &part, &len)) == 0)
			goto fail;
		if (done + k < n && !part.more.set) {
			/* Shrunk after all: not the last part. */
			part.more = MSG_BOOL(true);
			part.users = MSG_LIST(names + done, k);
			if ((k = encode_part(srv, &part, &len)) == 0)
				goto fail;
		}
		if (session_send(s, srv->wbuf, len) != 0)
			return -1;
		done += k;
		/* The following parts are users messages with m's room. */
		part = (struct msg){ .type = MSG_USERS, .room = m->room };
	}
	return 0;

fail:
	log_err("cannot encode a %s list of %zu names for %s",
	    msg_type_name(m->type), n, s->addr);
	session_error(s, MSG_CODE_INTERNAL,
	    m->type == MSG_LOGIN_OK   ? "login" :
		m->type == MSG_USERS  ? "list" :
		m->type == MSG_JOINED ? "join" :
					"names");
	return -1;
}

/* Sends login_ok or users: every online user, sorted. */
int
roster_send_users(struct session *s, const char *login_user)
{
	struct server *srv = s->srv;
	struct msg m = { .type = MSG_USERS };
	size_t i;

	for (i = 0; i < srv->n_online; i++)
		srv->names[i] = srv->online[i]->name;
	if (login_user != NULL) {
		m.type = MSG_LOGIN_OK;
		m.user = MSG_STR(login_user);
		/* Section 8: "op": true for an operator, absent otherwise. */
		if (moderation_is_op(srv, login_user, strlen(login_user)))
			m.op = MSG_BOOL(true);
	}
	return roster_send_names(s, &m, srv->names, srv->n_online);
}

/* Finds (or makes) the record of a user name. */
struct roster_seen *
roster_seen(struct server *srv, const char *name, size_t len, bool create)
{
	struct roster_seen *r, **slot;
	bool found;
	size_t i;

	i = sorted_search(srv->seen, srv->n_seen, sizeof *srv->seen, name, len,
	    seen_name_of, &found);
	if (found)
		return srv->seen[i];
	if (!create || len > SC_USER_MAX_LEN)
		return NULL;
	r = xcalloc(1, sizeof *r);
	memcpy(r->name, name, len);
	r->len = len;
	slot = sorted_insert(&srv->seen, &srv->n_seen, &srv->seen_cap,
	    sizeof *srv->seen, i, ROSTER_FIRST_CAP);
	*slot = r;
	return r;
}

/* Sends pt to every live session of u except one. */
void
roster_send_user(struct roster_user *u, const void *pt, size_t len,
    struct session *except)
{
	struct session *s;

	TAILQ_FOREACH(s, &u->sessions, user_entry)
	{
		if (s != except && !s->dead)
			(void)session_send(s, pt, len);
	}
}

/* Adds every session of u to a fan-out. */
void
roster_fanout_user(struct fanout *f, struct roster_user *u)
{
	struct session *s;

	TAILQ_FOREACH(s, &u->sessions, user_entry)
	{
		fanout_add(f, s);
	}
}

/* Sends pt to every logged-in session (a fan-out: fanout.c). */
void
roster_broadcast(struct server *srv, const void *pt, size_t len)
{
	struct fanout f;
	size_t i;

	fanout_begin(&f, srv, pt, len);
	for (i = 0; i < srv->n_online; i++)
		roster_fanout_user(&f, srv->online[i]);
	fanout_end(&f);
}

/* Frees the roster (sessions are freed elsewhere). */
void
roster_free(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->n_online; i++)
		free(srv->online[i]);
	free(srv->online);
	free(srv->names);
	for (i = 0; i < srv->n_seen; i++)
		free(srv->seen[i]);
	free(srv->seen);
	srv->seen = NULL;
	srv->n_seen = srv->seen_cap = 0;
	srv->online = NULL;
	srv->names = NULL;
	srv->n_online = srv->online_cap = 0;
}
