/* cmd-topic.c: /topic [text], show or set the current room's topic. */
#include "client.h"

/* Asks for the topic, or sets it to the rest of the line. */
static void
topic_handler(struct client *c, const char *args, size_t len)
{
	struct msg m = { .type = MSG_TOPIC };
	const char *room;

	if ((room = cmd_current_room(c, "/topic")) == NULL)
		return;
	if (len > 0 && args[0] == ' ') { /* one space separates */
		args++;
		len--;
	}
	m.room = MSG_STR(room);
	if (len > 0) {
		if (len > SC_TOPIC_MAX_LEN) {
			ui_line(c, LINE_ERROR, time(NULL), NULL,
			    "topic too long: %zu bytes, the limit is %d", len,
			    SC_TOPIC_MAX_LEN);
			return;
		}
		if (!cmd_text_ok(c, args, len))
			return;
		m.topic = MSG_STRN(args, len);
	}
	(void)net_request(c, &m);
}

const struct cmd_entry cmd_topic_entry = { "/topic", "[text]",
	"show or set the topic of this room", CMD_NEEDS_LOGIN, topic_handler };
