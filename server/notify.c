/*
 * notify.c: the systemd notification protocol (sd_notify(3)) without
 * libsystemd: one datagram of newline-separated assignments to the
 * AF_UNIX socket named by $NOTIFY_SOCKET ("@name" is abstract). The
 * socket is non-blocking: a notification never stalls the event loop,
 * and STATUS= goes out at most once a second (from the heartbeat).
 * Also the rest of systemd's side of the contract: the listening sockets
 * of socket activation (sd_listen_fds(3)) and the watchdog interval
 * (sd_watchdog_enabled(3)); WATCHDOG=1 itself is sent from an event-loop
 * timer in securechatd.c, so a wedged loop stops it.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"

#define NOTIFY_STATUS_MS 1000 /* STATUS= at most this often */

/* Sends state to $NOTIFY_SOCKET; no socket set is no error. */
int
notify_send(const char *state)
{
	struct sockaddr_un sun;
	const char *path = getenv("NOTIFY_SOCKET");
	socklen_t len;
	size_t plen;
	ssize_t n;
	int fd, saved;

	if (path == NULL || *path == '\0')
		return 0;
	plen = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || plen >= sizeof sun.sun_path) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '@' ? 0 : 1));

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		 0)) == -1)
		return -1;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(state) ? 0 : -1;
}

/* Parses a whole decimal number in [1, max]; false otherwise. */
static bool
env_number(const char *name, uint64_t max, uint64_t *out)
{
	const char *v = getenv(name);
	char *end;
	uintmax_t n;

	if (v == NULL || *v < '0' || *v > '9')
		return false;
	errno = 0;
	n = strtoumax(v, &end, 10);
	if (errno != 0 || *end != '\0' || n == 0 || n > max)
		return false;
	*out = (uint64_t)n;
	return true;
}

/* The sockets systemd passed, checked; 0 when none were. */
int
notify_listen_fds(char *err, size_t errlen)
{
	uint64_t pid, n;
	int i, fd, acc, type;
	socklen_t len;
	struct stat st;
	bool ours, have;

	have = getenv("LISTEN_FDS") != NULL;
	ours = env_number("LISTEN_PID", UINT32_MAX, &pid) &&
	    pid == (uint64_t)getpid();
	if (have && ours &&
	    !env_number("LISTEN_FDS", NOTIFY_LISTEN_FDS_MAX, &n)) {
		snprintf(err, errlen,
		    "LISTEN_FDS=\"%s\": expected 1 to %d sockets",
		    getenv("LISTEN_FDS"), NOTIFY_LISTEN_FDS_MAX);
		return -1;
	}
	/* Not for children, whatever happens next. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (!have || !ours)
		return 0;
	for (i = 0; i < (int)n; i++) {
		fd = NOTIFY_LISTEN_FDS_START + i;
		len = sizeof acc;
		if (fstat(fd, &st) == -1 || !S_ISSOCK(st.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) ==
			-1 ||
		    !acc) {
			snprintf(err, errlen,
			    "LISTEN_FDS: descriptor %d is not a listening "
			    "socket",
			    fd);
			return -1;
		}
		len = sizeof type;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
		    type != SOCK_STREAM) {
			snprintf(err, errlen,
			    "LISTEN_FDS: descriptor %d is not a stream socket",
			    fd);
			return -1;
		}
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			snprintf(err, errlen, "LISTEN_FDS: descriptor %d: %s",
			    fd, strerror(errno));
			return -1;
		}
	}
	return (int)n;
}

/* $WATCHDOG_USEC when it is meant for this process; 0 otherwise. */
uint64_t
notify_watchdog_usec(void)
{
	uint64_t usec, pid;

	if (!env_number("WATCHDOG_USEC", UINT64_MAX / 2, &usec))
		return 0;
	if (getenv("WATCHDOG_PID") != NULL &&
	    (!env_number("WATCHDOG_PID", UINT32_MAX, &pid) ||
		pid != (uint64_t)getpid()))
		return 0;
	return usec;
}

/* Marks the status changed; notify_flush() sends it. */
void
notify_status(struct server *srv)
{
	srv->status_dirty = true;
}

/* Sends STATUS= if it changed and a second has passed since the last. */
void
notify_flush(struct server *srv, bool now)
{
	char state[128];
	uint64_t ms = clock_mono_ms();

	if (!srv->status_dirty ||
	    (!now && ms - srv->status_ms < NOTIFY_STATUS_MS))
		return;
	srv->status_dirty = false;
	srv->status_ms = ms;

	snprintf(state, sizeof state,
	    "STATUS=%zu user%s online, %u "
	    "connection%s",
	    srv->n_online, srv->n_online == 1 ? "" : "s", srv->n_sessions,
	    srv->n_sessions == 1 ? "" : "s");
	if (notify_send(state) != 0)
		log_debug("sd_notify: %s", strerror(errno));
}
