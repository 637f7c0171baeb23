/* cmd-say.c: say, a broadcast to every logged-in session. */
#include "server.h"

/* Encodes the message once and sends it to everyone, sender included. */
static void
say_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg say = { .type = MSG_SAY, .text = req->text };
	size_t len;

	say.id = MSG_INT(++srv->last_msg_id);
	say.ts = MSG_INT(clock_now_ms());
	say.from = MSG_STRN(s->user->name, s->user->len);
	if (req->action.v) /* "action": true only, never false */
		say.action = MSG_BOOL(true);
	if (msg_encode(&say, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len) != 0) {
		session_error(s, MSG_CODE_INTERNAL, "say");
		return;
	}
	cmd_take_token(s);
	store_append(srv->store,
	    &(struct store_msg){ .id = (uint64_t)say.id.v,
		.ts = say.ts.v,
		.room = "lobby",
		.json = srv->wbuf,
		.json_len = len });
	roster_broadcast(srv, srv->wbuf, len);
}

const struct cmd_entry cmd_say_entry = { MSG_SAY, STATE_BIT(SESSION_ACTIVE),
	cmd_check_tokens, say_handler };
