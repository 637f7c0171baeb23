/*
 * session.c: one client connection from accept to free: its socket and
 * events, its secure channel, its timer (handshake, login and idle
 * timeouts, and the flush after bye), its output cap, and its orderly
 * death. A session that dies is only marked dead; the reaper frees it from
 * the loop later, so nothing in flight (a broadcast, an auth job) touches
 * freed memory.
 *
 * A session reads its socket with a plain event into an evbuffer it holds
 * only while frames wait there, and writes its own output pages with
 * writev, asking for a writable event only when the socket is full. An
 * idle session so holds its struct (two events in it) and its channel
 * keys, not a bufferevent with two evbuffers (about 1 KiB more).
 *
 * Queued output is counted as the allocator holds it. libevent rounds an
 * evbuffer chain up to a power of two, so frames of 4.2 kB (a say of
 * 4096 bytes) took 8 kB chains each, and a session at a 1 MiB cap held
 * 2 MB. So a session's frames are encrypted into pages it owns (whole
 * frames, a frame may continue on the next page), each charged what
 * malloc holds for it; the pages are written straight to the socket.
 * Every session with queued output is in a max-heap by what it holds, so
 * the server-wide cap cuts the largest first.
 */
#include <sys/uio.h>
#include <arpa/inet.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <sodium.h>

#include "frame.h"
#include "server.h"

#define SESSION_BYE_FLUSH_MS 2000 /* time to flush after bye */

/*
 * Output pages: allocations of powers of two from SESSION_PAGE_MIN (one
 * frame of a session that keeps up) doubling to SESSION_PAGE_MAX while a
 * backlog grows (below glibc's mmap threshold, so they come from the
 * heap). At most SESSION_IOV pages go to one writev.
 */
#define SESSION_PAGE_MIN 1024
#define SESSION_PAGE_MAX 65536
#define SESSION_IOV	 64
/* What malloc keeps in front of each block (glibc: the chunk size). */
#define MALLOC_HEADER sizeof(size_t)

/* A page of queued output: data[head..len) waits to be written. */
struct outpage {
	struct outpage *next;
	size_t alloc;  /* charged: malloc_usable_size + MALLOC_HEADER */
	uint32_t size; /* bytes of data */
	uint32_t len;  /* bytes of frames in data */
	uint32_t head; /* bytes written (or lent, once the loan ends) */
	uint8_t data[];
};

/* Frames that continue on a new page are encrypted here first (the loop
 * thread is its only user; ciphertext only). */
static uint8_t seal_buf[SC_FRAME_MAX_WIRE];

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

/* ---- queued output: accounting ---------------------------------------- */

/* Swaps heap entries i and j (0-based). */
static void
heap_swap(struct server *srv, unsigned i, unsigned j)
{
	struct session *t = srv->out_heap[i];

	srv->out_heap[i] = srv->out_heap[j];
	srv->out_heap[j] = t;
	srv->out_heap[i]->out_pos = i + 1;
	srv->out_heap[j]->out_pos = j + 1;
}

/* Moves entry i up while it holds more than its parent. */
static void
heap_up(struct server *srv, unsigned i)
{
	while (i > 0 &&
	    srv->out_heap[i]->out_mem > srv->out_heap[(i - 1) / 2]->out_mem) {
		heap_swap(srv, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

/* Moves entry i down while a child holds more. */
static void
heap_down(struct server *srv, unsigned i)
{
	unsigned big, c;

	for (;;) {
		big = i;
		for (c = 2 * i + 1; c <= 2 * i + 2 && c < srv->out_heap_len;
		     c++) {
			if (srv->out_heap[c]->out_mem >
			    srv->out_heap[big]->out_mem)
				big = c;
		}
		if (big == i)
			return;
		heap_swap(srv, i, big);
		i = big;
	}
}

/* s's output now holds n bytes more. */
static void
out_charge(struct session *s, size_t n)
{
	struct server *srv = s->srv;

	s->out_mem += n;
	srv->out_total += n;
	if (s->out_pos == 0) {
		if (srv->out_heap_len == srv->out_heap_cap) {
			srv->out_heap_cap =
			    srv->out_heap_cap ? 2 * srv->out_heap_cap : 64;
			srv->out_heap = xreallocarray(srv->out_heap,
			    srv->out_heap_cap, sizeof *srv->out_heap);
		}
		srv->out_heap[srv->out_heap_len++] = s;
		s->out_pos = srv->out_heap_len;
	}
	heap_up(srv, s->out_pos - 1);
}

/* s's output now holds n bytes less; a session holding none leaves the
 * heap (freed once empty, so an idle server holds none). */
static void
out_uncharge(struct session *s, size_t n)
{
	struct server *srv = s->srv;
	unsigned i = s->out_pos - 1;

	s->out_mem -= n;
	srv->out_total -= n;
	if (s->out_mem > 0) {
		heap_down(srv, i);
		return;
	}
	s->out_pos = 0;
	if (i != --srv->out_heap_len) {
		srv->out_heap[i] = srv->out_heap[srv->out_heap_len];
		srv->out_heap[i]->out_pos = i + 1;
		heap_up(srv, i);
		heap_down(srv, srv->out_heap[i]->out_pos - 1);
	}
	if (srv->out_heap_len == 0) {
		free(srv->out_heap);
		srv->out_heap = NULL;
		srv->out_heap_cap = 0;
	}
}

/* The allocation for the next page, after one of prev bytes (0: none),
 * to hold need more bytes. */
static size_t
page_alloc_size(size_t prev, size_t need)
{
	size_t size = prev > 0 ? 2 * prev : SESSION_PAGE_MIN;

	need += MALLOC_HEADER + offsetof(struct outpage, data);
	while (size < need && size < SESSION_PAGE_MAX)
		size <<= 1;
	return size < SESSION_PAGE_MAX ? size : SESSION_PAGE_MAX;
}

/* What queueing a frame of wire bytes would add to s's output. */
static size_t
frame_cost(const struct session *s, size_t wire)
{
	const struct outpage *t = s->out_tail;
	size_t room = t != NULL ? t->size - t->len : 0, prev, a, cost = 0;

	if (wire <= room)
		return 0;
	prev = t != NULL ? t->alloc : 0;
	for (wire -= room; wire > 0; prev = a) {
		a = page_alloc_size(prev, wire);
		cost += a;
		wire -=
		    wire < a - MALLOC_HEADER - offsetof(struct outpage, data) ?
		    wire :
		    a - MALLOC_HEADER - offsetof(struct outpage, data);
	}
	return cost;
}

/* Appends a new page for need more bytes to s's output. */
static struct outpage *
page_new(struct session *s, size_t need)
{
	size_t a = page_alloc_size(s->out_tail ? s->out_tail->alloc : 0, need);
	struct outpage *p = xmalloc(a - MALLOC_HEADER);

	p->next = NULL;
	p->alloc = malloc_usable_size(p) + MALLOC_HEADER;
	p->size = (uint32_t)(p->alloc - MALLOC_HEADER -
	    offsetof(struct outpage, data));
	p->len = p->head = 0;
	if (s->out_tail == NULL)
		s->out_head = p;
	else
		s->out_tail->next = p;
	s->out_tail = p;
	out_charge(s, p->alloc);
	return p;
}

/* Frees s's head page. */
static void
page_pop(struct session *s)
{
	struct outpage *p = s->out_head;

	s->out_head = p->next;
	if (s->out_head == NULL)
		s->out_tail = NULL;
	out_uncharge(s, p->alloc);
	free(p);
}

/* Copies a frame of wire bytes from seal_buf to the end of s's output,
 * continuing on new pages. */
static void
queue_copy(struct session *s, size_t wire)
{
	struct outpage *p = s->out_tail;
	size_t off = 0, n;

	while (off < wire) {
		if (p == NULL || p->len == p->size)
			p = page_new(s, wire - off);
		n = p->size - p->len;
		if (n > wire - off)
			n = wire - off;
		memcpy(p->data + p->len, seal_buf + off, n);
		p->len += (uint32_t)n;
		off += n;
	}
}

/* Written: n bytes left s's output pages. */
static void
out_consume(struct session *s, size_t n)
{
	struct outpage *p;

	while (n > 0 && (p = s->out_head) != NULL) {
		if (n < p->len - p->head) {
			p->head += (uint32_t)n;
			return;
		}
		n -= p->len - p->head;
		page_pop(s);
	}
}

/* Drops everything s has queued (it is dead). */
static void
out_release(struct session *s)
{
	while (s->out_head != NULL)
		page_pop(s);
}

/* Queues raw bytes (handshake messages) from b, emptying it. */
static void
queue_raw(struct session *s, struct evbuffer *b)
{
	size_t n;

	while ((n = evbuffer_get_length(b)) > 0) {
		if (n > sizeof seal_buf)
			n = sizeof seal_buf;
		if (s->dead) {
			evbuffer_drain(b, n);
			continue;
		}
		if (evbuffer_remove(b, seal_buf, n) != (int)n)
			log_fatal("evbuffer_remove failed");
		queue_copy(s, n);
	}
}

/* True when s has nothing left to write. */
static bool
out_empty(struct session *s)
{
	return s->out_head == NULL;
}

/*
 * Reads while s can take input: not dead or closing, not paused for its
 * request budget, and less than one maximal frame waiting (so no session
 * buffers more than that before it is handled).
 */
static void
update_read(struct session *s)
{
	bool want = !s->dead && s->state != SESSION_CLOSING &&
	    s->paused_until_ms == 0 &&
	    (s->in == NULL || evbuffer_get_length(s->in) < SC_FRAME_MAX_WIRE);

	if (want == s->reading)
		return;
	s->reading = want;
	if (want)
		event_add(&s->rev, NULL);
	else
		event_del(&s->rev);
}

/* Gives back an input buffer with nothing left in it; reads or not. */
static void
input_settle(struct session *s)
{
	if (s->in != NULL && evbuffer_get_length(s->in) == 0) {
		evbuffer_free(s->in);
		s->in = NULL;
	}
	update_read(s);
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
	evtimer_add(&s->timer, &tv);
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
		session_process(s); /* and reads again */
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

static void session_yield(struct session *);

/*
 * Input arrived. The first input after the loop slept is handled at once
 * (it opens a pass); while a pass is open, input waits for its turn at
 * the pass's end, so the loop is back at its timers and the socket's
 * events after at most one pass, never a pass and the next one's reads.
 */
static void
session_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	size_t have;
	int n;

	(void)what;
	if (s->dead)
		return;
	if (s->in == NULL && (s->in = evbuffer_new()) == NULL)
		xnomem();
	have = evbuffer_get_length(s->in);
	if (have < SC_FRAME_MAX_WIRE) {
		n = evbuffer_read(s->in, fd, (int)(SC_FRAME_MAX_WIRE - have));
		if (n == 0) {
			session_kill(s, "closed by peer");
			return;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			log_peer(LOG_LEVEL_INFO, s->host, "socket error %s: %s",
			    s->addr, strerror(errno));
			session_kill(s, "socket error");
			return;
		}
	}
	if (s->srv->pass_armed)
		session_yield(s);
	else
		session_process(s);
	input_settle(s);
}

static void session_flush(struct session *);

static void session_dirty(struct session *);

/*
 * The socket can take output again: what is queued is written at the end
 * of the pass with the rest (a callback per writable socket must not
 * write unbounded amounts outside the pass's clock).
 */
static void
session_writable_cb(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	if (s->dead)
		return;
	s->writing = false; /* flushed straight again from now */
	session_dirty(s);
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

	s->fd = fd;
	if (event_assign(&s->rev, srv->base, fd, EV_READ | EV_PERSIST,
		session_read_cb, s) != 0 ||
	    event_assign(&s->timer, srv->base, -1, 0, session_timer, s) != 0)
		log_fatal("event_assign failed");

	cc.role = CHANNEL_RESPONDER;
	cc.local = &srv->key;
	cc.hello = srv->hello;
	cc.hello_len = srv->hello_len;
	cc.key_cache = srv->key_cache;
	if (channel_init(&s->ch, &cc) != 0)
		log_fatal("channel_init failed");
	channel_set_max_frame(&s->ch, SC_PRELOGIN_MAX_FRAME);
	update_read(s);
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

void
session_pass_work(struct server *srv)
{
	struct timeval now = { 0, 0 };

	if (!srv->pass_armed) {
		evtimer_add(srv->pass_timer, &now);
		srv->pass_armed = true;
		srv->pass_start_us = clock_mono_us();
	}
}

bool
session_pass_older(const struct server *srv, uint64_t us)
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
	session_pass_work(s->srv);
}

/* s has output to write at the end of the pass. */
static void
session_dirty(struct session *s)
{
	if (!s->flush_queued && !s->writing) {
		TAILQ_INSERT_TAIL(&s->srv->flush, s, flush_entry);
		s->flush_queued = true;
		session_pass_work(s->srv);
	}
}

/* True after a write failed with a real error (s is then killed). */
static bool
write_failed(struct session *s, ssize_t n)
{
	if (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return false;
	log_info("socket error %s: %s", s->addr, strerror(errno));
	session_kill(s, "socket error");
	return true;
}

/* Writes s's output pages straight to its socket until it is full. */
static bool
write_pages(struct session *s)
{
	struct iovec iov[SESSION_IOV];
	struct outpage *p;
	size_t total;
	ssize_t n;
	int k;

	while (s->out_head != NULL) {
		total = 0;
		for (k = 0, p = s->out_head; p != NULL && k < SESSION_IOV;
		     p = p->next, k++) {
			iov[k].iov_base = p->data + p->head;
			iov[k].iov_len = p->len - p->head;
			total += iov[k].iov_len;
		}
		n = writev(s->fd, iov, k);
		if (write_failed(s, n))
			return false;
		if (n <= 0)
			break;
		out_consume(s, (size_t)n);
		if ((size_t)n < total)
			break; /* the socket is full */
	}
	return true;
}

/*
 * Writes s's output to its socket. When the socket does not take it all,
 * s waits for it to be writable (session_writable_cb). A closing session
 * whose bye is out is done.
 */
static void
session_flush(struct session *s)
{
	if (s->dead || s->writing)
		return;
	if (!write_pages(s))
		return;
	if (!out_empty(s)) {
		s->writing = true;
		if (s->wev == NULL &&
		    (s->wev = event_new(s->srv->base, s->fd, EV_WRITE,
			 session_writable_cb, s)) == NULL)
			xnomem();
		event_add(s->wev, NULL);
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
	/* pass_armed stays set: the work done here counts on this pass's
	 * clock (the timer is armed again below when work is left). Held
	 * fan-outs go first: no frame is handled before they are out. */
	fanout_resume(srv);
	last = TAILQ_LAST(&srv->ready, session_list);
	while (!fanout_busy(srv) &&
	    !session_pass_older(srv, SERVER_PASS_WORK_US) &&
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
		if (session_pass_older(srv, SERVER_PASS_FLUSH_US))
			break;
	}
	srv->pass_armed = false; /* a new pass starts here */
	if (!TAILQ_EMPTY(&srv->ready) || !TAILQ_EMPTY(&srv->flush) ||
	    fanout_busy(srv))
		session_pass_work(srv);
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
	update_read(s);
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
	struct evbuffer *in = s->in;
	const char *what;
	unsigned frames = 0;
	size_t len;
	int rc;

	if (s->ready_queued || s->paused_until_ms != 0)
		return; /* its turn comes in order; or after its pause */
	while (in != NULL && !s->dead && !s->auth_pending &&
	    s->state != SESSION_CLOSING) {
		if (frame_peek(in, &len) == 1) {
			session_pass_work(srv);
			if (frames == SERVER_FRAMES_PER_TURN ||
			    fanout_busy(srv) ||
			    session_pass_older(srv, SERVER_PASS_WORK_US)) {
				session_yield(s);
				break;
			}
			if (!budget_take(s, SC_FRAME_HEADER_LEN + len))
				break;
		}
		frames++;
		rc = channel_read(&s->ch, in, srv->hs_out, srv->rbuf,
		    SC_MSG_MAX_LEN, &len);
		if (evbuffer_get_length(srv->hs_out) > 0) {
			queue_raw(s, srv->hs_out); /* handshake messages */
			session_dirty(s);
		}
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
	input_settle(s);
}

/* Resumes input after an auth check came back. */
void
session_resume(struct session *s)
{
	s->auth_pending = false;
	if (!s->dead)
		session_process(s);
}

/*
 * The server's queued output would pass output_total_cap by cost: cuts
 * the sessions holding the most until it would not. Returns false when s
 * itself was cut.
 */
static bool
total_make_room(struct session *s, size_t cost)
{
	struct server *srv = s->srv;
	struct session *v;

	while (srv->out_total + cost > srv->cfg.output_total_cap &&
	    srv->out_heap_len > 0) {
		v = srv->out_heap[0];
		log_peer(LOG_LEVEL_WARNING, v->host,
		    "slow reader %s%s%s: %zu bytes queued, the most of any "
		    "connection with %zu queued in all, output_total_cap %zu, "
		    "disconnecting",
		    v->addr, v->user != NULL ? " user " : "",
		    v->user != NULL ? v->user->name : "", v->out_mem,
		    srv->out_total, srv->cfg.output_total_cap);
		session_kill(v, "slow reader");
		if (v == s)
			return false;
	}
	return true;
}

/*
 * Encrypts and queues one plaintext, enforcing the output caps: what the
 * allocator would hold for s's output after it, and for everyone's.
 */
int
session_send(struct session *s, const void *pt, size_t len)
{
	size_t wire = CHANNEL_FRAME_LEN(len), cost;
	struct outpage *t;
	int rc;

	if (s->dead || s->state == SESSION_CLOSING)
		return -1;
	if (len > SC_MSG_MAX_LEN) {
		session_kill(s, sc_strerror(SC_ERR_TOO_LONG));
		return -1;
	}
	cost = frame_cost(s, wire);
	if (s->out_mem + cost > s->srv->cfg.output_cap) {
		log_peer(LOG_LEVEL_WARNING, s->host,
		    "slow reader %s%s%s: %zu bytes queued, cap %zu, "
		    "disconnecting",
		    s->addr, s->user != NULL ? " user " : "",
		    s->user != NULL ? s->user->name : "", s->out_mem,
		    s->srv->cfg.output_cap);
		session_kill(s, "slow reader");
		return -1;
	}
	if (cost > 0 && !total_make_room(s, cost))
		return -1;
	t = s->out_tail;
	if (t != NULL && t->size - t->len >= wire) {
		rc = channel_seal(&s->ch, pt, len, t->data + t->len);
		if (rc == 0)
			t->len += (uint32_t)wire;
	} else if ((rc = channel_seal(&s->ch, pt, len, seal_buf)) == 0)
		queue_copy(s, wire);
	if (rc != 0) {
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
	admit_leave(s);
	if (s->user != NULL)
		roster_remove(s->srv, s);
	update_read(s);
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
	out_release(s); /* its memory is counted no more */
	admit_leave(s);
	s->srv->n_dying++;
	update_read(s);
	if (s->wev != NULL)
		event_del(s->wev);
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

/* Closes and frees dead sessions (new deaths while reaping too): all of
 * them, or with bounded, while the pass is young (at least one); true
 * when some are left. */
static bool
reap(struct server *srv, bool bounded)
{
	struct session *s;
	unsigned n = 0;
	uint64_t ms;

	if (bounded)
		session_pass_work(srv);
	while ((s = TAILQ_FIRST(&srv->dead)) != NULL) {
		if (bounded && n++ > 0 && n % SERVER_REAP_CHECK_EVERY == 0 &&
		    session_pass_older(srv, SERVER_PASS_WORK_US))
			break;
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
		event_del(&s->rev);
		event_del(&s->timer);
		if (s->wev != NULL)
			event_free(s->wev);
		s->wev = NULL;
		if (s->in != NULL)
			evbuffer_free(s->in);
		s->in = NULL;
		evutil_closesocket(s->fd);
		s->fd = -1;
		channel_free(&s->ch);
		session_unref(s);
	}
	server_listener_retry(srv);
	server_check_stopped(srv);
	return !TAILQ_EMPTY(&srv->dead);
}

void
session_reap(struct server *srv)
{
	(void)reap(srv, false);
}

bool
session_reap_some(struct server *srv)
{
	return reap(srv, true);
}
