/* cmd-history.c: /history, the newest stored messages of the current
 * room or private conversation (PROTOCOL.md section 7): the terminal
 * adds those it does not show yet (it asks by itself on joining, on
 * opening a conversation and after a reconnect; PgUp at the top asks for
 * older ones); batch mode prints them, each with its own time. */
#include "client.h"

/* Asks the current buffer's newest page. */
static void
history_handler(struct client *c, const char *args, size_t len)
{
	struct buffer *b = buffer_current(&c->bufs);
	const char *word;
	size_t pos = 0;

	if (cmd_word(args, len, &pos, &word) > 0) {
		cmd_usage(c, &cmd_history_entry, false);
		return;
	}
	if (b->kind == BUFFER_QUERY) {
		events_history_ask(c, b, 0);
		return;
	}
	if (cmd_current_room(c, "no history here") != NULL)
		events_history_ask(c, b, 0);
}

const struct cmd_entry cmd_history_entry = { "/history", "",
	"the newest stored messages of this room or conversation",
	CMD_NEEDS_LOGIN, history_handler };
