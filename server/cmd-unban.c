/* cmd-unban.c: unban, lifting a user's ban. */
#include <stdio.h>

#include "server.h"

/* Lifts the ban; unbanning a user who is not banned is no error. */
static void
unban_handler(struct session *s, struct msg *req)
{
	struct room *r;
	enum msg_code code;
	char user[SC_USER_MAX_LEN + 1];
	bool was;

	/* 6: the user. */
	if ((code = moderation_target(s, req, false, &r)) != MSG_CODE_NONE) {
		session_error(s, code, "unban");
		return;
	}
	cmd_take_token(s);
	snprintf(user, sizeof user, "%.*s", (int)req->user.len, req->user.s);
	was = moderation_lift(s->srv, STORE_MOD_BAN, user, "");
	log_notice("moderation: %s unbanned %s%s", s->user->name, user,
	    was ? "" : " (was not banned)");
}

const struct cmd_entry cmd_unban_entry = { MSG_UNBAN,
	STATE_BIT(SESSION_ACTIVE) | CMD_OP_ONLY, cmd_check_tokens,
	unban_handler };
