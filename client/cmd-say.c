/* cmd-say.c: a line that is not a command (or "//text", which cmd.c
 * turns into "/text") is said to everyone. */
#include "client.h"

/* Sends the whole line as a say. */
static void
say_handler(struct client *c, const char *text, size_t len)
{
	struct msg m = { .type = MSG_SAY, .text = MSG_STRN(text, len) };

	if (cmd_text_ok(c, text, len))
		(void)net_request(c, &m);
}

/* Not in the table: it has no name to type or complete. */
const struct cmd_entry cmd_say_entry = { "", "<text>", "say text to everyone",
	CMD_NEEDS_LOGIN, say_handler };
