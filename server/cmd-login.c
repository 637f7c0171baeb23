/*
 * cmd-login.c: login. The password check runs on the auth pool; the
 * session's input is paused until the result comes back, so requests are
 * still answered in the order they were sent.
 */
#include <string.h>

#include "server.h"

/* Logs a login refused with busy, naming the policy that refused it. */
static void
log_busy(struct session *s, const char *policy)
{
	struct server *srv = s->srv;

	if (strcmp(policy, "auth_queue") == 0)
		log_peer(LOG_LEVEL_WARNING, s->host,
		    "login busy %s: policy auth_queue, login queue full (%u "
		    "checks pending, limit %u)",
		    s->addr, authpool_pending(srv->auth), srv->cfg.auth_queue);
	else
		log_peer(LOG_LEVEL_WARNING, s->host,
		    "login busy %s: policy ip_fail_limit (%u failed logins "
		    "from this address within ip_fail_window %u s), login "
		    "throttled",
		    s->addr, s->ip->fails, srv->cfg.ip_fail_window_ms / 1000);
}

/* Step 4: busy when the login queue is full (auth_queue) or this
 * address failed ip_fail_limit logins within ip_fail_window. */
static enum msg_code
login_rate(struct session *s)
{
	if (authpool_full(s->srv->auth)) {
		log_busy(s, "auth_queue");
		return MSG_CODE_BUSY;
	}
	if (ipstate_throttled(s->srv, s->ip)) {
		log_busy(s, "ip_fail_limit");
		return MSG_CODE_BUSY;
	}
	return MSG_CODE_NONE;
}

/* Queues the password check; an unknown user is checked against the
 * dummy hash so that auth_failed takes the same time either way. */
static void
login_handler(struct session *s, struct msg *req)
{
	const struct pwhash *hash;

	hash = users_find(s->srv->users, req->user.s, req->user.len);
	if (authpool_submit(s->srv->auth, s, hash, req->user.s, req->user.len,
		req->password.s, req->password.len) != 0) {
		log_busy(s, "auth_queue");
		session_error(s, MSG_CODE_BUSY, "login");
		return;
	}
	s->auth_pending = true;
}

/* Sends the message of the day, if any, after login_ok. */
static void
send_motd(struct session *s)
{
	struct server *srv = s->srv;
	struct msg m = { .type = MSG_NOTICE };
	size_t len;

	if (srv->motd == NULL)
		return;
	m.text = MSG_STR(srv->motd);
	m.motd = MSG_BOOL(true);
	if (msg_encode(&m, MSG_S2C, srv->wbuf, SC_MSG_MAX_LEN, &len) == 0)
		(void)session_send(s, srv->wbuf, len);
}

/* The check came back: log in, or count the failure. */
void
cmd_login_done(struct session *s, const char *user, size_t user_len, bool ok)
{
	struct server *srv = s->srv;
	const struct store_mod *ban;
	char device[KEYS_FINGERPRINT_LEN + 1], why[512];
	bool first;

	/* Section 8: a user with bound devices logs in from one of them
	 * only; any other key fails exactly like a wrong password. */
	keys_fingerprint(channel_remote_static(&s->ch), device);
	if (ok && !moderation_device_ok(srv, user, user_len, device)) {
		log_notice("login %s user %.*s from an unbound device %.16s",
		    s->addr, (int)user_len, user, device);
		ok = false;
	}
	if (!ok) {
		s->auth_failures++;
		ipstate_fail(srv, s->ip);
		log_peer(LOG_LEVEL_NOTICE, s->host,
		    "login failed %s user %.*s (%u of %u)", s->addr,
		    (int)user_len, user, s->auth_failures,
		    srv->cfg.max_auth_failures);
		session_error(s, MSG_CODE_AUTH_FAILED, "login");
		if (s->auth_failures >= srv->cfg.max_auth_failures)
			session_bye(s, "too many failed logins");
		return;
	}
	/* A banned user's correct login: banned, not a failed login. */
	if ((ban = moderation_ban(srv, user, user_len)) != NULL) {
		log_notice("login refused %s user %.*s: banned by %s%s",
		    s->addr, (int)user_len, user, ban->by,
		    moderation_why(ban, why, sizeof why));
		moderation_error(s, MSG_CODE_BANNED, "login", ban->until);
		return;
	}

	first = roster_add(srv, s, user, user_len);
	s->state = SESSION_ACTIVE;
	admit_leave(s);
	s->last_frame_ms = clock_mono_ms();
	s->login_ms = clock_now_ms();
	cmd_fill_tokens(s);
	channel_set_max_frame(&s->ch, SC_FRAME_MAX_LEN);
	/* Every session starts in the lobby; presence announces it. */
	(void)room_add_session(srv->lobby, s, false);
	log_peer(LOG_LEVEL_NOTICE, s->host, "login %s user %s (%u session%s)",
	    s->addr, s->user->name, s->user->n_sessions,
	    s->user->n_sessions == 1 ? "" : "s");
	/* login_ok, in parts when the names need them (section 6). */
	if (roster_send_users(s, s->user->name) == 0)
		send_motd(s);
	if (first)
		roster_presence(srv, s->user, true);
	notify_status(srv);
}

const struct cmd_entry cmd_login_entry = { MSG_LOGIN, STATE_BIT(SESSION_AUTH),
	login_rate, login_handler };
