/*
 * room.c: the rooms of PROTOCOL.md section 7. A room has a name, a topic
 * and member sessions; a user is a member while any of its sessions is
 * (each room keeps its users sorted, with a count of their sessions in
 * it). Every session joins the lobby at login. Rooms are made by their
 * first join and stay, empty or not, for the server's lifetime (storage
 * keeps them across restarts). Membership events (room_join, room_part)
 * are sent from here.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "store.h"

#define ROOM_LOBBY     "lobby"
#define ROOM_FIRST_CAP 16 /* rooms and room users, grown by doubling */

/* The name of an element of srv->rooms. */
static const char *
room_name_of(const void *elem, size_t *len)
{
	const struct room *r = *(struct room *const *)elem;

	*len = r->len;
	return r->name;
}

/* The name of an element of a room's users. */
static const char *
room_user_name_of(const void *elem, size_t *len)
{
	const struct roster_user *u = ((const struct room_user *)elem)->user;

	*len = u->len;
	return u->name;
}

/* Binary search of the rooms: the index of name or where it would go. */
static size_t
search_room(struct server *srv, const char *name, size_t len, bool *found)
{
	return sorted_search(srv->rooms, srv->n_rooms, sizeof *srv->rooms, name,
	    len, room_name_of, found);
}

/* Binary search of r's users for u. */
static size_t
search_user(const struct room *r, const struct roster_user *u, bool *found)
{
	return sorted_search(r->users, r->n_users, sizeof *r->users, u->name,
	    u->len, room_user_name_of, found);
}

/* Hands a new room or a topic change to storage. */
static void
persist_room(struct server *srv, struct room *r)
{
	if (srv->store != NULL)
		store_room_save(srv->store, r->name, r->topic);
}

/* Makes room name[0..len) with no topic and inserts it. */
static struct room *
create(struct server *srv, const char *name, size_t len)
{
	struct room *r, **slot;
	bool found;
	size_t i;

	i = search_room(srv, name, len, &found);
	if (found)
		return srv->rooms[i];
	r = xcalloc(1, sizeof *r);
	r->srv = srv;
	memcpy(r->name, name, len);
	r->name[len] = '\0';
	r->len = len;
	LIST_INIT(&r->members);
	slot = sorted_insert(&srv->rooms, &srv->n_rooms, &srv->rooms_cap,
	    sizeof *srv->rooms, i, ROOM_FIRST_CAP);
	*slot = r;
	return r;
}

/* Makes the lobby. */
void
room_init(struct server *srv)
{
	srv->lobby = create(srv, ROOM_LOBBY, strlen(ROOM_LOBBY));
}

/* Frees every room and its memberships. */
void
room_free_all(struct server *srv)
{
	struct room_member *m;
	size_t i;

	for (i = 0; i < srv->n_rooms; i++) {
		while ((m = LIST_FIRST(&srv->rooms[i]->members)) != NULL) {
			LIST_REMOVE(m, room_entry);
			LIST_REMOVE(m, session_entry);
			free(m);
		}
		free(srv->rooms[i]->users);
		free(srv->rooms[i]);
	}
	free(srv->rooms);
	srv->rooms = NULL;
	srv->n_rooms = srv->rooms_cap = 0;
	srv->lobby = NULL;
}

/* The room name[0..len), or NULL. */
struct room *
room_find(struct server *srv, const char *name, size_t len)
{
	bool found;
	size_t i = search_room(srv, name, len, &found);

	return found ? srv->rooms[i] : NULL;
}

/* Finds or creates (and persists) a room; the caller logs a creation. */
struct room *
room_get(struct server *srv, const char *name, size_t len)
{
	struct room *r;

	if ((r = room_find(srv, name, len)) != NULL)
		return r;
	r = create(srv, name, len);
	persist_room(srv, r);
	return r;
}

/* True when s itself is in r. */
bool
room_has_session(const struct room *r, const struct session *s)
{
	const struct room_member *m;

	LIST_FOREACH(m, &s->rooms, session_entry)
	{
		if (m->room == r)
			return true;
	}
	return false;
}

/* True when any session of u is in r. */
bool
room_has_user(const struct room *r, const struct roster_user *u)
{
	bool found;

	(void)search_user(r, u, &found);
	return found;
}

/* A room from storage: made without events, or its topic set. */
void
room_load(struct server *srv, const char *name, const char *topic)
{
	size_t len = strlen(name), tlen = topic != NULL ? strlen(topic) : 0;
	struct room *r;

	if (!text_room_valid(name, len) || tlen > SC_TOPIC_MAX_LEN) {
		log_warn("storage: skipping a bad room \"%.*s\"",
		    (int)(len < SC_SHOWN_NAME_MAX ? len : SC_SHOWN_NAME_MAX),
		    name);
		return;
	}
	r = create(srv, name, len);
	memcpy(r->topic, topic != NULL ? topic : "", tlen);
	r->topic[tlen] = '\0';
	r->topic_len = tlen;
}

/* The membership of s in r, or NULL. */
static struct room_member *
membership(const struct room *r, const struct session *s)
{
	struct room_member *m;

	LIST_FOREACH(m, &s->rooms, session_entry)
	{
		if (m->room == r)
			return m;
	}
	return NULL;
}

/* Encodes a room_join or room_part of u and sends it to r's members. */
static void
announce_change(struct room *r, struct roster_user *u, bool joined,
    const struct msg_str *by, const struct msg_str *reason,
    struct session *except)
{
	struct msg m = { .type = joined ? MSG_ROOM_JOIN : MSG_ROOM_PART };
	char buf[SC_TEXT_MAX_LEN * 2 + 256];
	size_t len;

	m.room = MSG_STRN(r->name, r->len);
	m.user = MSG_STRN(u->name, u->len);
	if (by != NULL)
		m.by = *by;
	if (reason != NULL && reason->s != NULL)
		m.reason = *reason;
	if (msg_encode(&m, MSG_S2C, buf, sizeof buf, &len) != 0) {
		log_err("cannot encode a membership event of #%s", r->name);
		return;
	}
	room_send(r, buf, len, except);
}

/* Adds s to r; true (and room_join) when its user is new there. */
bool
room_add_session(struct room *r, struct session *s, bool announce)
{
	struct roster_user *u = s->user;
	struct room_member *m;
	struct room_user *ru;
	bool found;
	size_t i;

	if (membership(r, s) != NULL)
		return false;
	m = xcalloc(1, sizeof *m);
	m->room = r;
	m->session = s;
	LIST_INSERT_HEAD(&r->members, m, room_entry);
	LIST_INSERT_HEAD(&s->rooms, m, session_entry);

	i = search_user(r, u, &found);
	if (found) {
		r->users[i].n_sessions++;
		return false;
	}
	ru = sorted_insert(&r->users, &r->n_users, &r->users_cap,
	    sizeof *r->users, i, ROOM_FIRST_CAP);
	ru->user = u;
	ru->n_sessions = 1;
	u->n_rooms++;
	if (announce && !s->srv->stopping)
		announce_change(r, u, true, NULL, NULL, s);
	return true;
}

/* Removes s from r; room_part when its user's last session left. */
void
room_remove_session(struct room *r, struct session *s,
    const struct msg_str *reason, bool announce)
{
	struct roster_user *u = s->user;
	struct room_member *m;
	bool found;
	size_t i;

	if ((m = membership(r, s)) == NULL)
		return;
	LIST_REMOVE(m, room_entry);
	LIST_REMOVE(m, session_entry);
	free(m);

	i = search_user(r, u, &found);
	if (!found)
		log_fatal("room #%s lost user %s", r->name, u->name);
	if (--r->users[i].n_sessions > 0)
		return;
	sorted_remove(r->users, &r->n_users, sizeof *r->users, i);
	u->n_rooms--;
	if (announce && !s->srv->stopping)
		announce_change(r, u, false, NULL, reason, s);
}

/* Kicks every session of u out of r: parted to them, room_part with by
 * to the others. */
bool
room_kick_user(struct room *r, struct roster_user *u, const struct msg_str *by,
    const struct msg_str *reason)
{
	struct msg parted = { .type = MSG_PARTED };
	struct room_member *m, *next;
	struct session *s;
	char *buf;
	size_t len;
	bool any = false;

	parted.room = MSG_STRN(r->name, r->len);
	parted.by = *by;
	if (reason != NULL && reason->s != NULL)
		parted.reason = *reason;
	buf = xmalloc(SC_MSG_MAX_LEN);
	if (msg_encode(&parted, MSG_S2C, buf, SC_MSG_MAX_LEN, &len) != 0)
		len = 0;
	for (m = LIST_FIRST(&r->members); m != NULL; m = next) {
		next = LIST_NEXT(m, room_entry);
		s = m->session;
		if (s->user != u)
			continue;
		any = true;
		if (len != 0)
			(void)session_send(s, buf, len);
		room_remove_session(r, s, NULL, false);
	}
	free(buf);
	if (any)
		announce_change(r, u, false, by, reason, NULL);
	return any;
}

/* Leaves every room of an ending session. */
void
room_session_end(struct session *s, bool announce)
{
	struct room_member *m;

	while ((m = LIST_FIRST(&s->rooms)) != NULL)
		room_remove_session(m->room, s, NULL, announce);
}

/* Sets or clears the topic and persists it. */
void
room_set_topic(struct server *srv, struct room *r, const char *topic,
    size_t len)
{
	if (len > SC_TOPIC_MAX_LEN)
		log_fatal("topic of #%s too long", r->name);
	memcpy(r->topic, topic, len);
	r->topic[len] = '\0';
	r->topic_len = len;
	persist_room(srv, r);
}

/* Sends pt to r's live member sessions (a fan-out: fanout.c). */
void
room_send(struct room *r, const void *pt, size_t len, struct session *except)
{
	struct room_member *m;
	struct fanout f;

	fanout_begin(&f, r->srv, pt, len);
	LIST_FOREACH(m, &r->members, room_entry)
	{
		if (m->session != except)
			fanout_add(&f, m->session);
	}
	fanout_end(&f);
}

/* Marks u for this fan-out; true when it was not marked yet. */
static bool
mark(struct server *srv, struct roster_user *u)
{
	if (u->mark == srv->mark)
		return false;
	u->mark = srv->mark;
	return true;
}

/* Sends pt to u and to every user sharing a room with u, once each. */
void
room_send_neighbours(struct server *srv, struct roster_user *u, const void *pt,
    size_t len)
{
	struct room_member *m;
	struct session *s;
	struct fanout f;
	struct room *r;
	size_t i;

	if (++srv->mark == 0) {
		/* Wrapped: no user may keep a mark that looks current. */
		for (i = 0; i < srv->n_online; i++)
			srv->online[i]->mark = 0;
		srv->mark = 1;
	}
	fanout_begin(&f, srv, pt, len);
	mark(srv, u);
	roster_fanout_user(&f, u);
	TAILQ_FOREACH(s, &u->sessions, user_entry)
	{
		LIST_FOREACH(m, &s->rooms, session_entry)
		{
			r = m->room;
			for (i = 0; i < r->n_users; i++) {
				if (mark(srv, r->users[i].user))
					roster_fanout_user(&f,
					    r->users[i].user);
			}
		}
	}
	fanout_end(&f);
}

/* r's member names, sorted. */
size_t
room_names(const struct room *r, const char **names)
{
	size_t i;

	for (i = 0; i < r->n_users; i++)
		names[i] = r->users[i].user->name;
	return r->n_users;
}

/* The union of the rooms of u's sessions, sorted (as the rooms are). */
size_t
room_user_rooms(struct server *srv, struct roster_user *u, const char **out,
    size_t max)
{
	size_t i, n = 0;
	bool found;

	for (i = 0; i < srv->n_rooms && n < max; i++) {
		(void)search_user(srv->rooms[i], u, &found);
		if (found)
			out[n++] = srv->rooms[i]->name;
	}
	return n;
}
