/* cmd-join.c: /join <room>, into a room ("#room" too); its buffer opens
 * and becomes current when the server says joined. */
#include <stdio.h>

#include "client.h"

/* Sends join and remembers which buffer to select. */
static void
join_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_JOIN };
	char room[BUFFER_NAME_MAX + 1];
	const char *word;
	size_t pos = 0, wlen;

	wlen = cmd_word(args, len, &pos, &word);
	if (wlen == 0) {
		cmd_usage(c, &cmd_join_entry, false);
		return;
	}
	if (!cmd_room_name(c, word, wlen, room))
		return;
	m.room = MSG_STR(room);
	if (net_request(c, &m) == 0)
		snprintf(c->join_pending, sizeof c->join_pending, "%s", room);
}

const struct cmd_entry cmd_join_entry = { "/join", "<room>",
	"join a room (it opens a buffer)", CMD_NEEDS_LOGIN, join_handler };
