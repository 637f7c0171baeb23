/* cmd-kick.c: /kick, an operator removing a user from a room or the server. */
#include "client.h"

/* kick {user, room?, reason?}: its effects are the answer. */
static void
kick_handler(struct client *c, const char *args, size_t len)
{
	cmd_moderate(c, &cmd_kick_entry, MSG_KICK,
	    CMD_MOD_ROOM | CMD_MOD_REASON, args, len);
}

const struct cmd_entry cmd_kick_entry = { "/kick", "<user> [#room] [reason]",
	"operators: remove a user from a room, or from the server",
	CMD_NEEDS_LOGIN | CMD_OP, kick_handler };
