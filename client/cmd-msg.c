/* cmd-msg.c: /msg <user> <text>, a private message (paced: outq.c). */
#include <string.h>

#include "client.h"

/* Sends text (everything after the name and one space) to one user. */
static void
msg_handler(struct client *c, const char *args, size_t len)
{
	char who[SC_USER_MAX_LEN + 1];
	const char *to;
	size_t pos = 0, tolen, text;

	tolen = cmd_word(args, len, &pos, &to);
	text = pos < len ? pos + 1 : pos; /* one space separates */
	if (tolen == 0 || text >= len) {
		cmd_usage(c, &cmd_msg_entry, false);
		return;
	}
	if (!text_user_valid(to, tolen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL, "bad user name");
		return;
	}
	if (!cmd_text_ok(c, args + text, len - text))
		return;
	memcpy(who, to, tolen);
	who[tolen] = '\0';
	outq_line(c, true, who, false, args + text, len - text);
}

const struct cmd_entry cmd_msg_entry = { "/msg", "<user> <text>",
	"private message", CMD_NEEDS_LOGIN, msg_handler };
