/* cmd-search.c: /search <text>, find text in the current buffer's log
 * (as Ctrl-R does): the view jumps to the newest match, Ctrl-R or Up
 * goes to older ones, Down newer, Enter or Esc ends. */
#include "client.h"

/* Starts the search with the rest of the line. */
static void
search_handler(struct client *c, const char *args, size_t len)
{
	size_t pos = 0;

	while (pos < len && args[pos] == ' ')
		pos++;
	if (pos == len) {
		cmd_usage(c, &cmd_search_entry, false);
		return;
	}
	input_search(c, args + pos, len - pos);
}

const struct cmd_entry cmd_search_entry = { "/search", "<text>",
	"find text in this buffer (then Up/Down, Enter)", 0, search_handler };
