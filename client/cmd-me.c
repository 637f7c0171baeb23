/* cmd-me.c: /me <text>, an action ("* alice waves") said to everyone. */
#include "client.h"

/* Sends the text as a say marked as an action. */
static void
me_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_SAY };

	if (len > 0 && args[0] == ' ') { /* one space separates */
		args++;
		len--;
	}
	if (len == 0) {
		cmd_usage(c, &cmd_me_entry, false);
		return;
	}
	m.text = MSG_STRN(args, len);
	m.action = MSG_BOOL(true);
	if (cmd_text_ok(c, args, len))
		(void)net_request(c, &m);
}

const struct cmd_entry cmd_me_entry = { "/me", "<text>",
	"an action: /me waves shows * you waves", CMD_NEEDS_LOGIN, me_handler };
