/* cmd-list.c: /list, who is online (the answer replaces the list). */
#include "client.h"

/* Asks the server for the online users. */
static void
list_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_LIST };

	(void)args;
	(void)len;
	(void)net_request(c, &m);
}

const struct cmd_entry cmd_list_entry = { "/list", "", "who is online",
	CMD_NEEDS_LOGIN, list_handler };
