/*
 * conn.c: one non-blocking client connection on a worker's libevent loop,
 * for both protocols. SecureChat: TCP, the Noise XX handshake through
 * common/channel, then login (or one ping for the handshakes scenario).
 * IRC: NICK/USER, 001, JOIN, 366, answering PING throughout. Once the goal
 * is reached, every plaintext or line goes to the scenario's hooks.
 *
 * Reads go straight into the input evbuffer, 64 KiB at a time until a
 * read comes back short; the socket is edge-triggered, so a drained socket
 * costs no further poll. Output is queued and written once per loop round
 * for every connection marked dirty, so a burst of sends costs one write.
 * A worker may make each loop round last at least round_ns, so that reads
 * find several frames waiting instead of one (fanout).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "msg.h"

#define CLIENT_HELLO                                                           \
	"{\"proto\":1,\"client\":\"" BENCH_NAME "/" SC_VERSION "\"}"
#define PING_REQUEST "{\"type\":\"ping\"}"
#define REASON_MAX   256

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static void read_cb(evutil_socket_t, short, void *);
static void write_cb(evutil_socket_t, short, void *);

/* True when p[0..len) starts with the string s. */
static bool
has_prefix(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memcmp(p, s, n) == 0;
}

/* Closes c and tells the scenario why. */
static void __attribute__((format(printf, 2, 3)))
fail(struct conn *c, const char *fmt, ...)
{
	char reason[REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	conn_close(c, false);
	c->w->hooks->lost(c, reason);
}

/* The goal is reached. */
static void
become_ready(struct conn *c)
{
	c->state = CONN_READY;
	c->t_ready = clock_mono_ns();
	c->w->hooks->ready(c);
}

/* Sets up a loop. */
int
conn_worker_init(struct worker *w, const struct conn_hooks *hooks, void *arg)
{
	struct event_config *cfg;

	memset(w, 0, sizeof *w);
	w->hooks = hooks;
	w->arg = arg;
	w->round_ns = (uint64_t)bench_opts.round_us * 1000u;
	TAILQ_INIT(&w->dirty);
	if ((cfg = event_config_new()) == NULL)
		return SC_ERR_IO;
	/* Timers to the microsecond (timerfd) for the rate schedule. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	w->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (w->base == NULL)
		return SC_ERR_IO;
	if ((w->buf = malloc(SC_MSG_MAX_LEN)) == NULL) {
		bench_warn("out of memory");
		abort();
	}
	keys_generate(&w->key);
	keys_generate(&w->reuse.e);
	return 0;
}

/* Frees the loop. */
void
conn_worker_free(struct worker *w)
{
	if (w->base != NULL)
		event_base_free(w->base);
	free(w->buf);
	keys_wipe(&w->key);
	noise_reuse_wipe(&w->reuse);
	memset(w, 0, sizeof *w);
}

/* Writes what c has queued; a partial write waits for EV_WRITE. */
static void
flush(struct conn *c)
{
	if (c->state == CONN_IDLE || c->state == CONN_CONNECTING)
		return;
	if (evbuffer_get_length(c->out) == 0 ||
	    event_pending(c->wev, EV_WRITE, NULL))
		return;
	if (evbuffer_write(c->out, c->fd) < 0 && errno != EAGAIN &&
	    errno != EINTR) {
		fail(c, "write: %s", strerror(errno));
		return;
	}
	if (evbuffer_get_length(c->out) > 0)
		event_add(c->wev, NULL);
}

/* Writes every dirty connection's output, after its flush hook. */
static void
flush_all(struct worker *w)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&w->dirty)) != NULL) {
		TAILQ_REMOVE(&w->dirty, c, dirty_entry);
		c->dirty = false;
		/* Sends from the hook do not queue c again: it is written
		 * right after. */
		if (w->hooks->flush != NULL && c->state == CONN_READY) {
			c->flushing = true;
			w->hooks->flush(c);
			c->flushing = false;
		}
		flush(c);
	}
}

/* Sleeps out what is left of a round that began at start. */
static void
pace(const struct worker *w, uint64_t start)
{
	uint64_t spent = clock_mono_ns() - start;
	struct timespec ts;

	if (spent >= w->round_ns)
		return;
	ts.tv_sec = (time_t)((w->round_ns - spent) / 1000000000u);
	ts.tv_nsec = (long)((w->round_ns - spent) % 1000000000u);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Runs the loop until stopped. */
void
conn_worker_run(struct worker *w)
{
	uint64_t start;

	flush_all(w);
	while (!w->stop) {
		start = clock_mono_ns();
		if (event_base_loop(w->base, EVLOOP_ONCE) < 0)
			break;
		if (w->hooks->after != NULL)
			w->hooks->after(w);
		flush_all(w);
		if (w->round_ns > 0 && !w->stop)
			pace(w, start);
	}
}

/* Marks c for writing after this round. */
void
conn_mark_dirty(struct conn *c)
{
	if (c->dirty || c->flushing || c->state == CONN_IDLE)
		return;
	c->dirty = true;
	TAILQ_INSERT_TAIL(&c->w->dirty, c, dirty_entry);
}

/* True when c has a socket. */
bool
conn_is_open(const struct conn *c)
{
	return c->state != CONN_IDLE;
}

/* Opens a connection. */
int
conn_open(struct conn *c, struct worker *w, enum conn_goal goal,
    const char *prefix, unsigned user, char *why, size_t whylen)
{
	struct sockaddr_in src;
	int fd, one = 1;

	c->w = w;
	c->goal = goal;
	c->prefix = prefix;
	c->user = user;
	c->t_open = clock_mono_ns();
	c->t_login = c->t_ready = 0;
	if (c->in == NULL) {
		c->in = evbuffer_new();
		c->out = evbuffer_new();
		if (c->in == NULL || c->out == NULL) {
			bench_warn("out of memory");
			abort();
		}
	}
	fd = socket(bench_opts.addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return SC_ERR_IO;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (bench_opts.sources > 1) {
		/* The port is picked at connect() time, per 4-tuple. */
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof one);
		memset(&src, 0, sizeof src);
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(
		    INADDR_LOOPBACK + w->next_source++ % bench_opts.sources);
		if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0) {
			snprintf(why, whylen, "bind: %s", strerror(errno));
			close(fd);
			return SC_ERR_IO;
		}
	}
	if (connect(fd, (struct sockaddr *)&bench_opts.addr,
		bench_opts.addr_len) != 0 &&
	    errno != EINPROGRESS) {
		snprintf(why, whylen, "connect: %s", strerror(errno));
		close(fd);
		return SC_ERR_IO;
	}
	c->fd = fd;
	c->rev =
	    event_new(w->base, fd, EV_READ | EV_PERSIST | EV_ET, read_cb, c);
	c->wev = event_new(w->base, fd, EV_WRITE | EV_PERSIST, write_cb, c);
	if (c->rev == NULL || c->wev == NULL) {
		bench_warn("out of memory");
		abort();
	}
	c->state = CONN_CONNECTING;
	event_add(c->wev, NULL);
	return 0;
}

/* Closes the socket. */
void
conn_close(struct conn *c, bool reset)
{
	struct linger lg = { 1, 0 };

	if (c->state == CONN_IDLE)
		return;
	if (reset)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	event_free(c->rev);
	event_free(c->wev);
	c->rev = c->wev = NULL;
	if (c->timer != NULL)
		evtimer_del(c->timer);
	close(c->fd);
	c->fd = -1;
	if (c->dirty) {
		TAILQ_REMOVE(&c->w->dirty, c, dirty_entry);
		c->dirty = false;
	}
	if (c->ch_live) {
		channel_free(&c->ch);
		c->ch_live = false;
	}
	evbuffer_drain(c->in, evbuffer_get_length(c->in));
	evbuffer_drain(c->out, evbuffer_get_length(c->out));
	c->state = CONN_IDLE;
	c->gen++;
}

/* Closes and frees everything c holds. */
void
conn_free(struct conn *c)
{
	conn_close(c, false);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->in != NULL)
		evbuffer_free(c->in);
	if (c->out != NULL)
		evbuffer_free(c->out);
	c->timer = NULL;
	c->in = c->out = NULL;
}

/* Queues one plaintext or line. */
int
conn_send(struct conn *c, const void *data, size_t len)
{
	int rc;

	if (c->state == CONN_IDLE || c->state == CONN_CONNECTING)
		return SC_ERR_INVALID;
	if (bench_opts.proto == BENCH_IRC) {
		if (evbuffer_add(c->out, data, len) != 0)
			return SC_ERR_IO;
	} else if ((rc = channel_write(&c->ch, c->out, data, len)) != 0)
		return rc;
	conn_mark_dirty(c);
	return 0;
}

/* Writes c's user name into buf. */
static void
user_name(const struct conn *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%u", c->prefix, c->user);
}

/* ---- securechat -------------------------------------------------------- */

/* Sends the login request. */
static void
send_login(struct conn *c)
{
	char user[SC_USER_MAX_LEN + 16], buf[SC_PASSWORD_MAX_LEN * 6 + 256];
	struct msg login = { .type = MSG_LOGIN };
	size_t len;
	int rc;

	user_name(c, user, sizeof user);
	login.user = MSG_STR(user);
	login.password = MSG_STR(bench_opts.password);
	rc = msg_encode(&login, MSG_C2S, buf, sizeof buf, &len);
	if (rc == 0)
		rc = conn_send(c, buf, len);
	if (rc != 0) {
		fail(c, "login: %s", sc_strerror(rc));
		return;
	}
	if (c->t_login == 0)
		c->t_login = clock_mono_ns();
	c->state = CONN_LOGIN;
}

/* The busy-retry timer fired. */
static void
retry_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == CONN_LOGIN)
		send_login(c);
}

/* Retries the login a little later. */
static void
schedule_retry(struct conn *c)
{
	struct timeval tv = { 0, BENCH_LOGIN_RETRY_MS * 1000 };

	if (c->timer == NULL &&
	    (c->timer = evtimer_new(c->w->base, retry_timer, c)) == NULL) {
		bench_warn("out of memory");
		abort();
	}
	evtimer_add(c->timer, &tv);
}

/* The handshake finished: log in, or ping to let the server finish. */
static void
handshake_done(struct conn *c)
{
	int rc;

	if (c->goal == CONN_GOAL_LOGIN) {
		send_login(c);
		return;
	}
	if ((rc = conn_send(c, PING_REQUEST, strlen(PING_REQUEST))) != 0) {
		fail(c, "ping: %s", sc_strerror(rc));
		return;
	}
	c->state = CONN_PING;
}

/* A reply to login or ping was an error or a bye: decide what it means. */
static void
setup_error(struct conn *c, const uint8_t *p, size_t len)
{
	struct msg ev;

	if (msg_event_parse(&ev, p, len) != 0) {
		msg_clear(&ev);
		fail(c, "unparsable reply: %.*s", (int)(len > 80 ? 80 : len),
		    (const char *)p);
		return;
	}
	if (ev.type == MSG_BYE)
		fail(c, "bye: %s", ev.reason.s);
	else if (ev.type != MSG_ERROR) {
		/* not an answer to login or ping: ignored */
	} else if (c->state == CONN_LOGIN && ev.code == MSG_CODE_BUSY &&
	    clock_mono_ns() - c->t_login <
		(uint64_t)BENCH_LOGIN_BUSY_MS * 1000000u) {
		c->w->login_busy++;
		schedule_retry(c);
	} else if (c->state == CONN_LOGIN && ev.code == MSG_CODE_INTERNAL &&
	    ev.ref.s != NULL && strcmp(ev.ref.s, "login") == 0) {
		/* Logged in, but login_ok (every online user) did not fit
		 * in one message: the session is active all the same. */
		c->w->login_ok_too_big++;
		msg_clear(&ev);
		become_ready(c);
		return;
	} else
		fail(c, "%s refused: %s",
		    c->state == CONN_LOGIN ? "login" : "ping", ev.code_name.s);
	msg_clear(&ev);
}

/* One transport plaintext. */
static void
sc_message(struct conn *c, const uint8_t *p, size_t len)
{
	if (c->state == CONN_READY) {
		if (has_prefix(p, len, "{\"type\":\"bye\""))
			setup_error(c, p, len);
		else
			c->w->hooks->message(c, p, len);
		return;
	}
	if (c->state == CONN_LOGIN &&
	    has_prefix(p, len, "{\"type\":\"login_ok\""))
		become_ready(c);
	else if (c->state == CONN_PING &&
	    has_prefix(p, len, "{\"type\":\"pong\""))
		become_ready(c);
	else if (has_prefix(p, len, "{\"type\":\"error\"") ||
	    has_prefix(p, len, "{\"type\":\"bye\""))
		setup_error(c, p, len);
	/* presence and the like before ready: ignored */
}

/* Handles every whole frame buffered. */
static void
sc_process(struct conn *c)
{
	struct worker *w = c->w;
	unsigned gen = c->gen;
	size_t len;
	int rc;

	for (;;) {
		rc = channel_read(&c->ch, c->in, c->out, w->buf, SC_MSG_MAX_LEN,
		    &len);
		if (rc == CHANNEL_AGAIN)
			break;
		if (rc < 0) {
			fail(c, "%s: %s",
			    c->state == CONN_HANDSHAKE ? "handshake" :
							 "channel",
			    sc_strerror(rc));
			return;
		}
		if (rc == CHANNEL_READY) {
			if (evbuffer_get_length(c->out) > 0)
				conn_mark_dirty(c); /* msg3 */
			handshake_done(c);
		} else if (rc == CHANNEL_MESSAGE)
			sc_message(c, w->buf, len);
		if (c->gen != gen)
			return; /* closed meanwhile */
	}
	if (evbuffer_get_length(c->out) > 0)
		conn_mark_dirty(c);
}

/* ---- irc --------------------------------------------------------------- */

/* Queues a formatted IRC line. */
static void __attribute__((format(printf, 2, 3)))
irc_printf(struct conn *c, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof buf ||
	    conn_send(c, buf, (size_t)n) != 0)
		fail(c, "irc: cannot queue a line");
}

/* Finds the command (or numeric) of an IRC line. */
static const uint8_t *
irc_command(const uint8_t *p, size_t len, size_t *cmdlen)
{
	const uint8_t *end = p + len, *q;

	if (len > 0 && p[0] == ':') {
		if ((p = memchr(p, ' ', len)) == NULL)
			return NULL;
		while (p < end && *p == ' ')
			p++;
	}
	q = p;
	while (q < end && *q != ' ')
		q++;
	*cmdlen = (size_t)(q - p);
	return p;
}

/* True when the command is cmd. */
static bool
irc_is(const uint8_t *cmd, size_t cmdlen, const char *want)
{
	return cmdlen == strlen(want) && memcmp(cmd, want, cmdlen) == 0;
}

/* One line from the IRC server, without CR LF. */
static void
irc_line(struct conn *c, const uint8_t *p, size_t len)
{
	const uint8_t *cmd;
	size_t cmdlen;
	char user[SC_USER_MAX_LEN + 16];

	if (has_prefix(p, len, "PING ")) {
		c->w->irc_pings++;
		irc_printf(c, "PONG %.*s\r\n", (int)(len - 5),
		    (const char *)p + 5);
		return;
	}
	if (has_prefix(p, len, "ERROR ")) {
		fail(c, "irc: %.*s", (int)(len > 120 ? 120 : len),
		    (const char *)p);
		return;
	}
	if (c->state == CONN_READY) {
		c->w->hooks->message(c, p, len);
		return;
	}
	if ((cmd = irc_command(p, len, &cmdlen)) == NULL)
		return;
	if (c->state == CONN_WELCOME) {
		if (irc_is(cmd, cmdlen, "001") && bench_opts.irc_no_join)
			become_ready(c);
		else if (irc_is(cmd, cmdlen, "001")) {
			irc_printf(c, "JOIN %s\r\n", BENCH_IRC_CHANNEL);
			c->state = CONN_JOIN;
		} else if (irc_is(cmd, cmdlen, "432") ||
		    irc_is(cmd, cmdlen, "433") || irc_is(cmd, cmdlen, "436") ||
		    irc_is(cmd, cmdlen, "437") || irc_is(cmd, cmdlen, "465")) {
			user_name(c, user, sizeof user);
			fail(c, "irc: nick %s refused: %.*s", user,
			    (int)(len > 120 ? 120 : len), (const char *)p);
		}
	} else if (c->state == CONN_JOIN) {
		if (irc_is(cmd, cmdlen, "366"))
			become_ready(c);
		else if (cmdlen == 3 && (cmd[0] == '4' || cmd[0] == '5'))
			fail(c, "irc: JOIN refused: %.*s",
			    (int)(len > 120 ? 120 : len), (const char *)p);
	}
}

/* Handles every whole line buffered. */
static void
irc_process(struct conn *c)
{
	size_t avail = evbuffer_get_length(c->in), off = 0, end, n;
	unsigned gen = c->gen;
	const uint8_t *data, *nl;

	if (avail == 0)
		return;
	data = evbuffer_pullup(c->in, -1);
	while (off < avail) {
		if ((nl = memchr(data + off, '\n', avail - off)) == NULL)
			break;
		end = (size_t)(nl - data);
		n = end - off;
		if (n > 0 && data[end - 1] == '\r')
			n--;
		irc_line(c, data + off, n);
		if (c->gen != gen)
			return; /* closed: the buffer is gone */
		off = end + 1;
	}
	evbuffer_drain(c->in, off);
	if (avail - off > BENCH_IRC_LINE_MAX)
		fail(c, "irc: line longer than %d bytes", BENCH_IRC_LINE_MAX);
}

/* ---- events ------------------------------------------------------------ */

/* The connect finished: start the protocol. */
static void
connected(struct conn *c)
{
	struct channel_config cc;
	char user[SC_USER_MAX_LEN + 16];
	socklen_t len = sizeof(int);
	int err = 0, rc;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		fail(c, "connect: %s", strerror(err));
		return;
	}
	event_del(c->wev);
	event_add(c->rev, NULL);
	if (bench_opts.proto == BENCH_IRC) {
		c->state = CONN_WELCOME;
		c->t_login = clock_mono_ns();
		user_name(c, user, sizeof user);
		irc_printf(c, "NICK %s\r\nUSER %s 0 * :bench\r\n", user, user);
		return;
	}
	memset(&cc, 0, sizeof cc);
	cc.role = CHANNEL_INITIATOR;
	cc.local = &c->w->key;
	cc.hello = CLIENT_HELLO;
	cc.hello_len = strlen(CLIENT_HELLO);
	if (!bench_opts.fresh_ephemeral)
		cc.reuse = &c->w->reuse;
	if ((rc = channel_init(&c->ch, &cc)) != 0) {
		fail(c, "channel: %s", sc_strerror(rc));
		return;
	}
	c->ch_live = true;
	c->state = CONN_HANDSHAKE;
	if ((rc = channel_start(&c->ch, c->out)) != 0) {
		fail(c, "handshake: %s", sc_strerror(rc));
		return;
	}
	conn_mark_dirty(c);
}

/*
 * The socket became readable (edge-triggered): reads and handles what it
 * holds until a read comes back short, which TCP does only once its
 * receive queue is empty; data arriving later makes a new edge.
 */
static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct evbuffer_iovec v;
	unsigned gen = c->gen;
	size_t want;
	ssize_t n;
	int one = 1;

	(void)what;
	for (;;) {
		if (evbuffer_reserve_space(c->in, BENCH_READ_CHUNK, &v, 1) !=
		    1) {
			bench_warn("out of memory");
			abort();
		}
		want = v.iov_len;
		n = read(fd, v.iov_base, want);
		if (n <= 0) {
			evbuffer_commit_space(c->in, &v, 0);
			if (n == 0)
				fail(c, "closed by the server");
			else if (errno == EINTR)
				continue;
			else if (errno != EAGAIN)
				fail(c, "read: %s", strerror(errno));
			return;
		}
		c->w->now = clock_mono_ns();
		c->w->reads++;
		v.iov_len = (size_t)n;
		evbuffer_commit_space(c->in, &v, 1);
		if (bench_opts.quickack)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one,
			    sizeof one);
		if (bench_opts.proto == BENCH_IRC)
			irc_process(c);
		else
			sc_process(c);
		if (c->gen != gen || (size_t)n < want)
			return; /* closed meanwhile, or drained */
	}
}

/* The socket is writable: the connect finished or output drained. */
static void
write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)what;
	if (c->state == CONN_CONNECTING) {
		connected(c);
		return;
	}
	if (evbuffer_write(c->out, fd) < 0 && errno != EAGAIN &&
	    errno != EINTR) {
		fail(c, "write: %s", strerror(errno));
		return;
	}
	if (evbuffer_get_length(c->out) == 0)
		event_del(c->wev);
}
