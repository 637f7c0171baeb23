/* cmd-connect.c: /connect and its alias /reconnect: connect again now,
 * without restarting the client (after a refused server key was fixed
 * in known_servers, a wrong password, or a stuck link). Logged in
 * before, it logs in again and rejoins its rooms as after any
 * reconnect. */
#include "client.h"

/* Drops the link, if any, and connects at once; e names the command
 * for its usage. */
static void
reconnect(struct client *c, const struct cmd_entry *e, const char *args,
    size_t len)
{
	const char *word;
	size_t pos = 0;

	if (cmd_word(args, len, &pos, &word) > 0) {
		cmd_usage(c, e, false);
		return;
	}
	net_reconnect(c);
}

/* /connect. */
static void
connect_handler(struct client *c, const char *args, size_t len)
{
	reconnect(c, &cmd_connect_entry, args, len);
}

/* /reconnect. */
static void
reconnect_handler(struct client *c, const char *args, size_t len)
{
	reconnect(c, &cmd_reconnect_entry, args, len);
}

const struct cmd_entry cmd_connect_entry = { "/connect", "",
	"connect again now (a fixed server key, a stuck link)", 0,
	connect_handler };

const struct cmd_entry cmd_reconnect_entry = { "/reconnect", "",
	"the same as /connect", 0, reconnect_handler };
