/*
 * chat.c: the scenarios that stream chat messages: fanout (senders as fast
 * as a window of unacknowledged messages allows), latency (a fixed offered
 * rate) and login-storm (the latency stream, then L real logins at once).
 *
 * Users: receivers are PREFIX0..PREFIX(N-1), senders PREFIXN..PREFIX(N+S-1).
 * Every text is exactly BENCH_TEXT_LEN bytes, "s=<sender>,q=<seq>,t=<ns>,"
 * padded with 'x', so receivers recover sender, sequence number and send
 * time (this process's monotonic clock) without any server help.
 *
 * Acknowledgement rule, the same for both protocols: a sender's message
 * counts as acknowledged when receiver 0 has received it. (IRC servers do
 * not echo PRIVMSG to its sender, so the sender's own echo cannot be used.)
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "msg.h"

#define SAY_PREFIX	 "{\"type\":\"say\","
#define PRESENCE_PREFIX	 "{\"type\":\"presence\""
#define TEXT_MEMBER	 "\"text\":\""
#define SAY_REQUEST_HEAD "{\"type\":\"say\",\"text\":\""
#define SAY_REQUEST_TAIL "\"}"
#define PRIVMSG_HEAD	 "PRIVMSG " BENCH_IRC_CHANNEL " :"
#define STORM_RECHECK_MS 100
#define DRAIN_CHECK_MS	 50

enum chat_mode {
	MODE_FANOUT,
	MODE_LATENCY,
	MODE_STORM,
};

enum chat_role {
	ROLE_RECEIVER,
	ROLE_SENDER,
	ROLE_STORM,
};

enum chat_phase {
	PHASE_SETUP,
	PHASE_SETTLE,
	PHASE_RUN,
	PHASE_DRAIN,
	PHASE_DONE,
};

struct sender {
	struct conn c;
	uint64_t sent;	  /* next sequence number */
	uint64_t acked;	  /* received by receiver 0 */
	uint64_t refused; /* answered with an error */
};

struct receiver {
	struct conn c;
	uint64_t *next; /* per sender: next sequence expected */
	uint64_t *gaps; /* per sender: skipped, not seen since */
	uint64_t received;
	uint64_t dups;
	uint64_t reorders;
};

struct chat {
	enum chat_mode mode;
	enum chat_phase phase;
	struct worker w;
	struct receiver *rx;
	unsigned n_rx;
	struct sender *tx;
	unsigned n_tx;
	unsigned total, opened, ready;
	struct event *phase_ev, *tick_ev, *storm_ev, *steady_ev;

	int status;
	char error[400];
	uint64_t lost_after_ready;

	uint64_t t_setup, t0, t_steady, t_end, t_stop, t_done;
	struct bench_usage usage; /* the run: start to end of sending */
	uint64_t offered, sent, skipped, lag_max_ns;
	uint64_t delivered, steady_deliveries, unparsed, errors;
	char first_error[64];
	struct hist lat, lat_quiet, lat_storm;

	struct conn *storm;
	unsigned n_storm, storm_ok, storm_failed;
	uint64_t storm_start, storm_end, storm_first_login, storm_last_ok;
	bool storm_done;
	char storm_error[400];
	/* Server stall windows (target_mark): setup, the warmup, the
	 * steady run before the storm (storm only), the rest of the run and
	 * the drain. */
	long mark_setup, mark_warmup, mark_quiet, mark_end;
};

static struct chat chat;

static void end_run(void);

/* True when p[0..len) starts with s. */
static bool
has_prefix(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len >= n && memcmp(p, s, n) == 0;
}

/* Stops the run now with an error; what was measured is still shown. */
static void __attribute__((format(printf, 1, 2)))
abort_run(const char *fmt, ...)
{
	va_list ap;

	if (chat.status == BENCH_EXIT_OK) {
		va_start(ap, fmt);
		vsnprintf(chat.error, sizeof chat.error, fmt, ap);
		va_end(ap);
	}
	chat.status = BENCH_EXIT_FAIL;
	if (chat.t_stop == 0)
		chat.t_stop = clock_mono_ns();
	bench_usage_stop(&chat.usage);
	chat.phase = PHASE_DONE;
	chat.t_done = clock_mono_ns();
	chat.w.stop = true;
}

/* Arms ev to fire after ns nanoseconds. */
static void
arm(struct event *ev, uint64_t ns)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ns / 1000000000u);
	tv.tv_usec = (suseconds_t)(ns % 1000000000u / 1000);
	evtimer_add(ev, &tv);
}

/* Messages each receiver should get: every one the server took. */
static uint64_t
expected_per_receiver(void)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < chat.n_tx; i++)
		n += chat.tx[i].sent - chat.tx[i].refused;
	return n;
}

/* Messages sent by s that receiver 0 has not seen yet. */
static uint64_t
outstanding(const struct sender *s)
{
	uint64_t done = s->acked + s->refused;

	return s->sent > done ? s->sent - done : 0;
}

/* Appends the decimal digits of v at p; returns the end. */
static char *
put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

/* Writes the BENCH_TEXT_LEN-byte text for one message into out. */
static void
make_text(char *out, unsigned sender, uint64_t seq, uint64_t t)
{
	char *p = out;

	*p++ = 's';
	*p++ = '=';
	p = put_u64(p, sender);
	*p++ = ',';
	*p++ = 'q';
	*p++ = '=';
	p = put_u64(p, seq);
	*p++ = ',';
	*p++ = 't';
	*p++ = '=';
	p = put_u64(p, t);
	*p++ = ',';
	memset(p, 'x', (size_t)(out + BENCH_TEXT_LEN - p));
}

/* Parses one unsigned decimal number ending at sep. */
static bool
get_u64(const uint8_t **pp, const uint8_t *end, char sep, uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t n = 0;

	if (p >= end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9') {
		if (n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*p++ - '0');
	}
	if (p >= end || *p != sep)
		return false;
	*pp = p + 1;
	*v = n;
	return true;
}

/* Recovers sender, sequence and send time from a text. */
static bool
parse_text(const uint8_t *p, size_t len, uint64_t *s, uint64_t *q, uint64_t *t)
{
	const uint8_t *end = p + len;

	if (len < BENCH_TEXT_LEN || p[0] != 's' || p[1] != '=')
		return false;
	p += 2;
	if (!get_u64(&p, end, ',', s) || end - p < 2 || p[0] != 'q' ||
	    p[1] != '=')
		return false;
	p += 2;
	if (!get_u64(&p, end, ',', q) || end - p < 2 || p[0] != 't' ||
	    p[1] != '=')
		return false;
	p += 2;
	return get_u64(&p, end, ',', t);
}

/* Queues one message from s. */
static void
send_one(struct sender *s)
{
	char buf[sizeof SAY_REQUEST_HEAD + BENCH_TEXT_LEN + 8];
	size_t head, len;
	int rc;

	if (bench_opts.proto == BENCH_IRC) {
		head = strlen(PRIVMSG_HEAD);
		memcpy(buf, PRIVMSG_HEAD, head);
		make_text(buf + head, s->c.index, s->sent, clock_mono_ns());
		memcpy(buf + head + BENCH_TEXT_LEN, "\r\n", 2);
		len = head + BENCH_TEXT_LEN + 2;
	} else {
		head = strlen(SAY_REQUEST_HEAD);
		memcpy(buf, SAY_REQUEST_HEAD, head);
		make_text(buf + head, s->c.index, s->sent, clock_mono_ns());
		memcpy(buf + head + BENCH_TEXT_LEN, SAY_REQUEST_TAIL,
		    strlen(SAY_REQUEST_TAIL));
		len = head + BENCH_TEXT_LEN + strlen(SAY_REQUEST_TAIL);
	}
	if ((rc = conn_send(&s->c, buf, len)) != 0) {
		abort_run("sender %u: %s", s->c.index, sc_strerror(rc));
		return;
	}
	s->sent++;
	chat.sent++;
}

/* Records one latency in the histograms its send time belongs to. */
static void
record_latency(uint64_t t, uint64_t now)
{
	uint64_t us = (now - t) / 1000;

	if (t < chat.t_steady)
		return;
	hist_add(&chat.lat, us);
	if (chat.mode != MODE_STORM)
		return;
	if (chat.storm_start == 0 || t < chat.storm_start)
		hist_add(&chat.lat_quiet, us);
	else if (!chat.storm_done || t <= chat.storm_end)
		hist_add(&chat.lat_storm, us);
}

/* Ends the drain once every expected delivery has arrived. */
static void
check_drained(void)
{
	if (chat.phase == PHASE_DRAIN &&
	    chat.delivered >= expected_per_receiver() * chat.n_rx) {
		chat.phase = PHASE_DONE;
		chat.t_done = clock_mono_ns();
		chat.w.stop = true;
	}
}

/* One message from sender s, sequence q, sent at t, at receiver r: it
 * arrived when the read that brought it returned. */
static void
deliver(struct receiver *r, uint64_t s, uint64_t q, uint64_t t)
{
	uint64_t now = r->c.w->now, next;

	if (s >= chat.n_tx || t > now) {
		chat.unparsed++;
		return;
	}
	r->received++;
	chat.delivered++;
	next = r->next[s];
	if (q == next)
		r->next[s] = q + 1;
	else if (q > next) {
		r->gaps[s] += q - next;
		r->next[s] = q + 1;
	} else if (r->gaps[s] > 0) {
		r->gaps[s]--;
		r->reorders++;
	} else
		r->dups++;
	if (now >= chat.t_steady && now < chat.t_end)
		chat.steady_deliveries++;
	record_latency(t, now);
	if (r->c.index == 0) {
		chat.tx[s].acked++;
		if (chat.mode == MODE_FANOUT && chat.phase == PHASE_RUN)
			conn_mark_dirty(&chat.tx[s].c);
	}
	check_drained();
}

/* Counts an error reply; a sender's error for say refuses a message. */
static void
count_error(struct conn *c, const char *code, bool refused)
{
	chat.errors++;
	if (chat.first_error[0] == '\0')
		snprintf(chat.first_error, sizeof chat.first_error, "%s", code);
	if (refused && c->role == ROLE_SENDER) {
		((struct sender *)c->arg)->refused++;
		/* A refused message frees its window slot too. */
		if (chat.mode == MODE_FANOUT && chat.phase == PHASE_RUN)
			conn_mark_dirty(c);
	}
	check_drained();
}

/* A securechat plaintext that is not a fast-path say. */
static void
sc_other(struct conn *c, const uint8_t *p, size_t len)
{
	struct msg ev;
	uint64_t s, q, t;

	if (msg_event_parse(&ev, p, len) != 0) {
		chat.unparsed++;
		msg_clear(&ev);
		return;
	}
	if (ev.type == MSG_SAY && c->role == ROLE_RECEIVER) {
		if (parse_text((const uint8_t *)ev.text.s, ev.text.len, &s, &q,
			&t))
			deliver(c->arg, s, q, t);
		else
			chat.unparsed++;
	} else if (ev.type == MSG_ERROR)
		count_error(c, ev.code_name.s,
		    ev.ref.s != NULL && (strcmp(ev.ref.s, "say") == 0));
	msg_clear(&ev);
}

/*
 * Finds the text of a say event without decoding it: text is its last
 * member ({"type","id","ts","from","text"}), BENCH_TEXT_LEN bytes that
 * need no escaping, so it sits at a fixed distance from the end; any other
 * shape is searched for. NULL when there is no text member.
 */
static const uint8_t *
say_text(const uint8_t *p, size_t len)
{
	size_t member = strlen(TEXT_MEMBER), tail = member + BENCH_TEXT_LEN + 2;
	const uint8_t *text;

	if (len >= tail && memcmp(p + len - 2, "\"}", 2) == 0 &&
	    memcmp(p + len - tail, TEXT_MEMBER, member) == 0)
		return p + len - tail + member;
	text = memmem(p, len, TEXT_MEMBER, member);
	return text != NULL ? text + member : NULL;
}

/* A securechat plaintext after login. */
static void
sc_message(struct conn *c, const uint8_t *p, size_t len)
{
	const uint8_t *text;
	uint64_t s, q, t;

	if (has_prefix(p, len, SAY_PREFIX)) {
		if (c->role != ROLE_RECEIVER)
			return;
		if ((text = say_text(p, len)) != NULL) {
			if (parse_text(text, len - (size_t)(text - p), &s, &q,
				&t)) {
				deliver(c->arg, s, q, t);
				return;
			}
		}
	} else if (has_prefix(p, len, PRESENCE_PREFIX))
		return;
	sc_other(c, p, len);
}

/* An IRC line after JOIN. */
static void
irc_message(struct conn *c, const uint8_t *p, size_t len)
{
	const uint8_t *cmd, *text, *end = p + len;
	char code[8];
	uint64_t s, q, t;

	cmd = memmem(p, len, " PRIVMSG ", 9);
	if (cmd != NULL) {
		if (c->role != ROLE_RECEIVER)
			return;
		text = memmem(cmd + 9, (size_t)(end - cmd - 9), " :", 2);
		if (text != NULL &&
		    parse_text(text + 2, (size_t)(end - text - 2), &s, &q, &t))
			deliver(c->arg, s, q, t);
		else
			chat.unparsed++;
		return;
	}
	/* ":server 404 nick #bench :Cannot send to channel" and the like */
	if (len > 0 && p[0] == ':' && (cmd = memchr(p, ' ', len)) != NULL &&
	    end - cmd >= 5 && (cmd[1] == '4' || cmd[1] == '5') &&
	    cmd[4] == ' ') {
		memcpy(code, cmd + 1, 3);
		code[3] = '\0';
		count_error(c, code, strcmp(code, "404") == 0);
	}
}

/* Hook: a plaintext or line. */
static void
chat_message_hook(struct conn *c, const uint8_t *p, size_t len)
{
	if (bench_opts.proto == BENCH_IRC)
		irc_message(c, p, len);
	else
		sc_message(c, p, len);
}

/* Hook: before a dirty sender's output goes out, fill its window. */
static void
chat_flush_hook(struct conn *c)
{
	struct sender *s = c->arg;

	if (c->role != ROLE_SENDER || chat.mode != MODE_FANOUT ||
	    chat.phase != PHASE_RUN)
		return;
	while (outstanding(s) < bench_opts.window && chat.phase == PHASE_RUN)
		send_one(s);
}

/* The latency schedule: message k is due at t0 + k / rate. */
static void
tick_timer(evutil_socket_t fd, short what, void *arg)
{
	double per = 1e9 / bench_opts.rate;
	uint64_t now = clock_mono_ns(), due, lag, next;
	struct sender *s;

	(void)fd;
	(void)what;
	(void)arg;
	if (chat.phase != PHASE_RUN)
		return;
	due = (uint64_t)((double)(now - chat.t0) / per) + 1;
	while (chat.offered < due && chat.phase == PHASE_RUN) {
		lag = now - chat.t0 - (uint64_t)((double)chat.offered * per);
		if (lag > chat.lag_max_ns)
			chat.lag_max_ns = lag;
		s = &chat.tx[chat.offered % chat.n_tx];
		chat.offered++;
		if (outstanding(s) >= bench_opts.window)
			chat.skipped++;
		else
			send_one(s);
	}
	next = chat.t0 + (uint64_t)ceil((double)chat.offered * per);
	arm(chat.tick_ev, next > now ? next - now : 0);
}

/* ---- the login storm --------------------------------------------------- */

/* Marks the storm over once every login has an answer. */
static void
check_storm(void)
{
	if (chat.storm_done || chat.storm_ok + chat.storm_failed < chat.n_storm)
		return;
	chat.storm_done = true;
	chat.storm_end = clock_mono_ns();
	bench_set_phase("run (after the storm)");
}

/* Opens every storm connection at once. */
static void
storm_timer(evutil_socket_t fd, short what, void *arg)
{
	char why[256];
	unsigned i;

	(void)fd;
	(void)what;
	(void)arg;
	if (chat.phase != PHASE_RUN)
		return;
	bench_set_phase("login storm");
	chat.mark_quiet = target_mark();
	chat.storm_start = clock_mono_ns();
	for (i = 0; i < chat.n_storm; i++) {
		chat.storm[i].role = ROLE_STORM;
		chat.storm[i].index = i;
		if (conn_open(&chat.storm[i], &chat.w, CONN_GOAL_LOGIN,
			bench_opts.storm_prefix, i, why, sizeof why) != 0) {
			chat.storm_failed++;
			if (chat.storm_error[0] == '\0')
				snprintf(chat.storm_error,
				    sizeof chat.storm_error, "%s%u: %s",
				    bench_opts.storm_prefix, i, why);
		}
	}
	check_storm();
}

/* A storm login succeeded: note it and hang up. */
static void
storm_ready(struct conn *c)
{
	if (chat.storm_first_login == 0 || c->t_login < chat.storm_first_login)
		chat.storm_first_login = c->t_login;
	chat.storm_last_ok = c->t_ready;
	chat.storm_ok++;
	conn_close(c, false);
	check_storm();
}

/* ---- phases ------------------------------------------------------------ */

/* Opens connections up to the setup concurrency. */
static void
open_more(void)
{
	struct conn *c;
	char why[256];
	unsigned i;

	while (chat.opened < chat.total &&
	    chat.opened - chat.ready < bench_opts.setup_concurrency &&
	    chat.phase == PHASE_SETUP) {
		i = chat.opened;
		c = i < chat.n_rx ? &chat.rx[i].c : &chat.tx[i - chat.n_rx].c;
		if (conn_open(c, &chat.w, CONN_GOAL_LOGIN,
			bench_opts.user_prefix, i, why, sizeof why) != 0) {
			abort_run("%s%u: %s", bench_opts.user_prefix, i, why);
			return;
		}
		chat.opened++;
	}
}

/* Starts sending. */
static void
start_run(void)
{
	double storm_at;
	unsigned i;

	bench_set_phase("run");
	chat.phase = PHASE_RUN;
	chat.t0 = clock_mono_ns();
	chat.t_steady = chat.t0 + (uint64_t)(bench_opts.warmup * 1e9);
	chat.t_end = chat.t0 + (uint64_t)(bench_opts.duration * 1e9);
	chat.mark_setup = target_mark();
	arm(chat.steady_ev, chat.t_steady - chat.t0);
	bench_usage_start(&chat.usage);
	if (chat.mode == MODE_FANOUT) {
		for (i = 0; i < chat.n_tx; i++)
			conn_mark_dirty(&chat.tx[i].c);
	} else
		arm(chat.tick_ev, 0);
	if (chat.mode == MODE_STORM) {
		storm_at = bench_opts.warmup +
		    (bench_opts.duration - bench_opts.warmup) / 2;
		arm(chat.storm_ev, (uint64_t)(storm_at * 1e9));
	}
	arm(chat.phase_ev, chat.t_end - chat.t0);
}

/* The warmup is over: its stall window ends (the first moments of a
 * stream touch fresh pages for every connection's output, a one-off). */
static void
steady_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (chat.phase == PHASE_RUN)
		chat.mark_warmup = target_mark();
}

/* Stops sending and waits for what is in flight. */
static void
end_run(void)
{
	chat.phase = PHASE_DRAIN;
	bench_set_phase("drain");
	chat.t_stop = clock_mono_ns();
	bench_usage_stop(&chat.usage);
	evtimer_del(chat.tick_ev);
	arm(chat.phase_ev, (uint64_t)DRAIN_CHECK_MS * 1000000u);
	check_drained();
}

/* The phase timer: settle over, run over, storm still going, drain. */
static void
phase_timer(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = clock_mono_ns();

	(void)fd;
	(void)what;
	(void)arg;
	switch (chat.phase) {
	case PHASE_SETTLE:
		start_run();
		break;
	case PHASE_RUN:
		if (chat.mode == MODE_STORM && !chat.storm_done) {
			arm(chat.phase_ev,
			    (uint64_t)STORM_RECHECK_MS * 1000000u);
			break;
		}
		end_run();
		break;
	case PHASE_DRAIN:
		if (now - chat.t_stop >= (uint64_t)BENCH_DRAIN_MS * 1000000u) {
			chat.phase = PHASE_DONE;
			chat.t_done = now;
			chat.w.stop = true;
		} else
			arm(chat.phase_ev, (uint64_t)DRAIN_CHECK_MS * 1000000u);
		break;
	default:
		break;
	}
}

/* Hook: a connection reached its goal. */
static void
chat_ready_hook(struct conn *c)
{
	if (c->role == ROLE_STORM) {
		storm_ready(c);
		return;
	}
	chat.ready++;
	if (chat.ready < chat.total) {
		open_more();
		return;
	}
	chat.t_setup = clock_mono_ns() - chat.t_setup;
	chat.phase = PHASE_SETTLE;
	bench_set_phase("settle");
	arm(chat.phase_ev, (uint64_t)BENCH_SETTLE_MS * 1000000u);
}

/* Hook: a connection failed or was closed. */
static void
chat_lost_hook(struct conn *c, const char *reason)
{
	char who[64];

	snprintf(who, sizeof who, "%s%u",
	    c->role == ROLE_STORM ? bench_opts.storm_prefix :
				    bench_opts.user_prefix,
	    c->user);
	if (c->role == ROLE_STORM) {
		chat.storm_failed++;
		if (chat.storm_error[0] == '\0')
			snprintf(chat.storm_error, sizeof chat.storm_error,
			    "%s: %s", who, reason);
		check_storm();
		return;
	}
	if (chat.phase == PHASE_SETUP || chat.phase == PHASE_SETTLE) {
		abort_run("setup: %s: %s", who, reason);
		return;
	}
	chat.lost_after_ready++;
	if (chat.status == BENCH_EXIT_OK)
		snprintf(chat.error, sizeof chat.error, "%s %s lost: %s",
		    c->role == ROLE_SENDER ? "sender" : "receiver", who,
		    reason);
	chat.status = BENCH_EXIT_FAIL;
	/* Without receiver 0 or a sender the windows cannot move. */
	if (chat.phase != PHASE_DONE &&
	    (c->role == ROLE_SENDER || c->index == 0))
		abort_run("%s", chat.error);
}

static const struct conn_hooks chat_hooks = { chat_ready_hook,
	chat_message_hook, chat_flush_hook, chat_lost_hook, NULL };

/* ---- setup and results ------------------------------------------------- */

/* Allocates connections and their bookkeeping. */
static void
chat_alloc(void)
{
	unsigned i;

	chat.n_rx = bench_opts.receivers;
	chat.n_tx = bench_opts.senders;
	chat.total = chat.n_rx + chat.n_tx;
	chat.rx = calloc(chat.n_rx, sizeof *chat.rx);
	chat.tx = calloc(chat.n_tx, sizeof *chat.tx);
	if (chat.rx == NULL || chat.tx == NULL)
		goto oom;
	for (i = 0; i < chat.n_rx; i++) {
		chat.rx[i].next = calloc(chat.n_tx, sizeof *chat.rx[i].next);
		chat.rx[i].gaps = calloc(chat.n_tx, sizeof *chat.rx[i].gaps);
		if (chat.rx[i].next == NULL || chat.rx[i].gaps == NULL)
			goto oom;
		chat.rx[i].c.role = ROLE_RECEIVER;
		chat.rx[i].c.index = i;
		chat.rx[i].c.arg = &chat.rx[i];
	}
	for (i = 0; i < chat.n_tx; i++) {
		chat.tx[i].c.role = ROLE_SENDER;
		chat.tx[i].c.index = i;
		chat.tx[i].c.arg = &chat.tx[i];
	}
	if (chat.mode == MODE_STORM) {
		chat.n_storm = bench_opts.logins;
		if ((chat.storm = calloc(chat.n_storm, sizeof *chat.storm)) ==
		    NULL)
			goto oom;
	}
	hist_init(&chat.lat);
	hist_init(&chat.lat_quiet);
	hist_init(&chat.lat_storm);
	return;
oom:
	bench_warn("out of memory");
	abort();
}

/* Closes and frees everything. */
static void
chat_release(void)
{
	unsigned i;

	for (i = 0; i < chat.n_rx; i++) {
		conn_free(&chat.rx[i].c);
		free(chat.rx[i].next);
		free(chat.rx[i].gaps);
	}
	for (i = 0; i < chat.n_tx; i++)
		conn_free(&chat.tx[i].c);
	for (i = 0; i < chat.n_storm; i++)
		conn_free(&chat.storm[i]);
	free(chat.rx);
	free(chat.tx);
	free(chat.storm);
	event_free(chat.phase_ev);
	event_free(chat.tick_ev);
	event_free(chat.storm_ev);
	event_free(chat.steady_ev);
	conn_worker_free(&chat.w);
	hist_free(&chat.lat);
	hist_free(&chat.lat_quiet);
	hist_free(&chat.lat_storm);
}

/* Reports delivery accounting: loss, duplicates, reordering. */
static void
report_deliveries(void)
{
	uint64_t expected, dups = 0, reorders = 0, distinct, refused = 0;
	unsigned i;

	for (i = 0; i < chat.n_rx; i++) {
		dups += chat.rx[i].dups;
		reorders += chat.rx[i].reorders;
	}
	for (i = 0; i < chat.n_tx; i++)
		refused += chat.tx[i].refused;
	expected = expected_per_receiver() * chat.n_rx;
	distinct = chat.delivered - dups;
	report_uint("messages_sent", chat.sent);
	report_uint("messages_refused", refused);
	report_uint("deliveries_expected", expected);
	report_uint("deliveries_received", chat.delivered);
	report_uint("lost", expected > distinct ? expected - distinct : 0);
	report_uint("duplicates", dups);
	report_uint("reordered", reorders);
	report_uint("unparsed", chat.unparsed);
	report_uint("server_errors", chat.errors);
	if (refused > 0)
		report_note("the server refused %llu messages: raise its "
			    "rate_burst and rate_per_sec for a throughput run",
		    (unsigned long long)refused);
	if (chat.first_error[0] != '\0')
		report_str("first_server_error", chat.first_error);
	report_note("expected = (messages sent - messages refused with an "
		    "error) x receivers; lost = expected - distinct deliveries "
		    "after "
		    "a drain of up to %d ms",
	    BENCH_DRAIN_MS);
	report_note(
	    "per receiver and sender: a sequence number below the "
	    "next expected one fills an earlier gap (reordered) or, with no "
	    "gap open, is a duplicate");
}

/* Reports the server's largest loop stall in each phase. */
static void
report_stalls(void)
{
	double setup, warmup = NAN, quiet = NAN, end, run;

	if (bench_opts.server_log == NULL)
		return;
	setup = target_window_ms(chat.mark_setup);
	if (chat.mark_warmup >= 0)
		warmup = target_window_ms(chat.mark_warmup);
	if (chat.mode == MODE_STORM)
		quiet = target_window_ms(chat.mark_quiet);
	end = target_window_ms(chat.mark_end);
	if (chat.t0 == 0) { /* never started sending: all of it was setup */
		setup = end;
		end = NAN;
	}
	run = target_stall_max(quiet, end);
	report_num("server_stall_setup_ms", setup);
	report_num("server_stall_warmup_ms", warmup);
	report_num("server_stall_run_ms", run);
	if (chat.mode == MODE_STORM) {
		report_num("server_stall_before_storm_ms", quiet);
		report_num("server_stall_storm_ms", end);
	}
	report_num("server_stall_max_ms",
	    target_stall_max(target_stall_max(setup, warmup), run));
	report_note("server stall: the daemon's largest event-loop stall "
		    "(its heartbeat's lateness, from the SIGUSR1 stats line) "
		    "while the connections were set up, during the warmup, "
		    "and from the end of the warmup to the end of the "
		    "drain%s; max: the largest",
	    chat.mode == MODE_STORM ? " (before the storm, and from the "
				      "storm on)" :
				      "");
}

/* Reports the whole run. */
static void
chat_report(void)
{
	double steady = bench_opts.duration - bench_opts.warmup;
	double q, s;
	long rss;

	report_str("scenario", bench_opts.scenario);
	report_str("proto",
	    bench_opts.proto == BENCH_IRC ? "irc" : "securechat");
	report_uint("receivers", chat.n_rx);
	report_uint("senders", chat.n_tx);
	report_uint("window", bench_opts.window);
	if (chat.mode != MODE_FANOUT)
		report_num("rate_offered_per_sec", bench_opts.rate);
	report_num("duration_s", bench_opts.duration);
	report_num("warmup_s", bench_opts.warmup);
	report_num("setup_s", chat.t0 != 0 ? (double)chat.t_setup / 1e9 : NAN);
	report_deliveries();
	if (chat.mode == MODE_FANOUT) {
		report_num("deliveries_per_sec",
		    (double)chat.steady_deliveries / steady);
		report_num("messages_per_sec",
		    (double)chat.steady_deliveries / steady / chat.n_rx);
		report_note("deliveries_per_sec: messages received by the %u "
			    "receivers between warmup and the end of sending, "
			    "per "
			    "second; messages_per_sec = that / receivers",
		    chat.n_rx);
	} else {
		report_uint("messages_offered", chat.offered);
		report_uint("skipped_by_window", chat.skipped);
		report_num("schedule_lag_max_us",
		    (double)chat.lag_max_ns / 1e3);
	}
	hist_report(&chat.lat, "latency");
	report_note("latency: receive time - send time carried in the text, "
		    "same clock, messages sent after warmup, every receiver");
	if (chat.mode == MODE_STORM) {
		hist_report(&chat.lat_quiet, "quiet_latency");
		hist_report(&chat.lat_storm, "storm_latency");
		q = (double)hist_quantile(&chat.lat_quiet, 0.99);
		s = (double)hist_quantile(&chat.lat_storm, 0.99);
		report_num("storm_p99_ratio", q > 0 ? s / q : NAN);
		report_uint("logins", chat.n_storm);
		report_uint("logins_ok", chat.storm_ok);
		report_uint("logins_failed", chat.storm_failed);
		report_uint("login_busy_replies", chat.w.login_busy);
		if (chat.storm_error[0] != '\0')
			report_str("first_login_failure", chat.storm_error);
		report_num("logins_per_sec",
		    chat.storm_ok > 0 &&
			    chat.storm_last_ok > chat.storm_first_login ?
			chat.storm_ok /
			    ((double)(chat.storm_last_ok -
				 chat.storm_first_login) /
				1e9) :
			NAN);
		report_num("storm_s",
		    chat.storm_done ?
			(double)(chat.storm_end - chat.storm_start) / 1e9 :
			NAN);
		report_note(
		    "logins_per_sec = successful logins / (last "
		    "login_ok - first login sent); quiet window: sent between "
		    "warmup and the storm; storm window: sent between the "
		    "first storm connect and the last login answer");
	}
	report_stalls();
	report_uint("login_ok_too_big", chat.w.login_ok_too_big);
	report_uint("bench_reads", chat.w.reads);
	report_num("bench_deliveries_per_read",
	    chat.w.reads > 0 ? (double)chat.delivered / chat.w.reads : NAN);
	report_note(
	    "bench_deliveries_per_read: deliveries / reads of every "
	    "connection (setup included); the more, the less each "
	    "delivery costs the generator in system calls (--round-us)");
	bench_usage_report(&chat.usage, "from the start of sending to its end");
	if ((rss = testlib_rss_kib(bench_opts.server_pid)) >= 0)
		report_uint("server_rss_kib", (uint64_t)rss);
	report_uint("connections_lost", chat.lost_after_ready);
	report_str("status", chat.status == BENCH_EXIT_OK ? "ok" : chat.error);
	report_note("acknowledged = received by receiver 0 (both protocols); "
		    "a sender keeps at most %u messages unacknowledged",
	    bench_opts.window);
}

/* Runs fanout, latency or login-storm. */
int
chat_run(void)
{
	int rc;

	memset(&chat, 0, sizeof chat);
	chat.mark_setup = chat.mark_warmup = chat.mark_quiet = chat.mark_end =
	    -1;
	(void)target_mark(); /* the setup window starts here */
	if (strcmp(bench_opts.scenario, "fanout") == 0)
		chat.mode = MODE_FANOUT;
	else if (strcmp(bench_opts.scenario, "latency") == 0)
		chat.mode = MODE_LATENCY;
	else
		chat.mode = MODE_STORM;
	chat_alloc();
	if ((rc = conn_worker_init(&chat.w, &chat_hooks, &chat)) != 0) {
		bench_warn("event loop: %s", sc_strerror(rc));
		return BENCH_EXIT_FAIL;
	}
	chat.phase_ev = evtimer_new(chat.w.base, phase_timer, NULL);
	chat.tick_ev = evtimer_new(chat.w.base, tick_timer, NULL);
	chat.storm_ev = evtimer_new(chat.w.base, storm_timer, NULL);
	chat.steady_ev = evtimer_new(chat.w.base, steady_timer, NULL);
	if (chat.phase_ev == NULL || chat.tick_ev == NULL ||
	    chat.storm_ev == NULL || chat.steady_ev == NULL) {
		bench_warn("out of memory");
		abort();
	}
	bench_set_phase("setup (connect and log in)");
	chat.phase = PHASE_SETUP;
	chat.t_setup = clock_mono_ns();
	open_more();
	conn_worker_run(&chat.w);

	chat.mark_end = target_mark();
	bench_set_phase("report");
	chat_report();
	if (chat.status != BENCH_EXIT_OK)
		bench_warn("%s", chat.error);
	rc = chat.status;
	report_print(bench_opts.json);
	chat_release();
	return rc;
}
