/* cmd-mute.c: /mute, an operator silencing a user in a room or everywhere. */
#include "client.h"

/* mute {user, room?, seconds?, reason?}. */
static void
mute_handler(struct client *c, const char *args, size_t len)
{
	cmd_moderate(c, &cmd_mute_entry, MSG_MUTE,
	    CMD_MOD_ROOM | CMD_MOD_TIME | CMD_MOD_REASON, args, len);
}

const struct cmd_entry cmd_mute_entry = { "/mute",
	"<user> [#room] [time] [reason]",
	"operators: silence a user (time: 90, 15m, 2h, 7d)",
	CMD_NEEDS_LOGIN | CMD_OP, mute_handler };
