/* cmd-help.c: /help, the commands (from the table) and the keys. */
#include <stdlib.h>

#include "client.h"
#include "xmalloc.h"

#define HELP_COLUMN 25 /* width of the "/name usage" column */

/* What the table cannot say: the say escape and the keys. */
static const char *const help_say[2] = {
	"//text",
	"say text that starts with /",
};
static const char *const help_keys[] = {
	"keys: PgUp/PgDn scroll (top: older history), End/Alt+End newest,",
	"      F11/F12 or Alt+PgUp/PgDn or Alt+Up/Down user list,",
	"      Ctrl-R search the log (again/Up older, Down newer, Esc end),",
	"      Tab complete, Up/Down history, Ctrl-L redraw,",
	"      a paste is one message (asks above 5 lines),",
	"      Alt+1..9 buffer 1..9, Alt+0 server buffer,",
	"      Alt+Left/Right or Ctrl-P/Ctrl-N previous/next buffer",
};

/* Lists every command with its usage and help, then the keys. */
static void
help_handler(struct client *c, const char *args, size_t len)
{
	const struct cmd_entry *e;
	char *left;
	size_t i;

	(void)args;
	(void)len;
	for (i = 0; i < cmd_table_len; i++) {
		e = cmd_table[i];
		if ((e->flags & CMD_OP) != 0 && !c->is_op)
			continue; /* operators' commands: to operators */
		left = xasprintf("%s%s%s", e->name,
		    e->usage[0] != '\0' ? " " : "", e->usage);
		ui_line(c, LINE_INFO, time(NULL), NULL, "%-*s %s", HELP_COLUMN,
		    left, e->help);
		free(left);
	}
	ui_line(c, LINE_INFO, time(NULL), NULL, "%-*s %s", HELP_COLUMN,
	    help_say[0], help_say[1]);
	for (i = 0; i < sizeof help_keys / sizeof help_keys[0]; i++)
		ui_line(c, LINE_INFO, time(NULL), NULL, "%s", help_keys[i]);
}

const struct cmd_entry cmd_help_entry = { "/help", "",
	"this list of commands and keys", 0, help_handler };
