/*
 * session.c: one client connection from accept to free: its bufferevent,
 * its secure channel, its timer (handshake, login and idle timeouts, and
 * the flush after bye), its output cap, and its orderly death. A session
 * that dies is only marked dead; the reaper frees it from the loop later,
 * so nothing in flight (a broadcast, an auth job) touches freed memory.
 */
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "frame.h"
#include "server.h"

#define SESSION_BYE_FLUSH_MS 2000 /* time to flush after bye */

static void session_process(struct session *);

/* Formats a peer address as "1.2.3.4:5" or "[::1]:5". */
static void
format_addr(char *out, size_t len, const struct sockaddr *sa)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
		snprintf(out, len, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		snprintf(out, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else
		snprintf(out, len, "unknown");
}

/* Arms the session timer for the next deadline. */
static void
arm_timer(struct session *s, uint64_t deadline)
{
	uint64_t now = clock_mono_ms(), ms;
	struct timeval tv;

	ms = deadline > now ? deadline - now : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(s->timer, &tv);
}

/* Timeouts: handshake, login, idle, and the flush after bye. */
static void
session_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	const struct config *cfg = &s->srv->cfg;
	uint64_t now = clock_mono_ms(), deadline;

	(void)fd;
	(void)what;
	if (s->dead)
		return;
	switch (s->state) {
	case SESSION_HANDSHAKE:
		if (now >= s->deadline_ms) {
			session_kill(s, "handshake timeout");
			return;
		}
		deadline = s->deadline_ms;
		break;
	case SESSION_AUTH:
		if (now >= s->deadline_ms) {
			session_bye(s, "login timeout");
			return;
		}
		deadline = s->deadline_ms;
		break;
	case SESSION_ACTIVE:
		deadline = s->last_frame_ms + cfg->idle_timeout_ms;
		if (now >= deadline) {
			session_bye(s, "idle timeout");
			return;
		}
		break;
	case SESSION_CLOSING:
	default:
		if (now >= s->deadline_ms) {
			session_kill(s,
			    s->close_reason != NULL ? s->close_reason :
						      "closing");
			return;
		}
		deadline = s->deadline_ms;
		break;
	}
	arm_timer(s, deadline);
}

/* Input arrived. */
static void
session_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	session_process(arg);
}

/* Output drained: a closing session is done once all is sent. */
static void
session_write_cb(struct bufferevent *bev, void *arg)
{
	struct session *s = arg;

	if (s->state == SESSION_CLOSING && !s->dead &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		session_kill(s, s->close_reason);
}

/* End of file or a socket error. */
static void
session_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct session *s = arg;

	(void)bev;
	if (s->dead)
		return;
	if (what & BEV_EVENT_EOF) {
		session_kill(s,
		    s->state == SESSION_CLOSING ? s->close_reason :
						  "closed by peer");
	} else if (what & BEV_EVENT_ERROR) {
		log_info("socket error %s: %s", s->addr,
		    strerror(EVUTIL_SOCKET_ERROR()));
		session_kill(s, "socket error");
	}
}

/* Takes over an accepted socket and starts the handshake. */
void
session_accept(struct server *srv, evutil_socket_t fd,
    const struct sockaddr *peer, int peerlen, struct ipstate *ip)
{
	struct channel_config cc = { 0 };
	struct session *s;

	(void)peerlen;
	s = xcalloc(1, sizeof *s);
	s->srv = srv;
	s->refs = 1;
	s->ip = ip;
	ip->conns++;
	format_addr(s->addr, sizeof s->addr, peer);
	s->connected_ms = clock_mono_ms();
	s->deadline_ms = s->connected_ms + srv->cfg.handshake_timeout_ms;
	s->state = SESSION_HANDSHAKE;
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->n_sessions++;

	s->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	s->timer = evtimer_new(srv->base, session_timer, s);
	if (s->bev == NULL || s->timer == NULL)
		xnomem();

	cc.role = CHANNEL_RESPONDER;
	cc.local = &srv->key;
	cc.hello = srv->hello;
	cc.hello_len = srv->hello_len;
	if (channel_init(&s->ch, &cc) != 0)
		log_fatal("channel_init failed");
	channel_set_max_frame(&s->ch, SC_PRELOGIN_MAX_FRAME);

	/* Never buffer more than one maximal frame before handling it. */
	bufferevent_setwatermark(s->bev, EV_READ, 0, SC_FRAME_MAX_WIRE);
	bufferevent_setcb(s->bev, session_read_cb, session_write_cb,
	    session_event_cb, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	arm_timer(s, s->deadline_ms);
	log_info("connect %s (%u connections)", s->addr, srv->n_sessions);
}

/* The handshake finished: log who it was, start the login clock. */
static void
handshake_done(struct session *s)
{
	const struct msg_hello *h = channel_peer_hello(&s->ch);
	char device[KEYS_SHORT_LEN + 1];

	keys_fingerprint_short(channel_remote_static(&s->ch), device);
	log_info("handshake %s client \"%s\" device %s", s->addr,
	    h != NULL ? h->client : "", device);
	s->state = SESSION_AUTH;
	s->deadline_ms = clock_mono_ms() + s->srv->cfg.login_timeout_ms;
	arm_timer(s, s->deadline_ms);
}

/* Refills the credit at the next pass if it was used. */
static void
arm_handshake_timer(struct server *srv)
{
	struct timeval now = { 0, 0 };

	if (!evtimer_pending(srv->hs_timer, NULL))
		evtimer_add(srv->hs_timer, &now);
}

/*
 * True when s may handle a handshake frame in this loop pass (taking one
 * credit if a whole frame is waiting); otherwise queues s until the next
 * pass. Plain I/O and chat are never held back, only handshake crypto.
 */
static bool
handshake_credit(struct session *s)
{
	struct server *srv = s->srv;
	size_t len;

	if (frame_peek(bufferevent_get_input(s->bev), &len) != 1)
		return true; /* nothing to do yet, or an error to report */
	if (srv->hs_credit > 0 && !s->hs_queued) {
		srv->hs_credit--;
		arm_handshake_timer(srv);
		return true;
	}
	if (!s->hs_queued) {
		TAILQ_INSERT_TAIL(&srv->hs_queue, s, hs_entry);
		s->hs_queued = true;
	}
	arm_handshake_timer(srv);
	return false;
}

/* Next pass: refill the credit, resume queued handshakes in order. */
void
session_handshake_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct session *s;

	(void)fd;
	(void)what;
	srv->hs_credit = SERVER_HANDSHAKE_BURST;
	while (
	    srv->hs_credit > 0 && (s = TAILQ_FIRST(&srv->hs_queue)) != NULL) {
		TAILQ_REMOVE(&srv->hs_queue, s, hs_entry);
		s->hs_queued = false;
		session_process(s);
	}
	if (!TAILQ_EMPTY(&srv->hs_queue))
		arm_handshake_timer(srv);
}

/* Handles every whole frame buffered, unless paused or closing. */
static void
session_process(struct session *s)
{
	struct server *srv = s->srv;
	struct evbuffer *in, *out;
	const char *what;
	size_t len;
	int rc;

	in = bufferevent_get_input(s->bev);
	out = bufferevent_get_output(s->bev);
	while (!s->dead && !s->auth_pending && s->state != SESSION_CLOSING) {
		if (s->state == SESSION_HANDSHAKE && !handshake_credit(s))
			break;
		rc = channel_read(&s->ch, in, out, srv->rbuf, SC_MSG_MAX_LEN,
		    &len);
		if (rc == CHANNEL_AGAIN)
			break;
		if (rc < 0) {
			what = s->state == SESSION_HANDSHAKE ?
			    "handshake failed" :
			    "protocol error";
			log_info("%s %s: %s", what, s->addr, sc_strerror(rc));
			session_kill(s, what);
			break;
		}
		if (rc == CHANNEL_READY)
			handshake_done(s);
		else if (rc == CHANNEL_MESSAGE) {
			s->last_frame_ms = clock_mono_ms();
			cmd_dispatch(s, srv->rbuf, len);
			/*
			 * A login's plaintext holds its password: wipe what
			 * was decrypted. Every frame, not only before login:
			 * it costs less than decrypting it did, and nothing
			 * per recipient of a broadcast.
			 */
			sodium_memzero(srv->rbuf, len);
		}
	}
}

/* Resumes input after an auth check came back. */
void
session_resume(struct session *s)
{
	s->auth_pending = false;
	if (!s->dead)
		session_process(s);
}

/* Encrypts and queues one plaintext, enforcing the output cap. */
int
session_send(struct session *s, const void *pt, size_t len)
{
	struct evbuffer *out;
	size_t queued;
	int rc;

	if (s->dead || s->state == SESSION_CLOSING)
		return -1;
	out = bufferevent_get_output(s->bev);
	queued = evbuffer_get_length(out);
	if (queued + SC_FRAME_HEADER_LEN + len + SC_NOISE_TAG_LEN >
	    s->srv->cfg.output_cap) {
		log_warn("slow reader %s%s%s: %zu bytes queued, cap %zu, "
			 "disconnecting",
		    s->addr, s->user != NULL ? " user " : "",
		    s->user != NULL ? s->user->name : "", queued,
		    s->srv->cfg.output_cap);
		session_kill(s, "slow reader");
		return -1;
	}
	if ((rc = channel_write(&s->ch, out, pt, len)) != 0) {
		session_kill(s, sc_strerror(rc));
		return -1;
	}
	return 0;
}

/* Sends an error with the code's sentence and an optional ref. */
void
session_error(struct session *s, enum msg_code code, const char *ref)
{
	char buf[512];
	size_t len;

	if (msg_encode_error(buf, sizeof buf, &len, code, NULL, ref) != 0) {
		log_err("cannot encode error %s", msg_code_name(code));
		return;
	}
	(void)session_send(s, buf, len);
}

/* Sends bye and closes once the output is flushed. */
void
session_bye(struct session *s, const char *reason)
{
	session_bye_as(s, reason, reason);
}

/* Sends bye {wire_reason} and closes once the output is flushed. */
void
session_bye_as(struct session *s, const char *log_reason,
    const char *wire_reason)
{
	struct msg bye = { .type = MSG_BYE };
	char *buf;
	size_t len;
	int rc = -1;

	if (s->dead || s->state == SESSION_CLOSING)
		return;
	if (s->state == SESSION_HANDSHAKE) {
		session_kill(s, log_reason);
		return;
	}
	/* A kick's reason may be a whole text: room for it escaped. */
	buf = xmalloc(SC_MSG_MAX_LEN);
	bye.reason = MSG_STR(wire_reason);
	if (msg_encode(&bye, MSG_S2C, buf, SC_MSG_MAX_LEN, &len) == 0)
		rc = session_send(s, buf, len);
	free(buf);
	if (rc != 0 && s->dead)
		return; /* died sending it */
	s->state = SESSION_CLOSING;
	s->close_reason = log_reason;
	if (s->user != NULL)
		roster_remove(s->srv, s);
	bufferevent_disable(s->bev, EV_READ);
	s->deadline_ms = clock_mono_ms() + SESSION_BYE_FLUSH_MS;
	arm_timer(s, s->deadline_ms);
}

/* Marks s dead; the reaper closes and frees it from the loop. reason
 * must be a static string. */
void
session_kill(struct session *s, const char *reason)
{
	if (s->dead)
		return;
	s->dead = true;
	s->close_reason = reason;
	bufferevent_disable(s->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&s->srv->dead, s, dead_entry);
	event_active(s->srv->reaper, 0, 0);
}

/* Drops a reference; the last one frees the session. */
void
session_unref(struct session *s)
{
	if (--s->refs > 0)
		return;
	free(s);
}

/* Closes and frees every dead session (new deaths while reaping too). */
void
session_reap(struct server *srv)
{
	struct session *s;
	uint64_t ms;

	while ((s = TAILQ_FIRST(&srv->dead)) != NULL) {
		TAILQ_REMOVE(&srv->dead, s, dead_entry);
		ms = clock_mono_ms() - s->connected_ms;
		log_info("disconnect %s%s%s after %llu.%03llus: %s", s->addr,
		    s->user != NULL ? " user " : "",
		    s->user != NULL ? s->user->name : "",
		    (unsigned long long)(ms / 1000),
		    (unsigned long long)(ms % 1000),
		    s->close_reason != NULL ? s->close_reason : "closed");
		if (s->user != NULL)
			roster_remove(srv, s);
		if (s->hs_queued) {
			TAILQ_REMOVE(&srv->hs_queue, s, hs_entry);
			s->hs_queued = false;
		}
		TAILQ_REMOVE(&srv->sessions, s, entry);
		srv->n_sessions--;
		ipstate_release(srv, s->ip);
		s->ip = NULL;
		bufferevent_free(s->bev);
		s->bev = NULL;
		event_free(s->timer);
		s->timer = NULL;
		channel_free(&s->ch);
		session_unref(s);
	}
	server_listener_retry(srv);
	server_check_stopped(srv);
}
