/* cmd-whois.c: /whois <user>, who a user is and where. */
#include "client.h"

/* Asks about one user. */
static void
whois_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_WHOIS };
	const char *user;
	size_t pos = 0, ulen;

	ulen = cmd_word(args, len, &pos, &user);
	if (ulen == 0) {
		cmd_usage(c, &cmd_whois_entry, false);
		return;
	}
	if (!text_user_valid(user, ulen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL, "bad user name");
		return;
	}
	m.user = MSG_STRN(user, ulen);
	(void)net_request(c, &m);
}

const struct cmd_entry cmd_whois_entry = { "/whois", "<user>",
	"who a user is: online, rooms, away, idle", CMD_NEEDS_LOGIN,
	whois_handler };
