/* cmd-part.c: /part [room] [reason], leave a room (the current one by
 * default); in a private conversation or a room already left it closes
 * the buffer. */
#include <string.h>

#include "client.h"

/* True when word names a room we have a buffer for, or starts with '#'. */
static bool
names_room(struct client *c, const char *word, size_t len)
{
	char name[BUFFER_NAME_MAX + 1];

	if (len > 0 && word[0] == '#')
		return true;
	if (len == 0 || len > BUFFER_NAME_MAX)
		return false;
	memcpy(name, word, len);
	name[len] = '\0';
	return buffer_find(&c->bufs, BUFFER_ROOM, name) != NULL;
}

/* Sends part for the room named or the current one. */
static void
part_handler(struct client *c, const char *args, size_t len)
{
	struct buffer *b = buffer_current(&c->bufs);
	struct msg m = { .type = MSG_PART };
	char room[BUFFER_NAME_MAX + 1];
	const char *word, *reason;
	size_t pos = 0, wlen;

	wlen = cmd_word(args, len, &pos, &word);
	/* No room named: this buffer's (a conversation just closes). */
	if (wlen == 0 ||
	    (b->kind == BUFFER_ROOM && !names_room(c, word, wlen))) {
		if (b->kind != BUFFER_ROOM || b->parted) {
			if (wlen == 0 && buffer_close(&c->bufs, b)) {
				ui_select_buffer(c, c->bufs.current);
				return;
			}
			cmd_usage(c, &cmd_part_entry, false);
			return;
		}
		memcpy(room, b->name, sizeof room);
		pos = 0;
	} else if (!cmd_room_name(c, word, wlen, room))
		return;
	while (pos < len && args[pos] == ' ')
		pos++;
	reason = args + pos;
	if (pos < len) {
		if (!cmd_text_ok(c, reason, len - pos))
			return;
		m.reason = MSG_STRN(reason, len - pos);
	}
	m.room = MSG_STR(room);
	if (net_request(c, &m) == 0)
		snprintf(c->part_pending, sizeof c->part_pending, "%s", room);
}

const struct cmd_entry cmd_part_entry = { "/part", "[room] [reason]",
	"leave a room (this one), or close this buffer", CMD_NEEDS_LOGIN,
	part_handler };
