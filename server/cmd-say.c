/* cmd-say.c: say, a broadcast to every logged-in session. */
#include "server.h"

/* Encodes the message once and sends it to everyone, sender included. */
static void
say_handler(struct session *s, struct msg_request *req)
{
	struct server *srv = s->srv;
	size_t len;

	if (msg_encode_say(srv->wbuf, SC_MSG_MAX_LEN, &len,
	    ++srv->last_msg_id, (int64_t)clock_now_ms(), s->user->name,
	    req->text, req->text_len) != 0) {
		session_error(s, MSG_CODE_INTERNAL, "say");
		return;
	}
	cmd_take_token(s);
	roster_broadcast(srv, srv->wbuf, len);
}

const struct cmd_entry cmd_say_entry = {
	MSG_SAY, STATE_BIT(SESSION_ACTIVE), cmd_check_tokens, say_handler
};
