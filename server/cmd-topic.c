/* cmd-topic.c: topic, asking for a room's topic or setting it. */
#include "server.h"

/* Without topic answers {room, topic}; with it sets it ("" clears) and
 * announces {room, topic, by, ts} to every member session. */
static void
topic_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg out = { .type = MSG_TOPIC };
	struct room *r;
	size_t len;

	/* 6: a room that exists (first), with this session in it. */
	if ((r = room_find(srv, req->room.s, req->room.len)) == NULL) {
		session_error(s, MSG_CODE_NO_SUCH_ROOM, "topic");
		return;
	}
	if (!room_has_session(r, s)) {
		session_error(s, MSG_CODE_NOT_MEMBER, "topic");
		return;
	}
	cmd_take_token(s);
	if (req->topic.s != NULL)
		room_set_topic(srv, r, req->topic.s, req->topic.len);
	out.room = MSG_STRN(r->name, r->len);
	out.topic = MSG_STRN(r->topic, r->topic_len);
	if (req->topic.s != NULL) {
		out.by = MSG_STRN(s->user->name, s->user->len);
		out.ts = MSG_INT(clock_now_ms());
		log_peer(LOG_LEVEL_INFO, s->host, "topic set #%s by %s",
		    r->name, s->user->name);
	}
	if (msg_encode(&out, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len) != 0) {
		session_error(s, MSG_CODE_INTERNAL, "topic");
		return;
	}
	if (req->topic.s != NULL)
		room_send(r, srv->wbuf, len, NULL);
	else
		(void)session_send(s, srv->wbuf, len);
}

const struct cmd_entry cmd_topic_entry = { MSG_TOPIC, STATE_BIT(SESSION_ACTIVE),
	cmd_check_tokens, topic_handler };
