/* cmd-quit.c: /quit, an orderly goodbye. */
#include "client.h"

/* Says quit and leaves once bye comes (or at once when not connected). */
static void
quit_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_QUIT };

	(void)args;
	(void)len;
	c->quitting = true;
	if (c->state >= CONN_OPEN && net_request(c, &m) == 0)
		return; /* the close ends the loop */
	event_base_loopexit(c->base, NULL);
}

const struct cmd_entry cmd_quit_entry = { "/quit", "", "leave", 0,
	quit_handler };
