/*
 * cmd-rooms.c: rooms, the list of rooms: name, online users in it and
 * topic, sorted by name; at most SC_ROOMS_MAX_LIST of them, the most
 * populated, and fewer when they would not fit one frame.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* Most populated first; equal counts by name. */
static int
by_population(const void *a, const void *b)
{
	const struct room *ra = *(struct room *const *)a;
	const struct room *rb = *(struct room *const *)b;

	if (ra->n_users != rb->n_users)
		return ra->n_users > rb->n_users ? -1 : 1;
	return strcmp(ra->name, rb->name);
}

/* By name. */
static int
by_name(const void *a, const void *b)
{
	return strcmp((*(struct room *const *)a)->name,
	    (*(struct room *const *)b)->name);
}

/* The entry {room, users, topic} of r (a new reference). */
static json_t *
entry(const struct room *r)
{
	json_t *e = json_pack("{s:s%,s:I,s:s%}", "room", r->name, r->len,
	    "users", (json_int_t)r->n_users, "topic", r->topic, r->topic_len);

	if (e == NULL)
		xnomem();
	return e;
}

/* Answers rooms. */
static void
rooms_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg out = { .type = MSG_ROOMS };
	struct room **pick;
	json_t *list, *e;
	size_t i, n = 0, used, len, size;

	(void)req;
	pick = xcalloc(srv->n_rooms, sizeof *pick);
	memcpy(pick, srv->rooms, srv->n_rooms * sizeof *pick);
	qsort(pick, srv->n_rooms, sizeof *pick, by_population);

	/* The empty answer's size, then the most populated that fit. */
	if ((list = json_array()) == NULL)
		xnomem();
	out.room_list.v = list;
	if (msg_encode(&out, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &used) != 0)
		goto fail;
	while (n < srv->n_rooms && n < SC_ROOMS_MAX_LIST) {
		e = entry(pick[n]);
		size = json_dumpb(e, NULL, 0, JSON_COMPACT);
		json_decref(e);
		if (size == 0)
			xnomem();
		if (used + size + (n > 0 ? 1 : 0) > SC_MSG_MAX_LEN)
			break;
		used += size + (n > 0 ? 1 : 0);
		n++;
	}
	qsort(pick, n, sizeof *pick, by_name);
	for (i = 0; i < n; i++) {
		if (json_array_append_new(list, entry(pick[i])) != 0)
			xnomem();
	}
	if (msg_encode(&out, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len) != 0)
		goto fail;
	(void)session_send(s, srv->wbuf, len);
	goto out;

fail:
	log_err("cannot encode the rooms list (%zu rooms)", srv->n_rooms);
	session_error(s, MSG_CODE_INTERNAL, "rooms");
out:
	json_decref(list);
	free(pick);
}

const struct cmd_entry cmd_rooms_entry = { MSG_ROOMS, STATE_BIT(SESSION_ACTIVE),
	NULL, rooms_handler };
