/* cmd-say.c: say, a message to every member session of a room. */
#include "server.h"

/* Encodes the message once and sends it to the room, sender included. */
static void
say_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg say = { .type = MSG_SAY, .text = req->text };
	struct room *r;
	size_t len;

	/* 6: the session itself must be in the room (lobby by default). */
	r = req->room.s == NULL ? srv->lobby :
				  room_find(srv, req->room.s, req->room.len);
	if (r == NULL || !room_has_session(r, s)) {
		session_error(s, MSG_CODE_NOT_MEMBER, "say");
		return;
	}
	if (moderation_refuse_muted(s, r->name, "say"))
		return;
	say.id = MSG_INT(++srv->last_msg_id);
	say.ts = MSG_INT(clock_now_ms());
	say.room = MSG_STRN(r->name, r->len);
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
		.room = r->name,
		.json = srv->wbuf,
		.json_len = len });
	roster_seen(srv, s->user->name, s->user->len, true)->said_ms =
	    clock_mono_ms();
	room_send(r, srv->wbuf, len, NULL);
}

const struct cmd_entry cmd_say_entry = { MSG_SAY, STATE_BIT(SESSION_ACTIVE),
	cmd_check_tokens, say_handler };
