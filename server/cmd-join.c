/* cmd-join.c: join, into a room (made by its first join). */
#include "server.h"

/* Joins (room_join to the others when the user is new there) and
 * answers joined with the topic and the members. */
static void
join_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg joined = { .type = MSG_JOINED };
	struct room *r;
	size_t n;

	/* 6: a new room for the user within max_rooms_per_user, so that
	 * its whois always fits one frame. */
	r = room_find(srv, req->room.s, req->room.len);
	if ((r == NULL || !room_has_user(r, s->user)) &&
	    s->user->n_rooms >= srv->cfg.max_rooms_per_user) {
		log_peer(LOG_LEVEL_INFO, s->host,
		    "join refused %s user %s: in max_rooms_per_user %u rooms",
		    s->addr, s->user->name, srv->cfg.max_rooms_per_user);
		session_error(s, MSG_CODE_BUSY, "join");
		return;
	}
	if (r == NULL) {
		r = room_get(srv, req->room.s, req->room.len);
		log_peer(LOG_LEVEL_INFO, s->host, "room created #%s by %s",
		    r->name, s->user->name);
	}
	cmd_take_token(s);
	(void)room_add_session(r, s, true);
	joined.room = MSG_STRN(r->name, r->len);
	joined.topic = MSG_STRN(r->topic, r->topic_len);
	n = room_names(r, srv->names);
	(void)roster_send_names(s, &joined, srv->names, n);
}

const struct cmd_entry cmd_join_entry = { MSG_JOIN, STATE_BIT(SESSION_ACTIVE),
	cmd_check_tokens, join_handler };
