/* cmd-list.c: /list, who is online (the answer replaces the list). */
#include "client.h"

/* Asks the server for the online users. */
static void
list_handler(struct client *c, const char *args, size_t len)
{
	size_t out;

	(void)args;
	(void)len;
	if (msg_encode_list(c->wbuf, SC_MSG_MAX_LEN, &out) == 0)
		(void)net_send(c, c->wbuf, out);
}

const struct cmd_entry cmd_list_entry = {
	"/list", "", "who is online",
	CMD_NEEDS_LOGIN, list_handler
};
