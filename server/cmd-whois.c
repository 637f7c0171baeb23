/* cmd-whois.c: whois, what the server knows of one user. */
#include <stdlib.h>

#include "server.h"

/*
 * Seconds idle: since the user's last say or msg, else since its latest
 * first-session login, else since the server started.
 */
static int64_t
idle_seconds(struct server *srv, const struct roster_seen *seen)
{
	uint64_t from = srv->started_ms, now = clock_mono_ms();

	if (seen != NULL && seen->said_ms != 0)
		from = seen->said_ms;
	else if (seen != NULL && seen->login_ms != 0)
		from = seen->login_ms;
	return now > from ? (int64_t)((now - from) / 1000) : 0;
}

/* Answers whois {user, online, sessions, rooms, away?, idle_s, since?}. */
static void
whois_handler(struct session *s, struct msg *req)
{
	struct server *srv = s->srv;
	struct msg out = { .type = MSG_WHOIS };
	struct roster_user *u;
	struct session *it;
	const char **rooms;
	uint64_t since = 0;
	size_t n = 0, len;
	int64_t live = 0;

	/* 6: a name of the users file. */
	if (users_find(srv->users, req->user.s, req->user.len) == NULL) {
		session_error(s, MSG_CODE_NO_SUCH_USER, "whois");
		return;
	}
	cmd_take_token(s);
	rooms = xcalloc(srv->n_rooms + 1, sizeof *rooms);
	if ((u = roster_find(srv, req->user.s, req->user.len)) != NULL) {
		/* Sessions in login order: the first live one is oldest. */
		TAILQ_FOREACH(it, &u->sessions, user_entry)
		{
			if (it->dead)
				continue;
			if (live++ == 0)
				since = it->login_ms;
		}
		n = room_user_rooms(srv, u, rooms, srv->n_rooms);
	}
	out.user = req->user;
	out.online = MSG_BOOL(live > 0);
	out.sessions = MSG_INT(live);
	out.room_names = MSG_LIST(rooms, live > 0 ? n : 0);
	if (live > 0 && u->away)
		out.away = MSG_STRN(u->away_text, u->away_len);
	out.idle_s = MSG_INT(idle_seconds(srv,
	    roster_seen(srv, req->user.s, req->user.len, false)));
	if (live > 0)
		out.since = MSG_INT(since);
	if (msg_encode(&out, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len) != 0)
		session_error(s, MSG_CODE_INTERNAL, "whois");
	else
		(void)session_send(s, srv->wbuf, len);
	free(rooms);
}

const struct cmd_entry cmd_whois_entry = { MSG_WHOIS, STATE_BIT(SESSION_ACTIVE),
	cmd_check_tokens, whois_handler };
