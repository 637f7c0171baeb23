/* cmd-kick.c: kick, an operator removing a user from a room or the server. */
#include "server.h"

/* With room: the user's sessions leave it (parted, room_part with by);
 * without: every session of the user gets bye and is closed. */
static void
kick_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct roster_user *u;
	struct room *r;
	enum msg_code code;
	struct msg_str by = MSG_STRN(s->user->name, s->user->len);
	char tail[512];

	/* 6: the user, not an operator, the room, a session there. */
	if ((code = moderation_target(s, req, true, &r)) != MSG_CODE_NONE) {
		session_error(s, code, "kick");
		return;
	}
	u = roster_find(srv, req->user.s, req->user.len);
	if (r != NULL &&
	    (u == NULL || !room_kick_user(r, u, &by, &req->reason))) {
		session_error(s, MSG_CODE_NOT_MEMBER, "kick");
		return;
	}
	if (r == NULL && u == NULL) {
		session_error(s, MSG_CODE_NOT_ONLINE, "kick");
		return;
	}
	cmd_take_token(s);
	(void)moderation_reason(req->reason.s, tail, sizeof tail);
	if (r != NULL) {
		log_notice("moderation: %s kicked %.*s from #%s%s",
		    s->user->name, (int)req->user.len, req->user.s, r->name,
		    tail);
		return;
	}
	log_notice("moderation: %s kicked %.*s from the server%s",
	    s->user->name, (int)req->user.len, req->user.s, tail);
	moderation_bye_by(u, "kicked", s->user->name, &req->reason);
}

const struct cmd_entry cmd_kick_entry = { MSG_KICK,
	STATE_BIT(SESSION_ACTIVE) | CMD_OP_ONLY, cmd_check_tokens,
	kick_handler };
