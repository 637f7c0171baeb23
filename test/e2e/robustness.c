/*
 * robustness.c: the hostile-input suite (ctest label "robustness"): the
 * real securechatd on loopback against slowloris connections, a flooding
 * client, a client that never reads, random bytes before, during and after
 * the handshake, truncated and maximal frames, 10,000 malformed requests
 * after login, and file descriptor exhaustion. Each test starts its own
 * server and stops it at the end, which must then exit 0 (under the
 * sanitizers, a report makes it non-zero). robustness_ctl.py covers the
 * users file under kill -9 of securechatctl.
 *
 * Every wait is bounded; margins allow for the sanitizer build, which
 * runs about twice as slowly.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "frame.h"
#include "harness.h"
#include "pwhash.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define ROB_HELLO     "{\"proto\":1,\"client\":\"robustness/1\"}"
#define PRELOGIN_MAX  SC_PRELOGIN_MAX_FRAME /* the server's, sc_limits.h */
#define CLOSE_SOON_MS (SANITIZED ? 2000 : 1000)
/* The per-connection request budget lifted, for the tests about
 * something else. */
#define UNMETERED                                                              \
	"\"req_rate\":1000000,\"req_burst\":1000000,"                          \
	"\"byte_rate\":1073741824,\"byte_burst\":1073741824"
#define LATE_MARGIN_MS (SANITIZED ? 3000 : 1500)
#define EARLY_SLACK_MS 100 /* accept may precede our clock read */

/* slowloris */
#define LORIS_CONNS	   1000
#define LORIS_TIMEOUT_MS   2000
#define LORIS_MAX_RTT_MS   200
#define TRICKLE_CONNS	   4
#define TRICKLE_TIMEOUT_MS 3000

/* flood */
#define FLOOD_PINGS 200
#define FLOOD_MS    2000
#define FLOOD_QUEUE (256 * 1024) /* bytes of says kept queued */
/*
 * Absolute slack on "twice the quiet median": loopback round trips are
 * tens of microseconds, where scheduling noise alone doubles them, and a
 * ping that arrives while the server works through a read of the flood
 * waits for it. Every frame costs about 4 times more under the
 * sanitizers (35,000 against 150,000 refused says a second here).
 */
#define FLOOD_SLACK_US (SANITIZED ? 8000 : 1000)

/* slow reader */
#define SLOW_CAP      262144
#define SLOW_SAYS     4000
#define SLOW_TEXT_LEN 3000
#define SLOW_WINDOW   64 /* says sent but not yet echoed */
/* Under the sanitizers, the quarantine of freed memory comes on top. */
#define ASAN_QUARANTINE_MB 32
#define SLOW_RSS_GROWTH_KB ((48 + (SANITIZED ? ASAN_QUARANTINE_MB : 0)) * 1024)
#define SLOW_RSS_LIMIT_KB  ((SANITIZED ? 160 : 64) * 1024)

/* malformed requests */
#define FUZZ_COUNT    10000
#define FUZZ_BATCH    200
#define FUZZ_WINDOW   128 /* requests in flight */
#define FUZZ_STALL_MS (SANITIZED ? 20000 : 10000)

/* file descriptors */
#define FD_LIMIT 64
#define FD_CONNS 160

/* issue 14: admission, log flooding, private messages, long rosters */
#define STR_(x)		       #x
#define STR(x)		       STR_(x)
#define ABUSE_CONNS	       400 /* from 20 addresses of one /24 */
#define ABUSE_PER_PREFIX       64  /* max_unauth_per_prefix's default */
#define ABUSE_LOGIN_TIMEOUT_S  "3"
#define ABUSE_LOGIN_TIMEOUT_MS 3000
#define ABUSE_MAX_UNAUTH       8
#define LOG_FLOOD_MS	       5000
#define PM_SENDERS	       20
#define PM_TEXT		       4000
#define PM_INTERVAL_MS	       220 /* 4.5 a second, within 5 */
#define PM_MS		       10000
#define PM_READ		       16384 /* every 250 ms: 64 KB/s */
#define ROSTER_USERS	       2000

/*
 * Memory under fan-out (issue 14 item 4): FANOUT_SLOW sessions stop
 * reading while one sender broadcasts says of FANOUT_BIG and FANOUT_SMALL
 * bytes to them and to one reader that keeps up. What the daemon may
 * grow by: the caps, plus FANOUT_BASE_MB (the pages' last free bytes,
 * the allocator's free lists, the sessions' read buffers, the log; under
 * the sanitizers the caps count twice and their quarantine comes on top:
 * only the plain build measures the accounting).
 */
#define FANOUT_SLOW	300
#define FANOUT_CAP	262144		   /* output_cap */
#define FANOUT_TOTAL	(24 * 1024 * 1024) /* output_total_cap */
#define FANOUT_BIG	4096 /* a say of SC_TEXT_MAX_LEN: 4.2 kB frames */
#define FANOUT_SMALL	64
#define FANOUT_WINDOW	16 /* says sent but not yet echoed */
#define FANOUT_MAX_SAYS 6000
#define FANOUT_BASE_MB	(SANITIZED ? 64 + ASAN_QUARANTINE_MB : 16)
/* Under the sanitizers every block also has redzones and shadow. */
#define FANOUT_CAP_FACTOR (SANITIZED ? 2 : 1)
/*
 * stall_log_ms: a pass of the fair loop may run SERVER_PASS_FLUSH_US
 * (4 ms) and its last flush, and on a shared machine of 2 cores the loop
 * also waits out other processes' time slices; before the fair loop the
 * attack measured 105-152 ms. Under AddressSanitizer the bound is
 * HELD_STALL_MS's, for the same reason (its quarantine recycled in line:
 * this test logged a stall above 60 ms in 1 of about 10 sanitized runs,
 * both times with another test run sharing the machine).
 */
#define FANOUT_STALL_MS (SANITIZED ? "250" : "25")

/*
 * Held fan-outs (the fair loop, server/fanout.c): HELD_SESSIONS sessions
 * of one user and HELD_SENDERS senders; each sender writes HELD_SAYS says
 * at once, so that one loop pass cannot send them all; and HELD_GONE
 * users that all disconnect at once (one presence to every session each).
 */
#define HELD_SESSIONS 1000
#define HELD_SENDERS  4
#define HELD_SAYS     50
#define HELD_GONE     300
/*
 * The loop's largest stall: the fair loop's passes (4 ms) plus the
 * machine's noise in the plain build. Under AddressSanitizer a free now
 * and then recycles its quarantine and returns memory to the system in
 * line (seen: 94-149 ms in 3 of 6 runs, in callbacks that take 4 ms in
 * the plain build), so only a gross regression is caught there.
 */
#define HELD_STALL_MS (SANITIZED ? "250" : "25")

static const char *const three_users[] = { "testuser", "anotheruser",
	"slowuser", NULL };

/* The server of the running test. */
static struct tserver ts;

/* Clients a test opened in bulk, closed by teardown if it fails. */
static struct tclient
    *owned[HELD_SESSIONS + HELD_GONE + HELD_SENDERS + LORIS_CONNS];
static size_t n_owned;

/* ---- helpers ----------------------------------------------------------- */

/* Keeps c to be closed by owned_free(); returns it. */
static struct tclient *
own(struct tclient *c)
{
	assert_non_null(c);
	assert_true(n_owned < sizeof owned / sizeof owned[0]);
	owned[n_owned++] = c;
	return c;
}

/* Closes every owned client. */
static void
owned_free(void)
{
	while (n_owned > 0)
		tclient_free(owned[--n_owned]);
}

/* Stops whatever a failed test left running and removes its folder. */
static int
teardown(void **state)
{
	(void)state;
	owned_free();
	if (ts.dir[0] != '\0')
		(void)tserver_stop(&ts);
	memset(&ts, 0, sizeof ts);
	return 0;
}

/* Stops the server; it must exit with status 0. */
static void
stop_ok(void)
{
	int rc = tserver_stop(&ts);

	memset(&ts, 0, sizeof ts);
	if (rc != 0)
		fail_msg("securechatd exited with %d on SIGTERM (a crash, a "
			 "hang or a sanitizer report)",
		    rc);
}

/* Fails the test if the server has exited (or died of a signal). */
static void
assert_alive(const char *when)
{
	int status;

	if (waitpid(ts.pid, &status, WNOHANG) != ts.pid)
		return;
	ts.pid = 0;
	if (WIFSIGNALED(status))
		fail_msg("securechatd died of signal %d %s (see %s/stderr.txt)",
		    WTERMSIG(status), when, ts.dir);
	fail_msg("securechatd exited with status %d %s (see %s/stderr.txt)",
	    WEXITSTATUS(status), when, ts.dir);
}

/* Counts the lines of the server log holding both a and b (b may be
 * NULL). */
static int
log_count(const char *a, const char *b)
{
	char *buf = testlib_slurp(ts.log, NULL), *line, *end;
	int n = 0;

	if (buf == NULL)
		return 0;
	for (line = buf; *line != '\0'; line = end + 1) {
		if ((end = strchr(line, '\n')) == NULL)
			break;
		*end = '\0';
		if (strstr(line, a) != NULL &&
		    (b == NULL || strstr(line, b) != NULL))
			n++;
	}
	free(buf);
	return n;
}

/* Waits up to timeout_ms for a log line holding a and b. */
static bool
log_line_wait(const char *a, const char *b, int timeout_ms)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;

	do {
		if (log_count(a, b) > 0)
			return true;
		testlib_sleep_ms(20);
	} while (clock_mono_ms() < deadline);
	return false;
}

/* The server's own count of open connections (SIGUSR1 statistics). */
static int
server_connections(void)
{
	int before = log_count("stats: ", NULL), n = -1;
	uint64_t deadline = clock_mono_ms() + HARNESS_TIMEOUT_MS;
	char *buf, *p, *last = NULL;

	assert_int_equal(kill(ts.pid, SIGUSR1), 0);
	while (log_count("stats: ", NULL) <= before) {
		if (clock_mono_ms() > deadline)
			fail_msg("no statistics line after SIGUSR1");
		testlib_sleep_ms(10);
	}
	buf = testlib_slurp(ts.log, NULL);
	assert_non_null(buf);
	for (p = buf; (p = strstr(p, "stats: ")) != NULL; p++)
		last = p;
	if (last != NULL)
		n = (int)strtol(last + 7, NULL, 10);
	free(buf);
	return n;
}

/* Waits up to timeout_ms for the server to count want connections;
 * returns the last count seen. */
static int
server_connections_wait(int want, int timeout_ms)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	int n;

	while ((n = server_connections()) != want && clock_mono_ms() < deadline)
		testlib_sleep_ms(100);
	return n;
}

/* Raises our descriptor limit to the hard limit (the server, forked
 * from us, inherits it); skips the test if that is below need. */
static void
raise_nofile(rlim_t need)
{
	struct rlimit rl;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		print_message("RLIMIT_NOFILE hard limit %llu < %llu: "
			      "skipped\n",
		    (unsigned long long)rl.rlim_max, (unsigned long long)need);
		skip();
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
}

/* Sets or clears O_NONBLOCK on fd. */
static void
set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	assert_true(fl != -1);
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	assert_int_equal(fcntl(fd, F_SETFL, fl), 0);
}

/* Sends what it can of p[0..len) within a few seconds, stopping at the
 * first error (the server may close midway). Returns the bytes sent. */
static size_t
send_some(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;
	struct pollfd pfd = { fd, POLLOUT, 0 };
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (poll(&pfd, 1, 3000) != 1)
			break;
		n = send(fd, b + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

/* Reads fd without blocking: 1 closed (EOF or reset), 0 still open;
 * bytes read are added to *got. */
static int
poll_eof(int fd, size_t *got)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	uint8_t buf[65536];
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, 0) != 1)
			return 0;
		n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			*got += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		return 1;
	}
}

/* True when fd reaches EOF (or a reset) within timeout_ms; bytes read
 * are added to *got. */
static bool
wait_eof(int fd, int timeout_ms, size_t *got)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	struct pollfd pfd = { fd, POLLIN, 0 };
	int left;

	for (;;) {
		if (poll_eof(fd, got))
			return true;
		left = testlib_ms_left(deadline);
		if (left <= 0)
			return false;
		(void)poll(&pfd, 1, left);
	}
}

/* Compares two long longs for qsort. */
static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static long long
median(long long *v, size_t n)
{
	assert_true(n > 0);
	qsort(v, n, sizeof *v, cmp_ll);
	return v[n / 2];
}

/* The largest of v[0..n). */
static long long
maximum(const long long *v, size_t n)
{
	long long m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* Receives the next message that is not presence or a say (counted in
 * *skipped, may be NULL); NULL on timeout or close. */
static json_t *
recv_skipping(struct tclient *c, int timeout_ms, int *skipped)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	const char *type;
	json_t *j;

	for (;;) {
		j = tclient_recv(c, testlib_ms_left(deadline), NULL);
		if (j == NULL)
			return NULL;
		type = jstr(j, "type");
		if (strcmp(type, "presence") != 0 && strcmp(type, "say") != 0)
			return j;
		if (skipped != NULL)
			(*skipped)++;
		json_decref(j);
	}
}

/* One ping over c: its round trip in microseconds (fails on no pong). */
static long long
ping_rtt(struct tclient *c, long long id, int *skipped)
{
	char req[64];
	uint64_t t0 = clock_mono_us();
	json_t *j;

	snprintf(req, sizeof req, "{\"type\":\"ping\",\"id\":%lld}", id);
	tclient_send(c, req);
	for (;;) {
		j = recv_skipping(c, HARNESS_TIMEOUT_MS, skipped);
		if (j == NULL) {
			assert_alive("waiting for a pong");
			fail_msg("no pong to ping %lld", id);
		}
		if (strcmp(jstr(j, "type"), "pong") != 0)
			fail_msg("expected pong %lld, got %s", id,
			    jstr(j, "type"));
		if (json_integer_value(json_object_get(j, "id")) == id)
			break;
		json_decref(j);
	}
	json_decref(j);
	return testlib_us_since(t0);
}

/* Receives the say with text from c (skipping presence); fails
 * otherwise. */
static json_t *
expect_say(struct tclient *c, const char *text)
{
	json_t *j;

	for (;;) {
		j = tclient_recv(c, HARNESS_TIMEOUT_MS, NULL);
		if (j == NULL)
			fail_msg("expected say \"%.40s\", got nothing", text);
		if (strcmp(jstr(j, "type"), "presence") != 0)
			break;
		json_decref(j);
	}
	if (strcmp(jstr(j, "type"), "say") != 0 ||
	    strcmp(jstr(j, "text"), text) != 0)
		fail_msg("expected say \"%.40s\", got %s \"%.40s\"", text,
		    jstr(j, "type"), jstr(j, "text"));
	return j;
}

/* The server still serves: two users log in and exchange a say. */
static void
chat_works(const char *when)
{
	struct tclient *a, *b;
	char req[128], text[64];

	assert_alive(when);
	a = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	snprintf(text, sizeof text, "still here %s", when);
	snprintf(req, sizeof req, "{\"type\":\"say\",\"text\":\"%s\"}", text);
	tclient_send(b, req);
	json_decref(expect_say(a, text));
	json_decref(expect_say(b, text));
	(void)ping_rtt(a, 7, NULL);
	tclient_free(a);
	tclient_free(b);
}

/* ---- a seeded generator ------------------------------------------------ */

struct rng {
	uint64_t s;
};

/* Seeds r (xorshift64* needs a non-zero state). */
static void
rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (r->s == 0)
		r->s = 1;
}

/* The next 64 random bits. */
static uint64_t
rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

/* A number in 0..n-1 (0 when n is 0). */
static size_t
rng_below(struct rng *r, size_t n)
{
	return n == 0 ? 0 : (size_t)(rng_next(r) % n);
}

/* True with probability percent/100. */
static bool
rng_chance(struct rng *r, unsigned percent)
{
	return rng_below(r, 100) < percent;
}

/* Fills p[0..n) with random bytes. */
static void
rng_fill(struct rng *r, uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)rng_next(r);
}

/* A growable byte buffer. */
struct buf {
	uint8_t *p;
	size_t len, cap;
};

/* Appends n bytes. */
static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Appends a string. */
static void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Appends n copies of byte c. */
static void
buf_fill(struct buf *b, int c, size_t n)
{
	uint8_t chunk[256];
	size_t k;

	memset(chunk, c, sizeof chunk);
	while (n > 0) {
		k = n < sizeof chunk ? n : sizeof chunk;
		buf_add(b, chunk, k);
		n -= k;
	}
}

/* Appends formatted text. */
static void __attribute__((format(printf, 2, 3)))
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof tmp);
	buf_add(b, tmp, (size_t)n);
}

/* Empties b (keeps its memory). */
static void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* A copy of up to 120 bytes of p, printable, for failure messages. */
static const char *
shown(const uint8_t *p, size_t len)
{
	static char out[512];
	size_t i, o = 0;

	for (i = 0; i < len && i < 120 && o + 8 < sizeof out; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			out[o++] = (char)p[i];
		else {
			o += (size_t)snprintf(out + o, sizeof out - o,
			    "\\x%02x", p[i]);
		}
	}
	if (i < len)
		o += (size_t)snprintf(out + o, sizeof out - o, "...(%zu bytes)",
		    len);
	out[o] = '\0';
	return out;
}

/* ---- raw handshakes ---------------------------------------------------- */

/* Starts the Noise handshake of raw client c: msg1 is left in c->out. */
static void
raw_msg1(struct tclient *c)
{
	struct channel_config cc = { 0 };

	cc.role = CHANNEL_INITIATOR;
	cc.local = &c->key;
	cc.hello = ROB_HELLO;
	cc.hello_len = strlen(ROB_HELLO);
	assert_int_equal(channel_init(&c->ch, &cc), 0);
	assert_int_equal(channel_start(&c->ch, c->out), 0);
}

/* Sends msg1 and reads msg2; msg3 is then in c->out, not yet sent. */
static void
raw_until_msg3(struct tclient *c)
{
	uint64_t deadline = clock_mono_ms() + HARNESS_TIMEOUT_MS;
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	size_t len;
	int rc;

	raw_msg1(c);
	tclient_send_out(c);
	for (;;) {
		rc = channel_read(&c->ch, c->in, c->out, c->buf, SC_MSG_MAX_LEN,
		    &len);
		if (rc == CHANNEL_READY)
			return;
		if (rc < 0)
			fail_msg("handshake: %s", sc_strerror(rc));
		if (rc == CHANNEL_PROGRESS)
			continue;
		if (poll(&pfd, 1, testlib_ms_left(deadline)) != 1 ||
		    evbuffer_read(c->in, c->fd, 65536) <= 0)
			fail_msg("no msg2 from the server");
	}
}

/* Encrypts pt as c's next frame and returns the frame (malloc'd). */
static uint8_t *
seal(struct tclient *c, const void *pt, size_t ptlen, size_t *len)
{
	struct evbuffer *b = evbuffer_new();
	uint8_t *p;

	assert_non_null(b);
	assert_int_equal(channel_write(&c->ch, b, pt, ptlen), 0);
	*len = evbuffer_get_length(b);
	p = malloc(*len);
	assert_non_null(p);
	assert_int_equal(evbuffer_remove(b, p, *len), (int)*len);
	evbuffer_free(b);
	return p;
}

/* ---- slowloris --------------------------------------------------------- */

/*
 * 1,000 connections that never finish the handshake (half silent, half
 * stuck inside msg1) are all closed at the handshake timeout, without a
 * byte from the server, while two users log in and chat with short
 * round trips.
 */
static void
test_slowloris(void **state)
{
	struct tclient **conns;
	static uint64_t opened[LORIS_CONNS], closed_at[LORIS_CONNS];
	static size_t got[LORIS_CONNS];
	static long long rtts[100000];
	struct pollfd *pfds;
	struct tclient *a = NULL, *b = NULL;
	uint8_t partial[2 + 5];
	char req[128], text[64];
	uint64_t t_open, t_login, t_say, deadline;
	uint64_t first_close = 0, last_close = 0, last_say = 0;
	long long login_ms, dt, min_dt = -1, max_dt = 0;
	size_t i, n_open, n_rtt = 0, idx[LORIS_CONNS];
	int rounds = 0, says = 0, skipped = 0, nfds, k;

	(void)state;
	raise_nofile(2 * LORIS_CONNS + 200);
	tserver_start_default(&ts,
	    "\"handshake_timeout\":2,"
	    "\"max_connections\":5000,\"max_per_ip\":5000,"
	    "\"max_unauth\":5000,\"max_unauth_per_prefix\":5000");

	/* Announce a 66-byte msg1 (a key and a 34-byte hello), send 5. */
	partial[0] = 0;
	partial[1] = 66;
	randombytes_buf(partial + 2, sizeof partial - 2);
	memset(opened, 0, sizeof opened);
	memset(closed_at, 0, sizeof closed_at);
	memset(got, 0, sizeof got);
	conns = owned + n_owned;
	t_open = clock_mono_ms();
	for (i = 0; i < LORIS_CONNS; i++) {
		if ((a = tclient_connect_raw(ts.port)) == NULL)
			fail_msg("connection %zu refused", i);
		(void)own(a);
		opened[i] = clock_mono_ms();
		if (i % 2 == 1)
			assert_int_equal(tclient_send_raw(conns[i], partial,
					     sizeof partial),
			    0);
	}
	print_message("opened %d stalled connections in %lld ms\n", LORIS_CONNS,
	    testlib_ms_since(t_open));

	/* A normal user logs in and chats meanwhile. */
	a = NULL;
	t_login = clock_mono_ms();
	a = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	login_ms = testlib_ms_since(t_login);
	if (login_ms > LORIS_MAX_RTT_MS * 5)
		fail_msg("two logins took %lld ms during the slowloris",
		    login_ms);

	pfds = calloc(LORIS_CONNS, sizeof *pfds);
	assert_non_null(pfds);
	n_open = LORIS_CONNS;
	deadline = opened[LORIS_CONNS - 1] + LORIS_TIMEOUT_MS + LATE_MARGIN_MS;
	while (n_open > 0 && clock_mono_ms() < deadline) {
		/* Which stalled connections did the server close? */
		for (i = 0, nfds = 0; i < LORIS_CONNS; i++) {
			if (closed_at[i] != 0)
				continue;
			pfds[nfds].fd = conns[i]->fd;
			pfds[nfds].events = POLLIN;
			pfds[nfds].revents = 0;
			idx[nfds++] = i;
		}
		if (poll(pfds, (nfds_t)nfds, 0) > 0) {
			for (k = 0; k < nfds; k++) {
				if (pfds[k].revents == 0)
					continue;
				i = idx[k];
				if (poll_eof(conns[i]->fd, &got[i])) {
					closed_at[i] = clock_mono_ms();
					n_open--;
				}
			}
		}
		/* A chat round: both ping; a says (4 a second, within the
		 * rate limit) and both get it. */
		if (clock_mono_ms() - last_say >= 250) {
			last_say = clock_mono_ms();
			snprintf(text, sizeof text, "round %d", rounds);
			snprintf(req, sizeof req,
			    "{\"type\":\"say\",\"text\":\"%s\"}", text);
			t_say = clock_mono_us();
			tclient_send(a, req);
			json_decref(expect_say(b, text));
			json_decref(expect_say(a, text));
			rtts[n_rtt++] = testlib_us_since(t_say);
			says++;
		}
		rtts[n_rtt++] = ping_rtt(a, rounds, &skipped);
		rtts[n_rtt++] = ping_rtt(b, rounds, &skipped);
		rounds++;
		if (n_rtt + 3 > sizeof rtts / sizeof rtts[0])
			n_rtt = 0;
		testlib_sleep_ms(5);
	}
	free(pfds);
	if (n_open > 0) {
		for (i = 0; i < LORIS_CONNS && closed_at[i] != 0; i++)
			;
		fail_msg("%zu of %d stalled connections still open %d ms "
			 "after the handshake timeout (first: #%zu, opened "
			 "%lld "
			 "ms after the start)",
		    n_open, LORIS_CONNS, LATE_MARGIN_MS, i,
		    (long long)(opened[i] - t_open));
	}
	for (i = 0; i < LORIS_CONNS; i++) {
		if (got[i] != 0)
			fail_msg("stalled connection %zu got %zu bytes", i,
			    got[i]);
		dt = (long long)(closed_at[i] - opened[i]);
		if (min_dt < 0 || dt < min_dt)
			min_dt = dt;
		if (dt > max_dt)
			max_dt = dt;
		if (first_close == 0 || closed_at[i] < first_close)
			first_close = closed_at[i];
		if (closed_at[i] > last_close)
			last_close = closed_at[i];
	}
	print_message("closed after %lld..%lld ms (timeout %d ms), over "
		      "%lld ms; %d chat rounds, %d says, round trips median "
		      "%lld us, "
		      "max %lld us\n",
	    min_dt, max_dt, LORIS_TIMEOUT_MS,
	    (long long)(last_close - first_close), rounds, says,
	    median(rtts, n_rtt), maximum(rtts, n_rtt));
	if (min_dt < LORIS_TIMEOUT_MS - EARLY_SLACK_MS)
		fail_msg("a stalled connection was closed after %lld ms, "
			 "before the %d ms timeout",
		    min_dt, LORIS_TIMEOUT_MS);
	if (max_dt > LORIS_TIMEOUT_MS + LATE_MARGIN_MS)
		fail_msg("a stalled connection was closed after %lld ms",
		    max_dt);
	if (maximum(rtts, n_rtt) > LORIS_MAX_RTT_MS * 1000LL)
		fail_msg("a chat round trip took %lld us during the "
			 "slowloris (limit %d ms)",
		    maximum(rtts, n_rtt), LORIS_MAX_RTT_MS);
	assert_true(rounds >= 10 && says >= 5);

	k = log_count("handshake timeout", NULL);
	if (k != LORIS_CONNS)
		fail_msg("%d \"handshake timeout\" log lines, expected %d", k,
		    LORIS_CONNS);
	k = server_connections_wait(2, 3000);
	if (k != 2)
		fail_msg("the server counts %d connections, expected 2", k);
	owned_free();

	/* The chat goes on. */
	(void)ping_rtt(a, 1000001, NULL);
	(void)ping_rtt(b, 1000002, NULL);
	tclient_free(a);
	tclient_free(b);
	chat_works("after the slowloris");
	stop_ok();
}

/*
 * Connections that trickle a valid msg1 one byte a second are closed at
 * the handshake deadline anyway: bytes do not extend it.
 */
static void
test_trickle(void **state)
{
	struct tclient *c[TRICKLE_CONNS], *a;
	uint8_t msg1[256];
	size_t msg1_len = 0, sent[TRICKLE_CONNS], got[TRICKLE_CONNS];
	uint64_t opened[TRICKLE_CONNS], closed_at[TRICKLE_CONNS];
	uint64_t next_byte[TRICKLE_CONNS], deadline, now;
	long long dt;
	int i, n_open = TRICKLE_CONNS, pings = 0;

	(void)state;
	tserver_start_default(&ts, "\"handshake_timeout\":3");
	a = tclient_login_new(ts.port, "testuser");
	for (i = 0; i < TRICKLE_CONNS; i++) {
		c[i] = tclient_connect_raw(ts.port);
		assert_non_null(c[i]);
		raw_msg1(c[i]);
		msg1_len = evbuffer_get_length(c[i]->out);
		assert_true(msg1_len <= sizeof msg1);
		assert_int_equal(evbuffer_remove(c[i]->out, msg1, msg1_len),
		    (int)msg1_len);
		opened[i] = next_byte[i] = clock_mono_ms();
		closed_at[i] = 0;
		sent[i] = got[i] = 0;
		testlib_sleep_ms(250); /* staggered */
	}
	deadline =
	    opened[TRICKLE_CONNS - 1] + TRICKLE_TIMEOUT_MS + LATE_MARGIN_MS;
	while (n_open > 0 && (now = clock_mono_ms()) < deadline) {
		for (i = 0; i < TRICKLE_CONNS; i++) {
			if (closed_at[i] != 0)
				continue;
			if (poll_eof(c[i]->fd, &got[i])) {
				closed_at[i] = clock_mono_ms();
				n_open--;
				continue;
			}
			if (now >= next_byte[i] && sent[i] < msg1_len) {
				if (send_some(c[i]->fd, msg1 + sent[i], 1) == 1)
					sent[i]++;
				next_byte[i] += 1000;
			}
		}
		/* The normal user is unaffected. */
		(void)ping_rtt(a, pings++, NULL);
		testlib_sleep_ms(20);
	}
	for (i = 0; i < TRICKLE_CONNS; i++) {
		if (closed_at[i] == 0)
			fail_msg("trickling connection %d still open after "
				 "%lld ms and %zu bytes",
			    i, testlib_ms_since(opened[i]), sent[i]);
		dt = (long long)(closed_at[i] - opened[i]);
		print_message("trickle %d: closed after %lld ms, %zu of %zu "
			      "bytes sent\n",
		    i, dt, sent[i], msg1_len);
		if (dt < TRICKLE_TIMEOUT_MS - EARLY_SLACK_MS ||
		    dt > TRICKLE_TIMEOUT_MS + LATE_MARGIN_MS)
			fail_msg("trickling connection %d closed after %lld "
				 "ms, expected about %d",
			    i, dt, TRICKLE_TIMEOUT_MS);
		if (sent[i] < 2 || sent[i] >= msg1_len)
			fail_msg("trickling connection %d sent %zu bytes", i,
			    sent[i]);
		if (got[i] != 0)
			fail_msg("the server answered a partial msg1");
		tclient_free(c[i]);
	}
	assert_int_equal(log_count("handshake timeout", NULL), TRICKLE_CONNS);
	(void)ping_rtt(a, pings, NULL);
	tclient_free(a);
	stop_ok();
}

/* ---- flood ------------------------------------------------------------- */

/* A client sending says as fast as its socket takes them. */
struct flooder {
	struct tclient *c;
	size_t sent;	/* says queued */
	size_t echoed;	/* says accepted (our echo) */
	size_t limited; /* rate_limited errors */
	size_t other;	/* anything else */
};

/* Queues more says, writes what the socket takes, reads the replies. */
static void
flood_pump(struct flooder *f)
{
	static const char say[] = "{\"type\":\"say\",\"text\":\"flood\"}";
	struct tclient *c = f->c;
	size_t len;
	json_t *j;
	int rc, n;

	while (evbuffer_get_length(c->out) < FLOOD_QUEUE) {
		assert_int_equal(channel_write(&c->ch, c->out, say,
				     sizeof say - 1),
		    0);
		f->sent++;
	}
	if (evbuffer_write(c->out, c->fd) < 0 && errno != EAGAIN)
		fail_msg("the flooder's socket failed: %s (disconnected?)",
		    strerror(errno));
	while ((n = evbuffer_read(c->in, c->fd, 262144)) > 0)
		;
	if (n == 0)
		fail_msg("the server closed the flooder");
	while ((rc = channel_read(&c->ch, c->in, c->out, c->buf, SC_MSG_MAX_LEN,
		    &len)) == CHANNEL_MESSAGE) {
		j = json_loadb((const char *)c->buf, len, 0, NULL);
		assert_non_null(j);
		if (strcmp(jstr(j, "type"), "say") == 0)
			f->echoed++;
		else if (strcmp(jstr(j, "type"), "error") == 0 &&
		    strcmp(jstr(j, "code"), "rate_limited") == 0 &&
		    strcmp(jstr(j, "ref"), "say") == 0)
			f->limited++;
		else
			f->other++;
		json_decref(j);
	}
	if (rc < 0)
		fail_msg("flooder channel: %s", sc_strerror(rc));
}

static bool connection_open(int fd);

/*
 * One client sends say as fast as it can: it gets rate_limited, stays
 * connected, and another client's ping round trip stays within twice
 * that of a quiet server.
 */
static void
test_flood(void **state)
{
	static long long quiet[FLOOD_PINGS], flood[100000];
	struct flooder f = { 0 };
	struct tclient *b;
	long long mq, mf, elapsed, id = 0;
	uint64_t t0;
	size_t nq, nf = 0, allowed;
	int skipped = 0;

	(void)state;
	/* A budget the quiet pinger stays within, the flooder not. */
	tserver_start_default(&ts, "\"req_rate\":1000,\"req_burst\":1000");
	f.c = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	json_decref(tclient_expect(f.c, "presence"));

	/* Quiet baseline (after a warm-up). */
	for (nq = 0; nq < 20; nq++)
		(void)ping_rtt(b, id++, &skipped);
	for (nq = 0; nq < FLOOD_PINGS; nq++)
		quiet[nq] = ping_rtt(b, id++, &skipped);

	/* The flood: top up the flooder before every ping of b. */
	set_nonblock(f.c->fd, true);
	t0 = clock_mono_ms();
	while (
	    (elapsed = testlib_ms_since(t0)) < FLOOD_MS || nf < FLOOD_PINGS) {
		if (nf == sizeof flood / sizeof flood[0])
			break;
		flood_pump(&f);
		flood[nf++] = ping_rtt(b, id++, &skipped);
		if (elapsed > 6 * FLOOD_MS)
			fail_msg("only %zu pings in %lld ms of flood", nf,
			    elapsed);
	}
	elapsed = testlib_ms_since(t0);
	flood_pump(&f);
	set_nonblock(f.c->fd, false);

	mq = median(quiet, nq);
	mf = median(flood, nf);
	print_message("flood: %zu says sent in %lld ms, %zu accepted, %zu "
		      "rate_limited so far; ping median quiet %lld us, flood "
		      "%lld us "
		      "(max %lld us, %zu pings), b saw %d says\n",
	    f.sent, elapsed, f.echoed, f.limited, mq, mf, maximum(flood, nf),
	    nf, skipped);
	assert_int_equal(f.other, 0);
	if (f.limited == 0)
		fail_msg("the flooder got no rate_limited");
	/* 10 tokens, then 5 a second: a little slack for timing. */
	allowed = 10 + (size_t)(5 * (elapsed / 1000.0 + 1)) + 2;
	if (f.echoed > allowed)
		fail_msg("the flooder got %zu says through in %lld ms",
		    f.echoed, elapsed);
	/* Twice the quiet median, plus the slack (see FLOOD_SLACK_US). */
	if (mf > 2 * mq + FLOOD_SLACK_US)
		fail_msg("ping median %lld us during the flood, %lld us "
			 "quiet: more than twice (+%d us)",
		    mf, mq, FLOOD_SLACK_US);

	/* The flooder is still connected: its backlog waits for its request
	 * budget (reading paused), it is not cut. */
	assert_true(connection_open(f.c->fd));
	assert_true(log_line_wait("request budget", "user testuser", 1000));
	assert_true(log_line_wait("rate limited", "user testuser", 1000));
	tclient_free(f.c);
	tclient_free(b);
	stop_ok();
}

/* True when the peer has not closed fd (nothing to read, or data). */
static bool
connection_open(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

/* The daemon's user + system CPU time so far, in clock ticks. */
static long long
cpu_ticks(pid_t pid)
{
	char path[64], *text, *p;
	unsigned long long ut = 0, st = 0;
	size_t len;
	int i;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	text = testlib_slurp(path, &len);
	assert_non_null(text);
	/* After "(comm)", fields 3...: utime and stime are 14 and 15. */
	p = strrchr(text, ')');
	assert_non_null(p);
	for (i = 2; i < 14 && (p = strchr(p + 1, ' ')) != NULL; i++)
		;
	assert_non_null(p);
	assert_int_equal(sscanf(p + 1, "%llu %llu", &ut, &st), 2);
	free(text);
	return (long long)(ut + st);
}

#define PING_FLOOD_MS	 3000
#define PING_FLOOD_BYTES 60000

/*
 * Issue 14, weakness 3: one client sends 60 KB pings as fast as TCP lets
 * it. Every frame costs from the connection's request budget (byte_rate,
 * 64 KiB a second by default), so the server stops reading it instead of
 * working for it: the daemon spends well under 60 % of its core, another
 * client's ping is answered, and the flooder stays connected.
 */
static void
test_ping_flood(void **state)
{
	static char ping[PING_FLOOD_BYTES + 64];
	struct tclient *f, *b;
	long long t0_ticks, ticks, cpu_pct;
	uint64_t t0;
	size_t sent = 0, len;
	int skipped = 0, n;

	(void)state;
	tserver_start_default(&ts, NULL);
	f = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	json_decref(tclient_expect(f, "presence"));
	len = (size_t)snprintf(ping, sizeof ping,
	    "{\"type\":\"ping\",\"id\":1,\"pad\":\"");
	memset(ping + len, 'x', PING_FLOOD_BYTES);
	len += PING_FLOOD_BYTES;
	len += (size_t)snprintf(ping + len, sizeof ping - len, "\"}");

	set_nonblock(f->fd, true);
	t0_ticks = cpu_ticks(ts.pid);
	t0 = clock_mono_ms();
	while (testlib_ms_since(t0) < PING_FLOOD_MS) {
		while (evbuffer_get_length(f->out) < FLOOD_QUEUE) {
			assert_int_equal(channel_write(&f->ch, f->out, ping,
					     len),
			    0);
			sent++;
		}
		if (evbuffer_write(f->out, f->fd) < 0 && errno != EAGAIN)
			fail_msg("the flooder's socket failed: %s",
			    strerror(errno));
		while ((n = evbuffer_read(f->in, f->fd, 262144)) > 0)
			evbuffer_drain(f->in, evbuffer_get_length(f->in));
		if (n == 0)
			fail_msg("the server closed the flooder");
		testlib_sleep_ms(1);
	}
	ticks = cpu_ticks(ts.pid) - t0_ticks;
	cpu_pct =
	    ticks * 1000 / sysconf(_SC_CLK_TCK) * 100 / testlib_ms_since(t0);
	print_message("ping flood: %zu pings of %zu bytes queued in %d ms; "
		      "the daemon used %lld %% of a core\n",
	    sent, len, PING_FLOOD_MS, cpu_pct);
	if (cpu_pct > 60)
		fail_msg("the daemon used %lld %% of its core", cpu_pct);
	/* Others are served; the flooder is held back, not cut. */
	(void)ping_rtt(b, 7, &skipped);
	assert_true(connection_open(f->fd));
	assert_true(log_line_wait("request budget", "user testuser", 1000));
	set_nonblock(f->fd, false);
	tclient_free(f);
	tclient_free(b);
	stop_ok();
}

/* ---- slow reader ------------------------------------------------------- */

/* What the slow-reader test's reading clients have seen. */
struct stream_side {
	struct tclient *c;
	size_t says;	  /* says received, in order */
	json_int_t *ids;  /* id of each */
	json_int_t *tss;  /* ts of each */
	int presence_off; /* slowuser went offline */
};

/* Handles every whole message buffered at side s. */
static void
stream_take(struct stream_side *s, const char *who, size_t total)
{
	char want[32];
	size_t len;
	json_t *j;
	int rc;

	while ((rc = channel_read(&s->c->ch, s->c->in, s->c->out, s->c->buf,
		    SC_MSG_MAX_LEN, &len)) == CHANNEL_MESSAGE) {
		j = json_loadb((const char *)s->c->buf, len,
		    JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(j);
		if (strcmp(jstr(j, "type"), "presence") == 0) {
			if (strcmp(jstr(j, "user"), "slowuser") == 0 &&
			    json_is_false(json_object_get(j, "online")))
				s->presence_off++;
			json_decref(j);
			continue;
		}
		if (strcmp(jstr(j, "type"), "say") != 0)
			fail_msg("%s got %s during the stream", who,
			    jstr(j, "type"));
		if (s->says >= total)
			fail_msg("%s got more says than sent", who);
		snprintf(want, sizeof want, "seq %06zu ", s->says);
		if (strncmp(jstr(j, "text"), want, strlen(want)) != 0 ||
		    strlen(jstr(j, "text")) != SLOW_TEXT_LEN)
			fail_msg("%s: say %zu out of order or altered: "
				 "\"%.20s\"",
			    who, s->says, jstr(j, "text"));
		if (strcmp(jstr(j, "from"), "testuser") != 0)
			fail_msg("%s: say from %s", who, jstr(j, "from"));
		s->ids[s->says] = json_integer_value(json_object_get(j, "id"));
		s->tss[s->says] = json_integer_value(json_object_get(j, "ts"));
		if (s->says > 0 && s->ids[s->says] <= s->ids[s->says - 1])
			fail_msg("%s: id %lld after %lld", who,
			    (long long)s->ids[s->says],
			    (long long)s->ids[s->says - 1]);
		s->says++;
		json_decref(j);
	}
	if (rc < 0)
		fail_msg("%s channel: %s", who, sc_strerror(rc));
}

/* Reads what is available on s without blocking. */
static void
stream_read(struct stream_side *s, const char *who, size_t total)
{
	int n;

	while ((n = evbuffer_read(s->c->in, s->c->fd, 262144)) > 0)
		;
	if (n == 0)
		fail_msg("the server closed %s", who);
	stream_take(s, who, total);
}

/* Writes what the sender has queued, then waits until either client
 * can read or the sender can write more. */
static void
stream_wait(struct tclient *snd, struct tclient *rcv)
{
	struct pollfd pfd[2];

	if (evbuffer_get_length(snd->out) > 0 &&
	    evbuffer_write(snd->out, snd->fd) < 0 && errno != EAGAIN)
		fail_msg("sender: %s", strerror(errno));
	pfd[0].fd = snd->fd;
	pfd[0].events = POLLIN | (evbuffer_get_length(snd->out) ? POLLOUT : 0);
	pfd[1].fd = rcv->fd;
	pfd[1].events = POLLIN;
	pfd[0].revents = pfd[1].revents = 0;
	(void)poll(pfd, 2, 1000);
}

/*
 * A client that never reads while another broadcasts a stream is
 * disconnected at the output cap with a "slow reader" log line; the
 * server's memory stays bounded; a third client gets every message, in
 * order, as the same objects the sender gets.
 */
static void
test_slow_reader(void **state)
{
	static char text[SLOW_TEXT_LEN + 1], req[SLOW_TEXT_LEN + 64];
	struct stream_side snd = { 0 }, rcv = { 0 };
	struct tclient *slow;
	long long dropped_at = -1;
	uint64_t t0;
	long kb, base_kb, max_kb = 0;
	size_t sent = 0, slow_got = 0, i;
	int rcvbuf = 256 * 1024, pct;
	char cap[32];

	(void)state;
	tserver_start(&ts, three_users,
	    "\"output_cap\":262144,"
	    "\"rate_burst\":1000000,\"rate_per_sec\":1000000," UNMETERED);
	slow = tclient_login_new(ts.port, "slowuser");
	/*
	 * It never reads. A bounded receive buffer makes the cap bite
	 * sooner; not below a segment (64 kB here), or the data still in
	 * flight after the close would crawl out by zero-window probes.
	 */
	(void)setsockopt(slow->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof rcvbuf);
	rcv.c = tclient_login_new(ts.port, "anotheruser");
	snd.c = tclient_login_new(ts.port, "testuser");
	json_decref(tclient_expect(rcv.c, "presence"));
	snd.ids = calloc(SLOW_SAYS, sizeof *snd.ids);
	snd.tss = calloc(SLOW_SAYS, sizeof *snd.tss);
	rcv.ids = calloc(SLOW_SAYS, sizeof *rcv.ids);
	rcv.tss = calloc(SLOW_SAYS, sizeof *rcv.tss);
	assert_true(snd.ids && snd.tss && rcv.ids && rcv.tss);
	base_kb = testlib_rss_kib(ts.pid);

	set_nonblock(snd.c->fd, true);
	set_nonblock(rcv.c->fd, true);
	memset(text, 'x', SLOW_TEXT_LEN);
	t0 = clock_mono_ms();
	while (snd.says < SLOW_SAYS || rcv.says < SLOW_SAYS) {
		if (testlib_ms_since(t0) > 60000)
			fail_msg("stream stuck: %zu sent, %zu echoed, %zu "
				 "received",
			    sent, snd.says, rcv.says);
		while (sent < SLOW_SAYS && sent - snd.says < SLOW_WINDOW) {
			memcpy(text, "seq ", 4);
			snprintf(text + 4, 8, "%06zu", sent);
			text[10] = ' ';
			snprintf(req, sizeof req,
			    "{\"type\":\"say\",\"text\":\"%s\"}", text);
			assert_int_equal(channel_write(&snd.c->ch, snd.c->out,
					     req, strlen(req)),
			    0);
			sent++;
			if (sent % 100 == 0 &&
			    (kb = testlib_rss_kib(ts.pid)) > max_kb)
				max_kb = kb;
		}
		stream_wait(snd.c, rcv.c);
		stream_read(&snd, "the sender", SLOW_SAYS);
		stream_read(&rcv, "the reader", SLOW_SAYS);
		if (dropped_at < 0 && snd.presence_off > 0)
			dropped_at = (long long)sent;
	}
	if ((kb = testlib_rss_kib(ts.pid)) > max_kb)
		max_kb = kb;
	set_nonblock(snd.c->fd, false);
	set_nonblock(rcv.c->fd, false);
	print_message("slow reader: %d says of %d bytes in %lld ms, "
		      "non-reader dropped after about %lld; server RSS %ld kB "
		      "before, "
		      "max %ld kB\n",
	    SLOW_SAYS, SLOW_TEXT_LEN, testlib_ms_since(t0), dropped_at, base_kb,
	    max_kb);

	/* Every message reached the reader as the sender saw it. */
	for (i = 0; i < SLOW_SAYS; i++) {
		if (rcv.ids[i] != snd.ids[i] || rcv.tss[i] != snd.tss[i])
			fail_msg("say %zu: the reader got id %lld ts %lld, the "
				 "sender id %lld ts %lld",
			    i, (long long)rcv.ids[i], (long long)rcv.tss[i],
			    (long long)snd.ids[i], (long long)snd.tss[i]);
	}
	/* The non-reader was dropped at the cap, once. */
	snprintf(cap, sizeof cap, "cap %d", SLOW_CAP);
	if (!log_line_wait("slow reader", "slowuser", 3000))
		fail_msg("no slow reader line for slowuser after %d says of "
			 "%d bytes",
		    SLOW_SAYS, SLOW_TEXT_LEN);
	assert_int_equal(log_count("slow reader", cap), 1);
	assert_int_equal(rcv.presence_off, 1);
	assert_int_equal(snd.presence_off, 1);
	set_nonblock(slow->fd, false);
	if (!wait_eof(slow->fd, 10000, &slow_got))
		fail_msg("the non-reader still open after %zu bytes", slow_got);
	pct = (int)(100.0 * (double)slow_got /
	    ((double)SLOW_SAYS * SLOW_TEXT_LEN));
	print_message("the non-reader got %zu bytes (%d%% of the stream) "
		      "before the close\n",
	    slow_got, pct);
	assert_true(pct < 90);
	if (max_kb <= 0 || max_kb > SLOW_RSS_LIMIT_KB ||
	    max_kb - base_kb > SLOW_RSS_GROWTH_KB)
		fail_msg("server RSS %ld kB (from %ld kB; limits %d kB, "
			 "growth %d kB)",
		    max_kb, base_kb, SLOW_RSS_LIMIT_KB, SLOW_RSS_GROWTH_KB);
	assert_true(server_connections() == 2);

	tclient_free(slow);
	tclient_free(snd.c);
	tclient_free(rcv.c);
	free(snd.ids);
	free(snd.tss);
	free(rcv.ids);
	free(rcv.tss);
	chat_works("after the slow reader");
	stop_ok();
}

/* ---- garbage: random bytes --------------------------------------------- */

/* One connection fed garbage, and what must happen to it. */
struct junk_conn {
	struct tclient *c;
	uint64_t opened, sent_at, closed_at;
	size_t len, got;
	bool prompt; /* closed at once, else at the timeout */
	char what[64];
};

/* Whether n bytes starting with header p make the server close at once
 * (a bad length or a whole bad frame) instead of waiting for more. */
static bool
junk_prompt(const uint8_t *p, size_t n, size_t max)
{
	size_t l;

	if (n < 2)
		return false;
	l = (size_t)p[0] << 8 | p[1];
	return l == 0 || l > max || n >= 2 + l;
}

/* Notes which of jc[0..n) the server has closed so far; returns how
 * many are still open. */
static size_t
junk_poll(struct junk_conn *jc, size_t n)
{
	size_t i, left = 0;

	for (i = 0; i < n; i++) {
		if (jc[i].closed_at == 0 && poll_eof(jc[i].c->fd, &jc[i].got))
			jc[i].closed_at = clock_mono_ms();
		left += jc[i].closed_at == 0;
	}
	return left;
}

/* Waits for every junk connection (all owned) to close; checks prompt
 * ones closed within CLOSE_SOON_MS of their bytes, the others at the
 * timeout, none with a reply. Closes them all. */
static void
junk_wait(struct junk_conn *jc, size_t n, int timeout_ms)
{
	uint64_t deadline =
	    clock_mono_ms() + timeout_ms + LATE_MARGIN_MS + CLOSE_SOON_MS;
	long long dt;
	size_t i, n_prompt = 0;

	while (junk_poll(jc, n) > 0 && clock_mono_ms() < deadline)
		testlib_sleep_ms(5);
	for (i = 0; i < n; i++) {
		if (jc[i].closed_at == 0)
			fail_msg("%s: still open after %lld ms", jc[i].what,
			    testlib_ms_since(jc[i].opened));
		if (jc[i].got != 0)
			fail_msg("%s: the server sent %zu bytes", jc[i].what,
			    jc[i].got);
		if (jc[i].prompt) {
			n_prompt++;
			dt = (long long)(jc[i].closed_at - jc[i].sent_at);
			if (dt > CLOSE_SOON_MS)
				fail_msg("%s: closed %lld ms after the bytes, "
					 "not at once",
				    jc[i].what, dt);
		} else {
			dt = (long long)(jc[i].closed_at - jc[i].opened);
			if (dt < timeout_ms - EARLY_SLACK_MS ||
			    dt > timeout_ms + LATE_MARGIN_MS)
				fail_msg("%s: closed after %lld ms, expected "
					 "the %d ms handshake timeout",
				    jc[i].what, dt, timeout_ms);
		}
	}
	owned_free();
	print_message("%zu connections: %zu closed at once, %zu at the "
		      "handshake timeout, none answered\n",
	    n, n_prompt, n - n_prompt);
}

/*
 * Random bytes instead of msg1 (several seeds, 1 to 100,000 bytes, raw
 * or with a plausible length): the server closes at once when it has a
 * bad length or a whole bad frame, else at the handshake timeout; it
 * never answers and stays up.
 */
static void
test_garbage_before_handshake(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 33, 34, 100, 1000, 8194, 65537,
		100000 };
	static struct junk_conn jc[128];
	static uint8_t junk[100000];
	struct rng r;
	size_t n = 0, i, len, s;
	int timeout_ms = 1500;

	(void)state;
	memset(jc, 0, sizeof jc);
	tserver_start_default(&ts, "\"handshake_timeout\":1.5");
	for (s = 1; s <= 6; s++) {
		rng_seed(&r, s);
		for (i = 0; i <= sizeof sizes / sizeof sizes[0]; i++) {
			len = i < sizeof sizes / sizeof sizes[0] ?
			    sizes[i] :
			    1 + rng_below(&r, sizeof junk);
			rng_fill(&r, junk, len);
			/* Seeds 4-6: a length the server accepts. */
			if (s >= 4 && len >= 3) {
				size_t l = len - 2 < PRELOGIN_MAX ?
				    len - 2 :
				    1 + rng_below(&r, PRELOGIN_MAX);

				if (s == 5 && l > 1)
					l = l + 1 <= PRELOGIN_MAX ? l + 1 : l;
				junk[0] = (uint8_t)(l >> 8);
				junk[1] = (uint8_t)l;
			}
			assert_true(n < sizeof jc / sizeof jc[0]);
			jc[n].c = own(tclient_connect_raw(ts.port));
			jc[n].opened = clock_mono_ms();
			jc[n].len = send_some(jc[n].c->fd, junk, len);
			jc[n].sent_at = clock_mono_ms();
			jc[n].prompt =
			    junk_prompt(junk, jc[n].len, PRELOGIN_MAX);
			snprintf(jc[n].what, sizeof jc[n].what,
			    "seed %zu, %zu random bytes (%zu sent)", s, len,
			    jc[n].len);
			n++;
			(void)junk_poll(jc, n);
		}
	}
	junk_wait(jc, n, timeout_ms);
	chat_works("after garbage before the handshake");
	stop_ok();
}

/*
 * A valid msg1, then random bytes instead of msg3 (framed or not), or a
 * valid msg3 with random bytes after it: closed (at once or at the
 * handshake timeout), never answered.
 */
static void
test_garbage_during_handshake(void **state)
{
	static const size_t framed[] = { 1, 15, 47, 48, 63, 64, 65, 100, 1000,
		PRELOGIN_MAX };
	static const size_t raw[] = { 1, 2, 100, 5000, 100000 };
	static struct junk_conn jc[64];
	static uint8_t junk[100000 + 2];
	struct rng r;
	size_t n = 0, i, len, m3;
	uint8_t *msg3;
	int timeout_ms = 1500;

	(void)state;
	memset(jc, 0, sizeof jc);
	tserver_start_default(&ts, "\"handshake_timeout\":1.5");
	rng_seed(&r, 77);
	for (i = 0; i <
	     sizeof framed / sizeof framed[0] + sizeof raw / sizeof raw[0] + 4;
	     i++) {
		assert_true(n < sizeof jc / sizeof jc[0]);
		jc[n].c = own(tclient_connect_raw(ts.port));
		jc[n].opened = clock_mono_ms();
		raw_until_msg3(jc[n].c);
		m3 = evbuffer_get_length(jc[n].c->out);
		msg3 = malloc(m3);
		assert_non_null(msg3);
		assert_int_equal(evbuffer_remove(jc[n].c->out, msg3, m3),
		    (int)m3);
		if (i < sizeof framed / sizeof framed[0]) {
			/* A whole frame of junk where msg3 belongs. */
			len = framed[i];
			rng_fill(&r, junk + 2, len);
			junk[0] = (uint8_t)(len >> 8);
			junk[1] = (uint8_t)len;
			len += 2;
			snprintf(jc[n].what, sizeof jc[n].what,
			    "a %zu-byte junk frame for msg3", len - 2);
		} else if (i < sizeof framed / sizeof framed[0] +
			sizeof raw / sizeof raw[0]) {
			len = raw[i - sizeof framed / sizeof framed[0]];
			rng_fill(&r, junk, len);
			snprintf(jc[n].what, sizeof jc[n].what,
			    "%zu random bytes for msg3", len);
		} else {
			/* msg3, then a junk frame in the same write. */
			len = 1 + rng_below(&r, 200);
			memcpy(junk, msg3, m3);
			junk[m3] = (uint8_t)(len >> 8);
			junk[m3 + 1] = (uint8_t)len;
			rng_fill(&r, junk + m3 + 2, len);
			len += m3 + 2;
			snprintf(jc[n].what, sizeof jc[n].what,
			    "msg3 and a %zu-byte junk frame", len - m3 - 2);
		}
		free(msg3);
		jc[n].len = send_some(jc[n].c->fd, junk, len);
		jc[n].sent_at = clock_mono_ms();
		jc[n].prompt = junk_prompt(junk, len, PRELOGIN_MAX) ||
		    i >= sizeof framed / sizeof framed[0] +
			    sizeof raw / sizeof raw[0];
		n++;
		(void)junk_poll(jc, n);
	}
	junk_wait(jc, n, timeout_ms);
	assert_true(log_count("handshake failed", NULL) > 0);
	chat_works("after garbage during the handshake");
	stop_ok();
}

/*
 * After the handshake (before and after login), a frame of random bytes
 * fails decryption and closes the connection at once, without a reply;
 * frames handled before it were answered or lost, never those after.
 */
static void
test_garbage_after_handshake(void **state)
{
	static const size_t lens[] = { 1, 15, 16, 17, 100, 1000, 8192, 8193,
		65535 };
	static struct junk_conn jc[64];
	static uint8_t junk[65535 + 2];
	struct rng r;
	size_t n = 0, i, len, flen, glen;
	uint8_t *f, *g;
	bool closed, logged;
	int pongs;
	json_t *j;

	(void)state;
	memset(jc, 0, sizeof jc);
	tserver_start_default(&ts, NULL);
	rng_seed(&r, 99);
	for (i = 0; i < 2 * (sizeof lens / sizeof lens[0] + 3); i++) {
		logged = i % 2 == 1;
		len = i / 2 < sizeof lens / sizeof lens[0] ?
		    lens[i / 2] :
		    1 + rng_below(&r, 65535);
		jc[n].c = own(logged ? tclient_login_new(ts.port, "testuser") :
				       tclient_connect(ts.port));
		jc[n].opened = clock_mono_ms();
		rng_fill(&r, junk + 2, len);
		junk[0] = (uint8_t)(len >> 8);
		junk[1] = (uint8_t)len;
		jc[n].len = send_some(jc[n].c->fd, junk, len + 2);
		jc[n].sent_at = clock_mono_ms();
		jc[n].prompt = true;
		snprintf(jc[n].what, sizeof jc[n].what,
		    "a %zu-byte junk "
		    "frame %s login",
		    len, logged ? "after" : "before");
		n++;
		(void)junk_poll(jc, n);
	}
	junk_wait(jc, n, 0);

	/* Between two good frames: the first may be answered, the last
	 * never is. */
	for (i = 0; i < 20; i++) {
		struct tclient *c = tclient_login_new(ts.port, "testuser");
		struct evbuffer *all = evbuffer_new();

		f = seal(c, "{\"type\":\"ping\",\"id\":1}", 22, &flen);
		g = seal(c, "{\"type\":\"ping\",\"id\":2}", 22, &glen);
		len = 16 + rng_below(&r, 500);
		rng_fill(&r, junk + 2, len);
		junk[0] = (uint8_t)(len >> 8);
		junk[1] = (uint8_t)len;
		evbuffer_add(all, f, flen);
		evbuffer_add(all, junk, len + 2);
		evbuffer_add(all, g, glen);
		(void)send_some(c->fd, evbuffer_pullup(all, -1),
		    evbuffer_get_length(all));
		pongs = 0;
		while ((j = tclient_recv(c, CLOSE_SOON_MS, &closed)) != NULL) {
			if (strcmp(jstr(j, "type"), "pong") != 0 ||
			    json_integer_value(json_object_get(j, "id")) != 1)
				fail_msg("after a junk frame: %s id %lld",
				    jstr(j, "type"),
				    (long long)json_integer_value(
					json_object_get(j, "id")));
			pongs++;
			json_decref(j);
		}
		if (!closed)
			fail_msg("a junk frame between two pings: not closed");
		assert_true(pongs <= 1);
		free(f);
		free(g);
		evbuffer_free(all);
		tclient_free(c);
	}
	assert_true(log_count("protocol error", NULL) >= 20);
	chat_works("after garbage after the handshake");
	stop_ok();
}

/* ---- truncated frames -------------------------------------------------- */

/*
 * Frames cut short (a header announcing more than follows) and then the
 * client closing: before, during and after the handshake, the server
 * frees every one of those connections and goes on serving.
 */
static void
test_truncated_frames(void **state)
{
	enum {
		PRE_HALF,
		PRE_SHORT,
		MID_SHORT,
		AUTH_SHORT,
		LOGGED_HALF,
		LOGGED_SHORT,
		LOGGED_MAX,
		LOGGED_CUT,
		N_KINDS
	};
	static const char *const names[N_KINDS] = { "half a header",
		"part of msg1", "part of msg3", "part of a frame before login",
		"half a header after login", "a header only after login",
		"1000 bytes of a 65535-byte frame", "half of a valid frame" };
	struct tclient *watch;
	uint8_t body[1002];
	size_t n = 0, flen;
	uint8_t *f;
	long kb0, kb1;
	int kind, k, before, after;
	char *pad;

	(void)state;
	tserver_start_default(&ts, NULL);
	watch = tclient_login_new(ts.port, "anotheruser");
	kb0 = testlib_rss_kib(ts.pid);
	before = log_count("closed by peer", NULL);
	randombytes_buf(body, sizeof body);
	for (kind = 0; kind < N_KINDS; kind++) {
		for (k = 0; k < 10; k++) {
			struct tclient *c;

			if (kind <= PRE_SHORT)
				c = tclient_connect_raw(ts.port);
			else if (kind == MID_SHORT) {
				c = tclient_connect_raw(ts.port);
				raw_until_msg3(c);
				evbuffer_drain(c->out,
				    evbuffer_get_length(c->out));
			} else if (kind == AUTH_SHORT)
				c = tclient_connect(ts.port);
			else
				c = tclient_login_new(ts.port, "testuser");
			assert_non_null(c);
			switch (kind) {
			case PRE_HALF:
			case LOGGED_HALF:
				assert_int_equal(tclient_send_raw(c, "\x01", 1),
				    0);
				break;
			case PRE_SHORT:
				body[0] = 0;
				body[1] = 66;
				assert_int_equal(tclient_send_raw(c, body, 12),
				    0);
				break;
			case MID_SHORT:
			case AUTH_SHORT:
				body[0] = 0;
				body[1] = 100;
				assert_int_equal(tclient_send_raw(c, body, 40),
				    0);
				break;
			case LOGGED_SHORT:
				assert_int_equal(tclient_send_raw(c, "\x00\x64",
						     2),
				    0);
				break;
			case LOGGED_MAX:
				body[0] = 0xff;
				body[1] = 0xff;
				assert_int_equal(tclient_send_raw(c, body,
						     sizeof body),
				    0);
				break;
			default:
				pad = malloc(3001);
				assert_non_null(pad);
				memset(pad, ' ', 3000);
				memcpy(pad, "{\"type\":\"ping\"}", 15);
				f = seal(c, pad, 3000, &flen);
				assert_int_equal(tclient_send_raw(c, f,
						     flen / 2),
				    0);
				free(f);
				free(pad);
				break;
			}
			(void)own(c);
			n++;
		}
	}
	/* The server holds them all (and the watcher), waiting for more. */
	testlib_sleep_ms(200);
	assert_int_equal(server_connections(), (int)n + 1);
	owned_free();
	k = server_connections_wait(1, 5000);
	if (k != 1)
		fail_msg("%d connections still counted after %zu truncated "
			 "ones closed",
		    k, n);
	after = log_count("closed by peer", NULL);
	if (after - before != (int)n)
		fail_msg("%d \"closed by peer\" lines for %zu connections",
		    after - before, n);
	kb1 = testlib_rss_kib(ts.pid);
	print_message("%zu truncated frames (%s ... %s) freed; RSS %ld -> "
		      "%ld kB\n",
	    n, names[0], names[N_KINDS - 1], kb0, kb1);
	(void)ping_rtt(watch, 1, NULL);
	tclient_free(watch);
	chat_works("after truncated frames");
	stop_ok();
}

/* ---- the spec's answer to any plaintext -------------------------------- */

enum want_kind {
	WANT_ERROR,	  /* error code, with ref or without */
	WANT_PONG,	  /* pong, with id or without */
	WANT_PONG_OR_BAD, /* "id":-0 somewhere: pong or bad_request */
	WANT_SAY,	  /* our say back */
	WANT_MSG,	  /* our msg to ourselves back */
	WANT_USERS,	  /* users: just testuser */
	WANT_ANY,	  /* still beyond jansson: any answer */
	WANT_SKIP,	  /* a valid quit: not sent */
};

struct want {
	enum want_kind kind;
	const char *code;
	bool has_ref;
	char ref[SC_REF_MAX_LEN + 1];
	bool has_id;
	json_int_t id;
	char *text; /* say, msg: malloc'd */
	size_t text_len;
	bool tamed; /* had numbers beyond jansson */
};

static const char *const want_names[] = { "error ", "pong",
	"pong or bad_request", "say", "msg", "users", "anything", "-" };

static const char *const error_codes[] = { "bad_request", "auth_required",
	"auth_failed", "already_logged_in", "busy", "rate_limited",
	"not_online", "too_long", "internal" };

/* Nesting depth of j (the top-level container is 1; scalars 0). */
static int
depth(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	int d, m = 0;

	if (json_is_object(j)) {
		json_object_foreach(j, key, v) if ((d = depth(v)) > m) m = d;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) if ((d = depth(v)) > m) m = d;
	} else
		return 0;
	return m + 1;
}

/* Section 4's text rule on decoded bytes: NULL, "too_long" or
 * "bad_request". jansson already guarantees valid UTF-8. */
static const char *
text_rule(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i;

	if (len > SC_TEXT_MAX_LEN)
		return "too_long";
	if (len == 0)
		return "bad_request";
	for (i = 0; i < len; i++) {
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n') ||
		    p[i] == 0x7f)
			return "bad_request";
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return "bad_request";
	}
	return NULL;
}

/* True if s[0..len) is 1-32 bytes of [A-Za-z0-9_.-]. */
static bool
user_rule(const char *s, size_t len)
{
	static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "abcdefghijklmnopqrstuvwxyz0123456789_.-";
	size_t i;

	if (len == 0 || len > SC_USER_MAX_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(allowed, s[i]) == NULL)
			return false;
	return true;
}

/* True if the string member name of j (j itself when name is NULL) is
 * exactly s[0..len). */
static bool
jstr_is(json_t *j, const char *name, const char *s, size_t len)
{
	json_t *v = name != NULL ? json_object_get(j, name) : j;

	return json_is_string(v) && json_string_length(v) == len &&
	    memcmp(json_string_value(v), s, len) == 0;
}

/* An error answer, with the request's type as ref when it has one. */
static void
want_error(struct want *w, const char *code, const char *type, size_t tlen)
{
	w->kind = WANT_ERROR;
	w->code = code;
	w->has_ref = type != NULL && tlen <= SC_REF_MAX_LEN;
	if (w->has_ref) {
		memcpy(w->ref, type, tlen);
		w->ref[tlen] = '\0';
	}
}

/* True if the plaintext type of tlen bytes is name. */
static bool
type_is(const char *type, size_t tlen, const char *name)
{
	return tlen == strlen(name) && memcmp(type, name, tlen) == 0;
}

/* The length of the JSON number (RFC 8259 grammar) starting p[0..len),
 * 0 if none; *real when it has a fraction or an exponent. */
static size_t
number_token(const uint8_t *p, size_t len, bool *real)
{
	size_t i = 0, k;

	*real = false;
	if (i < len && p[i] == '-')
		i++;
	if (i >= len || p[i] < '0' || p[i] > '9')
		return 0;
	if (p[i++] != '0')
		while (i < len && p[i] >= '0' && p[i] <= '9')
			i++;
	if (i + 1 < len && p[i] == '.' && p[i + 1] >= '0' && p[i + 1] <= '9') {
		*real = true;
		for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			;
	}
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		k = i + 1;
		if (k < len && (p[k] == '+' || p[k] == '-'))
			k++;
		if (k < len && p[k] >= '0' && p[k] <= '9') {
			*real = true;
			for (i = k; i < len && p[i] >= '0' && p[i] <= '9'; i++)
				;
		}
	}
	return i;
}

/*
 * A copy of JSON text pt[0..len) (malloc'd, *outlen bytes) in which every
 * number token jansson cannot hold (an integer beyond 64 bits, a real
 * beyond a double) becomes 0.5: a number all the same, of a kind no
 * member takes as an integer, so the spec's answer is unchanged. Sets
 * *invalid when such a number runs straight into more number characters
 * ("1e999e5", "99999999999999999999-1"): no valid JSON has that.
 */
static uint8_t *
tame_numbers(const uint8_t *pt, size_t len, size_t *outlen, bool *invalid)
{
	struct buf b = { 0 };
	size_t i = 0, n;
	bool in_string = false, real, big;
	char num[256];
	double d;

	*invalid = false;
	while (i < len) {
		n = in_string ? 0 : number_token(pt + i, len - i, &real);
		if (n == 0) {
			if (in_string && pt[i] == '\\' && i + 1 < len) {
				buf_add(&b, pt + i, 2);
				i += 2;
				continue;
			}
			if (pt[i] == '"')
				in_string = !in_string;
			buf_add(&b, pt + i, 1);
			i++;
			continue;
		}
		big = false;
		if (n < sizeof num) {
			memcpy(num, pt + i, n);
			num[n] = '\0';
			errno = 0;
			if (real) {
				d = strtod(num, NULL);
				big = errno == ERANGE && (d > 1 || d < -1);
			} else {
				(void)strtoll(num, NULL, 10);
				big = errno == ERANGE;
			}
		}
		if (big && i + n < len &&
		    strchr("0123456789.eE+-", pt[i + n]) != NULL &&
		    pt[i + n] != '\0')
			*invalid = true;
		if (big)
			buf_adds(&b, "0.5");
		else
			buf_add(&b, pt + i, n);
		i += n;
	}
	if (b.p == NULL)
		buf_add(&b, "", 0);
	*outlen = b.len;
	return b.p;
}

/*
 * What PROTOCOL.md section 3 says a logged-in testuser (alone online,
 * with no rate limit in reach) gets for plaintext pt[0..len), worked out
 * from the spec with jansson as the JSON reader.
 */
static void
predict_json(const uint8_t *pt, size_t len, struct want *w, bool tamed)
{
	json_error_t err;
	json_t *root, *type, *v, *to;
	const char *t, *rule;
	uint8_t *tame;
	size_t tlen;
	bool invalid;

	memset(w, 0, sizeof *w);
	root = json_loadb((const char *)pt, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL &&
	    json_error_code(&err) == json_error_numeric_overflow && !tamed) {
		/* Maybe valid JSON beyond jansson's numbers: ask again. */
		tame = tame_numbers(pt, len, &tlen, &invalid);
		if (invalid)
			want_error(w, "bad_request", NULL, 0);
		else
			predict_json(tame, tlen, w, true);
		free(tame);
		w->tamed = true;
		return;
	}
	if (root == NULL) {
		if (json_error_code(&err) == json_error_numeric_overflow)
			w->kind = WANT_ANY;
		else
			want_error(w, "bad_request", NULL, 0);
		return;
	}
	type = json_object_get(root, "type");
	if (!json_is_object(root) || depth(root) > SC_JSON_MAX_DEPTH ||
	    !json_is_string(type)) {
		want_error(w, "bad_request", NULL, 0);
		goto out;
	}
	t = json_string_value(type);
	tlen = json_string_length(type);
	if (type_is(t, tlen, "login")) {
		want_error(w, "already_logged_in", t, tlen);
	} else if (type_is(t, tlen, "quit")) {
		w->kind = WANT_SKIP;
	} else if (type_is(t, tlen, "list")) {
		w->kind = WANT_USERS;
	} else if (type_is(t, tlen, "ping")) {
		v = json_object_get(root, "id");
		if (v == NULL)
			w->kind = WANT_PONG;
		else if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    json_integer_value(v) <= SC_PING_ID_MAX) {
			w->kind = WANT_PONG;
			w->has_id = true;
			w->id = json_integer_value(v);
			/* Only the raw token tells -0 from 0. */
			if (w->id == 0 && memmem(pt, len, "-0", 2) != NULL)
				w->kind = WANT_PONG_OR_BAD;
		} else
			want_error(w, "bad_request", t, tlen);
	} else if (type_is(t, tlen, "say") || type_is(t, tlen, "msg")) {
		v = json_object_get(root, "text");
		to = json_object_get(root, "to");
		if (!json_is_string(v) ||
		    (t[0] == 'm' && !json_is_string(to))) {
			want_error(w, "bad_request", t, tlen);
			goto out;
		}
		/* too_long first, then a bad name or text, then the
		 * target. */
		rule = text_rule(json_string_value(v), json_string_length(v));
		if (t[0] == 'm' &&
		    (rule == NULL || strcmp(rule, "too_long") != 0) &&
		    !user_rule(json_string_value(to), json_string_length(to)))
			rule = "bad_request";
		if (rule == NULL && t[0] == 'm' &&
		    !jstr_is(root, "to", "testuser", 8))
			rule = "not_online";
		if (rule != NULL) {
			want_error(w, rule, t, tlen);
			goto out;
		}
		w->kind = t[0] == 's' ? WANT_SAY : WANT_MSG;
		w->text_len = json_string_length(v);
		w->text = malloc(w->text_len + 1);
		assert_non_null(w->text);
		memcpy(w->text, json_string_value(v), w->text_len + 1);
	} else
		want_error(w, "bad_request", t, tlen);
out:
	json_decref(root);
}

/* The spec's answer to plaintext pt[0..len). */
static void
predict(const uint8_t *pt, size_t len, struct want *w)
{
	predict_json(pt, len, w, false);
}

/* True if j is a well-formed error with one of the spec's codes. */
static bool
valid_error(json_t *j)
{
	size_t i;

	if (strcmp(jstr(j, "type"), "error") != 0 ||
	    !json_is_string(json_object_get(j, "message")))
		return false;
	for (i = 0; i < sizeof error_codes / sizeof error_codes[0]; i++)
		if (strcmp(jstr(j, "code"), error_codes[i]) == 0)
			return true;
	return false;
}

/* Wrong answers seen by check_reply() (the first few are printed). */
static size_t wrong_answers;
static char first_wrong[1024];

/* Fails the test if check_reply() saw wrong answers. */
static void
assert_no_wrong_answers(void)
{
	if (wrong_answers > 0)
		fail_msg("%zu wrong answers; the first: %s", wrong_answers,
		    first_wrong);
}

/* Checks reply j against w for request n (pt); *last_id tracks say/msg
 * ids. A wrong answer is counted and shown, not fatal, so one run shows
 * every kind of mistake. */
static void
check_reply(json_t *j, const struct want *w, const uint8_t *pt, size_t len,
    json_int_t *last_id, size_t n)
{
	const char *type = jstr(j, "type");
	json_t *ref = json_object_get(j, "ref"), *id, *users;
	char *dump = json_dumps(j, JSON_COMPACT);
	bool ok = false;

	switch (w->kind) {
	case WANT_ERROR:
		ok = valid_error(j) && strcmp(jstr(j, "code"), w->code) == 0 &&
		    (w->has_ref ? jstr_is(j, "ref", w->ref, strlen(w->ref)) :
				  ref == NULL);
		break;
	case WANT_PONG:
	case WANT_PONG_OR_BAD:
		id = json_object_get(j, "id");
		ok = strcmp(type, "pong") == 0 &&
		    (w->has_id ? json_is_integer(id) &&
				json_integer_value(id) == w->id :
				 id == NULL);
		if (w->kind == WANT_PONG_OR_BAD && !ok)
			ok = valid_error(j) &&
			    strcmp(jstr(j, "code"), "bad_request") == 0 &&
			    strcmp(jstr(j, "ref"), "ping") == 0;
		break;
	case WANT_SAY:
	case WANT_MSG:
		id = json_object_get(j, "id");
		ok = strcmp(type, w->kind == WANT_SAY ? "say" : "msg") == 0 &&
		    jstr_is(j, "text", w->text, w->text_len) &&
		    strcmp(jstr(j, "from"), "testuser") == 0 &&
		    (w->kind == WANT_SAY ||
			strcmp(jstr(j, "to"), "testuser") == 0) &&
		    json_is_integer(id) && json_integer_value(id) > *last_id &&
		    json_is_integer(json_object_get(j, "ts"));
		if (ok)
			*last_id = json_integer_value(id);
		break;
	case WANT_USERS:
		users = json_object_get(j, "users");
		ok = strcmp(type, "users") == 0 &&
		    json_array_size(users) == 1 &&
		    jstr_is(json_array_get(users, 0), NULL, "testuser", 8);
		break;
	case WANT_ANY:
		ok = valid_error(j) || strcmp(type, "pong") == 0 ||
		    strcmp(type, "say") == 0 || strcmp(type, "msg") == 0 ||
		    strcmp(type, "users") == 0;
		break;
	case WANT_SKIP:
		break;
	}
	if (!ok) {
		if (wrong_answers++ == 0)
			snprintf(first_wrong, sizeof first_wrong,
			    "request %zu "
			    "\"%s\": %s",
			    n, shown(pt, len), dump);
		if (wrong_answers <= 10)
			print_message("WRONG ANSWER to request %zu \"%s\": %s "
				      "(expected %s%s%s%s)\n",
			    n, shown(pt, len), dump, want_names[w->kind],
			    w->kind == WANT_ERROR ? w->code : "",
			    w->kind != WANT_ERROR ? "" :
				w->has_ref	  ? " ref " :
						    " without ref",
			    w->kind == WANT_ERROR && w->has_ref ? w->ref : "");
	}
	free(dump);
}

/* One request of a pipeline. */
struct req {
	uint8_t *pt;
	size_t len;
	struct want w;
};

/*
 * Sends reqs[0..n) over logged-in c, at most FUZZ_WINDOW in flight, and
 * checks each answer in order; the connection must stay open. counts
 * gets the number of answers of each want kind.
 */
static void
pipeline(struct tclient *c, struct req *reqs, size_t n, json_int_t *last_id,
    size_t *counts, size_t base)
{
	uint64_t progress = clock_mono_ms();
	size_t next_send = 0, next_reply = 0, len;
	struct pollfd pfd;
	json_t *j;
	int rc, nr;

	set_nonblock(c->fd, true);
	while (next_reply < n) {
		while (next_send < n && next_send - next_reply < FUZZ_WINDOW &&
		    evbuffer_get_length(c->out) < 1024 * 1024) {
			assert_int_equal(channel_write(&c->ch, c->out,
					     reqs[next_send].pt,
					     reqs[next_send].len),
			    0);
			next_send++;
		}
		pfd.fd = c->fd;
		pfd.events =
		    POLLIN | (evbuffer_get_length(c->out) > 0 ? POLLOUT : 0);
		pfd.revents = 0;
		(void)poll(&pfd, 1, 100);
		if ((pfd.revents & POLLOUT) &&
		    evbuffer_write(c->out, c->fd) < 0 && errno != EAGAIN) {
			assert_alive("during the pipeline");
			fail_msg("request %zu \"%s\": the server closed the "
				 "connection (%s)",
			    base + next_reply,
			    shown(reqs[next_reply].pt, reqs[next_reply].len),
			    strerror(errno));
		}
		while ((nr = evbuffer_read(c->in, c->fd, 262144)) > 0)
			;
		if (nr == 0 || (nr < 0 && errno != EAGAIN)) {
			/* Answers already buffered first, then the verdict. */
			nr = -2;
		}
		while ((rc = channel_read(&c->ch, c->in, c->out, c->buf,
			    SC_MSG_MAX_LEN, &len)) == CHANNEL_MESSAGE) {
			j = json_loadb((const char *)c->buf, len,
			    JSON_REJECT_DUPLICATES, NULL);
			if (j == NULL)
				fail_msg("the server sent bad JSON: %s",
				    shown(c->buf, len));
			if (next_reply >= next_send)
				fail_msg("an answer to nothing: %s",
				    shown(c->buf, len));
			check_reply(j, &reqs[next_reply].w, reqs[next_reply].pt,
			    reqs[next_reply].len, last_id, base + next_reply);
			counts[reqs[next_reply].w.kind]++;
			next_reply++;
			progress = clock_mono_ms();
			json_decref(j);
		}
		if (rc < 0)
			fail_msg("channel error from the server: %s",
			    sc_strerror(rc));
		if (nr == -2 && next_reply < n) {
			assert_alive("during the pipeline");
			fail_msg("request %zu \"%s\": the server closed the "
				 "connection",
			    base + next_reply,
			    shown(reqs[next_reply].pt, reqs[next_reply].len));
		}
		if (testlib_ms_since(progress) > FUZZ_STALL_MS) {
			assert_alive("during the pipeline");
			fail_msg("request %zu \"%s\": no answer in %d ms",
			    base + next_reply,
			    shown(reqs[next_reply].pt, reqs[next_reply].len),
			    FUZZ_STALL_MS);
		}
	}
	set_nonblock(c->fd, false);
}

/* Frees what reqs[0..n) hold. */
static void
reqs_free(struct req *reqs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(reqs[i].pt);
		free(reqs[i].w.text);
	}
	memset(reqs, 0, n * sizeof *reqs);
}

/* Adds b's bytes as request n of reqs, with the spec's answer. */
static void
req_set(struct req *r, const struct buf *b)
{
	r->len = b->len;
	r->pt = malloc(b->len + 1);
	assert_non_null(r->pt);
	memcpy(r->pt, b->p, b->len);
	predict(r->pt, r->len, &r->w);
}

/* ---- maximal frames ---------------------------------------------------- */

/* Pads b with trailing JSON whitespace to exactly len bytes. */
static void
pad_to(struct buf *b, size_t len)
{
	assert_true(b->len <= len);
	buf_fill(b, ' ', len - b->len);
}

/*
 * 65535-byte frames after login, back to back: valid plaintexts of 65519
 * bytes get their answers (pong, say, too_long, bad_request, ...); a
 * tampered 65535-byte frame closes the connection. Before login a whole
 * 65535-byte frame is refused at its header.
 */
static void
test_max_frames(void **state)
{
	static struct req reqs[64];
	static uint8_t junk[2 + SC_FRAME_MAX_LEN];
	size_t counts[WANT_SKIP + 1] = { 0 }, n = 0, i, flen, got = 0;
	struct buf b = { 0 };
	struct tclient *c;
	json_int_t last_id = 0;
	uint8_t *f;
	int d;

	(void)state;
	/* 40 maximal frames would take 36 s of the byte budget, and a
	 * paused connection would not read the tampered one at once. */
	tserver_start_default(&ts, UNMETERED);

	/* Before login: the header alone is refused, body and all. */
	c = tclient_connect(ts.port);
	randombytes_buf(junk, sizeof junk);
	junk[0] = junk[1] = 0xff;
	(void)send_some(c->fd, junk, sizeof junk);
	if (!wait_eof(c->fd, CLOSE_SOON_MS, &got) || got != 0)
		fail_msg("a 65535-byte frame before login: not refused at "
			 "once (%zu bytes back)",
		    got);
	tclient_free(c);

	c = tclient_login_new(ts.port, "testuser");
	for (i = 0; i < 40; i++) {
		buf_reset(&b);
		switch (i % 10) {
		case 0: /* a ping with a string to fill it */
			buf_printf(&b,
			    "{\"type\":\"ping\",\"id\":%zu,"
			    "\"pad\":\"",
			    i);
			buf_fill(&b, 'p', SC_MSG_MAX_LEN - b.len - 2);
			buf_adds(&b, "\"}");
			break;
		case 1: /* a longest text and a filler member */
			buf_adds(&b, "{\"type\":\"say\",\"text\":\"");
			buf_fill(&b, 't', SC_TEXT_MAX_LEN - 12);
			buf_printf(&b, "%012zu\",\"pad\":\"", i);
			buf_fill(&b, 'q', SC_MSG_MAX_LEN - b.len - 2);
			buf_adds(&b, "\"}");
			break;
		case 2: /* a text far too long */
			buf_adds(&b, "{\"type\":\"say\",\"text\":\"");
			buf_fill(&b, 'L', SC_MSG_MAX_LEN - b.len - 2);
			buf_adds(&b, "\"}");
			break;
		case 3: /* escaped, to decode shorter */
			buf_adds(&b,
			    "{\"type\":\"msg\",\"to\":\"testuser\","
			    "\"text\":\"");
			while (
			    b.len + 6 + 2 <= SC_MSG_MAX_LEN && b.len < 6 * 600)
				buf_adds(&b, "\\u00e9");
			buf_adds(&b, "\"");
			pad_to(&b, SC_MSG_MAX_LEN - 1);
			buf_adds(&b, "}");
			break;
		case 4: /* not JSON: the string never ends */
			buf_adds(&b, "{\"type\":\"ping\",\"pad\":\"");
			buf_fill(&b, 'u', SC_MSG_MAX_LEN - b.len);
			break;
		case 5: /* an unknown type, long and short */
			buf_adds(&b, "{\"type\":\"");
			buf_fill(&b, 'T', i % 20 == 5 ? 40 : 12);
			buf_adds(&b, "\"}");
			pad_to(&b, SC_MSG_MAX_LEN);
			break;
		case 6: /* 33 levels, then blanks */
			buf_adds(&b, "{\"type\":\"ping\",\"a\":");
			for (d = 0; d < 32; d++)
				buf_adds(&b, "[");
			for (d = 0; d < 32; d++)
				buf_adds(&b, "]");
			buf_adds(&b, "}");
			pad_to(&b, SC_MSG_MAX_LEN);
			break;
		case 7: /* an array */
			buf_adds(&b, "[{\"type\":\"ping\"}");
			while (b.len + 5 < SC_MSG_MAX_LEN)
				buf_adds(&b, ",1234");
			pad_to(&b, SC_MSG_MAX_LEN - 1);
			buf_adds(&b, "]");
			break;
		case 8: /* thousands of members */
			buf_adds(&b, "{\"type\":\"list\"");
			for (d = 0; b.len + 24 < SC_MSG_MAX_LEN; d++)
				buf_printf(&b, ",\"m%d\":%d", d, d);
			buf_adds(&b, "}");
			pad_to(&b, SC_MSG_MAX_LEN);
			break;
		default: /* a duplicate at the very end */
			buf_adds(&b, "{\"type\":\"ping\",\"k\":\"");
			buf_fill(&b, 'd', SC_MSG_MAX_LEN - b.len - 20);
			buf_adds(&b, "\",\"k\":1}");
			pad_to(&b, SC_MSG_MAX_LEN);
			break;
		}
		assert_int_equal(b.len, SC_MSG_MAX_LEN);
		req_set(&reqs[n++], &b);
	}
	/* The oracle agrees with the obvious cases. */
	assert_int_equal(reqs[0].w.kind, WANT_PONG);
	assert_int_equal(reqs[1].w.kind, WANT_SAY);
	assert_string_equal(reqs[2].w.code, "too_long");
	assert_int_equal(reqs[3].w.kind, WANT_MSG);
	assert_false(reqs[4].w.has_ref);
	assert_false(reqs[5].w.has_ref);
	assert_true(reqs[15].w.has_ref);
	assert_false(reqs[6].w.has_ref);
	assert_int_equal(reqs[8].w.kind, WANT_USERS);
	assert_false(reqs[9].w.has_ref);
	wrong_answers = 0;
	pipeline(c, reqs, n, &last_id, counts, 0);
	assert_no_wrong_answers();
	print_message("%zu frames of 65535 bytes: %zu pongs, %zu says, %zu "
		      "msgs, %zu users, %zu errors\n",
	    n, counts[WANT_PONG], counts[WANT_SAY], counts[WANT_MSG],
	    counts[WANT_USERS], counts[WANT_ERROR]);
	reqs_free(reqs, n);

	/* A tampered maximal frame closes the connection. */
	buf_reset(&b);
	buf_adds(&b, "{\"type\":\"ping\",\"id\":1}");
	pad_to(&b, SC_MSG_MAX_LEN);
	f = seal(c, b.p, b.len, &flen);
	assert_int_equal(flen, SC_FRAME_MAX_WIRE);
	f[flen / 2] ^= 0x01;
	assert_int_equal(tclient_send_raw(c, f, flen), 0);
	got = 0;
	if (!wait_eof(c->fd, CLOSE_SOON_MS, &got) || got != 0)
		fail_msg("a tampered 65535-byte frame: not closed at once "
			 "(%zu bytes back)",
		    got);
	free(f);
	free(b.p);
	tclient_free(c);
	chat_works("after maximal frames");
	stop_ok();
}

/* ---- 10,000 malformed requests ----------------------------------------- */

static const char *const templates[] = {
	"{\"type\":\"ping\"}",
	"{\"type\":\"ping\",\"id\":42}",
	"{\"type\":\"ping\",\"id\":9007199254740991}",
	"{\"type\":\"say\",\"text\":\"hello world\"}",
	"{\"type\":\"say\",\"text\":\"caf\\u00e9 \\ud83d\\ude00 \\t tab\"}",
	"{\"type\":\"msg\",\"to\":\"testuser\",\"text\":\"note to self\"}",
	"{\"type\":\"msg\",\"to\":\"anotheruser\",\"text\":\"hi\"}",
	"{\"type\":\"list\"}",
	"{\"type\":\"login\",\"user\":\"testuser\",\"password\":\"x\"}",
	" { \"text\" : \"x\" , \"type\" : \"say\" , \"extra\" : "
	"[1,2.5,{\"k\":null},true] } ",
	"{\"id\":7,\"type\":\"ping\",\"nested\":{\"a\":[{\"b\":{}}]}}",
	"{\"type\":\"quit\"}",
};

static const char *const tokens[] = {
	"{",
	"}",
	"[",
	"]",
	":",
	",",
	" ",
	"\n",
	"\"type\"",
	"\"say\"",
	"\"ping\"",
	"\"msg\"",
	"\"list\"",
	"\"login\"",
	"\"quit\"",
	"\"pong\"",
	"\"error\"",
	"\"text\"",
	"\"to\"",
	"\"id\"",
	"\"user\"",
	"\"password\"",
	"\"testuser\"",
	"\"x\"",
	"\"\"",
	"0",
	"-0",
	"1",
	"-1",
	"1.5",
	"1e3",
	"-0.0",
	"9007199254740992",
	"99999999999999999999",
	"1e999",
	"-1e999",
	"true",
	"false",
	"null",
	"\"\\u0000\"",
	"\"\\ud800\"",
	"\"\\udc00\\ud800\"",
	"\"\\ud83d\\ude00\"",
	"\"\\u0085\"",
	"\"\\u007f\"",
	"\"\\t\"",
	"\"\x01\"",
	"\"\xff\"",
	"\"\xc0\xaf\"",
	"\"\xed\xa0\x80\"",
	"\"\xc2\x85\"",
	"\"\x7f\"",
	"\"type\":\"say\"",
	"\"type\":\"ping\"",
	"\"text\":\"hi\"",
	"\"\\u0074ype\"",
	"\"typ\\u0065\"",
	"\"\\\"\"",
	"\"\\\\\"",
	"\"\\x\"",
	"\xef\xbb\xbf",
	"/*",
	"'",
	"NaN",
	"Infinity",
	"01",
	".5",
	"+1",
};

/* Types, ids, duplicates and numbers at their edges. */
static const char *const edges[] = {
	"{\"type\":\"ping\",\"id\":-0}",
	"{\"type\":\"ping\",\"id\":-0.0}",
	"{\"type\":\"ping\",\"id\":0}",
	"{\"type\":\"ping\",\"id\":9007199254740992}",
	"{\"type\":\"ping\",\"id\":1e2}",
	"{\"type\":\"ping\",\"id\":1.0}",
	"{\"type\":\"ping\",\"id\":\"5\"}",
	"{\"type\":\"ping\",\"id\":null}",
	"{\"type\":\"ping\",\"id\":99999999999999999999999}",
	"{\"type\":\"ping\",\"x\":1e400}",
	"{\"type\":\"ping\",\"x\":-1E+400,\"id\":3}",
	"{\"type\":\"say\",\"text\":\"big\",\"x\":[1e999]}",
	"{\"type\":\"ping\",\"x\":1e999e5}",
	"{\"type\":\"ping\",\"x\":1e999.5}",
	"{\"type\":\"ping\",\"x\":99999999999999999999-1}",
	"{\"type\":\"ping\",\"id\":1,\"id\":1}",
	"{\"type\":\"ping\",\"\\u0069d\":1,\"id\":2}",
	"{\"type\":\"ping\",\"a\":{\"b\":1,\"b\":1}}",
	"{\"type\":\"ping\",\"a\":[{\"c\":[],\"c\":[]}]}",
	"{\"type\":\"ping\",\"type\":\"ping\"}",
	"{\"type\":1}",
	"{\"type\":null}",
	"{\"type\":[\"say\"]}",
	"{\"Type\":\"ping\"}",
	"{\"type\":\"PING\"}",
	"{\"type\":\"ping \"}",
	"{\"type\":\"\"}",
	"{\"type\":\"p\\u0069ng\"}",
	"{\"type\":\"say\",\"text\":\"\\u0000\"}",
	"{\"type\":\"say\",\"text\":\"\\udfff\"}",
	"{\"type\":\"say\",\"text\":\"\"}",
	"{\"type\":\"say\",\"text\":1}",
	"{\"type\":\"say\"}",
	"{\"type\":\"msg\",\"text\":\"x\"}",
	"{\"type\":\"msg\",\"to\":\"\",\"text\":\"x\"}",
	"{\"type\":\"msg\",\"to\":\"nobody\",\"text\":\"x\"}",
	"{\"type\":\"list\",\"users\":[1,2,3]}",
	"{\"type\":\"login\"}",
	"{\"type\":\"pong\"}",
	"{\"type\":\"error\"}",
	"{\"type\":\"bye\"}",
	"{\"type\":\"users\"}",
	"{\"type\":\"login_ok\"}",
	"{\"type\":\"presence\"}",
	"{\"type\":\"notice\"}",
	"[]",
	"\"ping\"",
	"42",
	"null",
	"{}",
	"{\"type\":\"ping\"} x",
	"{\"type\":\"ping\"}{}",
	"\xef\xbb\xbf{\"type\":\"ping\"}",
	"\t\r\n {\"type\":\"ping\"} \t\r\n",
};

/* Inserts token-ish bytes into b at a random place. */
static void
mutate(struct rng *r, struct buf *b)
{
	static const char syntax[] = "{}[]:,\"\\ 0-9eE.+tfnu";
	size_t at = rng_below(r, b->len + 1), n, k;
	const char *tok;
	uint8_t tmp[64];
	struct buf out = { 0 };

	switch (rng_below(r, 8)) {
	case 0: /* flip a bit */
		if (b->len > 0)
			b->p[rng_below(r, b->len)] ^=
			    (uint8_t)(1u << rng_below(r, 8));
		return;
	case 1: /* a random byte */
		if (b->len > 0)
			b->p[rng_below(r, b->len)] = (uint8_t)rng_next(r);
		return;
	case 2: /* a syntax byte */
		if (b->len > 0)
			b->p[rng_below(r, b->len)] =
			    (uint8_t)syntax[rng_below(r, sizeof syntax - 1)];
		return;
	case 3: /* delete a range */
		if (b->len == 0)
			return;
		at = rng_below(r, b->len);
		n = 1 + rng_below(r, b->len - at < 8 ? b->len - at : 8);
		memmove(b->p + at, b->p + at + n, b->len - at - n);
		b->len -= n;
		return;
	case 4: /* truncate */
		b->len = rng_below(r, b->len + 1);
		return;
	default: /* insert a token, a copy of a range, or junk */
		buf_add(&out, b->p, at);
		k = rng_below(r, 3);
		if (k == 0) {
			tok = tokens[rng_below(r,
			    sizeof tokens / sizeof tokens[0])];
			buf_adds(&out, tok);
		} else if (k == 1 && b->len > 0) {
			n = rng_below(r, b->len);
			buf_add(&out, b->p + n, rng_below(r, b->len - n) + 1);
		} else {
			n = 1 + rng_below(r, sizeof tmp);
			rng_fill(r, tmp, n);
			buf_add(&out, tmp, n);
		}
		buf_add(&out, b->p + at, b->len - at);
		buf_reset(b);
		buf_add(b, out.p, out.len);
		free(out.p);
		return;
	}
}

/* Appends a JSON string of about n bytes of mixed characters, escaped
 * and raw, valid unless bad. */
static void
add_text(struct rng *r, struct buf *b, size_t n, bool bad)
{
	static const char *const pieces[] = { "a", "Z", " ", "\\n", "\\t",
		"\xc3\xa9", "\\u00e9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\\ud83d\\ude00", "\\\"", "\\\\", "\\/" };
	static const char *const poison[] = { "\\u0001", "\\u001f", "\\u007f",
		"\x7f", "\\u0080", "\xc2\x9f", "\\r", "\\b", "\\u0000",
		"\\ud800", "\xc0\x80", "\xed\xb0\x80", "\xf4\x90\x80\x80",
		"\xe2\x82", "\x80", "\xff", "\x1b" };
	size_t start = b->len;

	buf_adds(b, "\"");
	while (b->len - start < n)
		buf_adds(b,
		    pieces[rng_below(r, sizeof pieces / sizeof pieces[0])]);
	if (bad) {
		/* Somewhere inside: back off a few pieces' worth. */
		buf_adds(b,
		    poison[rng_below(r, sizeof poison / sizeof poison[0])]);
		buf_adds(b, "tail");
	}
	buf_adds(b, "\"");
}

/* One malformed (or accidentally valid) plaintext into b. */
static void
gen_plaintext(struct rng *r, struct buf *b)
{
	size_t k, n, i;
	int d, levels;
	char *stack;

	buf_reset(b);
	k = rng_below(r, 100);
	if (k < 12) {
		/* Random bytes, now and then a lot of them. */
		n = rng_chance(r, 3) ? rng_below(r, 20000) : rng_below(r, 80);
		for (i = 0; i < n; i++)
			buf_fill(b, (int)(uint8_t)rng_next(r), 1);
		if (rng_chance(r, 30) && b->len > 0)
			b->p[0] = '{';
	} else if (k < 30) {
		/* JSON-ish fragments. */
		if (rng_chance(r, 70))
			buf_adds(b, "{");
		n = 1 + rng_below(r, 24);
		for (i = 0; i < n; i++)
			buf_adds(b,
			    tokens[rng_below(r,
				sizeof tokens / sizeof tokens[0])]);
		if (rng_chance(r, 60))
			buf_adds(b, "}");
	} else if (k < 65) {
		/* A valid request, mutated one to four times. */
		buf_adds(b,
		    templates[rng_below(r,
			sizeof templates / sizeof templates[0])]);
		n = 1 + rng_below(r, 4);
		for (i = 0; i < n; i++)
			mutate(r, b);
	} else if (k < 73) {
		/* Deep nesting around the limit (and far past it). */
		levels = rng_chance(r, 5) ? 3000 : 28 + (int)rng_below(r, 9);
		stack = malloc((size_t)levels);
		assert_non_null(stack);
		buf_printf(b, "{\"type\":\"ping\",\"id\":%d,\"n\":",
		    (int)rng_below(r, 1000));
		for (d = 0; d < levels - 1; d++) {
			stack[d] = rng_chance(r, 50) ? '[' : '{';
			buf_adds(b, stack[d] == '[' ? "[" : "{\"k\":");
		}
		if (levels < 2 || stack[levels - 2] == '{')
			buf_adds(b, "null");
		for (d = levels - 2; d >= 0; d--)
			buf_adds(b, stack[d] == '[' ? "]" : "}");
		buf_adds(b, "}");
		free(stack);
	} else if (k < 81) {
		/* Texts around the length limit, sometimes huge. */
		n = rng_chance(r, 10) ? 4096 + rng_below(r, 40000) :
					4080 + rng_below(r, 30);
		if (rng_chance(r, 50)) {
			buf_adds(b, "{\"type\":\"say\",\"text\":");
		} else {
			buf_adds(b, "{\"type\":\"msg\",\"to\":");
			buf_adds(b,
			    rng_chance(r, 80) ? "\"testuser\"" :
						"\"bad name!\"");
			buf_adds(b, ",\"text\":");
		}
		add_text(r, b, n, rng_chance(r, 20));
		if (rng_chance(r, 20)) {
			buf_adds(b, ",\"huge\":");
			add_text(r, b, rng_below(r, 20000), false);
		}
		buf_adds(b, "}");
	} else if (k < 91) {
		/* Bad UTF-8 and control characters in every string. */
		k = rng_below(r, 4);
		buf_adds(b, "{\"type\":");
		if (k == 0)
			add_text(r, b, 3, true);
		else
			buf_adds(b,
			    k == 1     ? "\"say\"" :
				k == 2 ? "\"msg\"" :
					 "\"ping\"");
		buf_adds(b, ",\"to\":");
		add_text(r, b, rng_below(r, 12), rng_chance(r, 30));
		buf_adds(b, ",");
		add_text(r, b, 2, rng_chance(r, 20));
		buf_adds(b, ":1,\"text\":");
		add_text(r, b, 1 + rng_below(r, 40), rng_chance(r, 80));
		buf_adds(b, "}");
	} else {
		/* Types, ids, duplicates and numbers at their edges. */
		buf_adds(b,
		    edges[rng_below(r, sizeof edges / sizeof edges[0])]);
		if (rng_chance(r, 30)) {
			/* An unknown type of 31 to 34 bytes. */
			buf_reset(b);
			buf_adds(b, "{\"type\":\"");
			buf_fill(b, 'y', 31 + rng_below(r, 4));
			buf_adds(b, "\"}");
		}
	}
	if (b->len > SC_MSG_MAX_LEN)
		b->len = SC_MSG_MAX_LEN;
}

/*
 * 10,000 random malformed plaintexts after login, properly encrypted and
 * pipelined: each gets exactly the answer of PROTOCOL.md section 3 (the
 * error code and ref, or the response a valid one deserves), the
 * connection stays open, and afterwards the server serves a new client
 * and exits 0.
 */
static void
test_malformed_plaintexts(void **state)
{
	static struct req reqs[FUZZ_BATCH];
	size_t counts[WANT_SKIP + 1] = { 0 }, done = 0, n, skipped = 0;
	size_t tamed = 0, i;
	struct buf b = { 0 };
	struct tclient *c;
	json_int_t last_id = 0;
	struct rng r;
	uint64_t t0;

	(void)state;
	/* The request budget is not what this test is about. */
	tserver_start_default(&ts,
	    "\"rate_burst\":1000000,"
	    "\"rate_per_sec\":1000000," UNMETERED);
	c = tclient_login_new(ts.port, "testuser");
	rng_seed(&r, 20240607);
	wrong_answers = 0;
	t0 = clock_mono_ms();
	while (done < FUZZ_COUNT) {
		for (n = 0; n < FUZZ_BATCH && done + n < FUZZ_COUNT;) {
			gen_plaintext(&r, &b);
			req_set(&reqs[n], &b);
			if (reqs[n].w.kind == WANT_SKIP) {
				/* A valid quit would end the session. */
				skipped++;
				free(reqs[n].pt);
				free(reqs[n].w.text);
				memset(&reqs[n], 0, sizeof reqs[n]);
				continue;
			}
			n++;
		}
		for (i = 0; i < n; i++)
			tamed += reqs[i].w.tamed;
		pipeline(c, reqs, n, &last_id, counts, done);
		reqs_free(reqs, n);
		done += n;
	}
	free(b.p);
	print_message(
	    "%zu malformed plaintexts in %lld ms: %zu errors, %zu "
	    "pongs, %zu pong-or-errors (-0), %zu says, %zu msgs, %zu users "
	    "(%zu with numbers beyond jansson, %zu unpredictable); %zu valid "
	    "quits not sent\n",
	    done, testlib_ms_since(t0), counts[WANT_ERROR], counts[WANT_PONG],
	    counts[WANT_PONG_OR_BAD], counts[WANT_SAY], counts[WANT_MSG],
	    counts[WANT_USERS], tamed, counts[WANT_ANY], skipped);
	/* Every answer was right, and the mix reached every kind. */
	assert_no_wrong_answers();
	assert_true(counts[WANT_ERROR] > FUZZ_COUNT / 2);
	assert_true(counts[WANT_PONG] > 0 && counts[WANT_SAY] > 0 &&
	    counts[WANT_MSG] > 0 && counts[WANT_USERS] > 0 && tamed > 0);
	(void)ping_rtt(c, 99, NULL);
	tclient_free(c);
	chat_works("after 10,000 malformed plaintexts");
	stop_ok();
}

/* ---- file descriptors -------------------------------------------------- */

/*
 * With its descriptors exhausted (a low RLIMIT_NOFILE), the server
 * refuses new connections with a log line, recovers once they close, and
 * keeps serving.
 */
static void
test_fd_exhaustion(void **state)
{
	struct tclient *late, *c;
	struct rlimit low;
	size_t n = 0, got = 0;
	int accepted, errors, rc;
	uint64_t t0;

	(void)state;
	/*
	 * The server's soft limit only: set on the running daemon (as
	 * "prlimit --nofile" would) rather than inherited from ours, so
	 * descriptors this process holds cannot get in the way.
	 */
	tserver_start_default(&ts, NULL);
	assert_int_equal(prlimit(ts.pid, RLIMIT_NOFILE, NULL, &low), 0);
	low.rlim_cur = FD_LIMIT;
	assert_int_equal(prlimit(ts.pid, RLIMIT_NOFILE, &low, NULL), 0);

	/* Open connections until the server runs out of descriptors. */
	while (n < FD_CONNS) {
		if ((c = tclient_connect_raw(ts.port)) == NULL)
			break;
		(void)own(c);
		n++;
		if (n % 20 == 0 &&
		    log_line_wait("accept:", "refusing new connections", 200))
			break;
	}
	if (!log_line_wait("accept:", "refusing new connections", 3000))
		fail_msg("%zu connections with RLIMIT_NOFILE %d and no "
			 "accept error in the log",
		    n, FD_LIMIT);
	assert_true(log_count("accept:", "Too many open files") > 0);
	accepted = log_count(" connect 127.0.0.1:", NULL);
	print_message("RLIMIT_NOFILE %d: %d of %zu connections accepted, "
		      "then \"accept: ... refusing new connections\"\n",
	    FD_LIMIT, accepted, n);
	assert_true(accepted > 0 && (size_t)accepted < n);

	/* Meanwhile a new client gets no handshake. */
	late = tclient_connect_raw(ts.port);
	assert_non_null(late);
	raw_msg1(late);
	tclient_send_out(late);
	/* ... and is refused at once (the spare descriptor), not left
	 * hanging in the backlog. */
	if (!wait_eof(late->fd, 1000, &got))
		fail_msg("a connection waiting with no descriptor left was "
			 "not refused within 1 s");
	if (got != 0)
		fail_msg("a handshake answered with no descriptor left");
	assert_alive("with its descriptors exhausted");

	/* They close; the server must take new connections again. */
	owned_free();
	tclient_free(late);
	t0 = clock_mono_ms();
	/* Once the server has seen them all close (until then a new
	 * client could still meet a full table and be refused). */
	if ((rc = server_connections_wait(0, 5000)) != 0)
		fail_msg("the server still counts %d connections 5 s after "
			 "all closed",
		    rc);
	if (!log_line_wait("accepting connections again", NULL, 5000)) {
		errors = log_count("accept:", NULL);
		c = tclient_connect_raw(ts.port);
		assert_non_null(c);
		rc = tclient_handshake(c);
		tclient_free(c);
		fail_msg("no \"accepting connections again\" in the log %lld "
			 "ms after all %zu connections closed (%d accept error "
			 "lines; the server counts %d connections; a new "
			 "client's handshake got: %s)",
		    testlib_ms_since(t0), n, errors, server_connections(),
		    rc == 0 ? "ok" : sc_strerror(rc));
	}
	print_message("accepting again %lld ms after the close\n",
	    testlib_ms_since(t0));
	c = tclient_connect_raw(ts.port);
	assert_non_null(c);
	rc = tclient_handshake(c);
	if (rc != 0)
		fail_msg("a new client's handshake after the recovery: %s",
		    sc_strerror(rc));
	json_decref(tclient_login(c, "testuser"));
	tclient_free(c);
	chat_works("after running out of descriptors");
	stop_ok();
}

/* ---- issue 14: staying open to real users under attack ---------------- */

/* Handshakes raw client c; false when the server closed it instead. */
static bool
handshake_from(struct tclient *c)
{
	return c != NULL && tclient_handshake(c) == 0;
}

/* Connects from src, handshakes and logs in as user; fails otherwise. */
static struct tclient *
login_from(const char *src, const char *user)
{
	struct tclient *c = tclient_connect_from(ts.port, src);

	if (c == NULL)
		fail_msg("cannot connect from %s (loopback 127.0.0.0/8)", src);
	if (!handshake_from(c))
		fail_msg("no handshake from %s", src);
	json_decref(tclient_login(c, user));
	return c;
}

/*
 * Slot exhaustion without an account: 20 addresses of one /24 open 400
 * connections and finish their handshakes. Only max_unauth_per_prefix
 * (64) of them are admitted, the rest refused at once; a user logged in
 * before keeps chatting; a fresh login from another prefix takes well
 * under 5 s; the 64 are closed at the login deadline, which frees the
 * prefix again.
 */
static void
test_unauth_prefix_cap(void **state)
{
	struct tclient *c, *user, *fresh;
	char src[32];
	size_t i, admitted = 0, refused = 0;
	uint64_t t0;
	long long fresh_ms;

	(void)state;
	raise_nofile(ABUSE_CONNS + 200);
	tserver_start(&ts, three_users,
	    "\"login_timeout\":" ABUSE_LOGIN_TIMEOUT_S ","
	    "\"handshake_timeout\":" ABUSE_LOGIN_TIMEOUT_S);
	user = login_from("127.1.0.1", "testuser");
	for (i = 0; i < ABUSE_CONNS; i++) {
		snprintf(src, sizeof src, "127.0.0.%zu", 2 + i % 20);
		c = tclient_connect_from(ts.port, src);
		if (c == NULL) {
			print_message("cannot connect from %s: skipped\n", src);
			tclient_free(user);
			stop_ok();
			skip();
		}
		if (handshake_from(own(c)))
			admitted++;
		else
			refused++;
	}
	print_message("%zu connections from 20 addresses of 127.0.0.0/24: "
		      "%zu admitted, %zu refused\n",
	    (size_t)ABUSE_CONNS, admitted, refused);
	assert_int_equal(admitted, ABUSE_PER_PREFIX);
	assert_true(log_count("refused 127.0.0.", "max_unauth_per_prefix") > 0);

	/* The logged-in user is unaffected; another prefix logs in. */
	(void)ping_rtt(user, 1, NULL);
	t0 = clock_mono_ms();
	fresh = login_from("127.0.1.2", "anotheruser");
	fresh_ms = testlib_ms_since(t0);
	print_message("a fresh login from 127.0.1.2 took %lld ms\n", fresh_ms);
	if (fresh_ms >= 5000)
		fail_msg("a login from another prefix took %lld ms", fresh_ms);
	(void)ping_rtt(fresh, 2, NULL);

	/* Not logged in by the deadline: all closed, the prefix free. */
	t0 = clock_mono_ms();
	for (i = 0; i < n_owned; i++) {
		if (!wait_eof(owned[i]->fd,
			ABUSE_LOGIN_TIMEOUT_MS + LATE_MARGIN_MS,
			&(size_t){ 0 }))
			fail_msg("connection %zu still open %lld ms after the "
				 "login deadline",
			    i, testlib_ms_since(t0));
	}
	owned_free();
	c = tclient_connect_from(ts.port, "127.0.0.2");
	assert_true(handshake_from(c));
	json_decref(tclient_login(c, "slowuser"));
	tclient_free(c);
	(void)ping_rtt(user, 3, NULL);
	tclient_free(user);
	tclient_free(fresh);
	stop_ok();
}

/*
 * The server-wide cap: at max_unauth connections not logged in, a new
 * one drops the oldest of them (closed at once) and is served; the
 * others stay.
 */
static void
test_unauth_drop_oldest(void **state)
{
	struct tclient *c[ABUSE_MAX_UNAUTH], *late;
	char src[32];
	size_t got = 0;
	int i;

	(void)state;
	tserver_start_default(&ts, "\"max_unauth\":" STR(ABUSE_MAX_UNAUTH));
	for (i = 0; i < ABUSE_MAX_UNAUTH; i++) {
		snprintf(src, sizeof src, "127.0.%d.1", 10 + i);
		c[i] = tclient_connect_from(ts.port, src);
		if (c[i] == NULL) {
			print_message("cannot connect from %s: skipped\n", src);
			stop_ok();
			skip();
		}
		assert_true(handshake_from(own(c[i])));
	}
	late = own(tclient_connect_from(ts.port, "127.2.0.1"));
	assert_true(handshake_from(late));
	if (!wait_eof(c[0]->fd, CLOSE_SOON_MS, &got))
		fail_msg("the oldest connection not logged in stayed open");
	assert_true(
	    log_line_wait("dropped 127.0.10.1:", "max_unauth", CLOSE_SOON_MS));
	json_decref(tclient_login(late, "testuser"));
	for (i = 1; i < ABUSE_MAX_UNAUTH; i++)
		if (!tclient_quiet(c[i], i == 1 ? 200 : 0))
			fail_msg("connection %d was closed too", i);
	json_decref(tclient_login(c[1], "anotheruser"));
	(void)ping_rtt(late, 1, NULL);
	owned_free();
	stop_ok();
}

/* max_connections comes from RLIMIT_NOFILE, its soft limit raised to
 * the hard one at start. */
static void
test_nofile_derived(void **state)
{
	struct rlimit rl, low;
	char want[128], path[64], *limits, *line;
	unsigned long long soft = 0, hard = 0;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max < 512) {
		print_message("RLIMIT_NOFILE hard limit unusable: skipped\n");
		skip();
	}
	low = rl;
	low.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	tserver_start_default(&ts, NULL);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);

	snprintf(path, sizeof path, "/proc/%d/limits", (int)ts.pid);
	limits = testlib_slurp(path, NULL);
	assert_non_null(limits);
	line = strstr(limits, "Max open files");
	assert_non_null(line);
	assert_int_equal(sscanf(line, "Max open files %llu %llu", &soft, &hard),
	    2);
	free(limits);
	assert_int_equal(soft, (unsigned long long)rl.rlim_max);
	snprintf(want, sizeof want,
	    "descriptors: RLIMIT_NOFILE %llu; max_connections %llu,", soft,
	    soft - 64);
	if (!log_line_wait(want, NULL, 1000))
		fail_msg("no \"%s\" in the log", want);
	chat_works("with the raised limit");
	stop_ok();
}

/* Counts the lines of path. */
static long
line_count(const char *path)
{
	char *buf = testlib_slurp(path, NULL), *p;
	long n = 0;

	if (buf == NULL)
		return 0;
	for (p = buf; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	free(buf);
	return n;
}

/* Sends a login with a wrong password and waits for its answer code. */
static const char *
wrong_login(struct tclient *c, char *code, size_t size)
{
	json_t *j;

	tclient_send(c,
	    "{\"type\":\"login\",\"user\":\"testuser\","
	    "\"password\":\"wrong\"}");
	j = tclient_expect(c, "error");
	snprintf(code, size, "%s", jstr(j, "code"));
	json_decref(j);
	return code;
}

/*
 * Log flooding: an address throttled after ip_fail_limit wrong logins
 * streams login frames for 5 s; 400 connections come and go from 40
 * addresses. The log (and stderr) grow by far less than 2,000 lines, the
 * repeats are folded into "more like this" lines, and the server serves.
 */
static void
test_log_flood(void **state)
{
	struct tclient *c = NULL;
	char code[64], src[32], stderr_path[160];
	long log0, err0, log1, err1, busy = 0, sent = 0;
	uint64_t t0;
	json_t *j;
	int i;

	(void)state;
	tserver_start_default(&ts,
	    "\"log_rate\":100,\"log_repeat\":10,"
	    "\"ip_fail_limit\":20,\"req_rate\":1000000,"
	    "\"req_burst\":1000000");
	snprintf(stderr_path, sizeof stderr_path, "%s/stderr.txt", ts.dir);
	/* 20 wrong logins (3 per connection), then busy. */
	for (i = 0; i < 20; i++) {
		if (i % 3 == 0) {
			tclient_free(c);
			c = tclient_connect_from(ts.port, "127.0.5.1");
			if (c == NULL) {
				print_message("cannot connect from 127.0.5.1: "
					      "skipped\n");
				stop_ok();
				skip();
			}
			assert_true(handshake_from(c));
		}
		assert_string_equal(wrong_login(c, code, sizeof code),
		    "auth_failed");
	}
	tclient_free(c);
	c = tclient_connect_from(ts.port, "127.0.5.1");
	assert_true(handshake_from(c));
	assert_string_equal(wrong_login(c, code, sizeof code), "busy");

	log0 = line_count(ts.log);
	err0 = line_count(stderr_path);
	t0 = clock_mono_ms();
	while (testlib_ms_since(t0) < LOG_FLOOD_MS) {
		for (i = 0; i < 64; i++, sent++)
			tclient_send(c,
			    "{\"type\":\"login\",\"user\":"
			    "\"testuser\",\"password\":\"x\"}");
		while ((j = tclient_recv(c, busy + 64 * 4 < sent ? 1000 : 0,
			    NULL)) != NULL) {
			if (strcmp(jstr(j, "code"), "busy") != 0)
				fail_msg("a throttled login got %s",
				    jstr(j, "code"));
			busy++;
			json_decref(j);
		}
		assert_alive("during the login flood");
	}
	/* Every answer in before the next part. */
	while (busy < sent) {
		j = tclient_recv(c, HARNESS_TIMEOUT_MS, NULL);
		if (j == NULL)
			fail_msg("%ld of %ld throttled logins unanswered",
			    sent - busy, sent);
		busy++;
		json_decref(j);
	}
	/* 40 addresses connect and go, 10 times each. */
	for (i = 0; i < 400; i++) {
		struct tclient *d;

		snprintf(src, sizeof src, "127.0.6.%d", 1 + i % 40);
		d = tclient_connect_from(ts.port, src);
		assert_non_null(d);
		tclient_free(d);
	}
	log1 = line_count(ts.log);
	err1 = line_count(stderr_path);
	print_message("%ld throttled logins in %d ms and 400 connections: "
		      "log +%ld lines, stderr +%ld lines in %lld ms\n",
	    busy, LOG_FLOOD_MS, log1 - log0, err1 - err0, testlib_ms_since(t0));
	assert_true(busy >= 200);
	if (log1 - log0 >= 2000 || err1 - err0 >= 2000)
		fail_msg("the log grew by %ld lines, stderr by %ld",
		    log1 - log0, err1 - err0);
	/* The rate bound itself: 100 a second, one second at once. */
	assert_true(
	    log1 - log0 <= 100 * (testlib_ms_since(t0) / 1000 + 1) + 100);
	/* Every address's repeats are reported when their 10 s are over. */
	if (!log_line_wait("login busy 127.0.5.1:",
		"more like this in the last 10 s", 12000))
		fail_msg("no \"more like this\" line for the throttled "
			 "logins");
	assert_true(log_count("login busy 127.0.5.1:", "ip_fail_limit") <= 10);
	tclient_free(c);
	chat_works("after the log flood");
	stop_ok();
}

/*
 * Private messages cannot knock a user off: twenty accounts send
 * msg at their legal rate to a user who reads 64 KB a second through a
 * small receive buffer; what the user may be sent is bounded
 * (msg_in_rate), the senders get rate_limited beyond it, and the user
 * stays connected.
 */
static void
test_pm_flood(void **state)
{
	static const char *users[PM_SENDERS + 2];
	static char names[PM_SENDERS + 1][16];
	struct tclient *target, *snd[PM_SENDERS];
	uint64_t next[PM_SENDERS], t0, next_read;
	char *req, *text;
	long limited = 0, echoed = 0, got = 0;
	int i, rcvbuf = 16384;
	uint8_t buf[PM_READ];
	ssize_t n;
	bool closed;
	json_t *j;

	(void)state;
	snprintf(names[0], sizeof names[0], "target");
	users[0] = names[0];
	for (i = 0; i < PM_SENDERS; i++) {
		snprintf(names[i + 1], sizeof names[i + 1], "sender%02d", i);
		users[i + 1] = names[i + 1];
	}
	users[PM_SENDERS + 1] = NULL;
	tserver_start(&ts, users, "\"output_cap\":524288");
	target = tclient_connect(ts.port);
	assert_int_equal(setsockopt(target->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			     sizeof rcvbuf),
	    0);
	json_decref(tclient_login(target, "target"));
	for (i = 0; i < PM_SENDERS; i++)
		snd[i] = tclient_login_new(ts.port, users[i + 1]);
	/* The target's presence events so far are read. */
	while ((j = tclient_recv(target, 200, NULL)) != NULL)
		json_decref(j);

	text = malloc(PM_TEXT + 1);
	req = malloc(PM_TEXT + 128);
	assert_true(text != NULL && req != NULL);
	memset(text, 'm', PM_TEXT);
	text[PM_TEXT] = '\0';
	snprintf(req, PM_TEXT + 128,
	    "{\"type\":\"msg\",\"to\":\"target\",\"text\":\"%s\"}", text);
	t0 = next_read = clock_mono_ms();
	for (i = 0; i < PM_SENDERS; i++)
		next[i] = t0 + (uint64_t)i * PM_INTERVAL_MS / PM_SENDERS;
	while (testlib_ms_since(t0) < PM_MS) {
		uint64_t now = clock_mono_ms();

		for (i = 0; i < PM_SENDERS; i++) {
			if (now >= next[i]) {
				tclient_send(snd[i], req);
				next[i] += PM_INTERVAL_MS;
			}
			while ((j = tclient_recv(snd[i], 0, &closed)) != NULL) {
				if (strcmp(jstr(j, "type"), "msg") == 0)
					echoed++;
				else if (strcmp(jstr(j, "code"),
					     "rate_limited") == 0)
					limited++;
				json_decref(j);
			}
			if (closed)
				fail_msg("sender %d was closed", i);
		}
		/* The slow reader: PM_READ bytes every 250 ms. */
		if (now >= next_read) {
			n = recv(target->fd, buf, sizeof buf, MSG_DONTWAIT);
			if (n == 0)
				fail_msg("the target was cut after %lld ms",
				    testlib_ms_since(t0));
			if (n > 0)
				evbuffer_add(target->in, buf, (size_t)n);
			next_read += 250;
		}
		testlib_sleep_ms(5);
	}
	/* The target catches up: everything it was sent, then a pong. */
	tclient_send(target, "{\"type\":\"ping\",\"id\":9}");
	for (;;) {
		j = tclient_recv(target, HARNESS_TIMEOUT_MS, &closed);
		if (j == NULL)
			fail_msg("the target %s while catching up",
			    closed ? "was closed" : "got nothing");
		if (strcmp(jstr(j, "type"), "pong") == 0) {
			json_decref(j);
			break;
		}
		if (strcmp(jstr(j, "type"), "msg") == 0)
			got++;
		json_decref(j);
	}
	print_message("%d senders for %d ms: the target got %ld msg, the "
		      "senders %ld echoes and %ld rate_limited\n",
	    PM_SENDERS, PM_MS, got, echoed, limited);
	assert_int_equal(log_count("slow reader", NULL), 0);
	assert_true(limited > 0);
	assert_true(got > 0);
	free(text);
	free(req);
	for (i = 0; i < PM_SENDERS; i++)
		tclient_free(snd[i]);
	tclient_free(target);
	stop_ok();
}

/* A 32-byte name for user i of the long roster. */
static void
long_roster_name(size_t i, char out[SC_USER_MAX_LEN + 1])
{
	snprintf(out, SC_USER_MAX_LEN + 1, "user-%027zu", i);
}

/* Receives c's list answer (login_ok or users, in parts); returns the
 * names concatenated (caller decrefs). */
static json_t *
names_parts(struct tclient *c, const char *type)
{
	json_t *all = json_array(), *j;
	int parts = 0;

	for (;;) {
		j = tclient_recv(c, HARNESS_TIMEOUT_MS, NULL);
		if (j == NULL)
			fail_msg("no %s part %d", type, parts);
		if (strcmp(jstr(j, "type"), "presence") == 0) {
			if (parts > 0)
				fail_msg("presence between the parts");
			json_decref(j);
			continue;
		}
		if (strcmp(jstr(j, "type"), parts == 0 ? type : "users") != 0)
			fail_msg("part %d: %s", parts, jstr(j, "type"));
		assert_int_equal(json_array_extend(all,
				     json_object_get(j, "users")),
		    0);
		parts++;
		if (!json_is_true(json_object_get(j, "more"))) {
			json_decref(j);
			break;
		}
		json_decref(j);
	}
	return all;
}

/* True when names holds exactly the users 0..n-1 of the long roster in
 * byte order. */
static bool
names_whole(json_t *names, size_t n)
{
	char want[SC_USER_MAX_LEN + 1];
	size_t i;

	if (json_array_size(names) != n)
		return false;
	for (i = 0; i < n; i++) {
		long_roster_name(i, want);
		if (strcmp(json_string_value(json_array_get(names, i)), want) !=
		    0)
			return false;
	}
	return true;
}

/*
 * Roster overflow: ROSTER_USERS users with 32-byte names online (more
 * than fit one frame); the last login gets its login_ok whole in parts,
 * list works, and the session works.
 */
static void
test_roster_overflow(void **state)
{
	static char first_name[SC_USER_MAX_LEN + 1];
	const char *first[] = { first_name, NULL };
	struct tclient **c;
	char name[SC_USER_MAX_LEN + 1], hash[SC_PWHASH_MAX_LEN], want[128];
	json_t *users, *names;
	size_t i;

	(void)state;
	raise_nofile(ROSTER_USERS + 200);
	long_roster_name(0, first_name);
	tserver_start(&ts, first, "\"idle_timeout\":600,\"max_per_ip\":5000");
	users = json_object();
	assert_int_equal(pwhash_create(HARNESS_PASSWORD,
			     strlen(HARNESS_PASSWORD), HARNESS_ITERATIONS, hash,
			     sizeof hash),
	    0);
	for (i = 0; i < ROSTER_USERS; i++) {
		long_roster_name(i, name);
		assert_int_equal(json_object_set_new(users, name,
				     json_string(hash)),
		    0);
	}
	assert_int_equal(json_dump_file(users, ts.users, JSON_COMPACT), 0);
	json_decref(users);
	kill(ts.pid, SIGHUP);
	snprintf(want, sizeof want, "reload: %d users", ROSTER_USERS);
	assert_true(log_line_wait(want, NULL, HARNESS_TIMEOUT_MS));

	c = calloc(ROSTER_USERS, sizeof *c);
	assert_non_null(c);
	for (i = 0; i + 1 < ROSTER_USERS; i++) {
		long_roster_name(i, name);
		c[i] = tclient_login_new(ts.port, name);
	}
	long_roster_name(ROSTER_USERS - 1, name);
	c[i] = tclient_connect(ts.port);
	snprintf(want, sizeof want,
	    "{\"type\":\"login\",\"user\":\"%s\",\"password\":\"%s\"}", name,
	    HARNESS_PASSWORD);
	tclient_send(c[i], want);
	names = names_parts(c[i], "login_ok");
	if (!names_whole(names, ROSTER_USERS))
		fail_msg("login_ok parts: %zu names, not the %d online",
		    json_array_size(names), ROSTER_USERS);
	json_decref(names);
	tclient_send(c[i], "{\"type\":\"list\"}");
	names = names_parts(c[i], "users");
	assert_true(names_whole(names, ROSTER_USERS));
	json_decref(names);
	(void)ping_rtt(c[i], 1, NULL);
	assert_int_equal(log_count("cannot encode", NULL), 0);
	for (i = 0; i < ROSTER_USERS; i++)
		tclient_free(c[i]);
	free(c);
	stop_ok();
}

/* Joins room and returns the answer's type (joined parts or error). */
static void
join_expect(struct tclient *c, const char *room, const char *code)
{
	char req[128];
	json_t *j;

	snprintf(req, sizeof req, "{\"type\":\"join\",\"room\":\"%s\"}", room);
	tclient_send(c, req);
	j = recv_skipping(c, HARNESS_TIMEOUT_MS, NULL);
	while (j != NULL && code == NULL &&
	    strcmp(jstr(j, "type"), "room_join") == 0) {
		json_decref(j);
		j = recv_skipping(c, HARNESS_TIMEOUT_MS, NULL);
	}
	if (j == NULL)
		fail_msg("no answer to join %s", room);
	if (code == NULL)
		assert_string_equal(jstr(j, "type"), "joined");
	else {
		assert_string_equal(jstr(j, "type"), "error");
		assert_string_equal(jstr(j, "code"), code);
		assert_string_equal(jstr(j, "ref"), "join");
	}
	json_decref(j);
}

/*
 * whois lists every room of a user, so a user's rooms are bounded
 * (max_rooms_per_user, at most what fits one frame): a join into one
 * room more gets busy and changes nothing; rooms the user is in, by any
 * session, can still be joined; after a part there is room again.
 */
static void
test_rooms_per_user(void **state)
{
	struct tclient *a, *a2;
	json_t *j;

	(void)state;
	tserver_start_default(&ts, "\"max_rooms_per_user\":3");
	a = tclient_login_new(ts.port, "testuser");
	a2 = tclient_login_new(ts.port, "testuser");
	join_expect(a, "one", NULL);
	join_expect(a, "two", NULL); /* with the lobby: 3 */
	join_expect(a, "three", "busy");
	join_expect(a2, "three", "busy");
	join_expect(a2, "two", NULL); /* a room the user is in */
	tclient_send(a, "{\"type\":\"whois\",\"user\":\"testuser\"}");
	j = recv_skipping(a, HARNESS_TIMEOUT_MS, NULL);
	assert_non_null(j);
	assert_string_equal(jstr(j, "type"), "whois");
	assert_int_equal(json_array_size(json_object_get(j, "rooms")), 3);
	json_decref(j);
	tclient_send(a, "{\"type\":\"names\",\"room\":\"three\"}");
	j = recv_skipping(a, HARNESS_TIMEOUT_MS, NULL);
	assert_string_equal(jstr(j, "code"), "no_such_room");
	json_decref(j);
	tclient_send(a, "{\"type\":\"part\",\"room\":\"one\"}");
	j = recv_skipping(a, HARNESS_TIMEOUT_MS, NULL);
	assert_string_equal(jstr(j, "type"), "parted");
	json_decref(j);
	join_expect(a, "three", NULL);
	tclient_free(a);
	tclient_free(a2);
	stop_ok();
}

/* What the fan-out test's reader and sender have seen. */
struct fanout_side {
	struct tclient *c;
	long says;    /* says from the sender */
	long offline; /* presence offline events */
};

/* Reads what side f's socket has and handles its whole frames. */
static void
fanout_read(struct fanout_side *f, const char *who)
{
	size_t len;
	json_t *j;
	int n, rc;

	while ((n = evbuffer_read(f->c->in, f->c->fd, 262144)) > 0)
		;
	if (n == 0)
		fail_msg("the server closed %s", who);
	while ((rc = channel_read(&f->c->ch, f->c->in, f->c->out, f->c->buf,
		    SC_MSG_MAX_LEN, &len)) == CHANNEL_MESSAGE) {
		j = json_loadb((const char *)f->c->buf, len, 0, NULL);
		assert_non_null(j);
		if (strcmp(jstr(j, "type"), "say") == 0 &&
		    strcmp(jstr(j, "from"), "fsender") == 0)
			f->says++;
		else if (strcmp(jstr(j, "type"), "presence") == 0 &&
		    json_is_false(json_object_get(j, "online")))
			f->offline++;
		else if (strcmp(jstr(j, "type"), "presence") != 0)
			fail_msg("%s got %s", who, jstr(j, "type"));
		json_decref(j);
	}
	if (rc < 0)
		fail_msg("%s channel: %s", who, sc_strerror(rc));
}

/*
 * FANOUT_SLOW sessions that stop reading while a sender fans out large
 * and small says to them and to a reader: the daemon's RSS grows by no
 * more than the caps (the smaller of FANOUT_SLOW x output_cap and
 * output_total_cap) plus FANOUT_BASE_MB, every non-reader is cut as a
 * slow reader, the reader and the sender get every say and are never
 * cut, and no loop stall above stall_log_ms is logged. With total true,
 * output_total_cap binds first and cuts the largest queues.
 */
static void
fanout_memory(bool total)
{
	static const char *users[FANOUT_SLOW + 3];
	static char names[FANOUT_SLOW][16];
	static char text[FANOUT_BIG + 1], req[FANOUT_BIG + 64];
	struct fanout_side snd = { 0 }, rcv = { 0 };
	struct tclient *slow[FANOUT_SLOW];
	char extra[512];
	long base_kb, kb, max_kb = 0, limit_kb, by_total, by_cap;
	size_t tlen;
	long sent = 0;
	uint64_t t0;
	int i, rcvbuf = 4096, stalls;

	users[0] = "fsender";
	users[1] = "freader";
	for (i = 0; i < FANOUT_SLOW; i++) {
		snprintf(names[i], sizeof names[i], "fslow%03d", i);
		users[i + 2] = names[i];
	}
	users[FANOUT_SLOW + 2] = NULL;
	raise_nofile(FANOUT_SLOW + 200);
	snprintf(extra, sizeof extra,
	    "\"output_cap\":%d,\"output_total_cap\":%lld,"
	    "\"stall_log_ms\":%s,\"rate_burst\":1000000,"
	    "\"rate_per_sec\":1000000,\"history_days\":0,"
	    "\"log_repeat\":1000000,\"idle_timeout\":600," UNMETERED,
	    FANOUT_CAP, total ? (long long)FANOUT_TOTAL : 1024LL * 1024 * 1024,
	    FANOUT_STALL_MS);
	tserver_start(&ts, users, extra);
	for (i = 0; i < FANOUT_SLOW; i++) {
		slow[i] = own(tclient_connect(ts.port));
		(void)setsockopt(slow[i]->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof rcvbuf);
		json_decref(tclient_login(slow[i], names[i]));
	}
	rcv.c = own(tclient_login_new(ts.port, "freader"));
	snd.c = own(tclient_login_new(ts.port, "fsender"));
	base_kb = testlib_rss_kib(ts.pid);
	/*
	 * The machine is shared: where the test may (root), the loop thread
	 * runs at nice -10, so that the stalls measured are its own work's
	 * rather than other processes' time slices.
	 */
	(void)setpriority(PRIO_PROCESS, (id_t)ts.pid, -10);
	stalls = log_count("event loop stalled", NULL);

	set_nonblock(snd.c->fd, true);
	set_nonblock(rcv.c->fd, true);
	memset(text, 'x', FANOUT_BIG);
	t0 = clock_mono_ms();
	while (
	    rcv.offline < FANOUT_SLOW || rcv.says < sent || snd.says < sent) {
		if (testlib_ms_since(t0) > 120000)
			fail_msg("fan-out stuck: %ld sent, %ld echoed, %ld "
				 "received, %ld cut",
			    sent, snd.says, rcv.says, rcv.offline);
		while (rcv.offline < FANOUT_SLOW && sent < FANOUT_MAX_SAYS &&
		    sent - snd.says < FANOUT_WINDOW) {
			tlen = sent % 2 == 0 ? FANOUT_BIG : FANOUT_SMALL;
			snprintf(req, sizeof req,
			    "{\"type\":\"say\",\"text\":\"%.*s\"}", (int)tlen,
			    text);
			assert_int_equal(channel_write(&snd.c->ch, snd.c->out,
					     req, strlen(req)),
			    0);
			sent++;
			if (sent % 16 == 0 &&
			    (kb = testlib_rss_kib(ts.pid)) > max_kb)
				max_kb = kb;
		}
		if (sent >= FANOUT_MAX_SAYS && rcv.offline < FANOUT_SLOW)
			fail_msg("%ld of %d non-readers still on after %d says",
			    FANOUT_SLOW - rcv.offline, FANOUT_SLOW,
			    FANOUT_MAX_SAYS);
		stream_wait(snd.c, rcv.c);
		fanout_read(&snd, "the sender");
		fanout_read(&rcv, "the reader");
	}
	if ((kb = testlib_rss_kib(ts.pid)) > max_kb)
		max_kb = kb;
	by_total = log_count("slow reader", "output_total_cap");
	by_cap = log_count("slow reader", "cap " STR(FANOUT_CAP));
	limit_kb = FANOUT_CAP_FACTOR *
		(total ? FANOUT_TOTAL : (long)FANOUT_SLOW * FANOUT_CAP) / 1024 +
	    FANOUT_BASE_MB * 1024;
	print_message("fan-out to %d non-readers: %ld says in %lld ms, cut "
		      "%ld at output_total_cap and %ld at output_cap; RSS "
		      "%ld kB before, max %ld kB (+%ld kB, at most +%ld)\n",
	    FANOUT_SLOW, sent, testlib_ms_since(t0), by_total, by_cap, base_kb,
	    max_kb, max_kb - base_kb, limit_kb);

	/* Every say reached the two that read; only non-readers were cut. */
	assert_int_equal(snd.says, sent);
	assert_int_equal(rcv.says, sent);
	assert_int_equal(snd.offline, FANOUT_SLOW);
	assert_int_equal(by_total + by_cap, FANOUT_SLOW);
	assert_int_equal(log_count("slow reader", "user freader"), 0);
	assert_int_equal(log_count("slow reader", "user fsender"), 0);
	if (total)
		assert_true(by_total > 0);
	else
		assert_int_equal(by_total, 0);
	if (max_kb <= 0 || max_kb - base_kb > limit_kb)
		fail_msg("server RSS %ld kB from %ld kB: more than the caps "
			 "and the baseline allow (+%ld kB)",
		    max_kb, base_kb, limit_kb);
	if (log_count("event loop stalled", NULL) != stalls)
		fail_msg("the loop stalled above %s ms during the fan-out",
		    FANOUT_STALL_MS);
	assert_true(server_connections() == 2);
	set_nonblock(snd.c->fd, false);
	set_nonblock(rcv.c->fd, false);
	owned_free();
	stop_ok();
}

/* The per-session cap binds: 300 x output_cap, counted as malloc does. */
static void
test_fanout_memory_cap(void **state)
{
	(void)state;
	fanout_memory(false);
}

/* The server-wide cap binds: the largest queues are cut first. */
static void
test_fanout_memory_total(void **state)
{
	(void)state;
	fanout_memory(true);
}

/* The number after "; " in the last stats line ("N fan-outs held"). */
static long
stats_fanouts_held(void)
{
	char *buf, *p, *last = NULL;
	long n = -1;

	(void)server_connections(); /* writes a fresh stats line */
	buf = testlib_slurp(ts.log, NULL);
	assert_non_null(buf);
	for (p = buf; (p = strstr(p, "stats: ")) != NULL; p++)
		last = p;
	if (last != NULL && (p = strstr(last, "; ")) != NULL &&
	    strstr(p, " fan-outs held") != NULL)
		n = strtol(p + 2, NULL, 10);
	free(buf);
	return n;
}

/*
 * Receives what c is sent until it got want_says says and want_gone
 * "offline" presences of the fgone users; checks that the says come in
 * the order the server numbered them (ids strictly increasing), each
 * sender's in the order it wrote them, none twice, and no presence
 * twice. last_id carries the order over calls.
 */
static void
held_take(struct tclient *c, const char *who, int want_says, int want_gone,
    long long *last_id, int next[HELD_SENDERS])
{
	static bool gone[HELD_GONE];
	int says = 0, n_gone = 0, k, idx, seq;
	const char *from, *user;
	long long id;
	json_t *j;

	memset(gone, 0, sizeof gone);
	while (says < want_says || n_gone < want_gone) {
		j = tclient_recv(c, HARNESS_TIMEOUT_MS, NULL);
		if (j == NULL)
			fail_msg("%s: %d of %d says and %d of %d presences",
			    who, says, want_says, n_gone, want_gone);
		if (strcmp(jstr(j, "type"), "say") == 0) {
			from = jstr(j, "from");
			id = (long long)json_integer_value(
			    json_object_get(j, "id"));
			if (sscanf(from, "fsnd%d", &k) != 1 || k < 0 ||
			    k >= HELD_SENDERS ||
			    sscanf(jstr(j, "text"), "s%d-%d", &idx, &seq) !=
				2 ||
			    idx != k)
				fail_msg("%s: unexpected say from %s: %s", who,
				    from, jstr(j, "text"));
			if (id <= *last_id)
				fail_msg("%s: say id %lld after %lld", who, id,
				    *last_id);
			if (seq != next[k])
				fail_msg("%s: %s's say %d where %d was due",
				    who, from, seq, next[k]);
			*last_id = id;
			next[k]++;
			says++;
		} else if (strcmp(jstr(j, "type"), "presence") == 0 &&
		    json_is_false(json_object_get(j, "online"))) {
			user = jstr(j, "user");
			if (sscanf(user, "fgone%d", &k) != 1 || k < 0 ||
			    k >= HELD_GONE || gone[k])
				fail_msg("%s: unexpected offline presence of "
					 "%s",
				    who, user);
			gone[k] = true;
			n_gone++;
		}
		json_decref(j);
	}
}

/*
 * A fan-out larger than a loop pass is held and sent over the next
 * passes: HELD_SENDERS senders write HELD_SAYS says each at once to
 * HELD_SESSIONS + HELD_SENDERS sessions, and HELD_GONE users disconnect
 * at once. The server holds fan-outs (its statistics say so), every
 * session gets every say, in the order of the ids and of each sender,
 * and every presence; nobody is cut, no loop stall above stall_log_ms
 * is logged, and the server exits cleanly.
 */
static void
test_fanout_held(void **state)
{
	static const char *users[HELD_SENDERS + HELD_GONE + 2];
	static char names[HELD_SENDERS + HELD_GONE][16];
	static struct tclient *rcv[HELD_SESSIONS], *gone[HELD_GONE];
	static long long last_id[HELD_SESSIONS + HELD_SENDERS];
	static int next[HELD_SESSIONS + HELD_SENDERS][HELD_SENDERS];
	struct tclient *snd[HELD_SENDERS];
	char extra[512], req[128], who[32];
	int i, k, stalls, final_next[HELD_SENDERS];
	long held_before, held;
	uint64_t t0;

	(void)state;
	for (k = 0; k < HELD_SENDERS; k++) {
		snprintf(names[k], sizeof names[k], "fsnd%d", k);
		users[k] = names[k];
	}
	for (i = 0; i < HELD_GONE; i++) {
		snprintf(names[HELD_SENDERS + i], sizeof names[0], "fgone%03d",
		    i);
		users[HELD_SENDERS + i] = names[HELD_SENDERS + i];
	}
	users[HELD_SENDERS + HELD_GONE] = "frcv";
	users[HELD_SENDERS + HELD_GONE + 1] = NULL;
	raise_nofile(HELD_SESSIONS + HELD_GONE + HELD_SENDERS + 200);
	snprintf(extra, sizeof extra,
	    "\"stall_log_ms\":%s,\"rate_burst\":1000000,"
	    "\"rate_per_sec\":1000000,\"history_days\":0,"
	    "\"max_per_ip\":5000,\"log_repeat\":1000000,"
	    "\"idle_timeout\":600," UNMETERED,
	    HELD_STALL_MS);
	tserver_start(&ts, users, extra);
	for (i = 0; i < HELD_GONE; i++)
		gone[i] =
		    own(tclient_login_new(ts.port, names[HELD_SENDERS + i]));
	for (k = 0; k < HELD_SENDERS; k++)
		snd[k] = own(tclient_login_new(ts.port, names[k]));
	for (i = 0; i < HELD_SESSIONS; i++)
		rcv[i] = own(tclient_login_new(ts.port, "frcv"));
	/* What the logins were sent is read: a ping answer comes after it
	 * (no frame is handled while a fan-out is held). */
	for (i = 0; i < HELD_SESSIONS; i++)
		(void)ping_rtt(rcv[i], i, NULL);
	for (k = 0; k < HELD_SENDERS; k++)
		(void)ping_rtt(snd[k], k, NULL);
	(void)setpriority(PRIO_PROCESS, (id_t)ts.pid, -10);
	stalls = log_count("event loop stalled", NULL);
	held_before = stats_fanouts_held();
	assert_true(held_before >= 0);

	/* Every sender's says at once. */
	t0 = clock_mono_ms();
	for (k = 0; k < HELD_SENDERS; k++) {
		for (i = 0; i < HELD_SAYS; i++) {
			snprintf(req, sizeof req,
			    "{\"type\":\"say\",\"text\":\"s%d-%d "
			    "0123456789abcdef0123456789abcdef\"}",
			    k, i);
			assert_int_equal(channel_write(&snd[k]->ch, snd[k]->out,
					     req, strlen(req)),
			    0);
		}
	}
	for (k = 0; k < HELD_SENDERS; k++)
		tclient_send_out(snd[k]);
	for (k = 0; k < HELD_SENDERS; k++) {
		snprintf(who, sizeof who, "sender %d", k);
		held_take(snd[k], who, HELD_SENDERS * HELD_SAYS, 0,
		    &last_id[HELD_SESSIONS + k], next[HELD_SESSIONS + k]);
	}
	for (i = 0; i < HELD_SESSIONS; i++) {
		snprintf(who, sizeof who, "receiver %d", i);
		held_take(rcv[i], who, HELD_SENDERS * HELD_SAYS, 0, &last_id[i],
		    next[i]);
	}
	held = stats_fanouts_held();
	print_message("%d says to %d sessions each in %lld ms; %ld fan-outs "
		      "held over a pass\n",
	    HELD_SENDERS * HELD_SAYS, HELD_SESSIONS + HELD_SENDERS,
	    testlib_ms_since(t0), held - held_before);
	if (held <= held_before)
		fail_msg("no fan-out was held: the test did not exercise it");

	/* HELD_GONE users leave at once; then one more say from each. */
	held_before = held;
	t0 = clock_mono_ms();
	for (i = 0; i < HELD_GONE; i++)
		(void)shutdown(gone[i]->fd, SHUT_RDWR);
	for (k = 0; k < HELD_SENDERS; k++) {
		snprintf(req, sizeof req,
		    "{\"type\":\"say\",\"text\":\"s%d-%d\"}", k, HELD_SAYS);
		tclient_send(snd[k], req);
	}
	for (k = 0; k < HELD_SENDERS; k++) {
		snprintf(who, sizeof who, "sender %d", k);
		held_take(snd[k], who, HELD_SENDERS, HELD_GONE,
		    &last_id[HELD_SESSIONS + k], next[HELD_SESSIONS + k]);
	}
	for (i = 0; i < HELD_SESSIONS; i++) {
		snprintf(who, sizeof who, "receiver %d", i);
		held_take(rcv[i], who, HELD_SENDERS, HELD_GONE, &last_id[i],
		    next[i]);
	}
	for (k = 0; k < HELD_SENDERS; k++)
		final_next[k] = HELD_SAYS + 1;
	for (i = 0; i < HELD_SESSIONS + HELD_SENDERS; i++)
		assert_memory_equal(next[i], final_next, sizeof final_next);
	held = stats_fanouts_held();
	print_message("%d users left at once: their presence reached %d "
		      "sessions in %lld ms; %ld fan-outs held\n",
	    HELD_GONE, HELD_SESSIONS + HELD_SENDERS, testlib_ms_since(t0),
	    held - held_before);

	assert_int_equal(log_count("slow reader", NULL), 0);
	if (log_count("event loop stalled", NULL) != stalls)
		fail_msg("the loop stalled above %s ms during the fan-outs",
		    HELD_STALL_MS);
	assert_int_equal(server_connections(), HELD_SESSIONS + HELD_SENDERS);
	owned_free();
	stop_ok();
}

/*
 * Under AddressSanitizer, freed memory waits in a quarantine (256 MB by
 * default) before reuse, so a daemon that streams megabytes looks like
 * it grows: bound it for the daemons we start, so their RSS means
 * something.
 */
static void
bound_quarantine(void)
{
	const char *old = getenv("ASAN_OPTIONS");
	char opts[1024];

	snprintf(opts, sizeof opts, "%s%squarantine_size_mb=%d",
	    old != NULL ? old : "", old != NULL && *old != '\0' ? ":" : "",
	    ASAN_QUARANTINE_MB);
	setenv("ASAN_OPTIONS", opts, 1);
}

/* Runs the suite (ROBUSTNESS_TESTS may pick tests by glob). */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_slowloris, teardown),
		cmocka_unit_test_teardown(test_trickle, teardown),
		cmocka_unit_test_teardown(test_flood, teardown),
		cmocka_unit_test_teardown(test_ping_flood, teardown),
		cmocka_unit_test_teardown(test_slow_reader, teardown),
		cmocka_unit_test_teardown(test_garbage_before_handshake,
		    teardown),
		cmocka_unit_test_teardown(test_garbage_during_handshake,
		    teardown),
		cmocka_unit_test_teardown(test_garbage_after_handshake,
		    teardown),
		cmocka_unit_test_teardown(test_truncated_frames, teardown),
		cmocka_unit_test_teardown(test_max_frames, teardown),
		cmocka_unit_test_teardown(test_malformed_plaintexts, teardown),
		cmocka_unit_test_teardown(test_fd_exhaustion, teardown),
		cmocka_unit_test_teardown(test_unauth_prefix_cap, teardown),
		cmocka_unit_test_teardown(test_unauth_drop_oldest, teardown),
		cmocka_unit_test_teardown(test_nofile_derived, teardown),
		cmocka_unit_test_teardown(test_log_flood, teardown),
		cmocka_unit_test_teardown(test_pm_flood, teardown),
		cmocka_unit_test_teardown(test_roster_overflow, teardown),
		cmocka_unit_test_teardown(test_rooms_per_user, teardown),
		cmocka_unit_test_teardown(test_fanout_memory_cap, teardown),
		cmocka_unit_test_teardown(test_fanout_memory_total, teardown),
		cmocka_unit_test_teardown(test_fanout_held, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	if (SANITIZED)
		bound_quarantine();
	/* ROBUSTNESS_TESTS="test_flood" (a glob) runs only those. */
	if (getenv("ROBUSTNESS_TESTS") != NULL)
		cmocka_set_test_filter(getenv("ROBUSTNESS_TESTS"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
