/*
 * admit.c: connection admission, after OpenSSH's MaxStartups. How many
 * connections may be open (max_connections: RLIMIT_NOFILE, raised to its
 * hard limit at start, minus fd_reserve), how many of them may not have
 * logged in yet (max_unauth server-wide, max_unauth_per_prefix per /24
 * or /64), and what happens beyond: a prefix at its cap, an address at
 * max_per_ip and a server at max_connections refuse the new connection
 * at once; a server at max_unauth drops its oldest connection that has
 * not logged in to make room for the new one, so an attacker spread over
 * many prefixes churns its own slots while a real client, which logs in
 * within a second, gets through. Also the spare descriptor that lets the
 * listener refuse connections when the process has none left (EMFILE).
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#define ADMIT_NOFILE_TRY (1u << 20) /* when the hard limit is unlimited */
#define ADMIT_DRAIN_MAX	 64	    /* refused per accept error */

/* Opens the spare descriptor (closed to make room in admit_drain). */
static void
spare_open(struct server *srv)
{
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Raises the soft descriptor limit to the hard one and derives the
 * connection limits from it. */
void
admit_fd_limits(struct server *srv)
{
	struct config *cfg = &srv->cfg;
	struct rlimit rl;
	rlim_t want;
	unsigned fit;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_fatal("getrlimit(RLIMIT_NOFILE): %s", strerror(errno));
	want = rl.rlim_max == RLIM_INFINITY ? ADMIT_NOFILE_TRY : rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		struct rlimit up = { want, rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl.rlim_cur = want;
		else
			log_warn("cannot raise RLIMIT_NOFILE to %llu: %s",
			    (unsigned long long)want, strerror(errno));
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > ADMIT_NOFILE_TRY)
		rl.rlim_cur = ADMIT_NOFILE_TRY;
	if (rl.rlim_cur <= (rlim_t)cfg->fd_reserve + 1)
		log_fatal("RLIMIT_NOFILE %llu leaves no descriptor for "
			  "connections beyond fd_reserve %u",
		    (unsigned long long)rl.rlim_cur, cfg->fd_reserve);
	fit = (unsigned)(rl.rlim_cur - cfg->fd_reserve);
	if (cfg->max_connections == 0)
		cfg->max_connections = fit;
	else if (cfg->max_connections > fit) {
		log_warn("max_connections %u lowered to %u: RLIMIT_NOFILE "
			 "%llu minus fd_reserve %u",
		    cfg->max_connections, fit, (unsigned long long)rl.rlim_cur,
		    cfg->fd_reserve);
		cfg->max_connections = fit;
	}
	if (cfg->max_unauth == 0)
		cfg->max_unauth =
		    cfg->max_connections > 1 ? cfg->max_connections / 2 : 1;
	log_notice("descriptors: RLIMIT_NOFILE %llu; max_connections %u, "
		   "max_unauth %u, max_unauth_per_prefix %u (/%u, /%u), "
		   "max_per_ip %u",
	    (unsigned long long)rl.rlim_cur, cfg->max_connections,
	    cfg->max_unauth, cfg->max_unauth_per_prefix, cfg->prefix_v4,
	    cfg->prefix_v6, cfg->max_per_ip);
	spare_open(srv);
}

/* Decides on a new connection from ip (its prefix net); see admit.h. */
const char *
admit_check(struct server *srv, struct ipstate *ip, struct ipstate *net)
{
	const struct config *cfg = &srv->cfg;
	struct session *old;

	/* Dying sessions still hold their descriptors until reaped. */
	if (srv->n_sessions >= cfg->max_connections + cfg->fd_reserve / 2)
		return "no descriptor to spare";
	if (net->unauth >= cfg->max_unauth_per_prefix)
		return "max_unauth_per_prefix reached";
	if (ip->conns >= cfg->max_per_ip)
		return "max_per_ip reached";
	if (srv->n_sessions - srv->n_dying >= cfg->max_connections)
		return "max_connections reached";
	if (srv->n_unauth >= cfg->max_unauth &&
	    (old = TAILQ_FIRST(&srv->unauth)) != NULL) {
		log_peer(LOG_LEVEL_WARNING, old->host,
		    "dropped %s: the oldest connection not logged in, "
		    "max_unauth %u reached",
		    old->addr, cfg->max_unauth);
		session_kill(old,
		    "dropped for a newer connection "
		    "(max_unauth)");
	}
	return NULL;
}

/* s counts as not logged in (server-wide and in its prefix). */
void
admit_enter(struct session *s)
{
	struct server *srv = s->srv;

	if (s->unauth)
		return;
	s->unauth = true;
	TAILQ_INSERT_TAIL(&srv->unauth, s, unauth_entry);
	srv->n_unauth++;
	s->net->unauth++;
}

/* s no longer counts as not logged in. */
void
admit_leave(struct session *s)
{
	struct server *srv = s->srv;

	if (!s->unauth)
		return;
	s->unauth = false;
	TAILQ_REMOVE(&srv->unauth, s, unauth_entry);
	srv->n_unauth--;
	s->net->unauth--;
}

/* accept() failed for want of descriptors: refuse what waits, using the
 * spare one. Returns how many were refused. */
unsigned
admit_drain(struct server *srv, evutil_socket_t lfd)
{
	unsigned n = 0;
	int fd;

	if (srv->spare_fd < 0) {
		spare_open(srv);
		return 0;
	}
	close(srv->spare_fd);
	srv->spare_fd = -1;
	while (n < ADMIT_DRAIN_MAX &&
	    (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		close(fd); /* the client sees its connection closed */
		n++;
	}
	spare_open(srv);
	return n;
}
