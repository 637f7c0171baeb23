/* cmd-ban.c: ban, an operator keeping a user off the server. */
#include <stdio.h>
#include <stdlib.h>

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
	char tail[512], *bye;
	size_t n;

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
	n = s->user->len + req->reason.len + 32;
	bye = xmalloc(n);
	snprintf(bye, n, "banned by %s%s%s", s->user->name,
	    req->reason.s != NULL ? ": " : "",
	    req->reason.s != NULL ? req->reason.s : "");
	moderation_bye_user(u, "banned", bye);
	free(bye);
}

const struct cmd_entry cmd_ban_entry = { MSG_BAN,
	STATE_BIT(SESSION_ACTIVE) | CMD_OP_ONLY, cmd_check_tokens,
	ban_handler };
