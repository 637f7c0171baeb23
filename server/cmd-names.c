/* cmd-names.c: names, the members of a room. */
#include "server.h"

/* Answers names {room, users, more?}, in parts when long. */
static void
names_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg names = { .type = MSG_NAMES };
	struct room *r;
	size_t n;

	/* 6: a room that exists (first), with this session in it. */
	if ((r = room_find(srv, req->room.s, req->room.len)) == NULL) {
		session_error(s, MSG_CODE_NO_SUCH_ROOM, "names");
		return;
	}
	if (!room_has_session(r, s)) {
		session_error(s, MSG_CODE_NOT_MEMBER, "names");
		return;
	}
	names.room = MSG_STRN(r->name, r->len);
	n = room_names(r, srv->names);
	(void)roster_send_names(s, &names, srv->names, n);
}

const struct cmd_entry cmd_names_entry = { MSG_NAMES, STATE_BIT(SESSION_ACTIVE),
	NULL, names_handler };
