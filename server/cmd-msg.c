/*
 * cmd-msg.c: msg, a private message to every session of one user. What
 * one user can be sent by others is bounded (msg_in_rate bytes a second,
 * msg_in_burst at once), so that many senders, each within its own rate,
 * cannot fill a recipient's output until it is cut as a slow reader.
 */
#include "server.h"

/* True when u may be sent len more bytes by others now (then taken). */
static bool
inbound_take(struct server *srv, struct roster_user *u, size_t len)
{
	uint64_t now = clock_mono_ms();

	if (u->inbound.ms == 0)
		bucket_fill(&u->inbound, srv->cfg.msg_in_burst, now);
	else
		bucket_refill(&u->inbound, srv->cfg.msg_in_rate,
		    srv->cfg.msg_in_burst, now);
	return bucket_take(&u->inbound, len);
}

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
	/* 6: within what the recipient may be sent by others: beyond it,
	 * rate_limited (no token taken; a client sends it again later). */
	if (to != s->user && !inbound_take(srv, to, len)) {
		log_peer(LOG_LEVEL_INFO, s->host,
		    "msg refused %s user %s to %s: msg_in_rate %zu bytes/s",
		    s->addr, s->user->name, to->name, srv->cfg.msg_in_rate);
		session_error(s, MSG_CODE_RATE_LIMITED, "msg");
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
