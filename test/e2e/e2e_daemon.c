/*
 * e2e_daemon.c: securechatd as a Unix daemon, end to end against the real
 * binary: handshake, login and idle timeouts, the slow-reader output cap,
 * connection limits, SIGHUP reload and log reopening, SIGTERM shutdown,
 * systemd notifications, the loop-stall figures of SIGUSR1 statistics,
 * what the log may and may not say, no login request left in the server's
 * memory, the server key file, the command line and config file, and
 * listening on IPv6.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
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

#include "harness.h"

#ifndef SC_SECURECHATD_PATH
#error "SC_SECURECHATD_PATH must name the securechatd binary"
#endif

/* Short timeouts: handshake 0.5 s, login 0.7 s, idle 0.8 s. */
#define SHORT_TIMEOUTS                                                         \
	"\"handshake_timeout\":0.5,\"login_timeout\":0.7,\"idle_timeout\":0.8"
#define RUN_TIMEOUT_MS 15000 /* a securechatd that should exit at once */
#define MAX_ARGS       32
#define SAY_TEXT_LEN   4000
#define SLOW_MAX_SAYS  5000 /* about 20 MB of broadcast */

/* What a never-reading client may add to the server's RSS: its output cap
 * (200 kB here) and the allocator's slack, far below what an unbounded
 * queue of the test's 5,000 messages x 4 kB (20 MB) would hold. Measured as
 * growth over the RSS after the logins, so that a daemon under valgrind (a
 * larger baseline: its own heap, the store's threads) is judged alike;
 * valgrind (SC_SERVER_WRAPPER) grows its own tables with the traffic and
 * AddressSanitizer keeps freed blocks in quarantine, so the bound is four
 * times as large there (an unbounded queue still fails: no "slow reader"
 * drop), and the daemon's quarantine is held to 16 MB (its default, 256
 * MB, would count every block the test ever sent through). */
#define RSS_GROWTH_LIMIT_KB (16 * 1024)
#define RSS_GROWTH_WRAPPED  4
#if defined(__SANITIZE_ADDRESS__)
#define RSS_GROWTH_SANITIZED 1
#else
#define RSS_GROWTH_SANITIZED 0
#endif

static const char *const default_users[] = { "testuser", "anotheruser", NULL };

/* The server (or bare data folder) of the running test. */
static struct tserver ts;

/* Stops whatever a failed test left running and removes its folder. */
static int
teardown(void **state)
{
	(void)state;
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
	assert_int_equal(rc, 0);
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
	fail_msg("securechatd exited with status %d %s (see "
		 "%s/stderr.txt)",
	    WEXITSTATUS(status), when, ts.dir);
}

/* Pings over c; no pong means the server died or hung. */
static void
ping_ok(struct tclient *c, const char *when)
{
	siginfo_t si;
	uint64_t t0;
	json_t *j;

	tclient_send(c, "{\"type\":\"ping\"}");
	j = tclient_recv(c, HARNESS_TIMEOUT_MS, NULL);
	if (j == NULL) {
		/* A sanitizer report takes a while to write. */
		t0 = clock_mono_ms();
		do {
			memset(&si, 0, sizeof si);
			if (waitid(P_PID, (id_t)ts.pid, &si,
				WEXITED | WNOHANG | WNOWAIT) != 0 ||
			    si.si_pid != 0)
				break;
			testlib_sleep_ms(20);
		} while (testlib_ms_since(t0) < 5000);
		assert_alive(when);
		fail_msg("no pong %s", when);
	}
	if (strcmp(jstr(j, "type"), "pong") != 0)
		fail_msg("expected pong %s, got %s", when, jstr(j, "type"));
	json_decref(j);
}

/* Writes text to path with mode 0600, replacing it; fails the test
 * otherwise. */
static void
write_file(const char *path, const char *text)
{
	assert_int_equal(testlib_write_file(path, text, strlen(text), 0600), 0);
}

/* Counts the occurrences of needle in the file at path. */
static int
file_count(const char *path, const char *needle)
{
	char *buf = testlib_slurp(path, NULL), *p;
	int n = 0;

	if (buf == NULL)
		return 0;
	for (p = buf; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(buf);
	return n;
}

/* True when the file at path contains needle. */
static bool
file_has(const char *path, const char *needle)
{
	return file_count(path, needle) > 0;
}

/* Counts the newlines in s. */
static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* Fills ss with addr:port of family; the length, or 0 for a bad address. */
static socklen_t
make_addr(struct sockaddr_storage *ss, int family, const char *addr,
    unsigned port)
{
	struct sockaddr_in *in = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;

	memset(ss, 0, sizeof *ss);
	if (family == AF_INET) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			return 0;
		return sizeof *in;
	}
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
		return 0;
	return sizeof *in6;
}

/* Connects to dst:port (from src when not NULL); the socket or -1. */
static int
tcp_connect(int family, const char *dst, unsigned port, const char *src)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (src != NULL) {
		len = make_addr(&ss, family, src, 0);
		if (len == 0 || bind(fd, (struct sockaddr *)&ss, len) != 0)
			goto fail;
	}
	len = make_addr(&ss, family, dst, port);
	if (len == 0 || connect(fd, (struct sockaddr *)&ss, len) != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

/* The local port of a connected socket. */
static unsigned
local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)(void *)&ss)->sin6_port);
}

/* True when the peer closes fd within timeout_ms; bytes read in *got. */
static bool
fd_wait_closed(int fd, int timeout_ms, size_t *got)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[4096];
	ssize_t n;
	int left;

	if (got != NULL)
		*got = 0;
	for (;;) {
		left = testlib_ms_left(deadline);
		if (left <= 0 || poll(&pfd, 1, left) != 1)
			return false;
		n = read(fd, buf, sizeof buf);
		if (n <= 0)
			return true;
		if (got != NULL)
			*got += (size_t)n;
	}
}

/* Waits for a notify datagram containing needle, skipping the others;
 * returns it malloc'd, or NULL on timeout. */
static char *
notify_wait(const char *needle, int timeout_ms)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	char *msg;
	int left;

	for (;;) {
		left = testlib_ms_left(deadline);
		if (left <= 0)
			return NULL;
		if ((msg = tserver_notify(&ts, left)) == NULL)
			return NULL;
		if (strstr(msg, needle) != NULL)
			return msg;
		free(msg);
	}
}

/* Discards the notify datagrams already queued. */
static void
notify_drain(void)
{
	char *msg;

	while ((msg = tserver_notify(&ts, 0)) != NULL)
		free(msg);
}

/* The next message that is not presence (NULL on timeout or close). */
static json_t *
recv_skip_presence(struct tclient *c, int timeout_ms, bool *closed)
{
	uint64_t deadline = clock_mono_ms() + timeout_ms;
	json_t *j;

	for (;;) {
		j = tclient_recv(c, testlib_ms_left(deadline), closed);
		if (j == NULL || strcmp(jstr(j, "type"), "presence") != 0)
			return j;
		json_decref(j);
	}
}

/* Receives the next non-presence message and checks its type. */
static json_t *
expect_skip_presence(struct tclient *c, const char *type)
{
	return tclient_check_type(recv_skip_presence(c, HARNESS_TIMEOUT_MS,
				      NULL),
	    type);
}

/* Reads what is available on fd into *buf (grown); false at EOF. */
static bool
read_into(int fd, char **buf, size_t *len, size_t *cap)
{
	ssize_t n;

	if (*cap - *len < 4096) {
		*cap = *cap * 2 + 8192;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	n = read(fd, *buf + *len, *cap - *len - 1);
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	*len += (size_t)n;
	(*buf)[*len] = '\0';
	return true;
}

/*
 * Runs securechatd with args (NULL-terminated, after argv[0]) and no
 * NOTIFY_SOCKET; its stdout and stderr land in *out and *err (malloc'd).
 * Returns the exit status, or -1 for a signal death or a timeout.
 */
static int
run_daemon(const char *const *args, char **out, char **err)
{
	char *argv[MAX_ARGS + 2];
	char *bufs[2] = { NULL, NULL };
	size_t lens[2] = { 0, 0 }, caps[2] = { 0, 0 };
	uint64_t deadline = clock_mono_ms() + RUN_TIMEOUT_MS;
	struct pollfd pfd[2];
	int opipe[2], epipe[2], status, open_fds = 2, i, left;
	pid_t pid, p;
	size_t n;

	argv[0] = (char *)"securechatd";
	for (n = 0; args[n] != NULL; n++) {
		assert_true(n < MAX_ARGS);
		argv[n + 1] = (char *)(uintptr_t)args[n];
	}
	argv[n + 1] = NULL;
	assert_int_equal(pipe2(opipe, O_CLOEXEC), 0);
	assert_int_equal(pipe2(epipe, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(opipe[1], 1);
		dup2(epipe[1], 2);
		unsetenv("NOTIFY_SOCKET");
		execv(SC_SECURECHATD_PATH, argv);
		_exit(127);
	}
	close(opipe[1]);
	close(epipe[1]);
	pfd[0].fd = opipe[0];
	pfd[1].fd = epipe[0];
	pfd[0].events = pfd[1].events = POLLIN;
	for (i = 0; i < 2; i++) {
		bufs[i] = calloc(1, 1);
		assert_non_null(bufs[i]);
		caps[i] = 1;
	}
	while (open_fds > 0 && (left = testlib_ms_left(deadline)) > 0) {
		if (poll(pfd, 2, left) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			if (!read_into(pfd[i].fd, &bufs[i], &lens[i],
				&caps[i])) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (i = 0; i < 2; i++) {
		if (pfd[i].fd >= 0)
			close(pfd[i].fd);
	}
	while ((p = waitpid(pid, &status, WNOHANG)) == 0 &&
	    clock_mono_ms() < deadline)
		testlib_sleep_ms(10);
	if (p == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	*out = bufs[0];
	*err = bufs[1];
	if (p != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Starts securechatd on ts with args and waits for READY=1. */
static bool
daemon_spawn(const char *const *args)
{
	char *argv[MAX_ARGS + 2], errpath[160], *msg;
	size_t n;
	int fd;

	argv[0] = (char *)"securechatd";
	for (n = 0; args[n] != NULL; n++) {
		assert_true(n < MAX_ARGS);
		argv[n + 1] = (char *)(uintptr_t)args[n];
	}
	argv[n + 1] = NULL;
	ts.pid = fork();
	assert_true(ts.pid >= 0);
	if (ts.pid == 0) {
		snprintf(errpath, sizeof errpath, "%s/stderr.txt", ts.dir);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("NOTIFY_SOCKET", ts.notify, 1);
		execv(SC_SECURECHATD_PATH, argv);
		_exit(127);
	}
	if ((msg = notify_wait("READY=1", HARNESS_TIMEOUT_MS)) == NULL)
		return false;
	free(msg);
	return true;
}

/* A client on an already connected socket (the harness only does IPv4). */
static struct tclient *
tclient_on_fd(int fd)
{
	struct tclient *c = calloc(1, sizeof *c);

	assert_non_null(c);
	c->fd = fd;
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->buf = malloc(SC_MSG_MAX_LEN);
	assert_non_null(c->in);
	assert_non_null(c->out);
	assert_non_null(c->buf);
	keys_generate(&c->key);
	return c;
}

/* ---- timeouts ---------------------------------------------------------- */

/* A connection that sends nothing is closed at the handshake timeout. */
static void
test_handshake_timeout_silent(void **state)
{
	struct tclient *c;
	uint64_t t0;
	long long el;

	(void)state;
	tserver_start_default(&ts, SHORT_TIMEOUTS);
	t0 = clock_mono_ms();
	c = tclient_connect_raw(ts.port);
	assert_non_null(c);
	assert_true(tclient_wait_closed(c, 3000));
	el = testlib_ms_since(t0);
	if (el < 300 || el > 1500)
		fail_msg("closed after %lld ms, expected about 500", el);
	assert_true(tserver_log_wait(&ts, "handshake timeout", 2000));
	tclient_free(c);
	stop_ok();
}

/* Bytes trickling in do not extend the handshake deadline. */
static void
test_handshake_timeout_trickle(void **state)
{
	/* A 64-byte msg1 frame that would take 6.6 s at one byte a tick. */
	uint8_t frame[66] = { 0x00, 0x40 };
	struct pollfd pfd;
	struct tclient *c;
	uint64_t t0;
	long long el = -1;
	size_t sent;
	char b;
	ssize_t n;

	(void)state;
	tserver_start_default(&ts, SHORT_TIMEOUTS);
	t0 = clock_mono_ms();
	c = tclient_connect_raw(ts.port);
	assert_non_null(c);
	for (sent = 0; sent < sizeof frame; sent++) {
		if (send(c->fd, frame + sent, 1, MSG_NOSIGNAL) != 1) {
			el = testlib_ms_since(t0);
			break;
		}
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 100) == 1) {
			n = read(c->fd, &b, 1);
			if (n > 0)
				fail_msg("the server answered a partial msg1");
			el = testlib_ms_since(t0);
			break;
		}
	}
	if (el < 0)
		fail_msg("still open after %zu bytes over %lld ms", sent,
		    testlib_ms_since(t0));
	if (el < 300 || el > 1500)
		fail_msg("closed after %lld ms (%zu bytes), expected about "
			 "500",
		    el, sent);
	assert_true(sent >= 3);
	assert_true(tserver_log_wait(&ts, "handshake timeout", 2000));
	tclient_free(c);
	stop_ok();
}

/* After the handshake, no login means bye at the login deadline, which
 * a ping does not move. */
static void
test_login_timeout(void **state)
{
	struct tclient *c;
	uint64_t t0;
	long long el;
	bool closed;
	json_t *j;

	(void)state;
	tserver_start_default(&ts, SHORT_TIMEOUTS);
	c = tclient_connect(ts.port);
	t0 = clock_mono_ms();
	testlib_sleep_ms(300);
	tclient_send(c, "{\"type\":\"ping\",\"id\":1}");
	json_decref(tclient_expect(c, "pong"));
	j = tclient_recv(c, 3000, &closed);
	el = testlib_ms_since(t0);
	if (j == NULL)
		fail_msg("no bye before the close (closed %d)", closed);
	assert_string_equal(jstr(j, "type"), "bye");
	assert_non_null(strstr(jstr(j, "reason"), "login"));
	json_decref(j);
	if (el < 500 || el > 1500)
		fail_msg("bye after %lld ms, expected about 700", el);
	assert_true(tclient_wait_closed(c, 3000));
	assert_true(tserver_log_wait(&ts, "login timeout", 2000));
	tclient_free(c);
	stop_ok();
}

/* A silent logged-in client gets bye (idle); a pinging one stays. */
static void
test_idle_timeout(void **state)
{
	struct tclient *a, *b;
	uint64_t t0, now, next_ping;
	long long bye_at = -1;
	bool closed;
	json_t *j;
	int pongs = 0;

	(void)state;
	tserver_start_default(&ts, SHORT_TIMEOUTS);
	a = tclient_login_new(ts.port, "testuser");
	b = tclient_login_new(ts.port, "anotheruser");
	t0 = next_ping = clock_mono_ms();
	while ((now = clock_mono_ms()) < t0 + 2200) {
		if (now >= next_ping) {
			tclient_send(b, "{\"type\":\"ping\"}");
			next_ping += 300;
		}
		if (bye_at < 0) {
			j = recv_skip_presence(a, 10, &closed);
			if (closed)
				fail_msg("closed without bye");
			if (j != NULL) {
				assert_string_equal(jstr(j, "type"), "bye");
				assert_non_null(
				    strstr(jstr(j, "reason"), "idle"));
				bye_at = testlib_ms_since(t0);
				json_decref(j);
			}
		}
		j = recv_skip_presence(b, 10, &closed);
		if (closed)
			fail_msg("the pinging client was closed");
		if (j != NULL) {
			if (strcmp(jstr(j, "type"), "pong") != 0)
				fail_msg("pinging client got %s",
				    jstr(j, "type"));
			pongs++;
			json_decref(j);
		}
	}
	if (bye_at < 500 || bye_at > 1600)
		fail_msg("idle bye after %lld ms, expected about 800", bye_at);
	assert_true(pongs >= 6);
	assert_true(tclient_wait_closed(a, 3000));
	tclient_send(b, "{\"type\":\"ping\",\"id\":2}");
	json_decref(expect_skip_presence(b, "pong"));
	assert_true(tserver_log_has(&ts, "idle timeout"));
	tclient_free(a);
	tclient_free(b);
	stop_ok();
}

/* ---- output cap -------------------------------------------------------- */

/* A client that never reads is cut off; the sender is unharmed. */
static void
test_slow_reader(void **state)
{
	char text[SAY_TEXT_LEN + 1], req[SAY_TEXT_LEN + 64];
	struct tclient *slow, *fast;
	json_t *j;
	json_int_t id, last_id = 0;
	long kb, max_kb = 0, base_kb, limit_kb;
	int i, extra;
	bool dropped = false;

	(void)state;
	if (RSS_GROWTH_SANITIZED) {
		const char *old = getenv("ASAN_OPTIONS");
		char opts[512];

		snprintf(opts, sizeof opts, "%s%squarantine_size_mb=16",
		    old != NULL ? old : "", old != NULL ? ":" : "");
		assert_int_equal(setenv("ASAN_OPTIONS", opts, 1), 0);
	}
	/* The request budget lifted too: the sender is not what it tests. */
	tserver_start_default(&ts,
	    "\"output_cap\":200000,"
	    "\"rate_burst\":100000,\"rate_per_sec\":100000,"
	    "\"req_rate\":1000000,\"req_burst\":1000000,"
	    "\"byte_rate\":1073741824,\"byte_burst\":1073741824");
	/* Never reads; the kernel absorbs a few MB before the cap bites. */
	slow = tclient_login_new(ts.port, "anotheruser");
	fast = tclient_login_new(ts.port, "testuser");
	base_kb = testlib_rss_kib(ts.pid);
	assert_true(base_kb > 0);

	memset(text, 'x', SAY_TEXT_LEN);
	text[SAY_TEXT_LEN] = '\0';
	for (i = 0, extra = 0; i < SLOW_MAX_SAYS && extra < 20; i++) {
		snprintf(text, 8, "%07d", i);
		text[7] = 'x';
		snprintf(req, sizeof req, "{\"type\":\"say\",\"text\":\"%s\"}",
		    text);
		tclient_send(fast, req);
		j = expect_skip_presence(fast, "say");
		if (strcmp(jstr(j, "text"), text) != 0)
			fail_msg("echo %d: got another text", i);
		id = json_integer_value(json_object_get(j, "id"));
		if (id <= last_id)
			fail_msg("echo %d: id %lld after %lld", i,
			    (long long)id, (long long)last_id);
		last_id = id;
		json_decref(j);
		if (dropped)
			extra++;
		else if (i % 50 == 49) {
			if ((kb = testlib_rss_kib(ts.pid)) > max_kb)
				max_kb = kb;
			dropped = tserver_log_has(&ts, "slow reader");
		}
	}
	if (!dropped)
		fail_msg("no slow reader drop after %d messages of %d bytes", i,
		    SAY_TEXT_LEN);
	if ((kb = testlib_rss_kib(ts.pid)) > max_kb)
		max_kb = kb;
	print_message("slow reader dropped after about %d messages, RSS %ld kB "
		      "after the logins, at most %ld kB\n",
	    i - extra, base_kb, max_kb);
	limit_kb = RSS_GROWTH_LIMIT_KB;
	if (getenv("SC_SERVER_WRAPPER") != NULL || RSS_GROWTH_SANITIZED)
		limit_kb *= RSS_GROWTH_WRAPPED;
	if (max_kb <= 0 || max_kb - base_kb > limit_kb)
		fail_msg("server RSS grew by %ld kB (limit %ld kB)",
		    max_kb - base_kb, limit_kb);
	assert_true(tserver_log_wait(&ts, "user anotheruser after", 3000));
	assert_true(tserver_log_has(&ts, "cap 200000"));
	/* The slow client sees the rest of its buffered data, then EOF. */
	assert_true(tclient_wait_closed(slow, 10000));
	tclient_free(slow);
	/* The server still serves. */
	tclient_send(fast, "{\"type\":\"list\"}");
	j = expect_skip_presence(fast, "users");
	assert_int_equal(json_array_size(json_object_get(j, "users")), 1);
	json_decref(j);
	tclient_free(fast);
	stop_ok();
}

/* ---- the fair loop ----------------------------------------------------- */

#define FLOOD_PINGS 2000

/*
 * One session's burst does not hold the others up: with the server
 * stopped, a client queues 2000 pings and then another says a line; once
 * the server runs again, the flooder sees the line after at most a turn of
 * its own pongs (SERVER_FRAMES_PER_TURN, 16), not after the whole 16 KB
 * the server reads at once (some 300 pings), and every pong in order.
 */
static void
test_fair_turns(void **state)
{
	struct tclient *flood, *quiet;
	char req[64];
	json_t *j;
	int i, pongs = 0, said_at = -1;

	(void)state;
	tserver_start_default(&ts, "\"req_burst\":100000");
	flood = tclient_login_new(ts.port, "testuser");
	quiet = tclient_login_new(ts.port, "anotheruser");
	assert_int_equal(kill(ts.pid, SIGSTOP), 0);
	for (i = 0; i < FLOOD_PINGS; i++) {
		snprintf(req, sizeof req, "{\"type\":\"ping\",\"id\":%d}", i);
		assert_int_equal(channel_write(&flood->ch, flood->out, req,
				     strlen(req)),
		    0);
	}
	tclient_send_out(flood);
	tclient_send(quiet, "{\"type\":\"say\",\"text\":\"my turn\"}");
	usleep(100 * 1000); /* both are in the server's socket buffers */
	assert_int_equal(kill(ts.pid, SIGCONT), 0);
	while (pongs < FLOOD_PINGS) {
		j = recv_skip_presence(flood, HARNESS_TIMEOUT_MS, NULL);
		assert_non_null(j);
		if (strcmp(jstr(j, "type"), "say") == 0) {
			assert_string_equal(jstr(j, "text"), "my turn");
			said_at = pongs;
		} else {
			j = tclient_check_type(j, "pong");
			pongs++;
		}
		json_decref(j);
	}
	print_message("the line came after %d of %d pongs\n", said_at,
	    FLOOD_PINGS);
	if (said_at < 0 || said_at > 2 * 16)
		fail_msg("the line came after %d pongs", said_at);
	tclient_free(flood);
	tclient_free(quiet);
	stop_ok();
}

/* ---- connection limits ------------------------------------------------- */

/* True when a new raw connection is closed at once (within 1 s). */
static bool
refused_at_once(void)
{
	struct tclient *d = tclient_connect_raw(ts.port);
	bool closed;

	assert_non_null(d);
	closed = tclient_wait_closed(d, 1000);
	tclient_free(d);
	return closed;
}

/* max_per_ip refuses at once, keeps refusing, and frees up again. */
static void
test_max_per_ip(void **state)
{
	struct tclient *c[3], *e;
	char needle[64];
	int i;

	(void)state;
	tserver_start_default(&ts,
	    "\"max_connections\":5,\"max_per_ip\":3,\"max_unauth\":5");
	for (i = 0; i < 3; i++)
		c[i] = tclient_connect(ts.port);
	if (!refused_at_once())
		fail_msg("a 4th connection from 127.0.0.1 was accepted");
	assert_true(
	    tserver_log_wait(&ts, "refused 127.0.0.1: max_per_ip", 2000));
	/* A refusal must not lower the count of the 3 still open. */
	if (!refused_at_once())
		fail_msg("after one refusal, a 4th connection from 127.0.0.1 "
			 "was accepted: the per-IP count drifted");

	/* One goes: room for one more, and only one. */
	snprintf(needle, sizeof needle, "disconnect 127.0.0.1:%u ",
	    local_port(c[0]->fd));
	tclient_free(c[0]);
	assert_true(tserver_log_wait(&ts, needle, 3000));
	e = tclient_connect_raw(ts.port);
	assert_non_null(e);
	assert_int_equal(tclient_handshake(e), 0);
	if (!refused_at_once())
		fail_msg("a 4th connection from 127.0.0.1 was accepted");

	/* The admitted ones were never disturbed. */
	for (i = 1; i < 3; i++)
		ping_ok(c[i], "after the refusals");
	for (i = 1; i < 3; i++)
		tclient_free(c[i]);
	tclient_free(e);
	testlib_sleep_ms(200);
	assert_alive("after its clients left");
	stop_ok();
}

/* max_connections refuses across addresses (127.0.0.2 is loopback too),
 * and the server carries on when the others leave. */
static void
test_max_connections(void **state)
{
	struct tclient *c[3], *f;
	uint64_t t0;
	int b[3], i;

	(void)state;
	tserver_start_default(&ts,
	    "\"max_connections\":5,\"max_per_ip\":3,\"max_unauth\":5");
	b[0] = tcp_connect(AF_INET, "127.0.0.1", ts.port, "127.0.0.2");
	if (b[0] == -1) {
		print_message("cannot connect from 127.0.0.2: skipped\n");
		stop_ok();
		skip();
	}
	b[1] = tcp_connect(AF_INET, "127.0.0.1", ts.port, "127.0.0.2");
	assert_true(b[1] >= 0);
	for (i = 0; i < 3; i++)
		c[i] = tclient_connect(ts.port);
	t0 = clock_mono_ms();
	while (file_count(ts.log, " connect 127.0.0.2:") < 2 &&
	    testlib_ms_since(t0) < 3000)
		testlib_sleep_ms(20);
	assert_int_equal(file_count(ts.log, " connect 127.0.0.2:"), 2);

	/* 2 + 3 = 5: the sixth is refused, from either address. */
	b[2] = tcp_connect(AF_INET, "127.0.0.1", ts.port, "127.0.0.2");
	assert_true(b[2] >= 0);
	assert_true(fd_wait_closed(b[2], 1000, NULL));
	close(b[2]);
	assert_true(
	    tserver_log_wait(&ts, "refused 127.0.0.2: max_connections", 2000));

	/* The two from 127.0.0.2 leave; the server carries on. */
	close(b[0]);
	close(b[1]);
	t0 = clock_mono_ms();
	while (file_count(ts.log, "disconnect 127.0.0.2:") < 2 &&
	    testlib_ms_since(t0) < 3000)
		testlib_sleep_ms(20);
	for (i = 0; i < 3; i++)
		ping_ok(c[i], "after the 127.0.0.2 connections closed");
	b[0] = tcp_connect(AF_INET, "127.0.0.1", ts.port, "127.0.0.2");
	assert_true(b[0] >= 0);
	f = tclient_on_fd(b[0]);
	assert_int_equal(tclient_handshake(f), 0);
	json_decref(tclient_login(f, "testuser"));
	tclient_free(f);
	for (i = 0; i < 3; i++)
		tclient_free(c[i]);
	stop_ok();
}

/* ---- signals ----------------------------------------------------------- */

/* Waits for RELOADING=1 with a sane MONOTONIC_USEC=, then READY=1. */
static void
expect_reload_notify(void)
{
	char *msg, *p;
	long long usec;

	msg = notify_wait("RELOADING=1", 3000);
	if (msg == NULL)
		fail_msg("no RELOADING=1 notification");
	p = strstr(msg, "MONOTONIC_USEC=");
	if (p == NULL)
		fail_msg("RELOADING=1 without MONOTONIC_USEC=: %s", msg);
	usec = strtoll(p + strlen("MONOTONIC_USEC="), NULL, 10);
	/* The same clock as ours, give or take the trip. */
	assert_true(llabs(usec / 1000 - (long long)clock_mono_ms()) < 5000);
	free(msg);
	msg = notify_wait("READY=1", 3000);
	if (msg == NULL)
		fail_msg("no READY=1 after RELOADING=1");
	free(msg);
}

/* SIGHUP reloads the users file, and keeps the old one if it's broken. */
static void
test_sighup_reload(void **state)
{
	static const char *const three[] = { "testuser", "anotheruser",
		"newuser", NULL };
	struct tclient *c, *n, *t;

	(void)state;
	tserver_start_default(&ts, NULL);
	notify_drain();
	c = tclient_connect(ts.port);
	tclient_send(c,
	    "{\"type\":\"login\",\"user\":\"newuser\","
	    "\"password\":\"password123\"}");
	tclient_expect_error(c, "auth_failed", "login");
	tclient_free(c);

	tserver_write_users(ts.users, three, HARNESS_PASSWORD,
	    HARNESS_ITERATIONS);
	assert_int_equal(kill(ts.pid, SIGHUP), 0);
	expect_reload_notify();
	assert_true(tserver_log_wait(&ts, "reload: 3 users", 3000));
	n = tclient_login_new(ts.port, "newuser");

	/* A broken file: the old users stay. */
	write_file(ts.users, "{ \"testuser\": this is not JSON\n");
	assert_int_equal(kill(ts.pid, SIGHUP), 0);
	expect_reload_notify();
	assert_true(tserver_log_wait(&ts, "keeping the 3 users", 3000));
	t = tclient_login_new(ts.port, "testuser");
	json_decref(tclient_expect(n, "presence"));
	tclient_free(t);
	t = tclient_login_new(ts.port, "newuser");
	tclient_free(t);
	tclient_send(n, "{\"type\":\"ping\",\"id\":5}");
	json_decref(expect_skip_presence(n, "pong"));
	tclient_free(n);
	/* Running on the old users still counts as a clean exit. */
	stop_ok();
}

/* SIGTERM: notice and bye to the logged in, close the rest, exit 0. */
static void
test_sigterm(void **state)
{
	struct tclient *c[2], *raw;
	const char *names[2] = { "testuser", "anotheruser" };
	char needle[64], *msg;
	uint64_t t0;
	long long el;
	size_t got;
	json_t *j;
	int i, status = 0;
	pid_t p;

	(void)state;
	tserver_start_default(&ts, NULL);
	for (i = 0; i < 2; i++)
		c[i] = tclient_login_new(ts.port, names[i]);
	raw = tclient_connect_raw(ts.port);
	assert_non_null(raw);
	assert_int_equal(tclient_send_raw(raw, "\x00", 1), 0);
	snprintf(needle, sizeof needle, "connect 127.0.0.1:%u ",
	    local_port(raw->fd));
	assert_true(tserver_log_wait(&ts, needle, 3000));
	notify_drain();

	t0 = clock_mono_ms();
	assert_int_equal(kill(ts.pid, SIGTERM), 0);
	for (i = 0; i < 2; i++) {
		j = expect_skip_presence(c[i], "notice");
		assert_true(strlen(jstr(j, "text")) > 0);
		json_decref(j);
		j = expect_skip_presence(c[i], "bye");
		assert_true(strlen(jstr(j, "reason")) > 0);
		json_decref(j);
		assert_true(tclient_wait_closed(c[i], 3000));
	}
	assert_true(fd_wait_closed(raw->fd, 3000, &got));
	assert_int_equal(got, 0);

	while ((p = waitpid(ts.pid, &status, WNOHANG)) == 0 &&
	    testlib_ms_since(t0) < 3000)
		testlib_sleep_ms(10);
	el = testlib_ms_since(t0);
	if (p != ts.pid)
		fail_msg("securechatd still running %lld ms after SIGTERM", el);
	ts.pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("exit status %#x after SIGTERM", status);
	msg = notify_wait("STOPPING=1", 1000);
	assert_non_null(msg);
	free(msg);
	assert_true(tserver_log_has(&ts, "shutting down, 3 connections"));
	assert_true(tserver_log_has(&ts, "stopped"));
	for (i = 0; i < 2; i++)
		tclient_free(c[i]);
	tclient_free(raw);
	(void)tserver_stop(&ts);
	memset(&ts, 0, sizeof ts);
}

/* ---- statistics ------------------------------------------------------- */

#define STATS_STALL_MS	"600" /* SIGUSR2 blocks the loop this long */
#define STATS_STALL_MIN 500   /* ms: the stall must read at least this */
#define STATS_SETTLE_MS 300   /* several heartbeats after the start */

/* Sends SIGUSR1 and reads the new stats line's two stall figures: since
 * start and since the previous stats line. */
static void
stats_stalls(double *since_start, double *since_last)
{
	static const char tag[] = "largest loop stall ";
	static const char win[] = ", since the last stats ";
	uint64_t deadline = clock_mono_ms() + HARNESS_TIMEOUT_MS;
	int before = 0, n;
	char *buf, *p, *last;

	buf = testlib_slurp(ts.log, NULL);
	for (p = buf; p != NULL && (p = strstr(p, "stats: ")) != NULL; p++)
		before++;
	free(buf);
	assert_int_equal(kill(ts.pid, SIGUSR1), 0);
	for (;;) {
		buf = testlib_slurp(ts.log, NULL);
		assert_non_null(buf);
		n = 0;
		last = NULL;
		for (p = buf; (p = strstr(p, "stats: ")) != NULL; p++) {
			n++;
			last = p;
		}
		if (n > before && strchr(last, '\n') != NULL)
			break;
		free(buf);
		if (clock_mono_ms() > deadline)
			fail_msg("no statistics line after SIGUSR1");
		testlib_sleep_ms(10);
	}
	p = strstr(last, tag);
	assert_non_null(p);
	*since_start = strtod(p + strlen(tag), NULL);
	p = strstr(last, win);
	assert_non_null(p);
	*since_last = strtod(p + strlen(win), NULL);
	free(buf);
}

/* SIGUSR1 reports the largest loop stall since start and since the last
 * stats line, and restarts the second. */
static void
test_stats_stall_window(void **state)
{
	double start1, last1, start2, last2, start3, last3;

	(void)state;
	assert_int_equal(setenv("SECURECHATD_TEST_STALL_MS", STATS_STALL_MS, 1),
	    0);
	tserver_start_default(&ts, NULL);
	assert_int_equal(unsetenv("SECURECHATD_TEST_STALL_MS"), 0);
	stats_stalls(&start1, &last1);
	assert_true(start1 < STATS_STALL_MIN);
	assert_true(last1 <= start1);

	/* Stalls count from the first heartbeat on. */
	testlib_sleep_ms(STATS_SETTLE_MS);
	assert_int_equal(kill(ts.pid, SIGUSR2), 0);
	assert_true(tserver_log_wait(&ts, "SIGUSR2: blocking", 3000));
	/* The stall is measured by the next heartbeat after it. */
	testlib_sleep_ms(atoi(STATS_STALL_MS) + 300);
	stats_stalls(&start2, &last2);
	if (start2 < STATS_STALL_MIN || last2 < STATS_STALL_MIN)
		fail_msg("after a %s ms stall: since start %.3f ms, since "
			 "the last stats %.3f ms",
		    STATS_STALL_MS, start2, last2);

	/* Restarted: the next window no longer holds it; start does. */
	stats_stalls(&start3, &last3);
	assert_true(start3 >= start2);
	if (last3 >= STATS_STALL_MIN)
		fail_msg("the window was not restarted: %.3f ms", last3);
	stop_ok();
}

/* ---- notify and log ---------------------------------------------------- */

/* STATUS= follows the number of users online, at most once a second. */
static void
test_notify_status(void **state)
{
	struct tclient *c;
	char *msg;

	(void)state;
	tserver_start_default(&ts, NULL);
	msg = notify_wait("STATUS=0 users online", 2000);
	assert_non_null(msg);
	free(msg);
	c = tclient_login_new(ts.port, "testuser");
	msg = notify_wait("STATUS=1 user online", 2500);
	if (msg == NULL)
		fail_msg("no STATUS with 1 user online within 2.5 s");
	free(msg);
	tclient_free(c);
	msg = notify_wait("STATUS=0 users online", 2500);
	assert_non_null(msg);
	free(msg);
	stop_ok();
}

/* The log names peers and users, never passwords or message text; it is
 * reopened by name on SIGHUP. */
static void
test_log_contents(void **state)
{
	static const char *const secrets[] = { HARNESS_PASSWORD,
		"Wr0ng-Distinct1ve-Pa55", "xyzzy-distinctive-text-8163", NULL };
	char needle[128], old[160], errpath[160];
	struct tclient *c;
	unsigned p1, p2;
	json_t *j;
	int i;

	(void)state;
	tserver_start_default(&ts, NULL);
	c = tclient_connect(ts.port);
	p1 = local_port(c->fd);
	tclient_send(c,
	    "{\"type\":\"login\",\"user\":\"testuser\","
	    "\"password\":\"Wr0ng-Distinct1ve-Pa55\"}");
	tclient_expect_error(c, "auth_failed", "login");
	json_decref(tclient_login(c, "testuser"));
	tclient_send(c,
	    "{\"type\":\"say\",\"text\":"
	    "\"xyzzy-distinctive-text-8163\"}");
	j = tclient_expect(c, "say");
	json_decref(j);
	tclient_free(c);

	snprintf(needle, sizeof needle,
	    "disconnect 127.0.0.1:%u user "
	    "testuser",
	    p1);
	assert_true(tserver_log_wait(&ts, needle, 3000));
	snprintf(needle, sizeof needle, " connect 127.0.0.1:%u ", p1);
	assert_true(tserver_log_has(&ts, needle));
	snprintf(needle, sizeof needle, "handshake 127.0.0.1:%u ", p1);
	assert_true(tserver_log_has(&ts, needle));
	snprintf(needle, sizeof needle,
	    "login failed 127.0.0.1:%u user "
	    "testuser",
	    p1);
	assert_true(tserver_log_has(&ts, needle));
	snprintf(needle, sizeof needle, "login 127.0.0.1:%u user testuser", p1);
	assert_true(tserver_log_has(&ts, needle));
	snprintf(errpath, sizeof errpath, "%s/stderr.txt", ts.dir);
	for (i = 0; secrets[i] != NULL; i++) {
		if (tserver_log_has(&ts, secrets[i]))
			fail_msg("the log file contains \"%s\"", secrets[i]);
		if (file_has(errpath, secrets[i]))
			fail_msg("stderr contains \"%s\"", secrets[i]);
	}

	/* Rotation: rename, SIGHUP, new lines in a new file. */
	snprintf(old, sizeof old, "%s.1", ts.log);
	assert_int_equal(rename(ts.log, old), 0);
	assert_int_equal(kill(ts.pid, SIGHUP), 0);
	assert_true(tserver_log_wait(&ts, "reload:", 3000));
	c = tclient_connect(ts.port);
	p2 = local_port(c->fd);
	tclient_free(c);
	snprintf(needle, sizeof needle, " connect 127.0.0.1:%u ", p2);
	assert_true(tserver_log_wait(&ts, needle, 3000));
	assert_false(file_has(old, needle));
	snprintf(needle, sizeof needle, "login 127.0.0.1:%u user testuser", p1);
	assert_true(file_has(old, needle));
	assert_false(tserver_log_has(&ts, needle));
	stop_ok();
}

/* ---- secrets in memory ------------------------------------------------- */

/* A display name the server keeps in memory while it runs. */
#define WIPE_MARKER   "wipe-marker-5c1e9b"
#define WIPE_PASSWORD "Wr0ng-Wiped-Pa55"

/*
 * Fails the test if the running server's memory holds the login request
 * for password as the client sent it: the decrypted plaintext (a parsed
 * copy of the value alone is msg.c's business, not this check's). Skips
 * it where our child's memory cannot be read.
 */
static void
assert_request_wiped(const char *password, const char *when)
{
	char needle[128];
	size_t scanned;
	int rc;

	/* The marker shows the scan reads the server's data at all. */
	rc = testlib_mem_find(ts.pid, WIPE_MARKER, strlen(WIPE_MARKER),
	    &scanned);
	if (rc == -1 || scanned == 0) {
		print_message("cannot read securechatd's memory (%s): "
			      "skipped\n",
		    strerror(errno));
		stop_ok();
		skip();
	}
	if (rc != 1)
		fail_msg("the memory scan missed the server name (%zu bytes "
			 "read)",
		    scanned);
	snprintf(needle, sizeof needle, "\"password\":\"%s\"", password);
	rc = testlib_mem_find(ts.pid, needle, strlen(needle), &scanned);
	assert_int_not_equal(rc, -1);
	if (rc == 1)
		fail_msg("securechatd still holds %s %s", needle, when);
}

/* After a failed and a successful login, the server's memory holds
 * neither request's plaintext: its read buffer is wiped. */
static void
test_login_plaintext_wiped(void **state)
{
	struct tclient *c;

	(void)state;
	tserver_start_default(&ts, "\"server_name\":\"" WIPE_MARKER "\"");
	c = tclient_connect(ts.port);
	tclient_send(c,
	    "{\"type\":\"login\",\"user\":\"testuser\","
	    "\"password\":\"" WIPE_PASSWORD "\"}");
	tclient_expect_error(c, "auth_failed", "login");
	assert_request_wiped(WIPE_PASSWORD, "after a failed login");
	json_decref(tclient_login(c, "testuser"));
	assert_request_wiped(HARNESS_PASSWORD, "after a login");
	tclient_free(c);
	stop_ok();
}

/* ---- server key -------------------------------------------------------- */

/* The key is 0600, --fingerprint prints it, a group-readable key is
 * refused. */
static void
test_server_key(void **state)
{
	const char *fp_args[] = { "--fingerprint", "--key", ts.key, NULL };
	/* Another port: the running server holds its own, and a taken
	 * port stops a second instance before it reads the key. */
	char port[16];
	const char *run_args[] = { "--config", ts.config, "--port", port,
		NULL };
	char want[KEYS_FINGERPRINT_LEN + 2], *out, *err;
	struct stat st;
	int rc;

	(void)state;
	tserver_start_default(&ts, NULL);
	assert_int_equal(stat(ts.key, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(strlen(ts.fingerprint), 64);

	rc = run_daemon(fp_args, &out, &err);
	snprintf(want, sizeof want, "%s\n", ts.fingerprint);
	assert_int_equal(rc, 0);
	assert_string_equal(out, want);
	free(out);
	free(err);

	snprintf(port, sizeof port, "%u", testlib_free_port(AF_INET));
	assert_int_equal(chmod(ts.key, 0640), 0);
	rc = run_daemon(fp_args, &out, &err);
	assert_int_not_equal(rc, 0);
	if (strstr(err, "permission") == NULL)
		fail_msg("--fingerprint on a 0640 key said: %s", err);
	free(out);
	free(err);

	rc = run_daemon(run_args, &out, &err);
	if (rc == 0 || rc == -1)
		fail_msg("started with a 0640 key (status %d)", rc);
	if (strstr(err, "permission") == NULL || strstr(err, ts.key) == NULL)
		fail_msg("refusing a 0640 key said: %s", err);
	free(out);
	free(err);
	assert_int_equal(chmod(ts.key, 0600), 0);
	stop_ok();
}

/* ---- command line and config file -------------------------------------- */

/* One run of the binary that should exit at once. */
struct cmdline_case {
	const char *args[8];
	int status;
	const char *out; /* stdout contains it (NULL: empty) */
	const char *err; /* the one stderr line contains it */
};

/* Runs one case and checks status, stdout and the single stderr line. */
static void
check_case(const struct cmdline_case *k)
{
	char *out, *err;
	int rc = run_daemon(k->args, &out, &err);

	if (rc != k->status)
		fail_msg("%s %s: status %d, expected %d; stderr: %s",
		    k->args[0], k->args[1] != NULL ? k->args[1] : "", rc,
		    k->status, err);
	if (k->out != NULL && strstr(out, k->out) == NULL)
		fail_msg("%s: stdout lacks \"%s\": %s", k->args[0], k->out,
		    out);
	if (k->status != 0) {
		if (*out != '\0')
			fail_msg("%s: stdout on an error: %s", k->args[0], out);
		if (count_lines(err) != 1 || err[strlen(err) - 1] != '\n')
			fail_msg("%s: not exactly one line on stderr: %s",
			    k->args[0], err);
		if (k->err != NULL && strstr(err, k->err) == NULL)
			fail_msg("%s: stderr lacks \"%s\": %s", k->args[0],
			    k->err, err);
	} else if (*err != '\0')
		fail_msg("%s: stderr on success: %s", k->args[0], err);
	free(out);
	free(err);
}

/* Flags: help, version, unknown and bad values. */
static void
test_cmdline_flags(void **state)
{
	static const struct cmdline_case cases[] = {
		{ { "--help" }, 0, "usage: securechatd", NULL },
		{ { "-h" }, 0, "usage: securechatd", NULL },
		{ { "--version" }, 0, "securechatd ", NULL },
		{ { "-V" }, 0, "securechatd ", NULL },
		{ { "--bogus" }, 2, NULL, "--bogus" },
		{ { "-x" }, 2, NULL, "-x" },
		{ { "--port", "0" }, 2, NULL, "port" },
		{ { "--port", "70000" }, 2, NULL, "port" },
		{ { "--port", "abc" }, 2, NULL, "port" },
		{ { "--port", "-1" }, 2, NULL, "port" },
		{ { "--port" }, 2, NULL, "--port" },
		{ { "--listen", "not-an-ip" }, 2, NULL, "listen" },
		{ { "--listen", "256.1.1.1" }, 2, NULL, "listen" },
		{ { "--log-level", "loud" }, 2, NULL, "log_level" },
		{ { "--workers", "1000" }, 2, NULL, "workers" },
		{ { "stray" }, 2, NULL, "stray" },
	};
	char *out, *err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		check_case(&cases[i]);

	/* --version: "securechatd " and a version. */
	{
		const char *args[] = { "--version", NULL };

		assert_int_equal(run_daemon(args, &out, &err), 0);
		assert_true(strncmp(out, "securechatd ", 12) == 0);
		assert_true(out[12] >= '0' && out[12] <= '9');
		assert_int_equal(count_lines(out), 1);
		free(out);
		free(err);
	}
}

/* Config files: bad JSON, unknown settings, wrong types; --check-config. */
static void
test_cmdline_config(void **state)
{
	char bad_json[160], unknown[160], wrong_type[160], missing[160];
	char bad_users[160], good_out[64], port_b[16], over_out[64];
	char range[160], frac[160];
	unsigned b;

	(void)state;
	tserver_prepare(&ts, default_users);
	tserver_write_config(&ts, "127.0.0.1", 50000, NULL);
	b = 50001;
	snprintf(port_b, sizeof port_b, "%u", b);
	snprintf(bad_json, sizeof bad_json, "%s/bad.json", ts.dir);
	write_file(bad_json, "{\"port\": 1234,,}\n");
	snprintf(unknown, sizeof unknown, "%s/unknown.json", ts.dir);
	write_file(unknown, "{\"port\":1234,\"bogus_setting\":1}\n");
	snprintf(wrong_type, sizeof wrong_type, "%s/type.json", ts.dir);
	write_file(wrong_type, "{\"port\":\"x\"}\n");
	snprintf(range, sizeof range, "%s/range.json", ts.dir);
	write_file(range, "{\"output_cap\":1000}\n");
	snprintf(frac, sizeof frac, "%s/frac.json", ts.dir);
	write_file(frac, "{\"port\":80.5}\n");
	snprintf(missing, sizeof missing, "%s/missing.json", ts.dir);
	snprintf(bad_users, sizeof bad_users, "%s/badusers.json", ts.dir);
	write_file(bad_users,
	    "{\"testuser\":\"pbkdf2:sha256:1000$salt$zz\"}\n");
	snprintf(good_out, sizeof good_out, "port %u", ts.port);
	snprintf(over_out, sizeof over_out, "port %u", b);
	{
		const struct cmdline_case cases[] = {
			{ { "--config", bad_json, "--check-config" }, 2, NULL,
			    "bad.json" },
			{ { "--config", unknown, "--check-config" }, 2, NULL,
			    "bogus_setting" },
			{ { "--config", wrong_type, "--check-config" }, 2, NULL,
			    "port" },
			{ { "--config", range, "--check-config" }, 2, NULL,
			    "output_cap" },
			{ { "--config", frac, "--check-config" }, 2, NULL,
			    "port" },
			{ { "--config", missing, "--check-config" }, 2, NULL,
			    "missing.json" },
			{ { "--config", ts.config, "--check-config" }, 0,
			    good_out, NULL },
			{ { "--config", ts.config, "--check-config" }, 0, "OK",
			    NULL },
			{ { "--config", ts.config, "--port", port_b,
			      "--check-config" },
			    0, over_out, NULL },
			{ { "--config", ts.config, "--users", bad_users,
			      "--check-config" },
			    2, NULL, "testuser" },
		};
		size_t i;

		for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
			check_case(&cases[i]);
	}
	(void)tserver_stop(&ts);
	memset(&ts, 0, sizeof ts);
}

/* --port over the config file's port: the server really listens there. */
static void
test_flag_overrides_config(void **state)
{
	char port_b[16], needle[64];
	const char *args[] = { "--config", ts.config, "--port", port_b, NULL };
	struct tclient *c;
	unsigned a, b;

	(void)state;
	tserver_prepare(&ts, default_users);
	a = testlib_free_port(AF_INET);
	assert_true(a != 0);
	do
		b = testlib_free_port(AF_INET);
	while (b == a);
	assert_true(b != 0);
	tserver_write_config(&ts, "127.0.0.1", a, NULL);
	snprintf(port_b, sizeof port_b, "%u", b);
	if (!daemon_spawn(args))
		fail_msg("securechatd --port %u did not start (see %s)", b,
		    ts.dir);
	c = tclient_connect(b);
	json_decref(tclient_login(c, "testuser"));
	tclient_free(c);
	assert_null(tclient_connect_raw(a));
	snprintf(needle, sizeof needle, "listening on 127.0.0.1 port %u", b);
	assert_true(tserver_log_has(&ts, needle));
	stop_ok();
}

/* ---- IPv6 -------------------------------------------------------------- */

/* Starts securechatd on ::1 with extra config; returns its port, or
 * skips the test when this host has no IPv6 loopback. */
static unsigned
start_ipv6(const char *extra)
{
	const char *args[] = { "--config", ts.config, NULL };
	struct sockaddr_storage ss;
	unsigned port;
	socklen_t len;
	int fd;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	len = make_addr(&ss, AF_INET6, "::1", 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&ss, len) != 0) {
		if (fd != -1)
			close(fd);
		skip();
	}
	close(fd);

	tserver_prepare(&ts, default_users);
	port = testlib_free_port(AF_INET6);
	assert_true(port != 0);
	tserver_write_config(&ts, "::1", port, extra);
	if (!daemon_spawn(args))
		fail_msg("securechatd on ::1 did not start (see %s)", ts.dir);
	return port;
}

/* "listen":"::1" serves over IPv6, with the same timeouts. */
static void
test_ipv6(void **state)
{
	struct tclient *c;
	uint64_t t0;
	long long el;
	unsigned port;
	json_t *j;
	int fd;

	(void)state;
	port = start_ipv6(SHORT_TIMEOUTS);

	/* A silent connection meets the handshake timeout. */
	fd = tcp_connect(AF_INET6, "::1", port, NULL);
	assert_true(fd >= 0);
	t0 = clock_mono_ms();
	assert_true(fd_wait_closed(fd, 3000, NULL));
	el = testlib_ms_since(t0);
	if (el < 300 || el > 1500)
		fail_msg("closed after %lld ms, expected about 500", el);
	close(fd);
	assert_true(tserver_log_wait(&ts, "connect [::1]:", 2000));

	/* A whole session. */
	fd = tcp_connect(AF_INET6, "::1", port, NULL);
	assert_true(fd >= 0);
	c = tclient_on_fd(fd);
	assert_int_equal(tclient_handshake(c), 0);
	json_decref(tclient_login(c, "testuser"));
	tclient_send(c, "{\"type\":\"say\",\"text\":\"over six\"}");
	j = tclient_expect(c, "say");
	assert_string_equal(jstr(j, "text"), "over six");
	json_decref(j);
	tclient_free(c);
	assert_true(tserver_log_wait(&ts, "user testuser", 2000));
	/* Not on IPv4. */
	assert_null(tclient_connect_raw(port));
	stop_ok();
}

/* The cap on connections not logged in per prefix holds for IPv6 (its
 * /64) too: the third from ::1 is refused at once; one that logs in
 * makes room. */
static void
test_ipv6_prefix_cap(void **state)
{
	struct tclient *c[2];
	unsigned port;
	int fd, i;

	(void)state;
	port = start_ipv6("\"max_unauth_per_prefix\":2");
	for (i = 0; i < 2; i++) {
		fd = tcp_connect(AF_INET6, "::1", port, NULL);
		assert_true(fd >= 0);
		c[i] = tclient_on_fd(fd);
		assert_int_equal(tclient_handshake(c[i]), 0);
	}
	fd = tcp_connect(AF_INET6, "::1", port, NULL);
	assert_true(fd >= 0);
	assert_true(fd_wait_closed(fd, 1000, NULL));
	close(fd);
	assert_true(
	    tserver_log_wait(&ts, "refused ::1: max_unauth_per_prefix", 2000));
	json_decref(tclient_login(c[0], "testuser"));
	fd = tcp_connect(AF_INET6, "::1", port, NULL);
	assert_true(fd >= 0);
	tclient_free(c[0]);
	c[0] = tclient_on_fd(fd);
	assert_int_equal(tclient_handshake(c[0]), 0);
	for (i = 0; i < 2; i++)
		tclient_free(c[i]);
	stop_ok();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_handshake_timeout_silent,
		    teardown),
		cmocka_unit_test_teardown(test_handshake_timeout_trickle,
		    teardown),
		cmocka_unit_test_teardown(test_login_timeout, teardown),
		cmocka_unit_test_teardown(test_idle_timeout, teardown),
		cmocka_unit_test_teardown(test_slow_reader, teardown),
		cmocka_unit_test_teardown(test_fair_turns, teardown),
		cmocka_unit_test_teardown(test_max_per_ip, teardown),
		cmocka_unit_test_teardown(test_max_connections, teardown),
		cmocka_unit_test_teardown(test_sighup_reload, teardown),
		cmocka_unit_test_teardown(test_sigterm, teardown),
		cmocka_unit_test_teardown(test_stats_stall_window, teardown),
		cmocka_unit_test_teardown(test_notify_status, teardown),
		cmocka_unit_test_teardown(test_log_contents, teardown),
		cmocka_unit_test_teardown(test_login_plaintext_wiped, teardown),
		cmocka_unit_test_teardown(test_server_key, teardown),
		cmocka_unit_test_teardown(test_cmdline_flags, teardown),
		cmocka_unit_test_teardown(test_cmdline_config, teardown),
		cmocka_unit_test_teardown(test_flag_overrides_config, teardown),
		cmocka_unit_test_teardown(test_ipv6, teardown),
		cmocka_unit_test_teardown(test_ipv6_prefix_cap, teardown),
	};

	if (noise_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
