/* cmd-unban.c: /unban, lifting a user's ban. */
#include "client.h"

/* unban {user}. */
static void
unban_handler(struct client *c, const char *args, size_t len)
{
	cmd_moderate(c, &cmd_unban_entry, MSG_UNBAN, 0, args, len);
}

const struct cmd_entry cmd_unban_entry = { "/unban", "<user>",
	"operators: lift a ban", CMD_NEEDS_LOGIN | CMD_OP, unban_handler };
