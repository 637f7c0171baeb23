/*
 * net.c: the client's connection: name lookup and TCP connect through
 * libevent, the Noise handshake through common/channel with the server key
 * pinned on first use, keepalive pings, and reconnecting with backoff
 * (logging in again with the password typed earlier in this run).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "client.h"
#include "xmalloc.h"

/* "host:port", or "[v6]:port". */
static void
host_port(struct client *c, char *out, size_t len)
{
	if (strchr(c->host, ':') != NULL)
		snprintf(out, len, "[%s]:%u", c->host, c->port);
	else
		snprintf(out, len, "%s:%u", c->host, c->port);
}

/* Pins fp for hp in the known servers file, saying so. */
static void
pin(struct client *c, const char *hp, const char *fp)
{
	if (known_add(c->known_path, hp, fp) != 0)
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "cannot save "
		    "the server key in %s: %s",
		    c->known_path, strerror(errno));
	ui_line(c, LINE_INFO, time(NULL), NULL,
	    "new server %s: "
	    "pinned its key, fingerprint %s",
	    hp, fp);
}

/*
 * A server never seen: like ssh, show its fingerprint and ask before
 * anything is sent (the terminal), or refuse (batch mode without
 * --accept-new-key). Either way this handshake stops before msg3; a yes
 * pins the key and connects again.
 */
static int
first_contact(struct client *c, const char *hp, const char *fp)
{
	ui_line(c, LINE_NOTICE, time(NULL), NULL,
	    "the key of server %s is not known yet: its fingerprint is", hp);
	ui_line(c, LINE_NOTICE, time(NULL), NULL, "  %s", fp);
	ui_line(c, LINE_NOTICE, time(NULL), NULL,
	    "compare it with what the server's administrator gives you "
	    "(securechatctl fingerprint)");
	c->key_refused = true; /* no retry until answered */
	if (c->batch) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "not connecting to an unknown server in batch mode: run "
		    "with --accept-new-key to trust it");
		return -1;
	}
	snprintf(c->new_key_fp, sizeof c->new_key_fp, "%s", fp);
	c->asking_key = true;
	return -1;
}

/* y: pin the key asked about and connect; n: stay disconnected. */
void
net_trust_answer(struct client *c, bool yes)
{
	char hp[CLIENT_HOSTPORT_MAX];

	c->asking_key = false;
	if (!yes) {
		ui_line(c, LINE_INFO, time(NULL), NULL,
		    "not connected: the server key was not trusted (/connect "
		    "asks again)");
		return;
	}
	host_port(c, hp, sizeof hp);
	pin(c, hp, c->new_key_fp);
	net_reconnect(c);
}

/* The server key check, before msg3: ask on first contact (or pin with
 * --accept-new-key), refuse a change. */
static int
check_server_key(void *arg, const uint8_t key[SC_NOISE_KEY_LEN])
{
	struct client *c = arg;
	char fp[KEYS_FINGERPRINT_LEN + 1], pinned[KNOWN_LINE_MAX];
	char hp[CLIENT_HOSTPORT_MAX];
	unsigned line = 0;
	int rc;

	keys_fingerprint(key, fp);
	keys_fingerprint_short(key, c->server_short);
	snprintf(c->server_fp, sizeof c->server_fp, "%s", fp);
	host_port(c, hp, sizeof hp);

	rc = known_lookup(c->known_path, hp, pinned, sizeof pinned, &line);
	if (rc < 0) {
		ui_line(c, LINE_ERROR, time(NULL), NULL,
		    "cannot read %s: %s; "
		    "refusing to connect",
		    c->known_path, strerror(errno));
		c->key_refused = true;
		return -1;
	}
	if (rc == 0 && !c->accept_new_key)
		return first_contact(c, hp, fp);
	if (rc == 0) {
		pin(c, hp, fp);
		return 0;
	}
	if (strcmp(pinned, fp) == 0)
		return 0;

	c->key_refused = true;
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    "@    WARNING: THE SERVER KEY OF %s HAS CHANGED!", hp);
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    "Someone could be "
	    "intercepting this connection (a man-in-the-middle attack), or "
	    "the server's key was replaced.");
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    "The server sent key "
	    "fingerprint %s.",
	    fp);
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    "The key pinned in %s "
	    "line %u is %s.",
	    c->known_path, line, pinned);
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    "If you know the key "
	    "changed, remove the old entry with: sed -i '%ud' %s",
	    line, c->known_path);
	ui_line(c, LINE_ERROR, time(NULL), NULL,
	    "The connection was "
	    "refused; no password was sent.");
	return -1;
}

/* The delay before the next attempt, doubling up to the maximum. */
static void
schedule_retry(struct client *c)
{
	struct timeval tv;

	if (c->backoff_ms < CLIENT_BACKOFF_MIN_MS)
		c->backoff_ms = CLIENT_BACKOFF_MIN_MS;
	tv.tv_sec = c->backoff_ms / 1000;
	tv.tv_usec = (c->backoff_ms % 1000) * 1000;
	evtimer_add(c->retry_timer, &tv);
	c->state = CONN_WAITING;
	ui_line(c, LINE_INFO, time(NULL), NULL, "reconnecting in %u s",
	    c->backoff_ms / 1000);
	c->backoff_ms *= 2;
	if (c->backoff_ms > CLIENT_BACKOFF_MAX_MS)
		c->backoff_ms = CLIENT_BACKOFF_MAX_MS;
}

/* Frees the connection and what belonged to it; the state is idle. */
static void
close_link(struct client *c)
{
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		channel_free(&c->ch);
	}
	events_disconnected(c);
	c->me[0] = '\0';
	c->pings_unanswered = 0;
	if (c->ping_timer != NULL)
		evtimer_del(c->ping_timer);
	c->state = CONN_IDLE;
	ui_users_changed(c);
}

/* Connects again now: a refused key and the backoff are forgotten; the
 * link (if any) is dropped from the loop, not here, since a command
 * may run inside its read callback (batch mode). */
void
net_reconnect(struct client *c)
{
	struct timeval now = { 0, 0 };
	char hp[CLIENT_HOSTPORT_MAX];

	c->key_refused = false;
	c->backoff_ms = CLIENT_BACKOFF_MIN_MS;
	host_port(c, hp, sizeof hp);
	ui_line(c, LINE_INFO, time(NULL), NULL, "connecting to %s", hp);
	if (c->retry_timer == NULL) {
		net_connect(c);
		return;
	}
	c->state = CONN_WAITING; /* nothing more is sent on the old link */
	evtimer_del(c->retry_timer);
	evtimer_add(c->retry_timer, &now);
}

/* Closes the connection; plans a retry when asked (never in batch mode,
 * never after a refused key). */
void
net_disconnect(struct client *c, const char *why, bool retry)
{
	bool was_up = c->state >= CONN_OPEN;

	close_link(c);
	if (why != NULL)
		ui_line(c, was_up ? LINE_ERROR : LINE_INFO, time(NULL), NULL,
		    "%s", why);
	if (c->batch) {
		if (!c->quitting && c->exit_code == 0)
			c->exit_code = 1;
		event_base_loopexit(c->base, NULL);
		return;
	}
	if (c->quitting) {
		event_base_loopexit(c->base, NULL);
		return;
	}
	if (retry && !c->key_refused)
		schedule_retry(c);
	ui_redraw(c, false);
}

/* Sends one encrypted plaintext. */
int
net_send(struct client *c, const char *pt, size_t len)
{
	if (c->bev == NULL || c->state < CONN_OPEN)
		return -1;
	if (channel_write(&c->ch, bufferevent_get_output(c->bev), pt, len) !=
	    0) {
		net_disconnect(c, "cannot send: connection closed", true);
		return -1;
	}
	return 0;
}

/* Keeps the credentials of this run for re-login. */
void
net_keep_credentials(struct client *c, const char *user, const char *password,
    size_t len)
{
	net_forget_password(c);
	snprintf(c->login_user, sizeof c->login_user, "%s", user);
	if ((c->password = sodium_malloc(len + 1)) == NULL)
		xnomem();
	memcpy(c->password, password, len);
	c->password[len] = '\0';
	c->password_len = len;
}

/* Wipes the kept password. */
void
net_forget_password(struct client *c)
{
	if (c->password != NULL)
		sodium_free(c->password); /* wipes it */
	c->password = NULL;
	c->password_len = 0;
}

/* Encodes and sends one request; wipes the plaintext copy. */
int
net_request(struct client *c, const struct msg *m)
{
	size_t len;
	int rc;

	if (msg_encode(m, MSG_C2S, c->wbuf, SC_MSG_MAX_LEN, &len) != 0)
		return -1;
	rc = net_send(c, c->wbuf, len);
	sodium_memzero(c->wbuf, len);
	return rc;
}

/* Sends login with the kept credentials. */
void
net_login(struct client *c)
{
	struct msg m = { .type = MSG_LOGIN };

	if (c->password == NULL || c->state != CONN_OPEN)
		return;
	m.user = MSG_STR(c->login_user);
	m.password = MSG_STRN(c->password, c->password_len);
	if (net_request(c, &m) == 0)
		c->state = CONN_LOGGING_IN;
	ui_redraw(c, false);
}

/* The handshake finished. */
static void
connected(struct client *c)
{
	const struct msg_hello *h = channel_peer_hello(&c->ch);
	char hp[CLIENT_HOSTPORT_MAX];

	host_port(c, hp, sizeof hp);
	c->state = CONN_OPEN;
	c->backoff_ms = CLIENT_BACKOFF_MIN_MS;
	ui_line(c, LINE_INFO, time(NULL), NULL,
	    "connected to %s (%s, %s), "
	    "server key %s",
	    hp, h != NULL ? h->name : "", h != NULL ? h->server : "",
	    c->server_short);
	if (c->password != NULL)
		net_login(c);
	else if (c->user != NULL && !c->logged_in_once) {
		if (c->batch)
			c->want_password_line = true;
		else if (!c->prompting) /* keep what is typed so far */
			input_prompt_password(c, c->user);
	} else if (!c->batch && c->login_user[0] != '\0')
		input_prompt_password(c, c->login_user); /* it was wrong */
	else if (!c->batch)
		ui_line(c, LINE_INFO, time(NULL), NULL,
		    "log in with /login <user>");
	if (c->batch)
		batch_pump(c);
	ui_redraw(c, false);
}

/* Bytes from the server. */
static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	int rc;

	while (c->bev != NULL) {
		rc = channel_read(&c->ch, in, bufferevent_get_output(bev),
		    c->rbuf, SC_MSG_MAX_LEN, &len);
		if (rc == CHANNEL_AGAIN)
			break;
		if (rc < 0) {
			char why[128];

			if (rc == SC_ERR_PEER_KEY) {
				net_disconnect(c, "server key refused", false);
				if (c->batch)
					c->exit_code = 1;
				return;
			}
			snprintf(why, sizeof why, "connection lost: %s",
			    sc_strerror(rc));
			net_disconnect(c, why, true);
			return;
		}
		if (rc == CHANNEL_READY)
			connected(c);
		else if (rc == CHANNEL_MESSAGE)
			events_handle(c, c->rbuf, len);
	}
}

/* Connected, closed or failed. */
static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;
	struct channel_config cc = { 0 };
	char why[256];
	int one = 1;

	if (what & BEV_EVENT_CONNECTED) {
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY,
		    &one, sizeof one);
		cc.role = CHANNEL_INITIATOR;
		cc.local = &c->key;
		cc.hello = c->hello;
		cc.hello_len = c->hello_len;
		cc.check_peer = check_server_key;
		cc.check_peer_arg = c;
		if (channel_init(&c->ch, &cc) != 0 ||
		    channel_start(&c->ch, bufferevent_get_output(bev)) != 0) {
			net_disconnect(c, "cannot start the handshake", true);
			return;
		}
		c->state = CONN_HANDSHAKE;
		ui_redraw(c, false);
		return;
	}
	if (what & BEV_EVENT_EOF)
		snprintf(why, sizeof why, "the server closed the connection");
	else if (what & BEV_EVENT_ERROR) {
		int dns = bufferevent_socket_get_dns_error(bev);

		snprintf(why, sizeof why, "cannot reach %s port %u: %s",
		    c->host, c->port,
		    dns != 0 ?
			evutil_gai_strerror(dns) :
			evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	} else
		snprintf(why, sizeof why, "connection lost");
	net_disconnect(c, why, true);
}

/* Keepalive: a ping when idle; too many unanswered means a dead link. */
static void
ping_timer(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;
	struct msg ping = { .type = MSG_PING };

	(void)fd;
	(void)what;
	if (c->state < CONN_OPEN)
		return;
	if (c->pings_unanswered >= CLIENT_PONG_GRACE) {
		net_disconnect(c, "the server stopped answering", true);
		return;
	}
	ping.id = MSG_INT(++c->ping_id);
	if (net_request(c, &ping) == 0)
		c->pings_unanswered++;
}

/* Reconnect timer. */
static void
retry_timer(evutil_socket_t fd, short what, void *arg)
{
	struct client *c = arg;

	(void)fd;
	(void)what;
	close_link(c); /* /connect: the old link, if any */
	net_connect(c);
}

/* Starts connecting. */
void
net_connect(struct client *c)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (void *)&ss;
	struct sockaddr_in6 *in6 = (void *)&ss;
	struct timeval tv = { CLIENT_PING_SECS, 0 };
	int rc;

	if (c->retry_timer == NULL) {
		c->retry_timer = evtimer_new(c->base, retry_timer, c);
		c->ping_timer =
		    event_new(c->base, -1, EV_PERSIST, ping_timer, c);
		if (c->retry_timer == NULL || c->ping_timer == NULL)
			xnomem();
	}
	if (c->bev != NULL)
		net_disconnect(c, NULL, false);
	c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		xnomem();
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, SC_FRAME_MAX_WIRE);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->state = CONN_CONNECTING;
	evtimer_add(c->ping_timer, &tv);

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, c->host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)c->port);
		rc = bufferevent_socket_connect(c->bev, (struct sockaddr *)in,
		    sizeof *in);
	} else if (inet_pton(AF_INET6, c->host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)c->port);
		rc = bufferevent_socket_connect(c->bev, (struct sockaddr *)in6,
		    sizeof *in6);
	} else
		rc = bufferevent_socket_connect_hostname(c->bev, c->dns,
		    AF_UNSPEC, c->host, (int)c->port);
	/* Failures are reported through event_cb, or right here. */
	if (rc != 0 && c->bev != NULL)
		net_disconnect(c, "cannot connect", true);
	ui_redraw(c, false);
}
