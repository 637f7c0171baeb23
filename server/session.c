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

/* Formats a peer address as "1.2.3.4:5" or "[::1]:5", and its host
 * alone into host[INET6_ADDRSTRLEN]. */
static void
format_addr(char *out, size_t len, char *host, const struct sockaddr *sa)
{
	snprintf(host, INET6_ADDRSTRLEN, "unknown");
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, INET6_ADDRSTRLEN);
		snprintf(out, len, "%s:%u", host, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, INET6_ADDRSTRLEN);
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

	if (s->paused_until_ms != 0 && s->paused_until_ms < deadline)
		deadline = s->paused_until_ms; /* the budget's pause ends */
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
	if (s->paused_until_ms != 0 && now >= s->paused_until_ms) {
		s->paused_until_ms = 0;
		if (s->state != SESSION_CLOSING)
			bufferevent_enable(s->bev, EV_READ);
		session_process(s);
		if (s->dead)
			return;
	}
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

	if (s->dead || evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	s->writing = false; /* written: flushed straight again from now */
	bufferevent_disable(bev, EV_WRITE);
	if (s->state == SESSION_CLOSING)
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
		log_peer(LOG_LEVEL_INFO, s->host, "socket error %s: %s",
		    s->addr, strerror(EVUTIL_SOCKET_ERROR()));
		session_kill(s, "socket error");
	}
}

/* Takes over an accepted socket and starts the handshake. */
void
session_accept(struct server *srv, evutil_socket_t fd,
    const struct sockaddr *peer, int peerlen, struct ipstate *ip,
    struct ipstate *net)
{
	struct channel_config cc = { 0 };
	struct session *s;

	(void)peerlen;
	s = xcalloc(1, sizeof *s);
	s->srv = srv;
	s->refs = 1;
	s->ip = ip;
	ip->conns++;
	s->net = net;
	net->conns++;
	format_addr(s->addr, sizeof s->addr, s->host, peer);
	s->connected_ms = clock_mono_ms();
	bucket_fill(&s->req_frames, srv->cfg.req_burst, s->connected_ms);
	bucket_fill(&s->req_bytes, srv->cfg.byte_burst, s->connected_ms);
	s->deadline_ms = s->connected_ms + srv->cfg.handshake_timeout_ms;
	s->state = SESSION_HANDSHAKE;
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->n_sessions++;
	admit_enter(s);

	s->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	s->timer = evtimer_new(srv->base, session_timer, s);
	if (s->bev == NULL || s->timer == NULL)
		xnomem();

	cc.role = CHANNEL_RESPONDER;
	cc.local = &srv->key;
	cc.hello = srv->hello;
	cc.hello_len = srv->hello_len;
	cc.key_cache = srv->key_cache;
	if (channel_init(&s->ch, &cc) != 0)
		log_fatal("channel_init failed");
	channel_set_max_frame(&s->ch, SC_PRELOGIN_MAX_FRAME);

	/* Never buffer more than one maximal frame before handling it. */
	bufferevent_setwatermark(s->bev, EV_READ, 0, SC_FRAME_MAX_WIRE);
	bufferevent_setcb(s->bev, session_read_cb, session_write_cb,
	    session_event_cb, s);
	/* Output is written by session_flush(), EV_WRITE only when a socket
	 * cannot take it all (a new bufferevent has EV_WRITE enabled). */
	bufferevent_disable(s->bev, EV_WRITE);
	bufferevent_enable(s->bev, EV_READ);
	arm_timer(s, s->deadline_ms);
	log_peer(LOG_LEVEL_INFO, s->host, "connect %s (%u connections)",
	    s->addr, srv->n_sessions);
}

/* The handshake finished: log who it was, start the login clock. */
static void
handshake_done(struct session *s)
{
	const struct msg_hello *h = channel_peer_hello(&s->ch);
	char device[KEYS_SHORT_LEN + 1];

	keys_fingerprint_short(channel_remote_static(&s->ch), device);
	log_peer(LOG_LEVEL_INFO, s->host,
	    "handshake %s client \"%s\" device %s", s->addr,
	    h != NULL ? h->client : "", device);
	s->state = SESSION_AUTH;
	s->deadline_ms = clock_mono_ms() + s->srv->cfg.login_timeout_ms;
	arm_timer(s, s->deadline_ms);
}

/*
 * Work is about to be done in this pass: make sure the pass timer ends
 * it, and start the pass's clock if this is its first work.
 */
static void
pass_work(struct server *srv)
{
	struct timeval now = { 0, 0 };

	if (!srv->pass_armed) {
		evtimer_add(srv->pass_timer, &now);
		srv->pass_armed = true;
		srv->pass_start_us = clock_mono_us();
	}
}

/* True once the pass is older than us microseconds. */
static bool
pass_older(const struct server *srv, uint64_t us)
{
	return clock_mono_us() - srv->pass_start_us >= us;
}

/* s has a frame waiting but must let the others go first. */
static void
session_yield(struct session *s)
{
	if (!s->ready_queued) {
		TAILQ_INSERT_TAIL(&s->srv->ready, s, ready_entry);
		s->ready_queued = true;
	}
	pass_work(s->srv);
}

/* s has output to write at the end of the pass. */
static void
session_dirty(struct session *s)
{
	if (!s->flush_queued && !s->writing) {
		TAILQ_INSERT_TAIL(&s->srv->flush, s, flush_entry);
		s->flush_queued = true;
		pass_work(s->srv);
	}
}

/*
 * Writes s's output to its socket. What the socket does not take now is
 * left to the loop (EV_WRITE) until it is all written. A closing session
 * whose bye is out is done.
 */
static void
session_flush(struct session *s)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	int n;

	if (s->dead || evbuffer_get_length(out) == 0)
		return;
	/* A bufferevent keeps the head of its output frozen but for its
	 * own writes: this is one of them. */
	evbuffer_unfreeze(out, 1);
	n = evbuffer_write(out, bufferevent_getfd(s->bev));
	evbuffer_freeze(out, 1);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR) {
		log_info("socket error %s: %s", s->addr, strerror(errno));
		session_kill(s, "socket error");
		return;
	}
	if (evbuffer_get_length(out) > 0) {
		s->writing = true;
		bufferevent_enable(s->bev, EV_WRITE);
	} else if (s->state == SESSION_CLOSING)
		session_kill(s, s->close_reason);
}

/*
 * The end of a pass with work: the ready sessions get their turns in
 * order while the pass is young (those that yield again wait for the next
 * pass), then the pass's output is written while the pass is not too old.
 */
void
session_pass_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct session *s, *last;

	(void)fd;
	(void)what;
	srv->pass_armed = false;
	last = TAILQ_LAST(&srv->ready, session_list);
	while (!pass_older(srv, SERVER_PASS_WORK_US) &&
	    (s = TAILQ_FIRST(&srv->ready)) != NULL) {
		TAILQ_REMOVE(&srv->ready, s, ready_entry);
		s->ready_queued = false;
		session_process(s);
		if (s == last)
			break;
	}
	while ((s = TAILQ_FIRST(&srv->flush)) != NULL) {
		TAILQ_REMOVE(&srv->flush, s, flush_entry);
		s->flush_queued = false;
		session_flush(s);
		if (pass_older(srv, SERVER_PASS_FLUSH_US))
			break;
	}
	srv->pass_armed = false; /* a new pass starts here */
	if (!TAILQ_EMPTY(&srv->ready) || !TAILQ_EMPTY(&srv->flush))
		pass_work(srv);
}

/*
 * The request budget: every frame, whatever it holds, costs one of
 * req_rate a second (req_burst at once) and its bytes, of byte_rate a
 * second (byte_burst at once). True when s can pay for a frame of len
 * bytes now (then paid); otherwise s stops reading until it can: TCP then
 * holds the sender back, and the server does no work for it meanwhile.
 */
static bool
budget_take(struct session *s, size_t len)
{
	const struct config *cfg = &s->srv->cfg;
	uint64_t now = clock_mono_ms(), wait, w;

	bucket_refill(&s->req_frames, cfg->req_rate, cfg->req_burst, now);
	bucket_refill(&s->req_bytes, cfg->byte_rate, cfg->byte_burst, now);
	if (bucket_has(&s->req_frames, 1) && bucket_has(&s->req_bytes, len)) {
		bucket_drain(&s->req_frames, 1);
		bucket_drain(&s->req_bytes, len);
		return true;
	}
	wait = bucket_wait_ms(&s->req_frames, 1, cfg->req_rate);
	w = bucket_wait_ms(&s->req_bytes, len, cfg->byte_rate);
	wait = (w > wait ? w : wait) + 1;
	log_peer(LOG_LEVEL_INFO, s->host,
	    "request budget %s%s%s: reading paused for %llu ms", s->addr,
	    s->user != NULL ? " user " : "",
	    s->user != NULL ? s->user->name : "", (unsigned long long)wait);
	s->paused_until_ms = now + wait;
	bufferevent_disable(s->bev, EV_READ);
	arm_timer(s, s->paused_until_ms);
	return false;
}

/*
 * Handles the whole frames buffered, unless paused or closing, for at most
 * one turn: SERVER_FRAMES_PER_TURN frames while the pass is young.
 */
static void
session_process(struct session *s)
{
	struct server *srv = s->srv;
	struct evbuffer *in, *out;
	const char *what;
	unsigned frames = 0;
	size_t len;
	int rc;

	if (s->ready_queued || s->paused_until_ms != 0)
		return; /* its turn comes in order; or after its pause */
	in = bufferevent_get_input(s->bev);
	out = bufferevent_get_output(s->bev);
	while (!s->dead && !s->auth_pending && s->state != SESSION_CLOSING) {
		if (frame_peek(in, &len) == 1) {
			pass_work(srv);
			if (frames == SERVER_FRAMES_PER_TURN ||
			    pass_older(srv, SERVER_PASS_WORK_US)) {
				session_yield(s);
				break;
			}
			if (!budget_take(s, SC_FRAME_HEADER_LEN + len))
				break;
		}
		frames++;
		rc = channel_read(&s->ch, in, out, srv->rbuf, SC_MSG_MAX_LEN,
		    &len);
		if (rc == CHANNEL_AGAIN)
			break;
		if (rc < 0) {
			if (s->state == SESSION_HANDSHAKE) {
				what = "handshake failed";
				log_peer(LOG_LEVEL_INFO, s->host,
				    "handshake failed %s: %s", s->addr,
				    sc_strerror(rc));
			} else {
				what = "protocol error";
				log_peer(LOG_LEVEL_INFO, s->host,
				    "protocol error %s: %s", s->addr,
				    sc_strerror(rc));
			}
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
	if (!s->dead && evbuffer_get_length(out) > 0)
		session_dirty(s); /* handshake messages */
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
		log_peer(LOG_LEVEL_WARNING, s->host,
		    "slow reader %s%s%s: %zu bytes queued, cap %zu, "
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
	session_dirty(s);
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
	struct msg bye = { .type = MSG_BYE };
	char buf[256];
	size_t len;

	if (s->dead || s->state == SESSION_CLOSING)
		return;
	bye.reason = MSG_STR(reason);
	if (s->state != SESSION_HANDSHAKE &&
	    msg_encode(&bye, MSG_S2C, buf, sizeof buf, &len) == 0 &&
	    session_send(s, buf, len) != 0)
		return; /* died sending it */
	if (s->state == SESSION_HANDSHAKE) {
		session_kill(s, reason);
		return;
	}
	s->state = SESSION_CLOSING;
	s->close_reason = reason;
	admit_leave(s);
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
	admit_leave(s);
	s->srv->n_dying++;
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
		log_peer(LOG_LEVEL_INFO, s->host,
		    "disconnect %s%s%s after %llu.%03llus: %s", s->addr,
		    s->user != NULL ? " user " : "",
		    s->user != NULL ? s->user->name : "",
		    (unsigned long long)(ms / 1000),
		    (unsigned long long)(ms % 1000),
		    s->close_reason != NULL ? s->close_reason : "closed");
		if (s->user != NULL)
			roster_remove(srv, s);
		if (s->ready_queued) {
			TAILQ_REMOVE(&srv->ready, s, ready_entry);
			s->ready_queued = false;
		}
		if (s->flush_queued) {
			TAILQ_REMOVE(&srv->flush, s, flush_entry);
			s->flush_queued = false;
		}
		TAILQ_REMOVE(&srv->sessions, s, entry);
		srv->n_sessions--;
		srv->n_dying--;
		ipstate_release(srv, s->ip);
		s->ip = NULL;
		ipstate_release(srv, s->net);
		s->net = NULL;
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
