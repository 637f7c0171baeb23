/* cmd-away.c: /away [text], away with a reason; without one, back. */
#include "client.h"

/* Sends away with the text, or without to be back. */
static void
away_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_AWAY };

	while (len > 0 && args[0] == ' ') {
		args++;
		len--;
	}
	if (len > 0) {
		if (len > SC_AWAY_MAX_LEN) {
			ui_line(c, LINE_ERROR, time(NULL), NULL,
			    "away text too long: %zu bytes, the limit is %d",
			    len, SC_AWAY_MAX_LEN);
			return;
		}
		if (!cmd_text_ok(c, args, len))
			return;
		m.text = MSG_STRN(args, len);
	}
	(void)net_request(c, &m);
}

const struct cmd_entry cmd_away_entry = { "/away", "[text]",
	"away (with a reason); without text: back", CMD_NEEDS_LOGIN,
	away_handler };
