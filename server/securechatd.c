/*
 * securechatd.c: the daemon's main: command line and configuration, the
 * listening socket, signals (SIGHUP reload, SIGTERM/SIGINT shutdown,
 * SIGUSR1 statistics), systemd notifications (socket activation and the
 * watchdog too), the loop-stall heartbeat and the reaper that frees dead
 * sessions. Runs in the foreground.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/thread.h>
#include <sodium.h>

#include "fsutil.h"
#include "server.h"

#define EXIT_USAGE	  2
#define LISTEN_BACKLOG	  1024
#define ACCEPT_RETRY_MS	  250
#define LOG_FILE_NAME	  "securechatd.log"
#define REFUSED_LOG_MS	  1000 /* one line about refusals at most */
#define TEST_STALL_ENV	  "SECURECHATD_TEST_STALL_MS"
#define TEST_STALL_MAX_MS 60000

static struct server server;

/* Prints the usage text to f. */
static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: securechatd [options]\n"
	    "\n"
	    "Serves SecureChat (Noise_XX_25519_AESGCM_SHA256) in the "
	    "foreground.\n"
	    "Run from the repository root with no options it serves %s:%d\n"
	    "with data/users.json, data/server.key and data/logs/. Installed, "
	    "it reads\n"
	    "/etc/securechat/securechatd.conf under systemd. See "
	    "securechatd(8) and\n"
	    "securechatd.conf(5).\n"
	    "\n"
	    "  -c, --config FILE     read settings from a JSON config file\n"
	    "  -l, --listen ADDR     IPv4 or IPv6 address to listen on\n"
	    "  -p, --port N          TCP port\n"
	    "  -u, --users FILE      users file (names and password hashes; "
	    "see\n"
	    "                        securechatctl(8))\n"
	    "  -k, --key FILE        server key file (created 0600 if "
	    "missing)\n"
	    "  -L, --log-dir DIR     folder for securechatd.log (\"\" for "
	    "none)\n"
	    "  -w, --workers N       password-check threads (0: one per core)\n"
	    "      --database FILE   history database (SQLite; \"\" keeps "
	    "history\n"
	    "                        in memory only)\n"
	    "      --history-days N  days of messages kept (0: none)\n"
	    "      --motd FILE       message of the day shown after login\n"
	    "      --log-level LVL   error, warning, notice, info or debug\n"
	    "      --fingerprint     print the server key's fingerprint and "
	    "exit\n"
	    "      --check-config    validate the configuration and exit\n"
	    "      --dump-settings FORMAT\n"
	    "                        print every setting and exit: \"conf\" "
	    "the\n"
	    "                        effective settings as a commented config "
	    "file,\n"
	    "                        \"man\" the list for securechatd.conf(5)\n"
	    "  -h, --help            show this help and exit\n"
	    "  -V, --version         show the version and exit\n"
	    "\n"
	    "Signals: SIGHUP reloads the users file (ending the sessions of\n"
	    "removed users and of changed passwords), the moderation state\n"
	    "and the message of the day, and reopens the log file;\n"
	    "SIGTERM or SIGINT shut down cleanly; SIGUSR1 logs statistics.\n"
	    "Under systemd it takes its listening sockets from LISTEN_FDS and\n"
	    "sends WATCHDOG=1 when WATCHDOG_USEC is set.\n",
	    SC_DEFAULT_ADDRESS, SC_DEFAULT_PORT);
}

/* Prints one line and exits with the usage status. */
static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("securechatd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

/* ---- listener ---------------------------------------------------------- */

/* Logs a refused connection (folded per address, log_peer). */
static void
log_refused(const char *host, const char *why)
{
	log_peer(LOG_LEVEL_WARNING, host, "refused %s: %s", host, why);
}

/* A new connection: check the limits, then hand it to a session. */
static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct server *srv = arg;
	struct ipstate *ip, *net;
	char host[INET6_ADDRSTRLEN] = "?";
	const char *why;
	int one = 1;

	(void)l;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((struct sockaddr_in *)(void *)sa)->sin_addr, host,
		    sizeof host);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, host,
		    sizeof host);
	/* The address's record, then its prefix's (which frees none). */
	if (srv->stopping || (ip = ipstate_get(srv, sa)) == NULL ||
	    (net = ipstate_get_prefix(srv, sa)) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	if ((why = admit_check(srv, ip, net)) != NULL) {
		log_refused(host, why);
		ipstate_forget_if_idle(srv, net);
		ipstate_forget_if_idle(srv, ip);
		evutil_closesocket(fd);
		return;
	}
	/* Chat is latency-bound: no Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	session_accept(srv, fd, sa, salen, ip, net);
}

/* Stops accepting on every listener. */
static void
listeners_disable(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->n_listen; i++)
		evconnlistener_disable(srv->listeners[i]);
}

/* accept() failed (EMFILE and the like): pause, retry a little later. */
static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct server *srv = arg;
	struct timeval tv = { 0, ACCEPT_RETRY_MS * 1000 };
	int err = EVUTIL_SOCKET_ERROR();
	unsigned refused = 0;

	srv->accept_errors++;
	/* Out of descriptors: refuse what waits rather than leave it
	 * hanging in the backlog. */
	if (err == EMFILE || err == ENFILE)
		refused = admit_drain(srv, evconnlistener_get_fd(l));
	log_peer(LOG_LEVEL_WARNING, "listener",
	    "accept: %s; refusing new connections for now (%u open, %u "
	    "waiting refused)",
	    evutil_socket_error_to_string(err), srv->n_sessions, refused);
	listeners_disable(srv);
	srv->accept_paused = true;
	evtimer_add(srv->listener_retry, &tv);
}

/* Timer after an accept error. */
static void
listener_retry_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	server_listener_retry(arg);
}

/* Re-enables accepting unless shutting down. */
void
server_listener_retry(struct server *srv)
{
	size_t i;

	if (srv->stopping || srv->n_listen == 0 || !srv->accept_paused)
		return;
	srv->accept_paused = false;
	evtimer_del(srv->listener_retry);
	for (i = 0; i < srv->n_listen; i++)
		evconnlistener_enable(srv->listeners[i]);
	log_info("accepting connections again");
}

/*
 * Opens the listening sockets before anything else touches the disk: the
 * ones systemd passed, or one bound to listen and port. A second instance
 * on a taken port fails here, before it could create a key or a log.
 */
static void
listen_open(struct server *srv)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (void *)&ss;
	struct sockaddr_in6 *in6 = (void *)&ss;
	socklen_t len;
	char err[256];
	int n, fd, one = 1;

	if ((n = notify_listen_fds(err, sizeof err)) < 0)
		log_fatal("%s", err);
	if (n > 0) {
		for (srv->n_listen = 0; srv->n_listen < (size_t)n;
		     srv->n_listen++)
			srv->listen_fds[srv->n_listen] =
			    NOTIFY_LISTEN_FDS_START + (int)srv->n_listen;
		srv->socket_activated = true;
		return;
	}

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, srv->cfg.listen, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)srv->cfg.port);
		len = sizeof *in;
	} else {
		if (inet_pton(AF_INET6, srv->cfg.listen, &in6->sin6_addr) != 1)
			log_fatal("listen: bad address %s", srv->cfg.listen);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)srv->cfg.port);
		len = sizeof *in6;
	}
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0)
		log_fatal("cannot listen on %s port %u: %s", srv->cfg.listen,
		    srv->cfg.port, strerror(errno));
	srv->listen_fds[0] = fd;
	srv->n_listen = 1;
}

/* Hands the open sockets to libevent. */
static void
listen_start(struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	size_t i;

	for (i = 0; i < srv->n_listen; i++) {
		if (evutil_make_socket_nonblocking(srv->listen_fds[i]) != 0)
			log_fatal("listening socket: %s", strerror(errno));
		srv->listeners[i] = evconnlistener_new(srv->base, accept_cb,
		    srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1,
		    srv->listen_fds[i]);
		if (srv->listeners[i] == NULL)
			log_fatal("cannot accept on descriptor %d: %s",
			    srv->listen_fds[i], strerror(errno));
		evconnlistener_set_error_cb(srv->listeners[i], accept_error_cb);
		if (!srv->socket_activated)
			continue;
		len = sizeof ss;
		memset(&ss, 0, sizeof ss);
		if (getsockname(srv->listen_fds[i], (struct sockaddr *)&ss,
			&len) == 0) {
			if (ss.ss_family == AF_INET) {
				struct sockaddr_in *in = (void *)&ss;

				inet_ntop(AF_INET, &in->sin_addr, host,
				    sizeof host);
				port = ntohs(in->sin_port);
			} else if (ss.ss_family == AF_INET6) {
				struct sockaddr_in6 *in6 = (void *)&ss;

				inet_ntop(AF_INET6, &in6->sin6_addr, host,
				    sizeof host);
				port = ntohs(in6->sin6_port);
			}
		}
		log_notice("listening on %s port %u (socket from systemd, "
			   "descriptor %d)",
		    host, port, srv->listen_fds[i]);
	}
}

/* ---- signals, shutdown, timers ----------------------------------------- */

/* Frees the dead sessions; runs after whatever marked them, within the
 * pass's budget, and again at the next loop pass while some are left. */
static void
reaper_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval now = { 0, 0 };

	(void)fd;
	(void)what;
	if (session_reap_some(srv))
		event_add(srv->reaper, &now);
}

/* Ends the loop once the last session is gone during a shutdown. */
void
server_check_stopped(struct server *srv)
{
	if (srv->stopping && srv->n_sessions == 0)
		event_base_loopexit(srv->base, NULL);
}

/* The grace period is over: leave whatever is left. */
static void
shutdown_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	log_warn("shutdown: %u connection%s still open after the grace "
		 "period, closing them",
	    srv->n_sessions, srv->n_sessions == 1 ? "" : "s");
	event_base_loopexit(srv->base, NULL);
}

/* SIGTERM/SIGINT: notice and bye to everyone, flush, exit. */
static void
shutdown_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct session *s, *next;
	struct timeval tv;
	struct msg notice = { .type = MSG_NOTICE };
	char buf[128];
	size_t len;

	(void)what;
	if (srv->stopping) {
		log_warn("second signal: exiting now");
		event_base_loopexit(srv->base, NULL);
		return;
	}
	srv->stopping = true;
	log_notice("%s: shutting down, %u connection%s", strsignal((int)sig),
	    srv->n_sessions, srv->n_sessions == 1 ? "" : "s");
	(void)notify_send("STOPPING=1");
	listeners_disable(srv);
	notice.text = MSG_STR("the server is shutting down");
	if (msg_encode(&notice, MSG_S2C, buf, sizeof buf, &len) != 0)
		len = 0;
	TAILQ_FOREACH_SAFE(s, &srv->sessions, entry, next)
	{
		if (s->dead || s->state == SESSION_CLOSING)
			continue;
		if (s->state == SESSION_HANDSHAKE) {
			session_kill(s, "shutdown");
			continue;
		}
		if (len != 0)
			(void)session_send(s, buf, len);
		session_bye(s, "server shutting down");
	}
	tv.tv_sec = srv->cfg.shutdown_grace_ms / 1000;
	tv.tv_usec = (srv->cfg.shutdown_grace_ms % 1000) * 1000;
	evtimer_add(srv->shutdown_timer, &tv);
	server_check_stopped(srv);
}

/* Ends the sessions of online users that the new users file removed, or
 * whose password changed (when password_change_ends_sessions). */
static void
end_changed_accounts(struct server *srv, const struct users *old,
    const struct users *now)
{
	struct roster_user *u;
	const struct pwhash *was, *is;
	size_t i = 0;

	while (i < srv->n_online) {
		u = srv->online[i];
		was = users_find(old, u->name, u->len);
		is = users_find(now, u->name, u->len);
		if (is == NULL) {
			log_notice("reload: user %s was removed; ending its "
				   "%u session%s",
			    u->name, u->n_sessions,
			    u->n_sessions == 1 ? "" : "s");
			moderation_bye_user(u, "account removed",
			    "your account was removed");
		} else if (srv->cfg.passwd_ends_sessions && was != NULL &&
		    !pwhash_equal(was, is)) {
			log_notice("reload: the password of %s changed; ending "
				   "its %u session%s",
			    u->name, u->n_sessions,
			    u->n_sessions == 1 ? "" : "s");
			moderation_bye_user(u, "password changed",
			    "your password was changed");
		} else {
			i++;
			continue;
		}
		if (i < srv->n_online && srv->online[i] == u)
			i++; /* its sessions died: the reaper takes it off */
	}
}

/* Reads the message of the day (setting motd) into srv->motd: text
 * rules, at most SC_TEXT_MAX_LEN bytes, one final newline dropped. A bad
 * file keeps none, logged. */
static void
load_motd(struct server *srv)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	free(srv->motd);
	srv->motd = NULL;
	if (*srv->cfg.motd_path == '\0')
		return;
	if ((f = fopen(srv->cfg.motd_path, "r")) == NULL) {
		log_err("motd %s: %s; no message of the day",
		    srv->cfg.motd_path, strerror(errno));
		return;
	}
	text = xmalloc(SC_TEXT_MAX_LEN + 2);
	len = fread(text, 1, SC_TEXT_MAX_LEN + 1, f);
	fclose(f);
	if (len > 0 && text[len - 1] == '\n')
		len--;
	if (len == 0 ||
	    text_check(text, len, SC_TEXT_MAX_LEN, false) != TEXT_OK) {
		log_err("motd %s: not 1 to %d bytes of UTF-8 text without "
			"control characters; no message of the day",
		    srv->cfg.motd_path, SC_TEXT_MAX_LEN);
		free(text);
		return;
	}
	text[len] = '\0';
	srv->motd = text;
	log_notice("message of the day: %zu bytes from %s", len,
	    srv->cfg.motd_path);
}

/* SIGHUP: reopen the log, reload the users file (keep the old on error),
 * the message of the day and the moderation state. */
static void
reload_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct users *u;
	char err[USERS_ERR_MAX], state[64];

	(void)sig;
	(void)what;
	snprintf(state, sizeof state, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)clock_mono_ms() * 1000);
	(void)notify_send(state);
	if (log_reopen() != 0)
		log_err("reopening the log file: %s", strerror(errno));
	if (users_load(srv->cfg.users_path, &u, err, sizeof err) != 0)
		log_err("reload: %s; keeping the %zu users loaded before", err,
		    users_count(srv->users));
	else {
		end_changed_accounts(srv, srv->users, u);
		users_free(srv->users);
		srv->users = u;
		server_make_dummy_hash(srv);
		malloc_trim(0);
		log_notice("reload: %zu users from %s", users_count(u),
		    srv->cfg.users_path);
	}
	load_motd(srv);
	moderation_reload(srv);
	(void)notify_send("READY=1");
	notify_status(srv);
	notify_flush(srv, true);
}

/*
 * SIGUSR1: statistics to the log. The largest loop stall is given since
 * start and since the previous stats line (then restarted), so that a
 * benchmark can take the largest stall of each of its scenarios.
 */
static void
stats_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	(void)sig;
	(void)what;
	log_notice("stats: %u connections, %zu users online, %u logins "
		   "pending, last message id %llu, largest loop stall "
		   "%llu.%03llu ms, since the last stats %llu.%03llu ms; "
		   "%lu fan-outs held over a pass",
	    srv->n_sessions, srv->n_online, authpool_pending(srv->auth),
	    (unsigned long long)srv->last_msg_id,
	    (unsigned long long)(srv->stall_max_us / 1000),
	    (unsigned long long)(srv->stall_max_us % 1000),
	    (unsigned long long)(srv->stall_win_us / 1000),
	    (unsigned long long)(srv->stall_win_us % 1000), srv->fanouts_held);
	srv->stall_win_us = 0;
}

/*
 * WATCHDOG=1 at half the interval systemd asked for. It is an event-loop
 * timer on purpose: when the loop is wedged the pings stop and systemd
 * restarts the daemon.
 */
static void
watchdog_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (notify_send("WATCHDOG=1") != 0)
		log_debug("sd_notify watchdog: %s", strerror(errno));
}

/*
 * SIGUSR2: with SECURECHATD_TEST_STALL_MS in the environment at start,
 * block the loop that long (the tests' way to wedge it); otherwise only
 * a log line.
 */
static void
stall_cb(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct timespec ts;

	(void)sig;
	(void)what;
	if (srv->test_stall_ms == 0) {
		log_info("SIGUSR2 ignored");
		return;
	}
	log_warn("SIGUSR2: blocking the event loop for %u ms (%s)",
	    srv->test_stall_ms, TEST_STALL_ENV);
	ts.tv_sec = srv->test_stall_ms / 1000;
	ts.tv_nsec = (long)(srv->test_stall_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Reads the test-only stall length from the environment. */
static unsigned
test_stall_ms(void)
{
	const char *v = getenv(TEST_STALL_ENV);
	char *end;
	unsigned long n;

	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > TEST_STALL_MAX_MS)
		die_usage("%s: 0 to %d milliseconds", TEST_STALL_ENV,
		    TEST_STALL_MAX_MS);
	return (unsigned)n;
}

/* Every SERVER_HEARTBEAT_MS: how late is the loop? */
static void
heartbeat_timer(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	uint64_t now = clock_mono_us(), late;

	(void)fd;
	(void)what;
	if (srv->heartbeat_us != 0 &&
	    now > srv->heartbeat_us + SERVER_HEARTBEAT_MS * 1000) {
		late = now - srv->heartbeat_us - SERVER_HEARTBEAT_MS * 1000;
		if (late > srv->stall_max_us)
			srv->stall_max_us = late;
		if (late > srv->stall_win_us)
			srv->stall_win_us = late;
		if (late >= (uint64_t)srv->cfg.stall_log_ms * 1000)
			log_warn("event loop stalled for %llu ms",
			    (unsigned long long)(late / 1000));
	}
	srv->heartbeat_us = now;
	/* A slice of the key sweep each beat: a whole sweep every
	 * SERVER_KEY_SWEEP_MS, never all of it at once. */
	(void)aead_cache_sweep_step(srv->key_cache,
	    aead_cache_count(srv->key_cache) /
		    (SERVER_KEY_SWEEP_MS / SERVER_HEARTBEAT_MS) +
		1);
	notify_flush(srv, false);
	log_peer_flush();
}

/* ---- startup ----------------------------------------------------------- */

/* A room read from the history store at startup. */
static void
stored_room(const char *name, const char *topic, void *arg)
{
	room_load(arg, name, topic);
}

/* Opens the history store: one that cannot open costs history (logged),
 * never the chat. */
static void
open_store(struct server *srv)
{
	char err[512];

	if (store_open(srv->base, srv->cfg.database, srv->cfg.history_days,
		stored_room, srv, &srv->last_msg_id, &srv->store, err,
		sizeof err) != 0) {
		log_err("history unavailable: %s; running without history",
		    err);
		return;
	}
	log_notice("history store %s, %u day%s, last message id %llu",
	    *srv->cfg.database != '\0' ? srv->cfg.database : "in memory",
	    srv->cfg.history_days, srv->cfg.history_days == 1 ? "" : "s",
	    (unsigned long long)srv->last_msg_id);
}

/* Orders hashes by cost (qsort). */
static int
cost_order(const void *a, const void *b)
{
	uint64_t x = pwhash_cost(*(const struct pwhash *const *)a);
	uint64_t y = pwhash_cost(*(const struct pwhash *const *)b);

	return x < y ? -1 : x > y;
}

/* A hash that never matches, with the parameters of the users file's
 * median cost (the default cost for an empty file), recomputed at each
 * reload: an unknown name costs what a typical user's check does. */
void
server_make_dummy_hash(struct server *srv)
{
	const struct pwhash **all;
	struct pwhash *h = &srv->dummy_hash;
	size_t i, n = users_count(srv->users);
	uint8_t salt[8];
	char s[SC_PWHASH_MAX_LEN], hex[17];
	const char *why;

	randombytes_buf(salt, sizeof salt);
	sodium_bin2hex(hex, sizeof hex, salt, sizeof salt);
	if (n == 0) {
		snprintf(s, sizeof s, "pbkdf2:sha256:%u$%s$%064d",
		    SC_PBKDF2_DEFAULT_ITERATIONS, hex, 0);
		if (pwhash_parse(s, h, &why) != 0)
			log_fatal("dummy hash: %s", why);
		return;
	}
	all = xcalloc(n, sizeof *all);
	for (i = 0; i < n; i++)
		all[i] = users_find(srv->users, users_name(srv->users, i),
		    strlen(users_name(srv->users, i)));
	qsort(all, n, sizeof *all, cost_order);
	*h = *all[n / 2];
	free(all);
	/* Its own salt; a digest of zeros nothing derives in practice. */
	memcpy(h->salt, hex, sizeof hex);
	h->salt_len = sizeof hex - 1;
	memset(h->digest, 0, sizeof h->digest);
	log_info("unknown user names are checked at the users file's median "
		 "cost (%s, %llu units)",
	    h->kind == PWHASH_PBKDF2_SHA256 ? "pbkdf2" : "scrypt",
	    (unsigned long long)pwhash_cost(h));
}

/* What the options asked for besides serving. */
struct options {
	const char *config;
	bool fingerprint;
	bool check_config;
	const char *dump; /* --dump-settings FORMAT */
};

/* Parses the command line into cfg (over the config file). */
static void
parse_args(int argc, char **argv, struct config *cfg, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "users", required_argument, NULL, 'u' },
		{ "key", required_argument, NULL, 'k' },
		{ "log-dir", required_argument, NULL, 'L' },
		{ "workers", required_argument, NULL, 'w' },
		{ "log-level", required_argument, NULL, 1 },
		{ "fingerprint", no_argument, NULL, 2 },
		{ "check-config", no_argument, NULL, 3 },
		{ "database", required_argument, NULL, 4 },
		{ "history-days", required_argument, NULL, 5 },
		{ "dump-settings", required_argument, NULL, 6 },
		{ "motd", required_argument, NULL, 7 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct {
		const char *name, *value;
	} set[32];
	size_t n = 0, i;
	char err[512];
	int ch;

	memset(o, 0, sizeof *o);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:l:p:u:k:L:w:hV", longopts,
		    NULL)) != -1) {
		const char *name = NULL;

		switch (ch) {
		case 'c':
			o->config = optarg;
			continue;
		case 'l':
			name = "listen";
			break;
		case 'p':
			name = "port";
			break;
		case 'u':
			name = "users";
			break;
		case 'k':
			name = "key";
			break;
		case 'L':
			name = "log_dir";
			break;
		case 'w':
			name = "workers";
			break;
		case 1:
			name = "log_level";
			break;
		case 2:
			o->fingerprint = true;
			continue;
		case 3:
			o->check_config = true;
			continue;
		case 4:
			name = "database";
			break;
		case 5:
			name = "history_days";
			break;
		case 6:
			if (strcmp(optarg, "conf") != 0 &&
			    strcmp(optarg, "man") != 0)
				die_usage(
				    "--dump-settings: \"conf\" or \"man\"");
			o->dump = optarg;
			continue;
		case 7:
			name = "motd";
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("securechatd %s\n", SC_VERSION);
			exit(0);
		case ':':
			die_usage("option %s needs a value (see --help)",
			    argv[optind - 1]);
		default:
			die_usage("unknown option %s (see --help)",
			    argv[optind - 1]);
		}
		if (n == sizeof set / sizeof set[0])
			die_usage("too many options");
		set[n].name = name;
		set[n].value = optarg;
		n++;
	}
	if (optind < argc)
		die_usage("unexpected argument \"%s\" (see --help)",
		    argv[optind]);

	/* The config file first, then the flags over it. */
	if (o->config != NULL &&
	    config_load_file(cfg, o->config, err, sizeof err) != 0)
		die_usage("%s", err);
	for (i = 0; i < n; i++) {
		if (config_set(cfg, set[i].name, set[i].value, err,
			sizeof err) != 0)
			die_usage("%s", err);
	}
	if (config_check(cfg, err, sizeof err) != 0)
		die_usage("%s", err);
}

int
main(int argc, char **argv)
{
	struct server *srv = &server;
	struct options o;
	char err[USERS_ERR_MAX], path[4096], shortfp[KEYS_SHORT_LEN + 1];
	bool created;
	int rc;

	log_init("securechatd", LOG_LEVEL_INFO);
	config_defaults(&srv->cfg);
	/* Under systemd the journal has every line: a log file is opt-in. */
	if (log_is_journal() &&
	    config_set(&srv->cfg, "log_dir", "", err, sizeof err) != 0)
		log_fatal("%s", err);
	parse_args(argc, argv, &srv->cfg, &o);
	log_set_level(srv->cfg.log_level);
	if (o.dump != NULL) {
		config_dump(stdout, &srv->cfg,
		    strcmp(o.dump, "man") == 0 ? CONFIG_DUMP_MAN :
						 CONFIG_DUMP_CONF);
		config_free(&srv->cfg);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	srv->test_stall_ms = test_stall_ms();
	log_set_peer_limits(srv->cfg.log_rate, srv->cfg.log_repeat);

	if ((rc = noise_global_init()) != 0) {
		if (rc == SC_ERR_NO_AESNI)
			log_fatal("this CPU lacks the AES-NI and PCLMUL "
				  "instructions that AES-256-GCM needs here");
		log_fatal("libsodium failed to initialise");
	}

	if (o.fingerprint) {
		if ((rc = keys_load(srv->cfg.key_path, &srv->key)) != 0) {
			fprintf(stderr, "securechatd: %s: %s\n",
			    srv->cfg.key_path,
			    rc == SC_ERR_IO ? strerror(errno) :
					      sc_strerror(rc));
			return 1;
		}
		keys_fingerprint(srv->key.public, srv->fingerprint);
		printf("%s\n", srv->fingerprint);
		keys_wipe(&srv->key);
		return 0;
	}

	if (users_load(srv->cfg.users_path, &srv->users, err, sizeof err) !=
	    0) {
		if (o.check_config)
			die_usage("%s", err);
		log_fatal("%s", err);
	}
	/* Parsing a large users file leaves freed heap behind: give it back
	 * rather than carry it for the daemon's lifetime. */
	malloc_trim(0);
	if (o.check_config) {
		rc = keys_load(srv->cfg.key_path, &srv->key);
		if (rc != 0 && !(rc == SC_ERR_IO && errno == ENOENT))
			die_usage("%s: %s", srv->cfg.key_path,
			    rc == SC_ERR_IO ? strerror(errno) :
					      sc_strerror(rc));
		keys_wipe(&srv->key);
		printf("configuration OK: %zu users, listen %s port %u\n",
		    users_count(srv->users), srv->cfg.listen, srv->cfg.port);
		users_free(srv->users);
		config_free(&srv->cfg);
		return 0;
	}

	signal(SIGPIPE, SIG_IGN);
	/* The port first: a second instance stops here, having written
	 * nothing. */
	listen_open(srv);
	if (*srv->cfg.log_dir != '\0') {
		snprintf(path, sizeof path, "%s/%s", srv->cfg.log_dir,
		    LOG_FILE_NAME);
		if (fsutil_mkdirs(srv->cfg.log_dir, 0750) != 0 ||
		    log_open_file(path) != 0)
			log_fatal("cannot open log file %s: %s", path,
			    strerror(errno));
	}
	rc = keys_load_or_create(srv->cfg.key_path, &srv->key, &created);
	if (rc != 0)
		log_fatal("server key %s: %s", srv->cfg.key_path,
		    rc == SC_ERR_IO ? strerror(errno) : sc_strerror(rc));
	keys_fingerprint(srv->key.public, srv->fingerprint);
	keys_fingerprint_short(srv->key.public, shortfp);
	if (created)
		log_notice("created a new server key in %s", srv->cfg.key_path);
	server_make_dummy_hash(srv);
	if (msg_encode_server_hello(srv->hello, sizeof srv->hello,
		&srv->hello_len, SERVER_SOFTWARE, srv->cfg.server_name) != 0)
		log_fatal("server_name does not fit in the hello");

	TAILQ_INIT(&srv->sessions);
	TAILQ_INIT(&srv->dead);
	TAILQ_INIT(&srv->ready);
	TAILQ_INIT(&srv->fanouts);
	srv->key_cache = aead_cache_new(SERVER_KEY_CACHE);
	TAILQ_INIT(&srv->flush);
	TAILQ_INIT(&srv->unauth);
	srv->started_ms = clock_mono_ms();
	room_init(srv); /* the lobby */
	srv->rbuf = xmalloc(SC_MSG_MAX_LEN);
	srv->wbuf = xmalloc(SC_MSG_MAX_LEN);
	if ((srv->hs_out = evbuffer_new()) == NULL)
		xnomem();

	if (evthread_use_pthreads() != 0 ||
	    (srv->base = event_base_new()) == NULL)
		log_fatal("cannot start libevent");
	srv->reaper = event_new(srv->base, -1, 0, reaper_cb, srv);
	srv->pass_timer = evtimer_new(srv->base, session_pass_timer, srv);
	srv->listener_retry = evtimer_new(srv->base, listener_retry_timer, srv);
	srv->shutdown_timer = evtimer_new(srv->base, shutdown_timer, srv);
	srv->heartbeat =
	    event_new(srv->base, -1, EV_PERSIST, heartbeat_timer, srv);
	srv->sig_term = evsignal_new(srv->base, SIGTERM, shutdown_cb, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, shutdown_cb, srv);
	srv->sig_hup = evsignal_new(srv->base, SIGHUP, reload_cb, srv);
	srv->sig_usr1 = evsignal_new(srv->base, SIGUSR1, stats_cb, srv);
	srv->sig_usr2 = evsignal_new(srv->base, SIGUSR2, stall_cb, srv);
	srv->watchdog =
	    event_new(srv->base, -1, EV_PERSIST, watchdog_timer, srv);
	if (srv->reaper == NULL || srv->pass_timer == NULL ||
	    srv->listener_retry == NULL || srv->shutdown_timer == NULL ||
	    srv->heartbeat == NULL || srv->sig_term == NULL ||
	    srv->sig_int == NULL || srv->sig_hup == NULL ||
	    srv->sig_usr1 == NULL || srv->sig_usr2 == NULL ||
	    srv->watchdog == NULL)
		xnomem();
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	evsignal_add(srv->sig_hup, NULL);
	evsignal_add(srv->sig_usr1, NULL);
	evsignal_add(srv->sig_usr2, NULL);
	{
		struct timeval tv = { 0, SERVER_HEARTBEAT_MS * 1000 };
		uint64_t wd = notify_watchdog_usec() / 2;

		evtimer_add(srv->heartbeat, &tv);
		if (wd != 0) {
			tv.tv_sec = (time_t)(wd / 1000000);
			tv.tv_usec = (suseconds_t)(wd % 1000000);
			evtimer_add(srv->watchdog, &tv);
			log_info("watchdog: WATCHDOG=1 every %llu ms",
			    (unsigned long long)(wd / 1000));
		}
	}

	admit_fd_limits(srv);
	srv->auth = authpool_new(srv, srv->cfg.workers, srv->cfg.auth_queue);
	open_store(srv);
	moderation_init(srv);
	load_motd(srv);
	listen_start(srv);
	if (srv->socket_activated)
		log_notice("securechatd %s ready on %zu socket%s from systemd, "
			   "%zu users, key %s (%s), AES-GCM by %s",
		    SC_VERSION, srv->n_listen, srv->n_listen == 1 ? "" : "s",
		    users_count(srv->users), shortfp, srv->fingerprint,
		    aead_impl());
	else
		log_notice("securechatd %s listening on %s port %u, %zu "
			   "users, key %s (%s), AES-GCM by %s",
		    SC_VERSION, srv->cfg.listen, srv->cfg.port,
		    users_count(srv->users), shortfp, srv->fingerprint,
		    aead_impl());
	(void)notify_send("READY=1");
	if (srv->watchdog != NULL && evtimer_pending(srv->watchdog, NULL))
		(void)notify_send("WATCHDOG=1");
	notify_status(srv);
	notify_flush(srv, true);

	event_base_dispatch(srv->base);

	/* Whatever is left after the grace period is closed now. */
	{
		struct session *s, *next;

		TAILQ_FOREACH_SAFE(s, &srv->sessions, entry, next)
		session_kill(s, "shutdown");
	}
	authpool_free(srv->auth);
	session_reap(srv);
	fanout_free_all(srv);	 /* drops its references to the sessions */
	store_close(srv->store); /* after the sessions: flushes the writes */
	moderation_free(srv);
	free(srv->motd);
	log_notice("stopped; largest loop stall %llu.%03llu ms",
	    (unsigned long long)(srv->stall_max_us / 1000),
	    (unsigned long long)(srv->stall_max_us % 1000));

	for (size_t i = 0; i < srv->n_listen; i++)
		evconnlistener_free(srv->listeners[i]);
	event_free(srv->reaper);
	event_free(srv->pass_timer);
	event_free(srv->listener_retry);
	event_free(srv->shutdown_timer);
	event_free(srv->heartbeat);
	event_free(srv->sig_term);
	event_free(srv->sig_int);
	event_free(srv->sig_hup);
	event_free(srv->sig_usr1);
	event_free(srv->sig_usr2);
	event_free(srv->watchdog);
	event_base_free(srv->base);
	room_free_all(srv);
	roster_free(srv);
	ipstate_free_all(srv);
	users_free(srv->users);
	keys_wipe(&srv->key);
	aead_cache_free(srv->key_cache); /* after the sessions */
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	evbuffer_free(srv->hs_out);
	free(srv->rbuf);
	free(srv->wbuf);
	config_free(&srv->cfg);
	log_close();
	return 0;
}
