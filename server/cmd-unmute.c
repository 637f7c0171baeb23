/* cmd-unmute.c: unmute, lifting a user's mute in a room or everywhere. */
#include "server.h"

/* Lifts the server-wide mute, or (room) that room's; unmuting an unmuted
 * user is no error. */
static void
unmute_handler(struct session *s, struct msg *req)
{
	struct room *r;
	enum msg_code code;
	char user[SC_USER_MAX_LEN + 1];
	bool was;

	/* 6: the user, the room (an operator may be unmuted). */
	if ((code = moderation_target(s, req, false, &r)) != MSG_CODE_NONE) {
		session_error(s, code, "unmute");
		return;
	}
	cmd_take_token(s);
	snprintf(user, sizeof user, "%.*s", (int)req->user.len, req->user.s);
	was = moderation_lift(s->srv, STORE_MOD_MUTE, user,
	    r != NULL ? r->name : "");
	log_notice("moderation: %s unmuted %s %s%s%s", s->user->name, user,
	    r != NULL ? "in #" : "everywhere", r != NULL ? r->name : "",
	    was ? "" : " (was not muted)");
}

const struct cmd_entry cmd_unmute_entry = { MSG_UNMUTE,
	STATE_BIT(SESSION_ACTIVE) | CMD_OP_ONLY, cmd_check_tokens,
	unmute_handler };
