/*
 * roster.c: who is online. A sorted array of users (byte order, as the
 * users arrays of the protocol want them), each with the list of its
 * logged-in sessions; presence, broadcasts and users arrays come from here.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

#define ROSTER_FIRST_CAP 64 /* users, grown by doubling */

/* Compares name[0..len) with a roster user, in strcmp order. */
static int
compare(const char *name, size_t len, const struct roster_user *u)
{
	size_t n = len < u->len ? len : u->len;
	int c = memcmp(name, u->name, n);

	if (c != 0)
		return c;
	return len < u->len ? -1 : len > u->len ? 1 : 0;
}

/* Binary search: the index of name, or where it would go (*found false). */
static size_t
search(struct server *srv, const char *name, size_t len, bool *found)
{
	size_t lo = 0, hi = srv->n_online, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = compare(name, len, srv->online[mid]);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
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
	struct roster_user *u;
	bool found, first = false;
	size_t i, cap;

	i = search(srv, name, len, &found);
	if (!found) {
		if (srv->n_online == srv->online_cap) {
			cap = srv->online_cap == 0 ? ROSTER_FIRST_CAP :
						     srv->online_cap * 2;
			srv->online = xreallocarray(srv->online, cap,
			    sizeof *srv->online);
			srv->names =
			    xreallocarray(srv->names, cap, sizeof *srv->names);
			srv->online_cap = cap;
		}
		u = xcalloc(1, sizeof *u);
		memcpy(u->name, name, len);
		u->name[len] = '\0';
		u->len = len;
		TAILQ_INIT(&u->sessions);
		memmove(&srv->online[i + 1], &srv->online[i],
		    (srv->n_online - i) * sizeof *srv->online);
		srv->online[i] = u;
		srv->n_online++;
		first = true;
	} else
		u = srv->online[i];
	TAILQ_INSERT_TAIL(&u->sessions, s, user_entry);
	u->n_sessions++;
	s->user = u;
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
	TAILQ_REMOVE(&u->sessions, s, user_entry);
	u->n_sessions--;
	s->user = NULL;
	if (u->n_sessions > 0)
		return;
	i = search(srv, u->name, u->len, &found);
	if (found) {
		memmove(&srv->online[i], &srv->online[i + 1],
		    (srv->n_online - i - 1) * sizeof *srv->online);
		srv->n_online--;
	}
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
	char buf[128];
	size_t len, i;

	m.user = MSG_STRN(u->name, u->len);
	m.online = MSG_BOOL(online);
	if (msg_encode(&m, MSG_S2C, buf, sizeof buf, &len) != 0)
		return;
	for (i = 0; i < srv->n_online; i++) {
		if (srv->online[i] != u)
			roster_send_user(srv->online[i], buf, len, NULL);
	}
}

/* Encodes login_ok (login_user set) or users. */
int
roster_encode(struct server *srv, const char *login_user, char *buf, size_t cap,
    size_t *len)
{
	struct msg m = { .type = MSG_USERS };
	size_t i;

	for (i = 0; i < srv->n_online; i++)
		srv->names[i] = srv->online[i]->name;
	if (login_user != NULL) {
		m.type = MSG_LOGIN_OK;
		m.user = MSG_STR(login_user);
	}
	m.users = MSG_LIST(srv->names, srv->n_online);
	return msg_encode(&m, MSG_S2C, buf, cap, len);
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

/* Sends pt to every logged-in session. */
void
roster_broadcast(struct server *srv, const void *pt, size_t len)
{
	size_t i;

	for (i = 0; i < srv->n_online; i++)
		roster_send_user(srv->online[i], pt, len, NULL);
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
	srv->online = NULL;
	srv->names = NULL;
	srv->n_online = srv->online_cap = 0;
}
