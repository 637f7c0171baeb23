/* cmd-ban.c: /ban, an operator keeping a user off the server. */
#include "client.h"

/* ban {user, seconds?, reason?}. */
static void
ban_handler(struct client *c, const char *args, size_t len)
{
	cmd_moderate(c, &cmd_ban_entry, MSG_BAN, CMD_MOD_TIME | CMD_MOD_REASON,
	    args, len);
}

const struct cmd_entry cmd_ban_entry = { "/ban", "<user> [time] [reason]",
	"operators: disconnect a user and refuse its logins",
	CMD_NEEDS_LOGIN | CMD_OP, ban_handler };
