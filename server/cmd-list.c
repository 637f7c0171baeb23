/* cmd-list.c: list, the online users. */
#include "server.h"

/* Answers with users, sorted by byte value, in parts when long. */
static void
list_handler(struct session *s, struct msg *req)
{
	(void)req;
	(void)roster_send_users(s, NULL);
}

const struct cmd_entry cmd_list_entry = { MSG_LIST, STATE_BIT(SESSION_ACTIVE),
	NULL, list_handler };
