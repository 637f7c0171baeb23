/*
 * cmd-history.c: history, the stored say of a room or msg between the
 * requester and another user (PROTOCOL.md section 7). The read runs on
 * the store's reader thread; the session's input is paused meanwhile (as
 * for a login) and the session holds a reference, so answers keep the
 * order of the requests and a session that dies has its answer dropped.
 */
#include <string.h>

#include "server.h"

/* What a history answer adds around its messages, at most:
 * {"type":"history","room":"<32>","messages":[],"more":false} */
#define HISTORY_ENVELOPE_MAX 128

/* One read in flight: who asked, about what. */
struct history_req {
	struct session *s;
	bool room; /* else a private conversation */
	char target[SC_USER_MAX_LEN + 1];
	size_t target_len;
};

/* Sends the answer: the stored objects re-dumped (jansson writes an
 * object it wrote itself byte for byte), dropping the oldest if the
 * frame would still be too long. Returns false when it could not. */
static bool
history_answer(struct session *s, const struct history_req *h,
    const struct store_result *res)
{
	struct server *srv = s->srv;
	struct msg out = { .type = MSG_HISTORY };
	json_error_t jerr;
	json_t *arr, *o;
	size_t i, first = 0, len;
	int rc;

	if ((arr = json_array()) == NULL)
		xnomem();
	for (i = 0; i < res->n; i++) {
		o = json_loadb(res->json[i], res->len[i], 0, &jerr);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			log_err("history: a stored message does not parse: %s",
			    jerr.text);
			json_decref(arr);
			return false;
		}
	}
	if (h->room)
		out.room = MSG_STRN(h->target, h->target_len);
	else
		out.with = MSG_STRN(h->target, h->target_len);
	out.messages.v = arr;
	out.more = MSG_BOOL(res->more);
	while ((rc = msg_encode(&out, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN,
		    &len)) == SC_ERR_TOO_LONG &&
	    first < res->n) {
		(void)json_array_remove(arr, 0);
		first++;
		out.more = MSG_BOOL(true);
	}
	json_decref(arr);
	if (rc != 0) {
		log_err("history: cannot encode the answer: %s",
		    sc_strerror(rc));
		return false;
	}
	cmd_take_token(s);
	(void)session_send(s, srv->wbuf, len);
	return true;
}

/* The read came back on the loop thread. */
static void
history_done(struct store_result *res, void *arg)
{
	struct history_req *h = arg;
	struct session *s = h->s;

	if (!s->dead) {
		if (!res->ok || !history_answer(s, h, res))
			session_error(s, MSG_CODE_INTERNAL, "history");
		session_resume(s);
	}
	session_unref(s);
	free(h);
}

/* Checks the target, then asks the store. */
static void
history_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct store_query q = { 0 };
	struct history_req *h;
	const struct room *r;

	/* 5, the rule across members: exactly one of room and with. */
	if ((req->room.s == NULL) == (req->with.s == NULL)) {
		session_error(s, MSG_CODE_BAD_REQUEST, "history");
		return;
	}
	/* 6: the target. */
	if (req->room.s != NULL) {
		if ((r = room_find(srv, req->room.s, req->room.len)) == NULL) {
			session_error(s, MSG_CODE_NO_SUCH_ROOM, "history");
			return;
		}
		if (!room_has_session(r, s)) {
			session_error(s, MSG_CODE_NOT_MEMBER, "history");
			return;
		}
	} else if (users_find(srv->users, req->with.s, req->with.len) == NULL) {
		session_error(s, MSG_CODE_NO_SUCH_USER, "history");
		return;
	}

	h = xcalloc(1, sizeof *h);
	h->s = s;
	h->room = req->room.s != NULL;
	h->target_len = h->room ? req->room.len : req->with.len;
	memcpy(h->target, h->room ? req->room.s : req->with.s, h->target_len);
	if (h->room)
		q.room = h->target;
	else {
		q.user = s->user->name;
		q.with = h->target;
	}
	q.before = req->before.set ? (uint64_t)req->before.v : 0;
	q.limit =
	    req->limit.set ? (unsigned)req->limit.v : SC_HISTORY_DEFAULT_LIMIT;
	q.max_bytes = SC_MSG_MAX_LEN - HISTORY_ENVELOPE_MAX;
	/* History off (the store failed) or too many reads queued. */
	if (!store_available(srv->store) ||
	    store_history(srv->store, &q, history_done, h) != 0) {
		free(h);
		session_error(s, MSG_CODE_INTERNAL, "history");
		return;
	}
	s->refs++;
	s->auth_pending = true; /* input paused until history_done */
}

const struct cmd_entry cmd_history_entry = { MSG_HISTORY,
	STATE_BIT(SESSION_ACTIVE), cmd_check_tokens, history_handler };
