/* cmd-rooms.c: /rooms, the rooms of the server with their topics. */
#include "client.h"

/* Asks for the list of rooms. */
static void
rooms_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_ROOMS };

	(void)args;
	(void)len;
	(void)net_request(c, &m);
}

const struct cmd_entry cmd_rooms_entry = { "/rooms", "",
	"the rooms, their users and topics", CMD_NEEDS_LOGIN, rooms_handler };
