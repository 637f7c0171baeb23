/* cmd-list.c: list, the online users. */
#include "server.h"

/* Answers with users, sorted by byte value. */
static void
list_handler(struct session *s, struct msg *req)
{
	size_t len;

	(void)req;
	if (roster_encode(s->srv, NULL, s->srv->wbuf, SC_MSG_MAX_LEN, &len) !=
	    0) {
		session_error(s, MSG_CODE_INTERNAL, "list");
		return;
	}
	(void)session_send(s, s->srv->wbuf, len);
}

const struct cmd_entry cmd_list_entry = { MSG_LIST, STATE_BIT(SESSION_ACTIVE),
	NULL, list_handler };
