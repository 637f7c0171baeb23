/* cmd-part.c: part, leaving a room (the lobby too). */
#include "server.h"

/* Leaves (room_part to the others when it was the user's last session
 * there) and answers parted. */
static void
part_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg parted = { .type = MSG_PARTED };
	struct room *r;
	size_t len;

	/* 6: the session itself must be in the room. */
	r = room_find(srv, req->room.s, req->room.len);
	if (r == NULL || !room_has_session(r, s)) {
		session_error(s, MSG_CODE_NOT_MEMBER, "part");
		return;
	}
	parted.room = MSG_STRN(r->name, r->len);
	if (msg_encode(&parted, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len) !=
	    0) {
		session_error(s, MSG_CODE_INTERNAL, "part");
		return;
	}
	cmd_take_token(s);
	(void)session_send(s, srv->wbuf, len);
	room_remove_session(r, s, &req->reason, true);
}

const struct cmd_entry cmd_part_entry = { MSG_PART, STATE_BIT(SESSION_ACTIVE),
	cmd_check_tokens, part_handler };
