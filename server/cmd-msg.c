/* cmd-msg.c: msg, a private message to every session of one user. */
#include "server.h"

/* Delivers to the target's sessions and echoes to the sender's. */
static void
msg_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg out = { .type = MSG_MSG, .text = req->text };
	struct roster_user *to;
	size_t len;

	/* 6: the target must be online. */
	if ((to = roster_find(srv, req->to.s, req->to.len)) == NULL) {
		session_error(s, MSG_CODE_NOT_ONLINE, "msg");
		return;
	}
	if (moderation_refuse_muted(s, NULL, "msg"))
		return;
	out.id = MSG_INT(++srv->last_msg_id);
	out.ts = MSG_INT(clock_now_ms());
	out.from = MSG_STRN(s->user->name, s->user->len);
	out.to = MSG_STRN(to->name, to->len);
	if (req->action.v) /* "action": true only, never false */
		out.action = MSG_BOOL(true);
	if (msg_encode(&out, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len) != 0) {
		session_error(s, MSG_CODE_INTERNAL, "msg");
		return;
	}
	cmd_take_token(s);
	store_append(srv->store,
	    &(struct store_msg){ .id = (uint64_t)out.id.v,
		.ts = out.ts.v,
		.from = s->user->name,
		.to = to->name,
		.json = srv->wbuf,
		.json_len = len });
	roster_seen(srv, s->user->name, s->user->len, true)->said_ms =
	    clock_mono_ms(); /* whois idle_s */
	roster_send_user(to, srv->wbuf, len, NULL);
	/* A message to oneself is delivered once per session. */
	if (to != s->user)
		roster_send_user(s->user, srv->wbuf, len, NULL);
}

const struct cmd_entry cmd_msg_entry = { MSG_MSG, STATE_BIT(SESSION_ACTIVE),
	cmd_check_tokens, msg_handler };
