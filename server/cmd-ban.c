/* cmd-ban.c: ban, an operator keeping a user off the server. */
#include "server.h"

/* Sets (or replaces) the ban and closes the user's sessions with bye. */
static void
ban_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct roster_user *u;
	struct store_mod m;
	struct room *r;
	enum msg_code code;
	char tail[512];

	/* 6: the user, not an operator. */
	if ((code = moderation_target(s, req, true, &r)) != MSG_CODE_NONE) {
		session_error(s, code, "ban");
		return;
	}
	cmd_take_token(s);
	moderation_record(s, req, STORE_MOD_BAN, "", &m);
	moderation_set(srv, &m);
	log_notice("moderation: %s banned %s%s", s->user->name, m.user,
	    moderation_why(&m, tail, sizeof tail));
	if ((u = roster_find(srv, req->user.s, req->user.len)) == NULL)
		return;
	moderation_bye_by(u, "banned", s->user->name, &req->reason);
}

const struct cmd_entry cmd_ban_entry = { MSG_BAN,
	STATE_BIT(SESSION_ACTIVE) | CMD_OP_ONLY, cmd_check_tokens,
	ban_handler };
