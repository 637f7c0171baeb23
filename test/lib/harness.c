/*
 * harness.c: the end-to-end test harness: a real securechatd in a
 * temporary folder on a free loopback port, and a blocking test client on
 * common/'s channel. See harness.h.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "pwhash.h"

#ifndef SC_SECURECHATD_PATH
#error "SC_SECURECHATD_PATH must name the securechatd binary"
#endif

#define CLIENT_HELLO	"{\"proto\":1,\"client\":\"harness/1\"}"
#define HARNESS_STOP_MS 10000 /* from SIGTERM to SIGKILL */

static const char *const default_users[] = { "testuser", "anotheruser", NULL };

/* The bounded wait of every harness call, scaled for slow runs. */
int
harness_timeout_ms(void)
{
	const char *s = getenv("SC_TIMEOUT_SCALE");
	int scale = s != NULL ? atoi(s) : 1;

	return 5000 * (scale >= 1 && scale <= 100 ? scale : 1);
}

/* Writes a users file: every name with password pw. */
void
tserver_write_users(const char *path, const char *const *names, const char *pw,
    unsigned iterations)
{
	char hash[SC_PWHASH_MAX_LEN];
	json_t *root = json_object();
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		assert_int_equal(pwhash_create(pw, strlen(pw), iterations, hash,
				     sizeof hash),
		    0);
		json_object_set_new(root, names[i], json_string(hash));
	}
	assert_int_equal(json_dump_file(root, path, JSON_INDENT(2)), 0);
	chmod(path, 0600);
	json_decref(root);
}

/*
 * Runs securechatd with --config, under $SC_SERVER_WRAPPER when set (a
 * command line split on spaces, e.g. "valgrind --error-exitcode=99 ..."),
 * so the same tests check the daemon under valgrind.
 */
static void
exec_server(const char *config)
{
	const char *wrapper = getenv("SC_SERVER_WRAPPER");
	char *argv[64], *copy, *tok, *save;
	int n = 0;

	if (wrapper != NULL && *wrapper != '\0' &&
	    (copy = strdup(wrapper)) != NULL) {
		for (tok = strtok_r(copy, " ", &save); tok != NULL && n < 58;
		     tok = strtok_r(NULL, " ", &save))
			argv[n++] = tok;
	}
	argv[n++] = (char *)SC_SECURECHATD_PATH;
	argv[n++] = (char *)"--config";
	argv[n++] = (char *)config;
	argv[n] = NULL;
	execvp(argv[0], argv);
}

/* Makes the folder, its users file and the notify socket. */
void
tserver_prepare(struct tserver *ts, const char *const *users)
{
	struct sockaddr_un sun;

	memset(ts, 0, sizeof *ts);
	assert_int_equal(testlib_mkdtemp(ts->dir, sizeof ts->dir, "sctest"), 0);
	snprintf(ts->users, sizeof ts->users, "%s/users.json", ts->dir);
	snprintf(ts->config, sizeof ts->config, "%s/config.json", ts->dir);
	snprintf(ts->log, sizeof ts->log, "%s/securechatd.log", ts->dir);
	snprintf(ts->key, sizeof ts->key, "%s/server.key", ts->dir);
	snprintf(ts->notify, sizeof ts->notify, "%s/notify", ts->dir);
	tserver_write_users(ts->users, users, HARNESS_PASSWORD,
	    HARNESS_ITERATIONS);

	ts->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(ts->notify_fd >= 0);
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	assert_true(strlen(ts->notify) < sizeof sun.sun_path);
	memcpy(sun.sun_path, ts->notify, strlen(ts->notify) + 1);
	assert_int_equal(bind(ts->notify_fd, (struct sockaddr *)&sun,
			     sizeof sun),
	    0);
}

/* Writes the config file of ts's folder. */
void
tserver_write_config(struct tserver *ts, const char *listen, unsigned port,
    const char *extra_config)
{
	char buf[2048], db[128] = "";
	const char *logs = ",\"log_rate\":0";
	int n;

	/* The history database in the folder too, unless the test names
	 * its own. */
	if (extra_config == NULL ||
	    strstr(extra_config, "\"database\"") == NULL)
		snprintf(db, sizeof db, ",\"database\":\"%s/securechat.db\"",
		    ts->dir);
	/* Every line in the log (tests read it), unless the test sets the
	 * log rate itself. */
	if (extra_config != NULL &&
	    strstr(extra_config, "\"log_rate\"") != NULL)
		logs = "";
	n = snprintf(buf, sizeof buf,
	    "{\"listen\":\"%s\",\"port\":%u,"
	    "\"users\":\"%s\",\"key\":\"%s\",\"log_dir\":\"%s\","
	    "\"log_level\":\"debug\"%s%s%s%s}\n",
	    listen, port, ts->users, ts->key, ts->dir, db, logs,
	    extra_config != NULL ? "," : "",
	    extra_config != NULL ? extra_config : "");
	assert_true(n > 0 && (size_t)n < sizeof buf);
	assert_int_equal(testlib_write_file(ts->config, buf, (size_t)n, 0600),
	    0);
	ts->port = port;
}

/* Starts the server of a prepared folder; waits for READY=1. */
void
tserver_launch(struct tserver *ts)
{
	struct sc_keypair kp;
	char *msg, errpath[160];
	int fd;

	/* A READY=1 left from an earlier run or reload is not this one. */
	while ((msg = tserver_notify(ts, 0)) != NULL)
		free(msg);
	ts->pid = fork();
	assert_true(ts->pid >= 0);
	if (ts->pid == 0) {
		snprintf(errpath, sizeof errpath, "%s/stderr.txt", ts->dir);
		fd = open(errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setenv("NOTIFY_SOCKET", ts->notify, 1);
		exec_server(ts->config);
		_exit(127);
	}
	for (;;) {
		msg = tserver_notify(ts, HARNESS_TIMEOUT_MS);
		if (msg == NULL)
			fail_msg("securechatd did not send READY=1 (see %s)",
			    ts->dir);
		if (strstr(msg, "READY=1") != NULL) {
			free(msg);
			break;
		}
		free(msg);
	}
	assert_int_equal(keys_load(ts->key, &kp), 0);
	keys_fingerprint(kp.public, ts->fingerprint);
	keys_wipe(&kp);
}

/* Starts the server with users and extra config; waits for READY=1. */
void
tserver_start(struct tserver *ts, const char *const *users,
    const char *extra_config)
{
	unsigned port;

	tserver_prepare(ts, users);
	port = testlib_free_port(AF_INET);
	assert_true(port != 0);
	tserver_write_config(ts, "127.0.0.1", port, extra_config);
	tserver_launch(ts);
}

/* Starts the server with testuser and anotheruser. */
void
tserver_start_default(struct tserver *ts, const char *extra_config)
{
	tserver_start(ts, default_users, extra_config);
}

/* Waits for one notify datagram. */
char *
tserver_notify(struct tserver *ts, int timeout_ms)
{
	struct pollfd pfd = { ts->notify_fd, POLLIN, 0 };
	char buf[4096];
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return NULL;
	n = recv(ts->notify_fd, buf, sizeof buf - 1, 0);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return strdup(buf);
}

/* SIGTERM and wait (SIGKILL after HARNESS_STOP_MS); the folder stays. */
int
tserver_halt(struct tserver *ts)
{
	uint64_t deadline = clock_mono_ms() + HARNESS_STOP_MS;
	int status = 0, rc = -1;
	pid_t p;

	if (ts->pid > 0) {
		kill(ts->pid, SIGTERM);
		while ((p = waitpid(ts->pid, &status, WNOHANG)) == 0 &&
		    clock_mono_ms() < deadline)
			testlib_sleep_ms(10);
		if (p == 0) {
			kill(ts->pid, SIGKILL);
			waitpid(ts->pid, &status, 0);
		} else if (p == ts->pid && WIFEXITED(status))
			rc = WEXITSTATUS(status);
		ts->pid = 0;
	}
	return rc;
}

/* SIGTERM, wait, clean up. */
int
tserver_stop(struct tserver *ts)
{
	int rc = tserver_halt(ts);

	if (ts->notify_fd > 0)
		close(ts->notify_fd);
	ts->notify_fd = -1;
	if (getenv("SC_KEEP_TEST_DIRS") == NULL)
		(void)testlib_rmtree(ts->dir);
	return rc;
}

/* True when the log contains needle. */
bool
tserver_log_has(struct tserver *ts, const char *needle)
{
	char *buf = testlib_slurp(ts->log, NULL);
	bool found;

	if (buf == NULL)
		return false;
	found = strstr(buf, needle) != NULL;
	free(buf);
	return found;
}

/* Polls the log for needle. */
bool
tserver_log_wait(struct tserver *ts, const char *needle, int timeout_ms)
{
	uint64_t deadline = clock_mono_ms() + (uint64_t)timeout_ms;

	do {
		if (tserver_log_has(ts, needle))
			return true;
		testlib_sleep_ms(20);
	} while (clock_mono_ms() < deadline);
	return false;
}

/* ---- the client ------------------------------------------------------- */

/* Connects without a handshake. */
struct tclient *
tclient_connect_raw(unsigned port)
{
	return tclient_connect_from(port, NULL);
}

/* Connects from source address src (NULL: any); no handshake yet. */
struct tclient *
tclient_connect_from(unsigned port, const char *src)
{
	struct sockaddr_in sin;
	struct tclient *c;
	int one = 1;

	c = calloc(1, sizeof *c);
	assert_non_null(c);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c->fd >= 0);
	if (src != NULL) {
		memset(&sin, 0, sizeof sin);
		sin.sin_family = AF_INET;
		if (inet_pton(AF_INET, src, &sin.sin_addr) != 1 ||
		    bind(c->fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
			close(c->fd);
			free(c);
			return NULL;
		}
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
		close(c->fd);
		free(c);
		return NULL;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	c->buf = malloc(SC_MSG_MAX_LEN);
	assert_non_null(c->buf);
	keys_generate(&c->key);
	return c;
}

/* Sends whatever the channel queued. */
static int
flush(struct tclient *c)
{
	while (evbuffer_get_length(c->out) > 0) {
		if (evbuffer_write(c->out, c->fd) < 0)
			return -1;
	}
	return 0;
}

/* Reads more bytes within timeout_ms: 1 got some, 0 timeout, -1 closed. */
int
tclient_fill(struct tclient *c, int timeout_ms)
{
	struct pollfd pfd = { c->fd, POLLIN, 0 };
	int n;

	if (poll(&pfd, 1, timeout_ms < 0 ? 0 : timeout_ms) != 1)
		return 0;
	n = evbuffer_read(c->in, c->fd, 65536);
	return n > 0 ? 1 : -1;
}

/* Runs the XX handshake as initiator. */
int
tclient_handshake(struct tclient *c)
{
	struct channel_config cc = { 0 };
	uint64_t deadline = clock_mono_ms() + (uint64_t)HARNESS_TIMEOUT_MS;
	size_t len;
	int rc;

	cc.role = CHANNEL_INITIATOR;
	cc.local = &c->key;
	cc.hello = CLIENT_HELLO;
	cc.hello_len = strlen(CLIENT_HELLO);
	if ((rc = channel_init(&c->ch, &cc)) != 0)
		return rc;
	if ((rc = channel_start(&c->ch, c->out)) != 0 || flush(c) != 0)
		return rc != 0 ? rc : SC_ERR_IO;
	for (;;) {
		rc = channel_read(&c->ch, c->in, c->out, c->buf, SC_MSG_MAX_LEN,
		    &len);
		if (rc < 0)
			return rc;
		if (rc == CHANNEL_READY) {
			const struct msg_hello *h = channel_peer_hello(&c->ch);

			snprintf(c->hello, sizeof c->hello, "%s", h->server);
			return flush(c) == 0 ? 0 : SC_ERR_IO;
		}
		if (rc == CHANNEL_AGAIN &&
		    tclient_fill(c, testlib_ms_left(deadline)) != 1)
			return SC_ERR_CLOSED;
	}
}

/* Connects and handshakes. */
struct tclient *
tclient_connect(unsigned port)
{
	struct tclient *c = tclient_connect_raw(port);

	assert_non_null(c);
	assert_int_equal(tclient_handshake(c), 0);
	return c;
}

/* Closes and frees. */
void
tclient_free(struct tclient *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	channel_free(&c->ch);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	free(c->buf);
	keys_wipe(&c->key);
	free(c);
}

/* Sends c->out as raw bytes (no SIGPIPE), or fails the test. */
void
tclient_send_out(struct tclient *c)
{
	size_t len = evbuffer_get_length(c->out);

	assert_int_equal(tclient_send_raw(c, evbuffer_pullup(c->out, -1), len),
	    0);
	evbuffer_drain(c->out, len);
}

/* Raw bytes to the socket. */
int
tclient_send_raw(struct tclient *c, const void *p, size_t len)
{
	const char *b = p;
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, b, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One plaintext frame. */
void
tclient_sendn(struct tclient *c, const void *pt, size_t len)
{
	assert_int_equal(channel_write(&c->ch, c->out, pt, len), 0);
	assert_int_equal(flush(c), 0);
}

/* One JSON plaintext frame. */
void
tclient_send(struct tclient *c, const char *json)
{
	tclient_sendn(c, json, strlen(json));
}

/* Receives one plaintext as JSON. */
json_t *
tclient_recv(struct tclient *c, int timeout_ms, bool *closed)
{
	uint64_t deadline = clock_mono_ms() + (uint64_t)timeout_ms;
	json_error_t err;
	json_t *j;
	size_t len;
	int rc;

	if (closed != NULL)
		*closed = false;
	for (;;) {
		rc = channel_read(&c->ch, c->in, c->out, c->buf, SC_MSG_MAX_LEN,
		    &len);
		if (rc == CHANNEL_MESSAGE) {
			j = json_loadb((const char *)c->buf, len,
			    JSON_REJECT_DUPLICATES, &err);
			if (j == NULL)
				fail_msg("server sent bad JSON: %s", err.text);
			return j;
		}
		if (rc < 0)
			fail_msg("channel error from server: %s",
			    sc_strerror(rc));
		rc = tclient_fill(c, testlib_ms_left(deadline));
		if (rc == 0)
			return NULL;
		if (rc < 0) {
			if (closed != NULL)
				*closed = true;
			return NULL;
		}
	}
}

/* The string member name of o, or "". */
const char *
jstr(json_t *o, const char *name)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s != NULL ? s : "";
}

/* Checks that j is a message of the given type. */
json_t *
tclient_check_type(json_t *j, const char *type)
{
	char *dump;

	if (j == NULL)
		fail_msg("expected %s, got nothing", type);
	if (strcmp(jstr(j, "type"), type) != 0) {
		dump = json_dumps(j, JSON_COMPACT);
		fail_msg("expected %s, got %s", type, dump);
	}
	return j;
}

/* Receives one message of the given type. */
json_t *
tclient_expect(struct tclient *c, const char *type)
{
	return tclient_check_type(tclient_recv(c, HARNESS_TIMEOUT_MS, NULL),
	    type);
}

/* Receives an error with code and ref (or no ref). */
void
tclient_expect_error(struct tclient *c, const char *code, const char *ref)
{
	json_t *j = tclient_expect(c, "error");
	json_t *r = json_object_get(j, "ref");
	char *dump = json_dumps(j, JSON_COMPACT);

	if (strcmp(jstr(j, "code"), code) != 0)
		fail_msg("expected error %s, got %s", code, dump);
	if (!json_is_string(json_object_get(j, "message")))
		fail_msg("error without a message: %s", dump);
	if (ref == NULL && r != NULL)
		fail_msg("expected no ref: %s", dump);
	if (ref != NULL && (r == NULL || strcmp(json_string_value(r), ref)))
		fail_msg("expected ref %s: %s", ref, dump);
	free(dump);
	json_decref(j);
}

/* True when nothing arrives for timeout_ms. */
bool
tclient_quiet(struct tclient *c, int timeout_ms)
{
	bool closed;
	json_t *j = tclient_recv(c, timeout_ms, &closed);

	if (j != NULL) {
		json_decref(j);
		return false;
	}
	return !closed;
}

/* True when the server closes within timeout_ms. */
bool
tclient_wait_closed(struct tclient *c, int timeout_ms)
{
	uint64_t deadline = clock_mono_ms() + (uint64_t)timeout_ms;
	size_t len;
	int rc;

	for (;;) {
		if (c->ch.state == CHANNEL_OPEN) {
			rc = channel_read(&c->ch, c->in, c->out, c->buf,
			    SC_MSG_MAX_LEN, &len);
			if (rc == CHANNEL_MESSAGE)
				continue;
		} else
			evbuffer_drain(c->in, evbuffer_get_length(c->in));
		rc = tclient_fill(c, testlib_ms_left(deadline));
		if (rc < 0)
			return true;
		if (rc == 0)
			return false;
	}
}

/* Logs in as user with the harness password. */
json_t *
tclient_login(struct tclient *c, const char *user)
{
	char buf[256];
	json_t *j;

	snprintf(buf, sizeof buf,
	    "{\"type\":\"login\",\"user\":\"%s\","
	    "\"password\":\"%s\"}",
	    user, HARNESS_PASSWORD);
	tclient_send(c, buf);
	j = tclient_expect(c, "login_ok");
	assert_string_equal(jstr(j, "user"), user);
	return j;
}

/* Connects, handshakes, logs in. */
struct tclient *
tclient_login_new(unsigned port, const char *user)
{
	struct tclient *c = tclient_connect(port);

	json_decref(tclient_login(c, user));
	return c;
}
