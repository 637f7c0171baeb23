/* cmd-away.c: away, with text away and without it back. */
#include <string.h>

#include "server.h"

/* Sets or clears the away state and sends away {user, text?} to every
 * session of every user sharing a room with the user, its own too. */
static void
away_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct roster_user *u = s->user;
	struct msg out = { .type = MSG_AWAY };
	size_t len;

	/* No target: the text's rules were checked at step 5. */
	cmd_take_token(s);
	u->away = req->text.s != NULL;
	u->away_len = u->away ? req->text.len : 0;
	memcpy(u->away_text, u->away ? req->text.s : "", u->away_len);
	u->away_text[u->away_len] = '\0';

	out.user = MSG_STRN(u->name, u->len);
	if (u->away)
		out.text = MSG_STRN(u->away_text, u->away_len);
	if (msg_encode(&out, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len) != 0) {
		session_error(s, MSG_CODE_INTERNAL, "away");
		return;
	}
	room_send_neighbours(srv, u, srv->wbuf, len);
}

const struct cmd_entry cmd_away_entry = { MSG_AWAY, STATE_BIT(SESSION_ACTIVE),
	cmd_check_tokens, away_handler };
