/* cmd-names.c: /names [room], who is in a room (this one by default). */
#include "client.h"

/* Asks for the members of the room named or the current one. */
static void
names_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_NAMES };
	char room[BUFFER_NAME_MAX + 1];
	const char *word, *cur;
	size_t pos = 0, wlen;

	wlen = cmd_word(args, len, &pos, &word);
	if (wlen > 0) {
		if (!cmd_room_name(c, word, wlen, room))
			return;
		m.room = MSG_STR(room);
	} else if ((cur = cmd_current_room(c, "/names")) != NULL)
		m.room = MSG_STR(cur);
	else
		return;
	(void)net_request(c, &m);
}

const struct cmd_entry cmd_names_entry = { "/names", "[room]",
	"who is in a room (this one)", CMD_NEEDS_LOGIN, names_handler };
