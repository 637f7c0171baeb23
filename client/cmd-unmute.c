/* cmd-unmute.c: /unmute, lifting a user's mute in a room or everywhere. */
#include "client.h"

/* unmute {user, room?}. */
static void
unmute_handler(struct client *c, const char *args, size_t len)
{
	cmd_moderate(c, &cmd_unmute_entry, MSG_UNMUTE, CMD_MOD_ROOM, args, len);
}

const struct cmd_entry cmd_unmute_entry = { "/unmute", "<user> [#room]",
	"operators: lift a mute (everywhere, or in one room)",
	CMD_NEEDS_LOGIN | CMD_OP, unmute_handler };
