/* cmd-mute.c: mute, an operator silencing a user in a room or everywhere. */
#include "server.h"

/* Sets (or replaces) the mute; its effect is the answer (no reply). */
static void
mute_handler(struct session *s, struct msg *req)
{
	struct store_mod m;
	struct room *r;
	enum msg_code code;
	char tail[512], room[SC_ROOM_MAX_LEN + 8] = "";

	/* 6: the user, not an operator, the room. */
	if ((code = moderation_target(s, req, true, &r)) != MSG_CODE_NONE) {
		session_error(s, code, "mute");
		return;
	}
	cmd_take_token(s);
	moderation_record(s, req, STORE_MOD_MUTE, r != NULL ? r->name : "", &m);
	moderation_set(s->srv, &m);
	if (r != NULL)
		snprintf(room, sizeof room, " in #%s", r->name);
	log_notice("moderation: %s muted %s%s%s", s->user->name, m.user,
	    r != NULL ? room : " everywhere",
	    moderation_why(&m, tail, sizeof tail));
}

const struct cmd_entry cmd_mute_entry = { MSG_MUTE,
	STATE_BIT(SESSION_ACTIVE) | CMD_OP_ONLY, cmd_check_tokens,
	mute_handler };
