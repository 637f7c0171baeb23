/* cmd-login.c: /login <user> [password], asking for the password when
 * it is not given (batch mode needs it on the line). */
#include <string.h>

#include "client.h"

/* Checks the name, then logs in now or once connected. */
static void
login_handler(struct client *c, const char *args, size_t len)
{
	const char *user, *pw;
	size_t pos = 0, ulen, plen;
	char name[SC_USER_MAX_LEN + 1];

	ulen = cmd_word(args, len, &pos, &user);
	while (pos < len && args[pos] == ' ')
		pos++;
	pw = args + pos;
	plen = len - pos;
	if (ulen == 0) {
		cmd_usage(c, &cmd_login_entry, false);
		return;
	}
	if (!text_user_valid(user, ulen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "bad user name: 1 to "
		    "%d characters of A-Z a-z 0-9 _ . -",
		    SC_USER_MAX_LEN);
		return;
	}
	if (c->state == CONN_LOGGED_IN || c->state == CONN_LOGGING_IN) {
		ui_line(c, LINE_ERROR, time(NULL), NULL, "already logged in");
		return;
	}
	memcpy(name, user, ulen);
	name[ulen] = '\0';
	if (plen == 0) {
		if (c->batch)
			cmd_usage(c, &cmd_login_entry, true);
		else
			input_prompt_password(c, name);
		return;
	}
	if (!text_password_valid(pw, plen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "bad password: 1 to %d bytes", SC_PASSWORD_MAX_LEN);
		return;
	}
	net_keep_credentials(c, name, pw, plen);
	if (c->state == CONN_OPEN)
		net_login(c);
	else
		ui_line(c, LINE_INFO, time(NULL), NULL,
		    "not connected yet: will log in once connected");
}

const struct cmd_entry cmd_login_entry = { "/login", "<user> [password]",
	"log in (asks for the password)", CMD_SECRET, login_handler };
