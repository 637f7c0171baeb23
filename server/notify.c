/*
 * notify.c: the systemd notification protocol (sd_notify(3)) without
 * libsystemd: one datagram of newline-separated assignments to the
 * AF_UNIX socket named by $NOTIFY_SOCKET ("@name" is abstract). The
 * socket is non-blocking: a notification never stalls the event loop,
 * and STATUS= goes out at most once a second (from the heartbeat).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
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
