/* cmd-say.c: a line that is not a command (or "//text", which cmd.c
 * turns into "/text") is said in the current buffer: to its room, or to
 * the other user of a private conversation. */
#include "client.h"

/* Sends the whole line where the current buffer says. */
static void
say_handler(struct client *c, const char *text, size_t len)
{
	cmd_send_text(c, text, len, false);
}

/* Not in the table: it has no name to type or complete. */
const struct cmd_entry cmd_say_entry = { "", "<text>",
	"say text in the current buffer", CMD_NEEDS_LOGIN, say_handler };
