/* cmd-me.c: /me <text>, an action ("* alice waves") in the current
 * buffer. */
#include "client.h"

/* Sends the text as an action where the current buffer says. */
static void
me_handler(struct client *c, const char *args, size_t len)
{
	if (len > 0 && args[0] == ' ') { /* one space separates */
		args++;
		len--;
	}
	if (len == 0) {
		cmd_usage(c, &cmd_me_entry, false);
		return;
	}
	cmd_send_text(c, args, len, true);
}

const struct cmd_entry cmd_me_entry = { "/me", "<text>",
	"an action: /me waves shows * you waves", CMD_NEEDS_LOGIN, me_handler };
