/* cmd-ping.c: ping, answered by pong with the same id. */
#include "server.h"

/* Answers pong, echoing the id when one was sent. */
static void
ping_handler(struct session *s, struct msg *req)
{
	struct msg pong = { .type = MSG_PONG, .id = req->id };
	char buf[64];
	size_t len;

	if (msg_encode(&pong, MSG_S2C, buf, sizeof buf, &len) != 0) {
		session_error(s, MSG_CODE_INTERNAL, "ping");
		return;
	}
	(void)session_send(s, buf, len);
}

const struct cmd_entry cmd_ping_entry = { MSG_PING,
	STATE_BIT(SESSION_AUTH) | STATE_BIT(SESSION_ACTIVE), NULL,
	ping_handler };
