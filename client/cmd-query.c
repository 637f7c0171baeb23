/* cmd-query.c: /query <user> [text], opens (and selects) the private
 * conversation with a user, where plain text goes as msg. */
#include <string.h>

#include "client.h"

/* Opens the buffer; says the text there when given. */
static void
query_handler(struct client *c, const char *args, size_t len)
{
	char name[SC_USER_MAX_LEN + 1];
	const char *both[2], *user;
	struct buffer *b;
	size_t pos = 0, ulen;
	bool fresh;

	ulen = cmd_word(args, len, &pos, &user);
	if (ulen == 0) {
		cmd_usage(c, &cmd_query_entry, false);
		return;
	}
	if (!text_user_valid(user, ulen)) {
		ui_line(c, LINE_ERROR, time(NULL), NULL, "bad user name");
		return;
	}
	memcpy(name, user, ulen);
	name[ulen] = '\0';
	fresh = buffer_find(&c->bufs, BUFFER_QUERY, name) == NULL;
	b = buffer_open(&c->bufs, BUFFER_QUERY, name);
	if (fresh && !c->batch) /* the conversation so far */
		events_history_ask(c, b, 0);
	if (b->n_members == 0) {
		both[0] = c->me;
		both[1] = name;
		buffer_set_members(b, both, strcmp(c->me, name) == 0 ? 1 : 2);
	}
	ui_select_buffer(c, buffer_number(&c->bufs, b));
	if (pos + 1 < len) /* one space separates */
		cmd_send_text(c, args + pos + 1, len - pos - 1, false);
}

const struct cmd_entry cmd_query_entry = { "/query", "<user> [text]",
	"a private conversation in its own buffer", CMD_NEEDS_LOGIN,
	query_handler };
