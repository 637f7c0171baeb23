/* cmd-quit.c: quit, an orderly goodbye. */
#include "server.h"

/* Answers bye and closes once it is sent. */
static void
quit_handler(struct session *s, struct msg *req)
{
	(void)req;
	session_bye(s, "quit");
}

const struct cmd_entry cmd_quit_entry = { MSG_QUIT,
	STATE_BIT(SESSION_AUTH) | STATE_BIT(SESSION_ACTIVE), NULL,
	quit_handler };
